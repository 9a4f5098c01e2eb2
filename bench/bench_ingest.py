"""Ingest benchmark: records/s of crosswalk + validate + load on generated DataCite records.

    .venv/bin/python bench/bench_ingest.py [--n 10000] [--seed 0] [--batch 500] [--json FILE]

Each stage is timed separately on the same records, then the whole pipeline end to end
(`Node.ingest`: archive → crosswalk → validate → store, batch by batch, as a harvest runs), and
the figures are compared with the ceiling of the store: Oxigraph bulk-loading the same triples
pre-serialised as N-Quads. Prints a table and writes JSON (default bench/results/ingest-<n>.json).
Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from recordgen import generate, to_datacite_xml  # noqa: E402

from pangraph.archive import RunReport  # noqa: E402
from pangraph.config import load_config  # noqa: E402
from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings  # noqa: E402
from pangraph.iri import local_key, record_graph  # noqa: E402
from pangraph.pipeline import Node  # noqa: E402
from pangraph.rdf import nquads, ntriples  # noqa: E402
from pangraph.records import RawRecord  # noqa: E402
from pangraph.store import GraphWrite  # noqa: E402
from pangraph.store.oxigraph import OxigraphStore  # noqa: E402
from pangraph.validate import Validator, load_profiles  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402

BASE = "http://bench.pangraph"
PANET = HERE.parent.parent / "shared" / "data" / "panet" / "PaNET.owl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn, results: dict, n: int):  # noqa: ANN001, ANN201
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    results[label] = {"seconds": round(seconds, 3), "records_per_s": round(n / seconds, 1) if seconds else None}
    print(f"  {label:32} {seconds:8.2f} s  {n / seconds:10.0f} records/s", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    n = args.n
    work = Path(tempfile.mkdtemp(prefix="pangraph-bench-"))
    results: dict = {"n": n, "seed": args.seed, "batch": args.batch, "cpus": os.cpu_count(), "stages": {}}
    stages = results["stages"]
    try:
        print(f"pangraph ingest benchmark: {n} generated DataCite kernel-4 records (seed {args.seed})")
        panet_text = PANET.read_text(encoding="utf-8") if PANET.exists() else None
        techniques = TechniqueIndex.from_file(PANET) if PANET.exists() else TechniqueIndex.from_table()
        results["panet"] = techniques.origin

        records = timed("generate records", lambda: [
            RawRecord("bench", "doi:" + s.doi, "datacite", to_datacite_xml(s)) for s in generate(n, seed=args.seed)
        ], stages, n)

        ctx = CrosswalkContext(base=BASE, source="bench", techniques=techniques, mappings=load_mappings())
        failed = []

        def crosswalk_all():  # noqa: ANN202
            out = {}
            for rec in records:
                try:
                    out[record_graph(BASE, "bench", local_key(rec.identifier))] = crosswalk_record(rec, ctx=ctx)
                except Exception as e:  # noqa: BLE001 - counted, as the pipeline reports them
                    failed.append((rec.identifier, str(e)))
            return out

        crosswalked = timed("parse + crosswalk", crosswalk_all, stages, n)
        data = {g: ntriples(r.triples) for g, r in crosswalked.items()}
        triples = sum(text.count("\n") for text in data.values())
        results["triples"] = triples
        results["crosswalk_failures"] = len(failed)

        profiles = load_profiles(["pan-dataset"])
        validator = Validator(profiles, ontology_graphs={"panet": panet_text} if panet_text else
                              {"panet": techniques.to_ntriples()})
        graphs = list(data)

        def validate_all():  # noqa: ANN202
            reports = {}
            for i in range(0, len(graphs), args.batch):
                chunk = graphs[i : i + args.batch]
                reports.update(validator.validate({g: data[g] for g in chunk}))
            return reports

        reports = timed("validate (pySHACL, batches)", validate_all, stages, n)
        results["nonconforming"] = sum(1 for r in reports.values() if not r.conforms)

        store_dir = work / "apply"
        store = OxigraphStore(store_dir)

        def load_all():  # noqa: ANN202
            for i in range(0, len(graphs), args.batch):
                store.apply([GraphWrite(g, data[g]) for g in graphs[i : i + args.batch]],
                            provenance_graph=BASE + "/graph/provenance", quality_graph=BASE + "/graph/quality")
            store.flush()

        timed("load (store.apply, batches)", load_all, stages, n)
        results["quads_loaded"] = store.count_quads()
        store.close()

        nq = "".join(nquads(crosswalked[g].triples, g) for g in graphs)
        bulk = OxigraphStore(work / "bulk")
        timed("ceiling: bulk_load N-Quads", lambda: (bulk.bulk_load(nq.encode()), bulk.flush()), stages, n)
        bulk.close()

        # end to end, as a harvest runs: archive, crosswalk, validate, store in batches
        cfg_path = work / "pangraph.toml"
        cfg_path.write_text(f'[node]\nbase = "{BASE}"\n[paths]\ndata = "node"\n'
                            + (f'[vocab.panet]\nfile = "{PANET}"\n' if PANET.exists() else "")
                            + f"[harvest]\nbatch_size = {args.batch}\n")
        node = Node(load_config(cfg_path), techniques=techniques)
        node.ensure_ontologies()
        report = RunReport(source="bench", kind="bench")
        timed("end to end (Node.ingest)", lambda: node.ingest(iter(records), report=report), stages, n)
        results["end_to_end_report"] = report.as_dict()
        node.close()

        e2e = stages["end to end (Node.ingest)"]["seconds"]
        ceiling = stages["ceiling: bulk_load N-Quads"]["seconds"]
        results["ratio_end_to_end_vs_bulk_load"] = round(e2e / ceiling, 1)
        results["peak_rss_mb"] = round(peak_rss_mb(), 1)
        print(f"\n  triples: {triples} ({triples / n:.1f} per record); crosswalk failures: {len(failed)}; "
              f"records with violations: {results['nonconforming']}")
        print(f"  end to end is {results['ratio_end_to_end_vs_bulk_load']}× the bulk-load ceiling; "
              f"peak RSS {results['peak_rss_mb']} MB")
        out = args.json or HERE / "results" / f"ingest-{n}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2))
        print(f"  JSON: {out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
