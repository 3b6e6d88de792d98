"""The exact requests the clients send (URL, headers, body) and how they read the answers.

Every test runs against ``httpx.MockTransport`` through both twins (sync and async).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from assistant_api.models.message import Message
from assistant_api.models.message_role import MessageRole
from pinecone_assistant import (
    ChatResponse,
    CompletionResponse,
    ProcessingFailedError,
    RetryPolicy,
    WaitTimeoutError,
)
from pinecone_assistant._constants import API_VERSION
from pinecone_assistant.content import citations_of, text_of
from pinecone_assistant.retries import RETRY_POLICY_EXTENSION
from pinecone_assistant.stream import CitationChunk, ContentChunk, MessageEndChunk, MessageStartChunk

from .client_support import (
    ALIGNMENT,
    ASSISTANT,
    CHAT,
    CHAT_EVENTS,
    COMPLETION,
    COMPLETION_EVENTS,
    CONTEXT,
    CONTROL,
    DATA_HOST,
    EVALUATION,
    FILE,
    KEY,
    MODES,
    OPERATION,
    Api,
    Driver,
    json_response,
    sse_body,
)

pytestmark = pytest.mark.parametrize("mode", MODES)

DATA = f"{DATA_HOST}/assistant"


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


def test_describe_assistant_sends_key_version_and_accept_to_the_control_plane(mode: str) -> None:
    api = Api()
    assistant = Driver(mode, api)("describe_assistant", "demo")
    request = api.last()
    assert str(request.url) == f"{CONTROL}/assistant/assistants/demo"
    assert request.method == "GET"
    assert request.headers["Api-Key"] == KEY
    assert request.headers["X-Pinecone-Api-Version"] == API_VERSION
    assert request.headers["Accept"] == "application/json"
    assert assistant.name == "demo"
    assert assistant.host == DATA_HOST


def test_create_assistant_sends_only_given_fields_and_waits_until_ready(mode: str) -> None:
    initializing = {**ASSISTANT, "status": "Initializing"}
    api = Api(
        {
            ("POST", "/assistant/assistants"): json_response(200, initializing),
            ("GET", "/assistant/assistants/demo"): [
                json_response(200, initializing),
                json_response(200, ASSISTANT),
            ],
        }
    )
    created = Driver(mode, api)(
        "create_assistant", "demo", instructions="Be brief.", metadata={"team": "docs"}, poll_interval=0.001
    )
    assert str(created.status) == "Ready"
    assert api.paths() == [
        "POST /assistant/assistants",
        "GET /assistant/assistants/demo",
        "GET /assistant/assistants/demo",
    ]
    assert body_of(api.requests[0]) == {
        "name": "demo",
        "instructions": "Be brief.",
        "metadata": {"team": "docs"},
    }


def test_create_assistant_without_wait_returns_the_first_answer(mode: str) -> None:
    api = Api(
        {("POST", "/assistant/assistants"): json_response(200, {**ASSISTANT, "status": "Initializing"})}
    )
    created = Driver(mode, api)("create_assistant", "demo", region="eu", wait=False)
    assert str(created.status) == "Initializing"
    assert body_of(api.last()) == {"name": "demo", "region": "eu"}
    assert len(api.requests) == 1


def test_wait_until_ready_raises_processing_failed_for_a_failed_assistant(mode: str) -> None:
    api = Api({("GET", "/assistant/assistants/demo"): json_response(200, {**ASSISTANT, "status": "Failed"})})
    with pytest.raises(ProcessingFailedError) as info:
        Driver(mode, api)("wait_until_ready", "demo")
    assert info.value.status == "Failed"
    assert "will not become Ready" in str(info.value)


def test_list_assistants_follows_pagination_tokens(mode: str) -> None:
    second = {**ASSISTANT, "name": "other", "host": "https://other.svc.test"}

    def pages(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("pagination_token") == "t2":
            return json_response(200, {"assistants": [second], "pagination": None})
        return json_response(200, {"assistants": [ASSISTANT], "pagination": {"next": "t2"}})

    api = Api({("GET", "/assistant/assistants"): pages})
    names = [a.name for a in Driver(mode, api)("list_assistants", limit=1)]
    assert names == ["demo", "other"]
    assert [dict(r.url.params) for r in api.requests] == [
        {"limit": "1"},
        {"limit": "1", "pagination_token": "t2"},
    ]


def test_list_assistants_under_2025_10_sends_no_pagination_parameters(mode: str) -> None:
    api = Api({("GET", "/assistant/assistants"): json_response(200, {"assistants": [ASSISTANT]})})
    Driver(mode, api, api_version="2025-10")("list_assistants", limit=5)
    assert dict(api.last().url.params) == {}
    assert api.last().headers["X-Pinecone-Api-Version"] == "2025-10"


def test_update_assistant_sends_null_to_clear_and_leaves_out_what_was_not_passed(mode: str) -> None:
    api = Api(
        {
            ("PATCH", "/assistant/assistants/demo"): json_response(
                200,
                {
                    "name": "demo",
                    "instructions": None,
                    "metadata": {"a": 1},
                    "status": "Ready",
                    "host": "https://data.example",
                    "created_at": "2026-04-02T09:14:07Z",
                    "updated_at": "2026-04-02T10:02:55Z",
                },
            )
        }
    )
    updated = Driver(mode, api)("update_assistant", "demo", instructions=None)
    assert body_of(api.last()) == {"instructions": None}
    assert (updated.name, updated.instructions, updated.status) == ("demo", None, "Ready")


def test_delete_assistant_forgets_its_cached_host(mode: str) -> None:
    api = Api(
        {
            ("DELETE", "/assistant/assistants/demo"): httpx.Response(200),
            ("POST", "/assistant/chat/demo/context"): json_response(200, CONTEXT),
        }
    )
    driver = Driver(mode, api)
    driver("context", "demo", query="fox")
    driver("delete_assistant", "demo")
    driver("context", "demo", query="fox")
    assert api.paths().count("GET /assistant/assistants/demo") == 2


def test_the_data_plane_host_is_described_once_and_cached(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT)})
    driver = Driver(mode, api)
    driver("chat", "demo", "What do foxes eat?")
    driver("chat", "demo", "And wolves?")
    assert api.paths() == [
        "GET /assistant/assistants/demo",
        "POST /assistant/chat/demo",
        "POST /assistant/chat/demo",
    ]
    assert str(api.last().url) == f"{DATA}/chat/demo"


def test_a_host_without_scheme_gets_https_and_one_assistant_prefix(mode: str) -> None:
    api = Api(
        {
            ("GET", "/assistant/assistants/demo"): json_response(
                200, {**ASSISTANT, "host": "demo-1a2b.svc.test/"}
            ),
            ("POST", "/assistant/chat/demo/context"): json_response(200, CONTEXT),
        }
    )
    Driver(mode, api)("context", "demo", query="fox")
    assert str(api.last().url) == "https://demo-1a2b.svc.test/assistant/chat/demo/context"


def test_an_assistant_handle_with_a_host_needs_no_describe(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo/context"): json_response(200, CONTEXT)})
    driver = Driver(mode, api)
    handle = driver.client.assistant("demo", host="http://127.0.0.1:9/assistant")
    result = handle.context(query="fox")
    if mode == "async":
        import asyncio

        result = asyncio.run(result)
    assert result.snippets[0].content == "Foxes eat berries."
    assert api.paths() == ["POST /assistant/chat/demo/context"]
    assert str(api.last().url) == "http://127.0.0.1:9/assistant/chat/demo/context"


# --------------------------------------------------------------------------- files


def _multipart_fields(request: httpx.Request) -> dict[str, tuple[str | None, bytes]]:
    content_type = request.headers["content-type"]
    match = re.match(r"multipart/form-data; boundary=(.+)$", content_type)
    assert match, content_type
    boundary = match.group(1).encode()
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in request.content.split(b"--" + boundary)[1:-1]:
        assert part.startswith(b"\r\n")
        assert part.endswith(b"\r\n")
        head, _, value = part[2:-2].partition(b"\r\n\r\n")
        name = re.search(rb'name="([^"]+)"', head)
        filename = re.search(rb'filename="([^"]+)"', head)
        assert name
        fields[name.group(1).decode()] = (filename.group(1).decode() if filename else None, value)
    return fields


def test_upload_under_2026_04_sends_metadata_as_a_multipart_field_and_waits_for_the_operation(
    mode: str,
) -> None:
    processing = {**OPERATION, "status": "Processing", "percent_complete": 10}
    api = Api(
        {
            ("POST", "/assistant/files/demo"): json_response(
                202, processing, {"Location": "/operations/demo/op-1"}
            ),
            ("GET", "/assistant/operations/demo/op-1"): [
                json_response(200, processing),
                json_response(200, OPERATION),
            ],
            ("GET", "/assistant/files/demo/f-1"): json_response(200, FILE),
        }
    )
    file = Driver(mode, api)(
        "upload_file",
        "demo",
        b"Foxes eat berries.",
        file_name="notes.txt",
        metadata={"genre": "drama", "year": 2024},
        poll_interval=0.001,
    )
    assert file.id == "f-1"
    assert api.paths() == [
        "GET /assistant/assistants/demo",
        "POST /assistant/files/demo",
        "GET /assistant/operations/demo/op-1",
        "GET /assistant/operations/demo/op-1",
        "GET /assistant/files/demo/f-1",
    ]
    upload = api.requests[1]
    assert dict(upload.url.params) == {}
    assert "+++" not in upload.headers["content-type"]
    fields = _multipart_fields(upload)
    assert fields["file"] == ("notes.txt", b"Foxes eat berries.")
    assert json.loads(fields["metadata"][1]) == {"genre": "drama", "year": 2024}


def test_upload_under_2025_10_sends_metadata_as_a_query_parameter_and_reads_the_file(mode: str) -> None:
    api = Api({("POST", "/assistant/files/demo"): json_response(200, FILE)})
    file = Driver(mode, api, api_version="2025-10")(
        "upload_file", "demo", b"x", file_name="notes.txt", metadata={"genre": "drama"}, multimodal=False
    )
    assert file.name == "notes.txt"
    upload = api.last("POST")
    assert json.loads(upload.url.params["metadata"]) == {"genre": "drama"}
    assert upload.url.params["multimodal"] == "false"
    assert set(_multipart_fields(upload)) == {"file"}
    assert upload.headers["X-Pinecone-Api-Version"] == "2025-10"


def test_upload_from_a_path_sends_the_file_name_and_content(mode: str, tmp_path: Any) -> None:
    path = tmp_path / "handbook.md"
    path.write_bytes(b"# Handbook\n")
    api = Api({("POST", "/assistant/files/demo"): json_response(200, {**FILE, "name": "handbook.md"})})
    Driver(mode, api, api_version="2025-10")("upload_file", "demo", path)
    assert _multipart_fields(api.last("POST"))["file"] == ("handbook.md", b"# Handbook\n")


def test_a_failed_processing_raises_with_the_services_error_message(mode: str) -> None:
    failed = {**FILE, "status": "ProcessingFailed", "error_message": "Unreadable PDF"}
    api = Api(
        {
            ("POST", "/assistant/files/demo"): json_response(200, {**FILE, "status": "Processing"}),
            ("GET", "/assistant/files/demo/f-1"): json_response(200, failed),
        }
    )
    with pytest.raises(ProcessingFailedError) as info:
        Driver(mode, api, api_version="2025-10")(
            "upload_file", "demo", b"%PDF-", file_name="a.pdf", poll_interval=0.001
        )
    assert info.value.error_message == "Unreadable PDF"
    assert info.value.status == "ProcessingFailed"
    assert "Unreadable PDF" in str(info.value)


def test_a_failed_upload_operation_raises_with_its_error_message(mode: str) -> None:
    api = Api(
        {
            ("POST", "/assistant/files/demo"): json_response(
                202, {**OPERATION, "status": "Failed", "error_message": "Unsupported file"}
            )
        }
    )
    with pytest.raises(ProcessingFailedError) as info:
        Driver(mode, api)("upload_file", "demo", b"x", file_name="notes.txt")
    assert info.value.error_message == "Unsupported file"
    assert info.value.resource.id == "op-1"


def test_waiting_for_a_file_gives_up_after_the_wait_timeout(mode: str) -> None:
    api = Api({("GET", "/assistant/files/demo/f-1"): json_response(200, {**FILE, "status": "Processing"})})
    with pytest.raises(WaitTimeoutError) as info:
        Driver(mode, api)("wait_for_file", "demo", "f-1", wait_timeout=0, poll_interval=0.001)
    assert str(info.value.resource.status) == "Processing"
    assert isinstance(info.value, TimeoutError)


def test_upsert_puts_the_file_under_its_id(mode: str) -> None:
    api = Api(
        {
            ("PUT", "/assistant/files/demo/notes-2026"): json_response(
                202, {**OPERATION, "operation_type": "upsert_file", "file_id": "notes-2026"}
            ),
            ("GET", "/assistant/files/demo/notes-2026"): json_response(200, {**FILE, "id": "notes-2026"}),
        }
    )
    file = Driver(mode, api)(
        "upsert_file", "demo", "notes-2026", b"v2", file_name="notes.txt", metadata={"v": 2}
    )
    assert file.id == "notes-2026"
    assert json.loads(_multipart_fields(api.last("PUT"))["metadata"][1]) == {"v": 2}


def test_describe_file_with_include_url_asks_for_a_signed_url(mode: str) -> None:
    signed = {**FILE, "signed_url": "https://storage.test/f-1?sig=abc"}
    api = Api({("GET", "/assistant/files/demo/f-1"): json_response(200, signed)})
    file = Driver(mode, api)("describe_file", "demo", "f-1", include_url=True)
    assert api.last().url.params["include_url"] == "true"
    assert file.signed_url == "https://storage.test/f-1?sig=abc"


def test_delete_file_returns_the_operation_or_none(mode: str) -> None:
    api = Api(
        {
            ("DELETE", "/assistant/files/demo/f-1"): json_response(
                202, {**OPERATION, "operation_type": "delete_file"}
            ),
            ("DELETE", "/assistant/files/demo/f-2"): httpx.Response(204),
        }
    )
    driver = Driver(mode, api)
    assert str(driver("delete_file", "demo", "f-1").operation_type) == "delete_file"
    assert driver("delete_file", "demo", "f-2") is None


def test_list_files_follows_pagination(mode: str) -> None:
    def pages(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("pagination_token") == "p2":
            return json_response(200, {"files": [{**FILE, "id": "f-2"}]})
        return json_response(200, {"files": [FILE], "pagination": {"next": "p2"}})

    api = Api({("GET", "/assistant/files/demo"): pages})
    ids = [f.id for f in Driver(mode, api)("list_files", "demo", limit=1)]
    assert ids == ["f-1", "f-2"]
    assert dict(api.last().url.params) == {"limit": "1", "pagination_token": "p2"}


def test_list_files_sends_the_filter_as_a_json_query_parameter(mode: str) -> None:
    pytest.importorskip("pinecone_assistant.filter")
    api = Api({("GET", "/assistant/files/demo"): json_response(200, {"files": [FILE]})})
    Driver(mode, api)("list_files", "demo", filter={"genre": {"$eq": "drama"}})
    assert json.loads(api.last().url.params["filter"]) == {"genre": {"$eq": "drama"}}


def test_list_and_describe_operations(mode: str) -> None:
    api = Api(
        {
            ("GET", "/assistant/operations/demo"): json_response(200, {"operations": [OPERATION]}),
            ("GET", "/assistant/operations/demo/op-1"): json_response(200, OPERATION),
        }
    )
    driver = Driver(mode, api)
    listed = driver("list_operations", "demo", operation_type="upload_file", status="Completed", limit=10)
    assert [o.id for o in listed] == ["op-1"]
    assert dict(api.last().url.params) == {
        "operation_type": "upload_file",
        "status": "Completed",
        "limit": "10",
    }
    assert driver("describe_operation", "demo", "op-1").file_id == "f-1"


# --------------------------------------------------------------------------- chat


def test_chat_sends_every_field_given_and_nothing_else(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT)})
    Driver(mode, api)(
        "chat",
        "demo",
        [
            {"role": "user", "content": "What do foxes eat?"},
            Message(role=MessageRole.ASSISTANT, content="Berries."),
            {"role": "user", "content": "Anything else?"},
        ],
        model="gpt-4.1",
        temperature=0.2,
        json_response=True,
        include_highlights=True,
        context_options={
            "top_k": 8,
            "snippet_size": 1024,
            "multimodal": False,
            "include_binary_content": False,
        },
    )
    request = api.last()
    assert str(request.url) == f"{DATA}/chat/demo"
    assert request.headers["content-type"] == "application/json"
    assert body_of(request) == {
        "messages": [
            {"role": "user", "content": "What do foxes eat?"},
            {"role": "assistant", "content": "Berries."},
            {"role": "user", "content": "Anything else?"},
        ],
        "model": "gpt-4.1",
        "temperature": 0.2,
        "json_response": True,
        "include_highlights": True,
        "context_options": {
            "top_k": 8,
            "snippet_size": 1024,
            "multimodal": False,
            "include_binary_content": False,
        },
    }


def test_chat_with_a_question_string_sends_one_user_message(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT)})
    Driver(mode, api)("chat", "demo", "What do foxes eat?", context_options={"top_k": 3})
    assert body_of(api.last()) == {
        "messages": [{"role": "user", "content": "What do foxes eat?"}],
        "context_options": {"top_k": 3},
    }


def test_chat_sends_a_validated_filter(mode: str) -> None:
    pytest.importorskip("pinecone_assistant.filter")
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT)})
    flt = {"$and": [{"genre": {"$eq": "drama"}}, {"year": {"$gte": 2020}}]}
    Driver(mode, api)("chat", "demo", "q", filter=flt)
    assert body_of(api.last())["filter"] == flt


def test_the_chat_response_exposes_every_field_and_the_request_id(mode: str) -> None:
    api = Api(
        {("POST", "/assistant/chat/demo"): json_response(200, CHAT, {"x-pinecone-request-id": "req-42"})}
    )
    response = Driver(mode, api)("chat", "demo", "What do foxes eat?")
    assert isinstance(response, ChatResponse)
    assert response.text == "Foxes eat berries."
    assert response.request_id == "req-42"
    assert response.id == "c-1"
    assert response.model == "gpt-4o-2024-11-20"
    assert response.finish_reason == "stop"
    assert (response.usage.prompt_tokens, response.usage.total_tokens) == (10, 15)
    assert response.context_snippet_count == 2
    assert response.content_filter_results is not None
    assert response.content_filter_results.results == {"hate": {"filtered": False}}
    citation = response.citations[0]
    assert citation.position == 18
    reference = citation.references[0]
    assert (reference.file.id, reference.pages) == ("f-1", [1])
    assert reference.highlight is not None
    assert reference.highlight.content == "eat berries"
    assert response.to_dict()["message"]["content"] == "Foxes eat berries."


def test_content_helpers_read_client_answers_like_streamed_ones(mode: str) -> None:
    api = Api(
        {
            ("POST", "/assistant/chat/demo"): json_response(200, CHAT),
            ("POST", "/assistant/chat/demo/chat/completions"): json_response(200, COMPLETION),
        }
    )
    driver = Driver(mode, api)
    chat = driver("chat", "demo", "q")
    completion = driver("chat_completions", "demo", "q")
    assert text_of(chat) == "Foxes eat berries."
    assert citations_of(chat) == chat.citations
    assert text_of(completion) == "Berries [1]"


def test_chat_answer_shortcuts_equal_the_generated_model_built_once(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT)})
    response = Driver(mode, api)("chat", "demo", "q")
    raw = response.raw
    assert response.raw is raw
    assert (response.id, response.model, response.text) == (raw.id, raw.model, raw.message.content)
    assert response.finish_reason == raw.finish_reason
    assert type(response.finish_reason) is type(raw.finish_reason)
    assert response.context_snippet_count == raw.context_snippet_count == 2
    assert response.citations is raw.citations
    assert response.to_dict() == raw.to_dict()
    assert "citations=1" in repr(response)


def test_unknown_fields_and_enum_values_in_answers_are_kept(mode: str) -> None:
    answer = {**CHAT, "finish_reason": "tool_use", "trace_id": "t-9"}
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, answer)})
    response = Driver(mode, api)("chat", "demo", "q")
    assert response.finish_reason == "tool_use"
    assert response.finish_reason.is_known is False
    assert response.raw.additional_properties == {"trace_id": "t-9"}


def test_a_chat_stream_asks_for_events_and_assembles_the_non_streaming_answer(mode: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if body_of(request).get("stream"):
            return httpx.Response(
                200, content=sse_body(CHAT_EVENTS), headers={"content-type": "text/event-stream"}
            )
        return json_response(200, CHAT)

    api = Api({("POST", "/assistant/chat/demo"): answer})
    driver = Driver(mode, api)
    chunks, final = driver.stream("chat", "demo", "What do foxes eat?", include_highlights=True)
    request = api.last()
    assert request.headers["accept"] == "text/event-stream"
    assert body_of(request) == {
        "messages": [{"role": "user", "content": "What do foxes eat?"}],
        "stream": True,
        "include_highlights": True,
    }
    assert [type(c) for c in chunks] == [
        MessageStartChunk,
        ContentChunk,
        ContentChunk,
        CitationChunk,
        MessageEndChunk,
    ]
    plain = driver("chat", "demo", "What do foxes eat?").answer()
    assert final == plain


def test_chat_completions_send_the_openai_shaped_body_and_read_the_answer(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo/chat/completions"): json_response(200, COMPLETION)})
    response = Driver(mode, api)("chat_completions", "demo", "Hi", model="gpt-4o", temperature=0.0)
    assert isinstance(response, CompletionResponse)
    assert body_of(api.last()) == {
        "messages": [{"role": "user", "content": "Hi"}],
        "model": "gpt-4o",
        "temperature": 0.0,
    }
    assert (response.text, response.finish_reason, response.usage.total_tokens) == ("Berries [1]", "stop", 15)


def test_chat_completions_accept_the_legacy_wrapper_and_a_missing_role(mode: str) -> None:
    legacy = {
        "chat_completion": {
            **COMPLETION,
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"content": "Berries"}}],
        }
    }
    api = Api({("POST", "/assistant/chat/demo/chat/completions"): json_response(200, legacy)})
    response = Driver(mode, api)("chat_completions", "demo", "Hi")
    assert response.text == "Berries"
    assert response.id == "cc-1"


def test_a_completion_stream_keeps_usage_of_the_last_chunk(mode: str) -> None:
    api = Api(
        {
            ("POST", "/assistant/chat/demo/chat/completions"): httpx.Response(
                200, content=sse_body(COMPLETION_EVENTS), headers={"content-type": "text/event-stream"}
            )
        }
    )
    chunks, final = Driver(mode, api).stream("chat_completions", "demo", "Hi")
    assert body_of(api.last())["stream"] is True
    assert len(chunks) == 3
    assert (final.text, final.finish_reason, final.usage.total_tokens) == ("Berries [1]", "stop", 15)


def test_context_sends_a_query_or_a_conversation(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo/context"): json_response(200, CONTEXT)})
    driver = Driver(mode, api)
    result = driver("context", "demo", query="fox diet", top_k=4, snippet_size=512, multimodal=False)
    assert body_of(api.last()) == {"query": "fox diet", "top_k": 4, "snippet_size": 512, "multimodal": False}
    assert result.snippets[0].score == 0.9
    driver(
        "context", "demo", messages=[{"role": "user", "content": "fox diet"}], include_binary_content=False
    )
    assert body_of(api.last()) == {
        "messages": [{"role": "user", "content": "fox diet"}],
        "include_binary_content": False,
    }


def test_alignment_evaluation_goes_to_the_evaluation_host(mode: str) -> None:
    api = Api({("POST", "/assistant/evaluation/metrics/alignment"): json_response(200, ALIGNMENT)})
    result = Driver(mode, api)(
        "evaluate_alignment", question="What do foxes eat?", answer="Berries.", ground_truth_answer="Berries."
    )
    request = api.last()
    assert str(request.url) == f"{EVALUATION}/assistant/evaluation/metrics/alignment"
    assert body_of(request) == {
        "question": "What do foxes eat?",
        "answer": "Berries.",
        "ground_truth_answer": "Berries.",
    }
    assert result.metrics.completeness == 0.5
    assert str(result.reasoning.evaluated_facts[0].entailment) == "entailed"


def test_openai_kwargs_point_at_the_assistants_completions_base(mode: str) -> None:
    api = Api()
    kwargs = Driver(mode, api)("openai_kwargs", "demo")
    assert kwargs == {
        "base_url": f"{DATA}/chat/demo",
        "api_key": KEY,
        "default_headers": {"Api-Key": KEY, "X-Pinecone-Api-Version": API_VERSION},
    }


def test_with_options_sets_timeout_retries_and_headers_per_request(mode: str) -> None:
    api = Api()
    driver = Driver(mode, api, default_headers={"X-Team": "docs"})
    driver.client = driver.client.with_options(timeout=3.5, max_retries=5, headers={"X-Trace": "t1"})
    driver("describe_assistant", "demo")
    request = api.last()
    assert request.headers["X-Team"] == "docs"
    assert request.headers["X-Trace"] == "t1"
    assert request.extensions["timeout"] == httpx.Timeout(3.5).as_dict()
    policy = request.extensions[RETRY_POLICY_EXTENSION]
    assert isinstance(policy, RetryPolicy)
    assert policy.max_retries == 5


# --------------------------------------------------------------------------- request building


def _as_built_by_httpx(client: Any, request: httpx.Request) -> httpx.Request:
    """The request ``client.http_client.build_request`` makes from the same parts."""
    return client.http_client.build_request(
        request.method,
        str(request.url),
        content=request.content,
        headers={k: v for k, v in request.headers.items() if k not in ("host", "content-length", "api-key")},
        extensions={k: v for k, v in request.extensions.items() if k != "timeout"},
    )


def test_requests_equal_what_httpx_build_request_makes(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT)})
    driver = Driver(mode, api, timeout=7.5)
    driver("chat", "demo", "q")
    driver("chat", "demo", "again")  # from the caches this time
    for request in api.requests:
        expected = _as_built_by_httpx(driver.client, request)
        # The key is added last, as the request is sent (an httpx.Auth).
        assert request.headers.multi_items() == [*expected.headers.multi_items(), ("api-key", KEY)]
        assert request.url == expected.url
        assert request.content == expected.content
        assert request.extensions["timeout"] == httpx.Timeout(7.5).as_dict()


def test_headers_set_on_the_http_client_later_are_sent(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT)})
    driver = Driver(mode, api)
    driver("chat", "demo", "q")
    driver.client.http_client.headers["X-Trace"] = "t-1"
    driver("chat", "demo", "q")
    assert "x-trace" not in api.requests[-2].headers
    assert api.requests[-1].headers["x-trace"] == "t-1"


def test_cookies_and_params_of_the_http_client_are_sent(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT)})
    driver = Driver(mode, api)
    driver("chat", "demo", "q")
    driver.client.http_client.cookies.set("session", "s-1")
    driver.client.http_client.params = {"trace": "1"}
    driver("chat", "demo", "q")
    assert "cookie" not in api.requests[-2].headers
    assert api.requests[-1].headers["cookie"] == "session=s-1"
    assert api.requests[-1].url.params["trace"] == "1"


def test_with_options_headers_do_not_leak_into_the_parent_client(mode: str) -> None:
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT)})
    driver = Driver(mode, api)
    driver("chat", "demo", "q")
    child = driver.client.with_options(headers={"X-Team": "blue"})
    other = Driver.__new__(Driver)
    other.mode, other.client = mode, child
    other("chat", "demo", "q")
    driver("chat", "demo", "q")
    assert [r.headers.get("x-team") for r in api.requests[-2:]] == ["blue", None]
