"""The app behind a real uvicorn server on 127.0.0.1 (random free port), spoken to with httpx; and, when
Debian's chromium is installed, the rendered pages in a headless browser."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import rdflib
from rdflib import URIRef
from rdflib.compare import isomorphic

from pangraph.api import create_app
from test_api_linkeddata import expected_description
from test_api_sparql import SLOW_QUERY
from test_api_support import ListArchive, loaded_store, make_config, union_graph

from served import CHROMIUM, dump_dom, free_port, start, stop  # noqa: F401 - re-exported to older tests


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    """A node on a real port; its base IRI is where it is served, so every minted IRI dereferences."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    store = loaded_store(base)  # in memory (the Linked Data tests use an on-disk store)
    app = create_app(make_config(tmp_path, base=base, server__max_body_bytes=4096), store=store,
                     archive=ListArchive([{"source": "esrf", "status": "ok", "records": 2}]),
                     node_info=lambda: {"PaNET version": "1.3.0"})
    srv, thread = start(app, port)
    try:
        yield base
    finally:
        stop(srv, thread)
        store.close()


def test_real_server_end_to_end(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        health = http.get("/health").json()
        assert health["status"] == "ok" and health["store"]["quads"] > 0

        landing = http.get("/", headers={"Accept": "application/json"}).json()
        assert landing["store"]["record_graphs"] == 3 and landing["store"]["datasets"] == 3

        # SPARQL: GET, form POST and direct POST
        q = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
        for r in (http.get("/sparql", params={"query": q}),
                  http.post("/sparql", data={"query": q}),
                  http.post("/sparql", content=q, headers={"Content-Type": "application/sparql-query"})):
            assert r.status_code == 200, r.text
            assert r.headers["content-type"] == "application/sparql-results+json"
            assert r.json()["results"]["bindings"][0]["n"]["value"] == "3"
        r = http.get("/sparql", params={"query": q}, headers={"Accept": "text/csv"})
        assert r.text.splitlines() == ["n", "3"]

        # Linked Data: the minted IRI itself is the URL; follow the Link header to the Turtle alternate
        iri = f"{server}/id/dataset/esrf/rec-1"
        r = httpx.get(iri, headers={"Accept": "application/ld+json"})
        assert r.status_code == 200 and r.headers["vary"] == "Accept"
        assert isomorphic(rdflib.Graph().parse(data=r.content, format="json-ld"),
                          expected_description(union_graph(server), URIRef(iri)))
        alternates = {m.group(2): m.group(1) for m in re.finditer(r'<([^>]+)>; rel="alternate"; type="([^"]+)"',
                                                                   r.headers["link"])}
        turtle_url = alternates["text/turtle"]
        assert turtle_url == iri + ".ttl"
        r = httpx.get(turtle_url)
        assert r.headers["content-type"].startswith("text/turtle")
        assert isomorphic(rdflib.Graph().parse(data=r.content, format="turtle"),
                          expected_description(union_graph(server), URIRef(iri)))

        assert http.get("/id/dataset/esrf/none").status_code == 404
        assert http.get("/id/dataset/esrf/rec-1", headers={"Accept": "image/gif"}).status_code == 406

        # body limit over real HTTP
        r = http.post("/sparql", content="ASK {} #" + "x" * 5000, headers={"Content-Type": "application/sparql-query"})
        assert r.status_code == 413 and r.json()["error"]["max_bytes"] == 4096


def test_a_slow_query_does_not_block_the_server(server: str) -> None:
    """Store queries run in a worker thread: other requests are served while one is running."""
    result: dict[str, float] = {}

    def slow() -> None:
        started = time.monotonic()
        r = httpx.get(f"{server}/sparql", params={"query": SLOW_QUERY}, timeout=30)
        assert r.status_code == 200
        result["slow"] = time.monotonic() - started

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.15)
    started = time.monotonic()
    r = httpx.get(f"{server}/health", timeout=10)
    health_time = time.monotonic() - started
    worker.join(timeout=30)
    assert r.status_code == 200
    assert "slow" in result and result["slow"] > 0.3, "the slow query was not slow enough to show anything"
    assert health_time < result["slow"] / 2, (health_time, result["slow"])


def test_pages_in_a_headless_browser(server: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed; CI installs it")
    quads = httpx.get(f"{server}/health").json()["store"]["quads"]
    dom = dump_dom(server + "/", tmp_path / "profile")
    assert f'<dd id="quads">{quads}</dd>' in dom
    assert '<dd id="record-graphs">3</dd>' in dom and "x-ray diffraction" in dom
    dom = dump_dom(f"{server}/id/dataset/esrf/rec-1", tmp_path / "profile")
    assert "<h1>Diffraction study rec-1</h1>" in dom and "Jane Doe (rec-1)" in dom
    assert shutil.which(str(CHROMIUM))
