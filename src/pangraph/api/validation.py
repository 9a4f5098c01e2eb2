"""``POST /validate``: validation as a service for facilities before they publish.

The body is an RDF document (Turtle, N-Triples, JSON-LD, RDF/XML, chosen by ``Content-Type``) **or** a raw
record in any harvested format: ``format=`` names a crosswalk format
(:data:`pangraph.crosswalk.transforms.FORMAT_INFO`: ``datacite``, ``oai_dc``, ``bioschemas-jsonld``,
``codemeta``, ``cff`` …); an XML body without ``format=`` is recognised by its content
(:func:`pangraph.crosswalk.find_metadata`: OAI-PMH record, DataCite resource, oai_datacite, oai_dc,
panosc, rdf:RDF). The record is crosswalked exactly as on load, validated against the node's profiles
(or the ``profile=`` ones) and the report comes back as JSON (default), Turtle (the quality statements
the store would hold) or HTML — nothing is stored.

Errors use the API's one error shape: an empty or unparseable body is 400 naming the line or field, an
unknown ``format=`` or profile 400 listing the known ones, an unsupported ``Content-Type`` 415, a body
above ``server.max_body_bytes`` 413.

The validators (one per profile selection) and the crosswalk context are built on first use from the
node's configuration and kept in a :class:`ValidationService` on ``app.state.validation_service``; set
that attribute before the first request to inject pre-built parts (tests, a node sharing its PaNET index).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, Callable, Sequence

import rdflib
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from pangraph import iri as ids
from pangraph.api import pages
from pangraph.api.context import context, in_thread
from pangraph.api.errors import ApiError
from pangraph.api.negotiation import media_type_of, negotiate
from pangraph.config import Config
from pangraph.crosswalk import CrosswalkContext, crosswalk_record, load_mappings
from pangraph.crosswalk.transforms import FORMAT_INFO
from pangraph.errors import ConfigError, RecordError, ValidationEngineError
from pangraph.quality_score import Dimensions, default_dimensions, score_ntriples, score_record
from pangraph.rdf import PREFIXES, ntriples
from pangraph.records import CrosswalkResult, Note, RawRecord
from pangraph.validate import Report, Validator, load_profiles, quality_ntriples

router = APIRouter()

#: RDF media types accepted as a body → rdflib parser name
RDF_SYNTAXES: dict[str, str] = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain+ntriples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
#: media types of raw XML records (recognised by content)
XML_TYPES = ("application/xml", "text/xml")
#: media types of raw JSON records (need ``format=``)
JSON_TYPES = ("application/json",)
#: the output formats: ``output=`` value → media type
OUTPUTS: dict[str, str] = {"json": "application/json", "turtle": "text/turtle", "html": "text/html"}

ValidatorFactory = Callable[[Sequence[str]], Validator]


class ValidationService:
    """What ``POST /validate`` needs, built from the node's configuration on first use and cached:
    a :class:`Validator` per profile selection, the PaNET index and the crosswalk mappings.

    *validator_factory* (profile names → Validator) replaces the default, which loads the profiles from
    ``shapes/`` with the node's PaNET as the ``panet`` ontology graph.
    """

    def __init__(self, config: Config, *, techniques: Any = None, mappings: Any = None,
                 validator_factory: ValidatorFactory | None = None, dimensions: Dimensions | None = None) -> None:
        self.config = config
        self._techniques = techniques
        self._mappings = mappings
        self._factory = validator_factory
        self._validators: dict[tuple[str, ...], Validator] = {}
        self._dimensions = dimensions
        self._lock = threading.Lock()

    @property
    def default_profiles(self) -> tuple[str, ...]:
        """The node's configured profiles (``validation.profiles``)."""
        return tuple(self.config["validation.profiles"])

    @property
    def techniques(self) -> Any:
        """The node's PaNET index (``pangraph.vocab.load_techniques``)."""
        with self._lock:
            if self._techniques is None:
                from pangraph.vocab import load_techniques

                self._techniques = load_techniques(self.config)
            return self._techniques

    @property
    def mappings(self) -> Any:
        with self._lock:
            if self._mappings is None:
                self._mappings = load_mappings()
            return self._mappings

    @property
    def dimensions(self) -> Dimensions:
        return self._dimensions or default_dimensions()

    def validator(self, profiles: Sequence[str]) -> Validator:
        """The validator of *profiles* (built once per selection); ConfigError for an unknown profile."""
        key = tuple(profiles)
        if key in self._validators:
            return self._validators[key]
        if self._factory is not None:
            v = self._factory(key)
        else:
            loaded = load_profiles(key)
            data, _ = self.techniques.document()
            v = Validator(loaded, ontology_graphs={"panet": data.decode("utf-8")})
        with self._lock:
            return self._validators.setdefault(key, v)

    def crosswalk_context(self, source: str) -> CrosswalkContext:
        return CrosswalkContext(base=self.config.base, source=source, techniques=self.techniques,
                                mappings=self.mappings)


