"""HTML pages of the node: the template environment, the landing page and what it summarises, and the
curator's quality pages.

Every figure on the landing page comes from a SPARQL query over the store (or from the run archive);
``GET /`` answers HTML or, with ``Accept: application/json``, the same summary as JSON.

Quality pages (data from :mod:`pangraph.quality`; HTML, or JSON with ``Accept: application/json``):

- ``/quality`` — every source: records, conforming, violations, mean score, last run;
- ``/quality/{source}`` — one source: score overall and per dimension, distribution of record scores, the
  "fix these first" list, the trend across runs, the lowest-scoring records;
- ``/quality/{source}/{key}`` — one record: the quality of the record graph ``{base}/graph/record/{source}/{key}``
  (same source and key), its results with the failing value and the shape's message, scores, profiles.

These are pages (documents about the data), not minted IRIs: the record graph stays the IRI of the record.
"""

from __future__ import annotations

from typing import Any, Hashable, Mapping
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response

from pangraph import iri as iris
from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.entities import KIND_TYPES, page_href, panet_id
from pangraph.api.errors import ApiError
from pangraph.api.negotiation import HTML, JSON, negotiate
from pangraph import quality as qual
from pangraph.quality_score import default_dimensions
from pangraph.rdf import PANET, PREFIXES, SCHEMA, iri as iri_term, literal as literal_term, sparql_prefixes
from pangraph.validate.profiles import PROFILE_IRI_BASE

router = APIRouter()


# -- templates -----------------------------------------------------------------------------------------

