"""Custom conformance checks: what the spec says in prose and JSON Schema cannot express.

Each check is a plain function over (operation id, request body, HTTP status, content type, body
bytes) that raises :class:`AssertionError` on a violation and returns whether it examined anything.
:func:`register_schemathesis_checks` wraps them as schemathesis checks, so the schema suite runs
them on every response next to the built-in ones; the other suites call them directly.

The wrappers only act while a conformance run is active (:data:`ACTIVE`), so importing this module
never changes other schemathesis users in the same process.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pinecone_assistant.sse import SSEDecoder

from assistant_conformance.filter_grammar import evaluate

CHAT = "chat_assistant"
COMPLETIONS = "chat_completion_assistant"
CONTEXT = "context_assistant"
EVALUATION = "metrics_alignment"


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as the checks see them."""

    operation: str
    status: int
    content_type: str
    content: bytes
    request_body: Any = None
    #: Response headers as (name, value) pairs, when the caller kept them (drift looks at them).
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def is_stream(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() == "text/event-stream"

    @property
    def is_json(self) -> bool:
        return "json" in self.content_type.lower()

    def json(self) -> Any:
        return json.loads(self.content)


def sse_payloads(content: bytes) -> list[Any]:
    """The ``data`` of every server-sent event of a whole stream body, JSON-decoded when it is JSON.

    Decoding is the client's own :class:`pinecone_assistant.sse.SSEDecoder` (the project's one
    event-stream decoder). Data that is not JSON (``[DONE]``) is kept as a string.
    """
    decoder = SSEDecoder()
    payloads: list[Any] = []
    for event in [*decoder.feed(content), *decoder.flush()]:
        try:
            payloads.append(json.loads(event.data))
        except ValueError:
            payloads.append(event.data)
    return payloads


# --- the checks ----------------------------------------------------------------------------------


def envelope_status_matches_http(ex: Exchange) -> bool:
    """Error bodies use the envelope, and its ``status`` repeats the HTTP status."""
    if ex.status < 400 or ex.operation == EVALUATION or not ex.is_json or not ex.content:
        return False
    try:
        body = ex.json()
    except ValueError as exc:
        raise AssertionError(f"HTTP {ex.status} error body is not valid JSON: {exc}") from None
    if not isinstance(body, Mapping):
        raise AssertionError(f"HTTP {ex.status} error body is {type(body).__name__}, not the error envelope")
    if "status" not in body:
        raise AssertionError(f"HTTP {ex.status} error body has no 'status' (keys: {sorted(body)})")
    if body["status"] != ex.status:
        raise AssertionError(f"error envelope says status={body['status']!r}, HTTP status is {ex.status}")
    return True


#: Error codes each status may carry, after the status table of the API reference's errors page.
_CODES_BY_STATUS: dict[int, frozenset[str]] = {
    401: frozenset({"UNAUTHENTICATED"}),
    403: frozenset({"PERMISSION_DENIED", "FORBIDDEN", "QUOTA_EXCEEDED"}),
    404: frozenset({"NOT_FOUND"}),
    409: frozenset({"ALREADY_EXISTS", "ABORTED"}),
    429: frozenset({"TOO_MANY_REQUESTS", "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"}),
}
#: Codes that name a failure of the service; a 4xx answer must not carry them.
_SERVER_CODES = frozenset({"OK", "UNKNOWN", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "DEADLINE_EXCEEDED"})
#: Codes that blame the request; a 5xx answer must not carry them.
_CLIENT_CODES = frozenset({"OK", "INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS", "UNAUTHENTICATED"})


def error_code_matches_status(ex: Exchange) -> bool:
    """``error.code`` fits the HTTP status (401 UNAUTHENTICATED, 404 NOT_FOUND, no service code on a 4xx)."""
    if ex.status < 400 or ex.operation == EVALUATION or not ex.is_json or not ex.content:
        return False
    try:
        body = ex.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, Mapping) else None
    code = error.get("code") if isinstance(error, Mapping) else None
    if not isinstance(code, str):
        return False
    allowed = _CODES_BY_STATUS.get(ex.status)
    if allowed is not None and code not in allowed:
        raise AssertionError(
            f"HTTP {ex.status} carries error code {code!r}; expected one of {sorted(allowed)}"
        )
    if ex.status < 500 and code in _SERVER_CODES:
        raise AssertionError(f"HTTP {ex.status} (a client error) carries the service-failure code {code!r}")
    if ex.status >= 500 and code in _CLIENT_CODES:
        raise AssertionError(f"HTTP {ex.status} (a service failure) carries the client-error code {code!r}")
    return True


