"""SciCat native JSON end to end: the SciCatLive seed served by a real SciCat-like backend on 127.0.0.1
(paged, incremental), the same seed and the PaN-Finder harvests read as files, the demo dump — each
harvested by ``Node.harvest`` into a real Oxigraph store, crosswalked, validated and queried."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


from conftest import PANET_OWL
from pangraph.config import load_config
from pangraph.pipeline import Node
from pangraph.resources import package_data
from scicat_server import SciCatServer

BASE = "http://pan.test"
P = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX pangraph: <https://w3id.org/pangraph/ns#>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
"""
SEED_COUNTS = {"Dataset": 19, "PublishedData": 11, "Instrument": 4, "Proposal": 1, "Sample": 2, "OrigDatablock": 19}


def config(tmp: Path, sources: dict[str, dict[str, object]]) -> Path:
    lines = ["[node]", f'base = "{BASE}"', "[paths]", 'data = "data"', "[vocab.panet]", f'file = "{PANET_OWL}"',
             "[harvest]", "timeout_s = 5", "backoff_s = 0.01", "max_retries = 1"]
    for name, table in sources.items():
        lines.append(f"[sources.{name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    path = tmp / "pangraph.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def ask(node: Node, query: str) -> bool:
    return node.store.ask(P + query)


def rows(node: Node, query: str) -> list[dict[str, str]]:
    return node.store.select(P + query)


def graphs(node: Node, source: str) -> int:
    return sum(1 for g in node.store.named_graphs() if g.startswith(f"{BASE}/graph/record/{source}/"))


def test_seed_harvested_from_a_scicat_backend_with_paging_and_incremental_runs(tmp_path: Path,
                                                                                shared_data: Path) -> None:
    seed = shared_data / "search-api" / "scicat-seed"
    with SciCatServer.from_seed(seed) as server:
        cfg = config(tmp_path, {"scicat": {"kind": "scicat", "url": server.url, "page_size": 4}})
        with Node(load_config(cfg)) as node:
            report = node.harvest("scicat")
            first_requests = list(server.requests)
            assert report.added == sum(SEED_COUNTS.values()) == 56
            assert graphs(node, "scicat") == 56
            # paging: Datasets (19) in pages of 4 → skip 0, 4, … 16
            skips = [json.loads(r["params"]["filter"])["limits"]["skip"] for r in first_requests
                     if r["path"].endswith("/Datasets")]
            assert skips == [0, 4, 8, 12, 16]
            assert all(json.loads(r["params"]["filter"])["limits"]["order"] == "updatedAt:asc"
                       for r in first_requests if "filter" in r["params"])
            # the dangling pid of the seed is reported with record and field, the record is kept
            assert report.failed == 1
            (err,) = report.errors
            assert err["identifier"] == "PublishedData/10.9999/dls_pub1"
            assert "pidArray" in err["reason"] and "PID.SAMPLE.PREFIX/dsl_ds1" in err["reason"]
            assert ask(node, "ASK { <https://doi.org/10.9999/dls_pub1> a dcat:Dataset ; dct:title ?t }")
            # published data: DOI IRI, its datasets (the datasets' own record IRIs, with their titles)
            parts = rows(node, "SELECT DISTINCT ?t WHERE { <https://doi.org/10.9999/desy_pub1> dct:hasPart ?d . "
                               "?d a dcat:Dataset ; dct:title ?t } ORDER BY ?t")
            assert [r["t"] for r in parts] == ["cheetah", "indexing", "phenix"]
            # a DOI pulled out of a free-text citation
            assert ask(node, "ASK { <https://doi.org/10.9999/desy_pub1> dct:isReferencedBy "
                             "<https://doi.org/10.1063/1.5124387> }")
            assert ask(node, "ASK { <https://doi.org/10.9999/maxiv_pub1> dct:isReferencedBy "
                             "<https://doi.org/10.1107/s1600577517013522> }")
            # technique (bare PaNET01168 with dotted-path names), parameter with value and QUDT unit
            assert ask(node, "ASK { ?d dct:identifier 'PID.SAMPLE.PREFIX/desy_ds1' ; schema:measurementTechnique "
                             "<http://purl.org/pan-science/PaNET/PaNET01168> ; schema:additionalProperty ?p . "
                             "?p schema:name 'beamEnergy' ; schema:value ?v ; schema:unitText 'keV' ; "
                             "schema:unitCode <http://qudt.org/vocab/unit/KiloEV> FILTER(?v = 9.3) }")
            # instrument record and dataset meet: the instrument's name from the Instrument record
            assert ask(node, "ASK { ?d dct:identifier 'PID.SAMPLE.PREFIX/desy_ds1' ; prov:wasGeneratedBy ?a . "
                             "?a prov:used ?i . ?i a pangraph:Instrument ; rdfs:label 'SPB/SFX' }")
            # proposal record and dataset meet; sample and owner ORCID
            assert ask(node, "ASK { ?d dct:identifier 'PID.SAMPLE.PREFIX/psi_ds3' ; prov:wasGeneratedBy ?a . "
                             "?a a prov:Activity ; dct:title ?t ; prov:used ?s . ?s a sosa:Sample ; "
                             "rdfs:label ?l FILTER(CONTAINS(?l, 'Wistar')) }")
            assert ask(node, "ASK { ?d dct:creator <https://orcid.org/0000-0001-8676-0091> }")
            # derived data and its input; OrigDatablock as the dataset's distribution with its size
            assert ask(node, "ASK { ?d dct:identifier 'PID.SAMPLE.PREFIX/soleil_ds1' ; prov:wasDerivedFrom ?in . "
                             "?in dct:identifier 'PID.SAMPLE.PREFIX/soleil_ds2' }")
            assert ask(node, "ASK { ?d dct:identifier 'PID.SAMPLE.PREFIX/psi_ds1' ; dcat:distribution ?x . "
                             "?x dcat:byteSize ?n FILTER(?n = 95220228) }")
            # the records were validated: their reports are in the quality graph
            assert rows(node, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?q { ?r a <http://www.w3.org/ns/shacl#"
                              "ValidationReport> ; <http://www.w3.org/ns/dqv#computedOn> ?g } }")[0]["n"] != "0"

            # incremental: one dataset changes; the next run asks from the checkpoint and gets only it
            server.requests.clear()
            server.touch("Datasets", "PID.SAMPLE.PREFIX/desy_ds2", datasetName="indexing (reprocessed)")
            second = node.harvest("scicat")
            filters = [json.loads(r["params"]["filter"]) for r in server.requests if "filter" in r["params"]]
            assert filters and all(f["where"]["updatedAt"]["gte"] == report.checkpoint for f in filters)
            assert (second.added, second.updated, second.unchanged) == (0, 1, 0)
            assert second.failed == 0, "the dangling id is looked up at the source: still not found, but the " \
                                       "published data did not change, so it is not reported again"
            assert ask(node, "ASK { ?d dct:identifier 'PID.SAMPLE.PREFIX/desy_ds2' ; "
                             "dct:title 'indexing (reprocessed)' }")
            assert graphs(node, "scicat") == 56


def test_backend_failure_ends_the_listing_and_keeps_the_checkpoint(tmp_path: Path, shared_data: Path) -> None:
    with SciCatServer.from_seed(shared_data / "search-api" / "scicat-seed") as server:
        cfg = config(tmp_path, {"s": {"kind": "scicat", "url": server.url, "entities": ["Instruments"]}})
        with Node(load_config(cfg)) as node:
            server.fail_next(2, status=500)  # max_retries = 1: two attempts, both fail
            report = node.harvest("s")
            assert report.status == "partial" and report.checkpoint is None
            assert "Instruments" in report.errors[0]["reason"]
            again = node.harvest("s")
            assert again.added == 4 and again.status == "ok"


def test_seed_files_and_an_incremental_file_run(tmp_path: Path, shared_data: Path) -> None:
    folder = tmp_path / "seed"
    shutil.copytree(shared_data / "search-api" / "scicat-seed", folder)
    for p in folder.iterdir():
        p.chmod(0o644)
    cfg = config(tmp_path, {"seed": {"kind": "files", "format": "scicat-json", "path": "seed"}})
    with Node(load_config(cfg)) as node:
        first = node.harvest("seed")
        assert first.added == 56 and first.failed == 1
        assert "dsl_ds1" in first.errors[0]["reason"] and "pidArray" in first.errors[0]["reason"]
        # MongoDB extended JSON dates are typed dates
        assert ask(node, "ASK { <https://doi.org/10.9999/psi_pub1> dct:issued ?y FILTER(STR(?y) = '2020') }")
        data = json.loads((folder / "Sample.json").read_text())
        data[0]["description"] = "Lysozyme, tetragonal"
        (folder / "Sample.json").write_text(json.dumps(data))
        second = node.harvest("seed")
        assert (second.added, second.updated, second.unchanged) == (0, 1, 55)
        assert ask(node, "ASK { ?s a sosa:Sample ; rdfs:label 'Lysozyme, tetragonal' }")


def test_pan_finder_harvests(tmp_path: Path, shared_data: Path) -> None:
    folder = shared_data / "other" / "pan-finder-harvest"
    cfg = config(tmp_path, {"pf": {"kind": "files", "format": "pan-finder-json", "path": str(folder)}})
    with Node(load_config(cfg)) as node:
        report = node.harvest("pf")
        kinds = {}
        for r in node.archive.iter_records("pf"):
            kinds[r.metadata_prefix] = kinds.get(r.metadata_prefix, 0) + 1
        # ESS: 7 published data, 7 datasets; MAX IV: 5 published data (one with a 403 instead of datasets),
        # 23 datasets; ILL: 2 PaNOSC proposal documents; MAX IV: 5 PaNOSC documents
        assert kinds["scicat-published-data"] == 12
        assert kinds["pan-finder-document"] == 7
        assert kinds["scicat-dataset"] >= 26
        forbidden = [e for e in report.errors if "403" in e["reason"]]
        assert len(forbidden) == 1 and forbidden[0]["identifier"] == \
            "PublishedData/10.48391/52813eb9-df48-4f4c-911b-f24f8d079419"
        # ESS Handle pid → Handle IRI, part of its published DOI
        assert ask(node, "ASK { <https://doi.org/10.17199/03dd9804-1b04-4d36-b0fb-cf66e9891e7d> dct:hasPart "
                         "<https://hdl.handle.net/20.500.12269/0a269002-83e2-4f18-bb98-36c01836d66a> . "
                         "<https://hdl.handle.net/20.500.12269/0a269002-83e2-4f18-bb98-36c01836d66a> a dcat:Dataset ;"
                         " dct:license <http://spdx.org/licenses/CC-BY-4.0> }")
        # ESS technique by canonical IRI, a parameter with unit
        assert ask(node, "ASK { ?d schema:measurementTechnique <http://purl.org/pan-science/PaNET/PaNET00101> }")
        assert ask(node, "ASK { ?d schema:additionalProperty ?p . ?p schema:name 'chopper_1_radius' ; "
                         "schema:unitText 'mm' ; schema:value ?v FILTER(?v = 350) }")
        # MAX IV: nested scientificMetadata kept with dotted names; proposal from proposalId
        assert ask(node, "ASK { <https://hdl.handle.net/20.500.14080/f1cd2e6f-e265-407d-bf2d-88a9b5717674> "
                         "schema:additionalProperty ?p ; prov:wasGeneratedBy ?a . ?p schema:name 'motors.phi' ; "
                         "schema:unitText 'deg' . ?a dct:identifier '20190586' }")
        # ILL: authors with ORCID, the instrument, the proposal
        assert ask(node, "ASK { <https://doi.org/10.5291/ill-data.8-02-889> dct:creator "
                         "<https://orcid.org/0000-0003-0392-3540> ; prov:wasGeneratedBy ?a . ?a prov:used ?i . "
                         "?i rdfs:label ?l FILTER(STRSTARTS(?l, 'FIGARO')) }")


def test_demo_dump_notes_the_panet_label_mismatch_and_joins_the_pidinst_instrument(tmp_path: Path) -> None:
    demo = package_data("demo", "scicat")
    cfg = config(tmp_path, {
        "scicat-demo": {"kind": "files", "format": "scicat-json", "path": str(demo / "scicat-dump.json")},
        "pidinst-demo": {"kind": "files", "format": "pidinst-xml", "path": str(demo / "pidinst-hzb-e2.xml")}})
    with Node(load_config(cfg)) as node:
        report = node.harvest("scicat-demo")
        assert report.added == 4 + 1 + 1 + 2 + 1 + 4 and report.failed == 0
        # https://purl.org/…/PaNET01177 labelled "X-Ray Reflectivity (XRR)": IRI kept, mismatch in the quality graph
        assert ask(node, "ASK { ?d dct:title 'thin_film_reflectivity_scan' ; "
                         "schema:measurementTechnique <http://purl.org/pan-science/PaNET/PaNET01177> }")
        notes = rows(node, "SELECT ?m WHERE { GRAPH ?q { ?r sh:sourceConstraintComponent pangraph:CrosswalkNote ; "
                           "sh:resultMessage ?m FILTER(CONTAINS(?m, 'PaNET01177')) } }")
        assert notes and "XRR" in notes[0]["m"]
        # parameters with units (celsius via units.tsv), published data DOI with a citation DOI
        assert ask(node, "ASK { ?d schema:additionalProperty ?p . ?p schema:name 'detector.distance' ; "
                         "schema:unitText 'mm' ; schema:value ?v FILTER(?v = 250) }")
        assert ask(node, "ASK { <https://doi.org/10.5072/demo-scicat-pub1> dct:isReferencedBy "
                         "<https://doi.org/10.5072/demo-article-1> ; dct:hasPart ?d . ?d dct:title ?t }")
        node.harvest("pidinst-demo")
        assert ask(node, "ASK { <https://doi.org/10.5442/ni000001> a pangraph:Instrument ; "
                         "prov:wasAttributedTo <https://ror.org/02aj13c28> ; rdfs:label ?l }")
