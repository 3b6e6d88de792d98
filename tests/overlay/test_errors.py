"""The error tree, status mapping, envelope parsing and secret redaction."""

from __future__ import annotations

import json
import pickle

import httpx
import pytest
from pinecone_assistant import errors
from pinecone_assistant.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AssistantError,
    AuthenticationError,
    BadRequestError,
    ClientValidationError,
    ConflictError,
    ContentFilterFinishReasonError,
    IncompleteStreamError,
    InternalServerError,
    LengthFinishReasonError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    UnprocessableEntityError,
    make_status_error,
)

KEY = "fake_key_SECRET_abc123_should_never_show"


def _response(status: int, body: object = None, *, content: bytes | None = None, headers=None):
    request = httpx.Request(
        "POST",
        "https://prod-1-data.ke.pinecone.io/assistant/chat/demo",
        headers={"Api-Key": KEY, "Authorization": f"Bearer {KEY}"},
    )
    if content is None:
        content = json.dumps(body).encode() if body is not None else b""
    return httpx.Response(status, content=content, headers=headers or {}, request=request)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (599, InternalServerError),
        (402, APIStatusError),
        (412, APIStatusError),
    ],
)
def test_each_status_maps_to_its_exception_class(status, cls):
    err = make_status_error(_response(status, {"error": {"code": "X", "message": "m"}, "status": status}))
    assert type(err) is cls
    assert err.status_code == status
    assert isinstance(err, APIStatusError)
    assert isinstance(err, APIError)
    assert isinstance(err, AssistantError)


def test_envelope_gives_code_message_and_request_id():
    resp = _response(
        404,
        {"error": {"code": "NOT_FOUND", "message": 'Assistant "demo" not found.'}, "status": 404},
        headers={"x-pinecone-request-id": "req-123"},
    )
    err = make_status_error(resp)
    assert err.code == "NOT_FOUND"
    assert err.message == 'Assistant "demo" not found.'
    assert err.request_id == "req-123"
    assert err.body["status"] == 404
    assert str(err) == '404 NOT_FOUND: Assistant "demo" not found. (request id: req-123)'
    assert err.method == "POST"
    assert err.url == "https://prod-1-data.ke.pinecone.io/assistant/chat/demo"


def test_request_id_falls_back_to_x_request_id():
    err = make_status_error(_response(500, {"message": "boom"}, headers={"x-request-id": "abc"}))
    assert err.request_id == "abc"


def test_pinecone_request_id_header_wins_over_x_request_id():
    headers = {"x-request-id": "generic", "x-pinecone-request-id": "specific"}
    assert make_status_error(_response(500, {}, headers=headers)).request_id == "specific"


def test_evaluation_message_form_is_parsed():
    err = make_status_error(_response(422, {"message": "answer is required"}))
    assert isinstance(err, UnprocessableEntityError)
    assert err.code is None
    assert err.message == "answer is required"
    assert str(err) == "422: answer is required"


def test_detail_form_is_parsed():
    assert make_status_error(_response(400, {"detail": "bad thing"})).message == "bad thing"


def test_plain_text_body_is_the_message():
    err = make_status_error(_response(502, content=b"<html>Bad Gateway</html>"))
    assert err.message == "<html>Bad Gateway</html>"
    assert err.body == "<html>Bad Gateway</html>"


def test_long_text_body_is_truncated_in_the_message():
    err = make_status_error(_response(500, content=b"x" * 5000))
    assert len(err.message) < 600
    assert err.message.endswith("...")
    assert len(err.body) == 5000


def test_empty_body_falls_back_to_reason_phrase():
    err = make_status_error(_response(503, content=b""))
    assert err.message == "Service Unavailable"
    assert err.body is None


def test_envelope_with_non_string_fields_does_not_crash():
    err = make_status_error(_response(400, {"error": {"code": 7, "message": None}, "status": 400}))
    assert err.code is None
    assert err.message == "Bad Request"


def test_invalid_utf8_text_body_is_replaced_not_raised():
    err = make_status_error(_response(500, content=b"oops \xff\xfe"))
    assert err.message.startswith("oops")


