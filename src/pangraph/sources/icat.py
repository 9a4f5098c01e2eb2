"""ICAT dumps and PIDINST instrument records as files.

``icat-dump``: the YAML and XML dumps of python-icat's ``icatdump`` (ICAT 4.x–6.2 layout: objects
keyed by their dump id, references by id) and ``icatingest`` metadata files (references by key
attributes such as ``<instrument pid="…"/>``). Both are read into one object table; then every
Investigation, Dataset, Instrument, DataCollection, DataPublication and Study becomes one raw record
whose JSON payload is the object with its references **resolved** (a dataset carries its techniques,
instruments, sample, datafiles and parameter types; an investigation its facility, users, instruments
and dataset names), so each record crosswalks on its own. Identifiers are ``{Entity}/{dump id}``;
``metadata_prefix`` is ``icat-investigation``, ``icat-dataset``, ``icat-instrument``,
``icat-data-collection``, ``icat-data-publication``, ``icat-study``. Users, facilities, techniques,
samples, datafiles, parameter types, funding references are folded into the records that use them;
the access-control entities (Grouping, Rule, PublicStep, UserGroup …) are not catalogue metadata and
are not read. A reference to an object the dump does not hold is reported.

``pidinst-xml``: PIDINST 1.0 instrument records (``<instrument>`` XML), one record per file, identifier
the instrument's PID, ``metadata_prefix`` ``pidinst``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

from lxml import etree

from pangraph.crosswalk.jsondoc import canonical_json
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from pangraph.sources.files import parsed_files

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)

#: entity (dump type, lower camel case) → crosswalk format of its records
RECORD_ENTITIES: dict[str, str] = {
    "investigation": "icat-investigation",
    "dataset": "icat-dataset",
    "instrument": "icat-instrument",
    "dataCollection": "icat-data-collection",
    "dataPublication": "icat-data-publication",
    "study": "icat-study",
}
#: access control and bookkeeping: not catalogue metadata
NOT_METADATA = {"grouping", "rule", "publicStep", "userGroup", "job", "relatedDatafile", "application",
                "dataPublicationType", "investigationType", "datasetType", "datafileFormat", "facilityCycle",
                "parameterType", "sampleType", "technique", "user", "facility", "fundingReference", "sample",
                "datafile", "dataPublicationUser", "dataPublicationFunding"}
#: inverse relations a record's payload gathers: entity → (child entity, field of the child naming the parent, key)
CHILDREN: dict[str, tuple[tuple[str, str, str], ...]] = {
    "dataset": (("datafile", "dataset", "datafiles"),),
    "investigation": (("dataset", "investigation", "datasets"), ("sample", "investigation", "samples")),
    "dataPublication": (("dataPublicationUser", "publication", "users"),),
}
_MAX_DEPTH = 3


class DumpObjects:
    """The objects of one dump: ``type → id → fields``, and how to resolve references."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.by_id: dict[str, tuple[str, dict[str, Any]]] = {}
        self.missing: list[tuple[str, str, str]] = []  # (record, field, reference)

    def add(self, kind: str, ident: str, fields: dict[str, Any]) -> None:
        self.objects.setdefault(kind, {})[ident] = fields
        self.by_id[ident] = (kind, fields)

    def find(self, kind: str, keys: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
        """The object of *kind* whose fields equal *keys* (icatingest references such as ``pid=…``)."""
        for ident, obj in self.objects.get(kind, {}).items():
            if all(str(obj.get(k, "")) == v for k, v in keys.items()):
                return ident, obj
        return None

    def resolve(self, value: Any, *, depth: int, record: str, fld: str, skip: frozenset[str] = frozenset()) -> Any:
        """*value* with references replaced by the objects they name (``{"_id": …, "_type": …, fields}``),
        *depth* levels deep; references the dump does not hold are kept as ``{"_ref": …}`` and noted."""
        if isinstance(value, dict):
            if set(value) == {"_ref"}:
                return self._object(value["_ref"], depth=depth, record=record, fld=fld, skip=skip)
            if "_keys" in value:  # icatingest: <instrument pid="…"/>
                found = self.find(value.get("_kind", fld), value["_keys"])
                if found is not None:
                    return self._object(found[0], depth=depth, record=record, fld=fld, skip=skip)
                return dict(value["_keys"])
            return {k: self.resolve(v, depth=depth, record=record, fld=k, skip=skip) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, depth=depth, record=record, fld=fld, skip=skip) for v in value]
        return value

    def _object(self, ident: str, *, depth: int, record: str, fld: str, skip: frozenset[str]) -> Any:
        hit = self.by_id.get(ident)
        if hit is None:
            self.missing.append((record, fld, ident))
            return {"_ref": ident}
        kind, fields = hit
        if depth <= 0 or kind in skip:
            return {"_id": ident, "_type": kind}
        out = {"_id": ident, "_type": kind}
        for k, v in fields.items():
            if k in ("investigationGroups", "instrumentScientists") and depth < _MAX_DEPTH:
                continue
            out[k] = self.resolve(v, depth=depth - 1, record=record, fld=k, skip=skip)
        return out

    def is_reference(self, text: str) -> bool:
        return text in self.by_id


