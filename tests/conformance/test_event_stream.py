"""The checks' own event-stream decoder: exact to the standard, and in agreement with the client's."""

from __future__ import annotations

import json

from assistant_conformance.checks import sse_payloads
from assistant_conformance.event_stream import Event, decode_events
from hypothesis import given, settings
from hypothesis import strategies as st
from pinecone_assistant.sse import SSEDecoder

# Field values: any text without line ends (a value cannot hold one), including ":" and leading spaces.
_value = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"), max_size=12
)
_line_end = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, str]]]:
    """A whole stream of complete events, and the (type, data) each must decode to."""
    out = ["\ufeff"] if draw(st.booleans()) else []
    expected: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 4))):
        data_lines = draw(st.lists(_value, min_size=1, max_size=3))
        kind = draw(st.none() | st.text(alphabet="abcxyz_", min_size=1, max_size=6))
        lines: list[tuple[str, str | None]] = []  # (line, its data value if a data line)
        if draw(st.booleans()):
            lines.append((":" + draw(_value), None))  # a comment
        if kind is not None:
            lines.append((f"event: {kind}", None))
        for data in data_lines:
            if draw(st.booleans()):
                lines.append((f"data: {data}", data))
            else:  # without the space, a leading space of the value is the one the standard drops
                lines.append((f"data:{data}", data[1:] if data.startswith(" ") else data))
        if draw(st.booleans()):
            lines.append(("id: " + draw(_value), None))
        end = ""
        data_lines = []
        for line, data in draw(st.permutations(lines)):
            end = draw(_line_end)
            out.append(line + end)
            if data is not None:
                data_lines.append(data)
        # The blank line that dispatches (after a CR, an LF alone would only complete a CRLF).
        out.append(draw(st.sampled_from(["\r", "\r\n"]) if end == "\r" else _line_end))
        expected.append((kind or "message", "\n".join(data_lines)))
    return "".join(out).encode(), expected


def _client_decode(content: bytes, cuts: list[int]) -> list[tuple[str, str]]:
    decoder = SSEDecoder()
    events = []
    previous = 0
    for cut in [*sorted(set(cuts)), len(content)]:
        events += decoder.feed(content[previous:cut])
        previous = cut
    events += decoder.flush()
    return [(e.event, e.data) for e in events]


@settings(max_examples=300, deadline=None)
@given(streams(), st.data())
def test_decoder_agrees_with_the_client_on_any_byte_split(stream, data):
    content, expected = stream
    cuts = data.draw(st.lists(st.integers(0, len(content)), max_size=8))
    ours = [(e.event, e.data) for e in decode_events(content)]
    assert ours == expected
    assert _client_decode(content, cuts) == ours


def test_standard_details():
    # BOM dropped once; CR, LF and CRLF; comments; one space after the colon; multi-line data.
    content = b"\xef\xbb\xbfdata:  two spaces\r\n: note\rdata: b\r\n\r\nevent: e\nid: 7\ndata\n\n"
    assert decode_events(content) == [Event(" two spaces\nb"), Event("", "e", "7")]


def test_an_event_without_data_or_without_its_blank_line_is_not_dispatched():
    assert decode_events(b"event: ping\nid: 1\n\n") == []
    assert decode_events(b'data: {"a": 1}\n\ndata: {"b": 2}\n') == [Event('{"a": 1}')]


def test_sse_payloads_decodes_json_and_keeps_other_data_as_text():
    body = b'data: {"type": "message_start"}\n\ndata: [DONE]\n\n'
    assert sse_payloads(body) == [{"type": "message_start"}, "[DONE]"]
    assert json.dumps(sse_payloads(b"")) == "[]"


def test_checks_do_not_import_the_client_decoder():
    import ast
    from pathlib import Path

    import assistant_conformance.checks as checks

    package = Path(checks.__file__).parent
    for name in ("checks.py", "event_stream.py", "context.py", "coverage.py", "suites/schema.py"):
        tree = ast.parse((package / name).read_text(encoding="utf-8"))
        imported = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not {m for m in imported if m and m.startswith("pinecone_assistant.sse")}, name
