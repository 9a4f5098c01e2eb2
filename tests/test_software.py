"""Software: CodeMeta, CITATION.cff, Zenodo deposit metadata and the curated software list, read as
``kind = "files"`` sources by ``Node.harvest`` into a real Oxigraph store, crosswalked to schema.org /
CodeMeta, validated with the ``software`` profile and queried; and the profile itself."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF

from conftest import PANET_OWL
from pangraph.config import load_config
from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
from pangraph.pipeline import Node
from pangraph.rdf import ntriples
from pangraph.resources import package_data, project_dir
from pangraph.sources.software import (check_software_list, load_yaml, read_cff_files, read_codemeta_files,
                                       read_software_list_files)
from pangraph.sources.files import datacite_files
from pangraph.validate import Validator, load_profile
from pangraph.vocab.panet import TechniqueIndex

BASE = "http://pan.test"
SPDX = "http://spdx.org/licenses/"
PANET = "http://purl.org/pan-science/PaNET/"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SWS = "https://w3id.org/pangraph/shapes/software#"
DEMO_LIST = package_data("demo") / "software" / "pan-software.yaml"
PREFIXES = """PREFIX schema: <http://schema.org/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dctype: <http://purl.org/dc/dcmitype/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX dqv: <http://www.w3.org/ns/dqv#>
PREFIX pangraph: <https://w3id.org/pangraph/ns#>
PREFIX panet: <http://purl.org/pan-science/PaNET/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""


# --- helpers -------------------------------------------------------------------------------------------


_SHARED_COMPONENTS: dict[str, object] = {}


def make_node(tmp: Path, sources: dict[str, dict[str, str]]) -> Node:
    """A node on disk in *tmp* with PaNET from the shared OWL and both profiles on (the technique index
    and validator are built once and shared by the nodes of this module: they are read-only)."""
    lines = ["[node]", f'base = "{BASE}"', "[paths]", 'data = "data"', "[vocab.panet]", f'file = "{PANET_OWL}"',
             "[validation]", 'profiles = ["pan-dataset", "software"]']
    for name, table in sources.items():
        lines.append(f"[sources.{name}]")
        lines += [f'{k} = "{v}"' for k, v in table.items()]
    path = tmp / "pangraph.toml"
    path.write_text("\n".join(lines) + "\n")
    config = load_config(path)
    if not _SHARED_COMPONENTS:
        first = Node(config)
        _SHARED_COMPONENTS.update(techniques=first.techniques, validator=first.validator)
    return Node(config, **_SHARED_COMPONENTS)


def select(node: Node, query: str) -> list[dict[str, str]]:
    return node.store.select(PREFIXES + query)


def values(node: Node, subject: str, prop: str) -> set[str]:
    return {r["o"] for r in select(node, f"SELECT DISTINCT ?o WHERE {{ <{subject}> {prop} ?o }}")}


def results_of(node: Node, source: str) -> list[dict[str, str]]:
    """Every stored validation result / crosswalk note of the record graphs of *source*."""
    return select(node, f"""
        SELECT ?g ?id ?shape ?severity ?field ?value ?message WHERE {{
          GRAPH <{node.provenance_graph}> {{ ?g dct:source "{source}" ; dct:identifier ?id }}
          GRAPH <{node.quality_graph}> {{
            ?r a sh:ValidationResult ; dqv:computedOn ?g ; sh:resultSeverity ?severity ; sh:resultMessage ?message .
            OPTIONAL {{ ?r sh:sourceShape ?shape }} OPTIONAL {{ ?r pangraph:sourceField ?field }}
            OPTIONAL {{ ?r sh:value ?value }}
          }}
        }}""")


@pytest.fixture(scope="module")
def panet() -> TechniqueIndex:
    return TechniqueIndex.from_file(PANET_OWL)


@pytest.fixture(scope="module")
def mappings():
    return load_mappings()


def crosswalk(record, panet, mappings, source="t"):
    return crosswalk_record(record, ctx=CrosswalkContext(base=BASE, source=source, techniques=panet,
                                                         mappings=mappings))


