"""Quality scores of records and sources along documented dimensions (findability, accessibility,
interoperability, reusability, contextuality), in the spirit of the EU data portal's Metadata Quality
Assessment.

The dimensions, their indicators (which properties earn points, which SHACL shapes cancel them) and the
weights are data: ``shapes/quality-dimensions.toml`` (its header comment is the documentation of the
method). This module

- scores one record from its validation :class:`~pangraph.validate.Report` and its N-Triples
  (:func:`score_record`), 0–100 per dimension and in total;
- writes the scores as ``dqv:QualityMeasurement``s for the quality graph (:func:`score_ntriples`), one per
  dimension plus the total, each ``dqv:computedOn`` the record graph (so a re-validation replaces them with
  the rest of the record's quality statements) and ``dqv:isMeasurementOf pangraph:{dimension}Score``;
- reads them back per source with SPARQL (:func:`source_scores`): mean and distribution per dimension,
  and the "fix these first" list, the constraint failures ranked by records affected × score they cost
  (:func:`rank_failures`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from pangraph.errors import ConfigError
from pangraph.rdf import DCT, DQV, PANGRAPH, PREFIXES, PROV, RDF, SH, Term, iri, literal, ntriples
from pangraph.resources import project_dir
from pangraph.validate.profiles import PROFILE_IRI_BASE
from pangraph.validate.report import SEVERITIES, Report

DIMENSIONS_FILE = "quality-dimensions.toml"
#: the metric of the total score
TOTAL_METRIC = PANGRAPH.raw("totalScore")
#: buckets of the score distributions: [0, 10), [10, 20) … [90, 100]
BUCKETS = 10

_XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
_XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
_RDF_TYPE = RDF.raw("type")
_NT_LINE = re.compile(r"^(<[^>]*>|_:\S+)\s+<([^>]*)>\s+(.*?)\s*\.\s*$")
_SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}


# --- the method ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Indicator:
    """One scored fact: any of ``properties`` stated, no failure of ``shapes`` (or on those properties)."""

    name: str
    properties: frozenset[str]
    shapes: frozenset[str]
    weight: float
    types: frozenset[str] = frozenset()

    def applies(self, types: set[str]) -> bool:
        """Whether the indicator counts for a record whose nodes have the rdf:types *types*."""
        return not self.types or not self.types.isdisjoint(types)

    def cancelled_by(self, shape: str | None, path: str | None) -> bool:
        """Whether a result of *shape* at *path* cancels this indicator."""
        return (shape is not None and shape in self.shapes) or (path is not None and path in self.properties)


@dataclass(frozen=True)
class Dimension:
    """A quality dimension: its name (``findability``), title, description and indicators."""

    name: str
    title: str
    description: str
    indicators: tuple[Indicator, ...]

    @property
    def metric(self) -> str:
        """The ``dqv:Metric`` of this dimension's score: ``pangraph:{name}Score``."""
        return PANGRAPH.raw(f"{self.name}Score")


@dataclass(frozen=True)
class Dimensions:
    """The scoring method of ``shapes/quality-dimensions.toml``: its version and dimensions, in file order."""

    version: str
    dimensions: tuple[Dimension, ...]

    @property
    def total_weight(self) -> float:
        return sum(i.weight for d in self.dimensions for i in d.indicators)

    def metrics(self) -> dict[str, str]:
        """Metric IRI → dimension name (``total`` for the total score)."""
        out = {d.metric: d.name for d in self.dimensions}
        out[TOTAL_METRIC] = "total"
        return out

    def cost(self, shape: str | None, path: str | None) -> float:
        """The total-score points (0–100) a failure of *shape* at *path* costs at least: the weight of the
        indicators it cancels, as a share of the weight of all indicators."""
        total = self.total_weight
        lost = sum(i.weight for d in self.dimensions for i in d.indicators if i.cancelled_by(shape, path))
        return 100.0 * lost / total if total else 0.0


def _expand(term: str, where: str) -> str:
    if "://" in term:
        return term
    prefix, _, local = term.partition(":")
    if prefix not in PREFIXES or not local:
        raise ConfigError(f"{where}: {term!r} is neither a full IRI nor a CURIE with a known prefix "
                          f"({', '.join(sorted(PREFIXES))})", field=where)
    return PREFIXES[prefix] + local


