"""Federation between two real nodes on 127.0.0.1: node A (ESRF-like datasets) harvests node B (training and
software) through B's OAI-PMH provider (format rdf), the joined queries of pangraph.queries work across both on
A, a record deleted on B disappears from A on the next incremental harvest, and SERVICE from A's /sparql (and
from `pangraph query`) reaches B — while a peer that sleeps or refuses connections gives a clear answer within
the time limit, never a hang. pangraph.federation.query_peer (SPARQLWrapper) is checked against B.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import httpx
import pytest
from click.testing import CliRunner

from pangraph.api import create_app
from pangraph.archive import RunReport
from pangraph.cli import main
from pangraph.config import SourceConfig
from pangraph.demo import demo_config, demo_records, demo_sources
from pangraph.federation import PeerError, check_peers, query_peer, refused_services
from pangraph.pipeline import Node
from pangraph.queries import JOINS, TRAINING_AND_SOFTWARE_FOR_A_DATASET
from pangraph.records import RawRecord
from pangraph.sources.pangraph_node import remote_record_graph
from served import free_port, start, stop

A_SOURCES = ("esrf-oai", "datacite-xml")
B_SOURCES = ("pan-training", "bioschemas-pages", "pan-software")
PROV = "http://www.w3.org/ns/prov#"
TIMEOUT_S = 3.0  # the time limit of a query (A's server.query_timeout_s, the CLI's --timeout)
SLEEP_S = 30.0  # how long the sleeping peer keeps a request waiting


class Sleeper:
    """A peer that accepts the connection and then answers nothing for SLEEP_S seconds."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def _sleep(self) -> None:
                time.sleep(SLEEP_S)
                self.send_response(503)
                self.end_headers()

            do_GET = do_POST = _sleep  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def refused_url() -> str:
    """The URL of a port on 127.0.0.1 that refuses connections."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/sparql"


def build(data_dir: Path, port: int, names: tuple[str, ...], **values: object) -> Node:
    config = demo_config(data_dir=data_dir, port=port).with_values(dumps__auto=False, sparql__workers=2, **values)
    node = Node(config)
    node.ensure_ontologies()
    for src in demo_sources():
        if src.name in names:
            report = RunReport(source=src.name, kind="demo")
            node.ingest(demo_records(src), report=report)
            assert report.loaded > 0, report
    return node


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    tmp = tmp_path_factory.mktemp("federation")
    port_a, port_b = free_port(), free_port()
    sleeper, refused = Sleeper(), refused_url()
    b = build(tmp / "b", port_b, B_SOURCES)
    b_sparql = f"http://127.0.0.1:{port_b}/sparql"
    a = build(tmp / "a", port_a, A_SOURCES, server__query_timeout_s=TIMEOUT_S,
              federation__peers=[b_sparql, sleeper.url, refused])
    peer = SourceConfig(name="node-b", kind="pangraph-node", url=f"http://127.0.0.1:{port_b}/oai",
                        metadata_prefix="rdf", title="Node B")
    a.config = a.config.with_sources({**a.config.sources, "node-b": peer})
    servers = [start(create_app(n.config, store=n.store, archive=n.archive, node_info=n.info), port, name=name)
               for n, port, name in ((b, port_b, "node-b"), (a, port_a, "node-a"))]
    try:
        yield SimpleNamespace(a=a, b=b, a_url=f"http://127.0.0.1:{port_a}", b_url=f"http://127.0.0.1:{port_b}",
                              b_sparql=b_sparql, sleeper=sleeper.url, refused=refused, tmp=tmp)
    finally:
        for srv, thread in servers:
            stop(srv, thread)
        sleeper.close()
        a.close()
        b.close()


@pytest.fixture(scope="module")
def harvested(nodes: SimpleNamespace) -> RunReport:
    """A's first harvest of B (every record of B)."""
    return nodes.a.harvest("node-b", sleep=lambda s: None)


def graphs_of(node: Node, source: str) -> set[str]:
    return set(node.record_graphs(source=source))


def b_records(node: Node) -> set[str]:
    return {g for s in B_SOURCES for g in graphs_of(node, s)}


def provenance(node: Node, graph: str) -> dict[str, set[str]]:
    rows = node.store.select(f"SELECT ?p ?o WHERE {{ GRAPH <{node.provenance_graph}> {{ <{graph}> ?p ?o }} }}")
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["p"], set()).add(r["o"])
    return out


