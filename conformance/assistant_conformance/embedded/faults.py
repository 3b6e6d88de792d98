"""Faults on request: a registry of named ways to make one request misbehave.

Faults only act when the app was created with ``faults=True``; otherwise the headers are ignored.

* ``X-Assistant-Fault: name[,name=param...]`` switches faults on for one request.
* ``X-Assistant-Fault-Count: N`` applies them to the first N requests that share a key and lets
  later ones through (for retry tests). The key is ``X-Assistant-Fault-Key``, else ``X-Request-Id``,
  else method + path + the fault header.

Each :class:`Fault` changes the endpoint in exactly one way, through one of its hooks:
``respond`` (answer instead of the handler), ``rewrite`` (change a JSON reply), ``events`` (change a
stream's chunks), ``frame`` (change how a chunk is written), ``chunk_delay`` or ``flags`` that the
handlers consult (skip a check). New faults are added with :func:`register`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from typing import Any

from .errors import (
    INVALID_ARGUMENT,
    RESOURCE_EXHAUSTED,
    TOO_MANY_REQUESTS,
    UNAVAILABLE,
    UNKNOWN,
    ApiError,
    bad_request,
)

HEADER = "x-assistant-fault"
COUNT_HEADER = "x-assistant-fault-count"
KEY_HEADER = "x-assistant-fault-key"

# Flags handlers consult.
SKIP_AUTH = "skip_auth"
IGNORE_FILTER = "ignore_filter"
ALLOW_EMPTY_CONTENT = "allow_empty_content"
ALLOW_JSON_RESPONSE_STREAM = "allow_json_response_stream"
ALLOW_EMPTY_REGION = "allow_empty_region"
LOOSE_QUERY_FLAGS = "loose_query_flags"

Event = dict[str, Any] | str  # a chunk payload, or a raw data string such as "[DONE]"


@dataclass
class Reply:
    """A JSON answer before it is written: faults may rewrite any part of it."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"


@dataclass(frozen=True)
class FaultContext:
    """What a fault hook knows about the request: the operation id, API version and fault parameter."""

    operation: str
    version: str
    param: str | None = None


@dataclass(frozen=True)
class Fault:
    name: str
    summary: str
    respond: Callable[[FaultContext], ApiError | None] | None = None
    rewrite: Callable[[FaultContext, Reply], Reply] | None = None
    events: Callable[[FaultContext, list[Event]], list[Event]] | None = None
    frame: Callable[[Event], bytes] | None = None
    chunk_delay: Callable[[FaultContext], float] | None = None
    flags: frozenset[str] = frozenset()


CATALOG: dict[str, Fault] = {}


def register(fault: Fault) -> Fault:
    """Add ``fault`` to the catalog (names are unique)."""
    if fault.name in CATALOG:
        raise ValueError(f"fault {fault.name!r} is registered twice")
    CATALOG[fault.name] = fault
    return fault


def sse_frame(event: Event) -> bytes:
    """The live framing: ``data: <json>`` and a blank line."""
    data = event if isinstance(event, str) else json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    return f"data: {data}\n\n".encode()


class ActiveFaults:
    """The faults switched on for one request."""

    def __init__(self, chosen: list[tuple[Fault, str | None]], operation: str, version: str) -> None:
        self._chosen = chosen
        self._operation = operation
        self.version = version

    def __bool__(self) -> bool:
        return bool(self._chosen)

    def _ctx(self, param: str | None) -> FaultContext:
        return FaultContext(self._operation, self.version, param)

    def flag(self, name: str) -> bool:
        return any(name in fault.flags for fault, _ in self._chosen)

    def respond(self) -> ApiError | None:
        for fault, param in self._chosen:
            if fault.respond is not None:
                error = fault.respond(self._ctx(param))
                if error is not None:
                    return error
        return None

    def rewrite(self, reply: Reply) -> Reply:
        for fault, param in self._chosen:
            if fault.rewrite is not None:
                reply = fault.rewrite(self._ctx(param), reply)
        return reply

    def events(self, events: list[Event]) -> list[Event]:
        for fault, param in self._chosen:
            if fault.events is not None:
                events = fault.events(self._ctx(param), events)
        return events

    def frame(self, event: Event) -> bytes:
        for fault, _ in self._chosen:
            if fault.frame is not None:
                return fault.frame(event)
        return sse_frame(event)

    def chunk_delay(self) -> float:
        delays = [f.chunk_delay(self._ctx(p)) for f, p in self._chosen if f.chunk_delay is not None]
        return max(delays, default=0.0)


