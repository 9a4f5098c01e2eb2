"""One test suite for every store backend: embedded Oxigraph, an Oxigraph server and Virtuoso (both real
servers on 127.0.0.1, started here: tests/remote_stores.py). The same assertions run against each — the
Store contract, the pipeline (ingest, re-ingest with a change and a deletion = a fresh build) and the API
(/sparql, a dataset page, /api/search) — so a node moves between them by configuration only.

A backend whose server is not installed on this machine is skipped with the reason
(``scripts/ensure-virtuoso.sh`` installs Virtuoso; the ``oxigraph`` CLI is in the test extra).
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from remote_stores import ServerUnavailable, server
from pangraph.archive import RunReport
from pangraph.demo import demo_config, demo_records, demo_sources
from pangraph.errors import ConfigError, QueryError, StoreError
from pangraph.records import RawRecord
from pangraph.store import GraphWrite, open_store
from pangraph.store.oxigraph import OxigraphStore
from pangraph.store.remote import RemoteSparqlStore, query_form

BACKENDS = ["embedded", "oxigraph-server", "virtuoso"]

T = "http://pan.test/"  # the contract tests' graphs and terms (the node of the pipeline tests is http://node.test)
PROV, QUAL = f"{T}graph/provenance", f"{T}graph/quality"
DQV = "http://www.w3.org/ns/dqv#computedOn"
VOLATILE = {"http://www.w3.org/ns/prov#generatedAtTime"}


# -- the backends ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[SimpleNamespace]:
    """The backend's name and the settings that select it (none for the embedded store)."""
    if request.param == "embedded":
        yield SimpleNamespace(name="embedded", settings={}, server=None)
        return
    # an Oxigraph server stops a query itself after 5 s (the time-limit test's runaway query ends there)
    manager = server(request.param, **({"query_timeout_s": 5.0} if request.param == "oxigraph-server" else {}))
    try:
        srv = manager.__enter__()
    except ServerUnavailable as e:
        pytest.skip(f"{request.param}: {e}")
    try:
        yield SimpleNamespace(name=request.param, settings=srv.settings, server=srv)
    finally:
        manager.__exit__(None, None, None)


def remote_store(settings: dict[str, Any], prefix: str, **kw: Any) -> RemoteSparqlStore:
    return RemoteSparqlStore(
        settings["store__query_endpoint"], update_endpoint=settings["store__update_endpoint"],
        gsp_endpoint=settings["store__gsp_endpoint"], server=settings["store__server"], graph_prefix=prefix,
        user=settings.get("store__user", ""), password=settings.get("store__password", ""), timeout_s=60, **kw)


@pytest.fixture()
def store(backend: SimpleNamespace, tmp_path: Path) -> Iterator[Any]:
    """An empty store of the backend (on a server: the contract tests' graphs removed, nothing else)."""
    if backend.name == "embedded":
        s: Any = OxigraphStore(tmp_path / "store")
    else:
        s = remote_store(backend.settings, T)
        s.clear()
        assert s.count_quads() == 0
    yield s
    s.close()


# -- helpers ----------------------------------------------------------------------------------------------------

def record(i: int, title: str) -> GraphWrite:
    g = f"{T}graph/record/r{i}"
    return GraphWrite(
        g,
        f'<{T}d{i}> <{T}title> "{title}"@en .\n<{T}d{i}> <{T}size> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        f'<{T}d{i}> <{T}part> _:p{i} .\n_:p{i} <{T}label> "part of {i}" .\n',
        f'<{g}> <{T}source> "s" .\n<{g}> <{T}hash> "h{i}-{title}" .\n',
        f'_:q{i} <{DQV}> <{g}> .\n_:q{i} <{T}value> "{title}" .\n',
    )


def canonical(data: bytes | str, fmt: "ox.RdfFormat" = ox.RdfFormat.N_QUADS) -> frozenset[str]:
    ds = ox.Dataset(q for q in ox.parse(data, format=fmt) if q.predicate.value not in VOLATILE)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return frozenset(str(q) for q in ds)


