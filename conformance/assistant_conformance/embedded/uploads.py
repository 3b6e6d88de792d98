"""Request bodies read under limits: JSON bodies capped in size, uploads streamed to disk as they arrive.

Each wait for the next piece of a body is bounded by ``body_timeout`` (408 when it runs out), so a
client that stalls holds its own connection only. A body larger than its limit is a 413: refused
from ``Content-Length`` before it is read when the length is declared, otherwise as soon as the limit
is passed. After an error found half-way, the rest of a body of reasonable size is read and
discarded, so that the client, still sending, gets to read the answer.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import anyio
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from starlette.requests import ClientDisconnect, Request

from .errors import INVALID_ARGUMENT, ApiError, bad_request
from .ingest import kind_for

MB = 1024 * 1024
# Limits documented for the service: 10 MB for a document, up to 100 MB for a PDF (by plan), 50 MB
# for a multimodal PDF.
MAX_FILE_BYTES = 10 * MB
MAX_PDF_BYTES = 100 * MB
MAX_MULTIMODAL_PDF_BYTES = 50 * MB
MAX_JSON_BYTES = 2 * MB
MAX_FIELD_BYTES = 64 * 1024
BODY_TIMEOUT_SECONDS = 30.0
# A body declared this much beyond its limit is refused without being read.
DRAIN_SLACK = 2


def too_large(message: str) -> ApiError:
    return ApiError(413, INVALID_ARGUMENT, message)


def _megabytes(size: float) -> str:
    """``size`` in MB (in KB below 1 MB), without decimals when it is whole."""
    unit, name = (MB, "MB") if size >= MB else (1024, "KB")
    return f"{size / unit:.1f} {name}" if size % unit else f"{size // unit:.0f} {name}"


@dataclass(frozen=True)
class Limits:
    """Sizes and the idle timeout of request bodies; see :func:`create_app`."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_pdf_bytes: int = MAX_PDF_BYTES
    max_json_bytes: int = MAX_JSON_BYTES
    body_timeout: float = BODY_TIMEOUT_SECONDS

    def for_file(self, kind: str, multimodal: bool) -> int:
        if kind != "pdf":
            return self.max_file_bytes
        return min(self.max_pdf_bytes, MAX_MULTIMODAL_PDF_BYTES) if multimodal else self.max_pdf_bytes

    @property
    def max_upload_bytes(self) -> int:
        """The largest multipart body: the largest file plus room for the other parts."""
        return max(self.max_file_bytes, self.max_pdf_bytes) + MB


def _declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        raise bad_request(f"Invalid Content-Length header {raw!r}.") from None


class _Body:
    """The pieces of a request body as they arrive, each awaited at most ``idle_seconds``."""

    def __init__(self, request: Request, idle_seconds: float) -> None:
        self._receive = request.receive
        self._idle_seconds = idle_seconds
        self.finished = False
        self.read = 0

    async def pieces(self) -> AsyncIterator[bytes]:
        while not self.finished:
            try:
                with anyio.fail_after(self._idle_seconds):
                    message = await self._receive()
            except TimeoutError:
                raise ApiError(
                    408,
                    INVALID_ARGUMENT,
                    f"The request body stopped arriving for {self._idle_seconds:g} s; "
                    "send the whole body without pauses.",
                ) from None
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            self.finished = not message.get("more_body", False)
            body = message.get("body", b"")
            self.read += len(body)
            if body:
                yield body

    async def drain(self, limits: Limits) -> None:
        """Read and drop the rest (up to ``DRAIN_SLACK`` times the upload limit), so the client,
        still sending, gets to read the answer."""
        budget = limits.max_upload_bytes * DRAIN_SLACK
        try:
            async for _ in self.pieces():
                if self.read > budget:
                    return
        except (ApiError, ClientDisconnect):
            return


async def read_json_body(request: Request, limits: Limits) -> bytes:
    """The whole body of a JSON request, at most ``limits.max_json_bytes``."""
    cap = limits.max_json_bytes
    declared = _declared_length(request)
    message = f"The request body is larger than {_megabytes(cap)}, the limit for JSON bodies; send less."
    if declared is not None and declared > cap:
        raise too_large(message)
    parts: list[bytes] = []
    body = _Body(request, limits.body_timeout)
    async for piece in body.pieces():
        if body.read > cap:
            await body.drain(limits)
            raise too_large(message)
        parts.append(piece)
    return b"".join(parts)


@dataclass
class Received:
    """An upload stored at ``store.blob_path(blob)``, with the form's other fields."""

    filename: str
    blob: str
    size: int
    crc32: int
    fields: dict[str, str] = field(default_factory=dict)


