"""Metadata filters: a builder, a validator for raw dicts, and the list-files query encoding.

The language is Pinecone's MongoDB-like subset::

    (Field("genre") == "drama") & (Field("year") >= 2020)
    # {"$and": [{"genre": {"$eq": "drama"}}, {"year": {"$gte": 2020}}]}

* ``$eq``/``$ne``: string, number or boolean; ``$gt``/``$gte``/``$lt``/``$lte``: number;
  ``$in``/``$nin``: a list of strings or numbers; ``$exists``: boolean;
* ``$and``/``$or``: a non-empty list of filters; ``&`` and ``|`` flatten nested groups of the same kind;
* ``{"genre": "drama"}`` (implicit equality) is accepted by the validator.

:func:`validate_filter` rejects anything else with a :class:`FilterError` that names the path
(e.g. ``filter.$and[1].year.$gt``) and the rule broken.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from .errors import ClientValidationError

__all__ = [
    "And",
    "Condition",
    "Field",
    "Filter",
    "FilterError",
    "FilterLike",
    "Or",
    "encode_filter_query",
    "validate_filter",
]

Scalar: TypeAlias = str | int | float | bool

EQUALITY_OPERATORS: Final = frozenset({"$eq", "$ne"})
RANGE_OPERATORS: Final = frozenset({"$gt", "$gte", "$lt", "$lte"})
LIST_OPERATORS: Final = frozenset({"$in", "$nin"})
FIELD_OPERATORS: Final = EQUALITY_OPERATORS | RANGE_OPERATORS | LIST_OPERATORS | {"$exists"}
LOGICAL_OPERATORS: Final = frozenset({"$and", "$or"})


class FilterError(ClientValidationError):
    """A filter that the API would reject. ``path`` locates the problem and ``rule`` names what is broken.

    Rules: ``not_an_object``, ``unknown_operator``, ``dollar_key``, ``wrong_type``, ``not_a_list``,
    ``empty_group``, ``empty_operators``, ``nested_object``, ``null_value``.
    """

    path: str
    rule: str

    def __init__(self, path: str, rule: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.rule = rule


# --------------------------------------------------------------------------- values


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if _is_number(value):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _check_finite(path: str, value: object) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise FilterError(path, "wrong_type", f"{value} is not a finite number; JSON cannot carry it")


def _check_operand(path: str, operator: str, value: object) -> None:
    """Raise if ``value`` is not a valid operand of ``operator``."""
    if value is None:
        raise FilterError(
            path,
            "null_value",
            'null is not a valid filter value; to match files without the field use {"$exists": false}',
        )
    if operator in EQUALITY_OPERATORS:
        if not isinstance(value, str | int | float):
            raise FilterError(
                path, "wrong_type", f"{operator} takes a string, number or boolean, not {_describe(value)}"
            )
        _check_finite(path, value)
    elif operator in RANGE_OPERATORS:
        if not _is_number(value):
            raise FilterError(path, "wrong_type", f"{operator} takes a number, not {_describe(value)}")
        _check_finite(path, value)
    elif operator in LIST_OPERATORS:
        if not isinstance(value, list | tuple):
            raise FilterError(
                path,
                "not_a_list",
                f"{operator} takes a list of strings or numbers, not {_describe(value)}; "
                f'wrap it: {{"{operator}": [{json.dumps(value) if _is_json_scalar(value) else "..."}]}}',
            )
        for i, item in enumerate(value):
            item_path = f"{path}[{i}]"
            if item is None:
                raise FilterError(item_path, "null_value", f"null is not allowed in {operator}")
            if not (isinstance(item, str) or _is_number(item)):
                raise FilterError(
                    item_path,
                    "wrong_type",
                    f"{operator} items must be strings or numbers, not {_describe(item)}",
                )
            _check_finite(item_path, item)
    elif operator == "$exists" and not isinstance(value, bool):
        raise FilterError(path, "wrong_type", f"$exists takes true or false, not {_describe(value)}")


def _is_json_scalar(value: object) -> bool:
    return isinstance(value, str | int | float | bool)


# --------------------------------------------------------------------------- validator


def validate_filter(raw: FilterLike) -> dict[str, Any]:
    """Check a filter and return it as a plain dict (a copy, with lists for tuples).

    Accepts a builder object (:class:`Filter`) or a raw mapping; raises :class:`FilterError`
    naming the path and the rule broken.
    """
    if isinstance(raw, Filter):
        raw = raw.to_dict()
    return _validate_object(raw, "filter")


def _validate_object(raw: object, path: str) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise FilterError(path, "not_an_object", f"a filter must be an object, not {_describe(raw)}")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            raise FilterError(path, "wrong_type", f"filter keys must be strings, not {_describe(key)}")
        key_path = f"{path}.{key}"
        if key.startswith("$"):
            if key not in LOGICAL_OPERATORS:
                if key in FIELD_OPERATORS:
                    message = (
                        f'{key} must be applied to a field, e.g. {{"genre": {{"{key}": ...}}}}; '
                        "only $and and $or may appear at this level"
                    )
                    raise FilterError(key_path, "unknown_operator", message)
                raise FilterError(
                    key_path,
                    "dollar_key",
                    f"{key!r} is not an operator here: only $and and $or may appear at this level, "
                    "and metadata field names cannot start with '$'",
                )
            out[key] = _validate_group(key, value, key_path)
        else:
            out[key] = _validate_field(value, key_path)
    return out


def _validate_group(operator: str, value: object, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list | tuple):
        raise FilterError(path, "not_a_list", f"{operator} takes a list of filters, not {_describe(value)}")
    if not value:
        raise FilterError(
            path, "empty_group", f"{operator} needs at least one filter; remove it if it is empty"
        )
    return [_validate_object(item, f"{path}[{i}]") for i, item in enumerate(value)]


def _validate_field(value: object, path: str) -> Any:
    if isinstance(value, Mapping):
        if not value:
            raise FilterError(
                path, "empty_operators", 'an operator object needs one operator, e.g. {"$eq": "drama"}'
            )
        out: dict[str, Any] = {}
        for operator, operand in value.items():
            if not isinstance(operator, str) or not operator.startswith("$"):
                raise FilterError(
                    f"{path}.{operator}",
                    "nested_object",
                    "metadata is flat: a field's value cannot be an object; "
                    'use an operator such as {"$eq": ...} or a top-level field name',
                )
            op_path = f"{path}.{operator}"
            if operator not in FIELD_OPERATORS:
                hint = " ($and/$or belong at the top level)" if operator in LOGICAL_OPERATORS else ""
                raise FilterError(
                    op_path,
                    "unknown_operator",
                    f"unknown operator {operator!r}{hint}; use one of {', '.join(sorted(FIELD_OPERATORS))}",
                )
            _check_operand(op_path, operator, operand)
            out[operator] = list(operand) if isinstance(operand, tuple) else operand
        return out
    if value is None:
        raise FilterError(
            path,
            "null_value",
            'null is not a valid filter value; to match files without the field use {"$exists": false}',
        )
    if isinstance(value, list | tuple):
        raise FilterError(
            path,
            "wrong_type",
            'implicit equality takes a single string, number or boolean; for a list use {"$in": [...]}',
        )
    _check_operand(path, "$eq", value)
    return value


# --------------------------------------------------------------------------- builder


class Filter:
    """A filter expression; combine with ``&`` (``$and``) and ``|`` (``$or``)."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The filter as the API's JSON object."""
        raise NotImplementedError

    def __and__(self, other: Filter) -> And:
        if not isinstance(other, Filter):
            return NotImplemented
        return And((*_flatten(self, And), *_flatten(other, And)))

    def __or__(self, other: Filter) -> Or:
        if not isinstance(other, Filter):
            return NotImplemented
        return Or((*_flatten(self, Or), *_flatten(other, Or)))