def dump_of(store: Any) -> frozenset[str]:
    out = io.BytesIO()
    store.dump(out, format="application/n-quads")
    return canonical(out.getvalue())


def titles(store: Any) -> list[str]:
    rows = store.select(f"SELECT ?t WHERE {{ ?d <{T}title> ?t }} ORDER BY ?t")
    return [r["t"] for r in rows]


# -- the Store contract ---------------------------------------------------------------------------------------------

def test_apply_replaces_and_deletes_one_record_and_keeps_the_others(store: Any) -> None:
    store.apply([record(1, "one"), record(2, "two"), record(3, "three")], provenance_graph=PROV, quality_graph=QUAL)
    before = store.count_quads()
    assert before == 3 * 4 + 3 * 2 + 3 * 2
    g = store.generation
    store.apply([record(2, "two again"), GraphWrite(f"{T}graph/record/r3", None)],
                provenance_graph=PROV, quality_graph=QUAL)
    assert store.generation > g
    assert titles(store) == ["one", "two again"]
    assert sorted(store.named_graphs()) == [f"{T}graph/provenance", f"{T}graph/quality",
                                           f"{T}graph/record/r1", f"{T}graph/record/r2"]
    # the replaced record's provenance and quality statements are the new ones only; r3 left none behind
    hashes = store.select(f"SELECT ?g ?h WHERE {{ GRAPH <{PROV}> {{ ?g <{T}hash> ?h }} }} ORDER BY ?g")
    assert [(r["g"].rsplit("/", 1)[1], r["h"]) for r in hashes] == [("r1", "h1-one"), ("r2", "h2-two again")]
    quality = store.select(f"SELECT ?v WHERE {{ GRAPH <{QUAL}> {{ ?q <{DQV}> ?g ; <{T}value> ?v }} }} ORDER BY ?v")
    assert [r["v"] for r in quality] == ["one", "two again"]
    assert store.count_quads() == before - 8  # r3: 4 record + 2 provenance + 2 quality statements
    assert not store.has_graph(f"{T}graph/record/r3") and store.has_graph(f"{T}graph/record/r1")
    # the blank node of a record is one node, linked to its dataset
    part = store.select(f"SELECT ?l WHERE {{ GRAPH <{T}graph/record/r2> {{ <{T}d2> <{T}part> ?p . ?p <{T}label> ?l }} }}")
    assert part == [{"l": "part of 2"}]


def test_apply_of_bad_data_raises_and_keeps_the_other_records(store: Any) -> None:
    store.apply([record(0, "zero"), record(1, "one")], provenance_graph=PROV, quality_graph=QUAL)
    before = dump_of(store)
    r0 = store.graph_ntriples(f"{T}graph/record/r0")
    g = store.generation
    bad = GraphWrite(f"{T}graph/record/r1", f'<{T}d1> <{T}title> "unterminated .\n')
    with pytest.raises(StoreError) as e:
        store.apply([record(2, "two"), bad], provenance_graph=PROV, quality_graph=QUAL)
    assert f"{T}graph/record/r" in str(e.value)
    assert store.generation > g
    after = dump_of(store)
    assert canonical(store.graph_ntriples(f"{T}graph/record/r0"), ox.RdfFormat.N_TRIPLES) == canonical(
        r0, ox.RdfFormat.N_TRIPLES), "records outside the batch are intact"
    assert titles(store)[-1] == "zero"
    assert not any("r2" in q for q in after)
    # every adapter parses the batch before it removes anything: nothing changed at all, the malformed
    # record keeps its previous version
    assert after == before


