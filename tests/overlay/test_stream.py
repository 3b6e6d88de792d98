"""Typed chunks, accumulation and the stream classes, on recorded transcripts and loopback servers."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import httpx
import pytest
from assistant_api.models import (
    ChatCompletionChunk,
    ChatCompletionModel,
    ChatModel,
    CitationChunk,
    ContentChunk,
    FinishReason,
    MessageEndChunk,
    MessageStartChunk,
)
from assistant_api.types import UNSET
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pinecone_assistant import stream as stream_module
from pinecone_assistant.errors import (
    APIResponseValidationError,
    IncompleteStreamError,
    NotFoundError,
    StreamError,
)
from pinecone_assistant.stream import (
    AsyncChatStream,
    AsyncCompletionStream,
    ChatAnswer,
    ChatStream,
    CompletionAnswer,
    CompletionStream,
    UnknownChunk,
    accumulate,
    accumulate_completion,
    parse_chat_chunk,
    parse_completion_chunk,
)

from .servers import uvicorn_app

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def chat_model() -> ChatModel:
    return ChatModel.from_dict(json.loads(fixture("chat_citations.json")))


def completion_model() -> ChatCompletionModel:
    return ChatCompletionModel.from_dict(json.loads(fixture("completion.json")))


class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body served in the given pieces; ``fail_after`` raises a read error after that many."""

    def __init__(self, chunks: list[bytes], fail_after: int | None = None):
        self.chunks = chunks
        self.fail_after = fail_after
        self.sent = 0
        self.closed = False

    def _next(self):
        for chunk in self.chunks:
            if self.fail_after is not None and self.sent >= self.fail_after:
                raise httpx.ReadError("connection reset by peer")
            self.sent += 1
            yield chunk

    def __iter__(self):
        yield from self._next()

    async def __aiter__(self):
        for chunk in self._next():
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def response(
    chunks: list[bytes] | bytes,
    status: int = 200,
    content_type: str = "text/event-stream",
    headers: dict[str, str] | None = None,
    fail_after: int | None = None,
) -> tuple[httpx.Response, Body]:
    if isinstance(chunks, bytes):
        chunks = [chunks[i : i + 64] for i in range(0, len(chunks), 64)]
    body = Body(chunks, fail_after)
    request = httpx.Request("POST", "https://prod-1-data.ke.pinecone.io/assistant/chat/demo")
    resp = httpx.Response(
        status,
        headers={"content-type": content_type, **(headers or {})},
        stream=body,
        request=request,
    )
    return resp, body


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    cuts = sorted({c for c in cuts if 0 < c < len(data)})
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


# --------------------------------------------------------------------------- standard chat


def test_chat_stream_yields_typed_chunks_in_order():
    resp, body = response(fixture("chat_citations.sse"))
    chunks = list(ChatStream(resp))
    kinds = [type(c) for c in chunks]
    assert kinds[0] is MessageStartChunk
    assert kinds[-1] is MessageEndChunk
    assert kinds.count(CitationChunk) == 2
    assert kinds.count(ContentChunk) == 15
    assert body.closed


def test_streamed_answer_equals_the_non_streaming_response():
    resp, _ = response(fixture("chat_citations.sse"))
    answer = ChatStream(resp).get_final_answer()
    expected = ChatAnswer.from_chat_model(chat_model())
    assert answer == expected
    assert answer.text.endswith("café 🗼.")
    assert answer.usage is not None
    assert answer.usage.total_tokens == 2154
    assert answer.finish_reason == "stop"
    assert answer.context_snippet_count == 12
    assert answer.to_chat_model() == chat_model()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(1, 4000), max_size=12),
    st.sampled_from(["chat_citations.sse", "chat_usage_null.sse"]),
)
def test_any_byte_split_of_a_transcript_gives_the_same_chunks_and_answer(cuts, name):
    data = fixture(name)
    whole, _ = response([data])
    expected_chunks = list(ChatStream(whole))
    resp, _ = response(split(data, cuts))
    stream = ChatStream(resp)
    chunks = list(stream)
    assert chunks == expected_chunks
    assert accumulate(chunks) == accumulate(expected_chunks) == stream.get_final_answer()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4000), max_size=12))
