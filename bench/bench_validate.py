"""Validation benchmark: the fast engine (SHACL compiled to SPARQL in Oxigraph) against pySHACL.

Both engines validate the same generated, crosswalked DataCite records (``bench/recordgen.py``) against the
same profiles, in the same run, each pinned to one core (where the OS allows it), in ``validate()`` calls
of ``--batch`` records:

- the fast engine on all ``--n`` records;
- pySHACL (slow: ≈ 10 ms a record) on the first ``--reference-sample`` records; both rates are per record,
  so their ratio compares the engines even when pySHACL saw fewer records (the output says so);
- with ``--workers W`` (W > 1), the fast engine again on all records with W processes, each pinned to its own
  core and validating a contiguous share (records are prepared before the clock starts): the wall time of
  the whole set, e.g. 100,000 records on a 2-core machine.

It checks that both engines report the same (focus, path, component, severity, value) set on the sample,
prints where the fast engine's time goes (one batch, by phase), and writes the figures as JSON to
``bench/results/validate-N.json`` (or ``--json``). Nothing here asserts a speed.

    .venv/bin/python bench/bench_validate.py --n 10000
    .venv/bin/python bench/bench_validate.py --n 100000 --workers 2 --reference-sample 2000
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from recordgen import generate, to_datacite_xml  # noqa: E402

import pyoxigraph as ox  # noqa: E402

from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings  # noqa: E402
from pangraph.iri import local_key, record_graph  # noqa: E402
from pangraph.rdf import ntriples  # noqa: E402
from pangraph.records import RawRecord  # noqa: E402
from pangraph.validate import FastValidator, Validator, load_profiles  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402

BASE = "http://bench.pangraph"
PANET = HERE.parent.parent / "shared" / "data" / "panet" / "PaNET.owl"

_DATA: dict[str, str] = {}  # record graph → N-Triples, inherited by forked workers
_SPECS: list = []  # the generated records, inherited by the forked crosswalk pool


def _cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def _pin(cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def _ontology() -> dict[str, str]:
    if PANET.exists():
        return {"panet": PANET.read_text(encoding="utf-8")}
    return {"panet": TechniqueIndex.from_table().to_ntriples()}


def _crosswalk(args: tuple[int, int]) -> dict[str, str]:
    """The generated records start..stop, crosswalked (run in a pool: preparation, not timed)."""
    start, stop = args
    techniques = TechniqueIndex.from_file(PANET) if PANET.exists() else TechniqueIndex.from_table()
    ctx = CrosswalkContext(base=BASE, source="bench", techniques=techniques, mappings=load_mappings())
    out = {}
    for spec in _SPECS[start:stop]:
        rec = RawRecord("bench", "doi:" + spec.doi, "datacite", to_datacite_xml(spec))
        try:
            out[record_graph(BASE, "bench", local_key(rec.identifier))] = ntriples(crosswalk_record(rec, ctx=ctx).triples)
        except Exception:  # noqa: BLE001 - generated defects the crosswalk rejects are not validated
            continue
    return out


def _prepare(n: int, seed: int, processes: int) -> dict[str, str]:
    _SPECS[:] = generate(n, seed=seed)
    chunk = max(1, -(-n // max(1, processes * 4)))
    parts = [(i, min(n, i + chunk)) for i in range(0, n, chunk)]
    if processes <= 1:
        results = [_crosswalk(p) for p in parts]
    else:
        with mp.get_context("fork").Pool(processes) as pool:
            results = pool.map(_crosswalk, parts)
    data: dict[str, str] = {}
    for r in results:
        data.update(r)
    _SPECS.clear()  # the generated records are not needed any more (and forked workers would inherit them)
    return data


def _cached_records(folder: Path | None, n: int, seed: int, processes: int) -> dict[str, str]:
    """The prepared records, read from (or written to) *folder* when given: one JSON file per (n, seed)."""
    if folder is None:
        return _prepare(n, seed, processes)
    path = folder / f"validate-records-{n}-{seed}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    data = _prepare(n, seed, processes)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return data


def _run(engine, graphs: list[str], batch: int) -> tuple[float, dict]:  # noqa: ANN001
    reports: dict = {}
    start = time.perf_counter()
    for i in range(0, len(graphs), batch):
        reports.update(engine.validate({g: _DATA[g] for g in graphs[i:i + batch]}))
    return time.perf_counter() - start, reports


def _keys(reports: dict) -> dict[str, set[tuple]]:
    return {g: {(r.focus, r.path, r.component, r.severity, r.value) for r in rep.results} for g, rep in reports.items()}


def _worker(cpu: int | None, graphs: list[str], profiles: list[str], batch: int, barrier, out) -> None:  # noqa: ANN001
    _pin(cpu)
    engine = FastValidator(load_profiles(profiles), ontology_graphs=_ontology(), batch_size=batch)
    barrier.wait()
    start = time.monotonic()
    results = nonconforming = 0
    for i in range(0, len(graphs), batch):
        for rep in engine.validate({g: _DATA[g] for g in graphs[i:i + batch]}).values():
            results += len(rep.results)
            nonconforming += not rep.conforms
    out.put((start, time.monotonic(), len(graphs), results, nonconforming))


def _parallel(graphs: list[str], profiles: list[str], batch: int, workers: int, cpus: list[int]) -> dict:
    ctx = mp.get_context("fork")
    gc.collect()
    gc.freeze()  # the inherited heap (the prepared records) is never collected in the workers: no copy-on-write
    barrier, out = ctx.Barrier(workers), ctx.Queue()
    share = -(-len(graphs) // workers)
    procs = [ctx.Process(target=_worker, args=(cpus[w % len(cpus)] if cpus else None,
                                              graphs[w * share:(w + 1) * share], profiles, batch, barrier, out))
             for w in range(workers)]
    for p in procs:
        p.start()
    done = [out.get() for _ in procs]
    for p in procs:
        p.join()
    gc.unfreeze()
    wall = max(d[1] for d in done) - min(d[0] for d in done)
    return {"workers": workers, "seconds": round(wall, 3), "records_per_s": round(len(graphs) / wall, 1),
            "worker_seconds": [round(d[1] - d[0], 3) for d in sorted(done)],
            "results": sum(d[3] for d in done), "nonconforming": sum(d[4] for d in done)}


def _phases(engine: FastValidator, graphs: list[str]) -> dict[str, float]:
    """Seconds per phase of the fast engine on one batch (the engine's own steps, timed one by one)."""
    t0 = time.perf_counter()
    parts = [engine._background]
    for n, g in enumerate(graphs):
        quads = engine._fast_nquads(n, _DATA[g])
        parts.append(quads if quads is not None else engine._strict_nquads(g, n, _DATA[g]))
    text = "".join(parts)
    t1 = time.perf_counter()
    store = ox.Store()
    store.load(text, ox.RdfFormat.N_QUADS, lenient=True)
    t2 = time.perf_counter()
    rows = [(compiled, list(engine._query(store, compiled))) for compiled in engine.compiled]
    t3 = time.perf_counter()
    found: dict = {g: set() for g in graphs}
    for compiled, solutions in rows:
        engine._collect(graphs, compiled, solutions, found)
    t4 = time.perf_counter()
    return {"rewrite_to_nquads": t1 - t0, "oxigraph_load": t2 - t1, "queries": t3 - t2, "results": t4 - t3,
            "quads": len(store), "records": len(graphs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=1000, help="records per validate() call, both engines")
    ap.add_argument("--reference-sample", type=int, default=2000,
                    help="records pySHACL validates (its rate is per record; 0: all)")
    ap.add_argument("--workers", type=int, default=1, help="also run the fast engine with this many processes")
    ap.add_argument("--profiles", default="pan-dataset,training,software")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--records-cache", type=Path, default=None,
                    help="keep the crosswalked records in this folder and reuse them (preparing 100k takes minutes)")
    args = ap.parse_args()
    profiles = args.profiles.split(",")
    cpus = _cpus()

    _DATA.update(_cached_records(args.records_cache, args.n, args.seed, max(1, len(cpus))))
    graphs = list(_DATA)
    n = len(graphs)
    sample = graphs[:args.reference_sample] if args.reference_sample else graphs
    _pin(cpus[0] if cpus else None)

    ontology = _ontology()
    start = time.perf_counter()
    fast = FastValidator(load_profiles(profiles), ontology_graphs=ontology, batch_size=args.batch)
    fast_setup = time.perf_counter() - start
    reference = Validator(load_profiles(profiles), ontology_graphs=ontology)
    fast_s, fast_reports = _run(fast, graphs, args.batch)
    ref_s, ref_reports = _run(reference, sample, args.batch)
    a, b = _keys({g: fast_reports[g] for g in sample}), _keys(ref_reports)
    differing = sorted(g for g in sample if a[g] != b[g])
    phases = _phases(fast, graphs[:min(n, args.batch)])
    fast_rate, ref_rate = n / fast_s, len(sample) / ref_s
    nonconforming = sum(1 for r in fast_reports.values() if not r.conforms)
    sample_results = sum(len(r) for r in b.values())
    del fast_reports, a, b  # the workers fork from this process: keep its heap small
    parallel = _parallel(graphs, profiles, args.batch, args.workers, cpus) if args.workers > 1 else None
    if parallel:
        parallel["speedup"] = round(parallel["records_per_s"] / fast_rate, 2)
        parallel["same_nonconforming_as_one_process"] = parallel["nonconforming"] == nonconforming

    results = {
        "n": n, "seed": args.seed, "batch": args.batch, "profiles": profiles, "cpus_available": len(cpus) or None,
        "machine": platform.machine(), "python": platform.python_version(), "load_average": os.getloadavg(),
        "fast": {"seconds": round(fast_s, 3), "records": n, "records_per_s": round(fast_rate, 1),
                 "setup_s": round(fast_setup, 3), "queries": len(fast.compiled),
                 "fallbacks": [f.__dict__ for f in fast.fallbacks],
                 "phases_one_batch_s": {k: round(v, 3) for k, v in phases.items()}},
        "pyshacl": {"seconds": round(ref_s, 3), "records": len(sample), "records_per_s": round(ref_rate, 1)},
        "ratio": round(fast_rate / ref_rate, 2),
        "sample_results": sample_results,
        "sample_nonconforming": sum(1 for r in ref_reports.values() if not r.conforms),
        "records_differing": len(differing),
        "parallel": parallel,
    }
    print(f"pangraph validation benchmark: {n} generated records, profiles {args.profiles}, batch {args.batch}")
    print(f"  {'engine':18} {'records':>8} {'seconds':>9} {'records/s':>11}   (each pinned to one core)")
    print(f"  {'fast':18} {n:8d} {fast_s:9.2f} {fast_rate:11.0f}")
    print(f"  {'pySHACL':18} {len(sample):8d} {ref_s:9.2f} {ref_rate:11.0f}")
    note = "" if len(sample) == n else f" (pySHACL measured on the first {len(sample)} records; per-record rates)"
    print(f"  ratio {fast_rate / ref_rate:.1f}x{note}")
    print(f"  on the {len(sample)} records both validated: {results['sample_results']} results, "
          f"{results['sample_nonconforming']} records not conforming; records where the engines differ: "
          f"{len(differing)} {differing[:3]}")
    p = phases
    total = sum(p[k] for k in ("rewrite_to_nquads", "oxigraph_load", "queries", "results")) or 1.0
    print(f"  fast engine, one batch of {p['records']} records ({p['quads']} quads loaded): " + ", ".join(
        f"{k} {p[k]:.2f} s ({100 * p[k] / total:.0f} %)"
        for k in ("rewrite_to_nquads", "oxigraph_load", "queries", "results")))
    if parallel:
        label = "100k records" if n >= 100_000 else f"{n} records"
        print(f"  fast, {parallel['workers']} processes (one core each): {label} in {parallel['seconds']:.1f} s wall, "
              f"{parallel['records_per_s']:.0f} records/s, {parallel['speedup']:.2f}x one process "
              f"(workers {', '.join(f'{w:.1f} s' for w in parallel['worker_seconds'])})")
    print(f"  load average {os.getloadavg()[0]:.2f} (other processes share the cores: compare ratios, not rates)")
    out = args.json or HERE / "results" / f"validate-{args.n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"  written to {out}")


if __name__ == "__main__":
    main()
