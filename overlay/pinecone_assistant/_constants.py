"""Every constant of the client in one place: API version, hosts, timeouts, retry defaults."""

from __future__ import annotations

from typing import Final

#: The API version this client speaks; sent as ``X-Pinecone-Api-Version``.
#: Must equal the version ``generated/`` was built from (checked by the tests against generated/stats.yml).
API_VERSION: Final = "2026-07"
API_VERSION_HEADER: Final = "X-Pinecone-Api-Version"
API_KEY_HEADER: Final = "Api-Key"
API_KEY_ENV: Final = "PINECONE_API_KEY"
#: Overrides of the control and evaluation hosts (the names the official SDK reads).
CONTROL_HOST_ENV: Final = "PINECONE_PLUGIN_ASSISTANT_CONTROL_HOST"
EVALUATION_HOST_ENV: Final = "PINECONE_PLUGIN_ASSISTANT_DATA_HOST"

#: Control plane (assistants). Paths in the spec are relative to ``<host>/assistant``.
CONTROL_HOST: Final = "https://api.pinecone.io"
#: Evaluation plane (alignment metrics), US region.
EVALUATION_HOST: Final = "https://prod-1-data.ke.pinecone.io"
#: Evaluation plane, EU region.
EVALUATION_HOST_EU: Final = "https://prod-eu-data.ke.pinecone.io"
#: Every plane serves the Assistant API under this prefix.
PATH_PREFIX: Final = "/assistant"

#: Headers whose values are secrets: never logged, shown in a repr or kept in an exception.
SENSITIVE_HEADERS: Final = frozenset(
    {"api-key", "authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie"}
)
REDACTED: Final = "[REDACTED]"

#: Response headers that carry the request id, in order of preference.
REQUEST_ID_HEADERS: Final = ("x-pinecone-request-id", "x-request-id")

#: Chat answers can take a while to start; connecting should not.
#: Plain numbers, so that importing the package does not load httpx (the client builds the
#: ``httpx.Timeout`` and ``httpx.Limits`` with its http client, on the first request).
DEFAULT_TIMEOUT: Final = 300.0
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
MAX_CONNECTIONS: Final = 100
MAX_KEEPALIVE_CONNECTIONS: Final = 20

# Retries (see retries.RetryPolicy).
DEFAULT_MAX_RETRIES: Final = 2
INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
#: A Retry-After longer than this is not waited for: the error is raised at once.
MAX_RETRY_AFTER: Final = 60.0
RETRYABLE_STATUSES: Final = frozenset({408, 409, 429, *range(500, 600)})

#: How much of a non-JSON error body is kept in an exception message.
MAX_ERROR_TEXT: Final = 500

# Request limits checked before sending (see chat.py, context.py, assistants.py).
ASSISTANT_NAME_PATTERN: Final = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
ASSISTANT_NAME_MAX_LENGTH: Final = 63
FILE_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,128}$"
MESSAGE_ROLES: Final = ("user", "assistant")
TOP_K_RANGE: Final = (1, 64)
SNIPPET_SIZE_RANGE: Final = (512, 8192)

# Waiting for assistants, files and operations (seconds).
DEFAULT_POLL_INTERVAL: Final = 1.0
DEFAULT_WAIT_TIMEOUT: Final = 300.0

#: ``response.extensions`` key: how many retries the response took.
RETRIES_TAKEN_EXTENSION: Final = "retries_taken"
#: ``response.extensions`` key: ``time.perf_counter()`` when its request was last sent.
SENT_AT_EXTENSION: Final = "sent_at"
#: Logging of requests: ``PINECONE_LOG=info`` (one line per attempt) or ``debug`` (also headers, redacted).
LOG_ENV: Final = "PINECONE_LOG"
LOG_LEVELS: Final = ("info", "debug")
