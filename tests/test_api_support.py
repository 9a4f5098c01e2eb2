"""Shared test data of the API tests: a small node (two sources, provenance, quality, PaNET labels) and a
tiny run archive. Imported by the ``test_api_*`` modules; holds no tests itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rdflib

from pangraph import iri as iris
from pangraph.config import Config, SourceConfig, load_config
from pangraph.rdf import (
    DCAT, DCT, FOAF, PANET, PANGRAPH, PROV, RDF, RDFS, SCHEMA, SH, XSD, bnode, iri, literal, nquads,
)
from pangraph.store.oxigraph import OxigraphStore

SCHEMA_TECHNIQUE = SCHEMA["measurementTechnique"]
TITLE = DCT["title"]
XRD = PANET.raw("PaNET01217")
SAXS = PANET.raw("PaNET01188")


class ListArchive:
    """A real, minimal run archive: run reports kept in a list, newest first."""

    def __init__(self, runs: list[dict[str, Any]] | None = None) -> None:
        self._runs = list(runs or [])

    def add(self, run: dict[str, Any]) -> None:
        self._runs.insert(0, run)

    def runs(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        return [r for r in self._runs if source is None or r.get("source") == source][:limit]


def make_config(tmp_path: Path, *, base: str = "http://127.0.0.1:8000", **values: Any) -> Config:
    """A config with *base*, data under *tmp_path* and two sources (esrf with a facility, ill)."""
    cfg = load_config(environ={"PANGRAPH_NODE_BASE": base, "PANGRAPH_PATHS_DATA": str(tmp_path / "data")})
    cfg = cfg.with_values(**values) if values else cfg
    return cfg.with_sources({
        "esrf": SourceConfig(name="esrf", url="https://example.org/oai", facility="ESRF", title="ESRF data portal"),
        "ill": SourceConfig(name="ill", url="https://example.org/ill/oai", facility="ILL"),
    })


def record_quads(base: str, source: str, key: str, *, technique: str | None = XRD, doi: str | None = None,
                 conforms: bool = True, references: str | None = None) -> str:
    """N-Quads of one record: its record graph, its provenance node and a validation report."""
    graph = iris.record_graph(base, source, key)
    dataset = doi or iris.mint(base, "dataset", source, key)
    person = iris.mint(base, "person", source, f"doe-jane-{key}")
    d, p = iri(dataset), iri(person)
    period = bnode(f"period-{source}-{key}")
    attribution = bnode(f"attr-{source}-{key}")
    triples = [
        (d, RDF.type, DCAT.Dataset),
        (d, TITLE, literal(f"Diffraction study {key}", lang="en")),
        (d, DCT.identifier, literal(f"{source}:{key}")),
        (d, DCT.issued, literal("2021-05-04", datatype=XSD.raw("date"))),
        (d, DCT.creator, p),
        (p, RDF.type, FOAF.Person),
        (p, FOAF.name, literal(f"Jane Doe ({key})")),
        (d, DCT.temporal, period),
        (period, RDF.type, DCT.PeriodOfTime),
        (period, DCAT.startDate, literal("2020-01-01", datatype=XSD.raw("date"))),
        (d, PROV.qualifiedAttribution, attribution),
        (attribution, PROV.agent, p),
        (attribution, DCAT.hadRole, iri("http://example.org/role/ContactPerson")),
    ]
    if technique:
        triples.append((d, SCHEMA_TECHNIQUE, iri(technique)))
    if references:
        triples.append((d, DCT.references, iri(references)))
    g = iri(graph)
    provenance = [
        (g, RDF.type, PROV.Entity),
        (g, DCT.source, literal(source)),
        (g, DCT.identifier, literal(f"oai:{source}:{key}")),
        (g, PROV.generatedAtTime, literal(f"2024-01-0{len(key) % 9 + 1}T10:00:00Z", datatype=XSD.raw("dateTime"))),
        (g, PANGRAPH.contentHash, literal("0" * 64)),
        (g, FOAF.primaryTopic, d),
    ]
    report = bnode(f"report-{source}-{key}")
    quality = [
        (report, RDF.type, SH.ValidationReport),
        (report, SH.conforms, literal("true" if conforms else "false", datatype=XSD.raw("boolean"))),
        (report, iri("http://www.w3.org/ns/dqv#computedOn"), g),
    ]
    if not conforms:
        for i, severity in enumerate(("Violation", "Warning")):
            result = bnode(f"result-{source}-{key}-{i}")
            quality += [
                (report, SH.result, result),
                (result, RDF.type, SH.ValidationResult),
                (result, SH.resultSeverity, SH[severity]),
                (result, SH.focusNode, d),
                (result, iri("http://www.w3.org/ns/dqv#computedOn"), g),
            ]
    return (nquads(triples, graph) + nquads(provenance, iris.provenance_graph(base))
            + nquads(quality, iris.quality_graph(base)))


def panet_quads(base: str) -> str:
    """Labels of two PaNET techniques in the ontology graph."""
    triples = [
        (iri(XRD), RDF.type, iri("http://www.w3.org/2002/07/owl#Class")),
        (iri(XRD), RDFS.label, literal("x-ray diffraction")),
        (iri(SAXS), RDFS.label, literal("small angle x-ray scattering")),
    ]
    return nquads(triples, iris.ontology_graph(base, "panet"))


def node_quads(base: str) -> str:
    """The standard test node: esrf/rec-1 (XRD, conforms), esrf/rec-2 (SAXS, does not conform),
    ill/r3 (a DOI dataset with XRD that references esrf/rec-1), and the PaNET labels."""
    rec1 = iris.mint(base, "dataset", "esrf", "rec-1")
    return (
        record_quads(base, "esrf", "rec-1", technique=XRD)
        + record_quads(base, "esrf", "rec-2", technique=SAXS, conforms=False)
        + record_quads(base, "ill", "r3", technique=XRD, doi="https://doi.org/10.5291/ill-data.1-01-1",
                       references=rec1)
        + panet_quads(base)
    )


def loaded_store(base: str, path: Path | None = None) -> OxigraphStore:
    """An Oxigraph store (in memory, or on disk at *path*) holding :func:`node_quads`."""
    store = OxigraphStore(path)
    store.bulk_load(node_quads(base).encode("utf-8"), format="application/n-quads")
    return store


def dataset_graph(base: str) -> rdflib.Dataset:
    """:func:`node_quads` parsed by rdflib (an independent reading to compare the API's answers with)."""
    ds = rdflib.Dataset()
    ds.parse(data=node_quads(base), format="nquads")
    return ds


def union_graph(base: str) -> rdflib.Graph:
    """All triples of the test node in one rdflib graph."""
    g = rdflib.Graph()
    for s, p, o, _ in dataset_graph(base).quads((None, None, None, None)):
        g.add((s, p, o))
    return g
