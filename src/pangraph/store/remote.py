"""A store on a remote SPARQL server: any SPARQL 1.1 Query + Update (+ Graph Store Protocol) endpoint.

The same :class:`~pangraph.store.base.Store` contract as the embedded :class:`~pangraph.store.oxigraph.OxigraphStore`,
over HTTP (httpx, one connection pool, a timeout on every request), with each server's fast write path
(``store.write``, see :data:`WRITE_MODES`):

- **Oxigraph server** (``server="oxigraph"``): writes POST N-Quads to its ``/store`` (its bulk loader takes a
  whole dataset at once); queries without a protocol dataset ask for ``union-default-graph``, so the server
  need not be started with ``--union-default-graph``.
- **Virtuoso** (``server="virtuoso"``): its default graph is the union of all graphs already; writes are a
  Graph Store Protocol POST of N-Triples per graph (``/sparql-graph-crud-auth``): Virtuoso refuses blank nodes
  in ``INSERT DATA`` and compiles an ``INSERT {…} WHERE {}`` template to SQL with a limit of 10,000 lines, so
  SPARQL Update cannot carry a batch of records (docs/scaling.md); its system graphs (``virtrdf:`` …) are
  outside ``graph_prefix`` and ignored by listing, counting and dumps.
- **generic**: any server whose default graph is the union of its named graphs; writes by GSP POST per graph
  (``gsp_endpoint``) or ``INSERT DATA``.

Data are parsed locally (pyoxigraph) before anything is sent, so malformed input raises
:class:`~pangraph.errors.StoreError` and changes nothing. Results are asked for in one canonical format
(SPARQL JSON, N-Triples) and serialised here in the requested media type, so every server answers with exactly
the bytes the embedded store writes (and a row cap can be applied while reading: :meth:`run_job`).

Errors: a malformed query (HTTP 400) → :class:`~pangraph.errors.QueryError`; anything else (server down,
5xx, timeout, rejected write) → :class:`~pangraph.errors.StoreError` naming the endpoint.
"""

from __future__ import annotations

import io
import re
import time
from typing import IO, Any, Iterable, Iterator, Sequence

import httpx
import orjson
import pyoxigraph as ox

from pangraph.errors import QueryError, StoreError
from pangraph.store.base import GraphWrite, QueryResult, StoreCapabilities
from pangraph.store.oxigraph import (
    _UPDATE_KEYWORDS,
    DEFAULT_GRAPH,
    DEFAULT_SOLUTIONS,
    DQV_COMPUTED_ON,
    RDF_FORMATS,
    RESULT_FORMATS,
    _as_nquads,
)

SERVERS = ("oxigraph", "virtuoso", "generic")
WRITE_MODES = ("auto", "nquads", "gsp", "update")
SPARQL_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
NQUADS = "application/n-quads"

