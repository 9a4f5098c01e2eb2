"""Software records from files: CodeMeta (``codemeta.json``), Zenodo/RODARE deposit metadata
(``.zenodo.json``, ``.rodare.json``), ``CITATION.cff`` and the curated software list format
(``docs/software-list.md``).

The PaNdata software catalogue publishes no API or dump, so a node reads software descriptions from
the files that projects and facilities keep. Every reader yields one :class:`~pangraph.records.RawRecord`
per software description, with the parsed document archived as canonical JSON
(:func:`pangraph.crosswalk.jsondoc.canonical_json`: the same content always gives the same hash) and
``metadata_prefix`` naming the crosswalk (``codemeta``, ``zenodo``, ``cff``, ``software-list``). What
cannot be read — an unreadable or malformed file, a JSON-LD context instead of a description, a
list entry that is not a mapping, a key used twice — is reported as a
:class:`~pangraph.sources.SourceProblem` naming the file (and entry), and the run goes on.

YAML (CFF, software lists) is read with PyYAML's *base* loader: every scalar stays the text that was
written (``version: 1.10`` stays ``"1.10"``, dates stay ISO strings), so nothing is lost in the archive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson
import yaml

from pangraph import iri as ids
from pangraph.crosswalk.jsondoc import canonical_json
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem

__all__ = [
    "LIST_FIELDS",
    "ListProblem",
    "check_software_list",
    "load_yaml",
    "read_cff_files",
    "read_codemeta_files",
    "read_software_list_files",
    "software_list_entries",
]

try:  # the C loader when libyaml is there (same behaviour, faster)
    _BASE_LOADER: type = yaml.CBaseLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BASE_LOADER = yaml.BaseLoader


def load_yaml(data: bytes | str) -> Any:
    """The YAML document in *data* with every scalar kept as the text that was written (no implicit
    numbers, booleans or dates); raises ``yaml.YAMLError`` when malformed."""
    return yaml.load(data, Loader=_BASE_LOADER)  # noqa: S506 - BaseLoader constructs no objects


def _read(path: Path, source: str) -> bytes | SourceProblem:
    try:
        return path.read_bytes()
    except OSError as e:
        return SourceProblem(source, path.name, f"cannot read {path}: {e}")


def _record(source: str, identifier: str, prefix: str, doc: Any) -> RawRecord:
    return RawRecord(source=source, identifier=identifier, metadata_prefix=prefix,
                     payload=canonical_json(doc), datestamp=None)


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _file_label(path: Path) -> str:
    """``folder/file`` — enough to tell apart the ``CITATION.cff`` of two repositories."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _repository_key(url: str) -> str:
    """A repository URL without scheme, ``www.``, trailing ``/`` or ``.git`` (the identifier of a record
    that has no DOI: ``github.com/silx-kit/pyfai``)."""
    v = re.sub(r"^[a-z+]+://", "", url.strip(), flags=re.IGNORECASE)
    v = re.sub(r"^www\.", "", v, flags=re.IGNORECASE)
    v = re.sub(r"(\.git)?/*$", "", v)
    return v.lower()


