"""``GET /.well-known/void``: the VoID description of the node's graph (RFC 5785 well-known location, VoID §7).

What it says, all computed from the store: the dataset (``{base}/.well-known/void#dataset``) with its SPARQL
endpoint (whose service description is served at ``GET /sparql``), its dumps, its number of triples (quads in
all named graphs), entities (distinct IRI subjects), classes and properties, the vocabularies its predicates
and classes come from; one ``void:subset`` per source (triples and entities of the source's record graphs);
and one ``void:Linkset`` per (target, predicate) for the links from record graphs to DOIs, ORCID iDs, ROR
organisations, PaNET techniques and identifiers.org entries (PDB, EMPIAR, EMDB).

The statistics scan the store, so the document is computed once and kept for ``server.description_cache_s``
seconds or until the dump changes (a load rewrote it).
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.rdfdoc import RDF_RESPONSES, cached, choose_media_type, rdf_response
from pangraph.dumps import dumps_stamp, list_dumps
from pangraph.rdf import DCAT, DCT, FOAF, PANGRAPH, PROV, RDF, RDFS, XSD, Namespace, iri, literal, ntriples

router = APIRouter()

VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
DOC_PATH = "/.well-known/void"

#: link targets: (key, IRI prefix, title, homepage)
LINK_TARGETS: tuple[tuple[str, str, str, str], ...] = (
    ("doi", "https://doi.org/", "DOI names (doi.org): datasets, publications, instruments", "https://doi.org/"),
    ("orcid", "https://orcid.org/", "ORCID iDs of people", "https://orcid.org/"),
    ("ror", "https://ror.org/", "ROR identifiers of organisations", "https://ror.org/"),
    ("panet", "http://purl.org/pan-science/PaNET/", "PaNET, the Photon and Neutron experimental techniques ontology",
     "http://purl.org/pan-science/PaNET/PaNET.owl"),
    ("identifiers-org", "https://identifiers.org/", "identifiers.org entries (PDB, EMPIAR, EMDB …)",
     "https://identifiers.org/"),
)


def doc_iri(ctx: NodeContext) -> str:
    return ctx.base + DOC_PATH


def dataset_iri(ctx: NodeContext) -> str:
    return doc_iri(ctx) + "#dataset"


def _int(value: str | None) -> int:
    return int(value) if value else 0


def _namespace(value: str) -> str | None:
    for sep in ("#", "/"):
        i = value.rfind(sep)
        if i > len("https://"):
            return value[: i + 1]
    return None


def source_statistics(ctx: NodeContext) -> list[dict[str, Any]]:
    """Per source: triples, distinct IRI subjects (entities) and record graphs."""
    rows = ctx.store.select(
        f"SELECT ?src (COUNT(*) AS ?triples) (COUNT(DISTINCT ?e) AS ?entities) (COUNT(DISTINCT ?g) AS ?graphs) "
        f"WHERE {{ GRAPH <{ctx.provenance_graph}> {{ ?g a <{PROV.raw('Entity')}> ; <{DCT.raw('source')}> ?src }} "
        f"GRAPH ?g {{ ?s ?p ?o }} BIND(IF(isIRI(?s), ?s, ?none) AS ?e) }} GROUP BY ?src ORDER BY ?src")
    labels = {r["name"]: r["label"] for r in ctx.store.select(
        f"SELECT ?name (SAMPLE(?l) AS ?label) WHERE {{ GRAPH <{ctx.provenance_graph}> {{ "
        f"?s <{PANGRAPH.raw('sourceName')}> ?name ; <{RDFS.raw('label')}> ?l }} }} GROUP BY ?name") if r["name"]}
    return [{"source": r["src"], "title": labels.get(r["src"]) or r["src"], "triples": _int(r["triples"]),
             "entities": _int(r["entities"]), "graphs": _int(r["graphs"])} for r in rows if r["src"]]


def linksets(ctx: NodeContext) -> list[dict[str, Any]]:
    """Links from record graphs to the :data:`LINK_TARGETS`: (target, predicate, triples)."""
    cases = "".join(f'IF(STRSTARTS(STR(?o), "{prefix}"), "{key}", ' for key, prefix, _, _ in LINK_TARGETS)
    target = cases + "?none" + ")" * len(LINK_TARGETS)
    rows = ctx.store.select(
        f"SELECT ?target ?p (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?g), "{ctx.base}/graph/record/") && isIRI(?o) && ?p != <{RDF.raw("type")}>) '
        f"BIND({target} AS ?target) FILTER(BOUND(?target)) }} GROUP BY ?target ?p ORDER BY ?target ?p")
    return [{"target": r["target"], "predicate": r["p"], "triples": _int(r["n"])} for r in rows if r["target"]]


def vocabularies(ctx: NodeContext) -> list[str]:
    """Namespaces of the predicates and classes used in the node's graphs."""
    rows = ctx.store.select("SELECT DISTINCT ?t WHERE { { GRAPH ?g { ?s ?t ?o } } UNION { GRAPH ?g { ?s a ?t } } }")
    found = {_namespace(r["t"]) for r in rows if r["t"]}
    return sorted(ns for ns in found if ns)