_FORM = re.compile(
    r"^\s*(?:(?:#[^\n]*(?:\n|$)|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)
_VALUES_BATCH = 400  # graph IRIs per VALUES block


class RemoteTimeout(StoreError):
    """A request to the remote store ran past its time limit."""

    def __init__(self, message: str, timeout_s: float) -> None:
        super().__init__(message)
        self.timeout_s = timeout_s


def query_form(sparql: str) -> str | None:
    """SELECT / ASK / CONSTRUCT / DESCRIBE of a query (after its prologue and comments), None if unknown."""
    m = _FORM.match(sparql)
    return m.group(1).upper() if m else None


def _iri(value: str) -> str:
    if any(c in value for c in '<>"{}|^`\\ \n'):
        raise StoreError(f"not a valid IRI: {value!r}")
    return f"<{value}>"


def _values(graphs: Sequence[str]) -> str:
    return " ".join(_iri(g) for g in graphs)


def _bnode_label(value: str) -> str:
    """A blank node label as N-Triples allows it (Virtuoso writes ``nodeID://b10005`` in SPARQL JSON)."""
    if value.startswith("nodeID://"):
        value = value[len("nodeID://"):]
    return re.sub(r"[^A-Za-z0-9_]", "_", value) or "b"


def _plain(term: dict[str, Any] | None) -> str | None:
    if term is None:
        return None
    if term.get("type") == "bnode":
        return "_:" + _bnode_label(term["value"])
    return term.get("value")


def _mend_virtuoso_json(data: dict[str, Any]) -> dict[str, Any]:
    """Virtuoso's SPARQL JSON as the standard says it: ``nodeID://…`` blank node values made labels,
    ``typed-literal`` (SPARQL 1.0 JSON) made ``literal``."""
    for row in data.get("results", {}).get("bindings", ()):
        for term in row.values():
            kind = term.get("type")
            if kind == "bnode":
                term["value"] = _bnode_label(term["value"])
            elif kind == "typed-literal":
                term["type"] = "literal"
    return data


class _ResponseReader(io.RawIOBase):
    """A streamed httpx response as a file object (pyoxigraph parses it while it arrives)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001 - a writable buffer
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


class RemoteSparqlStore:
    """The node's graphs on a remote SPARQL 1.1 server (see the module documentation)."""

    def __init__(
        self,
        query_endpoint: str,
        *,
        update_endpoint: str | None = None,
        gsp_endpoint: str | None = None,
        server: str = "generic",
        write: str = "auto",
        graph_prefix: str = "",
        user: str = "",
        password: str = "",
        auth: str = "digest",
        timeout_s: float = 300.0,
        chunk_bytes: int = 4_000_000,
    ) -> None:
        if server not in SERVERS:
            raise StoreError(f"unknown store.server {server!r} (supported: {', '.join(SERVERS)})")
        if write not in WRITE_MODES:
            raise StoreError(f"unknown store.write {write!r} (supported: {', '.join(WRITE_MODES)})")
        if not query_endpoint:
            raise StoreError("store.backend = 'sparql' needs store.query_endpoint (the SPARQL query URL)")
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint or query_endpoint
        self.gsp_endpoint = gsp_endpoint or ""
        self.server = server
        if write == "auto":
            write = {"oxigraph": "nquads"}.get(server, "gsp" if self.gsp_endpoint else "update")
        if write in ("nquads", "gsp") and not self.gsp_endpoint:
            raise StoreError(f"store.write = {write!r} needs store.gsp_endpoint (the Graph Store Protocol URL)")
        self.write = write
        self.graph_prefix = graph_prefix
        self.timeout_s = float(timeout_s)
        self.chunk_bytes = max(10_000, int(chunk_bytes))
        #: bumped after every write (also a failed one), as OxigraphStore.generation
        self.generation = 0
        self.path = None
        # a union default graph: native on Virtuoso and assumed on generic servers; asked for per query on Oxigraph
        self.capabilities = StoreCapabilities(bulk_load=True, union_default_graph=True, persistent=True)
        credentials: httpx.Auth | None = None
        if user:
            if auth not in ("digest", "basic"):
                raise StoreError(f"unknown store.auth {auth!r} (supported: digest, basic)")
            credentials = (httpx.DigestAuth if auth == "digest" else httpx.BasicAuth)(user, password)
        self._client = httpx.Client(auth=credentials, timeout=httpx.Timeout(self.timeout_s, connect=10.0),
                                    limits=httpx.Limits(max_connections=32, max_keepalive_connections=16))

    @classmethod
    def from_config(cls, config: Any) -> "RemoteSparqlStore":  # noqa: ANN401 - pangraph.config.Config
        return cls(
            config["store.query_endpoint"],
            update_endpoint=config["store.update_endpoint"],
            gsp_endpoint=config["store.gsp_endpoint"],
            server=config["store.server"],
            write=config["store.write"],
            graph_prefix=config["store.graph_prefix"] or f"{config.base}/graph/",
            user=config["store.user"],
            password=config["store.password"],
            auth=config["store.auth"],
            timeout_s=config["store.timeout_s"],
            chunk_bytes=config["store.chunk_bytes"],
        )

    def __repr__(self) -> str:
        return f"RemoteSparqlStore({self.query_endpoint!r}, server={self.server!r}, write={self.write!r})"

    # -- HTTP ------------------------------------------------------------------------------------------------

    def _request(self, method: str, url: str, *, what: str, timeout_s: float | None = None,
                 stream: bool = False, **kwargs: Any) -> httpx.Response:
        """One request; transport errors and timeouts become StoreError naming *url*."""
        timeout = httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)) if timeout_s else httpx.USE_CLIENT_DEFAULT
        try:
            if stream:
                request = self._client.build_request(method, url, timeout=timeout, **kwargs)
                return self._client.send(request, stream=True)
            return self._client.request(method, url, timeout=timeout, **kwargs)
        except httpx.TimeoutException:
            limit = timeout_s or self.timeout_s
            raise RemoteTimeout(f"{what}: the SPARQL server at {url} did not answer within {limit:g} s", limit) from None
        except httpx.HTTPError as e:
            raise StoreError(f"{what}: cannot reach the SPARQL server at {url}: {type(e).__name__}: {e}") from None

    def _error(self, response: httpx.Response, what: str) -> str:
        try:
            body = response.read().decode("utf-8", "replace").strip()
        except httpx.HTTPError:
            body = ""
        body = re.sub(r"\s+", " ", body)[:600]
        return f"{what}: {response.request.url.copy_with(query=None)} answered HTTP {response.status_code}: {body}"

    def _check(self, response: httpx.Response, what: str) -> httpx.Response:
        if response.status_code >= 300:
            message = self._error(response, what)
            response.close()
            raise StoreError(message)
        return response

    def _update(self, sparql: str, what: str) -> None:
        response = self._request("POST", self.update_endpoint, what=what, data={"update": sparql})
        self._check(response, what)

    def _gsp_post(self, graph: str | None, body: bytes, media_type: str, what: str) -> None:
        params = {"graph": graph} if graph is not None else None
        response = self._request("POST", self.gsp_endpoint, what=what, params=params, content=body,
                                 headers={"Content-Type": media_type})
        self._check(response, what)

    def _query_request(self, sparql: str, accept: str, *, default_graphs: Sequence[str] | None = None,
                       named_graphs: Sequence[str] | None = None, timeout_s: float | None = None,
                       stream: bool = False, what: str = "query") -> httpx.Response:
        form: list[tuple[str, str]] = [("query", sparql)]
        if default_graphs is None and named_graphs is None:
            if self.server == "oxigraph":
                form.append(("union-default-graph", ""))
        else:
            form += [("default-graph-uri", g) for g in (default_graphs or ())]
            form += [("named-graph-uri", g) for g in (named_graphs or ())]
            if not default_graphs and self.server == "virtuoso":
                # Virtuoso treats "no default-graph-uri" as "all graphs": give it an empty graph instead
                form.append(("default-graph-uri", "urn:pangraph:empty-default-graph"))
        if self.server == "virtuoso" and timeout_s:
            form.append(("timeout", str(int(timeout_s * 1000))))  # its own limit, in ms: the query stops there
        fields: dict[str, list[str]] = {}
        for key, value in form:
            fields.setdefault(key, []).append(value)
        response = self._request("POST", self.query_endpoint, what=what, timeout_s=timeout_s, stream=stream,
                                 data=fields, headers={"Accept": accept})
        if response.status_code >= 300:
            message = self._error(response, what)
            response.close()
            if response.status_code == 400 or (response.status_code >= 500 and self._compile_error(message)):
                raise QueryError(f"malformed SPARQL query ({message})")
            if "estimated execution time" in message:  # Virtuoso refuses a query its optimiser finds too long
                limit = timeout_s or self.timeout_s
                raise RemoteTimeout(f"{what}: the SPARQL server refused the query as longer than its time limit: "
                                    f"{message}", limit)
            raise StoreError(message)
        return response

    @staticmethod
    def _compile_error(message: str) -> bool:
        # Virtuoso answers syntax errors with HTTP 500 and an SQL state 37000 ("SP030: SPARQL compiler …")
        return "37000" in message or "SPARQL compiler" in message or "SP030" in message

    def _json(self, sparql: str, what: str = "query") -> dict[str, Any]:
        if _UPDATE_KEYWORDS.match(sparql):
            raise QueryError("SPARQL updates are not allowed here: this endpoint is read-only")
        response = self._query_request(sparql, SPARQL_JSON, what=what)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as e:
            raise StoreError(f"{what}: {self.query_endpoint} answered invalid SPARQL JSON: {e}") from None

    # -- writes ----------------------------------------------------------------------------------------------

    def _parse_checked(self, data: str | bytes, fmt: "ox.RdfFormat", what: str, *, graph: str | None = None) -> list:
        try:
            quads = list(ox.parse(data, format=fmt))
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"{what}: {e}") from None
        if graph is not None:
            g = ox.NamedNode(graph)
            quads = [ox.Quad(q.subject, q.predicate, q.object, g) for q in quads]
        return quads

    @staticmethod
    def _by_graph(quads: Iterable["ox.Quad"]) -> dict[str, list["ox.Triple"]]:
        out: dict[str, list] = {}
        for q in quads:
            g = q.graph_name
            if not isinstance(g, ox.NamedNode):
                raise StoreError(f"the remote store keeps every statement in a named graph; got one in {g}")
            out.setdefault(g.value, []).append(q.triple)
        return out

    @staticmethod
    def _ntriples(triples: Sequence["ox.Triple"]) -> str:
        out = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        return out.decode("utf-8") if isinstance(out, bytes) else (out or "")

    def _insert(self, groups: Sequence[dict[str, list]], what: str, *, prefix: str = "") -> None:
        """Add the triples of *groups* (each: graph → triples, kept together in one request: the blank nodes
        of one record must not be split) by the configured write path; *prefix* is an update (removals) sent
        first — in the same request as the first INSERT DATA in ``update`` mode, i.e. one transaction."""
        if self.write == "nquads":
            if prefix:
                self._update(prefix, what)
            for body in self._chunks(groups, self._nquads_of):
                self._gsp_post(None, body.encode("utf-8"), NQUADS, what)
        elif self.write == "gsp":
            if prefix:
                self._update(prefix, what)
            merged: dict[str, list] = {}
            for group in groups:
                for g, triples in group.items():
                    merged.setdefault(g, []).extend(triples)
            for g, triples in merged.items():
                self._gsp_post(g, self._ntriples(triples).encode("utf-8"), NTRIPLES, what)
        else:
            first = True
            for body in self._chunks(groups, self._insert_data_of):
                self._update(f"{prefix} ;\n{body}" if first and prefix else body, what)
                first = False
            if first and prefix:
                self._update(prefix, what)

    def _nquads_of(self, group: dict[str, list]) -> str:
        return "".join(_as_nquads(self._ntriples(t), g) for g, t in group.items())

    def _insert_data_of(self, group: dict[str, list]) -> str:
        return "".join(f"GRAPH {_iri(g)} {{\n{self._ntriples(t)}}}\n" for g, t in group.items())

    def _chunks(self, groups: Sequence[dict[str, list]], render) -> Iterator[str]:  # noqa: ANN001
        parts: list[str] = []
        size = 0
        wrap = self.write == "update"

        def body() -> str:
            text = "".join(parts)
            if not wrap:
                return text
            # Virtuoso refuses blank nodes in INSERT DATA ("not allowed in a constant clause"); a template with
            # an empty WHERE inserts the same statements (one solution: one fresh node per label), on any server
            if "_:" in text:
                return "INSERT {\n" + text + "} WHERE {}"
            return "INSERT DATA {\n" + text + "}"

        for group in groups:
            text = render(group)
            if parts and size + len(text) > self.chunk_bytes:
                yield body()
                parts, size = [], 0
            parts.append(text)
            size += len(text)
        if parts:
            yield body()

    def apply(self, writes: Sequence[GraphWrite], *, provenance_graph: str, quality_graph: str) -> None:
        """Replace what each record contributes, as :meth:`OxigraphStore.apply`: one update removes the record
        graphs, provenance and quality statements of the records already on the server, then the new
        statements are written by the server's fast path. Everything is parsed first: malformed data raise
        StoreError and change nothing. In ``update`` mode a batch that fits one request (``chunk_bytes``) is
        one transaction on servers that run an update request atomically (Oxigraph, Virtuoso)."""
        if not writes:
            return
        try:
            what = f"could not write {len(writes)} record graph(s) (first {writes[0].graph})"
            groups: list[dict[str, list]] = []
            for w in writes:
                group: dict[str, list] = {}
                for graph, text in ((w.graph, w.data), (provenance_graph, w.provenance), (quality_graph, w.quality)):
                    if text:
                        quads = self._parse_checked(text, ox.RdfFormat.N_TRIPLES, f"{what}: {graph}")
                        group.setdefault(graph, []).extend(q.triple for q in quads)
                if group:
                    groups.append(group)
            known = self._known(writes, provenance_graph)
            removals = []
            for i in range(0, len(known), _VALUES_BATCH):
                values = _values(known[i:i + _VALUES_BATCH])
                removals += [
                    f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}",
                    f"DELETE {{ GRAPH {_iri(provenance_graph)} {{ ?g ?p ?o }} }} "
                    f"WHERE {{ VALUES ?g {{ {values} }} GRAPH {_iri(provenance_graph)} {{ ?g ?p ?o }} }}",
                    f"DELETE {{ GRAPH {_iri(quality_graph)} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {values} }} "
                    f"GRAPH {_iri(quality_graph)} {{ ?s <{DQV_COMPUTED_ON}> ?g . ?s ?p ?o }} }}",
                ]
            self._insert(groups, what, prefix=" ;\n".join(removals))
        finally:
            self.generation += 1

    def _known(self, writes: Sequence[GraphWrite], provenance_graph: str) -> list[str]:
        """The graphs of *writes* that have a record graph or a provenance node on the server."""
        graphs = list(dict.fromkeys(w.graph for w in writes))
        known: list[str] = []
        for i in range(0, len(graphs), _VALUES_BATCH):
            values = _values(graphs[i:i + _VALUES_BATCH])
            rows = self.select(
                f"SELECT DISTINCT ?g WHERE {{ VALUES ?g {{ {values} }} "
                f"{{ GRAPH ?g {{ ?s ?p ?o }} }} UNION {{ GRAPH {_iri(provenance_graph)} {{ ?g ?p ?o }} }} }}")
            known += [r["g"] for r in rows if r["g"]]
        return known

    def replace_graph(self, graph: str, data: str | bytes, *, format: str = "application/n-triples") -> None:
        try:
            fmt = self._rdf_format(format)
            quads = self._parse_checked(data, fmt, f"could not load graph {graph}", graph=graph)
            drop = f"DELETE WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}"
            self._insert([{graph: [q.triple for q in quads]}] if quads else [], f"could not load graph {graph}",
                         prefix=drop)
        finally:
            self.generation += 1

    def change_graph(self, graph: str, *, delete: str = "", insert: str = "") -> None:
        try:
            parts = []
            for verb, data in (("DELETE", delete), ("INSERT", insert)):
                if data.strip():
                    quads = self._parse_checked(data, ox.RdfFormat.N_TRIPLES, f"could not change graph {graph}")
                    text = self._ntriples([q.triple for q in quads])
                    if any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object)):
                        if verb == "DELETE":  # DELETE DATA may not hold blank nodes: match them as variables
                            parts.append(self._delete_with_bnodes(graph, quads))
                        else:  # Virtuoso refuses blank nodes in INSERT DATA: a template inserts the same
                            parts.append(f"INSERT {{ GRAPH {_iri(graph)} {{\n{text}}} }} WHERE {{}}")
                        continue
                    parts.append(f"{verb} DATA {{ GRAPH {_iri(graph)} {{\n{text}}} }}")
            if parts:
                self._update(" ;\n".join(parts), f"could not change graph {graph}")
        finally:
            self.generation += 1

    def _delete_with_bnodes(self, graph: str, quads: list) -> str:
        def term(t: Any) -> str:
            return f"?b_{t.value}" if isinstance(t, ox.BlankNode) else str(t)

        pattern = " .\n".join(f"{term(q.subject)} {q.predicate} {term(q.object)}" for q in quads)
        return f"DELETE {{ GRAPH {_iri(graph)} {{ {pattern} }} }} WHERE {{ GRAPH {_iri(graph)} {{ {pattern} }} }}"

    def bulk_load(self, data: bytes | str | IO[bytes], *, format: str = "application/n-quads") -> None:
        """Load many quads, streamed in requests of about ``chunk_bytes``: parsed here (a syntax error stops the
        load with StoreError; like the embedded bulk load it is not transactional, the chunks already sent stay)
        and sent by the server's fast path (Oxigraph server: N-Quads to /store)."""
        fmt = self._rdf_format(format)
        try:
            source = data.encode("utf-8") if isinstance(data, str) else data
            batch: list = []
            size = 0
            try:
                for quad in ox.parse(source, format=fmt):
                    batch.append(quad)
                    size += 100  # a typical quad's N-Quads length, enough to size the chunks
                    if size >= self.chunk_bytes:
                        self._load_quads(batch)
                        batch, size = [], 0
            except (SyntaxError, ValueError) as e:
                raise StoreError(f"bulk load failed: {e}") from None
            if batch:
                self._load_quads(batch)
        finally:
            self.generation += 1

    def _load_quads(self, quads: list) -> None:
        groups = [self._by_graph(quads)]
        self._insert(groups, "bulk load failed")

    def drop_graph(self, graph: str) -> None:
        try:
            self._update(f"DELETE WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}", f"could not drop graph {graph}")
        finally:
            self.generation += 1

    def clear(self) -> None:
        """Remove every graph of the node (those under ``graph_prefix``), nothing else on the server."""
        try:
            graphs = list(self.named_graphs())
            for i in range(0, len(graphs), _VALUES_BATCH):
                values = _values(graphs[i:i + _VALUES_BATCH])
                self._update(f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {values} }} "
                             f"GRAPH ?g {{ ?s ?p ?o }} }}", "could not clear the store")
        finally:
            self.generation += 1

    # -- reads -----------------------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        media_type: str | None = None,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        base_iri: str | None = None,
        timeout_s: float | None = None,
        max_rows: int = 0,
    ) -> QueryResult:
        result, _, _ = self._query(sparql, media_type=media_type, default_graphs=default_graphs,
                                   named_graphs=named_graphs, base_iri=base_iri, timeout_s=timeout_s,
                                   max_rows=max_rows)
        return result

    def _query(self, sparql: str, *, media_type: str | None, default_graphs: Sequence[str] | None,
               named_graphs: Sequence[str] | None, base_iri: str | None, timeout_s: float | None,
               max_rows: int) -> tuple[QueryResult, int, bool]:
        """Run *sparql* and serialise its result as *media_type*, reading at most *max_rows* solutions or
        triples (0: all) from the streamed answer; returns (result, rows, truncated)."""
        if _UPDATE_KEYWORDS.match(sparql):
            raise QueryError("SPARQL updates are not allowed here: this endpoint is read-only")
        form = query_form(sparql)
        if form is None:
            raise QueryError("malformed SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE after the prologue")
        if base_iri:
            sparql = f"BASE {_iri(base_iri)}\n{sparql}"
        graph = form in ("CONSTRUCT", "DESCRIBE")
        if graph:
            mt = media_type or DEFAULT_GRAPH
            fmt = RDF_FORMATS.get(mt)
            if fmt is None or mt in (NQUADS, "application/trig"):
                raise QueryError(f"cannot serialise a graph result as {mt}")
        else:
            mt = media_type or DEFAULT_SOLUTIONS
            rfmt = RESULT_FORMATS.get(mt)
            if rfmt is None:
                kind = "boolean" if form == "ASK" else "solutions"
                raise QueryError(f"cannot serialise a {kind} result as {mt}")
        response = self._query_request(sparql, NTRIPLES if graph else SPARQL_JSON, default_graphs=default_graphs,
                                       named_graphs=named_graphs, timeout_s=timeout_s, stream=True)
        started = time.monotonic()
        try:
            # a server-side row cap (Virtuoso's ResultSetMaxRows) cuts silently: it says so in this header
            server_cut = response.headers.get("X-SPARQL-MaxRows") is not None
            if response.headers.get("X-SQL-State") == "S1TAT":  # Virtuoso's partial "anytime" answer at its timeout
                limit = timeout_s or self.timeout_s
                raise RemoteTimeout(f"query: the SPARQL server at {self.query_endpoint} stopped the query at its "
                                    f"time limit of {limit:g} s", limit)
            deadline = started + timeout_s if timeout_s else None
            reader = io.BufferedReader(_ResponseReader(response.iter_bytes()), buffer_size=1 << 16)
            if graph:
                triples = []
                truncated = False
                for quad in ox.parse(reader, format=ox.RdfFormat.N_TRIPLES):
                    if max_rows and len(triples) == max_rows:
                        truncated = True
                        break
                    triples.append(quad.triple)
                    if deadline is not None and not len(triples) % 1000:
                        self._check_deadline(deadline, timeout_s)
                body = ox.serialize(triples, format=fmt) or b""
                return QueryResult("graph", mt, body), len(triples), truncated or server_cut
            if form == "ASK":
                parsed = ox.parse_query_results(reader, format=ox.QueryResultsFormat.JSON)
                return QueryResult("boolean", mt, parsed.serialize(format=rfmt)), 1, False
            if self.server == "virtuoso":  # its JSON needs mending first (see _mend_virtuoso_json)
                reader = io.BytesIO(orjson.dumps(_mend_virtuoso_json(orjson.loads(reader.read()))))
            return self._solutions(reader, mt, rfmt, max_rows, server_cut,
                                   lambda: deadline is None or self._check_deadline(deadline, timeout_s))
        except (SyntaxError, ValueError) as e:
            raise StoreError(f"query: {self.query_endpoint} answered a result that cannot be read: {e}") from None
        except httpx.TimeoutException:
            limit = timeout_s or self.timeout_s
            raise RemoteTimeout(f"query: the SPARQL server at {self.query_endpoint} did not finish within "
                                f"{limit:g} s", limit) from None
        except httpx.HTTPError as e:
            raise StoreError(f"query: reading the answer of {self.query_endpoint} failed after "
                             f"{time.monotonic() - started:.1f} s: {e}") from None
        finally:
            response.close()  # also when cut at max_rows: the server stops sending

    def _check_deadline(self, deadline: float, timeout_s: float | None) -> bool:
        """Raise RemoteTimeout once *deadline* has passed (a server that answers slowly but steadily)."""
        if time.monotonic() > deadline:
            raise RemoteTimeout(f"query: reading the answer of {self.query_endpoint} took longer than the time "
                                f"limit of {timeout_s:g} s", float(timeout_s or 0))
        return True

    @staticmethod
    def _solutions(reader: IO[bytes], mt: str, rfmt: "ox.QueryResultsFormat", max_rows: int,
                   server_cut: bool, on_time) -> tuple[QueryResult, int, bool]:  # noqa: ANN001 - () -> bool
        from pangraph.store.query_worker import _term_json

        parsed = ox.parse_query_results(reader, format=ox.QueryResultsFormat.JSON)
        names = [v.value for v in parsed.variables]
        bindings = []
        truncated = False
        for solution in parsed:
            if max_rows and len(bindings) == max_rows:
                truncated = True
                break
            row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = _term_json(term)
            bindings.append(row)
            if not len(bindings) % 1000:
                on_time()
        body = orjson.dumps({"head": {"vars": names}, "results": {"bindings": bindings}})
        if rfmt != ox.QueryResultsFormat.JSON:
            body = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(format=rfmt)
        return QueryResult("solutions", mt, body), len(bindings), truncated or server_cut

    def run_job(self, job: Any, *, timeout_s: float | None = None) -> Any:  # noqa: ANN401 - QueryJob → JobResult
        """One public SPARQL query of the endpoint (:class:`pangraph.store.query_worker.QueryJob`): the time limit
        is the HTTP request's (and Virtuoso's own ``timeout``), the row cap is applied while reading the
        streamed answer. Returns a :class:`~pangraph.store.query_worker.JobResult` (errors in it, as a worker does)."""
        from pangraph.store.query_worker import JobResult

        started = time.monotonic()
        try:
            result, rows, truncated = self._query(
                job.query, media_type=job.media_type, default_graphs=job.default_graphs,
                named_graphs=job.named_graphs, base_iri=job.base_iri, timeout_s=timeout_s, max_rows=job.max_rows)
        except QueryError as e:
            return JobResult(error_kind="query", error=str(e))
        except RemoteTimeout as e:
            return JobResult(error_kind="timeout", error=str(e), extra={"timeout_s": e.timeout_s})
        except StoreError as e:
            return JobResult(error_kind="store", error=str(e))
        return JobResult(result.kind, result.media_type, result.body, rows, truncated, time.monotonic() - started)

    def select(self, sparql: str) -> list[dict[str, str | None]]:
        if query_form(sparql) not in (None, "SELECT"):
            raise QueryError("select() needs a SELECT query")
        data = self._json(sparql)
        if "results" not in data:
            raise QueryError("select() needs a SELECT query")
        names = data.get("head", {}).get("vars", [])
        return [{n: _plain(b.get(n)) for n in names} for b in data["results"]["bindings"]]

    def ask(self, sparql: str) -> bool:
        if query_form(sparql) not in (None, "ASK"):
            raise QueryError("ask() needs an ASK query")
        data = self._json(sparql)
        if "boolean" not in data:
            raise QueryError("ask() needs an ASK query")
        return bool(data["boolean"])

    def construct_ntriples(self, sparql: str) -> str:
        if query_form(sparql) not in ("CONSTRUCT", "DESCRIBE"):
            raise QueryError("construct_ntriples() needs a CONSTRUCT or DESCRIBE query")
        result = self.query(sparql, media_type=NTRIPLES)
        return result.body.decode("utf-8")

    def _in_prefix(self) -> str:
        if not self.graph_prefix:
            return ""
        return f'FILTER(STRSTARTS(STR(?g), "{self.graph_prefix}"))'

    def named_graphs(self) -> Iterator[str]:
        rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._in_prefix()} }}")
        for row in rows:
            if row["g"] and not row["g"].startswith("_:"):
                yield row["g"]

    def has_graph(self, graph: str) -> bool:
        return self.ask(f"ASK {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}")

    def graph_ntriples(self, graph: str) -> str:
        return self.construct_ntriples(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}")

    def dump(self, out: IO[bytes], *, format: str = "application/n-quads") -> None:
        """The node's graphs (those under ``graph_prefix``): from Oxigraph server's ``/store`` in one stream,
        elsewhere graph by graph. Triple formats get the union of the graphs, as the embedded store writes."""
        fmt = self._rdf_format(format)
        if self.server == "oxigraph" and self.gsp_endpoint:
            quads = self._stream_dataset()
        else:
            quads = (ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(g))
                     for g in list(self.named_graphs())
                     for q in ox.parse(self.graph_ntriples(g), format=ox.RdfFormat.N_TRIPLES))
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            ox.serialize(quads, out, format=fmt)
        else:
            ox.serialize((q.triple for q in quads), out, format=fmt)

    def _stream_dataset(self) -> Iterator["ox.Quad"]:
        response = self._request("GET", self.gsp_endpoint, what="dump", stream=True, headers={"Accept": NQUADS})
        self._check(response, "dump")
        try:
            reader = io.BufferedReader(_ResponseReader(response.iter_bytes()), buffer_size=1 << 16)
            for quad in ox.parse(reader, format=ox.RdfFormat.N_QUADS):
                g = quad.graph_name
                if isinstance(g, ox.NamedNode) and g.value.startswith(self.graph_prefix):
                    yield quad
        except httpx.HTTPError as e:
            raise StoreError(f"dump: reading {self.gsp_endpoint} failed: {e}") from None
        finally:
            response.close()

    def count_quads(self) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._in_prefix()} }}")
        return int(rows[0]["n"]) if rows and rows[0]["n"] is not None else 0

    def flush(self) -> None:
        """Nothing to do: the server persists every request it acknowledged."""

    def close(self) -> None:
        self._client.close()

    @staticmethod
    def _rdf_format(media_type: str) -> "ox.RdfFormat":
        fmt = RDF_FORMATS.get(media_type)
        if fmt is None:
            raise StoreError(f"unsupported RDF format {media_type!r}; supported: {sorted(RDF_FORMATS)}")
        return fmt
