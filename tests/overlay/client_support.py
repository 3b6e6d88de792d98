"""Test support for the public clients: canned API answers over ``httpx.MockTransport`` and a driver that
runs the same call through the sync or the async client."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from pinecone_assistant import AssistantClient, AsyncAssistantClient

KEY = "fake_key_test_0123456789abcdef"
CONTROL = "https://control.test"
EVALUATION = "https://evaluation.test"
DATA_HOST = "https://demo-1a2b.svc.test"
MODES = ("sync", "async")

ASSISTANT = {
    "name": "demo",
    "status": "Ready",
    "instructions": None,
    "metadata": None,
    "host": DATA_HOST,
    "created_at": "2026-04-01T10:00:00Z",
    "updated_at": "2026-04-01T10:00:00Z",
}
FILE = {
    "name": "notes.txt",
    "id": "f-1",
    "metadata": {"genre": "drama"},
    "status": "Available",
    "size": 12,
    "created_on": "2026-04-01T10:00:00Z",
    "updated_on": "2026-04-01T10:00:00Z",
}
OPERATION = {
    "id": "op-1",
    "operation_type": "upload_file",
    "status": "Completed",
    "created_on": "2026-04-01T10:00:00Z",
    "file_id": "f-1",
    "percent_complete": 100,
}
USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
CHAT = {
    "id": "c-1",
    "model": "gpt-4o-2024-11-20",
    "finish_reason": "stop",
    "message": {"role": "assistant", "content": "Foxes eat berries."},
    "citations": [
        {
            "position": 18,
            "references": [
                {"file": FILE, "pages": [1], "highlight": {"type": "text", "content": "eat berries"}}
            ],
        }
    ],
    "usage": USAGE,
    "context_snippet_count": 2,
    "content_filter_results": {"spec": "openai", "results": {"hate": {"filtered": False}}},
}
COMPLETION = {
    "id": "cc-1",
    "model": "gpt-4o-2024-11-20",
    "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Berries [1]"}}
    ],
    "usage": USAGE,
}
CONTEXT = {
    "id": "ctx-1",
    "snippets": [
        {
            "type": "text",
            "content": "Foxes eat berries.",
            "score": 0.9,
            "reference": {"type": "text", "file": FILE},
        }
    ],
    "usage": {"prompt_tokens": 7, "completion_tokens": 0, "total_tokens": 7},
}
ALIGNMENT = {
    "metrics": {"correctness": 1.0, "completeness": 0.5, "alignment": 0.66},
    "reasoning": {"evaluated_facts": [{"fact": {"content": "Foxes eat berries"}, "entailment": "entailed"}]},
    "usage": USAGE,
}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def sse_body(events: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


CHAT_EVENTS = [
    {
        "type": "message_start",
        "id": "c-1",
        "model": "gpt-4o-2024-11-20",
        "role": "assistant",
        "context_snippet_count": 2,
        "content_filter_results": CHAT["content_filter_results"],
    },
    {"type": "content_chunk", "id": "c-1", "model": "gpt-4o-2024-11-20", "delta": {"content": "Foxes eat "}},
    {"type": "content_chunk", "id": "c-1", "model": "gpt-4o-2024-11-20", "delta": {"content": "berries."}},
    {"type": "citation", "id": "c-1", "model": "gpt-4o-2024-11-20", "citation": CHAT["citations"][0]},
    {
        "type": "message_end",
        "id": "c-1",
        "model": "gpt-4o-2024-11-20",
        "finish_reason": "stop",
        "usage": USAGE,
    },
]
COMPLETION_EVENTS = [
    {"id": "cc-1", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Ber"}}]},
    {"id": "cc-1", "model": "m", "choices": [{"index": 0, "delta": {"content": "ries [1]"}}]},
    {
        "id": "cc-1",
        "model": "m",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "usage": USAGE,
    },
]


Handler = Callable[[httpx.Request], httpx.Response]


class Api:
    """Answers requests from a table of ``(METHOD, path) -> response`` and records every request."""

    def __init__(self, routes: dict[tuple[str, str], Any] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], Any] = {
            ("GET", "/assistant/assistants/demo"): json_response(200, ASSISTANT),
            **(routes or {}),
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.routes.get((request.method, request.url.path))
        if answer is None:
            return json_response(
                404,
                {"error": {"code": "NOT_FOUND", "message": f"no route {request.url.path}"}, "status": 404},
            )
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, list):  # one answer per call, the last one repeats
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        assert isinstance(answer, httpx.Response)
        return httpx.Response(
            answer.status_code, headers=answer.headers, content=answer.content, request=request
        )

    def last(self, method: str | None = None, path: str | None = None) -> httpx.Request:
        for request in reversed(self.requests):
            if (method is None or request.method == method) and (path is None or request.url.path == path):
                return request
        raise AssertionError(f"no {method} {path} request among {[str(r.url) for r in self.requests]}")

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request should have been sent, got {request.method} {request.url}")


def make_client(mode: str, handler: Handler, **options: Any) -> AssistantClient | AsyncAssistantClient:
    options.setdefault("max_retries", 0)
    options.setdefault("control_host", CONTROL)
    options.setdefault("evaluation_host", EVALUATION)
    transport = httpx.MockTransport(handler)
    if mode == "sync":
        return AssistantClient(KEY, transport=transport, **options)
    return AsyncAssistantClient(KEY, transport=transport, **options)


class Driver:
    """Runs a client method the same way for both twins; iterators (sync or async) come back as lists."""

    def __init__(self, mode: str, handler: Handler, **options: Any) -> None:
        self.mode = mode
        self.client = make_client(mode, handler, **options)

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        target = getattr(self.client, method)
        if self.mode == "sync":
            result = target(*args, **kwargs)
            return list(result) if isinstance(result, Iterator) else result

        async def run() -> Any:
            result = target(*args, **kwargs)
            if inspect.isawaitable(result):
                return await result
            return [item async for item in result]

        return asyncio.run(run())

    def stream(self, method: str, *args: Any, **kwargs: Any) -> tuple[list[Any], Any]:
        """``(chunks, final answer)`` of a streaming call."""
        target = getattr(self.client, method)
        if self.mode == "sync":
            with target(*args, stream=True, **kwargs) as stream:
                chunks = list(stream)
                return chunks, stream.get_final_answer()

        async def run() -> tuple[list[Any], Any]:
            async with await target(*args, stream=True, **kwargs) as stream:
                chunks = [chunk async for chunk in stream]
                return chunks, await stream.get_final_answer()

        return asyncio.run(run())
