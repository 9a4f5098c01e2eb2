"""The public SPARQL endpoint over real HTTP (uvicorn on 127.0.0.1, httpx), on an on-disk store with its
queries in worker processes — as ``pangraph serve`` runs it: the W3C SPARQL 1.1 Protocol tests, and every
limit proven (time limit with the worker really killed while other clients are served, concurrency, row
cap, body size, the SERVICE allowlist with a real peer node), and the query page in a headless browser."""

from __future__ import annotations

import csv
import http.server
import io
import json
import os
import re
import signal
import socket
import threading
import time
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urljoin
from xml.etree import ElementTree

import httpx
import pytest
import rdflib
import uvicorn
from fastapi import FastAPI

from served import CHROMIUM, free_port, start
from pangraph.api import create_app
from pangraph.api.metrics import REGISTRY
from pangraph.queries import EXAMPLES
from pangraph.store.oxigraph import OxigraphStore
from test_api_sparql import _protocol_cases, _is_update_test, RDF_TYPES, SOLUTION_TYPES
from test_api_support import loaded_store, make_config

#: a cross product of five patterns over the node's ≈ 100 quads: 10^10 solutions, many minutes of work
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
CHEAP = "ASK { ?s a <http://www.w3.org/ns/dcat#Dataset> }"
TIME_LIMIT_S = 2.0
QUEUE_S = 0.3
MAX_ROWS = 5
WORKERS = 2
MAX_BODY = 4096


@dataclass
class Served:
    base: str
    app: FastAPI
    store: OxigraphStore
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def endpoint(self) -> str:
        return self.base + "/sparql"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.ctx.close()
        self.store.close()


def serve(app: FastAPI, port: int, store: OxigraphStore) -> Served:
    srv, thread = start(app, port, name=f"uvicorn-{port}")
    return Served(f"http://127.0.0.1:{port}", app, store, srv, thread)


