"""The README stays true: every CLI command, every setting and the example queries are documented."""

from __future__ import annotations

import re

from pangraph.cli import main
from pangraph.config import SETTINGS, settings_markdown
from pangraph.queries import SMALL_ANGLE_SCATTERING

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_readme() -> None:
    missing = [name for name in main.commands if f"pangraph {name}" not in README]
    assert not missing, f"CLI commands missing from README.md: {missing}"


def test_settings_table_in_readme_is_current() -> None:
    m = re.search(r"<!-- settings-table:start -->\n(.*?)\n<!-- settings-table:end -->", README, re.S)
    assert m, "README.md lost its settings-table markers"
    assert m.group(1).strip() == settings_markdown().strip(), (
        "README settings table is stale: regenerate with "
        "`python -c 'from pangraph.config import settings_markdown; print(settings_markdown())'`"
    )
    for s in SETTINGS:
        assert s.env in README


def test_worked_example_query_file_matches_the_code() -> None:
    assert (REPO / "docs" / "examples" / "small-angle-scattering.rq").read_text() == SMALL_ANGLE_SCATTERING


def test_join_queries_in_readme_are_current() -> None:
    from pangraph.queries import JOINS

    m = re.search(r"<!-- join-queries:start -->\n(.*?)\n<!-- join-queries:end -->", README, re.S)
    assert m, "README.md lost its join-queries markers"
    for _, query in JOINS:
        assert query.rstrip() in m.group(1), "README join queries are stale: run scripts/update-readme.py"


def test_quality_queries_in_readme_are_current() -> None:
    from pangraph.queries import QUALITY

    m = re.search(r"<!-- quality-queries:start -->\n(.*?)\n<!-- quality-queries:end -->", README, re.S)
    assert m, "README.md lost its quality-queries markers"
    for title, query in QUALITY:
        assert f"**{title}**" in m.group(1) and query.rstrip() in m.group(1), \
            "README quality queries are stale: run scripts/update-readme.py"


def test_quality_routes_are_in_the_readme() -> None:
    for route in ("`GET /quality`", "`GET /quality/{source}`", "`GET /quality/{source}/{key}`"):
        assert route in README, route
