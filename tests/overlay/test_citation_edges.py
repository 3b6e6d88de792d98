"""Citation markers at the edges: page-range limits, a marker at the very start, trailing spaces."""

from __future__ import annotations

from pinecone_assistant.citation import MAX_PAGE_RANGE, parse_markers, parse_pages, strip_markers


def test_a_page_range_up_to_the_limit_is_expanded_and_one_page_longer_is_not():
    assert parse_pages(f"1-{1 + MAX_PAGE_RANGE}") == tuple(range(1, 2 + MAX_PAGE_RANGE))
    assert parse_pages(f"1-{2 + MAX_PAGE_RANGE}") is None


def test_a_short_range_of_high_page_numbers_is_expanded():
    assert parse_pages("20000-20001") == (20000, 20001)


def test_a_marker_at_the_very_start_of_the_text_is_found():
    (citation,) = parse_markers("[1, pp. 2] opens the answer")
    assert (citation.number, citation.pages, citation.start, citation.end) == (1, (2,), 0, 10)


def test_stripping_a_marker_at_the_start_keeps_the_rest_and_its_trailing_space():
    assert strip_markers("[1] ends with a space ") == " ends with a space "
    assert strip_markers("[1][2] then text") == " then text"
