"""Target wiring: hosts, key handling and clean-up of the scratch assistant, against a fake service."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from assistant_conformance.fixtures import CORPUS
from assistant_conformance.targets import (
    SessionOptions,
    TargetError,
    TargetSession,
    host_base,
    normalize_base,
    resolve_api_key,
)

KEY = "fake_key_fake_live_key_0123456789"
DATA_HOST = "prod-9-data.ke.pinecone.io"


class FakePinecone:
    """Control plane at api.pinecone.io and one data host; records every request."""

    def __init__(self, *, fail_upload: bool = False, assistants: tuple[str, ...] = ()) -> None:
        self.requests: list[httpx.Request] = []
        self.assistants: dict[str, dict[str, Any]] = {n: {"name": n, "status": "Ready"} for n in assistants}
        self.files: dict[str, dict[str, Any]] = {}
        self.fail_upload = fail_upload
        self.describes = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = request.url
        path = url.path
        if url.host == "api.pinecone.io":
            return self._control(request, path)
        if url.host == DATA_HOST:
            return self._data(request, path)
        return httpx.Response(599, json={"unexpected host": url.host})

    def _control(self, request: httpx.Request, path: str) -> httpx.Response:
        if path == "/assistant/assistants" and request.method == "POST":
            body = json.loads(request.content)
            self.assistants[body["name"]] = {
                "name": body["name"],
                "status": "Initializing",
                "host": DATA_HOST,
            }
            return httpx.Response(200, json=self.assistants[body["name"]])
        if path == "/assistant/assistants" and request.method == "GET":
            return httpx.Response(200, json={"assistants": list(self.assistants.values())})
        name = path.rsplit("/", 1)[1]
        if request.method == "GET":
            self.describes += 1
            self.assistants[name]["status"] = "Ready" if self.describes > 1 else "Initializing"
            return httpx.Response(200, json=self.assistants[name])
        if request.method == "DELETE":
            found = self.assistants.pop(name, None)
            return httpx.Response(200 if found else 404, json={})
        return httpx.Response(405)

    def _data(self, request: httpx.Request, path: str) -> httpx.Response:
        parts = path.split("/")
        if request.method == "PUT":
            if self.fail_upload:
                return httpx.Response(
                    500, json={"error": {"code": "UNKNOWN", "message": "boom"}, "status": 500}
                )
            file_id = parts[-1]
            self.files[file_id] = {"id": file_id, "name": file_id, "status": "Available"}
            return httpx.Response(
                202, json={"id": f"op-{file_id}", "file_id": file_id, "status": "Processing"}
            )
        if request.method == "GET":
            return httpx.Response(200, json=self.files[parts[-1]])
        return httpx.Response(405)


def _session(fake: FakePinecone, **kw: Any) -> TargetSession:
    return TargetSession(
        SessionOptions(kind="live", transport=httpx.MockTransport(fake), poll_interval=0.0, **kw)
    )


def test_live_target_uses_the_documented_hosts_and_the_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("PINECONE_API_KEY", KEY)
    fake = FakePinecone()
    with _session(fake) as target:
        assert target.planes.control == "https://api.pinecone.io/assistant"
        assert target.planes.data == f"https://{DATA_HOST}/assistant"
        assert target.planes.evaluation == "https://prod-1-data.ke.pinecone.io/assistant"
        assert set(target.files) == {f.key for f in CORPUS}
        assert not target.disposable
        assert KEY not in repr(target)
    hosts = {r.url.host for r in fake.requests}
    assert hosts == {"api.pinecone.io", DATA_HOST}
    assert all(r.headers["Api-Key"] == KEY for r in fake.requests)
    assert all(r.headers["X-Pinecone-Api-Version"] == "2026-04" for r in fake.requests)
    uploads = [r for r in fake.requests if r.method == "PUT"]
    assert len(uploads) == len(CORPUS) + 2
    assert b'name="metadata"' in uploads[0].content


def test_everything_the_run_created_is_deleted_at_the_end(monkeypatch):
    monkeypatch.setenv("PINECONE_API_KEY", KEY)
    fake = FakePinecone(assistants=("someone-elses",))
    session = _session(fake)
    with session as target:
        # An assistant a suite created under the run's prefix.
        fake.assistants[f"{target.name_prefix}-n1"] = {"name": f"{target.name_prefix}-n1", "status": "Ready"}
    assert set(fake.assistants) == {"someone-elses"}
    assert session.cleanup_errors == []


def test_clean_up_runs_when_the_suites_fail(monkeypatch):
    monkeypatch.setenv("PINECONE_API_KEY", KEY)
    fake = FakePinecone()
    with pytest.raises(RuntimeError, match="suite crashed"), _session(fake):
        raise RuntimeError("suite crashed")
    assert fake.assistants == {}


def test_clean_up_runs_when_interrupted(monkeypatch):
    monkeypatch.setenv("PINECONE_API_KEY", KEY)
    fake = FakePinecone()
    with pytest.raises(KeyboardInterrupt), _session(fake):
        raise KeyboardInterrupt
    assert fake.assistants == {}
    assert any(r.method == "DELETE" for r in fake.requests)


def test_a_failed_preparation_deletes_the_scratch_assistant_and_names_the_step(monkeypatch):
    monkeypatch.setenv("PINECONE_API_KEY", KEY)
    fake = FakePinecone(fail_upload=True)
    with pytest.raises(TargetError, match=r"upload fixture .* answered 500") as info, _session(fake):
        pass
    assert KEY not in str(info.value)
    assert fake.assistants == {}


def test_live_target_without_a_key_says_how_to_provide_one(monkeypatch):
    monkeypatch.delenv("PINECONE_API_KEY", raising=False)
    with pytest.raises(TargetError, match="PINECONE_API_KEY"):
        resolve_api_key(None, "live")


def test_embedded_target_makes_its_own_key():
    assert resolve_api_key(None, "embedded").startswith("conformance-")


def test_control_and_evaluation_hosts_can_be_overridden(monkeypatch):
    monkeypatch.setenv("PINECONE_API_KEY", KEY)
    fake = FakePinecone()

    def redirect(request: httpx.Request) -> httpx.Response:
        assert request.url.host in {"control.example", DATA_HOST}
        if request.url.host == "control.example":
            request.url = request.url.copy_with(host="api.pinecone.io")
        return fake(request)

    options = SessionOptions(
        kind="live",
        transport=httpx.MockTransport(redirect),
        poll_interval=0.0,
        control_url="https://control.example",
        evaluation_url="https://eval.example/assistant/",
    )
    with TargetSession(options) as target:
        assert target.planes.control == "https://control.example/assistant"
        assert target.planes.evaluation == "https://eval.example/assistant"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765/assistant"),
        ("http://127.0.0.1:8765/assistant/", "http://127.0.0.1:8765/assistant"),
    ],
)
def test_target_urls_are_normalised(raw, expected):
    assert normalize_base(raw) == expected


def test_url_without_a_scheme_is_rejected_with_an_example():
    with pytest.raises(TargetError, match="needs a scheme"):
        normalize_base("localhost:8765")


def test_assistant_host_without_a_scheme_gets_https():
    assert host_base("prod-1-data.ke.pinecone.io") == "https://prod-1-data.ke.pinecone.io/assistant"


def test_unknown_target_kind_is_rejected():
    with pytest.raises(TargetError, match="unknown target"):
        TargetSession(SessionOptions(kind="ftp"))
