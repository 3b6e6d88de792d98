"""Recording a run and replaying it offline: the replay gives the recorded verdict, check by check.

Record and replay run as separate ``assistant-conformance run`` processes, as they do in use. The
round trips run at the CI seed: the default run against the embedded target, every suite against
a URL target (an embedded endpoint on a port), and each suite alone (with fewer examples, to keep
the test time down). Recordings that are empty, edited, made by another version or holding a key
are refused with exit 2 before anything is replayed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from assistant_conformance.cli import main
from assistant_conformance.embedded import running_server
from assistant_conformance.runner import SUITE_ORDER
from pinecone_assistant._constants import API_VERSION

#: Shaped like a Pinecone key but made up; assembled at run time so no key-shaped literal is stored.
FAKE_KEYLIKE = "pcsk" + "_4x8Qa1LkTw9" + "ZmN2pRb7Yv"

pytestmark = pytest.mark.slow

#: The seed CI runs the conformance suites with (CONFORMANCE_SEED in noxfile.py).
CI_SEED = "20260401"
KEY = "recording-secret-key-4242"
#: The reduced runs: fewer examples, and a schema suite limited to operations that send a key or
#: not, a multipart body, a destructive call and a stream (the default run covers every operation).
REDUCED = (
    *("--max-examples", "3"),
    *("--operation", "list_files", "--operation", "upsert_file"),
    *("--operation", "delete_assistant", "--operation", "chat_assistant"),
)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant_conformance.cli", "run", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _record(directory: Path, reports: Path, *args: str) -> tuple[int, dict]:
    done = _cli("--record", str(directory), "--report-dir", str(reports), "--seed", CI_SEED, *args)
    assert done.returncode in {0, 1}, done.stderr[-2000:]
    return done.returncode, json.loads((reports / "report.json").read_text())


def _replay(directory: Path, reports: Path, *args: str) -> tuple[int, dict]:
    done = _cli("--target", "recorded", "--cassettes", str(directory), "--report-dir", str(reports), *args)
    assert done.returncode in {0, 1}, done.stderr[-2000:]
    return done.returncode, json.loads((reports / "report.json").read_text())


def _statuses(report: dict) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}


def _assert_same_verdict(recorded: tuple[int, dict], replayed: tuple[int, dict]) -> None:
    (code, before), (again, after) = recorded, replayed
    changed = {
        check: (status, _statuses(after).get(check))
        for check, status in _statuses(before).items()
        if _statuses(after).get(check) != status
    }
    added = set(_statuses(after)) - set(_statuses(before))
    assert not changed, changed
    assert not added, added
    assert again == code
    assert after["target"]["kind"] == "recorded"
    assert after["seed"] == before["seed"] == int(CI_SEED)


def _refused(directory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Replay ``directory`` in this process (it is refused before anything runs); stderr."""
    capsys.readouterr()
    code = main(
        ["run", "--target", "recorded", "--cassettes", str(directory), "--report-dir", str(tmp_path / "r")]
    )
    out, err = capsys.readouterr()
    assert code == 2, (code, err[-2000:])
    assert not (tmp_path / "r" / "report.json").exists()
    assert KEY not in out + err
    return err


# --------------------------------------------------------------------------- round trips


Verdict = tuple[int, dict]
RoundTrip = tuple[Path, Verdict, Verdict]
#: The URL round trip: every suite that sends requests, reduced.
URL_RUN = (
    *REDUCED,
    *("--suite", "filters", "--suite", "finish_reason", "--suite", "streaming"),
    *("--suite", "consistency", "--suite", "schema"),
)


@pytest.fixture(scope="module")
def round_trips(tmp_path_factory) -> dict[str, RoundTrip]:
    """Every round trip of this module: recorded, then replayed, two at a time (CI has two cores).

    ``default``: the default run against the embedded target; ``url``: a URL target (an embedded
    endpoint on a port); one per suite: that suite alone against the embedded target, reduced.
    """
    runs = {"default": (), "url": URL_RUN, **{s: ("--suite", s, *REDUCED) for s in SUITE_ORDER}}
    bases = {name: tmp_path_factory.mktemp(name) for name in runs}

    def round_trip(name: str) -> RoundTrip:
        base = bases[name]
        if name == "url":
            with running_server(
                api_keys=[KEY], assistant_ready_seconds=0, file_processing_seconds=0
            ) as server:
                target = ("--target", server.url, "--api-key", KEY)
                recorded = _record(base / "c", base / "recorded", *target, *runs[name])
        else:
            recorded = _record(base / "c", base / "recorded", *runs[name])
        return base / "c", recorded, _replay(base / "c", base / "replayed")

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(runs, pool.map(round_trip, runs), strict=True))


