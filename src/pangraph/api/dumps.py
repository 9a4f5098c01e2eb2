"""``GET /dumps`` (the list of dumps, JSON or HTML) and ``GET|HEAD /dumps/{file}`` (one dump).

A dump is gzipped N-Quads (:mod:`pangraph.dumps`). It is served as ``Content-Type: application/n-quads`` with
``Content-Encoding: gzip`` — the bytes on disk, never decompressed by the server — with ``Last-Modified``, a
strong ``ETag`` (the file's SHA-256), ``Content-Length`` and ``Accept-Ranges``; ``If-None-Match`` /
``If-Modified-Since`` give 304, ``Range`` a partial response (Starlette's ``FileResponse``).
"""

from __future__ import annotations

import re
from email.utils import formatdate, parsedate_to_datetime

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from pangraph.api.context import context, in_thread
from pangraph.api.errors import ApiError
from pangraph.api.negotiation import HTML, JSON, negotiate
from pangraph.api.pages import render
from pangraph.dumps import DumpInfo, dumps_dir, list_dumps

router = APIRouter()

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _describe(base: str, info: DumpInfo) -> dict:
    return {**info.as_dict(), "url": f"{base}/dumps/{info.name}"}


@router.get(
    "/dumps",
    summary="The node's dumps",
    description="The downloadable dumps of the node's graph: gzipped N-Quads of every named graph, regenerated "
    "after each run that changed the store (setting `dumps.auto`) and by `pangraph export --dump`. For each: "
    "`name`, `url`, `bytes`, `sha256`, `quads`, `generated`, `media_type`, `encoding`. JSON, or an HTML page for "
    "browsers (`Accept: text/html`).",
    responses={200: {"content": {JSON: {}, HTML: {}}}, 406: {"description": "Neither JSON nor HTML is acceptable"}},
)
async def dumps_index(request: Request) -> Response:
    """The list of dumps."""
    ctx = context(request)
    media_type = negotiate(request.headers.get("accept"), (JSON, HTML))
    if media_type is None:
        raise ApiError(406, "Not Acceptable", "the list of dumps is available as application/json and text/html",
                       headers={"Vary": "Accept"}, accepted=[JSON, HTML])
    found = [_describe(ctx.base, d) for d in await in_thread(list_dumps, ctx.config)]
    if media_type == HTML:
        return render(request, "dumps.html", headers={"Vary": "Accept"}, dumps=found)
    return JSONResponse({"dumps": found, "void": f"{ctx.base}/.well-known/void"}, headers={"Vary": "Accept"})


@router.get(
    "/dumps/{name}",
    summary="Download one dump",
    description="One dump file: `Content-Type: application/n-quads`, `Content-Encoding: gzip` (save it as it comes, "
    "`curl -o pangraph.nq.gz`, or let the client decompress it), `Last-Modified`, a strong `ETag` (the SHA-256 of the "
    "file), `Content-Length`; conditional (`If-None-Match` → 304) and range requests. HEAD gives the headers only. "
    "404 for a name that is not a dump.",
    response_class=Response,
    responses={200: {"content": {"application/n-quads": {}}}, 304: {"description": "Not modified"},
               404: {"description": "No such dump"}},
)
async def dump_file(request: Request,
                    name: str = Path(..., description="File name as listed by /dumps, e.g. pangraph.nq.gz")) -> Response:
    """One dump."""
    ctx = context(request)
    known = {d.name: d for d in await in_thread(list_dumps, ctx.config)}
    info = known.get(name) if _NAME.match(name) else None
    if info is None:
        raise ApiError(404, "Not Found", f"no dump named {name!r}; the dumps are: {', '.join(known) or 'none yet'}",
                       dump=name, dumps=sorted(known))
    path = dumps_dir(ctx.config) / info.name
    stat = path.stat()
    headers = {
        "ETag": f'"{info.sha256}"',
        "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
        "Content-Encoding": info.encoding,
        "Content-Disposition": f'attachment; filename="{info.name}"',
        "Cache-Control": "no-cache",
    }
    if _not_modified(request, etag=headers["ETag"], mtime=stat.st_mtime):
        return Response(status_code=304, headers={k: v for k, v in headers.items() if k in ("ETag", "Last-Modified",
                                                                                         "Cache-Control")})
    return FileResponse(path, media_type=info.media_type, headers=headers, stat_result=stat)


def _not_modified(request: Request, *, etag: str, mtime: float) -> bool:
    """RFC 9110 §13.1: ``If-None-Match`` (weak comparison) decides when present, else ``If-Modified-Since``."""
    none_match = request.headers.get("if-none-match")
    if none_match is not None:
        tags = [t.strip().removeprefix("W/") for t in none_match.split(",")]
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


router.add_api_route("/dumps", dumps_index, methods=["HEAD"], include_in_schema=False)
router.add_api_route("/dumps/{name}", dump_file, methods=["HEAD"], include_in_schema=False)
