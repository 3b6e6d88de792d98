"""The methods of the clients and handles, declared once for sync and async.

Each method is a descriptor around a flow of ``_flows``. Read from a sync client it is a plain
method; from an async client, a coroutine function; from ``with_raw_response`` it gives a
:class:`~pinecone_assistant.RawResponse`, from ``with_streaming_response`` an unread
:class:`~pinecone_assistant.StreamedResponse`. The owner decides how the flow runs (its ``_invoke``
and ``_list``); the type checker sees the right signature for each owner through the overloads below.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    Literal,
    ParamSpec,
    Protocol,
    Self,
    TypeVar,
    Unpack,
    overload,
)

from . import _flows as flows
from ._core import Core, Deferred
from ._io import Flow, Hold, Pause, arun, run

if TYPE_CHECKING:
    import httpx

    from . import _response
    from ._response import AsyncStreamedResponse, RawResponse, StreamedResponse
    from .chat import ChatResponse, ContextOptionsInput, MessagesInput
    from .completions import CompletionResponse
    from .filter import FilterLike
    from .stream import AsyncChatStream, AsyncCompletionStream, ChatStream, CompletionStream

if not TYPE_CHECKING:
    # The raw and streamed responses load with the first one (_response imports httpx).
    _response = Deferred("_response")

P = ParamSpec("P")
T = TypeVar("T")
Co = Coroutine[Any, Any, T]

# --------------------------------------------------------------------------- how a flow runs


class _Runner:
    """What a client brings to run a flow: the client of one call, and how steps are performed."""

    _perform: Callable[[Any], Any]

    def _for_call(self, kwargs: dict[str, Any], hold: bool = False) -> Core:
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


class SyncRaw(_View):
    def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        trace: list[httpx.Response] = []
        result = run(
            flow(self._client._for_call(kwargs), *args, **kwargs), self._client._perform, None, trace
        )
        return raw_response(trace, result)

    def _list(self, flow: Callable[..., flows.Listing[Any]], *args: Any, **kwargs: Any) -> Any:
        trace: list[httpx.Response] = []
        listing = flow(self._client._for_call(kwargs), *args, **kwargs)
        return raw_response(
            trace, listing.items(run(listing.fetch(None), self._client._perform, None, trace))
        )


class AsyncRaw(_View):
    async def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        trace: list[httpx.Response] = []
        flow_ = flow(self._client._for_call(kwargs), *args, **kwargs)
        return raw_response(trace, await arun(flow_, self._client._perform, None, trace))

    async def _list(self, flow: Callable[..., flows.Listing[Any]], *args: Any, **kwargs: Any) -> Any:
        trace: list[httpx.Response] = []
        listing = flow(self._client._for_call(kwargs), *args, **kwargs)
        page = await arun(listing.fetch(None), self._client._perform, None, trace)
        return raw_response(trace, listing.items(page))


def raw_response(trace: list[httpx.Response], parsed: Any) -> Any:
    """The raw response of a call that recorded ``trace`` and returned ``parsed``."""
    return _response.raw_response(trace, parsed)


def _held(flow: Flow[Any], outcome: Any, kind: str, perform: Any) -> Any:
    if not isinstance(outcome, Pause):
        raise TypeError("This method sends no request of its own, so it has no streaming response.")
    step: Hold = outcome.step  # type: ignore[assignment]
    from . import _response

    return getattr(_response, kind)(step.response, flow, perform, step.stream)


class SyncStreaming(_View):
    def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        started = flow(self._client._for_call(kwargs, hold=True), *args, **kwargs)
        try:
            outcome: Any = run(started, self._client._perform)
        except Pause as pause:
            outcome = pause
        return _held(started, outcome, "StreamedResponse", self._client._perform)


class AsyncStreaming(_View):
    async def _invoke(self, flow: Callable[..., Flow[Any]], *args: Any, **kwargs: Any) -> Any:
        started = flow(self._client._for_call(kwargs, hold=True), *args, **kwargs)
        try:
            outcome: Any = await arun(started, self._client._perform)
        except Pause as pause:
            outcome = pause
        return _held(started, outcome, "AsyncStreamedResponse", self._client._perform)


RawT = TypeVar("RawT")
StreamingT = TypeVar("StreamingT")
HandleT = TypeVar("HandleT")


class Views(Generic[RawT, StreamingT]):
    """``with_raw_response`` and ``with_streaming_response`` of a client or a handle."""

    __slots__ = ()
    #: The two view classes of the owner: raw, then streaming.
    _views: tuple[type[Any], type[Any]]

    def _view(self, index: int) -> Any:
        return self._views[index](self)

    @property
    def with_raw_response(self) -> RawT:
        """The same methods, each giving a :class:`~pinecone_assistant.RawResponse` (awaited on an
        async owner): ``status_code``, ``headers``, ``request_id``, ``elapsed``, ``retries_taken``, and
        ``.parse()`` for the usual result."""
        view: RawT = self._view(0)
        return view

    @property
    def with_streaming_response(self) -> StreamingT:
        """The same methods, giving the response as soon as its headers arrive, unread, for a ``with``
        (``async with``) block; ``parse()`` reads it."""
        view: StreamingT = self._view(1)
        return view


class Assistants(Generic[HandleT]):
    """``client.assistant(name)``."""

    __slots__ = ()
    #: The name of the handle class in ``handles`` (imported on first use).
    _handle: str

    def _bind_host(self, name: str, host: str | None) -> None:
        raise NotImplementedError

    def assistant(self, name: str, *, host: str | None = None) -> HandleT:
        """A handle bound to the assistant ``name``; ``host`` (its data-plane host) saves a describe call."""
        from . import handles

        self._bind_host(name, host)
        handle: HandleT = getattr(handles, self._handle)(self, name)
        return handle


# --------------------------------------------------------------------------- descriptors


def _signature(flow: Callable[..., Any], skip: int) -> inspect.Signature:
    """The flow's signature as its method's: ``self``, then the arguments after those the owner fills in."""
    signature = inspect.signature(flow)
    parameters = list(signature.parameters.values())
    return signature.replace(
        parameters=[
            parameters[0].replace(name="self", annotation=inspect.Parameter.empty),
            *parameters[skip:],
        ],
        return_annotation=inspect.Signature.empty,
    )


class _Function:
    """The function behind a method: runs the flow on its owner; named, documented and signed like it."""

    def __init__(self, flow: Callable[..., Any], run: str, skip: int) -> None:
        self._flow = flow
        self._run = run
        self._skip = skip
        self.__doc__ = flow.__doc__
        self.__name__ = self.__qualname__ = flow.__name__

    def __call__(self, owner: Any, /, *args: Any, **kwargs: Any) -> Any:
        return getattr(owner, self._run)(self._flow, *args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        return _signature(self._flow, self._skip)


class _Descriptor:
    """Turns a flow into a method: ``owner.<run>(flow, *args, **kwargs)``.

    Documentation tools read it from the class: it carries the method's name, docstring and
    signature (computed when asked, to keep the import fast).
    """

    #: The owner's method that runs the flow (``_invoke`` or ``_list``).
    run = "_invoke"

    def __init__(self, flow: Callable[..., Any], skip: int = 1) -> None:
        self.flow = flow
        self.skip = skip
        self.__doc__ = flow.__doc__
        self._function = _Function(flow, self.run, skip)

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = self._function.__name__ = name
        self.__qualname__ = self._function.__qualname__ = f"{owner.__qualname__}.{name}"
        self.__module__ = owner.__module__

    @property
    def __signature__(self) -> inspect.Signature:
        return _signature(self.flow, self.skip)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{self.__qualname__} is a method: call it on a client or a handle")

    if not TYPE_CHECKING:

        def __get__(self, obj, owner):
            return self if obj is None else types.MethodType(self._function, obj)


def _own_methods(table: type[Any], cls: type[Any]) -> None:
    """Give ``cls`` its own copy of every method of ``table`` (so it is documented as its own).

    Not for the raw and streaming views: they are documented through the methods they mirror.
    """
    if issubclass(cls, _View):
        return
    for name, value in vars(table).items():
        if isinstance(value, _Descriptor) and name not in vars(cls):
            copy = type(value)(value.flow, value.skip)
            copy.__set_name__(cls, name)
            setattr(cls, name, copy)


class Method(_Descriptor, Generic[P, T]):
    """A method made of a flow whose arguments follow the client."""

    if TYPE_CHECKING:  # the overloads cost import time; at run time _Descriptor.__get__ serves

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
        def __get__(
            self, obj: AsyncStreaming, owner: type[Any]
        ) -> Callable[P, Co[AsyncStreamedResponse[T]]]: ...
        def __get__(self, obj: Any, owner: type[Any]) -> Any: ...


class Listing(_Descriptor, Generic[P, T]):
    """A method made of a listing flow: an iterator (``async for`` on async clients) over every page."""

    run = "_list"

    if TYPE_CHECKING:  # the overloads cost import time; at run time _Descriptor.__get__ serves

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
        def __get__(self, obj: Any, owner: type[Any]) -> Any: ...


A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")
E = TypeVar("E")
F = TypeVar("F")


class Typed(_Descriptor, Generic[A, B, C, D, E, F]):
    """A method whose type on each kind of owner is spelled out (for overloaded methods such as
    ``chat``): A on a sync client, B async, C and D through ``with_raw_response``, E and F through
    ``with_streaming_response``."""

    if TYPE_CHECKING:  # the overloads cost import time; at run time _Descriptor.__get__ serves

        @overload
        def __get__(self, obj: None, owner: type[Any]) -> Self: ...
        @overload
        def __get__(self, obj: Sync, owner: type[Any]) -> A: ...
        @overload
        def __get__(self, obj: Async, owner: type[Any]) -> B: ...
        @overload
        def __get__(self, obj: SyncRaw, owner: type[Any]) -> C: ...
        @overload
        def __get__(self, obj: AsyncRaw, owner: type[Any]) -> D: ...
        @overload
        def __get__(self, obj: SyncStreaming, owner: type[Any]) -> E: ...
        @overload
        def __get__(self, obj: AsyncStreaming, owner: type[Any]) -> F: ...
        def __get__(self, obj: Any, owner: type[Any]) -> Any: ...


if TYPE_CHECKING:  # the types of chat and chat_completions, for type checkers only (import time)
    R_co = TypeVar("R_co", covariant=True)
    S_co = TypeVar("S_co", covariant=True)

    class ChatOptions(flows.RequestOptions, total=False):
        model: str | None
        temperature: float | None
        filter: FilterLike | None
        json_response: bool | None
        include_highlights: bool | None
        context_options: ContextOptionsInput | None

    class CompletionOptions(flows.RequestOptions, total=False):
        model: str | None
        temperature: float | None
        filter: FilterLike | None

    class ChatCall(Protocol[R_co, S_co]):
        """``chat`` on a client: R without ``stream``, S with ``stream=True``."""

        @overload
        def __call__(
            self,
            assistant_name: str,
            messages: MessagesInput,
            *,
            stream: Literal[True],
            **options: Unpack[ChatOptions],
        ) -> S_co: ...
        @overload
        def __call__(
            self,
            assistant_name: str,
            messages: MessagesInput,
            *,
            stream: Literal[False] = ...,
            **options: Unpack[ChatOptions],
        ) -> R_co: ...
        @overload
        def __call__(
            self,
            assistant_name: str,
            messages: MessagesInput,
            *,
            stream: bool,
            **options: Unpack[ChatOptions],
        ) -> R_co | S_co: ...

    class HandleChatCall(Protocol[R_co, S_co]):
        """``chat`` on a handle."""

        @overload
        def __call__(
            self, messages: MessagesInput, *, stream: Literal[True], **options: Unpack[ChatOptions]
        ) -> S_co: ...
        @overload
        def __call__(
            self, messages: MessagesInput, *, stream: Literal[False] = ..., **options: Unpack[ChatOptions]
        ) -> R_co: ...
        @overload
        def __call__(
            self, messages: MessagesInput, *, stream: bool, **options: Unpack[ChatOptions]
        ) -> R_co | S_co: ...

    class CompletionsCall(Protocol[R_co, S_co]):
        """``chat_completions`` on a client."""

        @overload
        def __call__(
            self,
            assistant_name: str,
            messages: MessagesInput,
            *,
            stream: Literal[True],
            **options: Unpack[CompletionOptions],
        ) -> S_co: ...
        @overload
        def __call__(
            self,
            assistant_name: str,
            messages: MessagesInput,
            *,
            stream: Literal[False] = ...,
            **options: Unpack[CompletionOptions],
        ) -> R_co: ...
        @overload
        def __call__(
            self,
            assistant_name: str,
            messages: MessagesInput,
            *,
            stream: bool,
            **options: Unpack[CompletionOptions],
        ) -> R_co | S_co: ...

    class HandleCompletionsCall(Protocol[R_co, S_co]):
        """``chat_completions`` on a handle."""

        @overload
        def __call__(
            self, messages: MessagesInput, *, stream: Literal[True], **options: Unpack[CompletionOptions]
        ) -> S_co: ...
        @overload
        def __call__(
            self,
            messages: MessagesInput,
            *,
            stream: Literal[False] = ...,
            **options: Unpack[CompletionOptions],
        ) -> R_co: ...
        @overload
        def __call__(
            self, messages: MessagesInput, *, stream: bool, **options: Unpack[CompletionOptions]
        ) -> R_co | S_co: ...


def client_method(flow: Callable[Concatenate[Core, P], Flow[T]]) -> Method[P, T]:
    """A client method: the flow's arguments after the client."""
    return Method(flow)


