"""Entity pages for people: what the HTML page of a dataset, person, instrument, training resource or
software shows above the full list of statements, and the schema.org JSON-LD embedded in it.

The kind of a resource comes from its ``rdf:type`` (:data:`KIND_TYPES`). Each kind has a summary: the
fields a reader looks for first (title, description, people, technique, licence …), read from the
description that :func:`pangraph.api.linkeddata.description_view` already fetched, plus a few queries
for what sits one hop further away (a dataset's files and instruments, a person's works, an
instrument's datasets, the training and software about a dataset's techniques).

Datasets, training and software pages embed ``<script type="application/ld+json">`` with a schema.org
description (``schema:Dataset`` with the properties Google Dataset Search reads; ``LearningResource`` /
``Course`` / ``Event``; ``SoftwareSourceCode``), built from the graph, never from the record.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable
from urllib.parse import urlencode

from pangraph.rdf import DCAT, DCT, FOAF, ORG, PANET, PANGRAPH, PROV, RDFS, SCHEMA, SKOS, iri as iri_term

#: the kinds of entity pages and the rdf:types that make a resource one (first match wins, in this order)
KIND_TYPES: dict[str, tuple[str, ...]] = {
    "dataset": (DCAT.raw("Dataset"),),
    "training": (SCHEMA.raw("LearningResource"), SCHEMA.raw("Course"), SCHEMA.raw("CourseInstance"),
                 SCHEMA.raw("Event")),
    "software": (SCHEMA.raw("SoftwareSourceCode"), SCHEMA.raw("SoftwareApplication")),
    "instrument": (PANGRAPH.raw("Instrument"),),
    "person": (FOAF.raw("Person"), SCHEMA.raw("Person")),
    "organization": (FOAF.raw("Organization"), SCHEMA.raw("Organization")),
}
KIND_LABELS = {"dataset": "Dataset", "training": "Training", "software": "Software", "instrument": "Instrument",
               "person": "Person", "organization": "Organisation"}
#: kinds of the works listed on person/organisation pages
WORK_KINDS = ("dataset", "training", "software")

PANET_ID = re.compile(r"^PaNET\d{5}$")
NAME_PREDICATES = (FOAF.raw("name"), SCHEMA.raw("name"), RDFS.raw("label"), DCT.raw("title"), SKOS.raw("prefLabel"))
#: relations to other resources shown as "related" on dataset pages (DataCite relation types, DESIGN §4)
RELATIONS: tuple[str, ...] = tuple(DCT.raw(p) for p in (
    "references", "isReferencedBy", "relation", "isPartOf", "hasPart", "source", "isVersionOf", "hasVersion",
    "isReplacedBy", "replaces", "requires", "isRequiredBy", "conformsTo")) + (
    SCHEMA.raw("citation"), SCHEMA.raw("isBasedOn"))


#: what each relation says in words, read from the resource of the page ("this dataset … that resource")
RELATION_WORDS: dict[str, tuple[str, str]] = {  # predicate: (outbound, inbound)
    DCT.raw("references"): ("references", "is referenced by"),
    DCT.raw("isReferencedBy"): ("is referenced by", "references"),
    DCT.raw("isPartOf"): ("is part of", "has part"),
    DCT.raw("hasPart"): ("has part", "is part of"),
    DCT.raw("isVersionOf"): ("is a version of", "has version"),
    DCT.raw("hasVersion"): ("has version", "is a version of"),
    DCT.raw("replaces"): ("replaces", "is replaced by"),
    DCT.raw("isReplacedBy"): ("is replaced by", "replaces"),
    DCT.raw("requires"): ("requires", "is required by"),
    DCT.raw("isRequiredBy"): ("is required by", "requires"),
    DCT.raw("source"): ("is derived from", "is the source of"),
    DCT.raw("relation"): ("is related to", "is related to"),
    DCT.raw("conformsTo"): ("conforms to", "is conformed to by"),
    SCHEMA.raw("citation"): ("cites", "is cited by"),
    SCHEMA.raw("isBasedOn"): ("is based on", "is the basis of"),
}


def relation_words(relation: str, direction: str) -> str:
    """The relation *relation* in words, as seen from the page's resource (*direction* ``out`` or ``in``)."""
    words = RELATION_WORDS.get(relation)
    if words is None:
        return relation if direction == "out" else f"inverse of {relation}"
    return words[0] if direction == "out" else words[1]


