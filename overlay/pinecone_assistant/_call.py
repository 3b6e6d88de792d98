"""One API call described before it is sent, and the small pieces every call shares.

An :class:`ApiCall` names the plane the request goes to (control, data or evaluation), carries the
keyword arguments built by the generated module's ``_get_kwargs`` (method, path, query, body,
headers) and a function that turns a successful response into the result. The sync and async
clients send the same calls; only the sending differs.

Nothing here imports the generated package at import time: ``import pinecone_assistant`` stays
fast, and the generated models load on the first request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, Literal, Protocol, Self, TypeVar

import orjson

from ._constants import ASSISTANT_NAME_MAX_LENGTH, ASSISTANT_NAME_PATTERN, FILE_ID_PATTERN
from .errors import APIResponseValidationError, ClientValidationError, request_id_of

if TYPE_CHECKING:
    import httpx

__all__ = [
    "NOT_GIVEN",
    "ApiCall",
    "NotGiven",
    "Plane",
    "at_least",
    "check_assistant_name",
    "check_file_id",
    "check_id",
    "check_limit",
    "check_text",
    "decode_json",
    "invalid_response",
    "parse_model",
]

Plane = Literal["control", "data", "evaluation"]
T = TypeVar("T")
M = TypeVar("M", bound="_Model")


class NotGiven:
    """The type of :data:`NOT_GIVEN`: an argument that was not passed (``None`` may mean null)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


#: An argument left out, as opposed to one passed as ``None``.
NOT_GIVEN: Final = NotGiven()


class ApiCall(Generic[T]):
    """A request ready to be sent: ``kwargs`` from a generated ``_get_kwargs``; ``parse`` reads a 2xx answer.

    ``assistant`` names the assistant whose data-plane host a ``data`` call goes to; ``stream`` asks
    for the response unread (its body is consumed by ``parse``, e.g. a stream class). Read-only by
    convention. A plain class rather than a dataclass: building a dataclass costs about 1.5 ms of
    import time (-X importtime), a tenth of what the whole overlay costs to import.
    """

    __slots__ = ("assistant", "kwargs", "parse", "plane", "stream")

    def __init__(
        self,
        plane: Plane,
        kwargs: dict[str, Any],
        parse: Callable[[httpx.Response], T],
        assistant: str | None = None,
        stream: bool = False,
    ) -> None:
        self.plane: Plane = plane
        self.kwargs = kwargs
        self.parse = parse
        self.assistant = assistant
        self.stream = stream

    def __repr__(self) -> str:
        return f"ApiCall({self.plane!r}, {self.kwargs.get('method')!r}, {self.kwargs.get('url')!r})"


class _Model(Protocol):
    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any], /) -> Self: ...


def invalid_response(response: httpx.Response, detail: str, body: Any = None) -> APIResponseValidationError:
    """The error for a successful status whose body does not match the API description."""
    request = response.request
    return APIResponseValidationError(
        f"The response to {request.method} {request.url.path} does not match the API description: {detail}",
        status_code=response.status_code,
        request_id=request_id_of(response.headers),
        body=body,
        method=request.method,
        url=str(request.url.copy_with(query=None)),
    )


