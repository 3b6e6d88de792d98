"""Streaming chat and chat completions: the live wire format, and real incremental delivery."""

from __future__ import annotations

import threading

import anyio.to_thread
import httpx
from assistant_conformance.embedded import running_server

from .conftest import CORPUS, KEY, V25, V26, Api, load_corpus, sse_events

QUESTION = "Which things grow: red pines or comet tails?"


def _frames(text: str) -> list[str]:
    return [frame for frame in text.split("\n\n") if frame]


def test_chat_stream_uses_data_lines_without_a_done_sentinel(api: Api, conform) -> None:
    load_corpus(api)
    response = api.chat("demo", QUESTION, stream=True, headers={"Accept": "application/json"})
    conform(V25, "chat_assistant", response)
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.endswith("\n\n")
    frames = _frames(response.text)
    assert all(frame.startswith("data: {") and "\n" not in frame for frame in frames)
    assert "[DONE]" not in response.text
    events = sse_events(response.text)
    kinds = [e["type"] for e in events]
    assert kinds[0] == "message_start"
    assert kinds[-1] == "message_end"
    assert kinds.count("content_chunk") > 2
    assert kinds.count("citation") == 2
    assert len({e["id"] for e in events}) == 1
    assert {e["model"] for e in events} == {"gpt-4o-2024-11-20"}


def test_stream_citations_point_into_the_text_received_so_far(api: Api) -> None:
    load_corpus(api)
    events = sse_events(api.chat("demo", QUESTION, stream=True, include_highlights=True).text)
    text = ""
    for event in events:
        if event["type"] == "content_chunk":
            text += event["delta"]["content"]
        elif event["type"] == "citation":
            position = event["citation"]["position"]
            assert position == len(text)
            assert event["citation"]["references"][0]["highlight"]["content"] in text
    plain = api.chat("demo", QUESTION).json()
    assert text == plain["message"]["content"]
    assert events[-1]["usage"] == plain["usage"]
    assert events[-1]["finish_reason"] == "stop"


def test_stream_under_2026_04_carries_snippet_count_and_content_filter(api26: Api, conform) -> None:
    load_corpus(api26)
    response = api26.chat("demo", QUESTION, stream=True)
    conform(V26, "chat_assistant", response)
    events = sse_events(response.text)
    assert events[0]["context_snippet_count"] == 2
    assert events[-1]["content_filter_results"]["spec"] == "openai"


def test_stream_without_a_version_header_is_served_as_2025_10(api: Api) -> None:
    load_corpus(api)
    response = api.chat("demo", QUESTION, stream=True, version=None)
    assert response.status_code == 200
    assert "context_snippet_count" not in sse_events(response.text)[0]


def test_json_response_with_stream_is_rejected_before_streaming(api: Api, conform) -> None:
    load_corpus(api)
    response = api.chat("demo", QUESTION, stream=True, json_response=True)
    conform(V25, "chat_assistant", response)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert "json_response" in response.json()["error"]["message"]


def test_chat_completion_stream_has_role_first_and_finish_reason_with_usage_last(api: Api, conform) -> None:
    load_corpus(api)
    response = api.post(
        "chat/demo/chat/completions",
        json={"messages": [{"role": "user", "content": QUESTION}], "stream": True},
        headers={"Accept": "application/json"},
    )
    conform(V25, "chat_completion_assistant", response)
    assert "[DONE]" not in response.text
    chunks = sse_events(response.text)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["total_tokens"] > 0
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    plain = api.post(
        "chat/demo/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}
    ).json()
    assert text == plain["choices"][0]["message"]["content"]


def _load_over_http(base: str) -> None:
    headers = {"Api-Key": KEY}
    with httpx.Client(base_url=base, headers=headers) as client:
        assert client.post("/assistant/assistants", json={"name": "demo"}).status_code == 200
        for name, (text, _) in CORPUS.items():
            assert (
                client.post("/assistant/files/demo", files={"file": (name, text.encode())}).status_code == 200
            )


def test_stream_chunks_reach_the_client_before_later_ones_are_produced() -> None:
    released = threading.Event()
    stalled: list[int] = []

    async def hold_second_chunk(index: int) -> None:
        # The server may not produce chunk 1 until the client has read chunk 0 and opened the gate.
        if index == 1 and not await anyio.to_thread.run_sync(released.wait, 20):
            stalled.append(index)

    with running_server(
        stream_hook=hold_second_chunk, assistant_ready_seconds=0, file_processing_seconds=0
    ) as server:
        _load_over_http(server.url)
        body = {"messages": [{"role": "user", "content": QUESTION}], "stream": True}
        with (
            httpx.Client(timeout=30) as client,
            client.stream(
                "POST", f"{server.url}/assistant/chat/demo", json=body, headers={"Api-Key": KEY}
            ) as r,
        ):
            lines = (line for line in r.iter_lines() if line)
            first = next(lines)
            assert '"message_start"' in first
            assert not released.is_set()
            released.set()
            rest = list(lines)
    assert stalled == []
    assert '"message_end"' in rest[-1]


def test_slow_chunks_fault_keeps_the_stream_content_intact() -> None:
    with running_server(faults=True, assistant_ready_seconds=0, file_processing_seconds=0) as server:
        _load_over_http(server.url)
        body = {"messages": [{"role": "user", "content": QUESTION}], "stream": True}
        plain = httpx.post(f"{server.url}/assistant/chat/demo", json=body, headers={"Api-Key": KEY}).text
        slow = httpx.post(
            f"{server.url}/assistant/chat/demo",
            json=body,
            headers={"Api-Key": KEY, "X-Assistant-Fault": "slow_chunks=0.01"},
        ).text
    strip = [{k: v for k, v in e.items() if k != "id"} for e in sse_events(plain)]
    assert strip == [{k: v for k, v in e.items() if k != "id"} for e in sse_events(slow)]
