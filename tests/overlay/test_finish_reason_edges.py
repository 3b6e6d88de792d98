"""Finish reasons at the edges: odd shapes of answers and the wording of the type error."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from assistant_api.types import UNSET
from pinecone_assistant.finish_reason import check_complete, finish_reason_of, parse_finish_reason


def test_a_non_string_finish_reason_is_rejected_naming_its_type():
    with pytest.raises(TypeError, match=r"got int$"):
        parse_finish_reason(3)  # type: ignore[arg-type]


def test_an_answer_with_no_choices_has_no_finish_reason():
    answer = SimpleNamespace(finish_reason=None, choices=[])
    assert finish_reason_of(answer) is None
    assert check_complete(answer) is answer


def test_a_first_choice_without_a_finish_reason_attribute_has_none():
    assert finish_reason_of(SimpleNamespace(choices=[object()])) is None


@pytest.mark.parametrize("value", [UNSET, 3, b"length"])
def test_a_finish_reason_that_is_not_a_string_reads_as_none(value):
    assert finish_reason_of(SimpleNamespace(finish_reason=value)) is None
    assert (
        finish_reason_of(SimpleNamespace(finish_reason=None, choices=[SimpleNamespace(finish_reason=value)]))
        is None
    )
