"""What the stream's shortcuts must leave as the general path has it: kinds, completeness after [DONE]."""

from __future__ import annotations

import json

import pytest
from pinecone_assistant.errors import IncompleteStreamError
from pinecone_assistant.stream import ChatStream, UnknownChunk, parse_chat_chunk

from .test_stream import response

START = {"type": "message_start", "id": "a", "model": "m", "role": "assistant"}
CONTENT = {"type": "content_chunk", "id": "a", "model": "m", "delta": {"content": "hi"}}
END = {"type": "message_end", "id": "a", "model": "m", "finish_reason": "stop", "usage": None}


def sse(events: list[object]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


def test_an_unknown_kind_shaped_like_a_content_chunk_stays_unknown():
    data = {"type": "content_delta", "id": "a", "model": "m", "delta": {"content": "x"}}
    assert parse_chat_chunk(data) == UnknownChunk("content_delta", data)


@pytest.mark.parametrize("kind", [["content_chunk"], {"name": "content_chunk"}])
def test_a_kind_that_is_not_a_string_gives_an_unknown_chunk_without_a_kind(kind):
    data = {"type": kind, "x": 1}
    assert parse_chat_chunk(data) == UnknownChunk("", data)


def test_a_stream_stops_at_done_and_still_checks_completeness():
    data = sse([START, CONTENT]) + b"data: [DONE]\n\n" + sse([END])
    stream = ChatStream(response(data, headers={"x-request-id": "rq-done"})[0])
    with pytest.raises(IncompleteStreamError) as info:
        list(stream)
    assert info.value.request_id == "rq-done"
    assert info.value.partial.text == "hi"
