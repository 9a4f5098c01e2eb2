"""The fast SHACL engine (SPARQL in Oxigraph) against pySHACL, the reference: the same (focus, path,
component, severity) set on fixtures, crosswalked shared samples, generated and mutated records, literal focus
nodes, record texts in every N-Triples spelling, and through the whole pipeline."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import random
import re
import sys
from pathlib import Path
from typing import Mapping

import pyshacl
import pytest
import rdflib
from lxml import etree

from conftest import PANET_OWL
from pangraph.archive import RunReport
from pangraph.config import load_config
from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
from pangraph.errors import ValidationEngineError
from pangraph.iri import local_key, record_graph
from pangraph.pipeline import Node
from pangraph.rdf import ntriples
from pangraph.records import RawRecord
from pangraph.sources.software import read_cff_files, read_codemeta_files
from pangraph.validate import FastValidator, Report, Validator, load_profile, load_profiles
from pangraph.vocab import TechniqueIndex

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "validate"
BASE = "http://pan.test"
PROFILES = ["pan-dataset", "training", "software"]
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
SH = "http://www.w3.org/ns/shacl#"
DATATYPE = SH + "DatatypeConstraintComponent"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def _recordgen():
    if "recordgen" in sys.modules:
        return sys.modules["recordgen"]
    spec = importlib.util.spec_from_file_location("recordgen", REPO / "bench" / "recordgen.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["recordgen"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def engines(panet_owl: Path) -> tuple[FastValidator, Validator]:
    profiles = load_profiles(PROFILES)
    ontology = {"panet": panet_owl.read_text(encoding="utf-8")}
    return FastValidator(profiles, ontology_graphs=ontology), Validator(profiles, ontology_graphs=ontology)


@pytest.fixture(scope="module")
def ctx(panet_owl: Path) -> CrosswalkContext:
    return CrosswalkContext(base=BASE, source="fast", techniques=TechniqueIndex.from_file(panet_owl),
                            mappings=load_mappings())


@pytest.fixture(scope="module")
def generated(ctx: CrosswalkContext) -> dict[str, str]:
    """60 generated DataCite records, a third with defects, crosswalked (shared by several tests)."""
    return _generated(ctx, 60, seed=4, defect_rate=0.3)


@pytest.fixture(scope="module")
def dataset_nt() -> tuple[str, str]:
    """A complete dataset record (N-Triples) and its dataset IRI."""
    g = rdflib.Graph().parse(FIXTURES / "dataset-doi.ttl", format="turtle")
    dataset = next(g.subjects(rdflib.RDF.type, rdflib.URIRef(DCAT + "Dataset")))
    return g.serialize(format="nt"), str(dataset)


def _keys(report: Report) -> set[tuple]:
    return {(r.focus, r.path, r.component, r.severity) for r in report.results}


def _keys_and_values(report: Report) -> set[tuple]:
    return {(r.focus, r.path, r.component, r.severity, r.value, r.source_shape) for r in report.results}


def assert_same(engines: tuple[FastValidator, Validator], graphs: Mapping[str, str]) -> dict[str, Report]:
    """Both engines on *graphs*; fails listing every record where the result sets differ (focus, path,
    component, severity, and also the value and source shape)."""
    fast, ref = engines
    got, want = fast.validate(graphs), ref.validate(graphs)
    assert list(got) == list(want)
    diffs = []
    for g in graphs:
        a, b = _keys_and_values(got[g]), _keys_and_values(want[g])
        if a != b:
            diffs.append(f"{g}:\n  fast only: {sorted(a - b, key=str)}\n  pySHACL only: {sorted(b - a, key=str)}\n"
                         f"  record:\n{graphs[g]}")
        assert got[g].conforms == want[g].conforms or a != b
    assert not diffs, f"{len(diffs)} of {len(graphs)} records differ:\n" + "\n".join(diffs[:5])
    return got


def _generated(ctx: CrosswalkContext, n: int, seed: int, defect_rate: float) -> dict[str, str]:
    rg = _recordgen()
    out = {}
    for spec in rg.generate(n, seed=seed, defect_rate=defect_rate):
        rec = RawRecord("fast", "doi:" + spec.doi, "datacite", rg.to_datacite_xml(spec))
        try:
            result = crosswalk_record(rec, ctx=ctx)
        except Exception:  # noqa: BLE001 - a defect the crosswalk rejects has no graph to validate
            continue
        out[record_graph(BASE, "fast", local_key(rec.identifier))] = ntriples(result.triples)
    return out


def _odd_profile(tmp_path: Path, name: str, turtle: str):
    folder = tmp_path / name
    folder.mkdir()
    (folder / "profile.toml").write_text(f'name = "{name}"\nversion = "1.0.0"\ntitle = "t"\ndescription = "d"\n'
                                         'files = ["s.ttl"]\n')
    (folder / "s.ttl").write_text("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex.org/> .\n"
                                  "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + turtle)
    return load_profile(name, shapes_dir=tmp_path, strict=False)


# --- the compiler covers the project's profiles ------------------------------------------------------------

def test_every_shape_of_the_profiles_compiles(engines: tuple[FastValidator, Validator]) -> None:
    fast, ref = engines
    assert fast.fallbacks == []
    shapes = [s for c in fast.compiled for s in c.shapes]
    assert len(shapes) == len(set(shapes)) >= 10
    assert len(fast.compiled) < len(shapes), "shapes with the same targets share one query"
    assert all(len(c.templates) == len(c.branches) and c.query.startswith("SELECT") for c in fast.compiled)
    assert fast.profile_versions == ref.profile_versions


def test_an_unsupported_constraint_falls_back_to_pyshacl_and_says_so(tmp_path: Path) -> None:
    profile = _odd_profile(tmp_path, "odd", """
ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property ex:P , ex:Q .
ex:P a sh:PropertyShape ; sh:path ex:n ; sh:minInclusive 3 ; sh:severity sh:Warning .
ex:Q a sh:PropertyShape ; sh:path ex:n ; sh:minCount 2 ; sh:severity sh:Info .
ex:U a sh:NodeShape ; sh:targetSubjectsOf ex:n ; sh:severity sh:Info ; sh:property ex:V .
ex:V a sh:PropertyShape ; sh:path ( ex:n [ sh:inversePath ex:n ] ) ; sh:maxCount 1 ; sh:severity sh:Info .
""")
    engines = (FastValidator([profile]), Validator([profile]))
    assert [f.shape for f in engines[0].fallbacks] == ["http://ex.org/S"]
    assert "minInclusive" in engines[0].fallbacks[0].reason
    graphs = {"http://g/1": '<http://ex.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/T> .\n'
                            '<http://ex.org/a> <http://ex.org/n> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                            '<http://ex.org/b> <http://ex.org/n> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'}
    got = assert_same(engines, graphs)
    components = {r.component.rsplit("#", 1)[1] for r in got["http://g/1"].results}
    assert components == {"MinInclusiveConstraintComponent", "MinCountConstraintComponent",
                          "MaxCountConstraintComponent"}


def test_engine_arguments_are_checked_like_the_reference(engines: tuple[FastValidator, Validator]) -> None:
    profiles = load_profiles(["pan-dataset"])
    with pytest.raises(ValidationEngineError, match="ontology graph 'panet'"):
        FastValidator(profiles)
    with pytest.raises(ValidationEngineError, match="no validation profile"):
        FastValidator([])
    with pytest.raises(ValidationEngineError, match="batch_size"):
        FastValidator(profiles, ontology_graphs={"panet": ""}, batch_size=0)


# --- literals: the verdict on the record as written, not on Oxigraph's canonical form --------------------------

#: dcat:byteSize values (sh:datatype xsd:nonNegativeInteger) and whether they fail; None: whatever pySHACL says
BYTE_SIZES = [
    (f'"5"^^<{XSD}int>', True),  # a valid xsd:int is not an xsd:nonNegativeInteger (Oxigraph would keep "5")
    (f'"00005"^^<{XSD}int>', True),  # Oxigraph would load "5"^^xsd:int
    (f'"05"^^<{XSD}nonNegativeInteger>', False),  # Oxigraph would load "5"^^xsd:nonNegativeInteger
    (f'"5"^^<{XSD}nonNegativeInteger>', False),
    (f'"99999999999999999999999"^^<{XSD}nonNegativeInteger>', False),
    (f'"-1"^^<{XSD}nonNegativeInteger>', True),  # negative: ill-typed
    (f'"-5"^^<{XSD}integer>', True),  # negative, and another datatype
    (f'"abc"^^<{XSD}nonNegativeInteger>', True),  # ill-typed lexical forms
    (f'"5.0"^^<{XSD}nonNegativeInteger>', True),
    (f'"abc"^^<{XSD}integer>', True),
    (f'"5"^^<{XSD}integer>', True),
    ('"5"', True),
    (f'"+5"^^<{XSD}nonNegativeInteger>', None),
    (f'"-0"^^<{XSD}nonNegativeInteger>', None),
]


def _pyshacl_fails_byte_size(nt: str) -> bool:
    """pySHACL itself (no pangraph engine) on the ORIGINAL record graph: a datatype result on dcat:byteSize?"""
    data = rdflib.Graph().parse(data=nt, format="nt")
    _, results, _ = pyshacl.validate(data, shacl_graph=load_profile("pan-dataset").shapes, inference="none",
                                     allow_warnings=True, allow_infos=True)
    sh = rdflib.Namespace(SH)
    return any(results.value(r, sh.sourceConstraintComponent) == sh.DatatypeConstraintComponent
               and results.value(r, sh.resultPath) == rdflib.URIRef(DCAT + "byteSize")
               for r in results.subjects(rdflib.RDF.type, sh.ValidationResult))


@pytest.mark.parametrize("value,fails", BYTE_SIZES, ids=[v for v, _ in BYTE_SIZES])
def test_byte_size_datatype_is_pyshacls_verdict_on_the_record_as_written(
        engines: tuple[FastValidator, Validator], dataset_nt: tuple[str, str], value: str, fails: bool | None) -> None:
    text, dataset = dataset_nt
    nt = text + (f"<{dataset}> <{DCAT}distribution> <http://pan.test/dist/1> .\n"
                 f"<http://pan.test/dist/1> {RDF_TYPE} <{DCAT}Distribution> .\n"
                 f"<http://pan.test/dist/1> <{DCAT}accessURL> <http://pan.test/files/1> .\n"
                 f"<http://pan.test/dist/1> <{DCAT}byteSize> {value} .\n")
    oracle = _pyshacl_fails_byte_size(nt)
    if fails is not None:
        assert oracle == fails
    got = assert_same(engines, {"http://g/bytes": nt})["http://g/bytes"]
    hits = [r for r in got.results if r.component == DATATYPE and r.path == DCAT + "byteSize"]
    assert bool(hits) == oracle
    if hits:  # the value as rdflib reads the record (pySHACL's), not Oxigraph's canonical form
        assert hits[0].focus == "http://pan.test/dist/1"
        as_read = rdflib.Graph().parse(data=f"<http://s> <http://p> {value} .", format="nt")
        assert hits[0].value == next(as_read.objects()).n3()


# --- literal focus nodes ----------------------------------------------------------------------------------------

def test_a_literal_distribution_is_checked_by_the_distribution_shape(
        engines: tuple[FastValidator, Validator], dataset_nt: tuple[str, str]) -> None:
    text, dataset = dataset_nt
    nt = text + (f'<{dataset}> <{DCAT}distribution> "ftp://pan.test/data.h5" .\n'
                 f'<{dataset}> <{DCAT}distribution> "7"^^<{XSD}int> .\n')
    got = assert_same(engines, {"http://g/lit": nt})["http://g/lit"]
    missing = {(r.focus, r.component) for r in got.results if r.path == DCAT + "accessURL"}
    assert missing == {('"ftp://pan.test/data.h5"', SH + "MinCountConstraintComponent"),
                       (f'"7"^^<{XSD}int>', SH + "MinCountConstraintComponent")}
    assert not got.conforms


LITERAL_SHAPES = """
ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property ex:S-node , ex:S-class , ex:S-kind , ex:S-or .
ex:S-node a sh:PropertyShape ; sh:path ex:part ; sh:node ex:Part ; sh:severity sh:Warning .
ex:Part a sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
ex:S-class a sh:PropertyShape ; sh:path ex:part ; sh:class ex:C .
ex:S-kind a sh:PropertyShape ; sh:path ex:part ; sh:nodeKind sh:BlankNodeOrIRI ; sh:severity sh:Info .
ex:S-or a sh:PropertyShape ; sh:path ex:size ; sh:or ( [ sh:datatype xsd:nonNegativeInteger ] [ sh:datatype xsd:string ] ) .
ex:O a sh:NodeShape ; sh:targetObjectsOf ex:part ; sh:nodeKind sh:IRI ; sh:pattern "^http://ex[.]org/" ;
  sh:maxLength 20 ; sh:property ex:O-name , ex:O-owner .
