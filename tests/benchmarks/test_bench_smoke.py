"""The benchmark harness end to end with tiny transcripts: shape of the report, validation, skipping."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

# The harness lives at the top of the repository (run as `python -m benchmarks`), not in a package.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402
from benchmarks import subjects as subj  # noqa: E402
from benchmarks.transcripts import CITATION_EVERY, chat_transcript, completion_transcript  # noqa: E402

TINY = ["--events", "200", "--repeats", "1", "--openai-repeats", "1", "--latency-runs", "3"]
TINY += ["--chat-requests", "10", "--import-runs", "1", "--import-env", "current", "--no-embedded", "--quiet"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("bench") / "bench.json"
    assert harness.main([*TINY, "--output", str(output)]) == 0
    return json.loads(output.read_text())


def test_report_has_one_row_per_goal_in_order_with_name_value_unit_goal(report: dict[str, Any]) -> None:
    rows = report["results"]
    assert [row["name"] for row in rows] == list(harness.ROWS)
    for row in rows:
        assert {"name", "value", "unit", "goal"} <= set(row)
        assert row["goal"] == harness.ROWS[row["name"]][1]
        assert row["value"] is None or isinstance(row["value"], int | float)


def test_rows_that_need_only_our_client_have_values(report: dict[str, Any]) -> None:
    rows = {row["name"]: row for row in report["results"]}
    for name in ("stream_decode_vs_raw", "first_chunk_latency_ms", "chat_p50_vs_httpx"):
        assert isinstance(rows[name]["value"], float), rows[name]
        assert isinstance(rows[name]["met"], bool)


def test_peer_rows_are_measured_when_installed_and_skipped_with_a_reason_otherwise(
    report: dict[str, Any],
) -> None:
    rows = {row["name"]: row for row in report["results"]}
    peer_rows = {
        "stream_decode_speedup_vs_pinecone": "pinecone",
        "completion_decode_speedup_vs_pinecone": "pinecone",
        "import_time_vs_pinecone": "pinecone",
        "stream_decode_speedup_vs_openai": "openai",
        "import_time_vs_openai": "openai",
    }
    for name, peer in peer_rows.items():
        if subj.peer_available(peer):
            assert isinstance(rows[name]["value"], float), rows[name]
        else:
            assert rows[name]["value"] is None
            assert rows[name]["met"] is None
            assert peer in rows[name]["skipped"]


def test_every_decode_subject_was_validated_and_timed_on_both_formats(report: dict[str, Any]) -> None:
    entries = {(entry["fmt"], entry["key"]): entry for entry in report["subjects"]}
    for fmt in ("A", "B"):
        for key in ("floor", "ours"):
            entry = entries[fmt, key]
            assert "error" not in entry, entry
            assert entry["runs"] == 1
            assert entry["best_s"] > 0
    assert report["events"] == 200
    assert report["ours_paths"]
    assert report["versions"]["python"]


def test_only_runs_the_named_parts_and_marks_the_others_not_run(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    assert harness.main([*TINY, "--only", "latency", "--output", str(output)]) == 0
    rows = {row["name"]: row for row in json.loads(output.read_text())["results"]}
    assert isinstance(rows["first_chunk_latency_ms"]["value"], float)
    assert rows["stream_decode_vs_raw"]["value"] is None
    assert rows["stream_decode_vs_raw"]["skipped"] == "not run (--only)"


def test_validation_rejects_a_reader_that_loses_an_event() -> None:
    expected = chat_transcript(200)
    with harness.serve(200) as base:
        floor = subj.floor(base, "A")
        assert harness.validate(floor, expected) is None
        opener = floor.open

        def lossy() -> Any:
            objects = list(opener())
            return objects[:-2] + objects[-1:]  # drops one content chunk

        floor.open = lossy
        problem = harness.validate(floor, expected)
        floor.close()
    assert problem is not None
    assert "199 objects instead of 200" in problem
    assert "text differs" in problem


def test_transcripts_carry_the_text_and_citations_a_reader_must_reproduce() -> None:
    chat = chat_transcript(2500)
    assert chat.n == 2500
    assert chat.citations == 2 == sum(event["type"] == "citation" for event in chat.events)
    assert chat.events[CITATION_EVERY]["type"] == "citation"
    content = [e["delta"]["content"] for e in chat.events if e["type"] == "content_chunk"]
    assert "".join(content) == chat.text
    assert chat.events[0]["type"] == "message_start"
    assert chat.events[-1]["type"] == "message_end"
    completion = completion_transcript(300)
    assert completion.n == 300
    assert completion.events[-1]["choices"][0]["finish_reason"] == "stop"
    body = completion.body()
    assert body.count(b"\n\ndata: ") == 299
    assert b"[DONE]" not in body


def test_import_cases_run_in_the_named_environment_and_say_which(report: dict[str, Any]) -> None:
    ours = report["import_time"]["ours"]
    assert ours["environment"].startswith("current interpreter")
    assert ours["cpu_minus_pass_ms"] > 0
    assert report["import_environments"]["ours"]["python"] == sys.executable


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("uv") is None, reason="the fresh environments are built with uv here")
def test_a_fresh_import_environment_holds_our_current_code_and_no_dev_extras(tmp_path: Path) -> None:
    env = harness.fresh_env("ours", str(ROOT), lambda message: None, root=tmp_path)
    names = {package.split("==")[0].lower() for package in env.packages}
    assert {"pinecone-assistant-kit", "httpx", "orjson", "attrs"} <= names
    assert not names & {"click", "rich", "h2", "pytest", "respx", "msgspec"}
    installed = harness._site_packages(env.python) / "pinecone_assistant" / "_constants.py"
    installed.write_text(installed.read_text() + "# changed\n")
    with pytest.raises(RuntimeError, match=r"stale pinecone_assistant/_constants\.py"):
        harness._check_ours_is_current(env.python)


def test_embedded_rows_without_the_required_keys_become_error_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    module = types.ModuleType("benchmarks.embedded")
    module.run = lambda: [  # type: ignore[attr-defined]
        {"name": "chats_per_s", "value": 250.0, "unit": "1/s", "goal": ">= 200"},
        {"name": "memory_mb", "value": 80.0},
    ]
    monkeypatch.setitem(sys.modules, "benchmarks.embedded", module)
    monkeypatch.setattr(harness.importlib.util, "find_spec", lambda name: object())
    rows = harness.embedded_rows(lambda message: None)
    assert rows[0]["name"] == "chats_per_s"
    assert rows[0]["met"] is True
    assert rows[1]["value"] is None
    assert "unit" in rows[1]["error"]
