"""LoopBack 3 filters as the PaNOSC search API uses them: parsing, checking and evaluating over plain dicts.

A filter is ``{"where": …, "include": […], "limit": n, "skip": n, "order": …, "fields": …, "query": "…"}``
(https://loopback.io/doc/en/lb3/Querying-data.html). ``where`` is ``{"prop": value}`` (equality),
``{"prop": {"op": value}}`` with the operators of :data:`OPERATORS`, ``{"and": [...]}``, ``{"or": [...]}``
and ``{"text": "words"}`` (every word, case-insensitive, in the model's text fields). ``include`` is a
relation name, a list of them, or ``{"relation": name, "scope": {"where", "include", "limit", "skip",
"order", "fields"}}``. Everything that does not follow this shape is a :class:`FilterError` (→ 400).

Semantics (LoopBack's memory connector, which the reference implementation uses): comparisons of a date
property compare instants; numbers compare as numbers (a numeric string against a number too); an array
property (``keywords``) matches when one of its elements does; a missing property equals only ``null``.
``like``/``nlike``/``ilike``/``nilike`` take SQL patterns (``%`` any run, ``_`` one character) and, without
a wildcard, match a substring — never a user regular expression (no catastrophic backtracking).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable

#: the comparison operators of a ``where`` clause
OPERATORS = frozenset({"eq", "neq", "gt", "gte", "lt", "lte", "between", "inq", "nin", "like", "nlike", "ilike",
                       "nilike", "exists"})
#: the largest ``limit`` (and the most items one answer holds)
MAX_LIMIT = 1000
_FILTER_KEYS = frozenset({"where", "include", "limit", "skip", "offset", "order", "fields", "query"})
_SCOPE_KEYS = frozenset({"where", "include", "limit", "skip", "offset", "order", "fields"})


class FilterError(ValueError):
    """A filter that cannot be used; ``str()`` says what and where (``filter.include[0].scope.where``)."""


@dataclass
class Include:
    """One included relation and its scope."""

    relation: str
    where: dict[str, Any] | None = None
    include: list["Include"] = field(default_factory=list)
    limit: int = 0
    skip: int = 0
    order: list[tuple[str, bool]] = field(default_factory=list)
    fields: list[str] | None = None

    @property
    def restricts(self) -> bool:
        """Whether the scope selects: then a parent without a matching related item is not a result
        (the PaNOSC search API's reading of ``include`` with ``scope.where``)."""
        return bool(self.where) or any(i.restricts for i in self.include)


@dataclass
class Filter:
    """A parsed filter."""

    where: dict[str, Any] | None = None
    include: list[Include] = field(default_factory=list)
    limit: int = 0
    skip: int = 0
    order: list[tuple[str, bool]] = field(default_factory=list)
    fields: list[str] | None = None
    query: str | None = None


def _load(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise FilterError(f"{what} is not valid JSON: {e}") from None


def parse_filter(text: str | None, *, relations: Callable[[str], dict[str, str]], model: str) -> Filter:
    """The filter of the query parameter ``filter`` (JSON text, or None for no filter) for *model*;
    *relations(model)* gives the relation names of a model and the model each leads to."""
    if text is None or not text.strip():
        return Filter()
    data = _load(text, "filter")
    if not isinstance(data, dict):
        raise FilterError(f"filter must be a JSON object, not {type(data).__name__}")
    unknown = sorted(set(data) - _FILTER_KEYS)
    if unknown:
        raise FilterError(f"filter: unknown key(s) {', '.join(map(repr, unknown))}; "
                          f"known: {', '.join(sorted(_FILTER_KEYS))}")
    query = data.get("query")
    if query is not None and not isinstance(query, str):
        raise FilterError("filter.query must be a string of keywords")
    return Filter(
        where=check_where(data.get("where"), "filter.where"),
        include=_includes(data.get("include"), "filter.include", relations, model),
        limit=_count(data.get("limit"), "filter.limit", maximum=MAX_LIMIT),
        skip=_count(data.get("skip", data.get("offset")), "filter.skip"),
        order=_order(data.get("order"), "filter.order"),
        fields=_fields(data.get("fields"), "filter.fields"),
        query=query.strip() or None if query else None,
    )


def parse_where(text: str | None) -> dict[str, Any] | None:
    """The ``where`` query parameter of the count routes (JSON text)."""
    if text is None or not text.strip():
        return None
    return check_where(_load(text, "where"), "where")


def _count(value: Any, where: str, *, maximum: int | None = None) -> int:
    if value is None:
        return 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FilterError(f"{where} must be a non-negative integer, not {json.dumps(value)}")
    if maximum is not None and value > maximum:
        raise FilterError(f"{where} is {value}; this node answers at most {maximum} items per request "
                          "(page with skip)")
    return value


def _order(value: Any, where: str) -> list[tuple[str, bool]]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise FilterError(f"{where} must be \"property ASC|DESC\" or a list of them")
    out = []
    for item in items:
        parts = item.split()
        if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1].upper() not in ("ASC", "DESC")):
            raise FilterError(f"{where}: {item!r} is not \"property ASC\" or \"property DESC\"")
        out.append((parts[0], len(parts) == 2 and parts[1].upper() == "DESC"))
    return out


