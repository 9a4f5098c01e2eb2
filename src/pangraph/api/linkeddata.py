"""Linked Data: every minted IRI ``{base}/id/...`` and every graph IRI ``{base}/graph/...`` dereferences.

The IRI asked for is ``config.base`` + the request path (never the request's Host: behind a proxy the
two differ). Routes are served at ``/id/...`` and ``/graph/...`` relative to the app root, also when
the base has a path prefix (``https://pan.example.org/kg`` → the proxy maps ``/kg/`` to the app root).

Representations are chosen by the ``Accept`` header (Turtle, N-Triples, JSON-LD, RDF/XML, HTML), or
by an explicit extension ``.ttl .nt .jsonld .rdf .html`` (which wins over ``Accept``). Every
response carries ``Vary: Accept`` and a ``Link`` header with the alternates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pangraph.api import refcache
from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.entities import entity_summary, schema_org, script_json
from pangraph.api.errors import ApiError
from pangraph.api.negotiation import (
    EXTENSION_OF,
    EXTENSIONS,
    HTML,
    JSONLD,
    NTRIPLES,
    RDF_TYPES,
    RDFXML,
    SPARQL_JSON,
    TURTLE,
    negotiate,
)
from pangraph.api.pages import compact, render
from pangraph.quality import record_links, record_page_path
from pangraph.rdf import DCT, FOAF, RDF, RDFS, SCHEMA, SKOS, iri as iri_term, literal as literal_term

router = APIRouter()

#: server preference when the client accepts several (``*/*`` → Turtle)
OFFERS: tuple[str, ...] = (*RDF_TYPES, HTML)
FORMAT_LABELS: dict[str, str] = {TURTLE: "Turtle", NTRIPLES: "N-Triples", JSONLD: "JSON-LD", RDFXML: "RDF/XML",
                                 HTML: "HTML"}
#: predicates giving an object its label in descriptions, in order of preference
LABEL_PREDICATES: tuple[str, ...] = (DCT["title"], RDFS.label, FOAF.name, SKOS.prefLabel, SCHEMA.name)
_LABEL_IRIS: tuple[str, ...] = tuple(p[1:-1] for p in LABEL_PREDICATES)
RDF_TYPE = RDF.raw("type")
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")

_RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The representation", "content": {t: {} for t in OFFERS}},
    404: {"description": "Nothing is known about this IRI"},
    406: {"description": "None of the offered media types is acceptable"},
}


# -- the IRI of a request ----------------------------------------------------------------------------------

def request_iri(ctx: NodeContext, request: Request) -> str:
    """``config.base`` + the path of *request* as the client sent it (still percent-encoded)."""
    raw = request.scope.get("raw_path")
    path = raw.decode("utf-8", errors="replace") if raw else quote(request.scope["path"], safe="/:@!$&'()*+,;=~.-_")
    root = request.scope.get("root_path") or ""
    if root and path.startswith(root):
        path = path[len(root):]
    return ctx.base + path


def split_extension(iri: str) -> tuple[str, str] | None:
    """``(iri without extension, media type)`` when *iri* ends in a representation extension."""
    stem, dot, ext = iri.rpartition(".")
    if dot and "/" not in ext and ext.lower() in EXTENSIONS and not stem.endswith("/"):
        return stem, EXTENSIONS[ext.lower()]
    return None


def sparql_iri(value: str) -> str:
    """The IRI *value* as a SPARQL/N-Triples term, characters IRIs may not hold percent-encoded."""
    return iri_term(value)


# -- the queries --------------------------------------------------------------------------------------------

#: label rows read per linked resource and label predicate. The default graph is the union of all record graphs
#: *as a multiset*: a facility's name stated by 100k records comes 100k times, so labels are read with a LIMIT
#: per resource (a join with them would multiply every row by the number of copies), and kept per store write
#: generation (:mod:`pangraph.api.refcache`).
LABEL_ROWS = refcache.LABEL_ROWS


def _description_where(term: str, max_inbound: int) -> str:
    """The statements of a description (``?part ?s ?p ?o``), without the labels of linked resources."""
    return f"""WHERE {{
  {{ BIND("out" AS ?part) BIND({term} AS ?s) {term} ?p ?o }}
  UNION {{ BIND("bnode" AS ?part) {term} ?p0 ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{ BIND("bnode" AS ?part) {term} ?p0 ?b0 . FILTER(isBlank(?b0)) ?b0 ?p1 ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
  UNION {{ {{ SELECT ?s ?p WHERE {{ ?s ?p {term} }} LIMIT {max_inbound} }} BIND("in" AS ?part) BIND({term} AS ?o) }}
}}"""


def linked_resources_select(iri: str, *, max_inbound: int) -> str:
    """The IRIs a description links to (objects of the resource and of its blank nodes, inbound subjects)."""
    return ("SELECT DISTINCT ?ref { { SELECT ?part ?s ?o " + _description_where(sparql_iri(iri), max_inbound)
            + ' } BIND(IF(?part = "in", ?s, ?o) AS ?ref) FILTER(isIRI(?ref)) }')


def label_rows(store: Any, refs: Iterable[str]) -> list[dict[str, dict[str, str]]]:
    """``[{ref, lp, label}]`` (SPARQL JSON bindings, each statement once) for the literal labels
    (:data:`LABEL_PREDICATES`) of *refs*, from the per-generation cache of :mod:`pangraph.api.refcache`."""
    facts = refcache.ref_facts(store).get(store, refs, _LABEL_IRIS)
    return [{"ref": {"type": "uri", "value": ref}, "lp": {"type": "uri", "value": lp}, "label": label}
            for ref, f in facts.items() for lp, label in f.labels if label["type"] == "literal"]


def linked_labels(store: Any, iri: str, *, max_inbound: int) -> list[dict[str, dict[str, str]]]:
    """``[{ref, lp, label}]`` (SPARQL JSON bindings, each statement once) for the resources *iri* links to."""
    refs = [r["ref"] for r in store.select(linked_resources_select(iri, max_inbound=max_inbound)) if r["ref"]]
    return label_rows(store, refs)


def _literal_term(binding: dict[str, str]) -> str:
    return literal_term(binding["value"], datatype=binding.get("datatype"), lang=binding.get("xml:lang"))


def description_construct(iri: str, *, max_inbound: int,
                          labels: list[dict[str, dict[str, str]]] | None = None) -> str:
    """CONSTRUCT of the description of *iri*: its triples, those of the blank nodes it points to (two
    levels), up to *max_inbound* inbound links, and the *labels* of the things it links to (from
    :func:`linked_labels`, given as data: each statement once however many graphs make it)."""
    term = sparql_iri(iri)
    values = " ".join(f"({sparql_iri(r['ref']['value'])} {sparql_iri(r['lp']['value'])} {_literal_term(r['label'])})"
                      for r in labels or ())
    label_part = f" UNION {{ VALUES (?ref ?lp ?label) {{ {values} }} }}" if values else ""
    return ("CONSTRUCT { ?s ?p ?o . ?ref ?lp ?label } WHERE { { SELECT DISTINCT ?s ?p ?o "
            + _description_where(term, max_inbound) + " }" + label_part + " }")


def description_select(iri: str, *, max_inbound: int) -> str:
    """The same description as rows (``?part ?s ?p ?o``), for the HTML page (labels: :func:`linked_labels`)."""
    term = sparql_iri(iri)
    return "SELECT DISTINCT ?part ?s ?p ?o " + _description_where(term, max_inbound)


def _resource_exists(ctx: NodeContext, iri: str) -> bool:
    term = sparql_iri(iri)
    return ctx.store.ask(f"ASK {{ {{ {term} ?p ?o }} UNION {{ ?s ?p {term} }} }}")


def _graph_exists(ctx: NodeContext, iri: str) -> bool:
    return ctx.store.ask(f"ASK {{ GRAPH {sparql_iri(iri)} {{ ?s ?p ?o }} }}")


# -- the HTML view -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TermView:
    """An RDF term as the HTML templates show it."""

    kind: str  # "iri" | "literal" | "bnode"
    value: str
    lang: str | None = None
    datatype: str | None = None
    label: str | None = None
    local: bool = False  # an IRI under the node's base: the link stays on the node
    known: bool = False  # a foreign IRI (DOI, ORCID …) the node has triples about: /describe shows them


def _term(binding: dict[str, str] | None, *, base: str, labels: dict[str, str] | None = None,
          known: set[str] | frozenset[str] = frozenset()) -> TermView | None:
    if binding is None:
        return None
    kind = {"uri": "iri", "literal": "literal", "bnode": "bnode"}.get(binding["type"], "literal")
    value = binding["value"]
    if kind == "iri":
        return TermView("iri", value, label=(labels or {}).get(value), local=value.startswith(base + "/"),
                        known=value in known)
    if kind == "literal":
        return TermView("literal", value, lang=binding.get("xml:lang"), datatype=binding.get("datatype"))
    return TermView("bnode", value)


def _solutions(body: bytes) -> list[dict[str, dict[str, str]]]:
    return orjson.loads(body)["results"]["bindings"]


def _pick_label(candidates: list[tuple[int, dict[str, str]]]) -> str | None:
    """The best label: preferred predicate first, then English/untagged literals."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: (c[0], 0 if c[1].get("xml:lang", "en").startswith("en") else 1))
    return ranked[0][1]["value"]


def _group(pairs: list[tuple[str, TermView]]) -> list[dict[str, Any]]:
    """Predicate → values, ``rdf:type`` first, then by the compact predicate name."""
    grouped: dict[str, list[TermView]] = {}
    for p, o in pairs:
        values = grouped.setdefault(p, [])
        if o not in values:
            values.append(o)
    order = sorted(grouped, key=lambda p: (p != RDF_TYPE, compact(p)))
    return [{"predicate": p, "values": grouped[p]} for p in order]


def description_view(ctx: NodeContext, iri: str) -> dict[str, Any]:
    """What the HTML page of *iri* shows (blocking: runs a query)."""
    rows = _solutions(ctx.store.query(description_select(iri, max_inbound=ctx.max_inbound),
                                      media_type=SPARQL_JSON).body)
    # the resources the page links to: objects of the resource and of its blank nodes, inbound subjects (what
    # linked_resources_select asks, read off the rows); their labels and whether the node describes them come
    # from the per-generation cache
    refs = list(dict.fromkeys(
        b["value"] for row in rows for b in ((row["s"],) if row["part"]["value"] == "in" else (row["o"],))
        if b["type"] == "uri"))
    facts = refcache.ref_facts(ctx.store).get(ctx.store, refs, _LABEL_IRIS)
    lp_rank = {p[1:-1]: i for i, p in enumerate(LABEL_PREDICATES)}
    label_candidates: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for ref, f in facts.items():
        for lp, label in f.labels:
            if label["type"] != "literal":
                continue
            cands = label_candidates.setdefault(ref, [])
            cand = (lp_rank.get(lp, 99), label)
            if cand not in cands:
                cands.append(cand)
    labels = {k: v for k, v in ((k, _pick_label(c)) for k, c in label_candidates.items()) if v}

    # foreign IRIs (DOIs, ORCIDs …) the node has statements about link to /describe (inbound subjects are
    # described by definition)
    local = ctx.base + "/"
    known = {ref for ref, f in facts.items() if f.described and not ref.startswith(local)}
    out: list[tuple[str, TermView]] = []
    bnodes: dict[str, list[tuple[str, TermView]]] = {}
    inbound: list[tuple[TermView, str]] = []
    own_labels: list[tuple[int, dict[str, str]]] = []
    for row in rows:
        part = row["part"]["value"]
        p = row["p"]["value"]
        if part == "in":
            s = _term(row["s"], base=ctx.base, labels=labels, known=known)
            if s is not None and (s, p) not in inbound:
                inbound.append((s, p))
            continue
        o = _term(row["o"], base=ctx.base, labels=labels, known=known)
        assert o is not None
        if part == "out":
            out.append((p, o))
            if p in lp_rank and o.kind == "literal":
                own_labels.append((lp_rank[p], row["o"]))
        else:
            bnodes.setdefault(row["s"]["value"], []).append((p, o))
    types = [o for p, o in out if p == RDF_TYPE and o.kind == "iri"]
    return {
        "iri": iri,
        "title": _pick_label(own_labels) or iri,
        "types": list(dict.fromkeys(types)),
        "properties": _group(out),
        "bnodes": {b: _group(pairs) for b, pairs in bnodes.items()},
        "inbound": inbound,
        "inbound_capped": len(inbound) >= ctx.max_inbound,
        "max_inbound": ctx.max_inbound,
    }


def graph_view(ctx: NodeContext, iri: str) -> dict[str, Any]:
    """What the HTML page of the named graph *iri* shows: its size and its first triples by subject."""
    term = sparql_iri(iri)
    count = int(ctx.store.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT ?s WHERE {{ GRAPH {term} {{ ?s ?p ?o }} }} "
        f"LIMIT {ctx.max_graph_triples + 1} }}")[0]["n"] or 0)
    rows = _solutions(ctx.store.query(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH {term} {{ ?s ?p ?o }} }} LIMIT {ctx.max_html_rows}",
        media_type=SPARQL_JSON).body)
    subjects: dict[TermView, list[tuple[str, TermView]]] = {}
    for row in rows:
        s = _term(row["s"], base=ctx.base)
        o = _term(row["o"], base=ctx.base)
        assert s is not None and o is not None
        subjects.setdefault(s, []).append((row["p"]["value"], o))
    return {
        "iri": iri,
        "title": iri,
        "count": count,
        "count_capped": count > ctx.max_graph_triples,
        "shown": len(rows),
        "subjects": [{"subject": s, "properties": _group(pairs)} for s, pairs in subjects.items()],
    }


