"""Machine-readable descriptions of the node — the DCAT-AP 3 catalogue (/catalog), VoID (/.well-known/void),
dumps (/dumps), the sitemap (/sitemap.xml), Prometheus metrics (/metrics) — and structured JSON logs.

All against a real demo store; every figure is checked against an independent reading of the store (rdflib
over an N-Quads dump), the catalogue against the official DCAT-AP 3.0.1 shapes with pySHACL.
"""

from __future__ import annotations

import calendar
import gzip
import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import rdflib
import rdflib.compare
from fastapi.testclient import TestClient
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from served import demo_app
from pangraph.api import create_app
from pangraph.archive import Archive
from pangraph.api.metrics import QUERY_OUTCOMES, count_query
from pangraph.config import load_config
from pangraph.demo import demo_config
from pangraph.dumps import FULL_DUMP, dumps_dir, list_dumps
from pangraph.logs import JsonFormatter, enable_access_log, make_handler
from pangraph.pipeline import Node
from pangraph.validate import Validator, load_profile
from test_api_server import free_port

REPO = Path(__file__).resolve().parents[1]
DCAT_AP_SHAPES = REPO.parent / "shared" / "specs" / "dcat-ap" / "shacl" / "3.0.1" / "individual" / "dcat-ap-SHACL.ttl"
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
LYSOZYME = "https://doi.org/10.15151/esrf-dc-1548271939"  # described by esrf-oai and datacite-rest
PAGE_SIZE = 20


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    with demo_app(tmp_path_factory.mktemp("descriptions-demo"), catalog__page_size=PAGE_SIZE) as demo:
        yield demo


@pytest.fixture(scope="module")
def stored(demo: SimpleNamespace) -> SimpleNamespace:
    """The store read independently: the N-Quads dump parsed by rdflib."""
    buf = io.BytesIO()
    demo.node.store.dump(buf, format="application/n-quads")
    ds = rdflib.Dataset()
    ds.parse(data=buf.getvalue(), format="nquads")
    prov = ds.graph(rdflib.URIRef(f"{demo.base}/graph/provenance"))
    graphs = {str(g): str(src) for g, src in prov.subject_objects(DCTERMS.source)}
    topic = {str(g): t for g, t in prov.subject_objects(FOAF.primaryTopic)}
    datasets = {str(t) for g, t in topic.items() if (t, RDF.type, DCAT.Dataset) in ds.graph(rdflib.URIRef(g))}
    return SimpleNamespace(ds=ds, quads=len(buf.getvalue().splitlines()), graphs=graphs, topic=topic,
                           datasets=datasets)


def error_of(r: Any) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == r.status_code
    assert body["error"]["title"] and body["error"]["detail"]
    return body["error"]


def parse(body: bytes | str, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=fmt)


# --- /catalog ---------------------------------------------------------------------------------------------------

def catalog_page(demo: SimpleNamespace, page: int, fmt: str = "nt") -> tuple[rdflib.Graph, Any]:
    r = demo.client.get("/catalog", params={"page": page, "format": fmt})
    assert r.status_code == 200, r.text
    return parse(r.content, {"nt": "nt", "ttl": "turtle"}[fmt]), r


