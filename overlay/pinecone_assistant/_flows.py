"""Every method of the clients and handles, written once as a flow (see ``_io``).

A flow takes the client it runs on (``core``) and the method's arguments, checks them, and yields
the requests, waits and reads it needs; the sync client performs them with blocking I/O, the async
client on its event loop. The signatures here are the public ones: ``_methods`` turns each flow into
a method of :class:`~pinecone_assistant.AssistantClient`, of its async twin and of the handles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, TypeVar, Unpack

from ._call import NOT_GIVEN, ApiCall, NotGiven, check_assistant_name
from ._constants import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT
from ._core import Core, Deferred, Poll, check_wait, logger, pagination_token
from ._io import Drain, Flow, Hold, Sleep, arun, run
from .errors import APIResponseValidationError, connection_error_from, make_status_error

if TYPE_CHECKING:
    import httpx
    from assistant_api.models.alignment_response import AlignmentResponse
    from assistant_api.models.assistant import Assistant
    from assistant_api.models.assistant_file_model import AssistantFileModel
    from assistant_api.models.context_model import ContextModel
    from assistant_api.models.operation_model import OperationModel

    from . import assistants as _assistants
    from . import chat as _chat
    from . import completions as _completions
    from . import context as _context
    from . import evaluation as _evaluation
    from . import files as _files
    from . import operations as _operations
    from . import retries as _retries
    from .chat import ContextOptionsInput, MessagesInput
    from .files import FileInput
    from .filter import FilterLike

    class RequestOptions(TypedDict, total=False):
        """Options every method takes for one call (as ``with_options`` does for many)."""

        #: Seconds (> 0), an ``httpx.Timeout``, or None for no limit.
        timeout: float | httpx.Timeout | None
        #: Retries after the first attempt (0 disables them).
        max_retries: int

else:
    # The modules of the operations load on first use, not when a client is built (-X importtime).
    _assistants = Deferred("assistants")
    _chat = Deferred("chat")
    _completions = Deferred("completions")
    _context = Deferred("context")
    _evaluation = Deferred("evaluation")
    _files = Deferred("files")
    _operations = Deferred("operations")
    # httpx and the retry loop load with the first request (the http client is made then too), so
    # that importing the package and building a client stay cheap (import_time_vs_openai).
    _retries = Deferred("retries")
    httpx = Deferred("httpx", None)

T = TypeVar("T")
R = TypeVar("R")


# --------------------------------------------------------------------------- sending


def request(core: Core, call: ApiCall[T], hold: bool = True) -> Flow[T]:
    """Send ``call`` (retried as the client's policy says) and parse its answer."""
    base = core._fixed_base(call)
    if base is None:
        assert call.assistant is not None
        base = yield from _data_base(core, call.assistant)
    sent = core._build(call, base)
    held = hold and core._hold
    if logger.isEnabledFor(10):
        logger.debug("%s %s headers=%s", sent.method, sent.url.path, _redacted(sent.headers))
    try:
        response: httpx.Response = yield from _retries.retry_flow(
            sent, core._policy, stream=call.stream or held
        )
        if response.status_code >= 400:
            if call.stream or held:
                yield Drain(response, False)
            raise make_status_error(response)
    except httpx.TransportError as exc:
        raise connection_error_from(exc) from exc
    if held:
        core._hold = False
        response = yield Hold(response, call.stream)
    try:
        return call.parse(response)
    except Exception:
        yield Drain(response, True)
        raise


def _redacted(headers: httpx.Headers) -> dict[str, str]:
    from .errors import redact_headers

    return dict(redact_headers(headers))


def _data_base(core: Core, assistant_name: str) -> Flow[str]:
    base = core._hosts.get(check_assistant_name(assistant_name))
    if base is None:
        core._remember(
            (
                yield from request(
                    core, _assistants.describe(assistant_name, api_version=core.api_version), hold=False
                )
            )
        )
        base = core._hosts[assistant_name]
    return base


def poll(
    core: Core, fetch: Callable[[], Flow[R]], settled: Callable[[R], bool], wait: Poll, what: str
) -> Flow[R]:
    """Fetch until ``settled``, sleeping between looks."""
    while True:
        resource = yield from fetch()
        if settled(resource):
            return resource
        yield Sleep(wait.next_sleep(what, resource))


class Pages(Generic[T]):
    """The items of a paginated listing, fetched a page at a time as they are iterated.

    Iterate it with ``for`` on a sync client and ``async for`` on an async one.
    """

    def __init__(
        self, fetch: Callable[[str | None], Flow[Any]], items: Callable[[Any], list[T]], perform: Any
    ) -> None:
        self._fetch = fetch
        self._items = items
        self._perform = perform
        self._buffer: list[T] = []
        self._token: str | None = None
        self._started = False

    def _take(self) -> tuple[bool, T | None]:
        """(True, item) when one is buffered; (False, None) when a page must be fetched."""
        if self._buffer:
            return True, self._buffer.pop(0)
        if self._started and self._token is None:
            raise StopIteration
        return False, None

    def _got(self, page: Any) -> None:
        self._started = True
        self._buffer = list(self._items(page))
        self._token = pagination_token(page, self._token)

    def first_page(self) -> Flow[Any]:
        """The flow fetching the first page."""
        return self._fetch(None)

    def __iter__(self) -> Pages[T]:
        return self

    def __next__(self) -> T:
        ready, item = self._take()
        while not ready:
            self._got(run(self._fetch(self._token), self._perform))
            ready, item = self._take()
        return item  # type: ignore[return-value]

    def __aiter__(self) -> Pages[T]:
        return self

    async def __anext__(self) -> T:
        try:
            ready, item = self._take()
            while not ready:
                self._got(await arun(self._fetch(self._token), self._perform))
                ready, item = self._take()
        except StopIteration:
            raise StopAsyncIteration from None
        return item  # type: ignore[return-value]


class Listing(Generic[T]):
    """What a listing flow returns: how to fetch a page and where its items are."""

    __slots__ = ("fetch", "items")

    def __init__(self, fetch: Callable[[str | None], Flow[Any]], items: Callable[[Any], list[T]]) -> None:
        self.fetch = fetch
        self.items = items


# --------------------------------------------------------------------------- assistants


def create_assistant(
    core: Core,
    name: str,
    *,
    instructions: str | NotGiven | None = NOT_GIVEN,
    metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
    region: str | NotGiven = NOT_GIVEN,
    wait: bool = True,
    wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    **options: Unpack[RequestOptions],
) -> Flow[Assistant]:
    """Create an assistant; with ``wait`` (default) return once it is ``Ready``."""
    call = _assistants.create(
        name, instructions=instructions, metadata=metadata, region=region, api_version=core.api_version
    )
    check_wait(wait_timeout, poll_interval)
    created = core._remember((yield from request(core, call)))
    if not wait or _assistants.is_ready(created):
        return created
    return (yield from wait_until_ready(core, name, wait_timeout=wait_timeout, poll_interval=poll_interval))


def list_assistants(
    core: Core, *, limit: int | None = None, **options: Unpack[RequestOptions]
) -> Listing[Assistant]:
    """Every assistant, following pagination (``limit``: page size, 1-100)."""
    _assistants.list_page(limit=limit, pagination_token=None, api_version=core.api_version)

    def fetch(token: str | None) -> Flow[Any]:
        call = _assistants.list_page(limit=limit, pagination_token=token, api_version=core.api_version)
        page = yield from request(core, call)
        for assistant in page.assistants:
            core._remember(assistant)
        return page

    return Listing(fetch, lambda page: page.assistants)


def describe_assistant(core: Core, name: str, **options: Unpack[RequestOptions]) -> Flow[Assistant]:
    """The assistant ``name`` (also caches its data-plane host)."""
    return core._remember(
        (yield from request(core, _assistants.describe(name, api_version=core.api_version)))
    )


def update_assistant(
    core: Core,
    name: str,
    *,
    instructions: str | NotGiven | None = NOT_GIVEN,
    metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
    **options: Unpack[RequestOptions],
) -> Flow[Assistant]:
    """Change instructions and/or metadata (None clears a field; a field not passed is kept)."""
    call = _assistants.update(
        name, instructions=instructions, metadata=metadata, api_version=core.api_version
    )
    return core._remember((yield from request(core, call)))


def delete_assistant(core: Core, name: str, **options: Unpack[RequestOptions]) -> Flow[None]:
    """Delete the assistant and its files (deletion finishes in the background)."""
    yield from request(core, _assistants.delete(name, api_version=core.api_version))
    core._hosts.pop(name, None)


def wait_until_ready(
    core: Core,
    name: str,
    *,
    wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    **options: Unpack[RequestOptions],
) -> Flow[Assistant]:
    """Poll until the assistant is ``Ready``.

    Raises :class:`~pinecone_assistant.errors.ProcessingFailedError` if it failed or is being
    deleted, :class:`~pinecone_assistant.errors.WaitTimeoutError` after ``wait_timeout`` seconds.
    """
    check_assistant_name(name)
    wait = Poll(wait_timeout, poll_interval)
    return (
        yield from poll(
            core,
            lambda: describe_assistant(core, name),
            _assistants.is_ready,
            wait,
            f"assistant {name!r} to be Ready",
        )
    )


# --------------------------------------------------------------------------- files


def upload_file(
    core: Core,
    assistant_name: str,
    file: FileInput,
    *,
    file_name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    multimodal: bool | None = None,
    wait: bool = True,
    wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    **options: Unpack[RequestOptions],
) -> Flow[AssistantFileModel]:
    """Upload a file (a path, bytes or a binary file object) with optional metadata.

    ``file_name`` is required for bytes and unnamed file objects (its extension picks the parser).
    With ``wait`` (default) return once the file is ``Available``; a failed processing raises
    :class:`~pinecone_assistant.errors.ProcessingFailedError` carrying the service's ``error_message``.
    """
    return (
        yield from _send_file(
            core,
            assistant_name,
            None,
            file,
            file_name,
            metadata,
            multimodal,
            wait,
            Poll(wait_timeout, poll_interval),
        )
    )


def upsert_file(
    core: Core,
    assistant_name: str,
    file_id: str,
    file: FileInput,
    *,
    file_name: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    multimodal: bool | None = None,
    wait: bool = True,
    wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    **options: Unpack[RequestOptions],
) -> Flow[AssistantFileModel]:
    """Create or replace the file with id ``file_id`` (API 2026-04 and later); see ``upload_file``."""
    return (
        yield from _send_file(
            core,
            assistant_name,
            file_id,
            file,
            file_name,
            metadata,
            multimodal,
            wait,
            Poll(wait_timeout, poll_interval),
        )
    )


def _send_file(  # noqa: PLR0917 - private, called from two places
    core: Core,
    assistant_name: str,
    file_id: str | None,
    file: FileInput,
    file_name: str | None,
    metadata: Mapping[str, Any] | None,
    multimodal: bool | None,
    wait: bool,
    poll_: Poll,
) -> Flow[AssistantFileModel]:
    checked = _files.check_metadata(metadata)
    with _files.open_payload(file, file_name) as payload:
        if file_id is None:
            call = _files.upload(
                assistant_name, payload, metadata=checked, multimodal=multimodal, api_version=core.api_version
            )
        else:
            call = _files.upsert(
                assistant_name,
                file_id,
                payload,
                metadata=checked,
                multimodal=multimodal,
                api_version=core.api_version,
            )
        result = yield from request(core, call)
    from assistant_api.models.operation_model import OperationModel

    if not isinstance(result, OperationModel):
        file_model: AssistantFileModel = result
        if not wait or _files.is_available(file_model):
            return file_model
        return (yield from _wait_file(core, assistant_name, file_model.id, poll_))
    operation = result
    if wait and not _operations.is_complete(operation):
        operation = yield from poll(
            core,
            lambda: describe_operation(core, assistant_name, operation.id),
            _operations.is_complete,
            poll_,
            f"operation {operation.id} to complete",
        )
    done_id = _operation_file_id(operation)
    described = yield from describe_file(core, assistant_name, done_id)
    if not wait or _files.is_available(described):
        return described
    return (yield from _wait_file(core, assistant_name, done_id, poll_))


def _wait_file(core: Core, assistant_name: str, file_id: str, wait: Poll) -> Flow[AssistantFileModel]:
    return (
        yield from poll(
            core,
            lambda: describe_file(core, assistant_name, file_id),
            _files.is_available,
            wait,
            f"file {file_id} to be Available",
        )
    )


def _operation_file_id(operation: OperationModel) -> str:
    file_id = operation.file_id
    if not isinstance(file_id, str) or not file_id:
        raise APIResponseValidationError(
            f"The {operation.operation_type} operation {operation.id} does not name its file "
            "(file_id is missing)."
        )
    return file_id


def wait_for_file(
    core: Core,
    assistant_name: str,
    file_id: str,
    *,
    wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    **options: Unpack[RequestOptions],
) -> Flow[AssistantFileModel]:
    """Poll until the file is no longer ``Processing``; ``ProcessingFailed`` raises
    :class:`~pinecone_assistant.errors.ProcessingFailedError` with its ``error_message``."""
    _files.describe(assistant_name, file_id, include_url=False, api_version=core.api_version)
    return (yield from _wait_file(core, assistant_name, file_id, Poll(wait_timeout, poll_interval)))


def _filter_query(value: FilterLike | None) -> str | None:
    if value is None:
        return None
    from .filter import encode_filter_query

    return encode_filter_query(value)


def list_files(
    core: Core,
    assistant_name: str,
    *,
    filter: FilterLike | None = None,
    limit: int | None = None,
    **options: Unpack[RequestOptions],
) -> Listing[AssistantFileModel]:
    """The assistant's files, following pagination; ``filter`` (a dict or builder) matches metadata."""
    query = _filter_query(filter)

    def call(token: str | None) -> ApiCall[Any]:
        return _files.list_page(
            assistant_name,
            filter_query=query,
            limit=limit,
            pagination_token=token,
            api_version=core.api_version,
        )

    call(None)
    return Listing(lambda token: request(core, call(token)), lambda page: page.files)


def describe_file(
    core: Core,
    assistant_name: str,
    file_id: str,
    *,
    include_url: bool = False,
    **options: Unpack[RequestOptions],
) -> Flow[AssistantFileModel]:
    """One file; ``include_url`` adds a temporary ``signed_url`` to download it."""
    call = _files.describe(assistant_name, file_id, include_url=include_url, api_version=core.api_version)
    return (yield from request(core, call))


def delete_file(
    core: Core,
    assistant_name: str,
    file_id: str,
    *,
    wait: bool = False,
    wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    **options: Unpack[RequestOptions],
) -> Flow[OperationModel | None]:
    """Delete a file: the delete operation (2026-04) or None; ``wait`` polls the operation to its end."""
    call = _files.delete(assistant_name, file_id, api_version=core.api_version)
    wait_ = Poll(wait_timeout, poll_interval)
    operation = yield from request(core, call)
    if operation is None or not wait or _operations.is_complete(operation):
        return operation
    return (
        yield from poll(
            core,
            lambda: describe_operation(core, assistant_name, operation.id),
            _operations.is_complete,
            wait_,
            f"operation {operation.id} to complete",
        )
    )


# --------------------------------------------------------------------------- operations


def list_operations(
    core: Core,
    assistant_name: str,
    *,
    operation_type: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    **options: Unpack[RequestOptions],
) -> Listing[OperationModel]:
    """The assistant's recent operations (kept 30 days), following pagination (API 2026-04)."""

    def call(token: str | None) -> ApiCall[Any]:
        return _operations.list_page(
            assistant_name,
            operation_type=operation_type,
            status=status,
            limit=limit,
            pagination_token=token,
            api_version=core.api_version,
        )

    call(None)
    return Listing(lambda token: request(core, call(token)), lambda page: page.operations)


def describe_operation(
    core: Core, assistant_name: str, operation_id: str, **options: Unpack[RequestOptions]
) -> Flow[OperationModel]:
    """One operation (API 2026-04)."""
    return (
        yield from request(
            core, _operations.describe(assistant_name, operation_id, api_version=core.api_version)
        )
    )


def wait_for_operation(
    core: Core,
    assistant_name: str,
    operation_id: str,
    *,
    wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
    poll_interval: float = DEFAULT_POLL_INTERVAL,
    **options: Unpack[RequestOptions],
) -> Flow[OperationModel]:
    """Poll until the operation is no longer ``Processing``; ``Failed`` raises
    :class:`~pinecone_assistant.errors.ProcessingFailedError` with its ``error_message``."""
    _operations.describe(assistant_name, operation_id, api_version=core.api_version)
    return (
        yield from poll(
            core,
            lambda: describe_operation(core, assistant_name, operation_id),
            _operations.is_complete,
            Poll(wait_timeout, poll_interval),
            f"operation {operation_id} to complete",
        )
    )


# --------------------------------------------------------------------------- chat


def chat(
    core: Core,
    assistant_name: str,
    messages: MessagesInput,
    *,
    stream: bool = False,
    model: str | None = None,
    temperature: float | None = None,
    filter: FilterLike | None = None,
    json_response: bool | None = None,
    include_highlights: bool | None = None,
    context_options: ContextOptionsInput | None = None,
    **options: Unpack[RequestOptions],
) -> Flow[Any]:
    """Ask the assistant; answers come from its files, with citations.

    ``messages`` is the conversation (dicts with ``role`` and ``content``, or ``Message``), or one
    question string. ``filter`` limits the files used (dict or :mod:`~pinecone_assistant.filter`
    builder); ``context_options`` takes ``top_k`` (1-64), ``snippet_size`` (512-8192),
    ``multimodal``, ``include_binary_content``. With ``stream=True`` the answer is a
    :class:`~pinecone_assistant.stream.ChatStream`; ``json_response`` cannot be combined with it.
    Everything is checked before sending (:class:`~pinecone_assistant.errors.ClientValidationError`).
    """
    kwargs = _chat.build(
        assistant_name,
        messages,
        stream=stream,
        model=model,
        temperature=temperature,
        filter=filter,
        json_response=json_response,
        include_highlights=include_highlights,
        context_options=context_options,
        api_version=core.api_version,
    )
    if stream:
        call: ApiCall[Any] = ApiCall("data", kwargs, core._stream_class("chat"), assistant_name, stream=True)
    else:
        call = _chat.call(kwargs, assistant_name)
    return (yield from request(core, call))


def chat_completions(
    core: Core,
    assistant_name: str,
    messages: MessagesInput,
    *,
    stream: bool = False,
    model: str | None = None,
    temperature: float | None = None,
    filter: FilterLike | None = None,
    **options: Unpack[RequestOptions],
) -> Flow[Any]:
    """Ask the assistant through its OpenAI-compatible endpoint (citations inline in the text).

    With ``stream=True`` the answer is a :class:`~pinecone_assistant.stream.CompletionStream`. To
    use the openai SDK instead, see ``openai_kwargs``.
    """
    kwargs = _completions.build(
        assistant_name,
        messages,
        stream=stream,
        model=model,
        temperature=temperature,
        filter=filter,
        api_version=core.api_version,
    )
    if stream:
        call: ApiCall[Any] = ApiCall(
            "data", kwargs, core._stream_class("completion"), assistant_name, stream=True
        )
    else:
        call = _completions.call(kwargs, assistant_name)
    return (yield from request(core, call))


def context(
    core: Core,
    assistant_name: str,
    *,
    query: str | None = None,
    messages: MessagesInput | None = None,
    filter: FilterLike | None = None,
    top_k: int | None = None,
    snippet_size: int | None = None,
    multimodal: bool | None = None,
    include_binary_content: bool | None = None,
    **options: Unpack[RequestOptions],
) -> Flow[ContextModel]:
    """The snippets of the assistant's files relevant to ``query`` or to ``messages`` (exactly one)."""
    call = _context.build(
        assistant_name,
        query=query,
        messages=messages,
        filter=filter,
        top_k=top_k,
        snippet_size=snippet_size,
        multimodal=multimodal,
        include_binary_content=include_binary_content,
        api_version=core.api_version,
    )
    return (yield from request(core, call))


def evaluate_alignment(
    core: Core, *, question: str, answer: str, ground_truth_answer: str, **options: Unpack[RequestOptions]
) -> Flow[AlignmentResponse]:
    """Score ``answer`` against ``ground_truth_answer`` (correctness, completeness, alignment)."""
    call = _evaluation.alignment(
        question=question,
        answer=answer,
        ground_truth_answer=ground_truth_answer,
        api_version=core.api_version,
    )
    return (yield from request(core, call))


def data_url(core: Core, assistant_name: str, **options: Unpack[RequestOptions]) -> Flow[str]:
    """The data-plane base URL of an assistant (``{host}/assistant``), described once and cached."""
    return (yield from _data_base(core, assistant_name))


def openai_kwargs(core: Core, assistant_name: str, **options: Unpack[RequestOptions]) -> Flow[dict[str, Any]]:
    """Keyword arguments for ``openai.OpenAI(**kwargs)`` (``AsyncOpenAI`` on the async client) aimed at
    the assistant's completions endpoint.

    ``base_url`` is ``{host}/assistant/chat/{name}``; the key goes in ``api_key`` (sent by the SDK
    as ``Authorization: Bearer``) and in ``default_headers`` as ``Api-Key``, next to
    ``X-Pinecone-Api-Version``. The result contains the key: do not log it.
    """
    base = yield from _data_base(core, assistant_name)
    return _completions.openai_kwargs(base, assistant_name, core._key.reveal(), core.api_version)


#: Literal names of the stream kinds (see ``Core._stream_class``).
StreamKind = Literal["chat", "completion"]
