"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (read-only) and its service description.

- Query operation: ``GET ?query=``, ``POST`` ``application/x-www-form-urlencoded`` (``query=``) and
  ``POST`` ``application/sparql-query`` (the body), with ``default-graph-uri`` / ``named-graph-uri``
  giving a protocol-specified dataset (it replaces the default dataset and any ``FROM``/``FROM NAMED``).
  Without them, queries run over the union of all graphs (``GRAPH`` reaches a single one).
- Result formats by ``Accept`` (with q-values) or ``format=``: SELECT/ASK → SPARQL JSON (default), XML,
  CSV, TSV; CONSTRUCT/DESCRIBE → Turtle (default), N-Triples, JSON-LD, RDF/XML; browsers that prefer
  ``text/html`` get an HTML page with the query form and the results. Nothing acceptable → 406.
- SPARQL Update is refused with **403 Forbidden**: the request is understood (an ``update`` parameter,
  an ``application/sparql-update`` body, or an update sent as ``query``) but this endpoint is read-only
  (SPARQL 1.1 Protocol §2.2 leaves the choice of the 4xx code to the service; 403 says "never", where
  400 would suggest that a corrected request could succeed).
- ``SERVICE`` (federated query) only to the peer endpoints listed in ``federation.peers``: every SERVICE
  IRI of the query is found with a SPARQL parser before the query runs; any other IRI (or a variable)
  → 400 naming it, and no request leaves the node. ``SERVICE SILENT`` to a peer that fails gives an
  empty solution, as Oxigraph does.
- Limits (public endpoint): queries run in worker processes (:mod:`pangraph.api.query_workers`); a query
  still running after ``server.query_timeout_s`` is killed → 503; at most ``sparql.workers`` queries run
  at once, a query that waited ``sparql.queue_timeout_s`` for a free worker → 503 with ``Retry-After``;
  results hold at most ``sparql.max_rows`` solutions/triples (cut results carry
  ``X-Pangraph-Truncated: true`` and stay valid documents); bodies over ``server.max_body_bytes`` → 413.
