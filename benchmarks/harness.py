"""Runs every measurement, prints the table and writes ``reports/bench.json``.

Method (see ``docs`` and the module docstrings): the transcripts are served by a separate process
on 127.0.0.1; every subject is first validated in an untimed pass (exactly N objects, the exact
concatenated text and citation count); then the subjects of a format are timed in interleaved
rounds (the order rotates each round), so machine noise hits them alike. The timed span runs from
issuing the request to having consumed the last object. Ratios use the best time of each subject
(noise only ever adds time) and the ratio of medians is reported next to it.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import subjects as subj
from .transcripts import CHUNK_SIZE, Transcript, chat_transcript, completion_transcript

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "reports" / "bench.json"

#: The result rows this harness produces, with their units and goals, in table order.
ROWS: dict[str, tuple[str, str]] = {
    "stream_decode_vs_raw": ("x (time ratio)", "<= 1.0"),
    "stream_decode_speedup_vs_pinecone": ("x", ">= 2.0"),
    "completion_decode_speedup_vs_pinecone": ("x", ">= 1.0"),
    "stream_decode_speedup_vs_openai": ("x", ">= 30"),
    "first_chunk_latency_ms": ("ms", "<= 5"),
    "chat_p50_vs_httpx": ("x (time ratio)", "<= 1.10"),
    "import_time_vs_openai": ("x (time ratio)", "<= 0.25"),
    "import_time_vs_pinecone": ("x (time ratio)", "<= 0.75"),
}

VERSIONED = (
    "httpx",
    "httpcore",
    "h11",
    "orjson",
    "attrs",
    "pinecone",
    "openai",
    "httpx2",
    "msgspec",
    "pydantic",
)


# --------------------------------------------------------------------------- the server process


@contextmanager
def serve(events: int) -> Iterator[str]:
    """Start ``benchmarks.server`` in a child process; yields its URL; stops it on exit."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.server", "--events", str(events)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = _read_line(proc, timeout=120)
        if not line.startswith("READY "):
            raise RuntimeError(f"the benchmark server did not start (said {line!r})")
        yield line.split()[1]
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(proc.stdout.readline() if proc.stdout else ""))
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    if not result:
        proc.kill()
        raise RuntimeError(f"the benchmark server printed nothing within {timeout:.0f}s")
    return result[0].strip()


# --------------------------------------------------------------------------- decode benchmarks


@dataclass
class Timing:
    """What one subject did over the run."""

    subject: subj.Subject
    times: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def validate(subject: subj.Subject, expected: Transcript) -> str | None:
    """None if the subject yields exactly the expected objects, else what was wrong."""
    try:
        count = citations = 0
        parts: list[str] = []
        for obj in subject.open():
            count += 1
            parts.append(subject.text_of(obj))
            citations += subject.is_citation(obj)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    text = "".join(parts)
    problems = []
    if count != expected.n:
        problems.append(f"{count} objects instead of {expected.n}")
    if text != expected.text:
        problems.append(f"text differs ({len(text)} characters instead of {len(expected.text)})")
    if citations != expected.citations:
        problems.append(f"{citations} citations instead of {expected.citations}")
    return "; ".join(problems) or None


def time_once(subject: subj.Subject, n: int) -> float:
    """Seconds from issuing the request to having consumed the last object."""
    gc.collect()
    count = 0
    start = time.perf_counter()
    for _ in subject.open():
        count += 1
    elapsed = time.perf_counter() - start
    if count != n:
        raise RuntimeError(f"{subject.label} yielded {count} objects instead of {n} in a timed run")
    return elapsed


def run_format(group: list[subj.Subject], expected: Transcript, log: Callable[[str], None]) -> list[Timing]:
    """Validate each subject, then time the valid ones in interleaved, rotating rounds."""
    timings = [Timing(subject) for subject in group]
    for timing in timings:
        timing.error = validate(timing.subject, expected)
        status = "ok" if timing.error is None else f"INVALID ({timing.error})"
        log(f"  validated {expected.fmt} {timing.subject.label}: {status}")
    valid = [t for t in timings if t.error is None]
    rounds = max((t.subject.repeats for t in valid), default=0)
    for r in range(rounds):
        order = valid[r % len(valid) :] + valid[: r % len(valid)]
        for timing in order:
            if len(timing.times) < timing.subject.repeats:
                timing.times.append(time_once(timing.subject, expected.n))
        log(
            f"  {expected.fmt} round {r + 1}/{rounds}: "
            + ", ".join(f"{t.subject.key} {t.times[-1]:.3f}s" for t in order)
        )
    for timing in timings:
        timing.subject.close()
    return timings


