"""``assistant-conformance selftest``: proof that the suites catch what they claim to catch.

1. A faithful reference run: the suites against the embedded endpoint with the fault seed.
2. The fault catalog: every fault of the embedded endpoint's registry that makes it diverge from the
   spec is switched on, one at a time, for all suite traffic (``X-Assistant-Fault``). Each fault names
   in :data:`EXPECTED_CHECKS` the checks meant to catch it, and its run is limited to their suites
   (and, for the schema suite, their operations). A fault is detected only when one of its expected
   checks fails that did not fail in the reference run. Crashes (``*.suite.error``, ``*.execution``)
   and run-level failures never count. Failing checks outside the expected ones are listed as
   "caught by unexpected checks".
3. False positives: the suites run against the faithful endpoint with ``--seeds`` other seeds; every
   run must exit 0 (``nox -s conformance_explore`` does this at scale).

Runs go to ``--jobs`` worker processes. Writes ``selftest.json`` and ``selftest.md`` into the report
directory; exit 0 only when every fault is detected by an expected check and no faithful run failed.
"""

from __future__ import annotations

import fnmatch
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
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
#: Failures that say a run broke, not that a check caught something.
_CRASHES = ("*.suite.error", "*.execution", "*.probe", "run.*", "baseline.*")

#: fault -> the check ids (fnmatch patterns) meant to catch it. Every fault of the catalog has one.
EXPECTED_CHECKS: dict[str, tuple[str, ...]] = {
    "server_error": ("schema.chat_assistant.not_a_server_error",),
    "unavailable": ("schema.chat_assistant.not_a_server_error",),
    "cut_stream": ("finish_reason.target.*", "streaming.*", "schema.chat_assistant.stream_chunk_order"),
    "unknown_chunk": ("schema.chat_assistant.response_schema_conformance",),
    "unknown_finish_reason": ("finish_reason.target.*", "schema.chat_assistant.response_schema_conformance"),
    "missing_usage": ("schema.chat_assistant.response_schema_conformance",),
    "renamed_field": ("schema.chat_assistant.response_schema_conformance",),
    "retyped_field": ("schema.chat_assistant.response_schema_conformance",),
    "missing_model": ("schema.chat_assistant.response_schema_conformance",),
    "wrong_status": ("schema.chat_assistant.status_code_conformance",),
    "wrong_content_type": ("schema.chat_assistant.content_type_conformance",),
    "wrong_error_code": ("schema.chat_assistant.error_code_matches_status",),
    "undeclared_error_code": (
        "schema.chat_assistant.error_code_matches_status",
        "schema.chat_assistant.response_schema_conformance",
    ),
    "envelope_status_mismatch": ("schema.chat_assistant.envelope_status_matches_http",),
    "flat_error_body": (
        "schema.chat_assistant.envelope_status_matches_http",
        "schema.chat_assistant.response_schema_conformance",
    ),
    "citation_out_of_range": ("schema.chat_assistant.citation_positions_within_answer",),
    "done_sentinel": (
        "schema.chat_assistant.stream_chunk_order",
        "schema.chat_assistant.response_schema_conformance",
    ),
    "ndjson_framing": ("schema.chat_assistant.stream_chunk_order", "streaming.*"),
    "reordered_chunks": ("schema.chat_assistant.stream_chunk_order",),
    "filters_ignored": ("filters.semantics.*",),
    "json_response_stream_accepted": ("schema.chat_assistant.json_response_is_json",),
    "empty_content_accepted": (
        "schema.chat_assistant.negative_data_rejection",
        "schema.chat_completion_assistant.negative_data_rejection",
        "schema.chat_assistant.pinned_cases",
        "schema.chat_completion_assistant.pinned_cases",
    ),
    "missing_key_accepted": ("schema.chat_assistant.ignored_auth",),
    "missing_location_header": ("schema.delete_file.response_headers_conformance",),
    "valid_input_unprocessable": (
        "schema.chat_completion_assistant.status_code_conformance",
        "schema.chat_completion_assistant.positive_data_acceptance",
    ),
    "completion_delta_renamed": ("consistency.completion.*",),
    "chat_text_moved": ("consistency.chat.*",),
    "usage_total_not_sum": ("consistency.*.usage_adds_up",),
    "undocumented_chat_field": ("drift.chat_assistant.nothing_undocumented",),
    "valid_chat_404": ("schema.chat_assistant.valid_request_succeeds",),
    "valid_context_400": ("schema.context_assistant.valid_request_succeeds",),
    "empty_region_accepted": ("schema.create_assistant.pinned_cases",),
    "loose_query_flags": ("schema.describe_file.pinned_cases",),
}