def test_any_byte_split_of_a_crlf_transcript_with_unknown_chunks_gives_the_same_answer(cuts):
    data = fixture("chat_unknown_chunk.sse")
    resp, _ = response(split(data, cuts))
    answer = ChatStream(resp).get_final_answer()
    assert answer == ChatAnswer.from_chat_model(chat_model())


def test_usage_null_in_message_end_keeps_the_chunk_and_completes_the_answer():
    resp, _ = response(fixture("chat_usage_null.sse"))
    chunks = list(ChatStream(resp))
    end = chunks[-1]
    assert isinstance(end, MessageEndChunk)
    assert end.usage is None
    answer = accumulate(chunks)
    assert answer.usage is None
    assert answer.finish_reason == FinishReason.STOP
    assert answer.text == chat_model().message.content


def test_unknown_chunk_kind_is_passed_through_in_place():
    resp, _ = response(fixture("chat_unknown_chunk.sse"))
    chunks = list(ChatStream(resp))
    unknown = [c for c in chunks if isinstance(c, UnknownChunk)]
    assert len(unknown) == 1
    assert unknown[0].type == "tool_call"
    assert unknown[0].raw["tool"]["name"] == "lookup"
    position = chunks.index(unknown[0])
    assert isinstance(chunks[position - 1], CitationChunk)


def test_done_line_ends_the_stream_even_if_more_data_follows():
    data = fixture("chat_citations.sse") + b'data: [DONE]\n\ndata: {"type":"content_chunk"}\n\n'
    resp, body = response(data)
    chunks = list(ChatStream(resp))
    assert isinstance(chunks[-1], MessageEndChunk)
    assert body.closed


def test_truncated_stream_raises_with_the_partial_answer():
    resp, body = response(fixture("chat_truncated.sse"))
    stream = ChatStream(resp)
    seen = []
    with pytest.raises(IncompleteStreamError) as info:  # noqa: PT012
        for chunk in stream:
            seen.append(chunk)
    partial = info.value.partial
    assert isinstance(partial, ChatAnswer)
    assert partial.text == "The Eiffel Tower is 330 metres tall. Gustave Eiffel\u2019s company"
    assert partial.finish_reason is None
    assert len(partial.citations) == 1
    assert len(seen) == 9
    assert body.closed


def test_get_final_answer_on_a_truncated_stream_raises_with_the_partial_answer():
    resp, _ = response(fixture("chat_truncated.sse"))
    with pytest.raises(IncompleteStreamError) as info:
        ChatStream(resp).get_final_answer()
    assert info.value.partial.text.startswith("The Eiffel Tower")


def test_accumulate_raises_without_message_end_and_keeps_the_partial_answer():
    resp, _ = response(fixture("chat_citations.sse"))
    chunks = list(ChatStream(resp))[:-1]
    with pytest.raises(IncompleteStreamError) as info:
        accumulate(chunks)
    assert info.value.partial.text == chat_model().message.content
    assert info.value.partial.usage is None


def test_accumulate_is_pure_and_repeatable():
    resp, _ = response(fixture("chat_citations.sse"))
    chunks = list(ChatStream(resp))
    first = accumulate(chunks)
    assert accumulate(chunks) == first
    assert accumulate(iter(chunks)) == first


def test_text_stream_yields_only_text_and_the_final_answer_is_still_complete():
    resp, _ = response(fixture("chat_citations.sse"))
    stream = ChatStream(resp)
    texts = list(stream.text_stream)
    assert "".join(texts) == chat_model().message.content
    assert all(isinstance(t, str) and t for t in texts)
    assert stream.get_final_answer().finish_reason == "stop"


def test_current_answer_grows_while_reading():
    resp, _ = response(fixture("chat_citations.sse"))
    stream = ChatStream(resp)
    next(stream)
    next(stream)
    assert stream.current_answer.text == "The Eiffel"
    stream.close()