def decode_json(response: httpx.Response) -> Any:
    """The JSON body of ``response``; :class:`APIResponseValidationError` if it is not JSON."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        text = response.content.decode("utf-8", errors="replace")
        raise invalid_response(response, f"the body is not JSON ({text[:200]!r})", text[:2000]) from None


def parse_model(model: type[M], *, unwrap: str | None = None) -> Callable[[httpx.Response], M]:
    """A parser that builds ``model`` from the JSON body (``unwrap``: also accept ``{unwrap: {...}}``)."""

    def parse(response: httpx.Response) -> M:
        data = decode_json(response)
        if unwrap is not None and isinstance(data, dict) and unwrap in data and len(data) == 1:
            data = data[unwrap]
        if not isinstance(data, dict):
            raise invalid_response(response, f"expected a JSON object, got {type(data).__name__}", data)
        try:
            parsed = carrier_of(model).from_dict(data)
            parsed.request_id = request_id_of(response.headers)  # type: ignore[attr-defined]
            return parsed
        except KeyError as exc:
            raise invalid_response(
                response, f"the field {exc} is missing from {model.__name__}", data
            ) from exc
        except (TypeError, ValueError, AttributeError) as exc:
            raise invalid_response(response, f"{model.__name__}: {exc}", data) from exc

    return parse


_CARRIERS: dict[type[Any], type[Any]] = {}


def carrier_of(model: type[M]) -> type[M]:
    """``model`` with one more attribute, ``request_id`` (the id of the response it was read from).

    The generated models are slotted attrs classes, so the attribute lives on a subclass; it equals
    (``==``) a plain ``model`` with the same fields, and prints as one.
    """
    carrier = _CARRIERS.get(model)
    if carrier is None:
        import attrs

        names = [field.name for field in attrs.fields(model) if field.eq]  # type: ignore[arg-type]

        def __eq__(self: Any, other: object) -> bool:  # noqa: N807
            if not isinstance(other, model):
                return NotImplemented
            return all(getattr(self, name) == getattr(other, name) for name in names)

        namespace = {"__slots__": ("request_id",), "__eq__": __eq__, "__hash__": None}
        namespace.update(__module__=model.__module__, __qualname__=model.__qualname__, __doc__=model.__doc__)
        carrier = _CARRIERS[model] = type(model.__name__, (model,), namespace)
    return carrier


def at_least(api_version: str, reference: str) -> bool:
    """Whether ``api_version`` (``YYYY-MM[...]``) is ``reference`` or later."""
    return api_version[:7] >= reference


_NAME = re.compile(ASSISTANT_NAME_PATTERN)
_FILE_ID = re.compile(FILE_ID_PATTERN)


def check_text(value: object, what: str, fix: str) -> str:
    """``value`` if it is a string with something other than whitespace in it."""
    if not isinstance(value, str):
        raise ClientValidationError(f"{what} must be a string, got {type(value).__name__}; {fix}.")
    if not value.strip():
        raise ClientValidationError(f"{what} is empty; {fix}.")
    return value


def check_assistant_name(name: object) -> str:
    """``name`` if it is a valid assistant name (the rule of the ``assistant_name`` path parameter)."""
    if not isinstance(name, str):
        raise ClientValidationError(
            f"The assistant name must be a string, got {type(name).__name__}; pass e.g. 'my-assistant'."
        )
    if not name:
        raise ClientValidationError("The assistant name is empty; pass the name, e.g. 'my-assistant'.")
    if len(name) > ASSISTANT_NAME_MAX_LENGTH or not _NAME.match(name):
        raise ClientValidationError(
            f"Invalid assistant name {name!r}: use 1 to {ASSISTANT_NAME_MAX_LENGTH} lowercase letters, "
            "digits and '-', starting and ending with a letter or digit (e.g. 'my-assistant')."
        )
    return name


def check_file_id(file_id: object, *, upsert: bool = False) -> str:
    """``file_id`` if it is a non-empty string; for an upsert, 1-128 letters, digits, ``_`` or ``-``."""
    if not isinstance(file_id, str) or not file_id:
        raise ClientValidationError(
            f"The file id must be a non-empty string, got {file_id!r}; pass a file's `id`."
        )
    if upsert and not _FILE_ID.match(file_id):
        raise ClientValidationError(
            f"Invalid file id {file_id!r} for an upsert: use 1 to 128 letters, digits, '_' or '-'."
        )
    return file_id


def check_id(value: object, what: str) -> str:
    """``value`` if it is a non-empty string (an operation id and the like)."""
    if not isinstance(value, str) or not value:
        raise ClientValidationError(f"The {what} must be a non-empty string, got {value!r}.")
    return value


def check_limit(limit: int | None, maximum: int | None = 100) -> int | None:
    """``limit`` if it is None or a page size from 1 to ``maximum`` (no upper bound if None)."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1 or (maximum and limit > maximum):
        bounds = f"from 1 to {maximum}" if maximum else "of at least 1"
        raise ClientValidationError(f"limit must be an integer {bounds} (the page size), got {limit!r}.")
    return limit
