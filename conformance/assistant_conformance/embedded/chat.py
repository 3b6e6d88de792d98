"""Data plane, chat: chat, OpenAI-compatible chat completions, and context retrieval."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import anyio.to_thread

from .answer import Answer, compose, with_inline_markers
from .control import require_assistant
from .errors import bad_request
from .faults import ALLOW_EMPTY_CONTENT, ALLOW_JSON_RESPONSE_STREAM, IGNORE_FILTER, Reply
from .files import parse_filter
from .ingest import PAGED_KINDS
from .models import concrete_model, content_filter_spec
from .retrieval import Snippet
from .runtime import Call, Fields
from .store import FileRow
from .streaming import StreamReply, chat_events, completion_events
from .tokens import count_tokens
from .versions import V2026_04
from .views import file_json

DEFAULT_TOP_K = 16
MAX_TOP_K = 64
DEFAULT_SNIPPET_SIZE = 2048
MIN_SNIPPET_SIZE = 512
MAX_SNIPPET_SIZE = 8192
ROLES = ("user", "assistant", "system")
MIN_TEMPERATURE = 0
MAX_TEMPERATURE = 2


@dataclass
class Retrieval:
    query: str
    filter: dict[str, Any] | None
    top_k: int
    snippet_size: int


def new_id() -> str:
    """A 32-hex-digit id in the service's style (``0000000000000000`` + 16 random digits)."""
    return "0" * 16 + secrets.token_hex(8)


def _messages(call: Call, fields: Fields) -> list[dict[str, str]]:
    raw = fields.array("messages", required=True)
    assert raw is not None
    if not raw:
        raise bad_request("messages must hold at least one message.")
    out: list[dict[str, str]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise bad_request(f"messages[{i}] must be an object with role and content.")
        sub = Fields(item, f"messages[{i}].")
        role = sub.string("role", required=True)
        content = sub.string("content", required=True)
        assert role is not None
        assert content is not None
        if role not in ROLES:
            raise bad_request(f"messages[{i}].role must be one of {', '.join(ROLES)}, got {role!r}.")
        if not content.strip() and not call.faults.flag(ALLOW_EMPTY_CONTENT):
            raise bad_request(f"Message content cannot be empty (messages[{i}].content).")
        out.append({"role": role, "content": content})
    return out


def _question(messages: list[dict[str, str]]) -> str:
    for message in reversed(messages):
        if message["role"] == "user":
            return message["content"]
    return messages[-1]["content"]


def _range(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}, got {value}.")
    return value


def _temperature(fields: Fields) -> None:
    """``temperature`` is checked (a number from 0 to 2, as the service requires) and otherwise ignored."""
    value = fields.number("temperature")
    if value is not None and not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        raise bad_request(
            f"temperature must be between {MIN_TEMPERATURE} and {MAX_TEMPERATURE}, got {value}."
        )


def _multimodal_options(fields: Fields) -> None:
    """``multimodal`` and ``include_binary_content``: binary content exists only with multimodal snippets."""
    multimodal = fields.boolean("multimodal", True)
    explicit_binary = fields.present("include_binary_content")
    binary = fields.boolean("include_binary_content", True)
    if explicit_binary and binary and not multimodal:
        name = fields.label("include_binary_content")
        raise bad_request(
            f"{name} can only be true when multimodal is true: set {fields.label('multimodal')} to true, "
            f"or leave {name} out."
        )


def _filter(call: Call, fields: Fields) -> dict[str, Any] | None:
    return parse_filter(fields.any("filter"), "filter")


@dataclass
class _Found:
    snippets: list[Snippet]
    files: dict[str, FileRow]


def _retrieve(call: Call, assistant: str, retrieval: Retrieval) -> _Found:
    snapshot = call.runtime.retriever.snapshot(assistant)
    spec = None if call.faults.flag(IGNORE_FILTER) else retrieval.filter
    hits = snapshot.index.search(retrieval.query, retrieval.top_k, snapshot.mask(spec))
    return _Found(snapshot.index.snippets(hits, retrieval.snippet_size), snapshot.files)


def _reference(
    call: Call, found: _Found, file_id: str, pages: list[int], highlight: str | None
) -> dict[str, Any]:
    return {
        "file": file_json(call, found.files[file_id]),
        "pages": pages,
        "highlight": None if highlight is None else {"type": "text", "content": highlight},
    }


def _content_filter_results(model: str) -> dict[str, Any]:
    spec = content_filter_spec(model)
    if spec == "gemini":
        categories = (
            "HARM_CATEGORY_HATE_SPEECH",
            "HARM_CATEGORY_DANGEROUS_CONTENT",
            "HARM_CATEGORY_HARASSMENT",
            "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        )
        results: dict[str, Any] = {
            "safety_ratings": [
                {"category": c, "probability": "NEGLIGIBLE", "blocked": False} for c in categories
            ]
        }
    else:
        results = {
            k: {"filtered": False, "severity": "safe"} for k in ("hate", "self_harm", "sexual", "violence")
        }
    return {"spec": spec, "results": results}


def _usage(answer: Answer) -> dict[str, int]:
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "total_tokens": answer.total_tokens,
    }


async def _answer(
    call: Call,
    assistant_name: str,
    messages: list[dict[str, str]],
    retrieval: Retrieval,
    *,
    include_highlights: bool,
    json_response: bool,
) -> tuple[Answer, _Found]:
    assistant = require_assistant(call, assistant_name)
    prompt_text = "\n".join([assistant.instructions or "", *(m["content"] for m in messages)])

    def work() -> tuple[Answer, _Found]:
        found = _retrieve(call, assistant_name, retrieval)
        answer = compose(
            retrieval.query,
            found.snippets,
            prompt_text=prompt_text,
            include_highlights=include_highlights,
            json_response=json_response,
            max_output_tokens=call.settings.max_output_tokens,
        )
        return answer, found

    return await anyio.to_thread.run_sync(work)


async def chat_assistant(call: Call) -> Reply | StreamReply:
    assistant_name = call.path("assistant_name")
    fields = Fields(await call.json_body())
    messages = _messages(call, fields)
    stream = fields.boolean("stream", False)
    model = concrete_model(fields.any("model"))
    _temperature(fields)
    json_response = fields.boolean("json_response", False)
    include_highlights = fields.boolean("include_highlights", False)
    options = Fields(fields.obj("context_options") or {}, "context_options.")
    top_k = _range("context_options.top_k", options.count("top_k", DEFAULT_TOP_K), 0, MAX_TOP_K)
    snippet_size = _range(
        "context_options.snippet_size",
        options.count("snippet_size", DEFAULT_SNIPPET_SIZE),
        MIN_SNIPPET_SIZE,
        MAX_SNIPPET_SIZE,
    )
    _multimodal_options(options)
    spec = _filter(call, fields)
    if json_response and stream and not call.faults.flag(ALLOW_JSON_RESPONSE_STREAM):
        raise bad_request("json_response cannot be combined with stream: set one of them to false.")
    retrieval = Retrieval(_question(messages), spec, top_k, snippet_size)
    answer, found = await _answer(
        call,
        assistant_name,
        messages,
        retrieval,
        include_highlights=include_highlights,
        json_response=json_response,
    )
    chat_id = new_id()
    references = [
        [_reference(call, found, r.file_id, r.pages, r.highlight) for r in c.references]
        for c in answer.citations
    ]
    extra: dict[str, Any] = {}
    if call.version == V2026_04:
        extra = {
            "context_snippet_count": len(found.snippets),
            "content_filter_results": _content_filter_results(model),
        }
    if stream:
        end_extra = {"content_filter_results": extra["content_filter_results"]} if extra else {}
        return StreamReply(
            chat_events(
                answer,
                chat_id=chat_id,
                model=model,
                references=references,
                start_extra=extra,
                end_extra=end_extra,
            )
        )
    body: dict[str, Any] = {
        "id": chat_id,
        "model": model,
        "finish_reason": answer.finish_reason,
        "message": {"role": "assistant", "content": answer.text},
        "citations": [
            {"position": c.position, "references": refs}
            for c, refs in zip(answer.citations, references, strict=True)
        ],
        "usage": _usage(answer),
        **extra,
    }
    return Reply(200, body)


async def chat_completion_assistant(call: Call) -> Reply | StreamReply:
    assistant_name = call.path("assistant_name")
    fields = Fields(await call.json_body())
    messages = _messages(call, fields)
    stream = fields.boolean("stream", False)
    model = concrete_model(fields.any("model"))
    _temperature(fields)
    spec = _filter(call, fields)
    retrieval = Retrieval(_question(messages), spec, DEFAULT_TOP_K, DEFAULT_SNIPPET_SIZE)
    answer, _ = await _answer(
        call, assistant_name, messages, retrieval, include_highlights=False, json_response=False
    )
    text = with_inline_markers(answer)
    answer.completion_tokens = count_tokens(text)
    chat_id = new_id()
    if stream:
        return StreamReply(completion_events(text, answer, chat_id=chat_id, model=model))
    return Reply(
        200,
        {
            "id": chat_id,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": answer.finish_reason,
                    "message": {"role": "assistant", "content": text},
                }
            ],
            "usage": _usage(answer),
        },
    )


