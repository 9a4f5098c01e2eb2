"""Regenerate the generated parts of README.md: the settings table, the join queries and the quality queries."""

import re
from pathlib import Path

from pangraph.config import settings_markdown
from pangraph.queries import JOINS, QUALITY

readme = Path(__file__).resolve().parents[1] / "README.md"
text = readme.read_text(encoding="utf-8")
text = re.sub(r"(<!-- settings-table:start -->\n).*?(\n?<!-- settings-table:end -->)",
              lambda m: m.group(1) + settings_markdown() + "\n" + m.group(2).lstrip("\n"), text, flags=re.S)
for marker, queries in (("join-queries", JOINS), ("quality-queries", QUALITY)):
    section = "\n\n".join(f"**{title}**\n\n```sparql\n{query.rstrip()}\n```" for title, query in queries)
    text, n = re.subn(rf"(<!-- {marker}:start -->\n).*?(\n?<!-- {marker}:end -->)",
                      lambda m: m.group(1) + section + "\n" + m.group(2).lstrip("\n"), text, flags=re.S)
    if n != 1:
        raise SystemExit(f"README.md: the <!-- {marker}:start --> / <!-- {marker}:end --> markers are missing")
readme.write_text(text, encoding="utf-8")
