"""Metadata filters: validation with the documented type rules, and evaluation against file metadata.

Grammar (a subset of MongoDB query operators, as documented for Pinecone):

* ``{"field": {"$op": value, ...}}`` with ``$eq``/``$ne`` (string, number or boolean),
  ``$gt``/``$gte``/``$lt``/``$lte`` (number), ``$in``/``$nin`` (array of strings or numbers),
  ``$exists`` (boolean). Several operators on one field must all hold.
* ``{"field": value}`` is implicit ``$eq``.
* ``{"$and": [filter, ...]}`` / ``{"$or": [filter, ...]}`` combine non-empty lists of filters.
* Several keys in one object must all hold.

Evaluation: a list-valued metadata field matches ``$eq``/``$in`` when any element matches;
``$ne`` and ``$nin`` also match files that lack the field; comparisons only match numbers;
booleans never equal numbers.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 16

_SCALAR_OPS = frozenset({"$eq", "$ne"})
_NUMBER_OPS = frozenset({"$gt", "$gte", "$lt", "$lte"})
_LIST_OPS = frozenset({"$in", "$nin"})
_FIELD_OPS = _SCALAR_OPS | _NUMBER_OPS | _LIST_OPS | {"$exists"}
_LOGICAL_OPS = frozenset({"$and", "$or"})


class FilterError(ValueError):
    """A filter that does not follow the grammar; the message names the offending part."""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def validate(spec: object) -> None:
    """Raise :class:`FilterError` unless ``spec`` is a well-formed filter."""
    _validate_filter(spec, "filter", 0)


def _validate_filter(spec: object, where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise FilterError(f"{where}: filters may nest at most {MAX_DEPTH} levels deep")
    if not isinstance(spec, dict):
        raise FilterError(
            f'{where}: expected an object such as {{"genre": {{"$eq": "drama"}}}}, got {_describe(spec)}'
        )
    if not spec:
        raise FilterError(f"{where}: an empty filter object matches nothing; omit the filter instead")
    for key, value in spec.items():
        path = f"{where}.{key}"
        if key in _LOGICAL_OPS:
            if not isinstance(value, list) or not value:
                raise FilterError(f"{path}: expected a non-empty array of filters, got {_describe(value)}")
            for i, sub in enumerate(value):
                _validate_filter(sub, f"{path}[{i}]", depth + 1)
        elif key.startswith("$"):
            raise FilterError(
                f"{path}: unknown operator {key!r} at the top of a filter; use $and or $or here, "
                f"or put field operators ({', '.join(sorted(_FIELD_OPS))}) under a field name"
            )
        elif key == "":
            raise FilterError(f"{where}: field names must not be empty")
        elif isinstance(value, dict):
            _validate_condition(value, path)
        else:
            _check_scalar(value, path, "an implicit $eq value")


def _validate_condition(condition: dict[str, Any], path: str) -> None:
    if not condition:
        raise FilterError(f"{path}: expected at least one operator such as $eq")
    for op, operand in condition.items():
        where = f"{path}.{op}"
        if op in _SCALAR_OPS:
            _check_scalar(operand, where, f"the operand of {op}")
        elif op in _NUMBER_OPS:
            if not _is_number(operand):
                raise FilterError(f"{where}: {op} compares numbers only, got {_describe(operand)}")
        elif op in _LIST_OPS:
            if not isinstance(operand, list):
                raise FilterError(
                    f"{where}: {op} expects an array of strings or numbers, got {_describe(operand)}"
                )
            for i, item in enumerate(operand):
                if not (isinstance(item, str) or _is_number(item)):
                    raise FilterError(
                        f"{where}[{i}]: {op} arrays hold strings or numbers, got {_describe(item)}"
                    )
        elif op == "$exists":
            if not isinstance(operand, bool):
                raise FilterError(f"{where}: $exists expects true or false, got {_describe(operand)}")
        elif op in _LOGICAL_OPS:
            raise FilterError(
                f"{where}: {op} combines whole filters and belongs at the top level, not under a field name"
            )
        else:
            raise FilterError(
                f"{where}: unknown operator {op!r}; valid operators are {', '.join(sorted(_FIELD_OPS))}"
            )


def _check_scalar(value: object, where: str, what: str) -> None:
    if not (isinstance(value, str | bool) or _is_number(value)):
        hint = " (use $in for a list of values)" if isinstance(value, list) else ""
        raise FilterError(
            f"{where}: {what} must be a string, number or boolean, got {_describe(value)}{hint}"
        )


def matches(spec: dict[str, Any], metadata: dict[str, Any] | None) -> bool:
    """Whether file ``metadata`` satisfies the (already validated) filter ``spec``."""
    meta = metadata or {}
    for key, value in spec.items():
        if key == "$and":
            if not all(matches(sub, meta) for sub in value):
                return False
        elif key == "$or":
            if not any(matches(sub, meta) for sub in value):
                return False
        elif isinstance(value, dict):
            for op, operand in value.items():
                if not _holds(op, operand, key in meta, meta.get(key)):
                    return False
        elif not _holds("$eq", value, key in meta, meta.get(key)):
            return False
    return True


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)  # int and float compare exactly, however large
    return type(a) is type(b) and a == b


def _values(field: object) -> list[object]:
    return list(field) if isinstance(field, list) else [field]


def _holds(op: str, operand: Any, present: bool, field: object) -> bool:
    if op == "$exists":
        return present is operand
    if op == "$eq":
        return present and any(_same(v, operand) for v in _values(field))
    if op == "$ne":
        return not (present and any(_same(v, operand) for v in _values(field)))
    if op == "$in":
        return present and any(_same(v, o) for v in _values(field) for o in operand)
    if op == "$nin":
        return not (present and any(_same(v, o) for v in _values(field) for o in operand))
    if not present or not _is_number(field):
        return False
    number: float = field  # type: ignore[assignment]
    bound: float = operand
    if op == "$gt":
        return number > bound
    if op == "$gte":
        return number >= bound
    if op == "$lt":
        return number < bound
    return number <= bound
