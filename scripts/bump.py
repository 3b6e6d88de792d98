"""Move the project from one API version to another.

Usage: .venv/bin/python scripts/bump.py FROM TO [--report-only] [--skip-conformance]
       (or: nox -s bump -- FROM TO)

Steps, in order; the first failure stops the run and says which step failed and what was already changed:
  1. report      write spec/changes/FROM_to_TO.md and .json: every change between the two specs, each
                 classified breaking or non-breaking for a client (scripts/specdiff.py)
  2. regenerate  scripts/regenerate.py TO (generated/ is swapped in atomically; nothing is written on failure)
  3. pointers    spec/CURRENT and API_VERSION in overlay/pinecone_assistant/_constants.py set to TO
  4. summary     files added/removed/changed in generated/ and the oracle, with line counts
  5. check       scripts/check_generated.py
  6. conformance assistant-conformance run --spec-version TO (against the embedded endpoint)
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import specdiff

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
SPEC_DIR = ROOT / "spec"
CHANGES_DIR = SPEC_DIR / "changes"
CURRENT_FILE = SPEC_DIR / "CURRENT"
GENERATED_DIR = ROOT / "generated"
ORACLE_DIR = ROOT / "generated" / "assistant_oracle"
CONSTANTS_FILE = ROOT / "overlay" / "pinecone_assistant" / "_constants.py"
CONFORMANCE_MODULE = "assistant_conformance.cli"
VERSION_PATTERN = re.compile(r"^\d{4}-\d{2}(\.[a-z0-9]+)?$")
# `API_VERSION = "2026-04"` or `API_VERSION: Final = "2026-04"` at the start of a line.
API_VERSION_LINE = re.compile(
    r"""^API_VERSION\s*(?::[^=\n]*)?=\s*(?P<q>["'])(?P<value>[^"'\n]*)(?P=q)""", re.M
)


class StepFailedError(Exception):
    """A bump step failed; the message says why and how to go on."""


def rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# --- step 1: report -----------------------------------------------------------------------------------------


def report_paths(from_version: str, to_version: str) -> tuple[Path, Path]:
    stem = CHANGES_DIR / f"{from_version}_to_{to_version}"
    return stem.with_suffix(".md"), stem.with_suffix(".json")


def build_report(from_version: str, to_version: str) -> tuple[specdiff.Report, str, str]:
    """The change report and its Markdown and JSON texts."""
    report = specdiff.compare_files(
        SPEC_DIR / from_version / "openapi.yaml",
        SPEC_DIR / to_version / "openapi.yaml",
        from_version,
        to_version,
    )
    return report, specdiff.render_markdown(report), specdiff.render_json(report)


def write_text(path: Path, text: str) -> None:
    """Write through a temporary file and a rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- step 3: pointers ---------------------------------------------------------------------------------------


def set_api_version(source: str, version: str) -> tuple[str, str]:
    """Return (new source, old value) with the ``API_VERSION = "..."`` assignment set to ``version``."""
    match = API_VERSION_LINE.search(source)
    if match is None:
        raise StepFailedError(
            f'{rel(CONSTANTS_FILE)} has no `API_VERSION = "..."` assignment; add the line\n'
            f'    API_VERSION: Final = "{version}"\n'
            "to it (the version the client sends in X-Pinecone-Api-Version), then rerun the bump."
        )
    new = source[: match.start("value")] + version + source[match.end("value") :]
    return new, match.group("value")


# --- step 4: summary ----------------------------------------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes]:
    """Relative path → bytes of every file under ``root`` (bytecode caches left out)."""
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@dataclass
class TreeDiff:
    """What changed between two snapshots of a folder."""

    added: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    changed: dict[str, tuple[int, int]] = field(default_factory=dict)
    unchanged: int = 0

    def lines(self) -> tuple[int, int]:
        plus = sum(self.added.values()) + sum(p for p, _ in self.changed.values())
        minus = sum(self.removed.values()) + sum(m for _, m in self.changed.values())
        return plus, minus


def _line_count(data: bytes) -> int:
    return len(data.decode("utf-8", errors="replace").splitlines())


def diff_trees(before: dict[str, bytes], after: dict[str, bytes]) -> TreeDiff:
    result = TreeDiff()
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            result.removed[name] = _line_count(before[name])
        elif name not in before:
            result.added[name] = _line_count(after[name])
        elif before[name] == after[name]:
            result.unchanged += 1
        else:
            old = before[name].decode("utf-8", errors="replace").splitlines()
            new = after[name].decode("utf-8", errors="replace").splitlines()
            plus = minus = 0
            for line in difflib.unified_diff(old, new, lineterm="", n=0):
                if line.startswith("+") and not line.startswith("+++"):
                    plus += 1
                elif line.startswith("-") and not line.startswith("---"):
                    minus += 1
            result.changed[name] = (plus, minus)
    return result


def render_tree_diff(label: str, diff: TreeDiff, limit: int = 60) -> list[str]:
    plus, minus = diff.lines()
    lines = [
        f"{label}: {len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed,"
        f" {diff.unchanged} unchanged files; +{plus} -{minus} lines"
    ]
    rows = [
        *(f"  A {name} (+{n})" for name, n in diff.added.items()),
        *(f"  D {name} (-{n})" for name, n in diff.removed.items()),
        *(f"  M {name} (+{p} -{m})" for name, (p, m) in diff.changed.items()),
    ]
    rows.sort(key=lambda row: row[4:])
    if len(rows) > limit:
        rows = [*rows[:limit], f"  ... and {len(rows) - limit} more"]
    return lines + rows


# --- steps 2, 5, 6: subprocesses ----------------------------------------------------------------------------


def run_tool(command: list[str], what: str) -> None:
    """Run a step's command with its output shown; StepFailedError on a non-zero exit."""
    print(f"bump: $ {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise StepFailedError(f"{what} exited with status {result.returncode} (its output is above)")


def conformance_command(version: str) -> list[str]:
    """The conformance runner's command line; StepFailedError saying what is missing if it is absent."""
    package = CONFORMANCE_MODULE.partition(".")[0]
    if importlib.util.find_spec(package) is None or importlib.util.find_spec(CONFORMANCE_MODULE) is None:
        raise StepFailedError(
            f"the conformance runner is missing: module {CONFORMANCE_MODULE} "
            "(conformance/assistant_conformance/cli.py, console script `assistant-conformance`) cannot be"
            f" imported by {sys.executable}. Install the project (`pip install -e .[dev]`) or add the runner,"
            f" then run `assistant-conformance run --spec-version {version}`; or rerun the bump with"
            " --skip-conformance."
        )
    script = Path(sys.executable).parent / "assistant-conformance"
    runner = [str(script)] if script.is_file() else [sys.executable, "-m", CONFORMANCE_MODULE]
    return [*runner, "run", "--spec-version", version]


# --- the bump -----------------------------------------------------------------------------------------------


def check_versions(from_version: str, to_version: str) -> None:
    for name, version in (("FROM", from_version), ("TO", to_version)):
        if not VERSION_PATTERN.match(version):
            raise StepFailedError(f"{name} must look like 2026-04 (a folder of spec/), got {version!r}")
        if not (SPEC_DIR / version / "openapi.yaml").is_file():
            known = ", ".join(sorted(p.parent.name for p in SPEC_DIR.glob("*/openapi.yaml"))) or "none"
            raise StepFailedError(
                f"{name}: spec/{version}/openapi.yaml does not exist (versions in spec/: {known})"
            )
    if from_version == to_version:
        raise StepFailedError("FROM and TO are the same version; nothing to bump")


@dataclass
class Bump:
    from_version: str
    to_version: str
    report_only: bool = False
    skip_conformance: bool = False
    touched: list[str] = field(default_factory=list)
    before: dict[str, dict[str, bytes]] = field(default_factory=dict)

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        steps: list[tuple[str, Callable[[], None]]] = [("report", self.report)]
        if self.report_only:
            return steps
        steps += [
            ("regenerate", self.regenerate),
            ("pointers", self.pointers),
            ("summary", self.summary),
            ("check", self.check),
        ]
        if not self.skip_conformance:
            steps.append(("conformance", self.conformance))
        return steps

    def run(self) -> int:
        try:
            check_versions(self.from_version, self.to_version)
        except StepFailedError as exc:
            print(f"bump: {exc}", file=sys.stderr)
            return 2
        steps = self.steps()
        for number, (name, step) in enumerate(steps, start=1):
            print(f"bump: step {number}/{len(steps)} ({name})", flush=True)
            try:
                step()
            except (StepFailedError, specdiff.SpecError) as exc:
                self.fail(number, name, str(exc))
                return 1
        done = f"bump: done, {self.from_version} -> {self.to_version}."
        print(f"{done} Review and commit: {' '.join(self.touched)}")
        return 0

    def fail(self, number: int, name: str, reason: str) -> None:
        print(f"bump: step {number} ({name}) failed: {reason}", file=sys.stderr)
        if self.touched:
            print(f"bump: already changed by earlier steps: {', '.join(self.touched)}", file=sys.stderr)
            print(
                "bump: inspect with `git status` and `git diff`; undo with `git checkout -- <path>` "
                "(and delete new files).",
                file=sys.stderr,
            )
        else:
            print("bump: nothing was changed.", file=sys.stderr)

    # steps

    def report(self) -> None:
        report, markdown, data = build_report(self.from_version, self.to_version)
        md_path, json_path = report_paths(self.from_version, self.to_version)
        write_text(md_path, markdown)
        write_text(json_path, data)
        self.touched += [rel(md_path), rel(json_path)]
        print(
            f"bump: {rel(md_path)}: {len(report.breaking)} breaking, {len(report.non_breaking)} non-breaking"
            " changes"
        )
        for change in report.breaking[:15]:
            path = f" {change.path}" if change.path else ""
            print(f"  breaking: {change.where} | {change.at}{path}: {change.detail}")
        if len(report.breaking) > 15:
            print(f"  ... {len(report.breaking) - 15} more breaking changes in {rel(md_path)}")

    def regenerate(self) -> None:
        self.before = {
            "generated": snapshot(GENERATED_DIR),
            "oracle": snapshot(ORACLE_DIR),
        }
        run_tool([sys.executable, str(SCRIPTS / "regenerate.py"), self.to_version], "scripts/regenerate.py")
        self.touched += ["generated/", f"{rel(ORACLE_DIR)}/"]

    def pointers(self) -> None:
        current = CURRENT_FILE.read_text(encoding="utf-8").strip() if CURRENT_FILE.is_file() else None
        if current != self.to_version:
            write_text(CURRENT_FILE, self.to_version + "\n")
            self.touched.append(rel(CURRENT_FILE))
            print(f"bump: {rel(CURRENT_FILE)}: {current} -> {self.to_version}")
        if not CONSTANTS_FILE.is_file():
            raise StepFailedError(
                f"{rel(CONSTANTS_FILE)} does not exist; create it with the line\n"
                f'    API_VERSION: Final = "{self.to_version}"'
            )
        source = CONSTANTS_FILE.read_text(encoding="utf-8")
        new_source, old_value = set_api_version(source, self.to_version)
        if old_value not in (self.from_version, self.to_version):
            print(
                f"bump: warning: API_VERSION was {old_value!r}, neither FROM ({self.from_version}) "
                f"nor TO ({self.to_version})",
                file=sys.stderr,
            )
        if new_source != source:
            write_text(CONSTANTS_FILE, new_source)
            self.touched.append(rel(CONSTANTS_FILE))
            print(f"bump: {rel(CONSTANTS_FILE)}: API_VERSION {old_value} -> {self.to_version}")

    def summary(self) -> None:
        after = {"generated": snapshot(GENERATED_DIR), "oracle": snapshot(ORACLE_DIR)}
        labels = {"generated": "generated/", "oracle": f"{rel(ORACLE_DIR)}/"}
        for key, label in labels.items():
            for line in render_tree_diff(label, diff_trees(self.before[key], after[key])):
                print(line)

    def check(self) -> None:
        run_tool([sys.executable, str(SCRIPTS / "check_generated.py")], "scripts/check_generated.py")

    def conformance(self) -> None:
        run_tool(conformance_command(self.to_version), "the conformance run")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("from_version", metavar="FROM", help="the version the project is on, e.g. 2025-10")
    parser.add_argument("to_version", metavar="TO", help="the version to move to, e.g. 2026-04")
    parser.add_argument("--report-only", action="store_true", help="write the change report and stop")
    parser.add_argument("--skip-conformance", action="store_true", help="leave out the conformance run")
    args = parser.parse_args(argv)
    bump = Bump(args.from_version, args.to_version, args.report_only, args.skip_conformance)
    return bump.run()


if __name__ == "__main__":
    sys.exit(main())
