"""SHACL validation of record graphs with pySHACL, the reference engine (the only module importing it).

Records are validated in batches for speed (one pySHACL run per batch instead of per record) with the
same results as one record at a time:

- **Batches never merge differing descriptions.** Two records share a batch only if every IRI they both
  mention is described identically in both (same triples with it as subject; blank nodes are never shared),
  so whatever a shape reads about a node in the batch is what it would read in the record alone.
  A record that clashes with every open batch starts a new one. A record in which a literal is a focus node
  (the object of a ``sh:targetObjectsOf`` predicate, or a literal ``sh:targetNode``) gets a batch of its own:
  an inverse path from that literal would otherwise see the other records' statements about the same
  literal (literals are shared, and have no description of their own to compare).
- **Only the report's own results count**: the nested results pySHACL gives as ``sh:detail`` of an
  ``sh:node`` result are not results of the record.
- **Results go back to the records that target their focus node.** A result (focus ``X``, source shape
  ``S``) belongs to record ``r`` when ``X`` is a focus node of ``S``'s targeting node shape in ``r`` alone:
  ``X`` has an ``rdf:type`` of a target class (or a subclass of it in the ontology graphs) in ``r``, is a
  subject of a ``sh:targetSubjectsOf`` predicate in ``r``, an object of a ``sh:targetObjectsOf`` predicate
  in ``r``, or a ``sh:targetNode`` that occurs in ``r``. For shapes with SHACL-AF ``sh:target``s the
  validator falls back to "``X`` occurs in ``r``". Results on nodes of the ontology graphs belong to no
  record and are dropped.
- **Literal focus nodes are reported.** ``sh:targetObjectsOf`` selects literal objects too (a
  ``dcat:distribution`` given as a string is checked by the distribution shape); such a result's ``focus``
  is the literal's N-Triples form (``"text"``, ``"5"^^<…#int>``, ``"x"@en``), as in the fast engine.

Ontology graphs (PaNET …) are background knowledge, mixed into each batch the way a store-side check sees
them (the ontology is a named graph of the same dataset): for every IRI the batch mentions, the ontology's
statements about it, and transitively about its types and superclasses (``rdf:type``, ``rdfs:subClassOf``),
are added, leaving out statements whose object is a blank node (OWL restrictions). That is everything SHACL
Core's class semantics read (``sh:class``, ``sh:targetClass``: ``rdf:type/rdfs:subClassOf*``), so
``sh:class owl:Class`` sees exactly PaNET's classes, plus their labels for SPARQL constraints — at a
fraction of the cost of pySHACL's ``ont_graph`` inoculation (≈0.5 s per run for PaNET).

Speed (where the time went, and what keeps the results unchanged):

- Record graphs are read by a one-regex-per-line N-Triples reader that builds exactly the terms rdflib's
  N-Triples parser builds (same token rules, same unescaping); a record with any line it does not take is
  handed to rdflib's parser, which either reads it or raises the error the caller sees. Terms are shared
  across the call (one ``URIRef``/``Literal`` object per distinct term) and blank-node labels are mapped
  per record, so equal labels in two records are never the same node — whatever the crosswalk's labels.
- Each batch's statements go into one rdflib graph once (deduplicated: the shared, identically described
  agents are stored once), with no per-record rdflib graph and no copying between graphs; what attribution
  needs to know about a record (its types, subject–predicate and predicate–object pairs) is indexed from
  its parsed statements, only for records that receive a result.
- pySHACL runs with nothing it need not do: no inference, in place (the batch graph is ours), SHACL-AF only
  when a shape has an ``sh:target``, all results (no abort on the first). What is left (≈ 70 % of a call on
  generated DataCite records, at ≈ 6 ms a record) is pySHACL's own evaluation; its shapes-graph set-up is
  ≈ 1 ms a run, so reusing a compiled shapes graph would not pay at 500 records a batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import pyshacl
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.parsers import ntriples as _rdflib_nt
from rdflib.term import BNode, Literal, Node, URIRef

from pangraph.errors import ValidationEngineError
from pangraph.rdf import SH, iri, literal
from pangraph.validate.profiles import Profile
from pangraph.validate.report import Report, Result, format_path

_SH = rdflib.Namespace(SH.raw(""))
_SEVERITY = {_SH.Violation: "Violation", _SH.Warning: "Warning", _SH.Info: "Info"}
_PATH_UNARY = {_SH.inversePath: "inv", _SH.zeroOrMorePath: "*", _SH.oneOrMorePath: "+", _SH.zeroOrOnePath: "?"}

_RDF_TYPE = RDF.type

DEFAULT_BATCH_SIZE = 500


@dataclass
class _Targets:
    """The targets of one node shape, as the attribution of results needs them."""

    classes: set[Node] = field(default_factory=set)
    subjects_of: set[Node] = field(default_factory=set)
    objects_of: set[Node] = field(default_factory=set)
    nodes: set[Node] = field(default_factory=set)
    advanced: bool = False

    def selects(self, node: Node, index: "_Index") -> bool:
        """Whether *node* is a focus node of this shape in a record alone (*index*: :meth:`_Record.index`)."""
        if self.advanced or node in self.nodes:
            return True
        types, subject_of, object_of = index
        return (not self.classes.isdisjoint(types.get(node, ()))
                or any((node, p) in subject_of for p in self.subjects_of)
                or any((p, node) in object_of for p in self.objects_of))


#: what attribution reads about a record: node → its rdf:types, (subject, predicate) and (predicate, object) pairs
_Index = tuple[dict[Node, set[Node]], set[tuple[Node, Node]], set[tuple[Node, Node]]]


@dataclass
class _Record:
    graph: str
    triples: list[tuple[Node, Node, Node]]  # the record's statements as rdflib terms (a repeated line: twice)
    labels: dict[BNode, str]  # blank node → its label in the record's N-Triples
    described: dict[Node, frozenset]  # IRI → the (predicate, object)s the record states about it
    nodes: set[Node]  # the nodes the record mentions (subjects and objects, literals included)
    alone: bool = False  # a literal is a focus node here: the record gets a batch of its own
    _index: _Index | None = None

    def index(self, subject_preds: frozenset[Node], object_preds: frozenset[Node]) -> _Index:
        """node → its ``rdf:type``s, and the (subject, predicate) and (predicate, object) pairs of the record's
        statements with a predicate in *subject_preds* / *object_preds* (the ``sh:targetSubjectsOf`` /
        ``sh:targetObjectsOf`` predicates, the same on every call). Built on first use: only records that
        receive a result need it."""
        if self._index is None:
            types: dict[Node, set[Node]] = {}
            subject_of: set[tuple[Node, Node]] = set()
            object_of: set[tuple[Node, Node]] = set()
            for s_, p_, o_ in self.triples:
                if p_ == _RDF_TYPE:
                    types.setdefault(s_, set()).add(o_)
                if p_ in subject_preds:
                    subject_of.add((s_, p_))
                if p_ in object_preds:
                    object_of.add((p_, o_))
            self._index = (types, subject_of, object_of)
        return self._index


class Validator:
    """Validates record graphs against SHACL profiles (:class:`~pangraph.validate.profiles.Profile`).

    *ontology_graphs* maps a vocabulary name (``panet``) to its RDF text (N-Triples, Turtle or RDF/XML);
    every profile's ``ontology`` must be among them. *batch_size* bounds the records per pySHACL run.
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
        self._shapes = rdflib.Graph()
        for p in self.profiles:
            self._shapes += p.shapes
        self._ontology = rdflib.Graph()
        for name in sorted(ontologies):
            self._ontology += _parse_ontology(name, ontologies[name])
        self._background: dict[Node, list[tuple[Node, Node, Node]]] = {}
        for s_, p_, o_ in self._ontology:
            if isinstance(s_, URIRef) and not isinstance(o_, BNode):
                self._background.setdefault(s_, []).append((s_, p_, o_))
        self._advanced = (None, _SH.target, None) in self._shapes
        self._roots = self._target_index()
        targets = [t for ts in self._roots.values() for t in ts]
        self._subject_preds = frozenset(p for t in targets for p in t.subjects_of)
        self._object_preds = frozenset(p for t in targets for p in t.objects_of)
        self._literal_targets = frozenset(n for t in targets for n in t.nodes if isinstance(n, Literal))

    @property
    def profile_versions(self) -> dict[str, str]:
        """The profiles this validator checks against, name → version."""
        return {p.name: p.version for p in self.profiles}

    def validate(self, graphs: Mapping[str, str]) -> dict[str, Report]:
        """The report of each record graph in *graphs* (record graph IRI → its N-Triples text), keyed and
        ordered by graph IRI. Non-conformance is in the reports; engine failures raise
        :class:`~pangraph.errors.ValidationEngineError`."""
        terms = _Terms()
        records = [_parse_record(g, graphs[g], terms) for g in sorted(graphs)]
        for rec in records:
            rec.alone = any(isinstance(o, Literal) and (p in self._object_preds or o in self._literal_targets)
                            for _, p, o in rec.triples)
        found: dict[str, set[Result]] = {r.graph: set() for r in records}
        for batch in self._batches(records):
            for graph, result in self._run(batch):
                found[graph].add(result)
        versions = self.profile_versions
        return {g: Report.of(found[g], profiles=versions) for g in sorted(found)}

    # --- batching --------------------------------------------------------------------------------------

    def _batches(self, records: list[_Record]) -> list[list[_Record]]:
        open_batches: list[tuple[list[_Record], dict[Node, frozenset]]] = []
        alone: list[list[_Record]] = []
        for rec in records:
            if rec.alone:
                alone.append([rec])
                continue
            for members, described in open_batches:
                if len(members) < self.batch_size and all(
                        described.get(n, d) == d for n, d in rec.described.items()):
                    break
            else:
                members, described = [], {}
                open_batches.append((members, described))
            members.append(rec)
            described.update(rec.described)
        return [members for members, _ in open_batches] + alone

    # --- one pySHACL run ----------------------------------------------------------------------------------

    def _run(self, batch: list[_Record]) -> list[tuple[str, Result]]:
        data = rdflib.Graph()
        where: dict[Node, list[_Record]] = {}
        labels: dict[BNode, str] = {}
        statements: set[tuple[Node, Node, Node]] = set()
        for rec in batch:
            statements.update(rec.triples)
            labels.update(rec.labels)
            for node in rec.nodes:
                where.setdefault(node, []).append(rec)
        self._mix_background(statements, [n for n in where if isinstance(n, URIRef)])
        add = data.store.add  # the graph's own store, once per distinct statement (Graph.add minus checks)
        for t in statements:
            add(t, data, False)
        try:
            _, results_graph, _ = pyshacl.validate(
                data, shacl_graph=self._shapes, inference="none", inplace=True,
                advanced=self._advanced, allow_warnings=True, allow_infos=True, abort_on_first=False)
        except Exception as exc:  # pySHACL raises its own errors, RuntimeError, ReportableRuntimeError …
            raise ValidationEngineError(f"pySHACL failed on a batch of {len(batch)} records: {exc}",
                                        record=batch[0].graph if len(batch) == 1 else None) from exc
        out = []
        for node in results_graph.subjects(RDF.type, _SH.ValidationResult):
            if (None, _SH.detail, node) in results_graph:
                continue  # a nested result (why an sh:node value failed), not one of the report's own
            focus = results_graph.value(node, _SH.focusNode)
            shape = results_graph.value(node, _SH.sourceShape)
            owners = [rec for rec in where.get(focus, ()) if self._selects(shape, focus, rec)]
            if not owners:
                continue
            result = Result(
                focus=_focus_text(focus, labels),
                path=_path_text(results_graph, results_graph.value(node, _SH.resultPath)),
                component=str(results_graph.value(node, _SH.sourceConstraintComponent)),
                severity=_severity_text(results_graph.value(node, _SH.resultSeverity)),
                message=_message(results_graph, node),
                value=_value_text(results_graph.value(node, _SH.value), labels),
                source_shape=None if shape is None else _node_text(shape, {}),
            )
            out.extend((rec.graph, result) for rec in owners)
        return out

    def _mix_background(self, data: set[tuple[Node, Node, Node]], nodes: list[URIRef]) -> None:
        """Adds the ontology statements about *nodes*, their types and superclasses (see module docs)."""
        if not self._background:
            return
        seen: set[Node] = set()
        todo = list(nodes)
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for t in self._background.get(node, ()):
                data.add(t)  # a set of statements
                if t[1] in (RDF.type, RDFS.subClassOf) and isinstance(t[2], URIRef):
                    todo.append(t[2])

    # --- attribution ----------------------------------------------------------------------------------------

    def _target_index(self) -> dict[Node, list[_Targets]]:
        """Source shape → the targets of the node shapes whose focus nodes it reports on."""
        g = self._shapes
        hierarchy = rdflib.Graph()
        hierarchy += self._ontology.triples((None, RDFS.subClassOf, None))
        targeted: dict[Node, _Targets] = {}
        for pred in (_SH.targetClass, _SH.targetSubjectsOf, _SH.targetObjectsOf, _SH.targetNode, _SH.target):
            for shape in g.subjects(pred, None):
                targeted.setdefault(shape, _Targets())
        for cls in (RDFS.Class, OWL.Class):  # implicit class targets
            for shape in g.subjects(RDF.type, cls):
                if (shape, RDF.type, _SH.NodeShape) in g:
                    targeted.setdefault(shape, _Targets()).classes.add(shape)
        for shape, t in targeted.items():
            for c in g.objects(shape, _SH.targetClass):
                t.classes.add(c)
            t.classes = {sub for c in t.classes for sub in hierarchy.transitive_subjects(RDFS.subClassOf, c)}
            t.subjects_of.update(g.objects(shape, _SH.targetSubjectsOf))
            t.objects_of.update(g.objects(shape, _SH.targetObjectsOf))
            t.nodes.update(g.objects(shape, _SH.targetNode))
            t.advanced = (shape, _SH.target, None) in g
        roots: dict[Node, list[_Targets]] = {s: [t] for s, t in targeted.items()}
        for shape, t in targeted.items():
            for prop in g.objects(shape, _SH.property):
                roots.setdefault(prop, []).append(t)
        return roots

    def _selects(self, shape: Node | None, focus: Node, rec: _Record) -> bool:
        targets = self._roots.get(shape) if shape is not None else None
        if not targets:
            return True  # a shape we cannot trace to its targets: the focus node occurs in the record
        index = rec.index(self._subject_preds, self._object_preds)
        return any(t.selects(focus, index) for t in targets)


