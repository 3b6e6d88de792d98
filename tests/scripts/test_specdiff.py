"""The spec diff engine on tiny hand-made spec pairs: each kind of change is found and classified."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def _load(name: str) -> Any:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


specdiff = _load("specdiff")

BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "servers": [{"url": "https://api.example.test/assistant"}],
    "paths": {
        "/chat/{assistant_name}": {
            "post": {
                "operationId": "chat",
                "parameters": [
                    {"$ref": "#/components/parameters/Version"},
                    {"name": "assistant_name", "in": "path", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}},
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/ChatModel"}}
                        },
                    },
                    "400": {"description": "bad"},
                },
            }
        },
        "/files/{assistant_name}": {
            "get": {
                "operationId": "list_files",
                "parameters": [
                    {"name": "assistant_name", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "filter", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["files"],
                                    "properties": {
                                        "files": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/File"},
                                        }
                                    },
                                }
                            }
                        },
                    }
                },
            },
            "post": {
                "operationId": "upload_file",
                "parameters": [
                    {"name": "assistant_name", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "metadata", "in": "query", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "contentMediaType": "application/pdf"}
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/File"}}},
                    }
                },
            },
        },
    },
    "components": {
        "parameters": {
            "Version": {
                "name": "X-Api-Version",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "enum": ["2025-10"]},
            }
        },
        "schemas": {
            "ChatRequest": {
                "type": "object",
                "required": ["messages"],
                "properties": {
                    "messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}},
                    "model": {"type": "string", "enum": ["gpt-4o", "claude-3-5-sonnet"], "default": "gpt-4o"},
                    "temperature": {"type": "number"},
                    "top_k": {"type": "integer", "maximum": 64},
                },
            },
            "Message": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {"role": {"type": "string"}, "content": {"type": "string"}},
            },
            "ChatModel": {
                "type": "object",
                "required": ["id", "finish_reason", "message"],
                "properties": {
                    "id": {"type": "string"},
                    "finish_reason": {"$ref": "#/components/schemas/FinishReason"},
                    "message": {"$ref": "#/components/schemas/Message"},
                    "usage": {"type": "object", "properties": {"total_tokens": {"type": "integer"}}},
                },
            },
            "FinishReason": {"type": "string", "enum": ["stop", "length", "function_call"]},
            "File": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "name": {"type": "string", "maxLength": 45},
                    "percent_done": {"type": "number"},
                },
            },
        },
    },
}


def _diff(mutate: Any) -> list[Any]:
    new = copy.deepcopy(BASE)
    mutate(new)
    return specdiff.compare(copy.deepcopy(BASE), new).changes


def _only(changes: list[Any], rule: str) -> Any:
    found = [c for c in changes if c.rule == rule]
    assert len(found) == 1, f"expected one {rule!r}, got {changes}"
    return found[0]


def _op(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    op: dict[str, Any] = doc["paths"][path][method]
    return op


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = doc["components"]["schemas"][name]
    return schema


def test_identical_documents_have_no_changes() -> None:
    assert specdiff.compare(BASE, copy.deepcopy(BASE)).changes == []


def test_added_operation_is_non_breaking() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        doc["paths"]["/operations/{assistant_name}"] = {
            "get": {"operationId": "list_operations", "responses": {"200": {"description": "ok"}}}
        }

    change = _only(_diff(mutate), "operation-added")
    assert change.classification == "non-breaking"
    assert change.where == "list_operations (GET /operations/{assistant_name})"


def test_removed_operation_is_breaking() -> None:
    change = _only(_diff(lambda d: d["paths"]["/files/{assistant_name}"].pop("get")), "operation-removed")
    assert change.classification == "breaking"
    assert change.where.startswith("list_files ")


def test_operation_moved_to_another_path_is_breaking() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        doc["paths"]["/v2/chat/{assistant_name}"] = doc["paths"].pop("/chat/{assistant_name}")

    change = _only(_diff(mutate), "operation-moved")
    assert change.classification == "breaking"
    assert "was POST /chat/{assistant_name}" in change.detail


def test_added_optional_query_parameter_is_non_breaking() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _op(doc, "/files/{assistant_name}", "get")["parameters"].append(
            {"name": "limit", "in": "query", "schema": {"type": "integer"}}
        )

    change = _only(_diff(mutate), "parameter-added-optional")
    assert (change.classification, change.at) == ("non-breaking", "parameter query `limit`")


def test_added_required_header_parameter_is_breaking() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _op(doc, "/files/{assistant_name}", "get")["parameters"].append(
            {"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}}
        )

    change = _only(_diff(mutate), "parameter-added-required")
    assert (change.classification, change.at) == ("breaking", "parameter header `X-Tenant`")


def test_removed_query_parameter_is_breaking() -> None:
    change = _only(
        _diff(lambda d: _op(d, "/files/{assistant_name}", "post")["parameters"].pop(1)), "parameter-removed"
    )
    assert (change.classification, change.at) == ("breaking", "parameter query `metadata`")


def test_parameter_required_flips_are_classified_by_direction() -> None:
    def make_required(doc: dict[str, Any]) -> None:
        _op(doc, "/files/{assistant_name}", "get")["parameters"][1]["required"] = True

    assert _only(_diff(make_required), "parameter-became-required").classification == "breaking"

    old = copy.deepcopy(BASE)
    make_required(old)
    relaxed = specdiff.compare(old, copy.deepcopy(BASE)).changes
    assert _only(relaxed, "parameter-became-optional").classification == "non-breaking"


def test_shared_parameter_component_is_reported_once_under_its_name() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        doc["components"]["parameters"]["Version"]["schema"]["enum"] = ["2026-04"]

    changes = _diff(mutate)
    removed = _only(changes, "enum-value-removed")
    added = _only(changes, "enum-value-added")
    assert removed.where == "parameter component Version"
    assert (removed.classification, added.classification) == ("breaking", "non-breaking")


def test_request_enum_value_removed_is_breaking_and_added_is_not() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "ChatRequest")["properties"]["model"]["enum"] = ["gpt-4o", "gpt-5"]

    changes = _diff(mutate)
    removed, added = _only(changes, "enum-value-removed"), _only(changes, "enum-value-added")
    assert (removed.where, removed.path, removed.direction) == ("schema ChatRequest", "$.model", "request")
    assert removed.classification == "breaking"
    assert '"claude-3-5-sonnet"' in removed.detail
    assert added.classification == "non-breaking"
    assert '"gpt-5"' in added.detail
    assert added.note == ""


def test_response_enum_value_added_is_non_breaking_under_open_enums_with_a_strict_client_note() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "FinishReason")["enum"] = ["stop", "length", "tool_calls"]

    changes = _diff(mutate)
    added, removed = _only(changes, "enum-value-added"), _only(changes, "enum-value-removed")
    assert (added.where, added.direction, added.classification) == (
        "schema FinishReason",
        "response",
        "non-breaking",
    )
    assert "strict client" in added.note
    assert removed.classification == "non-breaking"


def test_added_optional_request_field_is_non_breaking_and_required_one_is_breaking() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        props = _schema(doc, "ChatRequest")["properties"]
        props["json_response"] = {"type": "boolean"}
        props["stream"] = {"type": "boolean"}
        _schema(doc, "ChatRequest")["required"].append("stream")

    changes = _diff(mutate)
    optional = _only(changes, "field-added-optional")
    required = _only(changes, "field-added-required")
    assert (optional.path, optional.classification) == ("$.json_response", "non-breaking")
    assert (required.path, required.classification) == ("$.stream", "breaking")


def test_added_response_field_is_non_breaking_even_when_required() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "ChatModel")["properties"]["context_snippet_count"] = {"type": "integer"}
        _schema(doc, "ChatModel")["required"].append("context_snippet_count")

    change = _only(_diff(mutate), "field-added-required")
    assert (change.where, change.path, change.classification) == (
        "schema ChatModel",
        "$.context_snippet_count",
        "non-breaking",
    )


def test_removed_response_field_is_breaking() -> None:
    change = _only(_diff(lambda d: _schema(d, "File")["properties"].pop("percent_done")), "field-removed")
    assert (change.where, change.path, change.classification) == ("schema File", "$.percent_done", "breaking")


def test_response_field_becoming_optional_is_breaking() -> None:
    change = _only(_diff(lambda d: _schema(d, "ChatModel")["required"].remove("id")), "field-became-optional")
    assert (change.path, change.classification) == ("$.id", "breaking")


def test_schema_used_in_request_and_response_takes_the_stricter_classification() -> None:
    # Message is in ChatRequest.messages[] (request) and ChatModel.message (response).
    change = _only(_diff(lambda d: _schema(d, "Message")["required"].remove("role")), "field-became-optional")
    assert change.direction == "request+response"
    assert change.classification == "breaking"


def test_nested_inline_response_field_is_found_by_json_path() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "ChatModel")["properties"]["usage"]["properties"]["prompt_tokens"] = {"type": "integer"}

    assert _only(_diff(mutate), "field-added-optional").path == "$.usage.prompt_tokens"


def test_inline_operation_schema_change_is_reported_at_the_operation() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        schema = _op(doc, "/files/{assistant_name}", "get")["responses"]["200"]["content"]["application/json"]
        schema["schema"]["properties"]["pagination"] = {"type": "object"}

    change = _only(_diff(mutate), "field-added-optional")
    assert change.where == "list_files (GET /files/{assistant_name})"
    assert (change.at, change.path) == ("response 200 application/json", "$.pagination")


def test_multipart_form_field_added_is_found_in_the_request_body() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        body = _op(doc, "/files/{assistant_name}", "post")["requestBody"]["content"]["multipart/form-data"]
        body["schema"]["properties"]["metadata"] = {"type": "string"}

    change = _only(_diff(mutate), "field-added-optional")
    assert (change.at, change.path) == ("request body multipart/form-data", "$.metadata")
    assert change.classification == "non-breaking"


def test_type_changes_are_widened_narrowed_or_changed_by_direction() -> None:
    def widen(doc: dict[str, Any]) -> None:
        _schema(doc, "ChatModel")["properties"]["id"]["type"] = ["string", "null"]
        _schema(doc, "ChatRequest")["properties"]["temperature"]["type"] = ["number", "string"]

    changes = _diff(widen)
    by_path = {c.path: c for c in changes if c.rule == "type-widened"}
    assert by_path["$.id"].classification == "breaking"  # a response may now carry null
    assert by_path["$.temperature"].classification == "non-breaking"  # a request accepts more

    changed = _only(
        _diff(lambda d: _schema(d, "File")["properties"]["name"].update(type="integer")), "type-changed"
    )
    assert (changed.path, changed.classification) == ("$.name", "breaking")


def test_integer_to_number_is_a_widening() -> None:
    change = _only(
        _diff(lambda d: _schema(d, "ChatRequest")["properties"]["top_k"].update(type="number")),
        "type-widened",
    )
    assert change.classification == "non-breaking"


def test_nullable_any_of_wrapper_is_read_as_a_null_widening() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "ChatModel")["properties"]["message"] = {
            "anyOf": [{"$ref": "#/components/schemas/Message"}, {"type": "null"}]
        }

    change = _only(_diff(mutate), "type-widened")
    assert (change.path, change.detail, change.classification) == (
        "$.message",
        "null now allowed",
        "breaking",
    )


def test_constraints_loosened_in_a_response_are_breaking() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "File")["properties"]["name"]["maxLength"] = 63
        del _schema(doc, "File")["properties"]["id"]["format"]

    changes = [c for c in _diff(mutate) if c.rule == "constraint-loosened"]
    assert {(c.path, c.classification) for c in changes} == {("$.name", "breaking"), ("$.id", "breaking")}


def test_constraint_tightened_in_a_request_is_breaking() -> None:
    change = _only(
        _diff(lambda d: _schema(d, "ChatRequest")["properties"]["top_k"].update(maximum=32)),
        "constraint-tightened",
    )
    assert (change.detail, change.classification) == ("maximum 64 → 32", "breaking")


def test_changed_request_default_is_breaking() -> None:
    change = _only(
        _diff(lambda d: _schema(d, "ChatRequest")["properties"]["model"].update(default="claude-3-5-sonnet")),
        "default-changed",
    )
    assert change.classification == "breaking"


def test_success_status_code_change_is_breaking_and_error_codes_are_not() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        responses = _op(doc, "/files/{assistant_name}", "post")["responses"]
        responses["202"] = responses.pop("200")
        responses["404"] = {"description": "no such assistant"}

    changes = _diff(mutate)
    assert _only(changes, "status-success-removed").at == "response 200"
    assert _only(changes, "status-success-added").classification == "breaking"
    assert _only(changes, "status-error-added").classification == "non-breaking"


def test_integer_status_keys_compare_like_strings() -> None:
    old = copy.deepcopy(BASE)
    new = copy.deepcopy(BASE)
    responses = _op(old, "/chat/{assistant_name}", "post")["responses"]
    responses[400] = responses.pop("400")
    assert specdiff.compare(old, new).changes == []


def test_response_content_type_added_is_non_breaking_and_removed_is_breaking() -> None:
    def add_stream(doc: dict[str, Any]) -> None:
        content = _op(doc, "/chat/{assistant_name}", "post")["responses"]["200"]["content"]
        content["text/event-stream"] = {"schema": {"type": "object"}}

    added = _only(_diff(add_stream), "content-type-added")
    assert (added.at, added.classification) == ("response 200 text/event-stream", "non-breaking")
    old = copy.deepcopy(BASE)
    add_stream(old)
    removed = _only(specdiff.compare(old, copy.deepcopy(BASE)).changes, "content-type-removed")
    assert removed.classification == "breaking"


def test_request_content_type_removed_is_breaking() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        content = _op(doc, "/chat/{assistant_name}", "post")["requestBody"]["content"]
        content["application/x-www-form-urlencoded"] = content.pop("application/json")

    changes = _diff(mutate)
    assert _only(changes, "content-type-removed").classification == "breaking"
    assert _only(changes, "content-type-added").classification == "non-breaking"


def test_response_header_added_and_removed() -> None:
    def add(doc: dict[str, Any]) -> None:
        _op(doc, "/files/{assistant_name}", "post")["responses"]["200"]["headers"] = {
            "Location": {"schema": {"type": "string"}}
        }

    added = _only(_diff(add), "header-added")
    assert (added.at, added.classification) == ("response 200 header `location`", "non-breaking")
    old = copy.deepcopy(BASE)
    add(old)
    assert (
        _only(specdiff.compare(old, copy.deepcopy(BASE)).changes, "header-removed").classification
        == "breaking"
    )


def test_union_variant_added_in_a_response_is_breaking() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "ChatModel")["properties"]["snippet"] = {
            "oneOf": [{"$ref": "#/components/schemas/Message"}]
        }

    old = copy.deepcopy(BASE)
    mutate(old)
    new = copy.deepcopy(old)
    _schema(new, "ChatModel")["properties"]["snippet"]["oneOf"].append({"$ref": "#/components/schemas/File"})
    change = _only(specdiff.compare(old, new).changes, "variant-added")
    assert (change.path, change.classification) == ("$.snippet", "breaking")
    assert "File" in change.detail


def test_single_schema_becoming_a_union_is_a_shape_change() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "ChatModel")["properties"]["usage"] = {
            "oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "integer"}}]
        }

    change = _only(_diff(mutate), "type-changed")
    assert "union" in change.detail
    assert change.classification == "breaking"


def test_schema_components_added_and_removed() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        doc["components"]["schemas"]["OperationModel"] = {"type": "object"}
        del doc["components"]["schemas"]["FinishReason"]
        _schema(doc, "ChatModel")["properties"]["finish_reason"] = {"type": "string"}

    changes = _diff(mutate)
    assert _only(changes, "schema-added").where == "schema OperationModel"
    assert _only(changes, "schema-removed").classification == "breaking"
    # The field's values are no longer limited: any string may come back.
    assert _only(changes, "enum-removed").classification == "breaking"


def test_removed_server_url_is_breaking() -> None:
    change = _only(
        _diff(lambda d: d.update(servers=[{"url": "https://other.example.test/assistant"}])), "server-removed"
    )
    assert change.classification == "breaking"


def test_content_schema_inside_an_event_stream_is_compared() -> None:
    def with_stream(doc: dict[str, Any]) -> None:
        content = _op(doc, "/chat/{assistant_name}", "post")["responses"]["200"]["content"]
        content["text/event-stream"] = {
            "schema": {
                "type": "object",
                "properties": {
                    "data": {"type": "string", "contentSchema": {"$ref": "#/components/schemas/Message"}}
                },
            }
        }

    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    with_stream(old)
    with_stream(new)
    stream = _op(new, "/chat/{assistant_name}", "post")["responses"]["200"]["content"]["text/event-stream"]
    stream["schema"]["properties"]["data"]["contentSchema"] = {"$ref": "#/components/schemas/ChatModel"}
    changes = specdiff.compare(old, new).changes
    assert any(c.path.startswith("$.data<contentSchema>") for c in changes), changes


def test_recursive_schemas_terminate() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "Message")["properties"]["children"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Message"},
        }

    old = copy.deepcopy(BASE)
    mutate(old)
    new = copy.deepcopy(old)
    _schema(new, "Message")["properties"]["children"]["maxItems"] = 3
    change = _only(specdiff.compare(old, new).changes, "constraint-tightened")
    assert change.path == "$.children"


def test_broken_reference_is_a_clear_error() -> None:
    new = copy.deepcopy(BASE)
    _schema(new, "ChatModel")["properties"]["id"] = {"$ref": "#/components/schemas/Nope"}
    with pytest.raises(specdiff.SpecError, match="broken reference #/components/schemas/Nope"):
        specdiff.compare(copy.deepcopy(BASE), new)


def test_load_spec_rejects_a_file_that_is_not_openapi(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("hello: world\n")
    with pytest.raises(specdiff.SpecError, match="not an OpenAPI 3 document"):
        specdiff.load_spec(path)


def test_report_renders_rules_counts_and_each_change(tmp_path: Path) -> None:
    def mutate(doc: dict[str, Any]) -> None:
        _schema(doc, "File")["properties"].pop("percent_done")
        _schema(doc, "ChatModel")["properties"]["context_snippet_count"] = {"type": "integer"}

    old_path, new_path = tmp_path / "old.yaml", tmp_path / "new.yaml"
    new = copy.deepcopy(BASE)
    mutate(new)
    old_path.write_text(json.dumps(BASE))
    new_path.write_text(json.dumps(new))
    report = specdiff.compare_files(old_path, new_path, "2025-10", "2026-04")
    text = specdiff.render_markdown(report)
    assert "**1 breaking, 1 non-breaking** changes" in text
    assert "| enum value added | non-breaking | non-breaking |" in text
    assert "`$.percent_done`" in text
    assert "`$.context_snippet_count`" in text
    assert "Used by response: chat." in text
    data = json.loads(specdiff.render_json(report))
    assert data["counts"] == {"breaking": 1, "non-breaking": 1}
    assert data["from"] == {"version": "2025-10", "spec": "spec/2025-10/openapi.yaml"}


# --- one case per rule: every kind of change in RULES is detected ------------------------------------------


def _files_post(doc: dict[str, Any]) -> dict[str, Any]:
    return _op(doc, "/files/{assistant_name}", "post")


def _add_location(doc: dict[str, Any], *, required: bool) -> None:
    _files_post(doc)["responses"]["200"]["headers"] = {
        "Location": {"required": required, "schema": {"type": "string"}}
    }


def _union_field(doc: dict[str, Any]) -> None:
    _schema(doc, "ChatRequest")["properties"]["query"] = {"oneOf": [{"type": "string"}, {"type": "integer"}]}


_X_OPERATION = {"operationId": "x", "responses": {"200": {"description": "ok"}}}

# (rule, classification, change to the old side or None, change to the new side)
CASES: list[tuple[str, str, Any, Any]] = [
    ("operation-added", "non-breaking", None, lambda d: d["paths"].update({"/x": {"get": _X_OPERATION}})),
    ("operation-removed", "breaking", None, lambda d: d["paths"].pop("/chat/{assistant_name}")),
    (
        "operation-moved",
        "breaking",
        None,
        lambda d: d["paths"].update(y=d["paths"].pop("/chat/{assistant_name}")),
    ),
    ("operation-deprecated", "non-breaking", None, lambda d: _files_post(d).update(deprecated=True)),
    ("server-added", "non-breaking", None, lambda d: d["servers"].append({"url": "https://eu.example.test"})),
    ("server-removed", "breaking", None, lambda d: d.update(servers=[])),
    (
        "parameter-added-optional",
        "non-breaking",
        None,
        lambda d: _files_post(d)["parameters"].append(
            {"name": "multimodal", "in": "query", "schema": {"type": "string"}}
        ),
    ),
    (
        "parameter-added-required",
        "breaking",
        None,
        lambda d: _files_post(d)["parameters"].append(
            {"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}}
        ),
    ),
    ("parameter-removed", "breaking", None, lambda d: _files_post(d)["parameters"].pop(1)),
    (
        "parameter-became-required",
        "breaking",
        None,
        lambda d: _files_post(d)["parameters"][1].update(required=True),
    ),
    (
        "parameter-became-optional",
        "non-breaking",
        lambda d: _files_post(d)["parameters"][1].update(required=True),
        None,
    ),
    (
        "body-added-optional",
        "non-breaking",
        lambda d: _files_post(d).pop("requestBody"),
        lambda d: _files_post(d)["requestBody"].update(required=False),
    ),
    ("body-added-required", "breaking", lambda d: _files_post(d).pop("requestBody"), None),
    ("body-removed", "breaking", None, lambda d: _files_post(d).pop("requestBody")),
    (
        "body-became-required",
        "breaking",
        lambda d: _files_post(d)["requestBody"].update(required=False),
        None,
    ),
    (
        "body-became-optional",
        "non-breaking",
        None,
        lambda d: _files_post(d)["requestBody"].update(required=False),
    ),
    (
        "content-type-added",
        "non-breaking",
        None,
        lambda d: _files_post(d)["requestBody"]["content"].update({"application/octet-stream": {}}),
    ),
    ("content-type-removed", "breaking", None, lambda d: _files_post(d)["responses"]["200"].pop("content")),
    (
        "status-success-added",
        "breaking",
        None,
        lambda d: _files_post(d)["responses"].update({"202": {"description": "accepted"}}),
    ),
    ("status-success-removed", "breaking", None, lambda d: _files_post(d)["responses"].pop("200")),
    (
        "status-error-added",
        "non-breaking",
        None,
        lambda d: _files_post(d)["responses"].update({"429": {"description": "slow down"}}),
    ),
    (
        "status-error-removed",
        "non-breaking",
        None,
        lambda d: _op(d, "/chat/{assistant_name}", "post")["responses"].pop("400"),
    ),
    ("header-added", "non-breaking", None, lambda d: _add_location(d, required=False)),
    ("header-removed", "breaking", lambda d: _add_location(d, required=False), None),
    (
        "header-became-optional",
        "breaking",
        lambda d: _add_location(d, required=True),
        lambda d: _add_location(d, required=False),
    ),
    (
        "header-became-required",
        "non-breaking",
        lambda d: _add_location(d, required=False),
        lambda d: _add_location(d, required=True),
    ),
    (
        "field-added-optional",
        "non-breaking",
        None,
        lambda d: _schema(d, "ChatRequest")["properties"].update(stream={"type": "boolean"}),
    ),
    (
        "field-added-required",
        "breaking",
        None,
        lambda d: (
            _schema(d, "ChatRequest")["properties"].update(stream={"type": "boolean"}),
            _schema(d, "ChatRequest")["required"].append("stream"),
        ),
    ),
    ("field-removed", "breaking", None, lambda d: _schema(d, "ChatRequest")["properties"].pop("temperature")),
    (
        "field-became-required",
        "breaking",
        None,
        lambda d: _schema(d, "ChatRequest")["required"].append("model"),
    ),
    ("field-became-optional", "breaking", None, lambda d: _schema(d, "ChatModel")["required"].remove("id")),
    (
        "type-widened",
        "breaking",
        None,
        lambda d: _schema(d, "File")["properties"]["name"].update(type=["string", "null"]),
    ),
    (
        "type-narrowed",
        "breaking",
        None,
        lambda d: _schema(d, "ChatRequest")["properties"]["temperature"].update(type="integer"),
    ),
    (
        "type-changed",
        "breaking",
        None,
        lambda d: _schema(d, "ChatModel")["properties"]["id"].update(type="integer"),
    ),
    (
        "enum-value-added",
        "non-breaking",
        None,
        lambda d: _schema(d, "FinishReason")["enum"].append("tool_calls"),
    ),
    (
        "enum-value-removed",
        "breaking",
        None,
        lambda d: _schema(d, "ChatRequest")["properties"]["model"]["enum"].pop(),
    ),
    (
        "enum-added",
        "breaking",
        None,
        lambda d: _schema(d, "ChatRequest")["properties"]["temperature"].update(enum=[0, 1]),
    ),
    ("enum-removed", "breaking", None, lambda d: _schema(d, "FinishReason").pop("enum")),
    (
        "variant-added",
        "non-breaking",
        _union_field,
        lambda d: (
            _union_field(d),
            _schema(d, "ChatRequest")["properties"]["query"]["oneOf"].append({"type": "boolean"}),
        ),
    ),
    (
        "variant-removed",
        "breaking",
        _union_field,
        lambda d: (_union_field(d), _schema(d, "ChatRequest")["properties"]["query"]["oneOf"].pop()),
    ),
    (
        "constraint-tightened",
        "breaking",
        None,
        lambda d: _schema(d, "ChatRequest")["properties"]["temperature"].update(minimum=0),
    ),
    (
        "constraint-loosened",
        "breaking",
        None,
        lambda d: _schema(d, "File")["properties"]["name"].pop("maxLength"),
    ),
    (
        "constraint-changed",
        "breaking",
        None,
        lambda d: _schema(d, "File")["properties"]["id"].update(format="ulid"),
    ),
    (
        "default-changed",
        "breaking",
        None,
        lambda d: _schema(d, "ChatRequest")["properties"]["model"].update(default="claude-3-5-sonnet"),
    ),
    (
        "default-added-or-removed",
        "non-breaking",
        None,
        lambda d: _schema(d, "ChatRequest")["properties"]["temperature"].update(default=0.0),
    ),
    (
        "schema-added",
        "non-breaking",
        None,
        lambda d: d["components"]["schemas"].update(Pagination={"type": "object"}),
    ),
    ("schema-removed", "breaking", lambda d: d["components"]["schemas"].update(Old={"type": "object"}), None),
    ("security-changed", "breaking", None, lambda d: d.update(security=[{"ApiKeyAuth": []}])),
    ("version-label-changed", "non-breaking", lambda d: _label(d, "1"), lambda d: _label(d, "2")),
]


def _label(doc: dict[str, Any], version: str) -> None:
    """The document describes `version`, and its version header defaults to it."""
    doc["info"]["version"] = version
    doc["components"]["parameters"]["Version"]["schema"] = {"type": "string", "default": version}


@pytest.mark.parametrize(
    ("rule", "classification", "change_old", "change_new"), CASES, ids=[c[0] for c in CASES]
)
def test_each_kind_of_change_is_detected_and_classified(
    rule: str, classification: str, change_old: Any, change_new: Any
) -> None:
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    for doc, change in ((old, change_old), (new, change_new)):
        if change is not None:
            change(doc)
    found = [c for c in specdiff.compare(old, new).changes if c.rule == rule]
    assert found, f"{rule} not detected"
    assert {c.classification for c in found} == {classification}


def test_the_cases_cover_every_rule() -> None:
    assert sorted(c[0] for c in CASES) == sorted(specdiff.RULES)


def test_a_version_header_default_that_follows_info_version_is_a_label_not_a_changed_default() -> None:
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    _label(old, "2026-04")
    _label(new, "2026-07")

    report = specdiff.compare(old, new)

    assert [(c.rule, c.classification) for c in report.changes] == [("version-label-changed", "non-breaking")]
    assert report.notes[0] == specdiff.Note("version label", "$.info.version", '"2026-04" → "2026-07"')


def test_a_default_that_does_not_follow_info_version_is_still_a_changed_default() -> None:
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    _label(old, "2026-04")
    _label(new, "2026-07")
    new["components"]["parameters"]["Version"]["schema"]["default"] = "2026-01"

    assert [c.rule for c in specdiff.compare(old, new).changes] == ["default-changed"]


def test_descriptions_examples_and_restated_defaults_are_listed_as_notes_not_changes() -> None:
    def mutate(doc: dict[str, Any]) -> None:
        chat = _schema(doc, "ChatRequest")
        chat["description"] = "reworded"
        chat["example"] = {"messages": []}
        chat["additionalProperties"] = True

    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    mutate(new)
    report = specdiff.compare(old, new)

    assert report.changes == []
    assert {(n.kind, n.path) for n in report.notes} == {
        ("description", "$.components.schemas.ChatRequest.description"),
        ("example", "$.components.schemas.ChatRequest.example"),
        ("restated default", "$.components.schemas.ChatRequest.additionalProperties"),
    }
    text = specdiff.render_markdown(report)
    assert "Nothing breaks for a client written against old: a client sees no difference." in text
    assert "| restated default | `$.components.schemas.ChatRequest.additionalProperties` |" in text


def test_closing_an_object_is_a_change_not_a_note() -> None:
    report = specdiff.compare(
        copy.deepcopy(BASE), _mutated(lambda d: _schema(d, "ChatRequest").update(additionalProperties=False))
    )

    assert [c.rule for c in report.changes] == ["constraint-tightened"]
    assert report.notes == []


def test_summary_says_what_breaks() -> None:
    old = _mutated(lambda d: d["components"]["schemas"].update(Extra={"type": "object"}))
    report = specdiff.compare(old, copy.deepcopy(BASE))

    assert [c.rule for c in report.breaking] == ["schema-removed"]
    assert specdiff.summary_lines(report)[0] == (
        "1 change(s) can break a client written against old; adapt the client to them."
    )


def _mutated(mutate: Any) -> dict[str, Any]:
    new = copy.deepcopy(BASE)
    mutate(new)
    return new
