"""Transforms for ICAT records (the resolved objects :mod:`pangraph.sources.icat` makes of icatdump
YAML/XML and icatingest files) and PIDINST instrument records. The rows of
``mappings/icat-*-dcat.tsv`` and ``mappings/pidinst-dcat.tsv`` use them.

ICAT writes PIDs as ``SCHEME:value`` (``DOI:10.x/…``, ``PaNET:PaNET01217``, ``ROR:024mw5h28``,
``IGSN:…``, ``URL:…``, ``Crossref Funder ID:10.13039/…``): :func:`scheme_value` splits them. Identity
follows the SciCat crosswalk (:func:`pangraph.crosswalk.scicat.dataset_iri` and friends): an
investigation is the proposal activity ``{base}/id/proposal/{source}/{slug of its name}``, so
datasets, data collections and studies that name it meet it.
"""

from __future__ import annotations

import re
from typing import Any

from pangraph import iri as ids
from pangraph.crosswalk.oai_dc import SOSA
from pangraph.crosswalk.catalogue import (add_instrument, add_property_value, add_role, block, first_scalar,
                                          generating_activities, memo, person, plain, scalar)
from pangraph.crosswalk.record_graph import (Affiliation, NameIdentifier, RecordGraph, field_transform,
                                             related_resource_iri, slug, subject_transform)
from pangraph.crosswalk.scicat import (TRANSFORMS as SCICAT_TRANSFORMS, dataset_iri, instrument_iri, proposal_iri,
                                       technique_value)
from pangraph.crosswalk.jsondoc import xml_as_json
from pangraph.crosswalk.transforms import FormatInfo
from pangraph.crosswalk.xml import parse_xml
from pangraph.rdf import (DCAT, DCT, FOAF, FRAPO, PANGRAPH, PROV, RDF, RDFS, SCHEMA, XSD, Term, iri, literal)


def scheme_value(pid: str) -> tuple[str, str]:
    """``("DOI", "10.x/…")`` for ``DOI:10.x/…``; ``("", value)`` when there is no scheme (URLs and
    bare values keep their text)."""
    p = pid.strip()
    head, sep, rest = p.partition(":")
    if sep and re.fullmatch(r"[A-Za-z][A-Za-z ]{0,23}", head) and not rest.startswith("//"):
        return head.strip(), rest.strip()
    return "", p


def pid_iri(pid: str) -> str | None:
    """The IRI of an ICAT ``SCHEME:value`` PID (DOI, Handle, ROR, ORCID, URL, PaNET), or None."""
    scheme, value = scheme_value(pid)
    s = scheme.lower()
    if s == "panet":
        return ids.panet_iri(pid) or ids.panet_iri(value)
    if s == "url":
        return ids.url_iri(value)
    if s == "crossref funder id":
        return ids.funder_iri(value, "Crossref Funder ID")
    if s:
        return ids.pid_iri(value, s)
    return ids.pid_iri(value)


def _obj(value: Any) -> dict[str, Any]:
    v = plain(value)
    return v if isinstance(v, dict) else {}


def icat_dataset_iri(g: RecordGraph, obj: dict[str, Any]) -> str:
    """A dataset's IRI: its DOI IRI when ``doi`` is a valid DOI, else minted from its dump id."""
    found = pid_iri(scalar(obj.get("doi"))) if obj.get("doi") else None
    if found and found.startswith("https://doi.org/"):
        return found
    return dataset_iri(g.ctx.base, g.ctx.source, scalar(obj.get("_id")) or scalar(obj.get("name")))


def icat_instrument_iri(g: RecordGraph, obj: dict[str, Any]) -> str:
    """An instrument's IRI: its PIDINST DOI/Handle (``pid``), else minted from the pid or name."""
    pid = scalar(obj.get("pid"))
    if pid:
        scheme, value = scheme_value(pid)
        s = scheme.lower()
        found = ids.doi_iri(value) if s == "doi" else ids.handle_iri(value) if s in ("handle", "hdl") \
            else (ids.doi_iri(value) or ids.handle_iri(value)) if not s else None
        return found or ids.mint(g.ctx.base, "instrument", g.ctx.source, slug(pid))
    return instrument_iri(g.ctx.base, g.ctx.source, scalar(obj.get("name")) or scalar(obj.get("_id")))