def _shape(name: str, where: str) -> str:
    if "://" in name:
        return name
    profile, sep, local = name.partition("#")
    if not sep or not profile or not local:
        raise ConfigError(f"{where}: shape {name!r} is not written profile#local-name", field=where)
    return f"{PROFILE_IRI_BASE}{profile}#{local}"


def load_dimensions(path: Path | str | None = None) -> Dimensions:
    """The scoring method from *path* (default: ``shapes/quality-dimensions.toml``), checked: every
    indicator has a name, properties and a positive weight; raises :class:`ConfigError` naming the place."""
    p = Path(path) if path is not None else project_dir("shapes") / DIMENSIONS_FILE
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the quality dimensions {p}: {exc}", field=str(p)) from exc
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise ConfigError(f"{p}: missing 'version'", field=str(p))
    dims = []
    for name, d in (data.get("dimensions") or {}).items():
        where = f"{p}: dimensions.{name}"
        if not isinstance(d, dict) or not d.get("indicators"):
            raise ConfigError(f"{where} has no indicators", field=where)
        indicators = []
        for n, ind in enumerate(d["indicators"]):
            at = f"{where}.indicators[{n}]"
            weight = ind.get("weight")
            if not isinstance(weight, (int, float)) or weight <= 0:
                raise ConfigError(f"{at}: 'weight' must be a positive number", field=at)
            if not ind.get("name") or not ind.get("properties"):
                raise ConfigError(f"{at}: 'name' and 'properties' are required", field=at)
            unknown = set(ind) - {"name", "properties", "shapes", "types", "weight"}
            if unknown:
                raise ConfigError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}", field=at)
            indicators.append(Indicator(
                name=str(ind["name"]),
                properties=frozenset(_expand(t, at) for t in ind["properties"]),
                shapes=frozenset(_shape(s, at) for s in ind.get("shapes", ())),
                weight=float(weight),
                types=frozenset(_expand(t, at) for t in ind.get("types", ())),
            ))
        dims.append(Dimension(name=name, title=str(d.get("title", name)), description=str(d.get("description", "")),
                              indicators=tuple(indicators)))
    if not dims:
        raise ConfigError(f"{p}: no dimensions", field=str(p))
    return Dimensions(version=version, dimensions=tuple(dims))


_DEFAULT: Dimensions | None = None


