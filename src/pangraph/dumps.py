"""Dumps of the whole graph: gzipped N-Quads (every named graph) in ``{paths.data}/dumps/``.

A dump is regenerated after every run that changed the store (:meth:`pangraph.pipeline.Node.after_load`,
setting ``dumps.auto``) and by ``pangraph export --dump``. It is written to a temporary file in the same
folder and renamed over the old one, so a reader (``GET /dumps/...``) sees either the old dump or the new
one, never half a file. ``dumps.json`` beside it describes each dump (size, SHA-256, quads, time).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from pangraph.config import Config
from pangraph.store import Store

log = logging.getLogger(__name__)

#: the file name of the dump of all graphs
FULL_DUMP = "pangraph.nq.gz"
MANIFEST = "dumps.json"
MEDIA_TYPE = "application/n-quads"
ENCODING = "gzip"


@dataclass(frozen=True)
class DumpInfo:
    """One dump file as ``/dumps`` lists it."""

    name: str
    bytes: int
    sha256: str
    quads: int
    generated: str  # ISO 8601 UTC
    media_type: str = MEDIA_TYPE
    encoding: str = ENCODING
    description: str = "Every named graph of the node (records, provenance, quality, ontologies) as N-Quads"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dumps_dir(config: Config) -> Path:
    """``{paths.data}/dumps``."""
    return config.data_dir / "dumps"


class _Hashing:
    """A binary writer that hashes and counts what passes through it."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_dump(store: Store, config: Config, *, compresslevel: int = 6) -> DumpInfo:
    """Write the gzipped N-Quads dump of every graph of *store* to ``dumps/pangraph.nq.gz`` atomically
    (temporary file + rename) and record it in ``dumps/dumps.json``."""
    folder = dumps_dir(config)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / FULL_DUMP
    quads = store.count_quads()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{FULL_DUMP}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw:
            hashing = _Hashing(raw)
            # mtime=0: the same graph always gives the same bytes (and the same SHA-256)
            with gzip.GzipFile(filename="", mode="wb", fileobj=hashing, compresslevel=compresslevel,  # type: ignore[arg-type]
                               mtime=0) as gz:
                store.dump(gz, format=MEDIA_TYPE)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    info = DumpInfo(name=FULL_DUMP, bytes=hashing.size, sha256=hashing.sha.hexdigest(), quads=quads,
                    generated=datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"))
    _atomic_write(folder / MANIFEST, json.dumps({"dumps": [info.as_dict()]}, indent=2).encode("utf-8"))
    log.info("dump written: %s (%d quads, %d bytes)", target, quads, info.bytes)
    return info


def list_dumps(config: Config) -> list[DumpInfo]:
    """The dumps described by ``dumps.json`` whose file exists (empty when none was written yet)."""
    folder = dumps_dir(config)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as e:
        log.error("unreadable dump manifest %s: %s", folder / MANIFEST, e)
        return []
    out = []
    for entry in manifest.get("dumps", []):
        try:
            info = DumpInfo(**entry)
        except TypeError:
            continue
        if (folder / info.name).is_file() and "/" not in info.name:
            out.append(info)
    return out


def dumps_stamp(config: Config) -> tuple[str, ...]:
    """What identifies the current dumps (name and SHA-256 of each): it changes whenever a load rewrote them."""
    return tuple(f"{d.name}:{d.sha256}" for d in list_dumps(config))
