"""The curator's view of the quality graph (DESIGN.md §3): summaries, per-source quality, per-record
quality, the trend across runs, and validation against other profiles.

The results are data: this module reads them back with SPARQL (per source, per record graph) and the
run reports from the archive, so that curators see what to fix first, ``pangraph validate`` can exit
0 (conforms) / 1 (does not), ``pangraph quality SOURCE`` and the ``/quality`` pages can show scores,
the "fix these first" list and the trend.

Functions take a *node*: anything with ``store``, ``config``, ``quality_graph`` and
``provenance_graph`` (a :class:`pangraph.pipeline.Node`, or the web app's
:class:`pangraph.api.context.NodeContext`), and optionally ``archive`` (run reports).

- :func:`quality_summary` — the stored validation results of a source (or all), for ``pangraph validate``;
- :func:`source_figures` — per source: records, conforming, results per severity, mean scores (also
  stored in every run report that loads records: the trend);
- :func:`source_quality` — everything about one source: score, distribution, fix-first list, trend,
  lowest-scoring records (raises :class:`UnknownSourceError` naming the known sources);
- :func:`sources_overview` — one line per source, for the index;
- :func:`record_quality` — one record graph: its report (results with the failing value and the
  shape's message), profile versions and scores;
- :func:`record_links` — the record graphs whose main resource is a given IRI, with their quality page;
- :func:`stored_reports` — the stored reports as :class:`~pangraph.validate.Report` values;
- :func:`revalidate` — validate the records (rebuilt from the archive) against any profiles, nothing stored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

import orjson

from pangraph import iri as ids
from pangraph.errors import PangraphError
from pangraph.quality_score import (
    BUCKETS, TOTAL_METRIC, Dimensions, Failure, default_dimensions, score_record, source_scores,
)
from pangraph.rdf import DCT, DQV, FOAF, OWL, PANGRAPH, PROV, RDF, RDFS, SCHEMA, SH, iri, literal
from pangraph.validate.profiles import PROFILE_IRI_BASE
from pangraph.validate.report import CROSSWALK_NOTE, SOURCE_FIELD, Report, Result, format_path

log = logging.getLogger(__name__)

SEVERITIES = ("Violation", "Warning", "Info")
_SEV_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_SPARQL_JSON = "application/sparql-results+json"
#: predicates giving a record's main resource its title, in order of preference
_TITLE_PREDICATES = (DCT.raw("title"), SCHEMA.raw("name"), RDFS.raw("label"), FOAF.raw("name"))


class UnknownSourceError(PangraphError):
    """No source of that name: not configured, no records in the store, nothing archived."""

    stage = "quality"

    def __init__(self, source: str, known: Sequence[str]) -> None:
        self.known = list(known)
        super().__init__(f"unknown source {source!r} (known sources: {', '.join(self.known) or 'none'})",
                         source=None)
        self.unknown = source


def _lit(text: str) -> str:
    """*text* as a SPARQL string literal."""
    return literal(text)


def _severity(iri: str | None) -> str:
    return (iri or "").rsplit("#", 1)[-1]


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _int(value: str | None) -> int:
    try:
        return int(value) if value not in (None, "") else 0
    except ValueError:
        return 0


# --- the summary of stored results (pangraph validate) ---------------------------------------------------

@dataclass
class QualitySummary:
    """Validation results of the stored record graphs (of one source, or all)."""

    source: str | None
    records: int = 0
    conforming: int = 0
    by_severity: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SEVERITIES})
    top: list[dict[str, Any]] = field(default_factory=list)  # severity, message, path, count
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    turtle: str = ""

    def exit_code(self) -> int:
        """0 when no stored record has a Violation (Warnings and Infos alone conform), else 1."""
        return 0 if self.records == self.conforming else 1

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("turtle")
        return d

    def render(self, fmt: str = "text") -> str:
        if fmt == "json":
            return json.dumps(self.as_dict(), indent=2)
        if fmt == "turtle":
            return self.turtle
        scope = f"source {self.source}" if self.source else "all sources"
        lines = [
            f"Validation ({scope}): {self.records} record(s), {self.conforming} conform, "
            f"{self.records - self.conforming} do not; "
            + ", ".join(f"{n} {s.lower()}{'s' if n != 1 else ''}" for s, n in self.by_severity.items())
        ]
        for src, c in sorted(self.by_source.items()):
            lines.append(f"  {src}: {c['records']} record(s), {c['conforming']} conform")
        if self.top:
            lines.append("What to fix first:")
            for t in self.top:
                path = f" [{t['path']}]" if t.get("path") else ""
                lines.append(f"  {t['count']:6} × {t['severity']:9} {t['message']}{path}")
        return "\n".join(lines)


def _short(iri: str | None) -> str:
    if not iri:
        return ""
    for prefix, ns in (("sh:", str(SH)), ("dct:", str(DCT)), ("dcat:", "http://www.w3.org/ns/dcat#"),
                       ("schema:", "http://schema.org/"), ("foaf:", "http://xmlns.com/foaf/0.1/")):
        if iri.startswith(ns):
            return prefix + iri[len(ns):]
    return iri


def _scope(node: Any, source: str | None) -> str:
    """The graph pattern binding ``?g`` (record graph) and ``?src`` (its source) from provenance."""
    flt = f"FILTER(?src = {_lit(source)})" if source is not None else ""
    return f"GRAPH <{node.provenance_graph}> {{ ?g <{DCT.raw('source')}> ?src {flt} }}"


def quality_summary(node: Any, *, source: str | None = None, top: int = 15) -> QualitySummary:
    """Summarise the stored validation reports of *source* (or all sources) from the quality graph."""
    store = node.store
    q = node.quality_graph
    scope = (
        f"{_scope(node, source)} "
        f"GRAPH <{q}> {{ ?rep a <{SH.raw('ValidationReport')}> ; <{DQV.raw('computedOn')}> ?g ; "
        f"<{SH.raw('conforms')}> ?conf }}"
    )
    summary = QualitySummary(source=source)
    for row in store.select(
        f"SELECT ?src (COUNT(DISTINCT ?g) AS ?n) (SUM(IF(STR(?conf) = 'true', 1, 0)) AS ?ok) "
        f"WHERE {{ {scope} }} GROUP BY ?src"
    ):
        n, ok = _int(row["n"]), _int(row["ok"])
        summary.by_source[row["src"] or ""] = {"records": n, "conforming": ok}
        summary.records += n
        summary.conforming += ok
    for row in store.select(
        f"SELECT ?sev (COUNT(?r) AS ?n) WHERE {{ {scope} GRAPH <{q}> {{ ?rep <{SH.raw('result')}> ?r . "
        f"?r <{SH.raw('resultSeverity')}> ?sev }} }} GROUP BY ?sev"
    ):
        sev = _severity(row["sev"])
        summary.by_severity[sev] = summary.by_severity.get(sev, 0) + _int(row["n"])
    order = "IF(STR(?sev) = 'http://www.w3.org/ns/shacl#Violation', 0, IF(STR(?sev) = 'http://www.w3.org/ns/shacl#Warning', 1, 2))"
    for row in store.select(
        f"SELECT ?sev ?msg ?path (COUNT(?r) AS ?n) WHERE {{ {scope} GRAPH <{q}> {{ ?rep <{SH.raw('result')}> ?r . "
        f"?r <{SH.raw('resultSeverity')}> ?sev . OPTIONAL {{ ?r <{SH.raw('resultMessage')}> ?msg }} "
        f"OPTIONAL {{ ?r <{SH.raw('resultPath')}> ?path FILTER(isIRI(?path)) }} }} }} "
        f"GROUP BY ?sev ?msg ?path ORDER BY ({order}) DESC(?n) ?msg LIMIT {int(top)}"
    ):
        summary.top.append({"severity": _severity(row["sev"]), "message": row["msg"] or "",
                            "path": _short(row["path"]), "count": _int(row["n"])})
    summary.turtle = store.query(
        f"CONSTRUCT {{ ?s ?pp ?o }} WHERE {{ {scope} GRAPH <{q}> {{ ?s <{DQV.raw('computedOn')}> ?g ; ?pp ?o }} }}",
        media_type="text/turtle",
    ).body.decode("utf-8")
    return summary


# --- sources ------------------------------------------------------------------------------------------------

def known_sources(node: Any) -> list[str]:
    """Every source the node knows: configured, with records in the store, or archived."""
    names = set(node.config.sources)
    names |= {r["src"] for r in node.store.select(
        f"SELECT DISTINCT ?src WHERE {{ GRAPH <{node.provenance_graph}> {{ ?g <{DCT.raw('source')}> ?src }} }}")
        if r["src"]}
    archive = getattr(node, "archive", None)
    if archive is not None and hasattr(archive, "sources"):
        names |= set(archive.sources())
    return sorted(names)


def check_source(node: Any, source: str) -> None:
    """Raise :class:`UnknownSourceError` (naming the known sources) unless the node knows *source*."""
    known = known_sources(node)
    if source not in known:
        raise UnknownSourceError(source, known)


def _empty_figures(dims: Dimensions) -> dict[str, Any]:
    return {"records": 0, "conforming": 0, "nonconforming": 0, "results": {s: 0 for s in SEVERITIES},
            "records_with": {s: 0 for s in SEVERITIES}, "mean_score": None,
            "dimensions": {d.name: None for d in dims.dimensions}, "scoring_version": dims.version}


def source_figures(node: Any, source: str | None = None, *,
                   dimensions: Dimensions | None = None) -> dict[str, dict[str, Any]]:
    """Source → its quality figures now: ``records`` (validated record graphs), ``conforming``,
    ``nonconforming``, ``results`` and ``records_with`` (per severity: results, and records with at
    least one), ``mean_score`` (total score, 0–100), ``dimensions`` (mean per dimension),
    ``scoring_version``. Only *source* when given.

    From the archive's per-record summaries (:meth:`pangraph.archive.Archive.quality_summaries`, written
    with each record: one SQL read, ~1 µs a record) when every stored record has one; else three
    aggregate queries over the quality graph (~1 ms a record: minutes at 600k records)."""
    dims = dimensions or default_dimensions()
    archive = getattr(node, "archive", None)
    summaries = archive.quality_summaries(source) if hasattr(archive, "quality_summaries") else None
    if summaries is not None:
        return _figures_from_summaries(summaries, dims)
    return _figures_from_store(node, source, dims)


def _figures_from_summaries(summaries: Mapping[str, list[dict[str, Any]]], dims: Dimensions) -> dict[str, dict[str, Any]]:
    names = set(dims.metrics().values())
    out: dict[str, dict[str, Any]] = {}
    for src, items in summaries.items():
        if not items:
            continue
        e = out[src] = _empty_figures(dims)
        sums: dict[str, float] = {}
        seen: dict[str, int] = {}
        for it in items:
            e["records"] += 1
            e["conforming"] += 1 if it["conforms"] else 0
            for sev, n in it["results"].items():
                if n:
                    e["results"][sev] = e["results"].get(sev, 0) + n
                    e["records_with"][sev] = e["records_with"].get(sev, 0) + 1
            for name, v in it["scores"].items():
                if name in names:
                    sums[name] = sums.get(name, 0.0) + v
                    seen[name] = seen.get(name, 0) + 1
        e["nonconforming"] = e["records"] - e["conforming"]
        for name, total in sums.items():
            mean = round(total / seen[name], 1)
            if name == "total":
                e["mean_score"] = mean
            else:
                e["dimensions"][name] = mean
    return dict(sorted(out.items()))


def _figures_from_store(node: Any, source: str | None, dims: Dimensions) -> dict[str, dict[str, Any]]:
    store, q = node.store, node.quality_graph
    scope = _scope(node, source)
    out: dict[str, dict[str, Any]] = {}

    def entry(src: str | None) -> dict[str, Any]:
        return out.setdefault(src or "", _empty_figures(dims))

    for row in store.select(
        f"SELECT ?src (COUNT(DISTINCT ?g) AS ?n) (SUM(IF(STR(?conf) = 'true', 1, 0)) AS ?ok) WHERE {{ {scope} "
        f"GRAPH <{q}> {{ ?rep a <{SH.raw('ValidationReport')}> ; <{DQV.raw('computedOn')}> ?g ; "
        f"<{SH.raw('conforms')}> ?conf }} }} GROUP BY ?src"
    ):
        e = entry(row["src"])
        e["records"], e["conforming"] = _int(row["n"]), _int(row["ok"])
        e["nonconforming"] = e["records"] - e["conforming"]
    for row in store.select(
        f"SELECT ?src ?sev (COUNT(?r) AS ?n) (COUNT(DISTINCT ?g) AS ?recs) WHERE {{ {scope} "
        f"GRAPH <{q}> {{ ?rep <{SH.raw('result')}> ?r ; <{DQV.raw('computedOn')}> ?g . "
        f"?r <{SH.raw('resultSeverity')}> ?sev }} }} GROUP BY ?src ?sev"
    ):
        sev = _severity(row["sev"])
        e = entry(row["src"])
        e["results"][sev] = e["results"].get(sev, 0) + _int(row["n"])
        e["records_with"][sev] = e["records_with"].get(sev, 0) + _int(row["recs"])
    metrics = dims.metrics()
    metric_list = ", ".join(f"<{m}>" for m in metrics)
    for row in store.select(
        f"SELECT ?src ?metric (AVG(?v) AS ?mean) WHERE {{ {scope} GRAPH <{q}> {{ ?m <{DQV.raw('computedOn')}> ?g ; "
        f"<{DQV.raw('isMeasurementOf')}> ?metric ; <{DQV.raw('value')}> ?v FILTER(?metric IN ({metric_list})) }} }} "
        f"GROUP BY ?src ?metric"
    ):
        name = metrics.get(row["metric"] or "")
        mean = _float(row["mean"])
        if name is None or mean is None:
            continue
        e = entry(row["src"])
        if name == "total":
            e["mean_score"] = round(mean, 1)
        else:
            e["dimensions"][name] = round(mean, 1)
    return dict(sorted(out.items()))


def source_titles(node: Any, source: str) -> tuple[str, str | None]:
    """(title, facility) of *source* from the configuration (the name itself when not configured)."""
    conf = node.config.sources.get(source)
    return ((conf.title if conf and conf.title else source), (conf.facility if conf and conf.facility else None))


def sources_overview(node: Any) -> list[dict[str, Any]]:
    """One entry per known source: its figures (:func:`source_figures`), title, facility and last run."""
    dims = default_dimensions()
    figures = source_figures(node, dimensions=dims)
    archive = getattr(node, "archive", None)
    out = []
    for src in known_sources(node):
        title, facility = source_titles(node, src)
        last = None
        if archive is not None:
            runs = archive.runs(src, 1)
            if runs:
                r = runs[0]
                last = {"id": r.get("id"), "kind": r.get("kind"), "status": r.get("status"),
                        "started_at": r.get("started_at") or r.get("started")}
        out.append({"source": src, "title": title, "facility": facility,
                    **figures.get(src, _empty_figures(dims)), "last_run": last})
    return out


# --- the trend across runs ---------------------------------------------------------------------------------

RUN_COUNTERS = ("added", "updated", "unchanged", "deleted", "failed", "loaded", "nonconforming", "validated",
                "violations", "warnings", "infos")


def trend_point(run: Mapping[str, Any], source: str) -> dict[str, Any]:
    """One run as a point of *source*'s trend. The run's own counters (``loaded``, ``validated``,
    ``violations`` …) are None when the report does not carry them (older reports) or when the run
    covered all sources (``*``: its counters are not the source's); ``records``, ``conforming``,
    ``mean_score`` and ``dimensions`` are the source's figures after the run, when recorded."""
    own = run.get("source") == source
    after = (run.get("quality") or {}).get(source) if isinstance(run.get("quality"), Mapping) else None
    point: dict[str, Any] = {
        "id": run.get("id"), "kind": run.get("kind"), "status": run.get("status"),
        "scope": "source" if own else "all sources",
        "started_at": run.get("started_at") or run.get("started"), "finished_at": run.get("finished_at"),
    }
    for k in RUN_COUNTERS:
        v = run.get(k) if own else None
        point[k] = v if isinstance(v, int) else None
    after = after if isinstance(after, Mapping) else {}
    point["records"] = after.get("records")
    point["conforming"] = after.get("conforming")
    point["mean_score"] = after.get("mean_score")
    point["dimensions"] = dict(after.get("dimensions") or {})
    return point


def quality_trend(node: Any, source: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The last *limit* runs of *source* (and re-crosswalks of all sources that recorded its figures) as
    trend points (:func:`trend_point`), oldest first. Empty without a run archive."""
    archive = getattr(node, "archive", None)
    if archive is None:
        return []
    runs = list(archive.runs(source, limit))
    runs += [r for r in archive.runs("*", limit) if source in (r.get("quality") or {})]
    runs.sort(key=lambda r: (r.get("id") is None, r.get("id") or 0, r.get("started_at") or r.get("started") or ""),
              reverse=True)
    return [trend_point(r, source) for r in reversed(runs[:limit])]


def sparkline(values: Sequence[float | None], *, width: int = 240, height: int = 48, pad: int = 4,
              low: float = 0.0, high: float = 100.0) -> dict[str, Any] | None:
    """An inline-SVG sparkline of *values* on a fixed 0–100 scale: ``points`` for a polyline, ``dots``
    (x, y, value) and the box size; None when fewer than one value is known."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        return None
    n = len(values)
    step = (width - 2 * pad) / (n - 1) if n > 1 else 0.0
    dots = []
    for i, v in known:
        x = pad + step * i if n > 1 else width / 2
        y = pad + (height - 2 * pad) * (1 - (min(max(v, low), high) - low) / (high - low))
        dots.append((round(x, 1), round(y, 1), v))
    return {"width": width, "height": height, "dots": dots,
            "points": " ".join(f"{x},{y}" for x, y, _ in dots), "first": known[0][1], "last": known[-1][1]}


# --- one source ---------------------------------------------------------------------------------------------

@dataclass
class SourceQuality:
    """Everything a curator needs about one source: figures, scores and distribution, the "fix these
    first" list, the trend across runs and the lowest-scoring records."""

    source: str
    title: str
    facility: str | None
    figures: dict[str, Any]
    distribution: list[int]  # record total scores in BUCKETS buckets of 10 points
    dimension_info: list[dict[str, str]]  # name, title, description, in method order
    fix_first: list[Failure]
    trend: list[dict[str, Any]]
    lowest: list[dict[str, Any]]
    scoring_version: str

    @property
    def records(self) -> int:
        return int(self.figures.get("records") or 0)

    def buckets(self) -> list[dict[str, Any]]:
        """The distribution as labelled buckets: ``label`` ("0–9" … "90–100"), ``records``, ``share`` (0–1)."""
        top = max(self.distribution) if self.distribution else 0
        out = []
        for i, n in enumerate(self.distribution):
            lo = i * (100 // BUCKETS)
            hi = 100 if i == BUCKETS - 1 else lo + 100 // BUCKETS - 1
            out.append({"label": f"{lo}–{hi}", "low": lo, "high": hi, "records": n,
                        "share": (n / top) if top else 0.0})
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "title": self.title, "facility": self.facility,
            "scoring_version": self.scoring_version,
            **{k: v for k, v in self.figures.items() if k != "scoring_version"},
            "distribution": [{"low": b["low"], "high": b["high"], "records": b["records"]} for b in self.buckets()],
            "fix_first": [f.as_dict() for f in self.fix_first],
            "trend": self.trend,
            "lowest": self.lowest,
        }

    def render(self, fmt: str = "text", *, base: str | None = None, node_title: str = "pangraph") -> str:
        """``text`` (for a terminal), ``json`` or ``html`` (a standalone page, styles inline, whose links
        point to the pages of the node at *base*)."""
        if fmt == "json":
            return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)
        if fmt == "html":
            return render_page("quality_source.html", base=base, node_title=node_title, q=self,
                               spark=self.sparkline())
        if fmt != "text":
            raise ValueError(f"unknown format {fmt!r} (text, json or html)")
        return self._text()

    def sparkline(self) -> dict[str, Any] | None:
        return sparkline([p.get("mean_score") for p in self.trend])

    def _text(self) -> str:
        f = self.figures
        head = f"Quality of source {self.source}" + (f" ({self.title})" if self.title != self.source else "")
        if self.facility:
            head += f", facility {self.facility}"
        lines = [head + f" — scoring method {self.scoring_version}"]
        if not self.records:
            lines.append("No validated records yet.")
        else:
            res = f["results"]
            lines.append(f"Records: {f['records']} validated, {f['conforming']} conform, {f['nonconforming']} with "
                         f"violations; results: {res.get('Violation', 0)} violations, {res.get('Warning', 0)} "
                         f"warnings, {res.get('Info', 0)} infos")
            lines.append("")
            lines.append(f"Score (0–100): {_num(f['mean_score'])} overall (mean of the records' total scores)")
            for d in self.dimension_info:
                v = f["dimensions"].get(d["name"])
                lines.append(f"  {d['title']:<17} {_num(v):>5}  {_bar(v or 0, 100, 20)}")
            lines.append("")
            lines.append("Distribution of the records' total scores:")
            most = max(self.distribution) or 1
            for b in self.buckets():
                lines.append(f"  {b['label']:>7}  {b['records']:5}  {_bar(b['records'], most, 30)}")
            lines.append("")
            if self.fix_first:
                lines.append("Fix these first (records affected × total-score points each = points at stake):")
                for i, x in enumerate(self.fix_first, 1):
                    shape = (f"  [{_compact(x.shape)}]" if x.shape else
                             f"  [crosswalk note on source field {x.field}]" if x.field else "")
                    lines.append(f"  {i:2}. {x.severity:<9} {x.records:4} record(s) × {x.cost:4.1f} = "
                                 f"{x.impact:6.1f}  {x.message}{shape}")
            else:
                lines.append("Nothing to fix: no record of this source has a validation result.")
        lines.append("")
        if self.trend:
            lines.append("Trend (runs, oldest first; figures of the source after each run):")
            for p in self.trend:
                lines.append("  " + _trend_text(p))
        else:
            lines.append("Trend: no runs recorded.")
        if self.lowest:
            lines.append("")
            lines.append("Lowest-scoring records:")
            for r in self.lowest:
                lines.append(f"  {_num(r['total']):>5}  {r['violations'] if r['violations'] is not None else '?':>3} "
                             f"violation(s)  {r['identifier'] or r['graph']}")
        return "\n".join(lines) + "\n"


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def _bar(value: float, most: float, width: int) -> str:
    n = int(round(width * value / most)) if most else 0
    return "█" * n + "·" * (width - n)


def _compact(value: str | None) -> str:
    if not value:
        return ""
    if value.startswith(PROFILE_IRI_BASE) and "#" in value:
        name, local = value[len(PROFILE_IRI_BASE):].split("#", 1)
        return f"{name}:{local}"
    return _short(value)


def _trend_text(p: Mapping[str, Any]) -> str:
    parts = [f"#{p['id']}" if p.get("id") is not None else "#?", str(p.get("started_at") or "?"),
             f"{p.get('kind') or '?'}" + (" (all sources)" if p.get("scope") == "all sources" else ""),
             str(p.get("status") or "?")]
    counts = []
    if p.get("loaded") is not None:
        counts.append(f"loaded {p['loaded']}")
    if p.get("validated") is not None:
        counts.append(f"validated {p['validated']}")
    if p.get("nonconforming") is not None:
        counts.append(f"{p['nonconforming']} with violations")
    if p.get("violations") is not None:
        counts.append(f"{p['violations']} violations, {p.get('warnings') or 0} warnings")
    if p.get("mean_score") is not None:
        counts.append(f"mean score after {p['mean_score']:.1f} ({p.get('records')} records)")
    return " ".join(parts) + (": " + ", ".join(counts) if counts else ": no quality figures recorded")


def lowest_records(node: Any, source: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The *limit* record graphs of *source* with the lowest stored total score (then by graph IRI):
    graph, identifier, subject, title, total, conforms, violations, warnings, page (relative path of
    the record's quality page)."""
    if limit <= 0:
        return []
    q, p = node.quality_graph, node.provenance_graph
    rows = node.store.select(
        f"SELECT ?g ?id ?topic ?total ?conf ?viol ?warn WHERE {{ "
        f"GRAPH <{p}> {{ ?g <{DCT.raw('source')}> {_lit(source)} . OPTIONAL {{ ?g <{DCT.raw('identifier')}> ?id }} "
        f"OPTIONAL {{ ?g <{FOAF.raw('primaryTopic')}> ?topic }} }} "
        f"GRAPH <{q}> {{ ?m <{DQV.raw('computedOn')}> ?g ; <{DQV.raw('isMeasurementOf')}> <{TOTAL_METRIC}> ; "
        f"<{DQV.raw('value')}> ?total . "
        f"OPTIONAL {{ ?rep a <{SH.raw('ValidationReport')}> ; <{DQV.raw('computedOn')}> ?g ; <{SH.raw('conforms')}> ?conf }} "
        f"OPTIONAL {{ ?mv <{DQV.raw('computedOn')}> ?g ; <{DQV.raw('isMeasurementOf')}> <{PANGRAPH.raw('violationCount')}> ; "
        f"<{DQV.raw('value')}> ?viol }} "
        f"OPTIONAL {{ ?mw <{DQV.raw('computedOn')}> ?g ; <{DQV.raw('isMeasurementOf')}> <{PANGRAPH.raw('warningCount')}> ; "
        f"<{DQV.raw('value')}> ?warn }} }} }} ORDER BY ?total ?g LIMIT {int(limit)}")
    titles = _titles(node, [(r["g"], r["topic"]) for r in rows if r["g"] and r["topic"]])
    out = []
    for r in rows:
        g = r["g"] or ""
        out.append({"graph": g, "identifier": r["id"], "subject": r["topic"], "title": titles.get(g),
                    "total": _float(r["total"]), "conforms": None if r["conf"] is None else r["conf"] == "true",
                    "violations": None if r["viol"] is None else _int(r["viol"]),
                    "warnings": None if r["warn"] is None else _int(r["warn"]),
                    "page": record_page_path(node.config.base, g)})
    return out


def _titles(node: Any, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Record graph → the title its record gives its main resource (first of :data:`_TITLE_PREDICATES`)."""
    pairs = list(pairs)
    if not pairs:
        return {}
    values = " ".join(f"({iri(g)} {iri(t)})" for g, t in pairs)
    preds = " ".join(f"(<{p}> {i})" for i, p in enumerate(_TITLE_PREDICATES))
    best: dict[str, tuple[int, str]] = {}
    for r in node.store.select(
        f"SELECT ?g ?rank ?title WHERE {{ VALUES (?g ?topic) {{ {values} }} VALUES (?p ?rank) {{ {preds} }} "
        f"GRAPH ?g {{ ?topic ?p ?title FILTER(isLiteral(?title)) }} }}"
    ):
        rank = _int(r["rank"])
        if r["g"] and r["title"] and (r["g"] not in best or (rank, r["title"]) < best[r["g"]]):
            best[r["g"]] = (rank, r["title"])
    return {g: t for g, (_, t) in best.items()}


def source_quality(node: Any, source: str, *, top: int = 15, runs: int = 20, lowest: int = 20,
                   dimensions: Dimensions | None = None) -> SourceQuality:
    """The quality of *source* (see :class:`SourceQuality`). Raises :class:`UnknownSourceError` naming
    the known sources when the node does not know it; a known source without records has empty figures."""
    check_source(node, source)
    dims = dimensions or default_dimensions()
    figures = source_figures(node, source, dimensions=dims).get(source) or _empty_figures(dims)
    scores = source_scores(node, source, top=top, dimensions=dims)
    title, facility = source_titles(node, source)
    return SourceQuality(
        source=source, title=title, facility=facility, figures=figures,
        distribution=list(scores.distribution.get("total", [0] * BUCKETS)),
        dimension_info=[{"name": d.name, "title": d.title, "description": d.description} for d in dims.dimensions],
        fix_first=scores.fix_first, trend=quality_trend(node, source, limit=runs),
        lowest=lowest_records(node, source, limit=lowest), scoring_version=dims.version,
    )


# --- one record ---------------------------------------------------------------------------------------------

def record_page_path(base: str, graph: str) -> str | None:
    """The path (relative to the node's root) of the quality page of the record graph *graph*:
    ``{base}/graph/record/{source}/{key}`` → ``quality/{source}/{key}``; None for another graph."""
    prefix = base.rstrip("/") + "/graph/record/"
    if not graph.startswith(prefix):
        return None
    rest = graph[len(prefix):]
    source, sep, key = rest.partition("/")
    if not sep or not source or not key or "/" in key:
        return None
    return f"quality/{rest}"


def _bindings(node: Any, sparql: str) -> list[dict[str, dict[str, str]]]:
    return orjson.loads(node.store.query(sparql, media_type=_SPARQL_JSON).body)["results"]["bindings"]


def _term_text(b: Mapping[str, str] | None) -> str | None:
    """A SPARQL JSON binding as an N-Triples term."""
    if b is None:
        return None
    if b["type"] == "uri":
        return f"<{b['value']}>"
    if b["type"] == "bnode":
        return f"_:{b['value']}"
    dt = b.get("datatype")
    return literal(b["value"], lang=b.get("xml:lang"),
                   datatype=None if dt in (None, "http://www.w3.org/2001/XMLSchema#string") else dt)


def _paths(node: Any, scope: str) -> dict[str, dict[str, list[dict[str, str]]]]:
    """The stored complex-path nodes (``<G#path-N>``) of the record graphs in *scope*: node → predicate → objects."""
    out: dict[str, dict[str, list[dict[str, str]]]] = {}
    for b in _bindings(node, f"SELECT ?s ?p ?o WHERE {{ {scope} GRAPH <{node.quality_graph}> {{ "
                             f"?s <{DQV.raw('computedOn')}> ?g FILTER(CONTAINS(STR(?s), '#path-')) ?s ?p ?o }} }}"):
        out.setdefault(b["s"]["value"], {}).setdefault(b["p"]["value"], []).append(b["o"])
    return out


def _path_expr(node_iri: str, paths: Mapping[str, Mapping[str, list[dict[str, str]]]], depth: int = 0) -> tuple:
    """The structure (:func:`pangraph.validate.report.parse_path`) of a stored SHACL path."""
    props = paths.get(node_iri)
    if props is None or depth > 20:
        return ("iri", node_iri)

    def sub(b: Mapping[str, str]) -> tuple:
        return _path_expr(b["value"], paths, depth + 1) if b["value"] in paths else ("iri", b["value"])

    for pred, kind in ((SH.raw("inversePath"), "inv"), (SH.raw("zeroOrMorePath"), "*"),
                       (SH.raw("oneOrMorePath"), "+"), (SH.raw("zeroOrOnePath"), "?")):
        if pred in props:
            return (kind, sub(props[pred][0]))
    if SH.raw("alternativePath") in props:
        return ("alt", _path_list(props[SH.raw("alternativePath")][0]["value"], paths, depth))
    if RDF.raw("first") in props:
        return ("seq", _path_list(node_iri, paths, depth))
    return ("iri", node_iri)


def _path_list(head: str, paths: Mapping[str, Mapping[str, list[dict[str, str]]]], depth: int) -> list[tuple]:
    items = []
    cell: str | None = head
    seen = set()
    while cell and cell in paths and cell not in seen:
        seen.add(cell)
        first = paths[cell].get(RDF.raw("first"))
        if first:
            b = first[0]
            items.append(_path_expr(b["value"], paths, depth + 1) if b["value"] in paths else ("iri", b["value"]))
        rest = paths[cell].get(RDF.raw("rest"))
        cell = rest[0]["value"] if rest else None
        if cell == RDF.raw("nil"):
            break
    return items


@dataclass(frozen=True)
class StoredResult:
    """A stored validation result as people read it (and as a :class:`Result`)."""

    number: int
    result: Result
    value_text: str | None  # the failing value as written (lexical form or IRI)
    value_kind: str | None  # "iri" | "literal" | "bnode"
    value_datatype: str | None
    source_field: str | None  # for crosswalk notes: the source field

    @property
    def is_note(self) -> bool:
        return self.result.component == CROSSWALK_NOTE

    def as_dict(self) -> dict[str, Any]:
        return {**self.result.as_dict(), "value_text": self.value_text, "value_kind": self.value_kind,
                "value_datatype": self.value_datatype, "source_field": self.source_field,
                "crosswalk_note": self.is_note}


def _stored_results(node: Any, scope: str) -> dict[str, list[StoredResult]]:
    """Record graph → its stored results (ordered as stored: ``<G#result-N>``)."""
    paths = _paths(node, scope)
    out: dict[str, list[StoredResult]] = {}
    for b in _bindings(node, (
        f"SELECT ?g ?r ?sev ?focus ?path ?msg ?value ?shape ?comp ?field WHERE {{ {scope} "
        f"GRAPH <{node.quality_graph}> {{ ?rep <{SH.raw('result')}> ?r ; <{DQV.raw('computedOn')}> ?g . "
        f"?r <{SH.raw('resultSeverity')}> ?sev . OPTIONAL {{ ?r <{SH.raw('focusNode')}> ?focus }} "
        f"OPTIONAL {{ ?r <{SH.raw('resultPath')}> ?path }} OPTIONAL {{ ?r <{SH.raw('resultMessage')}> ?msg }} "
        f"OPTIONAL {{ ?r <{SH.raw('value')}> ?value }} OPTIONAL {{ ?r <{SH.raw('sourceShape')}> ?shape }} "
        f"OPTIONAL {{ ?r <{SH.raw('sourceConstraintComponent')}> ?comp }} "
        f"OPTIONAL {{ ?r <{SOURCE_FIELD}> ?field }} }} }}")):
        g = b["g"]["value"]
        r_iri = b["r"]["value"]
        try:
            number = int(r_iri.rsplit("#result-", 1)[1])
        except (IndexError, ValueError):
            number = 0
        path = None
        if "path" in b:
            pv = b["path"]["value"]
            path = format_path(_path_expr(pv, paths)) if pv in paths else pv
        value = b.get("value")
        result = Result(
            focus=b["focus"]["value"] if "focus" in b else g,
            path=path,
            component=b["comp"]["value"] if "comp" in b else "",
            severity=_severity(b["sev"]["value"]),
            message=b["msg"]["value"] if "msg" in b else "",
            value=_term_text(value),
            source_shape=b["shape"]["value"] if "shape" in b else None,
        )
        kind = None if value is None else {"uri": "iri", "bnode": "bnode"}.get(value["type"], "literal")
        out.setdefault(g, []).append(StoredResult(
            number=number, result=result, value_text=None if value is None else value["value"], value_kind=kind,
            value_datatype=None if value is None else value.get("datatype"),
            source_field=b["field"]["value"] if "field" in b else None))
    for items in out.values():
        items.sort(key=lambda s: (_SEV_RANK.get(s.result.severity, 9), s.number))
    return out


def _stored_profiles(node: Any, scope: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for r in node.store.select(
        f"SELECT ?g ?profile ?version WHERE {{ {scope} GRAPH <{node.quality_graph}> {{ "
        f"?rep a <{SH.raw('ValidationReport')}> ; <{DQV.raw('computedOn')}> ?g ; <{DCT.raw('conformsTo')}> ?pn . "
        f"?pn <{DCT.raw('isVersionOf')}> ?profile . OPTIONAL {{ ?pn <{OWL.raw('versionInfo')}> ?version }} }} }}"
    ):
        name = (r["profile"] or "").removeprefix(PROFILE_IRI_BASE)
        out.setdefault(r["g"] or "", {})[name] = r["version"] or ""
    return {g: dict(sorted(v.items())) for g, v in out.items()}


def stored_reports(node: Any, *, source: str | None = None,
                   graphs: Sequence[str] | None = None) -> dict[str, Report]:
    """The stored validation reports (of *source*, or of the record graphs *graphs*) as
    :class:`~pangraph.validate.Report` values: stored conformance, results (crosswalk notes included,
    component ``pangraph:CrosswalkNote``), profile versions. Record graphs without a report are absent."""
    scope = _graph_scope(node, source, graphs)
    conforms: dict[str, bool] = {}
    for r in node.store.select(
        f"SELECT ?g ?conf WHERE {{ {scope} GRAPH <{node.quality_graph}> {{ ?rep a <{SH.raw('ValidationReport')}> ; "
        f"<{DQV.raw('computedOn')}> ?g ; <{SH.raw('conforms')}> ?conf }} }}"
    ):
        conforms[r["g"] or ""] = r["conf"] == "true"
    results = _stored_results(node, scope)
    profiles = _stored_profiles(node, scope)
    return {g: Report(conforms=ok, results=[s.result for s in results.get(g, [])], profiles=profiles.get(g, {}))
            for g, ok in sorted(conforms.items())}


def _graph_scope(node: Any, source: str | None, graphs: Sequence[str] | None) -> str:
    if graphs is None:
        return _scope(node, source)
    values = " ".join(iri(g) for g in graphs)
    return f"VALUES ?g {{ {values} }} " + _scope(node, source)


def stored_scores(node: Any, *, source: str | None = None, graphs: Sequence[str] | None = None) -> dict[str, float]:
    """Record graph → its stored total score."""
    scope = _graph_scope(node, source, graphs)
    out = {}
    for r in node.store.select(
        f"SELECT ?g ?v WHERE {{ {scope} GRAPH <{node.quality_graph}> {{ ?m <{DQV.raw('computedOn')}> ?g ; "
        f"<{DQV.raw('isMeasurementOf')}> <{TOTAL_METRIC}> ; <{DQV.raw('value')}> ?v }} }}"
    ):
        v = _float(r["v"])
        if r["g"] and v is not None:
            out[r["g"]] = v
    return out


@dataclass
class RecordQuality:
    """The quality page of one record graph."""

    graph: str
    source: str
    identifier: str | None
    subject: str | None
    title: str | None
    harvested_at: str | None
    validated_at: str | None
    conforms: bool | None
    profiles: dict[str, str]
    counts: dict[str, int]
    scores: dict[str, float | None]  # dimension name → score; "total"
    missing: dict[str, list[str]]  # dimension name → indicators not earned (the method, now)
    dimension_info: list[dict[str, str]]
    results: list[StoredResult]
    page: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"graph": self.graph, "source": self.source, "identifier": self.identifier,
                "subject": self.subject, "title": self.title, "harvested_at": self.harvested_at,
                "validated_at": self.validated_at, "conforms": self.conforms, "profiles": self.profiles,
                "counts": self.counts, "scores": self.scores, "missing": self.missing,
                "results": [r.as_dict() for r in self.results]}


def record_quality(node: Any, graph: str) -> RecordQuality | None:
    """The stored quality of the record graph *graph* (None when the node has no provenance or
    validation report for it): its report's results with the failing value and the shape's message,
    the profile versions it was checked against, its scores and the indicators it misses."""
    q, p = node.quality_graph, node.provenance_graph
    G = iri(graph)
    prov = node.store.select(
        f"SELECT ?src ?id ?topic ?harvested WHERE {{ GRAPH <{p}> {{ {G} <{DCT.raw('source')}> ?src . "
        f"OPTIONAL {{ {G} <{DCT.raw('identifier')}> ?id }} OPTIONAL {{ {G} <{FOAF.raw('primaryTopic')}> ?topic }} "
        f"OPTIONAL {{ {G} <{PROV.raw('generatedAtTime')}> ?harvested }} }} }} LIMIT 1")
    report = node.store.select(
        f"SELECT ?conf ?when WHERE {{ GRAPH <{q}> {{ ?rep a <{SH.raw('ValidationReport')}> ; "
        f"<{DQV.raw('computedOn')}> {G} ; <{SH.raw('conforms')}> ?conf . "
        f"OPTIONAL {{ ?rep <{PROV.raw('generatedAtTime')}> ?when }} }} }} LIMIT 1")
    if not prov and not report:
        return None
    pv = prov[0] if prov else {"src": None, "id": None, "topic": None, "harvested": None}
    scope = f"VALUES ?g {{ {G} }}"
    results = _stored_results(node, scope).get(graph, [])
    profiles = _stored_profiles(node, scope).get(graph, {})
    dims = default_dimensions()
    metrics = dims.metrics()
    scores: dict[str, float | None] = {name: None for name in metrics.values()}
    for r in node.store.select(
        f"SELECT ?metric ?v WHERE {{ GRAPH <{q}> {{ ?m <{DQV.raw('computedOn')}> {G} ; "
        f"<{DQV.raw('isMeasurementOf')}> ?metric ; <{DQV.raw('value')}> ?v }} }}"
    ):
        name = metrics.get(r["metric"] or "")
        if name is not None:
            scores[name] = _float(r["v"])
    counts = {s: 0 for s in SEVERITIES}
    for s in results:
        counts[s.result.severity] = counts.get(s.result.severity, 0) + 1
    missing: dict[str, list[str]] = {}
    data = node.store.graph_ntriples(graph) if node.store.has_graph(graph) else ""
    if data:
        shacl = Report.of([s.result for s in results if not s.is_note], profiles=profiles)
        missing = score_record(shacl, data, dimensions=dims).missed
    title = _titles(node, [(graph, pv["topic"])]).get(graph) if pv.get("topic") else None
    return RecordQuality(
        graph=graph, source=pv["src"] or "", identifier=pv["id"], subject=pv["topic"], title=title,
        harvested_at=pv["harvested"], validated_at=report[0]["when"] if report else None,
        conforms=(report[0]["conf"] == "true") if report else None, profiles=profiles, counts=counts,
        scores=scores, missing=missing,
        dimension_info=[{"name": d.name, "title": d.title, "description": d.description} for d in dims.dimensions],
        results=results, page=record_page_path(node.config.base, graph))


def record_links(node: Any, subject: str) -> list[dict[str, Any]]:
    """The record graphs whose main resource (``foaf:primaryTopic``) is *subject*, each with its source,
    conformance, stored total score and the relative path of its quality page."""
    q, p = node.quality_graph, node.provenance_graph
    rows = node.store.select(
        f"SELECT ?g ?src ?conf ?total WHERE {{ GRAPH <{p}> {{ ?g <{FOAF.raw('primaryTopic')}> {iri(subject)} ; "
        f"<{DCT.raw('source')}> ?src }} "
        f"OPTIONAL {{ GRAPH <{q}> {{ ?rep <{DQV.raw('computedOn')}> ?g ; a <{SH.raw('ValidationReport')}> ; "
        f"<{SH.raw('conforms')}> ?conf }} }} "
        f"OPTIONAL {{ GRAPH <{q}> {{ ?m <{DQV.raw('computedOn')}> ?g ; <{DQV.raw('isMeasurementOf')}> <{TOTAL_METRIC}> ; "
        f"<{DQV.raw('value')}> ?total }} }} }} ORDER BY ?src ?g")
    out = []
    for r in rows:
        page = record_page_path(node.config.base, r["g"] or "")
        if page is None:
            continue
        out.append({"graph": r["g"], "source": r["src"], "page": page, "total": _float(r["total"]),
                    "conforms": None if r["conf"] is None else r["conf"] == "true"})
    return out


# --- validation against other profiles ------------------------------------------------------------------------

def validator_for(node: Any, profiles: Sequence[str]) -> Any:
    """A validator for the profiles *profiles*, with the node's PaNET as the ``panet`` ontology graph:
    :func:`pangraph.validate.make_validator` when the package has it (it honours ``validation.engine``),
    else the reference :class:`~pangraph.validate.Validator`."""
    import inspect

    import pangraph.validate as validate

    data, _ = node.techniques.document()
    ontology = {"panet": data.decode("utf-8")}
    factory = getattr(validate, "make_validator", None)
    if factory is not None:
        params = inspect.signature(factory).parameters
        kwargs = {k: v for k, v in (("config", node.config), ("ontology_graphs", ontology)) if k in params}
        try:
            inspect.signature(factory).bind(list(profiles), **kwargs)
        except TypeError:
            log.warning("pangraph.validate.make_validator%s does not take (profiles, config=, ontology_graphs=); "
                        "using the reference engine", inspect.signature(factory))
        else:
            return factory(list(profiles), **kwargs)
    return validate.Validator(validate.load_profiles(list(profiles), config=node.config), ontology_graphs=ontology)


def revalidate(node: Any, profiles: Sequence[str], *, source: str | None = None, batch_size: int = 500,
               progress: Callable[[str, int], None] | None = None) -> tuple[dict[str, Report], list[dict[str, str]]]:
    """Validate the records of *source* (or all) against *profiles* as a load would, without storing
    anything: every live archived record is crosswalked again (as ``pangraph validate --recheck`` does)
    and its record graph validated, in batches. Returns the reports (record graph → report) and the
    records that could not be crosswalked (``identifier``, ``reason``).

    The graphs are rebuilt from the archive rather than read back from the store because the store
    canonicalises literals (``xsd:nonNegativeInteger`` comes back as ``xsd:integer``, DESIGN.md §8): datatype
    checks on the stored copy would report what the loaded record never had. Crosswalk notes are not
    part of these reports (they belong to no profile)."""
    from pangraph.crosswalk import CrosswalkContext, crosswalk_record
    from pangraph.errors import RecordError
    from pangraph.rdf import ntriples

    validator = validator_for(node, profiles)
    contexts: dict[str, Any] = {}
    reports: dict[str, Report] = {}
    failed: list[dict[str, str]] = []
    batch: dict[str, str] = {}

    def flush() -> None:
        if batch:
            reports.update(validator.validate(dict(batch)))
            if progress:
                progress("validated", len(batch))
            batch.clear()

    for rec in node.archive.iter_records(source):
        if rec.status == "failed":
            continue
        ctx = contexts.get(rec.source)
        if ctx is None:
            ctx = contexts[rec.source] = CrosswalkContext(base=node.config.base, source=rec.source,
                                                         techniques=node.techniques, mappings=node.mappings)
        try:
            result = crosswalk_record(rec, ctx=ctx)
        except RecordError as e:
            failed.append({"identifier": rec.identifier, "reason": e.describe()})
            continue
        batch[ids.record_graph(node.config.base, rec.source, ids.local_key(rec.identifier))] = ntriples(result.triples)
        if len(batch) >= batch_size:
            flush()
    flush()
    return reports, failed


# --- HTML pages rendered outside the web app (CLI --format html) ----------------------------------------------

def render_page(template: str, *, base: str | None, node_title: str, **data: Any) -> str:
    """A standalone HTML page from the web app's templates: the stylesheet inlined (no external asset),
    links to the node's pages absolute under *base* (the node serves them there)."""
    from importlib.resources import files

    from pangraph.api.pages import template_environment

    css = (files("pangraph.api") / "static" / "pangraph.css").read_text(encoding="utf-8")
    root = (base.rstrip("/") + "/") if base else "./"
    return template_environment().get_template(template).render(
        root=root, node_title=node_title, base=(base or "").rstrip("/"), inline_css=css, **data)


__all__ = [
    "QualitySummary", "RecordQuality", "SEVERITIES", "SourceQuality", "StoredResult", "UnknownSourceError",
    "check_source", "known_sources", "lowest_records", "quality_summary", "quality_trend",
    "record_links", "record_page_path", "record_quality", "render_page", "revalidate",
    "source_figures", "source_quality", "source_titles", "sources_overview", "sparkline", "stored_reports",
    "stored_scores", "trend_point", "validator_for",
]
