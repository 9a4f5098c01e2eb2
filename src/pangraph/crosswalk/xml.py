"""Namespace-agnostic reading of metadata XML: parsing a payload safely, matching elements and
attributes by local name, and the small path language of the field crosswalks in ``mappings/``.

Real catalogue XML binds the same element to several namespaces (DataCite kernel-4, kernel-4.x,
the OpenAIRE variant, no namespace at all; SciCat binds ``panosc:`` to the oai_dc namespace), so
everything here matches *local names* and ignores namespaces.

Path language (one step per ``/``, evaluated from the metadata root element)::

    titles/title                      children by local name
    titles/title[@titleType]          ... that carry the attribute
    titles/title[!@titleType]         ... that do not carry it
    dates/date[@dateType=Issued]      ... whose attribute equals a value (case-insensitive)
    subjects/subject[@subjectScheme=Proposal|Instrument]   ... one of several values
    subjects/subject[!@subjectScheme=Proposal|Instrument]  ... none of them (or no attribute)
    *                                 any child element
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

Element = etree._Element

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True, huge_tree=True
)


def parse_xml(payload: bytes) -> Element:
    """The root element of *payload*; raises ``etree.XMLSyntaxError`` when it is not well-formed XML."""
    return etree.fromstring(payload, parser=_PARSER)


def local_name(element: Element) -> str:
    """The local name of an element (``{ns}title`` → ``title``); '' for comments and PIs."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(element: Element) -> str:
    """The namespace URI of an element ('' when it has none)."""
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


def children(element: Element, name: str | None = None) -> list[Element]:
    """Child elements, optionally only those with local name *name* (in any namespace)."""
    if name is None:
        return list(element.iterchildren(etree.Element))
    return list(element.iterchildren("{*}" + name))  # lxml matches the local name in C


def child(element: Element, name: str) -> Element | None:
    """The first child element with local name *name*, or None."""
    return next(element.iterchildren("{*}" + name), None)


def attr(element: Element, name: str) -> str | None:
    """The value of the attribute with local name *name* (any namespace), stripped; None if absent
    or empty. ``lang`` finds ``xml:lang``."""
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1] == name:
            v = value.strip()
            return v or None
    return None


def text(element: Element | None) -> str:
    """All text inside *element* (nested markup such as ``<br/>`` flattened), whitespace collapsed."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def block_text(element: Element | None) -> str:
    """All text inside *element* with line structure kept: each line stripped, blank runs removed."""
    if element is None:
        return ""
    raw = "".join(element.itertext())
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def language(element: Element) -> str | None:
    """The ``xml:lang`` of *element* or its nearest ancestor, or None."""
    node: Element | None = element
    while node is not None:
        v = node.get("{http://www.w3.org/XML/1998/namespace}lang")
        if v and v.strip():
            return v.strip()
        node = node.getparent()
    return None


# --- the path language ------------------------------------------------------------------------

_STEP = re.compile(r"^(?P<name>\*|[A-Za-z_][\w.-]*)(?P<preds>(?:\[[^\]]*\])*)$")
_PRED = re.compile(r"\[(?P<neg>!?)@(?P<attr>[A-Za-z_][\w.-]*)(?:=(?P<values>[^\]]*))?\]")


@dataclass(frozen=True)
class Predicate:
    """``[@attr]``, ``[!@attr]``, ``[@attr=a|b]`` or ``[!@attr=a|b]`` on one path step."""

    attribute: str
    values: tuple[str, ...] | None  # lower-cased; None: only presence is tested
    negated: bool

    def matches(self, element: Element) -> bool:
        value = attr(element, self.attribute)
        if self.values is None:
            hit = value is not None
        else:
            hit = value is not None and value.lower() in self.values
        return hit != self.negated


@dataclass(frozen=True)
class Step:
    name: str  # local name or '*'
    predicates: tuple[Predicate, ...]

    def select(self, element: Element) -> list[Element]:
        found = children(element, None if self.name == "*" else self.name)
        return [e for e in found if all(p.matches(e) for p in self.predicates)]


@dataclass(frozen=True)
class Path:
    """A compiled path of the field crosswalk language (see the module docstring)."""

    source: str
    steps: tuple[Step, ...]

    def select(self, root: Element) -> list[Element]:
        """The elements below *root* that the path designates, in document order."""
        current = [root]
        for step in self.steps:
            current = [found for element in current for found in step.select(element)]
        return current


def compile_path(source: str) -> Path:
    """Compile a path; raises ``ValueError`` naming the offending step when it is malformed."""
    source = source.strip()
    if not source:
        raise ValueError("empty path")
    steps = []
    for raw in split_steps(source):
        m = _STEP.match(raw.strip())
        if not m:
            raise ValueError(f"malformed path step {raw!r}")
        preds_text = m.group("preds")
        preds = []
        consumed = "".join(p.group(0) for p in _PRED.finditer(preds_text))
        if consumed != preds_text:
            raise ValueError(f"malformed predicate in path step {raw!r} (use [@a], [!@a], [@a=x|y])")
        for p in _PRED.finditer(preds_text):
            values = p.group("values")
            vals = None
            if values is not None:
                vals = tuple(v.strip().lower() for v in values.split("|"))
                if not all(vals):
                    raise ValueError(f"empty value in predicate of path step {raw!r}")
            preds.append(Predicate(p.group("attr"), vals, bool(p.group("neg"))))
        steps.append(Step(m.group("name"), tuple(preds)))
    return Path(source, tuple(steps))


def split_steps(source: str) -> list[str]:
    """Split on '/' outside predicates (values may hold '/')."""
    parts, depth, current = [], 0, []
    for ch in source:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "/" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    if depth != 0:
        raise ValueError(f"unbalanced brackets in path {source!r}")
    if any(not p.strip() for p in parts):
        raise ValueError(f"empty step in path {source!r}")
    return parts
