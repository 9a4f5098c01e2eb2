"""Validation: profiles, the pan-dataset shapes, batch validation, the engines (setting, factory, node), the quality
graph, summaries, rendering."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from pangraph.errors import ConfigError, ValidationEngineError
from pangraph.records import Note
from pangraph.resources import project_dir
from pangraph.validate import (
    CROSSWALK_NOTE,
    METRICS,
    Report,
    Result,
    Summary,
    Validator,
    exit_code,
    load_profile,
    load_profiles,
    quality_ntriples,
    render,
    summarise,
)
from pangraph.validate import pyshacl_engine
from pangraph.validate.report import format_path, parse_path

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
SCHEMA = rdflib.Namespace("http://schema.org/")
DQV = rdflib.Namespace("http://www.w3.org/ns/dqv#")
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")
PDS = "https://w3id.org/pangraph/shapes/pan-dataset#"

DATASET = URIRef("https://doi.org/10.15151/esrf-es-2210534378")
PERSON = URIRef("https://orcid.org/0000-0002-1825-0097")
ROR = URIRef("https://ror.org/02550n020")
DIST = URIRef("http://127.0.0.1:8000/id/distribution/esrf/es-2210534378-1")
MINTED = "http://127.0.0.1:8000/id/dataset/ill/rb-1234"
GRAPH = "http://127.0.0.1:8000/graph/record/esrf/es-2210534378"


def sh(name: str) -> str:
    return str(SH[name])


# --- fixtures ------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def profile():
    return load_profile("pan-dataset")


@pytest.fixture(scope="session")
def panet_text(panet_owl: Path) -> str:
    return panet_owl.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def validator(profile, panet_text):
    return Validator([profile], ontology_graphs={"panet": panet_text})


def turtle_graph(name: str) -> rdflib.Graph:
    return rdflib.Graph().parse(FIXTURES / name, format="turtle")


def nt(g: rdflib.Graph) -> str:
    return g.serialize(format="nt")


def rename(g: rdflib.Graph, old: URIRef, new: URIRef) -> rdflib.Graph:
    out = rdflib.Graph()
    for s, p, o in g:
        out.add((new if s == old else s, p, new if o == old else o))
    return out


def keys(report: Report) -> set[tuple]:
    return {(r.focus, r.path, r.component, r.severity) for r in report.results}


def validate_one(validator: Validator, g: rdflib.Graph) -> Report:
    return validator.validate({GRAPH: nt(g)})[GRAPH]


# --- profiles -------------------------------------------------------------------------------------------

def test_pan_dataset_profile_loads_with_metadata_and_shapes(profile):
    assert profile.name == "pan-dataset"
    assert re.fullmatch(r"\d+\.\d+\.\d+", profile.version)
    assert profile.ontology == "panet"
    assert profile.iri == "https://w3id.org/pangraph/shapes/pan-dataset"
    assert all(f.is_file() for f in profile.files)
    assert (URIRef(PDS + "DatasetShape"), RDF.type, SH.NodeShape) in profile.shapes


def test_every_pan_dataset_shape_is_documented_in_the_readme(profile):
    readme = (project_dir("shapes") / "README.md").read_text(encoding="utf-8")
    shapes = {s for s in profile.shapes.subjects(SH.severity, None)}
    assert len(shapes) > 20
    missing = [str(s) for s in shapes if str(s).replace(PDS, "pds:") not in readme]
    assert missing == []


def test_every_reporting_shape_has_a_deliberate_severity(profile):
    for shape in set(profile.shapes.objects(None, SH.property)):
        assert profile.shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning, SH.Info)
        assert profile.shapes.value(shape, SH.message) is not None


def test_load_profiles_keeps_order_and_rejects_duplicates():
    assert [p.name for p in load_profiles(["pan-dataset"])] == ["pan-dataset"]
    with pytest.raises(ConfigError, match="twice"):
        load_profiles(["pan-dataset", "pan-dataset"])


def test_unknown_profile_names_the_known_ones():
    with pytest.raises(ConfigError, match="pan-dataset"):
        load_profile("no-such-profile")


@pytest.fixture()
def profile_copy(tmp_path: Path) -> Path:
    shutil.copytree(project_dir("shapes") / "pan-dataset", tmp_path / "pan-dataset")
    return tmp_path


def test_broken_shapes_file_fails_with_its_path_and_the_parser_message(profile_copy: Path):
    broken = profile_copy / "pan-dataset" / "agents.ttl"
    broken.write_text(broken.read_text() + "\npds:Oops sh:path .\n")
    with pytest.raises(ConfigError) as err:
        load_profile("pan-dataset", shapes_dir=profile_copy)
    assert str(broken) in str(err.value)
    assert "line" in str(err.value).lower()


@pytest.mark.parametrize("change, message", [
    (('version = "1.1.0"', 'version = "one"'), "semantic version"),
    (('name = "pan-dataset"', 'name = "other"'), "folder name"),
    (('ontology = "panet"', 'ontology = "panet"\ncolour = "red"'), "unknown key"),
    (('files = [', 'files = ["missing.ttl", '), "does not exist"),
])
def test_bad_profile_toml_is_rejected(profile_copy: Path, change, message):
    toml = profile_copy / "pan-dataset" / "profile.toml"
    text = toml.read_text()
    assert change[0] in text
    toml.write_text(text.replace(change[0], change[1]))
    with pytest.raises(ConfigError, match=message):
        load_profile("pan-dataset", shapes_dir=profile_copy)


def test_undocumented_shape_fails_strict_loading_only(profile_copy: Path):
    agents = profile_copy / "pan-dataset" / "agents.ttl"
    agents.write_text(agents.read_text().replace(
        'sh:message "The person or organisation has no name (foaf:name): it shows up as a bare identifier." ;', ""))
    with pytest.raises(ConfigError, match="Agent-name> lacks sh:message"):
        load_profile("pan-dataset", shapes_dir=profile_copy)
    assert load_profile("pan-dataset", shapes_dir=profile_copy, strict=False).name == "pan-dataset"


# --- the validator --------------------------------------------------------------------------------------

def test_validator_refuses_to_run_without_the_ontology_the_profile_needs(profile):
    with pytest.raises(ValidationEngineError, match="panet"):
        Validator([profile])


def test_validator_exposes_profile_versions(validator, profile):
    assert validator.profile_versions == {"pan-dataset": profile.version}


def test_complete_record_conforms_without_any_result(validator):
    report = validate_one(validator, turtle_graph("dataset-doi.ttl"))
    assert report.conforms
    assert report.results == []
    assert report.profiles == validator.profile_versions


def test_minimal_record_conforms_with_infos_only(validator):
    report = validate_one(validator, turtle_graph("dataset-minted.ttl"))
    assert report.conforms
    assert {r.severity for r in report.results} == {"Info"}
    assert {r.path for r in report.results} == {str(DCAT.landingPage), str(DCT.temporal), str(DCAT.distribution),
                                                "http://purl.org/cerif/frapo/isFundedBy", str(DCT.accessRights)}


def _drop(p):
    return lambda g: g.remove((None, p, None)) or g


def _set(s, p, o):
    def change(g):
        g.remove((s, p, None))
        g.add((s, p, o))
        return g
    return change


def _add(s, p, o):
    return lambda g: g.add((s, p, o)) or g


def _rename(old, new):
    return lambda g: rename(g, old, new)


D, P, R = str(DATASET), str(PERSON), str(ROR)
MIN, NODEKIND, MAX, OR = sh("MinCountConstraintComponent"), sh("NodeKindConstraintComponent"), \
    sh("MaxCountConstraintComponent"), sh("OrConstraintComponent")
PATTERN, CLASS, DATATYPE = sh("PatternConstraintComponent"), sh("ClassConstraintComponent"), \
    sh("DatatypeConstraintComponent")
BAD_TECHNIQUE = URIRef("http://example.org/technique/xrd")
UNKNOWN_PANET = URIRef("http://purl.org/pan-science/PaNET/PaNET99999")
HTTPS_PANET = URIRef("https://purl.org/pan-science/PaNET/PaNET01196")

VARIANTS = {
    "missing title": (_drop(DCT.title), {(D, str(DCT.title), MIN, "Violation")}),
    "title is an IRI": (_set(DATASET, DCT.title, URIRef("http://example.org/t")),
                        {(D, str(DCT.title), NODEKIND, "Violation")}),
    "missing identifier": (_drop(DCT.identifier), {(D, str(DCT.identifier), MIN, "Violation")}),
    "missing publisher": (_drop(DCT.publisher), {(D, str(DCT.publisher), MIN, "Violation")}),
    "two publishers": (_add(DATASET, DCT.publisher, URIRef("http://127.0.0.1:8000/id/organization/esrf/esrf")),
                       {(D, str(DCT.publisher), MAX, "Violation")}),
    "missing issue date": (_drop(DCT.issued), {(D, str(DCT.issued), MIN, "Violation")}),
    "issue date as plain text": (_set(DATASET, DCT.issued, Literal("2021")), {(D, str(DCT.issued), OR, "Violation")}),
    "impossible issue date": (_set(DATASET, DCT.issued, Literal("2021-13-45", datatype=XSD.date)),
                              {(D, str(DCT.issued), OR, "Violation")}),
    "missing licence": (_drop(DCT.license), {(D, str(DCT.license), MIN, "Violation")}),
    "licence as text": (_set(DATASET, DCT.license, Literal("CC BY 4.0")), {(D, str(DCT.license), NODEKIND, "Violation")}),
    "missing creator": (_drop(DCT.creator), {(D, str(DCT.creator), MIN, "Violation")}),
    "missing description": (_drop(DCT.description), {(D, str(DCT.description), MIN, "Warning")}),
    "missing contact point": (_drop(DCAT.contactPoint), {(D, str(DCAT.contactPoint), MIN, "Warning")}),
    "missing keyword": (_drop(DCAT.keyword), {(D, str(DCAT.keyword), MIN, "Warning")}),
    "missing technique": (_drop(SCHEMA.measurementTechnique), {(D, str(SCHEMA.measurementTechnique), MIN, "Warning")}),
    "missing landing page": (_drop(DCAT.landingPage), {(D, str(DCAT.landingPage), MIN, "Info")}),
    "non-PaNET technique": (_set(DATASET, SCHEMA.measurementTechnique, BAD_TECHNIQUE),
                            {(D, str(SCHEMA.measurementTechnique), PATTERN, "Violation"),
                             (D, str(SCHEMA.measurementTechnique), CLASS, "Violation")}),
    "non-canonical PaNET spelling": (_set(DATASET, SCHEMA.measurementTechnique, HTTPS_PANET),
                                     {(D, str(SCHEMA.measurementTechnique), PATTERN, "Violation"),
                                      (D, str(SCHEMA.measurementTechnique), CLASS, "Violation")}),
    "PaNET IRI that is no PaNET class": (_set(DATASET, SCHEMA.measurementTechnique, UNKNOWN_PANET),
                                         {(D, str(SCHEMA.measurementTechnique), CLASS, "Violation")}),
    "technique as a label": (_set(DATASET, SCHEMA.measurementTechnique, Literal("powder diffraction")),
                             {(D, str(SCHEMA.measurementTechnique), PATTERN, "Violation"),
                              (D, str(SCHEMA.measurementTechnique), CLASS, "Violation")}),
    "ORCID IRI too short": (_rename(PERSON, URIRef("https://orcid.org/0000-0002-1825-009")),
                            {("https://orcid.org/0000-0002-1825-009", None, OR, "Violation")}),
    "ORCID IRI over http": (_rename(PERSON, URIRef("http://orcid.org/0000-0002-1825-0097")),
                            {("http://orcid.org/0000-0002-1825-0097", None, OR, "Violation")}),
    "ROR IRI with a name": (_rename(ROR, URIRef("https://ror.org/ESRF")),
                            {("https://ror.org/ESRF", None, OR, "Violation")}),
    "DOI IRI not lower-cased": (_rename(DATASET, URIRef("https://doi.org/10.15151/ESRF-ES-2210534378")),
                                {("https://doi.org/10.15151/ESRF-ES-2210534378", None, OR, "Violation")}),
    "person without name": (_drop(FOAF.name), {(P, str(FOAF.name), MIN, "Warning"),
                                               (R, str(FOAF.name), MIN, "Warning")}),
    "byteSize typed xsd:integer": (_set(DIST, DCAT.byteSize, Literal("1048576", datatype=XSD.integer)),
                                   {(str(DIST), str(DCAT.byteSize), DATATYPE, "Violation")}),
    "negative byteSize": (_set(DIST, DCAT.byteSize, Literal("-5", datatype=XSD.nonNegativeInteger)),
                          {(str(DIST), str(DCAT.byteSize), DATATYPE, "Violation")}),
    "distribution without accessURL": (_drop(DCAT.accessURL), {(str(DIST), str(DCAT.accessURL), MIN, "Violation")}),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_broken_variant_gives_exactly_the_expected_results(validator, name):
    change, expected = VARIANTS[name]
    report = validate_one(validator, change(turtle_graph("dataset-doi.ttl")))
    assert keys(report) == expected
    assert report.conforms == all(sev != "Violation" for *_, sev in expected)
    for r in report.results:
        assert r.source_shape and r.source_shape.startswith(PDS)
        assert r.message and not r.message.startswith("Node ")  # our sh:message, not pySHACL's default


def test_results_carry_the_offending_value(validator):
    change, _ = VARIANTS["non-PaNET technique"]
    report = validate_one(validator, change(turtle_graph("dataset-doi.ttl")))
    assert {r.value for r in report.results} == {f"<{BAD_TECHNIQUE}>"}
    change, _ = VARIANTS["byteSize typed xsd:integer"]
    (result,) = validate_one(validator, change(turtle_graph("dataset-doi.ttl"))).results
    assert result.value == f'"1048576"^^<{XSD.integer}>'
    assert result.source_shape == PDS + "Distribution-byteSize"


def test_blank_node_focus_keeps_its_label_from_the_record(validator):
    g = turtle_graph("dataset-doi.ttl")
    text = nt(g) + f'<{DATASET}> <{DCAT.distribution}> _:extra .\n_:extra <{RDF.type}> <{DCAT.Distribution}> .\n'
    report = validator.validate({GRAPH: text})[GRAPH]
    assert keys(report) == {("_:extra", str(DCAT.accessURL), MIN, "Violation")}


def test_malformed_record_graph_is_an_engine_error_naming_the_record(validator):
    with pytest.raises(ValidationEngineError) as err:
        validator.validate({GRAPH: "<http://a> <http://b> .\n"})
    assert err.value.record == GRAPH


# --- batching ---------------------------------------------------------------------------------------------

def all_variant_graphs() -> dict[str, str]:
    """Every broken variant as its own record, with its own dataset and distribution IRIs, so that records
    share the agents: identically described (they can share a batch) or not (they must not)."""
    graphs = {}
    for i, name in enumerate(sorted(VARIANTS)):
        g = VARIANTS[name][0](turtle_graph("dataset-doi.ttl"))
        g = rename(g, DATASET, URIRef(f"https://doi.org/10.15151/test-{i:02d}"))
        g = rename(g, DIST, URIRef(f"{DIST}-{i:02d}"))
        graphs[f"http://127.0.0.1:8000/graph/record/test/{i:02d}"] = nt(g)
    graphs["http://127.0.0.1:8000/graph/record/test/good"] = nt(turtle_graph("dataset-doi.ttl"))
    graphs["http://127.0.0.1:8000/graph/record/test/minted"] = nt(turtle_graph("dataset-minted.ttl"))
    return graphs


@pytest.fixture(scope="module")
def variant_reports(validator):
    return validator.validate(all_variant_graphs())


def test_batch_validation_equals_one_record_at_a_time(validator, monkeypatch):
    graphs = all_variant_graphs()
    calls = []
    real = pyshacl_engine.pyshacl.validate
    monkeypatch.setattr(pyshacl_engine.pyshacl, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    together = validator.validate(graphs)
    assert 1 < len(calls) < len(graphs) / 2  # batched, yet clashing descriptions were kept apart
    alone = {g: validator.validate({g: text})[g] for g, text in graphs.items()}
    assert list(together) == sorted(graphs)
    for g in graphs:
        assert together[g].results == alone[g].results, g
        assert together[g].conforms == alone[g].conforms


def test_records_with_distinct_nodes_share_one_pyshacl_run(validator, monkeypatch):
    calls = []
    real = pyshacl_engine.pyshacl.validate
    monkeypatch.setattr(pyshacl_engine.pyshacl, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    graphs = {}
    base = turtle_graph("dataset-minted.ttl")
    for i in range(20):
        g = rename(base, URIRef(MINTED), URIRef(f"{MINTED}-{i}"))
        if i % 2:
            g.remove((URIRef(f"{MINTED}-{i}"), DCT.title, None))
        graphs[f"http://127.0.0.1:8000/graph/record/ill/{i:02d}"] = nt(g)
    reports = validator.validate(graphs)
    assert len(calls) == 1  # the shared ROR publisher is described identically: no clash
    assert [r.conforms for r in reports.values()] == [i % 2 == 0 for i in range(20)]
    assert all((f"{MINTED}-{i}", str(DCT.title), MIN, "Violation") in keys(reports[g])
               for i, g in enumerate(sorted(graphs)) if i % 2)


def test_batch_never_lets_one_record_complete_another(validator, monkeypatch):
    """Record b describes the shared person without a name, a describes it with one: b keeps its warning."""
    a = turtle_graph("dataset-doi.ttl")
    b = rename(turtle_graph("dataset-doi.ttl"), DATASET, URIRef("https://doi.org/10.15151/other"))
    b.remove((PERSON, FOAF.name, None))
    calls = []
    real = pyshacl_engine.pyshacl.validate
    monkeypatch.setattr(pyshacl_engine.pyshacl, "validate", lambda *a_, **k: calls.append(1) or real(*a_, **k))
    reports = validator.validate({"http://g/a": nt(a), "http://g/b": nt(b)})
    assert len(calls) == 2
    assert keys(reports["http://g/a"]) == set()
    assert keys(reports["http://g/b"]) == {(P, str(FOAF.name), MIN, "Warning")}


TRICKY_NTRIPLES = (
    '# a comment line\r\n'
    '\r\n'
    '<http://ex.org/s> <http://ex.org/p> "plain" .\r\n'
    '<http://ex.org/s>\t<http://ex.org/p>\t"tab separated"@en-GB\t.\t# trailing comment\n'
    '   <http://ex.org/s> <http://ex.org/p> "esc \\" \\\\ \\n \\t \\u00e9 \\U0001F600" .\n'
    '<http://ex.org/s> <http://ex.org/p> "42"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    '<http://ex.org/s> <http://ex.org/p> "2021-13-45"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
    '<http://ex.org/s> <http://ex.org/p> "x"^^<http://www.w3.org/2001/XMLSchema#string> .\n'
    '<http://ex.org/s> <http://ex.org/p> ""@de .\n'
    '<http://ex.org/caf\\u00e9> <http://ex.org/p> <http://ex.org/o\\u0041> .\n'
    '_:a.b-c <http://ex.org/p> _:x_1.\n'
    '_:x_1 <http://ex.org/p> _:a.b-c .\n'
    '<http://ex.org/s> <http://ex.org/p> "once" .\n'
    '<http://ex.org/s> <http://ex.org/p> "once" .\n'
    '<urn:x:y> <http://ex.org/p> "no final line break" .'
)


def _labelled(triples, labels):
    """Triples with blank nodes written as their labels, and every term with its type, language, datatype."""
    def term(t):
        if isinstance(t, rdflib.BNode):
            return ("bnode", labels[t])
        return (type(t).__name__, str(t), getattr(t, "language", None), getattr(t, "datatype", None))
    return {tuple(term(t) for t in triple) for triple in triples}


def test_fast_ntriples_reader_builds_the_terms_rdflibs_parser_builds():
    context: dict = {}
    expected = rdflib.Graph().parse(data=TRICKY_NTRIPLES, format="nt", bnode_context=context)
    read = pyshacl_engine._read_ntriples(TRICKY_NTRIPLES, pyshacl_engine._Terms())
    assert read is not None  # the fast path took every line
    triples, bnodes = read
    assert _labelled(triples, {b: label for label, b in bnodes.items()}) == \
        _labelled(expected, {b: label for label, b in context.items()})
    assert len(set(triples)) == len(expected)


@pytest.mark.parametrize("line", [
    '<http://ex.org/s> <http://ex.org/p> "open .',
    '<http://ex.org/s> "p" <http://ex.org/o> .',
    '<http://ex.org/s> <http://ex.org/p> <http://ex.org/o>',
    '_:a. <http://ex.org/p> <http://ex.org/o> .',
    '<http://ex.org/s> <http://ex.org/p> "x"@en^^<http://ex.org/t> .',
    '\ufeff<http://ex.org/s> <http://ex.org/p> "bom" .',
])
def test_lines_the_fast_reader_does_not_take_go_to_rdflib(line):
    assert pyshacl_engine._read_ntriples(line + "\n", pyshacl_engine._Terms()) is None
    try:
        rdflib.Graph().parse(data=line + "\n", format="nt")
    except Exception:
        with pytest.raises(ValidationEngineError):
            pyshacl_engine._parse_record(GRAPH, line + "\n")
    else:
        assert pyshacl_engine._parse_record(GRAPH, line + "\n").triples


def test_rdflib_parser_fallback_gives_the_same_reports(validator, variant_reports, monkeypatch):
    monkeypatch.setattr(pyshacl_engine, "_read_ntriples", lambda text, terms: None)
    slow = validator.validate(all_variant_graphs())
    assert {g: r.results for g, r in slow.items()} == {g: r.results for g, r in variant_reports.items()}


def test_equal_blank_node_labels_in_two_records_are_different_nodes(validator, monkeypatch):
    """Both records call their distribution _:dist; only b's lacks an access URL. In one pySHACL run they
    must stay two nodes: b keeps its violation, a gets none (merged, a's access URL would hide b's)."""
    def record(dataset: str, access_url: bool) -> str:
        g = rename(turtle_graph("dataset-minted.ttl"), URIRef(MINTED), URIRef(dataset))
        text = nt(g) + (f'<{dataset}> <{DCAT.distribution}> _:dist .\n'
                        f'_:dist <{RDF.type}> <{DCAT.Distribution}> .\n')
        if access_url:
            text += f'_:dist <{DCAT.accessURL}> <http://example.org/files> .\n'
        return text
    calls = []
    real = pyshacl_engine.pyshacl.validate
    monkeypatch.setattr(pyshacl_engine.pyshacl, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    reports = validator.validate({"http://g/a": record(f"{MINTED}-a", True),
                                  "http://g/b": record(f"{MINTED}-b", False)})
    assert len(calls) == 1
    assert ("_:dist", str(DCAT.accessURL), MIN, "Violation") not in keys(reports["http://g/a"])
    assert ("_:dist", str(DCAT.accessURL), MIN, "Violation") in keys(reports["http://g/b"])
    assert reports["http://g/a"].conforms and not reports["http://g/b"].conforms


def test_batch_size_does_not_change_results(validator, variant_reports, monkeypatch):
    graphs = all_variant_graphs()
    monkeypatch.setattr(validator, "batch_size", 3)
    small = validator.validate(graphs)
    assert {g: r.results for g, r in small.items()} == {g: r.results for g, r in variant_reports.items()}


def test_results_are_in_a_deterministic_order(validator, variant_reports):
    graphs = all_variant_graphs()
    forward = variant_reports
    backward = validator.validate(dict(reversed(list(graphs.items()))))
    assert [(g, r.results) for g, r in forward.items()] == [(g, r.results) for g, r in backward.items()]
    for r in forward.values():
        assert r.results == sorted(r.results, key=Result.sort_key)


COMPLEX_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://w3id.org/pangraph/shapes/paths#> .
ex:S a sh:NodeShape ; sh:targetClass dcat:Dataset ; sh:name "s" ; sh:description "d" ; sh:message "m" ;
    sh:severity sh:Warning ; sh:property ex:Start, ex:Inverse .
ex:Start a sh:PropertyShape ; sh:path ( dct:temporal dcat:startDate ) ; sh:minCount 1 ;
    sh:name "start" ; sh:description "d" ; sh:message "The collection period has no start date." ; sh:severity sh:Warning .
ex:Inverse a sh:PropertyShape ; sh:path [ sh:inversePath dcat:dataset ] ; sh:minCount 1 ;
    sh:name "catalogued" ; sh:description "d" ; sh:message "No catalogue lists the dataset." ; sh:severity sh:Info .
"""


