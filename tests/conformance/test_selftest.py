"""The selftest: a fault of the catalog is detected, the faithful endpoint passes, both are reported."""

from __future__ import annotations

import json

import pytest
from assistant_conformance.selftest import NOT_VIOLATIONS, fault_catalog, selftest


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