class _UniqueKeys:
    """Identifiers already given to records of one source in this run: a second description under
    the same key would silently replace the first in the archive, so it is reported instead."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def claim(self, identifier: str, where: str) -> str | None:
        """None when *identifier* is new, else where it was first used."""
        key = ids.local_key(identifier)
        if key in self.seen:
            return self.seen[key]
        self.seen[key] = where
        return None


# --- CITATION.cff --------------------------------------------------------------------------------


def _cff_identifier(doc: dict[str, Any], path: Path) -> str:
    doi = ids.normalise_doi(_text(doc.get("doi")))
    if doi:
        return f"doi:{doi}"
    for item in doc.get("identifiers") or []:
        if isinstance(item, dict) and str(item.get("type", "")).lower() == "doi":
            found = ids.normalise_doi(_text(item.get("value")))
            if found:
                return f"doi:{found}"
    for key in ("repository-code", "url", "repository"):
        url = _text(doc.get(key))
        if url:
            return _repository_key(url)
    return _file_label(path)


def read_cff_files(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
                   ) -> Iterator[RawRecord | SourceProblem]:
    """One ``cff`` record per ``CITATION.cff`` file (Citation File Format 1.x). The identifier is
    ``doi:<doi>`` when the file gives a DOI, else the repository URL (``github.com/org/repo``), else
    ``folder/file``. *metadata_prefix* is ignored: the format is CFF."""
    keys = _UniqueKeys()
    for path in map(Path, paths):
        body = _read(path, source)
        if isinstance(body, SourceProblem):
            yield body
            continue
        try:
            doc = load_yaml(body)
        except yaml.YAMLError as e:
            yield SourceProblem(source, path.name, f"{_file_label(path)} is not valid YAML (CFF): {e}")
            continue
        if not isinstance(doc, dict):
            yield SourceProblem(source, path.name, f"{_file_label(path)}: a CFF file is a YAML mapping, "
                                                   f"not a {type(doc).__name__}")
            continue
        if "cff-version" not in doc:
            yield SourceProblem(source, path.name, f"{_file_label(path)}: no cff-version: not a CITATION.cff")
            continue
        identifier = _cff_identifier(doc, path)
        first = keys.claim(identifier, _file_label(path))
        if first is not None:
            yield SourceProblem(source, identifier, f"{_file_label(path)} describes {identifier} again "
                                                    f"(first in {first}); the second description is skipped")
            continue
        yield _record(source, identifier, "cff", doc)


# --- CodeMeta and Zenodo deposit metadata --------------------------------------------------------

_SOFTWARE_TYPES = {"softwaresourcecode", "softwareapplication"}


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type", obj.get("type"))
    values = t if isinstance(t, list) else [t]
    return {str(v).rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower() for v in values if isinstance(v, str)}


def _is_zenodo_deposit(obj: dict[str, Any]) -> bool:
    return "@context" not in obj and "title" in obj and ("upload_type" in obj or "creators" in obj)


def _codemeta_identifier(obj: dict[str, Any], label: str) -> str:
    candidates = [obj.get("@id"), obj.get("identifier"), obj.get("sameAs")]
    for c in candidates:
        for v in (c if isinstance(c, list) else [c]):
            text = _text(v.get("value") or v.get("@id") or v.get("url")) if isinstance(v, dict) else _text(v)
            doi = ids.normalise_doi(text)
            if doi:
                return f"doi:{doi}"
    repo = _text(obj.get("codeRepository"))
    if repo:
        return _repository_key(repo)
    ident = obj.get("identifier")
    if isinstance(ident, str) and ident.strip():
        return ident.strip()
    return _text(obj.get("name")) or label


def _zenodo_identifier(obj: dict[str, Any], label: str) -> str:
    doi = ids.normalise_doi(_text(obj.get("doi")))
    if doi:
        return f"doi:{doi}"
    for rel in obj.get("related_identifiers") or []:
        if isinstance(rel, dict) and str(rel.get("relation", "")).lower() == "issupplementto":
            url = _text(rel.get("identifier"))
            if ids.url_iri(url):
                return _repository_key(url)
    return _text(obj.get("title")) or label


def read_codemeta_files(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
                        ) -> Iterator[RawRecord | SourceProblem]:
    """Software descriptions in JSON files: CodeMeta (``codemeta.json``: an object, or an ``@graph`` of
    objects, typed ``SoftwareSourceCode``/``SoftwareApplication``) → ``codemeta`` records; Zenodo or
    RODARE deposit metadata (``.zenodo.json``, ``.rodare.json``) → ``zenodo`` records. The kind is
    recognised by content. A JSON-LD context file, a non-JSON file or JSON that describes no software
    is reported, naming the file. *metadata_prefix* is ignored."""
    keys = _UniqueKeys()
    for path in map(Path, paths):
        body = _read(path, source)
        if isinstance(body, SourceProblem):
            yield body
            continue
        label = _file_label(path)
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as e:
            yield SourceProblem(source, path.name, f"{label} is not JSON ({e}): not a CodeMeta or Zenodo file")
            continue
        if not isinstance(doc, dict):
            yield SourceProblem(source, path.name, f"{label}: a JSON {type(doc).__name__}, not a software "
                                                   "description object")
            continue
        if _is_zenodo_deposit(doc):
            found = [("zenodo", doc, _zenodo_identifier(doc, label))]
        else:
            graph = doc.get("@graph")
            items = [x for x in graph if isinstance(x, dict)] if isinstance(graph, list) else [doc]
            found = [("codemeta", _with_context(x, doc), _codemeta_identifier(x, label))
                     for x in items if _types(x) & _SOFTWARE_TYPES]
            if not found:
                yield SourceProblem(source, path.name, _not_software_reason(doc, label))
                continue
        for prefix, obj, identifier in found:
            first = keys.claim(identifier, label)
            if first is not None:
                yield SourceProblem(source, identifier, f"{label} describes {identifier} again (first in "
                                                        f"{first}); the second description is skipped")
                continue
            yield _record(source, identifier, prefix, obj)


def _with_context(item: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    if item is doc or "@context" in item or "@context" not in doc:
        return item
    return {"@context": doc["@context"], **item}


def _not_software_reason(doc: dict[str, Any], label: str) -> str:
    if set(doc) == {"@context"} or (isinstance(doc.get("@context"), dict) and "@type" not in doc
                                    and "name" not in doc):
        return f"{label} is a JSON-LD context, not a software description"
    types = ", ".join(sorted(_types(doc))) or "none"
    return (f"{label}: no SoftwareSourceCode/SoftwareApplication description (@type: {types}) and not "
            "Zenodo deposit metadata")


# --- the curated software list ------------------------------------------------------------------

#: field of a software list entry → what it holds (docs/software-list.md); ``licence`` is accepted
#: as another spelling of ``license``
LIST_FIELDS: dict[str, str] = {
    "id": "stable key of the entry in this list (default: DOI, else repository, else name)",
    "name": "name of the software (required)",
    "description": "what the software does",
    "doi": "the software's DOI (concept DOI preferred)",
    "version": "current version",
    "date-released": "release date of that version (YYYY-MM-DD)",
    "repository": "URL of the source code repository",
    "homepage": "URL of the home page",
    "documentation": "URL of the user documentation",
    "license": "SPDX licence identifier (or a list of them), or a licence URL",
    "licence": "same as license",
    "authors": "people or organisations: a name, or {name | given-names + family-names, orcid, affiliation}",
    "facilities": "facilities that provide or support it: a name, a ROR, or {name, ror}",
    "techniques": "techniques it analyses: PaNET ids/IRIs, labels or acronyms (SAXS), or {id, label}",
    "programming-languages": "languages it is written in",
    "operating-systems": "operating systems it runs on",
    "keywords": "free keywords",
    "availability": "{cvmfs, container, conda, pypi, download, install}: where it is installed or can be got",
}
_AVAILABILITY = ("cvmfs", "container", "conda", "pypi", "download", "install")
_LIST_TEXT_FIELDS = ("id", "name", "description", "doi", "version", "date-released", "repository",
                     "homepage", "documentation")


@dataclass(frozen=True)
class ListProblem:
    """One problem of a software list: the file, the entry (position and name) and the field."""

    file: str
    entry: int | None  # 1-based position in the list; None for the file as a whole
    name: str | None
    field: str | None
    reason: str
    fatal: bool = False  # True: no record can be made from the entry (or the file)

    def describe(self) -> str:
        where = self.file
        if self.entry is not None:
            where += f" entry {self.entry}" + (f" ({self.name})" if self.name else "")
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.reason}"


def software_list_entries(doc: Any) -> list[Any] | None:
    """The entries of a parsed software list: the ``software`` list of a mapping, or a bare list;
    None when the document is neither."""
    if isinstance(doc, dict) and isinstance(doc.get("software"), list):
        return doc["software"]
    if isinstance(doc, list):
        return doc
    return None


def _parse_list(body: bytes, label: str) -> tuple[Any, ListProblem | None]:
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
    try:
        doc = orjson.loads(body) if text.lstrip().startswith(("{", "[")) else load_yaml(text)
    except (orjson.JSONDecodeError, yaml.YAMLError) as e:
        return None, ListProblem(label, None, None, None, f"not valid YAML/JSON: {e}", fatal=True)
    if software_list_entries(doc) is None:
        return None, ListProblem(label, None, None, "software",
                                 "a software list is a mapping with a 'software' list (or a bare list) of entries",
                                 fatal=True)
    return doc, None


def _entry_problems(entry: Any, n: int, label: str) -> list[ListProblem]:
    if not isinstance(entry, dict):
        return [ListProblem(label, n, None, None, f"an entry is a mapping of fields, not a "
                                                  f"{type(entry).__name__} ({str(entry)[:60]!r})", fatal=True)]
    name = _text(entry.get("name")) or None
    out = []
    if name is None:
        out.append(ListProblem(label, n, None, "name", "required field missing or empty"))
    for key in entry:
        if key not in LIST_FIELDS:
            out.append(ListProblem(label, n, name, str(key), "unknown field (see docs/software-list.md); not mapped"))
    if "license" in entry and "licence" in entry:
        out.append(ListProblem(label, n, name, "licence", "both 'license' and 'licence' given; use one"))
    for key in _LIST_TEXT_FIELDS:
        if key in entry and not isinstance(entry[key], str):
            out.append(ListProblem(label, n, name, key, f"should be text, not a {type(entry[key]).__name__}"))
    avail = entry.get("availability")
    if avail is not None:
        if not isinstance(avail, dict):
            out.append(ListProblem(label, n, name, "availability", "should be a mapping "
                                                                   f"({', '.join(_AVAILABILITY)})"))
        else:
            for key in avail:
                if key not in _AVAILABILITY:
                    out.append(ListProblem(label, n, name, f"availability/{key}",
                                           f"unknown kind of availability (known: {', '.join(_AVAILABILITY)})"))
    return out


def _entry_identifier(entry: dict[str, Any], n: int, label: str) -> str:
    if _text(entry.get("id")):
        return _text(entry["id"])
    doi = ids.normalise_doi(_text(entry.get("doi")))
    if doi:
        return f"doi:{doi}"
    if _text(entry.get("repository")):
        return _repository_key(entry["repository"])
    return _text(entry.get("name")) or f"{label}#{n}"


def check_software_list(path: Path | str) -> list[ListProblem]:
    """Every structural problem of the software list file *path* (unreadable or malformed file,
    entries that are not mappings, missing names, unknown fields and availability kinds, fields of
    the wrong type, keys used twice), each naming the entry and the field. The checks a curator runs
    before publishing a list; values (licences, techniques) are checked by the crosswalk."""
    path = Path(path)
    try:
        body = path.read_bytes()
    except OSError as e:
        return [ListProblem(path.name, None, None, None, f"cannot read: {e}", fatal=True)]
    doc, problem = _parse_list(body, path.name)
    if problem is not None:
        return [problem]
    out: list[ListProblem] = []
    keys = _UniqueKeys()
    for n, entry in enumerate(software_list_entries(doc) or [], start=1):
        out.extend(_entry_problems(entry, n, path.name))
        if isinstance(entry, dict):
            first = keys.claim(_entry_identifier(entry, n, path.name), f"{path.name} entry {n}")
            if first is not None:
                out.append(ListProblem(path.name, n, _text(entry.get("name")) or None, "id",
                                       f"same key as {first}; give each entry its own 'id'", fatal=True))
    return out


def read_software_list_files(paths: Iterable[Path], *, source: str, metadata_prefix: str | None = None
                             ) -> Iterator[RawRecord | SourceProblem]:
    """One ``software-list`` record per entry of curated software lists (YAML or JSON,
    ``docs/software-list.md``). The identifier is the entry's ``id``, else ``doi:<doi>``, else the
    repository (``github.com/org/repo``), else its name, else ``file#position``.

    The file's structure is checked while reading: a malformed file, an entry that is not a mapping
    and a key used twice are reported (naming file, entry and field) and skipped; an entry without a
    name is archived and fails in the crosswalk with the field named, so it stays visible. Problems of
    single values (licence, technique, unknown fields) are crosswalk notes on the entry's record."""
    keys = _UniqueKeys()
    for path in map(Path, paths):
        body = _read(path, source)
        if isinstance(body, SourceProblem):
            yield body
            continue
        doc, problem = _parse_list(body, path.name)
        if problem is not None:
            yield SourceProblem(source, path.name, problem.describe(), scope="page")
            continue
        for n, entry in enumerate(software_list_entries(doc) or [], start=1):
            fatal = [p for p in _entry_problems(entry, n, path.name) if p.fatal]
            if fatal:
                yield SourceProblem(source, f"{path.name}#{n}", fatal[0].describe())
                continue
            identifier = _entry_identifier(entry, n, path.name)
            first = keys.claim(identifier, f"{path.name} entry {n}")
            if first is not None:
                name = _text(entry.get("name"))
                yield SourceProblem(source, identifier,
                                    f"{path.name} entry {n}" + (f" ({name})" if name else "")
                                    + f", field id: same key {identifier!r} as {first}; entry skipped "
                                      "(give each entry its own 'id')")
                continue
            yield _record(source, identifier, "software-list", entry)
