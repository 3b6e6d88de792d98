"""A transcript server: an ``httpx.MockTransport`` that answers the overlay client with scripted bytes.

It serves one standard chat and one chat completion, each as JSON or as a stream whose bytes are
cut into the pieces given (so chunk boundaries can fall anywhere, also inside an event or a UTF-8
sequence), optionally ending with a broken connection. It lets the suites drive the overlay through
every finish reason, unknown ones included, and through truncated streams, without a live model.

:func:`chat_transcript` and :func:`completion_transcript` build spec-valid payloads for a finish
reason; :func:`sse` frames payloads as ``data: <json>`` events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

HOST = "http://transcript.invalid"
ASSISTANT = "transcript"
MODEL = "gpt-4o-2024-11-20"
ANSWER_ID = "0000000000000000a1b2c3d4e5f60718"


def sse(payloads: list[Any], *, crlf: bool = False) -> bytes:
    """``data: <json>`` events separated by blank lines (CRLF framing when ``crlf``)."""
    end = "\r\n" if crlf else "\n"
    out = []
    for payload in payloads:
        data = (
            payload
            if isinstance(payload, str)
            else json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        )
        out.append(f"data: {data}{end}{end}")
    return "".join(out).encode("utf-8")


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given offsets (out-of-range and repeated offsets are ignored)."""
    points = sorted({c for c in cuts if 0 < c < len(data)})
    pieces = []
    last = 0
    for point in points:
        pieces.append(data[last:point])
        last = point
    pieces.append(data[last:])
    return pieces


FILE = {
    "name": "tides.md",
    "id": "fx-tides",
    "metadata": {"genre": "science"},
    "status": "Available",
    "created_on": "2026-04-02T09:20:11.804512+00:00",
    "updated_on": "2026-04-02T09:20:11.804512+00:00",
}
TEXT_PIECES = ["The harbour ", "sees two high ", "tides a day — ", "über ", "four metres."]


def chat_transcript(finish_reason: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(non-streaming ChatModel body, stream chunks) of one answer ending with ``finish_reason``."""
    text = "".join(TEXT_PIECES)
    citation = {
        "position": len(TEXT_PIECES[0]) + len(TEXT_PIECES[1]) + len(TEXT_PIECES[2]),
        "references": [{"file": FILE, "pages": []}],
    }
    usage = {"prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52}
    body = {
        "id": ANSWER_ID,
        "finish_reason": finish_reason,
        "message": {"role": "assistant", "content": text},
        "model": MODEL,
        "citations": [citation],
        "usage": usage,
        "context_snippet_count": 2,
    }
    head = {"id": ANSWER_ID, "model": MODEL}
    chunks: list[dict[str, Any]] = [
        {"type": "message_start", **head, "role": "assistant", "context_snippet_count": 2}
    ]
    for index, piece in enumerate(TEXT_PIECES):
        chunks.append({"type": "content_chunk", **head, "delta": {"content": piece}})
        if index == 2:
            chunks.append({"type": "citation", **head, "citation": citation})
    chunks.append({"type": "message_end", **head, "finish_reason": finish_reason, "usage": usage})
    return body, chunks


def completion_transcript(finish_reason: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(non-streaming ChatCompletionModel body, stream chunks) ending with ``finish_reason``."""
    text = "".join(TEXT_PIECES)
    usage = {"prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52}
    body = {
        "id": ANSWER_ID,
        "choices": [
            {"index": 0, "finish_reason": finish_reason, "message": {"role": "assistant", "content": text}}
        ],
        "model": MODEL,
        "usage": usage,
    }
    head = {"id": ANSWER_ID, "model": MODEL}
    chunks: list[dict[str, Any]] = [
        {
            **head,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
        }
    ]
    for piece in TEXT_PIECES:
        chunks.append(
            {
                **head,
                "choices": [{"index": 0, "delta": {"role": None, "content": piece}, "finish_reason": None}],
            }
        )
    chunks.append(
        {
            **head,
            "choices": [
                {"index": 0, "delta": {"role": None, "content": None}, "finish_reason": finish_reason}
            ],
            "usage": usage,
        }
    )
    return body, chunks


@dataclass
class Script:
    """What the transcript server answers. Stream bodies are lists of byte pieces."""

    chat_json: dict[str, Any] | None = None
    chat_stream: list[bytes] = field(default_factory=list)
    completion_json: dict[str, Any] | None = None
    completion_stream: list[bytes] = field(default_factory=list)
    #: End streams with a transport error instead of a clean close.
    break_connection: bool = False


class _Pieces(httpx.SyncByteStream):
    def __init__(self, pieces: list[bytes], broken: bool) -> None:
        self.pieces = pieces
        self.broken = broken

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces
        if self.broken:
            raise httpx.ReadError("connection reset by the transcript server")


class TranscriptTransport(httpx.BaseTransport):
    """Answers requests with a handler, in process.

    Not an ``httpx.MockTransport`` on purpose: a run being recorded patches MockTransport (and
    HTTPTransport), and the transcript's scripted bytes must reach the client as scripted, never
    from or into a cassette.
    """

    def __init__(self, handler: Any) -> None:
        self.handler = handler

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self.handler(request)  # type: ignore[no-any-return]


def transport(script: Script) -> TranscriptTransport:
    """The transport serving ``script`` for the assistant :data:`ASSISTANT` at :data:`HOST`."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = json.loads(request.content or b"{}") if request.method == "POST" else {}
        streaming = bool(body.get("stream"))
        if path == f"/assistant/chat/{ASSISTANT}":
            payload, pieces = script.chat_json, script.chat_stream
        elif path == f"/assistant/chat/{ASSISTANT}/chat/completions":
            payload, pieces = script.completion_json, script.completion_stream
        else:
            error = {"error": {"code": "NOT_FOUND", "message": f"no transcript for {path}"}, "status": 404}
            return httpx.Response(404, json=error)
        if streaming:
            return httpx.Response(
                200,
                headers={"content-type": "text/event-stream; charset=utf-8"},
                stream=_Pieces(pieces, script.break_connection),
            )
        return httpx.Response(200, json=payload)

    return TranscriptTransport(handle)


def client(script: Script, version: str) -> Any:
    """An overlay :class:`~pinecone_assistant.AssistantClient` talking to the transcript server,
    and the handle of its one assistant."""
    from pinecone_assistant import AssistantClient

    c = AssistantClient(
        api_key="transcript-key",
        control_host=HOST,
        api_version=version,
        transport=transport(script),
        max_retries=0,
    )
    return c, c.assistant(ASSISTANT, host=HOST)
