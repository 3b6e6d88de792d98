"""Data plane, files and operations: upload, upsert, list (with filter), describe, delete.

An upload is streamed to disk, stored as Processing and processed in the background (see
:mod:`.processing`); files and their operations read as Processing until processing has finished and
``file_processing_seconds`` have passed. With ``file_processing_seconds=0`` the upload answers once
processing has finished, so the answer already tells Available or ProcessingFailed.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from . import filter as filters
from . import versions
from .control import require_assistant
from .errors import ApiError, bad_request, not_found
from .faults import Reply
from .ingest import kind_for
from .runtime import Call, parse_json
from .store import FileRow, OperationRow, now_iso
from .uploads import Received, receive_upload
from .versions import V2026_04
from .views import file_json, file_status, operation_json, operation_status, paginate, signature_valid

FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")

#: The 2026-07 service's answer to an upload with metadata as a query parameter (its SDK's migration notes).
METADATA_QUERY_2026_07 = (
    "metadata query parameter is not supported in this API version; "
    "include metadata as a multipart form field instead"
)
MAX_METADATA_BYTES = 16 * 1024
OPERATION_TYPES = ("upload_file", "upsert_file", "update_file_metadata", "delete_file")
OPERATION_STATUSES = ("Processing", "Completed", "Failed")
_MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
    "doc_x": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _require_2026(call: Call, what: str) -> None:
    """Operations that exist only from 2026-04: served as 2026-04 when no version was sent."""
    if call.version == V2026_04:
        return
    if not call.version_sent:
        call.version = V2026_04
        return
    raise not_found(f"{what} exists from API version 2026-04: send X-Pinecone-Api-Version: 2026-04.")


def require_file(call: Call, assistant: str, file_id: str) -> FileRow:
    row = call.store.get_file(assistant, file_id)
    if row is None:
        raise not_found(f'File with id "{file_id}" not found in assistant "{assistant}".')
    return row


def validate_metadata(value: Any, where: str) -> dict[str, Any]:
    """File metadata: a flat object of strings, numbers, booleans and lists of strings, up to 16 KB."""
    if not isinstance(value, dict):
        raise bad_request(f'{where} must be a JSON object, e.g. {{"team": "docs"}}.')
    for key, item in value.items():
        if key.startswith("$") or not key:
            raise bad_request(
                f"{where}: key {key!r} is not allowed (keys must be non-empty and not start with '$')."
            )
        if item is None:
            raise bad_request(f"{where}.{key} is null; null values are not supported, leave the key out.")
        if isinstance(item, list):
            if not all(isinstance(x, str) for x in item):
                raise bad_request(f"{where}.{key}: lists may only hold strings.")
        elif not isinstance(item, str | int | float | bool):
            raise bad_request(
                f"{where}.{key}: values must be strings, numbers, booleans or lists of strings "
                "(nested objects are not supported)."
            )
    size = len(json.dumps(value).encode())
    if size > MAX_METADATA_BYTES:
        raise bad_request(f"{where} is {size} bytes; the limit is 16 KB.")
    return value


def parse_filter(raw: Any, where: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        filters.validate(raw)
    except filters.FilterError as exc:
        raise bad_request(f"Invalid {where}: {exc}") from None
    return dict(raw)


def _metadata_from_json(text: str, where: str) -> dict[str, Any]:
    try:
        value = parse_json(text)
    except (ValueError, RecursionError) as exc:
        raise bad_request(f"{where} is not valid JSON: {exc}") from None
    return validate_metadata(value, where)


async def list_files(call: Call) -> Reply:
    assistant = call.path("assistant_name")
    require_assistant(call, assistant)
    spec: dict[str, Any] | None = None
    raw = call.request.query_params.get("filter")
    if raw is not None and raw.strip():
        try:
            decoded = parse_json(raw)
        except (ValueError, RecursionError) as exc:
            raise bad_request(f"Query parameter filter must be a JSON-encoded filter object: {exc}") from None
        spec = parse_filter(decoded, "filter")
    rows = call.store.list_files(assistant)
    if spec is not None and not call.faults.flag("ignore_filter"):
        rows = [r for r in rows if filters.matches(spec, r.metadata)]
    if call.version != V2026_04:
        return Reply(200, {"files": [file_json(call, r) for r in rows]})
    page, token = paginate(call, rows, lambda r: r.seq, maximum=None)
    body: dict[str, Any] = {"files": [file_json(call, r) for r in page]}
    if token is not None:
        body["pagination"] = {"next": token}
    return Reply(200, body)


def _upload_metadata(call: Call, received: Received) -> dict[str, Any] | None:
    """The upload's metadata, where the request's version expects it."""
    query_metadata = call.request.query_params.get("metadata")
    form_metadata = received.fields.get("metadata")
    if call.version == V2026_04:
        if query_metadata is not None and versions.requested(call.request.headers) == versions.V2026_07:
            raise bad_request(METADATA_QUERY_2026_07)
        if query_metadata is not None:
            raise bad_request(
                "Under API version 2026-04, send metadata as a multipart form field named 'metadata', "
                "not as a query parameter."
            )
        if form_metadata is not None and form_metadata.strip():
            return _metadata_from_json(form_metadata, "metadata")
        return None
    if form_metadata is not None:
        raise bad_request(
            "Under API version 2025-10, send metadata as the JSON-encoded query parameter 'metadata'; "
            "the multipart 'metadata' field exists from 2026-04."
        )
    if query_metadata is not None and query_metadata.strip():
        return _metadata_from_json(query_metadata, "metadata")
    return None


async def _store_upload(call: Call, assistant: str, file_id: str, operation_type: str) -> Reply:
    multimodal = call.query_flag("multimodal") or False
    received = await receive_upload(call.request, call.store.blobs, call.settings.limits, multimodal)
    try:
        metadata = _upload_metadata(call, received)
        kind = kind_for(received.filename)
        assert kind is not None  # receive_upload refuses other files
        if multimodal and kind != "pdf":
            raise bad_request("multimodal=true applies to PDF files only.")
        # The assistant may have been deleted while the file arrived.
        require_assistant(call, assistant)
    except BaseException:
        call.store.discard_blob(received.blob)
        raise
    delay = call.settings.file_processing_seconds
    accepted = time.time()
    stamp = now_iso()
    call.runtime.tombstones.forget(("file", assistant, file_id))
    existing = call.store.get_file(assistant, file_id)
    operation = None
    if call.version == V2026_04:
        operation = OperationRow(
            seq=0,
            assistant=assistant,
            id=str(uuid.uuid4()),
            operation_type=operation_type,
            file_id=file_id,
            status="Processing",
            created_on=stamp,
            completed_on=None,
            percent_complete=0,
            error_message=None,
            ingestion_units=None,
            ready_at=accepted + delay,
        )
    row = FileRow(
        seq=0,
        assistant=assistant,
        id=file_id,
        name=received.filename,
        kind=kind,
        metadata=metadata,
        status="Processing",
        error_message=None,
        size=received.size,
        multimodal=multimodal,
        crc32c=f"{received.crc32:08x}",
        created_on=existing.created_on if existing else stamp,
        updated_on=stamp,
        ready_at=accepted + delay,
        accepted_at=accepted,
        blob=received.blob,
        operation_id=operation.id if operation else None,
    )
    try:
        stored = call.store.put_file(row, replace=operation_type == "upsert_file", operation=operation)
    except BaseException:
        call.store.discard_blob(received.blob)
        raise
    stored.operation_id = row.operation_id
    done = call.runtime.processor.submit(stored)
    if delay <= 0:
        await asyncio.wrap_future(done)
    if call.version != V2026_04:
        current = call.store.get_file(assistant, file_id) or stored
        return Reply(200, file_json(call, current))
    assert operation is not None
    op = call.store.get_operation(assistant, operation.id)
    assert op is not None
    return Reply(202, operation_json(op), {"Location": _location(assistant, op.id)})


def _location(assistant: str, operation_id: str) -> str:
    return f"/operations/{quote(assistant, safe='')}/{quote(operation_id, safe='')}"


async def upload_file(call: Call) -> Reply:
    assistant = call.path("assistant_name")
    require_assistant(call, assistant)
    return await _store_upload(call, assistant, _new_file_id(call), "upload_file")


def _new_file_id(call: Call) -> str:
    """A UUID, except under 2026-07, where the service no longer promises one (clients must not parse ids)."""
    if versions.requested(call.request.headers) == versions.V2026_07:
        return "file-" + uuid.uuid4().hex[:24]
    return str(uuid.uuid4())


async def upsert_file(call: Call) -> Reply:
    _require_2026(call, "PUT /files/{assistant_name}/{assistant_file_id} (upsert)")
    assistant = call.path("assistant_name")
    file_id = call.path("assistant_file_id")
    require_assistant(call, assistant)
    if not FILE_ID.fullmatch(file_id):
        raise bad_request(
            f"Invalid file id {file_id!r}: use 1-128 characters from A-Z, a-z, 0-9, '_' and '-'."
        )
    return await _store_upload(call, assistant, file_id, "upsert_file")


async def describe_file(call: Call) -> Reply:
    assistant = call.path("assistant_name")
    require_assistant(call, assistant)
    file_id = call.path("assistant_file_id")
    if call.store.get_file(assistant, file_id) is None:
        buried = call.runtime.tombstones.take(("file", assistant, file_id))
        if buried is not None:
            return Reply(200, {**buried, "status": "Deleting"})
    row = require_file(call, assistant, file_id)
    return Reply(200, file_json(call, row, signed_url=bool(call.query_flag("include_url"))))


async def delete_file(call: Call) -> Reply:
    assistant = call.path("assistant_name")
    require_assistant(call, assistant)
    row = require_file(call, assistant, call.path("assistant_file_id"))
    call.store.delete_file(assistant, row.id)
    call.runtime.tombstones.bury(("file", assistant, row.id), file_json(call, row))
    if call.version != V2026_04:
        return Reply(200, None)
    if file_status(row) == "ProcessingFailed":
        return Reply(204, None)
    stamp = now_iso()
    op = call.store.add_operation(
        OperationRow(
            seq=0,
            assistant=assistant,
            id=str(uuid.uuid4()),
            operation_type="delete_file",
            file_id=row.id,
            status="Completed",
            created_on=stamp,
            completed_on=stamp,
            percent_complete=100,
            error_message=None,
            ingestion_units=None,
            ready_at=0.0,
        )
    )
    return Reply(202, operation_json(op), {"Location": _location(assistant, op.id)})


async def list_operations(call: Call) -> Reply:
    _require_2026(call, "GET /operations/{assistant_name}")
    assistant = call.path("assistant_name")
    require_assistant(call, assistant)
    query = call.request.query_params
    wanted_type = query.get("operation_type")
    if wanted_type is not None and wanted_type not in OPERATION_TYPES:
        raise bad_request(f"Invalid operation_type {wanted_type!r}: use one of {', '.join(OPERATION_TYPES)}.")
    wanted_status = query.get("status")
    if wanted_status is not None and wanted_status not in OPERATION_STATUSES:
        raise bad_request(f"Invalid status {wanted_status!r}: use one of {', '.join(OPERATION_STATUSES)}.")
    ops = [
        op
        for op in call.store.list_operations(assistant)
        if (wanted_type is None or op.operation_type == wanted_type)
        and (wanted_status is None or operation_status(op) == wanted_status)
    ]
    page, token = paginate(call, ops, lambda o: o.seq, descending=True)
    body: dict[str, Any] = {"operations": [operation_json(o) for o in page]}
    if token is not None:
        body["pagination"] = {"next": token}
    return Reply(200, body)


async def describe_operation(call: Call) -> Reply:
    _require_2026(call, "GET /operations/{assistant_name}/{operation_id}")
    assistant = call.path("assistant_name")
    require_assistant(call, assistant)
    operation_id = call.path("operation_id")
    op = call.store.get_operation(assistant, operation_id)
    if op is None:
        raise not_found(f'Operation "{operation_id}" not found.')
    return Reply(200, operation_json(op))


async def signed_file(request: Request) -> Response:
    """The bytes behind a ``signed_url`` (no API key; the signature and expiry are checked)."""
    runtime = request.app.state.runtime
    assistant = request.path_params["assistant_name"]
    file_id = request.path_params["assistant_file_id"]
    query = request.query_params
    if not signature_valid(
        runtime.settings.signing_key, assistant, file_id, query.get("expires", ""), query.get("signature", "")
    ):
        raise ApiError(403, "FORBIDDEN", "The signed URL is invalid or has expired; describe the file again.")
    row = runtime.store.get_file(assistant, file_id)
    path = runtime.store.blob_path(row.blob) if row is not None else None
    if row is None or path is None or not path.exists():
        raise not_found(f'File with id "{file_id}" not found in assistant "{assistant}".')
    disposition = f"attachment; filename*=UTF-8''{quote(row.name)}"
    return FileResponse(
        path, media_type=_MEDIA_TYPES.get(row.kind), headers={"Content-Disposition": disposition}
    )
