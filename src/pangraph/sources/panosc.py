"""The PaNOSC search API (LoopBack JSON) and its ``db.json`` dumps.

A provider serves ``/Datasets``, ``/Documents`` and ``/Instruments`` under its base URL; the harvester
pages through each with ``filter={"limit": N, "skip": k, "include": [...]}``, asking for the relations
the crosswalk reads (:data:`ENTITIES`). Every item becomes one :class:`~pangraph.records.RawRecord`:
identifier ``<Entity>/<pid>``, ``metadata_prefix`` the crosswalk format (``panosc-dataset``,
``panosc-document``, ``panosc-instrument``), payload the canonical JSON of the item with its included
relations (:func:`record_payload`), so a change in an included person changes the record's hash.

The API has no incremental listing: every run lists everything, and unchanged records cost nothing
(same hash). :func:`read_db_files` builds the same records from a LoopBack memory-connector dump
(``{"ids": …, "models": {"Dataset": {"<pid>": "<JSON text or object>"}, …}}``), resolving foreign keys
and join models the way the API's ``include`` does, so a file and a harvest of the same data give the
same identifiers and hashes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import orjson

from pangraph.crosswalk.jsondoc import canonical_json
from pangraph.errors import ConfigError
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem, harvest_settings
from pangraph.sources.http import HTTPClient, JSONPage, PageRequest, is_json_array, json_pages

if TYPE_CHECKING:
    from pangraph.config import Config, SourceConfig


@dataclass(frozen=True)
class Entity:
    """One collection of the API: its model name, path, crosswalk format and the relations to include."""

    model: str
    path: str
    format: str
    include: tuple[Any, ...]


#: the collections a provider serves, in harvest order
ENTITIES: dict[str, Entity] = {
    "Datasets": Entity("Dataset", "Datasets", "panosc-dataset",
                       ("techniques", "instrument", "parameters", "samples", "files")),
    "Documents": Entity("Document", "Documents", "panosc-document",
                        ({"relation": "members", "scope": {"include": ["person", "affiliation"]}},
                         "datasets", "parameters")),
    "Instruments": Entity("Instrument", "Instruments", "panosc-instrument", ()),
}

#: relations whose value is a list (sorted by pid/id in the payload: servers return them in any order)
_LIST_RELATIONS = frozenset({"techniques", "parameters", "samples", "files", "members", "datasets"})
#: keys that are not data: the relevance score of a search
_VOLATILE = frozenset({"score"})
DEFAULT_PAGE_SIZE = 100


def entities_from(names: Iterable[str] | None) -> list[Entity]:
    """The :data:`ENTITIES` named by *names* (``Datasets``, ``documents`` …, case-insensitive; default all)."""
    if not names:
        return list(ENTITIES.values())
    by_lower = {k.lower(): v for k, v in ENTITIES.items()}
    by_lower.update({v.model.lower(): v for v in ENTITIES.values()})
    out = []
    for name in names:
        entity = by_lower.get(str(name).strip().lower())
        if entity is None:
            raise ConfigError(f"unknown PaNOSC entity {name!r} (known: {', '.join(ENTITIES)})", field="entities")
        if entity not in out:
            out.append(entity)
    return out


# --- the payload of one record -----------------------------------------------------------------------


def _sort_key(item: Any) -> tuple[str, str]:
    if isinstance(item, dict):
        key = item.get("pid", item.get("id"))
        return (type(key).__name__, str(key))
    return ("~", json.dumps(item, sort_keys=True, default=str))


def normalise_item(item: Any) -> Any:
    """*item* without the search score and with its included lists in pid/id order (so the same data
    gives the same bytes whatever order a server returns relations in)."""
    if isinstance(item, dict):
        out = {}
        for k, v in item.items():
            if k in _VOLATILE:
                continue
            v = normalise_item(v)
            if k in _LIST_RELATIONS and isinstance(v, list):
                v = sorted(v, key=_sort_key)
            out[k] = v
        return out
    if isinstance(item, list):
        return [normalise_item(v) for v in item]
    return item


def record_payload(item: dict[str, Any]) -> bytes:
    """The archived bytes of one item: canonical JSON of :func:`normalise_item`."""
    return canonical_json(normalise_item(item))


def pid_text(value: Any) -> str | None:
    """A pid (string or number) as text, or None when it is missing or blank."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