def test_replace_graph_and_change_graph(store: Any) -> None:
    g = f"{T}graph/ontology/x"
    store.replace_graph(g, f"@prefix x: <{T}> . x:a x:b x:c , x:d .", format="text/turtle")
    store.replace_graph(g, f"<{T}a> <{T}b> <{T}e> .\n")  # replaced, not merged
    assert store.graph_ntriples(g) == f"<{T}a> <{T}b> <{T}e> .\n"
    with pytest.raises(StoreError, match=g):
        store.replace_graph(g, "@prefix x: <broken", format="text/turtle")
    with pytest.raises(StoreError, match="unsupported RDF format"):
        store.replace_graph(g, "", format="text/n3")
    assert store.graph_ntriples(g) == f"<{T}a> <{T}b> <{T}e> .\n"
    store.change_graph(g, delete=f"<{T}a> <{T}b> <{T}e> .\n", insert=f'<{T}a> <{T}b> "f" .\n<{T}a> <{T}c> _:n .\n')
    assert canonical(store.graph_ntriples(g), ox.RdfFormat.N_TRIPLES) == canonical(
        f'<{T}a> <{T}b> "f" .\n<{T}a> <{T}c> _:x .\n', ox.RdfFormat.N_TRIPLES)
    with pytest.raises(StoreError):
        store.change_graph(g, insert="not n-triples")
    store.replace_graph(g, "")
    assert not store.has_graph(g)


def test_bulk_load_dump_round_trip(store: Any) -> None:
    nquads = "".join(
        f'<{T}s{i}> <{T}p> "v{i}"@en <{T}graph/bulk/{i % 7}> .\n_:b{i} <{T}q> <{T}s{i}> <{T}graph/bulk/{i % 7}> .\n'
        for i in range(3000))
    store.bulk_load(nquads.encode())
    assert store.count_quads() == 6000
    assert sorted(store.named_graphs()) == sorted(f"{T}graph/bulk/{i}" for i in range(7))
    dumped = dump_of(store)
    assert dumped == canonical(nquads)
    # a syntax error stops the load with StoreError; what was stored stays
    with pytest.raises(StoreError, match="bulk load failed"):
        store.bulk_load(f'<{T}x> <{T}p> "ok" <{T}graph/bulk/x> .\n<{T}x> <{T}p> broken .\n'.encode())
    assert dumped <= dump_of(store)
    # triple formats dump the union of the graphs
    out = io.BytesIO()
    store.dump(out, format="application/n-triples")
    assert len(list(ox.parse(out.getvalue(), format=ox.RdfFormat.N_TRIPLES))) >= 6000


SELECT = f"SELECT ?d ?t WHERE {{ ?d <{T}title> ?t }} ORDER BY ?d"
CONSTRUCT = f"CONSTRUCT {{ ?d <{T}title> ?t }} WHERE {{ ?d <{T}title> ?t }}"


@pytest.mark.parametrize("media_type", ["application/sparql-results+json", "application/sparql-results+xml",
                                        "text/csv", "text/tab-separated-values", None])
def test_select_in_every_results_format(store: Any, media_type: str | None) -> None:
    store.apply([record(1, "é one"), record(2, "two")], provenance_graph=PROV, quality_graph=QUAL)
    result = store.query(SELECT, media_type=media_type)
    assert (result.kind, result.media_type) == ("solutions", media_type or "application/sparql-results+json")
    fmt = {"text/csv": ox.QueryResultsFormat.CSV, "text/tab-separated-values": ox.QueryResultsFormat.TSV,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML}.get(media_type, ox.QueryResultsFormat.JSON)
    if media_type == "text/csv":  # lossy, not parseable back: compare the text
        assert result.body.decode() == f"d,t\r\n{T}d1,é one\r\n{T}d2,two\r\n"
        return
    rows = [(s["d"].value, s["t"].value) for s in ox.parse_query_results(result.body, format=fmt)]
    assert rows == [(f"{T}d1", "é one"), (f"{T}d2", "two")]
    if media_type == "text/tab-separated-values":
        assert '"é one"@en' in result.body.decode()  # the exact term, as the embedded store writes it


@pytest.mark.parametrize("media_type", ["text/turtle", "application/n-triples", "application/rdf+xml",
                                        "application/ld+json", None])
def test_construct_in_every_graph_format(store: Any, media_type: str | None) -> None:
    store.apply([record(1, "one"), record(2, "two")], provenance_graph=PROV, quality_graph=QUAL)
    result = store.query(CONSTRUCT, media_type=media_type)
    assert (result.kind, result.media_type) == ("graph", media_type or "text/turtle")
    fmt = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "application/rdf+xml": ox.RdfFormat.RDF_XML,
           "application/ld+json": ox.RdfFormat.JSON_LD}.get(media_type, ox.RdfFormat.TURTLE)
    triples = {(t.subject.value, t.object.value) for t in ox.parse(result.body, format=fmt)}
    assert triples == {(f"{T}d1", "one"), (f"{T}d2", "two")}


