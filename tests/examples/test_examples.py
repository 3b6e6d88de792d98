"""Every script in examples/ runs against the embedded endpoint and prints what it promises."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from assistant_conformance.embedded import running_server

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TIMEOUT_S = 120

#: For each example, patterns (regular expressions) its output must contain, each on some line.
EXPECTED: dict[str, list[str]] = {
    "quickstart.py": [
        r"^created assistant quickstart-[0-9a-f]{6}$",
        r"^uploaded handbook\.md: Available$",
        r"^uploaded travel-policy\.txt: Available$",
        r"^answer: .*Every employee gets 25 days of paid vacation per year\.",
        r"^finish_reason: stop, model: gpt-4o-",
        r"^source \[1\]: handbook\.md \(team=hr\)$",
        r"^with markers: .*per year\. \[1\]",
        r"^deleted assistant quickstart-[0-9a-f]{6}$",
    ],
    "streaming.py": [
        r"^final text: A mature red pine usually grows 20 to 35 meters tall",
        r"^finish_reason: stop, citations: [1-9]\d*, tokens: [1-9]\d*$",
        r"^chunk message_start: model=gpt-4o-",
        r"^chunk content_chunk: 'A mature red",
        r"^chunk citation: position=[1-9]\d*$",
        r"^chunk message_end: finish_reason=stop$",
        r"^same as non-streaming: True$",
        r"^completion text: A mature red pine .*\[1\]",
    ],
    "async_chat.py": [
        r"^files: \['handbook\.md', 'travel-policy\.txt'\]$",
        r"^A: .*Every employee gets 25 days of paid vacation",
        r"^A: Core hours are 10:00 to 15:00",
        r"^A: Meals during business travel are covered by a daily allowance of 45 euros\.",
        r"^streamed in [1-9]\d* pieces: Laptops are replaced every three years\.$",
    ],
    "filters.py": [
        r"^builder: \{'\$and': \[\{'tags': \{'\$eq': 'policy'\}\}, \{'year': \{'\$gte': 2026\}\}\]\}$",
        r"^in: \{'team': \{'\$in': \['hr', 'finance'\]\}\}$",
        r"^invalid filter: filter\.\$and\[1\]\.year\.\$gt: \$gt takes a number",
        r"^list hr\|finance: \['handbook\.md', 'travel-policy\.txt'\]$",
        r"^list year>=2025: \['handbook\.md', 'travel-policy\.txt'\]$",
        r"^chat team=finance cites: \['travel-policy\.txt'\]$",
        r"^rejected before sending: filter\.team\.\$regex: unknown operator '\$regex'",
    ],
    "context.py": [
        r"^0\.\d{3} markdown red-pine\.md: ",
        r"^snippets: [1-3], tokens: [1-9]\d*$",
        r"^from messages: travel-policy\.txt$",
    ],
    "errors_and_retries.py": [
        r"^ClientValidationError: messages\[0\]\.content is empty",
        r"^NotFoundError: status=404 code=NOT_FOUND ",
        r"^Retrying GET http://127\.0\.0\.1:\d+/assistant/assistants in [\d.]+s \(retry 1 of 2\) "
        r"after HTTP 429$",
        r"^listed \d+ assistants after a retry$",
        r"^RateLimitError: status=429 retry-after=1$",
        r"^policy: 5 retries, client: AssistantClient\(",
    ],
    "openai_sdk.py": (
        [
            r"^openai answer: Its needles grow in bundles of two and are 12 to 18 centimeters long\. \[1\]$",
            r"^finish_reason: stop$",
            r"^openai streamed: Its needles grow in bundles of two",
        ]
        if importlib.util.find_spec("openai") is not None
        else [r"^openai is not installed: run `pip install openai` to try this example\.$"]
    ),
}


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    # Faults on: errors_and_retries.py asks for a 429 through the fault headers.
    with running_server(faults=True, assistant_ready_seconds=0, file_processing_seconds=0) as server:
        yield server.url


def _run(script: str, env: dict[str, str]) -> str:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert completed.returncode == 0, f"{script} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"ASSISTANT_CONTROL_HOST", "PINECONE_API_KEY"}}
    return {**env, **extra}


def _missing(output: str, patterns: list[str]) -> list[str]:
    return [p for p in patterns if not re.search(p, output, re.MULTILINE)]


def test_every_example_has_expected_output() -> None:
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
    assert scripts == sorted(EXPECTED)


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_prints_what_it_promises(script: str, server_url: str) -> None:
    output = _run(script, _env(ASSISTANT_CONTROL_HOST=server_url, PINECONE_API_KEY="example-test-key"))
    assert _missing(output, EXPECTED[script]) == [], output


def test_streamed_text_is_printed_piece_by_piece_and_equals_the_final_answer(server_url: str) -> None:
    output = _run("streaming.py", _env(ASSISTANT_CONTROL_HOST=server_url))
    lines = output.splitlines()
    assert lines[1] == "final text: " + lines[0]


def test_examples_leave_no_assistant_behind(server_url: str) -> None:
    from pinecone_assistant import AssistantClient

    _run("quickstart.py", _env(ASSISTANT_CONTROL_HOST=server_url))
    with AssistantClient(api_key="k", control_host=server_url) as client:
        left = [a.name for a in client.list_assistants()]
    assert not [name for name in left if name.startswith("quickstart-")], left


def test_example_starts_its_own_endpoint_when_none_is_given() -> None:
    output = _run("quickstart.py", _env())
    assert _missing(output, EXPECTED["quickstart.py"]) == [], output
