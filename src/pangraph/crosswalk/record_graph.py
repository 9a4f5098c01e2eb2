"""The graph of one record while it is crosswalked: triples, notes, minted IRIs, and the building
blocks that several formats share (agents, dates, licences, techniques, related resources).

Everything here is pure: IRIs are minted from the node base, the source name and the record key, so
the same record always gives the same triples; blank-node labels carry the source and record key so
that records bulk-loaded together never share a blank node.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

from pangraph import iri as ids
from pangraph.crosswalk.xml import Element
from pangraph.rdf import (ADMS, DCAT, DCT, FOAF, ORG, OWL, PROV, RDF, RDFS, SCHEMA, SKOS, XSD, Term, Triple,
                          bnode, iri, iri_value, literal)
from pangraph.records import Note

if TYPE_CHECKING:  # the crosswalk only needs the interfaces; no runtime import of owlready2 or the loader
    from pangraph.crosswalk.mappings import Mappings


class TechniqueMatchLike(Protocol):
    iri: str
    label: str
    matched: str
    via: str
    mismatch: str | None


class TechniqueLookup(Protocol):
    """What the crosswalk needs of :class:`pangraph.vocab.panet.TechniqueIndex`."""

    def resolve(self, text: str) -> TechniqueMatchLike | None: ...

    def find_in_text(self, text: str) -> list[TechniqueMatchLike]: ...

    def check(self, identifier: str | None, label: str | None) -> TechniqueMatchLike | None: ...


@dataclass(frozen=True)
class CrosswalkContext:
    """What a crosswalk may use besides the record: the node base IRI (for minted IRIs), the source
    name, the PaNET technique index and the mappings. Nothing else — no store, clock or network."""

    base: str
    source: str
    techniques: TechniqueLookup
    mappings: "Mappings"


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, *, max_len: int = 80) -> str:
    """A readable, deterministic URL-safe key for a name (``Institut Laue-Langevin`` →
    ``institut-laue-langevin``); names differing only in case, accents or punctuation share it."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = _NOT_SLUG.sub("-", folded.lower()).strip("-")
    digest = hashlib.sha1(text.strip().lower().encode("utf-8")).hexdigest()[:8]
    if not s:
        return digest
    if len(s) > max_len:
        return f"{s[:max_len].rstrip('-')}-{digest}"
    return s


_ORCID_IN_TEXT = re.compile(r"\d{4}-?\d{4}-?\d{4}-?\d{3}[\dXx]")
_WIKIDATA = re.compile(r"(?:^|/)(Q\d+)$")


@dataclass
class NameIdentifier:
    value: str
    scheme: str | None = None
    scheme_uri: str | None = None

    def is_scheme(self, name: str) -> bool:
        """True when the scheme, scheme URI or value names *name* (``orcid``, ``ror`` …) in any spelling."""
        n = name.lower()
        return (n in (self.scheme or "").lower().replace(" ", "")
                or f"{n}.org" in (self.scheme_uri or "").lower()
                or f"{n}.org/" in self.value.lower())


@dataclass
class Affiliation:
    name: str
    identifier: str | None = None
    scheme: str | None = None