#: A response that does not match the spec usually also carries something the spec does not document,
#: and a valid request answered with an error is also a refused valid request. The checks that catch a
#: fault that way are listed here: they leave the report's "unexpected" list (which then shows only
#: surprises) but never count as detecting the fault, so each fault's own checks must still prove
#: themselves in EXPECTED_CHECKS.
ALSO_CAUGHT_BY: dict[str, tuple[str, ...]] = {
    # Every chat answer is a 5xx, so the pinned empty-content case gets one instead of its 400.
    "server_error": ("schema.chat_assistant.valid_request_succeeds", "schema.chat_assistant.pinned_cases"),
    "unavailable": (
        "schema.chat_assistant.pinned_cases",
        "drift.chat_assistant.nothing_undocumented",
        "schema.chat_assistant.positive_data_acceptance",
        "schema.chat_assistant.status_code_conformance",
        "schema.chat_assistant.valid_request_succeeds",
    ),
    "unknown_chunk": ("drift.chat_assistant.nothing_undocumented",),
    "unknown_finish_reason": ("drift.*.nothing_undocumented",),
    "renamed_field": ("drift.chat_assistant.nothing_undocumented",),
    "wrong_status": (
        "drift.chat_assistant.nothing_undocumented",
        "schema.chat_assistant.positive_data_acceptance",
        "schema.chat_assistant.valid_request_succeeds",
    ),
    "undeclared_error_code": ("drift.chat_assistant.nothing_undocumented",),
    "flat_error_body": ("drift.chat_assistant.nothing_undocumented",),
    "valid_input_unprocessable": (
        "schema.chat_completion_assistant.pinned_cases",  # a 422 where the pinned case expects 400
        "drift.chat_completion_assistant.nothing_undocumented",
        "schema.chat_completion_assistant.valid_request_succeeds",
    ),
    "completion_delta_renamed": ("drift.chat_completion_assistant.nothing_undocumented",),
    "chat_text_moved": ("drift.chat_assistant.nothing_undocumented",),
}


def fault_catalog() -> dict[str, str]:
    """name -> summary of every registered fault that is a spec violation."""
    from assistant_conformance.embedded.faults import CATALOG

    return {name: fault.summary for name, fault in CATALOG.items() if name not in NOT_VIOLATIONS}


