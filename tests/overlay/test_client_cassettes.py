"""Recorded exchanges (tests/overlay/cassettes/<version>/*.yaml) replayed through the client with no network.

The cassettes are written by ``assistant-conformance record`` (``assistant_conformance.recording``)
against the embedded endpoint; re-record them after changing the exchanges:
``.venv/bin/assistant-conformance record --spec-version 2026-04 --spec-version 2025-10``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from assistant_conformance.embedded import running_server
from assistant_conformance.recording import (
    ASSISTANT_NAME,
    RECORDED_HOST,
    RECORDING_KEY,
    SCENARIOS,
    record_cassettes,
    run_scenarios,
)
from pinecone_assistant import AssistantClient
from vcr.errors import CannotOverwriteExistingCassetteException

CASSETTES = Path(__file__).parent / "cassettes"
VERSIONS = ("2026-04", "2025-10")


def replay(version: str, directory: Path | None = None) -> dict[str, dict[str, Any]]:
    with AssistantClient(
        "replay-key",
        control_host=RECORDED_HOST,
        evaluation_host=RECORDED_HOST,
        api_version=version,
        max_retries=0,
    ) as client:
        return run_scenarios(client, directory or CASSETTES / version, "none")


def _cassette_files() -> list[Path]:
    return sorted(CASSETTES.glob("*/*.yaml"))


@pytest.mark.parametrize("version", VERSIONS)
def test_every_documented_exchange_has_a_cassette(version: str) -> None:
    names = {p.stem for p in (CASSETTES / version).glob("*.yaml")}
    assert names == {name for name, _ in SCENARIOS}


@pytest.mark.parametrize("version", VERSIONS)
def test_replaying_gives_the_results_seen_when_recording(version: str) -> None:
    recorded = json.loads((CASSETTES / version / "results.json").read_text())
    assert replay(version) == recorded


@pytest.mark.parametrize("version", VERSIONS)
def test_the_replayed_exchanges_read_as_documented(version: str) -> None:
    results = replay(version)
    assistants, files, chat = results["assistants"], results["files"], results["chat"]
    assert (assistants["created_status"], assistants["described_status"]) == ("Ready", "Ready")
    assert ASSISTANT_NAME in assistants["listed"]
    assert assistants["updated_metadata"] == {"team": "docs"}

    assert files["uploaded"] == {"fox.txt": "Available", "wolves.md": "Available"}
    assert files["metadata"] == {"animal": "fox", "year": 2024}
    assert files["filtered"] == ["wolves.md"]
    assert files["signed_url"] is True
    if version == "2026-04":
        assert files["operations"] == ["Completed", "Completed"]
        assert files["operation"] == "upload_file"

    plain = chat["plain"]
    assert plain["text"]
    assert plain["citations"]
    assert all(0 <= c["position"] <= len(plain["text"]) for c in plain["citations"])
    assert chat["highlights"]
    assert all(chat["highlights"])
    assert chat["filtered_files"] == ["wolves.md"]
    assert isinstance(json.loads(chat["json"]), dict)

    stream = results["chat_stream"]
    assert stream["streamed"] == stream["plain"]
    assert stream["kinds"][0] == "MessageStartChunk"
    assert stream["kinds"][-1] == "MessageEndChunk"
    assert results["completions"]["streamed"] == results["completions"]["plain"]
    assert results["context"]["messages_files"] == ["fox.txt"]
    assert results["evaluation"]["facts"] >= 1

    errors = results["errors"]
    assert errors["missing_assistant"] == {"status": 404, "code": "NOT_FOUND", "class": "NotFoundError"}
    assert errors["unknown_model"]["class"] == "BadRequestError"
    cleanup = results["cleanup"]
    assert cleanup["remaining"] == ["fox.txt"]
    assert cleanup["delete_result"] == ("delete_file" if version == "2026-04" else None)


def test_a_request_that_was_not_recorded_fails_instead_of_reaching_the_network(tmp_path: Path) -> None:
    directory = tmp_path / "2026-04"
    directory.mkdir()
    for name in ("assistants", "files"):
        (directory / f"{name}.yaml").write_bytes((CASSETTES / "2026-04" / f"{name}.yaml").read_bytes())
    (directory / "chat.yaml").write_bytes((CASSETTES / "2026-04" / "context.yaml").read_bytes())
    with pytest.raises(CannotOverwriteExistingCassetteException):
        replay("2026-04", directory)


def test_no_cassette_holds_a_key_or_an_auth_header() -> None:
    files = _cassette_files()
    assert files
    for path in files:
        text = path.read_text()
        assert RECORDING_KEY not in text
        for interaction in yaml.safe_load(text)["interactions"]:
            names = {name.lower() for name in interaction["request"]["headers"]}
            assert not names & {"api-key", "authorization"}, path


def test_recording_scrubs_the_key_it_was_given(tmp_path: Path) -> None:
    key = "fake_key_secret_recording_key_42"
    with running_server(api_keys=[key], assistant_ready_seconds=0, file_processing_seconds=0) as server:
        written = record_cassettes(server.url, key, tmp_path, "2026-04")
    assert {p.stem for p in written} == {name for name, _ in SCENARIOS}
    for path in written:
        text = path.read_text()
        assert key not in text
        assert server.url not in text
    assert replay("2026-04", tmp_path / "2026-04")["cleanup"]["remaining"] == ["fox.txt"]
