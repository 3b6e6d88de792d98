"""Input the service refuses is refused here too, with a 4xx that says what to change."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import V25, V26, Api, load_corpus

USER = [{"role": "user", "content": "How do sea otters sleep?"}]


@pytest.mark.parametrize("temperature", [-0.1, 2.01, 100])
@pytest.mark.parametrize(
    ("operation", "path"),
    [("chat_assistant", "chat/demo"), ("chat_completion_assistant", "chat/demo/chat/completions")],
)
def test_temperature_outside_0_to_2_is_400(
    api: Api, conform, operation: str, path: str, temperature: float
) -> None:
    load_corpus(api)
    response = api.post(path, json={"messages": USER, "temperature": temperature})
    conform(V25, operation, response)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_ARGUMENT"
    assert "temperature must be between 0 and 2" in response.json()["error"]["message"]


@pytest.mark.parametrize("temperature", [0, 0.7, 2])
def test_temperature_inside_0_to_2_is_accepted(api: Api, temperature: float) -> None:
    load_corpus(api)
    assert api.post("chat/demo", json={"messages": USER, "temperature": temperature}).status_code == 200
    completions = api.post("chat/demo/chat/completions", json={"messages": USER, "temperature": temperature})
    assert completions.status_code == 200


@pytest.mark.parametrize("environment", ["us-east-1", "", None])
def test_an_environment_on_create_is_400_invalid_environment(api26: Api, conform, environment: Any) -> None:
    response = api26.post("assistants", json={"name": "envy", "environment": environment})
    conform(V26, "create_assistant", response)
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Invalid environment")
    assert api26.get("assistants/envy").status_code == 404


@pytest.mark.parametrize(
    ("operation", "path", "body"),
    [
        (
            "context_assistant",
            "chat/demo/context",
            {"query": "otters", "multimodal": False, "include_binary_content": True},
        ),
        (
            "chat_assistant",
            "chat/demo",
            {"messages": USER, "context_options": {"multimodal": False, "include_binary_content": True}},
        ),
    ],
)
def test_binary_content_without_multimodal_is_400(
    api: Api, conform, operation: str, path: str, body: dict[str, Any]
) -> None:
    load_corpus(api)
    response = api.post(path, json=body)
    conform(V25, operation, response)
    assert response.status_code == 400
    assert "include_binary_content can only be true when multimodal is true" in response.text


def test_multimodal_false_alone_or_with_binary_false_is_accepted(api: Api) -> None:
    load_corpus(api)
    for options in ({"multimodal": False}, {"multimodal": False, "include_binary_content": False}):
        assert api.post("chat/demo/context", json={"query": "otters", **options}).status_code == 200
        chat = api.post("chat/demo", json={"messages": USER, "context_options": options})
        assert chat.status_code == 200


@pytest.mark.parametrize("key", ["caf\u00e9-key", "tab\tkey", "\u00ff"])
@pytest.mark.parametrize("accepted", [None, ["right-key"]])
def test_a_key_with_a_non_ascii_or_control_character_is_401(
    make_api, conform, key: str, accepted: list[str] | None
) -> None:
    api = make_api(api_keys=accepted)
    # httpx sends str headers as latin-1; the endpoint sees the same characters.
    response = api.get("assistants", key=None, headers={"Api-Key": key.encode("latin-1")})
    conform(V25, "list_assistants", response)
    assert response.status_code == 401
    assert "not printable ASCII" in response.json()["error"]["message"]
    utf8 = api.get("assistants", key=None, headers={"Api-Key": key.encode()})
    assert utf8.status_code == 401


def test_keys_that_could_never_be_sent_are_refused_at_start() -> None:
    from assistant_conformance.embedded import create_app

    with pytest.raises(ValueError, match="printable ASCII"):
        create_app(api_keys=["caf\u00e9"])
