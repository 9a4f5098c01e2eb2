"""DataCite publishes the same record in several shapes; the crosswalk of the XML must agree with
what DataCite's own JSON says about it (DOI, titles, creators). This exercises the REST API samples
(whose ``attributes.xml`` is the registered kernel-4 XML) and the kernel-4.3 JSON example."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import rdflib

from conftest import PANET_OWL
from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
from pangraph.iri import doi_iri, pid_iri
from pangraph.rdf import ntriples
from pangraph.records import RawRecord
from pangraph.vocab import TechniqueIndex

DCT = rdflib.Namespace("http://purl.org/dc/terms/")


@pytest.fixture(scope="module")
def ctx() -> CrosswalkContext:
    return CrosswalkContext(base="http://pan.test", source="datacite", techniques=TechniqueIndex.from_file(PANET_OWL),
                            mappings=load_mappings())


def _graph(xml: bytes, identifier: str, ctx: CrosswalkContext) -> tuple[str, rdflib.Graph]:
    result = crosswalk_record(RawRecord("datacite", identifier, "datacite", xml), ctx=ctx)
    return result.subject, rdflib.Graph().parse(data=ntriples(result.triples), format="nt")


def _rest_items(shared_data: Path) -> list[tuple[str, dict]]:
    items = []
    for path in sorted((shared_data / "datacite" / "rest-api-json").glob("*.json")):
        data = json.loads(path.read_text())["data"]
        for i, item in enumerate(data if isinstance(data, list) else [data]):
            items.append((f"{path.name}#{i}", item["attributes"]))
    return items


def test_rest_api_samples_agree_with_the_crosswalk_of_their_xml(shared_data: Path, ctx: CrosswalkContext) -> None:
    items = _rest_items(shared_data)
    assert len(items) == 3 + 25, "three single-record responses and a 25-record /dois page"
    for name, attrs in items:
        subject, g = _graph(base64.b64decode(attrs["xml"]), "doi:" + attrs["doi"], ctx)
        assert subject == doi_iri(attrs["doi"]), name
        ds = rdflib.URIRef(subject)
        titles = {str(t) for t in g.objects(ds, DCT.title)} | {str(t) for t in g.objects(ds, DCT.alternative)}
        expected_titles = {t["title"].strip() for t in attrs["titles"] if t.get("title", "").strip()}
        assert {" ".join(t.split()) for t in expected_titles} <= {" ".join(t.split()) for t in titles}, name
        assert len(set(g.objects(ds, DCT.creator))) == len(attrs["creators"]), name
        if attrs.get("publisher"):
            assert (ds, DCT.publisher, None) in g, name


def test_kernel_43_json_example_describes_the_same_resource_as_the_xml(shared_data: Path,
                                                                        ctx: CrosswalkContext) -> None:
    folder = shared_data / "datacite" / "kernel-4.3-examples"
    doc = json.loads((folder / "datacite-example-full-v4.json").read_text())
    subject, g = _graph((folder / "datacite-example-full-v4.xml").read_bytes(), "full-v4.3", ctx)
    doi = next(i["identifier"] for i in doc["identifiers"] if i["identifierType"] == "DOI")
    assert subject == doi_iri(doi)
    ds = rdflib.URIRef(subject)
    main_titles = {t["title"] for t in doc["titles"] if not t.get("titleType")}
    assert main_titles == {str(t) for t in g.objects(ds, DCT.title)}
    # the JSON example is an older revision with fewer creators than the XML: its creators (by ORCID
    # or name) must all be among the crosswalked ones
    foaf_name = rdflib.URIRef("http://xmlns.com/foaf/0.1/name")
    creators = set(g.objects(ds, DCT.creator))
    names = {str(n) for c in creators for n in g.objects(c, foaf_name)}
    for c in doc["creators"]:
        orcids = [i["nameIdentifier"] for i in c.get("nameIdentifiers", []) if i.get("nameIdentifierScheme") == "ORCID"]
        assert c["name"] in names or any(rdflib.URIRef("https://orcid.org/" + o.rsplit("/", 1)[-1]) in creators
                                         for o in orcids), c["name"]
    # every related identifier of the JSON (a URL and an arXiv id) is linked as an IRI
    objects = {str(o) for o in g.objects() if isinstance(o, rdflib.URIRef)}
    for r in doc["relatedIdentifiers"]:
        expected = pid_iri(r["relatedIdentifier"], r["relatedIdentifierType"])
        assert expected in objects, (r, expected)
