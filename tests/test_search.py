"""Search (/api/search, /search, the index kept in step with the graph): against the real demo node (its
Oxigraph store and the index its pipeline wrote), every count checked against an independent reading of the
store with SPARQL; updates, deletions and crash convergence on a small node of its own."""

from __future__ import annotations

import re
import time
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from conftest import PANET_OWL
from oai_server import datacite_xml
from pangraph.api import create_app
from pangraph.archive import RunReport
from pangraph.cli import main as cli
from pangraph.config import load_config
from pangraph.pipeline import Node
from pangraph.records import RawRecord
from pangraph.search.engine import fts_query
from pangraph.search.index import SearchIndex, rebuild
import served
from served import CHROMIUM, dump_dom, free_port

PANET = "http://purl.org/pan-science/PaNET/"
SAS = PANET + "PaNET01124"  # small angle scattering
SAXS = PANET + "PaNET01188"
LYSOZYME = "https://doi.org/10.15151/esrf-dc-1548271939"  # described by esrf-oai and datacite-rest
KIND_TYPES = ("<http://www.w3.org/ns/dcat#Dataset>", "<http://schema.org/LearningResource>", "<http://schema.org/Course>",
              "<http://schema.org/CourseInstance>", "<http://schema.org/Event>", "<http://schema.org/SoftwareSourceCode>",
              "<http://schema.org/SoftwareApplication>")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    with served.demo_app(tmp_path_factory.mktemp("search-demo"), port=free_port()) as demo:
        yield demo


