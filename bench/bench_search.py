"""Search benchmark: /api/search and the SPARQL closure count, measured through HTTP on N generated datasets.

    .venv/bin/python bench/bench_search.py [--n 100000] [--seed 0] [--queries 300] [--json FILE]

What is built (the full pipeline runs at ≈ 90 records/s, far too slow for 600k here — see bench_ingest.py):

- the **search index** (`pangraph.search.SearchIndex.bulk_insert`, the same writer and document merge the
  pipeline uses) from contributions made directly from the generated record specs of `recordgen.py`
  (title, description, keywords, people, publisher, instrument, PaNET techniques, licence, DOI, issued date,
  a deterministic quality score). A sample of records is also crosswalked for real and extracted the way the
  pipeline does (`extract_contribution` over the record's N-Triples), and the two are compared field by field
  (printed as "spec vs crosswalk agreement");
- the **store**: per dataset its type, title, issue date and `schema:measurementTechnique` triples, bulk-loaded
  as N-Quads into an on-disk Oxigraph store in one record graph per dataset, plus PaNET in its ontology graph
  (what the closure count needs).

Then `pangraph serve` runs on 127.0.0.1 in its own process, and every figure is the wall time of an HTTP
request from this process (httpx, keep-alive):

- keyword search with total count and facets (`/api/search?q=…`), over a mix of words taken from the
  records (sample names, technique words, family names, instruments, two-word queries);
- newest-first listing within a technique (`/api/search?technique=…&sort=newest`, with facets);
- technique search with closure, first page (`/api/search?technique=…`, without and with facets);
- SPARQL "count datasets under a PaNET technique, closure included" through `/sparql`.

Prints a table and writes JSON (default bench/results/search-<n>.json). Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
from recordgen import TECHNIQUES, _Plan, _build, _people_pools, to_datacite_xml  # noqa: E402

from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings  # noqa: E402
from pangraph.iri import local_key, ontology_graph, record_graph  # noqa: E402
from pangraph.rdf import ntriples  # noqa: E402
from pangraph.records import RawRecord  # noqa: E402
from pangraph.search.index import Contribution, SearchIndex, extract_contribution  # noqa: E402
from pangraph.store.oxigraph import OxigraphStore  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402

BASE = "http://bench.pangraph"
PANET = HERE.parent.parent / "shared" / "data" / "panet" / "PaNET.owl"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
SPARQL_CLOSURE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
SELECT (COUNT(DISTINCT ?dataset) AS ?n) WHERE {{
  ?technique rdfs:subClassOf* <{technique}> .
  ?dataset schema:measurementTechnique ?technique .
}}"""


def specs(n: int, seed: int):  # noqa: ANN201 - the records of recordgen.generate(n, seed), one at a time
    pools = _people_pools(seed)
    plan = _Plan()
    for i in range(n):
        yield _build(i, seed, pools, plan, 0.01, "4.4")


def doi_iri(doi: str) -> str:
    return "https://doi.org/" + doi.lower()


def issued_of(spec) -> str | None:  # noqa: ANN001
    for kind, value in spec.dates:
        if kind == "Issued":
            return value
    return str(spec.publication_year)


def contribution(spec, graph: str) -> Contribution:  # noqa: ANN001
    h = zlib.crc32(spec.doi.encode()) % 1000
    return Contribution(
        graph=graph, iri=doi_iri(spec.doi), source="bench", kind="dataset",
        titles=list(spec.titles[:1]), descriptions=[spec.description] if spec.description else [],
        keywords=list(spec.keywords), people=[f"{p.given} {p.family}" for p in spec.people],
        facilities=[spec.publisher.name], instruments=[spec.instrument] if spec.instrument else [],
        techniques=list(dict.fromkeys(TECHNIQUES[t.panet_id].iri for t in spec.techniques)),
        licences=["http://spdx.org/licenses/" + spec.licence.spdx] if spec.licence else [],
        identifiers=[spec.doi], issued=issued_of(spec), score=40 + h * 0.06,
    )


