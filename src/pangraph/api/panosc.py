"""The PaNOSC search API (https://github.com/panosc-eu/search-api), so that the PaNOSC federated search
service can add this node as a provider: ``/api/Datasets``, ``/api/Documents``, ``/api/Instruments``, each
with ``/count`` and ``/{pid}``, and ``/api/Datasets/{pid}/files`` (+ ``/count``).

Requests carry a LoopBack filter (``filter=`` JSON: ``where``, ``include`` with ``scope``, ``limit``,
``skip``, ``order``, ``fields``, ``query``; ``where=`` for the count routes; see
:mod:`pangraph.api.loopback`). What the reference implementation adds to LoopBack is done here too:

- an ``include`` whose scope selects (``scope.where``, or a nested include that selects) keeps only the
  items whose relation has a match, and shows only the matching related items;
- **technique expansion**: a technique condition matches a dataset's technique when it matches that
  PaNET class *or one of its ancestors* (so ``{"pid": "PaNET01124"}`` — small angle scattering — finds
  SAXS, SANS, GISAXS… datasets); a ``name`` that names a PaNET class (label, altLabel, acronym) matches
  that class; technique pids may be written in any PaNET spelling;
- **unit conversion**: a parameter condition with a ``unit`` compares the stored value converted to that
  unit (a filter in celsius matches values stored in kelvin; :mod:`pangraph.units`), and shows the value
  in the unit asked for;
- **relevance**: ``query`` (in the filter, or as its own query parameter) gives every result a ``score``
  (TF-IDF cosine, 0–1, over the model's text) and orders by it; without it every score is 0.

The models are read from the graph by :mod:`pangraph.api.panosc_graph` (for every dataset of the node,
not only those harvested from PaNOSC providers).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from pangraph import iri as ids
from pangraph.api.context import NodeContext, context, in_thread
from pangraph.api.errors import ApiError
from pangraph.api.loopback import (MAX_LIMIT, Filter, FilterError, Include, apply_order, matches, page,
                                   parse_filter, parse_where, select_fields)
from pangraph.api.panosc_graph import Entity, View, ViewCache, scorer
from pangraph.units import UnitConverter

router = APIRouter()

#: relation name → target model, per model
RELATIONS: dict[str, dict[str, str]] = {
    "Dataset": {"techniques": "Technique", "instrument": "Instrument", "files": "File", "parameters": "Parameter",
                "samples": "Sample", "documents": "Document"},
    "Document": {"datasets": "Dataset", "members": "Member", "parameters": "Parameter"},
    "Instrument": {"datasets": "Dataset"},
    "Member": {"person": "Person", "affiliation": "Affiliation"},
    "Technique": {}, "File": {}, "Parameter": {}, "Sample": {}, "Person": {}, "Affiliation": {},
}
#: belongsTo relations: one object (or null) instead of a list
SINGLE = frozenset({("Dataset", "instrument"), ("Member", "person"), ("Member", "affiliation")})
#: date properties (compared as instants)
DATES: dict[str, frozenset[str]] = {"Dataset": frozenset({"creationDate"}),
                                    "Document": frozenset({"startDate", "endDate", "releaseDate"})}
#: the fields the ``text`` operator searches (the reference API's table)
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "Dataset": ("title",), "Document": ("title", "summary"), "File": ("name",), "Instrument": ("name", "facility"),
    "Sample": ("name", "description"), "Technique": ("name",), "Parameter": ("name",), "Person": ("fullName",),
    "Member": ("role",), "Affiliation": ("name",),
}
_HIDDEN = {"Member": frozenset({"person", "affiliation"})}


def _round(value: float) -> float | int:
    rounded = float(f"{value:.12g}")
    return int(rounded) if rounded.is_integer() and abs(rounded) < 1e15 else rounded


class PanoscService:
    """The PaNOSC view of one node (cached) and the vocabularies the filters need."""

    def __init__(self, node: NodeContext) -> None:
        from pangraph.crosswalk import load_mappings
        from pangraph.vocab import load_techniques

        self.techniques = load_techniques(node.config)
        mappings = load_mappings()
        self.units: UnitConverter = UnitConverter.from_mappings(mappings)
        roles = {row.object_id: row.object_label for row in mappings.contributor_roles.mappings if row.object_label}
        self._technique_verdicts: dict[tuple[Any, ...], bool] = {}
        self.cache = ViewCache(node.store, technique_label=self.techniques.label,
                               role_label=lambda iri: roles.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1])

    # --- admission of related items -----------------------------------------------------------------------

    def _technique_where(self, where: dict[str, Any]) -> dict[str, Any]:
        parts: list[dict[str, Any]] = []
        for key, value in where.items():
            if key in ("and", "or"):
                parts.append({key: [self._technique_where(c) for c in value]})
            elif key == "pid" and isinstance(value, str) and ids.panet_iri(value):
                parts.append({"pid": ids.panet_iri(value)})
            elif key == "pid" and isinstance(value, dict) and set(value) <= {"inq", "nin", "eq", "neq"}:
                (op, operand), = value.items()
                norm = (lambda v: ids.panet_iri(v) or v if isinstance(v, str) else v)
                parts.append({"pid": {op: [norm(v) for v in operand] if isinstance(operand, list) else norm(operand)}})
            elif key == "name" and isinstance(value, str) and self.techniques.resolve(value) is not None:
                parts.append({"or": [{"name": value}, {"pid": self.techniques.resolve(value).iri}]})
            else:
                parts.append({key: value})
        return {"and": parts}

    def _technique_matches(self, technique: dict[str, Any], where: dict[str, Any]) -> bool:
        """The technique, or one of its PaNET ancestors (technique expansion), satisfies *where*. Decided
        once per technique and condition (a few hundred techniques, many datasets)."""
        key = (technique["pid"], technique.get("name"), json.dumps(where, sort_keys=True))
        found = self._technique_verdicts.get(key)
        if found is None:
            if len(self._technique_verdicts) > 100_000:
                self._technique_verdicts.clear()
            rewritten = self._technique_where(where)
            pid = technique["pid"]
            candidates = [technique]
            if pid in self.techniques and not _negative(where):  # "not X" must not be satisfied by an ancestor
                for other in sorted(self.techniques.ancestors(pid, include_self=True)):
                    names = [self.techniques.label(other) or other, *self.techniques.alt_labels(other)]
                    candidates += [{"pid": other, "name": n} for n in names]
            found = any(matches(c, rewritten, text_fields=TEXT_FIELDS["Technique"]) for c in candidates)
            self._technique_verdicts[key] = found
        return found

    def _parameter_view(self, param: dict[str, Any], where: dict[str, Any]) -> dict[str, Any] | None:
        """The parameter as shown when it satisfies *where*: converted to the unit the condition names when
        that unit and the stored one measure the same quantity kind; else as stored; None when it does not."""
        shown = {k: v for k, v in param.items() if not k.startswith("_")}
        value = param.get("value")
        stored = self.units.by_iri(param.get("_unitCode")) or self.units.unit(param.get("unit"))
        if stored is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
            for unit in _units_in(where):
                target = self.units.unit(unit)
                converted = self.units.convert(float(value), stored, target) if target else None
                if converted is not None:
                    candidate = dict(shown, value=_round(converted), unit=unit)
                    if matches(candidate, where, text_fields=TEXT_FIELDS["Parameter"]):
                        return candidate
        return shown if matches(shown, where, text_fields=TEXT_FIELDS["Parameter"]) else None

    def admit(self, model: str, item: Any, fields: dict[str, Any], where: dict[str, Any] | None) -> dict[str, Any] | None:
        """The fields of a related item to show when it satisfies *where*, else None."""
        if not where:
            return fields
        if model == "Technique":
            return fields if self._technique_matches(fields, where) else None
        if model == "Parameter":
            return self._parameter_view(item, where)
        return fields if matches(fields, where, dates=DATES.get(model, frozenset()),
                                 text_fields=TEXT_FIELDS.get(model, ())) else None

    # --- rendering ------------------------------------------------------------------------------------------

    @staticmethod
    def fields(model: str, item: Any) -> dict[str, Any]:
        if isinstance(item, Entity):
            return dict(item.data)
        hidden = _HIDDEN.get(model, frozenset())
        return {k: v for k, v in item.items() if not k.startswith("_") and k not in hidden}

    @staticmethod
    def related(view: View, model: str, item: Any, relation: str) -> list[Any]:
        target = RELATIONS[model][relation]
        if isinstance(item, Entity):
            links = item.links.get(relation, [])
            if target in view.models:
                return [view.models[target][i] for i in links if i in view.models[target]]
            return list(links)
        value = item.get(relation)
        return [value] if isinstance(value, dict) else list(value or [])

    def render(self, view: View, model: str, item: Any, includes: list[Include], *,
               restrict: bool) -> dict[str, Any] | None:
        """The item with its included relations; None when a selecting include has no match and *restrict*."""
        out = self.fields(model, item)
        for inc in includes:
            target = RELATIONS[model][inc.relation]
            results = []
            for sub in self.related(view, model, item, inc.relation):
                shown = self.admit(target, sub, self.fields(target, sub), inc.where)
                if shown is None:
                    continue
                rendered = self._with_includes(view, target, sub, shown, inc.include)
                if rendered is not None:
                    results.append(rendered)
            results = apply_order(results, inc.order, DATES.get(target, frozenset()))
            results = [select_fields(r, inc.fields, keep=[i.relation for i in inc.include])
                       for r in page(results, inc.skip, inc.limit)]
            if restrict and inc.restricts and not results:
                return None
            out[inc.relation] = (results[0] if results else None) if (model, inc.relation) in SINGLE else results
        return out

    def _with_includes(self, view: View, model: str, item: Any, shown: dict[str, Any],
                       includes: list[Include]) -> dict[str, Any] | None:
        if not includes:
            return shown
        rendered = self.render(view, model, item, includes, restrict=True)
        if rendered is None:
            return None
        rendered.update({k: v for k, v in shown.items()})  # converted parameter values win
        return rendered

    # --- the routes' work ------------------------------------------------------------------------------------

    def search(self, model: str, flt: Filter) -> list[dict[str, Any]]:
        """The page of *model* items that *flt* selects. Items are rendered (relations included) only when a
        selecting include needs it to decide, else only the page is; without ``query`` or ``order`` the scan
        stops once the page is full."""
        view = self.cache.get()
        dates = DATES.get(model, frozenset())
        selecting = any(i.restricts for i in flt.include)
        ranked = bool(flt.query or flt.order)
        wanted = flt.skip + (flt.limit or MAX_LIMIT)
        found: list[tuple[Entity, dict[str, Any] | None]] = []
        for entity in view.models[model].values():
            if not matches(entity.data, flt.where, dates=dates, text_fields=TEXT_FIELDS[model]):
                continue
            rendered = self.render(view, model, entity, flt.include, restrict=True) if selecting else None
            if selecting and rendered is None:
                continue
            found.append((entity, rendered))
            if not ranked and len(found) >= wanted:
                break
        relevance = scorer(view, model, flt.query) if flt.query else (lambda e: 0)
        scores = {id(e): relevance(e) for e, _ in found}
        if flt.query:
            found.sort(key=lambda pair: -scores[id(pair[0])])
        if flt.order:
            keyed = [dict(e.data, _pair=n) for n, (e, _) in enumerate(found)]
            found = [found[k["_pair"]] for k in apply_order(keyed, flt.order, dates)]
        keep = [i.relation for i in flt.include]
        out = []
        for entity, rendered in page(found, flt.skip, flt.limit):
            if rendered is None:
                rendered = self.render(view, model, entity, flt.include, restrict=False) or {}
            rendered["score"] = scores[id(entity)]
            out.append(select_fields(rendered, flt.fields, keep=keep))
        return out

    def count(self, model: str, where: dict[str, Any] | None) -> int:
        view = self.cache.get()
        return sum(1 for e in view.models[model].values()
                   if matches(e.data, where, dates=DATES.get(model, frozenset()), text_fields=TEXT_FIELDS[model]))

    def one(self, model: str, pid: str, flt: Filter) -> dict[str, Any]:
        view = self.cache.get()
        entity = view.find(model, pid)
        if entity is None:
            raise ApiError(404, "Not Found", f"no {model} with pid {pid!r}", pid=pid)
        rendered = self.render(view, model, entity, flt.include, restrict=False)
        assert rendered is not None
        return select_fields(rendered, flt.fields, keep=[i.relation for i in flt.include])

    def files(self, pid: str, flt: Filter | None, where: dict[str, Any] | None = None) -> list[dict[str, Any]] | int:
        view = self.cache.get()
        entity = view.find("Dataset", pid)
        if entity is None:
            raise ApiError(404, "Not Found", f"no Dataset with pid {pid!r}", pid=pid)
        files = [f for f in entity.links["files"]
                 if matches(f, flt.where if flt else where, text_fields=TEXT_FIELDS["File"])]
        if flt is None:
            return len(files)
        files = apply_order(files, flt.order, frozenset())
        return [select_fields(f, flt.fields) for f in page(files, flt.skip, flt.limit)]


def _negative(where: dict[str, Any]) -> bool:
    """Whether a where clause uses a negative operator (neq, nin, nlike, nilike) anywhere."""
    for key, value in where.items():
        if key in ("and", "or") and any(_negative(c) for c in value):
            return True
        if isinstance(value, dict) and set(value) & {"neq", "nin", "nlike", "nilike"}:
            return True
    return False


def _units_in(where: dict[str, Any]) -> list[str]:
    """The units a where clause asks for (``{"unit": "nm"}`` anywhere in it, ``eq`` or ``inq``)."""
    found: list[str] = []
    for key, value in where.items():
        if key in ("and", "or"):
            for clause in value:
                found += [u for u in _units_in(clause) if u not in found]
        elif key == "unit":
            values = value.get("eq", value.get("inq")) if isinstance(value, dict) else value
            for u in values if isinstance(values, list) else [values]:
                if isinstance(u, str) and u and u not in found:
                    found.append(u)
    return found


_service_lock = threading.Lock()


def service(request: Request) -> PanoscService:
    """The app's :class:`PanoscService`, made on first use."""
    state = request.app.state
    with _service_lock:
        if getattr(state, "panosc", None) is None:
            state.panosc = PanoscService(context(request))
        return state.panosc


