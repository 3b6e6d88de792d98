"""The open-enum template: values the service adds later parse, keep their string and round-trip."""

from __future__ import annotations

import enum
import importlib
import pickle
import pkgutil
from typing import Any

import pytest
from assistant_api import models
from assistant_api.models.assistant import Assistant
from assistant_api.models.assistant_file_model import AssistantFileModel
from assistant_api.models.assistant_status import AssistantStatus
from assistant_api.models.chat_completion_chunk import ChatCompletionChunk
from assistant_api.models.chat_model import ChatModel
from assistant_api.models.chat_model_name import ChatModelName
from assistant_api.models.chat_request import ChatRequest
from assistant_api.models.file_status import FileStatus
from assistant_api.models.finish_reason import FinishReason
from assistant_api.models.highlight_type import HighlightType
from assistant_api.models.message_end_chunk import MessageEndChunk
from assistant_api.models.message_start_chunk import MessageStartChunk
from assistant_api.models.operation_model import OperationModel
from assistant_api.models.operation_status import OperationStatus
from assistant_api.types import UNSET

USAGE = {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}


def chat_payload(finish_reason: str) -> dict[str, Any]:
    return {
        "id": "0000000000000000163008a05b317b7b",
        "finish_reason": finish_reason,
        "message": {"role": "assistant", "content": "Tomatoes need sun."},
        "model": "gpt-4o-2024-11-20",
        "citations": [],
        "usage": USAGE,
    }


def test_unknown_finish_reason_is_kept_as_string() -> None:
    chat = ChatModel.from_dict(chat_payload("tool_use"))

    assert isinstance(chat.finish_reason, FinishReason)
    assert chat.finish_reason == "tool_use"
    assert chat.finish_reason.value == "tool_use"
    assert str(chat.finish_reason) == "tool_use"
    assert not chat.finish_reason.is_known
    assert chat.to_dict() == chat_payload("tool_use")


def test_known_finish_reason_is_the_real_member() -> None:
    chat = ChatModel.from_dict(chat_payload("stop"))

    assert chat.finish_reason is FinishReason.STOP
    assert chat.finish_reason.is_known
    assert chat.to_dict() == chat_payload("stop")


def test_unknown_value_is_not_added_to_the_members() -> None:
    FinishReason("tool_use")

    assert "tool_use" not in {member.value for member in FinishReason}
    assert len(FinishReason) == len(FinishReason.__members__)


def test_unknown_value_behaves_like_its_string() -> None:
    value = FinishReason("tool_use")

    assert {"tool_use": 1}[value] == 1
    assert f"{value}" == "tool_use"
    assert pickle.loads(pickle.dumps(value)) == "tool_use"


def test_unknown_value_that_spells_a_member_name_is_not_that_member() -> None:
    value = FinishReason("STOP")

    assert value is not FinishReason.STOP
    assert value == "STOP"
    assert not value.is_known


def test_non_string_value_is_still_rejected() -> None:
    with pytest.raises(ValueError, match="is not a valid FinishReason"):
        FinishReason(3)  # type: ignore[arg-type]


def test_unknown_message_end_finish_reason_parses_in_a_stream_chunk() -> None:
    chunk = {"type": "message_end", "id": "c", "model": "gpt-4o", "finish_reason": "refusal", "usage": None}

    end = MessageEndChunk.from_dict(chunk)

    assert end.finish_reason == "refusal"
    assert end.usage is None
    assert end.to_dict() == chunk


@pytest.mark.parametrize("finish_reason", ["stop", "safety_stop", None])
def test_nullable_finish_reason_parses_to_enum_or_none(finish_reason: str | None) -> None:
    payload = {
        "id": "c",
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": finish_reason}],
    }

    parsed = ChatCompletionChunk.from_dict(payload).choices[0].finish_reason

    if finish_reason is None:
        assert parsed is None
    else:
        # An unknown value in the nullable union becomes a pseudo-member, not a bare str fallback.
        assert isinstance(parsed, FinishReason)
        assert parsed == finish_reason
    assert ChatCompletionChunk.from_dict(payload).to_dict() == payload