def test_close_mid_stream_closes_the_response_and_stops_iteration():
    resp, body = response(fixture("chat_citations.sse"))
    stream = ChatStream(resp)
    assert isinstance(next(stream), MessageStartChunk)
    stream.close()
    assert body.closed
    assert resp.is_closed
    assert list(stream) == []
    stream.close()  # twice is fine


def test_context_manager_closes_the_response_on_early_exit():
    resp, body = response(fixture("chat_citations.sse"))
    with ChatStream(resp) as stream:
        for chunk in stream:
            if isinstance(chunk, ContentChunk):
                break
    assert body.closed


def test_error_payload_inside_the_stream_raises_stream_error():
    data = (
        b'data: {"type":"message_start","id":"a","model":"m","role":"assistant"}\n\n'
        b'data: {"error":{"code":"INTERNAL","message":"model overloaded"},"status":500}\n\n'
    )
    resp, body = response(data)
    stream = ChatStream(resp)
    assert isinstance(next(stream), MessageStartChunk)
    with pytest.raises(StreamError) as info:
        next(stream)
    assert info.value.code == "INTERNAL"
    assert info.value.message == "model overloaded"
    assert body.closed


def test_error_event_inside_the_stream_raises_stream_error():
    resp, _ = response(b'event: error\ndata: {"message":"quota exceeded"}\n\n')
    with pytest.raises(StreamError, match="quota exceeded"):
        list(ChatStream(resp))


def test_error_status_before_streaming_raises_the_typed_status_error():
    body = b'{"error":{"code":"NOT_FOUND","message":"Assistant \\"demo\\" not found."},"status":404}'
    resp, stream_body = response(
        [body], status=404, content_type="application/json", headers={"x-pinecone-request-id": "rq-1"}
    )
    stream = ChatStream(resp)
    assert stream.request_id == "rq-1"
    with pytest.raises(NotFoundError) as info:
        next(stream)
    assert info.value.code == "NOT_FOUND"
    assert info.value.request_id == "rq-1"
    assert stream_body.closed


def test_json_body_instead_of_a_stream_is_reported_as_a_validation_error():
    resp, _ = response([fixture("chat_citations.json")], content_type="application/json")
    with pytest.raises(APIResponseValidationError, match="was `stream` set to true"):
        list(ChatStream(resp))


def test_non_json_event_is_reported_as_a_validation_error():
    resp, _ = response(b"data: not json at all\n\n")
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        list(ChatStream(resp))


def test_non_object_event_is_reported_as_a_validation_error():
    resp, _ = response(b"data: [1, 2]\n\n")
    with pytest.raises(APIResponseValidationError, match="not a JSON object"):
        list(ChatStream(resp))


def test_known_chunk_missing_a_required_field_names_the_field():
    resp, _ = response(b'data: {"type":"citation","id":"a","model":"m"}\n\n')
    with pytest.raises(APIResponseValidationError, match=r"citation chunk.*'citation'"):
        list(ChatStream(resp))


@pytest.mark.parametrize(
    "event",
    [
        b'{"type":"content_chunk","id":"a","model":"m","delta":{"content":42}}',
        b'{"type":"content_chunk","id":"a","model":"m","delta":{"content":null},"x":1}',
    ],
)
def test_non_string_content_is_a_validation_error(event):
    resp, _ = response(b"data: " + event + b"\n\n")
    with pytest.raises(APIResponseValidationError, match=r"non-string delta\.content"):
        list(ChatStream(resp))


@pytest.mark.parametrize(
    "event",
    [
        b'{"id":"c","choices":[{"index":0,"delta":{"content":7},"finish_reason":null}],"model":"m"}',
        b'{"id":"c","choices":[{"index":"0","delta":{"content":"x"},"finish_reason":null}],"model":"m"}',
    ],
)
def test_malformed_completion_chunk_is_a_validation_error(event):
    resp, _ = response(b"data: " + event + b"\n\n")
    with pytest.raises(
        APIResponseValidationError, match=r"non-string delta\.content|non-integer choice index"
    ):
        list(CompletionStream(resp))


