"""``python -m assistant_conformance.explore --seeds N``: many random seeds, one table of distinct failures.

The fixed-seed run of CI repeats one draw; exploration draws N others. The schema suite's examples
and coverage phases enumerate the same cases for every seed, so exploration runs its fuzzing phase
only (``--all-phases`` for all three). Each seed is one
``assistant-conformance run`` in one of ``--jobs`` worker processes (few examples each) against the embedded
endpoint. Failures are grouped by check id and the first line of their message; each group keeps the
seeds that showed it and a reproducer (the curl command of the failing request, and the run command
with the seed). Writes ``explore.json`` and ``explore.md`` to ``--report-dir``. Exit 0 when no seed
failed.

A failure found this way is fixed where it lives (spec, endpoint or client) and pinned as an explicit
case that the fixed-seed run replays (see ``PINNED`` in ``assistant_conformance.suites.schema``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

FAILING = {"fail", "stale", "not_recorded"}


def _one_seed(job: tuple[int, int, tuple[str, ...], str, tuple[str, ...]]) -> dict[str, Any]:
    """One run in a worker process (imports are paid once per worker, not once per seed)."""
    from assistant_conformance.runner import SUITE_ORDER, RunOptions, run

    seed, max_examples, suites, workdir, phases = job
    started = time.monotonic()
    failures: list[dict[str, Any]] = []
    try:
        outcome = run(
            RunOptions(
                seed=seed,
                max_examples=max_examples,
                suites=suites or SUITE_ORDER,
                report_dir=Path(workdir) / str(seed),
                quiet=True,
                schema_phases=phases,
            )
        )
    except Exception as exc:  # a crash is a finding too
        return {
            "seed": seed,
            "exit_code": -1,
            "failures": [{"id": "run.crashed", "message": f"{type(exc).__name__}: {exc}"[:300]}],
            "seconds": time.monotonic() - started,
        }
    if outcome.report is None:
        failures.append({"id": "run.could_not_start", "message": str(outcome.error)[:300]})
    else:
        for check in outcome.report.checks:
            if check.status.value in FAILING:
                failures.append(
                    {
                        "id": check.id,
                        "message": check.message.splitlines()[0][:300] if check.message else "",
                        "curl": check.reproduction.curl if check.reproduction else None,
                    }
                )
    return {
        "seed": seed,
        "exit_code": outcome.exit_code,
        "failures": failures,
        "seconds": time.monotonic() - started,
    }


def summarise(runs: list[dict[str, Any]], args: argparse.Namespace, started: float) -> dict[str, Any]:
    """The table of distinct failures over the runs finished so far."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for result in runs:
        for failure in result["failures"]:
            key = (failure["id"], failure["message"])
            group = groups.setdefault(key, {"id": failure["id"], "message": failure["message"], "seeds": []})
            group["seeds"].append(result["seed"])
            group.setdefault("curl", failure.get("curl"))
    distinct = sorted(groups.values(), key=lambda g: (-len(g["seeds"]), g["id"]))
    for group in distinct:
        group["rerun"] = (
            f"assistant-conformance run --seed {group['seeds'][0]} --max-examples {args.max_examples}"
        )
    return {
        "seeds": len(runs),
        "seeds_planned": args.seeds,
        "max_examples": args.max_examples,
        "suites": args.suite or "all",
        "failed_seeds": sum(1 for r in runs if r["failures"]),
        "distinct_failures": distinct,
        "duration_s": round(time.monotonic() - started, 1),
        "runs": [{k: r[k] for k in ("seed", "exit_code", "seconds")} for r in runs],
    }


def write(summary: dict[str, Any], report_dir: Path) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "explore.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (report_dir / "explore.md").write_text(render_markdown(summary), encoding="utf-8")


def explore(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.base_seed) if args.base_seed is not None else random.SystemRandom()
    seeds = [rng.randrange(2**31) for _ in range(args.seeds)]
    started = time.monotonic()
    runs = []
    with (
        tempfile.TemporaryDirectory(prefix="conformance-explore-") as tmp,
        ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool,
    ):
        phases = () if args.all_phases else ("fuzzing",)
        jobs = [(seed, args.max_examples, tuple(args.suite or ()), tmp, phases) for seed in seeds]
        for index, result in enumerate(pool.map(_one_seed, jobs), start=1):
            runs.append(result)
            verdict = "ok" if not result["failures"] else f"{len(result['failures'])} failing checks"
            print(
                f"explore: [{index}/{len(seeds)}] seed {result['seed']}: {verdict} "
                f"({result['seconds']:.1f}s)",
                file=sys.stderr,
                flush=True,
            )
            write(summarise(runs, args, started), args.report_dir)  # a partial table survives a stop
    return summarise(runs, args, started)


def render_markdown(summary: dict[str, Any]) -> str:
    lines = [
        "# Conformance exploration",
        "",
        f"{summary['seeds']} of {summary['seeds_planned']} random seeds run, "
        f"{summary['max_examples']} examples per operation, suites {summary['suites']}: "
        f"{summary['failed_seeds']} seeds failed, "
        f"{len(summary['distinct_failures'])} distinct failures, {summary['duration_s']} s.",
        "",
        "| check | seeds | message | reproduce |",
        "|---|---|---|---|",
    ]
    for group in summary["distinct_failures"]:
        repro = f"`{group['rerun']}`" + (f"<br>`{group['curl']}`" if group.get("curl") else "")
        message = group["message"].replace("|", "\\|")
        lines.append(f"| `{group['id']}` | {len(group['seeds'])} | {message} | {repro} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="conformance_explore", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="how many random seeds (default 20)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    parser.add_argument("--max-examples", type=int, default=3, help="examples per operation (default 3)")
    parser.add_argument("--suite", action="append", help="only this suite (repeatable; default all)")
    parser.add_argument(
        "--all-phases",
        action="store_true",
        help="also run the examples and coverage phases (the same for every seed; default: fuzzing only)",
    )
    parser.add_argument("--base-seed", type=int, help="draw the seeds from this seed (default: random)")
    parser.add_argument("--report-dir", type=Path, default=Path("reports/conformance/explore"))
    args = parser.parse_args(argv)
    summary = explore(args)
    write(summary, args.report_dir)
    print(
        f"{summary['failed_seeds']}/{summary['seeds']} seeds failed; "
        f"{len(summary['distinct_failures'])} distinct failures; report in {args.report_dir}"
    )
    return 1 if summary["failed_seeds"] else 0


if __name__ == "__main__":
    sys.exit(main())
