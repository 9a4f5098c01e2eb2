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

# --- joining datasets, training and software (issue 3) ------------------------------------------------

TRAINING_AND_SOFTWARE_FOR_A_DATASET = """\
PREFIX schema: <http://schema.org/>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct:    <http://purl.org/dc/terms/>

# For one dataset: the training materials, courses and software about its techniques, about a
# narrower technique (any depth) or about a broader one (its direct parents; the very general
# PaNET00xxx classes such as "scattering technique" are left out). Replace the dataset IRI.
SELECT DISTINCT ?kind ?resource ?name ?about ?relation WHERE {
  VALUES ?dataset { <https://doi.org/10.15151/esrf-dc-1548271939> }
  ?dataset schema:measurementTechnique ?technique .
  {
    ?about rdfs:subClassOf* ?technique .
    BIND(IF(?about = ?technique, "same technique", "narrower technique") AS ?relation)
  } UNION {
    ?technique rdfs:subClassOf ?about .
    FILTER(!STRSTARTS(STR(?about), "http://purl.org/pan-science/PaNET/PaNET00"))
    BIND("broader technique" AS ?relation)
  }
  ?resource schema:about ?about ; a ?type .
  VALUES (?type ?kind) { (schema:LearningResource "training") (schema:Course "training")
                         (schema:Event "training") (schema:SoftwareSourceCode "software") }
  OPTIONAL { ?resource schema:name ?n }
  BIND(STR(?n) AS ?name)
}
ORDER BY ?kind ?name
"""

DATASETS_PER_FACILITY_AND_YEAR = """\
PREFIX schema: <http://schema.org/>
PREFIX dct:    <http://purl.org/dc/terms/>
PREFIX foaf:   <http://xmlns.com/foaf/0.1/>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX panet:  <http://purl.org/pan-science/PaNET/>

# For one technique (here small angle neutron scattering, PaNET01189, with its narrower
# techniques): datasets per facility (the publisher) and year of issue.
SELECT ?facility ?year (COUNT(DISTINCT ?dataset) AS ?datasets) WHERE {
  ?technique rdfs:subClassOf* panet:PaNET01189 .
  ?dataset schema:measurementTechnique ?technique ;
           dct:publisher ?publisher ;
           dct:issued ?issued .
  ?publisher foaf:name ?name .
  BIND(STR(?name) AS ?facility)
  BIND(SUBSTR(STR(?issued), 1, 4) AS ?year)
}
GROUP BY ?facility ?year
ORDER BY ?facility ?year
"""

A_PERSON_ACROSS_SOURCES = """\
PREFIX schema: <http://schema.org/>
PREFIX dct:    <http://purl.org/dc/terms/>
PREFIX dcat:   <http://www.w3.org/ns/dcat#>
PREFIX prov:   <http://www.w3.org/ns/prov#>

# For one person (ORCID): the datasets, proposals, publications, training and software they appear
# in, whichever source described them. Replace the ORCID.
SELECT DISTINCT ?kind ?thing ?title ?role WHERE {
  VALUES ?person { <https://orcid.org/0000-0002-4984-4867> }
  {
    ?thing dct:creator|dct:contributor ?person ; a dcat:Dataset .
    BIND("dataset" AS ?kind)
  } UNION {
    ?thing prov:wasAssociatedWith ?person ; a prov:Activity .
    BIND("proposal" AS ?kind)
  } UNION {
    ?thing dct:creator|dct:contributor ?person ; a schema:ScholarlyArticle .
    BIND("publication" AS ?kind)
  } UNION {
    ?thing schema:author|schema:contributor|schema:instructor|schema:organizer ?person .
    ?thing a ?t . FILTER(?t IN (schema:LearningResource, schema:Course, schema:CourseInstance, schema:Event))
    BIND("training" AS ?kind)
  } UNION {
    ?thing schema:author|schema:contributor ?person ; a schema:SoftwareSourceCode .
    BIND("software" AS ?kind)
  }
  OPTIONAL { ?thing dct:title|schema:name ?t0 }
  BIND(STR(?t0) AS ?title)
  OPTIONAL { ?thing (prov:qualifiedAttribution|prov:qualifiedAssociation) [ prov:agent ?person ; dcat:hadRole|prov:hadRole ?role ] }
}
ORDER BY ?kind ?title
"""

DATASETS_LINKED_TO_STRUCTURES_AND_PUBLICATIONS = """\
PREFIX dct:  <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>

# Datasets linked to PDB / EMPIAR / EMDB entries (identifiers.org IRIs), CXIDB entries, or
# publications (DOIs), with the relation that links them.
SELECT DISTINCT ?dataset ?relation ?target ?targetKind WHERE {
  ?dataset a dcat:Dataset ; ?relation ?target .
  FILTER(isIRI(?target) && ?relation != dct:publisher && ?relation != dct:license && ?relation != dct:creator
         && ?relation != dct:contributor && ?relation != dct:type && ?relation != dct:accessRights)
  BIND(STR(?target) AS ?t)
  BIND(IF(STRSTARTS(?t, "https://identifiers.org/pdb:"), "PDB",
       IF(STRSTARTS(?t, "https://identifiers.org/empiar:"), "EMPIAR",
       IF(STRSTARTS(?t, "https://identifiers.org/emdb:"), "EMDB",
       IF(CONTAINS(?t, "cxidb.org"), "CXIDB",
       IF(STRSTARTS(?t, "https://doi.org/") && ?relation IN (dct:isReferencedBy, dct:references, dct:relation), "publication (DOI)",
          ""))))) AS ?targetKind)
  FILTER(?targetKind != "")
}
ORDER BY ?targetKind ?dataset
"""

