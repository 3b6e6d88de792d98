"""The Starlette application: routes of all three planes under ``/assistant``, and the request pipeline.

Pipeline of every API request: read fault headers (when enabled) → check the API key → resolve the
API version → let faults answer instead → run the handler → let faults rewrite the answer → write it
as JSON or as an event stream.
"""

from __future__ import annotations

import hmac
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import chat, control, evaluation, files, streaming, versions
from .answer import DEFAULT_MAX_OUTPUT_TOKENS
from .errors import INVALID_ARGUMENT, NOT_FOUND, UNKNOWN, ApiError, EvaluationError, envelope, unauthenticated
from .faults import SKIP_AUTH, Reply
from .runtime import ASSISTANT_READY_SECONDS, FILE_PROCESSING_SECONDS, Call, Runtime, Settings, StreamHook
from .store import Store
from .uploads import BODY_TIMEOUT_SECONDS, MAX_FILE_BYTES, MAX_JSON_BYTES, MAX_PDF_BYTES, Limits

log = logging.getLogger("assistant_conformance.embedded")

Handler = Callable[[Call], Awaitable[Any]]
MISSING_KEY = "Missing API key: send it in the Api-Key header (or as Authorization: Bearer <key>)."


def _api_key(request: Request) -> str | None:
    key = request.headers.get("api-key")
    if key:
        return key.strip()
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _authenticate(runtime: Runtime, request: Request) -> None:
    key = _api_key(request)
    if not key:
        raise unauthenticated(MISSING_KEY)
    if not key.isascii() or not key.isprintable():
        raise unauthenticated(
            "Invalid API key: it holds a character that is not printable ASCII; copy the key again."
        )
    accepted = runtime.settings.api_keys
    if accepted is not None and not any(hmac.compare_digest(key.encode(), k.encode()) for k in accepted):
        raise unauthenticated("Invalid API key.")


def render(reply: Reply) -> Response:
    if reply.body is None:
        return Response(b"", status_code=reply.status, headers=reply.headers)
    content = json.dumps(reply.body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, status_code=reply.status, headers=reply.headers, media_type=reply.media_type)


