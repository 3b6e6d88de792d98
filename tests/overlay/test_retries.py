"""The retry policy: delay computation, the transport wrappers, and behaviour against a loopback server."""

from __future__ import annotations

import email.utils
import io
import math

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pinecone_assistant.retries import (
    AsyncRetryTransport,
    RetryPolicy,
    RetryTransport,
    compute_delay,
    parse_retry_after,
)

from .servers import Reply, scripted_server

NOW = 1_800_000_000.0  # a fixed "current time" for HTTP-date arithmetic

policies = st.builds(
    RetryPolicy,
    max_retries=st.integers(0, 10),
    initial_delay=st.floats(0, 5),
    max_delay=st.floats(5, 30),
    max_retry_after=st.floats(0, 120),
)
unit = st.floats(0, 1, exclude_max=True)


# --------------------------------------------------------------------------- policy


def test_max_retries_none_is_rejected_with_a_helpful_message():
    with pytest.raises(TypeError, match="pass 0 to disable retries"):
        RetryPolicy(max_retries=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_max_retries_must_be_a_non_negative_int(bad):
    with pytest.raises((TypeError, ValueError), match="max_retries"):
        RetryPolicy(max_retries=bad)


@pytest.mark.parametrize("field", ["initial_delay", "max_delay", "max_retry_after"])
@pytest.mark.parametrize("bad", [-1.0, math.inf, math.nan])
def test_delays_must_be_finite_and_non_negative(field, bad):
    with pytest.raises(ValueError, match=field):
        RetryPolicy(**{field: bad})


def test_initial_delay_above_max_delay_is_rejected():
    with pytest.raises(ValueError, match="must not exceed max_delay"):
        RetryPolicy(initial_delay=10, max_delay=1)


def test_defaults_match_the_documented_policy():
    policy = RetryPolicy()
    assert (policy.max_retries, policy.initial_delay, policy.max_delay, policy.max_retry_after) == (
        2,
        0.5,
        8.0,
        60.0,
    )
    assert {408, 409, 429, 500, 502, 503, 504, 599} <= policy.retry_statuses
    assert not {400, 401, 403, 404, 422} & policy.retry_statuses


def test_replace_gives_a_validated_copy():
    assert RetryPolicy().replace(max_retries=5).max_retries == 5
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy().replace(max_retries=-3)


# --------------------------------------------------------------------------- compute_delay


@settings(max_examples=100, deadline=None)
@given(attempt=st.integers(0, 10_000), policy=policies, r=unit)
def test_backoff_without_retry_after_is_capped_and_jittered(attempt, policy, r):
    delay = compute_delay(attempt, policy, None, lambda: r)
    base = min(policy.initial_delay * 2.0 ** min(attempt, 64), policy.max_delay)
    assert delay is not None
    assert 0 <= delay <= policy.cap
    assert 0.75 * base - 1e-9 <= delay <= base + 1e-9


@settings(max_examples=100, deadline=None)
@given(attempt=st.integers(0, 20), policy=policies, r=unit, seconds=st.floats(0, 500))
def test_retry_after_seconds_is_honoured_up_to_the_cap(attempt, policy, r, seconds):
    delay = compute_delay(attempt, policy, {"Retry-After": repr(seconds)}, lambda: r)
    if seconds <= policy.max_retry_after:
        assert delay == seconds
        assert 0 <= delay <= policy.cap
    else:
        assert delay is None


@settings(max_examples=100, deadline=None)
@given(policy=policies, ms=st.integers(0, 500_000))
def test_retry_after_ms_is_honoured_and_preferred(policy, ms):
    headers = {"retry-after-ms": str(ms), "retry-after": "1"}
    delay = compute_delay(0, policy, headers, lambda: 0.5)
    if ms / 1000 <= policy.max_retry_after:
        assert delay == pytest.approx(ms / 1000)
    else:
        assert delay is None


@settings(max_examples=100, deadline=None)
@given(policy=policies, seconds=st.integers(-100, 500))
def test_retry_after_http_date_is_relative_to_now(policy, seconds):
    date = email.utils.formatdate(NOW + seconds, usegmt=True)
    delay = compute_delay(0, policy, {"Retry-After": date}, lambda: 0.5, now=NOW)
    expected = max(seconds, 0)
    if expected <= policy.max_retry_after:
        assert delay == pytest.approx(expected)
    else:
        assert delay is None


@settings(max_examples=100, deadline=None)
@given(attempt=st.integers(0, 50), policy=policies, junk=st.text(max_size=20))
def test_unreadable_retry_after_falls_back_to_backoff(attempt, policy, junk):
    headers = {"Retry-After": junk}
    if parse_retry_after(headers, NOW) is not None:
        return  # the text happened to be a valid value
    delay = compute_delay(attempt, policy, headers, lambda: 0.0)
    assert delay == min(policy.initial_delay * 2.0**attempt, policy.max_delay)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "3"}, 3.0),
        ({"Retry-After": " 2.5 "}, 2.5),
        ({"Retry-After": "-4"}, 0.0),
        ({"Retry-After": "inf"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "soon"}, None),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "bad", "retry-after": "2"}, 2.0),
        ({"Retry-After": email.utils.formatdate(NOW + 30, usegmt=True)}, 30.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00"}, None),  # no zone: not a valid HTTP date
    ],
)
def test_parse_retry_after_forms(headers, expected):
    assert parse_retry_after(headers, NOW) == expected


