"""Pages for people that are not the page of one IRI: techniques and sources.

- ``/technique/{PaNET id}`` — a PaNET class: label, synonyms (``skos:altLabel``), definition, broader and
  narrower classes (from the ontology graph ``{base}/graph/ontology/panet`` in the store, so the page shows
  the PaNET version the node loaded), and the datasets (``schema:measurementTechnique``), training and
  software (``schema:about``) of the class *and of every narrower class*, with counts;
- ``/sources`` — every source: title, kind, facility, records, datasets, last harvest, last run status;
- ``/sources/{name}`` — one source: what its records describe, its newest records, the harvest history
  (run reports from the archive) and a link to its quality page.

HTML by default, the same data as JSON with ``Accept: application/json``; 406 otherwise.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response

from pangraph import iri as iris
from pangraph import quality as qual
from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.entities import KIND_TYPES, PANET_ID, kind_of
from pangraph.api.errors import ApiError
from pangraph.api.negotiation import HTML, JSON, negotiate
from pangraph.api.pages import change_key, render, source_counts
from pangraph.api.warm import memo
from pangraph.rdf import DCT, FOAF, OWL, PANET, PROV, RDFS, SCHEMA, SKOS, iri as iri_term, literal

router = APIRouter()

_PAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {HTML: {}, JSON: {}}},
    406: {"description": "Neither HTML nor JSON is acceptable"},
}
NAMES = (DCT.raw("title"), SCHEMA.raw("name"), RDFS.raw("label"), FOAF.raw("name"))
#: the definition of a PaNET class, by preference (IAO definition, skos, rdfs:comment)
DEFINITIONS = ("http://purl.obolibrary.org/obo/IAO_0000115", SKOS.raw("definition"), RDFS.raw("comment"))


def _html_or_json(request: Request, what: str) -> str:
    chosen = negotiate(request.headers.get("accept"), (HTML, JSON))
    if chosen is None:
        raise ApiError(406, "Not Acceptable", f"{what} is available as text/html or application/json",
                       headers={"Vary": "Accept"}, accepted=[HTML, JSON])
    return chosen


def _int(value: str | None) -> int:
    return int(value) if value not in (None, "") else 0


def _names_optional(var: str, out: str) -> str:
    names = " ".join(f"<{p}>" for p in NAMES)
    return f"OPTIONAL {{ VALUES ?np_{out} {{ {names} }} {var} ?np_{out} ?{out} }}"


def _one_label(rows: list[dict[str, str | None]], key: str, label: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for r in rows:
        k = r.get(key)
        if k is not None and out.get(k) is None:
            out[k] = r.get(label)
    return out


# -- techniques ---------------------------------------------------------------------------------------------

def technique_view(ctx: NodeContext, technique_id: str, *, limit: int = 50) -> dict[str, Any] | None:
    """The page of the PaNET class *technique_id* (``PaNET01188``), or None when the node's PaNET has no
    such class. Blocking: runs queries."""
    store = ctx.store
    iri = PANET.raw(technique_id)
    term = iri_term(iri)
    panet = iris.ontology_graph(ctx.base, "panet")
    facts = store.select(f"SELECT ?p ?o WHERE {{ GRAPH <{panet}> {{ {term} ?p ?o }} }}")
    if not facts:
        return None
    by_p: dict[str, list[str]] = {}
    for r in facts:
        by_p.setdefault(r["p"] or "", []).append(r["o"] or "")
    label = (by_p.get(RDFS.raw("label")) or [technique_id])[0]
    definition = next((by_p[p][0] for p in DEFINITIONS if by_p.get(p)), None)
    sub = RDFS.raw("subClassOf")
    broader = store.select(f"""SELECT ?c ?label WHERE {{ GRAPH <{panet}> {{ {term} <{sub}> ?c . FILTER(isIRI(?c))
  OPTIONAL {{ ?c <{RDFS.raw('label')}> ?label }} }} }} ORDER BY ?label ?c""")
    narrower = store.select(f"""SELECT ?c ?label WHERE {{ GRAPH <{panet}> {{ ?c <{sub}> {term} . FILTER(isIRI(?c))
  OPTIONAL {{ ?c <{RDFS.raw('label')}> ?label }} }} }} ORDER BY ?label ?c""")
    closure = [r["c"] for r in store.select(
        f"SELECT DISTINCT ?c WHERE {{ GRAPH <{panet}> {{ ?c <{sub}>* {term} }} }}") if r["c"]]
    if iri not in closure:
        closure.append(iri)
    values = " ".join(iri_term(c) for c in closure)
    labels = {r["c"]: r["label"] for r in store.select(
        f"SELECT ?c (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?c {{ {values} }} GRAPH <{panet}> {{ ?c <{RDFS.raw('label')}> ?l }} }} GROUP BY ?c")}

    def section(predicate: str, kinds: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for k in kinds:
            types = " ".join(f"<{t}>" for t in KIND_TYPES[k])
            # a resource with two types of one kind (SoftwareSourceCode and SoftwareApplication) counts once
            count = store.select(f"""SELECT (COUNT(DISTINCT ?w) AS ?n) (COUNT(DISTINCT ?direct) AS ?d) WHERE {{
  VALUES ?t {{ {values} }} ?w <{predicate}> ?t .
  FILTER EXISTS {{ VALUES ?type {{ {types} }} ?w a ?type }}
  BIND(IF(?t = {term}, ?w, ?unbound) AS ?direct) }}""")[0]
            # the first *limit* the store finds (no ORDER BY over all of them: a broad technique has hundreds
            # of thousands of datasets), shown sorted by title; the counts above cover all of them
            rows = store.select(f"""SELECT ?w ?t ?name WHERE {{
  {{ SELECT DISTINCT ?w WHERE {{ VALUES ?t {{ {values} }} ?w <{predicate}> ?t .
     FILTER EXISTS {{ VALUES ?type {{ {types} }} ?w a ?type }} }} LIMIT {limit} }}
  VALUES ?t {{ {values} }} ?w <{predicate}> ?t .
  {_names_optional('?w', 'name')}
}} ORDER BY ?name ?w""")
            items: dict[str, dict[str, Any]] = {}
            for r in rows:
                if not r["w"]:
                    continue
                item = items.setdefault(r["w"], {"iri": r["w"], "label": None, "techniques": []})
                if item["label"] is None and r.get("name"):
                    item["label"] = r["name"]
                t = r["t"]
                if t and t not in [x["iri"] for x in item["techniques"]]:
                    item["techniques"].append({"iri": t, "label": labels.get(t), "id": t.rsplit("/", 1)[-1]})
            ordered = sorted(items.values(), key=lambda i: ((i["label"] or i["iri"]).lower(), i["iri"]))
            out[k] = {"count": _int(count["n"]), "direct": _int(count["d"]), "items": ordered[:limit]}
        return out

    datasets = section(SCHEMA.raw("measurementTechnique"), ("dataset",))
    about = section(SCHEMA.raw("about"), ("training", "software"))

    def classes(rows: list[dict[str, str | None]]) -> list[dict[str, Any]]:
        lab = _one_label(rows, "c", "label")
        return [{"iri": c, "id": c.rsplit("/", 1)[-1], "label": lab[c]} for c in lab
                if c.startswith(PANET.raw("")) and PANET_ID.match(c.rsplit("/", 1)[-1])]

    return {
        "iri": iri,
        "id": technique_id,
        "label": label,
        "synonyms": sorted(set(by_p.get(SKOS.raw("altLabel"), [])), key=str.lower),
        "definition": definition,
        "is_class": OWL.raw("Class") in by_p.get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", []),
        "broader": classes(broader),
        "narrower": classes(narrower),
        "narrower_all": len(closure) - 1,
        "datasets": datasets["dataset"],
        "training": about["training"],
        "software": about["software"],
        "limit": limit,
        "ontology_graph": panet,
    }


@router.get(
    "/technique/{technique_id}",
    summary="A PaNET technique: hierarchy, datasets, training and software",
    description="The page of one PaNET class (`/technique/PaNET01188`): its label, synonyms and definition, "
    "its broader and narrower classes (from the PaNET version loaded into the node), and the datasets measured "
    "with it (`schema:measurementTechnique`) and the training and software about it (`schema:about`) — "
    "including those of every narrower class, with total and direct counts. HTML by default; JSON with "
    "`Accept: application/json`. 400 for an identifier that is not `PaNET` + 5 digits, 404 for a class the "
    "node's PaNET does not have.",
    response_class=HTMLResponse,
    responses={**_PAGE_RESPONSES, 400: {"description": "Not a PaNET identifier"},
               404: {"description": "No such PaNET class"}},
)
async def technique_page(
    request: Request,
    technique_id: str = Path(..., description="PaNET identifier, e.g. PaNET01188 (`PaNET:PaNET01188` and the "
                             "full IRI's last segment are accepted too)"),
    limit: int = Query(50, ge=1, le=1000, description="Items listed per section"),
) -> Response:
    """The technique page (HTML) or its data (JSON)."""
    ctx = context(request)
    chosen = _html_or_json(request, "a technique page")
    tid = technique_id.removeprefix("PaNET:").removeprefix("panet:")
    if not PANET_ID.match(tid):
        raise ApiError(400, "Bad Request", f"{technique_id!r} is not a PaNET identifier: use PaNET followed by "
                       "five digits, e.g. /technique/PaNET01188", headers={"Vary": "Accept"}, parameter="technique_id")
    # its counts scan every dataset under the class (hundreds of thousands for a broad one): kept per store
    # write generation (pangraph.api.warm)
    view = await in_thread(memo(ctx.store, "technique_view").get, ctx.store, (tid, limit),
                           lambda: technique_view(ctx, tid, limit=limit))
    if view is None:
        raise ApiError(404, "Not Found", f"the PaNET loaded into this node has no class {tid} "
                       f"({PANET.raw(tid)})", headers={"Vary": "Accept"}, technique=PANET.raw(tid))
    headers = {"Vary": "Accept"}
    if chosen == JSON:
        return JSONResponse(jsonable_encoder(view), headers=headers)
    return render(request, "technique.html", headers=headers, t=view)


# -- sources ------------------------------------------------------------------------------------------------

def _source_kind(ctx: NodeContext, source: str, last_run: dict[str, Any] | None) -> str | None:
    conf = ctx.config.sources.get(source)
    if conf is not None:
        return conf.kind
    return (last_run or {}).get("kind")


def cached_sources_view(request: Request) -> list[dict[str, Any]]:
    """:func:`sources_view`, kept like the start page's figures (:func:`pangraph.api.pages.change_key`)."""
    from pangraph.api.rdfdoc import cached

    ctx = context(request)
    key = change_key(ctx)
    if key is None:
        return sources_view(ctx)
    return cached(request, "sources_cache", lambda: sources_view(ctx), key=key)


