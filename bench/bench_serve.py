"""Serving benchmark: the node's pages and APIs through HTTP at N datasets (default 600k), then 20 clients.

    .venv/bin/python bench/bench_serve.py [--n 600000] [--seed 0] [--templates 2000] [--requests 300]
        [--clients 20] [--duration 60] [--work DIR] [--rebuild] [--build-only] [--start-page-timeout 1800]
        [--json FILE]

**Building the node fast.** The full pipeline is far too slow to run 600k records here for every serving
measurement, so the node is built from *templates*:

1. ``--templates`` distinct records of ``recordgen.py`` (DataCite XML) go through the real pipeline
   (``Node.ingest``: crosswalk, validation, provenance, quality statements and scores, search index) into a
   scratch in-memory store. Each template's DOI carries a marker (``…ZQ00042ZQ``) that every IRI, key,
   literal and blank-node label derived from it inherits (DOI IRI, record graph, minted distribution IRIs,
   quality nodes ``<graph#…>``, provenance entry).
2. The scratch store is dumped as N-Quads. Statements that carry no marker (ontologies, the source's
   description) are written once; the others are grouped by template, their blank nodes given the marker too
   (so each replica has its own).
3. Replica *k* of a template replaces its marker by ``X<k>`` (``x<k>`` in lower-cased forms) — a distinct
   DOI, record graph, dataset and distribution IRIs, everything else (people, organisations, instruments,
   and here also the proposal) shared with the template's other replicas — until N datasets are written,
   streamed straight into Oxigraph's ``bulk_load`` (no file: 600k datasets are ≈ 30 GB of N-Quads). The
   search index gets the same rewrite of each template's contribution (``SearchIndex.bulk_insert``, the
   writer the pipeline and ``bench_search.py`` use), so index and store agree; a sample is checked by
   extracting the contribution back from the loaded store.

The node is kept in ``--work`` (default ``bench/results/serve-node-<n>-<seed>``) and reused by later runs
with the same N, seed and templates (``--rebuild`` builds it again).

**Measuring.** ``pangraph serve`` runs on 127.0.0.1 in its own process. The start page's first answer is
awaited first (``pangraph serve`` computes it at start; up to ``--start-page-timeout``). Each route is requested
``--requests`` times against random records (keep-alive, one client), reporting p50/p95/max; the first
request of each route after the start is reported on its own (caches being filled). Then ``--clients``
threads (``http.client`` keep-alive connections, one per thread) send a mix of those requests for
``--duration`` seconds: throughput, p50/p95/p99 per route, errors, and the CPU the generator and the
server used. Prints a table and writes JSON (default ``bench/results/serve-<n>.json``). Not a test:
nothing here asserts a speed; target lines say "met" or "NOT met".
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pyoxigraph as ox  # noqa: E402
from bench_search import free_port, percentile  # noqa: E402
from recordgen import generate, to_datacite_xml  # noqa: E402

from pangraph.archive import RunReport  # noqa: E402
from pangraph.config import load_config  # noqa: E402
from pangraph.pipeline import Node  # noqa: E402
from pangraph.records import RawRecord  # noqa: E402
from pangraph.search.index import Contribution, SearchIndex, extract_contribution  # noqa: E402
from pangraph.store.oxigraph import OxigraphStore  # noqa: E402
from pangraph.vocab import TechniqueIndex  # noqa: E402

BASE = "http://bench.pangraph"
SOURCE = "bench"
PANET = HERE.parent.parent / "shared" / "data" / "panet" / "PaNET.owl"
BUILD_VERSION = "2"  # bump when the way the node is built changes: cached nodes are rebuilt
MARK = re.compile(r"zq(\d{5})zq", re.IGNORECASE)
BNODE = re.compile(r"_:([A-Za-z0-9]+)")
#: route label -> ((statistic, ms), …): the publishing issue's search targets (as in bench_search.py) and this
#: issue's "dataset page ≤ 20 ms", read as p95 (so the median is well under it)
TARGETS: dict[str, tuple[tuple[str, float], ...]] = {
    "dataset page (HTML)": (("p95_ms", 20.0),),
    "dataset page (Turtle)": (("p95_ms", 20.0),),
    "keyword search, count + facets": (("p50_ms", 30.0), ("p95_ms", 100.0)),
    "newest first within a technique": (("p95_ms", 50.0),),
    "technique search with closure": (("p50_ms", 5.0),),
}
SPARQL_SMALL = ("PREFIX dct: <http://purl.org/dc/terms/>\n"
                "SELECT ?title ?issued WHERE {{ <{iri}> dct:title ?title . OPTIONAL {{ <{iri}> dct:issued ?issued }} }}")


def marked(doi: str, i: int) -> str:
    return f"{doi}ZQ{i:05d}ZQ"


def token(k: int) -> tuple[str, str]:
    return f"x{k}", f"X{k}"


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process *pid* and its reaped children (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / tick


# -- building the node -----------------------------------------------------------------------------------

def build_templates(work: Path, templates: int, seed: int, techniques: TechniqueIndex) -> dict:
    """Run the real pipeline over *templates* marked records; returns the N-Quads dump split in parts and the
    contributions of the search index, both with the common marker ``zqzq``/``ZQZQ``."""
    tdir = work / "templates"
    shutil.rmtree(tdir, ignore_errors=True)
    tdir.mkdir(parents=True)
    cfg = tdir / "pangraph.toml"
    cfg.write_text(f'[node]\nbase = "{BASE}"\n[paths]\ndata = "node"\n'
                   + (f'[vocab.panet]\nfile = "{PANET}"\n' if PANET.exists() else ""))
    specs = generate(templates, seed=seed)
    records = [RawRecord(SOURCE, "doi:" + marked(s.doi, i), "datacite", to_datacite_xml(replace(s, doi=marked(s.doi, i))))
               for i, s in enumerate(specs)]
    node = Node(load_config(cfg), store=OxigraphStore(None), techniques=techniques)
    try:
        node.ensure_ontologies()
        report = RunReport(source=SOURCE, kind="bench")
        node.ingest(iter(records), report=report)
        path = tdir / "dump.nq"
        with open(path, "wb") as out:
            node.store.dump(out, format="application/n-quads")
        contribs = node.search_index.db.execute("SELECT graph, data FROM contrib").fetchall()
    finally:
        node.close()
    once: list[str] = []
    per: dict[int, list[str]] = {}
    ontology_prefix = f"<{BASE}/graph/ontology/"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        graph = line.rsplit(" ", 2)[-2]
        found = {int(m) for m in MARK.findall(line)}
        if graph.startswith(ontology_prefix) or not found:
            once.append(line)
            continue
        if len(found) != 1:
            raise RuntimeError(f"a statement names two templates, cannot replicate it: {line[:300]}")
        i = found.pop()
        line = BNODE.sub(r"_:\1zqzq", line)  # blank nodes: one set per replica
        line = line.replace(f"zq{i:05d}zq", "zqzq").replace(f"ZQ{i:05d}ZQ", "ZQZQ")
        if MARK.search(line) or re.search("zqzq", line.replace("zqzq", "").replace("ZQZQ", ""), re.IGNORECASE):
            raise RuntimeError(f"the template marker appears in an unexpected spelling: {line[:300]}")
        per.setdefault(i, []).append(line)
    blocks: dict[int, str] = {i: "\n".join(lines) + "\n" for i, lines in per.items()}
    contrib_by_template: dict[int, str] = {}
    for graph, data in contribs:
        m = MARK.search(graph)
        if m is None:
            raise RuntimeError(f"a contribution without a template marker: {graph}")
        i = int(m.group(1))
        text = data.decode() if isinstance(data, bytes) else data
        contrib_by_template[i] = text.replace(f"zq{i:05d}zq", "zqzq").replace(f"ZQ{i:05d}ZQ", "ZQZQ")
    usable = sorted(i for i in blocks if i in contrib_by_template)  # loaded datasets (crosswalk failures left out)
    return {"once": "\n".join(once) + "\n", "blocks": [blocks[i] for i in usable],
            "contribs": [contrib_by_template[i] for i in usable], "report": report.as_dict(),
            "failed": templates - len(usable)}


class _Stream(io.RawIOBase):
    """A readable binary stream over an iterator of byte chunks (what Oxigraph's bulk loader reads)."""

    def __init__(self, chunks) -> None:  # noqa: ANN001 - Iterator[bytes]
        self._chunks = iter(chunks)
        self._buf = b""
        self._pos = 0
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001 - a writable buffer
        while self._pos >= len(self._buf):
            try:
                self._buf, self._pos = next(self._chunks), 0
            except StopIteration:
                return 0
            self.total += len(self._buf)
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        return n


def replicas(n: int, count: int):  # noqa: ANN201 - (replica k, template j) for the first n datasets
    for d in range(n):
        yield divmod(d, count)


def build_node(work: Path, n: int, seed: int, templates: int, techniques: TechniqueIndex) -> dict:
    t0 = time.perf_counter()
    tpl = build_templates(work, templates, seed, techniques)
    t_templates = time.perf_counter() - t0
    count = len(tpl["blocks"])
    print(f"  templates: {count} loaded through the pipeline ({tpl['failed']} failed to crosswalk) in "
          f"{t_templates:.1f} s", flush=True)
    node = work / "node"
    shutil.rmtree(node, ignore_errors=True)
    node.mkdir(parents=True)
    # the search index: each replica's contribution, the same rewrite as its statements
    t1 = time.perf_counter()
    seen: set[str] = set()
    index = SearchIndex(node / "search.sqlite", techniques=techniques)

    def contributions():  # noqa: ANN202
        for k, j in replicas(n, count):
            lo, up = token(k)
            c = Contribution.from_json(tpl["contribs"][j].replace("zqzq", lo).replace("ZQZQ", up))
            if c.iri in seen:
                raise RuntimeError(f"two replicas got the same dataset IRI {c.iri}")
            seen.add(c.iri)
            yield c

    written = index.bulk_insert(contributions())
    index.optimize()
    index.close()
    seen.clear()
    t_index = time.perf_counter() - t1
    print(f"  search index: {written} documents in {t_index:.1f} s", flush=True)

    # the store: the N-Quads of every replica streamed into Oxigraph's bulk loader (no file: 600k datasets
    # are ≈ 30 GB of N-Quads)
    def chunks():  # noqa: ANN202
        yield tpl["once"].encode()
        buf: list[str] = []
        for k, j in replicas(n, count):
            lo, up = token(k)
            buf.append(tpl["blocks"][j].replace("zqzq", lo).replace("ZQZQ", up))
            if len(buf) >= 200:
                yield "".join(buf).encode()
                buf.clear()
        if buf:
            yield "".join(buf).encode()

    stream = _Stream(chunks())
    t3 = time.perf_counter()
    store = ox.Store(str(node / "store"))
    store.bulk_load(stream, format=ox.RdfFormat.N_QUADS)
    store.flush()
    quads = len(store)
    del store
    t_load = time.perf_counter() - t3
    nq_mb = stream.total / 1e6
    build = {"templates": count, "template_failures": tpl["failed"], "template_report": tpl["report"],
             "datasets": written, "quads": quads, "nquads_mb_streamed": round(nq_mb, 1),
             "seconds_templates": round(t_templates, 1), "seconds_index": round(t_index, 1),
             "seconds_bulk_load": round(t_load, 1),
             "seconds_total": round(time.perf_counter() - t0, 1),
             "store_mb": round(sum(f.stat().st_size for f in (node / "store").rglob("*") if f.is_file()) / 1e6, 1),
             "index_mb": round((node / "search.sqlite").stat().st_size / 1e6, 1)}
    shutil.rmtree(work / "templates", ignore_errors=True)
    return build


def check_sample(node: Path, techniques: TechniqueIndex, rng: random.Random, k: int = 20) -> dict:
    """The index's contribution of random datasets equals the one extracted back from the loaded store."""
    store = OxigraphStore(node / "store")
    index = SearchIndex(node / "search.sqlite", techniques=techniques)
    try:
        total = index.db.execute("SELECT COUNT(*) FROM contrib").fetchone()[0]
        same = 0
        rows = [index.db.execute("SELECT graph, iri, data FROM contrib WHERE rowid = ?", (rng.randint(1, total),)).fetchone()
                for _ in range(k)]
        for graph, iri, data in rows:
            c = Contribution.from_json(data)
            back = extract_contribution(graph, store.graph_ntriples(graph), subject=iri, source=SOURCE, score=c.score)
            same += back == c
        return {"checked": k, "equal": same}
    finally:
        index.close()
        store.close()


def sample_targets(node: Path, rng: random.Random, techniques: TechniqueIndex, k: int = 2000) -> dict:
    """Random datasets (IRIs, graphs), words for keyword search, techniques in use, a minted IRI per dataset."""
    db = SearchIndex(node / "search.sqlite", techniques=techniques)
    try:
        total = db.db.execute("SELECT COUNT(*) FROM contrib").fetchone()[0]
        picks = [db.db.execute("SELECT graph, iri, data FROM contrib WHERE rowid = ?", (rng.randint(1, total),)).fetchone()
                 for _ in range(k)]
    finally:
        db.close()
    datasets, words, techs = [], [], set()
    for graph, iri, data in picks:
        c = Contribution.from_json(data)
        datasets.append({"iri": iri, "graph": graph})
        techs.update(c.techniques)
        title_words = [w.strip(",.()") for w in (c.titles[0] if c.titles else "").split() if len(w) > 4 and w.isalpha()]
        pick = rng.random()
        if pick < 0.5 and title_words:
            words.append(rng.choice(title_words))
        elif pick < 0.65 and c.people:
            words.append(c.people[0].split()[-1])
        elif pick < 0.8 and c.instruments:
            words.append(c.instruments[0])
        elif len(title_words) >= 2:
            words.append(" ".join(rng.sample(title_words, 2)))
        elif c.keywords:
            words.append(rng.choice(c.keywords))
    return {"datasets": datasets, "words": words or ["sample"], "techniques": sorted(techs), "total": total}


# -- the requests ----------------------------------------------------------------------------------------------

def routes(targets: dict, rng: random.Random) -> dict:
    """Route label -> a function giving one random request ``(path, headers)``."""
    ds = targets["datasets"]
    techs = [t.rsplit("/", 1)[-1] for t in targets["techniques"]]

    def describe(fmt: str | None, accept: str):  # noqa: ANN202
        def make() -> tuple[str, dict]:
            params = {"iri": rng.choice(ds)["iri"]}
            if fmt:
                params["format"] = fmt
            return "/describe?" + urlencode(params), {"Accept": accept}
        return make

    def record_graph_page() -> tuple[str, dict]:
        return rng.choice(ds)["graph"][len(BASE):] + ".ttl", {}

    return {  # the start page first: its first request waits for what `pangraph serve` computes at start
        "home page /": lambda: ("/", {"Accept": "text/html"}),
        "dataset page (HTML)": describe(None, "text/html"),
        "dataset page (Turtle)": describe("ttl", "text/turtle"),
        "record graph /graph/… (Turtle)": record_graph_page,
        "keyword search, count + facets": lambda: ("/api/search?" + urlencode({"q": rng.choice(targets["words"])}), {}),
        "newest first within a technique": lambda: (
            "/api/search?" + urlencode({"technique": rng.choice(techs), "sort": "newest"}), {}),
        "technique search with closure": lambda: (
            "/api/search?" + urlencode({"technique": rng.choice(techs), "facets": "false"}), {}),
        "technique page": lambda: (f"/technique/{rng.choice(techs)}", {"Accept": "text/html"}),
        "SPARQL small query": lambda: ("/sparql?" + urlencode({"query": SPARQL_SMALL.format(iri=rng.choice(ds)["iri"])}),
                                       {"Accept": "application/sparql-results+json"}),
    }


#: share of each route in the concurrent mix
MIX = {"dataset page (HTML)": 30, "dataset page (Turtle)": 10, "record graph /graph/… (Turtle)": 5,
       "keyword search, count + facets": 20, "newest first within a technique": 5, "technique search with closure": 5,
       "home page /": 5, "technique page": 10, "SPARQL small query": 10}


class Client:
    """One keep-alive HTTP/1.1 connection (reconnects when the server closes it)."""

    def __init__(self, port: int, timeout: float = 300) -> None:
        self.port = port
        self.timeout = timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def get(self, path: str, headers: dict) -> tuple[int, int]:
        for attempt in (0, 1):
            try:
                self.conn.request("GET", path, headers=headers)
                r = self.conn.getresponse()
                body = r.read()
                return r.status, len(body)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def stats(times: list[float]) -> dict:
    return {"requests": len(times), "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 0.95), 2), "p99_ms": round(percentile(times, 0.99), 2),
            "max_ms": round(max(times), 2), "mean_ms": round(statistics.fmean(times), 2)}


def sequential(port: int, make: dict, requests: int) -> dict:
    out: dict = {}
    client = Client(port)
    try:
        for label, fn in make.items():
            path, headers = fn()
            t = time.perf_counter()
            status, size = client.get(path, headers)
            first = (time.perf_counter() - t) * 1000
            if status != 200:
                raise RuntimeError(f"{label}: GET {path} answered {status}")
            times: list[float] = []
            errors = 0
            for _ in range(requests):
                path, headers = fn()
                t = time.perf_counter()
                status, size = client.get(path, headers)
                times.append((time.perf_counter() - t) * 1000)
                errors += status != 200
            row = {"first_ms": round(first, 1), **stats(times), "errors": errors, "bytes_last": size}
            out[label] = row
            print(f"  {label:34} first {row['first_ms']:8.1f}  p50 {row['p50_ms']:7.2f}  p95 {row['p95_ms']:7.2f}  "
                  f"max {row['max_ms']:8.2f} ms  errors {errors}", flush=True)
    finally:
        client.close()
    return out


def concurrent(port: int, make: dict, clients: int, duration: float, server_pid: int, seed: int) -> dict:
    mix = {label: share for label, share in MIX.items() if label in make}
    labels = [label for label in mix for _ in range(mix[label])]
    times: dict[str, list[float]] = {label: [] for label in mix}
    errors: dict[str, list[str]] = {label: [] for label in mix}
    lock = threading.Lock()
    stop_at = [0.0]
    start = threading.Barrier(clients + 1)

    def worker(w: int) -> None:
        rng = random.Random(seed * 1000 + w)
        client = Client(port)
        mine: dict[str, list[float]] = {label: [] for label in mix}
        bad: dict[str, list[str]] = {label: [] for label in mix}
        start.wait()
        try:
            while time.perf_counter() < stop_at[0]:
                label = rng.choice(labels)
                path, headers = make[label]()
                t = time.perf_counter()
                try:
                    status, _ = client.get(path, headers)
                    if status != 200:
                        bad[label].append(f"{status} {path}")
                except OSError as e:
                    bad[label].append(f"{type(e).__name__}: {e} {path}")
                mine[label].append((time.perf_counter() - t) * 1000)
        finally:
            client.close()
            with lock:
                for label in mix:
                    times[label] += mine[label]
                    errors[label] += bad[label]

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(clients)]
    for t in threads:
        t.start()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    srv0 = cpu_seconds(server_pid)
    t0 = time.perf_counter()
    stop_at[0] = t0 + duration
    start.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    gen_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    srv_cpu = cpu_seconds(server_pid) - srv0
    total = sum(len(v) for v in times.values())
    n_err = sum(len(v) for v in errors.values())
    everything = [x for v in times.values() for x in v]
    out = {"clients": clients, "duration_s": round(wall, 1), "requests": total, "errors": n_err,
           "throughput_rps": round(total / wall, 1), "all": stats(everything) if everything else {},
           "generator_cpu_cores": round(gen_cpu / wall, 2), "server_cpu_cores": round(srv_cpu / wall, 2),
           "routes": {label: {**stats(v), "errors": len(errors[label]), "error_examples": errors[label][:3]}
                      for label, v in times.items() if v}}
    return out


