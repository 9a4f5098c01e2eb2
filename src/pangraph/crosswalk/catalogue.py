"""What the crosswalks of facility catalogues (SciCat, ICAT: :mod:`pangraph.crosswalk.scicat`,
:mod:`pangraph.crosswalk.icat`) share: JSON values (MongoDB extended JSON unwrapped by :func:`plain`),
the values ``remember_*`` rows keep for later rows (:func:`memo`), people and their roles
(:func:`person`, :func:`add_role`), measured values (:func:`add_property_value`) and instruments
used by the activity that generated a dataset (:func:`add_instrument`, :func:`generating_activities`)."""

from __future__ import annotations

import re
from typing import Any, Sequence

from pangraph import iri as ids
from pangraph.crosswalk.record_graph import Affiliation, NameIdentifier, RecordGraph
from pangraph.rdf import DCAT, FOAF, PANGRAPH, PROV, RDF, RDFS, SCHEMA, XSD, Term, iri, literal

# --- JSON values ------------------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """*value* with MongoDB extended-JSON wrappers replaced by their plain value (recursively):
    ``{"$date": "2020-01-01T…"}`` → the date string (``{"$date": {"$numberLong": ms}}`` → ISO),
    ``{"$oid": x}`` → x, ``{"$numberLong": "5"}`` → 5."""
    if isinstance(value, dict):
        if len(value) == 1:
            (k, v), = value.items()
            if k == "$date":
                v = plain(v)
                if isinstance(v, (int, float)):
                    from datetime import datetime, timezone

                    return datetime.fromtimestamp(v / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                return v
            if k == "$oid":
                return str(v)
            if k in ("$numberLong", "$numberInt"):
                try:
                    return int(v)
                except (TypeError, ValueError):
                    return v
            if k in ("$numberDouble", "$numberDecimal"):
                try:
                    return float(v)
                except (TypeError, ValueError):
                    return v
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def scalar(value: Any) -> str:
    """The text of a scalar JSON value (extended JSON unwrapped), whitespace collapsed; ``""`` for
    null, objects and arrays."""
    v = plain(value)
    if v is None or isinstance(v, (dict, list)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return " ".join(str(v).split())


def block(value: Any) -> str:
    """The text of a scalar value keeping its line breaks (descriptions)."""
    v = plain(value)
    if v is None or isinstance(v, (dict, list, bool)):
        return scalar(v)
    lines = [" ".join(line.split()) for line in str(v).strip().splitlines()]
    return "\n".join(lines).strip()


def first_scalar(elements: list[Any]) -> str:
    """The first non-empty scalar value of *elements* (``""`` when there is none)."""
    for e in elements:
        v = scalar(e)
        if v:
            return v
    return ""


def typed_value(value: Any) -> Term | None:
    """A JSON value as a typed literal: integers ``xsd:integer``, other numbers ``xsd:double``,
    booleans ``xsd:boolean``, numeric strings as numbers, other text plain; None when empty."""
    v = plain(value)
    if v is None or isinstance(v, (dict, list)):
        return None
    if isinstance(v, bool):
        return literal("true" if v else "false", datatype=XSD.raw("boolean"))
    if isinstance(v, int):
        return literal(str(v), datatype=XSD.raw("integer"))
    if isinstance(v, float):
        return literal(repr(v), datatype=XSD.raw("double"))
    text = " ".join(str(v).split())
    if not text:
        return None
    if re.fullmatch(r"[+-]?\d+", text):
        return literal(str(int(text)), datatype=XSD.raw("integer"))
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", text):
        return literal(text, datatype=XSD.raw("double"))
    return literal(text)


def memo(g: RecordGraph) -> dict[str, Any]:
    """Values kept by ``remember_*`` rows for later rows of the same record."""
    kept = g.__dict__.get("_json_memo")
    if kept is None:
        kept = {}
        g.__dict__["_json_memo"] = kept
    return kept


def generating_activities(g: RecordGraph) -> list[Term]:
    """The activities that generated the record's resource: those of the proposals named by earlier
    rows (``proposal``, ``investigation``), else one of the record's own (:meth:`RecordGraph.activity`)."""
    return g.activity(memo(g).get("proposals", []))


# --- people and their roles ---------------------------------------------------------------------------

