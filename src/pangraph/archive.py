"""The raw-record archive: every harvested record, kept before anything interprets it (SQLite).

Tables (schema version in ``PRAGMA user_version``):

- ``records`` — the current state of each ``(source, identifier)``: payload and header bytes,
  datestamp, sets, content hash, deleted flag, harvest time, ``loaded_hash`` (the hash whose triples
  are in the store), ``failed_hash`` + ``error`` (the last failure), ``status``
  (``pending | loaded | removed | failed``), ``loaded_at`` (when the record's graph was last written to or
  dropped from the store: the OAI-PMH datestamp, read with :meth:`Archive.published`), ``quality`` (JSON:
  the validation summary and scores of the version in the store, see :meth:`Archive.quality_summaries`).
- ``record_versions`` — every superseded state of a record (a changed or deleted record keeps its
  earlier payloads here: harvest never throws data away).
- ``checkpoints`` — per source, the datestamp the next incremental harvest starts ``from``.
- ``runs`` — run reports (JSON) with start/finish time, status and the pid of the run.

A record is *pending* while ``content_hash != loaded_hash`` (new, changed, or deleted but not yet
removed from the store) and not marked failed for that same hash. The pipeline loads pending records
and calls :meth:`Archive.mark_loaded`; a run killed at any point leaves its unloaded records pending,
so the next run converges to the same graph.

Durability: WAL journal, ``synchronous=NORMAL`` (the default; every committed transaction survives a
``kill -9`` of the process; ``synchronous="FULL"`` also survives a power loss), one transaction per
:meth:`Archive.put` / :meth:`Archive.put_many` call.

:func:`source_lock` is the per-source run lock (an ``flock`` on ``{data_dir}/locks/{source}.lock``).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Mapping

from pangraph.errors import LockedError, PangraphError
from pangraph.records import RawRecord

__all__ = [
    "Archive",
    "ArchivedRecord",
    "Outcome",
    "RunReport",
    "SourceLock",
    "source_lock",
    "utc_now",
]

Outcome = Literal["added", "updated", "unchanged", "deleted"]

SCHEMA_VERSION = 1
_MAX_ERRORS = 20
_CHUNK = 500
_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    id                 INTEGER PRIMARY KEY,
    source             TEXT    NOT NULL,
    identifier         TEXT    NOT NULL,
    key                TEXT    NOT NULL,
    metadata_prefix    TEXT    NOT NULL,
    datestamp          TEXT,
    header             BLOB    NOT NULL,
    payload            BLOB    NOT NULL,
    sets               TEXT    NOT NULL DEFAULT '[]',
    content_hash       TEXT    NOT NULL,
    deleted            INTEGER NOT NULL DEFAULT 0,
    harvested_at       TEXT    NOT NULL,
    first_harvested_at TEXT    NOT NULL,
    loaded_hash        TEXT,
    failed_hash        TEXT,
    status             TEXT    NOT NULL DEFAULT 'pending',
    error              TEXT,
    UNIQUE (source, identifier)
);
CREATE INDEX IF NOT EXISTS records_pending ON records (source, id) WHERE loaded_hash IS NOT content_hash;
CREATE TABLE IF NOT EXISTS record_versions (
    id              INTEGER PRIMARY KEY,
    source          TEXT    NOT NULL,
    identifier      TEXT    NOT NULL,
    metadata_prefix TEXT    NOT NULL,
    datestamp       TEXT,
    header          BLOB    NOT NULL,
    payload         BLOB    NOT NULL,
    sets            TEXT    NOT NULL,
    content_hash    TEXT    NOT NULL,
    deleted         INTEGER NOT NULL,
    harvested_at    TEXT    NOT NULL,
    superseded_at   TEXT    NOT NULL,
    UNIQUE (source, identifier, content_hash)
);
CREATE TABLE IF NOT EXISTS checkpoints (
    source     TEXT PRIMARY KEY,
    datestamp  TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    status      TEXT    NOT NULL,
    pid         INTEGER,
    report      TEXT
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source, id);
"""

_RECORD_COLUMNS = ("source, identifier, key, metadata_prefix, datestamp, header, payload, sets, content_hash, "
                   "deleted, harvested_at, loaded_hash, status, error, id")


