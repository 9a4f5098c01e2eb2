"""A real PaNOSC search API server for tests (LoopBack 3 style), on 127.0.0.1, a free port, a
background thread, serving the models of a ``db.json`` dump.

    with PanoscServer(shared_data / "search-api" / "db.json") as server:
        PanoscSource("s", server.url)          # server.url ends in /api

Endpoints, as in ``panosc-eu/search-api`` ``doc/api-calls.md`` (collection names are case-insensitive):
``GET /api/{Datasets|Documents|Instruments}?filter=`` (a JSON list), ``GET /api/{…}/count?where=``
(``{"count": n}``), ``GET /api/{…}/{pid}?filter=`` (the pid URL-encoded; 404 with a LoopBack error
object when unknown), ``GET /api/Datasets/{pid}/files?filter=`` and ``…/files/count?where=``.

``filter`` is LoopBack's: ``limit``, ``skip``, ``where`` (field equality and the operators ``eq``, ``neq``,
``inq``, ``nin``, ``gt``, ``gte``, ``lt``, ``lte``, ``between``, ``like``, ``and``, ``or``) and ``include``
(a relation name, a list, or ``{"relation": …, "scope": {"where": …, "include": …}}``; with a scope
``where``, only items whose included relation matches are returned, as the PaNOSC API does).
Relations are resolved from the model definitions in :data:`RELATIONS` (belongsTo by foreign key,
hasMany by the target's foreign key, hasAndBelongsToMany through the join model, and — as the
facility dumps store it — a dataset's own ``documentId``); keys compare as text against the target's
``pid`` or ``id``. Every listed item carries ``"score": 0`` like the reference API. Values stored as
JSON text are parsed; a value whose text is not JSON is served as that text (a provider passing a
broken stored item through).

Faults apply to the next *n* requests: :meth:`fail_next` (HTTP status, default 503),
:meth:`slow_next` (answer after *delay_s*), :meth:`garbage_next` (a body that is not JSON).
:attr:`requests` logs every request (path and parsed filter).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

#: model → relation → (type, target model, foreign key[, join model, other key])
RELATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "Dataset": {
        "instrument": ("belongsTo", "Instrument", "instrumentId"),
        "parameters": ("hasMany", "Parameter", "datasetId"),
        "files": ("hasMany", "File", "datasetId"),
        "samples": ("hasAndBelongsToMany", "Sample", "datasetId", "DatasetSample", "sampleId"),
        "techniques": ("hasAndBelongsToMany", "Technique", "datasetId", "DatasetTechnique", "techniqueId"),
        "documents": ("hasAndBelongsToMany", "Document", "datasetId", "DocumentDataset", "documentId"),
    },
    "Document": {
        "members": ("hasMany", "Member", "documentId"),
        "datasets": ("hasAndBelongsToMany", "Dataset", "documentId", "DocumentDataset", "datasetId"),
        "parameters": ("hasMany", "Parameter", "documentId"),
    },
    "Instrument": {"datasets": ("hasMany", "Dataset", "instrumentId")},
    "Member": {
        "document": ("belongsTo", "Document", "documentId"),
        "person": ("belongsTo", "Person", "personId"),
        "affiliation": ("belongsTo", "Affiliation", "affiliationId"),
    },
    "Parameter": {"dataset": ("belongsTo", "Dataset", "datasetId"), "document": ("belongsTo", "Document", "documentId")},
    "File": {"dataset": ("belongsTo", "Dataset", "datasetId")},
    "Person": {"members": ("hasMany", "Member", "personId")},
    "Affiliation": {"members": ("hasMany", "Member", "affiliationId")},
}
COLLECTIONS = {"datasets": "Dataset", "documents": "Document", "instruments": "Instrument"}


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value).strip() or None


def load_models(path: Path) -> dict[str, list[Any]]:
    """The items of every model of a ``db.json`` (JSON text parsed; broken text kept as a string)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    models: dict[str, list[Any]] = {}
    for name, items in data.get("models", {}).items():
        out = []
        for value in items.values():
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except json.JSONDecodeError:
                    pass
            out.append(value)
        models[name] = out
    return models


@dataclass
class LoggedRequest:
    path: str
    filter: dict[str, Any]
    status: int = 200
    fault: str | None = None


@dataclass
class _Fault:
    kind: str
    status: int = 503
    delay_s: float = 0.0


