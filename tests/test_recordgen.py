"""The record generator (bench/recordgen.py) and the demo sources it writes into the package."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from lxml import etree

from pangraph.iri import orcid_checksum_ok

REPO = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO / "src" / "pangraph" / "demo" / "records"

NS = {
    "dc4": "http://datacite.org/schema/kernel-4",
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oaidc": "http://schema.datacite.org/oai/oai-1.1/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL = "http://www.w3.org/2002/07/owl#"
PANET = "http://purl.org/pan-science/PaNET/"
ORCID_RE = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


@pytest.fixture(scope="module")
def rg() -> ModuleType:
    spec = importlib.util.spec_from_file_location("recordgen", REPO / "bench" / "recordgen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["recordgen"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def specs(rg: ModuleType) -> list:
    return rg.generate(1500, seed=7, defect_rate=0.05)


@pytest.fixture(scope="module")
def panet(panet_owl: Path) -> dict[str, tuple[str, set[str]]]:
    """PaNET id → (rdfs:label, skos:altLabels), read from the shared PaNET.owl."""
    tree = etree.parse(str(panet_owl))
    out: dict[str, tuple[str, set[str]]] = {}
    for cls in tree.iter(f"{{{OWL}}}Class"):
        about = cls.get(f"{{{RDF}}}about") or ""
        if not about.startswith(PANET + "PaNET"):
            continue
        label = cls.findtext(f"{{{RDFS}}}label")
        alts = {a.text or "" for a in cls.findall(f"{{{SKOS}}}altLabel")}
        if label is not None:
            out[about[len(PANET):]] = (label, alts)
    assert len(out) > 400, "PaNET.owl did not parse as expected"
    return out


# ------------------------------------------------------------------ generation


def _is_w3c_date(value: str) -> bool:
    """YYYY or a real calendar day written YYYY-MM-DD."""
    if re.fullmatch(r"\d{4}", value):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def test_same_seed_same_bytes_and_other_seed_differs(rg: ModuleType) -> None:
    a = [rg.to_datacite_xml(s) for s in rg.generate(200, seed=3)]
    b = [rg.to_datacite_xml(s) for s in rg.generate(200, seed=3)]
    c = [rg.to_datacite_xml(s) for s in rg.generate(200, seed=4)]
    assert a == b
    assert a != c
    # a longer run starts with the shorter one
    assert [rg.to_datacite_xml(s) for s in rg.generate(250, seed=3)][:200] == a


def test_oai_pages_are_deterministic(rg: ModuleType) -> None:
    def pages() -> list[bytes]:
        return rg.oai_pmh_pages(
            rg.generate(120, seed=1), prefix="oai_dc", page_size=50,
            response_date="2025-07-01T00:00:00Z", request_url="https://example.org/oai",
        )

    assert pages() == pages()


def test_dois_unique_and_follow_facility_patterns(rg: ModuleType, specs: list) -> None:
    patterns = {
        "esrf": r"10\.15151/ESRF-(ES|DC)-\d{10}",
        "ill": r"10\.5291/ILL-DATA\.(\d-\d\d-\d{3,5}|CRG-\d+)",
        "psi": r"10\.16907/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        "ess": r"10\.17199/[0-9a-f-]{36}",
        "maxiv": r"10\.48391/[0-9a-f-]{36}",
        "desy": r"10\.60883/[0-9a-f]{12}",
        "hzb": r"10\.5442/ND\d{6}",
        "isis": r"10\.5286/ISIS\.E\.RB\d{7}",
        "euxfel": r"10\.22003/XFEL\.EU-DATA-\d{6}-\d{2}",
    }
    assert len({s.doi for s in specs}) == len(specs)
    assert set(Counter(s.facility for s in specs)) == set(patterns)
    for s in specs:
        assert re.fullmatch(patterns[s.facility], s.doi), s.doi
        if s.facility == "esrf":
            assert s.landing_page == f"https://doi.esrf.fr/{s.doi}"
        if s.facility == "ill":
            assert s.landing_page == f"https://doi.ill.fr/{s.doi}"


def test_people_are_shared_within_a_facility(specs: list) -> None:
    seen: Counter = Counter()
    for s in specs:
        for p in s.creators:
            if p.orcid:
                seen[(s.facility, p.orcid)] += 1
    assert max(seen.values()) >= 3


def test_every_orcid_has_a_valid_check_digit(rg: ModuleType, specs: list) -> None:
    checked = 0
    for s in specs:
        if "malformed-orcid" in s.defects:
            continue
        for p in s.people:
            if p.orcid is None:
                continue
            assert rg.orcid_is_valid(p.orcid), (s.doi, p.orcid)
            assert orcid_checksum_ok(p.orcid.replace("-", "")), (s.doi, p.orcid)  # the project's own check
            checked += 1
    assert checked > 1000


def test_orcids_in_the_xml_are_valid(rg: ModuleType, specs: list) -> None:
    for s in specs[:300]:
        if "malformed-orcid" in s.defects:
            continue
        root = etree.fromstring(rg.to_datacite_xml(s))
        for ni in root.iterfind(".//dc4:nameIdentifier[@nameIdentifierScheme='ORCID']", NS):
            m = ORCID_RE.search(ni.text or "")
            assert m and orcid_checksum_ok(m.group(1).replace("-", "")), ni.text


def test_orcid_check_digit_known_values(rg: ModuleType) -> None:
    # ORCID's documented example and the two real ones in the shared ESRF record
    assert rg.orcid_is_valid("0000-0002-1825-0097")
    assert rg.orcid_is_valid("0000-0002-9183-7206")
    assert rg.orcid_is_valid("0000-0001-5109-3700")
    assert not rg.orcid_is_valid("0000-0002-1825-0098")
    assert rg.orcid_check_digit("000000021694233") == "X"


def test_malformed_orcid_defect_is_really_invalid(rg: ModuleType, specs: list) -> None:
    bad = [s for s in specs if "malformed-orcid" in s.defects]
    assert bad
    for s in bad:
        assert not rg.orcid_is_valid(s.creators[0].orcid)


def test_technique_table_matches_panet_owl(rg: ModuleType, panet: dict) -> None:
    for tid, tech in rg.TECHNIQUES.items():
        assert tid in panet, f"{tid} is not a PaNET class"
        label, alts = panet[tid]
        assert tech.label == label, f"{tid}: {tech.label!r} != {label!r}"
        if tech.acronym is not None:
            assert tech.acronym in alts, f"{tid}: {tech.acronym!r} not an altLabel of {label!r}"
    for fac in rg.FACILITIES.values():
        for ins in fac.instruments:
            assert all(t in rg.TECHNIQUES for t in ins.techniques), ins


def test_small_angle_family_is_the_panet_closure(rg: ModuleType, panet_owl: Path) -> None:
    parents: dict[str, set[str]] = {}
    for cls in etree.parse(str(panet_owl)).iter(f"{{{OWL}}}Class"):
        about = cls.get(f"{{{RDF}}}about") or ""
        for sc in cls.findall(f"{{{RDFS}}}subClassOf"):
            parents.setdefault(about, set()).add(sc.get(f"{{{RDF}}}resource") or "")

    def below_sas(iri: str, seen: frozenset = frozenset()) -> bool:
        if iri == PANET + "PaNET01124":
            return True
        return any(below_sas(p, seen | {iri}) for p in parents.get(iri, ()) if p not in seen)

    closure = {tid for tid in rg.TECHNIQUES if below_sas(PANET + tid)}
    assert closure == set(rg.SMALL_ANGLE_IDS)


def test_generated_technique_pairs_agree_with_panet(rg: ModuleType, specs: list, panet: dict) -> None:
    mismatches = 0
    for s in specs:
        for use in s.techniques:
            agrees = panet[use.panet_id][0] == use.label
            if "panet-label-mismatch" in s.defects and use is s.techniques[0]:
                assert not agrees
                mismatches += 1
            else:
                assert agrees, (s.doi, use)
    assert mismatches > 0


def test_technique_subjects_appear_in_every_style(rg: ModuleType, specs: list) -> None:
    forms: Counter = Counter()
    for s in specs[:600]:
        root = etree.fromstring(rg.to_datacite_xml(s))
        for subj in root.iterfind(".//dc4:subject", NS):
            uri = subj.get("valueURI") or ""
            text = subj.text or ""
            if uri.startswith("http://purl.org/pan-science/PaNET/PaNET"):
                assert subj.get("subjectScheme") == "PaNET"
                assert subj.get("schemeURI") == "http://purl.org/pan-science/PaNET/"
                forms["valueURI"] += 1
            elif uri.startswith("https://purl.org/pan-science/PaNET/"):
                forms["https-valueURI"] += 1
            elif re.fullmatch(r"PaNET:PaNET\d{5}", text):
                forms["curie"] += 1
            elif subj.get("subjectScheme") in ("Proposal", "Instrument", "Beamline", "Proposal Type Description"):
                forms[subj.get("subjectScheme")] += 1
            elif text in {t.acronym for t in rg.TECHNIQUES.values()}:
                forms["acronym"] += 1
            elif text in {t.label for t in rg.TECHNIQUES.values()}:
                forms["label"] += 1
    for form in ("valueURI", "https-valueURI", "curie", "acronym", "label", "Proposal", "Instrument", "Beamline"):
        assert forms[form] > 0, form


def test_defects_are_marked_and_rare(rg: ModuleType) -> None:
    clean = rg.generate(500, seed=2, defect_rate=0.0)
    assert not any(s.defects for s in clean)
    many = rg.generate(2000, seed=2, defect_rate=0.01)
    share = sum(1 for s in many if s.defects) / len(many)
    assert 0.002 < share < 0.025
    for s in rg.generate(400, seed=2, defect_rate=1.0):
        (defect,) = s.defects
        if defect == "missing-title":
            assert s.titles == ()
        elif defect == "missing-creator":
            assert s.creators == ()
        elif defect == "invalid-date":
            assert not _is_w3c_date(dict(s.dates)["Issued"])
        if defect != "invalid-date":
            assert all(_is_w3c_date(v) for t, v in s.dates if t != "Collected")


def test_distributions_look_like_pan_data(specs: list) -> None:
    licences = Counter(s.licence.spdx if s.licence else None for s in specs)
    assert licences["CC-BY-4.0"] > 0.7 * len(specs)
    assert licences["CC0-1.0"] > 0 and licences[None] > 0
    relations = Counter(r.relation for s in specs for r in s.related)
    for rel in ("IsCitedBy", "IsSupplementTo", "IsReferencedBy", "IsPartOf"):
        assert relations[rel] > 0, rel
    assert any(f.funder_id == "https://doi.org/10.13039/501100000780" for s in specs for f in s.funding)
    assert any(t == "Available" for s in specs for t, _ in s.dates)
    assert all(dict(s.dates).get("Collected") for s in specs)


# ------------------------------------------------------------------ XML output


def test_datacite_xml_is_well_formed_for_every_version(rg: ModuleType, specs: list) -> None:
    for version in rg.DATACITE_VERSIONS:
        for s in specs[:100]:
            root = etree.fromstring(rg.to_datacite_xml(s, version=version))
            assert root.tag == "{http://datacite.org/schema/kernel-4}resource"
            loc = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
            assert loc.endswith(f"/meta/kernel-{version}/metadata.xsd")
            assert root.findtext("dc4:identifier", namespaces=NS) == s.doi


def test_version_gated_features(rg: ModuleType) -> None:
    hzb_e2 = next(s for s in rg.generate(3000, seed=5) if s.facility == "hzb" and s.instrument == "E2")
    old = etree.fromstring(rg.to_datacite_xml(hzb_e2, version="4.3"))
    new = etree.fromstring(rg.to_datacite_xml(hzb_e2, version="4.7"))
    xp = ".//dc4:relatedIdentifier[@relationType='IsCollectedBy']"
    assert old.find(xp, NS) is None
    assert new.find(xp, NS).text == "10.5442/NI000001"
    assert old.find("dc4:publisher", NS).get("publisherIdentifier") is None
    assert new.find("dc4:publisher", NS).get("publisherIdentifier") == "https://ror.org/02aj13c28"


def test_datacite_47_sample_validates_against_kernel_xsd(rg: ModuleType, shared_data: Path) -> None:
    schema = etree.XMLSchema(etree.parse(str(shared_data / "datacite" / "kernel-4.7-xsd" / "metadata.xsd")))
    sample = rg.generate(400, seed=11, defect_rate=0.05, schema_version="4.7")
    valid = 0
    for s in sample:
        doc = etree.fromstring(rg.to_datacite_xml(s))
        ok = schema.validate(doc)
        if s.defects and s.defects[0] in ("missing-title", "missing-creator"):
            assert not ok, "an empty titles/creators wrapper must not validate"
        elif not s.defects:
            assert ok, (s.doi, str(schema.error_log.last_error))
            valid += 1
    assert valid > 300


def test_oai_datacite_wrapper(rg: ModuleType, specs: list) -> None:
    s = next(x for x in specs if x.facility == "esrf")
    root = etree.fromstring(rg.to_oai_datacite(s))
    assert root.tag == "{http://schema.datacite.org/oai/oai-1.1/}oai_datacite"
    assert root.findtext("oaidc:schemaVersion", namespaces=NS) == s.schema_version
    assert root.findtext("oaidc:datacentreSymbol", namespaces=NS) == "INIST.ESRF"
    assert root.find("oaidc:payload/dc4:resource", NS) is not None


def test_oai_dc_output(rg: ModuleType, specs: list) -> None:
    s = next(x for x in specs if not x.defects)
    root = etree.fromstring(rg.to_oai_dc(s))
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
    assert root.findtext("dc:title", namespaces=NS) == s.titles[0]
    assert f"doi:{s.doi}" in [e.text for e in root.iterfind("dc:identifier", NS)]
    assert len(root.findall("dc:creator", NS)) == len(s.creators)


@pytest.mark.parametrize("prefix,style", [("oai_datacite", "datacite"), ("oai_dc", "icat")])
def test_oai_pages_parse_and_tokens_chain(rg: ModuleType, specs: list, prefix: str, style: str) -> None:
    records = list(specs[:95])
    records[10] = replace(records[10], deleted=True)
    pages = rg.oai_pmh_pages(
        records, prefix=prefix, page_size=20, response_date="2025-07-01T00:00:00Z",
        request_url="https://oai.example.org/oai", set_spec="INIST.ESRF", token_style=style,
    )
    assert len(pages) == 5
    seen: list[str] = []
    expected_request = None
    for n, page in enumerate(pages):
        root = etree.fromstring(page)
        assert root.tag == "{http://www.openarchives.org/OAI/2.0/}OAI-PMH"
        req = root.find("oai:request", NS)
        assert req.get("verb") == "ListRecords"
        assert req.get("resumptionToken") == expected_request
        lr = root.find("oai:ListRecords", NS)
        for rec in lr.iterfind("oai:record", NS):
            header = rec.find("oai:header", NS)
            seen.append(header.findtext("oai:identifier", namespaces=NS))
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", header.findtext("oai:datestamp", namespaces=NS))
            if header.get("status") == "deleted":
                assert rec.find("oai:metadata", NS) is None
            else:
                assert len(rec.find("oai:metadata", NS)) == 1
        token = lr.find("oai:resumptionToken", NS)
        assert token.get("completeListSize") == "95"
        assert token.get("cursor") == str(20 * n)
        if n < len(pages) - 1:
            assert token.text
            expected_request = token.text
        else:
            assert not token.text  # an empty token ends the list
    assert seen == [r.oai_identifier for r in records]


def test_single_page_has_no_token(rg: ModuleType, specs: list) -> None:
    page = rg.oai_pmh_page(
        specs[:3], prefix="oai_dc", response_date="2025-07-01T00:00:00Z", request_url="https://oai.example.org/oai"
    )
    assert etree.fromstring(page).find("oai:ListRecords/oai:resumptionToken", NS) is None


def test_cli_writes_files(rg: ModuleType, tmp_path: Path) -> None:
    assert rg.main(["--n", "30", "--format", "datacite", "--out", str(tmp_path / "dc"), "--seed", "1"]) == 0
    assert len(list((tmp_path / "dc").glob("*.xml"))) == 30
    assert rg.main(["--n", "30", "--format", "oai_datacite", "--page-size", "12", "--out", str(tmp_path / "oai")]) == 0
    assert len(list((tmp_path / "oai").glob("page-*.xml"))) == 3


# ------------------------------------------------------------------ the shipped demo


def test_committed_demo_equals_what_recordgen_demo_writes(rg: ModuleType) -> None:
    expected = rg.demo_files()
    committed = {p.relative_to(DEMO_DIR).as_posix(): p.read_bytes() for p in DEMO_DIR.rglob("*") if p.is_file()}
    missing = sorted(set(expected) - set(committed))
    extra = sorted(set(committed) - set(expected))
    changed = sorted(k for k in set(expected) & set(committed) if expected[k] != committed[k])
    assert not (missing or extra or changed), (
        f"src/pangraph/demo/records is stale (missing {missing}, extra {extra}, changed {changed}): "
        "run `python bench/recordgen.py demo`"
    )


def test_demo_meets_its_counts(rg: ModuleType) -> None:
    sources = tomllib.loads((DEMO_DIR / "sources.toml").read_text(encoding="utf-8"))["sources"]
    by_name = {s["name"]: s for s in sources}
    assert set(by_name) == {"esrf-oai", "ill-oai-dc", "datacite-xml"}
    for src in sources:
        assert {"name", "kind", "metadata_prefix", "facility", "title", "files", "glob"} <= set(src)
        assert sorted(src["files"]) == sorted(p.relative_to(DEMO_DIR).as_posix() for p in DEMO_DIR.glob(src["glob"]))

    specs = rg.demo_specs()
    esrf, ill, files = specs["esrf-oai"], specs["ill-oai-dc"], specs["datacite-xml"]
    assert by_name["esrf-oai"]["kind"] == "oai-pmh-pages" and by_name["esrf-oai"]["metadata_prefix"] == "oai_datacite"
    assert by_name["ill-oai-dc"]["metadata_prefix"] == "oai_dc"
    assert by_name["datacite-xml"]["kind"] == "datacite-files"
    assert 22 <= len(esrf) <= 28 and len(by_name["esrf-oai"]["files"]) == 3
    assert sum(s.deleted for s in esrf) == 1
    assert 12 <= len(ill) <= 18
    assert len(files) >= 20 and len(by_name["datacite-xml"]["files"]) == len(files)
    assert {s.facility for s in files} == {"psi", "hzb", "desy", "maxiv", "ess", "isis", "euxfel"}
    assert {s.schema_version for s in files} >= {"4.3", "4.4", "4.5", "4.7"}

    everything = esrf + ill + files
    assert len(everything) >= 60
    assert len({s.facility for s in everything}) >= 6
    assert len({t for s in everything for t in s.technique_ids}) >= 10
    defects = [d for s in everything for d in s.defects]
    assert 2 <= len(defects) <= 3
    assert all(s.licence is not None for s in everything)

    small_angle = {(s.facility, t) for s in everything if not s.deleted for t in s.technique_ids if t in rg.SMALL_ANGLE_IDS}
    assert {f for f, _ in small_angle} >= {"esrf", "ill", "desy", "psi", "maxiv", "ess", "isis"}
    assert {t for _, t in small_angle} >= {"PaNET01188", "PaNET01189", "PaNET01162"}


def test_demo_files_parse_and_name_their_versions(rg: ModuleType) -> None:
    for path in sorted(DEMO_DIR.rglob("*.xml")):
        root = etree.parse(str(path)).getroot()
        if path.parent.name == "datacite-xml":
            assert root.tag == "{http://datacite.org/schema/kernel-4}resource"
        else:
            assert root.tag == "{http://www.openarchives.org/OAI/2.0/}OAI-PMH"