def nq_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def quads(c: Contribution) -> str:
    g = f"<{c.graph}>"
    s = f"<{c.iri}>"
    out = [f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{DCAT_DATASET}> {g} .\n"]
    if c.titles:
        out.append(f'{s} <http://purl.org/dc/terms/title> "{nq_escape(c.titles[0])}" {g} .\n')
    if c.issued:
        out.append(f'{s} <http://purl.org/dc/terms/issued> "{c.issued}" {g} .\n')
    out += [f"{s} <http://schema.org/measurementTechnique> <{t}> {g} .\n" for t in c.techniques]
    return "".join(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    v = sorted(values)
    k = (len(v) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def measure(client: httpx.Client, label: str, requests: list[tuple[str, dict]], results: dict) -> dict:
    times: list[float] = []
    totals: list[int] = []
    for path, params in requests:
        t0 = time.perf_counter()
        r = client.get(path, params=params)
        dt = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            raise RuntimeError(f"{path} {params}: {r.status_code} {r.text[:300]}")
        times.append(dt)
        if path == "/api/search":
            totals.append(r.json()["total"])
    row = {"requests": len(times), "p50_ms": round(statistics.median(times), 2),
           "p95_ms": round(percentile(times, 0.95), 2), "max_ms": round(max(times), 2),
           "mean_ms": round(statistics.fmean(times), 2)}
    if totals:
        row["median_total"] = int(statistics.median(totals))
        row["max_total"] = max(totals)
    results[label] = row
    print(f"  {label:58} p50 {row['p50_ms']:8.2f} ms  p95 {row['p95_ms']:8.2f} ms  max {row['max_ms']:8.2f} ms"
          + (f"  (median hits {row['median_total']})" if totals else ""), flush=True)
    return row


def agreement(sample: list, techniques: TechniqueIndex) -> dict:
    """Spec-made contributions vs the pipeline's own extraction from crosswalked records."""
    ctx = CrosswalkContext(base=BASE, source="bench", techniques=techniques, mappings=load_mappings())
    fields = ("facilities", "instruments", "techniques", "licences", "year", "title")
    same = dict.fromkeys(fields, 0)
    n = 0
    for spec in sample:
        rec = RawRecord("bench", "doi:" + spec.doi, "datacite", to_datacite_xml(spec))
        graph = record_graph(BASE, "bench", local_key(rec.identifier))
        try:
            result = crosswalk_record(rec, ctx=ctx)
        except Exception:  # noqa: BLE001 - a defective record: left out of the comparison
            continue
        real = extract_contribution(graph, ntriples(result.triples), subject=result.subject, source="bench")
        made = contribution(spec, graph)
        if real is None:
            continue
        n += 1
        same["facilities"] += made.facilities[0] in real.facilities
        same["instruments"] += set(made.instruments) <= set(real.instruments) or not made.instruments
        same["techniques"] += set(made.techniques) == set(real.techniques)
        same["licences"] += set(made.licences) == set(real.licences)
        same["year"] += (made.issued or "")[:4] == (real.issued or "")[:4]
        same["title"] += bool(real.titles and made.titles) and made.titles[0] == real.titles[0]
    return {"records": n, **{k: round(v / n, 3) if n else None for k, v in same.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--queries", type=int, default=300, help="requests per measured kind")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="build in this folder and keep it")
    args = ap.parse_args()
    n = args.n
    work = args.keep or Path(tempfile.mkdtemp(prefix="pangraph-bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"n": n, "seed": args.seed, "cpus": os.cpu_count(), "build": {}, "http": {}}
    server = None
    try:
        print(f"pangraph search benchmark: {n} generated datasets (seed {args.seed}), work dir {work}")
        techniques = TechniqueIndex.from_file(PANET) if PANET.exists() else TechniqueIndex.from_table()
        results["panet"] = techniques.origin
        data = work / "node"
        if data.exists():
            shutil.rmtree(data)
        data.mkdir(parents=True)
        store = OxigraphStore(data / "store")
        doc, media = techniques.document()
        store.replace_graph(ontology_graph(BASE, "panet"), doc.decode("utf-8"), format=media)
        index = SearchIndex(data / "search.sqlite", techniques=techniques)
        rng = random.Random(args.seed)
        words: list[str] = []
        sample = []
        t_idx = t_store = 0.0
        t0 = time.perf_counter()
        chunk: list[Contribution] = []
        tech_counts: dict[str, int] = {}

        def flush() -> None:
            nonlocal t_idx, t_store
            a = time.perf_counter()
            index.bulk_insert(chunk)
            b = time.perf_counter()
            store.bulk_load("".join(quads(c) for c in chunk).encode(), format="application/n-quads")
            t_idx += b - a
            t_store += time.perf_counter() - b
            chunk.clear()

        for i, spec in enumerate(specs(n, args.seed)):
            c = contribution(spec, record_graph(BASE, "bench", local_key("doi:" + spec.doi)))
            chunk.append(c)
            for t in c.techniques:
                tech_counts[t] = tech_counts.get(t, 0) + 1
            if i < 300:
                sample.append(spec)
            if rng.random() < 0.002:  # the query mix: words people type
                pick = rng.random()
                title_words = [w.strip(",.()") for w in (c.titles[0] if c.titles else "").split()
                               if len(w) > 4 and w.isalpha()]
                if pick < 0.4 and title_words:
                    words.append(rng.choice(title_words))
                elif pick < 0.55 and spec.people:
                    words.append(spec.people[0].family)
                elif pick < 0.7 and c.instruments:
                    words.append(c.instruments[0])
                elif pick < 0.85 and len(title_words) >= 2:
                    words.append(" ".join(rng.sample(title_words, 2)))
                elif c.keywords:
                    words.append(rng.choice(c.keywords))
            if len(chunk) >= 20_000:
                flush()
                print(f"  built {i + 1}", flush=True)
        if chunk:
            flush()
        a = time.perf_counter()
        index.optimize()
        t_idx += time.perf_counter() - a
        store.flush()
        total_build = time.perf_counter() - t0
        results["build"] = {"seconds_total": round(total_build, 1), "seconds_index": round(t_idx, 1),
                            "seconds_store": round(t_store, 1),
                            "index_mb": round((data / "search.sqlite").stat().st_size / 1e6, 1),
                            "quads": store.count_quads(), "documents": index.counts()["documents"]}
        print(f"  build: {total_build:.1f} s (index {t_idx:.1f} s, store {t_store:.1f} s); "
              f"index {results['build']['index_mb']} MB; {results['build']['quads']} quads")
        index.close()
        store.close()
        results["spec_vs_crosswalk_agreement"] = agreement(sample, techniques)
        print(f"  spec vs crosswalk agreement: {results['spec_vs_crosswalk_agreement']}")

        port = free_port()
        cfg = work / "pangraph.toml"
        cfg.write_text(f'[node]\nbase = "{BASE}"\n[paths]\ndata = "{data}"\n'
                       + (f'[vocab.panet]\nfile = "{PANET}"\n' if PANET.exists() else "")
                       + "[server]\nquery_timeout_s = 120\n")
        exe = Path(sys.executable).parent / "pangraph"
        server_log = open(work / "server.log", "wb")  # noqa: SIM115 - closed with the server
        server = subprocess.Popen([str(exe), "--config", str(cfg), "serve", "--port", str(port)],
                                  stdout=server_log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        with httpx.Client(base_url=url, timeout=300) as client:
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start: " + (work / "server.log").read_text()[-2000:])
                time.sleep(0.2)
            a = time.perf_counter()
            client.get("/api/search", params={"q": "sample"}).raise_for_status()
            results["first_search_ms_snapshot_load"] = round((time.perf_counter() - a) * 1000, 1)
            print(f"  first search after start (loads the facet snapshot): {results['first_search_ms_snapshot_load']} ms")

            q = args.queries
            results["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
            kw = [("/api/search", {"q": rng.choice(words)}) for _ in range(q)]
            for path, params in kw[:20]:  # warm the page cache
                client.get(path, params=params)
            http = results["http"]
            used = sorted(tech_counts)
            broad = sorted({a for t in used for a in techniques.ancestors(t)} - {
                "http://purl.org/pan-science/PaNET/PaNET0000" + str(k) for k in range(1, 6)})
            targets = [t.rsplit("/", 1)[-1] for t in used + broad]
            results["techniques_measured"] = len(targets)
            measure(client, "HTTP floor: a static file (/static/pangraph.css)",
                    [("/static/pangraph.css", {}) for _ in range(q)], http)
            measure(client, "keyword search, count + facets", kw, http)
            measure(client, "newest first within a technique (+ facets)",
                    [("/api/search", {"technique": rng.choice(targets), "sort": "newest"}) for _ in range(q)], http)
            measure(client, "technique search with closure, first page",
                    [("/api/search", {"technique": rng.choice(targets), "facets": "false"}) for _ in range(q)], http)
            measure(client, "technique search with closure, first page + facets",
                    [("/api/search", {"technique": rng.choice(targets)}) for _ in range(q)], http)
            measure(client, "keyword + technique filter + facets",
                    [("/api/search", {"q": rng.choice(words), "technique": rng.choice(targets)}) for _ in range(q)], http)
            closure_targets = ["http://purl.org/pan-science/PaNET/PaNET01124", "http://purl.org/pan-science/PaNET/PaNET01188",
                               "http://purl.org/pan-science/PaNET/PaNET01028"] + [rng.choice(broad) for _ in range(5)]
            measure(client, "SPARQL closure count via /sparql",
                    [("/sparql", {"query": SPARQL_CLOSURE.format(technique=t)}) for t in closure_targets * 3], http)
            # cross-check one closure count: SPARQL vs the search index
            t = "http://purl.org/pan-science/PaNET/PaNET01124"
            r = client.get("/sparql", params={"query": SPARQL_CLOSURE.format(technique=t)},
                           headers={"Accept": "application/sparql-results+json"}).json()
            sparql_n = int(r["results"]["bindings"][0]["n"]["value"])
            search_n = client.get("/api/search", params={"technique": t, "facets": "false"}).json()["total"]
            results["closure_cross_check"] = {"technique": t, "sparql": sparql_n, "search": search_n}
            print(f"  closure count of small angle scattering: SPARQL {sparql_n}, search {search_n}")
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        print(f"  machine load average (1, 5, 15 min) before {results['load_average_before']}, "
              f"after {results['load_average_after']} on {os.cpu_count()} CPUs")
        rss = subprocess.run(["ps", "-o", "rss=", "-p", str(server.pid)], capture_output=True, text=True).stdout.strip()
        results["server_rss_mb"] = round(int(rss) / 1024, 1) if rss else None
        out = args.json or HERE / "results" / f"search-{n}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2))
        print(f"  server RSS {results['server_rss_mb']} MB\n  JSON: {out}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
