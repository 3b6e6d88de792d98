"""Metadata filters: the builder, the validator for raw dicts, and the list-files query encoding."""

from __future__ import annotations

import copy
import functools
import json
import math
import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pinecone_assistant.errors import ClientValidationError
from pinecone_assistant.filter import (
    And,
    Condition,
    Field,
    Filter,
    FilterError,
    Or,
    encode_filter_query,
    validate_filter,
)

# --------------------------------------------------------------------------- builder


def test_comparisons_build_explicit_operators():
    assert (Field("genre") == "drama").to_dict() == {"genre": {"$eq": "drama"}}
    assert (Field("genre") != "news").to_dict() == {"genre": {"$ne": "news"}}
    assert (Field("year") < 2000).to_dict() == {"year": {"$lt": 2000}}
    assert (Field("year") <= 2000).to_dict() == {"year": {"$lte": 2000}}
    assert (Field("year") > 1999.5).to_dict() == {"year": {"$gt": 1999.5}}
    assert (Field("year") >= 0).to_dict() == {"year": {"$gte": 0}}
    assert (Field("draft") == False).to_dict() == {"draft": {"$eq": False}}  # noqa: E712


def test_list_and_exists_operators():
    assert Field("tag").is_in(["a", "b"]).to_dict() == {"tag": {"$in": ["a", "b"]}}
    assert Field("n").not_in((1, 2.5)).to_dict() == {"n": {"$nin": [1, 2.5]}}
    assert Field("tag").exists().to_dict() == {"tag": {"$exists": True}}
    assert Field("tag").exists(False).to_dict() == {"tag": {"$exists": False}}


def test_and_or_combine_and_flatten_groups_of_the_same_kind():
    a, b, c, d = (Field(x) == 1 for x in "abcd")
    assert ((a & b) & (c & d)).to_dict() == {"$and": [x.to_dict() for x in (a, b, c, d)]}
    assert (a | b | c).to_dict() == {"$or": [a.to_dict(), b.to_dict(), c.to_dict()]}
    assert ((a | b) & c).to_dict() == {"$and": [{"$or": [a.to_dict(), b.to_dict()]}, c.to_dict()]}
    assert (a & (b | c) & d).to_dict()["$and"][1] == {"$or": [b.to_dict(), c.to_dict()]}


def test_builder_rejects_wrong_operand_types_at_once():
    with pytest.raises(FilterError, match=r"\$gt takes a number, not a string") as info:
        Field("year") > "2020"  # noqa: B015
    assert info.value.rule == "wrong_type"
    assert info.value.path == "filter.year.$gt"
    with pytest.raises(FilterError, match="not a boolean"):
        Field("year") >= True  # noqa: B015
    with pytest.raises(FilterError, match="list of strings or numbers"):
        Field("tag").is_in("abc")
    with pytest.raises(FilterError, match="null"):
        Field("tag") == None  # noqa: B015, E711
    with pytest.raises(FilterError, match="finite"):
        Field("x") < math.inf  # noqa: B015
    with pytest.raises(FilterError, match="true or false"):
        Field("x").exists(1)  # type: ignore[arg-type]


def test_builder_rejects_bad_field_names():
    with pytest.raises(FilterError, match="cannot start with"):
        Field("$genre")
    with pytest.raises(FilterError, match="non-empty string"):
        Field("")


def test_filters_combine_only_with_filters():
    with pytest.raises(TypeError):
        (Field("a") == 1) & {"b": 1}  # type: ignore[operator]


def test_filter_errors_are_client_validation_errors_and_value_errors():
    with pytest.raises(ClientValidationError):
        validate_filter({"a": None})
    with pytest.raises(ValueError):  # noqa: PT011
        validate_filter({"a": None})


# --------------------------------------------------------------------------- validator


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"genre": "drama"},
        {"genre": "drama", "year": 2020, "draft": False},
        {"genre": {"$eq": "drama"}},
        {"year": {"$gte": 2000, "$lt": 2010}},
        {"tags": {"$in": ["a", 1, 2.5]}},
        {"$and": [{"genre": "drama"}, {"$or": [{"year": 1}, {"year": {"$exists": False}}]}]},
        {"$or": [{"a": {"$nin": []}}]},
    ],
)
def test_valid_filters_pass_unchanged(raw):
    assert validate_filter(raw) == raw


