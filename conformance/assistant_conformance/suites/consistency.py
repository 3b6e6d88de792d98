"""Stream and whole: a streamed answer says what the non-streamed answer says.

For both chat kinds (``chat``: ``chat_assistant``; ``completion``: ``chat_completion_assistant``) and a
few questions, the suite sends the same request twice with its own HTTP client, streamed and not, and
judges the raw exchanges. Streams are decoded with :func:`assistant_conformance.checks.sse_payloads`,
never through the client under test, so a stream the client would misread is still judged.

Invariants, judged on every target and on both answers of a pair:

* ``<kind>.text_present_when_stopped``: an answer that finished with ``stop`` after generating
  tokens (``usage.completion_tokens > 0``) has non-empty text;
* ``<kind>.usage_adds_up``: ``usage.total_tokens`` is ``prompt_tokens + completion_tokens``;
* ``chat.citations_within_text``: every citation position lies within the whole answer text;
* ``<kind>.chunk_order``: the chunk kinds arrive in the documented order (chat: ``message_start``,
  then content and citation chunks, then ``message_end``; completions: the role first, the
  finish reason on the last chunk only).

Equality, judged where the target's answers are reproducible (the embedded endpoint); elsewhere
reported as not exercised, with the reason:

* ``<kind>.stream_text_equals_whole``, ``chat.stream_citations_equal_whole``,
  ``<kind>.stream_finish_reason_equals_whole``, ``<kind>.stream_usage_equals_whole``.

``<kind>.both_answered`` fails when the target does not answer the pair with 200, the stream as
``text/event-stream``; nothing else is judged for that pair.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant_conformance.checks import CHAT, COMPLETIONS, Exchange, sse_payloads
from assistant_conformance.context import NotRecordedError, RunContext
from assistant_conformance.fixtures import COMMON_QUERY
from assistant_conformance.redact import curl_command
from assistant_conformance.results import CheckCollector, Reproduction, SuiteResult

SUITE = "consistency"
KINDS = {"chat": CHAT, "completion": COMPLETIONS}
#: (question, extra body fields per kind): the second one asks chat for highlights too.
QUESTIONS: tuple[tuple[str, dict[str, dict[str, Any]]], ...] = (
    (COMMON_QUERY, {}),
    (
        "Which files mention the harbour, and what do they say about it?",
        {"chat": {"include_highlights": True}},
    ),
)
INVARIANTS = ("text_present_when_stopped", "usage_adds_up", "chunk_order")
EQUALITIES = ("stream_text_equals_whole", "stream_finish_reason_equals_whole", "stream_usage_equals_whole")
NOT_REPRODUCIBLE = (
    "the target's answers are not reproducible (a model answers each request anew), so streamed and "
    "whole answers are not compared; the invariants still are"
)


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


@dataclass
class Answer:
    """What one answer says, read from the raw body: text, citations, finish reason, usage."""

    text: str
    finish_reason: Any
    usage: Any
    citations: list[tuple[Any, tuple[Any, ...]]] = field(default_factory=list)
    #: Problems with the order of the stream's chunks (streams only).
    order_problem: str | None = None


def _citation(raw: Any) -> tuple[Any, tuple[Any, ...]]:
    citation = raw if isinstance(raw, Mapping) else {}
    refs = []
    for ref in citation.get("references") or []:
        if not isinstance(ref, Mapping):
            continue
        file = _mapping(ref.get("file"))
        highlight = _mapping(ref.get("highlight"))
        refs.append((file.get("id"), tuple(ref.get("pages") or ()), highlight.get("content")))
    return citation.get("position"), tuple(refs)


def chat_whole(body: Any) -> Answer:
    body = body if isinstance(body, Mapping) else {}
    message = _mapping(body.get("message"))
    content = message.get("content")
    return Answer(
        text=content if isinstance(content, str) else "",
        finish_reason=body.get("finish_reason"),
        usage=body.get("usage"),
        citations=[_citation(c) for c in body.get("citations") or []],
    )


def chat_order_problem(payloads: list[Any]) -> str | None:
    """Why the chunk kinds of a chat stream are out of the documented order, or None."""
    if not payloads:
        return "the stream carried no events"
    if not all(isinstance(p, Mapping) for p in payloads):
        return "an event's data is not a JSON object"
    kinds = [p.get("type") for p in payloads]
    if kinds[0] != "message_start":
        return f"the first chunk is {kinds[0]!r}, not 'message_start'"
    if kinds[-1] != "message_end":
        return f"the last chunk is {kinds[-1]!r}, not 'message_end'"
    if kinds.count("message_start") != 1 or kinds.count("message_end") != 1:
        starts, ends = kinds.count("message_start"), kinds.count("message_end")
        return f"{starts} message_start and {ends} message_end chunks, expected one of each"
    return None


def chat_stream(payloads: list[Any]) -> Answer:
    answer = Answer(text="", finish_reason=None, usage=None, order_problem=chat_order_problem(payloads))
    for payload in payloads:
        if not isinstance(payload, Mapping):
            continue
        kind = payload.get("type")
        if kind == "content_chunk" and isinstance(payload.get("delta"), Mapping):
            content = payload["delta"].get("content")
            answer.text += content if isinstance(content, str) else ""
        elif kind == "citation":
            answer.citations.append(_citation(payload.get("citation")))
        elif kind == "message_end":
            answer.finish_reason = payload.get("finish_reason")
            answer.usage = payload.get("usage")
    return answer


def _first_choice(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    choices = payload.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
        return choices[0]
    return {}


def completion_whole(body: Any) -> Answer:
    body = body if isinstance(body, Mapping) else {}
    choice = _first_choice(body)
    message = _mapping(choice.get("message"))
    content = message.get("content")
    return Answer(
        text=content if isinstance(content, str) else "",
        finish_reason=choice.get("finish_reason"),
        usage=body.get("usage"),
    )


def completion_order_problem(payloads: list[Any]) -> str | None:
    """Why the chunks of a completion stream are out of the documented order, or None."""
    if not payloads:
        return "the stream carried no events"
    if not all(isinstance(p, Mapping) for p in payloads):
        return "an event's data is not a JSON object"
    delta = _first_choice(payloads[0]).get("delta")
    if not isinstance(delta, Mapping) or not delta.get("role"):
        return "the first chunk does not carry delta.role"
    if _first_choice(payloads[-1]).get("finish_reason") is None:
        return "the last chunk does not carry a finish_reason"
    for index, payload in enumerate(payloads[:-1]):
        if _first_choice(payload).get("finish_reason") is not None:
            return f"chunk #{index} carries a finish_reason but is not the last chunk"
    return None


def completion_stream(payloads: list[Any]) -> Answer:
    answer = Answer(text="", finish_reason=None, usage=None, order_problem=completion_order_problem(payloads))
    for payload in payloads:
        if not isinstance(payload, Mapping):
            continue
        choice = _first_choice(payload)
        delta = _mapping(choice.get("delta"))
        content = delta.get("content")
        answer.text += content if isinstance(content, str) else ""
        if choice.get("finish_reason") is not None:
            answer.finish_reason = choice["finish_reason"]
        if payload.get("usage") is not None:
            answer.usage = payload["usage"]
    return answer


def _tokens(usage: Any) -> tuple[int, int, int] | None:
    if not isinstance(usage, Mapping):
        return None
    values = [usage.get(k) for k in ("prompt_tokens", "completion_tokens", "total_tokens")]
    ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return (ints[0], ints[1], ints[2]) if len(ints) == 3 else None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def invariant_problems(kind: str, answer: Answer, streamed: bool) -> dict[str, str | None]:
    """check name -> the violation (a message), None when it holds; checks that do not apply are absent."""
    out: dict[str, str | None] = {}
    tokens = _tokens(answer.usage)
    if answer.finish_reason == "stop" and tokens is not None and tokens[1] > 0:
        out["text_present_when_stopped"] = (
            None
            if answer.text
            else f"finish_reason is 'stop' and usage counts {tokens[1]} completion tokens, but no text came"
        )
    if tokens is not None:
        prompt, completion, total = tokens
        out["usage_adds_up"] = (
            None
            if total == prompt + completion
            else f"usage.total_tokens is {total}, prompt_tokens + completion_tokens is {prompt + completion}"
        )
    if kind == "chat" and answer.citations:
        limit = max(len(answer.text), _utf16_len(answer.text))
        bad = [
            p
            for p, _ in answer.citations
            if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p <= limit
        ]
        out["citations_within_text"] = (
            None
            if not bad
            else f"citation positions {bad[:5]} fall outside the text of {len(answer.text)} characters"
        )
    if streamed:
        out["chunk_order"] = answer.order_problem
    return out


def equality_problems(kind: str, streamed: Answer, whole: Answer) -> dict[str, str | None]:
    """check name -> how the streamed answer differs from the whole one, None when they agree."""
    pairs: dict[str, tuple[Any, Any]] = {
        "stream_text_equals_whole": (streamed.text, whole.text),
        "stream_finish_reason_equals_whole": (streamed.finish_reason, whole.finish_reason),
        "stream_usage_equals_whole": (streamed.usage, whole.usage),
    }
    if kind == "chat":
        pairs["stream_citations_equal_whole"] = (streamed.citations, whole.citations)
    out: dict[str, str | None] = {}
    for name, (got, expected) in pairs.items():
        out[name] = None if got == expected else f"streamed {_brief(got)} but whole {_brief(expected)}"
    return out


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 240 else text[:240] + "…"


def run(ctx: RunContext) -> SuiteResult:
    """Run the consistency suite."""
    started = time.monotonic()
    collector = CheckCollector(SUITE)
    for kind in KINDS:
        collector.declare(f"{kind}.both_answered", "no request was sent")
        for name in INVARIANTS:
            collector.declare(f"{kind}.{name}", "no answer this invariant applies to was seen")
        if kind == "chat":
            collector.declare("chat.citations_within_text", "no answer with citations was seen")
        for name in EQUALITIES:
            _declare_equality(ctx, collector, f"{kind}.{name}")
        if kind == "chat":
            _declare_equality(ctx, collector, "chat.stream_citations_equal_whole")
    with ctx.http("data") as http:
        for kind in KINDS:
            for question, extras in QUESTIONS:
                body = {"messages": [{"role": "user", "content": question}], **extras.get(kind, {})}
                _judge_pair(ctx, collector, http, kind, body)
    return SuiteResult(SUITE, collector.results(), time.monotonic() - started)


def _declare_equality(ctx: RunContext, collector: CheckCollector, check_id: str) -> None:
    if ctx.target.deterministic:
        collector.declare(check_id, "no pair of answers was compared")
    else:
        collector.skipped(check_id, NOT_REPRODUCIBLE)


def _judge_pair(
    ctx: RunContext, collector: CheckCollector, http: Any, kind: str, body: dict[str, Any]
) -> None:
    """Send ``body`` streamed and not, and judge both answers."""
    operation = KINDS[kind]
    path = f"/chat/{ctx.target.assistant}" + ("/chat/completions" if kind == "completion" else "")
    url = ctx.target.planes.data + path
    headers = {**ctx.target.headers, "Content-Type": "application/json"}

    def repro(request: dict[str, Any]) -> Reproduction:
        return Reproduction(curl=curl_command("POST", url, headers, json.dumps(request), secrets=ctx.secrets))

    stream_body = {**body, "stream": True}
    try:
        streamed = ctx.call(http, operation, "POST", path, json_body=stream_body)
        whole = ctx.call(http, operation, "POST", path, json_body=body)
    except NotRecordedError as exc:
        collector.not_recorded(f"{kind}.both_answered", str(exc))
        return
    if not _answered(streamed, stream=True) or not _answered(whole, stream=False):
        collector.failed(
            f"{kind}.both_answered",
            f"the streamed request was answered {streamed.status} ({streamed.content_type or 'no type'}), "
            f"the whole one {whole.status} ({whole.content_type or 'no type'})",
            reproduction=repro(stream_body if not _answered(streamed, stream=True) else body),
        )
        return
    collector.passed(f"{kind}.both_answered")
    payloads = sse_payloads(streamed.content)
    try:
        whole_json = whole.json()
    except ValueError:
        whole_json = None
    if kind == "chat":
        stream_answer, whole_answer = chat_stream(payloads), chat_whole(whole_json)
    else:
        stream_answer, whole_answer = completion_stream(payloads), completion_whole(whole_json)
    for answer, streamed_flag, request in ((stream_answer, True, stream_body), (whole_answer, False, body)):
        for name, problem in invariant_problems(kind, answer, streamed_flag).items():
            check_id = f"{kind}.{name}"
            if problem is None:
                collector.passed(check_id)
            else:
                which = "streamed" if streamed_flag else "whole"
                collector.failed(check_id, f"{which} answer: {problem}", reproduction=repro(request))
    if not ctx.target.deterministic:
        return
    for name, problem in equality_problems(kind, stream_answer, whole_answer).items():
        check_id = f"{kind}.{name}"
        if problem is None:
            collector.passed(check_id)
        else:
            collector.failed(
                check_id,
                f"the same request, streamed and not: {problem}",
                reproduction=repro(stream_body),
                details={"question": body["messages"][0]["content"]},
            )


def _answered(ex: Exchange, *, stream: bool) -> bool:
    return ex.status == 200 and (ex.is_stream if stream else ex.is_json)
