"""``POST /validate`` (pangraph.api.validation): real records from ../shared/data and RDF documents, through
the real app (TestClient) and once through a real uvicorn server; broken, unknown and oversized bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import rdflib
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pangraph import iri as ids
from pangraph.api import create_app
from pangraph.api.validation import ValidationService, router
from pangraph.crosswalk import crosswalk_record
from pangraph.quality_score import score_record
from pangraph.rdf import ntriples
from pangraph.records import RawRecord
from served import free_port, start, stop
from test_api_support import loaded_store, make_config

BASE = "http://127.0.0.1:8000"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DQV = rdflib.Namespace("http://www.w3.org/ns/dqv#")
PANGRAPH = rdflib.Namespace("https://w3id.org/pangraph/ns#")

DATASET_TTL = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://doi.org/10.1234/abc> a dcat:Dataset ;
    dct:title "Powder diffraction of LaB6"@en ;
    dct:identifier "10.1234/abc" ;
    dct:issued "2021-05-04"^^xsd:date ;
    dct:publisher <https://ror.org/02550n020> ;
    dct:creator <https://orcid.org/0000-0002-1825-0097> .
<https://orcid.org/0000-0002-1825-0097> a foaf:Person ; foaf:name "Josiah Carberry" .
<https://ror.org/02550n020> a foaf:Organization ; foaf:name "ESRF" .
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ValidationService:
    """One service for the module: its validators are built once (PaNET, shapes)."""
    return ValidationService(make_config(tmp_path_factory.mktemp("svc"), base=BASE))


def build_app(tmp_path: Path, service: ValidationService, **values: object) -> tuple[FastAPI, object]:
    store = loaded_store(BASE)
    app = create_app(make_config(tmp_path, base=BASE, **values), store=store)
    app.include_router(router)
    app.state.validation_service = service
    return app, store


@pytest.fixture()
def client(tmp_path: Path, service: ValidationService) -> Iterator[tuple[TestClient, object]]:
    app, store = build_app(tmp_path, service)
    with TestClient(app) as c:
        yield c, store
    store.close()


def expected_report(service: ValidationService, payload: bytes, fmt: str, *, profiles=None):
    """The report of the same record through the pipeline's own parts (crosswalk, validator)."""
    graph = ids.record_graph(BASE, "submitted", ids.local_key("record"))
    rec = RawRecord(source="submitted", identifier="record", metadata_prefix=fmt, payload=payload)
    result = crosswalk_record(rec, ctx=service.crosswalk_context("submitted"))
    nt = ntriples(result.triples)
    report = service.validator(profiles or service.default_profiles).validate({graph: nt})[graph]
    return result, report, nt


