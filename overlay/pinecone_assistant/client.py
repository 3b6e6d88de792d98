"""The public clients: :class:`AssistantClient` and its async twin :class:`AsyncAssistantClient`.

Both cover the whole Assistant API: assistants (control plane), files, operations, chat, chat
completions and context (the data plane of each assistant) and alignment evaluation. Every request
is built by the generated request builder of its operation (``assistant_api.api.<tag>.<op>._get_kwargs``)
and sent with the client's own httpx client, whose transport retries what
:class:`~pinecone_assistant.retries.RetryPolicy` says to retry. Error statuses become the typed
exceptions of :mod:`pinecone_assistant.errors`; successful bodies are read with the generated models.

The data-plane host of an assistant is its ``host`` (from describe, create or list), with
``/assistant`` appended, looked up once and cached per assistant name.

``client.assistant("name")`` returns a handle bound to one assistant with the same methods minus the
``assistant_name`` argument::

    with AssistantClient() as client:                    # key from PINECONE_API_KEY
        docs = client.assistant("docs")
        docs.upload_file("handbook.pdf", metadata={"team": "hr"})
        print(docs.chat("How many vacation days do I get?").text)
        with docs.chat("Summarise the handbook", stream=True) as stream:
            for text in stream.text_stream:
                print(text, end="")
"""

from __future__ import annotations

import copy
import importlib
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, overload

import httpx
import orjson

from ._call import NOT_GIVEN, ApiCall, NotGiven, check_assistant_name
from ._constants import (
    API_KEY_ENV,
    API_KEY_HEADER,
    API_VERSION,
    CONTROL_HOST,
    CONTROL_HOST_ENV,
    DEFAULT_CONNECTION_LIMITS,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT,
    DEFAULT_WAIT_TIMEOUT,
    EVALUATION_HOST,
    EVALUATION_HOST_ENV,
    EVALUATION_HOST_EU,
    PATH_PREFIX,
)
from .errors import (
    APIResponseValidationError,
    ClientValidationError,
    WaitTimeoutError,
    connection_error_from,
    make_status_error,
)
from .retries import RETRY_POLICY_EXTENSION, AsyncRetryTransport, RetryPolicy, RetryTransport


class _Deferred:
    """A submodule of this package, imported on first attribute access; attributes are then cached."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(f".{self._name}", __package__), attr)
        setattr(self, attr, value)
        return value


if TYPE_CHECKING:
    from . import assistants as _assistants
    from . import chat as _chat
    from . import completions as _completions
    from . import context as _context
    from . import evaluation as _evaluation
    from . import files as _files
    from . import operations as _operations
else:
    # The modules of the operations load on first use, not when a client is built (-X importtime:
    # about 1.5 ms of the ~8 ms `import pinecone_assistant.client` costs with bytecode cached).
    _assistants = _Deferred("assistants")
    _chat = _Deferred("chat")
    _completions = _Deferred("completions")
    _context = _Deferred("context")
    _evaluation = _Deferred("evaluation")
    _files = _Deferred("files")
    _operations = _Deferred("operations")

if TYPE_CHECKING:
    from assistant_api.models.alignment_response import AlignmentResponse
    from assistant_api.models.assistant import Assistant
    from assistant_api.models.assistant_file_model import AssistantFileModel
    from assistant_api.models.context_model import ContextModel
    from assistant_api.models.operation_model import OperationModel

    from .chat import ChatResponse, ContextOptionsInput, MessagesInput
    from .completions import CompletionResponse
    from .files import FileInput
    from .filter import FilterLike
    from .handles import AssistantHandle, AsyncAssistantHandle
    from .stream import AsyncChatStream, AsyncCompletionStream, ChatStream, CompletionStream

__all__ = ["AssistantClient", "AsyncAssistantClient"]

T = TypeVar("T")
R = TypeVar("R")

USER_AGENT = "pinecone-assistant-python"
_VERSION = re.compile(r"^\d{4}-\d{2}(\.[A-Za-z0-9]+)?$")
#: Entries kept in each request-building cache before it is emptied (paths with file ids vary).
_CACHE_LIMIT = 256


# --------------------------------------------------------------------------- configuration


class _Secret:
    """A string that never shows itself in a repr."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'[REDACTED]'"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("an API key cannot be pickled")


def base_url(host: str) -> str:
    """The API base of a host: a scheme is added if missing (https), ``/assistant`` appended once."""
    value = host.strip().rstrip("/")
    if not value:
        raise ClientValidationError("A host is empty; pass a URL such as 'https://api.pinecone.io'.")
    if "://" not in value:
        value = "https://" + value
    if value.endswith(PATH_PREFIX):
        value = value[: -len(PATH_PREFIX)]
    return value + PATH_PREFIX


def _api_key(api_key: str | None) -> _Secret:
    if api_key is None:
        api_key = os.environ.get(API_KEY_ENV)
        if not api_key:
            raise ClientValidationError(
                f"No API key: pass api_key=... or set the {API_KEY_ENV} environment variable."
            )
    if not isinstance(api_key, str) or not api_key.strip():
        raise ClientValidationError(
            f"The API key must be a non-empty string; pass api_key=... or set {API_KEY_ENV}."
        )
    return _Secret(api_key.strip())


def _timeout(value: float | httpx.Timeout | NotGiven | None) -> httpx.Timeout | NotGiven | None:
    if isinstance(value, NotGiven) or value is None or isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ClientValidationError(
            f"timeout must be a positive number of seconds, an httpx.Timeout or None, got {value!r}."
        )
    return httpx.Timeout(float(value))


def _policy(max_retries: int | None, retry_policy: RetryPolicy | None) -> RetryPolicy:
    policy = retry_policy if retry_policy is not None else RetryPolicy()
    if not isinstance(policy, RetryPolicy):
        raise TypeError(f"retry_policy must be a RetryPolicy, got {type(policy).__name__}")
    return policy if max_retries is None else policy.replace(max_retries=max_retries)


