"""The custom checks fail on the violation they describe and pass on documented answers."""

from __future__ import annotations

import json

import pytest
from assistant_conformance.checks import (
    Exchange,
    citation_positions_within_answer,
    envelope_status_matches_http,
    error_code_matches_status,
    filtered_results_match_filter,
    json_response_is_json,
    sse_payloads,
    stream_chunk_order,
)

SSE = "text/event-stream; charset=utf-8"
JSON = "application/json"


def _sse(*events: object, sep: str = "\n\n") -> bytes:
    return "".join(f"data: {e if isinstance(e, str) else json.dumps(e)}{sep}" for e in events).encode()


START = {"type": "message_start", "id": "a", "model": "m", "role": "assistant"}
END = {"type": "message_end", "id": "a", "model": "m", "finish_reason": "stop", "usage": None}


def _content(text: str) -> dict:
    return {"type": "content_chunk", "id": "a", "model": "m", "delta": {"content": text}}


def _citation(position: int, metadata: dict | None = None) -> dict:
    file = {"name": "f.txt", "id": "f", "metadata": metadata}
    return {
        "type": "citation",
        "id": "a",
        "model": "m",
        "citation": {"position": position, "references": [{"file": file}]},
    }


def _chat_stream(*events: object, body: dict | None = None, sep: str = "\n\n") -> Exchange:
    return Exchange("chat_assistant", 200, SSE, _sse(*events, sep=sep), body or {"stream": True})


def test_sse_payloads_follow_the_event_stream_rules():
    raw = b': comment\r\ndata: {"a": 1}\r\n\r\nevent: x\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n'
    assert sse_payloads(raw) == [{"a": 1}, "line1\nline2", "[DONE]"]


def test_envelope_status_must_repeat_the_http_status():
    good = Exchange(
        "list_files", 404, JSON, b'{"error": {"code": "NOT_FOUND", "message": "x"}, "status": 404}'
    )
    assert envelope_status_matches_http(good) is True
    bad = Exchange("list_files", 400, JSON, b'{"error": {"code": "X", "message": "x"}, "status": 500}')
    with pytest.raises(AssertionError, match="status=500"):
        envelope_status_matches_http(bad)
    flat = Exchange("chat_assistant", 400, JSON, b'{"message": "x"}')
    with pytest.raises(AssertionError, match="no 'status'"):
        envelope_status_matches_http(flat)


def test_envelope_check_leaves_evaluation_errors_and_successes_alone():
    assert (
        envelope_status_matches_http(Exchange("metrics_alignment", 422, JSON, b'{"message": "x"}')) is False
    )
    assert envelope_status_matches_http(Exchange("list_files", 200, JSON, b"{}")) is False


def test_chat_stream_in_documented_order_passes():
    assert stream_chunk_order(_chat_stream(START, _content("Hi"), _citation(2), END)) is True
    assert stream_chunk_order(_chat_stream(START, _content("Hi"), END, sep="\r\n\r\n")) is True


@pytest.mark.parametrize(
    ("events", "fragment"),
    [
        ((_content("x"), START, END), "first chunk"),
        ((START, END, _content("x")), "last chunk"),
        ((START, _content("x"), END, "[DONE]"), "not a JSON object"),
        ((START, _content("x"), {**END, "finish_reason": None}), "no finish_reason"),
        ((START, START, _content("x"), END), "one message_start"),
        ((START, {**_content("x"), "id": "b"}, END), "different ids"),
        ((), "no events"),
    ],
)
def test_chat_stream_order_violations_fail(events, fragment):
    with pytest.raises(AssertionError, match=fragment):
        stream_chunk_order(_chat_stream(*events))


def test_bare_json_lines_are_not_an_event_stream():
    ex = Exchange(
        "chat_assistant",
        200,
        SSE,
        (json.dumps(START) + "\n" + json.dumps(END) + "\n").encode(),
        {"stream": True},
    )
    with pytest.raises(AssertionError, match="no events"):
        stream_chunk_order(ex)


def test_stream_requested_but_json_answered_fails():
    ex = Exchange("chat_assistant", 200, JSON, b"{}", {"stream": True})
    with pytest.raises(AssertionError, match="stream=true"):
        stream_chunk_order(ex)


