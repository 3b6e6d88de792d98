"""Every example in the specs satisfies its schema; every body and every chunk kind has one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .spec_tools import (
    VERSIONS,
    collect_examples,
    example_problems,
    follow,
    load_spec,
    operations,
    pointer,
    resolve,
)

CHAT_STREAM = ("/chat/{assistant_name}", "post")
COMPLETIONS_STREAM = ("/chat/{assistant_name}/chat/completions", "post")


def _all_problems(document: dict[str, Any]) -> list[str]:
    return [
        problem for example in collect_examples(document) for problem in example_problems(document, example)
    ]


def _stream_media(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    media: dict[str, Any] = document["paths"][path][method]["responses"]["200"]["content"][
        "text/event-stream"
    ]
    return media


@pytest.mark.parametrize("version", VERSIONS)
def test_every_example_validates_against_its_schema(version: str) -> None:
    document = load_spec(version)

    assert _all_problems(document) == []


@pytest.mark.parametrize("version", VERSIONS)
def test_every_request_and_response_body_has_an_example(version: str) -> None:
    document = load_spec(version)
    locations = {example.location for example in collect_examples(document)}
    missing = []
    for method, path, operation in operations(document):
        op_at = pointer("paths", path, method)
        bodies = []
        if "requestBody" in operation:
            bodies.append(follow(document, operation["requestBody"], op_at + pointer("requestBody")))
        bodies += [
            follow(document, raw, op_at + pointer("responses", status))
            for status, raw in operation["responses"].items()
        ]
        for body, body_at in bodies:
            for media_type in body.get("content", {}):
                media_at = body_at + pointer("content", media_type)
                if not any(location.startswith(media_at + "/") for location in locations):
                    missing.append(f"{method.upper()} {path}: {media_at}")
    assert missing == []


@pytest.mark.parametrize("version", VERSIONS)
def test_every_stream_chunk_kind_has_an_example(version: str) -> None:
    document = load_spec(version)
    union = document["components"]["schemas"]["StreamChatChunk"]
    kinds = set(union["discriminator"]["mapping"])
    streamed = _stream_media(document, *CHAT_STREAM)["examples"].values()

    assert {json.loads(example["value"]["data"])["type"] for example in streamed} == kinds
    for variant in union["oneOf"]:
        assert resolve(document, variant["$ref"]).get("examples"), variant["$ref"]
    assert document["components"]["schemas"]["ChatCompletionChunk"]["examples"]
    completion_events = _stream_media(document, *COMPLETIONS_STREAM)["examples"].values()
    finish_reasons = [
        json.loads(example["value"]["data"])["choices"][0]["finish_reason"] for example in completion_events
    ]
    assert None in finish_reasons
    assert "stop" in finish_reasons


def test_examples_are_collected_from_every_place_they_appear() -> None:
    document = load_spec("2026-04")
    locations = [example.location for example in collect_examples(document)]

    assert "/components/parameters/AssistantName/example" in locations
    assert "/components/headers/OperationLocation/example" in locations
    assert "/components/responses/Unauthorized/content/application~1json/example" in locations
    assert "/components/schemas/MessageEndChunk/examples/1" in locations
    assert (
        "/paths/~1chat~1{assistant_name}/post/requestBody/content/application~1json/examples/streamed/value"
        in (locations)
    )
    assert (
        "/paths/~1chat~1{assistant_name}/post/responses/200/content/text~1event-stream/examples/message_end/value"
        in locations
    )


def test_broken_response_example_fails_validation() -> None:
    document = load_spec("2026-04")
    chat_200 = document["paths"]["/chat/{assistant_name}"]["post"]["responses"]["200"]["content"]
    chat_200["application/json"]["example"]["finish_reason"] = "done"

    problems = _all_problems(document)

    assert len(problems) == 1
    assert problems[0].startswith(
        "/paths/~1chat~1{assistant_name}/post/responses/200/content/application~1json"
    )
    assert "'done' is not one of" in problems[0]


def test_broken_event_stream_payload_fails_validation() -> None:
    document = load_spec("2026-04")
    stream = _stream_media(document, *CHAT_STREAM)
    end = json.loads(stream["examples"]["message_end"]["value"]["data"])
    del end["finish_reason"]
    stream["examples"]["message_end"]["value"]["data"] = json.dumps(end)

    problems = _all_problems(document)

    assert len(problems) == 1
    assert "message_end/value (data payload)" in problems[0]
    assert "'finish_reason' is a required property" in problems[0]


def test_event_stream_data_that_is_not_json_fails_validation() -> None:
    document = load_spec("2025-10")
    stream = _stream_media(document, *COMPLETIONS_STREAM)
    stream["examples"]["last"]["value"]["data"] = "[DONE]"

    problems = _all_problems(document)

    assert len(problems) == 1
    assert "`data` is not JSON" in problems[0]


def test_broken_schema_and_parameter_examples_fail_validation() -> None:
    document = load_spec("2026-04")
    document["components"]["schemas"]["ContentChunk"]["examples"][0]["type"] = "content"
    document["components"]["parameters"]["AssistantName"]["example"] = "Example_Assistant"
    document["components"]["schemas"]["OperationModel"]["examples"][0]["created_on"] = "yesterday"

    problems = _all_problems(document)

    assert len(problems) == 3
    assert any(
        "/components/schemas/ContentChunk/examples/0" in p and "'content_chunk' was expected" in p
        for p in problems
    )
    assert any(
        "/components/parameters/AssistantName/example" in p and "does not match" in p for p in problems
    )
    assert any("/components/schemas/OperationModel/examples/0" in p and "date-time" in p for p in problems)
