"""PaNET technique index: loading, lookups, ID/label checks, free-text matching, closures, the shipped
table, and the choice of source in load_techniques (with a real HTTP server on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import http.server
import json
import pickle
import threading
from pathlib import Path
from typing import Iterator

import pytest
import rdflib
from lxml import etree
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from pangraph.config import Config, load_config
from pangraph.errors import VocabularyError
from pangraph.resources import package_data
from pangraph.vocab import TechniqueIndex, TechniqueMatch, load_techniques
from pangraph.vocab import panet as panet_module

NS = "http://purl.org/pan-science/PaNET/"


def P(n: str) -> str:
    return NS + "PaNET" + n


@pytest.fixture(scope="module")
def panet(panet_owl: Path) -> TechniqueIndex:
    return TechniqueIndex.from_file(panet_owl)


@pytest.fixture(scope="module")
def table() -> TechniqueIndex:
    return TechniqueIndex.from_table()


# --- loading ------------------------------------------------------------------------------------

def test_full_ontology_loads_all_classes_and_its_version(panet: TechniqueIndex, panet_owl: Path) -> None:
    assert panet.version == "1.3.0"
    assert panet.is_full
    assert str(panet_owl) in panet.origin
    assert len(panet) == 505 and len(panet.iris()) == 505
    assert all(i.startswith(NS + "PaNET") for i in panet.iris())  # no wikidata / foaf pseudo-classes
    assert len(panet.iris(techniques_only=True)) == 377  # the specifier tree (127 + root) left out
    assert P("2011001") in panet and P("2011001") not in panet.iris(techniques_only=True)


def test_index_cache_skips_parsing_on_the_second_load(panet_owl: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = TechniqueIndex.from_file(panet_owl, cache_dir=tmp_path)
    digest = hashlib.sha256(panet_owl.read_bytes()).hexdigest()
    assert [p.name.split("-")[0] for p in tmp_path.glob("*.pickle")] == [digest]

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed although the index was cached")

    monkeypatch.setattr(panet_module, "_read_ontology", no_parsing)
    second = TechniqueIndex.from_file(panet_owl, cache_dir=tmp_path)
    assert second.iris() == first.iris() and second.version == "1.3.0"
    assert second.resolve("XAS") == first.resolve("XAS")
    assert second.descendants(P("01124")) == first.descendants(P("01124"))
    # a different file is not served from that cache
    other = tmp_path / "other.owl"
    other.write_bytes(panet_owl.read_bytes().replace(b"<owl:versionInfo>1.3.0", b"<owl:versionInfo>1.3.1"))
    with pytest.raises(AssertionError, match="parsed although"):
        TechniqueIndex.from_file(other, cache_dir=tmp_path)


def test_index_pickles(panet: TechniqueIndex) -> None:
    again = pickle.loads(pickle.dumps(panet))
    assert again.resolve("SANS") == panet.resolve("SANS")
    assert again.find_in_text("SAXS of lysozyme") == panet.find_in_text("SAXS of lysozyme")
    assert again.document() == panet.document()


def test_turtle_and_ntriples_sources_give_the_same_index(panet: TechniqueIndex, panet_owl: Path, tmp_path: Path) -> None:
    g = rdflib.Graph().parse(panet_owl, format="xml")
    ttl, nt = tmp_path / "PaNET.ttl", tmp_path / "PaNET.nt"
    g.serialize(ttl, format="turtle")
    g.serialize(nt, format="nt", encoding="utf-8")
    for path, media_type in ((ttl, "text/turtle"), (nt, "application/n-triples")):
        index = TechniqueIndex.from_file(path)
        assert index.version == "1.3.0"
        assert index.iris() == panet.iris()
        assert all(index.parents(i) == panet.parents(i) for i in panet.iris())
        assert index.document()[1] == media_type


def test_unparsable_or_empty_ontology_is_a_vocabulary_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.owl"
    broken.write_text('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><oops')
    with pytest.raises(VocabularyError, match="broken.owl"):
        TechniqueIndex.from_file(broken)
    empty = tmp_path / "empty.ttl"
    empty.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n<http://example.org/o> a owl:Ontology .\n")
    with pytest.raises(VocabularyError, match="holds no PaNET class"):
        TechniqueIndex.from_file(empty)
    with pytest.raises(VocabularyError, match="cannot read"):
        TechniqueIndex.from_file(tmp_path / "missing.owl")


# --- labels -------------------------------------------------------------------------------------

def test_labels_and_alt_labels(panet: TechniqueIndex) -> None:
    assert panet.label(P("01250")) == "high-resolution neutron imaging"  # trailing space in PaNET 1.3.0
    assert panet.label(P("01119")) == "spin echo scattering"  # double space in PaNET 1.3.0
    assert panet.label("PaNET:PaNET01196") == "x-ray absorption spectroscopy"
    assert panet.label("https://purl.org/pan-science/PaNET/PaNET01189") == "small angle neutron scattering"
    assert panet.label(P("99999")) is None
    assert panet.label("not an iri") is None
    assert panet.alt_labels(P("01199")) == ("NEXAFS", "XANES")
    assert panet.alt_labels(P("01196")) == ("XAS",)
    assert panet.alt_labels(P("01188")) == ("SAXS",)
    assert panet.alt_labels(P("00001")) == ()


# --- resolve ------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", [
    "http://purl.org/pan-science/PaNET/PaNET01217",
    "https://purl.org/pan-science/PaNET/PaNET01217",
    "https://pan-ontologies.github.io/PaNET/PaNET01217",
    "PaNET:PaNET01217",
    "PaNET01217",
    "  PaNET01217 ",
])
def test_resolve_every_iri_spelling(panet: TechniqueIndex, spelling: str) -> None:
    m = panet.resolve(spelling)
    assert m == TechniqueMatch(P("01217"), "neutron diffraction", spelling.strip(), "iri")


def test_resolve_real_identifiers(panet: TechniqueIndex) -> None:
    assert panet.resolve("PaNET01168").label == "serial femtosecond crystallography"  # SciCatLive seed
    assert panet.resolve("PaNET:PaNET01217").iri == P("01217")  # ICAT
    assert panet.resolve("https://purl.org/pan-science/PaNET/PaNET01177").iri == P("01177")  # DESY


def test_resolve_unknown_iri_is_none(panet: TechniqueIndex) -> None:
    assert panet.resolve("PaNET99999") is None
    assert panet.resolve("http://purl.org/pan-science/PaNET/PaNET01999") is None
    assert panet.resolve("") is None and panet.resolve("   ") is None


@pytest.mark.parametrize("text, expected, via", [
    ("x-ray absorption spectroscopy", "01196", "label"),
    ("X-ray absorption spectroscopy", "01196", "label"),
    ("X-Ray  Absorption   Spectroscopy", "01196", "label"),
    ("x ray absorption spectroscopy", "01196", "label"),
    ("xray absorption spectroscopy", "01196", "label"),
    ("Small-angle neutron scattering", "01189", "label"),
    ("small_angle_x-ray_scattering", "01188", "label"),
    ("Time of Flight spectrometry", "01244", "label"),  # PaNET: "time-of-flight spectrometry"
    ("quasi-elastic scattering", "01035", "label"),  # PaNET: "quasielastic scattering"
    ("high-resolution neutron imaging", "01250", "label"),
    ("Spectroscopy", "01125", "label"),
    ("inelastic neutron scattering", "01245", "altLabel"),
    ("single crystal x-ray diffraction", "01102", "altLabel"),
    ("protein crystallography", "01164", "altLabel"),
    ("XAS", "01196", "acronym"),
    ("SAXS", "01188", "acronym"),
    ("SANS", "01189", "acronym"),
    ("XANES", "01199", "acronym"),
    ("EXAFS", "01198", "acronym"),
    ("MuSR", "01051", "acronym"),
    ("MUSR", "01051", "acronym"),  # upper-cased acronym
    ("TR-SFX", "01309", "acronym"),
])
def test_resolve_names(panet: TechniqueIndex, text: str, expected: str, via: str) -> None:
    m = panet.resolve(text)
    assert m is not None, text
    assert (m.iri, m.via, m.matched) == (P(expected), via, text.strip())
    assert m.label == panet.label(P(expected)) and m.mismatch is None


def test_resolve_label_with_acronym_in_parentheses(panet: TechniqueIndex) -> None:
    m = panet.resolve("X-Ray Reflectivity (XRR)")
    assert (m.iri, m.label, m.matched, m.via) == (P("01149"), "x-ray reflectivity", "X-Ray Reflectivity (XRR)", "label")
    assert panet.resolve("Small Angle X-ray Scattering (SAXS)").iri == P("01188")
    assert panet.resolve("SAXS (small angle x-ray scattering)").iri == P("01188")
    assert panet.resolve("some beamline jargon (XAS)").iri == P("01196")  # the acronym decides
    assert panet.resolve("some beamline jargon (no technique)") is None


def test_resolve_refuses_what_is_not_a_technique_name(panet: TechniqueIndex) -> None:
    assert panet.resolve("saxs") is None  # acronyms: exact case or all upper case only
    assert panet.resolve("Xas") is None
    assert panet.resolve("neutron") is None  # a specifier (PaNET2011001), not a technique
    assert panet.resolve("x-ray absorption spectroscopy of iron") is None  # whole-text lookup
    assert panet.resolve("x-ray, absorption spectroscopy") is None  # a comma is not a word separator


def test_resolve_prefers_technique_label_over_specifier_and_altlabel(panet: TechniqueIndex) -> None:
    # "small angle scattering" labels PaNET01124 (technique) and PaNET2020072 (specifier)
    assert panet.resolve("small angle scattering").iri == P("01124")
    assert panet.resolve("x-ray fluorescence").iri == P("01177")  # not PaNET2020074
    # "Diffraction" is an altLabel of PaNET01163 but the label of PaNET01022
    assert panet.resolve("Diffraction") == TechniqueMatch(P("01022"), "diffraction", "Diffraction", "label")


# --- check --------------------------------------------------------------------------------------

def test_check_desy_reflectivity_labelled_as_fluorescence_id(panet: TechniqueIndex) -> None:
    m = panet.check("https://purl.org/pan-science/PaNET/PaNET01177", "X-Ray Reflectivity (XRR)")
    assert m.iri == P("01177") and m.label == "x-ray fluorescence" and m.via == "iri"  # the ID wins
    assert m.mismatch is not None
    assert m.mismatch.startswith(
        "PaNET01177 is 'x-ray fluorescence' but the record labels it 'X-Ray Reflectivity (XRR)', which is PaNET01149")


def test_check_pan_training_neutron_scattering(panet: TechniqueIndex) -> None:
    m = panet.check("https://pan-ontologies.github.io/PaNET/PaNET01160", "Neutron scattering")
    assert m.iri == P("01160")
    assert "'energy dispersive x-ray diffraction'" in m.mismatch and "PaNET01242" in m.mismatch


def test_check_agreeing_pairs_have_no_mismatch(panet: TechniqueIndex) -> None:
    for ident, label in [
        ("PaNET:PaNET01217", "Neutron Diffraction"),
        ("PaNET01250", "high-resolution neutron imaging "),
        ("PaNET01188", "SAXS"),
        ("PaNET01188", "Small Angle X-ray Scattering (SAXS)"),
        ("PaNET01188", "SAXS measurements at P12"),  # the label mentions the class
        ("PaNET01177", "x-ray flourescence"),  # a misspelling of the class label
        ("PaNET01177", ""),
        ("PaNET01177", None),
    ]:
        m = panet.check(ident, label)
        assert m is not None and m.iri == panet.resolve(ident).iri and m.mismatch is None, (ident, label, m)


def test_check_flags_broader_and_unrelated_labels(panet: TechniqueIndex) -> None:
    broader = panet.check("PaNET01188", "small angle scattering")
    assert broader.iri == P("01188")
    assert "PaNET01124" in broader.mismatch and "broader" in broader.mismatch
    narrower = panet.check("PaNET01124", "SANS")
    assert "PaNET01189" in narrower.mismatch and "narrower" in narrower.mismatch
    nothing = panet.check("PaNET01177", "sample environment upgrade")
    assert nothing.iri == P("01177") and nothing.mismatch.endswith("which names no PaNET technique")
    mentions = panet.check("PaNET01177", "XAS of catalysts")
    assert mentions.iri == P("01177") and "PaNET01196" in mentions.mismatch


def test_check_without_a_usable_id(panet: TechniqueIndex) -> None:
    # a facility's own technique id (CERIC, ESS search-api): the label decides, nothing to flag
    m = panet.check("10.34967/ceric-tech2", "synchrotron x-ray tomography")
    assert m.iri == P("01207") and m.mismatch is None
    assert panet.check(None, "XAS").iri == P("01196")
    # a PaNET-shaped id of no class: the label's class, flagged
    unknown = panet.check("PaNET09999", "x-ray reflectivity")
    assert unknown.iri == P("01149") and "not a class of PaNET 1.3.0" in unknown.mismatch
    assert panet.check("PaNET09999", "nothing known") is None
    assert panet.check("ceric-tech9", "nothing known") is None


def test_check_real_technique_records(panet: TechniqueIndex, shared_data: Path) -> None:
    """Every (PaNET id, name) pair in the facility samples agrees, including SciCat's dotted paths."""
    pairs: list[tuple[str, str]] = []
    for ds in json.loads((shared_data / "search-api" / "scicat-seed" / "Dataset.json").read_text()):
        pairs += [(t["pid"], t["name"]) for t in ds.get("techniques") or []]
    db = json.loads((shared_data / "search-api" / "db.json").read_text())
    for raw in db["models"]["Technique"].values():
        t = json.loads(raw) if isinstance(raw, str) else raw
        pairs.append((t["panetId"], t["name"]))  # "pid" is the facility's own technique id
    icat = etree.parse(str(shared_data / "other" / "icat" / "icatdump-6.2.xml"))
    pairs += [(t.findtext("pid"), t.findtext("name")) for t in icat.iter("technique") if t.findtext("pid")]
    assert len(pairs) >= 20 and any(";" in name for _, name in pairs)
    for ident, name in pairs:
        m = panet.check(ident, name)
        assert m is not None and m.via == "iri" and m.mismatch is None, (ident, name, m)


