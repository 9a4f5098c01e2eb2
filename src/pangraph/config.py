"""Node configuration: ``pangraph.toml`` plus ``PANGRAPH_*`` environment overrides.

Every setting is declared once, in :data:`SETTINGS`, with its type, default and help text;
the CLI (``pangraph config``), the README and the ``/api/config`` endpoint are all fed from it.
Nothing here runs at import time: :func:`load_config` is called at the edge (CLI, app factory).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pangraph.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One configuration setting: dotted name in the TOML file, type, default, documentation."""

    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "PANGRAPH_" + self.name.upper().replace(".", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("node.base", str, "http://127.0.0.1:8000",
            "Base IRI of the node: minted IRIs are {base}/id/..., graphs {base}/graph/... . "
            "Must be where the node is served, so that every minted IRI dereferences."),
    Setting("node.title", str, "pangraph PaN knowledge graph", "Human-readable name of the node."),
    Setting("node.description", str,
            "Open datasets, training and software of the Photon and Neutron facilities as one linked graph.",
            "Description shown on the landing page and in machine-readable descriptions."),
    Setting("node.publisher", str, "", "IRI of the organisation running the node (e.g. its ROR IRI)."),
    Setting("node.publisher_name", str, "",
            "Name of the organisation running the node (foaf:name of the catalogue's dct:publisher). Empty: the "
            "node's title."),
    Setting("paths.data", str, "var/pangraph",
            "Directory holding the store, the raw-record archive, locks and caches (relative to the config file)."),
    Setting("store.backend", str, "oxigraph",
            "Store adapter: 'oxigraph' (embedded, on disk) or 'sparql' (a SPARQL 1.1 Query/Update + Graph Store "
            "Protocol server: the store.*_endpoint settings; see docs/scaling.md)."),
    Setting("store.path", str, "",
            "Directory of the embedded Oxigraph store; empty means {paths.data}/store."),
    Setting("store.server", str, "generic",
            "Kind of SPARQL server behind store.backend = 'sparql': 'oxigraph' (Oxigraph server: bulk loads POST "
            "N-Quads to its /store, queries ask for union-default-graph), 'virtuoso' (its default graph is already "
            "the union; its system graphs are ignored) or 'generic' (any SPARQL 1.1 + Graph Store Protocol server "
            "whose default graph is the union of its named graphs)."),
    Setting("store.query_endpoint", str, "",
            "SPARQL 1.1 Query endpoint of the remote store (e.g. http://127.0.0.1:7878/query, "
            "http://host:8890/sparql-auth)."),
    Setting("store.update_endpoint", str, "",
            "SPARQL 1.1 Update endpoint of the remote store; empty: store.query_endpoint."),
    Setting("store.gsp_endpoint", str, "",
            "Graph Store Protocol endpoint of the remote store (e.g. http://127.0.0.1:7878/store, "
            "http://host:8890/sparql-graph-crud-auth); empty: graphs are read and written with SPARQL only."),
    Setting("store.write", str, "auto",
            "How the remote store receives new triples (apply, bulk_load): 'nquads' (POST N-Quads of the whole "
            "batch to store.gsp_endpoint: Oxigraph server), 'gsp' (POST N-Triples per graph), 'update' (INSERT DATA "
            "in requests of at most store.chunk_bytes) or 'auto': the server's fastest path (oxigraph: nquads, "
            "virtuoso and generic: gsp when store.gsp_endpoint is set, else update)."),
    Setting("store.chunk_bytes", int, 4_000_000,
            "Largest request body the remote store is sent in one write (bulk loads are streamed in chunks of "
            "this size)."),
    Setting("store.graph_prefix", str, "",
            "Only named graphs whose IRI starts with this prefix belong to the node on a remote store (listing, "
            "counting, dumps); empty: {node.base}/graph/. Lets the node share a server with other data."),
    Setting("store.user", str, "",
            "User of the remote store's endpoints (HTTP digest or basic authentication, see store.auth); empty: none."),
    Setting("store.password", str, "",
            "Password of store.user (prefer the environment variable PANGRAPH_STORE_PASSWORD to the file)."),
    Setting("store.auth", str, "digest",
            "HTTP authentication scheme for store.user: 'digest' (Virtuoso's *-auth endpoints) or 'basic'."),
    Setting("store.timeout_s", float, 300.0,
            "Time limit of one request to the remote store (writes, library queries), in seconds. Public "
            "/sparql queries use server.query_timeout_s instead."),
    Setting("vocab.panet.file", str, "",
            "Local copy of PaNET (RDF/XML or Turtle). Empty: use the cache of vocab.panet.url, "
            "or the small technique table shipped with the package when offline."),
    Setting("vocab.panet.url", str, "http://purl.org/pan-science/PaNET/PaNET.owl",
            "Canonical location of PaNET, fetched once into the cache when vocab.panet.fetch is true."),
    Setting("vocab.panet.version", str, "1.3.0", "PaNET version the node is pinned to (owl:versionInfo)."),
    Setting("vocab.panet.sha256", str, "",
            "Expected SHA-256 of the fetched PaNET file; a mismatch refuses the file. Empty: not checked."),
    Setting("vocab.panet.fetch", bool, False,
            "Allow fetching vocab.panet.url over the network when no local copy or cache exists."),
    Setting("vocab.panet.timeout_s", float, 60.0, "HTTP timeout of the PaNET download, in seconds."),
    Setting("validation.profiles", list, ["pan-dataset", "training", "software"],
            "SHACL profiles (in shapes/) run on every load; each targets its own classes (datasets, training, software)."),
    Setting("validation.engine", str, "fast",
            "SHACL engine: 'fast' (the shapes compiled to SPARQL and run in a scratch Oxigraph store, pySHACL for "
            "any shape it cannot compile; the same results as pySHACL, many times faster) or 'pyshacl' (the "
            "reference engine)."),
    Setting("validation.dcat_ap_3.file", str, "",
            "Local copy of the official DCAT-AP shapes file (dcat-ap-SHACL.ttl) of the external profile 'dcat-ap-3'; "
            "its SHA-256 must be the one pinned in shapes/dcat-ap-3/profile.toml. Empty: the cached copy, or a "
            "download when validation.dcat_ap_3.fetch is true."),
    Setting("validation.dcat_ap_3.fetch", bool, False,
            "Allow downloading the DCAT-AP shapes of the profile 'dcat-ap-3' (checked against the pinned SHA-256, "
            "then cached) when there is no local or cached copy."),
    Setting("server.host", str, "127.0.0.1", "Interface `pangraph serve` binds to."),
    Setting("server.port", int, 8000, "Port `pangraph serve` listens on."),
    Setting("server.query_timeout_s", float, 30.0, "Time limit of one public SPARQL query, in seconds."),
    Setting("server.max_body_bytes", int, 1_000_000, "Largest request body accepted, in bytes."),
    Setting("search.path", str, "",
            "SQLite file of the full-text search index (/search, /api/search), kept in sync by the pipeline; "
            "relative to paths.data. Empty: {paths.data}/search.sqlite. Rebuild with `pangraph index --rebuild`."),
    Setting("sparql.workers", int, 4,
            "Worker processes that evaluate public SPARQL queries = the most queries evaluated at once; a query past "
            "server.query_timeout_s has its worker killed. 0 runs queries in threads of the server, one per core (the "
            "client gets its 503 at the limit, but the query runs on: Oxigraph cannot be interrupted)."),
    Setting("sparql.queue_timeout_s", float, 2.0,
            "How long a query waits for a free worker when all are busy before it gets 503 with Retry-After."),
    Setting("sparql.max_rows", int, 10_000,
            "Most solutions (SELECT) or triples (CONSTRUCT/DESCRIBE) in one SPARQL result; a longer result is cut "
            "and answered with the header X-Pangraph-Truncated: true. 0: no limit."),
    Setting("federation.peers", list, [],
            "SPARQL endpoints of peer nodes that SERVICE may call (exact URLs). SERVICE to any other IRI is "
            "refused with 400 before the query runs."),
    Setting("federation.timeout_s", float, 10.0,
            "Time limit of a query to a peer from the command line (`pangraph peers check`, and `pangraph query` "
            "when it uses SERVICE, and the link suggestions' peer queries of GET /links/suggestions?peers=true), in "
            "seconds; a peer that is slow or down is reported, never waited for."),
    Setting("links.tokens", list, [],
            "Bearer tokens allowed to write to the link API, as NAME:SHA256 entries (the SHA-256 hex digest of the "
            "token, never the token); `pangraph token NAME` prints a new token and its entry."),
    Setting("links.oidc.issuer", str, "",
            "OIDC issuer (iss) whose JWT access tokens may write to the link API (e.g. EOSC AAI). Empty: no OIDC."),
    Setting("links.oidc.audience", str, "", "Audience (aud) an OIDC access token must carry for this node."),
    Setting("links.oidc.jwks_url", str, "",
            "The issuer's JWKS URL: the only place the node fetches signing keys from (timeout, 256 kB limit)."),
    Setting("links.oidc.jwks_cache_s", float, 600.0, "How long the fetched JWKS is kept, in seconds."),
    Setting("links.oidc.timeout_s", float, 5.0, "HTTP timeout of a JWKS fetch, in seconds."),
    Setting("links.registries", list, ["https://doi.org"],
            "Registries (base URLs) a link target may be checked against (POST /links?check=true), besides the "
            "hosts of federation.peers; no other host is ever contacted."),
    Setting("links.check_timeout_s", float, 5.0, "HTTP timeout of checking a link target, in seconds."),
    Setting("links.check_max_bytes", int, 1_000_000, "Most bytes read when checking a link target."),
    Setting("oai.repository_identifier", str, "",
            "repositoryIdentifier of the OAI-PMH provider at /oai: OAI identifiers are "
            "oai:{repositoryIdentifier}:{source}/{key}. Empty: the host[:port] of node.base."),
    Setting("oai.page_size", int, 100, "Records (or headers) per OAI-PMH list response; the rest via resumptionToken."),
    Setting("oai.admin_email", list, [],
            "adminEmail(s) of the OAI-PMH Identify response. Empty: pangraph@{host of node.base}, which is only "
            "valid when that host is a domain name: set it on a public node."),
    Setting("oai.token_secret", str, "",
            "Key that signs OAI-PMH resumption tokens (HMAC-SHA256): tokens are stateless and survive restarts. "
            "Empty: a random key kept in {paths.data}/oai-token.key (made on first use)."),
    Setting("server.log_format", str, "text",
            "Log lines of `pangraph serve` (and every command): 'text', or 'json' (one JSON object per line: time, "
            "level, logger, message; access logs add method, path, route, status, duration_ms). --json-logs forces json."),
    Setting("server.access_log", bool, True, "Log one line per HTTP request (logger pangraph.access) in `pangraph serve`."),
    Setting("server.description_cache_s", float, 300.0,
            "How long the node keeps what it computes by scanning the store for /.well-known/void, /sitemap.xml, the "
            "order of /catalog and the store size of /metrics, in seconds (a new dump also renews them)."),
    Setting("catalog.page_size", int, 100, "Datasets per page of the DCAT-AP catalogue at /catalog (?page=N)."),
    Setting("dumps.auto", bool, True,
            "Regenerate the gzipped N-Quads dump ({paths.data}/dumps/) after every run that changed the store."),
    Setting("dumps.auto_max_records", int, 20_000,
            "With dumps.auto: above this many stored records a run leaves the dump as it is (a full dump costs "
            "~15 s per million quads, ~30 min at 600k records) and logs it; export on a schedule instead "
            "(pangraph export --dump). 0: no limit."),
    Setting("sitemap.max_urls", int, 50_000,
            "URLs per sitemap file (the protocol's limit is 50,000); more pages make /sitemap.xml a sitemap index."),
    Setting("harvest.batch_size", int, 500,
            "Records archived and loaded per batch: each batch is committed to the archive, then crosswalked, "
            "validated and written to the store in one transaction."),
    Setting("ingest.workers", int, 0,
            "Processes that crosswalk, validate and score records during a load (pangraph.prepare): 0 means one "
            "per CPU core, 1 means none (everything in the process that writes the store)."),
    Setting("ingest.parallel_min", int, 2000,
            "Worker processes are started only once a run has fed this many records to loading (starting them "
            "costs about a second; small runs stay in one process)."),
    Setting("harvest.timeout_s", float, 60.0, "HTTP timeout of one harvest request, in seconds."),
    Setting("harvest.max_retries", int, 5, "Retries of a transient HTTP failure (timeout, 5xx, 429) before giving up."),
    Setting("harvest.max_delay_s", float, 600.0,
            "Longest wait between retries; a Retry-After beyond it gives up (run again later)."),
    Setting("harvest.backoff_s", float, 2.0, "First back-off delay between retries (doubles each retry)."),
)

