"""The web pages for people against the demo node: entity pages (dataset, person, instrument, training,
software) with their embedded schema.org JSON-LD, technique pages, source pages and the start page — each
figure checked against an independent reading of the stored graphs (rdflib over an N-Quads dump) — and
end-to-end flows in headless chromium at phone width (390 px)."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator
from urllib.parse import unquote, urlencode

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS

from served import demo_app, free_port, serving

CHROMIUM = Path("/usr/bin/chromium")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_ = {"Accept": "application/json"}
SDO = rdflib.Namespace("http://schema.org/")
PG = rdflib.Namespace("https://w3id.org/pangraph/ns#")
PANET = "http://purl.org/pan-science/PaNET/"
LYSOZYME = "https://doi.org/10.15151/esrf-dc-1548271939"  # described by esrf-oai and datacite-rest
SAXS, SAS = PANET + "PaNET01188", PANET + "PaNET01124"
CARDENAS = "https://orcid.org/0000-0001-1860-808X"
TRAINING = "https://pan-training.eu/materials/sans-contrast-variation"
TRAINING_KINDS = (SDO.LearningResource, SDO.Course, SDO.CourseInstance, SDO.Event)
SOFTWARE_KINDS = (SDO.SoftwareSourceCode, SDO.SoftwareApplication)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The demo node built once, its base on a free port (the browser tests serve it there)."""
    with demo_app(tmp_path_factory.mktemp("web-demo"), port=free_port()) as demo:
        yield demo


@pytest.fixture(scope="module")
def stored(demo: SimpleNamespace) -> SimpleNamespace:
    """An independent reading of the store: the union of all graphs, the PaNET graph, the provenance graph."""
    buf = io.BytesIO()
    demo.node.store.dump(buf, format="application/n-quads")
    ds = rdflib.Dataset()
    ds.parse(data=buf.getvalue(), format="nquads")
    union = rdflib.Graph()
    for s, p, o, _g in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    panet = ds.graph(URIRef(f"{demo.base}/graph/ontology/panet"))
    prov = ds.graph(URIRef(f"{demo.base}/graph/provenance"))
    return SimpleNamespace(ds=ds, union=union, panet=panet, prov=prov)


def of_kind(g: rdflib.Graph, node: Any, kinds: tuple[Any, ...]) -> bool:
    return any((node, RDF.type, k) in g for k in kinds)


def below(panet: rdflib.Graph, iri: str) -> set[str]:
    """The class and every class under it (rdfs:subClassOf, transitively), computed with rdflib."""
    out, todo = {iri}, [URIRef(iri)]
    while todo:
        for sub in panet.subjects(RDFS.subClassOf, todo.pop()):
            if str(sub) not in out:
                out.add(str(sub))
                todo.append(sub)
    return out