# -- responses ---------------------------------------------------------------------------------------------

def _alternates(iri: str, *, describe_href: str | None = None) -> list[dict[str, str]]:
    """Links to each representation of *iri* (by extension, or via ``/describe`` for foreign IRIs)."""
    alts = []
    for media_type in OFFERS:
        ext = EXTENSION_OF[media_type]
        href = f"{iri}.{ext}" if describe_href is None else f"{describe_href}&format={ext}"
        alts.append({"href": href, "type": media_type, "label": FORMAT_LABELS[media_type]})
    return alts


def _link_header(alternates: list[dict[str, str]]) -> str:
    return ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alternates)


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type in (TURTLE, HTML) else media_type


def _html_parts(ctx: NodeContext, iri: str) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
    """What the HTML page of *iri* shows, read in one worker thread (each hop to the thread pool costs the
    most on a busy machine): the description, the quality pages of the records whose main resource it is
    (:mod:`pangraph.quality`) and the readable summary of datasets, people, instruments, training, software
    (:mod:`pangraph.api.entities`)."""
    view = description_view(ctx, iri)
    return view, record_links(ctx, iri), entity_summary(ctx.store, view)


async def _serve(
    request: Request,
    *,
    iri: str,
    media_type: str,
    kind: str,
    alternates: list[dict[str, str]],
    negotiated: bool,
) -> Response:
    ctx = context(request)
    headers = {"Vary": "Accept", "Link": _link_header(alternates)}
    if negotiated and media_type != HTML and kind != "describe":
        headers["Content-Location"] = f"{iri}.{EXTENSION_OF[media_type]}"
    if media_type == HTML:
        if kind == "graph":
            view = await in_thread(graph_view, ctx, iri)
            return render(request, "graph.html", headers=headers, g=view, alternates=alternates,
                          quality_page=record_page_path(ctx.base, iri))
        view, quality, summary = await in_thread(_html_parts, ctx, iri)
        ld = None
        if summary is not None:
            doc = schema_org(summary, view, node_title=ctx.config["node.title"], base=ctx.base)
            ld = script_json(doc) if doc is not None else None
        return render(request, "resource.html", headers=headers, r=view, alternates=alternates, quality=quality,
                      e=summary, jsonld=ld)
    if kind == "graph":
        count_query = (f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT ?s WHERE {{ GRAPH {sparql_iri(iri)} "
                       f"{{ ?s ?p ?o }} }} LIMIT {ctx.max_graph_triples + 1} }}")
        rows = await in_thread(ctx.store.select, count_query)
        if int(rows[0]["n"] or 0) > ctx.max_graph_triples:
            raise ApiError(
                403, "Graph too large",
                f"the graph {iri} holds more than {ctx.max_graph_triples} triples, more than this node serves as "
                f"one document; query it with SPARQL at {ctx.endpoint} (GRAPH <{iri}> {{ ... }}) or use a dump",
                headers=headers, graph=iri, max_triples=ctx.max_graph_triples,
            )
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {sparql_iri(iri)} {{ ?s ?p ?o }} }}"
    else:
        labels = await in_thread(linked_labels, ctx.store, iri, max_inbound=ctx.max_inbound)
        query = description_construct(iri, max_inbound=ctx.max_inbound, labels=labels)
    result = await in_thread(ctx.store.query, query, media_type=media_type)
    return Response(result.body, media_type=_content_type(media_type), headers=headers)


