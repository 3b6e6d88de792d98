"""Operations, servers, headers, security and error bodies of each version, as the API facts state them."""

from __future__ import annotations

from typing import Any

import pytest

from .spec_tools import VERSIONS, follow, load_spec, operations, pointer, resolve

# (method, path) -> (operationId, success statuses, documented error statuses that must be declared)
COMMON: dict[tuple[str, str], tuple[str, set[str], set[str]]] = {
    ("get", "/assistants"): ("list_assistants", {"200"}, {"401", "500"}),
    ("post", "/assistants"): ("create_assistant", {"200"}, {"400", "401", "429", "500"}),
    ("get", "/assistants/{assistant_name}"): ("get_assistant", {"200"}, {"401", "404", "500"}),
    ("patch", "/assistants/{assistant_name}"): ("update_assistant", {"200"}, {"400", "401", "404", "500"}),
    ("delete", "/assistants/{assistant_name}"): ("delete_assistant", {"200"}, {"401", "404", "500"}),
    ("get", "/files/{assistant_name}"): ("list_files", {"200"}, {"401", "404", "500"}),
    ("get", "/files/{assistant_name}/{assistant_file_id}"): ("describe_file", {"200"}, {"401", "404", "500"}),
    ("post", "/chat/{assistant_name}"): ("chat_assistant", {"200"}, {"400", "401", "404", "422", "500"}),
    ("post", "/chat/{assistant_name}/chat/completions"): (
        "chat_completion_assistant",
        {"200"},
        {"400", "401", "404", "500"},
    ),
    ("post", "/chat/{assistant_name}/context"): (
        "context_assistant",
        {"200"},
        {"400", "401", "404", "422", "500"},
    ),
    ("post", "/evaluation/metrics/alignment"): ("metrics_alignment", {"200"}, {"422", "500"}),
}
EXPECTED: dict[str, dict[tuple[str, str], tuple[str, set[str], set[str]]]] = {
    "2025-10": {
        **COMMON,
        ("post", "/files/{assistant_name}"): ("upload_file", {"200"}, {"400", "401", "404", "500"}),
        ("delete", "/files/{assistant_name}/{assistant_file_id}"): (
            "delete_file",
            {"200"},
            {"401", "404", "500"},
        ),
    },
    "2026-04": {
        **COMMON,
        ("post", "/files/{assistant_name}"): ("upload_file", {"202"}, {"400", "401", "404", "500"}),
        ("put", "/files/{assistant_name}/{assistant_file_id}"): (
            "upsert_file",
            {"202"},
            {"400", "401", "404", "500"},
        ),
        ("delete", "/files/{assistant_name}/{assistant_file_id}"): (
            "delete_file",
            {"202", "204"},
            {"401", "404", "500"},
        ),
        ("get", "/operations/{assistant_name}"): ("list_operations", {"200"}, {"401", "404", "500"}),
        ("get", "/operations/{assistant_name}/{operation_id}"): (
            "describe_operation",
            {"200"},
            {"401", "404", "500"},
        ),
    },
}
# 2026-07 declares the same operations, statuses and errors as 2026-04 (api-facts 1.5).
EXPECTED["2026-07"] = EXPECTED["2026-04"]
TAGS = {"Assistants", "Files", "Operations", "Chat", "Evaluation"}
CONTROL_PATHS = {"/assistants", "/assistants/{assistant_name}"}
EVALUATION_PATH = "/evaluation/metrics/alignment"