def person(g: RecordGraph, name: str, *, field_: str, given: str | None = None, family: str | None = None,
           orcid: str | None = None, affiliations: Sequence[Affiliation] = (),
           name_type: str | None = "Personal") -> Term | None:
    """A person by name (:meth:`RecordGraph.agent`; the ORCID IRI when *orcid* is a valid ORCID, else
    minted); *name_type* None lets the agent be recognised as an organisation. None (and a note) when
    there is no name."""
    return g.agent(name=name, given=given, family=family, name_type=name_type,
                   identifiers=[NameIdentifier(orcid, "ORCID")] if orcid else [], affiliations=affiliations,
                   field_=field_)


#: activity or not → blank node kind, qualified-influence property, its class, the role property
_QUALIFIED: dict[bool, tuple[str, Term, Term, Term]] = {
    True: ("association", PROV.qualifiedAssociation, PROV.Association, PROV.hadRole),
    False: ("attribution", PROV.qualifiedAttribution, PROV.Attribution, DCAT.hadRole),
}


def add_role(g: RecordGraph, agent: Term, role: str, *, activity: bool) -> bool:
    """*agent*'s *role* (a code or label of ``mappings/contributor-roles.tsv``) in the record's resource:
    a ``prov:qualifiedAssociation`` with ``prov:hadRole`` when the resource is an *activity* (a
    proposal), else a ``prov:qualifiedAttribution`` with ``dcat:hadRole``. False, and nothing added,
    when the table does not know the role."""
    row = g.mappings.contributor_roles.lookup(role)
    if row is None:
        return False
    kind, link, cls, had_role = _QUALIFIED[activity]
    node = g.blank(kind)
    g.add(g.subject, link, node)
    g.add(node, RDF.type, cls)
    g.add(node, PROV.agent, agent)
    g.add(node, had_role, iri(row.object_id))
    return True


# --- measured values ------------------------------------------------------------------------------------

def unit_code(g: RecordGraph, unit: str) -> str | None:
    """The unit IRI (QUDT) of a unit spelling from ``mappings/units.tsv``, when that table exists and
    knows it; None otherwise (the unit stays ``schema:unitText`` only)."""
    table = getattr(g.mappings, "units", None)
    if table is None or not unit:
        return None
    row = table.lookup(unit)
    if row is None:
        g.note("unit", "unit spelling not in mappings/units.tsv; kept as schema:unitText only", severity="Info",
               value=unit)
        return None
    return row.object_id


def add_property_value(g: RecordGraph, prop: str | None, name: str, value: Any, *, unit: str,
                       subject: Term | None = None) -> Term | None:
    """One ``schema:PropertyValue`` (``schema:name``, typed ``schema:value``, ``schema:unitText`` and
    the unit IRI as ``schema:unitCode``) under *prop* of *subject* (default: the record's subject)."""
    v = typed_value(value)
    if v is None:
        return None
    node = g.blank("parameter")
    g.add(subject or g.subject, iri(prop or SCHEMA.raw("additionalProperty")), node)
    g.add(node, RDF.type, SCHEMA.PropertyValue)
    g.add(node, SCHEMA.name, literal(name))
    g.add(node, SCHEMA.value, v)
    unit = " ".join((unit or "").split())
    if unit and unit.upper() not in ("NA", "N/A", "NONE", "-"):
        g.add(node, SCHEMA.unitText, literal(unit))
        code = unit_code(g, unit)
        if code:
            g.add(node, SCHEMA.unitCode, iri(code))
    return node


# --- instruments ------------------------------------------------------------------------------------------

def add_instrument(g: RecordGraph, instrument: str, *, label: str | None = None, homepage: str | None = None) -> Term:
    """The instrument IRI *instrument* as a ``pangraph:Instrument`` (and ``prov:Entity``) with its
    ``rdfs:label`` and ``foaf:homepage`` when given."""
    node = iri(instrument)
    g.add(node, RDF.type, PANGRAPH.Instrument)
    g.add(node, RDF.type, PROV.Entity)
    if label:
        g.add(node, RDFS.label, literal(label))
    if homepage and ids.url_iri(homepage):
        g.add(node, FOAF.homepage, iri(homepage))
    return node


__all__ = ["add_instrument", "add_property_value", "add_role", "block", "first_scalar", "generating_activities", "memo",
           "person", "plain", "scalar", "typed_value", "unit_code"]
