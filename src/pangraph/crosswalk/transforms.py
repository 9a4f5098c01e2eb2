"""The named transforms each metadata format's field crosswalk may reference, by format name.

A field crosswalk ``mappings/<format>-dcat.tsv`` exists for every format listed here; the loader
checks every row's transform name against this registry."""

from __future__ import annotations

from pangraph.crosswalk.datacite import TRANSFORMS as DATACITE_TRANSFORMS
from pangraph.crosswalk.oai_dc import DC_TRANSFORMS, PANOSC_TRANSFORMS
from pangraph.crosswalk.record_graph import TransformSpec

#: format name → transform name → transform
FORMATS: dict[str, dict[str, TransformSpec]] = {
    "datacite": DATACITE_TRANSFORMS,
    "oai_dc": DC_TRANSFORMS,
    "panosc": PANOSC_TRANSFORMS,
}
