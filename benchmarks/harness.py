"""Runs every measurement, prints the table and writes ``reports/bench.json``.

Method (see ``docs`` and the module docstrings): the transcripts are served by a separate process
on 127.0.0.1; every subject is first validated in an untimed pass (exactly N objects, the exact
concatenated text and citation count); then the subjects of a format are timed in interleaved
rounds (the order rotates each round), so machine noise hits them alike. The timed span runs from
issuing the request to having consumed the last object; both the wall time and the caller's CPU
time (``time.process_time``; the server is another process) are recorded. The decode and import
ratios use CPU time, because on this shared 2-core machine other work inflates wall times by up to
3x between runs while the caller's CPU time stays put; the wall-time ratios (best and median) are
reported next to them, and converge with the CPU ratios on a quiet machine.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import importlib.util
import json
import os
import platform
import resource
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
    "stream_decode_vs_raw": ("x (time ratio)", "<= 0.55"),
    "stream_decode_speedup_vs_pinecone": ("x", ">= 2.0"),
    "completion_decode_speedup_vs_pinecone": ("x", ">= 1.0"),
    "stream_decode_speedup_vs_openai": ("x", ">= 30"),
    "first_chunk_latency_ms": ("ms", "<= 1.0"),
    "chat_p50_vs_httpx": ("x (time ratio)", "<= 1.05"),
    "raw_response_overhead": ("x (time ratio)", "<= 1.02"),
    "import_time_vs_openai": ("x (time ratio)", "<= 0.15"),
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
    """What one subject did over the run: wall and CPU seconds of each timed run, in round order."""

    subject: subj.Subject
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best_cpu(self) -> float:
        return min(self.cpu)


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


def time_once(subject: subj.Subject, n: int) -> tuple[float, float]:
    """Wall and CPU seconds (this process) from issuing the request to having consumed the last object.

    The CPU time is the caller's own work (the server is another process); on a loaded machine it
    moves much less than the wall time, so it is reported next to it.
    """
    gc.collect()
    count = 0
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in subject.open():
        count += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    if count != n:
        raise RuntimeError(f"{subject.label} yielded {count} objects instead of {n} in a timed run")
    return elapsed, cpu


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
                wall, cpu = time_once(timing.subject, expected.n)
                timing.times.append(wall)
                timing.cpu.append(cpu)
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
    subj.httpx.get(f"{base}/bench/flushes", timeout=10)  # forget the stamps of any probe
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
    cpu = {"ours": 0.0, "raw": 0.0}
    try:
        answer = ours_call()
        if not getattr(answer, "citations", None):
            raise RuntimeError(f"our chat answer has no citations: {answer!r}")
        for _ in range(max(5, requests // 10)):  # warm-up: connections, caches
            ours_call()
            raw_call()
        for i in range(requests):
            pair = (("ours", ours_call, ours_times), ("raw", raw_call, raw_times))
            for key, call, times in pair if i % 2 == 0 else reversed(pair):
                start_cpu = time.process_time()
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
                cpu[key] += time.process_time() - start_cpu
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
        "ours_cpu_us_per_call": cpu["ours"] / requests * 1e6,
        "httpx_cpu_us_per_call": cpu["raw"] / requests * 1e6,
        "cpu_ratio": cpu["ours"] / cpu["raw"],
        "note": f"p50 {ours_p50 * 1e3:.3f} ms vs {raw_p50 * 1e3:.3f} ms; caller cpu per call "
        f"{cpu['ours'] / requests * 1e6:.0f} us vs {cpu['raw'] / requests * 1e6:.0f} us "
        f"(ratio {cpu['ours'] / cpu['raw']:.3f})",
        "requests": requests,
        "path": path,
        "baseline": "httpx.Client.post + response.json()",
    }


def raw_response_overhead(base: str, requests: int) -> dict[str, Any]:
    """p50 of one non-streaming chat through ``with_raw_response`` (then ``.parse()``) / the plain call.

    Both go through the same client and connection, interleaved request by request.
    """
    plain, raw, close, path = subj.ours_raw_chat_callers(base)
    times: dict[str, list[float]] = {"plain": [], "raw": []}
    try:
        for _ in range(max(5, requests // 10)):  # warm-up: connections, caches
            plain()
            raw()
        for i in range(requests):
            pair = (("plain", plain), ("raw", raw))
            for key, call in pair if i % 2 == 0 else reversed(pair):
                start = time.perf_counter()
                call()
                times[key].append(time.perf_counter() - start)
    finally:
        close()
    plain_p50 = statistics.median(times["plain"])
    raw_p50 = statistics.median(times["raw"])
    return {
        "value": raw_p50 / plain_p50,
        "raw_p50_ms": raw_p50 * 1e3,
        "plain_p50_ms": plain_p50 * 1e3,
        "note": f"p50 {raw_p50 * 1e3:.3f} ms with_raw_response vs {plain_p50 * 1e3:.3f} ms plain",
        "requests": requests,
        "path": path,
    }


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int(q * (len(ordered) - 1))]


# --------------------------------------------------------------------------- import time

#: Where the import-time environments are created, afresh by every run that measures import time.
IMPORT_ENVS = ROOT / ".nox" / "bench-import-envs"
#: The distribution this repository builds (installed without extras into the ``ours`` environment).
OURS_DISTRIBUTION = "pinecone-assistant-kit"
#: Peer pins used when the peer is not installed next to the harness (otherwise its installed version).
PEER_PINS = {"openai": "openai==3.54.0", "pinecone": "pinecone==10.2.0"}


@dataclass
class ImportEnv:
    """The interpreter one import case runs in, and what that environment holds."""

    python: str
    description: str
    packages: list[str] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"python": self.python, "description": self.description}
        if self.packages:
            out["packages"] = self.packages
        if self.error:
            out["error"] = self.error
        return out


def _peer_requirement(name: str) -> str:
    try:
        return f"{name}=={importlib.metadata.version(name)}"
    except importlib.metadata.PackageNotFoundError:
        return PEER_PINS[name]


def _installed(python: str) -> list[str]:
    code = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps(sorted({d.metadata['Name'] + '==' + d.version for d in m.distributions()})))"
    )
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout))


def _site_packages(python: str) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(
        subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    )


def _check_ours_is_current(python: str) -> None:
    """Raise unless the installed overlay and generated package equal the working tree, file by file."""
    site = _site_packages(python)
    for source in ("overlay/pinecone_assistant", "generated/assistant_api"):
        tree = ROOT / source
        for path in sorted(tree.rglob("*.py")):
            installed = site / tree.name / path.relative_to(tree)
            if not installed.is_file() or installed.read_bytes() != path.read_bytes():
                raise RuntimeError(
                    f"the fresh environment holds a stale {tree.name}/{path.relative_to(tree)}"
                )


def _run_quiet(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["failed"]
        raise RuntimeError(f"{Path(argv[0]).name} {' '.join(argv[1:3])}: {lines[-1]}")


def fresh_env(name: str, requirement: str, log: Callable[[str], None], root: Path = IMPORT_ENVS) -> ImportEnv:
    """A new virtual environment holding only ``requirement`` and its dependencies, bytecode compiled.

    With ``uv`` (``uv venv`` + ``uv pip install --compile-bytecode``) when it is on PATH, else
    ``python -m venv`` + pip (which compiles bytecode by default). The environment is recreated on
    every run, and for ``ours`` the installed files are compared with the working tree.
    """
    import shutil

    target = root / name
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    python = str(target / "bin" / "python")
    extra = (
        ["--reinstall-package", OURS_DISTRIBUTION, "--refresh-package", OURS_DISTRIBUTION]
        if name == "ours"
        else []
    )
    uv = shutil.which("uv")
    if uv:
        _run_quiet([uv, "venv", "--quiet", "--python", sys.executable, str(target)])
        _run_quiet(
            [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", python, *extra, requirement]
        )
        how = "uv venv + uv pip install --compile-bytecode"
    else:
        _run_quiet([sys.executable, "-m", "venv", str(target)])
        _run_quiet([python, "-m", "pip", "install", "--quiet", "--no-cache-dir", requirement])
        how = "python -m venv + pip install"
    if name == "ours":
        _check_ours_is_current(python)
    packages = _installed(python)
    shown = "this repository, no extras" if name == "ours" else requirement
    log(f"  fresh environment {name}: {shown}; {len(packages)} distributions")
    where = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    return ImportEnv(python, f"fresh venv {where} ({how} {shown})", packages)


def import_envs(keys: list[str], mode: str, log: Callable[[str], None]) -> dict[str, ImportEnv]:
    """The environment of each subject (``ours``, ``openai``, ``pinecone``).

    ``fresh``: each subject in a virtual environment of its own holding only its distribution, as a
    user installing it would have it (ours without the dev extra, so no click, rich or h2).
    ``current``: the interpreter running the harness, whatever it holds. A fresh environment that
    cannot be built falls back to the current one, and says so.
    """
    current = ImportEnv(sys.executable, f"current interpreter {sys.executable} (all installed packages)")
    if mode == "current":
        return dict.fromkeys(keys, current)
    out: dict[str, ImportEnv] = {}
    for key in keys:
        requirement = str(ROOT) if key == "ours" else _peer_requirement(key)
        try:
            out[key] = fresh_env(key, requirement, log)
        except (OSError, RuntimeError, subprocess.CalledProcessError, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            log(f"  fresh environment {key} failed ({reason}); measuring in the current interpreter")
            out[key] = ImportEnv(
                sys.executable,
                current.description + f"; the fresh environment failed: {reason}",
                error=reason,
            )
    return out


def import_times(
    runs: int, keys: list[str], envs: dict[str, ImportEnv], log: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    """Median wall and CPU time of ``python -c CODE`` per case, minus those of ``python -c pass``.

    Every case runs in its subject's environment (``envs``) and is compared with ``python -c pass``
    in the same environment. Cases are interleaved (the order rotates each round), after one untimed
    run each that also checks the code works. The CPU time is the child's user + system time
    (``RUSAGE_CHILDREN``), which a loaded machine disturbs much less than the wall time. Children
    get the harness's environment variables minus ``PYTHONPATH`` and ``PYTHONDONTWRITEBYTECODE``
    (a user's installed packages have their bytecode cached) and start in the environment folder.
    """
    cases = subj.import_cases()
    subject_of = {key: "ours" if key.startswith("ours") else key for key in keys}
    passes = {f"pass-{name}": name for name in dict.fromkeys(subject_of.values())}
    all_keys = [*passes, *keys]
    env_of = {
        **{key: envs[name] for key, name in passes.items()},
        **{k: envs[s] for k, s in subject_of.items()},
    }
    code_of = {**dict.fromkeys(passes, "pass"), **{key: cases[key][0] for key in keys}}
    child_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    walls: dict[str, list[float]] = {key: [] for key in all_keys}
    cpus: dict[str, list[float]] = {key: [] for key in all_keys}
    errors: dict[str, str] = {}

    def run(key: str) -> subprocess.CompletedProcess[str]:
        python = env_of[key].python
        cwd = Path(python).parents[1] if env_of[key].python != sys.executable else ROOT
        return subprocess.run(
            [python, "-c", code_of[key]], env=child_env, cwd=cwd, capture_output=True, text=True, check=False
        )

    for key in all_keys:  # untimed: checks the code, lets the interpreter cache what it caches
        done = run(key)
        if done.returncode:
            errors[key] = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
            log(f"  import {key}: {errors[key]}")
    for r in range(runs):
        order = all_keys[r % len(all_keys) :] + all_keys[: r % len(all_keys)]
        for key in order:
            if key in errors:
                continue
            before = _children_cpu()
            start = time.perf_counter()
            run(key)
            walls[key].append(time.perf_counter() - start)
            cpus[key].append(_children_cpu() - before)
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        pass_key = f"pass-{subject_of[key]}"
        entry: dict[str, Any] = {
            "code": cases[key][0],
            "description": cases[key][1],
            "environment": env_of[key].description,
        }
        if key in errors or pass_key in errors:
            entry["error"] = errors.get(key) or errors[pass_key]
        else:
            wall = statistics.median(walls[key])
            cpu = statistics.median(cpus[key])
            base_wall = statistics.median(walls[pass_key])
            base_cpu = statistics.median(cpus[pass_key])
            entry.update(
                median_ms=wall * 1e3,
                minus_pass_ms=(wall - base_wall) * 1e3,
                median_cpu_ms=cpu * 1e3,
                cpu_minus_pass_ms=(cpu - base_cpu) * 1e3,
                pass_ms=base_wall * 1e3,
                pass_cpu_ms=base_cpu * 1e3,
                runs=runs,
            )
        out[key] = entry
    return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
        a.best_cpu / b.best_cpu,
        value_wall=a.best / b.best,
        value_wall_median=a.median / b.median,
        numerator=_figures(a),
        denominator=_figures(b),
    )


def _figures(t: Timing) -> dict[str, Any]:
    return {
        "subject": t.subject.label,
        "best_s": t.best,
        "median_s": t.median,
        "best_cpu_s": t.best_cpu,
        "runs": len(t.times),
    }


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
        if "value_wall_median" in row:
            wall = f"cpu best; wall: best {row['value_wall']:.3f}, median {row['value_wall_median']:.3f}"
            note = wall + (f"; {note}" if note else "")
        lines.append(
            f"| {row['name']} | {_format_value(row['value'])} | {row['unit']} | {row['goal'] or ''} "
            f"| {met} | {note} |"
        )
    if report["subjects"]:
        lines += [
            "",
            f"Decode: N = {report['events']:,} events, {report['chunk_size'] // 1024} KiB chunks, "
            "best and median of the runs",
            "",
            "| fmt | subject | yields | runs | best s | median s | events/s (best) "
            "| x floor (best) | x floor (median) | best cpu s | x floor (cpu) |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
    for entry in report["subjects"]:
        if entry.get("error"):
            lines.append(
                f"| {entry['fmt']} | {entry['label']} | {entry['yields']} | - | - | - | - | - | - | - "
                f"| {entry['error']} |"
            )
            continue
        lines.append(
            f"| {entry['fmt']} | {entry['label']} | {entry['yields']} | {entry['runs']} "
            f"| {entry['best_s']:.3f} | {entry['median_s']:.3f} | {entry['events_per_s']:,.0f} "
            f"| {entry['x_floor_best']:.3f} | {entry['x_floor_median']:.3f} "
            f"| {entry['best_cpu_s']:.3f} | {entry['x_floor_cpu']:.3f} |"
        )
    imports = report.get("import_time", {})
    if imports:
        lines += [
            "",
            "| import case (fresh process, median) | wall ms | wall - pass ms | cpu ms | cpu - pass ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for entry in imports.values():
            if "error" in entry:
                lines.append(f"| {entry['description']} | - | - | - | {entry['error']} |")
            else:
                lines.append(
                    f"| {entry['description']} | {entry['median_ms']:.1f} | {entry['minus_pass_ms']:.1f} "
                    f"| {entry['median_cpu_ms']:.1f} | {entry['cpu_minus_pass_ms']:.1f} |"
                )
    for key, env in report.get("import_environments", {}).items():
        held = f" holding {', '.join(env['packages'])}" if env.get("packages") else ""
        lines.append(f"- import environment {key}: {env['description']}{held}")
    lines += ["", f"Paths measured for ours: {'; '.join(report['ours_paths'])}", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main

PARTS = ("decode", "latency", "chat", "import", "embedded")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events per transcript (100,000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per decode subject (5)")
    parser.add_argument(
        "--openai-repeats", type=int, default=2, help="timed runs of the openai SDK (2; 6-25 s each)"
    )
    parser.add_argument(
        "--latency-runs", type=int, default=40, help="streams for the first-chunk latency (40)"
    )
    parser.add_argument("--chat-requests", type=int, default=400, help="non-streaming chats per client (400)")
    parser.add_argument("--import-runs", type=int, default=7, help="fresh processes per import case (7)")
    parser.add_argument(
        "--import-env",
        choices=("fresh", "current"),
        default="fresh",
        help="import cases in a new venv per subject holding only its distribution (fresh, the default) "
        "or in this interpreter (current)",
    )
    parser.add_argument("--no-peers", action="store_true", help="skip pinecone and openai even if installed")
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run (default: all of {','.join(PARTS)})",
    )
    parser.add_argument("--no-embedded", action="store_true", help="skip the embedded endpoint figures")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON report")
    parser.add_argument("--quiet", action="store_true", help="print only the tables")
    args = parser.parse_args(argv)
    args.parts = {part.strip() for part in args.only.split(",") if part.strip()}
    unknown = args.parts - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {sorted(unknown)}; choose from {', '.join(PARTS)}")
    if args.no_embedded:
        args.parts.discard("embedded")
    if args.events < 2:
        parser.error("--events must be at least 2 (message_start and message_end)")
    return args


class _Run:
    """The state of one benchmark run: options, peers, rows and the report being built."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.peers = {
            name: (not args.no_peers and subj.peer_available(name)) for name in ("pinecone", "openai")
        }
        self.skip_reason = {
            name: (
                "--no-peers" if args.no_peers else f"{name} is not installed here (nox -s bench installs it)"
            )
            for name, ok in self.peers.items()
            if not ok
        }
        self.results: list[dict[str, Any]] = []
        self.subjects: list[dict[str, Any]] = []
        self.ours_paths: list[str] = []
        self.imports: dict[str, dict[str, Any]] = {}
        self.import_environments: dict[str, dict[str, Any]] = {}
        self.failed = False

    def log(self, message: str) -> None:
        if not self.args.quiet:
            print(message, flush=True)

    def decode(self, base: str, transcripts: list[Transcript]) -> None:
        timings: dict[str, dict[str, Timing]] = {}
        for transcript in transcripts:
            fmt = transcript.fmt
            group = [subj.floor(base, fmt), subj.floor(base, fmt, orjson_variant=True), subj.ours(base, fmt)]
            if self.peers["pinecone"]:
                group.append(subj.pinecone(base, fmt))
            if fmt == "B" and self.peers["openai"]:
                group.append(subj.openai(base, fmt, self.args.openai_repeats))
            for subject in group:
                if subject.key != "openai":
                    subject.repeats = self.args.repeats
            self.ours_paths.append(f"{fmt}: {group[2].path}")
            self.log(f"format {fmt}:")
            timings[fmt] = {t.subject.key: t for t in run_format(group, transcript, self.log)}
            self.failed |= any(t.error for t in timings[fmt].values())
            self._subject_entries(transcript, timings[fmt])
        pinecone_skip = self.skip_reason.get("pinecone")
        self.results += [
            _speedup("stream_decode_vs_raw", timings["A"], "ours", "floor", None),
            _speedup("stream_decode_speedup_vs_pinecone", timings["A"], "pinecone", "ours", pinecone_skip),
            _speedup(
                "completion_decode_speedup_vs_pinecone", timings["B"], "pinecone", "ours", pinecone_skip
            ),
            _speedup(
                "stream_decode_speedup_vs_openai",
                timings["B"],
                "openai",
                "ours",
                self.skip_reason.get("openai"),
            ),
        ]

    def _subject_entries(self, transcript: Transcript, timings: dict[str, Timing]) -> None:
        floor = timings["floor"]
        for t in timings.values():
            entry: dict[str, Any] = {
                "fmt": transcript.fmt,
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
                    cpu_s=t.cpu,
                    best_cpu_s=t.best_cpu,
                    x_floor_cpu=floor.best_cpu / t.best_cpu,
                    events_per_s=transcript.n / t.best,
                    x_floor_best=floor.best / t.best,
                    x_floor_median=floor.median / t.median,
                )
            self.subjects.append(entry)

    def measured(self, name: str, part: str, measure: Callable[[], dict[str, Any]]) -> None:
        """One goal row from ``measure()``, or a row carrying its error."""
        self.log(f"{part}:")
        try:
            figures = measure()
        except Exception as exc:
            self.failed = True
            self.results.append(_goal_row(name, None, error=f"{type(exc).__name__}: {exc}"))
            return
        self.ours_paths.append(f"{part}: {figures['path']}")
        self.results.append(_goal_row(name, **figures))

    def import_time(self) -> None:
        self.log("import time:")
        peers = [name for name in ("openai", "pinecone") if self.peers[name]]
        envs = import_envs(["ours", *peers], self.args.import_env, self.log)
        self.import_environments = {key: env.as_json() for key, env in envs.items()}
        keys = ["ours", "ours-first-chat", *peers]
        imports = self.imports = import_times(self.args.import_runs, keys, envs, self.log)
        ours = imports["ours"]
        for name, peer in (("import_time_vs_openai", "openai"), ("import_time_vs_pinecone", "pinecone")):
            if not self.peers[peer]:
                self.results.append(_goal_row(name, None, skipped=self.skip_reason[peer]))
            elif "error" in ours or "error" in imports[peer]:
                self.failed = True
                self.results.append(
                    _goal_row(name, None, error=ours.get("error") or imports[peer].get("error"))
                )
            else:
                self.results.append(
                    _goal_row(
                        name,
                        ours["cpu_minus_pass_ms"] / imports[peer]["cpu_minus_pass_ms"],
                        value_wall=ours["minus_pass_ms"] / imports[peer]["minus_pass_ms"],
                        ours_cpu_ms=ours["cpu_minus_pass_ms"],
                        peer_cpu_ms=imports[peer]["cpu_minus_pass_ms"],
                        ours_wall_ms=ours["minus_pass_ms"],
                        peer_wall_ms=imports[peer]["minus_pass_ms"],
                        runs=self.args.import_runs,
                        environments={"ours": ours["environment"], peer: imports[peer]["environment"]},
                        note=f"cpu: ours {ours['cpu_minus_pass_ms']:.0f} ms, {peer} "
                        f"{imports[peer]['cpu_minus_pass_ms']:.0f} ms; wall ratio "
                        f"{ours['minus_pass_ms'] / imports[peer]['minus_pass_ms']:.3f}; "
                        f"{self.args.import_env} environments",
                    )
                )
        self.ours_paths.append(f"import: {ours['description']}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_start = os.getloadavg()
    run = _Run(args)
    parts = args.parts
    transcripts = [chat_transcript(args.events), completion_transcript(args.events)]
    if parts & {"decode", "latency", "chat"}:
        sizes = ", ".join(f"{t.fmt} {len(t.body()) / 1e6:.2f} MB" for t in transcripts)
        run.log(f"transcripts: {args.events:,} events each; {sizes}")
        with serve(args.events) as base:
            run.log(f"server: {base} (separate process)")
            if "decode" in parts:
                run.decode(base, transcripts)
            if "latency" in parts:
                run.measured(
                    "first_chunk_latency_ms", "latency", lambda: first_chunk_latency(base, args.latency_runs)
                )
            if "chat" in parts:
                run.measured("chat_p50_vs_httpx", "chat", lambda: chat_p50(base, args.chat_requests))
                run.measured(
                    "raw_response_overhead", "raw", lambda: raw_response_overhead(base, args.chat_requests)
                )
    if "import" in parts:
        run.import_time()
    if "embedded" in parts:
        run.log("embedded endpoint:")
        run.results.extend(embedded_rows(run.log))

    named = {row["name"]: row for row in run.results}
    ordered = [named.get(name) or _goal_row(name, None, skipped="not run (--only)") for name in ROWS]
    ordered += [row for row in run.results if row["name"] not in ROWS]
    report: dict[str, Any] = {
        "results": ordered,
        "events": args.events,
        "chunk_size": CHUNK_SIZE,
        "subjects": run.subjects,
        "import_time": run.imports,
        "import_environments": run.import_environments,
        "ours_paths": run.ours_paths,
        "versions": _versions(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_avg_start": load_start,
            "load_avg_end": os.getloadavg(),
            "wall_s": time.perf_counter() - started,
        },
        "method": {
            "timed_span": "from issuing the request to having consumed the last object",
            "value": "decode and import rows: ratio of the caller's CPU time (best of the runs for decode, "
            "median for import), which the shared machine disturbs least; the wall-time ratios "
            "(value_wall, value_wall_median) are reported next to it",
            "interleaving": "subjects of a format timed in rotating rounds",
            "import_environments": "fresh: each import subject in a new venv holding only its own "
            "distribution (ours without extras), bytecode compiled, compared with `python -c pass` in "
            "the same venv; current: the harness's interpreter",
            "server": "separate process, ThreadingHTTPServer on 127.0.0.1, pre-framed chunked body",
            "validation": "every subject first yields exactly N objects with the expected text and citations",
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(render(report))
    machine = report["machine"]
    print(f"wrote {args.output} in {machine['wall_s']:.0f} s; load average {machine['load_avg_end']}")
    return 1 if run.failed else 0
