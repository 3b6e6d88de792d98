"""Raw responses: ``client.with_raw_response.<method>(...)`` and ``client.with_streaming_response``.

A :class:`RawResponse` is the HTTP answer of a call that has completed: ``status_code``,
``headers``, ``request_id``, ``elapsed``, ``retries_taken``, and :meth:`RawResponse.parse` for the
method's usual result. A :class:`StreamedResponse` is handed over as soon as the headers arrive: its
body is read only when asked (``iter_bytes``, ``iter_lines``, ``read`` or ``parse``).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx

from ._constants import RETRIES_TAKEN_EXTENSION, SENT_AT_EXTENSION
from ._io import Flow, arun, run
from .errors import request_id_of

T = TypeVar("T")

__all__ = ["AsyncStreamedResponse", "RawResponse", "StreamedResponse"]


class _Response:
    """What every raw response shows of its HTTP answer."""

    http_response: httpx.Response

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """``x-pinecone-request-id``, else ``x-request-id``."""
        return request_id_of(self.http_response.headers)

    @property
    def retries_taken(self) -> int:
        """How many times the request was sent again before this answer (0: the first attempt)."""
        taken: int = self.http_response.extensions.get(RETRIES_TAKEN_EXTENSION, 0)
        return taken

    @property
    def http_request(self) -> httpx.Request:
        return self.http_response.request

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] request_id={self.request_id!r}>"


class RawResponse(_Response, Generic[T]):
    """The answer of a call, with its HTTP details; :meth:`parse` gives what the method returns.

    For a method that makes several requests (a wait, an upload), the details are those of the last.
    """

    __slots__ = ("_parsed", "http_response")

    def __init__(self, http_response: httpx.Response, parsed: T) -> None:
        self.http_response = http_response
        self._parsed = parsed

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request (its last attempt) to reading the last byte of its answer."""
        try:
            return self.http_response.elapsed
        except RuntimeError:  # a response httpx did not time (e.g. from a MockTransport)
            sent = self.http_response.extensions.get(SENT_AT_EXTENSION)
            return datetime.timedelta(seconds=0 if sent is None else time.perf_counter() - sent)

    def parse(self) -> T:
        """The method's usual result."""
        return self._parsed


class _Held(_Response):
    """A response handed over unread, and the suspended flow that finishes the call."""

    def __init__(self, http_response: httpx.Response, flow: Flow[Any], perform: Any, stream: bool) -> None:
        self.http_response = http_response
        self._flow = flow
        self._perform = perform
        #: Whether the method's result is itself a stream (its body is read by that stream).
        self._stream = stream
        self._parsed = False


class StreamedResponse(_Held, Generic[T]):
    """A response whose body has not been read; use it in a ``with`` block.

    ``parse()`` reads it and gives the method's usual result (for ``stream=True``, the stream,
    which then reads the body itself).
    """

    def iter_bytes(self) -> Iterator[bytes]:
        return self.http_response.iter_bytes()

    def iter_lines(self) -> Iterator[str]:
        return self.http_response.iter_lines()

    def read(self) -> bytes:
        return self.http_response.read()

    def parse(self) -> T:
        if not self._stream:
            self.http_response.read()
        result: T = run(self._flow, self._perform, self.http_response)
        self._parsed = True
        return result

    def close(self) -> None:
        self.http_response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not (self._stream and self._parsed):  # a parsed stream closes itself
            self.close()


class AsyncStreamedResponse(_Held, Generic[T]):
    """:class:`StreamedResponse` on an event loop (``async with``, ``await parse()``)."""

    def iter_bytes(self) -> AsyncIterator[bytes]:
        return self.http_response.aiter_bytes()

    def iter_lines(self) -> AsyncIterator[str]:
        return self.http_response.aiter_lines()

    async def read(self) -> bytes:
        return await self.http_response.aread()

    async def parse(self) -> T:
        if not self._stream:
            await self.http_response.aread()
        result: T = await arun(self._flow, self._perform, self.http_response)
        self._parsed = True
        return result

    async def close(self) -> None:
        await self.http_response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not (self._stream and self._parsed):
            await self.close()


def raw_response(trace: list[httpx.Response] | None, parsed: T) -> RawResponse[T]:
    """The raw response of a call that recorded ``trace`` and returned ``parsed``."""
    if not trace:
        raise TypeError("This method sends no request of its own, so it has no raw response.")
    return RawResponse(trace[-1], parsed)
