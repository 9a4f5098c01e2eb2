"""The demo node that `make run` serves: built offline from the sources shipped in the package,
reused on the second run, and every IRI it mints dereferences on it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pangraph.api import create_app
from pangraph.demo import build_demo, demo_config, demo_sources, example_queries
from pangraph.queries import (A_PERSON_ACROSS_SOURCES, DATASETS_LINKED_TO_STRUCTURES_AND_PUBLICATIONS,
                               DATASETS_PER_FACILITY_AND_YEAR, ONE_IDENTIFIER_SEVERAL_SOURCES,
                               SMALL_ANGLE_SCATTERING, TRAINING_AND_SOFTWARE_FOR_A_DATASET)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    data_dir = tmp_path_factory.mktemp("demo")
    config = demo_config(data_dir=data_dir, port=8765)
    node, report = build_demo(config)
    yield config, node, report
    node.close()


def test_demo_sources_cover_every_kind_of_record() -> None:
    sources = demo_sources()
    assert {s.kind for s in sources} == {"oai-pmh-pages", "datacite-files", "files"}
    assert {"oai_datacite", "oai_dc", "datacite"} <= {s.metadata_prefix for s in sources}
    # catalogue APIs, training and software are in the demo too (issue 3)
    assert {"panosc-db", "scicat-json", "tess-json-api", "bioschemas-jsonld", "software-list"} <= \
        {s.format for s in sources}


def test_demo_build_loads_validates_and_says_so(demo) -> None:  # noqa: ANN001
    config, node, report = demo
    graphs = [g for g in node.store.named_graphs() if g.startswith(config.base + "/graph/record/")]
    catalogue = [g for g in graphs if any(f"/graph/record/{s}/" in g for s in ("esrf-oai", "ill-oai-dc", "datacite-xml"))]
    assert len(catalogue) == 64  # 65 generated records, one of them a deleted header
    live = sum(1 for s in demo_sources() for r in node.archive.iter_records(s.name) if r.status == "loaded")
    assert len(graphs) == live > 100, "every loaded demo record has its graph"
    for kind, cls in (("training", "LearningResource"), ("software", "SoftwareSourceCode")):
        assert node.store.ask(f"ASK {{ ?x a <http://schema.org/{cls}> }}"), kind
    assert "PaNET" in report and "offline fallback" in report, "the demo says which PaNET it uses"
    assert "Validation (all sources):" in report
    facilities = node.store.select(
        "SELECT (COUNT(DISTINCT ?n) AS ?c) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> ; "
        "<http://purl.org/dc/terms/publisher> ?p . ?p <http://xmlns.com/foaf/0.1/name> ?n }")
    assert int(facilities[0]["c"]) >= 6


def test_second_build_reuses_the_store(demo) -> None:  # noqa: ANN001
    config, node, _ = demo
    node.close()
    started = time.monotonic()
    again, report = build_demo(config)
    try:
        assert "Reusing the demo store" in report
        assert time.monotonic() - started < 10
        assert len([g for g in again.store.named_graphs() if "/graph/record/" in g]) > 100
    finally:
        again.close()


def test_example_queries_all_answer_on_the_demo(tmp_path: Path) -> None:
    config = demo_config(data_dir=tmp_path, port=8766)
    node, _ = build_demo(config)
    with node:
        for title, query in example_queries():
            rows = node.store.select(query)
            assert rows, f"example query {title!r} returned nothing on the demo"
        sas = node.store.select(SMALL_ANGLE_SCATTERING)
        assert len({r["facility"] for r in sas}) >= 5
        assert {r["techniqueLabel"] for r in sas} >= {"small angle x-ray scattering", "small angle neutron scattering"}
        assert len({(r["dataset"], r["title"], r["techniqueLabel"], r["facility"]) for r in sas}) == len(sas), \
            "DISTINCT rows"


def test_every_minted_iri_and_record_graph_dereferences(demo) -> None:  # noqa: ANN001
    config, node, _ = demo
    if not hasattr(node, "_store") or node._store is None:  # closed by an earlier test: reopen
        from pangraph.pipeline import Node

        node = Node(config)
    base = config.base
    minted = [r["s"] for r in node.store.select(
        f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), '{base}/id/')) }}")]
    graphs = [g for g in node.store.named_graphs() if g.startswith(base)]
    assert len(minted) > 100
    client = TestClient(create_app(config, store=node.store, archive=node.archive, node_info=node.info))
    for iri in minted + graphs:
        r = client.get(iri[len(base):], headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and r.headers["vary"].lower().find("accept") >= 0, (iri, r.status_code)
        assert r.text.strip(), iri
    landing = client.get("/", headers={"Accept": "application/json"})
    assert landing.status_code == 200
    body = json.dumps(landing.json())
    assert "esrf-oai" in body and "datacite-xml" in body
    node.close()


def test_the_graph_joins_datasets_training_software_and_people(demo) -> None:  # noqa: ANN001
    config, node, _ = demo
    if node._store is None:  # closed by an earlier test: reopen
        from pangraph.pipeline import Node

        node = Node(config)
    select = node.store.select
    for_dataset = select(TRAINING_AND_SOFTWARE_FOR_A_DATASET)
    assert {r["kind"] for r in for_dataset} == {"training", "software"}
    assert {"pyFAI", "SasView"} <= {r["name"] for r in for_dataset}
    assert {"same technique", "narrower technique"} <= {r["relation"] for r in for_dataset}

    per_year = select(DATASETS_PER_FACILITY_AND_YEAR)
    assert len({r["facility"] for r in per_year}) >= 4 and all(r["year"].isdigit() for r in per_year)

    person = select(A_PERSON_ACROSS_SOURCES)
    assert {"dataset", "proposal", "publication", "training"} <= {r["kind"] for r in person}

    links = select(DATASETS_LINKED_TO_STRUCTURES_AND_PUBLICATIONS)
    assert {"PDB", "publication (DOI)"} <= {r["targetKind"] for r in links}

    several = select(ONE_IDENTIFIER_SEVERAL_SOURCES)
    titles = {}
    for r in several:
        titles.setdefault(r["resource"], {})[r["source"]] = r["title"]
    lysozyme = titles["https://doi.org/10.15151/esrf-dc-1548271939"]
    assert set(lysozyme) == {"esrf-oai", "datacite-rest"}
    assert lysozyme["esrf-oai"] != lysozyme["datacite-rest"], "the disagreement stays visible"
    node.close()