@dataclass
class RecordGraph:
    """The triples and notes of one record under construction."""

    ctx: CrosswalkContext
    record_id: str
    key: str
    subject: Term = ""
    triples: list[Triple] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    _seen: set[Triple] = field(default_factory=set)
    _set: set[tuple[str, str]] = field(default_factory=set)
    _counters: dict[str, int] = field(default_factory=dict)
    _landing_pages: list[str] = field(default_factory=list)
    _byte_sizes: list[int] = field(default_factory=list)
    _extents: list[str] = field(default_factory=list)
    _media_types: list[str] = field(default_factory=list)
    _formats: list[str] = field(default_factory=list)

    # -- primitives ------------------------------------------------------------------------------

    @property
    def mappings(self) -> "Mappings":
        return self.ctx.mappings

    def add(self, s: Term, p: Term, o: Term) -> None:
        """Add one triple (duplicates are dropped, order is kept)."""
        t = Triple(s, p, o)
        if t not in self._seen:
            self._seen.add(t)
            self.triples.append(t)
            self._set.add((s, p))

    def has(self, prop: Term, subject: Term | None = None) -> bool:
        """True when *subject* (default: the dataset) already has a value for *prop*."""
        return ((subject or self.subject), prop) in self._set

    def note(self, field_: str, reason: str, *, severity: str = "Warning", value: str | None = None) -> None:
        """Record something tolerated (severity Violation | Warning | Info, as in SHACL)."""
        n = Note(field_, reason, severity, value)
        if n not in self.notes:
            self.notes.append(n)

    def mint(self, kind: str, key: str) -> Term:
        """``{base}/id/{kind}/{source}/{key}`` as a term."""
        return iri(ids.mint(self.ctx.base, kind, self.ctx.source, key))

    def blank(self, kind: str) -> Term:
        """A fresh blank node whose label carries source, record key, kind and a counter."""
        n = self._counters.get(kind, 0) + 1
        self._counters[kind] = n
        return bnode(f"{self.ctx.source}-{self.key}-{kind}-{n}")

    def counter(self, kind: str) -> int:
        n = self._counters.get(kind, 0) + 1
        self._counters[kind] = n
        return n

    def text_literal(self, value: str, lang: str | None = None) -> Term:
        return literal(value, lang=_valid_lang(lang))

    def concept(self, node: Term, label: str, *, kind: Term = SKOS.Concept) -> Term:
        """Describe a controlled-vocabulary value used in the record: *node* typed *kind*
        (``skos:Concept``, or a subclass such as ``dcat:Role``) with ``skos:prefLabel`` *label* in English,
        as DCAT-AP 3 requires of the values of ``dct:type``, ``dcat:hadRole`` … Returns *node*."""
        self.add(node, RDF.type, kind)
        if label:
            self.add(node, SKOS.prefLabel, literal(label, lang="en"))
        return node

    # -- dates -----------------------------------------------------------------------------------

    def date_term(self, value: str, *, field_: str) -> Term | None:
        """A typed date literal (``xsd:gYear``, ``gYearMonth``, ``date``, ``dateTime``); an invalid
        date is kept as a plain literal with a note."""
        v = value.strip()
        if not v:
            return None
        typed = date_literal(v)
        if typed is not None:
            return typed
        self.note(field_, "invalid date kept as plain literal", value=v)
        return literal(v)

    def add_date(self, prop: Term, value: str, *, field_: str) -> None:
        """Add a date property; ``dct:temporal`` (and any range ``a/b``) becomes a ``dct:PeriodOfTime``."""
        v = value.strip()
        if not v:
            return
        if prop == DCT.temporal:
            self.add_period(v, field_=field_)
            return
        if "/" in v and not v.startswith("/"):
            start = v.split("/", 1)[0].strip()
            self.note(field_, "date range where a single date is expected; the start is used", severity="Info",
                      value=v)
            v = start
        term = self.date_term(v, field_=field_)
        if term is not None:
            self.add(self.subject, prop, term)

    def add_period(self, value: str, *, field_: str, end: str | None = None) -> None:
        """A ``dct:temporal`` period from ``start/end``, ``start/``, ``/end`` or one date (start = end)."""
        if end is None:
            if "/" in value:
                start, end = (p.strip() for p in value.split("/", 1))
            else:
                start, end = value.strip(), value.strip()
        else:
            start = value.strip()
        if not start and not end:
            return
        node = self.blank("temporal")
        self.add(self.subject, DCT.temporal, node)
        self.add(node, RDF.type, DCT.PeriodOfTime)
        if start:
            t = self.date_term(start, field_=field_)
            if t:
                self.add(node, DCAT.startDate, t)
        if end:
            t = self.date_term(end, field_=field_)
            if t:
                self.add(node, DCAT.endDate, t)

    # -- agents ----------------------------------------------------------------------------------

    def agent(
        self,
        *,
        name: str,
        field_: str,
        given: str | None = None,
        family: str | None = None,
        name_type: str | None = None,
        identifiers: Sequence[NameIdentifier] = (),
        affiliations: Sequence[Affiliation] = (),
        organisation_by_default: bool = False,
        lang: str | None = None,
    ) -> Term | None:
        """The IRI term of a person or organisation (ORCID / ROR when known, else minted), with its
        ``foaf:`` description and affiliations; None (and a note) when it has no name at all."""
        name = " ".join((name or "").split())
        given = " ".join((given or "").split()) or None
        family = " ".join((family or "").split()) or None
        if not name and (given or family):
            name = " ".join(p for p in (given, family) if p)
        if not name:
            self.note(field_, "agent without a name skipped")
            return None
        kind = _agent_kind(name_type, identifiers, given, family, organisation_by_default)
        if kind == "organization":
            return self.organization(name, identifiers=identifiers, field_=field_, lang=lang)
        return self.person(name, given=given, family=family, identifiers=identifiers,
                           affiliations=affiliations, field_=field_)

    def person(
        self,
        name: str,
        *,
        field_: str,
        given: str | None = None,
        family: str | None = None,
        identifiers: Sequence[NameIdentifier] = (),
        affiliations: Sequence[Affiliation] = (),
    ) -> Term:
        """A ``foaf:Person``: ORCID IRI when one is valid, else minted from the name and the record key."""
        if not (given and family) and name.count(",") == 1:
            fam, giv = (p.strip() for p in name.split(","))
            if fam and giv:
                family, given = family or fam, given or giv
        display = f"{given} {family}" if given and family else name
        orcid = None
        for ident in identifiers:
            if ident.is_scheme("orcid") and orcid is None:
                orcid = self.orcid(ident.value, field_=field_)
        node = iri(orcid) if orcid else self.mint("person", f"{self.key}-{slug(display)}")
        self.add(node, RDF.type, FOAF.Person)
        self.add(node, RDF.type, FOAF.Agent)
        self.add(node, FOAF.name, literal(display))
        if given:
            self.add(node, FOAF.givenName, literal(given))
        if family:
            self.add(node, FOAF.familyName, literal(family))
        self._other_identifiers(node, identifiers, skip=("orcid",))
        for aff in affiliations:
            org = self.affiliation(aff, field_=field_)
            if org:
                self.add(node, ORG.memberOf, org)
        return node

    def orcid(self, value: str, *, field_: str) -> str | None:
        """The ORCID IRI in *value*; repairs doubled prefixes (with a note), notes what cannot be read."""
        found = ids.orcid_iri(value)
        if found:
            return found
        for candidate in reversed(_ORCID_IN_TEXT.findall(value)):
            found = ids.orcid_iri(candidate)
            if found:
                self.note(field_, "ORCID written in a non-standard way; the ORCID inside was used",
                          severity="Info", value=value.strip())
                return found
        self.note(field_, "unparseable ORCID (or wrong check digit); person minted without it", value=value.strip())
        return None

    def organization(
        self,
        name: str,
        *,
        field_: str,
        identifiers: Sequence[NameIdentifier] = (),
        pid: str | None = None,
        lang: str | None = None,
    ) -> Term:
        """A ``foaf:Organization``: its PID IRI (*pid*, or a ROR among *identifiers*) when known, else
        minted from the name (organisations by name are shared within a source)."""
        ror_value = pid
        for ident in identifiers:
            if ror_value is None and ident.is_scheme("ror"):
                ror_value = ids.ror_iri(ident.value)
                if ror_value is None:
                    self.note(field_, "unparseable ROR identifier", value=ident.value.strip())
        node = iri(ror_value) if ror_value else self.mint("organization", slug(name))
        self.add(node, RDF.type, FOAF.Organization)
        self.add(node, RDF.type, FOAF.Agent)
        if name:
            self.add(node, FOAF.name, self.text_literal(name, lang))
        self._other_identifiers(node, identifiers, skip=("ror",))
        return node

    def affiliation(self, aff: Affiliation, *, field_: str) -> Term | None:
        name = " ".join(aff.name.split())
        ror = None
        if aff.identifier:
            ror = ids.ror_iri(aff.identifier)
            if ror is None and "ror" in (aff.scheme or "").lower():
                self.note(field_, "unparseable ROR affiliation identifier", value=aff.identifier)
        if not ror and ids.ror_iri(name):  # a ROR written as the affiliation's name
            ror, name = ids.ror_iri(name), ""
        if not name and not ror:
            return None
        return self.organization(name, pid=ror, field_=field_)

    def _other_identifiers(self, node: Term, identifiers: Sequence[NameIdentifier], *, skip: tuple[str, ...]) -> None:
        for ident in identifiers:
            if any(ident.is_scheme(s) for s in skip) or ident.is_scheme("orcid") or ident.is_scheme("ror"):
                continue
            value = ident.value.strip()
            scheme = (ident.scheme or "").lower()
            same = None
            if scheme == "isni" or "isni.org" in value.lower():
                same = ids.isni_iri(value)
            elif scheme == "wikidata" or "wikidata.org" in value.lower():
                m = _WIKIDATA.search(value)
                same = f"http://www.wikidata.org/entity/{m.group(1)}" if m else None
            if same:
                self.add(node, OWL.sameAs, iri(same))
            elif value:
                self.add(node, DCT.identifier, literal(value))

    # -- licences and access rights ---------------------------------------------------------------

    def rights(self, *, field_: str, uri: str | None = None, identifier: str | None = None,
               scheme: str | None = None, text: str | None = None, lang: str | None = None) -> None:
        """One rights statement → ``dct:accessRights`` (info:eu-repo terms), ``dct:license`` (a licence
        found by URI, identifier or name in ``licenses.tsv``; SPDX ids), or ``dct:rights`` (free text)."""
        access = self.mappings.access_rights
        hit = access.lookup(uri) if uri else None
        if hit is None and text and not uri and text.strip().lower().startswith("info:eu-repo"):
            hit = access.lookup(text)
        if hit is not None:
            self.add(self.subject, DCT.accessRights, iri(hit.object_id))
            self.add(iri(hit.object_id), RDF.type, DCT.RightsStatement)
            return
        if uri and uri.strip().lower().startswith("info:eu-repo"):
            self.note(field_, "unknown info:eu-repo access right", value=uri)
            return
        licences = self.mappings.licenses
        found = licences.by_uri(uri) or licences.by_name(identifier) or licences.by_uri(text) or licences.by_name(text)
        licence_iri: str | None = found.object_id if found else None
        if licence_iri is None and identifier and (scheme or "").strip().lower() == "spdx":
            licence_iri = licences.spdx_namespace + identifier.strip()
            self.note(field_, "SPDX licence not in mappings/licenses.tsv; SPDX IRI built from the identifier",
                      severity="Info", value=identifier)
        if licence_iri is None and uri and ids.url_iri(uri):
            licence_iri = uri.strip()
            self.note(field_, "licence URI not in mappings/licenses.tsv; kept as given", severity="Info", value=uri)
        if licence_iri is None and text and ids.url_iri(text.strip()):
            licence_iri = text.strip()
            self.note(field_, "licence URL not in mappings/licenses.tsv; kept as given", severity="Info", value=text)
        if licence_iri is not None:
            self.add(self.subject, DCT.license, iri(licence_iri))
            self.add(iri(licence_iri), RDF.type, DCT.LicenseDocument)
            return
        label = (text or uri or identifier or "").strip()
        if not label:
            return
        self.note(field_, "unknown licence text kept as a rights statement", value=label)
        node = self.blank("rights")
        self.add(self.subject, DCT.rights, node)
        self.add(node, RDF.type, DCT.RightsStatement)
        self.add(node, RDFS.label, self.text_literal(label, lang))

    def objects(self, subject: Term, prop: Term) -> list[Term]:
        """The objects already added for *subject* and *prop*, in order."""
        return [t.o for t in self.triples if t.s == subject and t.p == prop]

    def licence_of_dataset(self) -> list[Term]:
        return [t.o for t in self.triples if t.s == self.subject and t.p == DCT.license]

    # -- techniques ------------------------------------------------------------------------------

    def add_technique(self, match: TechniqueMatchLike, *, field_: str) -> None:
        """``schema:measurementTechnique <PaNET IRI>``; a label/ID mismatch is noted."""
        if match.mismatch:
            self.note(field_, match.mismatch, value=match.matched)
        self.add(self.subject, SCHEMA.measurementTechnique, iri(match.iri))

    def technique_from_identifier(self, identifier: str, label: str | None, *, field_: str) -> bool:
        """Add the technique a PaNET IRI/ID names (checked against *label*); False if it is not PaNET."""
        if ids.panet_iri(identifier) is None:
            return False
        match = self.ctx.techniques.check(identifier, label or None)
        if match is None:
            self.note(field_, "PaNET identifier of no known class, and no technique in its label", value=identifier)
            return False
        self.add_technique(match, field_=field_)
        return True

    def techniques_in_text(self, text: str, *, field_: str) -> int:
        """Add every technique named in free text (a title); returns how many."""
        found = self.ctx.techniques.find_in_text(text)
        for m in found:
            self.add_technique(m, field_=field_)
        return len(found)

    # -- related resources -----------------------------------------------------------------------

    def landing_page(self, url: str) -> None:
        """``dcat:landingPage <url>`` (a ``foaf:Document``), remembered for the distribution."""
        u = url.strip()
        self.add(self.subject, DCAT.landingPage, iri(u))
        self.add(iri(u), RDF.type, FOAF.Document)
        if u not in self._landing_pages:
            self._landing_pages.append(u)

    @property
    def landing_pages(self) -> list[str]:
        return list(self._landing_pages)

    def distribution_size(self, value: str, *, field_: str) -> None:
        """Remember a size for the distribution: bytes when it has a byte unit, else an extent."""
        v = " ".join(value.split())
        if not v:
            return
        n = byte_size(v)
        if n is None:
            self._extents.append(v)
        else:
            self._byte_sizes.append(n)

    def distribution_format(self, value: str) -> None:
        """Remember a format for the distribution: an IANA media type when it is one, else a label."""
        v = value.strip()
        if not v:
            return
        if _MEDIA_TYPE.match(v):
            self._media_types.append(v.lower())
        else:
            self._formats.append(v)

    def finish(self) -> None:
        """Build the distribution (when the record has a landing page, or sizes/formats and a DOI):
        minted ``{base}/id/distribution/{source}/{key}-1`` with ``dcat:accessURL`` and the dataset's
        licences."""
        pending = self._byte_sizes or self._extents or self._media_types or self._formats
        access = self._landing_pages[0] if self._landing_pages else None
        if access is None and pending and iri_value(self.subject).startswith("https://doi.org/"):
            access = iri_value(self.subject)
        if access is None:
            if pending:
                self.note("sizes/formats", "size or format without a landing page or DOI: no distribution made",
                          severity="Info")
            return
        node = self.mint("distribution", f"{self.key}-1")
        self.add(self.subject, DCAT.distribution, node)
        self.add(node, RDF.type, DCAT.Distribution)
        self.add(node, DCAT.accessURL, iri(access))
        for n in self._byte_sizes[:1]:
            self.add(node, DCAT.byteSize, literal(str(n), datatype=XSD.raw("nonNegativeInteger")))
        if len(self._byte_sizes) > 1:
            self.note("sizes/size", "several byte sizes; the first is used", severity="Info",
                      value=", ".join(map(str, self._byte_sizes)))
        for extent in self._extents:
            ext = self.blank("extent")
            self.add(node, DCT.extent, ext)
            self.add(ext, RDF.type, DCT.SizeOrDuration)
            self.add(ext, RDF.value, literal(extent))
        # DCAT-AP 3 allows one dcat:mediaType, one dct:format and one dct:license per distribution
        media_types = list(dict.fromkeys(self._media_types))
        for mt in media_types[:1]:
            media = iri("https://www.iana.org/assignments/media-types/" + mt)
            self.add(node, DCAT.mediaType, media)
            self.add(media, RDF.type, DCT.MediaType)
        if len(media_types) > 1:
            self.note("formats/format", "several media types; the first is the distribution's dcat:mediaType",
                      severity="Info", value=", ".join(media_types))
        labels = list(dict.fromkeys(self._formats))
        if labels:
            fmt = self.blank("format")
            self.add(node, DCT["format"], fmt)
            self.add(fmt, RDF.type, DCT.MediaTypeOrExtent)
            for label in labels:
                self.add(fmt, RDFS.label, literal(label))
            if len(labels) > 1:
                self.note("formats/format", "several format labels; kept as labels of the one dct:format",
                          severity="Info", value="; ".join(labels))
        licences = self.licence_of_dataset()
        for licence in licences[:1]:
            self.add(node, DCT.license, licence)
        if len(licences) > 1:
            self.note("rightsList/rights", "several licences; the first is the distribution's dct:license",
                      severity="Info", value=", ".join(iri_value(t) for t in licences))

    def alternate_identifier(self, value: str, scheme: str | None) -> None:
        """``adms:identifier`` node with ``skos:notation`` (and the scheme as a ``dct:type`` literal)."""
        node = self.blank("identifier")
        self.add(self.subject, ADMS.identifier, node)
        self.add(node, RDF.type, ADMS.Identifier)
        self.add(node, SKOS.notation, literal(value.strip()))
        if scheme:
            self.add(node, DCT.type, literal(scheme.strip()))

    def activity(self, proposals: Sequence[str]) -> list[Term]:
        """The experiment activities (proposals) that generated the dataset; one per proposal, minted
        per source so that records of the same proposal meet; one per record when there is none."""
        nodes = []
        for p in proposals:
            node = self.mint("proposal", slug(p))
            self.add(self.subject, PROV.wasGeneratedBy, node)
            self.add(node, RDF.type, PROV.Activity)
            self.add(node, DCT.identifier, literal(p))
            nodes.append(node)
        if not nodes:
            node = self.mint("activity", self.key)
            self.add(self.subject, PROV.wasGeneratedBy, node)
            self.add(node, RDF.type, PROV.Activity)
            nodes.append(node)
        return nodes


