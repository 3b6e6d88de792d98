# ruff: noqa: E501 (the messages are quoted word for word)
"""Filter errors word for word: each names the path, the rule broken and, where it can, the fix."""

from __future__ import annotations

import math

import pytest
from pinecone_assistant.filter import (
    And,
    Condition,
    Field,
    FilterError,
    Or,
    encode_filter_query,
    validate_filter,
)

OPERATORS = "$eq, $exists, $gt, $gte, $in, $lt, $lte, $ne, $nin"


@pytest.mark.parametrize(
    ("raw", "rule", "message"),
    [
        ("genre", "not_an_object", "filter: a filter must be an object, not a string"),
        (None, "not_an_object", "filter: a filter must be an object, not null"),
        ([{"a": 1}], "not_an_object", "filter: a filter must be an object, not a list"),
        (5, "not_an_object", "filter: a filter must be an object, not a number"),
        ({3: "x"}, "wrong_type", "filter: filter keys must be strings, not a number"),
        (
            {"genre": {"$regex": "x"}},
            "unknown_operator",
            "filter.genre.$regex: unknown operator '$regex'; use one of $eq, $exists, $gt, $gte, $in, $lt, $lte, $ne, $nin",
        ),
        (
            {"genre": {"$and": [{"a": 1}]}},
            "unknown_operator",
            "filter.genre.$and: unknown operator '$and' ($and/$or belong at the top level); use one of $eq, $exists, $gt, $gte, $in, $lt, $lte, $ne, $nin",
        ),
        (
            {"$eq": "d"},
            "unknown_operator",
            'filter.$eq: $eq must be applied to a field, e.g. {"genre": {"$eq": ...}}; only $and and $or may appear at this level',
        ),
        (
            {"$in": ["d"]},
            "unknown_operator",
            'filter.$in: $in must be applied to a field, e.g. {"genre": {"$in": ...}}; only $and and $or may appear at this level',
        ),
        (
            {"$genre": "d"},
            "dollar_key",
            "filter.$genre: '$genre' is not an operator here: only $and and $or may appear at this level, and metadata field names cannot start with '$'",
        ),
        ({"year": {"$gt": "2020"}}, "wrong_type", "filter.year.$gt: $gt takes a number, not a string"),
        ({"year": {"$lte": True}}, "wrong_type", "filter.year.$lte: $lte takes a number, not a boolean"),
        (
            {"genre": {"$eq": ["a"]}},
            "wrong_type",
            "filter.genre.$eq: $eq takes a string, number or boolean, not a list",
        ),
        (
            {"genre": {"$ne": {"a": 1}}},
            "wrong_type",
            "filter.genre.$ne: $ne takes a string, number or boolean, not an object",
        ),
        (
            {"genre": ["a", "b"]},
            "wrong_type",
            'filter.genre: implicit equality takes a single string, number or boolean; for a list use {"$in": [...]}',
        ),
        (
            {"genre": ("a",)},
            "wrong_type",
            'filter.genre: implicit equality takes a single string, number or boolean; for a list use {"$in": [...]}',
        ),
        (
            {"tag": {"$in": "a"}},
            "not_a_list",
            'filter.tag.$in: $in takes a list of strings or numbers, not a string; wrap it: {"$in": ["a"]}',
        ),
        (
            {"tag": {"$nin": 5}},
            "not_a_list",
            'filter.tag.$nin: $nin takes a list of strings or numbers, not a number; wrap it: {"$nin": [5]}',
        ),
        (
            {"tag": {"$in": {"a": 1}}},
            "not_a_list",
            'filter.tag.$in: $in takes a list of strings or numbers, not an object; wrap it: {"$in": [...]}',
        ),
        (
            {"tag": {"$in": None}},
            "null_value",
            'filter.tag.$in: null is not a valid filter value; to match files without the field use {"$exists": false}',
        ),
        ({"tag": {"$nin": [1, None]}}, "null_value", "filter.tag.$nin[1]: null is not allowed in $nin"),
        (
            {"tag": {"$in": ["a", True]}},
            "wrong_type",
            "filter.tag.$in[1]: $in items must be strings or numbers, not a boolean",
        ),
        (
            {"tag": {"$in": ["a", [1]]}},
            "wrong_type",
            "filter.tag.$in[1]: $in items must be strings or numbers, not a list",
        ),
        (
            {"tag": {"$in": [math.inf]}},
            "wrong_type",
            "filter.tag.$in[0]: inf is not a finite number; JSON cannot carry it",
        ),
        (
            {"tag": {"$exists": "yes"}},
            "wrong_type",
            "filter.tag.$exists: $exists takes true or false, not a string",
        ),
        (
            {"tag": {"$exists": 1}},
            "wrong_type",
            "filter.tag.$exists: $exists takes true or false, not a number",
        ),
        (
            {"meta": {"author": "x"}},
            "nested_object",
            'filter.meta.author: metadata is flat: a field\'s value cannot be an object; use an operator such as {"$eq": ...} or a top-level field name',
        ),
        (
            {"meta": {3: "x"}},
            "nested_object",
            'filter.meta.3: metadata is flat: a field\'s value cannot be an object; use an operator such as {"$eq": ...} or a top-level field name',
        ),
        (
            {"genre": None},
            "null_value",
            'filter.genre: null is not a valid filter value; to match files without the field use {"$exists": false}',
        ),
        (
            {"genre": {"$ne": None}},
            "null_value",
            'filter.genre.$ne: null is not a valid filter value; to match files without the field use {"$exists": false}',
        ),
        (
            {"genre": {}},
            "empty_operators",
            'filter.genre: an operator object needs one operator, e.g. {"$eq": "drama"}',
        ),
        (
            {"$and": []},
            "empty_group",
            "filter.$and: $and needs at least one filter; remove it if it is empty",
        ),
        ({"$or": ()}, "empty_group", "filter.$or: $or needs at least one filter; remove it if it is empty"),
        ({"$or": {"a": 1}}, "not_a_list", "filter.$or: $or takes a list of filters, not an object"),
        ({"$and": "x"}, "not_a_list", "filter.$and: $and takes a list of filters, not a string"),
        (
            {"$and": [{"a": 1}, "b"]},
            "not_an_object",
            "filter.$and[1]: a filter must be an object, not a string",
        ),
        ({"x": math.nan}, "wrong_type", "filter.x: nan is not a finite number; JSON cannot carry it"),
        (
            {"x": {"$gt": -math.inf}},
            "wrong_type",
            "filter.x.$gt: -inf is not a finite number; JSON cannot carry it",
        ),
        (
            {"x": {"$eq": math.nan}},
            "wrong_type",
            "filter.x.$eq: nan is not a finite number; JSON cannot carry it",
        ),
        ({"x": b"bytes"}, "wrong_type", "filter.x: $eq takes a string, number or boolean, not a bytes"),
    ],
)
def test_an_invalid_filter_is_rejected_with_its_path_rule_and_exact_message(raw, rule, message):
    with pytest.raises(FilterError) as info:
        validate_filter(raw)
    assert (info.value.rule, str(info.value)) == (rule, message)
    assert message.startswith(info.value.path + ": ")


