"""Crosswalk coverage of a source: which source fields the mappings map, which are present but
not mapped, and which the mappings expect but the source did not send.

Computed from the archive (the raw records) and the field crosswalks in ``mappings/``, so it tells
a curator "the source did not send it" from "our mapping dropped it" without touching the store.
A present field counts as *mapped* when a mapping row's path selects it or one of its ancestors (the
row's transform reads that whole subtree); a mapping row is *absent* in a record when its path
selects nothing there.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from lxml import etree

from pangraph.crosswalk import find_metadata
from pangraph.crosswalk.jsondoc import field_paths as json_field_paths
from pangraph.crosswalk.jsondoc import parse_json
from pangraph.crosswalk.mappings import FieldRule, Mappings
from pangraph.crosswalk.transforms import FORMAT_INFO
from pangraph.crosswalk.xml import local_name, parse_xml, split_steps
from pangraph.records import RawRecord


def xml_field_paths(element: Any, prefix: str = "") -> Iterator[str]:
    """Every path (``a/b``, ``a/b/@attr``) below *element* that holds text or an attribute value."""
    for key, value in element.attrib.items():
        if value.strip() and not key.startswith("{http://www.w3.org/2001/XMLSchema-instance}"):
            yield f"{prefix}/@{key.rsplit('}', 1)[-1]}" if prefix else f"@{key.rsplit('}', 1)[-1]}"
    for child in element.iterchildren(etree.Element):
        path = f"{prefix}/{local_name(child)}" if prefix else local_name(child)
        if (child.text or "").strip():
            yield path
        yield from xml_field_paths(child, path)


def _bare(path_source: str) -> tuple[str, ...]:
    """The steps of a mapping path without predicates (``titles/title[@x]`` → ``(titles, title)``)."""
    return tuple(step.split("[", 1)[0].strip() for step in split_steps(path_source) if step.strip())


def _covered(field_path: str, rule_paths: list[tuple[str, ...]]) -> bool:
    steps = tuple(s for s in field_path.split("/") if not s.startswith("@"))
    for rp in rule_paths:
        if len(rp) <= len(steps) and all(r == "*" or r == s for r, s in zip(rp, steps)):
            return True
    return False


@dataclass
class FormatCoverage:
    """Coverage of one metadata format within a source."""

    format: str
    records: int = 0
    present: Counter = field(default_factory=Counter)  # field path → records holding it
    unmapped: Counter = field(default_factory=Counter)  # field path → records holding it, no rule reads it
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule → {transform, property, matched}

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "records": self.records,
            "mapped": {p: n for p, n in sorted(self.present.items()) if p not in self.unmapped},
            "present_not_mapped": dict(sorted(self.unmapped.items())),
            "expected_absent": {r: {**v, "absent_in": self.records - v["matched"]} for r, v in self.rules.items()
                                if v["matched"] < self.records},
        }


@dataclass
class CoverageReport:
    """Coverage of one source, by metadata format; records that could not be read are counted."""

    source: str
    formats: dict[str, FormatCoverage] = field(default_factory=dict)
    unreadable: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "formats": [f.as_dict() for f in self.formats.values()],
                "unreadable": self.unreadable}

    def render(self, fmt: str = "text") -> str:
        if fmt == "json":
            return json.dumps(self.as_dict(), indent=2)
        lines = [f"Crosswalk coverage of source {self.source}"]
        if not self.formats:
            lines.append("  no archived records")
        for f in self.formats.values():
            lines.append(f"\nformat {f.format}: {f.records} record(s)")
            lines.append("  mapped (records holding the field):")
            for p, n in sorted(f.present.items()):
                if p not in f.unmapped:
                    lines.append(f"    {n:6}  {p}")
            lines.append("  present in the source but NOT mapped (our mapping drops them):")
            if not f.unmapped:
                lines.append("         —")
            for p, n in sorted(f.unmapped.items()):
                lines.append(f"    {n:6}  {p}")
            lines.append("  expected by the mapping but absent (the source did not send them):")
            absent = [(r, v) for r, v in f.rules.items() if v["matched"] < f.records]
            if not absent:
                lines.append("         —")
            for r, v in absent:
                lines.append(f"    {f.records - v['matched']:6}  {r}  → {v['property'] or v['transform']}")
        if self.unreadable:
            lines.append(f"\n{len(self.unreadable)} record(s) could not be read:")
            lines += [f"  {u['identifier']}: {u['reason']}" for u in self.unreadable[:20]]
        return "\n".join(lines)


def _metadata(record: RawRecord) -> tuple[str, Any, list[str]]:
    info = FORMAT_INFO.get(record.metadata_prefix)
    if info is not None and info.syntax == "json":
        doc = (info.decoder or parse_json)(record.payload)
        return record.metadata_prefix, doc, sorted(set(json_field_paths(doc)))
    fmt, element = find_metadata(parse_xml(record.payload), record=record.identifier)
    return fmt, element, sorted(set(xml_field_paths(element)))


def coverage(records: Iterable[RawRecord], *, source: str, mappings: Mappings) -> CoverageReport:
    """The coverage report of *records* (the live archived records of one source)."""
    report = CoverageReport(source=source)
    for rec in records:
        if rec.deleted:
            continue
        try:
            fmt, metadata, paths = _metadata(rec)
        except Exception as e:  # noqa: BLE001 - any unreadable record is reported, not fatal
            report.unreadable.append({"identifier": rec.identifier, "reason": str(e)})
            continue
        rules: tuple[FieldRule, ...] = mappings.fields.get(fmt, ())
        cov = report.formats.get(fmt)
        if cov is None:
            cov = report.formats[fmt] = FormatCoverage(format=fmt)
            for r in rules:
                cov.rules[f"{r.where} {r.source.source}"] = {"transform": r.transform, "property": r.property,
                                                             "matched": 0}
        cov.records += 1
        rule_paths = [_bare(r.source.source) for r in rules]
        for p in paths:
            cov.present[p] += 1
            if not _covered(p, rule_paths):
                cov.unmapped[p] += 1
        for r in rules:
            if r.source.select(metadata):
                cov.rules[f"{r.where} {r.source.source}"]["matched"] += 1
    return report
