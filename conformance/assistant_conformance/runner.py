"""``assistant-conformance run``: prepares the target, runs the suites, applies the baseline, works
out the claims, writes the reports and prints a summary table. Exit statuses: see :data:`EXIT_CODES`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.metadata
import os
import random
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pinecone_assistant._constants import API_VERSION

from assistant_conformance import baseline as baseline_module
from assistant_conformance import claims as claims_module
from assistant_conformance import drift as drift_module
from assistant_conformance import spec_versions
from assistant_conformance.context import RunContext, load_spec
from assistant_conformance.coverage import CoverageTracker
from assistant_conformance.redact import redact_text
from assistant_conformance.report import RunReport, render_terminal_table, write_reports
from assistant_conformance.results import SUITES, CheckResult, Status, SuiteResult
from assistant_conformance.targets import (
    KINDS,
    SessionOptions,
    TargetError,
    TargetSession,
    sigterm_as_interrupt,
)

#: Examples per operation for schemathesis (and the base for the other suites' counts). Chosen so
#: that the default run (embedded target) stays within 45 s on 2 cores.
DEFAULT_MAX_EXAMPLES = 25
DEFAULT_REPORT_DIR = Path("reports/conformance")
#: Exit statuses of ``run`` (also printed by ``run --help``).
EXIT_CODES = {
    0: "every check passed (or failed only as listed in the baseline) and every claim was made",
    1: "a check failed, a baseline entry is stale, or a request was not in the recording",
    2: "bad input or a target that cannot be prepared (nothing is left behind)",
    3: "every check passed, but some claims are missing (the report lists them)",
    130: "interrupted (everything the run created was deleted)",
}
#: Order matters: serialization goes last so that it sees every response of the run.
SUITE_ORDER = ("requests", "filters", "finish_reason", "streaming", "consistency", "schema", "serialization")


@dataclass
class RunOptions:
    """Options of one run (the ``run`` subcommand's arguments)."""

    target: str = "embedded"
    api_key: str | None = field(default=None, repr=False)
    spec_version: str = API_VERSION
    report_dir: Path = DEFAULT_REPORT_DIR
    seed: int | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    record: Path | None = None
    cassettes: Path | None = None
    suites: tuple[str, ...] = SUITE_ORDER
    #: Limit the schema suite to these operationIds (empty: every operation of the spec).
    operations: tuple[str, ...] = ()
    baseline: Path | None = None
    #: schemathesis phases of the schema suite (empty: all three); see ``RunContext.schema_phases``.
    schema_phases: tuple[str, ...] = ()
    #: Selftest only: an ``X-Assistant-Fault`` value sent with every suite request (embedded target).
    fault: str | None = None
    control_url: str | None = None
    evaluation_url: str | None = None
    quiet: bool = False
    write: bool = True
    #: Drift fails the run on every target, not only on the embedded one.
    strict: bool = False
    #: An earlier report.json: drift not in it is marked new.
    compare: Path | None = None


@dataclass
class RunOutcome:
    """What a run produced."""

    exit_code: int
    report: RunReport | None
    paths: dict[str, Path] = field(default_factory=dict)
    error: str | None = None


def default_baseline_path() -> Path | None:
    """``conformance/baseline.yml`` next to the package, when running from a checkout."""
    candidate = Path(__file__).resolve().parents[1] / "baseline.yml"
    return candidate if candidate.exists() else None


def target_kind(target: str) -> tuple[str, str | None]:
    """(kind, url) for a ``--target`` value."""
    if target in KINDS and target != "url":
        return target, None
    if target.startswith(("http://", "https://")):
        return "url", target
    raise TargetError(f"--target must be one of embedded, live, recorded or an http(s) URL, got {target!r}")


def _client_info() -> dict[str, Any]:
    try:
        version = importlib.metadata.version("pinecone-assistant-kit")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    info: dict[str, Any] = {"package": "pinecone_assistant", "version": version}
    stats = Path(__file__).resolve().parents[2] / "generated" / "stats.yml"
    if stats.exists():
        data = yaml.safe_load(stats.read_text(encoding="utf-8")) or {}
        info.update(
            generator=data.get("generator"),
            generator_version=data.get("generator_version"),
            generated_from=data.get("spec_version"),
        )
    return info


def _suite_module(name: str) -> Any:
    return importlib.import_module(f"assistant_conformance.suites.{name}")


class Progress:
    """Progress lines on stderr, with the time since the start; the key is never printed."""

    def __init__(self, quiet: bool, secrets: list[str]) -> None:
        self.quiet = quiet
        self.secrets = secrets
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {redact_text(message, self.secrets)}", file=sys.stderr, flush=True)


def run(options: RunOptions) -> RunOutcome:
    """Run the suites against the target described by ``options``."""
    started_at = dt.datetime.now(dt.UTC)
    started = time.monotonic()
    unknown = [s for s in options.suites if s not in SUITES]
    if unknown:
        return RunOutcome(2, None, error=f"unknown suite(s) {unknown}; choose from {', '.join(SUITES)}")
    kind, url = target_kind(options.target)
    previous_drift: set[str] | None = None
    if options.compare is not None:
        try:
            previous_drift = drift_module.load_previous(
                options.compare, spec_version=options.spec_version, target_kind=kind, target_url=url
            )
        except drift_module.CompareError as exc:
            return RunOutcome(2, None, error=str(exc))
    spec_path, spec, sha = load_spec(options.spec_version)
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)
    progress = Progress(options.quiet, [options.api_key] if options.api_key else [])
    coverage = CoverageTracker.from_spec(spec)
    drift = drift_module.DriftTracker.from_spec(spec)
    suites: list[SuiteResult] = []
    notes: list[str] = []
    recording: Any = None
    with ExitStack() as stack:
        stack.enter_context(sigterm_as_interrupt())
        session_options = SessionOptions(
            kind="live" if kind == "recorded" else kind,
            version=options.spec_version,
            url=url,
            api_key=options.api_key,
            faults=options.fault is not None,
            control_url=options.control_url,
            evaluation_url=options.evaluation_url,
            progress=progress,
            poll_interval=0.0 if kind in {"embedded", "recorded"} else 2.0,
        )
        if options.record is not None or kind == "recorded":
            from assistant_conformance import replay

            recording = replay.open_recording(options, session_options, seed)
            seed = recording.seed
            stack.enter_context(recording)
        try:
            session = TargetSession(session_options)
            progress.secrets.append(session.api_key)
            target = stack.enter_context(session)
        except TargetError as exc:
            message = redact_text(f"could not prepare the target: {exc}", progress.secrets)
            return RunOutcome(2, None, error=message)
        except Exception as exc:  # an answer that is not the Assistant API's (HTML, not JSON, ...)
            detail = str(exc).splitlines()[0][:160] if str(exc) else ""
            message = redact_text(
                f"could not prepare the target: {options.target} does not answer like the Assistant API "
                f"({type(exc).__name__}: {detail}); check --target",
                progress.secrets,
            )
            return RunOutcome(2, None, error=message)
        if kind == "recorded":
            target.kind = "recorded"
        if recording is not None and recording.mode == "record":
            recording.meta["planes"] = {
                "control": target.planes.control,
                "evaluation": target.planes.evaluation,
            }
        if options.fault:
            target.extra_headers["X-Assistant-Fault"] = options.fault
        ctx = RunContext(
            target=target,
            spec=spec,
            spec_path=spec_path,
            spec_version=options.spec_version,
            seed=seed,
            max_examples=options.max_examples,
            coverage=coverage,
            progress=progress,
            derandomize=recording is not None,
            replay=kind == "recorded",
            operations=tuple(options.operations),
            schema_phases=tuple(options.schema_phases),
            drift=drift,
        )
        progress(
            f"seed {seed}; spec {options.spec_version} ({sha[:12]}); target {target.kind} {target.label}"
        )
        for name in [s for s in SUITE_ORDER if s in options.suites]:
            progress(f"suite {name}: start")
            suite_started = time.monotonic()
            try:
                if recording is not None:
                    recording.use_cassette(name)
                result = _suite_module(name).run(ctx)
            except KeyboardInterrupt:
                progress("interrupted: cleaning up")
                raise
            except (Exception, BaseExceptionGroup) as exc:
                result = SuiteResult(
                    name,
                    [
                        CheckResult(
                            id=f"{name}.suite.error",
                            suite=name,
                            status=Status.FAIL,
                            message=f"the suite crashed: {type(exc).__name__}: {exc}",
                            details={"traceback": traceback.format_exc(limit=-6)[-3000:]},
                        )
                    ],
                    time.monotonic() - suite_started,
                    error=f"{type(exc).__name__}: {exc}",
                )
            suites.append(result)
            counts = result.counts()
            progress(
                f"suite {name}: {counts['pass']} passed, {counts['fail']} failed before the baseline, "
                f"{counts['not_exercised']} not exercised ({result.duration_s:.1f}s)"
            )
        # A replay judges drift, and applies the baseline, as the recorded target was judged.
        judged_as = recording.meta["target_kind"] if kind == "recorded" else target.kind
        drift_policy = drift_module.policy_for(judged_as, options.strict)
        suites.append(drift.suite_result(fail=drift_policy == "fail"))
        if recording is not None:
            recording.use_cassette("teardown")
            notes.extend(recording.notes())
        target_info = target.describe()
        secrets = [target.api_key]
    if session.cleanup_errors:
        notes.extend(f"clean-up: {e}" for e in session.cleanup_errors)
    checks = [check for suite in suites for check in suite.checks]
    drift_section = drift.report_section(
        policy=drift_policy, strict=options.strict, compare=options.compare, previous=previous_drift
    )
    base = baseline_module.Baseline.load(options.baseline or default_baseline_path())
    applied = baseline_module.apply(base, checks, target_kind=judged_as, spec_version=options.spec_version)
    ran = [s.name for s in suites]
    made = claims_module.compute(spec, applied.checks, coverage.summary(), ran, options.operations)
    missing_claims = claims_module.incomplete(made)
    exit_code = applied.exit_code
    if exit_code == 0 and missing_claims:
        exit_code = claims_module.EXIT_INCOMPLETE_CLAIMS
    report = RunReport(
        run_id=uuid.uuid4().hex[:12],
        started_at=started_at,
        duration_s=time.monotonic() - started,
        target=target_info,
        spec={"version": options.spec_version, "path": _relative(spec_path), "sha256": sha},
        client=_client_info(),
        suites=suites,
        checks=applied.checks,
        coverage=coverage.summary(),
        seed=seed,
        exit_code=exit_code,
        baseline={
            "path": base.path,
            "entries": len(base.entries),
            "stale": [e.id for e in applied.stale],
            "unused": [e.id for e in applied.unused],
        },
        notes=notes,
        claims=claims_module.to_json(options.spec_version, made),
        drift=drift_section,
    )
    paths = write_reports(report, options.report_dir, secrets=secrets) if options.write else {}
    if not options.quiet:
        _print_summary(report, paths, print_fn=lambda line: print(redact_text(line, secrets)))
    return RunOutcome(exit_code, report, paths)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _print_summary(report: RunReport, paths: dict[str, Path], print_fn: Callable[[str], None]) -> None:
    print_fn("")
    print_fn(render_terminal_table(report.checks, report.suites))
    for check in report.checks:
        if check.status in {Status.FAIL, Status.STALE, Status.NOT_RECORDED}:
            print_fn(f"  {check.status.value.upper():<12} {check.id}: {check.message.splitlines()[0][:160]}")
    reasons = report.claims.get("reasons", {})
    table = report.claims.get(str(report.spec.get("version")), {})
    verdicts = [v for row in table.values() for v in row.values()]
    print_fn(
        f"claims: {verdicts.count('pass')} made, {verdicts.count('fail')} failed, "
        f"{verdicts.count('missing')} missing, {verdicts.count('not_applicable')} not applicable "
        f"over {len(table)} operations"
    )
    for name, reason in reasons.items():
        op, _, category = name.rpartition(".")
        if table.get(op, {}).get(category) == "missing":
            print_fn(f"  MISSING      claim {name}: {str(reason)[:160]}")
    summary = report.summary()
    cov = report.coverage
    print_fn(
        f"coverage: {cov.get('operations_tested')}/{cov.get('operations_total')} operations, "
        f"{cov.get('status_codes_seen')}/{cov.get('status_codes_declared')} documented status codes, "
        f"{cov.get('chunk_kinds_seen')}/{cov.get('chunk_kinds_declared')} chunk kinds"
    )
    print_fn(
        f"{summary['pass']} passed, {summary['fail']} failed, {summary['xfail']} known failures, "
        f"{summary['stale']} stale baseline entries, {summary['not_exercised']} not exercised "
        f"in {report.duration_s:.1f}s (seed {report.seed}) -> exit {report.exit_code}"
    )
    if report.drift:
        print_fn(drift_module.summary_line(report.drift))
    if paths:
        print_fn(f"reports: {', '.join(str(p) for p in paths.values())}")


