"""Streams at the edges: exact error messages and bodies, odd chunk shapes, answers missing fields.

The hot loops of the stream classes build the usual chunks without the generated parser; every
shape here must come out exactly as ``parse_chat_chunk`` / ``parse_completion_chunk`` and the
accumulators give it, or fail with the same error.
"""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest
from assistant_api.models import (
    ChatCompletionModel,
    ChatModel,
    ContentChunk,
    ContentFilterResults,
    FinishReason,
    MessageRole,
    UsageModel,
)
from pinecone_assistant import stream as stream_module
from pinecone_assistant.errors import APIResponseValidationError, IncompleteStreamError, StreamError
from pinecone_assistant.stream import (
    AsyncChatStream,
    AsyncCompletionStream,
    ChatAccumulator,
    ChatAnswer,
    ChatStream,
    CompletionAccumulator,
    CompletionAnswer,
    CompletionStream,
    UnknownChunk,
    accumulate,
    accumulate_completion,
    parse_chat_chunk,
    parse_completion_chunk,
)

from .test_stream import response

START = {"type": "message_start", "id": "a", "model": "m", "role": "assistant"}
END = {"type": "message_end", "id": "a", "model": "m", "finish_reason": "stop", "usage": None}
USAGE = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
FILTER = {"spec": "azure", "results": {"hate": {"filtered": False}}}


