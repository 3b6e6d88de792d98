"""The public clients against the embedded endpoint on 127.0.0.1: whole flows, streams, errors, retries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from assistant_conformance.embedded import RunningServer, running_server
from pinecone_assistant import (
    AssistantClient,
    AsyncAssistantClient,
    AuthenticationError,
    BadRequestError,
    IncompleteStreamError,
    InternalServerError,
    NotFoundError,
    ProcessingFailedError,
    RateLimitError,
    RetryPolicy,
)

KEY = "embedded-test-key"
FOX = (
    b"Red foxes are omnivores. They eat rodents, birds, berries and insects.\n\n"
    b"Foxes live in dens and are most active at dusk and dawn."
)
WOLF = b"Grey wolves hunt in packs. A wolf pack usually has six to ten members."
QUESTION = "What do foxes eat?"
FAST = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(
        faults=True, api_keys=[KEY], assistant_ready_seconds=0, file_processing_seconds=0
    ) as running:
        yield running


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make(server: RunningServer, **options: Any) -> AssistantClient:
    options.setdefault("retry_policy", FAST)
    return AssistantClient(KEY, control_host=server.url, evaluation_host=server.url, **options)


def faults(name: str, count: int | None = None) -> dict[str, str]:
    headers = {"X-Assistant-Fault": name, "X-Assistant-Fault-Key": uuid.uuid4().hex}
    if count is not None:
        headers["X-Assistant-Fault-Count"] = str(count)
    return headers


def test_a_whole_flow_with_the_sync_client(server: RunningServer, tmp_path: Path) -> None:
    name = unique("flow")
    notes = tmp_path / "wolves.md"
    notes.write_bytes(WOLF)
    with make(server) as client:
        assistant = client.create_assistant(name, instructions="Answer briefly.", metadata={"team": "docs"})
        assert str(assistant.status) == "Ready"
        assert name in [a.name for a in client.list_assistants()]
        docs = client.assistant(name)
        fox = docs.upload_file(FOX, file_name="fox.txt", metadata={"animal": "fox", "year": 2024})
        wolf = docs.upload_file(notes, metadata={"animal": "wolf", "year": 2020})
        assert (str(fox.status), str(wolf.status), wolf.name) == ("Available", "Available", "wolves.md")
        assert fox.metadata is not None
        assert fox.metadata.to_dict() == {"animal": "fox", "year": 2024}

        assert {f.name for f in docs.list_files()} == {"fox.txt", "wolves.md"}
        assert [f.name for f in docs.list_files(filter={"animal": {"$eq": "wolf"}})] == ["wolves.md"]
        assert [f.name for f in docs.list_files(filter={"year": {"$gte": 2021}})] == ["fox.txt"]

        described = docs.describe_file(fox.id, include_url=True)
        assert isinstance(described.signed_url, str)
        assert httpx.get(described.signed_url).content == FOX

        answer = docs.chat(QUESTION, include_highlights=True)
        assert "omnivores" in answer.text or "berries" in answer.text
        assert answer.citations
        reference = answer.citations[0].references[0]
        assert reference.file.name == "fox.txt"
        assert reference.highlight is not None
        assert answer.usage.total_tokens > 0
        assert (answer.context_snippet_count or 0) > 0

        filtered = docs.chat(QUESTION, filter={"animal": {"$eq": "wolf"}})
        assert {r.file.name for c in filtered.citations for r in c.references} <= {"wolves.md"}

        as_json = docs.chat(QUESTION, json_response=True)
        assert isinstance(json.loads(as_json.text), dict)

        with docs.chat(QUESTION, stream=True) as stream:
            streamed_text = "".join(stream.text_stream)
            final = stream.get_final_answer()
        assert streamed_text == final.text == answer.text

        completion = docs.chat_completions(QUESTION)
        assert completion.text
        completion_stream = docs.chat_completions(QUESTION, stream=True)
        assert completion_stream.get_final_answer().text == completion.text

        by_query = docs.context(query="fox diet", top_k=2)
        assert 0 < len(by_query.snippets) <= 2
        by_messages = docs.context(messages=[{"role": "user", "content": QUESTION}])
        assert by_messages.snippets

        scores = client.evaluate_alignment(
            question=QUESTION, answer=answer.text, ground_truth_answer="Foxes eat rodents, birds and berries."
        )
        assert 0.0 <= scores.metrics.alignment <= 1.0

        operations = list(docs.list_operations(operation_type="upload_file"))
        assert {o.file_id for o in operations} == {fox.id, wolf.id}
        deleted = docs.delete_file(wolf.id, wait=True)
        assert deleted is not None
        assert str(deleted.status) == "Completed"
        assert [f.name for f in docs.list_files()] == ["fox.txt"]

        assert docs.update(instructions="Answer in one word.").instructions == "Answer in one word."
        docs.delete()
        assert _eventually_gone(client, name)


def _eventually_gone(client: AssistantClient, name: str) -> bool:
    # Deletion finishes in the background: the assistant may show as Terminating first.
    for _ in range(5):
        try:
            client.describe_assistant(name)
        except NotFoundError:
            return True
    return False


@pytest.mark.anyio
async def test_a_whole_flow_with_the_async_client(server: RunningServer) -> None:
    name = unique("aflow")
    async with AsyncAssistantClient(
        KEY, control_host=server.url, evaluation_host=server.url, retry_policy=FAST
    ) as client:
        await client.create_assistant(name)
        docs = client.assistant(name)
        fox = await docs.upload_file(FOX, file_name="fox.txt", metadata={"animal": "fox"})
        await docs.upload_file(WOLF, file_name="wolf.txt", metadata={"animal": "wolf"})
        assert [f.id async for f in docs.list_files(filter={"animal": {"$in": ["fox"]}})] == [fox.id]
        described = await docs.describe_file(fox.id, include_url=True)
        assert described.signed_url

        answer = await docs.chat(QUESTION)
        stream = await docs.chat(QUESTION, stream=True)
        async with stream:
            pieces = [text async for text in stream.text_stream]
            final = await stream.get_final_answer()
        assert "".join(pieces) == final.text == answer.text

        completion = await docs.chat_completions(QUESTION)
        completion_stream = await docs.chat_completions(QUESTION, stream=True)
        assert (await completion_stream.get_final_answer()).text == completion.text

        context = await docs.context(query="fox")
        assert context.snippets
        scores = await client.evaluate_alignment(
            question="q?", answer="Foxes eat berries.", ground_truth_answer="Berries."
        )
        assert scores.usage.total_tokens >= 0
        assert (await docs.openai_kwargs())["base_url"] == f"{server.url}/assistant/chat/{name}"
        await docs.delete()


def _comparable_chat(answer: Any) -> tuple[Any, ...]:
    citations = [c.to_dict() for c in answer.citations]
    return (answer.text, citations, str(answer.finish_reason), answer.usage.to_dict(), answer.model)


def test_the_streamed_answer_equals_the_non_streamed_one(server: RunningServer) -> None:
    name = unique("same")
    with make(server) as client:
        client.create_assistant(name)
        docs = client.assistant(name)
        docs.upload_file(FOX, file_name="fox.txt")
        docs.upload_file(WOLF, file_name="wolf.txt")
        for question in (QUESTION, "How big is a wolf pack?", "Where do foxes live?"):
            plain = docs.chat(question, include_highlights=True)
            with docs.chat(question, include_highlights=True, stream=True) as stream:
                streamed = stream.get_final_answer()
            assert _comparable_chat(streamed) == _comparable_chat(plain.answer())
            assert streamed.id
            assert plain.id

            completion = docs.chat_completions(question)
            completed = docs.chat_completions(question, stream=True).get_final_answer()
            assert (completed.text, str(completed.finish_reason), completed.model) == (
                completion.text,
                str(completion.finish_reason),
                completion.model,
            )
            assert completed.usage is not None
            assert completed.usage.to_dict() == completion.usage.to_dict()
        docs.delete()


def test_files_that_take_time_are_waited_for(tmp_path: Path) -> None:
    with (
        running_server(file_processing_seconds=0.2, assistant_ready_seconds=0.2) as slow,
        AssistantClient(KEY, control_host=slow.url) as client,
    ):
        created = client.create_assistant("slow", poll_interval=0.05)
        assert str(created.status) == "Ready"
        docs = client.assistant("slow")
        first = docs.upload_file(FOX, file_name="fox.txt", wait=False)
        assert str(first.status) == "Processing"
        ready = docs.upload_file(WOLF, file_name="wolf.txt", poll_interval=0.05)
        assert str(ready.status) == "Available"
        assert str(docs.wait_for_file(first.id, poll_interval=0.05).status) == "Available"


def test_a_file_that_cannot_be_processed_raises_with_the_reason(server: RunningServer) -> None:
    name = unique("broken")
    with make(server) as client:
        client.create_assistant(name)
        with pytest.raises(ProcessingFailedError) as info:
            client.upload_file(name, b"%PDF-1.4 this is not a pdf", file_name="broken.pdf")
        assert info.value.error_message
        assert info.value.error_message in str(info.value)
        client.delete_assistant(name)


def test_the_2025_10_upload_flow_with_metadata_and_filters(server: RunningServer) -> None:
    name = unique("old")
    with make(server, api_version="2025-10") as client:
        client.create_assistant(name)
        fox = client.upload_file(name, FOX, file_name="fox.txt", metadata={"animal": "fox"})
        client.upload_file(name, WOLF, file_name="wolf.txt", metadata={"animal": "wolf"})
        assert fox.metadata is not None
        assert fox.metadata.to_dict() == {"animal": "fox"}
        assert [f.id for f in client.list_files(name, filter={"animal": {"$ne": "wolf"}})] == [fox.id]
        assert client.delete_file(name, fox.id) is None
        client.delete_assistant(name)


def test_rate_limits_from_the_endpoint_are_retried(server: RunningServer) -> None:
    name = unique("busy")
    with make(server) as client:
        client.create_assistant(name)
        busy = client.with_options(headers=faults("rate_limit_ms=5", count=2))
        assert busy.describe_assistant(name).name == name
        with pytest.raises(RateLimitError) as info:
            client.with_options(headers=faults("rate_limit_ms=5", count=2), max_retries=1).describe_assistant(
                name
            )
        assert info.value.code == "TOO_MANY_REQUESTS"
        streaming = client.with_options(headers=faults("unavailable", count=1))
        with streaming.chat(name, QUESTION, stream=True) as stream:
            assert stream.get_final_answer().finish_reason is not None
        client.delete_assistant(name)


def test_endpoint_errors_map_to_the_error_tree(server: RunningServer) -> None:
    with make(server) as client:
        with pytest.raises(NotFoundError) as missing:
            client.describe_assistant(unique("missing"))
        assert missing.value.code == "NOT_FOUND"
        with pytest.raises(InternalServerError):
            client.with_options(headers=faults("server_error"), max_retries=0).list_assistants().__next__()
        name = unique("errs")
        client.create_assistant(name)
        with pytest.raises(BadRequestError):
            client.chat(name, QUESTION, model="no-such-model")
        stream = client.with_options(headers=faults("cut_stream")).chat(name, QUESTION, stream=True)
        with stream, pytest.raises(IncompleteStreamError) as cut:
            stream.get_final_answer()
        assert cut.value.partial.text
        assert stream.response.is_closed
        client.delete_assistant(name)
    with (
        AssistantClient("wrong-key", control_host=server.url) as stranger,
        pytest.raises(AuthenticationError) as denied,
    ):
        stranger.describe_assistant("anything")
    assert "wrong-key" not in str(denied.value)