def kind_of(types: Iterable[str]) -> str | None:
    """The page kind of a resource with these rdf:types, or None for a plain description."""
    present = set(types)
    for kind, wanted in KIND_TYPES.items():
        if present.intersection(wanted):
            return kind
    return None


def panet_id(value: str) -> str | None:
    """``PaNET01188`` for the PaNET class IRI ``http://purl.org/pan-science/PaNET/PaNET01188``."""
    if value.startswith(PANET.raw("")):
        local = value[len(PANET.raw("")):]
        if PANET_ID.match(local):
            return local
    return None


def page_href(value: str, root: str, base: str) -> str:
    """Where a person follows *value* on this node: a PaNET class → its technique page; a minted IRI →
    itself (it dereferences); any other IRI (DOI, ORCID …) → its ``/describe`` page."""
    pid = panet_id(value)
    if pid:
        return f"{root}technique/{pid}"
    if value.startswith(base + "/"):
        return value
    return f"{root}describe?" + urlencode({"iri": value})


# -- reading the description ------------------------------------------------------------------------------

def _values(props: list[dict[str, Any]], *predicates: str) -> list[Any]:
    """The TermViews of *predicates* (in that order), duplicates removed."""
    out: list[Any] = []
    by_p = {p["predicate"]: p["values"] for p in props}
    for p in predicates:
        for v in by_p.get(p, ()):
            if v not in out:
                out.append(v)
    return out


def _texts(terms: list[Any]) -> list[str]:
    """Literal values with the same text once (a title with and without a language tag is one title)."""
    out: list[str] = []
    for t in terms:
        if t.kind == "literal" and t.value.strip() and t.value not in out:
            out.append(t.value)
    return out


def _links(terms: list[Any], *, one_per_label: bool = False) -> list[dict[str, str | None]]:
    """IRIs with their labels. With *one_per_label*, one IRI per label: two sources that mint an IRI each for
    the same facility ("European Synchrotron Radiation Facility") show it once (the statements list both)."""
    out = []
    seen: set[str] = set()
    for t in terms:
        key = (t.label or t.value) if one_per_label else t.value
        if t.kind == "iri" and key not in seen:
            seen.add(key)
            out.append({"iri": t.value, "label": t.label})
    return out


#: readable names of the roles people and organisations have (DataCite contributor types as MARC relators)
ROLE_LABELS: dict[str, str] = {
    DCT.raw("creator"): "creator", DCT.raw("contributor"): "contributor", DCT.raw("publisher"): "publisher",
    SCHEMA.raw("author"): "author", SCHEMA.raw("creator"): "creator", SCHEMA.raw("contributor"): "contributor",
    SCHEMA.raw("provider"): "provider", SCHEMA.raw("publisher"): "publisher", SCHEMA.raw("organizer"): "organiser",
    SCHEMA.raw("instructor"): "instructor", SCHEMA.raw("maintainer"): "maintainer", SCHEMA.raw("funder"): "funder",
    PROV.raw("qualifiedAttribution"): "attributed", DCT.raw("rightsHolder"): "rights holder",
}
RELATORS = "http://id.loc.gov/vocabulary/relators/"
RELATOR_LABELS: dict[str, str] = {
    "aut": "author", "cre": "creator", "ctb": "contributor", "dtc": "data contributor", "dtm": "data manager",
    "edt": "editor", "his": "host institution", "pdr": "project director", "pbl": "publisher", "res": "researcher",
    "rth": "research team head", "rtm": "research team member", "sad": "scientific advisor", "spn": "sponsor",
    "fnd": "funder", "cur": "curator", "own": "owner", "dst": "distributor", "prg": "programmer", "oth": "other",
    "ctc": "contact", "prc": "producer", "rpy": "responsible party", "mdc": "metadata contact",
}