class _Parts:
    """Multipart callbacks: the one file part goes to disk, the other parts to ``fields``."""

    def __init__(self, target: Path, limits: Limits, multimodal: bool) -> None:
        self.target = target
        self.limits = limits
        self.multimodal = multimodal
        self.error: ApiError | None = None
        self.files = 0
        self.filename = ""
        self.size = 0
        self.crc = 0
        self.fields: dict[str, str] = {}
        self._out: IO[bytes] | None = None
        self._limit = 0
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._field: str | None = None
        self._value = bytearray()
        self._in_file = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }

    def fail(self, error: ApiError) -> None:
        if self.error is None:
            self.error = error

    def _begin(self) -> None:
        self._headers = {}
        self._header_name = b""
        self._field = None
        self._value = bytearray()
        self._in_file = False

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = options.get(b"filename")
        if name != "file" or raw_filename is None:
            # Any other part is a form field, also when sent as a file (curl -F metadata=@meta.json).
            self._field = name
            return
        self.files += 1
        if self.files > 1:
            self.fail(bad_request("Send exactly one file, as the multipart part named 'file' (got several)."))
            return
        self.filename = raw_filename.decode("utf-8", "replace")
        kind = kind_for(self.filename)
        if kind is None:
            self.fail(
                bad_request(
                    f"Unsupported file type for {self.filename or 'the uploaded file'!r}: "
                    "upload a .pdf, .txt, .md, .json or .docx file."
                )
            )
            return
        self._limit = self.limits.for_file(kind, self.multimodal)
        self._in_file = True
        self._out = self.target.open("wb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        piece = data[start:end]
        if self._in_file:
            self.size += len(piece)
            if self.size > self._limit:
                self.fail(
                    too_large(
                        f"{self.filename} is larger than {_megabytes(self._limit)}, the limit for this kind "
                        "of file; split it into smaller files."
                    )
                )
                return
            assert self._out is not None
            self._out.write(piece)
            self.crc = zlib.crc32(piece, self.crc)
        elif self._field is not None:
            self._value += piece
            if len(self._value) > MAX_FIELD_BYTES:
                self.fail(too_large(f"The form field {self._field!r} is larger than 64 KB."))

    def _end(self) -> None:
        if self._in_file:
            self.close()
            self._in_file = False
        elif self._field is not None and self.error is None:
            self.fields.setdefault(self._field, self._value.decode("utf-8", "replace"))

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


async def receive_upload(request: Request, blobs: Path, limits: Limits, multimodal: bool) -> Received:
    """Stream a ``multipart/form-data`` upload with one ``file`` part into ``blobs`` under a new name."""
    content_type = request.headers.get("content-type", "")
    media, options = parse_options_header(content_type)
    if media != b"multipart/form-data":
        shown = media.decode("latin-1") or "none"
        raise bad_request(f"Upload the file as multipart/form-data with a part named 'file' (got {shown}).")
    boundary = options.get(b"boundary")
    if not boundary:
        raise bad_request(
            "The multipart/form-data Content-Type has no boundary; let your HTTP client set it."
        )
    declared = _declared_length(request)
    if declared is not None and declared > limits.max_upload_bytes * DRAIN_SLACK:
        raise too_large(
            f"The upload is {_megabytes(declared)}; files are limited to {_megabytes(limits.max_file_bytes)} "
            f"({_megabytes(limits.max_pdf_bytes)} for PDFs)."
        )
    blob = uuid.uuid4().hex
    target = blobs / blob
    parts = _Parts(target, limits, multimodal)
    parser = MultipartParser(boundary, parts.callbacks())  # type: ignore[arg-type]
    body = _Body(request, limits.body_timeout)
    try:
        async for piece in body.pieces():
            try:
                parser.write(piece)
            except MultipartParseError as exc:
                parts.fail(bad_request(f"The multipart body is malformed: {exc}"))
            if parts.error is not None:
                parts.close()
                await body.drain(limits)
                raise parts.error
        try:
            parser.finalize()
        except MultipartParseError as exc:
            parts.fail(bad_request(f"The multipart body is malformed: {exc}"))
        if parser.state != MultipartState.END:
            parts.fail(bad_request("The multipart body ends before its closing boundary; send it whole."))
        if parts.error is not None:
            raise parts.error
        if parts.files == 0:
            raise bad_request("Missing multipart part 'file': send the document as a file part named 'file'.")
    except BaseException:
        parts.close()
        target.unlink(missing_ok=True)
        raise
    parts.close()
    return Received(parts.filename, blob, parts.size, parts.crc, parts.fields)
