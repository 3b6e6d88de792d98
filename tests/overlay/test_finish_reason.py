"""Finish reasons: an open set per version; typed errors only from helpers that need a full answer."""

from __future__ import annotations

import pytest
from assistant_api.models import ChatCompletionModel
from pinecone_assistant.errors import ContentFilterFinishReasonError, LengthFinishReasonError
from pinecone_assistant.finish_reason import (
    KNOWN_FINISH_REASONS,
    FinishReason,
    check_complete,
    finish_reason_of,
    is_known_finish_reason,
    parse_finish_reason,
)
from pinecone_assistant.stream import ChatAnswer, CompletionAnswer, CompletionChoice


@pytest.mark.parametrize("value", sorted(KNOWN_FINISH_REASONS["2026-04"]))
def test_documented_values_of_the_current_version_are_known_members(value):
    reason = parse_finish_reason(value)
    assert reason == value
    assert reason.is_known
    assert is_known_finish_reason(value)


def test_unknown_finish_reason_is_kept_as_string():
    reason = parse_finish_reason("max_tokens_exceeded")
    assert reason == "max_tokens_exceeded"
    assert isinstance(reason, str)
    assert isinstance(reason, FinishReason)
    assert not reason.is_known
    assert str(reason) == "max_tokens_exceeded"


def test_known_values_depend_on_the_version():
    assert is_known_finish_reason("function_call", "2025-10")
    assert not is_known_finish_reason("function_call", "2026-04")
    assert is_known_finish_reason("tool_calls", "2026-04")
    assert not is_known_finish_reason("tool_calls", "2025-10")


def test_unknown_version_is_rejected_with_the_known_ones_listed():
    with pytest.raises(ValueError, match="2025-10, 2026-04"):
        is_known_finish_reason("stop", "2019-01")


def test_none_stays_none_and_non_strings_are_rejected():
    assert parse_finish_reason(None) is None
    with pytest.raises(TypeError, match="string or None"):
        parse_finish_reason(3)  # type: ignore[arg-type]


def test_length_and_content_filter_are_data_until_a_complete_answer_is_required():
    cut = ChatAnswer(text="Half an ans", finish_reason=FinishReason.LENGTH)
    filtered = ChatAnswer(text="", finish_reason=FinishReason.CONTENT_FILTER)
    assert cut.finish_reason == "length"  # no error just by holding it
    with pytest.raises(LengthFinishReasonError) as info:
        check_complete(cut)
    assert info.value.answer is cut
    with pytest.raises(ContentFilterFinishReasonError) as info2:
        check_complete(filtered)
    assert info2.value.answer is filtered


@pytest.mark.parametrize("value", ["stop", "tool_calls", "something_new", None])
def test_check_complete_passes_other_reasons_through(value):
    answer = ChatAnswer(text="ok", finish_reason=parse_finish_reason(value))
    assert check_complete(answer) is answer


def test_finish_reason_of_reads_completions_and_their_first_choice():
    streamed = CompletionAnswer(choices=[CompletionChoice(index=0, finish_reason=FinishReason.LENGTH)])
    assert finish_reason_of(streamed) == "length"
    model = ChatCompletionModel.from_dict(
        {
            "id": "c",
            "model": "m",
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            "choices": [{"index": 0, "finish_reason": "content_filter", "message": {}}],
        }
    )
    assert finish_reason_of(model) == "content_filter"
    with pytest.raises(ContentFilterFinishReasonError):
        check_complete(model)