def test_complex_result_paths_are_written_as_sparql_paths(tmp_path: Path):
    folder = tmp_path / "paths"
    folder.mkdir()
    (folder / "shapes.ttl").write_text(COMPLEX_SHAPES)
    (folder / "profile.toml").write_text('name = "paths"\nversion = "0.1.0"\ntitle = "t"\ndescription = "d"\n'
                                         'files = ["shapes.ttl"]\n')
    v = Validator([load_profile("paths", shapes_dir=tmp_path)])
    g = turtle_graph("dataset-minted.ttl")
    report = v.validate({GRAPH: nt(g)})[GRAPH]
    assert {r.path for r in report.results} == {f"<{DCT.temporal}>/<{DCAT.startDate}>", f"^<{DCAT.dataset}>"}
    assert report.conforms  # a Warning and an Info only


@pytest.mark.parametrize("text", [
    "http://purl.org/dc/terms/title",
    "^<http://a>",
    "<http://a>/<http://b>",
    "(<http://a>|<http://b>/^<http://c>)",
    "(<http://a>/<http://b>)*",
    "^<http://a>+/(<http://b>|<http://c>)?",
])
def test_path_strings_round_trip(text):
    assert format_path(parse_path(text)) == text


# --- the quality graph ----------------------------------------------------------------------------------

