"""Validation results as values, as RDF for the quality graph (DESIGN.md §3), as summaries and as text,
JSON or Turtle for people and tools.

Conformance rule (pySHACL's ``--allow-warnings --allow-infos`` convention, made explicit): a record
*conforms* when none of its results has severity ``Violation``; Warnings and Infos are reported but do
not make a record non-conforming. :func:`exit_code` follows it: 0 every record conforms, 1 some record
does not; 2 (:data:`EXIT_FAILURE`) is for the caller when validation itself failed.

Terms in a :class:`Result` are plain strings: ``focus`` is an IRI (or ``_:label`` for a blank node of the
record, with the label it has in the record's N-Triples), ``path`` an IRI for a predicate path or SPARQL
property-path syntax with ``<IRI>``s for a complex path (``^<…>``, ``<…>/<…>``, ``(<…>|<…>)``, ``<…>*``),
``component``/``source_shape`` IRIs, ``severity`` ``Violation``/``Warning``/``Info``, ``value`` an
N-Triples term (it may be a literal).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Mapping, Sequence

import rdflib

from pangraph.rdf import DCT, DQV, OWL, PANGRAPH, PREFIXES, PROV, RDF, SH, XSD, Term, iri, literal, ntriples
from pangraph.records import Note
from pangraph.validate.profiles import PROFILE_IRI_BASE, profile_iri

SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")
EXIT_CONFORMS = 0
EXIT_NOT_CONFORMING = 1
EXIT_FAILURE = 2

#: ``sh:sourceConstraintComponent`` of the results made from crosswalk notes.
CROSSWALK_NOTE = PANGRAPH.raw("CrosswalkNote")
#: the source field (DataCite path …) a crosswalk note is about.
SOURCE_FIELD = PANGRAPH.raw("sourceField")
#: ``dqv:Metric``s of the measurements attached to every validated record graph.
METRICS: dict[str, str] = {
    "Violation": PANGRAPH.raw("violationCount"),
    "Warning": PANGRAPH.raw("warningCount"),
    "Info": PANGRAPH.raw("infoCount"),
}

_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Result:
    """One validation result (see the module docstring for how terms are written)."""

    focus: str
    path: str | None
    component: str
    severity: str
    message: str
    value: str | None = None
    source_shape: str | None = None

    def sort_key(self) -> tuple:
        return (_RANK.get(self.severity, len(_RANK)), self.severity, self.focus, self.path or "",
                self.component, self.source_shape or "", self.value or "", self.message)

    def as_dict(self) -> dict[str, str | None]:
        return {"focus": self.focus, "path": self.path, "component": self.component, "severity": self.severity,
                "message": self.message, "value": self.value, "source_shape": self.source_shape}


@dataclass
class Report:
    """The validation report of one record graph: does it conform, the results in a stable order, and
    the profiles (name → version) it was checked against."""

    conforms: bool
    results: list[Result]
    profiles: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, results: Iterable[Result], *, profiles: Mapping[str, str]) -> "Report":
        """The report holding *results* (sorted, duplicates dropped), conforming when none is a Violation."""
        rs = sorted(set(results), key=Result.sort_key)
        return cls(conforms=not any(r.severity == "Violation" for r in rs), results=rs, profiles=dict(profiles))

    def counts(self) -> dict[str, int]:
        """Number of results per severity (every severity present, zero when none)."""
        out = {s: 0 for s in SEVERITIES}
        for r in self.results:
            out[r.severity] = out.get(r.severity, 0) + 1
        return out

    def as_dict(self) -> dict:
        return {"conforms": self.conforms, "profiles": dict(self.profiles), "counts": self.counts(),
                "results": [r.as_dict() for r in self.results]}


# --- the quality graph ---------------------------------------------------------------------------------

def quality_ntriples(
    graph: str,
    report: Report,
    *,
    profile_versions: Mapping[str, str] | None = None,
    notes: Sequence[Note] = (),
    subject: str | None = None,
    generated_at: datetime | str | None = None,
) -> str:
    """N-Triples for the quality graph describing how the record graph *graph* fared.

    Emits ``<graph#validation>`` (``sh:ValidationReport``: ``sh:conforms``, ``sh:result``s
    ``<graph#result-N>``, ``dct:conformsTo`` a per-record profile node ``<graph#profile-NAME>`` that names
    the profile IRI and its ``owl:versionInfo``), complex result paths as ``<graph#path-N>`` (never blank
    nodes), crosswalk *notes* as results with component ``pangraph:CrosswalkNote`` and focus *subject*
    (default: the record graph itself), and ``dqv:QualityMeasurement``s ``<graph#measure-violations|
    warnings|infos>``. Every subject carries ``dqv:computedOn <graph>`` so that a re-validation can
    replace them all. *profile_versions* defaults to ``report.profiles``; *generated_at* (no clock here)
    adds ``prov:generatedAtTime``. ``sh:conforms`` is false when a SHACL result or a note is a Violation.
    """
    g = iri(graph)
    versions = dict(report.profiles if profile_versions is None else profile_versions)
    when = _datetime_literal(generated_at)
    out: list[tuple[Term, Term, Term]] = []
    rep = iri(graph + "#validation")
    counts = report.counts()
    for n in notes:
        counts[n.severity] = counts.get(n.severity, 0) + 1
    conforms = counts.get("Violation", 0) == 0

    out += [(rep, RDF.type, SH.ValidationReport), (rep, SH.conforms, literal("true" if conforms else "false",
                                                                           datatype=XSD.raw("boolean")))]
    if when:
        out.append((rep, PROV.generatedAtTime, when))
    for name in sorted(versions):
        pnode = iri(f"{graph}#profile-{name}")
        out += [(rep, DCT.conformsTo, pnode), (pnode, RDF.type, DCT.Standard),
                (pnode, DCT.isVersionOf, iri(profile_iri(name))),
                (pnode, OWL.versionInfo, literal(versions[name])), (pnode, DQV.computedOn, g)]
    out.append((rep, DQV.computedOn, g))

    paths = _PathWriter(graph)
    number = 0
    for r in report.results:
        number += 1
        node = iri(f"{graph}#result-{number}")
        out += [(rep, SH.result, node), (node, RDF.type, SH.ValidationResult),
                (node, SH.focusNode, _node_term(graph, r.focus)),
                (node, SH.sourceConstraintComponent, iri(r.component)),
                (node, SH.resultSeverity, _severity_term(r.severity)),
                (node, SH.resultMessage, literal(r.message)), (node, DQV.computedOn, g)]
        if r.path:
            out += [(node, SH.resultPath, paths.write(r.path, out))]
        if r.value is not None:
            out.append((node, SH.value, _value_term(graph, r.value)))
        if r.source_shape:
            out.append((node, SH.sourceShape, _node_term(graph, r.source_shape)))
    for n in notes:
        number += 1
        node = iri(f"{graph}#result-{number}")
        out += [(rep, SH.result, node), (node, RDF.type, SH.ValidationResult),
                (node, SH.focusNode, iri(subject or graph)),
                (node, SH.sourceConstraintComponent, iri(CROSSWALK_NOTE)),
                (node, SH.resultSeverity, _severity_term(n.severity)),
                (node, SH.resultMessage, literal(n.reason)), (node, iri(SOURCE_FIELD), literal(n.field)),
                (node, DQV.computedOn, g)]
        if n.value is not None:
            out.append((node, SH.value, literal(n.value)))

    for severity in SEVERITIES:
        m = iri(f"{graph}#measure-{severity.lower()}s")
        out += [(m, RDF.type, DQV.QualityMeasurement), (m, DQV.isMeasurementOf, iri(METRICS[severity])),
                (m, DQV.value, literal(counts.get(severity, 0), datatype=XSD.raw("integer"))),
                (m, PROV.wasDerivedFrom, rep), (m, DQV.computedOn, g)]
        if when:
            out.append((m, PROV.generatedAtTime, when))
    return ntriples(out)


def _datetime_literal(value: datetime | str | None) -> Term | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"generated_at {value!r} is not an ISO 8601 date-time") from exc
    return literal(text, datatype=XSD.raw("dateTime"))


def _severity_term(severity: str) -> Term:
    return SH[severity] if severity in _RANK else iri(severity)


def _node_term(graph: str, node: str) -> Term:
    """The term for a node of the record: blank nodes cannot be referenced from another graph, so
    ``_:x`` of the record becomes the stand-in ``<graph#bnode-x>``; a literal focus node (given in its
    N-Triples form, ``"text"``, ``"5"^^<…>``) stays that literal."""
    if node.startswith("_:"):
        return iri(f"{graph}#bnode-{node[2:]}")
    if node.startswith('"'):
        return node
    return iri(node)


def _value_term(graph: str, value: str) -> Term:
    if value.startswith("_:"):
        return _node_term(graph, value)
    return value


class _PathWriter:
    """Writes SHACL paths as triples, complex nodes named ``<graph#path-N>`` (never blank nodes)."""

    def __init__(self, graph: str) -> None:
        self.graph = graph
        self.count = 0

    def write(self, path: str, out: list[tuple[Term, Term, Term]]) -> Term:
        return self._emit(parse_path(path), out)

    def _new(self, out: list[tuple[Term, Term, Term]]) -> Term:
        self.count += 1
        node = iri(f"{self.graph}#path-{self.count}")
        out.append((node, DQV.computedOn, iri(self.graph)))
        return node

    def _emit(self, expr: tuple, out: list[tuple[Term, Term, Term]]) -> Term:
        kind = expr[0]
        if kind == "iri":
            return iri(expr[1])
        if kind in ("seq", "alt"):
            items = [self._emit(e, out) for e in expr[1]]
            head = self._list(items, out)
            if kind == "seq":
                return head
            node = self._new(out)
            out.append((node, SH.alternativePath, head))
            return node
        inner = self._emit(expr[1], out)
        node = self._new(out)
        pred = {"inv": SH.inversePath, "*": SH.zeroOrMorePath, "+": SH.oneOrMorePath, "?": SH.zeroOrOnePath}[kind]
        out.append((node, pred, inner))
        return node

    def _list(self, items: list[Term], out: list[tuple[Term, Term, Term]]) -> Term:
        cells = [self._new(out) for _ in items]
        for i, (cell, item) in enumerate(zip(cells, items)):
            out += [(cell, RDF.first, item), (cell, RDF.rest, cells[i + 1] if i + 1 < len(cells) else RDF.nil)]
        return cells[0]


