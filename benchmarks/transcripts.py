"""The streamed transcripts the decode benchmarks read, and what a correct reader must get from them.

Format A is a standard chat stream: ``message_start``, content chunks with a citation every 1,000
events, ``message_end``. Format B is an OpenAI-compatible completion stream: role and content in
every delta, ``finish_reason: "stop"`` and usage on the last chunk. Both use the live framing
(``data: <json>`` and a blank line, no ``[DONE]``). The text mixes ASCII, non-ASCII and characters
JSON must escape, so a reader that skips decoding work cannot produce the expected text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CHAT_ID = "000000000000000009de65aa87adbcf0"
MODEL = "gpt-4o-2024-11-20"
CITATION_EVERY = 1000
CHUNK_SIZE = 64 * 1024

_WORDS = (
    "the", "assistant", "answers", "from", "uploaded", "files", "with", "citations", "pointing",
    "at", "pages", "retrieval", "café", "naïve", "résumé", "Zürich", "東京", "данные", "—", "“quoted”",
    'say "hi"', "tab\tstop", "line\nbreak", "back\\slash", "42", "3.14", "{braces}", "<tag>",
)  # fmt: skip

_FILE = {
    "name": "handbook.pdf",
    "id": "3b2f5c1e-8f0a-4d6e-9a51-7c2d0e4b9f13",
    "metadata": {"team": "support", "year": 2026},
    "created_on": "2026-04-02T10:11:12.123456789Z",
    "updated_on": "2026-04-02T10:11:20.987654321Z",
    "status": "Available",
    "size": 1843221,
    "multimodal": False,
    "percent_done": 1.0,
}


@dataclass(frozen=True)
class Transcript:
    """One stream: its events, its wire bytes, and the text and citation count a reader must get."""

    fmt: str
    events: list[dict[str, Any]]
    text: str
    citations: int

    @property
    def n(self) -> int:
        """Number of events (every one of them is a typed object for the reader)."""
        return len(self.events)

    def body(self) -> bytes:
        """The SSE body: compact JSON, ``data: `` prefix, blank line after each event."""
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        return "".join(f"data: {dumps(event)}\n\n" for event in self.events).encode()


def _piece(i: int) -> str:
    # Deterministic pseudo-random runs of one to three words.
    k = (i * 2654435761) & 0xFFFFFFFF
    count = 1 + k % 3
    return "".join(_WORDS[(k >> (5 * j + 3)) % len(_WORDS)] + " " for j in range(count))


def chat_transcript(n: int) -> Transcript:
    """Format A with ``n`` events (``n >= 2``)."""
    if n < 2:
        raise ValueError("a chat transcript needs at least 2 events (message_start and message_end)")
    events: list[dict[str, Any]] = [
        {"type": "message_start", "id": CHAT_ID, "model": MODEL, "role": "assistant"}
    ]
    parts: list[str] = []
    length = 0
    citations = 0
    for i in range(1, n - 1):
        if i % CITATION_EVERY == 0:
            citations += 1
            reference = {"file": _FILE, "pages": [1 + citations % 40]}
            events.append(
                {
                    "type": "citation",
                    "id": CHAT_ID,
                    "model": MODEL,
                    "citation": {"position": length, "references": [reference]},
                }
            )
            continue
        piece = _piece(i)
        parts.append(piece)
        length += len(piece)
        events.append({"type": "content_chunk", "id": CHAT_ID, "model": MODEL, "delta": {"content": piece}})
    events.append(
        {
            "type": "message_end",
            "id": CHAT_ID,
            "model": MODEL,
            "finish_reason": "stop",
            "usage": {"prompt_tokens": 812, "completion_tokens": n, "total_tokens": 812 + n},
        }
    )
    return Transcript("A", events, "".join(parts), citations)


def completion_transcript(n: int) -> Transcript:
    """Format B with ``n`` events (``n >= 1``)."""
    if n < 1:
        raise ValueError("a completion transcript needs at least 1 event")
    events: list[dict[str, Any]] = []
    parts: list[str] = []
    for i in range(n - 1):
        piece = _piece(i + 1)
        parts.append(piece)
        events.append(
            {
                "id": CHAT_ID,
                "choices": [
                    {"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}
                ],
                "model": MODEL,
            }
        )
    events.append(
        {
            "id": CHAT_ID,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "model": MODEL,
            "usage": {"prompt_tokens": 812, "completion_tokens": n, "total_tokens": 812 + n},
        }
    )
    return Transcript("B", events, "".join(parts), 0)


def chat_response(answer_chars: int = 1500, citations: int = 3) -> dict[str, Any]:
    """A non-streaming chat answer of realistic size (text, citations with file references, usage)."""
    text = "".join(_piece(i) for i in range(1, 10_000))[:answer_chars]
    step = max(1, answer_chars // (citations + 1))
    return {
        "id": CHAT_ID,
        "model": MODEL,
        "finish_reason": "stop",
        "message": {"role": "assistant", "content": text},
        "citations": [
            {
                "position": step * (k + 1),
                "references": [{"file": _FILE, "pages": [k + 1, k + 2]}],
            }
            for k in range(citations)
        ],
        "usage": {"prompt_tokens": 812, "completion_tokens": 340, "total_tokens": 1152},
    }


def frames(body: bytes, size: int = CHUNK_SIZE) -> list[bytes]:
    """``body`` cut into ``size``-byte pieces, each framed as one HTTP/1.1 chunk, plus the last chunk."""
    out = [b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)]
    out.append(b"0\r\n\r\n")
    return out
