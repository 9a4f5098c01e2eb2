"""Web page benchmark: how long the pages for people take on N generated datasets.

    .venv/bin/python bench/bench_pages.py [--n 20000] [--seed 0] [--requests 20] [--json FILE]

Builds an on-disk Oxigraph store from N DataCite records of `recordgen.py`, crosswalked for real (the
same triples the pipeline stores: titles, creators with ORCIDs, publisher, instrument, PaNET techniques,
distributions, licence …; no validation), one record graph per record, a provenance entry per record graph
(source, main resource, harvest time) and PaNET in its ontology graph. Then the app (`create_app`) answers
in-process (Starlette's test client: no sockets, so the figures are the app's own time) and every page is
requested `--requests` times (the start and source pages are computed on the first request and kept
until the store or the run archive changes: "first" is the computation, p50 the kept page):

- the start page `/` (counts by type, facility, technique, newest datasets, sources);
- a dataset page (`/describe?iri=https://doi.org/…`, HTML with the embedded schema.org JSON-LD) and the
  same dataset as Turtle;
- technique pages `/technique/{id}` for a broad class (most datasets under it, closure included) and a
  narrow one;
- `/sources` and `/sources/bench`.

Prints a table and writes JSON (default bench/results/pages-<n>.json). Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from recordgen import generate, to_datacite_xml  # noqa: E402

from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings  # noqa: E402
from pangraph.iri import local_key, ontology_graph, provenance_graph, record_graph  # noqa: E402
from pangraph.rdf import nquads  # noqa: E402
from pangraph.records import RawRecord  # noqa: E402
from pangraph.store.oxigraph import OxigraphStore  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402

BASE = "http://bench.pangraph"
PANET = HERE.parent.parent / "shared" / "data" / "panet" / "PaNET.owl"
PANET_NS = "http://purl.org/pan-science/PaNET/"


def build(store: OxigraphStore, n: int, seed: int, techniques: TechniqueIndex) -> dict:
    ctx = CrosswalkContext(base=BASE, source="bench", techniques=techniques, mappings=load_mappings())
    prov = provenance_graph(BASE)
    used: Counter[str] = Counter()
    first_doi = None
    batch: list[str] = []
    t0 = time.perf_counter()
    loaded = 0
    for i, spec in enumerate(generate(n, seed=seed)):
        rec = RawRecord("bench", "doi:" + spec.doi, "datacite", to_datacite_xml(spec))
        graph = record_graph(BASE, "bench", local_key(rec.identifier))
        try:
            result = crosswalk_record(rec, ctx=ctx)
        except Exception:  # noqa: BLE001 - recordgen makes a few defective records on purpose
            continue
        batch.append(nquads(result.triples, graph))
        batch.append(
            f"<{graph}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/prov#Entity> <{prov}> .\n"
            f'<{graph}> <http://purl.org/dc/terms/source> "bench" <{prov}> .\n'
            f"<{graph}> <http://xmlns.com/foaf/0.1/primaryTopic> <{result.subject}> <{prov}> .\n"
            f'<{graph}> <http://www.w3.org/ns/prov#generatedAtTime> "2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z"'
            f"^^<http://www.w3.org/2001/XMLSchema#dateTime> <{prov}> .\n")
        for t in result.triples:
            if str(t.p) == "<http://schema.org/measurementTechnique>":
                used[str(t.o).strip("<>")] += 1
        first_doi = first_doi or (result.subject if result.subject.startswith("https://doi.org/") else None)
        loaded += 1
        if len(batch) >= 4000:
            store.bulk_load("".join(batch).encode())
            batch.clear()
    if batch:
        store.bulk_load("".join(batch).encode())
    data, media_type = techniques.document()
    store.replace_graph(ontology_graph(BASE, "panet"), data, format=media_type)
    return {"records": loaded, "seconds": round(time.perf_counter() - t0, 1), "techniques": used, "doi": first_doi}


def timed(client, label: str, path: str, headers: dict, requests: int, results: dict) -> None:  # noqa: ANN001
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        r = client.get(path, headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
    row = {"path": path, "requests": requests, "first_ms": round(times[0], 1), "p50_ms": round(statistics.median(times), 1),
           "max_ms": round(max(times), 1), "bytes": len(r.content)}
    results[label] = row
    print(f"  {label:40} first {row['first_ms']:9.1f} ms  p50 {row['p50_ms']:9.1f} ms  max {row['max_ms']:9.1f} ms"
          f"  {row['bytes']:>7} bytes", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--requests", type=int, default=20, help="requests per page")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None,
                    help="build the store in this folder and keep it; reuse it when it is already there")
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from pangraph.api import create_app
    from pangraph.config import load_config

    techniques = TechniqueIndex.from_file(PANET)
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="pangraph-bench-pages-"))
    facts = tmp / "built.json"
    try:
        reuse = args.keep is not None and facts.exists()
        store = OxigraphStore(tmp / "store")
        if reuse:
            built = json.loads(facts.read_text())
            built["techniques"] = Counter(built["techniques"])
            print(f"reusing the store in {tmp}: {built['records']} records", flush=True)
        else:
            print(f"building the store: {args.n} generated DataCite records, crosswalked …", flush=True)
            built = build(store, args.n, args.seed, techniques)
            facts.write_text(json.dumps(built))
        print(f"  {built['records']} records (built in {built['seconds']} s); {store.count_quads()} quads", flush=True)
        config = load_config(None, required=False).with_values(node__base=BASE, paths__data=str(tmp / "data"))
        client = TestClient(create_app(config, store=store))
        # the broad technique: the PaNET class with most datasets under it (closure included), below the
        # very general PaNET00xxx classes; the narrow one: the least used technique of the generated records
        counts: Counter[str] = Counter()
        for t, n in built["techniques"].items():
            for a in techniques.ancestors(t, include_self=True):
                if not a.startswith(PANET_NS + "PaNET00"):
                    counts[a] += n
        broad = counts.most_common(1)[0][0].rsplit("/", 1)[1]
        narrow = min(built["techniques"], key=lambda t: (built["techniques"][t], t)).rsplit("/", 1)[1]
        html = {"Accept": "text/html"}
        results: dict = {}
        print(f"pages ({args.requests} requests each; broad technique {broad} with {counts.most_common(1)[0][1]} "
              f"dataset mentions, narrow {narrow}):", flush=True)
        timed(client, "start page /", "/", html, args.requests, results)
        timed(client, "dataset page (HTML + JSON-LD)", "/describe?" + urlencode({"iri": built["doi"]}), html,
              args.requests, results)
        timed(client, "dataset as Turtle", "/describe?" + urlencode({"iri": built["doi"], "format": "ttl"}), {},
              args.requests, results)
        timed(client, f"technique page, broad ({broad})", f"/technique/{broad}", html, args.requests, results)
        timed(client, f"technique page, narrow ({narrow})", f"/technique/{narrow}", html, args.requests, results)
        timed(client, "/sources", "/sources", html, args.requests, results)
        timed(client, "/sources/bench", "/sources/bench", html, args.requests, results)
        out = args.json or HERE / "results" / f"pages-{args.n}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"n": args.n, "records": built["records"], "build_s": built["seconds"],
                                   "pages": results}, indent=2))
        print(f"written {out}")
        store.close()
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
