"""Inline citation markers and rendering of structured citations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from assistant_api.models import AssistantFileModel, ChatModel, CitationModel, ReferenceModel
from hypothesis import given, settings
from hypothesis import strategies as st
from pinecone_assistant.citation import (
    format_pages,
    number_sources,
    parse_markers,
    parse_pages,
    render_citations,
    strip_markers,
)

FIXTURES = Path(__file__).parent / "fixtures"
COMPLETION_TEXT = "The Eiffel Tower is 330 metres tall [1, pp. 1]. It opened in 1889 [1, pp. 3-4] [2]."


def chat_model() -> ChatModel:
    return ChatModel.from_dict(json.loads((FIXTURES / "chat_citations.json").read_text()))


def test_markers_in_completion_text_become_structured_references():
    found = parse_markers(COMPLETION_TEXT)
    assert [(c.number, c.pages) for c in found] == [(1, (1,)), (1, (3, 4)), (2, ())]
    assert [COMPLETION_TEXT[c.start : c.end] for c in found] == ["[1, pp. 1]", "[1, pp. 3-4]", "[2]"]
    assert [c.marker for c in found] == ["[1, pp. 1]", "[1, pp. 3-4]", "[2]"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a [3, p. 7]", [(3, (7,))]),
        ("a [1, pp. 1, 3-5]", [(1, (1, 3, 4, 5))]),
        ("a [1, pp. 2\u20134]", [(1, (2, 3, 4))]),
        ("a [ 4 ,pp.9 ]", [(4, (9,))]),
        ("a[1][2]", []),
        ("x [1][2]", [(1, ()), (2, ())]),
        ("items[2] and arr[0]", []),
        ("(see [5])", [(5, ())]),
        ("a [1, pp. 5-3]", []),
        ("a [1, pp. 1-100000]", []),
        ("a [one]", []),
        ("a [1, chapter 2]", []),
    ],
)
def test_marker_forms(text, expected):
    assert [(c.number, c.pages) for c in parse_markers(text)] == expected


def test_strip_markers_removes_markers_and_the_space_before_them():
    assert strip_markers(COMPLETION_TEXT) == "The Eiffel Tower is 330 metres tall. It opened in 1889."
    assert strip_markers("no markers here") == "no markers here"


def test_parse_and_format_pages_round_trip():
    assert parse_pages("1, 3-5, 7") == (1, 3, 4, 5, 7)
    assert format_pages([7, 1, 3, 4, 5, 4]) == "1, 3-5, 7"
    assert format_pages([]) == ""


def test_sources_are_numbered_by_first_citation_and_pages_merged():
    sources = number_sources(chat_model().citations)
    assert [(s.number, s.name, s.pages) for s in sources] == [
        (1, "eiffel-tower.pdf", (1, 3, 4)),
        (2, "paris-history.txt", ()),
    ]


def test_inline_rendering_of_the_recorded_answer():
    model = chat_model()
    rendered = render_citations(model.message.content, model.citations)
    assert rendered.startswith("The Eiffel Tower is 330 metres tall. [1, pp. 1] Gustave")
    assert rendered.endswith("café 🗼. [1, pp. 3-4][2]")
    assert [(c.number, c.pages) for c in parse_markers(rendered)] == [(1, (1,)), (1, (3, 4)), (2, ())]


def test_footnote_rendering_of_the_recorded_answer():
    model = chat_model()
    rendered = render_citations(model.message.content, model.citations, style="footnotes")
    body, notes = rendered.split("\n\n")
    assert body.startswith("The Eiffel Tower is 330 metres tall.[^1] Gustave")
    assert body.endswith("🗼.[^1][^2]")
    assert notes == "[^1]: eiffel-tower.pdf, pp. 1, 3-4\n[^2]: paris-history.txt"


def test_unknown_style_is_rejected():
    with pytest.raises(ValueError, match="'inline' or 'footnotes'"):
        render_citations("x", [], style="endnotes")  # type: ignore[arg-type]


def _citation(position, file_id, pages=None):
    ref = ReferenceModel(file=AssistantFileModel(name=f"{file_id}.pdf", id=file_id))
    if pages is not None:
        ref.pages = pages
    return CitationModel(position=position, references=[ref])


def test_positions_are_code_points_so_astral_characters_count_once():
    text = "Tower 🗼 is tall"
    position = text.index("🗼") + 1  # right after the emoji, in code points
    rendered = render_citations(text, [_citation(position, "f")])
    assert rendered == "Tower 🗼 [1] is tall"


def test_positions_outside_the_text_are_clamped():
    rendered = render_citations("abc", [_citation(-5, "a"), _citation(99, "b", [2])])
    assert rendered == "[1]abc [2, pp. 2]"


def test_citations_at_the_same_position_keep_their_order():
    rendered = render_citations("ab", [_citation(1, "x"), _citation(1, "y"), _citation(1, "x", [3])])
    assert rendered == "a [1] [2] [1, pp. 3]b"


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(alphabet="abcdefé🗼.", min_size=1, max_size=40),
    cits=st.lists(
        st.tuples(
            st.integers(0, 40), st.sampled_from(["f1", "f2", "f3"]), st.lists(st.integers(1, 9), max_size=3)
        ),
        max_size=6,
    ),
)
def test_rendered_markers_parse_back_and_strip_back_to_the_text(text, cits):
    citations = [_citation(min(p, len(text)), f, pages) for p, f, pages in cits]
    rendered = render_citations(text, citations)
    numbers = {s.file.id: s.number for s in number_sources(citations)}
    ordered = sorted(enumerate(citations), key=lambda item: (item[1].position, item[0]))
    expected = [
        (numbers[c.references[0].file.id], tuple(sorted(set(c.references[0].pages)))) for _, c in ordered
    ]
    assert [(m.number, m.pages) for m in parse_markers(rendered)] == expected
    assert strip_markers(rendered) == text
