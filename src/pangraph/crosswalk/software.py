"""Software descriptions → schema.org / CodeMeta triples (docs/model.md, "Software").

Four JSON formats share one model: CodeMeta (``codemeta``), Zenodo/RODARE deposit metadata
(``zenodo``), the Citation File Format (``cff``, YAML archived as JSON) and the curated software list
of ``docs/software-list.md`` (``software-list``). Their field crosswalks are
``mappings/<format>-schema.tsv``; the transforms below interpret them. The main resource is a
``schema:SoftwareSourceCode`` (also ``schema:SoftwareApplication`` when the source says so or gives
installation targets), ``dct:type dctype:Software`` — the model DataCite software DOIs get — with its DOI
IRI when it has one (so a CFF and a DataCite record of one DOI describe one node), else minted
``{base}/id/software/{source}/{key}``. Techniques it analyses are ``schema:about <PaNET IRI>``.
"""

from __future__ import annotations

import re
from typing import Any

from pangraph import iri as ids
from pangraph.crosswalk.record_graph import (Affiliation, NameIdentifier, RecordGraph, field_transform,
                                             related_resource_iri, subject_transform)
from pangraph.crosswalk.transforms import FormatInfo
from pangraph.errors import RecordError
from pangraph.rdf import DCT, DCTYPE, RDF, SCHEMA, Term, iri, literal

#: the rdf:type of every software description
SOFTWARE_SOURCE_CODE = SCHEMA.raw("SoftwareSourceCode")

# --- values ---------------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    """The text of a JSON scalar (numbers as written by the source; booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return " ".join(str(value).split())
    return ""


def _first_text(obj: dict[str, Any], *keys: str) -> str:
    for k in keys:
        v = _scalar(obj.get(k))
        if v:
            return v
    return ""


def _value_text(value: Any) -> str:
    """Text of a scalar, or of the ``name``/``@value``/``value`` of an object."""
    if isinstance(value, dict):
        return _first_text(value, "name", "@value", "value")
    return _scalar(value)


def _value_url(value: Any) -> str:
    """A URL given as text or as an object with ``@id``/``url``/``identifier``."""
    if isinstance(value, dict):
        return _first_text(value, "@id", "url", "identifier", "value")
    return _scalar(value)


def _field(prop: str | None, fallback: str) -> str:
    return fallback if not prop else prop.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


# --- subject and required fields ---------------------------------------------------------------


def _doi_in(value: Any) -> str | None:
    if isinstance(value, dict):
        for k in ("@id", "value", "identifier", "url", "doi"):
            found = _doi_in(value.get(k)) if k in value else None
            if found:
                return found
        return None
    text = _scalar(value)
    return ids.doi_iri(text) if text else None


@subject_transform
def doi(g: RecordGraph, values: list[Any]) -> str | None:
    """The DOI IRI (``https://doi.org/<lower-case>``) of the first value holding a DOI in any spelling
    (text, or an object's ``@id``/``value``/``identifier``/``url``)."""
    for v in values:
        found = _doi_in(v)
        if found:
            return found
    return None


@subject_transform
def required(g: RecordGraph, values: list[Any]) -> str | None:
    """Proposes no IRI: the record fails (``RecordError`` naming the field) when the path selects no
    text. For fields without which a description is not a catalogue entry (a software list's name)."""
    if not any(_value_text(v) for v in values):
        raise RecordError("required field missing or empty: a software entry needs a name",
                          record=g.record_id, field="name", source=g.ctx.source)
    return None


# --- literals, URLs, dates -------------------------------------------------------------------------


