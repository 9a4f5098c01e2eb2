"""Behaviour of the crosswalk stage: format dispatch, identity, notes, purity, and the checks the
mapping loader makes before any record is touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Graph

from pangraph.crosswalk import CrosswalkContext, crosswalk_record, find_metadata, load_mappings
from pangraph.crosswalk.mappings import Mappings
from pangraph.crosswalk.record_graph import byte_size, date_literal, related_resource_iri
from pangraph.crosswalk.xml import compile_path, parse_xml
from pangraph.errors import MappingError, RecordError
from pangraph.rdf import DCAT, DCT, FOAF, PROV, SCHEMA, VCARD, iri, literal, ntriples
from pangraph.records import RawRecord
from pangraph.resources import project_dir

BASE = "https://pangraph.example.org"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crosswalk"


@pytest.fixture(scope="module")
def techniques(panet_owl: Path):
    from pangraph.vocab import TechniqueIndex

    return TechniqueIndex.from_file(panet_owl)


@pytest.fixture(scope="module")
def mappings() -> Mappings:
    return load_mappings()


@pytest.fixture(scope="module")
def ctx(techniques, mappings: Mappings) -> CrosswalkContext:
    return CrosswalkContext(base=BASE, source="unit", techniques=techniques, mappings=mappings)


def record(payload: str | bytes, identifier: str = "rec-1", *, source: str = "unit") -> RawRecord:
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return RawRecord(source=source, identifier=identifier, metadata_prefix="oai_datacite", payload=data)


def values(triples, subject: str, prop: str) -> list[str]:
    s = subject if subject.startswith(("<", "_:")) else f"<{subject}>"
    return [t.o for t in triples if t.s == s and t.p == prop]


KERNEL = """<identifier identifierType="DOI">10.5291/ILL-DATA.TEST-1</identifier>
<creators><creator><creatorName>Doe, Jane</creatorName></creator></creators>
<titles><title>Dispatch test</title></titles>
<publisher>Institut Laue-Langevin</publisher><publicationYear>2022</publicationYear>"""

# --- dispatch on the payload's XML ----------------------------------------------------------------

WRAPPINGS = {
    "kernel-4": f'<resource xmlns="http://datacite.org/schema/kernel-4">{KERNEL}</resource>',
    "kernel-4.3": f'<resource xmlns="http://datacite.org/schema/kernel-4.3">{KERNEL}</resource>',
    "no-namespace": f"<resource>{KERNEL}</resource>",
    "openaire": (
        '<datacite:resource xmlns:datacite="http://datacite.org/schema/kernel-4" '
        'xmlns="http://namespace.openaire.eu/schema/oaire/">'
        '<datacite:identifier identifierType="DOI">10.5291/ILL-DATA.TEST-1</datacite:identifier>'
        "<datacite:creators><creator><creatorName>Doe, Jane</creatorName></creator></datacite:creators>"
        "<datacite:titles><title>Dispatch test</title></datacite:titles></datacite:resource>"),
    "oai_datacite-1.1": (
        '<oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.1/"><schemaVersion>4</schemaVersion>'
        f'<payload><resource xmlns="http://datacite.org/schema/kernel-4">{KERNEL}</resource></payload></oai_datacite>'),
    "oai-record": (
        '<record xmlns="http://www.openarchives.org/OAI/2.0/"><header><identifier>doi:10.5291/x</identifier>'
        '<datestamp>2022-01-01</datestamp></header><metadata><oai_datacite xmlns="http://schema.datacite.org/oai/oai-1.1/">'
        f'<payload><resource xmlns="http://datacite.org/schema/kernel-4">{KERNEL}</resource></payload>'
        "</oai_datacite></metadata></record>"),
    "oai_dc": (
        '<record xmlns="http://www.openarchives.org/OAI/2.0/"><header><identifier>x</identifier></header><metadata>'
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:title>Dispatch test</dc:title><dc:creator>Doe, Jane</dc:creator>"
        "<dc:identifier>https://doi.org/10.5291/ILL-DATA.TEST-1</dc:identifier></oai_dc:dc></metadata></record>"),
    "panosc-bound-to-oai_dc": (
        '<panosc:panosctype xmlns:panosc="http://www.openarchives.org/OAI/2.0/oai_dc/">'
        "<panosc:id>10.5291/ILL-DATA.TEST-1</panosc:id><panosc:name>Dispatch test</panosc:name>"
        "<panosc:owner>Doe, Jane</panosc:owner></panosc:panosctype>"),
}


@pytest.mark.parametrize("wrapping", sorted(WRAPPINGS))
def test_every_wrapping_gives_the_same_dataset(ctx: CrosswalkContext, wrapping: str) -> None:
    result = crosswalk_record(record(WRAPPINGS[wrapping]), ctx=ctx)
    assert result.subject == "https://doi.org/10.5291/ill-data.test-1"
    assert values(result.triples, result.subject, DCT["title"]) == [literal("Dispatch test")]
    creators = values(result.triples, result.subject, DCT.creator)
    assert len(creators) == 1
    assert values(result.triples, creators[0], FOAF.name) == [literal("Jane Doe")]


def test_formats_are_recognised_by_element_not_namespace() -> None:
    panosc = parse_xml(WRAPPINGS["panosc-bound-to-oai_dc"].encode())
    assert find_metadata(panosc)[0] == "panosc"  # SciCat binds panosc: to the oai_dc namespace
    assert find_metadata(parse_xml(WRAPPINGS["oai_dc"].encode()))[0] == "oai_dc"
    assert find_metadata(parse_xml(WRAPPINGS["openaire"].encode()))[0] == "datacite"


@pytest.mark.parametrize("payload,field", [
    ("<record><header><identifier>x</identifier></header></record>", "metadata"),
    ("<record><header/><metadata/></record>", "metadata"),
    ('<record><header status="deleted"><identifier>x</identifier></header></record>', "header/@status"),
    ("<oai_datacite><schemaVersion>4</schemaVersion></oai_datacite>", "oai_datacite/payload"),
    ('<mods xmlns="http://www.loc.gov/mods/v3"><titleInfo/></mods>', "mods"),
])
def test_records_that_cannot_be_crosswalked(ctx: CrosswalkContext, payload: str, field: str) -> None:
    with pytest.raises(RecordError) as info:
        crosswalk_record(record(payload, "oai:x:1"), ctx=ctx)
    assert info.value.field == field
    assert info.value.record == "oai:x:1"
    assert info.value.source == "unit"


def test_malformed_xml_and_deleted_records(ctx: CrosswalkContext) -> None:
    with pytest.raises(RecordError, match="not well-formed"):
        crosswalk_record(record("<resource><title>unclosed</resource>"), ctx=ctx)
    deleted = RawRecord(source="unit", identifier="gone", metadata_prefix="oai_dc", payload=b"", deleted=True)
    with pytest.raises(RecordError, match="deleted"):
        crosswalk_record(deleted, ctx=ctx)


def test_unknown_format_names_the_element(ctx: CrosswalkContext) -> None:
    with pytest.raises(RecordError, match=r"unknown metadata format <mods>"):
        crosswalk_record(record('<mods xmlns="http://www.loc.gov/mods/v3"/>'), ctx=ctx)


# --- identity, purity, output ---------------------------------------------------------------------


def test_doi_is_lower_cased_in_the_iri_and_kept_as_written(ctx: CrosswalkContext) -> None:
    result = crosswalk_record(record(WRAPPINGS["kernel-4"]), ctx=ctx)
    assert values(result.triples, result.subject, DCT.identifier) == [literal("10.5291/ILL-DATA.TEST-1")]


def test_record_without_doi_gets_a_minted_iri_or_the_header_doi(ctx: CrosswalkContext) -> None:
    no_doi = "<resource><identifier identifierType='Handle'>20.500.12269/abc</identifier><titles><title>t</title></titles></resource>"
    assert crosswalk_record(record(no_doi, "oai:x:7"), ctx=ctx).subject.startswith(f"{BASE}/id/dataset/unit/oai-x-7")
    assert crosswalk_record(record(no_doi, "10.17199/ABC"), ctx=ctx).subject == "https://doi.org/10.17199/abc"


def test_crosswalk_is_pure(techniques) -> None:
    payload = (FIXTURES / "collected-embargo-kernel47" / "input.xml").read_bytes()
    first = crosswalk_record(record(payload), ctx=CrosswalkContext(BASE, "unit", techniques, load_mappings()))
    second = crosswalk_record(record(payload), ctx=CrosswalkContext(BASE, "unit", techniques, load_mappings()))
    assert first.triples == second.triples
    assert first.notes == second.notes


def test_blank_nodes_are_unique_per_record_and_source(ctx: CrosswalkContext, techniques, mappings) -> None:
    payload = (FIXTURES / "collected-embargo-kernel47" / "input.xml").read_bytes()
    a = crosswalk_record(record(payload, "rec-a"), ctx=ctx)
    b = crosswalk_record(record(payload, "rec-b"), ctx=ctx)
    c = crosswalk_record(record(payload, "rec-a"), ctx=CrosswalkContext(BASE, "other", techniques, mappings))

    def blanks(r):
        return {term for t in r.triples for term in (t.s, t.o) if term.startswith("_:")}

    assert blanks(a) and not blanks(a) & blanks(b) and not blanks(a) & blanks(c)
    both = Graph()
    both.parse(data=ntriples(a.triples) + ntriples(b.triples), format="nt")  # bulk-loaded together
    in_both = {term for t in both for term in (t[0], t[2]) if isinstance(term, BNode)}
    assert len(in_both) == len(blanks(a)) + len(blanks(b))


def test_output_parses_as_ntriples(ctx: CrosswalkContext) -> None:
    for case in sorted(p for p in FIXTURES.iterdir() if (p / "input.xml").is_file()):
        result = crosswalk_record(record((case / "input.xml").read_bytes(), case.name), ctx=ctx)
        g = Graph()
        g.parse(data=ntriples(result.triples), format="nt")
        assert len(g) == len(set(result.triples)), case.name


# --- semantics --------------------------------------------------------------------------------------


def test_issued_falls_back_to_publication_year_only_without_issued_date(ctx: CrosswalkContext) -> None:
    with_issued = f'<resource>{KERNEL}<dates><date dateType="Issued">2022-03-04</date></dates></resource>'
    r = crosswalk_record(record(with_issued), ctx=ctx)
    assert values(r.triples, r.subject, DCT.issued) == [literal("2022-03-04", datatype="http://www.w3.org/2001/XMLSchema#date")]
    r = crosswalk_record(record(WRAPPINGS["no-namespace"]), ctx=ctx)
    assert values(r.triples, r.subject, DCT.issued) == [literal("2022", datatype="http://www.w3.org/2001/XMLSchema#gYear")]


def test_licence_spellings_meet_in_one_spdx_iri(ctx: CrosswalkContext) -> None:
    spellings = [
        '<rights rightsURI="http://creativecommons.org/licenses/by/4.0/legalcode"/>',
        '<rights rightsURI="https://creativecommons.org/licenses/by/4.0/deed.en">x</rights>',
        '<rights rightsIdentifier="cc-by-4.0" rightsIdentifierScheme="SPDX"/>',
        "<rights>CC BY 4.0</rights>",
        "<rights>Creative Commons Attribution 4.0 International</rights>",
        "<rights>https://creativecommons.org/licenses/by/4.0</rights>",
    ]
    for spelling in spellings:
        r = crosswalk_record(record(f"<resource>{KERNEL}<rightsList>{spelling}</rightsList></resource>"), ctx=ctx)
        assert values(r.triples, r.subject, DCT.license) == [iri("http://spdx.org/licenses/CC-BY-4.0")], spelling
        assert not r.notes, spelling


def test_rights_that_are_not_licences(ctx: CrosswalkContext) -> None:
    payload = (f"<resource>{KERNEL}<rightsList><rights rightsURI='info:eu-repo/semantics/closedAccess'/>"
               "<rights rightsIdentifier='MPL-2.0' rightsIdentifierScheme='SPDX'/>"
               "<rights>Data may be reused after the embargo</rights></rightsList></resource>")
    r = crosswalk_record(record(payload), ctx=ctx)
    assert values(r.triples, r.subject, DCT.accessRights) == [
        iri("http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC")]
    assert values(r.triples, r.subject, DCT.license) == [iri("http://spdx.org/licenses/MPL-2.0")]
    assert len(values(r.triples, r.subject, DCT.rights)) == 1
    reasons = {n.reason for n in r.notes}
    assert "unknown licence text kept as a rights statement" in reasons
    assert any("SPDX licence not in mappings/licenses.tsv" in x for x in reasons)


def test_notes_for_tolerated_problems(ctx: CrosswalkContext) -> None:
    minimal = crosswalk_record(record((FIXTURES / "minimal-datacite-no-licence" / "input.xml").read_bytes()), ctx=ctx)
    by_field = {n.field: n for n in minimal.notes}
    assert by_field["dates/date[@dateType=Created]"].reason == "invalid date kept as plain literal"
    assert by_field["dates/date[@dateType=Created]"].value == "2017-01-00"
    assert values(minimal.triples, minimal.subject, DCT.created) == [literal("2017-01-00")]
    assert "unparseable ORCID" in by_field["creators/creator"].reason
    assert values(minimal.triples, minimal.subject, DCT.license) == []  # no licence: still crosswalked
    assert values(minimal.triples, minimal.subject, DCT.publisher) == []

    ill = crosswalk_record(record((FIXTURES / "ill-oai-datacite-links" / "input.xml").read_bytes()), ctx=ctx)
    mismatch = [n for n in ill.notes if n.field == "subjects/subject"]
    assert len(mismatch) == 1 and "PaNET01177" in mismatch[0].reason and "XRR" in mismatch[0].reason
    assert values(ill.triples, ill.subject, SCHEMA.measurementTechnique) == [
        iri("http://purl.org/pan-science/PaNET/PaNET01177")]  # the ID wins, the mismatch is reported


def test_doubled_orcid_prefix_is_repaired_with_a_note(ctx: CrosswalkContext) -> None:
    payload = (f"<resource>{KERNEL}<contributors><contributor contributorType='ProjectMember'>"
               "<contributorName>Packer, Tara</contributorName><nameIdentifier nameIdentifierScheme='ORCID'>"
               "https://orcid.org/https://orcid.org/0009-0009-0223-2917</nameIdentifier></contributor></contributors></resource>")
    r = crosswalk_record(record(payload), ctx=ctx)
    assert iri("https://orcid.org/0009-0009-0223-2917") in values(r.triples, r.subject, DCT.contributor)
    assert [n.severity for n in r.notes] == ["Info"]


def test_contributor_roles_and_contact_point(ctx: CrosswalkContext) -> None:
    payload = (f"<resource>{KERNEL}<contributors><contributor contributorType='ContactPerson'>"
               "<contributorName>Smith, Ann</contributorName></contributor>"
               "<contributor contributorType='HostingInstitution'><contributorName>ILL</contributorName>"
               "</contributor></contributors></resource>")
    r = crosswalk_record(record(payload), ctx=ctx)
    roles = {t.o for t in r.triples if t.p == DCAT.hadRole}
    assert roles == {iri("http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/pointOfContact"),
                     iri("http://id.loc.gov/vocabulary/relators/his")}
    contact = values(r.triples, r.subject, DCAT.contactPoint)
    assert len(contact) == 1 and values(r.triples, contact[0], VCARD.fn) == [literal("Ann Smith")]
    hosting = [t.o for t in r.triples if t.p == PROV.agent]
    assert any(values(r.triples, a, "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>").count(FOAF.Organization)
               for a in hosting)


def test_esrf_proposals_and_instrument(ctx: CrosswalkContext) -> None:
    payload = (f"<resource>{KERNEL}<subjects><subject subjectScheme='Proposal'>LS-3436,LS-3437</subject>"
               "<subject subjectScheme='Instrument'>BM05</subject></subjects></resource>")
    r = crosswalk_record(record(payload), ctx=ctx)
    activities = values(r.triples, r.subject, PROV.wasGeneratedBy)
    assert activities == [iri(f"{BASE}/id/proposal/unit/ls-3436"), iri(f"{BASE}/id/proposal/unit/ls-3437")]
    for a in activities:
        assert values(r.triples, a, PROV.used) == [iri(f"{BASE}/id/instrument/unit/bm05")]
    assert values(r.triples, r.subject, DCAT.keyword) == []


def test_related_identifiers_become_typed_links(ctx: CrosswalkContext) -> None:
    r = crosswalk_record(record((FIXTURES / "ill-oai-datacite-links" / "input.xml").read_bytes()), ctx=ctx)
    assert values(r.triples, r.subject, DCT.isReferencedBy) == [iri("https://doi.org/10.1038/s41467-023-01234-5")]
    assert values(r.triples, r.subject, DCT.references) == [iri("https://identifiers.org/empiar:EMPIAR-11278")]
    assert values(r.triples, r.subject, DCT.isPartOf) == [iri("https://doi.org/10.5291/ill-data.8-02-800")]
    assert values(r.triples, r.subject, DCAT.landingPage) == [iri("https://doi.ill.fr/10.5291/ILL-DATA.8-02-889")]


@pytest.mark.parametrize("value,scheme,expected", [
    ("10.2210/pdb4bof/pdb", "DOI", "https://identifiers.org/pdb:4BOF"),
    ("https://www.rcsb.org/structure/4BOF", "URL", "https://identifiers.org/pdb:4BOF"),
    ("https://www.ebi.ac.uk/pdbe/entry/pdb/4bof", "URL", "https://identifiers.org/pdb:4BOF"),
    ("PDB:4bof", None, "https://identifiers.org/pdb:4BOF"),
    ("10.6019/EMPIAR-11278", "DOI", "https://identifiers.org/empiar:EMPIAR-11278"),
    ("https://www.ebi.ac.uk/emdb/EMD-1234", "URL", "https://identifiers.org/emdb:EMD-1234"),
    ("doi:10.5291/ILL-DATA.8-02-889", "DOI", "https://doi.org/10.5291/ill-data.8-02-889"),
    ("https://cxidb.org/id-98.html", "URL", "https://cxidb.org/id-98.html"),
    ("20.500.12269/abc", "Handle", "https://hdl.handle.net/20.500.12269/abc"),
    ("978-3-905673-82-1", "ISBN", "urn:isbn:9783905673821"),
    ("IECUR0097", "IGSN", None),
])
def test_related_resource_iri(value: str, scheme: str | None, expected: str | None) -> None:
    assert related_resource_iri(value, scheme) == expected


@pytest.mark.parametrize("value,expected", [
    ("2020", '"2020"^^<http://www.w3.org/2001/XMLSchema#gYear>'),
    ("2020-02", '"2020-02"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>'),
    ("2020-02-29", '"2020-02-29"^^<http://www.w3.org/2001/XMLSchema#date>'),
    ("2024-03-01T08:00", '"2024-03-01T08:00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime>'),
    ("2018-09-02T19:44:52Z", '"2018-09-02T19:44:52Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'),
    ("2017-01-00", None), ("2019-02-29", None), ("2018-09-02 19:44:521Z", None), ("2020-13", None), ("soon", None),
])
def test_date_literal(value: str, expected: str | None) -> None:
    assert date_literal(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("285 kb", 285_000), ("2.5 GB", 2_500_000_000), ("2 GiB", 2 * 2**30), ("1024 bytes", 1024), ("734003200", 734003200),
    ("90 pages", None), ("10 p.", None),
])
def test_byte_size(value: str, expected: int | None) -> None:
    assert byte_size(value) == expected


# --- the path language ---------------------------------------------------------------------------


def test_paths_match_local_names_and_attribute_values() -> None:
    root = parse_xml(b'<r xmlns="urn:a" xmlns:b="urn:b"><b:dates><date dateType="Issued">1</date>'
                     b'<date dateType="collected">2</date><date>3</date></b:dates></r>')
    assert [e.text for e in compile_path("dates/date[@dateType=Collected|Other]").select(root)] == ["2"]
    assert [e.text for e in compile_path("dates/date[!@dateType]").select(root)] == ["3"]
    assert [e.text for e in compile_path("dates/date[!@dateType=Issued]").select(root)] == ["2", "3"]
    assert [e.text for e in compile_path("*/date[@dateType]").select(root)] == ["1", "2"]


@pytest.mark.parametrize("bad", ["", "titles//title", "title[@]", "title[@a=]", "title[@a", "ti tle", "title[x]"])
def test_malformed_paths_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        compile_path(bad)


# --- mappings: loaded and checked before any record -----------------------------------------------


@pytest.fixture()
def mapping_copy(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(project_dir("mappings"), target)
    return target


def _edit(path: Path, old: str, new: str) -> int:
    """Replace the first *old* in the file by *new*; the line number where the change starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    start = text.index(old) + (len(old) - len(old.lstrip("\t\n")))
    return text.count("\n", 0, start) + 1