def test_streamed_response_not_read_gives_reason_phrase_and_explicit_body_is_used():
    request = httpx.Request("GET", "https://x.test/")
    resp = httpx.Response(429, stream=httpx.ByteStream(b'{"message":"slow"}'), request=request)
    assert make_status_error(resp).message == "Too Many Requests"
    assert make_status_error(resp, body=b'{"message":"slow"}').message == "slow"


def test_api_key_is_never_in_message_repr_str_body_or_headers():
    body = {"error": {"code": "UNAUTHENTICATED", "message": f"Invalid API key {KEY}"}, "status": 401}
    resp = _response(401, body, headers={"x-echo": "ok", "set-cookie": "session=s3cr3t"})
    err = make_status_error(resp)
    everything = " ".join(
        [str(err), repr(err), err.message, json.dumps(err.body), json.dumps(err.headers), str(err.args)]
    )
    assert KEY not in everything
    assert "s3cr3t" not in everything
    assert "[REDACTED]" in err.message
    assert err.headers["set-cookie"] == "[REDACTED]"
    assert err.headers["x-echo"] == "ok"
    assert KEY not in repr(pickle.loads(pickle.dumps(err, protocol=5)).__dict__)


def test_redact_headers_covers_api_key_and_authorization_in_any_case():
    red = errors.redact_headers({"API-KEY": KEY, "authorization": "Bearer t", "Accept": "x"})
    assert red == {"API-KEY": "[REDACTED]", "authorization": "[REDACTED]", "Accept": "x"}
    red2 = errors.redact_headers(httpx.Headers({"Api-Key": KEY}).items())
    assert red2 == {"api-key": "[REDACTED]"}


def test_scrub_reaches_into_nested_bodies():
    secrets = errors.secrets_of(httpx.Headers({"Api-Key": KEY}))
    assert errors.scrub({"a": [f"x{KEY}y", {"k": KEY}]}, secrets) == {
        "a": ["x[REDACTED]y", {"k": "[REDACTED]"}]
    }


def test_connection_errors_map_to_connection_and_timeout_classes():
    request = httpx.Request("GET", "https://api.pinecone.io/assistant/assistants", headers={"Api-Key": KEY})
    conn = errors.connection_error_from(httpx.ConnectError(f"refused {KEY}", request=request))
    assert type(conn) is APIConnectionError
    assert KEY not in str(conn)
    assert conn.url == "https://api.pinecone.io/assistant/assistants"
    timeout = errors.connection_error_from(httpx.ReadTimeout("slow", request=request))
    assert isinstance(timeout, APITimeoutError)
    assert isinstance(timeout, APIConnectionError)


def test_userinfo_is_dropped_from_the_url():
    request = httpx.Request("GET", "https://user:pw@x.test/a")
    err = make_status_error(httpx.Response(404, request=request))
    assert err.url == "https://x.test/a"


def test_client_validation_error_is_also_a_value_error():
    with pytest.raises(ValueError, match="content"):
        raise ClientValidationError("message content is empty; give it some text")


def test_stream_errors_share_a_base_and_incomplete_carries_the_partial_answer():
    err = IncompleteStreamError("ended early", partial={"text": "Hel"})
    assert isinstance(err, StreamError)
    assert isinstance(err, APIError)
    assert err.partial == {"text": "Hel"}


def test_finish_reason_errors_carry_the_answer():
    answer = object()
    length = LengthFinishReasonError(answer=answer)
    flt = ContentFilterFinishReasonError(answer=answer)
    assert length.answer is answer
    assert length.finish_reason == "length"
    assert flt.finish_reason == "content_filter"
    assert isinstance(length, errors.FinishReasonError)


def test_errors_survive_pickling_with_their_attributes():
    err = make_status_error(_response(429, {"message": "slow down"}, headers={"x-request-id": "r1"}))
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is RateLimitError
    assert (clone.status_code, clone.message, clone.request_id) == (429, "slow down", "r1")
    assert str(clone) == str(err)
