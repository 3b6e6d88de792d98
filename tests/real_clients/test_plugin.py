"""pinecone 8.1.2 with pinecone-plugin-assistant 3.0.3 (sync only), through a whole flow against the embedded
endpoint: create (waiting through Initializing), update, uploads with metadata (waiting through Processing),
chat with filters and highlights, streams, context and deletes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from assistant_conformance.embedded import RunningServer, running_server
from pinecone import Pinecone

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

NAME = "plugin-flow"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(api_keys=[KEY], **SERVER_OPTIONS) as running:
        yield running


@pytest.fixture
def pc(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Pinecone:
    # The plugin reads its control host from the environment when Pinecone() is built; data calls
    # follow the `host` of the assistant, which the endpoint points back at itself.
    monkeypatch.setenv("PINECONE_PLUGIN_ASSISTANT_CONTROL_HOST", server.url)
    monkeypatch.setenv("PINECONE_PLUGIN_ASSISTANT_DATA_HOST", server.url)
    return Pinecone(api_key=KEY)


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_plugin_whole_flow(pc: Pinecone, server: RunningServer, tmp_path: Path) -> None:
    created = pc.assistant.create_assistant(assistant_name=NAME, instructions=INSTRUCTIONS, timeout=30)
    assert created.status == "Ready"  # after describing it through Initializing
    assert NAME in [a.name for a in pc.assistant.list_assistants()]
    # The plugin builds the returned assistant, and its data-plane host, from the update's answer.
    assistant = pc.assistant.update_assistant(
        assistant_name=NAME, instructions=NEW_INSTRUCTIONS, metadata={"suite": "updated"}
    )
    assert (assistant.name, assistant.status, assistant.host) == (NAME, "Ready", f"{server.url}/assistant")
    assert (assistant.instructions, assistant.metadata) == (NEW_INSTRUCTIONS, {"suite": "updated"})
    assert pc.assistant.describe_assistant(NAME).instructions == NEW_INSTRUCTIONS

    # Uploads return at once while Processing; the last one waits (the plugin looks every 5 s), by
    # which time the others are done too.
    broken = assistant.upload_bytes_stream(io.BytesIO(BROKEN_PDF[1]), BROKEN_PDF[0], timeout=-1)
    assert broken.status == "Processing"
    ids: dict[str, str] = {}
    names = list(FILES)
    for name in names:
        path = tmp_path / name
        path.write_text(FILES[name][0])
        wait = name == names[-1]
        uploaded = assistant.upload_file(
            file_path=str(path), metadata=FILES[name][1], timeout=None if wait else -1
        )
        assert uploaded.status == ("Available" if wait else "Processing")
        assert uploaded.metadata == FILES[name][1]
        ids[name] = uploaded.id
    assert {assistant.describe_file(i).status for i in ids.values()} == {"Available"}
    failed = assistant.describe_file(broken.id)
    assert failed.status == "ProcessingFailed"
    assert "PDF" in failed.error_message

    plain = assistant.chat(messages=_user(QUESTION))
    assert "dens in sandy soil" in plain.message.content
    assert "hold hands while sleeping" in plain.message.content
    cited = {ref.file.name for citation in plain.citations for ref in citation.references}
    assert cited == {"foxes.txt", "otters.md"}
    assert plain.usage.total_tokens == plain.usage.prompt_tokens + plain.usage.completion_tokens

    highlighted = assistant.chat(messages=_user(QUESTION), include_highlights=True)
    highlights = [ref.highlight.content for c in highlighted.citations for ref in c.references]
    assert all(h in highlighted.message.content for h in highlights)
    assert highlights

    filtered = assistant.chat(messages=_user(FILTERED_QUESTION), filter=FILTER)
    assert len({s.content for s in assistant.context(query="otters foxes").snippets}) == 2
    assert {ref.file.name for c in filtered.citations for ref in c.references} == {"volcanoes.txt"}

    chunks = [chunk for chunk in assistant.chat(messages=_user(QUESTION), stream=True) if chunk is not None]
    kinds = [chunk.type for chunk in chunks]
    assert kinds[0] == "message_start"
    assert kinds[-1] == "message_end"
    assert "citation" in kinds
    streamed = "".join(chunk.delta.content for chunk in chunks if chunk.type == "content_chunk")
    assert streamed == plain.message.content
    assert chunks[-1].usage.total_tokens > 0

    completion = assistant.chat_completions(messages=_user(QUESTION))
    content = completion.choices[0].message.content
    assert "[1]" in content
    assert "[2]" in content
    streamed_completion = "".join(
        chunk.choices[0].delta.content or ""
        for chunk in assistant.chat_completions(messages=_user(QUESTION), stream=True)
        if chunk.choices
    )
    assert streamed_completion == content

    by_query = assistant.context(query="sea otters sleeping")
    assert by_query.snippets[0].reference.file.name == "otters.md"
    assert by_query.snippets[0].reference.type == "markdown"
    by_messages = assistant.context(messages=_user("basalt lava"), filter=FILTER)
    assert {s.reference.file.name for s in by_messages.snippets} == {"volcanoes.txt"}

    listed = assistant.list_files(filter={"year": {"$gte": 2021}})
    assert {f.name for f in listed} == {"foxes.txt", "volcanoes.txt"}
    described = assistant.describe_file(ids["otters.md"], include_url=True)
    assert described.signed_url.startswith(f"{server.url}/")
    assert requests.get(described.signed_url, timeout=10).text == FILES["otters.md"][0]

    # The default wait: the plugin describes until the file is gone (one Deleting, then 404).
    assistant.delete_file(ids["otters.md"])
    assistant.delete_file(broken.id, timeout=-1)
    assert {f.name for f in assistant.list_files()} == {"foxes.txt", "volcanoes.txt"}
    pc.assistant.delete_assistant(NAME, timeout=-1)
    assert NAME not in [a.name for a in pc.assistant.list_assistants()]
