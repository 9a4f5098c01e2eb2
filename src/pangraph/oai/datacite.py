"""The crosswalk back from the graph (DCAT-AP 3 / schema.org) to DataCite kernel 4.7 XML — the ``oai_datacite``
and ``datacite`` formats of the OAI-PMH provider. Pure: an rdflib graph (one record graph plus the links about
its main resource) in, an lxml ``<resource>`` out; no store, network or clock.

Mapping (the reverse of ``mappings/datacite-dcat.tsv``; the term tables of ``mappings/`` are read backwards,
``skos:exactMatch`` rows first, so the same SSSOM files drive both directions):

=====================  =============================================================================================
DataCite               graph (main resource R)
=====================  =============================================================================================
identifier             R when it is ``https://doi.org/…`` (``identifierType="DOI"``, the DOI as ``dct:identifier``
                       spells it, else lower case); any other R as ``identifierType="URL"``
alternateIdentifiers   ``adms:identifier`` nodes (``skos:notation``, type from ``dct:type``/``adms:schemaAgency``)
creators               ``dct:creator``, ``schema:author``, ``schema:creator`` → creatorName (``foaf:name``,
                       ``schema:name``, ``vcard:fn``), nameType from ``foaf:Person``/``schema:Person`` or
                       ``foaf:Organization``/``schema:Organization``, givenName/familyName, nameIdentifier ORCID / ROR
                       from the agent IRI; none: the DataCite standard value ``(:unav)``
titles                 ``dct:title``, ``schema:name`` (language tags → ``xml:lang``); ``dct:alternative`` →
                       ``titleType="AlternativeTitle"``
publisher              ``dct:publisher``, ``schema:publisher``, ``schema:provider`` (name; a ROR IRI →
                       ``publisherIdentifier``); none: ``(:unav)``
publicationYear        year of ``dct:issued``, ``schema:datePublished``, ``dct:created``, ``schema:dateCreated``,
                       ``dct:modified``, ``schema:dateModified`` (first found); none: the year the node wrote the
                       record graph (passed in as *fallback_year*)
resourceType           ``resourceTypeGeneral`` from ``dct:type`` (``mappings/resource-types.tsv`` backwards), else from
                       the kind (dataset → Dataset, software → Software, training → InteractiveResource, instrument
                       → Instrument, document → Text, other → Other); text: ``schema:additionalType`` or the kind
subjects               ``dcat:keyword``, ``schema:keywords``; PaNET techniques (``schema:measurementTechnique``,
                       ``schema:about``) with ``subjectScheme="PaNET"``, ``valueURI``, ``classificationCode`` and the
                       label (*labels*); other ``dcat:theme`` IRIs with ``valueURI``
contributors           ``dct:contributor``, ``schema:contributor``, ``schema:instructor``; ``contributorType`` from the
                       ``prov:qualifiedAttribution``'s ``dcat:hadRole`` (``mappings/contributor-roles.tsv``
                       backwards), else ``Other``
dates                  each date property of ``mappings/date-types.tsv`` backwards (``dct:issued`` → Issued,
                       ``dct:created`` → Created, ``dct:available`` → Available …)
relatedIdentifiers     each property of ``mappings/relation-types.tsv`` backwards (``dct:isReferencedBy`` →
                       IsReferencedBy, ``dct:references`` → References …); ``dcat:qualifiedRelation`` with
                       ``dcat:hadRole``; DOI targets as ``DOI``, ``identifiers.org``/http targets as ``URL``
rightsList             ``dct:license``, ``schema:license`` (``rightsURI``), ``dct:accessRights``, ``dct:rights``
descriptions           ``dct:description``, ``schema:description`` → ``descriptionType="Abstract"``
geoLocations           ``dct:spatial`` → ``locn:geographicName`` / ``rdfs:label`` as geoLocationPlace, ``dcat:centroid``
                       ``POINT(lon lat)`` as geoLocationPoint
language, version      ``dct:language``/``schema:inLanguage`` (the code after the last ``/``), ``dcat:version``,
                       ``owl:versionInfo``, ``schema:version``
=====================  =============================================================================================
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Iterable

import rdflib
from lxml import etree
from rdflib import Literal, URIRef

DATACITE_NS = "http://datacite.org/schema/kernel-4"
DATACITE_SCHEMA = "http://schema.datacite.org/meta/kernel-4.7/metadata.xsd"
OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
OAI_DATACITE_SCHEMA = "http://schema.datacite.org/oai/oai-1.1/oai.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
UNAVAILABLE = "(:unav)"  # DataCite's standard value for "value unavailable"

DCT = "http://purl.org/dc/terms/"
SCHEMA = "http://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
DCAT = "http://www.w3.org/ns/dcat#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
PROV = "http://www.w3.org/ns/prov#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LOCN = "http://www.w3.org/ns/locn#"
ADMS = "http://www.w3.org/ns/adms#"
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PANET = "http://purl.org/pan-science/PaNET/"

_KIND_TYPES = {"dataset": "Dataset", "software": "Software", "training": "InteractiveResource",
               "instrument": "Instrument", "document": "Text", "other": "Other"}
_PERSON = {URIRef(FOAF + "Person"), URIRef(SCHEMA + "Person")}
_ORG = {URIRef(FOAF + "Organization"), URIRef(SCHEMA + "Organization"), URIRef(FOAF + "Group")}
_YEAR = re.compile(r"^(\d{4})")
_POINT = re.compile(r"POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)", re.I)


@lru_cache(maxsize=1)
def reverse_tables() -> dict[str, dict[str, str]]:
    """The term tables of ``mappings/`` backwards: object IRI → DataCite code (exactMatch rows win)."""
    from pangraph.crosswalk.mappings import load_mappings

    m = load_mappings()
    out: dict[str, dict[str, str]] = {}
    for name, table in (("relation", m.relation_types), ("resource", m.resource_types),
                        ("date", m.date_types), ("role", m.contributor_roles)):
        rev: dict[str, str] = {}
        rows = sorted(table.mappings, key=lambda r: (not r.predicate_id.endswith("exactMatch"), r.line))
        for row in rows:
            code = row.subject_id.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            rev.setdefault(row.object_id, code)
        out[name] = rev
    return out


def _texts(g: rdflib.Graph, s: rdflib.term.Node, *preds: str) -> list[Literal]:
    seen: list[Literal] = []
    for p in preds:
        for o in g.objects(s, URIRef(p)):
            if isinstance(o, Literal) and str(o).strip() and o not in seen:
                seen.append(o)
    return seen


def _objects(g: rdflib.Graph, s: rdflib.term.Node, *preds: str) -> list[rdflib.term.Node]:
    seen: list[rdflib.term.Node] = []
    for p in preds:
        for o in g.objects(s, URIRef(p)):
            if o not in seen:
                seen.append(o)
    return seen


def _name(g: rdflib.Graph, agent: rdflib.term.Node) -> str | None:
    if isinstance(agent, Literal):
        return str(agent).strip() or None
    names = _texts(g, agent, FOAF + "name", SCHEMA + "name", VCARD + "fn", RDFS + "label")
    return str(names[0]).strip() if names else None


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None) -> etree._Element:
    e = etree.SubElement(parent, f"{{{DATACITE_NS}}}{tag}")
    for k, v in attrs.items():
        if v is not None:
            e.set(XML_LANG if k == "lang" else k, v)
    if text is not None:
        e.text = text
    return e


def _lang(lit: rdflib.term.Node) -> str | None:
    return lit.language if isinstance(lit, Literal) and lit.language else None


def doi_of(iri: str) -> str | None:
    """The DOI of a ``https://doi.org/…`` IRI, or None."""
    m = re.match(r"^https?://(?:dx\.)?doi\.org/(10\..+)$", iri)
    return m.group(1) if m else None