def _parameters(document: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    return [follow(document, raw, "")[0] for raw in operation.get("parameters", [])]


@pytest.mark.parametrize("version", VERSIONS)
def test_version_declares_exactly_the_operations_of_the_api_facts(version: str) -> None:
    document = load_spec(version)
    declared = {(method, path): operation["operationId"] for method, path, operation in operations(document)}

    assert declared == {key: value[0] for key, value in EXPECTED[version].items()}


@pytest.mark.parametrize("version", VERSIONS)
def test_operation_declares_its_success_statuses_and_the_documented_errors(version: str) -> None:
    document = load_spec(version)
    for method, path, operation in operations(document):
        _, success, errors = EXPECTED[version][(method, path)]
        statuses = set(operation["responses"])
        assert {status for status in statuses if status.startswith("2")} == success, (method, path)
        assert errors <= statuses, (method, path, errors - statuses)


@pytest.mark.parametrize("version", VERSIONS)
def test_operation_count(version: str) -> None:
    assert len(list(operations(load_spec(version)))) == {"2025-10": 13, "2026-04": 16, "2026-07": 16}[version]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_operation_requires_the_version_header_defaulting_to_its_version(version: str) -> None:
    document = load_spec(version)
    header = document["components"]["parameters"]["X-Pinecone-Api-Version"]

    assert header == {**header, "in": "header", "name": "X-Pinecone-Api-Version", "required": True}
    assert header["schema"] == {"type": "string", "default": version}
    for method, path, operation in operations(document):
        assert {"$ref": "#/components/parameters/X-Pinecone-Api-Version"} in operation["parameters"], (
            method,
            path,
        )


@pytest.mark.parametrize("version", VERSIONS)
def test_api_key_header_is_required_everywhere(version: str) -> None:
    document = load_spec(version)

    assert document["security"] == [{"ApiKeyAuth": []}]
    scheme = document["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Api-Key")
    assert "empty" in scheme["description"]
    assert "401" in scheme["description"]
    assert all("security" not in operation for _, _, operation in operations(document))


@pytest.mark.parametrize("version", VERSIONS)
def test_servers_carry_the_assistant_prefix(version: str) -> None:
    document = load_spec(version)

    assert document["servers"] == [
        {"url": "https://api.pinecone.io/assistant", "description": "Control plane."}
    ]
    for path, item in document["paths"].items():
        urls = [server["url"] for server in item.get("servers", [])]
        if path in CONTROL_PATHS:
            assert urls == [], path  # the control plane uses the top-level server
        elif path == EVALUATION_PATH:
            assert urls == [
                "https://prod-1-data.ke.pinecone.io/assistant",
                "https://prod-eu-data.ke.pinecone.io/assistant",
            ]
        else:
            assert urls == ["https://{assistant_host}/assistant"], path
            variable = item["servers"][0]["variables"]["assistant_host"]
            assert variable["default"] == "prod-1-data.ke.pinecone.io"


@pytest.mark.parametrize("version", VERSIONS)
def test_paths_do_not_repeat_the_assistant_prefix(version: str) -> None:
    assert not [path for path in load_spec(version)["paths"] if path.startswith("/assistant/")]


@pytest.mark.parametrize("version", VERSIONS)
def test_operations_use_one_tag_each_from_the_project_list(version: str) -> None:
    document = load_spec(version)

    assert {tag["name"] for tag in document["tags"]} <= TAGS
    for method, path, operation in operations(document):
        assert len(operation["tags"]) == 1, (method, path)
        assert operation["tags"][0] in {tag["name"] for tag in document["tags"]}


@pytest.mark.parametrize("version", VERSIONS)
def test_error_responses_use_the_envelope_and_evaluation_its_message_body(version: str) -> None:
    document = load_spec(version)
    for method, path, operation in operations(document):
        expected = "BasicErrorResponse" if path == EVALUATION_PATH else "ErrorResponse"
        for status, raw in operation["responses"].items():
            if status[0] not in "45":
                continue
            response, _ = follow(document, raw, pointer("paths", path, method, "responses", status))
            assert list(response["content"]) == ["application/json"], (method, path, status)
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{expected}"}, (method, path, status)


@pytest.mark.parametrize("version", VERSIONS)
def test_error_envelope_shape(version: str) -> None:
    schemas = load_spec(version)["components"]["schemas"]

    assert schemas["ErrorResponse"]["required"] == ["error", "status"]
    assert schemas["ErrorInfo"]["required"] == ["code", "message"]
    assert schemas["ErrorInfo"]["properties"]["details"]["type"] == "object"
    assert schemas["BasicErrorResponse"]["required"] == ["message"]


@pytest.mark.parametrize("version", VERSIONS)
def test_assistant_name_path_parameter_allows_1_to_63_lowercase_characters(version: str) -> None:
    document = load_spec(version)
    parameter = document["components"]["parameters"]["AssistantName"]

    assert parameter["schema"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 63,
        "pattern": "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
    }
    for method, path, operation in operations(document):
        names = [p["name"] for p in _parameters(document, operation) if p["in"] == "path"]
        assert names == [segment[1:-1] for segment in path.split("/") if segment.startswith("{")], (
            method,
            path,
        )


@pytest.mark.parametrize("version", VERSIONS)
def test_enumerations_are_schema_components(version: str) -> None:
    document = load_spec(version)
    inline = []

    def walk(node: Any, at: str, top_level_component: bool) -> None:
        if isinstance(node, dict):
            if "enum" in node and not top_level_component:
                inline.append(at)
            for key, value in node.items():
                walk(value, f"{at}/{key}", False)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{at}/{index}", False)

    walk(document["paths"], "/paths", False)
    for name, schema in document["components"]["schemas"].items():
        walk(schema, f"/components/schemas/{name}", True)
    for kind in ("parameters", "responses", "headers"):
        walk(document["components"].get(kind, {}), f"/components/{kind}", False)
    assert inline == []


@pytest.mark.parametrize("version", VERSIONS)
def test_request_bodies_forbid_extra_fields_only_for_evaluation(version: str) -> None:
    document = load_spec(version)
    closed = {
        name
        for name, schema in document["components"]["schemas"].items()
        if schema.get("additionalProperties") is False
    }

    assert closed == {"AlignmentRequest"}
    assert not any(
        "additionalProperties" in resolve(document, ref) for ref in _response_schema_refs(document)
    )


def _response_schema_refs(document: dict[str, Any]) -> set[str]:
    refs = set()
    for _, _, operation in operations(document):
        for raw in operation["responses"].values():
            response, _ = follow(document, raw, "")
            for media in response.get("content", {}).values():
                schema = media["schema"]
                if "$ref" in schema:
                    refs.add(schema["$ref"])
    return refs
