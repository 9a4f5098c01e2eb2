"""PaNOSC search API benchmark: how long /api/Datasets and friends take on N generated datasets.

    .venv/bin/python bench/bench_panosc.py [--n 20000] [--seed 0] [--requests 10] [--json FILE]

Builds the same on-disk store as `bench_pages.py` (N DataCite records of `recordgen.py`, crosswalked for real,
one record graph each, provenance, PaNET), then asks the app in-process (Starlette's test client):

- the first request, which reads the PaNOSC view of the whole graph (`pangraph.api.panosc_graph.build_view`);
- `/api/Datasets` first page, `/count` with a `like` condition, one dataset by pid with its relations;
- datasets under a broad PaNET technique (technique expansion through `include` + `scope.where`);
- a `query` relevance search (TF-IDF over titles, descriptions, keywords, technique names);
- `/api/Documents` with a `text` condition and `/api/Instruments`.

Prints a table (p50 / max per route), the view's build time and the process's peak RSS, and writes JSON
(default bench/results/panosc-<n>.json). Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_pages import BASE, PANET, PANET_NS, build, timed  # noqa: E402

from pangraph.store.oxigraph import OxigraphStore  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--requests", type=int, default=10, help="requests per route")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from pangraph.api import create_app
    from pangraph.config import load_config

    techniques = TechniqueIndex.from_file(PANET)
    tmp = Path(tempfile.mkdtemp(prefix="pangraph-bench-panosc-"))
    try:
        store = OxigraphStore(tmp / "store")
        print(f"building the store: {args.n} generated DataCite records, crosswalked …", flush=True)
        built = build(store, args.n, args.seed, techniques)
        print(f"  {built['records']} records in {built['seconds']} s; {store.count_quads()} quads", flush=True)
        config = load_config(None, required=False).with_values(node__base=BASE, paths__data=str(tmp / "data"),
                                                               vocab__panet__file=str(PANET),
                                                               server__query_timeout_s=3600)
        client = TestClient(create_app(config, store=store))
        counts: Counter[str] = Counter()
        for t, n in built["techniques"].items():
            for a in techniques.ancestors(t, include_self=True):
                if not a.startswith(PANET_NS + "PaNET00"):
                    counts[a] += n
        broad = counts.most_common(1)[0][0]
        t0 = time.perf_counter()
        first = client.get("/api/Datasets/count")
        view_s = time.perf_counter() - t0
        if first.status_code != 200:
            raise RuntimeError(f"/api/Datasets/count: {first.status_code} {first.text[:300]}")
        print(f"first request (reads the PaNOSC view of the graph): {view_s:.2f} s; {first.json()['count']} datasets",
              flush=True)
        doi = built["doi"][len("https://doi.org/"):]
        results: dict = {}
        routes = [
            ("datasets, first page of 20", "/api/Datasets?" + urlencode({"filter": json.dumps({"limit": 20})})),
            ("datasets count, title like", "/api/Datasets/count?" + urlencode({"where": json.dumps(
                {"title": {"ilike": "%crystal%"}})})),
            ("one dataset by pid + relations", f"/api/Datasets/{quote(doi, safe='')}?" + urlencode({"filter": json.dumps(
                {"include": ["techniques", "instrument", "documents", "files", "parameters"]})})),
            (f"technique expansion ({broad.rsplit('/', 1)[1]}), 20", "/api/Datasets?" + urlencode({"filter": json.dumps(
                {"limit": 20, "include": [{"relation": "techniques", "scope": {"where": {"pid": broad}}}]})})),
            ("query relevance, 10 best", "/api/Datasets?" + urlencode({"filter": json.dumps(
                {"limit": 10, "query": "protein crystal structure"})})),
            ("documents, text", "/api/Documents?" + urlencode({"filter": json.dumps({"where": {"text": "2"},
                                                                                    "limit": 20})})),
            ("instruments", "/api/Instruments"),
        ]
        print(f"routes ({args.requests} requests each):", flush=True)
        for label, path in routes:
            timed(client, label, path, {}, args.requests, results)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of the process: {rss_mb:.0f} MB")
        out = args.json or HERE / "results" / f"panosc-{args.n}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"n": args.n, "records": built["records"], "build_s": built["seconds"],
                                   "view_s": round(view_s, 2), "peak_rss_mb": round(rss_mb), "routes": results},
                                  indent=2))
        print(f"written {out}")
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
