"""The generator of the JSON harvest formats (bench/recordformats.py): deterministic, crosswalked by the real
crosswalks, at the declared field-presence rates, with the configured share of defective records that fail or
get SHACL violations, and with people shared between records."""

from __future__ import annotations

import math
import sys
from collections import Counter
from pathlib import Path

import pytest

from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
from pangraph.errors import RecordError
from pangraph.iri import local_key, record_graph
from pangraph.rdf import ntriples
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from pangraph.validate import make_validator
from pangraph.vocab import TechniqueIndex

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import recordformats as rf  # noqa: E402

N = 200
DEFECT_RATE = 0.05  # more than the default 1 %, so that 200 records hold enough defective ones to check
BASE = "http://bench.test"


@pytest.fixture(scope="module")
def world(panet_owl: Path):  # noqa: ANN201
    techniques = TechniqueIndex.from_file(panet_owl)
    ctx = CrosswalkContext(base=BASE, source="gen", techniques=techniques, mappings=load_mappings())
    validator = make_validator(["pan-dataset", "training", "software"], engine="fast",
                               ontology_graphs={"panet": panet_owl.read_text(encoding="utf-8")})
    return ctx, validator


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[rf.Item], list]]:
    """Per format: the items and what pangraph's own readers make of the written files."""
    out = {}
    for fmt in rf.FORMATS:
        folder = tmp_path_factory.mktemp(fmt)
        paths = rf.write_files(fmt, folder, N, seed=7, defect_rate=DEFECT_RATE, page_size=50)
        out[fmt] = (list(rf.iter_items(fmt, N, seed=7, defect_rate=DEFECT_RATE)),
                    list(rf.read_files(fmt, paths, source="gen")))
    return out


def _check(ctx: CrosswalkContext, validator, rec: RawRecord) -> set | None:  # noqa: ANN001
    """What the node flags about a record: its SHACL results and crosswalk notes of severity Violation or
    Warning (both go to the quality graph); None when the crosswalk rejects the record."""
    try:
        result = crosswalk_record(rec, ctx=ctx)
    except RecordError:
        return None
    graph = record_graph(BASE, "gen", local_key(rec.identifier))
    report = validator.validate({graph: ntriples(result.triples)})[graph]
    flagged = {("shacl", r.path, r.component, r.severity) for r in report.results
               if r.severity in ("Violation", "Warning")}
    return flagged | {("note", n.field, n.reason, n.severity) for n in result.notes
                      if n.severity in ("Violation", "Warning")}


def _raw(fmt: str, item: rf.Item, tmp: Path) -> RawRecord:
    """The raw record of one item, through the format's reader (a one-record file)."""
    [path] = rf.write_files(fmt, tmp, item.index + 1, seed=7, defect_rate=DEFECT_RATE,
                            omitted=frozenset(range(item.index)), page_size=1)
    recs = [r for r in rf.read_files(fmt, [path], source="gen") if isinstance(r, RawRecord)]
    return recs[0]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    for fmt in rf.FORMATS:
        a = rf.write_files(fmt, tmp_path / fmt / "a", 30, seed=3)
        b = rf.write_files(fmt, tmp_path / fmt / "b", 30, seed=3)
        c = rf.write_files(fmt, tmp_path / fmt / "c", 30, seed=4)
        assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b], fmt
        assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c], fmt


def test_a_prefix_of_a_longer_run_and_streamed() -> None:
    short = [i.obj for i in rf.iter_items("scicat", 20, seed=1)]
    longer = rf.iter_items("scicat", 10**9, seed=1)  # a generator: nothing is built ahead
    assert [next(longer).obj for _ in range(20)] == short


def test_an_incremental_set_holds_exactly_the_revised_records_as_the_full_revised_run_serves_them() -> None:
    revised = frozenset({2, 7, 11})
    for fmt in rf.FORMATS:
        full = {i.index: i.obj for i in rf.iter_items(fmt, 15, seed=2, revised=revised, omitted=frozenset({5}))}
        original = {i.index: i.obj for i in rf.iter_items(fmt, 15, seed=2)}
        delta = {i.index: i.obj for i in rf.iter_items(fmt, 15, seed=2, revised=revised, only=revised)}
        assert set(delta) == revised, fmt
        assert all(delta[i] == full[i] != original[i] for i in revised), fmt
        assert 5 not in full and all(full[i] == original[i] for i in full if i not in revised), fmt