# --------------------------------------------------------------------------- transport (in memory)


class Recorder:
    def __init__(self, replies):
        self.replies = list(replies)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        reply = self.replies[min(self.calls - 1, len(self.replies) - 1)]
        if isinstance(reply, Exception):
            raise reply
        return reply


def _client(handler, policy=None, sleeps=None):
    policy = RetryPolicy() if policy is None else policy
    sleeps = [] if sleeps is None else sleeps
    transport = RetryTransport(httpx.MockTransport(handler), policy, sleep=sleeps.append, rng=lambda: 0.0)
    return httpx.Client(transport=transport, base_url="http://test")


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_until_success(status):
    rec = Recorder([httpx.Response(status), httpx.Response(status), httpx.Response(200, text="ok")])
    sleeps: list[float] = []
    with _client(rec, sleeps=sleeps) as client:
        assert client.post("/x", json={"a": 1}).text == "ok"
    assert rec.calls == 3
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(status):
    rec = Recorder([httpx.Response(status)])
    sleeps: list[float] = []
    with _client(rec, sleeps=sleeps) as client:
        assert client.get("/x").status_code == status
    assert rec.calls == 1
    assert sleeps == []


def test_retries_stop_after_max_retries_and_return_the_last_response():
    rec = Recorder([httpx.Response(503)])
    with _client(rec, RetryPolicy(max_retries=3)) as client:
        assert client.get("/x").status_code == 503
    assert rec.calls == 4


def test_max_retries_zero_disables_retrying():
    rec = Recorder([httpx.Response(429), httpx.Response(200)])
    with _client(rec, RetryPolicy(max_retries=0)) as client:
        assert client.get("/x").status_code == 429
    assert rec.calls == 1


def test_retry_after_over_the_cap_is_not_waited_for():
    rec = Recorder([httpx.Response(429, headers={"Retry-After": "3600"}), httpx.Response(200)])
    sleeps: list[float] = []
    with _client(rec, sleeps=sleeps) as client:
        assert client.get("/x").status_code == 429
    assert rec.calls == 1
    assert sleeps == []


def test_connection_errors_are_retried_then_raised():
    rec = Recorder([httpx.ConnectError("refused")])
    sleeps: list[float] = []
    with _client(rec, sleeps=sleeps) as client, pytest.raises(httpx.ConnectError):
        client.get("/x")
    assert rec.calls == 3
    assert len(sleeps) == 2


def test_timeouts_are_retried_and_can_recover():
    rec = Recorder([httpx.ReadTimeout("slow"), httpx.Response(200)])
    with _client(rec) as client:
        assert client.get("/x").status_code == 200
    assert rec.calls == 2


def test_non_network_errors_are_not_retried():
    rec = Recorder([httpx.UnsupportedProtocol("ftp?")])
    with _client(rec) as client, pytest.raises(httpx.UnsupportedProtocol):
        client.get("/x")
    assert rec.calls == 1


def test_per_request_policy_overrides_the_client_policy():
    rec = Recorder([httpx.Response(503)])
    with _client(rec, RetryPolicy(max_retries=0)) as client:
        request = client.build_request("GET", "/x", extensions={"retry_policy": RetryPolicy(max_retries=4)})
        assert client.send(request).status_code == 503
    assert rec.calls == 5


def test_a_per_request_policy_of_the_wrong_type_is_rejected():
    with _client(Recorder([httpx.Response(200)])) as client:
        request = client.build_request("GET", "/x", extensions={"retry_policy": 3})
        with pytest.raises(TypeError, match="must be a RetryPolicy"):
            client.send(request)


def test_json_body_is_resent_identically():
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return httpx.Response(503 if len(bodies) < 2 else 200)

    with _client(handler) as client:
        client.post("/x", json={"messages": [{"role": "user", "content": "hi"}]})
    assert len(bodies) == 2
    assert bodies[0] == bodies[1] != b""


def test_multipart_upload_with_a_seekable_file_is_resent_whole():
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return httpx.Response(500 if len(bodies) < 2 else 200)

    with _client(handler) as client:
        client.post("/files", files={"file": ("a.txt", io.BytesIO(b"hello world" * 100))})
    assert len(bodies) == 2
    assert bodies[0].count(b"hello world") == bodies[1].count(b"hello world") == 100


class BrokenBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self):
        self.closed = False

    def __iter__(self):
        yield b"partial"
        raise httpx.ReadError("reset while reading the error body")

    async def __aiter__(self):
        yield b"partial"
        raise httpx.ReadError("reset while reading the error body")

    def close(self):
        self.closed = True

    async def aclose(self):
        self.closed = True


