"""The `serve` subcommand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from assistant_conformance.cli import build_parser
from assistant_conformance.embedded import running_server
from assistant_conformance.embedded.server import ExposedWithoutKeyError, is_loopback


def test_serve_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.data_dir, args.api_key, args.faults) == (
        "127.0.0.1",
        8765,
        None,
        [],
        False,
    )


def test_serve_defaults_keep_the_lifecycle_visible_and_the_documented_limits() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.assistant_ready_seconds, args.file_processing_seconds) == (0.5, 1.0)
    assert (args.max_file_mb, args.max_pdf_mb, args.allow_any_key) == (10, 100, False)


def test_serve_accepts_repeated_keys() -> None:
    args = build_parser().parse_args(["serve", "--api-key", "a", "--api-key", "b", "--faults"])
    assert args.api_key == ["a", "b"]
    assert args.faults is True


def test_a_subcommand_is_required() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([])


def test_serve_prints_its_url_and_serves_with_only_the_given_key(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "assistant_conformance.cli",
        "serve",
        "--port",
        "0",
        "--api-key",
        "sekrit",
        "--data-dir",
        str(tmp_path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        created = httpx.post(
            f"{url}/assistant/assistants", json={"name": "cli"}, headers={"Api-Key": "sekrit"}
        )
        assert created.status_code == 200
        assert created.json()["host"] == url
        assert httpx.get(f"{url}/assistant/assistants", headers={"Api-Key": "other"}).status_code == 401
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert "sekrit" not in err
    assert (tmp_path / "assistant.sqlite3").exists()


# Runs the CLI with the conformance extra's modules made unimportable, as with only `[embedded]` installed.
WITHOUT_CONFORMANCE_EXTRA = """
import sys

from assistant_conformance.cli import CONFORMANCE_ONLY


class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in CONFORMANCE_ONLY:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, Uninstalled())
from assistant_conformance.cli import main

sys.exit(main(sys.argv[1:]))
"""


def _cli_without_conformance_extra(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", WITHOUT_CONFORMANCE_EXTRA, *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_serve_works_with_only_the_embedded_extra() -> None:
    process = _cli_without_conformance_extra("serve", "--port", "0")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
        assert httpx.get(f"{url}/assistant/assistants", headers={"Api-Key": "k"}).status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_a_subcommand_without_its_extra_says_which_to_install() -> None:
    process = _cli_without_conformance_extra("run", "--target", "embedded")
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "pinecone-assistant-kit[conformance]" in err
    assert "Traceback" not in err


def test_serving_beyond_loopback_without_a_key_is_refused_with_the_way_out() -> None:
    command = [sys.executable, "-m", "assistant_conformance.cli", "serve", "--host", "0.0.0.0", "--port", "0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "--api-key" in done.stderr
    assert "--allow-any-key" in done.stderr


@pytest.mark.parametrize("extra", [["--api-key", "k"], ["--allow-any-key"]])
def test_serving_beyond_loopback_with_a_key_or_the_explicit_flag_starts(extra: list[str]) -> None:
    command = [
        sys.executable,
        "-m",
        "assistant_conformance.cli",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        *extra,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("http://0.0.0.0:")
    finally:
        process.terminate()
        process.communicate(timeout=20)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("::", False),
        ("example.org", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_running_server_refuses_an_open_interface_without_keys() -> None:
    with pytest.raises(ExposedWithoutKeyError, match="allow_any_key=True"), running_server("0.0.0.0"):
        pass
