"""The retry policy at the edges: exact messages, header forms, clamping, logging and the async twin."""

from __future__ import annotations

import email.utils
import io
import logging
import re

import httpx
import pytest
from pinecone_assistant.retries import (
    AsyncRetryTransport,
    RetryPolicy,
    RetryTransport,
    compute_delay,
    is_retryable_error,
    parse_retry_after,
    policy_for,
)

NOW = 1_800_000_000.0


# --------------------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"max_retries": None}, TypeError, "max_retries=None is not allowed: pass 0 to disable retries, "),
        ({"max_retries": True}, TypeError, "max_retries must be an int >= 0, got True"),
        ({"max_retries": 1.0}, TypeError, "max_retries must be an int >= 0, got 1.0"),
        ({"max_retries": -1}, ValueError, "max_retries must be >= 0 (0 disables retries), got -1"),
        ({"initial_delay": False}, TypeError, "initial_delay must be a number of seconds, got False"),
        ({"max_delay": "8"}, TypeError, "max_delay must be a number of seconds, got '8'"),
        (
            {"max_retry_after": -0.5},
            ValueError,
            "max_retry_after must be a finite number of seconds >= 0, got -0.5",
        ),
        (
            {"max_delay": float("inf")},
            ValueError,
            "max_delay must be a finite number of seconds >= 0, got inf",
        ),
        ({"initial_delay": 3, "max_delay": 2}, ValueError, "initial_delay (3) must not exceed max_delay (2)"),
    ],
)
def test_a_bad_policy_is_rejected_with_an_exact_message(kwargs, error, message):
    with pytest.raises(error) as info:
        RetryPolicy(**kwargs)
    assert str(info.value).startswith(message)


def test_the_none_message_says_how_to_fix_it():
    with pytest.raises(TypeError) as info:
        RetryPolicy(max_retries=None)  # type: ignore[arg-type]
    assert str(info.value) == (
        "max_retries=None is not allowed: pass 0 to disable retries, "
        "or a positive integer for the number of retries after the first attempt"
    )


def test_edge_values_are_accepted():
    policy = RetryPolicy(max_retries=0, initial_delay=2, max_delay=2, max_retry_after=0)
    assert (policy.max_retries, policy.initial_delay, policy.max_delay, policy.max_retry_after) == (
        0,
        2,
        2,
        0,
    )
    assert RetryPolicy(initial_delay=0, max_delay=0).max_delay == 0


def test_retry_statuses_are_kept_as_a_frozenset():
    policy = RetryPolicy(retry_statuses=[503, 503, 429])  # type: ignore[arg-type]
    assert policy.retry_statuses == frozenset({429, 503})
    assert isinstance(policy.retry_statuses, frozenset)


def test_the_cap_is_the_longer_of_backoff_and_retry_after_limits():
    assert RetryPolicy(max_delay=8, max_retry_after=60).cap == 60
    assert RetryPolicy(max_delay=8, max_retry_after=3).cap == 8


def test_policy_for_takes_the_request_extension_or_the_default():
    default = RetryPolicy()
    own = RetryPolicy(max_retries=5)
    assert policy_for(httpx.Request("GET", "http://t/"), default) is default
    assert policy_for(httpx.Request("GET", "http://t/", extensions={"retry_policy": own}), default) is own
    with pytest.raises(TypeError) as info:
        policy_for(httpx.Request("GET", "http://t/", extensions={"retry_policy": "twice"}), default)
    assert str(info.value) == "request.extensions['retry_policy'] must be a RetryPolicy, got str"


# --------------------------------------------------------------------------- Retry-After


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After-Ms": "1500"}, 1.5),
        ({"retry-after-ms": " 250 ", "retry-after": "9"}, 0.25),
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after-ms": "nan", "retry-after": "4"}, 4.0),
        ({"retry-after-ms": "-20"}, 0.0),
        ({"Retry-After": "-3"}, 0.0),
        ({"retry-after": " 2.5 "}, 2.5),
        ({"retry-after": "inf"}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "later"}, None),
        ({"other": "1"}, None),
    ],
)
def test_retry_after_headers_are_read_in_every_form(headers, expected):
    assert parse_retry_after(headers, now=NOW) == expected


