"""External validation profiles: shape files published by a third party, pinned and cached, never committed.

A profile is external when its ``profile.toml`` says ``external = true``; each of its ``files`` then has a
``[fetch."<file>"]`` table with the canonical ``url``, optional ``mirrors`` (tried in order when the canonical
URL fails) and the pinned ``sha256``. The shape file is taken from the first of:

1. a *local copy* (``files_override`` of :func:`pangraph.validate.load_profile`, or the setting
   ``validation.<profile, '-' → '_'>.file`` when the configuration declares it, e.g.
   ``validation.dcat_ap_3.file``); its checksum must be the pinned one;
2. the *cache*: ``{cache_dir}/shapes/<profile>/<version>/<file>`` (checksum re-checked on every load);
3. a *download* with httpx, when fetching is allowed: refused unless its SHA-256 is the pinned one; written
   to the cache atomically.

When none applies the error says which settings would help. Checksums make the profile version mean one
exact set of shapes: a report that says "dcat-ap-3 3.0.0" was checked against these bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import httpx

from pangraph import __version__
from pangraph.errors import ConfigError, ValidationEngineError

#: largest shape file accepted from the network, in bytes (DCAT-AP 3.0.0 is ≈ 180 kB)
MAX_DOWNLOAD_BYTES = 20_000_000
DEFAULT_TIMEOUT_S = 60.0

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FETCH_KEYS = {"url", "mirrors", "sha256"}


@dataclass(frozen=True)
class ExternalFile:
    """One pinned third-party shape file: its name in the profile, where it is published, its SHA-256."""

    name: str
    url: str
    sha256: str
    mirrors: tuple[str, ...] = ()

    @property
    def urls(self) -> tuple[str, ...]:
        """The canonical URL, then the mirrors: the order downloads are tried in."""
        return (self.url, *self.mirrors)


def external_files(meta: Mapping[str, Any], toml_path: Path) -> tuple[ExternalFile, ...]:
    """The pinned files of an external profile's ``profile.toml`` (*meta*, parsed), in ``files`` order.

    Raises :class:`~pangraph.errors.ConfigError` naming *toml_path* when a file has no ``[fetch]`` entry,
    an entry lacks ``url``/``sha256``, a URL is not http(s) or a checksum is not 64 hex digits.
    """
    where = str(toml_path)
    fetch = meta.get("fetch", {})
    if not isinstance(fetch, dict):
        raise ConfigError(f"{toml_path}: 'fetch' must be a table of file name → url, sha256", field=where)
    out = []
    for name in meta["files"]:
        entry = fetch.get(name)
        if not isinstance(entry, dict):
            raise ConfigError(f"{toml_path}: external file {name!r} has no [fetch.{name!r}] table", field=where)
        unknown = set(entry) - _FETCH_KEYS
        if unknown:
            raise ConfigError(f"{toml_path}: [fetch.{name!r}] has unknown key(s) {', '.join(sorted(unknown))}",
                              field=where)
        url, digest, mirrors = entry.get("url"), entry.get("sha256"), entry.get("mirrors", [])
        if not isinstance(url, str) or not re.match(r"^https?://", url):
            raise ConfigError(f"{toml_path}: [fetch.{name!r}] url must be an http(s) URL, got {url!r}", field=where)
        if not isinstance(mirrors, list) or not all(isinstance(m, str) and re.match(r"^https?://", m)
                                                    for m in mirrors):
            raise ConfigError(f"{toml_path}: [fetch.{name!r}] mirrors must be a list of http(s) URLs", field=where)
        if not isinstance(digest, str) or not _SHA256.match(digest.lower()):
            raise ConfigError(f"{toml_path}: [fetch.{name!r}] sha256 must be 64 hexadecimal digits", field=where)
        out.append(ExternalFile(name=name, url=url, sha256=digest.lower(), mirrors=tuple(mirrors)))
    extra = set(fetch) - set(meta["files"])
    if extra:
        raise ConfigError(f"{toml_path}: [fetch] names file(s) not in 'files': {', '.join(sorted(extra))}",
                          field=where)
    return tuple(out)


def setting_name(profile: str) -> str:
    """The configuration setting naming a local copy of *profile*'s shape file
    (``dcat-ap-3`` → ``validation.dcat_ap_3.file``)."""
    return f"validation.{profile.replace('-', '_')}.file"


def fetch_setting_name(profile: str) -> str:
    """The configuration setting allowing downloads of *profile*'s shapes (``validation.dcat_ap_3.fetch``)."""
    return f"validation.{profile.replace('-', '_')}.fetch"


def cache_path(cache_dir: Path | str, profile: str, version: str, name: str) -> Path:
    """Where the cached copy of one external shape file lives: ``{cache_dir}/shapes/<profile>/<version>/<name>``."""
    return Path(cache_dir) / "shapes" / profile / version / name