# --------------------------------------------------------------------------- first chunk latency


def first_chunk_latency(base: str, runs: int) -> dict[str, Any]:
    """Milliseconds from the server's flush of the first chunk to our caller holding it.

    Both ends read ``time.time_ns()`` (CLOCK_REALTIME): one system-wide clock, so stamps taken in
    two processes on the same machine are comparable (``perf_counter`` is not guaranteed to be).
    The server stays a separate process, as for every other streaming figure, so the client's
    and server's work do not share one interpreter lock.
    """
    from .server import LATENCY_NAME

    opener, close, path = subj.ours_stream_opener(base, "A", LATENCY_NAME)
    received: list[int] = []
    try:
        for _ in range(runs):
            iterator = iter(opener())
            next(iterator)
            received.append(time.time_ns())
            for _ in iterator:
                pass
    finally:
        close()
    flushed = subj.httpx.get(f"{base}/bench/flushes", timeout=10).json()
    if len(flushed) != len(received):
        raise RuntimeError(f"{len(flushed)} flush stamps for {len(received)} streams")
    latencies = sorted((r - f) / 1e6 for r, f in zip(received, flushed, strict=True))
    return {
        "value": statistics.median(latencies),
        "min": latencies[0],
        "p90": latencies[int(0.9 * (len(latencies) - 1))],
        "max": latencies[-1],
        "runs": runs,
        "path": path,
        "clock": "time.time_ns (CLOCK_REALTIME) in both processes",
    }


# --------------------------------------------------------------------------- non-streaming chat