def _filter(text: str | None, model: str, query: str | None) -> Filter:
    try:
        flt = parse_filter(text, relations=lambda m: RELATIONS[m], model=model)
    except FilterError as e:
        raise ApiError(400, "Bad filter", str(e), parameter="filter") from None
    if query is not None and query.strip():
        flt.query = query.strip()
    return flt


def _where(text: str | None) -> dict[str, Any] | None:
    try:
        return parse_where(text)
    except FilterError as e:
        raise ApiError(400, "Bad filter", str(e), parameter="where") from None


async def _run(request: Request, fn: Any, *args: Any) -> Any:
    node = context(request)
    svc = await in_thread(service, request)
    try:
        return await in_thread(getattr(svc, fn), *args, timeout_s=node.query_timeout_s)
    except ApiError as e:
        if e.status == 503 and not svc.cache.ready:
            raise ApiError(503, "Starting", "the node is still reading its graph into the PaNOSC view (the first "
                           "request after start builds it); retry in a moment", headers={"Retry-After": "10"}) from None
        raise


FILTER_DOC = ("LoopBack filter as JSON: `where` (operators eq, neq, gt, gte, lt, lte, between, inq, nin, like, "
              "nlike, ilike, nilike, exists, and/or, `text`), `include` (a relation, or {relation, scope: {where, "
              "include, limit, skip, order, fields}}), `limit` (at most " + str(MAX_LIMIT) + "), `skip`, `order`, "
              "`fields`, `query`.")