def sample_report() -> Report:
    return Report.of([
        Result(D, str(DCT.title), MIN, "Violation", "The dataset has no title.", None, PDS + "Dataset-title"),
        Result(D, f"<{DCT.temporal}>/<{DCAT.startDate}>", MIN, "Warning", "No start.", None, PDS + "X"),
        Result("_:extra", str(DCAT.accessURL), MIN, "Violation", "No access URL.", None, PDS + "Y"),
        Result(str(DIST), str(DCAT.byteSize), DATATYPE, "Violation", "Bad size.", f'"-5"^^<{XSD.integer}>', PDS + "Z"),
    ], profiles={"pan-dataset": "1.0.0"})


def test_quality_graph_has_report_results_and_measurements_all_computed_on_the_record():
    notes = [Note("subjects/subject", "PaNET label names another technique", "Warning", "PaNET01196 XAFS")]
    text = quality_ntriples(GRAPH, sample_report(), profile_versions={"pan-dataset": "1.0.0"}, notes=notes,
                            subject=D, generated_at="2024-05-01T12:00:00+00:00")
    g = rdflib.Graph().parse(data=text, format="nt")
    rec = URIRef(GRAPH)
    assert not any(isinstance(t, rdflib.BNode) for triple in g for t in triple)
    for s in set(g.subjects()):
        assert (s, DQV.computedOn, rec) in g, s
    report = URIRef(GRAPH + "#validation")
    assert (report, RDF.type, SH.ValidationReport) in g
    assert g.value(report, SH.conforms) == Literal(False)
    results = set(g.objects(report, SH.result))
    assert results == {URIRef(f"{GRAPH}#result-{n}") for n in range(1, 6)}
    assert all((r, RDF.type, SH.ValidationResult) in g for r in results)
    note = [r for r in results if g.value(r, SH.sourceConstraintComponent) == URIRef(CROSSWALK_NOTE)]
    assert len(note) == 1 and g.value(note[0], SH.focusNode) == DATASET
    assert g.value(note[0], SH.value) == Literal("PaNET01196 XAFS")
    # the profile and its version
    (prof,) = g.objects(report, DCT.conformsTo)
    assert g.value(prof, DCT.isVersionOf) == URIRef("https://w3id.org/pangraph/shapes/pan-dataset")
    assert str(g.value(prof, rdflib.OWL.versionInfo)) == "1.0.0"
    # measurements count SHACL results and notes
    values = {str(g.value(m, DQV.isMeasurementOf)): g.value(m, DQV.value).toPython()
              for m in g.subjects(RDF.type, DQV.QualityMeasurement)}
    assert values == {METRICS["Violation"]: 3, METRICS["Warning"]: 2, METRICS["Info"]: 0}
    assert len(set(g.subjects(rdflib.PROV.generatedAtTime, None))) == 4
    # the sequence path is an rdf:List of minted IRIs
    seq = [r for r in results if isinstance(g.value(r, SH.resultPath), URIRef)
           and str(g.value(r, SH.resultPath)).startswith(GRAPH + "#path-")]
    (path,) = [g.value(r, SH.resultPath) for r in seq]
    assert list(rdflib.collection.Collection(g, path)) == [DCT.temporal, DCAT.startDate]
    # the blank-node focus is named under the record graph
    assert URIRef(GRAPH + "#bnode-extra") in set(g.objects(None, SH.focusNode))
    assert Literal("-5", datatype=XSD.integer) in set(g.objects(None, SH.value))