ex:O-name a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 .
ex:O-owner a sh:PropertyShape ; sh:path [ sh:inversePath ex:part ] ; sh:maxCount 1 ; sh:class ex:T .
ex:D a sh:NodeShape ; sh:targetObjectsOf ex:size ; sh:datatype xsd:nonNegativeInteger ;
  sh:in ( 1 2 "05"^^xsd:nonNegativeInteger ) .
ex:L a sh:NodeShape ; sh:targetNode "orphan" , "5"^^xsd:int , "hello"@en ; sh:nodeKind sh:IRI .
"""


def test_literal_focus_nodes_agree(tmp_path: Path) -> None:
    profile = _odd_profile(tmp_path, "literals", LITERAL_SHAPES)
    engines = (FastValidator([profile]), Validator([profile]))
    assert engines[0].fallbacks == []
    ex, int_ = "http://ex.org/", f"<{XSD}int>"
    graphs = {
        "http://g/1": (f"<{ex}t1> {RDF_TYPE} <{ex}T> .\n"
                       f'<{ex}t1> <{ex}part> "a literal part" .\n'
                       f'<{ex}t1> <{ex}part> "http://ex.org/p"@en .\n'
                       f'<{ex}t1> <{ex}part> "5"^^{int_} .\n'
                       f"<{ex}t1> <{ex}part> <{ex}p1> .\n"
                       f"<{ex}p1> {RDF_TYPE} <{ex}C> .\n"
                       f'<{ex}p1> <{ex}name> "p1" .\n'
                       f'<{ex}t1> <{ex}size> "05"^^<{XSD}nonNegativeInteger> .\n'
                       f'<{ex}t1> <{ex}size> "-3"^^<{XSD}integer> .\n'
                       f'<{ex}t1> <{ex}size> "x" .\n'
                       f'<{ex}t1> <{ex}note> "orphan" .\n'
                       f'<{ex}t1> <{ex}note> "hello"@en .\n'),
        "http://g/2": (f"<{ex}t2> {RDF_TYPE} <{ex}T> .\n"
                       f"<{ex}t2> <{ex}part> _:b .\n"
                       f'_:b <{ex}name> "b" .\n'
                       f'<{ex}t2> <{ex}part> "say \\"hi\\"" .\n'
                       f'<{ex}t2> <{ex}part> "a literal part" .\n'
                       f'<{ex}t3> <{ex}part> "a literal part" .\n'
                       f'<{ex}t2> <{ex}size> "5"^^{int_} .\n'),
    }
    got = assert_same(engines, graphs)
    one, two = _keys(got["http://g/1"]), _keys(got["http://g/2"])
    comp = lambda name: SH + name + "ConstraintComponent"  # noqa: E731
    # the literal is a value of ex:part: the value shape's checks fail on the data focus …
    assert (f"{ex}t1", f"{ex}part", comp("Node"), "Warning") in one
    assert (f"{ex}t1", f"{ex}part", comp("Class"), "Violation") in one
    assert (f"{ex}t1", f"{ex}part", comp("NodeKind"), "Info") in one
    # … and, as an object of ex:part, it is a focus node of ex:O itself
    for focus in ('"a literal part"', '"http://ex.org/p"@en', f'"5"^^{int_}'):
        assert (focus, None, comp("NodeKind"), "Violation") in one
        assert (focus, f"{ex}name", comp("MinCount"), "Violation") in one
    assert ('"a literal part"', f"^<{ex}part>", comp("MaxCount"), "Violation") in two  # t2 and t3
    # … but not in the first record, where only t1 points to it (a shared batch would see t2 and t3 as well)
    assert ('"a literal part"', f"^<{ex}part>", comp("MaxCount"), "Violation") not in one
    assert ('"say \\"hi\\""', None, comp("Pattern"), "Violation") in two
    # sh:targetObjectsOf ex:size: datatype and sh:in on literal focus nodes, verdicts on the literal as written
    assert {f for f, p, c, _ in one if c == comp("Datatype") and p is None} == {f'"-3"^^<{XSD}integer>', '"x"'}
    assert (f'"05"^^<{XSD}nonNegativeInteger>', None, comp("In"), "Violation") not in one
    # sh:targetNode literals, in the records where they occur
    assert {f for f, p, c, _ in one if c == comp("NodeKind") and p is None} >= {'"orphan"', '"hello"@en'}
    assert ('"orphan"', None, comp("NodeKind"), "Violation") not in two
    assert (f'"5"^^{int_}', None, comp("NodeKind"), "Violation") in two


# --- record texts → N-Quads: the string fast path reads what the line reader reads ------------------------------

def test_fast_path_gives_the_line_readers_quads(engines: tuple[FastValidator, Validator],
                                                generated: dict[str, str]) -> None:
    fast, _ = engines
    for n, (g, text) in enumerate(sorted(generated.items())):
        quads = fast._fast_nquads(n, text)
        assert quads is not None, "pangraph's own N-Triples take the fast path"
        assert quads == fast._strict_nquads(g, n, text)


_EX = "http://ex.org/"
_BASE_RECORD = (f"<{_EX}d> {RDF_TYPE} <{DCAT}Dataset> .\n"
                f'<{_EX}d> <http://purl.org/dc/terms/title> "A  title with  spaces" .\n'
                f"<{_EX}d> <http://purl.org/dc/terms/creator> _:c.1-x .\n"
                f"_:c.1-x {RDF_TYPE} <http://xmlns.com/foaf/0.1/Person> .\n"
                f'<{_EX}d> <http://purl.org/dc/terms/issued> "2021-13-45"^^<{XSD}date> .\n')
#: record texts in other spellings (name → text): every engine must read them as rdflib does
TEXT_VARIANTS = {
    "canonical": _BASE_RECORD,
    "no final newline": _BASE_RECORD[:-1],
    "CRLF": _BASE_RECORD.replace("\n", "\r\n"),
    "tabs": _BASE_RECORD.replace(f"<{_EX}d> <", f"<{_EX}d>\t<"),
    "blank lines and comments": "# a record\n\n" + _BASE_RECORD.replace(" .\n", " .\n\n", 1),
    "trailing comment": _BASE_RECORD.replace(f'<{XSD}date> .\n', f'<{XSD}date> . # when\n'),
    "trailing comment ending in a dot": _BASE_RECORD + f'<{_EX}d> <http://purl.org/dc/terms/identifier> "x" . # x .\n',
    "blank node text in literals and IRIs": _BASE_RECORD + (
        f'<{_EX}d> <http://purl.org/dc/terms/description> "see _:c.1-x and _:y" .\n'
        f"<{_EX}d> <http://purl.org/dc/terms/license> <{_EX}a_:b> .\n"),
    "escaped quotes and ^^ in literals": _BASE_RECORD + (
        f'<{_EX}d> <http://purl.org/dc/terms/title> "a \\"b\\"^^<{XSD}int> c" .\n'
        f'<{_EX}d> <http://purl.org/dc/terms/issued> "x\\\\"^^<{XSD}date> .\n'),
    "explicit xsd:string and language tags": _BASE_RECORD + (
        f'<{_EX}d> <http://purl.org/dc/terms/identifier> "id"^^<{XSD}string> .\n'
        f'<{_EX}d> <http://purl.org/dc/terms/title> "Titel"@de-CH .\n'),
    "unicode escapes": _BASE_RECORD + f'<{_EX}d> <http://purl.org/dc/terms/title> "caf\\u00E9 \\U0001F600" .\n',
    "blank node objects of unread predicates": _BASE_RECORD + f"<{_EX}d> <{_EX}unread> _:z .\n",
    "rdf:type of an unread class": _BASE_RECORD + f"<{_EX}d> {RDF_TYPE} <{_EX}Unread> .\n",
}


def test_record_text_spellings_agree(engines: tuple[FastValidator, Validator]) -> None:
    fast, _ = engines
    graphs = {f"http://g/{re.sub(r'[^a-z]+', '-', name)}": text for name, text in TEXT_VARIANTS.items()}
    got = assert_same(engines, graphs)
    canonical = _keys(got["http://g/canonical"])
    assert ("_:c.1-x", "http://xmlns.com/foaf/0.1/name", SH + "MinCountConstraintComponent", "Warning") in canonical
    for name in ("no final newline", "CRLF", "tabs", "blank lines and comments", "trailing comment"):
        assert _keys(got[f"http://g/{re.sub(r'[^a-z]+', '-', name)}"]) == canonical, name
    assert fast._fast_nquads(0, TEXT_VARIANTS["canonical"]) is not None
    for name in ("CRLF", "tabs", "blank lines and comments", "trailing comment"):
        assert fast._fast_nquads(0, TEXT_VARIANTS[name]) is None, name


def test_a_broken_record_is_an_engine_error_naming_it(engines: tuple[FastValidator, Validator]) -> None:
    fast, _ = engines
    good = TEXT_VARIANTS["canonical"]
    for broken in (good + f"<{_EX}d> <http://purl.org/dc/terms/title> \"unterminated .\n",
                   good + f"<{_EX}d> <http://purl.org/dc/terms/title> .\n"):
        with pytest.raises(ValidationEngineError) as info:
            fast.validate({"http://g/ok": good, "http://g/broken": broken})
        assert info.value.record == "http://g/broken"


# --- differential tests ---------------------------------------------------------------------------------------

def test_fixtures_agree(engines: tuple[FastValidator, Validator]) -> None:
    graphs = {f"http://g/{p.stem}": rdflib.Graph().parse(p).serialize(format="nt") for p in sorted(FIXTURES.glob("*.ttl"))}
    assert graphs
    assert_same(engines, graphs)


def _shared_records(shared_data: Path) -> list[RawRecord]:
    out = []
    for p in sorted((shared_data / "datacite").rglob("*.xml")):
        if "xsd" in p.parts[-2]:
            continue
        out.append(RawRecord("samples", p.stem, "datacite", p.read_bytes()))
    for p in sorted((shared_data / "oai-pmh").rglob("*.xml")):
        try:
            root = etree.fromstring(p.read_bytes())
        except etree.XMLSyntaxError:  # a broken sample, kept there for the harvester's error tests
            continue
        for i, rec in enumerate(root.iter("{*}record")):
            out.append(RawRecord("samples", f"{p.stem}-{i}", "oai_dc", etree.tostring(rec)))
    out += _tess_records(shared_data)
    return out


def _tess_records(shared_data: Path) -> list[RawRecord]:
    """The Bioschemas JSON-LD samples, one record per object (a file may hold a list of them)."""
    out = []
    for p in sorted((shared_data / "tess").rglob("*.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        for i, item in enumerate(doc if isinstance(doc, list) else [doc]):
            out.append(RawRecord("samples", f"{p.stem}-{i}", "bioschemas-jsonld", json.dumps(item).encode()))
    return out


def _software_records(shared_data: Path) -> list[RawRecord]:
    sw = shared_data / "software"
    records = [r for r in read_codemeta_files(sorted(sw.rglob("codemeta.json")), source="sw")
               if isinstance(r, RawRecord)]
    records += [r for r in read_cff_files(sorted(sw.rglob("CITATION.cff")), source="sw") if isinstance(r, RawRecord)]
    records.append(RawRecord("sw", "dc-software", "datacite", (
        shared_data / "datacite/kernel-4.3-examples/datacite-example-software-v4.xml").read_bytes()))
    return records


def test_shared_samples_agree(engines: tuple[FastValidator, Validator], ctx: CrosswalkContext,
                              shared_data: Path) -> None:
    graphs = {}
    for rec in _shared_records(shared_data):
        try:
            result = crosswalk_record(rec, ctx=ctx)
        except Exception:  # noqa: BLE001 - samples that are not records (identifiers pages …)
            continue
        graphs[f"http://g/sample/{len(graphs)}"] = ntriples(result.triples)
    assert len(graphs) >= 15
    got = assert_same(engines, graphs)
    assert sum(len(r.results) for r in got.values()) > 0


def test_generated_records_agree(engines: tuple[FastValidator, Validator], generated: dict[str, str]) -> None:
    assert len(generated) >= 45
    got = assert_same(engines, generated)
    assert any(not r.conforms for r in got.values())


def test_batches_do_not_change_results(engines: tuple[FastValidator, Validator], generated: dict[str, str],
                                       panet_owl: Path) -> None:
    small = FastValidator(load_profiles(PROFILES), ontology_graphs={"panet": panet_owl.read_text(encoding="utf-8")},
                          batch_size=7)
    assert small.validate(generated) == engines[0].validate(generated)


# --- systematically mutated records -------------------------------------------------------------------------------

_LINE = re.compile(r'^(\S+) (<[^>]*>) (.*) \.$')


def _object_kind(p: str, o: str) -> str:
    if o.startswith("<"):
        if p == RDF_TYPE:
            return "class"
        if "PaNET" in o:
            return "panet"
        if any(h in o for h in ("orcid.org", "ror.org", "doi.org")):
            return "pid"
        return "iri"
    return "literal" if o.startswith('"') else "bnode"


def _mutants(text: str, rng: random.Random, seen: set) -> list[str]:
    """Variants of a record, each with one mutation: a predicate dropped; for each kind of statement (the
    subject's classes, the predicate, the kind of object) the object turned into a wrong kind, datatype, IRI
    spelling or class; a value duplicated. *seen* (shared over records) keeps each mutation of each kind of
    statement once."""
    lines = [line for line in text.split("\n") if line.strip()]
    parsed = [_LINE.match(line).groups() for line in lines]
    types: dict[str, set[str]] = {}
    for s, p, o in parsed:
        if p == RDF_TYPE:
            types.setdefault(s, set()).add(o)
    out = []
    for pred in sorted({p for _, p, _ in parsed}):
        if ("drop", pred) not in seen:  # minCount
            seen.add(("drop", pred))
            out.append("\n".join(line for line, (_, p, _) in zip(lines, parsed) if p != pred) + "\n")
    for i, (s, p, o) in enumerate(parsed):
        kind = _object_kind(p, o)
        node = frozenset(types.get(s, ()))
        if (node, p, kind) in seen:
            continue
        seen.add((node, p, kind))
        if kind == "literal":
            variants = [f"<http://example.org/{rng.randrange(1000)}>",  # IRI instead of literal
                        f'"2021-13-45"^^<{XSD}date>',  # ill-typed date
                        f'"2021"^^<{XSD}string>',  # wrong datatype
                        f'"05"^^<{XSD}nonNegativeInteger>', '""']
        elif kind == "bnode":
            variants = ["<http://example.org/node>"]
        else:
            variants = [f'"{o[1:-1]}"', "_:mutant"]  # literal, blank node instead of IRI
            if kind == "pid":
                variants += [o.replace("https://", "http://"), o.upper().replace("HTTPS://", "https://")]
            if kind == "panet":
                variants += [o.replace("PaNET", "PaNEX"), "<http://purl.org/pan-science/PaNET/PaNET99999>"]
            if kind == "class":
                variants.append("<http://example.org/WrongClass>")
        for v in variants:
            mutated = list(lines)
            mutated[i] = f"{s} {p} {v} ."
            out.append("\n".join(mutated) + "\n")
        if ("dup", node, p) not in seen:  # a second value: maxCount
            seen.add(("dup", node, p))
            out.append("\n".join(lines + [f'{s} {p} "another value" .']) + "\n")
    return out


def test_mutated_records_agree(engines: tuple[FastValidator, Validator], ctx: CrosswalkContext) -> None:
    rng, seen = random.Random(4), set()
    graphs = {}
    for g, text in _generated(ctx, 3, seed=11, defect_rate=0.0).items():
        for n, mutant in enumerate(_mutants(text, rng, seen)):
            graphs[f"{g}/mutant-{n}"] = mutant
    assert len(graphs) > 250
    got = assert_same(engines, graphs)
    components = {r.component.rsplit("#", 1)[1] for rep in got.values() for r in rep.results}
    assert {"MinCountConstraintComponent", "NodeKindConstraintComponent", "OrConstraintComponent",
            "ClassConstraintComponent", "PatternConstraintComponent", "MaxCountConstraintComponent",
            "DatatypeConstraintComponent"} <= components
    literal_focus = [r for rep in got.values() for r in rep.results if r.focus.startswith('"')]
    assert literal_focus, "a distribution or agent turned into a literal is checked as a literal focus node"


def test_mutated_training_and_software_records_agree(engines: tuple[FastValidator, Validator],
                                                     ctx: CrosswalkContext, shared_data: Path) -> None:
    rng, seen = random.Random(5), set()
    graphs = {}
    for rec in _tess_records(shared_data)[:3]:
        try:
            result = crosswalk_record(rec, ctx=ctx)
        except Exception:  # noqa: BLE001 - not every JSON object there is a training record
            continue
        for n, mutant in enumerate(_mutants(ntriples(result.triples), rng, seen)):
            graphs[f"http://g/{rec.identifier}/mutant-{n}"] = mutant
    records = _software_records(shared_data)
    assert len(records) >= 4
    for rec in records:
        text = ntriples(crosswalk_record(rec, ctx=ctx).triples)
        graphs[f"http://g/{local_key(rec.identifier)}"] = text
        for n, mutant in enumerate(_mutants(text, rng, seen)):
            graphs[f"http://g/{local_key(rec.identifier)}/mutant-{n}"] = mutant
    assert len(graphs) > 300
    got = assert_same(engines, graphs)
    shapes = {r.source_shape for rep in got.values() for r in rep.results}
    assert any("/shapes/software#" in (s or "") for s in shapes)
    assert any("/shapes/training#" in (s or "") for s in shapes)


# --- what is loaded: classes asked about together, canonical literals ------------------------------------------

_ATOM_SHAPES = """
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:SP .
ex:SP a sh:PropertyShape ; sh:path ex:knows ; sh:class ex:B .
ex:N a sh:NodeShape ; sh:targetClass ex:B ; sh:property ex:NP .
ex:NP a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 ; sh:datatype xsd:string .
"""
_ATOM_ONTOLOGY = ("@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix ex: <http://ex.org/> .\n"
                  "ex:B rdfs:subClassOf ex:A . ex:C rdfs:subClassOf ex:B . ex:D rdfs:subClassOf ex:A .\n")
_ATOM_RECORDS = {
    "http://g/1": (f"<{_EX}a> {RDF_TYPE} <{_EX}A> .\n<{_EX}a> <{_EX}knows> <{_EX}d> .\n"
                   f"<{_EX}d> {RDF_TYPE} <{_EX}D> .\n<{_EX}d> {RDF_TYPE} <{_EX}A> .\n"
                   f"<{_EX}a> <{_EX}knows> <{_EX}c> .\n<{_EX}c> {RDF_TYPE} <{_EX}C> .\n<{_EX}c> {RDF_TYPE} <{_EX}B> .\n"
                   f"<{_EX}a> {RDF_TYPE} <{_EX}Z> .\n"),
    "http://g/2": (f"<{_EX}b> {RDF_TYPE} <{_EX}B> .\n<{_EX}b> <{_EX}name> \"b\" .\n"
                   f"<{_EX}b> <{_EX}knows> <{_EX}a> .\n<{_EX}a> {RDF_TYPE} <{_EX}A> .\n"
                   f"<{_EX}a> <{_EX}knows> _:x .\n_:x {RDF_TYPE} <{_EX}C> .\n"),
}


def test_classes_asked_about_together_are_loaded_as_one(tmp_path: Path) -> None:
    profile = _odd_profile(tmp_path, "atoms", _ATOM_SHAPES)
    ontology = {"ex": _ATOM_ONTOLOGY}
    fast = FastValidator([profile], ontology_graphs=ontology)
    a, b, c, d = (rdflib.URIRef(_EX + x) for x in "ABCD")
    # the sets asked about: {A B C D} (targets of ex:S), {B C} (sh:class, targets of ex:N)
    assert fast._atoms[a] == fast._atoms[d] != fast._atoms[b] == fast._atoms[c]
    quads = fast._fast_nquads(0, _ATOM_RECORDS["http://g/1"])
    assert quads == fast._strict_nquads("http://g/1", 0, _ATOM_RECORDS["http://g/1"])
    types = [q for q in quads.splitlines() if RDF_TYPE in q]
    assert len(types) == 3, "one statement per node and atom; ex:Z is asked about by nobody"
    got = assert_same((fast, Validator([profile], ontology_graphs=ontology)), _ATOM_RECORDS)
    assert {(r.focus, r.component.rsplit("#", 1)[1]) for r in got["http://g/1"].results} == {
        (f"{_EX}a", "ClassConstraintComponent"), (f"{_EX}c", "MinCountConstraintComponent")}


def test_rdf_type_read_as_a_value_is_loaded_as_written(tmp_path: Path) -> None:
    profile = _odd_profile(tmp_path, "typevalues", _ATOM_SHAPES + """
ex:T a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:TP .
ex:TP a sh:PropertyShape ; sh:path rdf:type ; sh:in ( ex:A ex:B ex:C ex:D ) ; sh:maxCount 2 .
""")
    ontology = {"ex": _ATOM_ONTOLOGY}
    fast = FastValidator([profile], ontology_graphs=ontology)
    assert fast._atoms == {}
    quads = fast._fast_nquads(0, _ATOM_RECORDS["http://g/1"])
    assert len([q for q in quads.splitlines() if RDF_TYPE in q]) == 6, "ex:Z too: sh:in reads it"
    got = assert_same((fast, Validator([profile], ontology_graphs=ontology)), _ATOM_RECORDS)
    assert (f"{_EX}a", "InConstraintComponent", f"<{_EX}Z>") in {
        (r.focus, r.component.rsplit("#", 1)[1], r.value) for r in got["http://g/1"].results}


def test_predicates_only_tested_for_existence_are_loaded_once_without_their_objects(tmp_path: Path) -> None:
    profile = _odd_profile(tmp_path, "existence", """
ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:E , ex:F , ex:G .
ex:E a sh:PropertyShape ; sh:path ex:note ; sh:minCount 1 ; sh:severity sh:Info ; sh:message "a note, please" .
ex:F a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 .
ex:G a sh:PropertyShape ; sh:path ex:name ; sh:maxLength 5 .
ex:H a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ( ex:link ex:note ) ; sh:minCount 1 ] .
""")
    fast = FastValidator([profile])
    assert fast.existence_only == frozenset(), "ex:note is in a sequence path, ex:name has a value constraint"
    profile = _odd_profile(tmp_path, "existence2", """
ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:property ex:E , ex:F .
ex:E a sh:PropertyShape ; sh:path ex:note ; sh:minCount 1 ; sh:severity sh:Info .
ex:F a sh:PropertyShape ; sh:path ex:name ; sh:minCount 1 ; sh:maxLength 5 .
""")
    engines = (FastValidator([profile]), Validator([profile]))
    assert engines[0].existence_only == {_EX + "note"}
    graphs = {"http://g/1": (f"<{_EX}a> {RDF_TYPE} <{_EX}A> .\n<{_EX}a> <{_EX}note> \"{'long ' * 50}\"@en .\n"
                             f"<{_EX}a> <{_EX}note> _:n1 .\n<{_EX}a> <{_EX}note> \"7\"^^<{XSD}integer> .\n"
                             f"_:b {RDF_TYPE} <{_EX}A> .\n_:b <{_EX}note> <{_EX}x> .\n_:b <{_EX}name> \"too long\" .\n"),
              "http://g/2": f"<{_EX}a> {RDF_TYPE} <{_EX}A> .\n<{_EX}a> <{_EX}name> \"a\" .\n"}
    quads = engines[0]._fast_nquads(0, graphs["http://g/1"])
    assert quads == engines[0]._strict_nquads("http://g/1", 0, graphs["http://g/1"])
    assert [q for q in quads.splitlines() if "note" in q] == [
        f'<{_EX}a> <{_EX}note> "" <g:0> .', f'<urn:pangraph:bnode:0:b> <{_EX}note> "" <g:0> .']
    got = assert_same(engines, graphs)
    assert {(r.focus, r.component.rsplit("#", 1)[1]) for r in got["http://g/1"].results} == {
        (f"{_EX}a", "MinCountConstraintComponent"), ("_:b", "MaxLengthConstraintComponent")}
    assert {(r.focus, r.path) for r in got["http://g/2"].results} == {(f"{_EX}a", f"{_EX}note")}


def test_canonical_literals_skip_rdflib_with_its_verdict() -> None:
    from pangraph.validate.fast_engine import _CANONICAL, _canonical_valid, _datatype_ok
    values = ["0", "00", "05", "-0", "-5", "+5", "5", "123456789012345678", "1234567890123456789", "1e3", "1.0",
              " 5", "2023-12-18", "2024-02-29", "2023-02-29", "2023-04-31", "0999-01-01", "1000-01-01", "9999-12-31",
              "2023-13-01", "2023-00-10", "2023-1-01", "2023-01-01Z", "2023-01-01+02:00", "20231218", "-2023-01-01",
              "1900-02-29", "2000-02-29"]
    taken = 0
    for datatype in _CANONICAL:
        for value in values:
            if _canonical_valid(value, datatype):
                taken += 1
                lit = rdflib.Literal(value, datatype=rdflib.URIRef(datatype))
                assert _datatype_ok(lit) and str(lit) == value, (value, datatype)
    assert taken == 14  # 4 + 1 integers, 3 + 1 non-negative integers ("20231218"), 5 dates
    assert not _canonical_valid("2023-02-29", XSD + "date") and not _canonical_valid("5", XSD + "int")


def test_blank_nodes_keep_their_record_labels(engines: tuple[FastValidator, Validator]) -> None:
    text = ('_:agent <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .\n'
            '<http://pan.test/d/1> <http://purl.org/dc/terms/creator> _:agent .\n'
            '<http://pan.test/d/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .\n')
    got = assert_same(engines, {"http://g/a": text, "http://g/b": text})
    focuses = {r.focus for r in got["http://g/a"].results}
    assert "http://pan.test/d/1" in focuses and "_:agent" in focuses
    assert got["http://g/a"].results == got["http://g/b"].results
    assert json.dumps(got["http://g/a"].as_dict())


# --- the pipeline with either engine ----------------------------------------------------------------------------

def _quality_statements(node: Node) -> set[str]:
    """The quality graph's statements without their timestamps (they differ between any two runs)."""
    text = node.store.graph_ntriples(node.quality_graph)
    return {line for line in text.split("\n") if line and "generatedAtTime" not in line}


