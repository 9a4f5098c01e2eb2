"""Every profile has records that conform and records that break each constraint (the acceptance criterion),
proven systematically for the committed profiles (pan-dataset, training, software).

- **Base records** are crosswalked from real-format fixtures in ``tests/fixtures/profiles/`` (DataCite XML,
  Bioschemas JSON-LD, CodeMeta): together they have no Violation and no Warning (no Info either) for their
  profile, and they give every target declaration of every node shape a focus node.
- **Mutations** are derived from the loaded shapes graph: for every reporting shape and every constraint
  kind it uses (minCount, maxCount, hasValue, uniqueLang; and, one value at a time, datatype, nodeKind,
  pattern, class, or/and/not/xone, in, min/maxLength, languageIn, min/max In/Exclusive) a base record is
  changed so that this constraint breaks: the path's values removed, a value added, or a value put there
  (per alternative of an ``sh:alternativePath``, per kind of value: IRI, blank node, plain, typed,
  ill-typed literal …); node-level constraints rename the focus node. A small evaluator of these SHACL Core
  constraints picks the candidate that breaks least else and predicts what else breaks (``also``); the
  validators must report exactly that. A table of explicit mutations (:data:`EXPLICIT`, keyed by shape)
  adds the cases the README names (impossible dates, upper-case PIDs, ``xsd:integer`` sizes, the DataCite
  branch of the software paths …) and is where anything the derivation cannot do goes (``sh:node``,
  ``sh:equals`` …, complex paths). **Route** mutations copy a broken focus node to a fresh node that one
  target declaration of a node shape (one ``sh:targetClass``, one ``sh:targetObjectsOf`` …) selects alone,
  so every declaration is proven to work, and node shapes that only group property shapes are covered.
- All records of a profile are validated in one ``validate()`` call per engine; the per-shape tests read the
  cached reports. The fast engine must agree on (focus, path, component, severity) for every record.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from conftest import PANET_OWL
from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
from pangraph.rdf import ntriples
from pangraph.resources import project_dir
from pangraph.sources.files import datacite_files
from pangraph.sources.software import read_codemeta_files
from pangraph.sources.tess import read_bioschemas_files
from pangraph.validate import Validator, load_profile
from pangraph.vocab.panet import TechniqueIndex

FIXTURES = Path(__file__).parent / "fixtures" / "profiles"
BASE = "http://pan.test"
MUTANT = BASE + "/id/mutation/"  # fresh IRIs: values added by mutations, copies made by route mutations
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = rdflib.Namespace("http://schema.org/")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
XSD = rdflib.Namespace("http://www.w3.org/2001/XMLSchema#")

Node = rdflib.term.Node
PREFIX = {"pan-dataset": "pds", "training": "pts", "software": "sws"}
SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}

DATASET = URIRef("https://doi.org/10.15151/esrf-es-9900001")
COURSE = URIRef("https://training.example-facility.eu/courses/saxs-school")
MATERIAL = URIRef("https://training.example-facility.eu/materials/powder-diffraction-basics")
SOFTWARE = URIRef("https://doi.org/10.5281/zenodo.9900001")
ORCID = URIRef("https://orcid.org/0000-0002-1825-0097")
ROR = URIRef("https://ror.org/02550n020")


# --- the profiles and their shapes (read at collection: parametrisation names every shape) ------------------

def committed_profiles() -> list[str]:
    """The profiles whose shapes are committed (not external: fetched and pinned third-party shapes)."""
    return sorted(toml.parent.name for toml in project_dir("shapes").glob("*/profile.toml")
                  if not tomllib.loads(toml.read_text(encoding="utf-8")).get("external", False))


PROFILE_NAMES = ("pan-dataset", "training", "software")
PROFILES = {name: load_profile(name) for name in PROFILE_NAMES}

#: SHACL Core constraint parameters (the shape's "kinds"); sh:property only groups, sh:flags belongs to pattern
KNOWN_PARAMETERS = {SH[k] for k in (
    "minCount", "maxCount", "datatype", "nodeKind", "pattern", "class", "or", "and", "not", "xone", "in",
    "hasValue", "minLength", "maxLength", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive",
    "languageIn", "uniqueLang", "equals", "disjoint", "lessThan", "lessThanOrEquals", "node",
    "qualifiedValueShape", "closed", "sparql")}
#: the constraint kinds checked one value at a time (the evaluator knows them, and minCount, maxCount,
#: hasValue, uniqueLang)
VALUE_KINDS = {SH[k] for k in ("datatype", "nodeKind", "pattern", "class", "or", "and", "not", "xone", "in",
                               "minLength", "maxLength", "languageIn", "minInclusive", "maxInclusive",
                               "minExclusive", "maxExclusive")}
TARGETS = (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf, SH.targetNode)


def component(kind: URIRef) -> str:
    local = str(kind)[len(str(SH)):]
    return f"{SH}{local[0].upper()}{local[1:]}ConstraintComponent"


def kind_name(kind: URIRef) -> str:
    return str(kind)[len(str(SH)):]


def curie(profile: str, shape: Node) -> str:
    return str(shape).replace(PROFILES[profile].iri + "#", PREFIX[profile] + ":")


def reporting_shapes(g: rdflib.Graph) -> set[Node]:
    """As :func:`pangraph.validate.profiles.shape_problems` defines them."""
    shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    shapes |= set(g.objects(None, SH.property))
    for t in TARGETS + (SH.target,):
        shapes |= set(g.subjects(t, None))
    return shapes


def kinds_of(g: rdflib.Graph, shape: Node) -> set[URIRef]:
    return {p for p in g.predicates(shape, None) if p in KNOWN_PARAMETERS}


def targeted(g: rdflib.Graph, shape: Node) -> bool:
    return any((shape, t, None) in g for t in TARGETS + (SH.target,))


def targeting_node_shapes(g: rdflib.Graph, shape: Node) -> list[Node]:
    """The node shapes whose focus nodes *shape* reports on: itself when targeted, else its parents."""
    if targeted(g, shape):
        return [shape]
    return sorted(set(g.subjects(SH.property, shape)), key=str)


def declarations(g: rdflib.Graph, node_shape: Node) -> list[tuple[URIRef, Node]]:
    return sorted(((t, o) for t in TARGETS + (SH.target,) for o in g.objects(node_shape, t)), key=str)


def path_predicates(g: rdflib.Graph, shape: Node) -> list[URIRef] | None:
    """The predicates of a predicate path or of an sh:alternativePath of predicates; None for other paths."""
    path = g.value(shape, SH.path)
    if isinstance(path, URIRef):
        return [path]
    alternatives = g.value(path, SH.alternativePath) if path is not None else None
    if alternatives is not None:
        items = list(Collection(g, alternatives))
        if all(isinstance(i, URIRef) for i in items):
            return items
    return None


def shape_params() -> list:
    """pytest params: every reporting shape of every profile, id ``pds:Dataset-title``."""
    out = []
    for name in PROFILE_NAMES:
        g = PROFILES[name].shapes
        for shape in sorted(reporting_shapes(g), key=str):
            if g.value(shape, SH.severity) is not None:
                out.append(pytest.param(name, shape, id=curie(name, shape)))
    return out


ALL_SHAPES = shape_params()


# --- a small evaluator of SHACL Core constraints (to pick mutations and predict their results, not to validate) -

_FLAGS = {"i": re.I, "m": re.M, "s": re.S, "x": re.X, "q": 0}
_RANGES = {SH.minInclusive: lambda v, b: v >= b, SH.maxInclusive: lambda v, b: v <= b,
           SH.minExclusive: lambda v, b: v > b, SH.maxExclusive: lambda v, b: v < b}


class Ontology:
    """Types and superclasses of the background ontology (PaNET), as ``sh:class`` reads them."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.types: dict[Node, set[Node]] = {}
        self.supers: dict[Node, set[Node]] = {}
        for s, o in graph.subject_objects(RDF.type):
            self.types.setdefault(s, set()).add(o)
        for s, o in graph.subject_objects(RDFS.subClassOf):
            self.supers.setdefault(s, set()).add(o)