@field_transform()
def text(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Each value's text (whitespace collapsed; objects give their ``name``) as a literal; comma lists
    are not split. Values that hold no text are noted."""
    for v in values:
        t = _value_text(v)
        if t:
            g.add(g.subject, iri(prop), literal(t))
        else:
            g.note(_field(prop, "text"), "value holds no text; not mapped", severity="Info", value=str(v)[:200])


@field_transform()
def long_text(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Each value's text with its line structure kept (descriptions, abstracts)."""
    for v in values:
        raw = v if isinstance(v, str) else _value_text(v)
        lines = [" ".join(line.split()) for line in raw.splitlines()]
        out: list[str] = []
        for line in lines:
            if line or (out and out[-1]):
                out.append(line)
        t = "\n".join(out).strip()
        if t:
            g.add(g.subject, iri(prop), literal(t))


@field_transform()
def url(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """An http(s) URL (text, or an object's ``@id``/``url``) as an IRI; anything else is noted."""
    for v in values:
        u = _value_url(v)
        found = ids.url_iri(u) if u else None
        if found:
            g.add(g.subject, iri(prop), iri(found))
        elif u:
            g.note(_field(prop, "url"), "not an http(s) URL; not mapped", value=u)


@field_transform()
def date(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A date as ``xsd:date``/``gYear``/``gYearMonth``/``dateTime``; invalid dates are kept as plain
    literals with a note."""
    for v in values:
        g.add_date(iri(prop), _scalar(v), field_=_field(prop, "date"))


@field_transform()
def identifier(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """An identifier as written in the source (a DOI stays ``10.5286/Software/Mantid6.4``) → literal."""
    for v in values:
        t = _value_text(v) if isinstance(v, dict) else _scalar(v)
        if t:
            g.add(g.subject, iri(prop), literal(t))


@field_transform()
def related(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A related work given by DOI, URL or other identifier (text, or an object with ``doi``/``url``/
    ``@id``) → the row's property with its IRI; values without one are noted."""
    for v in values:
        if isinstance(v, dict):
            candidates = [v.get(k) for k in ("doi", "@id", "url", "identifier") if v.get(k)]
        else:
            candidates = [v]
        target = None
        for c in candidates:
            target = related_resource_iri(_scalar(c))
            if target:
                break
        if target:
            g.add(g.subject, iri(prop), iri(target))
        else:
            g.note(_field(prop, "related"), "related work without a DOI or URL; not linked", severity="Info",
                   value=str(v)[:200])


# --- licences ---------------------------------------------------------------------------------------

_SPDX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")
#: SPDX licence ids without a digit or hyphen (the others are recognised by form)
_SPDX_PLAIN = {"MIT", "ISC", "Zlib", "Unlicense", "NCSA", "X11", "WTFPL", "PostgreSQL", "Beerware", "curl", "Vim"}
_SPDX_URL = re.compile(r"^https?://(?:www\.)?spdx\.org/licenses/([A-Za-z0-9.+-]+?)(?:\.html|\.json)?/?$", re.I)
_SPDX_EXPRESSION = re.compile(r"\s+(?:OR|AND|WITH)\s+|[()]")


def _looks_like_spdx(value: str) -> bool:
    return bool(_SPDX_ID.match(value)) and (value in _SPDX_PLAIN or bool(re.search(r"[\d-]", value))) \
        and not value.lower().startswith("licenseref-")


def add_licence(g: RecordGraph, value: str, *, field_: str, prop: Term = SCHEMA.license) -> bool:
    """Add the licence *value* names — an SPDX id, licence name or URL, normalised by
    ``mappings/licenses.tsv`` to ``http://spdx.org/licenses/<id>`` — typed ``dct:LicenseDocument``.
    An SPDX id the table lacks is built into the SPDX IRI by its form (Info note); an SPDX expression
    gives each licence it names (Info note); a licence URL the table lacks is kept as given (Info);
    text that is none of these is noted as a Warning naming the field and not mapped. True if mapped."""
    v = value.strip()
    if not v:
        return False
    table = g.mappings.licenses
    found = table.by_uri(v) if ids.url_iri(v) else (table.by_name(v) or table.by_uri(v))
    licence: str | None = found.object_id if found else None
    if licence is None:
        m = _SPDX_URL.match(v)
        spdx_id = m.group(1) if m else (v if _looks_like_spdx(v) else None)
        if spdx_id is not None:
            named = table.by_name(spdx_id)
            licence = named.object_id if named else table.spdx_namespace + spdx_id
            if not named:
                g.note(field_, "SPDX licence id not in mappings/licenses.tsv; SPDX IRI built from its form",
                       severity="Info", value=v)
        elif ids.url_iri(v):
            licence = v
            g.note(field_, "licence URL not in mappings/licenses.tsv; kept as given", severity="Info", value=v)
        elif _SPDX_EXPRESSION.search(v):
            parts = [p for p in _SPDX_EXPRESSION.split(v) if p.strip()]
            g.note(field_, "SPDX licence expression: each licence it names is given", severity="Info", value=v)
            mapped = [add_licence(g, p, field_=field_, prop=prop) for p in parts]
            return any(mapped)
    if licence is None:
        g.note(field_, "not an SPDX licence identifier, known licence name or licence URL; licence not mapped",
               value=v)
        return False
    g.add(g.subject, prop, iri(licence))
    g.add(iri(licence), RDF.type, DCT.LicenseDocument)
    return True


@field_transform()
def license(g: RecordGraph, values: list[Any], prop: str | None) -> None:  # noqa: A001 - the field's name
    """A licence: SPDX id (``MIT``, ``GPL-3.0-or-later``), licence name, licence URL, SPDX expression,
    or an object with ``@id``/``url``/``identifier``/``name`` → SPDX licence IRI (``add_licence``)."""
    for v in values:
        t = _value_url(v) or _value_text(v) if isinstance(v, dict) else _scalar(v)
        if t:
            add_licence(g, t, field_=_field(prop, "license"), prop=iri(prop))


# --- techniques and keywords -------------------------------------------------------------------------


def add_topic_technique(g: RecordGraph, value: Any, *, field_: str) -> bool:
    """``schema:about <PaNET IRI>`` for a technique given as PaNET id/IRI (any spelling), label,
    altLabel or acronym, or as ``{id, label}`` (checked against each other; a mismatch is noted).
    False when *value* names no PaNET technique."""
    if isinstance(value, dict):
        ident = _first_text(value, "id", "@id", "identifier", "url")
        label = _first_text(value, "label", "name", "prefLabel")
    else:
        t = _scalar(value)
        ident, label = (t, "") if ids.panet_iri(t) else ("", t)
    techniques = g.ctx.techniques
    match = techniques.check(ident, label or None) if ident and ids.panet_iri(ident) else (
        techniques.resolve(label) if label else None)
    if match is None:
        return False
    if match.mismatch:
        g.note(field_, match.mismatch, value=match.matched)
    g.add(g.subject, SCHEMA.about, iri(match.iri))
    return True


@field_transform(needs_property=False)
def technique(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Techniques the software analyses → ``schema:about <PaNET IRI>``; a value that names no PaNET
    technique is noted (Warning, with the value) and kept as a ``schema:keywords`` literal."""
    for v in values:
        items = [p.strip() for p in v.split(";")] if isinstance(v, str) and ";" in v else [v]
        for item in items:
            if item in ("", None):
                continue
            if not add_topic_technique(g, item, field_="techniques"):
                shown = _value_text(item) or _first_text(item, "id", "@id") if isinstance(item, dict) else _scalar(item)
                g.note("techniques", "not a PaNET technique (id, IRI, label, altLabel or acronym); kept as keyword",
                       value=shown)
                if shown:
                    g.add(g.subject, SCHEMA.keywords, literal(shown))


@field_transform()
def keyword(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Keywords → ``schema:keywords`` literals (a comma-separated string is split); a keyword that is
    exactly a PaNET technique (label, altLabel, acronym, id) also gives ``schema:about``."""
    for v in values:
        t = _value_text(v)
        for part in ([p.strip() for p in t.split(",")] if "," in t else [t]):
            if not part:
                continue
            g.add(g.subject, iri(prop), literal(part))
            add_topic_technique(g, part, field_=_field(prop, "keywords"))


@field_transform(needs_property=False)
def techniques_in_text(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """PaNET techniques named in free text (titles) → ``schema:about``."""
    for v in values:
        t = _value_text(v)
        for m in g.ctx.techniques.find_in_text(t) if t else []:
            if m.mismatch:
                g.note("title", m.mismatch, value=m.matched)
            g.add(g.subject, SCHEMA.about, iri(m.iri))


# --- agents -----------------------------------------------------------------------------------------


def _affiliations(value: Any) -> list[Affiliation]:
    out = []
    for a in value if isinstance(value, list) else [value]:
        if isinstance(a, dict):
            name = _first_text(a, "name", "legalName")
            ror = _first_text(a, "ror", "@id", "identifier")
            if name or ror:
                out.append(Affiliation(name, ror or None, "ROR" if ror and ids.ror_iri(ror) else None))
        elif _scalar(a):
            out.append(Affiliation(_scalar(a)))
    return out


def _agent(g: RecordGraph, value: Any, *, field_: str, name_only_is_organisation: bool) -> Term | None:
    """A person or organisation from the shapes CodeMeta, CFF, Zenodo and software lists use."""
    if isinstance(value, str):
        name = _scalar(value)
        if not name:
            return None
        if name_only_is_organisation:
            return g.organization(name, field_=field_)
        return g.person(name, field_=field_)
    if not isinstance(value, dict):
        g.note(field_, "agent is neither a name nor an object; skipped", value=str(value)[:200])
        return None
    given = _first_text(value, "given-names", "givenName", "given_name")
    family = _first_text(value, "family-names", "familyName", "family_name")
    particle = _first_text(value, "name-particle")
    suffix = _first_text(value, "name-suffix")
    if particle and family:
        family = f"{particle} {family}"
    if suffix and family:
        family = f"{family} {suffix}"
    name = _first_text(value, "name", "alias")
    identifiers = [NameIdentifier(x, "ORCID") for x in (_first_text(value, "orcid"),) if x]
    for key in ("@id", "identifier"):
        x = _first_text(value, key)
        if x and "orcid" in x.lower():
            identifiers.append(NameIdentifier(x, "ORCID"))
        elif x and ids.ror_iri(x) and "ror.org" in x.lower():
            identifiers.append(NameIdentifier(x, "ROR"))
    ror = _first_text(value, "ror")
    if ror:
        identifiers.append(NameIdentifier(ror, "ROR"))
    types = {str(t).lower() for t in (value.get("@type") if isinstance(value.get("@type"), list)
                                      else [value.get("@type")]) if t}
    is_org = "organization" in types or "organisation" in types or (
        not given and not family and name_only_is_organisation and not any(i.scheme == "ORCID" for i in identifiers)
        and "person" not in types)
    if is_org:
        if not name:
            g.note(field_, "organisation without a name skipped", value=str(value)[:200])
            return None
        pid = next((ids.ror_iri(i.value) for i in identifiers if i.scheme == "ROR" and ids.ror_iri(i.value)), None)
        at_id = _first_text(value, "@id")
        if pid is None and at_id and ("10.13039" in at_id or ids.doi_iri(at_id)):
            pid = ids.funder_iri(at_id)  # a Crossref Funder DOI (CodeMeta funder)
        return g.organization(name, pid=pid, field_=field_)
    return g.agent(name=name, given=given or None, family=family or None, name_type="Personal",
                   identifiers=identifiers, affiliations=_affiliations(value.get("affiliation")), field_=field_)


@field_transform()
def agent(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """People or organisations (CodeMeta ``Person``/``Organization`` with ORCID ``@id``; Zenodo
    ``{name: "Family, Given", orcid, affiliation}``; software lists: a name or an object) → the row's
    property with the agent's IRI (ORCID/ROR when known, else minted); a name-only value is a person."""
    for v in values:
        node = _agent(g, v, field_=_field(prop, "agent"), name_only_is_organisation=False)
        if node:
            g.add(g.subject, iri(prop), node)


@field_transform()
def cff_agent(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """CFF ``authors``/``contact``: a *person* (``given-names``/``family-names``, ``orcid``,
    ``affiliation`` as text → organisation minted by name) or an *entity* (``name`` only → organisation)."""
    for v in values:
        node = _agent(g, v, field_=_field(prop, "authors"), name_only_is_organisation=True)
        if node:
            g.add(g.subject, iri(prop), node)


@field_transform()
def facility(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """A facility that provides the software: a name, a ROR (IRI or id) or ``{name, ror}`` → an
    organisation (ROR IRI when given, else minted by name, shared within the source). A ROR without a
    name is noted (the organisation stays nameless in this record)."""
    for v in values:
        if isinstance(v, dict):
            name = _first_text(v, "name", "label")
            ror_text = _first_text(v, "ror", "@id", "id")
        else:
            t = _scalar(v)
            name, ror_text = ("", t) if ids.ror_iri(t) and ("ror" in t.lower() or re.fullmatch(r"0\w{8}", t)) \
                else (t, "")
        ror = ids.ror_iri(ror_text) if ror_text else None
        if ror_text and ror is None:
            g.note("facilities", "unparseable ROR identifier; facility minted by name", value=ror_text)
        if not name and not ror:
            continue
        if not name:
            g.note("facilities", "facility given by ROR only: add its name", severity="Info", value=ror_text)
        node = g.organization(name, pid=ror, field_="facilities")
        g.add(g.subject, iri(prop), node)


# --- format-specific ---------------------------------------------------------------------------------


def _property_value(g: RecordGraph, property_id: str, name: str, value: str) -> None:
    node = g.blank("availability")
    g.add(g.subject, SCHEMA.additionalProperty, node)
    g.add(node, RDF.type, SCHEMA.PropertyValue)
    g.add(node, SCHEMA.propertyID, literal(property_id))
    g.add(node, SCHEMA.name, literal(name))
    g.add(node, SCHEMA.value, literal(value))


_AVAILABILITY_NAMES = {"cvmfs": "CVMFS path", "container": "container image", "conda": "conda package",
                       "pypi": "PyPI package"}


@field_transform(needs_property=False)
def availability(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Where the software is installed or can be got (software lists): ``cvmfs`` path, ``container``
    image and ``conda``/``pypi`` package → ``schema:additionalProperty`` PropertyValues (propertyID
    ``cvmfs``, ``container``, ``conda``, ``pypi``); PyPI and ``channel::name`` conda packages also give
    ``schema:installUrl``; ``download``/``install`` URLs → ``schema:downloadUrl``/``installUrl``. The
    software is then also a ``schema:SoftwareApplication``."""
    for v in values:
        if not isinstance(v, dict):
            g.note("availability", "should be a mapping of cvmfs/container/conda/pypi/download/install",
                   value=str(v)[:200])
            continue
        added = False
        for key, raw in v.items():
            for item in raw if isinstance(raw, list) else [raw]:
                value = _scalar(item)
                if not value:
                    continue
                if key in ("download", "install"):
                    u = ids.url_iri(value)
                    if u is None:
                        g.note(f"availability/{key}", "not an http(s) URL; not mapped", value=value)
                        continue
                    g.add(g.subject, SCHEMA.downloadUrl if key == "download" else SCHEMA.installUrl, iri(u))
                elif key in _AVAILABILITY_NAMES:
                    _property_value(g, key, _AVAILABILITY_NAMES[key], value)
                    if key == "pypi" and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
                        g.add(g.subject, SCHEMA.installUrl, iri(f"https://pypi.org/project/{value}/"))
                    m = re.fullmatch(r"([A-Za-z0-9][\w.-]*)::([A-Za-z0-9][\w.-]*)", value) if key == "conda" else None
                    if m:
                        g.add(g.subject, SCHEMA.installUrl, iri(f"https://anaconda.org/{m.group(1)}/{m.group(2)}"))
                else:
                    g.note(f"availability/{key}", "unknown kind of availability; not mapped", value=value)
                    continue
                added = True
        if added:
            g.add(g.subject, RDF.type, SCHEMA.SoftwareApplication)


@field_transform(needs_property=False)
def codemeta_type(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """CodeMeta ``@type``: ``SoftwareApplication`` also types the resource ``schema:SoftwareApplication``."""
    for v in values:
        if _scalar(v).rsplit(":", 1)[-1].rsplit("/", 1)[-1] == "SoftwareApplication":
            g.add(g.subject, RDF.type, SCHEMA.SoftwareApplication)


@field_transform(needs_property=False)
def cff_type(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """CFF ``type``: ``software`` (the default) is what this crosswalk describes; ``dataset`` is noted,
    and the work is still described as software."""
    for v in values:
        t = _scalar(v).lower()
        if t and t != "software":
            g.note("type", f"CFF type {t!r}: the work is described as software", value=t)


@field_transform(needs_property=False)
def cff_identifier(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """CFF ``identifiers`` (``{type: doi|url|swh|other, value}``): each → ``schema:identifier`` literal;
    a ``url`` also → ``schema:sameAs``. A DOI other than the subject's is noted (Info)."""
    subject = g.subject[1:-1]
    for v in values:
        if not isinstance(v, dict):
            continue
        kind = _scalar(v.get("type")).lower()
        value = _scalar(v.get("value"))
        if not value:
            continue
        g.add(g.subject, SCHEMA.identifier, literal(value))
        if kind == "url" and ids.url_iri(value):
            g.add(g.subject, SCHEMA.sameAs, iri(value))
        if kind == "doi" and ids.doi_iri(value) and ids.doi_iri(value) != subject:
            g.note("identifiers", "a second DOI, other than the software's: kept as identifier only",
                   severity="Info", value=value)


@field_transform(needs_property=False)
def zenodo_type(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Zenodo ``upload_type``: anything but ``software`` is noted (the work is still described as software)."""
    for v in values:
        t = _scalar(v).lower()
        if t and t != "software":
            g.note("upload_type", f"Zenodo upload type {t!r}: the work is described as software", value=t)


@field_transform(needs_property=False)
def zenodo_related(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """Zenodo ``related_identifiers``: ``isSupplementTo`` a repository URL → ``schema:codeRepository``;
    ``isDocumentedBy`` → ``schema:softwareHelp``; every other relation → ``schema:citation`` (DOIs) or
    ``schema:relatedLink`` (URLs)."""
    for v in values:
        if not isinstance(v, dict):
            continue
        relation = _scalar(v.get("relation")).lower()
        target = related_resource_iri(_scalar(v.get("identifier")), _scalar(v.get("scheme")) or None)
        if not target:
            g.note("related_identifiers", "related identifier that is not a DOI or URL; not linked",
                   severity="Info", value=_scalar(v.get("identifier")))
            continue
        if relation == "issupplementto" and not target.startswith("https://doi.org/"):
            g.add(g.subject, SCHEMA.codeRepository, iri(target))
        elif relation == "isdocumentedby":
            g.add(g.subject, SCHEMA.softwareHelp, iri(target))
        elif target.startswith("https://doi.org/"):
            g.add(g.subject, SCHEMA.citation, iri(target))
        else:
            g.add(g.subject, SCHEMA.relatedLink, iri(target))


@field_transform(needs_property=False)
def software_type(g: RecordGraph, values: list[Any], prop: str | None) -> None:
    """``dct:type dctype:Software`` — what DataCite software DOIs say (``mappings/resource-types.tsv``),
    so software from every source is found by one pattern. Use with a path every record has."""
    g.add(g.subject, DCT.type, g.concept(DCTYPE.Software, "Software"))


_SHARED = {
    "doi": doi,
    "text": text,
    "long_text": long_text,
    "url": url,
    "date": date,
    "identifier": identifier,
    "related": related,
    "license": license,
    "technique": technique,
    "keyword": keyword,
    "techniques_in_text": techniques_in_text,
    "agent": agent,
    "software_type": software_type,
}

FORMATS = {
    "codemeta": {**_SHARED, "codemeta_type": codemeta_type},
    "zenodo": {**_SHARED, "zenodo_type": zenodo_type, "zenodo_related": zenodo_related},
    "cff": {**_SHARED, "cff_agent": cff_agent, "cff_type": cff_type, "cff_identifier": cff_identifier},
    "software-list": {**_SHARED, "required": required, "facility": facility, "availability": availability},
}

_INFO = {"syntax": "json", "kind": "software", "main_type": SOFTWARE_SOURCE_CODE, "mint": "software"}
FORMAT_INFO = {name: FormatInfo(**_INFO, mapping=f"{name}-schema.tsv") for name in FORMATS}