_PID_IN_TEXT = re.compile(r'"pid"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(-?\d+))')


def _item_record(entity: Entity, item: Any, *, source: str, fallback_key: str | None = None
                 ) -> RawRecord | SourceProblem:
    """The record of one item of a listing; an item that is JSON text is parsed, and one whose text is
    not JSON is archived as it is (its crosswalk then reports why it cannot be read)."""
    if isinstance(item, str):
        try:
            item = orjson.loads(item)
        except orjson.JSONDecodeError:
            m = _PID_IN_TEXT.search(item)
            key = (m.group(1) or m.group(2)) if m else fallback_key
            if not key:
                return SourceProblem(source, None, f"{entity.model} item is malformed JSON and names no pid: "
                                                   f"{item[:120]!r}")
            return RawRecord(source=source, identifier=f"{entity.model}/{key}", metadata_prefix=entity.format,
                             payload=item.encode("utf-8"), datestamp=None)
    if not isinstance(item, dict):
        return SourceProblem(source, None, f"{entity.model} item is a JSON {type(item).__name__}, not an object")
    pid = pid_text(item.get("pid")) or fallback_key
    if pid is None:
        return SourceProblem(source, None, f"{entity.model} item without pid: {orjson.dumps(item)[:160]!r}")
    return RawRecord(source=source, identifier=f"{entity.model}/{pid}", metadata_prefix=entity.format,
                     payload=record_payload(item), datestamp=None)


# --- the HTTP harvester ------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class PanoscSource:
    """Harvests a PaNOSC search API provider: pages of ``page_size`` items per entity, each request with
    the source's timeout and the shared retry policy. A page that cannot be had (after retries) or read
    ends that entity's listing with a :class:`SourceProblem`; the other entities are still harvested,
    and :attr:`complete` stays False."""

    def __init__(self, name: str, url: str, *, entities: Iterable[str] | None = None,
                 page_size: int = DEFAULT_PAGE_SIZE, timeout_s: float = 60.0, max_retries: int = 5,
                 backoff_s: float = 2.0, max_delay_s: float = 600.0,
                 sleep: Callable[[float], None] | None = None) -> None:
        if page_size < 1:
            raise ConfigError(f"page_size must be at least 1, not {page_size}", source=name, field="page_size")
        self.name = name
        self.url = url.rstrip("/")
        self.entities = entities_from(entities)
        self.page_size = page_size
        self.client = HTTPClient.from_settings(name, timeout_s=timeout_s, max_retries=max_retries,
                                               backoff_s=backoff_s, max_delay_s=max_delay_s, sleep=sleep)
        self.complete = False
        self.response_date: str | None = None

    def filter_for(self, entity: Entity, *, skip: int) -> dict[str, Any]:
        """The LoopBack filter of one page."""
        flt: dict[str, Any] = {"limit": self.page_size, "skip": skip}
        if entity.include:
            flt["include"] = list(entity.include)
        return flt

    def records(self) -> Iterator[RawRecord | SourceProblem]:
        """Every item of every configured entity, page by page."""
        self.response_date = _now()
        complete = True
        for entity in self.entities:
            complete = (yield from self._list(entity)) and complete
        self.complete = complete

    def _page(self, entity: Entity, *, skip: int) -> PageRequest:
        flt = json.dumps(self.filter_for(entity, skip=skip), separators=(",", ":"))
        return PageRequest(f"{self.url}/{entity.path}", {"filter": flt}, offset=skip)

    def _list(self, entity: Entity) -> Iterator[RawRecord | SourceProblem]:
        def following(page: JSONPage) -> PageRequest | None:
            if len(page.doc) != self.page_size:  # the last page, or the provider ignores limit and sent everything
                return None
            return self._page(entity, skip=(page.request.offset or 0) + len(page.doc))

        seen: set[str] = set()
        for page in json_pages(self.client, self._page(entity, skip=0), what=entity.path, is_listing=is_json_array,
                               listing="a JSON array", next_page=following, report_refusals=True):
            if not isinstance(page, JSONPage):
                yield page
                return False
            new = 0
            for item in page.doc:
                record = _item_record(entity, item, source=self.name)
                if isinstance(record, RawRecord):
                    if record.identifier in seen:
                        continue
                    seen.add(record.identifier)
                new += 1
                yield record
            if new == 0 and len(page.doc) == self.page_size:
                yield SourceProblem(self.name, None, f"{entity.path}: the page at skip={page.request.offset} repeats "
                                                     "earlier items (the provider ignores skip); listing stopped",
                                    scope="page", listing_ended=True)
                return False
        return True

    def close(self) -> None:
        """Release the HTTP session."""
        self.client.close()


