"""Known failures: ``conformance/baseline.yml``.

Rules (after the MCP conformance suite): a failure listed in the baseline is an expected failure
(``xfail``, exit 0); a failure not listed is a regression (exit 1); a listed entry whose checks all
ran and passed is stale (exit 1), so the baseline never hides a fix. An entry whose checks did
not run at all in this run is reported as unused, not as stale.

File format::

    known_failures:
      - id: schema.chat_assistant.negative_data_rejection   # exact id or fnmatch pattern
        reason: why this fails and why it is accepted for now
        issue: https://...                                  # optional link
        targets: [live]                                     # optional: only for these target kinds
        spec_versions: ["2025-10"]                          # optional
        intermittent: true                                  # optional, see below

A property-based check may find a known failure only with some seeds (the failing input has to be
drawn). An entry marked ``intermittent`` is never stale: when its checks pass, the run reports it
as not reproduced instead.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant_conformance.results import CheckResult, Status


class BaselineError(ValueError):
    """The baseline file is malformed; the message names the entry and the fix."""


@dataclass(frozen=True)
class Entry:
    """One known failure."""

    id: str
    reason: str
    issue: str | None = None
    targets: tuple[str, ...] = ()
    spec_versions: tuple[str, ...] = ()
    intermittent: bool = False

    def applies_to(self, target_kind: str, spec_version: str) -> bool:
        if self.targets and target_kind not in self.targets:
            return False
        return not (self.spec_versions and spec_version not in self.spec_versions)

    def matches(self, check_id: str) -> bool:
        return check_id == self.id or fnmatch.fnmatchcase(check_id, self.id)


@dataclass
class Baseline:
    """The parsed baseline."""

    entries: list[Entry] = field(default_factory=list)
    path: str | None = None

    @classmethod
    def load(cls, path: str | Path | None) -> Baseline:
        """Read a baseline file; a missing file is an empty baseline."""
        if path is None:
            return cls()
        p = Path(path)
        if not p.exists():
            return cls(path=str(p))
        return cls.parse(p.read_text(encoding="utf-8"), path=str(p))

    @classmethod
    def parse(cls, text: str, *, path: str | None = None) -> Baseline:
        where = path or "baseline"
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise BaselineError(f"{where}: expected a mapping with a 'known_failures' list at the top level")
        raw = data.get("known_failures") or []
        if not isinstance(raw, list):
            raise BaselineError(f"{where}: 'known_failures' must be a list of entries")
        entries = [_parse_entry(item, index, where) for index, item in enumerate(raw)]
        seen: set[str] = set()
        for entry in entries:
            if entry.id in seen:
                raise BaselineError(f"{where}: entry id {entry.id!r} is listed twice; keep one")
            seen.add(entry.id)
        return cls(entries=entries, path=path)


def _parse_entry(item: Any, index: int, where: str) -> Entry:
    if not isinstance(item, dict):
        raise BaselineError(f"{where}: known_failures[{index}] must be a mapping with 'id' and 'reason'")
    unknown = set(item) - {"id", "reason", "issue", "targets", "spec_versions", "intermittent"}
    if unknown:
        raise BaselineError(
            f"{where}: known_failures[{index}] has unknown keys {sorted(unknown)}; "
            "allowed: id, reason, issue, targets, spec_versions, intermittent"
        )
    check_id = item.get("id")
    reason = item.get("reason")
    if not isinstance(check_id, str) or not check_id.strip():
        raise BaselineError(f"{where}: known_failures[{index}] needs a non-empty string 'id'")
    if not isinstance(reason, str) or not reason.strip():
        raise BaselineError(
            f"{where}: known_failures[{index}] ({check_id}) needs a 'reason': say why the failure is accepted"
        )
    targets = _string_tuple(item.get("targets"), f"{where}: known_failures[{index}].targets")
    versions = _string_tuple(item.get("spec_versions"), f"{where}: known_failures[{index}].spec_versions")
    issue = item.get("issue")
    if issue is not None and not isinstance(issue, str):
        raise BaselineError(f"{where}: known_failures[{index}].issue must be a string (a link)")
    intermittent = item.get("intermittent", False)
    if not isinstance(intermittent, bool):
        raise BaselineError(f"{where}: known_failures[{index}].intermittent must be true or false")
    return Entry(
        id=check_id.strip(),
        reason=reason.strip(),
        issue=issue,
        targets=targets,
        spec_versions=versions,
        intermittent=intermittent,
    )


def _string_tuple(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise BaselineError(f"{where} must be a string or a list of strings")


@dataclass
class Applied:
    """The checks after the baseline was applied, plus what happened to each entry."""

    checks: list[CheckResult]
    stale: list[Entry]
    unused: list[Entry]

    @property
    def exit_code(self) -> int:
        return 1 if any(check.status.blocks_release for check in self.checks) else 0


def apply(baseline: Baseline, checks: list[CheckResult], *, target_kind: str, spec_version: str) -> Applied:
    """Mark listed failures ``xfail`` and add a ``stale`` result for each listed entry that passed."""
    entries = [entry for entry in baseline.entries if entry.applies_to(target_kind, spec_version)]
    matched_failing: set[str] = set()
    matched_passing: set[str] = set()
    out: list[CheckResult] = []
    for check in checks:
        entry = next((e for e in entries if e.matches(check.id)), None)
        if entry is not None and check.status is Status.FAIL:
            check.status = Status.XFAIL
            check.baseline_reason = entry.reason
            matched_failing.add(entry.id)
        elif entry is not None and check.status is Status.PASS:
            matched_passing.add(entry.id)
        out.append(check)
    stale: list[Entry] = []
    unused: list[Entry] = []
    for entry in entries:
        if entry.id in matched_failing:
            continue
        if entry.id in matched_passing and not entry.intermittent:
            stale.append(entry)
            out.append(
                CheckResult(
                    id=f"baseline.{entry.id}",
                    suite="baseline",
                    status=Status.STALE,
                    message=(
                        f"listed as a known failure ({entry.reason}) but it passes now: "
                        "remove the entry from the baseline"
                    ),
                    baseline_reason=entry.reason,
                )
            )
        else:
            unused.append(entry)
    return Applied(checks=out, stale=stale, unused=unused)
