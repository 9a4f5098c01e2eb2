"""The cross-node link API: ``/links``, ``/links/{id}``, ``/links/suggestions`` (see :mod:`pangraph.links`).

Reads are public; writes need ``Authorization: Bearer`` with a node token (``links.tokens``) or an OIDC access
token of ``links.oidc.issuer`` (:mod:`pangraph.auth`). Every write is logged with its principal (logger
``pangraph.links``) and the principal is stored in the link's provenance.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from pangraph.api.context import context, in_thread
from pangraph.api.errors import ApiError
from pangraph.dumps import write_dump
from pangraph.errors import ConfigError
from pangraph.auth import Authenticator, AuthError, Principal
from pangraph.links import LinkError, LinkStore, check_target, link_predicates

log = logging.getLogger("pangraph.links")
router = APIRouter()
_STATE_LOCK = threading.Lock()

_ID = r"^[0-9a-f]{24}$"


class LinkIn(BaseModel):
    subject: str = Field(..., description="IRI of a resource this node describes")
    predicate: str = Field(..., description="an allowed predicate, as IRI or CURIE (owl:sameAs, skos:exactMatch, "
                           "skos:closeMatch, dct:relation and its sub-properties, cito:…)")
    object: str = Field(..., description="http(s) IRI of a resource of another node or registry")
    comment: str = Field("", description="why the link holds (kept in its provenance)")
    confidence: float = Field(1.0, description="0..1")


class Decision(BaseModel):
    comment: str = Field("", description="why (kept in the provenance)")


def _authenticator(request: Request) -> Authenticator:
    with _STATE_LOCK:
        auth = getattr(request.app.state, "links_auth", None)
        if auth is None:
            try:
                auth = request.app.state.links_auth = Authenticator(context(request).config)  # once per app
            except ConfigError as e:
                raise ApiError(500, "Misconfigured node", f"the link API's authentication settings are invalid: "
                               f"{e.reason}") from None
    return auth


async def _principal(request: Request) -> Principal:
    auth = _authenticator(request)
    if not auth.methods:
        raise ApiError(401, "Unauthorized", "this node accepts no writes to links: configure links.tokens or "
                       "links.oidc.issuer", headers={"WWW-Authenticate": 'Bearer realm="pangraph"'})
    try:
        return await in_thread(auth.authenticate, request.headers.get("authorization"))
    except AuthError as e:
        log.warning("link write refused: %s", e.reason, extra={"event": "link.auth_failed", "path": request.url.path})
        raise ApiError(401, "Unauthorized", e.reason,
                       headers={"WWW-Authenticate": 'Bearer realm="pangraph", error="invalid_token"'}) from None


class DumpRefresher:
    """Rewrites the node's dump after link writes (``dumps.auto``), in one background thread, coalescing writes
    that come while a dump is being written. A new dump also renews the cached VoID, catalogue and sitemap."""

    def __init__(self, store: Any, config: Any) -> None:
        self.store, self.config = store, config
        self._lock = threading.Lock()
        self._pending = False
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        if not self.config["dumps.auto"]:
            return
        with self._lock:
            self._pending = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="links-dump", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._thread = None
                    return
                self._pending = False
            try:
                write_dump(self.store, self.config)
            except Exception:  # noqa: BLE001 - a failed dump must not break the API; the next write retries
                log.exception("rewriting the dump after a link write failed")

    def wait(self, timeout_s: float = 60.0) -> None:
        """Block until no dump is pending (tests, shutdown)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if self._thread is None and not self._pending:
                    return
            time.sleep(0.02)


def dump_refresher(request: Request) -> DumpRefresher:
    node = context(request)
    with _STATE_LOCK:
        r = getattr(request.app.state, "links_dumps", None)
        if r is None:
            r = request.app.state.links_dumps = DumpRefresher(node.store, node.config)
    return r


def _links(request: Request) -> LinkStore:
    node = context(request)
    return LinkStore(node.store, node.base)


def _bad(e: LinkError) -> ApiError:
    return ApiError(400, "Invalid link", e.reason, **({"field": e.field} if e.field else {}))


@router.get("/links", summary="Links, all or about one IRI",
            description="The links asserted through this API (graph `{base}/graph/links`), each with its provenance "
            "(asserted_by, created, comment, confidence); `iri=` keeps those whose subject or object is that IRI. "
            "Also lists the allowed predicates.")
async def list_links(request: Request, iri: str | None = Query(None, description="subject or object IRI")) -> JSONResponse:
    store = _links(request)
    found = await in_thread(store.links, iri)
    return JSONResponse({"iri": iri, "count": len(found), "links": [l.as_dict() for l in found],
                         "predicates": [{"curie": p.curie, "iri": p.iri, "label": p.label}
                                        for p in link_predicates().values()]})


@router.post("/links", status_code=201, summary="Assert a link (authenticated)",
             description="Stores `<subject> <predicate> <object>` in the links graph with its provenance. The subject "
             "must be a resource this node describes, the object an http(s) IRI, the predicate on the allow-list. "
             "201 with the link when new; 200 with the existing link when the same (subject, predicate, object) was "
             "already asserted (the id is a hash of the three). `check=true` also checks the object answers — only "
             "when its host is a configured peer or registry (`federation.peers`, `links.registries`); no other host "
             "is contacted. 401 without valid credentials, 400 for an invalid link.")