def search(demo: SimpleNamespace, **params: Any) -> dict[str, Any]:
    r = demo.client.get("/api/search", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def all_hits(demo: SimpleNamespace, **params: Any) -> list[dict[str, Any]]:
    out, page = [], 1
    while True:
        body = search(demo, size=100, page=page, facets="false", **params)
        out += body["hits"]
        if page >= body["pages"]:
            return out
        page += 1


def main_resources(demo: SimpleNamespace, where: str = "") -> set[str]:
    """Independently, with SPARQL: the datasets, training and software that are the main resource of a record
    graph (and match *where*)."""
    rows = demo.node.store.select(
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "PREFIX schema: <http://schema.org/> PREFIX dct: <http://purl.org/dc/terms/> "
        f"SELECT DISTINCT ?r WHERE {{ GRAPH <{demo.base}/graph/provenance> {{ ?g foaf:primaryTopic ?r }} "
        f"?r a ?type . FILTER(?type IN ({', '.join(KIND_TYPES)})) {where} }}")
    return {r["r"] for r in rows}


# -- the index follows the graph ---------------------------------------------------------------------------------

def test_every_dataset_training_and_software_is_one_document(demo: SimpleNamespace) -> None:
    expected = main_resources(demo)
    hits = all_hits(demo)
    assert len(hits) == len({h["iri"] for h in hits}), "one hit per resource"
    assert {h["iri"] for h in hits} == expected
    kinds = {f["value"]: f["count"] for f in search(demo)["facets"]["kind"]}
    assert set(kinds) == {"dataset", "training", "software"} and sum(kinds.values()) == len(expected)
    # a DOI described by two sources is one hit carrying both
    (hit,) = [h for h in all_hits(demo, q="lysozyme") if h["iri"] == LYSOZYME]
    assert hit["sources"] == ["datacite-rest", "esrf-oai"]


def test_rebuild_from_the_store_gives_the_index_the_pipeline_wrote(demo: SimpleNamespace, tmp_path: Path) -> None:
    live = demo.node.search_index
    other = SearchIndex(tmp_path / "rebuilt.sqlite", techniques=demo.node.techniques)
    counts = rebuild(other, demo.node.store, provenance_graph=demo.node.provenance_graph,
                     quality_graph=demo.node.quality_graph)
    assert counts == live.counts()
    iris = [r[0] for r in live.db.execute("SELECT iri FROM docs")]
    assert iris
    for i in iris:
        assert other.document(i) == live.document(i), i
    other.close()


def _record(doi: str, title: str, **kw: Any) -> RawRecord:
    return RawRecord("toy", f"doi:{doi}", "datacite", datacite_xml(doi, title, **kw).encode())


@pytest.fixture()
def toy(tmp_path: Path) -> Iterator[SimpleNamespace]:
    cfg_path = tmp_path / "pangraph.toml"
    cfg_path.write_text(f'[node]\nbase = "http://toy.test"\n[paths]\ndata = "data"\n'
                        f'[vocab.panet]\nfile = "{PANET_OWL}"\n')
    config = load_config(cfg_path)
    node = Node(config)
    app = create_app(config, store=node.store, archive=node.archive)
    ns = SimpleNamespace(config=config, cfg_path=cfg_path, node=node, client=TestClient(app))

    def ingest(*records: RawRecord) -> None:
        node.ingest(list(records), report=RunReport(source="toy", kind="test"))

    def titles(q: str) -> list[str]:
        r = ns.client.get("/api/search", params={"q": q})
        assert r.status_code == 200, r.text
        return [h["title"] for h in r.json()["hits"]]

    ns.ingest, ns.titles = ingest, titles
    yield ns
    node.close()


def test_index_follows_an_update_and_a_deletion(toy: SimpleNamespace) -> None:
    toy.ingest(_record("10.5072/toy-1", "Ptychography of gallium droplets"),
               _record("10.5072/toy-2", "Ptychography of lead crystals"))
    assert sorted(toy.titles("ptychography")) == ["Ptychography of gallium droplets", "Ptychography of lead crystals"]
    toy.ingest(_record("10.5072/toy-1", "Holography of gallium droplets"))  # changed record
    assert toy.titles("ptychography") == ["Ptychography of lead crystals"]
    assert toy.titles("holography") == ["Holography of gallium droplets"]
    toy.ingest(RawRecord("toy", "doi:10.5072/toy-2", "datacite", b"", deleted=True))
    assert toy.titles("ptychography") == [] and toy.titles("lead") == []
    assert toy.node.search_index.counts()["documents"] == 1


def test_index_converges_after_a_crash_between_store_and_index(toy: SimpleNamespace) -> None:
    """A run killed after the store write and before the index write leaves the records pending in the archive
    (``loaded_hash`` advances after both): the next run writes store and index again."""
    toy.ingest(_record("10.5072/toy-3", "Diffraction of ice"), _record("10.5072/toy-4", "Diffraction of salt"))
    idx = toy.node.search_index
    graphs = sorted(idx.graphs())
    # the state a kill leaves: triples in the store, rows not in the index, the archive not marked loaded
    idx.apply([], drop_graphs=graphs)
    toy.node.archive.reset_loaded("toy")
    assert toy.titles("diffraction") == []
    report = toy.node.load_pending(source="toy")
    assert report.loaded == 2
    assert sorted(toy.titles("diffraction")) == ["Diffraction of ice", "Diffraction of salt"]
    # and a lost index file is rebuilt from the store when the node opens it again
    toy.node.close()
    for f in idx.path.parent.glob("search.sqlite*"):
        f.unlink()
    node = Node(toy.config)
    assert node.search_index.counts()["documents"] == 2
    node.close()


def test_cli_index_rebuild(toy: SimpleNamespace) -> None:
    toy.ingest(_record("10.5072/toy-5", "Spectroscopy of water"))
    toy.node.close()  # one process owns the embedded store
    runner = CliRunner()
    r = runner.invoke(cli, ["--config", str(toy.cfg_path), "index", "--rebuild", "--json"])
    assert r.exit_code == 0, r.output
    assert '"documents": 1' in r.output and '"dataset": 1' in r.output
    r = runner.invoke(cli, ["--config", str(toy.cfg_path), "index"])
    assert r.exit_code == 0 and "1 documents (1 datasets" in r.output


# -- searching ---------------------------------------------------------------------------------------------

def test_keyword_search_ranks_title_matches_first_and_says_why(demo: SimpleNamespace) -> None:
    body = search(demo, q="lysozyme")
    said = main_resources(demo, "FILTER EXISTS { ?r dct:title|dct:description|<http://www.w3.org/ns/dcat#keyword>|"
                                "schema:name|schema:description|schema:keywords ?o . "
                                'FILTER(CONTAINS(LCASE(STR(?o)), "lysozyme")) }')
    assert said and said <= {h["iri"] for h in all_hits(demo, q="lysozyme")}
    first = body["hits"][0]
    assert "lysozyme" in first["title"].lower() and "title" in first["why"]["fields"]
    assert "lysozyme" in first["snippet"].lower()
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    # every hit really contains the word in one of the fields it names
    for h in all_hits(demo, q="lysozyme"):
        assert h["why"]["fields"], h


def test_search_by_person_instrument_and_doi(demo: SimpleNamespace) -> None:
    assert any(h["iri"] == LYSOZYME for h in search(demo, q="10.15151/esrf-dc-1548271939")["hits"])
    person = demo.node.store.select(
        f"SELECT ?n WHERE {{ <{LYSOZYME}> <http://purl.org/dc/terms/creator> ?c . ?c <http://xmlns.com/foaf/0.1/familyName> ?n }} LIMIT 1")
    if person:
        hits = search(demo, q=person[0]["n"])["hits"]
        assert any(h["iri"] == LYSOZYME and "people" in h["why"]["fields"] for h in hits)
    inst = search(demo)["facets"]["instrument"][0]
    hits = all_hits(demo, q=f'"{inst["value"]}"')
    assert hits and all("instruments" in h["why"]["fields"] or inst["value"].lower() in
                        (h["title"] + h["snippet"]).lower() for h in hits[:5])


def test_technique_filter_includes_narrower_techniques(demo: SimpleNamespace) -> None:
    expected = main_resources(demo, f"?t <http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{SAS}> . "
                                    "{ ?r <http://schema.org/measurementTechnique> ?t } UNION { ?r <http://schema.org/about> ?t }")
    for spelling in ("PaNET01124", SAS, "small angle scattering"):
        hits = all_hits(demo, technique=spelling)
        assert {h["iri"] for h in hits} == expected, spelling
    hits = all_hits(demo, technique="PaNET01124")
    narrower = [h for h in hits if all(t["expanded"] for t in h["why"]["techniques"])]
    assert narrower, "the demo has resources about techniques narrower than small angle scattering"
    for h in hits:
        assert h["why"]["techniques"] and all(t["via"] == SAS for t in h["why"]["techniques"])
    body = search(demo, technique="PaNET01124")
    assert {n["iri"] for n in body["expanded_techniques"][0]["narrower"]} >= {SAXS, PANET + "PaNET01189"}


def test_a_technique_named_in_q_finds_its_narrower_techniques(demo: SimpleNamespace) -> None:
    plain = {h["iri"] for h in all_hits(demo, q="small angle scattering", technique=[])}
    text_only = {h["iri"] for h in all_hits(demo, q='"small angle scattering"')} | {
        h["iri"] for h in all_hits(demo, q="small angle scattering") if h["why"]["fields"]}
    under = {h["iri"] for h in all_hits(demo, technique="PaNET01124")}
    assert plain == text_only | under
    hits = all_hits(demo, q="small angle scattering")
    assert any(t["expanded"] and t["because"] == "q names 'small angle scattering'"
               for h in hits for t in h["why"]["techniques"])
    # text matches rank before resources found only through the technique
    kinds = [bool(h["why"]["fields"]) for h in search(demo, q="small angle scattering", size=100)["hits"]]
    assert kinds == sorted(kinds, reverse=True)


def test_facets_count_the_hits_and_roll_techniques_up(demo: SimpleNamespace) -> None:
    body = search(demo, q="scattering")
    total = body["total"]
    facets = body["facets"]
    assert sum(f["count"] for f in facets["kind"]) == total
    tech = {f["value"]: f["count"] for f in facets["technique"]}
    # rolled up: small angle scattering counts every hit about SAXS, SANS, GISANS …
    assert tech[SAS] == search(demo, q="scattering", technique="PaNET01124")["total"]
    assert tech[SAS] >= tech.get(SAXS, 0) + 1
    for name in ("facility", "year", "licence", "instrument", "score"):
        for f in facets[name][:3]:
            key = {"score": "min_score"}.get(name, name)
            value = f["value"].split("-")[0] if name == "score" else f["value"]
            n = search(demo, q="scattering", **{key: value})["total"]
            if name == "score":
                assert n >= f["count"]
            else:
                assert n == f["count"], (name, f)


def test_broad_words_are_ranked_by_field_tiers(demo: SimpleNamespace) -> None:
    """Past ``rank_cap`` matches, bm25 gives way to field tiers (title, then the short fields, then the
    description) and newest first within a tier; the hits and facets stay the same."""
    from pangraph.search import SearchEngine, SearchParams

    exact = SearchEngine(demo.node.search_index.path, techniques=demo.node.techniques)
    tiered = SearchEngine(demo.node.search_index.path, techniques=demo.node.techniques, rank_cap=5)
    a = exact.search(SearchParams(q="data", size=100))
    b = tiered.search(SearchParams(q="data", size=100))
    assert a["ranking"] == "bm25" and b["ranking"] == "field tiers, then newest"
    assert a["total"] == b["total"] > 5 and a["facets"] == b["facets"]
    assert {h["iri"] for h in a["hits"]} == {h["iri"] for h in b["hits"]}
    tiers = [3 if "title" in h["why"]["fields"] else 2 if set(h["why"]["fields"]) - {"description"} else 1
             for h in b["hits"]]
    assert tiers == sorted(tiers, reverse=True) and [h["score"] for h in b["hits"]] == tiers
    for tier in set(tiers):
        dates = [h["issued"] or "" for h, t in zip(b["hits"], tiers) if t == tier]
        assert [d for d in dates if d] == sorted((d for d in dates if d), reverse=True)


def test_filters_sort_and_paging(demo: SimpleNamespace) -> None:
    newest = all_hits(demo, sort="newest", kind="dataset")
    dates = [h["issued"] for h in newest if h["issued"]]
    assert dates == sorted(dates, reverse=True) and all(h["kind"] == "dataset" for h in newest)
    assert all(h["year"] in (2019, 2020, 2021) for h in all_hits(demo, year="2019-2021"))
    assert all(h["quality_score"] >= 60 for h in all_hits(demo, min_score="60"))
    cc = all_hits(demo, licence="CC-BY-4.0")
    assert cc and all("http://spdx.org/licenses/CC-BY-4.0" in h["licence"] for h in cc)
    p1 = search(demo, size=10, page=1)
    p2 = search(demo, size=10, page=2)
    assert p1["total"] == p2["total"] and not {h["iri"] for h in p1["hits"]} & {h["iri"] for h in p2["hits"]}
    assert search(demo, q="zzzqqqxxx")["total"] == 0


@pytest.mark.parametrize("params, parameter", [
    ({"size": "x"}, "size"), ({"size": "1000"}, "size"), ({"page": "0"}, "page"), ({"page": "9999"}, "page"),
    ({"technique": "not a technique"}, "technique"), ({"year": "last year"}, "year"), ({"year": "2021-2019"}, "year"),
    ({"sort": "random"}, "sort"), ({"min_score": "high"}, "min_score"), ({"min_score": "120"}, "min_score"),
    ({"kind": "person"}, "kind"), ({"licence": "<script>"}, "licence"), ({"q": "*** ((("}, "q"),
    ({"q": "x" * 600}, "q"), ({"facets": "maybe"}, "facets"),
])
def test_bad_parameters_are_a_clear_400(demo: SimpleNamespace, params: dict[str, str], parameter: str) -> None:
    r = demo.client.get("/api/search", params=params)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["status"] == 400 and err["parameter"] == parameter and err["detail"].startswith(parameter)


@pytest.mark.parametrize("q", ['"unclosed', 'NEAR(a b)', "title:lysozyme", "a OR", "AND", "x^y", "-lysozyme",
                               "(lysozyme", "lyso*", "{title}: x", "'; DROP TABLE docs; --"])
def test_fts_syntax_in_q_is_only_text(demo: SimpleNamespace, q: str) -> None:
    r = demo.client.get("/api/search", params={"q": q})
    assert r.status_code == 200, r.text
    assert fts_query(q) is None or all(part.startswith('"') for part in fts_query(q).split(" AND "))
    assert search(demo, q="lyso*")["total"] == search(demo, q="lysozyme")["total"] > 0


def test_openapi_lists_the_search_routes(demo: SimpleNamespace) -> None:
    spec = demo.client.get("/openapi.json").json()
    for path in ("/api/search", "/search"):
        op = spec["paths"][path]["get"]
        assert op["summary"] and op["description"]
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "kind", "facility", "instrument", "technique", "year", "licence", "min_score", "sort", "page",
            "size"} <= names


