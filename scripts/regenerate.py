"""Regenerate the client in generated/ and the conformance oracle from spec/<VERSION>/openapi.yaml.

Usage: .venv/bin/python scripts/regenerate.py [VERSION] [--output DIR]

Without VERSION: the client (generated/assistant_api, generated/stats.yml) from the current version named
in spec/CURRENT, and the oracle (generated/assistant_oracle/v<VERSION>.py) of every version
in spec/.
With VERSION: the client and the oracle of that version only.
With --output DIR: everything goes under DIR (DIR/assistant_api, DIR/stats.yml, DIR/assistant_oracle/)
instead.

The spec is validated first; an invalid spec stops the run with the validator's message and its location, and
nothing is written. The client is generated into a temporary folder and swapped into place in one step.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, cast

import yaml
from jsonschema.exceptions import ValidationError
from openapi_spec_validator import OpenAPIV31SpecValidator

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "spec"
CURRENT_FILE = SPEC_DIR / "CURRENT"
CODEGEN_DIR = ROOT / "scripts" / "codegen"
CONFIG_FILE = CODEGEN_DIR / "openapi-python-client.yaml"
TEMPLATES_DIR = CODEGEN_DIR / "templates"
GENERATED_DIR = ROOT / "generated"
ORACLE_DIR = ROOT / "generated" / "assistant_oracle"
PACKAGE = "assistant_api"
STATS_FILE = "stats.yml"

CLIENT_GENERATOR = "openapi-python-client"
ORACLE_GENERATOR = "datamodel-code-generator"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
MAX_REPORTED_ERRORS = 20

# ruff settings for the oracle. datamodel-codegen runs ruff in the folder it writes to, so it always runs in
# a scratch folder holding this file: the output must not depend on the project's ruff configuration.
ORACLE_RUFF_TOML = 'line-length = 120\ntarget-version = "py311"\n\n[lint]\nselect = ["F", "I", "UP"]\n'


class RegenerationError(Exception):
    """The spec is invalid or a generator failed; the message says what and where."""


@dataclass(frozen=True)
class ClientBuild:
    """A freshly generated client package and the stats.yml text that describes it."""

    package_dir: Path
    stats: str


# --- versions -----------------------------------------------------------------------------------------------


def current_version() -> str:
    """The API version the client is generated from by default (the one line of spec/CURRENT)."""
    try:
        return CURRENT_FILE.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise RegenerationError(
            f"{rel(CURRENT_FILE)} is missing: it must hold the current API version"
        ) from None


def spec_versions() -> list[str]:
    """Every version that has spec/<version>/openapi.yaml, oldest first."""
    return sorted(p.parent.name for p in SPEC_DIR.glob("*/openapi.yaml"))


def spec_path(version: str) -> Path:
    path = SPEC_DIR / version / "openapi.yaml"
    if not path.is_file():
        known = ", ".join(spec_versions()) or "none"
        raise RegenerationError(
            f"no spec for version {version!r}: {rel(path)} does not exist (known: {known})"
        )
    return path


def oracle_module_name(version: str) -> str:
    """`2026-04` -> `v2026_04` (the oracle module of that version)."""
    return "v" + version.replace("-", "_").replace(".", "_")


def rel(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# --- validation ---------------------------------------------------------------------------------------------


def _tag_location(cls: type[Any]) -> type[Any]:
    """Subclass a keyword validator so that each error remembers the innermost spec node it was found in."""

    class Located(cls):  # type: ignore[misc]
        def __call__(self, node: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
            for error in super().__call__(node, *args, **kwargs):
                if not hasattr(error, "spec_node_parts"):
                    error.spec_node_parts = tuple(node.parts)
                yield error

    Located.__name__ = Located.__qualname__ = cls.__name__
    return Located


class _LocatingValidator(OpenAPIV31SpecValidator):
    """openapi-spec-validator's 3.1 validator; an error inside a schema also carries the schema's place."""

    keyword_validators = {
        key: cls if key == "__root__" else _tag_location(cls)
        for key, cls in OpenAPIV31SpecValidator.keyword_validators.items()
    }


def _json_path(parts: Sequence[str | int]) -> str:
    """`$.paths['/chat/{assistant_name}'].post.parameters[0]` for the given document keys and indexes."""
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}"
        else:
            text += f"[{part!r}]"
    return text


def _yaml_child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == str(part):
                return cast(yaml.Node, value)
    elif isinstance(node, yaml.SequenceNode):
        index = int(part)
        if 0 <= index < len(node.value):
            return cast(yaml.Node, node.value[index])
    return None


def _yaml_ref(node: yaml.Node) -> str | None:
    ref = _yaml_child(node, "$ref")
    if isinstance(ref, yaml.ScalarNode) and str(ref.value).startswith("#/"):
        return str(ref.value)
    return None


def _yaml_line(root: yaml.Node, parts: Sequence[str | int]) -> tuple[int, int] | None:
    """1-based (line, column) of the node at `parts`, following local $refs on the way; None if not found."""
    node: yaml.Node | None = root
    for part in parts:
        assert node is not None
        child = _yaml_child(node, part)
        hops = 0
        while child is None and (ref := _yaml_ref(node)) is not None and hops < 20:
            hops += 1
            target: yaml.Node | None = root
            for ref_part in ref[2:].split("/"):
                key = ref_part.replace("~1", "/").replace("~0", "~")
                target = _yaml_child(target, key) if target is not None else None
            if target is None:
                break
            node = target
            child = _yaml_child(node, part)
        if child is None:
            break
        node = child
    if node is None:
        return None
    return node.start_mark.line + 1, node.start_mark.column + 1


_validated: dict[tuple[Path, str], dict[str, Any]] = {}


def _resolve_pointer(document: Any, ref: str) -> bool:
    node = document
    for raw in ref[2:].split("/") if ref != "#" else []:
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    return True


def _broken_refs(
    node: yaml.Node, document: Any, parts: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], int, int, str]]:
    """Every local `$ref` whose target does not exist: (path, line, column, problem)."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "$ref" and isinstance(value, yaml.ScalarNode):
                ref = str(value.value)
                if ref.startswith("#") and not _resolve_pointer(document, ref):
                    mark = value.start_mark
                    yield (*parts, "$ref"), mark.line + 1, mark.column + 1, f"$ref {ref!r} does not exist"
            else:
                yield from _broken_refs(value, document, (*parts, str(key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _broken_refs(item, document, (*parts, index))


def validate_spec(path: Path) -> dict[str, Any]:
    """Load and validate an OpenAPI 3.1 document; RegenerationError lists each problem with its location."""
    text = path.read_text(encoding="utf-8")
    key = (path.resolve(), hashlib.sha256(text.encode()).hexdigest())
    if key not in _validated:
        _validated[key] = _validate_text(path, text)
    return _validated[key]


def _validate_text(path: Path, text: str) -> dict[str, Any]:
    try:
        root_node = yaml.compose(text, Loader=yaml.SafeLoader)
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{rel(path)}:{mark.line + 1}:{mark.column + 1}" if mark is not None else rel(path)
        raise RegenerationError(f"{where}: not valid YAML: {exc.problem}") from None
    if not isinstance(document, dict) or root_node is None:
        raise RegenerationError(f"{rel(path)}: the document must be a YAML mapping (an OpenAPI object)")
    if not str(document.get("openapi", "")).startswith("3.1"):
        raise RegenerationError(
            f"{rel(path)}: `openapi` is {document.get('openapi')!r}; the spec must be OpenAPI 3.1.x"
        )

    problems = [
        f"{rel(path)}:{line}:{column}: at {_json_path(parts)}: {problem}"
        for parts, line, column, problem in _broken_refs(root_node, document)
    ]
    if problems:
        raise RegenerationError("the spec has references that lead nowhere:\n  " + "\n  ".join(problems))
    try:
        for error in _LocatingValidator(document).iter_errors():
            node_parts: tuple[str, ...] = getattr(error, "spec_node_parts", ())
            parts = [*node_parts, *error.absolute_path]
            line_col = _yaml_line(root_node, parts)
            where = f"{rel(path)}:{line_col[0]}:{line_col[1]}" if line_col else rel(path)
            message = error.message.strip().splitlines()[0]
            problems.append(f"{where}: at {_json_path(parts)}: {message}")
            if len(problems) == MAX_REPORTED_ERRORS:
                problems.append("(further problems not listed)")
                break
    except Exception as exc:  # the validator gives up on some malformed documents instead of reporting them
        detail = str(exc) if len(str(exc)) <= 300 else str(exc)[:300] + " ..."
        problems.append(f"{rel(path)}: openapi-spec-validator stopped: {type(exc).__name__}: {detail}")
    if problems:
        raise RegenerationError(
            "the spec is not valid OpenAPI 3.1 (openapi-spec-validator):\n  " + "\n  ".join(problems)
        )
    return document


def operation_ids(document: Mapping[str, Any]) -> list[str]:
    """The operationId of every operation in the document, in document order."""
    ids: list[str] = []
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                ids.append(operation["operationId"])
    return ids


# --- client -------------------------------------------------------------------------------------------------


def _tool_env() -> dict[str, str]:
    """Environment for the generators: this interpreter's bin first on PATH, so the pinned ruff is used."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def _run(command: list[str], cwd: Path, what: str) -> None:
    result = subprocess.run(command, cwd=cwd, env=_tool_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = "\n".join(s.strip() for s in (result.stdout, result.stderr) if s.strip())
        raise RegenerationError(f"{what} failed (exit {result.returncode}):\n{output}")


def codegen_inputs_sha256() -> str:
    """sha256 over the generator config and the custom templates (names and bytes, in name order)."""
    digest = hashlib.sha256()
    files = [CONFIG_FILE, *sorted(p for p in TEMPLATES_DIR.rglob("*") if p.is_file())]
    for file in files:
        digest.update(file.relative_to(CODEGEN_DIR).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def _header(generator: str, version: str) -> str:
    return (
        f"# Generated by {generator} {metadata.version(generator)} from spec/{version}/openapi.yaml."
        " Do not edit.\n"
        f"# Regenerate: .venv/bin/python scripts/regenerate.py {version}\n"
    )


def generate_client(version: str, workdir: Path) -> ClientBuild:
    """Validate the spec and generate the client package into `workdir`; nothing outside it is touched."""
    spec = spec_path(version)
    document = validate_spec(spec)
    package_dir = workdir / PACKAGE
    _run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(package_dir),
            "--meta",
            "none",
            "--fail-on-warning",
            "--config",
            str(CONFIG_FILE),
            "--custom-template-path",
            str(TEMPLATES_DIR),
        ],
        cwd=workdir,
        what=f"{CLIENT_GENERATOR} on {rel(spec)}",
    )
    header = _header(CLIENT_GENERATOR, version)
    for module in sorted(package_dir.rglob("*.py")):
        module.write_text(header + module.read_text(encoding="utf-8"), encoding="utf-8")

    operations = operation_ids(document)
    endpoint_modules = sorted(p.stem for p in (package_dir / "api").rglob("*.py") if p.stem != "__init__")
    if sorted(operations) != endpoint_modules:
        raise RegenerationError(
            f"{CLIENT_GENERATOR} produced endpoint modules {endpoint_modules}, "
            f"but the spec's operationIds are {sorted(operations)}"
        )
    models = [p for p in (package_dir / "models").glob("*.py") if p.name != "__init__.py"]
    stats = (
        "# Written by scripts/regenerate.py; do not edit. Checked by scripts/check_generated.py.\n"
        f'spec_version: "{version}"\n'
        f"spec: spec/{version}/openapi.yaml\n"
        f"spec_sha256: {hashlib.sha256(spec.read_bytes()).hexdigest()}\n"
        f"config_sha256: {codegen_inputs_sha256()}\n"
        f"generator: {CLIENT_GENERATOR}\n"
        f"generator_version: {metadata.version(CLIENT_GENERATOR)}\n"
        f"operations: {len(operations)}\n"
        f"models: {len(models)}\n"
    )
    return ClientBuild(package_dir=package_dir, stats=stats)


# --- oracle -------------------------------------------------------------------------------------------------


def generate_oracle(version: str) -> str:
    """The source of the pydantic v2 oracle module for `version` (datamodel-code-generator)."""
    spec = spec_path(version)
    validate_spec(spec)
    with tempfile.TemporaryDirectory(prefix="oracle-") as scratch:
        scratch_dir = Path(scratch)
        (scratch_dir / "ruff.toml").write_text(ORACLE_RUFF_TOML, encoding="utf-8")
        output = scratch_dir / "oracle.py"
        _run(
            [
                str(Path(sys.executable).parent / "datamodel-codegen"),
                "--input",
                str(spec),
                "--input-file-type",
                "openapi",
                "--output",
                str(output),
                "--output-model-type",
                "pydantic_v2.BaseModel",
                "--target-python-version",
                "3.11",
                "--use-standard-collections",
                "--use-union-operator",
                "--field-constraints",
                "--use-annotated",
                "--set-default-enum-member",
                "--formatters",
                "ruff-format",
                "ruff-check",
                "--disable-timestamp",
                "--custom-file-header",
                _header(ORACLE_GENERATOR, version).rstrip("\n"),
            ],
            cwd=scratch_dir,
            what=f"{ORACLE_GENERATOR} on {rel(spec)}",
        )
        return output.read_text(encoding="utf-8")


def generate_all(
    client_version: str, oracle_versions: Sequence[str], workdir: Path
) -> tuple[ClientBuild, dict[str, str]]:
    """The client (into `workdir`) and the oracle sources, produced side by side (the generators run as
    separate processes)."""
    with ThreadPoolExecutor(max_workers=1 + len(oracle_versions)) as pool:
        client = pool.submit(generate_client, client_version, workdir)
        oracles = {version: pool.submit(generate_oracle, version) for version in oracle_versions}
        return client.result(), {version: future.result() for version, future in oracles.items()}


# --- installing ---------------------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where that is not available."""
    libc_name = ctypes.util.find_library("c")
    if sys.platform != "linux" or libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def swap_in(new: Path, target: Path) -> None:
    """Put the complete tree `new` at `target` (same filesystem); the old tree is removed afterwards."""
    if not target.exists():
        new.rename(target)
        return
    if _exchange(new, target):
        shutil.rmtree(new)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old)


def write_file(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and a rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def regenerate(
    client_version: str, oracle_versions: Sequence[str], output: Path, oracle_dir: Path
) -> ClientBuild:
    """Generate everything first, then install: a failure anywhere leaves every output as it was."""
    for version in sorted({client_version, *oracle_versions}):
        validate_spec(spec_path(version))
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output, prefix=".regenerate-") as work:
        build, oracles = generate_all(client_version, oracle_versions, Path(work))
        swap_in(build.package_dir, output / PACKAGE)
    write_file(output / STATS_FILE, build.stats)
    for version, source in oracles.items():
        write_file(oracle_dir / f"{oracle_module_name(version)}.py", source)
    return ClientBuild(package_dir=output / PACKAGE, stats=build.stats)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("version", nargs="?", help="API version (a folder of spec/); default: spec/CURRENT")
    parser.add_argument(
        "--output", type=Path, help="write under DIR instead of generated/ and the oracle folder"
    )
    args = parser.parse_args(argv)
    try:
        client_version = args.version or current_version()
        oracle_versions = [args.version] if args.version else spec_versions()
        output = args.output.resolve() if args.output else GENERATED_DIR
        oracle_dir = output / ORACLE_DIR.name if args.output else ORACLE_DIR
        build = regenerate(client_version, oracle_versions, output, oracle_dir)
    except RegenerationError as exc:
        print(f"regenerate: {exc}", file=sys.stderr)
        print("regenerate: nothing was written.", file=sys.stderr)
        return 1
    print(f"regenerate: {rel(build.package_dir)} from spec/{client_version}/openapi.yaml")
    for version in oracle_versions:
        print(f"regenerate: {rel(oracle_dir / (oracle_module_name(version) + '.py'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
