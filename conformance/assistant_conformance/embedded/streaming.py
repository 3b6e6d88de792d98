"""Streaming answers in the live wire format.

Each chunk is written as ``data: <json>`` followed by a blank line, flushed as soon as it is
produced; there is no ``[DONE]`` sentinel: the response ends after ``message_end`` (chat) or the
chunk that carries ``finish_reason`` (chat completions). Streaming is chosen by the body's
``stream`` field, never by the Accept header.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.responses import StreamingResponse

from .answer import Answer
from .faults import ActiveFaults, Event
from .runtime import StreamHook

MEDIA_TYPE = "text/event-stream"
WORDS_PER_CHUNK = 3
_GROUP = re.compile(rf"\s*\S+(?:\s+\S+){{0,{WORDS_PER_CHUNK - 1}}}")


@dataclass
class StreamReply:
    """A stream of chunks a handler wants to send."""

    events: list[Event]


def pieces(text: str) -> list[str]:
    """``text`` cut into runs of a few words; the pieces concatenate back to ``text`` exactly."""
    out = _GROUP.findall(text)
    rest = text[len("".join(out)) :]
    if rest:
        out.append(rest)
    return out


def chat_events(
    answer: Answer,
    *,
    chat_id: str,
    model: str,
    references: list[list[dict[str, Any]]],
    start_extra: dict[str, Any],
    end_extra: dict[str, Any],
) -> list[Event]:
    """message_start, content chunks with citation chunks where their positions fall, message_end.

    ``references[i]`` is the JSON reference list of ``answer.citations[i]``.
    """
    events: list[Event] = [
        {"type": "message_start", "id": chat_id, "model": model, "role": "assistant", **start_extra}
    ]
    cut = 0
    for citation, refs in zip(answer.citations, references, strict=True):
        for piece in pieces(answer.text[cut : citation.position]):
            events.append(
                {"type": "content_chunk", "id": chat_id, "model": model, "delta": {"content": piece}}
            )
        cut = citation.position
        events.append(
            {
                "type": "citation",
                "id": chat_id,
                "model": model,
                "citation": {"position": citation.position, "references": refs},
            }
        )
    for piece in pieces(answer.text[cut:]):
        events.append({"type": "content_chunk", "id": chat_id, "model": model, "delta": {"content": piece}})
    events.append(
        {
            "type": "message_end",
            "id": chat_id,
            "model": model,
            "finish_reason": answer.finish_reason,
            "usage": {
                "prompt_tokens": answer.prompt_tokens,
                "completion_tokens": answer.completion_tokens,
                "total_tokens": answer.total_tokens,
            },
            **end_extra,
        }
    )
    return events


def completion_events(text: str, answer: Answer, *, chat_id: str, model: str) -> list[Event]:
    """First chunk with the role, then content chunks, then one with finish_reason and usage."""

    def chunk(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
        return {
            "id": chat_id,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    events: list[Event] = [chunk({"role": "assistant", "content": ""}, None)]
    events.extend(chunk({"content": piece}, None) for piece in pieces(text))
    last = chunk({}, answer.finish_reason)
    last["usage"] = {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "total_tokens": answer.total_tokens,
    }
    events.append(last)
    return events


def respond(events: list[Event], faults: ActiveFaults, hook: StreamHook | None) -> StreamingResponse:
    """The HTTP response that writes ``events`` one by one (after any stream faults)."""
    events = faults.events(events)
    delay = faults.chunk_delay()

    async def body() -> AsyncIterator[bytes]:
        for i, event in enumerate(events):
            if i:
                if delay:
                    await anyio.sleep(delay)
                if hook is not None:
                    await hook(i)
            yield faults.frame(event)

    return StreamingResponse(
        body(),
        media_type=MEDIA_TYPE,
        # Only HTTP's own headers: the spec documents no other header on a stream.
        headers={"Cache-Control": "no-cache"},
    )
