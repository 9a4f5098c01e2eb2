"""The external ``dcat-ap-3`` profile: the official DCAT-AP 3.0.1 SHACL shapes, pinned, fetched and cached.

Downloads are real HTTP requests to a server on 127.0.0.1 that serves the shared copy of the SEMIC file
(``../shared/specs/dcat-ap/shacl/3.0.1/individual/dcat-ap-SHACL.ttl``); nothing is copied into the project.
The 3.0.0 release of the same file (``../shared/data/other/dcat-ap-3.0.0``) is checked too: the demo's only
Violations against it are its ``sh:class rdfs:Resource`` constraints, which 3.0.1 removed.
"""

from __future__ import annotations

import collections
import hashlib
import threading
import tomllib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from pangraph.config import load_config
from pangraph.errors import ConfigError, ValidationEngineError
from pangraph.resources import project_dir
from pangraph.validate import Profile, Validator, load_profile
from pangraph.validate import external
from pangraph.validate.external import ExternalFile, resolve_external

NAME = "dcat-ap-3"
FILE = "dcat-ap-SHACL.ttl"
VERSION = "3.0.1"
CANONICAL = f"https://semiceu.github.io/DCAT-AP/releases/{VERSION}/shacl/dcat-ap-SHACL.ttl"


@pytest.fixture(scope="module")
def shared_shapes(shared_data: Path) -> Path:
    path = shared_data.parent / "specs" / "dcat-ap" / "shacl" / VERSION / "individual" / FILE
    if not path.is_file():
        pytest.fail(f"the shared DCAT-AP {VERSION} shapes are missing: {path}")
    return path


@pytest.fixture(scope="module")
def shapes_300(shared_data: Path) -> Path:
    path = shared_data / "other" / "dcat-ap-3.0.0" / FILE
    if not path.is_file():
        pytest.fail(f"the shared DCAT-AP 3.0.0 shapes are missing: {path}")
    return path


class _Server:
    """A local HTTP server: ``/good`` the shared file, ``/bad`` the same file with one byte changed,
    anything else 404; counts requests per path."""

    def __init__(self, body: bytes) -> None:
        hits: collections.Counter[str] = collections.Counter()
        bad = body.replace(b"shacl:minCount 1", b"shacl:minCount 2", 1)
        assert bad != body

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                hits[self.path] += 1
                data = {"/good": body, "/bad": bad}.get(self.path)
                if data is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def server(shared_shapes: Path) -> Iterator[_Server]:
    s = _Server(shared_shapes.read_bytes())
    yield s
    s.close()


def _pinned() -> str:
    meta = tomllib.loads((project_dir("shapes") / NAME / "profile.toml").read_text(encoding="utf-8"))
    return meta["fetch"][FILE]["sha256"]


def _file(url: str, *mirrors: str) -> ExternalFile:
    return ExternalFile(name=FILE, url=url, sha256=_pinned(), mirrors=mirrors)


# --- the profile declaration --------------------------------------------------------------------------------

def test_profile_declares_canonical_url_version_and_the_shared_copys_checksum(shared_shapes: Path):
    meta = tomllib.loads((project_dir("shapes") / NAME / "profile.toml").read_text(encoding="utf-8"))
    assert meta["external"] is True
    assert meta["version"] == VERSION
    assert meta["files"] == [FILE]
    assert meta["fetch"][FILE]["url"] == CANONICAL
    assert meta["fetch"][FILE]["sha256"] == hashlib.sha256(shared_shapes.read_bytes()).hexdigest()
    assert not (project_dir("shapes") / NAME / FILE).exists(), "the official shapes must never be committed"


def test_local_copy_loads_as_a_profile(shared_shapes: Path):
    profile = load_profile(NAME, files_override={FILE: shared_shapes})
    assert (profile.name, profile.version, profile.external) == (NAME, VERSION, True)
    assert profile.files == (shared_shapes,)
    assert len(profile.shapes) > 1000


