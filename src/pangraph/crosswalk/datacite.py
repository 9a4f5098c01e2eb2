"""Transforms specific to DataCite kernel 4 (4.0–4.7; also the 2.x/3.x shapes and the OpenAIRE
variant): creators and contributors, publisher, identifiers, resource type, related identifiers,
funding, proposals/instruments, geolocations, subjects. The rows of ``mappings/datacite-dcat.tsv``
say which element goes through which transform to which property.

One meaning for every DataCite representation: each DataCite property is first read into a plain
value (:class:`Agent`, :class:`Publisher`, :class:`Subject`, :class:`Funding`, :class:`GeoLocation`
…) and then one ``add_*`` function writes its triples. The XML transforms here build those values
from kernel-4 elements; :mod:`pangraph.crosswalk.datacite_json` builds the same values from the
DataCite JSON of the REST API, so both give the same triples for the same information.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from pangraph import iri as ids
from pangraph.crosswalk.fields import SHARED, Subject, add_subject
from pangraph.crosswalk.record_graph import (Affiliation, NameIdentifier, RecordGraph, field_transform,
                                             related_resource_iri, slug)
from pangraph.crosswalk.xml import Element, attr, child, children, language, text
from pangraph.rdf import (DCAT, DCT, FOAF, FRAPO, LOCN, PANGRAPH, PROV, RDF, RDFS, SCHEMA, VCARD,
                          Namespace, iri, literal)

GSP = Namespace("http://www.opengis.net/ont/geosparql#")
WKT = GSP.raw("wktLiteral")
#: the DCMI type whose records are also typed ``schema:SoftwareSourceCode`` (DESIGN.md §4)
DCMI_SOFTWARE = "http://purl.org/dc/dcmitype/Software"


# --- plain values: what a DataCite property says, whatever the representation ---------------------


@dataclass
class Agent:
    """A creator or contributor: name parts, ``nameType``, name identifiers, affiliations, and the
    ``contributorType`` (contributors only)."""

    name: str
    given: str | None = None
    family: str | None = None
    name_type: str | None = None
    identifiers: list[NameIdentifier] = field(default_factory=list)
    affiliations: list[Affiliation] = field(default_factory=list)
    lang: str | None = None
    role: str | None = None


@dataclass
class Publisher:
    """The publisher: its name and (kernel ≥ 4.5) ``publisherIdentifier``."""

    name: str
    identifier: str | None = None
    lang: str | None = None


@dataclass
class Funding:
    """A ``fundingReference``."""

    funder_name: str = ""
    funder_identifier: str = ""
    funder_identifier_type: str | None = None
    award_number: str = ""
    award_uri: str | None = None
    award_title: str = ""


@dataclass
class GeoLocation:
    """A ``geoLocation``: coordinates kept as the source's text (longitude, latitude order)."""

    place: str = ""
    point: tuple[str, str] | None = None
    box: tuple[str, str, str, str] | None = None  # west, east, south, north
    polygons: list[list[tuple[str, str]]] = field(default_factory=list)


# --- triples from plain values ------------------------------------------------------------------


def add_agent(g: RecordGraph, agent: Agent, *, field_: str, organisation_by_default: bool = False):
    """The agent's IRI term (ORCID/ROR or minted) with its description, or None when it has no name."""
    return g.agent(name=agent.name, given=agent.given, family=agent.family, name_type=agent.name_type,
                   identifiers=agent.identifiers, affiliations=agent.affiliations,
                   organisation_by_default=organisation_by_default, lang=agent.lang, field_=field_)


def add_creator(g: RecordGraph, agent: Agent, prop: str) -> None:
    """A creator → *prop* (``dct:creator``) the agent."""
    node = add_agent(g, agent, field_="creators/creator")
    if node:
        g.add(g.subject, iri(prop), node)


_ORGANISATION_ROLES = {"hostinginstitution", "distributor", "registrationagency", "registrationauthority",
                       "researchgroup", "sponsor", "funder"}