def compact(value: str) -> str:
    """``dct:title`` for ``http://purl.org/dc/terms/title``; the IRI itself when no prefix fits."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if value.startswith(ns) and len(ns) > len(best):
            best, name = ns, prefix
    if best:
        local = value[len(best):]
        if local and all(c.isalnum() or c in "_-." for c in local):
            return f"{name}:{local}"
    return value


def compact_shape(value: str) -> str:
    """``pan-dataset:Dataset-title`` for a shape of a pangraph profile (``https://w3id.org/pangraph/shapes/
    pan-dataset#Dataset-title``); :func:`compact` otherwise."""
    if value.startswith(PROFILE_IRI_BASE) and "#" in value:
        name, local = value[len(PROFILE_IRI_BASE):].split("#", 1)
        return f"{name}:{local}"
    return compact(value)


def template_environment() -> jinja2.Environment:
    """The Jinja environment of the app's templates (``pangraph/api/templates``), HTML-escaped."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pangraph.api", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["compact"] = compact
    env.filters["shape"] = compact_shape
    env.filters["querystring"] = lambda params: urlencode(params)
    env.filters["page"] = page_href  # where a person follows an IRI on this node (technique, describe …)
    return env


def root_prefix(path: str) -> str:
    """The relative reference from the page at *path* to the app root (``./``, ``../../``).

    Pages link to ``static/``, ``sparql`` … relatively, so that they work both at the app root and
    behind a proxy that serves the node under a path prefix (a base such as ``https://host/kg``).
    """
    depth = path.count("/") - 1
    return "../" * depth if depth > 0 else "./"


def render(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **data: Any,
) -> HTMLResponse:
    """Render *template* with *data*, the node's title and the relative root of the page."""
    ctx: NodeContext = context(request)
    page = ctx.templates.get_template(template).render(
        root=root_prefix(request.url.path),
        node_title=ctx.config["node.title"],
        base=ctx.base,
        **data,
    )
    return HTMLResponse(page, status_code=status_code, headers=dict(headers or {}))


# -- the landing page -------------------------------------------------------------------------------------

EXAMPLE_QUERIES: tuple[tuple[str, str], ...] = (
    (
        "Datasets per experimental technique (PaNET)",
        sparql_prefixes(["schema", "rdfs"])
        + "SELECT ?technique (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?dataset) AS ?datasets) WHERE {\n"
        "  ?dataset schema:measurementTechnique ?technique .\n"
        "  OPTIONAL { ?technique rdfs:label ?l }\n"
        "}\nGROUP BY ?technique\nORDER BY DESC(?datasets)\nLIMIT 20\n",
    ),
    (
        "The 20 most recently issued datasets",
        sparql_prefixes(["dcat", "dct"])
        + "SELECT ?dataset ?title ?issued WHERE {\n"
        "  ?dataset a dcat:Dataset ; dct:issued ?issued .\n"
        "  OPTIONAL { ?dataset dct:title ?title }\n"
        "}\nORDER BY DESC(?issued)\nLIMIT 20\n",
    ),
    (
        "Where each record graph comes from (provenance)",
        sparql_prefixes(["prov", "dct", "foaf"])
        + "SELECT ?graph ?source ?record ?harvested ?dataset WHERE {\n"
        "  ?graph a prov:Entity ; dct:source ?source ; dct:identifier ?record .\n"
        "  OPTIONAL { ?graph prov:generatedAtTime ?harvested }\n"
        "  OPTIONAL { ?graph foaf:primaryTopic ?dataset }\n"
        "}\nORDER BY DESC(?harvested)\nLIMIT 20\n",
    ),
)

SEVERITIES = ("Violation", "Warning", "Info")
TYPE_PLURALS = {"dataset": "Datasets", "training": "Training resources", "software": "Software",
                "instrument": "Instruments", "person": "People", "organization": "Organisations",
                "technique": "Techniques"}
SCHEMA_NS = SCHEMA.raw("")
PANET_NS = PANET.raw("")


def _int(value: str | None) -> int:
    return int(value) if value not in (None, "") else 0


def landing_summary(ctx: NodeContext, *, runs_limit: int = 5) -> dict[str, Any]:
    """What the node holds, from SPARQL queries over the store (blocking; run it in a thread).

    Keys: ``node`` (title, description, base, publisher, extra ``info`` from ``node_info``),
    ``store`` (quads, named graphs, record graphs, datasets), ``sources`` (records/datasets per
    source, from the provenance graph), ``facilities`` (per the sources' configured facility),
    ``techniques`` (top 10 by datasets, PaNET labels from the ontology graph), ``validation``
    (reports, conforming, results per severity, from the quality graph), ``runs`` (archive),
    ``links`` and ``examples`` (3 example queries with the link that runs each), ``types`` (datasets,
    instruments, people … techniques: :func:`type_counts`), ``publishers`` (datasets per facility as the
    publishers name themselves) and ``newest`` (the most recently issued datasets, linking to their pages).
    """
    store = ctx.store
    base = ctx.base
    quality = ctx.quality_graph
    panet = iris.ontology_graph(base, "panet")
    p = sparql_prefixes(["rdf", "rdfs", "dct", "dcat", "foaf", "prov", "schema", "sh"])

    graphs = store.select(
        "SELECT (COUNT(?g) AS ?graphs) (SUM(IF(STRSTARTS(STR(?g), "
        f'"{base}/graph/record/"), 1, 0)) AS ?records) WHERE {{ GRAPH ?g {{}} }}'
    )[0]
    datasets = store.select(p + "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a dcat:Dataset }")[0]["n"]

    sources = source_counts(ctx)
    for s in sources:
        conf = ctx.config.sources.get(s["source"])
        s["title"] = (conf.title if conf else None) or s["source"]
        s["facility"] = conf.facility if conf else None

    facilities: dict[str, dict[str, Any]] = {}
    for s in sources:
        if s["facility"]:
            f = facilities.setdefault(s["facility"], {"facility": s["facility"], "sources": [], "datasets": 0})
            f["sources"].append(s["source"])
            f["datasets"] += s["datasets"]

    techniques = [
        {"technique": row["t"], "label": row["label"], "datasets": _int(row["n"])}
        for row in store.select(
            p
            + "SELECT ?t ?n (SAMPLE(?l) AS ?label) WHERE {\n"
            "  { SELECT ?t (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d schema:measurementTechnique ?t }\n"
            "    GROUP BY ?t ORDER BY DESC(?n) STR(?t) LIMIT 10 }\n"
            f"  OPTIONAL {{ GRAPH <{panet}> {{ ?t rdfs:label ?l }} }}\n"
            "} GROUP BY ?t ?n ORDER BY DESC(?n) STR(?t)"
        )
    ]

    conformance = {
        row["c"]: _int(row["n"])
        for row in store.select(
            p + f"SELECT ?c (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH <{quality}> {{ "
            "?r a sh:ValidationReport ; sh:conforms ?c } } GROUP BY ?c"
        )
    }
    severities: dict[str, int] = {}
    for row in store.select(
        p + f"SELECT ?sev (COUNT(DISTINCT ?res) AS ?n) WHERE {{ GRAPH <{quality}> {{ "
        "?res sh:resultSeverity ?sev } } GROUP BY ?sev"
    ):
        name = compact(row["sev"] or "").removeprefix("sh:")
        severities[name] = severities.get(name, 0) + _int(row["n"])
    validation = {
        "reports": sum(conformance.values()),
        "conforming": conformance.get("true", 0),
        "not_conforming": conformance.get("false", 0),
        "results": {**{s: 0 for s in SEVERITIES}, **severities},
    }

    runs = ctx.archive.runs(None, runs_limit) if ctx.archive is not None else []
    info = dict(ctx.node_info()) if ctx.node_info is not None else {}
    for s in sources:
        s["page"] = f"sources/{s['source']}"
    for t in techniques:
        t["id"] = panet_id(t["technique"] or "")
    return {
        "node": {
            "title": ctx.config["node.title"],
            "description": ctx.config["node.description"],
            "base": base,
            "publisher": ctx.config["node.publisher"] or None,
            "info": info,
        },
        "store": {
            "quads": store.count_quads(),
            "named_graphs": _int(graphs["graphs"]),
            "record_graphs": _int(graphs["records"]),
            "datasets": _int(datasets),
        },
        "sources": sources,
        "facilities": list(facilities.values()),
        "techniques": techniques,
        "validation": validation,
        "runs": runs,
        "links": {
            "sparql": f"{base}/sparql",
            "docs": f"{base}/docs",
            "openapi": f"{base}/openapi.json",
            "health": f"{base}/health",
            "runs": f"{base}/api/runs",
            "quality": f"{base}/quality",
            "sources": f"{base}/sources",
        },
        "examples": [
            {"title": title, "query": query, "href": f"{base}/sparql?" + urlencode({"query": query})}
            for title, query in EXAMPLE_QUERIES
        ],
        "types": type_counts(ctx),
        "publishers": publisher_counts(ctx),
        "newest": newest_datasets(ctx),
    }


def source_counts(ctx: NodeContext) -> list[dict[str, Any]]:
    """Per source (from the provenance graph): record graphs, datasets among their main resources, newest harvest.

    A dataset counts when its own record graph types it ``dcat:Dataset`` (``GRAPH ?g``): a join with the union
    default graph would meet every copy of the statement that other records make."""
    prov = ctx.provenance_graph
    p = sparql_prefixes(["dct", "dcat", "foaf", "prov"])
    rows = ctx.store.select(
        p + "SELECT ?source (COUNT(DISTINCT ?g) AS ?records) (MAX(?h) AS ?harvested) WHERE {\n"
        f"  GRAPH <{prov}> {{ ?g dct:source ?source . OPTIONAL {{ ?g prov:generatedAtTime ?h }} }}\n"
        "} GROUP BY ?source ORDER BY ?source")
    datasets = {r["source"]: _int(r["n"]) for r in ctx.store.select(
        p + "SELECT ?source (COUNT(DISTINCT ?topic) AS ?n) WHERE {\n"
        f"  GRAPH <{prov}> {{ ?g dct:source ?source ; foaf:primaryTopic ?topic }}\n"
        "  GRAPH ?g { ?topic a dcat:Dataset }\n} GROUP BY ?source")}
    return [{"source": r["source"], "records": _int(r["records"]), "datasets": datasets.get(r["source"], 0),
             "last_harvested": r["harvested"]} for r in rows if r["source"] is not None]


def type_counts(ctx: NodeContext) -> list[dict[str, Any]]:
    """How many datasets, instruments, people, organisations, training resources and software the node
    describes (distinct resources of the :data:`pangraph.api.entities.KIND_TYPES` types), and how many
    PaNET techniques its datasets, training and software name."""
    out = []
    for kind, types in KIND_TYPES.items():
        values = " ".join(f"<{t}>" for t in types)
        n = ctx.store.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?t {{ {values} }} ?s a ?t }}")[0]["n"]
        out.append({"kind": kind, "label": TYPE_PLURALS[kind], "count": _int(n)})
    n = ctx.store.select(
        f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ VALUES ?p {{ <{SCHEMA_NS}measurementTechnique> <{SCHEMA_NS}about> }} "
        f"?s ?p ?t FILTER(STRSTARTS(STR(?t), \"{PANET_NS}\")) }}")[0]["n"]
    out.append({"kind": "technique", "label": TYPE_PLURALS["technique"], "count": _int(n)})
    return out


