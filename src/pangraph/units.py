"""Unit conversion for unit-aware search (the PaNOSC search API's parameter filters).

A unit is found by its spelling through ``mappings/units.tsv`` (the table the crosswalks use: ``eV``,
``celsius``, ``Angstrom`` … → a QUDT unit IRI) and converted through :data:`CONVERSIONS`: for every QUDT
unit the table names, its quantity kind and QUDT's ``qudt:conversionMultiplier`` / ``qudt:conversionOffset``
(``si = value × multiplier + offset``). Two units convert into each other only when their quantity kind is
the same (no photon energy ↔ wavelength). A spelling the table does not list but that is an SI prefix
(the prefixes of the PaNOSC units documentation: ``y z a f p n u µ m c d da h k M G T P E Z Y``) in front of
a listed spelling of a unit without offset (``GHz``, ``kK``, ``Mbar``) is read as that prefix times the unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

QUDT_UNIT = "http://qudt.org/vocab/unit/"

#: QUDT unit local name → (quantity kind, conversionMultiplier, conversionOffset) to the SI unit of the kind
CONVERSIONS: dict[str, tuple[str, float, float]] = {
    # energy (J)
    "EV": ("Energy", 1.602176634e-19, 0.0), "MilliEV": ("Energy", 1.602176634e-22, 0.0),
    "KiloEV": ("Energy", 1.602176634e-16, 0.0), "MegaEV": ("Energy", 1.602176634e-13, 0.0),
    "GigaEV": ("Energy", 1.602176634e-10, 0.0), "J": ("Energy", 1.0, 0.0), "MilliJ": ("Energy", 1e-3, 0.0),
    "MicroJ": ("Energy", 1e-6, 0.0),
    # length (m)
    "M": ("Length", 1.0, 0.0), "CentiM": ("Length", 1e-2, 0.0), "MilliM": ("Length", 1e-3, 0.0),
    "MicroM": ("Length", 1e-6, 0.0), "NanoM": ("Length", 1e-9, 0.0), "PicoM": ("Length", 1e-12, 0.0),
    "ANGSTROM": ("Length", 1e-10, 0.0),
    # time (s)
    "SEC": ("Time", 1.0, 0.0), "MilliSEC": ("Time", 1e-3, 0.0), "MicroSEC": ("Time", 1e-6, 0.0),
    "NanoSEC": ("Time", 1e-9, 0.0), "PicoSEC": ("Time", 1e-12, 0.0), "FemtoSEC": ("Time", 1e-15, 0.0),
    "MIN": ("Time", 60.0, 0.0), "HR": ("Time", 3600.0, 0.0), "DAY": ("Time", 86400.0, 0.0),
    # frequency (Hz)
    "HZ": ("Frequency", 1.0, 0.0), "KiloHZ": ("Frequency", 1e3, 0.0), "MegaHZ": ("Frequency", 1e6, 0.0),
    "GigaHZ": ("Frequency", 1e9, 0.0),
    # temperature (K): °C = K − 273.15; °F = (K × 9/5) − 459.67
    "K": ("Temperature", 1.0, 0.0), "DEG_C": ("Temperature", 1.0, 273.15),
    "DEG_F": ("Temperature", 5.0 / 9.0, 459.67 * 5.0 / 9.0),
    # plane angle (rad)
    "RAD": ("Angle", 1.0, 0.0), "MilliRAD": ("Angle", 1e-3, 0.0), "MicroRAD": ("Angle", 1e-6, 0.0),
    "DEG": ("Angle", math.pi / 180.0, 0.0),
    # electricity and magnetism
    "A": ("ElectricCurrent", 1.0, 0.0), "MilliA": ("ElectricCurrent", 1e-3, 0.0),
    "MicroA": ("ElectricCurrent", 1e-6, 0.0),
    "V": ("Voltage", 1.0, 0.0), "KiloV": ("Voltage", 1e3, 0.0), "MilliV": ("Voltage", 1e-3, 0.0),
    "T": ("MagneticFluxDensity", 1.0, 0.0), "MilliT": ("MagneticFluxDensity", 1e-3, 0.0),
    # power (W), irradiance (W/m²)
    "W": ("Power", 1.0, 0.0), "MilliW": ("Power", 1e-3, 0.0), "KiloW": ("Power", 1e3, 0.0),
    "W-PER-CentiM2": ("Irradiance", 1e4, 0.0),
    # pressure (Pa)
    "PA": ("Pressure", 1.0, 0.0), "KiloPA": ("Pressure", 1e3, 0.0), "BAR": ("Pressure", 1e5, 0.0),
    "MilliBAR": ("Pressure", 1e2, 0.0), "ATM": ("Pressure", 101325.0, 0.0), "TORR": ("Pressure", 133.322368421, 0.0),
    # mass (kg), amount, force
    "KiloGM": ("Mass", 1.0, 0.0), "GM": ("Mass", 1e-3, 0.0), "MilliGM": ("Mass", 1e-6, 0.0),
    "MOL": ("AmountOfSubstance", 1.0, 0.0), "N": ("Force", 1.0, 0.0),
    # dimensionless, counts, information
    "PERCENT": ("DimensionlessRatio", 1e-2, 0.0), "NUM": ("Count", 1.0, 0.0), "BYTE": ("Information", 1.0, 0.0),
}

#: spellings of units the PaNOSC documentation lists (mathjs names) that mappings/units.tsv does not hold
EXTRA_SPELLINGS: dict[str, str] = {
    "day": "DAY", "days": "DAY", "minute": "MIN", "minutes": "MIN", "mins": "MIN", "hour": "HR", "hours": "HR",
    "hr": "HR", "hrs": "HR", "secs": "SEC", "radian": "RAD", "gram": "GM", "ampere": "A", "volt": "V",
    "watt": "W", "hertz": "HZ", "electronvolt": "EV", "tesla": "T", "newton": "N", "mole": "MOL",
    "GHz": "GigaHZ",
}

#: SI prefixes (PaNOSC units documentation)
PREFIXES: dict[str, float] = {
    "y": 1e-24, "z": 1e-21, "a": 1e-18, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6,
    "m": 1e-3, "c": 1e-2, "d": 1e-1, "da": 1e1, "h": 1e2, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
    "E": 1e18, "Z": 1e21, "Y": 1e24,
}


@dataclass(frozen=True)
class Unit:
    """A unit that can be converted: its QUDT IRI (None for a prefixed spelling without one), its quantity
    kind, and ``si = value × multiplier + offset``."""

    iri: str | None
    kind: str
    multiplier: float
    offset: float = 0.0

    def to_si(self, value: float) -> float:
        return value * self.multiplier + self.offset

    def from_si(self, value: float) -> float:
        return (value - self.offset) / self.multiplier


class UnitConverter:
    """Finds units by spelling or QUDT IRI and converts values between units of one quantity kind."""

    def __init__(self, spellings: dict[str, str]) -> None:
        #: spelling → QUDT IRI (mappings/units.tsv, exact spelling, then case-folded when unambiguous)
        self._exact = dict(spellings)
        folded: dict[str, set[str]] = {}
        for s, u in spellings.items():
            folded.setdefault(s.casefold(), set()).add(u)
        self._folded = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}

    @classmethod
    def from_mappings(cls, mappings=None) -> "UnitConverter":  # noqa: ANN001 - pangraph.crosswalk.Mappings
        """The converter over ``mappings/units.tsv`` (default: the project's mappings)."""
        if mappings is None:
            from pangraph.crosswalk import load_mappings
            mappings = load_mappings()
        spellings = {s: row.object_id for s, row in mappings.units.exact.items()}
        for s, local in EXTRA_SPELLINGS.items():
            if s not in spellings:
                spellings[s] = QUDT_UNIT + local
        return cls(spellings)

    def by_iri(self, iri: str | None) -> Unit | None:
        """The unit with the QUDT IRI *iri*, when :data:`CONVERSIONS` knows it."""
        if not iri or not iri.startswith(QUDT_UNIT):
            return None
        found = CONVERSIONS.get(iri[len(QUDT_UNIT):])
        return Unit(iri, *found) if found else None

    def _iri(self, spelling: str) -> str | None:
        return self._exact.get(spelling) or self._folded.get(spelling.casefold())

    def unit(self, spelling: str | None) -> Unit | None:
        """The unit written *spelling* (``keV``, ``celsius``, ``Angstrom``, a QUDT IRI, ``GHz``…), or None."""
        s = (spelling or "").strip()
        if not s:
            return None
        if s.startswith(QUDT_UNIT):
            return self.by_iri(s)
        iri = self._exact.get(s)
        if iri is not None:
            return self.by_iri(iri)
        for prefix in sorted(PREFIXES, key=len, reverse=True):
            if s.startswith(prefix) and len(s) > len(prefix):
                base_iri = self._exact.get(s[len(prefix):])
                base = self.by_iri(base_iri)
                if base is not None and base.offset == 0.0:
                    return Unit(None, base.kind, base.multiplier * PREFIXES[prefix])
        iri = self._folded.get(s.casefold())
        return self.by_iri(iri)

    def convert(self, value: float, source: Unit, target: Unit) -> float | None:
        """*value* in *source* expressed in *target*; None when the quantity kinds differ."""
        if source.kind != target.kind:
            return None
        return target.from_si(source.to_si(value))


@lru_cache(maxsize=1)
def default_converter() -> UnitConverter:
    """The converter over the project's ``mappings/units.tsv`` (loaded once)."""
    return UnitConverter.from_mappings()