def validation_service(request: Request) -> ValidationService:
    """The app's :class:`ValidationService` (created on first use from the node's configuration)."""
    state = request.app.state
    service = getattr(state, "validation_service", None)
    if service is None:
        service = ValidationService(context(request).config)
        state.validation_service = service
    return service


# --- parsing the body ---------------------------------------------------------------------------------------

_LINE = re.compile(r"\bline:?\s*(\d+)", re.IGNORECASE)


def _bad_body(detail: str, **ctx: Any) -> ApiError:
    found = _LINE.search(detail)
    if found and ctx.get("line") is None:
        ctx["line"] = int(found.group(1))
    return ApiError(400, "Unparseable body", detail, **{k: v for k, v in ctx.items() if v is not None})


def _remote_contexts(doc: Any) -> list[str]:
    """The remote ``@context`` references of a JSON-LD document (which would be fetched to parse it)."""
    found: list[str] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "@context":
                for c in v if isinstance(v, list) else [v]:
                    if isinstance(c, str):
                        found.append(c)
            found += _remote_contexts(v)
    elif isinstance(doc, list):
        for item in doc:
            found += _remote_contexts(item)
    return found


def _parse_rdf(body: bytes, syntax: str, graph: str) -> str:
    """The N-Triples of an RDF document; 400 naming the parser's line for a broken one."""
    if syntax == "json-ld":
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _bad_body(f"the JSON-LD document is not valid JSON: {exc}",
                            line=getattr(exc, "lineno", None)) from None
        remote = _remote_contexts(doc)
        if remote:
            raise _bad_body(f"the JSON-LD document uses remote contexts ({', '.join(sorted(set(remote)))}), which "
                            "the node does not fetch: inline the context, or send the record as a harvested "
                            "format (for schema.org/Bioschemas: format=bioschemas-jsonld)", field="@context")
    g = rdflib.Graph()
    try:
        g.parse(data=body, format=syntax, publicID=graph)
    except Exception as exc:  # noqa: BLE001 - rdflib raises BadSyntax, SAXParseException, ValueError …
        line = exc.getLineNumber() if hasattr(exc, "getLineNumber") else None  # SAX (RDF/XML); else in the text
        raise _bad_body(f"cannot parse the {syntax} document: {exc}".strip(), line=line) from None
    if len(g) == 0:
        raise _bad_body("the RDF document holds no triples")
    return g.serialize(format="nt")


