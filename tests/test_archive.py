"""The raw-record archive (SQLite): put/pending/mark semantics, history, checkpoints, run reports,
the per-source flock, and consistency after kill -9 (real subprocesses)."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pangraph.archive import Archive, RunReport, source_lock, utc_now
from pangraph.errors import LockedError, PangraphError
from pangraph.records import RawRecord

REPO = Path(__file__).resolve().parents[1]


def rec(identifier: str, body: str = "v1", *, source: str = "src", deleted: bool = False,
        datestamp: str = "2024-01-01T00:00:00Z", sets: tuple[str, ...] = ()) -> RawRecord:
    status = ' status="deleted"' if deleted else ""
    header = f"<header{status}><identifier>{identifier}</identifier><datestamp>{datestamp}</datestamp></header>"
    meta = "" if deleted else f"<metadata><x>{body}</x></metadata>"
    return RawRecord(source=source, identifier=identifier, metadata_prefix="datacite",
                     payload=f"<record>{header}{meta}</record>".encode(), datestamp=datestamp,
                     header=header.encode(), deleted=deleted, sets=sets)


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "archive.sqlite") as a:
        yield a


def test_put_outcomes_and_history(archive: Archive) -> None:
    t = utc_now()
    assert archive.put(rec("a"), key="a", harvested_at=t) == "added"
    assert archive.put(rec("a"), key="a", harvested_at=t) == "unchanged"
    assert archive.put(rec("a", "v2"), key="a", harvested_at=t) == "updated"
    assert archive.put(rec("a", deleted=True), key="a", harvested_at=t) == "deleted"
    assert archive.put(rec("a", deleted=True), key="a", harvested_at=t) == "unchanged"  # seen deleted again
    assert archive.put(rec("b", deleted=True), key="b", harvested_at=t) == "deleted"  # never seen before
    current = archive.get("src", "a")
    assert current.deleted and current.content_hash == rec("a", deleted=True).content_hash
    # nothing is thrown away: both earlier payloads are kept, oldest first
    assert [r.payload for r in archive.history("src", "a")] == [rec("a").payload, rec("a", "v2").payload]
    assert archive.history("src", "b") == []
    assert archive.get("src", "nope") is None


def test_stored_fields(archive: Archive) -> None:
    r = rec("doi:10.1/x", sets=("A", "B"), datestamp="2017-01-00T03:24:00Z")
    archive.put(r, key="10.1-x", harvested_at="2024-05-01T00:00:00.000Z")
    got = archive.get("src", "doi:10.1/x")
    assert (got.payload, got.header, got.datestamp, got.sets, got.metadata_prefix) == (
        r.payload, r.header, "2017-01-00T03:24:00Z", ("A", "B"), "datacite")
    assert got.key == "10.1-x" and got.harvested_at == "2024-05-01T00:00:00.000Z"
    assert got.content_hash == hashlib.sha256(r.payload).hexdigest() and got.status == "pending"
    assert got.as_raw() == r


def test_put_many_is_one_transaction(archive: Archive) -> None:
    t = utc_now()
    assert archive.put_many([(rec("a"), "a"), (rec("b"), "b")], harvested_at=t) == ["added", "added"]
    assert archive.put_many([(rec("a"), "a"), (rec("b", "v2"), "b"), (rec("c"), "c")], harvested_at=t) == [
        "unchanged", "updated", "added"]
    broken = RawRecord(source="src", identifier="d", metadata_prefix="datacite", payload=None)  # type: ignore[arg-type]
    with pytest.raises(Exception):
        archive.put_many([(rec("e"), "e"), (broken, "d")], harvested_at=t)
    assert archive.get("src", "e") is None  # rolled back with the failing record
    assert archive.count() == 3


def test_pending_and_mark_loaded(archive: Archive) -> None:
    t = utc_now()
    archive.put_many([(rec(i), i) for i in "abc"], harvested_at=t)
    assert [r.identifier for r in archive.pending()] == ["a", "b", "c"]
    assert archive.mark_loaded("src", "a", rec("a").content_hash)
    assert archive.mark_loaded_many("src", [("b", rec("b").content_hash)]) == 1
    assert [r.identifier for r in archive.pending()] == ["c"]
    assert archive.get("src", "a").status == "loaded" and archive.get("src", "a").loaded_hash == rec("a").content_hash
    # a change makes it pending again, the store still holds the old hash
    archive.put(rec("a", "v2"), key="a", harvested_at=t)
    a = archive.get("src", "a")
    assert a.status == "pending" and a.loaded_hash == rec("a").content_hash
    assert [r.identifier for r in archive.pending()] == ["a", "c"]
    # marking a stale hash as loaded keeps it pending
    archive.mark_loaded("src", "a", rec("a").content_hash)
    assert "a" in [r.identifier for r in archive.pending()]
    # a deletion is pending until removed from the store
    archive.put(rec("b", deleted=True), key="b", harvested_at=t)
    assert [r.identifier for r in archive.pending()] == ["a", "b", "c"]
    archive.mark_loaded("src", "b", rec("b", deleted=True).content_hash)
    assert archive.get("src", "b").status == "removed"
    assert [r.identifier for r in archive.pending()] == ["a", "c"]
    assert not archive.mark_loaded("src", "unknown", "h")


def test_pending_per_source(archive: Archive) -> None:
    t = utc_now()
    archive.put(rec("a", source="one"), key="a", harvested_at=t)
    archive.put(rec("a", source="two"), key="a", harvested_at=t)
    assert [r.source for r in archive.pending("two")] == ["two"]
    assert archive.sources() == ["one", "two"]


def test_mark_failed_keeps_the_reason_and_the_record(archive: Archive) -> None:
    t = utc_now()
    archive.put_many([(rec("a"), "a"), (rec("b"), "b")], harvested_at=t)
    assert archive.mark_failed("src", "a", "no title")
    assert archive.mark_failed_many("src", [("b", "bad date")]) == 1
    a = archive.get("src", "a")
    assert (a.status, a.error) == ("failed", "no title") and a.payload == rec("a").payload
    assert list(archive.pending()) == []
    assert [r.identifier for r in archive.pending(include_failed=True)] == ["a", "b"]
    # a new version is pending again; loading it clears the error
    archive.put(rec("a", "fixed"), key="a", harvested_at=t)
    assert [r.identifier for r in archive.pending()] == ["a"]
    archive.mark_loaded("src", "a", rec("a", "fixed").content_hash)
    a = archive.get("src", "a")
    assert (a.status, a.error) == ("loaded", None)
    assert archive.status_counts() == {"pending": 0, "loaded": 1, "removed": 0, "failed": 1}


def test_pending_iteration_survives_writes_across_chunks(archive: Archive) -> None:
    t = utc_now()
    archive.put_many([(rec(f"r{i:04d}"), f"r{i}") for i in range(1234)], harvested_at=t)
    seen = []
    for r in archive.pending():
        seen.append(r.identifier)
        archive.mark_loaded(r.source, r.identifier, r.content_hash)
    assert len(seen) == len(set(seen)) == 1234
    assert list(archive.pending()) == []


def test_iter_records_count_and_deleted(archive: Archive) -> None:
    t = utc_now()
    archive.put_many([(rec("a"), "a"), (rec("b", deleted=True), "b"), (rec("c", source="other"), "c")],
                     harvested_at=t)
    assert [r.identifier for r in archive.iter_records()] == ["a", "c"]
    assert [r.identifier for r in archive.iter_records("src", include_deleted=True)] == ["a", "b"]
    assert archive.count() == 2 and archive.count("src") == 1 and archive.count(include_deleted=True) == 3


def test_checkpoints(archive: Archive) -> None:
    assert archive.checkpoint("src") is None
    archive.set_checkpoint("src", "2024-01-01T00:00:00Z")
    archive.set_checkpoint("src", "2024-02-01T00:00:00Z")
    assert archive.checkpoint("src") == "2024-02-01T00:00:00Z" and archive.checkpoint("other") is None
    archive.clear_checkpoint("src")
    assert archive.checkpoint("src") is None


def test_run_reports(archive: Archive) -> None:
    rid = archive.start_run("src", kind="harvest", from_="2024-01-01T00:00:00Z")
    assert archive.runs("src")[0]["status"] == "running"
    report = RunReport(source="src")
    report.count("added", 3)
    report.count("unchanged")
    for i in range(25):
        report.add_error(f"id{i}", "broken")
    time.sleep(0.01)
    stored = archive.finish_run(rid, report)
    assert stored["failed"] == 25 and len(stored["errors"]) == 20
    rid2 = archive.start_run("src", kind="recrosswalk")
    archive.finish_run(rid2, {"updated": 2, "status": "partial"})
    archive.finish_run(archive.start_run("other", kind="harvest"), {})
    runs = archive.runs("src")
    assert [r["id"] for r in runs] == [rid2, rid]
    first = runs[1]
    assert (first["kind"], first["status"], first["added"], first["unchanged"], first["failed"]) == (
        "harvest", "ok", 3, 1, 25)
    assert first["errors"][0] == {"identifier": "id0", "reason": "broken"}
    assert first["from"] == "2024-01-01T00:00:00Z" and first["duration_s"] >= 0.01
    assert runs[0]["status"] == "partial" and runs[0]["updated"] == 2
    assert len(archive.runs(limit=1)) == 1 and len(archive.runs()) == 3
    with pytest.raises(PangraphError):
        archive.finish_run(9999, {})
    with pytest.raises(ValueError):
        report.count("exploded")


def test_run_of_a_dead_process_is_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    code = f"from pangraph.archive import Archive; Archive({str(db)!r}).start_run('src', kind='harvest')"
    subprocess.run([sys.executable, "-c", code], check=True)
    with Archive(db) as archive:
        assert archive.runs("src")[0]["status"] == "interrupted"
        archive.start_run("src", kind="harvest")
        stored = archive._db.execute("SELECT status FROM runs ORDER BY id").fetchall()
        assert [s for (s,) in stored] == ["interrupted", "running"]


def test_durability_settings_and_reopen(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "archive.sqlite"
    with Archive(db) as a:
        a.put(rec("a"), key="a", harvested_at=utc_now())
        assert a._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert a._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with Archive(db, synchronous="FULL") as a:
        assert a._db.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert a.get("src", "a").payload == rec("a").payload and a.integrity_check() == "ok"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version=99")
    con.close()
    with pytest.raises(PangraphError, match="newer"):
        Archive(db)


# --- the per-source lock -----------------------------------------------------------------------------

HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from pangraph.archive import source_lock
    with source_lock(sys.argv[1], sys.argv[2]):
        print("locked", flush=True)
        time.sleep(60)
""")


