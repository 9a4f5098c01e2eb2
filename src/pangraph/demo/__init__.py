"""The demo node: sources shipped inside the package (records written by the project in the real
formats, see ``demo/README.md``), built into a store once and reused by later runs."""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from pangraph.archive import RunReport
from pangraph.config import Config, load_config
from pangraph.errors import ConfigError
from pangraph.queries import EXAMPLES
from pangraph.records import RawRecord
from pangraph.resources import package_data
from pangraph.sources import SourceProblem
from pangraph.sources.files import datacite_files, oai_pages, read_files

DEMO_ROOT = package_data("demo")
DEMO_DIR = DEMO_ROOT / "records"


@dataclass(frozen=True)
class DemoSource:
    """One demo source: a set of files in one format."""

    name: str
    kind: str  # "oai-pmh-pages" | "datacite-files"
    metadata_prefix: str
    files: tuple[Path, ...]
    title: str = ""
    facility: str = ""
    format: str = ""  # for kind "files": a key of pangraph.sources.files.FILE_READERS


def demo_sources(root: Path = DEMO_ROOT) -> list[DemoSource]:
    """The demo sources declared in the ``sources.toml`` of every folder of the demo (catalogue
    records, training, software …), folder by folder in name order."""
    out: list[DemoSource] = []
    for manifest in sorted(root.glob("*/sources.toml")):
        out.extend(_manifest_sources(manifest))
    return out


def _manifest_sources(manifest: Path) -> list[DemoSource]:
    folder = manifest.parent
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{manifest}: cannot read the demo manifest: {e}") from None
    out = []
    for t in data.get("sources", []):
        name = t.get("name")
        names = t.get("files")
        if not name or not isinstance(names, list) or not names:
            raise ConfigError(f"{manifest}: every [[sources]] needs a name and a non-empty files list", field="sources")
        files = tuple(folder / f for f in names)
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise ConfigError(f"{manifest}: source {name}: files missing: {missing}", field=f"sources.{name}")
        out.append(DemoSource(name=name, kind=t.get("kind", "oai-pmh-pages"),
                              metadata_prefix=t.get("metadata_prefix", "oai_datacite"), files=files,
                              title=t.get("title", ""), facility=t.get("facility", ""),
                              format=t.get("format", "")))
    return out


def demo_records(src: DemoSource) -> Iterator[RawRecord | SourceProblem]:
    """The raw records of one demo source, read from its files as a harvest would deliver them."""
    if src.kind == "oai-pmh-pages":
        yield from oai_pages(src.files, source=src.name, metadata_prefix=src.metadata_prefix)
    elif src.kind == "datacite-files":
        yield from datacite_files(src.files, source=src.name)
    elif src.kind == "files":
        yield from read_files(src.files, fmt=src.format, source=src.name, metadata_prefix=src.metadata_prefix)
    else:
        raise ConfigError(f"demo source {src.name}: unknown kind {src.kind!r}")


def fingerprint(folder: Path = DEMO_ROOT) -> str:
    """SHA-256 over the demo files: a second build with the same files reuses the store."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".py":
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def demo_config(*, data_dir: str | Path = "var/demo", port: int = 8000, host: str = "127.0.0.1") -> Config:
    """The demo node's configuration: base ``http://127.0.0.1:<port>`` so that every minted IRI
    dereferences on the demo server; PaNET from the small table in the package unless
    ``PANGRAPH_VOCAB_PANET_FILE`` points to a copy."""
    cfg = load_config(None, required=False) if not Path("pangraph.toml").exists() else load_config(None)
    return cfg.with_values(
        node__base=f"http://{host}:{port}",
        node__title="pangraph demo node",
        paths__data=str(Path(data_dir).resolve()),
        server__host=host,
        server__port=port,
    )


def build_demo(
    config: Config,
    *,
    rebuild: bool = False,
    progress: Callable[[str, int], None] | None = None,
):  # noqa: ANN201 - returns (Node, str)
    """Build (or reuse) the demo store; return the open :class:`~pangraph.pipeline.Node` and a
    human-readable report of what was loaded and how it validated."""
    from pangraph.pipeline import Node
    from pangraph.quality import quality_summary

    data_dir = config.data_dir
    if rebuild and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    stamp = data_dir / "demo.fingerprint"
    fp = fingerprint()
    node = Node(config)
    lines: list[str] = []
    if stamp.exists() and stamp.read_text().strip() == fp and node.store.count_quads() > 0:
        lines.append(f"Reusing the demo store in {data_dir} (demo files unchanged; `pangraph demo --rebuild` rebuilds).")
    else:
        node.ensure_ontologies()
        for src in demo_sources():
            report = RunReport(source=src.name, kind="demo")
            run_id = node.archive.start_run(src.name, kind="demo")
            node.ingest(demo_records(src), report=report, progress=progress)
            report.status = "ok" if not report.failed else "partial"
            node.archive.finish_run(run_id, report)
            lines.append(f"{src.name:14} {src.kind:15} {report.summary_line()}")
        if config["dumps.auto"]:  # one dump after all demo sources (Node.after_load does it per run)
            node.write_dumps()
        stamp.write_text(fp)
    lines.append(f"PaNET: {node.techniques.origin}")
    summary = quality_summary(node)
    lines.append(summary.render("text"))
    return node, "\n".join(lines)


def example_queries() -> list[tuple[str, str]]:
    """(title, SPARQL) pairs shown to demo users."""
    return list(EXAMPLES)