def embedded_jsonld(html: str) -> dict[str, Any]:
    (text,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(text)


def as_rdf(doc: dict[str, Any]) -> rdflib.Graph:
    """The JSON-LD parsed by rdflib. ``https://schema.org/`` is a remote context (no network in tests): it is
    replaced by what it says for these terms, ``@vocab`` schema.org (http, as schema.org's context does)."""
    assert doc["@context"] == "https://schema.org/"
    local = {**doc, "@context": {"@vocab": "http://schema.org/"}}
    return rdflib.Graph().parse(data=json.dumps(local), format="json-ld")


def page_of(client: TestClient, iri: str, base: str) -> Any:
    path = iri[len(base):] if iri.startswith(base + "/") else "/describe?" + urlencode({"iri": iri})
    r = client.get(path, headers={"Accept": BROWSER})
    assert r.status_code == 200, (iri, r.text[:500])
    assert r.headers["vary"] == "Accept"
    return r


# -- entity pages ----------------------------------------------------------------------------------------------

def test_doi_dataset_page_embeds_schema_org_dataset(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    r = page_of(demo.client, LYSOZYME, demo.base)
    doc = embedded_jsonld(r.text)
    g, ds = stored.union, URIRef(LYSOZYME)
    # what Google Dataset Search requires (name, description) and reads
    assert doc["@type"] == "Dataset" and doc["@id"] == LYSOZYME
    titles = {str(t) for t in g.objects(ds, DCTERMS.title)}
    assert doc["name"] in titles and set(doc["alternateName"]) | {doc["name"]} == titles
    assert doc["description"] in {str(d) for d in g.objects(ds, DCTERMS.description)}
    assert LYSOZYME in doc["identifier"]
    assert doc["url"] in {str(u) for u in g.objects(ds, DCAT.landingPage)}
    creators = {c["@id"]: c for c in doc["creator"]}
    assert set(creators) == {str(c) for c in g.objects(ds, DCTERMS.creator)}
    assert creators[CARDENAS]["@type"] == "Person" and creators[CARDENAS]["name"] == str(g.value(URIRef(CARDENAS), FOAF.name))
    assert doc["license"] == str(g.value(ds, DCTERMS.license))
    assert doc["datePublished"] == str(g.value(ds, DCTERMS.issued))
    assert {t["@id"] for t in doc["measurementTechnique"]} == {str(t) for t in g.objects(ds, SDO.measurementTechnique)}
    assert {"small angle x-ray scattering"} <= {t["name"] for t in doc["measurementTechnique"]}
    assert set(doc["keywords"]) == {str(k) for k in g.objects(ds, DCAT.keyword)}
    downloads = doc["distribution"]
    assert downloads and all(d["@type"] == "DataDownload" and d["contentUrl"] for d in downloads)
    assert "application/x-hdf5" in {d.get("encodingFormat") for d in downloads}
    assert doc["includedInDataCatalog"] == {"@type": "DataCatalog", "name": "pangraph demo node",
                                            "url": demo.base + "/"}
    publishers = doc["publisher"] if isinstance(doc["publisher"], list) else [doc["publisher"]]
    assert {p["name"] for p in publishers} == {"European Synchrotron Radiation Facility"}
    # and it is JSON-LD: rdflib reads it into schema.org triples
    rdf = as_rdf(doc)
    assert (ds, RDF.type, SDO.Dataset) in rdf
    assert (ds, SDO.name, rdflib.Literal(doc["name"])) in rdf
    assert (ds, SDO.creator, URIRef(CARDENAS)) in rdf
    assert (ds, SDO.measurementTechnique, URIRef(SAXS)) in rdf
    assert len(list(rdf.objects(ds, SDO.distribution))) == len(downloads)


def test_dataset_page_is_readable(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    html = page_of(demo.client, LYSOZYME, demo.base).text
    assert "<h1>SAXS data on lysozyme in crowded solutions (ID02)</h1>" in html
    assert '<section class="entity entity-dataset"' in html
    # techniques link to their technique pages, people to their pages (ORCID IRIs: /describe) with the ORCID
    assert '<a class="technique" href="./technique/PaNET01188">small angle x-ray scattering</a>' in html
    assert f'href="./describe?{urlencode({"iri": CARDENAS})}">Mónica Cárdenas</a>' in html
    assert f'<a class="orcid" href="{CARDENAS}"' in html
    # the instrument (two sources mint one IRI each for ID02: shown once) and its proposal
    assert re.search(r'<ul class="instruments"><li><a href="[^"]+/id/instrument/[^"]+/id02">ID02</a> '
                     r'<span class="tag">proposal SC-4137</span></li></ul>', html)
    assert '<table id="distributions">' in html and "application/x-hdf5" in html
    assert 'rel="external license">CC-BY-4.0</a>' in html
    assert '<span class="relation" title="dct:isPartOf">is part of</span>' in html  # related resources
    # training and software about its techniques (or narrower), as the graph says
    m = re.search(r'<ul class="works" id="suggested-software">(.*?)</ul>', html, re.S)
    assert m and "SasView" in m.group(1) and "pyFAI" in m.group(1)
    assert 'class="quality-page"' in html  # the quality link of both records
    assert html.count('class="quality-page"') == 2


def test_minted_dataset_page_has_jsonld_and_conneg(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    iri = f"{demo.base}/id/dataset/panosc-esrf/910000001"
    r = demo.client.get(iri[len(demo.base):], headers={"Accept": BROWSER})
    doc = embedded_jsonld(r.text)
    assert doc["@type"] == "Dataset" and doc["name"] == str(stored.union.value(URIRef(iri), DCTERMS.title))
    # the same IRI in the RDF formats, by Accept and by extension; 406 for what cannot be served
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                        ("application/rdf+xml", "xml"), ("application/n-triples", "nt")):
        r = demo.client.get(iri[len(demo.base):], headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["vary"] == "Accept"
        assert (URIRef(iri), RDF.type, DCAT.Dataset) in rdflib.Graph().parse(data=r.content, format=fmt)
    assert demo.client.get(iri[len(demo.base):] + ".jsonld").headers["content-type"] == "application/ld+json"
    r = demo.client.get(iri[len(demo.base):], headers={"Accept": "application/pdf"})
    assert r.status_code == 406 and r.headers["vary"] == "Accept" and r.json()["error"]["status"] == 406
    r = demo.client.get("/describe", params={"iri": LYSOZYME}, headers={"Accept": "application/pdf"})
    assert r.status_code == 406 and r.headers["vary"] == "Accept"


def test_training_and_software_pages_embed_schema_org(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    g = stored.union
    doc = embedded_jsonld(page_of(demo.client, TRAINING, demo.base).text)
    assert doc["@type"] == "LearningResource" and doc["name"] == str(g.value(URIRef(TRAINING), SDO.name))
    assert doc["description"] == str(g.value(URIRef(TRAINING), SDO.description))
    assert {t["@id"] for t in doc["about"]} == {str(t) for t in g.objects(URIRef(TRAINING), SDO.about)}
    rdf = as_rdf(doc)
    assert (URIRef(TRAINING), RDF.type, SDO.LearningResource) in rdf
    software = [s for s in g.subjects(RDF.type, SDO.SoftwareSourceCode) if str(s).startswith(demo.base)]
    assert software
    for sw in software[:3]:
        r = page_of(demo.client, str(sw), demo.base)
        doc = embedded_jsonld(r.text)
        assert doc["@type"] == "SoftwareSourceCode" and doc["name"] == str(g.value(sw, SDO.name))
        repo = g.value(sw, SDO.codeRepository)
        assert doc.get("codeRepository") == (str(repo) if repo else None)
        assert (sw, RDF.type, SDO.SoftwareSourceCode) in as_rdf(doc)


def test_pages_without_schema_org_kind_embed_none(demo: SimpleNamespace) -> None:
    html = page_of(demo.client, CARDENAS, demo.base).text
    assert '<section class="entity entity-person"' in html
    assert '<script type="application/ld+json">' not in html


def test_person_page_lists_their_works(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    g, person = stored.union, URIRef(CARDENAS)
    expected = set()
    for w in set(g.subjects(None, person)) | {w for a in g.subjects(PROV.agent, person)
                                              for w in g.subjects(PROV.qualifiedAttribution, a)}:
        if (w, RDF.type, DCAT.Dataset) in g:
            expected.add(str(w))
    html = page_of(demo.client, CARDENAS, demo.base).text
    assert '<section class="entity entity-person"' in html
    m = re.search(r'<ul class="works" id="works-datasets">(.*?)</ul>', html, re.S)
    assert m
    listed = {unescape(h) for h in re.findall(r'<a href="\./describe\?iri=([^"]+)">', m.group(1))}
    assert {unquote(x) for x in listed} == expected
    assert "project director" in m.group(1) and "creator" in m.group(1)  # roles in words, not IRIs
    assert "Université Grenoble Alpes" in html


def test_instrument_page_lists_its_datasets(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    g = stored.union
    counts = {}
    for inst in g.subjects(RDF.type, PG.Instrument):
        counts[inst] = {d for a in g.subjects(PROV.used, inst) for d in g.subjects(PROV.wasGeneratedBy, a)
                        if (d, RDF.type, DCAT.Dataset) in g}
    inst = max(counts, key=lambda i: (len(counts[i]), str(i)))
    assert len(counts[inst]) >= 2
    html = page_of(demo.client, str(inst), demo.base).text
    assert '<section class="entity entity-instrument"' in html
    assert f'Datasets measured here <span class="count">({len(counts[inst])})</span>' in html


# -- technique pages -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("technique", ["PaNET01124", "PaNET01188", "PaNET01189"])
def test_technique_page_counts_follow_the_graph(demo: SimpleNamespace, stored: SimpleNamespace, technique: str) -> None:
    g, panet = stored.union, stored.panet
    iri = PANET + technique
    closure = below(panet, iri)
    datasets = {d for t in closure for d in g.subjects(SDO.measurementTechnique, URIRef(t))
                if (d, RDF.type, DCAT.Dataset) in g}
    training = {w for t in closure for w in g.subjects(SDO.about, URIRef(t)) if of_kind(g, w, TRAINING_KINDS)}
    software = {w for t in closure for w in g.subjects(SDO.about, URIRef(t)) if of_kind(g, w, SOFTWARE_KINDS)}
    direct = {d for d in g.subjects(SDO.measurementTechnique, URIRef(iri)) if (d, RDF.type, DCAT.Dataset) in g}

    r = demo.client.get(f"/technique/{technique}", headers=JSON_)
    assert r.status_code == 200 and r.headers["vary"] == "Accept"
    t = r.json()
    assert t["iri"] == iri and t["label"] == str(panet.value(URIRef(iri), RDFS.label))
    assert set(t["synonyms"]) == {str(a) for a in panet.objects(URIRef(iri), SKOS.altLabel)}
    assert {b["iri"] for b in t["broader"]} == {str(b) for b in panet.objects(URIRef(iri), RDFS.subClassOf)
                                                if str(b).startswith(PANET)}
    assert {n["iri"] for n in t["narrower"]} == {str(n) for n in panet.subjects(RDFS.subClassOf, URIRef(iri))}
    assert t["narrower_all"] == len(closure) - 1
    assert t["datasets"]["count"] == len(datasets) and t["datasets"]["direct"] == len(direct)
    assert {i["iri"] for i in t["datasets"]["items"]} == {str(d) for d in datasets}
    assert t["training"]["count"] == len(training) and {i["iri"] for i in t["training"]["items"]} == {str(w) for w in training}
    assert t["software"]["count"] == len(software) and {i["iri"] for i in t["software"]["items"]} == {str(w) for w in software}

    html = demo.client.get(f"/technique/{technique}", headers={"Accept": BROWSER}).text
    assert f'<dd id="count-datasets">{len(datasets)}</dd>' in html
    assert f"<h1>{t['label']}</h1>" in html
    for n in t["narrower"]:
        assert f'<a href="../technique/{n["id"]}">' in html


def test_technique_page_of_small_angle_scattering_reaches_narrower_techniques(demo: SimpleNamespace) -> None:
    t = demo.client.get("/technique/PaNET01124", headers=JSON_).json()
    assert t["datasets"]["direct"] == 0 and t["datasets"]["count"] > 10  # all of it via SAXS, SANS, GISAXS …
    assert "SasView" in {i["label"] for i in t["software"]["items"]}
    assert "small angle x-ray scattering" in {n["label"] for n in t["narrower"]}
    small = demo.client.get("/technique/PaNET01124", params={"limit": 2}, headers=JSON_).json()
    assert len(small["datasets"]["items"]) == 2 and small["datasets"]["count"] == t["datasets"]["count"]
    html = demo.client.get("/technique/PaNET01124", params={"limit": 2}).text
    assert f"Showing 2 of {t['datasets']['count']}" in html


def test_technique_page_errors(demo: SimpleNamespace) -> None:
    r = demo.client.get("/technique/SAXS")
    assert r.status_code == 400 and r.json()["error"]["parameter"] == "technique_id"
    r = demo.client.get("/technique/PaNET99999")
    assert r.status_code == 404 and r.json()["error"]["technique"] == PANET + "PaNET99999"
    assert demo.client.get("/technique/PaNET:PaNET01188", headers=JSON_).json()["id"] == "PaNET01188"
    r = demo.client.get("/technique/PaNET01188", headers={"Accept": "text/csv"})
    assert r.status_code == 406 and r.json()["error"]["accepted"] == ["text/html", "application/json"]
    r = demo.client.get("/technique/PaNET01188", params={"limit": 0})
    assert r.status_code == 422


# -- source pages ---------------------------------------------------------------------------------------------

def test_sources_list_matches_the_provenance_graph(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    prov, g = stored.prov, stored.union
    records: dict[str, int] = {}
    datasets: dict[str, set[Any]] = {}
    for graph, src in prov.subject_objects(DCTERMS.source):
        records[str(src)] = records.get(str(src), 0) + 1
        topic = prov.value(graph, FOAF.primaryTopic)
        if topic is not None and (topic, RDF.type, DCAT.Dataset) in g:
            datasets.setdefault(str(src), set()).add(topic)
    r = demo.client.get("/sources", headers=JSON_)
    assert r.status_code == 200 and r.headers["vary"] == "Accept"
    rows = {s["source"]: s for s in r.json()["sources"]}
    assert set(rows) == set(records)
    for name, n in records.items():
        assert rows[name]["records"] == n and rows[name]["datasets"] == len(datasets.get(name, ()))
        assert rows[name]["last_run"]["status"] == "ok" and rows[name]["kind"] == "demo"
        assert rows[name]["last_harvested"]
    html = demo.client.get("/sources", headers={"Accept": BROWSER}).text
    for name in records:
        assert f'<a href="./sources/{name}">' in html


def test_source_page_shows_history_records_and_quality(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    runs = demo.node.archive.runs("esrf-oai", 50)
    r = demo.client.get("/sources/esrf-oai", headers=JSON_)
    s = r.json()
    assert [x["id"] for x in s["runs"]] == [x["id"] for x in runs] and runs
    assert s["kinds"] == {"dataset": s["records"]}
    newest = s["newest"]
    assert len(newest) == min(25, s["records"])
    assert LYSOZYME in {x["resource"] for x in newest}
    html = demo.client.get("/sources/esrf-oai", headers={"Accept": BROWSER}).text
    assert '<a href="../quality/esrf-oai" id="quality-link">' in html
    assert '<table id="history">' in html and f"<td>{runs[0]['started_at']}</td>" in html
    assert f'href="../describe?{urlencode({"iri": LYSOZYME})}"' in html
    r = demo.client.get("/sources/nowhere")
    assert r.status_code == 404 and "esrf-oai" in r.json()["error"]["known"]
    assert demo.client.get("/sources/esrf-oai", params={"records": 2}, headers=JSON_).json()["newest"].__len__() == 2


# -- the start page -------------------------------------------------------------------------------------------

def test_home_counts_by_type_facility_and_technique(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    g = stored.union
    s = demo.client.get("/", headers=JSON_).json()
    types = {t["kind"]: t["count"] for t in s["types"]}
    assert types["dataset"] == len(set(g.subjects(RDF.type, DCAT.Dataset)))
    assert types["instrument"] == len(set(g.subjects(RDF.type, PG.Instrument)))
    assert types["training"] == len({w for k in TRAINING_KINDS for w in g.subjects(RDF.type, k)})
    assert types["software"] == len({w for k in SOFTWARE_KINDS for w in g.subjects(RDF.type, k)})
    assert types["person"] == len({w for k in (FOAF.Person, SDO.Person) for w in g.subjects(RDF.type, k)})
    assert types["technique"] == len({str(t) for p in (SDO.measurementTechnique, SDO.about)
                                      for t in g.objects(None, p) if str(t).startswith(PANET)})
    by_facility: dict[str, set[Any]] = {}
    for d in g.subjects(RDF.type, DCAT.Dataset):
        for p in g.objects(d, DCTERMS.publisher):
            for n in g.objects(p, FOAF.name):
                by_facility.setdefault(str(n), set()).add(d)
    assert {f["facility"]: f["datasets"] for f in s["publishers"]} == {k: len(v) for k, v in by_facility.items()}
    issued = sorted({(str(i), str(d)) for d in g.subjects(RDF.type, DCAT.Dataset) for i in g.objects(d, DCTERMS.issued)
                     if list(g.objects(d, DCTERMS.title))}, key=lambda x: x[1])
    issued.sort(key=lambda x: x[0], reverse=True)  # newest first, then by IRI
    issued = [x for n, x in enumerate(issued) if x[1] not in {y[1] for y in issued[:n]}]
    assert [n["iri"] for n in s["newest"]] == [d for _, d in issued[:8]]
    html = demo.client.get("/", headers={"Accept": BROWSER}).text
    assert f'<dd id="type-dataset">{types["dataset"]}</dd>' in html
    assert '<a href="./technique/PaNET01189">small angle neutron scattering</a>' in html
    assert '<a href="./sources/esrf-oai">' in html and 'href="./sources" id="sources-link"' in html
    assert '<ul class="works" id="newest">' in html and 'href="./describe?iri=https%3A%2F%2Fdoi.org%2F' in html
    # every source's last harvest is on the start page
    for src in s["sources"]:
        assert src["last_harvested"] and src["last_harvested"] in html


def test_openapi_lists_the_page_routes(demo: SimpleNamespace) -> None:
    paths = demo.client.get("/openapi.json").json()["paths"]
    for path in ("/technique/{technique_id}", "/sources", "/sources/{name}"):
        op = paths[path]["get"]
        assert op["summary"] and op["description"], path


def test_pages_use_no_external_assets(demo: SimpleNamespace) -> None:
    for path in ("/", "/sources", "/sources/esrf-oai", "/technique/PaNET01188",
                 "/describe?" + urlencode({"iri": LYSOZYME}), "/describe?" + urlencode({"iri": CARDENAS})):
        html = demo.client.get(path, headers={"Accept": BROWSER}).text
        assets = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', html)
        external = [a for a in assets if a.startswith(("http:", "https:", "//"))
                    and not a.startswith(demo.base + "/")]
        assert not external, (path, external)


# -- in a browser ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def served(demo: SimpleNamespace) -> Iterator[str]:
    with serving(demo.app, demo.port, name="uvicorn-web-pages"):
        yield demo.base


@pytest.fixture(scope="module")
def browser(served: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed; scripts/ensure-chromium.sh installs it")
    from cdp_browser import Browser

    b = Browser(tmp_path_factory.mktemp("chromium-profile"), width=390, height=844)
    try:
        yield b
    finally:
        b.close()


def test_browser_home_to_dataset_to_technique_to_training(browser: Any, served: str) -> None:
    b = browser
    b.open(served + "/")
    assert b.overflow_x() == 0, "the start page scrolls sideways on a phone"
    # a dataset from the start page (a DOI dataset: its page is /describe?iri=https://doi.org/...)
    url = b.click("#newest li a")
    assert url.startswith(served + "/describe?iri=https%3A%2F%2Fdoi.org%2F"), url
    assert b.eval("document.querySelector('section.entity-dataset') !== null")
    ld = json.loads(b.eval("document.querySelector('script[type=\"application/ld+json\"]').textContent"))
    assert ld["@type"] == "Dataset" and ld["name"] == b.text("h1")
    assert b.overflow_x() == 0, f"{url} scrolls sideways on a phone"
    # its technique
    technique = b.eval("document.querySelector('a.technique').textContent")
    url = b.click("a.technique")
    assert re.fullmatch(re.escape(served) + r"/technique/PaNET\d{5}", url), url
    assert b.text("h1") == technique
    assert int(b.text("#count-datasets")) >= 1
    assert b.overflow_x() == 0, f"{url} scrolls sideways on a phone"
    # a broader technique, where training and software are listed, then a training resource
    b.open(served + "/technique/PaNET01124")
    assert int(b.text("#count-training")) >= 1 and int(b.text("#count-software")) >= 1
    title = b.eval("document.querySelector('#training li a').textContent")
    b.click("#training li a")
    assert b.text("h1") == title
    assert json.loads(b.eval("document.querySelector('script[type=\"application/ld+json\"]').textContent"))["name"] == title
    # and a software page from the technique page
    b.open(served + "/technique/PaNET01124")
    title = b.eval("document.querySelector('#software li a').textContent")
    b.click("#software li a")
    assert b.text("h1") == title and b.eval("document.querySelector('section.entity-software') !== null")


def test_browser_sources_pages_on_a_phone(browser: Any, served: str) -> None:
    b = browser
    b.open(served + "/")
    b.click("#sources-link")
    assert b.url == served + "/sources" and b.overflow_x() == 0
    b.click_link("esrf-oai", within="#sources")
    assert b.url == served + "/sources/esrf-oai"
    assert b.text("#records") == str(len(demo_records(b)))
    b.click("#quality-link")
    assert b.url == served + "/quality/esrf-oai"


def demo_records(b: Any) -> list[str]:
    """Rows of the newest-records table of the source page in the browser."""
    return b.eval("[...document.querySelectorAll('#newest tbody tr')].map(r => r.innerText)")


def test_browser_search_facet_dataset_technique_sparql(browser: Any, served: str) -> None:
    """The full flow: search, follow a facet, open a dataset, reach its technique, run an example SPARQL query."""
    b = browser
    b.open(served + "/search")
    if not b.eval("document.querySelector('form.search input[name=q]') !== null"):
        pytest.fail("the /search page has no search form")
    b.eval("document.querySelector('form.search input[name=q]').value = 'scattering'")
    b.click("form.search button[type=submit]")
    assert "q=scattering" in b.url
    total = int(re.sub(r"\D", "", b.text("#total").split()[0]))
    assert total > 0
    # follow the first facet value that narrows the result
    facet = b.eval("(() => { const a = document.querySelector('.facets li:not(.chosen) a'); return a && a.textContent; })()")
    assert facet, "no facet to follow"
    b.click(".facets li:not(.chosen) a")
    narrowed = int(re.sub(r"\D", "", b.text("#total").split()[0]))
    assert 0 < narrowed <= total
    # open a dataset among the hits
    b.eval("""(() => { const h = [...document.querySelectorAll('#hits > li')]
        .find(li => (li.querySelector('.kind') || {}).textContent?.toLowerCase().includes('dataset'));
        h.querySelector('a.hit').setAttribute('id', 'chosen-hit'); })()""")
    b.click("#chosen-hit")
    assert b.eval("document.querySelector('section.entity-dataset') !== null"), b.url
    # reach its technique
    b.click("a.technique")
    assert re.search(r"/technique/PaNET\d{5}$", b.url)
    assert int(b.text("#count-datasets")) >= 1
    # run an example SPARQL query from the query page
    b.click("header.site a[href$='sparql']")
    assert b.url.endswith("/sparql")
    b.eval("""(() => { const s = document.querySelector('#example'); s.selectedIndex = 1;
        s.dispatchEvent(new Event('change', {bubbles: true})); })()""")
    query = b.eval("document.querySelector('#query').value")
    assert "SELECT" in query.upper()
    b.click("#run")
    assert "query=" in b.url
    assert int(b.text("#row-count")) > 0
    assert b.eval("document.querySelectorAll('#solutions tbody tr').length") > 0


def test_page_routes_are_documented() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for route in ("/technique/{PaNET id}", "/sources", "/sources/{name}", "/describe?iri=", "application/ld+json"):
        assert route in readme, route