def test_invalid_utf8_in_a_chunk_is_replaced():
    data = (
        b'data: {"type":"content_chunk","id":"a","model":"m","delta":{"content":"caf\xe9"}}\n\n'
        b'data: {"type":"message_end","id":"a","model":"m","finish_reason":"stop","usage":null}\n\n'
    )
    resp, _ = response(data)
    assert ChatStream(resp).get_final_answer().text == "caf\ufffd"


def test_read_error_mid_stream_raises_incomplete_with_partial_and_cause():
    data = fixture("chat_citations.sse")
    resp, body = response(data, fail_after=3)
    stream = ChatStream(resp)
    with pytest.raises(IncompleteStreamError) as info:
        stream.get_final_answer()
    assert isinstance(info.value.__cause__, httpx.ReadError)
    assert info.value.partial.id == "0000000000000000163008a05b317b7b"
    assert "connection reset" in str(info.value)
    assert body.closed


# --------------------------------------------------------------------------- fast paths are exact


content_keys = st.dictionaries(
    st.sampled_from(["x_extra", "content_filter_results", "note"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=5)),
    max_size=2,
)


@settings(max_examples=80, deadline=None)
@given(text=st.text(max_size=20), extra=content_keys, delta_extra=content_keys)
def test_content_chunk_fast_path_equals_from_dict(text, extra, delta_extra):
    data = {"type": "content_chunk", "id": "i", "model": "m", "delta": {"content": text, **delta_extra}}
    data.update(extra)
    assert parse_chat_chunk(json.loads(json.dumps(data))) == ContentChunk.from_dict(data)


@settings(max_examples=80, deadline=None)
@given(
    role=st.sampled_from([UNSET, None, "assistant", "robot"]),
    content=st.sampled_from([UNSET, None, "", "hi"]),
    finish=st.sampled_from([UNSET, None, "stop", "length", "brand_new"]),
    extra=content_keys,
)
def test_completion_chunk_fast_path_equals_from_dict(role, content, finish, extra):
    delta = {k: v for k, v in (("role", role), ("content", content)) if v is not UNSET}
    choice = {"index": 0, "delta": delta}
    if finish is not UNSET:
        choice["finish_reason"] = finish
    data = {"id": "c", "choices": [choice], "model": "m", **extra}
    assert parse_completion_chunk(data) == ChatCompletionChunk.from_dict(data)


completion_values = st.one_of(
    st.none(), st.integers(-2, 3), st.booleans(), st.text(max_size=4), st.lists(st.integers(), max_size=1)
)


@st.composite
def completion_events(draw):
    """Completion chunks of the streamed shape, each with up to two of its keys or values changed."""
    delta = {"role": "assistant", "content": draw(st.text(max_size=6))}
    if draw(st.booleans()):
        del delta["role"]
    choice = {"index": 0, "delta": delta, "finish_reason": None}
    event = {"id": "c", "choices": [choice], "model": "m"}
    for _ in range(draw(st.integers(0, 2))):
        change = draw(st.integers(0, 10))
        if change == 0:
            delta["role"] = draw(st.sampled_from(["user", "robot", None]) | completion_values)
        elif change == 1:
            delta["content"] = draw(completion_values)
        elif change == 2:
            delta.pop(draw(st.sampled_from(["role", "content"])), None)
        elif change == 3:
            delta[draw(st.sampled_from(["tool_calls", "refusal"]))] = draw(completion_values)
        elif change == 4:
            choice["index"] = draw(completion_values)
        elif change == 5:
            choice["finish_reason"] = draw(st.sampled_from(["stop", "length"]) | completion_values)
        elif change == 6:
            choice.pop("finish_reason", None)
        elif change == 7:
            choice["logprobs"] = None
        elif change == 8:
            key = draw(st.sampled_from(["x_extra", "usage", "object"]))
            event[key] = draw(completion_values)
        elif change == 9:
            event["choices"] = [] if draw(st.booleans()) else [choice, {**choice, "index": 1}]
        else:
            event[draw(st.sampled_from(["id", "model"]))] = draw(st.sampled_from(["d", "content"]))
    return event


