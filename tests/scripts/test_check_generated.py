"""scripts/check_generated.py: passes on the committed tree, names each file that differs from a fresh run."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ORACLE = Path("generated/assistant_oracle")


def copy_repo(dest: Path) -> Path:
    """The parts of the repository the pipeline reads, copied under `dest` (the real tree stays as it is)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("scripts", "spec", "generated"):  # generated/ holds the oracle too
        shutil.copytree(REPO / part, dest / part, ignore=ignore)
    return dest


def check(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(repo / "scripts" / "check_generated.py")],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo,
    )


def test_check_generated_names_each_edited_added_and_deleted_file(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path)
    package = repo / "generated" / "assistant_api"
    client = package / "client.py"
    client.write_text(client.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    (package / "hand_written.py").write_text("X = 1\n", encoding="utf-8")
    (package / "types.py").unlink()
    stats = repo / "generated" / "stats.yml"
    stats.write_text(
        stats.read_text(encoding="utf-8").replace("operations: ", "operations: 1"), encoding="utf-8"
    )
    oracle = sorted((repo / ORACLE).glob("v*.py"))[0]
    oracle.write_text(oracle.read_text(encoding="utf-8") + "\nEXTRA = 1\n", encoding="utf-8")
    (repo / ORACLE / "v1999_01.py").write_text("# no spec/1999-01 any more\n", encoding="utf-8")

    result = check(repo)

    assert result.returncode == 1
    report = result.stderr
    assert "generated/assistant_api/client.py: differs" in report
    assert "+# edited by hand" not in report  # the diff goes from committed to regenerated
    assert "-# edited by hand" in report
    assert "generated/assistant_api/hand_written.py: not produced by the generator" in report
    assert "generated/assistant_api/types.py: missing" in report
    assert "generated/stats.yml: differs" in report
    assert f"{ORACLE.as_posix()}/{oracle.name}: differs" in report
    assert f"{ORACLE.as_posix()}/v1999_01.py: not produced by the generator" in report
    assert "scripts/regenerate.py" in report
    # Only the six changed files are reported: every untouched file compared equal.
    assert len(re.findall(r"^  \S+: (differs|missing|not produced)", report, flags=re.MULTILINE)) == 6
