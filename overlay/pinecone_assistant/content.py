"""One way to get the text, citations and highlights out of any answer.

:func:`text_of` takes a client answer (:class:`ChatResponse`, :class:`CompletionResponse`), a chat
response (:class:`ChatModel`), a completion
(:class:`ChatCompletionModel`), an assembled answer (:class:`ChatAnswer`, :class:`CompletionAnswer`),
a sync stream (read to its end), a list of stream chunks, or a ``str``; the result is the same
whether the answer was streamed or not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from assistant_api.models.assistant_file_model import AssistantFileModel
from assistant_api.models.chat_completion_chunk import ChatCompletionChunk
from assistant_api.models.chat_completion_model import ChatCompletionModel
from assistant_api.models.chat_model import ChatModel
from assistant_api.models.citation_model import CitationModel
from assistant_api.models.highlight_model import HighlightModel
from assistant_api.types import Unset

from .chat import ChatResponse
from .citation import render_citations
from .completions import CompletionResponse
from .stream import (
    AsyncChatStream,
    AsyncCompletionStream,
    ChatAnswer,
    ChatStream,
    CompletionAnswer,
    CompletionStream,
    accumulate,
    accumulate_completion,
)

__all__ = ["Highlight", "answer_of", "citations_of", "cited_text", "highlights_of", "text_of"]


@dataclass(frozen=True, slots=True)
class Highlight:
    """A passage of a file that supports the answer at ``position``."""

    position: int
    content: str
    file: AssistantFileModel
    pages: tuple[int, ...]

    @property
    def file_name(self) -> str:
        """The name of the file the passage comes from."""
        return self.file.name


def answer_of(x: Any) -> ChatAnswer | CompletionAnswer:
    """Any answer form as a :class:`ChatAnswer` or :class:`CompletionAnswer`.

    Streams are read to their end; a list of chunks is assembled (both raise
    :class:`~pinecone_assistant.errors.IncompleteStreamError` if the final chunk is missing).
    """
    if isinstance(x, ChatAnswer | CompletionAnswer):
        return x
    if isinstance(x, ChatResponse | CompletionResponse):
        return x.answer()
    if isinstance(x, ChatModel):
        return ChatAnswer.from_chat_model(x)
    if isinstance(x, ChatCompletionModel):
        return CompletionAnswer.from_completion_model(x)
    if isinstance(x, ChatStream | CompletionStream):
        return x.get_final_answer()
    if isinstance(x, AsyncChatStream | AsyncCompletionStream):
        raise TypeError("an async stream must be awaited: use `text_of(await stream.get_final_answer())`")
    if isinstance(x, str | bytes | dict):
        raise TypeError(f"expected an answer, a stream or a list of chunks, not {type(x).__name__}")
    if isinstance(x, Iterable):
        chunks = list(x)
        if any(isinstance(chunk, ChatCompletionChunk) for chunk in chunks):
            return accumulate_completion(chunks)
        return accumulate(chunks)
    raise TypeError(
        f"cannot get an answer from {type(x).__name__}; expected ChatResponse, CompletionResponse, "
        "ChatModel, ChatCompletionModel, "
        "ChatAnswer, CompletionAnswer, a ChatStream/CompletionStream, or a list of stream chunks"
    )


def text_of(x: Any) -> str:
    """The answer text of ``x`` (see :func:`answer_of` for what ``x`` may be; a ``str`` is returned as is)."""
    if isinstance(x, str):
        return x
    return answer_of(x).text


def citations_of(x: Any) -> list[CitationModel]:
    """The structured citations of a standard chat answer (completions have none: they cite inline)."""
    answer = answer_of(x)
    return list(answer.citations) if isinstance(answer, ChatAnswer) else []


def highlights_of(x: Any) -> list[Highlight]:
    """Every highlight of the answer's references, in citation order (needs ``include_highlights``)."""
    found: list[Highlight] = []
    for citation in citations_of(x):
        for reference in citation.references:
            highlight = reference.highlight
            if isinstance(highlight, HighlightModel):
                pages = tuple(reference.pages) if not isinstance(reference.pages, Unset) else ()
                found.append(Highlight(citation.position, highlight.content, reference.file, pages))
    return found


def cited_text(x: Any, *, style: Literal["inline", "footnotes"] = "inline") -> str:
    """The answer text with its citations written in (see :func:`.citation.render_citations`).

    A completion's text already carries inline markers and is returned as is.
    """
    answer = answer_of(x)
    if isinstance(answer, CompletionAnswer):
        return answer.text
    return render_citations(answer.text, answer.citations, style=style)
