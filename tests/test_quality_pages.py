"""The curator's quality pages (/quality, /quality/{source}, /quality/{source}/{key}), the links to them from
the Linked Data pages and the landing page, and the quality example queries — all against a real demo store,
each figure checked against an independent reading of the stored graphs (rdflib over an N-Quads dump)."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from collections import Counter, defaultdict
from html import escape, unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator
from urllib.parse import urljoin

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.namespace import DCTERMS, FOAF, RDF

from pangraph.api import create_app
from pangraph.archive import Archive
from pangraph.quality import quality_trend, trend_point
from pangraph.queries import SCORE_DISTRIBUTION_PER_FACILITY, SOURCES_WITH_DATASETS_WITHOUT_LICENCE
from served import demo_app, CHROMIUM, dump_dom, free_port, start, stop
from test_api_support import ListArchive

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_ = {"Accept": "application/json"}
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DQV = rdflib.Namespace("http://www.w3.org/ns/dqv#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
PG = rdflib.Namespace("https://w3id.org/pangraph/ns#")
LICENCE_MESSAGE = "The dataset has no licence (dct:license), or the licence is text instead of a licence IRI."
LYSOZYME = "https://doi.org/10.15151/esrf-dc-1548271939"  # described by esrf-oai and datacite-rest


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The demo node built once, its base on a free port (the browser test serves it there)."""
    with demo_app(tmp_path_factory.mktemp("quality-demo"), port=free_port()) as demo:
        yield demo


@pytest.fixture(scope="module")
def stored(demo: SimpleNamespace) -> SimpleNamespace:
    """An independent reading of the store: the dump parsed by rdflib, and per record graph its source,
    main resource, conformance, total score and results."""
    buf = io.BytesIO()
    demo.node.store.dump(buf, format="application/n-quads")
    ds = rdflib.Dataset()
    ds.parse(data=buf.getvalue(), format="nquads")
    prov = ds.graph(rdflib.URIRef(f"{demo.base}/graph/provenance"))
    quality = ds.graph(rdflib.URIRef(f"{demo.base}/graph/quality"))
    source = {str(g): str(s) for g, s in prov.subject_objects(DCTERMS.source)}
    topic = {str(g): t for g, t in prov.subject_objects(FOAF.primaryTopic)}
    conforms = {str(quality.value(rep, DQV.computedOn)): bool(quality.value(rep, SH.conforms).toPython())
                for rep in quality.subjects(RDF.type, SH.ValidationReport)}
    total = {str(quality.value(m, DQV.computedOn)): float(quality.value(m, DQV.value))
             for m in quality.subjects(DQV.isMeasurementOf, PG.totalScore)}
    results: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rep in quality.subjects(RDF.type, SH.ValidationReport):
        g = str(quality.value(rep, DQV.computedOn))
        for r in quality.objects(rep, SH.result):
            results[g].append({"severity": str(quality.value(r, SH.resultSeverity)).rsplit("#", 1)[1],
                               "message": str(quality.value(r, SH.resultMessage)),
                               "value": quality.value(r, SH.value), "shape": quality.value(r, SH.sourceShape),
                               "field": quality.value(r, PG.sourceField)})
    return SimpleNamespace(ds=ds, source=source, topic=topic, conforms=conforms, total=total, results=results)


def by_source(stored: SimpleNamespace, src: str) -> list[str]:
    return sorted(g for g, s in stored.source.items() if s == src and g in stored.conforms)


def page_of(base: str, graph: str) -> str:
    """/quality/{source}/{key} of a record graph {base}/graph/record/{source}/{key}."""
    return "/quality/" + graph.removeprefix(base + "/graph/record/")


# -- /quality -------------------------------------------------------------------------------------------------