def role_label(role: str) -> str:
    """``creator``, ``project director`` … for a role predicate or relator IRI (its last segment otherwise)."""
    if role in ROLE_LABELS:
        return ROLE_LABELS[role]
    if role.startswith(RELATORS):
        code = role[len(RELATORS):]
        return RELATOR_LABELS.get(code, code)
    return role.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _select(store: Any, query: str) -> list[dict[str, str | None]]:
    return store.select(query)


def _name_optional(var: str, out: str) -> str:
    names = " ".join(f"<{p}>" for p in NAME_PREDICATES)
    return f"OPTIONAL {{ VALUES ?np_{out} {{ {names} }} {var} ?np_{out} ?{out} }}"


def _first_by(rows: list[dict[str, str | None]], key: str, value_key: str) -> dict[str, str | None]:
    """One value per *key* (the first non-empty; rows come sorted)."""
    out: dict[str, str | None] = {}
    for r in rows:
        k = r.get(key)
        if k is None:
            continue
        if out.get(k) is None:
            out[k] = r.get(value_key)
    return out


# -- one-hop facts ----------------------------------------------------------------------------------------

def distributions(store: Any, iri: str) -> list[dict[str, Any]]:
    """The files of a dataset: each ``dcat:distribution`` with title, media type, download/access URL, size."""
    term = iri_term(iri)
    rows = _select(store, f"""SELECT ?d ?title ?media ?format ?download ?access ?size WHERE {{
  {term} <{DCAT.raw('distribution')}> ?d .
  OPTIONAL {{ ?d <{DCT.raw('title')}> ?title }}
  OPTIONAL {{ ?d <{DCAT.raw('mediaType')}> ?media }}
  OPTIONAL {{ ?d <{DCT.raw('format')}> ?format }}
  OPTIONAL {{ ?d <{DCAT.raw('downloadURL')}> ?download }}
  OPTIONAL {{ ?d <{DCAT.raw('accessURL')}> ?access }}
  OPTIONAL {{ ?d <{DCAT.raw('byteSize')}> ?size }}
}} ORDER BY ?d""")
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = out.setdefault(r["d"] or "", {"iri": r["d"], "title": None, "media_type": None, "download": None,
                                           "access": None, "size": None})
        for key, col in (("title", "title"), ("download", "download"), ("access", "access"), ("size", "size")):
            if d[key] is None and r.get(col):
                d[key] = r[col]
        media = r.get("media") or r.get("format")
        if d["media_type"] is None and media:
            d["media_type"] = media.rsplit("/media-types/", 1)[-1]
    return [d for d in out.values() if d["iri"]]


def names(store: Any, iris: Iterable[str]) -> dict[str, str | None]:
    """The name of each of *iris* (the first in order of the values of :data:`NAME_PREDICATES`), read with a
    row limit per resource and kept per store generation (:mod:`pangraph.api.refcache`): the shared things
    (instruments, facilities, people) have their name stated once per record that mentions them."""
    from pangraph.api.refcache import ref_facts

    facts = ref_facts(store).get(store, iris, NAME_PREDICATES)
    return {i: min((label["value"] for _, label in f.labels), default=None) for i, f in facts.items()}