def publisher_counts(ctx: NodeContext, *, limit: int = 20) -> list[dict[str, Any]]:
    """Datasets per facility, as their publishers name themselves (``dct:publisher``/``foaf:name``, one name
    however many sources mint an IRI for it), most datasets first.

    The names are read per publisher with a LIMIT (every record states its publisher's name: the union
    default graph holds as many copies as records), then given to the count as data."""
    p = sparql_prefixes(["dct", "dcat", "foaf"])
    publishers = [r["p"] for r in ctx.store.select(
        p + "SELECT DISTINCT ?p WHERE { ?d dct:publisher ?p FILTER(isIRI(?p)) }") if r["p"]]
    names: set[tuple[str, str]] = set()
    for i in range(0, len(publishers), 100):
        parts = [f"{{ SELECT ?p ?name WHERE {{ BIND({iri_term(x)} AS ?p) {iri_term(x)} foaf:name ?n "
                 f"BIND(STR(?n) AS ?name) }} LIMIT 8 }}" for x in publishers[i:i + 100]]
        names |= {(r["p"], r["name"]) for r in ctx.store.select(p + "SELECT ?p ?name WHERE { "
                                                                  + " UNION ".join(parts) + " }")
                  if r["p"] and r["name"]}
    if not names:
        return []
    values = " ".join(f"({iri_term(x)} {literal_term(n)})" for x, n in sorted(names))
    rows = ctx.store.select(
        p + "SELECT ?facility (COUNT(DISTINCT ?d) AS ?n) WHERE {\n"
        f"  VALUES (?p ?facility) {{ {values} }}\n  ?d dct:publisher ?p . ?d a dcat:Dataset\n"
        f"}} GROUP BY ?facility ORDER BY DESC(?n) ?facility LIMIT {limit}")
    return [{"facility": r["facility"], "datasets": _int(r["n"])} for r in rows if r["facility"]]