# --- find_in_text -------------------------------------------------------------------------------

def _found(index: TechniqueIndex, text: str) -> list[tuple[str, str, str]]:
    return [(m.matched, m.iri[len(NS):], m.via) for m in index.find_in_text(text)]


def test_find_in_text_realistic_titles(panet: TechniqueIndex) -> None:
    assert _found(panet, "Small-angle X-ray scattering of lysozyme") == [
        ("Small-angle X-ray scattering", "PaNET01188", "label")]
    assert _found(panet, "SAXS study") == [("SAXS", "PaNET01188", "acronym")]
    assert _found(panet, "XAS at ID26") == [("XAS", "PaNET01196", "acronym")]
    assert _found(panet, "In situ XANES and EXAFS of Pt catalysts") == [
        ("XANES", "PaNET01199", "acronym"), ("EXAFS", "PaNET01198", "acronym")]
    assert _found(panet, "Time-resolved SAXS/WAXS on polymer films") == [
        ("SAXS", "PaNET01188", "acronym"), ("WAXS", "PaNET01191", "acronym")]
    assert _found(panet, "Neutron reflectometry of lipid bilayers") == [
        ("Neutron reflectometry", "PaNET01239", "label")]
    assert _found(panet, "Inelastic neutron scattering on magnets") == [
        ("Inelastic neutron scattering", "PaNET01245", "altLabel")]