def sources_view(ctx: NodeContext) -> list[dict[str, Any]]:
    """Every source the node knows, with title, kind, facility, records, datasets, last harvest (newest
    ``prov:generatedAtTime`` of its records), last run and mean quality score. Blocking."""
    harvest = {r["source"]: r for r in source_counts(ctx)}
    out = []
    for s in qual.sources_overview(ctx):
        h = harvest.get(s["source"], {})
        out.append({
            "source": s["source"], "title": s["title"], "facility": s["facility"],
            "kind": _source_kind(ctx, s["source"], s["last_run"]),
            "records": s["records"], "conforming": s["conforming"], "mean_score": s["mean_score"],
            "datasets": h.get("datasets", 0), "last_harvested": h.get("last_harvested"),
            "last_run": s["last_run"],
        })
    return out


RUN_COLUMNS = ("id", "kind", "status", "started_at", "duration_s", "added", "updated", "unchanged", "deleted",
               "failed", "loaded", "validated", "violations", "warnings", "message")


def source_view(ctx: NodeContext, source: str, *, runs: int = 50, records: int = 25,
                overview: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One source: its row of :func:`sources_view` (or of *overview*, its cached result), what its records
    describe (main resources per kind), its newest records and its harvest history. Raises
    :class:`pangraph.quality.UnknownSourceError`."""
    qual.check_source(ctx, source)
    rows = overview if overview is not None else sources_view(ctx)
    row = next((s for s in rows if s["source"] == source), None)
    if row is None:  # known since the overview was computed
        row = next(s for s in sources_view(ctx) if s["source"] == source)
    prov = ctx.provenance_graph
    src = literal(source)
    kinds: dict[str, int] = {}
    for r in ctx.store.select(f"""SELECT ?type (COUNT(DISTINCT ?g) AS ?n) WHERE {{
  GRAPH <{prov}> {{ ?g <{DCT.raw('source')}> {src} ; <{FOAF.raw('primaryTopic')}> ?topic }}
  GRAPH ?g {{ ?topic a ?type }} }} GROUP BY ?type"""):
        k = kind_of([r["type"] or ""]) or "other"
        kinds[k] = kinds.get(k, 0) + _int(r["n"])
    rows = ctx.store.select(f"""SELECT ?g ?topic ?h ?title WHERE {{
  {{ SELECT ?g ?topic ?h WHERE {{ GRAPH <{prov}> {{ ?g <{DCT.raw('source')}> {src} .
     OPTIONAL {{ ?g <{FOAF.raw('primaryTopic')}> ?topic }} OPTIONAL {{ ?g <{PROV.raw('generatedAtTime')}> ?h }} }} }}
     ORDER BY DESC(?h) ?g LIMIT {records} }}
  OPTIONAL {{ GRAPH ?g {{ VALUES ?np {{ {" ".join(f"<{p}>" for p in NAMES)} }} ?topic ?np ?title }} }}
}} ORDER BY DESC(?h) ?g""")
    newest: dict[str, dict[str, Any]] = {}
    for r in rows:
        g = r["g"] or ""
        item = newest.setdefault(g, {"graph": g, "resource": r["topic"], "title": None, "harvested": r["h"],
                                     "quality_page": qual.record_page_path(ctx.base, g)})
        if item["title"] is None and r.get("title"):
            item["title"] = r["title"]
    history = ctx.archive.runs(source, runs) if ctx.archive is not None else []
    return {**row, "kinds": kinds, "newest": list(newest.values()), "runs": history,
            "run_columns": [c for c in RUN_COLUMNS if any(c in run for run in history)]}


@router.get(
    "/sources",
    summary="The sources of the node",
    description="Every source the node harvests or holds records of: title, kind (protocol), facility, records, "
    "datasets, the newest harvest time of its records, the status of its last run and its mean quality score, "
    "each linking to `/sources/{name}`. HTML by default; JSON with `Accept: application/json`.",
    response_class=HTMLResponse,
    responses=_PAGE_RESPONSES,
)
async def sources_page(request: Request) -> Response:
    """The source list (HTML) or its data (JSON)."""
    chosen = _html_or_json(request, "the source list")
    rows = await in_thread(cached_sources_view, request)
    headers = {"Vary": "Accept"}
    if chosen == JSON:
        return JSONResponse(jsonable_encoder({"sources": rows}), headers=headers)
    return render(request, "sources.html", headers=headers, sources=rows)


@router.get(
    "/sources/{name}",
    summary="One source: harvest history and records",
    description="One source: title, kind, facility, record and dataset counts, what its records describe (per "
    "kind), its newest records (with links to their pages and quality pages), the harvest history (run reports "
    "from the archive, newest first) and a link to `/quality/{name}`. HTML by default; JSON with "
    "`Accept: application/json`. 404 for an unknown source (the error lists the known ones).",
    response_class=HTMLResponse,
    responses={**_PAGE_RESPONSES, 404: {"description": "Unknown source"}},
)
async def source_page(
    request: Request,
    name: str = Path(..., description="Source name, as in [sources.NAME] or the provenance graph"),
    runs: int = Query(50, ge=1, le=500, description="Runs in the harvest history"),
    records: int = Query(25, ge=0, le=500, description="Newest records listed"),
) -> Response:
    """One source (HTML) or its data (JSON)."""
    ctx = context(request)
    chosen = _html_or_json(request, f"the page of source {name!r}")
    try:
        overview = await in_thread(cached_sources_view, request)
        key = change_key(ctx)
        if key is not None and (runs, records) == (50, 25):  # the page as linked: kept like the overview
            from pangraph.api.rdfdoc import cached

            view = await in_thread(cached, request, f"source_cache_{name}",
                                   lambda: source_view(ctx, name, overview=overview), key=key)
        else:
            view = await in_thread(source_view, ctx, name, runs=runs, records=records, overview=overview)
    except qual.UnknownSourceError as e:
        raise ApiError(404, "Not Found", f"this node has no source {name!r} (known sources: "
                       f"{', '.join(e.known) or 'none'})", headers={"Vary": "Accept"}, source=name,
                       known=e.known) from None
    headers = {"Vary": "Accept"}
    if chosen == JSON:
        return JSONResponse(jsonable_encoder(view), headers=headers)
    return render(request, "source.html", headers=headers, s=view)


router.add_api_route("/technique/{technique_id}", technique_page, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/sources", sources_page, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/sources/{name}", source_page, methods=["HEAD"], include_in_schema=False)
