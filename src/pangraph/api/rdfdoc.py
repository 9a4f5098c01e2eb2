"""Small RDF documents the node writes about itself (DCAT catalogue pages, VoID): content negotiation and
serialisation of an N-Triples text into Turtle, JSON-LD, RDF/XML or N-Triples.

These documents are small (one catalogue page, one VoID description): Turtle is written from the N-Triples
by :func:`turtle_from_ntriples` (grouped, with prefixes; fast), JSON-LD and RDF/XML by rdflib.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Callable, Hashable, TypeVar

import rdflib
from fastapi import Request
from fastapi.responses import Response

from pangraph.api.errors import ApiError
from pangraph.api.negotiation import JSONLD, NTRIPLES, RDFXML, TURTLE, negotiate
from pangraph.rdf import PREFIXES as RDF_PREFIXES

#: server preference when the client accepts several (``*/*`` → Turtle)
RDF_OFFERS: tuple[str, ...] = (TURTLE, JSONLD, RDFXML, NTRIPLES)
#: ``format=`` values
FORMAT_PARAM: dict[str, str] = {"ttl": TURTLE, "turtle": TURTLE, "jsonld": JSONLD, "json-ld": JSONLD,
                                "rdf": RDFXML, "rdfxml": RDFXML, "xml": RDFXML, "nt": NTRIPLES, "ntriples": NTRIPLES}
_RDFLIB_FORMAT = {JSONLD: "json-ld", RDFXML: "pretty-xml"}
T = TypeVar("T")

PREFIXES: dict[str, str] = {
    **RDF_PREFIXES,
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "void": "http://rdfs.org/ns/void#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "formats": "http://www.w3.org/ns/formats/",
    "sosa": "http://www.w3.org/ns/sosa/",
}

RDF_RESPONSES: dict[int | str, dict] = {
    200: {"description": "The RDF document", "content": {t: {} for t in RDF_OFFERS}},
    400: {"description": "Unknown `format`"},
    406: {"description": "None of Turtle, JSON-LD, RDF/XML, N-Triples is acceptable"},
}


def choose_media_type(request: Request, format: str | None, *, what: str) -> str:
    """The media type to answer with: ``format=`` wins over ``Accept``; 400 for an unknown format, 406 when
    the client accepts none of :data:`RDF_OFFERS`."""
    if format is not None:
        chosen = FORMAT_PARAM.get(format.lower())
        if chosen is None:
            raise ApiError(400, "Bad Request", f"unknown format {format!r}; use one of {', '.join(FORMAT_PARAM)}",
                           parameter="format", accepted=sorted(FORMAT_PARAM))
        return chosen
    accept = request.headers.get("accept")
    chosen = negotiate(accept, RDF_OFFERS)
    if chosen is None:
        raise ApiError(406, "Not Acceptable",
                       f"{what} is available as {', '.join(RDF_OFFERS)}; none of them is acceptable (Accept: {accept})",
                       headers={"Vary": "Accept"}, accepted=list(RDF_OFFERS))
    return chosen


_NT_LINE = re.compile(r"^(<[^>]*>|_:\S+) (<[^>]*>) (.+) \.$")
_TYPED = re.compile(r'^(".*")\^\^<([^>]*)>$', re.S)
_LOCAL = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_-]*)?$")
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def turtle_from_ntriples(ntriples_text: str, prefixes: dict[str, str] | None = None) -> str:
    """Turtle for an N-Triples text (one triple per line, as the store and :func:`pangraph.rdf.ntriples` write
    it): triples grouped by subject and predicate, IRIs shortened with *prefixes* where the local part is a
    plain name, ``a`` for ``rdf:type``. Terms are otherwise copied as they are — N-Triples terms are valid
    Turtle — so this is fast on whole catalogue pages, where rdflib's Turtle writer takes seconds."""
    prefixes = PREFIXES if prefixes is None else prefixes
    by_length = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    used: set[str] = set()

    def iri(term: str) -> str:
        value = term[1:-1]
        for name, ns in by_length:
            if value.startswith(ns) and _LOCAL.match(value[len(ns):]):
                used.add(name)
                return f"{name}:{value[len(ns):]}"
        return term

    def term(t: str) -> str:
        if t.startswith("<"):
            return iri(t)
        m = _TYPED.match(t)
        return f"{m.group(1)}^^{iri('<' + m.group(2) + '>')}" if m else t

    subjects: dict[str, dict[str, list[str]]] = {}
    for line in ntriples_text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _NT_LINE.match(line)
        if m is None:
            raise ValueError(f"not an N-Triples line: {line[:200]!r}")
        objects = subjects.setdefault(m.group(1), {}).setdefault(m.group(2), [])
        if m.group(3) not in objects:
            objects.append(m.group(3))
    body = []
    for s, predicates in subjects.items():
        parts = [("a" if p == _RDF_TYPE else iri(p)) + " " + ", ".join(term(o) for o in objs)
                 for p, objs in predicates.items()]
        body.append(f"{term(s)} " + " ;\n    ".join(parts) + " .\n")
    head = [f"@prefix {name}: <{prefixes[name]}> ." for name in sorted(used)]
    return "\n".join(head) + "\n\n" + "\n".join(body)


def serialize(ntriples_text: str, media_type: str) -> bytes:
    """*ntriples_text* as *media_type* (one of :data:`RDF_OFFERS`), with the usual prefixes."""
    if media_type == NTRIPLES:
        return ntriples_text.encode("utf-8")
    if media_type == TURTLE:
        return turtle_from_ntriples(ntriples_text).encode("utf-8")
    g = rdflib.Graph(bind_namespaces="core")  # core: rdf, rdfs, xsd, owl and xml (for xml:lang)
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.parse(data=ntriples_text, format="nt")
    extra = {"context": dict(PREFIXES), "auto_compact": True} if media_type == JSONLD else {}
    data = g.serialize(format=_RDFLIB_FORMAT[media_type], encoding="utf-8", **extra)
    return data if isinstance(data, bytes) else data.encode("utf-8")


_LOCKS_GUARD = threading.Lock()


def cached(request: Request, name: str, compute: Callable[[], T], *, key: Hashable = None) -> T:
    """``compute()``, kept in the app's state under *name* for ``server.description_cache_s`` seconds, or until
    *key* changes. For what scans the store (VoID statistics, the catalogue's order, the sitemap): the store of
    a serving node changes only when a load runs, and a load rewrites the dump, which callers put in *key*.
    Concurrent requests wait for one computation instead of each scanning the store. Runs in a worker thread."""
    state = request.app.state
    ttl = float(state.ctx.config["server.description_cache_s"])

    def fresh() -> tuple | None:
        entry = getattr(state, name, None)
        return entry if entry is not None and entry[0] == key and time.monotonic() - entry[1] < ttl else None

    entry = fresh()
    if entry is not None:
        return entry[2]
    with _LOCKS_GUARD:
        locks = getattr(state, "description_locks", None)
        if locks is None:
            locks = state.description_locks = {}
        lock = locks.setdefault(name, threading.Lock())
    with lock:
        entry = fresh()  # computed by another request while this one waited
        if entry is not None:
            return entry[2]
        value = compute()
        setattr(state, name, (key, time.monotonic(), value))
        return value


def rdf_response(ntriples_text: str, media_type: str, *, headers: dict[str, str] | None = None) -> Response:
    """The document as a response with ``Vary: Accept``."""
    content_type = f"{media_type}; charset=utf-8" if media_type == TURTLE else media_type
    return Response(serialize(ntriples_text, media_type), media_type=content_type,
                    headers={"Vary": "Accept", **(headers or {})})