def test_find_in_text_prefers_the_longest_name_and_no_duplicates(panet: TechniqueIndex) -> None:
    # "grazing incidence small angle x-ray scattering" contains "small angle x-ray scattering"
    assert _found(panet, "Grazing incidence small angle X-ray scattering (GISAXS) of thin films") == [
        ("Grazing incidence small angle X-ray scattering", "PaNET01162", "label")]  # GISAXS: same class, once
    assert _found(panet, "TR-SFX of photoactive yellow protein") == [("TR-SFX", "PaNET01309", "acronym")]
    assert _found(panet, "SAXS, then more SAXS") == [("SAXS", "PaNET01188", "acronym")]
    assert _found(panet, "GISAXS and SAXS") == [("GISAXS", "PaNET01162", "acronym"), ("SAXS", "PaNET01188", "acronym")]


def test_find_in_text_word_boundaries_case_and_ambiguous_acronyms(panet: TechniqueIndex) -> None:
    assert panet.find_in_text("PhD thesis data, PDF attached, MAD SAD STM") == []  # ambiguous acronyms
    assert panet.find_in_text("saxs xas sans") == []  # acronyms are case-sensitive in text
    assert panet.find_in_text("XASTRO and SAXSY and preSAXS") == []  # whole words only
    assert panet.find_in_text("testing the detector therapy") == []  # purpose axes are not techniques
    assert panet.find_in_text("neutron") == []  # specifiers are not techniques
    assert panet.find_in_text("") == []
    assert _found(panet, "x-ray, absorption spectroscopy") == [("absorption spectroscopy", "PaNET01135", "label")]


