"""The query side of search: ranked full-text search with filters, facets and technique expansion.

A search runs in three steps:

1. **Text** (when ``q`` is given): the words of ``q`` (each quoted, so user input is never FTS5 syntax;
   ``"a phrase"`` and ``prefix*`` are honoured) are matched by SQLite FTS5 over the document fields,
   ranked with bm25 and the field weights of :data:`pangraph.search.index.FIELDS`. When ``q`` names a PaNET
   technique (label, synonym or acronym, e.g. ``SAXS``), documents about that technique *or any narrower
   one* match too (the rest of ``q`` must still match their text); text matches rank first.
2. **Filters and counts** over an in-memory snapshot of the index: documents are numbered in newest-first
   order (``issued``), every facet value has a sorted posting array of document numbers, and every
   document a *signature* per facet (the set of its values). The technique facet is rolled up the PaNET
   hierarchy at load time — a document about SAXS is counted, and found, under *small angle scattering*
   and *scattering* too — so a technique filter with closure is a single posting array, already in
   newest-first order. Facet counts are ``bincount``s over signatures.
3. **Page**: the hits of the page are read back from SQLite (title, snippet, which fields matched).

The snapshot is rebuilt when the index's ``generation`` changes (any write).
"""

from __future__ import annotations

import html
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from pangraph.search.index import FACET_SEP, FIELDS, KIND_ORDER, LIST_FACETS, SCHEMA_VERSION, licence_label
from pangraph.vocab import TechniqueIndex
from pangraph.vocab.panet import PANET_NS, SPECIFIER_ROOT

FACETS = ("kind", "facility", "instrument", "technique", "year", "licence", "score")
MULTI = ("facility", "instrument", "technique", "licence")
MAX_Q = 500
#: most text matches ranked by bm25; more are ranked by field tiers (see SearchEngine._match)
RANK_CAP = 4000
#: PaNET classes too general to count under: the roots and the four "defined by ..." axes (a filter on one
#: of them still works, through the narrower classes)
ROLLUP_SKIPS = frozenset([PANET_NS + f"PaNET0000{n}" for n in range(1, 6)] + [SPECIFIER_ROOT])
MAX_SIZE = 100
MAX_RESULT_WINDOW = 10_000
FACET_LIMIT = 30
SNIPPET_TOKENS = 28
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_YEARS = re.compile(r"^\s*(\d{4})\s*(?:(-|–|\.\.)\s*(\d{4})?\s*)?$")


class SearchError(Exception):
    """Bad search parameters: becomes a 400 with the parameter named."""

    def __init__(self, parameter: str, detail: str) -> None:
        self.parameter = parameter
        self.detail = detail
        super().__init__(f"{parameter}: {detail}")


class IndexMissing(Exception):
    """The node has no search index yet."""


@dataclass
class SearchParams:
    q: str = ""
    kind: list[str] = field(default_factory=list)
    facility: list[str] = field(default_factory=list)
    instrument: list[str] = field(default_factory=list)
    technique: list[str] = field(default_factory=list)
    year: str | None = None
    licence: list[str] = field(default_factory=list)
    min_score: float | None = None
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    facets: bool = True
    facet_limit: int = FACET_LIMIT


def fts_query(q: str) -> str | None:
    """An FTS5 expression for the user text *q*: every word or ``"phrase"`` must match; ``word*`` is a
    prefix. Only ``\\w`` runs reach FTS5, each inside double quotes, so no input is FTS5 syntax.
    None when *q* has no word."""
    parts: list[str] = []
    for m in _TOKEN.finditer(q):
        phrase, raw = m.group(1), m.group(2)
        text = phrase if phrase is not None else raw
        words = _WORD.findall(text)
        if not words:
            continue
        expr = '"' + " ".join(w.replace('"', "") for w in words) + '"'
        if raw is not None and raw.endswith("*"):
            expr += "*"
        parts.append(expr)
    return " AND ".join(parts) if parts else None


def _years(value: str) -> tuple[int, int]:
    m = _YEARS.match(value)
    if not m:
        raise SearchError("year", f"{value!r} is not a year (2021) or a range of years (2019-2021, 2019-)")
    lo = int(m.group(1))
    hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else 9999)
    if hi < lo:
        raise SearchError("year", f"{value!r}: the range ends before it starts")
    return lo, hi