def test_mappings_load_and_have_a_stable_version(mapping_copy: Path) -> None:
    a, b = load_mappings(mapping_copy), load_mappings()
    assert a.version == b.version and len(a.version) == 12
    assert {"datacite", "oai_dc", "panosc", "datacite-json"} <= set(a.fields)
    _edit(mapping_copy / "languages.tsv", "\tItalian\t", "\tItaliano\t")
    assert load_mappings(mapping_copy).version != a.version


@pytest.mark.parametrize("file,old,new,message", [
    ("relation-types.tsv", "skos:exactMatch\tdct:isPartOf", "skos:exactMach\tdct:isPartOf", "predicate_id 'skos:exactMach'"),
    ("relation-types.tsv", "\tdct:isPartOf\tis part of\tsemapv:ManualMappingCuration\t\n",
     "\tdcterms:isPartOf\tis part of\tsemapv:ManualMappingCuration\t\n", "prefix 'dcterms'"),
    ("licenses.tsv", "ccl:by/3.0/\tCreative Commons Attribution 3.0 Unported\t",
     "ccl:by/3.0/\tCreative Commons Attribution 4.0 International\t", "also maps to http://spdx.org/licenses/CC-BY-4.0"),
    ("contributor-roles.tsv", "semapv:ManualMappingCuration", "ManualCuration", "mapping_justification"),
    ("date-types.tsv", "dcdt:Created\t", "dcdt:Issued\t", "already mapped on line"),
    ("datacite-dcat.tsv", "\tcreator\talways", "\tcreater\talways", "unknown transform 'creater'"),
    ("datacite-dcat.tsv", "titles/title[!@titleType]\t", "titles/title[!@titleType\t", "source path"),
    ("oai_dc-dcat.tsv", "title\tdct:title\ttext\talways", "title\tdct:titel\ttext\tsometimes", "when must be"),
    ("panosc-dcat.tsv", "name\tdct:title\ttext", "name\tfoo:title\ttext", "prefix 'foo'"),
])
def test_mapping_typos_fail_with_file_and_line(mapping_copy: Path, file: str, old: str, new: str, message: str) -> None:
    line = _edit(mapping_copy / file, old, new)
    with pytest.raises(MappingError) as info:
        load_mappings(mapping_copy)
    assert message in info.value.reason
    assert info.value.reason.startswith(f"{file}:{line}:"), info.value.reason


def test_unknown_or_missing_mapping_files_fail(mapping_copy: Path) -> None:
    (mapping_copy / "relation-type.tsv").write_text("x", encoding="utf-8")
    with pytest.raises(MappingError, match="relation-type.tsv: unknown mapping file"):
        load_mappings(mapping_copy)
    (mapping_copy / "relation-type.tsv").unlink()
    (mapping_copy / "languages.tsv").unlink()
    with pytest.raises(MappingError, match="languages.tsv: missing"):
        load_mappings(mapping_copy)


def test_sssom_header_is_required(mapping_copy: Path) -> None:
    _edit(mapping_copy / "access-rights.tsv", "# license: https://creativecommons.org/publicdomain/zero/1.0/\n", "")
    with pytest.raises(MappingError, match="access-rights.tsv:1: SSSOM header lacks 'license'"):
        load_mappings(mapping_copy)
