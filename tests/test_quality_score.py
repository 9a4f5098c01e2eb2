"""Quality scores (pangraph.quality_score): the documented method, per-record scores, the dqv measurements
for the quality graph, and per-source scores and "fix these first" read back from a real Oxigraph store."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import rdflib

from pangraph import iri as ids
from pangraph.api.validation import ValidationService
from pangraph.crosswalk import crosswalk_record
from pangraph.errors import ConfigError
from pangraph.quality_score import (
    BUCKETS, load_dimensions, rank_failures, report_failures, score_ntriples, score_record, source_scores,
)
from pangraph.rdf import ntriples
from pangraph.records import RawRecord
from pangraph.store import GraphWrite
from pangraph.store.oxigraph import OxigraphStore
from pangraph.validate import Report, Result, load_profiles, quality_ntriples
from test_api_support import make_config

BASE = "http://127.0.0.1:8000"
DQV = rdflib.Namespace("http://www.w3.org/ns/dqv#")
PDS = "https://w3id.org/pangraph/shapes/pan-dataset#"
DCT = "http://purl.org/dc/terms/"
DIMENSIONS = ("findability", "accessibility", "interoperability", "reusability", "contextuality")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> ValidationService:
    return ValidationService(make_config(tmp_path_factory.mktemp("q"), base=BASE))


def crosswalk(service: ValidationService, source: str, path: Path, fmt: str = "") -> tuple[str, str, Report]:
    """(record graph, N-Triples, report) of one shared sample, as the pipeline makes them."""
    rec = RawRecord(source=source, identifier=path.stem, metadata_prefix=fmt, payload=path.read_bytes())
    graph = ids.record_graph(BASE, source, ids.local_key(rec.identifier))
    nt = ntriples(crosswalk_record(rec, ctx=service.crosswalk_context(source)).triples)
    return graph, nt, service.validator(service.default_profiles).validate({graph: nt})[graph]


def test_method_names_five_dimensions_and_only_existing_shapes():
    dims = load_dimensions()
    assert tuple(d.name for d in dims.dimensions) == DIMENSIONS
    shapes = set()
    for p in load_profiles(["pan-dataset", "training", "software"]):
        shapes |= {str(s) for s in p.shapes.subjects(rdflib.URIRef("http://www.w3.org/ns/shacl#severity"), None)}
    named = {s for d in dims.dimensions for i in d.indicators for s in i.shapes}
    assert named and named <= shapes, sorted(named - shapes)


@pytest.mark.parametrize("text, message", [
    ('version = "1"\n[dimensions.f]\n[[dimensions.f.indicators]]\nname = "t"\nproperties = ["dct:title"]\nweight = 0\n',
     "weight"),
    ('version = "1"\n[dimensions.f]\n[[dimensions.f.indicators]]\nname = "t"\nproperties = ["nope:title"]\nweight = 1\n',
     "known prefix"),
    ('version = "1"\n[dimensions.f]\n[[dimensions.f.indicators]]\nname = "t"\nproperties = ["dct:title"]\n'
     'shapes = ["Dataset-title"]\nweight = 1\n', "profile#local-name"),
    ('[dimensions.f]\n', "version"),
])
def test_broken_method_files_are_refused(tmp_path, text, message):
    p = tmp_path / "q.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_dimensions(p)


def test_datacite_record_scores_follow_the_documented_weights(service, shared_data):
    _, nt, report = crosswalk(service, "esrf", shared_data / "datacite" / "esrf-ESRF-DC-2493599001.xml")
    score = score_record(report, nt)
    dims = {d.name: d for d in load_dimensions().dimensions}
    for name in DIMENSIONS:
        weights = {i.name: i.weight for i in dims[name].indicators}
        earned = sum(weights[n] for n in score.earned[name])
        applicable = earned + sum(weights[n] for n in score.missed[name])
        assert score.dimensions[name] == round(100 * earned / applicable, 1)
    # the ESRF record has a title but no technique and no contact point (the validator's Warnings)
    assert "title" in score.earned["findability"] and "technique or topic" in score.missed["findability"]
    assert "contact point" in score.missed["reusability"]
    assert 0 < score.total < 100


def test_a_failing_shape_cancels_an_indicator_even_when_the_property_is_stated():
    nt = (f'<http://x/d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .\n'
          f'<http://x/d> <{DCT}issued> "2021-13-45" .\n<http://x/d> <{DCT}title> "T" .\n')
    clean = score_record(Report.of([], profiles={}), nt)
    assert "typed publication date" in clean.earned["interoperability"]
    bad = Result(focus="http://x/d", path=DCT + "issued", component="http://www.w3.org/ns/shacl#DatatypeConstraintComponent",
                 severity="Violation", message="bad date", source_shape=PDS + "Dataset-issued")
    failed = score_record(Report.of([bad], profiles={}), nt)
    assert "typed publication date" in failed.missed["interoperability"]
    assert failed.dimensions["interoperability"] < clean.dimensions["interoperability"]
    assert failed.total < clean.total


def test_indicators_with_types_apply_only_to_records_of_those_types(service, shared_data):
    _, nt, report = crosswalk(service, "sw", shared_data / "software" / "codemeta_codemeta" / "codemeta.json",
                              "codemeta")
    score = score_record(report, nt)
    everything = score.earned["accessibility"] + score.missed["accessibility"]
    assert "distribution" not in everything and "landing page or URL" in everything
    assert "byte size" not in score.earned["contextuality"] + score.missed["contextuality"]


def test_score_ntriples_are_dqv_measurements_of_the_record_graph(service, shared_data):
    graph, nt, report = crosswalk(service, "esrf", shared_data / "datacite" / "esrf-ESRF-DC-2493599001.xml")
    text = score_ntriples(graph, report, nt, generated_at="2024-01-02T03:04:05Z")
    g = rdflib.Graph().parse(data=text, format="nt")
    score = score_record(report, nt)
    measurements = set(g.subjects(rdflib.RDF.type, DQV.QualityMeasurement))
    assert len(measurements) == len(DIMENSIONS) + 1
    seen = {}
    for m in measurements:
        assert g.value(m, DQV.computedOn) == rdflib.URIRef(graph)
        value = g.value(m, DQV.value)
        assert value.datatype == rdflib.XSD.decimal
        seen[str(g.value(m, DQV.isMeasurementOf)).rsplit("#", 1)[1]] = float(value)
    assert seen == {**{f"{d}Score": score.dimensions[d] for d in DIMENSIONS}, "totalScore": score.total}


def test_rank_failures_orders_by_records_times_cost():
    counts = [(PDS + "Dataset-title", "Violation", "no title", DCT + "title", 2),
              (PDS + "Dataset-license", "Violation", "no licence", DCT + "license", 3),
              (PDS + "Dataset-landingPage", "Info", "no landing page", "http://www.w3.org/ns/dcat#landingPage", 3),
              ("https://example.org/unscored", "Violation", "other", None, 50)]
    ranked = rank_failures(counts)
    # title 30 → 6 points/record, licence 40 → 8, landing page 50 → 10 (of 500 weight in total)
    assert [f.message for f in ranked] == ["no landing page", "no licence", "no title", "other"]
    assert [f.cost for f in ranked] == [10.0, 8.0, 6.0, 0.0]
    assert ranked[0].impact == 30.0 and ranked[-1].impact == 0.0


def test_source_scores_read_back_from_the_store_and_replace_on_revalidation(service, shared_data):
    store = OxigraphStore(None)
    node = SimpleNamespace(store=store, quality_graph=ids.quality_graph(BASE),
                           provenance_graph=ids.provenance_graph(BASE))
    samples = {
        "esrf": [(shared_data / "datacite" / "esrf-ESRF-DC-2493599001.xml", ""),
                 (shared_data / "datacite" / "esrf-ESRF-ES-2210534378.xml", ""),
                 (shared_data / "oai-pmh" / "datacite-viringo" / "oai_getrecord_dc.xml", "")],
        "sw": [(shared_data / "software" / "codemeta_codemeta" / "codemeta.json", "codemeta")],
    }
    records = {}
    writes = []
    for source, items in samples.items():
        for path, fmt in items:
            graph, nt, report = crosswalk(service, source, path, fmt)
            records[graph] = (source, nt, report)
            prov = f'<{graph}> <{DCT}source> "{source}" .\n'
            writes.append(GraphWrite(graph, nt, prov, quality_ntriples(graph, report) + score_ntriples(graph, report, nt)))
    store.apply(writes, provenance_graph=node.provenance_graph, quality_graph=node.quality_graph)

    esrf = source_scores(node, "esrf", top=None)
    mine = {g: score_record(r, nt) for g, (s, nt, r) in records.items() if s == "esrf"}
    assert esrf.records == 3
    for d in DIMENSIONS:
        assert esrf.mean[d] == pytest.approx(sum(s.dimensions[d] for s in mine.values()) / 3, abs=0.051)
        assert sum(esrf.distribution[d]) == 3 and len(esrf.distribution[d]) == BUCKETS
    assert esrf.mean["total"] == pytest.approx(sum(s.total for s in mine.values()) / 3, abs=0.051)

    # the fix-first list matches the in-memory reports: same failures, same records affected, same ranking
    expected = rank_failures(report_failures({g: r for g, (s, _, r) in records.items() if s == "esrf"}))
    assert [(f.shape, f.severity, f.records, f.cost) for f in esrf.fix_first] == \
           [(f.shape, f.severity, f.records, f.cost) for f in expected]
    impacts = [f.impact for f in esrf.fix_first]
    assert impacts == sorted(impacts, reverse=True) and impacts[0] > 0

    assert source_scores(node, "sw").records == 1
    assert source_scores(node, None).records == 4

    # re-validation replaces the measurements (dqv:computedOn): a record with no results scores higher
    graph, (source, nt, report) = next((g, v) for g, v in records.items() if v[0] == "esrf")
    clean = Report.of([], profiles=report.profiles)
    store.apply([GraphWrite(graph, nt, f'<{graph}> <{DCT}source> "esrf" .\n',
                            quality_ntriples(graph, clean) + score_ntriples(graph, clean, nt))],
                provenance_graph=node.provenance_graph, quality_graph=node.quality_graph)
    again = source_scores(node, "esrf", top=None)
    assert again.records == 3 and sum(again.distribution["total"]) == 3
    assert again.mean["total"] >= esrf.mean["total"]
    assert all(f.records <= e.records for f in again.fix_first for e in esrf.fix_first if e.shape == f.shape)
    store.close()
