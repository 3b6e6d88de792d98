"""The retry flow step by step: what it sends, how long it waits, what it hands back, and the server's say.

``retry_flow`` is a generator of I/O steps (``Send``, ``Sleep``, ``Drain``), so these tests drive it by
hand: each step it yields is checked, and each answer (a response or a transport failure) is fed back.
"""

from __future__ import annotations

import email.utils
import logging
import time

import httpx
import pytest
from pinecone_assistant._io import Drain, Send, Sleep
from pinecone_assistant.retries import (
    AsyncRetryTransport,
    RetryPolicy,
    compute_delay,
    is_stale_connection,
    parse_retry_after,
    response_delay,
    retry_flow,
    should_retry_header,
)

NOW = 1_800_000_000.0
URL = "http://api.test/a"


def _request(**kwargs) -> httpx.Request:
    return httpx.Request("POST", URL, json={"a": 1}, **kwargs)


def _one_shot_request() -> httpx.Request:
    def body():
        yield b"once"

    return httpx.Request("POST", URL, content=body())


def _caused(exc: BaseException, *, cause=None, context=None) -> BaseException:
    exc.__cause__ = cause
    exc.__context__ = context
    return exc


def _stale() -> httpx.ReadError:
    """What httpx raises when a kept-alive connection was reset by the server before any answer."""
    return _caused(httpx.ReadError("[Errno 104] Connection reset by peer"), cause=ConnectionResetError(104))


class Driver:
    """Runs ``retry_flow`` by hand, recording every step it yields."""

    def __init__(self, request: httpx.Request, policy: RetryPolicy, *, stream=None, clock=lambda: NOW):
        self.request = request
        options = {} if stream is None else {"stream": stream}
        self.flow = retry_flow(request, policy, rng=lambda: 0.0, clock=clock, **options)
        self.steps: list[object] = [next(self.flow)]
        self.result: httpx.Response | None = None

    @property
    def step(self) -> object:
        return self.steps[-1]

    def answer(self, reply: httpx.Response | Exception) -> None:
        """Feed the answer to the pending ``Send``, and to each ``Drain``/``Sleep`` after it."""
        assert isinstance(self.step, Send)
        try:
            step = self.flow.throw(reply) if isinstance(reply, Exception) else self.flow.send(reply)
            while isinstance(step, Drain | Sleep):
                self.steps.append(step)
                step = self.flow.send(None)
            self.steps.append(step)
        except StopIteration as stop:
            self.result = stop.value

    def kinds(self) -> list[str]:
        return [type(s).__name__ for s in self.steps]

    def sleeps(self) -> list[float]:
        return [s.seconds for s in self.steps if isinstance(s, Sleep)]


# --------------------------------------------------------------------------- x-should-retry


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), (" TRUE ", True), ("True", True), ("false", False), ("False ", False), ("yes", None)],
)
def test_x_should_retry_is_read_as_true_or_false_whatever_the_case_and_spaces(value, expected):
    assert should_retry_header(httpx.Headers({"X-Should-Retry": value})) is expected


def test_without_x_should_retry_the_server_has_no_say():
    assert should_retry_header(httpx.Headers({"retry-after": "1"})) is None


def test_x_should_retry_is_read_from_a_plain_mapping_too():
    assert should_retry_header({"x-should-retry": "false"}) is False
    assert should_retry_header({"x-should-retry": "true"}) is True


# --------------------------------------------------------------------------- stale connections


@pytest.mark.parametrize(
    "exc",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        _caused(httpx.ReadError("reset"), cause=ConnectionResetError()),
        _caused(httpx.WriteError("broken pipe"), cause=BrokenPipeError()),
        _caused(httpx.ReadError("reset"), context=ConnectionResetError()),
        _caused(httpx.WriteError("broken pipe"), context=BrokenPipeError()),
        _caused(
            httpx.ReadError("reset"), cause=_caused(ValueError("httpcore"), cause=ConnectionResetError())
        ),
    ],
    ids=[
        "disconnected",
        "read-reset",
        "write-broken-pipe",
        "read-reset-context",
        "write-pipe-context",
        "read-reset-wrapped-by-httpcore",
    ],
)
def test_a_connection_the_server_had_closed_before_any_answer_is_stale(exc):
    assert is_stale_connection(exc)


@pytest.mark.parametrize(
    "exc",
    [
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
        httpx.ReadError("reset"),
        _caused(httpx.ReadError("timed out"), cause=TimeoutError()),
        _caused(httpx.ConnectError("refused"), cause=ConnectionResetError()),
        _caused(httpx.ReadTimeout("slow"), cause=ConnectionResetError()),
        _caused(ValueError("x"), cause=ConnectionResetError()),
        _caused(
            httpx.ReadError("deep"),
            cause=_caused(
                ValueError("1"),
                cause=_caused(
                    ValueError("2"),
                    cause=_caused(
                        ValueError("3"), cause=_caused(ValueError("4"), cause=ConnectionResetError())
                    ),
                ),
            ),
        ),
    ],
    ids=[
        "body-cut",
        "no-cause",
        "timeout-cause",
        "connect-error",
        "read-timeout",
        "not-httpx",
        "reset-beyond-the-links-httpx-adds",
    ],
)
def test_other_failures_are_not_a_stale_connection(exc):
    assert not is_stale_connection(exc)


