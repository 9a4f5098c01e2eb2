"""Records from local files: saved OAI-PMH responses and DataCite XML documents.

Used by the demo (its sources are files shipped in the package) and for loading exports that a
facility hands over as files. Records come out exactly as a harvest would deliver them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from lxml import etree

from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from pangraph.sources.oaipmh import OAIPMHSource

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


def datacite_files(files: Iterable[Path], *, source: str) -> Iterator[RawRecord | SourceProblem]:
    """One record per DataCite kernel-4 XML file; the identifier is the record's DOI (``doi:…``),
    else the file name. Unreadable or malformed files are reported and skipped."""
    for path in files:
        path = Path(path)
        try:
            body = path.read_bytes()
        except OSError as e:
            yield SourceProblem(source, path.name, f"cannot read {path}: {e}")
            continue
        try:
            root = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError as e:
            yield SourceProblem(source, path.name, f"{path.name} is not well-formed XML: {e}")
            continue
        doi = _doi_of(root)
        yield RawRecord(
            source=source,
            identifier=f"doi:{doi}" if doi else path.name,
            metadata_prefix="datacite",
            payload=body,
            datestamp=None,
        )
