"""The PaNOSC search API: every sample of ../shared/data/search-api harvested through a real LoopBack-
style server on 127.0.0.1 (tests/panosc_server.py) by ``Node.harvest`` into a real store, crosswalked,
validated and queried; dumps read as files give the same records; paging, retries, broken items."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import PANET_OWL
from panosc_server import PanoscServer, load_models
from pangraph.config import load_config
from pangraph.crosswalk import load_mappings
from pangraph.pipeline import Node
from pangraph.quality import quality_summary
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from pangraph.sources.http import HTTPReply
from pangraph.sources.panosc import PanoscSource, read_db_files

BASE = "http://pan.test"
QUDT = "http://qudt.org/vocab/unit/"
PANET = "http://purl.org/pan-science/PaNET/"
P = ("PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/> "
     "PREFIX schema: <http://schema.org/> PREFIX prov: <http://www.w3.org/ns/prov#> "
     "PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX org: <http://www.w3.org/ns/org#> "
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX pangraph: <https://w3id.org/pangraph/ns#> ")


def write_config(tmp: Path, sources: dict[str, dict[str, object]]) -> Path:
    lines = ["[node]", f'base = "{BASE}"', "[paths]", 'data = "data"', "[vocab.panet]", f'file = "{PANET_OWL}"',
             "[harvest]", "timeout_s = 5", "backoff_s = 0.01"]
    for name, table in sources.items():
        lines.append(f"[sources.{name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    path = tmp / "pangraph.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def harvest(tmp: Path, server: PanoscServer, *, page_size: int = 50, name: str = "prov"):
    node = Node(load_config(write_config(tmp, {name: {"kind": "panosc-search-api", "url": server.url,
                                                      "page_size": page_size}})))
    return node, node.harvest(name)


def ask(node: Node, where: str) -> bool:
    return node.store.ask(P + f"ASK {{ {where} }}")


def count(node: Node, where: str, var: str = "?x") -> int:
    return int(node.store.select(P + f"SELECT (COUNT(DISTINCT {var}) AS ?n) WHERE {{ {where} }}")[0]["n"])


def records_by_prefix(node: Node, source: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in node.archive.iter_records(source):
        out[r.metadata_prefix] = out.get(r.metadata_prefix, 0) + 1
    return out


# --- every sample file through the real HTTP server -------------------------------------------------------

# file → (datasets, documents, instruments)
SAMPLES = {
    "db.json": (4, 2, 15),
    "facility-branches/ESRF/db.json": (76, 2, 2),
    "facility-branches/ESS/db.json": (3, 3, 15),
    "facility-branches/dev_ELI/db.json": (232, 2, 1),
    "facility-branches/dev_ceric/db.json": (12, 12, 90),
    "federated-search-test/db1.json": (4, 2, 15),
    "federated-search-test/db2.json": (4, 2, 15),
}


def check_common(node: Node, report, expected: tuple[int, int, int]) -> None:
    datasets, documents, instruments = expected
    assert report.failed == 0 and report.errors == [] and report.status == "ok", report.errors
    assert records_by_prefix(node, "prov") == {"panosc-dataset": datasets, "panosc-document": documents,
                                               "panosc-instrument": instruments}
    assert report.loaded == sum(expected)
    assert count(node, "?x a dcat:Dataset") == datasets
    assert count(node, "?x a pangraph:Instrument") >= instruments
    graphs = [g for g in node.store.named_graphs() if g.startswith(f"{BASE}/graph/record/prov/")]
    assert len(graphs) == sum(expected), "one record graph per item"
    summary = quality_summary(node, source="prov")
    assert summary.records == sum(expected), "every record graph was validated"


@pytest.mark.parametrize("name", ["db.json", "federated-search-test/db1.json", "federated-search-test/db2.json"])
def test_reference_dumps(tmp_path: Path, shared_data: Path, name: str) -> None:
    with PanoscServer(shared_data / "search-api" / name) as server:
        node, report = harvest(tmp_path, server, page_size=3)
        with node:
            check_common(node, report, SAMPLES[name])
            first = "1" if "db2" not in name else "5"
            ds = f"<https://hdl.handle.net/20.500.12269/panosc-dataset{first}>"
            assert ask(node, f"{ds} a dcat:Dataset ; schema:measurementTechnique <{PANET}PaNET01189> ; "
                             "prov:wasGeneratedBy/prov:used ?i . ?i rdfs:label 'LoKI'")
            doc = "1" if "db2" not in name else "3"
            pub = f"<https://doi.org/10.5072/panosc-document{doc}>"
            assert ask(node, f"{pub} a schema:ScholarlyArticle . {ds} dct:isReferencedBy {pub} . "
                             f"{pub} dct:contributor ?p . ?p foaf:name 'John Smith' ; org:memberOf ?o . ?o foaf:name 'ESS'")
            assert ask(node, "?d schema:additionalProperty ?pv . ?pv schema:name 'photon_energy' ; "
                             f"schema:value 930 ; schema:unitCode <{QUDT}EV> ; schema:unitText 'eV'")
            assert ask(node, f"?d schema:additionalProperty [ schema:name 'temperature' ; schema:unitCode <{QUDT}DEG_C> ]")
            assert ask(node, f"?d prov:wasGeneratedBy <{BASE}/id/proposal/prov/10-5072-panosc-document{int(doc) + 1}>")
            # the technique "x-ray absorption" (no panetId in the federated dumps) is found by its name
            assert count(node, "?d schema:measurementTechnique ?t", "?t") == 2


def test_esrf_branch(tmp_path: Path, shared_data: Path) -> None:
    with PanoscServer(shared_data / "search-api" / "facility-branches" / "ESRF" / "db.json") as server:
        node, report = harvest(tmp_path, server, page_size=25)
        with node:
            check_common(node, report, SAMPLES["facility-branches/ESRF/db.json"])
            ds = f"<{BASE}/id/dataset/prov/162249330>"  # numeric pid, minted
            assert ask(node, f"{ds} dct:identifier '162249330' ; dct:created ?c "
                             "FILTER(datatype(?c) = <http://www.w3.org/2001/XMLSchema#dateTime>)")
            # PRIVATE is a placeholder, not a title: DCAT-AP's required title and description are generated
            assert ask(node, f"{ds} dct:title 'Dataset 162249330'")
            assert not ask(node, "?d dct:title 'PRIVATE'")
            assert ask(node, f"{ds} dct:description ?d FILTER(STRSTARTS(?d, 'Dataset Dataset 162249330'))")
            # ESRF parameters use "units", mostly "NA"/"None" (no unit); mm and Bytes are units
            assert ask(node, f"?d schema:additionalProperty [ schema:unitText 'mm' ; schema:unitCode <{QUDT}MilliM> ]")
            assert ask(node, f"?d schema:additionalProperty [ schema:unitText 'Bytes' ; schema:unitCode <{QUDT}BYTE> ]")
            assert not ask(node, "?d schema:additionalProperty [ schema:unitText 'NA' ]")
            assert not ask(node, "?d schema:additionalProperty [ schema:unitText 'None' ]")
            proposal = f"<{BASE}/id/proposal/prov/10-15151-esrf-es-162248067>"
            assert ask(node, f"{proposal} a prov:Activity ; dct:title 'ls2850' ; "
                             "rdfs:seeAlso <https://doi.org/10.15151/esrf-es-162248067> ; "
                             "dct:license <http://spdx.org/licenses/CC-BY-4.0> . ?d prov:wasGeneratedBy " + proposal)
            # members refer to the document by its numeric id: still found; their roles are kept
            assert ask(node, f"{proposal} prov:qualifiedAssociation [ prov:agent ?p ; dcat:hadRole ?r ] . "
                             "?r rdfs:label 'Local contact'")
            assert count(node, f"?d prov:wasGeneratedBy {proposal}", "?d") == 74


def test_ess_branch(tmp_path: Path, shared_data: Path) -> None:
    with PanoscServer(shared_data / "search-api" / "facility-branches" / "ESS" / "db.json") as server:
        node, report = harvest(tmp_path, server, page_size=2)
        with node:
            check_common(node, report, SAMPLES["facility-branches/ESS/db.json"])
            orcid = "<https://orcid.org/0000-0002-7774-8995>"  # written "ORCiD": "orcid.org/0000-…"
            assert ask(node, f"{orcid} a foaf:Person ; foaf:givenName 'Tobias' ; foaf:familyName 'Richter'")
            assert ask(node, f"<https://doi.org/10.17199/brightness/v200082> a schema:ScholarlyArticle ; "
                             f"dct:contributor {orcid}")
            assert ask(node, f"<{BASE}/id/proposal/prov/yc7sz5> prov:wasAssociatedWith {orcid}")
            assert ask(node, f"?d schema:additionalProperty [ schema:name 'sample_temperature' ; "
                             f"schema:value ?v ; schema:unitCode <{QUDT}K> ] FILTER(?v = 292.982)")
            assert ask(node, "?d dcat:distribution [ dcat:byteSize 20192672187 ]")
            # the parameter technique=SANS names a PaNET technique
            assert ask(node, f"?d schema:measurementTechnique <{PANET}PaNET01189>")


def test_eli_branch(tmp_path: Path, shared_data: Path) -> None:
    with PanoscServer(shared_data / "search-api" / "facility-branches" / "dev_ELI" / "db.json") as server:
        node, report = harvest(tmp_path, server, page_size=100)
        with node:
            check_common(node, report, SAMPLES["facility-branches/dev_ELI/db.json"])
            assert count(node, f"?d schema:measurementTechnique <{PANET}PaNET01244>", "?d") > 0
            assert ask(node, f"?d schema:additionalProperty [ schema:unitText 'MeV' ; schema:unitCode <{QUDT}MegaEV> ]")
            assert ask(node, f"?d schema:additionalProperty [ schema:unitText 'microns' ; schema:unitCode <{QUDT}MicroM> ]")
            # "fs^2" has no QUDT unit: text only
            assert ask(node, "?d schema:additionalProperty ?pv . ?pv schema:unitText 'fs^2' "
                             "FILTER NOT EXISTS { ?pv schema:unitCode ?u }")
            assert ask(node, "?p a prov:Activity ; schema:additionalType 'Proposal' ; dct:title 'Laser driven ion acceleration'")
            assert ask(node, "?d dct:publisher ?f . ?f foaf:name 'ELI-ALPS'")


def test_ceric_branch(tmp_path: Path, shared_data: Path) -> None:
    with PanoscServer(shared_data / "search-api" / "facility-branches" / "dev_ceric" / "db.json") as server:
        node, report = harvest(tmp_path, server, page_size=40)
        with node:
            check_common(node, report, SAMPLES["facility-branches/dev_ceric/db.json"])
            ds = "<https://doi.org/10.34967/20201001/lung_5/lung_5060>"
            assert ask(node, f"{ds} a dcat:Dataset ; schema:additionalProperty [ schema:name 'source.current' ; "
                             f"schema:unitCode <{QUDT}MilliA> ]")
            assert count(node, "?d dcat:distribution ?x . ?x dct:title ?t", "?x") == 1086
            assert ask(node, f"{ds} prov:wasGeneratedBy/prov:used <https://doi.org/10.34967/syrmep>")
            assert ask(node, "<https://doi.org/10.34967/syrmep> a pangraph:Instrument ; prov:wasAttributedTo ?f")
            # local technique pids: resolved by name where PaNET knows it, else kept as keyword (noted)
            assert count(node, "?d schema:measurementTechnique ?t", "?t") >= 1
            assert ask(node, "?d dcat:keyword ?k")


# --- files and HTTP give the same records ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_dump_read_as_file_equals_harvest(shared_data: Path, name: str) -> None:
    path = shared_data / "search-api" / name
    from_file = {r.identifier: r.content_hash for r in read_db_files([path], source="s")
                 if isinstance(r, RawRecord)}
    with PanoscServer(path) as server:
        source = PanoscSource("s", server.url, page_size=7, timeout_s=5)
        harvested = {r.identifier: r.content_hash for r in source.records() if isinstance(r, RawRecord)}
        source.close()
    assert source.complete
    assert from_file == harvested
    assert sum(SAMPLES[name]) == len(harvested)


def test_a_change_in_an_included_person_changes_the_document_hash(shared_data: Path) -> None:
    models = load_models(shared_data / "search-api" / "db.json")
    with PanoscServer(models=models) as server:
        src = PanoscSource("s", server.url, timeout_s=5)
        before = {r.identifier: r.content_hash for r in src.records() if isinstance(r, RawRecord)}
        next(p for p in models["Person"] if p["id"] == "panosc-person2")["orcid"] = "0000-0002-1825-0097"
        server.store.reindex()
        after = {r.identifier: r.content_hash for r in src.records() if isinstance(r, RawRecord)}
        src.close()
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == ["Document/10.5072/panosc-document1", "Document/10.5072/panosc-document2"]


# --- joining providers -------------------------------------------------------------------------------------


def test_same_pid_at_two_providers_keeps_both_titles(tmp_path: Path, shared_data: Path) -> None:
    """The federated test dumps and the reference dump describe the same Handle pids with different
    titles: each provider is its own source with its own record graph; both titles stay visible."""
    with PanoscServer(shared_data / "search-api" / "db.json") as a, \
            PanoscServer(shared_data / "search-api" / "federated-search-test" / "db1.json") as b:
        cfg = write_config(tmp_path, {"provider-a": {"kind": "panosc-search-api", "url": a.url},
                                      "provider-b": {"kind": "panosc-search-api", "url": b.url, "page_size": 5}})
        with Node(load_config(cfg)) as node:
            assert node.harvest("provider-a").status == "ok"
            assert node.harvest("provider-b").status == "ok"
            rows = node.store.select(
                P + "SELECT ?g ?t WHERE { GRAPH ?g { <https://hdl.handle.net/20.500.12269/panosc-dataset1> dct:title ?t } } ORDER BY ?t")
            # the same instrument pid at both providers is one node
            loki = count(node, "?i rdfs:label 'LoKI'", "?i")
    assert [r["t"] for r in rows] == ["PaNOSC Test Dataset (From Provider 1) 1", "PaNOSC Test Dataset 1"]
    assert {r["g"].split("/graph/record/")[1].split("/")[0] for r in rows} == {"provider-a", "provider-b"}
    assert loki == 1


# --- paging, retries, faults -------------------------------------------------------------------------------


def test_paging_with_pages_smaller_than_the_collection(shared_data: Path) -> None:
    with PanoscServer(shared_data / "search-api" / "db.json") as server:
        src = PanoscSource("s", server.url, page_size=4, entities=["Instruments"], timeout_s=5)
        got = [r for r in src.records()]
        src.close()
    assert len(got) == 15 and all(isinstance(r, RawRecord) for r in got)
    filters = [r.filter for r in server.requests]
    assert [f["skip"] for f in filters] == [0, 4, 8, 12] and {f["limit"] for f in filters} == {4}
    assert all(r.path == "/api/Instruments" for r in server.requests)


def test_the_filter_asks_for_the_relations_the_crosswalk_reads(shared_data: Path) -> None:
    with PanoscServer(shared_data / "search-api" / "db.json") as server:
        src = PanoscSource("s", server.url, timeout_s=5)
        records = {r.identifier: json.loads(r.payload) for r in src.records() if isinstance(r, RawRecord)}
        src.close()
    by_path = {r.path: r.filter for r in server.requests}
    assert set(by_path["/api/Datasets"]["include"]) == {"techniques", "instrument", "parameters", "samples", "files"}
    doc = records["Document/10.5072/panosc-document1"]
    assert {m["person"]["fullName"] for m in doc["members"]} == {"John Smith", "James Chadwick"}
    assert all(m["affiliation"]["name"] == "ESS" for m in doc["members"])
    assert "score" not in doc, "the search score is not data"
    ds = records["Dataset/20.500.12269/panosc-dataset1"]
    assert ds["instrument"]["name"] == "LoKI" and ds["techniques"][0]["panetId"].endswith("PaNET01189")


def test_a_503_is_retried_through_the_shared_http_client(tmp_path: Path, shared_data: Path) -> None:
    with PanoscServer(shared_data / "search-api" / "db.json") as server:
        server.fail_next(2, status=503)
        node, report = harvest(tmp_path, server)
        with node:
            assert report.status == "ok" and report.failed == 0 and report.loaded == 21
    assert [r.status for r in server.requests[:3]] == [503, 503, 200]


def test_a_slow_provider_hits_the_per_source_timeout_and_is_retried(shared_data: Path) -> None:
    with PanoscServer(shared_data / "search-api" / "db.json") as server:
        server.slow_next(1, delay_s=1.0)
        src = PanoscSource("s", server.url, timeout_s=0.3, backoff_s=0.01, entities=["Documents"])
        got = list(src.records())
        src.close()
    assert len(got) == 2 and src.complete
    assert server.requests[0].fault == "slow"


def test_a_provider_that_ignores_skip_is_stopped_after_one_repeated_page() -> None:
    src = PanoscSource("s", "https://provider.test/api", page_size=4, entities=["Instruments"])
    src.client.get = lambda url, *, params=None, headers=None: HTTPReply(  # type: ignore[method-assign]
        200, {}, json.dumps([{"pid": f"i{n}", "name": f"I{n}"} for n in range(4)]).encode(), url)
    got = list(src.records())
    src.close()
    assert [type(r) for r in got] == [RawRecord] * 4 + [SourceProblem]
    assert got[-1].listing_ended and "repeats earlier items" in got[-1].reason
    assert not src.complete


def test_a_page_that_is_not_json_ends_that_listing_and_is_reported(tmp_path: Path, shared_data: Path) -> None:
    with PanoscServer(shared_data / "search-api" / "db.json") as server:
        server.garbage_next(1)
        node, report = harvest(tmp_path, server)
        with node:
            assert report.status == "partial" and report.checkpoint is None
            assert any("Datasets page at skip=0" in e["reason"] and "is not valid JSON" in e["reason"]
                       for e in report.errors)
            assert records_by_prefix(node, "prov") == {"panosc-document": 2, "panosc-instrument": 15}


def test_a_malformed_item_is_a_reported_record_error_and_the_rest_loads(tmp_path: Path, shared_data: Path) -> None:
    models = load_models(shared_data / "search-api" / "db.json")
    models["Dataset"].append('{"pid":"20.500.12269/broken-1","title":"cut off')
    with PanoscServer(models=models) as server:
        node, report = harvest(tmp_path, server)
        with node:
            assert report.failed == 1 and report.loaded == 21
            assert "Dataset/20.500.12269/broken-1" in json.dumps(report.errors)
            assert "not valid JSON" in json.dumps(report.errors)
            kept = [r for r in node.archive.iter_records("prov") if r.identifier == "Dataset/20.500.12269/broken-1"]
            assert kept and kept[0].payload.startswith(b'{"pid"'), "the broken item is archived as served"
            assert count(node, "?x a dcat:Dataset") == 4


def test_a_malformed_value_in_a_dump_file_is_read_as_a_record(tmp_path: Path, shared_data: Path) -> None:
    data = json.loads((shared_data / "search-api" / "db.json").read_text())
    data["models"]["Document"]["10.5072/broken"] = '{"pid": "10.5072/broken", "type": '
    path = tmp_path / "db.json"
    path.write_text(json.dumps(data))
    got = list(read_db_files([path], source="s"))
    broken = [r for r in got if isinstance(r, RawRecord) and r.identifier == "Document/10.5072/broken"]
    assert len(broken) == 1 and broken[0].metadata_prefix == "panosc-document"
    assert not [r for r in got if isinstance(r, SourceProblem)]
    (tmp_path / "bad.json").write_text("{")
    problems = [r for r in read_db_files([tmp_path / "bad.json"], source="s") if isinstance(r, SourceProblem)]
    assert problems and "cannot read the dump" in problems[0].reason


# --- the crosswalk covers the model ------------------------------------------------------------------------

# relation → model of the reference models, per format's mapping file
RELATION_MODELS = {
    "panosc-dataset-dcat.tsv": {"": "Dataset", "techniques": "Technique", "instrument": "Instrument",
                                "parameters": "Parameter", "samples": "Sample", "files": "File"},
    "panosc-document-dcat.tsv": {"": "Document", "members": "Member", "members/person": "Person",
                                 "members/affiliation": "Affiliation", "datasets": "Dataset", "parameters": "Parameter"},
    "panosc-instrument-dcat.tsv": {"": "Instrument"},
}


def _covered(mapping: Path) -> set[str]:
    """Paths a mapping file maps (row sources and the fields a row's comment says it reads, nested
    ``x (a, b)`` lists included) or declares unmapped."""
    out: set[str] = set()
    for line in mapping.read_text(encoding="utf-8").splitlines():
        if line.startswith("# unmapped:"):
            out.update(line.split(":", 1)[1].split("—")[0].split())
            continue
        if line.startswith("#") or not line.strip() or line.startswith("source\t"):
            continue
        source, _prop, _transform, _when, comment = line.split("\t")
        out.add(source)
        m = re.search(r"reads: (.*?)(?: — |$)", comment)
        if m:
            text = m.group(1)
            for nested, fields in re.findall(r"(\w+) \(([^)]*)\)", text):
                out.update(f"{source}/{nested}/{f.strip().split(' ')[0]}" for f in fields.split(","))
                out.add(f"{source}/{nested}")
            text = re.sub(r"\w+ \([^)]*\)", lambda mm: mm.group(0).split(" ")[0], text)
            out.update(f"{source}/{f.strip().split(' ')[0]}" for f in text.split(",") if f.strip())
    return out


def _model_fields(shared_data: Path, model: str) -> set[str]:
    d = json.loads((shared_data / "search-api" / "reference-models" / f"{model.lower()}.json").read_text())
    return set(d["properties"]) | set(d.get("relations", {}))


def test_every_reference_model_field_is_mapped_or_declared_unmapped(shared_data: Path) -> None:
    mappings = Path(load_mappings().directory)
    missing = []
    for file, relations in RELATION_MODELS.items():
        covered = _covered(mappings / file)
        for rel, model in relations.items():
            for f in _model_fields(shared_data, model):
                path = f"{rel}/{f}" if rel else f
                if path not in covered:
                    missing.append(f"{file}: {path} ({model}.{f})")
    assert not missing, missing


def test_the_icat_search_api_mapping_names_only_fields_we_know(shared_data: Path) -> None:
    """datagateway-api's ICAT → search API mapping lists the fields a real ICAT provider fills: each
    is a field of the reference models, so the crosswalk (checked above) covers what ICAT sends."""
    icat = json.loads((shared_data / "search-api" / "icat-datagateway-search_api_mapping.json").read_text())
    # relations the data model has (REAL-DATA.md §2.2) but the LoopBack reference files do not declare
    extra = {"Dataset": {"documents"}, "Sample": {"datasets"}, "Technique": {"datasets"}}
    unknown = [f"{model}.{f}" for model, fields in icat.items() for f in fields
               if f != "base_icat_entity" and f not in _model_fields(shared_data, model) | extra.get(model, set())]
    assert not unknown, unknown
    mappings = Path(load_mappings().directory)
    dataset = _covered(mappings / "panosc-dataset-dcat.tsv")
    missing = [f for f in icat["Dataset"] if f != "base_icat_entity" and f not in dataset]
    assert not missing, f"ICAT providers send Dataset fields the crosswalk neither maps nor declares: {missing}"
    document = _covered(mappings / "panosc-document-dcat.tsv")
    missing = [f for f in icat["Document"] if f != "base_icat_entity" and f not in document]
    assert not missing, missing


def test_units_are_looked_up_by_their_exact_spelling() -> None:
    units = load_mappings().units
    assert units.lookup("MeV").object_id == QUDT + "MegaEV"
    assert units.lookup("meV").object_id == QUDT + "MilliEV"
    assert units.lookup("mev") is None, "ambiguous without case"
    assert units.lookup(" Kelvin ").object_id == QUDT + "K"
    assert units.lookup("µm").object_id == units.lookup("μm").object_id == QUDT + "MicroM"
    assert units.lookup("NA") is None and units.lookup("") is None


# --- the demo sources --------------------------------------------------------------------------------------


def test_demo_dumps_load_and_join_the_rest(tmp_path: Path) -> None:
    """The shipped demo dumps (kind files, format panosc-db) load, validate and meet the other demo
    sources through ORCIDs and PaNET techniques."""
    from pangraph.demo import DEMO_ROOT

    folder = DEMO_ROOT / "panosc"
    cfg = write_config(tmp_path, {
        "panosc-ill": {"kind": "files", "format": "panosc-db", "path": str(folder / "ill-db.json")},
        "panosc-esrf": {"kind": "files", "format": "panosc-db", "path": str(folder / "esrf-db.json")},
    })
    with Node(load_config(cfg)) as node:
        ill, esrf = node.harvest("panosc-ill"), node.harvest("panosc-esrf")
        assert (ill.failed, esrf.failed) == (0, 0) and (ill.loaded, esrf.loaded) == (14, 11)
        bjorn = "<https://orcid.org/0000-0002-4984-4867>"
        # one person, two facilities: a proposal at each
        assert count(node, f"?p prov:wasAssociatedWith {bjorn} ; a prov:Activity", "?p") == 2
        assert ask(node, f"<https://doi.org/10.5072/pangraph-demo-pub-1> dct:contributor {bjorn}")
        assert ask(node, f"?d schema:measurementTechnique <{PANET}PaNET01188>"), "SAXS by its local name"
        assert ask(node, f"?d schema:measurementTechnique <{PANET}PaNET01217>") is False  # D19 has no dataset
        assert ask(node, f"?d schema:additionalProperty [ schema:unitText 'meV' ; schema:unitCode <{QUDT}MilliEV> ]")
        assert ask(node, "<https://doi.org/10.5291/ill-inst-d11> a pangraph:Instrument ; rdfs:label 'D11'")
