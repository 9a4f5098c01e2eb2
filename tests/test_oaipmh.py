"""The OAI-PMH source against a real HTTP server on 127.0.0.1 serving the shared sample files
(sickle, DataCite viringo, SciCat) and the project's own paged responses (tests/oai_server.py)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from lxml import etree

from oai_server import (
    SCICAT_ROUTES,
    SICKLE_ROUTES,
    VIRINGO_NEXT_TOKEN,
    VIRINGO_ROUTES,
    OAIServer,
    Route,
    ServedRecord,
    datacite_xml,
    make_datacite_records,
)
from pangraph.config import SourceConfig, load_config
from pangraph.errors import HarvestError, TransientHarvestError
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem, open_source
from pangraph.sources.oaipmh import (
    BadArgumentError,
    BadResumptionTokenError,
    BadVerbError,
    CannotDisseminateFormatError,
    HTTPReply,
    IdDoesNotExistError,
    NoMetadataFormatsError,
    NoSetHierarchyError,
    OAIPMHError,
    OAIPMHSource,
)

OAI = "http://www.openarchives.org/OAI/2.0/"


class Sleeps(list):
    """An injected sleep: records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def source(url: str, *, prefix: str = "oai_dc", sleeps: Sleeps | None = None, **kw) -> OAIPMHSource:
    kw.setdefault("timeout_s", 5.0)
    kw.setdefault("max_retries", 3)
    kw.setdefault("backoff_s", 0.5)
    return OAIPMHSource("test", url, metadata_prefix=prefix, sleep=sleeps if sleeps is not None else Sleeps(), **kw)


def records_only(items) -> list[RawRecord]:
    return [i for i in items if isinstance(i, RawRecord)]


def problems_only(items) -> list[SourceProblem]:
    return [i for i in items if isinstance(i, SourceProblem)]


def served(server: OAIServer) -> list[str | None]:
    return [r.file for r in server.requests]


# --- servers over the shared sample files ----------------------------------------------------------


@pytest.fixture
def sickle_server(shared_data: Path):
    with OAIServer(files=shared_data / "oai-pmh" / "sickle-sample-data", routes=SICKLE_ROUTES) as server:
        yield server


@pytest.fixture
def viringo_server(shared_data: Path):
    with OAIServer(files=shared_data / "oai-pmh" / "datacite-viringo", routes=VIRINGO_ROUTES) as server:
        yield server


@pytest.fixture
def scicat_server(shared_data: Path):
    with OAIServer(files=shared_data / "oai-pmh" / "scicat-oai-provider", routes=SCICAT_ROUTES) as server:
        yield server


# Which test reaches which sample file: a new sample file without a test fails test_every_sample_is_covered.
COVERED = {
    "sickle-sample-data": {
        "ListRecords.xml", "ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml", "ListRecordsBroken.xml",
        "ListIdentifiers.xml", "ListIdentifiers2.xml", "GetRecord.xml", "GetRecord_utf8test.xml", "Identify.xml",
        "ListMetadataFormats.xml", "ListSets.xml", "badArgument.xml", "badResumptionToken.xml",
        "cannotDisseminateFormat.xml", "idDoesNotExist.xml", "noRecordsMatch.xml", "noSetHierarchy.xml",
        "undefinedError.xml",
    },
    "datacite-viringo": {
        "oai_getrecord_datacite.xml", "oai_getrecord_dc.xml", "oai_getrecord_oaidatacite.xml", "oai_identify.xml",
        "oai_listidentifiers.xml", "oai_listmetadataformats.xml", "oai_listrecords_dc.xml", "oai_listsets.xml",
    },
    "scicat-oai-provider": {f"{f}-{v}.xml" for f in ("scicat", "openaire", "panosc")
                            for v in ("Identify", "ListIdentifiers", "ListRecords", "GetRecord")},
}


@pytest.mark.parametrize("folder", sorted(COVERED))
def test_every_sample_is_covered(shared_data: Path, folder: str) -> None:
    files = {p.name for p in (shared_data / "oai-pmh" / folder).glob("*.xml")}
    assert files == COVERED[folder]


# --- sickle sample data ------------------------------------------------------------------------------


