"""A fast SHACL Core engine: the profiles' shapes compiled to SPARQL, run in a scratch Oxigraph store.

:class:`FastValidator` has the interface of :class:`pangraph.validate.Validator` (pySHACL, the reference)
and reports the same results: the same (focus, path, component, severity, value, source shape) set, checked
by differential tests (``tests/test_fast_engine.py``); a result's message is its shape's ``sh:message``
(empty when the shape has none, where pySHACL writes a generic one). It is the pipeline's default engine
(setting ``validation.engine``; :func:`pangraph.validate.make_validator` builds either). How it works:

- **One query per focus definition.** Every shape with a target (``sh:targetClass`` incl. implicit class
  targets and ``rdfs:subClassOf`` in the ontology graphs, ``sh:targetNode``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``) is compiled to branches, one per constraint of the shape and of its
  ``sh:property`` shapes; shapes with the same targets share one ``SELECT``, whose focus nodes (a
  sub-select, ``?g ?f``) are evaluated a few times at most rather than once per constraint: joined once with
  the ``UNION`` of the branches that bind everything they test themselves (a value constraint on a path's
  values, ``sh:maxCount``); once for all ``sh:minCount 1`` of predicate paths (focus × ``VALUES (?k ?p)``
  rows, ``FILTER NOT EXISTS``); once for all value constraints on the focus node itself (focus ×
  ``VALUES ?k``, one filter); only ``sh:minCount`` > 1, ``sh:minCount`` on a complex path and
  ``sh:hasValue`` repeat the focus sub-select in their own branch (SPARQL's bottom-up semantics would
  otherwise evaluate their filters without the focus node). Every pattern is inside ``GRAPH ?g``, so each row
  names the record graph it belongs to, and ``?k`` the constraint.
- **Per batch, a scratch store.** A batch (:data:`DEFAULT_BATCH_SIZE` records) is written as one N-Quads
  text, record *n* in the graph ``<g:n>``, and loaded in one ``Store.load(lenient=True)`` into a fresh
  in-memory ``pyoxigraph.Store``, with the ontology background (the ``rdf:type`` statements of the
  ontology graphs, in their own graph, a few hundred lines; the class hierarchy is expanded in Python at
  compile time); every compiled query runs once over the batch.
- **Only what a query reads is loaded.** Statements whose predicate occurs in no path or target of the
  shapes, and ``rdf:type`` statements of classes no query asks about, are left out (unless a
  ``sh:targetNode`` asks whether a node occurs at all). Queries read ``rdf:type`` only as membership in a
  set of classes (a target class or an ``sh:class`` with its subclasses), so classes that are in exactly the
  same sets form an *atom*, loaded as one representative class, once per node and record: a ``foaf:Person``
  that is also a ``foaf:Agent`` is one statement (≈ 15 % fewer statements on generated DataCite records);
  not done when ``rdf:type`` is a path or target predicate (then every type statement is loaded as written).
  A predicate that queries only test for existence (every shape with it as ``sh:path`` has nothing but
  ``sh:minCount`` 0/1, and it is in no complex path or target: :attr:`FastValidator.existence_only`) is
  loaded once per subject and record with the object ``""``: descriptions, names and keywords cost most of
  Oxigraph's load time (it stores every distinct string), and their text is never read.
  A canonical record (one statement a line, single
  spaces, as :func:`pangraph.rdf.ntriples` writes) is rewritten with string operations only; the few lines
  with a blank node or a typed literal, and whole records that are not canonical, go through the
  N-Triples line reader of the pySHACL engine (rdflib's token rules, rdflib's parser as the last resort).
- **Literals are what pySHACL sees.** Oxigraph canonicalises typed literals on load (``"05"^^xsd:int``
  comes back as ``"5"^^xsd:int``) and judges their validity by its own rules, so every typed literal other
  than ``xsd:string`` is loaded with the opaque datatype ``urn:pangraph:dt:{1|0}:{original datatype}``,
  where 1/0 is pySHACL's ``sh:datatype`` verdict on the literal of the original record (rdflib's
  ``ill_typed`` plus pySHACL's own value-type check), and with the lexical form rdflib reads (rdflib
  normalises valid numbers and booleans, ``"05"`` → ``"5"``, ``"1"^^xsd:boolean`` → ``"true"``; what
  pySHACL's patterns, lengths, ``sh:in``, ``sh:hasValue`` and result values see); both computed once per
  distinct (lexical form, datatype); canonical integers and calendar dates (:data:`_CANONICAL`) are judged by
  a pattern, the rest by rdflib (≈ 50 µs a literal). ``sh:datatype D`` then compiles to a datatype
  comparison with ``urn:pangraph:dt:1:D``.
- **Blank nodes become IRIs** ``urn:pangraph:bnode:{n}:{label}`` (Oxigraph renames blank nodes on load),
  which the node-kind, pattern and length checks treat as blank nodes; results give them back as
  ``_:label``, the label they have in the record, as the pySHACL engine does.
- **Literal focus nodes are reported** (``sh:targetObjectsOf`` or ``sh:targetNode`` reaching a literal),
  as SHACL says and as the pySHACL engine does: ``Result.focus`` is then the literal's N-Triples form
  (``"text"``, ``"5"^^<…#int>``, ``"x"@en``).
- **Fallback, never skipped.** A targeted shape using anything this compiler does not translate (SHACL-AF
  ``sh:target``, ``sh:qualifiedValueShape``, ``sh:minInclusive``, ``sh:sparql`` …) is validated by pySHACL
  (the reference :class:`~pangraph.validate.Validator` on that shape alone); :attr:`FastValidator.fallbacks`
  lists the shapes and the reasons.

Where the time goes (``bench/bench_validate.py``, generated DataCite records of ≈ 100 statements, ≈ 51 of
them loaded, 62 before class atoms and existence-only predicates; one core): the Python rewriting to N-Quads
≈ 33 %, Oxigraph's load ≈ 33 %, the queries ≈ 32 %, building the results ≈ 3 % — ≈ 1.4 × less CPU time than
without those two reductions, ≈ 20–35 × pySHACL's rate. :meth:`FastValidator.validate` pauses Python's cycle
collector while it runs (its objects are acyclic; the collector would walk the caller's heap again and again).

Known differences: a result *value* or literal focus that is an explicit ``"…"^^xsd:string`` literal is
written without the datatype (as :func:`pangraph.rdf.literal` writes it anyway). Subclass statements *inside*
record graphs are not used for class checks (only the ontology graphs' ones). Oxigraph's lenient parser
accepts some malformed IRIs rdflib refuses, and statements no query reads are dropped without a full
syntax check: a malformed record the pySHACL engine refuses with an error may be validated here.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from datetime import date as _date
from typing import Iterable, Iterator, Mapping, Sequence

import pyoxigraph as ox
import rdflib
from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.plugins.parsers import ntriples as _rdflib_nt
from rdflib.term import BNode, Literal, Node, URIRef

from pangraph.errors import ValidationEngineError
from pangraph.rdf import SH, iri, literal
from pangraph.validate.profiles import Profile
from pangraph.validate.pyshacl_engine import (
    _NT_LINE, _NT_SKIP, _SEVERITY, Validator, _parse_ontology, _path_expr,
)
from pangraph.validate.report import Report, Result, format_path

_SH = rdflib.Namespace(SH.raw(""))
_DT = "urn:pangraph:dt:"
_BNODE = "urn:pangraph:bnode:"
_GRAPH = "g:"  # record n of a batch is loaded into the graph <g:n>
_ONTOLOGY_GRAPH = "urn:pangraph:ontology"
_BNODE_TERM = re.compile(r"_:[A-Za-z0-9_:](?:[-A-Za-z0-9_:.]*[-A-Za-z0-9_:])?")  # rdflib's blank node labels
_XSD_STRING = str(XSD.string)
_XSD_DATE = str(XSD.date)
_PATH_UNARY = {_SH.inversePath: "^", _SH.zeroOrMorePath: "*", _SH.oneOrMorePath: "+", _SH.zeroOrOnePath: "?"}
_TARGET_PREDICATES = (_SH.targetClass, _SH.targetNode, _SH.targetSubjectsOf, _SH.targetObjectsOf, _SH.target)
#: shape predicates that carry no constraint (documentation, targets, the path itself, results' form)
_INERT = frozenset({RDF.type, _SH.name, _SH.description, _SH.message, _SH.severity, _SH.path, _SH.property,
                    _SH.deactivated, _SH.order, _SH.group, _SH.defaultValue, _SH.flags, RDFS.label,
                    RDFS.comment, *_TARGET_PREDICATES})
#: records per scratch store: the per-store costs (background, query planning) are small, and bigger stores are
#: slower per record (≈ 1,000 is fastest on generated DataCite records)
DEFAULT_BATCH_SIZE = 1000

# the kinds of branches (see the module docs)
_VALUE = "value"  # binds ?g ?f (and ?v) itself: joined once with the focus nodes
_ANTI = "anti"  # sh:minCount 1 on a predicate path: one MINUS for all of them
_NODE = "node"  # a value constraint on the focus node itself (the branch is the filter expression)
_FOCUSED = "focused"  # needs the focus nodes in its own group


class Unsupported(Exception):
    """A shape uses something the compiler does not translate (the reason is the message)."""


@dataclass(frozen=True)
class Fallback:
    """A shape handed to pySHACL, and why."""

    shape: str
    reason: str


@dataclass
class _Branch:
    """One constraint of a compiled query: its SPARQL group and what rows of it mean. ``key`` is its
    number in the query (``?k``); ``predicate`` the path IRI of an ``_ANTI`` branch."""

    sparql: str
    component: str
    shape: Node
    path: str | None
    with_value: bool
    kind: str = _FOCUSED
    predicate: str = ""
    key: int = -1


@dataclass(frozen=True)
class _Template:
    """What every result row of one branch shares."""

    path: str | None
    component: str
    severity: str
    message: str
    source_shape: str
    with_value: bool


@dataclass
class _Compiled:
    """One query: the shapes whose focus nodes it selects, and its branches by key."""

    shapes: tuple[Node, ...]
    focus: str
    query: str = ""
    branches: list[_Branch] = field(default_factory=list)
    templates: list[_Template] = field(default_factory=list)


def _lit(text: str) -> str:
    """A SPARQL string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _datatype_ok(lit: Literal) -> bool:
    """pySHACL's ``sh:datatype`` verdict on the rdflib literal *lit* for its own datatype."""
    if getattr(lit, "ill_typed", None) is True:
        return False
    return bool(DatatypeConstraintComponent._assert_actual_datatype(None, lit, lit.datatype))  # type: ignore[arg-type]