def parse_path(text: str) -> tuple:
    """The structure of a path string (an IRI, or SPARQL property-path syntax over ``<IRI>``s):
    ``("iri", s)``, ``("inv", p)``, ``("seq", [p…])``, ``("alt", [p…])``, ``("*"|"+"|"?", p)``."""
    text = text.strip()
    if not text.startswith(("<", "^", "(")):
        return ("iri", text)
    pos, expr = _parse_alt(text, 0)
    if pos != len(text):
        raise ValueError(f"cannot read path {text!r} at position {pos}")
    return expr


def format_path(expr: tuple) -> str:
    """The path string of a structure as :func:`parse_path` returns it (a predicate path: its plain IRI)."""
    if expr[0] == "iri":
        return expr[1]
    return _format(expr)


def _format(expr: tuple) -> str:
    kind = expr[0]
    if kind == "iri":
        return f"<{expr[1]}>"
    if kind in ("*", "+", "?"):
        inner = expr[1]
        return (_format(inner) if inner[0] in ("iri", "alt") else f"({_format(inner)})") + kind
    if kind == "inv":
        inner = expr[1]
        text = _format(inner)
        return "^" + (text if inner[0] in ("iri", "alt", "*", "+", "?") else f"({text})")
    if kind == "seq":
        return "/".join(f"({_format(e)})" if e[0] == "seq" else _format(e) for e in expr[1])
    if kind == "alt":
        return "(" + "|".join(_format(e) for e in expr[1]) + ")"
    raise ValueError(f"not a path structure: {expr!r}")


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _parse_alt(text: str, pos: int) -> tuple[int, tuple]:
    pos, first = _parse_seq(text, pos)
    items = [first]
    while (pos := _skip(text, pos)) < len(text) and text[pos] == "|":
        pos, nxt = _parse_seq(text, pos + 1)
        items.append(nxt)
    return pos, (items[0] if len(items) == 1 else ("alt", items))


