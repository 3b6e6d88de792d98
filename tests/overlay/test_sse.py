"""SSE framing: the incremental decoder against a plain reference implementation, on every split."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pinecone_assistant.sse import DONE, ServerSentEvent, SSEDecoder, aiter_sse, iter_sse

from .servers import uvicorn_app

# --------------------------------------------------------------------------- reference


def reference(stream: bytes, eof: bool = True) -> list[ServerSentEvent]:
    """The WHATWG algorithm, written for clarity over the whole input at once.

    Deviation shared with the decoder: an unterminated last event is delivered at EOF.
    With ``eof=False``, only the events a blank line has already completed.
    """
    text = stream.decode("utf-8", errors="replace")
    text = text.removeprefix("\ufeff")
    lines: list[str] = []
    i = 0
    start = 0
    while i < len(text):
        ch = text[i]
        if ch in "\r\n":
            lines.append(text[start:i])
            if ch == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
                i += 1
            start = i + 1
        i += 1
    if eof:
        if start < len(text):
            lines.append(text[start:])
        lines.append("")  # EOF delivers the pending event
    events = []
    data: list[str] = []
    event = ""
    last_id = ""
    retry = None
    for line in lines:
        if line == "":
            if data:
                events.append(ServerSentEvent("\n".join(data), event or "message", last_id, retry))
            data, event, retry = [], "", None
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id":
            if "\0" not in value:
                last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            retry = int(value)
    return events


def decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    return events


SAMPLES: dict[str, bytes] = {
    "plain": b'data: {"type":"message_start","id":"a"}\n\ndata: {"type":"content_chunk","d":"Hi"}\n\n',
    "no_space": b'data:{"a":1}\n\ndata:{"b":2}\n\n',
    "mixed_space": b'data:{"a":1}\n\ndata: {"b":2}\n\ndata:  two spaces\n\n',
    "multiline": b"data: line one\ndata: line two\ndata:\ndata: four\n\n",
    "comments": b": keep-alive\n\n:another\ndata: x\n: inside\ndata: y\n\n",
    "event_names": (
        b"event: error\ndata: {}\n\nevent:\ndata: default\n\nevent: a\nevent: b\ndata: last wins\n\n"
    ),
    "ids": b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\x00y\ndata: d\n\n",
    "retry": b"retry: 1500\ndata: a\n\nretry: soon\ndata: b\n\nretry:\ndata: c\n\n",
    "done": b'data: {"n":1}\n\ndata: [DONE]\n\n',
    "unterminated": b'data: {"n":1}\n\ndata: {"n":2}',
    "unterminated_line": b"data: a\n",
    "empty_data": b"data\n\ndata:\n\n\n\n\ndata: z\n\n",
    "unknown_fields": b"foo: bar\nDATA: upper\ndata: ok\n\n",
    "only_comments": b": a\n: b\n\n",
    "blank_start": b"\n\n\ndata: a\n\n",
    "utf8": "data: caf\u00e9 \u2014 \U0001f600 \u65e5\u672c\n\n".encode(),
    "invalid_utf8": b"data: bad \xff\xfe here\n\ndata: cut \xe2\x82\n\ndata: ok\n\n",
    "bom": b"\xef\xbb\xbfdata: after bom\n\n",
    "bom_twice": b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\n",
    "colon_in_value": b"data: a: b: c\n\n",
    "json_with_colons": b'data: {"url":"https://x.test/a?b=c"}\n\n',
}


def line_ending_variants(sample: bytes) -> dict[str, bytes]:
    return {
        "lf": sample,
        "crlf": sample.replace(b"\n", b"\r\n"),
        "cr": sample.replace(b"\n", b"\r"),
    }


ALL = {
    f"{name}-{ending}": data
    for name, sample in SAMPLES.items()
    for ending, data in line_ending_variants(sample).items()
}
ALL["cr_then_crlf_multiline"] = b"data: a\r\rdata: b\r\ndata: c\r\n\r\ndata: d\r\ndata: e\r\n\r\n"
ALL["mixed_endings"] = b"data: a\r\ndata: b\n\rdata: c\r\r\ndata: d\n\n\r\n: x\rdata: e\r\n\r\n"


# --------------------------------------------------------------------------- framing


def test_reference_agrees_with_hand_checked_expectations():
    events = reference(SAMPLES["multiline"] + SAMPLES["event_names"] + SAMPLES["ids"])
    assert [(e.event, e.data, e.id) for e in events] == [
        ("message", "line one\nline two\n\nfour", ""),
        ("error", "{}", ""),
        ("message", "default", ""),
        ("b", "last wins", ""),
        ("message", "a", "1"),
        ("message", "b", "1"),
        ("message", "c", ""),
        ("message", "d", ""),
    ]


@pytest.mark.parametrize("name", sorted(ALL))
def test_whole_input_matches_reference(name):
    assert decode([ALL[name]]) == reference(ALL[name])


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_single_chunk_boundary_gives_the_same_events(name):
    data = ALL[name]
    expected = reference(data)
    for cut in range(len(data) + 1):
        assert decode([data[:cut], data[cut:]]) == expected, cut


@pytest.mark.parametrize("name", sorted(ALL))
def test_each_event_is_delivered_as_soon_as_its_blank_line_arrives(name):
    data = ALL[name]
    for start in (0, len(data) // 2):  # the first chunk whole, the rest byte by byte
        decoder = SSEDecoder()
        delivered = decoder.feed(data[:start])
        for cut in range(start + 1, len(data) + 1):
            delivered += decoder.feed(data[cut - 1 : cut])
            _assert_delivered(delivered, data[:cut])


def _assert_delivered(delivered, prefix):
    # A CR at the very end may be the first half of a CRLF: waiting for the next byte is allowed.
    allowed = [reference(prefix, eof=False)]
    if prefix.endswith(b"\r"):
        allowed.append(reference(prefix[:-1], eof=False))
    assert delivered in allowed, prefix


@pytest.mark.parametrize("name", sorted(ALL))
def test_one_byte_chunks_give_the_same_events(name):
    data = ALL[name]
    assert decode([data[i : i + 1] for i in range(len(data))]) == reference(data)


@st.composite
def split_stream(draw):
    parts = draw(
        st.lists(
            st.sampled_from(
                [
                    b"data: ",
                    b"data:",
                    b"event: e",
                    b"id: 7",
                    b"retry: 10",
                    b": c",
                    b'{"k":"v"}',
                    b"[DONE]",
                    b"\n",
                    b"\r",
                    b"\r\n",
                    b"\n\n",
                    b"\xc3\xa9",
                    b"\xff",
                    b"\xef\xbb\xbf",
                    b" ",
                    b"x",
                ]
            ),
            max_size=40,
        )
    )
    data = b"".join(parts)
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=8)))
    chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    return data, chunks


@settings(max_examples=150, deadline=None)
@given(split_stream())
def test_any_stream_split_anywhere_matches_reference(case):
    data, chunks = case
    assert decode(chunks) == reference(data)


def test_unterminated_last_event_is_delivered_at_eof():
    decoder = SSEDecoder()
    assert [e.data for e in decoder.feed(b'data: {"n":1}\n\ndata: {"n":2}')] == ['{"n":1}']
    assert [e.data for e in decoder.flush()] == ['{"n":2}']


def test_done_sentinel_is_recognised():
    events = decode([SAMPLES["done"]])
    assert [e.is_done for e in events] == [False, True]
    assert DONE == b"[DONE]"


def test_invalid_utf8_is_replaced_not_raised():
    events = decode([SAMPLES["invalid_utf8"]])
    assert events[0].data == "bad \ufffd\ufffd here"
    assert events[1].data == "cut \ufffd"
    assert events[2].data == "ok"


def test_multibyte_character_split_across_chunks_survives():
    data = "data: \U0001f600\n\n".encode()
    for cut in range(len(data)):
        assert decode([data[:cut], data[cut:]])[0].data == "\U0001f600"


def test_event_and_id_fields_are_exposed():
    event = decode([b"event: citation\nid: 42\nretry: 3000\ndata: {}\n\n"])[0]
    assert (event.event, event.id, event.retry, event.json()) == ("citation", "42", 3000, {})


def test_decoder_keeps_last_event_id_and_retry():
    decoder = SSEDecoder()
    decoder.feed(b"id: 5\nretry: 250\ndata: a\n\n")
    assert decoder.last_event_id == "5"
    assert decoder.retry == 250


def test_very_large_event_in_64k_chunks():
    payload = b'{"text":"' + b"x" * (5 * 1024 * 1024) + b'"}'
    data = b'data: {"small":1}\n\ndata: ' + payload + b'\n\ndata: {"small":2}\n\n'
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)]
    events = decode(chunks)
    assert [len(e.data) for e in events] == [11, len(payload), 11]
    assert events[1].data.encode() == payload


def test_very_large_multiline_event_in_small_chunks():
    line = b"data: " + b"y" * 1000 + b"\r\n"
    data = line * 5000 + b"\r\n"
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    (event,) = decode(chunks)
    assert event.data == "\n".join(["y" * 1000] * 5000)


# --------------------------------------------------------------------------- raw form


def test_raw_form_gives_bytes_for_plain_events_and_objects_otherwise():
    decoder = SSEDecoder()
    items = decoder.feed_raw(b'data: {"a":1}\n\nevent: error\ndata: {"e":1}\n\ndata: [DONE]\n\n')
    assert items == [b'{"a":1}', ServerSentEvent('{"e":1}', "error"), DONE]


def test_raw_form_gives_objects_once_an_id_was_seen():
    decoder = SSEDecoder()
    items = decoder.feed_raw(b"data: a\n\nid: 1\ndata: b\n\ndata: c\n\n")
    assert items == [b"a", ServerSentEvent("b", id="1"), ServerSentEvent("c", id="1")]


@settings(max_examples=100, deadline=None)
@given(split_stream())
def test_raw_form_decodes_to_the_same_events(case):
    data, chunks = case
    decoder = SSEDecoder()
    raw = [item for chunk in chunks for item in decoder.feed_raw(chunk)] + decoder.flush_raw()
    as_events = [
        item if isinstance(item, ServerSentEvent) else ServerSentEvent(item.decode("utf-8", "replace"))
        for item in raw
    ]
    assert as_events == reference(data)


# --------------------------------------------------------------------------- over httpx


class ClosingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that records how far it was read and whether it was closed."""

    def __init__(self, chunks: list[bytes]):
        self.chunks = chunks
        self.sent = 0
        self.closed = False

    def __iter__(self):
        for chunk in self.chunks:
            self.sent += 1
            yield chunk

    async def __aiter__(self):
        for chunk in self.chunks:
            self.sent += 1
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


