"""Move the project from one API version to another.

Usage: .venv/bin/python scripts/bump.py FROM TO [--report-only] [--skip-conformance]
       (or: nox -s bump -- FROM TO)

Before any step, the checks: both versions exist in spec/ and FROM is older than TO, both specs are valid
OpenAPI 3.1, generated/ and the files the bump rewrites have no uncommitted changes, and the version
registries written by hand (KNOWN_FINISH_REASONS, the embedded endpoint's SERVED) name TO. A failed check
changes nothing on disk.

Steps, in order; the first failure stops the run and says which step failed and how to undo what was done:
  1. report      write spec/changes/FROM_to_TO.md and .json: every change between the two specs, each
                 classified breaking or non-breaking for a client (scripts/specdiff.py)
  2. regenerate  scripts/regenerate.py TO (generated/ is swapped in atomically; nothing is written on failure)
  3. pointers    spec/CURRENT and API_VERSION in overlay/pinecone_assistant/_constants.py set to TO
  4. summary     files added/removed/changed in generated/ and the oracle, with line counts; files where only
                 the version label changed are counted, not listed
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

import regenerate
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


@dataclass(frozen=True)
class Registry:
    """A table written by hand, keyed by API version: it needs an entry for each version in use."""

    path: Path
    name: str
    holds: str


#: Written by hand when a version arrives: what each version documents or how it is served.
REGISTRIES = (
    Registry(
        ROOT / "overlay" / "pinecone_assistant" / "finish_reason.py",
        "KNOWN_FINISH_REASONS",
        "the finish reasons the version documents (the previous entry, if FinishReason did not change)",
    ),
    Registry(
        ROOT / "conformance" / "assistant_conformance" / "embedded" / "versions.py",
        "SERVED",
        "the behaviour the embedded endpoint serves for the version",
    ),
    Registry(
        ROOT / "conformance" / "assistant_conformance" / "suites" / "requests.py",
        "EXPECTED",
        "the method, host and path the reference says each operation of the version is sent to",
    ),
)
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
    #: Changed files where replacing the old version label by the new one gives the new text.
    relabelled: list[str] = field(default_factory=list)
    unchanged: int = 0

    def lines(self) -> tuple[int, int]:
        plus = sum(self.added.values()) + sum(p for p, _ in self.changed.values())
        minus = sum(self.removed.values()) + sum(m for _, m in self.changed.values())
        return plus, minus


def _line_count(data: bytes) -> int:
    return len(data.decode("utf-8", errors="replace").splitlines())


def _relabelled(old: list[str], new: list[str], labels: tuple[str, str]) -> bool:
    """Whether each line that changed only had the old version label replaced by the new one."""
    return len(old) == len(new) and all(
        a == b or a.replace(labels[0], labels[1]) == b for a, b in zip(old, new, strict=True)
    )


def diff_trees(
    before: dict[str, bytes], after: dict[str, bytes], labels: tuple[str, str] | None = None
) -> TreeDiff:
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
            if labels is not None and _relabelled(old, new, labels):
                result.relabelled.append(name)
    return result


def render_tree_diff(
    label: str, diff: TreeDiff, labels: tuple[str, str] | None = None, limit: int = 60
) -> list[str]:
    plus, minus = diff.lines()
    lines = [
        f"{label}: {len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed,"
        f" {diff.unchanged} unchanged files; +{plus} -{minus} lines"
    ]
    if diff.relabelled and labels is not None:
        lines.append(
            f"  {len(diff.relabelled)} of the changed files differ only in the version label"
            f" ({labels[0]} -> {labels[1]}); the other changes:"
        )
    relabelled = set(diff.relabelled)
    rows = [
        *(f"  A {name} (+{n})" for name, n in diff.added.items()),
        *(f"  D {name} (-{n})" for name, n in diff.removed.items()),
        *(f"  M {name} (+{p} -{m})" for name, (p, m) in diff.changed.items() if name not in relabelled),
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


def version_key(version: str) -> tuple[str, int, str]:
    """Order of versions: by date; a release candidate (`2026-01.alpha`) comes before its release."""
    date, _, suffix = version.partition(".")
    return date, 0 if suffix else 1, suffix


def check_versions(from_version: str, to_version: str) -> None:
    for name, version in (("FROM", from_version), ("TO", to_version)):
        if not VERSION_PATTERN.match(version):
            raise StepFailedError(f"{name} must look like 2026-04 (a folder of spec/), got {version!r}")
        if not (SPEC_DIR / version / "openapi.yaml").is_file():
            known = ", ".join(sorted(p.parent.name for p in SPEC_DIR.glob("*/openapi.yaml"))) or "none"
            raise StepFailedError(
                f"{name}: spec/{version}/openapi.yaml does not exist (versions in spec/: {known}). Write"
                " the new version's spec first (copy the latest spec/<version>/ and edit it), then rerun."
            )
    if from_version == to_version:
        raise StepFailedError("FROM and TO are the same version; nothing to bump")
    if version_key(from_version) > version_key(to_version):
        raise StepFailedError(
            f"FROM ({from_version}) is newer than TO ({to_version}); a bump moves forward: "
            f"`bump.py {to_version} {from_version}`"
        )


def check_specs(from_version: str, to_version: str) -> None:
    """Both specs must be valid OpenAPI 3.1 before anything is written."""
    for version in (from_version, to_version):
        try:
            regenerate.validate_spec(SPEC_DIR / version / "openapi.yaml")
        except regenerate.RegenerationError as exc:
            raise StepFailedError(f"spec/{version}/openapi.yaml cannot be used: {exc}") from None


def rewritten_paths() -> list[Path]:
    """What the steps after the report rewrite (the report itself is new or regenerated)."""
    return [GENERATED_DIR, CURRENT_FILE, CONSTANTS_FILE]  # generated/ holds the oracle too


def uncommitted(paths: Sequence[Path]) -> list[str] | None:
    """Paths with uncommitted changes under ``paths`` (git status), or None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", *map(str, paths)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        return None
    if result.returncode != 0:
        return None
    return [line[3:] for line in result.stdout.splitlines() if line.strip()]


