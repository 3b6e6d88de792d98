"""JSON shapes of assistants, files and operations, per API version."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import datetime
from typing import Any
from urllib.parse import quote

from .errors import bad_request
from .runtime import Call
from .store import AssistantRow, FileRow, OperationRow
from .versions import V2026_04

SIGNED_URL_SECONDS = 3600


def assistant_status(row: AssistantRow, *, just_created: bool = False) -> str:
    """Initializing in the create answer and until the configured delay passed; Ready after."""
    if just_created or time.time() < row.ready_at:
        return "Initializing"
    return "Ready"


def assistant_json(call: Call, row: AssistantRow, *, just_created: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": row.name,
        "instructions": row.instructions,
        "metadata": row.metadata,
        "status": assistant_status(row, just_created=just_created),
        "host": call.public_url(),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }
    if call.version == V2026_04:
        body["region"] = row.region
    return body


def file_status(row: FileRow) -> str:
    """Processing until processing has finished and the configured delay has passed, then the outcome."""
    return "Processing" if row.status == "Processing" or time.time() < row.ready_at else row.status


def progress(started: float, ready_at: float, finished: bool) -> float:
    """Share of the processing done, from 0 to 1: rises with time over the configured delay.

    It stays below 1 until processing has finished.
    """
    span = ready_at - started
    share = (time.time() - started) / span if span > 0 else (1.0 if finished else 0.0)
    ceiling = 1.0 if finished else 0.95
    return round(min(max(share, 0.0), ceiling), 3)


def file_json(call: Call, row: FileRow, *, signed_url: bool = False) -> dict[str, Any]:
    status = file_status(row)
    body: dict[str, Any] = {
        "name": row.name,
        "id": row.id,
        "metadata": row.metadata,
        "created_on": row.created_on,
        "updated_on": row.updated_on,
        "status": status,
        "size": row.size,
        "multimodal": row.multimodal,
        "signed_url": sign_url(call, row) if signed_url else None,
        "error_message": row.error_message if status == "ProcessingFailed" else None,
        "crc32c_hash": row.crc32c,
    }
    if status != "Processing":
        body["percent_done"] = 1.0
    else:
        body["percent_done"] = min(progress(row.accepted_at, row.ready_at, row.status != "Processing"), 0.99)
    return body


def operation_status(op: OperationRow) -> str:
    return "Processing" if op.status == "Processing" or time.time() < op.ready_at else op.status


def _timestamp(iso: str) -> float:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return time.time()


def operation_json(op: OperationRow) -> dict[str, Any]:
    status = operation_status(op)
    done = status != "Processing"
    share = progress(_timestamp(op.created_on), op.ready_at, op.status != "Processing")
    return {
        "id": op.id,
        "operation_type": op.operation_type,
        "file_id": op.file_id,
        "status": status,
        "created_on": op.created_on,
        "completed_on": op.completed_on if done else None,
        "percent_complete": op.percent_complete if done else min(int(share * 100), 99),
        "error_message": op.error_message if done else None,
        "ingestion_units": op.ingestion_units if done else None,
    }


def _signature(key: bytes, assistant: str, file_id: str, expires: int) -> str:
    message = f"{assistant}\n{file_id}\n{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_url(call: Call, row: FileRow) -> str:
    """A URL on this endpoint that serves the file's bytes without a key for an hour."""
    expires = int(time.time()) + SIGNED_URL_SECONDS
    signature = _signature(call.settings.signing_key, row.assistant, row.id, expires)
    return (
        f"{call.public_url()}/_signed/files/{quote(row.assistant, safe='')}/{quote(row.id, safe='')}"
        f"?expires={expires}&signature={signature}"
    )


def signature_valid(key: bytes, assistant: str, file_id: str, expires: str, signature: str) -> bool:
    try:
        deadline = int(expires)
    except ValueError:
        return False
    if deadline < time.time():
        return False
    return hmac.compare_digest(_signature(key, assistant, file_id, deadline), signature)


def page_token(seq: int) -> str:
    return base64.urlsafe_b64encode(f"after:{seq}".encode()).decode().rstrip("=")


def read_page_token(token: str | None) -> int:
    """The sequence number of the last item of the previous page (0 for the first page)."""
    if token is None or token == "":
        return 0
    try:
        padded = token + "=" * (-len(token) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, _, number = text.partition(":")
        if prefix != "after":
            raise ValueError(text)
        return int(number)
    except ValueError:
        raise bad_request(
            "Invalid pagination_token: pass the `pagination.next` value of the previous page unchanged."
        ) from None


def page_limit(call: Call, maximum: int | None = 100, default: int = 50) -> int:
    """The ``limit`` query parameter: an integer from 1 to ``maximum`` (no upper bound when None)."""
    raw = call.request.query_params.get("limit")
    if raw is None:
        return default
    bounds = f"between 1 and {maximum}" if maximum is not None else "of at least 1"
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"Query parameter limit must be an integer {bounds}, got {raw!r}.") from None
    if limit < 1 or (maximum is not None and limit > maximum):
        raise bad_request(f"Query parameter limit must be {bounds}, got {limit}.")
    return limit


def paginate(
    call: Call, items: list[Any], seq_of: Any, *, maximum: int | None = 100, descending: bool = False
) -> tuple[list[Any], str | None]:
    """One page of ``items`` (ordered by sequence number) per the request's limit and pagination_token."""
    token_seq = read_page_token(call.request.query_params.get("pagination_token"))
    limit = page_limit(call, maximum)
    if token_seq == 0:
        rest = items
    elif descending:
        rest = [item for item in items if seq_of(item) < token_seq]
    else:
        rest = [item for item in items if seq_of(item) > token_seq]
    page = rest[:limit]
    token = page_token(seq_of(page[-1])) if len(rest) > limit else None
    return page, token