def _single_json(body: bytes) -> bytes:
    """A JSON body as one record: a one-element array is unwrapped (files of one record often are)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad_body(f"the record is not valid JSON: {exc}", line=getattr(exc, "lineno", None)) from None
    if isinstance(doc, list):
        if len(doc) != 1:
            raise _bad_body(f"the body is a JSON array of {len(doc)} items: send one record per request")
        return json.dumps(doc[0]).encode("utf-8")
    return body


def _known_formats() -> list[str]:
    return sorted(FORMAT_INFO)


def _crosswalk(service: ValidationService, body: bytes, fmt: str | None, source: str,
               identifier: str) -> tuple[CrosswalkResult, str, str]:
    info = FORMAT_INFO.get(fmt) if fmt else None
    if info is not None and info.syntax == "json" and info.decoder is None:
        body = _single_json(body)
    rec = RawRecord(source=source, identifier=identifier, metadata_prefix=fmt or "", payload=body)
    try:
        result = crosswalk_record(rec, ctx=service.crosswalk_context(source))
    except RecordError as exc:
        raise _bad_body(f"cannot crosswalk the record: {exc.reason}", field=exc.field) from None
    detected = fmt or _detected_format(body)
    return result, ntriples(result.triples), detected


def _detected_format(body: bytes) -> str:
    from pangraph.crosswalk import find_metadata
    from pangraph.crosswalk.xml import parse_xml

    try:
        return find_metadata(parse_xml(body))[0]
    except Exception:  # noqa: BLE001 - only a label for the answer; the crosswalk already succeeded
        return "xml"


# --- the endpoint ---------------------------------------------------------------------------------------

def _validate(service: ValidationService, body: bytes, media_type: str, fmt: str | None,
              profiles: Sequence[str], source: str, identifier: str) -> dict[str, Any]:
    """Crosswalk (or parse) and validate; the facts every output format renders."""
    graph = ids.record_graph(service.config.base, source, ids.local_key(identifier))
    notes: list[Note] = []
    subject = None
    kind = None
    if fmt is not None and fmt in FORMAT_INFO:
        result, nt, fmt_used = _crosswalk(service, body, fmt, source, identifier)
        notes, subject, kind = result.notes, result.subject, result.kind
    elif media_type in RDF_SYNTAXES:
        nt = _parse_rdf(body, RDF_SYNTAXES[media_type], graph)
        fmt_used = RDF_SYNTAXES[media_type]
    elif media_type in XML_TYPES or media_type.endswith("+xml") or (not media_type and body.lstrip()[:1] == b"<"):
        result, nt, fmt_used = _crosswalk(service, body, None, source, identifier)
        notes, subject, kind = result.notes, result.subject, result.kind
    elif media_type in JSON_TYPES or (not media_type and body.lstrip()[:1] in (b"{", b"[")):
        raise ApiError(400, "Unknown format", "a JSON record needs format= naming its crosswalk format "
                       f"(one of: {', '.join(_known_formats())})", known_formats=_known_formats())
    else:
        raise ApiError(415, "Unsupported Media Type",
                       f"cannot validate a body of type {media_type or '(none)'!r}: send RDF "
                       f"({', '.join(RDF_SYNTAXES)}), an XML record ({', '.join(XML_TYPES)}), or any record "
                       "with format=", accepted=sorted(RDF_SYNTAXES) + list(XML_TYPES) + list(JSON_TYPES),
                       known_formats=_known_formats())
    try:
        validator = service.validator(profiles)
    except ConfigError as exc:
        raise ApiError(400, "Unknown profile", exc.reason, profiles=list(profiles)) from None
    try:
        report: Report = validator.validate({graph: nt})[graph]
    except ValidationEngineError as exc:
        raise _bad_body(f"cannot validate the graph: {exc.describe()}") from None
    score = score_record(report, nt, dimensions=service.dimensions)
    conforms = report.conforms and not any(n.severity == "Violation" for n in notes)
    counts = report.counts()
    for n in notes:
        counts[n.severity] = counts.get(n.severity, 0) + 1
    return {"graph": graph, "subject": subject, "format": fmt_used, "kind": kind, "triples": nt.count("\n"),
            "conforms": conforms, "profiles": validator.profile_versions, "counts": counts,
            "results": [r.as_dict() for r in report.results],
            "notes": [{"field": n.field, "reason": n.reason, "severity": n.severity, "value": n.value} for n in notes],
            "score": score.as_dict(), "_report": report, "_notes": notes, "_nt": nt}


def _turtle(service: ValidationService, facts: dict[str, Any]) -> str:
    graph, report = facts["graph"], facts["_report"]
    text = quality_ntriples(graph, report, notes=facts["_notes"], subject=facts["subject"])
    text += score_ntriples(graph, report, facts["_nt"], dimensions=service.dimensions)
    g = rdflib.Graph()
    for name, ns in PREFIXES.items():
        g.bind(name, ns)
    g.parse(data=text, format="nt")
    return g.serialize(format="turtle")


@router.post(
    "/validate",
    summary="Validate a record or an RDF document without storing it",
    description="The body is an RDF document (`Content-Type`: Turtle, N-Triples, JSON-LD, RDF/XML) or a raw "
    "record in a harvested format (`format=`: a crosswalk format such as `datacite`, `oai_dc`, "
    "`bioschemas-jsonld`, `codemeta`, `cff`; XML records are recognised without it). The record is crosswalked "
    "as on load and validated against the node's profiles (or `profile=`); the report comes back as JSON, "
    "Turtle or HTML (`Accept` or `output=`), with the quality scores. Nothing is stored. 400: empty or "
    "unparseable body (naming the line or field), unknown format or profile; 413: body above "
    "`server.max_body_bytes`; 415: unsupported `Content-Type`.",
    response_class=Response,
)
async def validate(
    request: Request,
    format: str | None = Query(None, description="Crosswalk format of a raw record (see pangraph.crosswalk)"),
    profile: list[str] | None = Query(None, description="Validation profiles (default: the node's)"),
    output: str | None = Query(None, description="json, turtle or html (default: by Accept, else json)"),
    source: str = Query("submitted", description="Source name used in minted IRIs", pattern=r"^[A-Za-z0-9_.-]+$"),
    identifier: str = Query("record", description="Identifier of the record (used when it has no PID)"),
) -> Response:
    """Validate the body; JSON, Turtle or HTML report; nothing stored."""
    node = context(request)
    limit = int(node.config["server.max_body_bytes"])
    if output is not None and output not in OUTPUTS:
        raise ApiError(400, "Unknown output", f"output={output!r} is not one of {', '.join(OUTPUTS)}",
                       known_outputs=list(OUTPUTS))
    if format is not None and format not in FORMAT_INFO:
        raise ApiError(400, "Unknown format", f"format={format!r} is not a crosswalk format; known: "
                       f"{', '.join(_known_formats())}", known_formats=_known_formats())
    chosen = output or {v: k for k, v in OUTPUTS.items()}.get(
        negotiate(request.headers.get("accept") or "application/json", list(OUTPUTS.values())) or "", "json")
    body = await request.body()
    if len(body) > limit:
        raise ApiError(413, "Content Too Large", f"the request body ({len(body)} bytes) exceeds the node's limit "
                       f"of {limit} bytes (server.max_body_bytes)", max_bytes=limit)
    if not body.strip():
        raise ApiError(400, "Empty body", "send the record or RDF document to validate as the request body")
    service = validation_service(request)
    media_type, _ = media_type_of(request.headers.get("content-type"))
    profiles = tuple(profile) if profile else service.default_profiles
    facts = await in_thread(_validate, service, body, media_type, format, profiles, source, identifier)
    if chosen == "turtle":
        text = await in_thread(_turtle, service, facts)
        return Response(text, media_type="text/turtle; charset=utf-8", headers={"Vary": "Accept"})
    public = {k: v for k, v in facts.items() if not k.startswith("_")}
    if chosen == "html":
        return pages.render(request, "validate.html", headers={"Vary": "Accept"}, report=public,
                            dimensions=service.dimensions.dimensions)
    return JSONResponse(public, headers={"Vary": "Accept"})
