"""Metadata filters for the conformance suites: a hypothesis grammar of valid filters, mutations
into invalid ones, and a three-valued reference evaluator.

The grammar only produces filters whose validity the documentation settles: explicit operators
(``$eq``, ``$ne``, ``$gt``, ``$gte``, ``$lt``, ``$lte``, ``$in``, ``$nin``, ``$exists``) under
field names, combined with non-empty ``$and`` / ``$or`` arrays. Forms the documentation leaves
open (implicit equality, empty ``$in`` arrays, booleans inside ``$in``) are produced by neither
grammar.

The evaluator answers ``True`` (the file must match), ``False`` (it must not) or ``None``
(the documentation does not settle it: ``$ne`` / ``$nin`` on a file without the key, or on a
list-valued field). A result that cites a file evaluating to ``False`` is a violation; a
complete listing must include every file evaluating to ``True``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from assistant_conformance.fixtures import CORPUS, KEYS

Filter = dict[str, Any]

_COMPARISONS = ("$gt", "$gte", "$lt", "$lte")
MISSING_KEY = "absent_key"


def _corpus_values(key: str) -> list[Any]:
    values: list[Any] = []
    for fixture in CORPUS:
        value = fixture.metadata.get(key)
        if value is None:
            continue
        values.extend(value if isinstance(value, list) else [value])
    return sorted(set(values), key=repr)


def _scalar_for(key: str) -> st.SearchStrategy[Any]:
    kind = KEYS.get(key, "string")
    if kind == "number":
        known: list[Any] = _corpus_values(key)
        return st.one_of(st.sampled_from(known), st.integers(1900, 2030))
    if kind == "boolean":
        return st.booleans()
    known = _corpus_values(key) or ["x"]
    return st.one_of(st.sampled_from(known), st.sampled_from(["unknown", "other"]))


def value_lists(key: str) -> st.SearchStrategy[list[Any]]:
    """Non-empty lists of values of ``key``'s type (for ``$in`` / ``$nin``)."""
    kind = KEYS.get(key, "string")
    item = _scalar_for(key) if kind in {"number", "string", "string_list"} else _scalar_for("genre")
    return st.lists(item, min_size=1, max_size=3, unique_by=repr)


_KEY_NAMES = (*KEYS, MISSING_KEY)


@st.composite
def condition(draw: st.DrawFn, key: str) -> dict[str, Any]:
    """One operator object for ``key``: ``{"$op": operand}``."""
    kind = KEYS.get(key, "string")
    ops = ["$eq", "$ne", "$in", "$nin", "$exists"]
    if kind == "number":
        ops += list(_COMPARISONS)
    if kind == "boolean":
        ops = ["$eq", "$ne", "$exists"]
    op = draw(st.sampled_from(ops))
    if op == "$exists":
        return {op: draw(st.booleans())}
    if op in _COMPARISONS:
        return {
            op: draw(st.one_of(st.integers(1980, 2025), st.floats(1980, 2025).map(lambda x: round(x, 1))))
        }
    if op in {"$in", "$nin"}:
        return {op: draw(value_lists(key))}
    return {op: draw(_scalar_for(key))}


@st.composite
def clause(draw: st.DrawFn) -> Filter:
    """A field filter: one or two keys, each with one operator."""
    keys = draw(st.lists(st.sampled_from(_KEY_NAMES), min_size=1, max_size=2, unique=True))
    return {key: draw(condition(key)) for key in keys}


def valid_filters(max_depth: int = 2) -> st.SearchStrategy[Filter]:
    """Filters every documented implementation must accept."""

    def extend(children: st.SearchStrategy[Filter]) -> st.SearchStrategy[Filter]:
        return st.builds(
            lambda op, items: {op: items},
            st.sampled_from(["$and", "$or"]),
            st.lists(children, min_size=1, max_size=3),
        )

    return st.recursive(clause(), extend, max_leaves=4 if max_depth > 1 else 1)


