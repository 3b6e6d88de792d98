"""report.json / junit.xml / report.md contents and coverage computation."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

from assistant_conformance.coverage import CoverageTracker, chunk_kind, declared_operations
from assistant_conformance.report import RunReport, render_terminal_table, write_reports
from assistant_conformance.results import CheckCollector, CheckResult, Reproduction, Status, SuiteResult

KEY = "fake_key_do_not_leak_0123456789"

SPEC = {
    "openapi": "3.1.0",
    "paths": {
        "/chat/{name}": {
            "post": {
                "operationId": "chat_assistant",
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "text/event-stream": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "data": {
                                            "type": "string",
                                            "contentMediaType": "application/json",
                                            "contentSchema": {"$ref": "#/components/schemas/Chunk"},
                                        }
                                    },
                                }
                            },
                        }
                    },
                    "400": {"$ref": "#/components/responses/Err"},
                    "4XX": {"description": "x"},
                },
            }
        },
        "/files/{name}": {"get": {"operationId": "list_files", "responses": {"200": {}, "404": {}}}},
        "/c/{name}": {
            "post": {
                "operationId": "chat_completion_assistant",
                "responses": {
                    "200": {
                        "content": {
                            "text/event-stream": {
                                "schema": {
                                    "properties": {
                                        "data": {"contentSchema": {"$ref": "#/components/schemas/Completion"}}
                                    }
                                }
                            }
                        }
                    }
                },
            }
        },
    },
    "components": {
        "responses": {"Err": {"description": "e"}},
        "schemas": {
            "Chunk": {
                "oneOf": [{"$ref": "#/components/schemas/Start"}, {"$ref": "#/components/schemas/End"}]
            },
            "Start": {"properties": {"type": {"type": "string", "enum": ["message_start"]}}},
            "End": {"properties": {"type": {"const": "message_end"}}},
            "Completion": {"properties": {"choices": {"type": "array"}}},
        },
    },
}


def test_declared_operations_read_statuses_and_chunk_kinds():
    ops = {op.operation_id: op for op in declared_operations(SPEC)}
    assert ops["chat_assistant"].statuses == ("200", "400", "4XX")
    assert ops["chat_assistant"].chunk_kinds == ("message_start", "message_end")
    assert ops["chat_completion_assistant"].chunk_kinds == ("role", "content", "finish_reason")
    assert ops["list_files"].chunk_kinds == ()


def test_chunk_kind_of_completion_chunks():
    assert chunk_kind({"choices": [{"delta": {"role": "assistant"}}]}) == ["role"]
    assert chunk_kind({"choices": [{"delta": {"content": "x"}, "finish_reason": "stop"}]}) == [
        "content",
        "finish_reason",
    ]
    assert chunk_kind({"type": "citation"}) == ["citation"]
    assert chunk_kind("[DONE]") == []


def test_coverage_counts_seen_against_declared_and_lists_undeclared_codes():
    tracker = CoverageTracker.from_spec(SPEC)
    tracker.record("chat_assistant", 200, [{"type": "message_start"}, {"type": "message_end"}])
    tracker.record("chat_assistant", 418)  # covered by 4XX
    tracker.record("list_files", 200)
    tracker.record("list_files", 500)  # not documented
    cov = tracker.summary()
    assert cov["operations_tested"] == 2
    assert cov["operations_total"] == 3
    assert cov["status_codes_declared"] == 6
    assert cov["status_codes_seen"] == 3  # 200 + 4XX of chat, 200 of list_files
    assert cov["status_codes_undeclared"] == ["list_files:500"]
    assert cov["chunk_kinds_seen"] == 2
    assert cov["chunk_kinds_declared"] == 5
    assert cov["operations"]["chat_assistant"]["chunk_kinds_seen"] == ["message_end", "message_start"]


def test_collector_reports_unexercised_checks_as_skip_not_pass():
    collector = CheckCollector("schema")
    collector.declare("chat_assistant.chunk_order")
    collector.passed("list_files.status_code_conformance", 3)
    results = {r.id: r for r in collector.results()}
    assert results["schema.chat_assistant.chunk_order"].status is Status.SKIP
    assert results["schema.list_files.status_code_conformance"].status is Status.PASS
    assert results["schema.list_files.status_code_conformance"].cases == 3


def test_collector_keeps_the_first_failure_and_counts_all():
    collector = CheckCollector("filters")
    collector.passed("agree")
    collector.failed("agree", "first", reproduction=Reproduction(seed=7))
    collector.failed("agree", "second")
    (result,) = collector.results()
    assert result.status is Status.FAIL
    assert result.message == "first"
    assert (result.cases, result.failures) == (3, 2)
    assert result.reproduction is not None
    assert result.reproduction.seed == 7


def _report() -> RunReport:
    checks = [
        CheckResult("schema.chat_assistant.not_a_server_error", "schema", Status.PASS, cases=10),
        CheckResult(
            "schema.chat_assistant.envelope_status",
            "schema",
            Status.FAIL,
            message="error.status=500 != HTTP 400",
            cases=4,
            failures=1,
            reproduction=Reproduction(curl=f'curl -X POST -H "Api-Key: {KEY}" http://x/chat/a'),
        ),
        CheckResult(
            "filters.semantics.in_equals_or",
            "filters",
            Status.FAIL,
            message="differ",
            reproduction=Reproduction(seed=42),
        ),
        CheckResult("streaming.chat.same_answer", "streaming", Status.XFAIL, baseline_reason="known"),
        CheckResult("baseline.x", "baseline", Status.STALE, message="passes now"),
    ]
    tracker = CoverageTracker.from_spec(SPEC)
    tracker.record("list_files", 200)
    return RunReport(
        run_id="r1",
        started_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        duration_s=1.5,
        target={"kind": "embedded", "base_url": "http://127.0.0.1:1/assistant"},
        spec={"version": "2026-04", "path": "spec/2026-04/openapi.yaml", "sha256": "ab" * 32},
        client={"package": "pinecone_assistant", "version": "0.1.0"},
        suites=[SuiteResult("schema", checks[:2], 1.0), SuiteResult("filters", checks[2:3], 0.5)],
        checks=checks,
        coverage=tracker.summary(),
        seed=42,
        exit_code=1,
    )


def test_reports_are_written_with_the_key_redacted(tmp_path):
    paths = write_reports(_report(), tmp_path, secrets=[KEY])
    for path in paths.values():
        assert KEY not in path.read_text()
    data = json.loads(paths["json"].read_text())
    assert data["summary"]["pass"] == 1
    assert data["summary"]["fail"] == 2
    assert data["summary"]["stale"] == 1
    assert data["summary"]["exit_code"] == 1
    assert data["spec"]["sha256"] == "ab" * 32
    assert data["coverage"]["operations_tested"] == 1
    assert data["target"]["kind"] == "embedded"


def test_key_is_redacted_even_when_the_secret_list_is_empty(tmp_path):
    paths = write_reports(_report(), tmp_path, secrets=[])
    assert KEY not in paths["md"].read_text()


def test_junit_marks_failures_stale_and_xfail(tmp_path):
    paths = write_reports(_report(), tmp_path)
    root = ET.fromstring(paths["junit"].read_text())
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert suites["schema"].get("failures") == "1"
    assert suites["baseline"].get("failures") == "1"
    assert suites["streaming"].get("skipped") == "1"
    failure = next(iter(suites["schema"].iter("failure")))
    assert "Reproduce:" in (failure.text or "")


def test_markdown_has_a_table_per_suite_and_reproducers(tmp_path):
    text = write_reports(_report(), tmp_path)["md"].read_text()
    for suite in ("schema", "filters", "streaming", "baseline"):
        assert f"## Suite `{suite}`" in text
    assert "```bash\ncurl -X POST" in text
    assert "Hypothesis seed: `42`" in text
    assert "Baseline reason: known" in text


def test_terminal_table_has_a_row_per_suite():
    report = _report()
    table = render_terminal_table(report.checks, report.suites)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["suite", "pass", "fail"]
    assert any(line.startswith("schema") and line.split()[1:3] == ["1", "1"] for line in lines)