def _check_wait(wait_timeout: float | None, poll_interval: float) -> None:
    if wait_timeout is not None and (
        isinstance(wait_timeout, bool) or not isinstance(wait_timeout, int | float) or wait_timeout < 0
    ):
        raise ClientValidationError(
            f"wait_timeout must be a number of seconds >= 0 or None, got {wait_timeout!r}."
        )
    if isinstance(poll_interval, bool) or not isinstance(poll_interval, int | float) or poll_interval <= 0:
        raise ClientValidationError(
            f"poll_interval must be a positive number of seconds, got {poll_interval!r}."
        )


class _Poll:
    """Deadline bookkeeping of one wait."""

    __slots__ = ("deadline", "interval", "timeout")

    def __init__(self, wait_timeout: float | None, poll_interval: float) -> None:
        _check_wait(wait_timeout, poll_interval)
        self.timeout = wait_timeout
        self.interval = float(poll_interval)
        self.deadline = None if wait_timeout is None else time.monotonic() + wait_timeout

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(self.deadline - time.monotonic(), 0.0)

    def next_sleep(self, what: str, resource: Any) -> float:
        """Seconds to sleep before the next look, or :class:`WaitTimeoutError` if time is up."""
        left = self.remaining()
        if left is not None and left <= 0:
            raise WaitTimeoutError(
                f"Gave up waiting for {what} after {self.timeout} s; pass a larger wait_timeout= "
                "(None waits without limit). The last state seen is on `.resource`.",
                resource=resource,
            )
        return self.interval if left is None else min(self.interval, left)


def _pagination_token(page: Any, previous: str | None) -> str | None:
    pagination = getattr(page, "pagination", None)
    token = getattr(pagination, "next_", None)
    if not isinstance(token, str) or not token:
        return None
    if token == previous:
        raise APIResponseValidationError(
            f"The service returned the same pagination token twice ({token!r}); stopping to avoid a loop."
        )
    return token