def _sse(events, compact=False):
    options = {"separators": (",", ":"), "ensure_ascii": False} if compact else {}
    return b"".join(b"data: " + json.dumps(e, **options).encode() + b"\n\n" for e in events)


def _completion_stream_result(events, compact):
    """The chunks a completion stream yields, then its answer or the error that ended it."""
    stream = CompletionStream(response(_sse(events, compact))[0])
    chunks = []
    try:
        for chunk in stream:
            chunks.append(chunk)
    except (APIResponseValidationError, IncompleteStreamError) as exc:
        return chunks, (type(exc).__name__, str(exc), getattr(exc, "partial", None))
    return chunks, stream.current_answer


@settings(max_examples=200, deadline=None)
@given(st.lists(completion_events(), min_size=1, max_size=8), st.booleans())
def test_streamed_completion_chunks_equal_from_dict_and_the_slow_path(events, compact):
    # The stream core builds the usual chunk shape without the generated constructors, and reuses
    # the bytes around the content of such a chunk as a template for the next ones (compact JSON);
    # what it yields and assembles must be exactly what ChatCompletionChunk.from_dict and the
    # general parser give, whatever the chunks look like.
    fast = _completion_stream_result(events, compact)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stream_module, "_FAST_BUILD", False)
        slow = _completion_stream_result(events, compact)
    assert fast == slow
    chunks = fast[0]
    assert chunks == [ChatCompletionChunk.from_dict(e) for e in events[: len(chunks)]]
    assert all(type(c) is ChatCompletionChunk for c in chunks)


def test_the_completion_fast_path_is_used_with_the_current_generated_models():
    assert stream_module._FAST_BUILD is True


def _content_event(value, role="assistant"):
    delta = {"role": role, "content": value}
    return {"id": "c", "choices": [{"index": 0, "delta": delta, "finish_reason": None}], "model": "m"}


_STOP = {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "model": "m"}


def _other(key, value, where=()):
    def change(event):
        target = event
        for step in where:
            target = target[step]
        target[key] = value
        return event

    return change


@pytest.mark.parametrize(
    "change",
    [
        *(_other("content", v, ("choices", 0, "delta")) for v in (None, 7, True, ["x"], {"t": "x"}, "", '"')),
        *(_other("content", v, ("choices", 0, "delta")) for v in ("\u2028", "\\", "\x01", "\u00e9\t")),
        _other("role", None, ("choices", 0, "delta")),
        _other("role", "robot", ("choices", 0, "delta")),
        _other("role", "user", ("choices", 0, "delta")),
        _other("index", 1, ("choices", 0)),
        _other("finish_reason", "length", ("choices", 0)),
        _other("id", "d"),
        _other("model", "n"),
        _other("usage", None),
    ],
)
def test_a_chunk_that_differs_from_the_template_reads_like_the_slow_path(change):
    events = [
        _content_event("a"),
        _content_event("b"),
        change(_content_event("x")),
        _content_event("d"),
        _STOP,
    ]
    fast = _completion_stream_result(events, compact=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stream_module, "_FAST_BUILD", False)
        slow = _completion_stream_result(events, compact=True)
    assert fast == slow
    assert fast[0] == [ChatCompletionChunk.from_dict(e) for e in events[: len(fast[0])]]