NO_FAULTS = ActiveFaults([], "", "")


class FaultSwitch:
    """Reads the fault headers of requests, with the per-key counters of ``X-Assistant-Fault-Count``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._served: dict[str, int] = {}

    def select(
        self, headers: dict[str, str], method: str, path: str, operation: str, version: str
    ) -> ActiveFaults:
        raw = headers.get(HEADER)
        if not self.enabled or not raw or not raw.strip():
            return NO_FAULTS
        chosen: list[tuple[Fault, str | None]] = []
        for item in raw.split(","):
            name, _, param = item.strip().partition("=")
            if not name:
                continue
            fault = CATALOG.get(name)
            if fault is None:
                raise bad_request(
                    f"Unknown fault {name!r} in {HEADER}: known faults are {', '.join(sorted(CATALOG))}."
                )
            chosen.append((fault, param or None))
        count_text = headers.get(COUNT_HEADER)
        if count_text is not None:
            try:
                count = int(count_text)
            except ValueError:
                raise bad_request(f"{COUNT_HEADER} must be an integer, got {count_text!r}.") from None
            key = headers.get(KEY_HEADER) or headers.get("x-request-id") or f"{method} {path} {raw}"
            with self._lock:
                served = self._served.get(key, 0)
                self._served[key] = served + 1
            if served >= count:
                return NO_FAULTS
        return ActiveFaults(chosen, operation, version)


# --- Faults for client tests ---------------------------------------------------------------------


def _too_many(ctx: FaultContext, headers: dict[str, str]) -> ApiError:
    # 2025-10 has no TOO_MANY_REQUESTS code; its 429s carry RESOURCE_EXHAUSTED.
    code = RESOURCE_EXHAUSTED if ctx.version == "2025-10" else TOO_MANY_REQUESTS
    return ApiError(429, code, "Too many requests, try again later.", headers)


register(
    Fault(
        "rate_limit_seconds",
        "429 with `Retry-After: 1` (delta seconds)",
        respond=lambda ctx: _too_many(ctx, {"Retry-After": ctx.param or "1"}),
    )
)
register(
    Fault(
        "rate_limit_ms",
        "429 with `retry-after-ms: 500` and `Retry-After: 1`",
        respond=lambda ctx: _too_many(ctx, {"retry-after-ms": ctx.param or "500", "Retry-After": "1"}),
    )
)
register(
    Fault(
        "rate_limit_date",
        "429 with `Retry-After` as an HTTP-date one second ahead",
        respond=lambda ctx: _too_many(ctx, {"Retry-After": formatdate(time.time() + 1, usegmt=True)}),
    )
)
register(
    Fault(
        "server_error",
        "500 UNKNOWN envelope on any input, valid or not",
        respond=lambda ctx: ApiError(500, UNKNOWN, "Internal server error"),
    )
)
register(
    Fault(
        "unavailable",
        "503 UNAVAILABLE envelope",
        respond=lambda ctx: ApiError(503, UNAVAILABLE, "The service is temporarily unavailable."),
    )
)


def _is_end(event: Event) -> bool:
    if not isinstance(event, dict):
        return False
    if event.get("type") == "message_end":
        return True
    choices = event.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return False
    return choices[0].get("finish_reason") is not None


def _cut(ctx: FaultContext, events: list[Event]) -> list[Event]:
    body = [e for e in events if not _is_end(e)]
    return body[: max(1, (len(body) + 1) // 2)]


register(
    Fault(
        "cut_stream",
        "the stream stops half-way: no message_end / finish chunk",
        events=_cut,
    )
)
register(
    Fault(
        "slow_chunks",
        "waits between stream chunks (parameter: seconds, default 0.05)",
        chunk_delay=lambda ctx: float(ctx.param) if ctx.param else 0.05,
    )
)


def _unknown_chunk(ctx: FaultContext, events: list[Event]) -> list[Event]:
    if not events or not isinstance(events[0], dict):
        return events
    first = events[0]
    extra: dict[str, Any] = {
        "type": "tool_progress",
        "id": first.get("id"),
        "model": first.get("model"),
        "progress": {"step": 1},
    }
    if "type" not in first:  # chat completions chunk: an unknown `object` kind with no choices
        extra = {
            "id": first.get("id"),
            "model": first.get("model"),
            "object": "chat.completion.progress",
            "choices": [],
        }
    return [first, extra, *events[1:]]


register(
    Fault(
        "unknown_chunk",
        "an extra chunk of a kind no spec version defines, after the first chunk",
        events=_unknown_chunk,
    )
)

UNKNOWN_FINISH_REASON = "guardrail_intervened"


def _finish_in_events(ctx: FaultContext, events: list[Event]) -> list[Event]:
    out: list[Event] = []
    for event in events:
        if isinstance(event, dict) and event.get("type") == "message_end":
            out.append({**event, "finish_reason": UNKNOWN_FINISH_REASON})
        elif isinstance(event, dict) and _is_end(event):
            choices = [{**c, "finish_reason": UNKNOWN_FINISH_REASON} for c in event["choices"]]
            out.append({**event, "choices": choices})
        else:
            out.append(event)
    return out


def _finish_in_reply(ctx: FaultContext, reply: Reply) -> Reply:
    body = reply.body
    if not isinstance(body, dict):
        return reply
    if "finish_reason" in body:
        return replace(reply, body={**body, "finish_reason": UNKNOWN_FINISH_REASON})
    if isinstance(body.get("choices"), list):
        choices = [{**c, "finish_reason": UNKNOWN_FINISH_REASON} for c in body["choices"]]
        return replace(reply, body={**body, "choices": choices})
    return reply


register(
    Fault(
        "unknown_finish_reason",
        f"finish_reason {UNKNOWN_FINISH_REASON!r}, a value no spec version lists",
        rewrite=_finish_in_reply,
        events=_finish_in_events,
    )
)

# --- Faults for conformance self-tests: each makes the endpoint diverge from the spec in one way ----


def _ok(reply: Reply) -> bool:
    return 200 <= reply.status < 300


def _drop_usage(ctx: FaultContext, reply: Reply) -> Reply:
    if _ok(reply) and isinstance(reply.body, dict) and "usage" in reply.body:
        return replace(reply, body={k: v for k, v in reply.body.items() if k != "usage"})
    return reply


def _drop_usage_events(ctx: FaultContext, events: list[Event]) -> list[Event]:
    return [{k: v for k, v in e.items() if k != "usage"} if isinstance(e, dict) else e for e in events]


register(
    Fault(
        "missing_usage",
        "`usage` left out of chat, chat completion and context answers",
        rewrite=_drop_usage,
        events=_drop_usage_events,
    )
)


def _rename(ctx: FaultContext, reply: Reply) -> Reply:
    if _ok(reply) and isinstance(reply.body, dict) and "finish_reason" in reply.body:
        body = {("stop_reason" if k == "finish_reason" else k): v for k, v in reply.body.items()}
        return replace(reply, body=body)
    return reply


register(Fault("renamed_field", "chat's `finish_reason` is sent as `stop_reason`", rewrite=_rename))


def _retype(ctx: FaultContext, reply: Reply) -> Reply:
    body = reply.body
    if _ok(reply) and isinstance(body, dict) and isinstance(body.get("usage"), dict):
        usage = {**body["usage"], "total_tokens": str(body["usage"].get("total_tokens"))}
        return replace(reply, body={**body, "usage": usage})
    return reply


register(Fault("retyped_field", "`usage.total_tokens` is a string", rewrite=_retype))


def _drop_model(ctx: FaultContext, reply: Reply) -> Reply:
    if _ok(reply) and isinstance(reply.body, dict) and "model" in reply.body:
        return replace(reply, body={k: v for k, v in reply.body.items() if k != "model"})
    return reply


register(Fault("missing_model", "`model` left out of chat and chat completion answers", rewrite=_drop_model))


def _wrong_status(ctx: FaultContext, reply: Reply) -> Reply:
    return replace(reply, status=201) if reply.status == 200 else reply


register(Fault("wrong_status", "201 instead of 200 on successful JSON answers", rewrite=_wrong_status))


def _wrong_type(ctx: FaultContext, reply: Reply) -> Reply:
    return replace(reply, media_type="text/plain")


register(Fault("wrong_content_type", "JSON answers labelled text/plain", rewrite=_wrong_type))


def _error_rewrite(
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[FaultContext, Reply], Reply]:
    def rewrite(ctx: FaultContext, reply: Reply) -> Reply:
        body = reply.body
        if reply.status >= 400 and isinstance(body, dict) and isinstance(body.get("error"), dict):
            return replace(reply, body=change(body))
        return reply

    return rewrite


register(
    Fault(
        "wrong_error_code",
        "error envelopes carry code UNKNOWN (a declared code) whatever the status",
        rewrite=_error_rewrite(lambda b: {**b, "error": {**b["error"], "code": UNKNOWN}}),
    )
)
register(
    Fault(
        "undeclared_error_code",
        "error envelopes carry a code no spec version declares",
        rewrite=_error_rewrite(lambda b: {**b, "error": {**b["error"], "code": "RESOURCE_MISSING"}}),
    )
)
register(
    Fault(
        "envelope_status_mismatch",
        "the envelope's `status` differs from the HTTP status",
        rewrite=_error_rewrite(lambda b: {**b, "status": 200}),
    )
)


register(
    Fault(
        "flat_error_body",
        'errors answered as `{"message": ...}` without the envelope',
        rewrite=_error_rewrite(lambda b: {"message": b["error"].get("message", "")}),
    )
)


def _citations_out(ctx: FaultContext, reply: Reply) -> Reply:
    body = reply.body
    if _ok(reply) and isinstance(body, dict) and isinstance(body.get("citations"), list):
        length = len(body.get("message", {}).get("content", ""))
        cites = [{**c, "position": length + 10 + i} for i, c in enumerate(body["citations"])]
        return replace(reply, body={**body, "citations": cites})
    return reply


def _citations_out_events(ctx: FaultContext, events: list[Event]) -> list[Event]:
    total = sum(
        len(e["delta"].get("content", ""))
        for e in events
        if isinstance(e, dict) and isinstance(e.get("delta"), dict)
    )
    out: list[Event] = []
    for e in events:
        if isinstance(e, dict) and e.get("type") == "citation":
            out.append({**e, "citation": {**e["citation"], "position": total + 10}})
        else:
            out.append(e)
    return out


register(
    Fault(
        "citation_out_of_range",
        "citation positions point past the end of the answer text",
        rewrite=_citations_out,
        events=_citations_out_events,
    )
)


def _done(ctx: FaultContext, events: list[Event]) -> list[Event]:
    return [*events, "[DONE]"]


register(Fault("done_sentinel", "streams end with `data: [DONE]`", events=_done))


def _ndjson(event: Event) -> bytes:
    data = event if isinstance(event, str) else json.dumps(event, separators=(",", ":"))
    return f"{data}\n".encode()


register(Fault("ndjson_framing", "stream chunks written as bare JSON lines without `data:`", frame=_ndjson))


def _reorder(ctx: FaultContext, events: list[Event]) -> list[Event]:
    ends = [e for e in events if _is_end(e)]
    rest = [e for e in events if not _is_end(e)]
    return [*rest[:1], *ends, *rest[1:]]


register(Fault("reordered_chunks", "the final chunk arrives right after the first one", events=_reorder))

register(
    Fault(
        "filters_ignored", "metadata filters are accepted but not applied", flags=frozenset({IGNORE_FILTER})
    )
)
register(
    Fault(
        "json_response_stream_accepted",
        "json_response together with stream is not rejected",
        flags=frozenset({ALLOW_JSON_RESPONSE_STREAM}),
    )
)
register(
    Fault(
        "empty_content_accepted",
        "empty message content is not rejected",
        flags=frozenset({ALLOW_EMPTY_CONTENT}),
    )
)
register(
    Fault("missing_key_accepted", "requests without an API key are served", flags=frozenset({SKIP_AUTH}))
)
register(
    Fault(
        "empty_region_accepted",
        "an empty `region` on create is taken as the default region instead of a 400 (a pinned case)",
        flags=frozenset({ALLOW_EMPTY_REGION}),
    )
)
register(
    Fault(
        "loose_query_flags",
        "`true`/`false` query parameters are read case-blind (`FALSE` is accepted; a pinned case)",
        flags=frozenset({LOOSE_QUERY_FLAGS}),
    )
)


def _drop_location(ctx: FaultContext, reply: Reply) -> Reply:
    headers = {k: v for k, v in reply.headers.items() if k.lower() != "location"}
    return replace(reply, headers=headers) if len(headers) != len(reply.headers) else reply


register(
    Fault(
        "missing_location_header",
        "202 answers (uploads, upserts, deletions) come without their documented `Location` header",
        rewrite=_drop_location,
    )
)
register(
    Fault(
        "valid_input_unprocessable",
        "every request, valid or not, is refused with 422",
        respond=lambda ctx: ApiError(422, INVALID_ARGUMENT, "The request could not be processed."),
    )
)


# --- Faults that keep every payload valid but change what the answer says, or add to it -----------


def _rename_delta_text(choice: Any) -> Any:
    delta = choice.get("delta") if isinstance(choice, dict) else None
    if isinstance(delta, dict) and "content" in delta:
        return {**choice, "delta": {("text" if k == "content" else k): v for k, v in delta.items()}}
    return choice


def _completion_text_key(ctx: FaultContext, events: list[Event]) -> list[Event]:
    return [
        {**e, "choices": [_rename_delta_text(c) for c in e["choices"]]}
        if isinstance(e, dict) and "type" not in e and isinstance(e.get("choices"), list)
        else e
        for e in events
    ]


register(
    Fault(
        "completion_delta_renamed",
        "completion stream chunks carry their text under `delta.text` instead of `delta.content`",
        events=_completion_text_key,
    )
)


def _move_chunk_text(event: Event) -> Event:
    if (
        isinstance(event, dict)
        and event.get("type") == "content_chunk"
        and isinstance(event.get("delta"), dict)
    ):
        return {
            **event,
            "delta": {**event["delta"], "content": "", "text": event["delta"].get("content", "")},
        }
    return event


def _chat_text_moved(ctx: FaultContext, events: list[Event]) -> list[Event]:
    return [_move_chunk_text(e) for e in events]


register(
    Fault(
        "chat_text_moved",
        "chat stream `content_chunk` text moved from `delta.content` (left empty) to `delta.text`",
        events=_chat_text_moved,
    )
)


def _usage_off(usage: Any) -> Any:
    if isinstance(usage, dict) and isinstance(usage.get("total_tokens"), int):
        return {**usage, "total_tokens": usage["total_tokens"] + 1}
    return usage


def _usage_off_reply(ctx: FaultContext, reply: Reply) -> Reply:
    if _ok(reply) and isinstance(reply.body, dict) and "usage" in reply.body:
        return replace(reply, body={**reply.body, "usage": _usage_off(reply.body["usage"])})
    return reply


def _usage_off_events(ctx: FaultContext, events: list[Event]) -> list[Event]:
    return [
        {**e, "usage": _usage_off(e["usage"])} if isinstance(e, dict) and "usage" in e else e for e in events
    ]


register(
    Fault(
        "usage_total_not_sum",
        "`usage.total_tokens` is one more than `prompt_tokens + completion_tokens`",
        rewrite=_usage_off_reply,
        events=_usage_off_events,
    )
)

#: The field ``undocumented_chat_field`` adds to chat answers; no spec version declares it.
UNDOCUMENTED_CHAT_FIELD = "answer_language"


def _extra_chat_field(ctx: FaultContext, reply: Reply) -> Reply:
    if ctx.operation == "chat_assistant" and _ok(reply) and isinstance(reply.body, dict):
        return replace(reply, body={**reply.body, UNDOCUMENTED_CHAT_FIELD: "en"})
    return reply


register(
    Fault(
        "undocumented_chat_field",
        f"chat answers carry `{UNDOCUMENTED_CHAT_FIELD}`, a field no spec version declares (drift)",
        rewrite=_extra_chat_field,
    )
)


def _valid_answered_with(operation: str, error: ApiError) -> Callable[[FaultContext, Reply], Reply]:
    def rewrite(ctx: FaultContext, reply: Reply) -> Reply:
        if ctx.operation != operation or not 200 <= reply.status < 300:
            return reply
        return Reply(error.status, error.body())

    return rewrite


register(
    Fault(
        "valid_chat_404",
        "valid chat requests on an existing assistant are answered with a well-formed 404 envelope",
        rewrite=_valid_answered_with("chat_assistant", ApiError(404, "NOT_FOUND", "Assistant not found.")),
    )
)
register(
    Fault(
        "valid_context_400",
        "valid context requests are answered with a well-formed 400 INVALID_ARGUMENT envelope",
        rewrite=_valid_answered_with(
            "context_assistant", ApiError(400, INVALID_ARGUMENT, "The request is not valid.")
        ),
    )
)
