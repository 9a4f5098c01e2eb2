"""Validation of record graphs against SHACL profiles (``shapes/``), with results as data.

- :mod:`pangraph.validate.profiles`: profiles (``shapes/NAME/profile.toml`` + shape files), checked on load;
- :mod:`pangraph.validate.pyshacl_engine`: :class:`Validator`, pySHACL in batches, results per record graph
  (the reference engine);
- :mod:`pangraph.validate.fast_engine`: :class:`FastValidator`, the same shapes compiled to SPARQL and run in
  a scratch Oxigraph store, with the same results (the default engine);
- :func:`make_validator`: either engine, by name (the setting ``validation.engine``);
- :mod:`pangraph.validate.report`: :class:`Report`/:class:`Result`, the quality graph
  (:func:`quality_ntriples`), :func:`summarise`, :func:`render` and :func:`exit_code`.

A record conforms when it has no Violation (Warnings and Infos are reported, not failed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

from pangraph.errors import ConfigError
from pangraph.validate.fast_engine import FastValidator
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

if TYPE_CHECKING:
    from pangraph.config import Config

#: the engines :func:`make_validator` builds (values of the setting ``validation.engine``)
ENGINES: tuple[str, ...] = ("fast", "pyshacl")
DEFAULT_ENGINE = "fast"


def make_validator(profiles: Sequence[Profile | str], *, engine: str | None = None,
                   config: "Config | None" = None, ontology_graphs: Mapping[str, str] | None = None,
                   batch_size: int | None = None) -> FastValidator | Validator:
    """A validator of *profiles* with the engine *engine*: ``"fast"`` (:class:`FastValidator`) or
    ``"pyshacl"`` (:class:`Validator`, the reference).

    *profiles* are :class:`Profile` objects or profile names; names are loaded with :func:`load_profiles`
    and *config* (so that external profiles such as ``dcat-ap-3`` resolve through its settings and cache).
    *engine* defaults to *config*'s ``validation.engine``, else :data:`DEFAULT_ENGINE`. Both engines take the
    same *ontology_graphs* (vocabulary name → RDF text, e.g. ``{"panet": ...}``; every profile's
    ``ontology`` must be among them) and have the same interface (``validate(graphs) -> {graph: Report}``,
    ``profile_versions``). *batch_size* (records per pySHACL run or per scratch store) defaults to the
    engine's own. An unknown engine is a :class:`~pangraph.errors.ConfigError` naming the setting."""
    if engine is None:
        engine = config.values.get("validation.engine", DEFAULT_ENGINE) if config is not None else DEFAULT_ENGINE
    if engine not in ENGINES:
        raise ConfigError(f"unknown validation engine {engine!r} (validation.engine must be one of "
                          f"{', '.join(ENGINES)})", field="validation.engine")
    names = [p for p in profiles if isinstance(p, str)]
    loaded = iter(load_profiles(names, config=config)) if names else iter(())
    resolved = [next(loaded) if isinstance(p, str) else p for p in profiles]
    options = {} if batch_size is None else {"batch_size": batch_size}
    if engine == "fast":
        return FastValidator(resolved, ontology_graphs=ontology_graphs, **options)
    return Validator(resolved, ontology_graphs=ontology_graphs, **options)


__all__ = [
    "CROSSWALK_NOTE", "DEFAULT_ENGINE", "ENGINES", "EXIT_CONFORMS", "EXIT_FAILURE", "EXIT_NOT_CONFORMING", "FORMATS",
    "FastValidator", "METRICS", "SEVERITIES", "SOURCE_FIELD", "MessageCount", "Profile", "Report", "Result",
    "Summary", "Validator", "exit_code", "load_profile", "load_profiles", "make_validator", "profile_iri",
    "quality_ntriples", "render", "summarise",
]