# --- every file of ../shared/data/software ------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_node(tmp_path_factory, shared_data: Path):
    sw = shared_data / "software"
    tmp = tmp_path_factory.mktemp("software")
    node = make_node(tmp, {
        "sw-cff": {"kind": "files", "format": "cff", "path": f"{sw}/*/CITATION.cff"},
        "sw-codemeta": {"kind": "files", "format": "codemeta", "path": f"{sw}/codemeta_codemeta"},
        "sw-rodare": {"kind": "files", "format": "codemeta",
                      "path": f"{sw}/pan-training_training-catalogue/.rodare.json"},
    })
    reports = {name: node.harvest(name) for name in ("sw-cff", "sw-codemeta", "sw-rodare")}
    yield node, reports
    node.close()


def test_every_shared_software_file_is_loaded_or_reported(shared_node, shared_data: Path) -> None:
    node, reports = shared_node
    every_file = {p.relative_to(shared_data / "software").as_posix()
                  for p in (shared_data / "software").rglob("*") if p.is_file()}
    covered = {"mantidproject_mantid/CITATION.cff", "silx-kit_pyFAI/CITATION.cff",
               "pan-training_training-catalogue/CITATION.cff", "pan-training_training-catalogue/.rodare.json",
               "codemeta_codemeta/codemeta.json", "codemeta_codemeta/codemeta.jsonld",
               "codemeta_codemeta/crosswalk.csv"}
    assert every_file == covered  # a new sample file must be added to a source here
    assert (reports["sw-cff"].added, reports["sw-cff"].loaded, reports["sw-cff"].failed) == (3, 3, 0)
    assert (reports["sw-rodare"].added, reports["sw-rodare"].loaded, reports["sw-rodare"].failed) == (1, 1, 0)
    codemeta = reports["sw-codemeta"]
    assert (codemeta.added, codemeta.loaded, codemeta.failed) == (1, 1, 2)
    reasons = {e["identifier"]: e["reason"] for e in codemeta.errors}
    assert "JSON-LD context, not a software description" in reasons["codemeta.jsonld"]
    assert "not JSON" in reasons["crosswalk.csv"]
    assert codemeta.status == "partial"
    kinds = select(node, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a schema:SoftwareSourceCode ; dct:type dctype:Software }")
    assert kinds[0]["n"] == "5"


def test_mantid_cff(shared_node) -> None:
    node, _ = shared_node
    s = "https://doi.org/10.5286/software/mantid6.4"
    assert values(node, s, "schema:name") == {"Manipulation and Analysis Toolkit for Instrument Data"}
    assert values(node, s, "schema:version") == {"6.4.0"}
    assert values(node, s, "schema:identifier") == {"10.5286/Software/Mantid6.4"}
    assert values(node, s, "schema:datePublished") == {"2022-06-21"}
    # CFF's deprecated SPDX id GPL-3.0: its SPDX IRI by form (mappings/licenses.tsv may map it to GPL-3.0-only)
    assert values(node, s, "schema:license") <= {SPDX + "GPL-3.0", SPDX + "GPL-3.0-only"}
    assert len(values(node, s, "schema:license")) == 1
    authors = select(node, f"SELECT ?n WHERE {{ <{s}> schema:author ?a . ?a a foaf:Organization ; foaf:name ?n }}")
    assert [r["n"] for r in authors] == ["The Mantid Project team"]  # a CFF entity is an organisation
    assert "neutron" in values(node, s, "schema:keywords")


def test_pyfai_cff_keeps_orcids_affiliations_and_second_doi(shared_node) -> None:
    node, _ = shared_node
    s = "https://doi.org/10.5281/zenodo.13756914"
    assert values(node, s, "schema:name") == {"pyFAI: Fast Azimuthal Integration in Python"}
    assert values(node, s, "schema:license") == {SPDX + "MIT"}
    assert values(node, s, "schema:version") == {"v2024.09"}
    assert values(node, s, "schema:codeRepository") == {"https://github.com/silx-kit/pyFAI/tree/v2024.09"}
    authors = values(node, s, "schema:author")
    assert len(authors) == 30
    assert {"https://orcid.org/0000-0002-0730-6577", "https://orcid.org/0000-0003-0824-8548",
            "https://orcid.org/0000-0001-8554-8072"} <= authors
    kieffer = select(node, """SELECT ?n ?org WHERE { <https://orcid.org/0000-0002-0730-6577> foaf:name ?n ;
                                org:memberOf/foaf:name ?org }""")
    assert [(r["n"], r["org"]) for r in kieffer] == [("Jerome Kieffer", "ESRF")]
    # the placeholder DOI among identifiers is kept as an identifier, not as the software's IRI
    assert "10.5281/zenodo.1234" in values(node, s, "schema:identifier")
    notes = [r for r in results_of(node, "sw-cff") if r.get("field") == "identifiers"]
    assert notes and notes[0]["value"] == "10.5281/zenodo.1234"