def instance_of(value: Node, cls: Node, data: rdflib.Graph, onto: Ontology) -> bool:
    todo = list(data.objects(value, RDF.type)) + list(onto.types.get(value, ()))
    seen: set[Node] = set()
    while todo:
        c = todo.pop()
        if c == cls:
            return True
        if c in seen:
            continue
        seen.add(c)
        todo += list(data.objects(c, RDFS.subClassOf)) + list(onto.supers.get(c, ()))
    return False


def datatype_ok(value: Node, dt: Node) -> bool:
    if not isinstance(value, Literal):
        return False
    actual = value.datatype or (RDF.langString if value.language else XSD.string)
    return actual == dt and getattr(value, "ill_typed", None) is not True


def node_kind_ok(value: Node, kind: Node) -> bool:
    is_iri, is_blank, is_literal = isinstance(value, URIRef), isinstance(value, BNode), isinstance(value, Literal)
    return {SH.IRI: is_iri, SH.BlankNode: is_blank, SH.Literal: is_literal,
            SH.BlankNodeOrIRI: is_iri or is_blank, SH.BlankNodeOrLiteral: is_blank or is_literal,
            SH.IRIOrLiteral: is_iri or is_literal}[kind]


def in_range(value: Node, bound: Node, kind: URIRef) -> bool:
    if not isinstance(value, Literal) or getattr(value, "ill_typed", None) is True:
        return False
    try:
        return bool(_RANGES[kind](value.toPython(), bound.toPython()))
    except TypeError:
        return False


def lang_matches(value: Node, ranges: list[Node]) -> bool:
    tag = (value.language or "").lower() if isinstance(value, Literal) else ""
    return bool(tag) and any(tag == str(r).lower() or tag.startswith(str(r).lower() + "-") for r in ranges)


def passes(shapes: rdflib.Graph, shape: Node, kind: URIRef, value: Node, data: rdflib.Graph, onto: Ontology) -> bool:
    """Does *value* meet the value constraint(s) of parameter *kind* of *shape*?"""
    ok = True
    for o in shapes.objects(shape, kind):
        if kind == SH.datatype:
            ok &= datatype_ok(value, o)
        elif kind == SH.nodeKind:
            ok &= node_kind_ok(value, o)
        elif kind == SH.pattern:
            flags = 0
            for f in str(shapes.value(shape, SH.flags) or ""):
                flags |= _FLAGS[f]
            ok &= not isinstance(value, BNode) and re.search(str(o), str(value), flags) is not None
        elif kind == SH["class"]:
            ok &= not isinstance(value, Literal) and instance_of(value, o, data, onto)
        elif kind == SH["in"]:
            ok &= value in list(Collection(shapes, o))
        elif kind in (SH["or"], SH["and"], SH.xone):
            verdicts = [conforms(shapes, member, value, data, onto) for member in Collection(shapes, o)]
            ok &= any(verdicts) if kind == SH["or"] else all(verdicts) if kind == SH["and"] else sum(verdicts) == 1
        elif kind == SH["not"]:
            ok &= not conforms(shapes, o, value, data, onto)
        elif kind in (SH.minLength, SH.maxLength):
            n = len(str(value))
            ok &= not isinstance(value, BNode) and (n >= int(o) if kind == SH.minLength else n <= int(o))
        elif kind == SH.languageIn:
            ok &= lang_matches(value, list(Collection(shapes, o)))
        elif kind in _RANGES:
            ok &= in_range(value, o, kind)
        else:
            raise NotImplementedError(kind)
    return ok


def conforms(shapes: rdflib.Graph, shape: Node, value: Node, data: rdflib.Graph, onto: Ontology) -> bool:
    """Does *value* meet every value constraint of *shape* (an operand of sh:or …)? Unknown kinds fail."""
    for kind in kinds_of(shapes, shape) - {SH.minCount, SH.maxCount}:
        if kind not in VALUE_KINDS or not passes(shapes, shape, kind, value, data, onto):
            return False
    return True


def failing_value_kinds(shapes: rdflib.Graph, shape: Node, value: Node, data: rdflib.Graph, onto: Ontology) -> set[URIRef]:
    return {k for k in kinds_of(shapes, shape) & VALUE_KINDS if not passes(shapes, shape, k, value, data, onto)}


def shape_failures(shapes: rdflib.Graph, shape: Node, focus: Node, data: rdflib.Graph, onto: Ontology) -> frozenset:
    """The constraint kinds of *shape* that *focus* fails in *data* (kinds the evaluator does not know: none)."""
    if shapes.value(shape, SH.path) is None:
        values = [focus]
    else:
        preds = path_predicates(shapes, shape)
        if preds is None:
            return frozenset()
        values = list(dict.fromkeys(o for p in preds for o in data.objects(focus, p)))
    failed = set()
    for kind in kinds_of(shapes, shape):
        bound = shapes.value(shape, kind)
        if kind == SH.minCount:
            bad = len(values) < int(bound)
        elif kind == SH.maxCount:
            bad = len(values) > int(bound)
        elif kind == SH.hasValue:
            bad = any(v not in values for v in shapes.objects(shape, kind))
        elif kind == SH.uniqueLang:
            langs = [v.language.lower() for v in values if isinstance(v, Literal) and v.language]
            bad = bool(bound) and len(langs) != len(set(langs))
        elif kind in VALUE_KINDS:
            bad = any(not passes(shapes, shape, kind, v, data, onto) for v in values)
        else:
            bad = False
        if bad:
            failed.add(kind)
    return frozenset(failed)