def test_find_in_text_spans_point_into_the_text(panet: TechniqueIndex) -> None:
    text = "Data: XAS at ID26 and x-ray   photoelectron spectroscopy"
    matches = panet.find_in_text(text)
    assert [text[m.span[0]:m.span[1]] for m in matches] == [m.matched for m in matches] == [
        "XAS", "x-ray   photoelectron spectroscopy"]


# --- closures -----------------------------------------------------------------------------------

def test_descendants_of_small_angle_scattering(panet: TechniqueIndex) -> None:
    sas = panet.descendants(P("01124"))
    assert {P("01188"), P("01189"), P("01162"), P("01276"), P("01241"), P("01278")} <= sas
    assert P("01124") not in sas and P("01124") in panet.descendants(P("01124"), include_self=True)
    assert P("01196") not in sas
    assert panet.descendants(P("01188")) >= {P("01162"), P("01241"), P("01274")}


def test_ancestors_follow_asserted_superclasses_to_the_root(panet: TechniqueIndex) -> None:
    xas = panet.ancestors("PaNET01196")
    assert set(panet.parents(P("01196"))) == {P("01054"), P("01135"), P("01156"), P("01227")}
    assert set(panet.parents(P("01196"))) <= xas
    assert P("00001") in xas and P("01196") not in xas
    assert P("01196") in panet.ancestors(P("01196"), include_self=True)
    assert not any("wikidata" in a for a in panet.ancestors(P("01217")))  # pseudo-class left out
    assert panet.ancestors(P("00001")) == frozenset()
    assert P("2000000") in panet.ancestors(P("2011001")) and P("00001") not in panet.ancestors(P("2011001"))
    # closure consistency: every descendant of the root has the root among its ancestors
    for d in panet.descendants(P("00001")):
        assert P("00001") in panet.ancestors(d)
    assert P("01188") in panet.children(P("01124"))


