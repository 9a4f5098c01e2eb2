"""The search index: a SQLite database derived from the graph, kept in sync with it.

Tables (``{paths.data}/search.sqlite`` unless ``search.path`` says otherwise):

``contrib(graph PRIMARY KEY, iri, source, data)``
    What one record graph says about its main resource (a :class:`Contribution` as JSON). Replaced when
    the record graph is replaced, deleted when it is dropped — in the same pipeline batch.
``docs(id INTEGER PRIMARY KEY, iri UNIQUE, kind, title, issued, year, score, facets, f_facility, f_instrument,
f_technique, f_licence)``
    One document per resource IRI, merged from every contribution about it (a DOI described by two
    sources is one document, one hit). ``facets`` is JSON: facility, instrument, technique (direct PaNET
    IRIs), licence, source lists; the ``f_*`` columns hold the same lists as sorted ``\x1f``-joined text.
``docs_fts`` (FTS5, ``porter unicode61 remove_diacritics 2``)
    The text fields of each document, ``rowid = docs.id``: title, description, keywords, people,
    instruments, techniques (labels and synonyms of the PaNET classes), facility, identifiers.
``meta(key PRIMARY KEY, value)``
    ``generation`` is incremented by every write; readers reload their in-memory snapshot when it changes.

Only resources typed as a dataset (``dcat:Dataset``), training (schema.org ``LearningResource``,
``Course``, ``CourseInstance``, ``Event``) or software (``SoftwareSourceCode``, ``SoftwareApplication``)
are indexed. The N-Triples text is read with a small line parser (no store library here: the records'
text is what the pipeline already holds).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import orjson

from pangraph.vocab import TechniqueIndex

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2"

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
SDO = "http://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
VCARD_FN = "http://www.w3.org/2006/vcard/ns#fn"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
PANET_NS = "http://purl.org/pan-science/PaNET/"
DQV_VALUE = "http://www.w3.org/ns/dqv#value"

KINDS: dict[str, str] = {
    DCAT + "Dataset": "dataset",
    SDO + "Dataset": "dataset",
    SDO + "LearningResource": "training",
    SDO + "Course": "training",
    SDO + "CourseInstance": "training",
    SDO + "Event": "training",
    SDO + "SoftwareSourceCode": "software",
    SDO + "SoftwareApplication": "software",
}
KIND_ORDER = ("dataset", "training", "software")
#: multi-valued facets, each also kept as one column of sorted values joined by FACET_SEP (``f_<name>``): the
#: search snapshot reads its signatures from them without parsing JSON
LIST_FACETS = ("facility", "instrument", "technique", "licence")
FACET_SEP = "\x1f"

TITLE = (DCT + "title", SDO + "name")
DESCRIPTION = (DCT + "description", SDO + "description", SDO + "abstract")
KEYWORDS = (DCAT + "keyword", SDO + "keywords")
PEOPLE = (DCT + "creator", DCT + "contributor", SDO + "author", SDO + "contributor", SDO + "creator",
          SDO + "instructor", SDO + "organizer")
FACILITY = (DCT + "publisher", SDO + "provider", SDO + "publisher")
TECHNIQUE = (SDO + "measurementTechnique", SDO + "about")
LICENCE = (DCT + "license", SDO + "license")
ISSUED = (DCT + "issued", SDO + "datePublished", SDO + "startDate", DCT + "available", DCT + "created",
          SDO + "dateCreated", DCT + "modified", SDO + "dateModified")
IDENTIFIER = (DCT + "identifier", SDO + "identifier")
NAME = (FOAF + "name", SDO + "name", VCARD_FN, RDFS_LABEL, SKOS_PREF)
INSTRUMENT_NAME = (RDFS_LABEL, SDO + "name", FOAF + "name", DCT + "title", SKOS_PREF)

#: FTS5 columns, in order, with their bm25 weights (title counts most)
FIELDS: tuple[tuple[str, float], ...] = (
    ("title", 10.0), ("description", 1.0), ("keywords", 5.0), ("people", 3.0), ("instruments", 3.0),
    ("techniques", 4.0), ("facility", 2.0), ("identifiers", 6.0),
)


# -- reading N-Triples text -------------------------------------------------------------------------------

_LINE = re.compile(r'^(<[^>]*>|_:\S+)\s+<([^>]*)>\s+(.*?)\s*\.\s*$')
_LITERAL = re.compile(r'^"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?$')
_ESC = re.compile(r'\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))')
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        return _SIMPLE.get(m.group(3), m.group(3))

    return _ESC.sub(one, text)


@dataclass(frozen=True)
class _Term:
    value: str
    kind: str  # iri | bnode | literal
    lang: str | None = None


def _object_term(o: str) -> _Term | None:
    """The :class:`_Term` of an N-Triples object; None when it is not a well-formed term."""
    if o.startswith("<"):
        return _Term(o[1:-1], "iri")
    if o.startswith("_:"):
        return _Term(o, "bnode")
    lm = _LITERAL.match(o)
    return _Term(_unescape(lm.group(1)), "literal", lm.group(2)) if lm else None


def _raw_statements(text: str) -> Iterator[tuple[str, str, str]]:
    """(subject, predicate, object as written) of each line of *text*; subjects are IRIs or ``_:labels``."""
    for line in text.splitlines():
        parts = line.split(" ", 2)  # the canonical form pangraph and Oxigraph write: "<s> <p> o ."
        if (len(parts) == 3 and parts[2].endswith(" .") and parts[1][:1] == "<" and parts[1][-1:] == ">"
                and parts[0][:1] in ("<", "_")):
            s, p, o = parts[0], parts[1][1:-1], parts[2][:-2].rstrip()
        else:
            m = _LINE.match(line)
            if not m:
                continue
            s, p, o = m.groups()
        yield (s[1:-1] if s.startswith("<") else s), p, o


def parse_ntriples(text: str) -> Iterator[tuple[str, str, _Term]]:
    """(subject, predicate, object) of each line of *text*; subjects are IRIs or ``_:labels``."""
    for s, p, o in _raw_statements(text):
        term = _object_term(o)
        if term is not None:
            yield s, p, term


# -- one record's contribution ------------------------------------------------------------------------------

@dataclass
class Contribution:
    """What one record graph says about its main resource, for the index."""

    graph: str
    iri: str
    source: str
    kind: str
    titles: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    facilities: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)  # direct PaNET IRIs
    licences: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    issued: str | None = None
    score: float | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(self)  # orjson writes a dataclass as asdict() would, without its deep copies

    @classmethod
    def from_json(cls, data: bytes | str) -> "Contribution":
        return cls(**orjson.loads(data))


def _add(values: list[str], value: str | None) -> None:
    if value:
        value = " ".join(value.split())
        if value and value not in values:
            values.append(value)


_SCORE = re.compile(r'#score-total>\s+<' + re.escape(DQV_VALUE) + r'>\s+"([0-9.]+)"')


def total_score(quality_ntriples: str | None) -> float | None:
    """The record's total quality score (``<graph#score-total> dqv:value``) from the quality N-Triples."""
    if not quality_ntriples:
        return None
    m = _SCORE.search(quality_ntriples)
    return float(m.group(1)) if m else None


