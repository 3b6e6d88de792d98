"""pinecone 10.2.0 (`pc.assistants`, strict models), sync and async, through whole flows against the
embedded endpoint: create (waiting through Initializing), update, uploads with metadata (waiting
through Processing), chat with filters and highlights, streams, context, evaluation and deletes."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from assistant_conformance.embedded import RunningServer, running_server
from pinecone import AsyncPinecone, Pinecone
from pinecone.errors import PineconeError

from .corpus import (
    BROKEN_PDF,
    FILES,
    FILTER,
    FILTERED_QUESTION,
    INSTRUCTIONS,
    KEY,
    NEW_INSTRUCTIONS,
    QUESTION,
    SERVER_OPTIONS,
)

pytestmark = pytest.mark.real_client

NAME = "pinecone10-flow"
ASYNC_NAME = "pinecone10-async-flow"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(api_keys=[KEY], **SERVER_OPTIONS) as running:
        yield running


@pytest.fixture
def pc(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Pinecone:
    # `host=` points the control plane here; data calls follow the assistant's `host`;
    # the evaluation client reads PINECONE_PLUGIN_ASSISTANT_DATA_HOST.
    monkeypatch.setenv("PINECONE_PLUGIN_ASSISTANT_DATA_HOST", server.url)
    return Pinecone(api_key=KEY, host=server.url)


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_pinecone10_whole_flow(pc: Pinecone, server: RunningServer, tmp_path: Path) -> None:
    assistants = pc.assistants
    with pytest.raises(PineconeError, match="Invalid environment"):
        assistants.create(name="elsewhere", environment="internal", timeout=30)
    created = assistants.create(name=NAME, instructions=INSTRUCTIONS, metadata={"suite": "real"}, timeout=30)
    assert created.status == "Ready"  # after describing it through Initializing
    assert created.host == server.url
    assert NAME in [a.name for a in assistants.list()]

    updated = assistants.update(name=NAME, instructions=NEW_INSTRUCTIONS, metadata={"suite": "updated"})
    assert (updated.name, updated.status, updated.host) == (NAME, "Ready", server.url)
    assert (updated.instructions, updated.metadata) == (NEW_INSTRUCTIONS, {"suite": "updated"})
    assert assistants.describe(name=NAME).instructions == NEW_INSTRUCTIONS

    # Uploads return at once while Processing; the last one waits for its operation (one 5 s look),
    # by which time the others are done too.
    broken = assistants.upload_file(
        assistant_name=NAME, file_stream=io.BytesIO(BROKEN_PDF[1]), file_name=BROKEN_PDF[0], timeout=-1
    )
    assert broken.status == "Processing"
    replaced = assistants.upload_file(
        assistant_name=NAME,
        file_stream=io.BytesIO(FILES["foxes.txt"][0].encode()),
        file_name="foxes.txt",
        metadata=FILES["foxes.txt"][1],
        file_id="foxes-by-id",
        timeout=-1,
    )
    assert (replaced.id, replaced.status) == ("foxes-by-id", "Processing")
    ids: dict[str, str] = {}
    names = list(FILES)
    for name in names:
        path = tmp_path / name
        path.write_text(FILES[name][0])
        wait = name == names[-1]
        uploaded = assistants.upload_file(
            assistant_name=NAME, file_path=str(path), metadata=FILES[name][1], timeout=30 if wait else -1
        )
        assert uploaded.status == ("Available" if wait else "Processing")
        assert uploaded.metadata == FILES[name][1]
        ids[name] = uploaded.id
    statuses = {assistants.describe_file(assistant_name=NAME, file_id=i).status for i in ids.values()}
    assert statuses == {"Available"}
    assert assistants.describe_file(assistant_name=NAME, file_id="foxes-by-id").status == "Available"
    failed = assistants.describe_file(assistant_name=NAME, file_id=broken.id)
    assert failed.status == "ProcessingFailed"
    assistants.delete_file(assistant_name=NAME, file_id="foxes-by-id", timeout=30)
    assistants.delete_file(assistant_name=NAME, file_id=broken.id, timeout=30)

    plain = assistants.chat(assistant_name=NAME, messages=_user(QUESTION))
    assert "dens in sandy soil" in plain.message.content
    assert plain.model == "gpt-4o-2024-11-20"
    assert plain.finish_reason == "stop"
    assert plain.context_snippet_count == 2
    cited = {ref.file.name for citation in plain.citations for ref in citation.references}
    assert cited == {"foxes.txt", "otters.md"}
    for citation in plain.citations:
        assert 0 < citation.position <= len(plain.message.content)

    highlighted = assistants.chat(assistant_name=NAME, messages=_user(QUESTION), include_highlights=True)
    highlights = [ref.highlight.content for c in highlighted.citations for ref in c.references]
    assert highlights
    assert all(h in highlighted.message.content for h in highlights)

    filtered = assistants.chat(
        assistant_name=NAME, messages=_user(FILTERED_QUESTION), filter=FILTER, temperature=0.2
    )
    assert {ref.file.name for c in filtered.citations for ref in c.references} == {"volcanoes.txt"}
    with pytest.raises(PineconeError, match="temperature"):
        assistants.chat(assistant_name=NAME, messages=_user(QUESTION), temperature=3.0)

    limited = assistants.chat(assistant_name=NAME, messages=_user(QUESTION), context_options={"top_k": 1})
    assert limited.context_snippet_count == 1

    chunks = list(assistants.chat(assistant_name=NAME, messages=_user(QUESTION), stream=True))
    kinds = [type(chunk).__name__ for chunk in chunks]
    assert kinds[0] == "StreamMessageStart"
    assert kinds[-1] == "StreamMessageEnd"
    assert "StreamCitationChunk" in kinds
    streamed = "".join(
        chunk.delta.content for chunk in chunks if type(chunk).__name__ == "StreamContentChunk"
    )
    assert streamed == plain.message.content
    assert chunks[-1].usage.total_tokens == plain.usage.total_tokens

    completion = assistants.chat_completions(assistant_name=NAME, messages=_user(QUESTION))
    content = completion.choices[0].message.content
    assert "[1]" in content
    assert "[2]" in content
    assert completion.choices[0].finish_reason == "stop"
    stream = assistants.chat_completions(assistant_name=NAME, messages=_user(QUESTION), stream=True)
    pieces = list(stream)
    assert "".join(p.choices[0].delta.content or "" for p in pieces if p.choices) == content
    assert pieces[-1].choices[0].finish_reason == "stop"
    assert pieces[-1].usage.total_tokens > 0

    context = assistants.context(assistant_name=NAME, query="sea otters sleeping", top_k=2)
    assert context.snippets[0].reference.file.name == "otters.md"
    assert len({s.content for s in context.snippets}) == len(context.snippets)
    assert context.usage.completion_tokens == 0
    by_messages = assistants.context(assistant_name=NAME, messages=_user("basalt lava"), filter=FILTER)
    assert {s.reference.file.name for s in by_messages.snippets} == {"volcanoes.txt"}

    listed = list(assistants.list_files(assistant_name=NAME, filter={"year": {"$gte": 2021}}))
    assert {f.name for f in listed} == {"foxes.txt", "volcanoes.txt"}
    described = assistants.describe_file(assistant_name=NAME, file_id=ids["otters.md"], include_url=True)
    assert httpx.get(described.signed_url).text == FILES["otters.md"][0]
    operations = list(assistants.list_operations(assistant_name=NAME))
    assert {op.operation_type for op in operations} >= {"upload_file", "upsert_file", "delete_file"}
    assert {op.status for op in operations} == {"Completed", "Failed"}

    scores = assistants.evaluate_alignment(
        question=QUESTION,
        answer=plain.message.content,
        ground_truth_answer="Foxes dig dens in sandy soil. Sea otters hold hands while sleeping.",
    )
    assert scores.scores.completeness == 1.0

    assistants.delete_file(assistant_name=NAME, file_id=ids["otters.md"])
    assert {f.name for f in assistants.list_files(assistant_name=NAME)} == {"foxes.txt", "volcanoes.txt"}
    assistants.delete(name=NAME)  # waits until the assistant is gone (Terminating, then 404)
    assert NAME not in [a.name for a in assistants.list()]


def test_pinecone10_async_whole_flow(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINECONE_PLUGIN_ASSISTANT_DATA_HOST", server.url)

    async def flow() -> None:
        async with AsyncPinecone(api_key=KEY, host=server.url) as pc:
            assistants = pc.assistants
            created = await assistants.create(name=ASYNC_NAME, instructions=INSTRUCTIONS, timeout=30)
            assert (created.status, created.host) == ("Ready", server.url)
            updated = await assistants.update(name=ASYNC_NAME, metadata={"suite": "async"})
            assert (updated.name, updated.host, updated.metadata) == (
                ASYNC_NAME,
                server.url,
                {"suite": "async"},
            )

            names = list(FILES)
            for name in names:
                wait = name == names[-1]
                uploaded = await assistants.upload_file(
                    assistant_name=ASYNC_NAME,
                    file_stream=io.BytesIO(FILES[name][0].encode()),
                    file_name=name,
                    metadata=FILES[name][1],
                    timeout=30 if wait else -1,
                )
                assert uploaded.status == ("Available" if wait else "Processing")
            files = [f async for f in assistants.list_files(assistant_name=ASYNC_NAME)]
            assert {f.status for f in files} == {"Available"}
            with pytest.raises(PineconeError, match="PDF"):
                await assistants.upload_file(
                    assistant_name=ASYNC_NAME,
                    file_stream=io.BytesIO(BROKEN_PDF[1]),
                    file_name=BROKEN_PDF[0],
                    timeout=30,
                )

            plain = await assistants.chat(assistant_name=ASYNC_NAME, messages=_user(QUESTION))
            assert "dens in sandy soil" in plain.message.content
            filtered = await assistants.chat(
                assistant_name=ASYNC_NAME, messages=_user(FILTERED_QUESTION), filter=FILTER
            )
            assert {r.file.name for c in filtered.citations for r in c.references} == {"volcanoes.txt"}
            stream = await assistants.chat(assistant_name=ASYNC_NAME, messages=_user(QUESTION), stream=True)
            chunks = [chunk async for chunk in stream]
            streamed = "".join(c.delta.content for c in chunks if type(c).__name__ == "StreamContentChunk")
            assert streamed == plain.message.content
            completions = await assistants.chat_completions(
                assistant_name=ASYNC_NAME, messages=_user(QUESTION), stream=True
            )
            pieces = [piece async for piece in completions]
            assert pieces[-1].choices[0].finish_reason == "stop"
            context = await assistants.context(assistant_name=ASYNC_NAME, query="basalt lava", filter=FILTER)
            assert {s.reference.file.name for s in context.snippets} == {"volcanoes.txt"}

            volcano = next(f for f in files if f.name == "volcanoes.txt")
            await assistants.delete_file(assistant_name=ASYNC_NAME, file_id=volcano.id, timeout=30)
            remaining = {f.name async for f in assistants.list_files(assistant_name=ASYNC_NAME)}
            assert "volcanoes.txt" not in remaining
            await assistants.delete(name=ASYNC_NAME, timeout=-1)
            assert ASYNC_NAME not in [a.name async for a in assistants.list()]

    asyncio.run(flow())
