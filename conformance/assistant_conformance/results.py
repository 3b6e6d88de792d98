"""The result model shared by the suites, the baseline, the report and the runner."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Status(enum.StrEnum):
    """Outcome of one check.

    ``XFAIL`` and ``STALE`` are only set by the baseline: a failure listed there, and a listed
    check that passed.
    """

    PASS = "pass"  # noqa: S105 (a status, not a password)
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"
    NOT_RECORDED = "not_recorded"
    XFAIL = "xfail"
    STALE = "stale"

    @property
    def blocks_release(self) -> bool:
        """Whether this outcome makes the run exit 1."""
        return self in {Status.FAIL, Status.STALE, Status.NOT_RECORDED}


SUITES = ("schema", "serialization", "filters", "finish_reason", "streaming", "consistency")


@dataclass
class Reproduction:
    """How to replay a failure: a curl command (key redacted), a hypothesis seed, or both."""

    curl: str | None = None
    seed: int | None = None
    example: Any = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.curl is not None:
            out["curl"] = self.curl
        if self.seed is not None:
            out["hypothesis_seed"] = self.seed
        if self.example is not None:
            out["example"] = self.example
        return out


@dataclass
class CheckResult:
    """One check of one suite, aggregated over every case it examined.

    ``id`` reads ``<suite>.<operation or area>.<check>``; ``cases`` is how many cases the check
    examined; ``failures`` how many of them broke it.
    """

    id: str
    suite: str
    status: Status
    message: str = ""
    cases: int = 0
    failures: int = 0
    details: dict[str, Any] = field(default_factory=dict)
    reproduction: Reproduction | None = None
    spec_refs: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    baseline_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "suite": self.suite,
            "status": self.status.value,
            "message": self.message,
            "cases": self.cases,
            "failures": self.failures,
            "duration_ms": round(self.duration_ms, 1),
        }
        if self.details:
            out["details"] = self.details
        if self.reproduction is not None:
            out["reproduction"] = self.reproduction.to_dict()
        if self.spec_refs:
            out["spec_refs"] = self.spec_refs
        if self.baseline_reason is not None:
            out["baseline_reason"] = self.baseline_reason
        return out


class CheckCollector:
    """Aggregates case-level outcomes into one :class:`CheckResult` per check id.

    A check that examined no case is reported as ``skip`` (not exercised), never as ``pass``.
    """

    def __init__(self, suite: str) -> None:
        self.suite = suite
        self._order: list[str] = []
        self._results: dict[str, CheckResult] = {}

    def _get(self, check_id: str) -> CheckResult:
        full = check_id if check_id.startswith(self.suite + ".") else f"{self.suite}.{check_id}"
        if full not in self._results:
            self._results[full] = CheckResult(id=full, suite=self.suite, status=Status.SKIP)
            self._order.append(full)
        return self._results[full]

    def declare(self, check_id: str, message: str = "not exercised") -> None:
        """Make a check appear in the report even if no case reaches it."""
        result = self._get(check_id)
        if result.cases == 0 and not result.message:
            result.message = message

    def passed(self, check_id: str, count: int = 1) -> None:
        result = self._get(check_id)
        result.cases += count
        if result.status in {Status.SKIP}:
            result.status = Status.PASS
            result.message = ""

    def failed(
        self,
        check_id: str,
        message: str,
        *,
        reproduction: Reproduction | None = None,
        details: dict[str, Any] | None = None,
        spec_refs: list[str] | None = None,
    ) -> None:
        """Record a failing case; the first failure's message and reproduction are kept."""
        result = self._get(check_id)
        result.cases += 1
        result.failures += 1
        if result.status is not Status.FAIL:
            result.status = Status.FAIL
            result.message = message
            result.reproduction = reproduction
            if details:
                result.details = dict(details)
            if spec_refs:
                result.spec_refs = list(spec_refs)

    def warned(self, check_id: str, message: str) -> None:
        result = self._get(check_id)
        result.cases += 1
        if result.status in {Status.SKIP, Status.PASS}:
            result.status = Status.WARN
            result.message = message

    def skipped(self, check_id: str, message: str) -> None:
        result = self._get(check_id)
        if result.status is Status.SKIP:
            result.message = message

    def not_recorded(self, check_id: str, message: str) -> None:
        result = self._get(check_id)
        if result.status is not Status.FAIL:
            result.status = Status.NOT_RECORDED
            result.message = message

    def add_duration(self, check_id: str, seconds: float) -> None:
        self._get(check_id).duration_ms += seconds * 1000.0

    def results(self) -> list[CheckResult]:
        return [self._results[key] for key in self._order]


@dataclass
class SuiteResult:
    """Every check of one suite and how long the suite took."""

    name: str
    checks: list[CheckResult]
    duration_s: float = 0.0
    error: str | None = None

    def counts(self) -> dict[str, int]:
        out = {status.value: 0 for status in Status}
        for check in self.checks:
            out[check.status.value] += 1
        return out
