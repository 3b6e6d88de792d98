"""Fail when generated/ or the conformance oracle differ from what scripts/regenerate.py would write now.

Usage: .venv/bin/python scripts/check_generated.py

Regenerates the client of the current version (spec/CURRENT) and the oracle of every version in spec/
into a temporary folder, with the same code as regenerate.py, and compares them byte for byte with
generated/assistant_api, generated/stats.yml and generated/assistant_oracle/v*.py.
Nothing in the repository is written.
"""

from __future__ import annotations

import difflib
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import regenerate as rg

MAX_DIFF_LINES = 12
MAX_DIFFS_SHOWN = 5


def _tree(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file under `root`, ignoring bytecode caches."""
    if not root.is_dir():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def _diff_excerpt(name: str, committed: bytes, fresh: bytes) -> list[str]:
    old = committed.decode("utf-8", errors="replace").splitlines()
    new = fresh.decode("utf-8", errors="replace").splitlines()
    lines = list(difflib.unified_diff(old, new, f"committed/{name}", f"regenerated/{name}", n=1, lineterm=""))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"... ({len(lines) - MAX_DIFF_LINES} more diff lines)"]
    return ["      " + line for line in lines]


def compare(label: str, committed: dict[str, bytes], fresh: dict[str, bytes]) -> list[str]:
    """One line per differing file (with a short diff for the first few); empty when equal."""
    report: list[str] = []
    shown = 0
    for name in sorted(committed.keys() | fresh.keys()):
        if name not in fresh:
            report.append(f"  {label}/{name}: not produced by the generator (extra or stale file)")
        elif name not in committed:
            report.append(f"  {label}/{name}: missing (the generator produces it)")
        elif committed[name] != fresh[name]:
            old_lines = committed[name].count(b"\n")
            new_lines = fresh[name].count(b"\n")
            report.append(f"  {label}/{name}: differs ({old_lines} committed lines, {new_lines} regenerated)")
            if shown < MAX_DIFFS_SHOWN:
                report.extend(_diff_excerpt(name, committed[name], fresh[name]))
                shown += 1
    return report


def check() -> list[str]:
    """All differences between the committed outputs and a fresh generation."""
    version = rg.current_version()
    report: list[str] = []
    versions = rg.spec_versions()
    with tempfile.TemporaryDirectory(prefix="check-generated-") as work:
        build, oracles = rg.generate_all(version, versions, Path(work))
        committed = _tree(rg.GENERATED_DIR / rg.PACKAGE)
        report += compare(f"generated/{rg.PACKAGE}", committed, _tree(build.package_dir))
    stats = rg.GENERATED_DIR / rg.STATS_FILE
    report += compare(
        "generated",
        {rg.STATS_FILE: stats.read_bytes()} if stats.is_file() else {},
        {rg.STATS_FILE: build.stats.encode()},
    )
    committed_oracles = {p.name: p.read_bytes() for p in sorted(rg.ORACLE_DIR.glob("v*.py"))}
    fresh_oracles = {f"{rg.oracle_module_name(v)}.py": source.encode() for v, source in oracles.items()}
    report += compare(rg.rel(rg.ORACLE_DIR), committed_oracles, fresh_oracles)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    if argv if argv is not None else sys.argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        report = check()
    except rg.RegenerationError as exc:
        print(f"check_generated: cannot regenerate: {exc}", file=sys.stderr)
        return 1
    if report:
        print("check_generated: committed generated code is stale or was edited by hand:", file=sys.stderr)
        print("\n".join(report), file=sys.stderr)
        print("check_generated: run `.venv/bin/python scripts/regenerate.py`, then commit.", file=sys.stderr)
        return 1
    print(f"check_generated: generated/ and the oracle match spec/ (client version {rg.current_version()}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