def sse(events: list[object], *, with_id: bool = False) -> bytes:
    """``data:`` events; ``with_id`` adds an ``id:`` line, which sends them through the general decoder."""
    head = b"id: 1\n" if with_id else b""
    return b"".join(head + b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


def outcome(make_stream, data: bytes):
    """The chunks a stream yields, then its answer or the (type, message, body) of the error that ended it."""
    stream = make_stream(response(data)[0])
    chunks = []
    try:
        for chunk in stream:
            chunks.append(chunk)
        end = stream.current_answer
    except (APIResponseValidationError, StreamError) as exc:
        end = (type(exc).__name__, str(exc), exc.body)
    return chunks, end


def reference_chat(events: list[dict]):
    """What the stream must give: each event through parse_chat_chunk, folded by ChatAccumulator."""
    acc = ChatAccumulator()
    chunks = []
    try:
        for event in events:
            chunk = parse_chat_chunk(event)
            acc.add(chunk)
            chunks.append(chunk)
        end = acc.snapshot()
    except (APIResponseValidationError, StreamError) as exc:
        end = (type(exc).__name__, str(exc), exc.body)
    return chunks, end


def content(**changes: object) -> dict:
    event = {"type": "content_chunk", "id": "a", "model": "m", "delta": {"content": "hi"}}
    event.update(changes)
    return event


ODD_CONTENT_CHUNKS = {
    "usual": content(),
    "extra top-level key": content(note=1),
    "extra delta key": content(delta={"content": "hi", "x": 1}),
    "delta is a one-letter string": content(delta="x"),
    "delta is a list": content(delta=["x"]),
    "delta is null": content(delta=None),
    "delta is empty": content(delta={}),
    "content is a number": content(delta={"content": 5}),
    "content is null": content(delta={"content": None}),
    "delta without content": content(delta={"text": "hi"}),
    "no id": {"type": "content_chunk", "xid": "a", "model": "m", "delta": {"content": "hi"}},
    "no model": {"type": "content_chunk", "id": "a", "xmodel": "m", "delta": {"content": "hi"}},
    "three keys": {"type": "content_chunk", "id": "a", "delta": {"content": "hi"}},
    "other id": content(id="b", model="n"),
    "unknown kind with four keys": {"type": "thinking", "id": "a", "model": "m", "delta": {"content": "x"}},
    "kind not a string": {"type": 7, "id": "a", "model": "m", "delta": {"content": "x"}},
    "no kind": {"id": "a", "model": "m", "delta": {"content": "x"}, "note": 1},
}


@pytest.mark.parametrize("whole", [False, True], ids=["in pieces", "in one network chunk"])
@pytest.mark.parametrize("with_id", [False, True], ids=["fast framing", "general framing"])
@pytest.mark.parametrize("first", [False, True], ids=["after message_start", "first chunk"])
@pytest.mark.parametrize("name", list(ODD_CONTENT_CHUNKS))
def test_a_chat_stream_reads_every_chunk_shape_like_the_parser(name, first, with_id, whole):
    odd = ODD_CONTENT_CHUNKS[name]
    events = [odd, content(id="z", model="zz"), END] if first else [START, content(), odd, content(), END]
    data = sse(events, with_id=with_id)
    assert outcome(ChatStream, [data] if whole else data) == reference_chat(events)


def test_parse_chat_chunk_gives_a_usual_content_chunk_its_id_model_and_text():
    chunk = parse_chat_chunk(content(id="x1", model="gpt", delta={"content": "héllo"}))
    assert type(chunk) is ContentChunk
    assert chunk.to_dict() == {
        "type": "content_chunk",
        "id": "x1",
        "model": "gpt",
        "delta": {"content": "héllo"},
    }
    assert chunk == ContentChunk.from_dict(content(id="x1", model="gpt", delta={"content": "héllo"}))


@pytest.mark.parametrize(
    ("data", "kind"),
    [({"type": "thinking", "x": 1}, "thinking"), ({"type": 3, "x": 1}, ""), ({"x": 1}, "")],
)
def test_an_unknown_chat_chunk_keeps_its_kind_and_whole_payload(data, kind):
    assert parse_chat_chunk(data) == UnknownChunk(kind, data)


def test_a_known_chunk_missing_a_field_is_reported_with_the_field_and_the_payload():
    data = {"type": "citation", "id": "a", "model": "m"}
    with pytest.raises(APIResponseValidationError) as info:
        parse_chat_chunk(data)
    assert str(info.value) == (
        "A citation chunk of the stream does not match the API description (missing field 'citation')."
    )
    assert info.value.body == data


def test_a_known_chunk_with_a_bad_value_is_reported_with_the_parsers_reason():
    data = {"type": "message_start", "id": "a", "model": "m", "role": ["x"]}
    with pytest.raises(APIResponseValidationError) as info:
        parse_chat_chunk(data)
    assert str(info.value) == (
        "A message_start chunk of the stream does not match the API description "
        "(['x'] is not a valid MessageRole)."
    )
    assert info.value.body == data


def test_a_parser_error_without_text_is_reported_by_its_type_name():
    err = stream_module._invalid("citation", {"x": 1}, ValueError())
    assert str(err) == "A citation chunk of the stream does not match the API description (ValueError)."
    assert err.body == {"x": 1}


def test_an_error_payload_without_a_message_gets_a_default_one_and_keeps_code_and_body():
    data = {"error": {"code": "INTERNAL"}}
    with pytest.raises(StreamError) as info:
        parse_chat_chunk(data)
    assert info.value.message == "The service reported an error during streaming."
    assert info.value.code == "INTERNAL"
    assert info.value.body == data
    with pytest.raises(StreamError) as info2:
        parse_completion_chunk(data)
    assert info2.value.message == "The service reported an error during streaming."
    assert info2.value.body == data


@pytest.mark.parametrize(
    ("data", "body"),
    [
        (
            b'{"error":{"code":"QUOTA","message":"over quota"}}',
            {"error": {"code": "QUOTA", "message": "over quota"}},
        ),
        (b"plain words", "plain words"),
    ],
)
def test_an_error_event_carries_its_code_message_and_body(data, body):
    with pytest.raises(StreamError) as info:
        list(ChatStream(response(b"event: error\ndata: " + data + b"\n\n")[0]))
    assert info.value.body == body
    assert info.value.code == ("QUOTA" if isinstance(body, dict) else None)
    assert info.value.message == ("over quota" if isinstance(body, dict) else "plain words")


def test_an_error_event_without_a_message_gets_the_default_one():
    with pytest.raises(StreamError) as info:
        list(ChatStream(response(b'event: error\ndata: {"status": 500}\n\n')[0]))
    assert info.value.message == "The service reported an error during streaming."
    assert info.value.body == {"status": 500}


# --------------------------------------------------------------------------- slow-path events


def test_events_without_data_are_skipped_in_either_framing():
    for with_id in (False, True):
        data = b"id: 1\n" if with_id else b""
        data += b"data:\n\n" + sse([START, content(), END], with_id=with_id)
        answer = ChatStream(response(data)[0]).get_final_answer()
        assert answer.text == "hi"


def test_done_ends_the_stream_in_the_general_framing_too():
    data = sse([START, content(), END], with_id=True) + b"id: 2\ndata: [DONE]\n\n" + b"data: not json\n\n"
    assert ChatStream(response(data)[0]).get_final_answer().text == "hi"


def test_a_non_json_event_is_reported_with_its_text_cut_to_200_characters():
    text = "x" * 300
    with pytest.raises(APIResponseValidationError) as info:
        list(ChatStream(response(b"data: " + text.encode() + b"\n\n")[0]))
    assert str(info.value) == f"A stream event is not JSON: {text[:200]!r}"
    assert info.value.body == text


def test_a_non_json_event_with_invalid_utf8_is_reported_with_replacement_characters():
    with pytest.raises(APIResponseValidationError) as info:
        list(ChatStream(response(b"data: caf\xe9 au lait\n\n")[0]))
    assert info.value.body == "caf\ufffd au lait"


def test_a_non_object_event_is_reported_with_its_value_and_body():
    with pytest.raises(APIResponseValidationError) as info:
        list(ChatStream(response(b"data: [1, 2]\n\n")[0]))
    assert str(info.value) == "A stream event is not a JSON object: [1, 2]"
    assert info.value.body == [1, 2]


# --------------------------------------------------------------------------- accumulators


def test_the_final_answer_of_a_stream_closed_early_is_incomplete_with_the_request_id():
    stream = ChatStream(response(sse([START, content(), END]), headers={"x-request-id": "rq-c"})[0])
    next(stream)
    stream.close()
    with pytest.raises(IncompleteStreamError) as info:
        stream.get_final_answer()
    assert info.value.request_id == "rq-c"


@pytest.mark.anyio
async def test_the_final_answer_of_an_async_stream_closed_early_is_incomplete_with_the_request_id():
    stream = AsyncChatStream(response(sse([START, content(), END]), headers={"x-request-id": "rq-d"})[0])
    await stream.__anext__()
    await stream.aclose()
    with pytest.raises(IncompleteStreamError) as info:
        await stream.get_final_answer()
    assert info.value.request_id == "rq-d"


def test_a_chat_stream_cut_short_says_so_and_carries_the_request_id():
    data = sse([START, content()])
    stream = ChatStream(response(data, headers={"x-pinecone-request-id": "rq-7"})[0])
    with pytest.raises(IncompleteStreamError) as info:
        stream.get_final_answer()
    assert str(info.value) == (
        "The chat stream ended without its message_end chunk; the answer may be cut short. "
        "The text received so far is on `.partial`."
    )
    assert info.value.request_id == "rq-7"
    assert info.value.partial.text == "hi"


def test_a_completion_stream_cut_short_says_so_and_carries_the_request_id():
    event = {
        "id": "c",
        "choices": [{"index": 0, "delta": {"content": "yo"}, "finish_reason": None}],
        "model": "m",
    }
    stream = CompletionStream(response(sse([event]), headers={"x-request-id": "rq-8"})[0])
    with pytest.raises(IncompleteStreamError) as info:
        stream.get_final_answer()
    assert str(info.value) == (
        "The completion stream ended before every choice had a finish_reason; the answer may be "
        "cut short. The text received so far is on `.partial`."
    )
    assert info.value.request_id == "rq-8"
    assert info.value.partial.text == "yo"


def test_iterating_a_stream_cut_short_raises_with_the_request_id():
    stream = ChatStream(response(sse([START]), headers={"x-request-id": "rq-9"})[0])
    with pytest.raises(IncompleteStreamError) as info:
        list(stream)
    assert info.value.request_id == "rq-9"


async def _drain(stream):
    return [chunk async for chunk in stream]


@pytest.mark.anyio
async def test_async_streams_cut_short_raise_with_the_request_id():
    stream = AsyncChatStream(response(sse([START, content()]), headers={"x-request-id": "rq-a"})[0])
    with pytest.raises(IncompleteStreamError) as info:
        await _drain(stream)
    assert info.value.request_id == "rq-a"
    stream2 = AsyncChatStream(response(sse([START, content()]), headers={"x-request-id": "rq-b"})[0])
    with pytest.raises(IncompleteStreamError) as info2:
        await stream2.get_final_answer()
    assert info2.value.request_id == "rq-b"


@pytest.mark.anyio
async def test_an_async_stream_stops_at_done_and_still_checks_completeness():
    data = sse([START, content()]) + b"data: [DONE]\n\n" + sse([END])
    with pytest.raises(IncompleteStreamError):
        await _drain(AsyncChatStream(response(data)[0]))
    complete = sse([START, content(), END]) + b"data: [DONE]\n\n" + b"data: not json\n\n"
    assert await AsyncChatStream(response(complete)[0]).get_final_answer() == ChatAnswer(
        id="a", model="m", role=MessageRole.ASSISTANT, text="hi", finish_reason=FinishReason.STOP
    )


def test_content_filter_results_of_message_start_and_message_end_reach_the_answer():
    start = {**START, "content_filter_results": FILTER}
    assert accumulate([parse_chat_chunk(e) for e in (start, content(), END)]).content_filter_results == (
        ContentFilterResults.from_dict(FILTER)
    )
    end = {**END, "content_filter_results": FILTER}
    answer = accumulate([parse_chat_chunk(e) for e in (START, content(), end)])
    assert answer.content_filter_results == ContentFilterResults.from_dict(FILTER)


def test_a_non_string_content_reports_the_chunk_as_its_body():
    chunk = ContentChunk.from_dict(content())
    chunk.delta.content = 5  # type: ignore[assignment]
    with pytest.raises(APIResponseValidationError) as info:
        ChatAccumulator().add(chunk)
    assert info.value.body == chunk.to_dict()


def _completion(index=0, content="x", role=None, finish=None, **top):
    delta = {"content": content} if role is None else {"role": role, "content": content}
    return {
        "id": "c",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
        "model": "m",
        **top,
    }


def test_a_completion_keeps_the_first_id_and_model_and_the_last_usage_given():
    events = [
        {"id": "c1", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "a"}}]},
        _completion(content="b", model="m2", id="c2"),
        _completion(content="c", usage=USAGE),
        _completion(content="", finish="stop", usage=None),
    ]
    answer = accumulate_completion([parse_completion_chunk(e) for e in events])
    assert (answer.id, answer.model, answer.text) == ("c1", "m2", "abc")
    assert answer.usage == UsageModel.from_dict(USAGE)


