"""The one retry policy, applied at the transport layer.

:class:`RetryTransport` / :class:`AsyncRetryTransport` wrap any httpx transport, so every request made
through the client (including the generated request functions) is retried the same way:

* statuses 408, 409, 429 and 5xx, and connection errors and timeouts, are retried up to
  ``max_retries`` times (2 by default; 0 disables retries);
* the wait is ``Retry-After`` when the server sends one (``retry-after-ms`` in milliseconds,
  ``retry-after`` in seconds or as an HTTP date), otherwise ``min(initial * 2**n, max) * U(0.75, 1)``;
* a ``Retry-After`` longer than ``max_retry_after`` (60 s by default) is not waited for: the
  response is returned as is and the client raises its error (e.g. :class:`RateLimitError`) at once,
  so a long server-side cool-down never turns into a silent hang;
* ``x-should-retry: true`` or ``false`` from the server overrides the status rule (for statuses >= 400);
* a request whose body cannot be replayed (a one-shot iterator) is not retried;
* a request that fails on a kept-alive connection the server had already closed, before any byte
  of an answer, is sent once more on a new connection, even with ``max_retries=0``.

Each attempt is logged at INFO on the ``pinecone_assistant`` logger (method, path, status, request
id, attempt, milliseconds); never a header value or a body.

A response is handed back as soon as its headers arrive. Streams are therefore retried only while
no byte of the body has reached the caller: once a stream is being read, a failure is raised,
never replayed.

Per call, set ``request.extensions["retry_policy"]`` to another :class:`RetryPolicy`.
"""

from __future__ import annotations

import dataclasses
import email.utils
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from httpx._multipart import MultipartStream

from ._constants import (
    DEFAULT_MAX_RETRIES,
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    RETRIES_TAKEN_EXTENSION,
    RETRYABLE_STATUSES,
    SENT_AT_EXTENSION,
)
from ._io import Drain, Flow, Send, Sleep, adrain, arun, drain, run
from .errors import request_id_of

__all__ = [
    "RETRIES_TAKEN_EXTENSION",
    "RETRY_POLICY_EXTENSION",
    "AsyncRetryTransport",
    "RetryPolicy",
    "RetryTransport",
    "compute_delay",
    "is_retryable_error",
    "is_stale_connection",
    "parse_retry_after",
    "policy_for",
    "response_delay",
    "retry_flow",
    "should_retry_header",
]

logger = logging.getLogger("pinecone_assistant")

#: ``request.extensions`` key for a per-request :class:`RetryPolicy`.
RETRY_POLICY_EXTENSION = "retry_policy"

# Failures where no response arrived and sending again is safe enough to try.
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How failed requests are retried. Immutable; derive variants with :meth:`replace`.

    ``max_retries`` is the number of retries after the first attempt (0 disables retrying).
    Delays are in seconds.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_RETRY_DELAY
    max_delay: float = MAX_RETRY_DELAY
    max_retry_after: float = MAX_RETRY_AFTER
    retry_statuses: frozenset[int] = RETRYABLE_STATUSES

    def __post_init__(self) -> None:
        if self.max_retries is None:
            raise TypeError(
                "max_retries=None is not allowed: pass 0 to disable retries, "
                "or a positive integer for the number of retries after the first attempt"
            )
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise TypeError(f"max_retries must be an int >= 0, got {self.max_retries!r}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0 (0 disables retries), got {self.max_retries}")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{name} must be a number of seconds, got {value!r}")
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
        if self.initial_delay > self.max_delay:
            raise ValueError(
                f"initial_delay ({self.initial_delay}) must not exceed max_delay ({self.max_delay})"
            )
        object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))

    def replace(self, **changes: Any) -> RetryPolicy:
        """A copy with some fields changed (validated like the constructor)."""
        return dataclasses.replace(self, **changes)

    @property
    def cap(self) -> float:
        """The longest delay this policy ever waits."""
        return max(self.max_delay, self.max_retry_after)


#: The policy used when none is given.
DEFAULT_RETRY_POLICY = RetryPolicy()


