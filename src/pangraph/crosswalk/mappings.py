"""The crosswalk's data: term tables (SSSOM TSV) and field crosswalks (TSV), read from ``mappings/``.

Everything is checked when it loads — CURIE prefixes, predicates, justifications, paths, transform
names, duplicate keys — and a mistake raises :class:`~pangraph.errors.MappingError` naming the file
and line, before any record is touched. ``Mappings.version`` is a short hash of all mapping files,
recorded in provenance so a graph says which mappings made it. ``mappings/README.md`` documents
the formats for curators.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from pangraph.crosswalk.transforms import FORMATS, format_info
from pangraph.crosswalk.xml import Path as XPath
from pangraph.crosswalk.jsondoc import JsonPath, compile_json_path
from pangraph.crosswalk.xml import compile_path
from pangraph.errors import MappingError
from pangraph.rdf import PREFIXES
from pangraph.resources import project_dir

# --- SSSOM term tables -------------------------------------------------------------------------

#: term tables the crosswalk needs: file name → what it maps
TERM_TABLES: dict[str, str] = {
    "relation-types.tsv": "DataCite relationType → dct:/dcat:/prov: property (dcat:qualifiedRelation for the rest)",
    "resource-types.tsv": "DataCite resourceTypeGeneral / dc:type → DCMI type",
    "contributor-roles.tsv": "DataCite contributorType → role IRI (dcat:hadRole)",
    "date-types.tsv": "DataCite dateType → dct: date property",
    "licenses.tsv": "licence URI / identifier / name → canonical SPDX licence IRI",
    "access-rights.tsv": "info:eu-repo access rights → EU access-right authority IRI",
    "languages.tsv": "ISO 639 language code → EU language authority IRI",
    "units.tsv": "unit spelling seen in the data (eV, celsius, microns …) → QUDT unit IRI",
}

#: prefixes every SSSOM file may use without declaring them (SSSOM built-ins)
_BUILTIN_PREFIXES = {
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "semapv": "https://w3id.org/semapv/vocab/",
    "sssom": "https://w3id.org/sssom/",
}

_PREDICATES = {
    "skos:exactMatch", "skos:closeMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch",
    "owl:equivalentClass", "owl:equivalentProperty", "rdfs:subClassOf", "rdfs:subPropertyOf",
}
_JUSTIFICATIONS = {
    "semapv:ManualMappingCuration", "semapv:LexicalMatching", "semapv:LogicalReasoning",
    "semapv:MappingReview", "semapv:UnspecifiedMatching", "semapv:MappingChaining",
    "semapv:SemanticSimilarityThresholdMatching", "semapv:CompositeMatching",
}
_REQUIRED_COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label",
                     "mapping_justification")
_REQUIRED_HEADER = ("mapping_set_id", "license", "curie_map")
_CURIE = re.compile(r"^([A-Za-z_][\w.-]*):(\S*)$")


_NOT_KEY = re.compile(r"[^0-9a-z]")
_URI_NOISE = re.compile(r"^(?:https?://)?(?:www\.)?|(?:/legalcode(?:\.[a-z-]+)?|/deed\.[a-z-]+)$")


def normalise_key(value: str) -> str:
    """The lookup key of a term or label: lower-case letters and digits only (``Is Cited By`` →
    ``iscitedby``, ``CC BY 4.0`` → ``ccby40``)."""
    return _NOT_KEY.sub("", value.lower())


def normalise_uri(value: str) -> str:
    """The lookup key of a URI: no scheme, no ``www.``, no trailing ``/`` or ``legalcode``, lower-case."""
    v = value.strip().lower()
    v = _URI_NOISE.sub("", v)
    return v.rstrip("/")


def _local_part(iri: str) -> str:
    return re.split(r"[#/:]", iri.rstrip("/#"))[-1]


@dataclass(frozen=True)
class TermMapping:
    """One row of an SSSOM table, CURIEs expanded to IRIs."""

    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    justification: str
    line: int


@dataclass(frozen=True)
class TermTable:
    """An SSSOM mapping set, looked up by the subject's code or label (case and punctuation ignored)."""

    name: str
    mapping_set_id: str
    curie_map: dict[str, str]
    mappings: tuple[TermMapping, ...]
    keys: dict[str, TermMapping] = field(repr=False)

    def lookup(self, value: str | None) -> TermMapping | None:
        """The mapping whose subject code, label or IRI is *value*, or None."""
        if not value:
            return None
        return self.keys.get(normalise_key(value)) or self.keys.get("uri:" + normalise_uri(value))

    def expand(self, curie: str) -> str:
        """Expand a CURIE declared in this table's ``curie_map``."""
        return _expand(curie, self.curie_map)


