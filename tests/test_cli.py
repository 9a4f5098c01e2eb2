"""The `pangraph` command line as a user runs it: real OAI-PMH server, real on-disk store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from conftest import PANET_OWL
from oai_server import OAIServer, ServedRecord, make_datacite_records
from pangraph.cli import main

FULL_RECORD = """<resource xmlns="http://datacite.org/schema/kernel-4">
  <identifier identifierType="DOI">10.5072/CLI-Complete</identifier>
  <creators><creator><creatorName nameType="Personal">Curie, Marie</creatorName>
    <nameIdentifier nameIdentifierScheme="ORCID">0000-0002-1825-0097</nameIdentifier></creator></creators>
  <titles><title xml:lang="en">SAXS of lysozyme in crowded solutions</title></titles>
  <publisher>European Synchrotron Radiation Facility</publisher>
  <publicationYear>2024</publicationYear>
  <subjects><subject subjectScheme="PaNET" valueURI="http://purl.org/pan-science/PaNET/PaNET01188">small angle x-ray scattering</subject></subjects>
  <dates><date dateType="Issued">2024-03-01</date></dates>
  <resourceType resourceTypeGeneral="Dataset">Dataset</resourceType>
  <rightsList><rights rightsURI="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</rights></rightsList>
  <descriptions><description descriptionType="Abstract">Small-angle scattering of a protein.</description></descriptions>