def totals(ctx: NodeContext) -> dict[str, int]:
    row = ctx.store.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?entities) (COUNT(DISTINCT ?p) AS ?properties) WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(isIRI(?s)) }")[0]
    classes = ctx.store.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }")[0]
    return {"entities": _int(row["entities"]), "properties": _int(row["properties"]), "classes": _int(classes["n"])}


def void_ntriples(ctx: NodeContext, *, quads: int) -> str:
    """The VoID description as N-Triples."""
    doc, ds = iri(doc_iri(ctx)), iri(dataset_iri(ctx))
    integer = XSD.raw("integer")
    t: list[tuple[str, str, str]] = [
        (doc, RDF.type, VOID.DatasetDescription),
        (doc, DCT.title, literal(f"VoID description of {ctx.config['node.title']}", lang="en")),
        (doc, FOAF.primaryTopic, ds),
        (ds, RDF.type, VOID.Dataset),
        (ds, DCT.title, literal(ctx.config["node.title"], lang="en")),
        (ds, DCT.description, literal(ctx.config["node.description"], lang="en")),
        (ds, FOAF.homepage, iri(ctx.base + "/")),
        (ds, VOID.sparqlEndpoint, iri(ctx.endpoint)),
        (ds, RDFS.seeAlso, iri(ctx.endpoint)),  # GET /sparql without a query: the SPARQL service description
        (ds, RDFS.seeAlso, iri(ctx.base + "/catalog")),
        (ds, VOID.rootResource, iri(ctx.base + "/catalog")),
        (ds, VOID.uriSpace, literal(ctx.base + "/id/")),
        (ds, VOID.triples, literal(str(quads), datatype=integer)),
        (ds, VOID.feature, FORMATS["Turtle"]),
        (ds, VOID.feature, FORMATS["JSON-LD"]),
        (ds, VOID.feature, FORMATS["RDF_XML"]),
        (ds, VOID.feature, FORMATS["N-Triples"]),
    ]
    if ctx.config["node.publisher"].strip():
        t.append((ds, DCT.publisher, iri(ctx.config["node.publisher"].strip())))
    for dump in list_dumps(ctx.config):
        t.append((ds, VOID.dataDump, iri(f"{ctx.base}/dumps/{dump.name}")))
        t.append((ds, VOID.feature, FORMATS["N-Quads"]))
        t.append((ds, DCT.modified, literal(dump.generated, datatype=XSD.raw("dateTime"))))
    n = totals(ctx)
    t += [(ds, VOID.entities, literal(str(n["entities"]), datatype=integer)),
          (ds, VOID.classes, literal(str(n["classes"]), datatype=integer)),
          (ds, VOID.properties, literal(str(n["properties"]), datatype=integer))]
    t += [(ds, VOID.vocabulary, iri(v)) for v in vocabularies(ctx)]
    for row in ctx.store.select(
            f"SELECT DISTINCT ?d WHERE {{ GRAPH <{ctx.provenance_graph}> {{ ?g <{FOAF.raw('primaryTopic')}> ?d }} "
            f"GRAPH ?g {{ ?d a <{DCAT.raw('Dataset')}> }} }} ORDER BY ?d LIMIT 3"):
        t.append((ds, VOID.exampleResource, iri(row["d"])))
    for s in source_statistics(ctx):
        sub = iri(f"{doc_iri(ctx)}#source-{s['source']}")
        cfg = ctx.config.sources.get(s["source"])
        t += [
            (ds, VOID.subset, sub),
            (sub, RDF.type, VOID.Dataset),
            (sub, DCT.title, literal(cfg.title if cfg is not None and cfg.title else s["title"])),
            (sub, DCT.source, iri(f"{ctx.base}/id/source/{s['source']}")),
            (sub, VOID.triples, literal(str(s["triples"]), datatype=integer)),
            (sub, VOID.entities, literal(str(s["entities"]), datatype=integer)),
            (sub, VOID.documents, literal(str(s["graphs"]), datatype=integer)),
            (sub, VOID.sparqlEndpoint, iri(ctx.endpoint)),
        ]
    targets_used: set[str] = set()
    for link in linksets(ctx):
        key = link["target"]
        targets_used.add(key)
        name = hashlib.sha1(link["predicate"].encode("utf-8")).hexdigest()[:10]
        ls = iri(f"{doc_iri(ctx)}#links-{key}-{name}")
        t += [
            (ds, VOID.subset, ls),
            (ls, RDF.type, VOID.Linkset),
            (ls, VOID.subjectsTarget, ds),
            (ls, VOID.objectsTarget, iri(f"{doc_iri(ctx)}#{key}")),
            (ls, VOID.linkPredicate, iri(link["predicate"])),
            (ls, VOID.triples, literal(str(link["triples"]), datatype=integer)),
        ]
    for key, prefix, title, homepage in LINK_TARGETS:
        if key in targets_used:
            target = iri(f"{doc_iri(ctx)}#{key}")
            t += [(target, RDF.type, VOID.Dataset), (target, DCT.title, literal(title, lang="en")),
                  (target, VOID.uriSpace, literal(prefix)), (target, FOAF.homepage, iri(homepage))]
    t += cross_node_linksets(ctx, ds)
    return ntriples(t)


