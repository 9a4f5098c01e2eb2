"""A real OAI-PMH 2.0 HTTP server for tests: 127.0.0.1, a free port, a background thread.

It runs in one of two modes.

**Files** — serve the real sample responses of ``../shared/data/oai-pmh/`` byte for byte::

    with OAIServer(files=shared_data / "oai-pmh" / "sickle-sample-data", routes=SICKLE_ROUTES) as server:
        OAIPMHSource("s", server.url, metadata_prefix="oai_dc")

  A request is answered by the first :class:`Route` whose ``match`` items all equal request
  parameters (``"_path"`` matches the URL path); a route serves a ``file`` or generates an OAI
  ``error`` code. A ``resumptionToken`` equal to the name of a file in the folder serves that file
  (that is how sickle's ``ListRecords.xml`` → ``ListRecords2.xml`` → … chain works, its tokens are file
  names). Anything else gets HTTP 404. Ready-made tables: :data:`SICKLE_ROUTES`,
  :data:`VIRINGO_ROUTES`, :data:`SCICAT_ROUTES` (paths ``/scicat/oai``, ``/openaire/oai``,
  ``/panosc/oai``); each table's comments say which request reaches which file.

**Records** — serve the project's own paged responses from a list of :class:`ServedRecord`::

    server = OAIServer(records=make_datacite_records(100), page_size=10)
    with server:
        ...  # harvest server.url with metadataPrefix oai_datacite or datacite
        server.set_record(ServedRecord("doi:10.5072/x", "2024-05-01T00:00:00Z", datacite_xml(...)))
        server.delete_record("doi:10.5072/pangraph-test-3")   # datestamp: now, by default

  Every verb is implemented: Identify (``granularity`` as configured, ``deletedRecord persistent``),
  ListMetadataFormats, ListSets (``noSetHierarchy`` when no record has a set), ListRecords and
  ListIdentifiers (pages of ``page_size`` in insertion order, ``from``/``until`` inclusive on
  datestamps, ``set``, deleted records as ``<header status="deleted">``, ``resumptionToken`` with
  ``completeListSize``/``cursor`` and an empty token on the last page, ``noRecordsMatch``), GetRecord
  (``idDoesNotExist``), and the errors badVerb, badArgument (missing/repeated arguments, a ``from``
  finer than the granularity, ``from`` > ``until``), cannotDisseminateFormat, badResumptionToken
  (after :meth:`OAIServer.expire_tokens`), noMetadataFormats (ListMetadataFormats of a deleted
  record). ``metadata`` goes into ``<metadata>`` as given; for the prefix ``oai_datacite`` it is
  wrapped in the oai_datacite 1.1 envelope. ``responseDate`` comes from ``clock`` (default: now, UTC).
  Records may be changed between (and during) runs: :meth:`set_record`, :meth:`delete_record`,
  :meth:`remove_record`.

**Faults** (both modes) apply to the next *n* requests, optionally only to one verb, in the order
they were queued: :meth:`fail_next` (HTTP status, default 503, optional ``Retry-After``),
:meth:`throttle_next` (429 + ``Retry-After``), :meth:`slow_next` (answer after ``delay_s``, i.e.
beyond a short client timeout), :meth:`malformed_next` (a page that is not XML, optionally still
holding the page's real resumptionToken), :meth:`drop_next` (close the connection without answer).

**Log**: :attr:`requests` lists every request (:class:`LoggedRequest`: method, path, params, status,
fault, and in files mode the file served); :meth:`clear_log` empties it.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

OAI_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
)
VERBS = ("Identify", "ListMetadataFormats", "ListSets", "ListIdentifiers", "ListRecords", "GetRecord")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


# --- data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServedRecord:
    """One record of a records-mode server. ``metadata`` is the XML put inside ``<metadata>``."""

    identifier: str
    datestamp: str
    metadata: str | None = None
    sets: tuple[str, ...] = ()
    deleted: bool = False


@dataclass(frozen=True)
class Route:
    """Files mode: requests whose parameters include all of ``match`` get ``file`` (or OAI ``error``)."""

    match: Mapping[str, str]
    file: str | None = None
    error: str | None = None


@dataclass
class LoggedRequest:
    """One request the server received, and what it answered."""

    method: str
    path: str
    params: dict[str, str]
    status: int | None = None
    fault: str | None = None
    file: str | None = None
    at: float = field(default_factory=time.time)

    @property
    def verb(self) -> str | None:
        return self.params.get("verb")


@dataclass
class _Fault:
    kind: str  # status | slow | malformed | drop
    remaining: int
    verb: str | None = None
    status: int = 503
    retry_after: str | None = None
    delay_s: float = 0.0
    keep_token: bool = False


def datacite_xml(doi: str, title: str, *, year: int = 2024, creator: str = "Doe, Jane",
                 publisher: str = "Test Facility", description: str | None = None) -> str:
    """A small DataCite kernel-4 ``<resource>`` for *doi* (no XML declaration)."""
    desc = (f'<descriptions><description descriptionType="Abstract">{escape(description)}</description>'
            "</descriptions>") if description else ""
    return (
        '<resource xmlns="http://datacite.org/schema/kernel-4" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://datacite.org/schema/kernel-4 '
        'http://schema.datacite.org/meta/kernel-4/metadata.xsd">'
        f'<identifier identifierType="DOI">{escape(doi)}</identifier>'
        f"<creators><creator><creatorName>{escape(creator)}</creatorName></creator></creators>"
        f"<titles><title>{escape(title)}</title></titles>"
        f"<publisher>{escape(publisher)}</publisher>"
        f"<publicationYear>{year}</publicationYear>"
        '<resourceType resourceTypeGeneral="Dataset">Dataset</resourceType>'
        f"{desc}</resource>"
    )


def make_datacite_records(n: int, *, start: str = "2024-01-01T00:00:00Z", step_s: int = 60,
                          doi_prefix: str = "10.5072", name: str = "pangraph-test",
                          sets: tuple[str, ...] = ()) -> list[ServedRecord]:
    """*n* DataCite records ``doi:{doi_prefix}/{name}-{i}``, datestamps *start* + i·*step_s* seconds."""
    t0 = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    out = []
    for i in range(n):
        doi = f"{doi_prefix}/{name}-{i}"
        stamp = datetime.fromtimestamp(t0 + i * step_s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(ServedRecord(f"doi:{doi}", stamp, datacite_xml(doi, f"Dataset {i}"), sets=sets))
    return out


# --- ready-made routes for the shared sample files -------------------------------------------------

SICKLE_ROUTES: tuple[Route, ...] = (
    Route({"verb": "Identify"}, "Identify.xml"),
    # idDoesNotExist.xml was recorded for ListMetadataFormats of this identifier; GetRecord of it too.
    Route({"verb": "ListMetadataFormats", "identifier": "oai:lcoa1.loc.gov:loc.rbc/rbpe.00000111"}, "idDoesNotExist.xml"),
    Route({"verb": "GetRecord", "identifier": "oai:lcoa1.loc.gov:loc.rbc/rbpe.00000111"}, "idDoesNotExist.xml"),
    Route({"verb": "ListMetadataFormats"}, "ListMetadataFormats.xml"),
    Route({"verb": "ListSets"}, "ListSets.xml"),
    # cannotDisseminateFormat.xml answered metadataPrefix=oai_marc (in GetRecord and in listings).
    Route({"metadataPrefix": "oai_marc"}, "cannotDisseminateFormat.xml"),
    Route({"_path": "/utf8", "verb": "GetRecord"}, "GetRecord_utf8test.xml"),
    Route({"verb": "GetRecord"}, "GetRecord.xml"),
    # badArgument.xml: its request had the illegal until "2002-06-01T03:020:00Z".
    Route({"until": "2002-06-01T03:020:00Z"}, "badArgument.xml"),
    # noRecordsMatch.xml: its request was from=until=2001-01-01.
    Route({"from": "2001-01-01"}, "noRecordsMatch.xml"),
    Route({"resumptionToken": "expired-token"}, "badResumptionToken.xml"),
    # A repository without sets answers a set argument with noSetHierarchy.xml.
    Route({"set": "physics"}, "noSetHierarchy.xml"),
    Route({"set": "undefined"}, "undefinedError.xml"),
    Route({"verb": "ListRecords", "set": "broken"}, "ListRecordsBroken.xml"),
    # ListRecords.xml -> ListRecords2.xml -> ListRecords3.xml -> ListRecords4.xml (tokens are file names)
    Route({"verb": "ListRecords", "metadataPrefix": "oai_dc"}, "ListRecords.xml"),
    Route({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}, "ListIdentifiers.xml"),
)

VIRINGO_NEXT_TOKEN = "metadataPrefix%3Doai_dc%26set%3DDATACITE.DATACITE%26paging_cursor%3D1%26cursor%3D1"

VIRINGO_ROUTES: tuple[Route, ...] = (
    Route({"verb": "Identify"}, "oai_identify.xml"),
    Route({"verb": "ListMetadataFormats"}, "oai_listmetadataformats.xml"),
    Route({"verb": "ListSets"}, "oai_listsets.xml"),
    Route({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "oai_getrecord_dc.xml"),
    Route({"verb": "GetRecord", "metadataPrefix": "oai_datacite"}, "oai_getrecord_oaidatacite.xml"),
    Route({"verb": "GetRecord", "metadataPrefix": "datacite"}, "oai_getrecord_datacite.xml"),
    # The fixtures hold one page (both records, completeListSize=2) whose token points further; there is
    # no recorded second page, so this server answers that token as an empty continuation (noRecordsMatch).
    Route({"resumptionToken": VIRINGO_NEXT_TOKEN}, error="noRecordsMatch"),
    Route({"verb": "ListIdentifiers"}, "oai_listidentifiers.xml"),
    Route({"verb": "ListRecords", "metadataPrefix": "oai_dc"}, "oai_listrecords_dc.xml"),
)

SCICAT_ROUTES: tuple[Route, ...] = tuple(
    Route({"_path": f"/{flavour}/oai", "verb": verb}, f"{flavour}-{verb}.xml")
    for flavour in ("scicat", "openaire", "panosc")
    for verb in ("Identify", "ListIdentifiers", "ListRecords", "GetRecord")
)


# --- the server ----------------------------------------------------------------------------------


class OAIServer:
    """A real OAI-PMH server on 127.0.0.1 (see the module docstring). Use it as a context manager,
    or call :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        records: Iterable[ServedRecord] | None = None,
        *,
        page_size: int = 10,
        files: Path | str | None = None,
        routes: Sequence[Route] = (),
        prefixes: Sequence[str] = ("oai_datacite", "datacite"),
        granularity: str = "YYYY-MM-DDThh:mm:ssZ",
        repository_name: str = "pangraph test repository",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if files is not None and records is not None:
            raise ValueError("OAIServer serves either files or records, not both")
        self.files = Path(files) if files is not None else None
        self.routes = tuple(routes)
        self.page_size = page_size
        self.prefixes = tuple(prefixes)
        self.granularity = granularity
        self.repository_name = repository_name
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._records: dict[str, ServedRecord] = {r.identifier: r for r in (records or ())}
        self._lock = threading.RLock()
        self._faults: list[_Fault] = []
        self._generation = 0
        self.requests: list[LoggedRequest] = []
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --

    def start(self) -> "OAIServer":
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                split = urlsplit(self.path)
                server._handle(self, "GET", split.path, split.query)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                server._handle(self, "POST", urlsplit(self.path).path, body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="oai-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (wakes up slow answers) and free the port."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> "OAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL (``http://127.0.0.1:PORT/oai``); any path is served, ``_path`` routes may use others."""
        if self._httpd is None:
            raise RuntimeError("the server is not running (use it as a context manager or call start())")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/oai"

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (for ``_path`` routes such as ``/scicat/oai``)."""
        return self.url[: -len("/oai")]

    # -- records --

    @property
    def records(self) -> list[ServedRecord]:
        """The records served, in serving order."""
        with self._lock:
            return list(self._records.values())

    def set_record(self, record: ServedRecord) -> None:
        """Add *record*, or replace the record with its identifier (keeping its place in the order)."""
        with self._lock:
            self._records[record.identifier] = record

    def update_record(self, identifier: str, *, metadata: str, datestamp: str | None = None) -> ServedRecord:
        """Change the metadata of *identifier* (datestamp: now by default); returns the new record."""
        with self._lock:
            new = replace(self._records[identifier], metadata=metadata, deleted=False,
                          datestamp=datestamp or self.now())
            self._records[identifier] = new
            return new

    def delete_record(self, identifier: str, *, datestamp: str | None = None) -> None:
        """Mark *identifier* deleted (served as a deleted header from now on; datestamp: now by default)."""
        with self._lock:
            old = self._records[identifier]
            self._records[identifier] = replace(old, deleted=True, metadata=None, datestamp=datestamp or self.now())

    def remove_record(self, identifier: str) -> None:
        """Forget *identifier* entirely (as a repository with ``deletedRecord no`` would)."""
        with self._lock:
            del self._records[identifier]

    def expire_tokens(self) -> None:
        """Make every resumptionToken issued so far invalid (answered with badResumptionToken)."""
        with self._lock:
            self._generation += 1

    def now(self) -> str:
        """The server clock as an OAI datestamp."""
        return self.clock().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    # -- faults and log --

    def fail_next(self, n: int = 1, *, status: int = 503, retry_after: str | int | None = None,
                  verb: str | None = None) -> None:
        """Answer the next *n* requests (of *verb*, if given) with HTTP *status* (+ ``Retry-After``)."""
        self._add_fault(_Fault("status", n, verb, status=status,
                               retry_after=None if retry_after is None else str(retry_after)))

    def throttle_next(self, n: int = 1, *, retry_after: str | int = 1, verb: str | None = None) -> None:
        """Answer the next *n* requests with 429 Too Many Requests and ``Retry-After``."""
        self.fail_next(n, status=429, retry_after=retry_after, verb=verb)

    def slow_next(self, n: int = 1, *, delay_s: float, verb: str | None = None) -> None:
        """Answer the next *n* requests only after *delay_s* seconds (beyond a short client timeout)."""
        self._add_fault(_Fault("slow", n, verb, delay_s=delay_s))

    def malformed_next(self, n: int = 1, *, keep_token: bool = False, verb: str | None = None) -> None:
        """Answer the next *n* requests with a page that is not well-formed XML; with *keep_token* the
        broken page still holds the resumptionToken the correct page would have had."""
        self._add_fault(_Fault("malformed", n, verb, keep_token=keep_token))

    def drop_next(self, n: int = 1, *, verb: str | None = None) -> None:
        """Close the connection of the next *n* requests without answering."""
        self._add_fault(_Fault("drop", n, verb))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def _add_fault(self, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("a fault applies to at least one request")
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, verb: str | None) -> _Fault | None:
        with self._lock:
            for f in self._faults:
                if f.verb is None or f.verb == verb:
                    f.remaining -= 1
                    if f.remaining <= 0:
                        self._faults.remove(f)
                    return f
        return None

    # -- HTTP handling --

    def _handle(self, handler: BaseHTTPRequestHandler, method: str, path: str, query: str) -> None:
        raw = parse_qs(query, keep_blank_values=True)
        params = {k: v[0] for k, v in raw.items()}
        repeated = sorted(k for k, v in raw.items() if len(v) > 1)
        entry = LoggedRequest(method=method, path=path, params=params)
        with self._lock:
            self.requests.append(entry)
        fault = self._take_fault(params.get("verb"))
        headers: dict[str, str] = {}
        if fault is not None:
            entry.fault = fault.kind
            if fault.kind == "drop":
                entry.status = None
                handler.close_connection = True
                return
            if fault.kind == "status":
                if fault.retry_after is not None:
                    headers["Retry-After"] = fault.retry_after
                self._send(handler, entry, fault.status, b"temporarily unavailable", headers, "text/plain")
                return
            if fault.kind == "slow":
                if self._stopping.wait(fault.delay_s):
                    return
        if repeated:
            status, body = 200, self._error_page(params, "badArgument", f"repeated argument(s) {repeated}")
        elif self.files is not None:
            status, body, entry.file = self._answer_from_files(path, params)
        else:
            status, body = 200, self._answer_from_records(params)
        if fault is not None and fault.kind == "malformed":
            body = self._broken(body, keep_token=fault.keep_token)
        self._send(handler, entry, status, body, headers, "text/xml; charset=utf-8")

    def _send(self, handler: BaseHTTPRequestHandler, entry: LoggedRequest, status: int, body: bytes,
              headers: Mapping[str, str], content_type: str) -> None:
        entry.status = status
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    @staticmethod
    def _broken(body: bytes, *, keep_token: bool) -> bytes:
        out = b'<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH><ListRecords><record><header><identifier>'
        m = re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
        if keep_token and m:
            out += b"<resumptionToken>" + m.group(1) + b"</resumptionToken>"
        return out + b"<unclosed & broken"

    # -- files mode --

    def _answer_from_files(self, path: str, params: Mapping[str, str]) -> tuple[int, bytes, str | None]:
        assert self.files is not None
        for route in self.routes:
            if all((path.rstrip("/") == v.rstrip("/")) if k == "_path" else params.get(k) == v
                   for k, v in route.match.items()):
                if route.error:
                    return 200, self._error_page(params, route.error, None), None
                return 200, (self.files / route.file).read_bytes(), route.file  # type: ignore[operator]
        token = params.get("resumptionToken")
        if token and "/" not in token and (self.files / token).is_file():
            return 200, (self.files / token).read_bytes(), token
        return 404, f"no route for {path} {dict(params)}".encode(), None

    # -- records mode --

    def _xml(self, params: Mapping[str, str], inner: str) -> bytes:
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in params.items() if k in
                        ("verb", "identifier", "metadataPrefix", "from", "until", "set", "resumptionToken"))
        return (f"{OAI_HEADER}<responseDate>{self.now()}</responseDate>"
                f"<request{attrs}>{escape(self._base_url())}</request>{inner}</OAI-PMH>").encode()

    def _base_url(self) -> str:
        return self.url if self._httpd is not None else "http://127.0.0.1/oai"

    def _error_page(self, params: Mapping[str, str], code: str, message: str | None) -> bytes:
        text = escape(message) if message else ""
        return self._xml({k: v for k, v in params.items() if k in ("verb",)}, f'<error code="{code}">{text}</error>')

    def _answer_from_records(self, params: dict[str, str]) -> bytes:
        verb = params.get("verb")
        if verb not in VERBS:
            return self._error_page(params, "badVerb", f"illegal verb {verb!r}")
        handler = getattr(self, f"_verb_{verb}")
        return handler(params)

    def _check_args(self, params: Mapping[str, str], allowed: set[str], required: set[str]) -> str | None:
        extra = set(params) - allowed - {"verb"}
        missing = required - set(params)
        if extra:
            return f"illegal argument(s) {sorted(extra)}"
        if missing:
            return f"missing argument(s) {sorted(missing)}"
        return None

    def _verb_Identify(self, params: dict[str, str]) -> bytes:  # noqa: N802
        if problem := self._check_args(params, set(), set()):
            return self._error_page(params, "badArgument", problem)
        with self._lock:
            stamps = [r.datestamp for r in self._records.values()]
        earliest = min(stamps) if stamps else "1970-01-01T00:00:00Z"
        if self.granularity == "YYYY-MM-DD":
            earliest = earliest[:10]
        inner = (f"<Identify><repositoryName>{escape(self.repository_name)}</repositoryName>"
                 f"<baseURL>{escape(self._base_url())}</baseURL><protocolVersion>2.0</protocolVersion>"
                 "<adminEmail>admin@example.org</adminEmail>"
                 f"<earliestDatestamp>{earliest}</earliestDatestamp><deletedRecord>persistent</deletedRecord>"
                 f"<granularity>{self.granularity}</granularity></Identify>")
        return self._xml(params, inner)

    def _verb_ListMetadataFormats(self, params: dict[str, str]) -> bytes:  # noqa: N802
        if problem := self._check_args(params, {"identifier"}, set()):
            return self._error_page(params, "badArgument", problem)
        ident = params.get("identifier")
        if ident is not None:
            with self._lock:
                rec = self._records.get(ident)
            if rec is None:
                return self._error_page(params, "idDoesNotExist", None)
            if rec.deleted:
                return self._error_page(params, "noMetadataFormats", None)
        namespaces = {
            "oai_datacite": ("http://schema.datacite.org/oai/oai-1.1/oai.xsd", "http://schema.datacite.org/oai/oai-1.1/"),
            "datacite": ("http://schema.datacite.org/meta/kernel-4/metadata.xsd", "http://datacite.org/schema/kernel-4"),
            "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc/"),
        }
        fmts = "".join(
            f"<metadataFormat><metadataPrefix>{p}</metadataPrefix><schema>{namespaces.get(p, ('', ''))[0]}</schema>"
            f"<metadataNamespace>{namespaces.get(p, ('', ''))[1]}</metadataNamespace></metadataFormat>"
            for p in self.prefixes)
        return self._xml(params, f"<ListMetadataFormats>{fmts}</ListMetadataFormats>")

    def _verb_ListSets(self, params: dict[str, str]) -> bytes:  # noqa: N802
        if problem := self._check_args(params, {"resumptionToken"}, set()):
            return self._error_page(params, "badArgument", problem)
        with self._lock:
            sets = sorted({s for r in self._records.values() for s in r.sets})
        if not sets:
            return self._error_page(params, "noSetHierarchy", "this repository does not support sets")
        body = "".join(f"<set><setSpec>{escape(s)}</setSpec><setName>{escape(s)}</setName></set>" for s in sets)
        return self._xml(params, f"<ListSets>{body}</ListSets>")

    def _header(self, r: ServedRecord) -> str:
        status = ' status="deleted"' if r.deleted else ""
        sets = "".join(f"<setSpec>{escape(s)}</setSpec>" for s in r.sets)
        return (f"<header{status}><identifier>{escape(r.identifier)}</identifier>"
                f"<datestamp>{escape(r.datestamp)}</datestamp>{sets}</header>")

    def _record(self, r: ServedRecord, prefix: str) -> str:
        if r.deleted or r.metadata is None:
            return f"<record>{self._header(r)}</record>"
        meta = r.metadata
        if prefix == "oai_datacite":
            meta = ('<oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.1/">'
                    "<schemaVersion>4</schemaVersion><datacentreSymbol>TEST.TEST</datacentreSymbol>"
                    f"<payload>{meta}</payload></oai_datacite>")
        return f"<record>{self._header(r)}<metadata>{meta}</metadata></record>"

    def _verb_GetRecord(self, params: dict[str, str]) -> bytes:  # noqa: N802
        if problem := self._check_args(params, {"identifier", "metadataPrefix"}, {"identifier", "metadataPrefix"}):
            return self._error_page(params, "badArgument", problem)
        if params["metadataPrefix"] not in self.prefixes:
            return self._error_page(params, "cannotDisseminateFormat", None)
        with self._lock:
            rec = self._records.get(params["identifier"])
        if rec is None:
            return self._error_page(params, "idDoesNotExist", None)
        return self._xml(params, f"<GetRecord>{self._record(rec, params['metadataPrefix'])}</GetRecord>")

    def _verb_ListRecords(self, params: dict[str, str]) -> bytes:  # noqa: N802
        return self._listing(params, "ListRecords")

    def _verb_ListIdentifiers(self, params: dict[str, str]) -> bytes:  # noqa: N802
        return self._listing(params, "ListIdentifiers")

    def _bound(self, value: str, *, upper: bool) -> str | None:
        if _DATETIME.match(value):
            return None if self.granularity == "YYYY-MM-DD" else value
        if _DATE.match(value):
            return value + ("T23:59:59Z" if upper else "T00:00:00Z")
        return None

    def _listing(self, params: dict[str, str], verb: str) -> bytes:
        token = params.get("resumptionToken")
        if token is not None:
            if set(params) - {"verb", "resumptionToken"}:
                return self._error_page(params, "badArgument", "resumptionToken is an exclusive argument")
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
                if state["g"] != self._generation:
                    raise ValueError("expired")
            except (ValueError, KeyError, TypeError):
                return self._error_page(params, "badResumptionToken", "invalid or expired resumptionToken")
            prefix, set_, from_, until, offset = state["p"], state["s"], state["f"], state["u"], state["o"]
        else:
            if problem := self._check_args(params, {"metadataPrefix", "from", "until", "set"}, {"metadataPrefix"}):
                return self._error_page(params, "badArgument", problem)
            prefix, set_, offset = params["metadataPrefix"], params.get("set"), 0
            from_ = until = None
            if "from" in params:
                from_ = self._bound(params["from"], upper=False)
                if from_ is None:
                    return self._error_page(params, "badArgument", f"illegal from {params['from']!r}")
            if "until" in params:
                until = self._bound(params["until"], upper=True)
                if until is None:
                    return self._error_page(params, "badArgument", f"illegal until {params['until']!r}")
            if "from" in params and "until" in params and len(params["from"]) != len(params["until"]):
                return self._error_page(params, "badArgument", "from and until differ in granularity")
            if from_ and until and from_ > until:
                return self._error_page(params, "badArgument", "from is later than until")
            if prefix not in self.prefixes:
                return self._error_page(params, "cannotDisseminateFormat", None)
            with self._lock:
                has_sets = any(r.sets for r in self._records.values())
            if set_ and not has_sets:
                return self._error_page(params, "noSetHierarchy", "this repository does not support sets")
        with self._lock:
            selected = [r for r in self._records.values()
                        if (not from_ or r.datestamp >= from_) and (not until or r.datestamp <= until)
                        and (not set_ or set_ in r.sets)]
        if not selected:
            return self._error_page(params, "noRecordsMatch", None)
        page = selected[offset: offset + self.page_size]
        if verb == "ListRecords":
            items = "".join(self._record(r, prefix) for r in page)
        else:
            items = "".join(self._header(r) for r in page)
        nxt = offset + self.page_size
        if nxt < len(selected):
            state = {"p": prefix, "s": set_, "f": from_, "u": until, "o": nxt, "g": self._generation}
            tok = base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode()
            items += f'<resumptionToken completeListSize="{len(selected)}" cursor="{offset}">{tok}</resumptionToken>'
        elif offset > 0:
            items += f'<resumptionToken completeListSize="{len(selected)}" cursor="{offset}"/>'
        return self._xml(params, f"<{verb}>{items}</{verb}>")
