"""Sources: where raw records come from (one module per protocol).

A source is iterated; it yields :class:`pangraph.records.RawRecord` for every record it could read
and :class:`SourceProblem` for what it could not (a malformed page, a record without identifier …),
so that one bad page never stops a run. Paging, resumption tokens, retries and rate limits stay
inside the source module. Only :mod:`pangraph.sources.oaipmh` imports sickle.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Literal, Protocol, runtime_checkable

from pangraph.errors import ConfigError
from pangraph.records import RawRecord

if TYPE_CHECKING:  # pragma: no cover - typing only
    from pangraph.config import Config, SourceConfig
    from pangraph.sources.oaipmh import OAIPMHSource


@dataclass(frozen=True)
class SourceProblem:
    """Something a source could not read, reported in the record stream instead of raised.

    ``scope`` is ``"record"`` when one record was skipped, ``"page"`` when a whole response page
    was lost (then ``identifier`` is None). ``listing_ended`` says the listing had to stop at this
    point (no way to reach the following pages), so the harvest is incomplete and its checkpoint
    must not advance.
    """

    source: str
    identifier: str | None
    reason: str
    scope: Literal["record", "page"] = "record"
    listing_ended: bool = False

    def as_dict(self) -> dict[str, str | bool | None]:
        """The problem as a JSON-ready dict (for run reports)."""
        return {
            "source": self.source,
            "identifier": self.identifier,
            "reason": self.reason,
            "scope": self.scope,
            "listing_ended": self.listing_ended,
        }


@runtime_checkable
class Source(Protocol):
    """What the pipeline needs from any source."""

    name: str

    def records(self) -> Iterator[RawRecord | SourceProblem]:
        """Every record of the source (deleted ones flagged), and the problems met on the way."""
        ...

    @property
    def response_date(self) -> str | None:
        """The source's own timestamp of the start of the last listing: the next run's ``from``."""
        ...

    @property
    def complete(self) -> bool:
        """True when the last listing reached its end without losing a page."""
        ...


#: source kind → "module:function" building the source from its configuration (imported lazily, so a
#: kind's libraries load only when it is used). Each function has the signature of :func:`open_source`.
SOURCE_FACTORIES: dict[str, str] = {
    "oai-pmh": "pangraph.sources.oaipmh:from_config",
    "panosc-search-api": "pangraph.sources.panosc:from_config",
    "scicat": "pangraph.sources.scicat:from_config",
    "datacite-rest": "pangraph.sources.datacite_rest:from_config",
    "tess": "pangraph.sources.tess:from_config",
    "files": "pangraph.sources.files:from_config",
    "pangraph-node": "pangraph.sources.pangraph_node:from_config",
}


def open_source(
    source: "SourceConfig",
    *,
    config: "Config",
    from_: str | None = None,
    sleep: "Callable[[float], None] | None" = None,
) -> "Source":
    """The source object for a declared ``[sources.NAME]``, with the harvest settings of *config*.

    *from_* (e.g. the archive's checkpoint) overrides the configured first-run ``from``.
    """
    target = SOURCE_FACTORIES.get(source.kind)
    if target is None:
        raise ConfigError(f"source kind {source.kind!r} is not supported (known: {sorted(SOURCE_FACTORIES)})",
                          source=source.name, field="kind")
    module_name, func = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        raise ConfigError(f"source kind {source.kind!r} is not available in this version ({e})",
                          source=source.name, field="kind") from None
    factory = getattr(module, func)
    return factory(source, config=config, from_=from_ if from_ is not None else source.from_, sleep=sleep)


def harvest_settings(source: "SourceConfig", config: "Config") -> dict[str, float | int]:
    """The HTTP settings of a source: ``harvest.*`` with the source's own ``timeout_s`` on top."""
    return {
        "timeout_s": float(source.options.get("timeout_s", config["harvest.timeout_s"])),
        "max_retries": int(config["harvest.max_retries"]),
        "backoff_s": float(config["harvest.backoff_s"]),
        "max_delay_s": float(config["harvest.max_delay_s"]),
    }


__all__ = ["SOURCE_FACTORIES", "Source", "SourceProblem", "harvest_settings", "open_source"]