def test_codemeta_json(shared_node) -> None:
    node, _ = shared_node
    rows = select(node, 'SELECT ?s WHERE { ?s schema:identifier "CodeMeta" }')
    assert len(rows) == 1
    s = rows[0]["s"]
    assert s.startswith(f"{BASE}/id/software/sw-codemeta/")  # no DOI: minted (DESIGN §2)
    assert values(node, s, "schema:license") == {SPDX + "Apache-2.0"}
    assert values(node, s, "schema:version") == {"3.1"}
    assert values(node, s, "schema:codeRepository") == {"https://github.com/codemeta/codemeta"}
    assert values(node, s, "schema:programmingLanguage") == {"JSON-LD"}
    assert values(node, s, "schema:author") == {"https://orcid.org/0000-0002-1642-628X",
                                                "https://orcid.org/0000-0003-0077-4738"}
    assert len(values(node, s, "schema:contributor")) == 18
    assert values(node, s, "schema:funder") == {"https://doi.org/10.13039/100000001"}  # Crossref Funder DOI
    assert values(node, s, "schema:dateCreated") == {"2017-06-05"}


def test_rodare_deposit_joins_the_cff_author_by_orcid(shared_node) -> None:
    node, _ = shared_node
    rows = select(node, 'SELECT ?s WHERE { ?s schema:name "PaN Training Catalogue" }')
    assert len(rows) == 1
    s = rows[0]["s"]
    assert values(node, s, "schema:license") == {SPDX + "BSD-3-Clause"}  # "BSD 3-Clause" by name
    knodel = "https://orcid.org/0000-0001-8174-7795"
    assert knodel in values(node, s, "schema:author")
    # the CFF of the same project names the same ORCID: one person node, two works
    works = select(node, f"SELECT DISTINCT ?w WHERE {{ ?w schema:author <{knodel}> }}")
    assert {r["w"] for r in works} == {s, "https://doi.org/10.5281/zenodo.7015078"}
    cff = "https://doi.org/10.5281/zenodo.7015078"
    assert values(node, cff, "schema:license") == {SPDX + "BSD-3-Clause-Clear"}
    assert values(node, cff, "schema:version") == {"1.1.2"}


def test_shared_samples_validate_without_violations_and_warn_where_data_is_missing(shared_node) -> None:
    node, _ = shared_node
    for source in ("sw-cff", "sw-codemeta", "sw-rodare"):
        shapes = [r for r in results_of(node, source) if r.get("shape")]
        assert not [r for r in shapes if r["severity"].endswith("Violation")], shapes
        # none of the samples says which technique it analyses
        assert {r["id"] for r in shapes if r["shape"] == SWS + "Technique-present"}
    rodare = results_of(node, "sw-rodare")
    assert {r["shape"] for r in rodare if r.get("shape")} >= {SWS + "Software-location", SWS + "Technique-present"}
    # the pan-dataset profile does not fire on software
    everything = [r for s in ("sw-cff", "sw-codemeta", "sw-rodare") for r in results_of(node, s)]
    assert not [r for r in everything if "pan-dataset" in (r.get("shape") or "")]


# --- the demo list ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_node(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo-software")
    node = make_node(tmp, {"pan-software": {"kind": "files", "format": "software-list", "path": str(DEMO_LIST)}})
    report = node.harvest("pan-software")
    yield node, report
    node.close()


