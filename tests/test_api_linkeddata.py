"""Linked Data: minted IRIs and graph IRIs dereference, by content negotiation or extension, in every format."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic

from pangraph import iri as iris
from pangraph.api import create_app
from test_api_support import dataset_graph, loaded_store, make_config, union_graph

BASE = "http://127.0.0.1:8000"
FORMATS = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
           "application/rdf+xml": "xml"}
EXT = {"ttl": "text/turtle", "nt": "application/n-triples", "jsonld": "application/ld+json",
       "rdf": "application/rdf+xml", "html": "text/html"}
LABELS = (rdflib.DCTERMS.title, rdflib.RDFS.label, rdflib.FOAF.name, rdflib.SKOS.prefLabel,
          URIRef("http://schema.org/name"))
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def expected_description(g: rdflib.Graph, node: URIRef) -> rdflib.Graph:
    """The description the API promises, computed independently with rdflib: the node's triples, those of
    blank nodes it points to (two levels), labels of linked IRIs, and inbound links with their labels."""
    out = rdflib.Graph()
    linked: set[Any] = set()
    frontier = [node]
    for depth in range(3):
        nxt = []
        for s in frontier:
            for p, o in g.predicate_objects(s):
                out.add((s, p, o))
                if isinstance(o, URIRef):
                    linked.add(o)
                elif isinstance(o, BNode) and depth < 2:
                    nxt.append(o)
        frontier = nxt
    for s, p in g.subject_predicates(node):
        out.add((s, p, node))
        linked.add(s)
    for ref in linked:
        for lp in LABELS:
            for label in g.objects(ref, lp):
                out.add((ref, lp, label))
    return out


@pytest.fixture()
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(make_config(tmp_path), store=loaded_store(BASE, tmp_path / "store")))


def media(r: Any) -> str:
    return r.headers["content-type"].split(";")[0].strip()


def error_of(r: Any) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == r.status_code
    return body["error"]


DATASET = f"{BASE}/id/dataset/esrf/rec-1"


@pytest.mark.parametrize("accept", list(FORMATS))
def test_minted_iri_in_every_rdf_format(client: TestClient, accept: str) -> None:
    r = client.get("/id/dataset/esrf/rec-1", headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert media(r) == accept
    assert r.headers["vary"] == "Accept"
    assert r.headers["content-location"] == f"{DATASET}.{[k for k, v in EXT.items() if v == accept][0]}"
    got = rdflib.Graph().parse(data=r.content, format=FORMATS[accept])
    expected = expected_description(union_graph(BASE), URIRef(DATASET))
    assert isomorphic(got, expected)
    # the description really reaches what was promised
    assert (URIRef("http://purl.org/pan-science/PaNET/PaNET01217"), rdflib.RDFS.label, Literal("x-ray diffraction")) in got
    assert (URIRef("https://doi.org/10.5291/ill-data.1-01-1"), rdflib.DCTERMS.references, URIRef(DATASET)) in got
    periods = list(got.objects(URIRef(DATASET), rdflib.DCTERMS.temporal))
    assert len(periods) == 1 and isinstance(periods[0], BNode)
    assert got.value(periods[0], URIRef("http://www.w3.org/ns/dcat#startDate")) is not None


@pytest.mark.parametrize("ext", ["ttl", "nt", "jsonld", "rdf"])
def test_extension_overrides_accept(client: TestClient, ext: str) -> None:
    r = client.get(f"/id/dataset/esrf/rec-1.{ext}", headers={"Accept": "text/html"})
    assert r.status_code == 200 and media(r) == EXT[ext]
    assert r.headers["vary"] == "Accept"
    got = rdflib.Graph().parse(data=r.content, format=FORMATS[EXT[ext]])
    assert isomorphic(got, expected_description(union_graph(BASE), URIRef(DATASET)))


@pytest.mark.parametrize("accept, expected", [
    (None, "text/turtle"),
    ("*/*", "text/turtle"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.4", "application/rdf+xml"),
    ("application/ld+json, text/turtle;q=0.9", "application/ld+json"),
    ("text/*;q=0.3, application/n-triples;q=0.2", "text/turtle"),
    ("text/turtle;q=0, */*;q=0.5", "application/n-triples"),
    (BROWSER, "text/html"),
    ("application/json;q=0.9, application/*;q=0.1", "application/n-triples"),
])
def test_negotiation_with_q_values(client: TestClient, accept: str | None, expected: str) -> None:
    r = client.get("/id/dataset/esrf/rec-1", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200 and media(r) == expected
    assert r.headers["vary"] == "Accept"


def test_link_header_lists_alternates(client: TestClient) -> None:
    r = client.get("/id/dataset/esrf/rec-1")
    links = dict((m.group(2), m.group(1)) for m in re.finditer(r'<([^>]+)>; rel="alternate"; type="([^"]+)"',
                                                                r.headers["link"]))
    assert links == {t: f"{DATASET}.{e}" for e, t in EXT.items()}


@pytest.mark.parametrize("accept", ["image/png", "application/json", "text/turtle;q=0, application/rdf+xml;q=0, "
                                    "application/ld+json;q=0, application/n-triples;q=0, text/html;q=0"])
def test_406_when_no_representation_fits(client: TestClient, accept: str) -> None:
    r = client.get("/id/dataset/esrf/rec-1", headers={"Accept": accept})
    assert r.status_code == 406
    assert r.headers["vary"] == "Accept"
    assert "text/turtle" in error_of(r)["accepted"]


def test_html_page(client: TestClient) -> None:
    r = client.get("/id/dataset/esrf/rec-1", headers={"Accept": BROWSER})
    assert r.status_code == 200 and media(r) == "text/html"
    html = r.text
    assert "<h1>Diffraction study rec-1</h1>" in html
    person = iris.mint(BASE, "person", "esrf", "doe-jane-rec-1")
    assert f'<a href="{person}">Jane Doe (rec-1)</a>' in html  # local link, with the label of the object
    assert 'x-ray diffraction' in html  # PaNET label from the ontology graph
    assert "dct:temporal" in html and "dcat:startDate" in html  # the blank node is shown inline
    # inbound link from the DOI dataset, which the node also describes
    assert '<a href="https://doi.org/10.5291/ill-data.1-01-1" rel="external">Diffraction study r3</a>' in html
    assert "describe?iri=https%3A%2F%2Fdoi.org%2F10.5291%2Fill-data.1-01-1" in html
    for ext in ("ttl", "nt", "jsonld", "rdf"):
        assert f'href="{DATASET}.{ext}"' in html
    assert 'href="../../../static/pangraph.css"' in html
    assert r.headers["vary"] == "Accept"


def test_html_by_extension(client: TestClient) -> None:
    r = client.get("/id/dataset/esrf/rec-1.html", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and media(r) == "text/html" and "Diffraction study rec-1" in r.text


def test_404_json_and_html(client: TestClient) -> None:
    r = client.get("/id/dataset/esrf/nope")
    assert r.status_code == 404
    err = error_of(r)
    assert err["iri"] == f"{BASE}/id/dataset/esrf/nope"
    assert r.headers["vary"] == "Accept"
    r = client.get("/id/dataset/esrf/nope.ttl")
    assert r.status_code == 404
    r = client.get("/id/dataset/esrf/nope", headers={"Accept": BROWSER})
    assert r.status_code == 404 and media(r) == "text/html" and "404" in r.text and "nope" in r.text


def test_iri_with_only_inbound_links_dereferences(client: TestClient) -> None:
    # the role IRI is only an object; it is not under the base, so use /describe
    r = client.get("/describe", params={"iri": "http://example.org/role/ContactPerson", "format": "nt"})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.content, format="nt")
    assert len(list(g.subjects(URIRef("http://www.w3.org/ns/dcat#hadRole"), URIRef("http://example.org/role/ContactPerson")))) == 3


def test_describe_foreign_iri(client: TestClient) -> None:
    doi = "https://doi.org/10.5291/ill-data.1-01-1"
    r = client.get("/describe", params={"iri": doi}, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and media(r) == "application/ld+json"
    got = rdflib.Graph().parse(data=r.content, format="json-ld")
    assert isomorphic(got, expected_description(union_graph(BASE), URIRef(doi)))
    assert client.get("/describe", params={"iri": "https://doi.org/10.1/none"}).status_code == 404
    assert client.get("/describe", params={"iri": doi, "format": "yaml"}).status_code == 400
    assert client.get("/describe").status_code == 422


@pytest.mark.parametrize("path", ["graph/record/esrf/rec-1", "graph/provenance", "graph/quality",
                                  "graph/ontology/panet"])
@pytest.mark.parametrize("accept", list(FORMATS))
def test_graph_iri_in_every_format(client: TestClient, path: str, accept: str) -> None:
    r = client.get(f"/{path}", headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert media(r) == accept and r.headers["vary"] == "Accept"
    got = rdflib.Graph().parse(data=r.content, format=FORMATS[accept])
    expected = rdflib.Graph()
    for t in dataset_graph(BASE).graph(URIRef(f"{BASE}/{path}")):
        expected.add(t)
    assert len(expected) > 0
    assert isomorphic(got, expected)


def test_graph_extension_and_html(client: TestClient) -> None:
    r = client.get("/graph/record/esrf/rec-2.nt")
    assert r.status_code == 200 and media(r) == "application/n-triples"
    r = client.get("/graph/record/esrf/rec-2", headers={"Accept": BROWSER})
    assert r.status_code == 200 and media(r) == "text/html"
    n = len(dataset_graph(BASE).graph(URIRef(f"{BASE}/graph/record/esrf/rec-2")))
    assert f'<span id="triple-count">{n}</span>' in r.text
    assert "Diffraction study rec-2" in r.text
    assert client.get("/graph/record/esrf/none").status_code == 404


def test_large_graph_refused_as_document_but_previewed(client: TestClient) -> None:
    client.app.state.ctx.max_graph_triples = 5
    client.app.state.ctx.max_html_rows = 4
    r = client.get("/graph/provenance", headers={"Accept": "text/turtle"})
    assert r.status_code == 403
    err = error_of(r)
    assert err["max_triples"] == 5 and "SPARQL" in err["detail"]
    r = client.get("/graph/provenance", headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert '<span id="triple-count">more than 5</span>' in r.text and "the first 4 are shown" in r.text


def test_base_with_path_prefix(tmp_path: Path) -> None:
    """Behind a proxy the base can carry a path (https://pan.example.org/kg): routes stay at /id/...,
    the IRI is built from the configured base, not from the request's host."""
    base = "https://pan.example.org/kg"
    app = create_app(make_config(tmp_path, base=base), store=loaded_store(base))
    client = TestClient(app, base_url="http://internal:8080")
    iri = f"{base}/id/dataset/esrf/rec-1"
    r = client.get("/id/dataset/esrf/rec-1", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    got = rdflib.Graph().parse(data=r.content, format="nt")
    assert isomorphic(got, expected_description(union_graph(base), URIRef(iri)))
    assert r.headers["content-location"] == iri + ".nt"
    assert f"<{iri}.ttl>" in r.headers["link"]
    r = client.get("/graph/record/esrf/rec-1.ttl")
    assert r.status_code == 200
    r = client.get("/id/dataset/esrf/rec-1", headers={"Accept": BROWSER})
    assert f'href="{iri}.jsonld"' in r.text and 'href="../../../static/pangraph.css"' in r.text
    # the same path under the other base is unknown here
    assert (URIRef("http://127.0.0.1:8000/id/dataset/esrf/rec-1"), None, None) not in got


def test_percent_encoded_keys_round_trip(tmp_path: Path) -> None:
    key = "a b/ç"  # minted with percent-encoding
    iri = iris.mint(BASE, "dataset", "esrf", key)
    store = loaded_store(BASE)
    store.bulk_load(f'<{iri}> <http://purl.org/dc/terms/title> "odd key" <{BASE}/graph/record/esrf/odd> .\n',
                    format="application/n-quads")
    client = TestClient(create_app(make_config(tmp_path), store=store))
    path = iri[len(BASE):]
    r = client.get(path, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, (path, r.text)
    assert '"odd key"' in r.text


def test_head_answers_like_get(client: TestClient) -> None:
    r = client.head("/id/dataset/esrf/rec-1", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and media(r) == "application/ld+json" and r.headers["vary"] == "Accept"
    assert client.head("/graph/provenance").status_code == 200
    assert client.head("/id/dataset/esrf/none").status_code == 404


def test_describe_needs_an_absolute_iri(client: TestClient) -> None:
    r = client.get("/describe", params={"iri": "foo"})
    assert r.status_code == 400 and error_of(r)["parameter"] == "iri"
    r = client.get("/describe", params={"iri": "http://x/a> } DROP ALL { <b"})
    assert r.status_code == 400


def test_html_page_summary_and_schema_org(client: TestClient) -> None:
    """Dataset pages open with a readable summary and embed schema.org JSON-LD built from the graph."""
    import json

    html = client.get("/id/dataset/esrf/rec-1", headers={"Accept": BROWSER}).text
    (ld,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    doc = json.loads(ld)
    assert doc["@type"] == "Dataset" and doc["@id"] == DATASET and doc["name"] == "Diffraction study rec-1"
    person = iris.mint(BASE, "person", "esrf", "doe-jane-rec-1")
    assert doc["creator"] == [{"@type": "Person", "@id": person, "name": "Jane Doe (rec-1)"}]
    assert [t["@id"] for t in doc["measurementTechnique"]] == ["http://purl.org/pan-science/PaNET/PaNET01217"]
    got = rdflib.Graph().parse(data=json.dumps({**doc, "@context": {"@vocab": "http://schema.org/"}}), format="json-ld")
    assert (URIRef(DATASET), URIRef("http://schema.org/creator"), URIRef(person)) in got
    assert '<section class="entity entity-dataset"' in html
    assert '<a class="technique" href="../../../technique/PaNET01217">x-ray diffraction</a>' in html
    # the DOI dataset that references this one, in words, linking to its /describe page
    assert ('<span class="relation" title="dct:references (from the other resource)">is referenced by</span> '
            '<a href="../../../describe?iri=https%3A%2F%2Fdoi.org%2F10.5291%2Fill-data.1-01-1">Diffraction study r3</a>') in html
    # a person page lists the datasets of that person; no schema.org block there
    html = client.get(person[len(BASE):], headers={"Accept": BROWSER}).text
    assert '<section class="entity entity-person"' in html and '<script type="application/ld+json">' not in html
    assert f'<a href="{DATASET}">Diffraction study rec-1</a> <span class="tag">ContactPerson, creator</span>' in html


def test_pages_of_untyped_iris_keep_the_plain_description(client: TestClient) -> None:
    r = client.get("/describe", params={"iri": "http://example.org/role/ContactPerson"}, headers={"Accept": BROWSER})
    assert r.status_code == 200 and '<section class="entity' not in r.text and "<h2 id=\"props-h\">Properties</h2>" in r.text
