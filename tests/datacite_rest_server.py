"""A real DataCite REST API (``/dois``) for tests: 127.0.0.1, a free port, a background thread.

It serves the items it is given (DataCite JSON:API items ``{"id", "type": "dois", "attributes", …}``,
e.g. those of ``../shared/data/datacite/rest-api-json``, see :func:`sample_items`) the way
api.datacite.org does::

    with DataCiteRESTServer(items, page_size_limit=1000) as server:
        DataCiteRESTSource("dc", server.url, client_id="datacite.datacite", page_size=10)

* ``GET /dois?client-id=…&page[size]=N&page[cursor]=1[&query=…]`` → ``{"data": [...], "meta": {"total",
  "totalPages"}, "links": {"self", "next"}}``: items in insertion order, ``links.next`` an absolute URL
  with an opaque cursor (absent on the last page). ``client-id`` keeps the items whose
  ``relationships.client.data.id`` is that client; ``query`` understands ``updated:[<from> TO *]``
  (inclusive, on ``attributes.updated``), alone or ``AND``-ed with other terms, which must appear in
  the item's JSON (a crude full-text match). ``page[number]`` paging is refused (cursor only here).
* ``GET /dois/<doi>`` → ``{"data": item}`` or 404.
* :meth:`set_item` replaces or adds an item (e.g. with a later ``updated``) between runs.
* Faults for the next *n* requests: :meth:`throttle_next` (429 with ``Retry-After``),
  :meth:`fail_next` (an HTTP status), :meth:`malformed_next` (a body that is not JSON).
* :attr:`requests` logs every request (path, params, status, fault).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

SAMPLE_FILES = ("datacite-esrf-es-2210534378.json", "datacite-esrf-dc-2493599001.json",
                "datacite-zenodo-software-21826016.json")
LIST_PAGE = "datacite_api_dois.json"
_UPDATED = re.compile(r"updated:\[\s*(\S+)\s+TO\s+\*\s*\]", re.IGNORECASE)


def sample_items(shared_data: Path) -> list[dict]:
    """The DataCite REST items of the shared samples: the three single-DOI responses, then the 25
    items of the ``/dois`` list page."""
    folder = shared_data / "datacite" / "rest-api-json"
    items = [json.loads((folder / name).read_text(encoding="utf-8"))["data"] for name in SAMPLE_FILES]
    return items + list_page_items(shared_data)


def list_page_items(shared_data: Path) -> list[dict]:
    """The 25 items of the shared ``/dois`` list page (client ``datacite.datacite``)."""
    doc = json.loads((shared_data / "datacite" / "rest-api-json" / LIST_PAGE).read_text(encoding="utf-8"))
    return doc["data"]


def client_of(item: dict) -> str | None:
    try:
        return item["relationships"]["client"]["data"]["id"]
    except (KeyError, TypeError):
        return None


@dataclass
class LoggedRequest:
    path: str
    params: dict[str, str]
    status: int | None = None
    fault: str | None = None


@dataclass
class _Fault:
    kind: str  # status | malformed
    remaining: int
    status: int = 503
    retry_after: str | None = None


@dataclass
class DataCiteRESTServer:
    """See the module docstring."""

    items: list[Any] = field(default_factory=list)
    page_size_limit: int = 1000
    requests: list[LoggedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.items = [copy.deepcopy(i) for i in self.items]
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> "DataCiteRESTServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def root(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        """The ``/dois`` endpoint."""
        return self.root + "/dois"

    # -- changing what is served ------------------------------------------------------------------

    def set_item(self, item: dict) -> None:
        """Replace the item with the same id (or append it)."""
        with self._lock:
            for n, old in enumerate(self.items):
                if isinstance(old, dict) and old.get("id") == item.get("id"):
                    self.items[n] = copy.deepcopy(item)
                    return
            self.items.append(copy.deepcopy(item))

    def throttle_next(self, n: int = 1, *, retry_after: str = "0") -> None:
        """Answer the next *n* requests with 429 Too Many Requests and ``Retry-After``."""
        self._faults.append(_Fault("status", n, status=429, retry_after=retry_after))

    def fail_next(self, n: int = 1, *, status: int = 503) -> None:
        """Answer the next *n* requests with HTTP *status*."""
        self._faults.append(_Fault("status", n, status=status))

    def malformed_next(self, n: int = 1) -> None:
        """Answer the next *n* requests with a body that is not JSON."""
        self._faults.append(_Fault("malformed", n))

    def clear_log(self) -> None:
        self.requests.clear()

    # -- answering ----------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        logged = LoggedRequest(parts.path, params)
        self.requests.append(logged)
        with self._lock:
            fault = self._faults[0] if self._faults else None
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.pop(0)
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            logged.fault = f"status {fault.status}"
            return self._send(h, logged, fault.status, {"errors": [{"status": str(fault.status)}]}, headers)
        if fault is not None and fault.kind == "malformed":
            logged.fault = "malformed"
            return self._send(h, logged, 200, None, {}, raw=b'{"data": [ this is not JSON')
        if parts.path.rstrip("/") == "/dois":
            return self._list(h, logged, params)
        if parts.path.startswith("/dois/"):
            doi = unquote(parts.path[len("/dois/"):]).lower()
            with self._lock:
                found = next((i for i in self.items if isinstance(i, dict) and str(i.get("id", "")).lower() == doi),
                             None)
            if found is None:
                return self._send(h, logged, 404, {"errors": [{"status": "404", "title": "not found"}]})
            return self._send(h, logged, 200, {"data": found})
        return self._send(h, logged, 404, {"errors": [{"status": "404", "title": "not found"}]})

    def _list(self, h: BaseHTTPRequestHandler, logged: LoggedRequest, params: dict[str, str]) -> None:
        if "page[number]" in params:
            return self._send(h, logged, 400, {"errors": [{"title": "this test server pages by cursor only"}]})
        try:
            size = int(params.get("page[size]", "25"))
        except ValueError:
            return self._send(h, logged, 400, {"errors": [{"title": "page[size] must be a number"}]})
        if not 1 <= size <= self.page_size_limit:
            return self._send(h, logged, 400, {"errors": [{"title": f"page[size] must be 1..{self.page_size_limit}"}]})
        cursor = params.get("page[cursor]", "1")
        if cursor == "1":
            offset = 0
        else:
            try:
                offset = int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
            except ValueError:
                return self._send(h, logged, 400, {"errors": [{"title": "invalid cursor"}]})
        with self._lock:
            selected = [i for i in self.items if self._matches(i, params)]
        page = selected[offset:offset + size]
        nxt = offset + size
        links: dict[str, str] = {"self": self.url + "?" + urlencode(params)}
        if nxt < len(selected):
            token = base64.urlsafe_b64encode(str(nxt).encode()).decode().rstrip("=")
            links["next"] = self.url + "?" + urlencode({**params, "page[cursor]": token})
        body = {"data": page, "meta": {"total": len(selected), "totalPages": -(-len(selected) // size)},
                "links": links}
        return self._send(h, logged, 200, body)

    @staticmethod
    def _matches(item: Any, params: dict[str, str]) -> bool:
        client = params.get("client-id")
        if client and isinstance(item, dict) and client_of(item) not in (None, client):
            return False
        query = params.get("query", "")
        m = _UPDATED.search(query)
        if m:
            attrs = item.get("attributes") if isinstance(item, dict) else None
            updated = attrs.get("updated") if isinstance(attrs, dict) else None
            if not isinstance(updated, str) or _instant(updated) < _instant(m.group(1)):
                return False
            query = _UPDATED.sub("", query)
        terms = [t for t in re.split(r"\s+AND\s+|[()]", query) if t.strip()]
        text = json.dumps(item).lower()
        return all(t.strip().strip('"').lower() in text for t in terms)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, logged: LoggedRequest, status: int, body: Any,
              headers: dict[str, str] | None = None, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(body).encode("utf-8")
        logged.status = status
        h.send_response(status)
        h.send_header("Content-Type", "application/vnd.api+json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)


def _instant(value: str) -> str:
    """A comparable UTC timestamp text (``2025-09-06T06:00:10Z``) for ISO times with or without
    fractions, or dates."""
    v = value.strip().replace(".000Z", "Z")
    v = re.sub(r"\.\d+Z$", "Z", v)
    return v if "T" in v else v + "T00:00:00Z"
