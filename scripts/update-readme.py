"""Regenerate the generated parts of README.md (the settings table)."""

import re
from pathlib import Path

from pangraph.config import settings_markdown
from pangraph.queries import JOINS

readme = Path(__file__).resolve().parents[1] / "README.md"
text = readme.read_text(encoding="utf-8")
text = re.sub(r"(<!-- settings-table:start -->\n).*?(\n?<!-- settings-table:end -->)",
              lambda m: m.group(1) + settings_markdown() + "\n" + m.group(2).lstrip("\n"), text, flags=re.S)
joins = "\n\n".join(f"**{title}**\n\n```sparql\n{query.rstrip()}\n```" for title, query in JOINS)
text = re.sub(r"(<!-- join-queries:start -->\n).*?(\n?<!-- join-queries:end -->)",
              lambda m: m.group(1) + joins + "\n" + m.group(2).lstrip("\n"), text, flags=re.S)
readme.write_text(text, encoding="utf-8")
