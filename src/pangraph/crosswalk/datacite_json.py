"""The ``datacite-json`` format: DataCite metadata as JSON — an item of the DataCite REST API
(``/dois``: ``{"id", "type": "dois", "attributes": {…}, "relationships": …}``), crosswalked with the
same meaning as the kernel-4 XML (``mappings/datacite-json-dcat.tsv`` mirrors
``mappings/datacite-dcat.tsv`` row by row).

Every transform here reads the JSON into the plain values of :mod:`pangraph.crosswalk.datacite`
(:class:`~pangraph.crosswalk.datacite.Agent`, ``Subject``, ``Funding`` …) or hands it to the same
:class:`~pangraph.crosswalk.record_graph.RecordGraph` building blocks that the XML transforms use, so
one DataCite statement gives one set of triples whichever representation carried it.

A JSON path selects strings or objects. An object of a DataCite list holds its value under the
singular of the list's name (``titles[] → title``, ``descriptions[] → description``,
``subjects[] → subject``, ``rightsList[] → rights``) and its language under ``lang``; the ``text``
transforms read that value (see :data:`VALUE_KEYS`), so a row keeps the object and its language.
A DataCite schema JSON document (no ``attributes`` wrapper, e.g. the kernel-4.3 example) is read by
:func:`pangraph.sources.datacite_rest.read_files`, which wraps it as a REST item.
"""

from __future__ import annotations

import re
from typing import Any

from pangraph import iri as ids
from pangraph.crosswalk.datacite import (Agent, Funding, GeoLocation, Publisher, Subject, add_contributor,
                                         add_creator, add_experiment, add_funding, add_geo_location,
                                         add_identifier, add_publisher, add_related_identifier,
                                         add_resource_type, add_subject)
from pangraph.crosswalk.record_graph import (Affiliation, NameIdentifier, RecordGraph, field_transform,
                                             subject_transform)
from pangraph.crosswalk.transforms import FormatInfo
from pangraph.errors import RecordError
from pangraph.rdf import ADMS, DCAT, DCT, RDF, SKOS, iri, literal

#: keys under which a DataCite JSON object holds its value, tried in this order
VALUE_KEYS = ("title", "description", "subject", "rights", "date", "name", "alternateIdentifier", "identifier",
              "format", "size")


# --- reading JSON values ---------------------------------------------------------------------------


def scalar_text(value: Any) -> str:
    """A JSON scalar as text, whitespace collapsed ('' for null, objects and arrays); numbers in their
    shortest form (``41.09``, ``2014``)."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return " ".join(str(value).split())


def _opt(obj: dict, key: str) -> str | None:
    """The text of ``obj[key]`` or None when absent or empty (like an absent XML attribute)."""
    return scalar_text(obj.get(key)) or None


def value_and_lang(value: Any) -> tuple[str, str | None]:
    """The text of a string or of a DataCite JSON object (its value key) and the object's ``lang``."""
    if isinstance(value, dict):
        for key in VALUE_KEYS:
            if key in value and not isinstance(value[key], (dict, list)):
                return scalar_text(value[key]), _opt(value, "lang")
        return "", _opt(value, "lang")
    return scalar_text(value), None


def _raw_value(value: Any) -> str:
    """The value of a string or object without collapsing its line breaks (descriptions)."""
    if isinstance(value, dict):
        for key in VALUE_KEYS:
            if key in value and isinstance(value[key], str):
                return value[key]
        return ""
    return value if isinstance(value, str) else scalar_text(value)


def block(value: str) -> str:
    """Text with its line structure kept: each line's whitespace collapsed, runs of blank lines
    reduced to one (the JSON counterpart of :func:`pangraph.crosswalk.xml.block_text`)."""
    out: list[str] = []
    for line in (" ".join(l.split()) for l in value.splitlines()):
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _objects(g: RecordGraph, values: list[Any], field_: str) -> list[dict]:
    """The objects among *values*; anything else is noted and skipped."""
    out = []
    for v in values:
        if isinstance(v, dict):
            out.append(v)
        elif v not in (None, "", []):
            g.note(field_, "expected a JSON object; value skipped", value=scalar_text(v) or type(v).__name__)
    return out


