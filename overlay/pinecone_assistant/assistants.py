"""Assistants (control plane): the calls for create, list, describe, update and delete, and readiness.

Each function checks its arguments (raising :class:`~pinecone_assistant.errors.ClientValidationError`
before anything is sent) and returns an :class:`~pinecone_assistant._call.ApiCall` built with the
generated request builder; the clients send it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._call import NOT_GIVEN, ApiCall, NotGiven, at_least, check_assistant_name, check_limit, parse_model
from .errors import ClientValidationError, ProcessingFailedError

if TYPE_CHECKING:
    from assistant_api.models.assistant import Assistant
    from assistant_api.models.list_assistants_response import ListAssistantsResponse

__all__ = ["create", "delete", "describe", "is_ready", "list_page", "update"]

#: Statuses an assistant does not come back from while being waited for.
FAILED_STATUSES = frozenset({"Failed", "InitializationFailed", "Terminating", "Terminated"})
REGIONS = ("us", "eu")


def _check_metadata(metadata: object) -> dict[str, Any] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise ClientValidationError(
            f"metadata must be a dict (a JSON object), got {type(metadata).__name__}; "
            "e.g. {'team': 'docs'}."
        )
    for key in metadata:
        if not isinstance(key, str):
            raise ClientValidationError(f"metadata keys must be strings, got {key!r}.")
    return dict(metadata)


def _check_instructions(instructions: object) -> str | None:
    if instructions is None or isinstance(instructions, str):
        return instructions
    raise ClientValidationError(f"instructions must be a string or None, got {type(instructions).__name__}.")


def create(
    name: str,
    *,
    instructions: str | NotGiven | None,
    metadata: Mapping[str, Any] | NotGiven | None,
    region: str | NotGiven,
    api_version: str,
) -> ApiCall[Assistant]:
    """``POST /assistants``."""
    from assistant_api.api.assistants import create_assistant
    from assistant_api.models.assistant import Assistant
    from assistant_api.models.assistant_metadata import AssistantMetadata
    from assistant_api.models.create_assistant_request import CreateAssistantRequest
    from assistant_api.models.region import Region
    from assistant_api.types import UNSET

    check_assistant_name(name)
    body = CreateAssistantRequest(name=name, region=UNSET)
    if not isinstance(instructions, NotGiven):
        body.instructions = _check_instructions(instructions)
    if not isinstance(metadata, NotGiven):
        checked = _check_metadata(metadata)
        body.metadata = None if checked is None else AssistantMetadata.from_dict(checked)
    if not isinstance(region, NotGiven):
        if region not in REGIONS:
            raise ClientValidationError(f"region must be one of {', '.join(REGIONS)}, got {region!r}.")
        body.region = Region(region)
    kwargs = create_assistant._get_kwargs(body=body, x_pinecone_api_version=api_version)
    return ApiCall("control", kwargs, parse_model(Assistant))


def list_page(
    *, limit: int | None, pagination_token: str | None, api_version: str
) -> ApiCall[ListAssistantsResponse]:
    """``GET /assistants``, one page (pagination exists from 2026-04; earlier versions list everything)."""
    from assistant_api.api.assistants import list_assistants
    from assistant_api.models.list_assistants_response import ListAssistantsResponse
    from assistant_api.types import UNSET

    check_limit(limit)
    paged = at_least(api_version, "2026-04")
    kwargs = list_assistants._get_kwargs(
        limit=limit if paged and limit is not None else UNSET,
        pagination_token=pagination_token if paged and pagination_token else UNSET,
        x_pinecone_api_version=api_version,
    )
    return ApiCall("control", kwargs, parse_model(ListAssistantsResponse))


def describe(name: str, *, api_version: str) -> ApiCall[Assistant]:
    """``GET /assistants/{name}``."""
    from assistant_api.api.assistants import get_assistant
    from assistant_api.models.assistant import Assistant

    check_assistant_name(name)
    kwargs = get_assistant._get_kwargs(name, x_pinecone_api_version=api_version)
    return ApiCall("control", kwargs, parse_model(Assistant))


def update(
    name: str,
    *,
    instructions: str | NotGiven | None,
    metadata: Mapping[str, Any] | NotGiven | None,
    api_version: str,
) -> ApiCall[Assistant]:
    """``PATCH /assistants/{name}``; ``None`` clears a field, :data:`NOT_GIVEN` leaves it as it is."""
    from assistant_api.api.assistants import update_assistant
    from assistant_api.models.assistant import Assistant
    from assistant_api.models.assistant_metadata import AssistantMetadata
    from assistant_api.models.update_assistant_request import UpdateAssistantRequest

    check_assistant_name(name)
    if instructions is NOT_GIVEN and metadata is NOT_GIVEN:
        raise ClientValidationError(
            "Nothing to update: pass instructions= and/or metadata= (None clears the field)."
        )
    body = UpdateAssistantRequest()
    if not isinstance(instructions, NotGiven):
        body.instructions = _check_instructions(instructions)
    if not isinstance(metadata, NotGiven):
        checked = _check_metadata(metadata)
        body.metadata = None if checked is None else AssistantMetadata.from_dict(checked)
    kwargs = update_assistant._get_kwargs(name, body=body, x_pinecone_api_version=api_version)
    return ApiCall("control", kwargs, parse_model(Assistant))


def delete(name: str, *, api_version: str) -> ApiCall[None]:
    """``DELETE /assistants/{name}``."""
    from assistant_api.api.assistants import delete_assistant

    check_assistant_name(name)
    kwargs = delete_assistant._get_kwargs(name, x_pinecone_api_version=api_version)
    return ApiCall("control", kwargs, lambda response: None)


def is_ready(assistant: Assistant) -> bool:
    """True once ``assistant`` is ``Ready``; raises :class:`ProcessingFailedError` if it never will be."""
    status = str(assistant.status)
    if status == "Ready":
        return True
    if status in FAILED_STATUSES:
        raise ProcessingFailedError(
            f"The assistant {assistant.name!r} is {status}; it will not become Ready.",
            resource=assistant,
            status=status,
            error_message=None,
        )
    return False