_BY_NAME = {s.name: s for s in SETTINGS}

# Keys allowed in one [sources.NAME] table, with their meaning. `kind` picks the protocol; the keys a
# kind accepts are listed in SOURCE_KINDS.
SOURCE_KEYS: dict[str, str] = {
    "kind": "Protocol of the source (default 'oai-pmh'); see the kinds below.",
    "url": "Base URL of the endpoint (every kind but 'files').",
    "metadata_prefix": "OAI-PMH metadataPrefix: oai_datacite | datacite | oai_dc | rdf (TeSS Bioschemas RDF/XML).",
    "set": "OAI set to harvest (optional).",
    "from": "Earliest datestamp to harvest on the very first run (optional).",
    "facility": "Facility that the source belongs to (a name or a ROR IRI), stored in provenance.",
    "title": "Human-readable name of the source.",
    "entities": "JSON APIs: which collections to harvest (e.g. [\"Datasets\", \"Documents\", \"Instruments\"]).",
    "page_size": "JSON APIs: records per page (default 100).",
    "client_id": "datacite-rest: the DataCite client (repository) id, e.g. 'inist.esrf'.",
    "query": "datacite-rest: an extra DataCite query (`query=` parameter).",
    "path": "files: a file, folder or glob (relative to the config file).",
    "format": "files: the format of the files (see the 'files' kind).",
    "timeout_s": "Per-source HTTP timeout in seconds (overrides harvest.timeout_s).",
    "peer_base": "pangraph-node: the peer's node.base (default: url without a trailing /oai), for provenance.",
}

