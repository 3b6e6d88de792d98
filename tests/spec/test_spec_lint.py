"""scripts/lint_spec.py: the specs pass Spectral with the project ruleset, and each project rule can fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from .spec_tools import ROOT, VERSIONS, load_spec

LINT = ROOT / "scripts" / "lint_spec.py"


def _run_lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LINT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _project_rules() -> set[str]:
    ruleset = yaml.safe_load((ROOT / ".spectral.yaml").read_text(encoding="utf-8"))
    return set(ruleset["rules"])


def _break_every_project_rule(document: dict[str, Any]) -> None:
    """Introduce one violation of each project rule into `document`."""
    paths = document["paths"]
    schemas = document["components"]["schemas"]
    list_assistants = paths["/assistants"]["get"]
    list_assistants["operationId"] = "listAssistants"  # operation-id-snake-case
    list_assistants["tags"] = ["Assistants", "Chat"]  # operation-has-one-known-tag
    document["servers"][0]["url"] = "https://api.pinecone.io"  # servers-carry-assistant-prefix
    get_assistant = paths["/assistants/{assistant_name}"]["get"]
    get_assistant["parameters"] = [{"$ref": "#/components/parameters/AssistantName"}]  # version header
    get_assistant["responses"]["404"] = {  # error-responses-are-shared
        "description": "Not found.",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ErrorResponse"},
                "example": {"error": {"code": "NOT_FOUND", "message": "gone"}, "status": 404},
            }
        },
    }
    internal = document["components"]["responses"]["InternalError"]["content"]["application/json"]
    internal["schema"] = {"$ref": "#/components/schemas/UsageModel"}  # shared-responses-use-error-schemas
    internal["example"] = {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1}
    del get_assistant["responses"]["200"]["content"]["application/json"]["example"]  # response example
    del paths["/assistants"]["post"]["requestBody"]["content"]["application/json"][
        "example"
    ]  # request example
    del schemas["ContentChunk"]["examples"]  # stream-chunk-has-example
    stream = paths["/chat/{assistant_name}"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    stream["schema"] = {"$ref": "#/components/schemas/StreamChatChunk"}  # event-stream-describes-the-event
    del stream["examples"]
    stream["example"] = {"type": "content_chunk", "id": "c", "model": "gpt-4o", "delta": {"content": "Hi"}}
    schemas["Assistant"]["properties"]["region"] = {"type": "string", "enum": ["us", "eu"]}  # inline enum
    schemas["Assistant"]["properties"]["host"]["nullable"] = True  # no-openapi-30-nullable


def test_spec_passes_linter() -> None:
    result = _run_lint()

    assert result.returncode == 0, result.stdout + result.stderr
    for version in VERSIONS:
        assert f"openapi-spec-validator: spec/{version}/openapi.yaml: OK" in result.stdout
    assert "No results with a severity of 'warn' or higher found!" in result.stdout
    assert "spectral: OK" in result.stdout


def test_linter_reports_a_violation_of_each_project_rule(tmp_path: Path) -> None:
    document = load_spec("2026-04")
    _break_every_project_rule(document)
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    result = _run_lint(str(broken))

    assert result.returncode == 1, result.stdout + result.stderr
    reported = {rule for rule in _project_rules() if f" {rule} " in result.stdout}
    assert reported == _project_rules(), result.stdout


def test_linter_names_an_unknown_argument() -> None:
    result = _run_lint("1999-01")

    assert result.returncode != 0
    assert "'1999-01' is neither a version folder under spec/ nor an OpenAPI file" in result.stderr