def policy_for(request: httpx.Request, default: RetryPolicy) -> RetryPolicy:
    """The policy for ``request``: its ``retry_policy`` extension, else ``default``."""
    override = request.extensions.get(RETRY_POLICY_EXTENSION)
    if override is None:
        return default
    if not isinstance(override, RetryPolicy):
        raise TypeError(
            f"request.extensions[{RETRY_POLICY_EXTENSION!r}] must be a RetryPolicy, "
            f"got {type(override).__name__}"
        )
    return override


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asks to wait, or None if it does not say (or says something unreadable).

    ``retry-after-ms`` (milliseconds) is preferred, then ``retry-after`` as seconds, then as an HTTP
    date (relative to ``now``, a Unix time; the current time by default). Negative values count as 0.
    """
    lowered = headers if isinstance(headers, httpx.Headers) else {k.lower(): v for k, v in headers.items()}
    ms = lowered.get("retry-after-ms")
    if ms is not None:
        seconds = _finite_float(ms)
        if seconds is not None:
            return max(seconds / 1000.0, 0.0)
    value = lowered.get("retry-after")
    if value is None:
        return None
    seconds = _finite_float(value)
    if seconds is not None:
        return max(seconds, 0.0)
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def _finite_float(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def compute_delay(
    attempt: int,
    policy: RetryPolicy,
    headers: Mapping[str, str] | None = None,
    rng: Callable[[], float] = random.random,
    now: float | None = None,
) -> float | None:
    """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts retries already made).

    The server's ``Retry-After`` wins when present; if it exceeds ``policy.max_retry_after`` the
    result is None, meaning "do not retry". Otherwise exponential backoff with jitter:
    ``min(initial_delay * 2**attempt, max_delay) * (1 - 0.25 * rng())``. A non-None result is
    always within ``[0, policy.cap]``.
    """
    if headers:
        requested = parse_retry_after(headers, now)
        if requested is not None:
            return requested if requested <= policy.max_retry_after else None
    base = min(policy.initial_delay * 2.0 ** min(max(attempt, 0), 64), policy.max_delay)
    jitter = 1.0 - 0.25 * min(max(rng(), 0.0), 1.0)
    return base * jitter


def is_retryable_error(exc: BaseException) -> bool:
    """Whether a transport failure is worth another attempt (timeouts, connection failures)."""
    return isinstance(exc, _RETRYABLE_ERRORS)


def _replayable(request: httpx.Request) -> bool:
    # Bytes (JSON, form) replay as they are; multipart bodies rewind their files when read again,
    # which works only for bytes and seekable files.
    stream = request.stream
    if isinstance(stream, httpx.ByteStream):
        return True
    if isinstance(stream, MultipartStream):
        return all(_rewindable(getattr(field, "file", b"")) for field in stream.fields)
    return False


def _rewindable(file: object) -> bool:
    if isinstance(file, str | bytes):
        return True
    seekable = getattr(file, "seekable", None)
    return bool(callable(seekable) and seekable())


def should_retry_header(headers: Mapping[str, str]) -> bool | None:
    """The server's ``x-should-retry`` (``true``/``false``), or None when absent or unreadable."""
    value = headers.get("x-should-retry")
    if value is None:
        return None
    lowered = value.strip().lower()
    return True if lowered == "true" else False if lowered == "false" else None


def is_stale_connection(exc: BaseException) -> bool:
    """Whether ``exc`` is a kept-alive connection the server had closed, found before any response byte."""
    if isinstance(exc, httpx.RemoteProtocolError):
        return "without sending a response" in str(exc)
    if isinstance(exc, httpx.WriteError | httpx.ReadError):
        # httpx's error wraps httpcore's, which wraps the OS error: look a few links down the chain.
        inner = exc.__cause__ or exc.__context__
        for _ in range(3):
            if inner is None or isinstance(inner, ConnectionResetError | BrokenPipeError):
                break
            inner = inner.__cause__ or inner.__context__
        return isinstance(inner, ConnectionResetError | BrokenPipeError)
    return False


def response_delay(  # noqa: PLR0917 - the arguments of compute_delay, plus the attempt count
    response: httpx.Response,
    attempt: int,
    retries: int,
    policy: RetryPolicy,
    rng: Callable[[], float] = random.random,
    now: float | None = None,
) -> float | None:
    """Seconds to wait before sending again after ``response``, or None to hand it back.

    A status of at least 400 is retried when ``x-should-retry: true`` says so, or when the header is
    absent and the status is one of ``policy.retry_statuses``; ``x-should-retry: false`` stops it.
    """
    status = response.status_code
    if attempt >= retries or status < 400:
        return None
    verdict = should_retry_header(response.headers)
    if verdict is False or (verdict is None and status not in policy.retry_statuses):
        return None
    return compute_delay(attempt, policy, response.headers, rng, now)


def _log_retry(request: httpx.Request, attempt: int, policy: RetryPolicy, delay: float, why: str) -> None:
    if logger.isEnabledFor(logging.INFO):
        logger.info(
            "Retrying %s %s in %.2fs (retry %d of %d) after %s",
            request.method,
            request.url.copy_with(query=None),
            delay,
            attempt + 1,
            policy.max_retries,
            why,
        )


def _log_attempt(
    request: httpx.Request, outcome: str, request_id: str | None, attempt: int, started: float
) -> None:
    logger.info(
        "%s %s -> %s (request id %s, attempt %d, %.1f ms)",
        request.method,
        request.url.path,
        outcome,
        request_id or "-",
        attempt + 1,
        (time.perf_counter() - started) * 1000.0,
    )


