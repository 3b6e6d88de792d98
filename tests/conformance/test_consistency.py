"""The consistency suite: each check fails on a fault of the embedded endpoint that breaks it and passes
on the faithful endpoint, judged from the suite's own HTTP exchanges."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from assistant_conformance.context import RunContext, load_spec
from assistant_conformance.coverage import CoverageTracker
from assistant_conformance.embedded import running_server
from assistant_conformance.results import CheckResult, Status
from assistant_conformance.suites import consistency
from assistant_conformance.suites.consistency import (
    Answer,
    chat_stream,
    completion_stream,
    equality_problems,
    invariant_problems,
)
from assistant_conformance.targets import PreparedTarget, SessionOptions, TargetSession

KEY = "consistency-test-key-24680"


@pytest.fixture(scope="module")
def target() -> Iterator[PreparedTarget]:
    with (
        running_server(
            api_keys=[KEY], faults=True, assistant_ready_seconds=0, file_processing_seconds=0
        ) as server,
        TargetSession(SessionOptions(kind="url", url=server.url, api_key=KEY, poll_interval=0.0)) as prepared,
    ):
        yield prepared


def _run(target: PreparedTarget, fault: str | None, *, deterministic: bool) -> dict[str, CheckResult]:
    path, spec, _ = load_spec("2026-04")
    prepared = dataclasses.replace(
        target,
        deterministic=deterministic,
        extra_headers={"X-Assistant-Fault": fault} if fault else {},
    )
    ctx = RunContext(
        target=prepared,
        spec=spec,
        spec_path=path,
        spec_version="2026-04",
        seed=1,
        max_examples=1,
        coverage=CoverageTracker.from_spec(spec),
    )
    return {c.id: c for c in consistency.run(ctx).checks}


@pytest.mark.parametrize("deterministic", [True, False], ids=["embedded", "live"])
def test_every_check_passes_with_judged_cases_on_the_faithful_endpoint(target, deterministic):
    checks = _run(target, None, deterministic=deterministic)
    equalities = {i for i in checks if ".stream_" in i}
    assert len(equalities) == 7
    for check_id, check in checks.items():
        if check_id in equalities and not deterministic:
            assert check.status is Status.SKIP
            assert "not reproducible" in check.message
        else:
            assert check.status is Status.PASS, (check_id, check.message)
            assert check.cases >= 1


# fault -> the checks it must break, on any target (invariants) and on a reproducible one (equalities)
CAUGHT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "completion_delta_renamed": (
        ("consistency.completion.text_present_when_stopped",),
        ("consistency.completion.stream_text_equals_whole",),
    ),
    "chat_text_moved": (
        ("consistency.chat.text_present_when_stopped", "consistency.chat.citations_within_text"),
        ("consistency.chat.stream_text_equals_whole",),
    ),
    "usage_total_not_sum": (("consistency.chat.usage_adds_up", "consistency.completion.usage_adds_up"), ()),
    "citation_out_of_range": (
        ("consistency.chat.citations_within_text",),
        ("consistency.chat.stream_citations_equal_whole",),
    ),
    "reordered_chunks": (("consistency.chat.chunk_order", "consistency.completion.chunk_order"), ()),
    "cut_stream": (
        ("consistency.chat.chunk_order", "consistency.completion.chunk_order"),
        (
            "consistency.chat.stream_finish_reason_equals_whole",
            "consistency.chat.stream_usage_equals_whole",
            "consistency.completion.stream_finish_reason_equals_whole",
            "consistency.completion.stream_usage_equals_whole",
        ),
    ),
    "wrong_content_type": (("consistency.chat.both_answered", "consistency.completion.both_answered"), ()),
}


@pytest.mark.parametrize("fault", sorted(CAUGHT))
def test_each_fault_fails_its_named_checks(target, fault):
    invariants, equalities = CAUGHT[fault]
    on_embedded = _run(target, fault, deterministic=True)
    for check_id in (*invariants, *equalities):
        assert on_embedded[check_id].status is Status.FAIL, (check_id, on_embedded[check_id].message)
        assert on_embedded[check_id].reproduction is not None
        assert on_embedded[check_id].reproduction.curl
        assert KEY not in on_embedded[check_id].reproduction.curl
    on_live = _run(target, fault, deterministic=False)
    for check_id in invariants:
        assert on_live[check_id].status is Status.FAIL, (check_id, on_live[check_id].message)


def test_text_moved_in_a_completion_stream_is_reported_with_the_token_count():
    payloads = [
        {"id": "a", "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]},
        {"id": "a", "choices": [{"index": 0, "delta": {"text": "Tides"}, "finish_reason": None}]},
        {
            "id": "a",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        },
    ]
    answer = completion_stream(payloads)
    assert answer.text == ""
    problems = invariant_problems("completion", answer, streamed=True)
    assert "2 completion tokens" in str(problems["text_present_when_stopped"])
    assert problems["usage_adds_up"] is None
    assert problems["chunk_order"] is None


def test_invariants_that_do_not_apply_are_not_judged():
    no_usage = Answer(text="", finish_reason="stop", usage=None)
    assert invariant_problems("chat", no_usage, streamed=False) == {}
    length = Answer(
        text="", finish_reason="length", usage={"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1}
    )
    assert invariant_problems("chat", length, streamed=False) == {"usage_adds_up": None}


def test_chat_stream_order_needs_one_message_start_first_and_one_message_end_last():
    start = {"type": "message_start", "id": "a"}
    end = {"type": "message_end", "id": "a", "finish_reason": "stop"}
    piece = {"type": "content_chunk", "id": "a", "delta": {"content": "x"}}
    assert chat_stream([start, piece, end]).order_problem is None
    assert "first chunk" in str(chat_stream([piece, start, end]).order_problem)
    assert "last chunk" in str(chat_stream([start, end, piece]).order_problem)
    assert "not a JSON object" in str(chat_stream([start, piece, end, "[DONE]"]).order_problem)


def test_equality_names_each_field_that_differs():
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    streamed = Answer(text="a", finish_reason="stop", usage=usage, citations=[(0, ())])
    whole = Answer(text="a", finish_reason="length", usage=usage, citations=[(1, ())])
    problems = equality_problems("chat", streamed, whole)
    failing = {name for name, problem in problems.items() if problem}
    assert failing == {"stream_finish_reason_equals_whole", "stream_citations_equal_whole"}
