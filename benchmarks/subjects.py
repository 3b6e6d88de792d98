"""The readers being compared: each issues one streamed request and yields one object per event.

A :class:`Subject` is built once (client construction and, for pinecone, the describe call stay
outside the timed span); :meth:`Subject.open` issues the request and returns the iterable the caller
consumes. ``text_of`` and ``is_citation`` let the untimed validation pass check the objects.

"Ours" is the overlay's public path when ``pinecone_assistant.client`` provides it; until then it
is the overlay's stream classes over requests built with the generated request builders. The
``path`` attribute says which one was measured.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

API_KEY = "bench-not-a-secret"
ASSISTANT = "bench"
MESSAGES = [{"role": "user", "content": "Summarise the handbook."}]
TIMEOUT = httpx.Timeout(120.0, connect=5.0)


@dataclass
class Subject:
    """One reader of one format."""

    key: str  # stable id: floor, ours, pinecone, openai, ref-...
    label: str
    fmt: str
    yields: str
    open: Callable[[], Iterable[Any]]
    text_of: Callable[[Any], str]
    is_citation: Callable[[Any], bool]
    close: Callable[[], None]
    repeats: int = 7
    path: str = ""


def peer_available(module: str) -> bool:
    """Whether a peer SDK is installed in this environment."""
    return importlib.util.find_spec(module) is not None


# --------------------------------------------------------------------------- helpers


def _dict_text_a(obj: dict[str, Any]) -> str:
    return obj["delta"]["content"] if obj.get("type") == "content_chunk" else ""


def _dict_citation_a(obj: dict[str, Any]) -> bool:
    return obj.get("type") == "citation"


def _dict_text_b(obj: dict[str, Any]) -> str:
    choices = obj.get("choices") or []
    return (choices[0]["delta"].get("content") or "") if choices else ""


def _never(obj: Any) -> bool:
    return False


def _attr_text_b(obj: Any) -> str:
    choices = obj.choices
    if not choices:
        return ""
    content = choices[0].delta.content
    return content if isinstance(content, str) else ""


def _chat_url(base: str, fmt: str) -> str:
    return f"{base}/assistant/chat/{ASSISTANT}" + ("/chat/completions" if fmt == "B" else "")


def _request_body(fmt: str) -> bytes:
    return json.dumps({"messages": MESSAGES, "stream": True, "model": "gpt-4o"}).encode()


# --------------------------------------------------------------------------- floors and references


def _lines_reader(client: httpx.Client, url: str, body: bytes, loads: Callable[[Any], Any]) -> Iterator[Any]:
    headers = {"Api-Key": API_KEY, "Content-Type": "application/json"}
    with client.stream("POST", url, content=body, headers=headers) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("data:"):
                yield loads(line[5:])


def floor(base: str, fmt: str, *, orjson_variant: bool = False) -> Subject:
    """httpx ``client.stream`` + ``iter_lines`` + strip ``data:`` + ``json.loads`` (the floor)."""
    if orjson_variant:
        import orjson

        loads: Callable[[Any], Any] = orjson.loads
        key, label = "ref-orjson", "ref: httpx iter_lines + orjson.loads"
    else:
        loads = json.loads
        key, label = "floor", "floor: httpx iter_lines + json.loads"
    client = httpx.Client(timeout=TIMEOUT)
    url = _chat_url(base, fmt)
    body = _request_body(fmt)
    return Subject(
        key=key,
        label=label,
        fmt=fmt,
        yields="dict",
        open=lambda: _lines_reader(client, url, body, loads),
        text_of=_dict_text_a if fmt == "A" else _dict_text_b,
        is_citation=_dict_citation_a if fmt == "A" else _never,
        close=client.close,
    )


# --------------------------------------------------------------------------- ours


def ours(base: str, fmt: str, assistant: str = ASSISTANT) -> Subject:
    """The overlay: typed chunks through its stream classes."""
    from assistant_api.models.chat_completion_chunk import ChatCompletionChunk
    from assistant_api.models.citation_chunk import CitationChunk
    from assistant_api.models.content_chunk import ContentChunk

    def text_a(obj: Any) -> str:
        return obj.delta.content if type(obj) is ContentChunk else ""

    def citation_a(obj: Any) -> bool:
        return type(obj) is CitationChunk

    def text_b(obj: Any) -> str:
        return _attr_text_b(obj) if type(obj) is ChatCompletionChunk else ""

    opener, close, path = ours_stream_opener(base, fmt, assistant)
    return Subject(
        key="ours",
        label="ours: " + path,
        fmt=fmt,
        yields="ChatChunk (generated models)" if fmt == "A" else "ChatCompletionChunk (generated model)",
        open=opener,
        text_of=text_a if fmt == "A" else text_b,
        is_citation=citation_a if fmt == "A" else _never,
        close=close,
        path=path,
    )


#: Why the public client path could not be used (empty when it is used).
PUBLIC_CLIENT_PROBLEM: list[str] = []


def _public_client() -> Any:
    """The public client class, or None (with the reason in PUBLIC_CLIENT_PROBLEM) if it cannot be used."""
    PUBLIC_CLIENT_PROBLEM.clear()
    if importlib.util.find_spec("pinecone_assistant.client") is None:
        PUBLIC_CLIENT_PROBLEM.append("pinecone_assistant.client does not exist yet")
        return None
    try:
        from pinecone_assistant import client as module
    except Exception as exc:
        PUBLIC_CLIENT_PROBLEM.append(
            f"pinecone_assistant.client does not import: {type(exc).__name__}: {exc}"
        )
        return None
    found = getattr(module, "AssistantClient", None)
    if found is None:
        PUBLIC_CLIENT_PROBLEM.append("pinecone_assistant.client has no AssistantClient")
    return found


def _fallback(path: str) -> str:
    return f"{path} (public client not usable: {'; '.join(PUBLIC_CLIENT_PROBLEM)})"


def _public_target(client: Any, name: str) -> tuple[Any, str, str]:
    """``(target, prefix, how)``: where chat lives: the assistant handle if it exists, else the client."""
    try:
        handle = client.assistant(name)
    except Exception:
        handle = None
    if handle is not None and hasattr(handle, "chat") and hasattr(handle, "chat_completions"):
        return handle, "", "AssistantClient(...).assistant(name)"
    return client, name, "AssistantClient(...)"


def _public_client_for(client_class: Any, base: str) -> Any:
    return client_class(api_key=API_KEY, control_host=base, max_retries=0, timeout=TIMEOUT)


def ours_stream_opener(
    base: str, fmt: str, assistant: str = ASSISTANT
) -> tuple[Callable[[], Iterable[Any]], Callable[[], None], str]:
    """``(open, close, path)``: a function that starts one streamed request through our client."""
    client_class = _public_client()
    if client_class is not None:
        public = _public_stream_opener(client_class, base, fmt, assistant)
        try:  # a probe: one whole stream through the public path
            for _ in public[0]():
                pass
        except Exception as exc:
            public[1]()
            PUBLIC_CLIENT_PROBLEM.append(f"{public[2]} raised {type(exc).__name__}: {exc}")
        else:
            return public
    from assistant_api.api.chat import chat_assistant, chat_completion_assistant
    from assistant_api.client import Client
    from assistant_api.models.chat_completion_request import ChatCompletionRequest
    from assistant_api.models.chat_request import ChatRequest
    from pinecone_assistant.stream import ChatStream, CompletionStream

    generated = Client(base_url=f"{base}/assistant", headers={"Api-Key": API_KEY}, timeout=TIMEOUT)
    http = generated.get_httpx_client()
    if fmt == "A":
        kwargs = chat_assistant._get_kwargs(
            assistant, body=ChatRequest.from_dict({"messages": MESSAGES, "stream": True, "model": "gpt-4o"})
        )
        stream_class: Any = ChatStream
    else:
        kwargs = chat_completion_assistant._get_kwargs(
            assistant,
            body=ChatCompletionRequest.from_dict({"messages": MESSAGES, "stream": True, "model": "gpt-4o"}),
        )
        stream_class = CompletionStream

    def opener() -> Iterable[Any]:
        request = http.build_request(**kwargs)
        return stream_class(http.send(request, stream=True))

    return opener, http.close, _fallback("overlay stream class over a request built by the generated code")


def _public_stream_opener(
    client_class: Any, base: str, fmt: str, name: str
) -> tuple[Callable[[], Iterable[Any]], Callable[[], None], str]:
    client = _public_client_for(client_class, base)
    target, prefix, how = _public_target(client, name)
    args = (prefix, MESSAGES) if prefix else (MESSAGES,)
    method = target.chat if fmt == "A" else target.chat_completions

    def opener() -> Iterable[Any]:
        return method(*args, stream=True)  # type: ignore[no-any-return]

    return opener, client.close, f"{how}.{method.__name__}(..., stream=True)"


# --------------------------------------------------------------------------- peers


def pinecone(base: str, fmt: str) -> Subject:
    """pinecone 10.2.0 ``pc.assistants.chat`` / ``chat_completions`` with ``stream=True``."""
    from pinecone import Pinecone

    pc = Pinecone(api_key=API_KEY, host=base)
    assistants = pc.assistants
    if fmt == "A":
        from pinecone.models.assistant.streaming import StreamCitationChunk, StreamContentChunk

        def opener() -> Iterable[Any]:
            return assistants.chat(assistant_name=ASSISTANT, messages=MESSAGES, stream=True)

        def text_of(obj: Any) -> str:
            return obj.delta.content if type(obj) is StreamContentChunk else ""

        def is_citation(obj: Any) -> bool:
            return type(obj) is StreamCitationChunk

        yields = "StreamMessageStart, StreamContentChunk, StreamCitationChunk, StreamMessageEnd"
        label = "pinecone assistants.chat(stream=True)"
    else:

        def opener() -> Iterable[Any]:
            return assistants.chat_completions(assistant_name=ASSISTANT, messages=MESSAGES, stream=True)

        text_of, is_citation = _attr_text_b, _never
        yields = "ChatCompletionStreamChunk"
        label = "pinecone assistants.chat_completions(stream=True)"
    return Subject(
        key="pinecone",
        label=label,
        fmt=fmt,
        yields=yields,
        open=opener,
        text_of=text_of,
        is_citation=is_citation,
        close=lambda: None,
    )


def openai(base: str, fmt: str, repeats: int) -> Subject:
    """The openai SDK: ``chat.completions.create(stream=True)`` against the compatible endpoint."""
    if fmt != "B":
        raise ValueError("the openai SDK reads only the completion format (B)")
    from openai import OpenAI

    client = OpenAI(base_url=f"{base}/assistant/chat/{ASSISTANT}", api_key=API_KEY, max_retries=0)
    completions = client.chat.completions

    def opener() -> Iterable[Any]:
        return completions.create(model="gpt-4o", messages=MESSAGES, stream=True)  # type: ignore[arg-type]

    return Subject(
        key="openai",
        label="openai chat.completions.create(stream=True)",
        fmt="B",
        yields="openai ChatCompletionChunk",
        open=opener,
        text_of=_attr_text_b,
        is_citation=_never,
        close=client.close,
        repeats=repeats,
    )


# --------------------------------------------------------------------------- non-streaming chat


def ours_raw_chat_callers(base: str) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[], None], str]:
    """``(plain, raw, close, path)``: one chat through our client, plainly and with ``with_raw_response``."""
    client_class = _public_client()
    if client_class is None:
        raise RuntimeError("the public client is not importable")
    client = _public_client_for(client_class, base)
    handle = client.assistant(ASSISTANT)
    raw_handle = handle.with_raw_response

    def raw() -> Any:
        return raw_handle.chat(MESSAGES).parse()

    return lambda: handle.chat(MESSAGES), raw, client.close, "handle.with_raw_response.chat(...).parse()"


def ours_chat_caller(base: str) -> tuple[Callable[[], Any], Callable[[], None], str]:
    """``(call, close, path)``: one non-streaming chat through our client, returning the typed answer."""
    client_class = _public_client()
    if client_class is not None:
        client = _public_client_for(client_class, base)
        target, prefix, how = _public_target(client, ASSISTANT)
        args = (prefix, MESSAGES) if prefix else (MESSAGES,)
        try:  # a probe
            target.chat(*args)
        except Exception as exc:
            client.close()
            PUBLIC_CLIENT_PROBLEM.append(f"{how}.chat(...) raised {type(exc).__name__}: {exc}")
        else:
            return lambda: target.chat(*args), client.close, f"{how}.chat(...)"
    from assistant_api.api.chat import chat_assistant
    from assistant_api.client import Client
    from assistant_api.models.chat_request import ChatRequest

    generated = Client(base_url=f"{base}/assistant", headers={"Api-Key": API_KEY}, timeout=TIMEOUT)
    body = ChatRequest.from_dict({"messages": MESSAGES, "model": "gpt-4o"})
    http = generated.get_httpx_client()

    def call() -> Any:
        parsed = chat_assistant.sync_detailed(ASSISTANT, client=generated, body=body).parsed
        if parsed is None or not hasattr(parsed, "message"):
            raise RuntimeError(f"the chat call did not return a ChatModel: {parsed!r}")
        return parsed

    return call, http.close, _fallback("generated chat_assistant.sync_detailed")


def raw_chat_caller(base: str) -> tuple[Callable[[], Any], Callable[[], None]]:
    """``(call, close)``: the same request with plain httpx, answer parsed with ``response.json()``."""
    client = httpx.Client(timeout=TIMEOUT)
    url = _chat_url(base, "A")
    body = json.dumps({"messages": MESSAGES, "model": "gpt-4o"}).encode()
    headers = {
        "Api-Key": API_KEY,
        "Content-Type": "application/json",
        "X-Pinecone-Api-Version": "2026-04",
    }

    def call() -> Any:
        response = client.post(url, content=body, headers=headers)
        response.raise_for_status()
        return response.json()

    return call, client.close


# --------------------------------------------------------------------------- import time


def import_cases() -> dict[str, tuple[str, str]]:
    """``{key: (code, description)}`` for the fresh-process import measurements (``python -c CODE``)."""
    ours_code = ""
    if _public_client() is not None:
        import pinecone_assistant

        module = (
            "pinecone_assistant"
            if hasattr(pinecone_assistant, "AssistantClient")
            else "pinecone_assistant.client"
        )
        ours_code = f"from {module} import AssistantClient\nAssistantClient(api_key={API_KEY!r})"
        ours_desc = f"ours ready: from {module} import AssistantClient; AssistantClient(...)"
        probe = subprocess.run([sys.executable, "-c", ours_code], capture_output=True, text=True, check=False)
        if probe.returncode:
            last = (probe.stderr.strip().splitlines() or ["failed"])[-1]
            PUBLIC_CLIENT_PROBLEM.append(f"building AssistantClient in a fresh process failed: {last}")
            ours_code = ""
    if not ours_code:
        ours_code = (
            "import pinecone_assistant.stream, pinecone_assistant.retries\n"
            "from assistant_api.client import Client\n"
            "Client(base_url='http://127.0.0.1:9/assistant').get_httpx_client()"
        )
        ours_desc = _fallback("import of the stream and retry modules + a generated Client")
    return {
        "ours": (ours_code, ours_desc),
        "ours-first-chat": (
            ours_code + "\nimport pinecone_assistant.stream, pinecone_assistant.chat\n"
            "from assistant_api.models.chat_model import ChatModel",
            "info: ours + the modules a first chat loads (stream, chat, generated models)",
        ),
        "openai": (
            "from openai import OpenAI\n"
            f"OpenAI(api_key={API_KEY!r}, base_url='http://127.0.0.1:9/v1').chat.completions",
            "openai ready: OpenAI(...).chat.completions",
        ),
        "pinecone": (
            f"from pinecone import Pinecone\nPinecone(api_key={API_KEY!r}).assistants",
            "pinecone ready: Pinecone(...).assistants",
        ),
    }
