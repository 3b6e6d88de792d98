"""Context retrieval (``POST /chat/{name}/context``): the snippets an answer would be based on.

Exactly one of ``query`` and ``messages`` is sent; ``top_k`` (1..64), ``snippet_size``
(512..8192 tokens), ``multimodal``, ``include_binary_content`` and ``filter`` are optional and
checked before sending. The answer is the generated ``ContextModel`` (``snippets``, ``usage``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._call import ApiCall, check_assistant_name, check_text, parse_model
from .chat import MessagesInput, check_messages, check_top_k_snippet_size, metadata_filter
from .errors import ClientValidationError

if TYPE_CHECKING:
    from assistant_api.models.context_model import ContextModel

    from .filter import FilterLike

__all__ = ["build"]


def build(
    assistant_name: str,
    *,
    query: str | None,
    messages: MessagesInput | None,
    filter: FilterLike | None,
    top_k: int | None,
    snippet_size: int | None,
    multimodal: bool | None,
    include_binary_content: bool | None,
    api_version: str,
) -> ApiCall[ContextModel]:
    """The call for ``POST /chat/{name}/context``, after every check."""
    from assistant_api.api.chat import context_assistant
    from assistant_api.models.context_model import ContextModel
    from assistant_api.models.context_request import ContextRequest
    from assistant_api.types import UNSET

    check_assistant_name(assistant_name)
    if (query is None) == (messages is None):
        raise ClientValidationError(
            "Pass exactly one of query= (a search text) and messages= (a conversation) to context(); "
            + ("both were given." if query is not None else "neither was given.")
        )
    check_top_k_snippet_size(top_k, snippet_size)
    for name, flag in (("multimodal", multimodal), ("include_binary_content", include_binary_content)):
        if flag is not None and not isinstance(flag, bool):
            raise ClientValidationError(f"{name} must be True or False, got {flag!r}.")
    body = ContextRequest(
        query=check_text(query, "query", "pass the text to find snippets for")
        if query is not None
        else UNSET,
        messages=check_messages(messages) if messages is not None else UNSET,
        top_k=top_k if top_k is not None else UNSET,
        snippet_size=snippet_size if snippet_size is not None else UNSET,
        multimodal=multimodal if multimodal is not None else UNSET,
        include_binary_content=include_binary_content if include_binary_content is not None else UNSET,
    )
    flt = metadata_filter(filter)
    if flt is not None:
        body.filter_ = flt
    kwargs: dict[str, Any] = context_assistant._get_kwargs(
        assistant_name, body=body, x_pinecone_api_version=api_version
    )
    return ApiCall("data", kwargs, parse_model(ContextModel), assistant_name)