_DAY = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def extract_contribution(graph: str, ntriples_text: str, *, subject: str, source: str,
                         score: float | None = None) -> Contribution | None:
    """The :class:`Contribution` of the record graph *graph* (its N-Triples text) about *subject*, or None
    when *subject* is not a dataset, training or software resource."""
    # objects are turned into terms only when read: most statements of a record are never looked at
    out: dict[str, list[tuple[str, str]]] = {}
    for s, p, o in _raw_statements(ntriples_text):
        out.setdefault(s, []).append((p, o))
    terms: dict[str, _Term | None] = {}

    def term(o: str) -> _Term | None:
        t = terms.get(o, terms)
        if t is terms:
            t = terms[o] = _object_term(o)
        return t  # type: ignore[return-value]

    def values(node: str, preds: Sequence[str]) -> list[_Term]:
        got = out.get(node, [])
        return [t for pred in preds for p, o in got if p == pred and (t := term(o)) is not None]

    kinds = [KINDS[o.value] for o in values(subject, (RDF_TYPE,)) if o.value in KINDS]
    if not kinds:
        return None
    kind = min(kinds, key=KIND_ORDER.index)
    c = Contribution(graph=graph, iri=subject, source=source, kind=kind, score=score)

    def name_of(term: _Term, preds: Sequence[str] = NAME) -> list[str]:
        if term.kind == "literal":
            return [term.value]
        names = values(term.value, preds)
        # a plain literal first, then the English one, then any
        names.sort(key=lambda t: (t.lang is not None, t.lang != "en"))
        return [names[0].value] if names else []

    # the store gives statements in its own order: sort, so that the contribution depends only on the graph
    for t in sorted(values(subject, TITLE), key=lambda t: (t.lang not in (None, "en"), t.value)):
        _add(c.titles, t.value)
    for t in values(subject, DESCRIPTION):
        _add(c.descriptions, t.value)
    for t in values(subject, KEYWORDS):
        _add(c.keywords, t.value)
    for t in values(subject, PEOPLE):
        for n in name_of(t):
            _add(c.people, n)
    for a in values(subject, (PROV + "qualifiedAttribution",)):
        for agent in values(a.value, (PROV + "agent",)):
            for n in name_of(agent):
                _add(c.people, n)
    for t in values(subject, FACILITY):
        for n in name_of(t):
            _add(c.facilities, n)
    for act in values(subject, (PROV + "wasGeneratedBy",)):
        for ins in values(act.value, (PROV + "used",)):
            for n in name_of(ins, INSTRUMENT_NAME):
                _add(c.instruments, n)
    for t in values(subject, (SDO + "instrument",)):
        for n in name_of(t, INSTRUMENT_NAME):
            _add(c.instruments, n)
    for t in values(subject, TECHNIQUE):
        if t.kind == "iri" and t.value.startswith(PANET_NS):
            _add(c.techniques, t.value)
    for t in values(subject, LICENCE):
        if t.kind == "iri":
            _add(c.licences, t.value)
    for t in values(subject, IDENTIFIER):
        if t.kind == "literal":
            _add(c.identifiers, t.value)
    for pred in ISSUED:
        # the day: the store canonicalises xsd:dateTime lexical forms; text that is no date is skipped
        days = sorted(m.group(0) for t in values(subject, (pred,)) if t.kind == "literal"
                      and (m := _DAY.match(t.value)) is not None)
        if days:
            c.issued = days[0]
            break
    if subject.startswith("https://doi.org/"):
        _add(c.identifiers, subject[len("https://doi.org/"):])
    for name in ("descriptions", "keywords", "people", "facilities", "instruments", "techniques", "licences",
                 "identifiers"):
        getattr(c, name).sort()
    return c