async def _dereference(request: Request, kind: str) -> Response:
    ctx = context(request)
    asked = request_iri(ctx, request)
    exists = _graph_exists if kind == "graph" else _resource_exists
    what = "graph" if kind == "graph" else "resource"
    iri, forced = asked, None
    if not await in_thread(exists, ctx, asked):
        split = split_extension(asked)
        if split is None or not await in_thread(exists, ctx, split[0]):
            raise ApiError(404, "Not Found", f"this node holds no triples about the {what} {asked}",
                           headers={"Vary": "Accept"}, iri=asked)
        iri, forced = split
    media_type = forced or negotiate(request.headers.get("accept"), OFFERS)
    if media_type is None:
        raise ApiError(406, "Not Acceptable",
                       f"the {what} {iri} is available as {', '.join(OFFERS)}; none of them is acceptable "
                       f"(Accept: {request.headers.get('accept')})",
                       headers={"Vary": "Accept"}, accepted=list(OFFERS))
    return await _serve(request, iri=iri, media_type=media_type, kind=kind,
                        alternates=_alternates(iri), negotiated=forced is None)


@router.get(
    "/id/{path:path}",
    summary="Dereference a minted IRI",
    description="The description of `{base}/id/{path}`: its triples (across all graphs), those of the blank "
    "nodes it points to, the labels of linked things, and up to 200 inbound links. Content negotiation "
    "(Turtle default, N-Triples, JSON-LD, RDF/XML, HTML) or an extension `.ttl .nt .jsonld .rdf .html`.",
    response_class=Response,
    responses=_RDF_RESPONSES,
)
async def dereference_id(request: Request, path: str) -> Response:
    """Linked Data view of a minted IRI."""
    return await _dereference(request, "id")


