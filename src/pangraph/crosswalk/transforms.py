"""The registry of metadata formats: for each, the named transforms its field crosswalk may
reference and how its records are read (:class:`FormatInfo`).

Formats register themselves: every module of the ``pangraph.crosswalk`` package that defines
``FORMATS = {format name: {transform name: TransformSpec}}`` (and optionally
``FORMAT_INFO = {format name: FormatInfo}``) is picked up, in module-name order. A field crosswalk
``mappings/<format>-dcat.tsv`` (or the file ``FormatInfo.mapping`` names) exists for every format;
the loader checks every row's transform name against this registry."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, replace
from typing import Any, Callable

from pangraph.crosswalk.record_graph import TransformSpec


@dataclass(frozen=True)
class FormatInfo:
    """How records of one format are read and what they describe.

    ``syntax``: ``xml`` (found in the payload by :func:`pangraph.crosswalk.find_metadata`) or ``json``
    (the record's ``metadata_prefix`` names the format). ``main_type``: the ``rdf:type`` of the record's
    main resource; ``mint``: the kind in ``{base}/id/{mint}/{source}/{key}`` when it has no PID;
    ``kind``: what the record describes (``CrosswalkResult.kind``: dataset, document, instrument,
    training, software …); ``mapping``: the field crosswalk file in ``mappings/``; ``decoder`` (JSON
    syntax only): turns the archived payload bytes into the JSON the paths read (default: parse JSON),
    so a format published as XML keeps its raw bytes in the archive and is still read with JSON paths."""

    syntax: str = "xml"
    kind: str = "dataset"
    main_type: str = "http://www.w3.org/ns/dcat#Dataset"
    mint: str = "dataset"
    mapping: str = ""
    decoder: Callable[[bytes], Any] | None = None


#: format name → transform name → transform
FORMATS: dict[str, dict[str, TransformSpec]] = {}
#: format name → how it is read
FORMAT_INFO: dict[str, FormatInfo] = {}
#: record metadata_prefix → whole-record crosswalk ``f(record, *, ctx) -> CrosswalkResult`` for formats whose
#: payload is already RDF in the project's model (no field mapping: ``RECORD_FORMATS`` of a module, e.g. rdf_record)
RECORD_FORMATS: dict[str, Callable[..., Any]] = {}

_SKIP = {"transforms", "mappings", "record_graph", "xml", "jsondoc", "fields"}


def _discover() -> None:
    import pangraph.crosswalk as package

    for mod in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if mod.name in _SKIP or mod.name.startswith("_"):
            continue
        module = importlib.import_module(f"pangraph.crosswalk.{mod.name}")
        for name, transforms in getattr(module, "FORMATS", {}).items():
            if name in FORMATS:
                raise RuntimeError(f"format {name!r} registered twice (again by pangraph.crosswalk.{mod.name})")
            FORMATS[name] = transforms
            FORMAT_INFO[name] = getattr(module, "FORMAT_INFO", {}).get(name, FormatInfo())
        RECORD_FORMATS.update(getattr(module, "RECORD_FORMATS", {}))


def format_info(name: str) -> FormatInfo:
    """The :class:`FormatInfo` of *name* with its mapping file name filled in."""
    info = FORMAT_INFO.get(name, FormatInfo())
    return info if info.mapping else replace(info, mapping=f"{name}-dcat.tsv")


_discover()