def add_run(subparsers: Any) -> None:
    """The ``run`` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="run the conformance suites against a target",
        description=(
            "Check an endpoint against the Assistant API spec: schema conformance (schemathesis), "
            "serialization, filters, finish reasons, streaming, and the client's requests."
        ),
        epilog="exit status: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()),
    )
    parser.add_argument(
        "--target",
        default="embedded",
        help="embedded (default: starts the embedded endpoint), live (PINECONE_API_KEY), "
        "recorded (replays --cassettes), or the URL of any endpoint serving the API",
    )
    parser.add_argument(
        "--api-key", help="API key (default: PINECONE_API_KEY; the embedded target makes one)"
    )
    parser.add_argument(
        "--spec-version",
        default=API_VERSION,
        choices=spec_versions.available(),
        help=f"API version whose spec/ is checked (default: {API_VERSION}, the client's)",
    )
    parser.add_argument("--report-dir", type=Path, default=DEFAULT_REPORT_DIR, help="where the reports go")
    parser.add_argument("--seed", type=int, help="seed of every generator (default: random, printed)")
    parser.add_argument(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help="examples per operation for schemathesis; the other suites scale with it "
        f"(default {DEFAULT_MAX_EXAMPLES})",
    )
    parser.add_argument("--record", type=Path, metavar="DIR", help="record the run's HTTP exchanges into DIR")
    parser.add_argument(
        "--cassettes", type=Path, metavar="DIR", help="recording to replay with --target recorded"
    )
    parser.add_argument(
        "--suite",
        action="append",
        choices=list(SUITE_ORDER),
        help="run only this suite (repeatable; default: all)",
    )
    parser.add_argument(
        "--operation",
        action="append",
        metavar="OPERATION_ID",
        help="limit the schema suite to this operation (repeatable; default: all)",
    )
    parser.add_argument("--baseline", type=Path, help="known failures (default: conformance/baseline.yml)")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="drift (undocumented fields, enum values, status codes, headers) fails the run on every "
        "target (default: only on the embedded endpoint; a warning elsewhere)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="REPORT",
        help="an earlier report.json of the same target and spec version: mark drift that is new since",
    )
    parser.add_argument("--control-url", help=argparse_suppress_help())
    parser.add_argument("--evaluation-url", help=argparse_suppress_help())
    parser.add_argument("--quiet", action="store_true", help="no progress lines, no summary")
    parser.set_defaults(handler=run_command)
    parser.error = _one_line_error(parser.prog)


def _one_line_error(prog: str) -> Callable[[str], NoReturn]:
    """argparse's error, as one line that says how to see the valid values; exit 2."""

    def error(message: str) -> NoReturn:
        print(f"{prog}: {message} (see {prog} --help)", file=sys.stderr)
        raise SystemExit(2)

    return error