def handle_method(flow: Callable[Concatenate[Core, str, P], Flow[T]]) -> Method[P, T]:
    """A handle method: the flow's arguments after the client and the assistant name."""
    return Method(flow, skip=2)


def client_listing(flow: Callable[Concatenate[Core, P], flows.Listing[T]]) -> Listing[P, T]:
    return Listing(flow)


def handle_listing(flow: Callable[Concatenate[Core, str, P], flows.Listing[T]]) -> Listing[P, T]:
    return Listing(flow, skip=2)


# --------------------------------------------------------------------------- the methods


class ClientMethods:
    """Every method of :class:`~pinecone_assistant.AssistantClient` and its async twin.

    The arguments and what each method does are documented on the flows of the same name
    (``pinecone_assistant._flows``); every method also takes ``timeout=`` and ``max_retries=`` for
    that one call.
    """

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _own_methods(ClientMethods, cls)

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
    chat: Typed[
        ChatCall[ChatResponse, ChatStream],
        ChatCall[Co[ChatResponse], Co[AsyncChatStream]],
        ChatCall[RawResponse[ChatResponse], RawResponse[ChatStream]],
        ChatCall[Co[RawResponse[ChatResponse]], Co[RawResponse[AsyncChatStream]]],
        ChatCall[StreamedResponse[ChatResponse], StreamedResponse[ChatStream]],
        ChatCall[Co[AsyncStreamedResponse[ChatResponse]], Co[AsyncStreamedResponse[AsyncChatStream]]],
    ] = Typed(flows.chat)
    chat_completions: Typed[
        CompletionsCall[CompletionResponse, CompletionStream],
        CompletionsCall[Co[CompletionResponse], Co[AsyncCompletionStream]],
        CompletionsCall[RawResponse[CompletionResponse], RawResponse[CompletionStream]],
        CompletionsCall[Co[RawResponse[CompletionResponse]], Co[RawResponse[AsyncCompletionStream]]],
        CompletionsCall[StreamedResponse[CompletionResponse], StreamedResponse[CompletionStream]],
        CompletionsCall[
            Co[AsyncStreamedResponse[CompletionResponse]], Co[AsyncStreamedResponse[AsyncCompletionStream]]
        ],
    ] = Typed(flows.chat_completions)
    context = client_method(flows.context)
    evaluate_alignment = client_method(flows.evaluate_alignment)
    data_url = client_method(flows.data_url)
    openai_kwargs = client_method(flows.openai_kwargs)


