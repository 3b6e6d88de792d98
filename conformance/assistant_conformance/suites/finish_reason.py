"""Finish reasons through the overlay: documented and unknown values, on every path, and truncation.

Transcript part (the overlay against :mod:`assistant_conformance.transcript`, independent of the
target): every finish reason the spec version documents and a few it does not go through the plain
chat, the chat stream, the plain completion and the completion stream. Each must come out as the
same string, be reported as known exactly when documented, and never raise. A stream that ends
without its final chunk, or whose connection breaks, must raise ``IncompleteStreamError`` carrying
the text received so far.

Target part: the same four paths against the target must finish with a documented reason and the
streams must complete; on a deterministic target the four reasons must agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from assistant_conformance.context import NotRecordedError, RunContext, is_not_recorded
from assistant_conformance.coverage import resolve_ref
from assistant_conformance.fixtures import COMMON_QUERY
from assistant_conformance.results import CheckCollector, Reproduction, SuiteResult
from assistant_conformance.transcript import (
    TEXT_PIECES,
    Script,
    chat_transcript,
    client,
    completion_transcript,
    sse,
)

SUITE = "finish_reason"
UNKNOWN_VALUES = ("guardrail_intervened", "max_output_reached", "STOP")
PATHS = ("chat", "chat_stream", "completion", "completion_stream")


def documented_reasons(spec: dict[str, Any]) -> list[str]:
    """The values of the spec's ``FinishReason`` enum."""
    schema = resolve_ref(spec, {"$ref": "#/components/schemas/FinishReason"})
    return [str(v) for v in schema.get("enum") or []]


def _through_overlay(path: str, script: Script, version: str) -> Any:
    """The answer of one path of the overlay against ``script``; the stream ones read to the end."""
    c, handle = client(script, version)
    with c:
        question = [{"role": "user", "content": "How high are the tides?"}]
        if path == "chat":
            return handle.chat(question)
        if path == "completion":
            return handle.chat_completions(question)
        stream = (
            handle.chat(question, stream=True)
            if path == "chat_stream"
            else handle.chat_completions(question, stream=True)
        )
        with stream:
            return stream.get_final_answer()


def _reason_of(path: str, answer: Any) -> Any:
    if path == "completion":
        return answer.choices[0].finish_reason
    return answer.finish_reason


def _text_of(path: str, answer: Any) -> str:
    if path == "completion":
        return str(answer.choices[0].message.content)
    return str(answer.text)


def _script_for(value: str) -> Script:
    chat_body, chat_chunks = chat_transcript(value)
    completion_body, completion_chunks = completion_transcript(value)
    return Script(
        chat_json=chat_body,
        chat_stream=[sse(chat_chunks)],
        completion_json=completion_body,
        completion_stream=[sse(completion_chunks)],
    )


def _transcript_checks(ctx: RunContext, collector: CheckCollector) -> None:
    from pinecone_assistant.errors import AssistantError, IncompleteStreamError
    from pinecone_assistant.finish_reason import KNOWN_FINISH_REASONS, is_known_finish_reason

    version = ctx.spec_version
    documented = documented_reasons(ctx.spec)
    overlay_known = KNOWN_FINISH_REASONS.get(version, frozenset())
    # The overlay's list of documented values must be the spec's.
    check_id = "transcript.documented_set_matches_spec"
    if set(overlay_known) == set(documented):
        collector.passed(check_id)
    else:
        collector.failed(
            check_id,
            f"the overlay documents {sorted(overlay_known)} for {version}, the spec {sorted(documented)}",
        )
    expected_text = "".join(TEXT_PIECES)
    for value in [*documented, *UNKNOWN_VALUES]:
        kind = "documented" if value in documented else "unknown"
        for path in PATHS:
            check_id = f"transcript.{path}.{kind}"
            try:
                answer = _through_overlay(path, _script_for(value), version)
                reason = _reason_of(path, answer)
                assert reason is not None, f"{path}: finish_reason {value!r} came out as None"
                assert str(reason) == value, f"{path}: finish_reason {value!r} came out as {str(reason)!r}"
                known = is_known_finish_reason(str(reason), version)
                assert known == (kind == "documented"), (
                    f"{path}: the overlay reports finish_reason {value!r} as "
                    f"{'known' if known else 'unknown'} for {version}"
                )
                assert _text_of(path, answer) == expected_text, f"{path}: the answer text changed"
                collector.passed(check_id)
            except (AssertionError, AssistantError, ValueError, TypeError) as exc:
                collector.failed(
                    check_id,
                    f"finish_reason {value!r} through {path}: {type(exc).__name__}: {exc}",
                    details={"finish_reason": value, "path": path},
                )
    # Truncation: a clean close without the final chunk, or a broken connection, after the 3rd chunk.
    for path, make in (("chat_stream", chat_transcript), ("completion_stream", completion_transcript)):
        _, chunks = make("stop")
        for how in ("closed", "broken"):
            check_id = f"transcript.{path}.truncated_{how}_raises_with_partial"
            kept = chunks[:3]
            partial_text = "".join(_chunk_text(c) for c in kept)
            script = Script(
                chat_stream=[sse(kept)], completion_stream=[sse(kept)], break_connection=how == "broken"
            )
            try:
                _through_overlay(path, script, version)
            except IncompleteStreamError as exc:
                got = _partial_text(exc.partial)
                if got == partial_text:
                    collector.passed(check_id)
                else:
                    collector.failed(check_id, f"partial answer is {got!r}, expected {partial_text!r}")
                continue
            except Exception as exc:
                collector.failed(
                    check_id,
                    f"a {how} truncated {path} raised {type(exc).__name__} ({exc}), "
                    "expected IncompleteStreamError",
                )
                continue
            collector.failed(check_id, f"a {how} truncated {path} gave a final answer instead of raising")