def _parse_seq(text: str, pos: int) -> tuple[int, tuple]:
    pos, first = _parse_unary(text, pos)
    items = [first]
    while (pos := _skip(text, pos)) < len(text) and text[pos] == "/":
        pos, nxt = _parse_unary(text, pos + 1)
        items.append(nxt)
    return pos, (items[0] if len(items) == 1 else ("seq", items))


def _parse_unary(text: str, pos: int) -> tuple[int, tuple]:
    pos = _skip(text, pos)
    if pos < len(text) and text[pos] == "^":
        pos, inner = _parse_unary(text, pos + 1)
        return pos, ("inv", inner)
    if pos < len(text) and text[pos] == "(":
        pos, expr = _parse_alt(text, pos + 1)
        pos = _skip(text, pos)
        if pos >= len(text) or text[pos] != ")":
            raise ValueError(f"cannot read path {text!r}: missing ')' at position {pos}")
        pos += 1
    elif pos < len(text) and text[pos] == "<":
        end = text.find(">", pos)
        if end < 0:
            raise ValueError(f"cannot read path {text!r}: unterminated IRI at position {pos}")
        expr = ("iri", text[pos + 1:end])
        pos = end + 1
    else:
        raise ValueError(f"cannot read path {text!r} at position {pos}")
    if pos < len(text) and text[pos] in "*+?":
        return pos + 1, (text[pos], expr)
    return pos, expr


