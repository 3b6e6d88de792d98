"""The runner end to end against the embedded endpoint, with tiny example counts."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from assistant_conformance.cli import main
from assistant_conformance.embedded import running_server
from assistant_conformance.results import Status
from assistant_conformance.runner import RunOptions, run
from pinecone_assistant._constants import API_VERSION

FAST = ("filters", "finish_reason", "streaming")


@pytest.mark.slow
def test_default_suites_pass_against_the_embedded_endpoint(tmp_path):
    outcome = run(RunOptions(seed=3, max_examples=1, report_dir=tmp_path, quiet=True))
    assert outcome.report is not None
    failing = [(c.id, c.message) for c in outcome.report.checks if c.status.blocks_release]
    assert failing == []
    assert outcome.exit_code == 0
    data = json.loads((tmp_path / "report.json").read_text())
    assert {s["name"] for s in data["suites"]} == {
        "requests",
        "filters",
        "finish_reason",
        "streaming",
        "schema",
        "serialization",
        "consistency",
        "drift",
    }
    claims = data["claims"][API_VERSION]
    assert len(claims) == 16
    verdicts = {(op, category): verdict for op, row in claims.items() for category, verdict in row.items()}
    assert len(verdicts) == 16 * 3
    assert set(verdicts.values()) <= {"pass", "not_applicable"}
    assert verdicts[("delete_assistant", "response")] == "not_applicable"
    assert f"## Claims (spec {API_VERSION})" in (tmp_path / "report.md").read_text()
    assert data["drift"]["total"] == 0
    assert data["coverage"]["operations_tested"] == data["coverage"]["operations_total"] == 16
    assert data["coverage"]["chunk_kinds_seen"] == data["coverage"]["chunk_kinds_declared"]
    assert data["spec"]["version"] == API_VERSION
    assert len(data["spec"]["sha256"]) == 64
    assert data["summary"]["pass"] > 300
    for name in ("report.json", "junit.xml", "report.md"):
        text = (tmp_path / name).read_text()
        assert not re.search(r"conformance-[0-9a-f]{24}", text), f"the run's key leaked into {name}"


def test_url_target_goes_through_the_scratch_lifecycle_and_leaves_nothing(tmp_path):
    key = "url-target-key-98765"
    with running_server(api_keys=[key], assistant_ready_seconds=0, file_processing_seconds=0) as server:
        outcome = run(
            RunOptions(
                target=server.url,
                api_key=key,
                suites=FAST,
                seed=5,
                max_examples=2,
                report_dir=tmp_path,
                quiet=True,
            )
        )
        left = httpx.get(f"{server.assistant_url}/assistants", headers={"Api-Key": key}).json()["assistants"]
    assert outcome.exit_code == 0
    assert outcome.report is not None
    assert outcome.report.target["kind"] == "url"
    assert left == []
    assert key not in (tmp_path / "report.json").read_text()


def test_listed_check_that_passes_makes_the_run_fail_as_stale(tmp_path):
    baseline = tmp_path / "baseline.yml"
    baseline.write_text(
        "known_failures:\n  - id: filters.valid.overlay_accepts\n    reason: pretend it was broken\n"
    )
    outcome = run(
        RunOptions(
            suites=("filters",), seed=1, max_examples=2, baseline=baseline, report_dir=tmp_path, quiet=True
        )
    )
    assert outcome.exit_code == 1
    assert outcome.report is not None
    assert [c.id for c in outcome.report.checks if c.status is Status.STALE] == [
        "baseline.filters.valid.overlay_accepts"
    ]


def test_known_failures_alone_exit_zero_and_new_ones_exit_one(tmp_path):
    baseline = tmp_path / "baseline.yml"
    baseline.write_text(
        "known_failures:\n  - id: filters.semantics.*\n    reason: filters are ignored by this endpoint\n"
    )
    known = run(
        RunOptions(
            suites=("filters",),
            seed=1,
            max_examples=2,
            fault="filters_ignored",
            baseline=baseline,
            report_dir=tmp_path,
            quiet=True,
        )
    )
    assert known.exit_code == 0
    assert known.report is not None
    assert any(c.status is Status.XFAIL for c in known.report.checks)
    new = run(
        RunOptions(
            suites=("filters",),
            seed=1,
            max_examples=2,
            fault="filters_ignored",
            report_dir=tmp_path,
            quiet=True,
        )
    )
    assert new.exit_code == 1
    failure = next(c for c in new.report.checks if c.status is Status.FAIL)
    assert failure.reproduction is not None
    assert failure.reproduction.seed == 1
    assert "Hypothesis seed: `1`" in (tmp_path / "report.md").read_text()


def test_cli_refuses_a_live_run_without_a_key(monkeypatch, capsys):
    monkeypatch.delenv("PINECONE_API_KEY", raising=False)
    assert main(["run", "--target", "live", "--quiet"]) == 2
    assert "PINECONE_API_KEY" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--target", "ftp://x"], "--target must be"),
        (["run", "--target", "recorded"], "--cassettes"),
        (["run", "--max-examples", "0"], "at least 1"),
    ],
)
def test_cli_explains_bad_arguments(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_unknown_operation_filter_is_reported(tmp_path):
    outcome = run(
        RunOptions(
            suites=("schema",), operations=("no_such_op",), max_examples=1, report_dir=tmp_path, quiet=True
        )
    )
    assert outcome.exit_code == 1
    assert outcome.report is not None
    assert "no_such_op" in outcome.report.checks[0].message


def test_live_code_path_runs_against_hosts_given_on_the_command_line(tmp_path, monkeypatch):
    # The live target with its hosts pointed at an embedded endpoint: the key comes from the
    # environment, the data plane from the scratch assistant's host, and everything is deleted.
    key = "live-path-key-24680"
    monkeypatch.setenv("PINECONE_API_KEY", key)
    with running_server(api_keys=[key], assistant_ready_seconds=0, file_processing_seconds=0) as server:
        outcome = run(
            RunOptions(
                target="live",
                control_url=server.url,
                evaluation_url=server.url,
                suites=FAST,
                seed=4,
                max_examples=2,
                report_dir=tmp_path,
                quiet=True,
            )
        )
        left = httpx.get(f"{server.assistant_url}/assistants", headers={"Api-Key": key}).json()["assistants"]
    assert outcome.exit_code == 0
    assert outcome.report is not None
    assert outcome.report.target["kind"] == "live"
    assert outcome.report.target["planes"]["data"] == f"{server.url}/assistant"
    assert left == []
    assert key not in (tmp_path / "report.md").read_text()