class ConnectionCounter:
    """A listening socket on 127.0.0.1 that counts the connections made to it (and closes them)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.count += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=5)
        self.sock.close()


class Redirector:
    """A listed "peer" that answers every request with a redirect to *target* (an unlisted host)."""

    def __init__(self, target: str) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Net:
    node: Served
    peer: Served
    counter: ConnectionCounter
    dead_peer: str
    redirector: Redirector


PEER_TITLE = "Peer node dataset"


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    tmp = tmp_path_factory.mktemp("sparql-endpoint")
    # the peer: another node, in memory, with one dataset of its own
    peer_port = free_port()
    peer_base = f"http://127.0.0.1:{peer_port}"
    peer_store = OxigraphStore(None)
    peer_store.bulk_load(
        f'<{peer_base}/id/dataset/p/1> <http://purl.org/dc/terms/title> "{PEER_TITLE}" <{peer_base}/graph/record/p/1> .\n'
        .encode(), format="application/n-quads")
    peer = serve(create_app(make_config(tmp / "peer", base=peer_base, sparql__workers=1), store=peer_store),
                 peer_port, peer_store)
    counter = ConnectionCounter()
    dead_peer = f"http://127.0.0.1:{free_port()}/sparql"  # listed, but nothing listens there
    redirector = Redirector(f"http://127.0.0.1:{counter.port}/sparql")  # listed, redirects to an unlisted host
    # the node: on disk, served like `pangraph serve`, W3C protocol test graphs loaded beside its own data
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    store = loaded_store(base, tmp / "store")
    for case in _protocol_cases():
        for graph, path in (case.values[0] or {"data": {}})["data"].items():
            if not store.has_graph(graph):
                store.replace_graph(graph, path.read_text(encoding="utf-8"))
    config = make_config(tmp / "node", base=base, server__query_timeout_s=TIME_LIMIT_S, sparql__workers=WORKERS,
                         sparql__queue_timeout_s=QUEUE_S, sparql__max_rows=MAX_ROWS, server__max_body_bytes=MAX_BODY,
                         federation__peers=[peer.endpoint, dead_peer, redirector.endpoint])
    node = serve(create_app(config, store=store), port, store)
    assert node.app.state.ctx.queries.mode == "process"
    try:
        yield Net(node, peer, counter, dead_peer, redirector)
    finally:
        node.stop()
        peer.stop()
        counter.close()
        redirector.close()


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["status"] == response.status_code and err["title"] and err["detail"]
    return err


def outcomes() -> dict[str, float]:
    return {o: REGISTRY.get_sample_value("pangraph_sparql_queries_total", {"outcome": o}) or 0.0
            for o in ("ok", "timeout", "rejected_concurrency", "rejected_service", "rejected_rows")}


def media(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


# -- the W3C SPARQL 1.1 Protocol tests, over real HTTP ------------------------------------------------------------

@pytest.mark.parametrize("case", _protocol_cases())
def test_w3c_protocol_over_http(net: Net, case: dict[str, Any]) -> None:
    """Every W3C protocol test against the served node: query tests as specified (status, result format,
    boolean); update tests refused with 403 (read-only); bad_* tests a 4xx with the JSON error shape."""
    before = net.node.store.count_quads()
    name = case["name"]
    with httpx.Client(base_url=net.node.base, timeout=30) as http:
        for i, req in enumerate(case["requests"]):
            path = req["path"].replace("/sparql/", "/sparql", 1)
            content = None if req["body"] is None else req["body"].encode(req["encoding"].lower())
            r = http.request(req["method"], path, content=content, headers=req["headers"])
            if _is_update_test(name):
                if i == 0:
                    assert r.status_code == 403, (name, r.text)
                    assert "read-only" in error_of(r)["detail"]
                break
            if "StatusCode4xx" in req["status"]:
                assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
                error_of(r)
                continue
            assert 200 <= r.status_code < 300, (name, r.status_code, r.text)
            fmt = str(req["format"]) if req["format"] is not None else None
            if fmt == "boolean":
                assert media(r) in {"application/sparql-results+json", "application/sparql-results+xml"}
                if media(r) == "application/sparql-results+json" and req["boolean"] is not None:
                    assert r.json()["boolean"] is bool(req["boolean"].toPython())
            elif fmt == "tabular":
                assert media(r) in SOLUTION_TYPES
            elif fmt == "RDF":
                assert media(r) in RDF_TYPES
                rdflib.Graph().parse(data=r.content, format=RDF_TYPES[media(r)])
    assert net.node.store.count_quads() == before, "a request changed the store"


def test_workers_see_the_primarys_writes(net: Net) -> None:
    """A worker opens the on-disk store read-only; after a write of the primary it reopens it."""
    graph = f"{net.node.base}/graph/record/test/fresh"
    q = f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    assert httpx.get(net.node.endpoint, params={"query": q}).json()["results"]["bindings"] == []
    net.node.store.replace_graph(graph, '<http://x.example/s> <http://x.example/p> "fresh" .\n')
    try:
        for _ in range(WORKERS + 1):  # whichever worker answers
            rows = httpx.get(net.node.endpoint, params={"query": q}).json()["results"]["bindings"]
            assert [b["o"]["value"] for b in rows] == ["fresh"]
    finally:
        net.node.store.drop_graph(graph)
    assert httpx.get(net.node.endpoint, params={"query": q}).json()["results"]["bindings"] == []


# -- time limit and concurrency -------------------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _runaway(url: str, out: list[tuple[httpx.Response, float]]) -> threading.Thread:
    def run() -> None:
        started = time.monotonic()
        r = httpx.get(url, params={"query": RUNAWAY}, timeout=60)
        out.append((r, time.monotonic() - started))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_busy(net: Net, n: int) -> None:
    runner = net.node.app.state.ctx.queries
    deadline = time.monotonic() + 10
    while runner.size - runner._slots._value < n:  # noqa: SLF001 - how many queries hold a worker
        assert time.monotonic() < deadline, "the runaway queries did not start"
        time.sleep(0.01)
    time.sleep(0.2)  # they are evaluating now


def test_runaway_query_is_killed_at_the_limit_and_others_are_served(net: Net) -> None:
    runner = net.node.app.state.ctx.queries
    before = outcomes()
    out: list[tuple[httpx.Response, float]] = []
    thread = _runaway(net.node.endpoint, out)
    _wait_busy(net, 1)
    pids_during = set(runner.worker_pids())
    # while the runaway holds a worker (and a core), another client's query answers at once
    started = time.monotonic()
    r = httpx.get(net.node.endpoint, params={"query": CHEAP}, timeout=30)
    cheap_s = time.monotonic() - started
    assert r.status_code == 200 and r.json()["boolean"] is True
    assert cheap_s < TIME_LIMIT_S / 2, f"a cheap query waited {cheap_s:.2f} s behind the runaway one"
    thread.join(timeout=30)
    (response, runaway_s), = out
    assert response.status_code == 503, response.text
    err = error_of(response)
    assert err["title"] == "Query timeout" and err["timeout_s"] == TIME_LIMIT_S and "stopped" in err["detail"]
    assert response.headers["retry-after"]
    assert TIME_LIMIT_S <= runaway_s < TIME_LIMIT_S + 1.5, runaway_s
    # the work really stopped: the worker that ran it was killed (its process is gone), a new one replaces it
    killed = pids_during - set(runner.worker_pids())
    assert len(killed) == 1, (pids_during, runner.worker_pids())
    assert not _pid_alive(killed.pop())
    assert httpx.get(net.node.endpoint, params={"query": CHEAP}).status_code == 200
    assert outcomes()["timeout"] == before["timeout"] + 1


def test_concurrency_limit(net: Net) -> None:
    """With every worker busy, a query waits sparql.queue_timeout_s for one, then gets 503 + Retry-After."""
    before = outcomes()
    out: list[tuple[httpx.Response, float]] = []
    threads = [_runaway(net.node.endpoint, out) for _ in range(WORKERS)]
    _wait_busy(net, WORKERS)
    started = time.monotonic()
    r = httpx.get(net.node.endpoint, params={"query": CHEAP}, timeout=30)
    waited = time.monotonic() - started
    assert r.status_code == 503, r.text
    err = error_of(r)
    assert err["title"] == "Too many queries" and err["reason"] == "concurrency" and err["max_concurrent"] == WORKERS
    assert int(r.headers["retry-after"]) > 0
    assert QUEUE_S <= waited < QUEUE_S + 1.0, waited
    for t in threads:
        t.join(timeout=30)
    assert sorted(resp.status_code for resp, _ in out) == [503, 503]
    assert httpx.get(net.node.endpoint, params={"query": CHEAP}).status_code == 200
    assert outcomes()["rejected_concurrency"] == before["rejected_concurrency"] + 1


def test_a_query_that_waits_briefly_for_a_worker_gets_one(net: Net) -> None:
    """Queued queries are answered when a worker frees up within the queue time."""
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
    results: list[int] = []

    def run() -> None:
        results.append(httpx.get(net.node.endpoint, params={"query": q}, timeout=30).status_code)

    threads = [threading.Thread(target=run) for _ in range(WORKERS * 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == [200] * (WORKERS * 3)


def test_a_worker_that_dies_is_replaced(net: Net) -> None:
    """A worker killed from outside (OOM killer, operator): the query that meets it gets 503, the pool
    replaces it, and the next queries are answered."""
    runner = net.node.app.state.ctx.queries
    httpx.get(net.node.endpoint, params={"query": CHEAP})
    pids = runner.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    statuses = [httpx.get(net.node.endpoint, params={"query": CHEAP}, timeout=30).status_code for _ in range(4)]
    assert set(statuses) <= {200, 503} and statuses[-2:] == [200, 200], statuses
    assert not set(pids) & set(runner.worker_pids())


# -- row cap ---------------------------------------------------------------------------------------------------------

ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_row_cap_cuts_solutions_and_says_so(net: Net, fmt: str) -> None:
    before = outcomes()
    r = httpx.get(net.node.endpoint, params={"query": ALL, "format": fmt})
    assert r.status_code == 200, r.text
    assert r.headers["x-pangraph-truncated"] == "true"
    assert r.headers["x-pangraph-max-rows"] == str(MAX_ROWS) and r.headers["x-pangraph-rows"] == str(MAX_ROWS)
    if fmt == "json":  # still a valid SPARQL JSON document
        body = json.loads(r.content)
        assert body["head"]["vars"] == ["s", "p", "o"] and len(body["results"]["bindings"]) == MAX_ROWS
    elif fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert len(ElementTree.fromstring(r.content).findall(f"{ns}results/{ns}result")) == MAX_ROWS
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["s", "p", "o"] and len(rows) == MAX_ROWS + 1
    else:
        lines = r.text.splitlines()
        assert lines[0] == "?s\t?p\t?o" and len(lines) == MAX_ROWS + 1
    assert outcomes()["rejected_rows"] == before["rejected_rows"] + 1


def test_row_cap_cuts_graphs(net: Net) -> None:
    r = httpx.get(net.node.endpoint, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                  headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["x-pangraph-truncated"] == "true"
    assert len(rdflib.Graph().parse(data=r.content, format="nt")) == MAX_ROWS


def test_results_within_the_cap_are_whole(net: Net) -> None:
    q = f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}"
    r = httpx.get(net.node.endpoint, params={"query": q})
    assert "x-pangraph-truncated" not in r.headers and r.headers["x-pangraph-rows"] == str(MAX_ROWS)
    assert len(r.json()["results"]["bindings"]) == MAX_ROWS


# -- request body limit -----------------------------------------------------------------------------------------------

def test_body_limit(net: Net) -> None:
    big = "ASK { ?s ?p ?o } #" + "x" * MAX_BODY
    r = httpx.post(net.node.endpoint, content=big, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413 and error_of(r)["max_bytes"] == MAX_BODY
    r = httpx.post(net.node.endpoint, data={"query": big})
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while reading
        yield b"ASK { ?s ?p ?o }\n"
        for _ in range(MAX_BODY // 64 + 2):
            yield b"#" + b"x" * 63 + b"\n"

    r = httpx.post(net.node.endpoint, content=chunks(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413, r.text
    ok = httpx.post(net.node.endpoint, content="ASK { ?s ?p ?o }", headers={"Content-Type": "application/sparql-query"})
    assert ok.status_code == 200 and ok.json()["boolean"] is True


# -- SERVICE only to peers ----------------------------------------------------------------------------------------

def test_service_to_a_listed_peer_works(net: Net) -> None:
    q = f"SELECT ?t WHERE {{ SERVICE <{net.peer.endpoint}> {{ ?d <http://purl.org/dc/terms/title> ?t }} }}"
    r = httpx.get(net.node.endpoint, params={"query": q}, timeout=30)
    assert r.status_code == 200, r.text
    assert [b["t"]["value"] for b in r.json()["results"]["bindings"]] == [PEER_TITLE]
    # joined with the node's own data
    q = ("SELECT ?mine ?theirs WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?mine . "
         f"SERVICE <{net.peer.endpoint}> {{ ?x <http://purl.org/dc/terms/title> ?theirs }} }}")
    r = httpx.get(net.node.endpoint, params={"query": q}, timeout=30)
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    assert {b["theirs"]["value"] for b in rows} == {PEER_TITLE} and len(rows) == 3


def test_service_silent_to_a_failing_peer(net: Net) -> None:
    """SILENT: a failing peer gives one empty solution (as Oxigraph does); without SILENT → 502."""
    q = f"SELECT * WHERE {{ SERVICE SILENT <{net.dead_peer}> {{ ?s ?p ?o }} }}"
    r = httpx.get(net.node.endpoint, params={"query": q}, timeout=30)
    assert r.status_code == 200 and r.json()["results"]["bindings"] == [{}]
    r = httpx.get(net.node.endpoint, params={"query": q.replace("SILENT ", "")}, timeout=30)
    assert r.status_code == 502 and error_of(r)["operation"] == "service"


def test_service_to_anything_else_is_refused_before_any_request(net: Net) -> None:
    before = outcomes()
    unlisted = f"http://127.0.0.1:{net.counter.port}/sparql"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{unlisted}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{unlisted}> {{ ?s ?p ?o }} }}",
        f"PREFIX u: <http://127.0.0.1:{net.counter.port}/> SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE u:sparql {{ ?s ?q ?r }} }} }}",
        f"SELECT * {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{unlisted}> {{ ?s ?q ?r }} }} }}",
        f"SELECT * {{ {{ SELECT ?s {{ SERVICE <{unlisted}> {{ ?s ?q ?r }} }} }} }}",
        f"SELECT * {{ SERVICE <{net.peer.endpoint}> {{ ?s ?p ?o }} SERVICE <{unlisted}> {{ ?s ?q ?r }} }}",
        f"ASK {{ VALUES ?e {{ <{unlisted}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{unlisted}> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE <{net.peer.endpoint}/> {{ ?s ?p ?o }} }}",  # not exactly a listed URL
    ]
    for q in queries:
        for r in (httpx.get(net.node.endpoint, params={"query": q}),
                  httpx.post(net.node.endpoint, content=q, headers={"Content-Type": "application/sparql-query"})):
            assert r.status_code == 400, (q, r.text)
            err = error_of(r)
            assert err["operation"] == "service" and net.peer.endpoint in err["peers"]
            assert err.get("service") in (unlisted, f"{net.peer.endpoint}/", None)
            if err.get("service"):
                assert err["service"] in err["detail"]
    # a listed peer that redirects elsewhere does not lead there either (Oxigraph follows no redirect)
    q = f"SELECT * WHERE {{ SERVICE <{net.redirector.endpoint}> {{ ?s ?p ?o }} }}"
    r = httpx.get(net.node.endpoint, params={"query": q}, timeout=30)
    assert r.status_code == 502 and "redirect" in error_of(r)["detail"]
    time.sleep(0.3)
    assert net.counter.count == 0, "a request reached an unlisted host"
    assert outcomes()["rejected_service"] == before["rejected_service"] + 2 * len(queries)
    # the counter does count: a direct connection is seen
    with socket.create_connection(("127.0.0.1", net.counter.port), timeout=5):
        pass
    deadline = time.monotonic() + 5
    while net.counter.count == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert net.counter.count == 1


# -- the query page -----------------------------------------------------------------------------------------------

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_query_page_lists_the_examples_and_offers_downloads(net: Net) -> None:
    r = httpx.get(net.node.endpoint, headers={"Accept": BROWSER})
    assert r.status_code == 200 and media(r) == "text/html"
    page = unescape(r.text)
    assert '<select id="example"' in page and '<textarea id="query" name="query"' in page
    for title, q in EXAMPLES:  # every example of the README/queries module, selectable
        assert f'data-query="{q}">{title}</option>' in page
    # served by the node itself: no script or stylesheet from anywhere else
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//', r.text)
    js = httpx.get(urljoin(net.node.endpoint, re.search(r'<script src="([^"]+)"', r.text).group(1)))
    assert js.status_code == 200 and "requestSubmit" in js.text
    # results as a table, cut at the row cap, with download links that work
    r = httpx.get(net.node.endpoint, params={"query": ALL}, headers={"Accept": BROWSER})
    html = r.text
    assert '<table class="solutions" id="solutions">' in html and f'<span id="row-count">{MAX_ROWS}</span>' in html
    assert 'id="truncated"' in html
    links = {label: unescape(href) for href, label in re.findall(r'<li><a href="([^"]+)" download>([^<]+)</a></li>', html)}
    assert set(links) == {"CSV", "TSV", "JSON", "XML"}
    for label, expected in (("CSV", "text/csv"), ("TSV", "text/tab-separated-values"),
                            ("JSON", "application/sparql-results+json"), ("XML", "application/sparql-results+xml")):
        d = httpx.get(urljoin(net.node.endpoint, links[label]), headers={"Accept": BROWSER})
        assert d.status_code == 200 and media(d) == expected, (label, d.text)
        assert d.headers["x-pangraph-rows"] == str(MAX_ROWS)
    r = httpx.get(net.node.endpoint, params={"query": "CONSTRUCT WHERE { ?s a ?t }"}, headers={"Accept": BROWSER})
    links = {label: unescape(href) for href, label in re.findall(r'<li><a href="([^"]+)" download>([^<]+)</a></li>', r.text)}
    assert list(links) == ["Turtle", "N-Triples", "JSON-LD", "RDF/XML"]
    d = httpx.get(urljoin(net.node.endpoint, links["N-Triples"]))
    assert media(d) == "application/n-triples" and len(rdflib.Graph().parse(data=d.content, format="nt")) == MAX_ROWS


def test_query_page_in_a_browser(net: Net, tmp_path: Path) -> None:
    """A user opens /sparql, picks an example, runs it with the Run button and sees the results table."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed; CI installs it")
    from cdp_browser import Browser

    index, (title, query) = next((i, e) for i, e in enumerate(EXAMPLES) if e[0] == "Datasets per technique")
    browser = Browser(tmp_path / "profile")
    try:
        browser.open(net.node.endpoint)
        picked = browser.eval(f"""(() => {{ const s = document.getElementById('example');
            s.value = '{index}'; s.dispatchEvent(new Event('change', {{bubbles: true}}));
            return document.getElementById('query').value; }})()""")
        assert picked == query
        browser.click("#run")
        assert "query=" in browser.url and "format=html" in browser.url
        assert browser.eval("document.querySelectorAll('#solutions tbody tr').length") == 2  # the test node's techniques
        assert browser.eval("[...document.querySelectorAll('#solutions th')].map(t => t.textContent)") == [
            "?technique", "?label", "?datasets"]
        assert int(browser.text("#row-count")) == 2
        assert browser.eval("document.getElementById('query').value") == query
        # Ctrl+Enter in the editor runs the query too
        browser.eval("document.getElementById('query').value = 'ASK { ?s ?p ?o }'")
        browser._navigation("document.getElementById('query').dispatchEvent(new KeyboardEvent('keydown', "  # noqa: SLF001
                            "{key: 'Enter', ctrlKey: true, bubbles: true}))")
        assert browser.text("#boolean") == "true"
        # readable on a phone: nothing scrolls sideways in the 390 px window (the table scrolls in its box)
        assert browser.overflow_x() == 0
    finally:
        browser.close()


ORPHAN_PARENT = r'''
import asyncio
from pangraph.api.query_workers import QueryRunner
from pangraph.store.oxigraph import OxigraphStore
from pangraph.store.query_worker import QueryJob
store = OxigraphStore(None)
store.bulk_load(b"".join(b"<http://a/%d> <http://p> <http://o> <http://g> .\n" % i for i in range(200)),
                format="application/n-quads")
runner = QueryRunner(store, workers=1, timeout_s=600, queue_timeout_s=1, max_rows=10)
async def main():
    asyncio.get_running_loop().create_task(runner.run(QueryJob(RUNAWAY)))
    while not runner.worker_pids() or runner._slots._value:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    print(*runner.worker_pids(), flush=True)
    await asyncio.sleep(600)
asyncio.run(main())
'''


def test_a_worker_does_not_outlive_a_killed_server() -> None:
    """The server process is killed (SIGKILL) while its worker runs a runaway query: the worker ends too."""
    import subprocess
    import sys

    parent = subprocess.Popen([sys.executable, "-c", f"RUNAWAY = {RUNAWAY!r}\n" + ORPHAN_PARENT],
                              stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        assert _pid_alive(worker)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while _pid_alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _pid_alive(worker), "the worker kept running after its server was killed"
