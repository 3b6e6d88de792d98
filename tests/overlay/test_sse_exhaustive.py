"""The decoder against the reference on every short stream built from a few typical pieces.

Each stream is decoded whole and one byte at a time (every position a chunk boundary), the targeted
ones also cut in two at every position, in the event form and in the raw form the stream classes use;
all must give the reference's events.
"""

from __future__ import annotations

import itertools

from pinecone_assistant.sse import ServerSentEvent, SSEDecoder

from .test_sse import reference

PIECES = (
    b"data: a\n",
    b"data: b\r\n",
    b"data:c\r",
    b"\n",
    b"\r\n",
    b"\r",
    b":x\n",
    b"id: 7\n",
    b"event: e\n",
    b"retry: 9\n",
    b"\xef\xbb\xbf",
    b"data: d",
)
FAST_PIECES = (b"data: a\n", b"\n", b"data:b\n", b"\r\n", b"\r", b"data: [DONE]\n")
LINE_ENDS = (b"\r", b"\n", b"data: a")
# Whole streams aimed at the one-split fast path and at the end of the stream.
TARGETED = (
    b"data: a\ndata: c\n\ndata: b\n\n",
    b"data:a\ndata:c\n\ndata:b\n\n",
    b"data: a\nx\n\ndata: b\n\n",
    b"data: a\n\nb\n\n",
    b"data: a b\n\ndata: c d\n\n",
    b"data:a\n\ndata: b\n\n",
    b"data: a\n\ndata:b\n\n",
    b"data: a\n\n\ndata: b\n\n",
    b"data: a\n\n:c\n\ndata: b\n\n",
    b"id: 1\ndata: a\n\ndata: b\n\n",
    b"event: e\ndata: a\n\ndata: b\n\n",
    b"data: a\ndata: b\ndata: c\ndata: d\ndata: e\n\n",
    b"data:a\ndata:b\ndata:c\n\n",
    b"data: a\n\n\xef\xbb\xbfdata: b",
    b"data: a\n\n\xef\xbb\xbfdata: b\n\n",
    b"\xef",
    b"\xef\xbb",
    b"\xef\xbbdata: a\n\n",
    b"data: aX\r\rdata: X\r\r",
    b"data: a\r\ndata: bX\r\n\r\n\rdata: cX\r\r",
)


def streams() -> list[bytes]:
    out = {b"".join(p) for n in (1, 2, 3) for p in itertools.product(PIECES, repeat=n)}
    out |= {b"".join(p) for p in itertools.product(FAST_PIECES, repeat=4)}
    out |= {b"".join(p) for n in (5, 6) for p in itertools.product(LINE_ENDS, repeat=n)}
    out |= set(TARGETED)
    return sorted(out)


def decode_events(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)]
    return events + decoder.flush()


def decode_raw(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    items = [item for chunk in chunks for item in decoder.feed_raw(chunk)] + decoder.flush_raw()
    return [
        i if isinstance(i, ServerSentEvent) else ServerSentEvent(data=i.decode("utf-8", "replace"))
        for i in items
    ]


def cuts(data: bytes) -> list[list[bytes]]:
    whole_and_bytes = [[data], [data[i : i + 1] for i in range(len(data))]]
    if data not in TARGETED:
        return whole_and_bytes
    return whole_and_bytes + [[data[:i], data[i:]] for i in range(1, len(data))]


def test_every_short_stream_decodes_like_the_reference_however_it_is_cut():
    wrong = []
    for data in streams():
        expected = reference(data)
        for chunks in cuts(data):
            if decode_events(chunks) != expected or decode_raw(chunks) != expected:
                wrong.append((data, chunks))
                break
    assert wrong == []


def test_raw_items_are_bytes_exactly_for_plain_message_events():
    for data in streams():
        decoder = SSEDecoder()
        items = decoder.feed_raw(data) + decoder.flush_raw()
        for item, event in zip(items, reference(data), strict=True):
            plain = event.event == "message" and not event.id and event.retry is None
            assert isinstance(item, bytes) is plain, (data, item)


def test_a_new_decoder_has_no_last_event_id_and_no_retry():
    decoder = SSEDecoder()
    assert decoder.last_event_id == ""
    assert decoder.retry is None
    decoder.feed(b"data: a\n\n")
    assert (decoder.last_event_id, decoder.retry) == ("", None)
