"""PaNET, the Photon and Neutron Experimental Techniques ontology, as a fast lookup index.

:class:`TechniqueIndex` answers the questions the crosswalk and the API ask about techniques:
which class an identifier, label, altLabel or acronym names (:meth:`TechniqueIndex.resolve`),
whether a record's ID and label agree (:meth:`TechniqueIndex.check`), which techniques a title
mentions (:meth:`TechniqueIndex.find_in_text`) and the broader/narrower closure over asserted
``rdfs:subClassOf`` (:meth:`TechniqueIndex.ancestors`, :meth:`TechniqueIndex.descendants`).

The OWL file is read once with owlready2 (into a private ``World``) and flattened into plain
dicts; nothing refers back to owlready2 afterwards, so an index pickles and lookups are dict hits.
:func:`load_techniques` picks the source from the configuration (DESIGN.md §7): the configured
file, the cached copy of the canonical URL, a download of that URL (pinned by version and
checksum), or — offline — the small technique table shipped in ``pangraph/demo/techniques.tsv``.

This is the only module of pangraph that imports owlready2.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import pickle
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping

import httpx
import owlready2

from pangraph import __version__
from pangraph.config import Config
from pangraph.errors import VocabularyError
from pangraph.iri import PANET_NS, panet_iri
from pangraph.rdf import DCT, OWL, RDF, RDFS, SKOS, Triple, iri, literal, ntriples
from pangraph.resources import package_data

ONTOLOGY_IRI = PANET_NS + "PaNET.owl"
"""IRI of the PaNET ontology (also its canonical download location)."""
ROOT = PANET_NS + "PaNET00001"
"""The technique root, "photon and neutron technique"."""
SPECIFIER_ROOT = PANET_NS + "PaNET2000000"
"""The second root added in PaNET 1.3.0, "photon and neutron specifiers" (not techniques)."""
SUBSET_ONTOLOGY_IRI = "https://w3id.org/pangraph/ontology/panet-subset"
"""IRI of the ``owl:Ontology`` node describing the shipped subset table."""

RDF_XML = "application/rdf+xml"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
OWL_XML = "application/owl+xml"

_AXES = frozenset(PANET_NS + f"PaNET0000{n}" for n in range(1, 6))  # root + the four "defined by ..." axes
_SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
_CACHE_FORMAT = 1  # bump when the cached index data changes shape
_MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024

# Acronyms that find_in_text ignores because, in running text, they mostly mean something else.
_AMBIGUOUS_ACRONYMS = frozenset({
    "PhD",  # photoelectron diffraction, but mostly the degree
    "PDF",  # pair distribution function, but mostly the file format
    "MAD",  # multi wavelength anomalous diffraction, but an English word in all-caps titles
    "SAD",  # single wavelength anomalous diffraction, idem
    "STM",  # PaNET's "scanning transmission microscopy"; in text mostly scanning *tunnelling* microscopy
})
_MIN_TEXT_ACRONYM = 3
_SIMILAR = 0.85  # difflib ratio above which a record's label counts as a spelling of the class label

_TOKEN = re.compile(r"[^\W_]+")
_SEPARATOR = re.compile(r"[\s\-\u2010-\u2015_]+")
_LABEL_WITH_ACRONYM = re.compile(r"^(?P<head>.+?)\s*[(\[]\s*(?P<inner>[^()\[\]]+?)\s*[)\]]\s*$", re.DOTALL)
_DOTTED_PATH = re.compile(r"^[^\s.;]+(?:\.[^\s.;]+)+$")
_EDGE_PUNCTUATION = " \t\r\n.,;:\"'"


@dataclass(frozen=True, slots=True)
class TechniqueMatch:
    """A PaNET class named by some text: its canonical IRI and label, the text that named it,
    how it was recognised (``via``: "iri" | "label" | "altLabel" | "acronym"), and — when a
    record's ID and label disagree — a human-readable ``mismatch``. ``span`` is the
    (start, end) of ``matched`` in the text given to :meth:`TechniqueIndex.find_in_text`."""

    iri: str
    label: str
    matched: str
    via: str
    mismatch: str | None = None
    span: tuple[int, int] | None = None


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _clean_label(text: str) -> str:
    """A label with surrounding and repeated whitespace removed (PaNET01250 ends with a space)."""
    return " ".join(_nfkc(text).split())


def _key(text: str, *, fold: bool = True) -> str | None:
    """Space- and hyphen-insensitive key of a name, case-insensitive unless *fold* is False
    ("X-ray", "x ray", "Xray" → "xray"; "TR-SFX" → "TRSFX" unfolded), or None when its words are
    joined by anything but spaces, hyphens or underscores."""
    tokens = list(_TOKEN.finditer(_nfkc(text)))
    if not tokens:
        return None
    s = tokens[0].string
    for a, b in zip(tokens, tokens[1:]):
        if not _SEPARATOR.fullmatch(s, a.end(), b.start()):
            return None
    return "".join(t.group().casefold() if fold else t.group() for t in tokens)


def _is_acronym(alt_label: str) -> bool:
    """An altLabel is treated as an acronym when it is one word with at least two capitals (XAS, MuSR, TR-SFX)."""
    return not any(c.isspace() for c in alt_label) and sum(c.isupper() for c in alt_label) >= 2


def _local(iri_: str) -> str:
    return iri_[len(PANET_NS):] if iri_.startswith(PANET_NS) else iri_


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class TechniqueIndex:
    """The PaNET classes with their labels, altLabels and asserted named superclasses, indexed for
    lookup by IRI spelling, label, altLabel and acronym, and for closure queries.

    Build one with :func:`load_techniques`, :meth:`from_file`, :meth:`from_bytes` or
    :meth:`from_table`. ``version`` is the ontology's ``owl:versionInfo``, ``origin`` says which
    source was used, ``is_full`` is False for the shipped subset table.
    """

    def __init__(
        self,
        *,
        labels: Mapping[str, str],
        alt_labels: Mapping[str, Iterable[str]],
        parents: Mapping[str, Iterable[str]],
        version: str | None,
        origin: str,
        is_full: bool,
        document: bytes | None = None,
        media_type: str | None = None,
    ) -> None:
        self.version = version
        self.origin = origin
        self.is_full = is_full
        self._labels: dict[str, str] = {i: _clean_label(label) for i, label in labels.items()}
        self._alt_labels: dict[str, tuple[str, ...]] = {
            i: tuple(_clean_label(a) for a in alt_labels.get(i, ()) if a.strip()) for i in self._labels
        }
        self._parents: dict[str, tuple[str, ...]] = {
            i: tuple(p for p in parents.get(i, ()) if p in self._labels and p != i) for i in self._labels
        }
        children: dict[str, list[str]] = {i: [] for i in self._labels}
        for child, ps in self._parents.items():
            for p in ps:
                children[p].append(child)
        self._children = {i: tuple(sorted(c)) for i, c in children.items()}
        self._document = document
        self._media_type = media_type
        self._closure_up: dict[str, frozenset[str]] = {}
        self._closure_down: dict[str, frozenset[str]] = {}
        self._techniques = self._closure(ROOT, self._children) | {ROOT} if ROOT in self._labels else frozenset()
        self._build_lookup()

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, cache_dir: str | os.PathLike[str] | None = None,
                  origin: str | None = None) -> "TechniqueIndex":
        """The index of an ontology file (RDF/XML, OWL/XML, N-Triples or Turtle).

        With *cache_dir*, the flattened index is kept there keyed by the file's SHA-256, so the
        next load of the same file skips parsing.
        """
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as e:
            raise VocabularyError(f"cannot read ontology file {p}: {e.strerror or e}") from None
        return cls.from_bytes(data, origin=origin or f"file {p}", name=p.name, cache_dir=cache_dir)

    @classmethod
    def from_bytes(cls, data: bytes, *, origin: str, name: str = "", cache_dir: str | os.PathLike[str] | None = None,
                   ) -> "TechniqueIndex":
        """The index of an ontology document given as bytes (*name* helps recognise its syntax)."""
        media_type = _sniff_media_type(data, name)
        digest = _sha256(data)
        cached = _read_index_cache(cache_dir, digest)
        facts = cached if cached is not None else _read_ontology(data, media_type, origin)
        if cached is None:
            _write_index_cache(cache_dir, digest, facts)
        return cls(labels=facts["labels"], alt_labels=facts["alt_labels"], parents=facts["parents"],
                   version=facts["version"], origin=origin, is_full=True, document=data, media_type=media_type)

    @classmethod
    def from_table(cls, path: str | os.PathLike[str] | None = None, *, origin: str | None = None) -> "TechniqueIndex":
        """The index of a technique table (TSV: iri, label, alt_labels, parents; ``|`` separates
        values; a ``# panet-version: X`` comment gives the version). Default: the table shipped
        in the package. Every parent must itself be a row, so closures stay complete."""
        p = Path(path) if path is not None else package_data("demo", "techniques.tsv")
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as e:
            raise VocabularyError(f"cannot read technique table {p}: {e.strerror or e}") from None
        version, rows = _parse_table(text, where=str(p))
        return cls(
            labels={r[0]: r[1] for r in rows},
            alt_labels={r[0]: r[2] for r in rows},
            parents={r[0]: r[3] for r in rows},
            version=version,
            origin=origin or f"technique table {p} ({len(rows)} classes of PaNET {version})",
            is_full=False,
        )

    def _build_lookup(self) -> None:
        # whole-text lookup: key -> iri, label before altLabel; technique tree only
        ranked: dict[str, tuple[int, str | None]] = {}
        acronyms: dict[str, set[str]] = {}
        for i in sorted(self._techniques):
            entries = [(self._labels[i], 0)] + [(a, 1) for a in self._alt_labels[i] if not _is_acronym(a)]
            for name, rank in entries:
                k = _key(name)
                if k is None:
                    continue
                prev = ranked.get(k)
                if prev is None or rank < prev[0]:
                    ranked[k] = (rank, i)
                elif rank == prev[0] and prev[1] != i:
                    ranked[k] = (rank, None)  # two classes share the name at the same rank: ambiguous
            for a in self._alt_labels[i]:
                if _is_acronym(a):
                    acronyms.setdefault(a, set()).add(i)
        self._by_key: dict[str, tuple[str, str]] = {
            k: (i, "label" if rank == 0 else "altLabel") for k, (rank, i) in ranked.items() if i is not None
        }
        self._by_acronym: dict[str, str] = {a: next(iter(s)) for a, s in acronyms.items() if len(s) == 1}
        upper: dict[str, set[str]] = {}
        for a, i in self._by_acronym.items():
            upper.setdefault(a.upper(), set()).add(i)
        self._by_acronym_upper = {a: next(iter(s)) for a, s in upper.items() if len(s) == 1}

        # free-text lookup: concrete techniques only (not the probe/process/purpose axes PaNET00xxx)
        eligible = {i for i in self._techniques if not _local(i).startswith("PaNET00")}
        self._text_keys: dict[str, tuple[str, str]] = {
            k: v for k, v in self._by_key.items() if v[0] in eligible and len(k) >= 3
        }
        self._text_acronyms: dict[str, str] = {}
        for a, i in self._by_acronym.items():
            k = _key(a, fold=False)
            if i in eligible and k and len(k) >= _MIN_TEXT_ACRONYM and a not in _AMBIGUOUS_ACRONYMS:
                self._text_acronyms[k] = i
        self._text_key_prefixes = {k[:n] for k in self._text_keys for n in range(1, len(k) + 1)}
        self._text_acronym_prefixes = {k[:n] for k in self._text_acronyms for n in range(1, len(k) + 1)}

    # --- plain lookups ------------------------------------------------------------------------

    def __contains__(self, iri_: object) -> bool:
        return isinstance(iri_, str) and iri_ in self._labels

    def __len__(self) -> int:
        return len(self._labels)

    def __repr__(self) -> str:
        return f"<TechniqueIndex PaNET {self.version} ({len(self)} classes) from {self.origin}>"

    def iris(self, *, techniques_only: bool = False) -> tuple[str, ...]:
        """All class IRIs (sorted); with *techniques_only*, those below the technique root
        ``PaNET00001`` (root included), leaving out the specifier tree."""
        return tuple(sorted(self._techniques if techniques_only else self._labels))

    def label(self, iri_: str) -> str | None:
        """The ``rdfs:label`` of a class (any IRI spelling), whitespace-trimmed, or None if unknown."""
        c = self._canonical(iri_)
        return self._labels.get(c) if c else None

    def alt_labels(self, iri_: str) -> tuple[str, ...]:
        """The ``skos:altLabel`` values of a class (any IRI spelling); empty if none or unknown."""
        c = self._canonical(iri_)
        return self._alt_labels.get(c, ()) if c else ()

    def parents(self, iri_: str) -> tuple[str, ...]:
        """The asserted named superclasses of a class (the wikidata pseudo-class left out)."""
        return self._parents[self._known(iri_)]

    def children(self, iri_: str) -> tuple[str, ...]:
        """The classes that assert *iri_* as a direct superclass."""
        return self._children[self._known(iri_)]

    def ancestors(self, iri_: str, *, include_self: bool = False) -> frozenset[str]:
        """Every class above *iri_* over asserted ``rdfs:subClassOf`` (transitively).

        Raises :class:`VocabularyError` if *iri_* is not a class of this index."""
        c = self._known(iri_)
        up = self._closure_up.get(c)
        if up is None:
            up = self._closure_up[c] = self._closure(c, self._parents)
        return up | {c} if include_self else up

    def descendants(self, iri_: str, *, include_self: bool = False) -> frozenset[str]:
        """Every class below *iri_* over asserted ``rdfs:subClassOf`` (transitively).

        Raises :class:`VocabularyError` if *iri_* is not a class of this index."""
        c = self._known(iri_)
        down = self._closure_down.get(c)
        if down is None:
            down = self._closure_down[c] = self._closure(c, self._children)
        return down | {c} if include_self else down

    @staticmethod
    def _closure(start: str, edges: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
        seen: set[str] = set()
        stack = list(edges.get(start, ()))
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(edges.get(n, ()))
        seen.discard(start)
        return frozenset(seen)

    def _canonical(self, iri_: str) -> str | None:
        if iri_ in self._labels:
            return iri_
        return panet_iri(iri_) if iri_ else None

    def _known(self, iri_: str) -> str:
        c = self._canonical(iri_)
        if c is None or c not in self._labels:
            raise VocabularyError(f"{iri_!r} is not a class of PaNET {self.version} ({self.origin})")
        return c

    # --- resolving names ----------------------------------------------------------------------

    def resolve(self, text: str) -> TechniqueMatch | None:
        """The class that *text* names: a PaNET IRI in any spelling (only if the class exists),
        a label or non-acronym altLabel (case-, space- and hyphen-insensitive), an acronym (exact
        case, or all upper case), or "label (ACRONYM)". None when it names no technique."""
        if not text or not text.strip():
            return None
        stripped = text.strip()
        as_iri = panet_iri(stripped)
        if as_iri is not None:
            if as_iri in self._labels:
                return TechniqueMatch(as_iri, self._labels[as_iri], stripped, "iri")
            return None
        found = self._resolve_name(stripped)
        if found is not None:
            return found
        m = _LABEL_WITH_ACRONYM.match(stripped)
        if m:
            head = self._resolve_name(m["head"])
            inner = self._resolve_name(m["inner"])
            best = head or inner
            if best is not None:
                return replace(best, matched=stripped)
        return None

    def _resolve_name(self, text: str) -> TechniqueMatch | None:
        t = text.strip(_EDGE_PUNCTUATION)
        if not t:
            return None
        k = _key(t)
        hit = self._by_key.get(k) if k else None
        if hit is not None:
            return TechniqueMatch(hit[0], self._labels[hit[0]], t, hit[1])
        i = self._by_acronym.get(t)
        if i is None and t.isupper():
            i = self._by_acronym_upper.get(t)
        if i is not None:
            return TechniqueMatch(i, self._labels[i], t, "acronym")
        return None

    def _resolve_record_label(self, label: str) -> list[TechniqueMatch]:
        """What a record's technique label names; SciCat's ``;``-separated dotted paths from the
        root ("photon_and_neutron_technique. … .serial_femtosecond_crystallography") give their leaves."""
        direct = self.resolve(label)
        if direct is not None:
            return [direct]
        out: list[TechniqueMatch] = []
        for part in re.split(r"[;\n]+", label):
            part = part.strip()
            if part and _DOTTED_PATH.match(part):
                leaf = self.resolve(part.rsplit(".", 1)[1])
                if leaf is not None and leaf.iri not in {m.iri for m in out}:
                    out.append(leaf)
        return out

    def check(self, identifier: str | None, label: str | None) -> TechniqueMatch | None:
        """The class a record names with both an ID and a label. The ID wins (its IRI is the one
        to emit); ``mismatch`` explains when the label names another class or nothing similar.

        A label that is not a PaNET identifier (a facility's own technique id) leaves the label
        to decide; a PaNET ID of no known class is flagged and replaced by what the label names.
        None when neither names a technique."""
        label = (label or "").strip()
        ident = (identifier or "").strip()
        named = self._resolve_record_label(label) if label else []  # the whole label names these
        mentioned = self.find_in_text(label) if label and not named else []  # or mentions these
        c = panet_iri(ident) if ident else None
        if c is None:
            return (named or mentioned or [None])[0]
        if c not in self._labels:
            other = (named or mentioned or [None])[0]
            if other is None:
                return None
            return replace(other, mismatch=(
                f"{ident!r} is not a class of PaNET {self.version}; the record labels it {label!r}, "
                f"which is {_local(other.iri)} ({other.label!r})"))
        match = TechniqueMatch(c, self._labels[c], ident, "iri")
        if not label or any(m.iri == c for m in named) or any(m.iri == c for m in mentioned):
            return match
        head = f"{_local(c)} is {self._labels[c]!r} but the record labels it {label!r}"
        if named:
            other = named[0]
            return replace(match, mismatch=(
                f"{head}, which is {_local(other.iri)} ({other.label!r}){self._relation(other.iri, c)}"))
        if self._label_is_similar(label, c):
            return match
        if mentioned:
            other = mentioned[0]
            return replace(match, mismatch=(
                f"{head}, which names {_local(other.iri)} ({other.label!r}){self._relation(other.iri, c)}"))
        return replace(match, mismatch=f"{head}, which names no PaNET technique")

    def _label_is_similar(self, label: str, c: str) -> bool:
        k = _key(label) or _key(re.sub(r"[^\w\s-]", " ", label)) or ""
        for name in (self._labels[c], *self._alt_labels[c]):
            nk = _key(name) or ""
            if k and nk and difflib.SequenceMatcher(None, k, nk).ratio() >= _SIMILAR:
                return True
        return False

    def _relation(self, other: str, c: str) -> str:
        if other in self.ancestors(c):
            return f", a broader technique than {_local(c)}"
        if other in self.descendants(c):
            return f", a narrower technique than {_local(c)}"
        return ""

    def find_in_text(self, text: str) -> list[TechniqueMatch]:
        """The techniques named in free text (titles, subjects, descriptions), in order of first
        appearance, each once: whole-word labels and altLabels (case-, space- and hyphen-
        insensitive) and acronyms (exact case, at least 3 characters, ambiguous ones left out).
        At each position the longest name wins; matches never overlap."""
        if not text:
            return []
        tokens = list(_TOKEN.finditer(text))
        folded = [_nfkc(t.group()).casefold() for t in tokens]
        exact = [_nfkc(t.group()) for t in tokens]
        out: list[TechniqueMatch] = []
        seen: set[str] = set()
        i, n = 0, len(tokens)
        while i < n:
            best: tuple[int, str, str] | None = None  # (last token index, iri, via)
            k_label, k_acr = "", ""
            label_alive, acr_alive = True, True
            j = i
            while j < n and (label_alive or acr_alive):
                if j > i and not _SEPARATOR.fullmatch(text, tokens[j - 1].end(), tokens[j].start()):
                    break
                if label_alive:
                    k_label += folded[j]
                    if k_label in self._text_key_prefixes:
                        hit = self._text_keys.get(k_label)
                        if hit is not None:
                            best = (j, hit[0], hit[1])
                    else:
                        label_alive = False
                if acr_alive:
                    k_acr += exact[j]
                    if k_acr in self._text_acronym_prefixes:
                        acr = self._text_acronyms.get(k_acr)
                        if acr is not None and (best is None or best[0] < j):
                            best = (j, acr, "acronym")
                    else:
                        acr_alive = False
                j += 1
            if best is None:
                i += 1
                continue
            last, hit_iri, via = best
            start, end = tokens[i].start(), tokens[last].end()
            if hit_iri not in seen:
                seen.add(hit_iri)
                out.append(TechniqueMatch(hit_iri, self._labels[hit_iri], text[start:end], via, span=(start, end)))
            i = last + 1
        return out

    # --- the ontology as RDF ------------------------------------------------------------------

    def to_ntriples(self) -> str:
        """The classes of this index as N-Triples: ``owl:Class``, ``rdfs:label``, ``skos:altLabel``,
        ``rdfs:subClassOf``, plus an ``owl:Ontology`` node with ``owl:versionInfo`` (for the shipped
        table, a node of its own saying it is a subset of PaNET)."""
        triples: list[Triple] = []
        onto = iri(ONTOLOGY_IRI if self.is_full else SUBSET_ONTOLOGY_IRI)
        triples.append(Triple(onto, RDF.type, OWL.Ontology))
        if self.version:
            triples.append(Triple(onto, OWL.versionInfo, literal(self.version)))
        if not self.is_full:
            triples += [
                Triple(onto, RDFS.label, literal(f"PaNET {self.version} subset shipped with pangraph", lang="en")),
                Triple(onto, RDFS.comment, literal(
                    f"A subset of {len(self)} classes of PaNET {self.version} (labels, altLabels and asserted "
                    "superclasses only), used when the full ontology is not available offline.", lang="en")),
                Triple(onto, DCT.source, iri(ONTOLOGY_IRI)),
            ]
        for c in sorted(self._labels):
            s = iri(c)
            triples.append(Triple(s, RDF.type, OWL.Class))
            triples.append(Triple(s, RDFS.label, literal(self._labels[c])))
            triples.extend(Triple(s, SKOS.altLabel, literal(a)) for a in self._alt_labels[c])
            triples.extend(Triple(s, RDFS.subClassOf, iri(p)) for p in self._parents[c])
            if not self.is_full:
                triples.append(Triple(s, RDFS.isDefinedBy, iri(ONTOLOGY_IRI)))
        return ntriples(triples)

    def document(self) -> tuple[bytes, str]:
        """The ontology source as (bytes, media type), to load into ``{base}/graph/ontology/panet``:
        the original file for a full ontology, generated N-Triples for the shipped table."""
        if self._document is not None and self._media_type is not None:
            return self._document, self._media_type
        return self.to_ntriples().encode("utf-8"), N_TRIPLES


# --- reading ontology documents ------------------------------------------------------------------

def _sniff_media_type(data: bytes, name: str) -> str:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    lower_name = name.lower()
    if head.startswith(b"<"):
        if b"<Ontology" in head and b"<rdf:RDF" not in head:
            return OWL_XML
        if head.startswith((b"<?xml", b"<rdf:RDF", b"<!DOCTYPE", b"<!--")):
            return OWL_XML if lower_name.endswith(".owx") else RDF_XML
    if lower_name.endswith((".nt", ".ntriples")):
        return N_TRIPLES
    if lower_name.endswith((".owl", ".rdf", ".xml")) and head.startswith(b"<"):
        return RDF_XML
    if head.startswith(b"<") and re.match(rb"^<[^>\s]+>\s+<[^>\s]+>\s+\S", head):
        return N_TRIPLES
    return TURTLE


def _read_ontology(data: bytes, media_type: str, origin: str) -> dict:
    """Parse an ontology document with owlready2 (private World) into plain facts."""
    payload, fmt = data, {RDF_XML: "rdfxml", N_TRIPLES: "ntriples", OWL_XML: "owlxml"}.get(media_type)
    if media_type == TURTLE:
        import rdflib  # owlready2 reads no Turtle: convert once (a few thousand triples)

        try:
            payload = rdflib.Graph().parse(data=data, format="turtle").serialize(format="nt", encoding="utf-8")
        except Exception as e:  # rdflib raises many parser-specific types
            raise VocabularyError(f"{origin}: not valid RDF/XML, OWL/XML, N-Triples or Turtle: {e}") from None
        fmt = "ntriples"
    world = owlready2.World()
    try:
        onto = world.get_ontology(ONTOLOGY_IRI).load(fileobj=io.BytesIO(payload), format=fmt, reload=True)
    except Exception as e:  # owlready2's parsers raise assorted exception types
        raise VocabularyError(f"{origin}: cannot be parsed as {media_type}: {e}") from None
    try:
        alt_prop = world[_SKOS_ALT_LABEL]
        labels: dict[str, str] = {}
        alt_labels: dict[str, list[str]] = {}
        parents: dict[str, list[str]] = {}
        classes = [c for c in world.classes() if c.iri.startswith(PANET_NS + "PaNET")]
        names = {c.iri for c in classes}
        for c in classes:
            ls = sorted(str(v) for v in c.label)
            alts = [str(v) for v in alt_prop[c]] if alt_prop is not None else []
            labels[c.iri] = ls[0] if ls else _local(c.iri)
            alt_labels[c.iri] = ls[1:] + alts
            parents[c.iri] = sorted(p.iri for p in c.is_a if isinstance(p, owlready2.ThingClass) and p.iri in names)
        versions = [str(v) for o in world.ontologies.values() for v in o.metadata.versionInfo] or \
            [str(v) for v in onto.metadata.versionInfo]
    finally:
        world.close()
    if not labels:
        raise VocabularyError(f"{origin}: holds no PaNET class ({PANET_NS}PaNET…)")
    return {"labels": labels, "alt_labels": alt_labels, "parents": parents,
            "version": versions[0] if versions else None}


def _index_cache_path(cache_dir: str | os.PathLike[str], digest: str) -> Path:
    return Path(cache_dir) / f"{digest}-v{_CACHE_FORMAT}.pickle"


def _read_index_cache(cache_dir: str | os.PathLike[str] | None, digest: str) -> dict | None:
    if cache_dir is None:
        return None
    path = _index_cache_path(cache_dir, digest)
    try:
        with path.open("rb") as f:
            facts = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None
    if not isinstance(facts, dict) or facts.get("sha256") != digest:
        return None
    return facts


def _write_index_cache(cache_dir: str | os.PathLike[str] | None, digest: str, facts: dict) -> None:
    if cache_dir is None:
        return
    path = _index_cache_path(cache_dir, digest)
    try:
        _atomic_write(path, pickle.dumps({**facts, "sha256": digest}, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # the cache is an optimisation: a read-only cache directory only costs a re-parse


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_TABLE_COLUMNS = ["iri", "label", "alt_labels", "parents"]


def _parse_table(text: str, *, where: str) -> tuple[str | None, list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]]:
    version: str | None = None
    header_seen = False
    rows: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = []
    lines: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("#"):
            m = re.match(r"#\s*panet-version\s*:\s*(\S+)", line)
            if m:
                version = m.group(1)
            continue
        cells = line.split("\t")
        if not header_seen:
            if [c.strip() for c in cells] != _TABLE_COLUMNS:
                raise VocabularyError(f"{where}:{lineno}: header must be {chr(9).join(_TABLE_COLUMNS)!r}")
            header_seen = True
            continue
        if len(cells) != len(_TABLE_COLUMNS):
            raise VocabularyError(f"{where}:{lineno}: expected {len(_TABLE_COLUMNS)} tab-separated cells, got {len(cells)}")
        c = panet_iri(cells[0])
        if c is None:
            raise VocabularyError(f"{where}:{lineno}: {cells[0]!r} is not a PaNET IRI")
        if c in lines:
            raise VocabularyError(f"{where}:{lineno}: {c} already defined on line {lines[c]}")
        label = cells[1].strip()
        if not label:
            raise VocabularyError(f"{where}:{lineno}: {c} has no label")
        alts = tuple(a.strip() for a in cells[2].split("|") if a.strip())
        parents = []
        for p in (x.strip() for x in cells[3].split("|") if x.strip()):
            pi = panet_iri(p)
            if pi is None:
                raise VocabularyError(f"{where}:{lineno}: parent {p!r} is not a PaNET IRI")
            parents.append(pi)
        lines[c] = lineno
        rows.append((c, label, alts, tuple(parents)))
    if not header_seen or not rows:
        raise VocabularyError(f"{where}: no technique rows")
    for c, _, _, parents in rows:
        for p in parents:
            if p not in lines:
                raise VocabularyError(f"{where}:{lines[c]}: parent {p} of {c} is not a row of the table")
    return version, rows


# --- choosing the source from the configuration ---------------------------------------------------

def _check_version(index: TechniqueIndex, pinned: str, *, what: str) -> None:
    if pinned and index.version != pinned:
        raise VocabularyError(
            f"{what} is PaNET version {index.version!r} but the node is pinned to {pinned!r}; "
            "set vocab.panet.version to use it", field="vocab.panet.version")


def _download(url: str, *, timeout_s: float) -> bytes:
    headers = {"Accept": f"{RDF_XML}, {OWL_XML};q=0.9, {TURTLE};q=0.5, */*;q=0.1",
               "User-Agent": f"pangraph/{__version__} (PaNET loader)"}
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=True, headers=headers) as client:
            with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise VocabularyError(f"fetching PaNET from {url} failed: HTTP {response.status_code}",
                                          field="vocab.panet.url")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > _MAX_DOWNLOAD_BYTES:
                        raise VocabularyError(f"{url} is larger than {_MAX_DOWNLOAD_BYTES} bytes: refused",
                                              field="vocab.panet.url")
                    chunks.append(chunk)
                return b"".join(chunks)
    except httpx.HTTPError as e:
        raise VocabularyError(f"fetching PaNET from {url} failed: {type(e).__name__}: {e}",
                              field="vocab.panet.url") from None


def cache_path(config: Config) -> Path:
    """Where the cached copy of ``vocab.panet.url`` lives: ``{cache_dir}/panet/<version>/PaNET.owl``
    (its SHA-256 beside it, in ``PaNET.owl.sha256``)."""
    version = str(config["vocab.panet.version"]).strip() or "unversioned"
    return config.cache_dir / "panet" / version / "PaNET.owl"


def load_techniques(config: Config, *, timeout_s: float | None = None) -> TechniqueIndex:
    """The PaNET index the node uses, from the first available source:

    1. ``vocab.panet.file`` (version checked against ``vocab.panet.version``);
    2. the cached copy of ``vocab.panet.url`` in :func:`cache_path` (checksum checked);
    3. if ``vocab.panet.fetch``: a download of ``vocab.panet.url`` (``timeout_s``, default
       ``vocab.panet.timeout_s``), refused unless its ``owl:versionInfo`` is the pinned version and its
       SHA-256 is ``vocab.panet.sha256`` (when set); then cached;
    4. the small technique table shipped in the package (``is_full`` False; ``origin`` says so).

    Raises :class:`VocabularyError` naming the source and the reason when one of them is refused.
    """
    pinned = str(config["vocab.panet.version"]).strip()
    expected = str(config["vocab.panet.sha256"]).strip().lower()
    url = str(config["vocab.panet.url"]).strip()
    index_cache = config.cache_dir / "panet" / "index"

    configured = str(config["vocab.panet.file"]).strip()
    if configured:
        path = config.resolve_path(configured)
        if not path.is_file():
            raise VocabularyError(f"vocab.panet.file {path} does not exist", field="vocab.panet.file")
        index = TechniqueIndex.from_file(path, cache_dir=index_cache, origin=f"configured file {path}")
        _check_version(index, pinned, what=f"vocab.panet.file {path}")
        return index

    cached = cache_path(config)
    fetch = bool(config["vocab.panet.fetch"])
    if cached.is_file():
        data = cached.read_bytes()
        digest = _sha256(data)
        sidecar = cached.with_name(cached.name + ".sha256")
        recorded = sidecar.read_text(encoding="utf-8").split()[0].lower() if sidecar.is_file() else ""
        problem = None
        if recorded != digest:
            problem = f"cached PaNET {cached} does not match its checksum file {sidecar.name}"
        elif expected and digest != expected:
            problem = f"cached PaNET {cached} has SHA-256 {digest}, not vocab.panet.sha256 {expected}"
        if problem is None:
            index = TechniqueIndex.from_bytes(data, name=cached.name, cache_dir=index_cache,
                                              origin=f"cached copy of {url} in {cached}")
            _check_version(index, pinned, what=f"cached PaNET {cached}")
            return index
        if not fetch:
            raise VocabularyError(f"{problem}; delete it or set vocab.panet.fetch = true to fetch it again",
                                  field="vocab.panet.sha256")

    if fetch:
        if not re.match(r"^https?://", url):
            raise VocabularyError(f"vocab.panet.url must be an http(s) URL, got {url!r}", field="vocab.panet.url")
        data = _download(url, timeout_s=float(timeout_s if timeout_s is not None else config["vocab.panet.timeout_s"]))
        digest = _sha256(data)
        if expected and digest != expected:
            raise VocabularyError(f"PaNET fetched from {url} has SHA-256 {digest}, not the pinned "
                                  f"vocab.panet.sha256 {expected}: refused", field="vocab.panet.sha256")
        index = TechniqueIndex.from_bytes(data, name=Path(url.split("?")[0]).name, cache_dir=index_cache,
                                          origin=f"{url} (fetched, cached in {cached})")
        _check_version(index, pinned, what=f"PaNET fetched from {url}")
        try:
            _atomic_write(cached, data)
            _atomic_write(cached.with_name(cached.name + ".sha256"), f"{digest}  {cached.name}\n".encode())
        except OSError as e:
            raise VocabularyError(f"cannot cache PaNET in {cached}: {e.strerror or e}") from None
        return index

    table = TechniqueIndex.from_table()
    table.origin = (f"technique table shipped with pangraph ({package_data('demo', 'techniques.tsv')}, "
                    f"{len(table)} classes of PaNET {table.version}): offline fallback, because "
                    f"vocab.panet.file is not set, {cached} does not exist and vocab.panet.fetch is false")
    return table