def test_local_copy_with_another_checksum_is_refused(tmp_path: Path, shared_shapes: Path):
    changed = tmp_path / FILE
    changed.write_bytes(shared_shapes.read_bytes() + b"\n# changed\n")
    with pytest.raises(ConfigError, match="not the pinned"):
        load_profile(NAME, files_override={FILE: changed})
    with pytest.raises(ConfigError, match="does not exist"):
        load_profile(NAME, files_override={FILE: tmp_path / "missing.ttl"})
    with pytest.raises(ConfigError, match="no shape file"):
        load_profile(NAME, files_override={"other.ttl": shared_shapes})


def test_no_local_copy_no_cache_no_fetching_is_a_clear_error(tmp_path: Path):
    cfg = load_config(None, environ={}).with_values(paths__data=str(tmp_path / "data"))
    with pytest.raises(ConfigError) as info:
        load_profile(NAME, config=cfg)
    text = str(info.value)
    assert "validation.dcat_ap_3.file" in text and "validation.dcat_ap_3.fetch" in text and CANONICAL in text
    with pytest.raises(ConfigError, match="no cache directory"):
        load_profile(NAME)


def test_committed_profiles_cannot_be_overridden(shared_shapes: Path):
    with pytest.raises(ConfigError, match="not external"):
        load_profile("pan-dataset", files_override={FILE: shared_shapes})


def test_fetch_declaration_is_checked(tmp_path: Path):
    folder = tmp_path / NAME
    folder.mkdir()
    text = (project_dir("shapes") / NAME / "profile.toml").read_text(encoding="utf-8")
    (folder / "profile.toml").write_text(text.replace(_pinned(), "abc"), encoding="utf-8")
    with pytest.raises(ConfigError, match="64 hexadecimal"):
        load_profile(NAME, shapes_dir=tmp_path, fetch=True)
    (folder / "profile.toml").write_text(text.replace(CANONICAL, "ftp://example.org/x.ttl"), encoding="utf-8")
    with pytest.raises(ConfigError, match="http"):
        load_profile(NAME, shapes_dir=tmp_path, fetch=True)


# --- fetching and the cache ------------------------------------------------------------------------------

def test_fetch_writes_the_cache_and_the_cache_is_reused(tmp_path: Path, server: _Server, shared_shapes: Path):
    cache = tmp_path / "cache"
    (path,) = resolve_external(NAME, VERSION, [_file(server.base + "/good")], cache_dir=cache, fetch=True)
    assert path == cache / "shapes" / NAME / VERSION / FILE
    assert path.read_bytes() == shared_shapes.read_bytes()
    assert server.hits["/good"] == 1
    # cached: no second request, with or without permission to fetch
    assert resolve_external(NAME, VERSION, [_file(server.base + "/good")], cache_dir=cache, fetch=True) == (path,)
    assert resolve_external(NAME, VERSION, [_file(server.base + "/good")], cache_dir=cache) == (path,)
    assert server.hits["/good"] == 1


def test_checksum_mismatch_of_a_download_is_refused_and_not_cached(tmp_path: Path, server: _Server):
    cache = tmp_path / "cache"
    with pytest.raises(ValidationEngineError, match="not the pinned"):
        resolve_external(NAME, VERSION, [_file(server.base + "/bad")], cache_dir=cache, fetch=True)
    assert server.hits["/bad"] == 1
    assert not external.cache_path(cache, NAME, VERSION, FILE).exists()
    assert not any(p.is_file() for p in cache.rglob("*")) if cache.exists() else True


def test_mirror_is_tried_when_the_canonical_url_fails(tmp_path: Path, server: _Server):
    cache = tmp_path / "cache"
    (path,) = resolve_external(NAME, VERSION, [_file(server.base + "/gone", server.base + "/bad",
                                                      server.base + "/good")], cache_dir=cache, fetch=True)
    assert (server.hits["/gone"], server.hits["/bad"], server.hits["/good"]) == (1, 1, 1)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == _pinned()
    with pytest.raises(ValidationEngineError, match="HTTP 404"):
        resolve_external(NAME, VERSION, [_file(server.base + "/gone")], cache_dir=tmp_path / "other", fetch=True)