@router.get(
    "/graph/{path:path}",
    summary="Dereference a named graph IRI",
    description="The content of the named graph `{base}/graph/{path}` (record graphs, provenance, quality, "
    "ontologies) by content negotiation or extension. Graphs larger than the node's limit are refused "
    "(403) as RDF documents; query them with SPARQL.",
    response_class=Response,
    responses={**_RDF_RESPONSES, 403: {"description": "The graph is too large to serve as one document"}},
)
async def dereference_graph(request: Request, path: str) -> Response:
    """Linked Data view of a named graph."""
    return await _dereference(request, "graph")


@router.get(
    "/describe",
    summary="Describe any IRI the node knows (DOIs, ORCIDs …)",
    description="Like `/id/...` for IRIs that are not under the node's base (PIDs such as DOI or ORCID IRIs): "
    "`/describe?iri=https://doi.org/10.1234/x`. `format` (ttl, nt, jsonld, rdf, html) overrides `Accept`.",
    response_class=Response,
    responses=_RDF_RESPONSES,
)
async def describe(
    request: Request,
    iri: str = Query(..., description="The IRI to describe"),
    format: str | None = Query(None, description="ttl | nt | jsonld | rdf | html"),
) -> Response:
    """Linked Data view of an arbitrary IRI."""
    ctx = context(request)
    if not _ABSOLUTE_IRI.match(iri):
        raise ApiError(400, "Bad Request", f"iri must be an absolute IRI (scheme:...), got {iri!r}", parameter="iri")
    forced = None
    if format is not None:
        forced = EXTENSIONS.get(format.lower())
        if forced is None:
            raise ApiError(400, "Bad Request", f"unknown format {format!r}; use one of {', '.join(EXTENSIONS)}",
                           parameter="format")
    if not await in_thread(_resource_exists, ctx, iri):
        raise ApiError(404, "Not Found", f"this node holds no triples about {iri}", headers={"Vary": "Accept"},
                       iri=iri)
    media_type = forced or negotiate(request.headers.get("accept"), OFFERS)
    if media_type is None:
        raise ApiError(406, "Not Acceptable", f"{iri} is described as {', '.join(OFFERS)}; none is acceptable",
                       headers={"Vary": "Accept"}, accepted=list(OFFERS))
    href = f"{ctx.base}/describe?" + urlencode({"iri": iri})
    return await _serve(request, iri=iri, media_type=media_type, kind="describe",
                        alternates=_alternates(iri, describe_href=href), negotiated=forced is None)


# HEAD answers like GET (Linked Data clients check links with it); kept out of the OpenAPI document
router.add_api_route("/id/{path:path}", dereference_id, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/graph/{path:path}", dereference_graph, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/describe", describe, methods=["HEAD"], include_in_schema=False)
