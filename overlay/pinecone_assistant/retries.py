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
* a request whose body cannot be replayed (a one-shot iterator) is not retried.

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
from typing import Any

import httpx
from httpx._multipart import MultipartStream

from ._constants import (
    DEFAULT_MAX_RETRIES,
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    RETRYABLE_STATUSES,
)

__all__ = [
    "RETRY_POLICY_EXTENSION",
    "AsyncRetryTransport",
    "RetryPolicy",
    "RetryTransport",
    "compute_delay",
    "is_retryable_error",
    "parse_retry_after",
    "policy_for",
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


class RetryTransport(httpx.BaseTransport):
    """Wraps a sync transport and retries what :class:`RetryPolicy` says to retry.

    ``sleep``, ``rng`` and ``clock`` can be replaced (tests pass a fake sleep).
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(policy, RetryPolicy):
            raise TypeError(f"policy must be a RetryPolicy, got {type(policy).__name__}")
        self.transport = transport if transport is not None else httpx.HTTPTransport()
        self.policy = policy
        self._sleep = sleep
        self._rng = rng
        self._clock = clock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        policy = policy_for(request, self.policy)
        retries = policy.max_retries if _replayable(request) else 0
        attempt = 0
        while True:
            try:
                response = self.transport.handle_request(request)
            except _RETRYABLE_ERRORS as exc:
                if attempt >= retries:
                    raise
                delay = compute_delay(attempt, policy, None, self._rng)
                assert delay is not None
                _log_retry(request, attempt, policy, delay, type(exc).__name__)
            else:
                if attempt >= retries or response.status_code not in policy.retry_statuses:
                    return response
                delay = compute_delay(attempt, policy, response.headers, self._rng, self._clock())
                if delay is None:
                    return response
                # Drain and release the connection before trying again (a broken body does not matter).
                try:
                    response.read()
                except httpx.TransportError:
                    pass
                finally:
                    response.close()
                _log_retry(request, attempt, policy, delay, f"HTTP {response.status_code}")
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        self.transport.close()


async def _anyio_sleep(seconds: float) -> None:
    import anyio  # imported on first use: keeps `import pinecone_assistant` fast

    await anyio.sleep(seconds)


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Wraps an async transport and retries what :class:`RetryPolicy` says to retry."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        *,
        sleep: Callable[[float], Awaitable[None]] = _anyio_sleep,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(policy, RetryPolicy):
            raise TypeError(f"policy must be a RetryPolicy, got {type(policy).__name__}")
        self.transport = transport if transport is not None else httpx.AsyncHTTPTransport()
        self.policy = policy
        self._sleep = sleep
        self._rng = rng
        self._clock = clock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        policy = policy_for(request, self.policy)
        retries = policy.max_retries if _replayable(request) else 0
        attempt = 0
        while True:
            try:
                response = await self.transport.handle_async_request(request)
            except _RETRYABLE_ERRORS as exc:
                if attempt >= retries:
                    raise
                delay = compute_delay(attempt, policy, None, self._rng)
                assert delay is not None
                _log_retry(request, attempt, policy, delay, type(exc).__name__)
            else:
                if attempt >= retries or response.status_code not in policy.retry_statuses:
                    return response
                delay = compute_delay(attempt, policy, response.headers, self._rng, self._clock())
                if delay is None:
                    return response
                try:
                    await response.aread()
                except httpx.TransportError:
                    pass
                finally:
                    await response.aclose()
                _log_retry(request, attempt, policy, delay, f"HTTP {response.status_code}")
            await self._sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        await self.transport.aclose()