def cross_node_linksets(ctx: NodeContext, ds: str) -> list[tuple[str, str, str]]:
    """One ``void:Linkset`` per (predicate, object origin) of the links graph (the link API, :mod:`pangraph.links`)."""
    from pangraph.links import linkset_counts

    t: list[tuple[str, str, str]] = []
    for n in linkset_counts(ctx.store, ctx.base):
        key = hashlib.sha1(f"{n['predicate']} {n['origin']}".encode("utf-8")).hexdigest()[:10]
        ls, target = iri(f"{doc_iri(ctx)}#crossnode-{key}"), iri(f"{doc_iri(ctx)}#origin-{hashlib.sha1(n['origin'].encode('utf-8')).hexdigest()[:10]}")
        t += [(ds, VOID.subset, ls), (ls, RDF.type, VOID.Linkset), (ls, VOID.subjectsTarget, ds),
              (ls, VOID.objectsTarget, target), (ls, VOID.linkPredicate, iri(n["predicate"])),
              (ls, VOID.triples, literal(str(n["triples"]), datatype=XSD.raw("integer"))),
              (ls, DCT.source, iri(ctx.base + "/graph/links")),
              (target, RDF.type, VOID.Dataset), (target, VOID.uriSpace, literal(n["origin"]))]
    return t


def cached_void(request: Request) -> str:
    """The VoID N-Triples, kept for ``server.description_cache_s`` or until the dump changes."""
    ctx = context(request)
    return cached(request, "void_cache", lambda: void_ntriples(ctx, quads=ctx.store.count_quads()),
                  key=dumps_stamp(ctx.config))


@router.get(
    DOC_PATH,
    summary="VoID description of the node's graph",
    description="The node's graph as a `void:Dataset`: SPARQL endpoint (`void:sparqlEndpoint`; its service "
    "description is `GET /sparql`), dumps (`void:dataDump`), triples, entities, classes, properties, the "
    "vocabularies used (`void:vocabulary`), one `void:subset` per source (triples, entities, record graphs) and "
    "`void:Linkset`s for the links to DOIs, ORCID, ROR, PaNET and identifiers.org, each with its predicate and "
    "number of links. Content negotiation: Turtle (default), JSON-LD, RDF/XML, N-Triples, or `format=`.",
    response_class=Response,
    responses=RDF_RESPONSES,
)
async def void(
    request: Request,
    format: str | None = Query(None, description="ttl | jsonld | rdf | nt (overrides Accept)"),
) -> Response:
    """The VoID description."""
    media_type = choose_media_type(request, format, what="the VoID description")
    text = await in_thread(cached_void, request)
    return await in_thread(rdf_response, text, media_type)


router.add_api_route(DOC_PATH, void, methods=["HEAD"], include_in_schema=False)