def test_listrecords_follows_resumption_tokens_over_four_pages(sickle_server: OAIServer) -> None:
    src = source(sickle_server.url)
    items = list(src.records())
    recs = records_only(items)
    assert served(sickle_server) == ["ListRecords.xml", "ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"]
    assert [r.params.get("resumptionToken") for r in sickle_server.requests] == [
        None, "ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"]
    assert [(r.identifier, r.deleted) for r in recs] == [
        ("oai:test.example.com:1585310", True), ("oai:test.example.com:1585322", False)] * 3 + [
        ("oai:test.example.com:1585322", False)]
    assert src.response_date == "2013-02-27T09:10:56Z"
    assert src.complete and src.pages == 4
    first = recs[1]
    assert first.datestamp == "2011-01-10T10:19:23Z" and first.metadata_prefix == "oai_dc" and first.source == "test"
    # the payload is the whole <record>, parseable on its own with its namespaces
    root = etree.fromstring(first.payload)
    assert root.tag == f"{{{OAI}}}record"
    assert root.findtext(".//{http://purl.org/dc/elements/1.1/}title") == "Sample Title"
    assert etree.fromstring(first.header).findtext(f"{{{OAI}}}identifier") == "oai:test.example.com:1585322"
    # a deleted record has a header and no metadata
    assert etree.fromstring(recs[0].payload).find(f"{{{OAI}}}metadata") is None


def test_deleted_header_without_identifier_is_reported_and_skipped(sickle_server: OAIServer) -> None:
    items = list(source(sickle_server.url).records())
    problems = problems_only(items)
    assert len(problems) == 1
    p = problems[0]
    assert p.identifier is None and p.scope == "record" and not p.listing_ended
    assert "deleted header without identifier" in p.reason and "page 4" in p.reason
    # the record after it on the same page is still harvested
    assert isinstance(items[-1], RawRecord) and items[-1].identifier == "oai:test.example.com:1585322"


def test_same_record_bytes_give_the_same_content_hash(sickle_server: OAIServer) -> None:
    recs = [r for r in records_only(source(sickle_server.url).records()) if r.identifier.endswith("1585310")]
    assert len(recs) == 3 and len({r.content_hash for r in recs}) == 1


def test_broken_page_is_a_problem_that_ends_the_listing(sickle_server: OAIServer) -> None:
    src = source(sickle_server.url)
    items = list(src.records(set="broken"))
    assert served(sickle_server) == ["ListRecordsBroken.xml"]
    assert len(items) == 1 and isinstance(items[0], SourceProblem)
    p = items[0]
    assert p.scope == "page" and p.listing_ended and p.identifier is None
    assert "not OAI-PMH XML" in p.reason and "listing ended here" in p.reason
    assert not src.complete


def test_listidentifiers_with_token(sickle_server: OAIServer) -> None:
    src = source(sickle_server.url)
    recs = records_only(src.identifiers())
    assert served(sickle_server) == ["ListIdentifiers.xml", "ListIdentifiers2.xml"]
    assert [(r.identifier, r.deleted) for r in recs] == [
        ("oai:test.example.com::1585310", False), ("oai:test.example.com::1585576", True)] * 2
    assert all(r.payload == r.header for r in recs)
    assert etree.fromstring(recs[1].header).get("status") == "deleted"
    assert src.complete


def test_getrecord(sickle_server: OAIServer) -> None:
    rec = source(sickle_server.url).get_record("oai:test.example.com:1996652")
    assert served(sickle_server) == ["GetRecord.xml"]
    assert sickle_server.requests[0].params == {
        "verb": "GetRecord", "identifier": "oai:test.example.com:1996652", "metadataPrefix": "oai_dc"}
    assert rec.identifier == "oai:test.example.com:1996652" and rec.datestamp == "2011-09-05T12:51:52Z"
    assert b"Sample Title" in rec.payload


def test_getrecord_keeps_utf8(sickle_server: OAIServer) -> None:
    rec = source(sickle_server.root_url + "/utf8").get_record("oai:test.example.com:1996652")
    assert served(sickle_server) == ["GetRecord_utf8test.xml"]
    assert etree.fromstring(rec.payload).findtext(".//{http://purl.org/dc/elements/1.1/}creator") == "某人"


def test_identify(sickle_server: OAIServer) -> None:
    info = source(sickle_server.url).identify()
    assert served(sickle_server) == ["Identify.xml"]
    assert info["repositoryName"] == "A Test Repository"
    assert info["granularity"] == "YYYY-MM-DD"
    assert info["earliestDatestamp"] == "1970-01-01T00:00:00Z"
    assert info["deletedRecord"] == "persistent"
    assert info["adminEmail"] == ["john.doe@example.com"]


