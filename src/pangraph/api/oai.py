"""The OAI-PMH 2.0 provider of the node at ``/oai`` ("being harvested").

Verbs: Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords, GetRecord; GET and POST
(``application/x-www-form-urlencoded``). Every error code of the protocol (badArgument, badResumptionToken,
badVerb, cannotDisseminateFormat, idDoesNotExist, noRecordsMatch, noMetadataFormats, noSetHierarchy) is
answered as an OAI-PMH document with HTTP 200, as the protocol says.

Records
-------
One OAI item per **record graph** ``{base}/graph/record/{source}/{key}``:

- identifier ``oai:{repositoryIdentifier}:{source}/{key}`` (``oai.repository_identifier``, default the
  host[:port] of ``node.base``; ``key`` exactly as in the graph IRI);
- datestamp = when this node last wrote (or dropped) that record graph (``records.loaded_at`` in the archive,
  set by ``Archive.mark_loaded*``), at seconds granularity ``YYYY-MM-DDThh:mm:ssZ``;
- ``deletedRecord`` = ``persistent``: a record graph dropped because its source deleted the record stays
  listed with ``<header status="deleted">`` and no metadata;
- sets: ``source:{name}`` (every record), ``facility:{slug}`` (slug of the ``foaf:name`` of the main
  resource's ``dct:publisher``/``schema:publisher``/``schema:provider``), ``type:{dataset|training|software|
  instrument|document|other}`` (from the main resource's ``rdf:type``). The main resource is the
  ``foaf:primaryTopic`` of the record graph in ``{base}/graph/provenance``. Deleted records are in their
  ``source:`` set only (the graph that said the rest is gone).

Metadata formats
----------------
- ``oai_dc`` — simple Dublin Core of the main resource (crosswalk: :func:`dublin_core`).
- ``oai_datacite`` — DataCite kernel 4.7 ``<resource>`` in the oai-1.1 ``<oai_datacite>`` wrapper (``payload``);
  ``datacite`` — the same ``<resource>`` bare. The crosswalk back from DCAT/schema.org: :mod:`pangraph.oai.datacite`.
- ``rdf`` — the record graph itself. **Exact payload layout** (what a harvesting pangraph node reads)::

      <record>
        <header>…identifier, datestamp, setSpec…</header>
        <metadata>
          <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" …>
             … RDF/XML (as rdflib's "xml" serializer writes it) of
               (1) every triple of the record graph {base}/graph/record/{source}/{key}, and
               (2) the triples of the links graph {base}/graph/links whose subject or object is the
                   record's main resource, plus every triple of a subject that has a triple pointing at
                   the main resource (so a link's description {base}/id/link/{id} — rdf:subject/predicate/
                   object, pangraph:assertedBy, dct:created, rdfs:comment, pangraph:confidence — comes whole);
                   rejected link suggestions (pangraph:RejectedLinkSuggestion) are left out …
          </rdf:RDF>
        </metadata>
      </record>

  Exactly one ``rdf:RDF`` element is the child of ``<metadata>``. IRIs are the node's own (minted IRIs under
  ``node.base``; DOIs, ORCIDs … as such); blank nodes are local to one record. A harvester gets the source
  record graph name back from the OAI identifier (``{source}/{key}``) and the main resource is the record's
  ``foaf:primaryTopic`` at the providing node (not repeated in the payload: it is also the subject with
  ``dcat:Dataset``/``schema:*`` type). A deleted record has no ``<metadata>``.

Resumption tokens
-----------------
Stateless: ``base64url(JSON {v, verb, prefix, set, from, until, after: [loaded_at, row id], cursor, total})``
``.`` ``HMAC-SHA256`` (key ``oai.token_secret`` or ``{paths.data}/oai-token.key``). They survive restarts; a
forged, truncated or other-version token gives ``badResumptionToken``. Lists go in ``(datestamp, archive row)``
order, so a record written during a harvest moves to the end of the list (and is seen again) rather than being
missed. ``completeListSize`` is given when it can be counted in the archive (no set, or a ``source:`` set).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pyoxigraph as ox
import rdflib
from fastapi import APIRouter, Request
from fastapi.responses import Response
from lxml import etree

from pangraph import iri as ids
from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.errors import ApiError
from pangraph.oai import datacite as dc4

router = APIRouter()

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

#: metadataPrefix → (schema, metadataNamespace)
FORMATS: dict[str, tuple[str, str]] = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
    "oai_datacite": (dc4.OAI_DATACITE_SCHEMA, dc4.OAI_DATACITE_NS),
    "datacite": (dc4.DATACITE_SCHEMA, dc4.DATACITE_NS),
    "rdf": ("http://www.openarchives.org/OAI/2.0/rdf.xsd", RDF_NS),
}

VERBS: dict[str, tuple[set[str], set[str]]] = {  # verb → (required, optional) arguments (besides resumptionToken)
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
}
_RESUMABLE = {"ListSets", "ListIdentifiers", "ListRecords"}
TOKEN_VERSION = 1

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_SLUG = re.compile(r"[^a-z0-9]+")
_SET_SPEC = re.compile(r"^(source|facility|type):[A-Za-z0-9\-_.!~*'()]+$")

_DCT = "http://purl.org/dc/terms/"
_SCHEMA = "http://schema.org/"
_FOAF = "http://xmlns.com/foaf/0.1/"
_TYPE_SETS = (  # rdf:type → type set, first match wins
    ("http://www.w3.org/ns/dcat#Dataset", "dataset"),
    (_SCHEMA + "Dataset", "dataset"),
    (_SCHEMA + "LearningResource", "training"), (_SCHEMA + "Course", "training"),
    (_SCHEMA + "CourseInstance", "training"), (_SCHEMA + "Event", "training"),
    (_SCHEMA + "SoftwareSourceCode", "software"), (_SCHEMA + "SoftwareApplication", "software"),
    ("https://w3id.org/pangraph/ns#Instrument", "instrument"),
    (_SCHEMA + "ScholarlyArticle", "document"), (_FOAF + "Document", "document"),
    (_SCHEMA + "CreativeWork", "document"),
)
TYPE_SETS = ("dataset", "training", "software", "instrument", "document", "other")
_SET_NAMES = {"dataset": "Datasets", "training": "Training material", "software": "Software",
              "instrument": "Instruments", "document": "Documents and publications", "other": "Other resources"}


class OaiError(Exception):
    """An OAI-PMH error condition (answered as ``<error code=…>`` with HTTP 200)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class Query:
    """One list request (what a resumption token carries)."""

    verb: str
    prefix: str | None
    set: str | None
    from_: str | None
    until: str | None
    after: tuple[str, int] | None = None
    cursor: int = 0
    total: int | None = None