def test_an_http_date_is_counted_from_now_and_never_negative():
    date = email.utils.formatdate(NOW + 30, usegmt=True)
    assert parse_retry_after({"retry-after": f" {date} "}, now=NOW) == 30.0
    assert parse_retry_after(httpx.Headers({"Retry-After": date}), now=NOW + 100) == 0.0


def test_an_http_date_without_a_time_zone_is_unreadable():
    assert parse_retry_after({"retry-after": "Wed, 15 Jan 2027 08:00:00 -0000"}, now=NOW) is None


# --------------------------------------------------------------------------- delays


def test_backoff_doubles_from_the_initial_delay_up_to_the_maximum():
    policy = RetryPolicy(initial_delay=0.5, max_delay=8)
    assert [compute_delay(n, policy, rng=lambda: 0.0) for n in range(7)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        8.0,
        8.0,
    ]


def test_a_negative_attempt_counts_as_the_first_and_a_huge_one_stays_capped():
    policy = RetryPolicy(initial_delay=1, max_delay=8)
    assert compute_delay(-3, policy, rng=lambda: 0.0) == 1.0
    assert compute_delay(10_000, policy, rng=lambda: 0.0) == 8.0


@pytest.mark.parametrize(
    ("draw", "factor"), [(0.0, 1.0), (1.0, 0.75), (0.5, 0.875), (-5.0, 1.0), (7.0, 0.75)]
)
def test_jitter_takes_off_at_most_a_quarter(draw, factor):
    assert compute_delay(0, RetryPolicy(initial_delay=2, max_delay=8), rng=lambda: draw) == 2 * factor


def test_retry_after_up_to_the_limit_is_waited_exactly_and_beyond_it_not_at_all():
    policy = RetryPolicy(max_retry_after=10)
    assert compute_delay(0, policy, {"retry-after": "10"}) == 10.0
    assert compute_delay(0, policy, {"retry-after": "10.5"}) is None
    assert compute_delay(5, policy, {"retry-after": "0"}) == 0.0


def test_an_http_date_retry_after_uses_the_given_now():
    date = email.utils.formatdate(NOW + 7, usegmt=True)
    assert compute_delay(0, RetryPolicy(), {"retry-after": date}, now=NOW) == 7.0


def test_unreadable_or_empty_headers_fall_back_to_backoff():
    policy = RetryPolicy(initial_delay=1, max_delay=8)
    assert compute_delay(1, policy, {}, rng=lambda: 0.0) == 2.0
    assert compute_delay(1, policy, {"retry-after": "soon"}, rng=lambda: 0.0) == 2.0


def test_only_network_failures_are_retryable():
    assert is_retryable_error(httpx.ConnectError("x"))
    assert is_retryable_error(httpx.ReadTimeout("x"))
    assert is_retryable_error(httpx.RemoteProtocolError("x"))
    assert not is_retryable_error(httpx.UnsupportedProtocol("x"))
    assert not is_retryable_error(ValueError("x"))


# --------------------------------------------------------------------------- the transports


