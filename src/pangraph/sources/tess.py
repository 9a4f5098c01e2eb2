"""TeSS (the PaN training catalogue) as a source, and saved TeSS / Bioschemas files.

:class:`TessSource` lists ``{url}/materials`` and ``{url}/events`` of the TeSS JSON-API
(``Accept: application/vnd.api+json``, ``page_size``, then ``links.next`` until it is absent). Every
item becomes one :class:`~pangraph.records.RawRecord`, archived as the single-resource document TeSS
answers for ``GET /materials/{slug}``: ``{"data": item, "links": {"self": <absolute TeSS URL>}}`` (the
page's self links may be relative; the absolute URL is what the crosswalk uses as the record's IRI).
The format (``metadata_prefix``) is ``tess-material`` or ``tess-event`` by the item's ``type``; the
identifier ``materials/<id>`` / ``events/<id>``; the datestamp ``attributes.updated-at``. TeSS's
JSON-API has no date filter: every run lists everything, and unchanged records cost nothing.

File readers (``kind = "files"``):

- ``tess-json-api`` (:func:`read_json_api_files`): saved JSON-API pages or single resources;
- ``tess-json`` (:func:`read_json_files`): TeSS's ``/materials.json`` / ``/events.json`` (snake_case,
  an array, or one object for a show page) → ``tess-material-json`` / ``tess-event-json``;
- ``bioschemas-jsonld`` (:func:`read_bioschemas_files`): JSON-LD files (an object, an array or an
  ``@graph``) or HTML pages with ``<script type="application/ld+json">`` blocks; one record per node
  object (``@context`` carried over), identifier its ``@id`` (else its ``url``, else ``file#n``).

The TeSS OAI-PMH endpoint (``/oai-pmh``, ``metadataPrefix=rdf``) is an ordinary ``oai-pmh`` source.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator
from urllib.parse import urljoin

from lxml import etree, html as lxml_html

from pangraph.crosswalk.jsondoc import canonical_json, parse_json
from pangraph.errors import ConfigError
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from pangraph.sources.files import parsed_files
from pangraph.sources.http import (HTTPClient, JSONPage, PageRequest, is_json_api_collection, json_pages,
                                  links_next, server_time)

if TYPE_CHECKING:
    from pangraph.config import Config, SourceConfig

JSON_API = "application/vnd.api+json"
DEFAULT_PAGE_SIZE = 30  # TeSS's default
MAX_PAGE_SIZE = 100
ENTITIES = ("materials", "events")
#: JSON-API resource type → crosswalk format
API_FORMATS = {"materials": "tess-material", "events": "tess-event"}
#: snake_case .json kind → crosswalk format
JSON_FORMATS = {"materials": "tess-material-json", "events": "tess-event-json"}


def api_record(item: Any, *, source: str, base: str | None) -> RawRecord | SourceProblem:
    """The raw record of one JSON-API resource object (``{"id", "type", "attributes", "links"}``);
    *base* resolves a relative ``links.self``. A :class:`SourceProblem` for an item that is not a
    TeSS material or event."""
    if not isinstance(item, dict):
        return SourceProblem(source, None, f"TeSS item is a JSON {type(item).__name__}, not an object; skipped")
    kind = item.get("type")
    ident = item.get("id")
    ident = str(ident).strip() if isinstance(ident, (str, int)) and str(ident).strip() else None
    if kind not in API_FORMATS:
        return SourceProblem(source, f"{kind}/{ident}" if ident else None,
                             f"TeSS item of type {kind!r} is not a material or event; skipped")
    if ident is None:
        return SourceProblem(source, None, f"TeSS {kind} item without 'id'; skipped")
    attributes = item.get("attributes")
    if not isinstance(attributes, dict):
        return SourceProblem(source, f"{kind}/{ident}", f"TeSS {kind} item without 'attributes'; skipped")
    links = item.get("links") if isinstance(item.get("links"), dict) else {}
    self_link = links.get("self") if isinstance(links.get("self"), str) else None
    doc: dict[str, Any] = {"data": item}
    if self_link:
        absolute = urljoin(base, self_link) if base else self_link
        if absolute.startswith(("http://", "https://")):
            doc["links"] = {"self": absolute}
    updated = attributes.get("updated-at")
    return RawRecord(source=source, identifier=f"{kind}/{ident}", metadata_prefix=API_FORMATS[kind],
                     payload=canonical_json(doc), datestamp=updated if isinstance(updated, str) else None)


def api_items(doc: Any, *, source: str, base: str | None, where: str) -> Iterator[RawRecord | SourceProblem]:
    """The records of a JSON-API document: a collection page (``data`` array) or one resource."""
    if not isinstance(doc, dict) or "data" not in doc:
        yield SourceProblem(source, None, f"{where}: not a JSON-API document (no 'data'); skipped", scope="page")
        return
    data = doc["data"]
    for item in (data if isinstance(data, list) else [data]):
        yield api_record(item, source=source, base=base)


class TessSource:
    """The materials and events of a TeSS instance through its JSON-API (see the module docstring).

    ``url`` is the instance (``https://pan-training.eu``); ``entities`` which collections to list.
    ``response_date`` is the server's ``Date`` of the first page; ``complete`` says every listing
    reached its end."""

    def __init__(self, name: str, url: str, *, entities: Iterable[str] = ENTITIES,
                 page_size: int = DEFAULT_PAGE_SIZE, timeout_s: float = 60.0, max_retries: int = 5,
                 backoff_s: float = 2.0, max_delay_s: float = 600.0,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.name = name
        self.url = url.rstrip("/")
        self.entities = tuple(entities)
        unknown = [e for e in self.entities if e not in ENTITIES]
        if unknown or not self.entities:
            raise ConfigError(f"TeSS entities must be among {list(ENTITIES)}, not {list(self.entities)}",
                              source=name, field="entities")
        self.page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
        self.http = HTTPClient.from_settings(name, timeout_s=timeout_s, max_retries=max_retries, backoff_s=backoff_s,
                                             max_delay_s=max_delay_s, sleep=sleep, accept=JSON_API)
        self.pages = 0
        self.response_date: str | None = None
        self.complete = False

    def records(self) -> Iterator[RawRecord | SourceProblem]:
        """Every material and event as a raw record, and the problems met; raises
        :class:`~pangraph.errors.HarvestError` when TeSS refuses a request."""
        self.response_date = None
        self.complete = False
        self.pages = 0
        complete = True
        for entity in self.entities:
            complete = (yield from self._listing(entity)) and complete
        self.complete = complete

    def _listing(self, entity: str) -> Iterator[RawRecord | SourceProblem]:
        first = PageRequest(f"{self.url}/{entity}", {"page_size": str(self.page_size), "page_number": "1"})
        complete = True
        for page in json_pages(self.http, first, what=f"TeSS {entity}", is_listing=is_json_api_collection,
                               listing="a JSON-API collection (no 'data' array)", next_page=links_next):
            if not isinstance(page, JSONPage):
                complete = False
                yield page
                continue
            self.pages += 1
            if self.response_date is None:
                self.response_date = server_time(page.reply)
            for item in page.doc["data"]:
                yield api_record(item, source=self.name, base=page.reply.url)
        return complete

    def close(self) -> None:
        """Release the HTTP session."""
        self.http.close()


def from_config(source: "SourceConfig", *, config: "Config", from_: str | None = None,
                sleep: Callable[[float], None] | None = None) -> TessSource:
    """The TeSS source of a ``kind = "tess"`` configuration (``entities`` default: materials and events)."""
    from pangraph.sources import harvest_settings

    entities = source.options.get("entities", list(ENTITIES))
    if isinstance(entities, str):
        entities = [entities]
    return TessSource(source.name, source.url, entities=[str(e).lower() for e in entities],
                      page_size=int(source.options.get("page_size", DEFAULT_PAGE_SIZE)), sleep=sleep,
                      **harvest_settings(source, config))


# --- files -------------------------------------------------------------------------------------------


def read_json_api_files(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
                        ) -> Iterator[RawRecord | SourceProblem]:
    """The records of saved TeSS JSON-API documents (collection pages or single resources); a relative
    ``links.self`` is resolved against the document's own absolute ``links.self`` when it has one."""
    for file in parsed_files(paths, source=source, syntax="json"):
        if isinstance(file, SourceProblem):
            yield file
            continue
        path, doc = file.path, file.doc
        links = doc.get("links") if isinstance(doc, dict) and isinstance(doc.get("links"), dict) else {}
        base = links.get("self") if isinstance(links.get("self"), str) and "://" in links["self"] else None
        yield from api_items(doc, source=source, base=base, where=path.name)


def _json_kind(item: dict[str, Any]) -> str:
    """``events`` when a snake_case TeSS item looks like an event (dates, event types, venue), else ``materials``."""
    if any(k in item for k in ("start", "end", "event_types", "venue", "organizer", "capacity")):
        return "events"
    return "materials"


def read_json_files(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
                    ) -> Iterator[RawRecord | SourceProblem]:
    """The records of TeSS ``.json`` files (jbuilder, snake_case: an index array or one show object).
    *metadata_prefix* (``tess-material-json`` / ``tess-event-json``) forces the kind; otherwise events
    are recognised by their event fields."""
    if metadata_prefix and metadata_prefix not in JSON_FORMATS.values():
        metadata_prefix = None
    for file in parsed_files(paths, source=source, syntax="json"):
        if isinstance(file, SourceProblem):
            yield file
            continue
        path, doc = file.path, file.doc
        items = doc if isinstance(doc, list) else [doc]
        for n, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                yield SourceProblem(source, f"{path.name}#{n}", f"item is a JSON {type(item).__name__}; skipped")
                continue
            fmt = metadata_prefix or JSON_FORMATS[_json_kind(item)]
            kind = "events" if fmt == JSON_FORMATS["events"] else "materials"
            ident = item.get("id") if isinstance(item.get("id"), (str, int)) else item.get("slug")
            identifier = f"{kind}/{ident}" if ident not in (None, "") else f"{path.name}#{n}"
            updated = item.get("updated_at")
            yield RawRecord(source=source, identifier=identifier, metadata_prefix=fmt, payload=canonical_json(item),
                            datestamp=updated if isinstance(updated, str) else None)


def jsonld_blocks(body: bytes, *, name: str) -> list[Any]:
    """The JSON-LD documents of a file: the file itself when it is JSON, else every
    ``<script type="application/ld+json">`` of an HTML page (raises ``ValueError`` when there is none
    or one is malformed)."""
    stripped = body.lstrip()
    if stripped[:1] in (b"{", b"["):
        return [parse_json(body)]
    try:
        page = lxml_html.fromstring(body)
    except (etree.ParserError, ValueError) as e:
        raise ValueError(f"{name} is neither JSON nor HTML: {e}") from None
    blocks = [s.text or "" for s in page.iter("script")
              if (s.get("type") or "").split(";")[0].strip().lower() == "application/ld+json"]
    if not blocks:
        raise ValueError(f"{name} holds no <script type=\"application/ld+json\"> block")
    return [parse_json(b.strip().encode("utf-8")) for b in blocks if b.strip()]


def jsonld_nodes(doc: Any, context: Any = None) -> Iterator[dict[str, Any]]:
    """The top-level node objects of a JSON-LD document (arrays and ``@graph`` unfolded), each with the
    ``@context`` that applies to it."""
    if isinstance(doc, list):
        for item in doc:
            yield from jsonld_nodes(item, context)
        return
    if not isinstance(doc, dict):
        return
    ctx = doc.get("@context", context)
    if "@graph" in doc:
        yield from jsonld_nodes(doc["@graph"], ctx)
        return
    node = dict(doc)
    if ctx is not None and "@context" not in node:
        node["@context"] = ctx
    yield node


def read_bioschemas_files(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
                          ) -> Iterator[RawRecord | SourceProblem]:
    """One ``bioschemas-jsonld`` record per node object of JSON-LD files or HTML pages with embedded
    JSON-LD. Unreadable files and nodes without a type are reported, not dropped silently."""
    for path in paths:
        path = Path(path)
        try:
            docs = jsonld_blocks(path.read_bytes(), name=path.name)
        except OSError as e:
            yield SourceProblem(source, path.name, f"cannot read {path}: {e}")
            continue
        except ValueError as e:
            yield SourceProblem(source, path.name, str(e))
            continue
        n = 0
        for doc in docs:
            for node in jsonld_nodes(doc):
                n += 1
                if "@type" not in node:
                    yield SourceProblem(source, f"{path.name}#{n}", "JSON-LD node without @type; skipped")
                    continue
                ident = node.get("@id") if isinstance(node.get("@id"), str) else None
                if not ident and isinstance(node.get("url"), str):
                    ident = node["url"]
                yield RawRecord(source=source, identifier=(ident or f"{path.name}#{n}").strip(),
                                metadata_prefix="bioschemas-jsonld", payload=canonical_json(node),
                                datestamp=node.get("dateModified") if isinstance(node.get("dateModified"), str)
                                else None)


__all__ = ["API_FORMATS", "JSON_FORMATS", "TessSource", "api_items", "api_record", "from_config", "jsonld_blocks",
           "jsonld_nodes", "read_bioschemas_files", "read_json_api_files", "read_json_files"]