def newest_datasets(ctx: NodeContext, *, limit: int = 8) -> list[dict[str, Any]]:
    """The most recently issued datasets (``dct:issued``) with their title, for the start page. One sort of
    the issue dates (no grouping: DESIGN §8), then the titles of the few chosen, each read with a LIMIT."""
    p = sparql_prefixes(["dct", "dcat"])
    rows = ctx.store.select(
        p + "SELECT ?d (STR(?i) AS ?issued) WHERE { ?d dct:issued ?i . ?d a dcat:Dataset }\n"
        f"ORDER BY DESC(STR(?i)) ?d LIMIT {limit * 4}")
    chosen: dict[str, str] = {}
    for r in rows:
        if r["d"] and r["d"] not in chosen:
            chosen[r["d"]] = r["issued"] or ""
    if not chosen:
        return []
    parts = [f"{{ SELECT ?d ?title WHERE {{ BIND({iri_term(d)} AS ?d) {iri_term(d)} dct:title ?t "
             "BIND(STR(?t) AS ?title) } LIMIT 4 }" for d in chosen]
    titles: dict[str, str] = {}
    for r in ctx.store.select(p + "SELECT ?d ?title WHERE { " + " UNION ".join(parts) + " }"):
        if r["d"] and r["title"]:
            titles.setdefault(r["d"], r["title"])
    return [{"iri": d, "title": titles[d], "issued": issued} for d, issued in chosen.items() if d in titles][:limit]


