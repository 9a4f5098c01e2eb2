"""The named transforms each metadata format's field crosswalk may reference, by format name.

A field crosswalk ``mappings/<format>-dcat.tsv`` exists for every format listed here; the loader
checks every row's transform name against this registry."""

from __future__ import annotations

from dataclasses import dataclass

from pangraph.crosswalk.datacite import TRANSFORMS as DATACITE_TRANSFORMS
from pangraph.crosswalk.oai_dc import DC_TRANSFORMS, PANOSC_TRANSFORMS
from pangraph.crosswalk.record_graph import TransformSpec

#: format name → transform name → transform
FORMATS: dict[str, dict[str, TransformSpec]] = {
    "datacite": DATACITE_TRANSFORMS,
    "oai_dc": DC_TRANSFORMS,
    "panosc": PANOSC_TRANSFORMS,
}


@dataclass(frozen=True)
class FormatInfo:
    """How records of one format are read and what they describe.

    ``syntax``: ``xml`` (found in the payload by :func:`pangraph.crosswalk.find_metadata`) or ``json``
    (the record's ``metadata_prefix`` names the format). ``main_type``: the ``rdf:type`` of the record's
    main resource; ``mint``: the kind in ``{base}/id/{mint}/{source}/{key}`` when it has no PID;
    ``kind``: what the record describes (``CrosswalkResult.kind``); ``mapping``: the field crosswalk
    file in ``mappings/``."""

    syntax: str = "xml"
    kind: str = "dataset"
    main_type: str = "http://www.w3.org/ns/dcat#Dataset"
    mint: str = "dataset"
    mapping: str = ""


#: format name → how it is read; every format of :data:`FORMATS` has an entry
FORMAT_INFO: dict[str, FormatInfo] = {
    "datacite": FormatInfo(),
    "oai_dc": FormatInfo(),
    "panosc": FormatInfo(),
}


def format_info(name: str) -> FormatInfo:
    """The :class:`FormatInfo` of *name* with its mapping file name filled in."""
    info = FORMAT_INFO.get(name, FormatInfo())
    if not info.mapping:
        info = FormatInfo(info.syntax, info.kind, info.main_type, info.mint, f"{name}-dcat.tsv")
    return info
