"""One way to get text, citations and highlights out of any answer form."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from assistant_api.models import ChatCompletionModel, ChatModel
from pinecone_assistant.content import answer_of, citations_of, cited_text, highlights_of, text_of
from pinecone_assistant.errors import IncompleteStreamError
from pinecone_assistant.stream import (
    AsyncChatStream,
    ChatAnswer,
    ChatStream,
    CompletionAnswer,
    CompletionStream,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def streamed(name: str) -> httpx.Response:
    request = httpx.Request("POST", "https://x.test/chat/demo")
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        stream=httpx.ByteStream(fixture(name)),
        request=request,
    )


CHAT = ChatModel.from_dict(json.loads(fixture("chat_citations.json")))
COMPLETION = ChatCompletionModel.from_dict(json.loads(fixture("completion.json")))


def test_text_of_is_the_same_for_every_form_of_a_chat_answer():
    expected = CHAT.message.content
    assert text_of(CHAT) == expected
    assert text_of(ChatAnswer.from_chat_model(CHAT)) == expected
    assert text_of(ChatStream(streamed("chat_citations.sse"))) == expected
    assert text_of(list(ChatStream(streamed("chat_citations.sse")))) == expected
    assert text_of(ChatStream(streamed("chat_citations.sse")).get_final_answer()) == expected
    assert text_of(expected) == expected


def test_text_of_is_the_same_for_every_form_of_a_completion():
    expected = COMPLETION.choices[0].message.content
    assert text_of(COMPLETION) == expected
    assert text_of(CompletionAnswer.from_completion_model(COMPLETION)) == expected
    assert text_of(CompletionStream(streamed("completion.sse"))) == expected
    assert text_of(list(CompletionStream(streamed("completion_legacy_wrapper.sse")))) == expected


def test_text_of_a_completion_without_content_is_empty():
    model = ChatCompletionModel.from_dict(
        {
            "id": "c",
            "model": "m",
            "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1},
            "choices": [{"index": 0, "finish_reason": "stop", "message": {}}],
        }
    )
    assert text_of(model) == ""


def test_text_of_an_incomplete_chunk_list_raises_with_the_partial_answer():
    chunks = list(ChatStream(streamed("chat_citations.sse")))[:-1]
    with pytest.raises(IncompleteStreamError) as info:
        text_of(chunks)
    assert info.value.partial.text == CHAT.message.content


def test_text_of_an_async_stream_says_to_await_it():
    stream = AsyncChatStream(streamed("chat_citations.sse"))
    with pytest.raises(TypeError, match=r"await stream\.get_final_answer"):
        text_of(stream)


@pytest.mark.parametrize("value", [42, {"message": "x"}, b"bytes", None])
def test_text_of_unsupported_values_is_a_clear_type_error(value):
    with pytest.raises(TypeError, match=r"expected|cannot get an answer"):
        text_of(value)


def test_answer_of_empty_chunk_list_is_an_incomplete_stream():
    with pytest.raises(IncompleteStreamError):
        answer_of([])


def test_citations_are_the_same_streamed_or_not_and_completions_have_none():
    assert citations_of(CHAT) == citations_of(ChatStream(streamed("chat_citations.sse"))) == CHAT.citations
    assert citations_of(COMPLETION) == []


def test_highlights_are_exposed_with_file_pages_and_position():
    highlights = highlights_of(CHAT)
    assert [(h.position, h.file_name, h.pages, h.content) for h in highlights] == [
        (36, "eiffel-tower.pdf", (1,), "The tower is 330 metres (1,083 ft) tall"),
        (len(CHAT.message.content), "paris-history.txt", (), "built for the 1889 Exposition Universelle"),
    ]
    assert highlights_of(ChatStream(streamed("chat_citations.sse"))) == highlights
    assert highlights_of(COMPLETION) == []


def test_cited_text_renders_chat_citations_and_leaves_completion_markers():
    assert cited_text(CHAT).startswith("The Eiffel Tower is 330 metres tall. [1, pp. 1] Gustave")
    assert cited_text(CHAT, style="footnotes").endswith("[^2]: paris-history.txt")
    assert cited_text(COMPLETION) == COMPLETION.choices[0].message.content