def test_list_metadata_formats(sickle_server: OAIServer) -> None:
    formats = source(sickle_server.url).list_metadata_formats()
    assert served(sickle_server) == ["ListMetadataFormats.xml"]
    assert [f["metadataPrefix"] for f in formats] == ["epicur", "xMetaDissPlus", "oai_dc", "mods", "swepub_mods"]
    assert formats[2]["metadataNamespace"] == "http://www.openarchives.org/OAI/2.0/oai_dc/"


def test_list_sets(sickle_server: OAIServer) -> None:
    sets = list(source(sickle_server.url).list_sets())
    assert served(sickle_server) == ["ListSets.xml"]
    assert len(sets) == 131
    assert sets[0] == {"setSpec": "bi", "setName": "All BI publications (already published)"}


def test_bad_argument(sickle_server: OAIServer) -> None:
    src = source(sickle_server.url)
    with pytest.raises(BadArgumentError) as e:
        list(src.records(until="2002-06-01T03:020:00Z"))
    assert "badArgument.xml" in served(sickle_server)
    # an invalid datetime is sent as given (no granularity truncation), so the server can name it
    assert sickle_server.requests[-1].params["until"] == "2002-06-01T03:020:00Z"
    assert e.value.code == "badArgument" and not e.value.transient
    assert "granularity" in str(e.value)


def test_bad_resumption_token_is_terminal_and_says_to_rerun(sickle_server: OAIServer) -> None:
    with pytest.raises(BadResumptionTokenError) as e:
        list(source(sickle_server.url).records(resumption_token="expired-token"))
    assert served(sickle_server) == ["badResumptionToken.xml"]
    assert sickle_server.requests[0].params == {"verb": "ListRecords", "resumptionToken": "expired-token"}
    msg = str(e.value)
    assert "expired-token" in msg and "without a token" in msg and "This resumptionToken is invalid" in msg
    assert not e.value.transient and isinstance(e.value, HarvestError)


def test_cannot_disseminate_format_names_prefix(sickle_server: OAIServer) -> None:
    src = source(sickle_server.url)
    with pytest.raises(CannotDisseminateFormatError) as e:
        src.get_record("oai:arXiv.org:quant-ph/9901001", metadata_prefix="oai_marc")
    assert served(sickle_server) == ["cannotDisseminateFormat.xml"]
    assert "'oai_marc'" in str(e.value) and "ListMetadataFormats" in str(e.value)
    with pytest.raises(CannotDisseminateFormatError):
        list(source(sickle_server.url, prefix="oai_marc").records())


def test_id_does_not_exist(sickle_server: OAIServer) -> None:
    ident = "oai:lcoa1.loc.gov:loc.rbc/rbpe.00000111"
    src = source(sickle_server.url)
    with pytest.raises(IdDoesNotExistError) as e:
        src.list_metadata_formats(identifier=ident)
    assert ident in str(e.value) and "maps to no known" in str(e.value)
    with pytest.raises(IdDoesNotExistError):
        src.get_record(ident)
    assert served(sickle_server) == ["idDoesNotExist.xml", "idDoesNotExist.xml"]


def test_no_records_match_is_an_empty_complete_listing(sickle_server: OAIServer) -> None:
    src = source(sickle_server.url)
    assert list(src.identifiers(from_="2001-01-01", until="2001-01-01")) == []
    assert served(sickle_server) == ["noRecordsMatch.xml"]
    assert src.complete and src.response_date == "2002-02-08T14:27:19Z"
    assert list(src.records(from_="2001-01-01")) == [] and src.complete


def test_no_set_hierarchy(sickle_server: OAIServer) -> None:
    with pytest.raises(NoSetHierarchyError) as e:
        list(source(sickle_server.url).records(set="physics"))
    assert served(sickle_server) == ["noSetHierarchy.xml"]
    assert "does not support sets" in str(e.value)


def test_unknown_error_code_is_a_generic_oai_error(sickle_server: OAIServer) -> None:
    with pytest.raises(OAIPMHError) as e:
        list(source(sickle_server.url).records(set="undefined"))
    assert served(sickle_server) == ["undefinedError.xml"]
    assert type(e.value) is OAIPMHError and e.value.code == "undefinedError"
    assert "undefinedError" in str(e.value)


