"""The one error tree of the client.

::

    AssistantError
    ├── APIError
    │   ├── APIStatusError                 (an HTTP error status; status_code, code, message, request_id)
    │   │   ├── BadRequestError            400
    │   │   ├── AuthenticationError        401
    │   │   ├── PermissionDeniedError      403
    │   │   ├── NotFoundError              404
    │   │   ├── ConflictError              409
    │   │   ├── UnprocessableEntityError   422
    │   │   ├── RateLimitError             429
    │   │   └── InternalServerError        >= 500
    │   ├── APIConnectionError             (no response: DNS, refused, reset, ...)
    │   │   └── APITimeoutError
    │   ├── APIResponseValidationError     (a response that does not match the spec)
    │   └── StreamError                    (an error inside a stream, e.g. an {"error": ...} event)
    │       └── IncompleteStreamError      (the stream ended before its final chunk; has the partial answer)
    ├── ClientValidationError (also a ValueError: bad input caught before sending)
    ├── ProcessingFailedError              (a file, operation or assistant ended in a failed state)
    ├── WaitTimeoutError (also a TimeoutError: a wait for a state ran out of time)
    └── FinishReasonError                  (raised only by helpers that need a complete answer)
        ├── LengthFinishReasonError
        └── ContentFilterFinishReasonError

Secrets never reach an exception: headers are kept redacted, and the values of the request's
``Api-Key``/``Authorization`` headers are scrubbed from messages and bodies.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ._constants import MAX_ERROR_TEXT, REDACTED, REQUEST_ID_HEADERS, SENSITIVE_HEADERS

if TYPE_CHECKING:  # httpx loads with the first request, not with the package
    import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AssistantError",
    "AuthenticationError",
    "BadRequestError",
    "ClientValidationError",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "FinishReasonError",
    "IncompleteStreamError",
    "InternalServerError",
    "LengthFinishReasonError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProcessingFailedError",
    "RateLimitError",
    "StreamError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "connection_error_from",
    "make_status_error",
    "redact_headers",
    "request_id_of",
    "scrub",
]


# --------------------------------------------------------------------------- redaction


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """A plain copy of ``headers`` with the value of every secret header replaced by ``[REDACTED]``."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: (REDACTED if k.lower() in SENSITIVE_HEADERS else v) for k, v in items}


def secrets_of(headers: httpx.Headers | Mapping[str, str] | None) -> tuple[str, ...]:
    """The secret values in ``headers`` (the API key, a bearer token), longest first."""
    if not headers:
        return ()
    values: set[str] = set()
    for name, value in headers.items():
        if name.lower() in SENSITIVE_HEADERS and value:
            values.add(value)
            # "Bearer <token>": the token alone must not leak either.
            _, _, token = value.partition(" ")
            if len(token) >= 8:
                values.add(token)
    return tuple(sorted(values, key=len, reverse=True))


def scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` with every occurrence of each secret replaced, recursively through lists and dicts."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {scrub(k, secrets): scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value


def request_id_of(headers: httpx.Headers | Mapping[str, str]) -> str | None:
    """The request id a response carries (``x-pinecone-request-id``, then ``x-request-id``)."""
    import httpx

    lowered = headers if isinstance(headers, httpx.Headers) else {k.lower(): v for k, v in headers.items()}
    for name in REQUEST_ID_HEADERS:
        value = lowered.get(name)
        if value:
            return value
    return None


def _safe_url(url: httpx.URL) -> str:
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


# --------------------------------------------------------------------------- the tree


def _restore(cls: type[AssistantError], args: tuple[Any, ...], state: dict[str, Any]) -> AssistantError:
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(state)
    return err


class AssistantError(Exception):
    """Base of every exception this package raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not survive the default pickling of exceptions.
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class APIError(AssistantError):
    """Something went wrong talking to the API.

    ``message`` is the human-readable reason, ``body`` the decoded body (dict, list, str or None),
    ``method``/``url`` the request that failed.
    """

    message: str
    body: Any
    method: str | None
    url: str | None

    def __init__(
        self, message: str, *, body: Any = None, method: str | None = None, url: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.body = body
        self.method = method
        self.url = url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class APIStatusError(APIError):
    """The API answered with an error status (4xx or 5xx)."""

    status_code: int
    code: str | None
    request_id: str | None
    headers: dict[str, str]

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, body=body, method=method, url=url)
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.headers = redact_headers(headers or {})

    def __str__(self) -> str:
        head = f"{self.status_code} {self.code}" if self.code else str(self.status_code)
        tail = f" (request id: {self.request_id})" if self.request_id else ""
        return f"{head}: {self.message}{tail}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class BadRequestError(APIStatusError):
    """400: the request was rejected as invalid."""

    STATUS: ClassVar[int] = 400


class AuthenticationError(APIStatusError):
    """401: the API key is missing or wrong."""

    STATUS: ClassVar[int] = 401


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but may not do this (quota, deletion protection, ...)."""

    STATUS: ClassVar[int] = 403


class NotFoundError(APIStatusError):
    """404: no such assistant, file or operation."""

    STATUS: ClassVar[int] = 404


class ConflictError(APIStatusError):
    """409: the resource already exists or is changing."""

    STATUS: ClassVar[int] = 409


class UnprocessableEntityError(APIStatusError):
    """422: the body could not be processed (e.g. a negative ``top_k``)."""

    STATUS: ClassVar[int] = 422


class RateLimitError(APIStatusError):
    """429: too many requests; retried automatically before it reaches you."""

    STATUS: ClassVar[int] = 429


class InternalServerError(APIStatusError):
    """5xx: the service failed; retried automatically before it reaches you."""

    STATUS: ClassVar[int] = 500


class APIConnectionError(APIError):
    """No response was received (DNS failure, connection refused or reset, ...)."""

    def __init__(
        self, message: str = "Connection error.", *, method: str | None = None, url: str | None = None
    ) -> None:
        super().__init__(message, method=method, url=url)


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or pool)."""

    def __init__(
        self, message: str = "Request timed out.", *, method: str | None = None, url: str | None = None
    ) -> None:
        super().__init__(message, method=method, url=url)


class APIResponseValidationError(APIError):
    """A response that does not match the API description (missing field, wrong type, bad JSON)."""

    status_code: int | None
    request_id: str | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        body: Any = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, body=body, method=method, url=url)
        self.status_code = status_code
        self.request_id = request_id


class StreamError(APIError):
    """An error reported inside a stream (an ``{"error": ...}`` event) or a stream that broke."""

    code: str | None
    request_id: str | None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        request_id: str | None = None,
        body: Any = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, body=body, method=method, url=url)
        self.code = code
        self.request_id = request_id


class IncompleteStreamError(StreamError):
    """The stream ended before its final chunk; ``partial`` is the answer assembled so far."""

    partial: Any

    def __init__(self, message: str, *, partial: Any, request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.partial = partial


class ClientValidationError(AssistantError, ValueError):
    """Bad input found before sending; the message says what is wrong and how to fix it."""


class ProcessingFailedError(AssistantError):
    """A file, operation or assistant reached a failed state while being waited for.

    ``resource`` is the last model seen, ``status`` its status and ``error_message`` the service's reason.
    """

    resource: Any
    status: str
    error_message: str | None

    def __init__(self, message: str, *, resource: Any, status: str, error_message: str | None) -> None:
        super().__init__(message)
        self.resource = resource
        self.status = status
        self.error_message = error_message


class WaitTimeoutError(AssistantError, TimeoutError):
    """A wait for a state did not finish in time; ``resource`` is the last model seen."""

    resource: Any

    def __init__(self, message: str, *, resource: Any) -> None:
        super().__init__(message)
        self.resource = resource


class FinishReasonError(AssistantError):
    """The answer is not complete; ``answer`` is what was received."""

    finish_reason: str
    answer: Any

    def __init__(self, message: str, *, answer: Any, finish_reason: str) -> None:
        super().__init__(message)
        self.answer = answer
        self.finish_reason = finish_reason


class LengthFinishReasonError(FinishReasonError):
    """The answer was cut off at the token limit (``finish_reason == "length"``)."""

    def __init__(self, *, answer: Any) -> None:
        super().__init__(
            "The answer was cut off at the length limit (finish_reason 'length'); it is incomplete. "
            "Ask a narrower question or continue the conversation; the partial answer is on `.answer`.",
            answer=answer,
            finish_reason="length",
        )


class ContentFilterFinishReasonError(FinishReasonError):
    """The answer was stopped by a content filter (``finish_reason == "content_filter"``)."""

    def __init__(self, *, answer: Any) -> None:
        super().__init__(
            "The answer was stopped by the content filter (finish_reason 'content_filter'). "
            "The partial answer and its content_filter_results are on `.answer`.",
            answer=answer,
            finish_reason="content_filter",
        )


# --------------------------------------------------------------------------- mapping

_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    cls.STATUS: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        UnprocessableEntityError,
        RateLimitError,
    )
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for an HTTP error status."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


def _decode_body(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def parse_error_body(body: Any) -> tuple[str | None, str | None]:
    """``(code, message)`` from an error body in any of the forms the API uses.

    The envelope ``{"error": {"code", "message"}, "status"}``, evaluation's ``{"message"}``,
    and the common ``{"detail"}``/``{"description"}``; plain text is its own message.
    """
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code = error.get("code")
            message = error.get("message")
            return (
                code if isinstance(code, str) else None,
                message if isinstance(message, str) else None,
            )
        if isinstance(error, str):
            return None, error
        for key in ("message", "detail", "description"):
            value = body.get(key)
            if isinstance(value, str):
                return None, value
        return None, None
    if isinstance(body, str) and body.strip():
        text = body.strip()
        return None, text if len(text) <= MAX_ERROR_TEXT else text[:MAX_ERROR_TEXT] + "..."
    return None, None


def make_status_error(response: httpx.Response, *, body: bytes | None = None) -> APIStatusError:
    """The typed exception for an error response.

    ``body`` defaults to ``response.content``; a streamed response must be read first
    (``response.read()`` / ``await response.aread()``) or its bytes passed in.
    """
    import httpx

    if body is None:
        try:
            body = response.content
        except httpx.ResponseNotRead:
            body = b""
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:
        request = None
    secrets = secrets_of(request.headers) if request is not None else ()
    decoded = scrub(_decode_body(body), secrets)
    code, message = parse_error_body(decoded)
    if not message:
        message = response.reason_phrase or f"HTTP {response.status_code}"
    cls = status_error_class(response.status_code)
    return cls(
        message,
        status_code=response.status_code,
        code=code,
        request_id=request_id_of(response.headers),
        body=decoded,
        headers=dict(response.headers.items()),
        method=request.method if request is not None else None,
        url=_safe_url(request.url) if request is not None else None,
    )


def connection_error_from(exc: httpx.TransportError) -> APIConnectionError:
    """The typed exception for an httpx transport failure (raise it ``from exc``)."""
    import httpx

    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:
        request = None
    method = request.method if request is not None else None
    url = _safe_url(request.url) if request is not None else None
    secrets = secrets_of(request.headers) if request is not None else ()
    detail = scrub(str(exc), secrets) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"Request timed out: {detail}", method=method, url=url)
    return APIConnectionError(f"Connection error: {detail}", method=method, url=url)
