"""Writes report.json, junit.xml and report.md into the report directory.

Every text written goes through :func:`assistant_conformance.redact.redact_text` with the run's
secrets, so the API key cannot leak into a report even through an echoed request.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant_conformance.redact import redact_text, scrub_key_assignments
from assistant_conformance.results import CheckResult, Status, SuiteResult

_SUMMARY_KEYS = ("pass", "fail", "xfail", "stale", "warn", "skip", "not_recorded")


@dataclass
class RunReport:
    """Everything one run produced."""

    run_id: str
    started_at: dt.datetime
    duration_s: float
    target: dict[str, Any]
    spec: dict[str, Any]
    client: dict[str, Any]
    suites: list[SuiteResult]
    checks: list[CheckResult]
    coverage: dict[str, Any]
    seed: int | None = None
    exit_code: int = 0
    baseline: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: What responses carried beyond the spec (see :mod:`assistant_conformance.drift`).
    drift: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        counts: dict[str, Any] = dict.fromkeys(_SUMMARY_KEYS, 0)
        for check in self.checks:
            counts[check.status.value] = counts.get(check.status.value, 0) + 1
        decided = counts["pass"] + counts["fail"] + counts["xfail"] + counts["stale"] + counts["not_recorded"]
        counts["total"] = len(self.checks)
        counts["pass_rate"] = round(counts["pass"] / decided, 4) if decided else 0.0
        counts["exit_code"] = self.exit_code
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "duration_ms": round(self.duration_s * 1000.0),
            "seed": self.seed,
            "target": self.target,
            "spec": self.spec,
            "client": self.client,
            "summary": self.summary(),
            "suites": [
                {
                    "name": s.name,
                    "duration_ms": round(s.duration_s * 1000.0),
                    "counts": s.counts(),
                    "error": s.error,
                }
                for s in self.suites
            ],
            "coverage": self.coverage,
            "baseline": self.baseline,
            "notes": self.notes,
            "drift": self.drift,
            "checks": [c.to_dict() for c in self.checks],
        }


def write_reports(
    report: RunReport, directory: str | Path, *, secrets: Iterable[str] = ()
) -> dict[str, Path]:
    """Write the three report files; returns their paths by kind."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    secrets = list(secrets)

    def clean(text: str) -> str:
        return scrub_key_assignments(redact_text(text, secrets))

    paths = {"json": out / "report.json", "junit": out / "junit.xml", "md": out / "report.md"}
    paths["json"].write_text(
        clean(json.dumps(report.to_dict(), indent=2, default=str)) + "\n", encoding="utf-8"
    )
    paths["junit"].write_text(clean(render_junit(report)), encoding="utf-8")
    paths["md"].write_text(clean(render_markdown(report)), encoding="utf-8")
    return paths


def render_junit(report: RunReport) -> str:
    """JUnit XML: one testsuite per suite, one testcase per check."""
    root = ET.Element("testsuites", name="assistant-conformance", time=f"{report.duration_s:.3f}")
    by_suite: dict[str, list[CheckResult]] = {}
    for check in report.checks:
        by_suite.setdefault(check.suite, []).append(check)
    for suite_name, checks in by_suite.items():
        failures = sum(1 for c in checks if c.status in {Status.FAIL, Status.STALE, Status.NOT_RECORDED})
        skipped = sum(1 for c in checks if c.status in {Status.SKIP, Status.XFAIL})
        suite_el = ET.SubElement(
            root,
            "testsuite",
            name=suite_name,
            tests=str(len(checks)),
            failures=str(failures),
            errors="0",
            skipped=str(skipped),
            time=f"{sum(c.duration_ms for c in checks) / 1000.0:.3f}",
        )
        for check in checks:
            classname, _, name = check.id.rpartition(".")
            case = ET.SubElement(
                suite_el,
                "testcase",
                classname=classname or suite_name,
                name=name,
                time=f"{check.duration_ms / 1000.0:.3f}",
            )
            if check.status in {Status.FAIL, Status.STALE, Status.NOT_RECORDED}:
                failure = ET.SubElement(case, "failure", message=check.message[:500], type=check.status.value)
                failure.text = _failure_text(check)
            elif check.status is Status.XFAIL:
                ET.SubElement(case, "skipped", message=f"known failure: {check.baseline_reason}")
            elif check.status is Status.SKIP:
                ET.SubElement(case, "skipped", message=check.message or "not exercised")
            elif check.status is Status.WARN:
                out = ET.SubElement(case, "system-out")
                out.text = f"warning: {check.message}"
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _failure_text(check: CheckResult) -> str:
    lines = [check.message]
    if check.cases:
        lines.append(f"{check.failures} of {check.cases} cases failed")
    if check.details:
        lines.append(json.dumps(check.details, indent=2, default=str))
    if check.reproduction is not None:
        if check.reproduction.curl:
            lines.append("Reproduce: " + check.reproduction.curl)
        if check.reproduction.seed is not None:
            lines.append(f"Hypothesis seed: {check.reproduction.seed}")
        if check.reproduction.example is not None:
            lines.append("Example: " + json.dumps(check.reproduction.example, default=str)[:2000])
    return "\n".join(lines)


