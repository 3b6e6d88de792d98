"""Standard chat (``POST /chat/{name}``): argument checks, the request body, and the response type.

Everything a chat request can carry is checked here before anything is sent, each failure a
:class:`~pinecone_assistant.errors.ClientValidationError` that says what is wrong and how to fix it:
empty or non-string content, an unknown role, ``json_response`` together with ``stream``,
``context_options`` out of bounds (``top_k`` 1..64, ``snippet_size`` 512..8192) and a malformed
metadata filter. Unset options are left out of the body, so the service applies its defaults.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import httpx

from ._call import ApiCall, check_assistant_name, decode_json, invalid_response
from ._constants import MESSAGE_ROLES, SNIPPET_SIZE_RANGE, TOP_K_RANGE
from .errors import ClientValidationError, request_id_of

if TYPE_CHECKING:
    from assistant_api.models.assistant_message import AssistantMessage
    from assistant_api.models.chat_model import ChatModel
    from assistant_api.models.citation_model import CitationModel
    from assistant_api.models.content_filter_results import ContentFilterResults
    from assistant_api.models.context_options import ContextOptions
    from assistant_api.models.finish_reason import FinishReason
    from assistant_api.models.message import Message
    from assistant_api.models.metadata_filter import MetadataFilter
    from assistant_api.models.usage_model import UsageModel

    from .filter import FilterLike
    from .stream import ChatAnswer

__all__ = [
    "ChatResponse",
    "ContextOptionsInput",
    "MessageInput",
    "MessagesInput",
    "build",
    "check_context_options",
    "check_messages",
    "check_top_k_snippet_size",
    "metadata_filter",
]

#: One message: the generated ``Message`` or a dict with ``role`` and ``content``.
MessageInput: TypeAlias = "Message | Mapping[str, Any]"
#: A conversation, or a single question (sent as one ``user`` message).
MessagesInput: TypeAlias = "str | Sequence[Message | Mapping[str, Any]]"
#: ``context_options`` as the generated ``ContextOptions`` or a dict of its fields.
ContextOptionsInput: TypeAlias = "ContextOptions | Mapping[str, Any]"

_MESSAGE_KEYS = frozenset({"role", "content"})
_CONTEXT_OPTION_KEYS = ("top_k", "snippet_size", "multimodal", "include_binary_content")


def _check_content(content: object, where: str) -> str:
    if not isinstance(content, str):
        raise ClientValidationError(f"{where}.content must be a string, got {type(content).__name__}.")
    if not content.strip():
        raise ClientValidationError(
            f"{where}.content is empty; the service rejects empty messages. Put the text in content."
        )
    return content


def _check_role(role: object, where: str) -> str:
    value = getattr(role, "value", role)
    if value not in MESSAGE_ROLES:
        allowed = " or ".join(repr(r) for r in MESSAGE_ROLES)
        raise ClientValidationError(f"{where}.role must be {allowed}, got {value!r}.")
    return str(value)


def check_messages(messages: object, what: str = "messages") -> list[Message]:
    """The conversation as generated ``Message`` objects; a plain string is one ``user`` message."""
    from assistant_api.models.message import Message
    from assistant_api.models.message_role import MessageRole

    if isinstance(messages, str):
        return [Message(role=MessageRole.USER, content=_check_content(messages, f"{what}[0]"))]
    if messages.__class__ is list and messages:
        # The common case, a list of plain {"role": str, "content": str} dicts, without the ABC
        # checks below (chat_p50_vs_httpx); anything else takes the general path, which says what
        # is wrong.
        fast: list[Message] = []
        for item in messages:
            if item.__class__ is not dict or item.keys() != _MESSAGE_KEYS:
                break
            role, content = item["role"], item["content"]
            if role.__class__ is not str or role not in MESSAGE_ROLES:
                break
            if content.__class__ is not str or not content.strip():
                break
            fast.append(Message(role=MessageRole(role), content=content))
        else:
            return fast
    if isinstance(messages, Mapping | Message) or not isinstance(messages, Sequence):
        raise ClientValidationError(
            f"{what} must be a list of messages (or a question string), got {type(messages).__name__}; "
            "e.g. [{'role': 'user', 'content': 'What is in my files?'}]."
        )
    if not messages:
        raise ClientValidationError(f"{what} is empty; pass at least one message with role 'user'.")
    out: list[Message] = []
    for index, item in enumerate(messages):
        where = f"{what}[{index}]"
        if isinstance(item, Message):
            role, content = item.role, item.content
        elif isinstance(item, Mapping):
            unknown = sorted(str(k) for k in item if k not in _MESSAGE_KEYS)
            if unknown:
                raise ClientValidationError(
                    f"{where} has unknown key(s) {', '.join(map(repr, unknown))}; "
                    "a message has only 'role' and 'content'."
                )
            if "role" not in item or "content" not in item:
                missing = " and ".join(repr(k) for k in ("role", "content") if k not in item)
                raise ClientValidationError(
                    f"{where} lacks {missing}; e.g. {{'role': 'user', 'content': '...'}}."
                )
            role, content = item["role"], item["content"]
        else:
            raise ClientValidationError(
                f"{where} must be a dict with 'role' and 'content' (or a Message), got {type(item).__name__}."
            )
        out.append(
            Message(role=MessageRole(_check_role(role, where)), content=_check_content(content, where))
        )
    return out


def _check_int(name: str, value: object, bounds: tuple[int, int], where: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ClientValidationError(f"{where}{name} must be an integer from {low} to {high}, got {value!r}.")
    return value


def check_top_k_snippet_size(top_k: object, snippet_size: object, where: str = "") -> None:
    """Bounds of ``top_k`` (1..64) and ``snippet_size`` (512..8192, tokens); None means unset."""
    if top_k is not None:
        _check_int("top_k", top_k, TOP_K_RANGE, where)
    if snippet_size is not None:
        _check_int("snippet_size", snippet_size, SNIPPET_SIZE_RANGE, where)


def _check_flag(name: str, value: object, where: str) -> None:
    if value is not None and not isinstance(value, bool):
        raise ClientValidationError(f"{where}{name} must be True or False, got {value!r}.")


def check_context_options(options: object) -> ContextOptions | None:
    """``context_options`` as the generated model, with unset fields left out of the body."""
    from assistant_api.models.context_options import ContextOptions
    from assistant_api.types import UNSET, Unset

    if options is None:
        return None
    if isinstance(options, ContextOptions):
        values = {key: getattr(options, key) for key in _CONTEXT_OPTION_KEYS}
        values = {key: None if isinstance(v, Unset) else v for key, v in values.items()}
    elif isinstance(options, Mapping):
        unknown = sorted(str(k) for k in options if k not in _CONTEXT_OPTION_KEYS)
        if unknown:
            raise ClientValidationError(
                f"context_options has unknown key(s) {', '.join(map(repr, unknown))}; "
                f"the options are {', '.join(_CONTEXT_OPTION_KEYS)}."
            )
        values = {key: options.get(key) for key in _CONTEXT_OPTION_KEYS}
    else:
        raise ClientValidationError(
            f"context_options must be a dict or ContextOptions, got {type(options).__name__}; "
            "e.g. {'top_k': 8, 'snippet_size': 1024}."
        )
    check_top_k_snippet_size(values["top_k"], values["snippet_size"], "context_options.")
    _check_flag("multimodal", values["multimodal"], "context_options.")
    _check_flag("include_binary_content", values["include_binary_content"], "context_options.")
    return ContextOptions(**{key: UNSET if v is None else v for key, v in values.items()})


def metadata_filter(value: FilterLike | None) -> MetadataFilter | None:
    """A filter (builder object or dict) checked by :func:`~pinecone_assistant.filter.validate_filter`."""
    if value is None:
        return None
    from assistant_api.models.metadata_filter import MetadataFilter

    from .filter import validate_filter

    return MetadataFilter.from_dict(validate_filter(value))


def check_temperature(temperature: object) -> float | None:
    """``temperature`` if it is None or a finite number >= 0."""
    if temperature is None:
        return None
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, int | float)
        or not math.isfinite(temperature)
        or temperature < 0
    ):
        raise ClientValidationError(f"temperature must be a number >= 0 (e.g. 0.2), got {temperature!r}.")
    return float(temperature)


def check_model(model: object) -> str | None:
    """``model`` if it is None or a non-empty string (the service checks the name)."""
    if model is None:
        return None
    if not isinstance(model, str) or not model.strip():
        raise ClientValidationError(f"model must be a model name such as 'gpt-4o', got {model!r}.")
    return model


def build(
    assistant_name: str,
    messages: MessagesInput,
    *,
    stream: bool,
    model: str | None,
    temperature: float | None,
    filter: FilterLike | None,
    json_response: bool | None,
    include_highlights: bool | None,
    context_options: ContextOptionsInput | None,
    api_version: str,
) -> dict[str, Any]:
    """The request kwargs of ``POST /chat/{name}`` (from the generated builder), after every check."""
    from assistant_api.api.chat import chat_assistant
    from assistant_api.models.chat_model_name import ChatModelName
    from assistant_api.models.chat_request import ChatRequest
    from assistant_api.types import UNSET

    check_assistant_name(assistant_name)
    _check_flag("stream", stream, "")
    _check_flag("json_response", json_response, "")
    _check_flag("include_highlights", include_highlights, "")
    if stream and json_response:
        raise ClientValidationError(
            "json_response cannot be combined with stream=True: the service answers JSON only as a whole. "
            "Drop stream=True to get a JSON answer, or drop json_response to stream text."
        )
    checked_messages = check_messages(messages)
    name = check_model(model)
    temp = check_temperature(temperature)
    options = check_context_options(context_options)
    flt = metadata_filter(filter)
    body = ChatRequest(
        messages=checked_messages,
        stream=True if stream else UNSET,
        model=ChatModelName(name) if name is not None else UNSET,
        temperature=temp if temp is not None else UNSET,
        filter_=flt if flt is not None else UNSET,
        json_response=json_response if json_response is not None else UNSET,
        include_highlights=include_highlights if include_highlights is not None else UNSET,
        context_options=options if options is not None else UNSET,
    )
    kwargs: dict[str, Any] = chat_assistant._get_kwargs(
        assistant_name, body=body, x_pinecone_api_version=api_version
    )
    return kwargs


class ChatResponse:
    """A chat answer: the generated ``ChatModel`` (``raw``) with shortcuts and the request id.

    ``text`` is the answer, ``citations`` carry ``position`` and ``references`` (file, pages,
    highlight), ``usage`` the token counts. Fields the service added beyond the API description are
    in ``raw.additional_properties``.

    An answer from the service keeps its decoded JSON: ``id``, ``model``, ``text``,
    ``finish_reason`` and ``context_snippet_count`` are read from it, and ``raw`` (with
    ``citations``, ``usage``, ``message``) is built on first access. The top-level fields, the
    message and the usage are checked when the answer arrives; a citation that does not match the
    API description raises :class:`~pinecone_assistant.errors.APIResponseValidationError` when the
    typed models are first built. (Building ``ChatModel`` with its file records costs more than the
    rest of a loopback round trip adds to plain httpx: ``chat_p50_vs_httpx`` in ``nox -s bench``.)
    """

    __slots__ = ("_data", "_finish_reason", "_raw", "_response", "request_id")

    def __init__(self, raw: ChatModel, request_id: str | None = None) -> None:
        self._raw: ChatModel | None = raw
        self._data: dict[str, Any] | None = None
        self._response: httpx.Response | None = None
        self._finish_reason: FinishReason = raw.finish_reason
        #: The ``x-pinecone-request-id`` (or ``x-request-id``) of the response.
        self.request_id = request_id

    @classmethod
    def from_response(cls, response: httpx.Response) -> ChatResponse:
        """The answer in the JSON body of a successful non-streaming chat (checked, models built lazily)."""
        data = decode_json(response)
        if not isinstance(data, dict):
            raise invalid_response(response, f"expected a JSON object, got {type(data).__name__}", data)
        try:
            finish_reason = _check_body(data)
        except KeyError as exc:
            raise invalid_response(response, f"the field {exc} is missing from ChatModel", data) from exc
        except (TypeError, ValueError) as exc:
            raise invalid_response(response, f"ChatModel: {exc}", data) from exc
        self = cls.__new__(cls)
        self._raw = None
        self._data = data
        self._response = response
        self._finish_reason = finish_reason
        self.request_id = request_id_of(response.headers)
        return self

    @property
    def raw(self) -> ChatModel:
        """The answer as the generated ``ChatModel`` (built on first access)."""
        raw = self._raw
        if raw is None:
            raw = self._raw = self._build()
        return raw

    def _build(self) -> ChatModel:
        from assistant_api.models.chat_model import ChatModel

        data, response = self._data, self._response
        assert data is not None
        assert response is not None
        try:
            raw = ChatModel.from_dict(data)
        except KeyError as exc:
            raise invalid_response(response, f"the field {exc} is missing from ChatModel", data) from exc
        except (TypeError, ValueError, AttributeError) as exc:
            raise invalid_response(response, f"ChatModel: {exc}", data) from exc
        self._response = None  # no longer needed for errors
        return raw

    @property
    def id(self) -> str:
        """Id of the answer."""
        data = self._data
        return data["id"] if data is not None else self.raw.id

    @property
    def model(self) -> str:
        """The model that answered (a concrete id such as ``gpt-4o-2024-11-20``)."""
        data = self._data
        return data["model"] if data is not None else self.raw.model

    @property
    def message(self) -> AssistantMessage:
        """The answer as a message (``role``, ``content``)."""
        return self.raw.message

    @property
    def text(self) -> str:
        """The answer text."""
        data = self._data
        return data["message"]["content"] if data is not None else self.raw.message.content

    @property
    def citations(self) -> list[CitationModel]:
        """Citations, each with the ``position`` in ``text`` it applies to and its ``references``."""
        return self.raw.citations

    @property
    def finish_reason(self) -> FinishReason:
        """Why the answer ended (``stop``, ``length``, ``content_filter``, ...; unknown values kept)."""
        return self._finish_reason

    @property
    def usage(self) -> UsageModel:
        """Token counts (``prompt_tokens``, ``completion_tokens``, ``total_tokens``)."""
        return self.raw.usage

    @property
    def context_snippet_count(self) -> int | None:
        """How many snippets the model was given (0: no context found); None if not reported."""
        data = self._data
        value = data.get("context_snippet_count") if data is not None else self.raw.context_snippet_count
        return value if isinstance(value, int) else None

    @property
    def content_filter_results(self) -> ContentFilterResults | None:
        """The provider's content-filter results, if reported."""
        from assistant_api.types import Unset

        value = self.raw.content_filter_results
        return None if isinstance(value, Unset) else value

    def answer(self) -> ChatAnswer:
        """The answer in the form a stream assembles (:class:`~pinecone_assistant.stream.ChatAnswer`)."""
        from .stream import ChatAnswer

        return ChatAnswer.from_chat_model(self.raw)

    def to_dict(self) -> dict[str, Any]:
        """The response as JSON-ready data (unknown fields included)."""
        return self.raw.to_dict()

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        data = self._data
        citations = len(data["citations"]) if data is not None else len(self.raw.citations)
        return (
            f"ChatResponse(id={self.id!r}, model={self.model!r}, finish_reason={str(self.finish_reason)!r}, "
            f"text={text!r}, citations={citations})"
        )


