"""Baseline rules: known failures exit 0, new failures exit 1, listed checks that pass are stale."""

from __future__ import annotations

import pytest
from assistant_conformance.baseline import Baseline, BaselineError, apply
from assistant_conformance.results import CheckResult, Status


def _check(check_id: str, status: Status) -> CheckResult:
    return CheckResult(id=check_id, suite=check_id.split(".", maxsplit=1)[0], status=status)


BASELINE = """
known_failures:
  - id: schema.chat_assistant.negative_data_rejection
    reason: the service answers 422 where the spec lists 400
    issue: https://example.invalid/1
  - id: filters.semantics.*
    reason: list files ignores $nin on this target
    targets: [live]
"""


def test_known_failure_alone_exits_zero_and_is_marked_xfail():
    baseline = Baseline.parse(BASELINE)
    checks = [
        _check("schema.chat_assistant.negative_data_rejection", Status.FAIL),
        _check("schema.chat_assistant.not_a_server_error", Status.PASS),
    ]
    applied = apply(baseline, checks, target_kind="embedded", spec_version="2026-04")
    assert applied.exit_code == 0
    assert applied.checks[0].status is Status.XFAIL
    assert applied.checks[0].baseline_reason == "the service answers 422 where the spec lists 400"


def test_new_failure_exits_one_even_next_to_known_failures():
    baseline = Baseline.parse(BASELINE)
    checks = [
        _check("schema.chat_assistant.negative_data_rejection", Status.FAIL),
        _check("schema.list_files.response_schema_conformance", Status.FAIL),
    ]
    applied = apply(baseline, checks, target_kind="embedded", spec_version="2026-04")
    assert applied.exit_code == 1
    assert applied.checks[1].status is Status.FAIL


def test_listed_failure_that_now_passes_is_stale_and_exits_one():
    baseline = Baseline.parse(BASELINE)
    checks = [_check("schema.chat_assistant.negative_data_rejection", Status.PASS)]
    applied = apply(baseline, checks, target_kind="embedded", spec_version="2026-04")
    assert applied.exit_code == 1
    assert [e.id for e in applied.stale] == ["schema.chat_assistant.negative_data_rejection"]
    stale = [c for c in applied.checks if c.status is Status.STALE]
    assert len(stale) == 1
    assert "remove the entry" in stale[0].message


def test_entry_whose_checks_did_not_run_is_unused_not_stale():
    baseline = Baseline.parse(BASELINE)
    applied = apply(
        baseline, [_check("streaming.chat.same_answer", Status.PASS)], target_kind="live", spec_version="x"
    )
    assert applied.exit_code == 0
    assert {e.id for e in applied.unused} == {
        "schema.chat_assistant.negative_data_rejection",
        "filters.semantics.*",
    }


def test_pattern_entry_scoped_to_a_target_applies_only_there():
    baseline = Baseline.parse(BASELINE)
    failing = _check("filters.semantics.nin_complement", Status.FAIL)
    on_embedded = apply(baseline, [failing], target_kind="embedded", spec_version="2026-04")
    assert on_embedded.exit_code == 1
    failing_live = _check("filters.semantics.nin_complement", Status.FAIL)
    on_live = apply(baseline, [failing_live], target_kind="live", spec_version="2026-04")
    assert on_live.exit_code == 0
    assert failing_live.status is Status.XFAIL


def test_pattern_entry_is_not_stale_while_one_matching_check_still_fails():
    baseline = Baseline.parse(BASELINE)
    checks = [
        _check("filters.semantics.nin_complement", Status.FAIL),
        _check("filters.semantics.in_equals_or", Status.PASS),
    ]
    applied = apply(baseline, checks, target_kind="live", spec_version="2026-04")
    assert applied.exit_code == 0
    assert applied.stale == []


def test_not_recorded_blocks_the_run_even_without_failures():
    applied = apply(
        Baseline(),
        [_check("schema.list_files.x", Status.NOT_RECORDED)],
        target_kind="recorded",
        spec_version="v",
    )
    assert applied.exit_code == 1


def test_missing_baseline_file_is_empty(tmp_path):
    assert Baseline.load(tmp_path / "absent.yml").entries == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("known_failures:\n  - id: a.b.c\n", "needs a 'reason'"),
        ("known_failures:\n  - reason: x\n", "non-empty string 'id'"),
        ("known_failures:\n  - id: a\n    reason: x\n    colour: red\n", "unknown keys ['colour']"),
        ("known_failures: {a: 1}\n", "must be a list"),
        ("known_failures:\n  - {id: a, reason: x}\n  - {id: a, reason: y}\n", "listed twice"),
        ("- 1\n", "mapping"),
    ],
)
def test_malformed_baseline_is_rejected_with_a_fix(text, fragment):
    with pytest.raises(BaselineError) as info:
        Baseline.parse(text)
    assert fragment in str(info.value)


def test_intermittent_entry_that_passes_is_not_stale():
    baseline = Baseline.parse(
        "known_failures:\n  - id: schema.describe_file.negative_data_rejection\n"
        "    reason: found only when an invalid include_url is drawn\n    intermittent: true\n"
    )
    passing = apply(
        baseline,
        [_check("schema.describe_file.negative_data_rejection", Status.PASS)],
        target_kind="embedded",
        spec_version="2026-04",
    )
    assert passing.exit_code == 0
    assert passing.stale == []
    assert [e.id for e in passing.unused] == ["schema.describe_file.negative_data_rejection"]
    failing = _check("schema.describe_file.negative_data_rejection", Status.FAIL)
    assert apply(baseline, [failing], target_kind="embedded", spec_version="2026-04").exit_code == 0
    assert failing.status is Status.XFAIL


def test_intermittent_must_be_a_boolean():
    with pytest.raises(BaselineError, match="intermittent must be true or false"):
        Baseline.parse("known_failures:\n  - {id: a, reason: b, intermittent: sometimes}\n")