def test_full_datetime_from_is_cut_to_a_day_granular_repository(sickle_server: OAIServer) -> None:
    src = source(sickle_server.url)
    assert list(src.records(from_="2001-01-01T12:30:00Z")) == []  # routed to noRecordsMatch.xml by from=2001-01-01
    assert [r.params.get("verb") for r in sickle_server.requests] == ["Identify", "ListRecords"]
    assert sickle_server.requests[1].params["from"] == "2001-01-01"


def test_http_404_is_a_terminal_harvest_error(sickle_server: OAIServer) -> None:
    with pytest.raises(HarvestError) as e:
        list(source(sickle_server.url, prefix="nonexistent").records(set="nothing-routes-here"))
    assert "HTTP 404" in str(e.value) and not e.value.transient


# --- DataCite viringo -------------------------------------------------------------------------------


def test_viringo_identify(viringo_server: OAIServer) -> None:
    info = source(viringo_server.url).identify()
    assert info["repositoryName"] == "DataCite" and info["granularity"] == "YYYY-MM-DDThh:mm:ssZ"
    assert info["compression"] == ["gzip", "deflate"] and info["deletedRecord"] == "persistent"
    assert served(viringo_server) == ["oai_identify.xml"]


def test_viringo_listrecords_with_stylesheet_instructions(viringo_server: OAIServer) -> None:
    src = source(viringo_server.url)
    recs = records_only(src.records(from_="2011-06-01T00:00:00Z"))
    assert [r.identifier for r in recs] == ["doi:10.5072/not-a-real-doi", "doi:10.5072/not-a-real-doi-2"]
    assert recs[0].sets == ("DATACITE", "DATACITE.DATACITE")
    assert src.response_date == "2019-08-14T13:31:47Z" and src.complete
    # a from with a time asks Identify for the granularity first (full here: sent as given)
    assert served(viringo_server) == ["oai_identify.xml", "oai_listrecords_dc.xml", None]
    assert viringo_server.requests[1].params["from"] == "2011-06-01T00:00:00Z"
    # the URL-encoded token is sent back exactly as the server wrote it
    assert viringo_server.requests[2].params == {"verb": "ListRecords", "resumptionToken": VIRINGO_NEXT_TOKEN}
    assert etree.fromstring(recs[1].payload).findtext(".//{http://purl.org/dc/elements/1.1/}identifier") == \
        "doi:10.5072/not-a-real-doi-2"


def test_viringo_listidentifiers(viringo_server: OAIServer) -> None:
    recs = records_only(source(viringo_server.url).identifiers(set="DATACITE.DATACITE"))
    assert [(r.identifier, r.datestamp) for r in recs] == [
        ("doi:10.5072/not-a-real-doi", "2018-03-17T06:33:00Z"), ("doi:10.5072/not-a-real-doi-2", "2018-05-17T06:33:00Z")]
    assert served(viringo_server)[0] == "oai_listidentifiers.xml"


def test_viringo_metadata_formats_and_sets(viringo_server: OAIServer) -> None:
    src = source(viringo_server.url)
    assert [f["metadataPrefix"] for f in src.list_metadata_formats()] == ["oai_dc", "oai_datacite", "datacite"]
    sets = list(src.list_sets())
    assert len(sets) == 11 and sets[-1]["setSpec"] == "DATACITE.TRANSFER"
    # the empty final <resumptionToken completeListSize="11"/> ends the listing: one request only
    assert served(viringo_server) == ["oai_listmetadataformats.xml", "oai_listsets.xml"]


@pytest.mark.parametrize("prefix, file, root", [
    ("oai_dc", "oai_getrecord_dc.xml", "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"),
    ("oai_datacite", "oai_getrecord_oaidatacite.xml", "{http://schema.datacite.org/oai/oai-1.1/}oai_datacite"),
    ("datacite", "oai_getrecord_datacite.xml", "{http://datacite.org/schema/kernel-4}resource"),
])
def test_viringo_getrecord_in_each_prefix(viringo_server: OAIServer, prefix: str, file: str, root: str) -> None:
    rec = source(viringo_server.url, prefix=prefix).get_record("doi:10.5072/not-a-real-doi")
    assert served(viringo_server) == [file]
    assert rec.metadata_prefix == prefix and rec.identifier == "doi:10.5072/not-a-real-doi"
    metadata = etree.fromstring(rec.payload).find(f"{{{OAI}}}metadata")
    assert metadata[0].tag == root


