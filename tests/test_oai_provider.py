"""The OAI-PMH 2.0 provider at /oai, against the demo node: every verb and every error validated offline with
lxml against the OAI-PMH schemas (../shared/specs/oai-pmh/schemas) and the DataCite kernel 4.7 XSD
(../shared/data/datacite/kernel-4.7-xsd); paging with stateless tokens across an app restart; from/until;
sets; the rdf payload against the store; deleted records; and a round trip: the node harvested over real HTTP
(uvicorn on 127.0.0.1) with the project's own OAI-PMH harvester in oai_datacite into a second node."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
import rdflib
import rdflib.compare
from lxml import etree

from pangraph import iri as ids
from pangraph.api import create_app
from pangraph.config import SourceConfig
from pangraph.demo import demo_config
from pangraph.pipeline import Node
from pangraph.records import RawRecord
from pangraph.archive import RunReport
from served import demo_app, free_port, start, stop

OAI = "http://www.openarchives.org/OAI/2.0/"
DC = "http://purl.org/dc/elements/1.1/"
DATACITE = "http://datacite.org/schema/kernel-4"
N = {"o": OAI, "dc": DC, "d": DATACITE, "od": "http://schema.datacite.org/oai/oai-1.1/",
     "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}
PAGE = 20
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
SDO = rdflib.Namespace("http://schema.org/")

# Test-side stand-ins for two namespaces without an offline schema (lax content): rdf:RDF (the `rdf` format) and
# the oai-1.1 wrapper of `oai_datacite` (its payload is validated against the real DataCite XSD separately).
RDF_STANDIN = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  targetNamespace="http://www.w3.org/1999/02/22-rdf-syntax-ns#" elementFormDefault="qualified">
  <xs:element name="RDF"><xs:complexType><xs:sequence>
    <xs:any namespace="##any" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence><xs:anyAttribute processContents="skip"/></xs:complexType></xs:element>
</xs:schema>"""
OAI_DATACITE_STANDIN = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:od="http://schema.datacite.org/oai/oai-1.1/"
  targetNamespace="http://schema.datacite.org/oai/oai-1.1/" elementFormDefault="qualified">
  <xs:element name="oai_datacite"><xs:complexType><xs:sequence>
    <xs:element name="schemaVersion" type="xs:string" minOccurs="0"/>
    <xs:element name="datacentreSymbol" type="xs:string" minOccurs="0"/>
    <xs:element name="payload"><xs:complexType><xs:sequence>
      <xs:any namespace="http://datacite.org/schema/kernel-4" processContents="lax"/>
    </xs:sequence></xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"""


@pytest.fixture(scope="module")
def schemas(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """The OAI-PMH response schema (with oai_dc, oai-identifier and the stand-ins imported, since OAI-PMH.xsd
    checks <metadata> and <description> content strictly) and the DataCite kernel 4.7 schema, all offline."""
    oai_dir = shared_data.parent / "specs" / "oai-pmh" / "schemas"
    if not oai_dir.exists():
        oai_dir = shared_data / ".." / "specs" / "oai-pmh" / "schemas"
    tmp = tmp_path_factory.mktemp("xsd")
    (tmp / "rdf.xsd").write_text(RDF_STANDIN)
    (tmp / "oai-datacite.xsd").write_text(OAI_DATACITE_STANDIN)
    kernel = shared_data / "datacite" / "kernel-4.7-xsd" / "metadata.xsd"
    imports = [(OAI, oai_dir / "OAI-PMH.xsd"), ("http://www.openarchives.org/OAI/2.0/oai_dc/", oai_dir / "oai_dc.xsd"),
               ("http://www.openarchives.org/OAI/2.0/oai-identifier", oai_dir / "oai-identifier.xsd"),
               (N["rdf"], tmp / "rdf.xsd"), (N["od"], tmp / "oai-datacite.xsd"), (DATACITE, kernel)]
    driver = ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:test:oai-all">'
              + "".join(f'<xs:import namespace="{ns}" schemaLocation="{p.resolve().as_uri()}"/>' for ns, p in imports)
              + "</xs:schema>")
    (tmp / "all.xsd").write_text(driver)
    return SimpleNamespace(oai=etree.XMLSchema(etree.parse(str(tmp / "all.xsd"))),
                           datacite=etree.XMLSchema(etree.parse(str(kernel))))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    port = free_port()
    with demo_app(tmp_path_factory.mktemp("oai-demo"), port=port, oai__page_size=PAGE,
                  oai__repository_identifier="demo.pangraph.example") as d:
        yield d


def oai(demo: SimpleNamespace, schemas: SimpleNamespace | None = None, **params: str) -> etree._Element:
    r = demo.client.get("/oai", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/xml")
    doc = etree.fromstring(r.content)
    if schemas is not None:
        assert schemas.oai.validate(doc), (schemas.oai.error_log.last_error, r.text[:2000])
    return doc


def error_code(doc: etree._Element) -> str | None:
    e = doc.find("o:error", N)
    return None if e is None else e.get("code")


def walk(demo: SimpleNamespace, verb: str = "ListIdentifiers", **params: str) -> list[etree._Element]:
    """Every header (or record) of a list, following the resumption tokens."""
    out: list[etree._Element] = []
    doc = oai(demo, verb=verb, **params)
    cursor = 0
    while True:
        if error_code(doc) == "noRecordsMatch":
            return out
        assert error_code(doc) is None, etree.tostring(doc)
        items = doc.findall(f"o:{verb}/o:" + ("header" if verb == "ListIdentifiers" else "record"), N)
        out += items
        token = doc.find(f"o:{verb}/o:resumptionToken", N)
        if token is None:
            return out
        assert int(token.get("cursor")) == cursor
        cursor += len(items)
        if not token.text:
            return out
        doc = oai(demo, verb=verb, resumptionToken=token.text)


def ident(h: etree._Element) -> str:
    h = h if h.tag == f"{{{OAI}}}header" else h.find("o:header", N)
    return h.findtext("o:identifier", namespaces=N)


# --- every verb validates ------------------------------------------------------------------------------------


def test_identify(demo: SimpleNamespace, schemas: SimpleNamespace) -> None:
    doc = oai(demo, schemas, verb="Identify")
    i = doc.find("o:Identify", N)
    assert i.findtext("o:baseURL", namespaces=N) == f"{demo.base}/oai"
    assert i.findtext("o:protocolVersion", namespaces=N) == "2.0"
    assert i.findtext("o:deletedRecord", namespaces=N) == "persistent"
    assert i.findtext("o:granularity", namespaces=N) == "YYYY-MM-DDThh:mm:ssZ"
    earliest = demo.node.archive.earliest_published()
    assert i.findtext("o:earliestDatestamp", namespaces=N) == earliest[:19] + "Z"
    assert doc.find("o:request", N).get("verb") == "Identify"
    rid = i.find(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}repositoryIdentifier")
    assert rid.text == "demo.pangraph.example"


def test_list_metadata_formats_and_sets(demo: SimpleNamespace, schemas: SimpleNamespace) -> None:
    doc = oai(demo, schemas, verb="ListMetadataFormats")
    prefixes = [e.text for e in doc.iterfind(".//o:metadataPrefix", N)]
    assert prefixes == ["oai_dc", "oai_datacite", "datacite", "rdf"]
    first = ident(oai(demo, verb="ListIdentifiers", metadataPrefix="oai_dc").find(".//o:header", N))
    doc = oai(demo, schemas, verb="ListMetadataFormats", identifier=first)
    assert len(doc.findall(".//o:metadataFormat", N)) == 4
    sets = [e.text for e in oai(demo, schemas, verb="ListSets").iterfind(".//o:setSpec", N)]
    for src in demo.node.archive.published_sources():
        assert f"source:{src}" in sets
    assert {"type:dataset", "type:training", "type:software", "type:other"} <= set(sets)
    assert "facility:european-synchrotron-radiation-facility" in sets


@pytest.mark.parametrize("prefix", ["oai_dc", "oai_datacite", "datacite", "rdf"])
def test_list_records_and_get_record_validate(demo: SimpleNamespace, schemas: SimpleNamespace, prefix: str) -> None:
    doc = oai(demo, schemas, verb="ListRecords", metadataPrefix=prefix)
    records = doc.findall("o:ListRecords/o:record", N)
    assert len(records) == PAGE
    oai(demo, schemas, verb="ListIdentifiers", metadataPrefix=prefix)
    for rec in records[:5]:
        one = oai(demo, schemas, verb="GetRecord", identifier=ident(rec), metadataPrefix=prefix)
        assert ident(one.find("o:GetRecord/o:record", N)) == ident(rec)
    if prefix in ("oai_datacite", "datacite"):
        resources = list(doc.iter(f"{{{DATACITE}}}resource"))
        assert len(resources) == PAGE
        for res in resources:
            assert schemas.datacite.validate(etree.ElementTree(res)), schemas.datacite.error_log.last_error


def test_every_datacite_record_validates_against_the_kernel(demo: SimpleNamespace, schemas: SimpleNamespace) -> None:
    records = walk(demo, "ListRecords", metadataPrefix="datacite")
    assert len(records) == demo.node.archive.published_count()
    for rec in records:
        for res in rec.iter(f"{{{DATACITE}}}resource"):
            assert schemas.datacite.validate(etree.ElementTree(res)), (ident(rec), schemas.datacite.error_log.last_error)


def test_oai_dc_and_datacite_content(demo: SimpleNamespace) -> None:
    lysozyme = "https://doi.org/10.15151/esrf-dc-1548271939"
    rows = demo.node.store.select(f"""SELECT ?g WHERE {{ GRAPH <{demo.base}/graph/provenance> {{
        ?g <http://xmlns.com/foaf/0.1/primaryTopic> <{lysozyme}> ; <http://purl.org/dc/terms/source> "esrf-oai" }} }}""")
    graph = rows[0]["g"]
    source, key = graph.split("/graph/record/", 1)[1].split("/", 1)
    identifier = f"oai:demo.pangraph.example:{source}/{key}"
    dc = oai(demo, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    g = rdflib.Graph().parse(data=demo.node.store.graph_ntriples(graph), format="nt")
    titles = {str(t) for t in g.objects(rdflib.URIRef(lysozyme), DCT.title)}
    assert {e.text for e in dc.iterfind(".//dc:title", N)} == titles
    assert lysozyme in {e.text for e in dc.iterfind(".//dc:identifier", N)}
    res = oai(demo, verb="GetRecord", identifier=identifier, metadataPrefix="datacite").find(".//d:resource", N)
    assert res.find("d:identifier", N).get("identifierType") == "DOI"
    assert res.findtext("d:identifier", namespaces=N).lower() == "10.15151/esrf-dc-1548271939"
    assert {e.text for e in res.iterfind("d:titles/d:title", N)} == titles
    creators = {str(n) for c in g.objects(rdflib.URIRef(lysozyme), DCT.creator) for n in g.objects(c, FOAF.name)}
    assert {e.text for e in res.iterfind("d:creators/d:creator/d:creatorName", N)} == creators
    panet = [e for e in res.iterfind("d:subjects/d:subject", N) if e.get("subjectScheme") == "PaNET"]
    techniques = {str(t) for t in g.objects(rdflib.URIRef(lysozyme), SDO.measurementTechnique)}
    assert {e.get("valueURI") for e in panet} == techniques and techniques
    assert all(e.text and not e.text.startswith("http") for e in panet)  # labels from the PaNET graph


# --- errors ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params,code", [
    ({}, "badVerb"),
    ({"verb": "Fly"}, "badVerb"),
    ({"verb": "Identify", "extra": "1"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-13-45"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01", "until": "2030-01-01T00:00:00Z"},
     "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2030-01-02", "until": "2030-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "eyJ2IjoxfQ.00000000000000000000000000000000"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "abc"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elsewhere.org:x/y"}, "idDoesNotExist"),
    ({"verb": "ListMetadataFormats", "identifier": "oai:demo.pangraph.example:nosuch/key"}, "idDoesNotExist"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1990-01-01"}, "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "source:nosuch"}, "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "type:spaceship"}, "noRecordsMatch"),
])
def test_errors(demo: SimpleNamespace, schemas: SimpleNamespace, params: dict[str, str], code: str) -> None:
    doc = oai(demo, schemas, **params)
    assert error_code(doc) == code
    request = doc.find("o:request", N)
    if code in ("badVerb", "badArgument"):
        assert not request.attrib  # the protocol: no attributes echoed for these
    else:
        assert request.get("verb") == params["verb"]


def test_repeated_argument_and_get_record_of_unknown_format(demo: SimpleNamespace, schemas: SimpleNamespace) -> None:
    r = demo.client.get("/oai?verb=Identify&verb=Identify")
    assert error_code(etree.fromstring(r.content)) == "badVerb"
    r = demo.client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=rdf")
    doc = etree.fromstring(r.content)
    assert schemas.oai.validate(doc) and error_code(doc) == "badArgument"
    first = ident(oai(demo, verb="ListIdentifiers", metadataPrefix="oai_dc").find(".//o:header", N))
    assert error_code(oai(demo, schemas, verb="GetRecord", identifier=first, metadataPrefix="mods")) == \
        "cannotDisseminateFormat"


def test_no_set_hierarchy_is_not_claimed(demo: SimpleNamespace, schemas: SimpleNamespace) -> None:
    """The node has sets: ListSets answers them (noSetHierarchy is for repositories without sets)."""
    doc = oai(demo, schemas, verb="ListSets")
    assert error_code(doc) is None and doc.find("o:ListSets/o:set", N) is not None


def test_post_form_and_wrong_content_type(demo: SimpleNamespace, schemas: SimpleNamespace) -> None:
    r = demo.client.post("/oai", data={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    doc = etree.fromstring(r.content)
    assert schemas.oai.validate(doc)
    get = oai(demo, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert [ident(h) for h in doc.iterfind(".//o:header", N)] == [ident(h) for h in get.iterfind(".//o:header", N)]
    r = demo.client.post("/oai", json={"verb": "Identify"})
    assert r.status_code == 415
    assert r.json()["error"]["status"] == 415


def test_openapi_lists_the_provider(demo: SimpleNamespace) -> None:
    paths = demo.client.get("/openapi.json").json()["paths"]
    for method in ("get", "post"):
        op = paths["/oai"][method]
        assert op["summary"] and "OAI-PMH" in op["description"]


# --- paging, tokens, dates, sets ----------------------------------------------------------------------------


def test_paging_covers_every_record_once(demo: SimpleNamespace) -> None:
    total = demo.node.archive.published_count()
    assert total > 2 * PAGE
    headers = walk(demo, metadataPrefix="oai_dc")
    ids_ = [ident(h) for h in headers]
    assert len(ids_) == total == len(set(ids_))
    first = oai(demo, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.find(".//o:resumptionToken", N)
    assert token.get("completeListSize") == str(total) and token.get("cursor") == "0"
    stamps = [h.findtext("o:datestamp", namespaces=N) for h in headers]
    assert stamps == sorted(stamps)


def test_tokens_survive_a_restart_and_refuse_forgery(demo: SimpleNamespace, schemas: SimpleNamespace) -> None:
    doc = oai(demo, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = doc.find(".//o:resumptionToken", N).text
    expected = [ident(h) for h in oai(demo, verb="ListIdentifiers", resumptionToken=token).iterfind(".//o:header", N)]
    from fastapi.testclient import TestClient

    restarted = SimpleNamespace(client=TestClient(create_app(demo.config, store=demo.node.store,
                                                             archive=demo.node.archive)))
    again = oai(restarted, schemas, verb="ListIdentifiers", resumptionToken=token)
    assert [ident(h) for h in again.iterfind(".//o:header", N)] == expected
    payload, mac = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["cursor"] = 0
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=") + "." + mac
    assert error_code(oai(demo, schemas, verb="ListIdentifiers", resumptionToken=forged)) == "badResumptionToken"
    assert error_code(oai(demo, schemas, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    assert error_code(oai(demo, schemas, verb="ListIdentifiers", resumptionToken=token[:-3])) == "badResumptionToken"
    # another secret (another node, or a rotated key) does not accept it
    other = demo.config.with_values(oai__token_secret="another-key")
    stranger = SimpleNamespace(client=TestClient(create_app(other, store=demo.node.store, archive=demo.node.archive)))
    assert error_code(oai(stranger, verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"


def test_from_until_seconds_and_days(demo: SimpleNamespace, schemas: SimpleNamespace) -> None:
    headers = walk(demo, metadataPrefix="oai_dc")
    stamps = sorted({h.findtext("o:datestamp", namespaces=N) for h in headers})
    cut = stamps[len(stamps) // 2] if len(stamps) > 1 else stamps[0]
    later = [ident(h) for h in headers if h.findtext("o:datestamp", namespaces=N) >= cut]
    upto = [ident(h) for h in headers if h.findtext("o:datestamp", namespaces=N) <= cut]
    assert [ident(h) for h in walk(demo, metadataPrefix="oai_dc", **{"from": cut})] == later
    assert [ident(h) for h in walk(demo, metadataPrefix="oai_dc", until=cut)] == upto
    exact = walk(demo, metadataPrefix="oai_dc", **{"from": cut, "until": cut})
    assert {h.findtext("o:datestamp", namespaces=N) for h in exact} == {cut}
    day = cut[:10]
    assert len(walk(demo, metadataPrefix="oai_dc", **{"from": day, "until": day})) == len(headers)
    doc = oai(demo, schemas, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2999-01-01T00:00:00Z"})
    assert error_code(doc) == "noRecordsMatch"


def test_sets_select_their_records(demo: SimpleNamespace) -> None:
    everything = walk(demo, metadataPrefix="oai_dc")
    by_set: dict[str, set[str]] = {}
    for h in everything:
        for spec in h.iterfind("o:setSpec", N):
            by_set.setdefault(spec.text, set()).add(ident(h))
    for spec in ("source:pan-software", "type:training", "type:software",
                 "facility:european-synchrotron-radiation-facility"):
        got = walk(demo, metadataPrefix="oai_dc", set=spec)
        assert {ident(h) for h in got} == by_set[spec] and by_set[spec], spec
    assert len(by_set["source:pan-software"]) == demo.node.archive.published_count(source="pan-software")
    # the type set agrees with the graph: training records are those whose main resource is training material
    training = {r["g"] for r in demo.node.store.select(f"""
        PREFIX schema: <http://schema.org/>
        SELECT DISTINCT ?g WHERE {{ GRAPH <{demo.base}/graph/provenance> {{ ?g <http://xmlns.com/foaf/0.1/primaryTopic> ?r }}
          GRAPH ?g {{ ?r a ?t FILTER(?t IN (schema:LearningResource, schema:Course, schema:CourseInstance, schema:Event))
                     FILTER NOT EXISTS {{ ?r a <http://www.w3.org/ns/dcat#Dataset> }} }} }}""")}
    assert {f"oai:demo.pangraph.example:{g.split('/graph/record/', 1)[1]}" for g in training} == by_set["type:training"]


# --- the rdf payload ------------------------------------------------------------------------------------------


def test_rdf_payload_is_the_record_graph_plus_links(demo: SimpleNamespace) -> None:
    header = oai(demo, verb="ListIdentifiers", metadataPrefix="rdf", set="type:software").find(".//o:header", N)
    identifier = ident(header)
    source, key = identifier.split(":", 2)[2].split("/", 1)
    graph = ids.record_graph(demo.base, source, key)
    topic = demo.node.store.select(f"SELECT ?r WHERE {{ GRAPH <{demo.base}/graph/provenance> "
                                   f"{{ <{graph}> <http://xmlns.com/foaf/0.1/primaryTopic> ?r }} }}")[0]["r"]

    def payload() -> rdflib.Graph:
        doc = oai(demo, verb="GetRecord", identifier=identifier, metadataPrefix="rdf")
        rdf = doc.findall("o:GetRecord/o:record/o:metadata/*", N)
        assert len(rdf) == 1 and rdf[0].tag == f"{{{N['rdf']}}}RDF"
        return rdflib.Graph().parse(data=etree.tostring(rdf[0]), format="xml")

    stored = rdflib.Graph().parse(data=demo.node.store.graph_ntriples(graph), format="nt")
    assert rdflib.compare.isomorphic(payload(), stored)
    links = f"{demo.base}/graph/links"
    link = f"{demo.base}/id/link/test-1"
    demo.node.store.replace_graph(links, (
        f"<{topic}> <http://www.w3.org/2004/02/skos/core#closeMatch> <https://peer.example/id/software/x> .\n"
        f"<{link}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <{topic}> .\n"
        f"<{link}> <http://purl.org/dc/terms/creator> \"curator\" .\n"
        "<https://elsewhere.example/a> <http://www.w3.org/2002/07/owl#sameAs> <https://elsewhere.example/b> .\n"
        f"<{link}-rejected> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/pangraph/ns#RejectedLinkSuggestion> .\n"
        f"<{link}-rejected> <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{topic}> .\n"))
    try:
        got = payload()
        assert (rdflib.URIRef(topic), rdflib.URIRef("http://www.w3.org/2004/02/skos/core#closeMatch"),
                rdflib.URIRef("https://peer.example/id/software/x")) in got
        assert (rdflib.URIRef(link), DCT.creator, rdflib.Literal("curator")) in got
        assert not list(got.triples((rdflib.URIRef("https://elsewhere.example/a"), None, None)))
        assert not list(got.triples((rdflib.URIRef(link + "-rejected"), None, None)))
        assert len(got) == len(stored) + 3
    finally:
        demo.node.store.replace_graph(links, "")


# --- round trip: harvested by a second node with the project's harvester ---------------------------------------


def test_round_trip_oai_datacite_into_a_second_node(demo: SimpleNamespace, tmp_path: Path) -> None:
    srv, thread = start(demo.app, demo.port, name="oai-provider")
    second = Node(demo_config(data_dir=tmp_path / "second", port=free_port()))
    try:
        report = second.harvest(SourceConfig(name="node-a", url=f"{demo.base}/oai", metadata_prefix="oai_datacite",
                                             set="type:dataset"))
        assert report.status == "ok", report.as_dict()
        datasets = walk(demo, metadataPrefix="oai_dc", set="type:dataset")
        assert report.added == len(datasets) and report.failed == 0
        compared = 0
        for h in datasets:
            identifier = ident(h)
            source, key = identifier.split(":", 2)[2].split("/", 1)
            g_a = rdflib.Graph().parse(data=demo.node.store.graph_ntriples(ids.record_graph(demo.base, source, key)),
                                       format="nt")
            topic = demo.node.store.select(
                f"SELECT ?r WHERE {{ GRAPH <{demo.base}/graph/provenance> {{ <{ids.record_graph(demo.base, source, key)}>"
                f" <http://xmlns.com/foaf/0.1/primaryTopic> ?r }} }}")[0]["r"]
            if not topic.startswith("https://doi.org/"):
                continue
            g_b = rdflib.Graph().parse(data=second.store.graph_ntriples(second.record_graph("node-a", identifier)),
                                       format="nt")
            r = rdflib.URIRef(topic)
            assert (r, None, None) in g_b, f"{identifier}: the DOI {topic} is not the dataset IRI at the second node"
            assert {str(t) for t in g_b.objects(r, DCT.title)} == {str(t) for t in g_a.objects(r, DCT.title)}
            names = lambda g: {str(n) for c in g.objects(r, DCT.creator) for n in g.objects(c, FOAF.name)}  # noqa: E731
            # a record without creators goes out with DataCite's standard value "(:unav)" (creator is mandatory),
            # which the DataCite crosswalk reads back as a name
            assert names(g_b) == (names(g_a) or {"(:unav)"}), identifier
            compared += 1
        assert compared >= 20
    finally:
        second.close()
        stop(srv, thread)


# --- deleted records (last: it changes the demo node) ----------------------------------------------------------


def test_deleted_records_stay_visible(demo: SimpleNamespace, schemas: SimpleNamespace) -> None:
    archive = demo.node.archive
    victim = next(archive.iter_records("pan-software"))
    row = archive.published(source="pan-software", key=victim.key)[0]
    identifier = f"oai:demo.pangraph.example:pan-software/{victim.key}"
    time.sleep(1.1)  # the deletion gets a later datestamp (seconds granularity)
    report = RunReport(source="pan-software", kind="test")
    demo.node.ingest([RawRecord(source="pan-software", identifier=victim.identifier,
                                metadata_prefix=victim.metadata_prefix, payload=b"", deleted=True)], report=report)
    assert report.deleted == 1
    graph = ids.record_graph(demo.base, "pan-software", victim.key)
    assert not demo.node.store.has_graph(graph)
    doc = oai(demo, schemas, verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    header = doc.find("o:GetRecord/o:record/o:header", N)
    assert header.get("status") == "deleted"
    assert doc.find("o:GetRecord/o:record/o:metadata", N) is None
    stamp = header.findtext("o:datestamp", namespaces=N)
    assert stamp > row["loaded_at"][:19] + "Z"
    recent = walk(demo, metadataPrefix="oai_dc", **{"from": stamp})
    assert [ident(h) for h in recent] == [identifier] and recent[0].get("status") == "deleted"
    assert [h.findtext("o:setSpec", namespaces=N) for h in recent] == ["source:pan-software"]
    records = walk(demo, "ListRecords", metadataPrefix="rdf", set="source:pan-software")
    assert identifier in {ident(r) for r in records}
    assert error_code(oai(demo, schemas, verb="ListMetadataFormats", identifier=identifier)) == "noMetadataFormats"
    # and it survives a restart of the archive (the datestamp is stored, not computed)
    assert archive.published(source="pan-software", key=victim.key)[0]["deleted"] is True


# --- the archive's datestamps -----------------------------------------------------------------------------------


def test_archive_keeps_publication_times_and_upgrades_old_archives(tmp_path: Path) -> None:
    import sqlite3

    from pangraph.archive import Archive

    path = tmp_path / "archive.sqlite"
    with Archive(path) as archive:
        rec = RawRecord(source="s", identifier="a", metadata_prefix="oai_dc", payload=b"<x/>")
        archive.put(rec, key="a", harvested_at="2026-01-01T00:00:00.000Z")
        assert archive.published() == []  # not in the store yet: not published
        archive.mark_loaded("s", "a", rec.content_hash)
        [row] = archive.published()
        assert row["key"] == "a" and not row["deleted"] and row["loaded_at"] > "2026-01-01T00:00:00.000Z"
        assert archive.published(after=(row["loaded_at"], row["id"])) == []
    # an archive written before the column existed gets it, filled with the harvest time of loaded records
    db = sqlite3.connect(path)
    db.execute("DROP INDEX records_published")
    db.execute("ALTER TABLE records DROP COLUMN loaded_at")
    db.commit()
    db.close()
    with Archive(path) as archive:
        [row] = archive.published()
        assert row["loaded_at"] == "2026-01-01T00:00:00.000Z"
        assert archive.earliest_published() == "2026-01-01T00:00:00.000Z"
        assert archive.published_count(source="s", from_="2026-01-01T00:00:00") == 1
        assert archive.published_count(until="2025-12-31T23:59:59.999Z") == 0


def test_rdf_payload_bytes_are_stable(demo: SimpleNamespace) -> None:
    """The same record gives the same bytes on every request (canonical blank nodes, sorted statements),
    so harvesters comparing payloads see no change where there is none; ListRecords agrees with GetRecord."""
    records = oai(demo, verb="ListRecords", metadataPrefix="rdf", set="type:training").findall(".//o:record", N)
    with_bnodes = 0
    for record in records[:5]:
        identifier = record.find("o:header/o:identifier", N).text
        first, again = (etree.tostring(oai(demo, verb="GetRecord", identifier=identifier, metadataPrefix="rdf")
                                       .find("o:GetRecord/o:record/o:metadata", N)) for _ in range(2))
        assert first == again, identifier
        assert etree.tostring(record.find("o:metadata", N)) == first
        with_bnodes += b"nodeID" in first
    assert records and with_bnodes, "no record with blank nodes was compared"
