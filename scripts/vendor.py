"""Copy the generated client (and, with --with-overlay, the overlay) into another project under a new name.

Usage: python scripts/vendor.py DEST --package NAME [--with-overlay] [--force]

  DEST/<NAME>/          generated/assistant_api, imports of `assistant_api` rewritten to NAME
  DEST/<NAME>_overlay/  overlay/pinecone_assistant (with --with-overlay), imports of `pinecone_assistant`
                        rewritten to NAME_overlay and of `assistant_api` to NAME
  VENDORED.md           in each copied package: spec version and hash, source commit, runtime requirements

NAME may be dotted (`myapp._vendor.assistant`) when DEST is the folder of the parent package
(`src/myapp/_vendor`): the files go to DEST/<last part> and imports use the full dotted name.
A DEST that exists and is not empty is refused unless --force is given; --force replaces only the package
folders named above and leaves everything else in DEST alone.
"""

from __future__ import annotations

import argparse
import ast
import io
import keyword
import shutil
import subprocess
import sys
import tempfile
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED_PACKAGE = ROOT / "generated" / "assistant_api"
STATS_FILE = ROOT / "generated" / "stats.yml"
OVERLAY_PACKAGE = ROOT / "overlay" / "pinecone_assistant"
GENERATED_NAME = "assistant_api"
OVERLAY_NAME = "pinecone_assistant"
NOTICE = "VENDORED.md"
PROJECT = "pinecone-assistant-kit"
LICENSE = "Apache-2.0"


class VendorError(Exception):
    """Bad arguments or a state the copy cannot be made from; the message says what to do."""


# --- rewriting imports --------------------------------------------------------------------------------------

_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_BREAKS = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}


def _string_value(text: str) -> str | None:
    """The value of a plain (not bytes, not f-) string literal token, else None."""
    prefix = text[: len(text) - len(text.lstrip("rRuUbBfF"))]
    if any(c in prefix.lower() for c in "bf"):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _statements(source: str) -> list[list[tokenize.TokenInfo]]:
    """Significant tokens grouped into simple statements (split at newlines, and `;`/`:` outside brackets)."""
    statements: list[list[tokenize.TokenInfo]] = [[]]
    depth = 0
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in _SKIPPED:
            continue
        if tok.type in _BREAKS:
            statements.append([])
            continue
        if tok.type == tokenize.OP:
            if tok.string in "([{":
                depth += 1
            elif tok.string in ")]}":
                depth -= 1
            elif tok.string in (";", ":") and depth == 0:
                statements.append([])
                continue
        statements[-1].append(tok)
    return [s for s in statements if s]


def _edit(tok: tokenize.TokenInfo, text: str) -> tuple[tuple[int, int], tuple[int, int], str]:
    return tok.start, tok.end, text


def rewrite_source(source: str, renames: Mapping[str, str]) -> str:
    """Rewrite absolute imports of the packages in ``renames`` (old name → new name).

    Changed: the module in ``import old[.x] [as y]`` and ``from old[.x] import y``; in a module that binds
    the bare name ``old`` (``import old`` or ``import old.x`` without ``as``), every other use of ``old``
    as a name; string literals whose whole value is ``old`` or starts with ``old.``. Relative imports,
    comments and prose in docstrings are left as they are.
    """
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    bound: set[str] = set()
    uses: list[tokenize.TokenInfo] = []
    for statement in _statements(source):
        first = statement[0]
        if first.type == tokenize.NAME and first.string == "import":
            clause: list[tokenize.TokenInfo] = []
            for tok in [*statement[1:], None]:
                if tok is None or (tok.type == tokenize.OP and tok.string == ","):
                    head = clause[0] if clause else None
                    if head is not None and head.string in renames:
                        edits.append(_edit(head, renames[head.string]))
                        if not any(t.string == "as" for t in clause):
                            bound.add(head.string)
                    clause = []
                elif tok.type != tokenize.OP or tok.string == ".":
                    clause.append(tok)
            continue
        if first.type == tokenize.NAME and first.string == "from" and len(statement) > 1:
            module = statement[1]
            if module.type == tokenize.NAME and module.string in renames:
                edits.append(_edit(module, renames[module.string]))
            continue
        previous: tokenize.TokenInfo | None = None
        for tok in statement:
            if tok.type == tokenize.NAME and tok.string in renames:
                if previous is None or previous.string != ".":
                    uses.append(tok)
            elif tok.type == tokenize.STRING:
                value = _string_value(tok.string)
                root = value.partition(".")[0] if value is not None else ""
                if root in renames:
                    at = tok.string.index(root)
                    edits.append(_edit(tok, tok.string[:at] + renames[root] + tok.string[at + len(root) :]))
            previous = tok
    edits += [_edit(tok, renames[tok.string]) for tok in uses if tok.string in bound]
    return _apply(source, edits)


