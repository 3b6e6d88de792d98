"""Assistants take a moment to be Ready and files are processed in the background, as on the service."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from assistant_conformance.embedded import create_app, processing

from .conftest import V25, V26, Api

TEXT = "Sea otters hold hands while sleeping so they do not drift apart."


def _until(api: Api, path: str, settled: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """Describe ``path`` until ``settled``; every answer seen (bounded: no wait without end)."""
    seen = []
    for _ in range(400):
        body = api.get(path).json()
        seen.append(body)
        if settled(body):
            return seen
        time.sleep(0.02)
    raise AssertionError(f"{path} never settled: {seen[-1]}")


def test_by_default_assistants_initialize_and_files_stay_processing_for_a_while() -> None:
    api = Api(create_app(), V25)
    try:
        created = api.create_assistant("slow")
        assert created["status"] == "Initializing"
        assert api.get("assistants/slow").json()["status"] == "Initializing"
        uploaded = api.upload("slow", "otters.txt", TEXT).json()
        assert uploaded["status"] == "Processing"
        assert 0 <= uploaded["percent_done"] < 1
        assert api.chat("slow", "How do sea otters sleep?").json()["citations"] == []
    finally:
        api.close()


def test_a_file_is_processing_with_percent_done_rising_then_available(make_api) -> None:
    api = make_api(file_processing_seconds=1.0)
    api.create_assistant()
    uploaded = api.upload("demo", "otters.txt", TEXT).json()
    assert (uploaded["status"], uploaded["error_message"]) == ("Processing", None)
    seen = _until(api, f"files/demo/{uploaded['id']}", lambda f: f["status"] != "Processing")
    assert seen[-1]["status"] == "Available"
    assert seen[-1]["percent_done"] == 1.0
    done = [uploaded["percent_done"]] + [f["percent_done"] for f in seen]
    assert done == sorted(done)
    assert any(0 < d < 1 for d in done)
    cited = api.chat("demo", "How do sea otters sleep?").json()["citations"]
    assert cited[0]["references"][0]["file"]["id"] == uploaded["id"]


def test_an_assistant_is_ready_on_a_describe_after_the_delay(make_api) -> None:
    api = make_api(assistant_ready_seconds=0.3)
    assert api.create_assistant()["status"] == "Initializing"
    seen = _until(api, "assistants/demo", lambda a: a["status"] == "Ready")
    assert {a["status"] for a in seen[:-1]} <= {"Initializing"}


def test_the_operation_of_an_upload_completes_with_percent_complete_rising(make_api) -> None:
    api = make_api(V26, file_processing_seconds=0.5)
    api.create_assistant()
    response = api.upload("demo", "otters.txt", TEXT, metadata={"animal": "otter"})
    assert response.status_code == 202
    op = response.json()
    assert (op["status"], op["completed_on"]) == ("Processing", None)
    assert 0 <= op["percent_complete"] < 100
    seen = _until(api, f"operations/demo/{op['id']}", lambda o: o["status"] != "Processing")
    assert seen[-1]["status"] == "Completed"
    assert seen[-1]["percent_complete"] == 100
    assert seen[-1]["completed_on"]
    percents = [op["percent_complete"]] + [o["percent_complete"] for o in seen]
    assert percents == sorted(percents)
    assert api.get(f"files/demo/{op['file_id']}").json()["metadata"] == {"animal": "otter"}


@pytest.mark.parametrize("delay", [0, 0.2])
def test_a_corrupt_pdf_ends_processing_failed_with_a_message(make_api, delay: float) -> None:
    api = make_api(V26, file_processing_seconds=delay)
    api.create_assistant()
    op = api.upload("demo", "broken.pdf", b"%PDF-1.4 not really a pdf").json()
    final = _until(api, f"operations/demo/{op['id']}", lambda o: o["status"] != "Processing")[-1]
    assert final["status"] == "Failed"
    assert "PDF" in final["error_message"]
    described = api.get(f"files/demo/{op['file_id']}").json()
    assert described["status"] == "ProcessingFailed"
    assert described["error_message"] == final["error_message"]


def test_with_no_delay_the_upload_answers_once_processing_is_done(make_api) -> None:
    api = make_api(file_processing_seconds=0)
    api.create_assistant()
    assert api.upload("demo", "otters.txt", TEXT).json()["status"] == "Available"
    assert api.upload("demo", "broken.pdf", b"%PDF-1.4 no").json()["status"] == "ProcessingFailed"


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Processing waits until the returned event is set."""
    release = threading.Event()
    real = processing.extract

    def waiting(kind: str, source: Any) -> Any:
        release.wait(30)
        return real(kind, source)

    monkeypatch.setattr(processing, "extract", waiting)
    return release


def _wait_for_processing(api: Api) -> None:
    for _ in range(200):
        if not api.app.state.store.processing_files():
            return
        time.sleep(0.02)
    raise AssertionError(f"still processing: {api.app.state.store.processing_files()}")


def test_deleting_the_assistant_during_processing_loses_nothing_else(make_api, held: threading.Event) -> None:
    api = make_api(file_processing_seconds=0.05)
    api.create_assistant("keep")
    kept = api.upload("keep", "kept.txt", TEXT).json()
    api.create_assistant("gone")
    doomed = api.upload("gone", "otters.txt", TEXT).json()
    assert doomed["status"] == "Processing"
    assert api.request("DELETE", "assistants/gone").status_code == 200
    for method, path, kwargs in [
        ("GET", f"files/gone/{doomed['id']}", {}),
        ("GET", "files/gone", {}),
        ("POST", "chat/gone", {"json": {"messages": [{"role": "user", "content": "otters"}]}}),
        ("POST", "chat/gone/context", {"json": {"query": "otters"}}),
        ("POST", "files/gone", {"files": {"file": ("late.txt", b"late")}}),
    ]:
        response = api.request(method, path, **kwargs)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["code"] == "NOT_FOUND"
    held.set()
    _wait_for_processing(api)
    assert api.get("assistants/gone").json()["status"] == "Terminating"
    assert api.get("assistants/gone").status_code == 404
    assert _until(api, f"files/keep/{kept['id']}", lambda f: f["status"] != "Processing")[-1]["status"] == (
        "Available"
    )
    blobs = list(api.app.state.store.blobs.iterdir())
    assert len(blobs) == 1


def test_a_file_replaced_during_processing_keeps_the_newer_content(make_api, held: threading.Event) -> None:
    api = make_api(V26, file_processing_seconds=0.05)
    api.create_assistant()
    first = api.request("PUT", "files/demo/doc", files={"file": ("doc.txt", b"Foxes dig dens.")})
    second = api.request("PUT", "files/demo/doc", files={"file": ("doc.txt", TEXT.encode())})
    assert (first.status_code, second.status_code) == (202, 202)
    held.set()
    _until(api, f"operations/demo/{second.json()['id']}", lambda o: o["status"] == "Completed")
    context = api.post("chat/demo/context", json={"query": "otters foxes dens sleeping"}).json()
    assert [s["content"] for s in context["snippets"]] == [TEXT]
