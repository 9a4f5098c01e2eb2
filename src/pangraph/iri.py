"""Identity: global PIDs as IRIs, minted IRIs and graph names (DESIGN.md §2–3).

Pure functions; every spelling seen in real PaN data is accepted (see ../shared/data/REAL-DATA.md §7).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote, unquote

# --- DOIs ---------------------------------------------------------------------------------------

_DOI_PREFIX = re.compile(
    r"^\s*(?:(?:doi|DOI)\s*:\s*|(?:https?://)?(?:dx\.|www\.)?doi\.org/|info:doi/)", re.IGNORECASE
)
_DOI_BODY = re.compile(r"^10\.\d{4,9}/\S+$")


def normalise_doi(value: str) -> str | None:
    """The DOI in *value* (``doi:``, ``https://doi.org/`` … prefixes accepted), lower-cased, or None."""
    if not value:
        return None
    v = _DOI_PREFIX.sub("", value.strip())
    v = unquote(v) if "%2F" in v.upper() else v
    v = v.strip().rstrip(".,;")
    if not _DOI_BODY.match(v):
        return None
    return v.lower()


def doi_iri(value: str) -> str | None:
    """``https://doi.org/<doi, lower-cased>`` for a DOI in any spelling, or None if it is not a DOI."""
    doi = normalise_doi(value)
    if doi is None:
        return None
    return "https://doi.org/" + quote(doi, safe="/:;()._-~<>[]@!$&'*+,=")


# --- ORCID, ROR, ISNI, Crossref Funder -----------------------------------------------------------

_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])")


def orcid_checksum_ok(digits: str) -> bool:
    """ISO 7064 11,2 check digit of a 16-character ORCID (without dashes)."""
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    result = (12 - total % 11) % 11
    check = "X" if result == 10 else str(result)
    return digits[-1].upper() == check


_ORCID_PREFIX = re.compile(r"^(?:orcid\s*:\s*)", re.IGNORECASE)
_ORCID_HOST = re.compile(r"^(?:https?://)?(?:www\.)?orcid\.org/", re.IGNORECASE)


def orcid_iri(value: str) -> str | None:
    """``https://orcid.org/XXXX-XXXX-XXXX-XXXX`` for an ORCID in any spelling (bare, http(s) URL,
    ``orcid.org/…``, ``ORCID:…``), or None when *value* holds no ORCID with a valid check digit."""
    if not value:
        return None
    v = value.strip()
    v = _ORCID_PREFIX.sub("", v)
    v = _ORCID_HOST.sub("", v)
    m = _ORCID.fullmatch(v.strip().rstrip("/"))
    if not m:
        return None
    digits = "".join(m.groups()).upper()
    if not orcid_checksum_ok(digits):
        return None
    return "https://orcid.org/" + "-".join(digits[i : i + 4] for i in range(0, 16, 4))


_ROR = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")


def ror_iri(value: str) -> str | None:
    """``https://ror.org/<id>`` for a ROR id (bare, URL, ``ROR:…``), or None."""
    if not value:
        return None
    v = value.strip()
    v = re.sub(r"^(?:ror\s*:\s*)", "", v, flags=re.IGNORECASE)
    v = re.sub(r"^(?:https?://)?(?:www\.)?ror\.org/", "", v, flags=re.IGNORECASE).strip().rstrip("/").lower()
    return "https://ror.org/" + v if _ROR.match(v) else None


def isni_iri(value: str) -> str | None:
    """``https://isni.org/isni/<16 digits>`` for an ISNI, or None."""
    v = re.sub(r"^(?:https?://)?(?:www\.)?isni\.org/(?:isni/)?", "", (value or "").strip(), flags=re.IGNORECASE)
    v = re.sub(r"[\s-]", "", v)
    return f"https://isni.org/isni/{v.upper()}" if re.fullmatch(r"\d{15}[\dXx]", v) else None


def funder_iri(value: str, scheme: str | None = None) -> str | None:
    """A funder identifier as IRI: Crossref Funder IDs become DOI IRIs, ROR ids ROR IRIs."""
    if not value:
        return None
    s = (scheme or "").strip().lower()
    if s == "ror" or "ror.org" in value:
        return ror_iri(value)
    if s in ("crossref funder id", "crossref funder") or "10.13039" in value:
        v = value.strip()
        if re.fullmatch(r"\d{6,}", v):
            v = "10.13039/" + v
        return doi_iri(v)
    if s == "isni":
        return isni_iri(value)
    return doi_iri(value) or ror_iri(value) or (value.strip() if re.match(r"^https?://\S+$", value.strip()) else None)


# --- PaNET --------------------------------------------------------------------------------------

PANET_NS = "http://purl.org/pan-science/PaNET/"
_PANET_ID = re.compile(
    r"^(?:(?:https?://purl\.org/pan-science/PaNET/|https?://pan-ontologies\.github\.io/PaNET/|panet\s*:\s*)?)"
    r"(?:PaNET\s*:?\s*)?(PaNET\d{5,7}|\d{5,7})/?$",
    re.IGNORECASE,
)