def add_contributor(g: RecordGraph, agent: Agent, prop: str) -> None:
    """A contributor → *prop* (``dct:contributor``) the agent, its ``contributorType`` kept as a
    ``prov:qualifiedAttribution`` (``mappings/contributor-roles.tsv``); a ContactPerson also becomes a
    ``dcat:contactPoint``."""
    ctype = agent.role or ""
    field_ = f"contributors/contributor[@contributorType={ctype}]"
    node = add_agent(g, agent, field_=field_, organisation_by_default=ctype.lower() in _ORGANISATION_ROLES)
    if node is None:
        return
    g.add(g.subject, iri(prop), node)
    role = g.mappings.contributor_roles.lookup(ctype) if ctype else None
    if role is not None:
        attribution = g.blank("attribution")
        g.add(g.subject, PROV.qualifiedAttribution, attribution)
        g.add(attribution, RDF.type, PROV.Attribution)
        g.add(attribution, PROV.agent, node)
        g.add(attribution, DCAT.hadRole, iri(role.object_id))
    elif ctype:
        g.note(field_, "contributor type not in mappings/contributor-roles.tsv; role not kept",
               severity="Info", value=ctype)
    if ctype.lower() == "contactperson":
        contact = g.blank("contact")
        g.add(g.subject, DCAT.contactPoint, contact)
        g.add(contact, RDF.type, VCARD.Kind)
        name = g.objects(node, FOAF.name)
        g.add(contact, VCARD.fn, name[0] if name else literal(agent.name))


def add_publisher(g: RecordGraph, publishers: Sequence[Publisher], prop: str) -> None:
    """The first publisher → *prop* (``dct:publisher``) an organisation (ROR IRI from its identifier,
    else minted by name); further publishers are noted."""
    for p in publishers[:1]:
        ror = ids.ror_iri(p.identifier) if p.identifier else None
        if p.identifier and ror is None:
            g.note("publisher", "publisherIdentifier is not a ROR id; publisher minted by name", severity="Info",
                   value=p.identifier)
        if not p.name and not ror:
            continue
        node = g.organization(p.name, pid=ror, field_="publisher", lang=p.lang)
        g.add(g.subject, iri(prop), node)
    if len(publishers) > 1:
        g.note("publisher", "several publishers; the first is used", value="; ".join(p.name for p in publishers))


def add_identifier(g: RecordGraph, value: str, prop: str) -> None:
    """The identifier as written → *prop* (``dct:identifier``) literal."""
    if value:
        g.add(g.subject, iri(prop), literal(value))


def add_resource_type(g: RecordGraph, general: str | None, value: str, *, field_: str) -> None:
    """``dct:type`` from the general type (or, without one, from the free text when it is a known
    type word); the remaining free text as ``schema:additionalType``. Software (``dctype:Software``)
    is also typed ``schema:SoftwareSourceCode``."""
    row = g.mappings.resource_types.lookup(general) if general else None
    if row is None and not general and value:
        row = g.mappings.resource_types.lookup(value)
        if row is not None:
            value = ""
    if row is not None:
        g.add(g.subject, DCT.type, g.concept(iri(row.object_id), row.object_label))
        if row.object_id == DCMI_SOFTWARE:
            g.add(g.subject, RDF.type, SCHEMA.SoftwareSourceCode)
    elif general:
        g.note(field_, "resource type not in mappings/resource-types.tsv", severity="Info", value=general)
    if value:
        g.add(g.subject, SCHEMA.additionalType, literal(value))


def add_related_identifier(g: RecordGraph, value: str, id_type: str | None, relation: str) -> None:
    """A related identifier → the property ``mappings/relation-types.tsv`` gives for *relation*, the
    target as IRI; relation types without a DCAT/DC property become a ``dcat:qualifiedRelation``."""
    field_ = f"relatedIdentifiers/relatedIdentifier[@relationType={relation}]"
    if not value:
        return
    target = related_resource_iri(value, id_type)
    if target is None:
        g.note(field_, f"related identifier of type {id_type or '?'} cannot be written as an IRI; not linked",
               severity="Info", value=value)
        return
    row = g.mappings.relation_types.lookup(relation)
    if row is None:
        g.note(field_, "relation type not in mappings/relation-types.tsv; linked with dct:relation", value=relation)
        g.add(g.subject, DCT.relation, iri(target))
        return
    if row.object_id == DCAT.raw("qualifiedRelation"):
        node = g.blank("relation")
        g.add(g.subject, DCAT.qualifiedRelation, node)
        g.add(node, RDF.type, DCAT.Relationship)
        g.add(node, DCT.relation, iri(target))
        g.add(node, DCAT.hadRole, g.concept(iri(row.subject_id), row.subject_label, kind=DCAT.Role))
    else:
        g.add(g.subject, iri(row.object_id), iri(target))


