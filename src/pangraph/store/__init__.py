"""The store behind a small interface (DESIGN.md §5). Only the adapters import store libraries."""

from __future__ import annotations

from pangraph.store.base import GraphWrite, QueryResult, Store, StoreCapabilities

__all__ = ["GraphWrite", "QueryResult", "Store", "StoreCapabilities", "open_store"]


def open_store(config) -> Store:  # noqa: ANN001 - Config, imported lazily to keep the graph of imports flat
    """Open the store the configuration names (``store.backend``)."""
    backend = config["store.backend"]
    if backend == "oxigraph":
        from pangraph.store.oxigraph import OxigraphStore

        return OxigraphStore(config.store_path)
    from pangraph.errors import ConfigError, StoreError

    if backend == "sparql":
        from pangraph.store.remote import RemoteSparqlStore

        try:
            return RemoteSparqlStore.from_config(config)
        except StoreError as e:
            raise ConfigError(str(e), field="store.backend") from None
    raise ConfigError(f"unknown store.backend {backend!r} (supported: oxigraph, sparql)", field="store.backend")