def _completion(delta: dict, finish: str | None = None) -> dict:
    return {"id": "c", "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def test_completion_stream_order():
    good = [
        _completion({"role": "assistant", "content": ""}),
        _completion({"content": "x"}),
        _completion({}, "stop"),
    ]
    assert (
        stream_chunk_order(Exchange("chat_completion_assistant", 200, SSE, _sse(*good), {"stream": True}))
        is True
    )
    no_role = [_completion({"content": "x"}), _completion({}, "stop")]
    with pytest.raises(AssertionError, match=r"delta\.role"):
        stream_chunk_order(Exchange("chat_completion_assistant", 200, SSE, _sse(*no_role)))
    early = [
        _completion({"role": "assistant"}, "stop"),
        _completion({"content": "x"}),
        _completion({}, "stop"),
    ]
    with pytest.raises(AssertionError, match="not the last chunk"):
        stream_chunk_order(Exchange("chat_completion_assistant", 200, SSE, _sse(*early)))
    cut = [_completion({"role": "assistant"}), _completion({"content": "x"})]
    with pytest.raises(AssertionError, match="does not carry a finish_reason"):
        stream_chunk_order(Exchange("chat_completion_assistant", 200, SSE, _sse(*cut)))


def test_stream_citation_position_must_lie_within_text_received_so_far():
    assert citation_positions_within_answer(_chat_stream(START, _content("Hello"), _citation(5), END)) is True
    with pytest.raises(AssertionError, match="position 6"):
        citation_positions_within_answer(
            _chat_stream(START, _content("Hello"), _citation(6), _content(" world"), END)
        )


def test_json_citation_position_must_lie_within_the_answer():
    body = {
        "message": {"role": "assistant", "content": "abc"},
        "citations": [{"position": 3, "references": []}],
    }
    assert (
        citation_positions_within_answer(Exchange("chat_assistant", 200, JSON, json.dumps(body).encode()))
        is True
    )
    body["citations"] = [{"position": 4, "references": []}]
    with pytest.raises(AssertionError, match="outside the answer"):
        citation_positions_within_answer(Exchange("chat_assistant", 200, JSON, json.dumps(body).encode()))


def test_answer_without_citations_is_not_counted_as_examined():
    body = {"message": {"role": "assistant", "content": "abc"}, "citations": []}
    assert (
        citation_positions_within_answer(Exchange("chat_assistant", 200, JSON, json.dumps(body).encode()))
        is False
    )


def test_filtered_chat_may_only_cite_matching_files():
    request = {"stream": True, "filter": {"genre": {"$eq": "science"}}}
    ok = _chat_stream(START, _content("x"), _citation(1, {"genre": "science"}), END, body=request)
    assert filtered_results_match_filter(ok) is True
    bad = _chat_stream(START, _content("x"), _citation(1, {"genre": "history"}), END, body=request)
    with pytest.raises(AssertionError, match="does not match"):
        filtered_results_match_filter(bad)


def test_filtered_context_may_only_return_matching_files():
    body = {
        "snippets": [
            {
                "type": "text",
                "content": "x",
                "score": 1.0,
                "reference": {"type": "text", "file": {"name": "a", "metadata": {"year": 1990}}},
            }
        ]
    }
    ex = Exchange(
        "context_assistant",
        200,
        JSON,
        json.dumps(body).encode(),
        {"query": "q", "filter": {"year": {"$gte": 2000}}},
    )
    with pytest.raises(AssertionError, match="does not match"):
        filtered_results_match_filter(ex)


def test_undetermined_filter_semantics_are_not_held_against_the_target():
    request = {"filter": {"genre": {"$ne": "history"}}}
    ex = _chat_stream(START, _content("x"), _citation(1, {"year": 1}), END, body={**request, "stream": True})
    assert filtered_results_match_filter(ex) is True


def test_json_response_answer_must_parse():
    good = {"message": {"role": "assistant", "content": '{"a": 1}'}}
    assert (
        json_response_is_json(
            Exchange("chat_assistant", 200, JSON, json.dumps(good).encode(), {"json_response": True})
        )
        is True
    )
    bad = {"message": {"role": "assistant", "content": "plain words"}}
    with pytest.raises(AssertionError, match="not JSON"):
        json_response_is_json(
            Exchange("chat_assistant", 200, JSON, json.dumps(bad).encode(), {"json_response": True})
        )


def test_json_response_with_stream_must_be_refused():
    request = {"json_response": True, "stream": True}
    assert json_response_is_json(Exchange("chat_assistant", 400, JSON, b"{}", request)) is True
    with pytest.raises(AssertionError, match="cannot be combined"):
        json_response_is_json(_chat_stream(START, END, body=request))


@pytest.mark.parametrize(
    ("status", "code", "ok"),
    [
        (401, "UNAUTHENTICATED", True),
        (404, "NOT_FOUND", True),
        (400, "INVALID_ARGUMENT", True),
        (400, "ALREADY_EXISTS", True),
        (500, "UNKNOWN", True),
        (404, "UNKNOWN", False),
        (401, "NOT_FOUND", False),
        (400, "INTERNAL", False),
        (500, "INVALID_ARGUMENT", False),
    ],
)
def test_error_code_must_fit_the_status(status, code, ok):
    ex = Exchange(
        "list_files",
        status,
        JSON,
        json.dumps({"error": {"code": code, "message": "m"}, "status": status}).encode(),
    )
    if ok:
        assert error_code_matches_status(ex) is True
    else:
        with pytest.raises(AssertionError, match=code):
            error_code_matches_status(ex)