def agent_from_json(obj: Any) -> Agent | None:
    """The :class:`Agent` of a DataCite JSON creator/contributor (a name string is accepted too)."""
    if isinstance(obj, str):
        return Agent(name=scalar_text(obj))
    if not isinstance(obj, dict):
        return None
    identifiers = []
    for n in _as_list(obj.get("nameIdentifiers")):
        if isinstance(n, dict) and scalar_text(n.get("nameIdentifier")):
            identifiers.append(NameIdentifier(scalar_text(n.get("nameIdentifier")), _opt(n, "nameIdentifierScheme"),
                                              _opt(n, "schemeUri") or _opt(n, "schemeURI")))
        elif isinstance(n, str) and n.strip():
            identifiers.append(NameIdentifier(scalar_text(n)))
    affiliations = []
    for a in _as_list(obj.get("affiliation")):
        if isinstance(a, dict):
            name, ident = scalar_text(a.get("name")), _opt(a, "affiliationIdentifier")
            if name or ident:
                affiliations.append(Affiliation(name, ident, _opt(a, "affiliationIdentifierScheme")))
        elif scalar_text(a):
            affiliations.append(Affiliation(scalar_text(a)))
    return Agent(name=scalar_text(obj.get("name")), given=_opt(obj, "givenName"), family=_opt(obj, "familyName"),
                 name_type=_opt(obj, "nameType"), identifiers=identifiers, affiliations=affiliations,
                 lang=_opt(obj, "lang"), role=_opt(obj, "contributorType"))


def subject_from_json(obj: Any) -> Subject | None:
    """The :class:`Subject` of a DataCite JSON subject (a plain string is accepted too)."""
    if isinstance(obj, str):
        return Subject(scalar_text(obj))
    if not isinstance(obj, dict):
        return None
    return Subject(scalar_text(obj.get("subject")), _opt(obj, "subjectScheme"),
                   _opt(obj, "schemeUri") or _opt(obj, "schemeURI"), _opt(obj, "valueUri") or _opt(obj, "valueURI"),
                   _opt(obj, "lang"))


def funding_from_json(obj: dict) -> Funding:
    """The :class:`Funding` of a DataCite JSON funding reference."""
    return Funding(funder_name=scalar_text(obj.get("funderName")),
                   funder_identifier=scalar_text(obj.get("funderIdentifier")),
                   funder_identifier_type=_opt(obj, "funderIdentifierType"),
                   award_number=scalar_text(obj.get("awardNumber")),
                   award_uri=_opt(obj, "awardUri") or _opt(obj, "awardURI"),
                   award_title=scalar_text(obj.get("awardTitle")))


def _point(obj: Any) -> tuple[str, str] | None:
    if not isinstance(obj, dict):
        return None
    return scalar_text(obj.get("pointLongitude")), scalar_text(obj.get("pointLatitude"))


def geo_location_from_json(obj: dict) -> GeoLocation:
    """The :class:`GeoLocation` of a DataCite JSON geolocation. ``geoLocationPolygon`` is one polygon
    (a list of ``{"polygonPoint": …}``, the schema JSON) or several (a list of such lists)."""
    loc = GeoLocation(place=scalar_text(obj.get("geoLocationPlace")))
    loc.point = _point(obj.get("geoLocationPoint"))
    box = obj.get("geoLocationBox")
    if isinstance(box, dict):
        loc.box = tuple(scalar_text(box.get(k)) for k in ("westBoundLongitude", "eastBoundLongitude",  # type: ignore[assignment]
                                                           "southBoundLatitude", "northBoundLatitude"))
    polygons = obj.get("geoLocationPolygon")
    if isinstance(polygons, dict):
        polygons = [polygons]
    if isinstance(polygons, list):
        groups = polygons if polygons and all(isinstance(p, list) for p in polygons) else [polygons]
        for group in groups:
            points = [_point(p.get("polygonPoint")) for p in group if isinstance(p, dict) and "polygonPoint" in p]
            loc.polygons.append([p for p in points if p is not None])
    return loc


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- subject rules ------------------------------------------------------------------------------------


@subject_transform
def doi(g: RecordGraph, values: list[Any]) -> str | None:
    """The DOI IRI (``https://doi.org/<lower-case>``) of the first value holding a DOI in any spelling."""
    for v in values:
        found = ids.doi_iri(scalar_text(v))
        if found:
            return found
    return None


@subject_transform
def rest_item(g: RecordGraph, values: list[Any]) -> str | None:
    """Checks that the item's ``attributes`` is a JSON object (proposes no IRI); raises
    :class:`RecordError` when it is not."""
    for v in values:
        if not isinstance(v, dict):
            raise RecordError(f"DataCite JSON item whose 'attributes' is a {type(v).__name__}, not an object",
                              record=g.record_id, source=g.ctx.source, field="attributes")
    return None


@subject_transform
def unwrapped(g: RecordGraph, values: list[Any]) -> str | None:
    """Raises :class:`RecordError` for a DataCite schema JSON document that lacks the REST item's
    ``attributes`` wrapper (its fields would not be found); such files are read through the
    ``datacite-json`` file reader, which wraps them."""
    if values:
        raise RecordError("DataCite JSON without the REST item's 'attributes' wrapper (read such documents "
                          "with the datacite-json file reader, which wraps them)", record=g.record_id,
                          source=g.ctx.source, field="attributes")
    return None