class Store:
    """The models and the LoopBack query semantics over them."""

    def __init__(self, models: dict[str, list[Any]]) -> None:
        self.models = models
        self._index: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}

    def by(self, model: str, key: str) -> dict[str, list[dict[str, Any]]]:
        """Items of *model* grouped by the text of *key* (built on first use; the models may change
        between harvests, so :meth:`reindex` drops it)."""
        index = self._index.get((model, key))
        if index is None:
            index = {}
            for obj in self.items(model):
                if isinstance(obj, dict) and _text(obj.get(key)) is not None:
                    index.setdefault(_text(obj.get(key)), []).append(obj)
            self._index[(model, key)] = index
        return index

    def reindex(self) -> None:
        self._index.clear()

    def items(self, model: str) -> list[Any]:
        return self.models.get(model, [])

    @staticmethod
    def keys(obj: dict[str, Any]) -> set[str]:
        return {k for k in (_text(obj.get("pid")), _text(obj.get("id"))) if k}

    def find(self, model: str, key: Any) -> dict[str, Any] | None:
        k = _text(key)
        if k is None:
            return None
        for pass_key in ("pid", "id"):
            found = self.by(model, pass_key).get(k)
            if found:
                return found[0]
        return None

    def related(self, model: str, obj: dict[str, Any], relation: str) -> Any:
        spec = RELATIONS.get(model, {}).get(relation)
        if spec is None:
            raise KeyError(relation)
        kind, target, fk = spec[:3]
        if kind == "belongsTo":
            return self.find(target, obj.get(fk))
        own = self.keys(obj)
        if kind == "hasMany":
            seen: set[int] = set()
            return [o for k in sorted(own) for o in self.by(target, fk).get(k, [])
                    if id(o) not in seen and not seen.add(id(o))]
        join, other_fk = spec[3], spec[4]
        out: list[dict[str, Any]] = []
        for row in [r for k in own for r in self.by(join, fk).get(k, [])]:
            found = self.find(target, row.get(other_fk))
            if found is not None and all(found is not o for o in out):
                out.append(found)
        # the facility dumps keep Dataset → Document as the dataset's own documentId
        back = "documentId" if (model, target) == ("Document", "Dataset") else None
        if back:
            out += [o for k in own for o in self.by(target, back).get(k, []) if all(o is not x for x in out)]
        return out

    def include(self, model: str, obj: dict[str, Any], spec: Any) -> dict[str, Any] | None:
        """*obj* with the relations of *spec* included; None when a scoped ``where`` excludes it."""
        out = dict(obj)
        for item in (spec if isinstance(spec, list) else [spec]):
            if isinstance(item, str):
                relation, scope = item, {}
            elif isinstance(item, dict) and "relation" in item:
                relation, scope = item["relation"], item.get("scope") or {}
            else:
                raise ValueError(f"unsupported include {item!r}")
            value = self.related(model, obj, relation)
            target = RELATIONS[model][relation][1]
            values = value if isinstance(value, list) else ([value] if value is not None else [])
            if scope.get("where"):
                values = [v for v in values if matches(v, scope["where"])]
                if not values:
                    return None
            if scope.get("include"):
                values = [x for x in (self.include(target, v, scope["include"]) for v in values) if x is not None]
            if isinstance(value, list):
                out[relation] = values
            elif values:
                out[relation] = values[0]
        return out

    def query(self, model: str, flt: dict[str, Any]) -> list[Any]:
        out = []
        for obj in self.items(model):
            if not isinstance(obj, dict):
                out.append(obj)  # broken stored text, passed through
                continue
            if flt.get("where") and not matches(obj, flt["where"]):
                continue
            if flt.get("include"):
                obj = self.include(model, obj, flt["include"])
                if obj is None:
                    continue
            out.append({**obj, "score": 0})
        skip = int(flt.get("skip") or flt.get("offset") or 0)
        limit = flt.get("limit")
        out = out[skip:]
        return out[: int(limit)] if limit is not None else out


def _cmp(a: Any, b: Any) -> tuple[Any, Any]:
    try:
        return float(a), float(b)
    except (TypeError, ValueError):
        return str(a), str(b)


def matches(obj: Any, where: dict[str, Any]) -> bool:
    """LoopBack ``where`` semantics (the subset described in the module docstring)."""
    if not isinstance(obj, dict):
        return False
    for key, cond in where.items():
        if key == "and":
            if not all(matches(obj, c) for c in cond):
                return False
            continue
        if key == "or":
            if not any(matches(obj, c) for c in cond):
                return False
            continue
        value = obj.get(key)
        if isinstance(cond, dict):
            for op, arg in cond.items():
                ok = {
                    "eq": lambda: _text(value) == _text(arg),
                    "neq": lambda: _text(value) != _text(arg),
                    "inq": lambda: _text(value) in {_text(a) for a in arg},
                    "nin": lambda: _text(value) not in {_text(a) for a in arg},
                    "gt": lambda: value is not None and _cmp(value, arg)[0] > _cmp(value, arg)[1],
                    "gte": lambda: value is not None and _cmp(value, arg)[0] >= _cmp(value, arg)[1],
                    "lt": lambda: value is not None and _cmp(value, arg)[0] < _cmp(value, arg)[1],
                    "lte": lambda: value is not None and _cmp(value, arg)[0] <= _cmp(value, arg)[1],
                    "between": lambda: value is not None and _cmp(value, arg[0])[0] >= _cmp(value, arg[0])[1]
                    and _cmp(value, arg[1])[0] <= _cmp(value, arg[1])[1],
                    "like": lambda: value is not None and re.search(str(arg).replace("%", ".*"), str(value)) is not None,
                }.get(op)
                if ok is None:
                    raise ValueError(f"unsupported where operator {op!r}")
                if not ok():
                    return False
        elif _text(value) != _text(cond):
            return False
    return True


