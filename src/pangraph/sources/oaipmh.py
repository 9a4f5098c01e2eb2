"""OAI-PMH harvesting: ListRecords / ListIdentifiers / GetRecord / Identify over sickle's HTTP.

sickle does the HTTP (``Sickle.harvest`` → one GET per call); every page is parsed exactly once
here with lxml (sickle would parse each page three times, DESIGN.md §8). Retries are ours, not
sickle's: sickle only retries status codes, sleeps with an integer ``Retry-After`` of a 503 and
cannot retry timeouts or connection errors; here timeouts, connection errors, 408/429/5xx are
retried with exponential back-off (``backoff_s``, doubling), honouring ``Retry-After`` in seconds or
as an HTTP-date, through an injectable ``sleep``.

Every HTTP request goes through :meth:`OAIPMHSource.request` (tests fake that one method).

Real providers are quirky (../shared/data/REAL-DATA.md §4), so parsing is namespace-agnostic (by
local name: prefixes bound to the wrong namespace do not matter), accepts ``<record>``-wrapped
headers in ListIdentifiers and a ``<record>`` without ``<GetRecord>`` wrapper, keeps datestamps as
given (``2017-01-00``), takes DOIs as identifiers, ignores attributes on ``<identifier>``, empty final
resumption tokens and ``<?xml-stylesheet?>`` instructions. What cannot be read is *yielded* as
:class:`~pangraph.sources.SourceProblem` (a malformed page, a record without identifier) and the run
goes on. OAI error codes raise one :class:`OAIPMHError` subclass per code; ``noRecordsMatch`` is an
empty listing, not an error.

A yielded :class:`~pangraph.records.RawRecord` carries as ``payload`` the lxml serialisation of the
``<record>`` element (UTF-8, no XML declaration, with every namespace declaration in scope, so it
parses on its own), and as ``header`` the serialisation of its ``<header>``. The same record bytes
from the server give the same payload bytes, hence the same content hash.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Mapping

if TYPE_CHECKING:
    from pangraph.config import Config, SourceConfig

import requests
from lxml import etree
from sickle import Sickle
from sickle.response import OAIResponse

from pangraph.errors import HarvestError, TransientHarvestError
from pangraph.records import RawRecord
from pangraph.sources import SourceProblem
from pangraph.sources.http import USER_AGENT, HTTPReply, RetryPolicy, http_date

__all__ = [
    "OAIPMHSource",
    "HTTPReply",
    "OAIPMHError",
    "BadArgumentError",
    "BadResumptionTokenError",
    "BadVerbError",
    "CannotDisseminateFormatError",
    "IdDoesNotExistError",
    "NoMetadataFormatsError",
    "NoSetHierarchyError",
    "MalformedResponseError",
    "OAI_ERRORS",
    "OAI_ERROR_MESSAGES",
    "oai_error",
]


_FULL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")
_TOKEN_IN_BYTES = re.compile(rb"<(?:[\w.-]+:)?resumptionToken\b[^>]*>\s*([^<\s][^<]*?)\s*</", re.DOTALL)


# --- errors --------------------------------------------------------------------------------------


#: OAI error code → what went wrong and what to do, as a template filled from the failed request:
#: ``{request}`` (verb and arguments), ``{verb}``, ``{identifier}``, ``{prefix}`` (metadataPrefix),
#: ``{token}`` (resumptionToken), ``{item}`` (``item '<identifier>'`` or ``the repository``), ``{code}``
OAI_ERROR_MESSAGES: dict[str, str] = {
    "badArgument": "the repository rejected the arguments of {request} as illegal or incomplete (badArgument); "
                   "check metadata_prefix, set and from/until (their granularity must match the repository's "
                   "Identify granularity)",
    "badResumptionToken": "the resumptionToken {token!r} is invalid or has expired (badResumptionToken), so this "
                          "listing cannot be resumed; re-run the harvest without a token: it starts again from the "
                          "last checkpoint, and records already archived cost nothing",
    "badVerb": "the repository does not accept the verb {verb!r} (badVerb); is the configured url an OAI-PMH 2.0 "
               "base URL?",
    "cannotDisseminateFormat": "the repository cannot disseminate metadataPrefix {prefix!r} (cannotDisseminateFormat); "
                               "ask it with ListMetadataFormats (OAIPMHSource.list_metadata_formats()) which formats "
                               "it offers and set metadata_prefix of the source accordingly",
    "idDoesNotExist": "the identifier {identifier!r} does not exist in the repository (idDoesNotExist)",
    "noMetadataFormats": "no metadata formats are available for {item} (noMetadataFormats)",
    "noSetHierarchy": "the repository does not support sets (noSetHierarchy); remove `set = ...` from the source "
                      "configuration to harvest everything",
}
_OTHER_OAI_ERROR = "the repository answered {request} with OAI-PMH error {code!r}"


class OAIPMHError(HarvestError):
    """The repository answered with an OAI-PMH error code (terminal: the same request fails again).

    ``code`` is the OAI error code, ``server_message`` the text the server gave, ``params`` the
    request that failed.
    """

    code: str = ""

    def __init__(
        self,
        server_message: str | None = None,
        *,
        params: Mapping[str, str] | None = None,
        source: str | None = None,
        code: str | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        self.server_message = (server_message or "").strip() or None
        self.params = dict(params or {})
        reason = self.explain()
        if self.server_message:
            reason += f" (server said: {self.server_message})"
        super().__init__(reason, source=source, record=self.params.get("identifier"))

    def explain(self) -> str:
        """What went wrong and what to do, in words (:data:`OAI_ERROR_MESSAGES` for the code)."""
        identifier = self.params.get("identifier")
        return OAI_ERROR_MESSAGES.get(self.code, _OTHER_OAI_ERROR).format(
            code=self.code, request=_describe(self.params), verb=self.params.get("verb"), identifier=identifier,
            prefix=self.params.get("metadataPrefix"), token=self.params.get("resumptionToken"),
            item=f"item {identifier!r}" if identifier else "the repository")


class BadArgumentError(OAIPMHError):
    """badArgument: illegal, missing or repeated request arguments."""

    code = "badArgument"


class BadResumptionTokenError(OAIPMHError):
    """badResumptionToken: the token is invalid or expired; the listing cannot be resumed."""

    code = "badResumptionToken"


class BadVerbError(OAIPMHError):
    """badVerb: the verb is missing, repeated or not an OAI-PMH verb."""

    code = "badVerb"


class CannotDisseminateFormatError(OAIPMHError):
    """cannotDisseminateFormat: the metadataPrefix is not offered (for this item or at all)."""

    code = "cannotDisseminateFormat"


class IdDoesNotExistError(OAIPMHError):
    """idDoesNotExist: the identifier is unknown to the repository."""

    code = "idDoesNotExist"


class NoMetadataFormatsError(OAIPMHError):
    """noMetadataFormats: no metadata format is available for the item."""

    code = "noMetadataFormats"


class NoSetHierarchyError(OAIPMHError):
    """noSetHierarchy: the repository has no sets."""

    code = "noSetHierarchy"


class MalformedResponseError(HarvestError):
    """A single-page answer (Identify, GetRecord, ListMetadataFormats …) is not readable OAI-PMH."""


OAI_ERRORS: dict[str, type[OAIPMHError]] = {
    cls.code: cls
    for cls in (BadArgumentError, BadResumptionTokenError, BadVerbError, CannotDisseminateFormatError,
                IdDoesNotExistError, NoMetadataFormatsError, NoSetHierarchyError)
}


def oai_error(
    code: str,
    server_message: str | None = None,
    *,
    params: Mapping[str, str] | None = None,
    source: str | None = None,
) -> OAIPMHError:
    """The exception for OAI error *code* (an :class:`OAIPMHError` for codes outside the standard)."""
    cls = OAI_ERRORS.get(code)
    if cls is None:
        return OAIPMHError(server_message, params=params, source=source, code=code or "unknown")
    return cls(server_message, params=params, source=source)


def _describe(params: Mapping[str, str]) -> str:
    verb = params.get("verb", "?")
    rest = ", ".join(f"{k}={v}" for k, v in params.items() if k != "verb")
    return f"{verb}({rest})" if rest else verb


# --- HTTP -----------------------------------------------------------------------------------------


class _SickleTransport(Sickle):
    """sickle as the HTTP layer only: one request per ``harvest`` call on a kept-alive session,
    no status check and no retry (:class:`OAIPMHSource` does both)."""

    def __init__(self, endpoint: str, **request_args: object) -> None:
        super().__init__(endpoint, max_retries=0, **request_args)
        self._session = requests.Session()

    def _request(self, kwargs):  # noqa: ANN001, ANN202 - sickle's signature
        return self._session.get(self.endpoint, params=kwargs, **self.request_args)

    def harvest(self, **kwargs):  # noqa: ANN003, ANN201 - sickle's signature
        return OAIResponse(self._request(kwargs), params=kwargs)

    def close(self) -> None:
        self._session.close()


# --- parsing --------------------------------------------------------------------------------------


def _local(tag: object) -> str:
    """Local name of an element tag (comments and processing instructions have none)."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _children(el: etree._Element, name: str) -> Iterator[etree._Element]:
    for c in el:
        if _local(c.tag) == name:
            yield c


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    t = "".join(el.itertext()).strip()
    return t or None