CHUNKS = [b"data: 1\n", b"\ndata: 2\n\nda", b"ta: 3\n\n", b"data: 4"]


def test_iter_sse_reads_a_streamed_response():
    body = ClosingStream(CHUNKS)
    transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=body))
    with httpx.Client(transport=transport) as client, client.stream("GET", "http://t/") as resp:
        assert [e.data for e in iter_sse(resp)] == ["1", "2", "3", "4"]
    assert body.closed


def test_closing_mid_stream_stops_reading_and_closes_the_body():
    body = ClosingStream(CHUNKS)
    transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=body))
    with httpx.Client(transport=transport) as client:
        response = client.send(client.build_request("GET", "http://t/"), stream=True)
        events = iter_sse(response)
        assert next(events).data == "1"
        response.close()
        assert body.closed
        assert response.is_closed
        assert body.sent < len(CHUNKS)


@pytest.mark.anyio
async def test_aiter_sse_reads_a_streamed_response_and_closes_it():
    body = ClosingStream(CHUNKS)
    transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=body))
    async with (
        httpx.AsyncClient(transport=transport) as client,
        client.stream("GET", "http://t/") as resp,
    ):
        assert [e.data async for e in aiter_sse(resp)] == ["1", "2", "3", "4"]
    assert body.closed