# --- SciCat oai-provider-service ----------------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["scicat", "openaire", "panosc"])
def test_scicat_identify_keeps_invalid_earliest_datestamp(scicat_server: OAIServer, flavour: str) -> None:
    info = source(f"{scicat_server.root_url}/{flavour}/oai").identify()
    assert info["earliestDatestamp"] == "2017-01-00T03:24:00Z"
    assert info["deletedRecord"] == "no" and info["repositoryName"] == "Scicat Provider"
    assert served(scicat_server) == [f"{flavour}-Identify.xml"]


@pytest.mark.parametrize("flavour", ["scicat", "openaire", "panosc"])
def test_scicat_listidentifiers_with_record_wrapped_headers(scicat_server: OAIServer, flavour: str) -> None:
    items = list(source(f"{scicat_server.root_url}/{flavour}/oai").identifiers())
    assert served(scicat_server) == [f"{flavour}-ListIdentifiers.xml"]
    assert len(items) == 1 and isinstance(items[0], RawRecord)
    assert items[0].identifier == "ID" and items[0].datestamp is None and not items[0].deleted


@pytest.mark.parametrize("flavour, sets, metadata_root", [
    ("scicat", (), "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"),
    ("openaire", ("openaire_data",), "{http://datacite.org/schema/kernel-4}resource"),
    # the panosc prefix is bound to the oai_dc namespace: read anyway, kept as given
    ("panosc", ("openaire_data",), "{http://www.openarchives.org/OAI/2.0/oai_dc/}panosctype"),
])
def test_scicat_listrecords(scicat_server: OAIServer, flavour: str, sets: tuple, metadata_root: str) -> None:
    src = source(f"{scicat_server.root_url}/{flavour}/oai")
    recs = records_only(src.records())
    assert served(scicat_server) == [f"{flavour}-ListRecords.xml"]
    assert len(recs) == 1
    rec = recs[0]
    assert rec.identifier == "ID" and rec.sets == sets and rec.datestamp is None
    root = etree.fromstring(rec.payload)  # namespaces declared on the page root (dc:) travel with the record
    assert root.find(f"{{{OAI}}}metadata")[0].tag == metadata_root
    if flavour == "scicat":
        assert root.findtext(".//{http://purl.org/dc/elements/1.1/}title") == "TITLE"
    if flavour == "openaire":  # the invalid identifierType attribute is ignored, kept in the header bytes
        assert b'identifierType="doi"' in rec.header
    # no <responseDate>: the checkpoint falls back to the HTTP Date header of the server
    assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", src.response_date)
    when = datetime.strptime(src.response_date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - when).total_seconds()) < 120
    assert src.complete


@pytest.mark.parametrize("flavour", ["scicat", "openaire", "panosc"])
def test_scicat_getrecord_without_getrecord_wrapper(scicat_server: OAIServer, flavour: str) -> None:
    rec = source(f"{scicat_server.root_url}/{flavour}/oai").get_record("ID")
    assert served(scicat_server) == [f"{flavour}-GetRecord.xml"]
    assert rec.identifier == "ID" and b"TITLE" in rec.payload


def test_bad_verb_from_a_repository_that_rejects_the_verb(shared_data: Path) -> None:
    routes = (Route({"verb": "Identify"}, error="badVerb"),)
    with OAIServer(files=shared_data / "oai-pmh" / "sickle-sample-data", routes=routes) as server:
        with pytest.raises(BadVerbError) as e:
            source(server.url).identify()
    assert "'Identify'" in str(e.value) and "base URL" in str(e.value)


# --- the project's own paged responses -----------------------------------------------------------------


FIXED = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def server():
    with OAIServer(records=make_datacite_records(25), page_size=10, clock=lambda: FIXED) as s:
        yield s