# --------------------------------------------------------------------------- response_delay


def _response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers={k.replace("_", "-"): v for k, v in headers.items()})


@pytest.mark.parametrize("status", [200, 304, 399])
def test_a_response_below_400_is_handed_back_even_if_the_server_says_retry(status):
    assert response_delay(_response(status, x_should_retry="true"), 0, 2, RetryPolicy()) is None


def test_x_should_retry_true_retries_a_status_the_policy_would_hand_back():
    policy = RetryPolicy(initial_delay=0.5, max_delay=8)
    assert response_delay(_response(400, x_should_retry="true"), 1, 2, policy, rng=lambda: 0.0) == 1.0


def test_x_should_retry_false_hands_back_a_status_the_policy_would_retry():
    assert response_delay(_response(503, x_should_retry="false"), 0, 2, RetryPolicy()) is None


def test_an_unreadable_x_should_retry_leaves_the_decision_to_the_policy():
    policy = RetryPolicy(initial_delay=0.5, max_delay=8)
    assert response_delay(_response(503, x_should_retry="maybe"), 0, 2, policy, rng=lambda: 0.0) == 0.5
    assert response_delay(_response(400, x_should_retry="maybe"), 0, 2, policy, rng=lambda: 0.0) is None


def test_no_delay_once_the_retries_are_used_up_whatever_the_server_says():
    assert response_delay(_response(503, x_should_retry="true"), 2, 2, RetryPolicy()) is None
    assert response_delay(_response(503), 1, 2, RetryPolicy(), rng=lambda: 0.0) == 1.0


def test_the_delay_after_a_response_honours_its_retry_after_counted_from_now():
    date = email.utils.formatdate(NOW + 5, usegmt=True)
    assert response_delay(_response(429, retry_after=date), 0, 2, RetryPolicy(), now=NOW) == 5.0
    assert response_delay(_response(429, retry_after_ms="1500"), 0, 2, RetryPolicy()) == 1.5


# --------------------------------------------------------------------------- backoff


def test_the_backoff_stops_doubling_after_64_retries_so_a_huge_count_never_overflows():
    policy = RetryPolicy(initial_delay=2.0**-70, max_delay=1.0)
    assert compute_delay(63, policy, rng=lambda: 0.0) == 2.0**-7
    assert compute_delay(64, policy, rng=lambda: 0.0) == 2.0**-6
    assert compute_delay(65, policy, rng=lambda: 0.0) == 2.0**-6
    assert compute_delay(10**9, policy, rng=lambda: 0.0) == 2.0**-6


# --------------------------------------------------------------------------- the flow


def test_a_success_is_sent_once_whole_and_says_it_took_no_retries_and_when_it_was_sent():
    request = _request()
    before = time.perf_counter()
    driver = Driver(request, RetryPolicy())
    assert isinstance(driver.step, Send)
    assert driver.step.request is request
    assert driver.step.stream is False
    response = httpx.Response(200)
    driver.answer(response)
    assert driver.result is response
    assert driver.kinds() == ["Send"]
    assert response.extensions["retries_taken"] == 0
    assert before <= response.extensions["sent_at"] <= time.perf_counter()


def test_a_stream_is_sent_as_a_stream():
    driver = Driver(_request(), RetryPolicy(), stream=True)
    assert isinstance(driver.step, Send)
    assert driver.step.stream is True


def test_each_retry_drains_the_answer_waits_and_counts_one_more_retry():
    driver = Driver(_request(), RetryPolicy(max_retries=3, initial_delay=0.5, max_delay=8))
    first, second = _response(503), _response(429)
    driver.answer(first)
    driver.answer(second)
    driver.answer(httpx.ConnectError("refused"))
    final = httpx.Response(200)
    driver.answer(final)
    assert driver.kinds() == ["Send", "Drain", "Sleep", "Send", "Drain", "Sleep", "Send", "Sleep", "Send"]
    assert driver.sleeps() == [0.5, 1.0, 2.0]
    drains = [s for s in driver.steps if isinstance(s, Drain)]
    assert [d.response for d in drains] == [first, second]
    assert all(d.quiet is True for d in drains)
    assert driver.result is final
    assert final.extensions["retries_taken"] == 3


def test_the_last_allowed_attempt_is_handed_back_with_its_retry_count():
    driver = Driver(_request(), RetryPolicy(max_retries=2))
    for _ in range(2):
        driver.answer(_response(503))
    last = _response(503)
    driver.answer(last)
    assert driver.result is last
    assert last.extensions["retries_taken"] == 2
    assert driver.kinds().count("Send") == 3


def test_the_last_allowed_attempt_raises_its_connection_error():
    driver = Driver(_request(), RetryPolicy(max_retries=1))
    driver.answer(httpx.ConnectError("refused"))
    with pytest.raises(httpx.ConnectError, match="second"):
        driver.answer(httpx.ConnectError("second"))
    assert driver.kinds() == ["Send", "Sleep", "Send"]


