"""Training records end to end: the TeSS JSON-API (a real server on 127.0.0.1 with links.next paging), the
real TeSS OAI-PMH responses (metadataPrefix=rdf, Bioschemas RDF/XML) through a real OAI-PMH server, the
Bioschemas JSON-LD samples and TeSS .json files as files — harvested by Node, crosswalked, validated with
the training profile and queried in a real Oxigraph store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PANET_OWL
from oai_server import OAIServer
from tess_server import TESS_OAI_ROUTES, TessServer, event, material
from pangraph.config import load_config
from pangraph.coverage import coverage
from pangraph.crosswalk.tess import schema_local, tess_json_url
from pangraph.pipeline import Node
from pangraph.sources.tess import jsonld_blocks, read_bioschemas_files

BASE = "http://pan.test"
PANET = "http://purl.org/pan-science/PaNET/"
PTS = "https://w3id.org/pangraph/shapes/training#"
PDS = "https://w3id.org/pangraph/shapes/pan-dataset#"
SH = "http://www.w3.org/ns/shacl#"
PREFIXES = ("PREFIX schema: <http://schema.org/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "PREFIX sh: <http://www.w3.org/ns/shacl#>\nPREFIX dqv: <http://www.w3.org/ns/dqv#>\n"
            "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nPREFIX dct: <http://purl.org/dc/terms/>\n")
# ORCIDs of people in the demo datasets (src/pangraph/demo/records), so person queries join
VAN_DER_BERG = "0000-0002-4984-4867"
ROSSI = "0000-0002-3733-7630"


def write_config(tmp: Path, sources: dict[str, dict[str, object]]) -> Path:
    lines = ["[node]", f'base = "{BASE}"', "[paths]", 'data = "data"', "[vocab.panet]", f'file = "{PANET_OWL}"',
             "[harvest]", "timeout_s = 5", "backoff_s = 0.01", "max_retries = 1", "[validation]",
             'profiles = ["pan-dataset", "training"]']
    for name, table in sources.items():
        lines.append(f"[sources.{name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    path = tmp / "pangraph.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def results(node: Node, *, severity: str | None = None) -> set[tuple[str, str, str]]:
    """(record graph, focus node, source shape or note message) of every validation result stored."""
    sev = f"; sh:resultSeverity sh:{severity}" if severity else ""
    rows = node.store.select(PREFIXES + f"""SELECT ?g ?focus ?shape ?msg WHERE {{
        ?r a sh:ValidationResult ; dqv:computedOn ?g ; sh:focusNode ?focus ; sh:resultMessage ?msg {sev} .
        OPTIONAL {{ ?r sh:sourceShape ?shape }} }}""")
    return {(r["g"], r["focus"], r["shape"] or r["msg"]) for r in rows}


def shapes_by_focus(node: Node, severity: str) -> set[tuple[str, str]]:
    return {(focus, shape.replace(PTS, "pts:").replace(PDS, "pds:")) for _, focus, shape in results(node, severity=severity)}


# --- TeSS OAI-PMH, metadataPrefix=rdf (the real responses) -------------------------------------------------


def test_tess_oai_pmh_rdf_records_are_harvested_crosswalked_and_validated(tmp_path: Path, shared_data: Path) -> None:
    with OAIServer(files=shared_data / "tess" / "oai-pmh", routes=TESS_OAI_ROUTES) as server:
        cfg = write_config(tmp_path, {"tess-oai": {"url": server.url, "metadata_prefix": "rdf"}})
        with Node(load_config(cfg)) as node:
            report = node.harvest("tess-oai")
            assert (report.added, report.failed) == (2, 0), report.errors
            m1 = "https://tesshub.space/materials/example-material-1e5c21fe-8578-45be-9021-3d764aac1675"
            rows = node.store.select(PREFIXES + f"""SELECT ?name ?author ?licence WHERE {{
                <{m1}> a schema:LearningResource ; schema:name ?name ; schema:license ?licence ;
                       schema:author ?a . ?a foaf:name ?author }}""")
            assert {r["author"] for r in rows} == {"Steve Steveson", "Josiah Carberry"}
            assert {r["licence"] for r in rows} == {"http://spdx.org/licenses/Apache-2.0"}  # from spdx .html URL
            orcid = node.store.select(PREFIXES + f"SELECT ?a WHERE {{ <{m1}> schema:author ?a . ?a foaf:name 'Josiah Carberry' }}")
            assert orcid == [{"a": "https://orcid.org/0000-0002-1825-0097"}]
            blank = node.store.select(PREFIXES + f"SELECT ?a WHERE {{ <{m1}> schema:author ?a . ?a foaf:name 'Steve Steveson' }}")
            assert blank[0]["a"].startswith(f"{BASE}/id/person/tess-oai/"), "rdf:nodeID persons get minted IRIs"
            m2 = "https://tesshub.space/materials/another-material"
            kw = node.store.select(PREFIXES + f"SELECT ?k WHERE {{ <{m2}> schema:keywords ?k }}")
            assert {r["k"] for r in kw} == {"testing", "example"}
            assert node.store.ask(PREFIXES + f"ASK {{ <{m2}> schema:audience/schema:audienceType 'Researchers' }}")
            assert not node.store.ask(PREFIXES + f"ASK {{ <{m2}> schema:about ?t }}"), \
                "'testing' is a PaNET purpose term, not the topic of a test record"
            # both conform (name, description, keywords); the recommended properties they lack are Warnings
            assert results(node, severity="Violation") == set()
            warnings = shapes_by_focus(node, "Warning")
            assert (m1, "pts:TrainingMaterial-about") in warnings and (m2, "pts:TrainingMaterial-author") not in warnings
            assert (m1, "pts:TrainingMaterial-license") not in warnings
            assert not any(s.startswith("pds:") for _, s in warnings), "dataset shapes never fire on training"
            # the coverage report sees the RDF/XML elements the mapping reads
            cov = coverage(node.archive.iter_records("tess-oai"), source="tess-oai", mappings=node.mappings).as_dict()
            fmt = cov["formats"][0]
            assert fmt["format"] == "bioschemas-rdfxml" and fmt["records"] == 2
            assert {"LearningResource/name", "LearningResource/author/Person/name"} <= set(fmt["mapped"])
    listed = [r for r in server.requests if r.params.get("verb") == "ListRecords"]
    assert [r.file for r in listed] == ["tess_oai_pmh_listrecords.xml"]


# --- Bioschemas JSON-LD files ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bioschemas_node(tmp_path_factory: pytest.TempPathFactory, shared_data: Path):
    tmp = tmp_path_factory.mktemp("bioschemas")
    tess = shared_data / "tess"
    cfg = write_config(tmp, {
        "bs-examples": {"kind": "files", "format": "bioschemas-jsonld", "path": str(tess / "bioschemas-examples")},
        "bs-real": {"kind": "files", "format": "bioschemas-jsonld", "path": str(tess / "bioschemas-real")},
    })
    node = Node(load_config(cfg))
    reports = [node.harvest("bs-examples"), node.harvest("bs-real")]
    yield node, reports
    node.close()


def test_bioschemas_jsonld_files_are_all_loaded(bioschemas_node) -> None:
    node, reports = bioschemas_node
    assert [(r.added, r.failed) for r in reports] == [(6, 0), (2, 0)]
    types = {r["s"]: r["t"] for r in node.store.select(PREFIXES + """SELECT ?s ?t WHERE { GRAPH ?g {
        ?s a ?t FILTER(?t IN (schema:LearningResource, schema:Course, schema:CourseInstance)) } }""")}
    assert types["https://doi.org/10.1234/rna-seq-tutorial.2024"] == "http://schema.org/LearningResource", \
        "a DOI identifier is the material's IRI"
    assert types["https://example.org/courses/applied-genomics/2026-autumn"] == "http://schema.org/CourseInstance"
    assert not node.store.ask("ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?p), 'https://schema.org/') || "
                              "STRSTARTS(STR(?o), 'https://schema.org/')) }"), "https://schema.org is normalised"
    autumn = "https://example.org/courses/applied-genomics/2026-autumn"
    place = node.store.select(PREFIXES + f"""SELECT ?mode ?city ?start ?cap WHERE {{
        <https://example.org/courses/applied-genomics> schema:hasCourseInstance <{autumn}> .
        <{autumn}> schema:courseMode ?mode ; schema:startDate ?start ; schema:maximumAttendeeCapacity ?cap ;
                   schema:location/schema:address/schema:addressLocality ?city }}""")
    assert place == [{"mode": "onsite", "city": "Cambridge", "start": "2026-09-14T09:00:00+01:00", "cap": "20"}]


def test_training_profile_results_on_the_real_bioschemas_samples(bioschemas_node) -> None:
    node, _ = bioschemas_node
    violations = shapes_by_focus(node, "Violation")
    sib = next(f for f, s in violations)
    # the only Bioschemas-required property missing in the samples: the SIB course has no keywords
    # (its CourseInstances have them); every other sample meets the 1.0-RELEASE minimum
    assert violations == {(sib, "pts:Course-keywords")}
    assert sib.startswith(f"{BASE}/id/training/bs-real/sib_course.json")
    warnings = shapes_by_focus(node, "Warning")
    minimal = "https://example.org/materials/intro-bioinformatics"
    missing = {s for f, s in warnings if f == minimal and s.startswith("pts:")}
    assert {"pts:TrainingMaterial-about", "pts:TrainingMaterial-author", "pts:TrainingMaterial-license",
            "pts:TrainingMaterial-url"} <= missing
    assert "pts:TrainingMaterial-keywords" not in missing
    online = "https://example.org/events/data-carpentry-online-2026-05"
    assert not {s for f, s in warnings if f == online and s.startswith("pts:CourseInstance-")}, \
        "the online instance has every recommended property (offers included)"
    assert not any(s.startswith("pds:") for _, s in violations | warnings)


def test_panet_label_mismatch_is_flagged_and_topics_are_normalised(bioschemas_node) -> None:
    node, _ = bioschemas_node
    neutron = "https://example.org/materials/neutron-training"
    about = {r["t"] for r in node.store.select(PREFIXES + f"SELECT ?t WHERE {{ <{neutron}> schema:about ?t }}")}
    assert {PANET + "PaNET01160", PANET + "PaNET01124"} <= about, "github-pages PaNET URLs → canonical IRIs"
    notes = node.store.select(PREFIXES + """SELECT ?g ?msg WHERE { ?r sh:sourceConstraintComponent
        <https://w3id.org/pangraph/ns#CrosswalkNote> ; sh:resultMessage ?msg ; dqv:computedOn ?g
        FILTER(CONTAINS(?msg, "PaNET01160")) }""")
    assert len(notes) == 1 and "Neutron scattering" in notes[0]["msg"] and "PaNET01242" in notes[0]["msg"]
    assert notes[0]["g"] == node.record_graph("bs-examples", neutron)
    # EDAM topics are not PaNET: kept as dct:subject, never as schema:about
    assert node.store.ask(PREFIXES + "ASK { <https://doi.org/10.1234/rna-seq-tutorial.2024> dct:subject "
                                     "<http://edamontology.org/topic_3308> }")
    assert not node.store.ask(PREFIXES + "ASK { ?s schema:about ?t FILTER(!STRSTARTS(STR(?t), "
                                         "'http://purl.org/pan-science/PaNET/')) }")


def test_materials_about_small_angle_scattering_are_found_through_the_panet_closure(bioschemas_node) -> None:
    node, _ = bioschemas_node
    node.ensure_ontologies()
    rows = node.store.select(PREFIXES + f"""SELECT DISTINCT ?m WHERE {{
        ?t rdfs:subClassOf* <{PANET}PaNET01124> . ?m a schema:LearningResource ; schema:about ?t }}""")
    assert {r["m"] for r in rows} == {"https://example.org/materials/neutron-training"}


def test_invalid_orcid_check_digits_in_the_examples_are_reported(bioschemas_node) -> None:
    node, _ = bioschemas_node
    msgs = {m for _, _, m in results(node, severity="Warning") if "ORCID" in m}
    assert any("check digit" in m for m in msgs)
    assert not node.store.ask("ASK { ?s ?p <https://orcid.org/0000-0002-3456-7890> }")
    assert node.store.ask("ASK { ?s ?p <https://orcid.org/0000-0001-2345-6789> }")


def test_html_pages_with_embedded_json_ld_are_read(tmp_path: Path) -> None:
    page = tmp_path / "course.html"
    page.write_text('<html><head><script type="application/ld+json">{"@context": "http://schema.org", '
                    '"@type": "LearningResource", "@id": "https://pan-training.eu/materials/saxs", "name": "SAXS"}'
                    '</script></head><body>x</body></html>')
    recs = list(read_bioschemas_files([page], source="s"))
    assert [r.identifier for r in recs] == ["https://pan-training.eu/materials/saxs"]
    with pytest.raises(ValueError, match="no <script"):
        jsonld_blocks(b"<html><body>nothing</body></html>", name="x.html")


# --- the TeSS JSON-API ------------------------------------------------------------------------------------

MATERIALS = [
    material(1, title="SAXS data reduction", topics=[("Small angle X-ray scattering", PANET + "PaNET01188")],
             authors=[{"name": "Björn van der Berg", "orcid": f"https://orcid.org/{VAN_DER_BERG}"}],
             keywords=["SAXS", "data reduction"], doi="10.5281/zenodo.1234567"),
    material(2, title="XAS for beginners", topics=[("X-ray absorption spectroscopy", "PaNET:PaNET01196")],
             authors=[f"Ana Rossi ({ROSSI})"], keywords=["XAS"]),
    material(3, title="Tomography reconstruction", topics=[("tomography", "PaNET01129")], licence="notspecified"),
    material(4, title="Biological SANS", topics=[("Small angle neutron scattering", PANET + "PaNET01189")]),
    material(5, title="Python for facility users", keywords=["python"], syllabus="Day 1: numpy"),
]
EVENTS = [
    event(1, title="SAXS school 2026", event_types=["workshops_and_courses"], start="2026-05-04T09:00:00.000Z",
          end="2026-05-08T17:00:00.000Z", topics=[("small angle x-ray scattering", PANET + "PaNET01188")],
          keywords=["SAXS"], venue="ESRF Auditorium", city="Grenoble", country="France", postcode="38000",
          latitude="45.2086", longitude="5.6906", capacity=40, organizer="ESRF",
          **{"host-institutions": ["European Synchrotron Radiation Facility"]}),
    event(2, title="User meeting", event_types=["meetings_and_conferences"], start="2026-02-01",
          end="2026-02-02", online=True),
    event(3, title="Neutron tutorial webinar", event_types=[], start="2026-03-01", end="2026-03-01",
          presence="online"),
]


def test_tess_json_api_is_paged_through_links_next_and_loaded(tmp_path: Path) -> None:
    with TessServer(materials=list(MATERIALS), events=list(EVENTS)) as server:
        cfg = write_config(tmp_path, {"pan-training": {"kind": "tess", "url": server.url, "page_size": 2}})
        with Node(load_config(cfg)) as node:
            report = node.harvest("pan-training")
            assert (report.added, report.failed) == (8, 0), report.errors
            assert report.status == "ok" and node.archive.checkpoint("pan-training")
            pages = [(r.path, r.params.get("page_number")) for r in server.requests]
            assert pages == [("/materials", "1"), ("/materials", "2"), ("/materials", "3"),
                             ("/events", "1"), ("/events", "2")]
            assert {r.accept for r in server.requests} == {"application/vnd.api+json"}
            doi = "https://doi.org/10.5281/zenodo.1234567"
            assert node.store.ask(PREFIXES + f"""ASK {{ <{doi}> a schema:LearningResource ;
                schema:author <https://orcid.org/{VAN_DER_BERG}> ; schema:about <{PANET}PaNET01188> ;
                schema:license <http://spdx.org/licenses/CC-BY-4.0> ; schema:identifier <{doi}> }}""")
            m2 = f"{server.url}/materials/material-2"
            assert node.store.ask(PREFIXES + f"ASK {{ <{m2}> schema:author <https://orcid.org/{ROSSI}> ; "
                                             f"schema:about <{PANET}PaNET01196> }}"), "relative links.self resolved"
            node.ensure_ontologies()
            saxs = node.store.select(PREFIXES + f"""SELECT DISTINCT ?m WHERE {{
                ?t rdfs:subClassOf* <{PANET}PaNET01124> . ?m schema:about ?t }}""")
            assert {r["m"] for r in saxs} == {doi, f"{server.url}/materials/material-4", f"{server.url}/events/event-1"}
            # a course: Course + CourseInstance with dates, place, capacity, organiser
            course = f"{server.url}/events/event-1"
            rows = node.store.select(PREFIXES + f"""SELECT ?start ?city ?lat ?cap ?mode ?org WHERE {{
                <{course}> a schema:Course ; schema:hasCourseInstance ?i ; schema:provider ?p .
                ?i a schema:CourseInstance ; schema:startDate ?start ; schema:maximumAttendeeCapacity ?cap ;
                   schema:courseMode ?mode ; schema:organizer/foaf:name ?org ;
                   schema:location ?pl . ?pl schema:address/schema:addressLocality ?city ;
                   schema:geo/schema:latitude ?lat }}""")
            assert rows == [{"start": "2026-05-04T09:00:00Z", "city": "Grenoble", "lat": "45.2086",
                             "cap": "40", "mode": "onsite", "org": "ESRF"}]
            meeting, webinar = f"{server.url}/events/event-2", f"{server.url}/events/event-3"
            assert node.store.ask(PREFIXES + f"ASK {{ <{meeting}> a schema:Event ; schema:courseMode 'online' ; "
                                             f"schema:startDate ?d }} ")
            assert not node.store.ask(PREFIXES + f"ASK {{ <{meeting}> a schema:Course }}")
            assert node.store.ask(PREFIXES + f"ASK {{ <{webinar}> a schema:Event ; schema:courseMode 'online' }}")
            assert not node.store.ask(PREFIXES + f"ASK {{ <{server.url}/materials/material-3> schema:license ?l }}")
            # materials 3 and 4 were served without keywords: the Bioschemas minimum is not met
            assert shapes_by_focus(node, "Violation") == {
                (f"{server.url}/materials/material-3", "pts:TrainingMaterial-keywords"),
                (f"{server.url}/materials/material-4", "pts:TrainingMaterial-keywords")}
            cov = coverage(node.archive.iter_records("pan-training"), source="pan-training",
                           mappings=node.mappings).as_dict()
            by_format = {f["format"]: f for f in cov["formats"]}
            assert set(by_format) == {"tess-material", "tess-event"}
            assert "data/attributes/title" in by_format["tess-material"]["mapped"]
            assert by_format["tess-material"]["present_not_mapped"]["data/attributes/syllabus"] == 1
            assert "data/attributes/created-at" in by_format["tess-event"]["present_not_mapped"]


def test_a_broken_page_ends_the_listing_without_advancing_the_checkpoint(tmp_path: Path) -> None:
    with TessServer(materials=list(MATERIALS), events=list(EVENTS)) as server:
        server.break_page("materials", 2)
        cfg = write_config(tmp_path, {"pan-training": {"kind": "tess", "url": server.url, "page_size": 2,
                                                       "entities": ["materials"]}})
        with Node(load_config(cfg)) as node:
            report = node.harvest("pan-training")
            assert report.added == 2 and report.status == "partial"
            assert any("not valid JSON" in e["reason"] for e in report.errors)
            assert node.archive.checkpoint("pan-training") is None
    assert {r.path for r in server.requests} == {"/materials"}


# --- TeSS .json (snake_case) ------------------------------------------------------------------------------


def test_tess_json_files_index_and_show_shapes(tmp_path: Path) -> None:
    index = [{"id": 7, "title": "MX data collection", "url": "https://pan-training.eu/materials/mx-data.json",
              "description": "Collecting macromolecular crystallography data.", "doi": None,
              "remote_updated_date": None, "remote_created_date": None,
              "scientific_topics": [{"preferred_label": "macromolecular crystallography", "uri": PANET + "PaNET01164"}],
              "operations": [], "external_resources": [{"title": "XDS", "url": "https://xds.mr.mpg.de/",
                                                        "api_url": None, "type": "tool"}]}]
    show_event = {"id": 9, "title": "MX course", "url": "https://mx.example.org/course", "start": "2026-06-01",
                  "end": "2026-06-05", "event_types": ["workshops_and_courses"], "keywords": ["MX"],
                  "description": "Hands-on MX.", "city": "Lund", "country": "Sweden", "online": False,
                  "scientific_topics": [{"preferred_label": "MX", "uri": "PaNET01164"}]}
    (tmp_path / "materials.json").write_text(json.dumps(index))
    (tmp_path / "event-9.json").write_text(json.dumps(show_event))
    cfg = write_config(tmp_path, {"tess-json": {"kind": "files", "format": "tess-json", "path": str(tmp_path / "*.json")}})
    with Node(load_config(cfg)) as node:
        report = node.harvest("tess-json")
        assert (report.added, report.failed) == (2, 0), report.errors
        page = "https://pan-training.eu/materials/mx-data"
        assert node.store.ask(PREFIXES + f"ASK {{ <{page}> a schema:LearningResource ; schema:about <{PANET}PaNET01164> ;"
                                         f" schema:mentions <https://xds.mr.mpg.de/> }}"), \
            "the index listing's TeSS .json url gives the material's page IRI"
        assert not node.store.ask(PREFIXES + f"ASK {{ <{page}> schema:url ?u }}")
        assert node.store.ask(PREFIXES + """ASK { ?c a schema:Course ; schema:hasCourseInstance ?i .
            ?i schema:courseMode 'onsite' ; schema:location/schema:address/schema:addressCountry 'Sweden' }""")


# --- the two profiles keep to their own classes ---------------------------------------------------------------


def test_training_shapes_never_fire_on_a_dataset(tmp_path: Path) -> None:
    fixture = Path(__file__).parent / "fixtures" / "validate" / "dataset-doi.ttl"
    import rdflib

    data = rdflib.Graph().parse(fixture, format="turtle").serialize(format="nt")
    cfg = write_config(tmp_path, {})
    with Node(load_config(cfg)) as node:
        report = node.validator.validate({f"{BASE}/graph/record/x/1": data})[f"{BASE}/graph/record/x/1"]
    assert report.conforms
    assert not [r for r in report.results if (r.source_shape or "").startswith(PTS)]


def test_schema_org_spellings_are_one_vocabulary() -> None:
    assert {schema_local(t) for t in ("https://schema.org/name", "http://schema.org/name", "schema:name",
                                       "sdo:name", "name")} == {"name"}
    assert schema_local("dct:conformsTo") is None
    assert tess_json_url("https://tess.elixir-europe.org/materials/abc.json") == \
        "https://tess.elixir-europe.org/materials/abc"
    assert tess_json_url("https://example.org/materials/abc") is None


# --- the demo training sources ----------------------------------------------------------------------------------


def test_demo_training_sources_load_and_join_the_demo_datasets(tmp_path: Path) -> None:
    from pangraph.archive import RunReport
    from pangraph.demo import DEMO_ROOT, demo_records, demo_sources

    sources = [s for s in demo_sources() if s.files[0].parent == DEMO_ROOT / "training"]
    assert {s.name for s in sources} == {"pan-training", "bioschemas-pages"}
    cfg = write_config(tmp_path, {})
    with Node(load_config(cfg)) as node:
        for src in sources:
            report = node.ingest(demo_records(src), report=RunReport(source=src.name, kind="demo"))
            assert report.failed == 0, report.errors
        node.ensure_ontologies()
        assert record_count(node) == 9  # 5 materials, 3 events, 1 Bioschemas page
        assert shapes_by_focus(node, "Violation") == set()
        # people of the demo datasets (by ORCID) are authors of training
        authors = {r["a"] for r in node.store.select(PREFIXES + "SELECT DISTINCT ?a WHERE { ?m schema:author ?a }")}
        assert {f"https://orcid.org/{VAN_DER_BERG}", f"https://orcid.org/{ROSSI}"} <= authors
        records = Path(__file__).parents[1] / "src" / "pangraph" / "demo" / "records"
        assert any(VAN_DER_BERG in p.read_text() for p in records.rglob("*.xml"))
        # training about SAXS, SANS or any other small angle scattering, through the PaNET closure
        sas = {r["m"] for r in node.store.select(PREFIXES + f"""SELECT DISTINCT ?m WHERE {{
            ?t rdfs:subClassOf* <{PANET}PaNET01124> . ?m schema:about ?t }}""")}
        assert sas == {"https://doi.org/10.5281/zenodo.8123456", "https://pan-training.eu/materials/sans-contrast-variation",
                       "https://pan-training.eu/events/saxs-waxs-school-2026", "https://pan-training.eu/events/sans-webinar-2026"}
        # the course at a facility: an instance in Grenoble
        assert node.store.ask(PREFIXES + """ASK { <https://pan-training.eu/events/saxs-waxs-school-2026> a schema:Course ;
            schema:hasCourseInstance/schema:location/schema:address/schema:addressLocality "Grenoble" }""")


def record_count(node: Node) -> int:
    return sum(1 for g in node.store.named_graphs() if g.startswith(f"{BASE}/graph/record/"))