def test_quality_graph_of_a_clean_record_conforms_and_has_no_clock():
    text = quality_ntriples(GRAPH, Report.of([], profiles={"pan-dataset": "1.0.0"}))
    g = rdflib.Graph().parse(data=text, format="nt")
    assert g.value(URIRef(GRAPH + "#validation"), SH.conforms) == Literal(True)
    assert not list(g.subjects(SH.result, None))
    assert not list(g.triples((None, rdflib.PROV.generatedAtTime, None)))
    assert quality_ntriples(GRAPH, Report.of([], profiles={"pan-dataset": "1.0.0"})) == text


def test_a_violation_note_makes_the_quality_report_non_conforming():
    text = quality_ntriples(GRAPH, Report.of([], profiles={}), notes=[Note("titles", "no title", "Violation")])
    g = rdflib.Graph().parse(data=text, format="nt")
    assert g.value(URIRef(GRAPH + "#validation"), SH.conforms) == Literal(False)
    assert g.value(URIRef(GRAPH + "#result-1"), SH.focusNode) == URIRef(GRAPH)


def test_quality_graph_from_a_real_validation_parses(validator):
    change, _ = VARIANTS["non-PaNET technique"]
    report = validate_one(validator, change(turtle_graph("dataset-doi.ttl")))
    g = rdflib.Graph().parse(data=quality_ntriples(GRAPH, report), format="nt")
    assert len(set(g.subjects(RDF.type, SH.ValidationResult))) == 2
    assert set(g.objects(None, SH.value)) == {BAD_TECHNIQUE}


