"""HTTP for every source: one retry policy (timeouts, connection errors, 5xx, 429 with
``Retry-After``, exponential back-off) and one reply type, shared by OAI-PMH and the JSON APIs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping

import requests

from pangraph import __version__
from pangraph.errors import HarvestError, TransientHarvestError

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
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


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
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def server_time(reply: HTTPReply) -> str:
    """The server's ``Date`` of *reply* as ``YYYY-MM-DDThh:mm:ssZ`` (the local clock when it sends none):
    the checkpoint of the next incremental run, on the server's clock."""
    return http_date(reply.headers.get("Date")) or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
