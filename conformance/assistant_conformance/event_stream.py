"""The conformance checks' own event-stream decoder: the WHATWG algorithm, read over a whole body.

It shares no code with the client's decoder (``pinecone_assistant.sse``), so a decoder bug cannot
hide a server fault from the checks, nor invent one. It follows the standard to the letter: UTF-8
with replacement characters, one leading byte-order mark dropped, CR, LF and CRLF line ends,
comment lines, one optional space after the colon, ``data`` lines joined with LF, an event with no
``data`` line not dispatched, ``id`` values with NUL ignored, ``retry`` only when all digits, and an
unterminated last event discarded at the end of the stream. (The client delivers that last event
instead; a conforming server always ends an event with a blank line.)

httpx-sse is not used: it keeps a leading byte-order mark as part of the first field name and
dispatches events that have no ``data`` line, both unlike the standard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Event:
    """One dispatched event: its data, its type (``message`` unless ``event:`` said otherwise), last id."""

    data: str
    event: str = "message"
    id: str = ""
    retry: int | None = None


def decode_events(content: bytes) -> list[Event]:
    """Every event of a whole ``text/event-stream`` body, in order."""
    text = content.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    # The last piece is an unterminated line (or "" after a final line end): not a line yet.
    lines = _LINE_END.split(text)[:-1]
    events: list[Event] = []
    data: list[str] = []
    event_type = ""
    last_id = ""
    retry: int | None = None
    for line in lines:
        if not line:
            if data:
                events.append(Event("\n".join(data), event_type or "message", last_id, retry))
            data = []
            event_type = ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event_type = value
        elif name == "id":
            if "\0" not in value:
                last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            retry = int(value)
    return events
