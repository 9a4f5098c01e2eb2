"""Records from local files: saved OAI-PMH responses and DataCite XML documents.

Used by the demo (its sources are files shipped in the package) and for loading exports that a
facility hands over as files. Records come out exactly as a harvest would deliver them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal

from lxml import etree

from pangraph.crosswalk.jsondoc import parse_json
from pangraph.errors import ConfigError
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from pangraph.sources.oaipmh import OAIPMHSource

if TYPE_CHECKING:
    from pangraph.config import Config, SourceConfig

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def oai_pages(files: Iterable[Path], *, source: str, metadata_prefix: str) -> Iterator[RawRecord | SourceProblem]:
    """The records of saved OAI-PMH ListRecords responses, file by file, in order."""
    reader = OAIPMHSource(source, "file://" + source, metadata_prefix=metadata_prefix)
    try:
        for n, path in enumerate(files, start=1):
            try:
                body = Path(path).read_bytes()
            except OSError as e:
                yield SourceProblem(source, None, f"{path}: cannot read: {e}", scope="page")
                continue
            yield from reader.records_in_response(body, page_no=n)
    finally:
        reader.close()


def _doi_of(root: etree._Element) -> str | None:
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname == "identifier" and \
                (el.get("identifierType") or "").upper() == "DOI" and el.text:
            return el.text.strip()
    return None


@dataclass(frozen=True)
class ParsedFile:
    """One file read and parsed: its path, its bytes and its document (the root element of an XML
    file, the value of a JSON file)."""

    path: Path
    body: bytes
    doc: Any


#: syntax → (parser of the bytes, its error, what a good file is, scope of a lost file): an XML file
#: here is one record, a JSON file may hold many (a lost file is a lost page)
_SYNTAXES: dict[str, tuple[Callable[[bytes], Any], type[Exception], str, Literal["record", "page"]]] = {
    "xml": (lambda body: etree.fromstring(body, _PARSER), etree.XMLSyntaxError, "well-formed XML", "record"),
    "json": (parse_json, ValueError, "valid JSON", "page"),
}


def parsed_files(paths: Iterable[Path], *, source: str, syntax: Literal["xml", "json"]
                 ) -> Iterator[ParsedFile | SourceProblem]:
    """Each of *paths* read and parsed as *syntax*, in order; a file that cannot be read or parsed is
    a :class:`SourceProblem` naming it, and is skipped."""
    parse, malformed, good, scope = _SYNTAXES[syntax]
    for path in paths:
        path = Path(path)
        try:
            body = path.read_bytes()
        except OSError as e:
            yield SourceProblem(source, path.name, f"cannot read {path}: {e}", scope=scope)
            continue
        try:
            doc = parse(body)
        except malformed as e:
            yield SourceProblem(source, path.name, f"{path.name} is not {good}: {e}", scope=scope)
            continue
        yield ParsedFile(path, body, doc)


def datacite_files(files: Iterable[Path], *, source: str) -> Iterator[RawRecord | SourceProblem]:
    """One record per DataCite kernel-4 XML file; the identifier is the record's DOI (``doi:…``),
    else the file name. Unreadable or malformed files are reported and skipped."""
    for file in parsed_files(files, source=source, syntax="xml"):
        if isinstance(file, SourceProblem):
            yield file
            continue
        doi = _doi_of(file.doc)
        yield RawRecord(
            source=source,
            identifier=f"doi:{doi}" if doi else file.path.name,
            metadata_prefix="datacite",
            payload=file.body,
            datestamp=None,
        )


#: file format → "module:function" reading such files: ``f(paths, *, source, metadata_prefix) ->
#: Iterator[RawRecord | SourceProblem]`` (imported lazily)
FILE_READERS: dict[str, str] = {
    "datacite-xml": "pangraph.sources.files:_datacite_reader",
    "oai-pmh-pages": "pangraph.sources.files:_oai_reader",
    "panosc-db": "pangraph.sources.panosc:read_db_files",
    "scicat-json": "pangraph.sources.scicat:read_scicat_files",
    "pan-finder-json": "pangraph.sources.scicat:read_pan_finder_files",
    "icat-dump": "pangraph.sources.icat:read_dump_files",
    "pidinst-xml": "pangraph.sources.icat:read_pidinst_files",
    "datacite-json": "pangraph.sources.datacite_rest:read_files",
    "tess-json-api": "pangraph.sources.tess:read_json_api_files",
    "tess-json": "pangraph.sources.tess:read_json_files",
    "bioschemas-jsonld": "pangraph.sources.tess:read_bioschemas_files",
    "codemeta": "pangraph.sources.software:read_codemeta_files",
    "cff": "pangraph.sources.software:read_cff_files",
    "software-list": "pangraph.sources.software:read_software_list_files",
}


def _datacite_reader(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
                     ) -> Iterator[RawRecord | SourceProblem]:
    return datacite_files(paths, source=source)


def _oai_reader(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
                ) -> Iterator[RawRecord | SourceProblem]:
    return oai_pages(paths, source=source, metadata_prefix=metadata_prefix or "oai_datacite")


def read_files(paths: Iterable[Path], *, fmt: str, source: str,
               metadata_prefix: str | None = None) -> Iterator[RawRecord | SourceProblem]:
    """The records of *paths* read as files of format *fmt* (a key of :data:`FILE_READERS`)."""
    target = FILE_READERS.get(fmt)
    if target is None:
        raise ConfigError(f"unknown file format {fmt!r} (known: {sorted(FILE_READERS)})", source=source,
                          field="format")
    module_name, func = target.split(":")
    reader = getattr(importlib.import_module(module_name), func)
    return reader(list(paths), source=source, metadata_prefix=metadata_prefix)


class FileSource:
    """A ``kind = "files"`` source: the files matching ``path`` (a file, a folder or a glob), in name
    order, read as ``format``. Every run reads them all; unchanged records cost nothing (same hash)."""

    def __init__(self, name: str, paths: list[Path], *, fmt: str, metadata_prefix: str | None = None) -> None:
        self.name = name
        self.paths = paths
        self.fmt = fmt
        self.metadata_prefix = metadata_prefix
        self.complete = False
        self.response_date: str | None = None

    def records(self) -> Iterator[RawRecord | SourceProblem]:
        from datetime import datetime, timezone

        self.response_date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if not self.paths:
            yield SourceProblem(self.name, None, "no file matches the configured path", scope="page")
            return
        yield from read_files(self.paths, fmt=self.fmt, source=self.name, metadata_prefix=self.metadata_prefix)
        self.complete = True

    def close(self) -> None:
        """Nothing to release."""


def resolve_paths(pattern: str, *, root: Path) -> list[Path]:
    """The files *pattern* names (relative to *root*): a file, every file of a folder, or a glob."""
    p = Path(pattern).expanduser()
    p = p if p.is_absolute() else root / p
    if p.is_file():
        return [p]
    if p.is_dir():
        return sorted(x for x in p.rglob("*") if x.is_file())
    anchor = Path(p.anchor)
    return sorted(x for x in anchor.glob(str(p.relative_to(anchor))) if x.is_file())


def from_config(source: "SourceConfig", *, config: "Config", from_: str | None = None,
                sleep: object = None) -> FileSource:
    """The file source of a ``kind = "files"`` configuration."""
    fmt = source.options["format"]
    if fmt not in FILE_READERS:
        raise ConfigError(f"unknown file format {fmt!r} (known: {sorted(FILE_READERS)})", source=source.name,
                          field="format")
    return FileSource(source.name, resolve_paths(source.options["path"], root=config.root), fmt=fmt,
                      metadata_prefix=source.options.get("metadata_prefix") or source.metadata_prefix)
