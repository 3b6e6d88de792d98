"""The error envelope of the Assistant API, and the exceptions that produce it.

Data and control planes answer ``{"error": {"code", "message"}, "status"}``; the evaluation plane
answers ``{"message"}``. Status choices follow the live service (see docs/embedded.md):

* 400 INVALID_ARGUMENT: malformed JSON, a body that is not a JSON object or lacks
  ``Content-Type: application/json``, a missing field or one of the wrong type, empty message
  content, unknown model, bad filter, ``json_response`` with ``stream``, values outside documented
  ranges, unknown API version.
* 400 ALREADY_EXISTS: an assistant with that name exists. The spec documents no 409 for
  create_assistant, and the 429 the published reference lists for this case would make clients retry
  a request that can never succeed.
* 401 UNAUTHENTICATED: missing or rejected key.
* 404 NOT_FOUND: unknown assistant, file, operation or path.
* 422 INVALID_ARGUMENT: negative ``top_k``/``snippet_size`` (the service reads them as unsigned).
* 429 TOO_MANY_REQUESTS (RESOURCE_EXHAUSTED under 2025-10, whose codes lack the former): only from
  fault injection.
"""

from __future__ import annotations

from typing import Any

INVALID_ARGUMENT = "INVALID_ARGUMENT"
UNAUTHENTICATED = "UNAUTHENTICATED"
NOT_FOUND = "NOT_FOUND"
ALREADY_EXISTS = "ALREADY_EXISTS"
TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
UNKNOWN = "UNKNOWN"
UNAVAILABLE = "UNAVAILABLE"


class ApiError(Exception):
    """An error answer: HTTP status, envelope code and a message that says how to fix the request."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The standard envelope."""
        return envelope(self.status, self.code, self.message)


class EvaluationError(ApiError):
    """An error of the evaluation plane, whose body is only ``{"message": ...}``."""

    def body(self) -> dict[str, Any]:
        return {"message": self.message}


def envelope(status: int, code: str, message: str) -> dict[str, Any]:
    """``{"error": {"code", "message"}, "status"}``."""
    return {"error": {"code": code, "message": message}, "status": status}


def bad_request(message: str) -> ApiError:
    return ApiError(400, INVALID_ARGUMENT, message)


def unprocessable(message: str) -> ApiError:
    return ApiError(422, INVALID_ARGUMENT, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, NOT_FOUND, message)


def unauthenticated(message: str) -> ApiError:
    return ApiError(401, UNAUTHENTICATED, message)


def already_exists(message: str) -> ApiError:
    return ApiError(400, ALREADY_EXISTS, message)