def test_paged_listing_of_generated_records(server: OAIServer) -> None:
    src = source(server.url, prefix="oai_datacite")
    recs = records_only(src.records())
    assert [r.identifier for r in recs] == [f"doi:10.5072/pangraph-test-{i}" for i in range(25)]
    assert src.pages == 3 and src.complete and src.response_date == "2025-03-01T12:00:00Z"
    assert [r.params.get("resumptionToken") is not None for r in server.requests] == [False, True, True]
    payload = etree.fromstring(recs[0].payload)
    assert payload.find(".//{http://datacite.org/schema/kernel-4}identifier").text == "10.5072/pangraph-test-0"


def test_incremental_harvest_from_response_date_sees_changes_and_deletions(server: OAIServer) -> None:
    first = source(server.url, prefix="datacite")
    assert len(records_only(first.records())) == 25
    checkpoint = first.response_date
    server.clock = lambda: FIXED + timedelta(hours=1)
    server.update_record("doi:10.5072/pangraph-test-3", metadata=datacite_xml("10.5072/pangraph-test-3", "Changed"))
    server.delete_record("doi:10.5072/pangraph-test-7")
    server.set_record(ServedRecord("doi:10.5072/new", "2025-03-01T12:30:00Z", datacite_xml("10.5072/new", "New")))
    nxt = source(server.url, prefix="datacite", from_=checkpoint)
    recs = records_only(nxt.records())
    assert server.requests[-1].params["from"] == "2025-03-01T12:00:00Z"
    assert [(r.identifier, r.deleted) for r in recs] == [
        ("doi:10.5072/pangraph-test-3", False), ("doi:10.5072/pangraph-test-7", True), ("doi:10.5072/new", False)]
    assert b"Changed" in recs[0].payload and recs[1].datestamp == "2025-03-01T13:00:00Z"
    assert etree.fromstring(recs[1].payload).find(f"{{{OAI}}}metadata") is None
    assert nxt.response_date == "2025-03-01T13:00:00Z"
    # nothing changed after that: an empty, complete listing
    again = source(server.url, prefix="datacite", from_="2025-03-01T13:00:01Z")
    assert list(again.records()) == [] and again.complete


def test_until_and_set_are_sent_and_honoured() -> None:
    recs = make_datacite_records(6, sets=("A",)) + make_datacite_records(4, name="other", sets=("B",))
    with OAIServer(records=recs, page_size=3) as s:
        got = records_only(source(s.url, prefix="datacite", set="B").records())
        assert [r.identifier for r in got] == [f"doi:10.5072/other-{i}" for i in range(4)]
        assert all(r.sets == ("B",) for r in got)
        got = records_only(source(s.url, prefix="datacite").records(until="2024-01-01T00:02:00Z"))
        assert [r.identifier for r in got][:3] == [f"doi:10.5072/pangraph-test-{i}" for i in range(3)]
        assert len(got) == 6  # 3 of set A + 3 of set B within the first three minutes


def test_day_granular_repository_gets_a_day_from(server: OAIServer) -> None:
    server.granularity = "YYYY-MM-DD"
    src = source(server.url, prefix="datacite", from_="2024-01-01T00:10:00Z")
    assert len(records_only(src.records())) == 25
    listing = [r for r in server.requests if r.verb == "ListRecords" and "from" in r.params]
    assert [r.params["from"] for r in listing] == ["2024-01-01"]


def test_expired_token_mid_listing(server: OAIServer) -> None:
    it = source(server.url, prefix="datacite").records()
    got = [next(it) for _ in range(10)]
    assert len(got) == 10
    server.expire_tokens()
    with pytest.raises(BadResumptionTokenError) as e:
        next(it)
    assert "re-run the harvest without a token" in str(e.value)


def test_repository_errors_generated_by_the_server(server: OAIServer) -> None:
    src = source(server.url, prefix="oai_dc")
    with pytest.raises(CannotDisseminateFormatError):
        list(src.records())
    with pytest.raises(IdDoesNotExistError):
        source(server.url, prefix="datacite").get_record("doi:10.5072/unknown")
    with pytest.raises(NoSetHierarchyError):
        list(source(server.url, prefix="datacite").list_sets())
    server.delete_record("doi:10.5072/pangraph-test-1")
    with pytest.raises(NoMetadataFormatsError):
        source(server.url).list_metadata_formats(identifier="doi:10.5072/pangraph-test-1")
    deleted = source(server.url, prefix="datacite").get_record("doi:10.5072/pangraph-test-1")
    assert deleted.deleted and deleted.identifier == "doi:10.5072/pangraph-test-1"


# --- transient failures: retries and back-off ---------------------------------------------------------


