"""Bad input is refused before anything is sent, with a message that says what is wrong and how to fix it.

The transport of every client here fails the test if it is ever called.
"""

from __future__ import annotations

from typing import Any

import pytest
from pinecone_assistant import ClientValidationError
from pinecone_assistant.filter import FilterError

from .client_support import MODES, Driver, refuse

USER = {"role": "user", "content": "What do foxes eat?"}

# (method, args, kwargs, client options, fragments the message must contain)
CASES: list[tuple[str, tuple[Any, ...], dict[str, Any], dict[str, Any], tuple[str, ...]]] = [
    ("chat", ("demo", [{"role": "user", "content": ""}]), {}, {}, ("messages[0].content is empty",)),
    ("chat", ("demo", [{"role": "user", "content": "  \n"}]), {}, {}, ("is empty",)),
    ("chat", ("demo", [{"role": "user", "content": 42}]), {}, {}, ("messages[0].content must be a string",)),
    (
        "chat",
        ("demo", [USER, {"role": "bot", "content": "hi"}]),
        {},
        {},
        ("messages[1].role", "'user' or 'assistant'", "'bot'"),
    ),
    ("chat", ("demo", [{"content": "hi"}]), {}, {}, ("lacks 'role'",)),
    ("chat", ("demo", [{**USER, "name": "x"}]), {}, {}, ("unknown key(s) 'name'",)),
    ("chat", ("demo", []), {}, {}, ("messages is empty",)),
    ("chat", ("demo", {"role": "user", "content": "hi"}), {}, {}, ("must be a list of messages",)),
    (
        "chat",
        ("demo", [USER]),
        {"stream": True, "json_response": True},
        {},
        ("json_response cannot be combined with stream",),
    ),
    (
        "chat",
        ("demo", [USER]),
        {"context_options": {"top_k": 0}},
        {},
        ("context_options.top_k", "from 1 to 64", "0"),
    ),
    ("chat", ("demo", [USER]), {"context_options": {"top_k": 65}}, {}, ("from 1 to 64",)),
    ("chat", ("demo", [USER]), {"context_options": {"top_k": True}}, {}, ("top_k must be an integer",)),
    (
        "chat",
        ("demo", [USER]),
        {"context_options": {"snippet_size": 511}},
        {},
        ("snippet_size", "from 512 to 8192"),
    ),
    ("chat", ("demo", [USER]), {"context_options": {"snippet_size": 8193}}, {}, ("from 512 to 8192",)),
    ("chat", ("demo", [USER]), {"context_options": {"topk": 3}}, {}, ("unknown key(s) 'topk'", "top_k")),
    (
        "chat",
        ("demo", [USER]),
        {"context_options": {"multimodal": "yes"}},
        {},
        ("multimodal must be True or False",),
    ),
    ("chat", ("demo", [USER]), {"temperature": -1}, {}, ("temperature must be a number >= 0",)),
    ("chat", ("demo", [USER]), {"model": ""}, {}, ("model must be a model name",)),
    ("chat", ("", [USER]), {}, {}, ("assistant name is empty",)),
    (
        "chat",
        ("My_Assistant", [USER]),
        {},
        {},
        ("Invalid assistant name 'My_Assistant'", "lowercase letters"),
    ),
    ("chat", ("-demo", [USER]), {}, {}, ("Invalid assistant name",)),
    ("chat", ("a" * 64, [USER]), {}, {}, ("1 to 63",)),
    ("chat", ("demo", [USER]), {"filter": {"genre": {"$regex": "dr.*"}}}, {}, ("filter.genre",)),
    ("chat", ("demo", [USER]), {"filter": {"tags": {"$in": "drama"}}}, {}, ("filter.tags.$in",)),
    ("chat_completions", ("demo", [{"role": "user", "content": ""}]), {}, {}, ("is empty",)),
    ("chat_completions", ("demo", [USER]), {"filter": {"$and": {"a": 1}}}, {}, ("filter.$and",)),
    (
        "context",
        ("demo",),
        {"query": "fox", "messages": [USER]},
        {},
        ("exactly one of query=", "both were given"),
    ),
    ("context", ("demo",), {}, {}, ("exactly one of query=", "neither was given")),
    ("context", ("demo",), {"query": " "}, {}, ("query is empty",)),
    ("context", ("demo",), {"query": "fox", "top_k": 100}, {}, ("top_k must be an integer from 1 to 64",)),
    (
        "context",
        ("demo",),
        {"query": "fox", "snippet_size": 100},
        {},
        ("snippet_size must be an integer from 512",),
    ),
    ("create_assistant", ("Demo Assistant",), {}, {}, ("Invalid assistant name",)),
    ("create_assistant", ("demo",), {"region": "asia"}, {}, ("region must be one of us, eu",)),
    ("create_assistant", ("demo",), {"metadata": ["a"]}, {}, ("metadata must be a dict",)),
    ("update_assistant", ("demo",), {}, {}, ("Nothing to update",)),
    ("describe_assistant", ("",), {}, {}, ("assistant name is empty",)),
    ("upload_file", ("demo", b"text"), {}, {}, ("Pass file_name=",)),
    ("upload_file", ("demo", b"text"), {"file_name": "image.png"}, {}, ("Cannot upload 'image.png'", ".pdf")),
    (
        "upload_file",
        ("demo", b"t"),
        {"file_name": "a.txt", "metadata": {"a": {"b": 1}}},
        {},
        ("metadata['a'] is an object", "flat"),
    ),
    (
        "upload_file",
        ("demo", b"t"),
        {"file_name": "a.txt", "metadata": {"a": None}},
        {},
        ("metadata['a'] is None",),
    ),
    (
        "upload_file",
        ("demo", b"t"),
        {"file_name": "a.txt", "metadata": {"$a": 1}},
        {},
        ("may not start with '$'",),
    ),
    ("upload_file", ("demo", b"t"), {"file_name": "a.txt", "metadata": {"a": [1]}}, {}, ("only strings",)),
    ("upload_file", ("demo", "/no/such/file.txt"), {}, {}, ("No file at",)),
    (
        "upload_file",
        ("demo", b"t"),
        {"file_name": "a.txt", "poll_interval": 0},
        {},
        ("poll_interval must be a positive",),
    ),
    ("upsert_file", ("demo", "bad/id", b"t"), {"file_name": "a.txt"}, {}, ("Invalid file id 'bad/id'",)),
    (
        "upsert_file",
        ("demo", "f1", b"t"),
        {"file_name": "a.txt"},
        {"api_version": "2025-10"},
        ("exists from API version 2026-04",),
    ),
    ("list_operations", ("demo",), {}, {"api_version": "2025-10"}, ("exists from API version 2026-04",)),
    (
        "list_operations",
        ("demo",),
        {"status": "Done"},
        {},
        ("status must be one of Processing, Completed, Failed",),
    ),
    ("describe_operation", ("demo", ""), {}, {}, ("operation id must be a non-empty string",)),
    ("describe_file", ("demo", ""), {}, {}, ("file id must be a non-empty string",)),
    ("list_assistants", (), {"limit": 0}, {}, ("limit must be an integer from 1 to 100",)),
    ("list_files", ("demo",), {"filter": {"genre": None}}, {}, ("filter.genre",)),
    ("list_files", ("demo",), {"limit": -1}, {}, ("limit must be an integer of at least 1",)),
    (
        "evaluate_alignment",
        (),
        {"question": "q", "answer": "", "ground_truth_answer": "g"},
        {},
        ("answer is empty",),
    ),
    ("wait_for_file", ("demo", "f-1"), {"wait_timeout": -1}, {}, ("wait_timeout must be a number",)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("method", "args", "kwargs", "options", "fragments"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_bad_input_is_refused_before_any_request(
    mode: str,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    options: dict[str, Any],
    fragments: tuple[str, ...],
) -> None:
    driver = Driver(mode, refuse, **options)
    with pytest.raises(ClientValidationError) as info:
        driver(method, *args, **kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message


def test_a_bad_filter_error_is_a_filter_error_naming_the_path() -> None:
    driver = Driver("sync", refuse)
    with pytest.raises(FilterError) as info:
        driver("chat", "demo", [USER], filter={"year": {"$gt": "2020"}})
    assert "filter.year.$gt" in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_listing_methods_check_their_arguments_when_called_not_when_iterated(mode: str) -> None:
    client = Driver(mode, refuse).client
    with pytest.raises(ClientValidationError):
        client.list_assistants(limit=101)
    with pytest.raises(ClientValidationError):
        client.list_files("Not Valid")
    with pytest.raises(ClientValidationError):
        client.list_operations("demo", operation_type="copy_file")