def test_closure_of_unknown_class_is_an_error(panet: TechniqueIndex) -> None:
    with pytest.raises(VocabularyError, match="not a class"):
        panet.ancestors(P("99999"))
    with pytest.raises(VocabularyError, match="not a class"):
        panet.descendants("nonsense")


# --- documents ----------------------------------------------------------------------------------

def test_document_of_the_owl_file_is_the_file(panet: TechniqueIndex, panet_owl: Path) -> None:
    data, media_type = panet.document()
    assert data == panet_owl.read_bytes() and media_type == "application/rdf+xml"


def test_document_of_the_table_is_ntriples_of_a_subset(table: TechniqueIndex) -> None:
    data, media_type = table.document()
    assert media_type == "application/n-triples"
    g = rdflib.Graph().parse(data=data, format="nt")
    onto = next(iter(g.subjects(RDF.type, OWL.Ontology)))
    assert str(g.value(onto, OWL.versionInfo)) == "1.3.0"
    assert "subset" in str(g.value(onto, RDFS.label)).lower()
    classes = set(g.subjects(RDF.type, OWL.Class))
    assert len(classes) == len(table)
    saxs = rdflib.URIRef(P("01188"))
    assert str(g.value(saxs, RDFS.label)) == "small angle x-ray scattering"
    assert (saxs, SKOS.altLabel, rdflib.Literal("SAXS")) in g
    assert (saxs, RDFS.subClassOf, rdflib.URIRef(P("01124"))) in g