def test_completion_errors_report_the_chunk_as_their_body():
    bad_index = parse_completion_chunk(_completion())
    bad_index.choices[0].index = "0"  # type: ignore[assignment]
    with pytest.raises(APIResponseValidationError) as info:
        CompletionAccumulator().add(bad_index)
    assert info.value.body == bad_index.to_dict()
    bad_content = parse_completion_chunk(_completion())
    bad_content.choices[0].delta.content = 7  # type: ignore[assignment]
    with pytest.raises(APIResponseValidationError) as info2:
        CompletionAccumulator().add(bad_content)
    assert info2.value.body == bad_content.to_dict()


def test_completion_choices_keep_their_index():
    events = [_completion(index=2, role="assistant", content="two", finish="stop")]
    answer = accumulate_completion([parse_completion_chunk(e) for e in events])
    assert [c.index for c in answer.choices] == [2]


# --------------------------------------------------------------------------- answers


def test_an_answer_missing_fields_names_exactly_those_it_lacks():
    cases = {
        ("id",): ChatAnswer(model="m", finish_reason=FinishReason.STOP, usage=UsageModel(1, 1, 2)),
        ("model", "usage"): ChatAnswer(id="a", finish_reason=FinishReason.STOP),
        ("finish_reason",): ChatAnswer(id="a", model="m", usage=UsageModel(1, 1, 2)),
        ("usage",): ChatAnswer(id="a", model="m", finish_reason=FinishReason.STOP),
        ("id", "model", "finish_reason", "usage"): ChatAnswer(),
    }
    for missing, answer in cases.items():
        with pytest.raises(ValueError, match=r"^the answer has no .*; it cannot be a ChatModel$") as info:
            answer.to_chat_model()
        assert str(info.value) == f"the answer has no {', '.join(missing)}; it cannot be a ChatModel"


