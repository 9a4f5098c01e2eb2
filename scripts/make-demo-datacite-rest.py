"""Write src/pangraph/demo/datacite-rest/: DataCite REST API /dois JSON for two ESRF DOIs of the
demo's esrf-oai source, as DataCite would serve them later — one with a corrected title — so the
demo shows one DOI described by two sources, with the disagreement visible.

    .venv/bin/python scripts/make-demo-datacite-rest.py
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from lxml import etree

DEMO = Path(__file__).resolve().parents[1] / "src" / "pangraph" / "demo"
DOIS = {"10.15151/ESRF-DC-1548271939": "SAXS data on lysozyme in crowded solutions (ID02), corrected buffer series",
        "10.15151/ESRF-ES-2505237200": None}


def text(e: etree._Element | None) -> str | None:
    return " ".join("".join(e.itertext()).split()) if e is not None else None


def local(e: etree._Element) -> str:
    return etree.QName(e).localname


def agent(e: etree._Element, kind: str) -> dict:
    name = e.find(f"{{*}}{kind}Name")
    out = {"name": text(name), "nameType": name.get("nameType") if name is not None else None,
           "givenName": text(e.find("{*}givenName")), "familyName": text(e.find("{*}familyName")),
           "nameIdentifiers": [{"nameIdentifier": text(i), "nameIdentifierScheme": i.get("nameIdentifierScheme"),
                                "schemeUri": i.get("schemeURI")} for i in e.findall("{*}nameIdentifier")],
           "affiliation": [{"name": text(a), **({"affiliationIdentifier": a.get("affiliationIdentifier"),
                                                "affiliationIdentifierScheme": a.get("affiliationIdentifierScheme")}
                                               if a.get("affiliationIdentifier") else {})}
                           for a in e.findall("{*}affiliation")]}
    if kind == "contributor":
        out["contributorType"] = e.get("contributorType")
    return {k: v for k, v in out.items() if v not in (None, [])}


def item(resource: etree._Element, new_title: str | None) -> dict:
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    if new_title:
        resource.find("{*}titles/{*}title").text = new_title
    doi = text(resource.find("{*}identifier"))
    attrs = {
        "doi": doi.lower(),
        "identifiers": [],
        "creators": [agent(c, "creator") for c in resource.findall("{*}creators/{*}creator")],
        "titles": [{"title": text(t), **({"lang": t.get(lang)} if t.get(lang) else {})}
                   for t in resource.findall("{*}titles/{*}title")],
        "publisher": text(resource.find("{*}publisher")),
        "publicationYear": int(text(resource.find("{*}publicationYear"))),
        "subjects": [{k: v for k, v in {"subject": text(s), "subjectScheme": s.get("subjectScheme"),
                                        "schemeUri": s.get("schemeURI"), "valueUri": s.get("valueURI"),
                                        "lang": s.get(lang)}.items() if v}
                     for s in resource.findall("{*}subjects/{*}subject")],
        "contributors": [agent(c, "contributor") for c in resource.findall("{*}contributors/{*}contributor")],
        "dates": [{"date": text(d), "dateType": d.get("dateType")} for d in resource.findall("{*}dates/{*}date")],
        "types": {"resourceTypeGeneral": resource.find("{*}resourceType").get("resourceTypeGeneral"),
                  "resourceType": text(resource.find("{*}resourceType"))},
        "rightsList": [{k: v for k, v in {"rights": text(r), "rightsUri": r.get("rightsURI"),
                                          "rightsIdentifier": r.get("rightsIdentifier"),
                                          "rightsIdentifierScheme": r.get("rightsIdentifierScheme")}.items() if v}
                       for r in resource.findall("{*}rightsList/{*}rights")],
        "descriptions": [{"description": text(d), "descriptionType": d.get("descriptionType")}
                         for d in resource.findall("{*}descriptions/{*}description")],
        "url": f"https://doi.esrf.fr/{doi}",
        "schemaVersion": "http://datacite.org/schema/kernel-4",
        "state": "findable",
        "updated": "2026-06-01T09:00:00Z",
        "xml": base64.b64encode(etree.tostring(resource, encoding="UTF-8", xml_declaration=True)).decode(),
    }
    return {"id": doi.lower(), "type": "dois", "attributes": attrs}


def main() -> None:
    items = []
    for page in sorted((DEMO / "records" / "esrf-oai").glob("*.xml")):
        for res in etree.parse(str(page)).iter("{*}resource"):
            doi = text(res.find("{*}identifier"))
            if doi in DOIS:
                items.append(item(res, DOIS[doi]))
    assert len(items) == len(DOIS), f"DOIs not found in the esrf-oai demo: {set(DOIS)}"
    out = DEMO / "datacite-rest"
    out.mkdir(exist_ok=True)
    page = {"data": sorted(items, key=lambda i: i["id"]), "meta": {"total": len(items)}, "links": {}}
    (out / "dois-page-1.json").write_text(json.dumps(page, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "sources.toml").write_text(
        "# Generated by scripts/make-demo-datacite-rest.py: two ESRF DOIs of the esrf-oai demo source as the\n"
        "# DataCite REST API serves them, one with a corrected title (one DOI, two sources, two titles).\n\n"
        '[[sources]]\nname = "datacite-rest"\nkind = "files"\nformat = "datacite-json"\n'
        'metadata_prefix = "datacite-json"\nfacility = "ESRF"\n'
        'title = "ESRF DOIs from the DataCite REST API (client inist.esrf)"\nfiles = ["dois-page-1.json"]\n',
        encoding="utf-8")
    print(f"{out}: {len(items)} DOIs")


if __name__ == "__main__":
    main()