WHERE_DOC = "LoopBack where clause as JSON (the `where` of a filter)."
QUERY_DOC = "Keywords to score the results by relevance (same as the filter's `query`)."

_PLURAL = {"Dataset": "Datasets", "Document": "Documents", "Instrument": "Instruments"}
_ABOUT = {
    "Dataset": "Every dataset of the node (all sources, not only PaNOSC providers) as a PaNOSC Dataset "
               "{pid, title, isPublic, creationDate, size, instrumentId, score}; relations techniques, instrument, "
               "files, parameters, samples, documents. Technique conditions match narrower PaNET techniques; "
               "parameter conditions with a unit convert stored values to that unit.",
    "Document": "Proposals and publications as PaNOSC Documents {pid, isPublic, type, title, summary, doi, startDate, "
                "endDate, releaseDate, license, keywords, score}; relations datasets, members (person, affiliation), "
                "parameters.",
    "Instrument": "Instruments as PaNOSC Instruments {pid, name, facility, score}; relation datasets.",
}


def _add_model_routes(model: str) -> None:
    plural = _PLURAL[model]
    about = _ABOUT[model]

    async def search(request: Request, filter: str | None = Query(None, description=FILTER_DOC),
                     query: str | None = Query(None, description=QUERY_DOC)) -> JSONResponse:
        return JSONResponse(await _run(request, "search", model, _filter(filter, model, query)))

    async def count(request: Request, where: str | None = Query(None, description=WHERE_DOC)) -> JSONResponse:
        return JSONResponse({"count": await _run(request, "count", model, _where(where))})

    async def one(request: Request, pid: str = Path(..., description=f"The {model}'s pid (slashes allowed)"),
                  filter: str | None = Query(None, description=FILTER_DOC)) -> JSONResponse:
        return JSONResponse(await _run(request, "one", model, pid, _filter(filter, model, None)))

    router.add_api_route(f"/api/{plural}", search, methods=["GET"], summary=f"Search {plural} (PaNOSC search API)",
                         description=about + " A 400 with the JSON error shape for a malformed filter.")
    router.add_api_route(f"/api/{plural}/count", count, methods=["GET"], summary=f"Count {plural} (PaNOSC search API)",
                         description=f"`{{\"count\": n}}`: the number of {plural} matching `where`.")
    if model == "Dataset":
        async def files_count(request: Request, pid: str = Path(..., description="The dataset's pid"),
                              where: str | None = Query(None, description=WHERE_DOC)) -> JSONResponse:
            return JSONResponse({"count": await _run(request, "files", pid, None, _where(where))})

        async def files(request: Request, pid: str = Path(..., description="The dataset's pid"),
                        filter: str | None = Query(None, description=FILTER_DOC)) -> JSONResponse:
            return JSONResponse(await _run(request, "files", pid, _filter(filter, "File", None)))

        router.add_api_route("/api/Datasets/{pid:path}/files/count", files_count, methods=["GET"],
                             summary="Count a dataset's files (PaNOSC search API)",
                             description="`{\"count\": n}`: the files of the dataset matching `where`; 404 for an "
                             "unknown pid.")
        router.add_api_route("/api/Datasets/{pid:path}/files", files, methods=["GET"],
                             summary="A dataset's files (PaNOSC search API)",
                             description="PaNOSC Files {id, name, path, size, datasetId} of the dataset (PaNOSC files, "
                             "SciCat datablock files), filtered by `filter`; 404 for an unknown pid.")
    router.add_api_route(f"/api/{plural}/{{pid:path}}", one, methods=["GET"],
                         summary=f"One {model} by pid (PaNOSC search API)",
                         description=f"The {model} whose pid is given (a DOI in any case, a Handle, the pid as the "
                         "source wrote it, or the IRI), with the relations of `filter.include`; 404 when unknown.")


for _model in ("Dataset", "Document", "Instrument"):
    _add_model_routes(_model)