# --- pure helpers ---------------------------------------------------------------------------------

_MEDIA_TYPE = re.compile(r"^(application|audio|font|image|message|model|multipart|text|video)/[\w.+-]+$", re.I)
_SIZE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([kmgtpe]?i?)(b|bytes?|octets?)$", re.IGNORECASE)
_UNIT = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15, "e": 10**18,
         "ki": 2**10, "mi": 2**20, "gi": 2**30, "ti": 2**40, "pi": 2**50, "ei": 2**60}


def byte_size(value: str) -> int | None:
    """Bytes in a size such as ``285 kb``, ``1.5 GB``, ``2 GiB``, ``1024 bytes`` or a bare number;
    None when the unit is not a byte unit (``90 pages``). kB/MB/… are decimal, KiB/MiB/… binary."""
    v = value.strip()
    if re.fullmatch(r"\d+", v):
        return int(v)
    m = _SIZE.match(v)
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    return int(round(number * _UNIT[m.group(2).lower()]))


_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def date_literal(value: str) -> Term | None:
    """``xsd:gYear`` / ``gYearMonth`` / ``date`` / ``dateTime`` literal for an ISO 8601 date, or None."""
    v = value.strip()
    if _YEAR.match(v):
        return literal(v, datatype=XSD.raw("gYear"))
    m = _YEAR_MONTH.match(v)
    if m:
        return literal(v, datatype=XSD.raw("gYearMonth")) if 1 <= int(m.group(2)) <= 12 else None
    if _DATE.match(v):
        try:
            date.fromisoformat(v)
        except ValueError:
            return None
        return literal(v, datatype=XSD.raw("date"))
    if _DATETIME.match(v):
        normal = v.replace(" ", "T")
        try:
            datetime.fromisoformat(normal.replace("Z", "+00:00"))
        except ValueError:
            return None
        if re.search(r"T\d{2}:\d{2}(Z|[+-]|$)", normal):  # hh:mm → hh:mm:00 (xsd:dateTime needs seconds)
            normal = re.sub(r"(T\d{2}:\d{2})", r"\1:00", normal, count=1)
        return literal(normal, datatype=XSD.raw("dateTime"))
    return None