def utc_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds and ``Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- records ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedRecord(RawRecord):
    """A :class:`RawRecord` as the archive holds it, with its archive state.

    ``stored_hash`` is the content hash recorded at archiving time; ``loaded_hash`` the hash whose
    triples are in the store; ``status`` is ``pending | loaded | removed | failed``; ``error`` the
    reason of the last failure.
    """

    key: str = ""
    harvested_at: str = ""
    stored_hash: str = ""
    loaded_hash: str | None = None
    status: str = "pending"
    error: str | None = None

    @property
    def content_hash(self) -> str:  # the archive already knows it; no need to hash the payload again
        return self.stored_hash or super().content_hash

    def as_raw(self) -> RawRecord:
        """The plain :class:`RawRecord` (what the source delivered)."""
        return RawRecord(source=self.source, identifier=self.identifier, metadata_prefix=self.metadata_prefix,
                         payload=self.payload, datestamp=self.datestamp, header=self.header, deleted=self.deleted,
                         sets=self.sets)


def _archived(row: tuple[Any, ...]) -> ArchivedRecord:
    (source, identifier, key, prefix, datestamp, header, payload, sets, chash, deleted, harvested_at,
     loaded_hash, status, error, _id) = row
    return ArchivedRecord(
        source=source, identifier=identifier, metadata_prefix=prefix, payload=bytes(payload),
        datestamp=datestamp, header=bytes(header), deleted=bool(deleted), sets=tuple(json.loads(sets)),
        key=key, harvested_at=harvested_at, stored_hash=chash, loaded_hash=loaded_hash, status=status, error=error,
    )


# --- run reports ------------------------------------------------------------------------------------