def licence_label(iri: str) -> str:
    """``CC-BY-4.0`` for ``http://spdx.org/licenses/CC-BY-4.0``; the last path segment of other IRIs."""
    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    return tail or iri


# -- merging contributions into one document ------------------------------------------------------------------

@dataclass
class Document:
    iri: str
    kind: str
    title: str
    issued: str | None
    year: int | None
    score: float | None
    text: dict[str, str]
    facets: dict[str, list[str]]


def merge(contribs: Sequence[Contribution], techniques: TechniqueIndex | None) -> Document:
    """One document from every contribution about one IRI (sorted by graph, so the result does not depend
    on the order of loading): the first title, every other value once, the earliest date, the best score."""
    contribs = sorted(contribs, key=lambda c: c.graph)
    lists: dict[str, list[str]] = {k: [] for k in ("titles", "descriptions", "keywords", "people", "facilities",
                                                   "instruments", "techniques", "licences", "identifiers")}
    for c in contribs:
        for k, vs in lists.items():
            for v in getattr(c, k):
                _add(vs, v)
    kind = min((c.kind for c in contribs), key=KIND_ORDER.index)
    dates = sorted(c.issued for c in contribs if c.issued and c.issued[:4].isdigit())
    issued = dates[0] if dates else None
    scores = [c.score for c in contribs if c.score is not None]
    tech_words: list[str] = []
    for t in lists["techniques"]:
        if techniques is not None and t in techniques:
            _add(tech_words, techniques.label(t))
            for alt in techniques.alt_labels(t):
                _add(tech_words, alt)
        _add(tech_words, t.rsplit("/", 1)[-1])
    text = {
        "title": " · ".join(lists["titles"]),
        "description": "\n".join(lists["descriptions"]),
        "keywords": "; ".join(lists["keywords"]),
        "people": "; ".join(lists["people"]),
        "instruments": "; ".join(lists["instruments"]),
        "techniques": "; ".join(tech_words),
        "facility": "; ".join(lists["facilities"]),
        "identifiers": "; ".join(lists["identifiers"]),
    }
    return Document(
        iri=contribs[0].iri, kind=kind, title=lists["titles"][0] if lists["titles"] else contribs[0].iri,
        issued=issued, year=int(issued[:4]) if issued else None, score=max(scores) if scores else None,
        text=text,
        facets={"facility": lists["facilities"], "instrument": lists["instruments"],
                "technique": lists["techniques"], "licence": lists["licences"],
                "source": sorted({c.source for c in contribs})},
    )