#: kind → (keys it accepts besides kind/title/facility/from, keys it needs, what it is)
SOURCE_KINDS: dict[str, tuple[frozenset[str], frozenset[str], str]] = {
    "oai-pmh": (frozenset({"url", "metadata_prefix", "set", "timeout_s"}), frozenset({"url"}),
                "OAI-PMH 2.0 (ICAT, SciCat, DataCite, TeSS providers)"),
    "panosc-search-api": (frozenset({"url", "entities", "page_size", "timeout_s"}), frozenset({"url"}),
                          "PaNOSC search API (LoopBack JSON: /Datasets, /Documents, /Instruments)"),
    "scicat": (frozenset({"url", "entities", "page_size", "timeout_s"}), frozenset({"url"}),
               "SciCat backend REST API (Datasets, PublishedData, Instruments, Proposals, Samples, OrigDatablocks)"),
    "datacite-rest": (frozenset({"url", "client_id", "query", "page_size", "timeout_s"}), frozenset({"url"}),
                      "DataCite REST API /dois pages (JSON), following links.next"),
    "tess": (frozenset({"url", "entities", "page_size", "timeout_s"}), frozenset({"url"}),
             "TeSS JSON-API (materials, events), following links.next"),
    "files": (frozenset({"path", "format", "metadata_prefix"}), frozenset({"path", "format"}),
              "local files in a known format (dumps, CodeMeta, CITATION.cff, curated software lists …)"),
    "pangraph-node": (frozenset({"url", "set", "peer_base", "timeout_s"}), frozenset({"url"}),
                      "another pangraph node's OAI-PMH provider (format rdf: its record graphs as they are)"),
}
COMMON_SOURCE_KEYS = frozenset({"kind", "title", "facility", "from"})


