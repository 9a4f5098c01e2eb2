"""A real TeSS JSON-API server for tests: 127.0.0.1, a free port, a background thread.

It answers ``GET /materials`` and ``GET /events`` like TeSS 1.4 (``tess-openapi.yml``): a
``application/vnd.api+json`` collection ``{"data": [...], "meta": {"results-count", "facets",
"available-facets", "query"}, "links": {"self", "first", "next", "last"}}`` paged by ``page_number`` /
``page_size``, items with dasherized ``attributes``, ``relationships`` and a *relative*
``links.self`` (``/materials/<slug>``), as TeSS writes them. ``links.next`` is relative too (TeSS
writes paths), so a client must resolve it. ``GET /materials/<slug>`` answers one resource.
Every request is logged with its ``Accept`` header; :meth:`TessServer.fail_next` answers the next
requests with an HTTP error status, :meth:`TessServer.break_page` a page that is not JSON.

:data:`TESS_OAI_ROUTES` serves the real TeSS OAI-PMH responses of ``../shared/data/tess/oai-pmh``
(``metadataPrefix=rdf``) through :class:`oai_server.OAIServer` in files mode.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from oai_server import Route

TESS_OAI_ROUTES: tuple[Route, ...] = (
    Route({"verb": "Identify"}, "tess_oai_pmh_identify.xml"),
    Route({"verb": "ListRecords", "metadataPrefix": "rdf"}, "tess_oai_pmh_listrecords.xml"),
    Route({"verb": "ListRecords", "metadataPrefix": "oai_dc"}, error="cannotDisseminateFormat"),
)


def material(n: int, *, title: str, topics: list[tuple[str, str]] = (), authors: list[Any] = (),
             keywords: list[str] = (), doi: str | None = None, licence: str = "CC-BY-4.0",
             **attributes: Any) -> dict[str, Any]:
    """One JSON-API material resource with the attributes of the TeSS OpenAPI ``MaterialAttributes``."""
    slug = f"material-{n}"
    attrs = {
        "slug": slug, "title": title, "url": f"https://training.example.org/{slug}",
        "description": f"{title}: a tutorial.", "doi": doi, "remote-updated-date": None,
        "remote-created-date": None, "created-at": "2025-01-0%dT10:00:00.000Z" % (n % 9 + 1),
        "updated-at": "2025-02-0%dT10:00:00.000Z" % (n % 9 + 1), "keywords": list(keywords), "licence": licence,
        "difficulty-level": "Beginner", "authors": list(authors), "contributors": [],
        "target-audience": ["PhD students"], "scientific-topics": [{"preferred-label": l, "uri": u} for l, u in topics],
        "operations": [], "external-resources": [], "resource-type": ["Tutorial"], "version": None,
        "status": "Active", "date-created": None, "date-modified": None, "date-published": None,
        **attributes,
    }
    return {"id": str(n), "type": "materials", "attributes": attrs,
            "relationships": {"user": {"data": {"id": "1", "type": "users"}},
                              "content-provider": {"data": None}, "nodes": {"data": []}},
            "links": {"self": f"/materials/{slug}"}}


def event(n: int, *, title: str, event_types: list[str], start: str, end: str, topics: list[tuple[str, str]] = (),
          keywords: list[str] = (), **attributes: Any) -> dict[str, Any]:
    """One JSON-API event resource with the attributes of the TeSS OpenAPI ``EventAttributes``."""
    slug = f"event-{n}"
    attrs = {
        "slug": slug, "title": title, "subtitle": None, "url": f"https://events.example.org/{slug}",
        "organizer": None, "description": f"{title}.", "start": start, "end": end, "sponsors": [],
        "venue": None, "city": None, "county": None, "country": None, "postcode": None, "latitude": None,
        "longitude": None, "created-at": "2025-01-01T10:00:00.000Z", "updated-at": "2025-03-01T10:00:00.000Z",
        "keywords": list(keywords), "event-types": list(event_types), "target-audience": [], "capacity": None,
        "eligibility": [], "contact": None, "host-institutions": [],
        "scientific-topics": [{"preferred-label": l, "uri": u} for l, u in topics], "operations": [],
        "external-resources": [], "online": False, "presence": None, **attributes,
    }
    return {"id": str(n), "type": "events", "attributes": attrs,
            "relationships": {"user": {"data": {"id": "1", "type": "users"}}, "content-provider": {"data": None},
                              "nodes": {"data": []}, "collections": {"data": []}, "materials": {"data": []}},
            "links": {"self": f"/events/{slug}"}}


@dataclass
class Logged:
    path: str
    params: dict[str, str]
    accept: str
    status: int = 200


@dataclass
class TessServer:
    """A TeSS JSON-API on 127.0.0.1 serving the given materials and events (see the module docstring)."""

    materials: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Logged] = field(default_factory=list)
    _fail: list[int] = field(default_factory=list)
    _broken_pages: set[tuple[str, int]] = field(default_factory=set)

    def __enter__(self) -> "TessServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server._handle(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def fail_next(self, n: int = 1, *, status: int = 503) -> None:
        """Answer the next *n* requests with HTTP *status*."""
        self._fail.extend([status] * n)

    def break_page(self, collection: str, page_number: int) -> None:
        """Serve page *page_number* of *collection* as a body that is not JSON."""
        self._broken_pages.add((collection, page_number))

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        split = urlsplit(h.path)
        params = {k: v[-1] for k, v in parse_qs(split.query).items()}
        entry = Logged(split.path, params, h.headers.get("Accept", ""))
        self.requests.append(entry)
        if self._fail:
            entry.status = self._fail.pop(0)
            self._send(h, entry.status, b'{"errors": [{"title": "unavailable"}]}')
            return
        parts = [p for p in split.path.split("/") if p]
        if not parts or parts[0] not in ("materials", "events") or len(parts) > 2:
            entry.status = 404
            self._send(h, 404, b'{"errors": [{"title": "Not found"}]}')
            return
        items = self.materials if parts[0] == "materials" else self.events
        if len(parts) == 2:
            found = next((i for i in items if i["links"]["self"].endswith("/" + parts[1])), None)
            if found is None:
                entry.status = 404
                self._send(h, 404, b'{"errors": [{"title": "Not found"}]}')
                return
            self._send(h, 200, json.dumps({"data": found, "links": {"self": found["links"]["self"]}}).encode())
            return
        size = max(1, int(params.get("page_size", "30")))
        number = max(1, int(params.get("page_number", "1")))
        if (parts[0], number) in self._broken_pages:
            self._send(h, 200, b'{"data": [ {"id": "1", "type": ')
            return
        last = max(1, math.ceil(len(items) / size))
        page = items[(number - 1) * size: number * size]

        def link(k: int) -> str:
            return f"/{parts[0]}?" + urlencode({"page_number": k, "page_size": size})

        links = {"self": link(number), "first": link(1), "last": link(last)}
        if number < last:
            links["next"] = link(number + 1)
        if number > 1:
            links["prev"] = link(number - 1)
        body = {"data": page, "meta": {"results-count": len(items), "query": "", "facets": {},
                                       "available-facets": {"keywords": []}},
                "links": links, "jsonapi": {"version": "1.0"}}
        self._send(h, 200, json.dumps(body).encode())

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/vnd.api+json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