# -- the database ----------------------------------------------------------------------------------------------

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS contrib (graph TEXT PRIMARY KEY, iri TEXT NOT NULL, source TEXT NOT NULL, "
    "data BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS contrib_iri ON contrib (iri)",
    "CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
    "title TEXT NOT NULL, issued TEXT, year INTEGER, score REAL, facets BLOB NOT NULL, "
    "f_facility TEXT NOT NULL, f_instrument TEXT NOT NULL, f_technique TEXT NOT NULL, f_licence TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5("
    + ", ".join(name for name, _ in FIELDS) + ", tokenize = 'porter unicode61 remove_diacritics 2')",
]


def search_index_path(config) -> Path:  # noqa: ANN001 - pangraph.config.Config
    """Where the node's search index lives: the setting ``search.path``, else ``{paths.data}/search.sqlite``."""
    value = config["search.path"]
    if value:
        p = Path(value)
        return p if p.is_absolute() else config.data_dir / p
    return config.data_dir / "search.sqlite"


class SearchIndex:
    """The writer side of the index (the pipeline, ``pangraph index --rebuild``, the benchmark)."""

    def __init__(self, path: Path | str, *, techniques: TechniqueIndex | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.created = not self.path.exists()
        self.techniques = techniques
        self._lock = threading.Lock()
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is not None and row[0] != SCHEMA_VERSION:
            # derived data of another layout (an older pangraph): start again; the node refills it from the store
            log.warning("search index %s has layout %s, this pangraph writes %s: rebuilding it", self.path, row[0],
                        SCHEMA_VERSION)
            generation = self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
            for table in ("docs_fts", "docs", "contrib", "meta"):
                self.db.execute(f"DROP TABLE IF EXISTS {table}")
            self.db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self.db.execute("INSERT INTO meta VALUES ('generation', ?)", (str(int(generation[0]) + 1) if generation else "0",))
            self.created, row = True, None
        for stmt in _SCHEMA:
            self.db.execute(stmt)
        if row is None:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SearchIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes --------------------------------------------------------------------------------------------

    def apply(self, contributions: Iterable[Contribution], *, drop_graphs: Iterable[str] = ()) -> int:
        """Replace the contributions of the graphs of *contributions* and drop those of *drop_graphs* (record
        graphs deleted, or replaced by something that is not a dataset/training/software), then rebuild the
        documents of every IRI concerned — in one SQLite transaction. Idempotent. Returns the number of
        documents rewritten."""
        contributions = list(contributions)
        graphs = [c.graph for c in contributions] + list(drop_graphs)
        with self._lock:
            cur = self.db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                affected: set[str] = {c.iri for c in contributions}
                for chunk in _chunks(graphs, 500):
                    marks = ",".join("?" * len(chunk))
                    affected.update(r[0] for r in cur.execute(f"SELECT iri FROM contrib WHERE graph IN ({marks})", chunk))
                    cur.execute(f"DELETE FROM contrib WHERE graph IN ({marks})", chunk)
                cur.executemany("INSERT INTO contrib (graph, iri, source, data) VALUES (?, ?, ?, ?)",
                                [(c.graph, c.iri, c.source, c.to_json()) for c in contributions])
                n = self._rebuild_docs(cur, affected)
                cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return n

    def _rebuild_docs(self, cur: sqlite3.Cursor, iris: set[str]) -> int:
        by_iri: dict[str, list[Contribution]] = {i: [] for i in iris}
        for chunk in _chunks(sorted(iris), 500):
            marks = ",".join("?" * len(chunk))
            for (data,) in cur.execute(f"SELECT data FROM contrib WHERE iri IN ({marks})", chunk):
                c = Contribution.from_json(data)
                by_iri[c.iri].append(c)
            old = cur.execute(f"SELECT id FROM docs WHERE iri IN ({marks})", chunk).fetchall()
            if old:
                cur.executemany("DELETE FROM docs_fts WHERE rowid = ?", old)
                cur.executemany("DELETE FROM docs WHERE id = ?", old)
        docs = [merge(cs, self.techniques) for cs in by_iri.values() if cs]
        self.write_documents(cur, docs)
        return len(docs)

    @staticmethod
    def write_documents(cur: sqlite3.Cursor, docs: Sequence[Document]) -> None:
        """Insert merged documents (their IRIs must not be in the index yet)."""
        for d in docs:
            cur.execute("INSERT INTO docs (iri, kind, title, issued, year, score, facets, f_facility, f_instrument, "
                        "f_technique, f_licence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (d.iri, d.kind, d.title, d.issued, d.year, d.score, orjson.dumps(d.facets),
                         *(FACET_SEP.join(sorted(d.facets[f])) for f in LIST_FACETS)))
            rowid = cur.lastrowid
            cur.execute(f"INSERT INTO docs_fts (rowid, {', '.join(n for n, _ in FIELDS)}) VALUES "
                        f"(?, {', '.join('?' * len(FIELDS))})", (rowid, *(d.text[n] for n, _ in FIELDS)))

    def bulk_insert(self, contributions: Iterable[Contribution], *, batch: int = 20_000) -> int:
        """Fast initial load of contributions with distinct IRIs into an empty index (benchmarks, rebuild
        of a large store): no lookups of existing rows. Returns the number of documents."""
        n = 0
        buf: list[Contribution] = []

        def flush() -> None:
            nonlocal n
            with self._lock:
                cur = self.db.cursor()
                cur.execute("BEGIN IMMEDIATE")
                cur.executemany("INSERT INTO contrib (graph, iri, source, data) VALUES (?, ?, ?, ?)",
                                [(c.graph, c.iri, c.source, c.to_json()) for c in buf])
                self.write_documents(cur, [merge([c], self.techniques) for c in buf])
                cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
                cur.execute("COMMIT")
            n += len(buf)
            buf.clear()

        for c in contributions:
            buf.append(c)
            if len(buf) >= batch:
                flush()
        if buf:
            flush()
        return n

    def clear(self) -> None:
        with self._lock:
            cur = self.db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            for table in ("contrib", "docs", "docs_fts"):
                cur.execute(f"DELETE FROM {table}")
            cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
            cur.execute("COMMIT")

    def optimize(self) -> None:
        """Merge the FTS5 segments (after a large load)."""
        with self._lock:
            self.db.execute("INSERT INTO docs_fts (docs_fts) VALUES ('optimize')")

    # -- reads (for checks and the CLI) -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        rows = dict(self.db.execute("SELECT kind, COUNT(*) FROM docs GROUP BY kind").fetchall())
        return {"documents": sum(rows.values()), **{k: rows.get(k, 0) for k in KIND_ORDER},
                "record_graphs": self.db.execute("SELECT COUNT(*) FROM contrib").fetchone()[0]}

    def graphs(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT graph FROM contrib")}

    def document(self, iri: str) -> dict | None:
        row = self.db.execute("SELECT kind, title, issued, year, score, facets FROM docs WHERE iri = ?", (iri,)).fetchone()
        if row is None:
            return None
        kind, title, issued, year, score, facets = row
        return {"iri": iri, "kind": kind, "title": title, "issued": issued, "year": year, "score": score,
                "facets": orjson.loads(facets)}


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


# -- from the store ---------------------------------------------------------------------------------------------

def contributions_from_store(store, *, provenance_graph: str, quality_graph: str,  # noqa: ANN001 - Store
                             progress: Callable[[int], None] | None = None) -> Iterator[Contribution]:
    """The contribution of every record graph in *store* (listed by the provenance graph), read back from
    the store: for ``pangraph index --rebuild`` and for convergence after a crash."""
    scores = {r["g"]: float(r["v"]) for r in store.select(
        f"SELECT ?g ?v WHERE {{ GRAPH <{quality_graph}> {{ ?m <http://www.w3.org/ns/dqv#isMeasurementOf> "
        f"<https://w3id.org/pangraph/ns#totalScore> ; <http://www.w3.org/ns/dqv#computedOn> ?g ; <{DQV_VALUE}> ?v }} }}")
        if r["g"] and r["v"]}
    rows = store.select(
        f"SELECT ?g ?topic ?src WHERE {{ GRAPH <{provenance_graph}> {{ ?g <{FOAF}primaryTopic> ?topic ; "
        f"<{DCT}source> ?src }} }} ORDER BY ?g")
    for i, r in enumerate(rows, 1):
        g = r["g"]
        c = extract_contribution(g, store.graph_ntriples(g), subject=r["topic"], source=r["src"],
                                 score=scores.get(g))
        if c is not None:
            yield c
        if progress and i % 500 == 0:
            progress(500)


def rebuild(index: SearchIndex, store, *, provenance_graph: str, quality_graph: str,  # noqa: ANN001
            progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Empty *index* and fill it again from *store*. Returns :meth:`SearchIndex.counts`."""
    contribs = list(contributions_from_store(store, provenance_graph=provenance_graph, quality_graph=quality_graph,
                                             progress=progress))
    index.clear()
    for chunk in _chunks(contribs, 2000):
        index.apply(chunk)
    index.optimize()
    return index.counts()


def index_writes(index: SearchIndex, writes: Sequence[tuple[str, object]], subjects: dict[str, str]) -> int:
    """Bring *index* in step with one pipeline batch: *writes* are ``(source, GraphWrite)`` just applied
    to the store (``data`` None: the record graph was dropped), *subjects* the main resource of each
    written graph. Called after the store write and before the archive marks the records loaded, so a
    crash in between leaves the records pending and the next run writes store and index again (both
    writes are idempotent)."""
    contribs: list[Contribution] = []
    drop: list[str] = []
    for source, w in writes:
        graph, data = w.graph, w.data  # type: ignore[attr-defined]
        c = None
        if data is not None and graph in subjects:
            c = extract_contribution(graph, data, subject=subjects[graph], source=source,
                                     score=total_score(w.quality))  # type: ignore[attr-defined]
        if c is None:
            drop.append(graph)
        else:
            contribs.append(c)
    return index.apply(contribs, drop_graphs=drop)
