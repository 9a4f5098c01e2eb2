"""The per-record work of a load — crosswalk, validate, score, provenance, search entry — on one or more cores.

A load (:meth:`pangraph.pipeline.Node.load_pending`, :meth:`~pangraph.pipeline.Node.ingest`) has two
kinds of work. Everything about one record is independent of every other record and of the store:
parse and crosswalk the raw record, serialise its triples, validate them, compute its quality
statements and score, its provenance and its search-index entry. That is :class:`Preparer`'s job,
and it is where nearly all the CPU goes. What remains is the write: one store write, one index write
and one archive update per batch, in the process that owns the store.

:class:`PreparePool` runs :class:`Preparer` in worker processes (``ingest.workers``), so the
crosswalk and validation of the next batches use the other cores while the owner writes the current
one. Results come back in submission order, so the archive, the store and the index see the batches
in the same order as a serial run, and the store ends up identical (a test compares them).

Worker processes are started with ``spawn`` (never ``fork``: the owner holds an open RocksDB store
and possibly server threads). Each builds its components from the node's configuration once; the
pool is only started for loads of at least ``ingest.parallel_min`` records, since starting it costs
about a second.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Sequence

from pangraph import iri as ids
from pangraph.config import Config
from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
from pangraph.errors import RecordError
from pangraph.quality_score import score_ntriples, score_record
from pangraph.rdf import DCT, FOAF, PANGRAPH, PROV, RDF, RDFS, XSD, iri, literal, ntriples
from pangraph.records import RawRecord
from pangraph.vocab import TechniqueIndex, load_techniques

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    """What one record contributes to a store write, computed away from the store.

    ``data`` is None for a deleted record (its graph is dropped). ``failure`` is set, and nothing else
    is, when the record could not be crosswalked (the reason, for the archive and the run report)."""

    source: str
    identifier: str
    content_hash: str
    graph: str
    data: str | None = None
    provenance: str = ""
    quality: str = ""
    subject: str | None = None
    contribution: Any = None  # pangraph.search.index.Contribution | None
    counts: dict[str, int] = field(default_factory=dict)
    note_severities: list[str] = field(default_factory=list)
    conforms: bool = True
    failure: tuple[str, str] | None = None  # (reason, description)
    summary: dict[str, Any] | None = None  # what its quality statements say, for the archive (quality figures)


def source_iri(base: str, source: str) -> str:
    return ids.mint(base, "source", source, "")[:-1].rstrip("/")


class Preparer:
    """The per-record stages of one node, in the current process."""

    def __init__(self, config: Config, *, techniques: TechniqueIndex | None = None, validator: Any = None,
                 mappings: Any = None) -> None:
        self.config = config
        self._techniques = techniques
        self._validator = validator
        self._mappings = mappings

    @property
    def techniques(self) -> TechniqueIndex:
        if self._techniques is None:
            self._techniques = load_techniques(self.config)
        return self._techniques

    @property
    def mappings(self):  # noqa: ANN201 - pangraph.crosswalk.Mappings
        if self._mappings is None:
            self._mappings = load_mappings()
        return self._mappings

    @property
    def validator(self):  # noqa: ANN201 - Validator | FastValidator
        """The engine of ``validation.engine`` for the profiles of ``validation.profiles``, PaNET as background."""
        if self._validator is None:
            from pangraph.validate import load_profiles, make_validator

            data, _media_type = self.techniques.document()
            self._validator = make_validator(
                load_profiles(self.config["validation.profiles"], config=self.config),
                engine=self.config["validation.engine"],
                ontology_graphs={"panet": data.decode("utf-8")},
            )
        return self._validator

    def context(self, source: str) -> CrosswalkContext:
        return CrosswalkContext(base=self.config.base, source=source, techniques=self.techniques,
                                mappings=self.mappings)

    def record_graph(self, source: str, identifier: str) -> str:
        return ids.record_graph(self.config.base, source, ids.local_key(identifier))

    def provenance(self, graph: str, rec: RawRecord, subject: str, harvested_at: str) -> str:
        """The provenance statements of one record graph (``<graph> a prov:Entity`` …)."""
        g = iri(graph)
        triples = [
            (g, RDF.type, PROV.Entity),
            (g, DCT.source, literal(rec.source)),
            (g, PROV.hadPrimarySource, iri(source_iri(self.config.base, rec.source))),
            (g, DCT.identifier, literal(rec.identifier)),
            (g, PANGRAPH.contentHash, literal(rec.content_hash)),
            (g, PANGRAPH.metadataPrefix, literal(rec.metadata_prefix)),
            (g, PANGRAPH.mappingVersion, literal(self.mappings.version)),
            (g, PROV.generatedAtTime, literal(harvested_at, datatype=XSD.raw("dateTime"))),
            (g, FOAF.primaryTopic, iri(subject)),
        ]
        if rec.datestamp:
            triples.append((g, PANGRAPH.datestamp, literal(rec.datestamp)))
        cfg = self.config.sources.get(rec.source)
        if cfg is not None and cfg.kind == "pangraph-node":  # which node, which of its records
            from pangraph.sources.pangraph_node import provenance_triples

            triples.extend(provenance_triples(cfg, rec, graph))
        return ntriples(triples)

    def source_description(self, source: str) -> str:
        s = iri(source_iri(self.config.base, source))
        cfg = self.config.sources.get(source)
        triples = [(s, RDF.type, PANGRAPH.Source), (s, RDF.type, PROV.Agent), (s, PANGRAPH.sourceName, literal(source)),
                   (s, RDFS.label, literal(cfg.title if cfg and cfg.title else source))]
        if cfg is not None and cfg.url:
            triples.append((s, FOAF.homepage, iri(cfg.url)))
        return ntriples(triples)

    def prepare(self, batch: Sequence[RawRecord]) -> list[Prepared]:
        """Crosswalk, validate and score each record of *batch* (archived records: they carry
        ``harvested_at``); one :class:`Prepared` per record, in order."""
        from pangraph.search.index import extract_contribution, total_score
        from pangraph.validate import quality_ntriples

        out: list[Prepared] = []
        done: list[tuple[Prepared, Any, Any]] = []  # (prepared, crosswalk result, record)
        for rec in batch:
            graph = self.record_graph(rec.source, rec.identifier)
            p = Prepared(rec.source, rec.identifier, rec.content_hash, graph)
            out.append(p)
            if rec.deleted:
                continue
            try:
                result = crosswalk_record(rec, ctx=self.context(rec.source))
            except RecordError as e:
                p.failure = (e.reason, e.describe())
                continue
            p.data = ntriples(result.triples)
            p.subject = result.subject
            done.append((p, result, rec))
        if not done:
            return out
        validator = self.validator
        reports = validator.validate({p.graph: p.data for p, _, _ in done})
        versions = validator.profile_versions
        for p, result, rec in done:
            report = reports[p.graph]
            harvested_at = rec.harvested_at  # an ArchivedRecord's
            score = score_record(report, p.data)
            p.quality = quality_ntriples(
                p.graph, report, profile_versions=versions, notes=result.notes, generated_at=harvested_at,
            ) + score_ntriples(p.graph, report, p.data, generated_at=harvested_at, score=score)
            p.provenance = self.provenance(p.graph, rec, result.subject, harvested_at)
            p.counts = dict(report.counts())
            p.note_severities = [n.severity for n in result.notes]
            p.conforms = report.conforms
            p.summary = quality_facts(report, result.notes, score)
            p.contribution = extract_contribution(p.graph, p.data, subject=result.subject, source=rec.source,
                                                  score=total_score(p.quality))
        return out


def quality_facts(report: Any, notes: Sequence[Any], score: Any) -> dict[str, Any]:
    """What a record's quality statements say, in brief (kept by the archive so that a source's quality
    figures are one SQL aggregate, not a scan of the quality graph): ``conforms`` as ``sh:conforms`` says
    it (no Violation among SHACL results and crosswalk notes), ``results`` per severity (both kinds, as
    ``sh:result``s), ``scores`` per dimension and ``total`` (the ``dqv:value``s, one decimal)."""
    results = dict(report.counts())
    for n in notes:
        results[n.severity] = results.get(n.severity, 0) + 1
    return {"conforms": results.get("Violation", 0) == 0, "results": results,
            "scores": {**score.dimensions, "total": score.total}}


# -- worker processes ----------------------------------------------------------------------------------

_WORKER: Preparer | None = None
_INIT_ERROR: BaseException | None = None


def _init_worker(config: Config, techniques: TechniqueIndex | None) -> None:
    global _WORKER, _INIT_ERROR  # noqa: PLW0603 - one Preparer per worker process
    try:
        _WORKER = Preparer(config, techniques=techniques)
        _WORKER.validator  # build it now, not in the first batch  # noqa: B018
    except Exception as e:  # noqa: BLE001 - kept, and raised with the first batch (an initializer's
        _INIT_ERROR = e  # own exception would only break the pool, without saying why)


def _prepare_in_worker(batch: Sequence[RawRecord]) -> list[Prepared]:
    if _INIT_ERROR is not None:
        raise _INIT_ERROR
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.prepare(batch)


def worker_count(config: Config) -> int:
    """``ingest.workers``: 0 means one per CPU core; 1 means no worker processes (serial)."""
    n = int(config["ingest.workers"])
    return n if n > 0 else (os.cpu_count() or 1)


class PreparePool:
    """:class:`Preparer` in *workers* spawned processes; batches come back in the order submitted.

    ``submit`` returns at once; ``next_done`` blocks for the oldest batch. At most ``2 × workers``
    batches are in flight, so memory stays bounded however long the stream is."""

    def __init__(self, config: Config, *, workers: int, techniques: TechniqueIndex | None = None) -> None:
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_init_worker,
            initargs=(config, techniques),
        )
        self._inflight: deque[Future] = deque()

    @property
    def full(self) -> bool:
        return len(self._inflight) >= 2 * self.workers

    def __len__(self) -> int:
        return len(self._inflight)

    def submit(self, batch: Sequence[RawRecord]) -> None:
        self._inflight.append(self._executor.submit(_prepare_in_worker, list(batch)))

    def next_done(self) -> list[Prepared]:
        return self._inflight.popleft().result()

    def close(self) -> None:
        for f in self._inflight:
            f.cancel()
        self._inflight.clear()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "PreparePool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
