"""Behaviour chosen by X-Pinecone-Api-Version: 2025-10, 2026-04 (and 2026-07 served as 2026-04)."""

from __future__ import annotations

import pytest
from assistant_conformance.embedded.versions import resolve

from .conftest import V25, V26, Api, load_corpus


@pytest.mark.parametrize(
    ("header", "served"),
    [(None, V25), ("", V25), ("2025-10", V25), ("2026-04", V26), ("2026-07", V26), (" 2026-04 ", V26)],
)
def test_header_values_map_to_served_versions(header: str | None, served: str) -> None:
    assert resolve(header) == served


def test_2026_07_gets_2026_04_shapes(api: Api) -> None:
    load_corpus(api)
    upload = api.upload("demo", "x.txt", "narwhal tusks spiral", version="2026-07")
    assert upload.status_code == 202
    chat = api.chat("demo", "narwhal", version="2026-07").json()
    assert "context_snippet_count" in chat


@pytest.mark.parametrize("version", [V25, V26])
def test_upload_shape_per_version(make_api, version: str, conform) -> None:
    api = make_api(version)
    api.create_assistant()
    response = api.upload("demo", "a.txt", "hello there", {"k": "v"})
    conform(version, "upload_file", response)
    if version == V25:
        assert (response.status_code, response.json()["status"]) == (200, "Available")
        assert "location" not in response.headers
    else:
        assert (response.status_code, response.json()["operation_type"]) == (202, "upload_file")
        assert response.headers["location"].startswith("/operations/demo/")


@pytest.mark.parametrize("version", [V25, V26])
def test_chat_fields_per_version(make_api, version: str, conform) -> None:
    api = make_api(version)
    load_corpus(api)
    response = api.chat("demo", "How do sea otters sleep?")
    conform(version, "chat_assistant", response)
    extra = {"context_snippet_count", "content_filter_results"}
    assert (extra <= set(response.json())) is (version == V26)


@pytest.mark.parametrize("version", [V25, V26])
def test_every_operation_answers_with_the_shape_its_spec_version_declares(
    make_api, version: str, conform
) -> None:
    api = make_api(version)
    conform(version, "create_assistant", api.post("assistants", json={"name": "demo"}))
    conform(version, "get_assistant", api.get("assistants/demo"))
    conform(version, "list_assistants", api.get("assistants"))
    conform(version, "update_assistant", api.request("PATCH", "assistants/demo", json={"metadata": {"a": 1}}))
    upload = api.upload("demo", "a.md", "# Seals\n\nSeals sleep on beaches.", {"topic": "seals"})
    conform(version, "upload_file", upload)
    file_id = api.uploaded_id(upload)
    conform(version, "list_files", api.get("files/demo"))
    conform(version, "describe_file", api.get(f"files/demo/{file_id}", params={"include_url": "true"}))
    question = {"messages": [{"role": "user", "content": "Where do seals sleep?"}]}
    conform(version, "chat_assistant", api.post("chat/demo", json=question))
    conform(version, "chat_assistant", api.post("chat/demo", json={**question, "stream": True}))
    conform(version, "chat_completion_assistant", api.post("chat/demo/chat/completions", json=question))
    conform(
        version,
        "chat_completion_assistant",
        api.post("chat/demo/chat/completions", json={**question, "stream": True}),
    )
    conform(version, "context_assistant", api.post("chat/demo/context", json={"query": "seals"}))
    conform(
        version,
        "metrics_alignment",
        api.post(
            "evaluation/metrics/alignment",
            json={
                "question": "q",
                "answer": "Seals sleep on beaches.",
                "ground_truth_answer": "Seals sleep on beaches.",
            },
        ),
    )
    if version == V26:
        conform(version, "list_operations", api.get("operations/demo"))
        op_id = upload.json()["id"]
        conform(version, "describe_operation", api.get(f"operations/demo/{op_id}"))
        conform(
            version,
            "upsert_file",
            api.request("PUT", "files/demo/seal-1", files={"file": ("b.txt", b"seal")}),
        )
    conform(version, "delete_file", api.request("DELETE", f"files/demo/{file_id}"))
    conform(version, "delete_assistant", api.request("DELETE", "assistants/demo"))


def test_pagination_parameters_are_ignored_under_2025_10(api: Api) -> None:
    api.create_assistant()
    for i in range(3):
        api.upload("demo", f"{i}.txt", "text")
    listed = api.get("files/demo", params={"limit": 1, "pagination_token": "whatever"}).json()
    assert len(listed["files"]) == 3
    assert "pagination" not in listed
