"""Public SPARQL queries in worker processes that can be stopped: the endpoint's time limit, row cap and
concurrency limit.

Oxigraph releases the GIL while it evaluates a query, but nothing can interrupt a running query from
Python (DESIGN.md §8): a thread that runs a runaway query keeps a core busy until the query ends, however
long. So the endpoint runs every public query in one of a small pool of **worker processes**
(:func:`pangraph.store.query_worker.worker_main`):

- **concurrency** — at most ``sparql.workers`` queries are evaluated at once (one per worker). A query that
  finds every worker busy waits up to ``sparql.queue_timeout_s``, then gets **503** with ``Retry-After``;
- **time limit** — a query still running after ``server.query_timeout_s`` has its worker killed
  (``SIGKILL``: the work really stops and the core is free again); the client gets **503**; a fresh worker
  is started in the background;
- **row cap** — the worker serialises at most ``sparql.max_rows`` solutions (or triples) and says when it
  cut the result (``X-Pangraph-Truncated: true``).

Workers are fresh interpreters (``python -m pangraph.store.query_worker``, a socket pair to talk over: no
fork of the threaded server, no re-import of the app's main module as ``multiprocessing`` would do),
started lazily (the first queries start them, up to ``sparql.workers``; a killed one is replaced at once
in the background), and see the store as follows: an on-disk store is opened read-only (``pyoxigraph.Store.read_only``) and reopened
whenever the primary has written since (``OxigraphStore.generation``); an in-memory store (tests, a
scratch node) is copied into each worker as an N-Quads snapshot, again per write generation.

With ``sparql.workers = 0`` — or a store that is not an Oxigraph store — queries run in threads of the
server process, as before: the client still gets its 503 at the limit, but the query runs to its end
in the background (documented limitation). A remote SPARQL store
(:class:`pangraph.store.remote.RemoteSparqlStore`) also runs in threads, at most ``sparql.workers`` at once:
its HTTP request carries the time limit (the connection is closed at the limit; Virtuoso is also sent
its own ``timeout``) and the row cap is applied while the streamed answer is read (docs/scaling.md).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import anyio

from pangraph.api.errors import ApiError
from pangraph.errors import StoreError
from pangraph.store.query_worker import JobResult, QueryJob, execute_on, snapshot, store_source
from pangraph.store.oxigraph import OxigraphStore

log = logging.getLogger(__name__)

#: longest wait for a fresh worker process to say it is ready
STARTUP_TIMEOUT_S = 60.0
#: how often a queued query looks for a free worker
QUEUE_POLL_S = 0.005


class QueryTimeout(ApiError):
    """The query ran past the time limit and was stopped."""

    def __init__(self, timeout_s: float, *, stopped: bool) -> None:
        what = ("was stopped at" if stopped else "did not finish within")
        super().__init__(
            503, "Query timeout",
            f"the query {what} the node's time limit of {timeout_s:g} s (server.query_timeout_s); "
            "narrow it down (LIMIT, more specific patterns) and try again",
            headers={"Retry-After": "5"}, timeout_s=timeout_s, reason="timeout",
        )


class QueryRejected(ApiError):
    """Every worker stayed busy for the whole queue time."""

    def __init__(self, size: int, queue_timeout_s: float) -> None:
        super().__init__(
            503, "Too many queries",
            f"the node is already running its maximum of {size} concurrent SPARQL queries (sparql.workers) and "
            f"none finished within {queue_timeout_s:g} s (sparql.queue_timeout_s); retry later",
            headers={"Retry-After": "2"}, max_concurrent=size, reason="concurrency",
        )


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    generation: int | None = None
    ready: bool = False

    def wait_ready(self, timeout_s: float) -> bool:
        if self.ready:
            return True
        if self.conn.poll(timeout_s):
            try:
                self.ready = self.conn.recv()[0] == "ready"
            except (EOFError, OSError):
                return False
        return self.ready

    def kill(self) -> None:
        try:
            self.process.kill()  # SIGKILL
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            self.conn.close()
        except OSError:
            pass


class QueryRunner:
    """Admission and execution of the endpoint's queries (processes, or threads as the fallback)."""

    def __init__(self, store: Any, *, workers: int, timeout_s: float, queue_timeout_s: float, max_rows: int) -> None:
        self.store = store
        self.timeout_s = float(timeout_s)
        self.queue_timeout_s = max(0.0, float(queue_timeout_s))
        self.max_rows = max(0, int(max_rows))
        self.source = store_source(store) if workers > 0 else None
        self.mode = "process" if self.source is not None else "thread"
        # processes: one query per worker; threads (workers = 0): one query per core
        self.size = int(workers) if workers > 0 else max(2, os.cpu_count() or 2)
        self._slots = threading.BoundedSemaphore(self.size)
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._live: set[_Worker] = set()
        self._count = 0  # live + starting workers
        self._closed = False
        self._snapshot: tuple[int, bytes] | None = None
        self._snapshot_lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _kill_all, self._live)

    # -- the async side --------------------------------------------------------------------------------------

    async def run(self, job: QueryJob) -> JobResult:
        """Run *job* under the limits; raises :class:`QueryRejected` or :class:`QueryTimeout` (both 503)."""
        job.max_rows = self.max_rows
        deadline = time.monotonic() + self.queue_timeout_s
        while not self._slots.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise QueryRejected(self.size, self.queue_timeout_s)
            await anyio.sleep(QUEUE_POLL_S)
        if self.mode == "thread":
            return await self._run_in_thread(job)
        try:
            return await anyio.to_thread.run_sync(self._run_in_worker, job)
        finally:
            self._slots.release()

    async def _run_in_thread(self, job: QueryJob) -> JobResult:
        remote = callable(getattr(self.store, "run_job", None))

        def call() -> JobResult:
            try:
                if isinstance(self.store, OxigraphStore):
                    return execute_on(self.store, job)
                if remote:  # a remote SPARQL server: the HTTP request carries the time limit, the row cap is read here
                    result = self.store.run_job(job, timeout_s=self.timeout_s or None)
                    if result.error_kind == "timeout":
                        raise QueryTimeout(self.timeout_s, stopped=True)
                    return result
                result = self.store.query(job.query, media_type=job.media_type, default_graphs=job.default_graphs,
                                          named_graphs=job.named_graphs, base_iri=job.base_iri)
                return JobResult(result.kind, result.media_type, result.body)
            finally:  # the slot is held until the query really ends, even when the client was answered
                self._slots.release()

        if self.timeout_s <= 0:
            return await anyio.to_thread.run_sync(call)
        try:  # a remote store ends its request at the limit itself (a small margin lets it answer first)
            with anyio.fail_after(self.timeout_s + (2.0 if remote else 0.0)):
                return await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        except TimeoutError:
            raise QueryTimeout(self.timeout_s, stopped=False) from None

    # -- the worker side (runs in a thread of the server) -------------------------------------------------------

    def _run_in_worker(self, job: QueryJob) -> JobResult:
        worker = self._take()
        if not worker.wait_ready(STARTUP_TIMEOUT_S):
            self._discard(worker)
            raise StoreError("a SPARQL query worker did not start; see the server log")
        try:
            generation = int(getattr(self.store, "generation", 0))
            data = None
            if self.source is not None and self.source["path"] is None and worker.generation != generation:
                data = self._snapshot_of(generation)
            started = time.monotonic()
            worker.conn.send(("run", generation, job, data))
            message = self._receive(worker, started)
            if message[0] == "need-snapshot":
                worker.conn.send(("run", generation, job, self._snapshot_of(generation)))
                message = self._receive(worker, started)
        except BaseException as e:  # timeout (already killed), a worker that died, anything: replace it
            self._discard(worker)
            self._replace()
            if isinstance(e, (EOFError, OSError)):
                raise StoreError(f"a SPARQL query worker failed ({type(e).__name__}); try again") from None
            raise
        worker.generation = generation
        self._give_back(worker)
        return message[1]

    def _receive(self, worker: _Worker, started: float) -> tuple[Any, ...]:
        remaining = self.timeout_s - (time.monotonic() - started) if self.timeout_s > 0 else None
        if remaining is not None and (remaining <= 0 or not worker.conn.poll(remaining)):
            worker.kill()  # SIGKILL: the evaluation stops now
            raise QueryTimeout(self.timeout_s, stopped=True)
        return worker.conn.recv()

    def _snapshot_of(self, generation: int) -> bytes:
        with self._snapshot_lock:
            if self._snapshot is None or self._snapshot[0] != generation:
                self._snapshot = (generation, snapshot(self.store))
            return self._snapshot[1]

    def _take(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise StoreError("the SPARQL endpoint is shutting down")
                if self._idle:
                    return self._idle.pop()
                if self._count < self.size:
                    self._count += 1
                    break
                self._cond.wait(0.5)
        try:
            return self._spawn()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _spawn(self) -> _Worker:
        """A fresh interpreter running :mod:`pangraph.store.query_worker`, speaking over a socket pair (it
        imports only the store side: no app, no main module, no fork of a threaded server)."""
        ours, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "pangraph.store.query_worker", "--fd", str(theirs.fileno()),
                 "--source", json.dumps(self.source)],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, close_fds=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        worker = _Worker(process, Connection(ours.detach()))
        with self._cond:
            self._live.add(worker)
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._cond:
            if self._closed:
                worker.kill()
                return
            self._idle.append(worker)
            self._cond.notify()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._cond:
            self._live.discard(worker)
            self._count -= 1
            self._cond.notify()

    def _replace(self) -> None:
        """Start a fresh worker in the background, so that the next query does not wait for it."""
        with self._cond:
            if self._closed or self._count >= self.size:
                return
            self._count += 1

        def start() -> None:
            try:
                worker = self._spawn()
                if worker.wait_ready(STARTUP_TIMEOUT_S):
                    self._give_back(worker)
                else:
                    self._discard(worker)
            except Exception:  # noqa: BLE001 - the next query starts one itself
                log.exception("could not restart a SPARQL query worker")
                with self._cond:
                    self._count -= 1
                    self._cond.notify()

        threading.Thread(target=start, name="pangraph-sparql-respawn", daemon=True).start()

    # -- introspection and shutdown ------------------------------------------------------------------------------

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers."""
        with self._cond:
            return [w.process.pid for w in self._live if w.process.pid is not None]

    def close(self) -> None:
        """Stop every worker (the app's shutdown)."""
        with self._cond:
            self._closed = True
            self._idle.clear()
            self._cond.notify_all()
        _kill_all(self._live)


def _kill_all(workers: set[_Worker]) -> None:
    for worker in list(workers):
        worker.kill()
    workers.clear()


def query_runner(config: Any, store: Any) -> QueryRunner:
    """The runner a node's configuration asks for."""
    return QueryRunner(
        store,
        workers=int(config["sparql.workers"]),
        timeout_s=float(config["server.query_timeout_s"]),
        queue_timeout_s=float(config["sparql.queue_timeout_s"]),
        max_rows=int(config["sparql.max_rows"]),
    )
