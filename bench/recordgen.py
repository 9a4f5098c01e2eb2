"""Deterministic generator of realistic Photon and Neutron (PaN) catalogue records.

The records imitate what PaN facilities register at DataCite and serve over OAI-PMH
(see ``../shared/data/REAL-DATA.md`` §1, §4, §7): each facility's real DOI prefix and
pattern, its real ROR id where one is known, real beamline/instrument names, real PaNET
1.3.0 technique IDs with their exact labels, people with ORCIDs that carry a valid
ISO 7064 11,2 check digit (shared between records of the same facility), proposals,
Collected/Issued/Available dates, licences, related publications and PDB entries, funding
references with Crossref Funder IDs — and a configurable share of defective records
(``RecordSpec.defects`` says which defect).

Library use::

    from recordgen import generate, to_datacite_xml, oai_pmh_pages
    specs = generate(1000, seed=0, defect_rate=0.01)
    xml = to_datacite_xml(specs[0], version="4.7")

Command line::

    python bench/recordgen.py --n 10000 --format datacite --out /tmp/records
    python bench/recordgen.py --n 10000 --format oai_datacite --page-size 100 --out /tmp/pages
    python bench/recordgen.py demo            # rewrites src/pangraph/demo/records/

Everything here is synthetic: DOIs, ORCIDs and proposal numbers follow the real patterns
but are drawn at random, so some may coincidentally exist. Output depends only on the
arguments (no clock, no network, no hash randomisation).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

__all__ = [
    "DATACITE_VERSIONS",
    "DEFECT_KINDS",
    "FACILITIES",
    "TECHNIQUES",
    "Facility",
    "Funding",
    "Instrument",
    "Licence",
    "Organisation",
    "Person",
    "RecordSpec",
    "RelatedIdentifier",
    "Technique",
    "TechniqueUse",
    "datacite_resumption_token",
    "demo_files",
    "demo_specs",
    "generate",
    "icat_resumption_token",
    "oai_pmh_page",
    "oai_pmh_pages",
    "orcid_check_digit",
    "orcid_is_valid",
    "to_datacite_xml",
    "to_oai_datacite",
    "to_oai_dc",
    "write_demo",
]

# --------------------------------------------------------------------------------------------
# Namespaces and schema locations
# --------------------------------------------------------------------------------------------

DATACITE_NS = "http://datacite.org/schema/kernel-4"
OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
OAI_DATACITE_XSD = "http://schema.datacite.org/oai/oai-1.1/oai.xsd"
OAI_PMH_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_PMH_XSD = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_XSD = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PANET_NS = "http://purl.org/pan-science/PaNET/"

#: DataCite kernel-4 minor versions the serialiser can write.
DATACITE_VERSIONS: tuple[str, ...] = ("4.3", "4.4", "4.5", "4.6", "4.7")

#: The defects a record can carry (``RecordSpec.defects``).
DEFECT_KINDS: tuple[str, ...] = (
    "missing-title",
    "missing-creator",
    "invalid-date",
    "panet-label-mismatch",
    "malformed-orcid",
)


def datacite_schema_location(version: str) -> str:
    """The ``xsi:schemaLocation`` value DataCite documents for a kernel-4 minor version."""
    if version not in DATACITE_VERSIONS:
        raise ValueError(f"unsupported DataCite kernel version {version!r}; use one of {DATACITE_VERSIONS}")
    scheme = "http" if version in ("4.3", "4.4") else "https"
    return f"{DATACITE_NS} {scheme}://schema.datacite.org/meta/kernel-{version}/metadata.xsd"


def _version_tuple(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


# --------------------------------------------------------------------------------------------
# Vocabulary: PaNET 1.3.0 techniques (IDs, exact rdfs:label, an skos:altLabel used as acronym)
# tests/test_recordgen.py checks every row against ../shared/data/panet/PaNET.owl.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Technique:
    """A PaNET class: ``panet_id`` like ``PaNET01188``, its exact label, an altLabel acronym."""

    panet_id: str
    label: str
    acronym: str | None
    family: str  # key into the sample/topic tables below

    @property
    def iri(self) -> str:
        """The canonical PaNET IRI."""
        return PANET_NS + self.panet_id


_TECHNIQUE_ROWS: tuple[tuple[str, str, str | None, str], ...] = (
    ("PaNET01188", "small angle x-ray scattering", "SAXS", "saxs"),
    ("PaNET01189", "small angle neutron scattering", "SANS", "sans"),
    ("PaNET01162", "grazing incidence small angle x-ray scattering", "GISAXS", "thinfilm"),
    ("PaNET01276", "grazing incidence small angle neutron scattering", "GISANS", "thinfilm"),
    ("PaNET01241", "ultra small angle x-ray scattering", "USAXS", "saxs"),
    ("PaNET01277", "time of flight small angle neutron scattering", None, "sans"),
    ("PaNET01274", "anomalous small angle x-ray scattering", "ASAXS", "saxs"),
    ("PaNET01286", "micro small angle x-ray scattering tomography", "micro SAXS tomography", "imaging"),
    ("PaNET01191", "wide angle x-ray scattering", "WAXS", "saxs"),
    ("PaNET01316", "grazing incidence wide angle x-ray scattering", "GIWAXS", "thinfilm"),
    ("PaNET01196", "x-ray absorption spectroscopy", "XAS", "catalysis"),
    ("PaNET01198", "extended x-ray absorption fine structure", "EXAFS", "catalysis"),
    ("PaNET01199", "x-ray absorption near edge structure", "XANES", "catalysis"),
    ("PaNET01321", "energy dispersive extended x-ray absorption fine structure", "ED-EXAFS", "catalysis"),
    ("PaNET01322", "microfocus x-ray absorption spectroscopy", None, "heritage"),
    ("PaNET01200", "x-ray emission spectroscopy", "XES", "catalysis"),
    ("PaNET01183", "resonant inelastic x-ray scattering", "RIXS", "quantum"),
    ("PaNET01182", "inelastic x-ray scattering", "IXS", "quantum"),
    ("PaNET01137", "x-ray magnetic circular dichroism", "XMCD", "magnetic"),
    ("PaNET01101", "x-ray powder diffraction", "XPD", "materials"),
    ("PaNET01100", "neutron powder diffraction", "NPD", "materials"),
    ("PaNET01234", "high resolution neutron powder diffraction", None, "materials"),
    ("PaNET01181", "pair distribution function", "PDF", "materials"),
    ("PaNET01216", "x-ray diffraction", "XRD", "highpressure"),
    ("PaNET01102", "x-ray single crystal diffraction", "SXRD", "quantum"),
    ("PaNET01236", "neutron single crystal diffraction", None, "quantum"),
    ("PaNET01253", "magnetic diffraction", None, "magnetic"),
    ("PaNET01217", "neutron diffraction", None, "magnetic"),
    ("PaNET01164", "macromolecular crystallography", "MX", "mx"),
    ("PaNET01168", "serial femtosecond crystallography", "SFX", "mx"),
    ("PaNET01169", "serial synchrotron crystallography", "SSX", "mx"),
    ("PaNET01206", "microtomography", None, "imaging"),
    ("PaNET01154", "nanotomography", None, "imaging"),
    ("PaNET01152", "propagation phase contrast tomography", None, "imaging"),
    ("PaNET01333", "x-ray propagation phase contrast microtomography", "PPC-SrμCT", "imaging"),
    ("PaNET01209", "absorption microtomography", None, "imaging"),
    ("PaNET01211", "ultrafast microtomography", None, "imaging"),
    ("PaNET01207", "x-ray tomography", "CT scan", "imaging"),
    ("PaNET01212", "ptychography", None, "imaging"),
    ("PaNET01174", "coherent diffraction imaging", "CDI", "imaging"),
    ("PaNET01249", "cold neutron imaging", None, "imaging"),
    ("PaNET01177", "x-ray fluorescence", "XRF", "heritage"),
    ("PaNET01254", "microfocus x-ray fluorescence", None, "heritage"),
    ("PaNET01288", "scanning x-ray fluorescence", None, "heritage"),
    ("PaNET01204", "x-ray photoelectron spectroscopy", "XPS", "surface"),
    ("PaNET01218", "ambient pressure x-ray photoelectron spectroscopy", None, "catalysis"),
    ("PaNET01103", "hard x-ray photoelectron spectroscopy", "HAXPES", "surface"),
    ("PaNET01089", "angle resolved photoemission spectroscopy", "ARPES", "surface"),
    ("PaNET01146", "photoemission electron microscopy", "PEEM", "magnetic"),
    ("PaNET01149", "x-ray reflectivity", "XRR", "thinfilm"),
    ("PaNET01239", "neutron reflectometry", None, "interface"),
    ("PaNET01243", "polarized neutron reflectometry", None, "magnetic"),
    ("PaNET01245", "inelastic neutron spectroscopy", None, "dynamics"),
    ("PaNET01246", "cold neutron spectroscopy", None, "dynamics"),
    ("PaNET01247", "thermal neutron spectroscopy", None, "dynamics"),
    ("PaNET01120", "quasielastic neutron spin echo scattering", None, "dynamics"),
    ("PaNET01298", "elastic neutron scattering spectroscopy", "RENS", "dynamics"),
    ("PaNET01205", "x-ray photon correlation spectroscopy", "XPCS", "dynamics"),
    ("PaNET01051", "muon spin resonance", "MuSR", "quantum"),
    ("PaNET01001", "neutron time of flight technique", None, "materials"),
)

#: PaNET techniques used by the generator, by PaNET id.
TECHNIQUES: dict[str, Technique] = {row[0]: Technique(*row) for row in _TECHNIQUE_ROWS}

#: The small-angle scattering family (all below PaNET01124 "small angle scattering").
SMALL_ANGLE_IDS: frozenset[str] = frozenset(
    {"PaNET01188", "PaNET01189", "PaNET01162", "PaNET01276", "PaNET01241", "PaNET01277", "PaNET01274", "PaNET01286"}
)

# --------------------------------------------------------------------------------------------
# Facilities, instruments, organisations, funders
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    """An organisation: its name and, only where verified, its ROR id (``02550n020``)."""

    name: str
    ror: str | None = None


@dataclass(frozen=True)
class Instrument:
    """A beamline or instrument and the PaNET techniques measured there (first = most common)."""

    name: str
    techniques: tuple[str, ...]


@dataclass(frozen=True)
class Facility:
    """A PaN facility and the shape of the catalogue records it registers."""

    key: str  # short lower-case key: esrf, ill, psi, ...
    short: str  # display name: ESRF, ILL, ...
    organisation: Organisation
    publisher: str
    doi_prefix: str
    datacentre: str  # DataCite client symbol (PROVIDER.CLIENT); only INIST.ESRF is attested
    instruments: tuple[Instrument, ...]
    embargo_years: int
    formats: tuple[str, ...]
    oai_host: str | None = None  # ICAT OAI-PMH host: headers ``oai:<host>:inv/<id>``; None = DataCite OAI
    weight: float = 1.0
    probe: str = "x-ray"


def _ins(name: str, *techniques: str) -> Instrument:
    return Instrument(name, techniques)


ESRF = Organisation("European Synchrotron Radiation Facility", "02550n020")
HZB = Organisation("Helmholtz-Zentrum Berlin für Materialien und Energie", "02aj13c28")
DESY = Organisation("Deutsches Elektronen-Synchrotron DESY", "01js2sh04")
HZDR = Organisation("Helmholtz-Zentrum Dresden-Rossendorf", "01zy2cs03")
DIAMOND = Organisation("Diamond Light Source", "05etxs293")

FACILITIES: dict[str, Facility] = {
    f.key: f
    for f in (
        Facility(
            "esrf", "ESRF", ESRF, "European Synchrotron Radiation Facility", "10.15151", "INIST.ESRF",
            (
                _ins("ID02", "PaNET01188", "PaNET01241", "PaNET01191"),
                _ins("BM29", "PaNET01188"),
                _ins("ID13", "PaNET01188", "PaNET01286", "PaNET01191"),
                _ins("ID10", "PaNET01205", "PaNET01149", "PaNET01162"),
                _ins("ID26", "PaNET01200", "PaNET01199", "PaNET01196"),
                _ins("BM23", "PaNET01198", "PaNET01196"),
                _ins("ID24", "PaNET01321", "PaNET01198"),
                _ins("ID21", "PaNET01254", "PaNET01322", "PaNET01199"),
                _ins("ID16B", "PaNET01154", "PaNET01177"),
                _ins("ID19", "PaNET01206", "PaNET01152"),
                _ins("BM05", "PaNET01333", "PaNET01206"),
                _ins("ID30A-3", "PaNET01164"),
                _ins("ID23-1", "PaNET01164"),
                _ins("MASSIF-1", "PaNET01164"),
                _ins("ID29", "PaNET01169", "PaNET01164"),
                _ins("ID31", "PaNET01101", "PaNET01181"),
                _ins("ID22", "PaNET01101"),
                _ins("ID15A", "PaNET01181", "PaNET01101"),
                _ins("ID32", "PaNET01183", "PaNET01137"),
                _ins("ID12", "PaNET01137"),
                _ins("ID28", "PaNET01182"),
                _ins("ID01", "PaNET01174", "PaNET01216"),
                _ins("ID27", "PaNET01216"),
            ),
            3, ("HDF5", "application/x-hdf5", "EDF"), None, 0.22,
        ),
        Facility(
            "ill", "ILL", Organisation("Institut Laue-Langevin"), "Institut Laue-Langevin", "10.5291", "INIST.ILL",
            (
                _ins("D11", "PaNET01189"),
                _ins("D22", "PaNET01189", "PaNET01276"),
                _ins("D33", "PaNET01189", "PaNET01277"),
                _ins("D17", "PaNET01239", "PaNET01243"),
                _ins("FIGARO", "PaNET01239"),
                _ins("SuperADAM", "PaNET01243", "PaNET01239"),
                _ins("D2B", "PaNET01234", "PaNET01100"),
                _ins("D20", "PaNET01100"),
                _ins("D1B", "PaNET01100", "PaNET01253"),
                _ins("D19", "PaNET01236"),
                _ins("D7", "PaNET01253", "PaNET01217"),
                _ins("IN5", "PaNET01246", "PaNET01245"),
                _ins("IN4", "PaNET01247", "PaNET01245"),
                _ins("IN6-SHARP", "PaNET01246"),
                _ins("IN16B", "PaNET01298", "PaNET01245"),
                _ins("IN15", "PaNET01120"),
                _ins("ThALES", "PaNET01245"),
                _ins("IN22", "PaNET01245", "PaNET01253"),
                _ins("D50", "PaNET01249"),
            ),
            3, ("NeXus", "application/x-hdf5"), "data.ill.eu", 0.14, "neutron",
        ),
        Facility(
            "psi", "PSI", Organisation("Paul Scherrer Institut"), "Paul Scherrer Institut", "10.16907", "ETHZ.PSI",
            (
                _ins("cSAXS", "PaNET01188", "PaNET01212", "PaNET01286"),
                _ins("TOMCAT", "PaNET01206", "PaNET01211", "PaNET01209"),
                _ins("SuperXAS", "PaNET01196", "PaNET01198"),
                _ins("X06SA", "PaNET01164"),
                _ins("X06DA", "PaNET01164"),
                _ins("microXAS", "PaNET01322", "PaNET01254"),
                _ins("SIS", "PaNET01089"),
                _ins("ADRESS", "PaNET01183", "PaNET01089"),
                _ins("SANS-I", "PaNET01189"),
                _ins("AMOR", "PaNET01239"),
                _ins("HRPT", "PaNET01100"),
                _ins("DMC", "PaNET01253", "PaNET01100"),
                _ins("CAMEA", "PaNET01245"),
                _ins("ICON", "PaNET01249"),
                _ins("Alvra", "PaNET01200"),
                _ins("Cristallina", "PaNET01168"),
                _ins("GPS", "PaNET01051"),
            ),
            0, ("HDF5", "TIFF", "CBF"), None, 0.10,
        ),
        Facility(
            "desy", "DESY", DESY, "Deutsches Elektronen-Synchrotron DESY", "10.60883", "TIB.DESY",
            (
                _ins("P03", "PaNET01162", "PaNET01316", "PaNET01188"),
                _ins("P12", "PaNET01188"),
                _ins("P62", "PaNET01274", "PaNET01188"),
                _ins("P11", "PaNET01164", "PaNET01169"),
                _ins("P65", "PaNET01196", "PaNET01198"),
                _ins("P64", "PaNET01199", "PaNET01196"),
                _ins("P02.1", "PaNET01101"),
                _ins("P21.1", "PaNET01181", "PaNET01101"),
                _ins("P07", "PaNET01216"),
                _ins("P05", "PaNET01206", "PaNET01154"),
                _ins("P06", "PaNET01288", "PaNET01212"),
                _ins("P22", "PaNET01103"),
                _ins("P08", "PaNET01149"),
                _ins("P10", "PaNET01205", "PaNET01174"),
            ),
            0, ("HDF5", "CBF", "TIFF"), None, 0.12,
        ),
        Facility(
            "hzb", "HZB", HZB, "Helmholtz-Zentrum Berlin für Materialien und Energie", "10.5442", "TIB.HZB",
            (
                _ins("E2", "PaNET01236", "PaNET01253"),
                _ins("E9", "PaNET01100", "PaNET01234"),
                _ins("V4", "PaNET01189"),
                _ins("V6", "PaNET01239"),
                _ins("V3", "PaNET01246"),
                _ins("V7", "PaNET01249"),
            ),
            3, ("NeXus", "ASCII"), "icat.helmholtz-berlin.de", 0.06, "neutron",
        ),
        Facility(
            "maxiv", "MAX IV", Organisation("MAX IV Laboratory"), "MAX IV Laboratory", "10.48391", "SND.MAXIV",
            (
                _ins("BioMAX", "PaNET01164"),
                _ins("MicroMAX", "PaNET01169"),
                _ins("CoSAXS", "PaNET01188", "PaNET01205"),
                _ins("ForMAX", "PaNET01188", "PaNET01191", "PaNET01206"),
                _ins("NanoMAX", "PaNET01212", "PaNET01177", "PaNET01174"),
                _ins("DanMAX", "PaNET01101", "PaNET01181"),
                _ins("Balder", "PaNET01196", "PaNET01200"),
                _ins("HIPPIE", "PaNET01218"),
                _ins("Bloch", "PaNET01089"),
                _ins("FlexPES", "PaNET01204"),
                _ins("MAXPEEM", "PaNET01146"),
            ),
            0, ("HDF5 / NeXus",), None, 0.08,
        ),
        Facility(
            "ess", "ESS", Organisation("European Spallation Source ERIC"), "European Spallation Source ERIC", "10.17199",
            "DK.ESS",
            (
                _ins("LoKI", "PaNET01189", "PaNET01277"),
                _ins("ODIN", "PaNET01249"),
                _ins("DREAM", "PaNET01100"),
                _ins("ESTIA", "PaNET01239", "PaNET01243"),
                _ins("BIFROST", "PaNET01245"),
                _ins("CSPEC", "PaNET01246"),
                _ins("V20", "PaNET01001", "PaNET01249"),
            ),
            0, ("NeXus HDF5",), None, 0.04, "neutron",
        ),
        Facility(
            "isis", "ISIS", Organisation("STFC ISIS Neutron and Muon Source"), "STFC ISIS Neutron and Muon Source",
            "10.5286", "BL.STFC",
            (
                _ins("SANS2D", "PaNET01189", "PaNET01277"),
                _ins("LOQ", "PaNET01189"),
                _ins("ZOOM", "PaNET01189"),
                _ins("LARMOR", "PaNET01189", "PaNET01277"),
                _ins("INTER", "PaNET01239"),
                _ins("POLREF", "PaNET01243", "PaNET01239"),
                _ins("OFFSPEC", "PaNET01239"),
                _ins("MARI", "PaNET01245"),
                _ins("MERLIN", "PaNET01245"),
                _ins("LET", "PaNET01246", "PaNET01245"),
                _ins("TOSCA", "PaNET01245"),
                _ins("IRIS", "PaNET01298"),
                _ins("GEM", "PaNET01100"),
                _ins("HRPD", "PaNET01234", "PaNET01100"),
                _ins("POLARIS", "PaNET01100"),
                _ins("WISH", "PaNET01253", "PaNET01100"),
                _ins("IMAT", "PaNET01249"),
                _ins("EMU", "PaNET01051"),
                _ins("MuSR", "PaNET01051"),
            ),
            3, ("NeXus", "RAW"), "data.isis.stfc.ac.uk", 0.16, "neutron",
        ),
        Facility(
            "euxfel", "EuXFEL", Organisation("European XFEL"), "European XFEL", "10.22003", "TIB.XFEL",
            (
                _ins("SPB/SFX", "PaNET01168", "PaNET01174"),
                _ins("FXE", "PaNET01200", "PaNET01196"),
                _ins("MID", "PaNET01205", "PaNET01188"),
                _ins("HED", "PaNET01216"),
                _ins("SCS", "PaNET01183"),
            ),
            3, ("HDF5",), None, 0.08,
        ),
    )
}

#: Home institutions of users. RORs only where attested in ../shared/data; the rest carry none.
USER_ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation("Brown University", "05gq02987"),
    Organisation("Université catholique de Louvain", "02495e989"),
    Organisation("University of Pittsburgh", "01an3r305"),
    Organisation("University of Oxford", "052gg0110"),
    HZDR,
    DIAMOND,
    Organisation("École Polytechnique Fédérale de Lausanne"),
    Organisation("Université Grenoble Alpes"),
    Organisation("Lund University"),
    Organisation("Technische Universität München"),
    Organisation("University of Copenhagen"),
    Organisation("Uppsala University"),
    Organisation("ETH Zürich"),
    Organisation("University of Cambridge"),
    Organisation("Sorbonne Université"),
    Organisation("Universität Hamburg"),
    Organisation("Karolinska Institutet"),
    Organisation("Politecnico di Milano"),
    Organisation("Universidad Autónoma de Madrid"),
    Organisation("Charles University"),
    Organisation("University of Manchester"),
    Organisation("Aarhus University"),
    Organisation("Jagiellonian University"),
    Organisation("Universität Wien"),
    Organisation("KU Leuven"),
    Organisation("Technical University of Denmark"),
    Organisation("Chalmers University of Technology"),
    Organisation("Université Paris-Saclay"),
    Organisation("University of Bristol"),
    Organisation("Forschungszentrum Jülich"),
)


@dataclass(frozen=True)
class _Funder:
    name: str
    crossref_id: str  # 10.13039/...
    award_pattern: str  # see _award_number


FUNDERS: tuple[_Funder, ...] = (
    _Funder("European Commission", "10.13039/501100000780", "h2020"),
    _Funder("European Research Council", "10.13039/501100000781", "erc"),
    _Funder("Deutsche Forschungsgemeinschaft", "10.13039/501100001659", "dfg"),
    _Funder("Bundesministerium für Bildung und Forschung", "10.13039/501100002347", "bmbf"),
    _Funder("Schweizerischer Nationalfonds zur Förderung der Wissenschaftlichen Forschung", "10.13039/501100001711", "snsf"),
    _Funder("Agence Nationale de la Recherche", "10.13039/501100001665", "anr"),
    _Funder("Vetenskapsrådet", "10.13039/501100004359", "vr"),
    _Funder("Engineering and Physical Sciences Research Council", "10.13039/501100000266", "epsrc"),
)

#: Real EC grants of PaN data projects (PaNOSC, ExPaNDS) quoted by facility datasets.
EC_PROJECT_GRANTS: tuple[tuple[str, str], ...] = (
    ("823852", "Photon and Neutron Open Science Cloud"),
    ("857641", "European Open Science Cloud Photon and Neutron Data Services"),
)


@dataclass(frozen=True)
class Licence:
    """A licence as DataCite writes it (SPDX id and rightsURI)."""

    spdx: str
    uri: str
    name: str


CC_BY = Licence("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0 International")
CC0 = Licence("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/", "Creative Commons Zero v1.0 Universal")

# --------------------------------------------------------------------------------------------
# Science content: what was measured, by technique family
# --------------------------------------------------------------------------------------------

_SAMPLES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "saxs": (
        ("lipid nanodiscs", ("membrane proteins", "nanodiscs", "structural biology")),
        ("Pluronic F127 micellar solutions", ("micelles", "block copolymers", "soft matter")),
        ("casein micelles in skim milk", ("food science", "casein", "colloids")),
        ("lysozyme in crowded solutions", ("protein interactions", "crowding", "biophysics")),
        ("cellulose nanocrystal suspensions", ("cellulose", "liquid crystals", "bio-based materials")),
        ("α-synuclein amyloid fibrils", ("amyloid", "neurodegeneration", "protein aggregation")),
        ("monoclonal antibody formulations", ("biopharmaceuticals", "antibodies", "self-association")),
        ("silica nanoparticle dispersions", ("nanoparticles", "colloids", "aggregation")),
        ("mesoporous carbon electrodes", ("porosity", "energy storage", "supercapacitors")),
    ),
    "sans": (
        ("deuterated lipid vesicles", ("contrast variation", "membranes", "lipids")),
        ("PNIPAM microgels", ("microgels", "thermoresponsive polymers", "soft matter")),
        ("wormlike micelles under shear", ("rheo-SANS", "surfactants", "micelles")),
        ("skyrmion lattice in MnSi", ("skyrmions", "magnetism", "chiral magnets")),
        ("protein–RNA complexes in D2O/H2O mixtures", ("contrast matching", "structural biology", "RNA")),
        ("nanocellulose hydrogels", ("hydrogels", "cellulose", "networks")),
        ("precipitates in maraging steel", ("metallurgy", "precipitation", "steels")),
        ("polymer nanocomposites", ("nanocomposites", "chain conformation", "polymers")),
    ),
    "thinfilm": (
        ("block copolymer thin films", ("self-assembly", "thin films", "block copolymers")),
        ("perovskite solar cell absorber layers", ("photovoltaics", "perovskites", "thin films")),
        ("organic semiconductor films during printing", ("organic electronics", "in situ", "printing")),
        ("gold nanoparticle monolayers", ("nanoparticles", "self-assembly", "interfaces")),
        ("sputtered metal layers on polymer substrates", ("sputter deposition", "metal-polymer interfaces", "growth")),
    ),
    "interface": (
        ("supported lipid bilayers on silicon", ("membranes", "solid-liquid interface", "lipids")),
        ("polymer brushes in solvent mixtures", ("polymer brushes", "swelling", "interfaces")),
        ("solid electrolyte interphase on copper electrodes", ("batteries", "electrochemistry", "SEI")),
        ("protein adsorption at the air–water interface", ("adsorption", "proteins", "Langmuir films")),
    ),
    "catalysis": (
        ("Cu-exchanged SSZ-13 zeolite catalysts", ("catalysis", "zeolites", "NOx reduction")),
        ("Pt nanoparticles supported on ceria", ("heterogeneous catalysis", "platinum", "ceria")),
        ("NiFe layered double hydroxide electrocatalysts", ("oxygen evolution", "electrocatalysis", "operando")),
        ("LiNi0.8Mn0.1Co0.1O2 battery cathodes", ("batteries", "cathode materials", "operando")),
        ("cobalt Fischer–Tropsch catalysts", ("Fischer–Tropsch", "cobalt", "catalyst activation")),
        ("uranium speciation in groundwater sediments", ("actinides", "environmental science", "speciation")),
    ),
    "materials": (
        ("UiO-66 metal–organic frameworks under gas loading", ("MOF", "gas adsorption", "porous materials")),
        ("CsPbBr3 perovskite nanocrystals", ("perovskites", "nanocrystals", "phase transitions")),
        ("high-entropy alloys under tensile load", ("high-entropy alloys", "in situ loading", "metallurgy")),
        ("MgH2 hydrogen storage materials", ("hydrogen storage", "hydrides", "kinetics")),
        ("garnet-type Li7La3Zr2O12 solid electrolytes", ("solid electrolytes", "ionic conductors", "batteries")),
        ("amorphous pharmaceutical formulations", ("amorphous solids", "pharmaceuticals", "local structure")),
    ),
    "highpressure": (
        ("ice VII in a diamond anvil cell", ("high pressure", "ice", "planetary science")),
        ("iron–nickel alloys at core conditions", ("Earth's core", "high pressure", "iron alloys")),
        ("shock-compressed carbon", ("dynamic compression", "diamond formation", "warm dense matter")),
        ("nanocrystalline zirconia under pressure", ("phase transitions", "zirconia", "high pressure")),
    ),
    "quantum": (
        ("La2-xSrxCuO4 single crystals", ("superconductivity", "cuprates", "charge order")),
        ("kagome metal CsV3Sb5", ("kagome lattice", "charge density wave", "quantum materials")),
        ("α-RuCl3 single crystals", ("Kitaev materials", "spin liquid", "magnetism")),
        ("Sr2RuO4 under uniaxial strain", ("unconventional superconductivity", "strain", "ruthenates")),
        ("iridate thin films", ("spin-orbit coupling", "iridates", "correlated electrons")),
    ),
    "magnetic": (
        ("spin ice Ho2Ti2O7", ("spin ice", "frustrated magnetism", "pyrochlores")),
        ("multiferroic BiFeO3 films", ("multiferroics", "thin films", "magnetoelectric coupling")),
        ("Fe/Cr magnetic multilayers", ("spintronics", "exchange coupling", "multilayers")),
        ("Heusler alloy Ni2MnGa", ("magnetic shape memory", "Heusler alloys", "martensite")),
        ("rare-earth permanent magnets Nd2Fe14B", ("permanent magnets", "rare earths", "coercivity")),
    ),
    "mx": (
        ("SARS-CoV-2 main protease with fragment hits", ("fragment screening", "drug discovery", "protease")),
        ("human carbonic anhydrase II inhibitor complexes", ("enzyme inhibition", "ligand binding", "structure-based design")),
        ("photosystem II microcrystals", ("photosynthesis", "time-resolved", "metalloproteins")),
        ("OXA-48 β-lactamase variants", ("antimicrobial resistance", "β-lactamases", "enzymology")),
        ("a GPCR in lipidic cubic phase", ("GPCR", "membrane proteins", "signalling")),
        ("nanobody–antigen complexes", ("nanobodies", "protein engineering", "complexes")),
    ),
    "imaging": (
        ("Triassic therapsid fossil specimens", ("palaeontology", "fossil", "bone histology")),
        ("additively manufactured Ti-6Al-4V lattices", ("additive manufacturing", "porosity", "titanium alloys")),
        ("lithium-ion battery cells during cycling", ("batteries", "operando", "degradation")),
        ("human cortical bone biopsies", ("bone", "osteocytes", "biomedical imaging")),
        ("concrete during freeze–thaw cycling", ("concrete", "cracking", "civil engineering")),
        ("insect inclusions in Baltic amber", ("amber", "entomology", "palaeontology")),
        ("mouse lung tissue", ("lung", "virtual histology", "biomedical imaging")),
    ),
    "heritage": (
        ("degraded chrome yellow paint layers", ("cultural heritage", "pigments", "paint degradation")),
        ("Roman glass tesserae", ("archaeometry", "glass", "colourants")),
        ("arsenic hyperaccumulating fern tissues", ("plant science", "metal uptake", "speciation")),
        ("medieval manuscript inks", ("cultural heritage", "iron gall ink", "manuscripts")),
        ("micro-plastics in marine sediments", ("environmental science", "microplastics", "sediments")),
    ),
    "surface": (
        ("topological insulator Bi2Se3 surfaces", ("topological insulators", "surface states", "band structure")),
        ("graphene on SiC", ("graphene", "2D materials", "electronic structure")),
        ("LaAlO3/SrTiO3 oxide interfaces", ("oxide interfaces", "2DEG", "electronic structure")),
        ("MoS2 monolayers on Au(111)", ("transition metal dichalcogenides", "2D materials", "band structure")),
    ),
    "dynamics": (
        ("water confined in mesoporous silica", ("confinement", "water dynamics", "diffusion")),
        ("hydrogen in palladium hydride", ("hydrogen diffusion", "metal hydrides", "phonons")),
        ("phonons in thermoelectric SnSe", ("thermoelectrics", "anharmonicity", "lattice dynamics")),
        ("protein hydration water", ("hydration", "protein dynamics", "biophysics")),
        ("ionic liquids near the glass transition", ("ionic liquids", "relaxation", "glass transition")),
        ("colloidal glasses under shear", ("colloidal glasses", "relaxation", "rheology")),
    ),
}

_CONDITIONS: dict[str, tuple[str, ...]] = {
    "saxs": ("as a function of temperature", "during stopped-flow mixing", "at different salt concentrations", "under flow"),
    "sans": ("with contrast variation", "as a function of temperature", "under shear", "in applied magnetic fields"),
    "thinfilm": ("during in situ deposition", "during solvent vapour annealing", "at different annealing temperatures"),
    "interface": ("with isotopic contrast variation", "under electrochemical control", "at different surface pressures"),
    "catalysis": ("under operando conditions", "during in situ reduction", "at reaction temperature", "during electrochemical cycling"),
    "materials": ("under in situ heating up to 800 °C", "during gas loading", "as a function of composition", "under load"),
    "highpressure": ("at pressures up to 150 GPa", "under laser heating", "under dynamic compression"),
    "quantum": ("between 2 K and 300 K", "under applied magnetic field", "across the superconducting transition"),
    "magnetic": ("in applied magnetic fields up to 9 T", "between 1.5 K and 300 K", "across the magnetic ordering transition"),
    "mx": ("at 100 K", "at room temperature", "after ligand soaking"),
    "imaging": ("at micrometre resolution", "during in situ loading", "with local tomography of regions of interest"),
    "heritage": ("at the micrometre scale", "with elemental mapping", "around the absorption edge of the element of interest"),
    "surface": ("at 20 K", "after in situ alkali doping", "as a function of photon energy"),
    "dynamics": ("between 10 K and 300 K", "as a function of hydration", "at different temperatures"),
}

_ESRF_PROPOSAL_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "saxs": (("SC", "Soft Condensed Matter"), ("LS", "Life Sciences")),
    "sans": (("SC", "Soft Condensed Matter"),),
    "thinfilm": (("SC", "Soft Condensed Matter"), ("MA", "Materials Science")),
    "interface": (("SC", "Soft Condensed Matter"),),
    "catalysis": (("CH", "Chemistry"), ("EV", "Environment")),
    "materials": (("MA", "Materials Science"), ("CH", "Chemistry")),
    "highpressure": (("HC", "Hard Condensed Matter"), ("ES", "Earth Sciences")),
    "quantum": (("HC", "Hard Condensed Matter"),),
    "magnetic": (("HC", "Hard Condensed Matter"),),
    "mx": (("MX", "Macromolecular Crystallography"),),
    "imaging": (("LS", "Life Sciences"), ("ES", "Earth Sciences"), ("MA", "Materials Science")),
    "heritage": (("HG", "Cultural Heritage"), ("EV", "Environment")),
    "surface": (("HC", "Hard Condensed Matter"), ("SC", "Soft Condensed Matter")),
    "dynamics": (("SC", "Soft Condensed Matter"), ("HC", "Hard Condensed Matter")),
}

_ILL_COLLEGES: dict[str, tuple[int, ...]] = {
    "sans": (9, 8), "saxs": (9,), "thinfilm": (9,), "interface": (9, 8), "dynamics": (6, 7, 8),
    "magnetic": (4, 5), "quantum": (4, 5), "materials": (5, 1), "imaging": (1,), "highpressure": (5,),
}

_GIVEN = (
    "Florence", "Daniele", "Jonah", "Jennifer", "Roger", "Wade", "Zoe", "Lutendo", "Elis", "Kathleen",
    "Marta", "Lukas", "Sofia", "Henrik", "Ingrid", "Mateo", "Chiara", "Aleksandra", "Pieter", "Noémie",
    "Jiří", "Søren", "Björn", "Ana", "Yubexi", "Nicolò", "Olga", "Tomasz", "Emma", "Kenji", "Priya",
    "Wei", "Fatima", "Hugo", "Léa", "Mikael", "Ewa", "Giulia", "Rafael", "Tatiana", "Jonas", "Amélie",
    "Oliver", "Mónica", "Andreas", "Hannah", "Ravi", "Mei", "Ibrahim", "Freya", "Joaquín", "Agnieszka",
)
_FAMILY = (
    "Pojer", "De Sanctis", "Choiniere", "Botha", "Benson", "Harris", "Kulik", "Mukwevho", "Newham", "Fernandez",
    "Dollman", "Cárdenas", "Correa", "Garvey", "Paracini", "Müller", "Schmidt", "Nielsen", "Andersson", "Lindqvist",
    "Rossi", "Bianchi", "Dubois", "Lefèvre", "Novák", "Kowalski", "Wiśniewska", "García", "Martínez", "Silva",
    "Ivanova", "Petrov", "Tanaka", "Nakamura", "Chen", "Wang", "Li", "Kumar", "Patel", "Okafor",
    "O'Connor", "MacLeod", "van der Berg", "de Vries", "Janssens", "Peeters", "Horváth", "Nagy", "Popescu", "Øvergaard",
    "Hoffmann", "Wagner", "Becker", "Fischer", "Moreau", "Laurent", "Rinaldi", "Costa", "Yilmaz", "Haddad",
)

# --------------------------------------------------------------------------------------------
# ORCID
# --------------------------------------------------------------------------------------------


def orcid_check_digit(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 15 digits of an ORCID iD."""
    if len(base_digits) != 15 or not base_digits.isdigit():
        raise ValueError(f"an ORCID base is 15 digits, got {base_digits!r}")
    total = 0
    for ch in base_digits:
        total = (total + int(ch)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def orcid_is_valid(orcid: str) -> bool:
    """True when ``orcid`` is a bare ``dddd-dddd-dddd-dddX`` iD with a correct check digit."""
    parts = orcid.split("-")
    if len(parts) != 4 or any(len(p) != 4 for p in parts):
        return False
    digits = "".join(parts)
    if not digits[:15].isdigit() or not (digits[15].isdigit() or digits[15] == "X"):
        return False
    return orcid_check_digit(digits[:15]) == digits[15]


def _format_orcid(base: str) -> str:
    full = base + orcid_check_digit(base)
    return "-".join(full[i : i + 4] for i in range(0, 16, 4))


def _random_orcid(rng: random.Random) -> str:
    block = rng.choices(("0000-0001", "0000-0002", "0000-0003", "0009-0000", "0009-0001"), (3, 4, 3, 1, 1))[0]
    base = block.replace("-", "") + f"{rng.randrange(10_000_000):07d}"
    return _format_orcid(base)


def _malformed_orcid(rng: random.Random, orcid: str | None) -> str:
    """An ORCID-looking value that is not a valid iD (wrong check digit, or a digit missing)."""
    source = orcid or _random_orcid(rng)
    if rng.random() < 0.6:
        last = source[-1]
        wrong = [c for c in "0123456789X" if c != last]
        return source[:-1] + rng.choice(wrong)
    return source[:-2] + source[-1]  # 15 characters after dashes: one digit dropped


# --------------------------------------------------------------------------------------------
# The record specification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A person as a catalogue names them."""

    family: str
    given: str
    orcid: str | None
    affiliation: Organisation | None
    orcid_form: str = "bare"  # bare | https | http — how the nameIdentifier writes it

    @property
    def name(self) -> str:
        """``Family, Given`` as DataCite writes creatorName."""
        return f"{self.family}, {self.given}"


@dataclass(frozen=True)
class TechniqueUse:
    """A technique as a record states it.

    ``style`` is how the subject is written: ``panet`` (subjectScheme PaNET + valueURI + label),
    ``panet-https`` (valueURI with ``https://purl.org``), ``label`` (plain label text),
    ``acronym`` (plain altLabel acronym), ``curie`` (``PaNET:PaNET01217``).
    ``label`` is the text written next to the id; it differs from the PaNET label only in a
    ``panet-label-mismatch`` defect.
    """

    panet_id: str
    label: str
    style: str

    @property
    def technique(self) -> Technique:
        """The PaNET technique named by the id."""
        return TECHNIQUES[self.panet_id]


@dataclass(frozen=True)
class RelatedIdentifier:
    """A DataCite relatedIdentifier."""

    value: str
    identifier_type: str  # DOI | URL | Handle
    relation: str  # IsCitedBy | IsSupplementTo | IsReferencedBy | IsPartOf | HasPart | IsCollectedBy | IsDocumentedBy
    resource_type: str | None = None  # resourceTypeGeneral of the target


@dataclass(frozen=True)
class Funding:
    """A DataCite fundingReference."""

    funder_name: str
    funder_id: str | None
    funder_id_type: str | None  # "Crossref Funder ID" | "ROR"
    award_number: str | None
    award_title: str | None = None


@dataclass(frozen=True)
class RecordSpec:
    """Everything one generated catalogue record says; the serialisers only format it."""

    facility: str
    doi: str
    oai_identifier: str
    datestamp: str
    sets: tuple[str, ...]
    titles: tuple[str, ...]
    creators: tuple[Person, ...]
    contributors: tuple[tuple[str, Person], ...]
    publisher: Organisation
    publication_year: int
    dates: tuple[tuple[str, str], ...]
    resource_type: str
    description: str
    techniques: tuple[TechniqueUse, ...]
    keywords: tuple[str, ...]
    instrument: str
    instrument_scheme: str  # subjectScheme of the instrument subject: Instrument | Beamline
    proposal: str
    proposal_type: str | None
    licence: Licence | None
    access: str  # info:eu-repo/semantics/... access right
    sizes: tuple[str, ...]
    formats: tuple[str, ...]
    related: tuple[RelatedIdentifier, ...]
    funding: tuple[Funding, ...]
    landing_page: str | None
    schema_version: str = "4.4"
    language: str = "en"
    version: str | None = None
    deleted: bool = False
    defects: tuple[str, ...] = ()

    @property
    def technique_ids(self) -> tuple[str, ...]:
        """The PaNET ids the record states."""
        return tuple(t.panet_id for t in self.techniques)

    @property
    def people(self) -> tuple[Person, ...]:
        """Creators and contributors."""
        return self.creators + tuple(p for _, p in self.contributors)

    @property
    def local_id(self) -> str:
        """The part of the OAI identifier after the host/scheme."""
        return self.oai_identifier.split(":", 2)[-1]


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


@dataclass
class _FacilityState:
    staff: list[Person]
    users: list[Person]
    serial: int = 0


@dataclass(frozen=True)
class _Plan:
    """What the caller fixes about one record (the demo pins facility/instrument/technique)."""

    facility: str | None = None
    instrument: str | None = None
    technique: str | None = None
    version: str | None = None
    defect: str | None = None
    deleted: bool = False
    gaps: bool = True  # allow incidental gaps (a missing licence); the demo turns them off


def _make_person(rng: random.Random, affiliation: Organisation | None, orcid_share: float) -> Person:
    orcid = _random_orcid(rng) if rng.random() < orcid_share else None
    form = rng.choices(("bare", "https", "http"), (6, 3, 1))[0]
    return Person(rng.choice(_FAMILY), rng.choice(_GIVEN), orcid, affiliation, form)


def _people_pools(seed: int) -> dict[str, _FacilityState]:
    pools: dict[str, _FacilityState] = {}
    for key, fac in FACILITIES.items():
        rng = random.Random(f"recordgen:{seed}:people:{key}")
        staff = [_make_person(rng, fac.organisation, 0.9) for _ in range(24)]
        users = [_make_person(rng, rng.choice(USER_ORGANISATIONS), 0.75) for _ in range(320)]
        pools[key] = _FacilityState(staff, users)
    return pools


def _permute(serial: int, modulus: int, multiplier: int = 73_939_133) -> int:
    """A bijection of ``range(modulus)`` (the multiplier is prime and coprime to the modulus)."""
    return (serial * multiplier + 48_271_939) % modulus


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    h = h[:12] + "4" + h[13:16] + "89ab"[int(h[16], 16) % 4] + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ymd(d: date) -> str:
    return d.isoformat()


def _identity(fac: Facility, rng: random.Random, serial: int, family: str) -> tuple[str, str, str | None, str | None]:
    """DOI, proposal, proposal-type description and landing page of a record."""
    if fac.key == "esrf":
        kind = "ES" if rng.random() < 0.55 else "DC"
        digits = f"{rng.randint(12, 29)}{_permute(serial, 100_000_000):08d}"
        prefix, description = rng.choice(_ESRF_PROPOSAL_TYPES.get(family, (("MA", "Materials Science"),)))
        proposal = f"{prefix}-{rng.randint(2100, 5999)}"
        doi = f"10.15151/ESRF-{kind}-{digits}"
        return doi, proposal, description, f"https://doi.esrf.fr/{doi}"
    if fac.key == "ill":
        college = rng.choice(_ILL_COLLEGES.get(family, (5,)))
        sub = rng.choice((10, 11, 12, 13)) if college == 9 else rng.randint(1, 5)
        number = 100 + _permute(serial, 1900) if serial < 1900 else 2000 + serial  # unique per serial
        proposal = f"{college}-{sub:02d}-{number}"
        if rng.random() < 0.05:
            proposal = f"CRG-{3000 + serial}"
        doi = f"10.5291/ILL-DATA.{proposal}"
        return doi, proposal, None, f"https://doi.ill.fr/{doi}"
    if fac.key == "psi":
        doi = f"10.16907/{_uuid(rng)}"
        return doi, f"20{rng.randint(18, 24)}{rng.randint(0, 2999):04d}", None, f"https://doi.psi.ch/detail/{doi}"
    if fac.key == "desy":
        return f"10.60883/{rng.getrandbits(48):012x}", f"1101{_permute(serial, 10_000):04d}", None, None
    if fac.key == "hzb":
        return f"10.5442/ND{serial + 1:06d}", f"{rng.randint(151, 192)}-{rng.randint(1000, 9999):05d}-ST", None, None
    if fac.key == "maxiv":
        return f"10.48391/{_uuid(rng)}", f"20{rng.randint(19, 24)}{rng.randint(0, 999):04d}", None, None
    if fac.key == "ess":
        return f"10.17199/{_uuid(rng)}", f"{rng.randint(100_000, 999_999)}", None, None
    if fac.key == "isis":
        rb = 1_800_000 + _permute(serial, 700_000)
        return f"10.5286/ISIS.E.RB{rb}", f"RB{rb}", None, None
    if fac.key == "euxfel":
        proposal = 2105 + serial // 3
        return f"10.22003/XFEL.EU-DATA-{proposal:06d}-{serial % 3:02d}", f"{proposal:06d}", None, None
    raise ValueError(f"unknown facility {fac.key!r}")


def _title(rng: random.Random, tech: Technique, sample: str, condition: str, instrument: str) -> str:
    acr = tech.acronym or tech.label
    cap = tech.label[0].upper() + tech.label[1:]
    forms = (
        f"{cap} of {sample} {condition}",
        f"Structural evolution of {sample} {condition}",
        f"Investigating {sample} by {acr} {condition}",
        f"{sample[0].upper() + sample[1:]}: {acr} study {condition}",
        f"{acr} data on {sample} ({instrument})",
    )
    return rng.choice(forms)


_PRODUCTS: dict[str, str] = {
    "saxs": "azimuthally integrated scattering curves",
    "sans": "reduced and absolutely calibrated I(q) curves",
    "thinfilm": "reduced two-dimensional scattering maps",
    "interface": "reduced reflectivity curves",
    "catalysis": "normalised spectra",
    "materials": "integrated diffraction patterns",
    "highpressure": "integrated diffraction patterns",
    "quantum": "reduced spectra and maps",
    "magnetic": "reduced data",
    "mx": "processed reflection files",
    "imaging": "reconstructed volumes",
    "heritage": "elemental maps and spectra",
    "surface": "reduced spectra",
    "dynamics": "reduced S(q, ω) data",
}


def _description(fac: Facility, tech: Technique, sample: str, condition: str, instrument: str, proposal: str, fmt: str) -> str:
    return (
        f"{tech.label[0].upper() + tech.label[1:]} data on {sample} {condition}, collected at the {instrument} "
        f"{'beamline' if fac.probe == 'x-ray' else 'instrument'} of {fac.organisation.name} (proposal {proposal}). "
        f"The dataset holds the raw detector data, the instrument and sample metadata and the "
        f"{_PRODUCTS[tech.family]} in {fmt} format."
    )


def _pdb_id(rng: random.Random) -> str:
    return f"{rng.randint(5, 9)}{''.join(rng.choice('ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789') for _ in range(3))}"


def _publication_doi(rng: random.Random, year: int) -> str:
    y = min(year, 2025)
    forms = (
        lambda: f"10.1038/s41467-0{y - 2000}-{rng.randint(10000, 59999)}-{rng.randint(0, 9)}",
        lambda: f"10.1021/acs.nanolett.{y % 10}c0{rng.randint(1000, 4999)}",
        lambda: f"10.1103/PhysRevB.{100 + y - 2019}.{rng.randint(100000, 299999)}",
        lambda: f"10.1107/S20597983{y % 100:02d}00{rng.randint(1000, 9999)}",
        lambda: f"10.1016/j.jcis.{y}.{rng.randint(1, 12):02d}.{rng.randint(1, 199):03d}",
        lambda: f"10.1039/D{y % 10}SM0{rng.randint(1000, 1999)}{rng.choice('ABCDEFGHJK')}",
        lambda: f"10.1002/adma.{y}0{rng.randint(1000, 9999)}",
    )
    return rng.choice(forms)()


def _award_number(rng: random.Random, pattern: str) -> str:
    if pattern == "h2020":
        return str(rng.randint(640_000, 101_200_000) if rng.random() < 0.3 else rng.randint(640_000, 965_000))
    if pattern == "erc":
        return str(rng.randint(670_000, 101_100_000))
    if pattern == "dfg":
        return str(rng.randint(190_000_000, 520_000_000))
    if pattern == "bmbf":
        return f"05K{rng.randint(16, 24)}{rng.choice(('GU', 'WO', 'VK', 'PA', 'FK'))}{rng.randint(1, 9)}"
    if pattern == "snsf":
        return f"200021_{rng.randint(150_000, 215_000)}"
    if pattern == "anr":
        return f"ANR-{rng.randint(15, 23)}-CE{rng.randint(1, 50):02d}-{rng.randint(1, 40):04d}"
    if pattern == "vr":
        return f"20{rng.randint(16, 23)}-0{rng.randint(3000, 6999)}"
    if pattern == "epsrc":
        return f"EP/{rng.choice('NPRSTVW')}0{rng.randint(10000, 39999)}/1"
    raise ValueError(pattern)


def _size(rng: random.Random, family: str) -> tuple[str, ...]:
    gb = rng.lognormvariate(2.5 if family in ("imaging", "mx") else 0.5, 1.3)
    text = f"{gb / 1024:.1f} TB" if gb >= 1024 else (f"{gb:.1f} GB" if gb >= 1 else f"{gb * 1024:.0f} MB")
    return (text, f"{max(1, int(gb * rng.uniform(20, 400)))} files")


def _build(
    index: int, seed: int, pools: dict[str, _FacilityState], plan: _Plan, defect_rate: float, default_version: str
) -> RecordSpec:
    rng = random.Random(f"recordgen:{seed}:record:{index}")
    if plan.facility is not None:
        fac = FACILITIES[plan.facility]
    else:
        fac = rng.choices(list(FACILITIES.values()), [f.weight for f in FACILITIES.values()])[0]
    state = pools[fac.key]
    serial = state.serial
    state.serial += 1

    if plan.instrument is not None:
        instrument = next(i for i in fac.instruments if i.name == plan.instrument)
    else:
        instrument = rng.choice(fac.instruments)
    if plan.technique is not None:
        primary_id = plan.technique
    else:
        weights = [3.0] + [1.0] * (len(instrument.techniques) - 1)
        primary_id = rng.choices(instrument.techniques, weights)[0]
    primary = TECHNIQUES[primary_id]
    tech_ids = [primary_id]
    others = [t for t in instrument.techniques if t != primary_id]
    if others and rng.random() < 0.3:
        tech_ids.append(rng.choice(others))

    family = primary.family
    sample, topic_keywords = rng.choice(_SAMPLES[family])
    condition = rng.choice(_CONDITIONS[family])
    doi, proposal, proposal_type, landing = _identity(fac, rng, serial, family)
    fmt = rng.choice(fac.formats)

    # dates
    start = date(2014, 1, 1) + timedelta(days=rng.randrange(4100))  # up to 2025-03
    end = start + timedelta(days=rng.choice((0, 1, 2, 2, 3, 4, 5)))
    issued = min(end + timedelta(days=rng.randint(0, 120)), date(2025, 6, 30))
    available = end + timedelta(days=365 * fac.embargo_years + 1) if fac.embargo_years else issued
    updated = issued + timedelta(days=rng.randint(1, 400)) if rng.random() < 0.25 else None
    if updated is not None and updated > date(2025, 6, 30):
        updated = None
    publication_year = available.year if fac.key in ("esrf", "ill") else issued.year
    dates: list[tuple[str, str]] = [("Collected", f"{_ymd(start)}/{_ymd(end)}" if end != start else _ymd(start))]
    dates.append(("Issued", _ymd(issued) if rng.random() < 0.85 else str(issued.year)))
    if fac.embargo_years:
        dates.append(("Available", _ymd(available)))
    if updated is not None:
        dates.append(("Updated", _ymd(updated)))
    stamp_day = updated or issued
    datestamp = f"{_ymd(stamp_day)}T{rng.randint(6, 20):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    embargoed = available > date(2025, 6, 30)

    # people: PI + co-proposers from the user pool, local contact from staff
    n_creators = min(len(state.users), max(1, int(rng.lognormvariate(1.1, 0.6))))
    creators = rng.sample(state.users, n_creators)
    local_contact = rng.choice(state.staff)
    contributors: list[tuple[str, Person]] = [("DataCollector", local_contact)]
    if rng.random() < 0.5:
        contributors.append(("ProjectLeader", creators[0]))
    if rng.random() < 0.3:
        contributors.append(("ContactPerson", rng.choice(state.staff)))

    # techniques as subjects, in the styles seen in real data
    style_weights = {
        "esrf": (("panet", 4), ("acronym", 2), ("label", 2), ("curie", 1)),
        "desy": (("panet-https", 3), ("panet", 2), ("label", 1)),
        "ill": (("label", 3), ("panet", 2), ("curie", 1)),
        "hzb": (("curie", 3), ("label", 2), ("panet", 1)),
        "isis": (("curie", 2), ("label", 2), ("acronym", 1)),
    }.get(fac.key, (("panet", 3), ("label", 2), ("acronym", 1), ("curie", 1)))
    styles, sw = zip(*style_weights)
    uses: list[TechniqueUse] = []
    for tid in tech_ids:
        tech = TECHNIQUES[tid]
        style = rng.choices(styles, sw)[0]
        if style == "acronym" and tech.acronym is None:
            style = "label"
        uses.append(TechniqueUse(tid, tech.label, style))

    keywords = tuple(rng.sample(topic_keywords, rng.randint(1, len(topic_keywords))))

    licence_roll = rng.random()
    licence: Licence | None = CC_BY if licence_roll < 0.85 else (CC0 if licence_roll < 0.96 else None)
    if fac.key in ("esrf", "ill", "isis"):
        licence = CC_BY  # these facilities' data policies state CC-BY-4.0 for every dataset
    elif licence is None and not plan.gaps:
        licence = CC_BY
    access = "info:eu-repo/semantics/embargoedAccess" if embargoed else "info:eu-repo/semantics/openAccess"

    related: list[RelatedIdentifier] = []
    if landing is None and fac.key in ("maxiv", "ess"):
        prefix = "20.500.14080" if fac.key == "maxiv" else "20.500.12269"
        for _ in range(rng.randint(1, 3)):
            related.append(RelatedIdentifier(f"{prefix}/{_uuid(rng)}", "Handle", "HasPart", "Dataset"))
    if not embargoed and rng.random() < 0.35:
        related.append(RelatedIdentifier(_publication_doi(rng, issued.year + 1), "DOI", "IsCitedBy", "JournalArticle"))
    if rng.random() < 0.1:
        related.append(RelatedIdentifier(_publication_doi(rng, issued.year), "DOI", "IsSupplementTo", "JournalArticle"))
    if family == "mx" and rng.random() < 0.6:
        for _ in range(rng.randint(1, 3)):
            pdb = _pdb_id(rng)
            if rng.random() < 0.7:
                related.append(RelatedIdentifier(f"10.2210/pdb{pdb.lower()}/pdb", "DOI", "IsReferencedBy", "Dataset"))
            else:
                related.append(RelatedIdentifier(f"https://www.rcsb.org/structure/{pdb}", "URL", "IsReferencedBy", "Dataset"))
    if doi.startswith("10.15151/ESRF-DC-") and rng.random() < 0.5:
        parent = f"10.15151/ESRF-ES-{rng.randint(12, 29)}{rng.randrange(100_000_000):08d}"
        related.append(RelatedIdentifier(parent, "DOI", "IsPartOf", "Dataset"))
    if fac.key == "euxfel" and not doi.endswith("-00"):
        related.append(RelatedIdentifier(doi[:-2] + "00", "DOI", "IsPartOf", "Dataset"))
    if fac.key == "ill":
        related.append(RelatedIdentifier(f"https://doi.ill.fr/{doi}/experimental-report", "URL", "IsDocumentedBy", "Report"))
    if fac.key == "hzb" and instrument.name == "E2":
        related.append(RelatedIdentifier("10.5442/NI000001", "DOI", "IsCollectedBy", "Instrument"))

    funding: list[Funding] = []
    if doi.startswith("10.15151/ESRF-ES-"):
        funding.append(Funding(ESRF.name, f"https://ror.org/{ESRF.ror}", "ROR", proposal, None))
    if rng.random() < 0.2:
        grant, title = rng.choice(EC_PROJECT_GRANTS)
        funding.append(Funding("European Commission", "https://doi.org/10.13039/501100000780", "Crossref Funder ID", grant, title))
    if rng.random() < 0.25:
        funder = rng.choice(FUNDERS)
        funding.append(
            Funding(funder.name, f"https://doi.org/{funder.crossref_id}", "Crossref Funder ID", _award_number(rng, funder.award_pattern))
        )

    title = _title(rng, primary, sample, condition, instrument.name)
    titles: tuple[str, ...] = (title,)
    resource_type = (
        "Experiment Session" if "-ES-" in doi else "Datacollection" if "-DC-" in doi else "Proposal" if fac.key == "ill" else "Raw data"
    )
    sets = (fac.datacentre.split(".")[0], fac.datacentre) if fac.oai_host is None else ("inv",)
    oai_identifier = f"doi:{doi}" if fac.oai_host is None else f"oai:{fac.oai_host}:inv/{70000 + _permute(serial, 900_000)}"

    spec = RecordSpec(
        facility=fac.key,
        doi=doi,
        oai_identifier=oai_identifier,
        datestamp=datestamp,
        sets=sets,
        titles=titles,
        creators=tuple(creators),
        contributors=tuple(contributors),
        publisher=fac.organisation if fac.organisation.name == fac.publisher else Organisation(fac.publisher),
        publication_year=publication_year,
        dates=tuple(dates),
        resource_type=resource_type,
        description=_description(fac, primary, sample, condition, instrument.name, proposal, fmt),
        techniques=tuple(uses),
        keywords=keywords,
        instrument=instrument.name,
        instrument_scheme="Beamline" if fac.key in ("psi", "desy", "maxiv") else "Instrument",
        proposal=proposal,
        proposal_type=proposal_type,
        licence=licence,
        access=access,
        sizes=_size(rng, family),
        formats=(fmt,),
        related=tuple(related),
        funding=tuple(funding),
        landing_page=landing,
        schema_version=plan.version or default_version,
        version="1" if rng.random() < 0.3 else None,
        deleted=plan.deleted,
    )

    defect = plan.defect
    if defect is None and rng.random() < defect_rate:
        defect = rng.choice(DEFECT_KINDS)
    if defect is not None:
        spec = _apply_defect(spec, defect, rng)
    return spec


def _apply_defect(spec: RecordSpec, defect: str, rng: random.Random) -> RecordSpec:
    """Return ``spec`` with one deliberate defect, recorded in ``defects``."""
    if defect == "missing-title":
        spec = replace(spec, titles=())
    elif defect == "missing-creator":
        spec = replace(spec, creators=(), contributors=tuple((r, p) for r, p in spec.contributors if r != "ProjectLeader"))
    elif defect == "invalid-date":
        bad = rng.choice(("2021-13-45", "2019-02-30", "05/03/2021", "2020-00-00", "20210315"))
        dates = tuple((t, bad if t == "Issued" else v) for t, v in spec.dates)
        spec = replace(spec, dates=dates)
    elif defect == "panet-label-mismatch":
        first = spec.techniques[0]
        if spec.facility == "desy" and first.panet_id == "PaNET01149":
            # the case seen in DESY's SciCat: XRR written with the id of x-ray fluorescence
            mismatched = TechniqueUse("PaNET01177", "X-Ray Reflectivity (XRR)", "panet-https")
        else:
            # another technique's label, never a small-angle one (the demo query must stay honest)
            wrong = rng.choice(
                [t for t in TECHNIQUES.values() if t.panet_id != first.panet_id and t.panet_id not in SMALL_ANGLE_IDS]
            )
            style = "panet-https" if spec.facility == "desy" else "panet"
            mismatched = TechniqueUse(first.panet_id, wrong.label, style)
        spec = replace(spec, techniques=(mismatched,) + spec.techniques[1:])
    elif defect == "malformed-orcid":
        people = list(spec.creators)
        if not people:
            raise ValueError("malformed-orcid needs a creator")
        victim = people[0]
        people[0] = Person(victim.family, victim.given, _malformed_orcid(rng, victim.orcid), victim.affiliation, "bare")
        contributors = tuple((r, people[0] if p == victim else p) for r, p in spec.contributors)
        spec = replace(spec, creators=tuple(people), contributors=contributors)
    else:
        raise ValueError(f"unknown defect {defect!r}; use one of {DEFECT_KINDS}")
    return replace(spec, defects=spec.defects + (defect,))


def generate(
    n: int, *, seed: int = 0, defect_rate: float = 0.01, schema_version: str = "4.4"
) -> list[RecordSpec]:
    """``n`` realistic PaN dataset records; the same arguments always give the same records.

    About ``defect_rate`` of them carry one defect from ``DEFECT_KINDS`` (named in
    ``RecordSpec.defects``). ``generate(n)`` is a prefix of ``generate(n + k)``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not 0.0 <= defect_rate <= 1.0:
        raise ValueError("defect_rate must be between 0 and 1")
    if schema_version not in DATACITE_VERSIONS:
        raise ValueError(f"schema_version must be one of {DATACITE_VERSIONS}")
    pools = _people_pools(seed)
    plan = _Plan()
    return [_build(i, seed, pools, plan, defect_rate, schema_version) for i in range(n)]


# --------------------------------------------------------------------------------------------
# XML writing (string building: fast, and the escaping is all in two functions)
# --------------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;")


class _Xml:
    """Indented XML text, two spaces per level."""

    __slots__ = ("lines", "depth")

    def __init__(self, depth: int = 0) -> None:
        self.lines: list[str] = []
        self.depth = depth

    @staticmethod
    def _attrs(attrs: dict[str, str | None] | None) -> str:
        if not attrs:
            return ""
        return "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items() if v is not None)

    def open(self, tag: str, attrs: dict[str, str | None] | None = None) -> None:
        self.lines.append(f"{'  ' * self.depth}<{tag}{self._attrs(attrs)}>")
        self.depth += 1

    def close(self, tag: str) -> None:
        self.depth -= 1
        self.lines.append(f"{'  ' * self.depth}</{tag}>")

    def leaf(self, tag: str, text: str | None, attrs: dict[str, str | None] | None = None) -> None:
        if text is None or text == "":
            self.lines.append(f"{'  ' * self.depth}<{tag}{self._attrs(attrs)}/>")
        else:
            self.lines.append(f"{'  ' * self.depth}<{tag}{self._attrs(attrs)}>{_esc(text)}</{tag}>")

    def extend(self, other: _Xml) -> None:
        self.lines.extend(other.lines)

    def text(self) -> str:
        return "\n".join(self.lines)


_XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _orcid_text(person: Person) -> str:
    assert person.orcid is not None
    if person.orcid_form == "https":
        return f"https://orcid.org/{person.orcid}"
    if person.orcid_form == "http":
        return f"http://orcid.org/{person.orcid}"
    return person.orcid


def _write_person(x: _Xml, tag: str, person: Person, attrs: dict[str, str | None] | None = None) -> None:
    x.open(tag, attrs)
    x.leaf(f"{tag}Name", person.name, {"nameType": "Personal"})
    x.leaf("givenName", person.given)
    x.leaf("familyName", person.family)
    if person.orcid is not None:
        x.leaf("nameIdentifier", _orcid_text(person), {"nameIdentifierScheme": "ORCID", "schemeURI": "https://orcid.org/"})
    org = person.affiliation
    if org is not None:
        if org.ror:
            x.leaf(
                "affiliation",
                org.name,
                {"affiliationIdentifier": f"https://ror.org/{org.ror}", "affiliationIdentifierScheme": "ROR", "schemeURI": "https://ror.org"},
            )
        else:
            x.leaf("affiliation", org.name)
    x.close(tag)


def _write_technique_subject(x: _Xml, use: TechniqueUse) -> None:
    tech = use.technique
    if use.style in ("panet", "panet-https"):
        base = PANET_NS if use.style == "panet" else PANET_NS.replace("http://", "https://")
        x.leaf(
            "subject",
            use.label,
            {"subjectScheme": "PaNET", "schemeURI": PANET_NS, "valueURI": base + use.panet_id, "xml:lang": "en"},
        )
    elif use.style == "curie":
        x.leaf("subject", f"PaNET:{use.panet_id}", {"subjectScheme": "PaNET"})
    elif use.style == "acronym" and tech.acronym:
        x.leaf("subject", tech.acronym)
    else:
        x.leaf("subject", use.label, {"xml:lang": "en"})


def _resource_xml(spec: RecordSpec, version: str, depth: int) -> _Xml:
    datacite_schema_location(version)  # validates the version
    v = _version_tuple(version)
    x = _Xml(depth)
    x.open(
        "resource",
        {"xmlns": DATACITE_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": datacite_schema_location(version)},
    )
    x.leaf("identifier", spec.doi, {"identifierType": "DOI"})
    x.open("creators")
    for person in spec.creators:
        _write_person(x, "creator", person)
    x.close("creators")
    x.open("titles")
    for title in spec.titles:
        x.leaf("title", title, {"xml:lang": "en"})
    x.close("titles")
    pub = spec.publisher
    pub_attrs: dict[str, str | None] = {"xml:lang": "en"}
    if v >= (4, 5) and pub.ror:
        pub_attrs.update(
            publisherIdentifier=f"https://ror.org/{pub.ror}", publisherIdentifierScheme="ROR", schemeURI="https://ror.org/"
        )
    x.leaf("publisher", pub.name, pub_attrs)
    x.leaf("publicationYear", str(spec.publication_year))
    x.leaf("resourceType", spec.resource_type, {"resourceTypeGeneral": "Dataset"})
    x.open("subjects")
    if spec.proposal_type:
        x.leaf("subject", spec.proposal_type, {"subjectScheme": "Proposal Type Description"})
    x.leaf("subject", spec.proposal, {"subjectScheme": "Proposal"})
    x.leaf("subject", spec.instrument, {"subjectScheme": spec.instrument_scheme})
    for use in spec.techniques:
        _write_technique_subject(x, use)
    for kw in spec.keywords:
        x.leaf("subject", kw, {"xml:lang": "en"})
    x.close("subjects")
    if spec.contributors:
        x.open("contributors")
        for role, person in spec.contributors:
            _write_person(x, "contributor", person, {"contributorType": role})
        x.close("contributors")
    x.open("dates")
    for date_type, value in spec.dates:
        x.leaf("date", value, {"dateType": date_type})
    x.close("dates")
    x.leaf("language", spec.language)
    if spec.landing_page:
        x.open("alternateIdentifiers")
        x.leaf("alternateIdentifier", spec.landing_page, {"alternateIdentifierType": "URL"})
        x.close("alternateIdentifiers")
    related = [r for r in spec.related if r.relation != "IsCollectedBy" or v >= (4, 5)]
    if related:
        x.open("relatedIdentifiers")
        for rel in related:
            x.leaf(
                "relatedIdentifier",
                rel.value,
                {"relatedIdentifierType": rel.identifier_type, "relationType": rel.relation, "resourceTypeGeneral": rel.resource_type},
            )
        x.close("relatedIdentifiers")
    x.open("sizes")
    for size in spec.sizes:
        x.leaf("size", size)
    x.close("sizes")
    x.open("formats")
    for fmt in spec.formats:
        x.leaf("format", fmt)
    x.close("formats")
    if spec.version:
        x.leaf("version", spec.version)
    x.open("rightsList")
    if spec.licence is not None:
        lic = spec.licence
        x.leaf(
            "rights",
            lic.name,
            {
                "xml:lang": "en",
                "rightsURI": lic.uri,
                "rightsIdentifier": lic.spdx,
                "rightsIdentifierScheme": "SPDX",
                "schemeURI": "https://spdx.org/licenses/",
            },
        )
    x.leaf("rights", None, {"rightsURI": spec.access})
    x.close("rightsList")
    x.open("descriptions")
    x.leaf("description", spec.description, {"xml:lang": "en", "descriptionType": "Abstract"})
    x.close("descriptions")
    if spec.funding:
        x.open("fundingReferences")
        for fund in spec.funding:
            x.open("fundingReference")
            x.leaf("funderName", fund.funder_name)
            if fund.funder_id:
                x.leaf("funderIdentifier", fund.funder_id, {"funderIdentifierType": fund.funder_id_type})
            if fund.award_number:
                x.leaf("awardNumber", fund.award_number)
            if fund.award_title:
                x.leaf("awardTitle", fund.award_title)
            x.close("fundingReference")
        x.close("fundingReferences")
    x.close("resource")
    return x


def to_datacite_xml(spec: RecordSpec, version: str | None = None) -> bytes:
    """A standalone DataCite kernel-4 ``<resource>`` document (UTF-8 bytes).

    ``version`` is the kernel minor version (``"4.3"`` … ``"4.7"``); by default the record's own
    ``schema_version`` (``"4.4"`` unless generated otherwise). Features newer than the version
    (publisherIdentifier, IsCollectedBy) are left out.
    """
    return (_XML_DECL + _resource_xml(spec, version or spec.schema_version, 0).text() + "\n").encode("utf-8")


def _oai_datacite_xml(spec: RecordSpec, depth: int) -> _Xml:
    fac = FACILITIES[spec.facility]
    x = _Xml(depth)
    x.open(
        "oai_datacite",
        {"xmlns": OAI_DATACITE_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{OAI_DATACITE_NS} {OAI_DATACITE_XSD}"},
    )
    x.leaf("schemaVersion", spec.schema_version)
    x.leaf("datacentreSymbol", fac.datacentre)
    x.open("payload")
    x.extend(_resource_xml(spec, spec.schema_version, x.depth))
    x.close("payload")
    x.close("oai_datacite")
    return x


def to_oai_datacite(spec: RecordSpec) -> bytes:
    """The record as the ``oai_datacite`` (oai-1.1) metadata document DataCite's OAI serves."""
    return (_XML_DECL + _oai_datacite_xml(spec, 0).text() + "\n").encode("utf-8")


def _oai_dc_xml(spec: RecordSpec, depth: int) -> _Xml:
    fac = FACILITIES[spec.facility]
    x = _Xml(depth)
    x.open(
        "oai_dc:dc",
        {"xmlns:oai_dc": OAI_DC_NS, "xmlns:dc": DC_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{OAI_DC_NS} {OAI_DC_XSD}"},
    )
    for title in spec.titles:
        x.leaf("dc:title", title)
    for person in spec.creators:
        x.leaf("dc:creator", person.name)
    for role, person in spec.contributors:
        if role == "DataCollector":
            x.leaf("dc:contributor", person.name)
    for use in spec.techniques:
        if use.style in ("panet", "panet-https"):
            x.leaf("dc:subject", PANET_NS + use.panet_id)
            x.leaf("dc:subject", use.label)
        elif use.style == "curie":
            x.leaf("dc:subject", f"PaNET:{use.panet_id}")
        elif use.style == "acronym" and use.technique.acronym:
            x.leaf("dc:subject", use.technique.acronym)
        else:
            x.leaf("dc:subject", use.label)
    for kw in spec.keywords:
        x.leaf("dc:subject", kw)
    x.leaf("dc:description", spec.description)
    x.leaf("dc:publisher", spec.publisher.name)
    for date_type, value in spec.dates:
        if date_type == "Issued":
            x.leaf("dc:date", value)
    for date_type, value in spec.dates:
        if date_type == "Available":
            x.leaf("dc:date", f"info:eu-repo/date/embargoEnd/{value}")
    x.leaf("dc:type", "Dataset")
    x.leaf("dc:type", spec.resource_type)
    if fac.oai_host is not None:
        x.leaf("dc:format", "Data from large facility measurement")
    for fmt in spec.formats:
        x.leaf("dc:format", fmt)
    x.leaf("dc:identifier", f"doi:{spec.doi}")
    x.leaf("dc:identifier", f"https://doi.org/{spec.doi}")
    if spec.landing_page:
        x.leaf("dc:identifier", spec.landing_page)
    x.leaf("dc:source", f"{fac.organisation.name}, {spec.instrument}")
    for rel in spec.related:
        x.leaf("dc:relation", f"doi:{rel.value}" if rel.identifier_type == "DOI" else rel.value)
    x.leaf("dc:language", spec.language)
    if spec.licence is not None:
        x.leaf("dc:rights", spec.licence.uri)
    x.leaf("dc:rights", spec.access)
    for date_type, value in spec.dates:
        if date_type == "Collected":
            x.leaf("dc:coverage", value)
    x.close("oai_dc:dc")
    return x


def to_oai_dc(spec: RecordSpec) -> bytes:
    """The record as an ``oai_dc`` (unqualified Dublin Core) metadata document."""
    return (_XML_DECL + _oai_dc_xml(spec, 0).text() + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------
# OAI-PMH ListRecords pages
# --------------------------------------------------------------------------------------------

_METADATA_WRITERS = {"oai_datacite": _oai_datacite_xml, "oai_dc": _oai_dc_xml}


def datacite_resumption_token(*, prefix: str, set_spec: str | None, cursor: int) -> str:
    """A resumption token in DataCite OAI (viringo) style: URL-encoded query arguments."""
    parts = [f"metadataPrefix={prefix}"]
    if set_spec:
        parts.append(f"set={set_spec}")
    parts.append(f"cursor={cursor}")
    return urllib.parse.quote("&".join(parts), safe="")


def icat_resumption_token(*, prefix: str, last_local_id: str) -> str:
    """A resumption token in ICAT OAI-PMH style: ``prefix,config/lastId,from,until,set``."""
    return f"{prefix},{last_local_id},null,null,null"


def oai_pmh_page(
    records: Sequence[RecordSpec],
    *,
    prefix: str,
    token: str | None = None,
    complete_list_size: int | None = None,
    cursor: int = 0,
    response_date: str,
    request_url: str,
    request_token: str | None = None,
    set_spec: str | None = None,
) -> bytes:
    """A complete OAI-PMH 2.0 ``ListRecords`` response holding ``records``.

    ``prefix`` is ``oai_datacite`` or ``oai_dc``. ``token`` is the resumptionToken for the next
    page; when it is None but ``complete_list_size`` is given, the page ends the list with an
    empty ``<resumptionToken/>`` as OAI-PMH requires. ``request_token`` (the token this page
    answers) goes into ``<request>``; without it the request names ``metadataPrefix``/``set``.
    Deleted records get ``<header status="deleted">`` and no metadata.
    """
    writer = _METADATA_WRITERS.get(prefix)
    if writer is None:
        raise ValueError(f"unsupported metadataPrefix {prefix!r}; use one of {sorted(_METADATA_WRITERS)}")
    x = _Xml()
    x.open(
        "OAI-PMH", {"xmlns": OAI_PMH_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{OAI_PMH_NS} {OAI_PMH_XSD}"}
    )
    x.leaf("responseDate", response_date)
    if request_token is not None:
        x.leaf("request", request_url, {"verb": "ListRecords", "resumptionToken": request_token})
    else:
        x.leaf("request", request_url, {"verb": "ListRecords", "metadataPrefix": prefix, "set": set_spec})
    x.open("ListRecords")
    for spec in records:
        x.open("record")
        x.open("header", {"status": "deleted"} if spec.deleted else None)
        x.leaf("identifier", spec.oai_identifier)
        x.leaf("datestamp", spec.datestamp)
        for s in spec.sets:
            x.leaf("setSpec", s)
        x.close("header")
        if not spec.deleted:
            x.open("metadata")
            x.extend(writer(spec, x.depth))
            x.close("metadata")
        x.close("record")
    if token is not None or complete_list_size is not None:
        attrs: dict[str, str | None] = {}
        if complete_list_size is not None:
            attrs["completeListSize"] = str(complete_list_size)
            attrs["cursor"] = str(cursor)
        x.leaf("resumptionToken", token, attrs)
    x.close("ListRecords")
    x.close("OAI-PMH")
    return (_XML_DECL + x.text() + "\n").encode("utf-8")


def oai_pmh_pages(
    records: Sequence[RecordSpec],
    *,
    prefix: str,
    page_size: int,
    response_date: str,
    request_url: str,
    set_spec: str | None = None,
    token_style: str = "datacite",
) -> list[bytes]:
    """``records`` split into chained ListRecords pages (each page's token requests the next)."""
    if page_size < 1:
        raise ValueError("page_size must be >= 1")
    if token_style not in ("datacite", "icat"):
        raise ValueError("token_style must be 'datacite' or 'icat'")
    chunks = [records[i : i + page_size] for i in range(0, len(records), page_size)] or [records[:0]]
    pages: list[bytes] = []
    previous: str | None = None
    total = len(records)
    for n, chunk in enumerate(chunks):
        cursor = n * page_size
        last = n == len(chunks) - 1
        token: str | None = None
        if not last:
            if token_style == "datacite":
                token = datacite_resumption_token(prefix=prefix, set_spec=set_spec, cursor=cursor + page_size)
            else:
                token = icat_resumption_token(prefix=prefix, last_local_id=chunk[-1].local_id)
        pages.append(
            oai_pmh_page(
                chunk,
                prefix=prefix,
                token=token,
                complete_list_size=total if len(chunks) > 1 else None,
                cursor=cursor,
                response_date=response_date,
                request_url=request_url,
                request_token=previous,
                set_spec=set_spec,
            )
        )
        previous = token
    return pages


# --------------------------------------------------------------------------------------------
# The demo sources shipped in src/pangraph/demo/records/
# --------------------------------------------------------------------------------------------

DEMO_SEED = 20251021  # PaNET 1.3.0 release day
DEMO_RESPONSE_DATE = "2025-07-01T08:00:00Z"
DEMO_DIR = Path(__file__).resolve().parents[1] / "src" / "pangraph" / "demo" / "records"

# One plan per demo record: facility, instrument, technique, DataCite version, deliberate defect, deleted.
_DEMO_ESRF: tuple[_Plan, ...] = (
    _Plan("esrf", "ID02", "PaNET01188"),
    _Plan("esrf", "ID30A-3", "PaNET01164"),
    _Plan("esrf", "BM29", "PaNET01188"),
    _Plan("esrf", "ID26", "PaNET01200"),
    _Plan("esrf", "ID19", "PaNET01206"),
    _Plan("esrf", "ID02", "PaNET01241"),
    _Plan("esrf", "BM23", "PaNET01198"),
    _Plan("esrf", "ID31", "PaNET01101"),
    _Plan("esrf", "ID10", "PaNET01162"),
    _Plan("esrf", "ID21", "PaNET01254"),
    _Plan("esrf", "ID32", "PaNET01183"),
    _Plan("esrf", "MASSIF-1", "PaNET01164"),
    _Plan("esrf", "ID13", "PaNET01188", deleted=True),
    _Plan("esrf", "BM05", "PaNET01333"),
    _Plan("esrf", "ID16B", "PaNET01154"),
    _Plan("esrf", "ID15A", "PaNET01181"),
    _Plan("esrf", "ID12", "PaNET01137"),
    _Plan("esrf", "ID02", "PaNET01188"),
    _Plan("esrf", "ID10", "PaNET01205"),
    _Plan("esrf", "ID24", "PaNET01321"),
    _Plan("esrf", "ID28", "PaNET01182"),
    _Plan("esrf", "ID29", "PaNET01169"),
    _Plan("esrf", "ID01", "PaNET01174"),
    _Plan("esrf", "ID22", "PaNET01101"),
    _Plan("esrf", "ID27", "PaNET01216"),
)
_DEMO_ILL: tuple[_Plan, ...] = (
    _Plan("ill", "D11", "PaNET01189"),
    _Plan("ill", "FIGARO", "PaNET01239"),
    _Plan("ill", "D22", "PaNET01189"),
    _Plan("ill", "IN5", "PaNET01246"),
    _Plan("ill", "D2B", "PaNET01234"),
    _Plan("ill", "D33", "PaNET01189"),
    _Plan("ill", "D19", "PaNET01236"),
    _Plan("ill", "IN16B", "PaNET01298"),
    _Plan("ill", "D22", "PaNET01276", defect="missing-creator"),
    _Plan("ill", "D17", "PaNET01239"),
    _Plan("ill", "D20", "PaNET01100"),
    _Plan("ill", "IN15", "PaNET01120"),
    _Plan("ill", "D7", "PaNET01253"),
    _Plan("ill", "D11", "PaNET01189"),
    _Plan("ill", "D50", "PaNET01249"),
)
_DEMO_DATACITE: tuple[_Plan, ...] = (
    _Plan("psi", "cSAXS", "PaNET01188", "4.7"),
    _Plan("psi", "TOMCAT", "PaNET01206", "4.5"),
    _Plan("psi", "SANS-I", "PaNET01189", "4.4"),
    _Plan("psi", "SuperXAS", "PaNET01196", "4.3"),
    _Plan("hzb", "E2", "PaNET01236", "4.7"),
    _Plan("hzb", "V4", "PaNET01189", "4.4"),
    _Plan("hzb", "E9", "PaNET01100", "4.3", defect="malformed-orcid"),
    _Plan("desy", "P03", "PaNET01162", "4.7"),
    _Plan("desy", "P03", "PaNET01316", "4.5"),
    _Plan("desy", "P11", "PaNET01164", "4.4"),
    _Plan("desy", "P08", "PaNET01149", "4.5", defect="panet-label-mismatch"),
    _Plan("desy", "P62", "PaNET01274", "4.3"),
    _Plan("maxiv", "CoSAXS", "PaNET01188", "4.7"),
    _Plan("maxiv", "BioMAX", "PaNET01164", "4.4"),
    _Plan("maxiv", "Balder", "PaNET01196", "4.5"),
    _Plan("maxiv", "Bloch", "PaNET01089", "4.3"),
    _Plan("ess", "LoKI", "PaNET01189", "4.7"),
    _Plan("ess", "ODIN", "PaNET01249", "4.5"),
    _Plan("ess", "V20", "PaNET01001", "4.4"),
    _Plan("isis", "SANS2D", "PaNET01189", "4.7"),
    _Plan("isis", "INTER", "PaNET01239", "4.4"),
    _Plan("isis", "MERLIN", "PaNET01245", "4.3"),
    _Plan("euxfel", "SPB/SFX", "PaNET01168", "4.7"),
    _Plan("euxfel", "MID", "PaNET01205", "4.5"),
    _Plan("euxfel", "FXE", "PaNET01200", "4.4"),
)

#: The demo sources: name → (kind, metadata prefix, title, records plan, page size).
_DEMO_SOURCES: tuple[tuple[str, str, str, str, tuple[_Plan, ...], int], ...] = (
    ("esrf-oai", "oai-pmh-pages", "oai_datacite", "ESRF DOIs harvested from DataCite OAI-PMH (set INIST.ESRF)", _DEMO_ESRF, 9),
    ("ill-oai-dc", "oai-pmh-pages", "oai_dc", "ILL proposal DOIs harvested from the ILL ICAT OAI-PMH provider (oai_dc)", _DEMO_ILL, 8),
    ("datacite-xml", "datacite-files", "datacite", "DataCite kernel-4 XML files of PSI, HZB, DESY, MAX IV, ESS, ISIS and EuXFEL datasets", _DEMO_DATACITE, 0),
)


def demo_specs() -> dict[str, list[RecordSpec]]:
    """The records of each demo source, in source order (deterministic, fixed seed)."""
    pools = _people_pools(DEMO_SEED)
    out: dict[str, list[RecordSpec]] = {}
    index = 0
    for name, kind, _prefix, _title, plans, _page in _DEMO_SOURCES:
        specs = []
        for plan in plans:
            specs.append(_build(index, DEMO_SEED, pools, replace(plan, gaps=False), 0.0, plan.version or "4.4"))
            index += 1
        if kind == "oai-pmh-pages" and FACILITIES[specs[0].facility].oai_host is not None:
            specs.sort(key=lambda s: int(s.local_id.rsplit("/", 1)[-1]))  # ICAT pages by entity id
        elif kind == "oai-pmh-pages":
            specs.sort(key=lambda s: (s.datestamp, s.oai_identifier))  # DataCite OAI by datestamp
        out[name] = specs
    return out


def _demo_file_name(spec: RecordSpec) -> str:
    suffix = spec.doi.split("/", 1)[1].lower()
    safe = "".join(c if c.isalnum() or c in "-." else "-" for c in suffix)
    return f"{spec.facility}-{safe}.xml"


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_list(values: Iterable[str]) -> str:
    items = list(values)
    if len(items) <= 3:
        return "[" + ", ".join(_toml_str(v) for v in items) + "]"
    return "[\n" + "".join(f"    {_toml_str(v)},\n" for v in items) + "]"


def demo_files() -> dict[str, bytes]:
    """Every file of ``src/pangraph/demo/records/``: relative POSIX path → bytes."""
    specs = demo_specs()
    files: dict[str, bytes] = {}
    toml: list[str] = [
        "# The demo sources of pangraph, generated by `python bench/recordgen.py demo`: do not edit by hand.",
        "# Every record is synthetic (see ../README.md). Paths are relative to this folder.",
        "",
    ]
    for name, kind, prefix, title, _plans, page_size in _DEMO_SOURCES:
        records = specs[name]
        facilities = sorted({FACILITIES[s.facility].short for s in records}, key=lambda f: [x.short for x in FACILITIES.values()].index(f))
        listed: list[str] = []
        extra: list[str] = []
        if kind == "oai-pmh-pages":
            fac = FACILITIES[records[0].facility]
            if fac.oai_host is None:
                url, set_spec, style = "https://oai.datacite.org/oai", fac.datacentre, "datacite"
            else:
                url, set_spec, style = f"https://{fac.oai_host}/oaipmh/request", None, "icat"
            pages = oai_pmh_pages(
                records, prefix=prefix, page_size=page_size, response_date=DEMO_RESPONSE_DATE,
                request_url=url, set_spec=set_spec, token_style=style,
            )
            for n, page in enumerate(pages, start=1):
                path = f"{name}/page-{n:03d}.xml"
                files[path] = page
                listed.append(path)
            extra.append(f"base_url = {_toml_str(url)}")
            if set_spec:
                extra.append(f"set = {_toml_str(set_spec)}")
            extra.append(f"records = {len(records)}")
            extra.append(f"deleted = {sum(1 for s in records if s.deleted)}")
        else:
            for spec in records:
                path = f"{name}/{_demo_file_name(spec)}"
                files[path] = to_datacite_xml(spec)
                listed.append(path)
            extra.append(f"records = {len(records)}")
            extra.append(f"datacite_versions = {_toml_list(sorted({s.schema_version for s in records}))}")
        defects = [f"{s.doi}: {d}" for s in records for d in s.defects]
        toml += [
            "[[sources]]",
            f"name = {_toml_str(name)}",
            f"kind = {_toml_str(kind)}",
            f"metadata_prefix = {_toml_str(prefix)}",
            f"facility = {_toml_str(facilities[0] if len(facilities) == 1 else 'multiple')}",
            f"facilities = {_toml_list(facilities)}",
            f"title = {_toml_str(title)}",
            f"glob = {_toml_str(f'{name}/*.xml')}",
            f"files = {_toml_list(listed)}",
            *extra,
            f"deliberate_defects = {_toml_list(defects)}",
            "",
        ]
    files["sources.toml"] = ("\n".join(toml)).encode("utf-8")
    return files


def write_demo(out: Path = DEMO_DIR) -> list[Path]:
    """Write the demo folder exactly: every demo file, and remove stale ``*.xml`` files in it."""
    files = demo_files()
    out.mkdir(parents=True, exist_ok=True)
    wanted = {out / rel for rel in files}
    for stale in sorted(out.rglob("*.xml")):
        if stale not in wanted:
            stale.unlink()
    written = []
    for rel, data in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        written.append(path)
    return written


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _write_bulk(specs: list[RecordSpec], *, fmt: str, out: Path, page_size: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "datacite":
        for i, spec in enumerate(specs):
            (out / f"{i:07d}-{_demo_file_name(spec)}").write_bytes(to_datacite_xml(spec))
        return len(specs)
    pages = oai_pmh_pages(
        specs, prefix=fmt, page_size=page_size, response_date="2025-07-01T00:00:00Z",
        request_url="https://oai.datacite.org/oai", token_style="datacite",
    )
    for n, page in enumerate(pages, start=1):
        (out / f"page-{n:05d}.xml").write_bytes(page)
    return len(pages)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: ``[generate] --n N --format F --out DIR`` or ``demo [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="recordgen", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="generate", choices=("generate", "demo"))
    parser.add_argument("--n", type=int, default=1000, help="number of records (generate)")
    parser.add_argument("--format", default="datacite", choices=("datacite", "oai_datacite", "oai_dc"))
    parser.add_argument("--out", type=Path, default=None, help="output folder (demo: the package's demo/records)")
    parser.add_argument("--page-size", type=int, default=100, help="records per OAI-PMH page")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--defect-rate", type=float, default=0.01)
    parser.add_argument("--schema-version", default="4.4", choices=DATACITE_VERSIONS)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    if args.command == "demo":
        out = args.out or DEMO_DIR
        written = write_demo(out)
        print(f"demo: {len(written)} files in {out} ({time.perf_counter() - t0:.2f} s)")
        return 0
    if args.out is None:
        parser.error("--out is required")
    specs = generate(args.n, seed=args.seed, defect_rate=args.defect_rate, schema_version=args.schema_version)
    t1 = time.perf_counter()
    files = _write_bulk(specs, fmt=args.format, out=args.out, page_size=args.page_size)
    t2 = time.perf_counter()
    defective = sum(1 for s in specs if s.defects)
    print(
        f"{args.n} records ({defective} defective) -> {files} {args.format} files in {args.out}: "
        f"generate {t1 - t0:.2f} s, serialise+write {t2 - t1:.2f} s, {args.n / max(t2 - t0, 1e-9):,.0f} records/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