def test_503_retry_after_seconds_is_honoured(server: OAIServer) -> None:
    sleeps = Sleeps()
    server.fail_next(2, status=503, retry_after=7)
    src = source(server.url, prefix="datacite", sleeps=sleeps)
    assert len(records_only(src.records())) == 25
    assert sleeps == [7.0, 7.0]
    assert [r.status for r in server.requests[:3]] == [503, 503, 200]
    assert src.retries == 2


def test_429_retry_after_http_date_is_honoured(server: OAIServer) -> None:
    sleeps = Sleeps()
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    server.throttle_next(1, retry_after=format_datetime(when, usegmt=True))
    assert len(records_only(source(server.url, prefix="datacite", sleeps=sleeps).records())) == 25
    assert len(sleeps) == 1 and 27.0 <= sleeps[0] <= 30.5
    assert server.requests[0].status == 429


def test_5xx_without_retry_after_backs_off_exponentially(server: OAIServer) -> None:
    sleeps = Sleeps()
    server.fail_next(3, status=502)
    assert len(records_only(source(server.url, prefix="datacite", sleeps=sleeps, backoff_s=0.5).records())) == 25
    assert sleeps == [0.5, 1.0, 2.0]


def test_retries_resume_mid_listing_with_the_same_token(server: OAIServer) -> None:
    sleeps = Sleeps()
    it = source(server.url, prefix="datacite", sleeps=sleeps).records()
    first_page = [next(it) for _ in range(10)]
    server.fail_next(1, status=500)
    rest = list(it)
    assert len(first_page) + len(rest) == 25 and sleeps == [0.5]
    assert server.requests[1].params == server.requests[2].params  # the failed request was repeated


def test_retries_exhausted_raise_transient_error(server: OAIServer) -> None:
    sleeps = Sleeps()
    server.fail_next(10, status=503)
    with pytest.raises(TransientHarvestError) as e:
        list(source(server.url, prefix="datacite", sleeps=sleeps, max_retries=2).records())
    assert e.value.transient and "HTTP 503" in str(e.value) and "3 attempt(s)" in str(e.value)
    assert len(server.requests) == 3 and sleeps == [0.5, 1.0]


def test_retry_after_longer_than_the_limit_gives_up_at_once(server: OAIServer) -> None:
    sleeps = Sleeps()
    server.throttle_next(1, retry_after=10_000)
    with pytest.raises(TransientHarvestError) as e:
        list(source(server.url, prefix="datacite", sleeps=sleeps, max_delay_s=60).records())
    assert "retry after 10000 s" in str(e.value) and sleeps == [] and len(server.requests) == 1


def test_timeout_is_retried(server: OAIServer) -> None:
    sleeps = Sleeps()
    server.slow_next(1, delay_s=3.0)
    src = source(server.url, prefix="datacite", sleeps=sleeps, timeout_s=0.4)
    assert len(records_only(src.records())) == 25
    assert sleeps == [0.5] and server.requests[0].fault == "slow"


def test_timeouts_exhaust_into_transient_error(server: OAIServer) -> None:
    server.slow_next(5, delay_s=3.0)
    with pytest.raises(TransientHarvestError) as e:
        list(source(server.url, prefix="datacite", timeout_s=0.3, max_retries=1).records())
    assert "no answer" in str(e.value) and "0.3 s" in str(e.value)


def test_dropped_connection_is_retried(server: OAIServer) -> None:
    sleeps = Sleeps()
    server.drop_next(1)
    assert len(records_only(source(server.url, prefix="datacite", sleeps=sleeps).records())) == 25
    assert sleeps == [0.5] and server.requests[0].fault == "drop"


def test_connection_refused_is_transient() -> None:
    with OAIServer(records=[]) as s:
        url = s.url
    with pytest.raises(TransientHarvestError) as e:
        list(source(url, prefix="datacite", max_retries=1).records())
    assert "connection to" in str(e.value)


# --- malformed pages in a paged listing ---------------------------------------------------------------


