"""Store backends compared: the same generated records ingested into embedded Oxigraph, an Oxigraph server
and Virtuoso (servers started on 127.0.0.1 as the tests do: tests/remote_stores.py), then the same queries.

    .venv/bin/python bench/bench_backends.py [--n 2000] [--seed 0] [--batch 500] [--repeat 5]
        [--backends embedded,oxigraph-server,virtuoso] [--json FILE]

Per backend: ``Node.ingest`` of *n* DataCite records (archive → crosswalk → validate → store, batch by batch,
as a harvest runs; every write through the backend's fast path), a re-ingest of the same records (nothing
changed: the cost of a daily re-harvest that finds nothing new), the bulk load of the whole graph as N-Quads
(an initial build moved onto the server), and the median of ``--repeat`` runs of representative queries
(datasets per technique, a dataset description CONSTRUCT, a keyword FILTER, a count). Prints a table with
ratios to the embedded store and writes JSON (default bench/results/backends-<n>.json). Backends that are not
installed are reported as skipped. Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from recordgen import generate, to_datacite_xml  # noqa: E402
from remote_stores import ServerUnavailable, server  # noqa: E402

from pangraph.archive import RunReport  # noqa: E402
from pangraph.config import load_config  # noqa: E402
from pangraph.pipeline import Node  # noqa: E402
from pangraph.queries import DATASETS_PER_TECHNIQUE  # noqa: E402
from pangraph.records import RawRecord  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402

BASE = "http://bench.pangraph"
PANET = HERE.parent.parent / "shared" / "data" / "panet" / "PaNET.owl"
BACKENDS = ("embedded", "oxigraph-server", "virtuoso")

KEYWORD = """PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title FILTER(CONTAINS(LCASE(STR(?title)), "bone")) }
LIMIT 100"""
COUNT = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"


def describe_query(graph: str) -> str:
    """The dataset page's description of one record (as /describe and the catalogue ask for it)."""
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ <{graph}> }} GRAPH ?g {{ ?s ?p ?o }} }}"


def timed(fn):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def median_ms(fn, repeat: int) -> float:  # noqa: ANN001
    fn()  # warm-up (caches, connections)
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(runs), 2)