def _serialise(el: etree._Element) -> bytes:
    return etree.tostring(el, encoding="UTF-8", with_tail=False)


@dataclass
class _Page:
    root: etree._Element
    container: etree._Element
    response_date: str | None
    errors: list[tuple[str, str | None]]
    token: str | None


class _NotOAIPMH(ValueError):
    """The body parsed as XML but is not an OAI-PMH response."""


# --- the source -----------------------------------------------------------------------------------


class OAIPMHSource:
    """One OAI-PMH repository (base URL + metadataPrefix [+ set, from, until]) as a record stream.

    ``records()`` runs ListRecords, ``identifiers()`` ListIdentifiers, ``get_record(id)`` GetRecord,
    ``identify()`` Identify. After a listing, ``response_date`` is the ``responseDate`` of its first
    page (the next run's ``from``: nothing changed after it is missed), ``complete`` says whether the
    listing reached its end without losing a page, and ``pages``/``retries`` count the work.
    """

    def __init__(
        self,
        name: str,
        url: str,
        *,
        metadata_prefix: str = "oai_datacite",
        set: str | None = None,  # noqa: A002 - the OAI-PMH argument's name
        from_: str | None = None,
        until: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 5,
        backoff_s: float = 2.0,
        max_delay_s: float = 600.0,
        sleep: Callable[[float], None] = time.sleep,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.name = name
        self.url = url
        self.metadata_prefix = metadata_prefix
        self.set = set
        self.from_ = from_
        self.until = until
        self.timeout_s = timeout_s
        self.max_retries = max(0, int(max_retries))
        self.backoff_s = backoff_s
        self.max_delay_s = max_delay_s
        self.sleep = sleep
        self._policy = RetryPolicy(max_retries=self.max_retries, backoff_s=backoff_s, max_delay_s=max_delay_s,
                                   sleep=sleep)
        self._sickle = _SickleTransport(url, timeout=timeout_s, headers={"User-Agent": user_agent})
        self._parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, collect_ids=False)
        self._response_date: str | None = None
        self._complete = False
        self._granularity: str | None = None
        self._granularity_known = False
        self.pages = 0
        self.retries = 0
        self.requests = 0

    def __repr__(self) -> str:
        return f"OAIPMHSource({self.name!r}, {self.url!r}, metadata_prefix={self.metadata_prefix!r})"

    def close(self) -> None:
        """Close the kept-alive HTTP connections."""
        self._sickle.close()

    # -- state of the last listing --

    @property
    def response_date(self) -> str | None:
        """``responseDate`` of the first page of the last listing (else its HTTP ``Date``), or None."""
        return self._response_date

    @property
    def complete(self) -> bool:
        """True when the last listing reached its end (no token, or noRecordsMatch) without losing a page."""
        return self._complete

    # -- HTTP --

    def request(self, params: Mapping[str, str]) -> HTTPReply:
        """Send one OAI-PMH request (no retry) and return the HTTP answer, whatever its status.

        Timeouts and connection failures raise :class:`TransientHarvestError`; an unusable URL raises
        :class:`HarvestError`. This is the only method that touches the network.
        """
        try:
            response = self._sickle.harvest(**dict(params)).http_response
        except requests.Timeout as e:
            raise TransientHarvestError(
                f"no answer from {self.url} within {self.timeout_s:g} s for {_describe(params)} ({type(e).__name__})",
                source=self.name) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as e:
            raise TransientHarvestError(
                f"connection to {self.url} failed for {_describe(params)}: {type(e).__name__}: {e}",
                source=self.name) from None
        except requests.RequestException as e:
            raise HarvestError(f"cannot request {self.url}: {type(e).__name__}: {e}", source=self.name) from None
        return HTTPReply(status=response.status_code, headers=response.headers, body=response.content,
                         url=response.url)

    def _fetch(self, params: Mapping[str, str]) -> HTTPReply:
        """:meth:`request` with retries of transient failures (exponential back-off, Retry-After)."""
        reply = self._policy.run(lambda: self.request(params), what=f"{_describe(params)} from {self.url}",
                                 source=self.name)
        self.requests, self.retries = self._policy.requests, self._policy.retries
        return reply

    # -- parsing --

    def _parse_root(self, body: bytes) -> etree._Element:
        if body[:1].isspace():
            body = body.lstrip()
        root = etree.fromstring(body, self._parser)
        if _local(root.tag) != "OAI-PMH":
            raise _NotOAIPMH(f"the root element is <{_local(root.tag) or root.tag}>, not <OAI-PMH>")
        return root

    @staticmethod
    def _page(root: etree._Element, verb: str) -> _Page:
        container = _child(root, verb)
        errors = [(e.get("code") or "", _text(e)) for e in _children(root, "error")]
        token_el = _child(container, "resumptionToken") if container is not None else None
        if token_el is None:
            token_el = _child(root, "resumptionToken")
        token = _text(token_el)
        return _Page(root=root, container=container if container is not None else root,
                     response_date=_text(_child(root, "responseDate")), errors=errors, token=token)

    def _first_date(self, page: _Page, reply: HTTPReply) -> str | None:
        if page.response_date:
            return page.response_date
        return http_date(reply.headers.get("Date"))

    def _single(self, params: Mapping[str, str]) -> tuple[_Page, HTTPReply]:
        """Fetch a one-page answer; malformed answers and OAI errors raise."""
        reply = self._fetch(params)
        try:
            root = self._parse_root(reply.body)
        except (etree.XMLSyntaxError, _NotOAIPMH) as e:
            if reply.status != 200:
                raise self._http_error(reply, params) from None
            raise MalformedResponseError(
                f"the answer to {_describe(params)} from {self.url} is not OAI-PMH XML: {e}", source=self.name
            ) from None
        page = self._page(root, params["verb"])
        if page.errors:
            code, message = page.errors[0]
            raise oai_error(code, message, params=params, source=self.name)
        if reply.status != 200 and page.container is root:
            raise self._http_error(reply, params)
        return page, reply

    def _http_error(self, reply: HTTPReply, params: Mapping[str, str]) -> HarvestError:
        snippet = reply.body[:200].decode("utf-8", "replace").strip()
        return HarvestError(f"HTTP {reply.status} from {self.url} for {_describe(params)}: {snippet!r}",
                            source=self.name)

    def _header_fields(self, header: etree._Element) -> tuple[str | None, str | None, tuple[str, ...], bool]:
        identifier = _text(_child(header, "identifier"))
        datestamp = _text(_child(header, "datestamp"))
        sets = tuple(t for t in (_text(s) for s in _children(header, "setSpec")) if t)
        deleted = (header.get("status") or "").strip().lower() == "deleted"
        return identifier, datestamp, sets, deleted

    def _item(self, element: etree._Element, header: etree._Element | None, *, page_no: int,
              metadata_prefix: str, payload_is_header: bool) -> RawRecord | SourceProblem:
        if header is None:
            return SourceProblem(self.name, None, f"a <record> without <header> on page {page_no} was skipped")
        identifier, datestamp, sets, deleted = self._header_fields(header)
        if not identifier:
            what = "a deleted header" if deleted else "a record"
            return SourceProblem(
                self.name, None,
                f"{what} without identifier (datestamp {datestamp or 'missing'}) on page {page_no} was skipped")
        header_bytes = _serialise(header)
        return RawRecord(
            source=self.name,
            identifier=identifier,
            metadata_prefix=metadata_prefix,
            payload=header_bytes if payload_is_header else _serialise(element),
            datestamp=datestamp,
            header=header_bytes,
            deleted=deleted,
            sets=sets,
        )

    def _items(self, page: _Page, verb: str, *, page_no: int,
               metadata_prefix: str) -> Iterator[RawRecord | SourceProblem]:
        if verb == "ListIdentifiers":
            for el in page.container:
                name = _local(el.tag)
                if name == "header":
                    yield self._item(el, el, page_no=page_no, metadata_prefix=metadata_prefix, payload_is_header=True)
                elif name == "record":  # SciCat wraps the headers of ListIdentifiers in <record>
                    yield self._item(el, _child(el, "header"), page_no=page_no, metadata_prefix=metadata_prefix,
                                     payload_is_header=True)
        else:
            for el in page.container:
                if _local(el.tag) == "record":
                    yield self._item(el, _child(el, "header"), page_no=page_no, metadata_prefix=metadata_prefix,
                                     payload_is_header=False)

    # -- arguments --

    def _repository_granularity(self) -> str | None:
        if not self._granularity_known:
            self._granularity_known = True
            try:
                self._granularity = self.identify().get("granularity")  # type: ignore[assignment]
            except HarvestError:
                self._granularity = None
        return self._granularity

    def _date_argument(self, value: str) -> str:
        """A from/until value in the repository's granularity (a day-granular repository gets the day)."""
        value = value.strip()
        if _FULL_DATETIME.match(value) and self._repository_granularity() == "YYYY-MM-DD":
            return value[:10]
        return value

    def _listing_params(self, verb: str, *, metadata_prefix: str | None, set: str | None,  # noqa: A002
                        from_: str | None, until: str | None, resumption_token: str | None) -> dict[str, str]:
        if resumption_token:
            return {"verb": verb, "resumptionToken": resumption_token}
        params = {"verb": verb, "metadataPrefix": metadata_prefix or self.metadata_prefix}
        set = set if set is not None else self.set  # noqa: A001
        from_ = from_ if from_ is not None else self.from_
        until = until if until is not None else self.until
        if set:
            params["set"] = set
        if from_:
            params["from"] = self._date_argument(from_)
        if until:
            params["until"] = self._date_argument(until)
        return params

    # -- listings --

    def records(
        self,
        *,
        metadata_prefix: str | None = None,
        set: str | None = None,  # noqa: A002
        from_: str | None = None,
        until: str | None = None,
        resumption_token: str | None = None,
    ) -> Iterator[RawRecord | SourceProblem]:
        """ListRecords: every record (deleted ones with ``deleted=True``), following resumption tokens,
        with a :class:`SourceProblem` for each record or page that could not be read.

        Options override the source's ``metadata_prefix``/``set``/``from_``/``until`` for this listing;
        *resumption_token* continues an earlier listing from that token instead (within its lifetime).
        Raises an :class:`OAIPMHError` subclass for an OAI error (``noRecordsMatch`` is an empty
        listing) and :class:`TransientHarvestError` when the retries are used up.
        """
        params = self._listing_params("ListRecords", metadata_prefix=metadata_prefix, set=set, from_=from_,
                                      until=until, resumption_token=resumption_token)
        yield from self._listing(params, metadata_prefix=metadata_prefix or self.metadata_prefix)

    def identifiers(
        self,
        *,
        metadata_prefix: str | None = None,
        set: str | None = None,  # noqa: A002
        from_: str | None = None,
        until: str | None = None,
        resumption_token: str | None = None,
    ) -> Iterator[RawRecord | SourceProblem]:
        """ListIdentifiers: one :class:`RawRecord` per header (``payload`` = the serialised header),
        otherwise like :meth:`records`."""
        params = self._listing_params("ListIdentifiers", metadata_prefix=metadata_prefix, set=set, from_=from_,
                                      until=until, resumption_token=resumption_token)
        yield from self._listing(params, metadata_prefix=metadata_prefix or self.metadata_prefix)

    def _listing(self, first: dict[str, str], *, metadata_prefix: str) -> Iterator[RawRecord | SourceProblem]:
        verb = first["verb"]
        prefix = metadata_prefix
        self._response_date = None
        self._complete = False
        self.pages = 0
        params: dict[str, str] = first
        seen_tokens: set[str] = set()
        lost_pages = 0
        page_no = 0
        while True:
            page_no += 1
            reply = self._fetch(params)
            self.pages += 1
            try:
                root = self._parse_root(reply.body)
            except (etree.XMLSyntaxError, _NotOAIPMH) as e:
                if reply.status != 200:
                    raise self._http_error(reply, params) from None
                lost_pages += 1
                match = _TOKEN_IN_BYTES.search(reply.body)
                token = match.group(1).decode("utf-8", "replace").strip() if match else None
                where = f"page {page_no} of {_describe(params)} from {self.url}"
                if token and token not in seen_tokens:
                    seen_tokens.add(token)
                    yield SourceProblem(
                        self.name, None,
                        f"{where} is not OAI-PMH XML ({e}); its records were skipped and the listing went on with "
                        f"the resumptionToken {token!r} found in the broken page", scope="page")
                    params = {"verb": verb, "resumptionToken": token}
                    continue
                yield SourceProblem(
                    self.name, None,
                    f"{where} is not OAI-PMH XML ({e}) and holds no readable resumptionToken, so the listing "
                    "ended here: the records of this page and of any later pages were not harvested (the "
                    "checkpoint must not advance; the next run repeats this range)",
                    scope="page", listing_ended=True)
                return
            page = self._page(root, verb)
            if page_no == 1:
                self._response_date = self._first_date(page, reply)
            if page.errors:
                code, message = page.errors[0]
                if code == "noRecordsMatch":
                    self._complete = lost_pages == 0
                    return
                raise oai_error(code, message, params=params, source=self.name)
            if reply.status != 200 and page.container is root:
                raise self._http_error(reply, params)
            yield from self._items(page, verb, page_no=page_no, metadata_prefix=prefix)
            token = page.token
            del page, root  # keep one page in memory at a time
            if not token:
                self._complete = lost_pages == 0
                return
            if token in seen_tokens:
                yield SourceProblem(
                    self.name, None,
                    f"the repository returned the resumptionToken {token!r} a second time (page {page_no}); the "
                    "listing was stopped to avoid an endless loop", scope="page", listing_ended=True)
                return
            seen_tokens.add(token)
            params = {"verb": verb, "resumptionToken": token}

    def records_in_response(self, body: bytes, *, page_no: int = 1,
                            verb: str = "ListRecords") -> Iterator[RawRecord | SourceProblem]:
        """The records of one saved OAI-PMH response (*body*, e.g. a file), parsed exactly as a
        harvested page is; a malformed body or an OAI error is one :class:`SourceProblem`."""
        try:
            root = self._parse_root(body)
        except (etree.XMLSyntaxError, _NotOAIPMH) as e:
            yield SourceProblem(self.name, None, f"page {page_no} is not OAI-PMH XML: {e}", scope="page")
            return
        page = self._page(root, verb)
        if page.errors:
            code, message = page.errors[0]
            if code != "noRecordsMatch":
                yield SourceProblem(self.name, None, f"page {page_no} is an OAI-PMH error {code}: {message}",
                                    scope="page")
            return
        yield from self._items(page, verb, page_no=page_no, metadata_prefix=self.metadata_prefix)

    # -- single-page verbs --

    def get_record(self, identifier: str, *, metadata_prefix: str | None = None) -> RawRecord:
        """GetRecord: the record *identifier* (raises :class:`IdDoesNotExistError` when unknown)."""
        prefix = metadata_prefix or self.metadata_prefix
        params = {"verb": "GetRecord", "identifier": identifier, "metadataPrefix": prefix}
        page, _ = self._single(params)
        for item in self._items(page, "GetRecord", page_no=1, metadata_prefix=prefix):
            if isinstance(item, SourceProblem):
                raise MalformedResponseError(item.reason, source=self.name, record=identifier)
            return item
        raise MalformedResponseError(f"the answer to {_describe(params)} holds no <record>", source=self.name,
                                     record=identifier)

    def identify(self) -> dict[str, str | list[str] | None]:
        """Identify: repositoryName, baseURL, protocolVersion, adminEmail (list), earliestDatestamp,
        deletedRecord, granularity, compression (list); values as the repository gives them."""
        page, _ = self._single({"verb": "Identify"})
        out: dict[str, str | list[str] | None] = {
            "repositoryName": None, "baseURL": None, "protocolVersion": None, "adminEmail": [],
            "earliestDatestamp": None, "deletedRecord": None, "granularity": None, "compression": [],
        }
        for el in page.container:
            name = _local(el.tag)
            if name in ("adminEmail", "compression"):
                value = _text(el)
                if value:
                    out[name].append(value)  # type: ignore[union-attr]
            elif name in out:
                out[name] = _text(el)
        if out["granularity"]:
            self._granularity, self._granularity_known = out["granularity"], True  # type: ignore[assignment]
        return out

    def list_metadata_formats(self, *, identifier: str | None = None) -> list[dict[str, str | None]]:
        """ListMetadataFormats: ``metadataPrefix``, ``schema``, ``metadataNamespace`` of each format."""
        params = {"verb": "ListMetadataFormats"}
        if identifier:
            params["identifier"] = identifier
        page, _ = self._single(params)
        return [
            {k: _text(_child(fmt, k)) for k in ("metadataPrefix", "schema", "metadataNamespace")}
            for fmt in _children(page.container, "metadataFormat")
        ]

    def list_sets(self) -> Iterator[dict[str, str | None]]:
        """ListSets: ``setSpec`` and ``setName`` of every set, following resumption tokens."""
        params: dict[str, str] = {"verb": "ListSets"}
        seen: set[str] = set()
        while True:
            page, _ = self._single(params)
            for s in _children(page.container, "set"):
                yield {"setSpec": _text(_child(s, "setSpec")), "setName": _text(_child(s, "setName"))}
            if not page.token or page.token in seen:
                return
            seen.add(page.token)
            params = {"verb": "ListSets", "resumptionToken": page.token}


def from_config(source: "SourceConfig", *, config: "Config", from_: str | None = None,
                sleep: Callable[[float], None] | None = None) -> OAIPMHSource:
    """The OAI-PMH source of a ``kind = "oai-pmh"`` configuration."""
    from pangraph.sources import harvest_settings

    return OAIPMHSource(source.name, source.url, metadata_prefix=source.metadata_prefix, set=source.set,
                        from_=from_, **harvest_settings(source, config),
                        **({"sleep": sleep} if sleep is not None else {}))
