"""``GET /catalog``: the node as a DCAT-AP 3 ``dcat:Catalog``, paged with a Hydra ``PartialCollectionView``.

Each page carries the catalogue's own description (title, description, publisher, homepage, links to the
VoID description and the SPARQL endpoint), ``dcat:dataset`` links to the datasets of the page and the descriptions of
those datasets, so that a harvester (data.europa.eu, CKAN's DCAT harvester …) gets everything it needs page
by page, and the page conforms to the official DCAT-AP 3.0.1 shapes.

The datasets of the catalogue are the ``dcat:Dataset`` main resources of the record graphs (``foaf:primaryTopic``
in the provenance graph), ordered by IRI. A dataset that several sources describe (one DOI, two record
graphs) is described on the page by one record graph — the most recently harvested one (ties: the smaller
graph IRI) — because the union of two sources' descriptions can break DCAT-AP's "at most one" constraints
(two issue dates); every description stays available through SPARQL and Linked Data (``/describe?iri=``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.errors import ApiError
from pangraph.api.rdfdoc import RDF_RESPONSES, cached, choose_media_type, rdf_response
from pangraph.dumps import dumps_stamp
from pangraph.rdf import DCAT, DCT, FOAF, PROV, RDF, RDFS, XSD, Namespace, iri, literal, ntriples

router = APIRouter()

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCAT_AP_3 = "http://data.europa.eu/r5r/"


@dataclass(frozen=True)
class CatalogPage:
    """One page of the catalogue: the page's N-Triples, its number, the number of pages and datasets."""

    ntriples: str
    page: int
    pages: int
    total: int
    datasets: tuple[str, ...]


def catalog_iri(ctx: NodeContext) -> str:
    return ctx.base + "/catalog"


def page_iri(ctx: NodeContext, page: int) -> str:
    return f"{catalog_iri(ctx)}?page={page}"


def publisher_iri(ctx: NodeContext) -> str:
    """``node.publisher`` when set, else ``{base}/catalog#publisher``."""
    return ctx.config["node.publisher"].strip() or catalog_iri(ctx) + "#publisher"


def _datasets_where(ctx: NodeContext) -> str:
    return (f"GRAPH <{ctx.provenance_graph}> {{ ?g <{FOAF.raw('primaryTopic')}> ?d }} "
            f"GRAPH ?g {{ ?d a <{DCAT.raw('Dataset')}> }}")


def dataset_order(ctx: NodeContext) -> list[str]:
    """Every dataset of the catalogue, sorted by IRI (sorted here: Oxigraph's ORDER BY over every dataset
    costs more than the query itself)."""
    rows = ctx.store.select(f"SELECT DISTINCT ?d WHERE {{ {_datasets_where(ctx)} FILTER(isIRI(?d)) }}")
    return sorted(r["d"] for r in rows if r["d"])


def describing_graphs(ctx: NodeContext, datasets: list[str]) -> dict[str, str]:
    """dataset → the record graph that describes it on the catalogue page (newest harvest, then smallest IRI)."""
    if not datasets:
        return {}
    values = " ".join(iri(d) for d in datasets)
    rows = ctx.store.select(
        f"SELECT ?d ?g ?t WHERE {{ VALUES ?d {{ {values} }} GRAPH <{ctx.provenance_graph}> {{ "
        f"?g <{FOAF.raw('primaryTopic')}> ?d OPTIONAL {{ ?g <{PROV.raw('generatedAtTime')}> ?t }} }} "
        f"GRAPH ?g {{ ?d a <{DCAT.raw('Dataset')}> }} }}")
    candidates: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        if r["d"] and r["g"]:
            candidates.setdefault(r["d"], []).append((r["g"], r["t"] or ""))
    chosen: dict[str, str] = {}
    for d, cands in candidates.items():
        newest = max(t for _, t in cands)
        chosen[d] = min(g for g, t in cands if t == newest)
    return chosen


_BYTE_SIZE = re.compile(
    r'^(\S+ <http://www\.w3\.org/ns/dcat#byteSize> "\+?(\d+)")\^\^<http://www\.w3\.org/2001/XMLSchema#integer>( \.)$',
    re.MULTILINE)


def restore_datatypes(ntriples_text: str) -> str:
    """Oxigraph canonicalises ``xsd:nonNegativeInteger`` to ``xsd:integer`` on the way into the store (and in
    query results; DESIGN.md §8): ``dcat:byteSize`` gets its DCAT datatype back, so that the page passes
    DCAT-AP's datatype check as the record did before it was loaded."""
    return _BYTE_SIZE.sub(r"\1^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>\3", ntriples_text)


def description_query(graph_values: str) -> str:
    """CONSTRUCT of the content of the record graphs *graph_values* (``<g1> <g2> …``)."""
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {graph_values} }} GRAPH ?g {{ ?s ?p ?o }} }}"


def last_modified(ctx: NodeContext) -> str | None:
    rows = ctx.store.select(f"SELECT (MAX(?t) AS ?m) WHERE {{ GRAPH <{ctx.provenance_graph}> "
                            f"{{ ?g <{PROV.raw('generatedAtTime')}> ?t }} }}")
    return rows[0]["m"] if rows and rows[0]["m"] else None


