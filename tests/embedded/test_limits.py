"""Oversized, truncated, stalled and malformed requests get a 4xx envelope; nothing stored is lost."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest
from assistant_conformance.embedded import RunningServer, running_server
from assistant_conformance.embedded.errors import ApiError

from .conftest import V25, V26, Api, load_corpus, make_pdf

KB = 1024
MB = 1024 * KB


def _envelope(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert body["error"]["code"] == "INVALID_ARGUMENT"
    message: str = body["error"]["message"]
    return message


def _stored(api: Api) -> set[str]:
    return {f["id"] for f in api.get("files/demo").json()["files"]}


def test_a_file_over_the_limit_is_413_and_leaves_nothing_behind(make_api) -> None:
    api = make_api(max_file_bytes=4 * KB)
    ids = load_corpus(api)
    response = api.upload("demo", "big.txt", b"word " * (2 * KB))
    assert "big.txt is larger than 4 KB" in _envelope(response, 413)
    assert _stored(api) == set(ids.values())
    assert len(list(api.app.state.store.blobs.iterdir())) == len(ids)


def test_a_100_mb_text_file_is_413_under_the_default_limits(api: Api) -> None:
    ids = load_corpus(api)
    response = api.upload("demo", "huge.txt", b"a" * (100 * MB))
    assert "10 MB" in _envelope(response, 413)
    assert _stored(api) == set(ids.values())


def test_pdfs_have_their_own_larger_limit(make_api) -> None:
    api = make_api(V26, max_file_bytes=1 * KB, max_pdf_bytes=64 * KB)
    api.create_assistant()
    pdf = make_pdf(["Harbours shelter boats. " * 20])
    assert len(pdf) > KB
    assert api.upload("demo", "book.pdf", pdf).status_code == 202
    assert api.upload("demo", "notes.txt", b"x" * (2 * KB)).status_code == 413
    assert api.upload("demo", "big.pdf", b"%PDF" + b"0" * (65 * KB)).status_code == 413


def test_a_declared_length_far_over_the_limit_is_refused_before_reading(make_api) -> None:
    api = make_api(max_file_bytes=1 * KB, max_pdf_bytes=1 * KB)
    api.create_assistant()

    async def body() -> AsyncIterator[bytes]:
        yield b"never read"

    response = api.post(
        "files/demo",
        content=body(),
        headers={"Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(100 * MB)},
    )
    assert "files are limited to" in _envelope(response, 413)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"files": {"metadata": (None, "{}")}}, "Missing multipart part 'file'"),
        ({"files": [("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))]}, "exactly one file"),
        ({"files": {"document": ("a.txt", b"a")}}, "Missing multipart part 'file'"),
        ({"content": b"file=a", "headers": {"Content-Type": "multipart/form-data"}}, "no boundary"),
        ({"content": b"x", "headers": {"Content-Type": "application/pdf"}}, "multipart/form-data"),
        (
            {
                "content": b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc',
                "headers": {"Content-Type": "multipart/form-data; boundary=b"},
            },
            "closing boundary",
        ),
        (
            {"content": b"garbage\r\n\r\n", "headers": {"Content-Type": "multipart/form-data; boundary=b"}},
            "malformed",
        ),
    ],
)
def test_malformed_multipart_is_400_and_loses_nothing(
    api: Api, kwargs: dict[str, Any], fragment: str
) -> None:
    ids = load_corpus(api)
    response = api.post("files/demo", **kwargs)
    message = _envelope(response, 400)
    assert fragment in message, message
    assert _stored(api) == set(ids.values())
    assert len(list(api.app.state.store.blobs.iterdir())) == len(ids)


@pytest.mark.parametrize(
    ("content", "status", "fragment"),
    [
        (b'{"messages": "' + b"a" * (3 * MB) + b'"}', 413, "limit for JSON bodies"),
        (b'{"messages": [{"role": "user", "content": "caf\xe9"}]}', 400, "not valid JSON"),
        (b"[" * 100 + b"]" * 100, 400, "nested 100 levels deep"),
        (b'{"messages": ' + b"[" * 200_000 + b"]" * 200_000 + b"}", 400, "not valid JSON"),
        (b'{"messages": [{"role": "user", "content": "x"}]', 400, "not valid JSON"),
    ],
    ids=["oversized", "not-utf8", "deep", "very-deep", "cut-short"],
)
def test_bad_json_bodies_are_4xx(api: Api, content: bytes, status: int, fragment: str) -> None:
    load_corpus(api)
    for path in ("chat/demo", "chat/demo/chat/completions", "chat/demo/context", "assistants"):
        response = api.post(path, content=content, headers={"Content-Type": "application/json"})
        assert fragment in _envelope(response, status), path
    evaluation = api.post(
        "evaluation/metrics/alignment", content=content, headers={"Content-Type": "application/json"}
    )
    assert 400 <= evaluation.status_code < 500


@pytest.mark.parametrize("name", ["%00", "demo%0A", "de%07mo", "%0D%0Aset-cookie:x", "%7F", "%E2%80%AE"])
def test_path_parameters_with_control_characters_are_4xx(api: Api, name: str) -> None:
    load_corpus(api)
    for method, path, kwargs in [
        ("GET", f"assistants/{name}", {}),
        ("PATCH", f"assistants/{name}", {"json": {"instructions": "x"}}),
        ("DELETE", f"assistants/{name}", {}),
        ("GET", f"files/{name}", {}),
        ("GET", f"files/demo/{name}", {}),
        ("DELETE", f"files/demo/{name}", {}),
        ("PUT", f"files/demo/{name}", {"files": {"file": ("a.txt", b"a")}, "version": V26}),
        ("POST", f"chat/{name}", {"json": {"messages": [{"role": "user", "content": "x"}]}}),
        ("GET", f"operations/{name}", {"version": V26}),
    ]:
        response = api.request(method, f"/assistant/{path}", **kwargs)
        assert 400 <= response.status_code < 500, (method, path, response.text)
        assert response.json()["status"] == response.status_code


# --- Over a real socket: clients that stop half-way or never finish --------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[RunningServer, dict[str, str]]]:
    with running_server(
        assistant_ready_seconds=0,
        file_processing_seconds=0,
        body_timeout_seconds=0.5,
        max_file_bytes=64 * KB,
    ) as server:
        with httpx.Client(base_url=server.assistant_url, headers={"Api-Key": "k"}) as http:
            assert http.post("/assistants", json={"name": "demo"}).status_code == 200
            ids = {}
            for name, text in {"otters.txt": "Sea otters hold hands while sleeping."}.items():
                ids[name] = http.post("/files/demo", files={"file": (name, text.encode())}).json()["id"]
        yield server, ids


def _raw(server: RunningServer, head: str, body: bytes, *, finish: bool) -> bytes:
    """Send a request whose body may stop short; the answer (b"" when the server just closed)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        if not finish:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)


