"""Bad input gets the right status, envelope code and an explanatory message; never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import V25, V26, Api, load_corpus

USER = [{"role": "user", "content": "otters"}]

# (operation id, method, path, request kwargs, status, code, fragment of the message)
CASES: list[tuple[str, str, str, dict[str, Any], int, str, str]] = [
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": [{"role": "user", "content": ""}]}},
        400,
        "INVALID_ARGUMENT",
        "cannot be empty",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": []}},
        400,
        "INVALID_ARGUMENT",
        "at least one",
    ),
    ("chat_assistant", "POST", "chat/demo", {"json": {}}, 400, "INVALID_ARGUMENT", "messages"),
    ("chat_assistant", "POST", "chat/demo", {"json": {"messages": "hi"}}, 400, "INVALID_ARGUMENT", "array"),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": [{"role": "user"}]}},
        400,
        "INVALID_ARGUMENT",
        "content",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": [{"role": "robot", "content": "x"}]}},
        400,
        "INVALID_ARGUMENT",
        "role",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "stream": True, "json_response": True}},
        400,
        "INVALID_ARGUMENT",
        "json_response",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "model": "gpt-2"}},
        400,
        "INVALID_ARGUMENT",
        "gpt-4o",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "filter": {"year": {"$gt": "x"}}}},
        400,
        "INVALID_ARGUMENT",
        "filter.year.$gt",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "filter": {"$nor": []}}},
        400,
        "INVALID_ARGUMENT",
        "$nor",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "context_options": {"top_k": -1}}},
        422,
        "INVALID_ARGUMENT",
        "top_k",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "context_options": {"snippet_size": -5}}},
        422,
        "INVALID_ARGUMENT",
        "snippet_size",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "context_options": {"top_k": 65}}},
        400,
        "INVALID_ARGUMENT",
        "top_k",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "context_options": {"snippet_size": 100}}},
        400,
        "INVALID_ARGUMENT",
        "512",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "stream": "yes"}},
        400,
        "INVALID_ARGUMENT",
        "stream",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"json": {"messages": USER, "filter": None}},
        400,
        "INVALID_ARGUMENT",
        "must not be null",
    ),
    (
        "context_assistant",
        "POST",
        "chat/demo/context",
        {"json": {"query": "a", "messages": None}},
        400,
        "INVALID_ARGUMENT",
        "must not be null",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        400,
        "INVALID_ARGUMENT",
        "not valid JSON",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"content": b"[1, 2]", "headers": {"Content-Type": "application/json"}},
        400,
        "INVALID_ARGUMENT",
        "JSON object",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"content": b'{"messages": []}', "headers": {"Content-Type": "text/plain"}},
        400,
        "INVALID_ARGUMENT",
        "Content-Type",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {"content": b"[" * 100_000, "headers": {"Content-Type": "application/json"}},
        400,
        "INVALID_ARGUMENT",
        "JSON",
    ),
    (
        "chat_assistant",
        "POST",
        "chat/demo",
        {
            "content": b'{"messages": [{"role": "user", "content": "x"}], "temperature": NaN}',
            "headers": {"Content-Type": "application/json"},
        },
        400,
        "INVALID_ARGUMENT",
        "NaN is not a JSON number",
    ),
    ("chat_assistant", "POST", "chat/nobody", {"json": {"messages": USER}}, 404, "NOT_FOUND", "nobody"),
    (
        "chat_completion_assistant",
        "POST",
        "chat/demo/chat/completions",
        {"json": {"messages": [{"role": "user", "content": "  "}]}},
        400,
        "INVALID_ARGUMENT",
        "cannot be empty",
    ),
    (
        "chat_completion_assistant",
        "POST",
        "chat/demo/chat/completions",
        {"json": {"messages": USER, "model": "x"}},
        400,
        "INVALID_ARGUMENT",
        "model",
    ),
    (
        "chat_completion_assistant",
        "POST",
        "chat/nobody/chat/completions",
        {"json": {"messages": USER}},
        404,
        "NOT_FOUND",
        "nobody",
    ),
    (
        "context_assistant",
        "POST",
        "chat/demo/context",
        {"json": {"query": "a", "messages": USER}},
        400,
        "INVALID_ARGUMENT",
        "exactly one",
    ),
    ("context_assistant", "POST", "chat/demo/context", {"json": {}}, 400, "INVALID_ARGUMENT", "exactly one"),
    (
        "context_assistant",
        "POST",
        "chat/demo/context",
        {"json": {"query": ""}},
        400,
        "INVALID_ARGUMENT",
        "empty",
    ),
    (
        "context_assistant",
        "POST",
        "chat/demo/context",
        {"json": {"query": "a", "top_k": -1}},
        422,
        "INVALID_ARGUMENT",
        "top_k",
    ),
    (
        "context_assistant",
        "POST",
        "chat/demo/context",
        {"json": {"query": "a", "top_k": 1.5}},
        400,
        "INVALID_ARGUMENT",
        "top_k",
    ),
    ("describe_file", "GET", "files/demo/no-such-file", {}, 404, "NOT_FOUND", "no-such-file"),
    ("delete_file", "DELETE", "files/demo/no-such-file", {}, 404, "NOT_FOUND", "no-such-file"),
    ("list_files", "GET", "files/nobody", {}, 404, "NOT_FOUND", "nobody"),
    ("get_assistant", "GET", "assistants/nobody", {}, 404, "NOT_FOUND", "nobody"),
    ("delete_assistant", "DELETE", "assistants/nobody", {}, 404, "NOT_FOUND", "nobody"),
    (
        "update_assistant",
        "PATCH",
        "assistants/nobody",
        {"json": {"instructions": "x"}},
        404,
        "NOT_FOUND",
        "nobody",
    ),
    (
        "create_assistant",
        "POST",
        "assistants",
        {"json": {"name": "x", "region": "mars"}},
        400,
        "INVALID_ARGUMENT",
        "Valid options are us, eu",
    ),
    ("create_assistant", "POST", "assistants", {"json": {"name": 5}}, 400, "INVALID_ARGUMENT", "name"),
]


@pytest.mark.parametrize(
    ("operation", "method", "path", "kwargs", "status", "code", "fragment"),
    CASES,
    ids=[f"{c[0]}-{c[4]}-{c[6]}" for c in CASES],
)
def test_bad_input_gets_the_documented_error(
    api: Api,
    conform,
    operation: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    code: str,
    fragment: str,
) -> None:
    load_corpus(api)
    response = api.request(method, path, **kwargs)
    conform(V25, operation, response)
    assert response.status_code == status, response.text
    body = response.json()
    assert body == {"error": {"code": code, "message": body["error"]["message"]}, "status": status}
    assert fragment in body["error"]["message"]


@pytest.mark.parametrize(
    ("key", "message"), [(None, "Missing API key"), ("", "Missing API key"), ("wrong", "Invalid API key.")]
)
def test_missing_or_rejected_key_is_401(make_api, conform, key: str | None, message: str) -> None:
    api = make_api(api_keys=["right"])
    response = api.get("assistants", key=key)
    conform(V25, "list_assistants", response)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"
    assert message in response.json()["error"]["message"]
    assert "wrong" not in response.text
    assert api.get("assistants", key="right").status_code == 200


def test_any_non_empty_key_is_accepted_without_a_key_list(api: Api) -> None:
    assert api.get("assistants", key="anything").status_code == 200
    assert api.get("assistants", key=None, headers={"Authorization": "Bearer sk-x"}).status_code == 200


def test_evaluation_errors_use_the_message_body(api: Api, conform) -> None:
    missing = api.post("evaluation/metrics/alignment", json={"question": "q", "answer": "a"})
    conform(V25, "metrics_alignment", missing)
    assert missing.status_code == 422
    assert "ground_truth_answer" in missing.json()["message"]
    extra = api.post(
        "evaluation/metrics/alignment",
        json={"question": "q", "answer": "a", "ground_truth_answer": "g", "x": 1},
    )
    assert extra.status_code == 422
    not_json = api.post(
        "evaluation/metrics/alignment", content=b"{", headers={"Content-Type": "application/json"}
    )
    conform(V25, "metrics_alignment", not_json)
    assert not_json.status_code == 422
    unauthorized = api.post("evaluation/metrics/alignment", key=None, json={})
    conform(V25, "metrics_alignment", unauthorized)
    assert unauthorized.status_code == 401
    assert set(unauthorized.json()) == {"message"}


def test_unknown_api_version_is_400_with_the_supported_list(api: Api) -> None:
    response = api.get("assistants", version="2023-01")
    assert response.status_code == 400
    assert "2025-10" in response.json()["error"]["message"]
    assert "2026-04" in response.json()["error"]["message"]


def test_unknown_paths_and_methods_get_the_envelope(api: Api) -> None:
    unknown = api.get("/assistant/nothing/here")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "NOT_FOUND"
    wrong_method = api.request("PUT", "assistants")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == 405
    assert wrong_method.headers["allow"] == "GET, HEAD, POST"
    assert api.request("OPTIONS", "files/demo/x").headers["allow"] == "GET, HEAD, DELETE"
    assert api.request("OPTIONS", "files/demo/x", version=V26).headers["allow"] == "GET, HEAD, PUT, DELETE"


def test_operations_are_not_found_under_2025_10_but_served_without_a_version(api: Api) -> None:
    api.create_assistant()
    response = api.get("operations/demo")
    assert response.status_code == 404
    assert "2026-04" in response.json()["error"]["message"]
    unversioned = api.get("operations/demo", version=None)
    assert unversioned.status_code == 200
    assert unversioned.json()["operations"] == []


def test_list_limit_out_of_range_is_400_under_2026_04(api26: Api, conform) -> None:
    for limit in ("0", "101", "ten"):
        response = api26.get("assistants", params={"limit": limit})
        conform(V26, "list_assistants", response)
        assert response.status_code == 400


def test_bad_input_never_loses_stored_files(api: Api) -> None:
    ids = load_corpus(api)
    for kwargs in (
        {"content": b"\xff\xfe", "headers": {"Content-Type": "application/json"}},
        {"files": {"file": ("x.exe", b"MZ")}},
        {"files": {"file": ("x.pdf", b"%PDF broken")}},
    ):
        api.post("files/demo", **kwargs)
        api.post("chat/demo", **kwargs)
    listed = {f["id"] for f in api.get("files/demo").json()["files"]}
    assert set(ids.values()) <= listed
    assert api.chat("demo", "How do sea otters sleep?").json()["citations"]
