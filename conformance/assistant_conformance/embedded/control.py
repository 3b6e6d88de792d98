"""Control plane: create, list, describe, update and delete assistants."""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import already_exists, bad_request, not_found
from .faults import ALLOW_EMPTY_REGION, Reply
from .runtime import Call, Fields
from .store import AssistantRow, ConflictError
from .versions import V2026_04
from .views import assistant_json, paginate

NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
REGIONS = ("us", "eu")
MAX_TEXT_BYTES = 16 * 1024
NULLABLE = frozenset({"instructions", "metadata"})


def require_assistant(call: Call, name: str) -> AssistantRow:
    row = call.store.get_assistant(name)
    if row is None:
        raise not_found(f'Assistant "{name}" not found.')
    return row


def _check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise bad_request(
            f"Invalid assistant name {name!r}: use 1-63 lowercase letters, digits and '-', "
            "starting and ending with a letter or digit."
        )


def _check_size(what: str, value: Any) -> None:
    size = len((value if isinstance(value, str) else json.dumps(value)).encode())
    if size > MAX_TEXT_BYTES:
        raise bad_request(f"{what} is {size} bytes; the limit is 16 KB.")


async def list_assistants(call: Call) -> Reply:
    rows = call.store.list_assistants(0, None)
    if call.version != V2026_04:
        return Reply(200, {"assistants": [assistant_json(call, r) for r in rows]})
    page, token = paginate(call, rows, lambda r: r.seq)
    body: dict[str, Any] = {"assistants": [assistant_json(call, r) for r in page]}
    if token is not None:
        body["pagination"] = {"next": token}
    return Reply(200, body)


async def create_assistant(call: Call) -> Reply:
    fields = Fields(await call.json_body(), nullable=NULLABLE)
    if "environment" in fields.data:
        # An internal field of the service, which refuses it from API keys (earlier with 403).
        raise bad_request("Invalid environment: leave the `environment` field out; use `region` (us or eu).")
    name = fields.string("name", required=True)
    assert name is not None
    instructions = fields.string("instructions")
    metadata = fields.obj("metadata")
    region = fields.string("region")
    if region is None or (region == "" and call.faults.flag(ALLOW_EMPTY_REGION)):
        region = "us"  # absent or null: the default region; "" is invalid, as the service says
    _check_name(name)
    if region not in REGIONS:
        raise bad_request(f"Invalid region: Valid options are {', '.join(REGIONS)}")
    if instructions is not None:
        _check_size("instructions", instructions)
    if metadata is not None:
        _check_size("metadata", metadata)
    call.runtime.tombstones.forget(("assistant", name))
    try:
        row = call.store.create_assistant(
            name, instructions, metadata, region, call.settings.assistant_ready_seconds
        )
    except ConflictError:
        raise already_exists(f'An assistant named "{name}" already exists.') from None
    return Reply(200, assistant_json(call, row, just_created=True))


async def get_assistant(call: Call) -> Reply:
    name = call.path("assistant_name")
    if call.store.get_assistant(name) is None:
        buried = call.runtime.tombstones.take(("assistant", name))
        if buried is not None:
            return Reply(200, {**buried, "status": "Terminating"})
    return Reply(200, assistant_json(call, require_assistant(call, name)))


async def update_assistant(call: Call) -> Reply:
    name = call.path("assistant_name")
    data = await call.json_body()
    fields = Fields(data, nullable=NULLABLE)
    changes: dict[str, Any] = {}
    if "instructions" in data:
        changes["instructions"] = fields.string("instructions")
        if changes["instructions"] is not None:
            _check_size("instructions", changes["instructions"])
    if "metadata" in data:
        changes["metadata"] = fields.obj("metadata")
        if changes["metadata"] is not None:
            _check_size("metadata", changes["metadata"])
    require_assistant(call, name)
    row = call.store.update_assistant(name, changes)
    if row is None:
        raise not_found(f'Assistant "{name}" not found.')
    # The service answers with the whole assistant, not the published UpdateAssistantResponse.
    return Reply(200, assistant_json(call, row))


async def delete_assistant(call: Call) -> Reply:
    name = call.path("assistant_name")
    row = require_assistant(call, name)
    if not call.store.delete_assistant(name):
        raise not_found(f'Assistant "{name}" not found.')
    call.runtime.tombstones.bury(("assistant", name), assistant_json(call, row))
    call.runtime.retriever.forget(name)
    return Reply(200, None)