@dataclass(frozen=True)
class SourceConfig:
    """One declared source: ``[sources.NAME]`` in pangraph.toml. Kind-specific keys are in ``options``."""

    name: str
    url: str = ""
    kind: str = "oai-pmh"
    metadata_prefix: str = "oai_datacite"
    set: str | None = None
    from_: str | None = None
    facility: str | None = None
    title: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


_SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_PREFIXES = ("oai_datacite", "datacite", "oai_dc", "rdf")


@dataclass(frozen=True)
class Config:
    """The resolved configuration of a node. Build it with :func:`load_config`."""

    values: dict[str, Any]
    sources: dict[str, SourceConfig] = field(default_factory=dict)
    root: Path = Path(".")
    path: Path | None = None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def base(self) -> str:
        return self.values["node.base"].rstrip("/")

    @property
    def data_dir(self) -> Path:
        return _resolve(self.root, self.values["paths.data"])

    @property
    def store_path(self) -> Path:
        p = self.values["store.path"]
        return _resolve(self.root, p) if p else self.data_dir / "store"

    @property
    def archive_path(self) -> Path:
        return self.data_dir / "archive.sqlite"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    def resolve_path(self, value: str) -> Path:
        return _resolve(self.root, value)

    def with_values(self, **overrides: Any) -> "Config":
        """A copy with some settings replaced; keys use '__' for '.' (``node__base=...``)."""
        vals = dict(self.values)
        for k, v in overrides.items():
            name = k.replace("__", ".")
            if name not in _BY_NAME:
                raise ConfigError(f"unknown setting {name!r}")
            vals[name] = _coerce(_BY_NAME[name], v, origin="override")
        return Config(values=vals, sources=self.sources, root=self.root, path=self.path)

    def with_sources(self, sources: dict[str, SourceConfig]) -> "Config":
        return Config(values=self.values, sources=sources, root=self.root, path=self.path)