def cached_landing_summary(request: Request) -> dict[str, Any]:
    """:func:`landing_summary`, computed again when the store or the run archive has changed (a write bumps
    the store's ``generation``; a run adds a report), else kept for ``server.description_cache_s`` seconds:
    its counts scan the store. When only the time has run out, the kept page is served while one background
    thread computes it again (:func:`pangraph.api.warm.kept`); ``pangraph serve`` computes it at start."""
    from pangraph.api.warm import kept

    ctx: NodeContext = context(request)
    key = change_key(ctx)
    if key is None:
        return landing_summary(ctx)  # a store that cannot tell when it changed: always fresh
    return kept(request.app.state, "landing_cache", lambda: landing_summary(ctx), key=key,
                ttl=float(ctx.config["server.description_cache_s"]))


def change_key(ctx: NodeContext) -> Hashable | None:
    """What changes when the figures of the start and source pages may have changed: the store's write
    ``generation`` and the newest run report; None for a store without a generation counter."""
    generation = getattr(ctx.store, "generation", None)
    if generation is None:
        return None
    newest_run = ctx.archive.runs(None, 1) if ctx.archive is not None else []
    run = tuple(sorted((k, str(v)) for k, v in newest_run[0].items() if k in ("id", "status", "finished_at"))) \
        if newest_run else None
    return (id(ctx.store), generation, run)


RUN_COLUMNS = ("source", "kind", "status", "started_at", "duration_s", "added", "updated", "unchanged",
               "deleted", "failed", "loaded", "nonconforming", "validated", "violations", "warnings")


def run_columns(runs: list[dict[str, Any]]) -> list[str]:
    """The columns of the run table people read: the counts and timing of :data:`RUN_COLUMNS` that
    the reports carry (the JSON at /api/runs has everything)."""
    present = {k for run in runs for k in run}
    return [c for c in RUN_COLUMNS if c in present]


@router.get(
    "/",
    summary="Landing page: what the node holds",
    description="Node title and description, number of quads and record graphs, what the node describes "
    "(datasets, training, software, instruments, people, organisations, techniques), datasets per source and "
    "facility, top experimental techniques (PaNET, linking to their technique pages), the newest datasets, the "
    "validation summary, the last harvest runs, and example queries. HTML by default; JSON with "
    "`Accept: application/json`. Kept for `server.description_cache_s` unless the store or the run archive changes.",
    response_class=HTMLResponse,
    responses={200: {"content": {HTML: {}, JSON: {}}}, 406: {"description": "Neither HTML nor JSON is acceptable"}},
)
async def landing(request: Request) -> Response:
    """The landing page (HTML) or its data (JSON)."""
    chosen = negotiate(request.headers.get("accept"), (HTML, JSON))
    if chosen is None:
        raise ApiError(406, "Not Acceptable", "the landing page is available as text/html or application/json",
                       headers={"Vary": "Accept"}, accepted=[HTML, JSON])
    summary = await in_thread(cached_landing_summary, request)
    headers = {"Vary": "Accept"}
    if chosen == JSON:
        return JSONResponse(jsonable_encoder(summary), headers=headers)
    return render(request, "landing.html", headers=headers, s=summary, run_cols=run_columns(summary["runs"]))


# HEAD answers like GET (Linked Data clients check links with it); kept out of the OpenAPI document
router.add_api_route("/", landing, methods=["HEAD"], include_in_schema=False)


# -- quality pages ------------------------------------------------------------------------------------------

_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {HTML: {}, JSON: {}}},
    406: {"description": "Neither HTML nor JSON is acceptable"},
}


def _html_or_json(request: Request, what: str) -> str:
    chosen = negotiate(request.headers.get("accept"), (HTML, JSON))
    if chosen is None:
        raise ApiError(406, "Not Acceptable", f"{what} is available as text/html or application/json",
                       headers={"Vary": "Accept"}, accepted=[HTML, JSON])
    return chosen