def test_demo_manifest_names_the_list() -> None:
    from pangraph.demo import demo_sources

    src = [s for s in demo_sources() if s.name == "pan-software"]
    assert len(src) == 1 and src[0].kind == "files" and src[0].format == "software-list"
    assert src[0].files == (DEMO_LIST,)
    assert check_software_list(DEMO_LIST) == []


def test_every_demo_entry_loads_with_panet_techniques(demo_node, panet) -> None:
    node, report = demo_node
    entries = load_yaml(DEMO_LIST.read_bytes())["software"]
    assert 12 <= len(entries) <= 20
    assert (report.added, report.loaded, report.failed, report.status) == (len(entries), len(entries), 0, "ok")
    rows = select(node, "SELECT ?name (COUNT(DISTINCT ?t) AS ?n) WHERE { ?s a schema:SoftwareSourceCode ; "
                        "schema:name ?name . OPTIONAL { ?s schema:about ?t } } GROUP BY ?name")
    about = {r["name"]: int(r["n"]) for r in rows}
    assert set(about) == {e["name"] for e in entries}
    assert [n for n, k in about.items() if k == 0] == ["silx"]  # the one entry without techniques
    for r in select(node, "SELECT DISTINCT ?t WHERE { ?s schema:about ?t }"):
        assert r["t"] in panet, r["t"]
    notes = [r for r in results_of(node, "pan-software") if r.get("field") == "techniques"]
    assert notes == []
    violations = [r for r in results_of(node, "pan-software") if r["severity"].endswith("Violation")]
    assert violations == []


def test_demo_list_details(demo_node) -> None:
    node, _ = demo_node
    mantid = "https://doi.org/10.5286/software/mantid"  # the concept DOI is the IRI
    assert values(node, mantid, "schema:license") == {SPDX + "GPL-3.0-or-later"}
    assert values(node, mantid, "schema:about") >= {PANET + "PaNET01189", PANET + "PaNET01236"}
    pyfai = select(node, 'SELECT ?s WHERE { ?s schema:name "pyFAI" }')[0]["s"]
    assert values(node, pyfai, "schema:provider") == {"https://ror.org/02550n020"}
    assert values(node, pyfai, "schema:installUrl") == {"https://pypi.org/project/pyFAI/",
                                                         "https://anaconda.org/conda-forge/pyfai"}
    assert "http://schema.org/SoftwareApplication" in values(node, pyfai, "rdf:type")
    avail = select(node, f"SELECT ?id ?v WHERE {{ <{pyfai}> schema:additionalProperty [ schema:propertyID ?id ; schema:value ?v ] }}")
    assert {(r["id"], r["v"]) for r in avail} == {("pypi", "pyFAI"), ("conda", "conda-forge::pyfai")}
    assert values(node, pyfai, "schema:author") == {"https://orcid.org/0000-0002-0730-6577"}
    silx = select(node, 'SELECT ?s WHERE { ?s schema:name "silx" }')[0]["s"]
    assert values(node, silx, "schema:provider") == {"https://ror.org/02550n020"}  # bare ROR id in {name, ror}


SOFTWARE_FOR_SAXS = """
SELECT DISTINCT ?name WHERE {
  { ?technique rdfs:subClassOf* panet:PaNET01188 } UNION { panet:PaNET01188 rdfs:subClassOf* ?technique }
  ?software a schema:SoftwareSourceCode ; schema:about ?technique ; schema:name ?name .
} ORDER BY ?name"""


def test_software_for_saxs_including_narrower_and_broader_techniques(demo_node) -> None:
    node, _ = demo_node
    names = [r["name"] for r in select(node, SOFTWARE_FOR_SAXS)]
    # pyFAI, SasView: SAXS; BornAgain: GISAXS (narrower); SasView also small angle scattering (broader);
    # Scipp: neutron scattering is not above SAXS; Mantid (SANS) is a sibling, not broader or narrower
    assert names == ["BornAgain", "SasView", "pyFAI"]


# --- malformed lists ---------------------------------------------------------------------------------------