def run_backend(name: str, records: list[RawRecord], settings: dict, work: Path, args: argparse.Namespace,
                techniques: TechniqueIndex, dump: bytes | None) -> dict:
    data = work / name
    data.mkdir()
    cfg_path = data / "pangraph.toml"
    cfg_path.write_text(f'[node]\nbase = "{BASE}"\n[paths]\ndata = "node"\n'
                        + (f'[vocab.panet]\nfile = "{PANET}"\n' if PANET.exists() else "")
                        + f"[harvest]\nbatch_size = {args.batch}\n")
    config = load_config(cfg_path).with_values(**settings)
    out: dict = {}
    with Node(config, techniques=techniques) as node:
        node.ensure_ontologies()
        report = RunReport(source="bench", kind="bench")
        seconds, _ = timed(lambda: node.ingest(iter(records), report=report))
        out["ingest_s"] = round(seconds, 2)
        out["ingest_records_per_s"] = round(len(records) / seconds, 1)
        out["loaded"] = report.loaded
        again = RunReport(source="bench", kind="bench")
        seconds, _ = timed(lambda: node.ingest(iter(records), report=again))
        out["reingest_unchanged_s"] = round(seconds, 2)
        store = node.store
        out["quads"] = store.count_quads()
        graph = node.record_graph("bench", records[len(records) // 2].identifier)
        queries = {
            "datasets per technique": lambda: store.query(DATASETS_PER_TECHNIQUE),
            "dataset description CONSTRUCT": lambda: store.query(describe_query(graph),
                                                                 media_type="application/n-triples"),
            "keyword FILTER": lambda: store.query(KEYWORD),
            "count datasets": lambda: store.select(COUNT),
        }
        out["query_ms"] = {label: median_ms(fn, args.repeat) for label, fn in queries.items()}
        rows = store.select(COUNT)
        out["datasets"] = int(rows[0]["n"])
        if dump is None:
            buf = io.BytesIO()
            seconds, _ = timed(lambda: store.dump(buf, format="application/n-quads"))
            out["dump_s"] = round(seconds, 2)
            dump = buf.getvalue()
    # the initial build moved over: the whole graph as N-Quads into an empty store of this backend
    if name == "embedded":
        from pangraph.store.oxigraph import OxigraphStore

        target = OxigraphStore(data / "bulk")
    else:
        from pangraph.store import open_store

        target = open_store(config.with_values(store__graph_prefix=f"{BASE}/bulk-check/"))  # same server
        target.clear()
    try:
        if name != "embedded":  # the records are on the server already: load them under other graph names
            payload = dump.replace(f"<{BASE}/graph/".encode(), f"<{BASE}/bulk-check/".encode())
        else:
            payload = dump
        seconds, _ = timed(lambda: target.bulk_load(payload, format="application/n-quads"))
        out["bulk_load_s"] = round(seconds, 2)
        out["bulk_load_quads_per_s"] = round(payload.count(b"\n") / seconds) if seconds else None
    finally:
        target.close()
    return out, dump


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--table", type=Path, default=None, help="only print the table of an earlier JSON result")
    args = ap.parse_args()
    if args.table:
        print_table(json.loads(args.table.read_text()))
        return
    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in names if b not in BACKENDS and not b.startswith("virtuoso:")]
    if unknown:
        raise SystemExit(f"unknown backends {unknown}; choose from {BACKENDS}")
    records = [RawRecord("bench", "doi:" + s.doi, "datacite", to_datacite_xml(s)) for s in generate(args.n, seed=args.seed)]
    techniques = TechniqueIndex.from_file(PANET) if PANET.exists() else TechniqueIndex.from_table()
    work = Path(tempfile.mkdtemp(prefix="pangraph-bench-backends-"))
    results: dict = {"n": args.n, "seed": args.seed, "batch": args.batch, "cpus": os.cpu_count(),
                     "loadavg_before": os.getloadavg(), "backends": {}}
    print(f"pangraph store backends: {args.n} generated DataCite records (seed {args.seed}), "
          f"load average {os.getloadavg()[0]:.2f}")
    dump = None
    try:
        for name in names:
            with ExitStack() as stack:
                settings: dict = {}
                if name != "embedded":
                    print(f"  starting {name} ...", flush=True)
                    try:
                        srv = stack.enter_context(server(name))
                    except ServerUnavailable as e:
                        results["backends"][name] = {"skipped": str(e)}
                        print(f"  {name}: skipped ({e})")
                        continue
                    settings = srv.settings
                print(f"  {name} ...", flush=True)
                out, dump = run_backend(name, records, settings, work, args, techniques, dump)
                out["write"] = "embedded bulk_load" if name == "embedded" else None
                if name != "embedded":
                    from pangraph.store import open_store

                    probe = open_store(load_config(None, required=False).with_values(**settings))
                    out["write"] = probe.write
                    probe.close()
                results["backends"][name] = out
                print(f"    {json.dumps(out)}", flush=True)
        results["loadavg_after"] = os.getloadavg()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    out_path = args.json or HERE / "results" / f"backends-{args.n}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(results, indent=2))
    print(f"  JSON: {out_path}")


def print_table(results: dict) -> None:
    rows = {k: v for k, v in results["backends"].items() if "skipped" not in v}
    if not rows:
        return
    ref = rows.get("embedded")
    names = list(rows)
    width = max(34, *(len(n) + 2 for n in names))
    print()
    print(f"  {'':34}" + "".join(f"{n:>{width - 14}}" for n in names))

    def line(label: str, get, unit: str) -> None:  # noqa: ANN001
        cells = []
        for n in names:
            value = get(rows[n])
            base = get(ref) if ref else None
            numeric = isinstance(value, (int, float)) and isinstance(base, (int, float))
            ratio = f" ({value / base:.1f}×)" if numeric and base and n != "embedded" else ""
            cells.append(f"{value}{unit}{ratio}" if value is not None else "-")
        print(f"  {label:34}" + "".join(f"{c:>{width - 14}}" for c in cells))

    line("write path", lambda r: r.get("write"), "")
    line("ingest (Node.ingest)", lambda r: r["ingest_s"], " s")
    line("ingest records/s", lambda r: r["ingest_records_per_s"], "")
    line("re-ingest, nothing changed", lambda r: r["reingest_unchanged_s"], " s")
    line("bulk load of the N-Quads", lambda r: r["bulk_load_s"], " s")
    line("quads", lambda r: r["quads"], "")
    for q in next(iter(rows.values()))["query_ms"]:
        line(f"{q} (median)", lambda r, q=q: r["query_ms"][q], " ms")
    print("  (ratios: to the embedded store; quads: the node's graphs only)")


if __name__ == "__main__":
    main()
