"""Turning uploaded bytes into text chunks that keep their page numbers.

Supported kinds, chosen by file extension: ``.txt`` (text), ``.md`` (markdown), ``.json`` (json),
``.pdf`` (pdf, via pypdf, page by page) and ``.docx`` (doc_x, via python-docx; pages counted from
explicit page breaks). Extraction failures raise :class:`IngestError`, which the caller records as
``ProcessingFailed`` with the message; they never escape as crashes.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from .tokens import count_tokens

KINDS: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".json": "json",
    ".pdf": "pdf",
    ".docx": "doc_x",
}
PAGED_KINDS = frozenset({"pdf", "doc_x"})

# Target size of an indexed chunk, in approximate tokens.
CHUNK_TOKENS = 96

# A Markdown heading is a block of its own (without its #), never the start of the next sentence.
_MARKDOWN_HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_BLOCK_END = re.compile(r"\n\s*\n")
# A line of at most this many words, not ending like a sentence, before a capitalised line is a title.
TITLE_WORDS = 8
_CONTINUES = frozenset(".!?,;:-([{\"'")


class IngestError(Exception):
    """The file could not be turned into text; the message says why."""


@dataclass(frozen=True)
class Piece:
    """Text of one chunk and the page it came from (None for files without pages)."""

    page: int | None
    text: str


def kind_for(filename: str) -> str | None:
    """The document kind for a file name, or None when the extension is not supported."""
    return KINDS.get(PurePosixPath(filename).suffix.lower())


def _bytes(source: bytes | Path) -> bytes:
    return source if isinstance(source, bytes) else source.read_bytes()


def _opened(source: bytes | Path) -> AbstractContextManager[IO[bytes]]:
    """A binary stream over ``source``; a file is read as needed, never whole."""
    return nullcontext(io.BytesIO(source)) if isinstance(source, bytes) else source.open("rb")


def extract(kind: str, source: bytes | Path) -> list[tuple[int | None, str]]:
    """(page, text) segments of a document (its bytes or its path); raises IngestError when nothing
    usable comes out.

    Text is laid out in blocks separated by blank lines: paragraphs, Markdown headings, title lines.
    """
    if kind == "text":
        segments: list[tuple[int | None, str]] = [(None, _titles_apart(_decode(_bytes(source))))]
    elif kind == "markdown":
        segments = [(None, _MARKDOWN_HEADING.sub(r"\n\n\1\n\n", _decode(_bytes(source))))]
    elif kind == "json":
        text = _decode(_bytes(source))
        try:
            json.loads(text)
        except ValueError as exc:
            raise IngestError(f"The file is not valid JSON: {exc}") from None
        segments = [(None, text)]
    elif kind == "pdf":
        segments = [(page, _titles_apart(text)) for page, text in _pdf_pages(source)]
    elif kind == "doc_x":
        segments = _docx_pages(source)
    else:
        raise IngestError(f"Unsupported document kind {kind!r}")
    if not any(text.strip() for _, text in segments):
        raise IngestError("No text could be extracted from the file.")
    return segments


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"The file is not UTF-8 text (invalid byte at offset {exc.start}).") from None


def _titles_apart(text: str) -> str:
    """``text`` with each title line (short, no end punctuation, before a capitalised line) as a block.

    Without this, extracted text glues a heading to the sentence after it ("Vacation Every employee ...").
    """
    lines = text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        following = lines[i + 1].lstrip() if i + 1 < len(lines) else ""
        stripped = line.strip()
        if (
            stripped
            and following[:1].isupper()
            and len(stripped.split()) <= TITLE_WORDS
            and stripped[-1] not in _CONTINUES
        ):
            out.append("")
    return "\n".join(out)


def _pdf_pages(source: bytes | Path) -> list[tuple[int | None, str]]:
    from pypdf import PdfReader

    try:
        # An open file, not the path: pypdf would read a path whole into memory.
        with _opened(source) as stream:
            reader = PdfReader(stream)
            if reader.is_encrypted:
                raise IngestError("The PDF is encrypted; upload an unencrypted copy.")
            return [(n, page.extract_text() or "") for n, page in enumerate(reader.pages, start=1)]
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged input
        raise IngestError(f"The PDF could not be read: {exc}") from None


def _docx_pages(source: bytes | Path) -> list[tuple[int | None, str]]:
    import docx
    from docx.oxml.ns import qn

    try:
        with _opened(source) as stream:
            document = docx.Document(stream)
    except Exception as exc:  # python-docx raises zip, XML and key errors on damaged input
        raise IngestError(f"The DOCX file could not be read: {exc}") from None
    pages: list[list[str]] = [[]]
    for paragraph in document.paragraphs:
        properties = paragraph._p.pPr
        if properties is not None and properties.find(qn("w:pageBreakBefore")) is not None and pages[-1]:
            pages.append([])
        text_parts: list[str] = []
        for run in paragraph.runs:
            for child in run._r.iterchildren():
                if child.tag == qn("w:br") and child.get(qn("w:type")) == "page":
                    pages[-1].append("".join(text_parts))
                    text_parts = []
                    pages.append([])
                elif child.tag == qn("w:t"):
                    text_parts.append(child.text or "")
                elif child.tag == qn("w:tab"):
                    text_parts.append("\t")
        pages[-1].append("".join(text_parts))
    for table in document.tables:
        for row in table.rows:
            pages[-1].append(" | ".join(cell.text for cell in row.cells))
    # Paragraphs are blocks of their own.
    return [(number, "\n\n".join(lines)) for number, lines in enumerate(pages, start=1)]


def split_sentences(text: str) -> list[str]:
    """Sentences (or paragraphs without end punctuation) of ``text``, whitespace-normalised."""
    parts = (" ".join(part.split()) for part in _SENTENCE_END.split(text))
    return [part for part in parts if part]


def _bounded(sentences: list[str], limit: int) -> list[str]:
    """Sentences, with any longer than ``limit`` tokens cut into word runs of at most ``limit``."""
    out: list[str] = []
    for sentence in sentences:
        if count_tokens(sentence) <= limit:
            out.append(sentence)
            continue
        words: list[str] = []
        size = 0
        for word in sentence.split(" "):
            cost = count_tokens(word)
            if words and size + cost > limit:
                out.append(" ".join(words))
                words, size = [], 0
            words.append(word)
            size += cost
        if words:
            out.append(" ".join(words))
    return out


def chunk(segments: list[tuple[int | None, str]], target_tokens: int = CHUNK_TOKENS) -> list[Piece]:
    """Pack sentences into chunks of about ``target_tokens``; a chunk never spans two pages.

    Within a chunk, sentences of one block are joined by a space and blocks by a blank line, so that
    :func:`split_sentences` of a chunk gives back exactly the sentences it was made of.
    """
    pieces: list[Piece] = []
    for page, text in segments:
        current: list[str] = []
        size = 0
        for block in _BLOCK_END.split(text):
            sentences = _bounded(split_sentences(block), target_tokens)
            for i, sentence in enumerate(sentences):
                cost = count_tokens(sentence)
                if current and size + cost > target_tokens:
                    pieces.append(Piece(page, "".join(current).rstrip()))
                    current, size = [], 0
                current.append(sentence + ("\n\n" if i == len(sentences) - 1 else " "))
                size += cost
        if current:
            pieces.append(Piece(page, "".join(current).rstrip()))
    return pieces
