"""Flows: the logic of a call written once, as a generator that yields the I/O it needs.

A flow yields steps (:class:`Send`, :class:`Sleep`, :class:`Drain`) and receives each step's result
(or has the step's exception thrown into it); its return value is the call's result. :func:`run`
performs the steps with blocking functions, :func:`arun` with awaitables. The clients, the handles
and the retry transports are each a thin shell around one of the two, so every piece of logic
exists once for sync and async alike (see docs/overlay.md, "One source for sync and async").
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

if TYPE_CHECKING:  # httpx loads with the first request, not with the package
    import httpx

T = TypeVar("T")

#: A flow returning ``T``.
Flow = Generator[Any, Any, T]


class Send:
    """Send ``request``; the result is the response (headers read, body unread when ``stream``)."""

    __slots__ = ("request", "stream")

    def __init__(self, request: httpx.Request, stream: bool) -> None:
        self.request = request
        self.stream = stream


class Sleep:
    """Wait ``seconds``."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Drain:
    """Read the rest of ``response`` and close it; ``quiet``: a broken body is ignored."""

    __slots__ = ("quiet", "response")

    def __init__(self, response: httpx.Response, quiet: bool) -> None:
        self.response = response
        self.quiet = quiet


class Hold:
    """Leave the flow suspended with ``response`` (headers read, body unread) for its caller to take."""

    __slots__ = ("response", "stream")

    def __init__(self, response: httpx.Response, stream: bool) -> None:
        self.response = response
        #: Whether the call's result is itself a stream (which then reads the body).
        self.stream = stream


class Pause(BaseException):
    """Raised out of :func:`run`/:func:`arun` when the flow yields :class:`Hold`; the flow stays suspended."""

    def __init__(self, step: object) -> None:
        super().__init__()
        self.step = step


class _Outcome:
    """What the last step gave: a value to send into the flow, or an exception to throw into it."""

    __slots__ = ("error", "step", "value")

    def __init__(self, value: Any) -> None:
        self.value = value
        self.error: Exception | None = None
        self.step: Any = None

    def advance(self, flow: Flow[Any]) -> bool:
        """Resume ``flow``; True once it has returned (its result is then ``value``)."""
        error, self.error = self.error, None
        try:
            self.step = flow.send(self.value) if error is None else flow.throw(error)
        except StopIteration as stop:
            self.value = stop.value
            return True
        if self.step.__class__ is Hold:
            raise Pause(self.step)
        return False

    def fail(self, exc: Exception) -> None:
        self.value, self.error = None, exc


def run(flow: Flow[T], perform: Callable[[Any], Any], value: Any = None, trace: list[Any] | None = None) -> T:
    """Drive ``flow`` to its end, performing each step with the blocking ``perform``.

    ``trace``, if given, receives the response of every :class:`Send` (``with_raw_response``).
    """
    outcome = _Outcome(value)
    while not outcome.advance(flow):
        try:
            outcome.value = perform(outcome.step)
        except Exception as exc:
            outcome.fail(exc)
        else:
            if trace is not None and outcome.step.__class__ is Send:
                trace.append(outcome.value)
    result: T = outcome.value
    return result


async def arun(
    flow: Flow[T], perform: Callable[[Any], Awaitable[Any]], value: Any = None, trace: list[Any] | None = None
) -> T:
    """:func:`run` for an event loop: ``perform`` returns an awaitable."""
    outcome = _Outcome(value)
    while not outcome.advance(flow):
        try:
            outcome.value = await perform(outcome.step)
        except Exception as exc:
            outcome.fail(exc)
        else:
            if trace is not None and outcome.step.__class__ is Send:
                trace.append(outcome.value)
    result: T = outcome.value
    return result


class Closes:
    """``with`` for an object that has ``close()`` (the sync client, the sync streams)."""

    __slots__ = ()

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncCloses:
    """``async with`` for an object that has ``async close()`` (the async client and streams)."""

    __slots__ = ()

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def drain(step: Drain) -> None:
    """Perform :class:`Drain` with blocking I/O."""
    import httpx

    try:
        with contextlib.suppress(*(() if not step.quiet else (httpx.TransportError,))):
            step.response.read()
    finally:
        step.response.close()


async def adrain(step: Drain) -> None:
    """Perform :class:`Drain` on an event loop."""
    import httpx

    try:
        await step.response.aread()
    except httpx.TransportError:
        if not step.quiet:
            raise
    finally:
        await step.response.aclose()