# --- settings -----------------------------------------------------------------------------------------


def repository_identifier(ctx: NodeContext) -> str:
    """``oai.repository_identifier`` or the host[:port] of ``node.base``."""
    return ctx.config["oai.repository_identifier"] or urlsplit(ctx.base).netloc


def _admin_emails(ctx: NodeContext) -> list[str]:
    emails = [str(e) for e in ctx.config["oai.admin_email"] if str(e).strip()]
    return emails or [f"pangraph@{urlsplit(ctx.base).hostname}"]


def _secret(ctx: NodeContext) -> bytes:
    configured = ctx.config["oai.token_secret"]
    if configured:
        return configured.encode("utf-8")
    path = ctx.config.data_dir / "oai-token.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(secrets.token_hex(32))
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # first writer wins; never replaces an existing key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip().encode("utf-8")


# --- identifiers, dates, tokens ----------------------------------------------------------------------


def oai_identifier(ctx: NodeContext, source: str, key: str) -> str:
    """``oai:{repositoryIdentifier}:{source}/{key}`` of the record graph of (*source*, *key*)."""
    return f"oai:{repository_identifier(ctx)}:{source}/{quote(key, safe='._~-')}"


def parse_identifier(ctx: NodeContext, identifier: str) -> tuple[str, str] | None:
    """(source, key) of an OAI identifier of this node, or None."""
    prefix = f"oai:{repository_identifier(ctx)}:"
    if not identifier.startswith(prefix):
        return None
    source, sep, key = identifier[len(prefix):].partition("/")
    if not sep or not source or not key:
        return None
    return source, unquote(key)


def datestamp(loaded_at: str) -> str:
    """The archive's millisecond time as an OAI datestamp (seconds granularity)."""
    return loaded_at[:19] + "Z"


def _parse_date(value: str, *, until: bool) -> tuple[str, str]:
    """(granularity, bound comparable with ``loaded_at`` strings) or badArgument."""
    if _SECONDS.match(value):
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise OaiError("badArgument", f"{value!r} is not a valid date") from None
        return "seconds", value[:19] + (".999Z" if until else "")
    if _DAY.match(value):
        try:
            datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            raise OaiError("badArgument", f"{value!r} is not a valid date") from None
        return "day", value + ("T23:59:59.999Z" if until else "T00:00:00")
    raise OaiError("badArgument", f"{value!r} is neither YYYY-MM-DD nor YYYY-MM-DDThh:mm:ssZ")


