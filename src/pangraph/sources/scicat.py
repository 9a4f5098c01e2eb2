"""SciCat: the backend's REST API (``kind = "scicat"``), SciCat JSON dumps (file format
``scicat-json``: the MongoDB seed files of SciCatLive, or API answers saved to disk) and the
PaN-Finder harvests of facility catalogues (file format ``pan-finder-json``).

Every SciCat object becomes one raw record whose identifier is ``{Entity}/{id}`` (``Dataset/20.500.12269/…``,
``PublishedData/10.17199/…``) and whose ``metadata_prefix`` names its crosswalk (``scicat-dataset``,
``scicat-published-data``, ``scicat-instrument``, ``scicat-proposal``, ``scicat-sample``,
``scicat-origdatablock``; ``pan-finder-document`` for the PaNOSC documents of the harvests). The
payload is the object as the source gave it, serialised canonically.

References between objects (a published data's ``pidArray``, a dataset's ``instrumentId``,
``proposalId``, ``sampleId``, ``inputDatasets``, an OrigDatablock's ``datasetId``) are checked
against the objects the source holds: a reference to nothing (the seed's ``dsl_ds1``) is reported as
a :class:`SourceProblem` naming the record, the field and the missing id. The record itself is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator
from urllib.parse import quote

from pangraph.crosswalk.jsondoc import canonical_json
from pangraph.crosswalk.catalogue import plain
from pangraph.errors import ConfigError, HarvestError
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem, harvest_settings
from pangraph.sources.files import parsed_files
from pangraph.sources.http import HTTPClient, JSONPage, PageRequest, is_json_array, json_pages, server_time

if TYPE_CHECKING:
    from pangraph.config import Config, SourceConfig


@dataclass(frozen=True)
class Entity:
    """One SciCat collection: its entity name, REST path, crosswalk format and id fields."""

    name: str
    collection: str
    fmt: str
    id_fields: tuple[str, ...]


ENTITIES: dict[str, Entity] = {e.name: e for e in (
    Entity("Dataset", "Datasets", "scicat-dataset", ("pid", "_id", "id")),
    Entity("PublishedData", "PublishedData", "scicat-published-data", ("doi", "_id", "id")),
    Entity("Instrument", "Instruments", "scicat-instrument", ("pid", "_id", "id")),
    Entity("Proposal", "Proposals", "scicat-proposal", ("proposalId", "_id", "id")),
    Entity("Sample", "Samples", "scicat-sample", ("sampleId", "_id", "id")),
    Entity("OrigDatablock", "OrigDatablocks", "scicat-origdatablock", ("_id", "id")),
)}

#: (entity, field, entity referenced): the references checked for dangling ids
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("PublishedData", "pidArray", "Dataset"),
    ("Dataset", "inputDatasets", "Dataset"),
    ("Dataset", "instrumentId", "Instrument"),
    ("Dataset", "instrumentIds", "Instrument"),
    ("Dataset", "proposalId", "Proposal"),
    ("Dataset", "proposalIds", "Proposal"),
    ("Dataset", "sampleId", "Sample"),
    ("Dataset", "sampleIds", "Sample"),
    ("OrigDatablock", "datasetId", "Dataset"),
)


def entity_named(name: str) -> Entity | None:
    """The entity a collection or file name names (``Datasets``, ``dataset``, ``PublishedData.json``,
    ``scicat-dataset``), or None."""
    key = name.lower().replace("-", "").replace("_", "")
    key = key.removeprefix("scicat")
    for e in ENTITIES.values():
        if key in (e.name.lower(), e.collection.lower(), e.fmt.replace("-", "").removeprefix("scicat")):
            return e
    return None


def guess_entity(obj: dict[str, Any]) -> Entity | None:
    """The entity of a SciCat object recognised by its fields (for dumps that mix collections)."""
    if "dataFileList" in obj:
        return ENTITIES["OrigDatablock"]
    if "pidArray" in obj:
        return ENTITIES["PublishedData"]
    if "datasetName" in obj or "scientificMetadata" in obj or "sourceFolder" in obj:
        return ENTITIES["Dataset"]
    if "proposalId" in obj and ("title" in obj or "pi_email" in obj) or "MeasurementPeriodList" in obj:
        return ENTITIES["Proposal"]
    if "sampleId" in obj or "sampleCharacteristics" in obj:
        return ENTITIES["Sample"]
    if "name" in obj and ("_id" in obj or "pid" in obj) and "title" not in obj:
        return ENTITIES["Instrument"]
    return None


def object_id(entity: Entity, obj: dict[str, Any]) -> str:
    """The id of a SciCat object (its pid, DOI, proposal/sample id or ``_id``); ``""`` when it has none."""
    for f in entity.id_fields:
        v = plain(obj.get(f))
        if isinstance(v, (str, int)) and str(v).strip():
            return str(v).strip()
    return ""


def _datestamp(obj: dict[str, Any]) -> str | None:
    v = plain(obj.get("updatedAt") or obj.get("createdAt"))
    return str(v) if isinstance(v, str) and v.strip() else None


def make_record(source: str, entity: Entity, obj: dict[str, Any], *, fmt: str | None = None) -> RawRecord | None:
    """The raw record of one SciCat object (None when it has no id)."""
    ident = object_id(entity, obj)
    if not ident:
        return None
    return RawRecord(source=source, identifier=f"{entity.name}/{ident}", metadata_prefix=fmt or entity.fmt,
                     payload=canonical_json(obj), datestamp=_datestamp(obj))


@dataclass
class ReferenceCheck:
    """The ids seen per entity and the references made, to report references to nothing."""

    source: str
    seen: dict[str, set[str]] = field(default_factory=dict)
    refs: list[tuple[str, str, str, str]] = field(default_factory=list)  # (record id, field, entity, target)

    def add(self, entity: Entity, obj: dict[str, Any]) -> None:
        ident = object_id(entity, obj)
        self.seen.setdefault(entity.name, set()).add(ident)
        for alt in entity.id_fields:  # a dataset may be referred to by pid or _id
            v = plain(obj.get(alt))
            if isinstance(v, str) and v.strip():
                self.seen[entity.name].add(v.strip())
        for owner, fld, target in REFERENCES:
            if owner != entity.name:
                continue
            value = plain(obj.get(fld))
            for t in value if isinstance(value, list) else [value]:
                if isinstance(t, (str, int)) and str(t).strip():
                    self.refs.append((f"{entity.name}/{ident}", fld, target, str(t).strip()))

    def dangling(self, *, exists: Callable[[str, str], bool | None] | None = None,
                 checked: Iterable[str] | None = None) -> Iterator[SourceProblem]:
        """A problem for every reference whose target is neither among the objects seen nor (when
        *exists* is given) found by asking the source; only entities in *checked* are checked."""
        entities = set(checked) if checked is not None else set(ENTITIES)
        cache: dict[tuple[str, str], bool | None] = {}
        for record, fld, target, value in self.refs:
            if target not in entities or value in self.seen.get(target, set()):
                continue
            key = (target, value)
            if key not in cache:
                cache[key] = exists(target, value) if exists is not None else False
            if cache[key] is False:
                yield SourceProblem(
                    self.source, record,
                    f"dangling reference: field {fld} of {record} names {target} {value!r}, which the source "
                    "does not hold; the record is kept and links to an IRI nothing describes")


# --- files --------------------------------------------------------------------------------------------

def _objects_of_file(path: Path, doc: Any, metadata_prefix: str | None) -> Iterator[tuple[Entity | None, Any]]:
    named = entity_named(path.stem) or (entity_named(metadata_prefix) if metadata_prefix else None)
    if isinstance(doc, dict) and any(entity_named(k) for k in doc):  # {"Dataset": [...], "Sample": [...]}
        for k, v in doc.items():
            e = entity_named(k)
            for obj in v if isinstance(v, list) else [v]:
                yield e, obj
        return
    for obj in doc if isinstance(doc, list) else [doc]:
        yield named, obj


def read_scicat_files(paths: Iterable[Path], *, source: str,
                      metadata_prefix: str | None = None) -> Iterator[RawRecord | SourceProblem]:
    """The records of SciCat JSON files: an array of one collection (named by the file, e.g.
    ``Dataset.json``, or by *metadata_prefix*), or an object of arrays by collection name; objects of
    unnamed files are recognised by their fields. MongoDB extended JSON is kept in the payload.
    Dangling references between the objects of all files are reported at the end."""
    check = ReferenceCheck(source)
    for file in parsed_files(paths, source=source, syntax="json"):
        if isinstance(file, SourceProblem):
            yield file
            continue
        path, doc = file.path, file.doc
        for n, (entity, obj) in enumerate(_objects_of_file(path, doc, metadata_prefix)):
            where = f"{path.name}[{n}]"
            if not isinstance(obj, dict):
                yield SourceProblem(source, where, f"{where} is a JSON {type(obj).__name__}, not an object")
                continue
            entity = entity or guess_entity(obj)
            if entity is None:
                yield SourceProblem(source, where, f"{where}: not recognisable as a SciCat object "
                                                   "(name the collection in the file name)")
                continue
            rec = make_record(source, entity, obj)
            if rec is None:
                yield SourceProblem(source, where, f"{where}: {entity.name} without an id "
                                                   f"({' / '.join(entity.id_fields)})")
                continue
            check.add(entity, obj)
            yield rec
    yield from check.dangling()


def read_pan_finder_files(paths: Iterable[Path], *, source: str,
                          metadata_prefix: str | None = None) -> Iterator[RawRecord | SourceProblem]:
    """The records of PaN-Finder harvest files (arrays of ``{document, datasets, panosc}`` entries
    from the SciCat / PaNOSC APIs of facilities): the SciCat published data (``document`` with
    ``pidArray``) and its ``datasets`` as SciCat records, and the PaNOSC document (``panosc``, with an
    ILL-style ``document`` of authors and instruments) as a ``pan-finder-document`` record. Error
    answers stored instead of datasets (HTTP 403) are reported; duplicates are read once."""
    seen: dict[str, bytes] = {}

    def emit(rec: RawRecord | None) -> Iterator[RawRecord | SourceProblem]:
        if rec is None:
            return
        if seen.get(rec.identifier) == rec.payload:
            return
        if rec.identifier in seen:
            yield SourceProblem(source, rec.identifier, f"{rec.identifier} appears twice with different content; "
                                                        "both versions are kept, the later one is current")
        seen[rec.identifier] = rec.payload
        yield rec

    for file in parsed_files(paths, source=source, syntax="json"):
        if isinstance(file, SourceProblem):
            yield file
            continue
        path, doc = file.path, file.doc
        entries = doc if isinstance(doc, list) else [doc]
        for n, entry in enumerate(entries):
            where = f"{path.name}[{n}]"
            if not isinstance(entry, dict):
                yield SourceProblem(source, where, f"{where} is not an object")
                continue
            document, datasets, panosc = entry.get("document"), entry.get("datasets"), entry.get("panosc")
            check = ReferenceCheck(source)
            published = isinstance(document, dict) and ("pidArray" in document or "doi" in document)
            datasets_failed = False
            if published:
                rec = make_record(source, ENTITIES["PublishedData"], document)
                if rec is None:
                    yield SourceProblem(source, where, f"{where}: published data without DOI")
                else:
                    check.add(ENTITIES["PublishedData"], document)
                    yield from emit(rec)
            for m, ds in enumerate(datasets if isinstance(datasets, list) else []):
                if isinstance(ds, dict) and ("statusCode" in ds or "error" in ds) and not object_id(
                        ENTITIES["Dataset"], ds):
                    datasets_failed = True
                    owner = f"PublishedData/{object_id(ENTITIES['PublishedData'], document)}" if published else where
                    yield SourceProblem(source, owner, (
                        f"{where}: the harvest holds an error answer instead of the datasets of {owner} "
                        f"(HTTP {ds.get('statusCode')} {ds.get('error')}: {ds.get('message')}); datasets not read"))
                    continue
                rec = make_record(source, ENTITIES["Dataset"], ds) if isinstance(ds, dict) else None
                if rec is None:
                    yield SourceProblem(source, f"{where}.datasets[{m}]", "dataset without pid")
                    continue
                check.add(ENTITIES["Dataset"], ds)
                yield from emit(rec)
            if isinstance(panosc, dict):
                payload: dict[str, Any] = {"panosc": panosc}
                if isinstance(document, dict) and not published:
                    payload["document"] = document
                pid = str(plain(panosc.get("pid") or panosc.get("doi") or "")).strip()
                if pid:
                    yield from emit(RawRecord(source=source, identifier=f"Document/{pid}",
                                              metadata_prefix="pan-finder-document", payload=canonical_json(payload),
                                              datestamp=None))
                else:
                    yield SourceProblem(source, where, f"{where}: PaNOSC document without pid")
            elif isinstance(document, dict) and not published:
                yield SourceProblem(source, where, f"{where}: document of unknown shape (neither SciCat published "
                                                   "data nor with a PaNOSC part); not read")
            if not datasets_failed:
                yield from check.dangling(checked={"Dataset"})


# --- the REST API ------------------------------------------------------------------------------------------

class SciCatSource:
    """A SciCat backend (``{url}`` is the API root, e.g. ``https://scicat.ess.eu/api/v3``): every
    collection of *entities* is listed page by page with
    ``filter={"where": …, "limits": {"limit": N, "skip": k, "order": "updatedAt:asc"}}`` (the
    LoopBack-style ``limit``/``skip``/``order`` keys are sent too, for older backends); an
    incremental run asks ``where updatedAt >= from``. A page that fails ends that collection's listing
    (reported; the checkpoint does not advance)."""

    def __init__(self, name: str, url: str, *, entities: Iterable[str] | None = None, page_size: int = 100,
                 from_: str | None = None, timeout_s: float = 60.0, max_retries: int = 5, backoff_s: float = 2.0,
                 max_delay_s: float = 600.0, sleep: Callable[[float], None] | None = None) -> None:
        self.name = name
        self.url = url.rstrip("/")
        chosen = []
        for e in entities or [e.collection for e in ENTITIES.values()]:
            found = entity_named(str(e))
            if found is None:
                raise ConfigError(f"unknown SciCat collection {e!r} (known: "
                                  f"{', '.join(x.collection for x in ENTITIES.values())})",
                                  source=name, field="entities")
            chosen.append(found)
        self.entities = chosen
        self.page_size = max(1, int(page_size))
        self.from_ = from_
        self.client = HTTPClient.from_settings(name, timeout_s=timeout_s, max_retries=max_retries,
                                               backoff_s=backoff_s, max_delay_s=max_delay_s, sleep=sleep)
        self.response_date: str | None = None
        self.complete = False

    def filter(self, *, skip: int) -> str:
        """The ``filter`` parameter of one page."""
        f: dict[str, Any] = {"limits": {"limit": self.page_size, "skip": skip, "order": "updatedAt:asc"},
                             "limit": self.page_size, "skip": skip, "order": "updatedAt ASC"}
        if self.from_:
            f["where"] = {"updatedAt": {"gte": self.from_}}
        return json.dumps(f, separators=(",", ":"))

    def _page(self, url: str, *, skip: int) -> PageRequest:
        return PageRequest(url, {"filter": self.filter(skip=skip)}, offset=skip)

    def _next_page(self, page: JSONPage) -> PageRequest | None:
        if len(page.doc) < self.page_size:
            return None
        return self._page(page.request.url, skip=(page.request.offset or 0) + len(page.doc))

    def records(self) -> Iterator[RawRecord | SourceProblem]:
        """Every object of the chosen collections, then the dangling references found."""
        self.complete = False
        complete = True
        check = ReferenceCheck(self.name)
        for entity in self.entities:
            first = self._page(f"{self.url}/{entity.collection}", skip=0)
            for page in json_pages(self.client, first, what=entity.collection, is_listing=is_json_array,
                                   listing="a JSON array", next_page=self._next_page, report_refusals=True):
                if not isinstance(page, JSONPage):
                    complete = False
                    yield page
                    continue
                if self.response_date is None:
                    self.response_date = server_time(page.reply)
                skip = page.request.offset or 0
                for n, obj in enumerate(page.doc):
                    if not isinstance(obj, dict):
                        yield SourceProblem(self.name, f"{entity.collection}[{skip + n}]", "not a JSON object")
                        continue
                    rec = make_record(self.name, entity, obj)
                    if rec is None:
                        yield SourceProblem(self.name, f"{entity.collection}[{skip + n}]",
                                            f"{entity.name} without an id ({' / '.join(entity.id_fields)})")
                        continue
                    check.add(entity, obj)
                    yield rec
        harvested = {e.name for e in self.entities}
        yield from check.dangling(exists=self._exists, checked=harvested)
        self.complete = complete

    def _exists(self, entity_name: str, ident: str) -> bool | None:
        """Whether the source holds the object (``GET {url}/{collection}/{id}``): True, False (404),
        None when it cannot tell."""
        entity = ENTITIES[entity_name]
        try:
            reply = self.client.get(f"{self.url}/{entity.collection}/{quote(ident, safe='')}")
        except HarvestError:
            return None
        if reply.status == 200:
            body = reply.body.strip()
            return body not in (b"", b"null", b"{}")
        if reply.status == 404:
            return False
        return None

    def close(self) -> None:
        """Close the HTTP session."""
        self.client.close()


def from_config(source: "SourceConfig", *, config: "Config", from_: str | None = None,
                sleep: Callable[[float], None] | None = None) -> SciCatSource:
    """The SciCat source of a ``kind = "scicat"`` configuration (``url``, ``entities``, ``page_size``)."""
    entities = source.options.get("entities")
    if isinstance(entities, str):
        entities = [e.strip() for e in entities.split(",") if e.strip()]
    return SciCatSource(source.name, source.url, entities=entities,
                        page_size=int(source.options.get("page_size", 100)), from_=from_, sleep=sleep,
                        **harvest_settings(source, config))


__all__ = ["ENTITIES", "Entity", "ReferenceCheck", "SciCatSource", "entity_named", "from_config", "guess_entity",
           "make_record", "read_pan_finder_files", "read_scicat_files"]
