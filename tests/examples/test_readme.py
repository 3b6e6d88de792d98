"""The README's commands are the real ones, and its Python blocks run against the embedded endpoint."""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
from pathlib import Path

from assistant_conformance.embedded import running_server

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)

# Runs each Python block of the README in order, in one namespace, as a reader would paste them.
RUNNER = """
import re, sys
blocks = [b for lang, b in re.findall(r"^```(\\w*)\\n(.*?)^```$", open("README.md").read(), re.M | re.S)
          if lang == "python"]
namespace = {"__name__": "__main__"}
for number, block in enumerate(blocks, 1):
    print(f"--- block {number}", flush=True)
    exec(compile(block, f"README.md python block {number}", "exec"), namespace)
"""


def _blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README) if lang == language]


def _commands(block: str) -> list[str]:
    return [line.strip() for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_readme_opens_with_the_main_command_and_the_test_command() -> None:
    first = _commands(_blocks("bash")[0])
    assert len(first) == 2
    assert first[0].endswith("python3 -m nox -s conformance")
    assert first[1].endswith("python3 -m nox -t ci")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    test_command = _commands(_blocks("bash")[0])[1]
    assert test_command in ci


def _nox_sessions() -> set[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("nox.session" in ast.unparse(decorator) for decorator in node.decorator_list)
    }


def test_every_nox_session_the_readme_names_exists() -> None:
    named = set(re.findall(r"nox -s (\w+)", README))
    named |= {
        name
        for row in re.findall(r"^\| (`.+?`) \|", README, re.MULTILINE)
        for name in re.findall(r"`(\w+)`", row)
    }
    sessions = _nox_sessions()
    assert named & sessions, "the README names no session"
    assert set(re.findall(r"nox -s (\w+)", README)) <= sessions
    assert sessions <= named, f"sessions the README does not mention: {sessions - named}"


def test_every_script_and_example_the_readme_names_exists() -> None:
    for path in set(re.findall(r"\b((?:scripts|examples)/[\w./-]+\.(?:py|md))", README)):
        assert (ROOT / path).is_file(), path
    for name in set(re.findall(r"`(\w+\.py)`", README)):
        assert (ROOT / "examples" / name).is_file() or (ROOT / "scripts" / name).is_file(), name


def test_every_cli_subcommand_the_readme_names_exists() -> None:
    from assistant_conformance.cli import build_parser

    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    named = set(re.findall(r"assistant-conformance (\w+)", README))
    assert named
    assert named <= set(subparsers.choices), named - set(subparsers.choices)


def test_python_blocks_run_against_the_embedded_endpoint() -> None:
    with running_server(assistant_ready_seconds=0, file_processing_seconds=0) as server:
        env = {
            **os.environ,
            "PINECONE_API_KEY": "readme-key",
            "PINECONE_PLUGIN_ASSISTANT_CONTROL_HOST": server.url,
        }
        completed = subprocess.run(
            [sys.executable, "-c", RUNNER],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    output = completed.stdout
    assert completed.returncode == 0, output + completed.stderr
    sections = dict(
        re.findall(r"^--- block (\d+)\n(.*?)(?=^--- block |\Z)", output, re.MULTILINE | re.DOTALL)
    )
    assert len(sections) == len(_blocks("python"))
    assert "25 days of paid vacation" in sections["1"]
    assert re.search(r"^\d+ \[\('handbook\.md', \[\]\)\]$", sections["1"], re.MULTILINE)
    assert "Core hours are 10:00 to 15:00" in sections["2"]
    assert re.search(r"^stop \d+ [1-9]$", sections["2"], re.MULTILINE)
    assert "Laptops are replaced every three years." in sections["3"]
    assert "['handbook.md']" in sections["4"]
    assert "404 NOT_FOUND" in sections["5"]
    assert "messages[0].content is empty" in sections["5"]
    assert "Ready" in sections["6"]