# --- summaries, rendering and exit codes ---------------------------------------------------------------------

def test_summary_counts_and_orders_what_to_fix_first(variant_reports):
    s = summarise(variant_reports, top=None)
    assert s.records == len(VARIANTS) + 2
    expected_bad = sum(any(sev == "Violation" for *_, sev in exp) for _, exp in VARIANTS.values())
    assert s.conforming == s.records - expected_bad
    assert s.results == {sev: sum(r.counts()[sev] for r in variant_reports.values())
                         for sev in ("Violation", "Warning", "Info")}
    assert [m.severity for m in s.top] == sorted((m.severity for m in s.top),
                                                  key=("Violation", "Warning", "Info").index)
    first = s.top[0]
    assert first.severity == "Violation"
    assert first.records == max(m.records for m in s.top if m.severity == "Violation")
    technique = [m for m in s.top if m.source_shape == PDS + "Technique-class"]
    assert technique[0].records == 4 and technique[0].results == 4
    assert len(summarise(variant_reports, top=3).top) == 3


def test_exit_code_follows_the_conformance_rule(variant_reports):
    assert exit_code(summarise(variant_reports)) == 1
    infos_only = {g: r for g, r in variant_reports.items() if r.conforms}
    assert any(r.results for r in infos_only.values())  # warnings and infos alone still conform
    assert exit_code(summarise(infos_only)) == 0
    assert exit_code(summarise({})) == 0


