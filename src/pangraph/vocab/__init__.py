"""Vocabularies: PaNET techniques (label/altLabel/IRI lookup, broader and narrower closure)."""

from pangraph.vocab.panet import TechniqueIndex, TechniqueMatch, load_techniques

__all__ = ["TechniqueIndex", "TechniqueMatch", "load_techniques"]