# --- parsing -------------------------------------------------------------------------------------------------

_NT_IRI = r'<([^:]+:[^\s"<>]*)>'
_NT_BNODE = r'_:([A-Za-z0-9_:](?:[-A-Za-z0-9_:.]*[-A-Za-z0-9_:])?)'
#: One N-Triples statement, with the token rules of rdflib's N-Triples parser (rdflib.plugins.parsers.ntriples:
#: ``uriref``, ``r_nodeid``, ``literal`` + ``litinfo``, ``r_wspace``/``r_wspaces``/``r_tail``); groups: subject IRI |
#: subject label, predicate, object IRI | object label | lexical form, language, datatype.
_NT_LINE = re.compile(
    r'[ \t]*(?:' + _NT_IRI + '|' + _NT_BNODE + r')[ \t]+' + _NT_IRI + r'[ \t]+(?:' + _NT_IRI + '|' + _NT_BNODE
    + r'|"([^"\\]*(?:\\.[^"\\]*)*)"(?:@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^' + _NT_IRI + r')?)[ \t]*\.[ \t]*(?:#.*)?')
_NT_SKIP = re.compile(r'[ \t]*(?:#.*)?')  # lines rdflib's parser skips: empty, blank, comments
_NT_LINE_BREAK = re.compile(r'\r\n|\r|\n')  # rdflib's line ends (str.splitlines() knows more)


