"""Benchmark of the OAI-PMH provider (/oai) on N generated datasets: Identify, ListSets, list pages (first, by
token in the middle, with a type set), GetRecord per format, and a whole ListIdentifiers harvest.

    .venv/bin/python bench/bench_oai.py [--n 20000] [--seed 0] [--requests 5] [--page-size 100] [--json FILE]

The store is built as in `bench_pages.py` (N DataCite records of `recordgen.py`, crosswalked for real, one record
graph and a provenance entry per record, PaNET in its ontology graph); the archive gets the same records, marked
loaded (that sets the OAI datestamps). The app answers in-process (Starlette's test client). Prints a table and
writes JSON (default bench/results/oai-<n>.json). Not a test: nothing asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_pages import BASE, PANET, build  # noqa: E402
from recordgen import generate, to_datacite_xml  # noqa: E402

from pangraph.archive import Archive  # noqa: E402
from pangraph.iri import local_key  # noqa: E402
from pangraph.records import RawRecord  # noqa: E402
from pangraph.store.oxigraph import OxigraphStore  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402

TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--requests", type=int, default=5)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from pangraph.api import create_app
    from pangraph.config import load_config

    techniques = TechniqueIndex.from_file(PANET)
    tmp = Path(tempfile.mkdtemp(prefix="pangraph-bench-oai-"))
    try:
        store = OxigraphStore(tmp / "store")
        print(f"building the store: {args.n} generated DataCite records, crosswalked …", flush=True)
        built = build(store, args.n, args.seed, techniques)
        archive = Archive(tmp / "data" / "archive.sqlite")
        records = [(RawRecord("bench", "doi:" + s.doi, "datacite", to_datacite_xml(s)), local_key("doi:" + s.doi))
                   for s in generate(args.n, seed=args.seed)]
        archive.put_many(records, harvested_at="2026-01-01T00:00:00.000Z")
        archive.mark_loaded_many("bench", [(r.identifier, r.content_hash) for r, _ in records])
        del records
        print(f"  {built['records']} records in {built['seconds']} s; {store.count_quads()} quads", flush=True)
        config = load_config(None, required=False).with_values(
            node__base=BASE, paths__data=str(tmp / "data"), oai__page_size=args.page_size,
            oai__repository_identifier="bench.pangraph.example")
        client = TestClient(create_app(config, store=store, archive=archive))
        results: dict = {}

        def get(query: str) -> bytes:
            r = client.get("/oai?" + query)
            if r.status_code != 200 or b"<error" in r.content:
                raise RuntimeError(f"{query}: {r.status_code} {r.text[:300]}")
            return r.content

        def timed(label: str, query: str) -> bytes:
            times, body = [], b""
            for _ in range(args.requests):
                t0 = time.perf_counter()
                body = get(query)
                times.append((time.perf_counter() - t0) * 1000)
            row = {"requests": args.requests, "p50_ms": round(statistics.median(times), 1),
                   "max_ms": round(max(times), 1), "bytes": len(body)}
            results[label] = row
            print(f"  {label:52} p50 {row['p50_ms']:9.1f} ms  max {row['max_ms']:9.1f} ms  {len(body):>9} bytes",
                  flush=True)
            return body

        timed("Identify", "verb=Identify")
        timed("ListSets", "verb=ListSets")
        first = timed(f"ListIdentifiers page 1 ({args.page_size})", "verb=ListIdentifiers&metadataPrefix=oai_dc")
        token = TOKEN.search(first).group(1).decode()
        timed("ListIdentifiers page 2 (token)", f"verb=ListIdentifiers&resumptionToken={token}")
        for prefix in ("oai_dc", "datacite", "rdf"):
            timed(f"ListRecords {prefix} page 1", f"verb=ListRecords&metadataPrefix={prefix}")
        timed("ListRecords datacite, set=type:dataset", "verb=ListRecords&metadataPrefix=datacite&set=type:dataset")
        ident = re.search(rb"<identifier>([^<]+)</identifier>", first).group(1).decode()
        for prefix in ("oai_dc", "datacite", "rdf"):
            timed(f"GetRecord {prefix}", f"verb=GetRecord&metadataPrefix={prefix}&identifier={ident}")
        t0 = time.perf_counter()
        pages, body = 1, get("verb=ListIdentifiers&metadataPrefix=oai_dc")
        while (m := TOKEN.search(body)):
            body = get(f"verb=ListIdentifiers&resumptionToken={m.group(1).decode()}")
            pages += 1
        whole = time.perf_counter() - t0
        results["whole ListIdentifiers harvest"] = {"pages": pages, "seconds": round(whole, 2),
                                                    "headers_per_s": round(args.n / whole)}
        print(f"  whole ListIdentifiers harvest: {pages} pages in {whole:.1f} s ({args.n / whole:.0f} headers/s)")
        out = args.json or HERE / "results" / f"oai-{args.n}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"n": args.n, "page_size": args.page_size, "records": built["records"],
                                   "results": results}, indent=2))
        print(f"written {out}")
        archive.close()
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
