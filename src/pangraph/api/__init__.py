"""The HTTP API of a pangraph node (FastAPI): SPARQL 1.1 Protocol, Linked Data, landing page, health, runs."""

from pangraph.api.app import create_app

__all__ = ["create_app"]
