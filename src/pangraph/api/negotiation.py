"""Content negotiation: the ``Accept`` header (RFC 9110 §12.5.1) and the media types the node serves.

The server offers media types in its order of preference; :func:`negotiate` returns the offer the
client rates highest (``q``), the earlier offer on a tie, or ``None`` when the client accepts none of
them (the caller answers 406). A missing or empty ``Accept`` header accepts everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

# -- what the node serves ----------------------------------------------------------------------------

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
HTML = "text/html"
JSON = "application/json"

#: result formats of SELECT and ASK queries, in the server's order of preference
SOLUTION_TYPES: tuple[str, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: RDF formats (CONSTRUCT/DESCRIBE results, Linked Data), in the server's order of preference
RDF_TYPES: tuple[str, ...] = (TURTLE, NTRIPLES, JSONLD, RDFXML)

#: file extensions of the Linked Data representations
EXTENSIONS: dict[str, str] = {"ttl": TURTLE, "nt": NTRIPLES, "jsonld": JSONLD, "rdf": RDFXML, "html": HTML}
EXTENSION_OF: dict[str, str] = {v: k for k, v in EXTENSIONS.items()}

#: ``format=`` names on /sparql: (for solutions/boolean results, for graph results)
FORMAT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": (SPARQL_JSON, JSONLD),
    "xml": (SPARQL_XML, RDFXML),
    "csv": (CSV, None),
    "tsv": (TSV, None),
    "turtle": (None, TURTLE),
    "ttl": (None, TURTLE),
    "ntriples": (None, NTRIPLES),
    "nt": (None, NTRIPLES),
    "jsonld": (None, JSONLD),
    "json-ld": (None, JSONLD),
    "rdfxml": (None, RDFXML),
    "rdf": (None, RDFXML),
    "html": (HTML, HTML),
}

#: W3C format IRIs (https://www.w3.org/ns/formats/) of the media types, for the service description
FORMAT_IRIS: dict[str, str] = {
    SPARQL_JSON: "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    SPARQL_XML: "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    CSV: "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    TSV: "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    TURTLE: "http://www.w3.org/ns/formats/Turtle",
    NTRIPLES: "http://www.w3.org/ns/formats/N-Triples",
    JSONLD: "http://www.w3.org/ns/formats/JSON-LD",
    RDFXML: "http://www.w3.org/ns/formats/RDF_XML",
}


# -- the Accept header ---------------------------------------------------------------------------------

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_RANGE = re.compile(rf"^\s*({_TOKEN}|\*)\s*/\s*({_TOKEN}|\*)\s*$")
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$")
_SPLIT = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)')  # commas outside quoted strings
_PARAM_SPLIT = re.compile(r';(?=(?:[^"]*"[^"]*")*[^"]*$)')


@dataclass(frozen=True)
class MediaRange:
    """One element of an ``Accept`` header: ``type/subtype;params;q=…``."""

    type: str
    subtype: str
    q: float = 1.0
    params: tuple[tuple[str, str], ...] = field(default=())

    @property
    def specificity(self) -> int:
        """3 for ``a/b;p=v``, 2 for ``a/b``, 1 for ``a/*``, 0 for ``*/*``."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2

    def matches(self, media_type: str) -> bool:
        """Whether this range covers *media_type* (parameters of the range are not compared:
        ``text/turtle;charset=utf-8`` accepts the node's UTF-8 Turtle)."""
        t, _, s = media_type.partition("/")
        return (self.type == "*" or self.type == t.lower()) and (self.subtype == "*" or self.subtype == s.lower())


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header, in the order given.

    Malformed elements (no ``/``, a bad ``q``) are skipped, as RFC 9110 lets a server do; a bare ``*``
    (sent by some old clients) is read as ``*/*``. ``None`` or an empty header gives ``[*/*]``.
    """
    if header is None or not header.strip():
        return [MediaRange("*", "*")]
    ranges: list[MediaRange] = []
    for element in _SPLIT.split(header):
        if not element.strip():
            continue
        parts = _PARAM_SPLIT.split(element)
        main = parts[0].strip()
        if main == "*":
            main = "*/*"
        m = _RANGE.match(main)
        if not m:
            continue
        t, s = m.group(1).lower(), m.group(2).lower()
        if t == "*" and s != "*":
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        ok = True
        for raw in parts[1:]:
            name, _, value = raw.partition("=")
            name = name.strip().lower()
            value = value.strip().strip('"')
            if not name:
                continue
            if name == "q":
                if not _QVALUE.match(value):
                    ok = False
                    break
                q = float(value)
                break  # what follows q are accept-extensions, not media type parameters
            params.append((name, value))
        if ok:
            ranges.append(MediaRange(t, s, q, tuple(params)))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The ``q`` the client gives *media_type*: that of the most specific matching range, else 0."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (
            best is None or r.specificity > best.specificity or (r.specificity == best.specificity and r.q > best.q)
        ):
            best = r
    return best.q if best is not None else 0.0


def negotiate(accept: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers (highest ``q``; the earlier offer on a tie), or None if none is acceptable."""
    ranges = parse_accept(accept)
    chosen: str | None = None
    chosen_q = 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > chosen_q:
            chosen, chosen_q = offer, q
    return chosen


def prefers_html(accept: str | None) -> bool:
    """Whether the client (a browser) rates ``text/html`` above JSON: used for error pages."""
    ranges = parse_accept(accept)
    return quality(ranges, HTML) > quality(ranges, JSON)


def media_type_of(content_type: str | None) -> tuple[str, dict[str, str]]:
    """``("type/subtype", {param: value})`` of a ``Content-Type`` header (lower-cased type, '' if absent)."""
    if not content_type:
        return "", {}
    parts = _PARAM_SPLIT.split(content_type)
    params: dict[str, str] = {}
    for raw in parts[1:]:
        name, _, value = raw.partition("=")
        if name.strip():
            params[name.strip().lower()] = value.strip().strip('"')
    return parts[0].strip().lower(), params
