"""Raw and streaming responses, request ids, per-call options, x-should-retry, the keep-alive re-send,
PINECONE_LOG, user http clients and the key as an httpx.Auth."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import httpx
import pytest
from pinecone_assistant import AssistantClient, AsyncAssistantClient, ClientValidationError

from .client_support import (
    ASSISTANT,
    CHAT,
    CHAT_EVENTS,
    CONTROL,
    KEY,
    MODES,
    Api,
    Driver,
    json_response,
    refuse,
    sse_body,
)

both = pytest.mark.parametrize("mode", MODES)


def _busy(headers: dict[str, str]) -> httpx.Response:
    return json_response(
        503, {"error": {"code": "UNAVAILABLE", "message": "x"}}, {"retry-after-ms": "1", **headers}
    )


@both
def test_a_raw_response_carries_the_http_details_and_parses_to_the_usual_result(mode: str) -> None:
    ok = json_response(200, ASSISTANT, {"x-pinecone-request-id": "req-7"})
    api = Api({("GET", "/assistant/assistants/demo"): [_busy({}), ok]})
    driver = Driver(mode, api, max_retries=2)
    plain = Driver(mode, Api({("GET", "/assistant/assistants/demo"): ok}))("describe_assistant", "demo")
    driver.client = driver.client.with_raw_response  # type: ignore[assignment]
    raw = driver("describe_assistant", "demo")
    assert (raw.status_code, raw.request_id, raw.retries_taken) == (200, "req-7", 1)
    assert raw.headers["x-pinecone-request-id"] == "req-7"
    assert raw.elapsed.total_seconds() >= 0
    assert raw.parse() == plain
    assert raw.parse().request_id == "req-7"


@both
def test_every_returned_model_carries_its_request_id_and_equals_the_plain_model(mode: str) -> None:
    from assistant_api.models.assistant import Assistant

    api = Api({("GET", "/assistant/assistants/demo"): json_response(200, ASSISTANT, {"x-request-id": "r-1"})})
    assistant = Driver(mode, api)("describe_assistant", "demo")
    assert assistant.request_id == "r-1"
    assert isinstance(assistant, Assistant)
    assert assistant == Assistant.from_dict(ASSISTANT)


def test_a_handle_has_raw_responses_too() -> None:
    api = Api({("POST", "/assistant/chat/demo"): json_response(200, CHAT, {"x-pinecone-request-id": "c"})})
    with AssistantClient(KEY, transport=httpx.MockTransport(api), control_host=CONTROL) as client:
        raw = client.assistant("demo", host="https://demo.test").with_raw_response.chat("q")
        assert (raw.status_code, raw.request_id, raw.parse().text) == (200, "c", "Foxes eat berries.")


def test_a_streaming_response_is_handed_over_unread_and_parses_to_the_stream() -> None:
    body = sse_body(CHAT_EVENTS)
    api = Api(
        {
            ("POST", "/assistant/chat/demo"): httpx.Response(
                200, content=body, headers={"content-type": "text/event-stream"}
            )
        }
    )
    with AssistantClient(KEY, transport=httpx.MockTransport(api), control_host=CONTROL) as client:
        client.assistant("demo", host="https://demo.test")
        with client.with_streaming_response.chat("demo", "q", stream=True) as response:
            assert response.status_code == 200
            with response.parse() as stream:
                assert stream.get_final_answer().text == "Foxes eat berries."
        with client.with_streaming_response.describe_assistant("demo") as response:
            assert response.parse().name == "demo"

    async def run() -> str:
        async with AsyncAssistantClient(
            KEY, transport=httpx.MockTransport(api), control_host=CONTROL
        ) as aclient:
            aclient.assistant("demo", host="https://demo.test")
            async with await aclient.with_streaming_response.chat("demo", "q", stream=True) as response:
                stream = await response.parse()
                return (await stream.get_final_answer()).text

    assert asyncio.run(run()) == "Foxes eat berries."


@both
def test_per_call_timeout_and_max_retries_apply_to_that_call_only(mode: str) -> None:
    api = Api({("GET", "/assistant/assistants/demo"): [_busy({}), _busy({}), json_response(200, ASSISTANT)]})
    driver = Driver(mode, api, max_retries=0)
    driver("describe_assistant", "demo", timeout=4.5, max_retries=2)
    assert len(api.requests) == 3
    assert api.last().extensions["timeout"] == httpx.Timeout(4.5).as_dict()
    driver("describe_assistant", "demo")
    assert api.last().extensions["timeout"] != httpx.Timeout(4.5).as_dict()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": -1}, "timeout must be a positive number of seconds, an httpx.Timeout or None"),
        ({"max_retries": "2"}, r"max_retries must be an int >= 0 \(0 disables retries\), got '2'"),
        ({"max_retries": -1}, "max_retries must be >= 0"),
    ],
)
@both
def test_bad_per_call_options_are_refused_before_sending(
    mode: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ClientValidationError, match=message):
        Driver(mode, refuse)("describe_assistant", "demo", **options)


@both
def test_x_should_retry_overrides_the_status_rule(mode: str) -> None:
    never = Api(
        {
            ("GET", "/assistant/assistants/demo"): [
                _busy({"x-should-retry": "false"}),
                json_response(200, ASSISTANT),
            ]
        }
    )
    with pytest.raises(Exception, match="x"):
        Driver(mode, never, max_retries=2)("describe_assistant", "demo")
    assert len(never.requests) == 1
    bad = json_response(
        400, {"error": {"code": "X", "message": "x"}}, {"x-should-retry": "true", "retry-after-ms": "1"}
    )
    again = Api({("GET", "/assistant/assistants/demo"): [bad, json_response(200, ASSISTANT)]})
    assert Driver(mode, again, max_retries=1)("describe_assistant", "demo").name == "demo"
    assert len(again.requests) == 2


@pytest.fixture
def closing_server() -> Iterator[str]:
    """A server that answers one request per connection and then closes it, without ``Connection: close``."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    body = json_response(200, ASSISTANT).content

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                if data:
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                        + str(len(body)).encode()
                        + b"\r\n\r\n"
                        + body
                    )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    listener.close()


