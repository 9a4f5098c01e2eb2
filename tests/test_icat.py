"""ICAT dumps (python-icat 6.2 icatdump YAML and XML, an icatingest file) and PIDINST instrument records,
read as files by ``Node.harvest`` into a real Oxigraph store, crosswalked, validated and queried."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import PANET_OWL
from pangraph.config import load_config
from pangraph.pipeline import Node
from pangraph.sources.icat import read_pidinst_files

BASE = "http://pan.test"
P = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX pangraph: <https://w3id.org/pangraph/ns#>
PREFIX sosa: <http://www.w3.org/ns/sosa/> PREFIX org: <http://www.w3.org/ns/org#>
"""
DUMP_RECORDS = {"icat-instrument": 3, "icat-investigation": 3, "icat-dataset": 9, "icat-data-collection": 5,
                "icat-data-publication": 1, "icat-study": 1}


def config(tmp: Path, sources: dict[str, dict[str, str]]) -> Path:
    lines = ["[node]", f'base = "{BASE}"', "[paths]", 'data = "data"', "[vocab.panet]", f'file = "{PANET_OWL}"']
    for name, table in sources.items():
        lines.append(f"[sources.{name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    path = tmp / "pangraph.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def ask(node: Node, query: str) -> bool:
    return node.store.ask(P + query)


def kinds(node: Node, source: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in node.archive.iter_records(source):
        out[r.metadata_prefix] = out.get(r.metadata_prefix, 0) + 1
    return out


def test_icatdump_yaml_and_xml(tmp_path: Path, shared_data: Path) -> None:
    icat = shared_data / "other" / "icat"
    cfg = config(tmp_path, {"yaml": {"kind": "files", "format": "icat-dump", "path": str(icat / "icatdump-6.2.yaml")},
                            "xml": {"kind": "files", "format": "icat-dump", "path": str(icat / "icatdump-6.2.xml")}})
    with Node(load_config(cfg)) as node:
        for source in ("yaml", "xml"):
            report = node.harvest(source)
            assert report.added == sum(DUMP_RECORDS.values()) and report.failed == 0, report.errors
            assert kinds(node, source) == DUMP_RECORDS
            base = f"{BASE}/id/proposal/{source}"
            # investigation → proposal activity with title, facility, PI role, instrument, its datasets
            assert ask(node, f"ASK {{ <{base}/10100601-st> a prov:Activity ; dct:title 'Ni-Mn-Ga flat cone' ; "
                             "prov:used ?i ; prov:generated ?d ; pangraph:facility ?f . ?i rdfs:label ?l . "
                             "?d dct:title 'e208339' ; prov:wasGeneratedBy ?a . ?f foaf:name ?fn "
                             "FILTER(?l = 'E2 - Flat-Cone Diffractometer' && ?fn = 'Example Synchrotron and Neutron Facility') }")
            # PaNET:PaNET01217 technique, a parameter with value and unit (T → QUDT tesla), the IGSN sample
            assert ask(node, "ASK { ?d dct:title 'e208339' ; schema:measurementTechnique "
                             "<http://purl.org/pan-science/PaNET/PaNET01217> ; schema:additionalProperty ?p ; "
                             "prov:wasGeneratedBy ?a . ?p schema:name 'Magnetic field' ; schema:unitText 'T' ; "
                             "schema:value ?v . ?a prov:used ?s . ?s a sosa:Sample ; dct:identifier 'IGSN:ESNFZDVHICBD' "
                             "FILTER(?v = 7.3) }")
            # ROR affiliation (ROR:024mw5h28) and Crossref funder on the data publication
            assert ask(node, "ASK { ?pub dct:title 'Data from OEIS sequence A000027' ; dct:creator ?c ; "
                             "<http://purl.org/cerif/frapo/isFundedBy> ?g . ?c org:memberOf <https://ror.org/024mw5h28> . "
                             "?g <http://purl.org/cerif/frapo/hasFundingAgency> <https://doi.org/10.13039/100005376> }")
        # the example's DOIs (00.0815/…) and truncated ORCIDs are kept as text and noted in the quality graph
        notes = node.store.select(P + "SELECT ?m ?v WHERE { GRAPH ?q { ?r sh:sourceConstraintComponent "
                                      "pangraph:CrosswalkNote ; sh:resultMessage ?m ; sh:value ?v } }")
        values = {r["v"] for r in notes}
        assert "DOI:00.0815/inv-00122" in values and "0000-0002-3266" in values


def test_icatingest_file(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "other" / "icat" / "metadata-5.0-inl.xml"
    cfg = config(tmp_path, {"ingest": {"kind": "files", "format": "icat-dump", "path": str(path)}})
    with Node(load_config(cfg)) as node:
        report = node.harvest("ingest")
        assert report.added == 2 and report.failed == 0
        assert ask(node, "ASK { ?d dct:title 'testingest_inl5_1' ; dct:description 'Dy01Cp02 at 2.7 K' ; "
                         "schema:measurementTechnique <http://purl.org/pan-science/PaNET/PaNET01217> ; "
                         "schema:additionalProperty ?p . ?p schema:name 'Sample temperature' ; schema:unitText 'K' ; "
                         "schema:value ?v FILTER(?v = 2.74103) }")


def test_pidinst_records(tmp_path: Path, shared_data: Path) -> None:
    folder = shared_data / "other" / "pidinst"
    cfg = config(tmp_path, {"pidinst": {"kind": "files", "format": "pidinst-xml", "path": str(folder / "*.xml")}})
    with Node(load_config(cfg)) as node:
        report = node.harvest("pidinst")
        assert report.added == 3 and report.failed == 0
        station = f"{BASE}/id/instrument/pidinst/1234-1675"
        detector = f"{BASE}/id/instrument/pidinst/1234-1675-1"
        # HasComponent / IsComponentOf meet on the IRIs the two records give themselves
        assert ask(node, f"ASK {{ <{station}> a pangraph:Instrument ; rdfs:label ?l ; dct:hasPart <{detector}> ; "
                         "dct:isReferencedBy <https://doi.org/10.17815/jlsrf-2-64> ; "
                         "prov:wasAttributedTo <https://ror.org/02aj13c28> ; schema:manufacturer <https://ror.org/02aj13c28> }")
        assert ask(node, f"ASK {{ <{detector}> dct:isPartOf <{station}> ; schema:model 'PILATUS3 S 6M' ; "
                         "rdfs:label 'Pilatus detector at MX station 14.1' }")
        # the examples' Handles are not real Handles: noted
        assert ask(node, "ASK { GRAPH ?q { ?r sh:sourceConstraintComponent pangraph:CrosswalkNote ; "
                         "sh:value '1234.1675' } }")


def test_unreadable_and_foreign_files_are_reported_by_name(tmp_path: Path, shared_data: Path) -> None:
    good = shared_data / "other" / "pidinst" / "hzb-nanocluster.xml"
    (tmp_path / "cut.xml").write_bytes(good.read_bytes()[:300])
    (tmp_path / "datacite.xml").write_bytes(b"<resource xmlns='http://datacite.org/schema/kernel-4'/>")
    got = list(read_pidinst_files([good, tmp_path / "cut.xml", tmp_path / "datacite.xml", tmp_path / "gone.xml"],
                                  source="p"))
    assert [type(x).__name__ for x in got] == ["RawRecord", "SourceProblem", "SourceProblem", "SourceProblem"]
    assert got[0].payload == good.read_bytes(), "the file is archived as published"
    assert [x.identifier for x in got[1:]] == ["cut.xml", "datacite.xml", "gone.xml"]
    assert "not well-formed XML" in got[1].reason
    assert "is not a PIDINST <instrument>" in got[2].reason
    assert "cannot read" in got[3].reason
