"""A deterministic, extractive answer composer standing in for the language model.

From each retrieved snippet (best first, at most :data:`MAX_CITED`) the sentence sharing the most
index terms with the question is quoted; each quoted sentence ends with a citation whose ``position``
is the character offset right after it, and whose reference carries the file, the sentence's page
and (when asked) the sentence as highlight. The answer is capped at ``max_output_tokens``
approximate tokens (see :mod:`.tokens`); hitting the cap truncates the text and sets
``finish_reason`` to ``length``. With ``json_response`` the text is a JSON object
``{"answer": ..., "references": [...]}`` and carries no citations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .retrieval import Snippet, terms
from .tokens import count_tokens, truncate_to_tokens

MAX_CITED = 6
DEFAULT_MAX_OUTPUT_TOKENS = 1024
NO_ANSWER = "I could not find any information about that in the assistant's files."


@dataclass(frozen=True)
class Reference:
    file_id: str
    pages: list[int]
    highlight: str | None


@dataclass(frozen=True)
class Citation:
    position: int
    references: list[Reference]


@dataclass
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def _best_sentence(snippet: Snippet, wanted: set[str], used: set[str]) -> tuple[str, int | None] | None:
    best: tuple[int, str, int | None] | None = None
    for sentence in snippet.sentences:
        if sentence.text in used:
            continue
        overlap = len(wanted & sentence.terms)
        if overlap and (best is None or overlap > best[0]):
            best = (overlap, sentence.text, sentence.page)
    return None if best is None else (best[1], best[2])


def compose(
    question: str,
    snippets: list[Snippet],
    *,
    prompt_text: str,
    include_highlights: bool,
    json_response: bool,
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
) -> Answer:
    """Compose the answer to ``question`` from ``snippets``.

    ``prompt_text`` is everything sent to the model besides the snippets (instructions and messages);
    it only feeds ``prompt_tokens``.
    """
    wanted = set(terms(question))
    used: set[str] = set()
    text = ""
    citations: list[Citation] = []
    cited: list[tuple[str, list[int]]] = []
    for snippet in snippets:
        if len(citations) == MAX_CITED:
            break
        found = _best_sentence(snippet, wanted, used)
        if found is None:
            continue
        sentence, page = found
        used.add(sentence)
        text = f"{text} {sentence}" if text else sentence
        pages = [page] if page is not None else []
        citations.append(
            Citation(len(text), [Reference(snippet.file_id, pages, sentence if include_highlights else None)])
        )
        cited.append((snippet.file_id, pages))
    if not text:
        text = NO_ANSWER
    finish_reason = "stop"
    if count_tokens(text) > max_output_tokens:
        text = truncate_to_tokens(text, max_output_tokens)
        citations = [c for c in citations if c.position <= len(text)]
        cited = cited[: len(citations)]
        finish_reason = "length"
    if json_response:
        text = json.dumps(
            {"answer": text, "references": [{"file_id": f, "pages": p} for f, p in cited]},
            ensure_ascii=False,
        )
        citations = []
    prompt_tokens = count_tokens(prompt_text) + sum(s.tokens for s in snippets)
    return Answer(text, citations, finish_reason, prompt_tokens, count_tokens(text))


def with_inline_markers(answer: Answer) -> str:
    """The answer text with ``[n, pp. x]`` markers after each cited sentence (chat completions).

    ``n`` numbers the cited files in order of first citation; ``pp.`` lists the pages when the file
    has pages.
    """
    numbers: dict[str, int] = {}
    text = answer.text
    inserts: list[tuple[int, str]] = []
    for citation in answer.citations:
        labels = []
        for ref in citation.references:
            n = numbers.setdefault(ref.file_id, len(numbers) + 1)
            if ref.pages:
                labels.append(f"[{n}, pp. {', '.join(str(p) for p in ref.pages)}]")
            else:
                labels.append(f"[{n}]")
        inserts.append((citation.position, " " + " ".join(labels)))
    for position, marker in sorted(inserts, reverse=True):
        text = text[:position] + marker + text[position:]
    return text
