"""Summaries of the validation results stored in the quality graph (DESIGN.md §3).

The results are data: this module only reads them back with SPARQL, per source, so that curators
see what to fix first and `pangraph validate` can exit 0 (conforms) / 1 (does not).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from pangraph.rdf import DCT, DQV, PROV, SH

SEVERITIES = ("Violation", "Warning", "Info")


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


def quality_summary(node: Any, *, source: str | None = None, top: int = 15) -> QualitySummary:
    """Summarise the stored validation reports of *source* (or all sources) from the quality graph."""
    store = node.store
    q, p = node.quality_graph, node.provenance_graph
    src_filter = f'FILTER(?src = "{source}")' if source else ""
    scope = (
        f"GRAPH <{p}> {{ ?g <{DCT.raw('source')}> ?src {src_filter} }} "
        f"GRAPH <{q}> {{ ?rep a <{SH.raw('ValidationReport')}> ; <{DQV.raw('computedOn')}> ?g ; "
        f"<{SH.raw('conforms')}> ?conf }}"
    )
    summary = QualitySummary(source=source)
    for row in store.select(
        f"SELECT ?src (COUNT(DISTINCT ?g) AS ?n) (SUM(IF(STR(?conf) = 'true', 1, 0)) AS ?ok) "
        f"WHERE {{ {scope} }} GROUP BY ?src"
    ):
        n, ok = int(row["n"] or 0), int(row["ok"] or 0)
        summary.by_source[row["src"] or ""] = {"records": n, "conforming": ok}
        summary.records += n
        summary.conforming += ok
    for row in store.select(
        f"SELECT ?sev (COUNT(?r) AS ?n) WHERE {{ {scope} GRAPH <{q}> {{ ?rep <{SH.raw('result')}> ?r . "
        f"?r <{SH.raw('resultSeverity')}> ?sev }} }} GROUP BY ?sev"
    ):
        sev = (row["sev"] or "").rsplit("#", 1)[-1]
        summary.by_severity[sev] = summary.by_severity.get(sev, 0) + int(row["n"] or 0)
    order = "IF(STR(?sev) = 'http://www.w3.org/ns/shacl#Violation', 0, IF(STR(?sev) = 'http://www.w3.org/ns/shacl#Warning', 1, 2))"
    for row in store.select(
        f"SELECT ?sev ?msg ?path (COUNT(?r) AS ?n) WHERE {{ {scope} GRAPH <{q}> {{ ?rep <{SH.raw('result')}> ?r . "
        f"?r <{SH.raw('resultSeverity')}> ?sev . OPTIONAL {{ ?r <{SH.raw('resultMessage')}> ?msg }} "
        f"OPTIONAL {{ ?r <{SH.raw('resultPath')}> ?path FILTER(isIRI(?path)) }} }} }} "
        f"GROUP BY ?sev ?msg ?path ORDER BY ({order}) DESC(?n) ?msg LIMIT {int(top)}"
    ):
        summary.top.append({"severity": (row["sev"] or "").rsplit("#", 1)[-1], "message": row["msg"] or "",
                            "path": _short(row["path"]), "count": int(row["n"] or 0)})
    summary.turtle = store.query(
        f"CONSTRUCT {{ ?s ?pp ?o }} WHERE {{ {scope} GRAPH <{q}> {{ ?s <{DQV.raw('computedOn')}> ?g ; ?pp ?o }} }}",
        media_type="text/turtle",
    ).body.decode("utf-8")
    return summary


__all__ = ["QualitySummary", "quality_summary", "SEVERITIES", "PROV"]