# --- shared field transforms, on JSON values -------------------------------------------------------------


@field_transform()
def plain_text(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Each value (a string, or a DataCite object's value) as a literal, language-tagged from ``lang``."""
    for v in values:
        text, lang = value_and_lang(v)
        if text:
            g.add(g.subject, iri(prop), g.text_literal(text, lang))


@field_transform()
def long_text(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Each value with its line structure kept (descriptions; a list of strings gives one each)."""
    for v in values:
        lang = _opt(v, "lang") if isinstance(v, dict) else None
        inner = v.get("description") if isinstance(v, dict) and isinstance(v.get("description"), list) else [v]
        for part in inner:
            text = block(_raw_value(part))
            if text:
                g.add(g.subject, iri(prop), g.text_literal(text, lang))


@field_transform()
def techniques_in_text(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """PaNET techniques named anywhere in the text (titles): ``schema:measurementTechnique``."""
    for v in values:
        text, _ = value_and_lang(v)
        if text:
            g.techniques_in_text(text, field_="titles/title")


@field_transform()
def date(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A date or year (``xsd:gYear``/``date``/``dateTime``; invalid dates kept as plain literals)."""
    for v in values:
        g.add_date(iri(prop), value_and_lang(v)[0], field_="publicationYear")


@field_transform(needs_property=False)
def date_by_type(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """``{"date", "dateType"}`` → the property ``mappings/date-types.tsv`` gives for the type."""
    for obj in _objects(g, values, "dates"):
        date_type = scalar_text(obj.get("dateType"))
        value = scalar_text(obj.get("date"))
        field_ = f"dates/date[@dateType={date_type}]"
        row = g.mappings.date_types.lookup(date_type)
        if row is None:
            g.note(field_, "date type not in mappings/date-types.tsv; date not mapped", severity="Info", value=value)
            continue
        g.add_date(iri(row.object_id), value, field_=field_)


@field_transform(needs_property=False)
def subject(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A subject → PaNET technique, else keyword (and theme for a ``valueUri``), as for the XML."""
    for v in values:
        s = subject_from_json(v)
        if s is not None:
            add_subject(g, s, field_="subjects/subject")


@field_transform(needs_property=False)
def rights(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """``{"rights", "rightsUri", "rightsIdentifier", "rightsIdentifierScheme"}`` → ``dct:license`` /
    ``dct:accessRights`` / ``dct:rights`` statement, as for the XML."""
    for v in values:
        obj = v if isinstance(v, dict) else {"rights": v}
        text = scalar_text(obj.get("rights"))
        uri = _opt(obj, "rightsUri") or _opt(obj, "rightsURI")
        if uri is None and ids.url_iri(text):
            uri, text = text, ""
        g.rights(field_="rightsList/rights", uri=uri, identifier=_opt(obj, "rightsIdentifier"),
                 scheme=_opt(obj, "rightsIdentifierScheme"), text=text or None, lang=_opt(obj, "lang"))


@field_transform()
def language_code(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """An ISO 639 code → EU language authority IRI via ``mappings/languages.tsv``."""
    for v in values:
        code = scalar_text(v)
        if not code:
            continue
        row = g.mappings.languages.lookup(code) or g.mappings.languages.lookup(re.split(r"[-_]", code)[0])
        if row is None:
            g.note("language", "language not in mappings/languages.tsv", severity="Info", value=code)
            continue
        g.add(g.subject, iri(prop), iri(row.object_id))
        g.add(iri(row.object_id), RDF.type, DCT.LinguisticSystem)


@field_transform()
def size(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A size → ``dcat:byteSize`` of the distribution (byte units), else its ``dct:extent``."""
    for v in values:
        text = value_and_lang(v)[0]
        if text:
            g.distribution_size(text, field_="sizes/size")


@field_transform()
def media_format(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A format → ``dcat:mediaType`` of the distribution (media types), else ``dct:format``."""
    for v in values:
        g.distribution_format(value_and_lang(v)[0])


_DOI_RESOLVER = re.compile(r"^https?://(dx\.)?doi\.org/", re.IGNORECASE)


@field_transform()
def landing_page(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """An http(s) URL that is not a DOI resolver → ``dcat:landingPage`` (and the distribution's access URL)."""
    for v in values:
        url = ids.url_iri(value_and_lang(v)[0])
        if url and not ids.doi_iri(url) and not _DOI_RESOLVER.match(url):
            g.landing_page(url)


# --- DataCite transforms, on JSON values ---------------------------------------------------------------


@field_transform()
def creator(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A creator object → agent (ORCID/ROR or minted) with name parts and affiliations."""
    for v in values:
        agent = agent_from_json(v)
        if agent is not None:
            add_creator(g, agent, prop)


@field_transform()
def contributor(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A contributor object → agent with its ``contributorType`` as ``prov:qualifiedAttribution``."""
    for v in values:
        agent = agent_from_json(v)
        if agent is not None:
            add_contributor(g, agent, prop)


@field_transform()
def publisher(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """The publisher (a name, or ``{"name", "publisherIdentifier"}`` with ``publisher=true``) → organisation."""
    publishers = []
    for v in values:
        if isinstance(v, dict):
            publishers.append(Publisher(scalar_text(v.get("name")), _opt(v, "publisherIdentifier"), _opt(v, "lang")))
        elif scalar_text(v):
            publishers.append(Publisher(scalar_text(v)))
    add_publisher(g, publishers, prop)


@field_transform()
def identifier(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """The identifier as written in the JSON → ``dct:identifier`` literal (the REST API lower-cases DOIs)."""
    for v in values:
        add_identifier(g, value_and_lang(v)[0], prop)


@field_transform()
def alternate_identifier(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """``{"alternateIdentifier", "alternateIdentifierType"}`` (or the REST ``identifiers`` shape
    ``{"identifier", "identifierType"}``) → ``adms:identifier`` node; the same value given by both
    lists is one node."""
    for obj in _objects(g, values, "alternateIdentifiers"):
        value = scalar_text(obj.get("alternateIdentifier") if "alternateIdentifier" in obj else obj.get("identifier"))
        scheme = _opt(obj, "alternateIdentifierType") or _opt(obj, "identifierType")
        if not value:
            continue
        notation = literal(value)
        if any(notation in g.objects(node, SKOS.notation) for node in g.objects(g.subject, ADMS.identifier)):
            continue
        g.alternate_identifier(value, scheme)


@field_transform(needs_property=False)
def resource_type(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """``types`` → ``dct:type`` from ``resourceTypeGeneral`` (software also ``a schema:SoftwareSourceCode``),
    ``resourceType`` text → ``schema:additionalType``. The derived ``schemaOrg``, ``citeproc``, ``bibtex``
    and ``ris`` types are not mapped (DataCite computes them from ``resourceTypeGeneral``)."""
    for obj in _objects(g, values, "types"):
        add_resource_type(g, _opt(obj, "resourceTypeGeneral"), scalar_text(obj.get("resourceType")),
                          field_="types/resourceTypeGeneral")


@field_transform(needs_property=False)
def related_identifier(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A related identifier object → the property of its ``relationType`` (``mappings/relation-types.tsv``)."""
    for obj in _objects(g, values, "relatedIdentifiers"):
        add_related_identifier(g, scalar_text(obj.get("relatedIdentifier")), _opt(obj, "relatedIdentifierType"),
                               scalar_text(obj.get("relationType")))


@field_transform()
def funding(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A funding reference object → ``frapo:isFundedBy`` a ``frapo:Grant`` with its funder."""
    for obj in _objects(g, values, "fundingReferences"):
        add_funding(g, funding_from_json(obj), prop)


@field_transform(needs_property=False)
def experiment(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Proposal / Instrument / Beamline subjects → ``prov:wasGeneratedBy`` activity ``prov:used`` instrument."""
    add_experiment(g, [s for s in (subject_from_json(v) for v in values) if s is not None])


@field_transform()
def geo_location(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A geolocation object → ``dct:spatial`` a ``dct:Location`` (place, point, box, polygons as WKT)."""
    for obj in _objects(g, values, "geoLocations"):
        add_geo_location(g, geo_location_from_json(obj), prop)


#: the transforms ``mappings/datacite-json-dcat.tsv`` may use
TRANSFORMS = {
    "doi": doi,
    "rest_item": rest_item,
    "unwrapped": unwrapped,
    "text": plain_text,
    "long_text": long_text,
    "techniques_in_text": techniques_in_text,
    "date": date,
    "date_by_type": date_by_type,
    "subject": subject,
    "rights": rights,
    "language": language_code,
    "size": size,
    "format": media_format,
    "landing_page": landing_page,
    "creator": creator,
    "contributor": contributor,
    "publisher": publisher,
    "identifier": identifier,
    "alternate_identifier": alternate_identifier,
    "resource_type": resource_type,
    "related_identifier": related_identifier,
    "funding": funding,
    "experiment": experiment,
    "geo_location": geo_location,
}

FORMATS = {"datacite-json": TRANSFORMS}
FORMAT_INFO = {"datacite-json": FormatInfo(syntax="json", kind="dataset", main_type=DCAT.raw("Dataset"),
                                           mint="dataset", mapping="datacite-json-dcat.tsv")}
