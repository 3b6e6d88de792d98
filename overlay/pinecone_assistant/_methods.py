"""The methods of the clients and handles, declared once for sync and async.

Each method is a descriptor around a flow of ``_flows``. Read from a sync client it is a plain
method; from an async client, a coroutine function; from ``with_raw_response`` it gives a
:class:`~pinecone_assistant.RawResponse`, from ``with_streaming_response`` an unread
:class:`~pinecone_assistant.StreamedResponse`. The owner decides how the flow runs (its ``_invoke``
and ``_list``); the type checker sees the right signature for each owner through the overloads below.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from . import _flows as flows
from ._core import Core
from ._io import Flow, Hold, Pause, arun, run
from ._response import AsyncStreamedResponse, RawResponse, StreamedResponse, raw_response

P = ParamSpec("P")
T = TypeVar("T")
Co = Coroutine[Any, Any, T]

# --------------------------------------------------------------------------- how a flow runs


class _Runner:
    """What a client brings to run a flow: the client of one call, and how steps are performed."""

    _perform: Callable[[Any], Any]

    def _for_call(self, kwargs: dict[str, Any], trace: bool = False, hold: bool = False) -> Core:
        raise NotImplementedError

    def _list(self, flow: Callable[..., flows.Listing[Any]], *args: Any, **kwargs: Any) -> Any:
        listing = flow(self._for_call(kwargs), *args, **kwargs)
        return flows.Pages(listing.fetch, listing.items, self._perform)


class Sync(_Runner):
    """Runs flows with blocking I/O (``_perform``) and returns their results."""

    def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        return run(flow(self._for_call(kwargs), *args, **kwargs), self._perform)


class Async(_Runner):
    """Runs flows on an event loop: each method returns a coroutine."""

    async def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        return await arun(flow(self._for_call(kwargs), *args, **kwargs), self._perform)


class _View:
    """A client seen through ``with_raw_response`` or ``with_streaming_response``."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._client!r})"

    def _first_page(self, flow: Callable[..., flows.Listing[Any]], args: Any, kwargs: dict[str, Any]) -> Any:
        core = self._client._for_call(kwargs, trace=True)
        listing = flow(core, *args, **kwargs)
        return core, listing, listing.fetch(None)


class SyncRaw(_View):
    def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        core = self._client._for_call(kwargs, trace=True)
        return raw_response(core._trace, run(flow(core, *args, **kwargs), self._client._perform))

    def _list(self, flow: Callable[..., flows.Listing[Any]], *args: Any, **kwargs: Any) -> Any:
        core, listing, first = self._first_page(flow, args, kwargs)
        return raw_response(core._trace, listing.items(run(first, self._client._perform)))


class AsyncRaw(_View):
    async def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        core = self._client._for_call(kwargs, trace=True)
        return raw_response(core._trace, await arun(flow(core, *args, **kwargs), self._client._perform))

    async def _list(self, flow: Callable[..., flows.Listing[Any]], *args: Any, **kwargs: Any) -> Any:
        core, listing, first = self._first_page(flow, args, kwargs)
        return raw_response(core._trace, listing.items(await arun(first, self._client._perform)))


def _held(flow: Flow[Any], outcome: Any, kind: type[Any], perform: Any) -> Any:
    if not isinstance(outcome, Pause):
        raise TypeError("This method sends no request of its own, so it has no streaming response.")
    step: Hold = outcome.step  # type: ignore[assignment]
    return kind(step.response, flow, perform, step.stream)


class SyncStreaming(_View):
    def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        started = flow(self._client._for_call(kwargs, hold=True), *args, **kwargs)
        try:
            outcome: Any = run(started, self._client._perform)
        except Pause as pause:
            outcome = pause
        return _held(started, outcome, StreamedResponse, self._client._perform)


class AsyncStreaming(_View):
    async def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        started = flow(self._client._for_call(kwargs, hold=True), *args, **kwargs)
        try:
            outcome: Any = await arun(started, self._client._perform)
        except Pause as pause:
            outcome = pause
        return _held(started, outcome, AsyncStreamedResponse, self._client._perform)


# --------------------------------------------------------------------------- descriptors