class _Terms:
    """rdflib terms for N-Triples tokens, one object per distinct term over a validation call."""

    def __init__(self) -> None:
        self.iris: dict[str, URIRef] = {}
        self.literals: dict[tuple[str, str | None, str | None], Literal] = {}

    def iri(self, text: str) -> URIRef:
        term = self.iris.get(text)
        if term is None:
            term = self.iris[text] = URIRef(_rdflib_nt.unquote(text) if "\\" in text else text)
        return term

    def literal(self, lexical: str, lang: str | None, datatype: str | None) -> Literal:
        key = (lexical, lang, datatype)
        term = self.literals.get(key)
        if term is None:
            term = self.literals[key] = Literal(_rdflib_nt.unquote(lexical) if "\\" in lexical else lexical,
                                                lang or None, self.iri(datatype) if datatype else None)
        return term


def _read_ntriples(text: str, terms: _Terms) -> tuple[list[tuple[Node, Node, Node]], dict[str, BNode]] | None:
    """The statements of *text* and its blank nodes (label → node, fresh for this text), or None when a line
    is not one the fast reader takes (the caller then asks rdflib's parser, which also reports errors)."""
    if _rdflib_nt.validate:  # rdflib's strict mode re-encodes IRIs and literals: leave it to rdflib
        return None
    lines = text.split("\n") if "\r" not in text else _NT_LINE_BREAK.split(text)
    out: list[tuple[Node, Node, Node]] = []
    bnodes: dict[str, BNode] = {}
    iri, literal, match, known = terms.iri, terms.literal, _NT_LINE.fullmatch, terms.iris.get
    for line in lines:
        m = match(line)
        if m is None:
            if _NT_SKIP.fullmatch(line):
                continue
            return None
        s_iri, s_label, p_iri, o_iri, o_label, lexical, lang, datatype = m.groups()
        if s_iri is not None:
            s = known(s_iri) or iri(s_iri)
        else:
            s = bnodes.get(s_label)
            if s is None:
                s = bnodes[s_label] = BNode()
        if o_iri is not None:
            o: Node = known(o_iri) or iri(o_iri)
        elif o_label is not None:
            o = bnodes.get(o_label)
            if o is None:
                o = bnodes[o_label] = BNode()
        else:
            o = literal(lexical, lang, datatype)
        out.append((s, known(p_iri) or iri(p_iri), o))
    return out, bnodes