def _expand(curie: str, curie_map: dict[str, str]) -> str:
    m = _CURIE.match(curie)
    if not m:
        raise ValueError(f"not a CURIE: {curie!r}")
    prefix, local = m.groups()
    if prefix in curie_map:
        return curie_map[prefix] + local
    if prefix in _BUILTIN_PREFIXES:
        return _BUILTIN_PREFIXES[prefix] + local
    raise ValueError(f"prefix {prefix!r} of {curie!r} is not declared in the curie_map")


def _parse_header(lines: list[tuple[int, str]], where: str) -> dict[str, object]:
    """The ``#``-commented YAML header of an SSSOM TSV: ``key: value`` pairs and one level of nested
    maps (``curie_map:`` followed by indented ``prefix: iri`` lines)."""
    header: dict[str, object] = {}
    current: dict[str, str] | None = None
    for lineno, raw in lines:
        body = raw[1:] if raw.startswith("#") else raw
        if not body.strip() or body.strip().startswith("#"):
            continue
        indented = body.startswith("  ") or body.startswith("\t")
        m = re.match(r"^\s*([A-Za-z_][\w.-]*)\s*:\s*(.*?)\s*$", body)
        if not m:
            raise MappingError(f"{where}:{lineno}: header line is not 'key: value': {raw.strip()!r}")
        key, value = m.group(1), _unquote(m.group(2))
        if indented:
            if current is None:
                raise MappingError(f"{where}:{lineno}: indented header line outside a map: {raw.strip()!r}")
            if not value:
                raise MappingError(f"{where}:{lineno}: empty value for {key!r}")
            if key in current:
                raise MappingError(f"{where}:{lineno}: {key!r} declared twice")
            current[key] = value
        else:
            if value:
                header[key] = value
                current = None
            else:
                current = {}
                header[key] = current
    return header


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def read_sssom(path: Path, *, index: bool = True, object_keys: bool = False) -> TermTable:
    """Read and check one SSSOM TSV file (``#`` YAML header, then a tab-separated table).

    With *index*, rows are looked up by the subject's code (local part), label and IRI; with
    *object_keys* also by the object's code (``eng`` for ``…/language/ENG``) where no subject claims it."""
    where = path.name
    try:
        raw_lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{where}: cannot read: {exc}") from exc
    header_lines = [(i + 1, l) for i, l in enumerate(raw_lines) if l.startswith("#")]
    body = [(i + 1, l) for i, l in enumerate(raw_lines) if not l.startswith("#") and l.strip()]
    first_body = body[0][0] if body else len(raw_lines) + 1
    if any(n > first_body for n, _ in header_lines):
        n = next(n for n, _ in header_lines if n > first_body)
        raise MappingError(f"{where}:{n}: '#' lines are only allowed in the header, before the column names")
    header = _parse_header(header_lines, where)
    for key in _REQUIRED_HEADER:
        if key not in header:
            raise MappingError(f"{where}:1: SSSOM header lacks {key!r}")
    curie_map = header["curie_map"]
    if not isinstance(curie_map, dict):
        raise MappingError(f"{where}:1: curie_map must be a map of prefix: IRI")
    if not body:
        raise MappingError(f"{where}:{len(raw_lines)}: no column header and no mappings")
    col_line, col_text = body[0]
    columns = col_text.split("\t")
    missing = [c for c in _REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise MappingError(f"{where}:{col_line}: missing column(s) {', '.join(missing)}")
    column_at = {c: columns.index(c) for c in columns}
    rows: list[TermMapping] = []
    keys: dict[str, TermMapping] = {}
    seen_subjects: dict[str, int] = {}
    for lineno, line in body[1:]:
        cells = line.split("\t")
        if len(cells) != len(columns):
            raise MappingError(f"{where}:{lineno}: {len(cells)} cells, expected {len(columns)} (tab-separated)")
        cell = {c: cells[i].strip() for c, i in column_at.items()}
        if cell["predicate_id"] not in _PREDICATES:
            raise MappingError(f"{where}:{lineno}: predicate_id {cell['predicate_id']!r} is not one of "
                               f"{', '.join(sorted(_PREDICATES))}")
        if cell["mapping_justification"] not in _JUSTIFICATIONS:
            raise MappingError(f"{where}:{lineno}: mapping_justification {cell['mapping_justification']!r} "
                               f"is not a semapv justification ({', '.join(sorted(_JUSTIFICATIONS))})")
        try:
            subject = _expand(cell["subject_id"], curie_map)
            obj = _expand(cell["object_id"], curie_map)
            predicate = _expand(cell["predicate_id"], curie_map)
            justification = _expand(cell["mapping_justification"], curie_map)
        except ValueError as exc:
            raise MappingError(f"{where}:{lineno}: {exc}") from exc
        if subject in seen_subjects:
            raise MappingError(f"{where}:{lineno}: subject_id {cell['subject_id']!r} already mapped on line "
                               f"{seen_subjects[subject]}")
        seen_subjects[subject] = lineno
        row = TermMapping(subject, cell["subject_label"], predicate, obj, cell["object_label"],
                          justification, lineno)
        rows.append(row)
        if not index:
            continue
        row_keys = {normalise_key(_local_part(subject)), "uri:" + normalise_uri(subject)}
        if cell["subject_label"]:
            row_keys.add(normalise_key(cell["subject_label"]))
        for k in row_keys:
            if not k or k == "uri:":
                continue
            other = keys.get(k)
            if other is not None and other.object_id != obj:
                raise MappingError(f"{where}:{lineno}: {cell['subject_id']!r} / {cell['subject_label']!r} "
                                   f"collides with line {other.line} (same code or label, different object)")
            keys.setdefault(k, row)
    if object_keys:
        for row in rows:
            keys.setdefault(normalise_key(_local_part(row.object_id)), row)
    return TermTable(path.stem, str(header["mapping_set_id"]), dict(curie_map), tuple(rows), keys)


@dataclass(frozen=True)
class LicenceTable:
    """``licenses.tsv`` looked up by licence URI, SPDX identifier or name."""

    table: TermTable
    keys: dict[str, TermMapping] = field(repr=False)

    @classmethod
    def from_table(cls, table: TermTable, where: str) -> "LicenceTable":
        keys: dict[str, TermMapping] = {}
        for row in table.mappings:
            candidates = {
                "uri:" + normalise_uri(row.subject_id), "uri:" + normalise_uri(row.object_id),
                normalise_key(_local_part(row.object_id)),
            }
            for label in (row.subject_label, row.object_label):
                if label:
                    candidates.add(normalise_key(label))
            for k in candidates:
                other = keys.get(k)
                if other is not None and other.object_id != row.object_id:
                    raise MappingError(f"{where}:{row.line}: licence key {k!r} also maps to "
                                       f"{other.object_id} on line {other.line}")
                keys.setdefault(k, row)
        return cls(table, keys)

    def by_uri(self, uri: str | None) -> TermMapping | None:
        """The licence whose URI (any of its spellings) is *uri*."""
        return self.keys.get("uri:" + normalise_uri(uri)) if uri else None

    def by_name(self, text: str | None) -> TermMapping | None:
        """The licence whose SPDX identifier or name is *text* (``CC-BY-4.0``, ``CC BY 4.0`` …)."""
        if not text:
            return None
        return self.keys.get(normalise_key(text))

    @property
    def spdx_namespace(self) -> str:
        return self.table.curie_map.get("spdx", "http://spdx.org/licenses/")


@dataclass(frozen=True)
class UnitTable:
    """``units.tsv`` looked up by a unit's spelling: exactly first (symbols are case-sensitive: ``MeV``
    is not ``meV``), then ignoring case when all spellings differing only in case name one unit."""

    table: TermTable
    exact: dict[str, TermMapping] = field(repr=False)
    folded: dict[str, TermMapping] = field(repr=False)

    @classmethod
    def from_table(cls, table: TermTable, where: str) -> "UnitTable":
        exact: dict[str, TermMapping] = {}
        by_fold: dict[str, set[str]] = {}
        for row in table.mappings:
            spelling = row.subject_label.strip()
            if not spelling:
                raise MappingError(f"{where}:{row.line}: subject_label must hold the unit spelling")
            if spelling in exact:
                raise MappingError(f"{where}:{row.line}: spelling {spelling!r} already mapped on line "
                                   f"{exact[spelling].line}")
            exact[spelling] = row
            by_fold.setdefault(spelling.casefold(), set()).add(row.object_id)
        folded = {k: exact[s] for s in exact for k in [s.casefold()] if len(by_fold[k]) == 1}
        return cls(table, exact, folded)

    def lookup(self, spelling: str | None) -> TermMapping | None:
        """The unit written *spelling* (surrounding blanks ignored), or None."""
        s = (spelling or "").strip()
        if not s:
            return None
        return self.exact.get(s) or self.folded.get(s.casefold())


# --- field crosswalks --------------------------------------------------------------------------

_FIELD_COLUMNS = ("source", "property", "transform", "when", "comment")
_WHEN = ("always", "unset")
SUBJECT = "@subject"


@dataclass(frozen=True)
class FieldRule:
    """One row of a field crosswalk: which elements, which property, which named transform."""

    format: str
    source: XPath | JsonPath
    property: str | None  # IRI string; None for '-' (the transform picks properties from a term table)
    is_subject: bool  # property column '@subject': the rule proposes the dataset IRI
    transform: str
    when: str
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def read_field_crosswalk(path: Path, fmt: str) -> tuple[FieldRule, ...]:
    """Read and check one field crosswalk (``<format>-dcat.tsv``)."""
    where = path.name
    transforms = FORMATS[fmt]
    syntax = format_info(fmt).syntax
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{where}: cannot read: {exc}") from exc
    body = [(i + 1, l) for i, l in enumerate(lines) if l.strip() and not l.startswith("#")]
    if not body:
        raise MappingError(f"{where}:1: empty field crosswalk")
    col_line, col_text = body[0]
    columns = col_text.split("\t")
    if tuple(columns) != _FIELD_COLUMNS:
        raise MappingError(f"{where}:{col_line}: columns must be {' | '.join(_FIELD_COLUMNS)}")
    rules: list[FieldRule] = []
    for lineno, line in body[1:]:
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) != len(columns):
            raise MappingError(f"{where}:{lineno}: {len(cells)} cells, expected {len(columns)} (tab-separated)")
        source, prop, transform, when, _comment = cells
        try:
            xpath = compile_json_path(source) if syntax == "json" else compile_path(source)
        except ValueError as exc:
            raise MappingError(f"{where}:{lineno}: source path: {exc}") from exc
        if transform not in transforms:
            raise MappingError(f"{where}:{lineno}: unknown transform {transform!r} for format {fmt!r} "
                               f"(known: {', '.join(sorted(transforms))})")
        spec = transforms[transform]
        is_subject = prop == SUBJECT
        if is_subject != spec.subject:
            raise MappingError(f"{where}:{lineno}: transform {transform!r} "
                               + ("proposes the dataset IRI: property must be '@subject'" if spec.subject
                                  else "cannot be used with '@subject'"))
        prop_iri: str | None = None
        if not is_subject:
            if prop == "-":
                if spec.needs_property:
                    raise MappingError(f"{where}:{lineno}: transform {transform!r} needs a target property")
            else:
                try:
                    prop_iri = _expand(prop, PREFIXES)
                except ValueError as exc:
                    raise MappingError(f"{where}:{lineno}: property: {exc} (prefixes: pangraph.rdf.PREFIXES)") from exc
        if when not in _WHEN:
            raise MappingError(f"{where}:{lineno}: when must be one of {', '.join(_WHEN)}, not {when!r}")
        if when == "unset" and prop_iri is None:
            raise MappingError(f"{where}:{lineno}: when=unset needs a target property")
        rules.append(FieldRule(fmt, xpath, prop_iri, is_subject, transform, when, where, lineno))
    if not any(r.is_subject for r in rules):
        raise MappingError(f"{where}:{col_line}: no '@subject' rule: the dataset IRI would always be minted")
    return tuple(rules)


