"""Context snippets never repeat each other, and quoted text is text of the file."""

from __future__ import annotations

from pathlib import Path

from .conftest import ROOT, V25, Api

HANDBOOK = (ROOT / "examples" / "data" / "handbook.md").read_text()
QUESTIONS = [
    "How many vacation days do employees get?",
    "When is the office open and what are core hours?",
    "What equipment do new employees receive?",
]


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def _handbook(api: Api) -> None:
    api.create_assistant("handbook")
    api.uploaded_id(api.upload("handbook", "handbook.md", HANDBOOK))


def test_context_snippets_of_one_file_never_overlap(api: Api) -> None:
    _handbook(api)
    for question in QUESTIONS:
        for top_k in (2, 4, 16):
            body = api.post("chat/handbook/context", json={"query": question, "top_k": top_k}).json()
            texts = [s["content"] for s in body["snippets"]]
            assert texts, question
            assert len(texts) == len(set(texts)), texts
            sentences = [_squeezed(line) for text in texts for line in text.split("\n") if line.strip()]
            assert len(sentences) == len(set(sentences)), texts


def test_two_hits_in_one_file_give_one_snippet_and_usage_counts_it_once(api: Api) -> None:
    _handbook(api)
    one = api.post("chat/handbook/context", json={"query": "employees", "top_k": 1}).json()
    many = api.post("chat/handbook/context", json={"query": "employees", "top_k": 16}).json()
    assert [s["content"] for s in many["snippets"]] == [s["content"] for s in one["snippets"]]
    assert many["usage"]["prompt_tokens"] == one["usage"]["prompt_tokens"]


def test_a_file_uploaded_twice_gives_its_text_once(api: Api) -> None:
    _handbook(api)
    api.uploaded_id(api.upload("handbook", "copy.md", HANDBOOK))
    body = api.post("chat/handbook/context", json={"query": QUESTIONS[0]}).json()
    texts = [s["content"] for s in body["snippets"]]
    assert len(texts) == len(set(texts)) == 1


def test_highlights_and_quotes_are_text_of_the_file_without_glued_headings(api: Api) -> None:
    _handbook(api)
    file_text = _squeezed(HANDBOOK)
    for question in QUESTIONS:
        answer = api.chat("handbook", question, include_highlights=True).json()
        highlights = [r["highlight"]["content"] for c in answer["citations"] for r in c["references"]]
        assert highlights, question
        for highlight in highlights:
            assert _squeezed(highlight) in file_text, highlight
        assert "handbook Vacation" not in answer["message"]["content"]
        assert "Vacation Every" not in answer["message"]["content"]


def test_snippet_text_is_text_of_the_file(api: Api) -> None:
    _handbook(api)
    for question in QUESTIONS:
        body = api.post("chat/handbook/context", json={"query": question}).json()
        for snippet in body["snippets"]:
            for block in snippet["content"].split("\n"):
                assert _squeezed(block) in _squeezed(HANDBOOK.replace("#", "")), block


def test_title_lines_of_plain_text_are_not_glued_to_the_next_sentence(api: Api, tmp_path: Path) -> None:
    api.create_assistant("plain")
    text = "Travel policy\nBooking\nBook trains for trips under four hours. Flights need approval.\n"
    api.uploaded_id(api.upload("plain", "policy.txt", text))
    answer = api.chat("plain", "When do I book trains?", include_highlights=True).json()
    [highlight] = [r["highlight"]["content"] for c in answer["citations"] for r in c["references"]]
    assert highlight == "Book trains for trips under four hours."
    assert api.request("GET", "files/plain", version=V25).status_code == 200
