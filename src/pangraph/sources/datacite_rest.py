"""DataCite REST API (``/dois``, JSON:API) as a source, and saved DataCite JSON as files.

:class:`DataCiteRESTSource` lists the DOIs of a DataCite client (repository) page by page with cursor
paging (``page[cursor]=1``, then ``links.next`` until it is absent), asking for affiliation and
publisher identifiers (``affiliation=true``, ``publisher=true``) so that the JSON carries the RORs
the registered XML has. Incremental runs add ``updated:[<from> TO *]`` to the query. Every item
becomes one :class:`~pangraph.records.RawRecord` in the ``datacite-json`` format (the item archived
as canonical JSON, its ``attributes.updated`` as datestamp); one page is in memory at a time.

:func:`read_files` reads saved responses — a single DOI (``{"data": {…}}``), a list page
(``{"data": [...], "links": …}``) — and DataCite schema JSON documents without the REST wrapper
(``{"doi": …, "titles": …}``, e.g. DataCite's kernel-4.3 example), which it wraps as a REST item.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from pangraph.crosswalk.jsondoc import canonical_json
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from pangraph.sources.files import parsed_files
from pangraph.sources.http import (HTTPClient, JSONPage, PageRequest, is_json_api_collection, json_pages, links_next,
                                  server_time)

if TYPE_CHECKING:
    from pangraph.config import Config, SourceConfig

#: the crosswalk format (``metadata_prefix``) of the records this module yields
FORMAT = "datacite-json"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000  # DataCite's limit for page[size]
JSON_API = "application/vnd.api+json"


def item_record(item: Any, *, source: str) -> RawRecord | SourceProblem:
    """The raw record of one REST item (``{"id", "type", "attributes"}``): identifier ``doi:<doi>``,
    datestamp ``attributes.updated``; a :class:`SourceProblem` for an item that names no DOI."""
    if not isinstance(item, dict):
        return SourceProblem(source, None, f"DataCite item is a JSON {type(item).__name__}, not an object; skipped")
    attributes = item.get("attributes")
    doi = item.get("id") if isinstance(item.get("id"), str) else None
    if isinstance(attributes, dict) and isinstance(attributes.get("doi"), str) and attributes["doi"].strip():
        doi = attributes["doi"]
    if not doi or not doi.strip():
        return SourceProblem(source, None, "DataCite item without 'id' or 'attributes.doi'; skipped")
    if attributes is None:
        return SourceProblem(source, f"doi:{doi.strip()}", "DataCite item without 'attributes'; skipped")
    updated = attributes.get("updated") if isinstance(attributes, dict) else None
    return RawRecord(source=source, identifier=f"doi:{doi.strip()}", metadata_prefix=FORMAT,
                     payload=canonical_json(item), datestamp=updated if isinstance(updated, str) else None)


def items_in_document(doc: Any, *, source: str, where: str) -> Iterator[RawRecord | SourceProblem]:
    """The records of a DataCite JSON document: a REST response with one item or a list of items in
    ``data``, or a DataCite schema JSON document (wrapped as ``{"id", "type": "dois", "attributes"}``)."""
    if isinstance(doc, dict) and "data" in doc:
        data = doc["data"]
        for item in (data if isinstance(data, list) else [data]):
            yield item_record(item, source=source)
        return
    if isinstance(doc, dict) and ("doi" in doc or "titles" in doc or "creators" in doc):
        doi = doc.get("doi") if isinstance(doc.get("doi"), str) else None
        yield item_record({"id": doi, "type": "dois", "attributes": doc}, source=source)
        return
    yield SourceProblem(source, None, f"{where}: neither a DataCite REST response (no 'data') nor DataCite JSON",
                        scope="page")


def read_files(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
               ) -> Iterator[RawRecord | SourceProblem]:
    """The records of saved DataCite JSON files (single-DOI responses, list pages, schema JSON
    documents), file by file; unreadable or malformed files are reported and skipped."""
    for file in parsed_files(paths, source=source, syntax="json"):
        if isinstance(file, SourceProblem):
            yield file
            continue
        yield from items_in_document(file.doc, source=source, where=file.path.name)


class DataCiteRESTSource:
    """The DOIs of one DataCite client from the REST API ``/dois`` endpoint (see the module docstring).

    ``url`` is the endpoint (``https://api.datacite.org/dois``); ``client_id`` the repository
    (``inist.esrf``); ``query`` an extra DataCite query; ``from_`` the earliest ``updated`` time
    (incremental runs). ``response_date`` is the server's ``Date`` of the first page (the next run's
    ``from``), ``complete`` whether the listing reached its end."""

    def __init__(self, name: str, url: str, *, client_id: str | None = None, query: str | None = None,
                 from_: str | None = None, page_size: int = DEFAULT_PAGE_SIZE, timeout_s: float = 60.0,
                 max_retries: int = 5, backoff_s: float = 2.0, max_delay_s: float = 600.0,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.name = name
        self.url = url
        self.client_id = client_id
        self.query = query
        self.from_ = from_
        self.page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
        self.http = HTTPClient.from_settings(name, timeout_s=timeout_s, max_retries=max_retries, backoff_s=backoff_s,
                                             max_delay_s=max_delay_s, sleep=sleep, accept=JSON_API)
        self.pages = 0
        self.response_date: str | None = None
        self.complete = False

    def full_query(self) -> str | None:
        """The ``query`` parameter: the configured query and, for incremental runs,
        ``updated:[<from> TO *]``, combined with AND."""
        parts = []
        if self.query:
            parts.append(f"({self.query})" if self.from_ else self.query)
        if self.from_:
            parts.append(f"updated:[{self.from_} TO *]")
        return " AND ".join(parts) or None

    def first_params(self) -> dict[str, str]:
        """The parameters of the first page."""
        params = {"page[size]": str(self.page_size), "page[cursor]": "1", "affiliation": "true",
                  "publisher": "true"}
        if self.client_id:
            params["client-id"] = self.client_id
        query = self.full_query()
        if query:
            params["query"] = query
        return params

    def records(self) -> Iterator[RawRecord | SourceProblem]:
        """Every DOI of the listing as a raw record, and the problems met; raises
        :class:`~pangraph.errors.HarvestError` when the API refuses the request."""
        self.response_date = None
        self.complete = False
        self.pages = 0
        complete = True
        for page in json_pages(self.http, PageRequest(self.url, self.first_params()), what="DataCite /dois",
                               is_listing=is_json_api_collection, listing="a DataCite /dois list (no 'data' array)",
                               next_page=links_next):
            if not isinstance(page, JSONPage):
                complete = False
                yield page
                continue
            self.pages += 1
            if page.number == 1:
                self.response_date = server_time(page.reply)
            for item in page.doc["data"]:
                yield item_record(item, source=self.name)
        self.complete = complete

    def close(self) -> None:
        """Release the HTTP session."""
        self.http.close()


def from_config(source: "SourceConfig", *, config: "Config", from_: str | None = None,
                sleep: Callable[[float], None] | None = None) -> DataCiteRESTSource:
    """The DataCite REST source of a ``kind = "datacite-rest"`` configuration."""
    from pangraph.sources import harvest_settings

    return DataCiteRESTSource(source.name, source.url, client_id=source.options.get("client_id"),
                              query=source.options.get("query"), from_=from_,
                              page_size=int(source.options.get("page_size", DEFAULT_PAGE_SIZE)),
                              sleep=sleep, **harvest_settings(source, config))


__all__ = ["DataCiteRESTSource", "FORMAT", "from_config", "item_record", "items_in_document", "read_files"]
