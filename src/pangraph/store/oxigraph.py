"""Embedded Oxigraph (pyoxigraph) adapter: the only module that imports pyoxigraph.

pyoxigraph raises bare ``SyntaxError``/``OSError``/``ValueError``; they are translated into
:class:`~pangraph.errors.QueryError` (a user's mistake) and :class:`~pangraph.errors.StoreError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Iterator, Sequence

import pyoxigraph as ox

from pangraph.errors import QueryError, StoreError
from pangraph.store.base import GraphWrite, QueryResult, StoreCapabilities

DQV_COMPUTED_ON = "http://www.w3.org/ns/dqv#computedOn"

RDF_FORMATS: dict[str, "ox.RdfFormat"] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
RESULT_FORMATS: dict[str, "ox.QueryResultsFormat"] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
DEFAULT_SOLUTIONS = "application/sparql-results+json"
DEFAULT_GRAPH = "text/turtle"

_UPDATE_KEYWORDS = re.compile(
    r"^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)


def _as_nquads(ntriples_text: str, graph: str) -> str:
    """N-Triples text (one statement a line, as :func:`pangraph.rdf.ntriples` writes it) as
    N-Quads in *graph*."""
    suffix = f" <{graph}> .\n"
    out = []
    for line in ntriples_text.splitlines():
        statement = line.rstrip()
        if not statement or statement.startswith("#"):
            continue
        if statement.endswith("."):
            statement = statement[:-1].rstrip()
        out.append(statement + suffix)
    return "".join(out)


def _plain(term: object) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value  # NamedNode, Literal


def _lock_message(path: Path, err: Exception) -> str:
    text = str(err)
    if "lock" in text.lower():
        return (f"the store at {path} is in use by another pangraph process "
                f"(stop `pangraph serve` or the other run first): {text}")
    return f"cannot open the store at {path}: {text}"


class OxigraphStore:
    """An on-disk (or, with ``path=None``, in-memory) Oxigraph store."""

    capabilities = StoreCapabilities(bulk_load=True, union_default_graph=True, persistent=True)

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        #: bumped after every write (also a failed one): the SPARQL query workers reopen/reload when it changes
        self.generation = 0
        try:
            if self.path is None:
                self._store = ox.Store()
                self.capabilities = StoreCapabilities(persistent=False)
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as e:
            raise StoreError(_lock_message(self.path or Path(":memory:"), e)) from None

    # -- writes ---------------------------------------------------------------------------------

    def apply(self, writes: Sequence[GraphWrite], *, provenance_graph: str, quality_graph: str) -> None:
        """Replace what each record contributes: first one update (one transaction) removes the
        record graph, provenance and quality statements of the records that are already in the
        store, then one bulk load adds the new statements (2-3× faster than a transactional insert).

        Not atomic as a whole: a process killed between the two steps leaves those records absent
        until the next run re-applies them — which the archive guarantees (their ``loaded_hash`` is
        only advanced after this returns), and a re-apply is idempotent."""
        if not writes:
            return
        prov = ox.NamedNode(provenance_graph)
        removals: list[str] = []
        for w in writes:
            g = ox.NamedNode(w.graph)
            known = self._store.contains_named_graph(g) or next(
                iter(self._store.quads_for_pattern(g, None, None, prov)), None) is not None
            if not known:
                continue
            removals.append(f"DROP SILENT GRAPH <{w.graph}>")
            removals.append(f"DELETE WHERE {{ GRAPH <{provenance_graph}> {{ <{w.graph}> ?p ?o }} }}")
            removals.append(
                f"DELETE {{ GRAPH <{quality_graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{quality_graph}> "
                f"{{ ?s <{DQV_COMPUTED_ON}> <{w.graph}> . ?s ?p ?o }} }}"
            )
        chunks: list[str] = []
        for w in writes:
            for graph, text in ((w.graph, w.data), (provenance_graph, w.provenance), (quality_graph, w.quality)):
                if text:
                    chunks.append(_as_nquads(text, graph))
        body = "".join(chunks).encode("utf-8")
        try:
            if removals:
                # records already stored are replaced: check the new statements parse before anything is
                # removed, so bad data cannot cost a record its previous version (a fresh load needs no check)
                for _quad in ox.parse(body, format=ox.RdfFormat.N_QUADS):
                    pass
                self._store.update(" ;\n".join(removals))
            if chunks:
                self._store.bulk_load(body, format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"could not write {len(writes)} record graph(s) (first {writes[0].graph}): {e}") from None
        except OSError as e:
            raise StoreError(f"write failed: {e}") from None
        finally:
            self.generation += 1

    def replace_graph(self, graph: str, data: str | bytes, *, format: str = "application/n-triples") -> None:
        fmt = self._rdf_format(format)
        g = ox.NamedNode(graph)
        try:
            quads = [ox.Quad(q.subject, q.predicate, q.object, g) for q in ox.parse(data, format=fmt)]
            # parse first (a parse error leaves the graph untouched), then replace in one update
            ds = ox.Dataset(quads)
            body = ox.serialize(ds, format=ox.RdfFormat.N_QUADS)
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            lines = text.replace(f" <{graph}> .\n", " .\n")
            self._store.update(f"DROP SILENT GRAPH <{graph}> ; INSERT DATA {{ GRAPH <{graph}> {{\n{lines}}} }}")
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"could not load graph {graph}: {e}") from None
        finally:
            self.generation += 1

    def change_graph(self, graph: str, *, delete: str = "", insert: str = "") -> None:
        g = ox.NamedNode(graph)
        parts = []
        try:
            for verb, data in (("DELETE", delete), ("INSERT", insert)):
                if data.strip():
                    # parsed first: a syntax error changes nothing; serialised back so the update is well-formed
                    ds = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, g)
                                    for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
                    body = ox.serialize(ds, format=ox.RdfFormat.N_QUADS)
                    text = (body.decode("utf-8") if isinstance(body, bytes) else body).replace(f" <{graph}> .\n", " .\n")
                    parts.append(f"{verb} DATA {{ GRAPH <{graph}> {{\n{text}}} }}")
            if parts:
                self._store.update(" ;\n".join(parts))
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"could not change graph {graph}: {e}") from None
        finally:
            self.generation += 1

    def bulk_load(self, data: bytes | str | IO[bytes], *, format: str = "application/n-quads") -> None:
        try:
            self._store.bulk_load(data, format=self._rdf_format(format))
        except (SyntaxError, ValueError, OSError) as e:
            raise StoreError(f"bulk load failed: {e}") from None
        finally:
            self.generation += 1

    def drop_graph(self, graph: str) -> None:
        self._store.update(f"DROP SILENT GRAPH <{graph}>")
        self.generation += 1

    def clear(self) -> None:
        self._store.clear()
        self.generation += 1

    # -- reads ----------------------------------------------------------------------------------

    def _run(  # noqa: ANN202
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ):
        if _UPDATE_KEYWORDS.match(sparql):
            raise QueryError("SPARQL updates are not allowed here: this endpoint is read-only")
        if default_graphs is None and named_graphs is None:
            dataset: dict = {"use_default_graph_as_union": True}
        else:  # a protocol-specified dataset (SPARQL 1.1 Protocol §2.1.4) replaces the default one
            dataset = {
                "default_graph": [ox.NamedNode(g) for g in (default_graphs or ())],
                "named_graphs": [ox.NamedNode(g) for g in (named_graphs or ())],
            }
        try:
            return self._store.query(sparql, base_iri=base_iri, **dataset)
        except SyntaxError as e:
            raise QueryError(f"malformed SPARQL query: {e}") from None
        except (ValueError, OSError) as e:
            raise QueryError(f"query failed: {e}") from None

    def query(
        self,
        sparql: str,
        *,
        media_type: str | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        result = self._run(sparql, default_graphs=default_graphs, named_graphs=named_graphs, base_iri=base_iri)
        if isinstance(result, ox.QueryTriples):
            mt = media_type or DEFAULT_GRAPH
            if mt not in RDF_FORMATS or mt in ("application/n-quads", "application/trig"):
                mt = DEFAULT_GRAPH if media_type is None else mt
            fmt = RDF_FORMATS.get(mt)
            if fmt is None:
                raise QueryError(f"cannot serialise a graph result as {mt}")
            return QueryResult("graph", mt, result.serialize(format=fmt))
        kind = "boolean" if isinstance(result, ox.QueryBoolean) else "solutions"
        mt = media_type or DEFAULT_SOLUTIONS
        fmt = RESULT_FORMATS.get(mt)
        if fmt is None:
            raise QueryError(f"cannot serialise a {kind} result as {mt}")
        return QueryResult(kind, mt, result.serialize(format=fmt))

    def select(self, sparql: str) -> list[dict[str, str | None]]:
        result = self._run(sparql)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: _plain(row[n]) for n in names} for row in result]

    def ask(self, sparql: str) -> bool:
        result = self._run(sparql)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("ask() needs an ASK query")
        return bool(result)

    def construct_ntriples(self, sparql: str) -> str:
        result = self._run(sparql)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("construct_ntriples() needs a CONSTRUCT or DESCRIBE query")
        return result.serialize(format=ox.RdfFormat.N_TRIPLES).decode("utf-8")

    def named_graphs(self) -> Iterator[str]:
        for g in self._store.named_graphs():
            if isinstance(g, ox.NamedNode):
                yield g.value

    def has_graph(self, graph: str) -> bool:
        return self._store.contains_named_graph(ox.NamedNode(graph))

    def graph_ntriples(self, graph: str) -> str:
        quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        out = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
        return out.decode("utf-8") if isinstance(out, bytes) else (out or "")

    def dump(self, out: IO[bytes], *, format: str = "application/n-quads") -> None:
        fmt = self._rdf_format(format)
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            self._store.dump(out, format=fmt)
        else:  # triple formats: the union of all graphs
            quads = self._store.quads_for_pattern(None, None, None)
            ox.serialize((q.triple for q in quads), out, format=fmt)

    def count_quads(self) -> int:
        return len(self._store)

    def flush(self) -> None:
        self._store.flush()

    def close(self) -> None:
        try:
            self._store.flush()
        except OSError:
            pass
        del self._store

    @staticmethod
    def _rdf_format(media_type: str) -> "ox.RdfFormat":
        fmt = RDF_FORMATS.get(media_type)
        if fmt is None:
            raise StoreError(f"unsupported RDF format {media_type!r}; supported: {sorted(RDF_FORMATS)}")
        return fmt