def encode_token(ctx: NodeContext, q: Query) -> str:
    body = json.dumps({"v": TOKEN_VERSION, "verb": q.verb, "prefix": q.prefix, "set": q.set, "from": q.from_,
                       "until": q.until, "after": list(q.after) if q.after else None, "cursor": q.cursor,
                       "total": q.total}, separators=(",", ":"), sort_keys=True).encode("utf-8")
    payload = base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")
    mac = hmac.new(_secret(ctx), payload.encode("ascii"), hashlib.sha256).hexdigest()[:32]
    return f"{payload}.{mac}"


def decode_token(ctx: NodeContext, token: str, verb: str) -> Query:
    """The query a token continues; badResumptionToken when forged, stale, truncated or for another verb."""
    payload, _, mac = token.partition(".")
    expected = hmac.new(_secret(ctx), payload.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:32]
    if not mac or not hmac.compare_digest(mac, expected):
        raise OaiError("badResumptionToken", "the resumptionToken is not one this node issued (or was altered)")
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise OaiError("badResumptionToken", "the resumptionToken cannot be read") from None
    if data.get("v") != TOKEN_VERSION:
        raise OaiError("badResumptionToken", "the resumptionToken was issued by another version of the provider")
    if data.get("verb") != verb:
        raise OaiError("badResumptionToken", f"the resumptionToken belongs to {data.get('verb')}, not {verb}")
    after = data.get("after")
    return Query(verb=verb, prefix=data.get("prefix"), set=data.get("set"), from_=data.get("from"),
                 until=data.get("until"), after=(after[0], int(after[1])) if after else None,
                 cursor=int(data.get("cursor", 0)), total=data.get("total"))


# --- reading the graph ---------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:80] or "unnamed"


def _iri(value: str) -> str:
    return "<" + value.replace(">", "%3E") + ">"


