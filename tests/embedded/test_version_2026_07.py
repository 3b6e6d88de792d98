"""API version 2026-07: the 2026-04 API, with the 2026-07 service's own answers where they differ."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from assistant_conformance.embedded.models import CONCRETE

from .conftest import V26, Api, load_corpus

V27 = "2026-07"
METADATA_QUERY_MESSAGE = (
    "metadata query parameter is not supported in this API version; "
    "include metadata as a multipart form field instead"
)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def test_every_operation_answers_with_the_shape_the_2026_07_spec_declares(
    make_api: Callable[..., Api], conform: Callable[..., None]
) -> None:
    api = make_api(V27)
    conform(V27, "create_assistant", api.post("assistants", json={"name": "demo"}))
    conform(V27, "get_assistant", api.get("assistants/demo"))
    conform(V27, "list_assistants", api.get("assistants"))
    conform(V27, "update_assistant", api.request("PATCH", "assistants/demo", json={"metadata": {"a": 1}}))
    upload = api.upload("demo", "a.md", "# Seals\n\nSeals sleep on beaches.", {"topic": "seals"})
    conform(V27, "upload_file", upload)
    file_id = api.uploaded_id(upload)
    conform(V27, "list_files", api.get("files/demo"))
    conform(V27, "describe_file", api.get(f"files/demo/{file_id}", params={"include_url": "true"}))
    question = {"messages": [{"role": "user", "content": "Where do seals sleep?"}]}
    conform(V27, "chat_assistant", api.post("chat/demo", json=question))
    conform(V27, "chat_assistant", api.post("chat/demo", json={**question, "stream": True}))
    conform(V27, "chat_completion_assistant", api.post("chat/demo/chat/completions", json=question))
    conform(V27, "context_assistant", api.post("chat/demo/context", json={"query": "seals"}))
    conform(V27, "list_operations", api.get("operations/demo"))
    conform(V27, "describe_operation", api.get(f"operations/demo/{upload.json()['id']}"))
    conform(V27, "upsert_file", api.request("PUT", "files/demo/seal-1", files={"file": ("b.txt", b"seal")}))
    conform(V27, "delete_file", api.request("DELETE", f"files/demo/{file_id}"))
    conform(V27, "delete_assistant", api.request("DELETE", "assistants/demo"))


def test_metadata_as_an_upload_query_parameter_is_the_2026_07_invalid_argument(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(V27)
    api.create_assistant()

    response = api.post(
        "files/demo", files={"file": ("a.txt", b"hello")}, params={"metadata": json.dumps({"k": "v"})}
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "INVALID_ARGUMENT", "message": METADATA_QUERY_MESSAGE},
        "status": 400,
    }
    assert api.get("files/demo").json()["files"] == []


def test_2026_04_keeps_its_own_message_for_metadata_in_the_query(make_api: Callable[..., Api]) -> None:
    api = make_api(V26)
    api.create_assistant()

    response = api.post("files/demo", files={"file": ("a.txt", b"hi")}, params={"metadata": '{"k": "v"}'})

    assert response.status_code == 400
    assert response.json()["error"]["message"] != METADATA_QUERY_MESSAGE
    assert "multipart form field" in response.json()["error"]["message"]


def test_uploads_get_ids_that_are_not_uuids_under_2026_07_only(make_api: Callable[..., Api]) -> None:
    api = make_api(V27)
    api.create_assistant()

    new_id = api.uploaded_id(api.upload("demo", "a.txt", "walrus", {"k": "v"}))
    old_id = api.uploaded_id(api.upload("demo", "b.txt", "walrus", {"k": "v"}, version=V26))

    assert not _is_uuid(new_id)
    assert _is_uuid(old_id)
    described = api.get(f"files/demo/{new_id}").json()
    assert (described["id"], described["metadata"]) == (new_id, {"k": "v"})


@pytest.mark.parametrize("retired", ["claude-3-5-sonnet", "claude-3-7-sonnet"])
def test_retired_claude_names_are_answered_by_claude_sonnet_4_5(
    make_api: Callable[..., Api], retired: str
) -> None:
    api = make_api(V27)
    load_corpus(api)

    chat = api.chat("demo", "How do sea otters sleep?", model=retired)
    completion = api.post(
        "chat/demo/chat/completions",
        json={"messages": [{"role": "user", "content": "otters"}], "model": retired},
    )

    assert chat.status_code == 200, chat.text
    assert chat.json()["model"] == CONCRETE["claude-sonnet-4-5"]
    assert completion.json()["model"] == CONCRETE["claude-sonnet-4-5"]


def test_an_unknown_model_is_a_400_listing_the_accepted_names(make_api: Callable[..., Api]) -> None:
    api = make_api(V27)
    load_corpus(api)

    response = api.chat("demo", "otters?", model="gpt-2")

    assert response.status_code == 400
    body: dict[str, Any] = response.json()
    assert body["error"]["code"] == "INVALID_ARGUMENT"
    assert "'gpt-2'" in body["error"]["message"]
    for name in ("gpt-4o", "gpt-5", "claude-sonnet-4-5", "gemini-2.5-flash"):
        assert name in body["error"]["message"]


def test_an_unknown_version_is_a_400_naming_the_served_versions(make_api: Callable[..., Api]) -> None:
    api = make_api("9999-99")

    response = api.get("assistants")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    assert "'9999-99'" in error["message"]
    for served in ("2025-10", "2026-04", "2026-07"):
        assert served in error["message"]
