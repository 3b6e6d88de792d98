"""scripts/build_docs.py: the site has a page per Markdown source, the API reference, the conformance
report page, and no broken link."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import build_docs  # noqa: E402


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"id", "name"} and value:
                self.ids.add(value)
            if name in {"href", "src"} and value:
                self.hrefs.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(path: Path) -> _Html:
    parser = _Html()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _broken_links(site: Path) -> list[str]:
    parsed = {path: _parse(path) for path in site.rglob("*.html")}
    broken = []
    for path, page in parsed.items():
        for href in page.hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("//", "data:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if not target.is_file():
                broken.append(f"{path.relative_to(site)}: {href} (no such file)")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in parsed[target].ids:
                broken.append(f"{path.relative_to(site)}: {href} (no such anchor)")
    return broken


def _write_report(directory: Path) -> None:
    from assistant_conformance.report import RunReport, write_reports
    from assistant_conformance.results import CheckResult, Status, SuiteResult

    checks = [
        CheckResult("schema.status_matches_envelope", "schema", Status.PASS, cases=12),
        CheckResult("streaming.same_final_answer", "streaming", Status.FAIL, "answers differ", 3, 1),
    ]
    report = RunReport(
        run_id="docs-test",
        started_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
        duration_s=1.5,
        target={"kind": "embedded", "base_url": "http://127.0.0.1:1"},
        spec={"version": "2026-04", "path": "spec/2026-04/openapi.yaml", "sha256": "0" * 64},
        client={"package": "pinecone_assistant", "version": "0.1.0"},
        suites=[SuiteResult("schema", checks[:1]), SuiteResult("streaming", checks[1:])],
        checks=checks,
        coverage={},
    )
    write_reports(report, directory)
    (directory / "selftest.md").write_text(
        "# Conformance selftest\n\n| fault | detected |\n|---|---|\n| `cut_stream` | yes |\n",
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    report_dir = tmp_path_factory.mktemp("report")
    _write_report(report_dir)
    output = tmp_path_factory.mktemp("build") / "site"
    completed = subprocess.run(
        [sys.executable, "scripts/build_docs.py", "--output", str(output), "--report-dir", str(report_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "with the conformance report page" in completed.stdout
    return output


def test_site_has_a_page_for_the_readme_every_doc_and_every_change_report(site: Path) -> None:
    assert (site / "index.html").is_file()
    for doc in (ROOT / "docs").glob("*.md"):
        assert (site / f"{doc.stem}.html").is_file(), doc
    for change in (ROOT / "spec" / "changes").glob("*.md"):
        assert (site / "changes" / f"{change.stem}.html").is_file(), change


def test_readme_commands_appear_on_the_index_page(site: Path) -> None:
    text = "".join(_parse(site / "index.html").text)
    assert "nox -s conformance" in text
    assert "nox -t ci" in text


def test_api_reference_documents_the_client_and_the_embedded_endpoint(site: Path) -> None:
    client_page = "".join(_parse(site / "api" / "pinecone_assistant" / "client.html").text)
    assert "AssistantClient" in client_page
    assert "AsyncAssistantClient" in client_page
    embedded = "".join(_parse(site / "api" / "assistant_conformance" / "embedded.html").text)
    assert "running_server" in embedded
    assert not list((site / "api").rglob("_*.html")), "private modules are left out"


def test_conformance_report_is_a_page_with_its_tables(site: Path) -> None:
    page = _parse(site / build_docs.REPORT_PAGE)
    text = "".join(page.text)
    assert "Assistant API conformance report" in text
    assert "streaming.same_final_answer" in text
    assert "answers differ" in text


def test_selftest_report_is_a_page(site: Path) -> None:
    text = "".join(_parse(site / build_docs.SELFTEST_PAGE).text)
    assert "Conformance selftest" in text
    assert "cut_stream" in text


def test_every_page_links_every_other_page_and_the_api_reference(site: Path) -> None:
    pages = sorted(p.relative_to(site).as_posix() for p in site.glob("**/*.html") if "api" not in p.parts)
    for page in pages:
        base = (site / page).parent
        linked = {
            (base / urlsplit(href).path).resolve().relative_to(site.resolve()).as_posix()
            for href in _parse(site / page).hrefs
            if not urlsplit(href).scheme and href.endswith(".html")
        }
        assert set(pages) <= linked | {page}, (page, set(pages) - linked)
        assert build_docs.API_ENTRY in linked, page


def test_no_link_in_the_site_is_broken(site: Path) -> None:
    assert _broken_links(site) == []


def test_pages_load_nothing_from_the_network(site: Path) -> None:
    loads = re.compile(r"<(?:script|img|link)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.IGNORECASE)
    for path in site.rglob("*.html"):
        assert not loads.search(path.read_text(encoding="utf-8")), path


def test_build_is_byte_for_byte_repeatable(site: Path, tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    _write_report(report_dir)
    again = tmp_path / "again"
    written = build_docs.build(again, report_dir=report_dir)
    assert written == sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    for name in written:
        assert (again / name).read_bytes() == (site / name).read_bytes(), name


# ---------------------------------------------------------------------------------------- a small tree


def _tree(tmp_path: Path, pages: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    for name, text in {"README.md": "# Project\n", **pages}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "docs").mkdir(exist_ok=True)
    (root / "spec" / "changes").mkdir(parents=True, exist_ok=True)
    return root


def test_links_between_markdown_files_become_links_between_pages(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "README.md": "# P\n\nSee [the spec page](docs/spec.md#how-to-change-it).\n",
            "docs/spec.md": "# Spec\n\n## How to change it\n\nBack [home](../README.md), "
            "[report](../spec/changes/a_to_b.md).\n",
            "spec/changes/a_to_b.md": "# A to B\n\nSee [spec](../../docs/spec.md).\n",
        },
    )
    site = tmp_path / "site"
    build_docs.build(site, report_dir=tmp_path / "none", with_api=False, root=root)
    assert 'href="spec.html#how-to-change-it"' in (site / "index.html").read_text()
    assert 'href="changes/a_to_b.html"' in (site / "spec.html").read_text()
    assert 'href="../spec.html"' in (site / "changes" / "a_to_b.html").read_text()
    assert _broken_links(site) == []
    assert not (site / build_docs.REPORT_PAGE).exists()


def test_link_to_a_file_outside_the_site_stops_the_build_and_names_it(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"docs/spec.md": "# Spec\n\nRead [the script](../scripts/lint_spec.py).\n"})
    with pytest.raises(build_docs.DocsError, match=r"docs/spec\.md: link '\.\./scripts/lint_spec\.py'"):
        build_docs.build(tmp_path / "site", report_dir=tmp_path / "none", with_api=False, root=root)
    assert not (tmp_path / "site").exists()


def test_link_to_a_missing_heading_stops_the_build(tmp_path: Path) -> None:
    root = _tree(
        tmp_path, {"docs/a.md": "# A\n\n## Real heading\n\n[x](#no-such-heading) [y](#real-heading)\n"}
    )
    with pytest.raises(build_docs.DocsError, match="no heading with the anchor #no-such-heading"):
        build_docs.build(tmp_path / "site", report_dir=tmp_path / "none", with_api=False, root=root)


def test_heading_anchors_follow_github() -> None:
    assert build_docs.slugify("The change from 2025-10 → 2026-04") == "the-change-from-2025-10--2026-04"
    assert build_docs.slugify("Using the client") == "using-the-client"
    assert build_docs.slugify("Why `text/event-stream`?") == "why-textevent-stream"


def test_a_failed_build_keeps_the_previous_site(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"docs/a.md": "# A\n"})
    site = tmp_path / "site"
    build_docs.build(site, report_dir=tmp_path / "none", with_api=False, root=root)
    (root / "docs" / "a.md").write_text("# A\n\n[broken](missing.md)\n")
    with pytest.raises(build_docs.DocsError):
        build_docs.build(site, report_dir=tmp_path / "none", with_api=False, root=root)
    assert (site / "a.html").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-")] == []
