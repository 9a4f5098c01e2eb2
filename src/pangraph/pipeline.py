"""The pipeline: archive → crosswalk → validate → store, for harvests, re-crosswalks and file loads.

:class:`Node` owns the stages of one configured node and runs them in batches. Its invariant is
the archive's ``loaded_hash``: a record whose archived ``content_hash`` differs from the hash whose
triples are in the store is *pending*, and every run first loads what is pending. Loading a record
replaces its record graph, provenance and quality statements in one store transaction, so a run
killed at any point (``kill -9``) converges on the next run to exactly the graph an uninterrupted
run builds: nothing lost, nothing duplicated.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Iterator, Sequence

from pangraph import iri as ids
from pangraph.archive import Archive, ArchivedRecord, RunReport, source_lock
from pangraph.config import Config, SourceConfig
from pangraph.errors import PangraphError
from pangraph.prepare import Prepared, PreparePool, Preparer, source_iri, worker_count
from pangraph.rdf import DCT, PROV
from pangraph.records import RawRecord
from pangraph.resources import project_dir
from pangraph.sources import SourceProblem, open_source
from pangraph.store import GraphWrite, Store, open_store
from pangraph.validate import FastValidator, Validator
from pangraph.vocab import TechniqueIndex

log = logging.getLogger(__name__)

BATCH_SIZE = 500

Progress = Callable[[str, int], None]  # (event, count) — e.g. ("archived", 100)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _archived_now(rec: RawRecord, key: str, harvested_at: str) -> ArchivedRecord:
    """*rec* as the archive now holds it (what :meth:`Archive.pending` would return for it)."""
    if isinstance(rec, ArchivedRecord):
        return rec
    return ArchivedRecord(source=rec.source, identifier=rec.identifier, metadata_prefix=rec.metadata_prefix,
                          payload=rec.payload, datestamp=rec.datestamp, header=rec.header, deleted=rec.deleted,
                          sets=rec.sets, key=key, harvested_at=harvested_at, stored_hash=rec.content_hash)


class _Loading:
    """One run's loading: batches of archived records go through the per-record stages (in worker
    processes once the run has fed ``ingest.parallel_min`` records and ``ingest.workers`` allows
    more than one process) and are written in the order they were fed."""

    def __init__(self, node: "Node", report: RunReport, progress: Progress | None) -> None:
        self.node = node
        self.report = report
        self.progress = progress
        self.fed = 0
        self.pool: PreparePool | None = None
        self.workers = worker_count(node.config)
        # worker processes build their validator from the configuration: not possible for an injected one
        self.parallel = self.workers > 1 and not node._validator_injected  # noqa: SLF001

    def _write(self, prepared: list[Prepared]) -> None:
        n = self.node._write_prepared(prepared, self.report)  # noqa: SLF001
        if self.progress and n:
            self.progress("loaded", n)

    def feed(self, batch: Sequence[ArchivedRecord]) -> None:
        if not batch:
            return
        self.fed += len(batch)
        if self.pool is None and self.parallel and self.fed >= self.node.config["ingest.parallel_min"]:
            log.info("loading with %d worker processes", self.workers)
            self.pool = PreparePool(self.node.config, workers=self.workers, techniques=self.node.techniques)
        if self.pool is None:
            self._write(self.node.preparer.prepare(batch))
            return
        self.pool.submit(batch)
        while self.pool.full:
            self._write(self.pool.next_done())

    def finish(self) -> None:
        if self.pool is not None:
            while len(self.pool):
                self._write(self.pool.next_done())

    def __enter__(self) -> "_Loading":
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self.finish()
        finally:
            if self.pool is not None:
                self.pool.close()
                self.pool = None


class Node:
    """One pangraph node: its configuration and the stages that act on it.

    Components are opened lazily and can be injected (tests, benchmarks). Use as a context manager
    or call :meth:`close` to release the store.
    """

    def __init__(
        self,
        config: Config,
        *,
        store: Store | None = None,
        archive: Archive | None = None,
        techniques: TechniqueIndex | None = None,
        validator: Validator | None = None,
    ) -> None:
        self._preparer: Preparer | None = None
        self.config = config
        self._store = store
        self._archive = archive
        self._techniques = techniques
        self._validator = validator
        self._validator_injected = validator is not None

    @property
    def config(self) -> Config:
        return self._config

    @config.setter
    def config(self, config: Config) -> None:
        # the preparer describes sources (provenance) from the configuration: keep it current when a
        # source is added at run time (``harvest`` of a one-off source, a peer declared by a caller)
        self._config = config
        if self._preparer is not None:
            self._preparer.config = config

    # -- components -----------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.config)
        return self._store

    @property
    def archive(self) -> Archive:
        if self._archive is None:
            self.config.data_dir.mkdir(parents=True, exist_ok=True)
            self._archive = Archive(self.config.archive_path)
        return self._archive

    @property
    def techniques(self) -> TechniqueIndex:
        return self.preparer.techniques

    @property
    def mappings(self):  # noqa: ANN201 - pangraph.crosswalk.Mappings
        return self.preparer.mappings

    @property
    def validator(self) -> Validator | FastValidator:
        """The engine of the setting ``validation.engine`` for the profiles of ``validation.profiles``
        (external ones resolved through this node's configuration and cache), PaNET as background."""
        return self.preparer.validator

    @property
    def preparer(self) -> Preparer:
        """The per-record stages (crosswalk, validate, score …) in this process (:mod:`pangraph.prepare`),
        with the techniques and validator given to the node, if any; each is built on first use."""
        if self._preparer is None:
            self._preparer = Preparer(self.config, techniques=self._techniques, validator=self._validator)
        return self._preparer

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._archive is not None:
            self._archive.close()
            self._archive = None
        if getattr(self, "_search", None) is not None:
            self._search.close()
            self._search = None

    def __enter__(self) -> "Node":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def info(self) -> dict[str, str]:
        """Facts about the node's vocabularies and rules, for the landing page."""
        t = self.techniques
        scope = "full ontology" if t.is_full else f"subset of {len(t)} classes shipped with pangraph (offline)"
        return {
            "PaNET": f"{t.version or '?'}, {scope}",
            "mapping version": self.mappings.version,
            "validation profiles": ", ".join(f"{n} {v}" for n, v in sorted(self.validator.profile_versions.items())),
        }

    @property
    def search_index(self):  # noqa: ANN201 - pangraph.search.SearchIndex
        """The full-text search index (:mod:`pangraph.search`), written in step with the store by each
        batch. A new (or deleted) index file is filled from the store first, so it always converges."""
        if getattr(self, "_search", None) is None:
            from pangraph.search.index import SearchIndex, rebuild, search_index_path

            self.config.data_dir.mkdir(parents=True, exist_ok=True)
            self._search = SearchIndex(search_index_path(self.config), techniques=self.techniques)
            if self._search.created and self.record_graphs():
                rebuild(self._search, self.store, provenance_graph=self.provenance_graph,
                        quality_graph=self.quality_graph)
        return self._search

    # -- graph names ----------------------------------------------------------------------------

    def record_graph(self, source: str, identifier: str) -> str:
        return ids.record_graph(self.config.base, source, ids.local_key(identifier))

    @property
    def provenance_graph(self) -> str:
        return ids.provenance_graph(self.config.base)

    @property
    def quality_graph(self) -> str:
        return ids.quality_graph(self.config.base)

    def source_iri(self, source: str) -> str:
        return source_iri(self.config.base, source)

    # -- ontologies -----------------------------------------------------------------------------

    def load_ontologies(self) -> None:
        """Load PaNET and the project's own vocabulary into their ontology graphs (idempotent)."""
        data, media_type = self.techniques.document()
        self.store.replace_graph(ids.ontology_graph(self.config.base, "panet"), data, format=media_type)
        own = project_dir("ontologies") / "pangraph.ttl"
        self.store.replace_graph(
            ids.ontology_graph(self.config.base, "pangraph"), own.read_bytes(), format="text/turtle"
        )

    def ensure_ontologies(self) -> None:
        """Load the ontologies when a graph is missing or holds another version (PaNET's
        ``owl:versionInfo``): checked for each graph, so a run killed between two loads repairs it."""
        panet = ids.ontology_graph(self.config.base, "panet")
        own = ids.ontology_graph(self.config.base, "pangraph")
        version = self.techniques.version or ""
        have = self.store.select(
            f"SELECT ?v WHERE {{ GRAPH <{panet}> {{ ?o a <http://www.w3.org/2002/07/owl#Ontology> ; "
            f"<http://www.w3.org/2002/07/owl#versionInfo> ?v }} }} LIMIT 1"
        )
        if not have or have[0]["v"] != version or not self.store.has_graph(own):
            self.load_ontologies()

    # -- the core: load what is pending -------------------------------------------------------------

    def _provenance(self, graph: str, rec: RawRecord, subject: str, harvested_at: str) -> str:
        return self.preparer.provenance(graph, rec, subject, harvested_at)

    def load_pending(
        self,
        *,
        source: str | None = None,
        report: RunReport | None = None,
        progress: Progress | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> RunReport:
        """Crosswalk, validate and store every archived record whose triples are not in the store
        yet (new, changed, deleted, or left half-done by a killed run)."""
        report = report or RunReport(source=source or "*", kind="load")
        self.ensure_ontologies()
        with _Loading(self, report, progress) as loading:
            for batch in iter_batches(self.archive.pending(source), batch_size):
                loading.feed(batch)
        self.store.flush()
        return report

    def _write_prepared(self, prepared: Sequence[Prepared], report: RunReport) -> int:
        """Write one batch of prepared records: one store write, one index write, one archive update.
        The archive marks the records loaded last, so a crash before leaves them pending and the
        next run writes them again (both writes are idempotent). Returns the records written."""
        writes: list[Prepared] = []
        contributions: list = []
        drop: list[str] = []
        for p in prepared:
            if p.failure is not None:
                self.archive.mark_failed(p.source, p.identifier, p.failure[0], content_hash=p.content_hash)
                report.add_error(p.identifier, p.failure[1])
                continue
            writes.append(p)
            if p.data is None:
                log.info("record deleted: source=%s identifier=%s graph=%s", p.source, p.identifier, p.graph)
                drop.append(p.graph)
                continue
            if not p.conforms:
                report.nonconforming += 1
            report.add_validation(p.counts, p.note_severities)
            if p.contribution is None:
                drop.append(p.graph)
            else:
                contributions.append(p.contribution)
        if not writes:
            return 0
        extra = "".join(self.preparer.source_description(s) for s in sorted({p.source for p in writes}))
        graph_writes = [GraphWrite(p.graph, p.data, p.provenance, p.quality) for p in writes]
        first = graph_writes[0]
        graph_writes[0] = GraphWrite(first.graph, first.data, first.provenance + extra, first.quality)
        self.store.apply(graph_writes, provenance_graph=self.provenance_graph, quality_graph=self.quality_graph)
        self.search_index.apply(contributions, drop_graphs=drop)  # the index follows the store, same batch
        by_source: dict[str, list[tuple[str, str, Any]]] = {}
        for p in writes:
            by_source.setdefault(p.source, []).append((p.identifier, p.content_hash, p.summary))
        for src, items in by_source.items():
            self.archive.mark_loaded_many(src, items)
        report.loaded += len(writes)
        return len(writes)

    # -- ingest: archive a stream, then load ----------------------------------------------------------

    def ingest(
        self,
        records: Iterable[RawRecord | SourceProblem],
        *,
        report: RunReport,
        progress: Progress | None = None,
        batch_size: int | None = None,
    ) -> RunReport:
        """Archive every record of *records* (in batches, each committed before it is loaded) and
        load what changed. Problems in the stream are reported and the run goes on.

        The records a batch added, changed or deleted go straight to loading (in worker processes
        for a large run, see :mod:`pangraph.prepare`) while the next batch is read and archived;
        whatever is still pending for the run's source at the end (left by an earlier, killed run)
        is loaded last."""
        harvested_at = _now()
        batch_size = batch_size or self.config["harvest.batch_size"]
        batch: list[RawRecord] = []
        self.ensure_ontologies()

        with _Loading(self, report, progress) as loading:
            def flush() -> None:
                if not batch:
                    return
                keys = [ids.local_key(rec.identifier) for rec in batch]
                changed: dict[tuple[str, str], ArchivedRecord] = {}
                outcomes = self.archive.put_many(list(zip(batch, keys)), harvested_at=harvested_at)
                for rec, key, status in zip(batch, keys, outcomes):
                    report.count(status)
                    if status != "unchanged":  # the last version of a record listed twice wins
                        changed.pop((rec.source, rec.identifier), None)
                        changed[(rec.source, rec.identifier)] = _archived_now(rec, key, harvested_at)
                if progress:
                    progress("archived", len(batch))
                batch.clear()
                if changed:
                    loading.feed(list(changed.values()))

            for item in records:
                if isinstance(item, SourceProblem):
                    report.add_error(item.identifier or "(page)", item.reason)
                    continue
                batch.append(item)
                if len(batch) >= batch_size:
                    flush()
            flush()
        if report.source != "*":
            self.load_pending(source=report.source, report=report, progress=progress, batch_size=batch_size)
        self.store.flush()
        self.add_quality_figures(report)
        return report

    # -- harvest --------------------------------------------------------------------------------

    def harvest(
        self,
        source: str | SourceConfig,
        *,
        full: bool = False,
        progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RunReport:
        """Harvest one source incrementally (``from=`` the last successful run's checkpoint unless
        *full*), archive every raw record, and load what changed. Two runs of one source never
        overlap: the second raises :class:`~pangraph.errors.LockedError`."""
        cfg = self.config.sources.get(source) if isinstance(source, str) else source
        if cfg is None:
            from pangraph.errors import ConfigError

            known = ", ".join(sorted(self.config.sources)) or "none"
            raise ConfigError(f"unknown source {source!r} (declared in pangraph.toml: {known})")
        if cfg.name not in self.config.sources:
            self.config = self.config.with_sources({**self.config.sources, cfg.name: cfg})
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        with source_lock(self.config.data_dir, cfg.name):
            checkpoint = None if full else self.archive.checkpoint(cfg.name)
            from_ = checkpoint or cfg.from_
            report = RunReport(source=cfg.name, kind="harvest", from_=from_)
            run_id = self.archive.start_run(cfg.name, kind="harvest", from_=from_)
            try:
                # first finish whatever a previous (killed) run left pending
                self.load_pending(source=cfg.name, report=report, progress=progress)
                oai = open_source(cfg, config=self.config, from_=from_, sleep=sleep)
                try:
                    self.ingest(oai.records(), report=report, progress=progress)
                finally:
                    oai.close()
                if oai.complete and oai.response_date:
                    # the next run asks from= the time this run started listing: nothing changed
                    # during the run is missed; a listing cut short keeps the old checkpoint
                    self.archive.set_checkpoint(cfg.name, oai.response_date)
                    report.checkpoint = oai.response_date
                elif not oai.complete:
                    report.message = "the listing ended early (see errors); the checkpoint was not advanced"
                report.status = "ok" if (oai.complete and not report.failed) else "partial"
                self.after_load(report)
            except PangraphError as e:
                report.status = "failed"
                report.message = e.describe()
                report.add_error(None, e.describe())
                raise
            finally:
                self.archive.finish_run(run_id, report)
        return report

    # -- re-crosswalk from the archive ----------------------------------------------------------------

    def recrosswalk(self, *, source: str | None = None, progress: Progress | None = None,
                    batch_size: int = BATCH_SIZE) -> RunReport:
        """Rebuild the record graphs of *source* (or all sources) from the archive, without network
        (after a mapping, vocabulary or shape change)."""
        report = RunReport(source=source or "*", kind="recrosswalk")
        run_id = self.archive.start_run(source or "*", kind="recrosswalk")
        try:
            self.load_ontologies()
            self.archive.reset_loaded(source)
            self.load_pending(source=source, report=report, progress=progress, batch_size=batch_size)
            self.add_quality_figures(report)
            report.status = "ok" if not report.failed else "partial"
            self.after_load(report)
        except PangraphError as e:
            report.status = "failed"
            report.message = e.describe()
            raise
        finally:
            self.archive.finish_run(run_id, report)
        return report

    # -- validation of what is stored -------------------------------------------------------------------

    def after_load(self, report: RunReport) -> None:
        """What follows a run that changed the store (records loaded or deleted: ``report.loaded``):
        the dump is regenerated when ``dumps.auto`` is on and the node holds at most
        ``dumps.auto_max_records`` records. A failed dump is logged, never fails the run."""
        if not report.loaded or not self.config["dumps.auto"]:
            return
        limit = self.config["dumps.auto_max_records"]
        if limit and (stored := self.archive.stored_count()) > limit:
            log.warning("the dump was not rewritten after run %s: %d stored records > dumps.auto_max_records (%d); "
                        "it describes the store as it was when written — run `pangraph export --dump` on a schedule",
                        report.source, stored, limit)
            return
        try:
            self.write_dumps()
        except (OSError, PangraphError) as e:
            log.error("the dump after run %s was not written: %s", report.source, e)

    def write_dumps(self):  # noqa: ANN201 - pangraph.dumps.DumpInfo
        """Write the gzipped N-Quads dump of every graph (:func:`pangraph.dumps.write_dump`)."""
        from pangraph.dumps import write_dump

        return write_dump(self.store, self.config)

    def add_quality_figures(self, report: RunReport) -> None:
        """When the run loaded records, keep in *report* the quality of its source(s) after the run
        (``report.quality``: source → records, conforming, mean score …; see
        :func:`pangraph.quality.source_figures`): the trend across runs. A failure to compute them is
        logged, never fails the run."""
        if not report.loaded:
            return
        from pangraph.quality import source_figures

        try:
            report.quality = source_figures(self, None if report.source == "*" else report.source)
        except PangraphError as e:
            log.warning("quality figures of run %s not recorded: %s", report.source, e)

    def record_graphs(self, *, source: str | None = None) -> list[str]:
        """The record graphs in the store (of one source), from the provenance graph."""
        flt = f'FILTER(?src = "{source}")' if source else ""
        rows = self.store.select(
            f"SELECT ?g WHERE {{ GRAPH <{self.provenance_graph}> {{ ?g a <{PROV.raw('Entity')}> ; "
            f"<{DCT.raw('source')}> ?src {flt} }} }} ORDER BY ?g"
        )
        return [r["g"] for r in rows if r["g"]]


def iter_batches(items: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of at most *size* items."""
    batch: list = []
    for x in items:
        batch.append(x)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
