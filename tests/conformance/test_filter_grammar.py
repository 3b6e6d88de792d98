"""The filter grammar and its three-valued reference semantics."""

from __future__ import annotations

from assistant_conformance.filter_grammar import (
    KEYS,
    MUTATIONS,
    evaluate,
    invalid_filters,
    matching,
    valid_filters,
)
from assistant_conformance.fixtures import CORPUS, minimal_pdf
from hypothesis import given, settings
from hypothesis import strategies as st


def test_equality_on_list_fields_matches_any_element():
    assert evaluate({"tags": {"$eq": "coast"}}, {"tags": ["coast", "light"]}) is True
    assert evaluate({"tags": {"$in": ["trees", "x"]}}, {"tags": ["coast"]}) is False


def test_negations_on_a_missing_key_are_left_undecided():
    assert evaluate({"genre": {"$ne": "x"}}, {}) is None
    assert evaluate({"genre": {"$nin": ["x"]}}, {"year": 1}) is None


def test_comparisons_only_match_numbers_and_booleans_never_equal_numbers():
    assert evaluate({"year": {"$gte": 2000}}, {"year": 2005}) is True
    assert evaluate({"year": {"$gte": 2000}}, {"year": "2005"}) is False
    assert evaluate({"public": {"$eq": 1}}, {"public": True}) is False


def test_or_is_decided_by_one_true_branch_even_when_another_is_undecided():
    spec = {"$or": [{"genre": {"$ne": "x"}}, {"year": {"$eq": 1990}}]}
    assert evaluate(spec, {"year": 1990}) is True
    assert evaluate(spec, {"year": 1}) is None


def test_exists_is_always_decided():
    assert evaluate({"tags": {"$exists": False}}, {"genre": "a"}) is True
    assert evaluate({"tags": {"$exists": True}}, {"genre": "a"}) is False


def test_corpus_leaves_every_key_out_of_some_file_and_in_others():
    for key in KEYS:
        having = [f for f in CORPUS if key in f.metadata]
        assert having
        assert len(having) < len(CORPUS)


def test_matching_splits_the_corpus_for_a_simple_filter():
    must, must_not = matching({"genre": {"$eq": "science"}})
    assert must == {"tides", "glaciers"}
    assert must_not == {f.key for f in CORPUS} - must


@settings(max_examples=60, deadline=None)
@given(valid_filters())
def test_valid_filters_are_objects_with_explicit_operators(spec):
    def walk(node):
        assert isinstance(node, dict)
        assert node
        for key, value in node.items():
            if key in {"$and", "$or"}:
                assert isinstance(value, list)
                assert value
                for sub in value:
                    walk(sub)
            else:
                assert not key.startswith("$")
                assert isinstance(value, dict)
                assert len(value) == 1

    walk(spec)
    for fixture in CORPUS:
        evaluate(spec, fixture.metadata)  # never raises on valid filters


@settings(max_examples=60, deadline=None)
@given(valid_filters(), invalid_filters())
def test_the_embedded_endpoint_agrees_with_the_grammar(valid, invalid):
    # An independent implementation of the documented language accepts exactly the valid side.
    from assistant_conformance.embedded import filter as embedded_filter

    embedded_filter.validate(valid)
    kind, spec = invalid
    assert kind in MUTATIONS
    try:
        embedded_filter.validate(spec)
    except embedded_filter.FilterError:
        return
    raise AssertionError(f"{kind}: {spec} was accepted")


@given(st.lists(st.text(alphabet="abc ()\\", max_size=20), max_size=5))
@settings(max_examples=20, deadline=None)
def test_minimal_pdf_has_a_correct_cross_reference_table(lines):
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(minimal_pdf(lines)), strict=True)
    assert len(reader.pages) == 1
