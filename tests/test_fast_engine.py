"""The fast SHACL engine (SPARQL in Oxigraph) against pySHACL, the reference: the same (focus, path,
component, severity) set on fixtures, crosswalked shared samples, generated and mutated records."""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys
from pathlib import Path
from typing import Mapping

import pytest
import rdflib
from lxml import etree

from conftest import PANET_OWL
from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
from pangraph.iri import local_key, record_graph
from pangraph.rdf import ntriples
from pangraph.sources.software import read_cff_files, read_codemeta_files
from pangraph.records import RawRecord
from pangraph.validate import Report, Validator, load_profile, load_profiles
from pangraph.validate.fast_engine import FastValidator
from pangraph.vocab import TechniqueIndex

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "validate"
BASE = "http://pan.test"
PROFILES = ["pan-dataset", "training", "software"]
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
DATATYPE = "http://www.w3.org/ns/shacl#DatatypeConstraintComponent"


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


def _keys(report: Report) -> set[tuple]:
    return {(r.focus, r.path, r.component, r.severity) for r in report.results}


def assert_same(engines: tuple[FastValidator, Validator], graphs: Mapping[str, str]) -> dict[str, Report]:
    """Both engines on *graphs*; fails listing every record where the result sets differ."""
    fast, ref = engines
    got, want = fast.validate(graphs), ref.validate(graphs)
    assert list(got) == list(want)
    diffs = []
    for g in graphs:
        a, b = _keys(got[g]), _keys(want[g])
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


# --- the compiler covers the project's profiles ------------------------------------------------------------

def test_every_shape_of_the_profiles_compiles(engines: tuple[FastValidator, Validator]) -> None:
    fast, _ = engines
    assert fast.fallbacks == []
    assert len(fast.compiled) >= 10
    assert fast.profile_versions == engines[1].profile_versions


def test_an_unsupported_constraint_falls_back_to_pyshacl_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "profile.toml").write_text('name = "odd"\nversion = "1.0.0"\ntitle = "t"\ndescription = "d"\n'
                                         'files = ["s.ttl"]\n')
    (folder / "s.ttl").write_text("""
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:name "s" ; sh:description "d" ; sh:message "m" ;
  sh:severity sh:Violation ; sh:property ex:P , ex:Q .
ex:P a sh:PropertyShape ; sh:path ex:n ; sh:minInclusive 3 ; sh:name "p" ; sh:description "d" ; sh:message "m" ;
  sh:severity sh:Warning .
ex:Q a sh:PropertyShape ; sh:path ex:n ; sh:minCount 2 ; sh:name "q" ; sh:description "d" ; sh:message "m" ;
  sh:severity sh:Info .
ex:U a sh:NodeShape ; sh:targetSubjectsOf ex:n ; sh:name "u" ; sh:description "d" ; sh:message "m" ;
  sh:severity sh:Info ; sh:property ex:V .
ex:V a sh:PropertyShape ; sh:path ( ex:n [ sh:inversePath ex:n ] ) ; sh:maxCount 1 ; sh:name "v" ;
  sh:description "d" ; sh:message "m" ; sh:severity sh:Info .
""")
    profile = load_profile("odd", shapes_dir=tmp_path)
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


# --- literals: the verdict on the record as written, not on Oxigraph's canonical form --------------------------

BYTE_SIZES = [
    ('"5"^^<http://www.w3.org/2001/XMLSchema#int>', True),  # xsd:int is not xsd:nonNegativeInteger
    ('"05"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>', False),
    ('"-1"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>', True),  # ill-typed
    ('"abc"^^<http://www.w3.org/2001/XMLSchema#integer>', True),
    ('"5"^^<http://www.w3.org/2001/XMLSchema#integer>', True),
    ('"5"', True),
    ('"5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>', False),
]


@pytest.mark.parametrize("value,fails", BYTE_SIZES, ids=[v for v, _ in BYTE_SIZES])
def test_byte_size_datatype_as_written(engines: tuple[FastValidator, Validator], value: str, fails: bool) -> None:
    text = (FIXTURES / "dataset-doi.ttl").read_text(encoding="utf-8")
    g = rdflib.Graph().parse(data=text, format="turtle")
    dataset = next(g.subjects(rdflib.RDF.type, rdflib.URIRef(DCAT + "Dataset")))
    nt = g.serialize(format="nt") + (
        f"<{dataset}> <{DCAT}distribution> <http://pan.test/dist/1> .\n"
        f"<http://pan.test/dist/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{DCAT}Distribution> .\n"
        f"<http://pan.test/dist/1> <{DCAT}byteSize> {value} .\n")
    got = assert_same(engines, {"http://g/bytes": nt})["http://g/bytes"]
    hits = [r for r in got.results if r.component == DATATYPE and r.path == DCAT + "byteSize"]
    assert bool(hits) == fails
    if fails:
        assert hits[0].focus == "http://pan.test/dist/1"
        assert hits[0].value == value  # the literal as written, not "5"^^xsd:integer


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


def test_generated_records_agree(engines: tuple[FastValidator, Validator], ctx: CrosswalkContext) -> None:
    graphs = _generated(ctx, 100, seed=4, defect_rate=0.3)
    assert len(graphs) >= 80
    got = assert_same(engines, graphs)
    assert any(not r.conforms for r in got.values())


