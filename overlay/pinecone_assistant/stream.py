"""Streamed answers: typed chunks, the pure functions that assemble them, and the stream classes.

Standard chat streams yield :class:`MessageStartChunk`, :class:`ContentChunk`,
:class:`CitationChunk` and :class:`MessageEndChunk` (the generated models); OpenAI-compatible
completion streams yield :class:`ChatCompletionChunk`. A chunk of a kind this client does not know
comes through as :class:`UnknownChunk` (never an error, never dropped).

:func:`accumulate` / :func:`accumulate_completion` are pure: they fold chunks into the final
answer, equal to what the non-streaming call returns, and raise :class:`IncompleteStreamError`
(carrying the partial answer) when the final chunk never came.

The stream classes take a response opened with ``client.send(request, stream=True)``, check its
status, decode it with :class:`~pinecone_assistant.sse.SSEDecoder`, stop at ``data: [DONE]``, raise
:class:`StreamError` for an ``{"error": ...}`` payload, and always close the response.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, Self, TypeAlias, TypeVar

import attrs
import httpx
import orjson
from assistant_api.models.assistant_message import AssistantMessage
from assistant_api.models.chat_completion_chunk import ChatCompletionChunk
from assistant_api.models.chat_completion_chunk_choice import ChatCompletionChunkChoice
from assistant_api.models.chat_completion_delta import ChatCompletionDelta
from assistant_api.models.chat_completion_model import ChatCompletionModel
from assistant_api.models.chat_model import ChatModel
from assistant_api.models.citation_chunk import CitationChunk
from assistant_api.models.citation_model import CitationModel
from assistant_api.models.content_chunk import ContentChunk
from assistant_api.models.content_delta import ContentDelta
from assistant_api.models.content_filter_results import ContentFilterResults
from assistant_api.models.finish_reason import FinishReason
from assistant_api.models.message_end_chunk import MessageEndChunk
from assistant_api.models.message_role import MessageRole
from assistant_api.models.message_start_chunk import MessageStartChunk
from assistant_api.models.usage_model import UsageModel
from assistant_api.types import UNSET, Unset

from ._io import AsyncCloses, Closes
from .errors import (
    APIResponseValidationError,
    IncompleteStreamError,
    StreamError,
    connection_error_from,
    make_status_error,
    parse_error_body,
    request_id_of,
)
from .sse import DONE, ServerSentEvent, SSEDecoder

__all__ = [
    "AsyncChatStream",
    "AsyncCompletionStream",
    "ChatAccumulator",
    "ChatAnswer",
    "ChatChunk",
    "ChatStream",
    "CompletionAccumulator",
    "CompletionAnswer",
    "CompletionChoice",
    "CompletionChunk",
    "CompletionStream",
    "UnknownChunk",
    "accumulate",
    "accumulate_completion",
    "parse_chat_chunk",
    "parse_completion_chunk",
]


@dataclass(frozen=True, slots=True)
class UnknownChunk:
    """A chunk of a kind this client does not know; ``raw`` is the decoded JSON object."""

    type: str
    raw: dict[str, Any]


ChatChunk: TypeAlias = MessageStartChunk | ContentChunk | CitationChunk | MessageEndChunk | UnknownChunk
CompletionChunk: TypeAlias = ChatCompletionChunk | UnknownChunk

_C = TypeVar("_C")
_A = TypeVar("_A")
_C_contra = TypeVar("_C_contra", contravariant=True)
_A_co = TypeVar("_A_co", covariant=True)


# --------------------------------------------------------------------------- answers


def _unset_to_none(value: Any) -> Any:
    return None if isinstance(value, Unset) else value


@dataclass(slots=True)
class ChatAnswer:
    """A standard chat answer, assembled from a stream or taken from a non-streaming response."""

    id: str | None = None
    model: str | None = None
    role: MessageRole | None = None
    text: str = ""
    citations: list[CitationModel] = field(default_factory=list)
    finish_reason: FinishReason | None = None
    usage: UsageModel | None = None
    context_snippet_count: int | None = None
    content_filter_results: ContentFilterResults | None = None

    @classmethod
    def from_chat_model(cls, response: ChatModel) -> ChatAnswer:
        """The answer of a non-streaming chat response, in the same form as a streamed one."""
        return cls(
            id=response.id,
            model=response.model,
            role=response.message.role,
            text=response.message.content,
            citations=list(response.citations),
            finish_reason=response.finish_reason,
            usage=response.usage,
            context_snippet_count=_unset_to_none(response.context_snippet_count),
            content_filter_results=_unset_to_none(response.content_filter_results),
        )

    def to_chat_model(self) -> ChatModel:
        """This answer as the non-streaming response model (needs id, model, finish_reason and usage)."""
        if self.id is None or self.model is None or self.finish_reason is None or self.usage is None:
            missing = [n for n in ("id", "model", "finish_reason", "usage") if getattr(self, n) is None]
            raise ValueError(f"the answer has no {', '.join(missing)}; it cannot be a ChatModel")
        model = ChatModel(
            id=self.id,
            finish_reason=self.finish_reason,
            message=AssistantMessage(role=self.role or MessageRole.ASSISTANT, content=self.text),
            model=self.model,
            citations=list(self.citations),
            usage=self.usage,
        )
        if self.context_snippet_count is not None:
            model.context_snippet_count = self.context_snippet_count
        if self.content_filter_results is not None:
            model.content_filter_results = self.content_filter_results
        return model


@dataclass(slots=True)
class CompletionChoice:
    """One choice of a completion answer."""

    index: int
    text: str = ""
    role: MessageRole | None = None
    finish_reason: FinishReason | None = None


@dataclass(slots=True)
class CompletionAnswer:
    """An OpenAI-compatible completion, assembled from a stream or taken from a non-streaming response."""

    id: str | None = None
    model: str | None = None
    choices: list[CompletionChoice] = field(default_factory=list)
    usage: UsageModel | None = None

    @property
    def text(self) -> str:
        """The text of the first choice."""
        return self.choices[0].text if self.choices else ""

    @property
    def finish_reason(self) -> FinishReason | None:
        """The finish reason of the first choice."""
        return self.choices[0].finish_reason if self.choices else None

    @property
    def role(self) -> MessageRole | None:
        """The role of the first choice."""
        return self.choices[0].role if self.choices else None

    @classmethod
    def from_completion_model(cls, response: ChatCompletionModel) -> CompletionAnswer:
        """The answer of a non-streaming completion response, in the same form as a streamed one."""
        choices = [
            CompletionChoice(
                index=choice.index,
                text=_unset_to_none(choice.message.content) or "",
                role=_unset_to_none(choice.message.role),
                finish_reason=choice.finish_reason,
            )
            for choice in sorted(response.choices, key=lambda c: c.index)
        ]
        return cls(id=response.id, model=response.model, choices=choices, usage=response.usage)


# --------------------------------------------------------------------------- accumulation


class ChatAccumulator:
    """Folds standard chat chunks into a :class:`ChatAnswer`, one :meth:`add` at a time."""

    __slots__ = ("_answer", "_pieces", "complete")

    def __init__(self) -> None:
        self._answer = ChatAnswer()
        self._pieces: list[str] = []
        self.complete = False

    def add(self, chunk: ChatChunk) -> None:
        """Take one chunk into account."""
        answer = self._answer
        if type(chunk) is ContentChunk:
            content = chunk.delta.content
            if not isinstance(content, str):
                raise APIResponseValidationError(
                    f"A content_chunk has a non-string delta.content: {content!r:.100}", body=chunk.to_dict()
                )
            self._pieces.append(content)
        elif type(chunk) is CitationChunk:
            answer.citations.append(chunk.citation)
        elif type(chunk) is MessageStartChunk:
            answer.role = chunk.role
            answer.context_snippet_count = _unset_to_none(chunk.context_snippet_count)
            if not isinstance(chunk.content_filter_results, Unset | None):
                answer.content_filter_results = chunk.content_filter_results
        elif type(chunk) is MessageEndChunk:
            answer.finish_reason = chunk.finish_reason
            answer.usage = _unset_to_none(chunk.usage)
            if not isinstance(chunk.content_filter_results, Unset | None):
                answer.content_filter_results = chunk.content_filter_results
            self.complete = True
        else:
            return
        if answer.id is None:
            answer.id = chunk.id
            answer.model = chunk.model

    def snapshot(self) -> ChatAnswer:
        """The answer so far (a copy)."""
        answer = self._answer
        return ChatAnswer(
            id=answer.id,
            model=answer.model,
            role=answer.role,
            text="".join(self._pieces),
            citations=list(answer.citations),
            finish_reason=answer.finish_reason,
            usage=answer.usage,
            context_snippet_count=answer.context_snippet_count,
            content_filter_results=answer.content_filter_results,
        )

    def final(self, request_id: str | None = None) -> ChatAnswer:
        """The complete answer; :class:`IncompleteStreamError` if ``message_end`` never came."""
        if not self.complete:
            raise IncompleteStreamError(
                "The chat stream ended without its message_end chunk; the answer may be cut short. "
                "The text received so far is on `.partial`.",
                partial=self.snapshot(),
                request_id=request_id,
            )
        return self.snapshot()


class CompletionAccumulator:
    """Folds completion chunks into a :class:`CompletionAnswer`, one :meth:`add` at a time."""

    __slots__ = ("_choices", "_id", "_model", "_pieces", "_ready", "_usage")

    def __init__(self) -> None:
        self._id: str | None = None
        self._model: str | None = None
        self._usage: UsageModel | None = None
        self._choices: dict[int, CompletionChoice] = {}
        self._pieces: dict[int, list[str]] = {}
        # Choices whose role, id and model are settled: later content-only chunks just append text.
        self._ready: dict[int, list[str]] = {}

    @property
    def complete(self) -> bool:
        """True once every choice seen has a finish reason."""
        return bool(self._choices) and all(c.finish_reason is not None for c in self._choices.values())

    def add(self, chunk: CompletionChunk) -> None:
        """Take one chunk into account."""
        if type(chunk) is not ChatCompletionChunk:
            return
        if self._id is None:
            self._id = chunk.id
        if self._model is None and not isinstance(chunk.model, Unset):
            self._model = chunk.model
        if chunk.usage is not None and not isinstance(chunk.usage, Unset):
            self._usage = chunk.usage
        for choice in chunk.choices:
            if not isinstance(choice.index, int) or isinstance(choice.index, bool):
                raise APIResponseValidationError(
                    f"A completion chunk has a non-integer choice index: {choice.index!r:.100}",
                    body=chunk.to_dict(),
                )
            state = self._choices.get(choice.index)
            if state is None:
                state = self._choices[choice.index] = CompletionChoice(index=choice.index)
                self._pieces[choice.index] = []
            delta = choice.delta
            content = delta.content
            if isinstance(content, str):
                self._pieces[choice.index].append(content)
            elif content is not None and not isinstance(content, Unset):
                raise APIResponseValidationError(
                    f"A completion chunk has a non-string delta.content: {content!r:.100}",
                    body=chunk.to_dict(),
                )
            role = delta.role
            if state.role is None and role is not None and not isinstance(role, Unset):
                state.role = role
            reason = choice.finish_reason
            if reason is not None and not isinstance(reason, Unset):
                state.finish_reason = reason
            if state.role is not None and self._id is not None and self._model is not None:
                self._ready[choice.index] = self._pieces[choice.index]

    def snapshot(self) -> CompletionAnswer:
        """The answer so far (a copy)."""
        choices = [
            CompletionChoice(
                index=index,
                text="".join(self._pieces[index]),
                role=state.role,
                finish_reason=state.finish_reason,
            )
            for index, state in sorted(self._choices.items())
        ]
        return CompletionAnswer(id=self._id, model=self._model, choices=choices, usage=self._usage)

    def final(self, request_id: str | None = None) -> CompletionAnswer:
        """The complete answer; :class:`IncompleteStreamError` if a choice never got its finish reason."""
        if not self.complete:
            raise IncompleteStreamError(
                "The completion stream ended before every choice had a finish_reason; the answer may be "
                "cut short. The text received so far is on `.partial`.",
                partial=self.snapshot(),
                request_id=request_id,
            )
        return self.snapshot()


def accumulate(chunks: Iterable[ChatChunk]) -> ChatAnswer:
    """The final answer of a standard chat stream (raises :class:`IncompleteStreamError` if cut short)."""
    acc = ChatAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    return acc.final()


def accumulate_completion(chunks: Iterable[CompletionChunk]) -> CompletionAnswer:
    """The final answer of a completion stream (raises :class:`IncompleteStreamError` if cut short)."""
    acc = CompletionAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    return acc.final()


# --------------------------------------------------------------------------- chunk parsing

_CHAT_CHUNK_TYPES: dict[str, Any] = {
    "message_start": MessageStartChunk,
    "content_chunk": ContentChunk,
    "citation": CitationChunk,
    "message_end": MessageEndChunk,
}
_PARSE_ERRORS = (KeyError, ValueError, TypeError, AttributeError)


def _invalid(kind: str, data: Any, exc: BaseException) -> APIResponseValidationError:
    detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc) or type(exc).__name__
    return APIResponseValidationError(
        f"A {kind} chunk of the stream does not match the API description ({detail}).", body=data
    )


def _raise_if_error(data: dict[str, Any]) -> None:
    if "error" in data:
        code, message = parse_error_body(data)
        raise StreamError(message or "The service reported an error during streaming.", code=code, body=data)


def parse_chat_chunk(data: dict[str, Any]) -> ChatChunk:
    """The typed chunk for one decoded standard-chat event.

    Raises :class:`StreamError` for an ``{"error": ...}`` payload and
    :class:`APIResponseValidationError` for a known kind that lacks required fields.
    """
    kind = data.get("type")
    if kind == "content_chunk" and len(data) == 4:
        # Fast path for the bulk of a stream: exactly the four documented keys.
        try:
            delta = data["delta"]
            if len(delta) == 1:
                return ContentChunk(kind, data["id"], data["model"], ContentDelta(delta["content"]))
        except _PARSE_ERRORS:
            pass
    model = _CHAT_CHUNK_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        _raise_if_error(data)
        return UnknownChunk(kind if isinstance(kind, str) else "", data)
    try:
        chunk: ChatChunk = model.from_dict(data)
    except _PARSE_ERRORS as exc:
        raise _invalid(str(kind), data, exc) from exc
    return chunk


def _role(value: Any) -> MessageRole | Unset | None:
    return MessageRole(value) if isinstance(value, str) else value


def _finish(value: Any) -> FinishReason | Unset | None:
    return FinishReason(value) if isinstance(value, str) else value


def _fast_completion(data: dict[str, Any]) -> ChatCompletionChunk | None:
    # Exactly id, choices and model, with only documented keys inside: build the models directly.
    if len(data) != 3:
        return None
    choices = []
    for item in data["choices"]:
        delta = item["delta"]
        size = 2
        if "finish_reason" in item:
            size = 3
            finish = _finish(item["finish_reason"])
        else:
            finish = UNSET
        if len(item) != size:
            return None
        role = delta.get("role", UNSET)
        content = delta.get("content", UNSET)
        if len(delta) != (role is not UNSET) + (content is not UNSET):
            return None
        choices.append(
            ChatCompletionChunkChoice(item["index"], ChatCompletionDelta(_role(role), content), finish)
        )
    return ChatCompletionChunk(data["id"], choices, data["model"])


def parse_completion_chunk(data: dict[str, Any]) -> CompletionChunk:
    """The typed chunk for one decoded completion event (the legacy ``chat_completion`` wrapper is
    unwrapped). Raises like :func:`parse_chat_chunk`."""
    if "choices" not in data:
        inner = data.get("chat_completion")
        if isinstance(inner, dict):
            data = inner
        else:
            _raise_if_error(data)
            kind = data.get("type") if isinstance(data.get("type"), str) else data.get("object")
            return UnknownChunk(kind if isinstance(kind, str) else "", data)
    try:
        fast = _fast_completion(data)
    except _PARSE_ERRORS:
        fast = None
    if fast is not None:
        return fast
    try:
        return ChatCompletionChunk.from_dict(data)
    except _PARSE_ERRORS as exc:
        raise _invalid("chat.completion", data, exc) from exc


# --------------------------------------------------------------------------- the stream core

_orjson_loads = orjson.loads
_orjson_dumps = orjson.dumps
_JSONDecodeError = orjson.JSONDecodeError


class _Accumulator(Protocol[_C_contra, _A_co]):
    @property
    def complete(self) -> bool: ...
    def add(self, chunk: _C_contra, /) -> None: ...
    def snapshot(self) -> _A_co: ...
    def final(self, request_id: str | None = None) -> _A_co: ...


_DONE = object()  # the [DONE] sentinel was read
_SKIP = object()  # an event without data


def _slow_data(item: bytes | ServerSentEvent) -> Any:
    """The JSON value of an event the fast path did not parse, or ``_DONE`` / ``_SKIP``."""
    if isinstance(item, ServerSentEvent):
        if item.event == "error":
            raise _error_event(item)
        text = item.data
        if not text:
            return _SKIP
        if text == "[DONE]":
            return _DONE
    else:
        if not item:
            return _SKIP
        if item == DONE:
            return _DONE
        # Invalid UTF-8 is replaced (as the SSE standard says), then parsed again.
        text = item.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        raise APIResponseValidationError(f"A stream event is not JSON: {text[:200]!r}", body=text) from None


def _not_an_object(data: Any) -> APIResponseValidationError:
    return APIResponseValidationError(f"A stream event is not a JSON object: {data!r:.200}", body=data)


class _Core(Generic[_C]):
    """Turns network chunks into typed chunks and feeds the answer; shared by the sync/async twins."""

    __slots__ = ("_decoder", "done")

    def __init__(self) -> None:
        self._decoder = SSEDecoder()
        self.done = False

    # Generators rather than lists: a chunk the caller drops is freed at once, which keeps the
    # garbage collector out of the hot path.
    def feed(self, raw: bytes) -> Iterator[_C]:
        return self._chunks(self._decoder.feed_raw(raw))

    def flush(self) -> Iterator[_C]:
        return self._chunks(self._decoder.flush_raw())

    def _chunks(self, items: list[bytes | ServerSentEvent]) -> Iterator[_C]:
        raise NotImplementedError


class _ChatCore(_Core[ChatChunk]):
    __slots__ = ("_looks", "_template", "acc")

    def __init__(self, acc: ChatAccumulator) -> None:
        super().__init__()
        self.acc = acc
        #: (prefix, suffix, id, model) of the last content chunk of the usual shape, or None.
        self._template: tuple[bytes, bytes, Any, Any] | None = None
        self._looks = _TEMPLATE_LOOKS

    def _chunks(self, items: list[bytes | ServerSentEvent]) -> Iterator[ChatChunk]:
        # The hot loop: content chunks with exactly the documented keys are built and accumulated
        # inline; everything else goes through parse_chat_chunk and ChatAccumulator.add. As for
        # completions (_CompletionCore), the bytes around the content of such a chunk are kept as a
        # template: a later event with the same bytes around a string is that chunk with that
        # content, and only the string is decoded; the chunk is built without the attrs __init__
        # while the generated classes have the fields _FAST_CHAT_BUILD checks.
        acc = self.acc
        pieces = acc._pieces
        have_id = acc._answer.id is not None
        loads = _orjson_loads
        new = object.__new__
        fast = _FAST_CHAT_BUILD
        template = self._template if fast else None
        if template is not None:
            prefix, suffix, t_id, t_model = template
            p_len, s_len = len(prefix), len(suffix)
        for item in items:
            if item.__class__ is bytes:
                if have_id and template is not None and item.startswith(prefix) and item.endswith(suffix):
                    try:
                        content = loads(item[p_len : len(item) - s_len])
                    except _JSONDecodeError:
                        content = None
                    if content.__class__ is str:
                        built_delta = new(ContentDelta)
                        built_delta.content = content
                        built_delta.additional_properties = {}
                        built = new(ContentChunk)
                        built.type_ = "content_chunk"
                        built.id = t_id
                        built.model = t_model
                        built.delta = built_delta
                        built.content_filter_results = UNSET
                        built.additional_properties = {}
                        pieces.append(content)
                        yield built
                        continue
                try:
                    data = loads(item)
                except _JSONDecodeError:
                    data = _slow_data(item)
            else:
                data = _slow_data(item)
            if data.__class__ is dict:
                if len(data) == 4 and data.get("type") == "content_chunk":
                    delta = data.get("delta")
                    if delta.__class__ is dict and len(delta) == 1:
                        content = delta.get("content")
                        if content.__class__ is str and "id" in data and "model" in data:
                            chunk: ChatChunk = ContentChunk(
                                "content_chunk", data["id"], data["model"], ContentDelta(content)
                            )
                            if have_id:
                                pieces.append(content)
                            else:
                                acc.add(chunk)
                                have_id = True
                            if fast and item.__class__ is bytes and self._looks > 0:
                                self._looks -= 1
                                around = _template_of(item, content)
                                if around is not None:
                                    prefix, suffix = around
                                    t_id, t_model = data["id"], data["model"]
                                    template = self._template = (prefix, suffix, t_id, t_model)
                                    p_len, s_len = len(prefix), len(suffix)
                            yield chunk
                            continue
                chunk = parse_chat_chunk(data)
                acc.add(chunk)
                have_id = acc._answer.id is not None
                yield chunk
            elif data is _DONE:
                self.done = True
                break
            elif data is not _SKIP:
                raise _not_an_object(data)


_ROLES = {member.value: member for member in MessageRole}


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(cls))


# The completion hot path builds the three generated classes of a chunk without calling their
# attrs __init__: object.__new__ and one assignment per field. Building them costs ~6,200 instead
# of ~8,700 CPU instructions per chunk (cachegrind, in memory), and the whole stream went from
# 0.93x to 1.03x pinecone's speed, whose msgspec.convert builds its structs in C
# (completion_decode_speedup_vs_pinecone, nox -s bench). It is used only while the generated
# classes have exactly these fields, the default __setattr__ and no __attrs_post_init__, so a
# regenerated model with another field falls back to the constructors.
_FAST_BUILD = (
    _field_names(ChatCompletionChunk) == ("id", "choices", "model", "usage", "additional_properties")
    and _field_names(ChatCompletionChunkChoice)
    == ("index", "delta", "finish_reason", "additional_properties")
    and _field_names(ChatCompletionDelta) == ("role", "content", "additional_properties")
    and all(
        cls.__setattr__ is object.__setattr__ and not hasattr(cls, "__attrs_post_init__")
        for cls in (ChatCompletionChunk, ChatCompletionChunkChoice, ChatCompletionDelta)
    )
)


_FAST_CHAT_BUILD = (
    _field_names(ContentChunk)
    == ("type_", "id", "model", "delta", "content_filter_results", "additional_properties")
    and _field_names(ContentDelta) == ("content", "additional_properties")
    and all(
        cls.__setattr__ is object.__setattr__ and not hasattr(cls, "__attrs_post_init__")
        for cls in (ContentChunk, ContentDelta)
    )
)


#: How often one stream may look for a new template (a look serialises one string and searches).
_TEMPLATE_LOOKS = 8


def _template_of(item: bytes, content: str) -> tuple[bytes, bytes] | None:
    """``(prefix, suffix)``: the bytes of ``item`` before and after its ``delta.content`` value.

    ``item`` is an event the completion hot loop has just built as a chunk of the usual shape, so
    ``"content":`` occurs in it once, as the key of ``delta`` (a ``"`` inside a JSON string is
    escaped, and the shape has no other key of that name); the value follows it as the bytes
    ``orjson.dumps(content)`` when the server encodes strings the same way (else None). JSON tokens
    do not depend on their neighbours: any event ``prefix + value + suffix`` whose value decodes to a
    string is the same chunk with that string as its content.
    """
    token = _orjson_dumps(content)
    at = item.find(b'"content":' + token)
    if at < 0:
        return None
    start = at + len(b'"content":')
    return item[:start], item[start + len(token) :]


class _CompletionCore(_Core[CompletionChunk]):
    __slots__ = ("_looks", "_template", "acc")

    def __init__(self, acc: CompletionAccumulator) -> None:
        super().__init__()
        self.acc = acc
        #: (prefix, suffix, id, model, index, role) of the last chunk of the usual shape, or None.
        self._template: tuple[bytes, bytes, Any, Any, int, Any] | None = None
        self._looks = _TEMPLATE_LOOKS

    def _chunks(self, items: list[bytes | ServerSentEvent]) -> Iterator[CompletionChunk]:
        # The hot loop. A chunk with exactly id, choices and model, one choice with exactly index,
        # delta and finish_reason null, and a delta of string content with or without a known role
        # is built here (equal to ChatCompletionChunk.from_dict: tests/overlay/test_stream.py);
        # once its choice is settled, its text is appended inline. The bytes around the content of
        # such a chunk are kept as a template: a later event with the same bytes around a string
        # (the usual case: only the content changes from chunk to chunk) is that chunk with that
        # content, and only the string is decoded. Anything else goes through
        # parse_completion_chunk and CompletionAccumulator.add.
        # CPU instructions per chunk (cachegrind, format B of nox -s bench): in memory ~20,400
        # without the template, ~13,600 with it; through the local server ~15,100 against
        # pinecone's ~22,300 (completion_decode_speedup_vs_pinecone).
        acc = self.acc
        ready = acc._ready
        loads = _orjson_loads
        new = object.__new__
        roles = _ROLES
        fast = _FAST_BUILD
        template = self._template
        if template is not None:
            prefix, suffix, t_id, t_model, t_index, t_role = template
            p_len, s_len = len(prefix), len(suffix)
        for item in items:
            if item.__class__ is bytes:
                if template is not None and item.startswith(prefix) and item.endswith(suffix):
                    try:
                        content = loads(item[p_len : len(item) - s_len])
                    except _JSONDecodeError:
                        content = None
                    if content.__class__ is str:
                        built_delta = new(ChatCompletionDelta)
                        built_delta.role = t_role
                        built_delta.content = content
                        built_delta.additional_properties = {}
                        built_choice = new(ChatCompletionChunkChoice)
                        built_choice.index = t_index
                        built_choice.delta = built_delta
                        built_choice.finish_reason = None
                        built_choice.additional_properties = {}
                        built = new(ChatCompletionChunk)
                        built.id = t_id
                        built.choices = [built_choice]
                        built.model = t_model
                        built.usage = UNSET
                        built.additional_properties = {}
                        pieces = ready.get(t_index)
                        if pieces is None:
                            acc.add(built)
                        else:
                            pieces.append(content)
                        yield built
                        continue
                try:
                    data = loads(item)
                except _JSONDecodeError:
                    data = _slow_data(item)
            else:
                data = _slow_data(item)
            if data.__class__ is dict:
                if fast:
                    # Indexing (not .get) with exact key counts proves the key sets are exactly the
                    # documented ones; any surprise (missing key, wrong type, an unknown role) goes
                    # to the full parser.
                    try:
                        (choice,) = data["choices"]
                        delta = choice["delta"]
                        content = delta["content"]
                        size = len(delta)
                        role = UNSET if size == 1 else roles[delta["role"]]
                        index = choice["index"]
                        ok = (
                            size <= 2
                            and len(data) == 3
                            and len(choice) == 3
                            and choice["finish_reason"] is None
                            and content.__class__ is str
                            and index.__class__ is int
                        )
                        chunk_id = data["id"]
                        model = data["model"]
                    except (KeyError, TypeError, ValueError):
                        ok = False
                    if ok:
                        built_delta = new(ChatCompletionDelta)
                        built_delta.role = role
                        built_delta.content = content
                        built_delta.additional_properties = {}
                        built_choice = new(ChatCompletionChunkChoice)
                        built_choice.index = index
                        built_choice.delta = built_delta
                        built_choice.finish_reason = None
                        built_choice.additional_properties = {}
                        built = new(ChatCompletionChunk)
                        built.id = chunk_id
                        built.choices = [built_choice]
                        built.model = model
                        built.usage = UNSET
                        built.additional_properties = {}
                        pieces = ready.get(index)
                        if pieces is None:
                            acc.add(built)
                        else:
                            pieces.append(content)
                        if item.__class__ is bytes and self._looks > 0:
                            self._looks -= 1
                            around = _template_of(item, content)
                            if around is not None:
                                prefix, suffix = around
                                t_id, t_model, t_index, t_role = chunk_id, model, index, role
                                template = self._template = (prefix, suffix, t_id, t_model, t_index, t_role)
                                p_len, s_len = len(prefix), len(suffix)
                        yield built
                        continue
                chunk = parse_completion_chunk(data)
                acc.add(chunk)
                yield chunk
            elif data is _DONE:
                self.done = True
                break
            elif data is not _SKIP:
                raise _not_an_object(data)


def _error_event(event: ServerSentEvent) -> StreamError:
    try:
        body: Any = json.loads(event.data)
    except ValueError:
        body = event.data
    code, message = parse_error_body(body)
    return StreamError(message or "The service reported an error during streaming.", code=code, body=body)


class _StreamBase(Generic[_C, _A]):
    """What the sync and async streams share: the response, status checks, the answer so far."""

    def __init__(self, response: httpx.Response, core: _Core[_C], accumulator: _Accumulator[_C, _A]) -> None:
        self.response = response
        #: The request id of the response (``x-pinecone-request-id`` / ``x-request-id``).
        self.request_id: str | None = request_id_of(response.headers)
        self._acc = accumulator
        self._core = core

    @property
    def current_answer(self) -> _A:
        """The answer assembled from the chunks read so far."""
        return self._acc.snapshot()

    def _needs_body(self) -> bool:
        if self.response.status_code >= 400:
            return True
        content_type: str = self.response.headers.get("content-type", "")
        return content_type.startswith("application/json")

    def _body_error(self, body: bytes) -> Exception:
        if self.response.status_code >= 400:
            return make_status_error(self.response, body=body)
        return APIResponseValidationError(
            "Expected a text/event-stream response but got application/json; was `stream` set to true?",
            status_code=self.response.status_code,
            request_id=self.request_id,
            body=body.decode("utf-8", errors="replace")[:2000],
        )

    def _broken(self, exc: httpx.TransportError) -> IncompleteStreamError:
        return IncompleteStreamError(
            f"The stream broke before its final chunk ({connection_error_from(exc).message}). "
            "The answer received so far is on `.partial`.",
            partial=self._acc.snapshot(),
            request_id=self.request_id,
        )


class _SyncStream(_StreamBase[_C, _A], Closes):
    def __init__(self, response: httpx.Response, core: _Core[_C], accumulator: _Accumulator[_C, _A]) -> None:
        super().__init__(response, core, accumulator)
        self._iterator: Generator[_C, None, None] = self._iterate()

    def _iterate(self) -> Generator[_C, None, None]:
        response = self.response
        core = self._core
        try:
            if self._needs_body():
                raise self._body_error(response.read())
            try:
                for raw in response.iter_bytes():
                    yield from core.feed(raw)
                    if core.done:
                        break
                else:
                    yield from core.flush()
            except httpx.TransportError as exc:
                raise self._broken(exc) from exc
            if not self._acc.complete:
                self._acc.final(self.request_id)  # raises IncompleteStreamError
        finally:
            response.close()

    def __iter__(self) -> Iterator[_C]:
        return self._iterator

    def __next__(self) -> _C:
        return next(self._iterator)

    def close(self) -> None:
        """Stop reading and close the HTTP response (safe to call more than once)."""
        self._iterator.close()
        self.response.close()

    @property
    def text_stream(self) -> Iterator[str]:
        """The answer text as it arrives (every chunk still counts for the final answer)."""
        for chunk in self._iterator:
            text = _text_of_chunk(chunk)
            if text:
                yield text

    def until_done(self) -> Self:
        """Read the stream to its end."""
        for _ in self._iterator:
            pass
        return self

    def get_final_answer(self) -> _A:
        """Read the rest of the stream and return the assembled answer.

        Raises :class:`IncompleteStreamError` (with ``.partial``) if the final chunk never came.
        """
        self.until_done()
        return self._acc.final(self.request_id)


class _AsyncStream(_StreamBase[_C, _A], AsyncCloses):
    def __init__(self, response: httpx.Response, core: _Core[_C], accumulator: _Accumulator[_C, _A]) -> None:
        super().__init__(response, core, accumulator)
        self._iterator: AsyncGenerator[_C, None] = self._iterate()

    async def _iterate(self) -> AsyncGenerator[_C, None]:
        response = self.response
        core = self._core
        try:
            if self._needs_body():
                raise self._body_error(await response.aread())
            try:
                async for raw in response.aiter_bytes():
                    for chunk in core.feed(raw):
                        yield chunk
                    if core.done:
                        break
                else:
                    for chunk in core.flush():
                        yield chunk
            except httpx.TransportError as exc:
                raise self._broken(exc) from exc
            if not self._acc.complete:
                self._acc.final(self.request_id)
        finally:
            await response.aclose()

    def __aiter__(self) -> AsyncIterator[_C]:
        return self._iterator

    async def __anext__(self) -> _C:
        return await self._iterator.__anext__()

    async def aclose(self) -> None:
        """Stop reading and close the HTTP response (safe to call more than once)."""
        await self._iterator.aclose()
        await self.response.aclose()

    async def close(self) -> None:
        """Same as :meth:`aclose`."""
        await self.aclose()

    @property
    def text_stream(self) -> AsyncIterator[str]:
        """The answer text as it arrives (every chunk still counts for the final answer)."""
        return self._text_stream()

    async def _text_stream(self) -> AsyncIterator[str]:
        async for chunk in self._iterator:
            text = _text_of_chunk(chunk)
            if text:
                yield text

    async def until_done(self) -> Self:
        """Read the stream to its end."""
        async for _ in self._iterator:
            pass
        return self

    async def get_final_answer(self) -> _A:
        """Read the rest of the stream and return the assembled answer.

        Raises :class:`IncompleteStreamError` (with ``.partial``) if the final chunk never came.
        """
        await self.until_done()
        return self._acc.final(self.request_id)


class ChatStream(_SyncStream[ChatChunk, ChatAnswer]):
    """A streamed standard chat answer.

    Iterate it for typed chunks, use it as a context manager, ``close()`` it to stop early;
    ``text_stream`` gives only the text and :meth:`get_final_answer` the assembled :class:`ChatAnswer`.
    """

    def __init__(self, response: httpx.Response) -> None:
        acc = ChatAccumulator()
        super().__init__(response, _ChatCore(acc), acc)


class AsyncChatStream(_AsyncStream[ChatChunk, ChatAnswer]):
    """The async twin of :class:`ChatStream` (``async for``, ``async with``, ``aclose()``)."""

    def __init__(self, response: httpx.Response) -> None:
        acc = ChatAccumulator()
        super().__init__(response, _ChatCore(acc), acc)


class CompletionStream(_SyncStream[CompletionChunk, CompletionAnswer]):
    """A streamed OpenAI-compatible completion; the same interface as :class:`ChatStream`."""

    def __init__(self, response: httpx.Response) -> None:
        acc = CompletionAccumulator()
        super().__init__(response, _CompletionCore(acc), acc)


class AsyncCompletionStream(_AsyncStream[CompletionChunk, CompletionAnswer]):
    """The async twin of :class:`CompletionStream`."""

    def __init__(self, response: httpx.Response) -> None:
        acc = CompletionAccumulator()
        super().__init__(response, _CompletionCore(acc), acc)


def _text_of_chunk(chunk: object) -> str:
    if type(chunk) is ContentChunk:
        return chunk.delta.content
    if type(chunk) is ChatCompletionChunk and chunk.choices:
        content = chunk.choices[0].delta.content
        return content if isinstance(content, str) else ""
    return ""
