"""The committed change reports (2025-10 → 2026-04, 2026-04 → 2026-07): up to date, naming known changes."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
FROM, TO = "2025-10", "2026-04"
REPORT_MD = REPO / "spec" / "changes" / f"{FROM}_to_{TO}.md"
REPORT_JSON = REPORT_MD.with_suffix(".json")


def _load(name: str) -> Any:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_load("specdiff")
_load("regenerate")
bump = _load("bump")


@pytest.fixture(scope="module")
def changes() -> list[dict[str, Any]]:
    data = json.loads(REPORT_JSON.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = data["changes"]
    return found


def find(changes: list[dict[str, Any]], **fields: str) -> dict[str, Any]:
    matches = [c for c in changes if all(c[k] == v for k, v in fields.items())]
    assert len(matches) == 1, f"expected one change with {fields}, found {len(matches)}"
    return matches[0]


COMMITTED = sorted(p.stem for p in (REPO / "spec" / "changes").glob("*_to_*.md"))


def test_every_pair_of_consecutive_versions_has_a_committed_report() -> None:
    versions = sorted(p.parent.name for p in (REPO / "spec").glob("*/openapi.yaml"))
    assert [f"{a}_to_{b}" for a, b in itertools.pairwise(versions)] == COMMITTED


@pytest.mark.parametrize("stem", COMMITTED)
def test_committed_report_matches_what_the_generator_writes_from_the_committed_specs(stem: str) -> None:
    old, new = stem.split("_to_")
    _, markdown, data = bump.build_report(old, new)
    hint = f"stale: run `.venv/bin/python scripts/bump.py {old} {new} --report-only` and commit spec/changes/"
    path = REPO / "spec" / "changes" / f"{stem}.md"
    assert path.read_text(encoding="utf-8") == markdown, hint
    assert path.with_suffix(".json").read_text(encoding="utf-8") == data, hint


def test_uploads_answer_202_with_an_operation_instead_of_200(changes: list[dict[str, Any]]) -> None:
    upload = "upload_file (POST /files/{assistant_name})"
    added = find(changes, where=upload, rule="status-success-added")
    assert added["detail"] == "status 202 added (application/json: OperationModel; headers: Location)"
    assert added["classification"] == "breaking"
    assert find(changes, where=upload, rule="status-success-removed")["at"] == "response 200"
    delete = "delete_file (DELETE /files/{assistant_name}/{assistant_file_id})"
    assert {c["at"] for c in changes if c["where"] == delete and c["rule"] == "status-success-added"} == {
        "response 202",
        "response 204",
    }


def test_upload_metadata_moves_from_the_query_into_the_multipart_form(changes: list[dict[str, Any]]) -> None:
    removed = find(changes, where="upload_file (POST /files/{assistant_name})", rule="parameter-removed")
    assert (removed["at"], removed["classification"]) == ("parameter query `metadata`", "breaking")
    form_field = find(changes, where="schema UploadFileRequest", path="$.metadata")
    assert (form_field["rule"], form_field["classification"]) == ("field-added-optional", "non-breaking")


def test_list_endpoints_gain_pagination(changes: list[dict[str, Any]]) -> None:
    for schema in ("ListAssistantsResponse", "ListFilesResponse"):
        assert find(changes, where=f"schema {schema}", path="$.pagination")["rule"] == "field-added-optional"
    for where in ("list_assistants (GET /assistants)", "list_files (GET /files/{assistant_name})"):
        params = {c["at"] for c in changes if c["where"] == where and c["rule"] == "parameter-added-optional"}
        assert params == {"parameter query `limit`", "parameter query `pagination_token`"}


def test_operations_endpoints_and_upsert_are_new(changes: list[dict[str, Any]]) -> None:
    added = {c["where"].split()[0] for c in changes if c["rule"] == "operation-added"}
    assert added == {"list_operations", "describe_operation", "upsert_file"}
    assert not [c for c in changes if c["rule"] == "operation-removed"]


def test_chat_answers_gain_context_snippet_count_and_content_filter_results(
    changes: list[dict[str, Any]],
) -> None:
    for path in ("$.context_snippet_count", "$.content_filter_results"):
        change = find(changes, where="schema ChatModel", path=path)
        assert (change["rule"], change["classification"]) == ("field-added-optional", "non-breaking")


def test_finish_reason_tool_calls_is_added_and_function_call_removed(changes: list[dict[str, Any]]) -> None:
    added = find(changes, where="schema FinishReason", rule="enum-value-added")
    assert added["detail"] == 'value "tool_calls" added'
    assert added["classification"] == "non-breaking"
    assert "strict client" in added["note"]
    assert find(changes, where="schema FinishReason", rule="enum-value-removed")["detail"] == (
        'value "function_call" removed'
    )


def test_model_lists_change(changes: list[dict[str, Any]]) -> None:
    def values(schema: str, rule: str) -> set[str]:
        return {
            c["detail"].split('"')[1]
            for c in changes
            if c["where"] == f"schema {schema}" and c["rule"] == rule
        }

    assert values("ChatModelName", "enum-value-added") == {"gpt-5", "claude-sonnet-4-5"}
    assert values("ChatModelName", "enum-value-removed") == {"claude-3-5-sonnet", "claude-3-7-sonnet"}
    assert values("ChatCompletionModelName", "enum-value-added") == {"claude-sonnet-4-5"}
    assert values("ChatCompletionModelName", "enum-value-removed") == {
        "claude-3-5-sonnet",
        "claude-3-7-sonnet",
    }
    removed = [
        c for c in changes if c["where"] == "schema ChatModelName" and c["rule"] == "enum-value-removed"
    ]
    assert {c["classification"] for c in removed} == {"breaking"}


def test_markdown_report_names_each_documented_change() -> None:
    text = REPORT_MD.read_text(encoding="utf-8")
    for needle in (
        "status 202 added (application/json: OperationModel; headers: Location)",
        "query parameter `metadata` removed",
        "### schema UploadFileRequest",
        "`$.pagination`",
        "### list_operations (GET /operations/{assistant_name})",
        "### describe_operation (GET /operations/{assistant_name}/{operation_id})",
        "`$.context_snippet_count`",
        "`$.content_filter_results`",
        'value "tool_calls" added',
        'value "gpt-5" added',
        'value "claude-3-5-sonnet" removed',
    ):
        assert needle in text, needle


def test_the_version_header_default_is_a_label_not_a_breaking_change(changes: list[dict[str, Any]]) -> None:
    label = find(changes, where="parameter component X-Pinecone-Api-Version")
    assert (label["rule"], label["classification"]) == ("version-label-changed", "non-breaking")
    assert not [c for c in changes if c["rule"] == "default-changed" and "Api-Version" in c["where"]]


# ---------------------------------------------------------------- 2026-04 → 2026-07

REPORT_2026_07 = REPO / "spec" / "changes" / "2026-04_to_2026-07.md"


def test_2026_07_breaks_nothing_and_says_so() -> None:
    data = json.loads(REPORT_2026_07.with_suffix(".json").read_text(encoding="utf-8"))
    text = REPORT_2026_07.read_text(encoding="utf-8")

    assert data["counts"] == {"breaking": 0, "non-breaking": 1}
    assert [(c["rule"], c["detail"]) for c in data["changes"]] == [
        ("version-label-changed", 'default "2026-04" → "2026-07"')
    ]
    assert "**0 breaking, 1 non-breaking** changes for a client written against 2026-04." in text
    assert "Nothing breaks for a client written against 2026-04." in text


def test_2026_07_lists_what_changed_without_a_client_seeing_it() -> None:
    notes = json.loads(REPORT_2026_07.with_suffix(".json").read_text(encoding="utf-8"))["not_seen_by_clients"]
    paths = {n["path"] for n in notes}

    assert {"kind": "version label", "path": "$.info.version", "detail": '"2026-04" → "2026-07"'} in notes
    assert {
        "$.paths['/operations/{assistant_name}'].get.responses['200'].description",
        "$.components.schemas.OperationModel.description",
        "$.components.schemas.CitationChunk.examples",
        "$.components.schemas.UploadFileRequest.properties.metadata.description",
    } <= paths
    assert "## Not seen by a client" in REPORT_2026_07.read_text(encoding="utf-8")