def panet_iri(value: str) -> str | None:
    """The canonical ``http://purl.org/pan-science/PaNET/PaNETnnnnn`` IRI for any PaNET spelling
    (``PaNET:PaNET01217``, bare ``PaNET01168``, https or github-pages URLs), or None."""
    if not value:
        return None
    m = _PANET_ID.match(value.strip())
    if not m:
        return None
    ident = m.group(1)
    digits = ident[5:] if ident.lower().startswith("panet") else ident
    return PANET_NS + "PaNET" + digits


# --- Other identifiers as IRIs --------------------------------------------------------------------

_IDENTIFIERS_ORG = {
    "pdb": (re.compile(r"^(?:pdb[:\s]*)?([0-9][A-Za-z0-9]{3})$", re.IGNORECASE), "https://identifiers.org/pdb:{}", str.upper),
    "empiar": (re.compile(r"^(?:empiar[:\s-]*)?(\d{5,})$", re.IGNORECASE), "https://identifiers.org/empiar:EMPIAR-{}", str),
    "emdb": (re.compile(r"^(?:emd(?:b)?[:\s-]*)?(\d{4,5})$", re.IGNORECASE), "https://identifiers.org/emdb:EMD-{}", str),
}


def identifiers_org_iri(scheme: str, value: str) -> str | None:
    """``https://identifiers.org/<prefix>:<id>`` for PDB, EMPIAR and EMDB ids, or None."""
    entry = _IDENTIFIERS_ORG.get(scheme.lower())
    if not entry:
        return None
    pattern, template, norm = entry
    m = pattern.match((value or "").strip())
    return template.format(norm(m.group(1))) if m else None


def handle_iri(value: str) -> str | None:
    """``https://hdl.handle.net/<handle>`` for a Handle (``20.500.12269/…``, ``hdl:…``), or None."""
    v = re.sub(r"^(?:hdl\s*:\s*|(?:https?://)?hdl\.handle\.net/)", "", (value or "").strip(), flags=re.IGNORECASE)
    if re.fullmatch(r"\d+(?:\.\d+)*/\S+", v) and not v.startswith("10."):
        return "https://hdl.handle.net/" + quote(v, safe="/:._-~[]")
    return None


def url_iri(value: str) -> str | None:
    """*value* itself when it is an absolute http(s) URL without spaces, else None."""
    v = (value or "").strip()
    return v if re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", v) else None


def pid_iri(value: str, scheme: str | None = None) -> str | None:
    """Best IRI for an identifier with an optional DataCite-style scheme (DOI, Handle, URL, PDB …)."""
    s = (scheme or "").strip().lower()
    if s in ("doi",):
        return doi_iri(value)
    if s in ("orcid",):
        return orcid_iri(value)
    if s in ("ror",):
        return ror_iri(value)
    if s in ("handle", "hdl"):
        return handle_iri(value) or doi_iri(value)
    if s in ("pdb", "empiar", "emdb"):
        return identifiers_org_iri(s, value)
    if s in ("url", "purl", "uri", "w3id"):
        return url_iri(value)
    if s == "isni":
        return isni_iri(value)
    if s in ("arxiv",):
        v = re.sub(r"^arxiv:", "", (value or "").strip(), flags=re.IGNORECASE)
        return f"https://arxiv.org/abs/{v}" if v else None
    if s in ("pmid",):
        v = (value or "").strip()
        return f"https://identifiers.org/pubmed:{v}" if v.isdigit() else None
    return doi_iri(value) or url_iri(value) or handle_iri(value)


# --- Minted IRIs and graph names ---------------------------------------------------------------------

_KEY_SAFE = re.compile(r"[^A-Za-z0-9._~-]+")


def local_key(identifier: str, *, max_len: int = 120) -> str:
    """A stable, URL-safe local key for a source identifier (deterministic; never random).

    Readable when possible (``oai:host:inv/123`` → ``oai-host-inv-123``); long or non-ASCII ids get a
    short hash suffix so that two different ids never collide on the same key.
    """
    text = unicodedata.normalize("NFKC", identifier.strip())
    slug = _KEY_SAFE.sub("-", text).strip("-.").lower()
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    if not slug:
        return digest
    if slug != text.lower() or len(slug) > max_len:
        # the slug lost information (case, punctuation) or was cut: keep it unique with a hash
        return f"{slug[: max_len - 11]}-{digest}"
    return slug


def mint(base: str, kind: str, source: str, key: str) -> str:
    """``{base}/id/{kind}/{source}/{key}`` — the IRI of a thing without a PID (DESIGN.md §2)."""
    return f"{base.rstrip('/')}/id/{kind}/{source}/{quote(key, safe='._~-')}"


def record_graph(base: str, source: str, key: str) -> str:
    """``{base}/graph/record/{source}/{key}`` — the named graph of one raw record."""
    return f"{base.rstrip('/')}/graph/record/{source}/{quote(key, safe='._~-')}"


def provenance_graph(base: str) -> str:
    return f"{base.rstrip('/')}/graph/provenance"


def quality_graph(base: str) -> str:
    return f"{base.rstrip('/')}/graph/quality"


def links_graph(base: str) -> str:
    return f"{base.rstrip('/')}/graph/links"


def ontology_graph(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/graph/ontology/{name}"