_ICON = {
    Status.PASS: "pass",
    Status.FAIL: "**FAIL**",
    Status.XFAIL: "xfail",
    Status.STALE: "**STALE**",
    Status.WARN: "warn",
    Status.SKIP: "skip",
    Status.NOT_RECORDED: "**not recorded**",
}


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: RunReport) -> str:
    """report.md: header, summary, coverage, a table per suite, then every failure in detail."""
    summary = report.summary()
    cov = report.coverage
    lines = [
        "# Assistant API conformance report",
        "",
        f"- Target: `{report.target.get('kind')}` {report.target.get('base_url') or ''}".rstrip(),
        f"- Spec: {report.spec.get('version')} (`{report.spec.get('path')}`, sha256 "
        f"`{str(report.spec.get('sha256', ''))[:16]}`)",
        f"- Client: {report.client.get('package')} {report.client.get('version')}",
        f"- Seed: {report.seed}",
        f"- Started: {report.started_at.isoformat()}, took {report.duration_s:.1f} s",
        f"- Exit code: {report.exit_code}",
        "",
        "## Summary",
        "",
        "| " + " | ".join(_SUMMARY_KEYS) + " | pass rate |",
        "|" + "---|" * (len(_SUMMARY_KEYS) + 1),
        "| " + " | ".join(str(summary[k]) for k in _SUMMARY_KEYS) + f" | {summary['pass_rate']:.1%} |",
        "",
    ]
    if cov:
        lines += [
            "## Coverage",
            "",
            f"- Operations: {cov.get('operations_tested')}/{cov.get('operations_total')}",
            "- Documented status codes seen: "
            f"{cov.get('status_codes_seen')}/{cov.get('status_codes_declared')}",
            f"- Stream chunk kinds seen: {cov.get('chunk_kinds_seen')}/{cov.get('chunk_kinds_declared')}",
        ]
        if cov.get("status_codes_undeclared"):
            lines.append("- Undocumented status codes answered: " + ", ".join(cov["status_codes_undeclared"]))
        lines += [
            "",
            "| operation | status codes seen | declared | chunk kinds seen | declared |",
            "|---|---|---|---|---|",
        ]
        for op_id, entry in (cov.get("operations") or {}).items():
            lines.append(
                f"| {op_id} | {', '.join(map(str, entry.get('status_codes_seen', []))) or '-'} "
                f"| {', '.join(entry.get('status_codes_declared', []))} "
                f"| {', '.join(entry.get('chunk_kinds_seen', [])) or '-'} "
                f"| {', '.join(entry.get('chunk_kinds_declared', [])) or '-'} |"
            )
        lines.append("")
    by_suite: dict[str, list[CheckResult]] = {}
    for check in report.checks:
        by_suite.setdefault(check.suite, []).append(check)
    for suite_name, checks in by_suite.items():
        lines += [
            f"## Suite `{suite_name}`",
            "",
            "| check | status | cases | failures | message |",
            "|---|---|---|---|---|",
        ]
        for check in checks:
            lines.append(
                f"| `{check.id}` | {_ICON[check.status]} | {check.cases} | {check.failures} "
                f"| {_md_cell(check.message[:200])} |"
            )
        lines.append("")
    failing = [
        c for c in report.checks if c.status in {Status.FAIL, Status.STALE, Status.NOT_RECORDED, Status.XFAIL}
    ]
    if failing:
        lines += ["## Failures", ""]
        for check in failing:
            lines += [f"### `{check.id}` ({check.status.value})", "", check.message, ""]
            if check.baseline_reason:
                lines += [f"Baseline reason: {check.baseline_reason}", ""]
            if check.details:
                lines += ["```json", json.dumps(check.details, indent=2, default=str)[:4000], "```", ""]
            repro = check.reproduction
            if repro is not None and repro.curl:
                lines += ["Reproduce (set `PINECONE_API_KEY` first):", "", "```bash", repro.curl, "```", ""]
            if repro is not None and repro.seed is not None:
                lines += [f"Hypothesis seed: `{repro.seed}` (rerun with `--seed {repro.seed}`)", ""]
            if repro is not None and repro.example is not None:
                lines += [
                    "Falsifying example:",
                    "",
                    "```json",
                    json.dumps(repro.example, indent=2, default=str)[:4000],
                    "```",
                    "",
                ]
    lines += render_drift(report.drift)
    if report.notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in report.notes] + [""]
    return "\n".join(lines)