def sha256_of(data: bytes) -> str:
    """The SHA-256 of *data*, lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def resolve_external(profile: str, version: str, files: Sequence[ExternalFile], *,
                     local: Mapping[str, Path | str] | None = None, cache_dir: Path | str | None = None,
                     fetch: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S,
                     transport: httpx.BaseTransport | None = None) -> tuple[Path, ...]:
    """The paths of *profile*'s shape files, each from a local copy, the cache or a download (module docs).

    *local* maps a file name to a local copy; *cache_dir* is the node's cache directory (``None``: no cache);
    *fetch* allows downloads (``timeout_s`` each; *transport* for tests). Raises
    :class:`~pangraph.errors.ConfigError` for a missing or mismatching local copy, a mismatching cache that
    may not be refetched, or when no source is available; :class:`~pangraph.errors.ValidationEngineError`
    when every download fails or a downloaded file has another checksum (it is then not cached).
    """
    local = dict(local or {})
    unknown = set(local) - {f.name for f in files}
    if unknown:
        raise ConfigError(f"profile {profile!r} has no shape file {', '.join(sorted(unknown))} to override "
                          f"(its files: {', '.join(f.name for f in files)})", field=setting_name(profile))
    return tuple(_resolve_one(profile, version, f, local=local.get(f.name), cache_dir=cache_dir, fetch=fetch,
                              timeout_s=timeout_s, transport=transport) for f in files)


def _resolve_one(profile: str, version: str, file: ExternalFile, *, local: Path | str | None,
                 cache_dir: Path | str | None, fetch: bool, timeout_s: float,
                 transport: httpx.BaseTransport | None) -> Path:
    setting = setting_name(profile)
    if local is not None:
        path = Path(local)
        if not path.is_file():
            raise ConfigError(f"local copy {path} of {profile} {file.name} does not exist", field=setting)
        digest = sha256_of(path.read_bytes())
        if digest != file.sha256:
            raise ConfigError(f"local copy {path} of {profile} {file.name} has SHA-256 {digest}, not the pinned "
                              f"{file.sha256} of version {version}: refused", field=setting)
        return path

    cached = cache_path(cache_dir, profile, version, file.name) if cache_dir is not None else None
    problem = ""
    if cached is not None and cached.is_file():
        digest = sha256_of(cached.read_bytes())
        if digest == file.sha256:
            return cached
        problem = f"the cached copy {cached} has SHA-256 {digest}, not the pinned {file.sha256}"
        if not fetch:
            raise ConfigError(f"{problem}; delete it, or allow fetching ({fetch_setting_name(profile)}) to "
                              "download it again", field=setting)

    if not fetch:
        where = f"no cached copy in {cached}" if cached is not None else "no cache directory"
        raise ConfigError(f"the {profile} shapes ({file.name}, version {version}) are not available: no local "
                          f"copy ({setting}), {where}, and fetching {file.url} is not allowed "
                          f"({fetch_setting_name(profile)})", field=setting)

    data = _download(profile, file, timeout_s=timeout_s, transport=transport)
    if cached is None:
        raise ConfigError(f"the {profile} shapes were downloaded but there is no cache directory to keep them in",
                          field=setting)
    try:
        _atomic_write(cached, data)
    except OSError as exc:
        raise ConfigError(f"cannot write the {profile} shapes to the cache {cached}: {exc}", field=setting) from exc
    return cached


def _download(profile: str, file: ExternalFile, *, timeout_s: float,
              transport: httpx.BaseTransport | None) -> bytes:
    """The bytes of *file* from its first URL that answers with the pinned checksum."""
    headers = {"Accept": "text/turtle, application/x-turtle;q=0.9, */*;q=0.1",
               "User-Agent": f"pangraph/{__version__} (shapes loader)"}
    failures = []
    with httpx.Client(timeout=timeout_s, follow_redirects=True, headers=headers, transport=transport) as client:
        for url in file.urls:
            try:
                data = _get(client, url)
            except (httpx.HTTPError, _TooLarge, _BadStatus) as exc:
                failures.append(f"{url}: {type(exc).__name__}: {exc}")
                continue
            digest = sha256_of(data)
            if digest != file.sha256:
                failures.append(f"{url}: SHA-256 {digest}, not the pinned {file.sha256}: refused")
                continue
            return data
    raise ValidationEngineError(f"cannot fetch the {profile} shapes {file.name}: " + "; ".join(failures))


class _BadStatus(Exception):
    """An HTTP answer other than 200."""


class _TooLarge(Exception):
    """A download beyond :data:`MAX_DOWNLOAD_BYTES`."""


def _get(client: httpx.Client, url: str) -> bytes:
    with client.stream("GET", url) as response:
        if response.status_code != 200:
            raise _BadStatus(f"HTTP {response.status_code}")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_DOWNLOAD_BYTES:
                raise _TooLarge(f"larger than {MAX_DOWNLOAD_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