def failures(shapes: rdflib.Graph, data: rdflib.Graph, onto: Ontology) -> dict[tuple[Node, Node], frozenset]:
    """(shape, focus node) → failing constraint kinds, for every constraint-bearing shape of *shapes*."""
    foci: dict[Node, list[Node]] = {}
    out = {}
    for shape in reporting_shapes(shapes):
        if not kinds_of(shapes, shape):
            continue
        for ns in targeting_node_shapes(shapes, shape):
            if ns not in foci:
                foci[ns] = focus_nodes(shapes, ns, data, onto)
            for f in foci[ns]:
                kinds = shape_failures(shapes, shape, f, data, onto)
                if kinds:
                    out[(shape, f)] = kinds
    return out


# --- candidate values ------------------------------------------------------------------------------------------

#: valid lexical forms (for a second, valid value) and invalid ones (ill-typed) per datatype
VALID = {XSD.date: ["2000-01-01", "1999-12-31"], XSD.dateTime: ["2000-01-01T00:00:00Z", "1999-12-31T00:00:00Z"],
         XSD.gYear: ["2000", "1999"], XSD.gYearMonth: ["2000-01", "1999-12"],
         XSD.nonNegativeInteger: ["1", "2"], XSD.integer: ["1", "2"], XSD.decimal: ["1.5", "2.5"],
         XSD.duration: ["PT1H", "PT2H"], XSD.boolean: ["true", "false"]}
ILL_TYPED = {XSD.date: "2021-13-45", XSD.dateTime: "2021-13-45T25:00:00Z", XSD.gYear: "20x1",
             XSD.gYearMonth: "2021-13", XSD.nonNegativeInteger: "-1", XSD.integer: "1.5", XSD.decimal: "one",
             XSD.duration: "3 hours", XSD.boolean: "yes"}
#: values out of any sensible range, per datatype (for sh:minInclusive …)
EXTREME = {XSD.date: ["0001-01-01", "9999-12-31"], XSD.dateTime: ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"],
           XSD.gYear: ["0001", "9999"], XSD.integer: ["-999999999", "999999999"],
           XSD.nonNegativeInteger: ["0", "999999999"], XSD.decimal: ["-999999999.5", "999999999.5"]}


def short(value: Node) -> str:
    text = value.n3()
    return text if len(text) <= 80 else text[:40] + "…" + text[-20:]


def category(value: Node, named: Iterable[Node] = ()) -> str:
    """The kind of a failing value: one mutation per kind (*named*: the datatypes the shape names)."""
    if isinstance(value, URIRef):
        return "IRI"
    if isinstance(value, BNode):
        return "blank node"
    if value.language:
        return "language-tagged literal"
    if value.datatype is None:
        return "literal"
    if value.datatype in named and getattr(value, "ill_typed", None) is True:
        return "ill-typed literal"
    return "typed literal"


def datatypes_in(shapes: rdflib.Graph, shape: Node) -> list[Node]:
    """The datatypes a shape names (directly or inside sh:or/sh:and/sh:xone/sh:not operands)."""
    out = list(shapes.objects(shape, SH.datatype))
    for logical in (SH["or"], SH["and"], SH.xone):
        for lst in shapes.objects(shape, logical):
            for member in Collection(shapes, lst):
                out += datatypes_in(shapes, member)
    for member in shapes.objects(shape, SH["not"]):
        out += datatypes_in(shapes, member)
    return out


def iri_variants(value: str) -> list[str]:
    """Other spellings of an IRI: scheme swapped, www., upper case, digits replaced, a suffix …"""
    out = []
    if value.startswith("https://"):
        out.append("http://" + value[8:])
    elif value.startswith("http://"):
        out.append("https://" + value[7:])
    m = re.match(r"(https?://)(.*)", value)
    if m:
        out.append(m.group(1) + "www." + m.group(2))
    out += [value.upper(), value + "/", re.sub(r"[0-9]+$", lambda d: "9" * len(d.group()), value),
            value + "-untyped", "x" + value]
    return [v for v in dict.fromkeys(out) if v != value]


def candidates(value: Node | None, shapes: rdflib.Graph, shape: Node, n: int) -> list[Node]:
    """Values to try in place of *value* (or of nothing): other spellings, other term kinds, other datatypes,
    ill-typed and extreme values of the datatypes the shape names, other language tags."""
    fresh = URIRef(f"{MUTANT}value-{n}")
    out: list[Node] = []
    if isinstance(value, URIRef):
        out += [URIRef(v) for v in iri_variants(str(value))]
        out += [Literal(str(value)), fresh, BNode(f"mutation{n}")]
        return out
    lexical = str(value) if value is not None else "mutated value"
    out += [Literal(lexical), Literal(lexical, datatype=XSD.integer), Literal(lexical, datatype=XSD.string),
            Literal("x" + lexical), Literal(lexical.upper()), Literal(lexical, lang="qaa"),
            Literal("x" * 1000)]
    dts = ([value.datatype] if isinstance(value, Literal) and value.datatype else []) + datatypes_in(shapes, shape)
    for dt in dict.fromkeys(dts):
        if dt in ILL_TYPED:
            out.append(Literal(ILL_TYPED[dt], datatype=dt))
        out += [Literal(lex, datatype=dt) for lex in EXTREME.get(dt, [])]
    out += [fresh, BNode(f"mutation{n}")]
    return out


def another_valid(value: Node | None, existing: set[Node], shapes: rdflib.Graph, shape: Node, n: int) -> list[Node]:
    """Values to add besides the existing ones: of the same kind and datatype, distinct."""
    out: list[Node] = []
    if isinstance(value, Literal):
        for dt in ([value.datatype] if value.datatype else []) + datatypes_in(shapes, shape):
            out += [Literal(lex, datatype=dt) for lex in VALID.get(dt, [])]
        out.append(Literal(f"{value} (second)", lang=value.language) if value.language or not value.datatype
                   else Literal(f"{value}2", datatype=value.datatype))
    out += [URIRef(f"{MUTANT}value-{n}"), Literal(f"mutated value {n}")]
    return [v for v in out if v not in existing]

# --- base records --------------------------------------------------------------------------------------------

@dataclass
class Base:
    key: str
    graph: rdflib.Graph
    notes: list


def parse_nt(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format="nt")


def copy(g: rdflib.Graph) -> rdflib.Graph:
    out = rdflib.Graph()
    out += g
    return out