class Method(Generic[P, T]):
    """A method made of a flow whose arguments follow the client."""

    def __init__(self, flow: Callable[..., Flow[T]]) -> None:
        self.flow = flow
        self.__doc__ = flow.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: Async, owner: type[Any]) -> Callable[P, Co[T]]: ...
    @overload
    def __get__(self, obj: Sync, owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, obj: SyncRaw, owner: type[Any]) -> Callable[P, RawResponse[T]]: ...
    @overload
    def __get__(self, obj: AsyncRaw, owner: type[Any]) -> Callable[P, Co[RawResponse[T]]]: ...
    @overload
    def __get__(self, obj: SyncStreaming, owner: type[Any]) -> Callable[P, StreamedResponse[T]]: ...
    @overload
    def __get__(self, obj: AsyncStreaming, owner: type[Any]) -> Callable[P, Co[AsyncStreamedResponse[T]]]: ...
    def __get__(self, obj: Any, owner: type[Any]) -> Any:
        if obj is None:
            return self
        return functools.partial(obj._invoke, self.flow)


class Listing(Generic[P, T]):
    """A method made of a listing flow: an iterator (``async for`` on async clients) over every page."""

    def __init__(self, flow: Callable[..., flows.Listing[T]]) -> None:
        self.flow = flow
        self.__doc__ = flow.__doc__

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: Async, owner: type[Any]) -> Callable[P, AsyncIterator[T]]: ...
    @overload
    def __get__(self, obj: Sync, owner: type[Any]) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, obj: SyncRaw, owner: type[Any]) -> Callable[P, RawResponse[list[T]]]: ...
    @overload
    def __get__(self, obj: AsyncRaw, owner: type[Any]) -> Callable[P, Co[RawResponse[list[T]]]]: ...
    def __get__(self, obj: Any, owner: type[Any]) -> Any:
        if obj is None:
            return self
        return functools.partial(obj._list, self.flow)


def client_method(flow: Callable[Concatenate[Core, P], Flow[T]]) -> Method[P, T]:
    """A client method: the flow's arguments after the client."""
    return Method(flow)


def handle_method(flow: Callable[Concatenate[Core, str, P], Flow[T]]) -> Method[P, T]:
    """A handle method: the flow's arguments after the client and the assistant name."""
    return Method(flow)


def client_listing(flow: Callable[Concatenate[Core, P], flows.Listing[T]]) -> Listing[P, T]:
    return Listing(flow)


def handle_listing(flow: Callable[Concatenate[Core, str, P], flows.Listing[T]]) -> Listing[P, T]:
    return Listing(flow)


# --------------------------------------------------------------------------- the methods


class ClientMethods:
    """Every method of :class:`~pinecone_assistant.AssistantClient` and its async twin.

    The arguments and what each method does are documented on the flows of the same name
    (``pinecone_assistant._flows``); every method also takes ``timeout=`` and ``max_retries=`` for
    that one call.
    """

    __slots__ = ()

    create_assistant = client_method(flows.create_assistant)
    list_assistants = client_listing(flows.list_assistants)
    describe_assistant = client_method(flows.describe_assistant)
    update_assistant = client_method(flows.update_assistant)
    delete_assistant = client_method(flows.delete_assistant)
    wait_until_ready = client_method(flows.wait_until_ready)
    upload_file = client_method(flows.upload_file)
    upsert_file = client_method(flows.upsert_file)
    wait_for_file = client_method(flows.wait_for_file)
    list_files = client_listing(flows.list_files)
    describe_file = client_method(flows.describe_file)
    delete_file = client_method(flows.delete_file)
    list_operations = client_listing(flows.list_operations)
    describe_operation = client_method(flows.describe_operation)
    wait_for_operation = client_method(flows.wait_for_operation)
    chat = client_method(flows.chat)
    chat_completions = client_method(flows.chat_completions)
    context = client_method(flows.context)
    evaluate_alignment = client_method(flows.evaluate_alignment)
    data_url = client_method(flows.data_url)
    openai_kwargs = client_method(flows.openai_kwargs)


class HandleMethods:
    """Every method of a handle: the client's, with the assistant's name filled in."""

    __slots__ = ()

    describe = handle_method(flows.describe_assistant)
    update = handle_method(flows.update_assistant)
    delete = handle_method(flows.delete_assistant)
    wait_until_ready = handle_method(flows.wait_until_ready)
    upload_file = handle_method(flows.upload_file)
    upsert_file = handle_method(flows.upsert_file)
    wait_for_file = handle_method(flows.wait_for_file)
    list_files = handle_listing(flows.list_files)
    describe_file = handle_method(flows.describe_file)
    delete_file = handle_method(flows.delete_file)
    list_operations = handle_listing(flows.list_operations)
    describe_operation = handle_method(flows.describe_operation)
    wait_for_operation = handle_method(flows.wait_for_operation)
    chat = handle_method(flows.chat)
    chat_completions = handle_method(flows.chat_completions)
    context = handle_method(flows.context)
    data_url = handle_method(flows.data_url)
    openai_kwargs = handle_method(flows.openai_kwargs)