# -- harvesting another node --------------------------------------------------------------------------------------


def test_a_harvests_every_record_graph_of_b_with_its_iris_kept(nodes: SimpleNamespace, harvested: RunReport) -> None:
    expected = b_records(nodes.b)
    assert harvested.status == "ok" and harvested.failed == 0, harvested
    assert harvested.added == len(expected) and harvested.loaded == len(expected)
    local = graphs_of(nodes.a, "node-b")
    assert len(local) == len(expected)
    assert all(g.startswith(f"{nodes.a_url}/graph/record/node-b/") for g in local)
    # the same triples under the same IRIs (B's minted IRIs are kept, nothing re-minted; blank nodes aside)
    for graph in sorted(local)[:10]:
        remote = provenance(nodes.a, graph)[PROV + "wasDerivedFrom"].pop()
        mine = {tuple(r.values()) for r in nodes.a.store.select(
            f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) }} }}")}
        theirs = {tuple(r.values()) for r in nodes.b.store.select(
            f"SELECT ?s ?p ?o WHERE {{ GRAPH <{remote}> {{ ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) }} }}")}
        assert mine == theirs and mine
    minted = nodes.a.store.select(
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <http://schema.org/SoftwareSourceCode> "
        f"FILTER(STRSTARTS(STR(?s), '{nodes.b_url}/id/')) }}")
    assert int(minted[0]["n"]) > 0


def test_provenance_says_which_node_which_record_and_when(nodes: SimpleNamespace, harvested: RunReport) -> None:
    for graph in graphs_of(nodes.a, "node-b"):
        prov = provenance(nodes.a, graph)
        identifier = prov["http://purl.org/dc/terms/identifier"].pop()
        assert identifier.startswith("oai:127.0.0.1:")
        remote = remote_record_graph(nodes.b_url, identifier)
        assert prov[PROV + "wasDerivedFrom"] == {remote}
        assert nodes.b.store.has_graph(remote)  # a record graph that exists on B
        assert prov[PROV + "wasAttributedTo"] == {nodes.b_url}
        assert prov[PROV + "generatedAtTime"] and prov["https://w3id.org/pangraph/ns#datestamp"]
        (topic,) = prov["http://xmlns.com/foaf/0.1/primaryTopic"]
        b_topic = nodes.b.store.select(
            f"SELECT ?t WHERE {{ GRAPH <{nodes.b.provenance_graph}> {{ <{remote}> "
            f"<http://xmlns.com/foaf/0.1/primaryTopic> ?t }} }}")
        assert topic == b_topic[0]["t"]


def test_harvested_records_are_validated(nodes: SimpleNamespace, harvested: RunReport) -> None:
    assert harvested.validated == harvested.loaded
    graph = sorted(graphs_of(nodes.a, "node-b"))[0]
    assert nodes.a.store.ask(
        f"ASK {{ GRAPH <{nodes.a.quality_graph}> {{ ?r <http://www.w3.org/ns/dqv#computedOn> <{graph}> }} }}")


def test_joined_queries_work_across_both_nodes(nodes: SimpleNamespace, harvested: RunReport) -> None:
    query = TRAINING_AND_SOFTWARE_FOR_A_DATASET
    assert any(q == query for _, q in JOINS)
    assert nodes.b.store.select(query) == []  # B alone: no dataset
    rows = nodes.a.store.select(query)
    kinds = {r["kind"] for r in rows}
    assert kinds == {"training", "software"}, rows
    from_b = {r["resource"] for r in rows}
    b_resources = {r["s"] for r in nodes.b.store.select(
        "SELECT DISTINCT ?s WHERE { ?s <http://schema.org/about> ?t }")}
    assert from_b <= b_resources


