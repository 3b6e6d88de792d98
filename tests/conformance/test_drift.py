"""Drift: undocumented properties, enum values, status codes and headers, the drift checks' verdicts,
and --compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from assistant_conformance.checks import Exchange
from assistant_conformance.cli import main
from assistant_conformance.context import load_spec
from assistant_conformance.drift import (
    CompareError,
    DriftTracker,
    SchemaWalker,
    load_previous,
    policy_for,
)
from assistant_conformance.embedded import running_server
from assistant_conformance.embedded.faults import UNDOCUMENTED_CHAT_FIELD
from assistant_conformance.report import RunReport, render_markdown
from assistant_conformance.results import Status
from assistant_conformance.runner import RunOptions, run
from pinecone_assistant._constants import API_VERSION

SPEC = load_spec("2026-04")[1]
USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
CHAT_BODY = {
    "id": "0" * 32,
    "finish_reason": "stop",
    "message": {"role": "assistant", "content": "Tides rise."},
    "model": "gpt-4o",
    "citations": [
        {
            "position": 5,
            "references": [
                {"file": {"name": "a.txt", "id": "f1", "metadata": {"anything": {"goes": 1}}}, "pages": [1]}
            ],
        }
    ],
    "usage": USAGE,
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(operation: str, body: object, status: int = 200, headers: tuple = ()) -> Exchange:
    return Exchange(operation, status, "application/json", json.dumps(body).encode(), None, headers=headers)


def test_a_documented_answer_has_no_drift_and_free_form_metadata_is_not_judged():
    assert SchemaWalker(SPEC).walk(_ref("ChatModel"), CHAT_BODY, "chat_assistant.200") == []


def test_undeclared_properties_are_named_after_the_nearest_schema():
    body = {**CHAT_BODY, "verdict": "ok", "usage": {**USAGE, "cached_tokens": 1}}
    body["citations"] = [{**CHAT_BODY["citations"][0], "note": "x"}]
    found = SchemaWalker(SPEC).walk(_ref("ChatModel"), body, "root")
    assert sorted(found) == [
        ("property", "ChatModel.verdict", "ok"),
        ("property", "CitationModel.note", "x"),
        ("property", "UsageModel.cached_tokens", 1),
    ]


def test_enum_values_and_chunk_kinds_the_spec_does_not_list_are_drift():
    walker = SchemaWalker(SPEC)
    assert walker.walk(_ref("ChatModel"), {**CHAT_BODY, "finish_reason": "guardrail"}, "r") == [
        ("enum_value", "FinishReason", "guardrail")
    ]
    chunk = {"type": "tool_progress", "id": "a", "model": "m"}
    assert walker.walk(_ref("StreamChatChunk"), chunk, "r") == [
        ("enum_value", "StreamChatChunk.type", "tool_progress")
    ]


def test_union_members_are_walked_by_their_discriminator():
    chunk = {"type": "content_chunk", "id": "a", "model": "m", "delta": {"content": "", "text": "Tides"}}
    assert SchemaWalker(SPEC).walk(_ref("StreamChatChunk"), chunk, "r") == [
        ("property", "ContentDelta.text", "Tides")
    ]


def test_nested_unions_reach_the_file_of_a_context_snippet():
    snippet = {
        "type": "text",
        "content": "Tides rise.",
        "score": 0.9,
        "reference": {"type": "pdf", "pages": [1], "file": {"name": "a.pdf", "id": "f1", "owner": "ops"}},
    }
    body = {"snippets": [snippet], "usage": USAGE}
    assert SchemaWalker(SPEC).walk(_ref("ContextModel"), body, "r") == [
        ("property", "AssistantFileModel.owner", "ops")
    ]


def test_tracker_collects_status_codes_headers_and_stream_chunks_with_counts():
    tracker = DriftTracker.from_spec(SPEC)
    tracker.observe(_json("get_assistant", {"error": {"code": "X", "message": "m"}, "status": 418}, 418))
    headers = (
        ("content-type", "application/json"),
        ("Date", "now"),
        ("access-control-allow-origin", "*"),
        ("x-envoy-upstream", "3"),
    )
    tracker.observe(_json("chat_assistant", CHAT_BODY, headers=headers))
    tracker.observe(_json("chat_assistant", CHAT_BODY, headers=headers))
    stream = (
        b'data: {"type":"message_start","id":"a","model":"m","role":"assistant"}\n\n'
        b'data: {"type":"content_chunk","id":"a","model":"m","delta":{"content":"x","tone":""}}\n\n'
        b'data: {"type":"content_chunk","id":"a","model":"m","delta":{"content":"y","tone":"calm"}}\n\n'
    )
    tracker.observe(Exchange("chat_assistant", 200, "text/event-stream", stream))
    found = {(f.kind, f.path): (f.example, f.first_operation, f.count) for f in tracker.sorted_findings()}
    assert found == {
        ("status_code", "get_assistant.responses.418"): (418, "get_assistant", 1),
        ("header", "headers.x-envoy-upstream"): ("3", "chat_assistant", 2),
        ("property", "ContentDelta.tone"): ("calm", "chat_assistant", 1),
    }


def test_a_documented_location_header_is_not_drift_where_it_is_documented():
    tracker = DriftTracker.from_spec(SPEC)
    operation = {
        "id": "op1",
        "operation_type": "upload_file",
        "file_id": "f1",
        "status": "Processing",
        "created_on": "2026-04-02T09:20:11Z",
    }
    tracker.observe(_json("upload_file", operation, 202, headers=(("Location", "/operations/a/op1"),)))
    assert tracker.sorted_findings() == []


def test_drift_checks_fail_under_the_fail_policy_warn_otherwise_and_skip_unseen_operations():
    tracker = DriftTracker.from_spec(SPEC)
    tracker.observe(_json("chat_assistant", {**CHAT_BODY, "extra": 1}))
    tracker.observe(_json("chat_assistant", CHAT_BODY))
    tracker.observe(_json("context_assistant", {"snippets": [], "usage": USAGE}))
    failing = {c.id: c for c in tracker.suite_result(fail=True).checks}
    assert failing["drift.chat_assistant.nothing_undocumented"].status is Status.FAIL
    assert (
        failing["drift.chat_assistant.nothing_undocumented"].cases,
        failing["drift.chat_assistant.nothing_undocumented"].failures,
    ) == (2, 1)
    assert "ChatModel.extra" in failing["drift.chat_assistant.nothing_undocumented"].message
    assert failing["drift.context_assistant.nothing_undocumented"].status is Status.PASS
    assert failing["drift.get_assistant.nothing_undocumented"].status is Status.SKIP
    warning = {c.id: c for c in tracker.suite_result(fail=False).checks}
    assert warning["drift.chat_assistant.nothing_undocumented"].status is Status.WARN


def test_policy_fails_on_the_embedded_endpoint_and_with_strict_only():
    assert policy_for("embedded", strict=False) == "fail"
    assert policy_for("live", strict=False) == "warn"
    assert policy_for("url", strict=False) == "warn"
    assert policy_for("recorded", strict=False) == "warn"
    assert policy_for("live", strict=True) == "fail"


def _report(tmp_path: Path, **changes: object) -> Path:
    data: dict[str, object] = {
        "spec": {"version": "2026-04"},
        "target": {"kind": "live", "base_url": "https://api.pinecone.io/assistant"},
        "drift": {"findings": [{"kind": "property", "path": "ChatModel.old", "example": 1}]},
    }
    data.update(changes)
    path = tmp_path / "earlier.json"
    path.write_text(json.dumps(data))
    return path


def test_compare_reads_the_keys_of_a_matching_report(tmp_path):
    keys = load_previous(_report(tmp_path), spec_version="2026-04", target_kind="live", target_url=None)
    assert keys == {"property ChatModel.old"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"spec": {"version": "2025-10"}}, "same version"),
        ({"target": {"kind": "url", "base_url": "http://x"}}, "same target"),
        ({"drift": None}, "drift section"),
    ],
)
def test_compare_refuses_a_report_it_cannot_compare_with(tmp_path, changes, message):
    with pytest.raises(CompareError, match=message):
        load_previous(
            _report(tmp_path, **changes), spec_version="2026-04", target_kind="live", target_url=None
        )


def test_compare_refuses_a_report_of_another_url(tmp_path):
    path = _report(tmp_path, target={"kind": "url", "base_url": "http://a:1/assistant"})
    assert load_previous(path, spec_version="2026-04", target_kind="url", target_url="http://a:1/")
    with pytest.raises(CompareError, match="same target"):
        load_previous(path, spec_version="2026-04", target_kind="url", target_url="http://b:1")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.json", "no such file"),
        (lambda p: _report(p, spec={"version": "2025-10"}), "same version"),
        (lambda p: _report(p, spec={"version": API_VERSION}), "same target"),
    ],
)
def test_cli_compare_with_bad_input_is_one_line_and_exit_2(tmp_path, capsys, make, message):
    code = main(["run", "--compare", str(make(tmp_path)), "--report-dir", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_undocumented_field_fails_the_embedded_run_and_only_warns_on_a_url_unless_strict(tmp_path):
    fault = "undocumented_chat_field"
    embedded = run(
        RunOptions(suites=("consistency",), fault=fault, seed=1, report_dir=tmp_path / "e", quiet=True)
    )
    assert embedded.exit_code == 1
    assert embedded.report is not None
    failing = [c.id for c in embedded.report.checks if c.status.blocks_release]
    assert failing == ["drift.chat_assistant.nothing_undocumented"]
    assert [f["path"] for f in embedded.report.drift["findings"]] == [f"ChatModel.{UNDOCUMENTED_CHAT_FIELD}"]
    assert "## Drift" in (tmp_path / "e" / "report.md").read_text()
    key = "drift-url-key-13579"
    with running_server(
        api_keys=[key], faults=True, assistant_ready_seconds=0, file_processing_seconds=0
    ) as server:
        common = {"target": server.url, "api_key": key, "suites": ("consistency",), "fault": fault, "seed": 1}
        first = run(RunOptions(**common, report_dir=tmp_path / "u1", quiet=True))
        strict = run(RunOptions(**common, strict=True, report_dir=tmp_path / "u2", quiet=True))
        again = run(
            RunOptions(
                **common, compare=tmp_path / "u1" / "report.json", report_dir=tmp_path / "u3", quiet=True
            )
        )
    assert first.exit_code == 0
    assert first.report is not None
    check = next(c for c in first.report.checks if c.id == "drift.chat_assistant.nothing_undocumented")
    assert check.status is Status.WARN
    assert first.report.drift["policy"] == "warn"
    assert strict.exit_code == 1
    assert again.report is not None
    assert again.report.drift["new"] == 0
    assert [f["new"] for f in again.report.drift["findings"]] == [False]


def test_markdown_marks_new_drift_and_lists_what_is_gone():
    import datetime as dt

    drift = {
        "policy": "warn",
        "strict": False,
        "responses_examined": 4,
        "responses_with_drift": 1,
        "total": 1,
        "findings": [
            {
                "kind": "property",
                "path": "ChatModel.x",
                "example": 1,
                "first_operation": "chat_assistant",
                "count": 1,
                "new": True,
            }
        ],
        "compared_with": "old.json",
        "new": 1,
        "gone": ["property UsageModel.y"],
    }
    report = RunReport("r", dt.datetime.now(dt.UTC), 1.0, {"kind": "live"}, {}, {}, [], [], {}, drift=drift)
    text = render_markdown(report)
    assert "| property | `ChatModel.x` | `1` | chat_assistant | 1 | **new** |" in text
    assert "1 new" in text
    assert "`property UsageModel.y`" in text


def test_cli_hands_strict_and_compare_to_the_run(monkeypatch, tmp_path):
    from assistant_conformance import runner

    seen: list[RunOptions] = []

    def fake_run(options: RunOptions) -> runner.RunOutcome:
        seen.append(options)
        return runner.RunOutcome(0, None)

    monkeypatch.setattr(runner, "run", fake_run)
    earlier = tmp_path / "earlier.json"
    assert main(["run", "--strict", "--compare", str(earlier), "--quiet"]) == 0
    assert (seen[0].strict, seen[0].compare) == (True, earlier)
    assert main(["run", "--quiet"]) == 0
    assert (seen[1].strict, seen[1].compare) == (False, None)