- Malformed requests → 400 (the parser's message for a malformed query); an unsupported request
  ``Content-Type`` (or a charset other than UTF-8) → 415; other methods → 405.
- ``GET /sparql`` without any parameter answers the SPARQL service description (Turtle by default, any
  RDF format by ``Accept``), or an HTML query form for browsers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
import rdflib
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.query_workers import QueryRejected, QueryTimeout
from pangraph.api.errors import ApiError
from pangraph.api.metrics import count_query
from pangraph.api.negotiation import (
    CSV,
    FORMAT_IRIS,
    FORMAT_NAMES,
    HTML,
    JSONLD,
    NTRIPLES,
    RDF_TYPES,
    RDFXML,
    SOLUTION_TYPES,
    SPARQL_JSON,
    TSV,
    TURTLE,
    media_type_of,
    negotiate,
)
from pangraph.api.pages import render
from pangraph.errors import QueryError, StoreError
from pangraph.queries import EXAMPLES
from pangraph.rdf import DCT, RDF, iri, literal
from pangraph.store.query_worker import JobResult, QueryJob

router = APIRouter()

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"

_PROLOGUE = re.compile(r"\A(?:\s+|#[^\n\r]*|PREFIX\s*[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.IGNORECASE)
_FORM = re.compile(
    r"(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE
)
# strings, IRIs, comments, variables and prefixed names are skipped; only a bare SERVICE keyword counts
_LEXEMES = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>'
    r"|#[^\n]*"
    r"|[?$]\w+"
    r"|[A-Za-z_][\w.-]*:[\w.-]*"
    r"|(?P<service>\bSERVICE\b)",
    re.IGNORECASE,
)
_RDFLIB_FORMATS = {TURTLE: "turtle", NTRIPLES: "nt", JSONLD: "json-ld", RDFXML: "xml"}
_IRI_OK = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


def query_form(sparql: str) -> str | None:
    """The query form after the prologue: ``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``, ``UPDATE``
    (any SPARQL Update operation) or None when it cannot be told (the parser will say why)."""
    m = _FORM.match(sparql, _PROLOGUE.match(sparql).end())  # type: ignore[union-attr]
    if not m:
        return None
    word = m.group(1).upper()
    return word if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE") else "UPDATE"


def uses_service(sparql: str) -> bool:
    """Whether the query text holds a bare ``SERVICE`` keyword (outside strings, IRIs, comments and names):
    the fallback of :func:`service_iris` for queries rdflib cannot parse."""
    return any(m.group("service") for m in _LEXEMES.finditer(sparql))


_HASH = "\ue000"  # stands for "#" inside IRIs while rdflib parses


def _for_rdflib(sparql: str) -> str:
    """The query with string literals emptied, comments dropped and ``#`` in IRIs replaced: rdflib's
    parser fails on a ``#`` before a SERVICE clause (e.g. ``?d a <http://www.w3.org/ns/dcat#Dataset> .
    SERVICE ...``), and none of these change which endpoints SERVICE names."""
    if _HASH in sparql:
        return sparql
    out: list[str] = []
    pos = 0
    for m in _LEXEMES.finditer(sparql):
        out.append(sparql[pos:m.start()])
        token = m.group(0)
        if token[0] in "\"'":
            token = '"s"'
        elif token[0] == "#":
            token = " "
        elif token[0] == "<":
            token = token.replace("#", _HASH)
        out.append(token)
        pos = m.end()
    out.append(sparql[pos:])
    return "".join(out)


class ServiceCheckError(ValueError):
    """The query names SERVICE but its targets could not be determined."""


def service_iris(sparql: str, base_iri: str | None = None) -> list[str | None]:
    """Every endpoint a ``SERVICE`` clause of the query names (anywhere: nested groups, subqueries,
    ``EXISTS`` filters), prefixes and relative IRIs resolved as Oxigraph resolves them (against
    *base_iri*); ``None`` for ``SERVICE ?variable``. Found with rdflib's SPARQL parser and algebra.

    Oxigraph only recognises the keyword spelled out (no ``\\u`` escapes in keywords), so a query
    without the letters "service" has no SERVICE clause. Raises :class:`ServiceCheckError` when the
    query has a SERVICE keyword but rdflib cannot parse it (then nothing can be allowed).
    """
    if "service" not in sparql.lower():
        return []
    from rdflib.plugins.sparql.algebra import translateQuery, traverse
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(_for_rdflib(sparql)), base=base_iri).algebra
    except Exception as e:  # noqa: BLE001 - any parser failure: decide on the lexer below
        if uses_service(sparql):
            raise ServiceCheckError(f"the query uses SERVICE, but its endpoints could not be checked: {e}") from None
        return []
    found: list[str | None] = []

    def visit(node: Any) -> None:
        if getattr(node, "name", None) == "ServiceGraphPattern":
            term = node.get("term")
            found.append(str(term).replace(_HASH, "#") if isinstance(term, rdflib.URIRef) else None)

    traverse(algebra, visitPre=visit)
    if not found and uses_service(sparql):  # the parser saw none where the lexer sees one: refuse
        raise ServiceCheckError("the query uses SERVICE, but its endpoints could not be determined")
    return found


@dataclass
class ProtocolRequest:
    """The parameters of one SPARQL Protocol request, wherever they came from (URL or body)."""

    query: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    format: str | None = None
    has_params: bool = False

    def dataset(self, ctx: NodeContext) -> dict[str, Any]:
        """Keyword arguments of :meth:`Store.query`: the protocol-specified dataset (if any) and the base
        IRI of relative IRIs in the query, which is the endpoint's IRI (SPARQL 1.1 Protocol §2.1.4)."""
        if not self.default_graphs and not self.named_graphs:
            return {"base_iri": ctx.endpoint}
        return {"default_graphs": self.default_graphs, "named_graphs": self.named_graphs, "base_iri": ctx.endpoint}