# --- summaries -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MessageCount:
    """How often one rule failed: the shape, its severity and message, results and records affected."""

    severity: str
    message: str
    source_shape: str | None
    component: str
    results: int
    records: int

    def as_dict(self) -> dict:
        return {"severity": self.severity, "message": self.message, "source_shape": self.source_shape,
                "component": self.component, "results": self.results, "records": self.records}


@dataclass(frozen=True)
class Summary:
    """A validation run at a glance: records checked and conforming, results per severity, and the
    failing rules ordered by what to fix first (severity, then records affected, then results)."""

    records: int
    conforming: int
    results: dict[str, int]
    records_with: dict[str, int]
    top: tuple[MessageCount, ...]
    profiles: dict[str, str]

    @property
    def conforms(self) -> bool:
        return self.conforming == self.records

    def as_dict(self) -> dict:
        return {"records": self.records, "conforming": self.conforming, "conforms": self.conforms,
                "results": dict(self.results), "records_with": dict(self.records_with),
                "profiles": dict(self.profiles), "top": [m.as_dict() for m in self.top]}


def summarise(reports: Mapping[str, Report], *, top: int | None = 10) -> Summary:
    """The :class:`Summary` of *reports* (record graph → report); *top* limits the rules listed (None: all)."""
    results = {s: 0 for s in SEVERITIES}
    records_with = {s: 0 for s in SEVERITIES}
    profiles: dict[str, str] = {}
    groups: dict[tuple[str, str, str | None, str], list] = {}
    conforming = 0
    for graph, rep in reports.items():
        conforming += rep.conforms
        profiles.update(rep.profiles)
        for sev, n in rep.counts().items():
            results[sev] = results.get(sev, 0) + n
            records_with[sev] = records_with.get(sev, 0) + (n > 0)
        for r in rep.results:
            entry = groups.setdefault((r.severity, r.message, r.source_shape, r.component), [0, set()])
            entry[0] += 1
            entry[1].add(graph)
    counted = [MessageCount(sev, msg, shape, comp, n, len(gs)) for (sev, msg, shape, comp), (n, gs) in groups.items()]
    counted.sort(key=lambda m: (_RANK.get(m.severity, len(_RANK)), -m.records, -m.results, m.message,
                                m.source_shape or "", m.component))
    return Summary(records=len(reports), conforming=conforming, results=results, records_with=records_with,
                   top=tuple(counted if top is None else counted[:top]), profiles=profiles)