def test_malformed_page_with_readable_token_is_skipped_and_listing_goes_on(server: OAIServer) -> None:
    src = source(server.url, prefix="datacite")
    it = src.records()
    first = [next(it) for _ in range(10)]
    server.malformed_next(1, keep_token=True)
    rest = list(it)
    problems = problems_only(rest)
    assert len(problems) == 1 and problems[0].scope == "page" and not problems[0].listing_ended
    assert "went on with the resumptionToken" in problems[0].reason
    recs = records_only(first + rest)
    assert [r.identifier for r in recs] == [f"doi:10.5072/pangraph-test-{i}" for i in list(range(10)) + list(range(20, 25))]
    assert not src.complete  # a page was lost: the checkpoint must not advance


def test_malformed_page_without_token_ends_listing(server: OAIServer) -> None:
    src = source(server.url, prefix="datacite")
    it = src.records()
    [next(it) for _ in range(10)]
    server.malformed_next(1)
    rest = list(it)
    assert len(rest) == 1 and rest[0].listing_ended and "listing ended here" in rest[0].reason
    assert not src.complete


# --- the single HTTP method can be faked ----------------------------------------------------------------


class FakeSource(OAIPMHSource):
    def __init__(self, pages: list[bytes], **kw) -> None:
        super().__init__("fake", "http://127.0.0.1:9/oai", metadata_prefix="oai_dc", sleep=Sleeps(), **kw)
        self.pages_to_serve = list(pages)
        self.sent: list[dict] = []

    def request(self, params):
        self.sent.append(dict(params))
        body = self.pages_to_serve.pop(0) if len(self.pages_to_serve) > 1 else self.pages_to_serve[0]
        return HTTPReply(status=200, headers={}, body=body, url=self.url)


def test_html_page_instead_of_oai_pmh_is_a_page_problem() -> None:
    src = FakeSource([b"<html><body>Maintenance</body></html>"])
    items = list(src.records())
    assert len(items) == 1 and items[0].listing_ended and "root element is <html>" in items[0].reason


def test_repeated_resumption_token_stops_an_endless_loop() -> None:
    page = (b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header>'
            b"<identifier>x</identifier><datestamp>2020-01-01</datestamp></header></record>"
            b"<resumptionToken>same</resumptionToken></ListRecords></OAI-PMH>")
    src = FakeSource([page])
    items = list(src.records())
    assert len(records_only(items)) == 2 and len(src.sent) == 2
    assert problems_only(items)[0].listing_ended and "second time" in problems_only(items)[0].reason
    assert not src.complete


def test_record_without_identifier_and_wrong_namespace_prefixes() -> None:
    page = (b'<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="a.xsl"?>'
            b'<?xml-stylesheet type="text/xsl" href="a.xsl"?>'
            b'<o:OAI-PMH xmlns:o="urn:not-the-oai-namespace"><o:responseDate>2024-01-01T00:00:00Z</o:responseDate>'
            b"<o:ListRecords><o:record><o:header><o:datestamp>2020-01-01</o:datestamp></o:header></o:record>"
            b'<o:record><o:header><o:identifier identifierType="doi">10.1/abc</o:identifier>'
            b"<o:datestamp>2020-13-45</o:datestamp></o:header><o:metadata><x/></o:metadata></o:record>"
            b"<o:resumptionToken/></o:ListRecords></o:OAI-PMH>")
    src = FakeSource([page])
    items = list(src.records())
    assert isinstance(items[0], SourceProblem) and "a record without identifier" in items[0].reason
    assert isinstance(items[1], RawRecord)
    assert items[1].identifier == "10.1/abc" and items[1].datestamp == "2020-13-45"
    assert src.complete and src.response_date == "2024-01-01T00:00:00Z"


# --- configuration -------------------------------------------------------------------------------------


def test_open_source_uses_harvest_settings(tmp_path: Path) -> None:
    toml = tmp_path / "pangraph.toml"
    toml.write_text("[harvest]\ntimeout_s = 3.5\nmax_retries = 7\nbackoff_s = 0.25\n", encoding="utf-8")
    config = load_config(toml, environ={})
    sc = SourceConfig(name="esrf", url="http://127.0.0.1:1/oai", metadata_prefix="datacite", set="X", from_="2020-01-01")
    src = open_source(sc, config=config)
    assert (src.timeout_s, src.max_retries, src.backoff_s) == (3.5, 7, 0.25)
    assert (src.name, src.metadata_prefix, src.set, src.from_) == ("esrf", "datacite", "X", "2020-01-01")
    assert open_source(sc, config=config, from_="2024-05-01T00:00:00Z").from_ == "2024-05-01T00:00:00Z"