@dataclass
class RunReport:
    """What one run (harvest, recrosswalk, load …) did: counts, the first errors, timing, range.

    ``status``: ``running | ok | partial`` (finished, but some pages/records failed or the listing
    ended early) ``| failed`` (stopped by an error, see ``message``) ``| interrupted`` (the process
    died).
    """

    source: str
    kind: str = "harvest"
    id: int | None = None
    status: str = "running"
    started_at: str | None = None
    finished_at: str | None = None
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0
    loaded: int = 0  # record graphs written to (or dropped from) the store
    nonconforming: int = 0  # loaded records with at least one SHACL Violation
    errors: list[dict[str, str | None]] = field(default_factory=list)
    from_: str | None = None
    until: str | None = None
    checkpoint: str | None = None
    message: str | None = None
    # quality figures (reports written before they existed lack them: None means "not recorded")
    validated: int | None = None  # record graphs validated by this run
    violations: int | None = None  # results of those records, per severity (crosswalk notes included)
    warnings: int | None = None
    infos: int | None = None
    #: the quality of each source the run loaded, *after* the run: source → {records, conforming,
    #: mean_score, dimensions {name: mean}, results {Violation, Warning, Info}, scoring_version}
    quality: dict[str, dict[str, Any]] | None = None

    def count(self, outcome: str, n: int = 1) -> None:
        """Add *n* to the counter *outcome* (added, updated, unchanged, deleted, failed)."""
        if outcome not in ("added", "updated", "unchanged", "deleted", "failed"):
            raise ValueError(f"unknown outcome {outcome!r}")
        setattr(self, outcome, getattr(self, outcome) + n)

    def add_validation(self, counts: Mapping[str, int], notes: Iterable[str] = ()) -> None:
        """Count one validated record: *counts* are its SHACL results per severity (``Violation``,
        ``Warning``, ``Info``), *notes* the severities of its crosswalk notes (they count alike)."""
        totals = {"Violation": 0, "Warning": 0, "Info": 0}
        for severity, n in counts.items():
            if severity in totals:
                totals[severity] += int(n)
        for severity in notes:
            if severity in totals:
                totals[severity] += 1
        self.validated = (self.validated or 0) + 1
        self.violations = (self.violations or 0) + totals["Violation"]
        self.warnings = (self.warnings or 0) + totals["Warning"]
        self.infos = (self.infos or 0) + totals["Info"]

    def add_error(self, identifier: str | None, reason: str) -> None:
        """Count one failure; the first 20 are kept with identifier and reason."""
        self.failed += 1
        if len(self.errors) < _MAX_ERRORS:
            self.errors.append({"identifier": identifier, "reason": reason})

    @property
    def duration_s(self) -> float | None:
        start, end = _parse_time(self.started_at), _parse_time(self.finished_at)
        if start is None or end is None:
            return None
        return round((end - start).total_seconds(), 3)

    def summary_line(self) -> str:
        """One line for people: the counts of this run (and the source's mean quality score after it,
        when the run recorded it)."""
        line = (f"{self.source}: added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
                f"deleted {self.deleted}, failed {self.failed}; loaded {self.loaded} record graph(s), "
                f"{self.nonconforming} with violations")
        if self.validated:
            line += f" ({self.violations or 0} violation(s), {self.warnings or 0} warning(s))"
        after = (self.quality or {}).get(self.source)
        if after and after.get("mean_score") is not None:
            line += f"; mean quality score {after['mean_score']:.1f}"
        return line + (f" [{self.status}]" if self.status != "running" else "")

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready dict (``from_`` is spelled ``from``)."""
        d = asdict(self)
        d["from"] = d.pop("from_")
        d["errors"] = list(self.errors[:_MAX_ERRORS])
        d["duration_s"] = self.duration_s
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RunReport":
        """Rebuild a report from :meth:`as_dict` output (unknown keys are ignored)."""
        names = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in data.items() if k in names}
        if "from" in data:
            kwargs["from_"] = data["from"]
        kwargs["errors"] = list(data.get("errors") or [])
        return cls(**kwargs)


# --- the archive ------------------------------------------------------------------------------------


class Archive:
    """The SQLite raw-record archive at *path* (created on first use). Thread-safe; several processes
    may share the file (writers wait up to ``busy_timeout_s`` for each other)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        busy_timeout_s: float = 30.0,
    ) -> None:
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be 'NORMAL' or 'FULL'")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(str(self.path), timeout=busy_timeout_s, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute("PRAGMA foreign_keys=ON")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise PangraphError(f"archive {self.path} has schema version {version}, newer than this pangraph "
                                    f"({SCHEMA_VERSION}); upgrade pangraph")
            with self._tx():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                self._add_published_column()
                self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as e:
            raise PangraphError(f"cannot open the archive {self.path}: {e}") from None

    # -- plumbing --

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` answer (``"ok"`` when the file is sound)."""
        with self._lock:
            return "; ".join(r[0] for r in self._db.execute("PRAGMA integrity_check").fetchall())

    # -- writing records --

    def _put(self, db: sqlite3.Connection, record: RawRecord, key: str, harvested_at: str) -> Outcome:
        chash = record.content_hash
        row = db.execute("SELECT id, content_hash, deleted FROM records WHERE source=? AND identifier=?",
                         (record.source, record.identifier)).fetchone()
        sets = json.dumps(list(record.sets))
        if row is None:
            db.execute(
                "INSERT INTO records (source, identifier, key, metadata_prefix, datestamp, header, payload, sets, "
                "content_hash, deleted, harvested_at, first_harvested_at, status) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                (record.source, record.identifier, key, record.metadata_prefix, record.datestamp, record.header,
                 record.payload, sets, chash, int(record.deleted), harvested_at, harvested_at))
            return "deleted" if record.deleted else "added"
        rid, old_hash, old_deleted = row
        if old_hash == chash and bool(old_deleted) == record.deleted:
            return "unchanged"
        db.execute(
            "INSERT OR IGNORE INTO record_versions (source, identifier, metadata_prefix, datestamp, header, payload, "
            "sets, content_hash, deleted, harvested_at, superseded_at) "
            "SELECT source, identifier, metadata_prefix, datestamp, header, payload, sets, content_hash, deleted, "
            "harvested_at, ? FROM records WHERE id=?", (harvested_at, rid))
        db.execute(
            "UPDATE records SET key=?, metadata_prefix=?, datestamp=?, header=?, payload=?, sets=?, content_hash=?, "
            "deleted=?, harvested_at=?, status='pending', error=NULL WHERE id=?",
            (key, record.metadata_prefix, record.datestamp, record.header, record.payload, sets, chash,
             int(record.deleted), harvested_at, rid))
        return "deleted" if record.deleted else "updated"

    def put(self, record: RawRecord, *, key: str, harvested_at: str) -> Outcome:
        """Archive *record* under the stable local *key*; says whether it was added, updated, unchanged
        (same content hash) or deleted. A changed or deleted record's earlier state goes to the history."""
        with self._tx() as db:
            return self._put(db, record, key, harvested_at)

    def put_many(self, records: Iterable[tuple[RawRecord, str]], *, harvested_at: str) -> list[Outcome]:
        """Archive several ``(record, key)`` pairs in one transaction; the outcome of each, in order."""
        with self._tx() as db:
            return [self._put(db, record, key, harvested_at) for record, key in records]

    # -- load state --

    _LOADED_SQL = (
        "UPDATE records SET loaded_hash=:h, "
        "loaded_at=CASE WHEN content_hash=:h THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE loaded_at END, "
        "status=CASE WHEN content_hash=:h THEN (CASE WHEN deleted THEN 'removed' ELSE 'loaded' END) "
        "            ELSE 'pending' END, "
        "error=CASE WHEN content_hash=:h THEN NULL ELSE error END, "
        "failed_hash=CASE WHEN content_hash=:h THEN NULL ELSE failed_hash END, "
        "quality=:q "
        "WHERE source=:s AND identifier=:i"
    )

    def mark_loaded(self, source: str, identifier: str, content_hash: str) -> bool:
        """Record that the triples of *content_hash* (or its removal, for a deleted record) are in the store.

        The record stays pending if its content changed meanwhile. False if the record is unknown.
        """
        with self._tx() as db:
            return db.execute(self._LOADED_SQL, {"h": content_hash, "s": source, "i": identifier,
                                                 "q": None}).rowcount > 0

    def mark_loaded_many(self, source: str, items: Iterable[tuple[str, str] | tuple[str, str, Any]]) -> int:
        """:meth:`mark_loaded` for ``(identifier, content_hash)`` pairs in one transaction; rows updated.
        A third item is the quality summary of the version now in the store (a JSON-able dict, see
        :meth:`quality_summaries`; None for a removal)."""
        with self._tx() as db:
            n = 0
            for identifier, chash, *rest in items:
                summary = rest[0] if rest else None
                q = json.dumps(summary, separators=(",", ":"), sort_keys=True) if summary is not None else None
                n += db.execute(self._LOADED_SQL, {"h": chash, "s": source, "i": identifier, "q": q}).rowcount
            return n

    def stored_count(self, source: str | None = None) -> int:
        """Records whose graph is in the store (``loaded_hash`` set, not removed), of *source* or all."""
        where = "loaded_hash IS NOT NULL AND status != 'removed'" + (" AND source = ?" if source else "")
        with self._lock:
            return self._db.execute(f"SELECT COUNT(*) FROM records WHERE {where}", (source,) if source else ()).fetchone()[0]

    def quality_summaries(self, source: str | None = None) -> dict[str, list[dict[str, Any]]] | None:
        """Source → the quality summaries of its records whose graph is in the store (``loaded_hash`` set,
        not removed): ``{"conforms": bool, "results": {severity: n}, "scores": {dimension|"total": value}}``
        as the pipeline recorded them when it wrote each record (the same facts as its statements in the
        quality graph). None when any such record has no summary (written by an older pangraph, or
        marked loaded without one): then only the store can say."""
        where = "loaded_hash IS NOT NULL AND status != 'removed'" + (" AND source = ?" if source else "")
        args: tuple = (source,) if source else ()
        with self._lock:
            missing = self._db.execute(f"SELECT 1 FROM records WHERE {where} AND quality IS NULL LIMIT 1",
                                       args).fetchone()
            if missing is not None:
                return None
            rows = self._db.execute(f"SELECT source, quality FROM records WHERE {where}", args).fetchall()
        out: dict[str, list[dict[str, Any]]] = {}
        for src, q in rows:
            out.setdefault(src, []).append(json.loads(q))
        return out

    _FAILED_SQL = (
        "UPDATE records SET failed_hash=COALESCE(:h, content_hash), status='failed', error=:r "
        "WHERE source=:s AND identifier=:i"
    )

    def reset_loaded(self, source: str | None = None) -> int:
        """Make every live (not deleted) record of *source* (or all) pending again, failed ones included:
        the next load re-crosswalks them all from the archive (``pangraph recrosswalk``). Returns the
        number of records reset."""
        sql = "UPDATE records SET loaded_hash=NULL, failed_hash=NULL, status='pending', error=NULL WHERE deleted=0"
        args: tuple[Any, ...] = ()
        if source is not None:
            sql += " AND source=?"
            args = (source,)
        with self._tx() as db:
            return db.execute(sql, args).rowcount

    def mark_failed(self, source: str, identifier: str, reason: str, *, content_hash: str | None = None) -> bool:
        """Keep the failure *reason* on the record (which stays archived). The record is no longer
        pending for this content (default: its current hash) until it changes or is re-processed with
        ``pending(include_failed=True)`` / a recrosswalk."""
        with self._tx() as db:
            return db.execute(self._FAILED_SQL, {"h": content_hash, "r": reason, "s": source,
                                                 "i": identifier}).rowcount > 0

    def mark_failed_many(self, source: str, items: Iterable[tuple[str, str]]) -> int:
        """:meth:`mark_failed` for ``(identifier, reason)`` pairs in one transaction; rows updated."""
        with self._tx() as db:
            n = 0
            for identifier, reason in items:
                n += db.execute(self._FAILED_SQL, {"h": None, "r": reason, "s": source, "i": identifier}).rowcount
            return n

    # -- publication state (OAI-PMH datestamps) --

    def _add_published_column(self) -> None:
        """``loaded_at``: when the record's graph was last written to (or dropped from) the store — the
        OAI-PMH datestamp of the record at this node. Added to older archives (filled with the harvest time)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(records)")}
        if "loaded_at" not in columns:
            self._db.execute("ALTER TABLE records ADD COLUMN loaded_at TEXT")
            self._db.execute("UPDATE records SET loaded_at=harvested_at WHERE loaded_hash IS NOT NULL")
        self._db.execute("CREATE INDEX IF NOT EXISTS records_published ON records (loaded_at, id) "
                         "WHERE loaded_at IS NOT NULL")
        self._db.execute("CREATE INDEX IF NOT EXISTS records_by_key ON records (source, key)")  # GetRecord
        if "quality" not in columns:  # older archives: unknown until each record is written again
            self._db.execute("ALTER TABLE records ADD COLUMN quality TEXT")

    _PUBLISHED_COLUMNS = ("id, source, key, loaded_at, (deleted = 1 AND loaded_hash IS content_hash) AS gone")

    def published(self, *, source: str | None = None, key: str | None = None, from_: str | None = None,
                  until: str | None = None, after: tuple[str, int] | None = None,
                  limit: int | None = None) -> list[dict[str, Any]]:
        """Records whose graph is or was in the store, ordered by ``(loaded_at, id)``: each as
        ``{id, source, key, loaded_at, deleted}`` (``deleted``: the record graph was dropped). *from_* /
        *until* bound ``loaded_at`` (ISO strings compared as text), *after* is a ``(loaded_at, id)`` cursor."""
        where, args = self._published_where(source, key, from_, until)
        if after is not None:
            where += " AND (loaded_at > ? OR (loaded_at = ? AND id > ?))"
            args += [after[0], after[0], int(after[1])]
        sql = f"SELECT {self._PUBLISHED_COLUMNS} FROM records WHERE {where} ORDER BY loaded_at, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [{"id": r[0], "source": r[1], "key": r[2], "loaded_at": r[3], "deleted": bool(r[4])} for r in rows]

    def published_count(self, *, source: str | None = None, from_: str | None = None,
                        until: str | None = None) -> int:
        """How many records :meth:`published` lists with these filters (no cursor)."""
        where, args = self._published_where(source, None, from_, until)
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM records WHERE {where}", args).fetchone()[0])

    def published_sources(self) -> list[str]:
        """The sources with at least one published record."""
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT DISTINCT source FROM records WHERE loaded_at IS NOT NULL ORDER BY source")]

    def earliest_published(self) -> str | None:
        """The oldest ``loaded_at`` of any record (None for an empty archive)."""
        with self._lock:
            return self._db.execute("SELECT MIN(loaded_at) FROM records WHERE loaded_at IS NOT NULL").fetchone()[0]

    @staticmethod
    def _published_where(source: str | None, key: str | None, from_: str | None,
                         until: str | None) -> tuple[str, list[Any]]:
        where, args = "loaded_at IS NOT NULL", []
        for clause, value in (("source = ?", source), ("key = ?", key), ("loaded_at >= ?", from_),
                              ("loaded_at <= ?", until)):
            if value is not None:
                where += " AND " + clause
                args.append(value)
        return where, args

    # -- reading records --

    def _chunks(self, where: str, args: tuple[Any, ...]) -> Iterator[ArchivedRecord]:
        """Rows matching *where*, in id order, fetched in chunks (safe while the caller writes)."""
        last = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    f"SELECT {_RECORD_COLUMNS} FROM records WHERE {where} AND id > ? ORDER BY id LIMIT ?",
                    (*args, last, _CHUNK)).fetchall()
            if not rows:
                return
            for row in rows:
                yield _archived(row)
            last = rows[-1][-1]
            if len(rows) < _CHUNK:
                return

    def pending(self, source: str | None = None, *, include_failed: bool = False) -> Iterator[ArchivedRecord]:
        """Records whose current content is not in the store yet (new, changed, or deleted and not yet
        removed), oldest first; failed ones only with *include_failed*."""
        where = "loaded_hash IS NOT content_hash"
        args: tuple[Any, ...] = ()
        if not include_failed:
            where += " AND failed_hash IS NOT content_hash"
        if source is not None:
            where = "source = ? AND " + where
            args = (source,)
        return self._chunks(where, args)

    def iter_records(self, source: str | None = None, *, include_deleted: bool = False) -> Iterator[ArchivedRecord]:
        """Every archived record (of *source*), oldest first; deleted ones only with *include_deleted*."""
        clauses, args = [], []
        if source is not None:
            clauses.append("source = ?")
            args.append(source)
        if not include_deleted:
            clauses.append("deleted = 0")
        return self._chunks(" AND ".join(clauses) or "1", tuple(args))

    def get(self, source: str, identifier: str) -> ArchivedRecord | None:
        """The current state of one record, or None."""
        with self._lock:
            row = self._db.execute(f"SELECT {_RECORD_COLUMNS} FROM records WHERE source=? AND identifier=?",
                                   (source, identifier)).fetchone()
        return _archived(row) if row else None

    def history(self, source: str, identifier: str) -> list[RawRecord]:
        """The earlier states of a record (oldest first), without the current one."""
        with self._lock:
            rows = self._db.execute(
                "SELECT source, identifier, metadata_prefix, payload, datestamp, header, deleted, sets "
                "FROM record_versions WHERE source=? AND identifier=? ORDER BY id", (source, identifier)).fetchall()
        return [RawRecord(source=s, identifier=i, metadata_prefix=p, payload=bytes(pl), datestamp=d,
                          header=bytes(h), deleted=bool(dl), sets=tuple(json.loads(st)))
                for s, i, p, pl, d, h, dl, st in rows]

    def count(self, source: str | None = None, *, include_deleted: bool = False) -> int:
        """Number of archived records (of *source*); deleted ones only with *include_deleted*."""
        sql, args = "SELECT COUNT(*) FROM records WHERE 1", []
        if source is not None:
            sql += " AND source = ?"
            args.append(source)
        if not include_deleted:
            sql += " AND deleted = 0"
        with self._lock:
            return int(self._db.execute(sql, args).fetchone()[0])

    def status_counts(self, source: str | None = None) -> dict[str, int]:
        """Records per status (``pending``, ``loaded``, ``removed``, ``failed``)."""
        sql, args = "SELECT status, COUNT(*) FROM records", []
        if source is not None:
            sql += " WHERE source = ?"
            args.append(source)
        with self._lock:
            rows = self._db.execute(sql + " GROUP BY status", args).fetchall()
        out = {"pending": 0, "loaded": 0, "removed": 0, "failed": 0}
        out.update({s: int(n) for s, n in rows})
        return out

    def sources(self) -> list[str]:
        """Names of the sources that have archived records, sorted."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT DISTINCT source FROM records ORDER BY source")]

    # -- checkpoints --

    def checkpoint(self, source: str) -> str | None:
        """The datestamp the next incremental harvest of *source* starts from, or None (full harvest)."""
        with self._lock:
            row = self._db.execute("SELECT datestamp FROM checkpoints WHERE source=?", (source,)).fetchone()
        return row[0] if row else None

    def set_checkpoint(self, source: str, datestamp: str) -> None:
        """Set the checkpoint of *source* (call it only after a complete, archived listing)."""
        with self._tx() as db:
            db.execute("INSERT INTO checkpoints (source, datestamp, updated_at) VALUES (?, ?, ?) "
                       "ON CONFLICT(source) DO UPDATE SET datestamp=excluded.datestamp, updated_at=excluded.updated_at",
                       (source, datestamp, utc_now()))

    def clear_checkpoint(self, source: str) -> None:
        """Forget the checkpoint of *source*: its next harvest is a full one."""
        with self._tx() as db:
            db.execute("DELETE FROM checkpoints WHERE source=?", (source,))

    # -- runs --

    def start_run(self, source: str, *, kind: str, from_: str | None = None, until: str | None = None) -> int:
        """Open a run report and return its id. Earlier runs of *source* still marked running whose
        process is gone are marked ``interrupted``."""
        now = utc_now()
        with self._tx() as db:
            for rid, pid in db.execute("SELECT id, pid FROM runs WHERE source=? AND status='running'",
                                       (source,)).fetchall():
                if not _pid_alive(pid):
                    db.execute("UPDATE runs SET status='interrupted' WHERE id=?", (rid,))
            report = RunReport(source=source, kind=kind, started_at=now, from_=from_, until=until)
            cur = db.execute("INSERT INTO runs (source, kind, started_at, status, pid, report) "
                             "VALUES (?, ?, ?, 'running', ?, ?)",
                             (source, kind, now, os.getpid(), json.dumps(report.as_dict())))
            return int(cur.lastrowid)  # type: ignore[arg-type]

    def finish_run(self, run_id: int, report: Mapping[str, Any] | RunReport, *, status: str | None = None) -> dict[str, Any]:
        """Close run *run_id* with *report* (counts, errors, range …); returns the stored report.

        The status is *status*, else the report's own (if not ``running``), else ``ok``.
        """
        data = report.as_dict() if isinstance(report, RunReport) else dict(report)
        with self._tx() as db:
            row = db.execute("SELECT source, kind, started_at, report FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                raise PangraphError(f"no run with id {run_id} in the archive {self.path}")
            final = status or (data.get("status") if data.get("status") not in (None, "running") else "ok")
            opened = json.loads(row[3]) if row[3] else {}
            given = {k: v for k, v in data.items() if v is not None}
            merged = RunReport.from_dict({**opened, **given, "id": run_id, "source": row[0],
                                          "kind": data.get("kind") or row[1], "started_at": row[2],
                                          "finished_at": utc_now(), "status": final})
            out = merged.as_dict()
            db.execute("UPDATE runs SET finished_at=?, status=?, report=? WHERE id=?",
                       (merged.finished_at, final, json.dumps(out), run_id))
        return out

    def runs(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """The latest run reports (newest first): id, source, kind, started_at, finished_at, status,
        added, updated, unchanged, deleted, failed, errors (≤ 20), duration_s, from, until, pid …"""
        sql, args = "SELECT id, source, kind, started_at, finished_at, status, pid, report FROM runs", []
        if source is not None:
            sql += " WHERE source = ?"
            args.append(source)
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(int(limit))
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        out = []
        for rid, src, kind, started, finished, status, pid, report in rows:
            d = RunReport(source=src).as_dict()
            d.update(json.loads(report) if report else {})
            if status == "running" and not _pid_alive(pid):
                status = "interrupted"
            d.update({"id": rid, "source": src, "kind": kind, "started_at": started, "finished_at": finished,
                      "status": status, "pid": pid})
            d["duration_s"] = RunReport.from_dict(d).duration_s
            out.append(d)
        return out


# --- per-source run lock ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceLock:
    """A held run lock: the lock file, and who holds it since when."""

    source: str
    path: Path
    pid: int
    started_at: str


@contextmanager
def source_lock(data_dir: str | os.PathLike[str], source: str) -> Iterator[SourceLock]:
    """Hold the exclusive run lock of *source* (``{data_dir}/locks/{source}.lock``) for the ``with`` block.

    Raises :class:`LockedError` at once (no waiting) when another run holds it, naming its pid and
    start time. The lock is an ``flock``: the kernel releases it when the holder dies, even by ``kill -9``.
    """
    if not _SOURCE_NAME.match(source):
        raise PangraphError(f"source name {source!r} must match {_SOURCE_NAME.pattern}", source=source)
    path = Path(data_dir) / "locks" / f"{source}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            raise LockedError(
                f"a harvest of source {source!r} is already running (pid {holder.get('pid', 'unknown')}, "
                f"started at {holder.get('started_at', 'unknown')}"
                + (f" on {holder['host']}" if holder.get("host") else "")
                + f"); wait for it to finish or stop it — the lock {path} is released when that process ends",
                source=source) from None
        info = SourceLock(source=source, path=path, pid=os.getpid(), started_at=utc_now())
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": info.pid, "started_at": info.started_at,
                                  "host": socket.gethostname()}).encode(), 0)
        try:
            yield info
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        data = os.pread(fd, 4096, 0)
        holder = json.loads(data.decode("utf-8")) if data else {}
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}
