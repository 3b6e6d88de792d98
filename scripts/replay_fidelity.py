"""Record the conformance run and replay it, seed after seed; count the checks whose status changed.

Usage: .venv/bin/python scripts/replay_fidelity.py [--seeds 5] [--first-seed 1] [-- RUN ARGS...]

For each seed, ``assistant-conformance run --record`` records the run (by default the default run
against the embedded target) into a temporary folder, and ``assistant-conformance run --target
recorded`` replays it. Prints, per seed, the wall time of both, their exit codes and the checks whose
replayed status differs from the recorded one, then the totals. Exit 0 when no status differs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(*args: str) -> tuple[float, int]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "assistant_conformance.cli", "run", "--quiet", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in {0, 1}:
        sys.exit(f"assistant-conformance run {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return time.monotonic() - started, done.returncode


def _statuses(report: Path) -> dict[str, str]:
    return {c["id"]: c["status"] for c in json.loads(report.read_text())["checks"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds (default 5)")
    parser.add_argument("--first-seed", type=int, default=1, help="the first seed (default 1)")
    parser.add_argument("run_args", nargs="*", help="more arguments for `run` (after --)")
    args = parser.parse_args(argv)
    differing_total = 0
    record_total = replay_total = 0.0
    print(f"{'seed':>6} {'checks':>7} {'record s':>9} {'replay s':>9} {'exit':>5} {'differ':>7}")
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        with tempfile.TemporaryDirectory(prefix="replay-fidelity-") as tmp:
            base = Path(tmp)
            common = ("--seed", str(seed), *args.run_args)
            record_s, record_code = _run(
                *("--record", str(base / "c"), "--report-dir", str(base / "a")), *common
            )
            replay_s, replay_code = _run(
                *("--target", "recorded", "--cassettes", str(base / "c"), "--report-dir", str(base / "b")),
                *args.run_args,
            )
            before, after = _statuses(base / "a" / "report.json"), _statuses(base / "b" / "report.json")
        differing = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        differing_total += len(differing)
        record_total += record_s
        replay_total += replay_s
        print(
            f"{seed:>6} {len(before):>7} {record_s:>9.1f} {replay_s:>9.1f} "
            f"{record_code}/{replay_code:<3} {len(differing):>7}"
        )
        for check in differing:
            print(f"       {check}: recorded {before.get(check)}, replayed {after.get(check)}")
    print(
        f"total: {differing_total} differing statuses over {args.seeds} seeds; "
        f"record {record_total:.1f} s, replay {replay_total:.1f} s"
    )
    return 0 if differing_total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
