"""Transforms for SciCat's native JSON (Dataset, PublishedData, Instrument, Proposal, Sample,
OrigDatablock — the backend's ``/api/v3`` collections, the MongoDB seed files, the PaN-Finder
harvests) and for the PaNOSC documents of the PaN-Finder harvests. The rows of
``mappings/scicat-*-dcat.tsv`` and ``mappings/pan-finder-document-dcat.tsv`` say which field goes
through which transform to which property.

The JSON transforms here are also used by the ICAT crosswalk (:mod:`pangraph.crosswalk.icat`).
Values may be MongoDB extended JSON (``{"$date": …}``, ``{"$oid": …}``, ``{"$numberLong": …}``):
:func:`~pangraph.crosswalk.catalogue.plain` unwraps them; what the ICAT crosswalk shares with this one
(JSON values, people and roles, measured values, instruments) is in :mod:`pangraph.crosswalk.catalogue`.
Records point at each other by id (a dataset's ``instrumentId``, a published data's ``pidArray``);
:func:`dataset_iri`, :func:`instrument_iri`, :func:`proposal_iri` and :func:`sample_iri` give the IRI
both ends use, so the links meet without a merge step.

Some fields are only meaningful together (``owner`` with ``orcidOfOwner``; a proposal's
``pi_firstname`` with ``pi_lastname``): the mapping names the companion first with a ``remember_*``
transform, which keeps the value for the row that uses it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from pangraph import iri as ids
from pangraph.crosswalk.catalogue import (add_instrument, add_property_value, add_role, block, first_scalar,
                                          generating_activities, memo, person, plain, scalar, typed_value)
from pangraph.crosswalk.datacite import add_resource_type
from pangraph.crosswalk.oai_dc import SOSA
from pangraph.crosswalk.transforms import FormatInfo
from pangraph.crosswalk.record_graph import RecordGraph, field_transform, related_resource_iri, slug, subject_transform
from pangraph.rdf import DCAT, DCT, FOAF, PANGRAPH, PROV, RDF, RDFS, SCHEMA, VCARD, XSD, Term, iri, literal

# --- JSON values ------------------------------------------------------------------------------------

def _items(elements: Iterable[Any]) -> list[Any]:
    return [plain(e) for e in elements]


# --- IRIs that several records share ------------------------------------------------------------------

def dataset_iri(base: str, source: str, pid: str) -> str:
    """The IRI of a catalogue dataset from its pid: the DOI IRI, the Handle IRI
    (``20.500.12269/…`` → ``https://hdl.handle.net/…``), else ``{base}/id/dataset/{source}/{key of pid}``
    — the same for the dataset's own record and for every record that points at it."""
    p = pid.strip()
    return ids.doi_iri(p) or ids.handle_iri(p) or ids.mint(base, "dataset", source, ids.local_key(p))


def instrument_iri(base: str, source: str, ident: str) -> str:
    """The IRI of an instrument from its id or PID: a DOI (PIDINST) or Handle IRI, else
    ``{base}/id/instrument/{source}/{slug}`` (the slug of the id, as for instruments named in
    DataCite subjects)."""
    p = re.sub(r"^(doi|handle|hdl)\s*:\s*", "", ident.strip(), flags=re.IGNORECASE)
    return ids.doi_iri(p) or ids.handle_iri(p) or ids.mint(base, "instrument", source, slug(ident.strip()))


def proposal_iri(base: str, source: str, ident: str) -> str:
    """``{base}/id/proposal/{source}/{slug}`` — the activity :meth:`RecordGraph.activity` makes for
    the proposal of a dataset, so the proposal's own record and its datasets meet."""
    return ids.mint(base, "proposal", source, slug(ident.strip()))


def sample_iri(base: str, source: str, ident: str) -> str:
    """A sample's IRI: its DOI/IGSN-DOI IRI, else ``{base}/id/sample/{source}/{slug of the id}``."""
    return ids.doi_iri(ident.strip()) or ids.mint(base, "sample", source, slug(ident.strip()))


# --- subject transforms -------------------------------------------------------------------------------

@subject_transform
def doi(g: RecordGraph, elements: list[Any]) -> str | None:
    """The DOI IRI of the first value holding a DOI (``10.…``, ``doi:``, ``DOI:``, resolver URLs)."""
    for e in elements:
        found = ids.doi_iri(scalar(e))
        if found:
            return found
    return None


@subject_transform
def dataset_pid(g: RecordGraph, elements: list[Any]) -> str | None:
    """A dataset's IRI from its pid (:func:`dataset_iri`: DOI, Handle, else minted from the pid)."""
    v = first_scalar(elements)
    return dataset_iri(g.ctx.base, g.ctx.source, v) if v else None


@subject_transform
def instrument_id(g: RecordGraph, elements: list[Any]) -> str | None:
    """An instrument's IRI from its id or PID (:func:`instrument_iri`)."""
    v = first_scalar(elements)
    return instrument_iri(g.ctx.base, g.ctx.source, v) if v else None


@subject_transform
def proposal_id(g: RecordGraph, elements: list[Any]) -> str | None:
    """A proposal's activity IRI from its id (:func:`proposal_iri`)."""
    v = first_scalar(elements)
    return proposal_iri(g.ctx.base, g.ctx.source, v) if v else None


@subject_transform
def sample_id(g: RecordGraph, elements: list[Any]) -> str | None:
    """A sample's IRI from its id (:func:`sample_iri`)."""
    v = first_scalar(elements)
    return sample_iri(g.ctx.base, g.ctx.source, v) if v else None


@subject_transform
def datablock_id(g: RecordGraph, elements: list[Any]) -> str | None:
    """An OrigDatablock's distribution IRI: ``{base}/id/distribution/{source}/{slug of its id}``."""
    v = first_scalar(elements)
    return ids.mint(g.ctx.base, "distribution", g.ctx.source, "datablock-" + slug(v)) if v else None


# --- text, dates, identifiers ---------------------------------------------------------------------------

@field_transform()
def text(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Each scalar value (whitespace collapsed) as a literal."""
    for e in elements:
        v = scalar(e)
        if v:
            g.add(g.subject, iri(prop), literal(v))


@field_transform()
def long_text(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Each scalar value with its line breaks kept (descriptions)."""
    for e in elements:
        v = block(e)
        if v:
            g.add(g.subject, iri(prop), literal(v))


@field_transform()
def identifier(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """The identifier as written in the source → literal (``dct:identifier``)."""
    for e in elements:
        v = scalar(e)
        if v:
            g.add(g.subject, iri(prop), literal(v))


@field_transform()
def date(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A date (ISO string, ``{"$date": …}`` or a year number) as ``xsd:gYear``/``date``/``dateTime``;
    invalid dates are kept as plain literals with a note."""
    for e in elements:
        v = scalar(e)
        if v:
            g.add_date(iri(prop), v, field_=prop or "date")


@field_transform()
def keyword(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Each keyword → literal; keywords that name a PaNET technique also give
    ``schema:measurementTechnique``."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        g.add(g.subject, iri(prop), literal(v))


@field_transform()
def landing_page(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An http(s) URL that is not a DOI resolver → ``dcat:landingPage`` (also the distribution's
    access URL); other values are ignored with an Info note."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        url = ids.url_iri(v)
        if url and not ids.doi_iri(url):
            g.landing_page(url)
        elif not url:
            g.note(prop or "landingPage", "not an http(s) URL; no landing page", severity="Info", value=v)


@field_transform()
def web_page(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An http(s) URL → the row's property with the URL as IRI (typed ``foaf:Document``); text that is
    not a URL is kept as ``dct:description``."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        url = ids.url_iri(v)
        if url:
            g.add(g.subject, iri(prop), iri(url))
            g.add(iri(url), RDF.type, FOAF.Document)
        else:
            g.add(g.subject, DCT.description, literal(v))


@field_transform(needs_property=False)
def rights(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A licence (SPDX id, URL or name, via ``mappings/licenses.tsv``) → ``dct:license``; other text →
    ``dct:rights`` statement (noted)."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        g.rights(field_="license", uri=v if ids.url_iri(v) else None, identifier=None if ids.url_iri(v) else v,
                 text=None if ids.url_iri(v) else v)


@field_transform(needs_property=False)
def resource_type(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A type word (``raw``, ``derived``, ``NeXus HDF5``, ``proposal``) → ``dct:type`` DCMI type when
    ``mappings/resource-types.tsv`` knows it, else ``schema:additionalType`` literal."""
    for e in elements:
        v = scalar(e)
        if v:
            add_resource_type(g, None, v, field_="type")


@field_transform()
def size(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A size in bytes (number) or with a unit → ``dcat:byteSize`` of the distribution."""
    for e in elements:
        v = scalar(e)
        if v and v not in ("0", "null"):
            g.distribution_size(v, field_="size")


@field_transform()
def data_format(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A data format (``HDF5 / NeXus``, a media type) → the distribution's format."""
    for e in elements:
        v = scalar(e)
        if v:
            g.distribution_format(v)


@field_transform()
def number_of_files(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``numberOfFiles`` → a ``schema:PropertyValue`` named ``numberOfFiles`` with an integer value,
    under the row's property."""
    for e in elements:
        add_property_value(g, prop, "numberOfFiles", e, unit="")


# --- agents ---------------------------------------------------------------------------------------------

_NOT_A_NAME = {"al.", "et al.", "et al", "al", "default", "unknown", "n/a", "na", "none", "-"}


def _person_node(g: RecordGraph, name: str, *, field_: str, orcid: str | None = None) -> Term | None:
    name = " ".join(name.split())
    if not name or name.lower() in _NOT_A_NAME:
        if name:
            g.note(field_, "placeholder instead of a name; not an agent", severity="Info", value=name)
        return None
    if "@" in name and " " not in name:
        g.note(field_, "an e-mail address instead of a name; person named by it", severity="Info", value=name)
    return person(g, name, field_=field_, orcid=orcid, name_type=None)


@field_transform(needs_property=False)
def remember_orcid(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Keep ``orcidOfOwner`` (bare, URL; ``default``/empty ignored) for the ``owner`` row."""
    for e in elements:
        v = scalar(e)
        if v and v.lower() not in _NOT_A_NAME:
            memo(g)["orcid"] = v


@field_transform()
def owner(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """The owner's name → a person (ORCID IRI from the remembered ``orcidOfOwner``, else minted)."""
    for e in elements:
        v = scalar(e)
        node = _person_node(g, v, field_="owner", orcid=memo(g).get("orcid")) if v else None
        if node:
            memo(g)["owner_name"] = v
            memo(g)["owner_node"] = node
            g.add(g.subject, iri(prop), node)


@field_transform()
def name_agents(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Names (a list of strings, or ``{name, ids:[{type, id}]}`` objects with ORCIDs) → people
    (ORCID IRI when given, else minted from name and record); placeholders such as ``al.`` are noted."""
    for e in _items(elements):
        if isinstance(e, dict):
            name = scalar(e.get("name") or e.get("fullName"))
            orcid = None
            for ident in e.get("ids") or e.get("identifiers") or []:
                if isinstance(ident, dict) and scalar(ident.get("type")).lower() == "orcid":
                    orcid = scalar(ident.get("id")) or scalar(ident.get("url"))
            node = _person_node(g, name, field_="authors", orcid=orcid)
            if node:
                for ident in e.get("ids") or []:
                    if isinstance(ident, dict) and scalar(ident.get("type")).lower() not in ("", "orcid"):
                        g.add(node, DCT.identifier, literal(f"{scalar(ident.get('type'))}:{scalar(ident.get('id'))}"))
        else:
            node = _person_node(g, scalar(e), field_="creator")
        if node:
            g.add(g.subject, iri(prop), node)


@field_transform()
def contributor_role(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A principal investigator / investigator (a name or an e-mail address) → ``dct:contributor``
    person with ``prov:qualifiedAttribution`` (role ProjectLeader from ``mappings/contributor-roles.tsv``)."""
    for e in elements:
        v = scalar(e)
        same_as_owner = v and v == memo(g).get("owner_name")
        node = memo(g)["owner_node"] if same_as_owner else (
            _person_node(g, v, field_="principalInvestigator") if v else None)
        if node is None:
            continue
        g.add(g.subject, iri(prop), node)
        add_role(g, node, "ProjectLeader", activity=False)


@field_transform()
def contact_email(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An e-mail address → ``dcat:contactPoint`` a ``vcard:Kind`` with ``vcard:hasEmail`` and the
    owner's name as ``vcard:fn``; text that is not an address is noted."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v):
            g.note("contactEmail", "not an e-mail address; no contact point", value=v)
            continue
        node = g.blank("contact")
        g.add(g.subject, iri(prop), node)
        g.add(node, RDF.type, VCARD.Kind)
        g.add(node, VCARD.hasEmail, iri("mailto:" + v))
        g.add(node, VCARD.fn, literal(memo(g).get("owner_name") or v))


@field_transform()
def publisher_name(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A publisher by name → organisation minted by name (shared within the source)."""
    for e in elements[:1]:
        v = scalar(e)
        if v:
            g.add(g.subject, iri(prop), g.organization(v, field_="publisher"))


# --- techniques -----------------------------------------------------------------------------------------

@field_transform(needs_property=False)
def techniques(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """SciCat ``techniques[{pid, name}]`` → ``schema:measurementTechnique <PaNET IRI>``: the pid in
    any spelling (bare ``PaNET01168``, ``https://purl.org/…``) checked against the name (a label or
    the seed's ``;``-separated dotted paths), mismatches noted; a name alone is resolved; what is not
    PaNET is kept as keyword with a note."""
    for e in _items(elements):
        if isinstance(e, dict):
            pid, name = scalar(e.get("pid")), block(e.get("name"))
        else:
            pid, name = "", scalar(e)
        technique_value(g, pid, name, field_="techniques")


def technique_value(g: RecordGraph, pid: str, name: str, *, field_: str) -> None:
    """Add the technique a (pid, name) pair names (see :func:`techniques`)."""
    if pid and g.technique_from_identifier(pid, name or None, field_=field_):
        return
    match = g.ctx.techniques.check(None, name) if name else None
    if match is not None:
        g.add_technique(match, field_=field_)
        return
    label = name or pid
    if label:
        g.note(field_, "technique not found in PaNET; kept as keyword", value=label)
        g.add(g.subject, DCAT.keyword, literal(label))


# --- parameters -----------------------------------------------------------------------------------------

_MEASUREMENT_KEYS = {"value", "unit", "units", "valueSI", "unitSI", "type", "v", "u"}


def _is_measurement(obj: dict[str, Any]) -> bool:
    return "value" in obj and set(obj) <= _MEASUREMENT_KEYS | {"unitSI", "valueSI"}


def _walk_parameters(g: RecordGraph, prop: str | None, prefix: str, value: Any, *, subject: Term | None,
                     depth: int = 0) -> None:
    if depth > 8:
        g.note("scientificMetadata", "nesting deeper than 8 levels not mapped", severity="Info", value=prefix)
        return
    if isinstance(value, dict):
        if _is_measurement(value):
            inner = value.get("value")
            if isinstance(inner, (dict, list)):
                _walk_parameters(g, prop, prefix, inner, subject=subject, depth=depth + 1)
                return
            add_property_value(g, prop, prefix, inner, unit=scalar(value.get("unit") or value.get("units")),
                               subject=subject)
            return
        for k, v in value.items():
            _walk_parameters(g, prop, f"{prefix}.{k}" if prefix else str(k), v, subject=subject, depth=depth + 1)
    elif isinstance(value, list):
        if all(not isinstance(x, (dict, list)) for x in value):
            for x in value:
                add_property_value(g, prop, prefix, x, unit="", subject=subject)
        else:
            for n, x in enumerate(value):
                _walk_parameters(g, prop, f"{prefix}[{n}]", x, subject=subject, depth=depth + 1)
    else:
        add_property_value(g, prop, prefix, value, unit="", subject=subject)


@field_transform()
def scientific_metadata(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """SciCat ``scientificMetadata`` (nested; leaves ``{value, unit, valueSI, unitSI}`` or
    ``{type, unit, value}`` or plain values) → one ``schema:PropertyValue`` per leaf under the row's
    property: ``schema:name`` the dotted key (``motors.phi``), typed ``schema:value``,
    ``schema:unitText`` and, when ``mappings/units.tsv`` knows the unit, ``schema:unitCode``."""
    for e in _items(elements):
        if isinstance(e, dict):
            _walk_parameters(g, prop, "", e, subject=None)


# --- links between records ------------------------------------------------------------------------------

@field_transform()
def dataset_ref(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Dataset pids (``pidArray``, ``inputDatasets``) → the row's property to the datasets' IRIs
    (:func:`dataset_iri`, the IRI each dataset's own record uses)."""
    for e in elements:
        v = scalar(e)
        if v:
            g.add(g.subject, iri(prop), iri(dataset_iri(g.ctx.base, g.ctx.source, v)))


@field_transform()
def dataset_of_datablock(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An OrigDatablock's ``datasetId`` → ``<dataset> dcat:distribution <this distribution>``; the
    dataset's IRI is also the distribution's ``dcat:accessURL`` (a Handle or DOI resolves to it)."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        dataset = iri(dataset_iri(g.ctx.base, g.ctx.source, v))
        g.add(dataset, iri(prop), g.subject)
        g.add(g.subject, DCAT.accessURL, dataset)


@field_transform()
def data_files(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``dataFileList[{path, size, time, chk}]`` → the total ``dcat:byteSize`` of the distribution and
    one file node each (``schema:MediaObject`` with ``schema:name`` = path, ``schema:contentSize``
    bytes, ``dct:modified``), under the row's property."""
    total = 0
    any_size = False
    for e in _items(elements):
        if not isinstance(e, dict):
            continue
        path = scalar(e.get("path"))
        if not path:
            g.note("dataFileList", "file without a path not mapped", severity="Info")
            continue
        node = g.blank("file")
        g.add(g.subject, iri(prop), node)
        g.add(node, RDF.type, SCHEMA.MediaObject)
        g.add(node, SCHEMA.name, literal(path))
        n = scalar(e.get("size"))
        if re.fullmatch(r"\d+", n):
            total += int(n)
            any_size = True
            g.add(node, SCHEMA.contentSize, literal(n, datatype=XSD.raw("nonNegativeInteger")))
        t = scalar(e.get("time"))
        if t:
            d = g.date_term(t, field_="dataFileList/time")
            if d:
                g.add(node, DCT.modified, d)
    if any_size:
        g.add(g.subject, DCAT.byteSize, literal(str(total), datatype=XSD.raw("nonNegativeInteger")))


def _instrument_node(g: RecordGraph, ident: str, *, label: str | None = None, homepage: str | None = None) -> Term:
    return add_instrument(g, instrument_iri(g.ctx.base, g.ctx.source, ident), label=label, homepage=homepage)


@field_transform(needs_property=False)
def instrument(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``instrumentId`` (or a list of them) → the dataset ``prov:wasGeneratedBy`` its activity (the
    proposal's, else one per record) which ``prov:used`` the instrument (``pangraph:Instrument``;
    the instrument record's own IRI)."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        node = _instrument_node(g, v)
        for activity in generating_activities(g):
            g.add(activity, PROV.used, node)


@field_transform(needs_property=False)
def instrument_by_name(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An instrument given by name (``creationLocation`` ``BioMAX``; ILL ``instruments[{name, url}]``)
    → ``pangraph:Instrument`` minted by name (``rdfs:label``, ``foaf:homepage``) used by the activity."""
    for e in _items(elements):
        name = scalar(e.get("name")) if isinstance(e, dict) else scalar(e)
        url = scalar(e.get("url")) if isinstance(e, dict) else ""
        if not name:
            continue
        node = _instrument_node(g, name, label=name, homepage=url or None)
        for activity in generating_activities(g):
            g.add(activity, PROV.used, node)


@field_transform(needs_property=False)
def proposal(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``proposalId`` (or a list) → ``prov:wasGeneratedBy`` the proposal's ``prov:Activity`` (minted per
    source from the id: the proposal record's own IRI). Must come before the instrument rows."""
    found = [scalar(e) for e in elements if scalar(e)]
    if found:
        memo(g).setdefault("proposals", []).extend(p for p in found if p not in memo(g).get("proposals", []))
        g.activity(found)


@field_transform(needs_property=False)
def sample(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``sampleId`` (or a list) → a ``sosa:Sample`` (the sample record's IRI) that the dataset's
    generating activity ``prov:used``."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        node = iri(sample_iri(g.ctx.base, g.ctx.source, v))
        g.add(node, RDF.type, SOSA.Sample)
        g.add(node, RDF.type, PROV.Entity)
        for activity in generating_activities(g):
            g.add(activity, PROV.used, node)


@field_transform(needs_property=False)
def sample_formula(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A sample given by its chemical formula / description text (ILL ``sampleParameters``) → a
    ``sosa:Sample`` minted per record with ``rdfs:label`` and ``schema:molecularFormula``, used by the
    activity."""
    for e in _items(elements):
        values = e.items() if isinstance(e, dict) else [("", e)]
        for key, value in values:
            v = block(value)
            if not v:
                continue
            node = g.mint("sample", f"{g.key}-{slug(v)}")
            g.add(node, RDF.type, SOSA.Sample)
            g.add(node, RDF.type, PROV.Entity)
            g.add(node, RDFS.label, literal(v))
            if key.lower() in ("formula", "chemicalformula", "molecularformula"):
                g.add(node, SCHEMA.molecularFormula, literal(v))
            for activity in generating_activities(g):
                g.add(activity, PROV.used, node)


@field_transform()
def software(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``usedSoftware`` URLs/DOIs → the generating activity ``prov:used`` the software (DOI IRI,
    repository or catalogue URL); text that is no identifier is noted."""
    for e in elements:
        v = scalar(e)
        if not v:
            continue
        target = related_resource_iri(v)
        if target is None:
            g.note("usedSoftware", "software is not given by URL or DOI; not linked", severity="Info", value=v)
            continue
        for activity in generating_activities(g):
            g.add(activity, iri(prop), iri(target))


_DOI_IN_TEXT = re.compile(r"10\.\d{4,9}/[^\s\"'<>,;]+", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)


def dois_in_text(value: str) -> list[str]:
    """The DOIs written anywhere in free text (citations, ``https://doi.org/…``, ``doi:…``,
    ``https://pubs.acs.org/doi/abs/10.…``), without trailing punctuation, in order, once each."""
    out = []
    for m in _DOI_IN_TEXT.finditer(value):
        d = m.group(0).rstrip(".)]}")
        if d.lower() not in (x.lower() for x in out):
            out.append(d)
    return out


@field_transform()
def publications_in_text(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Free-text citations (``relatedPublications``) → the row's property to every DOI IRI found in
    the text, each with the citation as ``dct:bibliographicCitation``; a citation without a DOI links
    its URL (Info note), one with neither is noted."""
    for e in elements:
        v = block(e)
        if not v:
            continue
        dois = dois_in_text(v)
        targets = [ids.doi_iri(d) for d in dois]
        targets = [t for t in targets if t]
        if not targets:
            urls = [u.rstrip(".,;)") for u in _URL_IN_TEXT.findall(v)]
            targets = [u for u in urls if ids.url_iri(u)][:1]
            if targets:
                g.note("relatedPublications", "citation without a DOI; linked by its URL", severity="Info",
                       value=v[:200])
        if not targets:
            g.note("relatedPublications", "citation holds no DOI or URL; not linked", severity="Info", value=v[:200])
            continue
        for t in targets:
            g.add(g.subject, iri(prop), iri(t))
            g.add(iri(t), DCT.bibliographicCitation, literal(v))


# --- the types of the record's own resource ---------------------------------------------------------------

@field_transform(needs_property=False)
def entity(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """The record's resource is also a ``prov:Entity`` (instruments, samples)."""
    if elements:
        g.add(g.subject, RDF.type, PROV.Entity)


@field_transform()
def label(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A name → ``rdfs:label`` (and the row's property when it is another one)."""
    for e in elements:
        v = scalar(e)
        if v:
            g.add(g.subject, RDFS.label, literal(v))
            if prop and iri(prop) != RDFS.label:
                g.add(g.subject, iri(prop), literal(v))


@field_transform()
def facility(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A facility by name, ROR or object (``{name, fullName, url}``) → organisation under the row's
    property (ROR IRI when given, else minted by name)."""
    for e in _items(elements):
        if isinstance(e, dict):
            name = scalar(e.get("fullName")) or scalar(e.get("name"))
            pid = ids.ror_iri(scalar(e.get("pid"))) if e.get("pid") else None
            url = scalar(e.get("url"))
        else:
            name, pid, url = scalar(e), ids.ror_iri(scalar(e)), ""
        if not name and not pid:
            continue
        node = g.organization(name if not pid or name != pid else "", pid=pid, field_="facility")
        if url and ids.url_iri(url):
            g.add(node, FOAF.homepage, iri(url))
        g.add(g.subject, iri(prop), node)


# --- proposals ----------------------------------------------------------------------------------------------

@field_transform(needs_property=False)
def remember_given_name(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """Keep a first name (``pi_firstname``/``firstname``) for the family-name row that follows."""
    for e in elements:
        v = scalar(e)
        if v:
            memo(g)["given"] = v


@field_transform()
def pi_family_name(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A proposal's principal investigator (remembered first name + this last name) →
    ``prov:wasAssociatedWith`` person and ``prov:qualifiedAssociation`` with role ProjectLeader."""
    _associate(g, elements, prop, "ProjectLeader")


@field_transform()
def proposer_family_name(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """A proposal's main proposer (remembered first name + last name) → ``prov:wasAssociatedWith``
    person with role ContactPerson."""
    _associate(g, elements, prop, "ContactPerson")


def _associate(g: RecordGraph, elements: list[Any], prop: str | None, role_name: str) -> None:
    given = memo(g).pop("given", None)
    for e in elements[:1]:
        family = scalar(e)
        if not family and not given:
            continue
        node = person(g, " ".join(p for p in (given, family) if p), given=given, family=family or None,
                      field_=role_name)
        if node is None:
            continue
        g.add(g.subject, iri(prop), node)
        add_role(g, node, role_name, activity=True)


@field_transform(needs_property=False)
def measurement_periods(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """``MeasurementPeriodList[{start, end, instrument}]`` → ``prov:startedAtTime`` (earliest start),
    ``prov:endedAtTime`` (latest end) and ``prov:used`` the instrument named by each period."""
    starts, ends = [], []
    for e in _items(elements):
        if not isinstance(e, dict):
            continue
        for key, out in (("start", starts), ("end", ends)):
            v = scalar(e.get(key))
            if v:
                out.append(v)
        name = scalar(e.get("instrument"))
        if name:
            g.add(g.subject, PROV.used, _instrument_node(g, name, label=name))
    for values, p in ((starts, PROV.startedAtTime), (ends, PROV.endedAtTime)):
        if values:
            value = min(values) if p == PROV.startedAtTime else max(values)
            term = g.date_term(value, field_="MeasurementPeriodList")
            if term:
                g.add(g.subject, p, term)


_CYCLE_DATES = re.compile(r"(\d{2})-(\d{2})-(\d{4})")


@field_transform(needs_property=False)
def cycles(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """ILL cycles ``"20203 (11-08-2020 - 28-09-2020 )"`` → ``dct:temporal`` period (dd-mm-yyyy dates);
    text without dates is noted."""
    for e in elements:
        v = scalar(e)
        found = _CYCLE_DATES.findall(v)
        if len(found) >= 2:
            (d1, m1, y1), (d2, m2, y2) = found[0], found[-1]
            g.add_period(f"{y1}-{m1}-{d1}", end=f"{y2}-{m2}-{d2}", field_="cycles")
        elif v:
            g.note("cycles", "cycle without dd-mm-yyyy dates; not mapped", severity="Info", value=v)


@field_transform()
def named_parameters(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """An object of named values (ILL ``experimentalParameters``) → one ``schema:PropertyValue`` each
    (value text, no unit)."""
    for e in _items(elements):
        if isinstance(e, dict):
            for k, v in e.items():
                add_property_value(g, prop, str(k), v, unit="")


#: the transforms the SciCat and PaN-Finder field crosswalks may use
TRANSFORMS = {
    "doi": doi,
    "dataset_pid": dataset_pid,
    "instrument_id": instrument_id,
    "proposal_id": proposal_id,
    "sample_id": sample_id,
    "datablock_id": datablock_id,
    "text": text,
    "long_text": long_text,
    "identifier": identifier,
    "date": date,
    "keyword": keyword,
    "landing_page": landing_page,
    "web_page": web_page,
    "rights": rights,
    "resource_type": resource_type,
    "size": size,
    "format": data_format,
    "number_of_files": number_of_files,
    "remember_orcid": remember_orcid,
    "owner": owner,
    "name_agents": name_agents,
    "contributor_role": contributor_role,
    "contact_email": contact_email,
    "publisher_name": publisher_name,
    "techniques": techniques,
    "scientific_metadata": scientific_metadata,
    "dataset_ref": dataset_ref,
    "dataset_of_datablock": dataset_of_datablock,
    "data_files": data_files,
    "instrument": instrument,
    "instrument_by_name": instrument_by_name,
    "proposal": proposal,
    "sample": sample,
    "sample_formula": sample_formula,
    "software": software,
    "publications_in_text": publications_in_text,
    "entity": entity,
    "label": label,
    "facility": facility,
    "remember_given_name": remember_given_name,
    "pi_family_name": pi_family_name,
    "proposer_family_name": proposer_family_name,
    "measurement_periods": measurement_periods,
    "cycles": cycles,
    "named_parameters": named_parameters,
}

_DCAT_DATASET = DCAT.raw("Dataset")

FORMATS = {
    "scicat-dataset": TRANSFORMS,
    "scicat-published-data": TRANSFORMS,
    "scicat-instrument": TRANSFORMS,
    "scicat-proposal": TRANSFORMS,
    "scicat-sample": TRANSFORMS,
    "scicat-origdatablock": TRANSFORMS,
    "pan-finder-document": TRANSFORMS,
}


def _format_info() -> dict[str, FormatInfo]:
    return {
        "scicat-dataset": FormatInfo(syntax="json", kind="dataset", main_type=_DCAT_DATASET, mint="dataset"),
        "scicat-published-data": FormatInfo(syntax="json", kind="dataset", main_type=_DCAT_DATASET, mint="dataset"),
        "scicat-instrument": FormatInfo(syntax="json", kind="instrument", main_type=PANGRAPH.raw("Instrument"),
                                        mint="instrument"),
        "scicat-proposal": FormatInfo(syntax="json", kind="proposal", main_type=PROV.raw("Activity"), mint="proposal"),
        "scicat-sample": FormatInfo(syntax="json", kind="sample", main_type=SOSA.raw("Sample"), mint="sample"),
        "scicat-origdatablock": FormatInfo(syntax="json", kind="distribution", main_type=DCAT.raw("Distribution"),
                                           mint="distribution"),
        "pan-finder-document": FormatInfo(syntax="json", kind="dataset", main_type=_DCAT_DATASET, mint="dataset"),
    }


FORMAT_INFO = _format_info()

__all__ = ["FORMATS", "FORMAT_INFO", "TRANSFORMS", "add_property_value", "block", "dataset_iri", "dois_in_text",
           "instrument_iri", "plain", "proposal_iri", "sample_iri", "scalar", "technique_value", "typed_value"]
