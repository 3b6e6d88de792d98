"""The error tree at the edges: exact messages, every body form, secrets in odd places, missing requests."""

from __future__ import annotations

import pickle

import httpx
import pytest
from pinecone_assistant import errors
from pinecone_assistant._constants import MAX_ERROR_TEXT
from pinecone_assistant.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ContentFilterFinishReasonError,
    IncompleteStreamError,
    InternalServerError,
    LengthFinishReasonError,
    ProcessingFailedError,
    StreamError,
    WaitTimeoutError,
    connection_error_from,
    make_status_error,
    parse_error_body,
    redact_headers,
    request_id_of,
    scrub,
    secrets_of,
)

TOKEN = "tok_0123456789abcdef"


def test_secrets_are_the_sensitive_values_and_the_bearer_token_alone_longest_first():
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Api-Key": "k", "Accept": "secret-looking", "Cookie": ""}
    assert secrets_of(headers) == (f"Bearer {TOKEN}", TOKEN, "k")
    assert secrets_of(httpx.Headers({"api-key": "abc"})) == ("abc",)


def test_a_short_word_after_a_space_is_not_taken_for_a_token():
    assert secrets_of({"Authorization": "Basic abcdefg"}) == ("Basic abcdefg",)
    assert secrets_of({"Authorization": "Basic abcdefgh"}) == ("Basic abcdefgh", "abcdefgh")


def test_no_headers_means_no_secrets():
    assert secrets_of(None) == ()
    assert secrets_of({}) == ()


def test_scrub_replaces_in_keys_values_and_lists_and_leaves_other_values_alone():
    secrets = ("s3cr3t-value",)
    body = {"s3cr3t-value": ["a s3cr3t-value b", 5, None], "n": 1.5, "t": ("s3cr3t-value",)}
    assert scrub(body, secrets) == {
        "[REDACTED]": ["a [REDACTED] b", 5, None],
        "n": 1.5,
        "t": ("s3cr3t-value",),
    }
    assert scrub("nothing here", secrets) == "nothing here"
    assert scrub("x s3cr3t-value y s3cr3t-value", secrets) == "x [REDACTED] y [REDACTED]"


def test_scrub_without_secrets_returns_the_value_itself():
    body = {"a": ["b"]}
    assert scrub(body, ()) is body


def test_scrub_replaces_the_longer_secret_first():
    assert scrub(f"Bearer {TOKEN}!", (f"Bearer {TOKEN}", TOKEN)) == "[REDACTED]!"


def test_redacting_headers_keeps_their_names_and_order():
    red = redact_headers([("Proxy-Authorization", "p"), ("Set-Cookie", "c"), ("X-Trace", "t")])
    assert list(red.items()) == [
        ("Proxy-Authorization", "[REDACTED]"),
        ("Set-Cookie", "[REDACTED]"),
        ("X-Trace", "t"),
    ]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Pinecone-Request-Id": "p", "X-Request-Id": "g"}, "p"),
        ({"X-Pinecone-Request-Id": "", "X-Request-Id": "g"}, "g"),
        ({"X-REQUEST-ID": "g"}, "g"),
        ({"x-other": "o"}, None),
        (httpx.Headers({"X-Pinecone-Request-Id": "h"}), "h"),
    ],
)
def test_the_request_id_is_read_case_insensitively_and_empty_values_are_skipped(headers, expected):
    assert request_id_of(headers) == expected


# --------------------------------------------------------------------------- body forms


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": {"code": "C", "message": "m"}}, ("C", "m")),
        ({"error": {"code": 3, "message": ["m"]}}, (None, None)),
        ({"error": "plain"}, (None, "plain")),
        ({"error": 5, "message": "fallback"}, (None, "fallback")),
        ({"message": 1, "detail": "d"}, (None, "d")),
        ({"description": "desc"}, (None, "desc")),
        ({"message": "first", "detail": "second"}, (None, "first")),
        ({"other": "x"}, (None, None)),
        ("  padded text \n", (None, "padded text")),
        ("   ", (None, None)),
        (["a list"], (None, None)),
        (None, (None, None)),
    ],
)
def test_error_bodies_give_code_and_message(body, expected):
    assert parse_error_body(body) == expected