def _parse_record(graph: str, text: str, terms: _Terms | None = None) -> _Record:
    read = _read_ntriples(text, terms or _Terms())
    if read is None:
        data = rdflib.Graph()
        context: dict[str, BNode] = {}
        try:
            data.parse(data=text, format="nt", bnode_context=context)
        except Exception as exc:  # rdflib raises ParseError/BadSyntax/ValueError
            raise ValidationEngineError(f"the record graph is not valid N-Triples: {exc}", record=graph) from exc
        read = list(data), context
    triples, bnodes = read
    described: dict[Node, set] = {}
    nodes: set[Node] = set()
    for s, p, o in triples:
        nodes.add(s)
        nodes.add(o)  # a literal too: sh:targetObjectsOf (and sh:targetNode) can select a literal focus node
        if isinstance(s, URIRef):
            described.setdefault(s, set()).add((p, o))
        if isinstance(o, URIRef):
            described.setdefault(o, set())
    return _Record(graph=graph, triples=triples, labels={b: label for label, b in bnodes.items()},
                   described={n: frozenset(po) for n, po in described.items()}, nodes=nodes)


def _parse_ontology(name: str, text: str) -> rdflib.Graph:
    head = text.lstrip()[:200]
    fmt = "xml" if head.startswith("<?xml") or head.startswith("<rdf:RDF") else "turtle"
    g = rdflib.Graph()
    try:
        g.parse(data=text, format=fmt)
    except Exception as exc:
        raise ValidationEngineError(f"cannot parse the ontology graph {name!r} ({fmt}): {exc}") from exc
    return g


