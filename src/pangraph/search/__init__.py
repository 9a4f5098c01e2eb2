"""Full-text search over the datasets, training and software of the graph (PaN-Finder style).

Oxigraph has no text index, so search keeps its own, derived from the graph and kept in sync with it:

- :mod:`pangraph.search.index` — a SQLite database (``{paths.data}/search.sqlite`` by default): one row per
  record graph with what it says about its main resource (:class:`Contribution`, extracted from the
  record's N-Triples text), one merged document per resource IRI (two sources describing one DOI give
  one document) with an FTS5 full-text table (bm25 ranking with field weights) and its facet values;
- :mod:`pangraph.search.engine` — the query side: FTS5 for the text, an in-memory columnar snapshot
  (numpy) of facet values, precomputed newest-first order and PaNET roll-up for filters, counts and
  facets, reloaded when the index changes.
"""

from pangraph.search.engine import SearchEngine, SearchParams, SearchError
from pangraph.search.index import Contribution, SearchIndex, extract_contribution, search_index_path

__all__ = ["Contribution", "SearchEngine", "SearchError", "SearchIndex", "SearchParams",
           "extract_contribution", "search_index_path"]
