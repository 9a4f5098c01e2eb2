"""Running one public SPARQL query to completion, capped, and the loop of a query worker process.

This is the store side of the SPARQL endpoint's worker pool (:mod:`pangraph.api.query_workers`): it
imports pyoxigraph, so it lives with the store adapters. A worker process opens the node's on-disk store
read-only (``pyoxigraph.Store.read_only``; it sees the store as it was when opened, so it reopens when
the primary's write generation changes) or, for an in-memory store, loads an N-Quads snapshot of it.

:func:`execute` evaluates a query and serialises its result with a row cap: at most ``max_rows``
solutions (or triples), the response says whether it was cut. Solutions are written as SPARQL JSON
here (row by row, stopping at the cap) and turned into XML/CSV/TSV by Oxigraph's own serialisers, so
every format is exactly what Oxigraph writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any, Sequence

import orjson
import pyoxigraph as ox

from pangraph.store.oxigraph import (
    _UPDATE_KEYWORDS,
    DEFAULT_GRAPH,
    DEFAULT_SOLUTIONS,
    RDF_FORMATS,
    RESULT_FORMATS,
    OxigraphStore,
)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class QueryJob:
    """One query as the endpoint hands it to a worker."""

    query: str
    media_type: str | None = None
    default_graphs: Sequence[str] | None = None
    named_graphs: Sequence[str] | None = None
    base_iri: str | None = None
    max_rows: int = 0  # 0: no cap


@dataclass
class JobResult:
    """What a worker answers: a serialised result, or an error (``error_kind`` "query" = the client's
    mistake → 400, "store" = the node's problem → 503)."""

    kind: str = ""  # solutions | boolean | graph
    media_type: str = ""
    body: bytes = b""
    rows: int = 0
    truncated: bool = False
    seconds: float = 0.0
    error_kind: str | None = None
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# -- SPARQL JSON, written row by row ------------------------------------------------------------------------------

def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
            direction = getattr(term, "direction", None)
            if direction is not None:
                out["its:dir"] = str(direction.value if hasattr(direction, "value") else direction).lower()
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


def _solutions(result: "ox.QuerySolutions", max_rows: int) -> tuple[bytes, int, bool]:
    """SPARQL JSON of at most *max_rows* solutions (0: all); returns (body, rows, truncated)."""
    names = [v.value for v in result.variables]
    bindings = []
    truncated = False
    for solution in result:
        if max_rows and len(bindings) == max_rows:
            truncated = True
            break
        row = {}
        for name in names:
            term = solution[name]
            if term is not None:
                row[name] = _term_json(term)
        bindings.append(row)
    body = orjson.dumps({"head": {"vars": names}, "results": {"bindings": bindings}})
    return body, len(bindings), truncated


# -- running a query ------------------------------------------------------------------------------------------------

def execute(store: "ox.Store", job: QueryJob) -> JobResult:
    """Evaluate *job* on *store* and serialise its result (capped at ``job.max_rows``)."""
    started = time.monotonic()
    if _UPDATE_KEYWORDS.match(job.query):
        return JobResult(error_kind="query", error="SPARQL updates are not allowed here: this endpoint is read-only")
    if job.default_graphs is None and job.named_graphs is None:
        dataset: dict[str, Any] = {"use_default_graph_as_union": True}
    else:
        dataset = {"default_graph": [ox.NamedNode(g) for g in (job.default_graphs or ())],
                   "named_graphs": [ox.NamedNode(g) for g in (job.named_graphs or ())]}
    try:
        result = store.query(job.query, base_iri=job.base_iri, **dataset)
        if isinstance(result, ox.QueryTriples):
            mt = job.media_type or DEFAULT_GRAPH
            fmt = RDF_FORMATS.get(mt)
            if fmt is None or mt in ("application/n-quads", "application/trig"):
                return JobResult(error_kind="query", error=f"cannot serialise a graph result as {mt}")
            triples = list(islice(result, job.max_rows + 1)) if job.max_rows else list(result)
            truncated = bool(job.max_rows) and len(triples) > job.max_rows
            if truncated:
                del triples[job.max_rows:]
            body = ox.serialize(triples, format=fmt) or b""
            return JobResult("graph", mt, body, len(triples), truncated, time.monotonic() - started)
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
        mt = job.media_type or DEFAULT_SOLUTIONS
        fmt = RESULT_FORMATS.get(mt)
        if fmt is None:
            return JobResult(error_kind="query", error=f"cannot serialise a {kind} result as {mt}")
        if kind == "boolean":
            return JobResult(kind, mt, result.serialize(format=fmt), 1, False, time.monotonic() - started)
        body, rows, truncated = _solutions(result, job.max_rows)
        if fmt != ox.QueryResultsFormat.JSON:
            body = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)
        return JobResult(kind, mt, body, rows, truncated, time.monotonic() - started)
    except SyntaxError as e:
        return JobResult(error_kind="query", error=f"malformed SPARQL query: {e}")
    except ValueError as e:
        return JobResult(error_kind="query", error=f"query failed: {e}")
    except OSError as e:  # a failed SERVICE call, or a read error of the store
        return JobResult(error_kind="query", error=f"query failed: {e}", extra={"os_error": True})