def test_index_lists_every_source_with_its_figures(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    r = demo.client.get("/quality", headers=JSON_)
    assert r.status_code == 200 and r.headers["vary"] == "Accept"
    got = {s["source"]: s for s in r.json()["sources"]}
    assert set(got) == set(stored.source.values())
    for src, s in got.items():
        graphs = by_source(stored, src)
        assert s["records"] == len(graphs), src
        assert s["conforming"] == sum(stored.conforms[g] for g in graphs), src
        assert s["mean_score"] == round(sum(stored.total[g] for g in graphs) / len(graphs), 1), src
        assert s["results"]["Violation"] == sum(r["severity"] == "Violation" for g in graphs
                                                for r in stored.results[g]), src
        assert s["last_run"]["kind"] == "demo" and s["last_run"]["status"] == "ok"
    html = demo.client.get("/quality", headers={"Accept": BROWSER})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    for src in got:
        assert f'href="./quality/{src}"' in html.text
    assert 'href="./static/pangraph.css"' in html.text and '<meta name="viewport"' in html.text


def test_landing_page_and_navigation_lead_to_the_quality_pages(demo: SimpleNamespace) -> None:
    html = demo.client.get("/", headers={"Accept": BROWSER}).text
    assert 'href="./quality"' in html and 'href="./quality/esrf-oai"' in html
    assert demo.client.get("/", headers=JSON_).json()["links"]["quality"] == f"{demo.base}/quality"


# -- /quality/{source} -------------------------------------------------------------------------------------

def test_source_page_shows_score_distribution_fix_first_and_trend(demo: SimpleNamespace,
                                                                  stored: SimpleNamespace) -> None:
    src = "panosc-esrf"
    graphs = by_source(stored, src)
    data = demo.client.get(f"/quality/{src}", headers=JSON_).json()
    assert data["records"] == len(graphs) == 11
    assert data["nonconforming"] == sum(not stored.conforms[g] for g in graphs)
    assert data["mean_score"] == round(sum(stored.total[g] for g in graphs) / len(graphs), 1)
    expected_buckets = Counter(min(9, int(stored.total[g] // 10)) for g in graphs)
    assert [b["records"] for b in data["distribution"]] == [expected_buckets.get(i, 0) for i in range(10)]
    # the fix-first list: records affected per shape (crosswalk notes: per severity and source field) as
    # stored, ranked by points at stake
    affected: dict[tuple, set[str]] = defaultdict(set)
    for g in graphs:
        for r in stored.results[g]:
            key = (str(r["shape"]), r["severity"]) if r["shape"] is not None else (None, r["severity"], str(r["field"]))
            affected[key].add(g)
    assert data["fix_first"], "the demo's PaNOSC records have failures"
    assert len(data["fix_first"]) == min(15, len(affected))
    for f in data["fix_first"]:
        key = (f["shape"], f["severity"]) if f["shape"] else (None, f["severity"], f["field"])
        assert f["records"] == len(affected[key]), key
        assert f["impact"] == pytest.approx(f["records"] * f["cost"], abs=0.01)
    impacts = [f["impact"] for f in data["fix_first"]]
    assert impacts == sorted(impacts, reverse=True)
    assert LICENCE_MESSAGE in {f["message"] for f in data["fix_first"]}
    # the trend: the demo run that loaded the source, with its figures
    (run,) = data["trend"]
    assert run["kind"] == "demo" and run["validated"] == 11 and run["nonconforming"] == data["nonconforming"]
    assert run["mean_score"] == data["mean_score"] and run["records"] == 11
    assert data["lowest"][0]["total"] == min(stored.total[g] for g in graphs)
    assert len(demo.client.get(f"/quality/{src}", params={"top": 2}, headers=JSON_).json()["fix_first"]) == 2

    html = demo.client.get(f"/quality/{src}", headers={"Accept": BROWSER})
    assert html.status_code == 200 and html.headers["vary"] == "Accept"
    page = html.text
    assert '<dd id="records">11</dd>' in page and f'<dd id="mean-score">{data["mean_score"]:.1f}</dd>' in page
    for title in ("Findability", "Accessibility", "Interoperability", "Reusability", "Contextuality"):
        assert re.search(rf'<th scope="row" title="[^"]+">{title}<span class="desc">', page), title
    fix = page[page.index('<table id="fix-first">'):]
    assert fix.index(esc(data["fix_first"][0]["message"])) < fix.index(esc(data["fix_first"][1]["message"]))
    assert len(re.findall(r'<td class="num mean-score">', page)) == 1 and '<svg class="spark"' in page
    first_record = data["lowest"][0]["graph"].removeprefix(f"{demo.base}/graph/record/")
    assert f'href="../quality/{first_record}"' in page  # relative links: work behind a path prefix too
    assert 'href="../static/pangraph.css"' in page


def esc(text: str) -> str:
    """*text* as the templates write it (HTML-escaped)."""
    return escape(text, quote=True)


def test_unknown_source_record_and_media_type(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    r = demo.client.get("/quality/nope", headers=JSON_)
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["source"] == "nope" and err["known"] == sorted(set(stored.source.values()))
    assert "no source 'nope'" in err["detail"] and "esrf-oai" in err["detail"]
    page = demo.client.get("/quality/nope", headers={"Accept": BROWSER})
    assert page.status_code == 404 and "no source &#39;nope&#39;" in page.text and "esrf-oai" in page.text
    r = demo.client.get("/quality/esrf-oai/no-such-record", headers=JSON_)
    assert r.status_code == 404 and r.json()["error"]["graph"] == f"{demo.base}/graph/record/esrf-oai/no-such-record"
    assert demo.client.get("/quality/esrf-oai", headers={"Accept": "image/png"}).status_code == 406


def test_old_run_reports_without_quality_figures_still_display(demo: SimpleNamespace, tmp_path: Path) -> None:
    old = {"id": 1, "source": "esrf-oai", "kind": "harvest", "status": "ok", "started_at": "2024-01-02T10:00:00Z",
           "added": 24, "updated": 0, "unchanged": 0, "deleted": 0, "failed": 0, "loaded": 24, "nonconforming": 0}
    new = {**old, "id": 2, "started_at": "2024-02-02T10:00:00Z", "loaded": 1, "validated": 1, "violations": 0,
           "warnings": 1, "infos": 0, "quality": {"esrf-oai": {"records": 24, "conforming": 24, "mean_score": 93.7}}}
    client = TestClient(create_app(demo.config, store=demo.node.store, archive=ListArchive([new, old])))
    trend = client.get("/quality/esrf-oai", headers=JSON_).json()["trend"]
    assert [p["id"] for p in trend] == [1, 2]
    assert trend[0]["validated"] is None and trend[0]["mean_score"] is None and trend[0]["loaded"] == 24
    assert trend[1]["validated"] == 1 and trend[1]["mean_score"] == 93.7
    page = client.get("/quality/esrf-oai", headers={"Accept": BROWSER}).text
    assert re.findall(r'<td class="num mean-score">([^<]*)</td>', page) == ["—", "93.7"]

    # a report stored as JSON by a pangraph without these fields reads back with them unknown (None)
    archive = Archive(tmp_path / "archive.sqlite")
    run_id = archive.start_run("esrf-oai", kind="harvest")
    archive.finish_run(run_id, {"added": 3, "loaded": 3})
    with sqlite3.connect(tmp_path / "archive.sqlite") as db:
        db.execute("UPDATE runs SET report=? WHERE id=?", (json.dumps({k: v for k, v in old.items() if k != "id"}), run_id))
    (run,) = archive.runs("esrf-oai")
    assert run["validated"] is None and run["quality"] is None and run["added"] == 24
    point = trend_point(run, "esrf-oai")
    assert point["mean_score"] is None and point["loaded"] == 24
    assert [p["id"] for p in quality_trend(SimpleNamespace(archive=archive), "esrf-oai")] == [run_id]
    archive.close()


def test_configured_sources_without_records(tmp_path: Path) -> None:
    from pangraph.store.oxigraph import OxigraphStore
    from test_api_support import make_config

    client = TestClient(create_app(make_config(tmp_path), store=OxigraphStore(None), archive=ListArchive([])))
    index = client.get("/quality", headers=JSON_).json()
    assert [(s["source"], s["records"], s["mean_score"], s["last_run"]) for s in index["sources"]] == \
        [("esrf", 0, None, None), ("ill", 0, None, None)]
    assert index["sources"][0]["title"] == "ESRF data portal" and index["sources"][0]["facility"] == "ESRF"
    page = client.get("/quality/esrf", headers={"Accept": BROWSER})
    assert page.status_code == 200 and "No validated records of this source yet." in page.text
    assert "No runs recorded for this source." in page.text
    assert client.get("/quality/esrf", headers=JSON_).json()["fix_first"] == []


# -- /quality/{source}/{key} -----------------------------------------------------------------------------------

def test_record_page_shows_each_failure_with_its_value_and_message(demo: SimpleNamespace,
                                                                   stored: SimpleNamespace) -> None:
    # a record whose Violation names a literal value (the failing value must be on the page)
    with_value = sorted(g for g, rs in stored.results.items()
                        if any(isinstance(r["value"], rdflib.Literal) for r in rs) and not stored.conforms[g])
    graph = with_value[0] if with_value else sorted(g for g in stored.results if not stored.conforms[g])[0]
    path = page_of(demo.base, graph)
    data = demo.client.get(path, headers=JSON_).json()
    assert data["graph"] == graph and data["source"] == stored.source[graph]
    assert data["conforms"] is False and data["scores"]["total"] == stored.total[graph]
    assert sorted((r["severity"], r["message"]) for r in data["results"]) == \
        sorted((r["severity"], r["message"]) for r in stored.results[graph])
    assert set(data["profiles"]) == {"pan-dataset", "training", "software"}
    page = demo.client.get(path, headers={"Accept": BROWSER}).text
    assert "<strong>Does not conform</strong>" in page
    for r in stored.results[graph]:
        assert esc(r["message"]) in page, r["message"]
        if isinstance(r["value"], rdflib.Literal):
            assert f"<code>{esc(str(r['value']))}</code>" in page
    assert f'href="../../quality/{stored.source[graph]}"' in page  # back to the source page
    assert f'<span id="total-score">{stored.total[graph]:.1f}</span>' in page


def test_entity_pages_link_to_the_quality_of_their_records(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    # a DOI two sources describe: its page links to both records' quality pages
    page = demo.client.get("/describe", params={"iri": LYSOZYME}, headers={"Accept": BROWSER}).text
    links = re.findall(r'<a href="([^"]+)" class="quality-page">', page)
    expected = {g for g, t in stored.topic.items() if str(t) == LYSOZYME}
    assert {s.split("/")[2] for s in links} == {"esrf-oai", "datacite-rest"} and len(links) == len(expected) == 2
    for href in links:
        r = demo.client.get(urljoin("/describe", href), headers={"Accept": BROWSER})
        assert r.status_code == 200 and "Quality of record" in r.text
    # a minted dataset without a licence: its page → its record's quality page → the licence failure
    dataset = f"{demo.base}/id/dataset/panosc-esrf/920000003"
    path = dataset.removeprefix(demo.base)
    page = demo.client.get(path, headers={"Accept": BROWSER}).text
    (href,) = re.findall(r'<a href="([^"]+)" class="quality-page">', page)
    record = demo.client.get(urljoin(path, href), headers={"Accept": BROWSER})
    assert record.status_code == 200 and LICENCE_MESSAGE in record.text
    # software and training pages link too; so does the page of a record graph
    for cls in ("http://schema.org/SoftwareSourceCode", "http://schema.org/LearningResource"):
        g, t = next((g, t) for g, t in sorted(stored.topic.items())
                    if (t, RDF.type, rdflib.URIRef(cls)) in stored.ds.graph(rdflib.URIRef(g)))
        where = str(t).removeprefix(demo.base) if str(t).startswith(demo.base) else None
        r = (demo.client.get(where, headers={"Accept": BROWSER}) if where else
             demo.client.get("/describe", params={"iri": str(t)}, headers={"Accept": BROWSER}))
        assert page_of(demo.base, g).lstrip("/") in r.text, cls
    graph_page = demo.client.get(next(iter(stored.topic)).removeprefix(demo.base), headers={"Accept": BROWSER}).text
    assert 'class="quality-page"' in graph_page


def test_openapi_lists_the_quality_routes(demo: SimpleNamespace) -> None:
    paths = demo.client.get("/openapi.json").json()["paths"]
    for path in ("/quality", "/quality/{source}", "/quality/{source}/{key}"):
        op = paths[path]["get"]
        assert op["summary"] and op["description"], path
        assert set(op["responses"]["200"]["content"]) >= {"text/html", "application/json"}, path


# -- the quality queries -------------------------------------------------------------------------------------

def test_quality_queries_answer_what_the_graphs_say(demo: SimpleNamespace, stored: SimpleNamespace) -> None:
    datasets: dict[str, int] = Counter()
    unlicensed: dict[str, int] = Counter()
    facility_buckets: dict[tuple[str, str], set[str]] = defaultdict(set)
    for g, t in stored.topic.items():
        record = stored.ds.graph(rdflib.URIRef(g))
        if (t, RDF.type, DCAT.Dataset) not in record:
            continue
        datasets[stored.source[g]] += 1
        if not list(record.objects(t, DCTERMS.license)):
            unlicensed[stored.source[g]] += 1
        low = min(90, int(stored.total[g] // 10) * 10)
        for publisher in record.objects(t, DCTERMS.publisher):
            for name in record.objects(publisher, FOAF.name):
                facility_buckets[(str(name), f"{low}-{100 if low == 90 else low + 9}")].add(g)
    assert unlicensed, "the demo has datasets without licence"

    rows = demo.node.store.select(SOURCES_WITH_DATASETS_WITHOUT_LICENCE)
    assert {r["source"]: (int(r["datasetRecords"]), int(r["withoutLicence"])) for r in rows} == \
        {s: (datasets[s], n) for s, n in unlicensed.items()}
    assert [int(r["withoutLicence"]) for r in rows] == sorted((int(r["withoutLicence"]) for r in rows), reverse=True)

    rows = demo.node.store.select(SCORE_DISTRIBUTION_PER_FACILITY)
    assert {(r["facility"], r["bucket"]): int(r["records"]) for r in rows} == \
        {k: len(v) for k, v in facility_buckets.items()}
    assert len({r["facility"] for r in rows}) >= 6

    # and over the SPARQL protocol, as a curator runs them
    r = demo.client.get("/sparql", params={"query": SOURCES_WITH_DATASETS_WITHOUT_LICENCE}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.text.splitlines()[0] == "source,datasetRecords,withoutLicence"


# -- in a browser --------------------------------------------------------------------------------------------

def test_browser_goes_from_a_dataset_page_to_its_failures(demo: SimpleNamespace, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed; CI installs it")
    srv, thread = start(demo.app, demo.port, name="uvicorn-quality")
    try:
        dataset = f"{demo.base}/id/dataset/panosc-esrf/920000003"
        dom = dump_dom(dataset, tmp_path / "profile")
        (href,) = re.findall(r'<a href="([^"]+)" class="quality-page">', dom)
        record_page = urljoin(dataset, unescape(href))
        assert record_page.startswith(f"{demo.base}/quality/panosc-esrf/")
        dom = dump_dom(record_page, tmp_path / "profile")
        assert "<strong>Does not conform</strong>" in dom and LICENCE_MESSAGE in dom
        (source_href,) = re.findall(r'<a href="([^"]+)">panosc-esrf</a></td>', dom)
        dom = dump_dom(urljoin(record_page, unescape(source_href)), tmp_path / "profile")
        assert "Fix these first" in dom and LICENCE_MESSAGE in dom and '<table id="trend">' in dom
    finally:
        stop(srv, thread)


# -- source figures: the archive's per-record summaries say what the quality graph says ----------------------------


def test_source_figures_from_the_archive_equal_those_from_the_quality_graph(demo: SimpleNamespace) -> None:
    from pangraph.quality import _figures_from_store, source_figures
    from pangraph.quality_score import default_dimensions

    node, dims = demo.node, default_dimensions()
    summaries = node.archive.quality_summaries()
    assert summaries is not None and sum(map(len, summaries.values())) == len(node.record_graphs())
    from_store = _figures_from_store(node, None, dims)
    assert source_figures(node) == from_store
    assert any(f["nonconforming"] for f in from_store.values())  # the comparison covers failing records too
    assert any(f["results"]["Warning"] for f in from_store.values())
    for src in from_store:
        assert source_figures(node, src) == {src: from_store[src]}


def test_source_figures_fall_back_to_the_store_when_a_record_has_no_summary(tmp_path: Path) -> None:
    from pangraph.quality import source_figures

    archive = Archive(tmp_path / "archive.sqlite")
    from pangraph.records import RawRecord

    archive.put(RawRecord("s", "r1", "oai_dc", b"<x/>"), key="r1", harvested_at="2026-01-01T00:00:00Z")
    archive.put(RawRecord("s", "r2", "oai_dc", b"<y/>"), key="r2", harvested_at="2026-01-01T00:00:00Z")
    (r1, r2) = sorted(archive.pending("s"), key=lambda r: r.identifier)
    good = {"conforms": False, "results": {"Violation": 2, "Warning": 0, "Info": 1},
            "scores": {"findable": 50.0, "total": 40.0}}
    archive.mark_loaded_many("s", [(r1.identifier, r1.content_hash, good)])
    asked: list[str] = []

    class Store:  # records what the fallback asks; answers nothing
        def select(self, query: str) -> list:
            asked.append(query)
            return []

    node = SimpleNamespace(archive=archive, store=Store(), quality_graph="urn:q", provenance_graph="urn:p")
    figures = source_figures(node)["s"]  # r2 is not in the store yet: the archive answers
    assert (figures["records"], figures["nonconforming"], figures["results"]["Violation"],
            figures["records_with"]["Info"], figures["mean_score"]) == (1, 1, 2, 1, 40.0)
    assert not asked
    archive.mark_loaded("s", r2.identifier, r2.content_hash)  # loaded without a summary
    assert source_figures(node) == {} and len(asked) == 3  # only the store can say
