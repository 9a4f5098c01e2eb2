"""What every route of the app needs: the configuration, the store, the run archive, the templates,
and a way to run store calls off the event loop."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Protocol, TypeVar

import anyio
import jinja2
from fastapi import Request

from pangraph import iri as iris
from pangraph.config import Config
from pangraph.api.errors import ApiError
from pangraph.store import Store

T = TypeVar("T")

#: largest named graph served as one RDF document by ``/graph/...`` (bigger ones: use SPARQL or a dump)
MAX_GRAPH_TRIPLES = 100_000
#: rows shown in HTML pages (graph previews, SPARQL result tables)
MAX_HTML_ROWS = 1_000
#: inbound links listed in a resource description
MAX_INBOUND = 200


class RunArchive(Protocol):
    """The part of :class:`pangraph.archive.Archive` the API reads: run reports, newest first."""

    def runs(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]: ...


@dataclass
class NodeContext:
    """The state of one app: built by :func:`pangraph.api.create_app`, kept in ``app.state.ctx``."""

    config: Config
    store: Store
    archive: RunArchive | None
    node_info: Callable[[], dict[str, Any]] | None
    templates: jinja2.Environment
    max_graph_triples: int = MAX_GRAPH_TRIPLES
    max_html_rows: int = MAX_HTML_ROWS
    max_inbound: int = MAX_INBOUND
    _queries: Any = field(default=None, repr=False)
    _queries_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def queries(self) -> Any:
        """The :class:`~pangraph.api.query_workers.QueryRunner` of the public SPARQL endpoint (made on first
        use: its worker processes start with the first queries)."""
        with self._queries_lock:
            if self._queries is None:
                from pangraph.api.query_workers import query_runner

                self._queries = query_runner(self.config, self.store)
            return self._queries

    def close(self) -> None:
        """Stop the query workers (app shutdown)."""
        with self._queries_lock:
            if self._queries is not None:
                self._queries.close()
                self._queries = None

    @property
    def federation_peers(self) -> list[str]:
        """SPARQL endpoints SERVICE may call (``federation.peers``)."""
        return list(self.config["federation.peers"])

    @property
    def base(self) -> str:
        """The node's base IRI, without a trailing slash."""
        return self.config.base

    @property
    def endpoint(self) -> str:
        """The IRI of the SPARQL endpoint (``{base}/sparql``)."""
        return self.base + "/sparql"

    @property
    def provenance_graph(self) -> str:
        return iris.provenance_graph(self.base)

    @property
    def quality_graph(self) -> str:
        return iris.quality_graph(self.base)

    @property
    def query_timeout_s(self) -> float:
        return float(self.config["server.query_timeout_s"])


def context(request: Request) -> NodeContext:
    """The :class:`NodeContext` of the app serving *request*."""
    return request.app.state.ctx


async def in_thread(fn: Callable[..., T], *args: Any, timeout_s: float | None = None, **kwargs: Any) -> T:
    """Run the blocking call ``fn(*args, **kwargs)`` in the thread pool (Oxigraph releases the GIL).

    With *timeout_s*, the client gets a 503 when the call takes longer. The call itself cannot be
    interrupted from Python (DESIGN.md §8): it finishes in its thread and its result is dropped.
    """
    call = partial(fn, *args, **kwargs)
    if timeout_s is None or timeout_s <= 0:
        return await anyio.to_thread.run_sync(call)
    try:
        with anyio.fail_after(timeout_s):
            # abandon_on_cancel: answer the client now instead of waiting for the thread
            return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
    except TimeoutError:
        raise ApiError(
            503,
            "Query timeout",
            f"the query did not finish within the node's limit of {timeout_s:g} s (server.query_timeout_s); "
            "narrow it down (LIMIT, more specific patterns) and try again",
            headers={"Retry-After": "5"},
            timeout_s=timeout_s,
        ) from None
