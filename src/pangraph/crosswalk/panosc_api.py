"""Transforms of the PaNOSC search API records (formats ``panosc-dataset``, ``panosc-document``,
``panosc-instrument``): one LoopBack JSON item with its included relations, as
:mod:`pangraph.sources.panosc` archives it. The rows of ``mappings/panosc-*-dcat.tsv`` use them.

Real providers differ (REAL-DATA.md §2.5): pids are strings or numbers, parameters carry ``unit`` or
``units`` (``"NA"``, ``"None"``), people an ``orcid`` or an ``ORCiD`` without scheme, hidden values the
placeholder ``"PRIVATE"``, and technique pids are PaNET IRIs, local ids or numbers. All of that is read
here; what cannot be used is kept as text or noted, never dropped silently.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from pangraph import iri as ids
from pangraph.crosswalk.oai_dc import SOSA
from pangraph.crosswalk.record_graph import (Affiliation, NameIdentifier, RecordGraph, field_transform, slug,
                                             subject_transform)
from pangraph.crosswalk.transforms import FormatInfo
from pangraph.rdf import (DCAT, DCT, FOAF, ORG, PANGRAPH, PROV, RDF, RDFS, SCHEMA, VCARD, XSD, Term, iri,
                          iri_value, literal)

#: values a provider writes for something it does not disclose
PLACEHOLDERS = frozenset({"private"})
#: unit values that mean "no unit"
NO_UNIT = frozenset({"", "na", "n/a", "none", "null", "-"})

_OPEN = "info:eu-repo/semantics/openAccess"
_CLOSED = "info:eu-repo/semantics/closedAccess"


# --- reading JSON values -------------------------------------------------------------------------------


def scalar(value: Any) -> str | None:
    """A JSON scalar as text (numbers as written, booleans as ``true``/``false``); None for null,
    objects, arrays and blank strings."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None


def _is_placeholder(text: str | None) -> bool:
    return (text or "").strip().lower() in PLACEHOLDERS


def _state(g: RecordGraph) -> dict[str, Any]:
    """What earlier rows of this record learnt (the document type, whether an instrument was included, the
    title, instrument name and dates that :func:`summary` composes a description of)."""
    return g.__dict__.setdefault("_panosc", {})


def entity_iri(g: RecordGraph, kind: str, pid: Any) -> str | None:
    """The IRI of a PaNOSC entity from its pid: the DOI or Handle IRI when the pid is one, else minted
    ``{base}/id/{kind}/{source}/{pid}`` (the same from every record of the source)."""
    text = scalar(pid)
    if text is None:
        return None
    return ids.doi_iri(text) or ids.handle_iri(text) or ids.mint(g.ctx.base, kind, g.ctx.source, ids.local_key(text))


def _number_or_text(value: Any) -> Term:
    if isinstance(value, bool):
        return literal("true" if value else "false", datatype=XSD.raw("boolean"))
    if isinstance(value, int):
        return literal(str(value), datatype=XSD.raw("integer"))
    if isinstance(value, float):
        return literal(repr(value), datatype=XSD.raw("double"))
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return literal(text, datatype=XSD.raw("integer"))
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", text):
        return literal(text, datatype=XSD.raw("double"))
    return literal(text)


# --- shared -------------------------------------------------------------------------------------------