def add_funding(g: RecordGraph, f: Funding, prop: str) -> None:
    """A funding reference → *prop* (``frapo:isFundedBy``) a ``frapo:Grant`` minted per funder and
    award number, with ``frapo:hasGrantNumber``, ``dct:title`` and ``frapo:hasFundingAgency``."""
    funder_iri = ids.funder_iri(f.funder_identifier, f.funder_identifier_type) if f.funder_identifier else None
    if f.funder_identifier and funder_iri is None:
        g.note("fundingReferences/fundingReference", "funder identifier not understood; funder minted by name",
               severity="Info", value=f.funder_identifier)
    funder = None
    if funder_iri or f.funder_name:
        funder = g.organization(f.funder_name, pid=funder_iri, field_="fundingReferences/fundingReference")
    if f.award_number:
        funder_key = funder_iri.rstrip("/").rsplit("/", 1)[-1] if funder_iri else f.funder_name or "unknown-funder"
        grant_key = f"{slug(funder_key)}-{slug(f.award_number)}"
    else:
        grant_key = f"{g.key}-{g.counter('grant')}"
    grant = g.mint("grant", grant_key)
    g.add(g.subject, iri(prop), grant)
    g.add(grant, RDF.type, FRAPO.Grant)
    if f.award_number:
        g.add(grant, FRAPO.hasGrantNumber, literal(f.award_number))
        if f.award_uri and ids.url_iri(f.award_uri):
            g.add(grant, RDFS.seeAlso, iri(f.award_uri))
    if f.award_title:
        g.add(grant, DCT["title"], literal(f.award_title))
    if funder:
        g.add(grant, FRAPO.hasFundingAgency, funder)


def add_experiment(g: RecordGraph, subjects: Sequence[Subject]) -> None:
    """ESRF-style subjects with scheme Proposal / Instrument / Beamline → the dataset
    ``prov:wasGeneratedBy`` the proposal's ``prov:Activity`` (comma lists give several), which
    ``prov:used`` the instrument (``pangraph:Instrument``, minted by name, or a PIDINST DOI IRI)."""
    proposals: list[str] = []
    instruments: list[str] = []
    for s in subjects:
        scheme = (s.scheme or "").strip().lower()
        values = [v.strip() for v in s.value.split(",") if v.strip()]
        (proposals if scheme == "proposal" else instruments).extend(values)
    activities = g.activity(list(dict.fromkeys(proposals)))
    for name in dict.fromkeys(instruments):
        pidinst = ids.doi_iri(name)
        node = iri(pidinst) if pidinst else g.mint("instrument", slug(name))
        g.add(node, RDF.type, PANGRAPH.Instrument)
        g.add(node, RDF.type, PROV.Entity)
        g.add(node, RDFS.label, literal(name))
        for activity in activities:
            g.add(activity, PROV.used, node)


