"""Talking to peer nodes live: SPARQL queries to the configured peers, with a time limit.

- :func:`query_peer` — one SPARQL query to one peer endpoint with SPARQLWrapper (the project's SPARQL client for
  peers from Python code), under a hard time limit: the request runs in a daemon thread that is abandoned at the
  limit, so a peer that accepts the connection and then trickles or stalls never holds the caller longer than
  *timeout_s*. Every failure is a :class:`PeerError` saying which peer and what happened (refused, timed out,
  HTTP status, not SPARQL JSON).
- :func:`check_peers` — the status of every endpoint of ``federation.peers`` (``pangraph peers check``).
- :func:`refused_services` — the same SERVICE rule as the public endpoint (``api/sparql.py:service_iris``: every
  SERVICE IRI found with a SPARQL parser before the query runs; only ``federation.peers``, exact match, never
  ``SERVICE ?var``), for ``pangraph query``.

Only endpoints the caller names are contacted; :func:`check_peers` names only configured peers.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterable

from pangraph.errors import PangraphError

#: the query ``pangraph peers check`` sends: cheap on any store
PING_QUERY = "ASK { ?s ?p ?o }"


class PeerError(PangraphError):
    """A peer endpoint could not answer (down, too slow, HTTP error, not SPARQL results)."""

    stage = "federation"
    transient = True

    def __init__(self, endpoint: str, reason: str, *, kind: str) -> None:
        self.endpoint = endpoint
        self.kind = kind  # refused | timeout | http | malformed | error
        super().__init__(f"peer {endpoint}: {reason}")


@dataclass(frozen=True)
class PeerStatus:
    """One peer's answer to :data:`PING_QUERY`: ``ok`` and the time taken, or the failure."""

    endpoint: str
    ok: bool
    seconds: float
    kind: str = "ok"
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "ok": self.ok, "seconds": round(self.seconds, 3), "status": self.kind,
                "detail": self.detail}


def _ask(endpoint: str, sparql: str, timeout_s: float) -> dict[str, Any]:
    import urllib.error

    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(endpoint, agent="pangraph-federation")
    client.setQuery(sparql)
    client.setMethod(POST)
    client.setReturnFormat(JSON)
    client.setTimeout(max(1, int(timeout_s + 0.999)))  # socket timeout; the hard limit is the caller's join
    try:
        response = client.query()
        body = response.response.read()
    except SPARQLWrapperException as e:
        raise PeerError(endpoint, f"the peer rejected the query: {str(e).splitlines()[0]}", kind="http") from None
    except urllib.error.HTTPError as e:
        raise PeerError(endpoint, f"HTTP {e.code} {e.reason}", kind="http") from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, TimeoutError):
            raise PeerError(endpoint, f"no answer within {timeout_s:g} s", kind="timeout") from None
        kind = "refused" if isinstance(reason, ConnectionRefusedError) else "error"
        raise PeerError(endpoint, f"cannot connect ({reason})", kind=kind) from None
    except TimeoutError:
        raise PeerError(endpoint, f"no answer within {timeout_s:g} s", kind="timeout") from None
    except OSError as e:
        raise PeerError(endpoint, f"connection failed ({type(e).__name__}: {e})", kind="error") from None
    try:
        data = json.loads(body)
    except ValueError:
        raise PeerError(endpoint, "the answer is not SPARQL JSON results", kind="malformed") from None
    if not isinstance(data, dict) or ("boolean" not in data and "results" not in data):
        raise PeerError(endpoint, "the answer is not SPARQL JSON results", kind="malformed")
    return data


def query_peer(endpoint: str, sparql: str, timeout_s: float = 10.0) -> dict[str, Any]:
    """The SPARQL JSON results of *sparql* (SELECT or ASK) at *endpoint*, within *timeout_s* seconds.

    Raises :class:`PeerError` (``kind``: refused, timeout, http, malformed, error) — never hangs longer than
    *timeout_s*."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["data"] = _ask(endpoint, sparql, timeout_s)
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
            out["error"] = e

    thread = threading.Thread(target=run, name=f"peer-query {endpoint}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise PeerError(endpoint, f"no complete answer within {timeout_s:g} s", kind="timeout")
    if "error" in out:
        raise out["error"]
    return out["data"]


def check_peers(peers: Iterable[str], *, timeout_s: float = 10.0) -> list[PeerStatus]:
    """Ask every endpoint of *peers* (the configured ``federation.peers``) :data:`PING_QUERY`, one after the other."""
    statuses = []
    for endpoint in peers:
        started = time.monotonic()
        try:
            data = query_peer(endpoint, PING_QUERY, timeout_s)
        except PeerError as e:
            statuses.append(PeerStatus(endpoint, False, time.monotonic() - started, e.kind, e.reason))
            continue
        detail = "answers SPARQL" + ("" if data.get("boolean") else " (its store is empty)")
        statuses.append(PeerStatus(endpoint, True, time.monotonic() - started, "ok", detail))
    return statuses


def refused_services(sparql: str, peers: Iterable[str], *, base_iri: str | None = None) -> str | None:
    """Why the query may not run under the SERVICE rule of the public endpoint, or None when it may."""
    from pangraph.api.sparql import ServiceCheckError, service_iris

    allowed = set(peers)
    try:
        targets = service_iris(sparql, base_iri)
    except ServiceCheckError as e:
        return str(e)
    for target in targets:
        if target is None:
            return "SERVICE with a variable endpoint is not allowed: name one of the peer endpoints (federation.peers)"
        if target not in allowed:
            listed = ", ".join(sorted(allowed)) or "none are configured"
            return f"SERVICE <{target}> is not one of the node's peer endpoints (federation.peers: {listed})"
    return None


__all__ = ["PING_QUERY", "PeerError", "PeerStatus", "check_peers", "query_peer", "refused_services"]
