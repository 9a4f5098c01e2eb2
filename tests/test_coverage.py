"""`pangraph coverage`: mapped fields, fields the source sent that no mapping reads, and fields the
mapping expects that the source did not send."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import PANET_OWL
from oai_server import OAIServer, make_datacite_records
from pangraph.cli import main
from pangraph.coverage import coverage
from pangraph.crosswalk import load_mappings
from pangraph.records import RawRecord


def test_unmapped_and_absent_fields_are_told_apart(shared_data: Path) -> None:
    full = (shared_data / "datacite" / "kernel-4.7-examples" / "datacite-example-full-v4.xml").read_bytes()
    minimal = (b'<resource xmlns="http://datacite.org/schema/kernel-4"><identifier identifierType="DOI">10.5072/m'
               b'</identifier><titles><title>Minimal</title></titles><publisher>P</publisher>'
               b'<publicationYear>2020</publicationYear><relatedItems><relatedItem relationType="IsPartOf" '
               b'relatedItemType="Journal"><titles><title>J</title></titles></relatedItem></relatedItems></resource>')
    records = [RawRecord("s", "full", "datacite", full), RawRecord("s", "min", "datacite", minimal),
               RawRecord("s", "broken", "datacite", b"<resource><unclosed></resource>")]
    report = coverage(records, source="s", mappings=load_mappings()).as_dict()
    (fmt,) = report["formats"]
    assert fmt["format"] == "datacite" and fmt["records"] == 2
    # relatedItems (kernel 4.4+) is not mapped: the curator sees our mapping drops it
    assert fmt["present_not_mapped"]["relatedItems/relatedItem/titles/title"] == 2
    assert "titles/title" in fmt["mapped"] and "creators/creator/creatorName" in fmt["mapped"]
    # the minimal record has no creators: the source did not send them
    absent = {k.split(" ", 1)[1]: v["absent_in"] for k, v in fmt["expected_absent"].items()}
    assert absent["creators/creator"] == 1
    assert report["unreadable"][0]["identifier"] == "broken"


def test_coverage_command(tmp_path: Path) -> None:
    with OAIServer(records=make_datacite_records(3), page_size=10) as server:
        cfg = tmp_path / "pangraph.toml"
        cfg.write_text(f'[paths]\ndata = "d"\n[vocab.panet]\nfile = "{PANET_OWL}"\n[sources.s]\nurl = "{server.url}"\n')
        runner = CliRunner()
        assert runner.invoke(main, ["--config", str(cfg), "harvest", "s"]).exit_code == 0
        text = runner.invoke(main, ["--config", str(cfg), "coverage", "s"])
        data = json.loads(runner.invoke(main, ["--config", str(cfg), "coverage", "s", "--format", "json"]).output)
        unknown = runner.invoke(main, ["--config", str(cfg), "coverage", "nope"])
    assert text.exit_code == 0 and "format datacite: 3 record(s)" in text.output
    assert "expected by the mapping but absent" in text.output
    assert data["formats"][0]["records"] == 3
    assert unknown.exit_code != 0 and "no archived records of source 'nope'" in unknown.output
