"""The `pangraph` command line as a user runs it: real OAI-PMH server, real on-disk store."""

from __future__ import annotations

import json
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
