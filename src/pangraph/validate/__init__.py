"""Validation of record graphs against SHACL profiles (``shapes/``), with results as data.

- :mod:`pangraph.validate.profiles`: profiles (``shapes/NAME/profile.toml`` + shape files), checked on load;
- :mod:`pangraph.validate.pyshacl_engine`: :class:`Validator`, pySHACL in batches, results per record graph;
- :mod:`pangraph.validate.report`: :class:`Report`/:class:`Result`, the quality graph
  (:func:`quality_ntriples`), :func:`summarise`, :func:`render` and :func:`exit_code`.

A record conforms when it has no Violation (Warnings and Infos are reported, not failed).
"""

from pangraph.validate.profiles import Profile, load_profile, load_profiles, profile_iri
from pangraph.validate.pyshacl_engine import Validator
from pangraph.validate.report import (
    CROSSWALK_NOTE,
    EXIT_CONFORMS,
    EXIT_FAILURE,
    EXIT_NOT_CONFORMING,
    FORMATS,
    METRICS,
    SEVERITIES,
    SOURCE_FIELD,
    MessageCount,
    Report,
    Result,
    Summary,
    exit_code,
    quality_ntriples,
    render,
    summarise,
)

__all__ = [
    "CROSSWALK_NOTE", "EXIT_CONFORMS", "EXIT_FAILURE", "EXIT_NOT_CONFORMING", "FORMATS", "METRICS", "SEVERITIES",
    "SOURCE_FIELD", "MessageCount", "Profile", "Report", "Result", "Summary", "Validator", "exit_code",
    "load_profile", "load_profiles", "profile_iri", "quality_ntriples", "render", "summarise",
]
