"""The public clients: :class:`AssistantClient` and its async twin :class:`AsyncAssistantClient`.

Both cover the whole Assistant API: assistants (control plane), files, operations, chat, chat
completions and context (the data plane of each assistant) and alignment evaluation. Their methods
are declared once (``_methods``) and written once (``_flows``); each client only says how a request
is sent and how a wait is slept. Every request is built by the generated request builder of its
operation and retried as :class:`~pinecone_assistant.retries.RetryPolicy` says. Error statuses
become the typed exceptions of :mod:`pinecone_assistant.errors`.

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

import time
from typing import TYPE_CHECKING, Any

from ._core import Core, base_url
from ._io import AsyncCloses, Closes, Drain, Send, Sleep, adrain, drain
from ._methods import (
    Assistants,
    Async,
    AsyncRaw,
    AsyncStreaming,
    ClientMethods,
    Sync,
    SyncRaw,
    SyncStreaming,
    Views,
)

if TYPE_CHECKING:  # the handle classes, named in strings below, load with the first handle
    from .handles import AssistantHandle, AsyncAssistantHandle  # noqa: F401

__all__ = ["AssistantClient", "AsyncAssistantClient", "base_url"]


class RawClient(ClientMethods, SyncRaw):
    """``client.with_raw_response``: each method returns a :class:`~pinecone_assistant.RawResponse`."""


class AsyncRawClient(ClientMethods, AsyncRaw):
    """``client.with_raw_response`` of an async client."""


class StreamingClient(ClientMethods, SyncStreaming):
    """``client.with_streaming_response``: each method returns an unread
    :class:`~pinecone_assistant.StreamedResponse`."""


class AsyncStreamingClient(ClientMethods, AsyncStreaming):
    """``client.with_streaming_response`` of an async client."""


class AssistantClient(
    Core, ClientMethods, Sync, Views[RawClient, StreamingClient], Assistants["AssistantHandle"], Closes
):
    """Client for the Pinecone Assistant API.

    * ``api_key=``: the key, else ``PINECONE_API_KEY``; never shown in a repr, log or exception. It is
      added to each request as it is sent (an ``httpx.Auth``).
    * ``control_host=``: default ``https://api.pinecone.io`` (or ``PINECONE_PLUGIN_ASSISTANT_CONTROL_HOST``).
    * ``evaluation_host=``: default the US data host (or ``PINECONE_PLUGIN_ASSISTANT_DATA_HOST``).
    * ``api_version=``: sent as ``X-Pinecone-Api-Version`` (default: the version generated/ was built from).
    * ``timeout=``: seconds or an ``httpx.Timeout`` (default 300 s, 5 s to connect); None for no limit.
    * ``max_retries=`` / ``retry_policy=``: retries of 408/409/429/5xx and connection errors (default 2;
      0 disables).
    * ``transport=``: an httpx transport to send through.
    * ``http_client=``: your own ``httpx.Client`` (proxies, mounts, event hooks); retries and timeouts
      still apply, and it is left open.
    * ``default_headers=``: extra headers for every request.

    Every method also takes ``timeout=`` and ``max_retries=`` for one call. Use the client as a
    context manager or call :meth:`close`.
    """

    _http_kind = "Client"
    _handle = "AssistantHandle"
    _views = (RawClient, StreamingClient)

    def _perform(self, step: Send | Sleep | Drain) -> Any:
        if isinstance(step, Send):
            # The http client is made (httpx loaded) by the first request built (Core._build).
            link = self._link
            return link.http.send(step.request, stream=step.stream, auth=link.auth)
        return time.sleep(step.seconds) if isinstance(step, Sleep) else drain(step)

    def _stream_class(self, kind: str) -> Any:
        from .stream import ChatStream, CompletionStream

        return ChatStream if kind == "chat" else CompletionStream

    def close(self) -> None:
        """Close the connections (only those the client opened itself)."""
        http = self._link.http
        if self._owns_http and http is not None:
            http.close()


class AsyncAssistantClient(
    Core,
    ClientMethods,
    Async,
    Views[AsyncRawClient, AsyncStreamingClient],
    Assistants["AsyncAssistantHandle"],
    AsyncCloses,
):
    """The async twin of :class:`AssistantClient`: the same arguments and methods, awaited.

    Listing methods return async iterators (``async for``); streams are
    :class:`~pinecone_assistant.stream.AsyncChatStream` / ``AsyncCompletionStream``.
    ``http_client=`` must be an ``httpx.AsyncClient`` and ``transport=`` an async transport.
    """

    _http_kind = "AsyncClient"
    _handle = "AsyncAssistantHandle"
    _views = (AsyncRawClient, AsyncStreamingClient)

    async def _perform(self, step: Send | Sleep | Drain) -> Any:
        if isinstance(step, Sleep):
            import anyio

            return await anyio.sleep(step.seconds)
        if isinstance(step, Drain):
            return await adrain(step)
        link = self._link
        return await link.http.send(step.request, stream=step.stream, auth=link.auth)

    def _stream_class(self, kind: str) -> Any:
        from .stream import AsyncChatStream, AsyncCompletionStream

        return AsyncChatStream if kind == "chat" else AsyncCompletionStream

    async def close(self) -> None:
        """Close the connections (only those the client opened itself)."""
        http = self._link.http
        if self._owns_http and http is not None:
            await http.aclose()

    async def aclose(self) -> None:
        """Same as :meth:`close`."""
        await self.close()