def test_a_text_body_is_cut_after_the_limit_only():
    exact = "y" * MAX_ERROR_TEXT
    assert parse_error_body(exact) == (None, exact)
    assert parse_error_body(exact + "z") == (None, exact + "...")


def _request(**headers: str) -> httpx.Request:
    return httpx.Request("PATCH", "https://me:pw@api.test/assistant/x?q=1", headers=headers)


def test_a_status_error_from_a_response_carries_everything_with_secrets_scrubbed():
    request = _request(**{"Api-Key": "key-1234567890"})
    response = httpx.Response(
        409,
        content=b'{"error":{"code":"ALREADY_EXISTS","message":"key-1234567890 exists"}}',
        headers={"x-request-id": "r-1", "set-cookie": "a=b"},
        request=request,
    )
    err = make_status_error(response)
    assert type(err).__name__ == "ConflictError"
    assert (err.status_code, err.code, err.message, err.request_id) == (
        409,
        "ALREADY_EXISTS",
        "[REDACTED] exists",
        "r-1",
    )
    assert err.body == {"error": {"code": "ALREADY_EXISTS", "message": "[REDACTED] exists"}}
    assert err.headers["set-cookie"] == "[REDACTED]"
    assert err.headers["x-request-id"] == "r-1"
    assert (err.method, err.url) == ("PATCH", "https://api.test/assistant/x?q=1")
    assert str(err) == "409 ALREADY_EXISTS: [REDACTED] exists (request id: r-1)"
    assert repr(err) == (
        "ConflictError(status_code=409, code='ALREADY_EXISTS', message='[REDACTED] exists', request_id='r-1')"
    )


def test_a_status_error_without_a_request_has_no_method_or_url():
    err = make_status_error(httpx.Response(500, content=b"down"))
    assert type(err) is InternalServerError
    assert (err.method, err.url, err.message, err.body) == (None, None, "down", "down")


def test_a_status_without_a_reason_phrase_or_body_is_named_by_its_number():
    err = make_status_error(httpx.Response(599, request=_request()))
    assert err.message == "HTTP 599"
    assert str(err) == "599: HTTP 599"


def test_an_explicit_body_wins_over_the_read_content():
    response = httpx.Response(400, content=b'{"message":"read"}', request=_request())
    assert make_status_error(response, body=b'{"message":"given"}').message == "given"
    assert make_status_error(response).message == "read"


def test_a_non_json_error_body_is_kept_as_text_with_invalid_bytes_replaced():
    err = make_status_error(httpx.Response(502, content=b"bad \xff gateway", request=_request()))
    assert err.body == "bad \ufffd gateway"
    assert err.message == "bad \ufffd gateway"


def test_status_classes_cover_every_status():
    assert errors.status_error_class(499) is APIStatusError
    assert errors.status_error_class(500) is InternalServerError
    assert errors.status_error_class(404).__name__ == "NotFoundError"
    assert errors.status_error_class(418) is APIStatusError


def test_a_status_error_without_code_or_request_id_prints_status_and_message():
    err = APIStatusError("gone", status_code=410)
    assert str(err) == "410: gone"
    assert repr(err) == "APIStatusError(status_code=410, code=None, message='gone', request_id=None)"
    assert err.headers == {}
    assert err.body is None


# --------------------------------------------------------------------------- transport failures


def test_a_connection_failure_says_what_happened_without_the_secret_or_userinfo():
    request = _request(**{"Api-Key": "key-abcdefghij"})
    err = connection_error_from(httpx.ConnectError("refused key-abcdefghij", request=request))
    assert type(err) is APIConnectionError
    assert err.message == "Connection error: refused [REDACTED]"
    assert (err.method, err.url) == ("PATCH", "https://api.test/assistant/x?q=1")


def test_a_timeout_says_so_and_an_empty_reason_is_named_by_its_type():
    request = _request()
    err = connection_error_from(httpx.ReadTimeout("", request=request))
    assert type(err) is APITimeoutError
    assert err.message == "Request timed out: ReadTimeout"
    err2 = connection_error_from(httpx.ConnectTimeout("too slow", request=request))
    assert err2.message == "Request timed out: too slow"


