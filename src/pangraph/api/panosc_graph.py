"""The graph read back as the PaNOSC search API's models (Dataset, Document, Instrument and their relations).

How the graph maps back (the inverse of ``pangraph.crosswalk.panosc_api`` for PaNOSC records, and the same
reading for every other source — DataCite, SciCat, ICAT …):

- **Dataset** = every ``dcat:Dataset`` that is not software. ``pid``: the DOI as the source wrote it for a
  DOI IRI, the Handle for a Handle IRI, else the ``dct:identifier`` when exactly one dataset has it, else
  the IRI. ``title`` ``dct:title``; ``isPublic`` false only when ``dct:accessRights`` is NON_PUBLIC,
  RESTRICTED or EMBARGOED; ``creationDate`` ``dct:created``, else ``dct:issued``; ``size`` the sum of the
  distributions' ``dcat:byteSize``. Relations: ``techniques`` (``schema:measurementTechnique``: pid the
  PaNET IRI, name its PaNET label), ``instrument`` (``prov:wasGeneratedBy/prov:used`` a
  ``pangraph:Instrument``), ``samples`` (``…/prov:used`` a ``sosa:Sample``), ``parameters``
  (``schema:additionalProperty``/``schema:variableMeasured`` PropertyValues), ``files`` (distributions
  with a ``dct:title`` — PaNOSC files — and SciCat datablock ``schema:MediaObject`` parts) and
  ``documents``.
- **Document** = proposals (a ``prov:Activity`` with a ``dct:identifier``: PaNOSC, DataCite, SciCat, ICAT
  proposals and experiments; ``type`` "proposal"), publications (``schema:ScholarlyArticle``, and every
  DOI a dataset ``dct:isReferencedBy`` that is not itself a dataset; ``type`` "publication") and other
  PaNOSC documents (``schema:additionalType`` as written wins over both). A proposal without a title is
  titled "Proposal {identifier}", a publication without one by its citation, else "Publication {doi}".
  Its datasets are those ``prov:wasGeneratedBy`` / ``dct:isReferencedBy`` / ``dct:relation`` it;
  ``members`` come from ``prov:qualifiedAssociation``/``prov:qualifiedAttribution`` (role = the role's
  label) and the people associated without a role.
- **Instrument** = every ``pangraph:Instrument``: ``name`` ``rdfs:label``, ``facility`` the name of the
  organisation it is attributed to (``prov:wasAttributedTo``/``pangraph:facility``), else the publisher of
  its datasets.

The whole view is read with a few SPARQL queries over the union graph and kept until the store changes
(:class:`ViewCache` compares the provenance graph's record count and newest harvest time, and rebuilds in the
background while the previous view keeps answering).
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

from pangraph import iri as ids
from pangraph.rdf import sparql_prefixes
from pangraph.store import Store

log = logging.getLogger(__name__)

XSD = "http://www.w3.org/2001/XMLSchema#"
ACCESS = "http://publications.europa.eu/resource/authority/access-right/"
NOT_PUBLIC = {ACCESS + "NON_PUBLIC", ACCESS + "RESTRICTED", ACCESS + "EMBARGOED"}
SPDX = "http://spdx.org/licenses/"
DOI = "https://doi.org/"
HANDLE = "https://hdl.handle.net/"
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                              "nonNegativeInteger", "positiveInteger", "unsignedInt", "unsignedLong")}

_DATASETS = """
  ?d a dcat:Dataset .
  FILTER NOT EXISTS { ?d a schema:SoftwareSourceCode }
  FILTER NOT EXISTS { ?d a schema:SoftwareApplication }"""

_DOCUMENTS = """
  { ?doc a prov:Activity ; dct:identifier ?anyid . }
  UNION { ?doc a schema:ScholarlyArticle . }
  UNION { ?doc a schema:CreativeWork ; schema:additionalType ?anytype .
          FILTER NOT EXISTS { ?doc a schema:LearningResource } FILTER NOT EXISTS { ?doc a dcat:Dataset } }
  UNION { ?anyds a dcat:Dataset ; dct:isReferencedBy ?doc .
          FILTER(STRSTARTS(STR(?doc), "https://doi.org/")) FILTER NOT EXISTS { ?doc a dcat:Dataset } }"""

QUERIES = {
    "dataset_props": f"""SELECT DISTINCT ?s ?p ?o WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ {_DATASETS.replace('?d', '?s')} }} }}
  VALUES ?p {{ dct:identifier dct:title dct:created dct:issued dct:accessRights dct:description dcat:keyword
              dct:publisher }}
  ?s ?p ?o }}""",
    "techniques": f"SELECT DISTINCT ?d ?t WHERE {{ {_DATASETS} ?d schema:measurementTechnique ?t . FILTER(isIRI(?t)) }}",
    "instruments_of": f"""SELECT DISTINCT ?d ?i WHERE {{ {_DATASETS}
  ?d prov:wasGeneratedBy ?a . ?a prov:used ?i . FILTER EXISTS {{ ?i a pangraph:Instrument }} }}""",
    "samples": f"""SELECT DISTINCT ?d ?s WHERE {{ {_DATASETS}
  ?d prov:wasGeneratedBy ?a . ?a prov:used ?s . FILTER EXISTS {{ ?s a sosa:Sample }} }}""",
    "sample_props": """SELECT DISTINCT ?s ?p ?o WHERE { { SELECT DISTINCT ?s WHERE { ?s a sosa:Sample } }
  VALUES ?p { dct:identifier rdfs:label dct:description } ?s ?p ?o }""",
    "files": f"""SELECT DISTINCT ?d ?f ?name ?ident ?size ?part WHERE {{ {_DATASETS}
  ?d dcat:distribution ?f .
  {{ ?f dct:title ?name . OPTIONAL {{ ?f dct:identifier ?ident }} OPTIONAL {{ ?f dcat:byteSize ?size }} }}
  UNION {{ ?f dct:hasPart ?part . ?part a schema:MediaObject ; schema:name ?ident .
          OPTIONAL {{ ?part schema:contentSize ?size }} }} }}""",
    "sizes": f"""SELECT ?d (SUM(?b) AS ?size) WHERE {{ SELECT DISTINCT ?d ?f ?b WHERE {{ {_DATASETS}
  ?d dcat:distribution ?f . ?f dcat:byteSize ?b }} }} GROUP BY ?d""",
    "parameters": """SELECT DISTINCT ?s ?name ?v ?dt ?ut ?uc WHERE {
  ?s schema:additionalProperty|schema:variableMeasured ?p . ?p schema:name ?name ; schema:value ?v .
  BIND(DATATYPE(?v) AS ?dt) OPTIONAL { ?p schema:unitText ?ut } OPTIONAL { ?p schema:unitCode ?uc } }""",
    "documents": f"""SELECT DISTINCT ?doc ?kind WHERE {{
  {{ ?doc a prov:Activity ; dct:identifier ?x . BIND("proposal" AS ?kind) }}
  UNION {{ {_DOCUMENTS} BIND("publication" AS ?kind) FILTER NOT EXISTS {{ ?doc a prov:Activity }} }} }}""",
    "document_props": f"""SELECT DISTINCT ?s ?p ?o WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ {_DOCUMENTS.replace('?doc', '?s')} }} }}
  VALUES ?p {{ dct:identifier dct:title dct:description schema:additionalType rdfs:seeAlso prov:startedAtTime
              prov:endedAtTime dct:issued dct:license dcat:keyword dct:accessRights dct:bibliographicCitation }}
  ?s ?p ?o }}""",
    "document_links": f"""SELECT DISTINCT ?d ?doc WHERE {{ {_DATASETS}
  ?d prov:wasGeneratedBy|dct:isReferencedBy|dct:relation ?doc . FILTER(isIRI(?doc)) }}""",
    "members": """SELECT DISTINCT ?doc ?agent ?role ?rolelabel ?org WHERE {
  GRAPH ?g {
    { ?doc prov:qualifiedAssociation ?q . ?q prov:agent ?agent .
      OPTIONAL { ?q dcat:hadRole ?role OPTIONAL { ?role rdfs:label ?rolelabel } } }
    UNION { ?doc a schema:ScholarlyArticle ; prov:qualifiedAttribution ?q . ?q prov:agent ?agent .
      OPTIONAL { ?q dcat:hadRole ?role OPTIONAL { ?role rdfs:label ?rolelabel } } }
    UNION { ?doc prov:wasAssociatedWith ?agent }
    ?agent a foaf:Person .
    OPTIONAL { ?agent org:memberOf ?org } } }""",
    "people": """SELECT DISTINCT ?s ?p ?o WHERE {
  { SELECT DISTINCT ?s WHERE {
      { ?doc prov:qualifiedAssociation ?q . ?q prov:agent ?s }
      UNION { ?doc a schema:ScholarlyArticle ; prov:qualifiedAttribution ?q . ?q prov:agent ?s }
      UNION { ?doc prov:wasAssociatedWith ?s } } }
  FILTER EXISTS { ?s a foaf:Person }
  VALUES ?p { foaf:name foaf:givenName foaf:familyName dct:identifier org:memberOf }
  ?s ?p ?o }""",
    "organisations": """SELECT DISTINCT ?o ?name WHERE { { SELECT DISTINCT ?o WHERE { ?o a foaf:Organization } }
  ?o foaf:name ?name }""",
    "addresses": """SELECT DISTINCT ?o ?street ?city ?country WHERE {
  ?o vcard:hasAddress ?a . OPTIONAL { ?a vcard:street-address ?street }
  OPTIONAL { ?a vcard:locality ?city } OPTIONAL { ?a vcard:country-name ?country } }""",
    "instrument_props": """SELECT DISTINCT ?s ?p ?o WHERE { { SELECT DISTINCT ?s WHERE { ?s a pangraph:Instrument } }
  VALUES ?p { dct:identifier rdfs:label } ?s ?p ?o }""",
    "instruments": """SELECT DISTINCT ?i WHERE { ?i a pangraph:Instrument }""",
    "instrument_facilities": """SELECT DISTINCT ?i ?f WHERE {
  { ?i prov:wasAttributedTo ?f } UNION { ?i pangraph:facility ?f } FILTER EXISTS { ?i a pangraph:Instrument } }""",
    "fingerprint": """SELECT (COUNT(?g) AS ?n) (MAX(STR(?t)) AS ?newest) WHERE {
  GRAPH ?pg { ?g a prov:Entity ; prov:generatedAtTime ?t } }""",
}


def _query(store: Store, name: str) -> list[dict[str, str | None]]:
    prefixes = sparql_prefixes() + "PREFIX sosa: <http://www.w3.org/ns/sosa/>\n"
    return store.select(prefixes + QUERIES[name])


def iso_datetime(value: str | None) -> str | None:
    """A stored date as the API's date-time text: ``xsd:dateTime`` as stored, a date at midnight UTC, a
    year on 1 January; anything else (an invalid date kept as text) as it is."""
    if value is None:
        return None
    v = value.strip()
    if re.fullmatch(r"\d{4}", v):
        return f"{v}-01-01T00:00:00Z"
    if re.fullmatch(r"\d{4}-\d{2}", v):
        return f"{v}-01T00:00:00Z"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        return f"{v}T00:00:00Z"
    return v


def typed_value(lexical: str, datatype: str | None) -> Any:
    """A literal as a JSON value: numbers as numbers, booleans as booleans, the rest as text."""
    if datatype in _NUMERIC:
        try:
            number = float(lexical)
        except ValueError:
            return lexical
        if math.isfinite(number) and number == int(number) and "e" not in lexical.lower() and "." not in lexical:
            return int(number)
        return number if math.isfinite(number) else lexical
    if datatype == XSD + "boolean":
        return lexical.strip().lower() in ("true", "1")
    return lexical


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


@dataclass
class Entity:
    """One item of a model: its IRI, its public fields (``data``), links to other models and text."""

    iri: str
    data: dict[str, Any]
    links: dict[str, list[Any]] = field(default_factory=dict)
    tokens: Counter = field(default_factory=Counter)
    norm: float = 0.0


@dataclass
class View:
    """The graph as PaNOSC models: per model, entities by IRI (in pid order) and the pid index."""

    models: dict[str, dict[str, Entity]]
    pids: dict[str, dict[str, str]]
    idf: dict[str, dict[str, float]]
    built_s: float

    def find(self, model: str, pid: str) -> Entity | None:
        """The entity of *model* whose pid (or IRI, or DOI / Handle in any case) is *pid*."""
        items = self.models[model]
        iri = self.pids[model].get(pid)
        if iri is None and pid in items:
            iri = pid
        if iri is None:
            for candidate in (ids.doi_iri(pid), ids.handle_iri(pid)):
                if candidate and candidate in items:
                    iri = candidate
                    break
        return items.get(iri) if iri else None


def _pid(iri: str, identifiers: list[str], shared: Counter) -> str:
    if iri.startswith(DOI):
        doi = iri[len(DOI):]
        for ident in identifiers:
            if ident.casefold() == doi.casefold() or (ids.doi_iri(ident) or "") == iri:
                return ident if ident.casefold() == doi.casefold() else doi
        return doi
    if iri.startswith(HANDLE):
        return iri[len(HANDLE):]
    if len(identifiers) == 1 and shared[identifiers[0]] == 1:
        return identifiers[0]
    return iri


def _first(values: list[str] | None) -> str | None:
    return min(values) if values else None


class _Props:
    """``?s ?p ?o`` rows grouped: ``props[s][local name of p] = sorted values``."""

    def __init__(self, rows: list[dict[str, str | None]]) -> None:
        grouped: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for r in rows:
            if r["s"] and r["o"] is not None:
                grouped[r["s"]][re.split(r"[#/]", r["p"] or "")[-1]].add(r["o"])
        self.by_subject = {s: {p: sorted(v) for p, v in ps.items()} for s, ps in grouped.items()}

    def get(self, s: str) -> dict[str, list[str]]:
        return self.by_subject.get(s, {})


def build_view(store: Store, *, technique_label: Callable[[str], str | None],
               role_label: Callable[[str], str | None]) -> View:
    """Read the whole PaNOSC view of *store* (a few SPARQL queries; see the module docstring)."""
    started = time.perf_counter()
    orgs: dict[str, dict[str, Any]] = {}
    for r in sorted(_query(store, "organisations"), key=lambda r: (r["o"], r["name"])):
        orgs.setdefault(r["o"], {"name": r["name"]})
    for r in _query(store, "addresses"):
        org = orgs.get(r["o"])
        for key, col in (("address", "street"), ("city", "city"), ("country", "country")):
            if org is not None and r[col] and key not in org:
                org[key] = r[col]

    # --- parameters (datasets and documents) -------------------------------------------------------------
    parameters: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in _query(store, "parameters"):
        param: dict[str, Any] = {"name": r["name"], "value": typed_value(r["v"] or "", r["dt"])}
        param["unit"] = r["ut"] or ""
        if r["uc"]:
            param["_unitCode"] = r["uc"]
        parameters[r["s"]].append(param)
    for plist in parameters.values():
        plist.sort(key=lambda p: (p["name"], str(p["value"]), p["unit"]))
        for n, p in enumerate(plist, start=1):
            p["id"] = n

    # --- instruments --------------------------------------------------------------------------------------
    iprops = _Props(_query(store, "instrument_props"))
    inst_ids: dict[str, set[str]] = {r["i"]: set(iprops.get(r["i"]).get("identifier", []))
                                     for r in _query(store, "instruments")}
    inst_names: dict[str, set[str]] = {i: set(iprops.get(i).get("label", [])) for i in inst_ids}
    facilities: dict[str, set[str]] = defaultdict(set)
    for r in _query(store, "instrument_facilities"):
        if r["f"] in orgs:
            facilities[r["i"]].add(orgs[r["f"]]["name"])

    # --- datasets -----------------------------------------------------------------------------------------
    dprops = _Props(_query(store, "dataset_props"))
    sizes = {r["d"]: r["size"] for r in _query(store, "sizes")}
    techniques: dict[str, set[str]] = defaultdict(set)
    for r in _query(store, "techniques"):
        techniques[r["d"]].add(r["t"])
    instrument_of: dict[str, set[str]] = defaultdict(set)
    for r in _query(store, "instruments_of"):
        instrument_of[r["d"]].add(r["i"])
    sprops = _Props(_query(store, "sample_props"))
    samples: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in _query(store, "samples"):
        props = sprops.get(r["s"])
        sample = {"pid": _first(props.get("identifier")) or r["s"]}
        if props.get("label"):
            sample["name"] = props["label"][0]
        if props.get("description"):
            sample["description"] = props["description"][0]
        samples[r["d"]][r["s"]] = sample
    files: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in _query(store, "files"):
        key = r["part"] or r["f"]
        if r["part"]:  # a SciCat datablock file: schema:name is the path
            full = r["ident"] or ""
            name, path = full.rsplit("/", 1)[::-1] if "/" in full else (full, None)
        else:
            name = r["name"]
            full = r["ident"] or ""
            path = full[: -len(name) - 1] if name and full.endswith("/" + name) else None
        f = files[r["d"]].setdefault(key, {"name": name})
        if path and "path" not in f:
            f["path"] = path
        if r["size"] and "size" not in f:
            f["size"] = typed_value(r["size"], XSD + "integer")

    dataset_ids = {d: props.get("identifier", []) for d, props in dprops.by_subject.items()}
    shared = Counter(i for idents in dataset_ids.values() if len(idents) == 1 for i in idents)
    datasets: dict[str, Entity] = {}
    publisher_names: dict[str, set[str]] = defaultdict(set)
    for d, props in dprops.by_subject.items():
        pid = _pid(d, props.get("identifier", []), shared)
        data: dict[str, Any] = {"pid": pid, "title": _first(props.get("title")) or f"Dataset {pid}",
                                "isPublic": not (set(props.get("accessRights", [])) & NOT_PUBLIC)}
        created = iso_datetime(_first(props.get("created")) or _first(props.get("issued")))
        if created:
            data["creationDate"] = created
        if sizes.get(d) is not None:
            data["size"] = typed_value(sizes[d], XSD + "integer")
        inst = sorted(instrument_of.get(d, ()))
        for pub in props.get("publisher", []):
            if pub in orgs:
                for i in inst:
                    publisher_names[i].add(orgs[pub]["name"])
        entity = Entity(d, data)
        entity.links = {
            "techniques": [{"pid": t, "name": technique_label(t) or t} for t in sorted(techniques.get(d, ()))],
            "instrument": inst[:1],
            "samples": [samples[d][k] for k in sorted(samples.get(d, {}))],
            "files": [files[d][k] for k in sorted(files.get(d, {}))],
            "parameters": [dict(p, datasetId=pid) for p in parameters.get(d, [])],
            "documents": [],
            "_description": props.get("description", []),
            "_keywords": props.get("keyword", []),
        }
        for n, f in enumerate(entity.links["files"], start=1):
            f.setdefault("id", n)
            f["datasetId"] = pid
        datasets[d] = entity

    # --- instruments (after datasets: the facility falls back to the datasets' publisher) --------------------
    shared_inst = Counter(i for idents in inst_ids.values() if len(idents) == 1 for i in idents)
    instruments: dict[str, Entity] = {}
    for i in inst_ids:
        pid = _pid(i, sorted(inst_ids[i]), shared_inst)
        facility = _first(sorted(facilities.get(i, ()))) or _first(sorted(publisher_names.get(i, ()))) or ""
        instruments[i] = Entity(i, {"pid": pid, "name": _first(sorted(inst_names.get(i, ()))) or pid,
                                    "facility": facility}, links={"datasets": []})
    for d, entity in datasets.items():
        entity.links["instrument"] = [i for i in entity.links["instrument"] if i in instruments]
        for i in entity.links["instrument"]:
            instruments[i].links["datasets"].append(d)
            entity.data["instrumentId"] = instruments[i].data["pid"]

    # --- documents --------------------------------------------------------------------------------------
    kinds: dict[str, str] = {}
    for r in _query(store, "documents"):
        if r["kind"] == "proposal" or r["doc"] not in kinds:
            kinds[r["doc"]] = r["kind"]
    docprops = _Props(_query(store, "document_props"))
    doc_ids = {doc: docprops.get(doc).get("identifier", []) for doc in kinds}
    shared_doc = Counter(i for idents in doc_ids.values() if len(idents) == 1 for i in idents)
    people = _Props(_query(store, "people"))
    members: dict[str, dict[tuple[str, str | None], dict[str, Any]]] = defaultdict(dict)
    for r in _query(store, "members"):
        role = r["rolelabel"] or (role_label(r["role"]) if r["role"] else None)
        member = members[r["doc"]].setdefault((r["agent"], role), {"agent": r["agent"], "role": role})
        if r["org"] and not member.get("org"):
            member["org"] = r["org"]  # the affiliation the same record gives
    documents: dict[str, Entity] = {}
    for doc, kind in kinds.items():
        props = docprops.get(doc)
        pid = _pid(doc, props.get("identifier", []), shared_doc)
        written = _first(props.get("additionalType"))
        doc_type = written if written else kind
        title = _first(props.get("title"))
        if not title:
            title = (_first(props.get("bibliographicCitation")) if kind == "publication" else None) or \
                f"{'Proposal' if kind == 'proposal' else 'Publication'} {pid}"
        data: dict[str, Any] = {"pid": pid, "isPublic": not (set(props.get("accessRights", [])) & NOT_PUBLIC),
                                "type": doc_type, "title": title}
        if props.get("description"):
            data["summary"] = props["description"][0]
        doi = doc[len(DOI):] if doc.startswith(DOI) else next(
            (s[len(DOI):] for s in props.get("seeAlso", []) if s.startswith(DOI)), None)
        if doi:
            data["doi"] = next((i for i in props.get("identifier", []) if i.casefold() == doi.casefold()), doi)
        for key, prop in (("startDate", "startedAtTime"), ("endDate", "endedAtTime"), ("releaseDate", "issued")):
            value = iso_datetime(_first(props.get(prop)))
            if value:
                data[key] = value
        licence = _first(props.get("license"))
        if licence:
            data["license"] = licence[len(SPDX):] if licence.startswith(SPDX) else licence
        if props.get("keyword"):
            data["keywords"] = props["keyword"]
        entity = Entity(doc, data, links={"datasets": [], "parameters": [dict(p, documentId=pid)
                                                                          for p in parameters.get(doc, [])]})
        entity.links["members"] = _members(members.get(doc, {}), people, orgs, pid)
        documents[doc] = entity
    for r in _query(store, "document_links"):
        if r["doc"] in documents and r["d"] in datasets:
            documents[r["doc"]].links["datasets"].append(r["d"])
            datasets[r["d"]].links["documents"].append(r["doc"])

    models = {"Dataset": datasets, "Document": documents, "Instrument": instruments}
    idf: dict[str, dict[str, float]] = {}
    for name, items in models.items():
        df: Counter = Counter()
        for e in items.values():
            e.tokens = Counter(_tokens(" ".join(str(t) for t in _relevance_texts(name, e) if t is not None)))
            df.update(set(e.tokens))
        total = len(items)
        idf[name] = {t: math.log((1 + total) / (1 + n)) + 1.0 for t, n in df.items()}
        for e in items.values():
            e.norm = math.sqrt(sum((c * idf[name][t]) ** 2 for t, c in e.tokens.items()))
    ordered = {name: dict(sorted(items.items(), key=lambda kv: str(kv[1].data["pid"])))
               for name, items in models.items()}
    pids = {name: {str(e.data["pid"]): i for i, e in items.items()} for name, items in ordered.items()}
    return View(ordered, pids, idf, time.perf_counter() - started)


def _members(found: dict[tuple[str, str | None], dict[str, Any]], people: _Props, orgs: dict[str, dict[str, Any]],
             doc_pid: str) -> list[dict[str, Any]]:
    """Members of one document: one per person and role (people with a role are not repeated without)."""
    with_role = {agent for agent, role in found if role}
    out = []
    for (agent, role), seen in sorted(found.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if role is None and agent in with_role:
            continue
        props = people.get(agent)
        person: dict[str, Any] = {"id": agent, "fullName": _first(props.get("name")) or agent}
        if agent.startswith("https://orcid.org/"):
            person["orcid"] = agent[len("https://orcid.org/"):]
        if props.get("givenName"):
            person["firstName"] = props["givenName"][0]
        if props.get("familyName"):
            person["lastName"] = props["familyName"][0]
        member: dict[str, Any] = {"id": len(out) + 1, "role": role, "documentId": doc_pid, "personId": agent,
                                  "person": person}
        org_iri = seen.get("org") if seen.get("org") in orgs else next(
            (o for o in props.get("memberOf", []) if o in orgs), None)
        if org_iri:
            member["affiliationId"] = org_iri
            member["affiliation"] = {"id": org_iri, **orgs[org_iri]}
        out.append(member)
    return out


def _relevance_texts(model: str, e: Entity) -> list[Any]:
    """The text a ``query`` is scored against."""
    d = e.data
    if model == "Dataset":
        return [d.get("title"), *e.links.get("_description", []), *e.links.get("_keywords", []),
                *(t["name"] for t in e.links.get("techniques", []))]
    if model == "Document":
        return [d.get("title"), d.get("summary"), *d.get("keywords", [])]
    return [d.get("name"), d.get("facility")]


def scorer(view: View, model: str, query: str) -> Callable[[Entity], float]:
    """The relevance of an item to *query*: TF-IDF cosine similarity (0–1) of the query and the item's text,
    IDF over all items of the model (a query word no item has weighs as much as the rarest)."""
    terms = Counter(_tokens(query))
    idf = view.idf[model]
    unseen = math.log(1 + len(view.models[model])) + 1.0
    q_norm = math.sqrt(sum((c * idf.get(t, unseen)) ** 2 for t, c in terms.items()))
    weights = [(t, c * idf[t] * idf[t]) for t, c in terms.items() if t in idf]

    def score(entity: Entity) -> float:
        if not weights or not entity.norm:
            return 0.0
        tokens = entity.tokens
        dot = sum(w * tokens[t] for t, w in weights if t in tokens)
        return round(dot / (q_norm * entity.norm), 6) if dot else 0.0

    return score


class ViewCache:
    """The view of one store. Built on first use (that request waits); afterwards the store is checked at most
    every *check_s* seconds in a background thread, which rebuilds the view when the store changed while
    requests keep getting the previous view — a harvest never makes the API wait."""

    def __init__(self, store: Store, *, technique_label: Callable[[str], str | None],
                 role_label: Callable[[str], str | None], check_s: float = 2.0) -> None:
        self.store = store
        self.technique_label = technique_label
        self.role_label = role_label
        self.check_s = check_s
        self._lock = threading.Lock()        # guards the fields below
        self._build_lock = threading.Lock()  # one build at a time
        self._view: View | None = None
        self._fingerprint: tuple[Any, ...] | None = None
        self._checked = 0.0
        self._rebuilding: threading.Thread | None = None
        self.last_error: str | None = None

    def _current_fingerprint(self) -> tuple[Any, ...]:
        row = _query(self.store, "fingerprint")[0]
        return (row["n"], row["newest"])

    def _build(self, fingerprint: tuple[Any, ...]) -> View:
        with self._build_lock:
            if self._view is not None and self._fingerprint == fingerprint:
                return self._view  # another request built it meanwhile
            view = build_view(self.store, technique_label=self.technique_label, role_label=self.role_label)
            with self._lock:
                self._view, self._fingerprint = view, fingerprint
            return view

    @property
    def ready(self) -> bool:
        """Whether a view has been built (requests no longer wait for the first build)."""
        return self._view is not None

    @property
    def rebuilding(self) -> bool:
        return self._rebuilding is not None and self._rebuilding.is_alive()

    def _check_in_background(self) -> None:
        try:
            fingerprint = self._current_fingerprint()
            if fingerprint != self._fingerprint:
                self._build(fingerprint)
            self.last_error = None
        except Exception as e:  # noqa: BLE001 - keep serving the previous view; say why in last_error
            log.warning("PaNOSC view rebuild failed: %s", e)
            self.last_error = f"{type(e).__name__}: {e}"

    def get(self) -> View:
        """The current view. The first call builds it (and waits); later calls answer at once with the view
        they find and, at most every *check_s* seconds, start a background check of the store that rebuilds
        the view when the store changed."""
        with self._lock:
            view = self._view
            if view is not None:
                now = time.monotonic()
                if now - self._checked >= self.check_s and not self.rebuilding:
                    self._checked = now
                    self._rebuilding = threading.Thread(target=self._check_in_background, name="panosc-view",
                                                        daemon=True)
                    self._rebuilding.start()
                return view
        fingerprint = self._current_fingerprint()
        view = self._build(fingerprint)
        with self._lock:
            self._checked = time.monotonic()
        return view