def instruments(store: Any, iri: str) -> list[dict[str, Any]]:
    """Instruments of a dataset: ``prov:wasGeneratedBy`` an activity that ``prov:used`` them (DESIGN §4), with
    the activity (proposal/experiment) identifier."""
    term = iri_term(iri)
    pairs = _select(store, f"""SELECT DISTINCT ?inst ?activity WHERE {{
  {term} <{PROV.raw('wasGeneratedBy')}> ?activity . ?activity <{PROV.raw('used')}> ?inst .
}}""")
    activities = list(dict.fromkeys(r["activity"] for r in pairs if r["activity"]))
    proposals: dict[str, list[str]] = {}
    for a in activities:  # one small query each (a UNION of sub-selects is slower in Oxigraph)
        for r in _select(store, f"SELECT ?proposal WHERE {{ {iri_term(a)} <{DCT.raw('identifier')}> ?proposal }} LIMIT 8"):
            values = proposals.setdefault(a, [])
            if r["proposal"] and r["proposal"] not in values:
                values.append(r["proposal"])
    insts = list(dict.fromkeys(r["inst"] for r in pairs if r["inst"]))
    labels = names(store, insts)
    # one entry per instrument name: two sources describing the same beamline mint an IRI each
    out: dict[str, dict[str, Any]] = {}
    for i in sorted(insts, key=lambda i: (labels[i] is not None, labels[i] or "", i)):  # as ORDER BY ?label ?inst
        out.setdefault(labels[i] or i, {"iri": i, "label": labels[i], "proposals": []})
    for r in pairs:
        entry = out.get(labels.get(r["inst"] or "") or r["inst"] or "")
        if entry is None:
            continue
        for p in sorted(proposals.get(r["activity"] or "", ())):
            if p not in entry["proposals"]:
                entry["proposals"].append(p)
    return list(out.values())


def related(store: Any, iri: str) -> list[dict[str, Any]]:
    """Resources related to *iri* both ways over :data:`RELATIONS` (publications, PDB entries, parts …)."""
    term = iri_term(iri)
    rels = " ".join(f"<{p}>" for p in RELATIONS)
    rows = _select(store, f"""SELECT DISTINCT ?rel ?dir ?other WHERE {{
  VALUES ?rel {{ {rels} }}
  {{ {term} ?rel ?other BIND("out" AS ?dir) }} UNION {{ ?other ?rel {term} BIND("in" AS ?dir) }}
  FILTER(isIRI(?other))
}} ORDER BY ?dir ?rel ?other""")
    labels = names(store, [r["other"] for r in rows if r["other"]])
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["rel"] or "", r["dir"] or "", r["other"] or "")
        if key not in out:
            out[key] = {"relation": r["rel"], "direction": r["dir"], "iri": r["other"], "label": labels.get(r["other"] or ""),
                        "words": relation_words(r["rel"] or "", r["dir"] or "out")}
    return list(out.values())


def _type_filter(kinds: Iterable[str]) -> str:
    return " ".join(f"<{t}>" for k in kinds for t in KIND_TYPES[k])


def _kind_of_type(t: str | None) -> str | None:
    return kind_of([t]) if t else None


def about_techniques(store: Any, techniques: list[str], *, kinds: tuple[str, ...] = ("training", "software"),
                     limit: int = 50) -> dict[str, list[dict[str, Any]]]:
    """Training and software about any of *techniques*, a narrower class (any depth) or a direct parent that
    is itself a technique below the general PaNET00xxx classes: what a dataset page suggests next."""
    if not techniques:
        return {k: [] for k in kinds}
    values = " ".join(iri_term(t) for t in techniques)
    panet_general = PANET.raw("PaNET00")
    rows = _select(store, f"""SELECT DISTINCT ?w ?type ?name ?topic WHERE {{
  VALUES ?t {{ {values} }}
  {{ ?topic <{RDFS.raw('subClassOf')}>* ?t }} UNION {{ ?t <{RDFS.raw('subClassOf')}> ?topic
     FILTER(!STRSTARTS(STR(?topic), "{panet_general}")) }}
  ?w <{SCHEMA.raw('about')}> ?topic ; a ?type .
  VALUES ?type {{ {_type_filter(kinds)} }}
  {_name_optional('?w', 'name')}
}} LIMIT {limit * 8}""")
    return _group_works(rows, kinds, limit)


