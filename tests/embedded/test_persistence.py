"""State in SQLite under data_dir survives a restart; concurrent writers lose nothing."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from assistant_conformance.embedded import running_server

from .conftest import CORPUS, KEY, V26, Api, load_corpus, make_pdf


def test_restart_on_the_same_data_dir_loses_nothing(make_api, tmp_path: Path) -> None:
    first = make_api(V26, data_dir=tmp_path)
    ids = load_corpus(first)
    first.request("PATCH", "assistants/demo", json={"instructions": "Be brief.", "metadata": {"owner": "qa"}})
    first.upload("demo", "coast.pdf", make_pdf(["Nothing.", "Puffins nest on cliffs."]), {"genre": "birds"})
    before = first.chat("demo", "How do sea otters sleep?").json()
    files_before = first.get("files/demo").json()["files"]
    ops_before = first.get("operations/demo").json()["operations"]
    first.close()

    second = make_api(V26, data_dir=tmp_path)
    assistant = second.get("assistants/demo").json()
    assert (assistant["instructions"], assistant["metadata"]) == ("Be brief.", {"owner": "qa"})
    assert second.get("files/demo").json()["files"] == files_before
    assert second.get("operations/demo").json()["operations"] == ops_before
    after = second.chat("demo", "How do sea otters sleep?").json()
    assert after["message"] == before["message"]
    assert after["citations"] == before["citations"]
    filtered = second.chat("demo", "Where do puffins nest?", filter={"genre": "birds"}).json()
    assert filtered["citations"][0]["references"][0]["pages"] == [2]
    described = second.get(f"files/demo/{ids['pines.txt']}").json()
    assert described["metadata"] == CORPUS["pines.txt"][1]


def test_deleted_state_stays_deleted_after_restart(make_api, tmp_path: Path) -> None:
    first = make_api(data_dir=tmp_path)
    ids = load_corpus(first)
    first.request("DELETE", f"files/demo/{ids['otters.md']}")
    first.create_assistant("gone")
    first.request("DELETE", "assistants/gone")
    first.close()
    second = make_api(data_dir=tmp_path)
    assert second.get("assistants/gone").status_code == 404
    assert ids["otters.md"] not in {f["id"] for f in second.get("files/demo").json()["files"]}
    assert second.chat("demo", "How do sea otters sleep?").json()["citations"] == []


def test_concurrent_uploads_and_chats_lose_no_files(tmp_path: Path) -> None:
    with (
        running_server(data_dir=tmp_path, assistant_ready_seconds=0, file_processing_seconds=0) as server,
        httpx.Client(base_url=server.url, headers={"Api-Key": KEY}, timeout=30) as client,
    ):
        assert client.post("/assistant/assistants", json={"name": "busy"}).status_code == 200

        def upload(i: int) -> str:
            response = client.post(
                "/assistant/files/busy",
                files={"file": (f"f{i}.txt", f"Shared word kelp. Unique token z{i}q.".encode())},
            )
            assert response.status_code == 200, response.text
            return response.json()["id"]

        def chat(i: int) -> int:
            body = {"messages": [{"role": "user", "content": "kelp"}]}
            return client.post("/assistant/chat/busy", json=body).status_code

        with ThreadPoolExecutor(8) as pool:
            uploads = [pool.submit(upload, i) for i in range(40)]
            chats = [pool.submit(chat, i) for i in range(40)]
            ids = {u.result() for u in uploads}
            assert {c.result() for c in chats} == {200}
        listed = client.get("/assistant/files/busy").json()["files"]
        assert {f["id"] for f in listed} == ids
        context = client.post("/assistant/chat/busy/context", json={"query": "z17q"}).json()
        assert context["snippets"][0]["reference"]["file"]["name"] == "f17.txt"


def test_in_memory_state_is_private_to_each_app(make_api) -> None:
    one: Api = make_api()
    two: Api = make_api()
    one.create_assistant()
    assert two.get("assistants/demo").status_code == 404


def test_files_left_processing_by_a_stopped_run_are_processed_on_restart(make_api, tmp_path: Path) -> None:
    first = make_api(data_dir=tmp_path)
    ids = load_corpus(first)
    first.close()
    # As if the process had stopped while processing otters.md: its row says Processing, no chunks.
    with sqlite3.connect(tmp_path / "assistant.sqlite3") as db:
        db.execute("UPDATE files SET status = 'Processing' WHERE id = ?", (ids["otters.md"],))
        db.execute("DELETE FROM chunks WHERE file_id = ?", (ids["otters.md"],))
    db.close()
    second = make_api(data_dir=tmp_path)
    for _ in range(200):
        if second.get(f"files/demo/{ids['otters.md']}").json()["status"] != "Processing":
            break
        time.sleep(0.02)
    assert second.get(f"files/demo/{ids['otters.md']}").json()["status"] == "Available"
    cited = second.chat("demo", "How do sea otters sleep?").json()["citations"]
    assert cited[0]["references"][0]["file"]["id"] == ids["otters.md"]
