"""Transforms specific to DataCite kernel 4 (4.0–4.7; also the 2.x/3.x shapes and the OpenAIRE
variant): creators and contributors, publisher, identifiers, resource type, related identifiers,
funding, proposals/instruments, geolocations. The rows of ``mappings/datacite-dcat.tsv`` say
which element goes through which transform to which property."""

from __future__ import annotations

from pangraph import iri as ids
from pangraph.crosswalk.fields import SHARED
from pangraph.crosswalk.record_graph import (Affiliation, NameIdentifier, RecordGraph, field_transform,
                                             related_resource_iri, slug)
from pangraph.crosswalk.xml import Element, attr, child, children, language, text
from pangraph.rdf import (DCAT, DCT, FOAF, FRAPO, LOCN, PANGRAPH, PROV, RDF, RDFS, SCHEMA, VCARD, Namespace,
                          iri, literal)

GSP = Namespace("http://www.opengis.net/ont/geosparql#")
WKT = GSP.raw("wktLiteral")


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


def _agent(g: RecordGraph, e: Element, name_tag: str, *, field_: str, organisation_by_default: bool = False):
    name_el = child(e, name_tag)
    return g.agent(
        name=text(name_el),
        given=text(child(e, "givenName")),
        family=text(child(e, "familyName")),
        name_type=attr(name_el, "nameType") if name_el is not None else None,
        identifiers=_name_identifiers(e),
        affiliations=_affiliations(e),
        organisation_by_default=organisation_by_default,
        lang=language(name_el) if name_el is not None else None,
        field_=field_,
    )