class Script:
    """A transport handler answering from a list (the last entry repeats); exceptions are raised."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        request.read()
        reply = self.replies[min(len(self.requests) - 1, len(self.replies) - 1)]
        if isinstance(reply, Exception):
            raise reply
        return reply


def _messages(caplog) -> list[str]:
    """The log lines, with the measured milliseconds of each attempt replaced by ``N``."""
    return [re.sub(r", \d+\.\d ms\)$", ", N ms)", r.getMessage()) for r in caplog.records]


# Each attempt (its status or failure, the request id, the attempt number) and each retry (the URL
# without its query, the delay, the retry count and the reason) is one INFO line.
LOGGED_RETRIES = [
    "GET /a -> 503 (request id -, attempt 1, N ms)",
    "Retrying GET http://api.test/a in 0.50s (retry 1 of 2) after HTTP 503",
    "GET /a -> ConnectError (request id -, attempt 2, N ms)",
    "Retrying GET http://api.test/a in 1.00s (retry 2 of 2) after ConnectError",
    "GET /a -> 200 (request id rid-7, attempt 3, N ms)",
]


def test_attempts_and_retries_are_logged_with_method_path_status_request_id_delay_and_reason(caplog):
    script = Script(
        httpx.Response(503),
        httpx.ConnectError("refused"),
        httpx.Response(200, headers={"x-pinecone-request-id": "rid-7"}),
    )
    sleeps: list[float] = []
    transport = RetryTransport(
        httpx.MockTransport(script), RetryPolicy(max_retries=2), sleep=sleeps.append, rng=lambda: 0.0
    )
    with (
        caplog.at_level(logging.INFO, logger="pinecone_assistant"),
        httpx.Client(transport=transport) as client,
    ):
        assert client.get("http://api.test/a?secret=1").status_code == 200
    assert _messages(caplog) == LOGGED_RETRIES
    assert sleeps == [0.5, 1.0]


def test_nothing_is_logged_below_info(caplog):
    script = Script(httpx.Response(503), httpx.Response(200))
    transport = RetryTransport(httpx.MockTransport(script), sleep=lambda s: None)
    with (
        caplog.at_level(logging.WARNING, logger="pinecone_assistant"),
        httpx.Client(transport=transport) as client,
    ):
        client.get("http://api.test/a")
    assert caplog.records == []


def test_the_clock_times_an_http_date_retry_after():
    date = email.utils.formatdate(NOW + 3, usegmt=True)
    script = Script(httpx.Response(429, headers={"retry-after": date}), httpx.Response(200))
    sleeps: list[float] = []
    transport = RetryTransport(httpx.MockTransport(script), sleep=sleeps.append, clock=lambda: NOW)
    with httpx.Client(transport=transport) as client:
        assert client.get("http://api.test/").status_code == 200
    assert sleeps == [3.0]


def test_a_retried_response_is_closed_even_when_its_body_breaks():
    class Broken(httpx.SyncByteStream):
        closed = False

        def __iter__(self):
            raise httpx.ReadError("reset")
            yield b""

        def close(self):
            Broken.closed = True

    script = Script(httpx.Response(503, stream=Broken()), httpx.Response(200))
    transport = RetryTransport(httpx.MockTransport(script), sleep=lambda s: None)
    with httpx.Client(transport=transport) as client:
        assert client.get("http://api.test/").status_code == 200
    assert Broken.closed


def test_a_custom_status_list_decides_what_is_retried():
    script = Script(httpx.Response(418), httpx.Response(503), httpx.Response(200))
    policy = RetryPolicy(retry_statuses=frozenset({418}))
    transport = RetryTransport(httpx.MockTransport(script), policy, sleep=lambda s: None)
    with httpx.Client(transport=transport) as client:
        assert client.get("http://api.test/").status_code == 503
    assert len(script.requests) == 2


def test_a_multipart_body_with_a_pipe_like_file_is_sent_once():
    class OneShot(io.RawIOBase):
        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, b):
            return 0

    script = Script(httpx.Response(503), httpx.Response(200))
    transport = RetryTransport(httpx.MockTransport(script), sleep=lambda s: None)
    with httpx.Client(transport=transport) as client:
        response = client.post("http://api.test/", files={"file": ("f.txt", OneShot())})
    assert response.status_code == 503
    assert len(script.requests) == 1


def test_a_multipart_body_of_bytes_and_text_fields_is_resent():
    script = Script(httpx.Response(503), httpx.Response(200))
    transport = RetryTransport(httpx.MockTransport(script), sleep=lambda s: None)
    with httpx.Client(transport=transport) as client:
        response = client.post("http://api.test/", files={"file": ("f.txt", b"abc")}, data={"k": "v"})
    assert response.status_code == 200
    assert len(script.requests) == 2
    assert script.requests[0].content == script.requests[1].content


@pytest.mark.parametrize("cls", [RetryTransport, AsyncRetryTransport])
def test_a_transport_wants_a_retry_policy(cls):
    with pytest.raises(TypeError) as info:
        cls(None, {"max_retries": 2})  # type: ignore[arg-type]
    assert str(info.value) == "policy must be a RetryPolicy, got dict"


def test_the_default_transports_are_httpx_ones_and_closing_reaches_them():
    assert isinstance(RetryTransport().transport, httpx.HTTPTransport)
    assert isinstance(AsyncRetryTransport().transport, httpx.AsyncHTTPTransport)
    closed: list[str] = []

    class Inner(httpx.BaseTransport):
        def close(self):
            closed.append("sync")

    RetryTransport(Inner()).close()
    assert closed == ["sync"]


@pytest.mark.anyio
async def test_async_closing_reaches_the_wrapped_transport():
    closed: list[str] = []

    class Inner(httpx.AsyncBaseTransport):
        async def aclose(self):
            closed.append("async")

    await AsyncRetryTransport(Inner()).aclose()
    assert closed == ["async"]


@pytest.mark.anyio
async def test_the_async_transport_retries_logs_and_waits_like_the_sync_one(caplog):
    script = Script(
        httpx.Response(503),
        httpx.ConnectError("refused"),
        httpx.Response(200, headers={"x-pinecone-request-id": "rid-7"}),
    )
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = AsyncRetryTransport(
        httpx.MockTransport(script), RetryPolicy(max_retries=2), sleep=sleep, rng=lambda: 0.0
    )
    with caplog.at_level(logging.INFO, logger="pinecone_assistant"):
        async with httpx.AsyncClient(transport=transport) as client:
            assert (await client.get("http://api.test/a?q=1")).status_code == 200
    assert _messages(caplog) == LOGGED_RETRIES
    assert sleeps == [0.5, 1.0]


@pytest.mark.anyio
async def test_the_async_transport_honours_retry_after_limits_and_the_clock():
    date = email.utils.formatdate(NOW + 4, usegmt=True)
    script = Script(
        httpx.Response(429, headers={"retry-after": date}),
        httpx.Response(429, headers={"retry-after": "999"}),
    )
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = AsyncRetryTransport(httpx.MockTransport(script), sleep=sleep, clock=lambda: NOW)
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get("http://api.test/")).status_code == 429
    assert sleeps == [4.0]
    assert len(script.requests) == 2


@pytest.mark.anyio
async def test_the_async_transport_gives_up_after_max_retries_and_sends_one_shot_bodies_once():
    script = Script(httpx.Response(500))
    transport = AsyncRetryTransport(httpx.MockTransport(script), RetryPolicy(max_retries=1), sleep=_no_sleep)
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get("http://api.test/")).status_code == 500
        assert len(script.requests) == 2

        async def body():
            yield b"once"

        assert (await client.post("http://api.test/", content=body())).status_code == 500
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_the_async_transport_does_not_retry_client_errors_or_other_exceptions():
    script = Script(httpx.Response(404))
    transport = AsyncRetryTransport(httpx.MockTransport(script), sleep=_no_sleep)
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get("http://api.test/")).status_code == 404
    assert len(script.requests) == 1
    failing = Script(httpx.UnsupportedProtocol("ftp"))
    transport2 = AsyncRetryTransport(httpx.MockTransport(failing), sleep=_no_sleep)
    async with httpx.AsyncClient(transport=transport2) as client:
        with pytest.raises(httpx.UnsupportedProtocol):
            await client.get("http://api.test/")
    assert len(failing.requests) == 1


async def _no_sleep(seconds: float) -> None:
    return None