def record_sets(ctx: NodeContext, rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """setSpecs of each row (archive rows of :meth:`Archive.published`), keyed by record graph IRI."""
    out: dict[str, list[str]] = {}
    live: list[str] = []
    for row in rows:
        graph = ids.record_graph(ctx.base, row["source"], row["key"])
        out[graph] = [f"source:{row['source']}"]
        if not row["deleted"]:
            live.append(graph)
    if not live:
        return out
    # three simple queries: one pattern with OPTIONALs inside GRAPH ?g is planned badly (≈ 0.4 s per page)
    values = " ".join(_iri(g) for g in live)
    topics = ctx.store.select(f"SELECT ?g ?r WHERE {{ VALUES ?g {{ {values} }} "
                              f"GRAPH <{ctx.base}/graph/provenance> {{ ?g <{_FOAF}primaryTopic> ?r }} }}")
    pairs = " ".join(f"({_iri(t['g'])} {_iri(t['r'])})" for t in topics if t.get("g") and t.get("r"))
    found: list[dict[str, Any]] = []
    if pairs:
        found += ctx.store.select(f"SELECT ?g ?type WHERE {{ VALUES (?g ?r) {{ {pairs} }} GRAPH ?g {{ ?r a ?type }} }}")
        found += ctx.store.select(f"""
            SELECT ?g ?publisher WHERE {{ VALUES (?g ?r) {{ {pairs} }}
              GRAPH ?g {{ ?r <{_DCT}publisher>|<{_SCHEMA}publisher>|<{_SCHEMA}provider> ?p .
                          ?p <{_FOAF}name>|<{_SCHEMA}name> ?publisher }} }}""")
    types: dict[str, set[str]] = {}
    facilities: dict[str, set[str]] = {}
    for row in found:
        g = row["g"] or ""
        if row.get("type"):
            types.setdefault(g, set()).add(row["type"])
        if row.get("publisher"):
            facilities.setdefault(g, set()).add(_slug(row["publisher"]))
    for g in live:
        kind = next((name for cls, name in _TYPE_SETS if cls in types.get(g, ())), "other")
        out[g] += [f"facility:{s}" for s in sorted(facilities.get(g, ()))] + [f"type:{kind}"]
    return out


def all_sets(ctx: NodeContext) -> list[tuple[str, str]]:
    """Every set of the node: (setSpec, setName); kept until the store's next write (it scans every record)."""
    generation = getattr(ctx.store, "generation", None)
    cached = getattr(ctx, "_oai_sets", None)
    if generation is not None and cached is not None and cached[0] == (generation, ctx.archive.earliest_published(),
                                                                       ctx.archive.published_count()):
        return cached[1]
    sets = _compute_sets(ctx)
    if generation is not None:
        ctx._oai_sets = ((generation, ctx.archive.earliest_published(), ctx.archive.published_count()), sets)
    return sets


def _compute_sets(ctx: NodeContext) -> list[tuple[str, str]]:
    archive = ctx.archive
    sets = [(f"source:{s}", f"Records of the source {s}") for s in archive.published_sources()]
    rows = ctx.store.select(f"""
        PREFIX foaf: <{_FOAF}>
        SELECT DISTINCT ?publisher WHERE {{
          GRAPH <{ctx.base}/graph/provenance> {{ ?g foaf:primaryTopic ?r }}
          GRAPH ?g {{ ?r <{_DCT}publisher>|<{_SCHEMA}publisher>|<{_SCHEMA}provider> ?p .
                      ?p <{_FOAF}name>|<{_SCHEMA}name> ?publisher }}
        }}""")
    names: dict[str, str] = {}
    for row in rows:
        if row.get("publisher"):
            names.setdefault(_slug(row["publisher"]), row["publisher"])
    sets += [(f"facility:{slug}", f"Published by {name}") for slug, name in sorted(names.items())]
    sets += [(f"type:{t}", _SET_NAMES[t]) for t in TYPE_SETS]
    return sets


def main_resource(ctx: NodeContext, graph: str) -> str | None:
    rows = ctx.store.select(f"SELECT ?r WHERE {{ GRAPH <{ctx.base}/graph/provenance> "
                            f"{{ {_iri(graph)} <{_FOAF}primaryTopic> ?r }} }} LIMIT 1")
    return rows[0]["r"] if rows else None


_RDF_PREFIXES = ("dct", "schema", "foaf", "dcat", "prov", "adms", "vcard", "skos", "pangraph")


def record_rdf(ctx: NodeContext, graph: str, resource: str | None) -> rdflib.Graph:
    """The ``rdf`` payload of a record: its graph plus the links-graph statements about its main resource."""
    g = rdflib.Graph()
    for prefix, ns in (("dct", _DCT), ("schema", _SCHEMA), ("foaf", _FOAF), ("dcat", "http://www.w3.org/ns/dcat#"),
                       ("prov", "http://www.w3.org/ns/prov#"), ("adms", "http://www.w3.org/ns/adms#"),
                       ("vcard", "http://www.w3.org/2006/vcard/ns#"), ("skos", "http://www.w3.org/2004/02/skos/core#"),
                       ("pangraph", "https://w3id.org/pangraph/ns#")):
        g.bind(prefix, ns, override=True)
    g.parse(data=ctx.store.graph_ntriples(graph), format="nt")
    if resource:
        links = ctx.store.construct_ntriples(f"""
            CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ctx.base}/graph/links> {{
              {{ BIND({_iri(resource)} AS ?s) ?s ?p ?o }}
              UNION {{ BIND({_iri(resource)} AS ?o) ?s ?p ?o }}
              UNION {{ ?s ?q {_iri(resource)} . ?s ?p ?o }}
              FILTER NOT EXISTS {{ ?s a <https://w3id.org/pangraph/ns#RejectedLinkSuggestion> }}
            }} }}""")
        if links.strip():
            g.parse(data=links, format="nt")
    return g


def rdf_xml(g: rdflib.Graph) -> bytes:
    """*g* as RDF/XML, the same bytes for the same graph on every call and after restarts (so a harvester
    comparing payloads sees no change where there is none): blank nodes get canonical labels
    (``rdflib.compare.to_canonical_graph``), statements are written sorted, by pyoxigraph's serializer."""
    from rdflib.compare import to_canonical_graph

    lines = sorted(line for line in to_canonical_graph(g).serialize(format="nt").splitlines() if line.strip())
    triples = ox.parse(("\n".join(lines) + "\n").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    prefixes = {prefix: str(ns) for prefix, ns in g.namespaces() if prefix and prefix in _RDF_PREFIXES}
    return ox.serialize(triples, format=ox.RdfFormat.RDF_XML, prefixes=prefixes)


def technique_labels(ctx: NodeContext, g: rdflib.Graph) -> Any:
    """Labels of the PaNET classes *g* mentions, from the ontology graph loaded into the store."""
    panet = sorted({str(o) for o in g.objects() if isinstance(o, rdflib.URIRef)
                    and str(o).startswith(dc4.PANET)})
    if not panet:
        return lambda iri: None
    rows = ctx.store.select(f"""
        SELECT ?c (SAMPLE(?l) AS ?label) WHERE {{
          VALUES ?c {{ {' '.join(_iri(c) for c in panet)} }}
          GRAPH ?o {{ ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l }}
          FILTER(STRSTARTS(STR(?o), "{ctx.base}/graph/ontology/"))
        }} GROUP BY ?c""")
    return dc4.labels_from((r["c"], r["label"]) for r in rows if r.get("c") and r.get("label"))


def _literals(g: rdflib.Graph, subject: rdflib.term.Node, *predicates: str) -> list[str]:
    out: list[str] = []
    for p in predicates:
        for o in g.objects(subject, rdflib.URIRef(p)):
            text = str(o).strip()
            if text and text not in out:
                out.append(text)
    return out


def _names(g: rdflib.Graph, subject: rdflib.term.Node, *predicates: str) -> list[str]:
    """Names of the agents linked from *subject* (their foaf:name / schema:name, or literal values)."""
    out: list[str] = []
    for p in predicates:
        for o in g.objects(subject, rdflib.URIRef(p)):
            if isinstance(o, rdflib.Literal):
                names = [str(o)]
            else:
                names = _literals(g, o, _FOAF + "name", _SCHEMA + "name", "http://www.w3.org/2006/vcard/ns#fn")
            for n in names[:1]:
                if n not in out:
                    out.append(n)
    return out


def dublin_core(g: rdflib.Graph, resource: str, kind: str) -> list[tuple[str, str]]:
    """The oai_dc crosswalk of the main resource: (element, value) pairs in schema order.

    title ← dct:title, schema:name · creator ← dct:creator, schema:author/creator (names) · subject ←
    dcat:keyword, schema:keywords, technique IRIs (schema:measurementTechnique, schema:about) ·
    description ← dct:description, schema:description · publisher ← dct:publisher, schema:publisher/provider
    (names) · contributor ← dct:contributor, schema:contributor (names) · date ← dct:issued, dct:created,
    schema:datePublished · type ← the type set · identifier ← the resource IRI, dct:identifier,
    schema:identifier · language ← dct:language, schema:inLanguage · relation ← dct:relation and its
    sub-properties, dct:isPartOf · rights ← dct:license, dct:accessRights, schema:license.
    """
    r = rdflib.URIRef(resource)
    pairs: list[tuple[str, str]] = []

    def add(element: str, values: Iterable[str]) -> None:
        for v in values:
            if (element, v) not in pairs:
                pairs.append((element, v))

    def objects(*preds: str) -> list[str]:
        return [str(o) for p in preds for o in g.objects(r, rdflib.URIRef(p))]

    add("title", _literals(g, r, _DCT + "title", _SCHEMA + "name"))
    add("creator", _names(g, r, _DCT + "creator", _SCHEMA + "author", _SCHEMA + "creator"))
    add("subject", _literals(g, r, "http://www.w3.org/ns/dcat#keyword", _SCHEMA + "keywords")
        + objects(_SCHEMA + "measurementTechnique", _SCHEMA + "about"))
    add("description", _literals(g, r, _DCT + "description", _SCHEMA + "description"))
    add("publisher", _names(g, r, _DCT + "publisher", _SCHEMA + "publisher", _SCHEMA + "provider"))
    add("contributor", _names(g, r, _DCT + "contributor", _SCHEMA + "contributor"))
    add("date", _literals(g, r, _DCT + "issued", _DCT + "created", _SCHEMA + "datePublished"))
    add("type", [kind])
    add("identifier", [resource] + _literals(g, r, _DCT + "identifier", _SCHEMA + "identifier"))
    add("language", objects(_DCT + "language", _SCHEMA + "inLanguage"))
    add("relation", objects(_DCT + "relation", _DCT + "references", _DCT + "isReferencedBy", _DCT + "source",
                            _DCT + "isPartOf", _DCT + "hasPart", _DCT + "isVersionOf", _DCT + "hasVersion",
                            _DCT + "requires", _DCT + "isRequiredBy", _DCT + "replaces", _DCT + "isReplacedBy"))
    add("rights", objects(_DCT + "license", _DCT + "accessRights", _SCHEMA + "license"))
    return pairs


# --- building responses --------------------------------------------------------------------------------


def _el(parent: etree._Element, tag: str, text: str | None = None, ns: str = OAI_NS, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        e.text = _xml_text(text)
    return e


def _xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry."""
    return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)


def _envelope(ctx: NodeContext, args: dict[str, str] | None, *, verb: str | None) -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    _el(root, "responseDate", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    request = _el(root, "request", f"{ctx.base}/oai")
    for k, v in (args or {}).items():
        request.set(k, v)
    return root, request


def _header(parent: etree._Element, ctx: NodeContext, row: dict[str, Any], sets: list[str]) -> None:
    header = _el(parent, "header", status="deleted" if row["deleted"] else None)
    _el(header, "identifier", oai_identifier(ctx, row["source"], row["key"]))
    _el(header, "datestamp", datestamp(row["loaded_at"]))
    for spec in sets:
        _el(header, "setSpec", spec)


def _metadata(parent: etree._Element, ctx: NodeContext, row: dict[str, Any], prefix: str, sets: list[str]) -> None:
    graph = ids.record_graph(ctx.base, row["source"], row["key"])
    resource = main_resource(ctx, graph)
    g = record_rdf(ctx, graph, resource)
    metadata = _el(parent, "metadata")
    if prefix == "rdf":
        metadata.append(etree.fromstring(rdf_xml(g)))
        return
    kind = next((s.split(":", 1)[1] for s in sets if s.startswith("type:")), "other")
    if prefix in ("oai_datacite", "datacite"):
        if not resource:  # nothing to describe (no foaf:primaryTopic): the record goes without <metadata>
            parent.remove(metadata)
            return
        resource_el = dc4.datacite_resource(g, resource, kind=kind, fallback_year=row["loaded_at"][:4],
                                            labels=technique_labels(ctx, g))
        metadata.append(dc4.oai_datacite(resource_el, datacentre=repository_identifier(ctx))
                        if prefix == "oai_datacite" else resource_el)
        return
    dc = etree.SubElement(metadata, f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI})
    dc.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    if resource:
        for element, value in dublin_core(g, resource, kind):
            _el(dc, element, value, ns=DC_NS)


def _to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def error_document(ctx: NodeContext, args: dict[str, str] | None, errors: list[OaiError]) -> bytes:
    """An OAI-PMH error response; *args* None for badVerb/badArgument (the request element gets no attributes)."""
    root, _ = _envelope(ctx, args, verb=None)
    for e in errors:
        _el(root, "error", e.message, code=e.code)
    return _to_bytes(root)


# --- the verbs ----------------------------------------------------------------------------------------


def _check_args(args: dict[str, list[str]]) -> tuple[str, dict[str, str]]:
    verbs = args.get("verb", [])
    if len(verbs) != 1:
        raise OaiError("badVerb", "the verb argument is missing" if not verbs else "the verb argument is repeated")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb ({', '.join(VERBS)})")
    required, optional = VERBS[verb]
    flat: dict[str, str] = {}
    for name, values in args.items():
        if name == "verb":
            continue
        if len(values) > 1:
            raise OaiError("badArgument", f"the argument {name} is repeated")
        allowed = required | optional | ({"resumptionToken"} if verb in _RESUMABLE else set())
        if name not in allowed:
            raise OaiError("badArgument", f"{verb} does not take the argument {name!r}")
        flat[name] = values[0]
    if "resumptionToken" in flat:
        if len(flat) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
    else:
        missing = sorted(required - set(flat))
        if missing:
            raise OaiError("badArgument", f"{verb} needs the argument(s) {', '.join(missing)}")
    return verb, flat


def handle(ctx: NodeContext, args: dict[str, list[str]]) -> bytes:
    """Answer one OAI-PMH request (arguments as lists, to see repeats) with the XML document."""
    try:
        verb, flat = _check_args(args)
    except OaiError as e:
        return error_document(ctx, None, [e])
    echo = {"verb": verb, **flat}
    try:
        root, _ = _envelope(ctx, echo, verb=verb)
        body = _el(root, verb)
        if verb == "Identify":
            _identify(ctx, body)
        elif verb == "ListMetadataFormats":
            _list_formats(ctx, body, flat.get("identifier"))
        elif verb == "ListSets":
            if "resumptionToken" in flat:
                decode_token(ctx, flat["resumptionToken"], verb)  # ListSets is one page: any token is stale
                raise OaiError("badResumptionToken", "ListSets is answered in one response; no token continues it")
            for spec, name in all_sets(ctx):
                s = _el(body, "set")
                _el(s, "setSpec", spec)
                _el(s, "setName", name)
        elif verb == "GetRecord":
            _get_record(ctx, body, flat["identifier"], flat["metadataPrefix"])
        else:
            _list(ctx, body, _list_query(ctx, verb, flat))
        return _to_bytes(root)
    except OaiError as e:
        return error_document(ctx, None if e.code == "badArgument" else echo, [e])


def _identify(ctx: NodeContext, body: etree._Element) -> None:
    _el(body, "repositoryName", ctx.config["node.title"])
    _el(body, "baseURL", f"{ctx.base}/oai")
    _el(body, "protocolVersion", "2.0")
    for email in _admin_emails(ctx):
        _el(body, "adminEmail", email)
    earliest = ctx.archive.earliest_published()
    _el(body, "earliestDatestamp", datestamp(earliest) if earliest else "1970-01-01T00:00:00Z")
    _el(body, "deletedRecord", "persistent")
    _el(body, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    repo = repository_identifier(ctx)
    if re.match(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+$", repo):
        desc = _el(body, "description")
        oid = etree.SubElement(desc, f"{{{OAI_ID_NS}}}oai-identifier", nsmap={None: OAI_ID_NS, "xsi": XSI})
        oid.set(f"{{{XSI}}}schemaLocation", f"{OAI_ID_NS} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd")
        _el(oid, "scheme", "oai", ns=OAI_ID_NS)
        _el(oid, "repositoryIdentifier", repo, ns=OAI_ID_NS)
        _el(oid, "delimiter", ":", ns=OAI_ID_NS)
        _el(oid, "sampleIdentifier", f"oai:{repo}:source/record-key", ns=OAI_ID_NS)


def _find(ctx: NodeContext, identifier: str) -> dict[str, Any]:
    parsed = parse_identifier(ctx, identifier)
    rows = ctx.archive.published(source=parsed[0], key=parsed[1], limit=1) if parsed else []
    if not rows:
        raise OaiError("idDoesNotExist", f"{identifier!r} is not an identifier of this repository")
    return rows[0]


def _list_formats(ctx: NodeContext, body: etree._Element, identifier: str | None) -> None:
    formats = list(FORMATS)
    if identifier is not None:
        row = _find(ctx, identifier)
        if row["deleted"]:
            raise OaiError("noMetadataFormats", f"{identifier!r} is deleted: no metadata is disseminated for it")
    for prefix in formats:
        schema, ns = FORMATS[prefix]
        f = _el(body, "metadataFormat")
        _el(f, "metadataPrefix", prefix)
        _el(f, "schema", schema)
        _el(f, "metadataNamespace", ns)


def _check_prefix(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"{prefix!r} is not a metadata format of this repository "
                       f"({', '.join(FORMATS)})")


def _get_record(ctx: NodeContext, body: etree._Element, identifier: str, prefix: str) -> None:
    row = _find(ctx, identifier)
    _check_prefix(prefix)
    sets = record_sets(ctx, [row])[ids.record_graph(ctx.base, row["source"], row["key"])]
    record = _el(body, "record")
    _header(record, ctx, row, sets)
    if not row["deleted"]:
        _metadata(record, ctx, row, prefix, sets)


def _list_query(ctx: NodeContext, verb: str, flat: dict[str, str]) -> Query:
    if "resumptionToken" in flat:
        return decode_token(ctx, flat["resumptionToken"], verb)
    prefix = flat["metadataPrefix"]
    bounds = {}
    grains = set()
    for name in ("from", "until"):
        if name in flat:
            grain, bounds[name] = _parse_date(flat[name], until=name == "until")
            grains.add(grain)
    if len(grains) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity")
    if "from" in bounds and "until" in bounds and bounds["from"] > bounds["until"]:
        raise OaiError("badArgument", "from is later than until")
    _check_prefix(prefix)
    spec = flat.get("set")
    if spec is not None and not _SET_SPEC.match(spec):
        raise OaiError("noRecordsMatch" if ":" not in spec else "badArgument",
                       f"{spec!r} is not a set of this repository (source:NAME, facility:SLUG, type:KIND)")
    if spec is not None and spec.startswith("type:") and spec[5:] not in TYPE_SETS:
        raise OaiError("noRecordsMatch", f"no type set {spec!r}: the types are {', '.join(TYPE_SETS)}")
    return Query(verb=verb, prefix=prefix, set=spec, from_=bounds.get("from"), until=bounds.get("until"))


def _list(ctx: NodeContext, body: etree._Element, q: Query) -> None:
    """One page of ListIdentifiers/ListRecords: up to ``oai.page_size`` items after the token's cursor,
    read from the archive in ``(datestamp, row)`` order in batches (never the whole list in memory)."""
    page_size = max(1, int(ctx.config["oai.page_size"]))
    source = q.set[7:] if q.set and q.set.startswith("source:") else None
    filtered = q.set is not None and source is None  # facility/type sets: read from the graph
    total = q.total
    if total is None and not filtered:
        total = ctx.archive.published_count(source=source, from_=q.from_, until=q.until)
    batch = page_size + 1 if not filtered else max(page_size * 4, 50)
    picked: list[tuple[dict[str, Any], list[str]]] = []  # up to page_size + 1: the extra one says "more"
    scan = q.after
    while len(picked) <= page_size:
        rows = ctx.archive.published(source=source, from_=q.from_, until=q.until, after=scan, limit=batch)
        if not rows:
            break
        sets = record_sets(ctx, rows)
        for row in rows:
            row_sets = sets[ids.record_graph(ctx.base, row["source"], row["key"])]
            scan = (row["loaded_at"], row["id"])
            if filtered and q.set not in row_sets:
                continue
            picked.append((row, row_sets))
            if len(picked) > page_size:
                break
        if len(rows) < batch:
            break
    more = len(picked) > page_size
    picked = picked[:page_size]
    if not picked:
        raise OaiError("noRecordsMatch", "no record matches these arguments")
    for row, row_sets in picked:
        if q.verb == "ListIdentifiers":
            _header(body, ctx, row, row_sets)
        else:
            record = _el(body, "record")
            _header(record, ctx, row, row_sets)
            if not row["deleted"]:
                _metadata(record, ctx, row, q.prefix or "oai_dc", row_sets)
    if q.after is None and not more:
        return  # the complete list in one response: no resumptionToken
    attrs = {"cursor": str(q.cursor)}
    if total is not None:
        attrs["completeListSize"] = str(total)
    token = _el(body, "resumptionToken", None, **attrs)
    if more:
        last = picked[-1][0]
        token.text = encode_token(ctx, Query(verb=q.verb, prefix=q.prefix, set=q.set, from_=q.from_, until=q.until,
                                             after=(last["loaded_at"], last["id"]), cursor=q.cursor + len(picked),
                                             total=total))


# --- routes -------------------------------------------------------------------------------------------

_DESCRIPTION = (
    "OAI-PMH 2.0 provider: `verb=Identify | ListMetadataFormats | ListSets | ListIdentifiers | ListRecords | "
    "GetRecord`, formats `oai_dc`, `oai_datacite` and `datacite` (DataCite kernel 4.7, crosswalked back from the graph) and `rdf` (the record graph plus the links about its main resource), sets "
    "`source:NAME`, `facility:SLUG`, `type:KIND`, `from`/`until` at seconds or day granularity, stateless "
    "resumption tokens, persistent deleted records. Protocol errors are OAI-PMH `<error>` documents with "
    "HTTP 200, as the protocol requires.")


def _ctx_with_archive(request: Request) -> NodeContext:
    ctx = context(request)
    if ctx.archive is None or not hasattr(ctx.archive, "published"):
        raise ApiError(503, "OAI-PMH unavailable", "this app was started without the node's record archive, "
                       "which holds the OAI-PMH datestamps")
    return ctx


def _xml(body: bytes) -> Response:
    return Response(body, media_type="text/xml; charset=utf-8")


@router.get("/oai", summary="OAI-PMH 2.0 provider", description=_DESCRIPTION,
            response_class=Response, responses={200: {"content": {"text/xml": {}}}})
async def oai_get(request: Request) -> Response:
    ctx = _ctx_with_archive(request)
    args: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        args.setdefault(k, []).append(v)
    return _xml(await in_thread(handle, ctx, args))


@router.post("/oai", summary="OAI-PMH 2.0 provider (form POST)",
             description=_DESCRIPTION + " POST takes the same arguments as `application/x-www-form-urlencoded`.",
             response_class=Response, responses={200: {"content": {"text/xml": {}}}})
async def oai_post(request: Request) -> Response:
    ctx = _ctx_with_archive(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise ApiError(415, "Unsupported Media Type",
                       "OAI-PMH POST requests are application/x-www-form-urlencoded", accepted=[
                           "application/x-www-form-urlencoded"])
    raw = (await request.body()).decode("utf-8", "replace")
    args: dict[str, list[str]] = {}
    for k, v in parse_qsl(raw, keep_blank_values=True):
        args.setdefault(k, []).append(v)
    return _xml(await in_thread(handle, ctx, args))
