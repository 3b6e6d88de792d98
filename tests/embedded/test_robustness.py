"""Arbitrary input never gets a 5xx and never loses stored files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import V25, V26, Api, load_corpus

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.just(10**400)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "messages",
        "stream",
        "model",
        "filter",
        "json_response",
        "include_highlights",
        "context_options",
        "temperature",
        "query",
        "top_k",
        "snippet_size",
        "name",
        "region",
        "metadata",
        "instructions",
    ]
)
bodies = st.dictionaries(field_names, json_values, max_size=5) | json_values
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "x"]), "content": st.text(max_size=20)}
)
chat_bodies = st.fixed_dictionaries(
    {"messages": st.lists(message, min_size=0, max_size=3)},
    optional={
        "stream": st.booleans(),
        "filter": json_values,
        "context_options": st.dictionaries(
            st.sampled_from(["top_k", "snippet_size"]), json_values, max_size=2
        ),
        "model": st.sampled_from(["gpt-4o", "o4-mini", "nope"]),
        "json_response": st.booleans(),
    },
)

TARGETS = [
    ("POST", "chat/demo"),
    ("POST", "chat/demo/chat/completions"),
    ("POST", "chat/demo/context"),
    ("POST", "assistants"),
    ("PATCH", "assistants/demo"),
    ("POST", "evaluation/metrics/alignment"),
]


@pytest.fixture(scope="module")
def loaded() -> Any:
    from assistant_conformance.embedded import create_app

    api = Api(create_app(assistant_ready_seconds=0, file_processing_seconds=0), V26)
    ids = load_corpus(api)
    yield api, ids
    api.close()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(TARGETS), body=bodies)
def test_arbitrary_json_bodies_never_get_a_5xx(loaded: Any, target: tuple[str, str], body: Any) -> None:
    api, _ = loaded
    method, path = target
    response = api.request(
        method, path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code < 500, response.text
    assert response.json()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["chat/demo", "chat/demo/chat/completions"]), body=chat_bodies)
def test_chat_shaped_bodies_never_get_a_5xx(loaded: Any, path: str, body: dict[str, Any]) -> None:
    api, _ = loaded
    content = json.dumps(body).encode()  # may hold Infinity, which the endpoint must refuse cleanly
    response = api.post(path, content=content, headers={"Content-Type": "application/json"}, version=V25)
    assert response.status_code < 500, response.text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["filter", "limit", "pagination_token", "include_url", "status", "operation_type"]),
        st.text(max_size=12),
        max_size=3,
    )
)
def test_arbitrary_query_parameters_never_get_a_5xx(loaded: Any, params: dict[str, str]) -> None:
    api, ids = loaded
    for path in ("files/demo", f"files/demo/{ids['pines.txt']}", "operations/demo", "assistants"):
        response = api.get(path, params=params)
        assert response.status_code < 500, response.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=12), content=st.binary(max_size=200), metadata=st.text(max_size=20))
def test_arbitrary_uploads_never_get_a_5xx_nor_lose_files(
    loaded: Any, name: str, content: bytes, metadata: str
) -> None:
    api, ids = loaded
    response = api.post("files/demo", files={"file": (name, content)}, data={"metadata": metadata})
    assert response.status_code < 500, response.text
    listed = {f["id"] for f in api.get("files/demo", params={"limit": 1000}).json()["files"]}
    assert set(ids.values()) <= listed