def test_ask_select_and_query_errors(store: Any) -> None:
    store.apply([record(1, "one")], provenance_graph=PROV, quality_graph=QUAL)
    assert store.ask(f"ASK {{ <{T}d1> <{T}title> ?t }}") is True
    assert store.ask(f"PREFIX x: <{T}>\n# a comment\nASK {{ x:d9 x:title ?t }}") is False
    for mt, expected in (("application/sparql-results+json", b'"boolean":true'), ("application/sparql-results+xml",
                                                                                 b"<boolean>true</boolean>")):
        result = store.query(f"ASK {{ <{T}d1> ?p ?o }}", media_type=mt)
        assert result.kind == "boolean" and expected in result.body.replace(b" ", b"")
    assert store.select(f"SELECT ?s ?missing WHERE {{ ?s <{T}title> \"one\"@en OPTIONAL {{ ?s <{T}nope> ?missing }} }}") \
        == [{"s": f"{T}d1", "missing": None}]
    nt = store.construct_ntriples(CONSTRUCT)
    assert nt == f'<{T}d1> <{T}title> "one"@en .\n'
    with pytest.raises(QueryError, match="malformed"):
        store.query("SELECT ?s WHERE { ?s ?p }")
    with pytest.raises(QueryError, match="read-only"):
        store.query(f"INSERT DATA {{ <{T}a> <{T}b> <{T}c> }}")
    with pytest.raises(QueryError, match="cannot serialise"):
        store.query(CONSTRUCT, media_type="text/csv")
    with pytest.raises(QueryError, match="cannot serialise"):
        store.query(SELECT, media_type="text/turtle")
    with pytest.raises(QueryError):
        store.ask(SELECT)
    assert titles(store) == ["one"]


def test_protocol_dataset_and_base_iri(store: Any) -> None:
    store.apply([record(1, "one"), record(2, "two")], provenance_graph=PROV, quality_graph=QUAL)
    q = "SELECT ?t WHERE { ?d <title> ?t }"
    body = store.query(q, default_graphs=[f"{T}graph/record/r2"], base_iri=T).body
    assert [s["t"].value for s in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)] == ["two"]
    q = f"SELECT ?g ?t WHERE {{ GRAPH ?g {{ ?d <{T}title> ?t }} }}"
    body = store.query(q, named_graphs=[f"{T}graph/record/r1"]).body
    rows = [(s["g"].value, s["t"].value) for s in ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)]
    assert rows == [(f"{T}graph/record/r1", "one")]
    body = store.query(f"SELECT ?t WHERE {{ ?d <{T}title> ?t }}", named_graphs=[f"{T}graph/record/r1"]).body
    assert list(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)) == []  # empty default graph


def test_row_cap_is_applied_while_reading(store: Any) -> None:
    if isinstance(store, OxigraphStore):
        pytest.skip("the embedded store caps rows in its query workers (tests/test_sparql_endpoint.py)")
    store.bulk_load("".join(f'<{T}s{i}> <{T}title> "t{i}" <{T}graph/cap> .\n' for i in range(50)).encode())
    result, rows, truncated = store._query(f"SELECT ?s WHERE {{ ?s <{T}title> ?t }}", media_type="text/csv",
                                           default_graphs=None, named_graphs=None, base_iri=None, timeout_s=30,
                                           max_rows=7)
    assert (rows, truncated) == (7, True) and result.body.count(b"\r\n") == 8
    result, rows, truncated = store._query(f"CONSTRUCT WHERE {{ ?s <{T}title> ?t }}", media_type=None,
                                           default_graphs=None, named_graphs=None, base_iri=None, timeout_s=30,
                                           max_rows=60)
    assert (rows, truncated) == (50, False)