def _read_only(detail: str) -> ApiError:
    return ApiError(403, "Forbidden", f"this SPARQL endpoint is read-only: {detail}", operation="update")


def _protocol_request(params: list[tuple[str, str]]) -> ProtocolRequest:
    """Check the protocol parameters (all of them: URL and form body) and collect them."""
    names = [k for k, _ in params]
    if "update" in names:
        raise _read_only("SPARQL Update operations are not accepted")
    queries = [v for k, v in params if k == "query"]
    if len(queries) > 1:
        raise ApiError(400, "Bad Request", f"the request holds {len(queries)} 'query' parameters; send exactly one",
                       parameter="query")
    formats = [v for k, v in params if k == "format"]
    if len(formats) > 1:
        raise ApiError(400, "Bad Request", "the request holds more than one 'format' parameter", parameter="format")
    req = ProtocolRequest(
        query=queries[0] if queries else None,
        default_graphs=[v for k, v in params if k == "default-graph-uri"],
        named_graphs=[v for k, v in params if k == "named-graph-uri"],
        format=formats[0] if formats else None,
        has_params=bool(params),
    )
    for g in (*req.default_graphs, *req.named_graphs):
        if not _IRI_OK.match(g):
            raise ApiError(400, "Bad Request", f"default-graph-uri/named-graph-uri must be absolute IRIs, got {g!r}",
                           parameter="default-graph-uri" if g in req.default_graphs else "named-graph-uri")
    return req


def _utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ApiError(400, "Bad Request", f"the {what} is not valid UTF-8: {e}") from None


