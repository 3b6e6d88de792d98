"""Each spec/<version>/openapi.yaml is a valid OpenAPI 3.1 document."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator

from .spec_tools import ROOT, SPEC_DIR, VERSIONS, load_spec


def _lint_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lint_spec", ROOT / "scripts" / "lint_spec.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_spec_folders_are_exactly_the_supported_versions() -> None:
    assert sorted(path.parent.name for path in SPEC_DIR.glob("*/openapi.yaml")) == sorted(VERSIONS)


@pytest.mark.parametrize("version", VERSIONS)
def test_spec_is_valid_openapi(version: str) -> None:
    document = load_spec(version)
    errors = [
        f"{list(error.absolute_path)}: {error.message}"
        for error in OpenAPIV31SpecValidator(document).iter_errors()
    ]
    assert errors == []
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == version


def test_validator_reports_what_is_wrong_and_where(tmp_path: Path) -> None:
    document = load_spec("2026-04")
    document["paths"]["/assistants"]["get"]["responses"]["200"]["description"] = 42
    document["components"]["parameters"]["PaginationToken"]["in"] = "body"
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    problems = _lint_module().validate(broken)

    assert len(problems) == 2, problems
    assert any(p.startswith("at /paths/~1assistants/get/responses/200/description: 42 ") for p in problems)
    assert any(p.startswith("at /components/parameters/PaginationToken") for p in problems)


def test_validator_accepts_the_checked_in_specs() -> None:
    lint = _lint_module()
    assert [lint.validate(SPEC_DIR / version / "openapi.yaml") for version in VERSIONS] == [
        [] for _ in VERSIONS
    ]
