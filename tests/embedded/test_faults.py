"""Faults on request: each switches on one divergence, only when enabled at start."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from assistant_conformance.embedded import faults

from .conftest import V25, V26, Api, load_corpus, sse_events

QUESTION = "Which things grow: red pines or comet tails?"


@pytest.fixture
def faulty(make_api) -> Api:
    api = make_api(faults=True)
    load_corpus(api)
    return api


def fault(name: str, **headers: str) -> dict[str, str]:
    return {"X-Assistant-Fault": name, **headers}


def test_fault_headers_are_ignored_unless_enabled(api: Api) -> None:
    load_corpus(api)
    response = api.chat("demo", QUESTION, headers=fault("server_error"))
    assert response.status_code == 200


def test_unknown_fault_names_are_a_400_listing_known_ones(faulty: Api) -> None:
    response = faulty.chat("demo", QUESTION, headers=fault("gremlins"))
    assert response.status_code == 400
    assert "rate_limit_seconds" in response.json()["error"]["message"]


def test_rate_limit_seconds_sends_retry_after_in_seconds(faulty: Api, conform) -> None:
    response = faulty.get("assistants", headers=fault("rate_limit_seconds"), version=V26)
    conform(V26, "list_assistants", response)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == "TOO_MANY_REQUESTS"


def test_rate_limit_code_follows_the_version(faulty: Api, conform) -> None:
    response = faulty.get("assistants", headers=fault("rate_limit_seconds"), version=V25)
    conform(V25, "list_assistants", response)
    assert response.json()["error"]["code"] == "RESOURCE_EXHAUSTED"


def test_rate_limit_ms_sends_both_headers(faulty: Api) -> None:
    response = faulty.chat("demo", QUESTION, headers=fault("rate_limit_ms"))
    assert response.status_code == 429
    assert response.headers["retry-after-ms"] == "500"
    assert response.headers["retry-after"] == "1"


def test_rate_limit_date_sends_an_http_date(faulty: Api) -> None:
    response = faulty.chat("demo", QUESTION, headers=fault("rate_limit_date"))
    assert response.status_code == 429
    assert parsedate_to_datetime(response.headers["retry-after"]).tzinfo is not None


@pytest.mark.parametrize(
    ("name", "status", "code"), [("server_error", 500, "UNKNOWN"), ("unavailable", 503, "UNAVAILABLE")]
)
def test_server_errors_use_the_envelope(faulty: Api, name: str, status: int, code: str) -> None:
    response = faulty.chat("demo", QUESTION, headers=fault(name))
    assert response.status_code == status
    assert response.json() == {
        "error": {"code": code, "message": response.json()["error"]["message"]},
        "status": status,
    }


def test_fault_count_fails_n_times_then_succeeds(faulty: Api) -> None:
    headers = fault("server_error", **{"X-Assistant-Fault-Count": "2", "X-Assistant-Fault-Key": "retry-1"})
    statuses = [faulty.chat("demo", QUESTION, headers=headers).status_code for _ in range(4)]
    assert statuses == [500, 500, 200, 200]
    other_key = {**headers, "X-Assistant-Fault-Key": "retry-2"}
    assert faulty.chat("demo", QUESTION, headers=other_key).status_code == 500


def test_cut_stream_ends_without_message_end(faulty: Api) -> None:
    events = sse_events(faulty.chat("demo", QUESTION, stream=True, headers=fault("cut_stream")).text)
    assert events
    assert events[0]["type"] == "message_start"
    assert all(e["type"] != "message_end" for e in events)
    completions = faulty.post(
        "chat/demo/chat/completions",
        json={"messages": [{"role": "user", "content": QUESTION}], "stream": True},
        headers=fault("cut_stream"),
    )
    assert all(c["choices"][0]["finish_reason"] is None for c in sse_events(completions.text))


def test_unknown_chunk_adds_one_chunk_of_an_undeclared_type(faulty: Api) -> None:
    plain = sse_events(faulty.chat("demo", QUESTION, stream=True).text)
    odd = sse_events(faulty.chat("demo", QUESTION, stream=True, headers=fault("unknown_chunk")).text)
    assert len(odd) == len(plain) + 1
    assert odd[1]["type"] not in {"message_start", "content_chunk", "citation", "message_end"}


def test_unknown_finish_reason_in_json_and_streams(faulty: Api) -> None:
    headers = fault("unknown_finish_reason")
    assert (
        faulty.chat("demo", QUESTION, headers=headers).json()["finish_reason"] == faults.UNKNOWN_FINISH_REASON
    )
    events = sse_events(faulty.chat("demo", QUESTION, stream=True, headers=headers).text)
    assert events[-1]["finish_reason"] == faults.UNKNOWN_FINISH_REASON
    body = {"messages": [{"role": "user", "content": QUESTION}]}
    completion = faulty.post("chat/demo/chat/completions", json=body, headers=headers).json()
    assert completion["choices"][0]["finish_reason"] == faults.UNKNOWN_FINISH_REASON


def test_several_faults_combine(faulty: Api) -> None:
    response = faulty.chat(
        "demo", QUESTION, stream=True, headers=fault("unknown_chunk, unknown_finish_reason")
    )
    events = sse_events(response.text)
    assert events[1]["type"] == "tool_progress"
    assert events[-1]["finish_reason"] == faults.UNKNOWN_FINISH_REASON


def _spec_violation(version: str, operation: str, response: Any, conform) -> bool:
    try:
        conform(version, operation, response)
    except AssertionError:
        return True
    return False


CHAT = {"messages": [{"role": "user", "content": QUESTION}]}

# fault -> (method, path, request kwargs) of a request on which the fault makes the answer leave the spec
DIVERGENCES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "missing_usage": ("POST", "chat/demo", {"json": CHAT}),
    "renamed_field": ("POST", "chat/demo", {"json": CHAT}),
    "retyped_field": ("POST", "chat/demo", {"json": CHAT}),
    "missing_model": ("POST", "chat/demo", {"json": CHAT}),
    "wrong_status": ("POST", "chat/demo", {"json": CHAT}),
    "wrong_content_type": ("POST", "chat/demo", {"json": CHAT}),
    "wrong_error_code": ("GET", "assistants/nobody", {}),
    "undeclared_error_code": ("GET", "assistants/nobody", {}),
    "envelope_status_mismatch": ("GET", "assistants/nobody", {}),
    "flat_error_body": ("GET", "assistants/nobody", {}),
    "unknown_finish_reason": ("POST", "chat/demo", {"json": CHAT}),
    "unknown_chunk": ("POST", "chat/demo", {"json": {**CHAT, "stream": True}}),
    "json_response_stream_accepted": (
        "POST",
        "chat/demo",
        {"json": {**CHAT, "stream": True, "json_response": True}},
    ),
    "server_error": ("GET", "assistants/demo", {}),
}


@pytest.mark.parametrize("name", sorted(DIVERGENCES))
def test_schema_faults_make_the_answer_leave_the_spec(faulty: Api, conform, name: str) -> None:
    method, path, kwargs = DIVERGENCES[name]
    operation = {
        "chat/demo": "chat_assistant",
        "assistants/nobody": "get_assistant",
        "assistants/demo": "get_assistant",
    }[path]
    clean = faulty.request(method, path, **kwargs)
    assert not _spec_violation(V25, operation, clean, conform)
    broken = faulty.request(method, path, headers=fault(name), **kwargs)
    if name in {"json_response_stream_accepted", "server_error"}:
        # Schema-valid, but the status differs from the faithful one.
        assert broken.status_code != clean.status_code
    elif name == "wrong_error_code":
        assert (broken.status_code, broken.json()["error"]["code"]) == (404, "UNKNOWN")
    elif name == "envelope_status_mismatch":
        assert broken.json()["status"] != broken.status_code
    elif name == "unknown_chunk":
        assert len(sse_events(broken.text)) == len(sse_events(clean.text)) + 1
    else:
        assert _spec_violation(V25, operation, broken, conform)


def test_citation_out_of_range_points_past_the_text(faulty: Api) -> None:
    body = faulty.chat("demo", QUESTION, headers=fault("citation_out_of_range")).json()
    assert all(c["position"] > len(body["message"]["content"]) for c in body["citations"])
    events = sse_events(
        faulty.chat("demo", QUESTION, stream=True, headers=fault("citation_out_of_range")).text
    )
    text = "".join(e["delta"]["content"] for e in events if e["type"] == "content_chunk")
    assert all(e["citation"]["position"] > len(text) for e in events if e["type"] == "citation")


def test_stream_framing_faults(faulty: Api) -> None:
    done = faulty.chat("demo", QUESTION, stream=True, headers=fault("done_sentinel")).text
    assert done.rstrip().endswith("data: [DONE]")
    ndjson = faulty.chat("demo", QUESTION, stream=True, headers=fault("ndjson_framing")).text
    assert "data:" not in ndjson
    assert json.loads(ndjson.splitlines()[0])["type"] == "message_start"
    reordered = sse_events(faulty.chat("demo", QUESTION, stream=True, headers=fault("reordered_chunks")).text)
    assert [e["type"] for e in reordered[:2]] == ["message_start", "message_end"]


def test_validation_skipping_faults(faulty: Api, make_api) -> None:
    empty = {"messages": [{"role": "user", "content": ""}]}
    assert faulty.post("chat/demo", json=empty, headers=fault("empty_content_accepted")).status_code == 200
    assert faulty.get("assistants/demo", key=None, headers=fault("missing_key_accepted")).status_code == 200
    spec = {"genre": {"$eq": "astronomy"}}
    ignored = faulty.chat("demo", QUESTION, filter=spec, headers=fault("filters_ignored")).json()
    cited = {r["file"]["name"] for c in ignored["citations"] for r in c["references"]}
    assert "pines.txt" in cited


def test_missing_location_header_drops_location_from_202_answers(faulty: Api, conform) -> None:
    clean = faulty.upload("demo", "clean.txt", "Red pines grow tall.", version=V26)
    assert clean.status_code == 202
    assert clean.headers["location"].startswith("/operations/demo/")
    conform(V26, "upload_file", clean)
    broken = faulty.upload(
        "demo", "broken.txt", "Red pines grow tall.", version=V26, headers=fault("missing_location_header")
    )
    assert broken.status_code == 202
    assert "location" not in broken.headers


def test_valid_input_unprocessable_refuses_a_valid_request_with_422(faulty: Api) -> None:
    assert faulty.get("assistants/demo").status_code == 200
    refused = faulty.get("assistants/demo", headers=fault("valid_input_unprocessable"))
    assert refused.status_code == 422
    assert refused.json()["status"] == 422


def test_completion_delta_renamed_moves_the_text_to_an_undocumented_key(faulty: Api) -> None:
    body = {"messages": [{"role": "user", "content": QUESTION}], "stream": True}
    plain = sse_events(faulty.post("chat/demo/chat/completions", json=body).text)
    moved = sse_events(
        faulty.post("chat/demo/chat/completions", json=body, headers=fault("completion_delta_renamed")).text
    )
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in plain)
    assert text
    assert all("content" not in c["choices"][0]["delta"] for c in moved)
    assert "".join(c["choices"][0]["delta"].get("text") or "" for c in moved) == text


def test_chat_text_moved_empties_content_and_keeps_the_text_elsewhere(faulty: Api) -> None:
    plain = sse_events(faulty.chat("demo", QUESTION, stream=True).text)
    moved = sse_events(faulty.chat("demo", QUESTION, stream=True, headers=fault("chat_text_moved")).text)
    pieces = [e for e in moved if e["type"] == "content_chunk"]
    assert pieces
    assert all(e["delta"]["content"] == "" for e in pieces)
    assert "".join(e["delta"]["text"] for e in pieces) == "".join(
        e["delta"]["content"] for e in plain if e["type"] == "content_chunk"
    )


def test_usage_total_not_sum_adds_one_to_total_tokens(faulty: Api) -> None:
    headers = fault("usage_total_not_sum")
    usage = faulty.chat("demo", QUESTION, headers=headers).json()["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + 1
    end = sse_events(faulty.chat("demo", QUESTION, stream=True, headers=headers).text)[-1]
    assert (
        end["usage"]["total_tokens"] == end["usage"]["prompt_tokens"] + end["usage"]["completion_tokens"] + 1
    )


def test_undocumented_chat_field_adds_a_field_to_chat_answers_only(faulty: Api) -> None:
    headers = fault("undocumented_chat_field")
    assert faulty.chat("demo", QUESTION, headers=headers).json()[faults.UNDOCUMENTED_CHAT_FIELD] == "en"
    body = {"messages": [{"role": "user", "content": QUESTION}]}
    completion = faulty.post("chat/demo/chat/completions", json=body, headers=headers).json()
    assert faults.UNDOCUMENTED_CHAT_FIELD not in completion


def test_valid_chat_404_and_valid_context_400_answer_valid_requests_with_an_error_envelope(
    faulty: Api,
) -> None:
    assert faulty.chat("demo", QUESTION).status_code == 200
    refused = faulty.chat("demo", QUESTION, headers=fault("valid_chat_404"))
    assert refused.status_code == 404
    assert refused.json() == {
        "error": {"code": "NOT_FOUND", "message": "Assistant not found."},
        "status": 404,
    }
    invalid = faulty.post("chat/demo", json={"messages": []}, headers=fault("valid_chat_404"))
    assert invalid.status_code == 400  # an invalid request keeps its own answer
    context = faulty.post("chat/demo/context", json={"query": QUESTION}, headers=fault("valid_context_400"))
    assert context.status_code == 400
    assert context.json()["error"]["code"] == "INVALID_ARGUMENT"
    assert faulty.post("chat/demo/context", json={"query": QUESTION}).status_code == 200


def test_empty_region_accepted_creates_in_the_default_region(faulty: Api) -> None:
    body = {"name": "blank-region", "region": ""}
    assert faulty.post("assistants", json=body, version=V26).status_code == 400
    created = faulty.post("assistants", json=body, version=V26, headers=fault("empty_region_accepted"))
    assert created.status_code == 200
    assert created.json()["region"] == "us"


def test_loose_query_flags_reads_true_and_false_in_any_case(faulty: Api) -> None:
    file_id = next(iter(load_corpus(faulty, "flags").values()))
    path = f"files/flags/{file_id}"
    assert faulty.get(path, params={"include_url": "TRUE"}).status_code == 400
    loose = faulty.get(path, params={"include_url": "TRUE"}, headers=fault("loose_query_flags"))
    assert loose.status_code == 200
    assert loose.json()["signed_url"] is not None
    still_bad = faulty.get(path, params={"include_url": "maybe"}, headers=fault("loose_query_flags"))
    assert still_bad.status_code == 400


def test_every_catalog_fault_is_exercised_here() -> None:
    exercised = {
        "rate_limit_seconds",
        "rate_limit_ms",
        "rate_limit_date",
        "server_error",
        "unavailable",
        "cut_stream",
        "slow_chunks",
        "unknown_chunk",
        "unknown_finish_reason",
        "citation_out_of_range",
        "done_sentinel",
        "ndjson_framing",
        "reordered_chunks",
        "empty_content_accepted",
        "missing_key_accepted",
        "filters_ignored",
        "missing_location_header",
        "valid_input_unprocessable",
        "valid_chat_404",
        "valid_context_400",
        "completion_delta_renamed",
        "chat_text_moved",
        "usage_total_not_sum",
        "undocumented_chat_field",
        "empty_region_accepted",
        "loose_query_flags",
        *DIVERGENCES,
    }
    assert set(faults.CATALOG) == exercised
