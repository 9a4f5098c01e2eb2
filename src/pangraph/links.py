"""Cross-node links: storage in the links graph, suggestions from shared identifiers, target checks.

A link is a statement ``<s> <p> <o>`` between a resource this node describes (``s``, found in a record
graph) and a resource of another node or registry (``o``, an http(s) IRI), with ``p`` from the allow-list
``src/pangraph/data/link-predicates.tsv``. Everything lives in the named graph ``{base}/graph/links``
(DESIGN.md §3):

- the plain triple ``<s> <p> <o>`` (so SPARQL over the union graph, entity pages, dumps and OAI-PMH ``rdf``
  records see it like any other statement), and
- its description ``{base}/id/link/{id}``: ``a pangraph:Link, rdf:Statement``, ``rdf:subject/predicate/object``,
  ``pangraph:assertedBy`` (the principal), ``dct:created``, ``rdfs:comment`` (why), ``pangraph:confidence``
  (0..1) — see docs/model.md.

``id`` is the first 24 hex digits of SHA-256 over ``s\\np\\no``: posting the same link again is idempotent.
Rejected suggestions are kept in the same graph as ``pangraph:RejectedLinkSuggestion`` nodes (same id
scheme, without the plain triple) so that they are not suggested again.

Writes change only the statements of the link concerned (``Store.change_graph``), under a lock.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib.resources import files
from typing import Any, Iterable
from urllib.parse import urlsplit

import httpx

from pangraph import iri as iris
from pangraph.config import Config
from pangraph.rdf import DCT, PANGRAPH, RDF, RDFS, XSD, iri, literal, ntriples

log = logging.getLogger("pangraph.links")

MAX_IRI_LENGTH = 2048
MAX_COMMENT_LENGTH = 2000
_IRI_BAD = re.compile(r'[\s<>"{}|\\^`\x00-\x1f]')


class LinkError(ValueError):
    """A link (or a request about one) that cannot be accepted; *field* names the culprit."""

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        self.reason = reason
        self.field = field
        super().__init__(reason)


@dataclass(frozen=True)
class LinkPredicate:
    curie: str
    iri: str
    label: str
    comment: str


@lru_cache(maxsize=1)
def link_predicates() -> dict[str, LinkPredicate]:
    """The allow-list, by IRI (``src/pangraph/data/link-predicates.tsv``)."""
    text = (files("pangraph") / "data" / "link-predicates.tsv").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    out: dict[str, LinkPredicate] = {}
    for row in csv.DictReader(rows, delimiter="\t"):
        out[row["iri"]] = LinkPredicate(row["curie"], row["iri"], row["label"], row.get("comment") or "")
    return out


def resolve_predicate(value: str) -> LinkPredicate:
    """The allowed predicate given as an IRI or a CURIE of the allow-list; :class:`LinkError` otherwise."""
    allowed = link_predicates()
    v = (value or "").strip()
    if v in allowed:
        return allowed[v]
    for p in allowed.values():
        if p.curie == v:
            return p
    raise LinkError(f"predicate {value!r} is not allowed for links; allowed: "
                    + ", ".join(p.curie for p in allowed.values()), field="predicate")


def check_iri(value: str, what: str) -> str:
    v = (value or "").strip()
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.netloc or _IRI_BAD.search(v) or len(v) > MAX_IRI_LENGTH:
        raise LinkError(f"{what} must be an absolute http(s) IRI of at most {MAX_IRI_LENGTH} characters without "
                        f"spaces or <>\"{{}}|\\^`, got {value!r}", field=what)
    return v


def link_id(subject: str, predicate: str, obj: str) -> str:
    return hashlib.sha256(f"{subject}\n{predicate}\n{obj}".encode("utf-8")).hexdigest()[:24]


def link_iri(base: str, id_: str) -> str:
    return f"{base.rstrip('/')}/id/link/{id_}"


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Link:
    id: str
    subject: str
    predicate: str
    object: str
    asserted_by: str
    created: str
    comment: str = ""
    confidence: float = 1.0
    iri: str = ""
    status: str = "link"  # "link" | "rejected" (a rejected suggestion)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("status")
        p = link_predicates().get(self.predicate)
        d["predicate_curie"] = p.curie if p else None
        return d


@dataclass
class Suggestion:
    id: str
    subject: str
    predicate: str
    object: str
    reason: str
    confidence: float
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["predicate_curie"] = link_predicates()[self.predicate].curie
        return d


#: rows asked of each peer for :meth:`LinkStore.peer_suggestions`
PEER_ROWS = 5000
#: what a peer is asked: its resources (not DOI IRIs) whose identifier is written as a DOI
PEER_QUERY = """PREFIX dct: <http://purl.org/dc/terms/>
SELECT DISTINCT ?r ?id WHERE {{
  ?r dct:identifier ?id .
  FILTER(isIRI(?r) && !STRSTARTS(STR(?r), "https://doi.org/"))
  FILTER(STRSTARTS(STR(?id), "10.") || STRSTARTS(LCASE(STR(?id)), "doi:") || STRSTARTS(LCASE(STR(?id)), "https://doi.org/"))
}} LIMIT {limit}"""

_RDF_TYPE = RDF.raw("type")
_LINK, _REJECTED = PANGRAPH.raw("Link"), PANGRAPH.raw("RejectedLinkSuggestion")
_SUBJ, _PRED, _OBJ = RDF.raw("subject"), RDF.raw("predicate"), RDF.raw("object")
_SAFE_IRI = re.compile(r'[^<>"{}|^`\\\s]+')
_BY, _CONF, _CREATED = PANGRAPH.raw("assertedBy"), PANGRAPH.raw("confidence"), DCT.raw("created")
_COMMENT = RDFS.raw("comment")
_LOCK = threading.Lock()  # one writer at a time per process (the embedded store has one process anyway)


class LinkStore:
    """The links of one node, in the store's links graph."""

    def __init__(self, store: Any, base: str) -> None:
        self.store = store
        self.base = base.rstrip("/")
        self.graph = iris.links_graph(self.base)

    # -- reading ----------------------------------------------------------------------------------
    def _read(self, *, ids: Iterable[str] | None = None, about: str | None = None) -> list[Link]:
        """The links and rejected suggestions — all, those with the ids *ids*, or those whose subject or object
        is *about* — from one read of their nodes' statements, assembled here (a join of the seven properties
        in SPARQL was quadratic in Oxigraph's plan; this stays linear)."""
        prefix = link_iri(self.base, "")
        if ids is not None:
            nodes = " ".join(f"<{link_iri(self.base, i)}>" for i in ids)
            if not nodes:
                return []
            where = f"VALUES ?l {{ {nodes} }} GRAPH <{self.graph}> {{ ?l ?q ?v }}"
        elif about is not None:
            where = (f"GRAPH <{self.graph}> {{ {{ ?l <{_SUBJ}> <{about}> }} UNION {{ ?l <{_OBJ}> <{about}> }} "
                     f"?l ?q ?v }}")
        else:
            where = f"GRAPH <{self.graph}> {{ ?l ?q ?v }}"
        rows = self.store.select(f'SELECT ?l ?q ?v WHERE {{ {where} FILTER(STRSTARTS(STR(?l), "{prefix}")) }}')
        nodes: dict[str, dict[str, Any]] = {}
        for r in rows:
            props = nodes.setdefault(r["l"], {"types": set()})
            if r["q"] == _RDF_TYPE:
                props["types"].add(r["v"])
            else:
                props[r["q"]] = r["v"]
        out = []
        for node, props in nodes.items():
            types = props["types"]
            if _LINK in types:
                status = "link"
            elif _REJECTED in types:
                status = "rejected"
            else:
                continue
            if not all(k in props for k in (_SUBJ, _PRED, _OBJ, _BY, _CREATED)):
                continue
            conf = props.get(_CONF)
            out.append(Link(id=node.rsplit("/", 1)[-1], subject=props[_SUBJ], predicate=props[_PRED],
                            object=props[_OBJ], asserted_by=props[_BY], created=props[_CREATED],
                            comment=props.get(_COMMENT) or "", confidence=float(conf) if conf is not None else 1.0,
                            iri=node, status=status))
        out.sort(key=lambda l: (l.created, l.iri))
        return out

    def links(self, iri_: str | None = None) -> list[Link]:
        """Every link, or those whose subject or object is *iri_*."""
        if iri_ is not None and not _SAFE_IRI.fullmatch(iri_):
            return []  # nothing can link to a string that is not an IRI (and it must not reach the query)
        found = [l for l in self._read(about=iri_) if l.status == "link"]
        if iri_ is not None:
            found = [l for l in found if iri_ in (l.subject, l.object)]
        return found

    def get(self, id_: str) -> Link | None:
        for l in self._read(ids=[id_]):
            if l.id == id_ and l.status == "link":
                return l
        return None

    def rejected_ids(self) -> set[str]:
        return {l.id for l in self._read() if l.status == "rejected"}

    def describes(self, subject: str) -> bool:
        """Whether a record graph of this node has a statement about *subject*."""
        return self.store.ask(
            f"ASK {{ GRAPH ?g {{ <{subject}> ?p ?o }} FILTER(STRSTARTS(STR(?g), \"{self.base}/graph/record/\")) }}")

    # -- writing ----------------------------------------------------------------------------------
    def _triples(self, l: Link) -> list[tuple[str, str, str]]:
        node = iri(l.iri)
        t = [
            (node, RDF.type, PANGRAPH.RejectedLinkSuggestion if l.status == "rejected" else PANGRAPH.Link),
            (node, RDF.subject, iri(l.subject)),
            (node, RDF.predicate, iri(l.predicate)),
            (node, RDF.object, iri(l.object)),
            (node, PANGRAPH.assertedBy, literal(l.asserted_by)),
            (node, DCT.created, literal(l.created, datatype=XSD.raw("dateTime"))),
            (node, PANGRAPH.confidence, literal(f"{l.confidence:g}", datatype=XSD.raw("decimal"))),
        ]
        if l.status == "link":
            t.insert(1, (node, RDF.type, RDF.Statement))
            t.append((iri(l.subject), iri(l.predicate), iri(l.object)))
        if l.comment:
            t.append((node, RDFS.comment, literal(l.comment)))
        return t

    def _change(self, *, remove: Iterable[Link] = (), add: Iterable[Link] = ()) -> None:
        """Remove the statements of *remove* and add those of *add*, in one update of the links graph."""
        self.store.change_graph(self.graph, delete=ntriples([t for l in remove for t in self._triples(l)]),
                                insert=ntriples([t for l in add for t in self._triples(l)]))

    def add(self, subject: str, predicate: str, obj: str, *, principal: str, comment: str = "",
            confidence: float = 1.0) -> tuple[Link, bool]:
        """Store the link; ``(link, created)`` — *created* is False when it existed (then unchanged)."""
        subject = check_iri(subject, "subject")
        obj = check_iri(obj, "object")
        pred = resolve_predicate(predicate).iri
        if subject == obj:
            raise LinkError("subject and object are the same IRI", field="object")
        if not isinstance(confidence, (int, float)) or not 0.0 <= float(confidence) <= 1.0:
            raise LinkError(f"confidence must be a number from 0 to 1, got {confidence!r}", field="confidence")
        comment = (comment or "").strip()
        if len(comment) > MAX_COMMENT_LENGTH:
            raise LinkError(f"comment is longer than {MAX_COMMENT_LENGTH} characters", field="comment")
        id_ = link_id(subject, pred, obj)
        with _LOCK:
            current = self._read(ids=[id_])
            for l in current:
                if l.id == id_ and l.status == "link":
                    return l, False
            if not self.describes(subject):
                raise LinkError(f"subject {subject!r} is not a resource this node describes (no record graph "
                                "has a statement about it)", field="subject")
            link = Link(id=id_, subject=subject, predicate=pred, object=obj, asserted_by=principal,
                        created=_now(), comment=comment, confidence=float(confidence), iri=link_iri(self.base, id_))
            self._change(remove=[l for l in current if l.id == id_], add=[link])  # accepting replaces a rejection
        log.info("link created", extra={"event": "link.create", "principal": principal, "link": id_,
                                        "subject": subject, "predicate": pred, "object": obj})
        return link, True

    def delete(self, id_: str, *, principal: str) -> Link | None:
        with _LOCK:
            current = self._read(ids=[id_])
            gone = next((l for l in current if l.id == id_ and l.status == "link"), None)
            if gone is None:
                return None
            self._change(remove=[gone])
        log.info("link deleted", extra={"event": "link.delete", "principal": principal, "link": id_,
                                        "subject": gone.subject, "predicate": gone.predicate, "object": gone.object})
        return gone

    def reject(self, s: Suggestion, *, principal: str, comment: str = "") -> Link:
        with _LOCK:
            current = self._read(ids=[s.id])
            rejected = Link(id=s.id, subject=s.subject, predicate=s.predicate, object=s.object,
                            asserted_by=principal, created=_now(), comment=comment or s.reason,
                            confidence=s.confidence, iri=link_iri(self.base, s.id), status="rejected")
            self._change(remove=[l for l in current if l.id == s.id], add=[rejected])
        log.info("link suggestion rejected", extra={"event": "link.reject", "principal": principal, "link": s.id})
        return rejected

    # -- suggestions ------------------------------------------------------------------------------
    def suggestions(self, limit: int = 1000) -> list[Suggestion]:
        """Candidates from shared identifiers, minus existing links and rejected suggestions.

        1. A resource the node mints (``{base}/id/...``) whose identifier (``dct:identifier``, or the
           ``skos:notation`` of an ``adms:identifier``) is a DOI, ORCID, ROR, PDB/EMPIAR/EMDB id:
           ``owl:sameAs`` the PID IRI (DESIGN.md §2 would have used it as the IRI).
        2. Two different resources of the node with the same identifier value (proposal numbers,
           DOIs written by two sources): ``skos:closeMatch``.
        """
        rows = self.store.select(f"""
            PREFIX dct: <http://purl.org/dc/terms/>
            PREFIX adms: <http://www.w3.org/ns/adms#>
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT DISTINCT ?r ?id ?scheme WHERE {{
              GRAPH ?g {{
                {{ ?r dct:identifier ?id }} UNION {{ ?r adms:identifier ?n . ?n skos:notation ?id .
                                                  OPTIONAL {{ ?n dct:type|adms:schemeAgency ?scheme }} }}
              }}
              FILTER(isIRI(?r) && STRSTARTS(STR(?g), "{self.base}/graph/record/"))
            }} LIMIT 200000""")
        existing = {l.id for l in self._read()}
        out: dict[str, Suggestion] = {}

        def offer(s: str, p: str, o: str, reason: str, confidence: float, **evidence: Any) -> None:
            id_ = link_id(s, p, o)
            if id_ not in existing and id_ not in out:
                out[id_] = Suggestion(id_, s, p, o, reason, confidence, evidence)

        same_as = "http://www.w3.org/2002/07/owl#sameAs"
        close = "http://www.w3.org/2004/02/skos/core#closeMatch"
        minted = self.base + "/id/"
        by_value: dict[str, set[str]] = {}
        for r in rows:
            res, value = r["r"], (r["id"] or "").strip()
            if not value or not res:
                continue
            by_value.setdefault(value.lower(), set()).add(res)
            if not res.startswith(minted) or res.startswith(minted + "link/"):
                continue
            pid = _pid_of(value, r.get("scheme"))
            if pid and pid != res:
                offer(res, same_as, pid, f"the resource's identifier {value!r} is the PID {pid}", 0.9,
                      identifier=value)
        for value, resources in sorted(by_value.items()):
            local = sorted(x for x in resources if x.startswith(minted) and not x.startswith(minted + "link/"))
            if 1 < len(resources) <= 10:
                for a in local:
                    for b in sorted(resources):
                        if a != b and (not b.startswith(minted) or a < b):
                            offer(a, close, b, f"both resources carry the identifier {value!r}", 0.7, identifier=value)
        return sorted(out.values(), key=lambda s: (s.subject, s.predicate, s.object))[:limit]

    def peer_suggestions(self, peers: Iterable[str], *, timeout_s: float,
                         per_peer: int = PEER_ROWS) -> tuple[list[Suggestion], list[dict[str, Any]]]:
        """Same DOI at two nodes: resources a configured peer mints (not the DOI IRI) whose ``dct:identifier`` is
        a DOI this node describes → ``<doi> owl:sameAs <peer resource>``. Only the endpoints of *peers* (the
        node's ``federation.peers``) are asked, one SPARQL SELECT each (SPARQLWrapper, *timeout_s*, at most
        *per_peer* rows); a peer that fails is reported in the second list, the others still count."""
        from pangraph.federation import PeerError, query_peer

        same_as = "http://www.w3.org/2002/07/owl#sameAs"
        existing = {l.id for l in self._read()}
        found: dict[str, Suggestion] = {}
        status: list[dict[str, Any]] = []
        for endpoint in peers:
            try:
                data = query_peer(endpoint, PEER_QUERY.format(limit=int(per_peer)), timeout_s)
            except PeerError as e:
                status.append({"endpoint": endpoint, "ok": False, "status": e.kind, "detail": e.reason})
                continue
            rows = data.get("results", {}).get("bindings", [])
            status.append({"endpoint": endpoint, "ok": True, "rows": len(rows)})
            candidates: dict[str, list[tuple[str, str]]] = {}
            for b in rows:
                r, value = b.get("r", {}).get("value"), b.get("id", {}).get("value", "")
                doi = iris.doi_iri(value) if r else None
                if doi and doi != r and not _IRI_BAD.search(r):
                    candidates.setdefault(doi, []).append((r, value))
            local = self._described(sorted(candidates))
            for doi in sorted(local):
                for r, value in candidates[doi]:
                    id_ = link_id(doi, same_as, r)
                    if id_ not in existing:
                        found[id_] = Suggestion(id_, doi, same_as, r, f"the peer {endpoint} describes {r} with the "
                                                f"identifier {value!r}, a DOI this node describes", 0.9,
                                                {"identifier": value, "peer": endpoint})
        return sorted(found.values(), key=lambda s: (s.subject, s.object)), status

    def _described(self, resources: list[str]) -> set[str]:
        out: set[str] = set()
        for i in range(0, len(resources), 200):
            values = " ".join(f"<{r}>" for r in resources[i:i + 200])
            out |= {row["d"] for row in self.store.select(
                f"SELECT DISTINCT ?d WHERE {{ VALUES ?d {{ {values} }} GRAPH ?g {{ ?d ?p ?o }} "
                f"FILTER(STRSTARTS(STR(?g), \"{self.base}/graph/record/\")) }}")}
        return out

    def open_suggestions(self, limit: int = 1000, *, peers: Iterable[str] = (), timeout_s: float = 10.0
                         ) -> tuple[list[Suggestion], list[dict[str, Any]]]:
        """Local suggestions (and, with *peers*, those from the peers) minus rejected ones; plus the peers' status."""
        rejected = self.rejected_ids()
        found = self.suggestions(limit + len(rejected))
        status: list[dict[str, Any]] = []
        peers = list(peers)
        if peers:
            more, status = self.peer_suggestions(peers, timeout_s=timeout_s)
            found += more
        return [s for s in found if s.id not in rejected][:limit], status