_LANG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


def _valid_lang(lang: str | None) -> str | None:
    if not lang:
        return None
    l = lang.strip().replace("_", "-")
    return l if _LANG.match(l) else None


_ORG_NAME_TYPES = {"organizational", "organisational", "organization", "organisation"}


def _agent_kind(name_type: str | None, identifiers: Sequence[NameIdentifier], given: str | None,
                family: str | None, organisation_by_default: bool) -> str:
    nt = (name_type or "").strip().lower()
    if nt in _ORG_NAME_TYPES:
        return "organization"
    if nt == "personal":
        return "person"
    if any(i.is_scheme("orcid") for i in identifiers) or given or family:
        return "person"
    if any(i.is_scheme("ror") for i in identifiers):
        return "organization"
    return "organization" if organisation_by_default else "person"


# --- transform registry types ---------------------------------------------------------------------

FieldTransform = Callable[[RecordGraph, list[Element], "str | None"], None]
SubjectTransform = Callable[[RecordGraph, list[Element]], "str | None"]


@dataclass(frozen=True)
class TransformSpec:
    """A named transform a field crosswalk row may reference."""

    function: Callable[..., object]
    subject: bool = False  # proposes the dataset IRI (property column '@subject')
    needs_property: bool = True  # False: picks its properties itself (property column '-')
    doc: str = ""