def test_a_corrupted_cache_is_refused_offline_and_replaced_when_fetching(tmp_path: Path, server: _Server):
    cache = tmp_path / "cache"
    cached = external.cache_path(cache, NAME, VERSION, FILE)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"@prefix x: <urn:x#> .\n")
    with pytest.raises(ConfigError, match="cached copy"):
        resolve_external(NAME, VERSION, [_file(server.base + "/good")], cache_dir=cache)
    resolve_external(NAME, VERSION, [_file(server.base + "/good")], cache_dir=cache, fetch=True)
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == _pinned()


def test_load_profile_fetches_into_the_node_cache_then_works_offline(tmp_path: Path, server: _Server):
    """The real profile.toml, with its canonical URL pointed at the local server, fetched through the
    configuration; then the project's own profile loads offline from the same cache."""
    shapes = tmp_path / "shapes"
    (shapes / NAME).mkdir(parents=True)
    text = (project_dir("shapes") / NAME / "profile.toml").read_text(encoding="utf-8")
    assert CANONICAL in text
    (shapes / NAME / "profile.toml").write_text(text.replace(CANONICAL, server.base + "/good"), encoding="utf-8")
    cfg = load_config(None, environ={}).with_values(paths__data=str(tmp_path / "data"))
    fetched = load_profile(NAME, shapes_dir=shapes, config=cfg, fetch=True)
    assert fetched.files == (cfg.cache_dir / "shapes" / NAME / VERSION / FILE,)
    offline = load_profile(NAME, config=cfg)  # the project's profile: canonical URL, never contacted
    assert offline.files == fetched.files and len(offline.shapes) == len(fetched.shapes)
    assert server.hits["/good"] == 1


# --- validation with the official shapes -------------------------------------------------------------------

_DATASET = """\
<https://doi.org/10.1234/abc> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> .
<https://doi.org/10.1234/abc> <http://purl.org/dc/terms/title> "Diffraction of a crystal"@en .
<https://doi.org/10.1234/abc> <http://purl.org/dc/terms/description> "Powder diffraction at 300 K."@en .
"""


def test_validator_runs_the_official_shapes(shared_shapes: Path):
    validator = Validator([load_profile(NAME, files_override={FILE: shared_shapes})])
    assert validator.profile_versions == {NAME: VERSION}
    no_description = "\n".join(line for line in _DATASET.splitlines() if "/description>" not in line) + "\n"
    two_issued = _DATASET + ('<https://doi.org/10.1234/abc> <http://purl.org/dc/terms/issued> '
                             '"2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
                             '<https://doi.org/10.1234/abc> <http://purl.org/dc/terms/issued> '
                             '"2021-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n')
    reports = validator.validate({"urn:g:ok": _DATASET, "urn:g:nodesc": no_description, "urn:g:issued": two_issued})
    assert reports["urn:g:ok"].conforms, reports["urn:g:ok"].results
    (missing,) = [r for r in reports["urn:g:nodesc"].results if r.severity == "Violation"]
    assert missing.path == "http://purl.org/dc/terms/description"
    assert missing.component.endswith("MinCountConstraintComponent")
    assert missing.focus == "https://doi.org/10.1234/abc"
    (twice,) = [r for r in reports["urn:g:issued"].results if r.severity == "Violation"]
    assert twice.path == "http://purl.org/dc/terms/issued"
    assert twice.component.endswith("MaxCountConstraintComponent")


