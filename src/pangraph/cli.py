"""The ``pangraph`` command line: a thin layer over :mod:`pangraph.pipeline` and the API.

Exit codes (DESIGN.md §7): 0 ok, 1 the data does not conform, 2 failure.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from pangraph import __version__
from pangraph.config import SETTINGS, SOURCE_KEYS, Config, SourceConfig, load_config
from pangraph.errors import ConfigError, PangraphError

EXIT_OK, EXIT_NONCONFORMING, EXIT_FAILURE = 0, 1, 2

EXPORT_FORMATS = {
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
QUERY_FORMATS = {
    "table": None,
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


_LOGGING = {"level": logging.WARNING, "json": False}  # what the command line asked for (-v, --json-logs)


def _setup_logging(verbose: int, json_logs: bool) -> None:
    from pangraph.logs import setup_logging

    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    _LOGGING.update(level=level, json=json_logs)
    setup_logging(level, "json" if json_logs else "text")


def _server_logging(config: Config) -> None:
    """Logging of `pangraph serve`: the format of server.log_format (--json-logs forces json), and the
    access log (one line per request, logger pangraph.access) when server.access_log is on."""
    from pangraph.logs import LOG_FORMATS, enable_access_log, setup_logging

    fmt = "json" if _LOGGING["json"] else config["server.log_format"]
    if fmt not in LOG_FORMATS:
        raise ConfigError(f"server.log_format must be one of {', '.join(LOG_FORMATS)}, got {fmt!r}",
                          field="server.log_format")
    setup_logging(int(_LOGGING["level"]), fmt)
    enable_access_log(bool(config["server.access_log"]))


def _fail(err: Exception) -> None:
    click.echo(f"error: {err}", err=True)
    sys.exit(EXIT_FAILURE)


class _Ctx:
    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, required=self.config_path is not None)
        return self._config

    def node(self):  # noqa: ANN201
        from pangraph.pipeline import Node

        return Node(self.config)


def _progress(label: str):  # noqa: ANN202
    """A progress callback printing running counts on stderr (a bar is impossible: OAI-PMH
    lists rarely say how long they are)."""
    counts: dict[str, int] = {}
    tty = sys.stderr.isatty()

    def cb(event: str, n: int) -> None:
        counts[event] = counts.get(event, 0) + n
        text = f"{label}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        if tty:
            click.echo("\r" + text, nl=False, err=True)
        else:
            click.echo(text, err=True)

    cb.counts = counts  # type: ignore[attr-defined]
    return cb


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: ./pangraph.toml if present, or $PANGRAPH_CONFIG).")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.option("--json-logs", is_flag=True, help="Structured JSON logs on stderr.")
@click.version_option(__version__, prog_name="pangraph")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: int, json_logs: bool) -> None:
    """pangraph — the PaN knowledge graph: harvest, crosswalk, validate, store and publish."""
    _setup_logging(verbose, json_logs)
    ctx.obj = _Ctx(config_path)


# -- harvest & load ---------------------------------------------------------------------------------

@main.command()
@click.argument("source", required=False)
@click.option("--url", help="One-off harvest of this OAI-PMH base URL (no entry in pangraph.toml needed).")
@click.option("--prefix", "metadata_prefix", type=click.Choice(["oai_datacite", "datacite", "oai_dc"]),
              default="oai_datacite", show_default=True, help="metadataPrefix for --url.")
@click.option("--set", "set_spec", help="OAI set for --url.")
@click.option("--full", is_flag=True, help="Ignore the checkpoint: harvest everything again.")
@click.pass_obj
def harvest(obj: _Ctx, source: str | None, url: str | None, metadata_prefix: str, set_spec: str | None,
            full: bool) -> None:
    """Harvest SOURCE (declared in pangraph.toml) incrementally, or a one-off --url."""
    try:
        if url:
            cfg: str | SourceConfig = SourceConfig(name=source or "oneoff", url=url, metadata_prefix=metadata_prefix,
                                                   set=set_spec)
        elif source:
            cfg = source
        else:
            raise click.UsageError("give a SOURCE declared in pangraph.toml, or --url")
        with obj.node() as node:
            report = node.harvest(cfg, full=full, progress=_progress("harvest"))
        click.echo("", err=True)
        click.echo(report.summary_line())
        for err in report.errors[:10]:
            click.echo(f"  failed: {err['identifier']}: {err['reason']}")
        sys.exit(EXIT_OK if report.status == "ok" else EXIT_FAILURE if report.status == "failed" else EXIT_OK)
    except PangraphError as e:
        _fail(e)


@main.command()
@click.option("--source", help="Only this source (default: all).")
@click.pass_obj
def recrosswalk(obj: _Ctx, source: str | None) -> None:
    """Rebuild the graph from the raw-record archive (no network): after a mapping/shape/vocabulary change."""
    try:
        with obj.node() as node:
            report = node.recrosswalk(source=source, progress=_progress("recrosswalk"))
        click.echo("", err=True)
        click.echo(report.summary_line())
    except PangraphError as e:
        _fail(e)


@main.command()
@click.argument("source", required=False)
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.option("--limit", default=20, show_default=True)
@click.pass_obj
def runs(obj: _Ctx, source: str | None, as_json: bool, limit: int) -> None:
    """Show the run reports (of SOURCE)."""
    try:
        with obj.node() as node:
            items = node.archive.runs(source, limit=limit)
    except PangraphError as e:
        _fail(e)
        return
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    if not items:
        click.echo("no runs yet" + (f" for source {source!r}" if source else ""))
        return
    for r in items:
        line = (f"#{r['id']} {r['source']} {r['kind']} {r['status']} started {r['started_at']} "
                f"({r.get('duration_s') or 0:.1f}s): added {r['added']}, updated {r['updated']}, "
                f"unchanged {r['unchanged']}, deleted {r['deleted']}, failed {r['failed']}")
        if r.get("validated") is not None:
            line += (f"; validated {r['validated']}, {r.get('nonconforming') or 0} with violations "
                     f"({r.get('violations') or 0} violations, {r.get('warnings') or 0} warnings)")
        after = (r.get("quality") or {}).get(r["source"]) or {}
        if after.get("mean_score") is not None:
            line += f"; mean score after {after['mean_score']:.1f}"
        click.echo(line)
        for e in (r.get("errors") or [])[:5]:
            click.echo(f"    {e.get('identifier')}: {e.get('reason')}")


# -- validation ---------------------------------------------------------------------------------------

def _profile_names(values: tuple[str, ...]) -> list[str]:
    """Profile names from repeated and comma-separated ``--profile`` values, in order, without repeats."""
    names: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if name and name not in names:
                names.append(name)
    return names


def _page_links(node: Any, graphs: Any) -> dict[str, str]:
    """Record graph → the URL of its quality page on the node (``{base}/quality/{source}/{key}``)."""
    from pangraph.quality import record_page_path

    base = node.config.base.rstrip("/")
    return {g: f"{base}/{page}" for g in graphs if (page := record_page_path(base, g))}


@main.command()
@click.option("--source", help="Only the records of this source.")
@click.option("--profile", "profiles", multiple=True, metavar="NAME[,NAME...]",
              help="Profiles to validate against (repeat the option or give a comma list). Default: the node's "
                   "validation.profiles, the profiles run on load, whose stored results are reported. Any other "
                   "selection validates the records again now (rebuilt from the archive, like --recheck): "
                   "those results are reported, not stored.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle", "html"]), default="text",
              show_default=True, help="html: one standalone page (summary, what to fix first, every record's "
              "failures with the failing value and the shape's message).")
@click.option("--recheck", is_flag=True,
              help="First rebuild the records from the archive with the current mappings and the configured "
                   "profiles, storing the new results (only the configured profiles' results are ever stored).")
@click.pass_obj
def validate(obj: _Ctx, source: str | None, profiles: tuple[str, ...], fmt: str, recheck: bool) -> None:
    """Report the SHACL validation results of the stored records. Exit 0 conforms, 1 does not, 2 failure.

    Without --profile the results stored when the records were loaded are reported. With --profile naming
    other profiles than validation.profiles (e.g. dcat-ap-3), the records are rebuilt from the archive (as
    --recheck does) and validated now against exactly the selected profiles; those results are reported,
    not stored.
    """
    from pangraph.quality import check_source, quality_summary, revalidate, stored_reports, stored_scores
    from pangraph.validate.report import exit_code, render, summarise

    try:
        with obj.node() as node:
            if source is not None:
                check_source(node, source)
            configured = list(node.config["validation.profiles"])
            selected = _profile_names(profiles) or configured
            if recheck:
                node.recrosswalk(source=source, progress=_progress("recheck"))
                click.echo("", err=True)
            scope = f"source {source}" if source else "all sources"
            if set(selected) == set(configured):
                if fmt != "html":
                    summary = quality_summary(node, source=source)
                    click.echo(summary.render(fmt))
                    sys.exit(summary.exit_code())
                reports = stored_reports(node, source=source)
                click.echo(render(reports, format="html", top=15, title=f"Validation report ({scope})",
                                  note=f"Results stored when the records were loaded, profiles "
                                       f"{', '.join(configured)} (validation.profiles); node {node.config.base}.",
                                  scores=stored_scores(node, source=source), links=_page_links(node, reports)),
                           nl=False)  # the page ends with a newline
                sys.exit(exit_code(summarise(reports)))
            reports, failed = revalidate(node, selected, source=source, progress=_progress("validate"))
            click.echo("", err=True)
            extra = [n for n in selected if n not in configured]
            note = (f"The records ({scope}) rebuilt from the archive and validated now against "
                    f"{', '.join(selected)}; these results are reported, not stored"
                    + (f" ({', '.join(extra)} not in validation.profiles)" if extra else "") + ".")
            click.echo(f"note: {note}", err=True)
            for f in failed[:10]:
                click.echo(f"  not validated (crosswalk failed): {f['identifier']}: {f['reason']}", err=True)
            out = render(reports, format=fmt, top=15, title=f"Validation report ({scope}, {', '.join(selected)})",
                         note=note, links=_page_links(node, reports))
            click.echo(out, nl=not out.endswith("\n"))
            sys.exit(exit_code(summarise(reports)))
    except PangraphError as e:
        _fail(e)


@main.command("quality")
@click.argument("source", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
              help="html: one standalone page (styles inline) linking to the node's pages.")
@click.option("--top", default=15, show_default=True, type=click.IntRange(1, None),
              help="Entries of the fix-first list.")
@click.option("--runs", "runs_limit", default=20, show_default=True, type=click.IntRange(1, None),
              help="Runs in the trend.")
@click.option("--lowest", default=10, show_default=True, type=click.IntRange(0, None),
              help="Lowest-scoring records listed.")
@click.pass_obj
def quality_cmd(obj: _Ctx, source: str | None, fmt: str, top: int, runs_limit: int, lowest: int) -> None:
    """Quality of SOURCE: score overall and per dimension, distribution of the record scores, what to fix
    first (failures ranked by records affected × score they cost) and the trend across runs. Without
    SOURCE: one line per source. Exit 0 ok, 2 unknown source or failure."""
    from pangraph.quality import render_page, source_quality, sources_overview
    from pangraph.quality_score import default_dimensions

    try:
        with obj.node() as node:
            base, title = node.config.base, node.config["node.title"]
            if source is not None:
                q = source_quality(node, source, top=top, runs=runs_limit, lowest=lowest)
                out = q.render(fmt, base=base, node_title=title)
                click.echo(out, nl=not out.endswith("\n"))
                return
            sources = sources_overview(node)
            version = default_dimensions().version
            if fmt == "json":
                click.echo(json.dumps({"scoring_version": version, "sources": sources}, indent=2, ensure_ascii=False))
            elif fmt == "html":
                click.echo(render_page("quality_index.html", base=base, node_title=title, sources=sources,
                                       version=version))
            else:
                _print_sources(sources, version)
    except PangraphError as e:
        _fail(e)


def _print_sources(sources: list[dict[str, Any]], version: str) -> None:
    if not sources:
        click.echo("no sources yet")
        return
    click.echo(f"Quality per source (scoring method {version}; `pangraph quality SOURCE` for one source):")
    width = max(len(s["source"]) for s in sources)
    click.echo(f"  {'source'.ljust(width)}  records  conform  w/ violations  violations  warnings  mean score  last run")
    for s in sources:
        last = s.get("last_run") or {}
        mean = "—" if s["mean_score"] is None else f"{s['mean_score']:.1f}"
        click.echo(f"  {s['source'].ljust(width)}  {s['records']:7}  {s['conforming']:7}  {s['nonconforming']:13}  "
                   f"{s['results'].get('Violation', 0):10}  {s['results'].get('Warning', 0):8}  {mean:>10}  "
                   f"{last.get('started_at') or ''} {last.get('status') or ''}".rstrip())


@main.command()
@click.argument("source")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def coverage(obj: _Ctx, source: str, fmt: str) -> None:
    """Crosswalk coverage of SOURCE: mapped fields, fields present but not mapped, fields expected but absent."""
    from pangraph.coverage import coverage as compute

    try:
        with obj.node() as node:
            records = list(node.archive.iter_records(source))
            if not records and source not in node.archive.sources():
                raise click.UsageError(f"no archived records of source {source!r} "
                                       f"(archived sources: {', '.join(node.archive.sources()) or 'none'})")
            report = compute(records, source=source, mappings=node.mappings)
        click.echo(report.render(fmt))
    except PangraphError as e:
        _fail(e)


# -- query & export -------------------------------------------------------------------------------------

@main.command()
@click.argument("sparql")
@click.option("--format", "fmt", type=click.Choice(sorted(QUERY_FORMATS)), default="table", show_default=True)
@click.option("--timeout", "timeout_s", type=float, default=None,
              help="Time limit in seconds of a query that uses SERVICE (default: federation.timeout_s).")
@click.pass_obj
def query(obj: _Ctx, sparql: str, fmt: str, timeout_s: float | None) -> None:
    """Run a read-only SPARQL query over the union of all graphs. SPARQL '-' reads stdin, '@FILE' a file.

    SERVICE may only call the endpoints of federation.peers (checked before the query runs, as on /sparql);
    such a query runs in a worker process stopped at the time limit, and a peer that fails is reported
    (exit 2) unless the clause is SERVICE SILENT."""
    if sparql == "-":
        sparql = sys.stdin.read()
    elif sparql.startswith("@"):
        sparql = Path(sparql[1:]).read_text(encoding="utf-8")
    from pangraph.api.sparql import service_iris
    from pangraph.federation import refused_services

    config = obj.config
    refused = refused_services(sparql, config["federation.peers"], base_iri=f"{config.base.rstrip('/')}/sparql")
    if refused:
        _fail(PangraphError(f"federated query refused: {refused}"))
    try:
        with obj.node() as node:
            if service_iris(sparql):
                _federated_query(node, sparql, fmt, timeout_s if timeout_s is not None
                                 else float(config["federation.timeout_s"]))
                return
            if fmt == "table":
                from pangraph.store.base import QueryResult

                res: QueryResult = node.store.query(sparql)
                if res.kind == "solutions":
                    _print_table(json.loads(res.body))
                elif res.kind == "boolean":
                    click.echo("true" if json.loads(res.body)["boolean"] else "false")
                else:
                    click.echo(res.body.decode("utf-8"), nl=False)
            else:
                res = node.store.query(sparql, media_type=QUERY_FORMATS[fmt])
                sys.stdout.buffer.write(res.body)
    except PangraphError as e:
        _fail(e)


@main.group()
def peers() -> None:
    """Peer nodes (federation.peers): their live status."""


@peers.command("check")
@click.option("--timeout", "timeout_s", type=float, default=None,
              help="Time limit per peer in seconds (default: federation.timeout_s).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of lines.")
@click.pass_obj
def peers_check(obj: _Ctx, timeout_s: float | None, as_json: bool) -> None:
    """Ask every configured peer endpoint a cheap query (SPARQLWrapper) and print its status.
    Exit code 2 when a peer is down, slow or not answering SPARQL."""
    from pangraph.federation import check_peers

    config = obj.config
    statuses = check_peers(config["federation.peers"],
                           timeout_s=timeout_s if timeout_s is not None else float(config["federation.timeout_s"]))
    if as_json:
        click.echo(json.dumps([st.as_dict() for st in statuses], indent=2))
    elif not statuses:
        click.echo("no peers configured (federation.peers)")
    for st in statuses if not as_json else ():
        click.echo(f"{'ok  ' if st.ok else 'FAIL'} {st.endpoint}  {st.kind}  {st.seconds:.2f} s  {st.detail}")
    if any(not st.ok for st in statuses):
        sys.exit(EXIT_FAILURE)


def _federated_query(node: Any, sparql: str, fmt: str, timeout_s: float) -> None:
    """Run a query with SERVICE clauses in a worker process (api/query_workers.py) under *timeout_s*."""
    import anyio

    from pangraph.api.errors import ApiError
    from pangraph.api.query_workers import QueryRunner
    from pangraph.store.query_worker import QueryJob

    runner = QueryRunner(node.store, workers=1, timeout_s=timeout_s, queue_timeout_s=1.0, max_rows=0)
    try:
        result = anyio.run(runner.run, QueryJob(query=sparql, media_type=QUERY_FORMATS[fmt]))
    except ApiError as e:
        _fail(PangraphError(f"{e.detail}; a SERVICE peer may be slow or down (pangraph peers check)"
                            if e.status == 503 else e.detail))
    finally:
        runner.close()
    if result.error_kind is not None:
        reason = result.error
        if result.extra.get("os_error"):
            reason = f"a SERVICE call to a peer failed: {reason} (use SERVICE SILENT to go on without it)"
        _fail(PangraphError(reason))
    if fmt == "table" and result.kind == "solutions":
        _print_table(json.loads(result.body))
    elif fmt == "table" and result.kind == "boolean":
        click.echo("true" if json.loads(result.body)["boolean"] else "false")
    else:
        sys.stdout.buffer.write(result.body)


def _print_table(data: dict[str, Any]) -> None:
    cols = data["head"]["vars"]
    rows = [[(b.get(c) or {}).get("value", "") for c in cols] for b in data["results"]["bindings"]]
    widths = [min(60, max([len(c)] + [len(r[i]) for r in rows])) for i, c in enumerate(cols)]
    line = " | ".join(c.ljust(w) for c, w in zip(cols, widths))
    click.echo(line)
    click.echo("-+-".join("-" * w for w in widths))
    for r in rows:
        click.echo(" | ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(r, widths)))
    click.echo(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", err=True)


@main.command()
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), default="nquads", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@click.option("--dump", "as_dump", is_flag=True,
              help="(Re)write the node's published dump ({paths.data}/dumps/pangraph.nq.gz, served at /dumps) instead.")
@click.pass_obj
def export(obj: _Ctx, fmt: str, out_path: str | None, as_dump: bool) -> None:
    """Export the whole graph (N-Quads/TriG keep the named graphs; triple formats give their union)."""
    if as_dump and (out_path or fmt != "nquads"):
        click.echo("error: --dump writes the gzipped N-Quads dump of the node; it takes no --format or --out", err=True)
        sys.exit(EXIT_FAILURE)
    try:
        with obj.node() as node:
            if as_dump:
                info = node.write_dumps()
                click.echo(f"{info.name}: {info.quads} quads, {info.bytes} bytes, sha256 {info.sha256}")
            elif out_path:
                with open(out_path, "wb") as f:
                    node.store.dump(f, format=EXPORT_FORMATS[fmt])
            else:
                node.store.dump(sys.stdout.buffer, format=EXPORT_FORMATS[fmt])
    except PangraphError as e:
        _fail(e)


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Empty the search index and fill it again from the store.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@click.pass_obj
def index_cmd(obj: _Ctx, rebuild: bool, as_json: bool) -> None:
    """The full-text search index ({paths.data}/search.sqlite): its counts, or --rebuild it from the store."""
    from pangraph.search.index import rebuild as rebuild_index

    try:
        with obj.node() as node:
            idx = node.search_index
            if rebuild:
                counts = rebuild_index(idx, node.store, provenance_graph=node.provenance_graph,
                                       quality_graph=node.quality_graph)
            else:
                counts = idx.counts()
            if as_json:
                click.echo(json.dumps({"path": str(idx.path), **counts}))
            else:
                click.echo(f"{idx.path}: {counts['documents']} documents ({counts['dataset']} datasets, "
                           f"{counts['training']} training, {counts['software']} software) "
                           f"from {counts['record_graphs']} record graphs{' (rebuilt)' if rebuild else ''}")
    except PangraphError as e:
        _fail(e)


# -- serve & demo ------------------------------------------------------------------------------------------

def _serve(config: Config, *, node: Any) -> None:
    import uvicorn

    from pangraph.api import create_app

    node.search_index  # noqa: B018 - opening it builds a missing search index from the store
    _server_logging(config)
    app = create_app(config, store=node.store, archive=node.archive, node_info=node.info)
    from pangraph.api.search import warm_up

    warm_up(app, node.techniques)  # the search facet snapshot loads while the server starts
    from pangraph.api.warm import warm_up_pages

    warm_up_pages(app)  # and the start page's figures (they scan the store)
    # log_config=None: uvicorn's loggers go through the root handler (text or JSON); the access log is ours
    uvicorn.run(app, host=config["server.host"], port=config["server.port"], log_level="warning",
                log_config=None, access_log=False)


@main.command()
@click.option("--host", help="Interface (default: server.host).")
@click.option("--port", type=int, help="Port (default: server.port).")
@click.pass_obj
def serve(obj: _Ctx, host: str | None, port: int | None) -> None:
    """Serve the SPARQL endpoint, Linked Data and the landing page."""
    try:
        config = obj.config.with_values(**{k: v for k, v in (("server__host", host), ("server__port", port)) if v})
        from pangraph.pipeline import Node

        with Node(config) as node:
            click.echo(f"pangraph serving {config.base} at http://{config['server.host']}:{config['server.port']}/")
            _serve(config, node=node)
    except PangraphError as e:
        _fail(e)


@main.command()
@click.option("--serve/--no-serve", "do_serve", default=True, show_default=True, help="Serve after building.")
@click.option("--rebuild", is_flag=True, help="Delete the demo store and build it again.")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--data-dir", default="var/demo", show_default=True, help="Where the demo node keeps its data.")
@click.pass_obj
def demo(obj: _Ctx, do_serve: bool, rebuild: bool, port: int, data_dir: str) -> None:
    """Build the demo graph from the sources shipped in the package, validate it, and serve it."""
    from pangraph.demo import build_demo, demo_config, example_queries

    try:
        config = demo_config(data_dir=data_dir, port=port)
        node, report = build_demo(config, rebuild=rebuild, progress=_progress("demo"))
        click.echo("", err=True)
        with node:
            click.echo(report)
            base = config.base
            click.echo(f"\npangraph demo node: {base}/")
            click.echo(f"  SPARQL endpoint:  {base}/sparql")
            click.echo(f"  API docs:         {base}/docs")
            click.echo("\nExample queries (paste into the endpoint, or run `pangraph --config ... query`):")
            for title, q in example_queries():
                click.echo(f"\n# {title}\n{q}")
            click.echo(f"\ncurl: curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT ...' {base}/sparql")
            if do_serve:
                click.echo(f"\nServing at {base}/ — Ctrl-C to stop.")
                _serve(config, node=node)
    except PangraphError as e:
        _fail(e)


# -- introspection -----------------------------------------------------------------------------------------

@main.command("config")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def config_cmd(obj: _Ctx, as_json: bool) -> None:
    """List every setting with its environment variable, current value and meaning."""
    try:
        cfg = obj.config
    except ConfigError as e:
        _fail(e)
        return
    items = [{"name": s.name, "env": s.env, "value": cfg[s.name], "default": s.default, "help": s.help}
             for s in SETTINGS]
    if as_json:
        click.echo(json.dumps({"settings": items, "source_keys": SOURCE_KEYS,
                               "sources": {n: vars(s) for n, s in cfg.sources.items()}}, indent=2, default=str))
        return
    click.echo(f"config file: {cfg.path or '(none: defaults)'}")
    for it in items:
        click.echo(f"{it['name']} = {it['value']!r}   [{it['env']}]\n    {it['help']}")
    click.echo("\nsources:" + ("" if cfg.sources else " none declared"))
    for name, s in cfg.sources.items():
        click.echo(f"  {name}: {s.kind} {s.url} prefix={s.metadata_prefix}" + (f" set={s.set}" if s.set else ""))


@main.command("token")
@click.argument("name")
def token_cmd(name: str) -> None:
    """Print a new random bearer token for NAME (link API writes) and the links.tokens entry with its hash.

    The node stores only the hash: keep the token, add the entry to `links.tokens` in pangraph.toml."""
    from pangraph.auth import new_token

    try:
        token, entry = new_token(name)
    except ConfigError as e:
        _fail(e)
        return
    click.echo(f"token: {token}")
    click.echo(f'pangraph.toml:  [links]  tokens = ["{entry}"]   (append to the list if it exists)')


if __name__ == "__main__":  # pragma: no cover
    main()