@pytest.mark.parametrize(
    ("build", "path", "rule", "message"),
    [
        (lambda: Field(""), "filter", "wrong_type", "a field name must be a non-empty string, not ''"),
        (lambda: Field(3), "filter", "wrong_type", "a field name must be a non-empty string, not 3"),
        (lambda: Field("$x"), "filter.$x", "dollar_key", "metadata field names cannot start with '$'"),
        (
            lambda: Condition("a", "$regex", "x"),
            "filter.a.$regex",
            "unknown_operator",
            f"unknown operator '$regex'; use one of {OPERATORS}",
        ),
        (lambda: And(()), "filter.$and", "empty_group", "$and needs at least one filter"),
        (lambda: Or(()), "filter.$or", "empty_group", "$or needs at least one filter"),
        (
            lambda: Field("a").is_in("abc"),
            "filter.a.$in",
            "not_a_list",
            '$in takes a list of strings or numbers, not a string; wrap it: {"$in": ["abc"]}',
        ),
        (
            lambda: Field("a").not_in(5),
            "filter.a.$nin",
            "not_a_list",
            '$nin takes a list of strings or numbers, not a number; wrap it: {"$nin": [5]}',
        ),
        (
            lambda: Field("a").is_in(b"ab"),
            "filter.a.$in",
            "not_a_list",
            '$in takes a list of strings or numbers, not a bytes; wrap it: {"$in": [...]}',
        ),
        (lambda: Field("a") > "1", "filter.a.$gt", "wrong_type", "$gt takes a number, not a string"),
        (
            lambda: Field("a").exists(None),
            "filter.a.$exists",
            "null_value",
            'null is not a valid filter value; to match files without the field use {"$exists": false}',
        ),
    ],
)
def test_the_builder_rejects_bad_input_with_the_same_messages(build, path, rule, message):
    with pytest.raises(FilterError) as info:
        build()
    assert (info.value.path, info.value.rule, str(info.value)) == (path, rule, f"{path}: {message}")