def render_drift(section: dict[str, Any]) -> list[str]:
    """The drift section of report.md: one row per undocumented thing."""
    if not section:
        return []
    verdict = "fail the run" if section.get("policy") == "fail" else "are warnings (`--strict` fails on them)"
    lines = ["## Drift", ""]
    examined = section.get("responses_examined", 0)
    if not section.get("total"):
        return [*lines, f"Nothing undocumented in {examined} responses.", ""]
    compared = section.get("compared_with")
    lines += [
        f"{section['total']} undocumented things in {section.get('responses_with_drift')} of {examined} "
        f"responses; they {verdict}."
        + (f" Compared with `{compared}`: {section.get('new', 0)} new." if compared else ""),
        "",
        "| kind | path | example | first operation | responses |" + (" new |" if compared else ""),
        "|---|---|---|---|---|" + ("---|" if compared else ""),
    ]
    for item in section.get("findings") or []:
        example = json.dumps(item.get("example"), default=str)
        row = (
            f"| {item.get('kind')} | `{_md_cell(str(item.get('path')))}` | `{_md_cell(example[:120])}` "
            f"| {item.get('first_operation')} | {item.get('count')} |"
        )
        if compared:
            row += " **new** |" if item.get("new") else " |"
        lines.append(row)
    if section.get("gone"):
        lines += ["", "Gone since the earlier report: " + ", ".join(f"`{k}`" for k in section["gone"])]
    return [*lines, ""]


def render_terminal_table(checks: list[CheckResult], suites: list[SuiteResult]) -> str:
    """The summary table printed at the end of a run: one row per suite."""
    header = (
        f"{'suite':<15}{'pass':>6}{'fail':>6}{'xfail':>7}{'stale':>7}"
        f"{'warn':>6}{'skip':>6}{'n/rec':>7}{'time':>9}"
    )
    rows = [header, "-" * len(header)]
    by_suite: dict[str, list[CheckResult]] = {}
    for check in checks:
        by_suite.setdefault(check.suite, []).append(check)
    durations = {s.name: s.duration_s for s in suites}
    for name, items in by_suite.items():
        counts = {status: sum(1 for c in items if c.status is status) for status in Status}
        rows.append(
            f"{name:<15}{counts[Status.PASS]:>6}{counts[Status.FAIL]:>6}{counts[Status.XFAIL]:>7}"
            f"{counts[Status.STALE]:>7}{counts[Status.WARN]:>6}{counts[Status.SKIP]:>6}"
            f"{counts[Status.NOT_RECORDED]:>7}{durations.get(name, 0.0):>8.1f}s"
        )
    return "\n".join(rows)
