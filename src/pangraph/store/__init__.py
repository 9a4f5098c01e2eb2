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
    from pangraph.errors import ConfigError

    raise ConfigError(f"unknown store.backend {backend!r} (supported: oxigraph)", field="store.backend")
