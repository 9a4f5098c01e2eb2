"""Where the project's data folders (``shapes/``, ``mappings/``, ``ontologies/``) and the packaged
demo data live."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def project_dir(name: str) -> Path:
    """The project folder *name* (``shapes``, ``mappings``, ``ontologies``).

    ``PANGRAPH_HOME`` points to a checkout; otherwise the checkout this package was installed from
    (the project installs in editable mode) is used.
    """
    home = os.environ.get("PANGRAPH_HOME")
    candidates = [Path(home) / name] if home else []
    candidates.append(_PACKAGE.parents[1] / name)  # src/pangraph -> repository root
    for c in candidates:
        if c.is_dir():
            return c
    raise FileNotFoundError(f"project folder {name!r} not found (looked in {', '.join(map(str, candidates))}); "
                            "set PANGRAPH_HOME to the pangraph checkout")


def package_data(*parts: str) -> Path:
    """A file or folder shipped inside the package (``pangraph/demo/...``)."""
    return _PACKAGE.joinpath(*parts)