def _pid_of(value: str, scheme: str | None) -> str | None:
    v = value.strip()
    low = v.lower()
    for prefix, scheme_name in (("pdb:", "pdb"), ("empiar:", "empiar"), ("emdb:", "emdb")):
        if low.startswith(prefix):
            return iris.identifiers_org_iri(scheme_name, v[len(prefix):])
    return iris.doi_iri(v) or iris.orcid_iri(v) or iris.ror_iri(v) if re.match(
        r"^(10\.|doi:|https?://(dx\.)?doi\.org/|https?://orcid\.org/|https?://ror\.org/|\d{4}-\d{4}-\d{4}-\d{3}[\dX]$)",
        low) else None


# -- checking a link target ---------------------------------------------------------------------
def allowed_check_hosts(config: Config) -> set[str]:
    """``scheme://host[:port]`` of ``federation.peers`` and ``links.registries``: the only places checked."""
    out = set()
    for url in list(config["federation.peers"]) + list(config["links.registries"]):
        p = urlsplit(url.strip())
        if p.scheme in ("http", "https") and p.netloc:
            out.add(f"{p.scheme}://{p.netloc.lower()}")
    return out


def check_target(config: Config, target: str) -> dict[str, Any]:
    """Whether *target* answers (HEAD, else a GET of at most ``links.check_max_bytes``), only when its host is
    a configured peer or registry; otherwise nothing is contacted and ``checked`` is False."""
    p = urlsplit(target)
    origin = f"{p.scheme}://{p.netloc.lower()}"
    if origin not in allowed_check_hosts(config):
        return {"checked": False, "reason": f"{origin} is neither a federation.peers host nor a links.registries "
                "entry: the node does not contact it"}
    timeout = float(config["links.check_timeout_s"])
    limit = int(config["links.check_max_bytes"])
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            with client.stream("GET", target, headers={"Accept": "text/turtle, application/ld+json;q=0.9, */*;q=0.1"}) as r:
                read = 0
                for chunk in r.iter_bytes():
                    read += len(chunk)
                    if read >= limit:
                        break
                status = r.status_code
    except httpx.HTTPError as e:
        return {"checked": True, "ok": False, "reason": f"{type(e).__name__} within {timeout:g} s"}
    return {"checked": True, "ok": status < 400, "status": status}


