"""Search: ``GET /api/search`` (JSON) and ``GET /search`` (the HTML page), over :mod:`pangraph.search`.

Both take the same parameters; every value is checked here and bad input is a 400 in the one error
shape, naming the parameter (``q`` is never passed to FTS5 as syntax, so no text makes a 500).
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from pangraph.api.context import context, in_thread
from pangraph.api.errors import ApiError
from pangraph.api.pages import render
from pangraph.search.engine import FACETS, IndexMissing, SearchEngine, SearchError, SearchParams
from pangraph.search.index import search_index_path

log = logging.getLogger(__name__)
router = APIRouter()
_lock = threading.Lock()

FACET_TITLES = {"kind": "Type", "facility": "Facility", "instrument": "Instrument", "technique": "Technique",
                "year": "Year", "licence": "Licence", "score": "Quality score"}
LIST_PARAMS = ("kind", "facility", "instrument", "technique", "licence")

_Q = Query("", description="Words to find (all must match; `\"a phrase\"`, `prefix*`). A technique named in the "
           "text (label, synonym or acronym such as SAXS) also finds the resources about its narrower techniques.")
_KIND = Query([], description="dataset, training or software (repeatable: all must hold)")
_FACILITY = Query([], description="Facility (publisher or provider) name, as in the facet values (repeatable)")
_INSTRUMENT = Query([], description="Instrument or beamline name, as in the facet values (repeatable)")
_TECHNIQUE = Query([], description="PaNET technique: id (PaNET01124), IRI or label; narrower techniques included "
                   "(repeatable)")
_YEAR = Query(None, description="Year (2021) or range (2019-2021, 2019-) of issue")
_LICENCE = Query([], description="Licence IRI or SPDX id (CC-BY-4.0) (repeatable)")
_MIN_SCORE = Query(None, description="Lowest quality score, 0-100")
_SORT = Query("relevance", description="relevance (bm25; newest first without q) or newest")
_PAGE = Query("1", description="Page number, from 1")
_SIZE = Query("20", description="Hits per page, 1-100")
_FACETS = Query("true", description="false leaves the facet counts out")


def engine(request: Request) -> SearchEngine:
    """The app's search engine (one per app; the PaNET index is the node's)."""
    state = request.app.state
    eng = getattr(state, "search_engine", None)
    if eng is None:
        with _lock:
            eng = getattr(state, "search_engine", None)
            if eng is None:
                from pangraph.vocab import load_techniques

                config = context(request).config
                eng = state.search_engine = SearchEngine(search_index_path(config), techniques=load_techniques(config))
    return eng


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise SearchError(name, f"{value!r} is not a whole number") from None


def _params(q: str, kind: list[str], facility: list[str], instrument: list[str], technique: list[str],
            year: str | None, licence: list[str], min_score: str | None, sort: str, page: str, size: str,
            facets: str) -> SearchParams:
    score = None
    if min_score not in (None, ""):
        try:
            score = float(min_score)  # type: ignore[arg-type]
        except ValueError:
            raise SearchError("min_score", f"{min_score!r} is not a number") from None
    if facets.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise SearchError("facets", f"{facets!r}: true or false")
    clean = lambda vs: [v for v in vs if v.strip()]  # noqa: E731 - empty form fields are no filter
    return SearchParams(q=q.strip(), kind=clean(kind), facility=clean(facility), instrument=clean(instrument),
                        technique=clean(technique), year=year or None, licence=clean(licence), min_score=score,
                        sort=sort or "relevance", page=_int("page", page), size=_int("size", size),
                        facets=facets.lower() in ("true", "1", "yes"))


async def _run(request: Request, params: SearchParams) -> dict[str, Any]:
    eng = engine(request)
    try:
        return await in_thread(eng.search, params)
    except IndexMissing:
        raise ApiError(503, "Search index unavailable",
                       "this node has no search index yet: it is built by the pipeline as records load, or by "
                       "`pangraph index --rebuild`", headers={"Retry-After": "60"}) from None


def _bad(e: SearchError) -> ApiError:
    return ApiError(400, "Invalid search parameter", f"{e.parameter}: {e.detail}", parameter=e.parameter)


@router.get(
    "/api/search",
    summary="Ranked full-text search over datasets, training and software, with facets",
    description="Full-text search (SQLite FTS5, bm25 with field weights: title, keywords, identifiers, techniques, "
    "people, instruments, facility, description) over every dataset, training resource and software package in the "
    "graph; one hit per resource even when several sources describe it. Filters narrow the hits (`technique` "
    "includes every narrower PaNET technique); `facets` gives the counts per type, facility, instrument, technique "
    "(rolled up the PaNET hierarchy), year, licence and quality score over all hits. Each hit says `why` it "
    "matched: the fields the words were found in, and the techniques through which a technique filter or a "
    "technique named in `q` reached it. 400 for a bad parameter, 503 when the node has no index yet.",
)
async def api_search(request: Request, q: str = _Q, kind: list[str] = _KIND, facility: list[str] = _FACILITY,
                     instrument: list[str] = _INSTRUMENT, technique: list[str] = _TECHNIQUE,
                     year: str | None = _YEAR, licence: list[str] = _LICENCE, min_score: str | None = _MIN_SCORE,
                     sort: str = _SORT, page: str = _PAGE, size: str = _SIZE, facets: str = _FACETS) -> Response:
    """Search as JSON."""
    try:
        params = _params(q, kind, facility, instrument, technique, year, licence, min_score, sort, page, size, facets)
        result = await _run(request, params)
    except SearchError as e:
        raise _bad(e) from None
    for h in result["hits"]:
        h.pop("snippet_html", None)
    return Response(orjson.dumps(result), media_type="application/json")


def _link(request: Request, root: str, iri: str) -> str:
    base = context(request).base
    if iri.startswith(base + "/"):
        return root + iri[len(base) + 1:]
    return root + "describe?" + urlencode({"iri": iri})


@router.get(
    "/search",
    summary="Search page",
    description="The search page (HTML): a query box, the hits with their type, snippet and why they matched, facet "
    "lists whose values are links that add the filter, and paging. Same parameters as `/api/search`.",
    response_class=HTMLResponse,
)
async def search_page(request: Request, q: str = _Q, kind: list[str] = _KIND, facility: list[str] = _FACILITY,
                      instrument: list[str] = _INSTRUMENT, technique: list[str] = _TECHNIQUE,
                      year: str | None = _YEAR, licence: list[str] = _LICENCE, min_score: str | None = _MIN_SCORE,
                      sort: str = _SORT, page: str = _PAGE, size: str = _SIZE) -> HTMLResponse:
    """Search as a page."""
    root = "./"
    current: list[tuple[str, str]] = []
    if q.strip():
        current.append(("q", q.strip()))
    for name, values in (("kind", kind), ("facility", facility), ("instrument", instrument),
                         ("technique", technique), ("licence", licence)):
        current += [(name, v) for v in values if v.strip()]
    if year:
        current.append(("year", year))
    if min_score:
        current.append(("min_score", min_score))
    if sort and sort != "relevance":
        current.append(("sort", sort))
    if size and size != "20":
        current.append(("size", size))

    def url(add: list[tuple[str, str]] = (), drop: tuple[str, str] | None = None, page_no: int | None = None) -> str:
        items = [kv for kv in current if kv != drop and not (drop and drop[0] in ("year", "min_score") and kv[0] == drop[0])]
        items += [kv for kv in add if kv not in items]
        if page_no and page_no > 1:
            items.append(("page", str(page_no)))
        return "search?" + urlencode(items) if items else "search"

    error = None
    result: dict[str, Any] | None = None
    status = 200
    try:
        params = _params(q, kind, facility, instrument, technique, year, licence, min_score, sort, page, size, "true")
        result = await _run(request, params)
    except SearchError as e:
        error, status = f"{e.parameter}: {e.detail}", 400
    facets = []
    active = []
    if result is not None:
        for name in FACETS:
            items = []
            for item in result["facets"][name]:
                value = item["value"]
                if name == "score":
                    pair = ("min_score", value.split("-")[0])
                else:
                    pair = (name, value)
                chosen = pair in current
                items.append({**item, "href": url(drop=pair) if chosen else url(add=[pair]), "chosen": chosen})
            facets.append({"name": name, "title": FACET_TITLES[name], "items": items})
        labels = {i["value"]: i["label"] for f in facets for i in f["items"]}
        for t in result["expanded_techniques"]:
            labels[t["iri"]] = t["label"] or t["iri"]
        for k, v in current:
            if k in ("q", "sort", "size"):
                continue
            shown = labels.get(v, v)
            if k == "technique":
                resolved = result["query"]["technique"]
                shown = next((t["label"] for t in result["expanded_techniques"] if t["iri"] in resolved
                              and (v in t["iri"] or v.lower() == (t["label"] or "").lower())), shown)
            active.append({"name": FACET_TITLES.get(k, k), "value": shown, "href": url(drop=(k, v))})
        for h in result["hits"]:
            h["href"] = _link(request, root, h["iri"])
    pages = {}
    if result is not None and result["pages"] > 1:
        n = result["page"]
        pages = {"prev": url(page_no=n - 1) if n > 1 else None,
                 "next": url(page_no=n + 1) if n < result["pages"] and n * result["size"] < 10_000 else None}
    return render(request, "search.html", status_code=status, q=q.strip(), result=result, error=error,
                  facets=facets, active=active, pages=pages, sort=sort, hidden=[kv for kv in current
                                                                                if kv[0] not in ("q", "sort")])


def warm_up(app: Any, techniques: Any, *, background: bool = True) -> SearchEngine:
    """Give *app* its search engine with the node's PaNET index and build the facet snapshot now (in a
    background thread), so that the first search does not wait for it (``pangraph serve`` calls this)."""
    config = app.state.ctx.config
    eng = app.state.search_engine = SearchEngine(search_index_path(config), techniques=techniques)

    def load() -> None:
        try:
            eng.snapshot()
        except Exception as e:  # noqa: BLE001 - no index yet, or unreadable: the first search reports it
            log.info("search snapshot not preloaded: %s", e)

    if background:
        threading.Thread(target=load, name="search-warm-up", daemon=True).start()
    else:
        load()
    return eng
