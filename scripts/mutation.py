"""Mutation testing of the overlay's pure modules with mutmut; writes reports/mutation.json.

Usage: python scripts/mutation.py [MODULE ...] [--jobs N] [--fail-under PERCENT]

MODULE is one of sse, stream, filter, retries, citation, finish_reason, errors (default: all of them).
Each module is mutated and checked against its own focused tests, tests/overlay/test_<module>*.py
(the embedded-endpoint ones excluded), with a fixed hypothesis seed so two runs give the same figure.

mutmut names modules after their path and strips only a leading `src/`, so the run happens in a
staging folder per module, build/mutation/<module>/, laid out as `src/pinecone_assistant` (a copy of
the overlay package) plus the test files; mutmut's own copy is build/mutation/<module>/mutants/, where
`mutmut show NAME` and `mutmut run NAME` work after the run.

A surviving mutant that cannot change behaviour is listed in tests/overlay/equivalent_mutants.toml
(function, the line before and after, and why); it counts as neither killed nor tested. The score of a
module is (killed + timed out) / (mutants - skipped - equivalent). The run fails when the overall score
is below --fail-under (default 90).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "overlay" / "pinecone_assistant"
TESTS = ROOT / "tests"
STAGE = ROOT / "build" / "mutation"
EQUIVALENT = TESTS / "overlay" / "equivalent_mutants.toml"
REPORT = ROOT / "reports" / "mutation.json"
MODULES = ("sse", "stream", "filter", "retries", "citation", "finish_reason", "errors")
# Support files the focused tests import or read.
TEST_SUPPORT = ("__init__.py", "conftest.py", "servers.py", "client_support.py", "fixtures")
COUNTED = ("killed", "timeout", "survived", "no tests", "suspicious", "segfault", "skipped")


@dataclass
class ModuleScore:
    module: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    survivors: list[dict[str, str]] = field(default_factory=list)
    equivalent: list[dict[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def scored(self) -> int:
        return self.total - self.counts["skipped"] - len(self.equivalent)

    @property
    def killed(self) -> int:
        return self.counts["killed"] + self.counts["timeout"]

    def as_dict(self) -> dict[str, object]:
        return {
            "mutants": self.total,
            **{k.replace(" ", "_"): v for k, v in self.counts.items()},
            "equivalent": len(self.equivalent),
            "score": score(self.killed, self.scored),
            "survivors": self.survivors,
            "equivalent_mutants": self.equivalent,
        }


def score(killed: int, scored: int) -> float:
    return round(100.0 * killed / scored, 1) if scored else 100.0


def test_files(module: str) -> list[str]:
    """The focused test files of one module: tests/overlay/test_<module>.py and test_<module>_*.py."""
    found = sorted(
        p
        for p in (TESTS / "overlay").glob(f"test_{module}*.py")
        if p.stem == f"test_{module}" or (p.stem.startswith(f"test_{module}_") and "embedded" not in p.stem)
    )
    return [p.relative_to(ROOT).as_posix() for p in found]


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def stage(module: str) -> tuple[Path, list[str]]:
    """Lay out build/mutation/<module>/ afresh; returns the folder and the module's test files."""
    root = STAGE / module
    shutil.rmtree(root, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PACKAGE, root / "src" / "pinecone_assistant", ignore=ignore)
    tests = test_files(module)
    (root / "tests" / "overlay").mkdir(parents=True)
    for name in (*TEST_SUPPORT, *(Path(t).name for t in tests)):
        source = TESTS / "overlay" / name
        if source.is_dir():
            shutil.copytree(source, root / "tests" / "overlay" / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, root / "tests" / "overlay" / name)
    pytest_ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    (root / "pyproject.toml").write_text(
        "[tool.mutmut]\n"
        'source_paths = ["src/pinecone_assistant"]\n'
        f'only_mutate = ["src/pinecone_assistant/{module}.py"]\n'
        f"pytest_add_cli_args_test_selection = {_toml_list(tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "--hypothesis-seed=0"]\n'
        "\n[tool.pytest.ini_options]\n"
        f"addopts = {json.dumps(pytest_ini.get('addopts', ''))}\n"
        f"markers = {_toml_list(pytest_ini.get('markers', []))}\n"
        f"filterwarnings = {_toml_list(pytest_ini.get('filterwarnings', []))}\n"
    )
    return root, tests