# --- pySHACL results → plain strings ------------------------------------------------------------------------

def _node_text(node: Node, labels: Mapping[BNode, str]) -> str:
    if isinstance(node, BNode):
        return "_:" + labels.get(node, str(node))
    return str(node)


def _focus_text(node: Node, labels: Mapping[BNode, str]) -> str:
    """A focus node as :class:`Result` writes it: an IRI, ``_:label``, or a literal's N-Triples form."""
    if isinstance(node, Literal):
        return _value_text(node, labels)  # type: ignore[return-value]
    return _node_text(node, labels)


def _value_text(node: Node | None, labels: Mapping[BNode, str]) -> str | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        dt = None if node.language else (str(node.datatype) if node.datatype else None)
        return literal(str(node), datatype=dt, lang=node.language)
    if isinstance(node, BNode):
        return _node_text(node, labels)
    return iri(str(node))


def _severity_text(node: Node | None) -> str:
    return _SEVERITY.get(node, str(node))  # type: ignore[arg-type]


def _message(g: rdflib.Graph, result: Node) -> str:
    messages = sorted(g.objects(result, _SH.resultMessage), key=lambda m: (
        0 if getattr(m, "language", None) in (None, "en") else 1, str(m)))
    return str(messages[0]) if messages else ""


def _path_text(g: rdflib.Graph, path: Node | None) -> str | None:
    """A SHACL path as an IRI (predicate path) or SPARQL property-path syntax (complex path)."""
    return None if path is None else format_path(_path_expr(g, path))


def _path_expr(g: rdflib.Graph, path: Node) -> tuple:
    if isinstance(path, URIRef):
        return ("iri", str(path))
    for pred, kind in _PATH_UNARY.items():
        inner = g.value(path, pred)
        if inner is not None:
            return (kind, _path_expr(g, inner))
    alternatives = g.value(path, _SH.alternativePath)
    if alternatives is not None:
        return ("alt", [_path_expr(g, i) for i in Collection(g, alternatives)])
    if g.value(path, RDF.first) is not None:
        return ("seq", [_path_expr(g, i) for i in Collection(g, path)])
    raise ValidationEngineError(f"pySHACL reported a result path that is not a SHACL path: {path}")
