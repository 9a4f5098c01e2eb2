"""A fast SHACL Core engine: the profiles' shapes compiled to SPARQL, run in a scratch Oxigraph store.

:class:`FastValidator` has the interface of :class:`pangraph.validate.Validator` (pySHACL, the reference)
and reports the same (focus, path, component, severity) set. How it works:

- **One query per targeted shape.** Every shape with a target (``sh:targetClass`` incl. implicit class
  targets and ``rdfs:subClassOf`` in the ontology graphs, ``sh:targetNode``, ``sh:targetSubjectsOf``,
  ``sh:targetObjectsOf``) becomes one ``SELECT`` whose ``UNION`` branches are its constraints and those of
  its ``sh:property`` shapes; each branch repeats the focus-node sub-select (SPARQL's bottom-up semantics
  would otherwise evaluate the branch's filters without the focus node). Every pattern is inside
  ``GRAPH ?g``, so each row names the record graph it belongs to.
- **Per batch, a scratch store.** A batch's record graphs are rewritten line by line into N-Quads and
  loaded into a fresh in-memory ``pyoxigraph.Store`` with the ontology background (the ``rdf:type``
  statements of the ontology graphs, in their own graph; the class hierarchy is expanded in Python), and
  every compiled query runs once over the batch.
- **Literals keep pySHACL's verdict.** Oxigraph canonicalises typed literals on load (``"05"^^xsd:int``
  comes back as ``"5"^^xsd:integer``), so every typed literal other than ``xsd:string`` is loaded with the
  opaque datatype ``urn:pangraph:dt:{1|0}:{original datatype}``, where 1/0 is pySHACL's
  ``sh:datatype`` verdict on the original literal (rdflib's ``ill_typed`` plus pySHACL's own value-type
  check), computed once per distinct literal. ``sh:datatype D`` then compiles to a datatype comparison with
  ``urn:pangraph:dt:1:D``; lexical forms are kept as written.
- **Blank nodes become IRIs** ``urn:pangraph:bnode:{record}:{label}`` (Oxigraph renames blank nodes on
  load), which the node-kind, pattern and length checks treat as blank nodes; results give them back as
  ``_:label``, the label they have in the record, as the pySHACL engine does.
- **Fallback, never skipped.** A targeted shape using anything this compiler does not translate (SHACL-AF
  ``sh:target``, ``sh:qualifiedValueShape``, ``sh:minInclusive``, ``sh:sparql`` …) is validated by pySHACL
  (the reference :class:`~pangraph.validate.Validator` on that shape alone); :attr:`FastValidator.fallbacks`
  lists the shapes and the reasons.

Known difference: a result *value* that is an explicit ``"…"^^xsd:string`` literal is written without the
datatype (Oxigraph does not keep the difference); focus, path, component and severity are unaffected.
Subclass statements *inside* record graphs are not used for class checks (only the ontology graphs' ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

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
_ONTOLOGY_GRAPH = "urn:pangraph:ontology"
_RDF_TYPE = f"<{RDF.type}>"
_PATH_UNARY = {_SH.inversePath: "^", _SH.zeroOrMorePath: "*", _SH.oneOrMorePath: "+", _SH.zeroOrOnePath: "?"}
_TARGET_PREDICATES = (_SH.targetClass, _SH.targetNode, _SH.targetSubjectsOf, _SH.targetObjectsOf, _SH.target)
#: shape predicates that carry no constraint (documentation, targets, the path itself, results' form)
_INERT = frozenset({RDF.type, _SH.name, _SH.description, _SH.message, _SH.severity, _SH.path, _SH.property,
                    _SH.deactivated, _SH.order, _SH.group, _SH.defaultValue, _SH.flags, RDFS.label,
                    RDFS.comment, *_TARGET_PREDICATES})
DEFAULT_BATCH_SIZE = 1000


class Unsupported(Exception):
    """A shape uses something the compiler does not translate (the reason is the message)."""


@dataclass(frozen=True)
class Fallback:
    """A shape handed to pySHACL, and why."""

    shape: str
    reason: str


@dataclass
class _Branch:
    """One constraint of a compiled query: its SPARQL group (after the focus sub-select) and what rows of
    it mean."""

    key: int
    sparql: str
    component: str
    shape: Node
    path: str | None
    with_value: bool


@dataclass
class _Compiled:
    shape: Node
    query: str
    branches: dict[int, _Branch] = field(default_factory=dict)


def _lit(text: str) -> str:
    """A SPARQL string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _datatype_ok(lexical: str, datatype: str) -> bool:
    """pySHACL's ``sh:datatype`` verdict on the literal ``lexical^^datatype`` for its own datatype."""
    dt = URIRef(datatype)
    lit = Literal(lexical, datatype=dt)
    if getattr(lit, "ill_typed", None) is True:
        return False
    return bool(DatatypeConstraintComponent._assert_actual_datatype(None, lit, dt))  # type: ignore[arg-type]