def test_to_ntriples_of_the_full_ontology_matches_the_owl_file(panet: TechniqueIndex, panet_owl: Path) -> None:
    ours = rdflib.Graph().parse(data=panet.to_ntriples(), format="nt")
    theirs = rdflib.Graph().parse(panet_owl, format="xml")
    sub = {(s, o) for s, o in ours.subject_objects(RDFS.subClassOf)}
    real = {(s, o) for s, o in theirs.subject_objects(RDFS.subClassOf)
            if isinstance(o, rdflib.URIRef) and str(o).startswith(NS) and str(s).startswith(NS)}
    assert sub == real and len(sub) >= 800
    assert len(set(ours.subject_objects(SKOS.altLabel))) == 139


# --- the shipped table --------------------------------------------------------------------------

def test_shipped_table_agrees_with_panet(table: TechniqueIndex, panet: TechniqueIndex) -> None:
    assert not table.is_full and table.version == panet.version == "1.3.0"
    for i in table.iris():
        assert i in panet, i
        assert table.label(i) == panet.label(i), i
        assert table.alt_labels(i) == panet.alt_labels(i), i
        assert set(table.parents(i)) == set(panet.parents(i)), i  # parents are PaNET's asserted ones
        assert table.ancestors(i) == panet.ancestors(i), i  # every ancestor is in the table
    # the techniques the demo data uses are there
    for n in ("01188", "01189", "01124", "01162", "01134", "01191", "01196", "01199", "01198", "01101", "01100",
              "01102", "01164", "01207", "01129", "01250", "01249", "01177", "01149", "01204", "01089", "01239",
              "01245", "01035", "01120", "01168", "01174", "01114", "01051", "01205", "01242", "01160", "01217"):
        assert P(n) in table, n


def test_shipped_table_resolves_like_panet(table: TechniqueIndex, panet: TechniqueIndex) -> None:
    for text in ("SAXS", "SANS", "XAS", "X-Ray Reflectivity (XRR)", "PaNET:PaNET01217", "neutron scattering"):
        assert table.resolve(text) == panet.resolve(text), text
    outside = sorted(set(panet.iris(techniques_only=True)) - set(table.iris()))
    assert outside, "the shipped table should be a strict subset of PaNET"
    assert table.resolve(outside[0].rsplit("/", 1)[1]) is None  # a PaNET class outside the subset
    assert table.check("https://purl.org/pan-science/PaNET/PaNET01177", "X-Ray Reflectivity (XRR)").mismatch
    assert table.descendants(P("01124")) >= {P("01188"), P("01189"), P("01162")}
    assert _found(table, "Small-angle X-ray scattering of lysozyme") == [
        ("Small-angle X-ray scattering", "PaNET01188", "label")]


