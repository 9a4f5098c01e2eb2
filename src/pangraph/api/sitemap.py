"""``GET /sitemap.xml``: the page of every dataset, training, software and entity, for search engines
(sitemaps.org protocol 0.9).

URLs listed: the node's HTML pages (``/`` and whichever of ``/sparql``, ``/search``, ``/quality``,
``/sources``, ``/dumps`` the app serves), one page per source (``/quality/{source}`` and ``/sources/{source}``
when served), the page of every PaNET technique the graph uses (``/technique/{id}``, when served), the main resource of every record graph (datasets, training, software, instruments …: its
Linked Data page — the IRI itself when minted under the node's base, else ``/describe?iri=…`` for DOIs and
other PIDs) with ``<lastmod>`` its newest harvest, and every other minted entity (``{base}/id/...``) of the
record graphs. Each sitemap file holds at most ``sitemap.max_urls`` URLs (the protocol's limit is 50,000);
beyond that ``/sitemap.xml`` is a sitemap index of ``/sitemap.xml?page=1 … N``.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.errors import ApiError
from pangraph.api.rdfdoc import cached
from pangraph.dumps import dumps_stamp
from pangraph.rdf import DCT, FOAF, PANET, PROV, SCHEMA

router = APIRouter()

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PROTOCOL_LIMIT = 50_000
#: HTML pages of the node listed when the app serves them
STATIC_PAGES = ("/", "/sparql", "/search", "/quality", "/sources", "/dumps")


def page_url(ctx: NodeContext, resource: str) -> str:
    """The HTML page of *resource* on this node."""
    if resource.startswith(ctx.base + "/id/"):
        return resource
    return f"{ctx.base}/describe?" + urlencode({"iri": resource})


def _served(request: Request) -> set[str]:
    """The path templates the app serves (as its OpenAPI document lists them)."""
    return set(request.app.openapi().get("paths", {}))


def sitemap_entries(ctx: NodeContext, served: set[str]) -> list[tuple[str, str | None]]:
    """Every (url, lastmod) of the sitemap, in a stable order (pages, sources, then resources by IRI)."""
    entries: list[tuple[str, str | None]] = [(ctx.base + p, None) for p in STATIC_PAGES if p in served]
    sources = [r["src"] for r in ctx.store.select(
        f"SELECT DISTINCT ?src WHERE {{ GRAPH <{ctx.provenance_graph}> {{ ?g <{DCT.raw('source')}> ?src }} }} "
        "ORDER BY ?src") if r["src"]]
    for pattern in ("/quality/{source}", "/sources/{name}"):
        if pattern in served:
            prefix = pattern.rsplit("/", 1)[0]
            entries += [(f"{ctx.base}{prefix}/{quote(s, safe='')}", None) for s in sources]
    if "/technique/{technique_id}" in served:
        rows = ctx.store.select(
            f"SELECT DISTINCT ?t WHERE {{ GRAPH ?g {{ ?s <{SCHEMA.raw('measurementTechnique')}>|<{SCHEMA.raw('about')}> ?t }} "
            f'FILTER(STRSTARTS(STR(?t), "{PANET}PaNET")) }} ORDER BY ?t')
        entries += [(f"{ctx.base}/technique/{r['t'][len(str(PANET)):]}", None) for r in rows if r["t"]]
    rows = ctx.store.select(
        f"SELECT ?e (MAX(?t) AS ?m) WHERE {{ "
        f"{{ GRAPH <{ctx.provenance_graph}> {{ ?g <{FOAF.raw('primaryTopic')}> ?e "
        f"OPTIONAL {{ ?g <{PROV.raw('generatedAtTime')}> ?t }} }} }} UNION "
        f"{{ GRAPH ?g {{ ?e ?p ?o }} FILTER(isIRI(?e) && STRSTARTS(STR(?e), \"{ctx.base}/id/\") "
        f"&& STRSTARTS(STR(?g), \"{ctx.base}/graph/record/\")) }} "
        f"FILTER(isIRI(?e)) }} GROUP BY ?e ORDER BY ?e")
    entries += [(page_url(ctx, r["e"]), r["m"]) for r in rows if r["e"]]
    return entries


def cached_entries(request: Request) -> list[tuple[str, str | None]]:
    """The entries, kept for ``server.description_cache_s`` or until the dump changes."""
    ctx = context(request)
    return cached(request, "sitemap_cache", lambda: sitemap_entries(ctx, _served(request)),
                  key=dumps_stamp(ctx.config))


def urlset(entries: list[tuple[str, str | None]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for url, lastmod in entries:
        out.append(f"<url><loc>{escape(url)}</loc>" + (f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else "")
                   + "</url>")
    out.append("</urlset>")
    return "\n".join(out) + "\n"


def sitemap_index(ctx: NodeContext, pages: int) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
    out += [f"<sitemap><loc>{escape(f'{ctx.base}/sitemap.xml?page={n}')}</loc></sitemap>" for n in range(1, pages + 1)]
    out.append("</sitemapindex>")
    return "\n".join(out) + "\n"


@router.get(
    "/sitemap.xml",
    summary="Sitemap of the node's pages",
    description="The sitemaps.org sitemap of every dataset, training, software and entity page (with `lastmod`, the "
    "newest harvest of the record describing it), the node's HTML pages and the per-source pages. At most "
    "`sitemap.max_urls` URLs per file: beyond that, `/sitemap.xml` is a sitemap index and the URLs are in "
    "`/sitemap.xml?page=1 … N`. 404 for a page beyond the last.",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}, 404: {"description": "No such sitemap page"}},
)
async def sitemap(request: Request,
                  page: int | None = Query(None, ge=1, description="Sitemap file number (when there is an index)")) -> Response:
    """The sitemap (or the sitemap index)."""
    ctx = context(request)
    size = max(1, min(PROTOCOL_LIMIT, int(ctx.config["sitemap.max_urls"])))
    entries = await in_thread(cached_entries, request)
    pages = max(1, -(-len(entries) // size))
    if page is None:
        body = urlset(entries) if pages == 1 else sitemap_index(ctx, pages)
    elif page > pages:
        raise ApiError(404, "Not Found", f"the sitemap has {pages} file(s) of at most {size} URLs; there is no page "
                       f"{page}", parameter="page", pages=pages)
    else:
        body = urlset(entries[(page - 1) * size: page * size])
    return Response(body, media_type="application/xml")


router.add_api_route("/sitemap.xml", sitemap, methods=["HEAD"], include_in_schema=False)
