"""Every DataCite and oai_dc sample in ../shared/data crosswalks without a crash, with the DOI IRI,
title, creators and techniques its XML says (expectations written per file below, read from the
samples by hand). Multi-record OAI-PMH pages are split into single ``<record>`` payloads, as the
harvester hands them over."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree
from rdflib import Graph

from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
from pangraph.errors import RecordError
from pangraph.rdf import DCAT, DCT, SCHEMA, ntriples
from pangraph.records import RawRecord

BASE = "https://pangraph.example.org"
PANET = "http://purl.org/pan-science/PaNET/"

# file (under ../shared/data), record index in the page, DOI IRI (None: minted), title substring,
# number of distinct creators, PaNET techniques
SAMPLES: list[tuple[str, int, str | None, str, int, set[str]]] = [
    ("datacite/esrf-ESRF-DC-2493599001.xml", 0, "https://doi.org/10.15151/esrf-dc-2493599001",
     "High-resolution raw tomographic dataset of Aleodon", 10, set()),
    ("datacite/esrf-ESRF-ES-2210534378.xml", 0, "https://doi.org/10.15151/esrf-es-2210534378",
     "Swiss consortium in macromolecular X-ray crystallography", 1,
     {"PaNET01164", "PaNET01082"}),  # subject "Macromolecular Crystallography"; "crystallography" in the title
    ("datacite/kernel-4.3-examples/datacite-example-Box_dateCollected_DataCollector-v4.xml", 0,
     "https://doi.org/10.5072/datacollector_datecollected_geolocationbox", "Temperature and Humidity", 1, set()),
    ("datacite/kernel-4.3-examples/datacite-example-HasMetadata-v4.xml", 0, "https://doi.org/10.5072/example",
     "Identification of putative novel specific targets", 4, set()),
    ("datacite/kernel-4.3-examples/datacite-example-affiliation-v4.xml", 0, "https://doi.org/10.5072/example-full",
     "Full DataCite XML Example", 3, set()),
    ("datacite/kernel-4.3-examples/datacite-example-full-v4.xml", 0, "https://doi.org/10.5072/example-full",
     "Full DataCite XML Example", 3, set()),
    ("datacite/kernel-4.3-examples/datacite-example-fundingReference-v4.xml", 0,
     "https://doi.org/10.5281/zenodo.47394", "Combining internal and external motivations", 1, set()),
    ("datacite/kernel-4.3-examples/datacite-example-software-v4.xml", 0,
     "https://doi.org/10.5072/example-software-2.0", "direct infusion mass spectrometry", 7,
     {"PaNET01268"}),  # "mass spectrometry" in the title
    ("datacite/kernel-4.7-examples/datacite-example-coverage-v4.xml", 0, "https://doi.org/10.82433/pgk2-ar97",
     "Amsterdam immigrants, 1578-1810", 1, set()),
    ("datacite/kernel-4.7-examples/datacite-example-dataset-v4.xml", 0, "https://doi.org/10.82433/9184-dy35",
     "External Environmental Data, 2010-2020", 1, set()),
    ("datacite/kernel-4.7-examples/datacite-example-full-v4.xml", 0, "https://doi.org/10.82433/b09z-4k37",
     "Example Title", 2, set()),  # the relatedItem's creator is not a creator of the dataset
    ("datacite/kernel-4.7-examples/datacite-example-instrument-v4.xml", 0, "https://doi.org/10.82433/08qf-ee96",
     "Pilatus detector at MX station 14.1", 1, set()),
    ("datacite/kernel-4.7-examples/datacite-example-project-v4.xml", 0, "https://doi.org/10.82433/84dj-am41",
     "EAGER: INFORMATE", 1, set()),
    ("datacite/kernel-4.7-examples/datacite-example-relationtypeinformation-v4.xml", 0,
     "https://doi.org/10.82433/0320-9g16", "Improving Metadata Quality", 1, set()),
    ("datacite/oai-datacite/oai-sample-1.1.xml", 0, "https://doi.org/10.5072/wdcc/ccsrnies_sres_b2",
     "National Institute for Environmental Studies", 2, set()),
    ("oai-pmh/datacite-viringo/oai_getrecord_datacite.xml", 0, "https://doi.org/10.5072/not-a-real-doi",
     "This is a fake DOI with fake metadata.", 2, set()),
    ("oai-pmh/datacite-viringo/oai_getrecord_dc.xml", 0, "https://doi.org/10.5072/not-a-real-doi",
     "This is a fake DOI with fake metadata.", 2, set()),
    ("oai-pmh/datacite-viringo/oai_getrecord_oaidatacite.xml", 0, "https://doi.org/10.5072/not-a-real-doi",
     "This is a fake DOI with fake metadata.", 2, set()),
    ("oai-pmh/datacite-viringo/oai_listrecords_dc.xml", 0, "https://doi.org/10.5072/not-a-real-doi",
     "This is a fake DOI with fake metadata.", 2, set()),
    ("oai-pmh/datacite-viringo/oai_listrecords_dc.xml", 1, "https://doi.org/10.5072/not-a-real-doi-2",
     "This is a fake DOI with fake metadata.", 2, set()),
    ("oai-pmh/scicat-oai-provider/openaire-GetRecord.xml", 0, None, "TITLE", 1, set()),
    ("oai-pmh/scicat-oai-provider/openaire-ListRecords.xml", 0, None, "TITLE", 1, set()),
    ("oai-pmh/scicat-oai-provider/panosc-GetRecord.xml", 0, None, "TITLE", 1, set()),
    ("oai-pmh/scicat-oai-provider/panosc-ListRecords.xml", 0, None, "TITLE", 1, set()),
    ("oai-pmh/scicat-oai-provider/scicat-GetRecord.xml", 0, None, "TITLE", 1, set()),
    ("oai-pmh/scicat-oai-provider/scicat-ListRecords.xml", 0, None, "TITLE", 1, set()),
    ("oai-pmh/sickle-sample-data/GetRecord.xml", 0, None, "Sample Title", 1, set()),  # "John Doe" four times
    ("oai-pmh/sickle-sample-data/GetRecord_utf8test.xml", 0, None, "Sample Title", 1, set()),
    ("oai-pmh/sickle-sample-data/ListRecords.xml", 1, None, "Sample Title", 1, set()),
    ("oai-pmh/sickle-sample-data/ListRecords2.xml", 1, None, "Sample Title", 1, set()),
    ("oai-pmh/sickle-sample-data/ListRecords3.xml", 1, None, "Sample Title", 1, set()),
    ("oai-pmh/sickle-sample-data/ListRecords4.xml", 1, None, "Sample Title", 1, set()),
]

# pages whose records carry no metadata: deleted records, and SciCat's <record>-wrapped headers
NO_METADATA: list[tuple[str, int, str]] = [
    ("oai-pmh/sickle-sample-data/ListRecords.xml", 0, "deleted"),
    ("oai-pmh/sickle-sample-data/ListRecords2.xml", 0, "deleted"),
    ("oai-pmh/sickle-sample-data/ListRecords3.xml", 0, "deleted"),
    ("oai-pmh/sickle-sample-data/ListRecords4.xml", 0, "deleted"),
    ("oai-pmh/scicat-oai-provider/openaire-ListIdentifiers.xml", 0, "no <metadata>"),
    ("oai-pmh/scicat-oai-provider/panosc-ListIdentifiers.xml", 0, "no <metadata>"),
    ("oai-pmh/scicat-oai-provider/scicat-ListIdentifiers.xml", 0, "no <metadata>"),
]


@pytest.fixture(scope="module")
def ctx(panet_owl: Path) -> CrosswalkContext:
    from pangraph.vocab import TechniqueIndex

    return CrosswalkContext(base=BASE, source="samples", techniques=TechniqueIndex.from_file(panet_owl),
                            mappings=load_mappings())


def sample_record(shared_data: Path, path: str, index: int) -> RawRecord:
    """One record of a sample file: the whole file, or the index-th <record> of an OAI-PMH page."""
    data = (shared_data / path).read_bytes()
    root = etree.fromstring(data)
    if etree.QName(root).localname != "OAI-PMH":
        return RawRecord(source="samples", identifier=Path(path).stem, metadata_prefix="datacite", payload=data)
    record = list(root.iter("{*}record"))[index]
    identifier = record.findtext("{*}header/{*}identifier") or ""
    return RawRecord(source="samples", identifier=identifier or f"{Path(path).stem}-{index}", metadata_prefix="oai_dc",
                     payload=etree.tostring(record))


def test_the_table_covers_every_sample_file(shared_data: Path) -> None:
    files = {str(p.relative_to(shared_data)) for p in (shared_data / "datacite").rglob("*.xml")}
    files |= {str(p.relative_to(shared_data)) for p in (shared_data / "oai-pmh").rglob("*.xml")
              if re.search(rb"<(\w+:)?metadata[\s>]", p.read_bytes())}
    covered = {s[0] for s in SAMPLES}
    assert files - covered == set(), "sample files without expectations"


@pytest.mark.parametrize("path,index,doi,title,creators,techniques", SAMPLES,
                         ids=[f"{s[0]}#{s[1]}" for s in SAMPLES])
def test_sample(shared_data: Path, ctx: CrosswalkContext, path: str, index: int, doi: str | None, title: str,
                creators: int, techniques: set[str]) -> None:
    record = sample_record(shared_data, path, index)
    result = crosswalk_record(record, ctx=ctx)
    subject = f"<{result.subject}>"
    if doi is not None:
        assert result.subject == doi
    else:
        assert result.subject.startswith(f"{BASE}/id/dataset/samples/")
    titles = [t.o for t in result.triples if t.s == subject and t.p == DCT["title"]]
    assert any(title in t for t in titles), titles
    found_creators = {t.o for t in result.triples if t.s == subject and t.p == DCT.creator}
    assert len(found_creators) == creators
    found = {t.o[1:-1].removeprefix(PANET) for t in result.triples if t.p == SCHEMA.measurementTechnique}
    assert found == techniques
    assert (subject, "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", DCAT.Dataset) in result.triples
    g = Graph()
    g.parse(data=ntriples(result.triples), format="nt")  # the output is valid N-Triples
    assert len(g) == len(set(result.triples))


@pytest.mark.parametrize("path,index,reason", NO_METADATA, ids=[f"{s[0]}#{s[1]}" for s in NO_METADATA])
def test_records_without_metadata_are_record_errors(shared_data: Path, ctx: CrosswalkContext, path: str, index: int,
                                                    reason: str) -> None:
    record = sample_record(shared_data, path, index)
    with pytest.raises(RecordError) as info:
        crosswalk_record(record, ctx=ctx)
    assert reason in info.value.reason
    assert info.value.source == "samples"


def test_broken_page_is_a_record_error(shared_data: Path, ctx: CrosswalkContext) -> None:
    data = (shared_data / "oai-pmh/sickle-sample-data/ListRecordsBroken.xml").read_bytes()
    with pytest.raises(RecordError, match="not well-formed XML"):
        crosswalk_record(RawRecord(source="samples", identifier="broken", metadata_prefix="oai_dc", payload=data),
                         ctx=ctx)


def test_same_doi_in_three_prefixes_is_the_same_dataset(shared_data: Path, ctx: CrosswalkContext) -> None:
    subjects = {crosswalk_record(sample_record(shared_data, f"oai-pmh/datacite-viringo/{name}", 0), ctx=ctx).subject
                for name in ("oai_getrecord_datacite.xml", "oai_getrecord_dc.xml", "oai_getrecord_oaidatacite.xml")}
    assert subjects == {"https://doi.org/10.5072/not-a-real-doi"}