def test_table_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "t.tsv"
    header = "iri\tlabel\talt_labels\tparents\n"
    bad.write_text(header + f"{P('00001')}\troot\t\t\n{P('01124')}\tsmall angle scattering\tSAS\t{P('01037')}\n")
    with pytest.raises(VocabularyError, match=r"t\.tsv:3: parent .*PaNET01037 .* not a row"):
        TechniqueIndex.from_table(bad)
    bad.write_text("iri\tlabel\n")
    with pytest.raises(VocabularyError, match=r"t\.tsv:1: header"):
        TechniqueIndex.from_table(bad)
    bad.write_text(header + "nonsense\tx\t\t\n")
    with pytest.raises(VocabularyError, match=r"t\.tsv:2: 'nonsense' is not a PaNET IRI"):
        TechniqueIndex.from_table(bad)
    bad.write_text(header + f"{P('00001')}\troot\t\t\n{P('00001')}\troot again\t\t\n")
    with pytest.raises(VocabularyError, match=r"t\.tsv:3: .* already defined on line 2"):
        TechniqueIndex.from_table(bad)


# --- load_techniques ----------------------------------------------------------------------------

def make_config(tmp_path: Path, **values: object) -> Config:
    toml = tmp_path / "pangraph.toml"
    toml.write_text('[paths]\ndata = "var"\n')
    return load_config(toml, environ={}).with_values(**values)


