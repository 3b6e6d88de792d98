"""Error answers become the typed exceptions of one tree (with status, code, message and request id),
transport failures become connection errors, and retries happen below the client."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from pinecone_assistant import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)

from .client_support import ASSISTANT, CHAT, FILE, KEY, MODES, Api, Driver, json_response

pytestmark = pytest.mark.parametrize("mode", MODES)


def envelope(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}, "status": status}


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "INVALID_ARGUMENT", BadRequestError),
        (401, "UNAUTHENTICATED", AuthenticationError),
        (403, "FORBIDDEN", PermissionDeniedError),
        (404, "NOT_FOUND", NotFoundError),
        (409, "ALREADY_EXISTS", ConflictError),
        (422, "UNPROCESSABLE_ENTITY", UnprocessableEntityError),
        (429, "TOO_MANY_REQUESTS", RateLimitError),
        (500, "UNKNOWN", InternalServerError),
        (503, "UNAVAILABLE", InternalServerError),
    ],
)
def test_an_error_status_raises_its_class_with_code_message_and_request_id(
    mode: str, status: int, code: str, cls: type[APIStatusError]
) -> None:
    answer = json_response(
        status, envelope(status, code, "It went wrong."), {"x-pinecone-request-id": "req-7"}
    )
    api = Api({("GET", "/assistant/assistants/demo"): answer})
    with pytest.raises(cls) as info:
        Driver(mode, api)("describe_assistant", "demo")
    error = info.value
    assert (error.status_code, error.code, error.message, error.request_id) == (
        status,
        code,
        "It went wrong.",
        "req-7",
    )
    assert "req-7" in str(error)
    assert error.method == "GET"
    assert error.url == "https://control.test/assistant/assistants/demo"


def test_the_evaluation_error_form_is_read_too(mode: str) -> None:
    api = Api(
        {
            ("POST", "/assistant/evaluation/metrics/alignment"): json_response(
                422, {"message": "ground_truth_answer is too long"}, {"x-request-id": "ev-1"}
            )
        }
    )
    with pytest.raises(UnprocessableEntityError) as info:
        Driver(mode, api)("evaluate_alignment", question="q", answer="a", ground_truth_answer="g")
    assert info.value.message == "ground_truth_answer is too long"
    assert info.value.code is None
    assert info.value.request_id == "ev-1"


def test_the_key_never_appears_in_an_error_even_when_the_server_echoes_it(mode: str) -> None:
    echo = json_response(401, envelope(401, "UNAUTHENTICATED", f"Invalid API key {KEY}."))
    api = Api({("GET", "/assistant/assistants/demo"): echo})
    with pytest.raises(AuthenticationError) as info:
        Driver(mode, api)("describe_assistant", "demo")
    error = info.value
    for text in (str(error), repr(error), repr(error.body), repr(error.headers), repr(error.args)):
        assert KEY not in text
    assert "[REDACTED]" in error.message


def test_a_data_plane_error_maps_the_same_way(mode: str) -> None:
    missing = json_response(404, envelope(404, "NOT_FOUND", "File with id f-9 not found"))
    api = Api({("GET", "/assistant/files/demo/f-9"): missing})
    with pytest.raises(NotFoundError) as info:
        Driver(mode, api)("describe_file", "demo", "f-9")
    assert info.value.url == "https://demo-1a2b.svc.test/assistant/files/demo/f-9"


def test_a_stream_with_an_error_status_raises_when_called_not_when_read(mode: str) -> None:
    api = Api(
        {("POST", "/assistant/chat/demo"): json_response(400, envelope(400, "INVALID_ARGUMENT", "Bad model"))}
    )
    client: Any = Driver(mode, api).client

    def call() -> Any:
        result = client.chat("demo", "q", stream=True)
        return result if mode == "sync" else asyncio.run(result)

    with pytest.raises(BadRequestError, match="Bad model"):
        call()
    assert [r.method for r in api.requests] == ["GET", "POST"]


@pytest.mark.parametrize(
    ("exception", "cls"),
    [
        (httpx.ConnectError("connection refused"), APIConnectionError),
        (httpx.ReadTimeout("read timed out"), APITimeoutError),
    ],
)
def test_transport_failures_become_connection_errors(
    mode: str, exception: httpx.TransportError, cls: type[APIConnectionError]
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exception

    with pytest.raises(cls) as info:
        Driver(mode, fail)("describe_assistant", "demo")
    assert info.value.url == "https://control.test/assistant/assistants/demo"
    assert isinstance(info.value.__cause__, httpx.TransportError)


def test_a_body_that_is_not_json_is_a_response_validation_error(mode: str) -> None:
    api = Api({("GET", "/assistant/assistants/demo"): httpx.Response(200, content=b"<html>gateway</html>")})
    with pytest.raises(APIResponseValidationError) as info:
        Driver(mode, api)("describe_assistant", "demo")
    assert info.value.status_code == 200
    assert "not JSON" in str(info.value)


def test_a_missing_required_field_is_a_response_validation_error_naming_it(mode: str) -> None:
    without_usage = {k: v for k, v in CHAT.items() if k != "usage"}
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, without_usage, {"x-request-id": "r-1"})})
    with pytest.raises(APIResponseValidationError) as info:
        Driver(mode, api)("chat", "demo", "q")
    assert "'usage'" in str(info.value)
    assert info.value.request_id == "r-1"
    assert info.value.body == without_usage


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"finish_reason": 7}, "FinishReason"),
        ({"message": "Foxes eat berries."}, "message must be an object"),
        ({"message": {"role": "assistant"}}, "'content'"),
        ({"citations": {"position": 1}}, "citations must be a list"),
        ({"usage": {"prompt_tokens": 1, "completion_tokens": 2}}, "'total_tokens'"),
    ],
)
def test_a_chat_answer_of_the_wrong_shape_is_refused_when_it_arrives(
    mode: str, change: dict[str, Any], named: str
) -> None:
    broken = {**CHAT, **change}
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, broken)})
    with pytest.raises(APIResponseValidationError, match=named) as info:
        Driver(mode, api)("chat", "demo", "q")
    assert info.value.body == broken


def test_a_malformed_citation_is_refused_when_the_typed_citations_are_first_read(mode: str) -> None:
    broken = {**CHAT, "citations": [{"references": []}]}
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, broken, {"x-request-id": "r-2"})})
    response = Driver(mode, api)("chat", "demo", "q")
    assert response.text == "Foxes eat berries."
    assert response.finish_reason == "stop"
    with pytest.raises(APIResponseValidationError, match="'position'") as info:
        response.citations  # noqa: B018
    assert info.value.request_id == "r-2"
    assert info.value.body == broken


def _busy_then(final: httpx.Response, failures: int, status: int = 429) -> Any:
    answers = [
        json_response(status, envelope(status, "TOO_MANY_REQUESTS", "slow down"), {"retry-after-ms": "1"})
        for _ in range(failures)
    ]
    return [*answers, final]


def test_rate_limits_are_retried_below_the_client(mode: str) -> None:
    api = Api({("GET", "/assistant/assistants/demo"): _busy_then(json_response(200, ASSISTANT), 2)})
    assistant = Driver(mode, api, max_retries=2)("describe_assistant", "demo")
    assert assistant.name == "demo"
    assert len(api.requests) == 3


def test_without_retries_the_rate_limit_error_reaches_the_caller(mode: str) -> None:
    api = Api({("GET", "/assistant/assistants/demo"): _busy_then(json_response(200, ASSISTANT), 2)})
    driver = Driver(mode, api, max_retries=2)
    driver.client = driver.client.with_options(max_retries=0)
    with pytest.raises(RateLimitError):
        driver("describe_assistant", "demo")
    assert len(api.requests) == 1


def test_a_retried_upload_sends_the_same_file_again(mode: str) -> None:
    api = Api({("POST", "/assistant/files/demo"): _busy_then(json_response(200, FILE), 1, status=503)})
    Driver(mode, api, max_retries=1, api_version="2025-10")("upload_file", "demo", b"abc", file_name="a.txt")
    uploads = [r for r in api.requests if r.method == "POST"]
    assert len(uploads) == 2
    assert uploads[0].content == uploads[1].content
    assert b"abc" in uploads[0].content