@pytest.mark.parametrize("role", ["assistant", None])
@pytest.mark.parametrize("index", [0, 1])
def test_compact_completion_chunks_are_read_through_a_template_with_the_same_result(index, role):
    pieces = ["Caf\u00e9 ", 'say "hi"', "tab\tstop ", "back\\slash", "\u6771\u4eac", "", "end"]
    delta = {"role": role} if role else {}
    events = [
        {
            "id": "c",
            "choices": [{"index": index, "delta": {**delta, "content": p}, "finish_reason": None}],
            "model": "gpt-4o-2024-11-20",
        }
        for p in pieces
    ]
    stop = {"id": "c", "choices": [{"index": index, "delta": {}, "finish_reason": "stop"}], "model": "m"}
    events.append(stop)
    parsed = []

    def counting_loads(data):
        parsed.append(data)
        return json.loads(data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stream_module, "_orjson_loads", counting_loads)
        stream = CompletionStream(response(_sse(events, compact=True))[0])
        chunks = list(stream)
    # Only the first chunk and the final one are decoded whole; the others decode just their content.
    assert sum(p.startswith(b"{") for p in parsed) == 2
    assert len(parsed) == len(events)
    assert chunks == [ChatCompletionChunk.from_dict(e) for e in events]
    assert stream.current_answer.choices[0].text == "".join(pieces)


def test_unknown_finish_reason_is_kept_as_string():
    chunk = parse_chat_chunk(
        {"type": "message_end", "id": "a", "model": "m", "finish_reason": "tool_use", "usage": None}
    )
    assert isinstance(chunk, MessageEndChunk)
    assert chunk.finish_reason == "tool_use"
    assert not chunk.finish_reason.is_known


# --------------------------------------------------------------------------- completions


def test_completion_stream_answer_equals_the_non_streaming_response():
    resp, body = response(fixture("completion.sse"))
    stream = CompletionStream(resp)
    chunks = list(stream)
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    answer = stream.get_final_answer()
    assert answer == CompletionAnswer.from_completion_model(completion_model())
    assert (
        answer.text == "The Eiffel Tower is 330 metres tall [1, pp. 1]. It opened in 1889 [1, pp. 3-4] [2]."
    )
    assert answer.usage is not None
    assert answer.usage.total_tokens == 2016
    assert answer.role == "assistant"
    assert body.closed


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 3000), max_size=10))
def test_completion_legacy_wrapper_split_anywhere_gives_the_same_answer(cuts):
    resp, _ = response(split(fixture("completion_legacy_wrapper.sse"), cuts))
    answer = CompletionStream(resp).get_final_answer()
    assert answer == CompletionAnswer.from_completion_model(completion_model())


def test_completion_truncated_stream_raises_with_partial():
    resp, _ = response(fixture("completion_truncated.sse"))
    with pytest.raises(IncompleteStreamError) as info:
        CompletionStream(resp).get_final_answer()
    assert info.value.partial.text == "The Eiffel Tower is 330"


def test_completion_text_stream_and_accumulate_completion():
    resp, _ = response(fixture("completion.sse"))
    stream = CompletionStream(resp)
    assert "".join(stream.text_stream) == completion_model().choices[0].message.content
    resp, _ = response(fixture("completion.sse"))
    assert accumulate_completion(CompletionStream(resp)).finish_reason == "stop"


def test_completion_with_several_choices_is_assembled_per_index():
    events = [
        {
            "id": "c",
            "choices": [{"index": 1, "delta": {"content": "B1"}}, {"index": 0, "delta": {"content": "A1"}}],
        },
        {"id": "c", "choices": [{"index": 0, "delta": {"content": "A2"}, "finish_reason": "stop"}]},
        {"id": "c", "choices": [{"index": 1, "delta": {}, "finish_reason": "length"}], "model": "m"},
    ]
    answer = accumulate_completion(parse_completion_chunk(e) for e in events)
    assert [(c.index, c.text, c.finish_reason) for c in answer.choices] == [
        (0, "A1A2", "stop"),
        (1, "B1", "length"),
    ]
    assert answer.model == "m"


def test_completion_object_without_choices_is_an_unknown_chunk():
    chunk = parse_completion_chunk({"object": "ping"})
    assert chunk == UnknownChunk("ping", {"object": "ping"})


def test_completion_error_payload_raises_stream_error():
    with pytest.raises(StreamError, match="rate limited"):
        parse_completion_chunk({"error": {"code": "TOO_MANY_REQUESTS", "message": "rate limited"}})


# --------------------------------------------------------------------------- async twins