def _note_bad_pid(g: RecordGraph, field_: str, pid: str) -> None:
    g.note(field_, "PID is not a resolvable DOI/Handle/URL; kept as dct:identifier, IRI minted", value=pid)


# --- subjects ----------------------------------------------------------------------------------------------

@subject_transform
def investigation_subject(g: RecordGraph, elements: list[Any]) -> str | None:
    """The investigation's proposal activity IRI from its ``name`` (the proposal number)."""
    v = first_scalar(elements)
    return proposal_iri(g.ctx.base, g.ctx.source, v) if v else None


@subject_transform
def pid_subject(g: RecordGraph, elements: list[Any]) -> str | None:
    """The DOI IRI of a ``DOI:…`` (or bare) PID when it is a valid DOI."""
    for e in elements:
        found = pid_iri(scalar(e))
        if found and found.startswith("https://doi.org/"):
            return found
    return None


@subject_transform
def dump_id_dataset(g: RecordGraph, elements: list[Any]) -> str | None:
    """A dataset (or data collection / publication) IRI minted from its dump id."""
    v = first_scalar(elements)
    return dataset_iri(g.ctx.base, g.ctx.source, v) if v else None


@subject_transform
def instrument_subject(g: RecordGraph, elements: list[Any]) -> str | None:
    """The instrument's IRI from its ``pid`` (PIDINST DOI/Handle, else minted from the pid)."""
    v = first_scalar(elements)
    return icat_instrument_iri(g, {"pid": v}) if v else None


@subject_transform
def instrument_name_subject(g: RecordGraph, elements: list[Any]) -> str | None:
    """The instrument's IRI minted from its name (instruments without pid)."""
    v = first_scalar(elements)
    return icat_instrument_iri(g, {"name": v}) if v else None


@subject_transform
def activity_subject(g: RecordGraph, elements: list[Any]) -> str | None:
    """A study's activity IRI: its DOI when valid, else ``{base}/id/activity/{source}/study-{slug}``."""
    v = first_scalar(elements)
    if not v:
        return None
    found = pid_iri(v)
    if found and found.startswith("https://doi.org/"):
        return found
    return ids.mint(g.ctx.base, "activity", g.ctx.source, "study-" + slug(v))


# --- fields --------------------------------------------------------------------------------------------------