def _flatten(item: Filter, kind: type[And] | type[Or]) -> tuple[Filter, ...]:
    return item.items if isinstance(item, kind) else (item,)


@dataclass(frozen=True, slots=True)
class Condition(Filter):
    """One operator applied to one field, e.g. ``{"year": {"$gte": 2020}}``."""

    field: str
    operator: str
    value: Any

    def __post_init__(self) -> None:
        if self.operator not in FIELD_OPERATORS:
            raise FilterError(
                f"filter.{self.field}.{self.operator}",
                "unknown_operator",
                f"unknown operator {self.operator!r}; use one of {', '.join(sorted(FIELD_OPERATORS))}",
            )
        _check_field_name(self.field)
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        _check_operand(f"filter.{self.field}.{self.operator}", self.operator, value)
        object.__setattr__(self, "value", tuple(value) if isinstance(value, list) else value)

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {self.field: {self.operator: value}}


@dataclass(frozen=True, slots=True)
class And(Filter):
    """All of ``items`` (``$and``)."""

    items: tuple[Filter, ...]

    def __post_init__(self) -> None:
        _check_items(self.items, "$and")

    def to_dict(self) -> dict[str, Any]:
        return {"$and": [item.to_dict() for item in self.items]}


@dataclass(frozen=True, slots=True)
class Or(Filter):
    """Any of ``items`` (``$or``)."""

    items: tuple[Filter, ...]

    def __post_init__(self) -> None:
        _check_items(self.items, "$or")

    def to_dict(self) -> dict[str, Any]:
        return {"$or": [item.to_dict() for item in self.items]}