# Mutations: each turns a valid filter into one the documentation rules out.
MUTATIONS: dict[str, str] = {
    "unknown_field_operator": "an operator that does not exist under a field",
    "comparison_with_string": "$gt/$gte/$lt/$lte with a string operand",
    "in_with_scalar": "$in/$nin with a scalar instead of an array",
    "in_with_object_item": "$in/$nin with an object inside the array",
    "logical_with_object": "$and/$or with an object instead of an array",
    "exists_with_string": "$exists with a string operand",
    "unknown_top_operator": "an unknown $-operator at the top level",
    "eq_with_object": "$eq/$ne with an object operand",
    "eq_with_null": "$eq/$ne with null",
    "not_an_object": "a filter that is an array instead of an object",
}


def _mutate(kind: str, base: Filter, key: str) -> Any:
    if kind == "unknown_field_operator":
        return {key: {"$regex": "^h"}}
    if kind == "comparison_with_string":
        return {"year": {"$gte": "2000"}}
    if kind == "in_with_scalar":
        return {key: {"$in": "history"}}
    if kind == "in_with_object_item":
        return {key: {"$nin": [{"genre": "history"}]}}
    if kind == "logical_with_object":
        return {"$or": base}
    if kind == "exists_with_string":
        return {key: {"$exists": "yes"}}
    if kind == "unknown_top_operator":
        return {"$xor": [base]}
    if kind == "eq_with_object":
        return {key: {"$eq": {"value": 1}}}
    if kind == "eq_with_null":
        return {key: {"$ne": None}}
    if kind == "not_an_object":
        return [base]
    raise ValueError(f"unknown mutation {kind!r}")


@st.composite
def invalid_filters(draw: st.DrawFn) -> tuple[str, Any]:
    """(mutation name, filter) pairs; the filter is invalid, sometimes nested inside valid parts."""
    kind = draw(st.sampled_from(sorted(MUTATIONS)))
    base = draw(clause())
    key = draw(st.sampled_from(list(KEYS)))
    bad = _mutate(kind, base, key)
    wrap = draw(st.sampled_from(["none", "and", "or"]))
    if wrap != "none" and isinstance(bad, dict):
        siblings = [draw(clause())]
        bad = {f"${wrap}": [*siblings, bad]}
    return kind, bad


def evaluate(spec: Any, metadata: Mapping[str, Any] | None) -> bool | None:
    """Three-valued reference semantics of a valid filter on one file's metadata."""
    meta = metadata or {}
    results: list[bool | None] = []
    for key, value in spec.items():
        if key == "$and":
            results.append(_and([evaluate(sub, meta) for sub in value]))
        elif key == "$or":
            results.append(_or([evaluate(sub, meta) for sub in value]))
        elif isinstance(value, Mapping):
            results.append(
                _and([_op(op, operand, key in meta, meta.get(key)) for op, operand in value.items()])
            )
        else:
            results.append(_op("$eq", value, key in meta, meta.get(key)))
    return _and(results)


def _and(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    if all(v is True for v in values):
        return True
    return None


def _or(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    if all(v is False for v in values):
        return False
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def _op(op: str, operand: Any, present: bool, field: Any) -> bool | None:
    values = field if isinstance(field, list) else [field]
    is_list = isinstance(field, list)
    if op == "$exists":
        return present is operand
    if op == "$eq":
        return present and any(_equal(v, operand) for v in values)
    if op == "$in":
        return present and any(_equal(v, o) for v in values for o in operand)
    if op in {"$ne", "$nin"}:
        if not present:
            return None
        operands = [operand] if op == "$ne" else operand
        hit = any(_equal(v, o) for v in values for o in operands)
        if is_list and hit and len(values) > 1:
            return None
        return not hit
    if op in _COMPARISONS:
        if not present or not _is_number(field):
            return False
        number = float(field)
        return bool(
            {
                "$gt": number > operand,
                "$gte": number >= operand,
                "$lt": number < operand,
                "$lte": number <= operand,
            }[op]
        )
    raise ValueError(f"not a valid operator: {op!r}")


def matching(spec: Any) -> tuple[set[str], set[str]]:
    """(fixture keys that must match, fixture keys that must not) for a valid filter."""
    must = {f.key for f in CORPUS if evaluate(spec, f.metadata) is True}
    must_not = {f.key for f in CORPUS if evaluate(spec, f.metadata) is False}
    return must, must_not