@router.get(
    "/quality",
    summary="Quality per source",
    description="Every source of the node with its validated records, how many conform, how many have "
    "violations, results per severity, the mean quality score (0–100) and the last run. Each links to "
    "`/quality/{source}`. HTML by default; JSON with `Accept: application/json`.",
    response_class=HTMLResponse,
    responses=_PAGE_RESPONSES,
)
async def quality_index(request: Request) -> Response:
    """The quality index (HTML) or its data (JSON)."""
    ctx = context(request)
    chosen = _html_or_json(request, "the quality index")
    sources = await in_thread(qual.sources_overview, ctx)
    headers = {"Vary": "Accept"}
    version = default_dimensions().version
    if chosen == JSON:
        return JSONResponse(jsonable_encoder({"scoring_version": version, "sources": sources}), headers=headers)
    return render(request, "quality_index.html", headers=headers, sources=sources, version=version)


@router.get(
    "/quality/{source}",
    summary="Quality of one source",
    description="The quality of one source's records: records, conformance and results per severity; the mean "
    "score overall and per dimension (findability, accessibility, interoperability, reusability, "
    "contextuality); the distribution of record scores in 10-point buckets; the \"fix these first\" list "
    "(constraint failures ranked by records affected × score points each costs); the trend across runs "
    "(figures recorded in the run reports); the lowest-scoring records with links to their pages. "
    "HTML by default; JSON with `Accept: application/json`. 404 for an unknown source (the error lists the "
    "known ones).",
    response_class=HTMLResponse,
    responses={**_PAGE_RESPONSES, 404: {"description": "Unknown source"}},
)
async def quality_of_source(
    request: Request,
    source: str = Path(..., description="Source name, as in [sources.NAME] or the provenance graph"),
    top: int = Query(15, ge=1, le=500, description="Entries of the fix-first list"),
    runs: int = Query(20, ge=1, le=500, description="Runs in the trend"),
    lowest: int = Query(20, ge=0, le=500, description="Lowest-scoring records listed"),
) -> Response:
    """The quality page of one source (HTML) or its data (JSON)."""
    ctx = context(request)
    chosen = _html_or_json(request, f"the quality of source {source!r}")
    try:
        q = await in_thread(qual.source_quality, ctx, source, top=top, runs=runs, lowest=lowest)
    except qual.UnknownSourceError as e:
        raise ApiError(404, "Not Found", f"this node has no source {source!r} (known sources: "
                       f"{', '.join(e.known) or 'none'})", headers={"Vary": "Accept"}, source=source,
                       known=e.known) from None
    headers = {"Vary": "Accept"}
    if chosen == JSON:
        return JSONResponse(jsonable_encoder(q.as_dict()), headers=headers)
    return render(request, "quality_source.html", headers=headers, q=q, spark=q.sparkline())


@router.get(
    "/quality/{source}/{key}",
    summary="Quality of one record",
    description="The stored validation report and quality scores of the record graph "
    "`{base}/graph/record/{source}/{key}`: conformance, the profiles (and versions) it was checked "
    "against, every result with its severity, the shape's message, the path and the value that failed, "
    "crosswalk notes, the score per dimension and the indicators it misses. HTML by default; JSON with "
    "`Accept: application/json`. 404 when the node has no such record graph.",
    response_class=HTMLResponse,
    responses={**_PAGE_RESPONSES, 404: {"description": "Unknown record"}},
)
async def quality_of_record(
    request: Request,
    source: str = Path(..., description="Source name"),
    key: str = Path(..., description="Local key of the record (the last segment of its record graph IRI)"),
) -> Response:
    """The quality page of one record (HTML) or its data (JSON)."""
    ctx = context(request)
    chosen = _html_or_json(request, "the quality of a record")
    graph = iris.record_graph(ctx.base, source, key)
    r = await in_thread(qual.record_quality, ctx, graph)
    if r is None:
        raise ApiError(404, "Not Found", f"this node has no record graph {graph} (source {source!r}, key "
                       f"{key!r}); the quality page of a record is /quality/{{source}}/{{key}} for the record "
                       "graph {base}/graph/record/{source}/{key}", headers={"Vary": "Accept"}, graph=graph,
                       source=source)
    headers = {"Vary": "Accept"}
    if chosen == JSON:
        return JSONResponse(jsonable_encoder(r.as_dict()), headers=headers)
    return render(request, "quality_record.html", headers=headers, r=r)


router.add_api_route("/quality", quality_index, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/quality/{source}", quality_of_source, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/quality/{source}/{key}", quality_of_record, methods=["HEAD"], include_in_schema=False)
