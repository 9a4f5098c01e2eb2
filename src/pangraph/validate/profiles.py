"""Validation profiles: a folder per profile in ``shapes/`` with a ``profile.toml`` and SHACL files.

``profile.toml`` keys:

- ``name`` (required): the profile's name, equal to its folder name (``pan-dataset``);
- ``version`` (required): semantic version of the shapes (``1.0.0``), recorded with every report;
- ``title`` (required): one line for people; ``description`` (required): what the profile checks;
- ``files`` (required): the shape files (Turtle), relative to the folder, in load order;
- ``ontology`` (optional): name of the vocabulary graph the shapes need (``panet``); the validator
  refuses to run without it, because class checks would then fail for every record;
- ``external`` (optional, default false) and ``[fetch."<file>"]`` tables (``url``, ``mirrors``, ``sha256``):
  third-party shapes that are fetched, pinned and cached rather than committed
  (:mod:`pangraph.validate.external`); they are not held to the documentation rules below.

The profile's IRI is ``https://w3id.org/pangraph/shapes/{name}`` (:func:`profile_iri`); its shapes live
in the namespace ``{profile IRI}#``.

Shapes are parsed and checked when the profile loads: a broken file fails with its path and the parser's
message; a shape that would report results must be an IRI with ``sh:name``, ``sh:description``,
``sh:message`` and ``sh:severity`` (so every result names a stable shape and says something a curator
understands).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

import rdflib
from rdflib.namespace import RDF

from pangraph.errors import ConfigError
from pangraph.rdf import SH
from pangraph.resources import project_dir

if TYPE_CHECKING:
    from pangraph.config import Config

PROFILE_FILE = "profile.toml"
PROFILE_IRI_BASE = "https://w3id.org/pangraph/shapes/"

_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_REQUIRED = {"name": str, "version": str, "title": str, "description": str, "files": list}
_OPTIONAL = {"ontology": str, "external": bool, "fetch": dict}

_SH = rdflib.Namespace(SH.raw(""))
_TARGETS = (_SH.targetClass, _SH.targetNode, _SH.targetSubjectsOf, _SH.targetObjectsOf, _SH.target)
_SHAPE_DOCS = (_SH.name, _SH.description, _SH.message, _SH.severity)


@dataclass(frozen=True)
class Profile:
    """A loaded, checked validation profile: its metadata and its parsed shapes graph."""

    name: str
    version: str
    title: str
    description: str
    files: tuple[Path, ...]
    iri: str
    ontology: str | None = None
    directory: Path | None = None
    shapes: rdflib.Graph = field(default_factory=rdflib.Graph, compare=False, repr=False)
    external: bool = False


def load_profile(name: str, *, shapes_dir: Path | str | None = None, strict: bool = True,
                 config: "Config | None" = None, files_override: Mapping[str, Path | str] | None = None,
                 fetch: bool | None = None) -> Profile:
    """The profile *name* from ``shapes_dir`` (default: the project's ``shapes/`` folder), with its
    shapes parsed and checked.

    ``strict`` (default) also requires every reporting shape to be an IRI documented with
    ``sh:name``/``sh:description``/``sh:message``/``sh:severity``; switch it off only for third-party
    shapes (external profiles are never held to it). Raises :class:`~pangraph.errors.ConfigError` naming
    the file for any problem.

    For an external profile (``external = true``) the shape files come from *files_override* (file name →
    local copy), else the setting ``validation.<name, '-' → '_'>.file`` of *config* when declared, else the
    cache in ``config.cache_dir``, else a download when *fetch* (default: the setting
    ``validation.<name>.fetch`` when declared, else False); see :mod:`pangraph.validate.external`.
    """
    root = Path(shapes_dir) if shapes_dir is not None else project_dir("shapes")
    folder = root / name
    toml_path = folder / PROFILE_FILE
    if not toml_path.is_file():
        known = sorted(p.parent.name for p in root.glob(f"*/{PROFILE_FILE}")) if root.is_dir() else []
        raise ConfigError(f"no validation profile {name!r} in {root} (known: {', '.join(known) or 'none'})",
                          field=str(toml_path))
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot parse {toml_path}: {exc}", field=str(toml_path)) from exc
    _check_keys(meta, toml_path)
    if meta["name"] != name:
        raise ConfigError(f"{toml_path}: name {meta['name']!r} differs from the folder name {name!r}",
                          field=str(toml_path))
    if not _SEMVER.match(meta["version"]):
        raise ConfigError(f"{toml_path}: version {meta['version']!r} is not a semantic version (like 1.0.0)",
                          field=str(toml_path))
    if not meta["files"] or not all(isinstance(f, str) for f in meta["files"]):
        raise ConfigError(f"{toml_path}: 'files' must be a non-empty list of file names", field=str(toml_path))

    external = bool(meta.get("external", False))
    if external:
        files = _external_paths(name, meta, toml_path, config=config, files_override=files_override, fetch=fetch)
    elif files_override:
        raise ConfigError(f"profile {name!r} is not external: its files cannot be overridden", field=str(toml_path))
    else:
        files = tuple(folder / f for f in meta["files"])
    graph = rdflib.Graph()
    for path in files:
        graph += _parse_shapes(path)
    if strict and not external:
        problems = shape_problems(graph)
        if problems:
            raise ConfigError(f"profile {name!r} ({folder}): " + "; ".join(problems), field=str(folder))
    return Profile(
        name=name,
        version=meta["version"],
        title=meta["title"],
        description=meta["description"],
        files=files,
        iri=profile_iri(name),
        ontology=meta.get("ontology"),
        directory=folder,
        shapes=graph,
        external=external,
    )


def _external_paths(name: str, meta: dict, toml_path: Path, *, config: "Config | None",
                    files_override: Mapping[str, Path | str] | None, fetch: bool | None) -> tuple[Path, ...]:
    """The local paths of an external profile's shape files (see :func:`load_profile`)."""
    from pangraph.validate import external as ext  # httpx only when an external profile is used

    pinned = ext.external_files(meta, toml_path)
    local: dict[str, Path | str] = dict(files_override or {})
    values = config.values if config is not None else {}
    configured = str(values.get(ext.setting_name(name), "") or "").strip()
    if configured and not local:
        if len(pinned) != 1:
            raise ConfigError(f"{ext.setting_name(name)} names one file but profile {name!r} has "
                              f"{len(pinned)}: use files_override", field=ext.setting_name(name))
        local[pinned[0].name] = config.resolve_path(configured) if config is not None else Path(configured)
    if fetch is None:
        fetch = bool(values.get(ext.fetch_setting_name(name), False))
    return ext.resolve_external(name, meta["version"], pinned, local=local,
                                cache_dir=config.cache_dir if config is not None else None, fetch=fetch)


def profile_iri(name: str) -> str:
    """The IRI of the profile *name* (what validation reports say they conform to)."""
    return PROFILE_IRI_BASE + name


def load_profiles(names: Iterable[str], *, shapes_dir: Path | str | None = None,
                  strict: bool = True, config: "Config | None" = None) -> list[Profile]:
    """The profiles *names*, loaded and checked as by :func:`load_profile` (external ones with *config*'s
    settings and cache), in the order given."""
    seen: set[str] = set()
    out = []
    for n in names:
        if n in seen:
            raise ConfigError(f"validation profile {n!r} is listed twice")
        seen.add(n)
        out.append(load_profile(n, shapes_dir=shapes_dir, strict=strict, config=config))
    return out


def shape_problems(graph: rdflib.Graph) -> list[str]:
    """What keeps *graph*'s reporting shapes from meeting the project's rules (empty when all is well).

    A reporting shape is a declared ``sh:NodeShape``/``sh:PropertyShape``, a shape with a target, or a
    value of ``sh:property``; operands of ``sh:or``/``sh:not`` … are not reporting shapes.
    """
    shapes: set[rdflib.term.Node] = set(graph.subjects(RDF.type, _SH.NodeShape))
    shapes |= set(graph.subjects(RDF.type, _SH.PropertyShape))
    shapes |= set(graph.objects(None, _SH.property))
    for t in _TARGETS:
        shapes |= set(graph.subjects(t, None))
    problems = []
    for shape in sorted(shapes, key=str):
        if not isinstance(shape, rdflib.URIRef):
            problems.append(f"a shape with path {graph.value(shape, _SH.path)} is a blank node (shapes must be IRIs)")
            continue
        missing = [graph.qname(p) for p in _SHAPE_DOCS if graph.value(shape, p) is None]
        if missing:
            problems.append(f"shape <{shape}> lacks {', '.join(missing)}")
        severity = graph.value(shape, _SH.severity)
        if severity is not None and severity not in (_SH.Violation, _SH.Warning, _SH.Info):
            problems.append(f"shape <{shape}> has severity {severity}, not sh:Violation, sh:Warning or sh:Info")
    return problems


def _check_keys(meta: dict, path: Path) -> None:
    for key, typ in _REQUIRED.items():
        if key not in meta:
            raise ConfigError(f"{path}: missing key {key!r}", field=str(path))
        if not isinstance(meta[key], typ):
            raise ConfigError(f"{path}: {key!r} must be a {typ.__name__}", field=str(path))
    for key, typ in _OPTIONAL.items():
        if key in meta and not isinstance(meta[key], typ):
            raise ConfigError(f"{path}: {key!r} must be a {typ.__name__}", field=str(path))
    unknown = set(meta) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}", field=str(path))


def _parse_shapes(path: Path) -> rdflib.Graph:
    if not path.is_file():
        raise ConfigError(f"shapes file {path} does not exist", field=str(path))
    g = rdflib.Graph()
    try:
        g.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises BadSyntax, ValueError … depending on the error
        raise ConfigError(f"cannot parse shapes file {path}: {exc}", field=str(path)) from exc
    return g