def chat_p50(base: str, requests: int) -> dict[str, Any]:
    """p50 of one non-streaming chat, ours / plain httpx, interleaved request by request."""
    ours_call, ours_close, path = subj.ours_chat_caller(base)
    raw_call, raw_close = subj.raw_chat_caller(base)
    ours_times: list[float] = []
    raw_times: list[float] = []
    try:
        answer = ours_call()
        if not getattr(answer, "citations", None):
            raise RuntimeError(f"our chat answer has no citations: {answer!r}")
        for _ in range(max(5, requests // 10)):  # warm-up: connections, caches
            ours_call()
            raw_call()
        for i in range(requests):
            pair = ((ours_call, ours_times), (raw_call, raw_times))
            for call, times in pair if i % 2 == 0 else reversed(pair):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
    finally:
        ours_close()
        raw_close()
    ours_p50 = statistics.median(ours_times)
    raw_p50 = statistics.median(raw_times)
    return {
        "value": ours_p50 / raw_p50,
        "ours_p50_ms": ours_p50 * 1e3,
        "httpx_p50_ms": raw_p50 * 1e3,
        "ours_p90_ms": _quantile(ours_times, 0.9) * 1e3,
        "httpx_p90_ms": _quantile(raw_times, 0.9) * 1e3,
        "requests": requests,
        "path": path,
        "baseline": "httpx.Client.post + response.json()",
    }


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


# --------------------------------------------------------------------------- import time


def import_times(runs: int, keys: list[str], log: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """Median wall time of ``python -c CODE`` per case, minus that of ``python -c pass``, interleaved."""
    cases = subj.import_cases()
    keys = ["pass", *keys]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    samples: dict[str, list[float]] = {key: [] for key in keys}
    errors: dict[str, str] = {}
    for r in range(runs):
        order = keys[r % len(keys) :] + keys[: r % len(keys)]
        for key in order:
            if key in errors:
                continue
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", cases[key][0]], env=env, capture_output=True, text=True, check=False
            )
            elapsed = time.perf_counter() - start
            if done.returncode:
                errors[key] = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
                log(f"  import {key}: {errors[key]}")
            samples[key].append(elapsed)
    base = statistics.median(samples["pass"])
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        entry: dict[str, Any] = {"code": cases[key][0], "description": cases[key][1]}
        if key in errors:
            entry["error"] = errors[key]
        else:
            median = statistics.median(samples[key])
            entry.update(median_ms=median * 1e3, minus_pass_ms=(median - base) * 1e3, runs=runs)
        out[key] = entry
    return out


# --------------------------------------------------------------------------- the embedded endpoint


def embedded_rows(log: Callable[[str], None]) -> list[dict[str, Any]]:
    """The rows of ``benchmarks/embedded.py`` (the endpoint's own figures), if that module exists."""
    if importlib.util.find_spec("benchmarks.embedded") is None:
        log("  benchmarks/embedded.py not present: no endpoint figures")
        return []
    from . import embedded  # type: ignore[attr-defined]

    try:
        rows = list(embedded.run())
    except Exception as exc:
        log(f"  embedded figures failed: {type(exc).__name__}: {exc}")
        return [_row("embedded", None, "", None, error=f"{type(exc).__name__}: {exc}")]
    out = []
    for row in rows:
        missing = {"name", "value", "unit", "goal"} - set(row)
        if missing:
            out.append(
                _row(str(row.get("name", "embedded")), None, "", None, error=f"row lacks {sorted(missing)}")
            )
        else:
            out.append({**row, "met": row.get("met", _met(row["value"], row["goal"]))})
    return out


# --------------------------------------------------------------------------- results


def _met(value: Any, goal: Any) -> bool | None:
    if not isinstance(value, int | float) or not isinstance(goal, str):
        return None
    op, _, bound = goal.partition(" ")
    try:
        limit = float(bound)
    except ValueError:
        return None
    if op == "<=":
        return value <= limit
    if op == ">=":
        return value >= limit
    return None


def _row(name: str, value: float | None, unit: str, goal: str | None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "goal": goal, "met": _met(value, goal), **extra}


def _goal_row(name: str, value: float | None, **extra: Any) -> dict[str, Any]:
    unit, goal = ROWS[name]
    return _row(name, value, unit, goal, **extra)


def _speedup(name: str, timings: dict[str, Timing], slow: str, fast: str, skip: str | None) -> dict[str, Any]:
    """``slow`` time / ``fast`` time (or ``fast`` / floor for the ratio rows)."""
    a, b = timings.get(slow), timings.get(fast)
    if a is None or b is None:
        return _goal_row(name, None, skipped=skip or f"{slow if a is None else fast} not measured")
    for t in (a, b):
        if t.error:
            return _goal_row(name, None, error=f"{t.subject.label}: {t.error}")
    return _goal_row(
        name,
        a.best / b.best,
        value_median=a.median / b.median,
        numerator={"subject": a.subject.label, "best_s": a.best, "median_s": a.median, "runs": len(a.times)},
        denominator={
            "subject": b.subject.label,
            "best_s": b.best,
            "median_s": b.median,
            "runs": len(b.times),
        },
    )


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "platform": platform.platform()}
    for name in VERSIONED:
        with suppress(importlib.metadata.PackageNotFoundError):
            out[name] = importlib.metadata.version(name)
    return out


def _format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def render(report: dict[str, Any]) -> str:
    """The printed tables: results with goals, then the decode subjects."""
    lines = ["", "| name | value | unit | goal | met | note |", "|---|---:|---|---|---|---|"]
    for row in report["results"]:
        met = {True: "yes", False: "NO", None: "-"}[row.get("met")]
        note = row.get("skipped") or row.get("error") or row.get("note") or ""
        if "value_median" in row:
            note = f"median ratio {row['value_median']:.3f}" + (f"; {note}" if note else "")
        lines.append(
            f"| {row['name']} | {_format_value(row['value'])} | {row['unit']} | {row['goal'] or ''} "
            f"| {met} | {note} |"
        )
    lines += [
        "",
        f"Decode: N = {report['events']:,} events, {report['chunk_size'] // 1024} KiB chunks, "
        "best and median of the runs",
        "",
        "| fmt | subject | yields | runs | best s | median s | events/s (best) "
        "| x floor (best) | x floor (median) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in report["subjects"]:
        if entry.get("error"):
            lines.append(
                f"| {entry['fmt']} | {entry['label']} | {entry['yields']} | - | - | - | - | - "
                f"| {entry['error']} |"
            )
            continue
        lines.append(
            f"| {entry['fmt']} | {entry['label']} | {entry['yields']} | {entry['runs']} "
            f"| {entry['best_s']:.3f} | {entry['median_s']:.3f} | {entry['events_per_s']:,.0f} "
            f"| {entry['x_floor_best']:.3f} | "
            f"{entry['x_floor_median']:.3f} |"
        )
    imports = report.get("import_time", {})
    if imports:
        lines += ["", "| import case | median ms | minus `pass` ms |", "|---|---:|---:|"]
        for entry in imports.values():
            if "error" in entry:
                lines.append(f"| {entry['description']} | - | {entry['error']} |")
            else:
                lines.append(
                    f"| {entry['description']} | {entry['median_ms']:.1f} | {entry['minus_pass_ms']:.1f} |"
                )
    lines += ["", f"Paths measured for ours: {'; '.join(report['ours_paths'])}", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events per transcript (100,000)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per subject (7)")
    parser.add_argument(
        "--openai-repeats", type=int, default=3, help="timed runs of the openai SDK (3; ~6 s each)"
    )
    parser.add_argument(
        "--latency-runs", type=int, default=40, help="streams for the first-chunk latency (40)"
    )
    parser.add_argument("--chat-requests", type=int, default=400, help="non-streaming chats per client (400)")
    parser.add_argument("--import-runs", type=int, default=7, help="fresh processes per import case (7)")
    parser.add_argument("--no-peers", action="store_true", help="skip pinecone and openai even if installed")
    parser.add_argument("--no-embedded", action="store_true", help="skip the embedded endpoint figures")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON report")
    parser.add_argument("--quiet", action="store_true", help="print only the tables")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.events < 2:
        raise SystemExit("--events must be at least 2")
    started = time.perf_counter()
    load_start = os.getloadavg()

    def log(message: str) -> None:
        if not args.quiet:
            print(message, flush=True)

    peers = {name: (not args.no_peers and subj.peer_available(name)) for name in ("pinecone", "openai")}
    skip_reason = {
        name: ("--no-peers" if args.no_peers else f"{name} is not installed here (nox -s bench installs it)")
        for name, ok in peers.items()
        if not ok
    }
    a = chat_transcript(args.events)
    b = completion_transcript(args.events)
    log(
        f"transcripts: {args.events:,} events each; "
        f"A {len(a.body()) / 1e6:.2f} MB, B {len(b.body()) / 1e6:.2f} MB"
    )

    report: dict[str, Any] = {"events": args.events, "chunk_size": CHUNK_SIZE}
    results: list[dict[str, Any]] = []
    subject_entries: list[dict[str, Any]] = []
    ours_paths: list[str] = []
    failed = False
    with serve(args.events) as base:
        log(f"server: {base} (separate process)")
        timings: dict[str, dict[str, Timing]] = {}
        for transcript in (a, b):
            fmt = transcript.fmt
            group = [subj.floor(base, fmt), subj.floor(base, fmt, orjson_variant=True), subj.ours(base, fmt)]
            if peers["pinecone"]:
                group.append(subj.pinecone(base, fmt))
            if fmt == "B" and peers["openai"]:
                group.append(subj.openai(base, fmt, args.openai_repeats))
            for subject in group:
                if subject.key != "openai":
                    subject.repeats = args.repeats
            ours_paths.append(f"{fmt}: {group[2].path}")
            log(f"format {fmt}:")
            timings[fmt] = {t.subject.key: t for t in run_format(group, transcript, log)}
            failed |= any(t.error for t in timings[fmt].values())
            floor = timings[fmt]["floor"]
            for t in timings[fmt].values():
                entry: dict[str, Any] = {
                    "fmt": fmt,
                    "key": t.subject.key,
                    "label": t.subject.label,
                    "yields": t.subject.yields,
                }
                if t.error or floor.error:
                    entry["error"] = t.error or "floor invalid"
                else:
                    entry.update(
                        runs=len(t.times),
                        best_s=t.best,
                        median_s=t.median,
                        times_s=t.times,
                        events_per_s=transcript.n / t.best,
                        x_floor_best=floor.best / t.best,
                        x_floor_median=floor.median / t.median,
                    )
                subject_entries.append(entry)

        results.append(_speedup("stream_decode_vs_raw", timings["A"], "ours", "floor", None))
        results.append(
            _speedup(
                "stream_decode_speedup_vs_pinecone",
                timings["A"],
                "pinecone",
                "ours",
                skip_reason.get("pinecone"),
            )
        )
        results.append(
            _speedup(
                "completion_decode_speedup_vs_pinecone",
                timings["B"],
                "pinecone",
                "ours",
                skip_reason.get("pinecone"),
            )
        )
        results.append(
            _speedup(
                "stream_decode_speedup_vs_openai", timings["B"], "openai", "ours", skip_reason.get("openai")
            )
        )

        log("first chunk latency:")
        try:
            latency = first_chunk_latency(base, args.latency_runs)
            ours_paths.append(f"latency: {latency['path']}")
            results.append(_goal_row("first_chunk_latency_ms", **latency))
        except Exception as exc:
            failed = True
            results.append(_goal_row("first_chunk_latency_ms", None, error=f"{type(exc).__name__}: {exc}"))

        log("non-streaming chat:")
        try:
            chat = chat_p50(base, args.chat_requests)
            ours_paths.append(f"chat: {chat['path']}")
            results.append(_goal_row("chat_p50_vs_httpx", **chat))
        except Exception as exc:
            failed = True
            results.append(_goal_row("chat_p50_vs_httpx", None, error=f"{type(exc).__name__}: {exc}"))

    log("import time:")
    keys = ["ours"] + [name for name in ("openai", "pinecone") if peers[name]]
    imports = import_times(args.import_runs, keys, log)
    report["import_time"] = imports
    for name, peer in (("import_time_vs_openai", "openai"), ("import_time_vs_pinecone", "pinecone")):
        if not peers[peer]:
            results.append(_goal_row(name, None, skipped=skip_reason[peer]))
        elif "error" in imports["ours"] or "error" in imports[peer]:
            failed = True
            results.append(
                _goal_row(name, None, error=imports["ours"].get("error") or imports[peer].get("error"))
            )
        else:
            results.append(
                _goal_row(
                    name,
                    imports["ours"]["minus_pass_ms"] / imports[peer]["minus_pass_ms"],
                    ours_ms=imports["ours"]["minus_pass_ms"],
                    peer_ms=imports[peer]["minus_pass_ms"],
                    runs=args.import_runs,
                    note=f"ours {imports['ours']['minus_pass_ms']:.0f} ms, "
                    f"{peer} {imports[peer]['minus_pass_ms']:.0f} ms",
                )
            )
    ours_paths.append(f"import: {imports['ours']['description']}")

    if not args.no_embedded:
        log("embedded endpoint:")
        results.extend(embedded_rows(log))

    report["results"] = results
    report["subjects"] = subject_entries
    report["ours_paths"] = ours_paths
    report["versions"] = _versions()
    report["machine"] = {
        "cpus": os.cpu_count(),
        "load_avg_start": load_start,
        "load_avg_end": os.getloadavg(),
        "wall_s": time.perf_counter() - started,
    }
    report["method"] = {
        "timed_span": "from issuing the request to having consumed the last object",
        "value": "ratio of best times; value_median is the ratio of median times",
        "interleaving": "subjects of a format timed in rotating rounds",
        "server": "separate process, ThreadingHTTPServer on 127.0.0.1, pre-framed chunked body",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps({"results": results, **{k: v for k, v in report.items() if k != "results"}}, indent=2)
    )
    print(render(report))
    print(
        f"wrote {args.output} in {report['machine']['wall_s']:.0f} s; "
        f"load average {report['machine']['load_avg_end']}"
    )
    return 1 if failed else 0