class _Core:
    """Configuration and request building shared by the sync and async clients."""

    _http: Any

    def __init__(
        self,
        *,
        api_key: str | None,
        control_host: str | None,
        evaluation_host: str | None,
        api_version: str,
        timeout: float | httpx.Timeout | NotGiven | None,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        self._key = _api_key(api_key)
        self._control_base = base_url(control_host or os.environ.get(CONTROL_HOST_ENV) or CONTROL_HOST)
        self._evaluation_base = base_url(
            evaluation_host or os.environ.get(EVALUATION_HOST_ENV) or EVALUATION_HOST
        )
        if not isinstance(api_version, str) or not _VERSION.match(api_version):
            raise ClientValidationError(f"api_version must look like '2026-04', got {api_version!r}.")
        self._api_version = api_version
        self._timeout = _timeout(timeout)
        self._policy = _policy(max_retries, retry_policy)
        #: Per-request retry policy set by with_options (None: the transport's own).
        self._call_policy: RetryPolicy | None = None
        self._headers = {"User-Agent": USER_AGENT, **dict(default_headers or {})}
        #: assistant name -> data-plane base URL (``{host}/assistant``), shared with with_options copies.
        self._hosts: dict[str, str] = {}
        self._owns_http = True
        #: Request building caches (see _build): parsed URLs, and merged headers per kind of call.
        self._urls: dict[str, httpx.URL] = {}
        self._merged_headers: dict[tuple[Any, ...], tuple[list[tuple[bytes, bytes]], httpx.Headers]] = {}

    # -- public configuration

    @property
    def api_version(self) -> str:
        """The API version sent as ``X-Pinecone-Api-Version``."""
        return self._api_version

    @property
    def control_url(self) -> str:
        """Base URL of the control plane (``{host}/assistant``)."""
        return self._control_base

    @property
    def evaluation_url(self) -> str:
        """Base URL of the evaluation endpoint (``{host}/assistant``)."""
        return self._evaluation_base

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy requests of this client use."""
        return self._call_policy or self._policy

    @property
    def http_client(self) -> Any:
        """The underlying httpx client."""
        return self._http

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(control_url={self._control_base!r}, api_version={self._api_version!r}, "
            f"max_retries={self.retry_policy.max_retries})"
        )

    def _copy(
        self,
        timeout: float | httpx.Timeout | NotGiven | None,
        max_retries: int | NotGiven | None,
        retry_policy: RetryPolicy | None,
        headers: Mapping[str, str] | None,
    ) -> Self:
        clone = copy.copy(self)
        clone._owns_http = False
        if not isinstance(timeout, NotGiven):
            clone._timeout = _timeout(timeout)
        if retry_policy is not None or not isinstance(max_retries, NotGiven):
            base = retry_policy if retry_policy is not None else self.retry_policy
            clone._call_policy = _policy(None if isinstance(max_retries, NotGiven) else max_retries, base)
        if headers:
            clone._headers = {**self._headers, **dict(headers)}
            clone._merged_headers = {}
        return clone

    # -- hosts

    def _remember(self, assistant: Assistant) -> Assistant:
        from assistant_api.types import Unset

        host = assistant.host
        if isinstance(host, str) and host.strip():
            self._hosts[assistant.name] = base_url(host)
        else:
            # No host in the answer: the regional default data host (what the official clients use).
            region = assistant.region
            fallback = (
                EVALUATION_HOST_EU
                if not isinstance(region, Unset) and str(region) == "eu"
                else EVALUATION_HOST
            )
            self._hosts[assistant.name] = base_url(fallback)
        return assistant

    def _bind_host(self, name: str, host: str | None) -> None:
        check_assistant_name(name)
        if host is not None:
            self._hosts[name] = base_url(host)

    # -- requests

    def _build(self, call: ApiCall[Any], base: str) -> httpx.Request:
        kwargs = call.kwargs
        http = self._http
        body = kwargs.get("json")
        content = orjson.dumps(body) if body is not None else None
        extensions: dict[str, Any] = {}
        if self._call_policy is not None:
            extensions[RETRY_POLICY_EXTENSION] = self._call_policy
        call_headers: dict[str, str] = kwargs.get("headers", {})
        files = kwargs.get("files")
        params = kwargs.get("params") or None
        if files is None and params is None and not http.params and not http.cookies:
            # What http.build_request would make, from a parsed URL and merged headers kept per kind
            # of call: it saves ~30 us of a ~0.9 ms loopback chat (chat_p50_vs_httpx, nox -s bench).
            timeout = http.timeout if isinstance(self._timeout, NotGiven) else httpx.Timeout(self._timeout)
            extensions["timeout"] = timeout.as_dict()
            return httpx.Request(
                kwargs["method"].upper(),
                self._url(base + kwargs["url"]),
                content=content,
                headers=self._headers_for(call_headers, call.stream),
                extensions=extensions,
            )
        request: httpx.Request = http.build_request(
            kwargs["method"].upper(),
            base + kwargs["url"],
            params=params,
            content=content,
            files=files,
            headers=self._own_headers(call_headers, call.stream),
            timeout=httpx.USE_CLIENT_DEFAULT if isinstance(self._timeout, NotGiven) else self._timeout,
            extensions=extensions,
        )
        return request

    def _own_headers(self, call_headers: Mapping[str, str], stream: bool) -> dict[str, str]:
        headers = {**self._headers, **call_headers}
        headers[API_KEY_HEADER] = self._key.reveal()
        headers.setdefault("Accept", "text/event-stream" if stream else "application/json")
        return headers

    def _headers_for(self, call_headers: Mapping[str, str], stream: bool) -> httpx.Headers:
        """The http client's headers updated with ours, as ``build_request`` merges them (cached)."""
        client_headers = self._http.headers.raw
        key = (stream, *call_headers.items())
        cached = self._merged_headers.get(key)
        if cached is not None and cached[0] == client_headers:
            return cached[1]
        merged = httpx.Headers(self._http.headers)
        merged.update(self._own_headers(call_headers, stream))
        if len(self._merged_headers) >= _CACHE_LIMIT:
            self._merged_headers.clear()
        self._merged_headers[key] = (client_headers, merged)
        return merged

    def _url(self, url: str) -> httpx.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= _CACHE_LIMIT:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
        return parsed

    def _fixed_base(self, call: ApiCall[Any]) -> str | None:
        if call.plane == "control":
            return self._control_base
        if call.plane == "evaluation":
            return self._evaluation_base
        assert call.assistant is not None
        return self._hosts.get(call.assistant)


def _new_sync_http(
    transport: httpx.BaseTransport | None, policy: RetryPolicy, timeout: httpx.Timeout | NotGiven | None
) -> httpx.Client:
    inner = transport if transport is not None else httpx.HTTPTransport(limits=DEFAULT_CONNECTION_LIMITS)
    return httpx.Client(
        transport=RetryTransport(inner, policy),
        timeout=DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else timeout,
    )


def _new_async_http(
    transport: httpx.AsyncBaseTransport | None, policy: RetryPolicy, timeout: httpx.Timeout | NotGiven | None
) -> httpx.AsyncClient:
    inner = transport if transport is not None else httpx.AsyncHTTPTransport(limits=DEFAULT_CONNECTION_LIMITS)
    return httpx.AsyncClient(
        transport=AsyncRetryTransport(inner, policy),
        timeout=DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else timeout,
    )


def _filter_query(value: FilterLike | None) -> str | None:
    if value is None:
        return None
    from .filter import encode_filter_query

    return encode_filter_query(value)


def _upload_result_kind(result: Any) -> Literal["operation", "file"]:
    from assistant_api.models.operation_model import OperationModel

    return "operation" if isinstance(result, OperationModel) else "file"


def _operation_file_id(operation: OperationModel) -> str:
    file_id = operation.file_id
    if not isinstance(file_id, str) or not file_id:
        raise APIResponseValidationError(
            f"The {operation.operation_type} operation {operation.id} does not name its file "
            "(file_id is missing)."
        )
    return file_id


# --------------------------------------------------------------------------- sync


class AssistantClient(_Core):
    """Client for the Pinecone Assistant API.

    * ``api_key``: the key, else ``PINECONE_API_KEY``; never shown in a repr, log or exception.
    * ``control_host``: default ``https://api.pinecone.io`` (or ``PINECONE_PLUGIN_ASSISTANT_CONTROL_HOST``).
    * ``evaluation_host``: default the US data host (or ``PINECONE_PLUGIN_ASSISTANT_DATA_HOST``).
    * ``api_version``: sent as ``X-Pinecone-Api-Version`` (default: the version generated/ was built from).
    * ``timeout``: seconds or an ``httpx.Timeout`` (default 300 s, 5 s to connect); None for no limit.
    * ``max_retries`` / ``retry_policy``: retries of 408/409/429/5xx and connection errors (default 2;
      0 disables).
    * ``transport``: an httpx transport to send through (wrapped in the retry transport).
    * ``http_client``: an ``httpx.Client`` used as is (build it with ``transport=RetryTransport(...)``
      to keep retries).
    * ``default_headers``: extra headers for every request.

    Use it as a context manager or call :meth:`close`.
    """

    _http: httpx.Client

    def __init__(
        self,
        api_key: str | None = None,
        *,
        control_host: str | None = None,
        evaluation_host: str | None = None,
        api_version: str = API_VERSION,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            control_host=control_host,
            evaluation_host=evaluation_host,
            api_version=api_version,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=default_headers,
        )
        if http_client is not None:
            if not isinstance(http_client, httpx.Client):
                raise TypeError(f"http_client must be an httpx.Client, got {type(http_client).__name__}")
            if transport is not None:
                raise ClientValidationError("Pass either transport= or http_client=, not both.")
            self._http = http_client
            self._owns_http = False
        else:
            self._http = _new_sync_http(transport, self._policy, self._timeout)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven | None = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AssistantClient:
        """A copy for some calls with another timeout, retry policy or extra headers (same connections)."""
        return self._copy(timeout, max_retries, retry_policy, headers)

    # -- lifecycle

    def close(self) -> None:
        """Close the connections (only those the client opened itself)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- sending

    def _base(self, call: ApiCall[Any]) -> str:
        base = self._fixed_base(call)
        if base is None:
            assert call.assistant is not None
            base = self.data_url(call.assistant)
        return base

    def _request(self, call: ApiCall[T]) -> T:
        request = self._build(call, self._base(call))
        try:
            response = self._http.send(request, stream=call.stream)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        if response.status_code >= 400:
            if call.stream:
                try:
                    response.read()
                except httpx.TransportError as exc:
                    raise connection_error_from(exc) from exc
                finally:
                    response.close()
            raise make_status_error(response)
        try:
            return call.parse(response)
        except BaseException:
            response.close()
            raise

    def _poll(self, fetch: Callable[[], R], settled: Callable[[R], bool], poll: _Poll, what: str) -> R:
        while True:
            resource = fetch()
            if settled(resource):
                return resource
            time.sleep(poll.next_sleep(what, resource))

    def _pages(self, fetch: Callable[[str | None], Any], items: Callable[[Any], list[R]]) -> Iterator[R]:
        token: str | None = None
        while True:
            page = fetch(token)
            yield from items(page)
            token = _pagination_token(page, token)
            if token is None:
                return

    # -- assistants

    def assistant(self, name: str, *, host: str | None = None) -> AssistantHandle:
        """A handle bound to the assistant ``name``; ``host`` (its data-plane host) saves a describe call."""
        from .handles import AssistantHandle

        self._bind_host(name, host)
        return AssistantHandle(self, name)

    def create_assistant(
        self,
        name: str,
        *,
        instructions: str | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        region: str | NotGiven = NOT_GIVEN,
        wait: bool = True,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> Assistant:
        """Create an assistant; with ``wait`` (default) return once it is ``Ready``."""
        call = _assistants.create(
            name, instructions=instructions, metadata=metadata, region=region, api_version=self._api_version
        )
        _check_wait(wait_timeout, poll_interval)
        created = self._remember(self._request(call))
        if not wait or _assistants.is_ready(created):
            return created
        return self.wait_until_ready(name, wait_timeout=wait_timeout, poll_interval=poll_interval)

    def list_assistants(self, *, limit: int | None = None) -> Iterator[Assistant]:
        """Every assistant, following pagination (``limit``: page size, 1-100)."""
        _assistants.list_page(limit=limit, pagination_token=None, api_version=self._api_version)

        def fetch(token: str | None) -> Any:
            page = self._request(
                _assistants.list_page(limit=limit, pagination_token=token, api_version=self._api_version)
            )
            for assistant in page.assistants:
                self._remember(assistant)
            return page

        return self._pages(fetch, lambda page: page.assistants)

    def describe_assistant(self, name: str) -> Assistant:
        """The assistant ``name`` (also caches its data-plane host)."""
        return self._remember(self._request(_assistants.describe(name, api_version=self._api_version)))

    def update_assistant(
        self,
        name: str,
        *,
        instructions: str | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
    ) -> Assistant:
        """Change instructions and/or metadata (None clears a field; a field not passed is kept)."""
        return self._request(
            _assistants.update(
                name, instructions=instructions, metadata=metadata, api_version=self._api_version
            )
        )

    def delete_assistant(self, name: str) -> None:
        """Delete the assistant and its files (deletion finishes in the background)."""
        self._request(_assistants.delete(name, api_version=self._api_version))
        self._hosts.pop(name, None)

    def wait_until_ready(
        self,
        name: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> Assistant:
        """Poll until the assistant is ``Ready``.

        Raises :class:`~pinecone_assistant.errors.ProcessingFailedError` if it failed or is being
        deleted, :class:`~pinecone_assistant.errors.WaitTimeoutError` after ``wait_timeout`` seconds.
        """
        check_assistant_name(name)
        poll = _Poll(wait_timeout, poll_interval)
        return self._poll(
            lambda: self.describe_assistant(name),
            _assistants.is_ready,
            poll,
            f"assistant {name!r} to be Ready",
        )

    # -- files

    def upload_file(
        self,
        assistant_name: str,
        file: FileInput,
        *,
        file_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        multimodal: bool | None = None,
        wait: bool = True,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> AssistantFileModel:
        """Upload a file (a path, bytes or a binary file object) with optional metadata.

        ``file_name`` is required for bytes and unnamed file objects (its extension picks the parser).
        With ``wait`` (default) return once the file is ``Available``; a failed processing raises
        :class:`~pinecone_assistant.errors.ProcessingFailedError` carrying the service's ``error_message``.
        """
        checked = _files.check_metadata(metadata)
        _check_wait(wait_timeout, poll_interval)
        poll = _Poll(wait_timeout, poll_interval)
        with _files.open_payload(file, file_name) as payload:
            call = _files.upload(
                assistant_name,
                payload,
                metadata=checked,
                multimodal=multimodal,
                api_version=self._api_version,
            )
            result = self._request(call)
        return self._settle_upload(assistant_name, result, wait, poll)

    def upsert_file(
        self,
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
    ) -> AssistantFileModel:
        """Create or replace the file with id ``file_id`` (API 2026-04 and later); see :meth:`upload_file`."""
        checked = _files.check_metadata(metadata)
        _check_wait(wait_timeout, poll_interval)
        poll = _Poll(wait_timeout, poll_interval)
        with _files.open_payload(file, file_name) as payload:
            call = _files.upsert(
                assistant_name,
                file_id,
                payload,
                metadata=checked,
                multimodal=multimodal,
                api_version=self._api_version,
            )
            result = self._request(call)
        return self._settle_upload(assistant_name, result, wait, poll)

    def _settle_upload(
        self, assistant_name: str, result: OperationModel | AssistantFileModel, wait: bool, poll: _Poll
    ) -> AssistantFileModel:
        if _upload_result_kind(result) == "file":
            file: AssistantFileModel = result  # type: ignore[assignment]
            if not wait or _files.is_available(file):
                return file
            return self._poll(
                lambda: self.describe_file(assistant_name, file.id),
                _files.is_available,
                poll,
                f"file {file.id} to be Available",
            )
        operation: OperationModel = result  # type: ignore[assignment]
        if wait and not _operations.is_complete(operation):
            operation = self._poll(
                lambda: self.describe_operation(assistant_name, operation.id),
                _operations.is_complete,
                poll,
                f"operation {operation.id} to complete",
            )
        file_id = _operation_file_id(operation)
        described = self.describe_file(assistant_name, file_id)
        if not wait or _files.is_available(described):
            return described
        return self._poll(
            lambda: self.describe_file(assistant_name, file_id),
            _files.is_available,
            poll,
            f"file {file_id} to be Available",
        )

    def wait_for_file(
        self,
        assistant_name: str,
        file_id: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> AssistantFileModel:
        """Poll until the file is no longer ``Processing``; ``ProcessingFailed`` raises
        :class:`~pinecone_assistant.errors.ProcessingFailedError` with its ``error_message``."""
        _files.describe(assistant_name, file_id, include_url=False, api_version=self._api_version)
        poll = _Poll(wait_timeout, poll_interval)
        return self._poll(
            lambda: self.describe_file(assistant_name, file_id),
            _files.is_available,
            poll,
            f"file {file_id} to be Available",
        )

    def list_files(
        self, assistant_name: str, *, filter: FilterLike | None = None, limit: int | None = None
    ) -> Iterator[AssistantFileModel]:
        """The assistant's files, following pagination; ``filter`` (a dict or builder) matches metadata."""
        query = _filter_query(filter)

        def call(token: str | None) -> ApiCall[Any]:
            return _files.list_page(
                assistant_name,
                filter_query=query,
                limit=limit,
                pagination_token=token,
                api_version=self._api_version,
            )

        call(None)
        return self._pages(lambda token: self._request(call(token)), lambda page: page.files)

    def describe_file(
        self, assistant_name: str, file_id: str, *, include_url: bool = False
    ) -> AssistantFileModel:
        """One file; ``include_url`` adds a temporary ``signed_url`` to download it."""
        return self._request(
            _files.describe(assistant_name, file_id, include_url=include_url, api_version=self._api_version)
        )

    def delete_file(
        self,
        assistant_name: str,
        file_id: str,
        *,
        wait: bool = False,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> OperationModel | None:
        """Delete a file: the delete operation (2026-04) or None; ``wait`` polls the operation to its end."""
        call = _files.delete(assistant_name, file_id, api_version=self._api_version)
        poll = _Poll(wait_timeout, poll_interval)
        operation = self._request(call)
        if operation is None or not wait or _operations.is_complete(operation):
            return operation
        return self._poll(
            lambda: self.describe_operation(assistant_name, operation.id),
            _operations.is_complete,
            poll,
            f"operation {operation.id} to complete",
        )

    # -- operations

    def list_operations(
        self,
        assistant_name: str,
        *,
        operation_type: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> Iterator[OperationModel]:
        """The assistant's recent operations (kept 30 days), following pagination (API 2026-04)."""

        def call(token: str | None) -> ApiCall[Any]:
            return _operations.list_page(
                assistant_name,
                operation_type=operation_type,
                status=status,
                limit=limit,
                pagination_token=token,
                api_version=self._api_version,
            )

        call(None)
        return self._pages(lambda token: self._request(call(token)), lambda page: page.operations)

    def describe_operation(self, assistant_name: str, operation_id: str) -> OperationModel:
        """One operation (API 2026-04)."""
        return self._request(
            _operations.describe(assistant_name, operation_id, api_version=self._api_version)
        )

    def wait_for_operation(
        self,
        assistant_name: str,
        operation_id: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> OperationModel:
        """Poll until the operation is no longer ``Processing``; ``Failed`` raises
        :class:`~pinecone_assistant.errors.ProcessingFailedError` with its ``error_message``."""
        _operations.describe(assistant_name, operation_id, api_version=self._api_version)
        poll = _Poll(wait_timeout, poll_interval)
        return self._poll(
            lambda: self.describe_operation(assistant_name, operation_id),
            _operations.is_complete,
            poll,
            f"operation {operation_id} to complete",
        )

    # -- chat

    @overload
    def chat(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: Literal[True],
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
        json_response: bool | None = ...,
        include_highlights: bool | None = ...,
        context_options: ContextOptionsInput | None = ...,
    ) -> ChatStream: ...
    @overload
    def chat(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: Literal[False] = ...,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
        json_response: bool | None = ...,
        include_highlights: bool | None = ...,
        context_options: ContextOptionsInput | None = ...,
    ) -> ChatResponse: ...
    @overload
    def chat(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: bool,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
        json_response: bool | None = ...,
        include_highlights: bool | None = ...,
        context_options: ContextOptionsInput | None = ...,
    ) -> ChatResponse | ChatStream: ...
    def chat(
        self,
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
    ) -> ChatResponse | ChatStream:
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
            api_version=self._api_version,
        )
        if stream:
            from .stream import ChatStream

            return self._request(ApiCall("data", kwargs, ChatStream, assistant_name, stream=True))
        return self._request(_chat.call(kwargs, assistant_name))

    @overload
    def chat_completions(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: Literal[True],
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
    ) -> CompletionStream: ...
    @overload
    def chat_completions(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: Literal[False] = ...,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
    ) -> CompletionResponse: ...
    @overload
    def chat_completions(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: bool,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
    ) -> CompletionResponse | CompletionStream: ...
    def chat_completions(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: bool = False,
        model: str | None = None,
        temperature: float | None = None,
        filter: FilterLike | None = None,
    ) -> CompletionResponse | CompletionStream:
        """Ask the assistant through its OpenAI-compatible endpoint (citations inline in the text).

        With ``stream=True`` the answer is a :class:`~pinecone_assistant.stream.CompletionStream`. To
        use the openai SDK instead, see :meth:`openai_kwargs`.
        """
        kwargs = _completions.build(
            assistant_name,
            messages,
            stream=stream,
            model=model,
            temperature=temperature,
            filter=filter,
            api_version=self._api_version,
        )
        if stream:
            from .stream import CompletionStream

            return self._request(ApiCall("data", kwargs, CompletionStream, assistant_name, stream=True))
        return self._request(_completions.call(kwargs, assistant_name))

    def context(
        self,
        assistant_name: str,
        *,
        query: str | None = None,
        messages: MessagesInput | None = None,
        filter: FilterLike | None = None,
        top_k: int | None = None,
        snippet_size: int | None = None,
        multimodal: bool | None = None,
        include_binary_content: bool | None = None,
    ) -> ContextModel:
        """The snippets of the assistant's files relevant to ``query`` or to ``messages`` (exactly one)."""
        return self._request(
            _context.build(
                assistant_name,
                query=query,
                messages=messages,
                filter=filter,
                top_k=top_k,
                snippet_size=snippet_size,
                multimodal=multimodal,
                include_binary_content=include_binary_content,
                api_version=self._api_version,
            )
        )

    def evaluate_alignment(
        self, *, question: str, answer: str, ground_truth_answer: str
    ) -> AlignmentResponse:
        """Score ``answer`` against ``ground_truth_answer`` (correctness, completeness, alignment)."""
        return self._request(
            _evaluation.alignment(
                question=question,
                answer=answer,
                ground_truth_answer=ground_truth_answer,
                api_version=self._api_version,
            )
        )

    def data_url(self, assistant_name: str) -> str:
        """The data-plane base URL of an assistant (``{host}/assistant``), described once and cached."""
        base = self._hosts.get(check_assistant_name(assistant_name))
        if base is None:
            self.describe_assistant(assistant_name)
            base = self._hosts[assistant_name]
        return base

    def openai_kwargs(self, assistant_name: str) -> dict[str, Any]:
        """Keyword arguments for ``openai.OpenAI(**kwargs)`` aimed at the assistant's completions endpoint.

        ``base_url`` is ``{host}/assistant/chat/{name}``; the key goes in ``api_key`` (sent by the SDK
        as ``Authorization: Bearer``) and in ``default_headers`` as ``Api-Key``, next to
        ``X-Pinecone-Api-Version``. The result contains the key: do not log it.
        """
        return _completions.openai_kwargs(
            self.data_url(assistant_name), assistant_name, self._key.reveal(), self._api_version
        )


# --------------------------------------------------------------------------- async


class AsyncAssistantClient(_Core):
    """The async twin of :class:`AssistantClient`: the same arguments and methods, awaited.

    Listing methods return async iterators (``async for``); streams are
    :class:`~pinecone_assistant.stream.AsyncChatStream` / ``AsyncCompletionStream``.
    ``http_client`` must be an ``httpx.AsyncClient`` and ``transport`` an async transport.
    """

    _http: httpx.AsyncClient

    def __init__(
        self,
        api_key: str | None = None,
        *,
        control_host: str | None = None,
        evaluation_host: str | None = None,
        api_version: str = API_VERSION,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(
            api_key=api_key,
            control_host=control_host,
            evaluation_host=evaluation_host,
            api_version=api_version,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            default_headers=default_headers,
        )
        if http_client is not None:
            if not isinstance(http_client, httpx.AsyncClient):
                raise TypeError(f"http_client must be an httpx.AsyncClient, got {type(http_client).__name__}")
            if transport is not None:
                raise ClientValidationError("Pass either transport= or http_client=, not both.")
            self._http = http_client
            self._owns_http = False
        else:
            self._http = _new_async_http(transport, self._policy, self._timeout)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven | None = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncAssistantClient:
        """A copy for some calls with another timeout, retry policy or extra headers (same connections)."""
        return self._copy(timeout, max_retries, retry_policy, headers)

    # -- lifecycle

    async def close(self) -> None:
        """Close the connections (only those the client opened itself)."""
        if self._owns_http:
            await self._http.aclose()

    async def aclose(self) -> None:
        """Same as :meth:`close`."""
        await self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # -- sending

    async def _base(self, call: ApiCall[Any]) -> str:
        base = self._fixed_base(call)
        if base is None:
            assert call.assistant is not None
            base = await self.data_url(call.assistant)
        return base

    async def _request(self, call: ApiCall[T]) -> T:
        request = self._build(call, await self._base(call))
        try:
            response = await self._http.send(request, stream=call.stream)
        except httpx.TransportError as exc:
            raise connection_error_from(exc) from exc
        if response.status_code >= 400:
            if call.stream:
                try:
                    await response.aread()
                except httpx.TransportError as exc:
                    raise connection_error_from(exc) from exc
                finally:
                    await response.aclose()
            raise make_status_error(response)
        try:
            return call.parse(response)
        except BaseException:
            await response.aclose()
            raise

    async def _poll(
        self, fetch: Callable[[], Any], settled: Callable[[R], bool], poll: _Poll, what: str
    ) -> R:
        import anyio

        while True:
            resource: R = await fetch()
            if settled(resource):
                return resource
            await anyio.sleep(poll.next_sleep(what, resource))

    async def _pages(
        self, fetch: Callable[[str | None], Any], items: Callable[[Any], list[R]]
    ) -> AsyncIterator[R]:
        token: str | None = None
        while True:
            page = await fetch(token)
            for item in items(page):
                yield item
            token = _pagination_token(page, token)
            if token is None:
                return

    # -- assistants

    def assistant(self, name: str, *, host: str | None = None) -> AsyncAssistantHandle:
        """A handle bound to the assistant ``name``; ``host`` (its data-plane host) saves a describe call."""
        from .handles import AsyncAssistantHandle

        self._bind_host(name, host)
        return AsyncAssistantHandle(self, name)

    async def create_assistant(
        self,
        name: str,
        *,
        instructions: str | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
        region: str | NotGiven = NOT_GIVEN,
        wait: bool = True,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> Assistant:
        """Create an assistant; with ``wait`` (default) return once it is ``Ready``."""
        call = _assistants.create(
            name, instructions=instructions, metadata=metadata, region=region, api_version=self._api_version
        )
        _check_wait(wait_timeout, poll_interval)
        created = self._remember(await self._request(call))
        if not wait or _assistants.is_ready(created):
            return created
        return await self.wait_until_ready(name, wait_timeout=wait_timeout, poll_interval=poll_interval)

    def list_assistants(self, *, limit: int | None = None) -> AsyncIterator[Assistant]:
        """Every assistant, following pagination (``limit``: page size, 1-100)."""
        _assistants.list_page(limit=limit, pagination_token=None, api_version=self._api_version)

        async def fetch(token: str | None) -> Any:
            page = await self._request(
                _assistants.list_page(limit=limit, pagination_token=token, api_version=self._api_version)
            )
            for assistant in page.assistants:
                self._remember(assistant)
            return page

        return self._pages(fetch, lambda page: page.assistants)

    async def describe_assistant(self, name: str) -> Assistant:
        """The assistant ``name`` (also caches its data-plane host)."""
        return self._remember(await self._request(_assistants.describe(name, api_version=self._api_version)))

    async def update_assistant(
        self,
        name: str,
        *,
        instructions: str | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
    ) -> Assistant:
        """Change instructions and/or metadata (None clears a field; a field not passed is kept)."""
        return await self._request(
            _assistants.update(
                name, instructions=instructions, metadata=metadata, api_version=self._api_version
            )
        )

    async def delete_assistant(self, name: str) -> None:
        """Delete the assistant and its files (deletion finishes in the background)."""
        await self._request(_assistants.delete(name, api_version=self._api_version))
        self._hosts.pop(name, None)

    async def wait_until_ready(
        self,
        name: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> Assistant:
        """Poll until the assistant is ``Ready`` (see :meth:`AssistantClient.wait_until_ready`)."""
        check_assistant_name(name)
        poll = _Poll(wait_timeout, poll_interval)
        return await self._poll(
            lambda: self.describe_assistant(name),
            _assistants.is_ready,
            poll,
            f"assistant {name!r} to be Ready",
        )

    # -- files

    async def upload_file(
        self,
        assistant_name: str,
        file: FileInput,
        *,
        file_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        multimodal: bool | None = None,
        wait: bool = True,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> AssistantFileModel:
        """Upload a file with optional metadata (see :meth:`AssistantClient.upload_file`)."""
        checked = _files.check_metadata(metadata)
        _check_wait(wait_timeout, poll_interval)
        poll = _Poll(wait_timeout, poll_interval)
        with _files.open_payload(file, file_name) as payload:
            call = _files.upload(
                assistant_name,
                payload,
                metadata=checked,
                multimodal=multimodal,
                api_version=self._api_version,
            )
            result = await self._request(call)
        return await self._settle_upload(assistant_name, result, wait, poll)

    async def upsert_file(
        self,
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
    ) -> AssistantFileModel:
        """Create or replace the file with id ``file_id`` (API 2026-04 and later)."""
        checked = _files.check_metadata(metadata)
        _check_wait(wait_timeout, poll_interval)
        poll = _Poll(wait_timeout, poll_interval)
        with _files.open_payload(file, file_name) as payload:
            call = _files.upsert(
                assistant_name,
                file_id,
                payload,
                metadata=checked,
                multimodal=multimodal,
                api_version=self._api_version,
            )
            result = await self._request(call)
        return await self._settle_upload(assistant_name, result, wait, poll)

    async def _settle_upload(
        self, assistant_name: str, result: OperationModel | AssistantFileModel, wait: bool, poll: _Poll
    ) -> AssistantFileModel:
        if _upload_result_kind(result) == "file":
            file: AssistantFileModel = result  # type: ignore[assignment]
            if not wait or _files.is_available(file):
                return file
            return await self._poll(
                lambda: self.describe_file(assistant_name, file.id),
                _files.is_available,
                poll,
                f"file {file.id} to be Available",
            )
        operation: OperationModel = result  # type: ignore[assignment]
        if wait and not _operations.is_complete(operation):
            operation = await self._poll(
                lambda: self.describe_operation(assistant_name, operation.id),
                _operations.is_complete,
                poll,
                f"operation {operation.id} to complete",
            )
        file_id = _operation_file_id(operation)
        described = await self.describe_file(assistant_name, file_id)
        if not wait or _files.is_available(described):
            return described
        return await self._poll(
            lambda: self.describe_file(assistant_name, file_id),
            _files.is_available,
            poll,
            f"file {file_id} to be Available",
        )

    async def wait_for_file(
        self,
        assistant_name: str,
        file_id: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> AssistantFileModel:
        """Poll until the file is no longer ``Processing`` (see :meth:`AssistantClient.wait_for_file`)."""
        _files.describe(assistant_name, file_id, include_url=False, api_version=self._api_version)
        poll = _Poll(wait_timeout, poll_interval)
        return await self._poll(
            lambda: self.describe_file(assistant_name, file_id),
            _files.is_available,
            poll,
            f"file {file_id} to be Available",
        )

    def list_files(
        self, assistant_name: str, *, filter: FilterLike | None = None, limit: int | None = None
    ) -> AsyncIterator[AssistantFileModel]:
        """The assistant's files, following pagination; ``filter`` (a dict or builder) matches metadata."""
        query = _filter_query(filter)

        def call(token: str | None) -> ApiCall[Any]:
            return _files.list_page(
                assistant_name,
                filter_query=query,
                limit=limit,
                pagination_token=token,
                api_version=self._api_version,
            )

        call(None)
        return self._pages(lambda token: self._request(call(token)), lambda page: page.files)

    async def describe_file(
        self, assistant_name: str, file_id: str, *, include_url: bool = False
    ) -> AssistantFileModel:
        """One file; ``include_url`` adds a temporary ``signed_url`` to download it."""
        return await self._request(
            _files.describe(assistant_name, file_id, include_url=include_url, api_version=self._api_version)
        )

    async def delete_file(
        self,
        assistant_name: str,
        file_id: str,
        *,
        wait: bool = False,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> OperationModel | None:
        """Delete a file: the delete operation (2026-04) or None; ``wait`` polls the operation to its end."""
        call = _files.delete(assistant_name, file_id, api_version=self._api_version)
        poll = _Poll(wait_timeout, poll_interval)
        operation = await self._request(call)
        if operation is None or not wait or _operations.is_complete(operation):
            return operation
        return await self._poll(
            lambda: self.describe_operation(assistant_name, operation.id),
            _operations.is_complete,
            poll,
            f"operation {operation.id} to complete",
        )

    # -- operations

    def list_operations(
        self,
        assistant_name: str,
        *,
        operation_type: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[OperationModel]:
        """The assistant's recent operations (kept 30 days), following pagination (API 2026-04)."""

        def call(token: str | None) -> ApiCall[Any]:
            return _operations.list_page(
                assistant_name,
                operation_type=operation_type,
                status=status,
                limit=limit,
                pagination_token=token,
                api_version=self._api_version,
            )

        call(None)
        return self._pages(lambda token: self._request(call(token)), lambda page: page.operations)

    async def describe_operation(self, assistant_name: str, operation_id: str) -> OperationModel:
        """One operation (API 2026-04)."""
        return await self._request(
            _operations.describe(assistant_name, operation_id, api_version=self._api_version)
        )

    async def wait_for_operation(
        self,
        assistant_name: str,
        operation_id: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> OperationModel:
        """Poll until the operation is no longer ``Processing`` (``AssistantClient.wait_for_operation``)."""
        _operations.describe(assistant_name, operation_id, api_version=self._api_version)
        poll = _Poll(wait_timeout, poll_interval)
        return await self._poll(
            lambda: self.describe_operation(assistant_name, operation_id),
            _operations.is_complete,
            poll,
            f"operation {operation_id} to complete",
        )

    # -- chat

    @overload
    async def chat(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: Literal[True],
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
        json_response: bool | None = ...,
        include_highlights: bool | None = ...,
        context_options: ContextOptionsInput | None = ...,
    ) -> AsyncChatStream: ...
    @overload
    async def chat(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: Literal[False] = ...,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
        json_response: bool | None = ...,
        include_highlights: bool | None = ...,
        context_options: ContextOptionsInput | None = ...,
    ) -> ChatResponse: ...
    @overload
    async def chat(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: bool,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
        json_response: bool | None = ...,
        include_highlights: bool | None = ...,
        context_options: ContextOptionsInput | None = ...,
    ) -> ChatResponse | AsyncChatStream: ...
    async def chat(
        self,
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
    ) -> ChatResponse | AsyncChatStream:
        """Ask the assistant (see :meth:`AssistantClient.chat`); ``stream=True`` gives an
        :class:`~pinecone_assistant.stream.AsyncChatStream`."""
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
            api_version=self._api_version,
        )
        if stream:
            from .stream import AsyncChatStream

            return await self._request(ApiCall("data", kwargs, AsyncChatStream, assistant_name, stream=True))
        return await self._request(_chat.call(kwargs, assistant_name))

    @overload
    async def chat_completions(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: Literal[True],
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
    ) -> AsyncCompletionStream: ...
    @overload
    async def chat_completions(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: Literal[False] = ...,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
    ) -> CompletionResponse: ...
    @overload
    async def chat_completions(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: bool,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
    ) -> CompletionResponse | AsyncCompletionStream: ...
    async def chat_completions(
        self,
        assistant_name: str,
        messages: MessagesInput,
        *,
        stream: bool = False,
        model: str | None = None,
        temperature: float | None = None,
        filter: FilterLike | None = None,
    ) -> CompletionResponse | AsyncCompletionStream:
        """Ask through the OpenAI-compatible endpoint (see :meth:`AssistantClient.chat_completions`)."""
        kwargs = _completions.build(
            assistant_name,
            messages,
            stream=stream,
            model=model,
            temperature=temperature,
            filter=filter,
            api_version=self._api_version,
        )
        if stream:
            from .stream import AsyncCompletionStream

            return await self._request(
                ApiCall("data", kwargs, AsyncCompletionStream, assistant_name, stream=True)
            )
        return await self._request(_completions.call(kwargs, assistant_name))

    async def context(
        self,
        assistant_name: str,
        *,
        query: str | None = None,
        messages: MessagesInput | None = None,
        filter: FilterLike | None = None,
        top_k: int | None = None,
        snippet_size: int | None = None,
        multimodal: bool | None = None,
        include_binary_content: bool | None = None,
    ) -> ContextModel:
        """The snippets relevant to ``query`` or to ``messages`` (exactly one)."""
        return await self._request(
            _context.build(
                assistant_name,
                query=query,
                messages=messages,
                filter=filter,
                top_k=top_k,
                snippet_size=snippet_size,
                multimodal=multimodal,
                include_binary_content=include_binary_content,
                api_version=self._api_version,
            )
        )

    async def evaluate_alignment(
        self, *, question: str, answer: str, ground_truth_answer: str
    ) -> AlignmentResponse:
        """Score ``answer`` against ``ground_truth_answer`` (correctness, completeness, alignment)."""
        return await self._request(
            _evaluation.alignment(
                question=question,
                answer=answer,
                ground_truth_answer=ground_truth_answer,
                api_version=self._api_version,
            )
        )

    async def data_url(self, assistant_name: str) -> str:
        """The data-plane base URL of an assistant (``{host}/assistant``), described once and cached."""
        base = self._hosts.get(check_assistant_name(assistant_name))
        if base is None:
            await self.describe_assistant(assistant_name)
            base = self._hosts[assistant_name]
        return base

    async def openai_kwargs(self, assistant_name: str) -> dict[str, Any]:
        """Keyword arguments for ``openai.AsyncOpenAI(**kwargs)`` (see ``AssistantClient.openai_kwargs``)."""
        return _completions.openai_kwargs(
            await self.data_url(assistant_name), assistant_name, self._key.reveal(), self._api_version
        )
