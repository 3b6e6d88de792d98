"""OpenAI-compatible chat completions (``POST /chat/{name}/chat/completions``).

The request takes ``messages``, ``stream``, ``model``, ``temperature`` and ``filter`` (no
``json_response``, ``include_highlights`` or ``context_options``), checked like standard chat.
Responses are read leniently: the legacy ``{"chat_completion": {...}}`` wrapper is unwrapped, a
missing ``role`` or ``content`` is allowed, usage on the last stream chunk is kept.

The openai SDK works against the same endpoint::

    from openai import OpenAI
    client = OpenAI(**assistant_client.openai_kwargs("my-assistant"))
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])

where ``openai_kwargs`` gives ``base_url=f"{host}/assistant/chat/{name}"``, ``api_key`` and
``default_headers`` carrying ``Api-Key`` and ``X-Pinecone-Api-Version`` (see :func:`openai_kwargs`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from ._call import ApiCall, check_assistant_name, parse_model
from ._constants import API_KEY_HEADER, API_VERSION_HEADER
from .chat import MessagesInput, check_messages, check_model, check_temperature, metadata_filter
from .errors import ClientValidationError, request_id_of

if TYPE_CHECKING:
    from assistant_api.models.chat_completion_choice import ChatCompletionChoice
    from assistant_api.models.chat_completion_model import ChatCompletionModel
    from assistant_api.models.finish_reason import FinishReason
    from assistant_api.models.usage_model import UsageModel

    from .filter import FilterLike
    from .stream import CompletionAnswer

__all__ = ["CompletionResponse", "build", "openai_kwargs", "parse"]


def build(
    assistant_name: str,
    messages: MessagesInput,
    *,
    stream: bool,
    model: str | None,
    temperature: float | None,
    filter: FilterLike | None,
    api_version: str,
) -> dict[str, Any]:
    """The request kwargs of ``POST /chat/{name}/chat/completions``, after every check."""
    from assistant_api.api.chat import chat_completion_assistant
    from assistant_api.models.chat_completion_model_name import ChatCompletionModelName
    from assistant_api.models.chat_completion_request import ChatCompletionRequest
    from assistant_api.types import UNSET

    check_assistant_name(assistant_name)
    if not isinstance(stream, bool):
        raise ClientValidationError(f"stream must be True or False, got {stream!r}.")
    checked_messages = check_messages(messages)
    name = check_model(model)
    temp = check_temperature(temperature)
    flt = metadata_filter(filter)
    body = ChatCompletionRequest(
        messages=checked_messages,
        stream=True if stream else UNSET,
        model=ChatCompletionModelName(name) if name is not None else UNSET,
        temperature=temp if temp is not None else UNSET,
        filter_=flt if flt is not None else UNSET,
    )
    kwargs: dict[str, Any] = chat_completion_assistant._get_kwargs(
        assistant_name, body=body, x_pinecone_api_version=api_version
    )
    return kwargs


class CompletionResponse:
    """A chat completion: the generated ``ChatCompletionModel`` (``raw``), shortcuts and the request id."""

    __slots__ = ("raw", "request_id")

    def __init__(self, raw: ChatCompletionModel, request_id: str | None = None) -> None:
        self.raw = raw
        #: The ``x-pinecone-request-id`` (or ``x-request-id``) of the response.
        self.request_id = request_id

    @property
    def id(self) -> str:
        """Id of the completion."""
        return self.raw.id

    @property
    def model(self) -> str:
        """The model that answered."""
        return self.raw.model

    @property
    def choices(self) -> list[ChatCompletionChoice]:
        """The choices (usually one)."""
        return self.raw.choices

    @property
    def usage(self) -> UsageModel:
        """Token counts."""
        return self.raw.usage

    @property
    def text(self) -> str:
        """The content of the first choice ("" if it has none)."""
        from assistant_api.types import Unset

        if not self.raw.choices:
            return ""
        content = self.raw.choices[0].message.content
        return "" if isinstance(content, Unset) else content

    @property
    def finish_reason(self) -> FinishReason | None:
        """The finish reason of the first choice."""
        return self.raw.choices[0].finish_reason if self.raw.choices else None

    def answer(self) -> CompletionAnswer:
        """The completion in the form a stream assembles (a ``stream.CompletionAnswer``)."""
        from .stream import CompletionAnswer

        return CompletionAnswer.from_completion_model(self.raw)

    def to_dict(self) -> dict[str, Any]:
        """The response as JSON-ready data (unknown fields included)."""
        return self.raw.to_dict()

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        reason = self.finish_reason
        return (
            f"CompletionResponse(id={self.id!r}, model={self.model!r}, "
            f"finish_reason={None if reason is None else str(reason)!r}, text={text!r})"
        )


def parse(response: httpx.Response) -> CompletionResponse:
    """The :class:`CompletionResponse` of a successful non-streaming completion."""
    from assistant_api.models.chat_completion_model import ChatCompletionModel

    raw = parse_model(ChatCompletionModel, unwrap="chat_completion")(response)
    return CompletionResponse(raw, request_id_of(response.headers))


def call(kwargs: dict[str, Any], assistant_name: str) -> ApiCall[CompletionResponse]:
    """The non-streaming call for request ``kwargs``."""
    return ApiCall("data", kwargs, parse, assistant_name)


def openai_kwargs(data_base_url: str, assistant_name: str, api_key: str, api_version: str) -> dict[str, Any]:
    """Keyword arguments for ``openai.OpenAI(...)`` that point it at an assistant's completions endpoint.

    ``data_base_url`` is the assistant's data-plane base (``{host}/assistant``). The openai SDK sends
    the key as ``Authorization: Bearer``; ``default_headers`` adds the ``Api-Key`` header and the
    API version the service expects.
    """
    check_assistant_name(assistant_name)
    return {
        "base_url": f"{data_base_url}/chat/{assistant_name}",
        "api_key": api_key,
        "default_headers": {API_KEY_HEADER: api_key, API_VERSION_HEADER: api_version},
    }
