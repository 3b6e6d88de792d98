"""Streaming through the overlay: however the bytes are cut, the answer is the non-streaming one.

For the standard chat and the OpenAI-compatible completion, the suite asks the target the same
question twice, streamed and not, and keeps the raw stream bytes. Then:

* ``<kind>.split_anywhere_same_answer``: hypothesis cuts the recorded bytes at random offsets
  (inside events, inside ``\\r\\n``, inside multi-byte UTF-8 characters; one piece per byte or the
  whole body at once) and replays them to the overlay through the transcript server; the
  assembled answer must equal the one from the uncut bytes;
* ``<kind>.stream_equals_non_streaming``: that answer (text, finish reason, model, citations with
  their positions, files and pages) equals the non-streaming answer. On a target whose answers are
  not reproducible (the live service) the texts are not compared; the rest still is;
* ``<kind>.overlay_reads_target_stream``: the overlay, streaming straight from the target,
  assembles the same answer as from the recorded bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from assistant_conformance.context import NotRecordedError, RunContext
from assistant_conformance.fixtures import COMMON_QUERY
from assistant_conformance.properties import record_property
from assistant_conformance.results import CheckCollector, Reproduction, SuiteResult
from assistant_conformance.transcript import Script, client, split_at

SUITE = "streaming"


def chat_digest(answer: Any) -> dict[str, Any]:
    """What must not depend on streaming: text, finish reason, model, role and citations."""
    citations = []
    for citation in answer.citations:
        refs = []
        for ref in citation.references:
            pages = getattr(ref, "pages", None)
            refs.append((ref.file.id, tuple(pages) if isinstance(pages, list) else ()))
        citations.append((citation.position, tuple(refs)))
    return {
        "text": answer.text,
        "finish_reason": None if answer.finish_reason is None else str(answer.finish_reason),
        "model": answer.model,
        "citations": citations,
    }


def completion_digest(answer: Any) -> dict[str, Any]:
    return {
        "text": answer.text,
        "finish_reason": None if answer.finish_reason is None else str(answer.finish_reason),
        "model": answer.model,
    }


def _replay(kind: str, pieces: list[bytes], version: str) -> Any:
    script = Script(chat_stream=pieces, completion_stream=pieces)
    c, handle = client(script, version)
    with c:
        question = [{"role": "user", "content": COMMON_QUERY}]
        stream = (
            handle.chat(question, stream=True)
            if kind == "chat"
            else handle.chat_completions(question, stream=True)
        )
        with stream:
            return stream.get_final_answer()


@st.composite
def cuts(draw: st.DrawFn, size: int) -> list[int]:
    """Offsets to cut a body of ``size`` bytes at: none, a few, many, or every byte."""
    mode = draw(st.sampled_from(["few", "few", "many", "every", "none"]))
    if mode == "none" or size < 2:
        return []
    if mode == "every":
        return list(range(1, size))
    top = 8 if mode == "few" else 200
    return draw(st.lists(st.integers(1, size - 1), max_size=top))


def run(ctx: RunContext) -> SuiteResult:
    """Run the streaming suite."""
    from pinecone_assistant import AssistantClient
    from pinecone_assistant.stream import ChatAnswer, CompletionAnswer

    started = time.monotonic()
    collector = CheckCollector(SUITE)
    target = ctx.target
    question = [{"role": "user", "content": COMMON_QUERY}]
    kinds: dict[str, tuple[str, str, Callable[[Any], dict[str, Any]]]] = {
        "chat": ("chat_assistant", f"/chat/{target.assistant}", chat_digest),
        "completion": (
            "chat_completion_assistant",
            f"/chat/{target.assistant}/chat/completions",
            completion_digest,
        ),
    }
    references: dict[str, dict[str, Any]] = {}
    with ctx.http("data") as http:
        for kind, (operation, path, digest) in kinds.items():
            try:
                streamed = ctx.call(
                    http, operation, "POST", path, json_body={"messages": question, "stream": True}
                )
                plain = ctx.call(http, operation, "POST", path, json_body={"messages": question})
            except NotRecordedError as exc:
                collector.not_recorded(f"{kind}.split_anywhere_same_answer", str(exc))
                continue
            if streamed.status != 200 or not streamed.is_stream or plain.status != 200:
                collector.failed(
                    f"{kind}.split_anywhere_same_answer",
                    f"the target answered the streamed request with {streamed.status} "
                    f"({streamed.content_type}) and the plain one with {plain.status}",
                )
                continue
            body = streamed.content
            try:
                reference = digest(_replay(kind, [body], target.version))
            except Exception as exc:
                collector.failed(
                    f"{kind}.split_anywhere_same_answer",
                    f"the overlay cannot read the target's {kind} stream: {type(exc).__name__}: {exc}",
                    reproduction=Reproduction(example=body[:2000].decode("utf-8", errors="replace")),
                )
                continue
            references[kind] = reference

            def same_when_split(
                offsets: list[int], kind: str = kind, body: bytes = body, ref: Any = reference
            ) -> None:
                got = (chat_digest if kind == "chat" else completion_digest)(
                    _replay(kind, split_at(body, offsets), target.version)
                )
                assert got == ref, f"cut at {sorted(set(offsets))[:20]}: {got} != {ref}"

            record_property(
                ctx,
                collector,
                f"{kind}.split_anywhere_same_answer",
                cuts(len(body)),
                same_when_split,
                max_examples=ctx.scaled(1.5, minimum=10),
            )
            # The non-streaming answer.
            check_id = f"{kind}.stream_equals_non_streaming"
            from assistant_api.models.chat_completion_model import ChatCompletionModel
            from assistant_api.models.chat_model import ChatModel

            if kind == "chat":
                expected = chat_digest(ChatAnswer.from_chat_model(ChatModel.from_dict(plain.json())))
            else:
                expected = completion_digest(
                    CompletionAnswer.from_completion_model(ChatCompletionModel.from_dict(plain.json()))
                )
            compared = dict(reference)
            if not target.deterministic:
                for key in ("text", "citations", "model"):
                    compared.pop(key, None)
                    expected.pop(key, None)
            if compared == expected:
                collector.passed(check_id)
            else:
                collector.failed(
                    check_id,
                    f"the streamed {kind} answer differs from the non-streaming one",
                    details={"streamed": _plain(compared), "non_streaming": _plain(expected)},
                )
    # The overlay straight against the target.
    with AssistantClient(
        api_key=target.api_key,
        control_host=target.planes.control,
        api_version=target.version,
        default_headers=target.extra_headers or None,
        http_client=ctx.observing_client(),
    ) as c:
        handle = c.assistant(target.assistant, host=target.planes.data)
        for kind, (_, _, digest) in kinds.items():
            check_id = f"{kind}.overlay_reads_target_stream"
            try:
                stream = (
                    handle.chat(question, stream=True)
                    if kind == "chat"
                    else handle.chat_completions(question, stream=True)
                )
                with stream:
                    answer = stream.get_final_answer()
            except Exception as exc:
                if (
                    isinstance(exc, NotRecordedError)
                    or type(exc).__name__ == "CannotOverwriteExistingCassetteException"
                ):
                    collector.not_recorded(
                        check_id, f"the overlay's {kind} stream request is not in the recording"
                    )
                else:
                    collector.failed(
                        check_id,
                        f"the overlay failed on the target's {kind} stream: {type(exc).__name__}: {exc}",
                    )
                continue
            got = digest(answer)
            if answer.finish_reason is None:
                collector.failed(check_id, f"the overlay's {kind} stream answer has no finish_reason")
            elif not target.deterministic:
                collector.passed(check_id)  # judged: the stream finished with a reason; texts vary
            elif kind not in references:
                collector.not_exercised(
                    check_id, f"no reference answer from the recorded {kind} stream to compare with"
                )
            elif got == references[kind]:
                collector.passed(check_id)
            else:
                collector.failed(check_id, f"the overlay's {kind} answer from the target differs: {got}")
    return SuiteResult(SUITE, collector.results(), time.monotonic() - started)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
