"""Claims: the denominator comes from the spec, and only a passing check with a judged case makes one."""

from __future__ import annotations

from assistant_conformance.claims import (
    EXIT_INCOMPLETE_CLAIMS,
    compute,
    incomplete,
    render_markdown,
    success_schemas,
    to_json,
)
from assistant_conformance.context import load_spec
from assistant_conformance.coverage import declared_operations
from assistant_conformance.results import CheckResult, Status


def _spec(version: str = "2026-04"):
    return load_spec(version)[1]


def _passing(*ids: str) -> list[CheckResult]:
    return [CheckResult(id=i, suite=i.split(".")[0], status=Status.PASS, cases=1) for i in ids]


def _coverage(op: str, seen: list[int]) -> dict:
    return {"operations": {op: {"status_codes_declared": ["200", "400", "404"], "status_codes_seen": seen}}}


def test_every_operation_of_every_version_is_in_the_denominator():
    for version, count in (("2026-04", 16), ("2025-10", 13)):
        spec = _spec(version)
        made = compute(spec, [], {}, ["requests", "serialization", "schema"])
        assert list(made) == [op.operation_id for op in declared_operations(spec)]
        assert len(made) == count
        assert all(set(row) == {"request", "response", "error"} for row in made.values())


def test_without_checks_every_claim_is_missing_and_says_why():
    made = compute(_spec(), [], {}, ["requests", "serialization", "schema"])
    assert made["chat_assistant"]["request"].verdict == "missing"
    assert "requests.chat_assistant.wire_request did not run" in made["chat_assistant"]["request"].reason
    assert made["delete_assistant"]["response"].verdict == "not_applicable"
    assert len(incomplete(made)) == 16 * 3 - 1
    assert EXIT_INCOMPLETE_CLAIMS == 3


def test_a_check_that_judged_no_case_makes_no_claim():
    idle = CheckResult(
        id="requests.chat_assistant.wire_request", suite="requests", status=Status.PASS, cases=0
    )
    made = compute(_spec(), [idle], {}, ["requests"], ["chat_assistant"])
    assert made["chat_assistant"]["request"].verdict == "missing"


def test_a_failing_check_fails_the_claim():
    failing = CheckResult(
        id="requests.chat_assistant.wire_request", suite="requests", status=Status.FAIL, cases=1
    )
    made = compute(_spec(), [failing], {}, ["requests"], ["chat_assistant"])
    assert made["chat_assistant"]["request"].verdict == "fail"


def test_error_claim_needs_a_documented_4xx_seen():
    checks = _passing(
        "schema.chat_assistant.response_schema_conformance",
        "schema.chat_assistant.status_code_conformance",
        "schema.chat_assistant.envelope_status_matches_http",
    )
    only_200 = compute(_spec(), checks, _coverage("chat_assistant", [200]), ["schema"], ["chat_assistant"])
    assert only_200["chat_assistant"]["error"].verdict == "missing"
    with_400 = compute(
        _spec(), checks, _coverage("chat_assistant", [200, 400]), ["schema"], ["chat_assistant"]
    )
    assert with_400["chat_assistant"]["error"].verdict == "pass"


def test_response_claim_needs_the_success_schema_to_round_trip_both_ways():
    assert success_schemas(_spec())["chat_assistant"] == ["ChatModel", "StreamChatChunk"]
    half = _passing(
        "serialization.generated.ChatModel.attrs_roundtrip",
        "serialization.generated.ChatModel.oracle_agrees",
        "serialization.generated.StreamChatChunk.attrs_roundtrip",
    )
    made = compute(_spec(), half, {}, ["serialization"], ["chat_assistant"])
    assert made["chat_assistant"]["response"].verdict == "missing"
    full = [*half, *_passing("serialization.generated.StreamChatChunk.oracle_agrees")]
    made = compute(_spec(), full, {}, ["serialization"], ["chat_assistant"])
    assert made["chat_assistant"]["response"].verdict == "pass"


def test_suite_selection_limits_the_categories_and_the_report_shows_a_table():
    made = compute(_spec(), [], {}, ["requests"])
    assert all(set(row) == {"request"} for row in made.values())
    section = to_json("2026-04", made)
    assert section["2026-04"]["chat_assistant"] == {"request": "missing"}
    text = "\n".join(render_markdown(section))
    assert "| operation | request |" in text
    assert "| chat_assistant | missing |" in text