class FastValidator:
    """Validates record graphs against profiles with SPARQL in Oxigraph (see the module docs).

    Same arguments as :class:`~pangraph.validate.Validator`: *ontology_graphs* maps a vocabulary name
    (``panet``) to its RDF text, and every profile's ``ontology`` must be among them; *batch_size* bounds
    the records per scratch store.
    """

    def __init__(self, profiles: Sequence[Profile], *, ontology_graphs: Mapping[str, str] | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if not profiles:
            raise ValidationEngineError("no validation profile given")
        if batch_size < 1:
            raise ValidationEngineError(f"batch_size must be at least 1, not {batch_size}")
        self.profiles: tuple[Profile, ...] = tuple(profiles)
        self.batch_size = batch_size
        ontologies = dict(ontology_graphs or {})
        for p in self.profiles:
            if p.ontology and p.ontology not in ontologies:
                raise ValidationEngineError(
                    f"profile {p.name!r} needs the ontology graph {p.ontology!r}, which was not given "
                    f"(given: {', '.join(sorted(ontologies)) or 'none'})")
        self._ontology_graphs = ontologies
        self._shapes = rdflib.Graph()
        for p in self.profiles:
            self._shapes += p.shapes
        ontology = rdflib.Graph()
        for name in sorted(ontologies):
            ontology += _parse_ontology(name, ontologies[name])
        self._subclasses: dict[Node, set[Node]] = {}
        for sub, sup in ontology.subject_objects(RDFS.subClassOf):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef):
                self._subclasses.setdefault(sup, set()).add(sub)
        self._verdicts: dict[tuple[str, str], tuple[str, str]] = {}  # see _typed
        self._counter = 0
        self._closed: set[Node] = set()
        #: class → the representative of its atom (see _class_atoms); empty: rdf:type objects are loaded as written
        self._atoms: dict[Node, Node] = self._class_atoms()
        #: the compiled queries, one per distinct focus definition
        self.compiled: list[_Compiled] = []
        #: the shapes validated by pySHACL instead, with the reasons
        self.fallbacks: list[Fallback] = []
        by_focus: dict[str, _Compiled] = {}
        for shape in self._targeted_shapes():
            try:
                focus = self._focus(shape)
                branches = self._shape_branches(shape)
            except Unsupported as exc:
                self.fallbacks.append(Fallback(shape=str(shape), reason=str(exc)))
                continue
            compiled = by_focus.get(focus)
            if compiled is None:
                compiled = by_focus[focus] = _Compiled(shapes=(), focus=focus)
                self.compiled.append(compiled)
            compiled.shapes += (shape,)
            compiled.branches.extend(branches)
        for compiled in self.compiled:
            self._assemble(compiled)
        self._reference = self._fallback_validator()
        predicates = self._read_predicates()
        types_as_values = predicates is None or str(RDF.type) in self._value_predicates()
        #: the classes a compiled query asks about (targets, sh:class, with subclasses) → the class loaded in
        #: their place (their atom's representative); other rdf:types are not loaded (unless rdf:type is read
        #: as a path or target predicate: then every statement is loaded as written)
        self._type_iris: dict[str, str] = {str(c): str(self._atoms.get(c, c)) for c in self._closed}
        self._type_terms: dict[str, str] = {f"<{c}>": f"<{r}>" for c, r in self._type_iris.items()}
        #: predicates only ever asked whether a node has them (see _existence_only)
        self.existence_only: frozenset[str] = frozenset() if predicates is None else self._existence_only()
        #: predicate term → 1 (load the statement), 2 (rdf:type: load it, with the class mapped, when its
        #: class is asked about) or 3 (load it once per subject, with the object ""); None: load every statement
        self._keep: dict[str, int] | None = None if predicates is None else {
            f"<{p}>": 2 if p == str(RDF.type) and not types_as_values else 3 if p in self.existence_only else 1
            for p in predicates}
        self._background = "".join(
            f"<{s}> <{RDF.type}> <{o}> <{_ONTOLOGY_GRAPH}> .\n"
            for s, o in sorted({(str(s), self._type_iris[str(o)]) for s, o in ontology.subject_objects(RDF.type)
                                if isinstance(s, URIRef) and isinstance(o, URIRef) and str(o) in self._type_iris}))

    @property
    def profile_versions(self) -> dict[str, str]:
        """The profiles this validator checks against, name → version."""
        return {p.name: p.version for p in self.profiles}

    # --- validation -------------------------------------------------------------------------------------

    def validate(self, graphs: Mapping[str, str]) -> dict[str, Report]:
        """The report of each record graph in *graphs* (record graph IRI → its N-Triples text), keyed and
        ordered by graph IRI; engine failures raise :class:`~pangraph.errors.ValidationEngineError`."""
        names = sorted(graphs)
        found: dict[str, set[Result]] = {g: set() for g in names}
        # the batches allocate millions of short-lived, acyclic objects (strings, rows): the cycle collector
        # would only walk the caller's heap again and again (≈ 5 % of the time), so it waits until the end
        collecting = gc.isenabled()
        gc.disable()
        try:
            for start in range(0, len(names), self.batch_size):
                self._run(names[start:start + self.batch_size], graphs, found)
        finally:
            if collecting:
                gc.enable()
        if self._reference is not None:
            for g, report in self._reference.validate(graphs).items():
                found[g].update(report.results)
        versions = self.profile_versions
        return {g: Report.of(found[g], profiles=versions) for g in names}

    def _run(self, batch: list[str], graphs: Mapping[str, str], found: dict[str, set[Result]]) -> None:
        store = self._batch_store(batch, graphs)
        for compiled in self.compiled:
            self._collect(batch, compiled, self._query(store, compiled), found)

    def _batch_store(self, batch: list[str], graphs: Mapping[str, str]) -> ox.Store:
        """A scratch store holding the ontology background and the records of *batch*, record n in ``<g:n>``."""
        parts = [self._background]
        for n, g in enumerate(batch):
            text = graphs[g]
            quads = self._fast_nquads(n, text)
            parts.append(quads if quads is not None else self._strict_nquads(g, n, text))
        store = self._load(batch, graphs, "".join(parts))
        if store.query("ASK { ?s ?p ?o }"):  # a statement the fast path misread fell into the default graph
            store = self._load(batch, graphs, self._background + "".join(
                self._strict_nquads(g, n, graphs[g]) for n, g in enumerate(batch)))
        return store

    @staticmethod
    def _query(store: ox.Store, compiled: _Compiled) -> Iterator[ox.QuerySolution]:
        try:
            yield from store.query(compiled.query)
        except (SyntaxError, ValueError, OSError) as exc:
            raise ValidationEngineError(f"the compiled query of {_names(compiled.shapes)} failed: {exc}") from exc

    def _collect(self, batch: list[str], compiled: _Compiled, rows: Iterable[ox.QuerySolution],
                 found: dict[str, set[Result]]) -> None:
        """The results of *compiled*'s *rows*, added to the sets of their records."""
        focus_text, value_text, templates = self._focus_text, self._value_text, compiled.templates
        for row in rows:
            g, f, k, v = row
            graph = g.value
            if not graph.startswith(_GRAPH):
                continue  # a node of the ontology background: no record's
            t = templates[int(k.value)]
            found[batch[int(graph[2:])]].add(Result(
                focus=focus_text(f), path=t.path, component=t.component, severity=t.severity, message=t.message,
                value=value_text(v) if t.with_value and v is not None else None, source_shape=t.source_shape))

    def _load(self, batch: list[str], graphs: Mapping[str, str], data: str) -> ox.Store:
        store = ox.Store()
        try:
            store.load(data, ox.RdfFormat.N_QUADS, lenient=True)
        except (SyntaxError, ValueError, OSError) as exc:
            bad = self._bad_record(batch, graphs)
            raise ValidationEngineError(
                f"cannot load {'the record' if bad else f'a batch of {len(batch)} records'} into Oxigraph: {exc}",
                record=bad) from exc
        return store

    def _bad_record(self, batch: list[str], graphs: Mapping[str, str]) -> str | None:
        """The first record of *batch* that does not load alone (rdflib's error when rdflib refuses it too)."""
        for n, g in enumerate(batch):
            try:
                ox.Store().load(self._strict_nquads(g, n, graphs[g]), ox.RdfFormat.N_QUADS, lenient=True)
            except (SyntaxError, ValueError, OSError):
                _renormalised(g, graphs[g])  # raises rdflib's message when rdflib refuses it as well
                return g
        return None

    # --- record graphs → N-Quads --------------------------------------------------------------------------

    def _fast_nquads(self, number: int, text: str) -> str | None:
        """The record *text* as N-Quads in the graph ``<g:number>``, with string operations only; None when
        the text is not canonical N-Triples (one ``S P O .`` a line, single spaces) or has a blank node label
        rdflib would refuse: the caller then takes :meth:`_strict_nquads`."""
        if "\r" in text or "\t" in text:
            return None
        if not text.endswith("\n"):
            text += "\n"
        if not text.endswith(" .\n"):
            return None
        statements = text[:-3].split(" .\n")
        if text.count("\n") != len(statements):  # empty lines, comments, other line ends
            return None
        keep, types, node = self._keep, self._type_terms, f"<{_BNODE}{number}:"
        get = keep.get if keep is not None else None
        out: list[str] = []
        append = out.append
        typed: set[str] = set()  # the (mapped) rdf:type and existence-only statements already written
        try:
            for st in statements:
                s, p, o = st.split(" ", 2)  # ValueError: fewer than three terms
                if get is not None:
                    code = get(p)
                    if code == 1 and s and o and "_:" not in st and "^^" not in st:
                        append(st)  # no blank node, no typed literal: loaded as written
                        continue
                    if code == 3:  # only its existence is read: once per subject, the object ""
                        first = o[0]
                        if (first == "_" and not _BNODE_TERM.fullmatch(o)) or (
                                first == '"' and o[-1] == ">" and o.rfind('"^^<') < 1):
                            return None
                        st = f'{s} {p} ""'
                        if st in typed:
                            continue
                        typed.add(st)
                        if s[0] == "_":
                            if not _BNODE_TERM.fullmatch(s):
                                return None
                            st = f"{node}{s[2:]}>{st[len(s):]}"
                        append(st)
                        continue
                    if code is None:
                        if s and p[0] == "<" and p[-1] == ">":
                            continue  # a predicate no query reads
                        return None
                    if code == 2 and o[0] == "<":
                        cls = types.get(o)
                        if cls is None:
                            continue  # the rdf:type of a class no query asks about
                        st = f"{s} {p} {cls}"
                        if st in typed:
                            continue  # another class of the same atom, already written for this node
                        typed.add(st)
                first = o[0]  # IndexError: no object
                if first == '"':
                    if o[-1] == ">":  # a typed literal "lexical"^^<datatype> (the last "^^< ends the lexical form)
                        k = o.rfind('"^^<')
                        if k < 1:
                            return None
                        datatype = o[k + 4:-1]
                        if datatype == _XSD_STRING:
                            st = f"{s} {p} {o[:k + 1]}"
                        else:
                            lexical, prefix = self._typed(o[1:k], datatype)
                            st = f'{s} {p} "{lexical}"^^<{prefix}{datatype}>'
                elif first == "_":
                    if not _BNODE_TERM.fullmatch(o):
                        return None
                    st = f"{s} {p} {node}{o[2:]}>"
                if s[0] == "_":
                    if not _BNODE_TERM.fullmatch(s):
                        return None
                    st = f"{node}{s[2:]}>{st[len(s):]}"
                append(st)
        except (ValueError, IndexError):
            return None
        if not out:
            return ""
        suffix = f" <{_GRAPH}{number}> .\n"
        return suffix.join(out) + suffix

    def _strict_nquads(self, graph: str, number: int, text: str) -> str:
        """The record *text* as N-Quads in ``<g:number>``, every line read by the N-Triples line reader;
        a text it does not take is parsed and rewritten by rdflib (which raises for invalid N-Triples)."""
        out: list[str] = []
        g = f" <{_GRAPH}{number}> .\n"
        keep, types = self._keep, self._type_iris
        typed: set[str] = set()  # the (mapped) rdf:type and existence-only statements already written
        lines = text.split("\n") if "\r" not in text else text.splitlines()
        for line in lines:
            m = _NT_LINE.fullmatch(line)
            if m is None:
                if _NT_SKIP.fullmatch(line):
                    continue
                return self._strict_nquads(graph, number, _renormalised(graph, text))
            groups = m.groups()
            if keep is not None:
                code = keep.get(f"<{groups[2]}>")
                if code is None:
                    continue
                if code == 3:
                    statement = self._terms(number, groups[:3] + (None, None, "", None, None))
                    if statement not in typed:
                        typed.add(statement)
                        out.append(statement + g)
                    continue
                if code == 2 and groups[3] is not None:
                    cls = types.get(groups[3])
                    if cls is None:
                        continue
                    statement = self._terms(number, groups[:3] + (cls,) + groups[4:])
                    if statement not in typed:
                        typed.add(statement)
                        out.append(statement + g)
                    continue
            out.append(self._terms(number, groups) + g)
        return "".join(out)

    def _statement(self, number: int, line: str) -> str | None:
        """One N-Triples *line* as ``S P O`` with blank nodes and typed literals rewritten (None when the
        line reader does not take it)."""
        m = _NT_LINE.fullmatch(line)
        return None if m is None else self._terms(number, m.groups())

    def _terms(self, number: int, groups: tuple) -> str:
        s_iri, s_label, p_iri, o_iri, o_label, lexical, lang, datatype = groups
        s = f"<{s_iri}>" if s_iri is not None else f"<{_BNODE}{number}:{s_label}>"
        if o_iri is not None:
            o = f"<{o_iri}>"
        elif o_label is not None:
            o = f"<{_BNODE}{number}:{o_label}>"
        elif lang:
            o = f'"{lexical}"@{lang}'
        elif datatype and datatype != _XSD_STRING:
            lexical, prefix = self._typed(lexical, datatype)
            o = f'"{lexical}"^^<{prefix}{datatype}>'
        else:
            o = f'"{lexical}"'
        return f"{s} <{p_iri}> {o}"

    def _typed(self, lexical: str, datatype: str) -> tuple[str, str]:
        """How the literal ``"lexical"^^<datatype>`` (*lexical* as written in N-Triples) is loaded: the lexical
        form rdflib reads (it normalises valid numbers and booleans: ``"05"^^xsd:int`` is ``"5"``; what
        pySHACL's patterns, lengths, ``sh:in`` and result values see), and the datatype prefix
        ``urn:pangraph:dt:{1|0}:``, 1 when pySHACL's ``sh:datatype`` accepts the literal. Cached."""
        key = (lexical, datatype)
        found = self._verdicts.get(key)
        if found is None:
            if len(self._verdicts) > 100_000:
                self._verdicts.clear()
            if _canonical_valid(lexical, datatype):
                found = self._verdicts[key] = (lexical, f"{_DT}1:")
                return found
            value = _rdflib_nt.unquote(lexical) if "\\" in lexical else lexical
            lit = Literal(value, datatype=URIRef(datatype))
            ok = _datatype_ok(lit)
            normal = str(lit)
            found = self._verdicts[key] = (lexical if normal == value else literal(normal)[1:-1],
                                           f"{_DT}{1 if ok else 0}:")
        return found

    # --- results --------------------------------------------------------------------------------------------

    def _focus_text(self, term: object) -> str:
        """A focus node as :class:`Result` writes it: an IRI, ``_:label``, or a literal's N-Triples form."""
        if isinstance(term, ox.NamedNode):
            v = term.value
            return "_:" + v[len(_BNODE):].split(":", 1)[1] if v.startswith(_BNODE) else v
        return self._value_text(term)

    @staticmethod
    def _value_text(term: object) -> str:
        """A value as an N-Triples term (blank nodes as ``_:label``)."""
        if isinstance(term, ox.NamedNode):
            v = term.value
            return "_:" + v[len(_BNODE):].split(":", 1)[1] if v.startswith(_BNODE) else iri(v)
        if isinstance(term, ox.Literal):
            if term.language:
                return literal(term.value, lang=term.language)
            dt = term.datatype.value
            if dt.startswith(_DT):
                return literal(term.value, datatype=dt[len(_DT) + 2:])
            return literal(term.value, datatype=None if dt == _XSD_STRING else dt)
        return str(term)

    def _template(self, branch: _Branch) -> _Template:
        g = self._shapes
        sev = g.value(branch.shape, _SH.severity)
        messages = sorted(g.objects(branch.shape, _SH.message), key=lambda m: (
            0 if getattr(m, "language", None) in (None, "en") else 1, str(m)))
        return _Template(path=branch.path, component=branch.component,
                         severity="Violation" if sev is None else _SEVERITY.get(sev, str(sev)),
                         message=str(messages[0]) if messages else "", source_shape=str(branch.shape),
                         with_value=branch.with_value)

    # --- compilation ------------------------------------------------------------------------------------------

    def _read_predicates(self) -> frozenset[str] | None:
        """The predicates the compiled queries can read (``rdf:type``, target predicates, every IRI in a
        path); None (load every statement) when a ``sh:targetNode`` asks whether a node occurs at all."""
        if (None, _SH.targetNode, None) in self._shapes:
            return None
        return self._value_predicates() | {str(RDF.type)}

    def _existence_only(self) -> frozenset[str]:
        """The predicates whose statements a query only tests for existence: every shape with ``sh:path P``
        (P an IRI, in no complex path, no target predicate) has no constraint but ``sh:minCount`` 0 or 1.
        Their objects are never read, so each is loaded once per subject and record with the object ``""``
        (long descriptions, names and keywords cost most of Oxigraph's load time)."""
        g = self._shapes
        shapes: dict[Node, list[Node]] = {}
        excluded = {str(o) for o in g.objects(None, _SH.targetSubjectsOf)} | {
            str(o) for o in g.objects(None, _SH.targetObjectsOf)} | {str(RDF.type)}
        for shape, path in g.subject_objects(_SH.path):
            if isinstance(path, URIRef):
                shapes.setdefault(path, []).append(shape)
                continue
            todo = [path]
            while todo:  # every IRI of a complex path
                node = todo.pop()
                if isinstance(node, URIRef):
                    excluded.add(str(node))
                    continue
                for p, o in g.predicate_objects(node):
                    if p in (RDF.first, RDF.rest, _SH.inversePath, _SH.alternativePath, _SH.zeroOrMorePath,
                             _SH.oneOrMorePath, _SH.zeroOrOnePath) and o != RDF.nil:
                        todo.append(o)

        def existence(shape: Node) -> bool:
            for p, o in g.predicate_objects(shape):
                if p == _SH.minCount:
                    if not (isinstance(o, Literal) and str(o) in ("0", "1")):
                        return False
                elif p not in _INERT:
                    return False
            return True

        return frozenset(str(p) for p, users in shapes.items()
                         if str(p) not in excluded and all(existence(s) for s in users))

    def _value_predicates(self) -> frozenset[str]:
        """The predicates whose objects or subjects a query reads as values or focus nodes (target
        predicates, every IRI in a path)."""
        g = self._shapes
        preds: set[str] = set()
        preds.update(str(o) for o in g.objects(None, _SH.targetSubjectsOf))
        preds.update(str(o) for o in g.objects(None, _SH.targetObjectsOf))
        todo = list(g.objects(None, _SH.path))
        while todo:
            node = todo.pop()
            if isinstance(node, URIRef):
                preds.add(str(node))
                continue
            for p, o in g.predicate_objects(node):
                if p in (RDF.first, RDF.rest, _SH.inversePath, _SH.alternativePath, _SH.zeroOrMorePath,
                         _SH.oneOrMorePath, _SH.zeroOrOnePath) and o != RDF.nil:
                    todo.append(o)
        return frozenset(preds)

    def _targeted_shapes(self) -> list[Node]:
        g = self._shapes
        shapes: set[Node] = set()
        for pred in _TARGET_PREDICATES:
            shapes.update(g.subjects(pred, None))
        for cls in (RDFS.Class, OWL.Class):
            for s in g.subjects(RDF.type, cls):
                if (s, RDF.type, _SH.NodeShape) in g:
                    shapes.add(s)
        return sorted(shapes, key=str)

    def _var(self) -> str:
        self._counter += 1
        return f"?x{self._counter}"

    def _subclass_closure(self, cls: Node) -> set[Node]:
        """*cls* and its subclasses (of the ontology graphs)."""
        seen: set[Node] = set()
        todo = [cls]
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            todo.extend(self._subclasses.get(c, ()))
        return seen

    def _class_closure(self, cls: Node) -> list[Node]:
        """The classes loaded for *cls* and its subclasses (their atoms' representatives), recorded as asked about."""
        seen = self._subclass_closure(cls)
        self._closed |= seen
        return sorted({self._atoms.get(c, c) for c in seen}, key=str)

    def _class_atoms(self) -> dict[Node, Node]:
        """Classes that every query asks about together, mapped to one representative (the smallest IRI).

        Queries read ``rdf:type`` only as membership in a set of classes (a target class with its subclasses,
        an ``sh:class`` with its subclasses): two classes that are in exactly the same of these sets are
        interchangeable, so a node's types are loaded as their atoms' representatives, once each (a
        ``foaf:Person`` that is also a ``foaf:Agent`` is one statement, not two). Not done (empty mapping) when
        ``rdf:type`` is read as a value (a path or target predicate) or every statement is loaded
        (``sh:targetNode``)."""
        g = self._shapes
        if (None, _SH.targetNode, None) in g or str(RDF.type) in self._value_predicates():
            return {}
        sets: list[set[Node]] = []
        for shape in self._targeted_shapes():
            classes = set(g.objects(shape, _SH.targetClass))
            if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL.Class) in g:
                classes.add(shape)
            sets.append({c for cls in classes for c in self._subclass_closure(cls)})
        for cls in set(g.objects(None, _SH["class"])):
            sets.append(self._subclass_closure(cls))
        atoms: dict[tuple[int, ...], list[Node]] = {}
        for cls in set().union(*sets):
            atoms.setdefault(tuple(i for i, s in enumerate(sets) if cls in s), []).append(cls)
        out: dict[Node, Node] = {}
        for members in atoms.values():
            rep = min(members, key=str)
            out.update((c, rep) for c in members)
        return out

    def _focus(self, shape: Node) -> str:
        """The sub-select of *shape*'s focus nodes (``?g ?f``), literals included."""
        g = self._shapes
        if (shape, _SH.target, None) in g:
            raise Unsupported("SHACL-AF sh:target")
        parts: list[str] = []
        classes: set[Node] = set(g.objects(shape, _SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL.Class) in g:
            classes.add(shape)
        closure = sorted({c for cls in classes for c in self._class_closure(cls)}, key=str)
        if len(closure) == 1:
            parts.append("{ GRAPH ?g { ?f a " + _term(closure[0]) + " } }")
        elif closure:
            parts.append("{ GRAPH ?g { ?f a ?ft } VALUES ?ft { " + " ".join(_term(c) for c in closure) + " } }")
        for node in sorted(g.objects(shape, _SH.targetNode), key=str):
            parts.append("{ VALUES ?f { " + self._constant(node) + " } GRAPH ?g { { ?f ?fp ?fo } UNION { ?fo ?fp ?f } } }")
        subjects = sorted(g.objects(shape, _SH.targetSubjectsOf), key=str)
        if subjects:
            parts.append("{ GRAPH ?g { ?f ?tp ?fo } VALUES ?tp { " + " ".join(_term(p) for p in subjects) + " } }")
        objects = sorted(g.objects(shape, _SH.targetObjectsOf), key=str)
        if objects:
            parts.append("{ GRAPH ?g { ?fs ?tq ?f } VALUES ?tq { " + " ".join(_term(p) for p in objects) + " } }")
        if len(parts) == 1 and len(closure) == 1:
            return parts[0]  # one rdf:type statement per (graph, node): already distinct
        return "{ SELECT DISTINCT ?g ?f WHERE { " + " UNION ".join(parts) + " } }"

    def _shape_branches(self, shape: Node) -> list[_Branch]:
        g = self._shapes
        branches: list[_Branch] = []
        for s in [shape] + sorted(g.objects(shape, _SH.property), key=str):
            if (s, _SH.deactivated, Literal(True)) in g:
                continue
            if s != shape and (s, _SH.property, None) in g:
                raise Unsupported(f"property shape <{s}> has sh:property")
            branches.extend(self._constraints(s))
        return branches

    def _assemble(self, compiled: _Compiled) -> None:
        """Numbers the branches and writes the query (see the module docs for its form)."""
        focus = compiled.focus
        for key, b in enumerate(compiled.branches):
            b.key = key
        compiled.templates = [self._template(b) for b in compiled.branches]
        parts: list[str] = []
        values = [b for b in compiled.branches if b.kind == _VALUE]
        if values:
            union = " UNION ".join(f"{{ {b.sparql} BIND({b.key} AS ?k) }}" for b in values)
            parts.append(f"{{ {focus} {{ {union} }} }}")
        antis = [b for b in compiled.branches if b.kind == _ANTI]
        if len(antis) == 1:
            parts.append(f"{{ {focus} MINUS {{ GRAPH ?g {{ ?f {antis[0].predicate} ?cx }} }} BIND({antis[0].key} AS ?k) }}")
        elif antis:  # one row per (focus, constraint), each an index look-up
            pairs = " ".join(f"({b.key} {b.predicate})" for b in antis)
            parts.append(f"{{ {focus} VALUES (?k ?mp) {{ {pairs} }} FILTER NOT EXISTS {{ GRAPH ?g {{ ?f ?mp ?cx }} }} }}")
        nodes = [b for b in compiled.branches if b.kind == _NODE]
        if len(nodes) == 1:
            parts.append(f"{{ {focus} BIND(?f AS ?v) FILTER({nodes[0].sparql}) BIND({nodes[0].key} AS ?k) }}")
        elif nodes:  # the focus nodes once, one row per (focus, constraint)
            keys = " ".join(str(b.key) for b in nodes)
            tests = " || ".join(f"(?k = {b.key} && {b.sparql})" for b in nodes)
            parts.append(f"{{ {focus} BIND(?f AS ?v) VALUES ?k {{ {keys} }} FILTER({tests}) }}")
        for b in compiled.branches:
            if b.kind == _FOCUSED:
                parts.append(f"{{ {focus} {b.sparql} BIND({b.key} AS ?k) }}")
        if not parts:
            compiled.query = "SELECT ?g ?f ?k ?v WHERE { FILTER(false) }"
            return
        compiled.query = "SELECT ?g ?f ?k ?v WHERE { " + " UNION ".join(parts) + " }"

    def _constraints(self, shape: Node) -> list[_Branch]:
        """The branches of *shape*'s own constraints (its value nodes: the focus, or its path's values)."""
        g = self._shapes
        path_node = g.value(shape, _SH.path)
        path = None if path_node is None else self._path(path_node)
        path_text = None if path_node is None else format_path(_path_expr(g, path_node))
        out: list[_Branch] = []

        def add(sparql: str, component: str, with_value: bool, kind: str = _FOCUSED, predicate: str = "") -> None:
            out.append(_Branch(sparql, str(_SH[component]), shape, path_text, with_value, kind, predicate))

        for pred, obj in sorted(g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if pred in _INERT:
                continue
            if pred == _SH.minCount:
                n = int(obj)
                if path is None:
                    raise Unsupported("sh:minCount on a node shape")
                if n == 1 and isinstance(path_node, URIRef):
                    add("", "MinCountConstraintComponent", False, _ANTI, path)
                elif n == 1:
                    add(f"MINUS {{ GRAPH ?g {{ ?f {path} ?cx }} }}", "MinCountConstraintComponent", False)
                elif n > 1:
                    add(f"OPTIONAL {{ SELECT ?g ?f (COUNT(DISTINCT ?cx) AS ?n) WHERE {{ GRAPH ?g {{ ?f {path} ?cx }} }} "
                        f"GROUP BY ?g ?f }} FILTER(COALESCE(?n, 0) < {n})", "MinCountConstraintComponent", False)
            elif pred == _SH.maxCount:
                if path is None:
                    raise Unsupported("sh:maxCount on a node shape")
                add(f"{{ SELECT ?g ?f (COUNT(DISTINCT ?cx) AS ?n) WHERE {{ GRAPH ?g {{ ?f {path} ?cx }} }} "
                    f"GROUP BY ?g ?f }} FILTER(?n > {int(obj)})", "MaxCountConstraintComponent", False, _VALUE)
            elif pred == _SH.hasValue:
                if path is None:
                    add(f"FILTER(!sameTerm(?f, {self._constant(obj)}))", "HasValueConstraintComponent", False)
                else:
                    add(f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?f {path} ?cx }} FILTER(sameTerm(?cx, "
                        f"{self._constant(obj)})) }}", "HasValueConstraintComponent", False)
            else:
                expr, component = self._value_expr(shape, pred, obj, "?v")
                if path is None:
                    add(f"!COALESCE({expr}, false)", component, True, _NODE)
                else:
                    add(f"GRAPH ?g {{ ?f {path} ?v }} FILTER(!COALESCE({expr}, false))", component, True, _VALUE)
        return out

    def _value_expr(self, shape: Node, pred: Node, obj: Node, var: str) -> tuple[str, str]:
        """A SPARQL expression true when the node *var* meets the constraint (pred obj) of *shape*, and
        the constraint component. It reads only *var* and ``?g`` (bound by the caller's pattern)."""
        g = self._shapes
        bn = f'STRSTARTS(STR({var}), "{_BNODE}")'
        if pred == _SH["class"]:
            closure = self._class_closure(obj)
            t = self._var()
            return (f"EXISTS {{ {{ GRAPH ?g {{ {var} a {t} }} }} UNION {{ GRAPH <{_ONTOLOGY_GRAPH}> {{ {var} a {t} }} }} "
                    f"VALUES {t} {{ {' '.join(_term(c) for c in closure)} }} }}", "ClassConstraintComponent")
        if pred == _SH.datatype:
            return self._datatype_expr(obj, var), "DatatypeConstraintComponent"
        if pred == _SH.nodeKind:
            is_iri, is_bn, is_lit = f"(isIRI({var}) && !{bn})", f"(isIRI({var}) && {bn})", f"isLiteral({var})"
            kinds = {_SH.IRI: is_iri, _SH.BlankNode: is_bn, _SH.Literal: is_lit,
                     _SH.BlankNodeOrIRI: f"isIRI({var})", _SH.BlankNodeOrLiteral: f"({is_bn} || {is_lit})",
                     _SH.IRIOrLiteral: f"({is_iri} || {is_lit})"}
            if obj not in kinds:
                raise Unsupported(f"sh:nodeKind {obj}")
            return kinds[obj], "NodeKindConstraintComponent"
        if pred == _SH.pattern:
            flags = g.value(shape, _SH.flags)
            args = _lit(str(obj)) + ("" if flags is None else ", " + _lit(str(flags)))
            return f"(!{bn} && REGEX(STR({var}), {args}))", "PatternConstraintComponent"
        if pred in (_SH.minLength, _SH.maxLength):
            op = ">=" if pred == _SH.minLength else "<="
            comp = "MinLengthConstraintComponent" if pred == _SH.minLength else "MaxLengthConstraintComponent"
            return f"(!{bn} && STRLEN(STR({var})) {op} {int(obj)})", comp
        if pred == _SH["in"]:
            members = list(Collection(g, obj))
            alts = " || ".join(f"sameTerm({var}, {self._constant(m)})" for m in members) or "false"
            return f"({alts})", "InConstraintComponent"
        if pred == _SH["or"]:
            return "(" + (" || ".join(self._conforms(s, var) for s in Collection(g, obj)) or "false") + ")", \
                "OrConstraintComponent"
        if pred == _SH["and"]:
            return "(" + (" && ".join(self._conforms(s, var) for s in Collection(g, obj)) or "true") + ")", \
                "AndConstraintComponent"
        if pred == _SH["not"]:
            return f"!{self._conforms(obj, var)}", "NotConstraintComponent"
        if pred == _SH.node:
            return self._conforms(obj, var), "NodeConstraintComponent"
        raise Unsupported(f"{g.qname(pred) if isinstance(pred, URIRef) else pred} on <{shape}>")

    def _conforms(self, shape: Node, var: str) -> str:
        """A SPARQL expression true when the node *var* conforms to the operand shape *shape*."""
        g = self._shapes
        if (shape, _SH.deactivated, Literal(True)) in g:
            return "true"
        parts: list[str] = []
        path_node = g.value(shape, _SH.path)
        for pred, obj in g.predicate_objects(shape):
            if pred in _INERT and pred not in (_SH.property, _SH.path):
                continue
            if pred == _SH.path:
                continue
            if pred == _SH.property:
                parts.append(self._conforms_property(obj, var))
                continue
            if path_node is not None:
                continue  # handled below
            expr, _ = self._value_expr(shape, pred, obj, var)
            parts.append(expr)
        if path_node is not None:
            parts.append(self._conforms_property(shape, var))
        return "(" + (" && ".join(parts) or "true") + ")"

    def _conforms_property(self, shape: Node, var: str) -> str:
        g = self._shapes
        path = self._path(g.value(shape, _SH.path))
        parts: list[str] = []
        for pred, obj in g.predicate_objects(shape):
            if pred in _INERT:
                continue
            if pred == _SH.minCount:
                if int(obj) > 1:
                    raise Unsupported("sh:minCount > 1 inside an operand shape")
                if int(obj) == 1:
                    parts.append(f"EXISTS {{ GRAPH ?g {{ {var} {path} {self._var()} }} }}")
            elif pred == _SH.maxCount:
                raise Unsupported("sh:maxCount inside an operand shape")
            elif pred == _SH.hasValue:
                parts.append(f"EXISTS {{ GRAPH ?g {{ {var} {path} {self._constant(obj)} }} }}")
            else:
                x = self._var()
                expr, _ = self._value_expr(shape, pred, obj, x)
                parts.append(f"NOT EXISTS {{ GRAPH ?g {{ {var} {path} {x} }} FILTER(!COALESCE({expr}, false)) }}")
        return "(" + (" && ".join(parts) or "true") + ")"

    @staticmethod
    def _datatype_expr(dt: Node, var: str) -> str:
        if dt == XSD.string:
            return f"(isLiteral({var}) && DATATYPE({var}) = {_term(XSD.string)} && LANG({var}) = \"\")"
        if dt == RDF.langString:
            return f"(isLiteral({var}) && LANG({var}) != \"\")"
        if dt == RDFS.Literal:
            return f"isLiteral({var})"
        if dt == RDFS.Datatype:
            return f"(isLiteral({var}) && LANG({var}) = \"\" && DATATYPE({var}) != {_term(XSD.string)})"
        return f"(isLiteral({var}) && sameTerm(DATATYPE({var}), <{_DT}1:{dt}>))"

    def _constant(self, node: Node) -> str:
        """A shapes-graph term as it is loaded (typed literals with the encoded datatype)."""
        if isinstance(node, Literal):
            if node.language:
                return f"{_lit(str(node))}@{node.language}"
            if node.datatype is None or node.datatype == XSD.string:
                return _lit(str(node))
            return f"{_lit(str(node))}^^<{_DT}{1 if _datatype_ok(node) else 0}:{node.datatype}>"
        if isinstance(node, URIRef):
            return _term(node)
        raise Unsupported("a blank node as a constant")

    def _path(self, node: Node) -> str:
        g = self._shapes
        if isinstance(node, URIRef):
            return _term(node)
        for pred, op in _PATH_UNARY.items():
            inner = g.value(node, pred)
            if inner is not None:
                return f"^({self._path(inner)})" if op == "^" else f"({self._path(inner)}){op}"
        alternatives = g.value(node, _SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self._path(i) for i in Collection(g, alternatives)) + ")"
        if g.value(node, RDF.first) is not None:
            return "(" + "/".join(self._path(i) for i in Collection(g, node)) + ")"
        raise Unsupported(f"not a SHACL path: {node}")

    # --- fallback ----------------------------------------------------------------------------------------------

    def _fallback_validator(self) -> Validator | None:
        if not self.fallbacks:
            return None
        g = self._shapes
        sub = rdflib.Graph()
        todo: list[Node] = [URIRef(f.shape) for f in self.fallbacks]
        seen: set[Node] = set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for p, o in g.predicate_objects(node):
                sub.add((node, p, o))
                if isinstance(o, BNode) or (isinstance(o, URIRef) and p != RDF.type and (o, None, None) in g
                                            and p not in (_SH.targetClass, _SH.datatype, _SH["class"])):
                    todo.append(o)
        base = self.profiles[0]
        profile = Profile(name="fallback", version=base.version, title="fallback shapes",
                          description="shapes the fast engine hands to pySHACL", files=(), iri=base.iri,
                          ontology=next((p.ontology for p in self.profiles if p.ontology), None), shapes=sub)
        return Validator([profile], ontology_graphs=self._ontology_graphs)


#: canonical lexical forms of common datatypes that rdflib reads unchanged and pySHACL's sh:datatype accepts
#: (an xsd:date also has to be a calendar date); anything else takes rdflib (≈ 50 µs a distinct literal)
_CANONICAL = {
    str(XSD.integer): re.compile(r"0|-?[1-9][0-9]{0,17}"),
    str(XSD.nonNegativeInteger): re.compile(r"0|[1-9][0-9]{0,17}"),
    str(XSD.date): re.compile(r"([1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"),
}


def _canonical_valid(lexical: str, datatype: str) -> bool:
    """Whether ``"lexical"^^<datatype>`` is a canonical, valid literal of a common datatype (see
    :data:`_CANONICAL`): rdflib keeps its lexical form and pySHACL's ``sh:datatype`` accepts it, without
    building the rdflib literal. False means "ask rdflib", not "invalid"."""
    pattern = _CANONICAL.get(datatype)
    if pattern is None:
        return False
    m = pattern.fullmatch(lexical)
    if m is None:
        return False
    if datatype == _XSD_DATE:
        try:
            _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return False
    return True


def _names(shapes: Sequence[Node]) -> str:
    return ", ".join(f"<{s}>" for s in shapes)


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise Unsupported(f"a blank node where an IRI is expected: {node}")


def _renormalised(graph: str, text: str) -> str:
    """*text* parsed by rdflib and written back as canonical N-Triples (for lines the line reader skips)."""
    data = rdflib.Graph()
    try:
        data.parse(data=text, format="nt")
    except Exception as exc:  # rdflib raises ParseError/BadSyntax/ValueError
        raise ValidationEngineError(f"the record graph is not valid N-Triples: {exc}", record=graph) from exc
    out = data.serialize(format="nt")
    if not all(_NT_LINE.fullmatch(line) or _NT_SKIP.fullmatch(line) for line in out.split("\n")):
        raise ValidationEngineError("the record graph has statements the fast engine cannot read", record=graph)
    return out
