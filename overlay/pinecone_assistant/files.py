"""Files (data plane): upload, upsert, list, describe and delete, and waiting for a file to be usable.

How an upload looks depends on the API version:

* 2026-04: ``POST /files/{name}`` with ``file`` and ``metadata`` as multipart fields answers
  ``202`` with an operation; the file is usable once the operation is ``Completed``.
* 2025-10: the same path with ``metadata`` as a JSON-encoded query parameter answers ``200`` with
  the file, which is usable once its status leaves ``Processing``.

The functions here check arguments before anything is sent and build each request with the
generated builder; the clients send them and do the waiting.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
from collections.abc import Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, BinaryIO, TypeAlias, cast

import httpx

from ._call import ApiCall, at_least, check_assistant_name, check_file_id, check_limit, parse_model
from .errors import ClientValidationError, ProcessingFailedError

if TYPE_CHECKING:
    from assistant_api.models.assistant_file_model import AssistantFileModel
    from assistant_api.models.list_files_response import ListFilesResponse
    from assistant_api.models.operation_model import OperationModel

__all__ = [
    "FileInput",
    "check_metadata",
    "delete",
    "describe",
    "is_available",
    "list_page",
    "open_payload",
    "upload",
    "upsert",
]

#: What can be uploaded: a path, the bytes themselves, or an open binary file.
FileInput: TypeAlias = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

EXTENSIONS = (".pdf", ".txt", ".md", ".json", ".docx")


def check_metadata(metadata: object) -> dict[str, Any] | None:
    """File metadata as the service stores it: a flat object of strings, numbers, booleans and lists
    of strings, keys not starting with ``$``, no nulls. Returns a plain dict (or None)."""
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise ClientValidationError(
            f"metadata must be a dict, got {type(metadata).__name__}; "
            "e.g. {'genre': 'drama', 'year': 2024}."
        )
    out: dict[str, Any] = {}
    for key, value in metadata.items():
        where = f"metadata[{key!r}]"
        if not isinstance(key, str) or not key:
            raise ClientValidationError(f"metadata keys must be non-empty strings, got {key!r}.")
        if key.startswith("$"):
            raise ClientValidationError(f"{where}: keys may not start with '$'; rename the key.")
        if value is None:
            raise ClientValidationError(f"{where} is None: null values are not stored; leave the key out.")
        if isinstance(value, bool | str):
            pass
        elif isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise ClientValidationError(f"{where} must be a finite number, got {value!r}.")
        elif isinstance(value, list | tuple):
            if not all(isinstance(item, str) for item in value):
                raise ClientValidationError(f"{where}: a list value may hold only strings, got {value!r}.")
            out[key] = list(value)
            continue
        elif isinstance(value, Mapping):
            raise ClientValidationError(
                f"{where} is an object: metadata must be flat; move its keys to the top level."
            )
        else:
            raise ClientValidationError(
                f"{where} must be a string, number, boolean or list of strings, got {type(value).__name__}."
            )
        out[key] = value
    return out


def _name_of(file: object, file_name: str | None) -> str:
    if file_name is not None:
        if not isinstance(file_name, str) or not file_name.strip() or "/" in file_name:
            raise ClientValidationError(
                f"file_name must be a plain file name such as 'notes.txt', got {file_name!r}."
            )
        name = file_name
    elif isinstance(file, str | os.PathLike):
        name = os.path.basename(os.fspath(file))
    else:
        raw = getattr(file, "name", None)
        if not isinstance(raw, str) or not os.path.basename(raw):
            raise ClientValidationError(
                "Pass file_name= (e.g. 'notes.txt') when uploading bytes or an unnamed file object: "
                "the service picks the parser from the extension."
            )
        name = os.path.basename(raw)
    if not name.lower().endswith(EXTENSIONS):
        raise ClientValidationError(
            f"Cannot upload {name!r}: the service accepts {', '.join(EXTENSIONS)} files; "
            "give the file (or file_name=) one of these extensions."
        )
    return name


@contextlib.contextmanager
def open_payload(file: FileInput, file_name: str | None = None) -> Iterator[tuple[str, IO[bytes]]]:
    """``(file name, readable binary file)`` for an upload; a path is opened and closed again."""
    name = _name_of(file, file_name)
    if isinstance(file, str | os.PathLike):
        path = os.fspath(file)
        if not os.path.isfile(path):
            raise ClientValidationError(
                f"No file at {path!r}; pass an existing path, bytes or a file object."
            )
        with open(path, "rb") as handle:
            yield name, handle
    elif isinstance(file, bytes | bytearray | memoryview):
        yield name, io.BytesIO(bytes(file))
    elif hasattr(file, "read"):
        yield name, file
    else:
        raise ClientValidationError(
            f"Cannot upload a {type(file).__name__}: pass a path, bytes or a binary file object."
        )


def _bool_param(value: bool | None, what: str) -> Any:
    from assistant_api.models.boolean_string import BooleanString
    from assistant_api.types import UNSET

    if value is None:
        return UNSET
    if not isinstance(value, bool):
        raise ClientValidationError(f"{what} must be True, False or None, got {value!r}.")
    return BooleanString.TRUE if value else BooleanString.FALSE


def _parse_upload(response: httpx.Response) -> OperationModel | AssistantFileModel:
    from assistant_api.models.assistant_file_model import AssistantFileModel
    from assistant_api.models.operation_model import OperationModel

    if response.status_code == 202:
        return parse_model(OperationModel)(response)
    return parse_model(AssistantFileModel)(response)


def _upload_kwargs(
    builder: Any,
    path_args: tuple[str, ...],
    *,
    payload: tuple[str, IO[bytes]],
    metadata: dict[str, Any] | None,
    multimodal: bool | None,
    api_version: str,
) -> dict[str, Any]:
    from assistant_api.models.upload_file_request import UploadFileRequest
    from assistant_api.types import UNSET, File

    name, handle = payload
    modern = at_least(api_version, "2026-04")
    encoded = None if metadata is None else json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)
    body = UploadFileRequest(
        file=File(payload=cast(BinaryIO, handle), file_name=name),
        metadata=encoded if modern and encoded is not None else UNSET,
    )
    kwargs: dict[str, Any] = builder._get_kwargs(
        *path_args,
        body=body,
        multimodal=_bool_param(multimodal, "multimodal"),
        x_pinecone_api_version=api_version,
    )
    # httpx picks a random multipart boundary only when no Content-Type is given.
    kwargs["headers"].pop("Content-Type", None)
    if not modern and encoded is not None:
        kwargs["params"]["metadata"] = encoded
    return kwargs


def upload(
    assistant_name: str,
    payload: tuple[str, IO[bytes]],
    *,
    metadata: dict[str, Any] | None,
    multimodal: bool | None,
    api_version: str,
) -> ApiCall[OperationModel | AssistantFileModel]:
    """``POST /files/{name}``: an operation (2026-04) or the file (2025-10)."""
    from assistant_api.api.files import upload_file

    check_assistant_name(assistant_name)
    kwargs = _upload_kwargs(
        upload_file,
        (assistant_name,),
        payload=payload,
        metadata=metadata,
        multimodal=multimodal,
        api_version=api_version,
    )
    return ApiCall("data", kwargs, _parse_upload, assistant_name)


def upsert(
    assistant_name: str,
    file_id: str,
    payload: tuple[str, IO[bytes]],
    *,
    metadata: dict[str, Any] | None,
    multimodal: bool | None,
    api_version: str,
) -> ApiCall[OperationModel | AssistantFileModel]:
    """``PUT /files/{name}/{file_id}`` (2026-04 and later): an operation."""
    from assistant_api.api.files import upsert_file

    check_assistant_name(assistant_name)
    check_file_id(file_id, upsert=True)
    require_2026_04(api_version, "upsert_file")
    kwargs = _upload_kwargs(
        upsert_file,
        (assistant_name, file_id),
        payload=payload,
        metadata=metadata,
        multimodal=multimodal,
        api_version=api_version,
    )
    return ApiCall("data", kwargs, _parse_upload, assistant_name)


def require_2026_04(api_version: str, operation: str) -> None:
    """Raise :class:`ClientValidationError` if ``operation`` does not exist in ``api_version``."""
    if not at_least(api_version, "2026-04"):
        raise ClientValidationError(
            f"{operation} exists from API version 2026-04; this client speaks {api_version}. "
            "Create the client with api_version='2026-04'."
        )


def list_page(
    assistant_name: str,
    *,
    filter_query: str | None,
    limit: int | None,
    pagination_token: str | None,
    api_version: str,
) -> ApiCall[ListFilesResponse]:
    """``GET /files/{name}``, one page; ``filter_query`` is the JSON-encoded metadata filter."""
    from assistant_api.api.files import list_files
    from assistant_api.models.list_files_response import ListFilesResponse
    from assistant_api.types import UNSET

    check_assistant_name(assistant_name)
    check_limit(limit, maximum=None)
    paged = at_least(api_version, "2026-04")
    kwargs = list_files._get_kwargs(
        assistant_name,
        filter_=filter_query if filter_query is not None else UNSET,
        limit=limit if paged and limit is not None else UNSET,
        pagination_token=pagination_token if paged and pagination_token else UNSET,
        x_pinecone_api_version=api_version,
    )
    return ApiCall("data", kwargs, parse_model(ListFilesResponse), assistant_name)


def describe(
    assistant_name: str, file_id: str, *, include_url: bool, api_version: str
) -> ApiCall[AssistantFileModel]:
    """``GET /files/{name}/{file_id}``; ``include_url`` adds a temporary ``signed_url``."""
    from assistant_api.api.files import describe_file
    from assistant_api.models.assistant_file_model import AssistantFileModel
    from assistant_api.types import UNSET

    check_assistant_name(assistant_name)
    check_file_id(file_id)
    kwargs = describe_file._get_kwargs(
        assistant_name,
        file_id,
        include_url=_bool_param(include_url, "include_url") if include_url else UNSET,
        x_pinecone_api_version=api_version,
    )
    return ApiCall("data", kwargs, parse_model(AssistantFileModel), assistant_name)


def _parse_delete(response: httpx.Response) -> OperationModel | None:
    from assistant_api.models.operation_model import OperationModel

    if response.status_code == 202:
        return parse_model(OperationModel)(response)
    return None


def delete(assistant_name: str, file_id: str, *, api_version: str) -> ApiCall[OperationModel | None]:
    """``DELETE /files/{name}/{file_id}``: an operation (2026-04, 202) or nothing (200/204)."""
    from assistant_api.api.files import delete_file

    check_assistant_name(assistant_name)
    check_file_id(file_id)
    kwargs = delete_file._get_kwargs(assistant_name, file_id, x_pinecone_api_version=api_version)
    return ApiCall("data", kwargs, _parse_delete, assistant_name)


def is_available(file: AssistantFileModel) -> bool:
    """True once ``file`` can be used; raises :class:`ProcessingFailedError` if processing failed."""
    status = file.status
    if isinstance(status, str):
        if status == "ProcessingFailed":
            reason = file.error_message if isinstance(file.error_message, str) else None
            raise ProcessingFailedError(
                f"Processing of file {file.name!r} ({file.id}) failed: {reason or 'no reason given'}.",
                resource=file,
                status=status,
                error_message=reason,
            )
        if status == "Deleting":
            raise ProcessingFailedError(
                f"The file {file.name!r} ({file.id}) is being deleted; it will not become available.",
                resource=file,
                status=status,
                error_message=None,
            )
        return status != "Processing"
    return True