def test_every_format_is_read_and_crosswalked_by_the_real_code(generated, world) -> None:  # noqa: ANN001
    ctx, _ = world
    for fmt, (items, records) in generated.items():
        problems = [r for r in records if isinstance(r, SourceProblem)]
        assert not problems, (fmt, problems[:3])
        raws = [r for r in records if isinstance(r, RawRecord)]
        assert {r.metadata_prefix for r in raws} <= set(rf.metadata_prefixes(fmt)), fmt
        main = [r for r in raws if r.metadata_prefix == rf.metadata_prefixes(fmt)[0]
                or (fmt == "tess" and r.metadata_prefix.startswith("tess-"))]
        assert len(main) == N, fmt
        unreadable = {i.index for i in items if "unreadable-json" in i.defects}
        failed = 0
        for rec in raws:
            try:
                result = crosswalk_record(rec, ctx=ctx)
            except RecordError as e:
                failed += 1
                assert "JSON" in e.reason, (fmt, rec.identifier, e.reason)
                continue
            assert result.triples, (fmt, rec.identifier)
        assert failed == len(unreadable), fmt


def test_defect_share_is_the_configured_one() -> None:
    items = list(rf.iter_items("tess", 2000, seed=11, defect_rate=0.01))
    share = sum(1 for i in items if i.defects) / len(items)
    assert abs(share - 0.01) < 4 * math.sqrt(0.01 * 0.99 / len(items)), share
    for fmt in rf.FORMATS:
        for i in rf.iter_items(fmt, 300, seed=2, defect_rate=0.05):
            assert set(i.defects) <= set(rf.DEFECTS[fmt]), (fmt, i.defects)


def test_defective_records_fail_or_are_flagged_where_their_clean_twin_is_not(generated, world, tmp_path) -> None:  # noqa: ANN001
    ctx, validator = world
    checked = Counter()
    for fmt, (items, _) in generated.items():
        for item in items:
            if not item.defects:
                continue
            bad = _check(ctx, validator, _raw(fmt, item, tmp_path / fmt / f"bad-{item.index}"))
            twin_item = next(rf.iter_items(fmt, item.index + 1, seed=7, defect_rate=0.0,
                                           omitted=frozenset(range(item.index))))
            assert twin_item.obj != item.obj and not twin_item.defects
            [path] = rf.write_files(fmt, tmp_path / fmt / f"twin-{item.index}", item.index + 1, seed=7,
                                    defect_rate=0.0, omitted=frozenset(range(item.index)), page_size=1)
            twin = next(r for r in rf.read_files(fmt, [path], source="gen") if isinstance(r, RawRecord))
            clean = _check(ctx, validator, twin)
            assert clean is not None, (fmt, item.index)
            assert bad is None or bad - clean, (fmt, item.index, item.defects, bad, clean)
            checked[fmt] += 1
    assert set(checked) == set(rf.FORMATS) and all(v >= 3 for v in checked.values()), checked


def _present(obj: dict, key: str) -> bool:
    return obj.get(key) not in (None, "", [], {})


def test_field_presence_follows_the_declared_rates() -> None:
    n = 600
    for fmt in ("panosc", "scicat", "tess", "codemeta"):
        objs = [i.obj for i in rf.iter_items(fmt, n, seed=5, defect_rate=0.0)]
        for key, rate in rf.PRESENCE[fmt].items():
            if fmt == "tess":  # some attributes belong to events only, some to materials only
                kinds = {"venue": "events", "capacity": "events", "authors": "materials", "doi": "materials",
                         "licence": "materials"}
                pool = [o["attributes"] for o in objs if kinds.get(key, o["type"]) == o["type"]]
            else:
                pool = objs
            share = sum(1 for o in pool if _present(o, key)) / len(pool)
            tolerance = 4 * math.sqrt(rate * (1 - rate) / len(pool)) + 0.02
            assert abs(share - rate) <= tolerance, (fmt, key, rate, share)


def test_people_are_shared_between_records() -> None:
    for fmt, people_of in (
        ("scicat", lambda o: [o["owner"]]),
        ("tess", lambda o: [a["name"] for a in o["attributes"].get("authors", [])]),
        ("codemeta", lambda o: [a.get("@id") or a["familyName"] for a in o["author"]]),
    ):
        counts = Counter(p for i in rf.iter_items(fmt, 400, seed=9) for p in people_of(i.obj))
        assert sum(1 for c in counts.values() if c > 1) >= 10, (fmt, counts.most_common(3))


def test_techniques_span_the_panet_tree_and_facilities_vary() -> None:
    items = list(rf.iter_items("panosc", 400, seed=4, defect_rate=0.0))
    techniques = {t["panetId"] for i in items for t in i.obj.get("techniques", [])}
    facilities = {i.obj["instrument"]["facility"] for i in items if "instrument" in i.obj}
    assert len(techniques) >= 15 and len(facilities) >= 6


def test_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format 'marc'"):
        list(rf.iter_items("marc", 1))
    with pytest.raises(ValueError, match="unknown format 'marc'"):
        rf.write_files("marc", tmp_path, 1)
