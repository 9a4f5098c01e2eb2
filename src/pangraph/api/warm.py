"""Pages whose figures scan the whole store (the start page): computed before the first visitor asks, and
renewed in the background when they only grew old.

At 600k datasets the start page's counts take tens of seconds. :func:`kept` keeps the computed value with the
key it was computed for (the store's write ``generation`` and the newest run report: see
:func:`pangraph.api.pages.change_key`):

- same key, younger than ``server.description_cache_s``: the kept value;
- same key, older: the kept value still (nothing it depends on has changed), while one background thread
  computes it again;
- another key (the store was written, a run finished) or nothing kept: computed now, once, concurrent requests
  waiting for that one computation — a page never shows figures from before a write.

:func:`warm_up_pages` computes the start page in a background thread when ``pangraph serve`` starts.
"""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace
from typing import Any, Callable, Hashable, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

_GUARD = threading.Lock()


def _locks(state: Any, name: str) -> tuple[threading.Lock, threading.Lock]:
    with _GUARD:
        table = getattr(state, "kept_locks", None)
        if table is None:
            table = state.kept_locks = {}
        if name not in table:
            table[name] = (threading.Lock(), threading.Lock())
        return table[name]


def kept(state: Any, name: str, compute: Callable[[], T], *, key: Hashable, ttl: float) -> T:
    """``compute()`` kept in *state* under *name* for *key* (see the module's rules); *ttl* ≤ 0 computes
    every time."""
    if ttl <= 0:
        return compute()
    compute_lock, refresh_lock = _locks(state, name)
    entry = getattr(state, name, None)
    if entry is not None and entry[0] == key:
        if time.monotonic() - entry[1] >= ttl and refresh_lock.acquire(blocking=False):
            def refresh() -> None:
                try:
                    value = compute()
                    with compute_lock:
                        current = getattr(state, name, None)
                        if current is not None and current[0] == key:  # a newer key wins over this refresh
                            setattr(state, name, (key, time.monotonic(), value))
                except Exception:  # noqa: BLE001 - the kept value stays; the next request tries again
                    log.exception("renewing %s failed", name)
                finally:
                    refresh_lock.release()

            threading.Thread(target=refresh, name=f"renew-{name}", daemon=True).start()
        return entry[2]
    with compute_lock:
        entry = getattr(state, name, None)
        if entry is not None and entry[0] == key:  # computed by another request while this one waited
            return entry[2]
        value = compute()
        setattr(state, name, (key, time.monotonic(), value))
        return value


def warm_up_pages(app: Any, *, background: bool = True) -> threading.Thread | None:
    """Compute the start page's figures now (in a background thread unless *background* is false), so that
    the first visitor does not wait for them (``pangraph serve`` calls this)."""
    from pangraph.api.pages import cached_landing_summary

    request = SimpleNamespace(app=app)  # what cached_landing_summary reads: request.app.state

    def run() -> None:
        try:
            cached_landing_summary(request)  # type: ignore[arg-type]
        except Exception as e:  # noqa: BLE001 - the first request computes it and reports any error
            log.info("start page not precomputed: %s", e)

    if not background:
        run()
        return None
    thread = threading.Thread(target=run, name="pages-warm-up", daemon=True)
    thread.start()
    return thread


class GenerationMemo:
    """Values computed from the store, kept until its write ``generation`` changes or for *max_age_s* at most
    (a remote store can be written by other processes), bounded, least recently used first out. A store without a
    ``generation`` counter gets nothing kept."""

    def __init__(self, max_entries: int = 2048, max_age_s: float = 300.0) -> None:
        self.max_entries = max_entries
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._values: dict[Hashable, Any] = {}

    def get(self, store: Any, key: Hashable, compute: Callable[[], T]) -> T:
        generation = getattr(store, "generation", None)
        if generation is None:
            return compute()
        with self._lock:
            if generation != self._generation:
                self._values.clear()
                self._generation = generation
            if key in self._values:
                stamp, value = self._values.pop(key)
                if time.monotonic() - stamp < self.max_age_s:
                    self._values[key] = (stamp, value)  # most recently used last
                    return value
        value = compute()
        with self._lock:
            # kept only when no write happened meanwhile (it might have been read half before, half after)
            if self._generation == generation and getattr(store, "generation", None) == generation:
                self._values[key] = (time.monotonic(), value)
                while len(self._values) > self.max_entries:
                    self._values.pop(next(iter(self._values)))
        return value


def memo(store: Any, name: str) -> GenerationMemo:
    """The :class:`GenerationMemo` *name* of *store*, kept on the store object (made on first use)."""
    table = getattr(store, "_pangraph_memos", None)
    if table is None:
        table = {}
        try:
            store._pangraph_memos = table
        except AttributeError:  # a store that takes no attributes: nothing kept across calls
            pass
    with _GUARD:
        if name not in table:
            table[name] = GenerationMemo()
        return table[name]