async def _post_request(request: Request) -> ProtocolRequest:
    content_type, ct_params = media_type_of(request.headers.get("content-type"))
    charset = ct_params.get("charset", "utf-8").lower()
    url_params = list(request.query_params.multi_items())
    if content_type == SPARQL_UPDATE:
        raise _read_only("SPARQL Update operations are not accepted")
    if content_type not in (FORM, SPARQL_QUERY):
        raise ApiError(
            415, "Unsupported Media Type",
            f"POST a query as {FORM} (query=...) or as {SPARQL_QUERY}; got Content-Type "
            f"{request.headers.get('content-type')!r}",
            accepted=[FORM, SPARQL_QUERY],
        )
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "Unsupported Media Type", f"request bodies must be UTF-8, got charset={charset}",
                       accepted=[FORM, SPARQL_QUERY])
    body = await request.body()
    if content_type == FORM:
        text = _utf8(body, "form body")
        try:
            form = parse_qsl(text, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict")
        except UnicodeDecodeError as e:
            raise ApiError(400, "Bad Request", f"the form body is not valid UTF-8: {e}") from None
        return _protocol_request(url_params + form)
    if any(k == "query" for k, _ in url_params):
        raise ApiError(400, "Bad Request", f"with {SPARQL_QUERY} the query is the body; do not also send 'query' "
                       "in the URL", parameter="query")
    req = _protocol_request(url_params)
    req.query = _utf8(body, "query")
    req.has_params = True
    return req


# -- the service description ------------------------------------------------------------------------------------

def service_description(ctx: NodeContext) -> str:
    """The SPARQL 1.1 service description of the endpoint as N-Triples text."""
    sd = lambda name: iri(SD + name)  # noqa: E731
    service = iri(ctx.endpoint + "#service")
    dataset = iri(ctx.endpoint + "#dataset")
    default_graph = iri(ctx.endpoint + "#default-graph")
    triples = [
        (service, RDF.type, sd("Service")),
        (service, sd("endpoint"), iri(ctx.endpoint)),
        (service, sd("supportedLanguage"), sd("SPARQL11Query")),
        (service, sd("feature"), sd("UnionDefaultGraph")),
        (service, sd("defaultEntailmentRegime"), iri("http://www.w3.org/ns/entailment/Simple")),
        (service, DCT["title"], literal(ctx.config["node.title"])),
        (service, DCT["description"], literal(ctx.config["node.description"])),
        (service, sd("defaultDataset"), dataset),
        (dataset, RDF.type, sd("Dataset")),
        (dataset, sd("defaultGraph"), default_graph),
        (default_graph, RDF.type, sd("Graph")),
        (default_graph, DCT["description"], literal(
            "The union of all named graphs of the node (record, provenance, quality, links, ontology graphs).")),
        (default_graph, iri(VOID + "triples"), literal(ctx.store.count_quads(),
                                                        datatype="http://www.w3.org/2001/XMLSchema#integer")),
    ]
    triples += [(service, sd("resultFormat"), iri(FORMAT_IRIS[t])) for t in (*SOLUTION_TYPES, *RDF_TYPES)]
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


def serialize_ntriples(text: str, media_type: str) -> bytes:
    """Re-serialise a small N-Triples document (the service description) as *media_type*."""
    g = rdflib.Graph()
    g.parse(data=text, format="nt")
    g.bind("sd", SD)
    g.bind("dct", DCT)
    g.bind("void", VOID)
    out = g.serialize(format=_RDFLIB_FORMATS[media_type], encoding="utf-8")
    return out if isinstance(out, bytes) else out.encode("utf-8")


# -- running a query -----------------------------------------------------------------------------------------------

def _media_type(req: ProtocolRequest, kind: str, accept: str | None) -> str:
    """The media type of the response: ``format=`` first, then ``Accept``; 406 when nothing fits."""
    offers = (*SOLUTION_TYPES, HTML) if kind in ("solutions", "boolean") else (*RDF_TYPES, HTML)
    if req.format is not None:
        name = req.format.strip().lower()
        if name in FORMAT_NAMES:
            chosen = FORMAT_NAMES[name][0 if kind in ("solutions", "boolean") else 1]
        elif "/" in name:
            chosen = name if name in offers else None
        else:
            raise ApiError(400, "Bad Request", f"unknown format {req.format!r}; use one of "
                           f"{', '.join(FORMAT_NAMES)} or a media type", parameter="format")
        if chosen is None:
            raise ApiError(406, "Not Acceptable", f"a {kind} result cannot be written as {req.format!r}; "
                           f"available: {', '.join(offers)}", headers={"Vary": "Accept"}, accepted=list(offers))
        return chosen
    chosen = negotiate(accept, offers)
    if chosen is None:
        raise ApiError(406, "Not Acceptable", f"a {kind} result is available as {', '.join(offers)}; none of them "
                       f"is acceptable (Accept: {accept})", headers={"Vary": "Accept"}, accepted=list(offers))
    return chosen


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type in (TURTLE, CSV, TSV, HTML) else media_type


def _result_table(result: JobResult) -> dict[str, Any]:
    """SPARQL JSON results as columns and rows for the HTML page."""
    data = orjson.loads(result.body)
    if "boolean" in data:
        return {"boolean": data["boolean"]}
    return {"columns": data["head"].get("vars", []), "rows": data["results"]["bindings"]}


def _check_service(ctx: NodeContext, query: str) -> None:
    """Allow SERVICE only to the configured peer endpoints (``federation.peers``): anything else is refused
    with 400 before the query runs, so no request to an unlisted host leaves the node."""
    try:
        targets = service_iris(query, ctx.endpoint)
    except ServiceCheckError as e:
        raise ApiError(400, "Federated query refused", str(e), operation="service",
                       peers=ctx.federation_peers) from None
    peers = set(ctx.federation_peers)
    for target in targets:
        if target is None:
            raise ApiError(400, "Federated query refused", "SERVICE with a variable endpoint is not allowed: name "
                           "one of the node's peer endpoints (federation.peers)", operation="service",
                           peers=sorted(peers))
        if target not in peers:
            listed = ", ".join(sorted(peers)) or "none are configured"
            raise ApiError(400, "Federated query refused", f"SERVICE <{target}> is not one of the node's peer "
                           f"endpoints (federation.peers: {listed})", operation="service", service=target,
                           peers=sorted(peers))


async def _run(ctx: NodeContext, req: ProtocolRequest, media_type: str | None) -> JobResult:
    """Run the query under the endpoint's limits; counts the outcome (``/metrics``)."""
    job = QueryJob(query=req.query or "", media_type=media_type, **req.dataset(ctx))
    try:
        result = await ctx.queries.run(job)
    except QueryTimeout:
        count_query("timeout", ctx.query_timeout_s)
        raise
    except QueryRejected:
        count_query("rejected_concurrency")
        raise
    except Exception:
        count_query("error")
        raise
    if result.error_kind == "query" and result.extra.get("os_error") and service_iris(job.query, ctx.endpoint):
        count_query("error", result.seconds)
        raise ApiError(502, "Peer endpoint failed", f"a SERVICE call to a peer node failed: {result.error}; "
                       "use SERVICE SILENT to get the other results anyway", operation="service")
    if result.error_kind == "query":
        count_query("rejected_malformed", result.seconds)
        raise QueryError(result.error)
    if result.error_kind is not None:
        count_query("error", result.seconds)
        raise StoreError(result.error)
    count_query("rejected_rows" if result.truncated else "ok", result.seconds)
    return result


def _result_headers(ctx: NodeContext, result: JobResult) -> dict[str, str]:
    headers = {"Vary": "Accept"}
    if result.kind in ("solutions", "graph"):
        headers["X-Pangraph-Rows"] = str(result.rows)
    if result.truncated:
        headers["X-Pangraph-Truncated"] = "true"
        headers["X-Pangraph-Max-Rows"] = str(ctx.queries.max_rows)
    return headers


async def _answer(request: Request, req: ProtocolRequest) -> Response:
    ctx = context(request)
    accept = request.headers.get("accept")
    query = req.query
    if query is None or not query.strip():
        if request.method in ("GET", "HEAD") and not req.has_params:
            return await _no_query(request)
        raise ApiError(400, "Bad Request", "no query: send one as 'query' (GET or form POST) or as an "
                       f"{SPARQL_QUERY} body", parameter="query")
    form = query_form(query)
    if form == "UPDATE":
        count_query("rejected_malformed")
        raise _read_only("the request holds a SPARQL Update, not a query")
    try:
        _check_service(ctx, query)
    except ApiError:
        count_query("rejected_service")
        raise
    kind = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}.get(form or "")
    if kind is None:  # not recognisable: let the parser tell the client what is wrong
        result = await _run(ctx, req, None)
        return Response(result.body, media_type=_content_type(result.media_type), headers=_result_headers(ctx, result))
    media_type = _media_type(req, kind, accept)
    if media_type == HTML:
        shown = SPARQL_JSON if kind != "graph" else TURTLE
        result = await _run(ctx, req, shown)
        table = _result_table(result) if kind != "graph" else {"text": result.body.decode("utf-8")}
        return render(request, "sparql.html", headers=_result_headers(ctx, result), query=query, kind=kind,
                      result=table, truncated=result.truncated, max_rows=ctx.max_html_rows,
                      result_cap=ctx.queries.max_rows, examples=EXAMPLES, downloads=_downloads(request, req, kind))
    result = await _run(ctx, req, media_type)
    return Response(result.body, media_type=_content_type(result.media_type), headers=_result_headers(ctx, result))


