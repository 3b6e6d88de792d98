"""Handles bound to one assistant: ``client.assistant("name")``.

Each method is the client method of the same name with ``assistant_name`` filled in (``describe``,
``update``, ``delete`` for the assistant itself); see :class:`~pinecone_assistant.AssistantClient`.
"""

from __future__ import annotations

from typing import Any

from ._methods import Async, AsyncRaw, AsyncStreaming, HandleMethods, Sync, SyncRaw, SyncStreaming, Views

__all__ = ["AssistantHandle", "AsyncAssistantHandle"]


class _Handle:
    """Runs each method on ``runner`` (a client or one of its views) with the name filled in."""

    __slots__ = ("_runner", "name")

    def __init__(self, runner: Any, name: str) -> None:
        self._runner = runner
        self.name = name

    @property
    def client(self) -> Any:
        """The client the handle belongs to."""
        return self._runner

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def _view(self, index: int) -> Any:
        runner = getattr(self._runner, ("with_raw_response", "with_streaming_response")[index])
        return self._views[index](runner, self.name)  # type: ignore[attr-defined]

    def _invoke(self, flow: Any, *args: Any, **kwargs: Any) -> Any:
        return self._runner._invoke(flow, self.name, *args, **kwargs)

    def _list(self, flow: Any, *args: Any, **kwargs: Any) -> Any:
        return self._runner._list(flow, self.name, *args, **kwargs)


class RawHandle(_Handle, HandleMethods, SyncRaw):
    __slots__ = ()


class AsyncRawHandle(_Handle, HandleMethods, AsyncRaw):
    __slots__ = ()


class StreamingHandle(_Handle, HandleMethods, SyncStreaming):
    __slots__ = ()


class AsyncStreamingHandle(_Handle, HandleMethods, AsyncStreaming):
    __slots__ = ()


class AssistantHandle(_Handle, HandleMethods, Sync, Views[RawHandle, StreamingHandle]):
    """One assistant of an :class:`~pinecone_assistant.AssistantClient`."""

    __slots__ = ()
    _views = (RawHandle, StreamingHandle)


class AsyncAssistantHandle(_Handle, HandleMethods, Async, Views[AsyncRawHandle, AsyncStreamingHandle]):
    """One assistant of an :class:`~pinecone_assistant.AsyncAssistantClient`."""

    __slots__ = ()
    _views = (AsyncRawHandle, AsyncStreamingHandle)