def _agent(parent: etree._Element, g: rdflib.Graph, agent: rdflib.term.Node, tag: str,
           role: str | None = None) -> bool:
    name = _name(g, agent)
    if not name:
        return False
    e = _el(parent, tag, contributorType=role) if role else _el(parent, tag)
    types = set(g.objects(agent, RDF_TYPE)) if not isinstance(agent, Literal) else set()
    iri = str(agent) if isinstance(agent, URIRef) else ""
    name_type = ("Personal" if types & _PERSON or "orcid.org/" in iri
                 else "Organizational" if types & _ORG or "ror.org/" in iri else None)
    _el(e, f"{tag}Name", name, nameType=name_type)
    if not isinstance(agent, Literal):
        for given in _texts(g, agent, FOAF + "givenName", SCHEMA + "givenName")[:1]:
            _el(e, "givenName", str(given))
        for family in _texts(g, agent, FOAF + "familyName", SCHEMA + "familyName")[:1]:
            _el(e, "familyName", str(family))
    if "orcid.org/" in iri:
        _el(e, "nameIdentifier", iri.rsplit("/", 1)[-1], nameIdentifierScheme="ORCID", schemeURI="https://orcid.org")
    elif "ror.org/" in iri:
        _el(e, "nameIdentifier", iri, nameIdentifierScheme="ROR", schemeURI="https://ror.org")
    return True