ONE_IDENTIFIER_SEVERAL_SOURCES = """\
PREFIX dct:    <http://purl.org/dc/terms/>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX schema: <http://schema.org/>

# Resources (same DOI, ORCID …) described by records of more than one source, with what each
# source says their title is: each source keeps its own record graph, so disagreements stay
# visible and nothing is overwritten.
SELECT ?resource ?source ?title WHERE {
  { SELECT ?resource WHERE {
      GRAPH ?g { ?resource dct:title|schema:name ?x }
      GRAPH ?p { ?g a prov:Entity ; dct:source ?s }
    } GROUP BY ?resource HAVING (COUNT(DISTINCT ?s) > 1) }
  GRAPH ?graph { ?resource dct:title|schema:name ?t }
  GRAPH ?p2 { ?graph a prov:Entity ; dct:source ?source }
  BIND(STR(?t) AS ?title)
}
ORDER BY ?resource ?source
"""

JOINS: list[tuple[str, str]] = [
    ("Training and software for a dataset's technique (PaNET closure)", TRAINING_AND_SOFTWARE_FOR_A_DATASET),
    ("For a technique: datasets per facility and year", DATASETS_PER_FACILITY_AND_YEAR),
    ("For a person (ORCID): datasets, proposals, training", A_PERSON_ACROSS_SOURCES),
    ("Datasets linked to PDB / EMPIAR / CXIDB entries or publications", DATASETS_LINKED_TO_STRUCTURES_AND_PUBLICATIONS),
    ("One identifier, several sources: what each says", ONE_IDENTIFIER_SEVERAL_SOURCES),
]
EXAMPLES += JOINS

# --- the quality loop: questions about the quality graph ------------------------------------------------

SOURCES_WITH_DATASETS_WITHOUT_LICENCE = """\
PREFIX dct:  <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>

# Which sources have datasets without a licence: per source, its dataset records (record graphs whose
# main resource is a dcat:Dataset) and how many of them state no dct:license. Read per record graph:
# a DOI that one source licenses and another does not counts against the second source only.
SELECT ?source (COUNT(?g) AS ?datasetRecords) (SUM(?missing) AS ?withoutLicence) WHERE {
  { SELECT DISTINCT ?source ?g ?dataset WHERE {
      GRAPH ?provenance { ?g a prov:Entity ; dct:source ?source ; foaf:primaryTopic ?dataset }
      GRAPH ?g { ?dataset a dcat:Dataset }
  } }
  BIND(IF(EXISTS { GRAPH ?g { ?dataset dct:license ?licence } }, 0, 1) AS ?missing)
}
GROUP BY ?source
HAVING (SUM(?missing) > 0)
ORDER BY DESC(?withoutLicence) ?source
"""

SCORE_DISTRIBUTION_PER_FACILITY = """\
PREFIX dct:      <http://purl.org/dc/terms/>
PREFIX dcat:     <http://www.w3.org/ns/dcat#>
PREFIX dqv:      <http://www.w3.org/ns/dqv#>
PREFIX foaf:     <http://xmlns.com/foaf/0.1/>
PREFIX prov:     <http://www.w3.org/ns/prov#>
PREFIX xsd:      <http://www.w3.org/2001/XMLSchema#>
PREFIX pangraph: <https://w3id.org/pangraph/ns#>

# Quality score distribution per facility: dataset records per facility (the publisher's name as
# each record gives it) and total quality score (0-100, pangraph:totalScore in the quality graph),
# in 10-point buckets (the last one is 90-100).
SELECT ?facility ?bucket (COUNT(DISTINCT ?g) AS ?records) WHERE {
  GRAPH ?provenance { ?g a prov:Entity ; foaf:primaryTopic ?dataset }
  GRAPH ?g { ?dataset a dcat:Dataset ; dct:publisher ?publisher . ?publisher foaf:name ?name }
  GRAPH ?quality { ?m dqv:computedOn ?g ; dqv:isMeasurementOf pangraph:totalScore ; dqv:value ?score }
  BIND(STR(?name) AS ?facility)
  BIND(IF(?score >= 90, 90, xsd:integer(FLOOR(?score / 10)) * 10) AS ?low)
  BIND(CONCAT(STR(?low), "-", STR(IF(?low = 90, 100, ?low + 9))) AS ?bucket)
}
GROUP BY ?facility ?low ?bucket
ORDER BY ?facility ?low
"""

QUALITY: list[tuple[str, str]] = [
    ("Which sources have datasets without a licence", SOURCES_WITH_DATASETS_WITHOUT_LICENCE),
    ("Quality score distribution per facility", SCORE_DISTRIBUTION_PER_FACILITY),
]
EXAMPLES += QUALITY