def _downloads(request: Request, req: ProtocolRequest, kind: str) -> list[tuple[str, str]]:
    """(label, relative URL) of the result in each downloadable format, for the HTML page."""
    names = (("CSV", "csv"), ("TSV", "tsv"), ("JSON", "json"), ("XML", "xml")) if kind != "graph" else (
        ("Turtle", "turtle"), ("N-Triples", "ntriples"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdfxml"))
    base = [("query", req.query or "")] + [("default-graph-uri", g) for g in req.default_graphs] + [
        ("named-graph-uri", g) for g in req.named_graphs]
    return [(label, "sparql?" + urlencode(base + [("format", fmt)])) for label, fmt in names]


async def _no_query(request: Request) -> Response:
    """``GET /sparql`` without parameters: the service description, or the query form for browsers."""
    ctx = context(request)
    chosen = negotiate(request.headers.get("accept"), (*RDF_TYPES, HTML))
    headers = {"Vary": "Accept"}
    if chosen == HTML:
        return render(request, "sparql.html", headers=headers, query=EXAMPLES[0][1], kind=None, result=None,
                      max_rows=ctx.max_html_rows, result_cap=ctx.queries.max_rows, examples=EXAMPLES,
                      downloads=[], truncated=False)
    if chosen is None:
        raise ApiError(400, "Bad Request", "no query: send one as 'query' (GET or form POST) or as an "
                       f"{SPARQL_QUERY} body; GET without parameters answers the service description "
                       f"({', '.join(RDF_TYPES)})", headers=headers, parameter="query")
    text = await in_thread(service_description, ctx)
    body = await in_thread(serialize_ntriples, text, chosen)
    return Response(body, media_type=_content_type(chosen), headers=headers)


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Query results, or the service description (GET without parameters)",
          "content": {t: {} for t in (*SOLUTION_TYPES, *RDF_TYPES, HTML)}},
    400: {"description": "Malformed query or request (the parser's message in `error.detail`), or SERVICE to an "
          "endpoint that is not in `federation.peers`"},
    403: {"description": "SPARQL Update is refused: the endpoint is read-only"},
    406: {"description": "No acceptable result format"},
    413: {"description": "Request body larger than `server.max_body_bytes`"},
    415: {"description": "POST with a Content-Type other than form or application/sparql-query, or not UTF-8"},
    502: {"description": "A SERVICE call to a peer endpoint failed (not SILENT)"},
    503: {"description": "The query was stopped at `server.query_timeout_s`, or all `sparql.workers` stayed busy "
          "for `sparql.queue_timeout_s` (`Retry-After`)"},
}
_DESCRIPTION = (__doc__ or "").split("\n\n", 1)[1]


