"""The openai SDK (3.54.0), sync and async, against the embedded OpenAI-compatible chat completions endpoint.

The SDK speaks only chat completions: the assistant and its files are set up over HTTP, waiting
through Initializing and Processing as any client must."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from assistant_conformance.embedded import RunningServer, running_server
from openai import AsyncOpenAI, OpenAI

from .corpus import FILES, FILTER, FILTERED_QUESTION, KEY, QUESTION, SERVER_OPTIONS

pytestmark = pytest.mark.real_client

NAME = "openai-flow"


def _wait(http: httpx.Client, path: str, settled: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    for _ in range(100):
        body: dict[str, Any] = http.get(path).json()
        if settled(body):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{path} never settled")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(api_keys=[KEY], **SERVER_OPTIONS) as running:
        with httpx.Client(base_url=running.assistant_url, headers={"Api-Key": KEY}) as http:
            assert http.post("/assistants", json={"name": NAME}).json()["status"] == "Initializing"
            _wait(http, f"/assistants/{NAME}", lambda a: a["status"] == "Ready")
            ids = []
            for name, (text, metadata) in FILES.items():
                response = http.post(
                    f"/files/{NAME}",
                    files={"file": (name, text.encode())},
                    params={"metadata": json.dumps(metadata)},
                )
                assert response.json()["status"] == "Processing"
                ids.append(response.json()["id"])
            for file_id in ids:
                done = _wait(http, f"/files/{NAME}/{file_id}", lambda f: f["status"] != "Processing")
                assert done["status"] == "Available"
        yield running


def _client(server: RunningServer, key: str = KEY) -> OpenAI:
    # The SDK sends the key as `Authorization: Bearer`, which the endpoint accepts like `Api-Key`.
    return OpenAI(base_url=f"{server.assistant_url}/chat/{NAME}", api_key=key, max_retries=0)


def test_openai_plain_completion_has_inline_citation_markers(server: RunningServer) -> None:
    completion = _client(server).chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": QUESTION}]
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert "dens in sandy soil" in choice.message.content
    assert re.findall(r"\[(\d+)\]", choice.message.content) == ["1", "2"]
    assert completion.model == "gpt-4o-2024-11-20"
    assert (
        completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )


def test_openai_streamed_completion_matches_the_plain_one(server: RunningServer) -> None:
    client = _client(server)
    messages = [{"role": "user", "content": QUESTION}]
    plain = client.chat.completions.create(model="gpt-4o", messages=messages).choices[0].message.content
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert len(chunks) > 3


def test_openai_filter_travels_in_extra_body(server: RunningServer) -> None:
    completion = _client(server).chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": FILTERED_QUESTION}],
        extra_body={"filter": FILTER},
    )
    content = completion.choices[0].message.content
    assert "basalt" in content
    assert "fox" not in content.lower()


def test_openai_sees_errors_as_its_own_exceptions(server: RunningServer) -> None:
    with pytest.raises(openai.BadRequestError) as bad_model:
        _client(server).chat.completions.create(model="gpt-2", messages=[{"role": "user", "content": "hi"}])
    assert "gpt-4o" in str(bad_model.value)
    with pytest.raises(openai.AuthenticationError):
        _client(server, key="wrong").chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(openai.BadRequestError):
        _client(server).chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": ""}])


def test_openai_async_client_streams_and_filters(server: RunningServer) -> None:
    async def flow() -> None:
        client = AsyncOpenAI(base_url=f"{server.assistant_url}/chat/{NAME}", api_key=KEY, max_retries=0)
        async with client:
            messages = [{"role": "user", "content": QUESTION}]
            plain = await client.chat.completions.create(model="gpt-4o", messages=messages, temperature=0.5)
            text = plain.choices[0].message.content
            assert "dens in sandy soil" in text
            stream = await client.chat.completions.create(model="gpt-4o", messages=messages, stream=True)
            chunks = [chunk async for chunk in stream]
            assert "".join(c.choices[0].delta.content or "" for c in chunks) == text
            filtered = await client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "user", "content": FILTERED_QUESTION}],
                extra_body={"filter": FILTER},
            )
            assert "basalt" in filtered.choices[0].message.content
            assert "fox" not in filtered.choices[0].message.content.lower()
            with pytest.raises(openai.BadRequestError, match="temperature"):
                await client.chat.completions.create(model="gpt-4o", messages=messages, temperature=-1)

    asyncio.run(flow())