# --- systematically mutated records -------------------------------------------------------------------------------

_LINE = re.compile(r'^(\S+) (<[^>]*>) (.*) \.$')


def _mutants(text: str, rng: random.Random) -> list[str]:
    """Variants of a record: each predicate dropped, objects turned into wrong kinds, datatypes, IRIs, classes."""
    lines = [line for line in text.split("\n") if line.strip()]
    out = []
    for pred in sorted({_LINE.match(line).group(2) for line in lines}):
        out.append("\n".join(line for line in lines if _LINE.match(line).group(2) != pred) + "\n")
    for i, line in enumerate(lines):
        s, p, o = _LINE.match(line).groups()
        variants = []
        if o.startswith("<"):
            variants.append(f'"{o[1:-1]}"')  # literal instead of IRI
            variants.append("_:mutant")  # blank node instead of IRI
            if "orcid.org" in o or "ror.org" in o or "doi.org" in o:
                variants.append(o.replace("https://", "http://"))
                variants.append(o.upper().replace("HTTPS://", "https://"))
            if "PaNET" in o:
                variants.append(o.replace("PaNET", "PaNEX"))
                variants.append("<http://purl.org/pan-science/PaNET/PaNET99999>")
            if p.endswith("#type>"):
                variants.append("<http://example.org/WrongClass>")
        elif o.startswith('"'):
            variants.append(f"<http://example.org/{rng.randrange(1000)}>")  # IRI instead of literal
            variants.append('"2021-13-45"^^<http://www.w3.org/2001/XMLSchema#date>')  # ill-typed date
            variants.append('"2021"^^<http://www.w3.org/2001/XMLSchema#string>')  # wrong datatype
            variants.append('"05"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>')
            variants.append('""')
        else:
            variants.append("<http://example.org/node>")
        for v in variants:
            mutated = list(lines)
            mutated[i] = f"{s} {p} {v} ."
            out.append("\n".join(mutated) + "\n")
        if i % 3 == 0:  # a duplicated value: maxCount
            out.append("\n".join(lines + [f'{s} {p} "another value" .']) + "\n")
    return out


def test_mutated_records_agree(engines: tuple[FastValidator, Validator], ctx: CrosswalkContext) -> None:
    rng = random.Random(4)
    base = _generated(ctx, 3, seed=11, defect_rate=0.0)
    graphs = {}
    for g, text in base.items():
        for n, mutant in enumerate(_mutants(text, rng)):
            graphs[f"{g}/mutant-{n}"] = mutant
    assert len(graphs) > 120
    got = assert_same(engines, graphs)
    components = {r.component.rsplit("#", 1)[1] for rep in got.values() for r in rep.results}
    assert {"MinCountConstraintComponent", "NodeKindConstraintComponent", "OrConstraintComponent",
            "ClassConstraintComponent", "PatternConstraintComponent", "MaxCountConstraintComponent"} <= components


def test_mutated_training_and_software_records_agree(engines: tuple[FastValidator, Validator],
                                                     ctx: CrosswalkContext, shared_data: Path) -> None:
    rng = random.Random(5)
    graphs = {}
    for rec in _tess_records(shared_data)[:3]:
        try:
            result = crosswalk_record(rec, ctx=ctx)
        except Exception:  # noqa: BLE001 - not every JSON object there is a training record
            continue
        for n, mutant in enumerate(_mutants(ntriples(result.triples), rng)):
            graphs[f"http://g/{rec.identifier}/mutant-{n}"] = mutant
    sw = shared_data / "software"
    records = [r for r in read_codemeta_files(sorted(sw.rglob("codemeta.json")), source="sw")
               if isinstance(r, RawRecord)]
    records += [r for r in read_cff_files(sorted(sw.rglob("CITATION.cff")), source="sw") if isinstance(r, RawRecord)]
    records.append(RawRecord("sw", "dc-software", "datacite", (
        shared_data / "datacite/kernel-4.3-examples/datacite-example-software-v4.xml").read_bytes()))
    assert len(records) >= 4
    for rec in records:
        text = ntriples(crosswalk_record(rec, ctx=ctx).triples)
        graphs[f"http://g/{local_key(rec.identifier)}"] = text
        for n, mutant in enumerate(_mutants(text, rng)):
            graphs[f"http://g/{local_key(rec.identifier)}/mutant-{n}"] = mutant
    assert graphs
    got = assert_same(engines, graphs)
    shapes = {r.source_shape for rep in got.values() for r in rep.results}
    assert any("/shapes/software#" in (s or "") for s in shapes)
    assert any("/shapes/training#" in (s or "") for s in shapes)


def test_blank_nodes_keep_their_record_labels(engines: tuple[FastValidator, Validator]) -> None:
    text = ('_:agent <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .\n'
            '<http://pan.test/d/1> <http://purl.org/dc/terms/creator> _:agent .\n'
            '<http://pan.test/d/1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .\n')
    got = assert_same(engines, {"http://g/a": text, "http://g/b": text})
    focuses = {r.focus for r in got["http://g/a"].results}
    assert "http://pan.test/d/1" in focuses
    assert got["http://g/a"].results == got["http://g/b"].results
    assert json.dumps(got["http://g/a"].as_dict())