def test_render_text_names_the_numbers_and_the_rules(variant_reports):
    s = summarise(variant_reports)
    text = render(s)
    assert f"Records checked: {s.records}; conforming: {s.conforming}" in text
    assert "What to fix first:" in text and s.top[0].message in text
    assert "pan-dataset:" in text
    detailed = render(variant_reports, format="text")
    assert "https://orcid.org/0000-0002-1825-009" in detailed and "does not conform" in detailed


def test_render_json_is_the_summary_plus_reports(variant_reports):
    s = summarise(variant_reports)
    assert json.loads(render(s, format="json")) == json.loads(json.dumps(s.as_dict()))
    data = json.loads(render(variant_reports, format="json"))
    assert data["records"] == s.records and set(data["reports"]) == set(variant_reports)
    some = next(iter(data["reports"]))
    assert data["reports"][some]["results"] == [r.as_dict() for r in variant_reports[some].results]


def test_render_turtle_is_the_quality_graph(variant_reports):
    ttl = render(variant_reports, format="turtle")
    g = rdflib.Graph().parse(data=ttl, format="turtle")
    expected = rdflib.Graph()
    for graph, rep in variant_reports.items():
        expected.parse(data=quality_ntriples(graph, rep), format="nt")
    assert isomorphic(g, expected)


