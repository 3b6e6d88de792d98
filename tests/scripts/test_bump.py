"""scripts/bump.py: the whole bump in a scratch copy of the pipeline, its failure reports, and its parts."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bump"
OLD, NEW = "2030-01", "2030-02"


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


def make_project(root: Path, new_spec: str | None = None) -> Path:
    """A scratch project: pipeline scripts, two fixture versions, spec/CURRENT and the constants module."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    (root / "scripts").mkdir(parents=True)
    for name in ("regenerate.py", "check_generated.py", "bump.py", "specdiff.py"):
        shutil.copy2(SCRIPTS / name, root / "scripts" / name)
    shutil.copytree(SCRIPTS / "codegen", root / "scripts" / "codegen", ignore=ignore)
    for version, fixture in ((OLD, "old.yaml"), (NEW, "new.yaml")):
        (root / "spec" / version).mkdir(parents=True)
        shutil.copy2(FIXTURES / fixture, root / "spec" / version / "openapi.yaml")
    if new_spec is not None:
        (root / "spec" / NEW / "openapi.yaml").write_text(new_spec, encoding="utf-8")
    (root / "spec" / "CURRENT").write_text(OLD + "\n", encoding="utf-8")
    constants = root / "overlay" / "pinecone_assistant" / "_constants.py"
    constants.parent.mkdir(parents=True)
    constants.write_text(f'from typing import Final\n\nAPI_VERSION: Final = "{OLD}"\n', encoding="utf-8")
    (root / "generated" / "assistant_oracle").mkdir(parents=True)
    return root


