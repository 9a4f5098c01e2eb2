"""HTTP for every source: one retry policy (timeouts, connection errors, 5xx, 429 with
``Retry-After``, exponential back-off) and one reply type, shared by OAI-PMH and the JSON APIs; for
the JSON APIs also one client factory (:meth:`HTTPClient.from_settings`) and one paging iterator
(:func:`json_pages`: ``links.next`` cursors or ``skip`` offsets, with the loop guard)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import urljoin

import requests

from pangraph import __version__
from pangraph.crosswalk.jsondoc import parse_json
from pangraph.errors import HarvestError, TransientHarvestError
from pangraph.sources import SourceProblem

USER_AGENT = f"pangraph-harvester/{__version__} (+https://github.com/pangraph)"
# HTTP statuses worth retrying: request timeout, too many requests, and server-side trouble
# (not 501 Not Implemented / 505 HTTP Version Not Supported, which will not go away).
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})


@dataclass(frozen=True)
class HTTPReply:
    """One HTTP answer: status, headers (case-insensitive mapping), body bytes, final URL."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = _http_datetime(value)
    if when is None:
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _http_datetime(value: str) -> datetime | None:
    """An HTTP-date as an aware datetime (UTC when it names no zone), or None when unreadable."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


@dataclass
class RetryPolicy:
    """How transient failures are retried: at most *max_retries* times, waiting *backoff_s* · 2ⁿ
    (or the server's ``Retry-After``), never longer than *max_delay_s*."""

    max_retries: int = 5
    backoff_s: float = 2.0
    max_delay_s: float = 600.0
    sleep: Callable[[float], None] = time.sleep
    retries: int = 0  # counted over the policy's life
    requests: int = 0

    def run(self, request: Callable[[], HTTPReply], *, what: str, source: str | None) -> HTTPReply:
        """Call *request* until it gives a reply whose status is not transient; raise
        :class:`TransientHarvestError` naming *what* when the retries are used up."""
        attempt = 0
        while True:
            self.requests += 1
            retry_after: float | None = None
            try:
                reply = request()
            except TransientHarvestError as e:
                problem = e.reason
            else:
                if reply.status not in RETRY_STATUS:
                    return reply
                problem = f"HTTP {reply.status} for {what}"
                retry_after = retry_after_seconds(reply.headers.get("Retry-After"))
            if attempt >= self.max_retries:
                raise TransientHarvestError(
                    f"{problem}; still failing after {attempt + 1} attempt(s) ({self.max_retries} retries), giving up",
                    source=source)
            if retry_after is not None:
                if retry_after > self.max_delay_s:
                    raise TransientHarvestError(
                        f"{problem}; the server asks to retry after {retry_after:g} s, longer than the "
                        f"{self.max_delay_s:g} s this harvester waits; run again later", source=source)
                delay = retry_after
            else:
                delay = min(self.backoff_s * (2 ** attempt), self.max_delay_s)
            self.sleep(delay)
            self.retries += 1
            attempt += 1


class HTTPClient:
    """A kept-alive HTTP session with the retry policy; ``get`` is the one method that touches the
    network for the JSON sources."""

    def __init__(self, source: str, *, timeout_s: float = 60.0, policy: RetryPolicy | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        self.source = source
        self.timeout_s = timeout_s
        self.policy = policy or RetryPolicy()
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, **(headers or {})})

    @classmethod
    def from_settings(cls, source: str, *, timeout_s: float = 60.0, max_retries: int = 5, backoff_s: float = 2.0,
                      max_delay_s: float = 600.0, sleep: Callable[[float], None] | None = None,
                      accept: str = "application/json") -> "HTTPClient":
        """The client of *source* for the harvest settings (the keywords of
        :func:`pangraph.sources.harvest_settings`), asking for *accept*; *sleep* replaces
        :func:`time.sleep` between retries (tests)."""
        policy = RetryPolicy(max_retries=max_retries, backoff_s=backoff_s, max_delay_s=max_delay_s,
                             sleep=sleep or time.sleep)
        return cls(source, timeout_s=timeout_s, policy=policy, headers={"Accept": accept})

    def request(self, url: str, *, params: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None) -> HTTPReply:
        """One GET (no retry); timeouts and connection failures raise :class:`TransientHarvestError`."""
        try:
            r = self._session.get(url, params=params, headers=headers, timeout=self.timeout_s)
        except requests.Timeout as e:
            raise TransientHarvestError(f"no answer from {url} within {self.timeout_s:g} s ({type(e).__name__})",
                                        source=self.source) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as e:
            raise TransientHarvestError(f"connection to {url} failed: {type(e).__name__}: {e}",
                                        source=self.source) from None
        except requests.RequestException as e:
            raise HarvestError(f"cannot request {url}: {type(e).__name__}: {e}", source=self.source) from None
        return HTTPReply(status=r.status_code, headers=r.headers, body=r.content, url=r.url)

    def get(self, url: str, *, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> HTTPReply:
        """GET with retries of transient failures; other statuses are returned to the caller."""
        return self.policy.run(lambda: self.request(url, params=params, headers=headers),
                               what=f"GET {url}" + (f" {dict(params)}" if params else ""), source=self.source)

    def close(self) -> None:
        self._session.close()


def http_date(value: str | None) -> str | None:
    """An HTTP-date header value as ``YYYY-MM-DDThh:mm:ssZ`` (UTC), or None when absent or unreadable."""
    when = _http_datetime(value) if value else None
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None


def server_time(reply: HTTPReply) -> str:
    """The server's ``Date`` of *reply* as ``YYYY-MM-DDThh:mm:ssZ`` (the local clock when it sends none):
    the checkpoint of the next incremental run, on the server's clock."""
    return http_date(reply.headers.get("Date")) or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- paging through a JSON listing -------------------------------------------------------------------


@dataclass(frozen=True)
class PageRequest:
    """One page of a JSON listing to ask for: URL, query parameters and, for offset paging, how many
    items come before it (``skip``)."""

    url: str
    params: Mapping[str, str] | None = None
    offset: int | None = None

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """What tells two requests apart: the URL and the sorted parameters."""
        return self.url, tuple(sorted((self.params or {}).items()))


@dataclass(frozen=True)
class JSONPage:
    """One page of a JSON listing: its request, its number in the listing (from 1), the reply and
    the parsed document."""

    request: PageRequest
    number: int
    reply: HTTPReply
    doc: Any


def json_pages(client: HTTPClient, first: PageRequest, *, what: str, is_listing: Callable[[Any], bool],
               listing: str, next_page: Callable[[JSONPage], PageRequest | None],
               report_refusals: bool = False) -> Iterator[JSONPage | SourceProblem]:
    """The pages of a JSON listing, from *first* on, each next one the request *next_page* gives for
    the page before (None: the listing is complete).

    A page that is not JSON or not a *listing* (*is_listing* false), or a request asked for a second
    time (a ``links.next`` loop), ends the listing with a :class:`SourceProblem` whose
    ``listing_ended`` is set; reports name the page ``{what} page {n}`` (``{what} page at skip={k}``
    for offset paging). A request that fails after the retries, or is answered with another status
    than 200, raises :class:`HarvestError`; with *report_refusals* it ends the listing with a
    :class:`SourceProblem` instead."""
    request: PageRequest | None = first
    asked: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    number = 0
    while request is not None:
        number += 1
        where = f"{what} page at skip={request.offset}" if request.offset is not None else f"{what} page {number}"
        asked.add(request.key)
        try:
            reply = client.get(request.url, params=request.params)
        except HarvestError as e:
            if not report_refusals:
                raise
            yield SourceProblem(client.source, None, f"{where}: {e.reason}", scope="page", listing_ended=True)
            return
        if reply.status != 200:
            snippet = reply.body[:200]
            if not report_refusals:
                raise HarvestError(f"{where}: HTTP {reply.status} for {reply.url}: "
                                   f"{snippet.decode('utf-8', 'replace')}", source=client.source)
            yield SourceProblem(client.source, None, f"{where}: HTTP {reply.status}: {snippet!r}", scope="page",
                                listing_ended=True)
            return
        try:
            doc = parse_json(reply.body)
        except ValueError as e:
            yield SourceProblem(client.source, None, f"{where} ({reply.url}) is not valid JSON ({e}); the listing "
                                "ended here (the checkpoint must not advance)", scope="page", listing_ended=True)
            return
        if not is_listing(doc):
            yield SourceProblem(client.source, None, f"{where} ({reply.url}) is not {listing}; the listing ended "
                                "here", scope="page", listing_ended=True)
            return
        page = JSONPage(request, number, reply, doc)
        yield page
        request = next_page(page)
        if request is not None and request.key in asked:
            yield SourceProblem(client.source, None, f"the page after {where} repeats an earlier one "
                                f"({request.url}); the listing was stopped to avoid an endless loop",
                                scope="page", listing_ended=True)
            return


def is_json_array(doc: Any) -> bool:
    """Whether *doc* is a JSON array (a LoopBack page)."""
    return isinstance(doc, list)


def is_json_api_collection(doc: Any) -> bool:
    """Whether *doc* is a JSON:API collection page (an object with a ``data`` array)."""
    return isinstance(doc, dict) and isinstance(doc.get("data"), list)


def links_next(page: JSONPage) -> PageRequest | None:
    """The page a JSON:API collection page's ``links.next`` names (resolved against the page's URL), or
    None after the last page (no ``links.next``, or no items)."""
    links = page.doc.get("links") if isinstance(page.doc.get("links"), dict) else {}
    following = links.get("next")
    if not page.doc["data"] or not isinstance(following, str) or not following.strip():
        return None
    return PageRequest(urljoin(page.reply.url, following))