</resource>"""


@pytest.fixture()
def node_dir(tmp_path: Path):  # noqa: ANN201
    server = OAIServer(records=make_datacite_records(5) + [
        ServedRecord("doi:10.5072/cli-complete", "2024-06-01T00:00:00Z", FULL_RECORD)], page_size=4)
    with server:
        cfg = tmp_path / "pangraph.toml"
        cfg.write_text(
            f'[node]\nbase = "http://cli.test"\n[paths]\ndata = "data"\n[vocab.panet]\nfile = "{PANET_OWL}"\n'
            f'[harvest]\nbackoff_s = 0.01\n[sources.demo-src]\nurl = "{server.url}"\nmetadata_prefix = "oai_datacite"\n')
        yield cfg, server


def run(cfg: Path, *args: str, input: str | None = None):  # noqa: ANN201, A002
    return CliRunner().invoke(main, ["--config", str(cfg), *args], input=input, catch_exceptions=False)


def test_harvest_then_runs_then_validate(node_dir) -> None:  # noqa: ANN001
    cfg, _ = node_dir
    r = run(cfg, "harvest", "demo-src")
    assert r.exit_code == 0, r.output
    assert "added 6" in r.output
    runs = run(cfg, "runs", "demo-src", "--json")
    assert runs.exit_code == 0
    data = json.loads(runs.output)
    assert data[0]["added"] == 6 and data[0]["status"] == "ok" and data[0]["source"] == "demo-src"
    text = run(cfg, "runs")
    assert "demo-src harvest ok" in text.output

    # the generated test records lack licence and publisher: violations, so exit 1
    v = run(cfg, "validate", "--source", "demo-src")
    assert v.exit_code == 1, v.output
    assert "6 record(s), 1 conform" in v.output and "What to fix first" in v.output
    js = json.loads(run(cfg, "validate", "--format", "json").output)
    assert js["records"] == 6 and js["conforming"] == 1 and js["by_severity"]["Violation"] > 0
    ttl = run(cfg, "validate", "--format", "turtle").output
    g = rdflib.Graph().parse(data=ttl, format="turtle")
    assert len(set(g.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationReport")))) == 6


def test_validate_exits_0_when_everything_conforms(tmp_path: Path) -> None:
    server = OAIServer(records=[ServedRecord("doi:10.5072/cli-complete", "2024-06-01T00:00:00Z", FULL_RECORD)])
    with server:
        cfg = tmp_path / "pangraph.toml"
        cfg.write_text(f'[node]\nbase = "http://cli.test"\n[paths]\ndata = "d"\n[vocab.panet]\nfile = "{PANET_OWL}"\n')
        assert run(cfg, "harvest", "--url", server.url, "one").exit_code == 0
        r = run(cfg, "validate")
    assert r.exit_code == 0, r.output
    assert "1 record(s), 1 conform" in r.output


def test_query_and_export(node_dir) -> None:  # noqa: ANN001
    cfg, _ = node_dir
    assert run(cfg, "harvest", "demo-src").exit_code == 0
    q = ("SELECT ?t WHERE { <https://doi.org/10.5072/cli-complete> <http://purl.org/dc/terms/title> ?t }")
    table = run(cfg, "query", q)
    assert table.exit_code == 0 and "SAXS of lysozyme" in table.output
    csv = run(cfg, "query", "--format", "csv", q)
    assert csv.output.splitlines()[0].strip() == "t"
    from_stdin = run(cfg, "query", "--format", "json", "-", input=q)
    assert json.loads(from_stdin.output)["results"]["bindings"][0]["t"]["value"].startswith("SAXS")
    ask = run(cfg, "query", "ASK { ?s a <http://www.w3.org/ns/dcat#Dataset> }")
    assert ask.output.strip() == "true"

    nq = run(cfg, "export", "--format", "nquads")
    ds = rdflib.Dataset()
    ds.parse(data=nq.output, format="nquads")
    graphs = {str(c.identifier) for c in ds.contexts()}
    assert "http://cli.test/graph/provenance" in graphs and "http://cli.test/graph/quality" in graphs
    assert sum(1 for g in graphs if g.startswith("http://cli.test/graph/record/demo-src/")) == 6
    out = cfg.parent / "all.jsonld"
    assert run(cfg, "export", "--format", "jsonld", "--out", str(out)).exit_code == 0
    g = rdflib.Graph().parse(out, format="json-ld")
    assert (rdflib.URIRef("https://doi.org/10.5072/cli-complete"), None, None) in g


def test_errors_exit_2_with_a_clear_message(node_dir, tmp_path: Path) -> None:  # noqa: ANN001
    cfg, _ = node_dir
    bad_query = run(cfg, "query", "SELEC ?x")
    assert bad_query.exit_code == 2 and "malformed SPARQL" in bad_query.output
    update = run(cfg, "query", "DROP ALL")
    assert update.exit_code == 2 and "read-only" in update.output
    unknown = run(cfg, "harvest", "nope")
    assert unknown.exit_code == 2 and "unknown source 'nope'" in unknown.output and "demo-src" in unknown.output
    broken = tmp_path / "broken.toml"
    broken.write_text('[node]\nbase = "not an iri"\n')
    r = CliRunner().invoke(main, ["--config", str(broken), "config"])
    assert r.exit_code == 2 and "node.base" in r.output
    typo = tmp_path / "typo.toml"
    typo.write_text('[nod]\nbase = "http://x"\n')
    r = CliRunner().invoke(main, ["--config", str(typo), "config"])
    assert r.exit_code == 2 and "unknown setting 'nod.base'" in r.output


def test_harvest_of_an_unreachable_endpoint_fails_cleanly(tmp_path: Path) -> None:
    cfg = tmp_path / "pangraph.toml"
    cfg.write_text(f'[paths]\ndata = "d"\n[vocab.panet]\nfile = "{PANET_OWL}"\n'
                   '[harvest]\nmax_retries = 1\nbackoff_s = 0.01\ntimeout_s = 1\n')
    r = run(cfg, "harvest", "--url", "http://127.0.0.1:9/oai", "gone")
    assert r.exit_code == 2
    assert "error:" in r.output
    runs = json.loads(run(cfg, "runs", "gone", "--json").output)
    assert runs[0]["status"] == "failed" and runs[0]["errors"]


def test_config_lists_every_setting(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["config", "--json"], env={"PANGRAPH_NODE_BASE": "https://pan.example.org"})
    data = json.loads(r.output)
    assert {s["name"]: s["value"] for s in data["settings"]}["node.base"] == "https://pan.example.org"


# --- the quality loop: pangraph quality, validate --profile / --format html, the trend across runs ---------

PDS = "https://w3id.org/pangraph/shapes/pan-dataset#"
DQV_NS = rdflib.Namespace("http://www.w3.org/ns/dqv#")
SH_NS = rdflib.Namespace("http://www.w3.org/ns/shacl#")
TOTAL_SCORE = rdflib.URIRef("https://w3id.org/pangraph/ns#totalScore")
# a complete record but for an impossible issue date: a Violation whose failing value is the date
BAD_DATE_RECORD = FULL_RECORD.replace("10.5072/CLI-Complete", "10.5072/CLI-BadDate").replace(
    '<date dateType="Issued">2024-03-01</date>', '<date dateType="Issued">2024-02-30</date>')


def quality_config(path: Path, url: str) -> Path:
    """A node with one source ``q`` that validates with pan-dataset only (so other profiles are ad hoc)."""
    path.write_text(
        f'[node]\nbase = "http://cli.test"\n[paths]\ndata = "data"\n[vocab.panet]\nfile = "{PANET_OWL}"\n'
        f'[validation]\nprofiles = ["pan-dataset"]\n[harvest]\nbackoff_s = 0.01\n'
        f'[sources.q]\nurl = "{url}"\nmetadata_prefix = "oai_datacite"\ntitle = "Quality test source"\n')
    return path


@pytest.fixture(scope="module")
def quality_node(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """Four records of source q: two generated ones without licence, a complete one, one with a bad date."""
    server = OAIServer(records=make_datacite_records(2) + [
        ServedRecord("doi:10.5072/cli-complete", "2024-06-01T00:00:00Z", FULL_RECORD),
        ServedRecord("doi:10.5072/cli-baddate", "2024-06-01T00:00:00Z", BAD_DATE_RECORD)])
    with server:
        cfg = quality_config(tmp_path_factory.mktemp("quality") / "pangraph.toml", server.url)
        r = run(cfg, "harvest", "q")
        assert r.exit_code == 0, r.output
        yield cfg


def exported(cfg: Path) -> rdflib.Dataset:
    """The node's graphs as rdflib reads the N-Quads export: an independent reading of what is stored."""
    ds = rdflib.Dataset()
    ds.parse(data=run(cfg, "export", "--format", "nquads").stdout, format="nquads")
    return ds


