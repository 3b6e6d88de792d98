"""The chat stream's template path (only the content decoded when the bytes around it repeat) builds the
same chunks as the full parser, for every event it takes and none it should not."""

from __future__ import annotations

import json

import httpx
from pinecone_assistant.stream import ChatStream, parse_chat_chunk

START = {"type": "message_start", "id": "c-1", "model": "m-1", "role": "assistant"}
END = {
    "type": "message_end",
    "id": "c-1",
    "model": "m-1",
    "finish_reason": "stop",
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
}


def _content(text: str, **changes: object) -> dict[str, object]:
    return {"type": "content_chunk", "id": "c-1", "model": "m-1", "delta": {"content": text}, **changes}


def _stream(events: list[object]) -> tuple[list[object], str]:
    body = b"".join(
        b"data: " + (e if isinstance(e, bytes) else json.dumps(e, separators=(",", ":")).encode()) + b"\n\n"
        for e in events
    )
    response = httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    with ChatStream(response) as stream:
        chunks = list(stream)
        return chunks, stream.get_final_answer().text


def test_repeated_content_chunks_equal_what_the_full_parser_builds() -> None:
    texts = ["Foxes ", 'say "hi"', "\\n", "é ☃ 😀", "", "x" * 300, "[1, pp. 2]"]
    events: list[object] = [START, *(_content(t) for t in texts * 5), END]
    chunks, text = _stream(events)
    expected = [parse_chat_chunk(e) for e in events if isinstance(e, dict)]
    assert chunks == expected
    assert text == "".join(texts * 5)


def test_an_event_that_only_looks_like_the_template_goes_through_the_full_parser() -> None:
    same = _content("a")
    prefix = json.dumps(same, separators=(",", ":")).encode().split(b'"a"')[0]
    forged = prefix + b'"b"},"extra":{"c":"d"}}'  # the same bytes around a value that is not one string
    other_model = _content("c", model="m-2")
    with_filter = _content("e", content_filter_results={"spec": "openai", "results": {}})
    events: list[object] = [START, same, same, forged, other_model, with_filter, _content("f"), END]
    chunks, text = _stream(events)
    assert chunks[3] == parse_chat_chunk(json.loads(forged))
    assert chunks[3].additional_properties == {"extra": {"c": "d"}}
    assert chunks[4].model == "m-2"
    assert chunks[5] == parse_chat_chunk(with_filter)
    assert text == "aabcef"