def test_unreachable_server_names_the_endpoint() -> None:
    from remote_stores import free_port

    url = f"http://127.0.0.1:{free_port()}/query"
    dead = RemoteSparqlStore(url, gsp_endpoint=url.replace("query", "store"), server="oxigraph", timeout_s=2)
    with pytest.raises(StoreError, match=f"cannot reach the SPARQL server at {url}"):
        dead.count_quads()
    with pytest.raises(StoreError, match="127.0.0.1"):
        dead.apply([record(1, "one")], provenance_graph=PROV, quality_graph=QUAL)
    dead.close()


def test_configuration_errors() -> None:
    cfg = demo_config(data_dir=tempfile.mkdtemp())
    with pytest.raises(ConfigError, match="store.query_endpoint"):
        open_store(cfg.with_values(store__backend="sparql"))
    with pytest.raises(ConfigError, match="store.gsp_endpoint"):
        open_store(cfg.with_values(store__backend="sparql", store__query_endpoint="http://x/q", store__write="nquads"))
    with pytest.raises(ConfigError, match="store.server"):
        open_store(cfg.with_values(store__backend="sparql", store__query_endpoint="http://x/q", store__server="qlever"))
    with pytest.raises(ConfigError, match="supported: oxigraph, sparql"):
        open_store(cfg.with_values(store__backend="nope"))
    s = open_store(cfg.with_values(store__backend="sparql", store__query_endpoint="http://x/q"))
    assert s.write == "update" and s.graph_prefix == f"{cfg.base}/graph/"
    s.close()
    assert query_form("PREFIX a: <http://x#>\n# SELECT\nBASE <http://y/>\n construct {} where {}") == "CONSTRUCT"


# -- the pipeline and the API, over the same backends --------------------------------------------------------------

NODE = "http://node.test"
SOURCES = ("esrf-oai", "panosc-ill")


def source_records() -> dict[str, list[RawRecord]]:
    out = {}
    for src in demo_sources():
        if src.name in SOURCES:
            out[src.name] = [r for r in demo_records(src) if isinstance(r, RawRecord)]
    return out


def changed(records: dict[str, list[RawRecord]]) -> tuple[dict[str, list[RawRecord]], RawRecord, RawRecord]:
    """The records after a re-harvest: one record's title revised, another one deleted."""
    esrf = records["esrf-oai"]
    live = [r for r in esrf if not r.deleted]
    revised, gone = live[3], live[5]
    new = []
    for r in esrf:
        if r is revised:
            r = RawRecord(r.source, r.identifier, r.metadata_prefix,
                          r.payload.replace(b"</title>", b" (revised edition)</title>", 1), r.datestamp, r.header)
        elif r is gone:
            r = RawRecord(r.source, r.identifier, r.metadata_prefix, b"", r.datestamp, r.header, deleted=True)
        new.append(r)
    assert any(b"(revised edition)" in r.payload for r in new)
    return {**records, "esrf-oai": new}, revised, gone


def node_config(backend: SimpleNamespace, data_dir: Path, **values: Any) -> Any:
    return demo_config(data_dir=data_dir).with_values(node__base=NODE, sparql__workers=2, **backend.settings,
                                                      **values)


def ingest(node: Any, records: dict[str, list[RawRecord]]) -> None:
    node.ensure_ontologies()
    for name, recs in records.items():
        report = RunReport(source=name, kind="test")
        node.ingest(recs, report=report)
        assert not report.failed, report.errors


def graph_view(store: Any) -> dict[str, frozenset[str]]:
    return {g: canonical(store.graph_ntriples(g), ox.RdfFormat.N_TRIPLES) for g in sorted(store.named_graphs())}