def _chat_chunk_order(payloads: list[Any]) -> None:
    if not payloads:
        raise AssertionError("the stream carried no events (is every chunk framed as `data: <json>`?)")
    non_objects = [p for p in payloads if not isinstance(p, Mapping)]
    if non_objects:
        raise AssertionError(f"stream event data is not a JSON object: {str(non_objects[0])[:80]!r}")
    kinds = [p.get("type") for p in payloads]
    if kinds[0] != "message_start":
        raise AssertionError(f"first chunk is {kinds[0]!r}, expected 'message_start' (kinds: {kinds[:6]})")
    if kinds[-1] != "message_end":
        raise AssertionError(f"last chunk is {kinds[-1]!r}, expected 'message_end' (kinds: {kinds[-6:]})")
    if kinds.count("message_start") != 1 or kinds.count("message_end") != 1:
        raise AssertionError(
            f"expected one message_start and one message_end, got {kinds.count('message_start')} "
            f"and {kinds.count('message_end')}"
        )
    if not payloads[-1].get("finish_reason"):
        raise AssertionError("message_end carries no finish_reason")
    ids = {p.get("id") for p in payloads if p.get("id") is not None}
    if len(ids) > 1:
        raise AssertionError(f"chunks of one stream carry different ids: {sorted(map(str, ids))[:3]}")


def _completion_chunk_order(payloads: list[Any]) -> None:
    if not payloads:
        raise AssertionError("the stream carried no events (is every chunk framed as `data: <json>`?)")
    non_objects = [p for p in payloads if not isinstance(p, Mapping)]
    if non_objects:
        raise AssertionError(
            f"stream event data is not a JSON object: {str(non_objects[0])[:80]!r} "
            "(the stream ends when the connection closes; no sentinel is documented)"
        )

    def choices(p: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return [c for c in (p.get("choices") or []) if isinstance(c, Mapping)]

    first = choices(payloads[0])
    if not first or not isinstance(first[0].get("delta"), Mapping) or not first[0]["delta"].get("role"):
        raise AssertionError("the first completion chunk does not carry delta.role")
    last = choices(payloads[-1])
    if not last or last[0].get("finish_reason") is None:
        raise AssertionError("the last completion chunk does not carry a finish_reason")
    for index, payload in enumerate(payloads[:-1]):
        if any(c.get("finish_reason") is not None for c in choices(payload)):
            raise AssertionError(f"chunk #{index} carries a finish_reason but is not the last chunk")
    ids = {p.get("id") for p in payloads if p.get("id") is not None}
    if len(ids) > 1:
        raise AssertionError(f"chunks of one stream carry different ids: {sorted(map(str, ids))[:3]}")


def stream_chunk_order(ex: Exchange) -> bool:
    """Chat: message_start first, message_end (with finish_reason) last; completions: role first,
    finish_reason last and only there; one id per stream."""
    if ex.operation not in {CHAT, COMPLETIONS} or ex.status != 200:
        return False
    body = ex.request_body if isinstance(ex.request_body, Mapping) else {}
    if not ex.is_stream:
        if body.get("stream") is True:
            raise AssertionError(f"stream=true was answered with {ex.content_type or 'no content type'}")
        return False
    payloads = sse_payloads(ex.content)
    if ex.operation == CHAT:
        _chat_chunk_order(payloads)
    else:
        _completion_chunk_order(payloads)
    return True


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def citation_positions_within_answer(ex: Exchange) -> bool:
    """Every citation position lies within the answer text (streams: within the text received so far)."""
    if ex.operation != CHAT or ex.status != 200:
        return False
    examined = False
    if ex.is_stream:
        text = ""
        for index, payload in enumerate(sse_payloads(ex.content)):
            if not isinstance(payload, Mapping):
                continue
            if payload.get("type") == "content_chunk" and isinstance(payload.get("delta"), Mapping):
                text += str(payload["delta"].get("content") or "")
            elif payload.get("type") == "citation" and isinstance(payload.get("citation"), Mapping):
                position = payload["citation"].get("position")
                examined = True
                limit = max(len(text), _utf16_len(text))
                if not isinstance(position, int) or not 0 <= position <= limit:
                    raise AssertionError(
                        f"citation in event #{index} has position {position!r}, but only {len(text)} "
                        "characters of answer text came before it"
                    )
        return examined
    if not ex.is_json:
        return False
    body = ex.json()
    if not isinstance(body, Mapping):
        return False
    text = str((body.get("message") or {}).get("content") or "")
    limit = max(len(text), _utf16_len(text))
    for index, citation in enumerate(body.get("citations") or []):
        if not isinstance(citation, Mapping):
            continue
        examined = True
        position = citation.get("position")
        if not isinstance(position, int) or not 0 <= position <= limit:
            raise AssertionError(
                f"citations[{index}].position is {position!r}, outside the answer of {len(text)} characters"
            )
    return examined


def cited_files(ex: Exchange) -> list[Mapping[str, Any]]:
    """The file objects a chat answer (JSON or stream) or a context answer refers to."""
    files: list[Mapping[str, Any]] = []

    def from_references(references: Any) -> None:
        for reference in references or []:
            if isinstance(reference, Mapping) and isinstance(reference.get("file"), Mapping):
                files.append(reference["file"])

    if ex.status != 200:
        return files
    if ex.operation == CHAT and ex.is_stream:
        for payload in sse_payloads(ex.content):
            if isinstance(payload, Mapping) and payload.get("type") == "citation":
                from_references((payload.get("citation") or {}).get("references"))
    elif ex.operation == CHAT and ex.is_json:
        body = ex.json()
        for citation in (body.get("citations") or []) if isinstance(body, Mapping) else []:
            if isinstance(citation, Mapping):
                from_references(citation.get("references"))
    elif ex.operation == CONTEXT and ex.is_json:
        body = ex.json()
        for snippet in (body.get("snippets") or []) if isinstance(body, Mapping) else []:
            if isinstance(snippet, Mapping) and isinstance(snippet.get("reference"), Mapping):
                from_references([snippet["reference"]])
    return files


def filtered_results_match_filter(ex: Exchange) -> bool:
    """With a metadata filter, every cited or returned file has metadata matching it."""
    if ex.operation not in {CHAT, CONTEXT} or ex.status != 200:
        return False
    body = ex.request_body if isinstance(ex.request_body, Mapping) else {}
    spec = body.get("filter")
    if not isinstance(spec, Mapping) or not spec:
        return False
    files = cited_files(ex)
    if not files:
        return False
    for file in files:
        try:
            verdict = evaluate(spec, file.get("metadata"))
        except (ValueError, TypeError, AttributeError, KeyError):
            return False  # not a filter the reference grammar covers
        if verdict is False:
            raise AssertionError(
                f"file {file.get('name')!r} with metadata {file.get('metadata')!r} does not match "
                f"the request filter {json.dumps(spec)}"
            )
    return True


def json_response_is_json(ex: Exchange) -> bool:
    """With ``json_response: true`` the answer text parses as JSON, and streaming is refused."""
    if ex.operation != CHAT:
        return False
    body = ex.request_body if isinstance(ex.request_body, Mapping) else {}
    if body.get("json_response") is not True:
        return False
    if body.get("stream") is True:
        if 200 <= ex.status < 300:
            raise AssertionError(
                f"json_response together with stream was answered {ex.status}; "
                "the spec says they cannot be combined"
            )
        return True
    if ex.status != 200 or not ex.is_json:
        return False
    answer = (ex.json().get("message") or {}).get("content")
    if not isinstance(answer, str):
        raise AssertionError(f"json_response answer has no text content: {answer!r:.120}")
    try:
        json.loads(answer)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"json_response answer is not JSON ({exc}): {str(answer)[:120]!r}") from None
    return True