def test_catalog_page_conforms_to_the_official_dcat_ap_3_shapes(demo: SimpleNamespace):
    """Page 2 — the catalogue and the descriptions of its datasets — validated by pySHACL against DCAT-AP 3.0.1."""
    r = demo.client.get("/catalog", params={"page": 2}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    g = parse(r.content, "nt")
    cat = rdflib.URIRef(f"{demo.base}/catalog")
    members = set(g.objects(cat, DCAT.dataset))
    assert len(members) == PAGE_SIZE
    for d in members:  # the page carries each dataset's description, so its cardinalities are checked too
        assert (d, RDF.type, DCAT.Dataset) in g and g.value(d, DCTERMS.title) is not None
    profile = load_profile("dcat-ap-3", files_override={"dcat-ap-SHACL.ttl": DCAT_AP_SHAPES})
    report = Validator([profile]).validate({"urn:catalog-page-2": r.text})["urn:catalog-page-2"]
    violations = [x for x in report.results if x.severity == "Violation"]
    assert violations == [], violations[:5]
    # the catalogue's own mandatory properties
    publisher = g.value(cat, DCTERMS.publisher)
    assert (cat, RDF.type, DCAT.Catalog) in g and g.value(cat, DCTERMS.title) and g.value(cat, DCTERMS.description)
    assert (publisher, RDF.type, FOAF.Agent) in g and g.value(publisher, FOAF.name)


def test_a_page_without_the_dataset_descriptions_fails_the_shapes(demo: SimpleNamespace):
    """The validation above is not vacuous: the catalogue's dcat:dataset links need typed dataset descriptions."""
    g, _ = catalog_page(demo, 1)
    cat = rdflib.URIRef(f"{demo.base}/catalog")
    bare = rdflib.Graph()
    for t in g.triples((cat, None, None)):
        bare.add(t)
    profile = load_profile("dcat-ap-3", files_override={"dcat-ap-SHACL.ttl": DCAT_AP_SHAPES})
    report = Validator([profile]).validate({"urn:bare": bare.serialize(format="nt")})["urn:bare"]
    assert any(x.severity == "Violation" and x.path == str(DCAT.dataset) for x in report.results)


def test_catalog_pages_walk_every_dataset_once_with_hydra_links(demo: SimpleNamespace, stored: SimpleNamespace):
    cat = rdflib.URIRef(f"{demo.base}/catalog")
    pages = -(-len(stored.datasets) // PAGE_SIZE)
    assert pages >= 4
    seen: list[str] = []
    url: str | None = f"{demo.base}/catalog?page=1"
    n = 0
    while url:
        n += 1
        page = int(parse_qs(urlsplit(url).query)["page"][0])
        g, r = catalog_page(demo, page)
        view = rdflib.URIRef(f"{demo.base}/catalog?page={page}")
        assert (cat, HYDRA.view, view) in g and (view, RDF.type, HYDRA.PartialCollectionView) in g
        assert int(g.value(cat, HYDRA.totalItems)) == len(stored.datasets)
        assert str(g.value(view, HYDRA.first)) == f"{demo.base}/catalog?page=1"
        assert str(g.value(view, HYDRA.last)) == f"{demo.base}/catalog?page={pages}"
        prev = g.value(view, HYDRA.previous)
        assert (prev is None) == (page == 1)
        if prev is not None:
            assert str(prev) == f"{demo.base}/catalog?page={page - 1}"
            assert f'<{prev}>; rel="prev"' in r.headers["link"]
        nxt = g.value(view, HYDRA.next)
        url = str(nxt) if nxt is not None else None
        if nxt is not None:
            assert f'<{nxt}>; rel="next"' in r.headers["link"]
        seen += [str(d) for d in g.objects(cat, DCAT.dataset)]
    assert n == pages
    assert len(seen) == len(set(seen)) and set(seen) == stored.datasets


def test_a_dataset_of_two_sources_is_described_by_one_record(demo: SimpleNamespace, stored: SimpleNamespace):
    sources = {stored.graphs[g] for g, t in stored.topic.items() if str(t) == LYSOZYME}
    assert len(sources) == 2  # the precondition: esrf-oai and datacite-rest both describe it
    ordered = sorted(stored.datasets)
    g, _ = catalog_page(demo, ordered.index(LYSOZYME) // PAGE_SIZE + 1)
    d = rdflib.URIRef(LYSOZYME)
    assert (rdflib.URIRef(f"{demo.base}/catalog"), DCAT.dataset, d) in g
    assert len(set(g.objects(d, DCTERMS.title))) == 1
    assert len(set(g.objects(d, DCTERMS.issued))) <= 1


def test_catalog_content_negotiation(demo: SimpleNamespace):
    nt = demo.client.get("/catalog", headers={"Accept": "application/n-triples"})
    expected = len(parse(nt.content, "nt"))
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                        ("application/rdf+xml", "xml"), ("*/*", "turtle"), (None, "turtle")):
        r = demo.client.get("/catalog", headers={"Accept": accept} if accept else {})
        assert r.status_code == 200
        assert r.headers["content-type"].split(";")[0] == {"turtle": "text/turtle", "json-ld": "application/ld+json",
                                                           "xml": "application/rdf+xml"}[fmt]
        assert r.headers["vary"] == "Accept"
        assert len(parse(r.content, fmt)) == expected, accept
    assert demo.client.get("/catalog?format=jsonld").headers["content-type"] == "application/ld+json"
    assert demo.client.head("/catalog").status_code == 200


def test_catalog_bad_input(demo: SimpleNamespace):
    r = demo.client.get("/catalog", headers={"Accept": "image/png"})
    assert r.status_code == 406 and "text/turtle" in error_of(r)["accepted"]
    r = demo.client.get("/catalog?format=csv")
    assert r.status_code == 400 and error_of(r)["parameter"] == "format"
    assert demo.client.get("/catalog?page=0").status_code == 422
    r = demo.client.get("/catalog?page=999")
    assert r.status_code == 404 and error_of(r)["pages"] >= 4


# --- /.well-known/void ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def void_graph(demo: SimpleNamespace) -> rdflib.Graph:
    r = demo.client.get("/.well-known/void")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    return parse(r.content, "turtle")


def ask_one(g: rdflib.Graph, query: str) -> dict[str, Any]:
    rows = list(g.query("PREFIX void: <http://rdfs.org/ns/void#> PREFIX dct: <http://purl.org/dc/terms/> " + query))
    assert len(rows) == 1, rows
    return rows[0].asdict()


def test_void_dataset_endpoint_dump_and_size(demo: SimpleNamespace, void_graph: rdflib.Graph, stored: SimpleNamespace):
    row = ask_one(void_graph, "SELECT ?ds ?endpoint ?dump ?triples WHERE { ?ds a void:Dataset ; void:sparqlEndpoint "
                  "?endpoint ; void:dataDump ?dump ; void:triples ?triples }")
    assert str(row["ds"]) == f"{demo.base}/.well-known/void#dataset"
    assert str(row["endpoint"]) == f"{demo.base}/sparql"
    assert int(row["triples"]) == stored.quads == demo.node.store.count_quads()
    dump = demo.client.head(urlsplit(str(row["dump"])).path)
    assert dump.status_code == 200 and dump.headers["content-type"] == "application/n-quads"
    # the SPARQL endpoint the VoID names answers with its service description
    sd = demo.client.get("/sparql", headers={"Accept": "text/turtle"})
    assert sd.status_code == 200 and "sparql-service-description" in sd.text
    vocabularies = {str(v) for v in void_graph.objects(row["ds"], VOID.vocabulary)}
    assert {"http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/", "http://schema.org/",
            "http://xmlns.com/foaf/0.1/", "http://www.w3.org/ns/prov#"} <= vocabularies


def test_void_subsets_per_source(demo: SimpleNamespace, void_graph: rdflib.Graph, stored: SimpleNamespace):
    expected_triples: Counter[str] = Counter()
    expected_entities: dict[str, set] = {}
    for g, src in stored.graphs.items():
        for s, _, _ in stored.ds.graph(rdflib.URIRef(g)):
            expected_triples[src] += 1
            if isinstance(s, rdflib.URIRef):
                expected_entities.setdefault(src, set()).add(s)
    rows = void_graph.query(
        "PREFIX void: <http://rdfs.org/ns/void#> PREFIX dct: <http://purl.org/dc/terms/> "
        "SELECT ?source ?triples ?entities WHERE { ?ds void:sparqlEndpoint ?e ; void:subset ?sub . "
        "?sub a void:Dataset ; dct:source ?source ; void:triples ?triples ; void:entities ?entities }")
    got = {str(r.source).rsplit("/", 1)[1]: (int(r.triples), int(r.entities)) for r in rows}
    assert got == {src: (expected_triples[src], len(expected_entities[src])) for src in expected_triples}


def test_void_linksets_count_the_links(demo: SimpleNamespace, void_graph: rdflib.Graph, stored: SimpleNamespace):
    def links(prefix: str, predicate: rdflib.URIRef) -> int:
        return sum(1 for g in stored.graphs for _, _, o in stored.ds.graph(rdflib.URIRef(g)).triples((None, predicate, None))
                   if isinstance(o, rdflib.URIRef) and str(o).startswith(prefix))

    for target, prefix, predicate in (("orcid", "https://orcid.org/", DCTERMS.creator),
                                      ("panet", "http://purl.org/pan-science/PaNET/",
                                       rdflib.URIRef("http://schema.org/measurementTechnique")),
                                      ("ror", "https://ror.org/", DCTERMS.publisher),
                                      ("doi", "https://doi.org/", DCTERMS.isReferencedBy)):
        row = ask_one(void_graph, f"SELECT ?ls ?n ?space WHERE {{ ?ls a void:Linkset ; void:linkPredicate <{predicate}> ; "
                      f"void:objectsTarget ?t ; void:subjectsTarget ?ds ; void:triples ?n . ?ds void:sparqlEndpoint ?e . "
                      f"?t void:uriSpace ?space . FILTER(STR(?space) = \"{prefix}\") }}")
        assert int(row["n"]) == links(prefix, predicate) > 0, target


def test_void_negotiation_and_bad_format(demo: SimpleNamespace, void_graph: rdflib.Graph):
    r = demo.client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and len(parse(r.content, "json-ld")) == len(void_graph)
    r = demo.client.get("/.well-known/void?format=docx")
    assert r.status_code == 400 and error_of(r)["parameter"] == "format"


# --- /dumps ------------------------------------------------------------------------------------------------------

def raw_get(client: TestClient, url: str, headers: dict[str, str] | None = None) -> tuple[httpx.Response, bytes]:
    """The response and its bytes as sent (httpx would decode the gzip Content-Encoding)."""
    with client.stream("GET", url, headers=headers or {}) as r:
        return r, b"".join(r.iter_raw())


def test_dump_listing_and_download(demo: SimpleNamespace, stored: SimpleNamespace):
    r = demo.client.get("/dumps")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    (entry,) = r.json()["dumps"]
    assert entry["name"] == FULL_DUMP and entry["url"] == f"{demo.base}/dumps/{FULL_DUMP}"
    resp, body = raw_get(demo.client, f"/dumps/{FULL_DUMP}")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/n-quads" and resp.headers["content-encoding"] == "gzip"
    assert resp.headers["etag"] == f'"{entry["sha256"]}"' and resp.headers["last-modified"].endswith("GMT")
    assert int(resp.headers["content-length"]) == len(body) == entry["bytes"]
    assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    text = gzip.decompress(body)
    assert len(text.splitlines()) == entry["quads"] == stored.quads  # every quad of every named graph
    ds = rdflib.Dataset()
    ds.parse(data=text, format="nquads")
    assert {str(g.identifier) for g in ds.graphs()} >= set(stored.graphs) | {f"{demo.base}/graph/provenance",
                                                                             f"{demo.base}/graph/quality"}


def test_dump_head_and_conditional_requests(demo: SimpleNamespace):
    url = f"/dumps/{FULL_DUMP}"
    head = demo.client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-encoding"] == "gzip" and int(head.headers["content-length"]) > 0
    etag, modified = head.headers["etag"], head.headers["last-modified"]
    assert demo.client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert demo.client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert demo.client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert demo.client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    resp, body = raw_get(demo.client, url, {"Range": "bytes=0-1"})
    assert resp.status_code == 206 and body == b"\x1f\x8b"  # the gzip magic number: the bytes on disk


def test_dump_errors_and_html(demo: SimpleNamespace):
    for name in ("nope.nq.gz", "dumps.json", ".pangraph.nq.gz.tmp", "..."):
        r = demo.client.get(f"/dumps/{name}")
        assert r.status_code == 404 and error_of(r)["dumps"] == [FULL_DUMP], name
    for path in ("/dumps/..%2F..%2Farchive.sqlite", "/dumps/../archive.sqlite", "/dumps/%2e%2e/dumps.json"):
        r = demo.client.get(path)
        assert r.status_code == 404 and error_of(r), path
    r = demo.client.get("/dumps", headers={"Accept": "text/html"})
    assert r.status_code == 200 and f'href="./dumps/{FULL_DUMP}"' in r.text
    assert demo.client.get("/dumps", headers={"Accept": "image/png"}).status_code == 406


def _software_config(tmp: Path, listing: Path) -> Path:
    cfg = tmp / "pangraph.toml"
    cfg.write_text(f'[paths]\ndata = "data"\n[sources.sw]\nkind = "files"\nformat = "software-list"\n'
                   f'path = "{listing}"\n', encoding="utf-8")
    return cfg


def test_dump_is_regenerated_after_each_run_that_changed_the_store(tmp_path: Path):
    listing = tmp_path / "software.yaml"
    shutil.copy(REPO / "src" / "pangraph" / "demo" / "software" / "pan-software.yaml", listing)
    config = load_config(_software_config(tmp_path, listing))
    with Node(config) as node:
        assert list_dumps(config) == []
        report = node.harvest("sw")
        assert report.loaded > 0
        (first,) = list_dumps(config)
        assert first.quads == node.store.count_quads()
        # unchanged: nothing loaded, the dump is not rewritten
        assert node.harvest("sw").loaded == 0
        assert list_dumps(config) == [first]
        # changed: loaded again, a new dump with the new name in it
        listing.write_text(listing.read_text(encoding="utf-8").replace("name: Mantid", "name: Mantid Workbench", 1),
                           encoding="utf-8")
        assert node.harvest("sw").loaded == 1
        (second,) = list_dumps(config)
        assert second.sha256 != first.sha256
        assert b"Mantid Workbench" in gzip.decompress((dumps_dir(config) / FULL_DUMP).read_bytes())
        assert sorted(p.name for p in dumps_dir(config).iterdir()) == ["dumps.json", FULL_DUMP]  # no temp files
    with Node(config.with_values(dumps__auto=False)) as node:
        listing.write_text(listing.read_text(encoding="utf-8").replace("Mantid Workbench", "Mantid WB"), encoding="utf-8")
        assert node.harvest("sw").loaded == 1
        assert list_dumps(config) == [second]  # dumps.auto off: left alone
    stored = Archive(config.archive_path).stored_count()
    assert stored > 1
    with Node(config.with_values(dumps__auto_max_records=stored - 1)) as node:  # a node above the limit
        listing.write_text(listing.read_text(encoding="utf-8").replace("name: Mantid WB", "name: Mantid W"), encoding="utf-8")
        assert node.harvest("sw").loaded == 1
        assert list_dumps(config) == [second]
    with Node(config.with_values(dumps__auto_max_records=stored)) as node:  # at the limit: rewritten
        listing.write_text(listing.read_text(encoding="utf-8").replace("name: Mantid W", "name: Mantid V"), encoding="utf-8")
        assert node.harvest("sw").loaded == 1
        (third,) = list_dumps(config)
        assert third.sha256 != second.sha256


def test_export_dump_command(tmp_path: Path):
    listing = tmp_path / "software.yaml"
    shutil.copy(REPO / "src" / "pangraph" / "demo" / "software" / "pan-software.yaml", listing)
    cfg = _software_config(tmp_path, listing)
    config = load_config(cfg)
    with Node(config.with_values(dumps__auto=False)) as node:
        node.harvest("sw")
        quads = node.store.count_quads()
    assert list_dumps(config) == []
    exe = [sys.executable, "-m", "pangraph.cli", "--config", str(cfg), "export"]
    out = subprocess.run([*exe, "--dump"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    (info,) = list_dumps(config)
    assert info.quads == quads and f"{quads} quads" in out.stdout and info.sha256 in out.stdout
    bad = subprocess.run([*exe, "--dump", "--format", "turtle"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--dump" in bad.stderr


# --- /sitemap.xml -------------------------------------------------------------------------------------------------

def sitemap_locs(client: TestClient, url: str = "/sitemap.xml") -> tuple[str, list[tuple[str, str | None]]]:
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(r.content)
    out = []
    for el in root:
        assert el.tag in (f"{SITEMAP}url", f"{SITEMAP}sitemap")
        children = {c.tag: c.text for c in el}
        assert set(children) <= {f"{SITEMAP}loc", f"{SITEMAP}lastmod"}
        out.append((children[f"{SITEMAP}loc"], children.get(f"{SITEMAP}lastmod")))
    return etree.QName(root).localname, out


def test_sitemap_lists_every_main_resource_page(demo: SimpleNamespace, stored: SimpleNamespace):
    kind, entries = sitemap_locs(demo.client)
    assert kind == "urlset" and len(entries) <= 50_000
    locs = [u for u, _ in entries]
    assert len(locs) == len(set(locs))
    assert all(u.startswith(demo.base + "/") for u in locs)
    for topic in {str(t) for t in stored.topic.values()}:  # datasets, training, software, instruments …
        page = topic if topic.startswith(demo.base + "/id/") else (
            f"{demo.base}/describe?" + httpx.QueryParams({"iri": topic}).__str__())
        assert page in locs, topic
    assert f"{demo.base}/" in locs and f"{demo.base}/quality/esrf-oai" in locs
    lastmod = dict(entries)[f"{demo.base}/describe?iri=" + LYSOZYME.replace(":", "%3A").replace("/", "%2F")]
    assert lastmod and lastmod[:4].isdigit() and "T" in lastmod
    # every listed page is served (resources asked for as Turtle: the check is that they exist)
    for url in locs[:: max(1, len(locs) // 25)]:
        path = url[len(demo.base):]
        accept = "text/turtle" if path.startswith(("/id/", "/describe")) else "text/html"
        assert demo.client.get(path, headers={"Accept": accept}).status_code == 200, url


def test_sitemap_index_beyond_the_limit(demo: SimpleNamespace):
    _, full = sitemap_locs(demo.client)
    limit = 50
    app = create_app(demo.config.with_values(sitemap__max_urls=limit), store=demo.node.store, archive=demo.node.archive)
    client = TestClient(app)
    kind, index = sitemap_locs(client)
    pages = -(-len(full) // limit)
    assert kind == "sitemapindex" and [u for u, _ in index] == [f"{demo.base}/sitemap.xml?page={n}"
                                                                for n in range(1, pages + 1)]
    joined = []
    for url, _ in index:
        kind, part = sitemap_locs(client, url[len(demo.base):])
        assert kind == "urlset" and 0 < len(part) <= limit
        joined += part
    assert joined == full
    r = client.get(f"/sitemap.xml?page={pages + 1}")
    assert r.status_code == 404 and error_of(r)["pages"] == pages


# --- /metrics ---------------------------------------------------------------------------------------------------

def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(r.text) for s in fam.samples}


def requests_of(m: dict, route: str, status: str = "200") -> float:
    return m.get(("pangraph_http_requests_total", (("method", "GET"), ("route", route), ("status", status))), 0.0)


def test_metrics_count_requests_per_route_template(demo: SimpleNamespace, stored: SimpleNamespace):
    minted = sorted(t for t in stored.datasets if t.startswith(demo.base + "/id/"))[:3]
    before = scrape(demo.client)
    for iri in minted:
        assert demo.client.get(iri[len(demo.base):]).status_code == 200
    assert demo.client.get("/no/such/page").status_code == 404
    assert demo.client.get("/catalog?page=999").status_code == 404
    after = scrape(demo.client)
    assert requests_of(after, "/id/{path:path}") - requests_of(before, "/id/{path:path}") == 3
    assert requests_of(after, "<unmatched>", "404") - requests_of(before, "<unmatched>", "404") == 1
    assert requests_of(after, "/catalog", "404") - requests_of(before, "/catalog", "404") == 1
    routes = {dict(labels).get("route") for (name, labels) in after if name == "pangraph_http_requests_total"}
    assert not any(r and r.startswith("/id/http") for r in routes), "raw paths must never become labels"
    hist = ("pangraph_http_request_duration_seconds_count", (("method", "GET"), ("route", "/id/{path:path}")))
    assert after[hist] - before.get(hist, 0) == 3


def test_metrics_store_harvests_dumps_and_queries(demo: SimpleNamespace, stored: SimpleNamespace):
    before = scrape(demo.client)
    count_query("timeout", 30.5)
    count_query("rejected_service")
    with pytest.raises(ValueError):
        count_query("no-such-outcome")
    m = scrape(demo.client)
    assert m[("pangraph_store_quads", ())] == stored.quads
    q = "pangraph_sparql_queries_total"
    assert m[(q, (("outcome", "timeout"),))] - before[(q, (("outcome", "timeout"),))] == 1
    assert m[(q, (("outcome", "rejected_service"),))] - before[(q, (("outcome", "rejected_service"),))] == 1
    assert {dict(labels)["outcome"] for (name, labels) in m if name == q} == set(QUERY_OUTCOMES)
    runs = demo.node.archive.runs(None, 100)
    expected = {}
    for run in reversed(runs):  # oldest first: the newest ok run of each source wins
        if run["status"] == "ok":
            expected[run["source"]] = run["finished_at"]
    got = {dict(labels)["source"]: v for (name, labels), v in m.items()
           if name == "pangraph_source_last_successful_harvest_timestamp_seconds"}
    assert set(got) == set(expected) and len(got) >= 10
    for source, finished in expected.items():
        assert abs(got[source] - calendar.timegm(time.strptime(finished[:19], "%Y-%m-%dT%H:%M:%S"))) < 1.5
    (dump,) = list_dumps(demo.config)
    assert ("pangraph_dump_generated_timestamp_seconds", (("name", FULL_DUMP),)) in m


# --- JSON logs --------------------------------------------------------------------------------------------------

def test_access_log_lines_are_json_objects(demo: SimpleNamespace):
    stream = io.StringIO()
    handler = make_handler("json", stream)
    access = logging.getLogger("pangraph.access")
    access.addHandler(handler)
    enable_access_log(True)
    try:
        assert demo.client.get("/catalog?page=1&format=nt").status_code == 200
    finally:
        access.removeHandler(handler)
        enable_access_log(False)
    (line,) = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert line["level"] == "INFO" and line["logger"] == "pangraph.access"
    assert (line["method"], line["path"], line["route"], line["status"]) == ("GET", "/catalog", "/catalog", 200)
    assert line["duration_ms"] > 0 and line["time"].endswith("Z") and "/catalog" in line["message"]


def test_json_formatter_keeps_extra_fields_and_tracebacks():
    record = logging.LogRecord("pangraph.x", logging.ERROR, __file__, 1, "failed %s", ("here",), None)
    record.source = "esrf"
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    out = json.loads(JsonFormatter().format(record))
    assert out["message"] == "failed here" and out["source"] == "esrf" and "RuntimeError: boom" in out["exc_info"]
    with pytest.raises(ValueError):
        make_handler("xml")


def test_pangraph_serve_writes_json_logs(tmp_path: Path):
    """`pangraph serve` with server.log_format = "json": each stderr line is one JSON object, one per request."""
    port = free_port()
    cfg = tmp_path / "pangraph.toml"
    cfg.write_text(f'[paths]\ndata = "data"\n[server]\nport = {port}\nlog_format = "json"\n', encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "pangraph.cli", "--config", str(cfg), "serve"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert r.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/nope", timeout=5).status_code == 404
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    lines = [json.loads(x) for x in err.splitlines() if x.strip()]  # every line parses
    access = [x for x in lines if x["logger"] == "pangraph.access"]
    assert {(x["path"], x["status"], x["route"]) for x in access} >= {("/health", 200, "/health"),
                                                                      ("/nope", 404, "<unmatched>")}
    assert all({"time", "level", "logger", "message"} <= set(x) for x in lines)


# --- OpenAPI ----------------------------------------------------------------------------------------------------

def test_openapi_documents_every_route(demo: SimpleNamespace):
    paths = demo.client.get("/openapi.json").json()["paths"]
    for path in ("/catalog", "/.well-known/void", "/dumps", "/dumps/{name}", "/sitemap.xml", "/metrics"):
        op = paths[path]["get"]
        assert op["summary"] and len(op["description"]) > 40, path


# --- the helpers: Turtle writer, cache ---------------------------------------------------------------------------

def test_turtle_writer_round_trips_every_kind_of_term():
    from pangraph.api.rdfdoc import turtle_from_ntriples

    nt = "\n".join([
        '<http://www.w3.org/ns/dcat#x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .',
        '<http://www.w3.org/ns/dcat#x> <http://purl.org/dc/terms/title> "a \\"quoted\\" title\\nwith a newline"@en .',
        '<http://www.w3.org/ns/dcat#x> <http://purl.org/dc/terms/title> "second \\u00e9 title" .',
        '<http://www.w3.org/ns/dcat#x> <http://www.w3.org/ns/dcat#byteSize> "5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .',
        '<http://www.w3.org/ns/dcat#x> <http://purl.org/dc/terms/issued> "2020"^^<http://example.org/odd#type.with.dots> .',
        '<http://www.w3.org/ns/dcat#x> <http://purl.org/dc/terms/relation> _:b0 .',
        '_:b0 <http://xmlns.com/foaf/0.1/name> "n . with dot" .',
        '<https://doi.org/10.1234/A.B-(c)> <http://purl.org/dc/terms/isPartOf> <http://purl.org/dc/terms/> .',
        '<http://schema.org/has.dot> <http://schema.org/about> <http://purl.org/pan-science/PaNET/PaNET01124> .',
    ])
    ttl = turtle_from_ntriples(nt)
    a, b = rdflib.Graph().parse(data=nt, format="nt"), rdflib.Graph().parse(data=ttl, format="turtle")
    assert rdflib.compare.isomorphic(a, b), ttl
    assert "panet:PaNET01124" in ttl and "dct:title" in ttl and " a dcat:Dataset" in ttl
    with pytest.raises(ValueError):
        turtle_from_ntriples("not a triple")


def test_figures_computed_from_the_store_are_renewed_by_a_new_dump(tmp_path: Path):
    from pangraph.store.oxigraph import OxigraphStore

    base = "http://127.0.0.1:8000"
    store = OxigraphStore(None)
    config = demo_config(data_dir=tmp_path)
    client = TestClient(create_app(config, store=store))

    def triples() -> int:
        g = parse(client.get("/.well-known/void", headers={"Accept": "application/n-triples"}).content, "nt")
        return int(g.value(rdflib.URIRef(f"{base}/.well-known/void#dataset"), VOID.triples))

    store.bulk_load(f'<{base}/id/x/s/1> <http://purl.org/dc/terms/title> "one" <{base}/graph/record/s/1> .\n'.encode(),
                    format="application/n-quads")
    assert triples() == 1
    store.bulk_load(f'<{base}/id/x/s/2> <http://purl.org/dc/terms/title> "two" <{base}/graph/record/s/2> .\n'.encode(),
                    format="application/n-quads")
    assert triples() == 1  # kept (server.description_cache_s) …
    from pangraph.dumps import write_dump

    write_dump(store, config)
    assert triples() == 2  # … until a load rewrites the dump
    uncached = TestClient(create_app(config.with_values(server__description_cache_s=0), store=store))
    store.bulk_load(f'<{base}/id/x/s/3> <http://purl.org/dc/terms/title> "3" <{base}/graph/record/s/3> .\n'.encode(),
                    format="application/n-quads")
    g = parse(uncached.get("/.well-known/void?format=nt").content, "nt")
    assert int(g.value(rdflib.URIRef(f"{base}/.well-known/void#dataset"), VOID.triples)) == 3


def test_sparql_endpoint_outcomes_reach_the_metrics(demo: SimpleNamespace):
    q = "pangraph_sparql_queries_total"
    before = scrape(demo.client)
    assert demo.client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
    assert demo.client.get("/sparql", params={"query": "SELECT WHERE {"}).status_code == 400
    after = scrape(demo.client)
    for outcome in ("ok", "rejected_malformed"):
        assert after[(q, (("outcome", outcome),))] - before[(q, (("outcome", outcome),))] == 1, outcome