def test_an_answer_without_a_role_becomes_an_assistant_message_with_its_extras():
    results = ContentFilterResults.from_dict(FILTER)
    answer = ChatAnswer(
        id="a",
        model="m",
        text="t",
        finish_reason=FinishReason.STOP,
        usage=UsageModel(1, 1, 2),
        context_snippet_count=4,
        content_filter_results=results,
    )
    model = answer.to_chat_model()
    assert model.message.role == MessageRole.ASSISTANT
    assert model.context_snippet_count == 4
    assert model.content_filter_results == results
    assert ChatAnswer.from_chat_model(model) == dataclasses.replace(answer, role=MessageRole.ASSISTANT)


def test_a_chat_model_keeps_its_content_filter_results_as_an_answer():
    data = {
        "id": "a",
        "finish_reason": "stop",
        "message": {"role": "assistant", "content": "t"},
        "model": "m",
        "citations": [],
        "usage": USAGE,
        "content_filter_results": FILTER,
    }
    answer = ChatAnswer.from_chat_model(ChatModel.from_dict(data))
    assert answer.content_filter_results == ContentFilterResults.from_dict(FILTER)


def test_a_completion_model_is_ordered_by_choice_index_and_null_content_is_empty():
    data = {
        "id": "c",
        "model": "m",
        "usage": USAGE,
        "choices": [
            {"index": 1, "finish_reason": "stop", "message": {"role": "assistant", "content": "second"}},
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": None}},
        ],
    }
    answer = CompletionAnswer.from_completion_model(ChatCompletionModel.from_dict(data))
    assert [(c.index, c.text) for c in answer.choices] == [(0, ""), (1, "second")]


