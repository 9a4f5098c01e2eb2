"""What pages need to know about the resources they link to — labels, and whether the node holds any statement
about them — read once per store generation and shared by every page.

A dataset page links to people, organisations, instruments, licences … that thousands of other records link
to as well, and whose names every one of those records states again (the default graph is the union of the
record graphs *as a multiset*: a facility's name stated by 100k records comes 100k times). Reading them is
cheap per resource (one query of at most :data:`STATEMENT_ROWS` rows, see :func:`read_facts`) but a page links
to tens of them; at 600k datasets that was most of a dataset page's time. :class:`RefFacts` keeps the answers in a bounded
LRU map, emptied whenever the store's write ``generation`` changes (any write through the store: a harvest
batch, a link, a reload), so a page never shows a label the store no longer holds. A store without a
``generation`` counter is never cached, and nothing is kept longer than :data:`MAX_AGE_S` (a remote store
can also be written by other processes, which no counter of this one sees).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import orjson

from pangraph.rdf import iri as iri_term

#: label rows read per linked resource and predicate (copies of one statement from many graphs count)
LABEL_ROWS = 8
#: resources whose facts are kept (≈ 1 KB each)
MAX_ENTRIES = 100_000
#: seconds a kept answer is trusted even without a write through this process: a remote store can be written
#: by other processes (a harvest worker), which the ``generation`` of this process's adapter does not see
MAX_AGE_S = 300.0
SPARQL_JSON = "application/sparql-results+json"


@dataclass(frozen=True)
class Facts:
    """What the node holds about one resource: ``labels`` are ``(predicate, SPARQL JSON binding)`` pairs,
    each once, in store order; ``described`` whether the resource is the subject of any statement."""

    labels: tuple[tuple[str, dict[str, str]], ...]
    described: bool


#: statements read per resource in one go; a resource with more (a facility, a licence every record states
#: again) gets one query per label predicate instead
STATEMENT_ROWS = 64


def statements_select(ref: str) -> str:
    """The first :data:`STATEMENT_ROWS` statements about *ref*."""
    return f"SELECT ?p ?o WHERE {{ {iri_term(ref)} ?p ?o }} LIMIT {STATEMENT_ROWS}"


def label_select(ref: str, predicate: str) -> str:
    """At most :data:`LABEL_ROWS` values of *predicate* for *ref* (copies from many graphs count)."""
    return f"SELECT ?o WHERE {{ {iri_term(ref)} <{predicate}> ?o }} LIMIT {LABEL_ROWS}"


def read_facts(store: Any, ref: str, predicates: Sequence[str]) -> Facts:
    """The :class:`Facts` of *ref*: one small query for most resources (a UNION of per-resource sub-selects is
    many times slower in Oxigraph than the same queries one by one)."""
    rows = orjson.loads(store.query(statements_select(ref), media_type=SPARQL_JSON).body)["results"]["bindings"]
    labels: list[tuple[str, dict[str, str]]] = []
    if len(rows) < STATEMENT_ROWS:
        for p in predicates:  # in the order of *predicates*, each value once
            for row in rows:
                pair = (p, row["o"])
                if row["p"]["value"] == p and pair not in labels:
                    labels.append(pair)
    else:
        for p in predicates:
            body = store.query(label_select(ref, p), media_type=SPARQL_JSON).body
            for row in orjson.loads(body)["results"]["bindings"]:
                if (p, row["o"]) not in labels:
                    labels.append((p, row["o"]))
    return Facts(tuple(labels), bool(rows))


class RefFacts:
    """The per-generation cache of :class:`Facts` for one store (thread-safe)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_age_s: float = MAX_AGE_S) -> None:
        self.max_entries = max_entries
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, tuple[str, ...]], tuple[float, Facts]] = OrderedDict()
        self._key: int | None = None  # the store generation the entries belong to
        self.hits = 0
        self.misses = 0

    def _check(self, store: Any) -> bool:
        generation = getattr(store, "generation", None)
        if generation is None:
            return False
        if generation != self._key:
            self._entries.clear()
            self._key = generation
        return True

    def get(self, store: Any, refs: Iterable[str], predicates: Sequence[str]) -> dict[str, Facts]:
        """The facts of every IRI of *refs*, read from *store* for those not cached at its generation."""
        preds = tuple(predicates)
        wanted = list(dict.fromkeys(refs))
        out: dict[str, Facts] = {}
        with self._lock:
            cache = self._check(store)
            key = self._key
            if cache:
                now = time.monotonic()
                for r in wanted:
                    entry = self._entries.get((r, preds))
                    if entry is not None and now - entry[0] < self.max_age_s:
                        self._entries.move_to_end((r, preds))
                        out[r] = entry[1]
        missing = [r for r in wanted if r not in out]
        self.hits += len(out)
        self.misses += len(missing)
        read = {r: read_facts(store, r, preds) for r in missing}
        out.update(read)
        if cache and read:
            with self._lock:
                if self._key == key and getattr(store, "generation", None) == key:
                    now = time.monotonic()
                    for r, f in read.items():
                        self._entries[(r, preds)] = (now, f)
                        self._entries.move_to_end((r, preds))
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
        return out


def ref_facts(store: Any) -> RefFacts:
    """The cache of *store*, kept on the store object itself (made on first use)."""
    cache = getattr(store, "_pangraph_ref_facts", None)
    if cache is None:
        cache = RefFacts()
        try:
            store._pangraph_ref_facts = cache
        except AttributeError:  # a store that takes no attributes: a fresh (uncached across calls) one each time
            pass
    return cache
