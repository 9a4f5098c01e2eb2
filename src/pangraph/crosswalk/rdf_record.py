"""The ``pangraph-rdf`` format: a record harvested from another pangraph node (its OAI-PMH ``rdf`` format).

The peer's provider puts, inside ``<metadata>``, one ``rdf:RDF`` element (RDF/XML) holding the peer's record
graph plus its links-graph statements about the record's main resource. Those statements are already in the
project's model (same vocabularies, same IRI rules), so this crosswalk takes them **unchanged**: every IRI of the
peer is kept (DOIs, ORCIDs, PaNET — and the peer's minted ``{peer base}/id/...`` IRIs, which dereference on the
peer), nothing is re-minted. Only blank nodes are relabelled, per record (``_:pn{hash of source+key}x{n}``), so
two records' blank nodes never merge in one bulk load.

The main resource (``CrosswalkResult.subject``, recorded as ``foaf:primaryTopic`` in provenance) is the subject
typed with the most specific kind the node knows: a ``dcat:Dataset``, else training (``schema:LearningResource``,
``Course``, ``CourseInstance``, ``Event``), else software (``schema:SoftwareSourceCode``,
``SoftwareApplication``), else an instrument (``pangraph:Instrument``), else the subject with the most
statements; ties go to the subject with the most statements, then the smallest IRI (deterministic).

Pure: no network, clock or store. The harvesting source (:mod:`pangraph.sources.pangraph_node`) labels the
records it archives with ``metadata_prefix = "pangraph-rdf"`` (the peer's OAI prefix is ``rdf``, which on other
providers — TeSS — means Bioschemas RDF/XML), and :func:`pangraph.crosswalk.crosswalk_record` dispatches on it
through :data:`RECORD_FORMATS`.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import rdflib
from lxml import etree

from pangraph.crosswalk.record_graph import CrosswalkContext
from pangraph.crosswalk.xml import attr, child, children, local_name, parse_xml
from pangraph.errors import RecordError
from pangraph.rdf import DCAT, PANGRAPH, RDF, SCHEMA, Term, Triple, bnode, iri, literal
from pangraph.records import CrosswalkResult, RawRecord

FORMAT = "pangraph-rdf"

#: (kind, types) in order of preference for the main resource
KIND_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dataset", (DCAT.raw("Dataset"),)),
    ("training", (SCHEMA.raw("LearningResource"), SCHEMA.raw("Course"), SCHEMA.raw("CourseInstance"),
                  SCHEMA.raw("Event"))),
    ("software", (SCHEMA.raw("SoftwareSourceCode"), SCHEMA.raw("SoftwareApplication"))),
    ("instrument", (PANGRAPH.raw("Instrument"),)),
)


def rdf_payload(record: RawRecord) -> bytes:
    """The serialised ``rdf:RDF`` element inside the record's ``<metadata>`` (raises :class:`RecordError`)."""
    try:
        root = parse_xml(record.payload)
    except etree.XMLSyntaxError as exc:
        raise RecordError(f"payload is not well-formed XML: {exc}", record=record.identifier,
                          source=record.source) from None
    element = root
    if local_name(element) == "record":
        header = child(element, "header")
        if header is not None and (attr(header, "status") or "").lower() == "deleted":
            raise RecordError("deleted record: no metadata to crosswalk", record=record.identifier,
                              field="header/@status", source=record.source)
        metadata = child(element, "metadata")
        inner = children(metadata) if metadata is not None else []
        if not inner:
            raise RecordError("record has no <metadata> content", record=record.identifier, field="metadata",
                              source=record.source)
        element = inner[0]
    if local_name(element) != "RDF":
        raise RecordError(f"<metadata> holds <{local_name(element)}>, not rdf:RDF (the peer's 'rdf' format)",
                          record=record.identifier, field="metadata", source=record.source)
    return etree.tostring(element, encoding="UTF-8")


def _term(node: object, labels: dict[object, str], prefix: str) -> Term:
    if isinstance(node, rdflib.URIRef):
        return iri(str(node))
    if isinstance(node, rdflib.BNode):
        label = labels.get(node)
        if label is None:
            label = labels[node] = f"{prefix}x{len(labels)}"
        return bnode(label)
    if isinstance(node, rdflib.Literal):
        if node.language:
            return literal(str(node), lang=node.language)
        return literal(str(node), datatype=str(node.datatype) if node.datatype else None)
    raise RecordError(f"unsupported RDF term {node!r}")


