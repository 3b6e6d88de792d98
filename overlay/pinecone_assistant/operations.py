"""Operations (data plane, 2026-04 and later): the background work started by uploads, upserts and
deletes, listed and described, and when an operation counts as finished."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._call import ApiCall, check_assistant_name, check_id, check_limit, parse_model
from .errors import ClientValidationError, ProcessingFailedError
from .files import require_2026_04

if TYPE_CHECKING:
    from assistant_api.models.list_operations_response import ListOperationsResponse
    from assistant_api.models.operation_model import OperationModel

__all__ = ["OPERATION_STATUSES", "OPERATION_TYPES", "describe", "is_complete", "list_page"]

OPERATION_TYPES = ("upload_file", "upsert_file", "update_file_metadata", "delete_file")
OPERATION_STATUSES = ("Processing", "Completed", "Failed")


def list_page(
    assistant_name: str,
    *,
    operation_type: str | None,
    status: str | None,
    limit: int | None,
    pagination_token: str | None,
    api_version: str,
) -> ApiCall[ListOperationsResponse]:
    """``GET /operations/{name}``, one page, optionally only one type or status."""
    from assistant_api.api.operations import list_operations
    from assistant_api.models.list_operations_response import ListOperationsResponse
    from assistant_api.models.operation_status import OperationStatus
    from assistant_api.models.operation_type import OperationType
    from assistant_api.types import UNSET

    check_assistant_name(assistant_name)
    require_2026_04(api_version, "list_operations")
    check_limit(limit)
    if operation_type is not None and operation_type not in OPERATION_TYPES:
        raise ClientValidationError(
            f"operation_type must be one of {', '.join(OPERATION_TYPES)}, got {operation_type!r}."
        )
    if status is not None and status not in OPERATION_STATUSES:
        raise ClientValidationError(f"status must be one of {', '.join(OPERATION_STATUSES)}, got {status!r}.")
    kwargs = list_operations._get_kwargs(
        assistant_name,
        operation_type=OperationType(operation_type) if operation_type is not None else UNSET,
        status=OperationStatus(status) if status is not None else UNSET,
        limit=limit if limit is not None else UNSET,
        pagination_token=pagination_token or UNSET,
        x_pinecone_api_version=api_version,
    )
    return ApiCall("data", kwargs, parse_model(ListOperationsResponse), assistant_name)


def describe(assistant_name: str, operation_id: str, *, api_version: str) -> ApiCall[OperationModel]:
    """``GET /operations/{name}/{operation_id}``."""
    from assistant_api.api.operations import describe_operation
    from assistant_api.models.operation_model import OperationModel

    check_assistant_name(assistant_name)
    check_id(operation_id, "operation id")
    require_2026_04(api_version, "describe_operation")
    kwargs = describe_operation._get_kwargs(assistant_name, operation_id, x_pinecone_api_version=api_version)
    return ApiCall("data", kwargs, parse_model(OperationModel), assistant_name)


def is_complete(operation: OperationModel) -> bool:
    """True once ``operation`` has left ``Processing``; :class:`ProcessingFailedError` if it ``Failed``."""
    status = str(operation.status)
    if status == "Failed":
        reason = operation.error_message if isinstance(operation.error_message, str) else None
        target = f" on file {operation.file_id}" if isinstance(operation.file_id, str) else ""
        raise ProcessingFailedError(
            f"The {operation.operation_type} operation {operation.id}{target} failed: "
            f"{reason or 'no reason given'}.",
            resource=operation,
            status=status,
            error_message=reason,
        )
    return status != "Processing"
