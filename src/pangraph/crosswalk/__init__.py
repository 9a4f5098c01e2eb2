"""The crosswalk stage: one raw catalogue record → DCAT-AP 3 triples (docs/model.md).

:func:`crosswalk_record` finds the metadata in the payload (an OAI-PMH ``<record>``, a bare
DataCite ``<resource>``, an ``oai_datacite`` wrapper, ``oai_dc:dc`` or SciCat's ``panosc:``
payload), picks the field crosswalk of that format from ``mappings/`` and runs it. It is pure:
no network, clock, store or randomness — the same record always gives the same triples.
"""

from __future__ import annotations

from lxml import etree

from pangraph import iri as ids
from pangraph.crosswalk.mappings import FieldRule, Mappings, load_mappings
from pangraph.crosswalk.record_graph import CrosswalkContext, RecordGraph
from pangraph.crosswalk.jsondoc import parse_json
from pangraph.crosswalk.transforms import FORMAT_INFO, FORMATS, RECORD_FORMATS, format_info
from pangraph.crosswalk.xml import Element, attr, child, children, local_name, namespace, parse_xml
from pangraph.errors import RecordError
from pangraph.rdf import RDF, iri
from pangraph.records import CrosswalkResult, RawRecord

__all__ = ["CrosswalkContext", "Mappings", "crosswalk_record", "find_metadata", "load_mappings", "record_key",
           "run_field_crosswalk"]

_OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"


def record_key(record: RawRecord) -> str:
    """The local key of a record (used in minted IRIs and blank-node labels)."""
    return ids.local_key(record.identifier) if record.identifier.strip() else record.content_hash[:16]


def find_metadata(root: Element, *, record: str | None = None) -> tuple[str, Element]:
    """The format name (``datacite``, ``oai_dc``, ``panosc``) and the metadata root element inside a
    parsed payload; raises :class:`RecordError` when there is no metadata or the format is unknown."""
    element = root
    name = local_name(element)
    if name == "OAI-PMH":
        found = next((r for verb in children(element) for r in children(verb, "record")), None)
        if found is None:
            raise RecordError("OAI-PMH response without a record", record=record, field="record")
        element, name = found, "record"
    if name == "record":
        header = child(element, "header")
        if header is not None and (attr(header, "status") or "").lower() == "deleted":
            raise RecordError("deleted record: no metadata to crosswalk", record=record, field="header/@status")
        metadata = child(element, "metadata")
        if metadata is None:
            raise RecordError("record has no <metadata>", record=record, field="metadata")
        inner = children(metadata)
        if not inner:
            raise RecordError("<metadata> is empty", record=record, field="metadata")
        element, name = inner[0], local_name(inner[0])
    if name == "oai_datacite":
        payload = child(element, "payload")
        inner = children(payload) if payload is not None else []
        if not inner:
            raise RecordError("oai_datacite without a payload resource", record=record, field="oai_datacite/payload")
        element, name = inner[0], local_name(inner[0])
    if name == "resource":
        return "datacite", element
    if name == "dc":
        return "oai_dc", element
    if name in ("panosctype", "panosc"):
        return "panosc", element
    if name == "RDF":  # TeSS OAI-PMH metadataPrefix=rdf: Bioschemas as RDF/XML (crosswalk/tess.py)
        return "bioschemas-rdfxml", element
    ns = namespace(element)
    raise RecordError(f"unknown metadata format <{name}>" + (f" in namespace {ns}" if ns else "")
                      + " (known: DataCite resource, oai_datacite, oai_dc, panosc, rdf:RDF)",
                      record=record, field=name)


def crosswalk_record(record: RawRecord, *, ctx: CrosswalkContext) -> CrosswalkResult:
    """The triples of one raw record, its main resource's IRI and the notes on what was tolerated.

    XML payloads are recognised by their content (DataCite, oai_datacite, oai_dc, panosc); JSON
    records by their ``metadata_prefix`` (a format registered with ``syntax="json"``). Raises
    :class:`~pangraph.errors.RecordError` when the payload is malformed, holds no metadata (deleted
    records included) or is in a format no crosswalk knows."""
    if record.deleted:
        raise RecordError("deleted record: no metadata to crosswalk", record=record.identifier, source=record.source)
    whole = RECORD_FORMATS.get(record.metadata_prefix)
    if whole is not None:  # the payload is already RDF in the model (e.g. a peer pangraph node: rdf_record.py)
        return whole(record, ctx=ctx)
    info = FORMAT_INFO.get(record.metadata_prefix)
    if info is not None and info.syntax == "json":
        fmt = record.metadata_prefix
        try:
            metadata = (info.decoder or parse_json)(record.payload)
        except (ValueError, etree.XMLSyntaxError) as exc:
            what = "valid JSON" if info.decoder is None else f"readable as {fmt}"
            raise RecordError(f"payload is not {what}: {exc}", record=record.identifier,
                              source=record.source) from None
        if not isinstance(metadata, dict):
            raise RecordError(f"payload is a JSON {type(metadata).__name__}, not an object",
                              record=record.identifier, source=record.source)
    else:
        try:
            root = parse_xml(record.payload)
        except etree.XMLSyntaxError as exc:
            raise RecordError(f"payload is not well-formed XML: {exc}", record=record.identifier,
                              source=record.source) from exc
        try:
            fmt, metadata = find_metadata(root, record=record.identifier)
        except RecordError as exc:
            raise RecordError(exc.reason, record=record.identifier, field=exc.field, source=record.source) from None
    return run_field_crosswalk(fmt, metadata, record=record, ctx=ctx)


def run_field_crosswalk(fmt: str, metadata: object, *, record: RawRecord, ctx: CrosswalkContext) -> CrosswalkResult:
    """Run the field crosswalk of format *fmt* (``mappings/``) over *metadata* (an XML element or a
    JSON object): the subject rules first, then every rule top to bottom."""
    info = format_info(fmt)
    rules = ctx.mappings.fields[fmt]
    g = RecordGraph(ctx=ctx, record_id=record.identifier, key=record_key(record))
    g.subject = iri(_subject_iri(g, rules, metadata, record, info.mint))
    g.add(g.subject, RDF.type, iri(info.main_type))
    transforms = FORMATS[fmt]
    for rule in rules:
        if rule.is_subject:
            continue
        prop = iri(rule.property) if rule.property else None
        if rule.when == "unset" and prop is not None and g.has(prop):
            continue
        elements = rule.source.select(metadata)
        if elements:
            transforms[rule.transform].function(g, elements, rule.property)
    g.finish()
    return CrosswalkResult(subject=g.subject[1:-1], triples=list(g.triples), notes=list(g.notes), kind=info.kind)


def _subject_iri(g: RecordGraph, rules: tuple[FieldRule, ...], metadata: object, record: RawRecord,
                 mint: str) -> str:
    """The PID IRI from the first ``@subject`` rule that finds one, else a DOI header identifier, else
    a minted ``{base}/id/{mint}/{source}/{key}``."""
    transforms = FORMATS[rules[0].format]
    for rule in rules:
        if rule.is_subject:
            found = transforms[rule.transform].function(g, rule.source.select(metadata))
            if found:
                return found
    from_header = ids.doi_iri(record.identifier)
    if from_header:
        return from_header
    return ids.mint(g.ctx.base, mint, g.ctx.source, g.key)
