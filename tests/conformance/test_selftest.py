"""The selftest: a fault of the catalog is detected, the faithful endpoint passes, both are reported."""

from __future__ import annotations

import json

import pytest
from assistant_conformance.runner import SUITE_ORDER
from assistant_conformance.selftest import EXPECTED_CHECKS, NOT_VIOLATIONS, fault_catalog, scope, selftest


def test_catalog_has_at_least_twenty_spec_violations_and_excludes_documented_behaviour():
    catalog = fault_catalog()
    assert len(catalog) >= 20
    assert not set(catalog) & set(NOT_VIOLATIONS)


def test_a_fault_is_detected_and_the_faithful_runs_pass(tmp_path):
    summary = selftest(
        report_dir=tmp_path,
        seed=2,
        max_examples=2,
        faithful_runs=1,
        faults=["cut_stream"],
        suites=("finish_reason", "streaming"),
        jobs=1,
        progress=lambda message: None,
    )
    assert summary["faults_detected"] == summary["faults_total"] == 1
    assert summary["faithful_runs_failed"] == 0
    detected_by = summary["faults"][0]["detected_by"]
    assert "streaming.chat.overlay_reads_target_stream" in detected_by
    written = json.loads((tmp_path / "selftest.json").read_text())
    assert written["detection_rate"] == 1.0
    assert "| `cut_stream` |" in (tmp_path / "selftest.md").read_text()


def test_unknown_fault_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown or excluded"):
        selftest(report_dir=tmp_path, faults=["slow_chunks"], faithful_runs=0, progress=lambda m: None)


def test_every_fault_of_the_catalog_names_the_checks_meant_to_catch_it():
    assert set(fault_catalog()) == set(EXPECTED_CHECKS)
    for patterns in EXPECTED_CHECKS.values():
        assert patterns
        assert all(p.split(".", 1)[0] in {*SUITE_ORDER, "drift"} for p in patterns)


def test_a_fault_run_is_limited_to_the_suites_and_operations_of_its_expected_checks():
    assert scope(("schema.chat_assistant.valid_request_succeeds",)) == (("schema",), ("chat_assistant",))
    assert scope(("filters.semantics.*",)) == (("filters",), ())
    assert scope(("streaming.*", "schema.*.stream_chunk_order")) == (("streaming", "schema"), ())
    assert scope(("drift.chat_assistant.nothing_undocumented",)) == (("schema",), ("chat_assistant",))


@pytest.mark.slow
def test_only_an_expected_check_counts_as_a_detection_and_crashes_never_do(tmp_path, monkeypatch):
    from assistant_conformance import selftest as module

    monkeypatch.setitem(module.EXPECTED_CHECKS, "cut_stream", ("serialization.no_such_check",))
    summary = selftest(
        report_dir=tmp_path,
        seed=2,
        max_examples=1,
        faithful_runs=0,
        faults=["cut_stream"],
        suites=("finish_reason", "streaming", "serialization"),
        jobs=1,
        progress=lambda message: None,
    )
    fault = summary["faults"][0]
    assert fault["detected"] is False
    assert summary["faults_detected"] == 0
    assert fault["unexpected"] == []  # its run had only the serialization suite: nothing else could fail


def test_also_caught_by_names_catalog_faults_and_never_repeats_their_expected_checks():
    from assistant_conformance.selftest import ALSO_CAUGHT_BY, EXPECTED_CHECKS, fault_catalog

    catalog = fault_catalog()
    for name, patterns in ALSO_CAUGHT_BY.items():
        assert name in catalog, name
        assert not set(patterns) & set(EXPECTED_CHECKS[name]), name