def default_dimensions() -> Dimensions:
    """The project's scoring method (``shapes/quality-dimensions.toml``), loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_dimensions()
    return _DEFAULT


# --- one record ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecordScore:
    """The scores of one record: 0–100 per dimension and in total, and the indicators it earned/missed."""

    dimensions: dict[str, float]
    total: float
    earned: dict[str, list[str]] = field(default_factory=dict)
    missed: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "dimensions": dict(self.dimensions), "earned": self.earned,
                "missed": self.missed}


def _facts(triples_nt: str) -> tuple[set[str], set[str]]:
    """The predicates and the rdf:type objects (IRIs) of an N-Triples text."""
    preds: set[str] = set()
    types: set[str] = set()
    for line in triples_nt.splitlines():
        parts = line.split(" ", 2)  # the canonical form pangraph writes: "<s> <p> o ."
        if len(parts) == 3 and parts[2].endswith(" .") and parts[1][:1] == "<" and parts[1][-1:] == ">":
            pred, obj = parts[1][1:-1], parts[2][:-2].rstrip()
        else:
            m = _NT_LINE.match(line)
            if not m:
                continue
            pred, obj = m.group(2), m.group(3)
        preds.add(pred)
        if pred == _RDF_TYPE and obj.startswith("<"):
            types.add(obj[1:-1])
    return preds, types


def score_record(report: Report, triples_nt: str, *, dimensions: Dimensions | None = None) -> RecordScore:
    """Score one record from its validation *report* and its N-Triples *triples_nt* (the method:
    ``shapes/quality-dimensions.toml``). Scores are rounded to one decimal."""
    dims = dimensions or default_dimensions()
    preds, types = _facts(triples_nt)
    failures = [(r.source_shape, r.path) for r in report.results]
    scores: dict[str, float] = {}
    earned: dict[str, list[str]] = {}
    missed: dict[str, list[str]] = {}
    all_earned = all_applicable = 0.0
    for d in dims.dimensions:
        got = applicable = 0.0
        earned[d.name], missed[d.name] = [], []
        for ind in d.indicators:
            if not ind.applies(types):
                continue
            applicable += ind.weight
            ok = not ind.properties.isdisjoint(preds) and not any(ind.cancelled_by(s, p) for s, p in failures)
            if ok:
                got += ind.weight
            (earned if ok else missed)[d.name].append(ind.name)
        scores[d.name] = round(100.0 * got / applicable, 1) if applicable else 100.0
        all_earned += got
        all_applicable += applicable
    total = round(100.0 * all_earned / all_applicable, 1) if all_applicable else 100.0
    return RecordScore(dimensions=scores, total=total, earned=earned, missed=missed)


def score_ntriples(graph: str, report: Report, triples_nt: str, *, dimensions: Dimensions | None = None,
                   generated_at: datetime | str | None = None, score: RecordScore | None = None) -> str:
    """N-Triples for the quality graph: the record graph *graph*'s scores as ``dqv:QualityMeasurement``s
    ``<graph#score-{dimension}>`` and ``<graph#score-total>`` (``dqv:isMeasurementOf
    pangraph:{dimension}Score`` / ``pangraph:totalScore``, ``dqv:value`` an ``xsd:decimal`` 0–100,
    ``dqv:computedOn <graph>``, ``prov:wasDerivedFrom <graph#validation>``, the method's version as
    ``pangraph:scoringVersion``). Appended to :func:`pangraph.validate.quality_ntriples`' text. *score*:
    :func:`score_record`'s result when the caller has it already."""
    dims = dimensions or default_dimensions()
    if score is None:
        score = score_record(report, triples_nt, dimensions=dims)
    g = iri(graph)
    rep = iri(graph + "#validation")
    when = None
    if generated_at is not None:
        text = generated_at.isoformat() if isinstance(generated_at, datetime) else str(generated_at)
        when = literal(text, datatype=_XSD_DATETIME)
    out: list[tuple[Term, Term, Term]] = []
    values = [(d.name, d.metric, score.dimensions[d.name]) for d in dims.dimensions]
    values.append(("total", TOTAL_METRIC, score.total))
    for name, metric, value in values:
        m = iri(f"{graph}#score-{name}")
        out += [(m, RDF.type, DQV.QualityMeasurement), (m, DQV.isMeasurementOf, iri(metric)),
                (m, DQV.value, literal(f"{value:.1f}", datatype=_XSD_DECIMAL)),
                (m, PROV.wasDerivedFrom, rep), (m, iri(PANGRAPH.raw("scoringVersion")), literal(dims.version)),
                (m, DQV.computedOn, g)]
        if when is not None:
            out.append((m, PROV.generatedAtTime, when))
    return ntriples(out)