@field_transform()
def pid(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A ``SCHEME:value`` PID → ``dct:identifier`` literal as written; a PID that is no valid
    DOI/Handle/URL (python-icat's example DOIs ``00.0815/…``) is noted."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        g.add(g.subject, iri(prop), literal(v))
        if pid_iri(v) is None:
            _note_bad_pid(g, "pid", v)


@field_transform()
def period_start(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A start date → ``dcat:startDate`` of the record's one ``dct:temporal`` period."""
    _period(g, elements, DCAT.startDate)


@field_transform()
def period_end(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An end date → ``dcat:endDate`` of the record's one ``dct:temporal`` period."""
    _period(g, elements, DCAT.endDate)


def _period(g: RecordGraph, elements: list[Any], prop: Term) -> None:
    for e in elements[:1]:
        v = scalar(e)
        term = g.date_term(v, field_="startDate/endDate") if v else None
        if term is None:
            continue
        node = memo(g).get("period")
        if node is None:
            node = g.blank("temporal")
            memo(g)["period"] = node
            g.add(g.subject, DCT.temporal, node)
            g.add(node, RDF.type, DCT.PeriodOfTime)
        g.add(node, prop, term)


@field_transform()
def activity_date(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A date of an activity (``prov:startedAtTime`` / ``endedAtTime``) as ``xsd:dateTime``."""
    for e in elements[:1]:
        v = scalar(e)
        term = g.date_term(v, field_=prop or "date") if v else None
        if term is not None:
            g.add(g.subject, iri(prop), term)


@field_transform()
def keywords(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """ICAT keywords (``{name}`` objects or strings) → literals."""
    for e in elements:
        o = _obj(e)
        v = scalar(o.get("name")) if o else scalar(e)
        if v:
            g.add(g.subject, iri(prop), literal(v))


def _user_agent(g: RecordGraph, user: dict[str, Any], *, field_: str, full_name: str = "",
                given: str = "", family: str = "", affiliations: list[Affiliation] | None = None) -> Term | None:
    name = full_name or scalar(user.get("fullName")) or scalar(user.get("name"))
    affs = list(affiliations or [])
    aff = scalar(user.get("affiliation"))
    if aff and not affs:
        affs.append(Affiliation(aff))
    return person(g, name, given=given or scalar(user.get("givenName")) or None,
                  family=family or scalar(user.get("familyName")) or None, orcid=scalar(user.get("orcidId")),
                  affiliations=affs, field_=field_)


_ROLE_NAMES = {"principal investigator": "ProjectLeader", "pi": "ProjectLeader", "co-investigator": "ProjectMember",
               "investigator": "ProjectMember", "local contact": "ContactPerson", "contact": "ContactPerson"}


@field_transform()
def investigation_users(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``investigationUsers[{role, user}]`` → the row's property to each person (ORCID from
    ``orcidId`` when valid, affiliation as organisation) and a ``prov:qualifiedAssociation`` with the
    role (Principal Investigator → project director, Investigator → project member, via
    ``mappings/contributor-roles.tsv``)."""
    for e in elements:
        o = _obj(e)
        user = _obj(o.get("user"))
        if not user:
            continue
        node = _user_agent(g, user, field_="investigationUsers")
        if node is None:
            continue
        g.add(g.subject, iri(prop), node)
        role_text = scalar(o.get("role"))
        if role_text and not add_role(g, node, _ROLE_NAMES.get(role_text.lower(), role_text), activity=True):
            g.note("investigationUsers/role", "role not in mappings/contributor-roles.tsv; not kept",
                   severity="Info", value=role_text)


@field_transform()
def publication_users(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``DataPublicationUser``s (creators and contributors, in ``orderKey`` order) → people with
    ORCID and affiliations (``ROR:…`` PIDs as ROR IRIs); contributors keep their type as
    ``prov:qualifiedAttribution``."""
    users = sorted((_obj(e) for e in elements), key=lambda o: scalar(o.get("orderKey")))
    for o in users:
        affs = []
        for a in o.get("affiliations") or []:
            a = _obj(a)
            name = scalar(a.get("fullReference")) or scalar(a.get("name"))
            ror = scalar(a.get("pid"))
            affs.append(Affiliation(name, scheme_value(ror)[1] if ror else None, "ROR" if ror else None))
        node = _user_agent(g, _obj(o.get("user")), field_="dataPublicationUsers", full_name=scalar(o.get("fullName")),
                           given=scalar(o.get("givenName")), family=scalar(o.get("familyName")), affiliations=affs)
        if node is None:
            continue
        ctype = scalar(o.get("contributorType"))
        if ctype.lower() == "creator":
            g.add(g.subject, iri(prop), node)
            continue
        g.add(g.subject, DCT.contributor, node)
        if ctype:
            add_role(g, node, ctype, activity=False)


def _record_activities(g: RecordGraph) -> list[Term]:
    """The record's resource when it is an activity (an investigation), else the activities that
    generated it."""
    return [g.subject] if PROV.Activity in g.objects(g.subject, RDF.type) else generating_activities(g)


@field_transform()
def instruments(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Instruments (``{instrument: {...}}`` links or the objects) → ``pangraph:Instrument`` (PIDINST
    DOI IRI or minted) under the row's property of the record's activity: ``prov:used`` by the
    investigation itself, or by the activity a dataset ``prov:wasGeneratedBy``."""
    for e in elements:
        o = _obj(e)
        o = _obj(o.get("instrument")) or o
        if not o:
            continue
        node = add_instrument(g, icat_instrument_iri(g, o), label=scalar(o.get("fullName")) or scalar(o.get("name")))
        for activity in _record_activities(g):
            g.add(activity, iri(prop), node)


@field_transform(needs_property=False)
def techniques(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``datasetTechniques[{technique: {pid: "PaNET:PaNET01217", name}}]`` → ``schema:measurementTechnique``
    (the pid checked against the name; mismatches noted)."""
    for e in elements:
        o = _obj(e)
        o = _obj(o.get("technique")) or o
        technique_value(g, scalar(o.get("pid")), scalar(o.get("name")) or scalar(o.get("description")),
                        field_="datasetTechniques")


@field_transform()
def icat_sample(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A sample (``{name, pid: "IGSN:…", type: {molecularFormula}}``) → ``sosa:Sample`` (minted from the
    pid or name, ``dct:identifier`` the pid) under the row's property of the activity."""
    for e in elements:
        o = _obj(e)
        if not o:
            continue
        key = scalar(o.get("pid")) or scalar(o.get("_id")) or scalar(o.get("name"))
        node = g.mint("sample", slug(key))
        g.add(node, RDF.type, SOSA.Sample)
        g.add(node, RDF.type, PROV.Entity)
        name = scalar(o.get("name"))
        if name:
            g.add(node, RDFS.label, literal(name))
        if scalar(o.get("pid")):
            g.add(node, DCT.identifier, literal(scalar(o.get("pid"))))
        formula = scalar(_obj(o.get("type")).get("molecularFormula"))
        if formula:
            g.add(node, SCHEMA.molecularFormula, literal(formula))
        for activity in _record_activities(g):
            g.add(activity, iri(prop), node)


@field_transform(needs_property=False)
def investigation(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """The investigation a dataset belongs to → ``prov:wasGeneratedBy`` its proposal activity (by its
    name, the investigation record's IRI). Must come before instruments and samples."""
    names = []
    for e in elements:
        o = _obj(e)
        v = scalar(o.get("name")) if o else scalar(e)
        if v:
            names.append(v)
    if names:
        memo(g).setdefault("proposals", []).extend(names)
        g.activity(names)


@field_transform()
def parameters(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``parameters[{numericValue | stringValue | dateTimeValue, type: {name, units}}]`` →
    ``schema:PropertyValue`` (name, typed value, unit text and QUDT unit)."""
    for e in elements:
        o = _obj(e)
        t = _obj(o.get("type"))
        name = scalar(t.get("name")) or scalar(t.get("_id"))
        value = o.get("numericValue", o.get("stringValue", o.get("dateTimeValue")))
        if not name or scalar(value) == "":
            continue
        add_property_value(g, prop, name, value, unit=scalar(t.get("units")))


@field_transform()
def publications(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``publications[{doi, fullReference}]`` → the row's property to the DOI IRI (with the reference as
    ``dct:bibliographicCitation``); a DOI that is not valid is noted."""
    for e in elements:
        o = _obj(e)
        doi_text = scalar(o.get("doi"))
        target = pid_iri(doi_text) if doi_text else None
        ref = block(o.get("fullReference"))
        if target is None:
            g.note("publications", "publication without a valid DOI; not linked", value=doi_text or ref[:100])
            continue
        g.add(g.subject, iri(prop), iri(target))
        if ref:
            g.add(iri(target), DCT.bibliographicCitation, literal(ref))


@field_transform()
def funding(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``fundingReferences[{funding: {funderName, funderIdentifier, awardNumber}}]`` →
    ``frapo:isFundedBy`` a ``frapo:Grant`` (as in the DataCite crosswalk)."""
    for e in elements:
        o = _obj(e)
        f = _obj(o.get("funding")) or o
        name, award = scalar(f.get("funderName")), scalar(f.get("awardNumber"))
        funder_id = scalar(f.get("funderIdentifier"))
        funder = pid_iri(funder_id) if funder_id else None
        org = g.organization(name, pid=funder, field_="fundingReferences") if (name or funder) else None
        key = f"{slug(funder.rsplit('/', 1)[-1] if funder else name or 'unknown-funder')}-{slug(award)}" if award \
            else f"{g.key}-{g.counter('grant')}"
        grant = g.mint("grant", key)
        g.add(g.subject, iri(prop), grant)
        g.add(grant, RDF.type, FRAPO.Grant)
        if award:
            g.add(grant, FRAPO.hasGrantNumber, literal(award))
        if org is not None:
            g.add(grant, FRAPO.hasFundingAgency, org)


@field_transform()
def dataset_refs(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Datasets (``{dataset: {...}}`` links or the objects) → the row's property to their IRIs (the
    IRI each dataset's own record uses)."""
    for e in elements:
        o = _obj(e)
        o = _obj(o.get("dataset")) or o
        if o:
            g.add(g.subject, iri(prop), iri(icat_dataset_iri(g, o)))


@field_transform()
def investigation_refs(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Investigations (``{investigation: {...}}`` links) → the row's property to their proposal activities."""
    for e in elements:
        o = _obj(e)
        o = _obj(o.get("investigation")) or o
        name = scalar(o.get("name"))
        if name:
            node = iri(proposal_iri(g.ctx.base, g.ctx.source, name))
            g.add(node, RDF.type, PROV.Activity)
            g.add(g.subject, iri(prop), node)


@field_transform()
def collection_ref(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A data publication's ``content`` (a DataCollection) → the row's property to the collection's IRI."""
    for e in elements:
        o = _obj(e)
        if o:
            g.add(g.subject, iri(prop), iri(icat_dataset_iri(g, o)))


@field_transform()
def datafiles(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Datafiles (``{name, fileSize, datafileModTime, datafileFormat}``) → one ``schema:MediaObject``
    per file (``schema:name``, ``schema:contentSize``, ``dct:modified``, ``schema:encodingFormat``)."""
    for e in elements:
        o = _obj(e)
        name = scalar(o.get("name"))
        if not name:
            continue
        node = g.blank("file")
        g.add(g.subject, iri(prop), node)
        g.add(node, RDF.type, SCHEMA.MediaObject)
        g.add(node, SCHEMA.name, literal(name))
        size = scalar(o.get("fileSize"))
        if size.isdigit():
            g.add(node, SCHEMA.contentSize, literal(size, datatype=XSD.raw("nonNegativeInteger")))
        fmt = scalar(_obj(o.get("datafileFormat")).get("name"))
        if fmt:
            g.add(node, SCHEMA.encodingFormat, literal(fmt))
        mod = scalar(o.get("datafileModTime"))
        term = g.date_term(mod, field_="datafiles/datafileModTime") if mod else None
        if term is not None:
            g.add(node, DCT.modified, term)


@field_transform()
def type_name(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An ICAT type object (``{name}``: raw, analyzed, Experiment, curated) → ``schema:additionalType``."""
    for e in elements:
        o = _obj(e)
        v = scalar(o.get("name")) if o else scalar(e)
        if v:
            g.add(g.subject, iri(prop), literal(v))


@field_transform(needs_property=False)
def dated(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``dates[{date, dateType}]`` → the property ``mappings/date-types.tsv`` gives the type."""
    for e in elements:
        o = _obj(e)
        row = g.mappings.date_types.lookup(scalar(o.get("dateType")))
        if row is None:
            g.note("dates", "date type not in mappings/date-types.tsv", severity="Info", value=scalar(o.get("dateType")))
            continue
        g.add_date(iri(row.object_id), scalar(o.get("date")), field_="dates")


@field_transform()
def subjects(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``subjects[{name, subjectScheme, schemeURI, classificationCode}]`` → a technique when PaNET, else
    ``dcat:keyword`` (and ``dcat:theme`` for a classification with a scheme URI)."""
    for e in elements:
        o = _obj(e)
        name = scalar(o.get("name"))
        if not name:
            continue
        match = g.ctx.techniques.resolve(name)
        if match is not None and "panet" in scalar(o.get("subjectScheme")).lower():
            g.add_technique(match, field_="subjects")
            continue
        g.add(g.subject, iri(prop), literal(name))


@field_transform()
def related_items(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``relatedItems[{identifier: "URL:…", relationType}]`` → the property
    ``mappings/relation-types.tsv`` gives the relation type (else the row's property)."""
    for e in elements:
        o = _obj(e)
        ident = scalar(o.get("identifier"))
        target = pid_iri(ident) if ident else None
        target = target or (related_resource_iri(ident) if ident else None)
        if target is None:
            g.note("relatedItems", "related item without a usable identifier; not linked", severity="Info",
                   value=ident or scalar(o.get("title")))
            continue
        row = g.mappings.relation_types.lookup(scalar(o.get("relationType")))
        p = iri(row.object_id) if row is not None and not row.object_id.endswith("qualifiedRelation") else iri(prop)
        g.add(g.subject, p, iri(target))
        ref = block(o.get("fullReference"))
        if ref:
            g.add(iri(target), DCT.bibliographicCitation, literal(ref))


@field_transform()
def facility_org(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A facility object (``{name, fullName, url}``) → organisation (minted by name) under the row's property."""
    for e in elements:
        o = _obj(e)
        name = scalar(o.get("fullName")) or scalar(o.get("name"))
        if not name:
            continue
        node = g.organization(name, field_="facility")
        url = scalar(o.get("url"))
        if ids.url_iri(url):
            g.add(node, FOAF.homepage, iri(url))
        g.add(g.subject, iri(prop), node)


@field_transform()
def study_user(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """The user responsible for a study → ``prov:wasAssociatedWith`` person (ORCID when valid)."""
    for e in elements:
        node = _user_agent(g, _obj(e), field_="user")
        if node is not None:
            g.add(g.subject, iri(prop), node)


# --- PIDINST (JSON rendering of the XML: elements → keys, attributes → keys, text → "value") --------

@subject_transform
def pidinst_identifier(g: RecordGraph, elements: list[Any]) -> str | None:
    """The instrument's IRI from ``identifier`` (DOI or Handle IRI, else minted from the PID)."""
    for e in elements:
        o = _obj(e)
        v = scalar(o.get("value")) if o else scalar(e)
        if v:
            return ids.doi_iri(v) or ids.handle_iri(v) or instrument_iri(g.ctx.base, g.ctx.source, v)
    return None


@field_transform()
def pidinst_text(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An element's text (``value``) → literal."""
    for e in elements:
        o = _obj(e)
        v = block(o.get("value")) if o else block(e)
        if v:
            g.add(g.subject, iri(prop), literal(v))


@field_transform()
def pidinst_identifier_text(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """The PID as written → ``dct:identifier``; a Handle/DOI that does not resolve as written is noted."""
    for e in elements:
        o = _obj(e)
        v = scalar(o.get("value")) if o else scalar(e)
        if not v:
            continue
        g.add(g.subject, iri(prop), literal(v))
        if not (ids.doi_iri(v) or ids.handle_iri(v)):
            g.note("identifier", f"{scalar(o.get('identifierType')) or 'PID'} {v!r} is not a valid DOI/Handle; "
                                 "instrument IRI minted from it", value=v)


@field_transform()
def pidinst_agent(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An owner / manufacturer (``ownerName`` + ``ownerIdentifier[@ownerIdentifierType=ROR]``) →
    organisation (ROR IRI when given; Wikidata ids as ``owl:sameAs``) under the row's property."""
    for e in elements:
        o = _obj(e)
        name = next((scalar(v) for k, v in o.items() if k.endswith("Name")), "")
        idents = []
        for k, v in o.items():
            if k.endswith("Identifier"):
                v = _obj(v)
                kind = next((scalar(x) for kk, x in v.items() if kk.endswith("IdentifierType")), "")
                if scalar(v.get("value")):
                    idents.append(NameIdentifier(scalar(v.get("value")), kind))
        if not name and not idents:
            continue
        node = g.organization(name, identifiers=idents, field_=prop or "owner")
        g.add(g.subject, iri(prop), node)


@field_transform()
def pidinst_named(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A model / instrument type (``modelName``, ``instrumentTypeName``, with an optional identifier)
    → the row's property with the name as literal (an identifier URL as IRI)."""
    for e in elements:
        o = _obj(e)
        name = next((scalar(v) for k, v in o.items() if k.endswith("Name")), "") if o else scalar(e)
        ident = next((scalar(_obj(v).get("value")) for k, v in o.items() if k.endswith("Identifier")), "") if o else ""
        if ident and ids.url_iri(ident):
            g.add(g.subject, iri(prop), iri(ident))
        if name:
            g.add(g.subject, iri(prop), literal(name))


@field_transform(needs_property=False)
def pidinst_related(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``relatedIdentifier[@relationType]`` → ``HasComponent`` ``dct:hasPart``, ``IsComponentOf``
    ``dct:isPartOf``, ``IsDescribedBy`` ``dct:isReferencedBy``, others via ``mappings/relation-types.tsv``;
    targets as IRIs (instruments by the IRI their own records use)."""
    special = {"hascomponent": DCT.hasPart, "iscomponentof": DCT.isPartOf, "isdescribedby": DCT.isReferencedBy}
    for e in elements:
        o = _obj(e)
        value, relation = scalar(o.get("value")), scalar(o.get("relationType"))
        kind = scalar(o.get("relatedIdentifierType"))
        if not value:
            continue
        if relation.lower() in ("hascomponent", "iscomponentof"):
            target = ids.doi_iri(value) or ids.handle_iri(value) or instrument_iri(g.ctx.base, g.ctx.source, value)
        else:
            target = related_resource_iri(value, kind)
        if target is None:
            g.note("relatedIdentifier", "related identifier cannot be written as an IRI", severity="Info", value=value)
            continue
        p = special.get(relation.lower())
        if p is None:
            row = g.mappings.relation_types.lookup(relation)
            p = iri(row.object_id) if row is not None and not row.object_id.endswith("qualifiedRelation") \
                else DCT.relation
        g.add(g.subject, p, iri(target))
        if relation.lower() in ("hascomponent", "iscomponentof"):
            g.add(iri(target), RDF.type, PANGRAPH.Instrument)


@field_transform()
def pidinst_alternate(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``alternateIdentifier`` (serial numbers …) → ``adms:identifier`` node."""
    for e in elements:
        o = _obj(e)
        v = scalar(o.get("value"))
        if v:
            g.alternate_identifier(v, scalar(o.get("alternateIdentifierType")) or None)


@field_transform()
def pidinst_landing(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``landingPage`` → ``foaf:page`` (an instrument has no DCAT distribution)."""
    for e in elements:
        o = _obj(e)
        v = scalar(o.get("value")) if o else scalar(e)
        if ids.url_iri(v):
            g.add(g.subject, iri(prop), iri(v))
            g.add(iri(v), RDF.type, FOAF.Document)


TRANSFORMS = {
    **SCICAT_TRANSFORMS,
    "investigation_subject": investigation_subject,
    "pid_subject": pid_subject,
    "dump_id_dataset": dump_id_dataset,
    "instrument_subject": instrument_subject,
    "instrument_name_subject": instrument_name_subject,
    "activity_subject": activity_subject,
    "pid": pid,
    "period_start": period_start,
    "period_end": period_end,
    "activity_date": activity_date,
    "keywords": keywords,
    "investigation_users": investigation_users,
    "publication_users": publication_users,
    "instruments": instruments,
    "techniques": techniques,
    "icat_sample": icat_sample,
    "investigation": investigation,
    "parameters": parameters,
    "publications": publications,
    "funding": funding,
    "dataset_refs": dataset_refs,
    "investigation_refs": investigation_refs,
    "collection_ref": collection_ref,
    "datafiles": datafiles,
    "type_name": type_name,
    "dates": dated,
    "subjects": subjects,
    "related_items": related_items,
    "facility_org": facility_org,
    "study_user": study_user,
    "pidinst_identifier": pidinst_identifier,
    "pidinst_text": pidinst_text,
    "pidinst_identifier_text": pidinst_identifier_text,
    "pidinst_agent": pidinst_agent,
    "pidinst_named": pidinst_named,
    "pidinst_related": pidinst_related,
    "pidinst_alternate": pidinst_alternate,
    "pidinst_landing": pidinst_landing,
}

_DATASET = DCAT.raw("Dataset")

FORMATS = {name: TRANSFORMS for name in (
    "icat-investigation", "icat-dataset", "icat-instrument", "icat-data-collection", "icat-data-publication",
    "icat-study", "pidinst")}

FORMAT_INFO = {
    "icat-investigation": FormatInfo(syntax="json", kind="proposal", main_type=PROV.raw("Activity"), mint="proposal"),
    "icat-dataset": FormatInfo(syntax="json", kind="dataset", main_type=_DATASET, mint="dataset"),
    "icat-instrument": FormatInfo(syntax="json", kind="instrument", main_type=PANGRAPH.raw("Instrument"),
                                  mint="instrument"),
    "icat-data-collection": FormatInfo(syntax="json", kind="dataset", main_type=_DATASET, mint="dataset"),
    "icat-data-publication": FormatInfo(syntax="json", kind="dataset", main_type=_DATASET, mint="dataset"),
    "icat-study": FormatInfo(syntax="json", kind="proposal", main_type=PROV.raw("Activity"), mint="activity"),
    "pidinst": FormatInfo(syntax="json", kind="instrument", main_type=PANGRAPH.raw("Instrument"), mint="instrument",
                          decoder=lambda payload: xml_as_json(parse_xml(payload))),
}