def test_the_pipeline_stores_the_same_quality_results_with_either_engine(tmp_path: Path, shared_data: Path) -> None:
    rg = _recordgen()
    records = [RawRecord("cmp", "doi:" + s.doi, "datacite", rg.to_datacite_xml(s))
               for s in rg.generate(40, seed=9, defect_rate=0.4)]
    records += _tess_records(shared_data)[:5] + _software_records(shared_data)
    records = [dataclasses.replace(r, source="cmp", identifier=f"{n}-{r.identifier}") for n, r in enumerate(records)]
    stored = {}
    for engine in ("fast", "pyshacl"):
        path = tmp_path / engine / "pangraph.toml"
        path.parent.mkdir()
        path.write_text(f'[node]\nbase = "{BASE}"\n[paths]\ndata = "data"\n[vocab.panet]\nfile = "{PANET_OWL}"\n'
                        f'[validation]\nengine = "{engine}"\n')
        with Node(load_config(path)) as node:
            assert type(node.validator) is (FastValidator if engine == "fast" else Validator)
            report = node.ingest(iter(records), report=RunReport(source="cmp", kind="load"))
            assert report.loaded >= 40 and report.nonconforming > 0
            stored[engine] = (_quality_statements(node), report.loaded, report.nonconforming)
    fast, reference = stored["fast"], stored["pyshacl"]
    assert fast[1:] == reference[1:]
    assert len(fast[0]) > 1000
    assert fast[0] == reference[0], (f"only with fast: {sorted(fast[0] - reference[0])[:5]}\n"
                                     f"only with pySHACL: {sorted(reference[0] - fast[0])[:5]}")