@router.get("/sparql", summary="SPARQL 1.1 query (GET)", description=_DESCRIPTION, response_class=Response,
            responses=_RESPONSES)
async def sparql_get(
    request: Request,
    query: str | None = Query(None, description="The SPARQL query"),
    default_graph_uri: list[str] = Query([], alias="default-graph-uri", description="Default graph(s) of the dataset"),
    named_graph_uri: list[str] = Query([], alias="named-graph-uri", description="Named graph(s) of the dataset"),
    format: str | None = Query(None, description="json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml, html "
                               "(overrides Accept)"),
) -> Response:
    """SPARQL query via GET (or the service description without parameters)."""
    return await _answer(request, _protocol_request(list(request.query_params.multi_items())))


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST)",
    description=_DESCRIPTION,
    response_class=Response,
    responses=_RESPONSES,
    openapi_extra={"requestBody": {"required": True, "content": {
        FORM: {"schema": {"type": "object", "properties": {
            "query": {"type": "string"}, "default-graph-uri": {"type": "array", "items": {"type": "string"}},
            "named-graph-uri": {"type": "array", "items": {"type": "string"}}, "format": {"type": "string"}},
            "required": ["query"]}},
        SPARQL_QUERY: {"schema": {"type": "string"}},
    }}},
)
async def sparql_post(request: Request) -> Response:
    """SPARQL query via POST (URL-encoded form or a direct ``application/sparql-query`` body)."""
    return await _answer(request, await _post_request(request))


router.add_api_route("/sparql", sparql_get, methods=["HEAD"], include_in_schema=False)


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False)
async def sparql_other_methods(request: Request) -> Response:
    """The protocol has GET and POST only (W3C test ``bad_query_method``)."""
    raise ApiError(405, "Method Not Allowed", f"{request.method} is not allowed on /sparql; use GET or POST",
                   headers={"Allow": "GET, POST"})
