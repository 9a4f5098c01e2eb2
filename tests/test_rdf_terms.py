"""N-Triples terms and identifier normalisation: what every crosswalk builds on."""

from __future__ import annotations

import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st

from pangraph.iri import doi_iri, local_key, orcid_iri, panet_iri, ror_iri
from pangraph.rdf import DCT, iri, literal, ntriples


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from([None, "en", "fr-CH"]))
def test_any_text_round_trips_through_an_ntriples_literal(text: str, lang: str | None) -> None:
    clean = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    g = rdflib.Graph().parse(data=ntriples([(iri("http://a"), DCT.title, literal(text, lang=lang))]), format="nt")
    (value,) = list(g.objects())
    assert str(value) == clean
    assert (value.language or "").lower() == (lang or "").lower()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_any_iri_text_gives_a_parseable_term(tail: str) -> None:
    g = rdflib.Graph().parse(data=f"{iri('http://x/' + tail)} {DCT.title} \"t\" .\n", format="nt")
    assert len(g) == 1


def test_namespace_attributes_are_terms_not_str_methods() -> None:
    assert DCT.title == "<http://purl.org/dc/terms/title>"
    assert DCT.format == "<http://purl.org/dc/terms/format>"


def test_identifier_spellings_of_real_data() -> None:
    assert doi_iri("doi:10.15151/ESRF-ES-2210534378") == "https://doi.org/10.15151/esrf-es-2210534378"
    assert doi_iri("https://dx.doi.org/10.5291/ILL-DATA.8-02-889") == "https://doi.org/10.5291/ill-data.8-02-889"
    assert doi_iri("not a doi") is None
    assert orcid_iri("http://orcid.org/0000-0002-9183-7206") == "https://orcid.org/0000-0002-9183-7206"
    assert orcid_iri("0000-0002-9183-7207") is None, "wrong check digit"
    assert ror_iri("ROR:02550n020") == "https://ror.org/02550n020"
    for spelling in ("PaNET:PaNET01217", "PaNET01217", "https://purl.org/pan-science/PaNET/PaNET01217",
                     "https://pan-ontologies.github.io/PaNET/PaNET01217"):
        assert panet_iri(spelling) == "http://purl.org/pan-science/PaNET/PaNET01217"


def test_local_keys_are_stable_and_distinct() -> None:
    assert local_key("oai:icat.esrf.fr:inv/123") == local_key("oai:icat.esrf.fr:inv/123")
    assert local_key("doi:10.5072/ABC") != local_key("doi:10.5072/abc")
    assert all(c.isalnum() or c in "._~-" for c in local_key("oai:x:ä ö/ü?#"))


def test_blank_node_labels_are_ascii_so_every_parser_reads_them() -> None:
    from pangraph.rdf import bnode

    label = bnode("datacite-café-1")
    assert label.isascii()
    g = rdflib.Graph().parse(data=f"{label} {DCT.title} \"x\" .\n", format="nt")
    assert len(g) == 1