@field_transform()
def creator(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``creator`` → agent (ORCID/ROR or minted) with name parts and affiliations (ROR when given)."""
    for e in elements:
        node = _agent(g, e, "creatorName", field_="creators/creator")
        if node:
            g.add(g.subject, iri(prop), node)


_ORGANISATION_ROLES = {"hostinginstitution", "distributor", "registrationagency", "registrationauthority",
                       "researchgroup", "sponsor", "funder"}


@field_transform()
def contributor(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``contributor`` → agent, with its ``contributorType`` kept as ``prov:qualifiedAttribution``
    (role IRI from ``mappings/contributor-roles.tsv``); a ContactPerson also becomes a
    ``dcat:contactPoint`` (``vcard:Kind``)."""
    for e in elements:
        ctype = attr(e, "contributorType") or ""
        field_ = f"contributors/contributor[@contributorType={ctype}]"
        node = _agent(g, e, "contributorName", field_=field_,
                      organisation_by_default=ctype.lower() in _ORGANISATION_ROLES)
        if node is None:
            continue
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
            g.add(contact, VCARD.fn, name[0] if name else literal(text(child(e, "contributorName"))))


@field_transform()
def publisher(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``publisher`` → organisation (ROR IRI from ``publisherIdentifier`` in kernel ≥ 4.5, else minted)."""
    for e in elements[:1]:
        name = text(e)
        ident = attr(e, "publisherIdentifier")
        ror = ids.ror_iri(ident) if ident else None
        if ident and ror is None:
            g.note("publisher", "publisherIdentifier is not a ROR id; publisher minted by name", severity="Info",
                   value=ident)
        if not name and not ror:
            continue
        node = g.organization(name, pid=ror, field_="publisher", lang=language(e))
        g.add(g.subject, iri(prop), node)
    if len(elements) > 1:
        g.note("publisher", "several publishers; the first is used", value="; ".join(text(e) for e in elements))


@field_transform()
def identifier(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """The identifier as written in the source → ``dct:identifier`` literal."""
    for e in elements:
        v = text(e)
        if v:
            g.add(g.subject, iri(prop), literal(v))


@field_transform()
def alternate_identifier(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``alternateIdentifier`` → ``adms:identifier`` node (``skos:notation`` + its type)."""
    for e in elements:
        v = text(e)
        if v:
            g.alternate_identifier(v, attr(e, "alternateIdentifierType"))


@field_transform(needs_property=False)
def resource_type(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``resourceType/@resourceTypeGeneral`` → ``dct:type`` DCMI type (``mappings/resource-types.tsv``);
    the free text → ``schema:additionalType`` literal."""
    for e in elements:
        general = attr(e, "resourceTypeGeneral")
        value = text(e)
        add_resource_type(g, general, value, field_="resourceType")


def add_resource_type(g: RecordGraph, general: str | None, value: str, *, field_: str) -> None:
    """``dct:type`` from the general type (or, without one, from the free text when it is a known
    type word); the remaining free text as ``schema:additionalType``."""
    row = g.mappings.resource_types.lookup(general) if general else None
    if row is None and not general and value:
        row = g.mappings.resource_types.lookup(value)
        if row is not None:
            value = ""
    if row is not None:
        g.add(g.subject, DCT.type, iri(row.object_id))
    elif general:
        g.note(field_, "resource type not in mappings/resource-types.tsv", severity="Info", value=general)
    if value:
        g.add(g.subject, SCHEMA.additionalType, literal(value))


@field_transform(needs_property=False)
def related_identifier(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``relatedIdentifier`` → the property ``mappings/relation-types.tsv`` gives for its
    ``relationType`` (``dct:isReferencedBy``, ``dct:references``, ``dct:isPartOf`` …), the target as
    IRI (DOI, identifiers.org for PDB/EMPIAR/EMDB, URL, Handle …); the other relation types become a
    ``dcat:qualifiedRelation`` whose ``dcat:hadRole`` is the DataCite relation type."""
    for e in elements:
        relation = attr(e, "relationType") or ""
        id_type = attr(e, "relatedIdentifierType")
        value = text(e)
        field_ = f"relatedIdentifiers/relatedIdentifier[@relationType={relation}]"
        if not value:
            continue
        target = related_resource_iri(value, id_type)
        if target is None:
            g.note(field_, f"related identifier of type {id_type or '?'} cannot be written as an IRI; not linked",
                   severity="Info", value=value)
            continue
        row = g.mappings.relation_types.lookup(relation)
        if row is None:
            g.note(field_, "relation type not in mappings/relation-types.tsv; linked with dct:relation",
                   value=relation)
            g.add(g.subject, DCT.relation, iri(target))
            continue
        if row.object_id == DCAT.raw("qualifiedRelation"):
            node = g.blank("relation")
            g.add(g.subject, DCAT.qualifiedRelation, node)
            g.add(node, RDF.type, DCAT.Relationship)
            g.add(node, DCT.relation, iri(target))
            g.add(node, DCAT.hadRole, iri(row.subject_id))
        else:
            g.add(g.subject, iri(row.object_id), iri(target))


@field_transform()
def funding(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``fundingReference`` → ``frapo:isFundedBy`` a ``frapo:Grant`` (minted per funder and award
    number) with ``frapo:hasGrantNumber``, ``dct:title`` and ``frapo:hasFundingAgency`` the funder
    (Crossref Funder ID as DOI IRI, ROR IRI, else a minted organisation)."""
    for e in elements:
        funder_name = text(child(e, "funderName"))
        funder_el = child(e, "funderIdentifier")
        funder_id = text(funder_el)
        award_el = child(e, "awardNumber")
        award = text(award_el)
        title = text(child(e, "awardTitle"))
        funder_iri = ids.funder_iri(funder_id, attr(funder_el, "funderIdentifierType") if funder_el is not None
                                    else None) if funder_id else None
        if funder_id and funder_iri is None:
            g.note("fundingReferences/fundingReference", "funder identifier not understood; funder minted by name",
                   severity="Info", value=funder_id)
        funder = None
        if funder_iri or funder_name:
            funder = g.organization(funder_name, pid=funder_iri, field_="fundingReferences/fundingReference")
        if award:
            funder_key = funder_iri.rstrip("/").rsplit("/", 1)[-1] if funder_iri else funder_name or "unknown-funder"
            grant_key = f"{slug(funder_key)}-{slug(award)}"
        else:
            grant_key = f"{g.key}-{g.counter('grant')}"
        grant = g.mint("grant", grant_key)
        g.add(g.subject, iri(prop), grant)
        g.add(grant, RDF.type, FRAPO.Grant)
        if award:
            g.add(grant, FRAPO.hasGrantNumber, literal(award))
            award_uri = attr(award_el, "awardURI") if award_el is not None else None
            if award_uri and ids.url_iri(award_uri):
                g.add(grant, RDFS.seeAlso, iri(award_uri))
        if title:
            g.add(grant, DCT["title"], literal(title))
        if funder:
            g.add(grant, FRAPO.hasFundingAgency, funder)


@field_transform(needs_property=False)
def experiment(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """ESRF-style subjects with ``subjectScheme`` Proposal / Instrument / Beamline → the dataset
    ``prov:wasGeneratedBy`` the proposal's ``prov:Activity`` (comma lists give several), which
    ``prov:used`` the instrument (``pangraph:Instrument``, minted by name, or a PIDINST DOI IRI)."""
    proposals: list[str] = []
    instruments: list[str] = []
    for e in elements:
        scheme = (attr(e, "subjectScheme") or "").strip().lower()
        values = [v.strip() for v in text(e).split(",") if v.strip()]
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


@field_transform()
def geo_location(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``geoLocation`` → ``dct:spatial`` a ``dct:Location`` with ``locn:geographicName`` (place),
    ``dcat:bbox`` (box) and ``locn:geometry`` (point, polygon) as GeoSPARQL WKT literals."""
    for e in elements:
        node = g.blank("location")
        added = False
        place = text(child(e, "geoLocationPlace"))
        if place:
            g.add(node, LOCN.geographicName, literal(place))
            added = True
        point = child(e, "geoLocationPoint")
        if point is not None:
            lon, lat = text(child(point, "pointLongitude")), text(child(point, "pointLatitude"))
            if _numbers(lon, lat):
                g.add(node, LOCN.geometry, literal(f"POINT({lon} {lat})", datatype=WKT))
                added = True
        box = child(e, "geoLocationBox")
        if box is not None:
            w, east = text(child(box, "westBoundLongitude")), text(child(box, "eastBoundLongitude"))
            s, n = text(child(box, "southBoundLatitude")), text(child(box, "northBoundLatitude"))
            if _numbers(w, east, s, n):
                wkt = f"POLYGON(({w} {s},{east} {s},{east} {n},{w} {n},{w} {s}))"
                g.add(node, DCAT.bbox, literal(wkt, datatype=WKT))
                added = True
        for polygon in children(e, "geoLocationPolygon"):
            points = [(text(child(p, "pointLongitude")), text(child(p, "pointLatitude")))
                      for p in children(polygon, "polygonPoint")]
            if len(points) >= 4 and all(_numbers(*p) for p in points):
                if points[0] != points[-1]:
                    points.append(points[0])
                wkt = "POLYGON((" + ",".join(f"{x} {y}" for x, y in points) + "))"
                g.add(node, LOCN.geometry, literal(wkt, datatype=WKT))
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
}


FORMATS = {"datacite": TRANSFORMS}
