"""What the OAI-PMH provider (:mod:`pangraph.api.oai`) disseminates that is not OAI-PMH itself: the crosswalk
from the graph back to DataCite kernel 4 (:mod:`pangraph.oai.datacite`)."""