def _group_works(rows: list[dict[str, str | None]], kinds: Iterable[str], limit: int) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in kinds}
    for r in rows:
        k = _kind_of_type(r.get("type"))
        w = r.get("w")
        if k not in grouped or not w:
            continue
        entry = grouped[k].setdefault(w, {"iri": w, "label": None, "roles": []})
        if entry["label"] is None and r.get("name"):
            entry["label"] = r["name"]
        role = role_label(r["role"]) if r.get("role") else None
        if role and role not in entry["roles"]:
            entry["roles"].append(role)
    for entries in grouped.values():
        for entry in entries.values():
            entry["roles"].sort(key=str.lower)
    return {k: sorted(v.values(), key=lambda e: ((e["label"] or e["iri"]).lower(), e["iri"]))[:limit]
            for k, v in grouped.items()}


def works_of(store: Any, agent: str, *, limit: int = 200) -> dict[str, list[dict[str, Any]]]:
    """Datasets, training and software an agent (person or organisation) appears in, with the role
    (``dct:creator``, ``schema:author``, a qualified attribution …)."""
    term = iri_term(agent)
    rows = _select(store, f"""SELECT DISTINCT ?w ?type ?role ?name WHERE {{
  {{ ?w ?role {term} FILTER(?role != <{PROV.raw('agent')}>) }}
  UNION {{ ?w <{PROV.raw('qualifiedAttribution')}> ?a . ?a <{PROV.raw('agent')}> {term} .
           OPTIONAL {{ ?a <{DCAT.raw('hadRole')}> ?r }}
           BIND(COALESCE(?r, <{PROV.raw('qualifiedAttribution')}>) AS ?role) }}
  ?w a ?type . VALUES ?type {{ {_type_filter(WORK_KINDS)} }}
  {_name_optional('?w', 'name')}
}} LIMIT {limit * 8}""")
    # no ORDER BY over all of them (a facility publishes hundreds of thousands): the first found, sorted by name
    works = _group_works(rows, WORK_KINDS, limit)
    works["capped"] = len(rows) >= limit * 8 or any(len(v) >= limit for v in works.values())  # type: ignore[assignment]
    return works


