"""Prometheus metrics of a node, served at ``GET /metrics`` in the Prometheus text format.

- ``pangraph_http_requests_total{method,route,status}`` and ``pangraph_http_request_duration_seconds{method,route}``:
  every request, labelled by the *template* of the route that served it (``/id/{path:path}``; ``<unmatched>``
  when none did), never by the raw path (:class:`MetricsMiddleware`, which also writes the access log);
- ``pangraph_sparql_queries_total{outcome}`` and ``pangraph_sparql_query_duration_seconds``: what the SPARQL
  endpoint reports through :func:`count_query`;
- read at each scrape (:class:`NodeCollector`): ``pangraph_store_quads``,
  ``pangraph_source_last_successful_harvest_timestamp_seconds{source}`` (from the run archive) and
  ``pangraph_dump_generated_timestamp_seconds{name}``.

Other modules record what happens through the small functions here; they never touch prometheus_client.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, disable_created_metrics,
                               generate_latest)
from prometheus_client.core import GaugeMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.rdfdoc import cached
from pangraph.dumps import dumps_stamp, list_dumps

disable_created_metrics()  # no `*_created` series: they double the output and no dashboard reads them

#: The registry of the process-wide metrics (requests, queries). It is not prometheus_client's
#: default registry, so the node exposes only its own metrics and tests can create many apps.
REGISTRY = CollectorRegistry(auto_describe=True)

#: What can happen to a SPARQL query; ``count_query`` refuses anything else (label values must stay a
#: small fixed set, or the time series explode).
QUERY_OUTCOMES: tuple[str, ...] = (
    "ok",                    # answered
    "timeout",               # stopped at the query time limit
    "rejected_concurrency",  # refused: too many queries running at once
    "rejected_service",      # refused: SERVICE to an endpoint that is not a configured peer
    "rejected_rows",         # refused/cut: the result exceeds the row limit
    "rejected_malformed",    # refused: the query does not parse / is not a read query
    "error",                 # failed for any other reason
)

QUERIES = Counter(
    "pangraph_sparql_queries_total",
    "SPARQL queries handled by the endpoint, by outcome.",
    ["outcome"], registry=REGISTRY,
)
QUERY_SECONDS = Histogram(
    "pangraph_sparql_query_duration_seconds",
    "Time spent evaluating SPARQL queries (all outcomes), in seconds.",
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
for _outcome in QUERY_OUTCOMES:  # every outcome is exported from the start, with 0
    QUERIES.labels(outcome=_outcome)


def count_query(outcome: str, seconds: float | None = None) -> None:
    """Count one SPARQL query with its *outcome* (one of :data:`QUERY_OUTCOMES`), and its evaluation
    time in *seconds* when known. Raises ``ValueError`` for an unknown outcome (a programming error)."""
    if outcome not in QUERY_OUTCOMES:
        raise ValueError(f"unknown query outcome {outcome!r}; expected one of {', '.join(QUERY_OUTCOMES)}")
    QUERIES.labels(outcome=outcome).inc()
    if seconds is not None:
        QUERY_SECONDS.observe(max(0.0, float(seconds)))


# -- HTTP requests ---------------------------------------------------------------------------------------------

REQUESTS = Counter(
    "pangraph_http_requests_total",
    "HTTP requests answered, by method, route template (not the raw path) and status code.",
    ["method", "route", "status"], registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "pangraph_http_request_duration_seconds",
    "Time to answer HTTP requests, by method and route template, in seconds.",
    ["method", "route"], registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
#: the route label of a request that matched no route (404s of unknown paths): never the raw path
UNMATCHED = "<unmatched>"

access_log = logging.getLogger("pangraph.access")


def route_template(scope: Scope) -> str:
    """The template of the route that served *scope* (``/id/{path:path}``, ``/static`` for a mount), or
    :data:`UNMATCHED`. Starlette's router records the matched route in the scope."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class MetricsMiddleware:
    """Counts and times every HTTP request by route template and status, and writes the access log line
    (logger ``pangraph.access``: method, path, route, status, duration_ms as structured fields)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # an exception that escapes the app becomes a 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            seconds = time.perf_counter() - start
            method = scope.get("method", "")
            route = route_template(scope)
            REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            REQUEST_SECONDS.labels(method=method, route=route).observe(seconds)
            if access_log.isEnabledFor(logging.INFO):
                path = scope.get("path", "")
                access_log.info("%s %s %d %.1f ms", method, path, status, seconds * 1000,
                                extra={"method": method, "path": path, "route": route, "status": status,
                                       "duration_ms": round(seconds * 1000, 3)})


# -- the state of the node, read at each scrape ---------------------------------------------------------------

#: run kinds that read a source (a harvest; the demo's loads of its shipped files)
HARVEST_KINDS = frozenset({"harvest", "demo"})


def _timestamp(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def last_successful_harvests(ctx: NodeContext) -> dict[str, float]:
    """source → UNIX time of the end of its newest harvest with status ``ok`` (from the run archive)."""
    if ctx.archive is None:
        return {}
    sources = set(ctx.config.sources) | {r.get("source") for r in ctx.archive.runs(None, 1000) if r.get("source")}
    out: dict[str, float] = {}
    for source in sorted(s for s in sources if s and s != "*"):
        for run in ctx.archive.runs(source, 200):
            if run.get("status") == "ok" and run.get("kind") in HARVEST_KINDS:
                ts = _timestamp(run.get("finished_at") or run.get("started_at"))
                if ts is not None:
                    out[source] = ts
                    break
    return out


class NodeCollector:
    """The gauges of one node, computed when Prometheus scrapes: store size, last successful harvest per
    source, the newest dump."""

    def __init__(self, ctx: NodeContext, store_quads: Callable[[], int]) -> None:
        self.ctx = ctx
        self.store_quads = store_quads

    def collect(self):  # noqa: ANN201 - prometheus_client's collector protocol
        quads = GaugeMetricFamily("pangraph_store_quads", "Quads in the store (all named graphs).")
        quads.add_metric([], float(self.store_quads()))
        yield quads
        harvest = GaugeMetricFamily(
            "pangraph_source_last_successful_harvest_timestamp_seconds",
            "UNIX time at which the newest successful harvest of each source ended (from the run archive).",
            labels=["source"])
        for source, ts in last_successful_harvests(self.ctx).items():
            harvest.add_metric([source], ts)
        yield harvest
        dumps = list_dumps(self.ctx.config)
        dump = GaugeMetricFamily("pangraph_dump_generated_timestamp_seconds",
                                 "UNIX time at which each dump was written.", labels=["name"])
        for d in dumps:
            ts = _timestamp(d.generated)
            if ts is not None:
                dump.add_metric([d.name], ts)
        yield dump


def exposition(ctx: NodeContext, store_quads: Callable[[], int] | None = None) -> bytes:
    """The Prometheus text exposition: the process-wide metrics and the node's gauges."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(NodeCollector(ctx, store_quads or ctx.store.count_quads))
    return generate_latest(REGISTRY) + generate_latest(scrape)


router = APIRouter()


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description="The node's metrics in the Prometheus text format: `pangraph_http_requests_total` and "
    "`pangraph_http_request_duration_seconds` per route template and status, `pangraph_sparql_queries_total` by "
    "outcome (ok, timeout, rejected_concurrency, rejected_service, rejected_rows, rejected_malformed, error) and "
    "`pangraph_sparql_query_duration_seconds`, `pangraph_store_quads` (recounted every `server.description_cache_s`), "
    "`pangraph_source_last_successful_harvest_timestamp_seconds` per source (from the run archive) and "
    "`pangraph_dump_generated_timestamp_seconds`.",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
async def metrics(request: Request) -> Response:
    """Prometheus scrape endpoint."""
    ctx = context(request)
    # counting the quads scans the store: kept like the other figures computed from it (rdfdoc.cached)
    body = await in_thread(exposition, ctx, lambda: cached(request, "store_quads", ctx.store.count_quads,
                                                           key=dumps_stamp(ctx.config)))
    return Response(body, media_type=CONTENT_TYPE_LATEST)
