"""Example SPARQL queries shown by `pangraph demo`, on the landing page and in the README.

Kept in one place so that a test runs every one of them against the demo graph.
"""

from __future__ import annotations

SMALL_ANGLE_SCATTERING = """\
PREFIX schema: <http://schema.org/>
PREFIX dct:    <http://purl.org/dc/terms/>
PREFIX foaf:   <http://xmlns.com/foaf/0.1/>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX panet:  <http://purl.org/pan-science/PaNET/>

# Datasets measured with any kind of small-angle scattering (PaNET01124 and every narrower
# technique: SAXS, SANS, GISAXS, USAXS ...), with their facility. DISTINCT: the default graph is
# the union of all record graphs, so a triple that several records state (a facility's name) comes
# once per record graph.
SELECT DISTINCT ?dataset ?title ?techniqueLabel ?facility WHERE {
  ?technique rdfs:subClassOf* panet:PaNET01124 .
  ?dataset schema:measurementTechnique ?technique ;
           dct:title ?t ;
           dct:publisher ?publisher .
  ?publisher foaf:name ?name .
  OPTIONAL { ?technique rdfs:label ?techniqueLabel }
  BIND(STR(?t) AS ?title)        # names and titles may come with or without a language tag
  BIND(STR(?name) AS ?facility)
}
ORDER BY ?facility ?title
"""

DATASETS_PER_TECHNIQUE = """\
PREFIX schema: <http://schema.org/>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>

# How many datasets use each technique (grouped first, labels joined afterwards).
SELECT ?technique ?label ?datasets WHERE {
  { SELECT ?technique (COUNT(DISTINCT ?d) AS ?datasets)
    WHERE { ?d schema:measurementTechnique ?technique } GROUP BY ?technique }
  OPTIONAL { ?technique rdfs:label ?label }
}
ORDER BY DESC(?datasets)
"""

PEOPLE_WITH_ORCID = """\
PREFIX dct:  <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>

# Researchers identified by ORCID and the number of datasets they created.
SELECT ?person ?name (COUNT(DISTINCT ?d) AS ?datasets) WHERE {
  ?d dct:creator ?person .
  ?person foaf:name ?name .
  FILTER(STRSTARTS(STR(?person), "https://orcid.org/"))
}
GROUP BY ?person ?name
ORDER BY DESC(?datasets) ?name
LIMIT 20
"""

RECORDS_THAT_DO_NOT_CONFORM = """\
PREFIX sh:   <http://www.w3.org/ns/shacl#>
PREFIX dqv:  <http://www.w3.org/ns/dqv#>

# What curators should fix first: SHACL violations by message, across record graphs.
SELECT ?severity ?message (COUNT(DISTINCT ?r) AS ?results) WHERE {
  GRAPH ?q { ?report a sh:ValidationReport ; sh:result ?r .
             ?r sh:resultSeverity ?severity ; sh:resultMessage ?message . }
}
GROUP BY ?severity ?message
ORDER BY ?severity DESC(?results)
"""

EXAMPLES: list[tuple[str, str]] = [
    ("Datasets measured with any kind of small-angle scattering, with their facility", SMALL_ANGLE_SCATTERING),
    ("Datasets per technique", DATASETS_PER_TECHNIQUE),
    ("Researchers with an ORCID and their datasets", PEOPLE_WITH_ORCID),
    ("Validation results: what to fix first", RECORDS_THAT_DO_NOT_CONFORM),
]