async def context_assistant(call: Call) -> Reply:
    assistant_name = call.path("assistant_name")
    fields = Fields(await call.json_body())
    query = fields.string("query")
    has_messages = fields.any("messages") is not None
    if (query is None) == (not has_messages):
        raise bad_request("Send exactly one of query or messages.")
    if query is not None:
        if not query.strip():
            raise bad_request("query cannot be empty.")
        question = query
        prompt = query
    else:
        messages = _messages(call, fields)
        question = _question(messages)
        prompt = "\n".join(m["content"] for m in messages)
    top_k = _range("top_k", fields.count("top_k", DEFAULT_TOP_K), 0, MAX_TOP_K)
    snippet_size = _range(
        "snippet_size", fields.count("snippet_size", DEFAULT_SNIPPET_SIZE), MIN_SNIPPET_SIZE, MAX_SNIPPET_SIZE
    )
    _multimodal_options(fields)
    spec = _filter(call, fields)
    require_assistant(call, assistant_name)
    retrieval = Retrieval(question, spec, top_k, snippet_size)
    found = await anyio.to_thread.run_sync(_retrieve, call, assistant_name, retrieval)
    snippets = []
    for snippet in found.snippets:
        row = found.files[snippet.file_id]
        reference: dict[str, Any] = {"type": row.kind, "file": file_json(call, row)}
        if row.kind in PAGED_KINDS:
            reference["pages"] = snippet.pages
        snippets.append(
            {
                "type": "text",
                "content": snippet.text,
                "score": round(snippet.score, 6),
                "reference": reference,
            }
        )
    prompt_tokens = count_tokens(prompt) + sum(s.tokens for s in found.snippets)
    return Reply(
        200,
        {
            "id": new_id(),
            "snippets": snippets,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 0, "total_tokens": prompt_tokens},
        },
    )
