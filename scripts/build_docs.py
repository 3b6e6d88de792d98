"""Build the documentation site: the README, the layer pages, the change reports and the latest conformance
report as HTML, and the API reference with pdoc.

Usage: .venv/bin/python scripts/build_docs.py [--output DIR] [--report-dir DIR] [--no-api]

Written under DIR (default `site/`):

- `index.html` (README.md), `<name>.html` for each `docs/<name>.md`, `changes/<name>.html` for each
  `spec/changes/<name>.md`, `conformance-report.html` when `<report-dir>/report.md` exists (default
  `reports/conformance/`; written by `assistant-conformance run`) and `conformance-selftest.html` when
  `<report-dir>/selftest.md` exists (written by `assistant-conformance selftest`);
- `api/`: pdoc's reference of `pinecone_assistant` (the package and each public module) and of
  `assistant_conformance.embedded`.

Every page carries the same navigation. Relative links between Markdown files become links between pages;
a link to a file that is not part of the site, or to a heading that does not exist, stops the build with
the file and the link named. The output depends only on the inputs (no dates, no network).
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import os
import pkgutil
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "pinecone-assistant-kit"
DEFAULT_OUTPUT = ROOT / "site"
DEFAULT_REPORT_DIR = ROOT / "reports" / "conformance"
REPORT_PAGE = "conformance-report.html"
SELFTEST_PAGE = "conformance-selftest.html"
API_PACKAGE = "pinecone_assistant"
API_EXTRA_MODULES = ("assistant_conformance.embedded",)
API_ENTRY = f"api/{API_PACKAGE}.html"
#: pdoc template overrides (private base classes of public classes are documented).
TEMPLATES = Path(__file__).resolve().parent / "docs_templates"
#: Layer pages come first in the navigation, in this order; other docs/ pages follow by name.
PAGE_ORDER = ("spec", "generated", "overlay", "conformance", "embedded", "bump", "vendoring")

STYLE = """
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2125; }
.layout { display: flex; min-height: 100vh; }
nav { flex: 0 0 15rem; padding: 1.5rem 1rem; background: #f4f6f8; border-right: 1px solid #dde2e6; }
nav a { display: block; padding: .15rem 0; color: #234; text-decoration: none; }
nav a:hover { text-decoration: underline; }
nav a.current { font-weight: 600; }
nav h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: #667;
  margin: 1.2rem 0 .3rem; }
main { flex: 1; max-width: 62rem; padding: 1.5rem 2.5rem 4rem; overflow-x: auto; }
code { font: .9em/1.4 ui-monospace, "SFMono-Regular", Menlo, monospace; background: #f1f3f5;
  padding: .1em .25em; border-radius: 3px; }
pre { background: #f6f8fa; padding: .8rem 1rem; overflow-x: auto; border-radius: 4px; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
h1, h2, h3 { line-height: 1.25; }
a { color: #0b5cad; }
"""


class DocsError(Exception):
    """The documentation cannot be built as asked; the message says what to fix."""


@dataclass
class Page:
    """One Markdown source and the HTML page it becomes."""

    source: str  # repository path, posix form ("docs/spec.md", "README.md") or an absolute path
    output: str  # site path, posix form ("spec.html")
    text: str
    title: str = ""
    section: str = "Pages"
    body: str = ""
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href as written, target site path)


# ---------------------------------------------------------------------------------------------- markdown


def slugify(text: str) -> str:
    """A heading's anchor as GitHub computes it: lower case, punctuation dropped, spaces to hyphens."""
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _inline_text(token: Token) -> str:
    return "".join(child.content for child in token.children or () if child.type in {"text", "code_inline"})


def _highlight(code: str, language: str, _attrs: object) -> str:
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound
    except ImportError:  # pygments comes with pdoc; without it code is shown plain
        return ""
    try:
        lexer = get_lexer_by_name(language) if language else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""
    body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code class="language-{html.escape(language)}">{body}</code></pre>\n'


def markdown() -> MarkdownIt:
    """CommonMark with GitHub tables and strikethrough; raw HTML is escaped, code is highlighted."""
    return MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable(
        ["table", "strikethrough"]
    )


def title_of(text: str, fallback: str) -> str:
    """The text of the first heading of a Markdown document."""
    for token_index, token in enumerate(tokens := markdown().parse(text)):
        if token.type == "heading_open":
            return _inline_text(tokens[token_index + 1]) or fallback
    return fallback


def _is_external(href: str) -> bool:
    parts = urlsplit(href)
    return bool(parts.scheme) or href.startswith("//")


def render_page(page: Page, sources: dict[str, str]) -> None:
    """Render ``page.text`` with heading anchors; links become site paths (``sources``: repo → site path)."""
    md = markdown()
    tokens = md.parse(page.text)
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            slug = slugify(_inline_text(tokens[index + 1]))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchor = slug if count == 0 else f"{slug}-{count}"
            token.attrSet("id", anchor)
            page.ids.add(anchor)
    source_dir = posixpath.dirname(page.source) if not posixpath.isabs(page.source) else None
    for token in tokens:
        for child in token.children or ():
            if child.type != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            if not href or _is_external(href):
                continue
            path, _, anchor = href.partition("#")
            if not path:
                page.links.append((href, page.output + "#" + anchor))
                continue
            if source_dir is None:
                raise DocsError(f"{page.source}: relative link {href!r} in a file outside the repository")
            target = posixpath.normpath(posixpath.join(source_dir, path))
            if target not in sources:
                raise DocsError(
                    f"{page.source}: link {href!r} points to {target!r}, which is not a page of the site. "
                    "Link to a Markdown page that is built (README.md, docs/*.md, spec/changes/*.md) "
                    "or write the path as code."
                )
            site_target = sources[target]
            relative = posixpath.relpath(site_target, posixpath.dirname(page.output) or ".")
            child.attrSet("href", relative + (f"#{anchor}" if anchor else ""))
            page.links.append((href, site_target + (f"#{anchor}" if anchor else "")))
    page.body = md.renderer.render(tokens, md.options, {})


def check_anchors(pages: Sequence[Page]) -> None:
    """Every ``page#anchor`` link points to a heading that exists."""
    ids = {page.output: page.ids for page in pages}
    for page in pages:
        for written, target in page.links:
            path, _, anchor = target.partition("#")
            if anchor and anchor not in ids.get(path, set()):
                raise DocsError(
                    f"{page.source}: link {written!r}: {path} has no heading with the anchor #{anchor}"
                )


# ---------------------------------------------------------------------------------------------- site


def collect_pages(root: Path, report_dir: Path) -> list[Page]:
    """The Markdown sources of the site, in navigation order."""
    pages = [Page("README.md", "index.html", _read(root / "README.md"), section="")]
    docs = {path.stem: path for path in (root / "docs").glob("*.md")}
    order = [name for name in PAGE_ORDER if name in docs] + sorted(set(docs) - set(PAGE_ORDER))
    pages += [
        Page(f"docs/{name}.md", f"{name}.html", _read(docs[name]), section="Layers and workflows")
        for name in order
    ]
    pages += [
        Page(
            f"spec/changes/{path.name}",
            f"changes/{path.stem}.html",
            _read(path),
            section="API version changes",
        )
        for path in sorted((root / "spec" / "changes").glob("*.md"))
    ]
    for name, output in (("report.md", REPORT_PAGE), ("selftest.md", SELFTEST_PAGE)):
        report = report_dir / name
        if report.is_file():
            resolved = report.resolve()
            source = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)
            pages.append(Page(source, output, _read(report), section="Conformance"))
    for page in pages:
        page.title = PROJECT if page.output == "index.html" else title_of(page.text, Path(page.source).stem)
    return pages


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DocsError(f"cannot read {path}: {exc.strerror}") from exc


def navigation(pages: Sequence[Page], current: Page, with_api: bool) -> str:
    base = posixpath.dirname(current.output) or "."

    def link(target: str, label: str) -> str:
        css = ' class="current"' if target == current.output else ""
        return f'<a href="{posixpath.relpath(target, base)}"{css}>{html.escape(label)}</a>'

    parts = [link("index.html", PROJECT)]
    section = ""
    for page in pages:
        if page.output == "index.html":
            continue
        if page.section != section:
            section = page.section
            parts.append(f"<h2>{html.escape(section)}</h2>")
        parts.append(link(page.output, page.title))
    if with_api:
        parts += ["<h2>Reference</h2>", link(API_ENTRY, "API reference (pdoc)")]
    return "\n".join(parts)


def page_html(page: Page, nav: str) -> str:
    depth = page.output.count("/")
    style = "../" * depth + "style.css"
    title = html.escape(page.title if page.output == "index.html" else f"{page.title} · {PROJECT}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f'<link rel="stylesheet" href="{style}">\n</head>\n<body>\n<div class="layout">\n'
        f"<nav>\n{nav}\n</nav>\n<main>\n{page.body}</main>\n</div>\n</body>\n</html>\n"
    )


def stylesheet() -> str:
    try:
        from pygments.formatters import HtmlFormatter

        code_style = HtmlFormatter(style="default").get_style_defs(".highlight")
    except ImportError:
        code_style = ""
    return STYLE.lstrip() + code_style + "\n"


def api_modules() -> list[str]:
    """The package, its public modules (no leading underscore) and the extra modules, for pdoc."""
    spec = importlib.util.find_spec(API_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DocsError(
            f"cannot find the package {API_PACKAGE!r}; install the project (pip install -e .[dev])"
        )
    names = sorted(
        f"{API_PACKAGE}.{info.name}"
        for info in pkgutil.iter_modules(spec.submodule_search_locations)
        if not info.name.startswith("_")
    )
    return [API_PACKAGE, *names, *API_EXTRA_MODULES]


def build_api(output: Path) -> None:
    """pdoc's HTML reference under ``output`` (``api/``).

    pdoc runs in its own process with a fixed hash seed: it prints values such as frozensets, whose
    order would otherwise change from run to run.
    """
    env = {
        **os.environ,
        "PYTHONHASHSEED": "0",
        # Annotations naming TYPE_CHECKING-only imports cannot be evaluated; pdoc shows them as written.
        "PYTHONWARNINGS": "ignore:Error parsing type annotation:UserWarning",
    }
    command = [
        sys.executable,
        "-m",
        "pdoc",
        "--docformat",
        "restructuredtext",
        "--no-search",  # the search index is built with Node; the pages stay plain HTML
        "--no-show-source",
        "--footer-text",
        PROJECT,
        "--template-directory",
        str(TEMPLATES),
        "--output-directory",
        str(output),
        *api_modules(),
    ]
    completed = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    if completed.stderr:
        print(completed.stderr, end="", file=sys.stderr)
    if completed.returncode != 0:
        raise DocsError(f"pdoc failed (exit status {completed.returncode}); its messages are above")


def build(
    output: Path, *, report_dir: Path = DEFAULT_REPORT_DIR, with_api: bool = True, root: Path = ROOT
) -> list[str]:
    """Build the site into ``output`` (replaced as a whole); returns the site paths written, sorted."""
    pages = collect_pages(root, report_dir)
    sources = {page.source: page.output for page in pages}
    for page in pages:
        render_page(page, sources)
    check_anchors(pages)

    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".site-", dir=output.parent))
    try:
        (staging / "style.css").write_text(stylesheet(), encoding="utf-8")
        for page in pages:
            target = staging / page.output
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page_html(page, navigation(pages, page, with_api)), encoding="utf-8")
        if with_api:
            build_api(staging / "api")
        if output.exists():
            shutil.rmtree(output)
        os.replace(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(path.relative_to(output).as_posix() for path in output.rglob("*") if path.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the documentation site (pages and API reference).")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="site folder (default: site/)")
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=DEFAULT_REPORT_DIR,
        help="conformance report folder; its report.md and selftest.md become pages "
        "(default: reports/conformance/)",
    )
    parser.add_argument("--no-api", action="store_true", help="leave out the pdoc API reference")
    args = parser.parse_args(argv)
    try:
        written = build(args.output, report_dir=args.report_dir, with_api=not args.no_api)
    except DocsError as exc:
        print(f"build_docs: {exc}", file=sys.stderr)
        return 1
    report = "with" if REPORT_PAGE in written else f"without (no report.md in {args.report_dir})"
    print(f"build_docs: {len(written)} files in {args.output}, {report} the conformance report page")
    print(f"build_docs: open {args.output / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
