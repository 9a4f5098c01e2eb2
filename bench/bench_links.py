"""Link API benchmark: how long writes and reads of /links take as the links graph grows.

    .venv/bin/python bench/bench_links.py [--records 20000] [--links 100,1000,5000] [--json FILE]

Builds an on-disk Oxigraph store with N minted dataset records (one record graph each, a dct:identifier per
record, every 50th record a DOI written as its identifier and every pair of records sharing a proposal number,
so that suggestions have work to do), then, through the app in-process (Starlette's test client: the app's
own time), with a bearer token:

- grows the links graph to each size of ``--links`` by POSTing links (each write rebuilds the links graph:
  the figure to watch), timing the writes at that size (p50, p95);
- times GET /links?iri=, GET /links/{id}, an idempotent re-POST (200) and DELETE at that size;
- times GET /links/suggestions once at the end (the shared-identifier scan over all records).

Dumps are not rewritten during the run (``dumps.auto`` off). Prints a table and writes JSON
(default bench/results/links-<records>.json). Not a test: nothing here asserts a speed.
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
sys.path.insert(0, str(HERE.parent / "src"))

from fastapi.testclient import TestClient  # noqa: E402

from pangraph import iri as iris  # noqa: E402
from pangraph.api import create_app  # noqa: E402
from pangraph.auth import hash_token  # noqa: E402
from pangraph.config import load_config  # noqa: E402
from pangraph.rdf import DCAT, DCT, RDF, iri, literal, nquads  # noqa: E402
from pangraph.store.oxigraph import OxigraphStore  # noqa: E402

BASE = "http://127.0.0.1:8000"
TOKEN = "bench-token-0123456789abcdef"


def records(n: int) -> str:
    out = []
    for i in range(n):
        d = iri(iris.mint(BASE, "dataset", "bench", f"r{i}"))
        ident = f"10.5555/BENCH.{i}" if i % 50 == 0 else f"MX-{i // 2}"
        out.append(nquads([(d, RDF.type, DCAT.Dataset), (d, DCT.title, literal(f"Dataset {i}")),
                           (d, DCT.identifier, literal(ident))], iris.record_graph(BASE, "bench", f"r{i}")))
    return "".join(out)


def ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {"p50_ms": round(statistics.median(values) * 1000, 2),
            "p95_ms": round(values[min(len(values) - 1, int(len(values) * 0.95))] * 1000, 2)}


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN202
    t = time.perf_counter()
    r = fn(*args, **kwargs)
    return time.perf_counter() - t, r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--links", default="100,1000,5000")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    sizes = [int(x) for x in args.links.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-links-"))
    try:
        store = OxigraphStore(tmp / "store")
        store.bulk_load(records(args.records).encode(), format="application/n-quads")
        cfg = load_config(environ={"PANGRAPH_NODE_BASE": BASE, "PANGRAPH_PATHS_DATA": str(tmp / "data")}).with_values(
            links__tokens=[f"bench:{hash_token(TOKEN)}"], dumps__auto=False)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        results = {"records": args.records, "sizes": []}
        with TestClient(create_app(cfg, store=store)) as c:
            made = 0
            for size in sizes:
                writes = []
                while made < size:
                    subject = iris.mint(BASE, "dataset", "bench", f"r{made % args.records}")
                    body = {"subject": subject, "predicate": "skos:exactMatch",
                            "object": f"https://node-b.example/id/dataset/{made}", "confidence": 0.9}
                    dt, r = timed(c.post, "/links", json=body, headers=auth)
                    assert r.status_code == 201, r.text
                    writes.append(dt)
                    made += 1
                last = writes[-min(len(writes), 50):]
                subject = iris.mint(BASE, "dataset", "bench", "r0")
                body = {"subject": subject, "predicate": "skos:exactMatch", "object": "https://node-b.example/id/dataset/0"}
                link_id = c.post("/links", json=body, headers=auth).json()["link"]["id"]
                reads = [timed(c.get, "/links", params={"iri": subject})[0] for _ in range(10)]
                gets = [timed(c.get, f"/links/{link_id}")[0] for _ in range(10)]
                reposts = [timed(c.post, "/links", json=body, headers=auth)[0] for _ in range(10)]
                extra = {"subject": subject, "predicate": "dct:relation", "object": "https://node-b.example/x"}
                deletes = []
                for _ in range(5):
                    new = c.post("/links", json=extra, headers=auth).json()["link"]["id"]
                    deletes.append(timed(c.delete, f"/links/{new}", headers=auth)[0])
                row = {"links": size, "post_new_last50": ms(last), "get_links_by_iri": ms(reads),
                       "get_link": ms(gets), "repost_200": ms(reposts), "delete": ms(deletes)}
                results["sizes"].append(row)
                print(f"{size:>6} links  POST new p50 {row['post_new_last50']['p50_ms']:>8} ms  "
                      f"p95 {row['post_new_last50']['p95_ms']:>8} ms | GET ?iri= p50 {row['get_links_by_iri']['p50_ms']:>7} ms"
                      f" | GET /links/{{id}} p50 {row['get_link']['p50_ms']:>7} ms | re-POST p50 "
                      f"{row['repost_200']['p50_ms']:>7} ms | DELETE p50 {row['delete']['p50_ms']:>8} ms", flush=True)
            dt, r = timed(c.get, "/links/suggestions", params={"limit": 1000})
            results["suggestions"] = {"seconds": round(dt, 3), "count": r.json()["count"]}
            print(f"GET /links/suggestions over {args.records} records: {dt:.2f} s ({r.json()['count']} shown)")
        out = args.json or HERE / "results" / f"links-{args.records}.json"
        out.write_text(json.dumps(results, indent=2))
        print(f"wrote {out}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