def _check_items(items: tuple[Filter, ...], operator: str) -> None:
    if not items:
        raise FilterError(f"filter.{operator}", "empty_group", f"{operator} needs at least one filter")
    for item in items:
        if not isinstance(item, Filter):
            raise TypeError(f"{operator} items must be Filter objects, not {type(item).__name__}")


def _check_field_name(name: object) -> None:
    if not isinstance(name, str) or not name:
        raise FilterError("filter", "wrong_type", f"a field name must be a non-empty string, not {name!r}")
    if name.startswith("$"):
        raise FilterError(f"filter.{name}", "dollar_key", "metadata field names cannot start with '$'")


class Field:
    """A metadata field to build conditions on: ``Field("genre") == "drama"``."""

    __slots__ = ("name",)
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, name: str) -> None:
        _check_field_name(name)
        self.name = name

    def __repr__(self) -> str:
        return f"Field({self.name!r})"

    def __eq__(self, value: Scalar) -> Condition:  # type: ignore[override]
        return Condition(self.name, "$eq", value)

    def __ne__(self, value: Scalar) -> Condition:  # type: ignore[override]
        return Condition(self.name, "$ne", value)

    def __lt__(self, value: float) -> Condition:
        return Condition(self.name, "$lt", value)

    def __le__(self, value: float) -> Condition:
        return Condition(self.name, "$lte", value)

    def __gt__(self, value: float) -> Condition:
        return Condition(self.name, "$gt", value)

    def __ge__(self, value: float) -> Condition:
        return Condition(self.name, "$gte", value)

    def is_in(self, values: Iterable[str | float]) -> Condition:
        """The field's value is one of ``values`` (``$in``)."""
        return Condition(self.name, "$in", _as_list(values))

    def not_in(self, values: Iterable[str | float]) -> Condition:
        """The field's value is none of ``values`` (``$nin``)."""
        return Condition(self.name, "$nin", _as_list(values))

    def exists(self, flag: bool = True) -> Condition:
        """The file has (``True``) or lacks (``False``) this field (``$exists``)."""
        return Condition(self.name, "$exists", flag)


def _as_list(values: Iterable[Any]) -> Any:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        return values  # rejected with a clear message by the operand check
    return list(values)


FilterLike: TypeAlias = Filter | Mapping[str, Any]


def encode_filter_query(filter: FilterLike) -> str:
    """The filter validated and JSON-encoded, as the list-files ``filter`` query parameter wants it."""
    return json.dumps(validate_filter(filter), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
