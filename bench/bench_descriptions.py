"""Benchmark of the machine-readable descriptions of a node on N generated datasets: the DCAT-AP catalogue
pages, VoID, the sitemap, the dump, the metrics scrape.

    .venv/bin/python bench/bench_descriptions.py [--n 20000] [--seed 0] [--requests 5] [--json FILE]

The store is built as in `bench_pages.py` (N DataCite records of `recordgen.py`, crosswalked for real, one
record graph and a provenance entry per record, PaNET in its ontology graph). The app answers in-process
(Starlette's test client). VoID and the sitemap are timed twice: computed (their cache emptied before each
request) and from the cache (what every request after the first one costs until the store changes).
Prints a table and writes JSON (default bench/results/descriptions-<n>.json). Not a test: nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_pages import BASE, PANET, build  # noqa: E402

from pangraph.store.oxigraph import OxigraphStore  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402


def timed(label: str, fn, requests: int, results: dict, *, before=None) -> None:  # noqa: ANN001
    times, size = [], 0
    for _ in range(requests):
        if before is not None:
            before()
        t0 = time.perf_counter()
        size = fn()
        times.append((time.perf_counter() - t0) * 1000)
    row = {"requests": requests, "p50_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1),
           "bytes": size}
    results[label] = row
    print(f"  {label:44} p50 {row['p50_ms']:9.1f} ms  max {row['max_ms']:9.1f} ms  {size:>10} bytes", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--requests", type=int, default=5, help="requests per document")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from pangraph.api import create_app
    from pangraph.config import load_config
    from pangraph.dumps import write_dump

    techniques = TechniqueIndex.from_file(PANET)
    tmp = Path(tempfile.mkdtemp(prefix="pangraph-bench-descriptions-"))
    try:
        store = OxigraphStore(tmp / "store")
        print(f"building the store: {args.n} generated DataCite records, crosswalked …", flush=True)
        built = build(store, args.n, args.seed, techniques)
        quads = store.count_quads()
        print(f"  {built['records']} records in {built['seconds']} s; {quads} quads", flush=True)
        config = load_config(None, required=False).with_values(node__base=BASE, paths__data=str(tmp / "data"))
        app = create_app(config, store=store)
        client = TestClient(app)
        results: dict = {}

        def get(path: str, accept: str = "text/turtle"):  # noqa: ANN202
            def call() -> int:
                r = client.get(path, headers={"Accept": accept})
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
                return len(r.content)
            return call

        def clear(name: str):  # noqa: ANN202
            return lambda: setattr(app.state, name, None)

        print(f"documents ({args.requests} requests each):", flush=True)
        t0 = time.perf_counter()
        info = write_dump(store, config)
        dump_s = time.perf_counter() - t0
        print(f"  {'dump (gzipped N-Quads, written once)':44} {dump_s * 1000:9.1f} ms  {info.bytes:>10} bytes "
              f"({info.quads} quads)", flush=True)
        results["dump"] = {"ms": round(dump_s * 1000, 1), "bytes": info.bytes, "quads": info.quads}
        page_size = int(config["catalog.page_size"])
        last = max(1, -(-built["records"] // page_size))
        timed("catalog page 1, order computed (Turtle)", get("/catalog?page=1"), args.requests, results,
              before=clear("catalog_order"))
        timed("catalog page 1 (Turtle)", get("/catalog?page=1"), args.requests, results)
        timed(f"catalog page {last // 2} (Turtle)", get(f"/catalog?page={last // 2}"), args.requests, results)
        timed(f"catalog page {last} (last, Turtle)", get(f"/catalog?page={last}"), args.requests, results)
        timed("catalog page 1 (N-Triples)", get("/catalog?page=1", "application/n-triples"), args.requests, results)

        timed("VoID, computed", get("/.well-known/void"), args.requests, results, before=clear("void_cache"))
        timed("VoID, cached", get("/.well-known/void"), args.requests, results)
        timed("sitemap, computed", get("/sitemap.xml", "application/xml"), args.requests, results,
              before=clear("sitemap_cache"))
        timed("sitemap, cached", get("/sitemap.xml", "application/xml"), args.requests, results)
        timed("metrics scrape (store size cached)", get("/metrics", "text/plain"), args.requests, results)
        out = args.json or HERE / "results" / f"descriptions-{args.n}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"n": args.n, "records": built["records"], "quads": quads,
                                   "build_s": built["seconds"], "documents": results}, indent=2))
        print(f"written {out}")
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
