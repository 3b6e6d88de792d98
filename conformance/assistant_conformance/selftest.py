"""``assistant-conformance selftest``: proof that the suites catch what they claim to catch.

1. The fault catalog: every fault of the embedded endpoint's registry that makes it diverge from the
   spec is switched on, one at a time, for all suite traffic (``X-Assistant-Fault``), and the suites
   run against it. A fault counts as detected when at least one check fails that passes on the
   faithful endpoint with the same seed. Every fault must be detected.
2. False positives: the suites run against the faithful endpoint with N different seeds; every run
   must end with exit 0 (known failures of the baseline aside).

Writes ``selftest.json`` and ``selftest.md`` into the report directory; exit 0 only when the
detection rate is 100 % and no faithful run failed.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant_conformance.results import Status
from assistant_conformance.runner import DEFAULT_REPORT_DIR, SUITE_ORDER, RunOptions, run

#: Faults of the registry that are not spec violations, so the suites must not fail on them.
NOT_VIOLATIONS: dict[str, str] = {
    "rate_limit_seconds": "429 with Retry-After is documented behaviour (rate limits), not a divergence",
    "rate_limit_ms": "429 with retry-after-ms is documented behaviour (rate limits), not a divergence",
    "rate_limit_date": "429 with an HTTP-date Retry-After is documented behaviour, not a divergence",
    "slow_chunks": "slow delivery of stream chunks changes timing only",
}
FAILING = {Status.FAIL, Status.STALE, Status.NOT_RECORDED}


def fault_catalog() -> dict[str, str]:
    """name -> summary of every registered fault that is a spec violation."""
    from assistant_conformance.embedded.faults import CATALOG

    return {name: fault.summary for name, fault in CATALOG.items() if name not in NOT_VIOLATIONS}


@dataclass
class FaultResult:
    name: str
    summary: str
    detected_by: list[str] = field(default_factory=list)
    exit_code: int = 0
    seconds: float = 0.0

    @property
    def detected(self) -> bool:
        return bool(self.detected_by)


@dataclass
class FaithfulResult:
    seed: int
    exit_code: int
    failures: list[str]
    seconds: float


def _failing(outcome: Any) -> set[str]:
    if outcome.report is None:
        return {"run.could_not_start"}
    return {c.id for c in outcome.report.checks if c.status in FAILING}


def selftest(
    *,
    report_dir: Path,
    seed: int = 1,
    max_examples: int = 8,
    faithful_runs: int = 20,
    faithful_max_examples: int | None = None,
    faults: list[str] | None = None,
    suites: tuple[str, ...] = SUITE_ORDER,
    progress: Any = None,
) -> dict[str, Any]:
    """Run the fault catalog and the faithful seeds; returns the summary written to selftest.json."""
    say = progress or (lambda message: print(message, file=sys.stderr, flush=True))
    catalog = fault_catalog()
    chosen = faults or list(catalog)
    unknown = [f for f in chosen if f not in catalog]
    if unknown:
        raise ValueError(f"unknown or excluded fault(s) {unknown}; catalog: {', '.join(sorted(catalog))}")
    started = time.monotonic()

    def options(**kw: Any) -> RunOptions:
        return RunOptions(target="embedded", quiet=True, write=False, suites=suites, **kw)

    # Reference: the faithful endpoint with the seed and example counts of the fault runs.
    t0 = time.monotonic()
    reference = run(options(seed=seed, max_examples=max_examples, fault=""))
    reference_failures = _failing(reference)
    # Checks the reference run exercised (a check that examined nothing cannot show teeth either way).
    all_checks = (
        {c.id for c in reference.report.checks if c.status is Status.PASS}
        if reference.report is not None
        else set()
    )
    say(
        f"selftest: faithful reference run (seed {seed}): {len(reference_failures)} failing checks "
        f"({time.monotonic() - t0:.1f}s)"
    )
    results: list[FaultResult] = []
    for index, name in enumerate(chosen, start=1):
        t0 = time.monotonic()
        outcome = run(options(seed=seed, max_examples=max_examples, fault=name))
        # A stale baseline entry is not a detection: it only says a known failure stopped failing.
        failing = sorted(c for c in _failing(outcome) - reference_failures if not c.startswith("baseline."))
        result = FaultResult(name, catalog[name], failing, outcome.exit_code, time.monotonic() - t0)
        results.append(result)
        verdict = f"detected by {len(failing)} checks" if failing else "NOT DETECTED"
        say(f"selftest: [{index}/{len(chosen)}] {name}: {verdict} ({result.seconds:.1f}s)")
    faithful: list[FaithfulResult] = []
    for run_index in range(faithful_runs):
        run_seed = seed + 1000 + run_index
        t0 = time.monotonic()
        outcome = run(options(seed=run_seed, max_examples=faithful_max_examples or max_examples))
        failures = sorted(_failing(outcome))
        faithful.append(FaithfulResult(run_seed, outcome.exit_code, failures, time.monotonic() - t0))
        say(
            f"selftest: faithful run {run_index + 1}/{faithful_runs} (seed {run_seed}): "
            f"{'ok' if not failures else 'FAILED: ' + ', '.join(failures[:5])} ({faithful[-1].seconds:.1f}s)"
        )
    detected = sum(1 for r in results if r.detected)
    caught = {check for r in results for check in r.detected_by}
    false_positive_runs = sum(1 for f in faithful if f.exit_code != 0)
    summary = {
        "seed": seed,
        "max_examples": max_examples,
        "faults_total": len(results),
        "faults_detected": detected,
        "detection_rate": round(detected / len(results), 4) if results else 0.0,
        "faithful_runs": len(faithful),
        "faithful_runs_failed": false_positive_runs,
        "reference_failures": sorted(reference_failures),
        # Checks that no fault of the catalog made fail: their teeth are not shown by this selftest.
        "checks_never_failed": sorted(
            all_checks - caught - {c for c in all_checks if c.startswith("baseline.")}
        ),
        "excluded_faults": NOT_VIOLATIONS,
        "faults": [
            {
                "name": r.name,
                "summary": r.summary,
                "detected": r.detected,
                "detected_by": r.detected_by,
                "seconds": round(r.seconds, 1),
            }
            for r in results
        ],
        "faithful": [
            {"seed": f.seed, "exit_code": f.exit_code, "failures": f.failures, "seconds": round(f.seconds, 1)}
            for f in faithful
        ],
        "duration_s": round(time.monotonic() - started, 1),
    }
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "selftest.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (report_dir / "selftest.md").write_text(render_markdown(summary), encoding="utf-8")
    return summary


def render_markdown(summary: dict[str, Any]) -> str:
    lines = [
        "# Conformance selftest",
        "",
        f"- Detection rate: **{summary['faults_detected']}/{summary['faults_total']}** "
        f"({summary['detection_rate']:.0%}) faults detected (seed {summary['seed']}, "
        f"{summary['max_examples']} examples per operation)",
        f"- Faithful endpoint: {summary['faithful_runs'] - summary['faithful_runs_failed']}/"
        f"{summary['faithful_runs']} runs with different seeds passed "
        f"({summary['faithful_runs_failed']} false-positive runs)",
        f"- Took {summary['duration_s']} s",
        "",
        "## Faults",
        "",
        "| fault | what it breaks | detected | by checks |",
        "|---|---|---|---|",
    ]
    for fault in summary["faults"]:
        checks = ", ".join(f"`{c}`" for c in fault["detected_by"][:6])
        more = f" and {len(fault['detected_by']) - 6} more" if len(fault["detected_by"]) > 6 else ""
        lines.append(
            f"| `{fault['name']}` | {fault['summary'].replace('|', '/')} | "
            f"{'yes' if fault['detected'] else '**NO**'} | {checks}{more} |"
        )
    never = summary.get("checks_never_failed") or []
    lines += [
        "",
        f"Checks that no fault made fail ({len(never)}): "
        + (", ".join(f"`{c}`" for c in never) if never else "none"),
    ]
    lines += ["", "Not in the catalog (not spec violations):", ""]
    lines += [f"- `{name}`: {why}" for name, why in summary["excluded_faults"].items()]
    lines += ["", "## Faithful runs", "", "| seed | exit | failing checks |", "|---|---|---|"]
    for run_ in summary["faithful"]:
        lines.append(f"| {run_['seed']} | {run_['exit_code']} | {', '.join(run_['failures']) or '-'} |")
    return "\n".join(lines) + "\n"


def add_selftest(subparsers: Any) -> None:
    """The ``selftest`` subcommand."""
    parser = subparsers.add_parser(
        "selftest",
        help="prove the suites detect every fault of the catalog and pass on the faithful endpoint",
        description=(
            "Switch on each fault of the embedded endpoint's catalog in turn and check that the suites "
            "detect it; then run the suites with different seeds against the faithful endpoint."
        ),
    )
    parser.add_argument("--report-dir", type=Path, default=DEFAULT_REPORT_DIR / "selftest")
    parser.add_argument("--seed", type=int, default=1, help="seed of the fault runs (default 1)")
    parser.add_argument("--max-examples", type=int, default=8, help="examples per operation (default 8)")
    parser.add_argument(
        "--seeds", type=int, default=20, help="faithful runs with different seeds (default 20)"
    )
    parser.add_argument(
        "--faithful-max-examples",
        type=int,
        help="examples per operation for the faithful runs (default: --max-examples)",
    )
    parser.add_argument("--fault", action="append", help="only this fault (repeatable)")
    parser.add_argument(
        "--suite", action="append", choices=list(SUITE_ORDER), help="only this suite (repeatable)"
    )
    parser.set_defaults(handler=selftest_command)


def selftest_command(args: Any) -> int:
    try:
        summary = selftest(
            report_dir=args.report_dir,
            seed=args.seed,
            max_examples=args.max_examples,
            faithful_runs=args.seeds,
            faithful_max_examples=args.faithful_max_examples,
            faults=args.fault,
            suites=tuple(args.suite) if args.suite else SUITE_ORDER,
        )
    except ValueError as exc:
        print(f"assistant-conformance selftest: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(
        f"detection rate {summary['faults_detected']}/{summary['faults_total']}; "
        f"faithful runs failed {summary['faithful_runs_failed']}/{summary['faithful_runs']}; "
        f"report in {args.report_dir}"
    )
    ok = summary["faults_detected"] == summary["faults_total"] and summary["faithful_runs_failed"] == 0
    return 0 if ok else 1
