"""Facts that differ between 2025-10 and 2026-04, and the request and response shapes both share."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .spec_tools import SPEC_URI, VERSIONS, load_spec, resolve

SPEC_2025 = load_spec("2025-10")
SPEC_2026 = load_spec("2026-04")


def _op(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][path][method]
    return operation


def _param_names(document: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    return [
        resolve(document, p["$ref"])["name"] if "$ref" in p else p["name"] for p in operation["parameters"]
    ]


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def _is_valid(document: dict[str, Any], name: str, instance: Any) -> bool:
    registry: Registry[Any] = Registry().with_resource(
        SPEC_URI, Resource(contents=document, specification=DRAFT202012)
    )
    validator = Draft202012Validator({"$ref": f"{SPEC_URI}#/components/schemas/{name}"}, registry=registry)
    return validator.is_valid(instance)


# ---------------------------------------------------------------- files


def test_upload_answers_202_with_operation_and_location_in_2026_04() -> None:
    upload = _op(SPEC_2026, "post", "/files/{assistant_name}")
    accepted = upload["responses"]["202"]

    assert accepted["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OperationModel"
    }
    location = resolve(SPEC_2026, accepted["headers"]["Location"]["$ref"])
    assert location["required"] is True
    assert location["example"].startswith("/operations/example-assistant/")
    assert "metadata" in _schema(SPEC_2026, "UploadFileRequest")["properties"]
    assert "metadata" not in _param_names(SPEC_2026, upload)


def test_upload_answers_200_with_file_and_takes_metadata_as_query_in_2025_10() -> None:
    upload = _op(SPEC_2025, "post", "/files/{assistant_name}")

    assert set(upload["responses"]) & {"200", "202"} == {"200"}
    ok = upload["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AssistantFileModel"}
    assert "headers" not in ok
    assert "metadata" in _param_names(SPEC_2025, upload)
    assert set(_schema(SPEC_2025, "UploadFileRequest")["properties"]) == {"file"}


@pytest.mark.parametrize("version", VERSIONS)
def test_upload_takes_a_binary_file_and_a_multimodal_string_flag(version: str) -> None:
    document = load_spec(version)
    upload = _op(document, "post", "/files/{assistant_name}")
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    request = resolve(document, body["$ref"])

    assert request["required"] == ["file"]
    assert request["properties"]["file"] == {
        **request["properties"]["file"],
        "type": "string",
        "format": "binary",
    }
    assert "multimodal" in _param_names(document, upload)
    assert _schema(document, "BooleanString")["enum"] == ["true", "false"]


def test_upsert_exists_only_in_2026_04_with_a_constrained_file_id() -> None:
    upsert = _op(SPEC_2026, "put", "/files/{assistant_name}/{assistant_file_id}")
    file_id = resolve(SPEC_2026, upsert["parameters"][2]["$ref"])

    assert file_id["name"] == "assistant_file_id"
    assert file_id["schema"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 128,
        "pattern": "^[A-Za-z0-9_-]+$",
    }
    assert set(upsert["responses"]) >= {"202"}
    assert "put" not in SPEC_2025["paths"]["/files/{assistant_name}/{assistant_file_id}"]


def test_delete_file_answers_202_or_204_in_2026_04_and_200_in_2025_10() -> None:
    new = _op(SPEC_2026, "delete", "/files/{assistant_name}/{assistant_file_id}")["responses"]
    old = _op(SPEC_2025, "delete", "/files/{assistant_name}/{assistant_file_id}")["responses"]

    assert new["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OperationModel"
    }
    assert "content" not in new["204"]
    assert "content" not in old["200"]
    assert "202" not in old
    assert "204" not in old


def test_operations_endpoints_exist_only_in_2026_04() -> None:
    list_operations = _op(SPEC_2026, "get", "/operations/{assistant_name}")

    assert _param_names(SPEC_2026, list_operations)[2:] == [
        "operation_type",
        "status",
        "limit",
        "pagination_token",
    ]
    limit = resolve(SPEC_2026, list_operations["parameters"][4]["$ref"])["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)
    assert not [path for path in SPEC_2025["paths"] if path.startswith("/operations")]
    assert _schema(SPEC_2026, "OperationType")["enum"] == [
        "upload_file",
        "upsert_file",
        "update_file_metadata",
        "delete_file",
    ]
    assert _schema(SPEC_2026, "OperationStatus")["enum"] == ["Processing", "Completed", "Failed"]
    assert _schema(SPEC_2026, "OperationModel")["required"] == [
        "id",
        "operation_type",
        "status",
        "created_on",
    ]
    assert "OperationModel" not in SPEC_2025["components"]["schemas"]


def test_lists_paginate_only_in_2026_04() -> None:
    for path in ("/assistants", "/files/{assistant_name}"):
        new = _param_names(SPEC_2026, _op(SPEC_2026, "get", path))
        old = _param_names(SPEC_2025, _op(SPEC_2025, "get", path))
        assert {"limit", "pagination_token"} <= set(new), path
        assert not {"limit", "pagination_token"} & set(old), path
    limit = resolve(SPEC_2026, _op(SPEC_2026, "get", "/assistants")["parameters"][1]["$ref"])["schema"]
    assert limit == {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}
    for name in ("ListAssistantsResponse", "ListFilesResponse"):
        assert "pagination" in _schema(SPEC_2026, name)["properties"]
        assert "pagination" not in _schema(SPEC_2025, name)["properties"]


@pytest.mark.parametrize("version", VERSIONS)
def test_list_files_takes_a_json_filter_string(version: str) -> None:
    document = load_spec(version)
    operation = _op(document, "get", "/files/{assistant_name}")
    [filter_parameter] = [
        resolve(document, p["$ref"]) for p in operation["parameters"] if "Filter" in p["$ref"]
    ]

    assert (filter_parameter["name"], filter_parameter["in"]) == ("filter", "query")
    assert filter_parameter["schema"] == {"type": "string"}


def test_file_model_keeps_percent_done_and_error_message_in_both_versions() -> None:
    for document in (SPEC_2025, SPEC_2026):
        model = _schema(document, "AssistantFileModel")
        assert model["required"] == ["name", "id"]
        assert {"percent_done", "error_message", "multimodal", "size", "signed_url"} <= set(
            model["properties"]
        )
        assert model["properties"]["percent_done"]["type"] == ["number", "null"]
    assert _schema(SPEC_2025, "AssistantFileModel")["properties"]["id"]["format"] == "uuid"
    assert "format" not in _schema(SPEC_2026, "AssistantFileModel")["properties"]["id"]
    assert _schema(SPEC_2026, "FileStatus")["enum"] == [
        "Processing",
        "Available",
        "Deleting",
        "ProcessingFailed",
    ]


# ---------------------------------------------------------------- assistants


@pytest.mark.parametrize("version", VERSIONS)
def test_assistant_status_includes_terminated_seen_from_the_service(version: str) -> None:
    assert _schema(load_spec(version), "AssistantStatus")["enum"] == [
        "Initializing",
        "Failed",
        "Ready",
        "Terminating",
        "InitializationFailed",
        "Terminated",
    ]


def test_region_is_reported_on_assistants_only_in_2026_04() -> None:
    assert _schema(SPEC_2026, "Assistant")["properties"]["region"] == {"$ref": "#/components/schemas/Region"}
    assert "region" not in _schema(SPEC_2025, "Assistant")["properties"]
    for document in (SPEC_2025, SPEC_2026):
        region = _schema(document, "CreateAssistantRequest")["properties"]["region"]
        assert region["default"] == "us"
        assert _schema(document, "Region")["enum"] == ["us", "eu"]


@pytest.mark.parametrize("version", VERSIONS)
def test_create_assistant_requires_a_valid_name(version: str) -> None:
    document = load_spec(version)

    assert _is_valid(document, "CreateAssistantRequest", {"name": "a"})
    assert _is_valid(document, "CreateAssistantRequest", {"name": "x" * 63, "region": "eu", "metadata": None})
    for bad in ({"name": "x" * 64}, {"name": "-docs"}, {"name": "Docs"}, {"name": ""}, {"instructions": "x"}):
        assert not _is_valid(document, "CreateAssistantRequest", bad), bad


# ---------------------------------------------------------------- chat


def test_finish_reason_values_per_version() -> None:
    assert _schema(SPEC_2026, "FinishReason")["enum"] == ["stop", "length", "content_filter", "tool_calls"]
    assert _schema(SPEC_2025, "FinishReason")["enum"] == ["stop", "length", "content_filter", "function_call"]


def test_model_lists_per_version_and_endpoint() -> None:
    assert _schema(SPEC_2026, "ChatModelName")["enum"] == [
        "gpt-4o",
        "gpt-4.1",
        "gpt-5",
        "o4-mini",
        "claude-sonnet-4-5",
        "gemini-2.5-pro",
    ]
    assert _schema(SPEC_2026, "ChatCompletionModelName")["enum"] == [
        "gpt-4o",
        "gpt-4.1",
        "o4-mini",
        "claude-sonnet-4-5",
        "gemini-2.5-pro",
    ]
    old = ["gpt-4o", "gpt-4.1", "o4-mini", "claude-3-5-sonnet", "claude-3-7-sonnet", "gemini-2.5-pro"]
    assert _schema(SPEC_2025, "ChatModelName")["enum"] == old
    assert _schema(SPEC_2025, "ChatCompletionModelName")["enum"] == old


@pytest.mark.parametrize("version", VERSIONS)
def test_chat_request_defaults_and_bounds(version: str) -> None:
    document = load_spec(version)
    chat = _schema(document, "ChatRequest")["properties"]
    options = _schema(document, "ContextOptions")["properties"]

    assert _schema(document, "ChatRequest")["required"] == ["messages"]
    assert chat["model"] == {**chat["model"], "default": "gpt-4o"}
    assert chat["model"]["allOf"] == [{"$ref": "#/components/schemas/ChatModelName"}]
    assert (
        chat["stream"]["default"],
        chat["json_response"]["default"],
        chat["include_highlights"]["default"],
    ) == (
        False,
        False,
        False,
    )
    assert chat["temperature"]["default"] == 0.0
    assert (options["top_k"]["default"], options["top_k"]["maximum"]) == (16, 64)
    snippet = options["snippet_size"]
    assert (snippet["default"], snippet["minimum"], snippet["maximum"]) == (2048, 512, 8192)
    assert (options["multimodal"]["default"], options["include_binary_content"]["default"]) == (True, True)
    completions = _schema(document, "ChatCompletionRequest")["properties"]
    assert set(completions) == {"messages", "stream", "model", "temperature", "filter"}
    assert completions["model"]["allOf"] == [{"$ref": "#/components/schemas/ChatCompletionModelName"}]


@pytest.mark.parametrize("version", VERSIONS)
def test_chat_messages_need_a_known_role_and_non_empty_content(version: str) -> None:
    document = load_spec(version)

    assert _is_valid(document, "ChatRequest", {"messages": [{"role": "user", "content": "Hi"}]})
    for messages in ([], [{"role": "user", "content": ""}], [{"role": "robot", "content": "Hi"}]):
        assert not _is_valid(document, "ChatRequest", {"messages": messages}), messages


def test_chat_answer_fields_added_in_2026_04() -> None:
    added = {"context_snippet_count", "content_filter_results"}

    assert added <= set(_schema(SPEC_2026, "ChatModel")["properties"])
    assert not added & set(_schema(SPEC_2025, "ChatModel")["properties"])
    assert "context_snippet_count" in _schema(SPEC_2026, "MessageStartChunk")["properties"]
    assert "context_snippet_count" not in _schema(SPEC_2025, "MessageStartChunk")["properties"]
    assert _schema(SPEC_2026, "ContentFilterSpec")["enum"] == ["openai", "gemini"]


@pytest.mark.parametrize("version", VERSIONS)
def test_both_chat_endpoints_stream_events_after_json(version: str) -> None:
    document = load_spec(version)
    for path, payload in (
        ("/chat/{assistant_name}", "StreamChatChunk"),
        ("/chat/{assistant_name}/chat/completions", "ChatCompletionChunk"),
    ):
        content = _op(document, "post", path)["responses"]["200"]["content"]
        assert list(content) == ["application/json", "text/event-stream"], path
        event = content["text/event-stream"]["schema"]
        assert event["required"] == ["data"]
        data = event["properties"]["data"]
        assert data["type"] == "string"
        assert data["contentMediaType"] == "application/json"
        assert data["contentSchema"] == {"$ref": f"#/components/schemas/{payload}"}


@pytest.mark.parametrize("version", VERSIONS)
def test_chat_chunk_union_is_discriminated_by_a_constant_type(version: str) -> None:
    document = load_spec(version)
    union = _schema(document, "StreamChatChunk")
    mapping = union["discriminator"]["mapping"]

    assert union["discriminator"]["propertyName"] == "type"
    assert set(mapping) == {"message_start", "content_chunk", "citation", "message_end"}
    assert sorted(mapping.values()) == sorted(variant["$ref"] for variant in union["oneOf"])
    for kind, ref in mapping.items():
        variant = resolve(document, ref)
        assert variant["properties"]["type"] == {"type": "string", "const": kind}
        assert {"type", "id", "model"} <= set(variant["required"])


@pytest.mark.parametrize("version", VERSIONS)
def test_message_end_accepts_null_usage(version: str) -> None:
    document = load_spec(version)
    end = {"type": "message_end", "id": "c", "model": "gpt-4o-2024-11-20", "finish_reason": "stop"}

    assert _is_valid(document, "StreamChatChunk", {**end, "usage": None})
    assert _is_valid(document, "StreamChatChunk", end)
    assert not _is_valid(document, "StreamChatChunk", {**end, "finish_reason": "done"})
    assert not _is_valid(document, "StreamChatChunk", {**end, "type": "tool_call"})


@pytest.mark.parametrize("version", VERSIONS)
def test_completion_chunks_allow_null_role_content_finish_reason_and_usage(version: str) -> None:
    document = load_spec(version)
    last = {
        "id": "c",
        "choices": [{"index": 0, "delta": {"role": None, "content": None}, "finish_reason": None}],
        "usage": None,
    }

    assert _is_valid(document, "ChatCompletionChunk", last)
    choice = _schema(document, "ChatCompletionChunkChoice")["properties"]["finish_reason"]
    assert choice["anyOf"] == [{"$ref": "#/components/schemas/FinishReason"}, {"type": "null"}]
    broken = {**last, "choices": [{"index": 0, "delta": {}, "finish_reason": "done"}]}
    assert not _is_valid(document, "ChatCompletionChunk", broken)


def test_chat_completion_is_not_wrapped() -> None:
    for document in (SPEC_2025, SPEC_2026):
        model = _schema(document, "ChatCompletionModel")
        assert model["required"] == ["id", "choices", "model", "usage"]
        assert "chat_completion" not in model["properties"]


@pytest.mark.parametrize("version", VERSIONS)
def test_error_codes_per_version(version: str) -> None:
    codes = _schema(load_spec(version), "ErrorCode")["enum"]

    assert len(codes) == {"2025-10": 18, "2026-04": 19, "2026-07": 19}[version]
    assert ("TOO_MANY_REQUESTS" in codes) is (version >= "2026-04")


# ---------------------------------------------------------------- context


@pytest.mark.parametrize("version", VERSIONS)
def test_context_request_needs_exactly_one_of_query_and_messages(version: str) -> None:
    document = load_spec(version)
    messages = [{"role": "user", "content": "How tall is a red pine?"}]

    assert _is_valid(document, "ContextRequest", {"query": "red pine"})
    assert _is_valid(document, "ContextRequest", {"messages": messages, "top_k": 0})
    assert not _is_valid(document, "ContextRequest", {})
    assert not _is_valid(document, "ContextRequest", {"query": "red pine", "messages": messages})
    assert not _is_valid(document, "ContextRequest", {"query": "red pine", "top_k": -1})
    assert not _is_valid(document, "ContextRequest", {"query": "red pine", "top_k": 65})
    assert not _is_valid(document, "ContextRequest", {"query": "red pine", "snippet_size": 511})


@pytest.mark.parametrize("version", VERSIONS)
def test_snippet_and_reference_unions_cover_every_kind(version: str) -> None:
    document = load_spec(version)

    assert set(_schema(document, "SnippetModel")["discriminator"]["mapping"]) == {"text", "multimodal"}
    assert set(_schema(document, "MultimodalContentBlock")["discriminator"]["mapping"]) == {"text", "image"}
    assert set(_schema(document, "TypedReference")["discriminator"]["mapping"]) == {
        "text",
        "json",
        "markdown",
        "pdf",
        "doc_x",
    }
    image = {"type": "image", "caption": "A pine crown."}
    assert _is_valid(document, "MultimodalContentBlock", {**image, "image": None})
    assert not _is_valid(document, "TypedReference", {"type": "pdf", "file": {"name": "a.pdf", "id": "f"}})


# ---------------------------------------------------------------- evaluation


@pytest.mark.parametrize("version", VERSIONS)
def test_alignment_request_rejects_unknown_fields(version: str) -> None:
    document = load_spec(version)
    request = {"question": "Capital of Spain?", "answer": "Barcelona", "ground_truth_answer": "Madrid"}

    assert _is_valid(document, "AlignmentRequest", request)
    assert not _is_valid(document, "AlignmentRequest", {**request, "model": "gpt-4o"})
    assert not _is_valid(document, "AlignmentRequest", {"question": "q", "answer": "a"})
    assert _schema(document, "Entailment")["enum"] == ["entailed", "contradicted", "neutral"]