def add_geo_location(g: RecordGraph, loc: GeoLocation, prop: str) -> None:
    """A geolocation → *prop* (``dct:spatial``) a ``dct:Location`` as DCAT-AP 3 describes one:
    ``locn:geographicName``, the point as ``dcat:centroid``, the box as ``dcat:bbox`` (GeoSPARQL WKT
    literals), and the polygons as one ``locn:geometry`` node (``locn:Geometry`` with ``gsp:asWKT``; several
    polygons become one ``MULTIPOLYGON``)."""
    node = g.blank("location")
    added = False
    if loc.place:
        g.add(node, LOCN.geographicName, literal(loc.place))
        added = True
    if loc.point is not None and _numbers(*loc.point):
        lon, lat = loc.point
        g.add(node, DCAT.centroid, literal(f"POINT({lon} {lat})", datatype=WKT))
        added = True
    if loc.box is not None and _numbers(*loc.box):
        w, east, s, n = loc.box
        g.add(node, DCAT.bbox, literal(f"POLYGON(({w} {s},{east} {s},{east} {n},{w} {n},{w} {s}))", datatype=WKT))
        added = True
    rings = []
    for polygon in loc.polygons:
        points = list(polygon)
        if len(points) >= 4 and all(_numbers(*p) for p in points):
            if points[0] != points[-1]:
                points.append(points[0])
            rings.append("(" + ",".join(f"{x} {y}" for x, y in points) + ")")
    if rings:
        wkt = f"POLYGON({rings[0]})" if len(rings) == 1 else "MULTIPOLYGON(" + ",".join(f"({r})" for r in rings) + ")"
        geometry = g.blank("geometry")
        g.add(node, LOCN.geometry, geometry)
        g.add(geometry, RDF.type, LOCN.Geometry)
        g.add(geometry, GSP.asWKT, literal(wkt, datatype=WKT))
        added = True
    if added:
        g.add(g.subject, iri(prop), node)
        g.add(node, RDF.type, DCT.Location)


def _numbers(*values: str) -> bool:
    try:
        for v in values:
            float(v)
    except ValueError:
        return False
    return True


# --- plain values from kernel-4 XML -----------------------------------------------------------------


def _name_identifiers(e: Element) -> list[NameIdentifier]:
    return [NameIdentifier(text(n), attr(n, "nameIdentifierScheme"), attr(n, "schemeURI"))
            for n in children(e, "nameIdentifier") if text(n)]


def _affiliations(e: Element) -> list[Affiliation]:
    out = []
    for a in children(e, "affiliation"):
        name = text(a)
        ident = attr(a, "affiliationIdentifier")
        if name or ident:
            out.append(Affiliation(name, ident, attr(a, "affiliationIdentifierScheme")))
    return out


def agent_from_xml(e: Element, name_tag: str) -> Agent:
    """The :class:`Agent` of a ``creator``/``contributor`` element."""
    name_el = child(e, name_tag)
    return Agent(name=text(name_el), given=text(child(e, "givenName")) or None,
                 family=text(child(e, "familyName")) or None,
                 name_type=attr(name_el, "nameType") if name_el is not None else None,
                 identifiers=_name_identifiers(e), affiliations=_affiliations(e),
                 lang=language(name_el) if name_el is not None else None, role=attr(e, "contributorType"))


def subject_from_xml(e: Element) -> Subject:
    """The :class:`Subject` of a ``subject`` element."""
    return Subject(text(e), attr(e, "subjectScheme"), attr(e, "schemeURI"), attr(e, "valueURI"), language(e))


def funding_from_xml(e: Element) -> Funding:
    """The :class:`Funding` of a ``fundingReference`` element."""
    funder_el = child(e, "funderIdentifier")
    award_el = child(e, "awardNumber")
    return Funding(
        funder_name=text(child(e, "funderName")), funder_identifier=text(funder_el),
        funder_identifier_type=attr(funder_el, "funderIdentifierType") if funder_el is not None else None,
        award_number=text(award_el), award_uri=attr(award_el, "awardURI") if award_el is not None else None,
        award_title=text(child(e, "awardTitle")))


def geo_location_from_xml(e: Element) -> GeoLocation:
    """The :class:`GeoLocation` of a ``geoLocation`` element."""
    loc = GeoLocation(place=text(child(e, "geoLocationPlace")))
    point = child(e, "geoLocationPoint")
    if point is not None:
        loc.point = (text(child(point, "pointLongitude")), text(child(point, "pointLatitude")))
    box = child(e, "geoLocationBox")
    if box is not None:
        loc.box = (text(child(box, "westBoundLongitude")), text(child(box, "eastBoundLongitude")),
                   text(child(box, "southBoundLatitude")), text(child(box, "northBoundLatitude")))
    for polygon in children(e, "geoLocationPolygon"):
        loc.polygons.append([(text(child(p, "pointLongitude")), text(child(p, "pointLatitude")))
                             for p in children(polygon, "polygonPoint")])
    return loc


# --- the XML transforms -----------------------------------------------------------------------------