@pytest.mark.parametrize(
    ("raw", "path", "rule"),
    [
        ("genre", "filter", "not_an_object"),
        ([{"a": 1}], "filter", "not_an_object"),
        ({"genre": {"$regex": "dr.*"}}, "filter.genre.$regex", "unknown_operator"),
        ({"genre": {"$and": [{"a": 1}]}}, "filter.genre.$and", "unknown_operator"),
        ({"$eq": "drama"}, "filter.$eq", "unknown_operator"),
        ({"$genre": "drama"}, "filter.$genre", "dollar_key"),
        ({"year": {"$gt": "2020"}}, "filter.year.$gt", "wrong_type"),
        ({"year": {"$lte": True}}, "filter.year.$lte", "wrong_type"),
        ({"genre": {"$eq": ["a"]}}, "filter.genre.$eq", "wrong_type"),
        ({"genre": ["a", "b"]}, "filter.genre", "wrong_type"),
        ({"tag": {"$in": "a"}}, "filter.tag.$in", "not_a_list"),
        ({"tag": {"$nin": [1, None]}}, "filter.tag.$nin[1]", "null_value"),
        ({"tag": {"$in": ["a", True]}}, "filter.tag.$in[1]", "wrong_type"),
        ({"tag": {"$exists": "yes"}}, "filter.tag.$exists", "wrong_type"),
        ({"meta": {"author": "x"}}, "filter.meta.author", "nested_object"),
        ({"genre": None}, "filter.genre", "null_value"),
        ({"genre": {"$ne": None}}, "filter.genre.$ne", "null_value"),
        ({"genre": {}}, "filter.genre", "empty_operators"),
        ({"$and": []}, "filter.$and", "empty_group"),
        ({"$or": {"a": 1}}, "filter.$or", "not_a_list"),
        ({"$and": [{"a": 1}, "b"]}, "filter.$and[1]", "not_an_object"),
        ({"$or": [{"$and": [{"x": {"$gt": []}}]}]}, "filter.$or[0].$and[0].x.$gt", "wrong_type"),
        ({"x": math.nan}, "filter.x", "wrong_type"),
    ],
)
def test_invalid_filters_name_the_path_and_the_rule(raw, path, rule):
    with pytest.raises(FilterError) as info:
        validate_filter(raw)
    assert (info.value.path, info.value.rule) == (path, rule)
    assert str(info.value).startswith(f"{path}: ")


def test_null_error_says_how_to_match_missing_fields():
    with pytest.raises(FilterError, match=r'\{"\$exists": false\}'):
        validate_filter({"genre": None})


def test_list_error_suggests_the_fix():
    with pytest.raises(FilterError, match=r'wrap it: \{"\$in": \["drama"\]\}'):
        validate_filter({"genre": {"$in": "drama"}})


def test_validate_returns_a_copy():
    raw = {"$and": [{"a": {"$in": ("x", "y")}}]}
    out = validate_filter(raw)
    assert out == {"$and": [{"a": {"$in": ["x", "y"]}}]}
    out["$and"].append({"b": 1})
    assert len(raw["$and"]) == 1


def test_encode_filter_query_is_compact_json_and_validates_first():
    assert encode_filter_query(Field("genre") == "drama") == '{"genre":{"$eq":"drama"}}'
    assert json.loads(encode_filter_query({"t": {"$in": ["é", 1]}})) == {"t": {"$in": ["é", 1]}}
    with pytest.raises(FilterError):
        encode_filter_query({"genre": None})


# --------------------------------------------------------------------------- properties

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=6)
numbers = st.one_of(st.integers(-(10**9), 10**9), st.floats(allow_nan=False, allow_infinity=False))
scalars = st.one_of(st.text(max_size=6), numbers, st.booleans())
lists = st.lists(st.one_of(st.text(max_size=4), numbers), max_size=4)

conditions = st.one_of(
    st.builds(operator.eq, st.builds(Field, names), scalars),
    st.builds(operator.ne, st.builds(Field, names), scalars),
    st.builds(operator.lt, st.builds(Field, names), numbers),
    st.builds(operator.le, st.builds(Field, names), numbers),
    st.builds(operator.gt, st.builds(Field, names), numbers),
    st.builds(operator.ge, st.builds(Field, names), numbers),
    st.builds(lambda f, v: f.is_in(v), st.builds(Field, names), lists),
    st.builds(lambda f, v: f.not_in(v), st.builds(Field, names), lists),
    st.builds(lambda f, v: f.exists(v), st.builds(Field, names), st.booleans()),
)


def _combine(children):
    def build(parts, ops):
        result = parts[0]
        for part, op in zip(parts[1:], ops, strict=False):
            result = op(result, part)
        return result

    return st.lists(children, min_size=2, max_size=3).flatmap(
        lambda parts: st.lists(st.sampled_from([operator.and_, operator.or_]), min_size=2, max_size=2).map(
            lambda ops: build(parts, ops)
        )
    )


filters = st.recursive(conditions, _combine, max_leaves=8)