def _head(path: str, content_type: str, length: int) -> str:
    return (
        f"POST /assistant/{path} HTTP/1.1\r\nHost: x\r\nApi-Key: k\r\nConnection: close\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n"
    )


def test_a_stalled_body_gets_408_while_others_are_served(
    served: tuple[RunningServer, dict[str, str]],
) -> None:
    server, _ = served
    answers: list[bytes] = []
    stalled = threading.Thread(
        target=lambda: answers.append(
            _raw(server, _head("chat/demo", "application/json", 1000), b'{"messages": [', finish=True)
        )
    )
    stalled.start()
    with httpx.Client(base_url=server.assistant_url, headers={"Api-Key": "k"}) as http:
        for _ in range(5):
            chat = http.post("/chat/demo", json={"messages": [{"role": "user", "content": "sea otters"}]})
            assert chat.status_code == 200
    stalled.join(30)
    [answer] = answers
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"stopped arriving" in answer


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("chat/demo", "application/json", b'{"messages": [{"role": "user"'),
        (
            "files/demo",
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhalf',
        ),
    ],
)
def test_a_body_cut_short_by_the_client_leaves_the_server_serving(
    served: tuple[RunningServer, dict[str, str]], path: str, content_type: str, body: bytes
) -> None:
    server, ids = served
    answer = _raw(server, _head(path, content_type, 10_000), body, finish=False)
    assert not answer.startswith(b"HTTP/1.1 5"), answer[:200]
    with httpx.Client(base_url=server.assistant_url, headers={"Api-Key": "k"}) as http:
        listed = {f["id"] for f in http.get("/files/demo").json()["files"]}
        assert set(ids.values()) <= listed
        assert http.get("/assistants/demo").status_code == 200
    assert len(list(server.app.state.store.blobs.iterdir())) == len(listed)


