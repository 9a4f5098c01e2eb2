"""The cross-node link API (/links): storage in the links graph with provenance, the allow-list, bearer tokens
and OIDC access tokens verified against a local issuer's JWKS, suggestions, VoID, dumps, Linked Data, and that
checking a link target only ever contacts configured peers or registries.

Real components: an Oxigraph store, the FastAPI app, a local OIDC issuer and a peer on 127.0.0.1 (http.server).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Iterator

import jwt
import pytest
import rdflib
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pangraph import iri as iris
from pangraph.api import create_app
from pangraph.auth import hash_token
from pangraph.cli import main as cli_main
from pangraph.links import link_id
from pangraph.rdf import DCT, RDF, iri, literal, nquads
from test_api_support import ListArchive, loaded_store, make_config

BASE = "http://127.0.0.1:8000"
TOKEN = "alice-secret-token-0123456789"
REC1 = iris.mint(BASE, "dataset", "esrf", "rec-1")
REC2 = iris.mint(BASE, "dataset", "esrf", "rec-2")
PEER_DATASET = "https://data.example.org/id/dataset/b/1"
EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
CLOSE = "http://www.w3.org/2004/02/skos/core#closeMatch"
DOI = "https://doi.org/10.5291/ill-data.1-01-1"
AUDIENCE = "pangraph-test-node"


class _Recorder(BaseHTTPRequestHandler):
    """Serves the issuer's JWKS at /jwks and 200 on anything else; counts every request it gets."""

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        body = json.dumps(self.server.jwks).encode() if self.path == "/jwks" else b"<> a <x> ."  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if self.path == "/jwks" else "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _server(jwks: dict | None = None) -> ThreadingHTTPServer:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    srv.hits = []  # type: ignore[attr-defined]
    srv.jwks = jwks or {"keys": []}  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def _jwk(private_key: rsa.RSAPrivateKey, kid: str) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def extra_quads() -> str:
    """A minted dataset whose identifier is a DOI, and two minted resources sharing a proposal number."""
    out = ""
    for key, ident in (("doi-copy", "10.5291/ILL-DATA.1-01-1"), ("p-a", "MX-1234"), ("p-b", "MX-1234")):
        d = iri(iris.mint(BASE, "dataset", "extra", key))
        out += nquads([(d, RDF.type, iri("http://www.w3.org/ns/dcat#Dataset")), (d, DCT.identifier, literal(ident))],
                      iris.record_graph(BASE, "extra", key))
    return out


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer_srv = _server({"keys": [_jwk(key, "k1")]})
    issuer = f"http://127.0.0.1:{issuer_srv.server_address[1]}"
    peer = _server()
    stranger = _server()
    peer_url = f"http://127.0.0.1:{peer.server_address[1]}"
    tmp = tmp_path_factory.mktemp("links")
    cfg = make_config(
        tmp, base=BASE,
        links__tokens=[f"alice:{hash_token(TOKEN)}"],
        links__oidc__issuer=issuer, links__oidc__audience=AUDIENCE, links__oidc__jwks_url=issuer + "/jwks",
        federation__peers=[peer_url + "/sparql"], links__registries=[], server__description_cache_s=0,
    )
    store = loaded_store(BASE)
    store.bulk_load(extra_quads().encode(), format="application/n-quads")
    app = create_app(cfg, store=store, archive=ListArchive())
    with TestClient(app) as client:
        yield SimpleNamespace(client=client, app=app, store=store, config=cfg, key=key, other=other, issuer=issuer,
                              issuer_srv=issuer_srv, peer=peer, peer_url=peer_url, stranger=stranger)
    for srv in (issuer_srv, peer, stranger):
        srv.shutdown()


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def oidc_token(node: SimpleNamespace, *, key=None, aud: str = AUDIENCE, exp_in: int = 300, kid: str = "k1",
               iss: str | None = None, sub: str = "curator-7") -> str:
    now = int(time.time())
    return jwt.encode({"iss": iss or node.issuer, "aud": aud, "sub": sub, "iat": now, "exp": now + exp_in},
                      key or node.key, algorithm="RS256", headers={"kid": kid})