async def create_link(request: Request, body: LinkIn = Body(...),
                      check: bool = Query(False, description="check the object on a configured peer/registry")) -> JSONResponse:
    principal = await _principal(request)
    store = _links(request)
    try:
        link, created = await in_thread(store.add, body.subject, body.predicate, body.object,
                                        principal=principal.id, comment=body.comment, confidence=body.confidence)
    except LinkError as e:
        raise _bad(e) from None
    if created:
        dump_refresher(request).request()
    out: dict[str, Any] = {"created": created, "link": link.as_dict()}
    if check:
        out["check"] = await in_thread(check_target, context(request).config, link.object)
    return JSONResponse(out, status_code=201 if created else 200,
                        headers={"Location": f"/links/{link.id}"})


@router.get("/links/suggestions", summary="Link suggestions for curators",
            description="Candidate links computed from shared identifiers: a resource the node mints whose identifier "
            "is a DOI, ORCID, ROR or PDB/EMPIAR/EMDB id (→ `owl:sameAs` the PID IRI), and resources sharing an identifier "
            "value such as a proposal number (→ `skos:closeMatch`); with `peers=true` also the same DOI at two nodes: a "
            "configured peer's resource whose identifier is a DOI this node describes (→ `owl:sameAs`; only "
            "`federation.peers` are asked, each peer's status is in `peers`). Existing links and rejected suggestions "
            "are left out.")
async def list_suggestions(request: Request,
                           limit: int = Query(100, ge=1, le=1000, description="most suggestions"),
                           peers: bool = Query(False, description="also ask the configured peers (federation.peers)")
                           ) -> JSONResponse:
    node = context(request)
    found, status = await in_thread(_links(request).open_suggestions, limit,
                                    peers=node.federation_peers if peers else (),
                                    timeout_s=float(node.config["federation.timeout_s"]))
    return JSONResponse({"count": len(found), "suggestions": [s.as_dict() for s in found], "peers": status})


async def _suggestion(request: Request, id_: str):  # noqa: ANN202
    store = _links(request)
    node = context(request)
    local, _ = await in_thread(store.open_suggestions, 100_000)
    found = next((s for s in local if s.id == id_), None)
    if found is None and node.federation_peers:  # a suggestion from a peer: ask the peers again
        more, _ = await in_thread(store.open_suggestions, 100_000, peers=node.federation_peers,
                                  timeout_s=float(node.config["federation.timeout_s"]))
        found = next((s for s in more if s.id == id_), None)
    if found is None:
        raise ApiError(404, "Not Found", f"no open link suggestion {id_!r} (accepted, rejected or never suggested)",
                       id=id_)
    return store, found


@router.post("/links/suggestions/{id}/accept", status_code=201, summary="Accept a suggestion (authenticated)",
             description="The suggestion becomes a link asserted by the caller (201 with the link). 404 when no open "
             "suggestion has this id.")
async def accept_suggestion(request: Request, id: str = Path(..., pattern=_ID, description="suggestion id"),
                            body: Decision | None = Body(None)) -> JSONResponse:
    principal = await _principal(request)
    store, s = await _suggestion(request, id)
    comment = (body.comment if body else "") or f"accepted suggestion: {s.reason}"
    try:
        link, created = await in_thread(store.add, s.subject, s.predicate, s.object, principal=principal.id,
                                        comment=comment, confidence=s.confidence)
    except LinkError as e:
        raise _bad(e) from None
    dump_refresher(request).request()
    return JSONResponse({"created": created, "link": link.as_dict()}, status_code=201 if created else 200,
                        headers={"Location": f"/links/{link.id}"})


@router.post("/links/suggestions/{id}/reject", summary="Reject a suggestion (authenticated)",
             description="The suggestion is remembered as rejected (in the links graph, with who and why) and not "
             "suggested again. 404 when no open suggestion has this id.")
async def reject_suggestion(request: Request, id: str = Path(..., pattern=_ID, description="suggestion id"),
                            body: Decision | None = Body(None)) -> JSONResponse:
    principal = await _principal(request)
    store, s = await _suggestion(request, id)
    rejected = await in_thread(store.reject, s, principal=principal.id, comment=body.comment if body else "")
    dump_refresher(request).request()
    return JSONResponse({"rejected": rejected.as_dict()})


@router.get("/links/{id}", summary="One link",
            description="A link with its provenance; 404 when there is none with this id. The link's own IRI "
            "`{base}/id/link/{id}` dereferences as Linked Data.")
async def get_link(request: Request, id: str = Path(..., pattern=_ID, description="link id")) -> JSONResponse:
    link = await in_thread(_links(request).get, id)
    if link is None:
        raise ApiError(404, "Not Found", f"no link {id!r}", id=id)
    return JSONResponse({"link": link.as_dict()})


@router.delete("/links/{id}", summary="Delete a link (authenticated)",
               description="Removes the link triple and its description from the links graph; 404 when there is "
               "none with this id.")
async def delete_link(request: Request, id: str = Path(..., pattern=_ID, description="link id")) -> JSONResponse:
    principal = await _principal(request)
    gone = await in_thread(_links(request).delete, id, principal=principal.id)
    if gone is None:
        raise ApiError(404, "Not Found", f"no link {id!r}", id=id)
    dump_refresher(request).request()
    return JSONResponse({"deleted": gone.as_dict(), "by": principal.id})