def argparse_suppress_help() -> str:
    import argparse

    return argparse.SUPPRESS


def key_problem(key: str | None) -> str | None:
    """Why an API key cannot be sent in a header (None: it can)."""
    if key is None:
        return None
    if not key or not key.isascii() or not key.isprintable() or key != key.strip():
        return (
            "the API key is empty, has spaces around it, or has characters other than printable ASCII; "
            "copy it again from the Pinecone console (--api-key or PINECONE_API_KEY)"
        )
    return None


def run_command(args: Any) -> int:
    """Handler of ``assistant-conformance run``."""
    problem = key_problem(args.api_key if args.api_key is not None else os.environ.get("PINECONE_API_KEY"))
    if problem and args.target != "embedded":
        print(f"assistant-conformance run: {problem}", file=sys.stderr)
        return 2
    if args.max_examples < 1:
        print("assistant-conformance run: --max-examples must be at least 1", file=sys.stderr)
        return 2
    try:
        kind, _ = target_kind(args.target)
    except TargetError as exc:
        print(f"assistant-conformance run: {exc}", file=sys.stderr)
        return 2
    if kind == "recorded" and args.cassettes is None:
        print(
            "assistant-conformance run: --target recorded needs --cassettes DIR (made by --record DIR)",
            file=sys.stderr,
        )
        return 2
    if args.record is not None and kind == "recorded":
        print(
            "assistant-conformance run: --record cannot be combined with --target recorded", file=sys.stderr
        )
        return 2
    options = RunOptions(
        target=args.target,
        api_key=args.api_key,
        spec_version=args.spec_version,
        report_dir=args.report_dir,
        seed=args.seed,
        max_examples=args.max_examples,
        record=args.record,
        cassettes=args.cassettes,
        suites=tuple(args.suite) if args.suite else SUITE_ORDER,
        operations=tuple(args.operation or ()),
        baseline=args.baseline,
        strict=args.strict,
        compare=args.compare,
        control_url=args.control_url,
        evaluation_url=args.evaluation_url,
        quiet=args.quiet,
    )
    try:
        outcome = run(options)
    except KeyboardInterrupt:
        print(
            "assistant-conformance run: interrupted; everything the run created was deleted", file=sys.stderr
        )
        return 130
    except (TargetError, baseline_module.BaselineError) as exc:
        print(f"assistant-conformance run: {exc}", file=sys.stderr)
        return 2
    if outcome.error and outcome.report is None:
        print(f"assistant-conformance run: {outcome.error}", file=sys.stderr)
    return outcome.exit_code
