"""Client configuration: the key, hosts, API version, timeouts, retries, injected HTTP clients, closing."""

from __future__ import annotations

import asyncio
import logging
import pickle
from pathlib import Path

import httpx
import pytest
import yaml
from pinecone_assistant import (
    API_VERSION,
    AssistantClient,
    AsyncAssistantClient,
    ClientValidationError,
    RetryPolicy,
)
from pinecone_assistant.client import base_url

from .client_support import ASSISTANT, CONTROL, KEY, Api, Driver, json_response

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PINECONE_API_KEY",
        "PINECONE_PLUGIN_ASSISTANT_CONTROL_HOST",
        "PINECONE_PLUGIN_ASSISTANT_DATA_HOST",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_api_version_is_the_one_the_generated_client_was_built_from() -> None:
    stats = yaml.safe_load((ROOT / "generated" / "stats.yml").read_text())
    assert stats["spec_version"] == API_VERSION
    assert (ROOT / "spec" / "CURRENT").read_text().strip() == API_VERSION
    with AssistantClient(KEY) as client:
        assert client.api_version == API_VERSION


def test_the_key_comes_from_the_environment_when_not_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINECONE_API_KEY", "env-key-123")
    api = Api()
    client = AssistantClient(transport=httpx.MockTransport(api), control_host="https://c.test")
    client.describe_assistant("demo")
    assert api.last().headers["Api-Key"] == "env-key-123"


@pytest.mark.parametrize("cls", [AssistantClient, AsyncAssistantClient])
def test_without_a_key_the_error_says_how_to_give_one(cls: type[AssistantClient]) -> None:
    with pytest.raises(ClientValidationError, match="PINECONE_API_KEY"):
        cls()
    with pytest.raises(ClientValidationError, match="non-empty string"):
        cls("  ")


@pytest.mark.parametrize("cls", [AssistantClient, AsyncAssistantClient])
def test_the_key_is_not_in_the_repr_or_the_attributes(cls: type[AssistantClient]) -> None:
    client = cls(KEY)
    assert KEY not in repr(client)
    assert KEY not in str(client)
    assert KEY not in repr(vars(client))
    assert f"api_version='{API_VERSION}'" in repr(client)
    with pytest.raises(TypeError):
        pickle.dumps(client._key)


def test_the_key_is_not_in_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    busy = json_response(
        429, {"error": {"code": "TOO_MANY_REQUESTS", "message": "x"}}, {"retry-after-ms": "1"}
    )
    api = Api({("GET", "/assistant/assistants/demo"): [busy, json_response(200, ASSISTANT)]})
    with caplog.at_level(logging.DEBUG):
        Driver("sync", api, max_retries=1)("describe_assistant", "demo")
    assert "Retrying GET" in caplog.text
    assert KEY not in caplog.text


def test_hosts_default_to_the_public_service() -> None:
    client = AssistantClient(KEY)
    assert client.control_url == "https://api.pinecone.io/assistant"
    assert client.evaluation_url == "https://prod-1-data.ke.pinecone.io/assistant"


def test_hosts_can_be_overridden_by_environment_and_by_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINECONE_PLUGIN_ASSISTANT_CONTROL_HOST", "http://127.0.0.1:8765")
    monkeypatch.setenv("PINECONE_PLUGIN_ASSISTANT_DATA_HOST", "http://127.0.0.1:8766")
    from_env = AssistantClient(KEY)
    assert from_env.control_url == "http://127.0.0.1:8765/assistant"
    assert from_env.evaluation_url == "http://127.0.0.1:8766/assistant"
    given = AssistantClient(KEY, control_host="https://eu.example.test/", evaluation_host="eval.example.test")
    assert given.control_url == "https://eu.example.test/assistant"
    assert given.evaluation_url == "https://eval.example.test/assistant"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("https://prod-1-data.ke.pinecone.io", "https://prod-1-data.ke.pinecone.io/assistant"),
        ("prod-1-data.ke.pinecone.io", "https://prod-1-data.ke.pinecone.io/assistant"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765/assistant"),
        ("http://127.0.0.1:8765/assistant", "http://127.0.0.1:8765/assistant"),
        (" https://h.test/prefix ", "https://h.test/prefix/assistant"),
    ],
)
def test_a_host_becomes_a_base_url_with_a_scheme_and_one_assistant_prefix(host: str, expected: str) -> None:
    assert base_url(host) == expected


