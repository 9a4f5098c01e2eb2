"""Real SPARQL servers for the remote-store tests and the backend benchmark: an Oxigraph server (the
``oxigraph`` CLI of the PyPI package ``oxigraph``) and a private Virtuoso instance (Debian
``virtuoso-opensource``, installed by ``scripts/ensure-virtuoso.sh``), each on 127.0.0.1 at free ports,
with its data in a temporary directory, stopped (and its directory removed) afterwards.

Both helpers are context managers yielding a :class:`RemoteServer`: its endpoints and the settings a node
needs to use it (``settings`` → ``Config.with_values(**settings)``). When a server is not installed on
this machine, :func:`oxigraph_server` / :func:`virtuoso_server` raise :class:`ServerUnavailable` (the tests
turn that into a skip with the reason).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import httpx

VIRTUOSO_BIN = "virtuoso-t"
#: Virtuoso's built-in administrator of a fresh database (private instance: never exposed)
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"


class ServerUnavailable(RuntimeError):
    """The server is not installed on this machine (or would not start): the reason, for a skip."""


@dataclass
class RemoteServer:
    name: str
    base_url: str
    settings: dict[str, Any]
    process: subprocess.Popen
    workdir: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def log(self) -> str:
        path = self.extra.get("log")
        try:
            return Path(path).read_text(errors="replace")[-4000:] if path else ""
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _oxigraph_cli() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    if here.exists():
        return str(here)
    return shutil.which("oxigraph")


def _wait_http(url: str, process: subprocess.Popen, *, timeout_s: float, ok=lambda r: r.status_code < 500,
               auth: Any = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise ServerUnavailable(f"{url}: the server exited with code {process.returncode}: {tail}")
        try:
            r = httpx.get(url, timeout=2.0, auth=auth)
            if ok(r):
                return
            last = f"HTTP {r.status_code}"
        except httpx.HTTPError as e:
            last = str(e)
        time.sleep(0.1)
    raise ServerUnavailable(f"{url} did not become ready within {timeout_s:g} s ({last})")


def _stop(process: subprocess.Popen, *, timeout_s: float = 20.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


# -- Oxigraph server ------------------------------------------------------------------------------------------

@contextmanager
def oxigraph_server(*, union_default_graph: bool = False, timeout_s: float = 30.0,
                    query_timeout_s: float = 10.0, location: Path | None = None) -> Iterator[RemoteServer]:
    """``oxigraph serve`` on an on-disk store in a temporary directory. By default *without*
    ``--union-default-graph``: the adapter asks for the union per query (``union-default-graph``).
    ``--timeout-s`` (*query_timeout_s*) makes the server itself stop a query that runs past it.
    *location*: serve that store directory (e.g. a node's embedded store) instead of a new one."""
    cli = _oxigraph_cli()
    if cli is None:
        raise ServerUnavailable("the `oxigraph` CLI is not installed (pip install oxigraph; it is in the test extra)")
    workdir = Path(tempfile.mkdtemp(prefix="pangraph-oxigraph-server-"))
    port = free_port()
    log = workdir / "server.log"
    args = [cli, "serve", "--location", str(location or workdir / "data"), "--bind", f"127.0.0.1:{port}",
            "--timeout-s", f"{query_timeout_s:g}"]
    if union_default_graph:
        args.append("--union-default-graph")
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{base}/query?query=ASK%7B%7D", process, timeout_s=timeout_s, log=log)
        yield RemoteServer(
            "oxigraph-server", base,
            {"store__backend": "sparql", "store__server": "oxigraph",
             "store__query_endpoint": f"{base}/query", "store__update_endpoint": f"{base}/update",
             "store__gsp_endpoint": f"{base}/store"},
            process, workdir, {"log": str(log)},
        )
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


# -- Virtuoso --------------------------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
CheckpointAuditTrail     = 0
AllowOSCalls             = 0
SchedulerInterval        = 10
DirsAllowed              = ., {d}
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize        = 100000
SingleCPU                = 0
PrefixResultNames        = 0
RdfFreeTextRulesSize     = 100
IndexTreeMaps            = 64
MaxQueryMem              = 1G
VectorSize               = 1000
MaxVectorSize            = 1000000
AdjustVectorSize         = 0
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 10
NumberOfBuffers          = {buffers}
MaxDirtyBuffers          = {dirty}

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = {d}/vsp
MaxClientConnections        = 10
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
TempASPXDir                 = 0
ServerThreads               = 10
MaxKeepAlives               = 10
KeepAliveTimeout            = 10
MaxCachedProxyConnections   = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize              = 280000
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
EnabledGzipContent          = 0

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[VDB]
ArrayOptimization           = 0
NumArrayParameters          = 10
VDBDisconnectTimeout        = 1000
KeepConnectionOnFixedThread = 0

[Replication]
ServerName   = pangraph-test
ServerEnable = 1
QueueMax     = 50000

[URIQA]
DynamicLocal = 0
DefaultHost  = 127.0.0.1:{http_port}

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 120
DefaultQuery               = select distinct ?Concept where {{[] a ?Concept}} LIMIT 100
DeferInferenceRulesInit    = 0
"""


def virtuoso_available() -> str | None:
    """None when Virtuoso can be started here, else the reason it cannot."""
    if shutil.which(VIRTUOSO_BIN) is None:
        return ("Virtuoso (`virtuoso-t`, Debian virtuoso-opensource) is not installed; "
                "scripts/ensure-virtuoso.sh installs it")
    return None


@contextmanager
def virtuoso_server(*, timeout_s: float = 90.0, buffers: int = 170000, max_rows: int = 1_000_000) -> Iterator[RemoteServer]:
    """A private Virtuoso instance: its own ``virtuoso.ini`` and database in a temporary directory (no
    default DB), HTTP and SQL ports from :func:`free_port`, run in the foreground of a child process.
    The node writes through the digest-authenticated endpoints (``/sparql-auth``,
    ``/sparql-graph-crud-auth``) as ``dba``; ``max_rows`` is the instance's ``ResultSetMaxRows``.
    ``buffers`` (8 KB pages): 170000 ≈ 1.3 GB, Virtuoso's advice for ~2 GB of free memory."""
    reason = virtuoso_available()
    if reason:
        raise ServerUnavailable(reason)
    workdir = Path(tempfile.mkdtemp(prefix="pangraph-virtuoso-"))
    (workdir / "vsp").mkdir()
    http_port, sql_port = free_port(), free_port()
    while sql_port == http_port:
        sql_port = free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(d=workdir, sql_port=sql_port, http_port=http_port, buffers=buffers,
                                       dirty=buffers * 3 // 4, max_rows=max_rows))
    log = workdir / "stdout.log"
    with log.open("wb") as out:
        # +foreground: a child we can stop by its pid; +wait not needed (we poll HTTP)
        process = subprocess.Popen([VIRTUOSO_BIN, "+configfile", str(ini), "+foreground"], cwd=workdir,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{http_port}"
    auth = httpx.DigestAuth(VIRTUOSO_USER, VIRTUOSO_PASSWORD)
    try:
        _wait_http(f"{base}/sparql?query=ASK%7B%7D", process, timeout_s=timeout_s,
                   ok=lambda r: r.status_code == 200, log=workdir / "virtuoso.log")
        yield RemoteServer(
            "virtuoso", base,
            {"store__backend": "sparql", "store__server": "virtuoso",
             "store__query_endpoint": f"{base}/sparql-auth", "store__update_endpoint": f"{base}/sparql-auth",
             "store__gsp_endpoint": f"{base}/sparql-graph-crud-auth",
             "store__user": VIRTUOSO_USER, "store__password": VIRTUOSO_PASSWORD},
            process, workdir, {"log": str(workdir / "virtuoso.log"), "sql_port": sql_port, "auth": auth},
        )
    finally:
        _stop(process, timeout_s=30)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def server(kind: str, **kwargs: Any) -> Iterator[RemoteServer]:
    """``kind``: "oxigraph-server" or "virtuoso"."""
    factory = {"oxigraph-server": oxigraph_server, "virtuoso": virtuoso_server}[kind]
    with factory(**kwargs) as srv:
        yield srv


if __name__ == "__main__":  # python tests/remote_stores.py virtuoso: start one by hand, Ctrl-C stops it
    with server(sys.argv[1] if len(sys.argv) > 1 else "oxigraph-server") as s:
        print(s.base_url, s.settings, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    os._exit(0)