def test_render_rejects_what_it_cannot_do(variant_reports):
    with pytest.raises(ValueError, match="reports"):
        render(summarise(variant_reports), format="turtle")
    with pytest.raises(ValueError, match="unknown format"):
        render(variant_reports, format="xml")


def test_summary_is_a_plain_value():
    s = summarise({"http://g/1": sample_report()})
    assert isinstance(s, Summary) and not s.conforms
    assert s.records_with == {"Violation": 1, "Warning": 1, "Info": 0}


# --- engines: the setting, the factory, the node ------------------------------------------------------------

def test_validation_settings_are_declared_with_defaults_files_and_environment(tmp_path: Path):
    from pangraph.config import SETTINGS, load_config

    names = {s.name: s for s in SETTINGS}
    assert names["validation.engine"].default == "fast"
    assert names["validation.dcat_ap_3.file"].default == "" and names["validation.dcat_ap_3.fetch"].default is False
    assert names["validation.engine"].env == "PANGRAPH_VALIDATION_ENGINE"
    defaults = load_config(None, environ={})
    assert (defaults["validation.engine"], defaults["validation.dcat_ap_3.file"],
            defaults["validation.dcat_ap_3.fetch"]) == ("fast", "", False)
    toml = tmp_path / "pangraph.toml"
    toml.write_text('[validation]\nengine = "pyshacl"\n[validation.dcat_ap_3]\nfile = "shapes/dcat.ttl"\nfetch = true\n')
    from_file = load_config(toml, environ={})
    assert (from_file["validation.engine"], from_file["validation.dcat_ap_3.file"],
            from_file["validation.dcat_ap_3.fetch"]) == ("pyshacl", "shapes/dcat.ttl", True)
    from_env = load_config(toml, environ={"PANGRAPH_VALIDATION_ENGINE": "fast",
                                          "PANGRAPH_VALIDATION_DCAT_AP_3_FETCH": "false"})
    assert (from_env["validation.engine"], from_env["validation.dcat_ap_3.fetch"]) == ("fast", False)
    with pytest.raises(ConfigError, match="validation.dcat_ap_3.fetch"):
        load_config(None, environ={"PANGRAPH_VALIDATION_DCAT_AP_3_FETCH": "maybe"})


def test_make_validator_builds_either_engine_from_profiles_or_names(profile, panet_text):
    from pangraph.config import load_config
    from pangraph.validate import FastValidator, make_validator

    ontology = {"panet": panet_text}
    assert type(make_validator([profile], ontology_graphs=ontology)) is FastValidator  # the default
    reference = make_validator([profile], engine="pyshacl", ontology_graphs=ontology)
    assert type(reference) is Validator
    by_name = make_validator(["software", profile], engine="fast", ontology_graphs=ontology, batch_size=3)
    assert by_name.profile_versions == {"software": load_profile("software").version, "pan-dataset": profile.version}
    assert by_name.batch_size == 3
    configured = load_config(None, environ={"PANGRAPH_VALIDATION_ENGINE": "pyshacl"})
    assert type(make_validator(["pan-dataset"], config=configured, ontology_graphs=ontology)) is Validator
    assert type(make_validator(["pan-dataset"], engine="fast", config=configured, ontology_graphs=ontology)) \
        is FastValidator
    with pytest.raises(ConfigError) as err:
        make_validator([profile], engine="shacl-js", ontology_graphs=ontology)
    assert err.value.field == "validation.engine" and "fast, pyshacl" in str(err.value)
    with pytest.raises(ConfigError, match="validation.engine"):
        make_validator([profile], config=load_config(None, environ={"PANGRAPH_VALIDATION_ENGINE": "x"}),
                       ontology_graphs=ontology)
    with pytest.raises(ValidationEngineError, match="panet"):
        make_validator([profile])  # both engines check the ontology graphs the same way


def test_the_dcat_ap_file_setting_reaches_external_profiles(tmp_path: Path):
    import hashlib

    from pangraph.config import load_config

    shapes = tmp_path / "shapes"
    (shapes / "dcat-ap-3").mkdir(parents=True)
    body = COMPLEX_SHAPES.encode("utf-8")
    (shapes / "dcat-ap-3" / "profile.toml").write_text(
        'name = "dcat-ap-3"\nversion = "9.9.9"\ntitle = "t"\ndescription = "d"\nexternal = true\n'
        'files = ["dcat-ap-SHACL.ttl"]\n[fetch."dcat-ap-SHACL.ttl"]\nurl = "https://example.org/x.ttl"\n'
        f'sha256 = "{hashlib.sha256(body).hexdigest()}"\n')
    (tmp_path / "local.ttl").write_bytes(body)
    toml = tmp_path / "pangraph.toml"
    toml.write_text('[validation.dcat_ap_3]\nfile = "local.ttl"\n')  # relative to the configuration file
    (loaded,) = load_profiles(["dcat-ap-3"], shapes_dir=shapes, config=load_config(toml, environ={}))
    assert loaded.files == (tmp_path / "local.ttl",) and loaded.version == "9.9.9"
    env = load_config(None, environ={"PANGRAPH_VALIDATION_DCAT_AP_3_FILE": str(tmp_path / "missing.ttl")})
    with pytest.raises(ConfigError, match="does not exist") as err:
        load_profiles(["dcat-ap-3"], shapes_dir=shapes, config=env)
    assert err.value.field == "validation.dcat_ap_3.file"