BAD_LIST = """\
software:
  - name: GoodSoft
    repository: https://example.org/good/goodsoft
    license: MIT
    techniques: [SAXS]
  - description: an entry that forgot its name
    license: GPL v3 or later
    techniques: [magic spectroscopy]
  - name: BadSoft
    license: GPL v3 or later
    techniques: [magic spectroscopy, XAS]
    colour: blue
  - just a string
  - name: GoodSoft
    repository: https://example.org/good/goodsoft
"""


def test_malformed_entries_are_reported_with_entry_and_field(tmp_path: Path) -> None:
    path = tmp_path / "facility-software.yaml"
    path.write_text(BAD_LIST)
    problems = [p.describe() for p in check_software_list(path)]
    assert "facility-software.yaml entry 2, field name: required field missing or empty" in problems
    assert "facility-software.yaml entry 3 (BadSoft), field colour: unknown field (see docs/software-list.md); not mapped" in problems
    assert any(p.startswith("facility-software.yaml entry 4: an entry is a mapping") for p in problems)
    assert any(p.startswith("facility-software.yaml entry 5 (GoodSoft), field id: same key") for p in problems)

    node = make_node(tmp_path, {"facility": {"kind": "files", "format": "software-list", "path": str(path)}})
    with node:
        report = node.harvest("facility")
        assert (report.added, report.loaded, report.failed) == (3, 2, 3)
        errors = {e["identifier"]: e["reason"] for e in report.errors}
        assert "field 'name'" in errors["facility-software.yaml#2"] and "needs a name" in errors["facility-software.yaml#2"]
        assert "entry 4" in errors["facility-software.yaml#4"]
        assert "entry 5 (GoodSoft), field id" in errors["example.org/good/goodsoft"]
        names = {r["n"] for r in select(node, "SELECT ?n WHERE { ?s a schema:SoftwareSourceCode ; schema:name ?n }")}
        assert names == {"GoodSoft", "BadSoft"}
        bad = [r for r in results_of(node, "facility") if r["id"] == "BadSoft"]
        by_field = {(r.get("field"), r.get("value")) for r in bad if r.get("field")}
        assert ("license", "GPL v3 or later") in by_field
        assert ("techniques", "magic spectroscopy") in by_field
        assert SWS + "Software-license" in {r.get("shape") for r in bad}  # no licence: Violation
        s = select(node, 'SELECT ?s WHERE { ?s schema:name "BadSoft" }')[0]["s"]
        assert values(node, s, "schema:about") == {PANET + "PaNET01196"}  # XAS still resolved
        assert "magic spectroscopy" in values(node, s, "schema:keywords")


def test_unparseable_list_is_one_page_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("software: [ {name: x\n")
    out = list(read_software_list_files([path], source="t"))
    assert len(out) == 1 and out[0].scope == "page" and "not valid YAML/JSON" in out[0].reason
    path.write_text('{"tools": []}')
    out = list(read_software_list_files([path], source="t"))
    assert "'software' list" in out[0].reason


def test_json_list_and_bare_list_are_accepted(tmp_path: Path) -> None:
    p = tmp_path / "list.json"
    p.write_text(json.dumps([{"name": "A", "doi": "DOI:10.1234/ABC"}, {"name": "B", "id": "b-key"}]))
    recs = list(read_software_list_files([p], source="t"))
    assert [r.identifier for r in recs] == ["doi:10.1234/abc", "b-key"]
    assert all(r.metadata_prefix == "software-list" for r in recs)


# --- licences, techniques, YAML fidelity -------------------------------------------------------------------


@pytest.mark.parametrize("value, expected, severity", [
    ("MIT", {SPDX + "MIT"}, None),
    ("BSD 3-Clause", {SPDX + "BSD-3-Clause"}, None),
    ("https://spdx.org/licenses/Apache-2.0.html", {SPDX + "Apache-2.0"}, None),
    ("https://creativecommons.org/licenses/by/4.0/", {SPDX + "CC-BY-4.0"}, None),
    ("EUPL-1.2", {SPDX + "EUPL-1.2"}, "Info"),
    ("GPL-2.0-or-later OR MIT", {SPDX + "GPL-2.0-or-later", SPDX + "MIT"}, "Info"),
    ("Proprietary", set(), "Warning"),
    ("GPL v3 or later", set(), "Warning"),
])
def test_licence_values(value, expected, severity, panet, mappings, tmp_path: Path) -> None:
    p = tmp_path / "l.yaml"
    p.write_text(json.dumps({"software": [{"name": "X", "license": value}]}))
    [rec] = list(read_software_list_files([p], source="t"))
    result = crosswalk(rec, panet, mappings)
    got = {t.o[1:-1] for t in result.triples if t.p == "<http://schema.org/license>"}
    assert got == expected
    notes = [n for n in result.notes if n.field == "license"]
    assert (notes[0].severity if notes else None) == severity


