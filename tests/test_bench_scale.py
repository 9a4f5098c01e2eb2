"""The store comparison of the scale benchmark (bench/bench_scale.py): what it normalises and what it catches."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import bench_scale as bs  # noqa: E402

B = bs.BASE
REC = f"<{B}/graph/record/bench/r1>"
PROV = f"<{B}/graph/provenance>"
QUAL = f"<{B}/graph/quality>"
AT = "<http://www.w3.org/ns/prov#generatedAtTime>"
DT = "^^<http://www.w3.org/2001/XMLSchema#dateTime>"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _store(title: str, when: str, bnode: str) -> list[str]:
    return [
        f'<https://doi.org/10.1/x> <http://purl.org/dc/terms/title> "{title}" {REC} .',
        f"<https://doi.org/10.1/x> <http://www.w3.org/ns/dcat#distribution> {bnode} {REC} .",
        f"{REC} {AT} \"{when}\"{DT} {PROV} .",
        f"<{B}/graph/record/bench/r1#validation> {AT} \"{when}\"{DT} {QUAL} .",
    ]


def test_harvest_times_and_blank_node_labels_do_not_count(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.nq", _store("T", "2026-01-01T00:00:00Z", "_:b1"))
    b = _write(tmp_path / "b.nq", list(reversed(_store("T", "2026-02-02T10:00:00Z", "_:x9f"))))
    result = bs.compare_dumps(a, b)
    assert result["equal"], result
    assert result["fresh"]["record"] == {"quads": 2, "hash": result["fresh"]["record"]["hash"], "graphs": 1}
    assert set(result["fresh"]) == {"record", "provenance", "quality"}


def test_a_changed_value_a_missing_or_an_extra_quad_is_caught(tmp_path: Path) -> None:
    base = _store("T", "2026-01-01T00:00:00Z", "_:b1")
    a = _write(tmp_path / "a.nq", base)
    assert not bs.compare_dumps(a, _write(tmp_path / "b.nq", _store("T2", "2026-01-01T00:00:00Z", "_:b1")))["equal"]
    assert not bs.compare_dumps(a, _write(tmp_path / "c.nq", base[1:]))["equal"]
    assert not bs.compare_dumps(a, _write(tmp_path / "d.nq", base + [base[0]]))["equal"]  # a duplicate counts
