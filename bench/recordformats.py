"""Realistic generated records in every harvested format, streamed, for the scale benchmark.

:mod:`recordgen` writes DataCite kernel-4 / ``oai_datacite`` / ``oai_dc``. This module adds the JSON
formats pangraph harvests — the PaNOSC search API (``panosc-dataset``), SciCat (``scicat-dataset``),
TeSS JSON-API (``tess-event`` / ``tess-material``) and CodeMeta (``codemeta``) — built from the same
:class:`recordgen.RecordSpec` stream, so every format shares recordgen's facilities, instruments, PaNET
techniques (60 classes across the tree) and people pools (the same ORCIDs recur across records).

Optional fields appear at the rates of :data:`PRESENCE`, measured on the real samples in
``../shared/data`` (PaNOSC: the 327 datasets of ``search-api/**/db.json``; SciCat: the 50 datasets of
``search-api/scicat-seed`` and ``other/pan-finder-harvest``; TeSS and CodeMeta have only a handful of real
records there, so their rates are declared from the TeSS API spec and the CodeMeta examples and are
labelled as such). About ``defect_rate`` of the records carry one defect of :data:`DEFECTS` (the real
defects of REAL-DATA.md §9: unreadable JSON item, missing title, XFEL's invalid date, malformed ORCID,
PaNET label/ID mismatch). A defective record is flagged where its clean twin (same seed and index, no
defect) is not: its crosswalk fails, or it gets a SHACL violation or warning, or a crosswalk note of
severity Warning (which the node keeps in the quality graph) — ``tests/test_recordgen_formats.py``.
PaNOSC dataset items name no people (people hang on Documents), so "people shared between records" holds
for the other formats.

Everything is a generator: records are built one at a time from ``(seed, index)`` and written page by
page, so 600k records never sit in memory at once. ``iter_items(fmt, n)`` is a prefix of
``iter_items(fmt, n + k)``; same arguments, same bytes.

    from recordformats import write_files, read_files
    files = write_files("scicat", out_dir, n=10_000, seed=0)
    for rec in read_files("scicat", files, source="bench"):   # pangraph's own file readers
        ...
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

import recordgen as rg

__all__ = ["DEFECTS", "FORMATS", "PRESENCE", "Item", "iter_items", "iter_specs", "metadata_prefixes",
           "read_files", "write_files"]

#: the formats a benchmark can generate (command-line names)
FORMATS: tuple[str, ...] = ("datacite", "oai_dc", "panosc", "scicat", "tess", "codemeta")

#: the defects each format can carry; recordgen's defect of the underlying spec chooses among them
DEFECTS: dict[str, tuple[str, ...]] = {
    "datacite": rg.DEFECT_KINDS,
    "oai_dc": ("missing-title", "missing-creator", "invalid-date", "panet-label-mismatch"),  # oai_dc writes no ORCID
    "panosc": ("unreadable-json", "invalid-date", "panet-label-mismatch"),  # a missing title is made from the pid
    "scicat": ("missing-title", "invalid-date", "malformed-orcid", "panet-label-mismatch"),
    "tess": ("missing-title", "invalid-date", "malformed-orcid"),  # events: invalid-date only
    "codemeta": ("missing-title", "invalid-date", "malformed-orcid"),
}

#: share of records carrying each optional field (the others are always there)
PRESENCE: dict[str, dict[str, float]] = {
    # measured: 327 PaNOSC datasets (search-api/db.json and the facility branches), relations included
    "panosc": {"instrument": 0.92, "techniques": 0.39, "samples": 0.13, "files": 0.06, "documentId": 0.99,
               "size": 0.30},
    # measured: 50 SciCat datasets (scicat-seed, pan-finder-harvest)
    "scicat": {"description": 0.74, "scientificMetadata": 0.74, "principalInvestigator": 0.76,
               "ownerEmail": 0.64, "proposalId": 0.64, "creationLocation": 0.62, "dataFormat": 0.52,
               "techniques": 0.48, "sourceFolderHost": 0.42, "investigator": 0.24, "sampleId": 0.22,
               "usedSoftware": 0.22, "orcidOfOwner": 0.20, "keywords": 0.20, "license": 0.14, "endTime": 0.14,
               "instrumentId": 0.12},
    # declared (TeSS JSON-API spec tess/tess-openapi.yml and the pan-training examples; few real records)
    "tess": {"description": 0.95, "keywords": 0.80, "scientific-topics": 0.85, "authors": 0.70, "doi": 0.30,
             "licence": 0.60, "target-audience": 0.60, "venue": 0.70, "capacity": 0.40},
    # declared (CodeMeta examples in software/; ORCID share from recordgen's people pools)
    "codemeta": {"identifier": 0.60, "description": 0.90, "keywords": 0.70, "about": 0.60, "version": 0.80,
                 "dateModified": 0.70, "programmingLanguage": 0.90},
}

_TESS_BASE = "https://pan-training.eu"
_PANOSC_PROVIDERS = {  # facility → how its PaNOSC provider writes dataset pids (REAL-DATA.md §2.5, §7)
    "esrf": "number", "ill": "doi", "psi": "doi", "desy": "handle:20.500.12269", "hzb": "doi",
    "maxiv": "handle:20.500.14080", "ess": "handle:20.500.12269", "isis": "doi", "euxfel": "sha1",
}
_PARAMETERS = {  # name, unit, low, high  (units as providers write them, incl. the ESRF "NA")
    "x-ray": (("photon_energy", "eV", 5000, 30000), ("wavelength", "angstrom", 0.4, 2.5),
              ("sample_temperature", "K", 4, 600), ("detector_distance", "mm", 100, 8000),
              ("exposure_time", "s", 0.001, 10), ("beam_size_x", "microns", 0.1, 200),
              ("ring_current", "mA", 150, 500), ("transmission", "", 0, 100)),
    "neutron": (("wavelength", "angstrom", 1, 20), ("sample_temperature", "K", 1.5, 1200),
                ("magnetic_field", "T", 0, 15), ("collimation_length", "m", 1, 20),
                ("counting_time", "s", 60, 36000), ("monitor_counts", "count", 1e5, 1e8),
                ("pressure", "bar", 0, 10000), ("sample_thickness", "mm", 0.5, 5)),
}
_FORMULAS = ("Cu", "SiO2", "Fe3O4", "LiFePO4", "C6H12O6", "H2O", "D2O", "NaCl", "BaTiO3", "YBa2Cu3O7")
_LANGUAGES = ("Python", "C++", "Fortran", "C", "Julia", "MATLAB", "Java")
_SOFTWARE_WORDS = ("fit", "reduce", "view", "lab", "tools", "py", "flow", "suite", "kit", "map")
_EVENT_TYPES = ("workshops_and_courses", "meetings_and_conferences", "receptions_and_networking")
_AUDIENCES = ("PhD students", "Postdocs", "Facility users", "Beamline scientists", "Industry users")
_CITIES = {"esrf": ("Grenoble", "France", "38000"), "ill": ("Grenoble", "France", "38000"),
           "psi": ("Villigen", "Switzerland", "5232"), "desy": ("Hamburg", "Germany", "22607"),
           "hzb": ("Berlin", "Germany", "14109"), "maxiv": ("Lund", "Sweden", "22484"),
           "ess": ("Lund", "Sweden", "22484"), "isis": ("Didcot", "United Kingdom", "OX11 0QX"),
           "euxfel": ("Schenefeld", "Germany", "22869")}
_BAD_DATES = ("2018-09-02 19:44:521Z", "2021-13-45T10:00:00Z", "2019-02-30", "05/03/2021", "2020-00-00")


@dataclass(frozen=True)
class Item:
    """One generated record of format ``fmt``: its index in the stream, the spec it was built from, the
    source-side object (a JSON dict, or JSON text for an unreadable item; the RecordSpec for the XML formats)
    and the defects it carries."""

    fmt: str
    index: int
    spec: rg.RecordSpec
    obj: Any
    defects: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# the spec stream
# --------------------------------------------------------------------------------------------


def iter_specs(n: int, *, seed: int = 0, defect_rate: float = 0.01) -> Iterator[rg.RecordSpec]:
    """recordgen's records one at a time (``recordgen.generate(n)`` without holding the list)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= defect_rate <= 1.0:
        raise ValueError("defect_rate must be between 0 and 1")
    pools = rg._people_pools(seed)  # noqa: SLF001 - same generator, streamed
    plan = rg._Plan()  # noqa: SLF001
    for i in range(n):
        yield rg._build(i, seed, pools, plan, defect_rate, "4.4")  # noqa: SLF001


