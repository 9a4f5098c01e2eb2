"""Golden tests of the crosswalk: each folder in tests/fixtures/crosswalk/ holds an ``input.xml``
in a real catalogue format and the ``expected.ttl`` graph it must give (compared as graphs).

Regenerate the expected graphs on purpose with ``PANGRAPH_REGENERATE_GOLDEN=1 pytest
tests/test_crosswalk_golden.py`` and review the diff before committing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from pangraph.crosswalk import CrosswalkContext, crosswalk_record
from pangraph.rdf import PREFIXES, ntriples
from pangraph.records import RawRecord

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crosswalk"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "input.xml").is_file())
REGENERATE = os.environ.get("PANGRAPH_REGENERATE_GOLDEN") == "1"


def fixture_record(case: str) -> RawRecord:
    return RawRecord(source="fixture", identifier=case, metadata_prefix="oai_datacite",
                     payload=(FIXTURES / case / "input.xml").read_bytes())


def as_graph(nt: str) -> Graph:
    g = Graph()
    g.parse(data=nt, format="nt")
    return g


def readable_diff(expected: Graph, actual: Graph) -> str:
    _, only_expected, only_actual = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = ["only in expected.ttl:"]
    lines += sorted("  - " + " ".join(t.n3() for t in triple) for triple in only_expected)
    lines += ["only in the crosswalk output:"]
    lines += sorted("  + " + " ".join(t.n3() for t in triple) for triple in only_actual)
    return "\n".join(lines)


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 5


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, ctx: CrosswalkContext) -> None:
    result = crosswalk_record(fixture_record(case), ctx=ctx)
    actual = as_graph(ntriples(result.triples))
    expected_path = FIXTURES / case / "expected.ttl"
    if REGENERATE:
        for prefix, ns in PREFIXES.items():
            actual.bind(prefix, ns, override=True, replace=True)
        expected_path.write_text(actual.serialize(format="turtle"), encoding="utf-8")
    assert expected_path.is_file(), f"{expected_path} missing: run with PANGRAPH_REGENERATE_GOLDEN=1 and review it"
    expected = Graph()
    expected.parse(expected_path, format="turtle")
    assert isomorphic(expected, actual), f"{case}: graphs differ\n{readable_diff(expected, actual)}"


@pytest.fixture(scope="module")
def ctx(panet_owl: Path) -> CrosswalkContext:
    from pangraph.crosswalk import load_mappings
    from pangraph.vocab import TechniqueIndex

    return CrosswalkContext(base="https://pangraph.example.org", source="fixture",
                            techniques=TechniqueIndex.from_file(panet_owl), mappings=load_mappings())
