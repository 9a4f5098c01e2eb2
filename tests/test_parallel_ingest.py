"""Loading in worker processes (``ingest.workers``, :mod:`pangraph.prepare`) builds exactly what one
process builds: the same graphs, search index, archive states and run figures, for every demo source
format, and the same again after a re-harvest with changed, deleted, repeated and broken records."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from pangraph.archive import RunReport
from pangraph.demo import build_demo, demo_config, demo_records, demo_sources
from pangraph.pipeline import Node
from pangraph.prepare import PreparePool, worker_count
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from test_pipeline import assert_same_graphs, dataset_view

RUN_FIGURES = ("added", "updated", "unchanged", "deleted", "failed", "loaded", "nonconforming", "validated",
               "violations", "warnings", "infos")


def _config(tmp: Path, workers: int):  # noqa: ANN202
    return demo_config(data_dir=tmp).with_values(
        ingest__workers=workers, ingest__parallel_min=0, harvest__batch_size=7, dumps__auto=False)


def _figures(node: Node) -> list[tuple]:
    return [(r["source"], *(r.get(k) for k in RUN_FIGURES)) for r in reversed(node.archive.runs(limit=100))]


def _archive_states(node: Node) -> dict[tuple[str, str], tuple]:
    return {(r.source, r.identifier): (r.status, r.loaded_hash, r.error)
            for r in node.archive.iter_records(include_deleted=True)}


def _search_view(node: Node) -> tuple:
    idx = node.search_index
    return idx.counts(), sorted(idx.graphs())


def _reharvest(src) -> list[RawRecord | SourceProblem]:  # noqa: ANN001
    """The demo source again: one record changed, one deleted, one listed twice (an older copy first),
    and a new record that cannot be parsed."""
    records = [r for r in demo_records(src) if isinstance(r, RawRecord)]
    assert len(records) >= 4, src.name
    changed = dataclasses.replace(records[0], payload=records[0].payload.replace(b"<title", b"<title xml:lang=\"en\"", 1)
                                  if b"<title" in records[0].payload else records[0].payload + b" ")
    gone = RawRecord(source=src.name, identifier=records[1].identifier, metadata_prefix=records[1].metadata_prefix,
                     payload=b"", deleted=True)
    broken = RawRecord(source=src.name, identifier=records[2].identifier + "-broken",
                       metadata_prefix=records[2].metadata_prefix, payload=b"<resource><oops")
    stale = dataclasses.replace(records[3], payload=records[3].payload + b"\n")
    return [changed, gone, stale, *records[2:], broken]


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Node]:
    nodes: dict[int, Node] = {}
    logger = logging.getLogger("pangraph.pipeline")
    for workers in (1, 2):
        seen, level = _Messages(), logger.level
        logger.addHandler(seen)
        logger.setLevel(logging.INFO)
        try:
            node, _summary = build_demo(_config(tmp_path_factory.mktemp(f"w{workers}"), workers))
        finally:
            logger.removeHandler(seen)
            logger.setLevel(level)
        pools = [m for m in seen.lines if m.startswith("loading with")]
        assert bool(pools) == (workers > 1), pools  # the parallel build really used worker processes
        nodes[workers] = node
    yield nodes
    for node in nodes.values():
        node.close()


def test_worker_count_follows_the_setting(tmp_path: Path) -> None:
    assert worker_count(_config(tmp_path, 3)) == 3
    assert worker_count(_config(tmp_path, 0)) >= 1  # one per core


def test_a_parallel_build_of_every_demo_source_equals_the_serial_one(builds: dict[int, Node]) -> None:
    serial, parallel = builds[1], builds[2]
    view = dataset_view(serial)
    assert sum(1 for g in view if "/graph/record/" in g) > 100  # every demo format went through
    assert_same_graphs(view, dataset_view(parallel))
    assert _search_view(parallel) == _search_view(serial)
    assert _archive_states(parallel) == _archive_states(serial)
    assert _figures(parallel) == _figures(serial)


def test_a_parallel_reharvest_with_changes_equals_the_serial_one(builds: dict[int, Node]) -> None:
    src = next(s for s in demo_sources() if sum(1 for _ in demo_records(s)) >= 6)
    reports = {}
    for workers, node in builds.items():
        report = RunReport(source=src.name, kind="test")
        node.ingest(_reharvest(src), report=report)
        reports[workers] = report
    serial, parallel = builds[1], builds[2]
    assert reports[1].updated >= 2 and reports[1].deleted == 1 and reports[1].failed == 1, reports[1].as_dict()
    assert {k: v for k, v in reports[2].as_dict().items() if k not in ("started_at", "finished_at")} == \
        {k: v for k, v in reports[1].as_dict().items() if k not in ("started_at", "finished_at")}
    assert_same_graphs(dataset_view(serial), dataset_view(parallel))
    assert _search_view(parallel) == _search_view(serial)
    assert _archive_states(parallel) == _archive_states(serial)
    assert not list(parallel.archive.pending(src.name))


def test_a_worker_that_cannot_start_reports_why(tmp_path: Path) -> None:
    """A worker that cannot build its stages (here: PaNET missing) fails the run with the worker's
    own error, not a bare 'broken pool'."""
    cfg = _config(tmp_path, 2).with_values(vocab__panet__file=str(tmp_path / "missing-PaNET.owl"))
    with PreparePool(cfg, workers=2) as pool:
        pool.submit([])
        with pytest.raises(Exception) as err:  # noqa: PT011 - the worker's own error, re-raised here
            pool.next_done()
    assert "missing-PaNET.owl" in str(err.value)