# --- the whole folder ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Mappings:
    """All mapping files of ``mappings/``, checked, with the version (short hash) of their content."""

    version: str
    directory: Path
    fields: dict[str, tuple[FieldRule, ...]]
    relation_types: TermTable
    resource_types: TermTable
    contributor_roles: TermTable
    date_types: TermTable
    licenses: LicenceTable
    access_rights: TermTable
    languages: TermTable
    units: UnitTable


def load_mappings(path: Path | str | None = None) -> Mappings:
    """Load and check the mappings folder (default: the project's ``mappings/``)."""
    directory = Path(path) if path is not None else project_dir("mappings")
    if not directory.is_dir():
        raise MappingError(f"mappings folder {directory} not found")
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.suffix == ".tsv")
    known_fields = {format_info(fmt).mapping: fmt for fmt in FORMATS}
    for p in files:
        if p.name not in TERM_TABLES and p.name not in known_fields:
            raise MappingError(f"{p.name}: unknown mapping file (term tables: {', '.join(TERM_TABLES)}; "
                               f"field crosswalks: {', '.join(known_fields)})")
    names = {p.name for p in files}
    for required in list(TERM_TABLES) + list(known_fields):
        if required not in names:
            raise MappingError(f"{required}: missing from {directory}")
    digest = hashlib.sha256()
    for p in files:
        digest.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    tables = {name: read_sssom(directory / name, index=name not in ("licenses.tsv", "units.tsv"),
                               object_keys=name == "languages.tsv") for name in TERM_TABLES}
    fields = {fmt: read_field_crosswalk(directory / name, fmt) for name, fmt in known_fields.items()}
    return Mappings(
        version=digest.hexdigest()[:12],
        directory=directory,
        fields=fields,
        relation_types=tables["relation-types.tsv"],
        resource_types=tables["resource-types.tsv"],
        contributor_roles=tables["contributor-roles.tsv"],
        date_types=tables["date-types.tsv"],
        licenses=LicenceTable.from_table(tables["licenses.tsv"], "licenses.tsv"),
        access_rights=tables["access-rights.tsv"],
        languages=tables["languages.tsv"],
        units=UnitTable.from_table(tables["units.tsv"], "units.tsv"),
    )