def _resolve(root: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (root / p)


def _coerce(setting: Setting, value: Any, *, origin: str) -> Any:
    t = setting.type
    try:
        if t is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        if t is list:
            if isinstance(value, list):
                return [str(v) for v in value]
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            raise ValueError(value)
        if t is int and isinstance(value, bool):
            raise ValueError(value)
        return t(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{origin}: setting {setting.name!r} must be of type {t.__name__}, got {value!r}",
            field=setting.name,
        ) from None


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in table.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and name not in _BY_NAME:
            out.update(_flatten(v, name + "."))
        else:
            out[name] = v
    return out


def _parse_sources(raw: Any, origin: str) -> dict[str, SourceConfig]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin}: [sources] must be a table of [sources.NAME] tables", field="sources")
    out: dict[str, SourceConfig] = {}
    for name, table in raw.items():
        where = f"sources.{name}"
        if not _SOURCE_NAME.match(name):
            raise ConfigError(f"{origin}: source name {name!r} must match {_SOURCE_NAME.pattern}", field=where)
        if not isinstance(table, dict):
            raise ConfigError(f"{origin}: [{where}] must be a table", field=where)
        kind = table.get("kind", "oai-pmh")
        if kind not in SOURCE_KINDS:
            raise ConfigError(f"{origin}: [{where}] kind {kind!r} is not one of {sorted(SOURCE_KINDS)}",
                              field=f"{where}.kind")
        allowed, needed, _ = SOURCE_KINDS[kind]
        unknown = set(table) - allowed - COMMON_SOURCE_KEYS
        if unknown:
            raise ConfigError(
                f"{origin}: unknown key(s) {sorted(unknown)} in [{where}] (kind {kind}); allowed: "
                f"{sorted(allowed | COMMON_SOURCE_KEYS)}", field=where)
        missing = needed - set(table)
        if missing:
            raise ConfigError(f"{origin}: [{where}] (kind {kind}) needs {sorted(missing)}", field=where)
        url = table.get("url", "")
        if "url" in needed and (not isinstance(url, str) or not re.match(r"^https?://", url)):
            raise ConfigError(f"{origin}: [{where}] needs url = \"http(s)://...\"", field=f"{where}.url")
        prefix = table.get("metadata_prefix", "oai_datacite")
        if kind == "oai-pmh" and prefix not in _PREFIXES:
            raise ConfigError(
                f"{origin}: [{where}] metadata_prefix {prefix!r} not one of {list(_PREFIXES)}",
                field=f"{where}.metadata_prefix",
            )
        options = {k: v for k, v in table.items()
                   if k not in COMMON_SOURCE_KEYS and k not in ("url", "metadata_prefix", "set")}
        out[name] = SourceConfig(
            name=name,
            url=url,
            kind=kind,
            metadata_prefix=prefix,
            set=table.get("set") or None,
            from_=table.get("from") or None,
            facility=table.get("facility") or None,
            title=table.get("title") or None,
            options=options,
        )
    return out


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: dict[str, str] | None = None,
    required: bool = False,
) -> Config:
    """Read the TOML file at *path* (default ``./pangraph.toml`` if it exists), apply ``PANGRAPH_*``
    overrides from *environ*, check every value, and return the :class:`Config`.

    Unknown keys, wrong types and bad sources raise :class:`ConfigError` naming the file and key.
    """
    env = os.environ if environ is None else environ
    if path is None:
        path = env.get("PANGRAPH_CONFIG") or "pangraph.toml"
        if not Path(path).exists() and not required:
            path = None
    raw: dict[str, Any] = {}
    file_path: Path | None = None
    origin = "defaults"
    if path is not None:
        file_path = Path(path).resolve()
        origin = str(file_path)
        try:
            raw = tomllib.loads(file_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {file_path} does not exist") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{file_path}: not valid TOML: {e}") from None
    sources_raw = raw.pop("sources", None)
    values = {s.name: s.default for s in SETTINGS}
    for name, v in _flatten(raw).items():
        if name not in _BY_NAME:
            raise ConfigError(f"{origin}: unknown setting {name!r} (see `pangraph config`)", field=name)
        values[name] = _coerce(_BY_NAME[name], v, origin=origin)
    for s in SETTINGS:
        if s.env in env:
            values[s.name] = _coerce(s, env[s.env], origin=f"environment variable {s.env}")
    base = values["node.base"]
    if not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", base):
        raise ConfigError(f"{origin}: node.base must be an absolute http(s) IRI, got {base!r}", field="node.base")
    root = file_path.parent if file_path else Path.cwd()
    return Config(values=values, sources=_parse_sources(sources_raw, origin), root=root, path=file_path)


def describe_settings(render: Callable[[Setting], str] | None = None) -> list[str]:
    """One line per setting (name, env var, default, help), for docs and `pangraph config`."""
    render = render or (lambda s: f"{s.name} ({s.env}, default {s.default!r}): {s.help}")
    return [render(s) for s in SETTINGS]


def settings_markdown() -> str:
    """The settings as a Markdown table (README's settings section is generated from it)."""
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default!r}`" if s.default != "" else "(empty)"
        text = s.help.replace("|", "\\|")
        rows.append(f"| `{s.name}` | `{s.env}` | {default} | {text} |")
    rows.append("")
    rows.append("Keys of a `[sources.NAME]` table:")
    rows.append("")
    for k, v in SOURCE_KEYS.items():
        rows.append(f"- `{k}`: {v}")
    rows.append("")
    rows.append("Source kinds (`kind = ...`) and the keys each accepts besides `kind`, `title`, `facility`, `from`:")
    rows.append("")
    for kind, (allowed, needed, what) in SOURCE_KINDS.items():
        keys = ", ".join(f"`{k}`" + (" (required)" if k in needed else "") for k in sorted(allowed))
        rows.append(f"- `{kind}`: {what}. Keys: {keys}.")
    return "\n".join(rows)