def test_a_request_on_a_connection_the_server_closed_is_sent_again_even_without_retries(
    closing_server: str,
) -> None:
    with AssistantClient(KEY, control_host=closing_server, max_retries=0) as client:
        names = [client.describe_assistant("demo").name for _ in range(6)]
    assert names == ["demo"] * 6

    async def run() -> list[str]:
        async with AsyncAssistantClient(KEY, control_host=closing_server, max_retries=0) as aclient:
            return [(await aclient.describe_assistant("demo")).name for _ in range(6)]

    assert asyncio.run(run()) == ["demo"] * 6


def _with_log(value: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import httpx\n"
        "from pinecone_assistant import AssistantClient\n"
        "def api(request):\n"
        "    return httpx.Response(200, json={'name': 'demo', 'status': 'Ready', 'host': 'https://d.test', "
        "'created_at': '2026-04-01T10:00:00Z', 'updated_at': '2026-04-01T10:00:00Z'}, "
        "headers={'x-pinecone-request-id': 'rid-9'})\n"
        f"client = AssistantClient({KEY!r}, transport=httpx.MockTransport(api), control_host='https://c.test')\n"
        "client.describe_assistant('demo')\n"
    )
    return subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PINECONE_LOG": value, "PATH": ""},
    )


def test_pinecone_log_info_prints_method_path_status_request_id_and_attempt_but_never_the_key() -> None:
    err = _with_log("info").stderr
    assert "GET /assistant/assistants/demo -> 200 (request id rid-9, attempt 1," in err
    assert KEY not in err


def test_pinecone_log_with_an_unknown_level_warns_with_the_accepted_values() -> None:
    err = _with_log("verbose").stderr
    assert "PINECONE_LOG='verbose' is not one of info, debug" in err


def test_an_http_client_that_is_not_httpx_is_refused_with_the_accepted_type() -> None:
    with pytest.raises(TypeError, match=r"http_client must be an httpx\.Client"):
        AssistantClient(KEY, http_client=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"http_client must be an httpx\.AsyncClient"):
        AsyncAssistantClient(KEY, http_client=httpx.Client())  # type: ignore[arg-type]


@both
def test_the_key_is_added_at_send_time_and_kept_in_no_stored_headers(mode: str) -> None:
    api = Api()
    driver = Driver(mode, api)
    driver("describe_assistant", "demo")
    assert api.last().headers["api-key"] == KEY
    stored = repr(driver.client._merged_headers) + repr(driver.client.http_client.headers)
    assert KEY not in stored
    assert KEY not in repr(driver.client._auth)


def test_an_event_hook_of_a_user_http_client_sees_every_request() -> None:
    seen: list[str] = []
    api = Api({("GET", "/assistant/assistants/demo"): [_busy({}), json_response(200, ASSISTANT)]})
    http = httpx.Client(
        transport=httpx.MockTransport(api), event_hooks={"request": [lambda r: seen.append(r.url.path)]}
    )
    with AssistantClient(KEY, http_client=http, control_host=CONTROL, max_retries=1, timeout=2.0) as client:
        client.describe_assistant("demo")
    assert seen == ["/assistant/assistants/demo"] * 2
    assert api.last().extensions["timeout"] == httpx.Timeout(2.0).as_dict()