def test_x_should_retry_true_makes_the_flow_retry_a_400():
    driver = Driver(_request(), RetryPolicy(initial_delay=0.5, max_delay=8))
    driver.answer(_response(400, x_should_retry="true"))
    final = httpx.Response(200)
    driver.answer(final)
    assert driver.kinds() == ["Send", "Drain", "Sleep", "Send"]
    assert driver.sleeps() == [0.5]
    assert final.extensions["retries_taken"] == 1


def test_x_should_retry_false_makes_the_flow_hand_back_a_503():
    refused = _response(503, x_should_retry="false")
    driver = Driver(_request(), RetryPolicy())
    driver.answer(refused)
    assert driver.result is refused
    assert driver.kinds() == ["Send"]


def test_a_retry_after_date_is_counted_from_the_flows_clock():
    date = email.utils.formatdate(NOW + 6, usegmt=True)
    driver = Driver(_request(), RetryPolicy(), clock=lambda: NOW)
    driver.answer(_response(429, retry_after=date))
    assert driver.sleeps() == [6.0]


def test_a_stale_connection_is_sent_again_at_once_even_with_retries_off():
    request = _request()
    driver = Driver(request, RetryPolicy(max_retries=0))
    driver.answer(_stale())
    assert driver.kinds() == ["Send", "Send"]
    assert driver.step.request is request
    response = httpx.Response(200)
    driver.answer(response)
    assert driver.result is response
    assert response.extensions["retries_taken"] == 0


def test_a_stale_connection_is_sent_again_only_once():
    driver = Driver(_request(), RetryPolicy(max_retries=0))
    driver.answer(_stale())
    with pytest.raises(httpx.ReadError):
        driver.answer(_stale())
    assert driver.kinds() == ["Send", "Send"]


def test_the_stale_re_send_is_not_counted_as_a_retry_and_does_not_use_one_up():
    driver = Driver(_request(), RetryPolicy(max_retries=1, initial_delay=0.5, max_delay=8))
    driver.answer(_stale())
    driver.answer(_response(503))
    final = httpx.Response(200)
    driver.answer(final)
    assert driver.kinds() == ["Send", "Send", "Drain", "Sleep", "Send"]
    assert driver.sleeps() == [0.5]
    assert final.extensions["retries_taken"] == 1


def test_a_one_shot_body_is_never_sent_again_even_on_a_stale_connection():
    driver = Driver(_one_shot_request(), RetryPolicy(max_retries=3))
    with pytest.raises(httpx.ReadError):
        driver.answer(_stale())
    assert driver.kinds() == ["Send"]


def test_a_stale_connection_after_the_one_re_send_is_retried_like_any_read_error():
    driver = Driver(_request(), RetryPolicy(max_retries=1, initial_delay=0.5, max_delay=8))
    driver.answer(_stale())
    driver.answer(_stale())
    assert driver.kinds() == ["Send", "Send", "Sleep", "Send"]


# --------------------------------------------------------------------------- the attempt log


def test_each_attempt_is_logged_with_its_elapsed_milliseconds(caplog, monkeypatch):
    ticks = iter([100.0, 100.25])
    monkeypatch.setattr(time, "perf_counter", lambda: next(ticks))
    with caplog.at_level(logging.INFO, logger="pinecone_assistant"):
        driver = Driver(_request(), RetryPolicy())
        response = httpx.Response(200, headers={"x-request-id": "rid-3"})
        driver.answer(response)
    assert [r.getMessage() for r in caplog.records] == [
        "POST /a -> 200 (request id rid-3, attempt 1, 250.0 ms)"
    ]
    assert response.extensions["sent_at"] == 100.0


# --------------------------------------------------------------------------- bodies


def test_a_multipart_file_that_cannot_say_whether_it_seeks_is_sent_once():
    class ReadOnly:
        """A file-like object with nothing but ``read``."""

        def __init__(self) -> None:
            self.left = b"abc"

        def read(self, size: int = -1) -> bytes:
            out, self.left = self.left, b""
            return out

    request = httpx.Request("POST", URL, files={"file": ("f.txt", ReadOnly())})
    driver = Driver(request, RetryPolicy(max_retries=3))
    refused = _response(503)
    driver.answer(refused)
    assert driver.result is refused
    assert driver.kinds() == ["Send"]


def test_an_http_date_without_now_is_counted_from_the_current_time():
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0


# --------------------------------------------------------------------------- the async default sleep


@pytest.mark.anyio
async def test_the_async_transport_waits_with_anyio_by_default(monkeypatch):
    import anyio

    waited: list[float] = []
    real_sleep = anyio.sleep

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(anyio, "sleep", sleep)
    script = iter([httpx.Response(503), httpx.Response(200)])
    transport = AsyncRetryTransport(
        httpx.MockTransport(lambda request: next(script)),
        RetryPolicy(initial_delay=0.25, max_delay=1),
        rng=lambda: 0.0,
    )
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get(URL)).status_code == 200
    assert waited == [0.25]