def _hold_lock_in_subprocess(data_dir: Path, source: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(data_dir), source], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_second_run_is_refused_and_lock_dies_with_its_process(tmp_path: Path) -> None:
    proc = _hold_lock_in_subprocess(tmp_path, "esrf")
    try:
        with pytest.raises(LockedError) as e:
            with source_lock(tmp_path, "esrf"):
                pass
        msg = str(e.value)
        assert f"a harvest of source 'esrf' is already running (pid {proc.pid}, started at 20" in msg
        assert e.value.source == "esrf"
        with source_lock(tmp_path, "other-source"):  # other sources are independent
            pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with source_lock(tmp_path, "esrf") as held:  # flock released by the kernel when the holder died
        assert held.pid == os.getpid() and held.path == tmp_path / "locks" / "esrf.lock"


def test_lock_is_exclusive_within_one_process_and_released_after_use(tmp_path: Path) -> None:
    with source_lock(tmp_path, "s"):
        with pytest.raises(LockedError, match=f"pid {os.getpid()}"):
            with source_lock(tmp_path, "s"):
                pass
    with source_lock(tmp_path, "s"):
        pass
    with pytest.raises(PangraphError):
        with source_lock(tmp_path, "../escape"):
            pass


# --- kill -9 in the middle of writing ---------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from pangraph.archive import Archive, utc_now
    from pangraph.records import RawRecord
    archive = Archive(sys.argv[1])
    batch = 0
    while True:
        pairs = []
        for i in range(50):
            ident = f"r{(batch * 50 + i) % 400}"
            payload = f"<record><x>{ident} {batch}</x>{'y' * 2000}</record>".encode()
            pairs.append((RawRecord("src", ident, "datacite", payload, header=b"<header/>"), ident))
        archive.put_many(pairs, harvested_at=utc_now())
        for ident in [p[0].identifier for p in pairs[:10]]:
            r = archive.get("src", ident)
            archive.mark_loaded("src", ident, r.content_hash)
        batch += 1
        print(batch, flush=True)