def _rng(fmt: str, seed: int, index: int) -> random.Random:
    return random.Random(f"recordformats:{seed}:{fmt}:{index}")


def _defect(fmt: str, spec: rg.RecordSpec, index: int, rng: random.Random) -> tuple[str, ...]:
    """The format's defect for a defective spec (the spec's own when the format has it)."""
    if not spec.defects:
        return ()
    own = spec.defects[0]
    kinds = DEFECTS[fmt]
    if fmt == "tess" and index % 2 == 0:  # events name no people, and no shape requires an event's name
        kinds = ("invalid-date",)
    return (own,) if own in kinds else (kinds[rng.randrange(len(kinds))],)


def _revise(spec: rg.RecordSpec) -> rg.RecordSpec:
    """The record as a source serves it after a change (new title, later datestamp)."""
    titles = tuple(t + " (revised)" for t in spec.titles) or ("Revised record",)
    return replace(spec, titles=titles, datestamp=spec.datestamp[:4] + "-12-31T23:59:59Z",
                   description=spec.description + " Revised metadata.")


def iter_items(fmt: str, n: int, *, seed: int = 0, defect_rate: float = 0.01,
               revised: frozenset[int] = frozenset(), omitted: frozenset[int] = frozenset(),
               only: frozenset[int] | None = None) -> Iterator[Item]:
    """The first *n* records of format *fmt*; indices in *revised* are served changed, those in *omitted*
    are left out (deleted at the source); with *only*, just those indices (what an incremental harvest,
    OAI-PMH ``from=``, delivers: the records changed since the last run)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    build = _BUILDERS[fmt]
    for i, spec in enumerate(iter_specs(n, seed=seed, defect_rate=defect_rate)):
        if i in omitted or (only is not None and i not in only):
            continue
        if i in revised:
            spec = _revise(spec)
        rng = _rng(fmt, seed, i)
        defects = _defect(fmt, spec, i, _rng(fmt + ":defect", seed, i))  # own draws: a clean twin differs only there
        if fmt == "oai_dc" and defects != spec.defects:  # recordgen's defect does not show in oai_dc: another one
            spec = rg._apply_defect(replace(spec, defects=()), defects[0], _rng(fmt + ":defect", seed, i))  # noqa: SLF001
        yield Item(fmt, i, spec, build(spec, i, rng, defects), defects)


# --------------------------------------------------------------------------------------------
# people and techniques as the JSON formats write them
# --------------------------------------------------------------------------------------------


def _full_name(p: rg.Person) -> str:
    return f"{p.given} {p.family}"


def _email(p: rg.Person, domain: str) -> str:
    local = f"{p.given}.{p.family}".lower()
    return "".join(c for c in local if c.isascii() and (c.isalnum() or c == ".")) + "@" + domain


def _orcid(p: rg.Person, defects: tuple[str, ...]) -> str | None:
    if "malformed-orcid" in defects:
        return rg._malformed_orcid(random.Random(p.name), p.orcid)  # noqa: SLF001
    return p.orcid


def _domain(fac: rg.Facility) -> str:
    return fac.key.replace("euxfel", "xfel") + ".eu"


def _techniques(spec: rg.RecordSpec, defects: tuple[str, ...]) -> list[tuple[str, str]]:
    """(PaNET id, label) of the record's techniques; a mismatch defect writes another class's label."""
    out = [(t.panet_id, t.technique.label) for t in spec.techniques]
    if "panet-label-mismatch" in defects and out:
        wrong = next(t for t in rg.TECHNIQUES.values() if t.panet_id != out[0][0]
                     and t.panet_id not in rg.SMALL_ANGLE_IDS)
        out[0] = (out[0][0], wrong.label)
    return out


def _date(spec: rg.RecordSpec, kind: str) -> str:
    """The date of *kind* (the start of a ``Collected`` range)."""
    return (dict(spec.dates).get(kind) or spec.datestamp[:10]).split("/")[0]


def _title(spec: rg.RecordSpec, defects: tuple[str, ...]) -> str | None:
    return None if "missing-title" in defects or not spec.titles else spec.titles[0]


def _put(obj: dict[str, Any], key: str, value: Any, rng: random.Random, fmt: str) -> None:
    """Set an optional field at its :data:`PRESENCE` rate (the draw is made whatever the value)."""
    if rng.random() < PRESENCE[fmt][key] and value not in (None, "", [], {}):
        obj[key] = value


# --------------------------------------------------------------------------------------------
# PaNOSC search API: GET /Datasets?filter={"include": [...]} items
# --------------------------------------------------------------------------------------------


def _panosc_pid(spec: rg.RecordSpec, index: int, rng: random.Random) -> Any:
    style = _PANOSC_PROVIDERS.get(spec.facility, "doi")
    if style == "number":
        return 162_000_000 + index * 7 + rng.randrange(7)
    if style.startswith("handle:"):
        return f"{style[7:]}/{rg._uuid(rng)}"  # noqa: SLF001
    if style == "sha1":
        return f"{rng.getrandbits(160):040x}"
    return spec.doi


def _panosc_dataset(spec: rg.RecordSpec, index: int, rng: random.Random, defects: tuple[str, ...]) -> Any:
    fac = rg.FACILITIES[spec.facility]
    pid = _panosc_pid(spec, index, rng)
    created = _date(spec, "Collected") + f"T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}.000Z"
    item: dict[str, Any] = {"pid": pid, "title": _title(spec, defects), "isPublic": rng.random() < 0.95,
                            "creationDate": _BAD_DATES[0] if "invalid-date" in defects else created}
    if item["title"] is None:
        del item["title"]
    _put(item, "size", rng.randrange(10**6, 10**12), rng, "panosc")
    _put(item, "documentId", spec.doi, rng, "panosc")
    instrument = {"pid": f"{fac.doi_prefix}/instrument-{spec.instrument.lower().replace('/', '-')}",
                  "name": spec.instrument, "facility": fac.short}
    if rng.random() < PRESENCE["panosc"]["instrument"]:
        item["instrumentId"] = instrument["pid"]
        item["instrument"] = instrument
    if rng.random() < PRESENCE["panosc"]["techniques"] or "panet-label-mismatch" in defects:
        item["techniques"] = [
            {"pid": rg.PANET_NS + pid_ if fac.key != "euxfel" else str(1 + int(pid_[-3:]) % 16),
             "name": label, "panetId": rg.PANET_NS + pid_} for pid_, label in _techniques(spec, defects)]
    params = []
    unit_key = "units" if fac.key == "esrf" else "unit"
    for k, (name, unit, lo, hi) in enumerate(rng.sample(_PARAMETERS[fac.probe], rng.randint(1, 8))):
        value: Any = round(rng.uniform(lo, hi), 4)
        params.append({"id": index * 16 + k, "name": name, "value": value,
                       unit_key: ("NA" if fac.key == "esrf" and not unit else unit), "datasetId": pid})
    if rng.random() < 0.3:
        params.append({"id": index * 16 + 15, "name": "chemical_formula", "value": rng.choice(_FORMULAS),
                       unit_key: "", "datasetId": pid})
    item["parameters"] = params
    if rng.random() < PRESENCE["panosc"]["samples"]:
        item["samples"] = [{"pid": f"{fac.key}-sample-{index}", "name": f"sample {spec.proposal}",
                            "description": (spec.keywords or ("sample",))[0]}]
    if rng.random() < PRESENCE["panosc"]["files"]:
        item["files"] = [{"id": f"{index}-{k}", "name": f"{spec.instrument.lower().replace('/', '_')}_{index:07d}_{k}.h5",
                          "path": f"/data/visitor/{spec.proposal}/{spec.instrument}", "size": rng.randrange(10**6, 10**10),
                          "datasetId": pid} for k in range(rng.randint(1, 4))]
    if "unreadable-json" in defects:  # REAL-DATA §2.5: some providers store items as (broken) JSON text
        return orjson.dumps(item).decode()[:-9]
    return item


# --------------------------------------------------------------------------------------------
# SciCat Dataset objects (MongoDB-style JSON)
# --------------------------------------------------------------------------------------------

_SCICAT_PREFIX = {"maxiv": "20.500.14080", "ess": "20.500.12269", "psi": "20.500.11935", "desy": "20.500.12269"}


def _scicat_dataset(spec: rg.RecordSpec, index: int, rng: random.Random, defects: tuple[str, ...]) -> Any:
    fac = rg.FACILITIES[spec.facility]
    people = spec.people or (rg.Person("Operator", "Beamline", None, fac.organisation),)
    owner, pi = people[0], people[-1]
    domain = _domain(fac)
    created = _date(spec, "Collected") + "T09:30:00.000Z"
    prefix = _SCICAT_PREFIX.get(fac.key, spec.doi.split("/")[0])
    obj: dict[str, Any] = {
        "_id": f"{prefix}/{rg._uuid(rng)}",  # noqa: SLF001
        "owner": _full_name(owner), "contactEmail": _email(pi, domain),
        "sourceFolder": f"/data/{fac.key}/{spec.instrument}/{spec.proposal}/raw",
        "size": rng.randrange(10**6, 10**12), "numberOfFiles": rng.randint(1, 40_000),
        "creationTime": "2021-13-45T10:00:00.000Z" if "invalid-date" in defects else created,
        "type": "raw" if rng.random() < 0.85 else "derived", "isPublished": True,
        "ownerGroup": f"p{spec.proposal}", "accessGroups": [fac.key],
        "datasetlifecycle": {"archivable": True, "retrievable": True, "publishable": True,
                             "archiveStatusMessage": "datasetOnArchiveDisk"},
        "createdAt": created, "updatedAt": spec.datestamp.replace("Z", ".000Z"),
    }
    title = _title(spec, defects)
    if title is not None:
        obj["datasetName"] = title
    _put(obj, "description", spec.description, rng, "scicat")
    _put(obj, "principalInvestigator", _email(pi, domain) if rng.random() < 0.5 else _full_name(pi), rng, "scicat")
    _put(obj, "ownerEmail", _email(owner, domain), rng, "scicat")
    _put(obj, "orcidOfOwner", _orcid(owner, defects) or "default", rng, "scicat")
    if "malformed-orcid" in defects:
        obj["orcidOfOwner"] = _orcid(owner, defects)
    _put(obj, "proposalId", spec.proposal, rng, "scicat")
    _put(obj, "creationLocation", spec.instrument, rng, "scicat")
    _put(obj, "dataFormat", (spec.formats or ("HDF5",))[0], rng, "scicat")
    if rng.random() < PRESENCE["scicat"]["techniques"] or "panet-label-mismatch" in defects:
        style = {"desy": "https://purl.org/pan-science/PaNET/", "maxiv": ""}.get(fac.key, rg.PANET_NS)
        obj["techniques"] = [{"pid": style + p, "name": label} for p, label in _techniques(spec, defects)]
    _put(obj, "sourceFolderHost", spec.landing_page or f"https://data.{domain}/{spec.proposal}", rng, "scicat")
    _put(obj, "investigator", _full_name(people[min(1, len(people) - 1)]), rng, "scicat")
    _put(obj, "sampleId", f"{fac.key}-sample-{index // 3}", rng, "scicat")
    _put(obj, "usedSoftware", [f"https://github.com/{fac.key}/reduction/{rng.randint(1, 9)}.{rng.randint(0, 20)}"],
         rng, "scicat")
    _put(obj, "keywords", list(spec.keywords) or [spec.instrument], rng, "scicat")
    _put(obj, "license", spec.licence.spdx if spec.licence else "CC-BY-4.0", rng, "scicat")
    _put(obj, "endTime", _date(spec, "Collected") + "T21:00:00.000Z", rng, "scicat")
    _put(obj, "instrumentId", f"{prefix}/instrument-{spec.instrument.lower().replace('/', '-')}", rng, "scicat")
    if rng.random() < PRESENCE["scicat"]["scientificMetadata"]:
        md: dict[str, Any] = {}
        for name, unit, lo, hi in rng.sample(_PARAMETERS[fac.probe], rng.randint(2, 8)):
            value = round(rng.uniform(lo, hi), 5)
            md[name] = {"value": value, "unit": unit} if unit else value
        if rng.random() < 0.3:  # nested, as DESY and MAX IV write it
            md["motors"] = {m: {"value": round(rng.uniform(-5, 5), 4), "unit": "mm"} for m in ("sampx", "sampy")}
        obj["scientificMetadata"] = md
    return obj


def _scicat_related(page: list[Item]) -> dict[str, list[dict[str, Any]]]:
    """The Instrument, Proposal and Sample objects the datasets of one page refer to (once per page)."""
    instruments: dict[str, dict[str, Any]] = {}
    proposals: dict[str, dict[str, Any]] = {}
    samples: dict[str, dict[str, Any]] = {}
    for it in page:
        obj, spec = it.obj, it.spec
        fac = rg.FACILITIES[spec.facility]
        if "instrumentId" in obj:
            instruments.setdefault(obj["instrumentId"], {"pid": obj["instrumentId"], "name": spec.instrument,
                                                         "customMetadata": {"facility": fac.short}})
        if "proposalId" in obj:
            pi = spec.people[0] if spec.people else None
            proposals.setdefault(obj["proposalId"], {
                "proposalId": obj["proposalId"], "title": f"{fac.short} proposal {spec.proposal}",
                "ownerGroup": obj["ownerGroup"], "startTime": _date(spec, "Collected") + "T08:00:00.000Z",
                **({"pi_firstname": pi.given, "pi_lastname": pi.family, "pi_email": _email(pi, _domain(fac))}
                   if pi else {})})
        if "sampleId" in obj:
            samples.setdefault(obj["sampleId"], {"sampleId": obj["sampleId"], "ownerGroup": obj["ownerGroup"],
                                                 "description": f"{(spec.keywords or ('sample',))[0]} sample"})
    return {"Instruments": list(instruments.values()), "Proposals": list(proposals.values()),
            "Samples": list(samples.values())}


# --------------------------------------------------------------------------------------------
# TeSS JSON-API resource objects (dasherized attributes)
# --------------------------------------------------------------------------------------------


def _tess_person(p: rg.Person, defects: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": _full_name(p), "given-name": p.given, "family-name": p.family}
    orcid = _orcid(p, defects)
    if orcid:
        out["orcid"] = orcid if "malformed-orcid" in defects else f"https://orcid.org/{orcid}"
    return out


def _tess_item(spec: rg.RecordSpec, index: int, rng: random.Random, defects: tuple[str, ...]) -> Any:
    fac = rg.FACILITIES[spec.facility]
    kind = "events" if index % 2 == 0 else "materials"
    techniques = _techniques(spec, defects)
    topic = techniques[0][1] if techniques else "photon and neutron technique"
    title = None if "missing-title" in defects else (
        f"{topic.capitalize()} {'school' if kind == 'events' else 'tutorial'} at {fac.short} #{index}")
    slug = f"{kind[:-1]}-{spec.facility}-{index}"
    attrs: dict[str, Any] = {"slug": slug, "title": title, "url": f"https://training.{_domain(fac)}/{slug}",
                             "created-at": spec.datestamp.replace("Z", ".000Z"),
                             "updated-at": spec.datestamp.replace("Z", ".000Z")}
    _put(attrs, "description", f"{spec.description} Training on {topic} for {fac.short} users.", rng, "tess")
    _put(attrs, "keywords", list(spec.keywords) or [topic], rng, "tess")
    if rng.random() < PRESENCE["tess"]["scientific-topics"] or "panet-label-mismatch" in defects:
        attrs["scientific-topics"] = [{"preferred-label": label, "uri": rg.PANET_NS + p} for p, label in techniques]
    _put(attrs, "target-audience", rng.sample(_AUDIENCES, rng.randint(1, 2)), rng, "tess")
    if kind == "events":
        start = _date(spec, "Collected")
        bad = "invalid-date" in defects
        attrs.update({"start": "2026-13-45T09:00:00.000Z" if bad else start + "T09:00:00.000Z",
                      "end": start + "T17:00:00.000Z", "organizer": fac.short,
                      "event-types": [rng.choice(_EVENT_TYPES)], "host-institutions": [fac.organisation.name],
                      "online": rng.random() < 0.25})
        city, country, postcode = _CITIES[fac.key]
        if rng.random() < PRESENCE["tess"]["venue"]:
            attrs.update({"venue": f"{fac.short} auditorium", "city": city, "country": country, "postcode": postcode})
        _put(attrs, "capacity", rng.choice((20, 30, 40, 60, 100)), rng, "tess")
    else:
        people = spec.people[:3]
        if rng.random() < PRESENCE["tess"]["authors"] or "malformed-orcid" in defects:
            attrs["authors"] = [_tess_person(p, defects) for p in people]
        _put(attrs, "doi", f"10.5281/zenodo.{8_000_000 + index}", rng, "tess")
        _put(attrs, "licence", spec.licence.spdx if spec.licence else "CC-BY-4.0", rng, "tess")
        attrs.update({"resource-type": [rng.choice(("Tutorial", "Video", "Slides", "Notebook"))],
                      "difficulty-level": rng.choice(("Beginner", "Intermediate", "Advanced")),
                      "date-created": "2024-02-31" if "invalid-date" in defects else _date(spec, "Issued"),
                      "status": "Active"})
    if attrs["title"] is None:
        del attrs["title"]
    return {"id": str(100_000 + index), "type": kind, "attributes": attrs,
            "relationships": {"content-provider": {"data": {"id": str(1 + list(rg.FACILITIES).index(spec.facility)),
                                                            "type": "content_providers"}}},
            "links": {"self": f"/{kind}/{slug}"}}


# --------------------------------------------------------------------------------------------
# CodeMeta software descriptions
# --------------------------------------------------------------------------------------------


def _codemeta(spec: rg.RecordSpec, index: int, rng: random.Random, defects: tuple[str, ...]) -> Any:
    fac = rg.FACILITIES[spec.facility]
    techniques = _techniques(spec, defects)
    acronym = next((t.technique.acronym for t in spec.techniques if t.technique.acronym), None) or fac.short
    name = f"{acronym.lower()}{rng.choice(_SOFTWARE_WORDS)}-{index}"
    obj: dict[str, Any] = {"@type": "SoftwareSourceCode", "name": name,
                           "codeRepository": f"https://github.com/{fac.key}-software/{name}",
                           "license": spec.licence.uri if spec.licence else "https://spdx.org/licenses/MIT",
                           "dateCreated": "2021-02-30" if "invalid-date" in defects else _date(spec, "Issued"),
                           "author": [{"@type": "Person", "givenName": p.given, "familyName": p.family,
                                       **({"@id": "https://orcid.org/" + o} if (o := _orcid(p, defects)) else {}),
                                       **({"affiliation": {"@type": "Organization", "name": p.affiliation.name}}
                                          if p.affiliation else {})} for p in spec.people[:3]]}
    if "missing-title" in defects:
        del obj["name"]
    _put(obj, "identifier", f"https://doi.org/10.5281/zenodo.{9_000_000 + index}", rng, "codemeta")
    _put(obj, "description", f"{acronym} data reduction and analysis for {spec.instrument} at {fac.short}: "
                             + spec.description, rng, "codemeta")
    _put(obj, "keywords", list(spec.keywords) + [acronym], rng, "codemeta")
    _put(obj, "about", [{"@type": "DefinedTerm", "@id": rg.PANET_NS + p, "name": label} for p, label in techniques],
         rng, "codemeta")
    _put(obj, "version", f"{rng.randint(0, 6)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}", rng, "codemeta")
    _put(obj, "dateModified", spec.datestamp[:10], rng, "codemeta")
    _put(obj, "programmingLanguage", rng.choice(_LANGUAGES), rng, "codemeta")
    return obj


_BUILDERS = {"datacite": lambda spec, i, rng, d: spec, "oai_dc": lambda spec, i, rng, d: spec,
             "panosc": _panosc_dataset, "scicat": _scicat_dataset, "tess": _tess_item, "codemeta": _codemeta}


def metadata_prefixes(fmt: str) -> tuple[str, ...]:
    """The crosswalk formats (``RawRecord.metadata_prefix``) records of *fmt* carry."""
    return {"datacite": ("oai_datacite",), "oai_dc": ("oai_dc",), "panosc": ("panosc-dataset",),
            "scicat": ("scicat-dataset", "scicat-instrument", "scicat-proposal", "scicat-sample"), "tess": ("tess-event", "tess-material"), "codemeta": ("codemeta",)}[fmt]


# --------------------------------------------------------------------------------------------
# files: one page at a time
# --------------------------------------------------------------------------------------------


def _pages(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    page: list[Item] = []
    for it in items:
        page.append(it)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def _page_bytes(fmt: str, page: list[Item], number: int, total_pages: int | None) -> bytes:
    if fmt in ("datacite", "oai_dc"):
        prefix = "oai_datacite" if fmt == "datacite" else "oai_dc"
        token = None if number == total_pages else rg.datacite_resumption_token(
            prefix=prefix, set_spec=None, cursor=number * len(page))
        return rg.oai_pmh_page([it.spec for it in page], prefix=prefix, token=token, response_date="2026-01-01T00:00:00Z",
                               request_url="https://oai.datacite.org/oai")
    objs = [it.obj for it in page]
    if fmt == "panosc":  # a LoopBack list response; a broken item stays JSON text, as some providers store it
        return orjson.dumps(objs)
    if fmt == "scicat":  # a collection dump: the datasets and the instruments, proposals, samples they name
        return orjson.dumps({"Datasets": objs, **_scicat_related(page)})
    if fmt == "tess":
        nxt = f"{_TESS_BASE}/events?page_number={number + 1}&page_size={len(page)}"
        return orjson.dumps({"data": objs, "meta": {"results-count": len(objs)},
                             "links": {"self": f"{_TESS_BASE}/events?page_number={number}", "next": nxt},
                             "jsonapi": {"version": "1.0"}})
    if fmt == "codemeta":
        return orjson.dumps({"@context": "https://doi.org/10.5063/schema/codemeta-2.0", "@graph": objs})
    raise ValueError(fmt)


_SUFFIX = {"datacite": "xml", "oai_dc": "xml"}


def write_files(fmt: str, out: Path, n: int, *, seed: int = 0, defect_rate: float = 0.01, page_size: int = 100,
                revised: frozenset[int] = frozenset(), omitted: frozenset[int] = frozenset(),
                only: frozenset[int] | None = None) -> list[Path]:
    """Write the first *n* records of *fmt* to *out* as pages of *page_size* records (OAI-PMH ListRecords
    responses, PaNOSC API list responses, SciCat collection files, TeSS JSON-API pages, CodeMeta ``@graph``
    files), one page in memory at a time. Returns the files in order."""
    out.mkdir(parents=True, exist_ok=True)
    kept = (len([i for i in only if 0 <= i < n and i not in omitted]) if only is not None
            else n - len([i for i in omitted if 0 <= i < n]))
    total_pages = max(1, -(-kept // page_size))
    paths = []
    for number, page in enumerate(_pages(iter_items(fmt, n, seed=seed, defect_rate=defect_rate, revised=revised,
                                                    omitted=omitted, only=only), page_size), start=1):
        path = out / f"page-{number:06d}.{_SUFFIX.get(fmt, 'json')}"
        path.write_bytes(_page_bytes(fmt, page, number, total_pages))
        paths.append(path)
    return paths


def read_files(fmt: str, paths: Iterable[Path], *, source: str) -> Iterator[Any]:
    """The raw records (and source problems) of generated files, read by pangraph's own readers — the
    code a file or harvest source of that format runs."""
    paths = list(paths)
    if fmt in ("datacite", "oai_dc"):
        from pangraph.sources.files import oai_pages

        yield from oai_pages(paths, source=source, metadata_prefix="oai_datacite" if fmt == "datacite" else "oai_dc")
    elif fmt == "panosc":
        from pangraph.sources.panosc import ENTITIES, _item_record

        entity = ENTITIES["Datasets"]
        for path in paths:
            for item in orjson.loads(path.read_bytes()):
                yield _item_record(entity, item, source=source)
    elif fmt == "scicat":
        from pangraph.sources.scicat import read_scicat_files

        yield from read_scicat_files(paths, source=source)
    elif fmt == "tess":
        from pangraph.sources.tess import read_json_api_files

        yield from read_json_api_files(paths, source=source)
    elif fmt == "codemeta":
        from pangraph.sources.software import read_codemeta_files

        yield from read_codemeta_files(paths, source=source)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
