"""The generated client (custom client.py template): sends the key, never shows it."""

from __future__ import annotations

import httpx
from assistant_api import AuthenticatedClient, Client

KEY = "fake_key_client_repr_test_key"


def recording_client(sent: list[httpx.Request]) -> AuthenticatedClient:
    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    return AuthenticatedClient(
        base_url="https://api.pinecone.io/assistant",
        token=KEY,
        auth_header_name="Api-Key",
        prefix="",
        httpx_args={"transport": httpx.MockTransport(record)},
    )


def test_repr_does_not_show_the_api_key_before_or_after_use() -> None:
    sent: list[httpx.Request] = []
    client = recording_client(sent)
    assert KEY not in repr(client)

    with client:
        client.get_httpx_client().get("/assistants")

    assert sent[0].headers["Api-Key"] == KEY
    assert KEY not in repr(client)
    assert KEY not in repr(client.with_headers({"X-Trace": "1"}))


def test_with_headers_keeps_the_key_and_adds_the_header() -> None:
    sent: list[httpx.Request] = []
    client = recording_client(sent).with_headers({"X-Trace": "abc"})

    assert isinstance(client, AuthenticatedClient)
    client.get_httpx_client().get("/assistants")

    assert sent[0].headers["Api-Key"] == KEY
    assert sent[0].headers["X-Trace"] == "abc"
    assert sent[0].url == "https://api.pinecone.io/assistant/assistants"


def test_default_prefix_builds_a_bearer_authorization_header() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    client = AuthenticatedClient(
        "https://example.test", "t0k", httpx_args={"transport": httpx.MockTransport(record)}
    )
    client.get_httpx_client().get("/x")

    assert sent[0].headers["Authorization"] == "Bearer t0k"


def test_plain_client_sends_no_credentials() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    Client(
        base_url="https://example.test", httpx_args={"transport": httpx.MockTransport(record)}
    ).get_httpx_client().get("/x")

    assert "authorization" not in sent[0].headers
    assert "api-key" not in sent[0].headers
