"""pinecone 10.2.0 (`pc.assistants`, strict models) through a whole flow against the embedded endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from assistant_conformance.embedded import RunningServer, running_server
from pinecone import Pinecone

from .corpus import FILES, FILTER, FILTERED_QUESTION, KEY, QUESTION

pytestmark = pytest.mark.real_client

NAME = "pinecone10-flow"


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with running_server(api_keys=[KEY]) as running:
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
    created = assistants.create(
        name=NAME, instructions="Answer from the files.", metadata={"suite": "real"}, timeout=30
    )
    assert created.status == "Ready"
    assert created.host == server.url
    assert NAME in [a.name for a in assistants.list()]

    ids: dict[str, str] = {}
    for name, (text, metadata) in FILES.items():
        path = tmp_path / name
        path.write_text(text)
        uploaded = assistants.upload_file(
            assistant_name=NAME, file_path=str(path), metadata=metadata, timeout=30
        )
        assert uploaded.status == "Available"
        ids[name] = uploaded.id
    with open(tmp_path / "foxes.txt", "rb") as stream:
        replaced = assistants.upload_file(
            assistant_name=NAME,
            file_stream=stream,
            file_name="foxes.txt",
            metadata=FILES["foxes.txt"][1],
            file_id="foxes-by-id",
            timeout=30,
        )
    assert (replaced.id, replaced.status) == ("foxes-by-id", "Available")
    assistants.delete_file(assistant_name=NAME, file_id="foxes-by-id", timeout=30)

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

    filtered = assistants.chat(assistant_name=NAME, messages=_user(FILTERED_QUESTION), filter=FILTER)
    assert {ref.file.name for c in filtered.citations for ref in c.references} == {"volcanoes.txt"}

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
    assert context.usage.completion_tokens == 0
    by_messages = assistants.context(assistant_name=NAME, messages=_user("basalt lava"), filter=FILTER)
    assert {s.reference.file.name for s in by_messages.snippets} == {"volcanoes.txt"}

    listed = list(assistants.list_files(assistant_name=NAME, filter={"year": {"$gte": 2021}}))
    assert {f.name for f in listed} == {"foxes.txt", "volcanoes.txt"}
    described = assistants.describe_file(assistant_name=NAME, file_id=ids["otters.md"], include_url=True)
    assert httpx.get(described.signed_url).text == FILES["otters.md"][0]
    operations = list(assistants.list_operations(assistant_name=NAME))
    assert {op.operation_type for op in operations} >= {"upload_file", "upsert_file", "delete_file"}

    scores = assistants.evaluate_alignment(
        question=QUESTION,
        answer=plain.message.content,
        ground_truth_answer="Foxes dig dens in sandy soil. Sea otters hold hands while sleeping.",
    )
    assert scores.scores.completeness == 1.0

    assistants.delete_file(assistant_name=NAME, file_id=ids["otters.md"])
    assert {f.name for f in assistants.list_files(assistant_name=NAME)} == {"foxes.txt", "volcanoes.txt"}
    assistants.delete(name=NAME, timeout=-1)
    assert NAME not in [a.name for a in assistants.list()]