# --------------------------------------------------------------------------- response bodies


@pytest.mark.parametrize("status", [200, 201])
def test_a_json_body_instead_of_a_stream_is_reported_with_status_request_id_and_body(status):
    body = ("é" * 1500).encode() + b"\xff" + b"y" * 1000
    resp, _ = response(
        [body], status=status, content_type="application/json", headers={"x-request-id": "rq-j"}
    )
    with pytest.raises(APIResponseValidationError) as info:
        list(ChatStream(resp))
    err = info.value
    assert (
        str(err)
        == "Expected a text/event-stream response but got application/json; was `stream` set to true?"
    )
    assert err.status_code == status
    assert err.request_id == "rq-j"
    assert err.body == body.decode("utf-8", errors="replace")[:2000]
    assert len(err.body) == 2000


def test_an_error_status_of_exactly_400_reads_the_body_into_the_status_error():
    resp, _ = response(
        [b'{"error":{"code":"BAD","message":"no"}}'], status=400, content_type="application/json"
    )
    with pytest.raises(Exception) as info:  # noqa: PT011 - the exact class is checked below
        list(ChatStream(resp))
    assert type(info.value).__name__ == "BadRequestError"
    assert (info.value.code, info.value.message) == ("BAD", "no")


def test_a_broken_stream_says_where_the_answer_is_and_carries_the_request_id():
    resp, _ = response(sse([START, content(), END]), headers={"x-request-id": "rq-x"}, fail_after=1)
    with pytest.raises(IncompleteStreamError) as info:
        list(ChatStream(resp))
    assert str(info.value).startswith("The stream broke before its final chunk (Connection error: ")
    assert str(info.value).endswith("). The answer received so far is on `.partial`.")
    assert info.value.request_id == "rq-x"


def test_text_stream_skips_completion_chunks_without_string_content():
    events = [
        _completion(role="assistant", content=None),
        _completion(content="x"),
        _completion(content="", finish="stop"),
    ]
    stream = CompletionStream(response(sse(events))[0])
    assert list(stream.text_stream) == ["x"]


@pytest.mark.anyio
async def test_async_completion_stream_reads_every_shape_like_the_sync_one():
    events = [
        _completion(role="assistant", content="a"),
        _completion(content=None),
        _completion(content="", finish="stop"),
    ]
    sync = outcome(CompletionStream, sse(events))
    stream = AsyncCompletionStream(response(sse(events))[0])
    assert (await _drain(stream), stream.current_answer) == sync


# --------------------------------------------------------------------------- completion streams


def reference_completion(events: list[object]):
    """What a completion stream must give: each event through parse_completion_chunk, folded."""
    acc = CompletionAccumulator()
    chunks = []
    try:
        for event in events:
            if not isinstance(event, dict):
                raise stream_module._not_an_object(event)
            chunk = parse_completion_chunk(event)
            acc.add(chunk)
            chunks.append(chunk)
        end = acc.snapshot()
    except (APIResponseValidationError, StreamError) as exc:
        end = (type(exc).__name__, str(exc), exc.body)
    return chunks, end


def compact_sse(events: list[object], *, with_id: bool = False) -> bytes:
    head = b"id: 1\n" if with_id else b""
    return b"".join(
        head + b"data: " + json.dumps(e, separators=(",", ":")).encode() + b"\n\n" for e in events
    )


