"""JSON records for the field crosswalks: the JSON flavour of the path language of
:mod:`pangraph.crosswalk.xml`, and the list of fields a record holds (for coverage reports).

A path is keys separated by ``/``; arrays are walked through transparently (``creators/affiliation``
visits every affiliation of every creator), like repeated XML elements. A step may carry predicates
on the keys of the object it selects, with the same syntax as XML attributes: ``[@key]``,
``[!@key]``, ``[@key=a|b]`` (values compared case-insensitively as strings), ``[!@key=a|b]``.
``*`` selects every value of an object. Examples::

    titles[!@titleType]/title
    nameIdentifiers[@nameIdentifierScheme=ORCID]/nameIdentifier
    relatedIdentifiers
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

import orjson

from pangraph.crosswalk.xml import split_steps

_STEP = re.compile(r"^(?P<name>\*|[A-Za-z_$@][\w.:$@-]*)(?P<preds>(?:\[[^\]]*\])*)$")
_PRED = re.compile(r"\[(?P<neg>!?)@(?P<key>[A-Za-z_$@][\w.:$@-]*)(?:=(?P<values>[^\]]*))?\]")


def parse_json(payload: bytes) -> Any:
    """The JSON document in *payload*; raises ``ValueError`` (orjson.JSONDecodeError) when malformed."""
    return orjson.loads(payload)


def canonical_json(value: Any) -> bytes:
    """*value* serialised deterministically (sorted keys): the bytes archived for a JSON record, so that
    the same content always gives the same content hash."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip() or None


@dataclass(frozen=True)
class JsonPredicate:
    key: str
    values: tuple[str, ...] | None
    negated: bool

    def matches(self, obj: Any) -> bool:
        value = _scalar(obj.get(self.key)) if isinstance(obj, dict) else None
        hit = value is not None if self.values is None else (value is not None and value.lower() in self.values)
        return hit != self.negated


@dataclass(frozen=True)
class JsonStep:
    name: str
    predicates: tuple[JsonPredicate, ...]

    def select(self, value: Any) -> list[Any]:
        if not isinstance(value, dict):
            return []
        found = list(value.values()) if self.name == "*" else ([value[self.name]] if self.name in value else [])
        out: list[Any] = []
        for v in found:
            for item in (v if isinstance(v, list) else [v]):
                if item is None:
                    continue
                if all(p.matches(item) for p in self.predicates):
                    out.append(item)
        return out


@dataclass(frozen=True)
class JsonPath:
    """A compiled JSON path."""

    source: str
    steps: tuple[JsonStep, ...]

    def select(self, doc: Any) -> list[Any]:
        """The values the path designates, arrays flattened, in document order."""
        current = doc if isinstance(doc, list) else [doc]
        for step in self.steps:
            current = [found for value in current for found in step.select(value)]
        return current


def compile_json_path(source: str) -> JsonPath:
    """Compile a JSON path; raises ``ValueError`` naming the offending step when it is malformed."""
    source = source.strip()
    if not source:
        raise ValueError("empty path")
    steps = []
    for raw in split_steps(source):
        m = _STEP.match(raw.strip())
        if not m:
            raise ValueError(f"malformed path step {raw!r}")
        preds_text = m.group("preds")
        if "".join(p.group(0) for p in _PRED.finditer(preds_text)) != preds_text:
            raise ValueError(f"malformed predicate in path step {raw!r} (use [@k], [!@k], [@k=x|y])")
        preds = []
        for p in _PRED.finditer(preds_text):
            vals = None
            if p.group("values") is not None:
                vals = tuple(v.strip().lower() for v in p.group("values").split("|"))
                if not all(vals):
                    raise ValueError(f"empty value in predicate of path step {raw!r}")
            preds.append(JsonPredicate(p.group("key"), vals, bool(p.group("neg"))))
        steps.append(JsonStep(m.group("name"), tuple(preds)))
    return JsonPath(source, tuple(steps))


def field_paths(doc: Any, prefix: str = "") -> Iterator[str]:
    """Every path (``a/b/c``, arrays walked through) at which *doc* holds a non-empty scalar value."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from field_paths(v, f"{prefix}/{k}" if prefix else str(k))
    elif isinstance(doc, list):
        for item in doc:
            yield from field_paths(item, prefix)
    elif _scalar(doc) is not None and prefix:
        yield prefix


def xml_as_json(element: Any) -> Any:
    """An XML element (lxml) as JSON, so JSON paths can read XML formats: attributes and child elements
    become keys (by local name; repeated children an array), the text ``value``; an element with
    neither attributes nor children is its text."""
    children = [c for c in element.iterchildren() if isinstance(c.tag, str)]
    text = (element.text or "").strip()
    if not children and not element.attrib:
        return text
    out: dict[str, Any] = {k: v for k, v in element.attrib.items() if "}" not in k}
    if text:
        out["value"] = text
    for c in children:
        name = c.tag.rsplit("}", 1)[-1]
        v = xml_as_json(c)
        if name in out:
            out[name] = out[name] if isinstance(out[name], list) else [out[name]]
            out[name].append(v)
        else:
            out[name] = v
    return out