def field_transform(*, needs_property: bool = True) -> Callable[[FieldTransform], TransformSpec]:
    """Declare a field transform ``f(graph, elements, property_iri)``."""
    def wrap(fn: FieldTransform) -> TransformSpec:
        return TransformSpec(fn, subject=False, needs_property=needs_property, doc=(fn.__doc__ or "").strip())
    return wrap


def subject_transform(fn: SubjectTransform) -> TransformSpec:
    """Declare a subject transform ``f(graph, elements) -> dataset IRI | None``."""
    return TransformSpec(fn, subject=True, needs_property=False, doc=(fn.__doc__ or "").strip())


# --- related resources as IRIs -----------------------------------------------------------------------

_PDB_PATTERNS = (
    re.compile(r"rcsb\.org/(?:structure|pdb/explore\.do\?structureId=)/?([0-9][a-z0-9]{3})\b", re.IGNORECASE),
    re.compile(r"ebi\.ac\.uk/pdbe/entry/pdb/([0-9][a-z0-9]{3})\b", re.IGNORECASE),
    re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?10\.2210/pdb([0-9][a-z0-9]{3})/pdb$", re.IGNORECASE),
    re.compile(r"^pdb[:\s]*([0-9][a-z0-9]{3})$", re.IGNORECASE),
)
_EMPIAR = re.compile(r"(?:^|[/:\s])EMPIAR-(\d{5,})\b", re.IGNORECASE)
_EMDB = re.compile(r"(?:^|[/:\s])EMD-(\d{4,5})\b", re.IGNORECASE)


