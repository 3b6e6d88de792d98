"""Metadata filter grammar: validation, semantics, and the endpoint applying them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from assistant_conformance import filter_grammar
from assistant_conformance.embedded import filter as filters
from assistant_conformance.fixtures import CORPUS as FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import Api, load_corpus

META: dict[str, dict[str, Any]] = {
    "a": {"genre": "drama", "year": 2020, "rating": 4.5, "public": True, "tags": ["x", "y"]},
    "b": {"genre": "comedy", "year": 1999, "public": False, "tags": ["y"]},
    "c": {"genre": "drama", "year": 2005},
    "d": {},
}


def select(spec: dict[str, Any]) -> set[str]:
    filters.validate(spec)
    return {name for name, meta in META.items() if filters.matches(spec, meta)}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"genre": {"$eq": "drama"}}, {"a", "c"}),
        ({"genre": "drama"}, {"a", "c"}),
        ({"genre": {"$ne": "drama"}}, {"b", "d"}),
        ({"year": {"$gt": 2005}}, {"a"}),
        ({"year": {"$gte": 2005}}, {"a", "c"}),
        ({"year": {"$lt": 2005}}, {"b"}),
        ({"year": {"$lte": 2005.0}}, {"b", "c"}),
        ({"year": {"$gte": 2000, "$lt": 2021}}, {"a", "c"}),
        ({"rating": {"$gt": 4}}, {"a"}),
        ({"genre": {"$in": ["comedy", "horror"]}}, {"b"}),
        ({"genre": {"$nin": ["comedy"]}}, {"a", "c", "d"}),
        ({"year": {"$in": [1999, 2005]}}, {"b", "c"}),
        ({"tags": {"$eq": "x"}}, {"a"}),
        ({"tags": {"$in": ["y"]}}, {"a", "b"}),
        ({"tags": {"$nin": ["x"]}}, {"b", "c", "d"}),
        ({"public": {"$eq": True}}, {"a"}),
        ({"public": {"$eq": 1}}, set()),
        ({"year": {"$eq": True}}, set()),
        ({"public": {"$exists": True}}, {"a", "b"}),
        ({"public": {"$exists": False}}, {"c", "d"}),
        ({"$and": [{"genre": "drama"}, {"year": {"$lt": 2010}}]}, {"c"}),
        ({"$or": [{"genre": "comedy"}, {"year": {"$gt": 2010}}]}, {"a", "b"}),
        ({"$or": [{"$and": [{"genre": "drama"}, {"public": True}]}, {"year": 1999}]}, {"a", "b"}),
        ({"genre": "drama", "public": {"$exists": False}}, {"c"}),
        ({"genre": {"$gt": 1}}, set()),
    ],
)
def test_filter_semantics(spec: dict[str, Any], expected: set[str]) -> None:
    assert select(spec) == expected


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ([{"genre": "drama"}], "expected an object"),
        ({}, "empty filter"),
        ({"genre": {}}, "at least one operator"),
        ({"genre": {"$regex": "d.*"}}, "unknown operator '$regex'"),
        ({"$not": [{"genre": "drama"}]}, "unknown operator '$not'"),
        ({"year": {"$gt": "2000"}}, "filter.year.$gt: $gt compares numbers only, got string"),
        ({"year": {"$gt": True}}, "got boolean"),
        ({"genre": {"$in": "drama"}}, "$in expects an array"),
        ({"genre": {"$in": ["drama", True]}}, "filter.genre.$in[1]"),
        ({"genre": {"$nin": [{"a": 1}]}}, "got object"),
        ({"genre": {"$eq": None}}, "got null"),
        ({"genre": {"$eq": ["a"]}}, "got array"),
        ({"genre": ["drama", "comedy"]}, "use $in"),
        ({"genre": {"$exists": "yes"}}, "$exists expects true or false"),
        ({"$and": {"genre": "drama"}}, "non-empty array"),
        ({"$or": []}, "non-empty array"),
        ({"$and": [{"genre": {"$gt": "x"}}]}, "filter.$and[0].genre.$gt"),
        ({"genre": {"$and": [{"a": 1}]}}, "belongs at the top level"),
        ({"": 1}, "must not be empty"),
    ],
)
def test_invalid_filters_are_rejected_with_the_offending_part_named(spec: Any, fragment: str) -> None:
    with pytest.raises(filters.FilterError) as raised:
        filters.validate(spec)
    assert fragment in str(raised.value)


def test_numbers_beyond_float_range_compare_exactly() -> None:
    huge = 10**400
    assert filters.matches({"n": {"$gt": huge}}, {"n": 1e308}) is False
    assert filters.matches({"n": {"$lt": huge}}, {"n": 1e308}) is True
    assert filters.matches({"n": {"$eq": huge}}, {"n": huge}) is True
    assert filters.matches({"n": {"$in": [huge, 1]}}, {"n": 1.0}) is True


def test_deeply_nested_filters_are_rejected_not_crashed_on() -> None:
    spec: dict[str, Any] = {"genre": "drama"}
    for _ in range(200):
        spec = {"$and": [spec]}
    with pytest.raises(filters.FilterError, match="nest at most"):
        filters.validate(spec)


@settings(max_examples=80, deadline=None)
@given(spec=filter_grammar.valid_filters())
def test_agrees_with_the_conformance_reference_evaluator(spec: dict[str, Any]) -> None:
    filters.validate(spec)
    for fixture in FIXTURES:
        expected = filter_grammar.evaluate(spec, fixture.metadata)
        if expected is not None:
            assert filters.matches(spec, fixture.metadata) is expected, (spec, fixture.key)


@settings(max_examples=60, deadline=None)
@given(case=filter_grammar.invalid_filters())
def test_rejects_every_mutation_of_the_conformance_grammar(case: tuple[str, Any]) -> None:
    _, spec = case
    with pytest.raises(filters.FilterError):
        filters.validate(spec)


@settings(max_examples=60, deadline=None)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
        max_leaves=10,
    )
)
def test_arbitrary_json_is_either_a_valid_filter_or_a_filter_error(value: Any) -> None:
    try:
        filters.validate(value)
    except filters.FilterError:
        return
    filters.matches(value, {"genre": "drama", "year": 2020, "tags": ["a"]})


def test_endpoint_applies_filters_to_chat_context_and_file_lists(api: Api) -> None:
    ids = load_corpus(api)
    spec = {"$and": [{"year": {"$gte": 2020}}, {"reviewed": {"$exists": True}}]}
    files = api.get("files/demo", params={"filter": json.dumps(spec)}).json()["files"]
    assert {f["id"] for f in files} == {ids["pines.txt"], ids["comets.txt"]}
    snippets = api.post(
        "chat/demo/context", json={"query": "grow tail pines sea otters lava", "filter": spec}
    ).json()
    assert {s["reference"]["file"]["id"] for s in snippets["snippets"]} <= {
        ids["pines.txt"],
        ids["comets.txt"],
    }
    answer = api.chat("demo", "What grows?", filter={"tags": {"$in": ["north"]}}).json()
    assert {r["file"]["id"] for c in answer["citations"] for r in c["references"]} == {ids["pines.txt"]}