@pytest.fixture(scope="module")
def url_recording(round_trips) -> tuple[Path, Verdict]:
    directory, recorded, _ = round_trips["url"]
    return directory, recorded


def test_default_run_replays_with_the_recorded_status_of_every_check(round_trips):
    _, recorded, replayed = round_trips["default"]
    _assert_same_verdict(recorded, replayed)
    assert len(recorded[1]["checks"]) > 300


def test_url_target_run_replays_with_the_recorded_status_of_every_check(round_trips):
    _, recorded, replayed = round_trips["url"]
    assert recorded[1]["target"]["kind"] == "url"
    _assert_same_verdict(recorded, replayed)


@pytest.mark.parametrize("suite", SUITE_ORDER)
def test_each_suite_alone_replays_with_the_recorded_status_of_every_check(suite, round_trips):
    _, recorded, replayed = round_trips[suite]
    # Drift is judged on every run, from the responses the suite received.
    assert {c["suite"] for c in recorded[1]["checks"]} - {"drift"} == {suite}
    _assert_same_verdict(recorded, replayed)


def test_recording_holds_no_key_and_describes_the_run(url_recording):
    directory, _ = url_recording
    meta = json.loads((directory / "run.json").read_text())
    assert meta["seed"] == int(CI_SEED)
    assert meta["spec_version"] == API_VERSION
    assert meta["target_kind"] == "url"
    assert meta["cassettes"][0] == "setup"
    assert {"setup", "filters", "schema", "teardown"} <= set(meta["manifest"])
    for path in directory.iterdir():
        assert KEY not in path.read_text(encoding="utf-8", errors="replace")
    requests = [i["request"] for i in yaml.safe_load((directory / "setup.yaml").read_text())["interactions"]]
    assert {tuple(r["headers"]["api-key"]) for r in requests} == {("[REDACTED:run-key]",)}


def test_schema_cassette_tells_requests_without_a_key_from_requests_with_one(url_recording):
    directory, _ = url_recording
    interactions = yaml.safe_load((directory / "schema.yaml").read_text())["interactions"]
    # Header names are case-blind: schemathesis records `Api-Key`, httpx (probes, pinned cases) `api-key`.
    headers = [{k.lower(): v for k, v in i["request"]["headers"].items()} for i in interactions]
    keys = {tuple(h.get("api-key", ["none"])) for h in headers}
    # ignored_auth sends requests without the key; they are recorded as such and answered 401.
    assert ("none",) in keys
    assert ("[REDACTED:run-key]",) in keys
    unauthenticated = [i for i, h in zip(interactions, headers, strict=True) if "api-key" not in h]
    assert {i["response"]["status"]["code"] for i in unauthenticated} == {401}


def test_a_suite_that_was_not_recorded_is_not_recorded_never_passed(url_recording, tmp_path):
    directory, recorded = url_recording
    meta = json.loads((directory / "run.json").read_text())
    partial = tmp_path / "partial"
    shutil.copytree(directory, partial)
    # A recording of every suite but streaming: as if made with an older selection of suites.
    del meta["manifest"]["streaming"]
    meta["suites"] = [s for s in meta["suites"] if s != "streaming"]
    (partial / "streaming.yaml").unlink()
    (partial / "run.json").write_text(json.dumps(meta))
    done = _cli(
        *("--target", "recorded", "--cassettes", str(partial), "--report-dir", str(tmp_path / "r")),
        *("--suite", "finish_reason", "--suite", "streaming"),
    )
    assert done.returncode == 1
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    streaming = [c for c in report["checks"] if c["suite"] == "streaming"]
    assert streaming
    assert {c["status"] for c in streaming} <= {"not_recorded", "skip"}
    assert "not_recorded" in {c["status"] for c in streaming}
    missing = next(c for c in streaming if c["status"] == "not_recorded")
    assert "POST" in missing["message"]
    assert "/chat/" in missing["message"]
    assert any("To record again: assistant-conformance run --target URL" in n for n in report["notes"])
    replayed_alone = {k: v for k, v in _statuses(report).items() if k.startswith("finish_reason.")}
    assert replayed_alone == {
        k: v for k, v in _statuses(recorded[1]).items() if k.startswith("finish_reason.")
    }


