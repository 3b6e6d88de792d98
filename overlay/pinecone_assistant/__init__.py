"""A typed, streaming-first client for Pinecone Assistant.

::

    from pinecone_assistant import AssistantClient

    with AssistantClient() as client:            # the key comes from PINECONE_API_KEY
        docs = client.assistant("docs")
        print(docs.chat("What changed in the 2026 handbook?").text)

Names are imported on first use, so ``import pinecone_assistant`` stays cheap; the generated
models load with the first request.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._call import NOT_GIVEN, NotGiven
    from ._constants import API_VERSION
    from ._response import AsyncStreamedResponse, RawResponse, StreamedResponse
    from .chat import ChatResponse
    from .citation import parse_markers, render_citations
    from .client import AssistantClient, AsyncAssistantClient
    from .completions import CompletionResponse
    from .content import Highlight, answer_of, citations_of, cited_text, highlights_of, text_of
    from .errors import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AssistantError,
        AuthenticationError,
        BadRequestError,
        ClientValidationError,
        ConflictError,
        ContentFilterFinishReasonError,
        FinishReasonError,
        IncompleteStreamError,
        InternalServerError,
        LengthFinishReasonError,
        NotFoundError,
        PermissionDeniedError,
        ProcessingFailedError,
        RateLimitError,
        StreamError,
        UnprocessableEntityError,
        WaitTimeoutError,
    )
    from .filter import Field, Filter, FilterError, FilterLike, validate_filter
    from .finish_reason import FinishReason, check_complete
    from .handles import AssistantHandle, AsyncAssistantHandle
    from .retries import AsyncRetryTransport, RetryPolicy, RetryTransport
    from .sse import ServerSentEvent, SSEDecoder
    from .stream import (
        AsyncChatStream,
        AsyncCompletionStream,
        ChatAnswer,
        ChatChunk,
        ChatStream,
        CompletionAnswer,
        CompletionChunk,
        CompletionStream,
        UnknownChunk,
        accumulate,
        accumulate_completion,
    )

_EXPORTS: dict[str, str] = {
    "NOT_GIVEN": "_call",
    "NotGiven": "_call",
    "API_VERSION": "_constants",
    "AsyncStreamedResponse": "_response",
    "RawResponse": "_response",
    "StreamedResponse": "_response",
    "ChatResponse": "chat",
    "AssistantClient": "client",
    "AsyncAssistantClient": "client",
    "CompletionResponse": "completions",
    "Field": "filter",
    "Filter": "filter",
    "FilterError": "filter",
    "FilterLike": "filter",
    "validate_filter": "filter",
    "parse_markers": "citation",
    "render_citations": "citation",
    "Highlight": "content",
    "answer_of": "content",
    "citations_of": "content",
    "cited_text": "content",
    "highlights_of": "content",
    "text_of": "content",
    "FinishReason": "finish_reason",
    "check_complete": "finish_reason",
    "AssistantHandle": "handles",
    "AsyncAssistantHandle": "handles",
    "AsyncRetryTransport": "retries",
    "RetryPolicy": "retries",
    "RetryTransport": "retries",
    "SSEDecoder": "sse",
    "ServerSentEvent": "sse",
    **dict.fromkeys(
        (
            "AsyncChatStream",
            "AsyncCompletionStream",
            "ChatAnswer",
            "ChatChunk",
            "ChatStream",
            "CompletionAnswer",
            "CompletionChunk",
            "CompletionStream",
            "UnknownChunk",
            "accumulate",
            "accumulate_completion",
        ),
        "stream",
    ),
    **dict.fromkeys(
        (
            "APIConnectionError",
            "APIError",
            "APIResponseValidationError",
            "APIStatusError",
            "APITimeoutError",
            "AssistantError",
            "AuthenticationError",
            "BadRequestError",
            "ClientValidationError",
            "ConflictError",
            "ContentFilterFinishReasonError",
            "FinishReasonError",
            "IncompleteStreamError",
            "InternalServerError",
            "LengthFinishReasonError",
            "NotFoundError",
            "PermissionDeniedError",
            "ProcessingFailedError",
            "RateLimitError",
            "StreamError",
            "UnprocessableEntityError",
            "WaitTimeoutError",
        ),
        "errors",
    ),
}

__all__ = [
    "API_VERSION",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AssistantClient",
    "AssistantError",
    "AssistantHandle",
    "AsyncAssistantClient",
    "AsyncAssistantHandle",
    "AsyncChatStream",
    "AsyncCompletionStream",
    "AsyncRetryTransport",
    "AsyncStreamedResponse",
    "AuthenticationError",
    "BadRequestError",
    "ChatAnswer",
    "ChatChunk",
    "ChatResponse",
    "ChatStream",
    "ClientValidationError",
    "CompletionAnswer",
    "CompletionChunk",
    "CompletionResponse",
    "CompletionStream",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "Field",
    "Filter",
    "FilterError",
    "FilterLike",
    "FinishReason",
    "FinishReasonError",
    "Highlight",
    "IncompleteStreamError",
    "InternalServerError",
    "LengthFinishReasonError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "ProcessingFailedError",
    "RateLimitError",
    "RawResponse",
    "RetryPolicy",
    "RetryTransport",
    "SSEDecoder",
    "ServerSentEvent",
    "StreamError",
    "StreamedResponse",
    "UnknownChunk",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "accumulate",
    "accumulate_completion",
    "answer_of",
    "check_complete",
    "citations_of",
    "cited_text",
    "highlights_of",
    "parse_markers",
    "render_citations",
    "text_of",
    "validate_filter",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