def scope(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(suites, schema operations) a fault's run needs to give its expected checks a chance.

    Drift checks (``drift.<op>.*``) judge every response of the run: the schema suite on that
    operation gives them responses.
    """
    patterns = tuple(f"schema.{p.split('.', 2)[1]}.drift" if p.startswith("drift.") else p for p in patterns)
    suites = tuple(s for s in SUITE_ORDER if any(p.split(".", 1)[0] in {s, "*"} for p in patterns))
    operations: set[str] = set()
    for pattern in patterns:
        parts = pattern.split(".")
        if parts[0] != "schema" or len(parts) < 3:
            continue
        if any(ch in parts[1] for ch in "*?["):
            return suites, ()  # every operation
        operations.add(parts[1])
    if any(p.split(".")[0] == "schema" for p in patterns) and not operations:
        return suites, ()
    return suites, tuple(sorted(operations))


def _is_crash(check_id: str) -> bool:
    return any(fnmatch.fnmatchcase(check_id, pattern) for pattern in _CRASHES)


@dataclass
class FaultResult:
    name: str
    summary: str
    expected: tuple[str, ...]
    detected_by: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    also_caught_by: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    exit_code: int = 0
    seconds: float = 0.0

    @property
    def detected(self) -> bool:
        return bool(self.detected_by)


def _run_once(job: dict[str, Any]) -> dict[str, Any]:
    """One run in a worker process; returns what the selftest needs of it."""
    started = time.monotonic()
    outcome = run(
        RunOptions(
            target="embedded",
            quiet=True,
            write=False,
            suites=tuple(job["suites"]),
            operations=tuple(job.get("operations", ())),
            seed=job["seed"],
            max_examples=job["max_examples"],
            fault=job.get("fault"),
        )
    )
    failing = (
        sorted(c.id for c in outcome.report.checks if c.status in FAILING)
        if outcome.report is not None
        else ["run.could_not_start"]
    )
    return {**job, "failing": failing, "exit_code": outcome.exit_code, "seconds": time.monotonic() - started}


def selftest(
    *,
    report_dir: Path,
    seed: int = 1,
    max_examples: int = 3,
    faithful_runs: int = 0,
    faithful_max_examples: int | None = None,
    faults: list[str] | None = None,
    suites: tuple[str, ...] = SUITE_ORDER,
    jobs: int = 2,
    progress: Any = None,
) -> dict[str, Any]:
    """Run the reference, the fault catalog and the faithful seeds; returns what selftest.json holds."""
    say = progress or (lambda message: print(message, file=sys.stderr, flush=True))
    catalog = fault_catalog()
    chosen = faults or list(catalog)
    unknown = [f for f in chosen if f not in catalog]
    if unknown:
        raise ValueError(f"unknown or excluded fault(s) {unknown}; catalog: {', '.join(sorted(catalog))}")
    unnamed = [f for f in chosen if f not in EXPECTED_CHECKS]
    if unnamed:
        raise ValueError(
            f"fault(s) {unnamed} name no expected checks: add them to EXPECTED_CHECKS in "
            "assistant_conformance/selftest.py"
        )
    started = time.monotonic()
    work: list[dict[str, Any]] = [
        {"kind": "reference", "seed": seed, "max_examples": max_examples, "suites": suites, "fault": ""}
    ]
    for name in chosen:
        fault_suites, operations = scope(EXPECTED_CHECKS[name])
        fault_suites = tuple(s for s in fault_suites if s in suites)
        work.append(
            {
                "kind": "fault",
                "name": name,
                "seed": seed,
                "max_examples": max_examples,
                "suites": fault_suites,
                "operations": operations,
                "fault": name,
            }
        )
    for index in range(faithful_runs):
        work.append(
            {
                "kind": "faithful",
                "seed": seed + 1000 + index,
                "max_examples": faithful_max_examples or max_examples,
                "suites": suites,
            }
        )
    done: list[dict[str, Any]] = []
    with ProcessPoolExecutor(
        max_workers=max(1, jobs), mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        for result in pool.map(_run_once, work):
            done.append(result)
            label = result.get("name") or f"{result['kind']} seed {result['seed']}"
            say(f"selftest: {label}: {len(result['failing'])} failing checks ({result['seconds']:.1f}s)")
    reference = next(r for r in done if r["kind"] == "reference")
    reference_failures = set(reference["failing"])
    results: list[FaultResult] = []
    for item in (r for r in done if r["kind"] == "fault"):
        new = [c for c in item["failing"] if c not in reference_failures]
        expected = EXPECTED_CHECKS[item["name"]]
        hits = [c for c in new if not _is_crash(c) and any(fnmatch.fnmatchcase(c, p) for p in expected)]
        known = ALSO_CAUGHT_BY.get(item["name"], ())
        others = [c for c in new if not _is_crash(c) and c not in hits]
        also = [c for c in others if any(fnmatch.fnmatchcase(c, p) for p in known)]
        others = [c for c in others if c not in also]
        results.append(
            FaultResult(
                item["name"],
                catalog[item["name"]],
                expected,
                hits,
                others,
                also,
                [c for c in new if _is_crash(c)],
                item["exit_code"],
                item["seconds"],
            )
        )
    faithful = [r for r in done if r["kind"] == "faithful"]
    detected = sum(1 for r in results if r.detected)
    summary = {
        "seed": seed,
        "max_examples": max_examples,
        "jobs": jobs,
        "faults_total": len(results),
        "faults_detected": detected,
        "detection_rate": round(detected / len(results), 4) if results else 0.0,
        "faithful_runs": len(faithful),
        "faithful_runs_failed": sum(1 for f in faithful if f["exit_code"] not in {0, 3}),
        "reference_failures": sorted(reference_failures),
        "caught_by_unexpected_checks": {r.name: r.unexpected for r in results if r.unexpected},
        "excluded_faults": NOT_VIOLATIONS,
        "faults": [
            {
                "name": r.name,
                "summary": r.summary,
                "expected_checks": list(r.expected),
                "detected": r.detected,
                "detected_by": r.detected_by,
                "unexpected": r.unexpected,
                "also_caught_by": r.also_caught_by,
                "crashes": r.crashes,
                "seconds": round(r.seconds, 1),
            }
            for r in results
        ],
        "faithful": [
            {
                "seed": f["seed"],
                "exit_code": f["exit_code"],
                "failures": f["failing"],
                "seconds": round(f["seconds"], 1),
            }
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
        "| fault | what it breaks | expected checks | detected by |",
        "|---|---|---|---|",
    ]
    for fault in summary["faults"]:
        checks = ", ".join(f"`{c}`" for c in fault["detected_by"][:6])
        more = f" and {len(fault['detected_by']) - 6} more" if len(fault["detected_by"]) > 6 else ""
        expected = ", ".join(f"`{c}`" for c in fault["expected_checks"])
        lines.append(
            f"| `{fault['name']}` | {fault['summary'].replace('|', '/')} | {expected} | "
            f"{(checks + more) if fault['detected'] else '**NOT DETECTED**'} |"
        )
    unexpected = summary.get("caught_by_unexpected_checks") or {}
    lines += ["", f"Faults also caught by checks not named for them ({len(unexpected)}):", ""]
    lines += [f"- `{name}`: " + ", ".join(f"`{c}`" for c in ids[:8]) for name, ids in unexpected.items()]
    also = {f["name"]: f.get("also_caught_by") or [] for f in summary["faults"] if f.get("also_caught_by")}
    lines += ["", f"Faults also caught, as expected, by checks listed in ALSO_CAUGHT_BY ({len(also)}):", ""]
    lines += [f"- `{name}`: " + ", ".join(f"`{c}`" for c in ids[:8]) for name, ids in also.items()]
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
    parser.add_argument("--max-examples", type=int, default=3, help="examples per operation (default 3)")
    parser.add_argument(
        "--seeds",
        type=int,
        default=0,
        help="faithful runs with other seeds (default 0: conformance_explore covers many seeds)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time, one process each (default 2)")
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
            jobs=args.jobs,
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
