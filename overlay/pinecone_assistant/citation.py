"""Citations: parse inline markers such as ``[1, pp. 3-4]`` and render structured citations as text.

Completion answers carry their sources inline, as bracketed markers ``[<source number>, pp. <pages>]``
(``[1, pp. 1]``, ``[2, pp. 3-4]``, ``[1]``); :func:`parse_markers` turns them into
:class:`InlineCitation` objects with their span in the text.

Standard chat answers carry structured citations: a ``position`` in the answer text plus references
to files and pages. :func:`render_citations` writes them into the text, as inline markers in the
same ``[n, pp. ...]`` form or as Markdown footnotes. Positions are offsets in Unicode code points
(Python ``str`` indexes); positions outside the text are clamped to its ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from assistant_api.models.assistant_file_model import AssistantFileModel
from assistant_api.models.citation_model import CitationModel
from assistant_api.types import Unset

__all__ = [
    "InlineCitation",
    "Source",
    "format_pages",
    "number_sources",
    "parse_markers",
    "parse_pages",
    "render_citations",
    "strip_markers",
]

#: Page ranges longer than this are not expanded (a marker with one is not taken as a citation).
MAX_PAGE_RANGE: Final = 10_000

_PAGES = r"\d+(?:\s*[-\u2013]\s*\d+)?(?:\s*,\s*\d+(?:\s*[-\u2013]\s*\d+)?)*"
_MARKER_BODY = rf"\[\s*(\d+)\s*(?:,\s*pp?\.\s*({_PAGES})\s*)?\]"
# A first marker must not touch a word or a closing bracket (``items[2]``, ``a[1][2]``);
# markers directly after an accepted one (``[1][2]``) are chained to it.
_MARKER = re.compile(rf"(?<![\w\]]){_MARKER_BODY}")
_CHAINED = re.compile(_MARKER_BODY)
_RANGE = re.compile(r"(\d+)\s*(?:[-\u2013]\s*(\d+))?")


@dataclass(frozen=True, slots=True)
class InlineCitation:
    """One inline marker: source ``number``, cited ``pages``, and its span ``text[start:end]``."""

    number: int
    pages: tuple[int, ...]
    start: int
    end: int
    marker: str


def parse_pages(text: str) -> tuple[int, ...] | None:
    """``"1, 3-5"`` → ``(1, 3, 4, 5)``; None if a range is reversed or too long."""
    pages: list[int] = []
    for match in _RANGE.finditer(text):
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if last < first or last - first > MAX_PAGE_RANGE:
            return None
        pages.extend(range(first, last + 1))
    return tuple(pages)


def parse_markers(text: str) -> list[InlineCitation]:
    """Every citation marker in ``text``, in order.

    A marker must not follow a letter, digit or ``]`` directly (``items[2]`` is not a citation),
    except another marker (``[1][2]`` is two).
    """
    found: list[InlineCitation] = []
    position = 0
    while (first := _MARKER.search(text, position)) is not None:
        match: re.Match[str] | None = first
        position = first.end()
        while match is not None:
            pages = parse_pages(match.group(2)) if match.group(2) else ()
            if pages is None:
                break
            found.append(
                InlineCitation(
                    number=int(match.group(1)),
                    pages=pages,
                    start=match.start(),
                    end=match.end(),
                    marker=match.group(0),
                )
            )
            position = match.end()
            match = _CHAINED.match(text, position)
    return found


def strip_markers(text: str) -> str:
    """``text`` without its citation markers (and the space before each one)."""
    out: list[str] = []
    last = 0
    for citation in parse_markers(text):
        start = citation.start
        while start > last and text[start - 1] == " ":
            start -= 1
        out.append(text[last:start])
        last = citation.end
    out.append(text[last:])
    return "".join(out)


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True, slots=True)
class Source:
    """A cited file with the number it gets in rendered text and every page cited from it."""

    number: int
    file: AssistantFileModel
    pages: tuple[int, ...]

    @property
    def name(self) -> str:
        """The file's name."""
        return self.file.name


def _pages_of(pages: list[int] | Unset) -> tuple[int, ...]:
    return tuple(pages) if isinstance(pages, list) else ()


def number_sources(citations: Iterable[CitationModel]) -> list[Source]:
    """Number the cited files 1, 2, ... in order of first citation; pages are merged and sorted."""
    numbers: dict[str, int] = {}
    files: list[AssistantFileModel] = []
    pages: list[set[int]] = []
    for citation in citations:
        for reference in citation.references:
            key = reference.file.id
            if key not in numbers:
                numbers[key] = len(files)
                files.append(reference.file)
                pages.append(set())
            pages[numbers[key]].update(_pages_of(reference.pages))
    return [
        Source(i + 1, file, tuple(sorted(p))) for i, (file, p) in enumerate(zip(files, pages, strict=True))
    ]


def format_pages(pages: Sequence[int]) -> str:
    """``[1, 3, 4, 5]`` → ``"1, 3-5"`` (sorted, duplicates dropped)."""
    ordered = sorted(set(pages))
    runs: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        runs.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(runs)


def _inline_marker(number: int, pages: Sequence[int]) -> str:
    return f"[{number}, pp. {format_pages(pages)}]" if pages else f"[{number}]"


def render_citations(
    text: str,
    citations: Sequence[CitationModel],
    *,
    style: Literal["inline", "footnotes"] = "inline",
) -> str:
    """``text`` with its citations written in at their positions.

    ``inline``: each reference becomes ``[n, pp. pages]`` (or ``[n]``), the completion format.
    ``footnotes``: Markdown footnote marks ``[^n]`` at the positions, and one footnote per cited file
    (name and every page cited from it) at the end. Sources are numbered by :func:`number_sources`.
    Citations at the same position keep their order.
    """
    if style not in ("inline", "footnotes"):
        raise ValueError(f"style must be 'inline' or 'footnotes', not {style!r}")
    sources = number_sources(citations)
    number_of = {source.file.id: source.number for source in sources}
    inserts: list[tuple[int, int, str]] = []
    for order, citation in enumerate(citations):
        position = min(max(citation.position, 0), len(text))
        marks: list[str] = []
        for reference in citation.references:
            number = number_of[reference.file.id]
            mark = _inline_marker(number, _pages_of(reference.pages)) if style == "inline" else f"[^{number}]"
            if mark not in marks:
                marks.append(mark)
        if marks:
            inserts.append((position, order, "".join(marks)))
    inserts.sort()
    pieces: list[str] = []
    last = 0
    for position, _, mark_text in inserts:
        pieces.append(text[last:position])
        if style == "inline" and position > 0 and not text[position - 1].isspace():
            pieces.append(" ")
        pieces.append(mark_text)
        last = position
    pieces.append(text[last:])
    rendered = "".join(pieces)
    if style == "footnotes" and sources:
        notes = "\n".join(
            f"[^{s.number}]: {s.name}" + (f", pp. {format_pages(s.pages)}" if s.pages else "")
            for s in sources
        )
        rendered = f"{rendered}\n\n{notes}"
    return rendered
