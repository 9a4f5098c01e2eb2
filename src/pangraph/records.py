"""The artefacts handed between stages: raw records (harvest → archive → crosswalk) and
crosswalk results (crosswalk → validation → store)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pangraph.rdf import Triple


@dataclass(frozen=True)
class RawRecord:
    """One record exactly as a source delivered it.

    ``payload`` holds the bytes of the metadata (for OAI-PMH: the serialised ``<record>`` element,
    header included); ``header`` the serialised ``<header>``. ``datestamp`` is kept as given, even
    when invalid. A deleted record has ``deleted=True`` and usually no metadata.
    """

    source: str
    identifier: str
    metadata_prefix: str
    payload: bytes
    datestamp: str | None = None
    header: bytes = b""
    deleted: bool = False
    sets: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        """SHA-256 of the payload: same hash, same record (the unit of 'unchanged')."""
        return hashlib.sha256(self.payload).hexdigest()


@dataclass(frozen=True)
class Note:
    """Something the crosswalk noticed but could tolerate (a label/ID mismatch, an unknown term …)."""

    field: str
    reason: str
    severity: str = "Warning"  # Violation | Warning | Info, as in SHACL
    value: str | None = None


@dataclass
class CrosswalkResult:
    """The triples crosswalked from one raw record, its main subject and what was noticed."""

    subject: str  # IRI string of the main resource (the dataset)
    triples: list[Triple] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    kind: str = "dataset"
