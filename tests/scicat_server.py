"""A real SciCat-like backend for tests: 127.0.0.1, a free port, a background thread.

It serves collections of SciCat objects the way the backend's ``/api/v3`` does::

    with SciCatServer.from_seed(shared_data / "search-api" / "scicat-seed") as server:
        SciCatSource("s", server.url)      # server.url ends in /api/v3

* ``GET /api/v3/{Collection}?filter=<JSON>`` — ``Datasets``, ``PublishedData``, ``Instruments``,
  ``Proposals``, ``Samples``, ``OrigDatablocks``. The filter's ``limits: {limit, skip, order}`` (or
  LoopBack's top-level ``limit``/``skip``/``order``) pages the answer; ``order`` sorts by a field
  (``updatedAt:asc``, ``updatedAt ASC``); ``where: {field: value | {gt|gte|lt|lte|inq: …}}`` filters.
  Plain ``limit``/``skip`` query parameters are accepted as well.
* ``GET /api/v3/{Collection}/{id}`` — one object (URL-encoded id), 404 when there is none.
* Objects are answered as the API does: MongoDB extended JSON of the seed files unwrapped
  (``{"$date": …}`` → the ISO string) and datasets carrying ``pid``, published data ``doi``.
* :meth:`touch` changes an object and sets its ``updatedAt`` to now; :meth:`fail_next` answers the next
  *n* requests with an HTTP error. :attr:`requests` logs every request (path and filter).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

COLLECTIONS = {"Dataset": "Datasets", "PublishedData": "PublishedData", "Instrument": "Instruments",
               "Proposal": "Proposals", "Sample": "Samples", "OrigDatablock": "OrigDatablocks"}


def api_json(value: Any) -> Any:
    """MongoDB extended JSON → what the REST API answers."""
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return api_json(value["$date"])
        if set(value) == {"$oid"}:
            return str(value["$oid"])
        return {k: api_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [api_json(v) for v in value]
    return value


def _id_of(collection: str, obj: dict[str, Any]) -> str:
    for key in ("pid", "doi", "proposalId", "sampleId", "_id", "id"):
        if obj.get(key):
            return str(obj[key])
    raise ValueError(f"object of {collection} without id")


class SciCatServer:
    """See the module docstring."""

    def __init__(self, collections: dict[str, list[dict[str, Any]]]) -> None:
        self.collections: dict[str, list[dict[str, Any]]] = {}
        for name, objs in collections.items():
            out = []
            for obj in objs:
                o = api_json(obj)
                if name == "Datasets":
                    o.setdefault("pid", o.get("_id"))
                if name == "PublishedData":
                    o.setdefault("doi", o.get("_id"))
                out.append(o)
            self.collections[name] = out
        self.requests: list[dict[str, Any]] = []
        self._fail: list[int] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    @classmethod
    def from_seed(cls, folder: Path) -> "SciCatServer":
        """A server holding the SciCatLive seed files (``Dataset.json`` …) of *folder*."""
        collections = {}
        for entity, collection in COLLECTIONS.items():
            path = folder / f"{entity}.json"
            if path.is_file():
                collections[collection] = json.loads(path.read_text(encoding="utf-8"))
        return cls(collections)

    # -- life cycle -------------------------------------------------------------------------------

    def start(self) -> "SciCatServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server._handle(self)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "SciCatServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api/v3"

    # -- changing the data ------------------------------------------------------------------------

    def touch(self, collection: str, ident: str, **changes: Any) -> dict[str, Any]:
        """Apply *changes* to one object and set its ``updatedAt`` to now (UTC, milliseconds)."""
        with self._lock:
            for obj in self.collections[collection]:
                if _id_of(collection, obj) == ident or obj.get("_id") == ident:
                    obj.update(changes)
                    obj["updatedAt"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                    return obj
        raise KeyError(ident)

    def fail_next(self, n: int = 1, *, status: int = 503) -> None:
        """Answer the next *n* requests with HTTP *status*."""
        with self._lock:
            self._fail.extend([status] * n)

    # -- answering ---------------------------------------------------------------------------------

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        data = json.dumps(body).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Date", formatdate(usegmt=True))
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append({"path": parts.path, "params": params})
            fail = self._fail.pop(0) if self._fail else None
        if fail is not None:
            self._send(handler, fail, {"statusCode": fail, "message": "injected failure"})
            return
        path = parts.path.removeprefix("/api/v3/")
        name, _, ident = path.partition("/")
        if name not in self.collections:
            self._send(handler, 404, {"statusCode": 404, "message": f"Cannot GET {parts.path}"})
            return
        with self._lock:
            objs = [dict(o) for o in self.collections[name]]
        if ident:
            wanted = unquote(ident)
            found = next((o for o in objs if _id_of(name, o) == wanted or o.get("_id") == wanted), None)
            if found is None:
                self._send(handler, 404, {"statusCode": 404, "message": "Not Found"})
            else:
                self._send(handler, 200, found)
            return
        try:
            flt = json.loads(params.get("filter") or "{}")
        except ValueError:
            self._send(handler, 400, {"statusCode": 400, "message": "filter is not JSON"})
            return
        limits = flt.get("limits") or {}
        limit = int(limits.get("limit", flt.get("limit", params.get("limit", 0))) or 0)
        skip = int(limits.get("skip", flt.get("skip", params.get("skip", 0))) or 0)
        order = str(limits.get("order", flt.get("order", "")) or "")
        objs = [o for o in objs if _matches(o, flt.get("where") or {})]
        if order:
            fld, _, direction = order.replace(" ", ":").partition(":")
            objs.sort(key=lambda o: str(o.get(fld) or ""), reverse=direction.lower() == "desc")
        objs = objs[skip:skip + limit] if limit else objs[skip:]
        self._send(handler, 200, objs)


def _comparable(value: Any) -> Any:
    """Dates compare as instants (MongoDB compares dates, not their spelling)."""
    text = str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text


def _matches(obj: dict[str, Any], where: dict[str, Any]) -> bool:
    for fld, cond in where.items():
        value = obj.get(fld)
        if isinstance(cond, dict):
            for op, arg in cond.items():
                v = _comparable(value) if value is not None else None
                arg = _comparable(arg) if op in ("gt", "gte", "lt", "lte") else arg
                if op in ("gt", "gte", "lt", "lte") and (v is None or type(v) is not type(arg)):
                    return False
                if (op == "gt" and not v > arg) or (op == "gte" and not v >= arg) \
                        or (op == "lt" and not v < arg) or (op == "lte" and not v <= arg):
                    return False
                if op == "inq" and value not in arg:
                    return False
        elif value != cond:
            return False
    return True
