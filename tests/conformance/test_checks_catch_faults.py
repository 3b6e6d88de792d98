"""Each custom check fails on an endpoint that breaks it (a fault of the embedded endpoint) and passes
on the faithful one. The selftest does this at scale; these are the fast, one-to-one cases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from assistant_conformance.checks import (
    Exchange,
    citation_positions_within_answer,
    envelope_status_matches_http,
    error_code_matches_status,
    filtered_results_match_filter,
    json_response_is_json,
    stream_chunk_order,
)
from assistant_conformance.embedded import running_server
from assistant_conformance.fixtures import COMMON_QUERY
from assistant_conformance.targets import PreparedTarget, SessionOptions, TargetSession
from pinecone_assistant._constants import API_VERSION

KEY = "fault-test-key-123456"
ASK = [{"role": "user", "content": COMMON_QUERY}]


@pytest.fixture(scope="module")
def target() -> Iterator[PreparedTarget]:
    with (
        running_server(
            api_keys=[KEY], faults=True, assistant_ready_seconds=0, file_processing_seconds=0
        ) as server,
        TargetSession(SessionOptions(kind="url", url=server.url, api_key=KEY, poll_interval=0.0)) as prepared,
    ):
        yield prepared


def _exchange(
    target: PreparedTarget, fault: str | None, operation: str, method: str, path: str, body: Any = None
) -> Exchange:
    headers = dict(target.headers)
    if fault:
        headers["X-Assistant-Fault"] = fault
    response = httpx.request(method, target.planes.data + path, json=body, headers=headers, timeout=30)
    return Exchange(
        operation, response.status_code, response.headers.get("content-type", ""), response.content, body
    )


def _chat(target: PreparedTarget, **body: Any) -> tuple[str, str, str, dict[str, Any]]:
    return ("chat_assistant", "POST", f"/chat/{target.assistant}", {"messages": ASK, **body})


CASES: list[tuple[str, Callable[[Exchange], bool], Callable[[PreparedTarget], tuple[str, str, str, Any]]]] = [
    (
        "envelope_status_mismatch",
        envelope_status_matches_http,
        lambda t: ("describe_file", "GET", f"/files/{t.assistant}/no-such-file", None),
    ),
    (
        "wrong_error_code",
        error_code_matches_status,
        lambda t: ("describe_file", "GET", f"/files/{t.assistant}/no-such-file", None),
    ),
    ("reordered_chunks", stream_chunk_order, lambda t: _chat(t, stream=True)),
    ("cut_stream", stream_chunk_order, lambda t: _chat(t, stream=True)),
    (
        "ndjson_framing",
        stream_chunk_order,
        lambda t: (
            "chat_completion_assistant",
            "POST",
            f"/chat/{t.assistant}/chat/completions",
            {"messages": ASK, "stream": True},
        ),
    ),
    ("citation_out_of_range", citation_positions_within_answer, _chat),
    ("citation_out_of_range", citation_positions_within_answer, lambda t: _chat(t, stream=True)),
    (
        "filters_ignored",
        filtered_results_match_filter,
        lambda t: (
            "context_assistant",
            "POST",
            f"/chat/{t.assistant}/context",
            {"query": COMMON_QUERY, "filter": {"genre": {"$eq": "farming"}}},
        ),
    ),
    ("filters_ignored", filtered_results_match_filter, lambda t: _chat(t, filter={"year": {"$lt": 2000}})),
    (
        "json_response_stream_accepted",
        json_response_is_json,
        lambda t: _chat(t, json_response=True, stream=True),
    ),
]


@pytest.mark.parametrize(
    ("fault", "check", "request_of"), CASES, ids=[f"{c[0]}-{c[1].__name__}" for c in CASES]
)
def test_check_fails_on_the_fault_and_passes_without_it(target, fault, check, request_of):
    operation, method, path, body = request_of(target)
    faithful = _exchange(target, None, operation, method, path, body)
    assert check(faithful) is True, f"{check.__name__} did not examine the faithful answer"
    broken = _exchange(target, fault, operation, method, path, body)
    with pytest.raises(AssertionError):
        check(broken)


def test_oracle_model_rejects_an_undocumented_finish_reason(target):
    from assistant_conformance.context import load_spec
    from assistant_conformance.suites.serialization import Models, _attrs_check, _oracle_check

    _, spec, _ = load_spec(API_VERSION)
    models = Models(spec, API_VERSION)
    operation, method, path, body = _chat(target)
    faithful = _exchange(target, None, operation, method, path, body).json()
    broken = _exchange(target, "unknown_finish_reason", operation, method, path, body).json()
    _oracle_check(models, "ChatModel")(faithful)
    _attrs_check(models, "ChatModel", normalise=True)(broken)  # the lenient client keeps the value
    with pytest.raises(AssertionError, match="rejects"):
        _oracle_check(models, "ChatModel")(broken)


def test_oracle_catches_a_retyped_field_the_attrs_model_lets_through(target):
    from assistant_conformance.context import load_spec
    from assistant_conformance.suites.serialization import Models, _attrs_check, _oracle_check

    _, spec, _ = load_spec(API_VERSION)
    models = Models(spec, API_VERSION)
    operation, method, path, body = _chat(target)
    broken = _exchange(target, "retyped_field", operation, method, path, body).json()
    assert isinstance(broken["usage"]["total_tokens"], str)
    _attrs_check(models, "ChatModel", normalise=True)(broken)
    with pytest.raises(AssertionError, match="total_tokens"):
        _oracle_check(models, "ChatModel")(broken)


def test_response_headers_check_fails_without_the_documented_location_header(target):
    import schemathesis
    from assistant_conformance.context import load_spec
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    check = CHECKS.get_one("response_headers_conformance")
    _, spec, _ = load_spec("2026-04")
    schema = schemathesis.openapi.from_dict(
        spec, config=schemathesis.Config.from_dict({"base-url": target.planes.data})
    )
    operation = schema["/files/{assistant_name}/{assistant_file_id}"]["DELETE"]

    def delete(file_id: str, fault: str | None) -> None:
        headers = {**target.headers, **({"X-Assistant-Fault": fault} if fault else {})}
        case = operation.Case(
            path_parameters={"assistant_name": target.assistant, "assistant_file_id": file_id}
        )
        response = httpx.delete(
            f"{target.planes.data}/files/{target.assistant}/{file_id}", headers=headers, timeout=30
        )
        assert response.status_code == 202
        case.validate_response(response, checks=[check])

    delete(target.spare_file_ids[0], None)
    with pytest.raises(BaseExceptionGroup):
        delete(target.spare_file_ids[1], "missing_location_header")
