"""scripts/vendor.py: import rewriting, refusing to overwrite, and a vendored copy working in a bare venv."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
RENAMES = {"assistant_api": "acme_api", "pinecone_assistant": "acme_api_overlay"}


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


vendor = _load("vendor")


def rewrite(source: str, renames: dict[str, str] | None = None) -> str:
    return str(vendor.rewrite_source(textwrap.dedent(source), renames or RENAMES))


# --- rewriting ----------------------------------------------------------------------------------------------


def test_from_import_of_the_package_is_renamed() -> None:
    assert (
        rewrite("from assistant_api.models import ChatRequest\n")
        == "from acme_api.models import ChatRequest\n"
    )


def test_parenthesised_multiline_from_import_is_renamed() -> None:
    source = "from pinecone_assistant._constants import (\n    API_VERSION,  # pinecone_assistant\n)\n"
    assert rewrite(source) == source.replace("from pinecone_assistant.", "from acme_api_overlay.")


def test_relative_imports_are_left_alone() -> None:
    source = "from . import errors\nfrom ..models.chat_model import ChatModel\nfrom .assistant_api import x\n"
    assert rewrite(source) == source


def test_import_with_alias_renames_only_the_module() -> None:
    assert (
        rewrite("import assistant_api.models as m\nm.ChatModel\n")
        == "import acme_api.models as m\nm.ChatModel\n"
    )


def test_bare_import_renames_every_use_of_the_bound_name() -> None:
    source = """\
    import assistant_api
    import assistant_api.models, json

    def build(c: assistant_api.Client) -> assistant_api.models.ChatModel:
        return c.assistant_api
    """
    assert rewrite(source) == textwrap.dedent(
        """\
    import acme_api
    import acme_api.models, json

    def build(c: acme_api.Client) -> acme_api.models.ChatModel:
        return c.assistant_api
    """
    )


def test_names_are_not_renamed_when_the_module_does_not_bind_them() -> None:
    source = "from assistant_api import Client\nassistant_api = 3\n"
    assert rewrite(source) == "from acme_api import Client\nassistant_api = 3\n"


def test_string_references_are_renamed_but_prose_and_comments_are_not() -> None:
    source = '''\
    """Talks to the API through assistant_api."""
    import logging  # see pinecone_assistant docs
    logger = logging.getLogger("pinecone_assistant")
    target = 'assistant_api.models.ChatModel'
    raw = b"assistant_api"
    other = "assistant_api_extra"
    '''
    assert rewrite(source) == textwrap.dedent(
        '''\
    """Talks to the API through assistant_api."""
    import logging  # see pinecone_assistant docs
    logger = logging.getLogger("acme_api_overlay")
    target = 'acme_api.models.ChatModel'
    raw = b"assistant_api"
    other = "assistant_api_extra"
    '''
    )


def test_similar_package_names_are_not_renamed() -> None:
    source = "import assistant_api_extra\nfrom pinecone_assistants import x\n"
    assert rewrite(source) == source


def test_imports_after_a_colon_or_semicolon_are_renamed() -> None:
    source = "if TYPE_CHECKING: from assistant_api import Client\nimport os; import assistant_api as a\n"
    assert rewrite(source) == (
        "if TYPE_CHECKING: from acme_api import Client\nimport os; import acme_api as a\n"
    )


def test_dotted_package_name_is_used_whole() -> None:
    renames = {"assistant_api": "myapp._vendor.pc_api"}
    assert rewrite("from assistant_api.types import UNSET\n", renames) == (
        "from myapp._vendor.pc_api.types import UNSET\n"
    )


def test_leftover_imports_are_reported_with_their_line() -> None:
    source = "import json\nfrom assistant_api import Client\n"
    assert vendor.leftover_imports(source, ["assistant_api"]) == ["line 2: assistant_api"]


def test_type_checking_imports_are_not_runtime_requirements(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\nimport httpx\nimport json\nfrom acme_api import x\n"
        "if TYPE_CHECKING:\n    import orjson\n"
    )
    assert vendor.third_party_imports(package, ["acme_api"]) == {"httpx"}


# --- the command --------------------------------------------------------------------------------------------


def run_vendor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "vendor.py"), *args], capture_output=True, text=True, check=False
    )


def test_non_empty_destination_is_refused_without_force(tmp_path: Path) -> None:
    dest = tmp_path / "src"
    dest.mkdir()
    (dest / "app.py").write_text("print('mine')\n")
    result = run_vendor(str(dest), "--package", "acme_api")
    assert result.returncode == 2
    assert "is not empty (app.py); pass --force" in result.stderr
    assert sorted(p.name for p in dest.iterdir()) == ["app.py"]


def test_force_replaces_the_vendored_package_and_keeps_other_files(tmp_path: Path) -> None:
    dest = tmp_path / "src"
    (dest / "acme_api").mkdir(parents=True)
    (dest / "acme_api" / "stale.py").write_text("# left over from an older copy\n")
    (dest / "app.py").write_text("print('mine')\n")
    result = run_vendor(str(dest), "--package", "acme_api", "--force")
    assert result.returncode == 0, result.stderr
    assert not (dest / "acme_api" / "stale.py").exists()
    assert (dest / "app.py").read_text() == "print('mine')\n"
    assert (dest / "acme_api" / "client.py").is_file()
    assert not (dest / "acme_api_overlay").exists()
    assert not [p for p in dest.iterdir() if p.name.startswith(".vendor-")]


def test_invalid_package_name_is_refused(tmp_path: Path) -> None:
    result = run_vendor(str(tmp_path / "src"), "--package", "acme-api")
    assert result.returncode == 2
    assert "'acme-api' is not an identifier" in result.stderr
    assert not (tmp_path / "src").exists()


def test_notice_records_the_spec_version_and_hash(tmp_path: Path) -> None:
    dest = tmp_path / "src"
    vendor.vendor(dest, "acme_api")
    stats = (REPO / "generated" / "stats.yml").read_text(encoding="utf-8")
    spec_hash = next(line.split()[1] for line in stats.splitlines() if line.startswith("spec_sha256:"))
    version = next(
        line.split()[1].strip('"') for line in stats.splitlines() if line.startswith("spec_version:")
    )
    notice = (dest / "acme_api" / "VENDORED.md").read_text(encoding="utf-8")
    assert f"- API version: {version}\n" in notice
    assert spec_hash in notice
    assert "- `assistant_api` → `acme_api`" in notice


# --- a bare venv --------------------------------------------------------------------------------------------

PROBE = r"""
import importlib, importlib.metadata, importlib.util, json, pkgutil, sys

