"""The FastAPI app of a pangraph node: SPARQL endpoint, Linked Data, landing page, health and run reports.

The app is thin over the library: routes read the store (:mod:`pangraph.store`) and the run archive;
every error, on every endpoint, has the body ``{"error": {"status", "title", "detail", ...context}}``
(browsers that prefer HTML get the same facts as a page).
"""

from __future__ import annotations

import logging
from importlib.resources import files
from typing import Any, Callable

from fastapi import FastAPI, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
import swagger_ui_bundle
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import pangraph
from pangraph.api import linkeddata, pages, sparql, validation
from pangraph.api import browse
from pangraph.api import search as search_api
from pangraph.api import catalog, dumps, metrics, sitemap, void
from pangraph.api import panosc
from pangraph.api import oai as oai_api
from pangraph.api import links as links_api
from pangraph.api.context import NodeContext, RunArchive, context, in_thread
from pangraph.api.errors import ApiError, error_body
from pangraph.api.negotiation import prefers_html
from pangraph.config import Config
from pangraph.errors import QueryError, StoreError
from pangraph.store import Store, open_store

log = logging.getLogger(__name__)


class BodyLimitMiddleware:
    """Refuse request bodies larger than *max_bytes* with 413, by ``Content-Length`` or while reading."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self, size: str) -> ApiError:
        return ApiError(413, "Content Too Large",
                        f"the request body ({size}) exceeds the node's limit of {self.max_bytes} bytes "
                        "(server.max_body_bytes)", max_bytes=self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                err = ApiError(400, "Bad Request", f"invalid Content-Length {declared.decode('latin-1')!r}")
                await JSONResponse(err.body(), status_code=400)(scope, receive, send)
                return
            if length > self.max_bytes:
                err = self._too_large(f"{length} bytes")
                await JSONResponse(err.body(), status_code=413, headers={"Connection": "close"})(scope, receive, send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large(f"more than {self.max_bytes} bytes")
            return message

        await self.app(scope, limited_receive, send)


def _error_response(request: Request, status: int, title: str, detail: str,
                    headers: dict[str, str] | None = None, **ctx: Any) -> Response:
    """The error as JSON (``{"error": ...}``), or as an HTML page for clients that prefer HTML."""
    if prefers_html(request.headers.get("accept")) and hasattr(request.app.state, "ctx"):
        return pages.render(request, "error.html", status_code=status, headers=headers,
                            status=status, title=title, detail=detail, extra=ctx)
    return JSONResponse(jsonable_encoder(error_body(status, title, detail, **ctx)), status_code=status,
                        headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return _error_response(request, exc.status, exc.title, exc.detail, exc.headers, **exc.context)

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> Response:
        return _error_response(request, 400, "Malformed query", exc.reason, {"Vary": "Accept"})

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        log.error("store error on %s: %s", request.url.path, exc)
        return _error_response(request, 503, "Store unavailable", exc.reason)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not Found", 405: "Method Not Allowed"}
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no route for {request.url.path}"
        elif exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return _error_response(request, exc.status_code, titles.get(exc.status_code, detail), detail,
                               dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [{"location": list(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()]
        detail = "; ".join(f"{'.'.join(map(str, p['location']))}: {p['message']}" for p in problems)
        return _error_response(request, 422, "Invalid parameters", detail, problems=problems)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return _error_response(request, 500, "Internal Server Error",
                               f"the node failed to answer: {type(exc).__name__}")


def create_app(
    config: Config,
    *,
    store: Store | None = None,
    archive: RunArchive | None = None,
    node_info: Callable[[], dict[str, Any]] | None = None,
) -> FastAPI:
    """The web app of a node: ``/sparql``, ``/id/...``, ``/graph/...``, ``/describe``, ``/``, ``/health``,
    ``/api/runs``, ``/static`` and the OpenAPI docs at ``/docs``.

    *store* defaults to ``open_store(config)``; *archive* provides ``runs(source, limit)`` for the run
    reports; *node_info* adds facts to the landing page (e.g. the PaNET version loaded).
    """
    ctx = NodeContext(
        config=config,
        store=store if store is not None else open_store(config),
        archive=archive,
        node_info=node_info,
        templates=pages.template_environment(),
    )
    app = FastAPI(
        title=config["node.title"],
        description=config["node.description"] + "\n\nSPARQL 1.1 endpoint, Linked Data for every minted IRI "
        f"(`{config.base}/id/...`) and named graph (`{config.base}/graph/...`), node facts and run reports.",
        version=pangraph.__version__,
        docs_url=None,  # served below from the swagger-ui-bundle package: no CDN, works offline
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.add_middleware(BodyLimitMiddleware, max_bytes=int(config["server.max_body_bytes"]))
    app.add_middleware(metrics.MetricsMiddleware)  # outermost: counts and times every request, writes the access log
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(files("pangraph.api") / "static")), name="static")
    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """The OpenAPI documentation (Swagger UI), with its assets served by the node itself."""
        return get_swagger_ui_html(openapi_url="openapi.json", title=f"{config['node.title']} — API",
                                   swagger_js_url="docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="docs-assets/swagger-ui.css",
                                   swagger_favicon_url="docs-assets/favicon-32x32.png")
    app.include_router(pages.router, tags=["node"])
    app.include_router(sparql.router, tags=["SPARQL"])
    app.include_router(linkeddata.router, tags=["Linked Data"])
    app.include_router(browse.router, tags=["pages"])
    app.include_router(search_api.router, tags=["search"])
    app.include_router(validation.router, tags=["validation"])
    app.include_router(catalog.router, tags=["node descriptions"])
    app.include_router(void.router, tags=["node descriptions"])
    app.include_router(dumps.router, tags=["node descriptions"])
    app.include_router(sitemap.router, tags=["node descriptions"])
    app.include_router(metrics.router, tags=["operations"])
    app.include_router(panosc.router, tags=["PaNOSC search API"])
    app.include_router(oai_api.router, tags=["OAI-PMH"])
    app.include_router(links_api.router, tags=["links"])

    @app.get("/health", tags=["node"], summary="Is the node up?",
             description="`status` is `ok` when the store answers; with the number of quads it holds. "
             "503 when the store cannot be read.")
    async def health(request: Request) -> JSONResponse:
        """Liveness and store reachability."""
        node = context(request)
        try:
            quads = await in_thread(node.store.count_quads)
        except Exception as e:  # noqa: BLE001 - any store failure means "unavailable", reported as such
            log.error("health check: store unreachable: %s", e)
            return JSONResponse({"status": "unavailable", "store": {"reachable": False, "quads": None},
                                 "error": error_body(503, "Store unavailable", str(e))["error"]},
                                status_code=503)
        return JSONResponse({"status": "ok", "version": pangraph.__version__,
                             "store": {"reachable": True, "quads": quads}})

    async def _runs(request: Request, source: str | None, limit: int) -> list[dict[str, Any]]:
        node = context(request)
        if node.archive is None:
            return []
        return jsonable_encoder(await in_thread(node.archive.runs, source, limit))

    @app.get("/api/runs", tags=["runs"], summary="Last harvest/load runs of all sources",
             description="Run reports from the archive, newest first.")
    async def runs(request: Request,
                   limit: int = Query(20, ge=1, le=500, description="Number of runs")) -> JSONResponse:
        """Run reports of every source."""
        return JSONResponse({"source": None, "runs": await _runs(request, None, limit)})

    @app.get("/api/runs/{source}", tags=["runs"], summary="Last runs of one source",
             description="Run reports of one source, newest first. 404 when the source is neither configured "
             "nor has any run in the archive.")
    async def runs_of_source(request: Request,
                             source: str = Path(..., description="Source name, as in [sources.NAME]"),
                             limit: int = Query(20, ge=1, le=500, description="Number of runs")) -> JSONResponse:
        """Run reports of one source."""
        found = await _runs(request, source, limit)
        if not found and source not in config.sources:
            raise ApiError(404, "Not Found", f"no source {source!r}: it is not configured and has no runs",
                           source=source)
        return JSONResponse({"source": source, "runs": found})

    return app