def test_a_retryable_response_whose_body_breaks_is_still_retried_and_closed():
    body = BrokenBody()
    rec = Recorder([httpx.Response(503, stream=body), httpx.Response(200)])
    with _client(rec) as client:
        assert client.get("/x").status_code == 200
    assert rec.calls == 2
    assert body.closed


@pytest.mark.anyio
async def test_async_retryable_response_whose_body_breaks_is_still_retried_and_closed():
    body = BrokenBody()
    rec = Recorder([httpx.Response(503, stream=body), httpx.Response(200)])

    async def fake_sleep(seconds: float) -> None:
        pass

    transport = AsyncRetryTransport(httpx.MockTransport(rec), sleep=fake_sleep)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/x")).status_code == 200
    assert rec.calls == 2
    assert body.closed


def test_one_shot_streaming_body_is_not_retried():
    rec = Recorder([httpx.Response(503), httpx.Response(200)])

    def body():
        yield b"part"

    with _client(rec) as client:
        assert client.post("/x", content=body()).status_code == 503
    assert rec.calls == 1


def test_policy_must_be_a_retry_policy():
    with pytest.raises(TypeError, match="RetryPolicy"):
        RetryTransport(httpx.MockTransport(lambda r: httpx.Response(200)), 2)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_async_transport_retries_with_the_same_policy():
    rec = Recorder([httpx.Response(429, headers={"retry-after-ms": "1200"}), httpx.Response(200, text="ok")])
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = AsyncRetryTransport(httpx.MockTransport(rec), sleep=fake_sleep, rng=lambda: 0.0)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/x", json={})
    assert response.text == "ok"
    assert rec.calls == 2
    assert sleeps == [1.2]


@pytest.mark.anyio
async def test_async_connection_errors_are_retried_then_raised():
    rec = Recorder([httpx.ConnectError("refused")])
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    transport = AsyncRetryTransport(
        httpx.MockTransport(rec), RetryPolicy(max_retries=1), sleep=fake_sleep, rng=lambda: 0.0
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/x")
    assert rec.calls == 2
    assert sleeps == [0.5]


# --------------------------------------------------------------------------- against a loopback server


def test_loopback_server_each_retry_after_form_is_honoured():
    date = email.utils.formatdate(NOW + 7, usegmt=True)
    replies = [
        Reply(
            429, {"Retry-After": "2"}, b'{"error":{"code":"TOO_MANY_REQUESTS","message":"slow"},"status":429}'
        ),
        Reply(503, {"retry-after-ms": "1500"}, b"unavailable"),
        Reply(429, {"Retry-After": date}, b"{}"),
        Reply(200, {"Content-Type": "application/json"}, b'{"ok":true}'),
    ]
    sleeps: list[float] = []
    transport = RetryTransport(
        httpx.HTTPTransport(), RetryPolicy(max_retries=3), sleep=sleeps.append, clock=lambda: NOW
    )
    with scripted_server(replies) as server, httpx.Client(transport=transport) as client:
        response = client.post(f"{server.url}/chat/demo", json={"messages": []})
        assert response.json() == {"ok": True}
        assert len(server.requests) == 4
        assert all(r["body"] == b'{"messages":[]}' for r in server.requests)
    assert sleeps == [2.0, 1.5, 7.0]


def test_loopback_server_gives_up_after_max_retries_with_the_last_error_response():
    replies = [Reply(503, {"Retry-After": "1"}, b'{"message":"down"}')]
    sleeps: list[float] = []
    transport = RetryTransport(httpx.HTTPTransport(), RetryPolicy(max_retries=2), sleep=sleeps.append)
    with scripted_server(replies) as server, httpx.Client(transport=transport) as client:
        response = client.get(f"{server.url}/assistants")
        assert response.status_code == 503
        assert response.json() == {"message": "down"}
        assert len(server.requests) == 3
    assert sleeps == [1.0, 1.0]


def test_loopback_stream_is_retried_before_data_but_never_after_the_first_chunk():
    replies = [
        Reply(503, {"Retry-After": "0"}, b"busy"),
        Reply(
            200,
            {"Content-Type": "text/event-stream"},
            chunks=[b'data: {"n":1}\n\n', b'data: {"n":2}\n\n'],
            abort_after=1,
        ),
    ]
    sleeps: list[float] = []
    transport = RetryTransport(httpx.HTTPTransport(), RetryPolicy(max_retries=5), sleep=sleeps.append)
    received: list[bytes] = []
    with scripted_server(replies) as server, httpx.Client(transport=transport) as client:
        with client.stream("POST", f"{server.url}/chat/demo", json={}) as response:
            assert response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):  # noqa: PT012
                for chunk in response.iter_raw():
                    received.append(chunk)
        assert len(server.requests) == 2  # one 503 retried, then the broken stream: not replayed
    assert sleeps == [0.0]
    assert b"".join(received) == b'data: {"n":1}\n\n'


def test_loopback_refused_connection_is_retried_then_raised():
    with scripted_server([Reply()]) as server:
        url = server.url
    sleeps: list[float] = []
    transport = RetryTransport(httpx.HTTPTransport(), RetryPolicy(max_retries=2), sleep=sleeps.append)
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.get(url)
    assert len(sleeps) == 2