def endpoint(
    operation: str, handler: Handler, *, evaluation_plane: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap ``handler`` (operation id ``operation``) in the request pipeline."""

    async def serve(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        active = None
        try:
            raw_version = request.headers.get(versions.HEADER)
            active = runtime.faults.select(
                dict(request.headers), request.method, request.url.path, operation, raw_version or ""
            )
            if not active.flag(SKIP_AUTH):
                _authenticate(runtime, request)
            version = versions.resolve(raw_version)
            if active:
                active.version = version
            refused = active.respond()
            if refused is not None:
                raise refused
            call = Call(request, runtime, operation, version, active, version_sent=bool(raw_version))
            result = await handler(call)
            if isinstance(result, streaming.StreamReply):
                return streaming.respond(result.events, active, runtime.settings.stream_hook)
            reply = result
        except ClientDisconnect:
            # Nobody is left to read an answer; this one only ends the request.
            return Response(b"", status_code=400)
        except ApiError as error:
            if evaluation_plane and not isinstance(error, EvaluationError):
                error = EvaluationError(error.status, error.code, error.message, error.headers)
            reply = Reply(error.status, error.body(), error.headers)
        if active:
            reply = active.rewrite(reply)
        return render(reply)

    serve.__name__ = operation
    return serve


ONLY_2026_04 = frozenset({"upsert_file", "list_operations", "describe_operation"})


def _methods_for(request: Request) -> list[str]:
    """Every method some route accepts on the request's path in the requested API version."""
    explicit = request.headers.get(versions.HEADER, "").strip()
    old = versions.SERVED.get(explicit) == versions.V2025_10
    methods: set[str] = set()
    for route in request.app.routes:
        if not (isinstance(route, Route) and route.path_regex.match(request.url.path) and route.methods):
            continue
        if old and route.name in ONLY_2026_04:
            continue
        methods |= route.methods
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
    return [m for m in order if m in methods]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"No such path: {request.method} {request.url.path}. Paths start with /assistant/."
        return render(Reply(404, envelope(404, NOT_FOUND, message)))
    if exc.status_code == 405:
        allowed = _methods_for(request)
        message = f"Method {request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}."
        return render(Reply(405, envelope(405, INVALID_ARGUMENT, message), {"Allow": ", ".join(allowed)}))
    status = exc.status_code if 400 <= exc.status_code < 500 else 400
    return render(Reply(status, envelope(status, INVALID_ARGUMENT, str(exc.detail))))


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return render(Reply(exc.status, exc.body(), exc.headers))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return render(Reply(500, envelope(500, UNKNOWN, "Internal server error")))


class RequestIdMiddleware:
    """Gives every response an ``x-pinecone-request-id`` header, as the service does (streams too)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-pinecone-request-id" for name, _ in headers):
                    headers.append((b"x-pinecone-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_id)


def create_app(
    *,
    data_dir: str | Path | None = None,
    api_keys: list[str] | tuple[str, ...] | None = None,
    faults: bool = False,
    public_url: str | None = None,
    assistant_ready_seconds: float = ASSISTANT_READY_SECONDS,
    file_processing_seconds: float = FILE_PROCESSING_SECONDS,
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
    stream_hook: StreamHook | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_pdf_bytes: int = MAX_PDF_BYTES,
    max_json_bytes: int = MAX_JSON_BYTES,
    body_timeout_seconds: float = BODY_TIMEOUT_SECONDS,
) -> Starlette:
    """A local Pinecone Assistant.

    * ``data_dir``: keep state in SQLite there (default: in memory).
    * ``api_keys``: accept only these keys (default: any non-empty key).
    * ``faults``: honour the ``X-Assistant-Fault`` headers (see :mod:`.faults`).
    * ``public_url``: the ``host`` given to clients (default: the URL each request came in on).
    * ``assistant_ready_seconds`` / ``file_processing_seconds``: how long new assistants stay
      Initializing (0.5 s) and new files at least Processing (1 s), so that clients' wait loops run;
      0 for fast tests: Ready on the first describe, files processed before the upload answers.
    * ``max_output_tokens``: answer length cap; hitting it gives ``finish_reason`` ``length``.
    * ``stream_hook``: awaited before each stream chunk after the first, with the chunk's index.
    * ``max_file_bytes`` / ``max_pdf_bytes``: upload limits (10 MB, 100 MB for PDFs; 413 above).
    * ``max_json_bytes``: JSON body limit (2 MB; 413 above).
    * ``body_timeout_seconds``: longest wait for the next piece of a request body (30 s; 408 after).
    """
    for key in api_keys or ():
        if not key or not key.isascii() or not key.isprintable():
            raise ValueError("API keys must be non-empty printable ASCII (as the service's keys are).")
    settings = Settings(
        api_keys=frozenset(api_keys) if api_keys else None,
        faults=faults,
        public_url=public_url,
        assistant_ready_seconds=assistant_ready_seconds,
        file_processing_seconds=file_processing_seconds,
        max_output_tokens=max_output_tokens,
        stream_hook=stream_hook,
        limits=Limits(max_file_bytes, max_pdf_bytes, max_json_bytes, body_timeout_seconds),
    )
    store = Store(data_dir)
    runtime = Runtime(settings, store)

    def route(path: str, method: str, operation: str, handler: Handler, **kw: bool) -> Route:
        return Route(f"/assistant{path}", endpoint(operation, handler, **kw), methods=[method])

    routes = [
        route("/assistants", "GET", "list_assistants", control.list_assistants),
        route("/assistants", "POST", "create_assistant", control.create_assistant),
        route("/assistants/{assistant_name}", "GET", "get_assistant", control.get_assistant),
        route("/assistants/{assistant_name}", "PATCH", "update_assistant", control.update_assistant),
        route("/assistants/{assistant_name}", "DELETE", "delete_assistant", control.delete_assistant),
        route("/files/{assistant_name}", "GET", "list_files", files.list_files),
        route("/files/{assistant_name}", "POST", "upload_file", files.upload_file),
        route("/files/{assistant_name}/{assistant_file_id}", "GET", "describe_file", files.describe_file),
        route("/files/{assistant_name}/{assistant_file_id}", "PUT", "upsert_file", files.upsert_file),
        route("/files/{assistant_name}/{assistant_file_id}", "DELETE", "delete_file", files.delete_file),
        route("/operations/{assistant_name}", "GET", "list_operations", files.list_operations),
        route(
            "/operations/{assistant_name}/{operation_id}",
            "GET",
            "describe_operation",
            files.describe_operation,
        ),
        route("/chat/{assistant_name}", "POST", "chat_assistant", chat.chat_assistant),
        route(
            "/chat/{assistant_name}/chat/completions",
            "POST",
            "chat_completion_assistant",
            chat.chat_completion_assistant,
        ),
        route("/chat/{assistant_name}/context", "POST", "context_assistant", chat.context_assistant),
        route(
            "/evaluation/metrics/alignment",
            "POST",
            "metrics_alignment",
            evaluation.metrics_alignment,
            evaluation_plane=True,
        ),
        Route("/_signed/files/{assistant_name}/{assistant_file_id}", files.signed_file, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, ApiError: _api_error, Exception: _unexpected},
        middleware=[Middleware(RequestIdMiddleware)],
    )
    app.state.runtime = runtime
    app.state.store = store
    return app