# --------------------------------------------------------------------------- bad recordings


@pytest.fixture
def copy_of(url_recording, tmp_path) -> Path:
    directory, _ = url_recording
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    return copy


def test_empty_folder_is_refused(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert "empty" in _refused(tmp_path / "empty", tmp_path, capsys)
    assert "--record" in _refused(tmp_path / "empty", tmp_path, capsys)


def test_changed_body_is_refused_naming_file_and_interaction(copy_of, tmp_path, capsys):
    cassette = copy_of / "filters.yaml"
    data = yaml.safe_load(cassette.read_text())
    data["interactions"][4]["response"]["body"]["string"] = '{"files": []}'
    cassette.write_text(yaml.safe_dump(data))
    message = _refused(copy_of, tmp_path, capsys)
    assert "filters.yaml: interaction 5 (" in message
    assert "was changed" in message


def test_removed_interaction_is_refused_naming_file_and_interaction(copy_of, tmp_path, capsys):
    cassette = copy_of / "schema.yaml"
    data = yaml.safe_load(cassette.read_text())
    removed = data["interactions"].pop(10)["request"]
    cassette.write_text(yaml.safe_dump(data))
    message = _refused(copy_of, tmp_path, capsys)
    assert f"schema.yaml: interaction 11 ({removed['method']} {removed['uri']}) was removed" in message


def test_removed_cassette_is_refused(copy_of, tmp_path, capsys):
    (copy_of / "finish_reason.yaml").unlink()
    assert "finish_reason.yaml is listed in run.json but missing" in _refused(copy_of, tmp_path, capsys)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("format", 1, "recording format 1"),
        ("versions", {"pinecone-assistant-kit": "0.0.1"}, "pinecone-assistant-kit 0.0.1"),
        ("spec_sha256", "0" * 64, f"another text of spec {API_VERSION}"),
        ("spec_version", "2025-10", "pass --spec-version 2025-10"),
    ],
)
def test_recording_of_another_format_or_version_is_refused(copy_of, tmp_path, capsys, field, value, expected):
    meta = json.loads((copy_of / "run.json").read_text())
    meta[field] = value if not isinstance(value, dict) else {**meta[field], **value}
    (copy_of / "run.json").write_text(json.dumps(meta))
    message = _refused(copy_of, tmp_path, capsys)
    assert "run.json" in message
    assert expected in message


def test_cassette_holding_something_like_a_key_is_refused(copy_of, tmp_path, capsys):
    cassette = copy_of / "setup.yaml"
    data = yaml.safe_load(cassette.read_text())
    data["interactions"][2]["response"]["body"]["string"] = '{"note": "' + FAKE_KEYLIKE + '"}'
    cassette.write_text(yaml.safe_dump(data))
    message = _refused(copy_of, tmp_path, capsys)
    assert "setup.yaml: interaction 3 (" in message
    assert "looks like a key" in message
    assert "4x8Qa1LkTw9ZmN2pRb7Yv" not in message


def test_cassette_holding_a_key_header_is_refused(copy_of, tmp_path, capsys):
    cassette = copy_of / "setup.yaml"
    data = yaml.safe_load(cassette.read_text())
    data["interactions"][0]["request"]["headers"]["Api-Key"] = ["some-real-looking-value"]
    cassette.write_text(yaml.safe_dump(data))
    message = _refused(copy_of, tmp_path, capsys)
    assert "setup.yaml: interaction 1 (POST " in message
    assert "Api-Key" in message
    assert "some-real-looking-value" not in message


def test_replay_with_another_seed_is_refused(url_recording, tmp_path, capsys):
    directory, _ = url_recording
    done = _cli(
        "--target", "recorded", "--cassettes", str(directory), "--seed", "5", "--report-dir", str(tmp_path)
    )
    assert done.returncode == 2
    assert f"pass --seed {CI_SEED}" in done.stderr