def run(project: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(project / "scripts" / script), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=project,
    )


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_bump_writes_the_report_regenerates_moves_the_pointers_and_checks(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    first = run(project, "regenerate.py", OLD)
    assert first.returncode == 0, first.stderr

    result = run(project, "bump.py", OLD, NEW, "--skip-conformance")

    assert result.returncode == 0, result.stdout + result.stderr
    report = (project / "spec" / "changes" / f"{OLD}_to_{NEW}.md").read_text(encoding="utf-8")
    assert "**4 breaking, 4 non-breaking** changes" in report
    assert "status 202 added (application/json: OperationModel)" in report
    assert (project / "spec" / "changes" / f"{OLD}_to_{NEW}.json").is_file()
    assert (project / "spec" / "CURRENT").read_text(encoding="utf-8") == NEW + "\n"
    constants = (project / "overlay" / "pinecone_assistant" / "_constants.py").read_text(encoding="utf-8")
    assert f'API_VERSION: Final = "{NEW}"' in constants
    assert f'spec_version: "{NEW}"' in (project / "generated" / "stats.yml").read_text(encoding="utf-8")
    out = result.stdout
    assert "A assistant_api/api/operations/describe_operation.py" in out
    assert "M assistant_api/api/files/upload_file.py" in out
    assert "A v2030_02.py" in out
    assert f"check_generated: generated/ and the oracle match spec/ (client version {NEW})" in out


def tree(root: Path) -> dict[str, bytes]:
    """Every file of the project except bytecode caches (running a script writes those)."""
    return {name: data for name, data in files(root).items() if "__pycache__" not in name}


def refused(project: Path, *args: str) -> str:
    """Run the bump, assert it was refused with nothing changed on disk, return its stderr."""
    before = tree(project)
    result = run(project, "bump.py", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "bump: nothing was changed." in result.stderr
    assert tree(project) == before
    assert result.stdout == ""
    return result.stderr


@pytest.mark.parametrize("which", ["FROM", "TO"])
def test_an_invalid_spec_is_refused_before_anything_is_written(tmp_path: Path, which: str) -> None:
    project = make_project(tmp_path / "project")
    version = OLD if which == "FROM" else NEW
    path = project / "spec" / version / "openapi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("      responses:\n", "      answers:\n", 1))
    sentinel = project / "generated" / "assistant_api" / "__init__.py"
    sentinel.parent.mkdir(parents=True)
    sentinel.write_text("# generated from 2030-01\n", encoding="utf-8")

    stderr = refused(project, OLD, NEW, "--skip-conformance")

    assert f"spec/{version}/openapi.yaml cannot be used: the spec is not valid OpenAPI 3.1" in stderr
    assert "'answers' was unexpected" in stderr


def test_a_missing_spec_file_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    (project / "spec" / NEW / "openapi.yaml").unlink()

    stderr = refused(project, OLD, NEW)

    assert f"TO: spec/{NEW}/openapi.yaml does not exist (versions in spec/: {OLD})" in stderr


def test_the_same_version_twice_is_refused(tmp_path: Path) -> None:
    stderr = refused(make_project(tmp_path / "project"), NEW, NEW)
    assert "FROM and TO are the same version; nothing to bump" in stderr


def test_a_bump_backwards_is_refused_with_the_forward_command(tmp_path: Path) -> None:
    stderr = refused(make_project(tmp_path / "project"), NEW, OLD)
    assert f"FROM ({NEW}) is newer than TO ({OLD}); a bump moves forward: `bump.py {OLD} {NEW}`" in stderr


def test_uncommitted_changes_in_generated_are_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    generated = project / "generated" / "assistant_api" / "client.py"
    generated.parent.mkdir(parents=True)
    generated.write_text("# generated\n", encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "scratch"]):
        subprocess.run([*git, *command], cwd=project, check=True, capture_output=True)
    generated.write_text("# edited by hand\n", encoding="utf-8")

    stderr = refused(project, OLD, NEW)

    assert "uncommitted changes in files the bump rewrites" in stderr
    assert "generated/assistant_api/client.py" in stderr


def test_a_registry_without_the_new_version_is_named_before_anything_is_written(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    registry = project / "overlay" / "pinecone_assistant" / "finish_reason.py"
    registry.write_text(f'KNOWN_FINISH_REASONS = {{"{OLD}": frozenset({{"stop"}})}}\n', encoding="utf-8")

    stderr = refused(project, OLD, NEW)

    assert f'overlay/pinecone_assistant/finish_reason.py: add "{NEW}" to KNOWN_FINISH_REASONS' in stderr


def test_a_step_that_fails_after_writing_prints_the_undo_command(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    (project / "scripts" / "check_generated.py").write_text("raise SystemExit(3)\n", encoding="utf-8")

    result = run(project, "bump.py", OLD, NEW, "--skip-conformance")

    assert result.returncode == 1
    assert "bump: step 5 (check) failed: scripts/check_generated.py exited with status 3" in result.stderr
    assert (
        "undo with `git checkout -- generated spec/CURRENT"
        " overlay/pinecone_assistant/_constants.py && git clean -fq --"
        f" spec/changes/{OLD}_to_{NEW}.md spec/changes/{OLD}_to_{NEW}.json"
        " generated/assistant_oracle/v2030_02.py`"
    ) in result.stderr


def test_unknown_version_is_refused_with_the_versions_that_exist(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    stderr = refused(project, OLD, "2099-01")
    assert f"spec/2099-01/openapi.yaml does not exist (versions in spec/: {OLD}, {NEW})" in stderr


def test_malformed_version_is_refused() -> None:
    with pytest.raises(bump.StepFailedError, match="must look like 2026-04"):
        bump.check_versions("latest", "2026-04")


def test_report_only_writes_the_report_and_nothing_else(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    result = run(project, "bump.py", OLD, NEW, "--report-only")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "spec" / "changes").iterdir()) == [
        f"{OLD}_to_{NEW}.json",
        f"{OLD}_to_{NEW}.md",
    ]
    assert not (project / "generated" / "assistant_api").exists()
    assert list((project / "generated" / "assistant_oracle").iterdir()) == []
    assert (project / "spec" / "CURRENT").read_text(encoding="utf-8") == OLD + "\n"


def test_api_version_assignment_is_rewritten_in_place() -> None:
    source = '"""Constants."""\n\n#: The version.\nAPI_VERSION: Final = "2025-10"\nAPI_VERSION_HEADER = "X"\n'
    new, old = bump.set_api_version(source, "2026-04")
    assert old == "2025-10"
    assert new == source.replace('"2025-10"', '"2026-04"')


def test_plain_api_version_assignment_is_rewritten() -> None:
    new, old = bump.set_api_version("API_VERSION = '2025-10'\n", "2026-04")
    assert (new, old) == ("API_VERSION = '2026-04'\n", "2025-10")


def test_missing_api_version_says_which_line_to_add() -> None:
    with pytest.raises(bump.StepFailedError, match=r'API_VERSION: Final = "2026-04"'):
        bump.set_api_version("API_VERSION_HEADER = 'x'\n", "2026-04")


def test_missing_conformance_runner_is_named_with_the_way_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bump, "CONFORMANCE_MODULE", "no_such_conformance_package.cli")
    with pytest.raises(bump.StepFailedError) as info:
        bump.conformance_command("2026-04")
    message = str(info.value)
    assert "no_such_conformance_package.cli" in message
    assert "--skip-conformance" in message
    assert "assistant-conformance run --spec-version 2026-04" in message


def test_conformance_command_targets_the_new_version() -> None:
    if importlib.util.find_spec("assistant_conformance.cli") is None:
        pytest.skip("the conformance runner is not installed in this environment")
    assert bump.conformance_command("2026-04")[-3:] == ["run", "--spec-version", "2026-04"]


def test_tree_diff_counts_added_removed_and_changed_lines() -> None:
    before = {"a.py": b"x\ny\n", "gone.py": b"1\n2\n3\n", "same.py": b"s\n"}
    after = {"a.py": b"x\nz\nw\n", "new.py": b"n\n", "same.py": b"s\n"}
    diff = bump.diff_trees(before, after)
    assert diff.added == {"new.py": 1}
    assert diff.removed == {"gone.py": 3}
    assert diff.changed == {"a.py": (2, 1)}
    assert diff.unchanged == 1
    lines = bump.render_tree_diff("generated/", diff)
    assert lines[0] == "generated/: 1 added, 1 removed, 1 changed, 1 unchanged files; +3 -4 lines"
    assert lines[1:] == ["  M a.py (+2 -1)", "  D gone.py (-3)", "  A new.py (+1)"]


def test_files_that_differ_only_in_the_version_label_are_counted_not_listed() -> None:
    before = {"a.py": b"# from 2026-04\nx = 1  # since 2026-04\n", "b.py": b"# from 2026-04\ny = 1\n"}
    after = {"a.py": b"# from 2026-07\nx = 1  # since 2026-04\n", "b.py": b"# from 2026-07\ny = 2\n"}
    diff = bump.diff_trees(before, after, ("2026-04", "2026-07"))

    assert diff.relabelled == ["a.py"]
    assert bump.render_tree_diff("generated/", diff, ("2026-04", "2026-07")) == [
        "generated/: 0 added, 0 removed, 2 changed, 0 unchanged files; +3 -3 lines",
        "  1 of the changed files differ only in the version label (2026-04 -> 2026-07); the other changes:",
        "  M b.py (+2 -2)",
    ]


def test_versions_are_ordered_by_date_with_release_candidates_first() -> None:
    assert sorted(["2026-04", "2026-01.alpha", "2025-10", "2026-01"], key=bump.version_key) == [
        "2025-10",
        "2026-01.alpha",
        "2026-01",
        "2026-04",
    ]


def test_the_tables_written_by_hand_exist_and_know_every_version_in_spec() -> None:
    versions = sorted(p.parent.name for p in (REPO / "spec").glob("*/openapi.yaml"))
    for registry in bump.REGISTRIES:
        assert registry.path.is_file(), f"{registry.path} moved: update REGISTRIES in scripts/bump.py"
        text = registry.path.read_text(encoding="utf-8")
        assert registry.name in text
        assert [v for v in versions if f'"{v}"' not in text] == [], registry.path