for original in ("assistant_api", "pinecone_assistant"):
    assert importlib.util.find_spec(original) is None, f"{original} must not be importable here"

import acme_api
from acme_api.api.chat import chat_assistant
from acme_api.models import ChatRequest

message = {"role": "user", "content": "Which planet is largest?"}
body = ChatRequest.from_dict({"messages": [message], "model": "gpt-4o"})
client = acme_api.Client(base_url="https://prod-1-data.ke.pinecone.io/assistant")
request = client.get_httpx_client().build_request(**chat_assistant._get_kwargs("my-assistant", body=body))
out = {
    "method": request.method,
    "url": str(request.url),
    "body": json.loads(request.content),
    "version_header": request.headers.get("x-pinecone-api-version"),
    "site_packages": sorted(d.metadata["Name"].lower() for d in importlib.metadata.distributions()),
}
if len(sys.argv) > 1:
    overlay = importlib.import_module(sys.argv[1])
    out["overlay_modules"] = sorted(
        importlib.import_module(m.name).__name__
        for m in pkgutil.walk_packages(overlay.__path__, overlay.__name__ + ".")
    )
    out["overlay_api_version"] = importlib.import_module(sys.argv[1] + "._constants").API_VERSION
print(json.dumps(out))
"""


@pytest.mark.slow
def test_vendored_client_and_overlay_build_a_chat_request_in_a_venv_with_only_their_requirements(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    requirements = vendor.vendor(project / "src", "acme_api", with_overlay=True)
    assert {"httpx", "attrs"} <= set(requirements)

    venv = tmp_path / "venv"
    # A plain venv with its own pip: the test's interpreter may come from an environment without pip (uv).
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pins = [f"{dist}=={version}" if version else dist for dist, version in requirements.items()]
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = str(project / "src")
    probe = subprocess.run(
        [str(python), "-s", "-c", PROBE, "acme_api_overlay"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    out = json.loads(probe.stdout)
    assert out["method"] == "POST"
    assert out["url"] == "https://prod-1-data.ke.pinecone.io/assistant/chat/my-assistant"
    assert out["body"]["messages"] == [{"role": "user", "content": "Which planet is largest?"}]
    assert out["body"]["model"] == "gpt-4o"
    assert out["version_header"] == out["overlay_api_version"]
    installed = set(out["site_packages"])
    assert {"httpx", "attrs"} <= installed
    assert "pinecone-assistant-kit" not in installed
    assert "acme_api_overlay._constants" in out["overlay_modules"]