# --- fix these first -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    """A constraint failing in some records: the shape, its severity, message and path, the records it
    affects, the total-score points it costs each of them (at least) and records × cost. Crosswalk notes
    have no shape: they are grouped by severity and ``field`` (the source field they are about), with one
    of their messages."""

    shape: str | None
    severity: str
    message: str
    path: str | None
    records: int
    cost: float
    impact: float
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"shape": self.shape, "severity": self.severity, "message": self.message, "path": self.path,
                "records": self.records, "cost": self.cost, "impact": self.impact, "field": self.field}


def rank_failures(counts: Iterable[tuple], *,
                  dimensions: Dimensions | None = None, top: int | None = None) -> list[Failure]:
    """The "fix these first" list: *counts* are (shape, severity, message, path, records affected), with an
    optional sixth item, the source field of a crosswalk note; ranked by records × the score points the
    failure costs (:meth:`Dimensions.cost`), then by severity and records. Failures that cost no score (no
    indicator names them) come last, by severity and records."""
    dims = dimensions or default_dimensions()
    items = []
    for shape, severity, message, path, records, *rest in counts:
        cost = round(dims.cost(shape, path), 2)
        items.append(Failure(shape, severity, message, path, records, cost, round(cost * records, 2),
                             rest[0] if rest else None))
    items.sort(key=lambda f: (-f.impact, _SEV_RANK.get(f.severity, len(_SEV_RANK)), -f.records, f.shape or "",
                              f.message))
    return items if top is None else items[:top]


def report_failures(reports: Mapping[str, Report]) -> list[tuple[str | None, str, str, str | None, int]]:
    """(shape, severity, message, path, records affected) of in-memory *reports*, for :func:`rank_failures`."""
    groups: dict[tuple[str | None, str], tuple[str, str | None, set[str]]] = {}
    for graph, rep in reports.items():
        for r in rep.results:
            msg, path, graphs = groups.setdefault((r.source_shape, r.severity), (r.message, r.path, set()))
            graphs.add(graph)
    return [(shape, sev, msg, path, len(gs)) for (shape, sev), (msg, path, gs) in groups.items()]


# --- stored scores of a source -------------------------------------------------------------------------

@dataclass
class SourceScores:
    """The stored scores of a source's records (or of all sources): per dimension (and ``total``) the mean
    and the distribution over :data:`BUCKETS` buckets of 10 points, and the "fix these first" list."""

    source: str | None
    records: int
    mean: dict[str, float]
    distribution: dict[str, list[int]]
    fix_first: list[Failure]
    version: str

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "records": self.records, "version": self.version, "mean": dict(self.mean),
                "distribution": {k: list(v) for k, v in self.distribution.items()},
                "fix_first": [f.as_dict() for f in self.fix_first]}


def _bucket(value: float) -> int:
    return min(BUCKETS - 1, max(0, int(value // (100 / BUCKETS))))


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def source_scores(node: Any, source: str | None = None, *, top: int | None = 15,
                  dimensions: Dimensions | None = None) -> SourceScores:
    """The stored scores of *source* (``None``: all sources), read from the quality graph with SPARQL.

    *node* needs ``store`` (``select``), ``quality_graph`` and ``provenance_graph`` (a
    :class:`pangraph.pipeline.Node` has them). Records without stored scores are not counted.
    """
    dims = dimensions or default_dimensions()
    metrics = dims.metrics()
    q, p = node.quality_graph, node.provenance_graph
    flt = f"FILTER(?src = {_literal(source)})" if source is not None else ""
    scope = f"GRAPH <{p}> {{ ?g <{DCT.raw('source')}> ?src {flt} }}"
    metric_list = ", ".join(f"<{m}>" for m in metrics)
    rows = node.store.select(
        f"SELECT ?g ?metric ?v WHERE {{ {scope} GRAPH <{q}> {{ ?m <{DQV.raw('computedOn')}> ?g ; "
        f"<{DQV.raw('isMeasurementOf')}> ?metric ; <{DQV.raw('value')}> ?v . FILTER(?metric IN ({metric_list})) }} }}")
    values: dict[str, list[float]] = {name: [] for name in metrics.values()}
    graphs: set[str] = set()
    for row in rows:
        name = metrics.get(row["metric"] or "")
        if name is None or row["v"] is None:
            continue
        try:
            values[name].append(float(row["v"]))
        except ValueError:
            continue
        graphs.add(row["g"] or "")
    mean = {k: round(sum(v) / len(v), 1) if v else 0.0 for k, v in values.items()}
    distribution = {k: [0] * BUCKETS for k in values}
    for k, vs in values.items():
        for v in vs:
            distribution[k][_bucket(v)] += 1

    counts = []
    # one entry per shape and severity; crosswalk notes (no shape) per severity and source field
    for row in node.store.select(
        f"SELECT ?shape ?sev ?field (SAMPLE(?msg) AS ?message) (SAMPLE(?path) AS ?p) (COUNT(DISTINCT ?g) AS ?n) "
        f"WHERE {{ {scope} GRAPH <{q}> {{ ?rep <{SH.raw('result')}> ?r ; <{DQV.raw('computedOn')}> ?g . "
        f"?r <{SH.raw('resultSeverity')}> ?sev . OPTIONAL {{ ?r <{SH.raw('sourceShape')}> ?shape }} "
        f"OPTIONAL {{ ?r <{SH.raw('resultMessage')}> ?msg }} OPTIONAL {{ ?r <{PANGRAPH.raw('sourceField')}> ?field }} "
        f"OPTIONAL {{ ?r <{SH.raw('resultPath')}> ?path FILTER(isIRI(?path) && !STRSTARTS(STR(?path), STR(?g))) }} }} }} "
        f"GROUP BY ?shape ?sev ?field"
    ):
        counts.append((row["shape"], (row["sev"] or "").rsplit("#", 1)[-1], row["message"] or "", row["p"],
                       int(row["n"] or 0), row["field"]))
    return SourceScores(source=source, records=len(graphs), mean=mean, distribution=distribution,
                        fix_first=rank_failures(counts, dimensions=dims, top=top), version=dims.version)


__all__ = ["BUCKETS", "DIMENSIONS_FILE", "TOTAL_METRIC", "Dimension", "Dimensions", "Failure", "Indicator",
           "RecordScore", "SourceScores", "default_dimensions", "load_dimensions", "rank_failures",
           "report_failures", "score_ntriples", "score_record", "source_scores"]