def _yaml_objects(data: bytes, objects: DumpObjects) -> None:
    import yaml

    for doc in yaml.safe_load_all(data):
        if not isinstance(doc, dict):
            continue
        for kind, items in doc.items():
            if isinstance(items, dict):
                for ident, fields in items.items():
                    objects.add(str(kind), str(ident), fields if isinstance(fields, dict) else {})


def _yaml_refs(value: Any, objects: DumpObjects) -> Any:
    """YAML dumps write references as plain strings: those naming a dump id become ``{"_ref": id}``."""
    if isinstance(value, dict):
        return {k: _yaml_refs(v, objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_yaml_refs(v, objects) for v in value]
    if isinstance(value, str) and objects.is_reference(value):
        return {"_ref": value}
    return value


def _xml_value(el: etree._Element) -> Any:
    children = [c for c in el if isinstance(c.tag, str)]
    if el.get("ref") is not None:
        return {"_ref": el.get("ref")}
    if not children:
        attrs = {k: v for k, v in el.attrib.items()}
        if attrs:
            return {"_keys": attrs, "_kind": etree.QName(el).localname}
        return (el.text or "").strip()
    out: dict[str, Any] = {}
    for c in children:
        name = etree.QName(c).localname
        v = _xml_value(c)
        if name in out:
            out[name] = out[name] if isinstance(out[name], list) else [out[name]]
            out[name].append(v)
        else:
            out[name] = v
    return out


_MANY = {"parameters", "keywords", "investigationUsers", "investigationInstruments", "datasetTechniques",
         "datasetInstruments", "shifts", "publications", "dataCollectionDatasets", "dataCollectionDatafiles",
         "dataCollectionInvestigations", "dates", "subjects", "relatedItems", "fundingReferences", "affiliations",
         "studyInvestigations", "investigationFacilityCycles", "userGroups", "instrumentScientists",
         "investigationGroups", "sampleTypes", "techniques"}


def _xml_objects(root: etree._Element, objects: DumpObjects) -> None:
    n = 0
    for data in root.iter("data"):
        for el in data:
            if not isinstance(el.tag, str):
                continue
            n += 1
            kind = etree.QName(el).localname
            ident = el.get("id") or f"{kind}_{n}"
            fields = _xml_value(el)
            if not isinstance(fields, dict):
                fields = {}
            for k in list(fields):
                if k in _MANY and not isinstance(fields[k], list):
                    fields[k] = [fields[k]]
            objects.add(kind, ident, fields)


def read_dump(data: bytes, *, name: str) -> DumpObjects:
    """The objects of an icatdump YAML/XML file or an icatingest XML file; raises ``ValueError`` when
    the file is neither."""
    objects = DumpObjects()
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        try:
            root = etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as e:
            raise ValueError(f"{name} is not well-formed XML: {e}") from None
        if etree.QName(root).localname not in ("icatdata", "icatingest"):
            raise ValueError(f"{name}: root element <{etree.QName(root).localname}> is not <icatdata>/<icatingest>")
        _xml_objects(root, objects)
    else:
        try:
            _yaml_objects(data, objects)
        except Exception as e:  # yaml.YAMLError and its family
            raise ValueError(f"{name} is not a YAML icatdump: {e}") from None
        for kind, items in objects.objects.items():
            for ident, fields in items.items():
                resolved = _yaml_refs(fields, objects)
                items[ident] = resolved
                objects.by_id[ident] = (kind, resolved)
    return objects


def _children(objects: DumpObjects, kind: str, ident: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for child_kind, fld, key in CHILDREN.get(kind, ()):
        for cid, obj in objects.objects.get(child_kind, {}).items():
            ref = obj.get(fld)
            if isinstance(ref, dict) and ref.get("_ref") == ident:
                out.setdefault(key, []).append(cid)
    return out


def read_dump_files(paths: Iterable[Path], *, source: str,
                    metadata_prefix: str | None = None) -> Iterator[RawRecord | SourceProblem]:
    """The records of ICAT dump files (see the module docstring)."""
    for path in paths:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as e:
            yield SourceProblem(source, path.name, f"cannot read {path}: {e}", scope="page")
            continue
        try:
            objects = read_dump(data, name=path.name)
        except ValueError as e:
            yield SourceProblem(source, path.name, str(e), scope="page")
            continue
        ingest = data.lstrip().startswith(b"<") and b"<icatingest" in data[:400]
        for kind, items in objects.objects.items():
            fmt = RECORD_ENTITIES.get(kind)
            if fmt is None:
                if kind not in NOT_METADATA:
                    yield SourceProblem(source, f"{path.name}:{kind}",
                                        f"{len(items)} ICAT {kind} object(s) not read: no crosswalk for this entity")
                continue
            for ident, fields in items.items():
                record_id = f"{kind[0].upper()}{kind[1:]}/{ident}" if not ingest else \
                    f"{kind[0].upper()}{kind[1:]}/{path.stem}/{ident}"
                payload = {"_id": ident, "_type": kind}
                for k, v in fields.items():
                    if k in ("investigationGroups",):
                        continue
                    payload[k] = objects.resolve(v, depth=_MAX_DEPTH - 1, record=record_id, fld=k,
                                                 skip=frozenset({kind}))
                for key, ids in _children(objects, kind, ident).items():
                    payload[key] = [objects.resolve({"_ref": i}, depth=2, record=record_id, fld=key,
                                                    skip=frozenset({kind})) for i in sorted(ids)]
                yield RawRecord(source=source, identifier=record_id, metadata_prefix=fmt,
                                payload=canonical_json(payload),
                                datestamp=str(fields.get("modTime")) if fields.get("modTime") else None)
        for record, fld, ref in dict.fromkeys(objects.missing):
            yield SourceProblem(source, record, f"dangling reference: field {fld} of {record} names {ref!r}, "
                                                "which the dump does not hold; the record is kept without it")


def _pidinst_identifier(root: etree._Element) -> str | None:
    for el in root:
        if isinstance(el.tag, str) and etree.QName(el).localname == "identifier" and (el.text or "").strip():
            return f"{el.get('identifierType') or 'PID'}:{el.text.strip()}"
    return None


def read_pidinst_files(paths: Iterable[Path], *, source: str,
                       metadata_prefix: str | None = None) -> Iterator[RawRecord | SourceProblem]:
    """One record per PIDINST 1.0 XML file (``<instrument>``); the identifier is ``{type}:{PID}``
    (``DOI:10.5442/NI000001``, ``Handle:1234.1675``), else the file name. The payload is the
    XML as published (the archive keeps the raw bytes); the crosswalk reads it through its JSON rendering
    (:func:`pangraph.crosswalk.jsondoc.xml_as_json`) with ``mappings/pidinst-dcat.tsv``."""
    for file in parsed_files(paths, source=source, syntax="xml"):
        if isinstance(file, SourceProblem):
            yield file
            continue
        name = etree.QName(file.doc).localname
        if name != "instrument":
            yield SourceProblem(source, file.path.name,
                                f"{file.path.name}: root <{name}> is not a PIDINST <instrument>")
            continue
        ident = _pidinst_identifier(file.doc)
        yield RawRecord(source=source, identifier=ident or file.path.name, metadata_prefix="pidinst",
                        payload=file.body, datestamp=None)


__all__ = ["DumpObjects", "RECORD_ENTITIES", "read_dump", "read_dump_files", "read_pidinst_files"]