@field_transform()
def identifier(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """The pid as written (numbers as text) → literal."""
    for v in values:
        text = scalar(v)
        if text:
            g.add(g.subject, iri(prop), literal(text))


@field_transform()
def text(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Text → literal; ``PRIVATE`` placeholders are noted and not mapped."""
    for v in values:
        t = scalar(v)
        if t is None:
            continue
        if _is_placeholder(t):
            g.note(_local(prop), "value withheld by the provider (placeholder); not mapped", severity="Info", value=t)
            continue
        g.add(g.subject, iri(prop), literal(" ".join(t.split())))
        _state(g).setdefault(_local(prop), " ".join(t.split()))


@field_transform()
def date(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A date → typed literal (``xsd:date``/``dateTime`` …); invalid dates stay plain literals with a note."""
    for v in values:
        t = scalar(v)
        if t:
            g.add_date(iri(prop), t, field_=_local(prop))
            _state(g).setdefault(_local(prop), t)


@field_transform()
def access(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """``isPublic`` → EU access right PUBLIC (true) or NON_PUBLIC (false) via ``mappings/access-rights.tsv``."""
    for v in values:
        flag = v if isinstance(v, bool) else {"true": True, "false": False}.get((scalar(v) or "").lower())
        if flag is None:
            g.note("isPublic", "not a boolean; access rights not mapped", value=scalar(v))
            continue
        row = g.mappings.access_rights.lookup(_OPEN if flag else _CLOSED)
        if row is not None:
            g.add(g.subject, iri(prop), iri(row.object_id))
            g.add(iri(row.object_id), RDF.type, DCT.RightsStatement)


@field_transform()
def parameter(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A Parameter ``{name, value, unit|units}`` → ``schema:PropertyValue`` with ``schema:name``,
    ``schema:value`` (typed number when numeric), ``schema:unitText`` and ``schema:unitCode`` (QUDT IRI
    from ``mappings/units.tsv``); ``NA``/``None``/empty units mean no unit."""
    for p in values:
        if not isinstance(p, dict):
            g.note("parameters", "parameter is not an object; skipped", value=scalar(p))
            continue
        name = scalar(p.get("name"))
        value = p.get("value")
        if isinstance(value, (dict, list)):
            value = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
        if name is None or value is None or (isinstance(value, str) and not value.strip()):
            g.note("parameters", "parameter without a name or a value; skipped", severity="Info",
                   value=f"{name}={value!r}")
            continue
        node = g.blank("parameter")
        g.add(g.subject, iri(prop), node)
        g.add(node, RDF.type, SCHEMA.PropertyValue)
        g.add(node, SCHEMA.name, literal(name))
        g.add(node, SCHEMA.value, _number_or_text(value))
        if name.lower() in ("technique", "techniques") and isinstance(value, str) and g.subject.startswith("<"):
            match = g.ctx.techniques.resolve(value.strip())
            if match is not None and g.has(RDF.type) and DCAT.Dataset in g.objects(g.subject, RDF.type):
                g.add_technique(match, field_="parameters/technique")
        unit = scalar(p.get("unit")) if p.get("unit") not in (None, "") else scalar(p.get("units"))
        if unit is None or unit.lower() in NO_UNIT:
            continue
        g.add(node, SCHEMA.unitText, literal(unit))
        row = g.mappings.units.lookup(unit)
        if row is None:
            g.note("parameters/unit", "unit not in mappings/units.tsv; kept as text only", severity="Info",
                   value=unit)
        else:
            g.add(node, SCHEMA.unitCode, iri(row.object_id))


def _local(prop: str | None) -> str:
    return re.split(r"[#/]", prop or "")[-1] or "value"


# --- Dataset ------------------------------------------------------------------------------------------


@subject_transform
def dataset_pid(g: RecordGraph, values: list[Any]) -> str | None:
    """The dataset IRI from its pid (DOI, Handle, else minted)."""
    for v in values:
        found = entity_iri(g, "dataset", v)
        if found:
            return found
    return None


@field_transform()
def size(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """The dataset's size in bytes → ``dcat:byteSize`` of its distribution."""
    for v in values:
        t = scalar(v)
        if t:
            g.distribution_size(t if not re.fullmatch(r"\d+\.0+", t) else t.split(".")[0], field_="size")


def _activity(g: RecordGraph) -> Term:
    return g.activity([])[0]


@field_transform()
def instrument(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """The included instrument → the dataset ``prov:wasGeneratedBy`` an activity that ``prov:used`` the
    instrument IRI (with its label; the Instrument's own record describes it)."""
    for v in values:
        if not isinstance(v, dict):
            continue
        node = entity_iri(g, "instrument", v.get("pid"))
        if node is None:
            g.note("instrument", "included instrument without pid; not linked", value=scalar(v.get("name")))
            continue
        _state(g)["instrument"] = True
        g.add(_activity(g), iri(prop), iri(node))
        name = scalar(v.get("name"))
        if name and not _is_placeholder(name):
            g.add(iri(node), RDFS.label, literal(name))
            _state(g).setdefault("instrument_name", name)


@field_transform(needs_property=False)
def instrument_reference(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """An ``instrumentId`` whose instrument was not included: a dangling reference, noted."""
    if _state(g).get("instrument"):
        return
    for v in values:
        t = scalar(v)
        if t:
            g.note("instrumentId", "the source did not include this instrument (dangling reference); not linked",
                   value=t)


@field_transform()
def facility(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A facility name → organisation (ROR when the name is one, else minted by name) for the row's property."""
    for v in values[:1]:
        org = _facility(g, v)
        if org is not None:
            g.add(g.subject, iri(prop), org)


def _facility(g: RecordGraph, value: Any) -> Term | None:
    name = scalar(value)
    if not name or _is_placeholder(name):
        return None
    return g.affiliation(Affiliation(name), field_="facility")


@field_transform()
def technique(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A Technique ``{pid, name, panetId}`` → ``schema:measurementTechnique <PaNET IRI>``: the PaNET IRI of
    ``panetId`` or ``pid`` (any spelling), checked against ``name`` (a mismatch is noted); a local pid
    is resolved by the name; a technique PaNET does not know is kept as a keyword, with a note."""
    for t in values:
        if not isinstance(t, dict):
            t = {"pid": t}
        name = scalar(t.get("name"))
        panet_ids = []
        for key in ("panetId", "pid"):
            value = scalar(t.get(key))
            if value and ids.panet_iri(value) and ids.panet_iri(value) not in panet_ids:
                panet_ids.append(ids.panet_iri(value))
        if len(panet_ids) > 1:
            g.note("techniques", "pid and panetId name different PaNET classes; both kept", value=", ".join(panet_ids))
        found = False
        for panet in panet_ids:
            found = g.technique_from_identifier(panet, name, field_="techniques") or found
        if found:
            continue
        match = g.ctx.techniques.resolve(name) if name else None
        if match is not None:
            g.add_technique(match, field_="techniques")
            if not panet_ids:
                g.note("techniques", "technique with a local pid; PaNET class found by its name", severity="Info",
                       value=f"{scalar(t.get('pid'))}: {name}")
            continue
        label = name or scalar(t.get("pid"))
        if label:
            g.note("techniques", "technique not found in PaNET; kept as keyword", value=label)
            g.add(g.subject, DCAT.keyword, literal(label))


@field_transform()
def sample(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A Sample ``{pid, name, description}`` → ``sosa:Sample`` (IRI from its pid, shared by the datasets of
    the source) that the dataset's generating activity ``prov:used``."""
    for s in values:
        if not isinstance(s, dict):
            continue
        name = scalar(s.get("name"))
        node_iri = entity_iri(g, "sample", s.get("pid"))
        if node_iri is None:
            if not name:
                continue
            node_iri = ids.mint(g.ctx.base, "sample", g.ctx.source, f"{g.key}-{slug(name)}")
        node = iri(node_iri)
        g.add(node, RDF.type, SOSA.Sample)
        g.add(node, RDF.type, PROV.Entity)
        if name and not _is_placeholder(name):
            g.add(node, RDFS.label, literal(name))
        elif name:
            g.note("samples/name", "sample name withheld by the provider (placeholder)", severity="Info", value=name)
        description = scalar(s.get("description"))
        if description and not _is_placeholder(description):
            g.add(node, DCT.description, literal(description))
        pid = scalar(s.get("pid"))
        if pid:
            g.add(node, DCT.identifier, literal(pid))
        g.add(_activity(g), iri(prop), node)


@field_transform()
def file(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A File ``{id, name, path, size}`` → ``dcat:Distribution`` minted per file, with ``dct:title`` (the
    name), ``dct:identifier`` (path/name), ``dcat:byteSize`` and ``dcat:accessURL`` (required by DCAT-AP 3):
    the dataset's DOI or Handle when it has one (its resolver leads to the facility's access page), else the
    dataset's own IRI, which the node serves as its landing page."""
    access_url = iri_value(g.subject)
    for n, f in enumerate(values, start=1):
        if not isinstance(f, dict):
            continue
        key = scalar(f.get("id")) or scalar(f.get("name")) or str(n)
        node = g.mint("distribution", f"{g.key}-file-{ids.local_key(key)}")
        g.add(g.subject, iri(prop), node)
        g.add(node, RDF.type, DCAT.Distribution)
        name = scalar(f.get("name"))
        path = scalar(f.get("path"))
        if name:
            g.add(node, DCT.title, literal(name))
        if path or name:
            full = f"{path.rstrip('/')}/{name}" if path and name and not path.endswith(name) else (path or name)
            g.add(node, DCT.identifier, literal(full))
        size_text = scalar(f.get("size"))
        if size_text and re.fullmatch(r"\d+(\.0+)?", size_text):
            g.add(node, DCAT.byteSize, literal(size_text.split(".")[0], datatype=XSD.raw("nonNegativeInteger")))
        elif size_text:
            g.note("files/size", "file size is not a number of bytes; not mapped", value=size_text)
        g.add(node, DCAT.accessURL, iri(access_url))


@field_transform(needs_property=False)
def summary(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """DCAT-AP 3 requires a title and a description, and a PaNOSC Dataset has no description field (and its
    title may be a placeholder). Run last: a dataset without a title gets ``Dataset {pid}``, one without a
    description gets one composed of the record's own facts (title, techniques, instrument, creation date).
    Both are noted (Info), so curators see that the text was generated, not written by the facility."""
    state = _state(g)
    pid = next((scalar(v) for v in values if scalar(v)), None) or g.key
    title = state.get("title")
    if not g.has(DCT.title):
        title = f"Dataset {pid}"
        g.add(g.subject, DCT.title, literal(title))
        g.note("title", "no title in the source; one was made from the pid", severity="Info", value=title)
    if g.has(DCT.description):
        return
    label = getattr(g.ctx.techniques, "label", None)
    techniques = [label(iri_value(t)) or iri_value(t) if label else iri_value(t)
                  for t in g.objects(g.subject, SCHEMA.measurementTechnique)]
    parts = [f"Dataset {title}"]
    if techniques:
        parts.append("measured with " + ", ".join(techniques))
    if state.get("instrument_name"):
        parts.append(f"on the instrument {state['instrument_name']}")
    created = state.get("created")
    text = " ".join(parts) + (f", created {created}" if created else "") + "."
    g.add(g.subject, DCT.description, literal(text))
    g.note("description", "no description in the source; one was composed from the record's title, techniques, "
           "instrument and dates", severity="Info", value=text)


# --- Document -----------------------------------------------------------------------------------------

_DOC_TYPES = {"proposal": "proposal", "publication": "publication"}


@subject_transform
def document_type(g: RecordGraph, values: list[Any]) -> str | None:
    """Remember the document's type (``proposal``, ``publication``, anything else ``other``); proposes no IRI."""
    raw = scalar(values[0]) if values else None
    _state(g)["type"] = _DOC_TYPES.get((raw or "").lower(), "other")
    return None


@subject_transform
def publication_doi(g: RecordGraph, values: list[Any]) -> str | None:
    """A publication's DOI IRI."""
    if _state(g).get("type") != "publication":
        return None
    for v in values:
        found = ids.doi_iri(scalar(v) or "")
        if found:
            return found
    return None


def document_iri(g: RecordGraph, pid: Any, doc_type: str) -> str | None:
    """The IRI of a document: a proposal is the experiment, ``{base}/id/proposal/{source}/{slug(pid)}`` (the
    pattern of the DataCite crosswalk's ESRF proposals); a publication its DOI; else minted."""
    text = scalar(pid)
    if text is None:
        return None
    if doc_type == "proposal":
        return ids.mint(g.ctx.base, "proposal", g.ctx.source, slug(text))
    if doc_type == "publication":
        return ids.doi_iri(text) or ids.mint(g.ctx.base, "publication", g.ctx.source, ids.local_key(text))
    return ids.mint(g.ctx.base, "document", g.ctx.source, ids.local_key(text))


@subject_transform
def document_pid(g: RecordGraph, values: list[Any]) -> str | None:
    """The document IRI from its pid and type (see :func:`document_iri`)."""
    for v in values:
        found = document_iri(g, v, _state(g).get("type", "other"))
        if found:
            return found
    return None


@field_transform()
def document_class(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """proposal → ``prov:Activity``, publication → ``schema:ScholarlyArticle``; the type as written →
    ``schema:additionalType``; an unknown type is noted."""
    doc_type = _state(g).get("type", "other")
    if doc_type == "proposal":
        g.add(g.subject, iri(prop), PROV.Activity)
    elif doc_type == "publication":
        g.add(g.subject, iri(prop), SCHEMA.ScholarlyArticle)
    for v in values:
        t = scalar(v)
        if t:
            g.add(g.subject, SCHEMA.additionalType, literal(t))
            if doc_type == "other":
                g.note("type", "document type is neither proposal nor publication; kept as a creative work",
                       severity="Info", value=t)


@field_transform()
def document_doi(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """The DOI of a document that is not its IRI (a proposal's experiment-session DOI) → the row's property
    with the DOI IRI; blank or unreadable DOIs are noted."""
    for v in values:
        t = scalar(v)
        if not t:
            continue
        found = ids.doi_iri(t)
        if found is None:
            g.note("doi", "not a DOI; not linked", value=t)
        elif iri(found) != g.subject:
            g.add(g.subject, iri(prop), iri(found))


@field_transform()
def license(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A licence (SPDX id, URL or name) → ``dct:license`` SPDX IRI via ``mappings/licenses.tsv``."""
    for v in values:
        t = scalar(v)
        if not t:
            continue
        if ids.url_iri(t):
            g.rights(field_="license", uri=t)
        else:
            g.rights(field_="license", identifier=t, scheme="SPDX" if re.fullmatch(r"[A-Za-z0-9.+-]+", t) else None,
                     text=t)


def _orcid_value(person: dict[str, Any]) -> str | None:
    for key, value in person.items():
        if "orcid" in key.lower() and scalar(value):
            return scalar(value)
    return None


def _person(g: RecordGraph, person: dict[str, Any]) -> Term | None:
    """A Person → ``foaf:Person``: ORCID IRI (from ``orcid``, ``ORCiD`` … in any spelling) when valid, else
    minted from the source's person id ``{base}/id/person/{source}/{id}`` (one node per person of the
    source); PRIVATE names are not used: a person with neither name nor ORCID is an anonymous ``prov:Agent``
    (its id, no name)."""
    name = scalar(person.get("fullName"))
    given, family = scalar(person.get("firstName")), scalar(person.get("lastName"))
    if _is_placeholder(name):
        g.note("members/person/fullName", "person name withheld by the provider (placeholder)", severity="Info",
               value=name)
        name = None
    identifiers = []
    orcid = _orcid_value(person)
    if orcid:
        identifiers.append(NameIdentifier(orcid, "ORCID"))
    researcher = scalar(person.get("researcherId"))
    if researcher:
        identifiers.append(NameIdentifier(researcher, "ResearcherID"))
    if orcid and g.orcid(orcid, field_="members/person/orcid"):
        return g.person(name or " ".join(p for p in (given, family) if p) or orcid, given=given, family=family,
                        identifiers=identifiers, field_="members/person")
    pid = scalar(person.get("id"))
    if not (name or given or family):
        if pid is None:
            return None
        # A foaf:Agent must have a name (DCAT-AP 3); a participant whose name the provider withholds keeps
        # its role and the provider's stable id (the same person across proposals) as an anonymous prov:Agent.
        node = iri(ids.mint(g.ctx.base, "person", g.ctx.source, ids.local_key(pid)))
        g.add(node, RDF.type, PROV.Agent)
        g.add(node, DCT.identifier, literal(pid))
        return node
    if pid:
        node = iri(ids.mint(g.ctx.base, "person", g.ctx.source, ids.local_key(pid)))
    else:
        node = g.mint("person", f"{g.key}-{slug(name or f'{given} {family}')}")
    g.add(node, RDF.type, FOAF.Person)
    g.add(node, RDF.type, FOAF.Agent)
    display = f"{given} {family}" if given and family else (name or given or family)
    if display:
        g.add(node, FOAF.name, literal(display))
    if given:
        g.add(node, FOAF.givenName, literal(given))
    if family:
        g.add(node, FOAF.familyName, literal(family))
    if researcher:
        g.add(node, DCT.identifier, literal(researcher))
    return node


def _affiliation(g: RecordGraph, aff: dict[str, Any]) -> Term | None:
    name = scalar(aff.get("name"))
    if not name or _is_placeholder(name):
        return None
    org = g.affiliation(Affiliation(name), field_="members/affiliation")
    if org is None:
        return None
    parts = {VCARD["street-address"]: scalar(aff.get("address")), VCARD.locality: scalar(aff.get("city")),
             VCARD["country-name"]: scalar(aff.get("country"))}
    done = _state(g).setdefault("addresses", set())
    if any(parts.values()) and org not in done:
        done.add(org)
        address = g.blank("address")
        g.add(org, VCARD.hasAddress, address)
        g.add(address, RDF.type, VCARD.Address)
        for p, value in parts.items():
            if value:
                g.add(address, p, literal(value))
    return org


def _role(g: RecordGraph, role: str) -> Term:
    """The role IRI: from ``mappings/contributor-roles.tsv`` when it names the role, else minted per source
    ``{base}/id/role/{source}/{slug}`` (a ``prov:Role`` with its text as label)."""
    row = g.mappings.contributor_roles.lookup(role)
    if row is not None:
        return iri(row.object_id)
    node = g.mint("role", slug(role))
    g.add(node, RDF.type, PROV.Role)
    g.add(node, RDFS.label, literal(role))
    return node


@field_transform()
def member(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A Member ``{role, person, affiliation}`` → the person (``org:memberOf`` the affiliation) as the
    row's property; the role on a qualified attribution (publication, other) or association (proposal,
    an activity): ``[prov:agent <person>; dcat:hadRole <role>]``."""
    is_activity = _state(g).get("type") == "proposal"
    for m in values:
        if not isinstance(m, dict):
            continue
        person = m.get("person")
        if not isinstance(person, dict):
            g.note("members", "member without its person (not included by the source); skipped", value=scalar(m.get("personId")))
            continue
        agent = _person(g, person)
        if agent is None:
            g.note("members", "member whose person has neither name nor id; skipped", value=scalar(m.get("id")))
            continue
        aff = m.get("affiliation")
        org = _affiliation(g, aff) if isinstance(aff, dict) else None
        if org is not None:
            g.add(agent, ORG.memberOf, org)
        if is_activity:
            g.add(g.subject, PROV.wasAssociatedWith, agent)
        else:
            g.add(g.subject, iri(prop), agent)
        role = scalar(m.get("role"))
        if role:
            kind = "association" if is_activity else "attribution"
            node = g.blank(kind)
            g.add(g.subject, PROV.qualifiedAssociation if is_activity else PROV.qualifiedAttribution, node)
            g.add(node, RDF.type, PROV.Association if is_activity else PROV.Attribution)
            g.add(node, PROV.agent, agent)
            g.add(node, DCAT.hadRole, _role(g, role))


@field_transform(needs_property=False)
def document_datasets(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """The document's datasets (by pid): a proposal generated them (``dataset prov:wasGeneratedBy``), a
    publication references them (``dataset dct:isReferencedBy``), another document relates to them."""
    link = {"proposal": PROV.wasGeneratedBy, "publication": DCT.isReferencedBy}.get(_state(g).get("type"),
                                                                                    DCT.relation)
    for d in values:
        pid = d.get("pid") if isinstance(d, dict) else d
        target = entity_iri(g, "dataset", pid)
        if target is None:
            g.note("datasets", "included dataset without pid; not linked")
            continue
        g.add(iri(target), link, g.subject)


# --- Instrument ---------------------------------------------------------------------------------------


@subject_transform
def instrument_pid(g: RecordGraph, values: list[Any]) -> str | None:
    """The instrument IRI: a PIDINST DOI or Handle, else minted from the pid."""
    for v in values:
        found = entity_iri(g, "instrument", v)
        if found:
            return found
    return None


@field_transform()
def instrument_label(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """The instrument's name → the row's property (``rdfs:label``); the instrument is a ``prov:Entity``."""
    g.add(g.subject, RDF.type, PROV.Entity)
    for v in values:
        t = scalar(v)
        if t:
            g.add(g.subject, iri(prop), literal(t))


@field_transform()
def hosting_facility(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """The facility hosting the instrument → the row's property (``prov:wasAttributedTo``) with the
    organisation, and a qualified attribution with the role Hosting Institution."""
    for v in values[:1]:
        org = _facility(g, v)
        if org is None:
            continue
        g.add(g.subject, iri(prop), org)
        node = g.blank("attribution")
        g.add(g.subject, PROV.qualifiedAttribution, node)
        g.add(node, RDF.type, PROV.Attribution)
        g.add(node, PROV.agent, org)
        g.add(node, DCAT.hadRole, _role(g, "HostingInstitution"))


# --- registry -----------------------------------------------------------------------------------------

_SHARED = {"identifier": identifier, "text": text, "date": date, "access": access, "parameter": parameter}

FORMATS = {
    "panosc-dataset": {**_SHARED, "dataset_pid": dataset_pid, "size": size, "instrument": instrument,
                       "instrument_reference": instrument_reference, "facility": facility, "technique": technique,
                       "sample": sample, "file": file, "summary": summary},
    "panosc-document": {**_SHARED, "document_type": document_type, "publication_doi": publication_doi,
                        "document_pid": document_pid, "document_class": document_class,
                        "document_doi": document_doi, "license": license, "member": member,
                        "document_datasets": document_datasets},
    "panosc-instrument": {**_SHARED, "instrument_pid": instrument_pid, "instrument_label": instrument_label,
                          "hosting_facility": hosting_facility},
}

FORMAT_INFO = {
    "panosc-dataset": FormatInfo(syntax="json", kind="dataset", main_type=str(DCAT.raw("Dataset")), mint="dataset",
                                 mapping="panosc-dataset-dcat.tsv"),
    "panosc-document": FormatInfo(syntax="json", kind="document", main_type=str(SCHEMA.raw("CreativeWork")),
                                  mint="document", mapping="panosc-document-dcat.tsv"),
    "panosc-instrument": FormatInfo(syntax="json", kind="instrument", main_type=str(PANGRAPH.raw("Instrument")),
                                    mint="instrument", mapping="panosc-instrument-dcat.tsv"),
}