def test_a_deletion_on_b_reaches_a_incrementally(nodes: SimpleNamespace, harvested: RunReport) -> None:
    graph = sorted(graphs_of(nodes.b, "pan-software"))[0]  # one record of B's software source
    identifier = provenance(nodes.b, graph)["http://purl.org/dc/terms/identifier"].pop()
    graph_b = nodes.b.record_graph("pan-software", identifier)
    assert nodes.b.store.has_graph(graph_b)
    time.sleep(1.1)  # OAI datestamps have seconds granularity
    report = RunReport(source="pan-software", kind="demo")
    nodes.b.ingest([RawRecord(source="pan-software", identifier=identifier, metadata_prefix="software-list",
                              payload=b"", deleted=True)], report=report)
    assert not nodes.b.store.has_graph(graph_b)
    local = {g for g in graphs_of(nodes.a, "node-b")
             if provenance(nodes.a, g)[PROV + "wasDerivedFrom"] == {graph_b}}
    assert len(local) == 1
    again = nodes.a.harvest("node-b", sleep=lambda s: None)
    assert again.status == "ok" and again.from_ == harvested.checkpoint
    assert again.deleted == 1 and again.added == 0 and again.updated == 0
    assert not nodes.a.store.has_graph(local.pop())
    assert len(graphs_of(nodes.a, "node-b")) == len(b_records(nodes.b))


def test_a_full_reharvest_of_unchanged_records_costs_nothing(nodes: SimpleNamespace, harvested: RunReport) -> None:
    # the peer's RDF/XML may order statements and name blank nodes differently on every request: the
    # canonical form archived by the source keeps the content hash of an unchanged record
    before = graphs_of(nodes.a, "node-b")
    full = nodes.a.harvest("node-b", full=True, sleep=lambda s: None)
    assert full.status == "ok" and full.added == 0 and full.updated == 0 and full.loaded == 0, full
    assert full.unchanged >= len(before)
    assert graphs_of(nodes.a, "node-b") == before


# -- querying across nodes live ------------------------------------------------------------------------------------

FEDERATED = """\
PREFIX schema: <http://schema.org/>
PREFIX dcat:   <http://www.w3.org/ns/dcat#>
SELECT DISTINCT ?dataset ?training WHERE {
  ?dataset a dcat:Dataset ; schema:measurementTechnique ?technique .
  SERVICE <%s> { ?training a schema:LearningResource ; schema:about ?technique . }
}
"""