def datasets_of_instrument(store: Any, instrument: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """Datasets generated by an activity that used *instrument*."""
    term = iri_term(instrument)
    rows = _select(store, f"""SELECT DISTINCT ?w ?type ?name WHERE {{
  ?w <{PROV.raw('wasGeneratedBy')}> ?a . ?a <{PROV.raw('used')}> {term} .
  ?w a ?type . VALUES ?type {{ {_type_filter(['dataset'])} }}
  {_name_optional('?w', 'name')}
}} LIMIT {limit * 4}""")
    return _group_works(rows, ["dataset"], limit)["dataset"]


# -- the summary of an entity page --------------------------------------------------------------------------

def _agents(terms: list[Any]) -> list[dict[str, Any]]:
    out = []
    for link in _links(terms):
        link["orcid"] = link["iri"] if str(link["iri"]).startswith("https://orcid.org/") else None
        out.append(link)
    return out


def _techniques(terms: list[Any]) -> list[dict[str, Any]]:
    return [{**link, "id": panet_id(str(link["iri"]))} for link in _links(terms)]


def entity_summary(store: Any, view: dict[str, Any]) -> dict[str, Any] | None:
    """The summary of the resource described by *view* (from ``description_view``), or None when it is
    not one of :data:`KIND_TYPES` (the page then shows its statements only). Blocking: runs queries."""
    iri = view["iri"]
    kind = kind_of(t.value for t in view["types"])
    if kind is None:
        return None
    props = view["properties"]
    v = lambda *ps: _values(props, *ps)  # noqa: E731 - short local reader
    s: dict[str, Any] = {
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "titles": _texts(v(DCT.raw("title"), SCHEMA.raw("name"), FOAF.raw("name"), RDFS.raw("label"))),
        "descriptions": _texts(v(DCT.raw("description"), SCHEMA.raw("description"))),
        "identifiers": _texts(v(DCT.raw("identifier"), SCHEMA.raw("identifier"))),
        "keywords": _texts(v(DCAT.raw("keyword"), SCHEMA.raw("keywords"))),
        "licenses": _links(v(DCT.raw("license"), SCHEMA.raw("license"))),
        "pages": _links(v(DCAT.raw("landingPage"), SCHEMA.raw("url"), FOAF.raw("page"), FOAF.raw("homepage"))),
        "issued": _texts(v(DCT.raw("issued"), SCHEMA.raw("datePublished"))),
        "techniques": _techniques(v(SCHEMA.raw("measurementTechnique"), SCHEMA.raw("about"))),
    }
    if kind == "dataset":
        s["creators"] = _agents(v(DCT.raw("creator")))
        s["contributors"] = [a for a in _agents(v(DCT.raw("contributor"))) if a not in s["creators"]]
        s["publishers"] = _links(v(DCT.raw("publisher")), one_per_label=True)
        s["access_rights"] = _links(v(DCT.raw("accessRights")))
        s["distributions"] = distributions(store, iri)
        s["instruments"] = instruments(store, iri)
        s["related"] = related(store, iri)
        s["suggested"] = about_techniques(store, [t["iri"] for t in s["techniques"]])
    elif kind in ("training", "software"):
        s["creators"] = _agents(v(SCHEMA.raw("author"), SCHEMA.raw("creator"), DCT.raw("creator")))
        s["contributors"] = _agents(v(SCHEMA.raw("contributor")))
        s["publishers"] = _links(v(SCHEMA.raw("provider"), SCHEMA.raw("publisher"), SCHEMA.raw("organizer"),
                                   DCT.raw("publisher")), one_per_label=True)
        s["repositories"] = _links(v(SCHEMA.raw("codeRepository")))
        s["languages"] = _texts(v(SCHEMA.raw("programmingLanguage")))
        s["levels"] = _texts(v(SCHEMA.raw("educationalLevel")))
        s["resource_types"] = _texts(v(SCHEMA.raw("learningResourceType"), SCHEMA.raw("applicationCategory")))
        s["dates"] = _texts(v(SCHEMA.raw("startDate"))) + _texts(v(SCHEMA.raw("endDate")))
        s["related"] = related(store, iri)
    elif kind in ("person", "organization"):
        s["orcid"] = iri if iri.startswith("https://orcid.org/") else None
        s["affiliations"] = _links(v(ORG.raw("memberOf"), SCHEMA.raw("affiliation")), one_per_label=True)
        s["works"] = works_of(store, iri)
    elif kind == "instrument":
        s["facilities"] = _links(v(PROV.raw("wasAttributedTo"), SCHEMA.raw("manufacturer")), one_per_label=True)
        s["instrument_types"] = _texts(v(SCHEMA.raw("additionalType")))
        s["datasets"] = datasets_of_instrument(store, iri)
        s["related"] = related(store, iri)
    from pangraph.links import links_about  # the link API's links (graph {base}/graph/links), with provenance

    s["cross_links"] = links_about(store, iri)
    return s


# -- schema.org JSON-LD -------------------------------------------------------------------------------------

SCHEMA_TYPES = {"dataset": "Dataset", "software": "SoftwareSourceCode"}
_TRAINING_TYPES = {SCHEMA.raw("Course"): "Course", SCHEMA.raw("CourseInstance"): "CourseInstance",
                   SCHEMA.raw("Event"): "Event", SCHEMA.raw("LearningResource"): "LearningResource"}


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _agent_ld(a: dict[str, Any], default_type: str) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": default_type if not a.get("orcid") else "Person", "@id": a["iri"]}
    if a.get("label"):
        out["name"] = a["label"]
    if a.get("orcid"):
        out["identifier"] = a["orcid"]
    return out


def schema_org(summary: dict[str, Any], view: dict[str, Any], *, node_title: str, base: str) -> dict[str, Any] | None:
    """The schema.org JSON-LD of a dataset, training or software page (None for other kinds).

    Datasets carry what Google Dataset Search reads: ``name``, ``description`` (required), ``identifier``,
    ``url``, ``creator`` (Person with ORCID as ``@id``), ``publisher``, ``datePublished``, ``license``,
    ``keywords``, ``measurementTechnique``, ``distribution`` (``DataDownload`` with ``contentUrl`` and
    ``encodingFormat``) and ``includedInDataCatalog`` (this node)."""
    kind = summary["kind"]
    if kind == "training":
        types = [_TRAINING_TYPES[t.value] for t in view["types"] if t.value in _TRAINING_TYPES]
        schema_type: Any = _one_or_many(list(dict.fromkeys(types)))
    elif kind in SCHEMA_TYPES:
        schema_type = SCHEMA_TYPES[kind]
    else:
        return None
    iri = view["iri"]
    doc: dict[str, Any] = {"@context": "https://schema.org/", "@type": schema_type, "@id": iri}
    titles = summary["titles"]
    if titles:
        doc["name"] = titles[0]
        if len(titles) > 1:
            doc["alternateName"] = titles[1:]
    if summary["descriptions"]:
        doc["description"] = max(summary["descriptions"], key=len)
    identifiers = list(summary["identifiers"])
    if iri.startswith("https://doi.org/"):
        identifiers.insert(0, iri)
    if identifiers:
        doc["identifier"] = _one_or_many(list(dict.fromkeys(identifiers)))
    pages = [p["iri"] for p in summary["pages"]]
    doc["url"] = pages[0] if pages else iri
    creators = [_agent_ld(a, "Person") for a in summary.get("creators", [])]
    if creators:
        doc["creator" if kind == "dataset" else "author"] = creators
    contributors = [_agent_ld(a, "Person") for a in summary.get("contributors", [])]
    if contributors:
        doc["contributor"] = contributors
    publishers = [_agent_ld({**p, "orcid": None}, "Organization") for p in summary.get("publishers", [])]
    if publishers:
        doc["publisher" if kind == "dataset" else "provider"] = _one_or_many(publishers)
    if summary["issued"]:
        doc["datePublished"] = min(summary["issued"])
    if summary["licenses"]:
        doc["license"] = _one_or_many([lic["iri"] for lic in summary["licenses"]])
    if summary["keywords"]:
        doc["keywords"] = summary["keywords"]
    techniques = [{"@type": "DefinedTerm", "@id": t["iri"], "name": t["label"] or t["id"] or t["iri"],
                   "inDefinedTermSet": PANET.raw("")} for t in summary["techniques"]]
    if techniques:
        doc["measurementTechnique" if kind == "dataset" else "about"] = techniques
    if kind == "dataset":
        downloads = []
        for d in summary["distributions"]:
            url = d["download"] or d["access"]
            if not url:
                continue
            dl: dict[str, Any] = {"@type": "DataDownload", "contentUrl": url}
            if d["media_type"]:
                dl["encodingFormat"] = d["media_type"]
            if d["size"]:
                dl["contentSize"] = f"{d['size']} B"
            downloads.append(dl)
        if downloads:
            doc["distribution"] = downloads
        doc["includedInDataCatalog"] = {"@type": "DataCatalog", "name": node_title, "url": base + "/"}
        doc["isAccessibleForFree"] = True
    if kind == "software":
        if summary["repositories"]:
            doc["codeRepository"] = summary["repositories"][0]["iri"]
        if summary["languages"]:
            doc["programmingLanguage"] = summary["languages"]
    if kind == "training":
        if summary["levels"]:
            doc["educationalLevel"] = _one_or_many(summary["levels"])
        if summary["resource_types"]:
            doc["learningResourceType"] = summary["resource_types"]
    return doc


def script_json(doc: dict[str, Any]) -> str:
    """*doc* as JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` escaped as ``\\u003c`` etc."""
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