def _related_type(target: str) -> tuple[str, str]:
    doi = doi_of(target)
    if doi:
        return "DOI", doi
    if target.startswith("https://hdl.handle.net/"):
        return "Handle", target.split("hdl.handle.net/", 1)[1]
    return "URL", target


def datacite_resource(g: rdflib.Graph, resource: str, *, kind: str = "other", fallback_year: str,
                      labels: Callable[[str], str | None] = lambda iri: None) -> etree._Element:
    """DataCite kernel 4.7 ``<resource>`` of *resource* as *g* describes it (see the module's mapping)."""
    tables = reverse_tables()
    r = URIRef(resource)
    root = etree.Element(f"{{{DATACITE_NS}}}resource", nsmap={None: DATACITE_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{DATACITE_NS} {DATACITE_SCHEMA}")

    doi = doi_of(resource)
    if doi:
        spellings = [re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", str(i).strip(), flags=re.I)
                     for i in _texts(g, r, DCT + "identifier")]
        value = next((s for s in spellings if s.lower() == doi.lower()), doi)
        _el(root, "identifier", value, identifierType="DOI")
    else:
        _el(root, "identifier", resource, identifierType="URL")

    creators = _el(root, "creators")
    if not any([_agent(creators, g, a, "creator")
                for a in _objects(g, r, DCT + "creator", SCHEMA + "author", SCHEMA + "creator")]):
        c = _el(creators, "creator")
        _el(c, "creatorName", UNAVAILABLE)

    titles = _el(root, "titles")
    main = _texts(g, r, DCT + "title", SCHEMA + "name")
    for t in main or [Literal(UNAVAILABLE)]:
        _el(titles, "title", str(t), lang=_lang(t))
    for t in _texts(g, r, DCT + "alternative", SCHEMA + "alternateName"):
        _el(titles, "title", str(t), lang=_lang(t), titleType="AlternativeTitle")

    publisher_name, publisher_id = UNAVAILABLE, None
    for p in _objects(g, r, DCT + "publisher", SCHEMA + "publisher", SCHEMA + "provider"):
        name = _name(g, p)
        if name:
            publisher_name = name
            if isinstance(p, URIRef) and "ror.org/" in str(p):
                publisher_id = str(p)
            break
    if publisher_id:
        _el(root, "publisher", publisher_name, publisherIdentifier=publisher_id, publisherIdentifierScheme="ROR",
            schemeURI="https://ror.org/")
    else:
        _el(root, "publisher", publisher_name)

    year = None
    for d in _texts(g, r, DCT + "issued", SCHEMA + "datePublished", DCT + "created", SCHEMA + "dateCreated",
                    DCT + "modified", SCHEMA + "dateModified"):
        m = _YEAR.match(str(d))
        if m:
            year = m.group(1)
            break
    _el(root, "publicationYear", year or fallback_year)

    general = None
    for t in _objects(g, r, DCT + "type"):
        general = tables["resource"].get(str(t))
        if general:
            break
    additional = _texts(g, r, SCHEMA + "additionalType")
    _el(root, "resourceType", str(additional[0]) if additional else kind,
        resourceTypeGeneral=general or _KIND_TYPES.get(kind, "Other"))

    subjects = _el(root, "subjects")
    for k in _texts(g, r, DCAT + "keyword", SCHEMA + "keywords"):
        _el(subjects, "subject", str(k), lang=_lang(k))
    for t in _objects(g, r, SCHEMA + "measurementTechnique", SCHEMA + "about", DCAT + "theme"):
        if not isinstance(t, URIRef):
            if isinstance(t, Literal):
                _el(subjects, "subject", str(t))
            continue
        iri = str(t)
        label = labels(iri) or _name(g, t) or iri
        if iri.startswith(PANET):
            _el(subjects, "subject", label, subjectScheme="PaNET", schemeURI=PANET, valueURI=iri,
                classificationCode=iri.rsplit("/", 1)[-1])
        else:
            _el(subjects, "subject", label, valueURI=iri)
    if not len(subjects):
        root.remove(subjects)

    roles: dict[rdflib.term.Node, str] = {}
    for att in g.objects(r, URIRef(PROV + "qualifiedAttribution")):
        agent, role = g.value(att, URIRef(PROV + "agent")), g.value(att, URIRef(DCAT + "hadRole"))
        if agent is not None and role is not None and str(role) in tables["role"]:
            roles[agent] = tables["role"][str(role)]
    contributors = _el(root, "contributors")
    for a in _objects(g, r, DCT + "contributor", SCHEMA + "contributor", SCHEMA + "instructor"):
        _agent(contributors, g, a, "contributor", roles.get(a, "Other"))
    if not len(contributors):
        root.remove(contributors)

    dates = _el(root, "dates")
    for prop, code in tables["date"].items():
        for d in _texts(g, r, prop):
            _el(dates, "date", str(d), dateType=code)
    if not len(dates):
        root.remove(dates)

    language = _objects(g, r, DCT + "language", SCHEMA + "inLanguage")
    if language:
        _el(root, "language", str(language[0]).rstrip("/").rsplit("/", 1)[-1].lower())

    alternates = _el(root, "alternateIdentifiers")
    for node in _objects(g, r, ADMS + "identifier"):
        for notation in _texts(g, node, SKOS + "notation")[:1]:
            kind_of = _texts(g, node, DCT + "type", ADMS + "schemaAgency")
            _el(alternates, "alternateIdentifier", str(notation),
                alternateIdentifierType=str(kind_of[0]) if kind_of else "Local")
    if not len(alternates):
        root.remove(alternates)

    related = _el(root, "relatedIdentifiers")
    seen: set[tuple[str, str]] = set()

    def relate(target: rdflib.term.Node, relation: str) -> None:
        if not isinstance(target, URIRef) or (str(target), relation) in seen:
            return
        seen.add((str(target), relation))
        rtype, value = _related_type(str(target))
        _el(related, "relatedIdentifier", value, relatedIdentifierType=rtype, relationType=relation)

    for prop, code in tables["relation"].items():
        for target in _objects(g, r, prop):
            relate(target, code)
    for q in _objects(g, r, DCAT + "qualifiedRelation"):
        role, target = g.value(q, URIRef(DCAT + "hadRole")), g.value(q, URIRef(DCT + "relation"))
        if role is not None and target is not None:
            relate(target, str(role).rsplit("#", 1)[-1].rsplit("/", 1)[-1])
    if not len(related):
        root.remove(related)

    rights = _el(root, "rightsList")
    for lic in _objects(g, r, DCT + "license", SCHEMA + "license", DCT + "accessRights", DCT + "rights"):
        if isinstance(lic, URIRef):
            _el(rights, "rights", _name(g, lic) or str(lic), rightsURI=str(lic))
        elif isinstance(lic, Literal):
            _el(rights, "rights", str(lic))
        else:
            label = _name(g, lic)
            if label:
                _el(rights, "rights", label)
    if not len(rights):
        root.remove(rights)

    versions = _texts(g, r, DCAT + "version", "http://www.w3.org/2002/07/owl#versionInfo", SCHEMA + "version")
    if versions:
        _el(root, "version", str(versions[0]))

    descriptions = _el(root, "descriptions")
    for d in _texts(g, r, DCT + "description", SCHEMA + "description"):
        _el(descriptions, "description", str(d), lang=_lang(d), descriptionType="Abstract")
    if not len(descriptions):
        root.remove(descriptions)

    geo = _el(root, "geoLocations")
    for loc in _objects(g, r, DCT + "spatial"):
        place = _texts(g, loc, LOCN + "geographicName", RDFS + "label", SKOS + "prefLabel") if not isinstance(
            loc, Literal) else [loc]
        point = None
        for c in _texts(g, loc, DCAT + "centroid") if not isinstance(loc, Literal) else []:
            m = _POINT.search(str(c))
            if m:
                point = m.groups()
                break
        if not place and not point:
            continue
        e = _el(geo, "geoLocation")
        if place:
            _el(e, "geoLocationPlace", str(place[0]))
        if point:
            p = _el(e, "geoLocationPoint")
            _el(p, "pointLongitude", point[0])
            _el(p, "pointLatitude", point[1])
    if not len(geo):
        root.remove(geo)
    return root


def oai_datacite(resource_el: etree._Element, *, datacentre: str) -> etree._Element:
    """The ``oai_datacite`` wrapper (oai-1.1) around a DataCite ``<resource>``."""
    root = etree.Element(f"{{{OAI_DATACITE_NS}}}oai_datacite", nsmap={None: OAI_DATACITE_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DATACITE_NS} {OAI_DATACITE_SCHEMA}")
    etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}schemaVersion").text = "4.7"
    etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}datacentreSymbol").text = datacentre
    payload = etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}payload")
    payload.append(resource_el)
    return root


def labels_from(pairs: Iterable[tuple[str, str]]) -> Callable[[str], str | None]:
    table = dict(pairs)
    return table.get