def test_absent_nullable_finish_reason_stays_unset() -> None:
    payload = {"id": "c", "choices": [{"index": 0, "delta": {"role": "assistant"}}]}

    choice = ChatCompletionChunk.from_dict(payload).choices[0]

    assert choice.finish_reason is UNSET
    assert ChatCompletionChunk.from_dict(payload).to_dict() == payload


def test_unknown_assistant_status_is_kept() -> None:
    payload = {"name": "garden", "status": "Terminated", "host": "https://prod-1-data.ke.pinecone.io"}

    assistant = Assistant.from_dict(payload)

    assert isinstance(assistant.status, AssistantStatus)
    assert assistant.status == "Terminated"
    assert assistant.to_dict() == payload


def test_unknown_file_status_is_kept() -> None:
    payload = {"name": "tomatoes.pdf", "id": "3c90c3cc", "status": "Quarantined"}

    file = AssistantFileModel.from_dict(payload)

    assert isinstance(file.status, FileStatus)
    assert file.status == "Quarantined"
    assert file.to_dict() == payload


def test_known_file_status_is_the_real_member() -> None:
    file = AssistantFileModel.from_dict({"name": "a.txt", "id": "f1", "status": "ProcessingFailed"})

    assert file.status is FileStatus.PROCESSINGFAILED


def test_unknown_operation_status_is_kept() -> None:
    payload = {
        "id": "op-1",
        "operation_type": "reindex_file",
        "status": "Cancelled",
        "created_on": "2026-04-02T10:00:00Z",
    }

    operation = OperationModel.from_dict(payload)

    assert isinstance(operation.status, OperationStatus)
    assert operation.status == "Cancelled"
    assert operation.operation_type == "reindex_file"
    assert operation.to_dict()["status"] == "Cancelled"


def test_request_may_name_a_model_the_spec_does_not_list_yet() -> None:
    request = ChatRequest.from_dict({"messages": [{"role": "user", "content": "Hi"}], "model": "gpt-5-mini"})

    assert isinstance(request.model, ChatModelName)
    assert request.to_dict()["model"] == "gpt-5-mini"
    assert ChatModelName("gpt-4o") is ChatModelName.GPT_4O


def test_single_value_enum_stays_closed() -> None:
    # One-value enums act as tags; an open tag would let any variant of a union match.
    assert len(HighlightType) == 1
    with pytest.raises(ValueError, match="is not a valid HighlightType"):
        HighlightType("image")


def test_chunk_type_tag_still_rejects_another_chunk_kind() -> None:
    with pytest.raises(ValueError, match="message_start"):
        MessageStartChunk.from_dict({"type": "message_end", "id": "c", "model": "m", "role": "assistant"})


def _generated_enums() -> list[type[enum.Enum]]:
    found: list[type[enum.Enum]] = []
    for info in pkgutil.iter_modules(models.__path__):
        module = importlib.import_module(f"{models.__name__}.{info.name}")
        found += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, enum.StrEnum) and obj.__module__ == module.__name__
        ]
    return found


def test_every_multi_value_enum_of_the_generated_package_is_open() -> None:
    enums = _generated_enums()
    multi_valued = [e for e in enums if len(e) > 1]
    assert {FinishReason, AssistantStatus, FileStatus, OperationStatus, ChatModelName} <= set(multi_valued)
    for enum_class in multi_valued:
        value = enum_class("value-added-by-the-service")
        assert value == "value-added-by-the-service", enum_class
        assert all(member.is_known for member in enum_class), enum_class  # type: ignore[attr-defined]
    for enum_class in enums:
        if len(enum_class) == 1:
            with pytest.raises(ValueError, match="is not a valid"):
                enum_class("value-added-by-the-service")
