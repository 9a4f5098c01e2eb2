"""Transforms specific to simple Dublin Core (``oai_dc``) and to SciCat's PaNOSC payload
(``panosc:panosctype``, which SciCat binds to the oai_dc namespace; fields from panosc.xsd).
The rows of ``mappings/oai_dc-dcat.tsv`` and ``mappings/panosc-dcat.tsv`` use them."""

from __future__ import annotations

from pangraph import iri as ids
from pangraph.crosswalk.datacite import add_resource_type
from pangraph.crosswalk.fields import SHARED
from pangraph.crosswalk.record_graph import NameIdentifier, RecordGraph, field_transform, slug
from pangraph.crosswalk.xml import Element, child, local_name, text
from pangraph.rdf import DCT, PROV, RDF, RDFS, SCHEMA, VCARD, Namespace, iri, literal

SOSA = Namespace("http://www.w3.org/ns/sosa/")


@field_transform(needs_property=False)
def dc_identifier(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``dc:identifier``: a DOI (any spelling) or other id → ``dct:identifier`` literal as written;
    an http(s) URL that is not a DOI → ``dcat:landingPage``."""
    for e in elements:
        v = text(e)
        if not v:
            continue
        if ids.doi_iri(v) is None and ids.url_iri(v) and "doi.org/" not in v.lower():
            g.landing_page(v)
        else:
            g.add(g.subject, DCT.identifier, literal(v))


@field_transform()
def name_agent(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A name-only agent (``dc:creator``, ``dc:contributor``) → person minted from the name
    (``Family, Given`` split into name parts); an ORCID in the text is used as the IRI."""
    for e in elements:
        v = text(e)
        if not v:
            continue
        identifiers = []
        name = v
        orcid = ids.orcid_iri(v.split()[-1]) if " " in v else None
        if orcid:
            identifiers.append(NameIdentifier(orcid, "ORCID"))
            name = v.rsplit(" ", 1)[0].strip(" ,;()")
        node = g.agent(name=name, identifiers=identifiers, field_=f"dc:{local_name(e)}")
        if node:
            g.add(g.subject, iri(prop), node)


@field_transform()
def publisher_name(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """A publisher given by name only → organisation minted by name (shared within the source)."""
    for e in elements[:1]:
        v = text(e)
        if v:
            g.add(g.subject, iri(prop), g.organization(v, field_=f"dc:{local_name(e)}"))
    if len(elements) > 1:
        g.note("dc:publisher", "several publishers; the first is used", value="; ".join(text(e) for e in elements))


@field_transform(needs_property=False)
def dc_type(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """``dc:type`` → ``dct:type`` DCMI type when ``mappings/resource-types.tsv`` knows the word
    (``Dataset``, ``Text``, ``Collection`` …), else a ``schema:additionalType`` literal."""
    for e in elements:
        v = text(e)
        if v:
            add_resource_type(g, None, v, field_="dc:type")


@field_transform()
def owner(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """PaNOSC ``owner`` → person, with ``orcidOfOwner`` (a sibling element) as ORCID when valid."""
    for e in elements:
        v = text(e)
        if not v:
            continue
        parent = e.getparent()
        orcid_el = child(parent, "orcidOfOwner") if parent is not None else None
        orcid = text(orcid_el)
        identifiers = [NameIdentifier(orcid, "ORCID")] if orcid and orcid.lower() != "default" else []
        node = g.agent(name=v, identifiers=identifiers, field_="panosc:owner")
        if node:
            g.add(g.subject, iri(prop), node)


@field_transform()
def contact_email(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """An e-mail address → ``dcat:contactPoint`` a ``vcard:Kind`` with ``vcard:hasEmail <mailto:…>``."""
    for e in elements:
        v = text(e)
        if not v:
            continue
        if "@" not in v or " " in v:
            g.note(f"panosc:{local_name(e)}", "not an e-mail address", value=v)
            continue
        node = g.blank("contact")
        g.add(g.subject, iri(prop), node)
        g.add(node, RDF.type, VCARD.Kind)
        g.add(node, VCARD.hasEmail, iri("mailto:" + v.removeprefix("mailto:")))
        parent = e.getparent()
        owner_name = text(child(parent, "owner")) if parent is not None else ""
        if owner_name.count(",") == 1:  # "Family, Given" → "Given Family"
            family, given = (p.strip() for p in owner_name.split(","))
            owner_name = f"{given} {family}".strip()
        g.add(node, VCARD.fn, literal(owner_name or v))


@field_transform(needs_property=False)
def sample(g: RecordGraph, elements: list[Element], prop: str | None) -> None:
    """PaNOSC ``sampleName`` (+ sibling ``chemicalFormula``) → a ``sosa:Sample`` (minted per record
    and name) that the dataset's generating activity ``prov:used``."""
    for e in elements:
        name = text(e)
        parent = e.getparent()
        formula = text(child(parent, "chemicalFormula")) if parent is not None else ""
        if not name and not formula:
            continue
        node = g.mint("sample", f"{g.key}-{slug(name or formula)}")
        g.add(node, RDF.type, SOSA.Sample)
        g.add(node, RDF.type, PROV.Entity)
        g.add(node, RDFS.label, literal(name or formula))
        if formula:
            g.add(node, SCHEMA.molecularFormula, literal(formula))
        for activity in g.activity([]):
            g.add(activity, PROV.used, node)


#: the transforms ``mappings/oai_dc-dcat.tsv`` may use
DC_TRANSFORMS = {
    **SHARED,
    "dc_identifier": dc_identifier,
    "name_agent": name_agent,
    "publisher_name": publisher_name,
    "dc_type": dc_type,
}

#: the transforms ``mappings/panosc-dcat.tsv`` may use
PANOSC_TRANSFORMS = {
    **DC_TRANSFORMS,
    "owner": owner,
    "contact_email": contact_email,
    "sample": sample,
}


FORMATS = {"oai_dc": DC_TRANSFORMS, "panosc": PANOSC_TRANSFORMS}
