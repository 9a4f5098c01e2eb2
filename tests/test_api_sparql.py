"""The SPARQL 1.1 Protocol endpoint: W3C protocol tests that apply to a read-only query service, result
formats and content negotiation, errors, limits and the service description."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic
from rdflib.namespace import Namespace

from conftest import SHARED_SPECS
from pangraph.api import create_app
from pangraph.api.sparql import ServiceCheckError, query_form, service_iris, uses_service
from pangraph.store.oxigraph import OxigraphStore
from test_api_support import loaded_store, make_config, union_graph

BASE = "http://127.0.0.1:8000"
SLOW_QUERY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i "
              "FILTER(STRLEN(CONCAT(STR(?a), STR(?d), STR(?g), STR(?c))) > 0 && REGEX(CONCAT(STR(?a), STR(?i)), 'z{2}')) }")
PROTOCOL_TESTS = SHARED_SPECS / "sparql-protocol" / "w3c-rdf-tests" / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

SOLUTION_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                  "text/tab-separated-values"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """One read-only node for the module (queries cannot change it: the update tests check that)."""
    store = loaded_store(BASE)
    return TestClient(create_app(make_config(tmp_path_factory.mktemp("sparql")), store=store))


def media(response: Any) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["status"] == response.status_code
    assert isinstance(err["title"], str) and err["title"]
    assert isinstance(err["detail"], str) and err["detail"]
    return err


# -- the W3C SPARQL 1.1 Protocol test suite ------------------------------------------------------------------

def _list(graph: rdflib.Graph, head: Any) -> list[Any]:
    return list(rdflib.collection.Collection(graph, head)) if head is not None else []


def _protocol_cases() -> list[Any]:
    manifest = PROTOCOL_TESTS / "manifest.ttl"
    if not manifest.exists():
        return [pytest.param(None, id="manifest-missing", marks=pytest.mark.skip(reason=f"{manifest} not found"))]
    g = rdflib.Graph()
    g.parse(manifest, format="turtle", publicID=manifest.as_uri())
    entries = _list(g, g.value(rdflib.URIRef(manifest.as_uri()), MF.entries))
    cases = []
    for entry in entries:
        name = str(entry).rsplit("#", 1)[-1]
        requests = []
        for req in _list(g, g.value(g.value(entry, MF.action), HT.requests)):
            body = g.value(req, HT.body)
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in _list(g, g.value(req, HT.headers))}
            resp = g.value(req, HT.resp)
            requests.append({
                "method": str(g.value(req, HT.methodName)),
                "path": str(g.value(req, HT.absolutePath)),
                "body": None if body is None else str(g.value(body, CNT.chars)),
                "encoding": None if body is None else str(g.value(body, CNT.characterEncoding) or "UTF-8"),
                "headers": headers,
                "status": {str(s).rsplit("#", 1)[-1] for s in g.objects(resp, MF.expectedStatus)},
                "boolean": g.value(resp, MF.expectedBoolean),
                "format": g.value(resp, MF.expectedFormat),
            })
        data = {str(g.value(d, rdflib.RDFS.label)): Path(unquote(str(g.value(d, UT.graph))).removeprefix("file://"))
                for d in g.objects(entry, UT.graphData)}
        cases.append(pytest.param({"name": name, "requests": requests, "data": data}, id=name))
    return cases


def _is_update_test(name: str) -> bool:
    return name.startswith("update_")


@pytest.mark.parametrize("case", _protocol_cases())
def test_w3c_protocol(case: dict[str, Any], tmp_path: Path) -> None:
    """Every W3C protocol test: query tests must pass as specified; update tests (which expect a writable
    endpoint) must be refused with 403, because this endpoint is read-only; bad_* tests expect a 4xx."""
    store = OxigraphStore(None)
    for graph, path in case["data"].items():
        store.replace_graph(graph, path.read_text(encoding="utf-8"))
    before = store.count_quads()
    client = TestClient(create_app(make_config(tmp_path, sparql__workers=1), store=store))
    name = case["name"]
    for i, req in enumerate(case["requests"]):
        path = req["path"].replace("/sparql/", "/sparql", 1)
        content = None if req["body"] is None else req["body"].encode(req["encoding"].lower())
        response = client.request(req["method"], path, content=content, headers=req["headers"])
        if _is_update_test(name):
            if i == 0:  # the update itself is refused; nothing else to check
                assert response.status_code == 403, (name, response.text)
                assert "read-only" in error_of(response)["detail"]
            break
        if "StatusCode4xx" in req["status"]:
            assert 400 <= response.status_code < 500, (name, response.status_code, response.text)
            error_of(response)
            continue
        assert 200 <= response.status_code < 400, (name, response.status_code, response.text)
        fmt = str(req["format"]) if req["format"] is not None else None
        if fmt == "boolean":
            assert media(response) in {"application/sparql-results+json", "application/sparql-results+xml"}
            if media(response) == "application/sparql-results+json" and req["boolean"] is not None:
                assert response.json()["boolean"] is bool(req["boolean"].toPython())
        elif fmt == "tabular":
            assert media(response) in SOLUTION_TYPES
        elif fmt == "RDF":
            assert media(response) in RDF_TYPES
            rdflib.Graph().parse(data=response.content, format=RDF_TYPES[media(response)])
    assert store.count_quads() == before, "a request changed the store"
    client.app.state.ctx.close()  # its query worker


def test_w3c_suite_is_exercised() -> None:
    """The manifest is there and holds the query, update and bad-request tests the runner above expects."""
    names = {p.id for p in _protocol_cases()}
    assert {"query_post_form", "query_dataset_full", "query_multiple_dataset", "bad_query_syntax",
            "bad_query_non_utf8", "update_post_direct", "bad_update_get"} <= names


# -- query forms and result formats ------------------------------------------------------------------------

SELECT = "SELECT ?d ?t WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?t } ORDER BY ?d"
CONSTRUCT = ("CONSTRUCT { ?d <http://purl.org/dc/terms/title> ?t } WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; "
             "<http://purl.org/dc/terms/title> ?t }")


def expected_titles() -> rdflib.Graph:
    g = union_graph(BASE)
    out = rdflib.Graph()
    for d in g.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")):
        for t in g.objects(d, rdflib.DCTERMS.title):
            out.add((d, rdflib.DCTERMS.title, t))
    return out


def test_select_over_union_of_graphs_as_json(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT})
    assert r.status_code == 200
    assert media(r) == "application/sparql-results+json"
    assert r.headers["vary"] == "Accept"
    rows = r.json()["results"]["bindings"]
    # the three datasets live in three different record graphs: the default graph is their union
    assert sorted(b["t"]["value"] for b in rows) == ["Diffraction study r3", "Diffraction study rec-1",
                                                     "Diffraction study rec-2"]


@pytest.mark.parametrize("accept, expected", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("*/*;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
    ("text/*", "text/csv"),
    ("application/*", "application/sparql-results+json"),
    ("*/*", "application/sparql-results+json"),
    ("image/png, */*;q=0.2", "application/sparql-results+json"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
])
def test_select_negotiation(client: TestClient, accept: str, expected: str) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert media(r) == expected
    if expected == "text/csv":
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) == 3 and rows[0]["t"].startswith("Diffraction study")
    elif expected == "text/tab-separated-values":
        assert r.text.splitlines()[0] == "?d\t?t" and len(r.text.splitlines()) == 4
    elif expected == "application/sparql-results+xml":
        assert "<sparql" in r.text and r.text.count("<result>") == 3


@pytest.mark.parametrize("fmt, expected", [
    ("json", "application/sparql-results+json"), ("xml", "application/sparql-results+xml"),
    ("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
])
def test_format_parameter_overrides_accept(client: TestClient, fmt: str, expected: str) -> None:
    r = client.get("/sparql", params={"query": SELECT, "format": fmt}, headers={"Accept": "image/png"})
    assert r.status_code == 200 and media(r) == expected


@pytest.mark.parametrize("accept, fmt", [
    (None, "turtle"), ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
    ("application/rdf+xml;q=0.3, application/ld+json;q=0.6", "json-ld"),
])
def test_construct_in_every_rdf_format(client: TestClient, accept: str | None, fmt: str) -> None:
    headers = {"Accept": accept} if accept else {}
    r = client.post("/sparql", content=CONSTRUCT, headers={"Content-Type": "application/sparql-query", **headers})
    assert r.status_code == 200, r.text
    assert RDF_TYPES[media(r)] == fmt
    got = rdflib.Graph().parse(data=r.content, format=fmt)
    assert isomorphic(got, expected_titles())


@pytest.mark.parametrize("fmt, parse", [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"),
                                        ("rdfxml", "xml"), ("json", "json-ld"), ("xml", "xml")])
def test_construct_format_parameter(client: TestClient, fmt: str, parse: str) -> None:
    r = client.post("/sparql", data={"query": CONSTRUCT, "format": fmt})
    assert r.status_code == 200, r.text
    assert isomorphic(rdflib.Graph().parse(data=r.content, format=parse), expected_titles())


def test_describe_returns_rdf(client: TestClient) -> None:
    iri = f"{BASE}/id/dataset/esrf/rec-1"
    r = client.get("/sparql", params={"query": f"DESCRIBE <{iri}>"}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and media(r) == "application/n-triples"
    g = rdflib.Graph().parse(data=r.content, format="nt")
    assert (rdflib.URIRef(iri), rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")) in g


def test_ask_as_xml(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+xml"})
    assert r.status_code == 200 and "<boolean>true</boolean>" in r.text


def test_graph_keyword_reaches_one_named_graph(client: TestClient) -> None:
    q = (f"SELECT ?t WHERE {{ GRAPH <{BASE}/graph/record/esrf/rec-2> {{ ?d <http://purl.org/dc/terms/title> ?t }} }}")
    r = client.get("/sparql", params={"query": q})
    assert [b["t"]["value"] for b in r.json()["results"]["bindings"]] == ["Diffraction study rec-2"]


def test_protocol_dataset_restricts_the_default_graph(client: TestClient) -> None:
    q = "SELECT ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t }"
    r = client.get("/sparql", params={"query": q, "default-graph-uri": f"{BASE}/graph/record/ill/r3"})
    assert [b["t"]["value"] for b in r.json()["results"]["bindings"]] == ["Diffraction study r3"]


# -- errors -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("accept", ["image/png", "text/turtle", "application/sparql-results+json;q=0"])
def test_select_406_when_nothing_acceptable(client: TestClient, accept: str) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 406
    err = error_of(r)
    assert "application/sparql-results+json" in err["accepted"]
    assert r.headers["vary"] == "Accept"


def test_construct_406_for_solution_formats(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406
    r = client.get("/sparql", params={"query": CONSTRUCT, "format": "csv"})
    assert r.status_code == 406 and "text/turtle" in error_of(r)["accepted"]


def test_unknown_format_is_400(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT, "format": "yaml"})
    assert r.status_code == 400 and error_of(r)["parameter"] == "format"


def test_malformed_query_gives_the_parser_message(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert r.status_code == 400
    err = error_of(r)
    assert err["title"] == "Malformed query"
    assert "error at 1:" in err["detail"]  # Oxigraph's position of the error


def test_unrecognised_form_is_reported_by_the_parser(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "FROB { ?s ?p ?o }"})
    assert r.status_code == 400 and "malformed SPARQL query" in error_of(r)["detail"]


@pytest.mark.parametrize("request_kwargs", [
    {"method": "GET", "url": "/sparql", "params": {"update": "CLEAR ALL"}},
    {"method": "POST", "url": "/sparql", "data": {"update": "DROP ALL"}},
    {"method": "POST", "url": "/sparql", "content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
    {"method": "GET", "url": "/sparql", "params": {"query": "# sneaky\nPREFIX ex: <http://ex/#>\nDELETE WHERE { ?s ?p ?o }"}},
    {"method": "POST", "url": "/sparql", "content": b"INSERT DATA { <a:b> <a:c> <a:d> }",
     "headers": {"Content-Type": "application/sparql-query"}},
    {"method": "GET", "url": "/sparql", "params": {"query": "CLEAR ALL ; INSERT DATA { <a:b> <a:c> <a:d> }"}},
])
def test_updates_are_refused_with_403(client: TestClient, request_kwargs: dict[str, Any]) -> None:
    store = client.app.state.ctx.store
    before = store.count_quads()
    r = client.request(**request_kwargs)
    assert r.status_code == 403, r.text
    assert "read-only" in error_of(r)["detail"]
    assert store.count_quads() == before > 0


@pytest.mark.parametrize("request_kwargs, status", [
    ({"method": "POST", "url": "/sparql", "data": {"format": "json"}}, 400),
    ({"method": "POST", "url": "/sparql", "content": b"", "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ({"method": "GET", "url": "/sparql", "params": {"format": "json"}}, 400),
    ({"method": "GET", "url": "/sparql", "headers": {"Accept": "application/sparql-results+json"}}, 400),
    ({"method": "GET", "url": "/sparql", "params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
    ({"method": "POST", "url": "/sparql", "content": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415),
    ({"method": "POST", "url": "/sparql", "content": b"query=ASK%20%7B%7D"}, 415),
    ({"method": "POST", "url": "/sparql", "content": "ASK {}".encode("utf-16"),
      "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"}}, 415),
    ({"method": "POST", "url": "/sparql", "content": b"ASK { \xff }", "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ({"method": "POST", "url": "/sparql", "params": {"query": "ASK {}"}, "content": b"ASK {}",
      "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ({"method": "GET", "url": "/sparql", "params": {"query": "ASK {}", "default-graph-uri": "not an iri"}}, 400),
    ({"method": "PUT", "url": "/sparql", "content": b"ASK {}"}, 405),
    ({"method": "DELETE", "url": "/sparql"}, 405),
    ({"method": "OPTIONS", "url": "/sparql"}, 405),
])
def test_bad_requests(client: TestClient, request_kwargs: dict[str, Any], status: int) -> None:
    r = client.request(**request_kwargs)
    assert r.status_code == status, r.text
    error_of(r)
    if status == 405:
        assert r.headers["allow"] == "GET, POST"


def test_body_limit_413(tmp_path: Path) -> None:
    store = loaded_store(BASE)
    client = TestClient(create_app(make_config(tmp_path, server__max_body_bytes=200), store=store))
    small = "ASK { ?s ?p ?o }"
    assert client.post("/sparql", content=small, headers={"Content-Type": "application/sparql-query"}).status_code == 200
    big = "ASK { ?s ?p ?o } " + "#" * 300
    r = client.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    assert error_of(r)["max_bytes"] == 200
    r = client.post("/sparql", data={"query": big})
    assert r.status_code == 413

    def chunks():  # no Content-Length: counted while reading
        for _ in range(10):
            yield b"# padding padding padding padding\n"

    r = client.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413, r.text
    error_of(r)


def test_query_time_limit_503(tmp_path: Path) -> None:
    store = loaded_store(BASE)
    client = TestClient(create_app(make_config(tmp_path, server__query_timeout_s=0.05), store=store))
    slow = SLOW_QUERY  # ≈ 0.8 s on the test node; the abandoned thread finishes soon after
    started = time.monotonic()
    r = client.get("/sparql", params={"query": slow})
    elapsed = time.monotonic() - started
    assert r.status_code == 503, r.text
    assert error_of(r)["timeout_s"] == 0.05
    assert elapsed < 2.0, "the client waited for the query instead of getting the timeout"
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    assert client.app.state.ctx.queries.mode == "process"
    client.app.state.ctx.close()


def test_thread_mode_keeps_the_limits_it_can(tmp_path: Path) -> None:
    """sparql.workers = 0: queries run in threads of the server; the client still gets its 503 at the limit
    (the query itself runs on and holds its slot: the documented limitation), the row cap still holds."""
    store = loaded_store(BASE)
    config = make_config(tmp_path, server__query_timeout_s=0.05, sparql__workers=0, sparql__max_rows=2)
    client = TestClient(create_app(config, store=store))
    assert client.app.state.ctx.queries.mode == "thread"
    r = client.get("/sparql", params={"query": SLOW_QUERY})
    assert r.status_code == 503 and error_of(r)["title"] == "Query timeout"
    # the abandoned query still holds its slot (and a core) until it really ends
    runner = client.app.state.ctx.queries
    assert runner._slots._value == runner.size - 1  # noqa: SLF001
    deadline = time.monotonic() + 30
    while runner._slots._value < runner.size and time.monotonic() < deadline:  # noqa: SLF001
        time.sleep(0.05)
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }", "format": "csv"})
    assert r.status_code == 200 and r.headers["x-pangraph-truncated"] == "true" and len(r.text.splitlines()) == 3


# -- service description and the HTML form ---------------------------------------------------------------------

@pytest.mark.parametrize("accept, fmt", [(None, "turtle"), ("text/turtle", "turtle"),
                                         ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
                                         ("application/n-triples", "nt")])
def test_service_description(client: TestClient, accept: str | None, fmt: str) -> None:
    r = client.get("/sparql", headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    assert RDF_TYPES[media(r)] == fmt
    g = rdflib.Graph().parse(data=r.content, format=fmt)
    endpoint = rdflib.URIRef(f"{BASE}/sparql")
    services = list(g.subjects(SD.endpoint, endpoint))
    assert len(services) == 1
    service = services[0]
    assert (service, rdflib.RDF.type, SD.Service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = {str(o) for o in g.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats and "http://www.w3.org/ns/formats/Turtle" in formats
    dataset = g.value(service, SD.defaultDataset)
    assert (dataset, rdflib.RDF.type, SD.Dataset) in g and g.value(dataset, SD.defaultGraph) is not None


def test_browser_gets_a_query_form_and_html_results(client: TestClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get("/sparql", headers={"Accept": browser})
    assert r.status_code == 200 and media(r) == "text/html"
    assert '<textarea id="query" name="query"' in r.text
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": browser})
    assert media(r) == "text/html"
    assert '<span id="row-count">3</span>' in r.text and "Diffraction study rec-2" in r.text
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": browser})
    assert '<p class="boolean" id="boolean">true</p>' in r.text
    r = client.get("/sparql", params={"query": CONSTRUCT, "format": "html"})
    assert media(r) == "text/html" and "Diffraction study r3" in r.text
    # a non-browser client without preference still gets the standard format
    assert media(client.get("/sparql", params={"query": SELECT})) == "application/sparql-results+json"


@pytest.mark.parametrize("text, form", [
    ("SELECT * {}", "SELECT"), ("  # c\nPREFIX a: <http://a#>\nBASE <http://b/>\nask {}", "ASK"),
    ("PREFIX : <http://x/> CONSTRUCT {} WHERE {}", "CONSTRUCT"), ("describe <x:y>", "DESCRIBE"),
    ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "UPDATE"), ("LOAD <http://x>", "UPDATE"),
    ("SELEC * {}", None), ("", None),
])
def test_query_form(text: str, form: str | None) -> None:
    assert query_form(text) == form


def test_json_results_parse(client: TestClient) -> None:
    r = client.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    n = int(orjson.loads(r.content)["results"]["bindings"][0]["n"]["value"])
    assert n == len(union_graph(BASE)) == client.app.state.ctx.store.count_quads()


@pytest.mark.parametrize("text, expected", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", True),
    ("select * { service silent <http://x/> { ?s ?p ?o } }", True),
    ("SELECT ?service WHERE { ?s <http://x/SERVICE> ?service }", False),
    ('SELECT * WHERE { ?s ?p "SERVICE <x>" } # SERVICE in a comment', False),
    ("PREFIX service: <http://x/> SELECT * WHERE { ?s service:SERVICE ?o }", False),
    ("SELECT * WHERE { ?s ?p '''a SERVICE\nb''' }", False),
])
def test_uses_service(text: str, expected: bool) -> None:
    assert uses_service(text) is expected


def test_service_is_refused(client: TestClient) -> None:
    """SERVICE would make the node fetch arbitrary URLs: refused (400, naming the IRI) unless the IRI is one of
    the configured peers, and this node has none."""
    r = client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert r.status_code == 400
    err = error_of(r)
    assert err["operation"] == "service" and err["service"] == "http://127.0.0.1:9/sparql"
    assert "http://127.0.0.1:9/sparql" in err["detail"] and err["peers"] == []


@pytest.mark.parametrize("text, expected", [
    ("SELECT * WHERE { ?s ?p ?o }", []),
    ("SELECT * WHERE { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"]),
    ("PREFIX p: <http://peer.example/> SELECT * { SERVICE SILENT p:sparql { ?s ?p ?o } }", ["http://peer.example/sparql"]),
    ("SELECT * { SERVICE <rel> { ?s ?p ?o } }", [f"{BASE}/rel"]),  # relative to the endpoint, as Oxigraph resolves it
    ("BASE <http://b.example/x/> SELECT * { SERVICE <y> { ?s ?p ?o } }", ["http://b.example/x/y"]),
    ("SELECT * { ?s ?p ?o OPTIONAL { SERVICE <http://o.example/> { ?s ?q ?r } } }", ["http://o.example/"]),
    ("SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://f.example/> { ?s ?q ?r } } }", ["http://f.example/"]),
    ("SELECT * { { SELECT ?s { SERVICE <http://sub.example/> { ?s ?q ?r } } } }", ["http://sub.example/"]),
    ("ASK { SERVICE ?endpoint { ?s ?p ?o } }", [None]),
    (r"SELECT * { SERVICE <http://127.0.0.1:9/\u0078> { ?s ?p ?o } }", ["http://127.0.0.1:9/x"]),
    ('SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }', []),
    ("SELECT ?service WHERE { ?s <http://x/SERVICE> ?service }", []),
])
def test_service_iris(text: str, expected: list[str | None]) -> None:
    assert service_iris(text, f"{BASE}/sparql") == expected


def test_service_that_cannot_be_checked_is_refused(client: TestClient) -> None:
    """rdflib cannot parse it but the lexer sees a SERVICE keyword: nothing can be allowed."""
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o FROBNICATE } }"
    with pytest.raises(ServiceCheckError):
        service_iris(q, f"{BASE}/sparql")
    r = client.get("/sparql", params={"query": q})
    assert r.status_code == 400 and error_of(r)["operation"] == "service"
