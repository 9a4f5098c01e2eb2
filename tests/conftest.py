"""Shared fixtures. Third-party sample data is read from ../shared (never copied here)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
SHARED_SPECS = SHARED / "specs"
PANET_OWL = SHARED_DATA / "panet" / "PaNET.owl"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"../shared/data not found at {SHARED_DATA}: tests need the shared sample data beside the repository")
    return SHARED_DATA


@pytest.fixture(scope="session")
def panet_owl(shared_data: Path) -> Path:
    return PANET_OWL
