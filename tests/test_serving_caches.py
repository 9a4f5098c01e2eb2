"""What the pages keep between requests to stay fast at 600k datasets, and that it never outlives a write:
the linked-resource facts (:mod:`pangraph.api.refcache`), the start page kept and renewed in the background and
the per-generation memo of technique pages (:mod:`pangraph.api.warm`)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from pangraph import iri as iris
from pangraph.api import create_app
from pangraph.api.refcache import STATEMENT_ROWS, RefFacts, ref_facts
from pangraph.api.warm import GenerationMemo, kept, memo, warm_up_pages
from pangraph.rdf import FOAF, literal, iri as iri_term, nquads, ntriples
from pangraph.store.oxigraph import OxigraphStore
from test_api_support import XRD, ListArchive, loaded_store, make_config, record_quads

BASE = "http://127.0.0.1:8000"
DOI = "https://doi.org/10.5291/ill-data.1-01-1"
PERSON = iris.mint(BASE, "person", "ill", "doe-jane-r3")
NAME = FOAF.raw("name")
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture()
def store() -> OxigraphStore:
    return loaded_store(BASE)


@pytest.fixture()
def client(tmp_path: Path, store: OxigraphStore) -> TestClient:
    return TestClient(create_app(make_config(tmp_path), store=store, archive=ListArchive([])))


def rename(store: OxigraphStore, old: str, new: str) -> None:
    graph = iris.record_graph(BASE, "ill", "r3")
    store.change_graph(graph, delete=ntriples([(iri_term(PERSON), FOAF.name, literal(old))]),
                       insert=ntriples([(iri_term(PERSON), FOAF.name, literal(new))]))


# -- linked-resource facts -----------------------------------------------------------------------------------

def test_facts_are_read_once_per_generation_and_renewed_after_a_write(store: OxigraphStore) -> None:
    cache = RefFacts()
    facts = cache.get(store, [PERSON, XRD, "https://example.org/unknown"], (NAME,))
    assert [label["value"] for _, label in facts[PERSON].labels] == ["Jane Doe (r3)"]
    assert facts[PERSON].described and facts[XRD].described  # XRD: typed in the ontology graph, no foaf:name
    assert facts[XRD].labels == () and not facts["https://example.org/unknown"].described
    cache.get(store, [PERSON], (NAME,))
    assert (cache.hits, cache.misses) == (1, 3)
    rename(store, "Jane Doe (r3)", "Jane Roe")
    after = cache.get(store, [PERSON], (NAME,))
    assert [label["value"] for _, label in after[PERSON].labels] == ["Jane Roe"]
    assert cache.misses == 4  # read again: the store's generation changed


def test_facts_of_a_resource_every_record_names(tmp_path: Path) -> None:
    """A facility whose name every record states again: more statements than one read takes, so its label
    predicates are read one by one with a row limit; the name comes once."""
    store = OxigraphStore(None)
    facility = BASE + "/id/organization/x/facility"
    t = iri_term(facility)
    store.bulk_load("".join(
        nquads([(t, FOAF.name, literal("Big Facility")), (t, FOAF.name, literal("Big Facility", lang="en"))],
               iris.record_graph(BASE, "x", f"r{i}")) for i in range(STATEMENT_ROWS)).encode())
    assert store.count_quads() == 2 * STATEMENT_ROWS
    facts = RefFacts().get(store, [facility], (NAME, RDFS_LABEL))
    got = [(p, label["value"], label.get("xml:lang") or "") for p, label in facts[facility].labels]
    assert sorted(got) == [(NAME, "Big Facility", ""), (NAME, "Big Facility", "en")]  # in store order
    assert facts[facility].described


def test_the_cache_lives_on_its_store(store: OxigraphStore) -> None:
    assert ref_facts(store) is ref_facts(store)
    assert ref_facts(store) is not ref_facts(loaded_store(BASE))


def test_dataset_page_shows_a_renamed_creator_at_once(client: TestClient, store: OxigraphStore) -> None:
    for fmt in ("html", "ttl"):
        assert "Jane Doe (r3)" in client.get("/describe", params={"iri": DOI, "format": fmt}).text
    rename(store, "Jane Doe (r3)", "Jane Roe")
    for fmt in ("html", "ttl"):
        text = client.get("/describe", params={"iri": DOI, "format": fmt}).text
        assert "Jane Roe" in text and "Jane Doe (r3)" not in text


def test_dataset_page_instrument_names_follow_writes(client: TestClient, store: OxigraphStore) -> None:
    from pangraph.rdf import PROV, RDFS

    graph = iris.record_graph(BASE, "ill", "r3")
    act, inst = iri_term(BASE + "/id/proposal/ill/p1"), iri_term(BASE + "/id/instrument/ill/d50")
    store.change_graph(graph, insert=ntriples([(iri_term(DOI), PROV.wasGeneratedBy, act), (act, PROV.used, inst),
                                               (inst, RDFS.label, literal("D50"))]))
    assert "D50" in client.get("/describe", params={"iri": DOI, "format": "html"}).text
    store.change_graph(graph, delete=ntriples([(inst, RDFS.label, literal("D50"))]),
                       insert=ntriples([(inst, RDFS.label, literal("D50 small-angle"))]))
    assert "D50 small-angle" in client.get("/describe", params={"iri": DOI, "format": "html"}).text


# -- kept pages ------------------------------------------------------------------------------------------------

def test_kept_recomputes_for_a_new_key_and_renews_in_the_background() -> None:
    state = SimpleNamespace()
    calls: list[int] = []
    release = threading.Event()

    def compute() -> int:
        calls.append(1)
        if len(calls) == 3:
            release.wait(5)  # the background renewal: hold it to see the kept value served meanwhile
        return len(calls)

    assert kept(state, "x", compute, key=1, ttl=60) == 1
    assert kept(state, "x", compute, key=1, ttl=60) == 1 and len(calls) == 1
    assert kept(state, "x", compute, key=2, ttl=60) == 2  # the store changed: computed now
    state.x = (2, time.monotonic() - 120, 2)  # grown old
    assert kept(state, "x", compute, key=2, ttl=60) == 2  # the kept value, renewal started
    assert kept(state, "x", compute, key=2, ttl=60) == 2 and len(calls) == 3  # one renewal at a time
    release.set()
    deadline = time.monotonic() + 5
    while state.x[2] != 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert kept(state, "x", compute, key=2, ttl=60) == 3
    assert kept(state, "x", compute, key=3, ttl=0) == 4 and kept(state, "x", compute, key=3, ttl=0) == 5


def test_start_page_is_computed_at_start_and_follows_writes(tmp_path: Path, store: OxigraphStore) -> None:
    app = create_app(make_config(tmp_path), store=store, archive=ListArchive([]))
    warm_up_pages(app, background=False)
    assert app.state.landing_cache[2]["store"]["datasets"] == 3
    client = TestClient(app)
    first = app.state.landing_cache
    assert client.get("/", headers={"Accept": "application/json"}).json()["store"]["datasets"] == 3
    assert app.state.landing_cache is first  # served from what the warm-up computed
    store.bulk_load(record_quads(BASE, "esrf", "rec-9", technique=XRD).encode(), format="application/n-quads")
    assert client.get("/", headers={"Accept": "application/json"}).json()["store"]["datasets"] == 4


def test_warm_up_in_the_background_reports_nothing_when_it_fails(tmp_path: Path) -> None:
    class Broken(OxigraphStore):
        def select(self, sparql: str):  # noqa: ANN201
            raise RuntimeError("store unreadable")

    app = create_app(make_config(tmp_path), store=Broken(None), archive=ListArchive([]))
    thread = warm_up_pages(app)
    assert thread is not None
    thread.join(10)
    assert getattr(app.state, "landing_cache", None) is None


# -- technique pages -----------------------------------------------------------------------------------------

def test_memo_is_emptied_by_a_write(store: OxigraphStore) -> None:
    m = GenerationMemo()
    n = iter(range(100))
    assert m.get(store, "k", lambda: next(n)) == 0
    assert m.get(store, "k", lambda: next(n)) == 0
    store.bulk_load(record_quads(BASE, "esrf", "rec-9").encode(), format="application/n-quads")
    assert m.get(store, "k", lambda: next(n)) == 1
    assert memo(store, "a") is memo(store, "a") and memo(store, "a") is not memo(store, "b")
    small = GenerationMemo(max_entries=2)
    for k in "abc":
        small.get(store, k, lambda: k)
    assert small.get(store, "a", lambda: "again") == "again"  # the least recently used went out


def test_technique_page_counts_follow_writes(client: TestClient, store: OxigraphStore) -> None:
    tid = XRD.rsplit("/", 1)[-1]

    def count() -> int:
        r = client.get(f"/technique/{tid}", headers={"Accept": "application/json"})
        assert r.status_code == 200
        return r.json()["datasets"]["count"]

    assert count() == 2
    store.bulk_load(record_quads(BASE, "esrf", "rec-9", technique=XRD).encode(), format="application/n-quads")
    assert count() == 3


def test_nothing_is_kept_longer_than_its_age_limit(store: OxigraphStore) -> None:
    """A remote store can be written by other processes: kept answers expire even without a write here."""
    cache = RefFacts(max_age_s=0.05)
    cache.get(store, [PERSON], (NAME,))
    cache.get(store, [PERSON], (NAME,))
    assert (cache.hits, cache.misses) == (1, 1)
    time.sleep(0.1)
    cache.get(store, [PERSON], (NAME,))
    assert cache.misses == 2
    m = GenerationMemo(max_age_s=0.05)
    n = iter(range(10))
    assert m.get(store, "k", lambda: next(n)) == 0 and m.get(store, "k", lambda: next(n)) == 0
    time.sleep(0.1)
    assert m.get(store, "k", lambda: next(n)) == 1