@pytest.fixture(scope="module")
def built(backend: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The node after (1) a fresh build of the final records — its graphs kept as the reference — then, on an
    emptied store, (2) an ingest of the original records and a re-ingest with one changed and one deleted."""
    from pangraph.pipeline import Node

    records = source_records()
    final, revised, gone = changed(records)
    fresh_dir, node_dir = tmp_path_factory.mktemp("fresh"), tmp_path_factory.mktemp("node")
    with Node(node_config(backend, fresh_dir)) as fresh:  # the store from the configuration: open_store
        if backend.name != "embedded":
            assert isinstance(fresh.store, RemoteSparqlStore)
            fresh.store.clear()
        ingest(fresh, final)
        reference = graph_view(fresh.store)
        if backend.name != "embedded":
            fresh.store.clear()
    config = node_config(backend, node_dir, sparql__max_rows=20)
    node = Node(config)
    ingest(node, records)
    before = graph_view(node.store)
    ingest(node, final)
    yield SimpleNamespace(node=node, config=config, reference=reference, before=before, revised=revised, gone=gone)
    node.close()


def test_reingest_equals_a_fresh_build(built: SimpleNamespace) -> None:
    after = graph_view(built.node.store)
    assert sorted(after) == sorted(built.reference)
    for g in after:
        assert after[g] == built.reference[g], f"graph {g} differs from a fresh build"
    gone = [g for g in built.before if g not in after]
    assert len(gone) == 1 and "esrf" in gone[0], "exactly the deleted record's graph is gone"
    revised = [g for g in after if g in built.before and after[g] != built.before[g] and "/record/" in g]
    assert len(revised) == 1, "exactly the revised record's graph changed"


def datasets_in(view: dict[str, frozenset[str]]) -> int:
    typed = " <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset>"
    return len({q.split(" ", 1)[0] for g, qs in view.items() if "/graph/record/" in g for q in qs if typed in q})


def test_store_counts_follow_the_records(built: SimpleNamespace) -> None:
    rows = built.node.store.select(
        "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }")
    assert int(rows[0]["n"]) == datasets_in(built.reference) > 20
    live = sum(1 for recs in source_records().values() for r in recs if not r.deleted) - 1
    records = [g for g in built.node.store.named_graphs() if "/graph/record/" in g]
    assert len(records) == live


@pytest.fixture(scope="module")
def api(built: SimpleNamespace) -> Iterator[TestClient]:
    from pangraph.api import create_app

    node = built.node
    app = create_app(built.config, store=node.store, archive=node.archive, node_info=node.info)
    with TestClient(app) as client:
        yield client


def test_api_sparql_query(api: TestClient, built: SimpleNamespace) -> None:
    q = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
    r = api.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == datasets_in(built.reference)
    r = api.get("/sparql", params={"query": "SELECT ?d ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t }"},
                headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers.get("X-Pangraph-Truncated") == "true" and r.headers["X-Pangraph-Rows"] == "20"
    assert r.text.count("\r\n") == 21
    r = api.post("/sparql", data={"query": "CONSTRUCT WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"},
                 headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))) == 20
    r = api.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400, r.text


def test_api_sparql_time_limit(built: SimpleNamespace) -> None:
    from pangraph.api import create_app

    node = built.node
    config = built.config.with_values(server__query_timeout_s=1.0)
    app = create_app(config, store=node.store, archive=node.archive, node_info=node.info)
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with TestClient(app) as client:
        r = client.get("/sparql", params={"query": runaway})
        assert r.status_code == 503, r.text
        assert "server.query_timeout_s" in r.text
        r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})  # the node still answers
        assert r.status_code == 200 and r.json()["boolean"] is True


def dataset_with_title(store: Any, fragment: str) -> tuple[str, str]:
    rows = store.select(f"""SELECT ?d ?t WHERE {{ ?d a <http://www.w3.org/ns/dcat#Dataset> ;
        <http://purl.org/dc/terms/title> ?t . FILTER(CONTAINS(?t, "{fragment}")) }}""")
    assert len(rows) == 1, rows
    return rows[0]["d"], rows[0]["t"]


def test_api_dataset_page(api: TestClient, built: SimpleNamespace) -> None:
    iri, title = dataset_with_title(built.node.store, "(revised edition)")
    assert iri.startswith("https://doi.org/"), iri  # a DOI dataset: its page is /describe?iri=
    r = api.get("/describe", params={"iri": iri}, headers={"Accept": "text/html"})
    assert r.status_code == 200, r.text
    assert "(revised edition)" in r.text
    r = api.get("/describe", params={"iri": iri}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    titles = {t.object.value for t in ox.parse(r.content, format=ox.RdfFormat.TURTLE)
              if t.predicate.value == "http://purl.org/dc/terms/title"}
    assert title in titles
    # a minted IRI of the node: /id/…
    minted = built.node.store.select(f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o
        FILTER(STRSTARTS(STR(?s), "{NODE}/id/")) }} ORDER BY ?s LIMIT 1""")
    assert minted, "the records have things with minted IRIs (instruments, people …)"
    r = api.get(minted[0]["s"][len(NODE):], headers={"Accept": "text/html"})
    assert r.status_code == 200 and "<html" in r.text.lower()
    r = api.get(minted[0]["s"][len(NODE):], headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and f"<{minted[0]['s']}>" in r.text


def test_api_search(api: TestClient, built: SimpleNamespace) -> None:
    r = api.get("/api/search", params={"q": "revised edition"})
    assert r.status_code == 200, r.text
    hits = r.json()["hits"]
    assert len(hits) == 1 and "(revised edition)" in hits[0]["title"]
    r = api.get("/api/search", params={"q": "Pluronic"})
    assert r.status_code == 200 and r.json()["hits"]
    body = json.dumps(api.get("/api/search", params={"size": 100}).json())
    assert built.gone.identifier.split(":", 1)[-1] not in body


# -- moving a node: the same data, another backend, by configuration ---------------------------------------------

def test_an_embedded_store_directory_served_by_oxigraph_server_is_the_same_node(built: SimpleNamespace,
                                                                                 backend: SimpleNamespace,
                                                                                 tmp_path: Path) -> None:
    """The cheapest move: stop the node, serve its store directory with ``oxigraph serve``, switch the config."""
    from remote_stores import oxigraph_server

    if backend.name != "embedded":
        pytest.skip("moves an embedded store")
    from pangraph.pipeline import Node

    data = tmp_path / "node"
    with Node(node_config(backend, data)) as node:
        ingest(node, {"panosc-ill": source_records()["panosc-ill"]})
        expected = graph_view(node.store)
        store_dir = node.config.store_path
    try:
        manager = oxigraph_server(location=store_dir)
        srv = manager.__enter__()
    except ServerUnavailable as e:
        pytest.skip(str(e))
    try:
        with Node(node_config(SimpleNamespace(settings=srv.settings), data)) as moved:
            assert isinstance(moved.store, RemoteSparqlStore)
            assert graph_view(moved.store) == expected
            report = RunReport(source="panosc-ill", kind="test")
            moved.ingest(source_records()["panosc-ill"], report=report)  # a re-harvest: nothing to load
            assert report.loaded == 0 and graph_view(moved.store) == expected
    finally:
        manager.__exit__(None, None, None)


def test_load_store_script_bulk_loads_a_gzipped_dump(backend: SimpleNamespace, store: Any, tmp_path: Path) -> None:
    import gzip
    import subprocess
    import sys

    from conftest import REPO

    nquads = "".join(f'<{T}s{i}> <{T}p> "v{i}" <{T}graph/dump/{i % 3}> .\n' for i in range(500))
    dump = tmp_path / "pangraph.nq.gz"
    dump.write_bytes(gzip.compress(nquads.encode()))
    lines = ["[node]", 'base = "http://pan.test"', "[paths]", f'data = "{tmp_path / "data"}"', "[store]"]
    if backend.name == "embedded":
        store.close()
        lines.append(f'path = "{store.path}"')
    else:
        lines += [f'{k.split("__")[1]} = "{v}"' for k, v in backend.settings.items()]
    cfg = tmp_path / "pangraph.toml"
    cfg.write_text("\n".join(lines) + "\n")
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "load-store.py"), str(dump), "--config", str(cfg)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "it now holds 500 quads" in out.stdout
    bad = tmp_path / "bad.nq"
    bad.write_text(f"<{T}s> <{T}p> broken <{T}g> .\n")
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "load-store.py"), str(bad), "--config", str(cfg)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "bulk load failed" in out.stderr
    if backend.name == "embedded":
        store.__init__(store.path)  # reopened (the fixture closes it)
    assert dump_of(store) == canonical(nquads)