COMPLETION_STREAMS = {
    "usual": [
        _completion(role="assistant", content=""),
        _completion(content="Hel"),
        _completion(content="lo"),
        _completion(content=" there"),
        _completion(content="", finish="stop"),
    ],
    "model arrives late": [
        {
            "id": "c",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "a"}, "finish_reason": None}],
        },
        _completion(content="b", model="m2"),
        _completion(content="c", model="m3"),
        _completion(content="", finish="stop"),
    ],
    "two choices": [
        _completion(index=0, role="assistant", content="x"),
        _completion(index=1, role="assistant", content="y"),
        _completion(index=1, content="z"),
        _completion(index=0, content="", finish="stop"),
        _completion(index=1, content="", finish="length"),
    ],
    "a non-object event": [_completion(role="assistant", content="a"), [1, 2]],
    "an object without choices": [
        _completion(role="assistant", content="a"),
        {"type": "ping"},
        _completion(finish="stop"),
    ],
    "a choice without delta": [
        _completion(role="assistant", content="a"),
        {"id": "c", "choices": [{"index": 0}], "model": "m"},
    ],
}


@pytest.mark.parametrize("with_id", [False, True], ids=["fast framing", "general framing"])
@pytest.mark.parametrize("whole", [False, True], ids=["in pieces", "in one network chunk"])
@pytest.mark.parametrize("name", list(COMPLETION_STREAMS))
def test_a_completion_stream_reads_every_shape_like_the_parser(name, whole, with_id):
    events = COMPLETION_STREAMS[name]
    data = compact_sse(events, with_id=with_id)
    stream = CompletionStream(response([data] if whole else data)[0])
    chunks = []
    try:
        for chunk in stream:
            chunks.append(chunk)
        end = stream.current_answer
    except (APIResponseValidationError, StreamError) as exc:
        end = (type(exc).__name__, str(exc), exc.body)
    assert (chunks, end) == reference_completion(events)


def test_a_completion_stream_skips_empty_events_and_rejects_non_json_ones():
    data = b"data:\n\n" + compact_sse(COMPLETION_STREAMS["usual"])
    assert CompletionStream(response([data])[0]).get_final_answer().text == "Hello there"
    bad = compact_sse(COMPLETION_STREAMS["usual"][:2]) + b"data: {not json\n\n"
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        list(CompletionStream(response([bad])[0]))


def test_a_completion_stream_stops_reading_at_done():
    data = compact_sse(COMPLETION_STREAMS["usual"]) + b"data: [DONE]\n\n"
    resp, body = response([data, b"data: not json\n\n", b"data: [1]\n\n"])
    assert CompletionStream(resp).get_final_answer().text == "Hello there"
    assert body.sent == 1


def test_completion_chunks_carry_typed_roles_and_finish_reasons():
    chunk = parse_completion_chunk(_completion(role="assistant", content="", finish="length"))
    choice = chunk.choices[0]
    assert isinstance(choice.delta.role, MessageRole)
    assert isinstance(choice.finish_reason, FinishReason)
    assert choice.finish_reason.is_known


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"type": "ping", "object": "other"}, "ping"),
        ({"object": "chat.completion.note"}, "chat.completion.note"),
        ({"type": 5, "object": "x"}, "x"),
        ({"note": 1}, ""),
    ],
)
def test_an_unknown_completion_object_keeps_its_kind_and_payload(data, kind):
    assert parse_completion_chunk(data) == UnknownChunk(kind, data)


def test_a_malformed_completion_chunk_is_reported_as_a_chat_completion_chunk():
    data = {"id": "c", "choices": [{"index": 0}], "model": "m"}
    with pytest.raises(APIResponseValidationError) as info:
        parse_completion_chunk(data)
    assert str(info.value) == (
        "A chat.completion chunk of the stream does not match the API description (missing field 'delta')."
    )
    assert info.value.body == data


def test_new_accumulators_start_incomplete_and_empty():
    chat = ChatAccumulator()
    assert chat.complete is False
    assert chat.snapshot() == ChatAnswer()
    completion = CompletionAccumulator()
    assert completion.complete is False
    assert completion.snapshot() == CompletionAnswer()
    completion.add(parse_completion_chunk(_completion(role="assistant", content="a", finish="stop")))
    assert completion.final().usage is None


def test_an_error_status_is_raised_whatever_the_content_type():
    resp, _ = response([b'{"error":{"code":"BAD","message":"no"}}'], status=400)
    with pytest.raises(Exception) as info:  # noqa: PT011 - the exact class is checked below
        list(ChatStream(resp))
    assert type(info.value).__name__ == "BadRequestError"
    assert (info.value.code, info.value.message) == ("BAD", "no")


def test_a_stream_without_a_content_type_is_read_as_a_stream():
    body = sse([START, content(), END])
    resp = httpx.Response(
        200, stream=httpx.ByteStream(body), request=httpx.Request("POST", "https://x.test/")
    )
    assert "content-type" not in resp.headers
    assert ChatStream(resp).get_final_answer().text == "hi"