def test_an_empty_host_or_a_malformed_version_is_refused() -> None:
    with pytest.raises(ClientValidationError, match="host is empty"):
        AssistantClient(KEY, control_host=" / ")
    with pytest.raises(ClientValidationError, match="api_version must look like"):
        AssistantClient(KEY, api_version="latest")


def test_retries_apply_to_the_clients_own_and_to_an_injected_http_client() -> None:
    busy = json_response(503, {"error": {"code": "UNAVAILABLE", "message": "x"}}, {"retry-after-ms": "1"})
    api = Api({("GET", "/assistant/assistants/demo"): [busy, busy, json_response(200, ASSISTANT)]})
    http = httpx.Client(transport=httpx.MockTransport(api))
    with AssistantClient(KEY, http_client=http, control_host=CONTROL, max_retries=2) as client:
        raw = client.with_raw_response.describe_assistant("demo")
    assert (raw.status_code, raw.retries_taken, len(api.requests)) == (200, 2, 3)
    assert not http.is_closed
    assert AssistantClient(KEY, max_retries=4).retry_policy.max_retries == 4
    async_client = AsyncAssistantClient(KEY, retry_policy=RetryPolicy(max_retries=1, max_delay=2.0))
    assert (async_client.retry_policy.max_retries, async_client.retry_policy.max_delay) == (1, 2.0)


def test_max_retries_none_keeps_the_policy_and_negative_is_refused() -> None:
    assert AssistantClient(KEY).retry_policy.max_retries == 2
    with pytest.raises(ValueError, match="max_retries must be >= 0"):
        AssistantClient(KEY, max_retries=-1)


def test_the_timeout_is_sent_with_every_request() -> None:
    api = Api()
    Driver("sync", api, timeout=12.5)("describe_assistant", "demo")
    assert api.last().extensions["timeout"] == httpx.Timeout(12.5).as_dict()
    with pytest.raises(ClientValidationError, match="timeout must be"):
        AssistantClient(KEY, timeout=-3)


def test_an_injected_http_client_is_used_as_is_and_left_open() -> None:
    api = Api()
    http = httpx.Client(transport=httpx.MockTransport(api))
    with AssistantClient(KEY, http_client=http, control_host="https://c.test") as client:
        client.describe_assistant("demo")
    assert len(api.requests) == 1
    assert not http.is_closed
    http.close()
    with pytest.raises(ClientValidationError, match="either transport= or http_client="):
        AssistantClient(KEY, http_client=httpx.Client(), transport=httpx.MockTransport(api))
    with pytest.raises(TypeError, match=r"httpx\.AsyncClient"):
        AsyncAssistantClient(KEY, http_client=httpx.Client())  # type: ignore[arg-type]


def test_closing_closes_owned_connections_but_not_those_of_a_copy() -> None:
    client = AssistantClient(KEY)
    copy = client.with_options(timeout=1.0)
    copy.close()
    assert not client.http_client.is_closed
    with client:
        pass
    assert client.http_client.is_closed


def test_the_async_client_closes_with_async_with() -> None:
    async def run() -> bool:
        async with AsyncAssistantClient(KEY) as client:
            http = client.http_client
        return http.is_closed

    assert asyncio.run(run())


def test_every_exported_name_resolves() -> None:
    import pinecone_assistant

    missing = [name for name in pinecone_assistant.__all__ if getattr(pinecone_assistant, name, None) is None]
    assert missing == []
    assert set(pinecone_assistant.__all__) <= set(dir(pinecone_assistant))


def test_importing_and_building_a_client_loads_no_generated_model() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pinecone_assistant import AssistantClient, AsyncAssistantClient\n"
        "AssistantClient(api_key='k'); AsyncAssistantClient(api_key='k')\n"
        "print(sorted(m for m in sys.modules if m.startswith('assistant_api')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_building_a_client_loads_no_httpx_until_its_first_request() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pinecone_assistant import AssistantClient, AsyncAssistantClient\n"
        "c = AssistantClient(api_key='k', max_retries=1); AsyncAssistantClient(api_key='k')\n"
        "c.with_options(max_retries=0)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('httpx', 'httpcore'))}))\n"
        "import httpx\n"
        "c = AssistantClient(api_key='k', transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"
        "'name': 'a', 'status': 'Ready'})))\n"
        "print(c.describe_assistant('a').name, c.http_client.__class__.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "a Client"]