def crosswalk(record: RawRecord, *, ctx: CrosswalkContext) -> CrosswalkResult:
    """The peer's triples as they are (blank nodes relabelled), and the record's main resource."""
    data = rdf_payload(record)
    g = rdflib.Graph()
    try:
        g.parse(data=data, format="xml")
    except Exception as exc:  # rdflib raises many kinds for bad RDF/XML
        raise RecordError(f"rdf:RDF payload is not valid RDF/XML: {type(exc).__name__}: {exc}",
                          record=record.identifier, field="metadata/rdf:RDF", source=record.source) from None
    if len(g) == 0:
        raise RecordError("rdf:RDF payload holds no statement", record=record.identifier,
                          field="metadata/rdf:RDF", source=record.source)
    key = record.identifier.strip() or record.content_hash
    prefix = "pn" + hashlib.sha1(f"{ctx.source}\0{key}".encode()).hexdigest()[:12]
    # blank nodes are numbered in a canonical order of the triples, so the same record gives the same labels
    ordered = sorted(g, key=lambda t: tuple((type(x).__name__, "" if isinstance(x, rdflib.BNode) else str(x),
                                             str(getattr(x, "datatype", "") or ""), getattr(x, "language", "") or "")
                                            for x in t))
    labels: dict[object, str] = {}
    triples = [Triple(_term(s, labels, prefix), _term(p, labels, prefix), _term(o, labels, prefix))
               for s, p, o in ordered]
    subject, kind = main_resource(triples)
    if subject is None:
        raise RecordError("no IRI subject in the rdf:RDF payload", record=record.identifier,
                          field="metadata/rdf:RDF", source=record.source)
    return CrosswalkResult(subject=subject, triples=triples, notes=[], kind=kind)


def main_resource(triples: list[Triple]) -> tuple[str | None, str]:
    """The IRI of the record's main resource and its kind (see the module docstring)."""
    counts = Counter(t.s for t in triples if t.s.startswith("<"))
    if not counts:
        return None, "other"
    types: dict[str, set[str]] = {}
    for t in triples:
        if t.p == RDF.type and t.s.startswith("<") and t.o.startswith("<"):
            types.setdefault(t.o[1:-1], set()).add(t.s)
    for kind, wanted in KIND_TYPES:
        found = set().union(*(types.get(w, set()) for w in wanted))
        if found:
            best = min(found, key=lambda s: (-counts[s], s))
            return best[1:-1], kind
    best = min(counts, key=lambda s: (-counts[s], s))
    return best[1:-1], "other"


def canonical_payload(payload: bytes) -> bytes:
    """The record with its ``rdf:RDF`` re-serialised canonically, so that the same graph always gives the same
    bytes — hence the same content hash, and an unchanged peer record costs nothing (as JSON records are archived
    as canonical JSON). A peer's RDF/XML writer may order statements and name blank nodes differently on every
    request; here blank nodes get their RGDA1 canonical labels (``rdflib.compare``) and statements are written in
    sorted order. The header is kept as it came. A payload that cannot be read is returned unchanged (the
    crosswalk then reports it)."""
    from rdflib.compare import to_canonical_graph

    try:
        root = parse_xml(payload)
    except etree.XMLSyntaxError:
        return payload
    metadata = child(root, "metadata") if local_name(root) == "record" else None
    inner = children(metadata) if metadata is not None else []
    if not inner or local_name(inner[0]) != "RDF":
        return payload
    try:
        graph = rdflib.Graph().parse(data=etree.tostring(inner[0], encoding="UTF-8"), format="xml")
        canonical = to_canonical_graph(graph)
    except Exception:  # noqa: BLE001 - unreadable RDF/XML: archived as it came, reported by the crosswalk
        return payload
    ordered = rdflib.Graph()
    for prefix, ns in graph.namespaces():
        ordered.bind(prefix, ns, override=True, replace=True)
    for t in sorted(canonical, key=lambda t: tuple(x.n3() if not isinstance(x, rdflib.URIRef) else f"<{x}>"
                                                   for x in t)):
        ordered.add(t)
    replacement = parse_xml(ordered.serialize(format="xml", encoding="utf-8"))
    metadata.replace(inner[0], replacement)
    return etree.tostring(root, encoding="UTF-8")


#: metadata_prefix → whole-record crosswalk (no field mapping: the payload is already the graph)
RECORD_FORMATS = {FORMAT: crosswalk}

__all__ = ["FORMAT", "KIND_TYPES", "RECORD_FORMATS", "canonical_payload", "crosswalk", "main_resource", "rdf_payload"]