def stored_totals(ds: rdflib.Dataset, base: str = "http://cli.test") -> dict[str, float]:
    quality = ds.graph(rdflib.URIRef(f"{base}/graph/quality"))
    return {str(quality.value(m, DQV_NS.computedOn)): float(quality.value(m, DQV_NS.value))
            for m in quality.subjects(DQV_NS.isMeasurementOf, TOTAL_SCORE)}


def graphs_failing(ds: rdflib.Dataset, shape: str, base: str = "http://cli.test") -> set[str]:
    quality = ds.graph(rdflib.URIRef(f"{base}/graph/quality"))
    return {str(quality.value(r, DQV_NS.computedOn)) for r in quality.subjects(SH_NS.sourceShape, rdflib.URIRef(shape))}


def test_quality_of_a_source_as_text_json_and_html(quality_node: Path) -> None:
    cfg = quality_node
    ds = exported(cfg)
    totals = stored_totals(ds)
    assert len(totals) == 4
    mean = round(sum(totals.values()) / 4, 1)
    unlicensed = graphs_failing(ds, PDS + "Dataset-license")
    assert len(unlicensed) == 2  # the generated records

    data = json.loads(run(cfg, "quality", "q", "--format", "json").stdout)
    assert data["source"] == "q" and data["title"] == "Quality test source"
    assert (data["records"], data["conforming"], data["nonconforming"]) == (4, 1, 3)
    assert data["mean_score"] == mean
    buckets = [0] * 10
    for v in totals.values():
        buckets[min(9, int(v // 10))] += 1
    assert [b["records"] for b in data["distribution"]] == buckets
    by_shape = {f["shape"]: f for f in data["fix_first"]}
    assert by_shape[PDS + "Dataset-license"]["records"] == len(unlicensed)
    assert by_shape[PDS + "Dataset-issued"]["records"] == len(graphs_failing(ds, PDS + "Dataset-issued")) == 1
    impacts = [f["impact"] for f in data["fix_first"]]
    assert impacts == sorted(impacts, reverse=True) and impacts[0] > 0
    assert [p["validated"] for p in data["trend"]] == [4] and data["trend"][0]["nonconforming"] == 3
    assert data["trend"][0]["mean_score"] == mean and data["trend"][0]["records"] == 4
    assert data["lowest"][0]["total"] == min(totals.values())
    assert len(json.loads(run(cfg, "quality", "q", "--format", "json", "--top", "2").stdout)["fix_first"]) == 2

    text = run(cfg, "quality", "q")
    assert text.exit_code == 0, text.output
    assert "Quality of source q (Quality test source)" in text.stdout
    assert f"Score (0–100): {mean:.1f} overall" in text.stdout
    assert "Fix these first" in text.stdout and "The dataset has no licence" in text.stdout
    assert "Trend (runs, oldest first" in text.stdout and "validated 4" in text.stdout

    html = run(cfg, "quality", "q", "--format", "html")
    assert html.exit_code == 0
    page = html.stdout
    assert page.startswith("<!doctype html>") and "<style>" in page and 'rel="stylesheet"' not in page
    assert not re.findall(r'<(?:script|img|link)[^>]+(?:src|href)="https?:', page), "no external assets"
    assert '<dd id="mean-score">' + f"{mean:.1f}" in page and "The dataset has no licence" in page
    assert 'href="http://cli.test/quality/q/doi-10.5072-cli-baddate-' in page  # lowest records link the node


def test_quality_overview_and_unknown_sources(quality_node: Path) -> None:
    cfg = quality_node
    r = run(cfg, "quality")
    assert r.exit_code == 0 and re.search(r"^\s+q\s+4\s+1\s+3\s", r.stdout, re.M), r.stdout
    data = json.loads(run(cfg, "quality", "--format", "json").stdout)
    assert [s["source"] for s in data["sources"]] == ["q"] and data["sources"][0]["last_run"]["status"] == "ok"
    assert "<table id=\"quality-sources\">" in run(cfg, "quality", "--format", "html").stdout
    for args in (("quality", "nope"), ("validate", "--source", "nope")):
        r = run(cfg, *args)
        assert r.exit_code == 2, args
        assert "unknown source 'nope'" in r.output and "known sources: q" in r.output


def test_validate_html_report_shows_every_failure_with_value_and_message(quality_node: Path) -> None:
    cfg = quality_node
    ds = exported(cfg)
    r = run(cfg, "validate", "--source", "q", "--format", "html")
    assert r.exit_code == 1, r.output
    page = r.stdout
    assert page.startswith("<!doctype html>") and "<style>" in page and "http-equiv" not in page
    assert "<strong>Does not conform</strong>: 3 of 4 record(s)" in page
    quality = ds.graph(rdflib.URIRef("http://cli.test/graph/quality"))
    failing = {str(quality.value(rep, DQV_NS.computedOn)) for rep in quality.subjects(SH_NS.conforms, rdflib.Literal(False))}
    assert len(failing) == 3
    for graph in failing:
        assert f'<a href="http://cli.test/quality/q/{graph.rsplit("/", 1)[1]}">{graph}</a>' in page
    messages = {str(m) for m in quality.objects(None, SH_NS.resultMessage)}
    assert all(m.replace("'", "&#x27;") in page for m in messages)
    assert "<code>2024-02-30</code>" in page  # the value that failed
    assert page.count('<section class="record">') == len({str(quality.value(rep, DQV_NS.computedOn))
                                                           for rep in quality.subjects(SH_NS.result, None)})


def test_validate_profile_selection_reports_without_storing(quality_node: Path) -> None:
    cfg = quality_node
    before = {q for q in exported(cfg).quads((None, None, None, rdflib.URIRef("http://cli.test/graph/quality")))}

    same = run(cfg, "validate", "--source", "q", "--profile", "pan-dataset")
    assert same.exit_code == 1 and "Validation (source q): 4 record(s), 1 conform" in same.stdout

    other = run(cfg, "validate", "--source", "q", "--profile", "software")
    assert other.exit_code == 0, other.output  # no software record: nothing for the software shapes
    assert "Profiles: software 1.1.0" in other.stdout and "Records checked: 4; conforming: 4" in other.stdout
    assert "reported, not stored (software not in validation.profiles)" in other.stderr

    both = run(cfg, "validate", "--source", "q", "--profile", "pan-dataset,software", "--profile", "software",
               "--format", "json")
    assert both.exit_code == 1
    data = json.loads(both.stdout)
    assert set(data["profiles"]) == {"pan-dataset", "software"} and data["records"] == 4 and data["conforming"] == 1
    bad = next(g for g in data["reports"] if "cli-baddate" in g)
    assert any(r["value"] == '"2024-02-30"' for r in data["reports"][bad]["results"])

    ttl = run(cfg, "validate", "--profile", "software", "--format", "turtle").stdout
    assert len(set(rdflib.Graph().parse(data=ttl, format="turtle").subjects(rdflib.RDF.type, SH_NS.ValidationReport))) == 4
    html = run(cfg, "validate", "--profile", "software", "--format", "html")
    assert html.exit_code == 0 and "<strong>Conforms</strong>" in html.stdout and "not stored" in html.stdout

    after = {q for q in exported(cfg).quads((None, None, None, rdflib.URIRef("http://cli.test/graph/quality")))}
    assert after == before, "an ad-hoc profile selection must not change the stored results"

    unknown = run(cfg, "validate", "--profile", "pan-dataset,nope")
    assert unknown.exit_code == 2 and "no validation profile 'nope'" in unknown.output and "training" in unknown.output


def test_trend_shows_two_runs_after_a_harvest_that_fixes_a_record(tmp_path: Path) -> None:
    records = make_datacite_records(2)
    server = OAIServer(records=records)
    with server:
        cfg = quality_config(tmp_path / "pangraph.toml", server.url)
        assert run(cfg, "harvest", "q").exit_code == 0
        first = json.loads(run(cfg, "quality", "q", "--format", "json").stdout)
        assert first["conforming"] == 0 and len(first["trend"]) == 1
        # the facility fixes one record: licence, ORCID, description … (the complete record under its DOI)
        doi = records[0].identifier.removeprefix("doi:")
        server.update_record(records[0].identifier, metadata=FULL_RECORD.replace("10.5072/CLI-Complete", doi))
        r = run(cfg, "harvest", "q")
        assert r.exit_code == 0 and "updated 1" in r.stdout, r.output
        second = json.loads(run(cfg, "quality", "q", "--format", "json").stdout)
    trend = second["trend"]
    assert len(trend) == 2 and trend[0]["id"] < trend[1]["id"]
    assert [p["validated"] for p in trend] == [2, 1] and [p["nonconforming"] for p in trend] == [2, 0]
    assert [p["conforming"] for p in trend] == [0, 1] and [p["records"] for p in trend] == [2, 2]
    assert trend[0]["mean_score"] == first["mean_score"]
    assert trend[1]["mean_score"] == second["mean_score"] > first["mean_score"]
    totals = stored_totals(exported(cfg))
    assert second["mean_score"] == round(sum(totals.values()) / len(totals), 1)

    runs_text = run(cfg, "runs", "q").stdout
    assert f"mean score after {second['mean_score']:.1f}" in runs_text and "validated 1, 0 with violations" in runs_text
    page = run(cfg, "quality", "q", "--format", "html").stdout
    rows = re.findall(r'<td class="num mean-score">([^<]*)</td>', page)
    assert rows == [f"{first['mean_score']:.1f}", f"{second['mean_score']:.1f}"]
    assert "<polyline" in page and page.count("<circle") == 2

    # a re-validation of all sources is a point of the trend too (its own counters are not the source's)
    assert run(cfg, "validate", "--recheck").exit_code == 1
    third = json.loads(run(cfg, "quality", "q", "--format", "json").stdout)["trend"]
    assert len(third) == 3 and third[2]["kind"] == "recrosswalk" and third[2]["scope"] == "all sources"
    assert third[2]["validated"] is None and third[2]["records"] == 2
    assert third[2]["mean_score"] == second["mean_score"]