def test_the_node_builds_the_configured_engine_with_its_configuration(tmp_path: Path, panet_owl: Path):
    from pangraph.config import load_config
    from pangraph.pipeline import Node
    from pangraph.validate import FastValidator
    from pangraph.vocab import TechniqueIndex

    techniques = TechniqueIndex.from_file(panet_owl)
    for environ, engine in (({}, FastValidator), ({"PANGRAPH_VALIDATION_ENGINE": "pyshacl"}, Validator)):
        config = load_config(None, environ={"PANGRAPH_PATHS_DATA": str(tmp_path / "data"), **environ})
        with Node(config, techniques=techniques) as node:
            assert type(node.validator) is engine
            assert set(node.validator.profile_versions) == {"pan-dataset", "training", "software"}
    # external profiles resolve through the node's configuration: the local copy named by the setting is used
    bad = tmp_path / "dcat.ttl"
    bad.write_text("# not the pinned file\n")
    config = load_config(None, environ={"PANGRAPH_PATHS_DATA": str(tmp_path / "data"),
                                        "PANGRAPH_VALIDATION_PROFILES": "pan-dataset,dcat-ap-3",
                                        "PANGRAPH_VALIDATION_DCAT_AP_3_FILE": str(bad)})
    with Node(config, techniques=techniques) as node:
        with pytest.raises(ConfigError, match=re.escape(str(bad))) as err:
            node.validator
    assert err.value.field == "validation.dcat_ap_3.file"


# --- the reference engine: literal focus nodes, nested results ---------------------------------------------

LITERAL_TARGETS = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex.org/> .
ex:Part a sh:NodeShape ; sh:targetObjectsOf ex:part ; sh:nodeKind sh:IRI ; sh:property ex:Part-owner ;
  sh:name "part" ; sh:description "d" ; sh:message "A part must be a node." ; sh:severity sh:Violation .
ex:Part-owner a sh:PropertyShape ; sh:path [ sh:inversePath ex:part ] ; sh:maxCount 1 ;
  sh:name "owner" ; sh:description "d" ; sh:message "A part has one owner." ; sh:severity sh:Warning .
ex:Whole a sh:NodeShape ; sh:targetClass ex:Whole ; sh:property ex:Whole-part ;
  sh:name "whole" ; sh:description "d" ; sh:message "m" ; sh:severity sh:Violation .
ex:Whole-part a sh:PropertyShape ; sh:path ex:part ; sh:node ex:Named ;
  sh:name "named part" ; sh:description "d" ; sh:message "Each part has a name." ; sh:severity sh:Violation .
ex:Named a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
"""


def test_literal_focus_nodes_are_reported_as_literals_and_never_see_other_records(tmp_path: Path, monkeypatch):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "shapes.ttl").write_text(LITERAL_TARGETS)
    (folder / "profile.toml").write_text('name = "parts"\nversion = "0.1.0"\ntitle = "t"\ndescription = "d"\n'
                                         'files = ["shapes.ttl"]\n')
    v = Validator([load_profile("parts", shapes_dir=tmp_path, strict=False)])
    whole = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Whole>"
    graphs = {"http://g/a": f'<http://ex.org/a> <http://ex.org/part> "bolt" .\n<http://ex.org/a> {whole} .\n',
              "http://g/b": f'<http://ex.org/b> <http://ex.org/part> "bolt" .\n<http://ex.org/b> {whole} .\n'
                            f'<http://ex.org/c> <http://ex.org/part> "bolt"@en .\n'
                            f'<http://ex.org/d> <http://ex.org/part> "bolt"@en .\n'}
    calls = []
    real = pyshacl_engine.pyshacl.validate
    monkeypatch.setattr(pyshacl_engine.pyshacl, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    reports = v.validate(graphs)
    assert len(calls) == 2  # a record with a literal focus node is validated alone
    a, b = keys(reports["http://g/a"]), keys(reports["http://g/b"])
    nodekind, maxcount = sh("NodeKindConstraintComponent"), sh("MaxCountConstraintComponent")
    assert a == {('"bolt"', None, nodekind, "Violation"),
                 ("http://ex.org/a", "http://ex.org/part", sh("NodeConstraintComponent"), "Violation")}
    assert ('"bolt"@en', "^<http://ex.org/part>", maxcount, "Warning") in b  # c and d in this record
    assert ('"bolt"', "^<http://ex.org/part>", maxcount, "Warning") not in b  # a's statement is in another record
    # the sh:node failure is one result; pySHACL's nested sh:detail (the missing ex:name) is not a result
    assert not any(r.path == "http://ex.org/name" for rep in reports.values() for r in rep.results)


def test_a_literal_focus_node_stays_a_literal_in_the_quality_graph():
    """A result on a literal (a distribution given as text, say) names that literal as sh:focusNode."""
    focus = '"https://example.org/file.h5"'
    report = Report.of([Result(focus=focus, path=None, component=str(rdflib.SH.NodeKindConstraintComponent),
                               severity="Violation", message="not a node", value=focus,
                               source_shape="https://w3id.org/pangraph/shapes/pan-dataset#X")],
                       profiles={"pan-dataset": "1.1.0"})
    g = rdflib.Graph().parse(data=quality_ntriples(GRAPH, report, profile_versions={"pan-dataset": "1.1.0"}),
                             format="nt")
    (found,) = list(g.objects(None, rdflib.SH.focusNode))
    assert found == Literal("https://example.org/file.h5")
