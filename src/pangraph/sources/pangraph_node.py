"""Harvesting another pangraph node through its OAI-PMH provider (``kind = "pangraph-node"``).

```toml
[sources.node-b]
kind = "pangraph-node"
url = "https://node-b.example/oai"     # the peer's OAI-PMH base URL
# set = "type:training"                 # optional: one of the peer's sets (source:…, facility:…, type:…)
# peer_base = "https://node-b.example"  # optional: the peer's node.base (default: url without /oai)
```

It is the OAI-PMH harvester of :mod:`pangraph.sources.oaipmh` (checkpoints, resumption tokens, retries,
``deleted`` headers) asking for the peer's ``rdf`` format, whose ``<metadata>`` holds one ``rdf:RDF`` element
with the peer's record graph and its links about the record's main resource. The records are archived with
``metadata_prefix = "pangraph-rdf"`` so that :mod:`pangraph.crosswalk.rdf_record` takes their triples as they
are (the peer's IRIs kept, blank nodes relabelled per record). A deleted header removes the local copy. The
``rdf:RDF`` is archived in canonical form (:func:`~pangraph.crosswalk.rdf_record.canonical_payload`: canonical
blank-node labels, sorted statements), so a peer record that did not change has the same content hash on every
harvest, however the peer's RDF/XML writer orders it.

Provenance (:func:`provenance_triples`, added by the pipeline to the record graph's ``prov:Entity``):
``prov:wasDerivedFrom`` the peer's record graph ``{peer_base}/graph/record/{source}/{key}`` (read back from the
OAI identifier ``oai:{repositoryIdentifier}:{source}/{key}``) and ``prov:wasAttributedTo`` the peer node IRI
(``peer_base``); the harvest time, datestamp and OAI identifier are
there as for any source.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Iterator

from pangraph.crosswalk.rdf_record import FORMAT, canonical_payload
from pangraph.rdf import PROV, Term, iri
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from pangraph.sources.oaipmh import OAIPMHSource

if TYPE_CHECKING:
    from pangraph.config import Config, SourceConfig

#: the peer's OAI-PMH metadataPrefix
PEER_PREFIX = "rdf"
_OAI_ID = re.compile(r"^oai:([^/]+):([^:/]+)/([^/]+)$")


def peer_base(source: "SourceConfig") -> str:
    """The peer's node.base: the source's ``peer_base``, else its url without a trailing ``/oai``."""
    explicit = source.options.get("peer_base")
    if explicit:
        return str(explicit).rstrip("/")
    url = source.url.rstrip("/")
    return url[: -len("/oai")] if url.endswith("/oai") else url


def remote_record_graph(base: str, identifier: str) -> str | None:
    """The peer's record graph named by an OAI identifier ``oai:{repo}:{source}/{key}`` (None if not one)."""
    m = _OAI_ID.match(identifier.strip())
    if not m:
        return None
    return f"{base.rstrip('/')}/graph/record/{m.group(2)}/{m.group(3)}"


def provenance_triples(source: "SourceConfig", rec: RawRecord, graph: str) -> list[tuple[Term, Term, Term]]:
    """What the local record graph *graph* owes to the peer: its record graph and the peer node."""
    base = peer_base(source)
    g = iri(graph)
    out = [(g, PROV.wasAttributedTo, iri(base))]
    remote = remote_record_graph(base, rec.identifier)
    if remote:
        out.append((g, PROV.wasDerivedFrom, iri(remote)))
    return out


class PangraphNodeSource(OAIPMHSource):
    """A peer pangraph node's OAI-PMH provider, ``rdf`` format; records relabelled ``pangraph-rdf``."""

    def records(self, **kwargs: object) -> Iterator[RawRecord | SourceProblem]:  # type: ignore[override]
        for item in super().records(**kwargs):  # type: ignore[arg-type]
            if isinstance(item, RawRecord):
                payload = item.payload if item.deleted else canonical_payload(item.payload)
                item = replace(item, metadata_prefix=FORMAT, payload=payload)
            yield item


def from_config(source: "SourceConfig", *, config: "Config", from_: str | None = None,
                sleep: Callable[[float], None] | None = None) -> PangraphNodeSource:
    """The source of a ``kind = "pangraph-node"`` configuration."""
    from pangraph.sources import harvest_settings

    return PangraphNodeSource(source.name, source.url, metadata_prefix=PEER_PREFIX, set=source.set, from_=from_,
                              **harvest_settings(source, config), sleep=sleep or time.sleep)


__all__ = ["PEER_PREFIX", "PangraphNodeSource", "from_config", "peer_base", "provenance_triples",
           "remote_record_graph"]