def test_federated_query_datasets_on_a_with_training_on_b(nodes: SimpleNamespace) -> None:
    r = httpx.post(f"{nodes.a_url}/sparql", data={"query": FEDERATED % nodes.b_sparql}, timeout=30,
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    got = {(b["dataset"]["value"], b["training"]["value"]) for b in r.json()["results"]["bindings"]}
    # the same pairs computed from each node separately
    datasets = {}
    for row in nodes.a.store.select("SELECT DISTINCT ?d ?t WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> ; "
                                    "<http://schema.org/measurementTechnique> ?t } }"):
        datasets.setdefault(row["t"], set()).add(row["d"])
    training = nodes.b.store.select("SELECT DISTINCT ?r ?t WHERE { ?r a <http://schema.org/LearningResource> ; "
                                    "<http://schema.org/about> ?t }")
    expected = {(d, row["r"]) for row in training for d in datasets.get(row["t"], ())}
    assert got == expected and got


def test_service_to_a_sleeping_peer_ends_at_the_time_limit(nodes: SimpleNamespace) -> None:
    started = time.monotonic()
    r = httpx.get(f"{nodes.a_url}/sparql", params={"query": FEDERATED % nodes.sleeper}, timeout=SLEEP_S)
    assert r.status_code == 503 and "time limit" in r.json()["error"]["detail"]
    assert time.monotonic() - started < TIMEOUT_S + 3


def test_service_to_a_refusing_peer(nodes: SimpleNamespace) -> None:
    r = httpx.get(f"{nodes.a_url}/sparql", params={"query": FEDERATED % nodes.refused}, timeout=30)
    assert r.status_code == 502 and "peer" in r.json()["error"]["detail"]
    silent = (FEDERATED % nodes.refused).replace("SERVICE <", "SERVICE SILENT <")
    r = httpx.get(f"{nodes.a_url}/sparql", params={"query": silent}, timeout=30)
    assert r.status_code == 200, r.text  # SERVICE SILENT: Oxigraph's one empty solution joins nothing


def cli_config(nodes: SimpleNamespace, name: str, peers: list[str]) -> Path:
    path = nodes.tmp / f"{name}.toml"
    listed = ", ".join(f'"{p}"' for p in peers)
    path.write_text(f'[node]\nbase = "http://127.0.0.1:9"\n[paths]\ndata = "{nodes.tmp / name}"\n'
                    f"[federation]\npeers = [{listed}]\ntimeout_s = {TIMEOUT_S}\n", encoding="utf-8")
    return path


def test_pangraph_query_service_to_peers_only_with_a_time_limit(nodes: SimpleNamespace) -> None:
    config = cli_config(nodes, "cli", [nodes.b_sparql, nodes.sleeper, nodes.refused])
    runner = CliRunner()
    q = ("SELECT ?name WHERE { SERVICE <%s> { ?r a <http://schema.org/LearningResource> ; "
         "<http://schema.org/name> ?name } } ORDER BY ?name LIMIT 3")
    ok = runner.invoke(main, ["--config", str(config), "query", "--format", "csv", q % nodes.b_sparql])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.splitlines()[0] == "name" and len(ok.stdout.splitlines()) == 4
    other = runner.invoke(main, ["--config", str(config), "query", q % "http://elsewhere.example/sparql"])
    assert other.exit_code == 2 and "not one of the node's peer endpoints" in other.output
    started = time.monotonic()
    slow = runner.invoke(main, ["--config", str(config), "query", q % nodes.sleeper])
    assert slow.exit_code == 2 and "time limit" in slow.output
    assert time.monotonic() - started < TIMEOUT_S + 5
    down = runner.invoke(main, ["--config", str(config), "query", q % nodes.refused])
    assert down.exit_code == 2 and "SERVICE call to a peer failed" in down.output
    silent = runner.invoke(main, ["--config", str(config), "query", "--format", "json",
                                  (q % nodes.refused).replace("SERVICE <", "SERVICE SILENT <")])
    assert silent.exit_code == 0, silent.output


def test_refused_services_is_the_endpoint_rule() -> None:
    peers = ["http://peer.example/sparql"]
    assert refused_services("SELECT * { SERVICE <http://peer.example/sparql> { ?s ?p ?o } }", peers) is None
    assert "variable" in refused_services("SELECT * { SERVICE ?e { ?s ?p ?o } }", peers)
    assert "not one of" in refused_services(
        "PREFIX x: <http://other.example/> SELECT * { { SELECT * { SERVICE x:sparql { ?s ?p ?o } } } }", peers)
    assert refused_services("SELECT * { ?s ?p ?o }", []) is None


# -- pangraph.federation: SPARQLWrapper against real nodes --------------------------------------------------------------

def test_query_peer_against_a_real_node(nodes: SimpleNamespace) -> None:
    data = query_peer(nodes.b_sparql, "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://schema.org/SoftwareSourceCode> }",
                      timeout_s=10)
    n = int(data["results"]["bindings"][0]["n"]["value"])
    assert n == int(nodes.b.store.select(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a <http://schema.org/SoftwareSourceCode> }")[0]["n"])
    with pytest.raises(PeerError) as bad:
        query_peer(nodes.b_sparql, "SELECT WHERE {", timeout_s=10)
    assert bad.value.kind == "http"


def test_query_peer_slow_and_down(nodes: SimpleNamespace) -> None:
    started = time.monotonic()
    with pytest.raises(PeerError) as slow:
        query_peer(nodes.sleeper, "ASK { ?s ?p ?o }", timeout_s=1.0)
    assert slow.value.kind == "timeout" and time.monotonic() - started < 2.5
    with pytest.raises(PeerError) as down:
        query_peer(nodes.refused, "ASK { ?s ?p ?o }", timeout_s=1.0)
    assert down.value.kind == "refused" and nodes.refused in str(down.value)


def test_peers_check(nodes: SimpleNamespace) -> None:
    statuses = check_peers([nodes.b_sparql, nodes.refused], timeout_s=2)
    assert [(s.endpoint, s.ok, s.kind) for s in statuses] == [(nodes.b_sparql, True, "ok"),
                                                              (nodes.refused, False, "refused")]
    config = cli_config(nodes, "peers", [nodes.b_sparql, nodes.sleeper])
    result = CliRunner().invoke(main, ["--config", str(config), "peers", "check", "--timeout", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"ok   {nodes.b_sparql}") and lines[1].startswith(f"FAIL {nodes.sleeper}  timeout")


# -- the pieces on their own ------------------------------------------------------------------------------------------

RDF_RECORD = b"""<record xmlns="http://www.openarchives.org/OAI/2.0/"><header><identifier>oai:peer.example:src/k1</identifier>
<datestamp>2026-01-01T00:00:00Z</datestamp></header><metadata>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:schema="http://schema.org/"
         xmlns:dcat="http://www.w3.org/ns/dcat#">
  <rdf:Description rdf:about="https://peer.example/id/person/src/p1"><schema:name>Ann</schema:name></rdf:Description>
  <dcat:Dataset rdf:about="https://doi.org/10.1/x">
    <schema:name xml:lang="en">X</schema:name>
    <schema:creator><rdf:Description><schema:name>Anonymous</schema:name></rdf:Description></schema:creator>
  </dcat:Dataset>
</rdf:RDF></metadata></record>"""


def _ctx(source: str):
    from pangraph.crosswalk import CrosswalkContext

    return CrosswalkContext(base="http://here.example", source=source, techniques=None, mappings=None)


def test_rdf_record_crosswalk_keeps_iris_and_relabels_blank_nodes() -> None:
    from pangraph.crosswalk import crosswalk_record

    rec = RawRecord(source="peer", identifier="oai:peer.example:src/k1", metadata_prefix="pangraph-rdf",
                    payload=RDF_RECORD)
    result = crosswalk_record(rec, ctx=_ctx("peer"))
    assert result.subject == "https://doi.org/10.1/x" and result.kind == "dataset"
    assert ('<https://doi.org/10.1/x>', '<http://schema.org/name>', '"X"@en') in result.triples
    blanks = {t.o for t in result.triples if t.o.startswith("_:")}
    assert len(blanks) == 1
    other = crosswalk_record(RawRecord(source="peer", identifier="oai:peer.example:src/k2",
                                       metadata_prefix="pangraph-rdf", payload=RDF_RECORD), ctx=_ctx("peer"))
    assert blanks.isdisjoint({t.o for t in other.triples if t.o.startswith("_:")})  # per record
    assert crosswalk_record(rec, ctx=_ctx("peer")).triples == result.triples  # deterministic
    odd = RDF_RECORD.replace(b"https://peer.example/id/person/src/p1", b"https://peer.example/a b")
    assert ("<https://peer.example/a%20b>", "<http://schema.org/name>", '"Ann"') in crosswalk_record(
        RawRecord(source="peer", identifier="k3", metadata_prefix="pangraph-rdf", payload=odd), ctx=_ctx("peer")).triples


@pytest.mark.parametrize("payload, reason", [
    (b"<record><header/><metadata><oai_dc/></metadata></record>", "not rdf:RDF"),
    (b"<record><header status='deleted'/></record>", "deleted"),
    (b"<record><header/><metadata><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
     b"<rdf:Description rdf:about='http://x.example/' rdf:nodeID='n1'/></rdf:RDF></metadata></record>",
     "RDF/XML"),
    (b"<record><header/><metadata><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/></metadata>"
     b"</record>", "no statement"),
    (b"<record", "well-formed"),
])
def test_rdf_record_crosswalk_reports_what_it_cannot_read(payload: bytes, reason: str) -> None:
    from pangraph.crosswalk import crosswalk_record
    from pangraph.errors import RecordError

    with pytest.raises(RecordError) as e:
        crosswalk_record(RawRecord(source="peer", identifier="x", metadata_prefix="pangraph-rdf", payload=payload),
                         ctx=_ctx("peer"))
    assert reason in e.value.reason


def test_pangraph_node_source_config(tmp_path: Path) -> None:
    from pangraph.config import load_config
    from pangraph.errors import ConfigError
    from pangraph.sources import open_source
    from pangraph.sources.pangraph_node import PangraphNodeSource, peer_base

    path = tmp_path / "p.toml"
    path.write_text('[sources.b]\nkind = "pangraph-node"\nurl = "https://b.example/oai"\nset = "type:training"\n'
                    '[sources.c]\nkind = "pangraph-node"\nurl = "https://c.example/oai-pmh"\n'
                    'peer_base = "https://c.example/"\n', encoding="utf-8")
    config = load_config(path)
    source = open_source(config.sources["b"], config=config)
    assert isinstance(source, PangraphNodeSource) and source.metadata_prefix == "rdf" and source.set == "type:training"
    assert peer_base(config.sources["b"]) == "https://b.example"
    assert peer_base(config.sources["c"]) == "https://c.example"
    assert remote_record_graph("https://b.example", "oai:b.example:8443:pan-training/m-1") == \
        "https://b.example/graph/record/pan-training/m-1"
    assert remote_record_graph("https://b.example", "doi:10.1/x") is None
    path.write_text('[sources.b]\nkind = "pangraph-node"\n', encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path)
