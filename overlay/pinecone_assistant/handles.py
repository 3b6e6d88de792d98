"""Handles bound to one assistant: ``client.assistant("name")``.

Each method is the client method of the same name with ``assistant_name`` filled in; see
:class:`~pinecone_assistant.client.AssistantClient` for the arguments.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from ._call import NOT_GIVEN, NotGiven
from ._constants import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT

if TYPE_CHECKING:
    from assistant_api.models.assistant import Assistant
    from assistant_api.models.assistant_file_model import AssistantFileModel
    from assistant_api.models.context_model import ContextModel
    from assistant_api.models.operation_model import OperationModel

    from .chat import ChatResponse, ContextOptionsInput, MessagesInput
    from .client import AssistantClient, AsyncAssistantClient
    from .completions import CompletionResponse
    from .files import FileInput
    from .filter import FilterLike
    from .stream import AsyncChatStream, AsyncCompletionStream, ChatStream, CompletionStream

__all__ = ["AssistantHandle", "AsyncAssistantHandle"]


class AssistantHandle:
    """One assistant of an :class:`~pinecone_assistant.client.AssistantClient`."""

    __slots__ = ("client", "name")

    def __init__(self, client: AssistantClient, name: str) -> None:
        self.client = client
        self.name = name

    def __repr__(self) -> str:
        return f"AssistantHandle(name={self.name!r})"

    def describe(self) -> Assistant:
        """The assistant's current state."""
        return self.client.describe_assistant(self.name)

    def update(
        self,
        *,
        instructions: str | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
    ) -> Assistant:
        """Change instructions and/or metadata."""
        return self.client.update_assistant(self.name, instructions=instructions, metadata=metadata)

    def delete(self) -> None:
        """Delete the assistant and its files."""
        self.client.delete_assistant(self.name)

    def wait_until_ready(
        self,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> Assistant:
        """Poll until the assistant is ``Ready``."""
        return self.client.wait_until_ready(self.name, wait_timeout=wait_timeout, poll_interval=poll_interval)

    def upload_file(
        self,
        file: FileInput,
        *,
        file_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        multimodal: bool | None = None,
        wait: bool = True,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> AssistantFileModel:
        """Upload a file with optional metadata; with ``wait``, return once it is ``Available``."""
        return self.client.upload_file(
            self.name,
            file,
            file_name=file_name,
            metadata=metadata,
            multimodal=multimodal,
            wait=wait,
            wait_timeout=wait_timeout,
            poll_interval=poll_interval,
        )

    def upsert_file(
        self,
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
        """Create or replace the file ``file_id`` (API 2026-04)."""
        return self.client.upsert_file(
            self.name,
            file_id,
            file,
            file_name=file_name,
            metadata=metadata,
            multimodal=multimodal,
            wait=wait,
            wait_timeout=wait_timeout,
            poll_interval=poll_interval,
        )

    def wait_for_file(
        self,
        file_id: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> AssistantFileModel:
        """Poll until the file is no longer ``Processing``."""
        return self.client.wait_for_file(
            self.name, file_id, wait_timeout=wait_timeout, poll_interval=poll_interval
        )

    def list_files(
        self, *, filter: FilterLike | None = None, limit: int | None = None
    ) -> Iterator[AssistantFileModel]:
        """The files, following pagination, optionally matching a metadata ``filter``."""
        return self.client.list_files(self.name, filter=filter, limit=limit)

    def describe_file(self, file_id: str, *, include_url: bool = False) -> AssistantFileModel:
        """One file; ``include_url`` adds a temporary ``signed_url``."""
        return self.client.describe_file(self.name, file_id, include_url=include_url)

    def delete_file(
        self,
        file_id: str,
        *,
        wait: bool = False,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> OperationModel | None:
        """Delete a file."""
        return self.client.delete_file(
            self.name, file_id, wait=wait, wait_timeout=wait_timeout, poll_interval=poll_interval
        )

    def list_operations(
        self, *, operation_type: str | None = None, status: str | None = None, limit: int | None = None
    ) -> Iterator[OperationModel]:
        """Recent operations, following pagination (API 2026-04)."""
        return self.client.list_operations(
            self.name, operation_type=operation_type, status=status, limit=limit
        )

    def describe_operation(self, operation_id: str) -> OperationModel:
        """One operation (API 2026-04)."""
        return self.client.describe_operation(self.name, operation_id)

    def wait_for_operation(
        self,
        operation_id: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> OperationModel:
        """Poll until the operation is no longer ``Processing``."""
        return self.client.wait_for_operation(
            self.name, operation_id, wait_timeout=wait_timeout, poll_interval=poll_interval
        )

    @overload
    def chat(
        self,
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
        """Ask the assistant (``stream=True`` for a :class:`~pinecone_assistant.stream.ChatStream`)."""
        return self.client.chat(
            self.name,
            messages,
            stream=stream,
            model=model,
            temperature=temperature,
            filter=filter,
            json_response=json_response,
            include_highlights=include_highlights,
            context_options=context_options,
        )

    @overload
    def chat_completions(
        self,
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
        messages: MessagesInput,
        *,
        stream: bool,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
    ) -> CompletionResponse | CompletionStream: ...
    def chat_completions(
        self,
        messages: MessagesInput,
        *,
        stream: bool = False,
        model: str | None = None,
        temperature: float | None = None,
        filter: FilterLike | None = None,
    ) -> CompletionResponse | CompletionStream:
        """Ask through the OpenAI-compatible endpoint."""
        return self.client.chat_completions(
            self.name, messages, stream=stream, model=model, temperature=temperature, filter=filter
        )

    def context(
        self,
        *,
        query: str | None = None,
        messages: MessagesInput | None = None,
        filter: FilterLike | None = None,
        top_k: int | None = None,
        snippet_size: int | None = None,
        multimodal: bool | None = None,
        include_binary_content: bool | None = None,
    ) -> ContextModel:
        """The snippets relevant to ``query`` or ``messages`` (exactly one)."""
        return self.client.context(
            self.name,
            query=query,
            messages=messages,
            filter=filter,
            top_k=top_k,
            snippet_size=snippet_size,
            multimodal=multimodal,
            include_binary_content=include_binary_content,
        )

    def data_url(self) -> str:
        """The assistant's data-plane base URL."""
        return self.client.data_url(self.name)

    def openai_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``openai.OpenAI(**kwargs)`` aimed at this assistant."""
        return self.client.openai_kwargs(self.name)


class AsyncAssistantHandle:
    """One assistant of an :class:`~pinecone_assistant.client.AsyncAssistantClient`."""

    __slots__ = ("client", "name")

    def __init__(self, client: AsyncAssistantClient, name: str) -> None:
        self.client = client
        self.name = name

    def __repr__(self) -> str:
        return f"AsyncAssistantHandle(name={self.name!r})"

    async def describe(self) -> Assistant:
        """The assistant's current state."""
        return await self.client.describe_assistant(self.name)

    async def update(
        self,
        *,
        instructions: str | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, Any] | NotGiven | None = NOT_GIVEN,
    ) -> Assistant:
        """Change instructions and/or metadata."""
        return await self.client.update_assistant(self.name, instructions=instructions, metadata=metadata)

    async def delete(self) -> None:
        """Delete the assistant and its files."""
        await self.client.delete_assistant(self.name)

    async def wait_until_ready(
        self,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> Assistant:
        """Poll until the assistant is ``Ready``."""
        return await self.client.wait_until_ready(
            self.name, wait_timeout=wait_timeout, poll_interval=poll_interval
        )

    async def upload_file(
        self,
        file: FileInput,
        *,
        file_name: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        multimodal: bool | None = None,
        wait: bool = True,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> AssistantFileModel:
        """Upload a file with optional metadata; with ``wait``, return once it is ``Available``."""
        return await self.client.upload_file(
            self.name,
            file,
            file_name=file_name,
            metadata=metadata,
            multimodal=multimodal,
            wait=wait,
            wait_timeout=wait_timeout,
            poll_interval=poll_interval,
        )

    async def upsert_file(
        self,
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
        """Create or replace the file ``file_id`` (API 2026-04)."""
        return await self.client.upsert_file(
            self.name,
            file_id,
            file,
            file_name=file_name,
            metadata=metadata,
            multimodal=multimodal,
            wait=wait,
            wait_timeout=wait_timeout,
            poll_interval=poll_interval,
        )

    async def wait_for_file(
        self,
        file_id: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> AssistantFileModel:
        """Poll until the file is no longer ``Processing``."""
        return await self.client.wait_for_file(
            self.name, file_id, wait_timeout=wait_timeout, poll_interval=poll_interval
        )

    def list_files(
        self, *, filter: FilterLike | None = None, limit: int | None = None
    ) -> AsyncIterator[AssistantFileModel]:
        """The files, following pagination, optionally matching a metadata ``filter``."""
        return self.client.list_files(self.name, filter=filter, limit=limit)

    async def describe_file(self, file_id: str, *, include_url: bool = False) -> AssistantFileModel:
        """One file; ``include_url`` adds a temporary ``signed_url``."""
        return await self.client.describe_file(self.name, file_id, include_url=include_url)

    async def delete_file(
        self,
        file_id: str,
        *,
        wait: bool = False,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> OperationModel | None:
        """Delete a file."""
        return await self.client.delete_file(
            self.name, file_id, wait=wait, wait_timeout=wait_timeout, poll_interval=poll_interval
        )

    def list_operations(
        self, *, operation_type: str | None = None, status: str | None = None, limit: int | None = None
    ) -> AsyncIterator[OperationModel]:
        """Recent operations, following pagination (API 2026-04)."""
        return self.client.list_operations(
            self.name, operation_type=operation_type, status=status, limit=limit
        )

    async def describe_operation(self, operation_id: str) -> OperationModel:
        """One operation (API 2026-04)."""
        return await self.client.describe_operation(self.name, operation_id)

    async def wait_for_operation(
        self,
        operation_id: str,
        *,
        wait_timeout: float | None = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> OperationModel:
        """Poll until the operation is no longer ``Processing``."""
        return await self.client.wait_for_operation(
            self.name, operation_id, wait_timeout=wait_timeout, poll_interval=poll_interval
        )

    @overload
    async def chat(
        self,
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
        """Ask the assistant (``stream=True`` for an :class:`~pinecone_assistant.stream.AsyncChatStream`)."""
        return await self.client.chat(
            self.name,
            messages,
            stream=stream,
            model=model,
            temperature=temperature,
            filter=filter,
            json_response=json_response,
            include_highlights=include_highlights,
            context_options=context_options,
        )

    @overload
    async def chat_completions(
        self,
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
        messages: MessagesInput,
        *,
        stream: bool,
        model: str | None = ...,
        temperature: float | None = ...,
        filter: FilterLike | None = ...,
    ) -> CompletionResponse | AsyncCompletionStream: ...
    async def chat_completions(
        self,
        messages: MessagesInput,
        *,
        stream: bool = False,
        model: str | None = None,
        temperature: float | None = None,
        filter: FilterLike | None = None,
    ) -> CompletionResponse | AsyncCompletionStream:
        """Ask through the OpenAI-compatible endpoint."""
        return await self.client.chat_completions(
            self.name, messages, stream=stream, model=model, temperature=temperature, filter=filter
        )

    async def context(
        self,
        *,
        query: str | None = None,
        messages: MessagesInput | None = None,
        filter: FilterLike | None = None,
        top_k: int | None = None,
        snippet_size: int | None = None,
        multimodal: bool | None = None,
        include_binary_content: bool | None = None,
    ) -> ContextModel:
        """The snippets relevant to ``query`` or ``messages`` (exactly one)."""
        return await self.client.context(
            self.name,
            query=query,
            messages=messages,
            filter=filter,
            top_k=top_k,
            snippet_size=snippet_size,
            multimodal=multimodal,
            include_binary_content=include_binary_content,
        )

    async def data_url(self) -> str:
        """The assistant's data-plane base URL."""
        return await self.client.data_url(self.name)

    async def openai_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``openai.AsyncOpenAI(**kwargs)`` aimed at this assistant."""
        return await self.client.openai_kwargs(self.name)
