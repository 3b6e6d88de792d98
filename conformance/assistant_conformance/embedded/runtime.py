"""Shared state of a running endpoint, the per-request context, and typed readers for request bodies.

Body readers answer 400 INVALID_ARGUMENT for a missing required field or a value of the wrong JSON
type, and 422 for a negative count (``top_k``, ``snippet_size``), which the service reads as unsigned.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from .errors import ApiError, bad_request, unprocessable
from .faults import LOOSE_QUERY_FLAGS, ActiveFaults, FaultSwitch
from .processing import Processor
from .retrieval import Retriever
from .store import Store
from .uploads import Limits, read_json_body

StreamHook = Callable[[int], Awaitable[None]]

# Defaults of the lifecycle: long enough for every client's wait loop to see the transition.
ASSISTANT_READY_SECONDS = 0.5
FILE_PROCESSING_SECONDS = 1.0
# JSON nested deeper than this is refused (no request of the API needs more than a few levels).
MAX_JSON_DEPTH = 64


@dataclass
class Settings:
    """Options of :func:`create_app`; see its docstring."""

    api_keys: frozenset[str] | None = None
    faults: bool = False
    public_url: str | None = None
    assistant_ready_seconds: float = ASSISTANT_READY_SECONDS
    file_processing_seconds: float = FILE_PROCESSING_SECONDS
    max_output_tokens: int = 1024
    stream_hook: StreamHook | None = None
    limits: Limits = field(default_factory=Limits)
    signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))


class Tombstones:
    """What was just deleted, so that the next describe can report it as Terminating / Deleting.

    Deletions take effect at once, but like the service the endpoint reports a deleted assistant or
    file once more in its transitional state before answering 404: clients that wait for a deletion
    by describing until "not found" see the documented sequence.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: dict[tuple[str, ...], dict[str, Any]] = {}

    def bury(self, key: tuple[str, ...], body: dict[str, Any]) -> None:
        with self._lock:
            self._bodies[key] = body

    def take(self, key: tuple[str, ...]) -> dict[str, Any] | None:
        with self._lock:
            return self._bodies.pop(key, None)

    def forget(self, key: tuple[str, ...]) -> None:
        with self._lock:
            self._bodies.pop(key, None)


class Runtime:
    """Everything handlers share: settings, store, retrieval indexes, the fault switch."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.retriever = Retriever(store)
        self.faults = FaultSwitch(settings.faults)
        self.tombstones = Tombstones()
        self.processor = Processor(store)
        self.processor.resume()

    def close(self) -> None:
        """Finish the files being processed, then close the store."""
        self.processor.close()
        self.store.close()


@dataclass
class Call:
    """One request being served."""

    request: Request
    runtime: Runtime
    operation: str
    version: str
    faults: ActiveFaults
    version_sent: bool = True
    started: float = field(default_factory=time.time)

    @property
    def store(self) -> Store:
        return self.runtime.store

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def public_url(self) -> str:
        """The endpoint's own base URL, as clients reach it (``host`` of every assistant)."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        return str(self.request.base_url).rstrip("/")

    def query_flag(self, name: str) -> bool | None:
        """A ``"true"``/``"false"`` query parameter; anything else is a 400."""
        value = self.request.query_params.get(name)
        if value is None:
            return None
        if self.faults.flag(LOOSE_QUERY_FLAGS):
            value = value.lower()
        if value not in {"true", "false"}:  # exactly, as the spec's enum says ("TRUE" is refused)
            raise bad_request(f"Query parameter {name} must be 'true' or 'false', got {value!r}.")
        return value == "true"

    async def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object."""
        media = self.request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            shown = media or "none"
            raise bad_request(
                f"Send the request body as JSON with Content-Type: application/json (got {shown})."
            )
        raw = await read_json_body(self.request, self.settings.limits)
        if not raw.strip():
            raise bad_request("The request body is empty; send a JSON object.")
        try:
            data = parse_json(raw)
        except (ValueError, RecursionError) as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}") from None
        depth = json_depth(data)
        if depth > MAX_JSON_DEPTH:
            raise bad_request(
                f"The request body is nested {depth} levels deep; the limit is {MAX_JSON_DEPTH}."
            )
        if not isinstance(data, dict):
            raise bad_request(f"The request body must be a JSON object, got {_kind(data)}.")
        return data


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (0 for a scalar), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        else:
            continue
        deepest = max(deepest, depth + 1)
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str | bytes) -> Any:
    """Standard JSON: unlike ``json.loads``, NaN and Infinity are refused (ValueError)."""
    return json.loads(text, parse_constant=_no_constant)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class Fields:
    """Typed access to the fields of a JSON object.

    A field sent as ``null`` is a 400 unless it is listed in ``nullable``, where it counts as absent:
    the spec declares most optional fields non-nullable, and clients leave unset fields out.
    """

    def __init__(self, data: dict[str, Any], where: str = "", nullable: frozenset[str] = frozenset()) -> None:
        self.data = data
        self.where = where
        self.nullable = nullable

    def label(self, name: str) -> str:
        """The field's name as the message shows it (with its parent's prefix)."""
        return f"{self.where}{name}"

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if value is None and name in self.data and name not in self.nullable:
            raise bad_request(
                f"Field `{self.label(name)}` must not be null: leave it out to use the default."
            )
        if value is None and required:
            raise bad_request(f"Missing required field `{self.label(name)}`.")
        return value

    def _wrong(self, name: str, expected: str, value: object) -> ApiError:
        return bad_request(f"Field `{self.label(name)}` must be {expected}, got {_kind(value)}.")

    def present(self, name: str) -> bool:
        """Whether the field was sent with a value (a forbidden null raises)."""
        return self._get(name, False) is not None

    def string(self, name: str, *, required: bool = False) -> str | None:
        value = self._get(name, required)
        if value is not None and not isinstance(value, str):
            raise self._wrong(name, "a string", value)
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self._get(name, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._wrong(name, "a boolean", value)
        return value

    def count(self, name: str, default: int) -> int:
        """A non-negative integer (the backend reads these as unsigned)."""
        value = self._get(name, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer() and value >= 0:
                return int(value)
            raise self._wrong(name, "a non-negative integer", value)
        if value < 0:
            raise unprocessable(f"Field `{self.label(name)}` must be a non-negative integer, got {value}.")
        return value

    def number(self, name: str) -> float | int | None:
        value = self._get(name, False)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise self._wrong(name, "a number", value)
        return value

    def obj(self, name: str, *, required: bool = False) -> dict[str, Any] | None:
        value = self._get(name, required)
        if value is not None and not isinstance(value, dict):
            raise self._wrong(name, "an object", value)
        return value

    def array(self, name: str, *, required: bool = False) -> list[Any] | None:
        value = self._get(name, required)
        if value is not None and not isinstance(value, list):
            raise self._wrong(name, "an array", value)
        return value

    def any(self, name: str) -> Any:
        """The raw value (a forbidden null raises)."""
        return self._get(name, False)