CUSTOM_CHECKS: dict[str, Callable[[Exchange], bool]] = {
    "envelope_status_matches_http": envelope_status_matches_http,
    "error_code_matches_status": error_code_matches_status,
    "stream_chunk_order": stream_chunk_order,
    "citation_positions_within_answer": citation_positions_within_answer,
    "filtered_results_match_filter": filtered_results_match_filter,
    "json_response_is_json": json_response_is_json,
}


# --- run-time context shared with schemathesis ---------------------------------------------------


@dataclass
class ActiveRun:
    """What the schemathesis-wrapped checks report to during one schema-suite run.

    ``guard``, when set, sees every case just before schemathesis sends it and may rewrite it
    (see :class:`assistant_conformance.suites.schema.Guard`).
    """

    examined: Counter[tuple[str, str]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    guard: Callable[[Any], None] | None = None

    def note(self, operation: str, check: str) -> None:
        with self.lock:
            self.examined[(operation, check)] += 1


ACTIVE: ActiveRun | None = None


def operation_id_of(case: Any) -> str:
    operation = case.operation
    raw = getattr(getattr(operation, "definition", None), "raw", None)
    if isinstance(raw, Mapping) and raw.get("operationId"):
        return str(raw["operationId"])
    return str(operation.label)


def exchange_from_schemathesis(response: Any, case: Any) -> Exchange:
    content_type = (response.headers.get("content-type") or [""])[0]
    body = case.body if isinstance(case.body, Mapping) else None
    return Exchange(operation_id_of(case), response.status_code, content_type, response.content or b"", body)


_REGISTERED: set[str] = set()


def register_schemathesis_checks() -> None:
    """Register every custom check with schemathesis (once per process)."""
    import schemathesis

    for name, func in CUSTOM_CHECKS.items():
        if name not in _REGISTERED:
            schemathesis.check(_wrap(name, func))
            _REGISTERED.add(name)
    if "before_call" not in _REGISTERED:
        schemathesis.hook("before_call")(_before_call)
        _REGISTERED.add("before_call")


def _before_call(ctx: Any, case: Any, kwargs: Any) -> None:
    run = ACTIVE
    if run is not None and run.guard is not None:
        run.guard(case)


def _wrap(name: str, func: Callable[[Exchange], bool]) -> Callable[[Any, Any, Any], None]:
    def wrapper(ctx: Any, response: Any, case: Any) -> None:
        run = ACTIVE
        if run is None:
            return
        ex = exchange_from_schemathesis(response, case)
        if func(ex):
            run.note(ex.operation, name)

    wrapper.__name__ = name
    wrapper.__qualname__ = name
    wrapper.__doc__ = func.__doc__
    return wrapper
