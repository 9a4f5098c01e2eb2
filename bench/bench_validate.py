"""Validation benchmark: the fast engine (SHACL compiled to SPARQL in Oxigraph) against pySHACL.

Both engines validate the same generated, crosswalked DataCite records (``bench/recordgen.py``) against the
same profiles, in the same process, on one core (the process is pinned to one CPU where the OS allows it).
Prints records/s of each engine and the ratio, checks that both report the same (focus, path, component,
severity) set, and writes the figures as JSON to ``bench/results/validate-N.json`` (or ``--json``).

    .venv/bin/python bench/bench_validate.py --n 10000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from recordgen import generate, to_datacite_xml  # noqa: E402

from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings  # noqa: E402
from pangraph.iri import local_key, record_graph  # noqa: E402
from pangraph.rdf import ntriples  # noqa: E402
from pangraph.records import RawRecord  # noqa: E402
from pangraph.validate import Validator, load_profiles  # noqa: E402
from pangraph.validate.fast_engine import FastValidator  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402

BASE = "http://bench.pangraph"
PANET = HERE.parent.parent / "shared" / "data" / "panet" / "PaNET.owl"


def _keys(reports: dict) -> dict[str, set[tuple]]:
    return {g: {(r.focus, r.path, r.component, r.severity) for r in rep.results} for g, rep in reports.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=1000, help="records per validate() call, both engines")
    ap.add_argument("--profiles", default="pan-dataset,training,software")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    techniques = TechniqueIndex.from_file(PANET) if PANET.exists() else TechniqueIndex.from_table()
    ontology = {"panet": PANET.read_text(encoding="utf-8") if PANET.exists() else techniques.to_ntriples()}
    ctx = CrosswalkContext(base=BASE, source="bench", techniques=techniques, mappings=load_mappings())
    data: dict[str, str] = {}
    for spec in generate(args.n, seed=args.seed):
        rec = RawRecord("bench", "doi:" + spec.doi, "datacite", to_datacite_xml(spec))
        try:
            data[record_graph(BASE, "bench", local_key(rec.identifier))] = ntriples(crosswalk_record(rec, ctx=ctx).triples)
        except Exception:  # noqa: BLE001 - generated defects the crosswalk rejects are not validated
            continue
    graphs = list(data)
    n = len(graphs)
    profiles = load_profiles(args.profiles.split(","))

    def run(engine) -> tuple[float, dict]:  # noqa: ANN001
        reports: dict = {}
        start = time.perf_counter()
        for i in range(0, n, args.batch):
            reports.update(engine.validate({g: data[g] for g in graphs[i:i + args.batch]}))
        return time.perf_counter() - start, reports

    start = time.perf_counter()
    fast = FastValidator(profiles, ontology_graphs=ontology, batch_size=args.batch)
    fast_setup = time.perf_counter() - start
    reference = Validator(profiles, ontology_graphs=ontology)
    fast_s, fast_reports = run(fast)
    ref_s, ref_reports = run(reference)
    a, b = _keys(fast_reports), _keys(ref_reports)
    differing = sorted(g for g in graphs if a[g] != b[g])

    results = {
        "n": n, "seed": args.seed, "batch": args.batch, "profiles": args.profiles.split(","),
        "cpus_used": 1, "machine": platform.machine(), "python": platform.python_version(),
        "fast": {"seconds": round(fast_s, 3), "records_per_s": round(n / fast_s, 1), "setup_s": round(fast_setup, 3),
                 "fallbacks": [f.__dict__ for f in fast.fallbacks]},
        "pyshacl": {"seconds": round(ref_s, 3), "records_per_s": round(n / ref_s, 1)},
        "ratio": round(ref_s / fast_s, 2),
        "results": sum(len(r) for r in b.values()),
        "nonconforming": sum(1 for r in ref_reports.values() if not r.conforms),
        "records_differing": len(differing),
    }
    print(f"pangraph validation benchmark: {n} generated records, profiles {args.profiles}, batch {args.batch}, 1 core")
    print(f"  {'engine':10} {'seconds':>9} {'records/s':>11}")
    print(f"  {'fast':10} {fast_s:9.2f} {n / fast_s:11.0f}")
    print(f"  {'pySHACL':10} {ref_s:9.2f} {n / ref_s:11.0f}")
    print(f"  ratio {ref_s / fast_s:.1f}x; {results['results']} results, {results['nonconforming']} records "
          f"not conforming; records where the engines differ: {len(differing)} {differing[:3]}")
    out = args.json or HERE / "results" / f"validate-{args.n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"  written to {out}")


if __name__ == "__main__":
    main()