def _no_same_kind_nesting(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$and", "$or"):
                for child in value:
                    assert key not in child or len(child) != 1, f"{key} directly inside {key}"
                    _no_same_kind_nesting(child)


@settings(max_examples=40, deadline=None)
@given(filters)
def test_builder_output_always_validates_and_is_a_fixpoint(f):
    assert isinstance(f, Filter)
    raw = f.to_dict()
    assert validate_filter(raw) == raw
    assert validate_filter(f) == raw
    assert validate_filter(validate_filter(raw)) == raw
    assert json.loads(encode_filter_query(f)) == raw
    _no_same_kind_nesting(raw)


@settings(max_examples=20, deadline=None)
@given(filters, filters)
def test_and_or_of_two_filters_keep_every_clause(a, b):
    both = (a & b).to_dict()["$and"]
    either = (a | b).to_dict()["$or"]
    expected_and = [*(_items(a, And)), *(_items(b, And))]
    expected_or = [*(_items(a, Or)), *(_items(b, Or))]
    assert both == expected_and
    assert either == expected_or


def _items(f, kind):
    return [x.to_dict() for x in f.items] if isinstance(f, kind) else [f.to_dict()]


def _sites(node, path, steps):
    """Every place a mutation can go: (kind, steps to the node, expected error path)."""
    sites = [("object", steps, path)]
    for key, value in node.items():
        key_path = f"{path}.{key}"
        key_steps = (*steps, key)
        if key in ("$and", "$or"):
            sites.append(("group", key_steps, key_path))
            for i, child in enumerate(value):
                sites.extend(_sites(child, f"{key_path}[{i}]", (*key_steps, i)))
        else:
            sites.append(("operators", key_steps, key_path))
            for op in value:
                if op in ("$gt", "$gte", "$lt", "$lte"):
                    sites.append(("range", (*key_steps, op), f"{key_path}.{op}"))
                elif op in ("$in", "$nin"):
                    sites.append(("list", (*key_steps, op), f"{key_path}.{op}"))
    return sites


def _node(root, steps):
    return functools.reduce(lambda node, step: node[step], steps, root)


@settings(max_examples=60, deadline=None)
@given(filters, st.data())
def test_mutations_into_invalid_filters_are_rejected_with_their_path(f, data):
    raw = f.to_dict()
    kind, steps, path = data.draw(st.sampled_from(_sites(raw, "filter", ())))
    bad = copy.deepcopy(raw)
    if kind == "object":
        choice = data.draw(st.sampled_from(["dollar", "nested", "null", "regex_top"]))
        target = _node(bad, steps)
        if choice == "dollar":
            target["$zz"] = 1
            expected = (f"{path}.$zz", "dollar_key")
        elif choice == "nested":
            target["zz_meta"] = {"inner": 1}
            expected = (f"{path}.zz_meta.inner", "nested_object")
        elif choice == "null":
            target["zz_null"] = None
            expected = (f"{path}.zz_null", "null_value")
        else:
            target["$in"] = [1]
            expected = (f"{path}.$in", "unknown_operator")
    elif kind == "group":
        parent, key = _node(bad, steps[:-1]), steps[-1]
        choice = data.draw(st.sampled_from(["empty", "scalar", "non_object"]))
        if choice == "empty":
            parent[key] = []
            expected = (path, "empty_group")
        elif choice == "scalar":
            parent[key] = "x"
            expected = (path, "not_a_list")
        else:
            parent[key].append(5)
            expected = (f"{path}[{len(parent[key]) - 1}]", "not_an_object")
    elif kind == "operators":
        _node(bad, steps)["$regex"] = "x"
        expected = (f"{path}.$regex", "unknown_operator")
    elif kind == "range":
        parent, key = _node(bad, steps[:-1]), steps[-1]
        parent[key] = data.draw(st.sampled_from(["12", True, None, [1]]))
        expected = (path, "null_value" if parent[key] is None else "wrong_type")
    else:
        parent, key = _node(bad, steps[:-1]), steps[-1]
        parent[key] = data.draw(st.sampled_from(["a", 3, {"x": 1}]))
        expected = (path, "not_a_list")
    with pytest.raises(FilterError) as info:
        validate_filter(bad)
    assert (info.value.path, info.value.rule) == expected


def test_condition_can_be_built_directly_and_checks_its_operator():
    assert Condition("a", "$in", ("x",)).to_dict() == {"a": {"$in": ["x"]}}
    with pytest.raises(FilterError, match="unknown operator"):
        Condition("a", "$regex", "x")
    with pytest.raises(FilterError, match="at least one"):
        And(())
    with pytest.raises(FilterError, match="at least one"):
        Or(())
