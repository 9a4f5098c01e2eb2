"""RDF terms as N-Triples text, and the namespaces pangraph uses.

The crosswalks emit triples as tuples of N-Triples terms (strings such as ``<http://…>``,
``"text"@en`` or ``"2020"^^<…#gYear>``): joining them is the fastest way to feed Oxigraph's
bulk loader, and the text parses back into rdflib/pySHACL graphs for validation and tests.
No store library is imported here.
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple

Term = str  # an N-Triples term: <iri>, _:label or a literal


class Triple(NamedTuple):
    s: Term
    p: Term
    o: Term


class Namespace:
    """An IRI prefix; ``NS.term`` and ``NS["term"]`` give the N-Triples term ``<prefix+term>``.

    Deliberately not a ``str`` subclass: ``DCT.title`` must be the term, never ``str.title``.
    """

    __slots__ = ("_base", "_terms", "__dict__")

    def __init__(self, base: str) -> None:
        self._base = base
        self._terms: dict[str, Term] = {}

    def __getattr__(self, name: str) -> Term:
        if name.startswith("__"):
            raise AttributeError(name)
        term = self[name]
        self.__dict__[name] = term  # the next NS.name is a plain attribute read (hot in the crosswalks)
        return term

    def __getitem__(self, name: str) -> Term:
        term = self._terms.get(name)
        if term is None:
            term = self._terms[name] = iri(self._base + name)
        return term

    def __str__(self) -> str:
        return self._base

    def __repr__(self) -> str:
        return f"Namespace({self._base!r})"

    def raw(self, name: str) -> str:
        """The plain IRI string (not a term) of *name* in this namespace."""
        return self._base + name


RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
DCTYPE = Namespace("http://purl.org/dc/dcmitype/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ORG = Namespace("http://www.w3.org/ns/org#")
FRAPO = Namespace("http://purl.org/cerif/frapo/")
PANET = Namespace("http://purl.org/pan-science/PaNET/")
PANGRAPH = Namespace("https://w3id.org/pangraph/ns#")

PREFIXES: dict[str, str] = {
    "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD), "dcat": str(DCAT),
    "dct": str(DCT), "dctype": str(DCTYPE), "foaf": str(FOAF), "vcard": str(VCARD), "adms": str(ADMS),
    "prov": str(PROV), "schema": str(SCHEMA), "skos": str(SKOS), "sh": str(SH), "dqv": str(DQV),
    "locn": str(LOCN), "org": str(ORG), "frapo": str(FRAPO), "panet": str(PANET), "pangraph": str(PANGRAPH),
}


def sparql_prefixes(names: Iterable[str] | None = None) -> str:
    """``PREFIX`` lines for SPARQL queries (all known prefixes by default)."""
    keys = PREFIXES if names is None else {n: PREFIXES[n] for n in names}
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in keys.items())


_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\\s]')  # \s: Unicode spaces too (no parser likes them)


def iri(value: str) -> Term:
    """The N-Triples term of an IRI; characters N-Triples forbids in IRIs are percent-encoded."""
    if _IRI_FORBIDDEN.search(value):
        value = _IRI_FORBIDDEN.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), value)
    return f"<{value}>"


def iri_value(term: Term) -> str:
    """The IRI string inside an N-Triples IRI term."""
    if not (term.startswith("<") and term.endswith(">")):
        raise ValueError(f"not an IRI term: {term!r}")
    return term[1:-1]


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile('[\\\\"\x00-\x1f\x7f\ud800-\udfff]')


def _escape_char(m: re.Match[str]) -> str:
    c = m.group()
    e = _ESCAPES.get(c)
    if e is not None:
        return e
    if 0xD800 <= ord(c) <= 0xDFFF:  # lone surrogates cannot be encoded
        return "\\uFFFD"
    return f"\\u{ord(c):04X}"


def _escape(text: str) -> str:
    if not _NEEDS_ESCAPE.search(text):
        return text
    return _NEEDS_ESCAPE.sub(_escape_char, text)


def literal(value: object, *, datatype: str | None = None, lang: str | None = None) -> Term:
    """The N-Triples term of a literal. *datatype* is an IRI string or term; *lang* a BCP 47 tag."""
    text = value if isinstance(value, str) else str(value)
    body = '"' + _escape(text) + '"'
    if lang:
        return f"{body}@{lang.strip().replace('_', '-')}"
    if datatype:
        dt = datatype if datatype.startswith("<") else f"<{datatype}>"
        if dt == "<http://www.w3.org/2001/XMLSchema#string>":
            return body
        return f"{body}^^{dt}"
    return body


_BNODE_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def bnode(label: str) -> Term:
    """A blank node term. Labels must be unique within one load: derive them from the record key.
    Every character but ASCII letters, digits, ``_`` and ``-`` becomes ``_``."""
    return "_:" + _BNODE_UNSAFE.sub("_", label)


def _lines(triples: Iterable[tuple[Term, Term, Term]], end: str) -> str:
    seen: set[tuple[str, str, str]] = set()
    lines = []
    for t in triples:
        key = (t[0], t[1], t[2])
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"{t[0]} {t[1]} {t[2]}{end}")
    return "".join(lines)


def ntriples(triples: Iterable[tuple[Term, Term, Term]]) -> str:
    """Serialise triples as N-Triples text (one statement a line, order kept, duplicates dropped)."""
    return _lines(triples, " .\n")


def nquads(triples: Iterable[tuple[Term, Term, Term]], graph: str) -> str:
    """Serialise triples as N-Quads text in the named graph *graph* (an IRI string)."""
    return _lines(triples, f" {iri(graph)} .\n")
