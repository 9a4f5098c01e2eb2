"""One error family for pangraph, with structured context and a retry policy on the type.

Non-conformance of data is a *result* (see :mod:`pangraph.validate`), never an exception.
"""

from __future__ import annotations


class PangraphError(Exception):
    """Base of every error pangraph raises on purpose.

    ``record``, ``field`` and ``reason`` locate the problem; ``stage`` names the pipeline stage.
    ``transient`` says whether retrying the same call later may succeed.
    """

    transient: bool = False
    stage: str = "pangraph"

    def __init__(
        self,
        reason: str,
        *,
        record: str | None = None,
        field: str | None = None,
        source: str | None = None,
    ) -> None:
        self.reason = reason
        self.record = record
        self.field = field
        self.source = source
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.source:
            where.append(f"source {self.source!r}")
        if self.record:
            where.append(f"record {self.record!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        prefix = f"[{self.stage}] " + (", ".join(where) + ": " if where else "")
        return prefix + self.reason

    def as_dict(self) -> dict[str, str | bool | None]:
        return {
            "stage": self.stage,
            "source": self.source,
            "record": self.record,
            "field": self.field,
            "reason": self.reason,
            "transient": self.transient,
        }


class ConfigError(PangraphError):
    """The configuration file or an environment override is invalid."""

    stage = "config"


class MappingError(PangraphError):
    """A mapping file in ``mappings/`` is invalid (checked before any data is touched)."""

    stage = "mapping"


class HarvestError(PangraphError):
    """A source could not be harvested."""

    stage = "harvest"


class TransientHarvestError(HarvestError):
    """Network trouble that a retry may cure (timeouts, 5xx, 429)."""

    transient = True


class RecordError(PangraphError):
    """One raw record could not be parsed or crosswalked; the run goes on."""

    stage = "crosswalk"


class VocabularyError(PangraphError):
    """An ontology (PaNET …) could not be loaded."""

    stage = "vocab"


class ValidationEngineError(PangraphError):
    """The SHACL engine failed (not: the data does not conform)."""

    stage = "validate"


class StoreError(PangraphError):
    """The triple store failed."""

    stage = "store"


class QueryError(StoreError):
    """A user's SPARQL query is malformed or not allowed (an HTTP 400, never a 500)."""

    stage = "query"


class LockedError(PangraphError):
    """Another run of the same source is in progress."""

    stage = "harvest"
