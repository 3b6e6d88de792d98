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
from dataclasses import dataclass
from pathlib import PurePosixPath

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


def extract(kind: str, data: bytes) -> list[tuple[int | None, str]]:
    """(page, text) segments of a document; raises IngestError when nothing usable comes out."""
    if kind == "text":
        segments: list[tuple[int | None, str]] = [(None, _decode(data))]
    elif kind == "markdown":
        segments = [(None, _MARKDOWN_HEADING.sub(r"\n\n\1\n\n", _decode(data)))]
    elif kind == "json":
        text = _decode(data)
        try:
            json.loads(text)
        except ValueError as exc:
            raise IngestError(f"The file is not valid JSON: {exc}") from None
        segments = [(None, text)]
    elif kind == "pdf":
        segments = _pdf_pages(data)
    elif kind == "doc_x":
        segments = _docx_pages(data)
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


def _pdf_pages(data: bytes) -> list[tuple[int | None, str]]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise IngestError("The PDF is encrypted; upload an unencrypted copy.")
        return [(number, page.extract_text() or "") for number, page in enumerate(reader.pages, start=1)]
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged input
        raise IngestError(f"The PDF could not be read: {exc}") from None


def _docx_pages(data: bytes) -> list[tuple[int | None, str]]:
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(data))
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
    return [(number, "\n".join(lines)) for number, lines in enumerate(pages, start=1)]


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
    """Pack sentences into chunks of about ``target_tokens``; a chunk never spans two pages."""
    pieces: list[Piece] = []
    for page, text in segments:
        current: list[str] = []
        size = 0
        for sentence in _bounded(split_sentences(text), target_tokens):
            cost = count_tokens(sentence)
            if current and size + cost > target_tokens:
                pieces.append(Piece(page, " ".join(current)))
                current, size = [], 0
            current.append(sentence)
            size += cost
        if current:
            pieces.append(Piece(page, " ".join(current)))
    return pieces