def from_config(source: "SourceConfig", *, config: "Config", from_: str | None = None,
                sleep: Callable[[float], None] | None = None) -> PanoscSource:
    """The harvester of a ``kind = "panosc-search-api"`` source (``url`` = the API base, e.g.
    ``https://…/api``; ``entities``, ``page_size``, ``timeout_s``). *from_* is ignored: the API lists
    everything every time."""
    entities = source.options.get("entities")
    if isinstance(entities, str):
        entities = [e for e in re.split(r"[,\s]+", entities) if e]
    try:
        return PanoscSource(source.name, source.url, entities=entities,
                            page_size=int(source.options.get("page_size", DEFAULT_PAGE_SIZE)), sleep=sleep,
                            **harvest_settings(source, config))
    except ConfigError as e:
        raise ConfigError(e.reason, source=source.name, field=e.field) from None


# --- db.json dumps ------------------------------------------------------------------------------------


def _keys(obj: dict[str, Any]) -> set[str]:
    """The values other items may use to refer to *obj*: its pid and its id, as text."""
    return {t for t in (pid_text(obj.get("pid")), pid_text(obj.get("id"))) if t}


class DumpIndex:
    """The models of one ``db.json`` with the relations of the API resolved (:meth:`dataset`,
    :meth:`document`, :meth:`instrument` give what ``include`` would)."""

    def __init__(self, models: dict[str, list[dict[str, Any]]]) -> None:
        self.models = models
        self._by_key: dict[str, dict[str, dict[str, Any]]] = {}
        self._by_fk: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
        for name, items in models.items():
            index: dict[str, dict[str, Any]] = {}
            for field_ in ("pid", "id"):  # by pid first, then by id; the first item wins
                for obj in items:
                    k = pid_text(obj.get(field_))
                    if k and k not in index:
                        index[k] = obj
            self._by_key[name] = index

    def get(self, model: str, key: Any) -> dict[str, Any] | None:
        k = pid_text(key)
        return self._by_key.get(model, {}).get(k) if k else None

    def referring(self, model: str, fk: str, owner: dict[str, Any]) -> list[dict[str, Any]]:
        """Items of *model* whose *fk* names *owner* (hasMany)."""
        index = self._by_fk.get((model, fk))
        if index is None:
            index = {}
            for o in self.models.get(model, []):
                k = pid_text(o.get(fk))
                if k:
                    index.setdefault(k, []).append(o)
            self._by_fk[(model, fk)] = index
        out: list[dict[str, Any]] = []
        for k in sorted(_keys(owner)):
            out += [o for o in index.get(k, []) if o not in out]
        return out

    def through(self, join: str, own_fk: str, other_fk: str, other: str, owner: dict[str, Any]
                ) -> list[dict[str, Any]]:
        """Items of *other* joined to *owner* by the join model *join* (hasAndBelongsToMany)."""
        out = []
        for row in self.referring(join, own_fk, owner):
            target = self.get(other, row.get(other_fk))
            if target is not None and target not in out:
                out.append(target)
        return out

    def dataset(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = dict(obj)
        out.setdefault("techniques", self.through("DatasetTechnique", "datasetId", "techniqueId", "Technique", obj))
        instrument = self.get("Instrument", obj.get("instrumentId"))
        if "instrument" not in out and instrument is not None:
            out["instrument"] = instrument
        out.setdefault("parameters", self.referring("Parameter", "datasetId", obj))
        out.setdefault("samples", self.through("DatasetSample", "datasetId", "sampleId", "Sample", obj))
        out.setdefault("files", self.referring("File", "datasetId", obj))
        return out

    def document(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = dict(obj)
        if "members" not in out:
            members = []
            for m in self.referring("Member", "documentId", obj):
                member = dict(m)
                person = self.get("Person", m.get("personId"))
                affiliation = self.get("Affiliation", m.get("affiliationId"))
                if person is not None:
                    member["person"] = person
                if affiliation is not None:
                    member["affiliation"] = affiliation
                members.append(member)
            out["members"] = members
        if "datasets" not in out:
            datasets = self.through("DocumentDataset", "documentId", "datasetId", "Dataset", obj)
            datasets += [d for d in self.referring("Dataset", "documentId", obj) if d not in datasets]
            out["datasets"] = datasets
        out.setdefault("parameters", self.referring("Parameter", "documentId", obj))
        return out

    def instrument(self, obj: dict[str, Any]) -> dict[str, Any]:
        return dict(obj)


def parse_dump(data: Any) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[tuple[str, str]]]]:
    """The models of a ``db.json`` (values given as JSON text are parsed) and, per model, the items
    whose text is not JSON: ``(key, text)``."""
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise ValueError('not a LoopBack dump: no "models" object')
    models: dict[str, list[dict[str, Any]]] = {}
    broken: dict[str, list[tuple[str, str]]] = {}
    for name, items in data["models"].items():
        if not isinstance(items, dict):
            continue
        out = []
        for key, value in items.items():
            if isinstance(value, str):
                try:
                    value = orjson.loads(value)
                except orjson.JSONDecodeError:
                    broken.setdefault(name, []).append((str(key), value))
                    continue
            if isinstance(value, dict):
                out.append(value)
            else:
                broken.setdefault(name, []).append((str(key), json.dumps(value)))
        models[name] = out
    return models, broken


def read_db_files(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
                  ) -> Iterator[RawRecord | SourceProblem]:
    """The records of LoopBack ``db.json`` dumps of a PaNOSC search API, exactly as a harvest of the
    same data gives them (Datasets, then Documents, then Instruments). An item whose stored text is
    not JSON is archived as it is, keyed by its model key (its crosswalk reports it)."""
    for path in paths:
        path = Path(path)
        try:
            data = orjson.loads(path.read_bytes())
            models, broken = parse_dump(data)
        except (OSError, orjson.JSONDecodeError, ValueError) as e:
            yield SourceProblem(source, None, f"{path.name}: cannot read the dump: {e}", scope="page")
            continue
        index = DumpIndex(models)
        for entity in ENTITIES.values():
            resolve = {"Dataset": index.dataset, "Document": index.document, "Instrument": index.instrument}[entity.model]
            for obj in models.get(entity.model, []):
                yield _item_record(entity, resolve(obj), source=source)
            for key, text in broken.get(entity.model, []):
                yield _item_record(entity, text, source=source, fallback_key=key)


__all__ = ["ENTITIES", "DumpIndex", "Entity", "PanoscSource", "entities_from", "from_config", "normalise_item",
           "parse_dump", "read_db_files", "record_payload"]