class HandleMethods:
    """Every method of a handle: the client's, with the assistant's name filled in."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _own_methods(HandleMethods, cls)

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
    chat: Typed[
        HandleChatCall[ChatResponse, ChatStream],
        HandleChatCall[Co[ChatResponse], Co[AsyncChatStream]],
        HandleChatCall[RawResponse[ChatResponse], RawResponse[ChatStream]],
        HandleChatCall[Co[RawResponse[ChatResponse]], Co[RawResponse[AsyncChatStream]]],
        HandleChatCall[StreamedResponse[ChatResponse], StreamedResponse[ChatStream]],
        HandleChatCall[Co[AsyncStreamedResponse[ChatResponse]], Co[AsyncStreamedResponse[AsyncChatStream]]],
    ] = Typed(flows.chat, skip=2)
    chat_completions: Typed[
        HandleCompletionsCall[CompletionResponse, CompletionStream],
        HandleCompletionsCall[Co[CompletionResponse], Co[AsyncCompletionStream]],
        HandleCompletionsCall[RawResponse[CompletionResponse], RawResponse[CompletionStream]],
        HandleCompletionsCall[Co[RawResponse[CompletionResponse]], Co[RawResponse[AsyncCompletionStream]]],
        HandleCompletionsCall[StreamedResponse[CompletionResponse], StreamedResponse[CompletionStream]],
        HandleCompletionsCall[
            Co[AsyncStreamedResponse[CompletionResponse]], Co[AsyncStreamedResponse[AsyncCompletionStream]]
        ],
    ] = Typed(flows.chat_completions, skip=2)
    context = handle_method(flows.context)
    data_url = handle_method(flows.data_url)
    openai_kwargs = handle_method(flows.openai_kwargs)
