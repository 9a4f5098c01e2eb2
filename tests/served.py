"""Serving an app for real in tests: uvicorn on 127.0.0.1 in a thread, and headless chromium's DOM dump.

Used by every test that needs a real HTTP server or a real browser (the project's rule: real components,
no mocks). Debian's chromium is installed by ``scripts/ensure-chromium.sh`` (``make test``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
import uvicorn

CHROMIUM = Path("/usr/bin/chromium")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app: Any, port: int, *, name: str = "uvicorn-test") -> tuple[uvicorn.Server, threading.Thread]:
    """*app* served by uvicorn on 127.0.0.1:*port* in a daemon thread, once it accepts connections
    (fails the test when it does not start within 15 s)."""
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    return srv, thread


def stop(srv: uvicorn.Server, thread: threading.Thread, *, timeout: float = 10) -> None:
    srv.should_exit = True
    thread.join(timeout=timeout)


@contextmanager
def serving(app: Any, port: int, *, name: str = "uvicorn-test") -> Iterator[str]:
    """Serve *app* on 127.0.0.1:*port* for the ``with`` block; yields its base URL."""
    srv, thread = start(app, port, name=name)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(srv, thread)


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed; CI installs it")


def dump_dom(url: str, profile: Path) -> str:
    """The DOM of *url* after headless chromium (phone-sized window) has loaded it and run its scripts.

    Each call uses a fresh profile directory under *profile*: chromium reusing a profile a previous
    headless run has just left sometimes crashes (SIGSEGV). A chromium that crashes (killed by a
    signal) is tried once more; any other failure is raised as it is."""
    profile.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        run_profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=profile))
        try:
            out = subprocess.run(
                [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=390,844",
                 f"--user-data-dir={run_profile}", "--dump-dom", url],
                capture_output=True, text=True, timeout=60,
            )
        finally:
            shutil.rmtree(run_profile, ignore_errors=True)
        if out.returncode < 0 and attempt == 1:  # killed by a signal: a chromium crash, not the page
            continue
        if out.returncode != 0:
            raise subprocess.CalledProcessError(out.returncode, out.args, out.stdout, out.stderr)
        return out.stdout
    raise AssertionError("unreachable")


@contextmanager
def demo_app(data_dir: Path, *, port: int | None = None, **values: Any) -> Iterator[Any]:
    """The demo node built in *data_dir* (its base on *port* when given, so a browser can follow its
    IRIs; *values* override settings, ``catalog__page_size=…``) and its app: a namespace with ``config``,
    ``node``, ``app``, ``client`` (a TestClient), ``base`` and ``port``. The node is closed afterwards."""
    from types import SimpleNamespace

    from fastapi.testclient import TestClient

    from pangraph.api import create_app
    from pangraph.demo import build_demo, demo_config

    config = demo_config(data_dir=data_dir, **({"port": port} if port is not None else {}))
    if values:
        config = config.with_values(**values)
    node, _ = build_demo(config)
    try:
        app = create_app(config, store=node.store, archive=node.archive, node_info=node.info)
        yield SimpleNamespace(config=config, node=node, app=app, client=TestClient(app), base=config.base,
                              port=port)
    finally:
        node.close()