def link_body(**over: object) -> dict:
    return {"subject": REC1, "predicate": "skos:exactMatch", "object": PEER_DATASET,
            "comment": "same beamtime, described by node B", "confidence": 0.8, **over}


def in_links_graph(store, s: str, p: str, o: str) -> bool:
    return store.ask(f"ASK {{ GRAPH <{iris.links_graph(BASE)}> {{ <{s}> <{p}> <{o}> }} }}")


def test_writes_need_credentials(node: SimpleNamespace) -> None:
    c = node.client
    for headers in ({}, auth("not-a-token"), {"Authorization": "Basic abc"}):
        r = c.post("/links", json=link_body(), headers=headers)
        assert r.status_code == 401, r.text
        err = r.json()["error"]
        assert err["status"] == 401 and err["title"] == "Unauthorized" and err["detail"]
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert not in_links_graph(node.store, REC1, EXACT, PEER_DATASET)


def test_create_read_idempotent_delete(node: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> None:
    c = node.client
    with caplog.at_level(logging.INFO, logger="pangraph.links"):
        r = c.post("/links", json=link_body(), headers=auth())
    assert r.status_code == 201, r.text
    link = r.json()["link"]
    assert link["id"] == link_id(REC1, EXACT, PEER_DATASET)
    assert link["iri"] == f"{BASE}/id/link/{link['id']}"
    assert (link["asserted_by"], link["comment"], link["confidence"], link["predicate"]) == (
        "token:alice", "same beamtime, described by node B", 0.8, EXACT)
    assert r.headers["location"] == f"/links/{link['id']}"
    logged = [rec for rec in caplog.records if getattr(rec, "event", None) == "link.create"]
    assert logged and logged[-1].principal == "token:alice" and logged[-1].link == link["id"]

    # the plain triple is in the links graph and visible through the union default graph
    assert in_links_graph(node.store, REC1, EXACT, PEER_DATASET)
    assert node.store.ask(f"ASK {{ <{REC1}> <{EXACT}> <{PEER_DATASET}> }}")
    # the reified description carries the provenance
    rows = node.store.select(f"""SELECT ?by ?created ?conf WHERE {{ GRAPH <{iris.links_graph(BASE)}> {{
        <{link['iri']}> a <https://w3id.org/pangraph/ns#Link> ;
        <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{REC1}> ;
        <https://w3id.org/pangraph/ns#assertedBy> ?by ; <http://purl.org/dc/terms/created> ?created ;
        <https://w3id.org/pangraph/ns#confidence> ?conf }} }}""")
    assert len(rows) == 1 and rows[0]["by"] == "token:alice" and float(rows[0]["conf"]) == 0.8

    again = c.post("/links", json=link_body(comment="posted twice"), headers=auth())
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["link"]["comment"] == "same beamtime, described by node B"

    got = c.get(f"/links/{link['id']}")
    assert got.status_code == 200 and got.json()["link"] == link
    listed = c.get("/links", params={"iri": PEER_DATASET}).json()
    assert [l["id"] for l in listed["links"]] == [link["id"]]
    assert c.get("/links", params={"iri": "https://nothing.example/x"}).json()["count"] == 0

    assert c.delete(f"/links/{link['id']}").status_code == 401
    gone = c.delete(f"/links/{link['id']}", headers=auth())
    assert gone.status_code == 200 and gone.json()["by"] == "token:alice"
    assert not node.store.ask(f"ASK {{ <{REC1}> <{EXACT}> <{PEER_DATASET}> }}")
    assert not node.store.ask(f"ASK {{ <{link['iri']}> ?p ?o }}")
    assert c.get(f"/links/{link['id']}").status_code == 404
    assert c.delete(f"/links/{link['id']}", headers=auth()).json()["error"]["status"] == 404


@pytest.mark.parametrize("over, field", [
    ({"predicate": "rdfs:seeAlso"}, "predicate"),
    ({"predicate": "http://example.org/made-up"}, "predicate"),
    ({"subject": "https://unknown.example/thing"}, "subject"),
    ({"object": "ftp://files.example/x"}, "object"),
    ({"object": "not an iri"}, "object"),
    ({"object": REC1}, "object"),
    ({"confidence": 1.5}, "confidence"),
    ({"confidence": -0.1}, "confidence"),
])
def test_invalid_links_are_refused(node: SimpleNamespace, over: dict, field: str) -> None:
    r = node.client.post("/links", json=link_body(**over), headers=auth())
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["title"] == "Invalid link" and err["field"] == field


def test_bad_ids_and_bodies(node: SimpleNamespace) -> None:
    c = node.client
    assert c.get("/links/NOT-AN-ID").status_code == 422
    assert c.get("/links/" + "0" * 24).json()["error"]["status"] == 404
    r = c.post("/links", json={"subject": REC1}, headers=auth())
    assert r.status_code == 422 and r.json()["error"]["title"] == "Invalid parameters"


def test_oidc_tokens_from_the_configured_issuer(node: SimpleNamespace) -> None:
    c = node.client
    body = link_body(object="https://data.example.org/id/dataset/b/oidc", predicate=SAME_AS)
    r = c.post("/links", json=body, headers=auth(oidc_token(node)))
    assert r.status_code == 201, r.text
    assert r.json()["link"]["asserted_by"] == "oidc:curator-7"
    cases = {
        "expired": oidc_token(node, exp_in=-3600),
        "audience": oidc_token(node, aud="another-node"),
        "signature": oidc_token(node, key=node.other),
        "issued by": oidc_token(node, iss="https://evil.example"),
        "not in the issuer's JWKS": oidc_token(node, kid="k-unknown"),
    }
    for why, token in cases.items():
        r = c.post("/links", json=link_body(object="https://data.example.org/x/" + why.replace(" ", "-")),
                   headers=auth(token))
        assert r.status_code == 401, (why, r.text)
        assert why in r.json()["error"]["detail"], (why, r.json())
    # the JWKS is cached: one fetch for the valid token, at most one more for the unknown kid
    assert node.issuer_srv.hits.count("/jwks") <= 2
    assert set(node.issuer_srv.hits) == {"/jwks"}
    link = r = c.get("/links", params={"iri": body["object"]}).json()["links"][0]
    assert c.delete(f"/links/{link['id']}", headers=auth(oidc_token(node))).status_code == 200


def test_checking_a_target_contacts_only_configured_peers(node: SimpleNamespace) -> None:
    c = node.client
    stranger = f"http://127.0.0.1:{node.stranger.server_address[1]}/id/dataset/9"
    r = c.post("/links", params={"check": "true"}, json=link_body(object=stranger), headers=auth())
    assert r.status_code == 201
    assert r.json()["check"]["checked"] is False and "does not contact" in r.json()["check"]["reason"]
    assert node.stranger.hits == []
    on_peer = node.peer_url + "/id/dataset/b/7"
    r = c.post("/links", params={"check": "true"}, json=link_body(object=on_peer), headers=auth())
    assert r.status_code == 201
    assert r.json()["check"] == {"checked": True, "ok": True, "status": 200}
    assert node.peer.hits == ["/id/dataset/b/7"]
    for obj in (stranger, on_peer):
        c.delete(f"/links/{link_id(REC1, EXACT, obj)}", headers=auth())


def test_suggestions_accept_and_reject(node: SimpleNamespace) -> None:
    c = node.client
    doi_copy = iris.mint(BASE, "dataset", "extra", "doi-copy")
    pa, pb = iris.mint(BASE, "dataset", "extra", "p-a"), iris.mint(BASE, "dataset", "extra", "p-b")
    found = c.get("/links/suggestions").json()["suggestions"]
    triples = {(s["subject"], s["predicate"], s["object"]): s for s in found}
    assert (doi_copy, SAME_AS, DOI) in triples
    assert (pa, CLOSE, pb) in triples
    assert (pb, CLOSE, pa) not in triples  # one direction per pair
    same = triples[(doi_copy, SAME_AS, DOI)]
    close = triples[(pa, CLOSE, pb)]
    assert same["id"] == link_id(doi_copy, SAME_AS, DOI) and "10.5291/ILL-DATA.1-01-1" in same["reason"]

    assert c.post(f"/links/suggestions/{same['id']}/accept").status_code == 401
    r = c.post(f"/links/suggestions/{same['id']}/accept", headers=auth())
    assert r.status_code == 201 and r.json()["link"]["asserted_by"] == "token:alice"
    assert node.store.ask(f"ASK {{ <{doi_copy}> <{SAME_AS}> <{DOI}> }}")
    r = c.post(f"/links/suggestions/{close['id']}/reject", json={"comment": "different proposals"}, headers=auth())
    assert r.status_code == 200 and r.json()["rejected"]["comment"] == "different proposals"
    ids = {s["id"] for s in c.get("/links/suggestions").json()["suggestions"]}
    assert same["id"] not in ids and close["id"] not in ids
    assert close["id"] not in {l["id"] for l in c.get("/links").json()["links"]}
    assert not node.store.ask(f"ASK {{ <{pa}> <{CLOSE}> <{pb}> }}")
    assert c.post(f"/links/suggestions/{close['id']}/accept", headers=auth()).status_code == 404
    c.delete(f"/links/{same['id']}", headers=auth())


def test_links_in_void_dump_linked_data_and_pages(node: SimpleNamespace) -> None:
    c = node.client
    link = c.post("/links", json=link_body(), headers=auth()).json()["link"]
    node.app.state.links_dumps.wait()
    with gzip.open(node.config.data_dir / "dumps" / "pangraph.nq.gz", "rt") as f:
        dump = f.read()
    assert f"<{REC1}> <{EXACT}> <{PEER_DATASET}> <{iris.links_graph(BASE)}> ." in dump

    void = c.get("/.well-known/void", params={"format": "nt"}).text
    assert "<http://rdfs.org/ns/void#Linkset>" in void
    assert f"<http://rdfs.org/ns/void#linkPredicate> <{EXACT}>" in void
    assert '"https://data.example.org/"' in void

    # the OAI-PMH provider's rdf payload of the record (the app here has no record archive, so /oai itself is 503)
    from pangraph.api.oai import record_rdf

    record = record_rdf(node.app.state.ctx, iris.record_graph(BASE, "esrf", "rec-1"), REC1)
    assert (rdflib.URIRef(REC1), rdflib.URIRef(EXACT), rdflib.URIRef(PEER_DATASET)) in record
    assert (rdflib.URIRef(link["iri"]), rdflib.URIRef("https://w3id.org/pangraph/ns#assertedBy"),
            rdflib.Literal("token:alice")) in record

    ld = c.get(f"/id/link/{link['id']}", headers={"Accept": "application/n-triples"})
    assert ld.status_code == 200 and f"<{REC1}>" in ld.text and "rdf-syntax-ns#subject" in ld.text
    page = c.get("/id/dataset/esrf/rec-1", headers={"Accept": "text/html"})
    assert page.status_code == 200
    section = page.text.split('id="cross-links"', 1)[1].split("</ul>", 1)[0]
    assert PEER_DATASET in section and "exact match" in section and "asserted by token:alice" in section
    assert "same beamtime, described by node B" in section
    c.delete(f"/links/{link['id']}", headers=auth())


def test_token_command_prints_a_usable_token(node: SimpleNamespace) -> None:
    out = CliRunner().invoke(cli_main, ["token", "bob"])
    assert out.exit_code == 0, out.output
    token = out.output.split("token: ", 1)[1].split()[0]
    entry = out.output.split('tokens = ["', 1)[1].split('"', 1)[0]
    assert entry == f"bob:{hashlib.sha256(token.encode()).hexdigest()}"
    assert token not in entry
    cfg = node.config.with_values(links__tokens=[entry])
    app = create_app(cfg, store=node.store, archive=ListArchive())
    with TestClient(app) as c:
        r = c.post("/links", json=link_body(object="https://data.example.org/bob"), headers=auth(token))
        assert r.status_code == 201 and r.json()["link"]["asserted_by"] == "token:bob"
        assert c.post("/links", json=link_body(), headers=auth(TOKEN)).status_code == 401
        c.delete(f"/links/{r.json()['link']['id']}", headers=auth(token))
        app.state.links_dumps.wait()
    assert CliRunner().invoke(cli_main, ["token", "a:b"]).exit_code == 2


def test_openapi_documents_every_link_route(node: SimpleNamespace) -> None:
    paths = node.client.get("/openapi.json").json()["paths"]
    expected = {("/links", "get"), ("/links", "post"), ("/links/{id}", "get"), ("/links/{id}", "delete"),
                ("/links/suggestions", "get"), ("/links/suggestions/{id}/accept", "post"),
                ("/links/suggestions/{id}/reject", "post")}
    for path, method in expected:
        op = paths[path][method]
        assert op["summary"] and op["description"], (path, method)


def test_same_doi_at_a_peer_node_is_suggested(node: SimpleNamespace, tmp_path) -> None:
    """Node B (a real pangraph app on 127.0.0.1) mints its own IRI for a dataset whose identifier is a DOI that
    this node describes: with peers=true the suggestion `<doi> owl:sameAs <B's IRI>` appears; a peer that is down
    is reported, not fatal; only configured peers are contacted."""
    from served import free_port, serving

    from pangraph.store.oxigraph import OxigraphStore

    port = free_port()
    base_b = f"http://127.0.0.1:{port}"
    b_dataset = iris.mint(base_b, "dataset", "nodeb", "ill-copy")
    store_b = OxigraphStore(None)
    store_b.bulk_load(nquads([(iri(b_dataset), RDF.type, iri("http://www.w3.org/ns/dcat#Dataset")),
                              (iri(b_dataset), DCT.identifier, literal("10.5291/ILL-DATA.1-01-1"))],
                             iris.record_graph(base_b, "nodeb", "ill-copy")).encode(), format="application/n-quads")
    app_b = create_app(make_config(tmp_path / "b", base=base_b), store=store_b, archive=ListArchive())
    down = f"http://127.0.0.1:{free_port()}/sparql"
    with serving(app_b, port) as url_b:
        cfg = node.config.with_values(federation__peers=[url_b + "/sparql", down], federation__timeout_s=60)
        app_a = create_app(cfg, store=node.store, archive=ListArchive())
        with TestClient(app_a) as c:
            local_only = c.get("/links/suggestions").json()
            assert local_only["peers"] == [] and all(s["object"] != b_dataset for s in local_only["suggestions"])
            r = c.get("/links/suggestions", params={"peers": "true"})
            assert r.status_code == 200, r.text
            body = r.json()
            status = {p["endpoint"]: p for p in body["peers"]}
            assert status[url_b + "/sparql"]["ok"] is True
            assert status[down]["ok"] is False and status[down]["status"] in ("refused", "error")
            peer_s = [s for s in body["suggestions"] if s["object"] == b_dataset]
            assert len(peer_s) == 1 and peer_s[0]["subject"] == DOI and peer_s[0]["predicate"] == SAME_AS
            acc = c.post(f"/links/suggestions/{peer_s[0]['id']}/accept", headers=auth())
            assert acc.status_code == 201, acc.text
            assert node.store.ask(f"ASK {{ <{DOI}> <{SAME_AS}> <{b_dataset}> }}")
            c.delete(f"/links/{peer_s[0]['id']}", headers=auth())
            app_a.state.links_dumps.wait()
    app_b.state.ctx.close()  # node B's SPARQL query workers
    assert node.stranger.hits == []


def test_a_hostile_iri_parameter_finds_nothing_and_changes_nothing(node: SimpleNamespace) -> None:
    before = node.store.count_quads()
    for bad in ['x> } } ; DROP ALL ; SELECT * { <x', 'https://a.example/b c', '"quoted"']:
        r = node.client.get("/links", params={"iri": bad})
        assert r.status_code == 200 and r.json()["count"] == 0, r.text
    assert node.store.count_quads() == before