def _chunk_text(chunk: dict[str, Any]) -> str:
    if chunk.get("type") == "content_chunk":
        return str(chunk["delta"]["content"])
    out = ""
    for choice in chunk.get("choices") or []:
        out += (choice.get("delta") or {}).get("content") or ""
    return out


def _partial_text(partial: Any) -> str:
    return str(getattr(partial, "text", ""))


def _target_checks(ctx: RunContext, collector: CheckCollector) -> None:
    from pinecone_assistant import AssistantClient
    from pinecone_assistant.errors import AssistantError, IncompleteStreamError

    documented = set(documented_reasons(ctx.spec))
    target = ctx.target
    reasons: dict[str, str] = {}
    question = [{"role": "user", "content": COMMON_QUERY}]
    with AssistantClient(
        api_key=target.api_key,
        control_host=target.planes.control,
        evaluation_host=target.planes.evaluation,
        api_version=target.version,
        default_headers=target.extra_headers or None,
        http_client=ctx.observing_client(),
    ) as c:
        handle = c.assistant(target.assistant, host=target.planes.data)
        calls: dict[str, Callable[[], Any]] = {
            "chat": lambda: handle.chat(question),
            "chat_stream": lambda: _final(handle.chat(question, stream=True)),
            "completion": lambda: handle.chat_completions(question),
            "completion_stream": lambda: _final(handle.chat_completions(question, stream=True)),
        }
        for path, call in calls.items():
            check_id = f"target.{path}.documented"
            try:
                answer = call()
            except IncompleteStreamError as exc:
                collector.failed(
                    check_id,
                    f"the {path} of the target ended without its final chunk: {exc}",
                    reproduction=Reproduction(seed=ctx.seed),
                )
                continue
            except Exception as exc:
                if is_not_recorded(exc) or isinstance(exc, NotRecordedError):
                    collector.not_recorded(check_id, f"the {path} request is not in the recording")
                    continue
                if isinstance(exc, AssistantError):
                    collector.failed(
                        check_id,
                        f"the {path} of the target failed in the overlay: {type(exc).__name__}: {exc}",
                    )
                    continue
                raise
            reason = _reason_of(path, answer)
            if reason is None:
                collector.failed(check_id, f"the {path} of the target has no finish_reason")
            elif str(reason) not in documented:
                collector.failed(
                    check_id,
                    f"the {path} of the target finished with {str(reason)!r}, "
                    f"not one of {sorted(documented)}",
                )
            else:
                collector.passed(check_id)
                reasons[path] = str(reason)
    check_id = "target.paths_agree"
    if target.deterministic and len(reasons) == len(PATHS):
        if len(set(reasons.values())) == 1:
            collector.passed(check_id)
        else:
            collector.failed(check_id, f"the same question finished differently by path: {reasons}")
    elif not target.deterministic:
        collector.skipped(check_id, "the target's answers are not reproducible; paths are not compared")


def _final(stream: Any) -> Any:
    with stream:
        return stream.get_final_answer()


def run(ctx: RunContext) -> SuiteResult:
    """Run the finish-reason suite."""
    started = time.monotonic()
    collector = CheckCollector(SUITE)
    _transcript_checks(ctx, collector)
    ctx.progress("finish_reason: transcript paths done")
    _target_checks(ctx, collector)
    return SuiteResult(SUITE, collector.results(), time.monotonic() - started)