# -- VoID ---------------------------------------------------------------------------------------
def linkset_counts(store: Any, base: str) -> list[dict[str, Any]]:
    """Links of the links graph per (predicate, origin of the object): the node's cross-node VoID linksets."""
    graph = iris.links_graph(base)
    rows = store.select(f"""
        PREFIX pangraph: <{PANGRAPH.raw('')}>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?p ?o WHERE {{ GRAPH <{graph}> {{ ?l a pangraph:Link ; rdf:predicate ?p ; rdf:object ?o }} }}""")
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        parts = urlsplit(r["o"] or "")
        origin = f"{parts.scheme}://{parts.netloc}/"
        counts[(r["p"], origin)] = counts.get((r["p"], origin), 0) + 1
    return [{"predicate": p, "origin": o, "triples": n} for (p, o), n in sorted(counts.items())]


# -- entity pages -------------------------------------------------------------------------------
def links_about(store: Any, resource: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The links (any node's links graph in the store) whose subject or object is *resource*, for its page:
    direction, predicate and its label, the other resource, who asserted it, when, why and how confidently."""
    rows = store.select(f"""
        PREFIX pangraph: <{PANGRAPH.raw('')}>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?l ?s ?p ?o ?by ?created ?comment ?confidence WHERE {{
          {{ GRAPH ?g {{ ?l rdf:subject <{resource}> }} }} UNION {{ GRAPH ?g {{ ?l rdf:object <{resource}> }} }}
          GRAPH ?g {{ ?l a pangraph:Link ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                        pangraph:assertedBy ?by ; dct:created ?created .
                     OPTIONAL {{ ?l rdfs:comment ?comment }} OPTIONAL {{ ?l pangraph:confidence ?confidence }} }}
        }} ORDER BY ?p ?o LIMIT {int(limit)}""")
    allowed = link_predicates()
    out = []
    for r in rows:
        outbound = r["s"] == resource
        p = allowed.get(r["p"] or "")
        out.append({"link": r["l"], "direction": "out" if outbound else "in", "predicate": r["p"],
                    "words": p.label if p else r["p"], "iri": r["o"] if outbound else r["s"], "label": None,
                    "asserted_by": r["by"], "created": r["created"], "comment": r.get("comment") or "",
                    "confidence": r.get("confidence")})
    return out