def test_a_transport_failure_without_a_request_has_no_method_or_url():
    err = connection_error_from(httpx.RemoteProtocolError("peer closed"))
    assert (err.message, err.method, err.url) == ("Connection error: peer closed", None, None)


def test_connection_errors_have_default_messages():
    assert APIConnectionError().message == "Connection error."
    assert str(APITimeoutError()) == "Request timed out."
    assert APITimeoutError(method="GET", url="u").url == "u"
    assert APIConnectionError(method="GET", url="u").method == "GET"


# --------------------------------------------------------------------------- the other errors


def test_plain_errors_keep_their_message_and_details():
    err = APIError("m", body={"b": 1}, method="GET", url="u")
    assert (str(err), repr(err), err.body, err.method, err.url) == (
        "m",
        "APIError('m')",
        {"b": 1},
        "GET",
        "u",
    )
    val = APIResponseValidationError("v", status_code=200, request_id="r", body="x", method="POST", url="w")
    assert (val.status_code, val.request_id, val.body, val.method, val.url) == (200, "r", "x", "POST", "w")
    stream = StreamError("s", code="c", request_id="r", body=[1], method="POST", url="w")
    assert (stream.code, stream.request_id, stream.body, stream.method, stream.url) == (
        "c",
        "r",
        [1],
        "POST",
        "w",
    )
    incomplete = IncompleteStreamError("i", partial="p", request_id="r")
    assert (str(incomplete), incomplete.partial, incomplete.request_id, incomplete.code) == (
        "i",
        "p",
        "r",
        None,
    )


def test_waiting_errors_keep_the_resource_and_the_reason():
    failed = ProcessingFailedError("f", resource="res", status="ProcessingFailed", error_message="bad pdf")
    assert (str(failed), failed.resource, failed.status, failed.error_message) == (
        "f",
        "res",
        "ProcessingFailed",
        "bad pdf",
    )
    waited = WaitTimeoutError("w", resource="res")
    assert (str(waited), waited.resource) == ("w", "res")
    assert isinstance(waited, TimeoutError)


def test_finish_reason_errors_explain_what_to_do():
    length = LengthFinishReasonError(answer="a")
    assert str(length) == (
        "The answer was cut off at the length limit (finish_reason 'length'); it is incomplete. "
        "Ask a narrower question or continue the conversation; the partial answer is on `.answer`."
    )
    flt = ContentFilterFinishReasonError(answer="a")
    assert str(flt) == (
        "The answer was stopped by the content filter (finish_reason 'content_filter'). "
        "The partial answer and its content_filter_results are on `.answer`."
    )
    assert flt.answer == "a"


@pytest.mark.parametrize(
    "err",
    [
        ProcessingFailedError("f", resource={"r": 1}, status="Failed", error_message=None),
        WaitTimeoutError("w", resource=[1]),
        IncompleteStreamError("i", partial="p", request_id="r"),
        APIConnectionError(method="GET", url="u"),
    ],
)
def test_every_error_pickles_with_its_type_message_and_attributes(err):
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is type(err)
    assert clone.args == err.args
    assert clone.__dict__ == err.__dict__


def test_everything_after_the_scheme_counts_as_the_token():
    assert secrets_of({"Authorization": "Custom part-one part-two"}) == (
        "Custom part-one part-two",
        "part-one part-two",
    )


def test_timeouts_keep_the_method_and_url_of_the_request():
    err = connection_error_from(httpx.ReadTimeout("slow", request=_request()))
    assert (err.method, err.url) == ("PATCH", "https://api.test/assistant/x?q=1")
    direct = APITimeoutError("t", method="GET", url="u")
    assert (direct.message, direct.method, direct.url) == ("t", "GET", "u")


def test_a_response_validation_error_keeps_its_message():
    err = APIResponseValidationError("field 'id' is missing", status_code=200)
    assert (str(err), err.message) == ("field 'id' is missing", "field 'id' is missing")