def related_resource_iri(value: str, scheme: str | None = None) -> str | None:
    """The IRI of a related resource: structure/EM databases via identifiers.org (PDB from its DOI,
    RCSB/PDBe URLs or ``PDB:`` ids; EMPIAR and EMDB from ids, URLs or DOIs), then DOIs, Handles,
    URLs, ARKs, URNs, ISBN/ISSN URNs, arXiv, PMID and bibcodes; None when no IRI can be formed."""
    v = (value or "").strip()
    if not v:
        return None
    s = (scheme or "").strip().lower()
    if s in ("pdb", "empiar", "emdb"):
        found = ids.identifiers_org_iri(s, v)
        if found:
            return found
    for pattern in _PDB_PATTERNS:
        m = pattern.search(v)
        if m:
            return ids.identifiers_org_iri("pdb", m.group(1))
    m = _EMPIAR.search(" " + v)
    if m and (s in ("", "empiar", "url", "doi") or "empiar" in v.lower()):
        return ids.identifiers_org_iri("empiar", m.group(1))
    m = _EMDB.search(" " + v)
    if m and (s in ("", "emdb", "url")):
        return ids.identifiers_org_iri("emdb", m.group(1))
    if s == "ark" or v.lower().startswith("ark:"):
        return "https://n2t.net/" + v if v.lower().startswith("ark:") else ids.url_iri(v)
    if s == "urn" or v.lower().startswith("urn:"):
        return v if re.fullmatch(r"urn:[a-z0-9][a-z0-9-]{0,31}:\S+", v, re.IGNORECASE) else ids.url_iri(v)
    if s == "isbn":
        digits = re.sub(r"[^0-9Xx]", "", v)
        return f"urn:isbn:{digits}" if len(digits) in (10, 13) else None
    if s in ("issn", "eissn", "lissn", "pissn"):
        return f"urn:issn:{v.upper()}" if re.fullmatch(r"\d{4}-\d{3}[\dXx]", v) else None
    if s == "bibcode":
        return f"https://ui.adsabs.harvard.edu/abs/{v}" if re.fullmatch(r"\S{19}", v) else None
    if s in ("doi", "handle", "url", "purl", "w3id", "arxiv", "pmid", "uri"):
        return ids.pid_iri(v, s) or ids.doi_iri(v) or ids.url_iri(v)
    if s:  # a scheme we cannot turn into an IRI (LSID, UPC, EAN13, ISTC, IGSN, CSTR, RRID, SWHID …)
        return ids.doi_iri(v) or ids.url_iri(v)
    return ids.pid_iri(v)
