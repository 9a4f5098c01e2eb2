"""Landing page, health, run reports, OpenAPI docs, static files and the one error shape."""

from __future__ import annotations

import re

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pangraph.api import create_app
from pangraph.api.negotiation import negotiate, parse_accept, prefers_html, quality
from pangraph.store.oxigraph import OxigraphStore
from test_api_support import SAXS, XRD, ListArchive, loaded_store, make_config, record_quads

BASE = "http://127.0.0.1:8000"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RUNS = [
    {"source": "ill", "started": "2024-01-03T10:00:00Z", "status": "ok", "records": 1, "errors": []},
    {"source": "esrf", "started": "2024-01-02T10:00:00Z", "status": "ok", "records": 2, "errors": []},
]


@pytest.fixture()
def store() -> OxigraphStore:
    return loaded_store(BASE)


@pytest.fixture()
def client(tmp_path: Path, store: OxigraphStore) -> TestClient:
    app = create_app(make_config(tmp_path), store=store, archive=ListArchive(RUNS),
                     node_info=lambda: {"PaNET version": "1.3.0"})
    return TestClient(app)


def error_of(r: Any) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"} and body["error"]["status"] == r.status_code
    assert body["error"]["title"] and body["error"]["detail"]
    return body["error"]


def summary(client: TestClient) -> dict[str, Any]:
    r = client.get("/", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["vary"] == "Accept"
    return r.json()


def test_landing_json_counts(client: TestClient, store: OxigraphStore) -> None:
    s = summary(client)
    assert s["node"]["title"] == "pangraph PaN knowledge graph"
    assert s["node"]["info"] == {"PaNET version": "1.3.0"}
    assert s["store"] == {"quads": store.count_quads(), "named_graphs": 6, "record_graphs": 3, "datasets": 3}
    by_source = {x["source"]: x for x in s["sources"]}
    assert by_source["esrf"]["records"] == 2 and by_source["esrf"]["datasets"] == 2
    assert by_source["esrf"]["title"] == "ESRF data portal" and by_source["esrf"]["facility"] == "ESRF"
    assert by_source["ill"]["records"] == 1 and by_source["ill"]["datasets"] == 1
    assert by_source["ill"]["last_harvested"].startswith("2024-01-03")
    assert {f["facility"]: f["datasets"] for f in s["facilities"]} == {"ESRF": 2, "ILL": 1}
    assert s["techniques"] == [
        {"technique": XRD, "label": "x-ray diffraction", "datasets": 2, "id": "PaNET01217"},
        {"technique": SAXS, "label": "small angle x-ray scattering", "datasets": 1, "id": "PaNET01188"},
    ]
    assert s["validation"] == {"reports": 3, "conforming": 2, "not_conforming": 1,
                               "results": {"Violation": 1, "Warning": 1, "Info": 0}}
    assert [r["source"] for r in s["runs"]] == ["ill", "esrf"]
    assert s["links"]["sparql"] == f"{BASE}/sparql"
    assert len(s["examples"]) == 3


def test_landing_numbers_follow_the_data(client: TestClient, store: OxigraphStore) -> None:
    before = summary(client)
    store.bulk_load(record_quads(BASE, "ill", "r4", technique=SAXS, conforms=False).encode(),
                    format="application/n-quads")
    after = summary(client)
    assert after["store"]["quads"] > before["store"]["quads"]
    assert after["store"]["record_graphs"] == before["store"]["record_graphs"] + 1 == 4
    assert after["store"]["datasets"] == 4
    assert {x["source"]: x["datasets"] for x in after["sources"]} == {"esrf": 2, "ill": 2}
    assert {t["technique"]: t["datasets"] for t in after["techniques"]} == {XRD: 2, SAXS: 2}
    assert after["validation"]["not_conforming"] == 2
    assert after["validation"]["results"]["Violation"] == 2
    # and when a record graph is dropped
    store.drop_graph(f"{BASE}/graph/record/esrf/rec-1")
    dropped = summary(client)
    assert dropped["store"]["record_graphs"] == 3 and dropped["store"]["datasets"] == 3
    assert {t["technique"]: t["datasets"] for t in dropped["techniques"]}[XRD] == 1


def test_landing_html(client: TestClient, store: OxigraphStore) -> None:
    r = client.get("/", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert f'<dd id="quads">{store.count_quads()}</dd>' in html
    assert '<dd id="record-graphs">3</dd>' in html and '<dd id="datasets">3</dd>' in html
    assert "ESRF data portal" in html and "x-ray diffraction" in html
    assert '<dd id="not-conforming">1</dd>' in html and '<dd id="sev-violation">1</dd>' in html
    assert "<dt>PaNET version</dt><dd>1.3.0</dd>" in html
    assert 'href="./static/pangraph.css"' in html
    for link in ('href="./sparql"', 'href="./docs"', 'href="./health"', 'href="./api/runs"'):
        assert link in html
    assert html.count('href="./sparql?query=') >= 3
    assert "2024-01-03T10:00:00Z" in html  # a run from the archive
    assert '<html lang="en">' in html and 'class="skip"' in html


def test_example_queries_run(client: TestClient) -> None:
    for example in summary(client)["examples"]:
        r = client.get("/sparql", params={"query": example["query"]})
        assert r.status_code == 200, (example["title"], r.text)
        assert r.json()["results"]["bindings"], example["title"]


def test_landing_406(client: TestClient) -> None:
    r = client.get("/", headers={"Accept": "image/png"})
    assert r.status_code == 406 and error_of(r)["accepted"] == ["text/html", "application/json"]


def test_landing_on_an_empty_node(tmp_path: Path) -> None:
    client = TestClient(create_app(make_config(tmp_path), store=OxigraphStore(tmp_path / "empty")))
    s = summary(client)
    assert s["store"] == {"quads": 0, "named_graphs": 0, "record_graphs": 0, "datasets": 0}
    assert s["sources"] == [] and s["techniques"] == [] and s["runs"] == []
    assert "No records loaded yet." in client.get("/").text


def test_static_css(client: TestClient) -> None:
    r = client.get("/static/pangraph.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert "font-family" in r.text


def test_health(client: TestClient, store: OxigraphStore) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["store"] == {"reachable": True, "quads": store.count_quads()}


def test_health_when_the_store_is_gone(client: TestClient, store: OxigraphStore) -> None:
    store.close()
    r = client.get("/health")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable" and body["store"]["reachable"] is False
    assert body["error"]["status"] == 503


def test_runs(client: TestClient) -> None:
    r = client.get("/api/runs")
    assert r.status_code == 200 and [x["source"] for x in r.json()["runs"]] == ["ill", "esrf"]
    assert [x["source"] for x in client.get("/api/runs", params={"limit": 1}).json()["runs"]] == ["ill"]
    r = client.get("/api/runs/esrf")
    assert r.json() == {"source": "esrf", "runs": [RUNS[1]]}
    r = client.get("/api/runs/nowhere")
    assert r.status_code == 404 and error_of(r)["source"] == "nowhere"
    r = client.get("/api/runs", params={"limit": "many"})
    assert r.status_code == 422 and error_of(r)["problems"][0]["location"] == ["query", "limit"]


def test_runs_of_a_configured_source_without_runs(tmp_path: Path, store: OxigraphStore) -> None:
    client = TestClient(create_app(make_config(tmp_path), store=store, archive=ListArchive([])))
    assert client.get("/api/runs/ill").json() == {"source": "ill", "runs": []}
    assert client.get("/api/runs/other").status_code == 404
    no_archive = TestClient(create_app(make_config(tmp_path), store=store))
    assert no_archive.get("/api/runs").json() == {"source": None, "runs": []}


def test_openapi_documents_the_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [("/sparql", "get"), ("/sparql", "post"), ("/id/{path}", "get"), ("/graph/{path}", "get"),
                         ("/", "get"), ("/health", "get"), ("/api/runs", "get"), ("/api/runs/{source}", "get"),
                         ("/describe", "get")]:
        op = paths[path][method]
        assert op["summary"] and op.get("description"), (path, method)
    assert "application/sparql-query" in paths["/sparql"]["post"]["requestBody"]["content"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    # offline: every script and stylesheet of the docs page is served by the node, none by a CDN
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text) + re.findall(r"url: '([^']+)'", docs.text)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    for a in assets:
        assert client.get("/" + a.lstrip("./")).status_code == 200, a


def test_errors_share_one_shape(client: TestClient) -> None:
    r = client.get("/no/such/route")
    assert r.status_code == 404 and error_of(r)["detail"] == "no route for /no/such/route"
    r = client.post("/health")
    assert r.status_code == 405 and error_of(r)
    r = client.get("/no/such/route", headers={"Accept": BROWSER})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html") and "404" in r.text


def test_body_limit_applies_to_every_route(tmp_path: Path, store: OxigraphStore) -> None:
    client = TestClient(create_app(make_config(tmp_path, server__max_body_bytes=10), store=store))
    r = client.post("/health", content=b"x" * 11)
    assert r.status_code == 413 and error_of(r)["max_bytes"] == 10


# -- Accept header parsing -----------------------------------------------------------------------------------

@pytest.mark.parametrize("header, offers, expected", [
    (None, ["a/b", "c/d"], "a/b"),
    ("", ["a/b", "c/d"], "a/b"),
    ("c/d", ["a/b", "c/d"], "c/d"),
    ("c/*;q=0.5, a/b;q=0.4", ["a/b", "c/d"], "c/d"),
    ("*/*;q=0.1, a/*;q=0", ["a/b", "c/d"], "c/d"),
    ("a/b;q=0", ["a/b"], None),
    ("a/b;q=1.5, c/d", ["a/b", "c/d"], "c/d"),  # an invalid q drops that element
    ("garbage, c/d;q=0.2", ["a/b", "c/d"], "c/d"),
    ("*", ["a/b"], "a/b"),
    ('a/b;profile="x,y";q=0.3, c/d;q=0.2', ["c/d", "a/b"], "a/b"),
    ("A/B", ["a/b"], "a/b"),
    ("a/b;charset=utf-8", ["a/b"], "a/b"),
    ("*/b", ["a/b"], None),
])
def test_negotiate(header: str | None, offers: list[str], expected: str | None) -> None:
    assert negotiate(header, offers) == expected


def test_most_specific_range_wins() -> None:
    ranges = parse_accept("text/*;q=0.3, text/turtle;q=0.7, text/turtle;format=x;q=0.9, */*;q=0.1")
    assert quality(ranges, "text/turtle") == 0.9
    assert quality(ranges, "text/csv") == 0.3
    assert quality(ranges, "image/png") == 0.1
    assert prefers_html(BROWSER) and not prefers_html("*/*") and not prefers_html(None)


def test_source_pages_follow_the_data(client: TestClient, store: OxigraphStore) -> None:
    """/sources and /sources/{name} are kept between requests, and computed again after a write or a new run."""
    def rows() -> dict[str, Any]:
        r = client.get("/sources", headers={"Accept": "application/json"})
        assert r.status_code == 200 and r.headers["vary"] == "Accept"
        return {s["source"]: s for s in r.json()["sources"]}

    before = rows()
    assert before["esrf"]["records"] == 2 and before["ill"]["records"] == 1 and before["ill"]["datasets"] == 1
    assert before["esrf"]["title"] == "ESRF data portal" and before["esrf"]["last_run"]["status"] == "ok"
    one = client.get("/sources/ill", headers={"Accept": "application/json"}).json()
    assert one["records"] == 1 and [r["started"] for r in one["runs"]] == ["2024-01-03T10:00:00Z"]
    store.bulk_load(record_quads(BASE, "ill", "r4", technique=SAXS, conforms=False).encode(),
                    format="application/n-quads")
    assert rows()["ill"]["records"] == 2 and rows()["ill"]["datasets"] == 2
    assert client.get("/sources/ill", headers={"Accept": "application/json"}).json()["records"] == 2
    client.app.state.ctx.archive.add({"source": "ill", "id": 9, "status": "failed", "records": 0})
    assert rows()["ill"]["last_run"]["status"] == "failed"
    html = client.get("/sources/ill", headers={"Accept": BROWSER}).text
    assert '<td class="status-failed">failed</td>' in html and 'href="../quality/ill"' in html
