"""The whole path — harvest, archive, crosswalk, validate, store — against real OAI-PMH servers on
127.0.0.1 and a real on-disk Oxigraph store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pyoxigraph as ox

from conftest import PANET_OWL, REPO
from oai_server import SICKLE_ROUTES, OAIServer, ServedRecord, datacite_xml, make_datacite_records
from pangraph.config import SourceConfig, load_config
from pangraph.errors import LockedError
from pangraph.pipeline import Node
from pangraph.quality import quality_summary

BASE = "http://pan.test"
VOLATILE = {  # statements that say *when* something happened: they differ between any two runs
    "http://www.w3.org/ns/prov#generatedAtTime",
}


def write_config(tmp: Path, sources: dict[str, dict[str, str]], *, batch_size: int = 500) -> Path:
    lines = [
        "[node]", f'base = "{BASE}"', "[paths]", 'data = "data"',
        "[vocab.panet]", f'file = "{PANET_OWL}"', "[harvest]", f"batch_size = {batch_size}",
        "timeout_s = 5", "backoff_s = 0.01",
    ]
    for name, table in sources.items():
        lines.append(f"[sources.{name}]")
        lines += [f'{k} = "{v}"' for k, v in table.items()]
    path = tmp / "pangraph.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def node_for(path: Path) -> Node:
    return Node(load_config(path))


def dataset_view(node: Node) -> dict[str, frozenset[str]]:
    """Every named graph of the store in canonical form (RDFC-1.0 blank-node labels, one N-Triples
    statement per item), without the volatile statements: equal views are isomorphic graphs."""
    out: dict[str, frozenset[str]] = {}
    for g in sorted(node.store.named_graphs()):
        quads = [q for q in ox.parse(node.store.graph_ntriples(g), format=ox.RdfFormat.N_TRIPLES)
                 if q.predicate.value not in VOLATILE]
        ds = ox.Dataset(quads)
        ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        out[g] = frozenset(str(q) for q in ds)
    return out


def assert_same_graphs(a: dict[str, frozenset[str]], b: dict[str, frozenset[str]]) -> None:
    assert sorted(a) == sorted(b), f"named graphs differ: only in first {sorted(set(a) - set(b))[:5]}, " \
                                   f"only in second {sorted(set(b) - set(a))[:5]}"
    for name in a:
        if a[name] != b[name]:
            only_a, only_b = a[name] - b[name], b[name] - a[name]
            pytest.fail(f"graph {name} differs: {len(only_a)} only in first, {len(only_b)} only in second; "
                        f"e.g. {sorted(only_a)[:3]} / {sorted(only_b)[:3]}")


def record_graph_count(node: Node) -> int:
    return sum(1 for g in node.store.named_graphs() if g.startswith(f"{BASE}/graph/record/"))


# --- the shared sickle sample run: four pages, resumption tokens, deleted headers ------------------------


def test_harvest_sickle_sample_run_end_to_end(tmp_path: Path, shared_data: Path) -> None:
    with OAIServer(files=shared_data / "oai-pmh" / "sickle-sample-data", routes=SICKLE_ROUTES) as server:
        cfg = write_config(tmp_path, {"loc": {"url": server.url, "metadata_prefix": "oai_dc"}})
        with node_for(cfg) as node:
            report = node.harvest("loc")
            runs = node.archive.runs("loc")
            graphs = record_graph_count(node)
            deleted = [r for r in node.archive.iter_records("loc", include_deleted=True) if r.deleted]
            titles = node.store.select(
                "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; "
                "<http://purl.org/dc/terms/title> ?t }")
    listed = [r for r in server.requests if r.params.get("verb") == "ListRecords"]
    assert [r.file for r in listed] == ["ListRecords.xml", "ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"], \
        "the pages are followed through their resumption tokens"
    # the pages repeat two records: 1585310 is a deleted header on every page, 1585322 a live record
    # (unchanged after its first page); page 4 adds a deleted header with no identifier (reported)
    assert (report.added, report.deleted, report.unchanged) == (1, 1, 5)
    assert [r.identifier for r in deleted] == ["oai:test.example.com:1585310"]
    assert report.failed == 1 and "without identifier" in report.errors[0]["reason"]
    assert report.status == "partial"
    assert graphs == 1 and int(titles[0]["n"]) == 1
    assert runs[0]["added"] == 1 and runs[0]["status"] == "partial" and runs[0]["errors"]


# --- incremental harvesting -----------------------------------------------------------------------------


def test_incremental_harvest_asks_from_the_checkpoint_and_applies_changes(tmp_path: Path) -> None:
    server = OAIServer(records=make_datacite_records(30), page_size=7)
    with server:
        cfg = write_config(tmp_path, {"src": {"url": server.url, "metadata_prefix": "oai_datacite"}})
        with node_for(cfg) as node:
            first = node.harvest("src")
            assert (first.added, first.updated, first.deleted) == (30, 0, 0)
            assert record_graph_count(node) == 30
            checkpoint = node.archive.checkpoint("src")
            assert checkpoint

            time.sleep(1.1)  # datestamps have seconds granularity
            server.update_record("doi:10.5072/pangraph-test-3",
                                 metadata=datacite_xml("10.5072/pangraph-test-3", "A corrected title"))
            server.delete_record("doi:10.5072/pangraph-test-4")
            server.set_record(ServedRecord("doi:10.5072/new-one", server.now(),
                                           datacite_xml("10.5072/new-one", "A new dataset")))
            server.clear_log()
            second = node.harvest("src")
            froms = {r.params.get("from") for r in server.requests if r.params.get("verb") == "ListRecords"}
            assert froms == {checkpoint}, "the second run asks from= the first run's checkpoint"
            assert (second.added, second.updated, second.deleted, second.unchanged) == (1, 1, 1, 0)
            assert record_graph_count(node) == 30
            titles = {r["t"] for r in node.store.select(
                "SELECT ?t WHERE { <https://doi.org/10.5072/pangraph-test-3> <http://purl.org/dc/terms/title> ?t }")}
            assert titles == {"A corrected title"}, "a changed record replaces its graph, never adds to it"
            assert not node.store.select(
                "SELECT ?p WHERE { <https://doi.org/10.5072/pangraph-test-4> ?p ?o } LIMIT 1")
            # the deleted record's provenance and quality statements went with its graph
            gone = node.record_graph("src", "doi:10.5072/pangraph-test-4")
            assert not node.store.ask(f"ASK {{ GRAPH ?g {{ <{gone}> ?p ?o }} }}")
            assert not node.store.ask(
                f"ASK {{ GRAPH ?g {{ ?s <http://www.w3.org/ns/dqv#computedOn> <{gone}> }} }}")


def test_unchanged_records_are_not_crosswalked_again(tmp_path: Path) -> None:
    with OAIServer(records=make_datacite_records(12), page_size=5) as server:
        cfg = write_config(tmp_path, {"src": {"url": server.url}})
        with node_for(cfg) as node:
            node.harvest("src")
            again = node.harvest("src", full=True)
    assert (again.added, again.updated, again.unchanged, again.loaded) == (0, 0, 12, 0)


def test_a_record_that_cannot_be_crosswalked_is_reported_and_kept(tmp_path: Path) -> None:
    records = make_datacite_records(5)
    records[2] = ServedRecord(records[2].identifier, records[2].datestamp, '<marc:record xmlns:marc="http://www.loc.gov/MARC21/slim"><marc:leader>broken</marc:leader></marc:record>')
    with OAIServer(records=records, page_size=10) as server:
        cfg = write_config(tmp_path, {"src": {"url": server.url}})
        with node_for(cfg) as node:
            report = node.harvest("src")
            kept = node.archive.get("src", records[2].identifier)
            graphs = record_graph_count(node)
    assert report.failed == 1 and report.errors[0]["identifier"] == records[2].identifier
    assert report.status == "partial"
    assert kept is not None and b"MARC21" in kept.payload, "the raw record stays in the archive"
    assert graphs == 4


def test_recrosswalk_rebuilds_the_same_graph_without_network(tmp_path: Path) -> None:
    with OAIServer(records=make_datacite_records(15), page_size=4) as server:
        cfg = write_config(tmp_path, {"src": {"url": server.url}})
        with node_for(cfg) as node:
            node.harvest("src")
            before = dataset_view(node)
    # the server is gone: recrosswalk reads the archive only
    with node_for(cfg) as node:
        node.store.drop_graph(node.record_graph("src", "doi:10.5072/pangraph-test-0"))
        report = node.recrosswalk(source="src")
        after = dataset_view(node)
    assert report.loaded == 15 and report.status == "ok"
    assert_same_graphs(before, after)


def test_second_run_of_the_same_source_is_refused_while_one_runs(tmp_path: Path) -> None:
    with OAIServer(records=make_datacite_records(3), page_size=10) as server:
        cfg = write_config(tmp_path, {"src": {"url": server.url}})
        config = load_config(cfg)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        holder = subprocess.Popen(
            [sys.executable, "-c",
             "import sys, time; from pangraph.archive import source_lock\n"
             f"with source_lock({str(config.data_dir)!r}, 'src'):\n"
             "    print('locked', flush=True); time.sleep(30)"],
            stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            with node_for(cfg) as node, pytest.raises(LockedError, match="already running"):
                node.harvest("src")
        finally:
            holder.kill()
            holder.wait()
        with node_for(cfg) as node:  # the lock dies with its holder
            assert node.harvest("src").added == 3


def test_validation_results_are_stored_and_summarised(tmp_path: Path) -> None:
    records = make_datacite_records(4)
    with OAIServer(records=records, page_size=10) as server:
        cfg = write_config(tmp_path, {"src": {"url": server.url}})
        with node_for(cfg) as node:
            node.harvest("src")
            summary = quality_summary(node, source="src")
            per_graph = node.store.select(
                "SELECT ?g (COUNT(?rep) AS ?n) WHERE { GRAPH ?q { ?rep a <http://www.w3.org/ns/shacl#ValidationReport> ; "
                "<http://www.w3.org/ns/dqv#computedOn> ?g } } GROUP BY ?g")
    assert summary.records == 4
    assert len(per_graph) == 4 and all(int(r["n"]) == 1 for r in per_graph)
    assert summary.exit_code() == (0 if summary.conforming == 4 else 1)


def test_one_off_harvest_by_url(tmp_path: Path) -> None:
    with OAIServer(records=make_datacite_records(3), page_size=10) as server:
        cfg = write_config(tmp_path, {})
        with node_for(cfg) as node:
            report = node.harvest(SourceConfig(name="oneoff", url=server.url))
            assert report.added == 3 and node.archive.checkpoint("oneoff")


# --- kill -9 at any point ----------------------------------------------------------------------------------


def _harvest_process(cfg: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen([sys.executable, "-m", "pangraph.cli", "--config", str(cfg), "harvest", "src"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def test_kill_9_at_any_point_then_rerun_gives_exactly_the_uninterrupted_graph(tmp_path: Path) -> None:
    records = make_datacite_records(40)
    server = OAIServer(records=records, page_size=4)
    with server:
        # the reference: one uninterrupted run
        ref_dir = tmp_path / "ref"
        ref_dir.mkdir()
        ref_cfg = write_config(ref_dir, {"src": {"url": server.url}}, batch_size=3)
        started = time.monotonic()
        proc = _harvest_process(ref_cfg)
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
        duration = time.monotonic() - started
        with node_for(ref_cfg) as node:
            reference = dataset_view(node)
        assert sum(1 for g in reference if "/graph/record/" in g) == 40

        # kill -9 at several points spread over a run, then run again to the end
        kills = 0
        for i, fraction in enumerate((0.2, 0.35, 0.5, 0.65, 0.8, 0.95)):
            run_dir = tmp_path / f"killed-{i}"
            run_dir.mkdir()
            cfg = write_config(run_dir, {"src": {"url": server.url}}, batch_size=3)
            proc = _harvest_process(cfg)
            time.sleep(duration * fraction)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(timeout=60)
            rerun = _harvest_process(cfg)
            assert rerun.wait(timeout=120) == 0, rerun.stderr.read().decode()
            with node_for(cfg) as node:
                assert_same_graphs(reference, dataset_view(node))
                assert node.archive.count("src") == 40
        assert kills >= 4, "most kills must land while the harvest runs"


def test_kill_9_during_a_harvest_of_the_shared_sample_pages(tmp_path: Path, shared_data: Path) -> None:
    """The same guarantee on the real sample responses (sickle's four pages with deleted headers),
    slowed down so that the kills land between pages."""
    folder = shared_data / "oai-pmh" / "sickle-sample-data"
    with OAIServer(files=folder, routes=SICKLE_ROUTES) as server:
        ref_dir = tmp_path / "ref"
        ref_dir.mkdir()
        ref_cfg = write_config(ref_dir, {"loc": {"url": server.url, "metadata_prefix": "oai_dc"}}, batch_size=1)
        server.slow_next(4, delay_s=0.4, verb="ListRecords")
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "pangraph.cli", "--config", str(ref_cfg), "harvest", "loc"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(REPO / "src")})
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
        duration = time.monotonic() - started
        with node_for(ref_cfg) as node:
            reference = dataset_view(node)
        kills = 0
        for i, fraction in enumerate((0.6, 0.75, 0.9)):
            run_dir = tmp_path / f"killed-{i}"
            run_dir.mkdir()
            cfg = write_config(run_dir, {"loc": {"url": server.url, "metadata_prefix": "oai_dc"}}, batch_size=1)
            server.slow_next(4, delay_s=0.4, verb="ListRecords")
            proc = subprocess.Popen([sys.executable, "-m", "pangraph.cli", "--config", str(cfg), "harvest", "loc"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env={**os.environ, "PYTHONPATH": str(REPO / "src")})
            time.sleep(duration * fraction)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(timeout=60)
            server.clear_faults()  # the killed run may not have used up its slow pages
            rerun = subprocess.run([sys.executable, "-m", "pangraph.cli", "--config", str(cfg), "harvest", "loc"],
                                   capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")},
                                   timeout=120)
            assert rerun.returncode == 0, rerun.stderr.decode()
            with node_for(cfg) as node:
                assert_same_graphs(reference, dataset_view(node))
        assert kills >= 2