@pytest.mark.anyio
async def test_async_cancel_mid_stream_closes_the_body():
    body = ClosingStream(CHUNKS)
    transport = httpx.MockTransport(lambda r: httpx.Response(200, stream=body))
    async with (
        httpx.AsyncClient(transport=transport) as client,
        client.stream("GET", "http://t/") as resp,
    ):
        async for event in aiter_sse(resp):
            assert event.data == "1"
            break
    assert body.closed
    assert body.sent < len(CHUNKS)


# --------------------------------------------------------------------------- real server


def gated_app(gate: threading.Event, seen: dict[str, bool]):
    """Sends one event, then waits for the test to open the gate before sending the second."""

    async def app(scope, receive, send):
        assert scope["type"] == "http"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        await send({"type": "http.response.body", "body": b'data: {"n":1}\n\n', "more_body": True})
        loop = asyncio.get_running_loop()
        seen["gate_opened"] = await loop.run_in_executor(None, gate.wait, 10)
        await send({"type": "http.response.body", "body": b'data: {"n":2}\n\n', "more_body": False})

    return app


def test_first_event_reaches_the_caller_before_the_server_sends_the_second():
    gate = threading.Event()
    seen: dict[str, bool] = {}
    with uvicorn_app(gated_app(gate, seen)) as url, httpx.Client() as client, client.stream("GET", url) as r:
        events = iter_sse(r)
        first = next(events)
        # The server is blocked until the gate opens: this event came before the second was sent.
        assert "gate_opened" not in seen
        gate.set()
        rest = list(events)
    assert first.json() == {"n": 1}
    assert [e.json() for e in rest] == [{"n": 2}]
    assert seen["gate_opened"] is True


@pytest.mark.anyio
async def test_async_first_event_reaches_the_caller_before_the_server_sends_the_second():
    gate = threading.Event()
    seen: dict[str, bool] = {}
    with uvicorn_app(gated_app(gate, seen)) as url:
        async with httpx.AsyncClient() as client, client.stream("GET", url) as response:
            events = aiter_sse(response)
            first = await events.__anext__()
            assert "gate_opened" not in seen
            gate.set()
            rest = [e async for e in events]
    assert first.json() == {"n": 1}
    assert [e.json() for e in rest] == [{"n": 2}]
    assert seen["gate_opened"] is True


def test_closing_mid_stream_disconnects_from_a_real_server():
    disconnected = threading.Event()

    async def app(scope, receive, send):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        await send({"type": "http.response.body", "body": b"data: first\n\n", "more_body": True})
        message = await receive()
        while message["type"] != "http.disconnect":
            message = await receive()
        disconnected.set()

    with uvicorn_app(app) as url, httpx.Client() as client:
        response = client.send(client.build_request("GET", url), stream=True)
        assert next(iter_sse(response)).data == "first"
        response.close()
        assert disconnected.wait(10), "the server never saw the client go away"