# -- main ------------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=600_000, help="datasets in the node")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--templates", type=int, default=2000, help="distinct records run through the pipeline")
    ap.add_argument("--requests", type=int, default=300, help="sequential requests per route")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of the concurrent run")
    ap.add_argument("--work", type=Path, default=None, help="where the node is built and kept")
    ap.add_argument("--rebuild", action="store_true", help="build the node again even if a built one is there")
    ap.add_argument("--build-only", action="store_true", help="build (or check) the node, do not serve")
    ap.add_argument("--start-page-timeout", type=float, default=1800.0,
                    help="seconds to wait for the start page's first answer before measuring the rest")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.n < 1 or args.templates < 1:
        ap.error("--n and --templates must be positive")
    n = args.n
    work = args.work or HERE / "results" / f"serve-node-{n}-{args.seed}"
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    results: dict = {"n": n, "seed": args.seed, "cpus": os.cpu_count(), "work": str(work),
                     "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    print(f"pangraph serving benchmark: {n} datasets (seed {args.seed}), node in {work}")
    techniques = TechniqueIndex.from_file(PANET) if PANET.exists() else TechniqueIndex.from_table()
    stamp = work / "built.json"
    key = {"n": n, "seed": args.seed, "templates": args.templates, "version": BUILD_VERSION}
    built = json.loads(stamp.read_text()) if stamp.exists() else None
    if args.rebuild or built is None or built.get("key") != key:
        stamp.unlink(missing_ok=True)
        print("  building the node …", flush=True)
        build = build_node(work, n, args.seed, args.templates, techniques)
        stamp.write_text(json.dumps({"key": key, "build": build}, indent=2))
        results["build"] = build
        results["build_reused"] = False
    else:
        results["build"] = built["build"]
        results["build_reused"] = True
    b = results["build"]
    print(f"  node: {b['datasets']} datasets, {b['quads']} quads (store {b['store_mb']} MB, index {b['index_mb']} MB); "
          f"built in {b['seconds_total']} s{' (reused)' if results['build_reused'] else ''}: templates "
          f"{b['seconds_templates']} s, search index {b['seconds_index']} s, "
          f"bulk_load {b['seconds_bulk_load']} s", flush=True)
    node = work / "node"
    results["store_vs_index_check"] = check_sample(node, techniques, rng)
    print(f"  index vs store sample: {results['store_vs_index_check']}")
    if args.build_only:
        return
    targets = sample_targets(node, rng, techniques)

    port = free_port()
    cfg = work / "pangraph.toml"
    cfg.write_text(f'[node]\nbase = "{BASE}"\n[paths]\ndata = "{node}"\n'
                   + (f'[vocab.panet]\nfile = "{PANET}"\n' if PANET.exists() else "")
                   + "[server]\nquery_timeout_s = 120\n")
    exe = Path(sys.executable).parent / "pangraph"
    log_path = work / "server.log"
    server = None
    try:
        with open(log_path, "wb") as log:
            server = subprocess.Popen([str(exe), "--config", str(cfg), "serve", "--port", str(port)],
                                      stdout=log, stderr=subprocess.STDOUT)
        started = time.monotonic()
        deadline = started + 300
        while True:
            try:
                status, _ = Client(port).get("/health", {})
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start: " + log_path.read_text()[-2000:])
            time.sleep(0.2)
        results["server_start_s"] = round(time.monotonic() - started, 1)
        print(f"  server answering /health {results['server_start_s']} s after its start", flush=True)
        make = routes(targets, rng)
        # the start page first: its first request waits for the figures `pangraph serve` computes at start
        # (they scan the store); the other routes are measured once that is done, not beside it
        t = time.perf_counter()
        try:
            status, _ = Client(port, timeout=args.start_page_timeout).get("/", {"Accept": "text/html"})
            results["start_page_first_s"] = round(time.perf_counter() - t, 1)
            print(f"  start page: first answer {results['start_page_first_s']} s after the server answered", flush=True)
        except TimeoutError:
            results["start_page_first_s"] = None
            results["start_page_note"] = (f"not computed within {args.start_page_timeout:g} s: left out of the "
                                          "measurements, which ran while the server was still computing it")
            print(f"  start page: {results['start_page_note']}", flush=True)
            del make["home page /"]
        print(f"\n  sequential, one keep-alive client, {args.requests} requests per route (first = first after start):")
        results["sequential"] = sequential(port, make, args.requests)
        results["server_rss_mb_after_sequential"] = rss_mb(server.pid)
        print(f"\n  concurrent: {args.clients} clients for {args.duration:g} s, mix {MIX}", flush=True)
        results["load_average_before_concurrent"] = [round(x, 2) for x in os.getloadavg()]
        conc = concurrent(port, make, args.clients, args.duration, server.pid, args.seed)
        results["concurrent"] = conc
        results["server_rss_mb_after_concurrent"] = rss_mb(server.pid)
        print(f"  {conc['requests']} requests in {conc['duration_s']} s: {conc['throughput_rps']} req/s, "
              f"errors {conc['errors']}; generator used {conc['generator_cpu_cores']} cores, "
              f"server {conc['server_cpu_cores']} cores")
        for label, row in conc["routes"].items():
            print(f"    {label:34} n {row['requests']:6}  p50 {row['p50_ms']:8.2f}  p95 {row['p95_ms']:8.2f}  "
                  f"p99 {row['p99_ms']:8.2f} ms  errors {row['errors']}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    seq = results["sequential"]
    lines = []
    for label, wanted in TARGETS.items():
        for stat, target in wanted:
            got = seq[label][stat]
            lines.append({"target": f"{label}: {stat[:3]} ≤ {target:g} ms (sequential)", "measured_ms": got,
                          "met": got <= target})
    lines.append({"target": f"{args.clients} concurrent clients for {args.duration:g} s without errors",
                  "measured_errors": results["concurrent"]["errors"], "met": results["concurrent"]["errors"] == 0})
    results["targets"] = lines
    print("\n  targets:")
    for t in lines:
        print(f"    {'met    ' if t['met'] else 'NOT met'}  {t['target']}  (measured "
              f"{t.get('measured_ms', t.get('measured_errors'))})")
    print(f"  machine load average (1, 5, 15 min) before {results['load_average_before']}, after "
          f"{results['load_average_after']} on {os.cpu_count()} CPUs")
    out = args.json or HERE / "results" / f"serve-{n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"  JSON: {out}")


if __name__ == "__main__":
    main()
