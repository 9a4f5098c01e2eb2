"""pangraph: the knowledge graph of the Photon and Neutron (PaN) research community."""

__version__ = "0.1.0"