@field_transform()
def creator(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``creator`` → agent (ORCID/ROR or minted) with name parts and affiliations (ROR when given)."""
    for e in elements:
        add_creator(g, agent_from_xml(e, "creatorName"), prop)


@field_transform()
def contributor(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``contributor`` → agent, with its ``contributorType`` kept as ``prov:qualifiedAttribution``
    (role IRI from ``mappings/contributor-roles.tsv``); a ContactPerson also becomes a
    ``dcat:contactPoint`` (``vcard:Kind``)."""
    for e in elements:
        add_contributor(g, agent_from_xml(e, "contributorName"), prop)


@field_transform()
def publisher(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``publisher`` → organisation (ROR IRI from ``publisherIdentifier`` in kernel ≥ 4.5, else minted)."""
    add_publisher(g, [Publisher(text(e), attr(e, "publisherIdentifier"), language(e)) for e in elements], prop)


@field_transform()
def identifier(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """The identifier as written in the source → ``dct:identifier`` literal."""
    for e in elements:
        add_identifier(g, text(e), prop)


@field_transform()
def alternate_identifier(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``alternateIdentifier`` → ``adms:identifier`` node (``skos:notation`` + its type)."""
    for e in elements:
        v = text(e)
        if v:
            g.alternate_identifier(v, attr(e, "alternateIdentifierType"))


@field_transform(needs_property=False)
def resource_type(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``resourceType/@resourceTypeGeneral`` → ``dct:type`` DCMI type (``mappings/resource-types.tsv``;
    software also ``a schema:SoftwareSourceCode``); the free text → ``schema:additionalType`` literal."""
    for e in elements:
        add_resource_type(g, attr(e, "resourceTypeGeneral"), text(e), field_="resourceType")


@field_transform(needs_property=False)
def related_identifier(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``relatedIdentifier`` → the property ``mappings/relation-types.tsv`` gives for its
    ``relationType`` (``dct:isReferencedBy``, ``dct:references``, ``dct:isPartOf`` …), the target as
    IRI (DOI, identifiers.org for PDB/EMPIAR/EMDB, URL, Handle …); the other relation types become a
    ``dcat:qualifiedRelation`` whose ``dcat:hadRole`` is the DataCite relation type."""
    for e in elements:
        add_related_identifier(g, text(e), attr(e, "relatedIdentifierType"), attr(e, "relationType") or "")


@field_transform()
def funding(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``fundingReference`` → ``frapo:isFundedBy`` a ``frapo:Grant`` (minted per funder and award
    number) with ``frapo:hasGrantNumber``, ``dct:title`` and ``frapo:hasFundingAgency`` the funder
    (Crossref Funder ID as DOI IRI, ROR IRI, else a minted organisation)."""
    for e in elements:
        add_funding(g, funding_from_xml(e), prop)


@field_transform(needs_property=False)
def experiment(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """ESRF-style subjects with ``subjectScheme`` Proposal / Instrument / Beamline → the dataset
    ``prov:wasGeneratedBy`` the proposal's ``prov:Activity`` (comma lists give several), which
    ``prov:used`` the instrument (``pangraph:Instrument``, minted by name, or a PIDINST DOI IRI)."""
    add_experiment(g, [subject_from_xml(e) for e in elements])


@field_transform()
def geo_location(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``geoLocation`` → ``dct:spatial`` a ``dct:Location`` with ``locn:geographicName`` (place),
    ``dcat:bbox`` (box) and ``locn:geometry`` (point, polygon) as GeoSPARQL WKT literals."""
    for e in elements:
        add_geo_location(g, geo_location_from_xml(e), prop)


@field_transform(needs_property=False)
def subject(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A subject: a PaNET technique (by ``valueURI``/scheme, or its text naming a technique) →
    ``schema:measurementTechnique``; otherwise ``dcat:keyword`` (and ``dcat:theme`` for a
    ``valueURI``). The same decisions as the shared ``subject`` transform, on a :class:`Subject`."""
    for e in elements:
        add_subject(g, subject_from_xml(e), field_="subjects/subject")


#: the transforms ``mappings/datacite-dcat.tsv`` may use
TRANSFORMS = {
    **SHARED,
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
    "subject": subject,
}


FORMATS = {"datacite": TRANSFORMS}
