"""The store interface every adapter implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Iterator, Protocol, Sequence


@dataclass(frozen=True)
class StoreCapabilities:
    """What an adapter can do, declared instead of callers testing types."""

    bulk_load: bool = True
    union_default_graph: bool = True
    persistent: bool = True


@dataclass(frozen=True)
class GraphWrite:
    """Replace everything a record contributes, in one step.

    ``graph`` is the record graph IRI. ``data`` is its new content as N-Triples text (``None``:
    the record was deleted, drop the graph). ``provenance`` / ``quality`` are N-Triples text for the
    provenance and quality graphs; every quality node carries ``dqv:computedOn <graph>`` and the
    provenance node *is* ``<graph>``, which is how the previous statements are found and removed.
    """

    graph: str
    data: str | None
    provenance: str = ""
    quality: str = ""


@dataclass(frozen=True)
class QueryResult:
    """A query's result, serialised in the requested format."""

    kind: str  # "solutions" | "boolean" | "graph"
    media_type: str
    body: bytes


class Store(Protocol):
    """A quad store holding one named graph per record plus provenance, quality, links and ontologies."""

    capabilities: StoreCapabilities

    def apply(self, writes: Sequence[GraphWrite], *, provenance_graph: str, quality_graph: str) -> None:
        """Apply record replacements/deletions atomically per call."""

    def replace_graph(self, graph: str, data: str, *, format: str = "application/n-triples") -> None:
        """Replace the whole named graph *graph* with *data* (ontologies, links …)."""

    def change_graph(self, graph: str, *, delete: str = "", insert: str = "") -> None:
        """In one update, remove the N-Triples *delete* from and add the N-Triples *insert* to *graph*
        (small curated edits such as links, without rewriting the graph)."""

    def bulk_load(self, data: bytes | str | IO[bytes], *, format: str = "application/n-quads") -> None:
        """Fast, non-transactional load of many quads (initial builds)."""

    def query(
        self,
        sparql: str,
        *,
        media_type: str | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a read-only SPARQL query over the union of all graphs; serialise the result.

        *default_graphs* / *named_graphs* (graph IRIs) give a protocol-specified dataset instead:
        when either is given, the default graph is the merge of *default_graphs* (empty if None)
        and only *named_graphs* are visible to ``GRAPH``; ``FROM``/``FROM NAMED`` are overridden.
        *base_iri* resolves relative IRIs in the query (the SPARQL endpoint uses its own IRI).

        Raises :class:`pangraph.errors.QueryError` for a malformed query or an update."""

    def select(self, sparql: str) -> list[dict[str, str | None]]:
        """Run a SELECT and return rows of plain strings (IRIs/literal lexical forms); for library code."""

    def ask(self, sparql: str) -> bool: ...

    def named_graphs(self) -> Iterator[str]: ...

    def has_graph(self, graph: str) -> bool:
        """Whether the named graph *graph* holds any statement."""

    def graph_ntriples(self, graph: str) -> str:
        """The content of one named graph as N-Triples."""

    def dump(self, out: IO[bytes], *, format: str = "application/n-quads") -> None:
        """Serialise the whole store (all graphs) to *out*."""

    def count_quads(self) -> int: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...