def score_bucket(score: float) -> str:
    low = min(90, int(score // 10) * 10)
    return f"{low}-{100 if low == 90 else low + 9}"


class _Facet:
    """One facet of the snapshot: value strings, per-document signature, postings per value."""

    def __init__(self, name: str, values: list[str], sig_of_pos: np.ndarray, sigs: list[tuple[int, ...]]) -> None:
        self.name = name
        self.values = values
        self.index = {v: i for i, v in enumerate(values)}
        self.sig_of_pos = sig_of_pos
        flat_sig = np.fromiter((s for s, vals in enumerate(sigs) for _ in vals), dtype=np.int64)
        flat_val = np.fromiter((v for vals in sigs for v in vals), dtype=np.int64)
        self.flat_sig, self.flat_val, self.nsig = flat_sig, flat_val, len(sigs)
        # postings: the sorted positions of the documents having each value
        sig_members = np.argsort(sig_of_pos, kind="stable")
        bounds = np.searchsorted(sig_of_pos[sig_members], np.arange(len(sigs) + 1))
        per_value: list[list[np.ndarray]] = [[] for _ in values]
        for s, vals in enumerate(sigs):
            if vals:
                members = sig_members[bounds[s]:bounds[s + 1]]
                for v in vals:
                    per_value[v].append(members)
        self.postings = [np.sort(np.concatenate(p)) if p else np.empty(0, dtype=np.int64) for p in per_value]

    def counts(self, positions: np.ndarray | None) -> np.ndarray:
        if positions is None:
            sig_counts = np.bincount(self.sig_of_pos, minlength=self.nsig)
        else:
            sig_counts = np.bincount(self.sig_of_pos[positions], minlength=self.nsig)
        if not len(self.flat_val):
            return np.zeros(len(self.values), dtype=np.int64)
        return np.bincount(self.flat_val, weights=sig_counts[self.flat_sig], minlength=len(self.values)).astype(np.int64)


class _Snapshot:
    """The facet columns of every document, numbered newest first."""

    def __init__(self, db: sqlite3.Connection, techniques: TechniqueIndex | None, generation: str) -> None:
        self.generation = generation
        self.techniques = techniques
        rows = db.execute("SELECT id, kind, year, score, " + ", ".join(f"f_{f}" for f in LIST_FACETS)
                          + " FROM docs ORDER BY issued IS NULL, issued DESC, id").fetchall()
        n = self.n = len(rows)
        cols = list(zip(*rows)) if rows else [()] * (4 + len(LIST_FACETS))
        self.ids = np.fromiter(cols[0], dtype=np.int64, count=n)
        self.pos_of_id = np.full(int(self.ids.max()) + 1 if n else 1, -1, dtype=np.int64)
        self.pos_of_id[self.ids] = np.arange(n, dtype=np.int64)
        self.year = np.fromiter((y if y is not None else -1 for y in cols[2]), dtype=np.int32, count=n)
        self.score = np.fromiter((x if x is not None else -1.0 for x in cols[3]), dtype=np.float32, count=n)
        bucket = np.where(self.score >= 0, np.minimum(90, (self.score // 10) * 10), -1).astype(np.int64)

        def split(key: str) -> tuple[str, ...]:
            return tuple(key.split(FACET_SEP)) if key else ()

        def rolled(key: str) -> tuple[str, ...]:
            up: set[str] = set(split(key))
            if techniques is not None:
                for t in split(key):
                    if t in techniques:
                        up |= techniques.ancestors(t) - ROLLUP_SKIPS
            return tuple(up)

        self.facets: dict[str, _Facet] = {}
        keyed = {
            "kind": (cols[1], lambda k: (k,)),
            "year": (self.year.tolist(), lambda y: (str(y),) if y >= 0 else ()),
            "score": (bucket.tolist(), lambda b: (score_bucket(b),) if b >= 0 else ()),
            "facility": (cols[4], split),
            "instrument": (cols[5], split),
            "technique": (cols[6], rolled),
            "licence": (cols[7], split),
        }
        for name in FACETS:
            keys, expand = keyed[name]
            sindex: dict[Any, int] = {}
            sig_of_pos = np.fromiter((sindex.setdefault(k, len(sindex)) for k in keys), dtype=np.int64, count=n)
            vindex: dict[str, int] = {}
            sigs: list[tuple[int, ...]] = [()] * len(sindex)
            for k, sid in sindex.items():
                sigs[sid] = tuple(sorted({vindex.setdefault(v, len(vindex)) for v in expand(k)}))
            values = [""] * len(vindex)
            for v, i in vindex.items():
                values[i] = v
            self.facets[name] = _Facet(name, values, sig_of_pos, sigs)

    def posting(self, facet: str, value: str) -> np.ndarray:
        f = self.facets[facet]
        i = f.index.get(value)
        if facet == "technique" and value in ROLLUP_SKIPS and self.techniques is not None and value in self.techniques:
            below = [f.postings[j] for v in self.techniques.descendants(value, include_self=True)
                     if (j := f.index.get(v)) is not None]
            return np.unique(np.concatenate(below)) if below else np.empty(0, dtype=np.int64)
        return f.postings[i] if i is not None else np.empty(0, dtype=np.int64)


def _window(marked: str, width: int = 240) -> str:
    """About *width* characters of *marked* (a field with highlight markers) around its first mark."""
    text = " ".join(marked.split())
    if len(text) <= width:
        return text
    at = max(0, text.find(_MARK_OPEN) - width // 3)
    part = text[at:at + width]
    if part.count(_MARK_OPEN) > part.count(_MARK_CLOSE):
        part += _MARK_CLOSE
    return ("…" if at else "") + part + ("…" if at + width < len(text) else "")


def _member(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """``np.isin(a, b)`` for document positions (all in ``[0, n)``, negatives ignored in *b*): a boolean
    mask over the positions, linear instead of sorting."""
    mask = np.zeros(n, dtype=bool)
    mask[b[b >= 0]] = True
    return mask[a]


def _intersect(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
    return b if a is None else np.intersect1d(a, b, assume_unique=True)


class SearchEngine:
    """Search over the index at *path* (read-only; one SQLite connection per thread)."""

    def __init__(self, path: Path | str, *, techniques: TechniqueIndex | None = None, rank_cap: int = RANK_CAP) -> None:
        self.path = Path(path)
        self.techniques = techniques
        self.rank_cap = rank_cap
        self._local = threading.local()
        self._snapshot: _Snapshot | None = None
        self._snap_lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if not self.path.exists():
                raise IndexMissing(str(self.path))
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.db = db
        return db

    def _generation(self, db: sqlite3.Connection) -> str:
        try:
            rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'schema')").fetchall())
        except sqlite3.OperationalError as e:  # the file exists but holds no index
            raise IndexMissing(f"{self.path}: {e}") from None
        if rows.get("schema") != SCHEMA_VERSION:
            raise IndexMissing(f"{self.path} has layout {rows.get('schema')}, this pangraph reads {SCHEMA_VERSION}")
        return rows.get("generation", "0")

    def snapshot(self, db: sqlite3.Connection | None = None) -> _Snapshot:
        db = db or self._db()
        gen = self._generation(db)
        snap = self._snapshot
        if snap is None or snap.generation != gen:
            with self._snap_lock:
                snap = self._snapshot
                if snap is None or snap.generation != gen:
                    snap = self._snapshot = _Snapshot(db, self.techniques, gen)
        return snap

    def resolve_technique(self, value: str) -> str:
        """The PaNET IRI of a technique parameter (IRI in any spelling, PaNET id, label or acronym)."""
        if self.techniques is not None:
            m = self.techniques.resolve(value)
            if m is not None:
                return m.iri
        raise SearchError("technique", f"{value!r} is not a PaNET technique (give a PaNET id such as PaNET01124, "
                                       "its IRI, or its label)")

    # -- text ---------------------------------------------------------------------------------------------

    def _rowids(self, db: sqlite3.Connection, expr: str) -> np.ndarray:
        """The rowids matching *expr*: one ``group_concat`` row parsed by numpy (6× faster than fetching a
        row per match)."""
        try:
            text = db.execute("SELECT group_concat(rowid) FROM docs_fts WHERE docs_fts MATCH ?", (expr,)).fetchone()[0]
        except sqlite3.OperationalError as e:
            raise SearchError("q", f"cannot search for this text: {e}") from None
        if not text:
            return np.empty(0, dtype=np.int64)
        return np.array(text.split(","), dtype=np.int64) if len(text) < 64 else np.fromstring(text, dtype=np.int64, sep=",")

    def _positions(self, snap: _Snapshot, ids: np.ndarray) -> np.ndarray:
        ok = ids < len(snap.pos_of_id)
        pos = np.full(len(ids), -1, dtype=np.int64)
        pos[ok] = snap.pos_of_id[ids[ok]]
        return pos

    def _match(self, db: sqlite3.Connection, expr: str, snap: _Snapshot) -> tuple[np.ndarray, np.ndarray, str]:
        """(positions, rank — lower is better, how it was ranked) of the documents matching *expr*.

        Up to ``rank_cap`` (:data:`RANK_CAP`) matches are ranked by bm25 with the field weights. Beyond, bm25 (≈ 3.5 µs per
        match in FTS5) is replaced by field tiers — words in the title, then in keywords/techniques/
        identifiers/people/instruments/facility, then in the description only — and newest first within a
        tier: a broad word matching tens of thousands of records has no useful bm25 order anyway."""
        ids = self._rowids(db, expr)
        if len(ids) <= self.rank_cap:
            weights = ", ".join(str(w) for _, w in FIELDS)
            rows = db.execute(f"SELECT rowid, bm25(docs_fts, {weights}) FROM docs_fts WHERE docs_fts MATCH ?",
                              (expr,)).fetchall()
            arr = np.asarray(rows, dtype=np.float64).reshape(-1, 2)
            pos = self._positions(snap, arr[:, 0].astype(np.int64))
            keep = pos >= 0  # written after the snapshot was taken: left out until the next reload
            return pos[keep], arr[keep, 1], "bm25"
        pos = self._positions(snap, ids)
        pos = pos[pos >= 0]
        title = self._positions(snap, self._rowids(db, f"{{title}} : ({expr})"))
        middle = self._positions(snap, self._rowids(
            db, f"{{keywords techniques identifiers people instruments facility}} : ({expr})"))
        rank = np.where(_member(pos, title, snap.n), -3.0, np.where(_member(pos, middle, snap.n), -2.0, -1.0))
        return pos, rank, "field tiers, then newest"

    # -- the search ---------------------------------------------------------------------------------------

    def search(self, p: SearchParams) -> dict[str, Any]:
        if len(p.q) > MAX_Q:
            raise SearchError("q", f"the query text is {len(p.q)} characters long; the limit is {MAX_Q}")
        if p.sort not in ("relevance", "newest"):
            raise SearchError("sort", f"{p.sort!r}: use relevance or newest")
        if not 1 <= p.size <= MAX_SIZE:
            raise SearchError("size", f"{p.size}: between 1 and {MAX_SIZE}")
        if p.page < 1:
            raise SearchError("page", f"{p.page}: pages start at 1")
        if p.page * p.size > MAX_RESULT_WINDOW:
            raise SearchError("page", f"page {p.page} of size {p.size} goes beyond the first {MAX_RESULT_WINDOW} "
                                      "hits: narrow the search down with filters")
        for k in p.kind:
            if k not in KIND_ORDER:
                raise SearchError("kind", f"{k!r}: one of {', '.join(KIND_ORDER)}")
        if p.min_score is not None and not 0 <= p.min_score <= 100:
            raise SearchError("min_score", f"{p.min_score}: between 0 and 100")
        years = _years(p.year) if p.year else None
        tech_filters = [self.resolve_technique(t) for t in p.technique]
        licences = [self._licence(v) for v in p.licence]

        db = self._db()
        snap = self.snapshot(db)

        # filters: intersect postings (each already sorted = newest first)
        cand: np.ndarray | None = None
        for facet, values in (("kind", p.kind), ("facility", p.facility), ("instrument", p.instrument),
                              ("technique", tech_filters), ("licence", licences)):
            for v in values:
                cand = _intersect(cand, snap.posting(facet, v))
        if years is not None:
            base = cand if cand is not None else np.arange(snap.n, dtype=np.int64)
            y = snap.year[base]
            cand = base[(y >= years[0]) & (y <= years[1])]
        if p.min_score is not None:
            base = cand if cand is not None else np.arange(snap.n, dtype=np.int64)
            cand = base[snap.score[base] >= p.min_score]

        # text, with technique expansion
        expr = fts_query(p.q) if p.q else None
        mentioned: list[tuple[str, str]] = []  # (IRI, the text that named it)
        rank: np.ndarray | None = None
        ranking = "newest"
        text_pos = np.empty(0, dtype=np.int64)
        if p.q and expr is None:
            raise SearchError("q", f"{p.q!r} has no word to search for")
        if expr is not None:
            text_pos, text_rank, ranking = self._match(db, expr, snap)
            positions, rank = text_pos, text_rank
            if self.techniques is not None:
                found = [m for m in self.techniques.find_in_text(p.q) if m.span]
                if found:
                    mentioned = [(m.iri, m.matched) for m in found]
                    exp: np.ndarray | None = None
                    for iri_, _ in mentioned:
                        exp = _intersect(exp, snap.posting("technique", iri_))
                    rest = p.q
                    for m in sorted(found, key=lambda m: m.span[0], reverse=True):
                        rest = rest[:m.span[0]] + " " + rest[m.span[1]:]
                    rest_expr = fts_query(rest)
                    exp_rank = np.zeros(len(exp), dtype=np.float64)
                    if rest_expr is not None:
                        rp, rr, _ = self._match(db, rest_expr, snap)
                        order = np.argsort(rp)
                        rp, rr = rp[order], rr[order]
                        keep = _member(exp, rp, snap.n)
                        exp = exp[keep]
                        exp_rank = rr[np.searchsorted(rp, exp)] * 0.5 + 1e-9
                    only = ~_member(exp, text_pos, snap.n)
                    positions = np.concatenate([text_pos, exp[only]])
                    rank = np.concatenate([text_rank, exp_rank[only] + 1e3])  # text matches first
            if cand is not None:
                keep = _member(positions, cand, snap.n)
                positions, rank = positions[keep], rank[keep]
        else:
            positions = cand if cand is not None else None

        total = snap.n if positions is None else len(positions)
        start = (p.page - 1) * p.size
        # order: newest = ascending position; relevance = bm25 (text) else newest
        page_rank: np.ndarray | None = None
        if positions is None:
            page_pos = np.arange(start, min(start + p.size, snap.n), dtype=np.int64)
        elif rank is not None and p.sort == "relevance":
            k = min(start + p.size, len(positions))
            key = rank + positions * 1e-12  # ties: newest first
            top = np.argpartition(key, k - 1)[:k] if 0 < k < len(key) else np.arange(k)
            top = top[np.argsort(key[top], kind="stable")][start:k]
            page_pos, page_rank = positions[top], rank[top]
        elif rank is not None:
            order = np.argsort(positions, kind="stable")[start:start + p.size]
            page_pos, page_rank = positions[order], rank[order]
        else:
            page_pos = positions[start:start + p.size]
        rank_of = {} if page_rank is None else dict(zip(page_pos.tolist(), (-page_rank).tolist()))

        hits = self._hits(db, snap, page_pos, expr, text_pos, rank_of, tech_filters, mentioned)
        out: dict[str, Any] = {
            "query": {"q": p.q, "kind": p.kind, "facility": p.facility, "instrument": p.instrument,
                      "technique": tech_filters, "year": p.year, "licence": licences, "min_score": p.min_score,
                      "sort": p.sort, "page": p.page, "size": p.size},
            "total": int(total),
            "page": p.page,
            "size": p.size,
            "pages": (int(total) + p.size - 1) // p.size,
            "ranking": ranking if p.sort == "relevance" else "newest",
            "expanded_techniques": [self._technique_expansion(t) for t in
                                    dict.fromkeys(tech_filters + [i for i, _ in mentioned])],
            "hits": hits,
        }
        if p.facets:
            out["facets"] = self._facets(snap, positions, p.facet_limit)
        return out

    def _licence(self, value: str) -> str:
        if value.startswith(("http://", "https://")):
            return value
        if re.fullmatch(r"[A-Za-z0-9.+-]+", value):
            return "http://spdx.org/licenses/" + value
        raise SearchError("licence", f"{value!r}: give a licence IRI or an SPDX id such as CC-BY-4.0")

    def _technique_expansion(self, iri_: str) -> dict[str, Any]:
        cache = self.__dict__.setdefault("_expansions", {})
        if iri_ not in cache:
            cache[iri_] = self._expansion(iri_)
        return cache[iri_]

    def _expansion(self, iri_: str) -> dict[str, Any]:
        t = self.techniques
        narrower = sorted(t.descendants(iri_)) if t is not None and iri_ in t else []
        return {"iri": iri_, "label": t.label(iri_) if t is not None else None,
                "narrower": [{"iri": n, "label": t.label(n)} for n in narrower]}

    def _facets(self, snap: _Snapshot, positions: np.ndarray | None, limit: int) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for name in FACETS:
            f = snap.facets[name]
            counts = f.counts(positions)
            nz = np.flatnonzero(counts)
            if name in ("year", "score"):
                order = sorted(nz.tolist(), key=lambda i: f.values[i], reverse=name == "year")
            else:
                order = nz[np.lexsort((nz, -counts[nz]))].tolist()
            items = []
            for i in order[:limit]:
                v = f.values[i]
                item: dict[str, Any] = {"value": v, "count": int(counts[i])}
                if name == "technique" and self.techniques is not None:
                    item["label"] = self.techniques.label(v) or v
                elif name == "licence":
                    item["label"] = licence_label(v)
                else:
                    item["label"] = v
                items.append(item)
            out[name] = items
        return out

    def _hits(self, db: sqlite3.Connection, snap: _Snapshot, page_pos: np.ndarray, expr: str | None,
              text_pos: np.ndarray, rank_of: dict[int, float], tech_filters: list[str],
              mentioned: list[tuple[str, str]]) -> list[dict[str, Any]]:
        if not len(page_pos):
            return []
        ids = snap.ids[page_pos].tolist()
        marks = ",".join("?" * len(ids))
        docs = {r[0]: r for r in db.execute(
            f"SELECT id, iri, kind, title, issued, year, score, facets FROM docs WHERE id IN ({marks})", ids)}
        names = [n for n, _ in FIELDS]
        matched: dict[int, tuple[str, list[str]]] = {}
        if expr is not None and np.isin(page_pos, text_pos).any():
            cols = ", ".join(f"highlight(docs_fts, {i}, '{_MARK_OPEN}', '{_MARK_CLOSE}')" for i in range(len(names)))
            desc = names.index("description")
            q = (f"SELECT rowid, snippet(docs_fts, {desc}, '{_MARK_OPEN}', '{_MARK_CLOSE}', '…', {SNIPPET_TOKENS}), {cols} "
                 f"FROM docs_fts WHERE docs_fts MATCH ? AND rowid IN ({marks})")
            for row in db.execute(q, (expr, *ids)):
                texts = row[2:]
                fields = [names[i] for i, text in enumerate(texts) if text and _MARK_OPEN in text]
                # the snippet: the description's best passage when it matched, else the first other short field
                # that did (keywords, people …), else the description's beginning (the title is shown anyway)
                snippet = row[1]
                if "description" not in fields:
                    short = [f for f in ("keywords", "people", "instruments", "facility", "identifiers") if f in fields]
                    snippet = _window(texts[names.index(short[0])]) if short else None
                matched[row[0]] = (snippet, fields)
        plain = [i for i in ids if i not in matched or matched[i][0] is None]
        if plain:
            m2 = ",".join("?" * len(plain))
            for rowid, desc in db.execute(f"SELECT rowid, substr(description, 1, 300) FROM docs_fts "
                                          f"WHERE rowid IN ({m2})", plain):
                text = " ".join((desc or "").split())
                matched[rowid] = (text[:240] + ("…" if len(text) > 240 else ""), matched.get(rowid, ("", []))[1])
        t = self.techniques
        expansions = [(x, t.descendants(x, include_self=True) if t is not None and x in t else frozenset({x}), why)
                      for x, why in [(f, "technique filter") for f in tech_filters]
                      + [(i, f"q names {text!r}") for i, text in mentioned]]
        hits = []
        for pos, doc_id in zip(page_pos.tolist(), ids):
            _, iri_, kind, title, issued, year, score, facets_json = docs[doc_id]
            facets = orjson.loads(facets_json)
            snippet, fields = matched.get(doc_id, ("", []))
            direct = facets.get("technique", [])
            why_tech = []
            for x, closure, because in expansions:
                for d in direct:
                    if d in closure:
                        why_tech.append({"iri": d, "label": t.label(d) if t is not None else None,
                                         "via": x, "via_label": t.label(x) if t is not None else None,
                                         "expanded": d != x, "because": because})
            plain_snippet = snippet.replace(_MARK_OPEN, "").replace(_MARK_CLOSE, "")
            hits.append({
                "iri": iri_,
                "kind": kind,
                "title": title,
                "snippet": plain_snippet,
                "snippet_html": html.escape(snippet).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>"),
                "score": round(rank_of[pos], 4) if pos in rank_of else None,
                "issued": issued,
                "year": year,
                "quality_score": score,
                "facility": facets.get("facility", []),
                "instrument": facets.get("instrument", []),
                "technique": [{"iri": d, "label": t.label(d) if t is not None and d in t else None} for d in direct],
                "licence": facets.get("licence", []),
                "sources": facets.get("source", []),
                "why": {"fields": fields, "techniques": why_tech},
            })
        return hits
