"""The `serve` subcommand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from assistant_conformance.cli import build_parser


def test_serve_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.data_dir, args.api_key, args.faults) == (
        "127.0.0.1",
        8765,
        None,
        [],
        False,
    )


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