def test_groups_take_only_filter_objects():
    with pytest.raises(TypeError) as info:
        And((Field("a") == 1, 3))  # type: ignore[arg-type]
    assert str(info.value) == "$and items must be Filter objects, not int"
    with pytest.raises(TypeError) as info2:
        Or((Field("a") == 1, "b"))  # type: ignore[arg-type]
    assert str(info2.value) == "$or items must be Filter objects, not str"


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: Field("n") != 2, {"n": {"$ne": 2}}),
        (lambda: Field("n") < 2, {"n": {"$lt": 2}}),
        (lambda: Field("n") <= 2, {"n": {"$lte": 2}}),
        (lambda: Field("n") > 2, {"n": {"$gt": 2}}),
        (lambda: Field("n") >= 2.5, {"n": {"$gte": 2.5}}),
        (lambda: Field("n").is_in(iter(["a", 1])), {"n": {"$in": ["a", 1]}}),
        (lambda: Field("n").not_in(("a",)), {"n": {"$nin": ["a"]}}),
        (lambda: Field("n").exists(), {"n": {"$exists": True}}),
        (lambda: Field("n").exists(False), {"n": {"$exists": False}}),
        (
            lambda: (Field("a") == 1) | ((Field("b") == 2) | (Field("c") == 3)),
            {"$or": [{"a": {"$eq": 1}}, {"b": {"$eq": 2}}, {"c": {"$eq": 3}}]},
        ),
        (
            lambda: (Field("a") == 1) & ((Field("b") == 2) | (Field("c") == 3)),
            {"$and": [{"a": {"$eq": 1}}, {"$or": [{"b": {"$eq": 2}}, {"c": {"$eq": 3}}]}]},
        ),
    ],
)
def test_each_builder_operation_gives_its_operator(build, expected):
    built = build()
    assert built.to_dict() == expected
    assert validate_filter(built) == expected


def test_a_field_shows_its_name_and_cannot_be_hashed():
    assert repr(Field("genre")) == "Field('genre')"
    with pytest.raises(TypeError):
        hash(Field("genre"))


def test_combining_with_a_non_filter_is_a_type_error():
    with pytest.raises(TypeError):
        (Field("a") == 1) & {"b": 2}  # type: ignore[operator]
    with pytest.raises(TypeError):
        (Field("a") == 1) | {"b": 2}  # type: ignore[operator]


def test_valid_operands_of_every_kind_pass_the_validator():
    raw = {
        "s": {"$eq": "x", "$ne": 1.5},
        "b": True,
        "n": {"$gt": 0, "$gte": -1.5, "$lt": 10, "$lte": 10},
        "l": {"$in": ("a", 2), "$nin": []},
        "e": {"$exists": False},
    }
    assert validate_filter(raw) == {**raw, "l": {"$in": ["a", 2], "$nin": []}}


def test_the_query_encoding_keeps_unicode_and_rejects_what_json_cannot_carry():
    assert encode_filter_query({"t": "é"}) == '{"t":"é"}'
    with pytest.raises(FilterError):
        encode_filter_query({"t": math.inf})