@pytest.mark.anyio
async def test_async_chat_stream_matches_the_sync_one():
    resp, body = response(fixture("chat_citations.sse"))
    async with AsyncChatStream(resp) as stream:
        chunks = [c async for c in stream]
        answer = await stream.get_final_answer()
    sync_resp, _ = response(fixture("chat_citations.sse"))
    assert chunks == list(ChatStream(sync_resp))
    assert answer == ChatAnswer.from_chat_model(chat_model())
    assert body.closed


@pytest.mark.anyio
async def test_async_text_stream_and_aclose():
    resp, body = response(fixture("chat_citations.sse"))
    stream = AsyncChatStream(resp)
    texts = []
    async for text in stream.text_stream:
        texts.append(text)
        if len(texts) == 2:
            break
    await stream.aclose()
    assert texts == ["The Eiffel", " Tower is"]
    assert body.closed


@pytest.mark.anyio
async def test_async_truncated_stream_and_error_status():
    resp, _ = response(fixture("chat_truncated.sse"))
    with pytest.raises(IncompleteStreamError):
        await AsyncChatStream(resp).get_final_answer()
    resp, _ = response([b'{"message":"nope"}'], status=404, content_type="application/json")
    with pytest.raises(NotFoundError, match="nope"):
        await AsyncChatStream(resp).get_final_answer()


@pytest.mark.anyio
async def test_async_completion_stream_with_legacy_wrapper():
    resp, _ = response(fixture("completion_legacy_wrapper.sse"))
    answer = await AsyncCompletionStream(resp).get_final_answer()
    assert answer == CompletionAnswer.from_completion_model(completion_model())


@pytest.mark.anyio
async def test_async_read_error_mid_stream_raises_incomplete():
    resp, body = response(fixture("completion.sse"), fail_after=2)
    with pytest.raises(IncompleteStreamError) as info:
        await AsyncCompletionStream(resp).get_final_answer()
    assert isinstance(info.value.__cause__, httpx.ReadError)
    assert body.closed


# --------------------------------------------------------------------------- real server


def gated_chat_app(gate: threading.Event, seen: dict[str, bool]):
    start = b'data: {"type":"message_start","id":"a","model":"m","role":"assistant"}\n\n'
    rest = (
        b'data: {"type":"content_chunk","id":"a","model":"m","delta":{"content":"Hi"}}\n\n'
        b'data: {"type":"message_end","id":"a","model":"m","finish_reason":"stop","usage":null}\n\n'
    )

    async def app(scope, receive, send):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"x-request-id", b"rq-9")],
            }
        )
        await send({"type": "http.response.body", "body": start, "more_body": True})
        loop = asyncio.get_running_loop()
        seen["gate_opened"] = await loop.run_in_executor(None, gate.wait, 10)
        await send({"type": "http.response.body", "body": rest, "more_body": False})

    return app


def test_first_chunk_reaches_the_caller_before_the_server_sends_the_second():
    gate = threading.Event()
    seen: dict[str, bool] = {}
    with uvicorn_app(gated_chat_app(gate, seen)) as url, httpx.Client() as client:
        stream = ChatStream(client.send(client.build_request("POST", url), stream=True))
        first = next(stream)
        assert isinstance(first, MessageStartChunk)
        assert "gate_opened" not in seen  # the server is still holding the second chunk
        gate.set()
        answer = stream.get_final_answer()
    assert seen["gate_opened"] is True
    assert answer.text == "Hi"
    assert stream.request_id == "rq-9"
    assert stream.response.is_closed


@pytest.mark.anyio
async def test_async_first_chunk_reaches_the_caller_before_the_server_sends_the_second():
    gate = threading.Event()
    seen: dict[str, bool] = {}
    with uvicorn_app(gated_chat_app(gate, seen)) as url:
        async with httpx.AsyncClient() as client:
            stream = AsyncChatStream(await client.send(client.build_request("POST", url), stream=True))
            first = await stream.__anext__()
            assert isinstance(first, MessageStartChunk)
            assert "gate_opened" not in seen
            gate.set()
            answer = await stream.get_final_answer()
    assert seen["gate_opened"] is True
    assert answer.text == "Hi"
