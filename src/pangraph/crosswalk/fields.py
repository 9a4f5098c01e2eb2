"""Field transforms shared by every format (DataCite, oai_dc, PaNOSC): text, dates, subjects and
techniques, rights, languages, sizes and formats. Each is referenced by name from a field
crosswalk row (``mappings/<format>-dcat.tsv``) and receives the graph under construction, the
elements the row's path selected and the row's target property."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pangraph import iri as ids
from pangraph.crosswalk.record_graph import RecordGraph, field_transform, related_resource_iri, subject_transform
from pangraph.crosswalk.xml import Element, attr, block_text, language, local_name, text
from pangraph.rdf import DCAT, DCT, RDF, SCHEMA, SKOS, XSD, iri, literal


def _field(element: Element) -> str:
    parent = element.getparent()
    return f"{local_name(parent)}/{local_name(element)}" if parent is not None else local_name(element)



@dataclass
class Subject:
    """A subject with its scheme, scheme URI and value URI."""

    value: str
    scheme: str | None = None
    scheme_uri: str | None = None
    value_uri: str | None = None
    lang: str | None = None


def add_subject(g: RecordGraph, s: Subject, *, field_: str) -> None:
    """A subject: a PaNET technique (by value URI or scheme, or its text naming one) →
    ``schema:measurementTechnique``; otherwise ``dcat:keyword`` (and ``dcat:theme`` for a value URI)."""
    v = s.value
    scheme = (s.scheme or "") + " " + (s.scheme_uri or "")
    if s.value_uri and g.technique_from_identifier(s.value_uri, v, field_=field_):
        return
    if v and ("panet" in scheme.lower() or "pan-science" in scheme.lower()) and ids.panet_iri(v):
        g.technique_from_identifier(v, None, field_=field_)
        return
    if v and ids.panet_iri(v):
        g.technique_from_identifier(v, None, field_=field_)
        return
    match = g.ctx.techniques.resolve(v) if v else None
    if match is not None:
        g.add_technique(match, field_=field_)
        return
    if "panet" in scheme.lower():
        g.note(field_, "subject in the PaNET scheme is not a PaNET technique", value=v)
    if v:
        g.add(g.subject, DCAT.keyword, g.text_literal(v, s.lang))
    if s.value_uri and ids.url_iri(s.value_uri):
        g.add(g.subject, DCAT.theme, iri(s.value_uri))
        g.add(iri(s.value_uri), RDF.type, SKOS.Concept)  # DCAT-AP 3: a theme is a skos:Concept with a prefLabel
        if v:
            g.add(iri(s.value_uri), SKOS.prefLabel, g.text_literal(v, s.lang))


@subject_transform
def doi(g: RecordGraph, elements: list[Element]) -> str | None:
    """The DOI IRI (``https://doi.org/<lower-case>``) of the first element holding a DOI in any spelling."""
    for e in elements:
        found = ids.doi_iri(text(e))
        if found:
            return found
    return None


@field_transform()
def plain_text(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """Each element's text (whitespace collapsed) as a literal, language-tagged from ``xml:lang``."""
    for e in elements:
        v = text(e)
        if v:
            g.add(g.subject, iri(prop), g.text_literal(v, language(e)))


@field_transform()
def long_text(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """Each element's text with its line structure kept (descriptions), language-tagged."""
    for e in elements:
        v = block_text(e)
        if v:
            g.add(g.subject, iri(prop), g.text_literal(v, language(e)))


@field_transform()
def techniques_in_text(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """PaNET techniques named anywhere in the text (titles): ``schema:measurementTechnique``."""
    for e in elements:
        v = text(e)
        if v:
            g.techniques_in_text(v, field_=_field(e))


@field_transform()
def date(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A date (``xsd:gYear``/``date``/``dateTime``; invalid dates kept as plain literals with a note)."""
    for e in elements:
        g.add_date(iri(prop), text(e), field_=_field(e))


@field_transform()
def period_start(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A start date as an open ``dct:PeriodOfTime`` (``dcat:startDate``)."""
    for e in elements:
        v = text(e)
        if v:
            g.add_period(v, end="", field_=_field(e))


@field_transform(needs_property=False)
def date_by_type(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``date[@dateType]`` → the property ``mappings/date-types.tsv`` gives for its type (Collected and
    Coverage → ``dct:temporal`` period from ``start/end``); unmapped types are noted."""
    for e in elements:
        date_type = attr(e, "dateType") or ""
        _typed_date(g, date_type, text(e), field_=f"dates/date[@dateType={date_type}]")


def _typed_date(g: RecordGraph, date_type: str, value: str, *, field_: str) -> None:
    row = g.mappings.date_types.lookup(date_type)
    if row is None:
        g.note(field_, "date type not in mappings/date-types.tsv; date not mapped", severity="Info", value=value)
        return
    g.add_date(iri(row.object_id), value, field_=field_)


_TYPED_DC_DATE = re.compile(r"^\s*([A-Za-z]+)\s*:\s*(\S.*)$")


@field_transform()
def dc_date(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """oai_dc dates: ``Issued: 2018-01-18`` style values go to their type's property
    (``mappings/date-types.tsv``); the first plain date goes to the row's property when it is unset."""
    for e in elements:
        v = text(e)
        m = _TYPED_DC_DATE.match(v)
        if m and g.mappings.date_types.lookup(m.group(1)) is not None:
            _typed_date(g, m.group(1), m.group(2), field_="dc:date")
    for e in elements:
        v = text(e)
        if not v or _TYPED_DC_DATE.match(v):
            continue
        if not g.has(iri(prop)):
            g.add_date(iri(prop), v, field_="dc:date")
        else:
            g.note("dc:date", "further plain date not mapped", severity="Info", value=v)


@field_transform(needs_property=False)
def subject(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A subject: a PaNET technique (by ``valueURI``/scheme, or its text naming a technique) →
    ``schema:measurementTechnique``; otherwise ``dcat:keyword`` (and ``dcat:theme`` for a
    ``valueURI``)."""
    for e in elements:
        add_subject(g, Subject(text(e), attr(e, "subjectScheme"), attr(e, "schemeURI"), attr(e, "valueURI"),
                               language(e)), field_=_field(e))


@field_transform()
def technique(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A field that names a technique (PaNET IRI/ID, label, altLabel or acronym); text that is not
    PaNET is kept as a keyword, with a note."""
    for e in elements:
        v = text(e)
        if not v:
            continue
        for part in [p.strip() for p in re.split(r"[;,]", v)] if ";" in v or "," in v else [v]:
            if not part:
                continue
            if g.technique_from_identifier(part, None, field_=_field(e)):
                continue
            match = g.ctx.techniques.resolve(part)
            if match is not None:
                g.add_technique(match, field_=_field(e))
            else:
                g.note(_field(e), "technique not found in PaNET; kept as keyword", value=part)
                g.add(g.subject, DCAT.keyword, literal(part))


@field_transform(needs_property=False)
def rights(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """Rights → ``dct:license`` (licence by URI, SPDX identifier or name via ``mappings/licenses.tsv``),
    ``dct:accessRights`` (``info:eu-repo/semantics/*Access`` via ``mappings/access-rights.tsv``) or a
    ``dct:rights`` statement for free text (noted)."""
    for e in elements:
        v = text(e)
        uri = attr(e, "rightsURI")
        if uri is None and ids.url_iri(v):
            uri, v = v, ""
        g.rights(field_=_field(e), uri=uri, identifier=attr(e, "rightsIdentifier"),
                 scheme=attr(e, "rightsIdentifierScheme"), text=v or None, lang=language(e))


@field_transform()
def language_code(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """An ISO 639 code (``en``, ``en-US``, ``eng``) → EU language authority IRI via
    ``mappings/languages.tsv``; unknown codes are noted."""
    for e in elements:
        v = text(e)
        if not v:
            continue
        row = g.mappings.languages.lookup(v) or g.mappings.languages.lookup(re.split(r"[-_]", v)[0])
        if row is None:
            g.note(_field(e), "language not in mappings/languages.tsv", severity="Info", value=v)
            continue
        g.add(g.subject, iri(prop), iri(row.object_id))
        g.add(iri(row.object_id), RDF.type, DCT.LinguisticSystem)


@field_transform()
def size(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A size of the data: ``dcat:byteSize`` of the distribution when it is in bytes (kB, MB, GiB …),
    otherwise a ``dct:extent`` of it (``90 pages``)."""
    for e in elements:
        value = _measurement(e)
        if value:
            g.distribution_size(value, field_=_field(e))


@field_transform()
def media_format(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A format of the data: ``dcat:mediaType`` (IANA IRI) of the distribution for a media type,
    ``dct:format`` label otherwise."""
    for e in elements:
        g.distribution_format(text(e))


_DOI_RESOLVER = re.compile(r"^https?://(dx\.)?doi\.org/", re.IGNORECASE)


@field_transform()
def landing_page(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A URL of the facility's page for the dataset → ``dcat:landingPage`` (and the distribution's
    access URL)."""
    for e in elements:
        url = ids.url_iri(text(e))
        if url and not ids.doi_iri(url) and not _DOI_RESOLVER.match(url):
            g.landing_page(url)


@field_transform()
def related(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A related resource given as DOI/URL/Handle/PDB/EMPIAR text → the row's property with the IRI;
    text that holds no identifier is noted."""
    for e in elements:
        v = text(e)
        if not v:
            continue
        target = related_resource_iri(v)
        if target is None:
            g.note(_field(e), "related resource is not an identifier; not linked", severity="Info", value=v)
            continue
        g.add(g.subject, iri(prop), iri(target))


@field_transform()
def parameter(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A measured parameter (``value`` + ``units`` children, or text) → ``schema:PropertyValue`` node
    with ``schema:name`` (the element name), ``schema:value`` and ``schema:unitText``."""
    for e in elements:
        value_el = next((c for c in e if isinstance(c.tag, str) and local_name(c) == "value"), None)
        unit_el = next((c for c in e if isinstance(c.tag, str) and local_name(c) in ("units", "unit")), None)
        value = text(value_el) if value_el is not None else text(e)
        if not value:
            continue
        node = g.blank("parameter")
        g.add(g.subject, iri(prop), node)
        g.add(node, RDF.type, SCHEMA.PropertyValue)
        g.add(node, SCHEMA.name, literal(local_name(e)))
        g.add(node, SCHEMA.value, _number_or_text(value))
        unit = text(unit_el) if unit_el is not None else ""
        if unit:
            g.add(node, SCHEMA.unitText, literal(unit))


def _measurement(e: Element) -> str:
    value_el = next((c for c in e if isinstance(c.tag, str) and local_name(c) == "value"), None)
    if value_el is None:
        return text(e)
    unit_el = next((c for c in e if isinstance(c.tag, str) and local_name(c) in ("units", "unit")), None)
    return f"{text(value_el)} {text(unit_el)}".strip()


def _number_or_text(value: str) -> str:
    if re.fullmatch(r"[+-]?\d+", value):
        return literal(value, datatype=XSD.raw("integer"))
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", value):
        return literal(value, datatype=XSD.raw("double"))
    return literal(value)


#: the transforms every format may use
SHARED = {
    "doi": doi,
    "text": plain_text,
    "long_text": long_text,
    "techniques_in_text": techniques_in_text,
    "date": date,
    "period_start": period_start,
    "date_by_type": date_by_type,
    "dc_date": dc_date,
    "subject": subject,
    "technique": technique,
    "rights": rights,
    "language": language_code,
    "size": size,
    "format": media_format,
    "landing_page": landing_page,
    "related": related,
    "parameter": parameter,
}