def test_abuse_under_concurrent_load_never_gets_a_5xx_and_chats_keep_succeeding(
    served: tuple[RunningServer, dict[str, str]],
) -> None:
    server, ids = served
    question = {"messages": [{"role": "user", "content": "How do sea otters sleep?"}]}
    outcomes: dict[str, list[int]] = {"chat": [], "abuse": []}
    lock = threading.Lock()

    def record(kind: str, status: int) -> None:
        with lock:
            outcomes[kind].append(status)

    def chats() -> None:
        with httpx.Client(base_url=server.assistant_url, headers={"Api-Key": "k"}, timeout=60) as http:
            for _ in range(15):
                record("chat", http.post("/chat/demo", json=question).status_code)

    def abuse() -> None:
        with httpx.Client(base_url=server.assistant_url, headers={"Api-Key": "k"}, timeout=60) as http:
            for _ in range(3):
                for content in (b'{"messages": "' + b"a" * (3 * MB) + b'"}', b"[" * 50_000, b"\xff\xfe{"):
                    response = http.post(
                        "/chat/demo", content=content, headers={"Content-Type": "application/json"}
                    )
                    record("abuse", response.status_code)
                record("abuse", http.post("/files/demo", files={"file": ("big.txt", b"x" * MB)}).status_code)
                record("abuse", http.post("/files/demo", data={"metadata": json.dumps({"a": 1})}).status_code)
                record("abuse", http.get("/files/%00/%0A").status_code)

    def stalls() -> None:
        for _ in range(3):
            answer = _raw(server, _head("chat/demo", "application/json", 500), b"{", finish=True)
            record("abuse", int(answer.split(b" ")[1]) if answer else 499)

    workers = [threading.Thread(target=chats) for _ in range(4)]
    workers += [threading.Thread(target=abuse) for _ in range(2)]
    workers += [threading.Thread(target=stalls)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert outcomes["chat"] == [200] * 60
    assert len(outcomes["abuse"]) == 2 * 3 * 6 + 3
    assert all(400 <= status < 500 for status in outcomes["abuse"]), outcomes["abuse"]
    with httpx.Client(base_url=server.assistant_url, headers={"Api-Key": "k"}) as http:
        assert set(ids.values()) <= {f["id"] for f in http.get("/files/demo").json()["files"]}


def test_json_bodies_over_a_custom_cap_are_413(make_api) -> None:
    api = make_api(max_json_bytes=1 * KB)
    load_corpus(api)
    assert "larger than 1 KB" in _envelope(api.chat("demo", "a" * (2 * KB)), 413)
    assert api.chat("demo", "otters").status_code == 200
    assert api.request("GET", "files/demo", version=V25).status_code == 200


def test_after_a_refused_body_the_same_connection_serves_the_next_request(
    served: tuple[RunningServer, dict[str, str]],
) -> None:
    server, _ = served
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    upload = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
        + b"x" * (65 * KB)
        + b"\r\n--b--\r\n"
    )
    refused = [
        ("/assistant/chat/demo", "application/json", b'{"messages": "' + b"a" * (3 * MB) + b'"}', 413),
        ("/assistant/files/demo", "multipart/form-data; boundary=b", upload, 413),
        ("/assistant/files/demo", "multipart/form-data; boundary=b", b"--b\r\nbroken\r\n\r\n--b--", 400),
        (
            "/assistant/files/demo",
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.exe"\r\n\r\nMZ\r\n--b--\r\n',
            400,
        ),
        ("/assistant/chat/demo", "application/json", b'{"messages": "' + b"a" * (2 * MB) + b'"}', 413),
    ]
    try:
        for path, content_type, body, status in refused:
            connection.request(
                "POST", path, body=body, headers={"Api-Key": "k", "Content-Type": content_type}
            )
            response = connection.getresponse()
            assert response.status == status, response.read()[:200]
            response.read()
            connection.request(
                "POST",
                "/assistant/chat/demo",
                body=json.dumps({"messages": [{"role": "user", "content": "otters"}]}),
                headers={"Api-Key": "k", "Content-Type": "application/json"},
            )
            answer = connection.getresponse()
            assert answer.status == 200
            answer.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", b'{"messages": "' + b"a" * (3 * MB) + b'"}', 413),
        (
            "multipart/form-data; boundary=b",
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.exe"\r\n\r\nMZ\r\n--b--\r\n',
            400,
        ),
    ],
)
def test_a_body_refused_in_its_last_piece_is_not_waited_for_again(
    tmp_path: Any, content_type: str, body: bytes, status: int
) -> None:
    from assistant_conformance.embedded.uploads import Limits, read_json_body, receive_upload
    from starlette.requests import Request

    async def receive() -> dict[str, Any]:
        if sent:
            raise AssertionError("the body was read again after its last piece")
        sent.append(True)
        return {"type": "http.request", "body": body, "more_body": False}

    sent: list[bool] = []
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    request = Request({"type": "http", "method": "POST", "headers": headers}, receive)

    async def read() -> None:
        if content_type == "application/json":
            await read_json_body(request, Limits())
        else:
            await receive_upload(request, tmp_path, Limits(), multimodal=False)

    with pytest.raises(ApiError) as refused:
        anyio.run(read)
    assert refused.value.status == status