def _apply(source: str, edits: list[tuple[tuple[int, int], tuple[int, int], str]]) -> str:
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    out = source
    for (start_row, start_col), (end_row, end_col), text in sorted(edits, reverse=True):
        start = offsets[start_row - 1] + start_col
        end = offsets[end_row - 1] + end_col
        out = out[:start] + text + out[end:]
    return out


def leftover_imports(source: str, old_names: Sequence[str]) -> list[str]:
    """Absolute imports of any of ``old_names`` still in ``source`` (``line N: import x``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [f"line {node.lineno}: {m}" for m in modules if m.partition(".")[0] in old_names]
    return found


# --- runtime requirements -----------------------------------------------------------------------------------


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of import nodes under ``if TYPE_CHECKING:`` (not executed at run time)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = (
                test.id
                if isinstance(test, ast.Name)
                else test.attr
                if isinstance(test, ast.Attribute)
                else ""
            )
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skip.update(id(n) for n in ast.walk(child))
    return skip


def third_party_imports(package: Path, own: Sequence[str]) -> set[str]:
    """Top-level names of modules imported at run time that are neither stdlib nor in ``own``."""
    names: set[str] = set()
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in own and n != "__future__"}


def distributions(import_names: set[str]) -> dict[str, str]:
    """Distribution name → installed version for the given import names (unknown ones keep their name)."""
    mapping = metadata.packages_distributions()
    out: dict[str, str] = {}
    for name in sorted(import_names):
        for dist in mapping.get(name, [name]):
            try:
                out[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                out[dist] = ""
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


# --- the copy -----------------------------------------------------------------------------------------------


def check_package_name(name: str) -> None:
    parts = name.split(".")
    bad = [p for p in parts if not p.isidentifier() or keyword.iskeyword(p)]
    if bad:
        raise VendorError(
            f"--package {name!r} is not a Python package name ({', '.join(repr(p) for p in bad)} is not an"
            " identifier); use letters, digits and underscores, e.g. --package myapp_assistant_api"
        )
    if parts[-1] in (GENERATED_NAME, OVERLAY_NAME) and len(parts) == 1:
        raise VendorError(f"--package must differ from the original name {parts[-1]!r}")


def _read_stats() -> dict[str, str]:
    """The flat ``key: value`` lines of generated/stats.yml (read without a YAML library)."""
    if not STATS_FILE.is_file():
        raise VendorError(
            f"{STATS_FILE.relative_to(ROOT)} is missing: generate the client first "
            "(.venv/bin/python scripts/regenerate.py)"
        )
    data: dict[str, str] = {}
    for line in STATS_FILE.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith(("#", " ")):
            data[key.strip()] = value.strip().strip("\"'")
    if "spec_version" not in data:
        raise VendorError(
            f"{STATS_FILE.relative_to(ROOT)} does not name a spec_version; regenerate the client"
        )
    return data


def _source_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "generated", "overlay"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" (with uncommitted changes in generated/ or overlay/)" if dirty else "")


@dataclass
class Plan:
    """What one vendoring run writes."""

    dest: Path
    package: str
    with_overlay: bool
    renames: dict[str, str] = field(default_factory=dict)
    copies: dict[Path, str] = field(default_factory=dict)  # source package folder -> new dotted name

    @property
    def overlay_package(self) -> str:
        return self.package + "_overlay"

    def target(self, dotted: str) -> Path:
        return self.dest / dotted.rsplit(".", 1)[-1]


def make_plan(dest: Path, package: str, *, with_overlay: bool) -> Plan:
    check_package_name(package)
    plan = Plan(dest=dest, package=package, with_overlay=with_overlay)
    plan.renames[GENERATED_NAME] = package
    plan.copies[GENERATED_PACKAGE] = package
    if with_overlay:
        plan.renames[OVERLAY_NAME] = plan.overlay_package
        plan.copies[OVERLAY_PACKAGE] = plan.overlay_package
    for source in plan.copies:
        if not (source / "__init__.py").is_file():
            raise VendorError(f"{source} is not a package (no __init__.py); is the project complete?")
    return plan


def _notice(plan: Plan, dotted: str, requirements: Mapping[str, str], stats: Mapping[str, str]) -> str:
    argv = ["python", "scripts/vendor.py", str(plan.dest), "--package", plan.package]
    if plan.with_overlay:
        argv.append("--with-overlay")
    reqs = "\n".join(
        f"- `{d}`" + (f" ({v} where the copy was made)" if v else "") for d, v in requirements.items()
    )
    renames = "\n".join(f"- `{old}` → `{new}`" for old, new in plan.renames.items())
    return (
        f"# {dotted} (vendored)\n\n"
        f"Copied from {PROJECT} ({LICENSE}) by `scripts/vendor.py`, with imports renamed. "
        "Do not edit: re-vendor instead.\n\n"
        f"- API version: {stats['spec_version']}\n"
        f"- spec: `{stats.get('spec', '')}`, sha256 `{stats.get('spec_sha256', '')}`\n"
        f"- generator: {stats.get('generator', '')} {stats.get('generator_version', '')}"
        f" (config sha256 `{stats.get('config_sha256', '')}`)\n"
        f"- source commit: {_source_commit()}\n"
        f"- re-vendor: `{' '.join(argv)} --force`\n\n"
        f"Renamed packages:\n\n{renames}\n\n"
        f"Runtime requirements of the vendored packages:\n\n{reqs}\n"
    )


def _refuse_non_empty(dest: Path, *, force: bool) -> None:
    if dest.exists() and not dest.is_dir():
        raise VendorError(f"{dest} exists and is not a folder")
    if dest.is_dir() and not force:
        entries = sorted(p.name for p in dest.iterdir())
        if entries:
            shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
            raise VendorError(
                f"{dest} is not empty ({shown}); pass --force to replace the vendored package folders in it"
                " (other files are left alone)"
            )


def vendor(dest: Path, package: str, *, with_overlay: bool = False, force: bool = False) -> dict[str, str]:
    """Make the copy; returns the runtime requirements (distribution → version installed here)."""
    plan = make_plan(dest, package, with_overlay=with_overlay)
    _refuse_non_empty(dest, force=force)
    stats = _read_stats()
    own = [GENERATED_NAME, OVERLAY_NAME, *{p.partition(".")[0] for p in plan.renames.values()}]
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".vendor-") as scratch:
        staged: list[tuple[Path, Path, str]] = []  # (copy in scratch, final place, dotted name)
        for source, dotted in plan.copies.items():
            out = Path(scratch) / dotted.rsplit(".", 1)[-1]
            shutil.copytree(source, out, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            for path in sorted(out.rglob("*.py")):
                text = rewrite_source(path.read_text(encoding="utf-8"), plan.renames)
                left = leftover_imports(text, list(plan.renames))
                if left:
                    raise VendorError(
                        f"imports left unrewritten in {path.relative_to(out)}: {', '.join(left)}"
                    )
                path.write_text(text, encoding="utf-8")
            staged.append((out, plan.target(dotted), dotted))
        requirements = distributions(set().union(*(third_party_imports(out, own) for out, _, _ in staged)))
        for out, target, dotted in staged:
            (out / NOTICE).write_text(_notice(plan, dotted, requirements, stats), encoding="utf-8")
            if target.exists():
                shutil.rmtree(target)
            out.rename(target)
    return requirements


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dest", type=Path, help="folder to put the package(s) in, e.g. src/ of your project")
    parser.add_argument("--package", required=True, help="new import name of the generated client")
    parser.add_argument("--with-overlay", action="store_true", help="also copy the overlay as NAME_overlay")
    parser.add_argument("--force", action="store_true", help="write into a non-empty DEST")
    args = parser.parse_args(argv)
    try:
        requirements = vendor(args.dest, args.package, with_overlay=args.with_overlay, force=args.force)
    except VendorError as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 2
    leaf = args.package.rsplit(".", 1)[-1]
    print(
        f"vendor: wrote {args.dest / leaf}"
        + (f" and {args.dest / (leaf + '_overlay')}" if args.with_overlay else "")
    )
    print("vendor: runtime requirements: " + ", ".join(requirements))
    return 0


if __name__ == "__main__":
    sys.exit(main())