def test_search_without_an_index_is_503(tmp_path: Path) -> None:
    from pangraph.store.oxigraph import OxigraphStore

    cfg = tmp_path / "pangraph.toml"
    cfg.write_text('[paths]\ndata = "data"\n')
    app = create_app(load_config(cfg), store=OxigraphStore(None))
    r = TestClient(app).get("/api/search", params={"q": "x"})
    assert r.status_code == 503 and "pangraph index --rebuild" in r.json()["error"]["detail"]


# -- the page ---------------------------------------------------------------------------------------------------

def test_search_page_lists_hits_facets_and_filters(demo: SimpleNamespace) -> None:
    r = demo.client.get("/search", params={"q": "scattering"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert 'name="viewport"' in page and "<script" not in page
    assert not re.search(r'(?:src|href)="https?://(?!127\.0\.0\.1)', page.split("<ol class=\"hits\"")[0]), \
        "no external assets"
    total = search(demo, q="scattering")["total"]
    assert f"<strong>{total}</strong> results" in page
    links = re.findall(r'<a href="(search\?[^"]+)">([^<]+)</a> <span class="count">(\d+)</span>', page)
    facility = [(unescape(h), label, int(n)) for h, label, n in links if "facility=" in h][0]
    follow = demo.client.get("/" + facility[0])
    assert f"<strong>{facility[2]}</strong> result" in follow.text and "Facility: " in follow.text
    # paging keeps the filters; a filter chip removes its filter
    r = demo.client.get("/search", params={"technique": "PaNET01124", "size": "5"})
    (nxt,) = re.findall(r'<a href="([^"]+)" rel="next">', r.text)
    page2 = demo.client.get("/" + unescape(nxt)).text
    n = search(demo, technique="PaNET01124")["total"]
    assert f"<strong>{n}</strong> results · page 2 of {(n + 4) // 5}" in page2 and 'rel="prev"' in page2
    (chip,) = re.findall(r'<a href="([^"]+)" title="remove this filter">Technique: small angle scattering', page2)
    assert unescape(chip) == "search?size=5"
    bad = demo.client.get("/search", params={"year": "soon"}, headers={"Accept": "text/html"})
    assert bad.status_code == 400 and 'id="search-error"' in bad.text


def test_browser_searches_follows_a_facet_and_opens_a_dataset(demo: SimpleNamespace, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed; CI installs it")
    srv, thread = served.start(demo.app, demo.port, name="uvicorn-search")
    try:
        start = f"{demo.base}/search?q=scattering"
        dom = dump_dom(start, tmp_path / "profile")
        total = int(re.search(r'<p id="total"><strong>(\d+)</strong>', dom).group(1))
        facet = re.search(r'<section id="facet-technique">.*?<a href="([^"]+)">([^<]+)</a> <span class="count">(\d+)</span>',
                          dom, re.S)
        href, label, count = unescape(facet.group(1)), unescape(facet.group(2)), int(facet.group(3))
        assert count <= total
        url = urljoin(start, href)
        assert ("technique", dict(parse_qsl(urlsplit(url).query))["technique"]) in parse_qsl(urlsplit(url).query)
        dom = dump_dom(url, tmp_path / "profile")
        assert f'<p id="total"><strong>{count}</strong>' in dom and f"Technique: {label}" in dom
        hit = re.search(r'<span class="kind">dataset</span><a href="([^"]+)" class="hit">([^<]+)</a>', dom)
        dataset_url = urljoin(url, unescape(hit.group(1)))
        dom = dump_dom(dataset_url, tmp_path / "profile")
        assert unescape(hit.group(2)) in unescape(dom)
    finally:
        served.stop(srv, thread)


def test_kill_9_during_a_harvest_then_rerun_gives_the_uninterrupted_index(tmp_path: Path) -> None:
    """A harvest killed at any point, run again, leaves the same search index as an uninterrupted run."""
    import os
    import signal

    from oai_server import OAIServer, make_datacite_records
    from test_pipeline import _harvest_process, write_config

    def documents(cfg: Path) -> dict[str, Any]:
        idx = SearchIndex(load_config(cfg).data_dir / "search.sqlite")
        try:
            return {i: idx.document(i) for (i,) in idx.db.execute("SELECT iri FROM docs")}
        finally:
            idx.close()

    with OAIServer(records=make_datacite_records(30), page_size=3) as server:
        ref_dir = tmp_path / "ref"
        ref_dir.mkdir()
        ref_cfg = write_config(ref_dir, {"src": {"url": server.url}}, batch_size=2)
        started = time.monotonic()
        proc = _harvest_process(ref_cfg)
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
        duration = time.monotonic() - started
        reference = documents(ref_cfg)
        assert len(reference) == 30
        kills = 0
        for i, fraction in enumerate((0.4, 0.7)):
            run_dir = tmp_path / f"killed-{i}"
            run_dir.mkdir()
            cfg = write_config(run_dir, {"src": {"url": server.url}}, batch_size=2)
            proc = _harvest_process(cfg)
            time.sleep(duration * fraction)
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait(timeout=60)
            rerun = _harvest_process(cfg)
            assert rerun.wait(timeout=120) == 0, rerun.stderr.read().decode()
            assert documents(cfg) == reference
        assert kills >= 1, "a kill must land while the harvest runs"