def _fields(value: Any, where: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if isinstance(value, dict) and all(isinstance(v, bool) for v in value.values()):
        return [k for k, v in value.items() if v] or None
    raise FilterError(f"{where} must be a list of property names or {{\"property\": true}}")


def _includes(value: Any, where: str, relations: Callable[[str], dict[str, str]], model: str) -> list[Include]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[Include] = []
    for n, item in enumerate(items):
        here = f"{where}[{n}]" if isinstance(value, list) else where
        known = relations(model)
        if isinstance(item, str):
            name, scope = item, {}
        elif isinstance(item, dict) and "relation" in item:
            name, scope = item["relation"], item.get("scope") or {}
            extra = sorted(set(item) - {"relation", "scope"})
            if extra:
                raise FilterError(f"{here}: unknown key(s) {', '.join(map(repr, extra))} (use relation and scope)")
        else:
            raise FilterError(f"{here} must be a relation name or {{\"relation\": name, \"scope\": {{…}}}}")
        if not isinstance(name, str) or name not in known:
            raise FilterError(f"{here}: {model} has no relation {name!r}; relations: {', '.join(sorted(known)) or 'none'}")
        if not isinstance(scope, dict):
            raise FilterError(f"{here}.scope must be an object")
        unknown = sorted(set(scope) - _SCOPE_KEYS)
        if unknown:
            raise FilterError(f"{here}.scope: unknown key(s) {', '.join(map(repr, unknown))}")
        out.append(Include(
            relation=name,
            where=check_where(scope.get("where"), f"{here}.scope.where"),
            include=_includes(scope.get("include"), f"{here}.scope.include", relations, known[name]),
            limit=_count(scope.get("limit"), f"{here}.scope.limit"),
            skip=_count(scope.get("skip", scope.get("offset")), f"{here}.scope.skip"),
            order=_order(scope.get("order"), f"{here}.scope.order"),
            fields=_fields(scope.get("fields"), f"{here}.scope.fields"),
        ))
    return out


def check_where(where: Any, path: str) -> dict[str, Any] | None:
    """*where* when it is a well-formed where clause (None and ``{}`` mean no condition); else FilterError."""
    if where is None:
        return None
    if not isinstance(where, dict):
        raise FilterError(f"{path} must be an object")
    for key, value in where.items():
        here = f"{path}.{key}"
        if key in ("and", "or"):
            if not isinstance(value, list) or not value:
                raise FilterError(f"{here} must be a non-empty list of where clauses")
            for n, clause in enumerate(value):
                if not isinstance(clause, dict):
                    raise FilterError(f"{here}[{n}] must be an object")
                check_where(clause, f"{here}[{n}]")
        elif key == "text":
            if not isinstance(value, str) or not value.strip():
                raise FilterError(f"{here} must be a non-empty string")
        elif isinstance(value, dict):
            if len(value) != 1:
                raise FilterError(f"{here} must hold exactly one operator, not {len(value)}")
            (op, operand), = value.items()
            if op not in OPERATORS:
                raise FilterError(f"{here}: unknown operator {op!r}; operators: {', '.join(sorted(OPERATORS))}")
            if op == "between" and not (isinstance(operand, list) and len(operand) == 2):
                raise FilterError(f"{here}.between must be a list of two values")
            if op in ("inq", "nin") and not isinstance(operand, list):
                raise FilterError(f"{here}.{op} must be a list of values")
            if op in ("like", "nlike", "ilike", "nilike") and not isinstance(operand, str):
                raise FilterError(f"{here}.{op} must be a string pattern")
            if op in ("gt", "gte", "lt", "lte") and isinstance(operand, (list, dict)):
                raise FilterError(f"{here}.{op} must be a number, a date or a string")
        elif isinstance(value, list):
            raise FilterError(f"{here}: a list is not a value; use {{\"inq\": [...]}}")
    return where or None


# --- evaluation ------------------------------------------------------------------------------------------


def parse_date(value: Any) -> datetime | None:
    """An ISO 8601 date or date-time (``Z`` or offset; naive means UTC), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}", text):
        text += "-01-01"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _comparable(a: Any, b: Any, is_date: bool) -> tuple[Any, Any] | None:
    """(a, b) made comparable: instants for date properties, numbers when both read as numbers, else text."""
    if a is None or b is None:
        return None
    if is_date:
        da, db = parse_date(a), parse_date(b)
        if da is not None and db is not None:
            return da, db
    if isinstance(a, bool) or isinstance(b, bool):
        return (a, b) if isinstance(a, bool) and isinstance(b, bool) else (str(a).lower(), str(b).lower())
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None and (not isinstance(a, str) or not isinstance(b, str)):
        return na, nb
    return str(a), str(b)


def _like(pattern: str, value: Any, *, fold: bool) -> bool:
    if value is None:
        return False
    text = str(value)
    if "%" not in pattern and "_" not in pattern:
        return pattern.casefold() in text.casefold() if fold else pattern in text
    return _sql_pattern(pattern, fold).fullmatch(text) is not None


@lru_cache(maxsize=512)
def _sql_pattern(pattern: str, fold: bool) -> re.Pattern[str]:
    """A SQL LIKE pattern (``%`` any run, ``_`` one character, everything else literal) as a regex."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if fold else 0))


def _compare(value: Any, op: str, operand: Any, is_date: bool) -> bool:
    """One scalar property value against one operator."""
    if op in ("eq", "neq"):
        pair = _comparable(value, operand, is_date)
        equal = (value is None and operand is None) or (pair is not None and pair[0] == pair[1])
        return equal if op == "eq" else not equal
    if op in ("gt", "gte", "lt", "lte"):
        pair = _comparable(value, operand, is_date)
        if pair is None:
            return False
        a, b = pair
        try:
            return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
        except TypeError:
            return False
    if op == "between":
        return _compare(value, "gte", operand[0], is_date) and _compare(value, "lte", operand[1], is_date)
    if op in ("inq", "nin"):
        found = any(_compare(value, "eq", o, is_date) for o in operand)
        return found if op == "inq" else not found
    if op in ("like", "ilike"):
        return _like(operand, value, fold=op == "ilike")
    if op in ("nlike", "nilike"):
        return not _like(operand, value, fold=op == "nilike")
    if op == "exists":
        return (value is not None) == bool(operand)
    raise FilterError(f"unknown operator {op!r}")


_NEGATIVE = frozenset({"neq", "nin", "nlike", "nilike"})


def text_matches(words: str, texts: Iterable[Any]) -> bool:
    """Whether every word of *words* occurs (case-insensitively) in one of *texts*."""
    haystack = " ".join(str(t) for t in texts if t is not None).casefold()
    return all(w in haystack for w in words.casefold().split())


def matches(obj: dict[str, Any], where: dict[str, Any] | None, *, dates: frozenset[str] = frozenset(),
            text_fields: tuple[str, ...] = ()) -> bool:
    """Whether *obj* satisfies *where*."""
    if not where:
        return True
    for key, cond in where.items():
        if key == "and":
            if not all(matches(obj, c, dates=dates, text_fields=text_fields) for c in cond):
                return False
        elif key == "or":
            if not any(matches(obj, c, dates=dates, text_fields=text_fields) for c in cond):
                return False
        elif key == "text":
            if not text_matches(cond, (_flat(obj.get(f)) for f in text_fields)):
                return False
        else:
            op, operand = next(iter(cond.items())) if isinstance(cond, dict) else ("eq", cond)
            value = obj.get(key)
            is_date = key in dates
            if isinstance(value, list) and op != "exists":
                hits = [_compare(v, op, operand, is_date) for v in value]
                ok = all(hits) if op in _NEGATIVE else any(hits)
                if not value:
                    ok = _compare(None, op, operand, is_date)
            else:
                ok = _compare(value, op, operand, is_date)
            if not ok:
                return False
    return True


def _flat(value: Any) -> Any:
    return " ".join(map(str, value)) if isinstance(value, list) else value


def apply_order(items: list[dict[str, Any]], order: list[tuple[str, bool]], dates: frozenset[str]) -> list[dict[str, Any]]:
    """*items* sorted by *order* (``[(property, descending)]``, the first the most significant); missing
    values last."""
    out = list(items)
    for prop, desc in reversed(order):
        def key(obj: dict[str, Any], prop: str = prop) -> tuple[int, Any]:
            v = obj.get(prop)
            if prop in dates and parse_date(v) is not None:
                return (0, 0, parse_date(v).timestamp())
            n = _number(v) if not isinstance(v, str) else None
            return (0, 0, n) if n is not None else (0, 1, str(v).casefold())
        present = [o for o in out if o.get(prop) is not None]
        missing = [o for o in out if o.get(prop) is None]
        present.sort(key=key, reverse=desc)
        out = present + missing
    return out


def page(items: list[Any], skip: int, limit: int) -> list[Any]:
    """``items[skip:skip+limit]`` (limit 0: up to :data:`MAX_LIMIT`)."""
    return items[skip: skip + (limit or MAX_LIMIT)]


def select_fields(obj: dict[str, Any], fields: list[str] | None, keep: Iterable[str] = ()) -> dict[str, Any]:
    """*obj* with only *fields* (and the included relations *keep*)."""
    if not fields:
        return obj
    wanted = set(fields) | set(keep)
    return {k: v for k, v in obj.items() if k in wanted}