class FastValidator:
    """Validates record graphs against profiles with SPARQL in Oxigraph (see the module docs)."""

    def __init__(self, profiles: Sequence[Profile], *, ontology_graphs: Mapping[str, str] | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> None:
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
        self._background = "".join(
            f"<{s}> <{RDF.type}> <{o}> <{_ONTOLOGY_GRAPH}> .\n"
            for s, o in ontology.subject_objects(RDF.type) if isinstance(s, URIRef) and isinstance(o, URIRef))
        self._verdicts: dict[tuple[str, str], bool] = {}
        self._predicates = self._read_predicates()
        self._counter = 0
        self._closed: set[Node] = set()
        self.compiled: list[_Compiled] = []
        #: the shapes validated by pySHACL instead, with the reasons
        self.fallbacks: list[Fallback] = []
        for shape in self._targeted_shapes():
            try:
                self.compiled.append(self._compile(shape))
            except Unsupported as exc:
                self.fallbacks.append(Fallback(shape=str(shape), reason=str(exc)))
        self._reference = self._fallback_validator()
        #: the classes a compiled query asks about (targets, sh:class, with subclasses): other rdf:types are not loaded
        self._classes = frozenset(str(c) for c in self._closed)

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
        for start in range(0, len(names), self.batch_size):
            batch = names[start:start + self.batch_size]
            self._run(batch, graphs, found)
        if self._reference is not None:
            for g, report in self._reference.validate(graphs).items():
                found[g].update(report.results)
        versions = self.profile_versions
        return {g: Report.of(found[g], profiles=versions) for g in names}

    def _run(self, batch: list[str], graphs: Mapping[str, str], found: dict[str, set[Result]]) -> None:
        parts = [self._background]
        labels: dict[str, str] = {}  # bnode IRI → its record label
        index = {g: n for n, g in enumerate(batch)}
        for g in batch:
            parts.append(self._nquads(g, index[g], graphs[g], labels))
        store = ox.Store()
        try:
            store.bulk_load("".join(parts).encode("utf-8"), ox.RdfFormat.N_QUADS)
        except (SyntaxError, ValueError, OSError) as exc:
            raise ValidationEngineError(f"cannot load a batch of {len(batch)} records into Oxigraph: {exc}") from exc
        messages = self._messages()
        for compiled in self.compiled:
            try:
                rows = store.query(compiled.query)
            except (SyntaxError, ValueError, OSError) as exc:
                raise ValidationEngineError(f"the compiled query of <{compiled.shape}> failed: {exc}") from exc
            for row in rows:
                g, f, k, v = row[0], row[1], row[2], row[3]
                branch = compiled.branches[int(k.value)]
                graph = g.value
                if graph not in found:
                    continue
                found[graph].add(Result(
                    focus=self._focus_text(f, labels),
                    path=branch.path,
                    component=branch.component,
                    severity=self._severity(branch.shape),
                    message=messages.get(branch.shape, ""),
                    value=self._value_text(v, labels) if branch.with_value and v is not None else None,
                    source_shape=str(branch.shape),
                ))

    def _nquads(self, graph: str, number: int, text: str, labels: dict[str, str]) -> str:
        """The record graph *text* as N-Quads in *graph*, blank nodes and typed literals rewritten."""
        out: list[str] = []
        g = f" <{graph}> .\n"
        lines = text.split("\n") if "\r" not in text else text.splitlines()
        wanted = self._predicates
        for line in lines:
            if wanted is not None:  # canonical N-Triples (single spaces): skip statements no query reads
                parts = line.split(" ", 2)
                if len(parts) == 3 and parts[1][:1] == "<" and parts[1][-1:] == ">":
                    if parts[1][1:-1] not in wanted or (parts[1] == _RDF_TYPE and parts[2][:1] == "<"
                                                         and parts[2][1:-3] not in self._classes):
                        continue
                    if "_:" not in line and '"^^<' not in line and line.endswith(" .") and line[:1] == "<":
                        out.append(line[:-1] + g[1:])
                        continue
            m = _NT_LINE.fullmatch(line)
            if m is None:
                if _NT_SKIP.fullmatch(line):
                    continue
                return self._nquads(graph, number, _renormalised(graph, text), labels)
            s_iri, s_label, p_iri, o_iri, o_label, lexical, lang, datatype = m.groups()
            if s_iri is not None:
                s = f"<{s_iri}>"
            else:
                s = self._bnode(number, s_label, labels)
            if o_iri is not None:
                o = f"<{o_iri}>"
            elif o_label is not None:
                o = self._bnode(number, o_label, labels)
            elif lang:
                o = f'"{lexical}"@{lang}'
            elif datatype and datatype != str(XSD.string):
                o = f'"{lexical}"^^<{self._encoded_datatype(lexical, datatype)}>'
            else:
                o = f'"{lexical}"'
            out.append(f"{s} <{p_iri}> {o}{g}")
        return "".join(out)

    @staticmethod
    def _bnode(number: int, label: str, labels: dict[str, str]) -> str:
        name = f"{_BNODE}{number}:{label}"
        labels[name] = label
        return f"<{name}>"

    def _encoded_datatype(self, lexical: str, datatype: str) -> str:
        key = (lexical, datatype)
        ok = self._verdicts.get(key)
        if ok is None:
            value = _rdflib_nt.unquote(lexical) if "\\" in lexical else lexical
            ok = self._verdicts[key] = _datatype_ok(value, datatype)
        return f"{_DT}{1 if ok else 0}:{datatype}"

    def _focus_text(self, term: object, labels: Mapping[str, str]) -> str:
        if isinstance(term, ox.NamedNode):
            return "_:" + labels[term.value] if term.value.startswith(_BNODE) else term.value
        return getattr(term, "value", str(term))

    def _value_text(self, term: object, labels: Mapping[str, str]) -> str:
        if isinstance(term, ox.NamedNode):
            return "_:" + labels[term.value] if term.value.startswith(_BNODE) else iri(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return literal(term.value, lang=term.language)
            dt = term.datatype.value
            if dt.startswith(_DT):
                return literal(term.value, datatype=dt[len(_DT) + 2:])
            return literal(term.value, datatype=None if dt == str(XSD.string) else dt)
        return str(term)

    def _severity(self, shape: Node) -> str:
        sev = self._shapes.value(shape, _SH.severity)
        return "Violation" if sev is None else _SEVERITY.get(sev, str(sev))

    def _messages(self) -> dict[Node, str]:
        if not hasattr(self, "_message_cache"):
            cache: dict[Node, str] = {}
            for shape in {b.shape for c in self.compiled for b in c.branches.values()}:
                ms = sorted(self._shapes.objects(shape, _SH.message), key=lambda m: (
                    0 if getattr(m, "language", None) in (None, "en") else 1, str(m)))
                cache[shape] = str(ms[0]) if ms else ""
            self._message_cache = cache
        return self._message_cache

    # --- compilation ------------------------------------------------------------------------------------------

    def _read_predicates(self) -> frozenset[str] | None:
        """The predicates the compiled queries can read (``rdf:type``, target predicates, every IRI in a
        path); None (load every statement) when a ``sh:targetNode`` asks whether a node occurs at all."""
        g = self._shapes
        if (None, _SH.targetNode, None) in g:
            return None
        preds = {str(RDF.type)}
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

    def _class_closure(self, cls: Node) -> list[Node]:
        seen: set[Node] = set()
        todo = [cls]
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            todo.extend(self._subclasses.get(c, ()))
        self._closed |= seen
        return sorted(seen, key=str)

    def _focus(self, shape: Node) -> str:
        g = self._shapes
        if (shape, _SH.target, None) in g:
            raise Unsupported("SHACL-AF sh:target")
        parts: list[str] = []
        classes: set[Node] = set(g.objects(shape, _SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in g or (shape, RDF.type, OWL.Class) in g:
            classes.add(shape)
        closure = sorted({c for cls in classes for c in self._class_closure(cls)}, key=str)
        if closure:
            parts.append("{ GRAPH ?g { ?f a ?ft } VALUES ?ft { " + " ".join(_term(c) for c in closure) + " } }")
        for node in g.objects(shape, _SH.targetNode):
            parts.append("{ VALUES ?f { " + _term(node) + " } GRAPH ?g { { ?f ?fp ?fo } UNION { ?fo ?fp ?f } } }")
        for p in g.objects(shape, _SH.targetSubjectsOf):
            parts.append("{ GRAPH ?g { ?f " + _term(p) + " ?fo } }")
        for p in g.objects(shape, _SH.targetObjectsOf):
            parts.append("{ GRAPH ?g { ?fs " + _term(p) + " ?f } }")
        # literal focus nodes (sh:targetObjectsOf on a literal) are left out, as the reference engine drops
        # their results: a literal occurs in no record's node index there
        return "{ SELECT DISTINCT ?g ?f WHERE { { " + " UNION ".join(parts) + " } FILTER(!isLiteral(?f)) } }"

    def _compile(self, shape: Node) -> _Compiled:
        g = self._shapes
        focus = self._focus(shape)
        compiled = _Compiled(shape=shape, query="")
        branches: list[_Branch] = []
        shapes = [shape] + sorted(g.objects(shape, _SH.property), key=str)
        for s in shapes:
            if (s, _SH.deactivated, Literal(True)) in g:
                continue
            if s != shape and (s, _SH.property, None) in g:
                raise Unsupported(f"property shape <{s}> has sh:property")
            branches.extend(self._constraints(s, len(branches)))
        for b in branches:
            compiled.branches[b.key] = b
        if not branches:
            compiled.query = "SELECT ?g ?f ?k ?v WHERE { FILTER(false) }"
            return compiled
        body = " UNION ".join(f"{{ {focus} {b.sparql} BIND({b.key} AS ?k) }}" for b in branches)
        compiled.query = f"SELECT DISTINCT ?g ?f ?k ?v WHERE {{ {body} }}"
        return compiled

    def _constraints(self, shape: Node, first: int) -> list[_Branch]:
        """The branches of *shape*'s own constraints (its value nodes: the focus, or its path's values)."""
        g = self._shapes
        path_node = g.value(shape, _SH.path)
        path = None if path_node is None else self._path(path_node)
        path_text = None if path_node is None else format_path(_path_expr(g, path_node))
        values = "BIND(?f AS ?v)" if path is None else f"GRAPH ?g {{ ?f {path} ?v }}"
        out: list[_Branch] = []

        def add(sparql: str, component: str, with_value: bool) -> None:
            out.append(_Branch(first + len(out), sparql, str(_SH[component]), shape, path_text, with_value))

        for pred, obj in sorted(g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if pred in _INERT:
                continue
            if pred == _SH.minCount:
                n = int(obj)
                if path is None:
                    raise Unsupported("sh:minCount on a node shape")
                if n == 1:
                    add(f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?f {path} ?cx }} }}", "MinCountConstraintComponent", False)
                elif n > 1:
                    add(f"OPTIONAL {{ SELECT ?g ?f (COUNT(DISTINCT ?cx) AS ?n) WHERE {{ GRAPH ?g {{ ?f {path} ?cx }} }} "
                        f"GROUP BY ?g ?f }} FILTER(COALESCE(?n, 0) < {n})", "MinCountConstraintComponent", False)
            elif pred == _SH.maxCount:
                if path is None:
                    raise Unsupported("sh:maxCount on a node shape")
                add(f"{{ SELECT ?g ?f (COUNT(DISTINCT ?cx) AS ?n) WHERE {{ GRAPH ?g {{ ?f {path} ?cx }} }} "
                    f"GROUP BY ?g ?f }} FILTER(?n > {int(obj)})", "MaxCountConstraintComponent", False)
            elif pred == _SH.hasValue:
                if path is None:
                    add(f"FILTER(!sameTerm(?f, {self._constant(obj)}))", "HasValueConstraintComponent", True)
                else:
                    add(f"FILTER NOT EXISTS {{ GRAPH ?g {{ ?f {path} ?cx }} FILTER(sameTerm(?cx, "
                        f"{self._constant(obj)})) }}", "HasValueConstraintComponent", False)
            else:
                expr, component = self._value_expr(shape, pred, obj, "?v")
                add(f"{values} FILTER(!COALESCE({expr}, false))", component, True)
        return out

    def _value_expr(self, shape: Node, pred: Node, obj: Node, var: str) -> tuple[str, str]:
        """A SPARQL expression true when the node *var* meets the constraint (pred obj) of *shape*, and
        the constraint component."""
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
        if isinstance(node, Literal):
            if node.language:
                return f"{_lit(str(node))}@{node.language}"
            if node.datatype is None or node.datatype == XSD.string:
                return _lit(str(node))
            ok = _datatype_ok(str(node), str(node.datatype))
            return f"{_lit(str(node))}^^<{_DT}{1 if ok else 0}:{node.datatype}>"
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
