"""Recording a run and replaying it offline: the same requests repeat, nothing unrecorded passes.

Record and replay run as separate ``assistant-conformance run`` processes, as they do in use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from assistant_conformance.embedded import running_server
from pinecone_assistant._constants import API_VERSION

pytestmark = pytest.mark.slow

KEY = "recording-secret-key-4242"
LIMITS = [
    *("--seed", "9", "--max-examples", "2", "--quiet"),
    *("--operation", "list_files", "--operation", "chat_assistant"),
    *("--suite", "filters", "--suite", "finish_reason", "--suite", "streaming", "--suite", "schema"),
]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant_conformance.cli", "run", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> tuple[Path, dict]:
    directory = tmp_path_factory.mktemp("cassettes")
    reports = tmp_path_factory.mktemp("recorded-report")
    with running_server(api_keys=[KEY], assistant_ready_seconds=0, file_processing_seconds=0) as server:
        done = _cli(
            "--target",
            server.url,
            "--api-key",
            KEY,
            "--record",
            str(directory),
            "--report-dir",
            str(reports),
            *LIMITS,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return directory, json.loads((reports / "report.json").read_text())


def _replay(directory: Path, reports: Path) -> tuple[int, dict]:
    done = _cli("--target", "recorded", "--cassettes", str(directory), "--report-dir", str(reports), *LIMITS)
    return done.returncode, json.loads((reports / "report.json").read_text())


def test_recording_holds_no_key_and_describes_the_run(recording):
    directory, _ = recording
    meta = json.loads((directory / "run.json").read_text())
    assert meta["seed"] == 9
    assert meta["spec_version"] == API_VERSION
    assert meta["cassettes"][0] == "setup"
    assert {"setup", "filters", "schema", "teardown"} <= set(meta["cassettes"])
    for path in directory.iterdir():
        assert KEY not in path.read_text(encoding="utf-8", errors="replace")


def test_replay_repeats_the_recorded_run_offline(recording, tmp_path):
    directory, recorded = recording
    code, replayed = _replay(directory, tmp_path)
    assert code == 0, [c for c in replayed["checks"] if c["status"] in {"fail", "not_recorded"}][:3]
    assert replayed["target"]["kind"] == "recorded"
    assert replayed["seed"] == 9
    assert {c["id"]: c["status"] for c in replayed["checks"]} == {
        c["id"]: c["status"] for c in recorded["checks"]
    }


def test_unrecorded_request_is_reported_as_not_recorded_never_passed(recording, tmp_path):
    directory, _ = recording
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in directory.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    cassette = broken / "filters.yaml"
    data = yaml.safe_load(cassette.read_text())
    data["interactions"] = data["interactions"][: len(data["interactions"]) // 2]
    cassette.write_text(yaml.safe_dump(data))
    code, replayed = _replay(broken, tmp_path / "report")
    assert code == 1
    statuses = {c["id"]: c["status"] for c in replayed["checks"]}
    assert "not_recorded" in statuses.values()
    assert all(s != "not_recorded" for i, s in statuses.items() if not i.startswith("filters."))