def test_datacite_xml_is_recognised_crosswalked_and_validated_without_storing(client, service, shared_data):
    c, store = client
    payload = (shared_data / "datacite" / "esrf-ESRF-DC-2493599001.xml").read_bytes()
    before = store.count_quads()
    r = c.post("/validate", content=payload, headers={"Content-Type": "application/xml"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    result, report, nt = expected_report(service, payload, "")
    assert body["format"] == "datacite" and body["kind"] == "dataset"
    assert body["subject"] == result.subject == "https://doi.org/10.15151/esrf-dc-2493599001"
    assert body["results"] == [x.as_dict() for x in report.results]
    assert body["profiles"] == {"pan-dataset": "1.1.0", "training": "1.0.0", "software": "1.1.0"}
    assert body["conforms"] is report.conforms
    assert body["score"] == score_record(report, nt).as_dict()
    assert store.count_quads() == before  # nothing stored


def test_oai_dc_record_in_an_oai_pmh_response(client, service, shared_data):
    c, _ = client
    payload = (shared_data / "oai-pmh" / "datacite-viringo" / "oai_getrecord_dc.xml").read_bytes()
    r = c.post("/validate", content=payload, headers={"Content-Type": "text/xml"})
    assert r.status_code == 200, r.text
    body = r.json()
    _, report, _ = expected_report(service, payload, "")
    assert body["format"] == "oai_dc"
    assert body["counts"]["Violation"] == report.counts()["Violation"] + sum(
        n["severity"] == "Violation" for n in body["notes"])
    assert body["conforms"] is (body["counts"]["Violation"] == 0)


def test_tess_json_ld_with_format_and_profile(client, service, shared_data):
    c, _ = client
    payload = (shared_data / "tess" / "bioschemas-examples" / "trainingmaterial-panet.json").read_bytes()
    r = c.post("/validate", params={"format": "bioschemas-jsonld", "profile": "training"}, content=payload,
               headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "training" and body["profiles"] == {"training": "1.0.0"}
    doc = json.loads(payload)
    _, report, _ = expected_report(service, json.dumps(doc[0]).encode(), "bioschemas-jsonld", profiles=("training",))
    assert body["results"] == [x.as_dict() for x in report.results]
    assert all(x["source_shape"].startswith("https://w3id.org/pangraph/shapes/training#") for x in body["results"])


def test_codemeta_file(client, service, shared_data):
    c, _ = client
    payload = (shared_data / "software" / "codemeta_codemeta" / "codemeta.json").read_bytes()
    r = c.post("/validate", params={"format": "codemeta"}, content=payload,
               headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    body = r.json()
    _, report, _ = expected_report(service, payload, "codemeta")
    assert body["kind"] == "software" and body["results"] == [x.as_dict() for x in report.results]
    assert set(body["score"]["dimensions"]) == {"findability", "accessibility", "interoperability",
                                                "reusability", "contextuality"}


def test_turtle_document_missing_a_licence_gets_a_violation_and_turtle_output(client):
    c, _ = client
    r = c.post("/validate", params={"profile": "pan-dataset"}, content=DATASET_TTL.encode(),
               headers={"Content-Type": "text/turtle", "Accept": "text/turtle"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    rep = next(g.subjects(rdflib.RDF.type, SH.ValidationReport))
    assert g.value(rep, SH.conforms).toPython() is False
    paths = {str(g.value(res, SH.resultPath)) for res in g.objects(rep, SH.result)
             if g.value(res, SH.resultSeverity) == SH.Violation}
    assert "http://purl.org/dc/terms/license" in paths
    metrics = {str(g.value(m, DQV.isMeasurementOf)) for m in g.subjects(rdflib.RDF.type, DQV.QualityMeasurement)}
    assert {str(PANGRAPH[f"{d}Score"]) for d in ("findability", "reusability", "total")} <= metrics

    # the same document as N-Triples and as inline-context JSON-LD gives the same results
    nt = rdflib.Graph().parse(data=DATASET_TTL, format="turtle").serialize(format="nt")
    jsonld = rdflib.Graph().parse(data=DATASET_TTL, format="turtle").serialize(format="json-ld")
    answers = [c.post("/validate", params={"profile": "pan-dataset"}, content=text.encode(),
                      headers={"Content-Type": ct}).json() for text, ct in
               ((DATASET_TTL, "text/turtle"), (nt, "application/n-triples"), (jsonld, "application/ld+json"))]
    assert answers[0]["results"] == answers[1]["results"] == answers[2]["results"]
    assert any(x["path"] == "http://purl.org/dc/terms/license" for x in answers[0]["results"])


def test_html_report_is_a_readable_page_without_cdn(client, shared_data):
    c, _ = client
    payload = (shared_data / "datacite" / "esrf-ESRF-DC-2493599001.xml").read_bytes()
    r = c.post("/validate", params={"output": "html"}, content=payload, headers={"Content-Type": "application/xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Validation report" in r.text and "Quality score" in r.text and "dcat:contactPoint" in r.text
    assert "cdn" not in r.text.lower() and 'src="http' not in r.text


@pytest.mark.parametrize("content, ctype, params, status, expect", [
    (b"@prefix x: <http://x/> .\nx:a x:b x:c .\nx:a x:b .\n", "text/turtle", {}, 400, "line"),
    (b"<resource><broken>", "application/xml", {}, 400, "line"),
    (b'{"name": "x",', "application/json", {"format": "codemeta"}, 400, "line"),
    (b"<foo/>", "application/xml", {}, 400, "field"),
    (b'{"@context": "https://schema.org/", "@type": "Dataset"}', "application/ld+json", {}, 400, "field"),
    (b'{"name": "x"}', "application/json", {}, 400, "known_formats"),
    (b'{"name": "x"}', "application/json", {"format": "nope"}, 400, "known_formats"),
    (DATASET_TTL.encode(), "text/turtle", {"profile": "nope"}, 400, "profiles"),
    (b"   ", "text/turtle", {}, 400, None),
    (b"hello", "text/plain", {}, 415, "known_formats"),
])
def test_bad_requests_get_clear_json_errors(client, content, ctype, params, status, expect):
    c, _ = client
    r = c.post("/validate", params=params, content=content, headers={"Content-Type": ctype})
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["status"] == status and err["title"] and err["detail"]
    if expect:
        assert expect in err, err
    if expect == "known_formats":
        assert "datacite" in err["known_formats"] and "codemeta" in err["known_formats"]


def test_oversized_bodies_get_413(tmp_path, service, shared_data):
    app, store = build_app(tmp_path, service, server__max_body_bytes=4096)
    payload = (shared_data / "datacite" / "esrf-ESRF-DC-2493599001.xml").read_bytes()
    assert len(payload) > 4096
    with TestClient(app) as c:
        r = c.post("/validate", content=payload, headers={"Content-Type": "application/xml"})
        assert r.status_code == 413 and r.json()["error"]["max_bytes"] == 4096

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
            for i in range(0, len(payload), 1000):
                yield payload[i:i + 1000]
        r = c.post("/validate", content=chunks(), headers={"Content-Type": "application/xml"})
        assert r.status_code == 413 and r.json()["error"]["status"] == 413
    store.close()


def test_one_post_through_a_real_uvicorn_server(tmp_path, service, shared_data):
    port = free_port()
    app, store = build_app(tmp_path, service)
    srv, thread = start(app, port, name="uvicorn-validate")
    try:
        payload = (shared_data / "datacite" / "esrf-ESRF-DC-2493599001.xml").read_bytes()
        r = httpx.post(f"http://127.0.0.1:{port}/validate", content=payload,
                       headers={"Content-Type": "application/xml"}, timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["subject"] == "https://doi.org/10.15151/esrf-dc-2493599001"
        r = httpx.post(f"http://127.0.0.1:{port}/validate", content=b"@prefix broken", timeout=30,
                       headers={"Content-Type": "text/turtle"})
        assert r.status_code == 400 and r.json()["error"]["title"] == "Unparseable body"
    finally:
        stop(srv, thread)
        store.close()