def exit_code(summary: Summary) -> int:
    """0 when every record conforms (Warnings and Infos alone still conform), 1 otherwise."""
    return EXIT_CONFORMS if summary.conforms else EXIT_NOT_CONFORMING


# --- rendering -----------------------------------------------------------------------------------------

FORMATS: tuple[str, ...] = ("text", "json", "turtle", "html")
#: records whose results a standalone HTML report lists (the summary always covers all)
HTML_MAX_RECORDS = 1000


def render(subject: Summary | Mapping[str, Report], *, format: str = "text", top: int | None = 10,
           generated_at: datetime | str | None = None, title: str = "Validation report",
           note: str | None = None, scores: Mapping[str, float] | None = None,
           links: Mapping[str, str] | None = None, max_records: int = HTML_MAX_RECORDS) -> str:
    """*subject* (a summary, or reports by record graph) as ``text`` (for people), ``json``, ``turtle`` or
    ``html``.

    Reports render their summary followed by every record's results; ``turtle`` needs reports (it is the
    quality graph the store would hold, see :func:`quality_ntriples`) and raises ValueError for a summary.
    ``html`` is one standalone page (styles inline, no external asset): *title*, an optional *note*
    (where the results come from), the summary, what to fix first, then per record (those that do not
    conform first; at most *max_records*) its results with the failing value and the shape's message;
    *scores* (record graph → total quality score) and *links* (record graph → URL of its quality page)
    are shown when given.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r} (one of {', '.join(FORMATS)})")
    reports = None if isinstance(subject, Summary) else subject
    summary = subject if isinstance(subject, Summary) else summarise(subject, top=top)
    if format == "html":
        return _html(summary, reports, title=title, note=note, scores=scores or {}, links=links or {},
                     max_records=max_records, generated_at=generated_at)
    if format == "json":
        data = summary.as_dict()
        if reports is not None:
            data["reports"] = {g: reports[g].as_dict() for g in sorted(reports)}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if format == "turtle":
        if reports is None:
            raise ValueError("turtle rendering needs the reports, not only their summary")
        return _turtle(reports, generated_at=generated_at)
    return _text(summary, reports)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _compact(value: str) -> str:
    """A short name for people: ``dct:title`` for known namespaces, ``pan-dataset:Dataset-title`` for shapes."""
    if value.startswith(PROFILE_IRI_BASE) and "#" in value:
        name, local = value[len(PROFILE_IRI_BASE):].split("#", 1)
        return f"{name}:{local}"
    for prefix, ns in PREFIXES.items():
        if value.startswith(ns) and value[len(ns):].replace("-", "_").replace(".", "_").isidentifier():
            return f"{prefix}:{value[len(ns):]}"
    return value


def _compact_path(path: str) -> str:
    if not path.startswith(("<", "^", "(")):
        return _compact(path)
    return re.sub(r"<([^>]*)>", lambda m: _compact(m.group(1)) if _compact(m.group(1)) != m.group(1)
                  else m.group(0), path)


def _text(summary: Summary, reports: Mapping[str, Report] | None) -> str:
    lines = []
    if summary.profiles:
        lines.append("Profiles: " + ", ".join(f"{n} {v}" for n, v in sorted(summary.profiles.items())))
    lines.append(f"Records checked: {summary.records}; conforming: {summary.conforming}; "
                 f"not conforming: {summary.records - summary.conforming}")
    lines.append("Results: " + ", ".join(_plural(summary.results.get(s, 0), s.lower()) for s in SEVERITIES))
    if summary.top:
        lines.append("")
        lines.append("What to fix first:")
        for m in summary.top:
            lines.append(f"  {m.severity:<9} {_plural(m.records, 'record'):>12}  {m.message}"
                         + (f"  [{_compact(m.source_shape)}]" if m.source_shape else ""))
    if reports is not None:
        for graph in sorted(reports):
            rep = reports[graph]
            if not rep.results:
                continue
            lines.append("")
            lines.append(f"{graph}: {'conforms' if rep.conforms else 'does not conform'}")
            for r in rep.results:
                where = r.focus + (f"  {_compact_path(r.path)}" if r.path else "")
                value = f"  (value {r.value})" if r.value is not None and r.value != f"<{r.focus}>" else ""
                lines.append(f"  {r.severity:<9} {where}: {r.message}{value}")
    return "\n".join(lines) + "\n"


def _turtle(reports: Mapping[str, Report], *, generated_at: datetime | str | None) -> str:
    g = rdflib.Graph()  # rdflib's Turtle writer is off the hot path here (one CLI rendering)
    for name, ns in PREFIXES.items():
        g.bind(name, ns)
    for graph in sorted(reports):
        g.parse(data=quality_ntriples(graph, reports[graph], generated_at=generated_at), format="nt")
    return g.serialize(format="turtle")


# --- standalone HTML ------------------------------------------------------------------------------------------

_HTML_STYLE = """
:root { --fg: #1b1f24; --muted: #57606a; --bg: #fff; --panel: #f6f8fa; --line: #d0d7de; --accent: #0b5cad;
        --bad: #a40e26; --warn: #7d4e00; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
        line-height: 1.5; color: var(--fg); background: var(--bg); }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9da7b1; --bg: #0d1117; --panel: #161b22;
        --line: #30363d; --accent: #6cb6ff; --bad: #ff7b72; --warn: #e3b341; } }
