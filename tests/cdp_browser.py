"""A small driver for Debian's headless chromium over the Chrome DevTools Protocol (no Selenium, no
Playwright download): open a page, follow a link, submit a form, read the DOM, measure the layout.

Used by the end-to-end browser tests; chromium is started per test module with its own profile and a
phone-sized window (390 × 844 CSS pixels) unless told otherwise.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import connect

CHROMIUM = Path("/usr/bin/chromium")


class BrowserError(RuntimeError):
    pass


class Browser:
    """One headless chromium with one page, driven over CDP."""

    def __init__(self, profile: Path, *, width: int = 390, height: int = 844, timeout_s: float = 30) -> None:
        self.timeout_s = timeout_s
        profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             f"--window-size={width},{height}", "--remote-debugging-port=0", f"--user-data-dir={profile}",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout_s
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise BrowserError("chromium did not open its DevTools port")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024, open_timeout=timeout_s)
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    # -- protocol ------------------------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        msg_id = next(self._ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + self.timeout_s
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def _wait_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout_s
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method:
                    return self.events.pop(i)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"timed out waiting for {method}")
            self.events.append(json.loads(self.ws.recv(timeout=remaining)))

    # -- what a test does ------------------------------------------------------------------------------------

    def eval(self, expression: str) -> Any:
        """The value of the JavaScript *expression* in the page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails'].get('text')}: "
                               f"{result['exceptionDetails'].get('exception', {}).get('description')}")
        return result.get("result", {}).get("value")

    def _navigation(self, action: str) -> str:
        """Run the JavaScript *action* (a click, a submit) and wait for the page it leads to."""
        self.events.clear()
        self.eval(action)
        self._wait_event("Page.loadEventFired")
        return self.url

    def open(self, url: str) -> str:
        """Load *url*; the URL the page ends up at."""
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self._wait_event("Page.loadEventFired")
        return self.url

    def click(self, selector: str) -> str:
        """Click the first element matching the CSS *selector* (a link, a button) and wait for the next page."""
        found = self.eval(f"!!document.querySelector({json.dumps(selector)})")
        if not found:
            raise BrowserError(f"no element {selector!r} on {self.url}")
        return self._navigation(f"document.querySelector({json.dumps(selector)}).click()")

    def click_link(self, text: str, *, within: str = "body") -> str:
        """Click the first link under *within* whose visible text contains *text*."""
        js = (f"(() => {{ const a = [...document.querySelectorAll({json.dumps(within + ' a')})]"
              f".find(a => a.textContent.includes({json.dumps(text)})); if (!a) return false; a.click(); return true; }})()")
        self.events.clear()
        if not self.eval(js):
            raise BrowserError(f"no link with text {text!r} under {within!r} on {self.url}")
        self._wait_event("Page.loadEventFired")
        return self.url

    @property
    def url(self) -> str:
        return self.eval("location.href")

    def text(self, selector: str = "body") -> str:
        return self.eval(f"(document.querySelector({json.dumps(selector)}) || {{innerText: ''}}).innerText")

    def html(self) -> str:
        return self.eval("document.documentElement.outerHTML")

    def overflow_x(self) -> int:
        """How many CSS pixels the page is wider than the viewport (0: nothing to scroll sideways)."""
        return self.eval("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
