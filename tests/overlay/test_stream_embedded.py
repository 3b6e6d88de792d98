"""Streamed answers equal non-streamed ones, end to end against the embedded endpoint on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from assistant_conformance.embedded.server import running_server
from pinecone_assistant import AssistantClient, AsyncAssistantClient
from pinecone_assistant.content import citations_of, highlights_of, text_of
from pinecone_assistant.stream import ChatAnswer, CompletionAnswer

KEY = "fake_key_embedded_stream_test"
DOC = (
    "The Eiffel Tower is 330 metres tall. It was built by Gustave Eiffel's company for the 1889 "
    "World's Fair in Paris. The tower has three levels open to visitors, and the top level is "
    "276 metres above the ground. About seven million people visit it every year."
)
QUESTION = "How tall is the Eiffel Tower and when was it built?"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with running_server(assistant_ready_seconds=0, file_processing_seconds=0) as server:
        with AssistantClient(KEY, control_host=server.url) as client:
            client.create_assistant("streams")
            handle = client.assistant("streams")
            handle.wait_until_ready()
            handle.upload_file(DOC.encode(), file_name="eiffel.txt", metadata={"topic": "landmarks"})
        yield server.url


def test_streamed_chat_equals_the_non_streaming_answer(server_url):
    with AssistantClient(KEY, control_host=server_url) as client:
        handle = client.assistant("streams")
        plain = handle.chat(QUESTION, include_highlights=True)
        with handle.chat(QUESTION, stream=True, include_highlights=True) as stream:
            streamed = stream.get_final_answer()
    expected = ChatAnswer.from_chat_model(plain.raw)
    assert streamed.text == expected.text
    assert streamed.citations == expected.citations
    assert streamed.finish_reason == expected.finish_reason
    assert streamed.model == expected.model
    assert streamed.usage == expected.usage
    assert streamed.context_snippet_count == expected.context_snippet_count
    assert text_of(streamed) == text_of(plain.raw)
    assert citations_of(streamed) == citations_of(plain.raw)
    assert highlights_of(streamed) == highlights_of(plain.raw)
    assert streamed.text  # the question is answerable from the document


def test_streamed_completion_equals_the_non_streaming_answer(server_url):
    with AssistantClient(KEY, control_host=server_url) as client:
        handle = client.assistant("streams")
        plain = handle.chat_completions(QUESTION)
        with handle.chat_completions(QUESTION, stream=True) as stream:
            streamed = stream.get_final_answer()
    expected = CompletionAnswer.from_completion_model(plain.raw)
    assert streamed.text == expected.text
    assert streamed.finish_reason == expected.finish_reason
    assert streamed.role == expected.role
    assert streamed.usage == expected.usage


@pytest.mark.anyio
async def test_async_streamed_chat_equals_the_sync_stream(server_url):
    async with AsyncAssistantClient(KEY, control_host=server_url) as client:
        handle = client.assistant("streams")
        stream = await handle.chat(QUESTION, stream=True)
        async with stream:
            streamed = await stream.get_final_answer()
    with AssistantClient(KEY, control_host=server_url) as client:
        expected = client.assistant("streams").chat(QUESTION, stream=True).get_final_answer()
    assert streamed.text == expected.text
    assert streamed.citations == expected.citations
