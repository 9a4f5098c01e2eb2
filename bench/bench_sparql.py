"""SPARQL endpoint benchmark: what running public queries in worker processes costs, against threads.

On a store of ``--datasets`` generated datasets (on disk, like ``pangraph serve``), it times ``--n`` runs of
each query below through :class:`pangraph.api.query_workers.QueryRunner` — the endpoint's own execution
path, without HTTP — in three ways:

- ``direct``: :func:`pangraph.store.query_worker.execute` called in the benchmark's thread (no isolation);
- ``thread``: the runner with ``sparql.workers = 0`` (a thread of the server per query, as before);
- ``process``: the runner with worker processes (query sent over a pipe, evaluated and serialised in the
  worker, result sent back).

Queries: ``ASK {}`` (pure overhead), a 20-row SELECT and a 1,000-row SELECT (serialisation and transfer).
It also measures the first query of a fresh pool (worker start), the time from a query's time limit to a
new worker being ready, and a query on a freshly written store (the reopen). Medians and 95th percentiles
in milliseconds; the figures go to ``bench/results/sparql.json`` (or ``--json``). Nothing here asserts a
speed.

    .venv/bin/python bench/bench_sparql.py
    .venv/bin/python bench/bench_sparql.py --datasets 20000 --n 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pangraph.api.query_workers import QueryRunner, QueryTimeout
from pangraph.store.oxigraph import OxigraphStore
from pangraph.store.query_worker import QueryJob, execute_on

HERE = Path(__file__).resolve().parent

QUERIES = {
    "ask-empty": "ASK {}",
    "select-20": "SELECT ?d ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t } LIMIT 20",
    "select-1000": "SELECT ?d ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t } LIMIT 1000",
}
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def build_store(path: Path, datasets: int) -> OxigraphStore:
    store = OxigraphStore(path)
    lines = []
    for i in range(datasets):
        d = f"<http://bench.example/id/dataset/{i}>"
        g = f"<http://bench.example/graph/record/bench/{i}>"
        lines.append(f"{d} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> {g} .")
        lines.append(f'{d} <http://purl.org/dc/terms/title> "Generated dataset {i}"@en {g} .')
        lines.append(f'{d} <http://purl.org/dc/terms/issued> "2024-01-{i % 28 + 1:02d}" {g} .')
    store.bulk_load(("\n".join(lines) + "\n").encode(), format="application/n-quads")
    return store


def stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {"median_ms": round(statistics.median(ms), 3), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 3),
            "mean_ms": round(statistics.fmean(ms), 3)}


async def time_runner(runner: QueryRunner, query: str, n: int) -> list[float]:
    await runner.run(QueryJob(query))  # warm: the worker is started and has opened the store
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        result = await runner.run(QueryJob(query))
        samples.append(time.perf_counter() - started)
        assert result.error_kind is None, result.error
    return samples


async def main_async(args: argparse.Namespace) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-sparql-"))
    store = build_store(tmp / "store", args.datasets)
    figures: dict = {"datasets": args.datasets, "quads": store.count_quads(), "n": args.n,
                     "python": platform.python_version(), "machine": platform.machine(), "queries": {}}
    thread = QueryRunner(store, workers=0, timeout_s=30, queue_timeout_s=5, max_rows=10_000)
    process = QueryRunner(store, workers=2, timeout_s=30, queue_timeout_s=5, max_rows=10_000)
    try:
        for name, query in QUERIES.items():
            direct = []
            execute_on(store, QueryJob(query, max_rows=10_000))
            for _ in range(args.n):
                started = time.perf_counter()
                execute_on(store, QueryJob(query, max_rows=10_000))
                direct.append(time.perf_counter() - started)
            row = {"direct": stats(direct), "thread": stats(await time_runner(thread, query, args.n)),
                   "process": stats(await time_runner(process, query, args.n))}
            row["process_overhead_vs_thread_ms"] = round(row["process"]["median_ms"] - row["thread"]["median_ms"], 3)
            figures["queries"][name] = row

        # a fresh pool: the first query starts a worker (fork server, then read-only open of the store)
        fresh = QueryRunner(store, workers=1, timeout_s=30, queue_timeout_s=5, max_rows=10_000)
        started = time.perf_counter()
        await fresh.run(QueryJob("ASK {}"))
        figures["first_query_of_a_fresh_pool_ms"] = round((time.perf_counter() - started) * 1000, 1)

        # a query past its limit: killed, then the time until a new worker answers
        fresh.timeout_s = 0.5
        started = time.perf_counter()
        try:
            await fresh.run(QueryJob(RUNAWAY))
            raise SystemExit("the runaway query finished within 0.5 s: use more --datasets")
        except QueryTimeout:
            pass
        figures["runaway_answered_503_after_ms"] = round((time.perf_counter() - started) * 1000, 1)
        fresh.timeout_s = 30
        started = time.perf_counter()
        await fresh.run(QueryJob("ASK {}"))
        figures["next_query_after_kill_ms"] = round((time.perf_counter() - started) * 1000, 1)
        fresh.close()

        # after a write of the primary, each worker reopens the store once
        store.replace_graph("http://bench.example/graph/extra", "<http://x.example/s> <http://x.example/p> <http://x.example/o> .\n")
        started = time.perf_counter()
        await process.run(QueryJob("ASK {}"))
        figures["first_query_after_a_write_ms"] = round((time.perf_counter() - started) * 1000, 1)
    finally:
        process.close()
        thread.close()
        store.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=5000)
    parser.add_argument("--n", type=int, default=300, help="timed runs per query and path")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "sparql.json")
    args = parser.parse_args()
    figures = asyncio.run(main_async(args))
    print(f"store: {figures['quads']} quads ({figures['datasets']} datasets), {figures['n']} runs per query and path")
    print(f"{'query':12} {'path':8} {'median ms':>10} {'p95 ms':>8}")
    for name, row in figures["queries"].items():
        for path in ("direct", "thread", "process"):
            print(f"{name:12} {path:8} {row[path]['median_ms']:10.3f} {row[path]['p95_ms']:8.3f}")
        print(f"{'':12} worker process overhead vs thread (median): {row['process_overhead_vs_thread_ms']:+.3f} ms")
    for key in ("first_query_of_a_fresh_pool_ms", "runaway_answered_503_after_ms", "next_query_after_kill_ms",
                "first_query_after_a_write_ms"):
        print(f"{key.replace('_', ' ')}: {figures[key]}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    sys.exit(main())