def test_technique_id_label_mismatch_is_noted(panet, mappings, tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("software:\n  - name: X\n    techniques:\n      - {id: 'PaNET:PaNET01188', label: small angle neutron scattering}\n")
    [rec] = list(read_software_list_files([p], source="t"))
    result = crosswalk(rec, panet, mappings)
    assert {t.o for t in result.triples if t.p == "<http://schema.org/about>"} == {f"<{PANET}PaNET01188>"}
    assert any(n.field == "techniques" and "PaNET01189" in n.reason for n in result.notes)


def test_cff_scalars_stay_as_written(tmp_path: Path, panet, mappings) -> None:
    (tmp_path / "CITATION.cff").write_text(
        "cff-version: 1.2.0\ntitle: T\nversion: 1.10\ndate-released: 2024-01-05\nauthors:\n"
        "  - family-names: van Rossum\n    name-particle: ''\n    given-names: G\n")
    [rec] = list(read_cff_files([tmp_path / "CITATION.cff"], source="t"))
    assert json.loads(rec.payload)["version"] == "1.10"
    result = crosswalk(rec, panet, mappings)
    text = ntriples(result.triples)
    assert '<http://schema.org/version> "1.10"' in text
    assert '"2024-01-05"^^<http://www.w3.org/2001/XMLSchema#date>' in text


def test_codemeta_graph_and_non_software(tmp_path: Path) -> None:
    p = tmp_path / "codemeta.json"
    p.write_text(json.dumps({"@context": "https://w3id.org/codemeta/3.0", "@graph": [
        {"@type": "SoftwareApplication", "name": "A", "identifier": "https://doi.org/10.1234/A"},
        {"@type": "Person", "name": "not software"}]}))
    [rec] = list(read_codemeta_files([p], source="t"))
    assert rec.identifier == "doi:10.1234/a" and json.loads(rec.payload)["@context"].endswith("3.0")
    p.write_text(json.dumps({"@type": "Dataset", "name": "D"}))
    [problem] = list(read_codemeta_files([p], source="t"))
    assert "no SoftwareSourceCode/SoftwareApplication" in problem.reason


# --- one DOI, one node: CFF and DataCite ------------------------------------------------------------------


def test_cff_and_datacite_of_one_doi_describe_one_node(tmp_path: Path, shared_data: Path) -> None:
    doc = json.loads((shared_data / "datacite/rest-api-json/datacite-zenodo-software-21826016.json").read_text())
    (tmp_path / "dc").mkdir()
    (tmp_path / "dc/zenodo.xml").write_bytes(base64.b64decode(doc["data"]["attributes"]["xml"]))
    (tmp_path / "cff").mkdir()
    (tmp_path / "cff/CITATION.cff").write_text(
        "cff-version: 1.2.0\nmessage: cite it\ntitle: VLM chart-judgment audit (code)\n"
        "doi: 10.5281/ZENODO.21826016\nlicense: CC-BY-4.0\nversion: 1.0.11\n"
        "authors:\n  - family-names: Nguyen The-Vinh\n")
    node = make_node(tmp_path, {
        "zenodo-dc": {"kind": "files", "format": "datacite-xml", "path": str(tmp_path / "dc")},
        "zenodo-cff": {"kind": "files", "format": "cff", "path": str(tmp_path / "cff")},
    })
    with node:
        assert node.harvest("zenodo-dc").loaded == 1
        assert node.harvest("zenodo-cff").loaded == 1
        s = "https://doi.org/10.5281/zenodo.21826016"
        graphs = select(node, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{s}> a schema:SoftwareSourceCode ; "
                              "dct:type dctype:Software } }")
        assert len(graphs) == 2  # both records type the one node the same way
        assert "http://www.w3.org/ns/dcat#Dataset" in values(node, s, "rdf:type")  # DataCite's DCAT view
        assert values(node, s, "dct:license") == values(node, s, "schema:license") == {SPDX + "CC-BY-4.0"}
        titles = values(node, s, "dct:title") | values(node, s, "schema:name")
        assert len(titles) == 2  # both titles stay visible


def test_datacite_json_software_record_agrees(tmp_path: Path, shared_data: Path) -> None:
    pytest.importorskip("pangraph.sources.datacite_rest")
    node = make_node(tmp_path, {"dc-json": {"kind": "files", "format": "datacite-json",
                                            "path": str(shared_data / "datacite/rest-api-json/datacite-zenodo-software-21826016.json")}})
    with node:
        assert node.harvest("dc-json").loaded >= 1
        s = "https://doi.org/10.5281/zenodo.21826016"
        assert {"http://schema.org/SoftwareSourceCode"} <= values(node, s, "rdf:type")
        assert values(node, s, "dct:type") >= {"http://purl.org/dc/dcmitype/Software"}


# --- the profile ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def profile():
    return load_profile("software")


def test_every_software_shape_is_documented_in_the_readme(profile) -> None:
    readme = (project_dir("shapes") / "README.md").read_text(encoding="utf-8")
    shapes = {str(s) for s in profile.shapes.subjects(SH.severity, None)}
    assert len(shapes) >= 14
    missing = [s for s in shapes if s.replace(SWS, "sws:") not in readme]
    assert missing == []


def test_profiles_target_their_own_classes(profile, panet, mappings, shared_data: Path) -> None:
    data, _ = panet.document()
    both = Validator([load_profile("pan-dataset"), profile], ontology_graphs={"panet": data.decode("utf-8")})
    dataset = next(iter(datacite_files([shared_data / "datacite" / "esrf-ESRF-ES-2210534378.xml"], source="esrf")))
    software = next(iter(read_cff_files([shared_data / "software/silx-kit_pyFAI/CITATION.cff"], source="sw")))
    graphs = {"urn:g:dataset": ntriples(crosswalk(dataset, panet, mappings, "esrf").triples),
              "urn:g:software": ntriples(crosswalk(software, panet, mappings, "sw").triples)}
    reports = both.validate(graphs)
    on_dataset = {r.source_shape for r in reports["urn:g:dataset"].results}
    on_software = {r.source_shape for r in reports["urn:g:software"].results}
    assert on_dataset and not [s for s in on_dataset if s and s.startswith(SWS)]
    assert on_software and all(s and s.startswith(SWS) for s in on_software)


def test_violations_of_the_software_profile(profile, panet) -> None:
    data, _ = panet.document()
    validator = Validator([profile], ontology_graphs={"panet": data.decode("utf-8")})
    g = rdflib.Graph()
    s = rdflib.URIRef("https://doi.org/10.5281/ZENODO.1")
    g.add((s, RDF.type, rdflib.URIRef("http://schema.org/SoftwareApplication")))
    g.add((s, rdflib.URIRef("http://schema.org/about"), rdflib.URIRef(PANET + "PaNET99999")))
    g.add((s, rdflib.URIRef("http://schema.org/about"), rdflib.URIRef("https://purl.org/pan-science/PaNET/PaNET01188")))
    g.add((s, rdflib.URIRef("http://schema.org/codeRepository"), rdflib.Literal("github.com/x/y")))
    g.add((s, rdflib.URIRef("http://schema.org/datePublished"), rdflib.Literal("2024-13-45")))
    report = validator.validate({"urn:g": g.serialize(format="nt")})["urn:g"]
    assert not report.conforms
    violated = {r.source_shape.replace(SWS, "") for r in report.results if r.severity == "Violation"}
    assert violated == {"Software-name", "Software-license", "Software-locationIri", "Software-datePublished",
                        "SoftwareDoiIriShape", "Technique-iri", "Technique-class"}