def catalog_description(ctx: NodeContext, *, modified: str | None) -> list[tuple[str, str, str]]:
    """The catalogue's own triples (no datasets, no paging)."""
    cat = iri(catalog_iri(ctx))
    pub = iri(publisher_iri(ctx))
    home = iri(ctx.base + "/")
    service = iri(ctx.endpoint)
    name = ctx.config["node.publisher_name"].strip() or ctx.config["node.title"]
    triples = [
        (cat, RDF.type, DCAT.Catalog),
        (cat, RDF.type, HYDRA.Collection),
        (cat, DCT.title, literal(ctx.config["node.title"], lang="en")),
        (cat, DCT.description, literal(ctx.config["node.description"], lang="en")),
        (cat, DCT.publisher, pub),
        (pub, RDF.type, FOAF.Agent),
        (pub, FOAF.name, literal(name)),
        (cat, FOAF.homepage, home),
        (home, RDF.type, FOAF.Document),
        (cat, DCT.conformsTo, iri(DCAT_AP_3)),
        (iri(DCAT_AP_3), RDF.type, DCT.Standard),
        # the SPARQL endpoint and the dumps are described by VoID (not as dcat:DataService: the official
        # DCAT-AP 3.0.1 shapes reference an undefined property shape of dcat:DataServiceShape, which makes
        # any dcat:DataService unvalidatable with pySHACL)
        (cat, RDFS.seeAlso, iri(ctx.base + "/.well-known/void")),
        (cat, RDFS.seeAlso, service),
    ]
    if modified:
        triples.append((cat, DCT.modified, literal(modified, datatype=XSD.raw("dateTime"))))
    return triples


def build_page(ctx: NodeContext, page: int, page_size: int, *, order: list[str] | None = None,
               modified: str | None = None) -> CatalogPage:
    """Page *page* (1-based) of the catalogue; 404 beyond the last page (page 1 always exists). *order* (the
    sorted datasets, :func:`dataset_order`) and *modified* (:func:`last_modified`) are computed when not given."""
    if order is None:
        order, modified = dataset_order(ctx), last_modified(ctx)
    total = len(order)
    pages = max(1, -(-total // page_size))
    if page > pages:
        raise ApiError(404, "Not Found", f"the catalogue has {pages} page(s) of {page_size} datasets; there is no "
                       f"page {page}", parameter="page", pages=pages)
    datasets = order[(page - 1) * page_size: page * page_size]
    graphs = describing_graphs(ctx, datasets)
    # a dataset deleted since the order was computed (rdfdoc.cached) is left out: no link without a description
    datasets = [d for d in datasets if d in graphs]
    cat = iri(catalog_iri(ctx))
    view = iri(page_iri(ctx, page))
    triples = catalog_description(ctx, modified=modified)
    triples += [
        (cat, HYDRA.totalItems, literal(str(total), datatype=XSD.raw("integer"))),
        (cat, HYDRA.view, view),
        (view, RDF.type, HYDRA.PartialCollectionView),
        (view, HYDRA.first, iri(page_iri(ctx, 1))),
        (view, HYDRA.last, iri(page_iri(ctx, pages))),
    ]
    if page > 1:
        triples.append((view, HYDRA.previous, iri(page_iri(ctx, page - 1))))
    if page < pages:
        triples.append((view, HYDRA.next, iri(page_iri(ctx, page + 1))))
    triples += [(cat, DCAT.dataset, iri(d)) for d in datasets]
    text = ntriples(triples)
    if graphs:
        values = " ".join(iri(g) for g in sorted(set(graphs.values())))
        text += restore_datatypes(ctx.store.construct_ntriples(description_query(values)))
    return CatalogPage(ntriples=text, page=page, pages=pages, total=total, datasets=tuple(datasets))


@router.get(
    "/catalog",
    summary="The node as a DCAT-AP 3 catalogue (paged)",
    description="The node as a `dcat:Catalog` conforming to DCAT-AP 3.0.1: title, description, publisher, homepage, "
    "`rdfs:seeAlso` the VoID description and the SPARQL endpoint, `dcat:dataset` links to the datasets of the page **and their "
    "descriptions**. Paged with a Hydra `PartialCollectionView` (`hydra:first`, `next`, `previous`, `last`, "
    "`hydra:totalItems` on the catalogue); `page` is 1-based, `catalog.page_size` datasets per page. Content "
    "negotiation: Turtle (default), JSON-LD, RDF/XML, N-Triples, or `format=ttl|jsonld|rdf|nt`. 404 beyond the "
    "last page.",
    response_class=Response,
    responses={**RDF_RESPONSES, 404: {"description": "No such page"}},
)
async def catalog(
    request: Request,
    page: int = Query(1, ge=1, description="Page number, from 1"),
    format: str | None = Query(None, description="ttl | jsonld | rdf | nt (overrides Accept)"),
) -> Response:
    """One page of the DCAT-AP catalogue."""
    ctx = context(request)
    media_type = choose_media_type(request, format, what="the catalogue")
    order, modified = await in_thread(cached, request, "catalog_order",
                                      lambda: (dataset_order(ctx), last_modified(ctx)), key=dumps_stamp(ctx.config))
    built = await in_thread(build_page, ctx, page, max(1, int(ctx.config["catalog.page_size"])), order=order,
                            modified=modified)
    links = [f'<{page_iri(ctx, 1)}>; rel="first"', f'<{page_iri(ctx, built.pages)}>; rel="last"']
    if built.page > 1:
        links.append(f'<{page_iri(ctx, built.page - 1)}>; rel="prev"')
    if built.page < built.pages:
        links.append(f'<{page_iri(ctx, built.page + 1)}>; rel="next"')
    return await in_thread(rdf_response, built.ntriples, media_type, headers={"Link": ", ".join(links)})


router.add_api_route("/catalog", catalog, methods=["HEAD"], include_in_schema=False)