def retry_flow(
    request: httpx.Request,
    policy: RetryPolicy,
    *,
    stream: bool = False,
    rng: Callable[[], float] = random.random,
    clock: Callable[[], float] = time.time,
) -> Flow[httpx.Response]:
    """Send ``request`` until it gets an answer the policy accepts (a flow: see ``_io``).

    The response's ``extensions["retries_taken"]`` says how many retries it took. A request that
    fails on a kept-alive connection the server had closed, before any byte of an answer, is sent
    once more at once, whatever the policy (it never reached the server's application).
    """
    replayable = _replayable(request)
    retries = policy.max_retries if replayable else 0
    attempt = 0
    resent = not replayable
    logs = logger.isEnabledFor(logging.INFO)
    while True:
        started = time.perf_counter()
        try:
            response: httpx.Response = yield Send(request, stream)
        except httpx.TransportError as exc:
            if logs:
                _log_attempt(request, type(exc).__name__, None, attempt, started)
            if not resent and is_stale_connection(exc):
                resent = True
                continue
            if attempt >= retries or not is_retryable_error(exc):
                raise
            delay = compute_delay(attempt, policy, None, rng)
            assert delay is not None
            _log_retry(request, attempt, policy, delay, type(exc).__name__)
        else:
            if logs:
                _log_attempt(
                    request, str(response.status_code), request_id_of(response.headers), attempt, started
                )
            delay = (
                None
                if response.status_code < 400  # the usual case, decided without a call
                else response_delay(response, attempt, retries, policy, rng, clock())
            )
            if delay is None:
                response.extensions[RETRIES_TAKEN_EXTENSION] = attempt
                response.extensions[SENT_AT_EXTENSION] = started
                return response
            # Release the connection before trying again (a broken body does not matter).
            yield Drain(response, True)
            _log_retry(request, attempt, policy, delay, f"HTTP {response.status_code}")
        yield Sleep(delay)
        attempt += 1


_Inner = TypeVar("_Inner")
_Sleeper = TypeVar("_Sleeper")


class _Retrying(Generic[_Inner, _Sleeper]):
    """What both retry transports hold: the wrapped transport, the policy, and how to sleep.

    ``sleep``, ``rng`` and ``clock`` can be replaced (tests pass a fake sleep); ``sleep=None`` is the
    default sleep of the transport's kind.
    """

    _default_sleep: Any

    def __init__(
        self,
        transport: _Inner | None = None,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        *,
        sleep: _Sleeper | None = None,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(policy, RetryPolicy):
            raise TypeError(f"policy must be a RetryPolicy, got {type(policy).__name__}")
        self.transport: _Inner = transport if transport is not None else self._default_transport()
        self.policy = policy
        self._sleep: Any = sleep if sleep is not None else type(self)._default_sleep
        self._rng = rng
        self._clock = clock

    def _default_transport(self) -> _Inner:
        raise NotImplementedError

    def _flow(self, request: httpx.Request) -> Flow[httpx.Response]:
        return retry_flow(request, policy_for(request, self.policy), rng=self._rng, clock=self._clock)


class RetryTransport(_Retrying[httpx.BaseTransport, Callable[[float], None]], httpx.BaseTransport):
    """Wraps a sync transport and retries what :class:`RetryPolicy` says to retry."""

    _default_sleep = staticmethod(time.sleep)

    def _default_transport(self) -> httpx.BaseTransport:
        return httpx.HTTPTransport()

    def _perform(self, step: Send | Sleep | Drain) -> Any:
        if isinstance(step, Send):
            return self.transport.handle_request(step.request)
        if isinstance(step, Sleep):
            return self._sleep(step.seconds)
        return drain(step)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return run(self._flow(request), self._perform)

    def close(self) -> None:
        self.transport.close()


async def _anyio_sleep(seconds: float) -> None:
    import anyio  # imported on first use: keeps `import pinecone_assistant` fast

    await anyio.sleep(seconds)


class AsyncRetryTransport(
    _Retrying[httpx.AsyncBaseTransport, Callable[[float], Awaitable[None]]], httpx.AsyncBaseTransport
):
    """Wraps an async transport and retries what :class:`RetryPolicy` says to retry."""

    _default_sleep = staticmethod(_anyio_sleep)

    def _default_transport(self) -> httpx.AsyncBaseTransport:
        return httpx.AsyncHTTPTransport()

    async def _perform(self, step: Send | Sleep | Drain) -> Any:
        if isinstance(step, Sleep):
            return await self._sleep(step.seconds)
        if isinstance(step, Drain):
            return await adrain(step)
        return await self.transport.handle_async_request(step.request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await arun(self._flow(request), self._perform)

    async def aclose(self) -> None:
        await self.transport.aclose()