def mutmut(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("mutmut", path=str(Path(sys.executable).parent)) or "mutmut"
    return subprocess.run([exe, *args], cwd=root, capture_output=True, text=True, check=False)


# Run in the staging folder: the status of every mutant, and the diff of each one not killed (one
# process, instead of one `mutmut show` per survivor).
_RESULTS = """
import json
from mutmut.__main__ import SourceFileMutationData, get_diff_for_mutant, walk_mutatable_files
from mutmut.stats import status_by_exit_code
out = {}
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        status = status_by_exit_code[code]
        diff = "" if status in ("killed", "timeout") else get_diff_for_mutant(name, path=data.path)
        out[name] = [status, diff]
print(json.dumps(out))
"""


def results(root: Path) -> dict[str, tuple[str, str]]:
    """Mutant name -> (status, diff) of the run in ``root``."""
    done = subprocess.run(
        [sys.executable, "-c", _RESULTS], cwd=root, capture_output=True, text=True, check=True
    )
    return {name: (status, diff) for name, (status, diff) in json.loads(done.stdout).items()}


def changed_lines(diff: str) -> tuple[str, str]:
    """The removed and the added lines of a mutant's diff, each stripped and joined by newlines."""
    removed, added = [], []
    for line in diff.splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("-"):
            removed.append(line[1:].strip())
        elif line.startswith("+"):
            added.append(line[1:].strip())
    return "\n".join(removed), "\n".join(added)


def function_of(name: str) -> str:
    """`pinecone_assistant.sse.xǁSSEDecoderǁdecode__mutmut_3` -> `SSEDecoder.decode`."""
    mangled = name.partition("__mutmut_")[0].rpartition(".")[2]
    if mangled.startswith("xǁ"):
        return ".".join(part for part in mangled[2:].split("ǁ") if part)
    return mangled.removeprefix("x_")


def load_equivalent() -> list[dict[str, str]]:
    if not EQUIVALENT.exists():
        return []
    return list(tomllib.loads(EQUIVALENT.read_text()).get("mutant", []))


def run_module(module: str, jobs: int, equivalent: list[dict[str, str]], used: set[int]) -> ModuleScore:
    root, tests = stage(module)
    result = ModuleScore(module)
    if not tests:
        print(f"{module}: no focused tests found", file=sys.stderr)
        return result
    run = mutmut(root, "run", "--max-children", str(jobs))
    if run.returncode != 0:
        sys.stderr.write(run.stdout[-4000:] + run.stderr[-4000:])
        raise SystemExit(f"mutmut run failed for {module} (exit {run.returncode})")
    for name, (reported, diff) in sorted(results(root).items()):
        status = reported if reported in result.counts else "suspicious"
        result.counts[status] += 1
        if status in ("survived", "no tests", "suspicious", "segfault"):
            removed, added = changed_lines(diff)
            entry = {
                "name": name,
                "function": function_of(name),
                "status": status,
                "before": removed,
                "after": added,
            }
            match = next(
                (
                    e
                    for e in equivalent
                    if e.get("module") == module
                    and e.get("function") == entry["function"]
                    and e.get("before", "").strip() == removed
                    and e.get("after", "").strip() == added
                ),
                None,
            )
            if match is not None and status == "survived":
                used.add(id(match))
                result.equivalent.append({**entry, "reason": match.get("reason", "")})
            else:
                result.survivors.append(entry)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fail-under", type=float, default=90.0)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; choose from {', '.join(MODULES)}")
    modules = args.modules or list(MODULES)
    os.nice(10)  # CPU heavy: leave the machine to interactive work first
    equivalent = load_equivalent()
    used: set[int] = set()
    started = time.monotonic()
    scores = []
    for module in modules:
        t0 = time.monotonic()
        scores.append(run_module(module, args.jobs, equivalent, used))
        s = scores[-1]
        print(
            f"{module}: {s.killed}/{s.scored} killed ({score(s.killed, s.scored)} %), "
            f"{len(s.equivalent)} equivalent, in {time.monotonic() - t0:.0f} s",
            flush=True,
        )
    elapsed = time.monotonic() - started
    killed = sum(s.killed for s in scores)
    scored = sum(s.scored for s in scores)
    stale = [e for e in equivalent if e.get("module") in modules and id(e) not in used]
    report = {
        "tool": "mutmut",
        "modules": {s.module: s.as_dict() for s in scores},
        "overall": {
            "mutants": sum(s.total for s in scores),
            "killed": killed,
            "equivalent": sum(len(s.equivalent) for s in scores),
            "survived": sum(len(s.survivors) for s in scores),
            "score": score(killed, scored),
        },
        "seconds": round(elapsed),
        # Entries of the modules run that matched no surviving mutant: out of date, to update or drop.
        "stale_equivalent_entries": [
            e for e in equivalent if e.get("module") in modules and id(e) not in used
        ],
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{'module':<14}{'mutants':>8}{'killed':>8}{'equiv':>7}{'left':>6}{'score':>8}")
    for s in scores:
        print(
            f"{s.module:<14}{s.total:>8}{s.killed:>8}{len(s.equivalent):>7}{len(s.survivors):>6}"
            f"{score(s.killed, s.scored):>7.1f}%"
        )
    overall = report["overall"]
    print(
        f"{'overall':<14}{overall['mutants']:>8}{killed:>8}{overall['equivalent']:>7}"
        f"{overall['survived']:>6}{overall['score']:>7.1f}%"
    )
    print(f"{elapsed:.0f} s; survivors and equivalent mutants listed in {REPORT.relative_to(ROOT)}")
    for s in scores:
        for entry in s.survivors:
            where = f"{s.module}.{entry['function']}"
            print(f"  {entry['status']}: {where}: {entry['before']!r} -> {entry['after']!r}")
    for entry in stale:
        where = f"{entry.get('module')}.{entry.get('function')}"
        print(f"  stale entry in {EQUIVALENT.name}: {where}: {entry.get('after')!r}")
    return 0 if overall["score"] >= args.fail_under else 1


if __name__ == "__main__":
    raise SystemExit(main())