class PanoscServer:
    """The server; use as a context manager. ``url`` is the API base (``http://127.0.0.1:port/api``)."""

    def __init__(self, db: Path | None = None, *, models: dict[str, list[Any]] | None = None) -> None:
        self.store = Store(models if models is not None else load_models(db))
        self.requests: list[LoggedRequest] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- faults --------------------------------------------------------------------------------

    def fail_next(self, n: int = 1, *, status: int = 503) -> None:
        with self._lock:
            self._faults += [_Fault("status", status=status) for _ in range(n)]

    def slow_next(self, n: int = 1, *, delay_s: float = 1.0) -> None:
        with self._lock:
            self._faults += [_Fault("slow", delay_s=delay_s) for _ in range(n)]

    def garbage_next(self, n: int = 1) -> None:
        with self._lock:
            self._faults += [_Fault("garbage") for _ in range(n)]

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api"

    def __enter__(self) -> "PanoscServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                server._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- requests ----------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query)
        log = LoggedRequest(path=parts.path, filter={})
        self.requests.append(log)
        fault = self._take_fault()
        if fault is not None:
            log.fault = fault.kind
            if fault.kind == "status":
                log.status = fault.status
                self._send(h, fault.status, {"error": {"statusCode": fault.status, "message": "Service Unavailable"}})
                return
            if fault.kind == "garbage":
                self._send_bytes(h, 200, b"<html>proxy error</html>", "text/html")
                return
            time.sleep(fault.delay_s)
        try:
            flt = json.loads(query["filter"][0]) if "filter" in query else {}
            if "where" in query:
                flt["where"] = json.loads(query["where"][0])
        except json.JSONDecodeError as e:
            log.status = 400
            self._send(h, 400, {"error": {"statusCode": 400, "message": f"invalid filter: {e}"}})
            return
        log.filter = flt
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if len(segments) < 2 or segments[0] != "api" or segments[1].lower() not in COLLECTIONS:
            log.status = 404
            self._send(h, 404, {"error": {"statusCode": 404, "message": f"no route for {parts.path}"}})
            return
        model = COLLECTIONS[segments[1].lower()]
        rest = segments[2:]
        # a pid may contain "/" (20.500.12269/x is sent encoded, but be lenient with raw slashes)
        tail = []
        while rest and rest[-1] in ("count", "files") and not (len(rest) == 1 and rest[0] == "count"):
            tail.insert(0, rest.pop())
        if rest == ["count"]:
            rest, tail = [], ["count"]
        try:
            status, body = self._route(model, "/".join(rest) if rest else None, tail, flt)
        except (ValueError, KeyError) as e:
            status, body = 400, {"error": {"statusCode": 400, "message": str(e)}}
        log.status = status
        self._send(h, status, body)

    def _route(self, model: str, pid: str | None, tail: list[str], flt: dict[str, Any]) -> tuple[int, Any]:
        if pid is None:
            if tail == ["count"]:
                return 200, {"count": len(self.store.query(model, {"where": flt.get("where")}))}
            return 200, self.store.query(model, flt)
        obj = self.store.find(model, pid)
        if obj is None:
            return 404, {"error": {"statusCode": 404, "name": "Error", "message": f"Unknown \"{model}\" id \"{pid}\".",
                                   "code": "MODEL_NOT_FOUND"}}
        if not tail:
            included = self.store.include(model, obj, flt["include"]) if flt.get("include") else obj
            return 200, {**(included or obj), "score": 0}
        if tail[0] == "files" and model == "Dataset":
            files = [f for f in self.store.related(model, obj, "files")
                     if not flt.get("where") or matches(f, flt["where"])]
            if tail[1:] == ["count"]:
                return 200, {"count": len(files)}
            skip = int(flt.get("skip") or 0)
            files = files[skip:]
            return 200, files[: int(flt["limit"])] if flt.get("limit") is not None else files
        return 404, {"error": {"statusCode": 404, "message": "no such relation"}}

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        PanoscServer._send_bytes(h, status, json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                 "application/json; charset=utf-8")

    @staticmethod
    def _send_bytes(h: BaseHTTPRequestHandler, status: int, data: bytes, media_type: str) -> None:
        h.send_response(status)
        h.send_header("Content-Type", media_type)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