def execute_on(store: OxigraphStore, job: QueryJob) -> JobResult:
    """:func:`execute` on an open :class:`OxigraphStore` (the in-thread path of the endpoint)."""
    return execute(store._store, job)  # noqa: SLF001 - same package


def store_source(store: object) -> dict[str, Any] | None:
    """How a worker process can see the same data as *store*: ``{"path": dir}`` for an on-disk Oxigraph
    store (opened read-only), ``{"path": None}`` for an in-memory one (loaded from a snapshot), None for
    anything else (a remote store: queries then run in threads)."""
    if isinstance(store, OxigraphStore):
        return {"path": str(store.path) if store.path is not None else None}
    return None


def snapshot(store: OxigraphStore) -> bytes:
    """N-Quads of the whole in-memory store, for workers of an in-memory store."""
    import io

    out = io.BytesIO()
    store.dump(out, format="application/n-quads")
    return out.getvalue()


# -- the worker process -----------------------------------------------------------------------------------------

def worker_main(conn: Connection, source: dict[str, Any]) -> None:
    """The loop of one worker process: ``("run", generation, job, snapshot|None)`` → ``JobResult``.

    Opens the store once per write generation of the primary (read-only from disk, or from the N-Quads
    snapshot the parent sends for an in-memory store). Ends when the parent closes the pipe; the parent
    kills it (SIGKILL) when a query runs past the time limit.
    """
    path = source.get("path")
    store: ox.Store | None = None
    generation: int | None = None
    try:
        conn.send(("ready",))
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return
            if message[0] == "stop":
                return
            _, gen, job, data = message
            try:
                if store is None or gen != generation:
                    if path is not None:
                        store = ox.Store.read_only(path)
                    else:
                        if data is None:
                            conn.send(("need-snapshot",))
                            continue
                        store = ox.Store()
                        store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
                    generation = gen
                result = execute(store, job)
                if (result.extra.get("os_error") and path is not None and "service" not in job.query.lower()):
                    # files of the snapshot may have been compacted away by the primary: reopen once
                    store = ox.Store.read_only(path)
                    result = execute(store, job)
            except OSError as e:
                store = None
                result = JobResult(error_kind="store", error=f"the query worker could not open the store: {e}")
            conn.send(("result", result))
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        return


def _die_with_parent() -> None:
    """End this worker as soon as the server process is gone (even killed by SIGKILL), so that no query keeps
    running without anyone to answer: a daemon thread watches the parent pid (Oxigraph releases the GIL
    while it evaluates, so the thread runs during a query too). ``PR_SET_PDEATHSIG`` would not do: it fires
    when the *thread* that started the worker ends, and the server starts workers from short-lived threads."""
    import os
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    """``python -m pangraph.store.query_worker --fd N --source JSON``: a worker process of the endpoint
    (started by :class:`pangraph.api.query_workers.QueryRunner`), talking over the socket *N*."""
    import argparse
    import json
    import os

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--source", required=True)
    args = parser.parse_args(argv)
    _die_with_parent()
    os.set_blocking(args.fd, True)
    worker_main(Connection(args.fd), json.loads(args.source))


if __name__ == "__main__":
    # run the module's own copy (not this __main__ one), so that what it pickles names pangraph.store.query_worker
    from pangraph.store.query_worker import main as _main

    _main()
