"""Training records — TeSS materials and events, Bioschemas TrainingMaterial/Course/CourseInstance —
→ schema.org triples (docs/model.md, "Training").

Six formats share one set of named transforms; each has its field crosswalk in ``mappings/``:

==========================  ========================================================  ==========================
format                      what                                                      mapping
==========================  ========================================================  ==========================
``tess-material``           TeSS JSON-API material (``{"data": {attributes …}}``,      ``tess-material-schema.tsv``
                            dasherized keys)
``tess-event``              TeSS JSON-API event                                       ``tess-event-schema.tsv``
``tess-material-json``      TeSS ``/materials.json`` item (jbuilder, snake_case)      ``tess-material-json-schema.tsv``
``tess-event-json``         TeSS ``/events.json`` item                                ``tess-event-json-schema.tsv``
``bioschemas-jsonld``       Bioschemas JSON-LD (one node object)                      ``bioschemas-jsonld-schema.tsv``
``bioschemas-rdfxml``       Bioschemas as RDF/XML (TeSS OAI-PMH ``rdf`` prefix)       ``bioschemas-rdfxml-schema.tsv``
==========================  ========================================================  ==========================

A transform receives the JSON values a row's path selected (strings, numbers, objects). RDF/XML is
read as RDF, not as XML: :func:`rdfxml_node` parses the ``<rdf:RDF>`` element with rdflib, finds the
main resource (the LearningResource / Course / CourseInstance / Event that nothing else points to),
and frames it as a JSON-LD-like object keyed by schema.org local names; the rows of the RDF/XML
crosswalk name the RDF/XML property elements (so the coverage report sees them) and hand the framed
values of those properties to the same transforms as JSON-LD.

Namespaces: ``http://schema.org/`` is canonical; ``https://schema.org/``, ``schema:`` and ``sdo:``
spellings of keys, types and IRIs are read as the same terms. Topics (``schema:about``) are PaNET
IRIs only: any PaNET spelling is normalised, label/ID mismatches are noted; other topics (EDAM …)
are kept as ``dct:subject`` with a note.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Callable

from pangraph import iri as ids
from pangraph.crosswalk.record_graph import (RecordGraph, TransformSpec, field_transform, related_resource_iri,
                                             subject_transform)
from pangraph.crosswalk.transforms import FormatInfo
from pangraph.rdf import DCT, ORG, RDF, SCHEMA, SKOS, XSD, Term, bnode, iri, literal

SCHEMA_NS = str(SCHEMA)
_SCHEMA_SPELLINGS = ("http://schema.org/", "https://schema.org/", "http://www.schema.org/",
                     "https://www.schema.org/", "schema:", "sdo:")
DCT_NS = str(DCT)

#: Bioschemas/schema.org types a training record's main resource can have
MAIN_TYPES = ("LearningResource", "Course", "CourseInstance", "Event")
#: schema.org types read as a LearningResource (older Bioschemas markup)
_TYPE_ALIASES = {"TrainingMaterial": "LearningResource", "CreativeWork": None}
_EVENT_TYPES = {"EventSeries", "EducationEvent", "BusinessEvent", "SocialEvent", "Hackathon"}

# TeSS event types that are courses (TeSS keys and their labels)
_COURSE_EVENT_TYPES = {"workshopsandcourses", "workshopsandcourse", "course", "courses", "workshop",
                       "workshops", "trainingcourse", "training"}
_NOT_SPECIFIED = {"notspecified", "none", "n/a", "na", "unknown", "other"}


# --- reading JSON(-LD) values ----------------------------------------------------------------------


def schema_local(term: str) -> str | None:
    """The schema.org local name of a key, type or IRI in any spelling (``https://schema.org/name``,
    ``schema:name``, ``sdo:name``, ``name``); None for terms of other vocabularies (``dct:…``)."""
    t = term.strip()
    for prefix in _SCHEMA_SPELLINGS:
        if t.startswith(prefix):
            return t[len(prefix):].strip("/") or None
    if ":" in t or "/" in t:
        return None
    return t or None


def get(obj: Any, key: str) -> list[Any]:
    """The values of schema.org property *key* in a JSON-LD object, whatever the key's spelling,
    arrays flattened, nulls dropped."""
    if not isinstance(obj, dict):
        return []
    out: list[Any] = []
    for k, v in obj.items():
        if k == key or (not k.startswith("@") and schema_local(k) == key):
            out.extend(x for x in (v if isinstance(v, list) else [v]) if x is not None)
    return out


def first(obj: Any, *keys: str) -> str:
    """The first non-empty scalar among the values of *keys* of *obj* (a string; '' when none)."""
    for key in keys:
        for v in get(obj, key):
            s = scalar(v)
            if s:
                return s
    return ""


def scalar(value: Any) -> str:
    """A JSON scalar (or a JSON-LD value object ``{"@value": …}``) as a stripped string; '' otherwise."""
    if isinstance(value, dict):
        value = value.get("@value")
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def node_id(value: Any) -> str:
    """The ``@id`` of a JSON-LD node object (or the string itself when it is an IRI); ''."""
    if isinstance(value, dict):
        v = value.get("@id")
        return v.strip() if isinstance(v, str) else ""
    return value.strip() if isinstance(value, str) and ids.url_iri(value.strip()) else ""


def types_of(obj: Any) -> set[str]:
    """The schema.org local names of the ``@type`` of a JSON-LD object (aliases resolved)."""
    if not isinstance(obj, dict):
        return set()
    raw = obj.get("@type")
    out = set()
    for t in (raw if isinstance(raw, list) else [raw]):
        if isinstance(t, str) and schema_local(t):
            name = schema_local(t)
            out.add(_TYPE_ALIASES.get(name, name) or name)
    return out


def _lang(obj: Any) -> str | None:
    return obj.get("@language") if isinstance(obj, dict) and isinstance(obj.get("@language"), str) else None


def _field(prop: str | None, fallback: str) -> str:
    if prop:
        return prop.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return fallback


# --- value-level builders (used on the main resource and on nested nodes) -----------------------------


def add_text(g: RecordGraph, node: Term, prop: Term, value: Any, *, keep_lines: bool = False) -> None:
    """A text value (string, number or ``{"@value", "@language"}``) as a literal."""
    s = scalar(value)
    if isinstance(value, dict) and not s:
        s = first(value, "name")
    if not s:
        return
    if not keep_lines:
        s = " ".join(s.split())
    g.add(node, prop, g.text_literal(s, _lang(value)))


def add_date(g: RecordGraph, node: Term, prop: Term, value: Any, *, field_: str) -> None:
    """A date or date-time (typed; invalid dates kept as plain literals with a note)."""
    term = g.date_term(scalar(value), field_=field_)
    if term is not None:
        g.add(node, prop, term)


def add_agent(g: RecordGraph, node: Term, prop: Term, value: Any, *, field_: str,
              organisation: bool = False) -> Term | None:
    """A person or organisation given as a name, a TeSS person object (``name``, ``orcid``,
    ``given_name``/``family_name``) or a schema.org ``Person``/``Organization`` node: ORCID/ROR IRI
    when known, else minted. Typed ``foaf:`` (as every agent of the graph) and ``schema:``."""
    from pangraph.crosswalk.record_graph import NameIdentifier

    if isinstance(value, str):
        text = " ".join(value.split())
        if not text:
            return None
        orcid = None
        m = re.search(r"(?:https?://orcid\.org/)?\d{4}-\d{4}-\d{4}-\d{3}[\dXx]", text)
        if m:
            orcid = m.group(0)
            text = (text[:m.start()] + text[m.end():]).strip(" ,;()[]")
        obj: dict[str, Any] = {"name": text}
        if orcid:
            obj["orcid"] = orcid
        value = obj
    if not isinstance(value, dict):
        return None
    kinds = types_of(value)
    pid = node_id(value)
    name = first(value, "name") or scalar(value.get("full_name")) or scalar(value.get("full-name"))
    given = first(value, "givenName") or scalar(value.get("given_name")) or scalar(value.get("given-name"))
    family = first(value, "familyName") or scalar(value.get("family_name")) or scalar(value.get("family-name"))
    identifiers = []
    for candidate in (pid, scalar(value.get("orcid")), *[node_id(v) or scalar(v) for v in get(value, "identifier")]):
        if candidate and ("orcid" in candidate.lower() or re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dXx]", candidate)):
            identifiers.append(NameIdentifier(candidate, "ORCID"))
        elif candidate and ids.ror_iri(candidate):
            identifiers.append(NameIdentifier(candidate, "ROR"))
    is_org = "Organization" in kinds or (organisation and "Person" not in kinds)
    if not name and (given or family):
        name = " ".join(p for p in (given, family) if p)
    if not name:
        g.note(field_, "agent without a name skipped", value=pid or None)
        return None
    if is_org:
        agent = g.organization(name, identifiers=identifiers, field_=field_)
        g.add(agent, RDF.type, SCHEMA.Organization)
        url = pid if pid and not ids.ror_iri(pid) else first(value, "url")
        if url and ids.url_iri(url):
            g.add(agent, SCHEMA.url, iri(url))
    else:
        agent = g.person(name, given=given or None, family=family or None, identifiers=identifiers, field_=field_)
        g.add(agent, RDF.type, SCHEMA.Person)
        if pid and "orcid.org" not in pid.lower() and ids.url_iri(pid):
            g.add(agent, SCHEMA.url, iri(pid))
        for aff in get(value, "affiliation"):
            org = add_agent(g, agent, SCHEMA.affiliation, aff, field_=field_, organisation=True)
            if org is not None:
                g.add(agent, ORG.memberOf, org)
    g.add(node, prop, agent)
    return agent


def add_topic(g: RecordGraph, node: Term, value: Any, *, field_: str) -> None:
    """A scientific topic → ``schema:about <PaNET IRI>`` (any PaNET spelling; a label naming another
    class than the ID is noted); a label that names a PaNET technique → that technique; anything else
    → ``dct:subject`` (its IRI, labelled) with an Info note, or a note when it has no IRI."""
    if isinstance(value, str):
        value = {"@id": value} if ids.url_iri(value) or ids.panet_iri(value) else {"name": value}
    if not isinstance(value, dict):
        return
    label = (first(value, "name") or scalar(value.get("preferred_label")) or scalar(value.get("preferred-label"))
             or scalar(value.get("label")))
    candidates = [node_id(value), first(value, "url"), scalar(value.get("uri")), first(value, "termCode"),
                  first(value, "identifier")]
    candidates = [c for c in candidates if c]
    panet = next((c for c in candidates if ids.panet_iri(c)), None)
    if panet is not None:
        match = g.ctx.techniques.check(panet, label or None)
        if match is None:
            g.note(field_, "PaNET identifier of no known class, and no technique in its label", value=panet)
            return
        if match.mismatch:
            g.note(field_, match.mismatch, value=f"{panet} {label!r}" if label else panet)
        g.add(node, SCHEMA.about, iri(match.iri))
        if ids.panet_iri(panet) != panet.strip():
            g.note(field_, "PaNET identifier written in a non-canonical form; normalised", severity="Info",
                   value=panet)
        return
    match = g.ctx.techniques.resolve(label) if label else None
    if match is not None:
        g.add(node, SCHEMA.about, iri(match.iri))
        return
    other = next((c for c in candidates if ids.url_iri(c)), None)
    if other is not None:
        g.add(node, DCT.subject, iri(other))
        if label:
            g.add(iri(other), SKOS.prefLabel, literal(label))
        g.note(field_, "topic is not a PaNET technique; kept as dct:subject", severity="Info",
               value=f"{other} {label!r}" if label else other)
    elif label:
        g.add(node, SCHEMA.keywords, literal(label))
        g.note(field_, "topic without IRI that names no PaNET technique; kept as keyword", severity="Info",
               value=label)


def add_keywords(g: RecordGraph, node: Term, value: Any, *, field_: str) -> None:
    """Keywords (a list, or one comma-separated string) → ``schema:keywords``, one literal each; a
    keyword that *is* a PaNET label, altLabel or acronym also gives ``schema:about``."""
    if isinstance(value, dict):
        text = first(value, "name")
        words = [text] if text else []
    else:
        text = scalar(value)
        words = [w.strip() for w in text.split(",")] if "," in text else [text]
    for w in words:
        w = " ".join(w.split())
        if not w:
            continue
        g.add(node, SCHEMA.keywords, literal(w))
        match = g.ctx.techniques.resolve(w)
        if match is not None and _keyword_technique(g, match.iri):
            g.add(node, SCHEMA.about, iri(match.iri))


#: PaNET branches whose labels name a technique by probe or physical process; the "defined by purpose"
#: branch (PaNET00005: "testing", "imaging" …) has everyday words a keyword uses in another sense
_KEYWORD_BRANCHES = ("http://purl.org/pan-science/PaNET/PaNET00002", "http://purl.org/pan-science/PaNET/PaNET00003")


def _keyword_technique(g: RecordGraph, technique: str) -> bool:
    ancestors = getattr(g.ctx.techniques, "ancestors", None)
    if ancestors is None:
        return True
    found = set(ancestors(technique)) | {technique}
    return any(b in found for b in _KEYWORD_BRANCHES)


def add_licence(g: RecordGraph, node: Term, value: Any, *, field_: str) -> None:
    """A licence (URL, SPDX id or name; TeSS licence keys such as ``CC-BY-4.0``) → ``schema:license``
    with the canonical SPDX IRI of ``mappings/licenses.tsv``; unknown URLs kept (Info note), unknown
    text noted."""
    text = node_id(value) or first(value, "url") or first(value, "name") if isinstance(value, dict) else scalar(value)
    if not text or re.sub(r"[^a-z]", "", text.lower()) in _NOT_SPECIFIED:
        return
    candidate = re.sub(r"(spdx\.org/licenses/[^/]+?)\.(html|json|txt)$", r"\1", text.strip(), flags=re.I)
    licences = g.mappings.licenses
    found = licences.by_uri(candidate) or licences.by_name(candidate)
    target = found.object_id if found else None
    if target is None and ids.url_iri(candidate):
        target = candidate
        g.note(field_, "licence URL not in mappings/licenses.tsv; kept as given", severity="Info", value=text)
    if target is None:
        g.note(field_, "licence not in mappings/licenses.tsv and not a URL; not mapped", value=text)
        return
    g.add(node, SCHEMA.license, iri(target))
    g.add(iri(target), RDF.type, DCT.LicenseDocument)


def add_place(g: RecordGraph, node: Term, value: Any, *, field_: str) -> None:
    """A location: a name (``"Lausanne"``), a ``Place`` with ``address``/``geo``, a bare
    ``PostalAddress`` (as TeSS writes it) or a ``VirtualLocation`` → ``schema:location`` node."""
    place = bnode(f"{g.ctx.source}-{g.key}-place-{g.counter('place')}")
    if isinstance(value, str):
        if not value.strip():
            return
        if ids.url_iri(value):
            g.add(node, SCHEMA.location, place)
            g.add(place, RDF.type, SCHEMA.VirtualLocation)
            g.add(place, SCHEMA.url, iri(value.strip()))
            return
        g.add(node, SCHEMA.location, place)
        g.add(place, RDF.type, SCHEMA.Place)
        g.add(place, SCHEMA.name, literal(" ".join(value.split())))
        return
    if not isinstance(value, dict):
        return
    kinds = types_of(value)
    g.add(node, SCHEMA.location, place)
    if "VirtualLocation" in kinds:
        g.add(place, RDF.type, SCHEMA.VirtualLocation)
        add_text(g, place, SCHEMA.name, first(value, "name"))
        url = first(value, "url") or node_id(value)
        if ids.url_iri(url):
            g.add(place, SCHEMA.url, iri(url))
        return
    g.add(place, RDF.type, SCHEMA.Place)
    add_text(g, place, SCHEMA.name, first(value, "name"))
    addresses = get(value, "address") or ([value] if "PostalAddress" in kinds else [])
    for a in addresses:
        add_address(g, place, a)
    geo = (get(value, "geo") or [value])[0]
    lat, lon = first(geo, "latitude"), first(geo, "longitude")
    if lat and lon:
        add_geo(g, place, lat, lon, field_=field_)


def add_address(g: RecordGraph, place: Term, value: Any) -> Term | None:
    """A ``schema:PostalAddress`` (or address text) of a place."""
    if isinstance(value, str):
        if value.strip():
            g.add(place, SCHEMA.address, literal(" ".join(value.split())))
        return None
    address = bnode(f"{g.ctx.source}-{g.key}-address-{g.counter('address')}")
    parts = {p: first(value, p) for p in ("streetAddress", "addressLocality", "addressRegion", "postalCode",
                                          "addressCountry")}
    if not any(parts.values()):
        return None
    g.add(place, SCHEMA.address, address)
    g.add(address, RDF.type, SCHEMA.PostalAddress)
    for p, v in parts.items():
        if v:
            g.add(address, SCHEMA[p], literal(v))
    return address


def add_geo(g: RecordGraph, place: Term, lat: str, lon: str, *, field_: str) -> None:
    """``schema:geo [a schema:GeoCoordinates; latitude; longitude]`` (decimal degrees; others noted)."""
    try:
        la, lo = float(lat), float(lon)
    except ValueError:
        g.note(field_, "coordinates are not decimal degrees; not mapped", value=f"{lat}, {lon}")
        return
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        g.note(field_, "coordinates out of range; not mapped", value=f"{lat}, {lon}")
        return
    geo = bnode(f"{g.ctx.source}-{g.key}-geo-{g.counter('geo')}")
    g.add(place, SCHEMA.geo, geo)
    g.add(geo, RDF.type, SCHEMA.GeoCoordinates)
    g.add(geo, SCHEMA.latitude, literal(str(la), datatype=XSD.raw("decimal")))
    g.add(geo, SCHEMA.longitude, literal(str(lo), datatype=XSD.raw("decimal")))


def add_integer(g: RecordGraph, node: Term, prop: Term, value: Any, *, field_: str) -> None:
    """A non-negative count (``maximumAttendeeCapacity``) as ``xsd:integer``; other text noted."""
    s = scalar(value)
    if not s:
        return
    if re.fullmatch(r"\d+", s):
        g.add(node, prop, literal(str(int(s)), datatype=XSD.raw("integer")))
    else:
        g.note(field_, "not a whole number; not mapped", value=s)


_COURSE_MODES = {"online": "online", "onsite": "onsite", "on-site": "onsite", "inperson": "onsite",
                 "facetoface": "onsite", "hybrid": "blended", "blended": "blended", "synchronous": "synchronous",
                 "asynchronous": "asynchronous", "fulltime": "full-time", "parttime": "part-time",
                 "true": "online", "false": "onsite"}


def add_course_mode(g: RecordGraph, node: Term, value: Any, *, field_: str) -> None:
    """``schema:courseMode`` as the Bioschemas words (online, onsite, blended, synchronous …); TeSS's
    ``online`` flag (true/false) and ``presence`` (onsite/online/hybrid) are read the same way."""
    s = scalar(value) or node_id(value)
    if not s:
        return
    if ids.url_iri(s):
        g.add(node, SCHEMA.courseMode, iri(s))
        return
    mode = _COURSE_MODES.get(re.sub(r"[^a-z]", "", s.lower()))
    if mode is None:
        g.note(field_, "course mode not one of online, onsite, blended, (a)synchronous, full/part-time; kept as text",
               severity="Info", value=s)
        mode = s
    g.add(node, SCHEMA.courseMode, literal(mode))


def add_url(g: RecordGraph, node: Term, prop: Term, value: Any, *, field_: str) -> None:
    """An http(s) URL as an IRI; TeSS's own ``.json`` URL in index listings is not the resource's URL."""
    s = node_id(value) or (first(value, "url") if isinstance(value, dict) else scalar(value))
    if not s:
        return
    if tess_json_url(s):
        g.note(field_, "the index listing's url is TeSS's JSON URL, not the resource's own page", severity="Info",
               value=s)
        return
    if ids.url_iri(s):
        g.add(node, prop, iri(s))
    else:
        g.note(field_, "not an http(s) URL; not mapped", value=s)


def add_identifier(g: RecordGraph, node: Term, value: Any, *, field_: str) -> None:
    """``schema:identifier``: a DOI as its IRI, another URL as an IRI, other text as a literal."""
    s = node_id(value) or first(value, "value", "url") if isinstance(value, dict) else scalar(value)
    if not s:
        return
    target = ids.doi_iri(s) or ids.url_iri(s)
    g.add(node, SCHEMA.identifier, iri(target) if target else literal(s))


def add_related(g: RecordGraph, node: Term, prop: Term, value: Any, *, field_: str) -> None:
    """A related thing (``mentions``, external resources): its DOI/URL/PDB IRI with its name."""
    if isinstance(value, str):
        target = related_resource_iri(value)
        if target is None:
            g.note(field_, "related resource is not an identifier; not linked", severity="Info", value=value)
            return
        g.add(node, prop, iri(target))
        return
    if not isinstance(value, dict):
        return
    candidates = [node_id(value), first(value, "identifier"), first(value, "url"), scalar(value.get("api_url"))]
    target = next((related_resource_iri(c) for c in candidates if c and related_resource_iri(c)), None)
    name = first(value, "name") or scalar(value.get("title"))
    if target is None:
        if name:
            g.note(field_, "related resource without identifier or URL; not linked", severity="Info", value=name)
        return
    g.add(node, prop, iri(target))
    if name:
        g.add(iri(target), SCHEMA.name, literal(name))
    for t in sorted(types_of(value)):
        g.add(iri(target), RDF.type, SCHEMA[t])


def add_offer(g: RecordGraph, node: Term, value: Any, *, field_: str) -> None:
    """``schema:offers [a schema:Offer; schema:name; schema:price; schema:priceCurrency; schema:url]``."""
    if not isinstance(value, dict):
        return
    offer = bnode(f"{g.ctx.source}-{g.key}-offer-{g.counter('offer')}")
    g.add(node, SCHEMA.offers, offer)
    g.add(offer, RDF.type, SCHEMA.Offer)
    add_text(g, offer, SCHEMA.name, first(value, "name"))
    price = first(value, "price")
    if price:
        try:
            g.add(offer, SCHEMA.price, literal(f"{float(price):.2f}", datatype=XSD.raw("decimal")))
        except ValueError:
            g.note(field_, "price is not a number; kept as text", severity="Info", value=price)
            g.add(offer, SCHEMA.price, literal(price))
    add_text(g, offer, SCHEMA.priceCurrency, first(value, "priceCurrency"))
    url = first(value, "url")
    if ids.url_iri(url):
        g.add(offer, SCHEMA.url, iri(url))


def add_audience(g: RecordGraph, node: Term, value: Any) -> None:
    """``schema:audience [a schema:Audience; schema:audienceType "…"]``."""
    text = first(value, "audienceType", "name") if isinstance(value, dict) else scalar(value)
    if not text:
        return
    aud = bnode(f"{g.ctx.source}-{g.key}-audience-{g.counter('audience')}")
    g.add(node, SCHEMA.audience, aud)
    g.add(aud, RDF.type, SCHEMA.Audience)
    g.add(aud, SCHEMA.audienceType, literal(" ".join(text.split())))


def add_duration(g: RecordGraph, node: Term, prop: Term, value: Any, *, field_: str) -> None:
    """An ISO 8601 duration (``PT2H``) as ``xsd:duration``; other text kept as a plain literal (noted)."""
    s = scalar(value)
    if not s:
        return
    if re.fullmatch(r"-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?", s):
        g.add(node, prop, literal(s, datatype=XSD.raw("duration")))
    else:
        g.note(field_, "duration is not ISO 8601; kept as text", severity="Info", value=s)
        g.add(node, prop, literal(s))


# --- the event node: a Course with a CourseInstance, or an Event -----------------------------------


def is_course(g: RecordGraph) -> bool:
    return any(t.s == g.subject and t.p == RDF.type and t.o == SCHEMA.Course for t in g.triples)


def event_target(g: RecordGraph) -> Term:
    """Where the dated, located facts of a TeSS event go: the ``schema:CourseInstance`` of a course
    (minted ``{base}/id/course-instance/{source}/{key}``), else the event itself (``schema:Event``)."""
    if is_course(g):
        instance = g.mint("course-instance", g.key)
        g.add(g.subject, SCHEMA.hasCourseInstance, instance)
        g.add(instance, RDF.type, SCHEMA.CourseInstance)
        return instance
    g.add(g.subject, RDF.type, SCHEMA.Event)
    return g.subject


# --- TeSS URLs --------------------------------------------------------------------------------------

_TESS_JSON_URL = re.compile(r"^(https?://[^?#]+/(?:materials|events)/[^/?#]+)\.json(?:[?#].*)?$")


def tess_json_url(value: str) -> str | None:
    """The TeSS page IRI of a TeSS ``…/materials/<slug>.json`` URL (index listings put it in ``url``)."""
    m = _TESS_JSON_URL.match(value.strip())
    return m.group(1) if m else None


# --- row transforms -----------------------------------------------------------------------------------


@subject_transform
def doi(g: RecordGraph, values: list[Any]) -> str | None:
    """The DOI IRI of the first value holding a DOI (``10.…``, ``doi:…``, doi.org URL)."""
    for v in values:
        found = ids.doi_iri(node_id(v) or scalar(v) or (first(v, "value") if isinstance(v, dict) else ""))
        if found:
            return found
    return None


@subject_transform
def resource_iri(g: RecordGraph, values: list[Any]) -> str | None:
    """The record's own IRI: the first absolute http(s) URL (a JSON-LD ``@id``, the TeSS ``links.self``
    page; a TeSS ``….json`` URL gives its page)."""
    for v in values:
        s = node_id(v) or scalar(v)
        page = tess_json_url(s) if s else None
        if page:
            return page
        if s and ids.url_iri(s):
            return s
    return None


@subject_transform
def tess_page(g: RecordGraph, values: list[Any]) -> str | None:
    """The TeSS page of a TeSS ``…/materials/<slug>.json`` or ``…/events/<slug>.json`` URL (what TeSS's
    ``.json`` index listings put in ``url``); None for any other URL."""
    for v in values:
        page = tess_json_url(scalar(v))
        if page:
            return page
    return None


def _simple(builder: Callable[..., None], doc: str, *, needs_property: bool = True, field: str = "") -> TransformSpec:
    """A row transform running *builder* on every selected value, on the record's main resource; notes
    name the target property (or *field* for rows without one)."""
    def fn(g: RecordGraph, values: list[Any], prop: str | None) -> None:
        for v in values:
            builder(g, g.subject, iri(prop) if prop else None, v, field_=_field(prop, field or builder.__name__))
    fn.__doc__ = doc
    fn.__name__ = builder.__name__
    return field_transform(needs_property=needs_property)(fn)


def _text(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_text(g, node, prop, v)


def _long_text(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_text(g, node, prop, v, keep_lines=True)


def _level(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    s = scalar(v) or (first(v, "name") if isinstance(v, dict) else "")
    if s and re.sub(r"[^a-z]", "", s.lower()) not in _NOT_SPECIFIED:
        g.add(node, prop, literal(s))


def _date(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_date(g, node, prop, v, field_=field_)


def _agent(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_agent(g, node, prop, v, field_=field_)


def _organization(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_agent(g, node, prop, v, field_=field_, organisation=True)


def _topic(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_topic(g, node, v, field_=field_)


def _keywords(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_keywords(g, node, v, field_=field_)


def _licence(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_licence(g, node, v, field_=field_)


def _url(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_url(g, node, prop, v, field_=field_)


def _identifier(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_identifier(g, node, v, field_=field_)


def _related(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_related(g, node, prop, v, field_=field_)


def _audience(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_audience(g, node, v)


def _duration(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_duration(g, node, prop, v, field_=field_)


def _conforms_to(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    target = node_id(v) or scalar(v)
    if ids.url_iri(target):
        g.add(node, DCT.conformsTo, iri(target))


def _types(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    for t in sorted(types_of({"@type": v})):
        if t in MAIN_TYPES:
            g.add(node, RDF.type, SCHEMA[t])
        elif t in _EVENT_TYPES:
            g.add(node, RDF.type, SCHEMA.Event)
            g.add(node, RDF.type, SCHEMA[t])
        else:
            g.note(field_, "type is not a Bioschemas training type (LearningResource, Course, CourseInstance, "
                           "Event); kept", severity="Info", value=t)
            g.add(node, RDF.type, SCHEMA[t])


def _course_instance(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    if not isinstance(v, dict):
        return
    own = node_id(v)
    instance = iri(own) if own and ids.url_iri(own) else g.mint("course-instance", f"{g.key}-{g.counter('instance')}")
    g.add(node, SCHEMA.hasCourseInstance, instance)
    g.add(instance, RDF.type, SCHEMA.CourseInstance)
    fill_instance(g, instance, v, field_=field_)


def fill_instance(g: RecordGraph, node: Term, obj: dict[str, Any], *, field_: str) -> None:
    """The Bioschemas CourseInstance/Event properties of a JSON-LD object, on *node*."""
    for v in get(obj, "name"):
        add_text(g, node, SCHEMA.name, v)
    for v in get(obj, "description"):
        add_text(g, node, SCHEMA.description, v, keep_lines=True)
    for v in get(obj, "courseMode"):
        add_course_mode(g, node, v, field_=f"{field_}/courseMode")
    for key in ("startDate", "endDate"):
        for v in get(obj, key):
            add_date(g, node, SCHEMA[key], v, field_=f"{field_}/{key}")
    for v in get(obj, "location"):
        add_place(g, node, v, field_=f"{field_}/location")
    for key in ("instructor", "contributor"):
        for v in get(obj, key):
            add_agent(g, node, SCHEMA[key], v, field_=f"{field_}/{key}")
    for key in ("organizer", "funder"):
        for v in get(obj, key):
            add_agent(g, node, SCHEMA[key], v, field_=f"{field_}/{key}", organisation=True)
    for v in get(obj, "maximumAttendeeCapacity"):
        add_integer(g, node, SCHEMA.maximumAttendeeCapacity, v, field_=f"{field_}/maximumAttendeeCapacity")
    for v in get(obj, "url"):
        add_url(g, node, SCHEMA.url, v, field_=f"{field_}/url")
    for v in get(obj, "inLanguage"):
        add_text(g, node, SCHEMA.inLanguage, v)
    for v in get(obj, "duration"):
        add_duration(g, node, SCHEMA.duration, v, field_=f"{field_}/duration")
    for v in get(obj, "keywords"):
        add_keywords(g, node, v, field_=f"{field_}/keywords")
    for v in get(obj, "offers"):
        add_offer(g, node, v, field_=f"{field_}/offers")
    for v in get(obj, "about"):
        if isinstance(v, dict) and types_of(v) & {"Event", "Course"}:
            continue  # the instance points back to its own course/event by name: not a topic
        add_topic(g, node, v, field_=f"{field_}/about")


def _on_event(builder: Callable[..., None]) -> Callable[..., None]:
    """*builder* applied to the TeSS event's target node (:func:`event_target`)."""
    def on_event(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
        builder(g, event_target(g), prop, v, field_=field_)
    on_event.__name__ = builder.__name__
    return on_event


def _event_types(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    s = re.sub(r"[^a-z]", "", scalar(v).lower())
    if s in _COURSE_EVENT_TYPES:
        g.add(node, RDF.type, SCHEMA.Course)
    elif s:
        g.add(node, SCHEMA.additionalType, literal(scalar(v)))


def _event_kind(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    if not is_course(g):
        g.add(node, RDF.type, SCHEMA.Event)


def _place_field(part: str) -> Callable[..., None]:
    """One flat TeSS location field (venue, city, county, country, postcode, latitude, longitude) into the
    one place of the event."""
    def place_part(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
        s = scalar(v)
        if not s:
            return
        target = event_target(g)
        place = bnode(f"{g.ctx.source}-{g.key}-place-tess")
        g.add(target, SCHEMA.location, place)
        g.add(place, RDF.type, SCHEMA.Place)
        if part == "venue":
            g.add(place, SCHEMA.name, literal(s))
            part_prop = SCHEMA.streetAddress
        elif part in ("latitude", "longitude"):
            try:
                number = float(s)
            except ValueError:
                g.note(field_, "coordinate is not in decimal degrees; not mapped", value=s)
                return
            if abs(number) > (90 if part == "latitude" else 180):
                g.note(field_, "coordinate out of range; not mapped", value=s)
                return
            geo = bnode(f"{g.ctx.source}-{g.key}-geo-tess")
            g.add(place, SCHEMA.geo, geo)
            g.add(geo, RDF.type, SCHEMA.GeoCoordinates)
            g.add(geo, SCHEMA[part], literal(str(number), datatype=XSD.raw("decimal")))
            return
        else:
            part_prop = SCHEMA[{"city": "addressLocality", "county": "addressRegion", "country": "addressCountry",
                                "postcode": "postalCode"}[part]]
        address = bnode(f"{g.ctx.source}-{g.key}-address-tess")
        g.add(place, SCHEMA.address, address)
        g.add(address, RDF.type, SCHEMA.PostalAddress)
        g.add(address, part_prop, literal(s))
    place_part.__name__ = f"place_{part}"
    return place_part


def _mode(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_course_mode(g, event_target(g), v, field_=field_)


def _capacity(g: RecordGraph, node: Term, prop: Term, v: Any, *, field_: str) -> None:
    add_integer(g, event_target(g), SCHEMA.maximumAttendeeCapacity, v, field_=field_)


#: the named transforms of every training format (JSON values in, schema.org triples out)
TRANSFORMS: dict[str, TransformSpec] = {
    "doi": doi,
    "resource_iri": resource_iri,
    "tess_page": tess_page,
    "text": _simple(_text, "Text (whitespace collapsed) as a literal."),
    "long_text": _simple(_long_text, "Text keeping its line breaks (descriptions)."),
    "level": _simple(_level, "An educational level; 'Not specified' is skipped."),
    "date": _simple(_date, "A date or date-time, typed; invalid dates kept as plain literals (noted)."),
    "agent": _simple(_agent, "Persons (ORCID IRI, else minted) or organisations; names, TeSS person objects "
                             "or schema.org Person/Organization nodes."),
    "organization": _simple(_organization, "Organisations (ROR IRI, else minted by name); names or nodes."),
    "topic": _simple(_topic, "Scientific topics → schema:about PaNET IRIs (mismatches noted); others → "
                             "dct:subject.", needs_property=False, field='about'),
    "keywords": _simple(_keywords, "Keywords (lists or comma-separated) → schema:keywords; PaNET names also "
                                   "→ schema:about.", needs_property=False, field='keywords'),
    "licence": _simple(_licence, "Licence → schema:license SPDX IRI (mappings/licenses.tsv).",
                       needs_property=False, field='license'),
    "url": _simple(_url, "An http(s) URL as an IRI."),
    "identifier": _simple(_identifier, "schema:identifier: DOI IRI, URL IRI or literal.", needs_property=False, field='identifier'),
    "related": _simple(_related, "A related thing (mentions, external resources) by its DOI/URL IRI."),
    "audience": _simple(_audience, "schema:audience [a schema:Audience; schema:audienceType].",
                        needs_property=False, field='audience'),
    "offers": _simple(lambda g, node, prop, v, *, field_: add_offer(g, node, v, field_=field_),
                      "schema:offers: an Offer node (name, price, currency, url).", needs_property=False,
                      field="offers"),
    "duration": _simple(_duration, "An ISO 8601 duration as xsd:duration."),
    "conforms_to": _simple(_conforms_to, "dct:conformsTo <profile IRI>.", needs_property=False, field='conformsTo'),
    "types": _simple(_types, "The Bioschemas/schema.org @type (any namespace spelling).", needs_property=False, field='@type'),
    "course_instance": _simple(_course_instance, "schema:hasCourseInstance: a CourseInstance node (its @id, "
                                                 "else minted) with dates, location, mode, instructors.",
                               needs_property=False, field='hasCourseInstance'),
    "course_mode": _simple(lambda g, node, prop, v, *, field_: add_course_mode(g, node, v, field_=field_),
                           "schema:courseMode (online, onsite, blended …).", needs_property=False,
                           field="courseMode"),
    "location": _simple(lambda g, node, prop, v, *, field_: add_place(g, node, v, field_=field_),
                        "schema:location: a Place (address, geo), VirtualLocation or place name.",
                        needs_property=False, field="location"),
    "integer": _simple(lambda g, node, prop, v, *, field_: add_integer(g, node, prop, v, field_=field_),
                       "A whole number as xsd:integer."),
    # TeSS events: Course + CourseInstance, or Event
    "event_types": _simple(_event_types, "TeSS event types: 'workshops and courses' make the event a "
                                         "schema:Course; other types → schema:additionalType.",
                           needs_property=False, field='event-types'),
    "event_kind": _simple(_event_kind, "Types the event schema:Event unless an earlier row made it a Course.",
                          needs_property=False, field='title'),
    "event_date": _simple(_on_event(_date), "A date of the event, on its CourseInstance for courses."),
    "event_organizer": _simple(_on_event(_organization), "An organiser/sponsor organisation of the event, on "
                                                         "its CourseInstance for courses."),
    "event_mode": _simple(_mode, "TeSS online flag / presence → schema:courseMode of the event's instance.",
                          needs_property=False, field='courseMode'),
    "event_capacity": _simple(_capacity, "TeSS capacity → schema:maximumAttendeeCapacity of the instance.",
                              needs_property=False, field='maximumAttendeeCapacity'),
    **{f"event_{part}": _simple(_place_field(part), f"TeSS {part} → the event's schema:location Place.",
                                needs_property=False, field=part)
       for part in ("venue", "city", "county", "country", "postcode", "latitude", "longitude")},
}


# --- RDF/XML (TeSS OAI-PMH ``rdf``) ------------------------------------------------------------------------

_RDF_CACHE: "OrderedDict[int, tuple[Any, dict[str, Any] | None]]" = OrderedDict()


def rdfxml_node(element: Any) -> dict[str, Any] | None:
    """The main resource of an ``<rdf:RDF>`` element, framed as a JSON-LD-like object (schema.org and
    dct: local names as keys, nested nodes embedded, IRIs as ``{"@id"}``); None when it holds no
    Bioschemas training resource. Raises ``ValueError`` when it is not RDF/XML rdflib can read."""
    key = id(element)
    hit = _RDF_CACHE.get(key)
    if hit is not None and hit[0] is element:
        return hit[1]
    framed = _frame_rdfxml(element)
    _RDF_CACHE[key] = (element, framed)
    while len(_RDF_CACHE) > 8:
        _RDF_CACHE.popitem(last=False)
    return framed


def _frame_rdfxml(element: Any) -> dict[str, Any] | None:
    import rdflib
    from lxml import etree

    graph = rdflib.Graph()
    try:
        graph.parse(data=etree.tostring(element), format="xml")
    except Exception as exc:  # noqa: BLE001 - rdflib raises many types for bad RDF/XML
        raise ValueError(f"not readable as RDF/XML: {type(exc).__name__}: {exc}") from None

    def local(term: Any) -> str | None:
        s = str(term)
        name = schema_local(s)
        if name:
            return name
        if s.startswith(DCT_NS):
            return s[len(DCT_NS):]
        return None

    candidates = []
    for s, _, o in graph.triples((None, rdflib.RDF.type, None)):
        t = local(o)
        if t in MAIN_TYPES or t in _TYPE_ALIASES:
            candidates.append(s)
    if not candidates:
        return None
    objects = {o for o in graph.objects()}
    roots = [c for c in candidates if c not in objects] or candidates
    roots.sort(key=lambda c: (isinstance(c, rdflib.BNode), str(c)))

    def frame(node: Any, depth: int, seen: frozenset) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if isinstance(node, rdflib.URIRef):
            out["@id"] = str(node)
        types = [local(o) or str(o) for o in graph.objects(node, rdflib.RDF.type)]
        if types:
            out["@type"] = sorted(types)
        for p, o in sorted(graph.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
            if p == rdflib.RDF.type:
                continue
            k = local(p) or str(p)
            if isinstance(o, rdflib.Literal):
                v: Any = {"@value": str(o), "@language": o.language} if o.language else str(o)
            elif o in seen or depth >= 4 or not any(True for _ in graph.predicate_objects(o)):
                v = {"@id": str(o)} if isinstance(o, rdflib.URIRef) else {}
            else:
                v = frame(o, depth + 1, seen | {node})
            out.setdefault(k, []).append(v)
        return out

    return frame(roots[0], 0, frozenset())


def _from_rdf(spec: TransformSpec) -> TransformSpec:
    """*spec* applied to the framed values of the RDF properties that the row's XML path selected."""
    from pangraph.crosswalk.xml import local_name

    def values_for(elements: list[Any]) -> list[Any]:
        if not elements:
            return []
        root = elements[0].getroottree().getroot()
        rdf_root = next((a for a in elements[0].iterancestors() if local_name(a) == "RDF"), root)
        node = rdfxml_node(rdf_root)
        if node is None:
            return []
        main_id = node.get("@id")
        names: list[str] = []
        for e in elements:
            owner = e.getparent()
            about = next((v for k, v in owner.attrib.items() if k.endswith("}about")), None) if owner is not None else None
            if main_id is not None and about is not None and about != main_id:
                continue  # a property of another node described at the top level
            if local_name(e) not in names:
                names.append(local_name(e))
        return [v for n in names for v in node.get(n, [])]

    if spec.subject:
        def subject_fn(g: RecordGraph, elements: list[Any]) -> str | None:
            return spec.function(g, values_for(elements))
        return TransformSpec(subject_fn, subject=True, needs_property=False, doc=spec.doc)

    def field_fn(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
        values = values_for(elements)
        if values:
            spec.function(g, values, prop)
    return TransformSpec(field_fn, subject=False, needs_property=spec.needs_property, doc=spec.doc)


@subject_transform
def rdf_about(g: RecordGraph, elements: list[Any]) -> str | None:
    """The IRI (``rdf:about``) of the RDF/XML record's main resource (None for a blank node)."""
    if not elements:
        return None
    from pangraph.crosswalk.xml import local_name
    rdf_root = next((a for a in elements[0].iterancestors() if local_name(a) == "RDF"), None)
    node = rdfxml_node(rdf_root) if rdf_root is not None else None
    found = node.get("@id") if node else None
    return found if found and ids.url_iri(found) else None


@field_transform(needs_property=False)
def rdf_types(g: RecordGraph, elements: list[Any], prop: str | None) -> None:
    """The schema.org types of the RDF/XML record's main resource (from the parsed RDF)."""
    if not elements:
        return
    from pangraph.crosswalk.xml import local_name
    rdf_root = next((a for a in elements[0].iterancestors() if local_name(a) == "RDF"), None)
    node = rdfxml_node(rdf_root) if rdf_root is not None else None
    if node is None:
        g.note("rdf:RDF", "no LearningResource, Course, CourseInstance or Event in the RDF/XML")
        return
    _types(g, g.subject, None, node.get("@type", []), field_="rdf:type")


RDFXML_TRANSFORMS: dict[str, TransformSpec] = {
    **{name: _from_rdf(spec) for name, spec in TRANSFORMS.items() if not name.startswith("event_")},
    "rdf_about": rdf_about,
    "rdf_types": rdf_types,
}


# --- registration ----------------------------------------------------------------------------------------

_THING = SCHEMA_NS + "Thing"

FORMATS = {
    "tess-material": TRANSFORMS,
    "tess-event": TRANSFORMS,
    "tess-material-json": TRANSFORMS,
    "tess-event-json": TRANSFORMS,
    "bioschemas-jsonld": TRANSFORMS,
    "bioschemas-rdfxml": RDFXML_TRANSFORMS,
}

FORMAT_INFO = {
    "tess-material": FormatInfo(syntax="json", kind="training", main_type=SCHEMA_NS + "LearningResource",
                                mint="training-material", mapping="tess-material-schema.tsv"),
    "tess-event": FormatInfo(syntax="json", kind="training", main_type=_THING, mint="training-event",
                             mapping="tess-event-schema.tsv"),
    "tess-material-json": FormatInfo(syntax="json", kind="training", main_type=SCHEMA_NS + "LearningResource",
                                     mint="training-material", mapping="tess-material-json-schema.tsv"),
    "tess-event-json": FormatInfo(syntax="json", kind="training", main_type=_THING, mint="training-event",
                                  mapping="tess-event-json-schema.tsv"),
    "bioschemas-jsonld": FormatInfo(syntax="json", kind="training", main_type=_THING, mint="training",
                                    mapping="bioschemas-jsonld-schema.tsv"),
    "bioschemas-rdfxml": FormatInfo(syntax="xml", kind="training", main_type=_THING, mint="training",
                                    mapping="bioschemas-rdfxml-schema.tsv"),
}