class _Server:
    """A real HTTP server on 127.0.0.1 serving fixed routes: path -> (status, headers, body)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                server.requests.append(self.path)
                status, headers, body = server.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture()
def server(panet_owl: Path) -> Iterator[_Server]:
    s = _Server()
    owl = panet_owl.read_bytes()
    s.routes["/PaNET.owl"] = (200, {"Content-Type": "application/rdf+xml"}, owl)
    s.routes["/purl/PaNET.owl"] = (302, {"Location": "/PaNET.owl"}, b"")
    s.routes["/v131/PaNET.owl"] = (200, {"Content-Type": "application/rdf+xml"},
                                   owl.replace(b"<owl:versionInfo>1.3.0", b"<owl:versionInfo>1.3.1"))
    s.routes["/garbage.owl"] = (200, {"Content-Type": "text/html"}, b"<html><body>Moved</body></html>")
    yield s
    s.close()


def test_load_configured_file(tmp_path: Path, panet_owl: Path) -> None:
    index = load_techniques(make_config(tmp_path, vocab__panet__file=str(panet_owl)))
    assert index.is_full and index.version == "1.3.0" and len(index) == 505
    assert "configured file" in index.origin and str(panet_owl) in index.origin
    assert list((tmp_path / "var" / "cache" / "panet" / "index").glob("*.pickle"))  # index cached by sha256


def test_load_configured_file_problems(tmp_path: Path, panet_owl: Path) -> None:
    with pytest.raises(VocabularyError, match="does not exist"):
        load_techniques(make_config(tmp_path, vocab__panet__file=str(tmp_path / "nope.owl")))
    with pytest.raises(VocabularyError, match="pinned to '9.9.9'"):
        load_techniques(make_config(tmp_path, vocab__panet__file=str(panet_owl), vocab__panet__version="9.9.9"))


def test_load_falls_back_to_the_shipped_table(tmp_path: Path) -> None:
    index = load_techniques(make_config(tmp_path))
    assert not index.is_full and index.version == "1.3.0"
    assert "shipped with pangraph" in index.origin and "offline" in index.origin
    assert index.resolve("SAXS").iri == P("01188")
    assert index.document()[1] == "application/n-triples"


def test_fetch_follows_redirects_checks_and_caches(tmp_path: Path, server: _Server, panet_owl: Path) -> None:
    owl = panet_owl.read_bytes()
    digest = hashlib.sha256(owl).hexdigest()
    config = make_config(tmp_path, vocab__panet__url=server.base + "/purl/PaNET.owl",
                         vocab__panet__fetch=True, vocab__panet__sha256=digest)
    index = load_techniques(config, timeout_s=5)
    assert server.requests == ["/purl/PaNET.owl", "/PaNET.owl"]
    assert index.is_full and index.version == "1.3.0" and "fetched" in index.origin
    cached = tmp_path / "var" / "cache" / "panet" / "1.3.0" / "PaNET.owl"
    assert cached.read_bytes() == owl
    assert (cached.parent / "PaNET.owl.sha256").read_text().split()[0] == digest
    assert index.document() == (owl, "application/rdf+xml")

    server.close()  # the next load needs no network
    again = load_techniques(config)
    assert "cached copy" in again.origin and str(cached) in again.origin
    assert again.iris() == index.iris()


def test_fetch_refuses_a_checksum_mismatch(tmp_path: Path, server: _Server) -> None:
    config = make_config(tmp_path, vocab__panet__url=server.base + "/PaNET.owl", vocab__panet__fetch=True,
                         vocab__panet__sha256="0" * 64)
    with pytest.raises(VocabularyError, match="SHA-256 .* not the pinned vocab.panet.sha256 0{64}: refused"):
        load_techniques(config)
    assert not (tmp_path / "var" / "cache" / "panet" / "1.3.0" / "PaNET.owl").exists()


def test_fetch_refuses_another_version(tmp_path: Path, server: _Server) -> None:
    config = make_config(tmp_path, vocab__panet__url=server.base + "/v131/PaNET.owl", vocab__panet__fetch=True)
    with pytest.raises(VocabularyError, match="version '1.3.1' but the node is pinned to '1.3.0'"):
        load_techniques(config)
    assert not (tmp_path / "var" / "cache" / "panet" / "1.3.0" / "PaNET.owl").exists()


def test_fetch_http_and_content_errors(tmp_path: Path, server: _Server) -> None:
    missing = make_config(tmp_path, vocab__panet__url=server.base + "/missing.owl", vocab__panet__fetch=True)
    with pytest.raises(VocabularyError, match="HTTP 404"):
        load_techniques(missing)
    garbage = make_config(tmp_path, vocab__panet__url=server.base + "/garbage.owl", vocab__panet__fetch=True)
    with pytest.raises(VocabularyError, match="garbage.owl"):
        load_techniques(garbage)
    server.close()
    down = make_config(tmp_path, vocab__panet__url=server.base + "/PaNET.owl", vocab__panet__fetch=True)
    with pytest.raises(VocabularyError, match="fetching PaNET from .* failed"):
        load_techniques(down, timeout_s=2)


def test_cached_copy_is_checked(tmp_path: Path, panet_owl: Path, server: _Server) -> None:
    config = make_config(tmp_path, vocab__panet__url=server.base + "/PaNET.owl")
    cached = tmp_path / "var" / "cache" / "panet" / "1.3.0" / "PaNET.owl"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(panet_owl.read_bytes() + b"\n<!-- tampered -->\n")
    (cached.parent / "PaNET.owl.sha256").write_text(hashlib.sha256(panet_owl.read_bytes()).hexdigest() + "  PaNET.owl\n")
    with pytest.raises(VocabularyError, match="does not match its checksum file"):
        load_techniques(config)
    assert server.requests == []
    # with fetching allowed, a bad cache is replaced by a fresh download
    index = load_techniques(config.with_values(vocab__panet__fetch=True))
    assert "fetched" in index.origin and server.requests == ["/PaNET.owl"]
    assert cached.read_bytes() == panet_owl.read_bytes()


def test_package_ships_the_table() -> None:
    path = package_data("demo", "techniques.tsv")
    assert path.is_file()
    assert path.read_text(encoding="utf-8").splitlines()[-1].count("\t") == 3