# --- the demo's datasets against DCAT-AP 3 ------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_graphs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The record graphs the crosswalk makes of every demo source (datasets, documents, instruments,
    training, software: every ``dcat:Dataset``, ``dcat:Distribution``, agent … in them is a target of the
    official shapes), as validated before loading (no Oxigraph canonicalisation)."""
    from pangraph.crosswalk import CrosswalkContext, crosswalk_record
    from pangraph.demo import build_demo, demo_config, demo_records, demo_sources
    from pangraph.rdf import ntriples
    from pangraph.records import RawRecord

    node, _ = build_demo(demo_config(data_dir=tmp_path_factory.mktemp("dcat-ap-demo")))
    try:
        graphs: dict[str, str] = {}
        for src in demo_sources():
            ctx = CrosswalkContext(base=node.config.base, source=src.name, techniques=node.techniques,
                                   mappings=node.mappings)
            for rec in demo_records(src):
                if isinstance(rec, RawRecord) and not rec.deleted:
                    graphs[f"urn:demo:{src.name}:{rec.identifier}"] = ntriples(crosswalk_record(rec, ctx=ctx).triples)
    finally:
        node.close()
    return graphs


def _violations(profile: Profile, graphs: dict[str, str]) -> collections.Counter:
    """Counter of (source shape, path, component) → Violations of *graphs* against *profile*."""
    reports = Validator([profile]).validate(graphs)
    return collections.Counter(
        (r.source_shape.rsplit("#", 1)[-1].split("/")[0], r.path, r.component.rsplit("#", 1)[-1])
        for rep in reports.values() for r in rep.results if r.severity == "Violation")


def test_demo_datasets_conform_to_dcat_ap_3(demo_graphs: dict[str, str], shared_shapes: Path):
    assert len(demo_graphs) >= 120
    datasets = sum("<http://www.w3.org/ns/dcat#Dataset>" in text for text in demo_graphs.values())
    assert datasets >= 80
    violations = _violations(load_profile(NAME, files_override={FILE: shared_shapes}), demo_graphs)
    assert not violations, "\n".join(f"{n} × {key}" for key, n in sorted(violations.items()))


def test_demo_against_3_0_0_fails_only_its_rdfs_resource_class_constraints(demo_graphs: dict[str, str],
                                                                              shapes_300: Path):
    """Why the profile pins 3.0.1: DCAT-AP 3.0.0 requires ``sh:class rdfs:Resource`` of IRI values such as
    ``dcat:accessURL``, which no data satisfies without RDFS entailment (SEMIC replaced those constraints in
    3.0.1). Against 3.0.0 the demo fails those constraints and nothing else."""
    import rdflib

    shapes = rdflib.Graph().parse(shapes_300, format="turtle")
    profile = Profile(name=NAME, version="3.0.0", title="DCAT-AP 3.0.0", description="3.0.0", files=(shapes_300,),
                      iri="urn:test:dcat-ap-3.0.0", shapes=shapes, external=True)
    violations = _violations(profile, demo_graphs)
    assert violations, "the 3.0.0 rdfs:Resource constraints should fail"
    resource_paths = {str(o) for s, o in shapes.subject_objects(rdflib.URIRef("http://www.w3.org/ns/shacl#path"))
                      if (s, rdflib.URIRef("http://www.w3.org/ns/shacl#class"), rdflib.RDFS.Resource) in shapes}
    other = {key: n for key, n in violations.items()
             if not (key[2] == "ClassConstraintComponent" and key[1] in resource_paths)}
    assert not other, other
    assert {key[1] for key in violations} >= {"http://www.w3.org/ns/dcat#accessURL"}


def test_shared_datacite_samples_conform_to_dcat_ap_3(shared_data: Path, shared_shapes: Path):
    """Real DataCite records (ESRF, the kernel 4.3/4.7 examples with geolocations, themes, related
    identifiers of every kind) crosswalked: no DCAT-AP 3.0.1 Violation."""
    from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
    from pangraph.rdf import ntriples
    from pangraph.sources.files import datacite_files
    from pangraph.vocab import TechniqueIndex

    files = sorted(p for p in (shared_data / "datacite").rglob("*.xml") if "xsd" not in p.parts[-2])
    ctx = CrosswalkContext(base="http://pan.test", source="dc", techniques=TechniqueIndex.from_table(),
                           mappings=load_mappings())
    graphs = {f"urn:dc:{rec.identifier}": ntriples(crosswalk_record(rec, ctx=ctx).triples)
              for rec in datacite_files(files, source="dc")}
    assert len(graphs) >= 10
    assert any("http://www.w3.org/ns/dcat#centroid" in t for t in graphs.values())
    assert any("http://www.w3.org/ns/dcat#theme" in t for t in graphs.values())
    violations = _violations(load_profile(NAME, files_override={FILE: shared_shapes}), graphs)
    assert not violations, "\n".join(f"{n} × {key}" for key, n in sorted(violations.items()))