def term_text(node: Node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


@pytest.fixture(scope="module")
def panet_text() -> str:
    return PANET_OWL.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ontology(panet_text: str) -> Ontology:
    return Ontology(rdflib.Graph().parse(data=panet_text, format="xml"))


@pytest.fixture(scope="module")
def crosswalked(panet_owl: Path) -> dict[str, dict[str, Base]]:
    """The crosswalked fixtures, per profile, per record key (the course without its supplement)."""
    ctx = CrosswalkContext(base=BASE, source="profiles", techniques=TechniqueIndex.from_file(panet_owl),
                           mappings=load_mappings())

    def walk(records) -> list[Base]:
        out = []
        for rec in records:
            assert not hasattr(rec, "reason"), f"fixture not read: {rec}"
            result = crosswalk_record(rec, ctx=ctx)
            out.append(Base("", parse_nt(ntriples(result.triples)), list(result.notes)))
        return out

    [dataset] = walk(datacite_files([FIXTURES / "dataset-datacite.xml"], source="profiles"))
    training = walk(read_bioschemas_files([FIXTURES / "training-bioschemas.json"], source="profiles"))
    software = walk(read_codemeta_files([FIXTURES / "software-codemeta.json",
                                         FIXTURES / "software-application.codemeta.json"], source="profiles"))

    def main_type(b: Base, types: dict[URIRef, str]) -> str:
        found = {types[t] for t in b.graph.objects(None, RDF.type) if t in types}
        if "course" in found:
            return "course"
        assert len(found) == 1, found
        return found.pop()

    train = {SCHEMA.LearningResource: "material", SCHEMA.Course: "course", SCHEMA.Event: "event"}
    out: dict[str, dict[str, Base]] = {"pan-dataset": {"dataset": dataset}, "training": {}, "software": {}}
    for b in training:
        b.key = main_type(b, train)
        out["training"][b.key] = b
    for b in software:
        b.key = "application" if (None, RDF.type, SCHEMA.SoftwareApplication) in b.graph else "software"
        out["software"][b.key] = b
    dataset.key = "dataset"
    return out


def base_records(crosswalked: dict[str, dict[str, Base]]) -> dict[str, dict[str, Base]]:
    out = {p: dict(bs) for p, bs in crosswalked.items()}
    course = out["training"]["course"]
    supplemented = copy(course.graph)
    supplemented.parse(FIXTURES / "training-course-supplement.ttl", format="turtle")
    out["training"]["course"] = Base("course", supplemented, course.notes)
    return out


# --- mutations -----------------------------------------------------------------------------------------------

@dataclass
class Mutation:
    shape: Node                       # the shape it breaks
    kind: URIRef                      # the constraint parameter broken (sh:minCount …)
    label: str                        # what was done
    base: str                         # base record key
    focus: Node                       # the focus node the shape must report on
    graph: rdflib.Graph
    origin: str                       # auto | explicit | route
    also: frozenset = frozenset()     # other shapes it breaks on purpose (both statements are true)
    route: tuple | None = None        # route mutations: (node shape, target predicate, target object)
    original: Node | None = None      # the focus node in the base record, when the mutation renamed it
    value: Node | None = None         # the failing value the results must name (value constraints)
    key: str = ""                     # record graph IRI in the validation batch

    @property
    def component(self) -> str:
        return component(self.kind)

    def expect_conforms(self, shapes: rdflib.Graph) -> bool:
        """The severity rule: not conforming exactly when a shape it breaks is a Violation."""
        return not any(shapes.value(s, SH.severity) == SH.Violation for s in {self.shape} | set(self.also))


def focus_nodes(shapes: rdflib.Graph, node_shape: Node, data: rdflib.Graph, onto: Ontology) -> list[Node]:
    found: set[Node] = set()
    for t, o in declarations(shapes, node_shape):
        found |= selected_by(t, o, data, onto)
    return sorted(found, key=str)


def selected_by(target: URIRef, o: Node, data: rdflib.Graph, onto: Ontology) -> set[Node]:
    if target == SH.targetClass:
        return {s for s in set(data.subjects(RDF.type, None)) if instance_of(s, o, data, onto)}
    if target == SH.targetObjectsOf:
        return set(data.objects(None, o))
    if target == SH.targetSubjectsOf:
        return set(data.subjects(o, None))
    if target == SH.targetNode:
        return {o} if (o, None, None) in data or (None, None, o) in data else set()
    return set()


class Deriver:
    """Derives the automatic mutations of one profile from its shapes and base records. Every candidate record
    is judged by the evaluator: it must fail the constraint kind under test of the shape on the chosen focus
    node; among candidates, the ones that break least else (other kinds of the shape, other shapes) win, and
    what else they break is recorded as the mutation's expected collateral (``also``)."""

    def __init__(self, profile: str, bases: dict[str, Base], onto: Ontology) -> None:
        self.profile = profile
        self.shapes = PROFILES[profile].shapes
        self.bases = bases
        self.onto = onto
        self.serial = iter(range(1, 10 ** 6))
        self.base_failures = {key: failures(self.shapes, b.graph, onto) for key, b in bases.items()}
        self._foci: dict[Node, list[tuple[str, Node]]] = {}

    def foci(self, shape: Node) -> list[tuple[str, Node]]:
        if shape not in self._foci:
            out = []
            for key in sorted(self.bases):
                g = self.bases[key].graph
                found: set[Node] = set()
                for ns in targeting_node_shapes(self.shapes, shape):
                    found |= set(focus_nodes(self.shapes, ns, g, self.onto))
                out += [(key, f) for f in sorted(found, key=str)]
            self._foci[shape] = out
        return self._foci[shape]

    def judge(self, shape: Node, kind: URIRef, key: str, focus: Node, m: rdflib.Graph, label: str,
              value: Node | None = None, original: Node | None = None) -> tuple[int, Mutation] | None:
        """The mutation with its rank (how much else it breaks), or None when it does not break *kind*."""
        found = failures(self.shapes, m, self.onto)
        own = found.get((shape, focus), frozenset())
        if kind not in own:
            return None
        also = frozenset(s for (s, f), kinds in found.items()
                         if s != shape and self.base_failures[key].get((s, f)) != kinds)
        rank = len(own) - 1 + len(also)
        return rank, Mutation(shape, kind, label, key, focus, m, "auto", also, original=original, value=value)

    def derive(self) -> list[Mutation]:
        out = []
        for shape in sorted(reporting_shapes(self.shapes), key=str):
            for kind in sorted(kinds_of(self.shapes, shape), key=str):
                out += self.mutations(shape, kind)
        return out

    def mutations(self, shape: Node, kind: URIRef) -> list[Mutation]:
        if self.shapes.value(shape, SH.path) is None:
            return self.rename(shape, kind) if kind in VALUE_KINDS else []
        preds = path_predicates(self.shapes, shape)
        if preds is None:
            return []
        generator = {SH.minCount: self.remove_all, SH.maxCount: self.add_values, SH.hasValue: self.drop_value,
                     SH.uniqueLang: self.same_language}.get(kind)
        if generator is not None:
            best = None
            for judged in generator(shape, kind, preds):
                if judged is not None and (best is None or judged[0] < best[0]):
                    best = judged
                if best is not None and best[0] == 0:
                    break
            return [best[1]] if best else []
        if kind in VALUE_KINDS:
            return self.replace_value(shape, kind, preds)
        return []

    def _qnames(self, preds: list[URIRef]) -> str:
        return " or ".join(self.shapes.qname(p) for p in preds)

    def remove_all(self, shape: Node, kind: URIRef, preds: list[URIRef]):
        for key, focus in self.foci(shape):
            g = self.bases[key].graph
            if any((focus, p, None) in g for p in preds):
                m = copy(g)
                for p in preds:
                    m.remove((focus, p, None))
                yield self.judge(shape, kind, key, focus, m, f"no {self._qnames(preds)}")

    def add_values(self, shape: Node, kind: URIRef, preds: list[URIRef]):
        limit = int(self.shapes.value(shape, SH.maxCount))
        for key, focus in self.foci(shape):
            g = self.bases[key].graph
            existing = {o for p in preds for o in g.objects(focus, p)}
            seed = next(iter(sorted(existing, key=str)), None)
            m = copy(g)
            count = len(existing)
            for value in another_valid(seed, existing, self.shapes, shape, next(self.serial)):
                if count > limit:
                    break
                if not failing_value_kinds(self.shapes, shape, value, m, self.onto):
                    m.add((focus, preds[0], value))
                    count += 1
            yield self.judge(shape, kind, key, focus, m, f"{count} values of {self._qnames(preds)} (at most {limit})")

    def drop_value(self, shape: Node, kind: URIRef, preds: list[URIRef]):
        required = list(self.shapes.objects(shape, SH.hasValue))
        for key, focus in self.foci(shape):
            g = self.bases[key].graph
            m = copy(g)
            for p in preds:
                for v in required:
                    m.remove((focus, p, v))
            if not any((focus, p, None) in m for p in preds):
                existing = {o for p in preds for o in g.objects(focus, p)}
                for value in another_valid(required[0], existing | set(required), self.shapes, shape,
                                           next(self.serial)):
                    if not failing_value_kinds(self.shapes, shape, value, m, self.onto):
                        m.add((focus, preds[0], value))
                        break
            yield self.judge(shape, kind, key, focus, m, f"{self._qnames(preds)} without "
                             + ", ".join(v.n3() for v in required))

    def same_language(self, shape: Node, kind: URIRef, preds: list[URIRef]):
        for key, focus in self.foci(shape):
            g = self.bases[key].graph
            m = copy(g)
            tagged = sorted(((p, o) for p in preds for o in g.objects(focus, p)
                             if isinstance(o, Literal) and o.language), key=str)
            if tagged:
                p, o = tagged[0]
                m.add((focus, p, Literal(f"{o} (again)", lang=o.language)))
            else:
                m.add((focus, preds[0], Literal("one", lang="en")))
                m.add((focus, preds[0], Literal("two", lang="en")))
            yield self.judge(shape, kind, key, focus, m, f"two {self._qnames(preds)} in one language")

    def replace_value(self, shape: Node, kind: URIRef, preds: list[URIRef]) -> list[Mutation]:
        """Per alternative predicate of the path and per kind of failing value (IRI, literal, typed literal,
        ill-typed literal, blank node …), the focus's first value under that predicate replaced by the failing
        value (or the failing value added, when the focus has none there)."""
        out = []
        named = datatypes_in(self.shapes, shape)
        for pred in preds:
            chosen: dict[str, tuple[int, Mutation]] = {}
            for key, focus in self.foci(shape):
                g = self.bases[key].graph
                here = sorted(g.objects(focus, pred), key=str)
                anywhere = sorted((o for p in preds for o in g.objects(focus, p)), key=str)
                seed = (here or anywhere or [None])[0]
                for value in candidates(seed, self.shapes, shape, next(self.serial)):
                    if kind == SH.pattern and seed is not None and type(value) is not type(seed):
                        continue  # a value of the right kind (IRI, literal) that does not match
                    if kind in (SH.datatype, SH.languageIn, *_RANGES) and not isinstance(value, Literal):
                        continue  # a literal of another datatype (language, value)
                    if kind == SH["class"] and not isinstance(value, URIRef):
                        continue  # an IRI of an untyped node
                    if passes(self.shapes, shape, kind, value, g, self.onto):
                        continue
                    cat = category(value, named)
                    if cat in chosen and chosen[cat][0] == 0:
                        continue
                    m = copy(g)
                    if here:
                        m.remove((focus, pred, here[0]))
                    m.add((focus, pred, value))
                    what = f"{self.shapes.qname(pred)} {'replaced by' if here else 'given'} {short(value)} ({cat})"
                    judged = self.judge(shape, kind, key, focus, m, what, value=value)
                    if judged is not None and (cat not in chosen or judged[0] < chosen[cat][0]):
                        chosen[cat] = judged
                if chosen:
                    break
            out += [m for _, m in chosen.values()]
        return out

    def rename(self, shape: Node, kind: URIRef) -> list[Mutation]:
        """A node-level value constraint: the focus node renamed (everywhere in the record) to an IRI that fails
        it."""
        best: tuple[int, Mutation] | None = None
        for key, focus in self.foci(shape):
            if not isinstance(focus, URIRef):
                continue
            g = self.bases[key].graph
            for value in candidates(focus, self.shapes, shape, next(self.serial)):
                if not isinstance(value, URIRef) or (value, None, None) in g or (None, None, value) in g \
                        or passes(self.shapes, shape, kind, value, g, self.onto):
                    continue
                judged = self.judge(shape, kind, key, value, rename(g, focus, value),
                                    f"{focus.n3()} renamed {value.n3()}", value=value, original=focus)
                if judged is not None and (best is None or judged[0] < best[0]):
                    best = judged
            if best is not None and best[0] == 0:
                break
        return [best[1]] if best else []

def rename(g: rdflib.Graph, old: Node, new: Node) -> rdflib.Graph:
    out = rdflib.Graph()
    for s, p, o in g:
        out.add((new if s == old else s, p, new if o == old else o))
    return out


def routes(profile: str, bases: dict[str, Base], mutations: list[Mutation], onto: Ontology) -> list[Mutation]:
    """For every targeted node shape and every target declaration of it, a record that has, besides an untouched
    base record, one broken node which that declaration alone selects: a fresh node (or, for a node-level
    constraint, the failing IRI of a mutation) described as a base node that the declaration selects (its
    *template*, the node shape's target classes dropped), with the change of a mutation of a shape reporting
    through the node shape applied (the path values it removed dropped, the values it added added), and then
    typed with the declaration's class or made the object of its predicate (of a fresh, untyped subject)."""
    shapes = PROFILES[profile].shapes
    out = []
    for node_shape in sorted((s for s in reporting_shapes(shapes) if targeted(shapes, s)), key=str):
        members = [node_shape] if kinds_of(shapes, node_shape) else \
            sorted(shapes.objects(node_shape, SH.property), key=str)
        own = [m for m in mutations if m.origin == "auto" and m.shape in members]
        source = next((m for m in own if m.kind != SH.maxCount), own[0] if own else None)
        if source is None:
            continue
        original = source.original if source.original is not None else source.focus
        before = set(bases[source.base].graph.predicate_objects(original))
        after = set(source.graph.predicate_objects(source.focus))
        dropped = {p for p, _ in before - after}
        added = after - before
        classes = set(shapes.objects(node_shape, SH.targetClass))
        for n, (target, o) in enumerate(declarations(shapes, node_shape)):
            if target not in (SH.targetClass, SH.targetObjectsOf, SH.targetSubjectsOf):
                continue
            templates = [(key, t) for key in sorted(bases) for t in sorted(selected_by(target, o, bases[key].graph, onto),
                                                                            key=str) if not isinstance(t, Literal)]
            key, template = (templates or [(source.base, original)])[0]
            g = copy(bases[key].graph)
            node = source.focus if source.original is not None else \
                URIRef(f"{MUTANT}route-{curie(profile, node_shape)}-{n}")
            for p, v in bases[key].graph.predicate_objects(template):
                if not (p == RDF.type and v in classes) and p not in dropped:
                    g.add((node, p, v))
            for p, v in added:
                g.add((node, p, v))
            if target == SH.targetClass:
                g.add((node, RDF.type, o))
            elif target == SH.targetObjectsOf:
                g.add((URIRef(MUTANT + "route-subject"), o, node))
            elif (node, o, None) not in g:
                g.add((node, o, URIRef(MUTANT + "route-object")))
            out.append(Mutation(source.shape, source.kind, f"{source.label}, on a copy of {template.n3()} selected "
                                f"only by {shapes.qname(target)} {shapes.qname(o)}", key, node, g, "route",
                                source.also, route=(node_shape, target, o), value=source.value))
    return out


# --- explicit mutations: the README's cases and what the derivation cannot do ---------------------------------

def _replace(s: Node, p: URIRef, *values: Node, drop: Iterable[URIRef] = ()) -> Callable[[rdflib.Graph], rdflib.Graph]:
    def edit(g: rdflib.Graph) -> rdflib.Graph:
        g = copy(g)
        for q in (p, *drop):
            g.remove((s, q, None))
        for v in values:
            g.add((s, p, v))
        return g
    return edit


def _rename(old: Node, new: Node) -> Callable[[rdflib.Graph], rdflib.Graph]:
    return lambda g: rename(g, old, new)


def _add(*triples) -> Callable[[rdflib.Graph], rdflib.Graph]:
    def edit(g: rdflib.Graph) -> rdflib.Graph:
        g = copy(g)
        for t in triples:
            g.add(t)
        return g
    return edit


@dataclass(frozen=True)
class Explicit:
    label: str
    base: str
    kind: str                 # the constraint parameter's local name (minCount, or …)
    focus: Node | Callable[[rdflib.Graph], Node]
    edit: Callable[[rdflib.Graph], rdflib.Graph]
    also: tuple[str, ...] = ()  # other shapes broken on purpose (curies)


_PANET = "http://purl.org/pan-science/PaNET/"
_BAD_ORCID = URIRef("https://orcid.org/0000000218250097")


def _distribution(g: rdflib.Graph) -> Node:
    """The dataset's distribution (its IRI is minted by the crosswalk)."""
    return g.value(DATASET, DCAT.distribution)


def _byte_size(value: Literal) -> Callable[[rdflib.Graph], rdflib.Graph]:
    return lambda g: _replace(_distribution(g), DCAT.byteSize, value)(g)


EXPLICIT: dict[str, list[Explicit]] = {
    "pds:Dataset-issued": [
        Explicit("an impossible date (30 February)", "dataset", "or", DATASET,
                 _replace(DATASET, DCT.issued, Literal("2021-02-30", datatype=XSD.date))),
        Explicit("the year as plain text", "dataset", "or", DATASET, _replace(DATASET, DCT.issued, Literal("2021"))),
    ],
    "pds:Dataset-license": [
        Explicit("a licence name instead of a licence IRI", "dataset", "nodeKind", DATASET,
                 _replace(DATASET, DCT.license, Literal("CC BY 4.0"))),
    ],
    "pds:Distribution-byteSize": [
        Explicit("the size typed xsd:integer (README)", "dataset", "datatype", _distribution,
                 _byte_size(Literal("1048576", datatype=XSD.integer))),
        Explicit("a negative size typed xsd:nonNegativeInteger (README)", "dataset", "datatype", _distribution,
                 _byte_size(Literal("-1", datatype=XSD.nonNegativeInteger))),
    ],
    "pds:Technique-iri": [
        Explicit("a technique label instead of its IRI: both technique rules fire on purpose (README)", "dataset",
                 "pattern", DATASET, _replace(DATASET, SCHEMA.measurementTechnique, Literal("powder diffraction")),
                 also=("pds:Technique-class",)),
        Explicit("the github-pages spelling of a PaNET IRI", "dataset", "pattern", DATASET,
                 _replace(DATASET, SCHEMA.measurementTechnique,
                          URIRef("https://pan-ontologies.github.io/PaNET/PaNET01030")),
                 also=("pds:Technique-class",)),
    ],
    "pds:Technique-class": [
        Explicit("a known and an unknown PaNET number: the unknown one is reported", "dataset", "class", DATASET,
                 _add((DATASET, SCHEMA.measurementTechnique, URIRef(_PANET + "PaNET00000")))),
    ],
    "pds:DoiIriShape": [
        Explicit("the DOI IRI in upper case (DOIs are case-insensitive, the IRI is not)", "dataset", "or",
                 URIRef("https://doi.org/10.15151/ESRF-ES-9900001"),
                 _rename(DATASET, URIRef("https://doi.org/10.15151/ESRF-ES-9900001"))),
        Explicit("the dx.doi.org spelling", "dataset", "or", URIRef("https://dx.doi.org/10.15151/esrf-es-9900001"),
                 _rename(DATASET, URIRef("https://dx.doi.org/10.15151/esrf-es-9900001"))),
    ],
    "pds:OrcidIriShape": [
        Explicit("an ORCID without dashes, only an object of dct:contributor (sh:targetObjectsOf)", "dataset",
                 "or", _BAD_ORCID, _add((DATASET, DCT.contributor, _BAD_ORCID))),
        Explicit("an ORCID IRI with www.", "dataset", "or", URIRef("https://www.orcid.org/0000-0002-1825-0097"),
                 _rename(ORCID, URIRef("https://www.orcid.org/0000-0002-1825-0097"))),
    ],
    "pds:RorIriShape": [
        Explicit("a ROR IRI in upper case", "dataset", "or", URIRef("https://ror.org/02550N020"),
                 _rename(ROR, URIRef("https://ror.org/02550N020"))),
    ],
    "pts:Topic-iri": [
        Explicit("the github-pages spelling of a PaNET IRI", "material", "pattern", MATERIAL,
                 _replace(MATERIAL, SCHEMA.about, URIRef("https://pan-ontologies.github.io/PaNET/PaNET01030")),
                 also=("pts:Topic-class",)),
        Explicit("an EDAM topic (kept as dct:subject by the crosswalk, never schema:about)", "course", "pattern",
                 COURSE, _replace(COURSE, SCHEMA.about, URIRef("http://edamontology.org/topic_3308")),
                 also=("pts:Topic-class",)),
    ],
    "pts:Course-keywords": [
        Explicit("a course without keywords (as the real SIB course)", "course", "minCount", COURSE,
                 _replace(COURSE, SCHEMA.keywords)),
    ],
    "sws:Software-license": [
        Explicit("a licence name under the DataCite property (dct:license), the CodeMeta one removed", "software",
                 "nodeKind", SOFTWARE, _replace(SOFTWARE, DCT.license, Literal("MIT License"), drop=[SCHEMA.license])),
    ],
    "sws:Software-name": [
        Explicit("only a dct:title, and it is an IRI", "software", "nodeKind", SOFTWARE,
                 _replace(SOFTWARE, DCT.title, URIRef("https://example.org/title"), drop=[SCHEMA.name])),
    ],
    "sws:Software-datePublished": [
        Explicit("an impossible release date", "software", "or", SOFTWARE,
                 _replace(SOFTWARE, SCHEMA.datePublished, Literal("2024-13-45", datatype=XSD.date))),
        Explicit("a release date and a second one", "software", "maxCount", SOFTWARE,
                 _add((SOFTWARE, SCHEMA.datePublished, Literal("2024-06", datatype=XSD.gYearMonth)))),
    ],
    "sws:SoftwareDoiIriShape": [
        Explicit("the dx.doi.org spelling", "software", "or", URIRef("https://dx.doi.org/10.5281/zenodo.9900001"),
                 _rename(SOFTWARE, URIRef("https://dx.doi.org/10.5281/zenodo.9900001"))),
    ],
}


def explicit_mutations(profile: str, bases: dict[str, Base]) -> list[Mutation]:
    shapes = PROFILES[profile].shapes
    ns = PROFILES[profile].iri + "#"
    out = []
    for name, entries in EXPLICIT.items():
        prefix, local = name.split(":", 1)
        if prefix != PREFIX[profile]:
            continue
        shape = URIRef(ns + local)
        assert (shape, None, None) in shapes, f"EXPLICIT names {name}, which the profile does not have"
        for e in entries:
            g = bases[e.base].graph
            focus = e.focus(g) if callable(e.focus) else e.focus
            also = frozenset(URIRef(ns + a.split(":", 1)[1]) for a in e.also)
            out.append(Mutation(shape, SH[e.kind], e.label, e.base, focus, e.edit(g), "explicit", also))
    return out


# --- one validation batch per profile --------------------------------------------------------------------------

@dataclass
class Suite:
    profile: str
    bases: dict[str, Base]
    mutations: list[Mutation]
    validator: Validator
    graphs: dict[str, str] = field(default_factory=dict)   # record graph IRI → N-Triples
    reports: dict = field(default_factory=dict)             # record graph IRI → pySHACL report

    def base_key(self, key: str) -> str:
        return f"urn:pangraph:test:{self.profile}:base:{key}"


@pytest.fixture(scope="module")
def suites(crosswalked, ontology, panet_text) -> dict[str, Suite]:
    out = {}
    for profile in PROFILE_NAMES:
        bases = base_records(crosswalked)[profile]
        auto = Deriver(profile, bases, ontology).derive()
        mutations = auto + explicit_mutations(profile, bases)
        mutations += routes(profile, bases, auto, ontology)
        suite = Suite(profile, bases, mutations, Validator([PROFILES[profile]], ontology_graphs={"panet": panet_text}))
        for key, b in bases.items():
            suite.graphs[suite.base_key(key)] = b.graph.serialize(format="nt")
        for n, m in enumerate(mutations):
            m.key = f"urn:pangraph:test:{profile}:{m.origin}:{n:03d}:{curie(profile, m.shape)}"
            suite.graphs[m.key] = m.graph.serialize(format="nt")
        suite.reports = suite.validator.validate(suite.graphs)
        out[profile] = suite
    return out


def full_key(r) -> tuple:
    return (r.focus, r.path, r.component, r.severity, r.source_shape, r.value)


def describe(results) -> str:
    return "\n".join(f"  {r.severity} {r.source_shape} on {r.focus} ({r.component.rsplit('#', 1)[-1]}, "
                     f"value {r.value})" for r in sorted(results, key=lambda r: r.sort_key())) or "  (none)"


# --- the tests -------------------------------------------------------------------------------------------------

def test_the_committed_profiles_are_the_ones_tested() -> None:
    assert committed_profiles() == sorted(PROFILE_NAMES), "a new committed profile needs base records and mutations here"


def test_every_reporting_shape_is_documented_with_a_severity() -> None:
    for name, profile in PROFILES.items():
        for shape in reporting_shapes(profile.shapes):
            assert profile.shapes.value(shape, SH.severity) in SEVERITY, f"{curie(name, shape)} has no severity"


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_base_records_conform_without_any_result(suites, profile) -> None:
    suite = suites[profile]
    for key, base in suite.bases.items():
        report = suite.reports[suite.base_key(key)]
        assert report.results == [], f"base record {key!r} of {profile}:\n{describe(report.results)}"
        assert report.conforms
        assert base.notes == [], f"base record {key!r}: crosswalk notes {base.notes}"


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_the_evaluator_agrees_that_the_base_records_conform(suites, ontology, profile) -> None:
    """The evaluator that picks the mutations finds nothing wrong with the base records either."""
    for key, base in suites[profile].bases.items():
        assert failures(PROFILES[profile].shapes, base.graph, ontology) == {}, key


def test_the_crosswalk_maps_no_course_rating_or_citation(suites, crosswalked) -> None:
    """Known gap (reported): Bioschemas Course 1.0-RELEASE recommends aggregateRating and citation; no training
    crosswalk maps them, so every crosswalked course has these two Warnings. The base course adds them from
    training-course-supplement.ttl; when the crosswalk maps them, drop the supplement and this test."""
    course = crosswalked["training"]["course"]
    report = suites["training"].validator.validate({"urn:g": course.graph.serialize(format="nt")})["urn:g"]
    pts = PROFILES["training"].iri + "#"
    assert {(r.source_shape, r.severity) for r in report.results} == {
        (pts + "Course-aggregateRating", "Warning"), (pts + "Course-citation", "Warning")}


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_base_records_cover_every_target_declaration(suites, ontology, profile) -> None:
    suite = suites[profile]
    shapes = PROFILES[profile].shapes
    missing = []
    for node_shape in sorted((s for s in reporting_shapes(shapes) if targeted(shapes, s)), key=str):
        for target, o in declarations(shapes, node_shape):
            if not any(selected_by(target, o, b.graph, ontology) for b in suite.bases.values()):
                missing.append(f"{curie(profile, node_shape)} {shapes.qname(target)} {shapes.qname(o)}")
    assert missing == [], "target declarations no base record exercises"


def check_mutation(suite: Suite, m: Mutation) -> list[str]:
    """What is wrong with the validation report of mutation *m* (empty when all is well)."""
    shapes = PROFILES[suite.profile].shapes
    severity = SEVERITY[shapes.value(m.shape, SH.severity)]
    message = str(shapes.value(m.shape, SH.message))
    report = suite.reports[m.key]
    base = {full_key(r) for r in suite.reports[suite.base_key(m.base)].results}
    new = [r for r in report.results if full_key(r) not in base]
    problems = []
    hits = [r for r in new if r.source_shape == str(m.shape) and r.focus == term_text(m.focus)]
    wanted = [r for r in hits if r.component == m.component and r.severity == severity]
    if not wanted:
        problems.append(f"no {severity} {m.component.rsplit('#', 1)[-1]} result of the shape on {m.focus}")
    elif m.value is not None and not any(r.value == term_text(m.value) if isinstance(m.value, BNode)
                                         else r.value == m.value.n3() for r in wanted):
        problems.append(f"no result names the failing value {m.value.n3()}: {[r.value for r in wanted]}")
    elif any(r.message != message for r in wanted):
        problems.append(f"message differs from the shape's sh:message: {[r.message for r in wanted]}")
    expected_shapes = {str(m.shape)} | {str(s) for s in m.also}
    if m.origin == "route":  # only the copy is reported on: the untouched base record gets nothing new
        elsewhere = [r for r in new if r.focus != term_text(m.focus)]
        if elsewhere:
            problems.append("results on other nodes than the copy:\n" + describe(elsewhere))
    reported = {r.source_shape for r in new}
    if reported - expected_shapes:
        problems.append("results of other shapes:\n" + describe(r for r in new if r.source_shape not in expected_shapes))
    if expected_shapes - reported - {str(m.shape)}:
        problems.append(f"expected results of {sorted(expected_shapes - reported)} too")
    if report.conforms != m.expect_conforms(shapes):
        problems.append(f"conforms={report.conforms}, expected {m.expect_conforms(shapes)} from the severities")
    violated = any(r.severity == "Violation" for r in report.results)
    if report.conforms == violated:
        problems.append(f"conforms={report.conforms} although it has {'a' if violated else 'no'} Violation")
    if problems:
        return [f"[{m.origin}] {m.label} (record {m.base}):\n" + "\n".join("    " + p for p in problems)
                + "\n  new results:\n" + describe(new)]
    return []


@pytest.mark.parametrize("profile, shape", ALL_SHAPES)
def test_each_shape_is_broken_by_its_mutations(suites, profile, shape) -> None:
    """Every constraint kind of the shape is broken by at least one mutation, each mutation gets the shape's
    result (declared severity, the broken constraint's component, the shape's message) and nothing else it did
    not ask for, and the conformance flag follows the severity rule. A node shape is also broken through each of
    its target declarations (route mutations)."""
    suite = suites[profile]
    shapes = PROFILES[profile].shapes
    own = [m for m in suite.mutations if m.shape == shape and m.origin != "route"]
    kinds = kinds_of(shapes, shape)
    uncovered = sorted(kind_name(k) for k in kinds if not any(m.kind == k for m in own))
    assert uncovered == [], f"constraint kinds of {curie(profile, shape)} no mutation breaks: add them to EXPLICIT"
    problems = [p for m in own for p in check_mutation(suite, m)]
    if targeted(shapes, shape):
        routed = [m for m in suite.mutations if m.route and m.route[0] == shape]
        declared = set(declarations(shapes, shape))
        assert {m.route[1:] for m in routed} == declared, \
            f"target declarations of {curie(profile, shape)} without a route mutation"
        problems += [p for m in routed for p in check_mutation(suite, m)]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_every_reporting_shape_has_a_breaking_mutation(suites, profile) -> None:
    """Completeness: a shape added later without a breaking mutation fails here (and in the test above)."""
    suite = suites[profile]
    shapes = PROFILES[profile].shapes
    reporting = {s for s in reporting_shapes(shapes) if shapes.value(s, SH.severity) is not None}
    broken = {m.shape for m in suite.mutations if m.origin in ("auto", "explicit")}
    grouping = {s for s in reporting if not kinds_of(shapes, s)}
    routed = {s for s in grouping
              if set(declarations(shapes, s)) <= {m.route[1:] for m in suite.mutations if m.route and m.route[0] == s}}
    assert {curie(profile, s) for s in reporting} == {curie(profile, s) for s in broken | routed}
    assert broken == reporting - grouping, "a shape without constraints of its own"
    assert grouping == routed


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_fast_engine_agrees_on_every_record(suites, panet_text, profile) -> None:
    from pangraph.validate.fast_engine import FastValidator

    suite = suites[profile]
    fast = FastValidator([PROFILES[profile]], ontology_graphs={"panet": panet_text}).validate(suite.graphs)
    assert set(fast) == set(suite.reports)
    key = lambda r: (r.focus, r.path, r.component, r.severity)  # noqa: E731
    differences = []
    for g in sorted(suite.graphs):
        ref, got = {key(r) for r in suite.reports[g].results}, {key(r) for r in fast[g].results}
        if ref != got or suite.reports[g].conforms != fast[g].conforms:
            differences.append(f"{g}: only pySHACL {sorted(ref - got)}; only fast {sorted(got - ref)}")
    assert differences == [], "\n".join(differences)


@pytest.mark.parametrize("lexical, datatype", [("2021-13", XSD.gYearMonth), ("20x1", XSD.gYear),
                                               ("2021-00", XSD.gYearMonth), ("12021x", XSD.gYear)],
                         ids=["gYearMonth", "gYear", "month-zero", "gYear-suffix"])
def test_an_impossible_year_or_month_breaks_the_issue_date(suites, lexical, datatype) -> None:
    suite = suites["pan-dataset"]
    g = _replace(DATASET, DCT.issued, Literal(lexical, datatype=datatype))(suite.bases["dataset"].graph)
    report = suite.validator.validate({"urn:g": g.serialize(format="nt")})["urn:g"]
    assert {(r.source_shape, r.component) for r in report.results} == {
        (PROFILES["pan-dataset"].iri + "#Dataset-issued", component(SH["or"]))}


@pytest.mark.parametrize("lexical, datatype", [("2021", XSD.gYear), ("2021-03", XSD.gYearMonth),
                                               ("2021Z", XSD.gYear), ("2021-12+02:00", XSD.gYearMonth)])
def test_a_valid_year_or_month_is_an_issue_date(suites, lexical, datatype) -> None:
    suite = suites["pan-dataset"]
    g = _replace(DATASET, DCT.issued, Literal(lexical, datatype=datatype))(suite.bases["dataset"].graph)
    report = suite.validator.validate({"urn:g": g.serialize(format="nt")})["urn:g"]
    assert report.conforms and not [r for r in report.results if r.path == str(DCT.issued)]