def _require(data: dict[str, Any], *keys: str) -> None:
    for key in keys:
        if key not in data:
            raise KeyError(key)


def _check_body(data: dict[str, Any]) -> FinishReason:
    """What ``ChatModel.from_dict`` would refuse outside the citations, in its order; the finish reason.

    Raises ``KeyError`` naming a missing field, ``TypeError``/``ValueError`` for a wrong shape.
    """
    from assistant_api.models.finish_reason import FinishReason
    from assistant_api.models.message_role import MessageRole

    _require(data, "id")
    finish_reason = FinishReason(data["finish_reason"])
    message = data["message"]
    if not isinstance(message, dict):
        raise TypeError(f"message must be an object, got {type(message).__name__}")
    MessageRole(message["role"])
    _require(message, "content")
    _require(data, "model")
    citations = data["citations"]
    if not isinstance(citations, list):
        raise TypeError(f"citations must be a list, got {type(citations).__name__}")
    usage = data["usage"]
    if not isinstance(usage, dict):
        raise TypeError(f"usage must be an object, got {type(usage).__name__}")
    _require(usage, "prompt_tokens", "completion_tokens", "total_tokens")
    return finish_reason


def parse(response: httpx.Response) -> ChatResponse:
    """The :class:`ChatResponse` of a successful non-streaming chat."""
    return ChatResponse.from_response(response)


def call(kwargs: dict[str, Any], assistant_name: str) -> ApiCall[ChatResponse]:
    """The non-streaming call for request ``kwargs``."""
    return ApiCall("data", kwargs, parse, assistant_name)