def check_clean() -> None:
    dirty = uncommitted(rewritten_paths())
    if dirty:
        shown = "\n  ".join(dirty[:10]) + (f"\n  ... and {len(dirty) - 10} more" if len(dirty) > 10 else "")
        raise StepFailedError(
            "uncommitted changes in files the bump rewrites (it would mix them with its own):\n  "
            + shown
            + "\ncommit or stash them, or drop them with `git checkout -- <path>` (a failed bump prints the"
            " exact command), then rerun the bump."
        )


def check_registries(to_version: str) -> None:
    missing = [
        registry
        for registry in REGISTRIES
        if registry.path.is_file() and f'"{to_version}"' not in registry.path.read_text(encoding="utf-8")
    ]
    if missing:
        lines = [f'  {rel(r.path)}: add "{to_version}" to {r.name}: {r.holds}' for r in missing]
        raise StepFailedError(
            f"tables written by hand do not know {to_version} yet:\n"
            + "\n".join(lines)
            + "\nthen rerun the bump."
        )


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
            check_specs(self.from_version, self.to_version)
            if not self.report_only:
                check_clean()
                check_registries(self.to_version)
        except StepFailedError as exc:
            print(f"bump: {exc}", file=sys.stderr)
            print("bump: nothing was changed.", file=sys.stderr)
            return 2
        steps = self.steps()
        for number, (name, step) in enumerate(steps, start=1):
            print(f"bump: step {number}/{len(steps)} ({name})", flush=True)
            try:
                step()
            except (StepFailedError, specdiff.SpecError) as exc:
                self.fail(number, name, str(exc))
                return 1
        print(f"bump: done, {self.from_version} -> {self.to_version}.")
        if self.report_only:
            print(f"bump: review {self.touched[0]}.")
            return 0
        print(f"bump: next: read {self.touched[0]}, adapt the overlay to its breaking changes (if any), run")
        print("bump: the tests, and commit together: " + " ".join(self.touched))
        return 0

    def fail(self, number: int, name: str, reason: str) -> None:
        print(f"bump: step {number} ({name}) failed: {reason}", file=sys.stderr)
        if self.touched:
            print(f"bump: already changed by earlier steps: {', '.join(self.touched)}", file=sys.stderr)
            print(f"bump: inspect with `git status` and `git diff`; {self.undo_hint()}", file=sys.stderr)
        else:
            print("bump: nothing was changed.", file=sys.stderr)

    def undo_hint(self) -> str:
        """The commands that put the tree back as it was before the bump."""
        tracked = [rel(p) for p in rewritten_paths()]
        new = [p for p in self.touched if p.startswith(rel(CHANGES_DIR))]
        new.append(f"{rel(ORACLE_DIR)}/{regenerate.oracle_module_name(self.to_version)}.py")
        return f"undo with `git checkout -- {' '.join(tracked)} && git clean -fq -- {' '.join(new)}`"

    # steps

    def report(self) -> None:
        report, markdown, data = build_report(self.from_version, self.to_version)
        md_path, json_path = report_paths(self.from_version, self.to_version)
        write_text(md_path, markdown)
        write_text(json_path, data)
        self.touched += [rel(md_path), rel(json_path)]
        print(f"bump: wrote {rel(md_path)} and {rel(json_path)}")
        for line in specdiff.summary_lines(report, limit=15):
            print(f"  {line}")

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
        labels_changed = (self.from_version, self.to_version)
        for key, label in labels.items():
            diff = diff_trees(self.before[key], after[key], labels_changed)
            for line in render_tree_diff(label, diff, labels_changed):
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