body { margin: 0 auto; max-width: 72rem; padding: 1rem 1.2rem; }
h1 { font-size: 1.6rem; overflow-wrap: anywhere; } h2 { font-size: 1.25rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; overflow-wrap: anywhere; margin-bottom: .2rem; }
a { color: var(--accent); } code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .9em; }
dl.facts { display: flex; flex-wrap: wrap; gap: .6rem; } dl.facts div { background: var(--panel);
        border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; min-width: 8rem; }
dl.facts dt { color: var(--muted); font-size: .85rem; } dl.facts dd { margin: 0; font-size: 1.3rem; font-weight: 600; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line);
        overflow-wrap: anywhere; } thead th { background: var(--panel); } td.num { text-align: right; }
.sev-violation { color: var(--bad); font-weight: 600; } .sev-warning { color: var(--warn); } .muted { color: var(--muted); }
"""


def _esc(value: object) -> str:
    import html

    return html.escape(str(value), quote=True)


_NT_UNESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_NT_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape_char(m: re.Match[str]) -> str:
    code = m.group(1)
    if code[0] in "uU" and len(code) > 1:
        return chr(int(code[1:], 16))
    return _NT_SIMPLE.get(code, code)


def _value_html(value: str | None, focus: str) -> str:
    if value is None or value == f"<{focus}>":
        return ""
    if value.startswith("<") and value.endswith(">"):
        return f"<code>{_esc(value[1:-1])}</code>"
    m = re.match(r'^"(.*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?$', value, re.S)
    if m:
        text = _NT_UNESCAPE.sub(_unescape_char, m.group(1))
        tag = f" <span class=\"muted\">@{_esc(m.group(2))}</span>" if m.group(2) else (
            f" <span class=\"muted\">{_esc(_compact(m.group(3)))}</span>" if m.group(3) else "")
        return f"<code>{_esc(text)}</code>{tag}"
    return f"<code>{_esc(value)}</code>"


def _html(summary: Summary, reports: Mapping[str, Report] | None, *, title: str, note: str | None,
          scores: Mapping[str, float], links: Mapping[str, str], max_records: int,
          generated_at: datetime | str | None) -> str:
    out = ['<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_esc(title)}</title>", f"<style>{_HTML_STYLE}</style>", "</head>", "<body>", "<main>",
           f"<h1>{_esc(title)}</h1>"]
    verdict = ("<strong>Conforms</strong>: no record has a Violation." if summary.conforms else
               f"<strong>Does not conform</strong>: {summary.records - summary.conforming} of {summary.records} "
               "record(s) have at least one Violation.")
    out.append(f'<p class="verdict" id="verdict">{verdict}</p>')
    if note:
        out.append(f'<p class="muted">{_esc(note)}</p>')
    if generated_at is not None:
        when = generated_at.isoformat() if isinstance(generated_at, datetime) else str(generated_at)
        out.append(f'<p class="muted">Generated {_esc(when)}.</p>')
    out.append('<dl class="facts">')
    facts = [("Records", "records", summary.records), ("Conforming", "conforming", summary.conforming),
             ("Not conforming", "not-conforming", summary.records - summary.conforming)]
    facts += [(f"{s}s", f"sev-{s.lower()}", summary.results.get(s, 0)) for s in SEVERITIES]
    for label, ident, n in facts:
        out.append(f'<div><dt>{_esc(label)}</dt><dd id="{ident}">{n}</dd></div>')
    out.append("</dl>")
    if summary.profiles:
        out.append("<p>Profiles: " + ", ".join(f"<code>{_esc(n)} {_esc(v)}</code>"
                                               for n, v in sorted(summary.profiles.items())) + "</p>")
    if summary.top:
        out += ['<h2 id="fix-first">What to fix first</h2>', '<div class="scroll"><table>',
                '<thead><tr><th scope="col">Severity</th><th scope="col">Records</th><th scope="col">Results</th>'
                '<th scope="col">Message</th><th scope="col">Shape</th></tr></thead><tbody>']
        for m in summary.top:
            out.append(f'<tr><td class="sev-{m.severity.lower()}">{_esc(m.severity)}</td>'
                       f'<td class="num">{m.records}</td><td class="num">{m.results}</td><td>{_esc(m.message)}</td>'
                       f'<td><code>{_esc(_compact(m.source_shape)) if m.source_shape else ""}</code></td></tr>')
        out.append("</tbody></table></div>")
    if reports is not None:
        failing = [g for g in sorted(reports, key=lambda g: (reports[g].conforms, g)) if reports[g].results]
        out.append(f'<h2 id="records">Records with results ({len(failing)})</h2>')
        if not failing:
            out.append("<p>No record has a validation result.</p>")
        for graph in failing[:max_records]:
            rep = reports[graph]
            link = links.get(graph)
            name = f'<a href="{_esc(link)}">{_esc(graph)}</a>' if link else _esc(graph)
            score = f" · score {scores[graph]:.1f}" if graph in scores else ""
            out.append(f'<section class="record"><h3>{name}</h3><p class="muted">'
                       f'{"conforms" if rep.conforms else "does not conform"}{score} · '
                       + ", ".join(_plural(n, s.lower()) for s, n in rep.counts().items()) + "</p>")
            out.append('<div class="scroll"><table><thead><tr><th scope="col">Severity</th><th scope="col">Focus</th>'
                       '<th scope="col">Path</th><th scope="col">Message</th><th scope="col">Value</th>'
                       '<th scope="col">Shape</th></tr></thead><tbody>')
            for r in rep.results:
                out.append(f'<tr><td class="sev-{r.severity.lower()}">{_esc(r.severity)}</td>'
                           f"<td><code>{_esc(r.focus)}</code></td>"
                           f"<td>{'<code>' + _esc(_compact_path(r.path)) + '</code>' if r.path else ''}</td>"
                           f"<td>{_esc(r.message)}</td><td>{_value_html(r.value, r.focus)}</td>"
                           f"<td><code>{_esc(_compact(r.source_shape)) if r.source_shape else ''}</code></td></tr>")
            out.append("</tbody></table></div></section>")
        if len(failing) > max_records:
            out.append(f'<p class="muted">{len(failing) - max_records} more record(s) with results are not listed; '
                       "narrow the report to one source, or use the JSON format.</p>")
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"