""")


def test_kill_9_mid_write_leaves_a_consistent_archive(tmp_path: Path) -> None:
    db = tmp_path / "archive.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        batches = 0
        while batches < 30:
            line = proc.stdout.readline()
            assert line, "the writer died on its own"
            batches = int(line)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with Archive(db) as archive:
        assert archive.integrity_check() == "ok"
        n = archive.count()
        assert n == 400  # 8 full batches create all 400 ids; each batch is all-or-nothing
        for r in archive.iter_records():
            assert hashlib.sha256(r.payload).hexdigest() == r.content_hash
            assert r.status in ("pending", "loaded")
            assert (r.status == "loaded") == (r.loaded_hash == r.content_hash)
        # every superseded version was kept, and the batches are whole: the newest batch number seen
        # is the same for all 50 records of that batch
        latest = max(int(r.payload.split(b" ")[1].split(b"<")[0]) for r in archive.iter_records())
        in_latest = [r for r in archive.iter_records() if f" {latest}<".encode() in r.payload]
        assert len(in_latest) == 50
        versions = archive._db.execute("SELECT COUNT(*) FROM record_versions").fetchone()[0]
        assert versions >= (batches - 8) * 50
        # the archive is still writable
        archive.put(rec("after"), key="after", harvested_at=utc_now())
        assert archive.get("src", "after") is not None
