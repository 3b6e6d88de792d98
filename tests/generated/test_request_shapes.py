"""Every generated operation builds the request the service expects.

Each case builds the request with the generated module's `_get_kwargs(...)` and sends it through the
generated `AuthenticatedClient` (base URL from the spec's `servers` for that operation) onto an
`httpx.MockTransport` that records it. The expected method, URL, headers and body are written out from
api-facts.md; chat, chat completions, context and upload also reuse request bodies logged from the official
clients (real-clients.md).
"""

from __future__ import annotations

import email
import email.policy
import importlib
import io
import json
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import yaml
from assistant_api import AuthenticatedClient, api
from assistant_api.models.alignment_request import AlignmentRequest
from assistant_api.models.boolean_string import BooleanString
from assistant_api.models.chat_completion_request import ChatCompletionRequest
from assistant_api.models.chat_request import ChatRequest
from assistant_api.models.context_request import ContextRequest
from assistant_api.models.create_assistant_request import CreateAssistantRequest
from assistant_api.models.operation_status import OperationStatus
from assistant_api.models.operation_type import OperationType
from assistant_api.models.update_assistant_request import UpdateAssistantRequest
from assistant_api.models.upload_file_request import UploadFileRequest
from assistant_api.types import File

REPO = Path(__file__).resolve().parents[2]
VERSION = (REPO / "spec" / "CURRENT").read_text(encoding="utf-8").strip()
SPEC = yaml.safe_load((REPO / "spec" / VERSION / "openapi.yaml").read_text(encoding="utf-8"))
KEY = "fake_key_request_shape_test_key"
CONTROL = "https://api.pinecone.io/assistant"
DATA = "https://prod-1-data.ke.pinecone.io/assistant"
EVALUATION = "https://prod-1-data.ke.pinecone.io/assistant"
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}

FOX = [{"role": "user", "content": "What is the fox?"}]
# Bodies the official clients were seen sending (real-clients.md, sections 1.2, 1.7 and 2).
PLUGIN_CHAT = {
    "messages": FOX,
    "model": "gpt-4o",
    "json_response": False,
    "include_highlights": True,
    "context_options": {"top_k": 3},
}
PLUGIN_CHAT_STREAM = {
    "messages": [{"content": "What is the fox?", "role": "user"}],
    "stream": True,
    "model": "gpt-4o",
    "include_highlights": False,
}
PINECONE10_CHAT = {"messages": FOX, "stream": False, "model": "gpt-4o"}
PLUGIN_COMPLETIONS = {"messages": FOX, "model": "gpt-4o"}
PLUGIN_COMPLETIONS_STREAM = {
    "messages": [{"content": "What is the fox?", "role": "user"}],
    "stream": True,
    "model": "gpt-4o",
}
OPENAI_COMPLETIONS_STREAM = {"model": "gpt-4o", "messages": FOX, "temperature": 0.2, "stream": True}
PLUGIN_CONTEXT_QUERY = {"query": "fox", "top_k": 2}
PLUGIN_CONTEXT_MESSAGES = {"messages": FOX}
PLUGIN_CREATE = {"name": "newone", "instructions": "be nice", "metadata": {}, "region": "us"}


@dataclass(frozen=True)
class Part:
    """One multipart/form-data part as sent."""

    content: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Case:
    """One request: how to build it with `_get_kwargs`, and what must go on the wire."""

    operation_id: str
    build: Callable[[ModuleType], dict[str, Any]]
    method: str
    url: str
    json: dict[str, Any] | None = None
    parts: dict[str, Part] | None = None
    query: dict[str, str] = field(default_factory=dict)


def json_body(model: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The generated request model parsed from `body`; it must write `body` back unchanged."""
    parsed = model.from_dict(body)
    assert parsed.to_dict() == body, f"{model.__name__} does not reproduce {body}"
    return parsed


def upload(filename: str, content: bytes, metadata: str | None) -> UploadFileRequest:
    payload = File(payload=io.BytesIO(content), file_name=filename, mime_type="text/plain")
    return (
        UploadFileRequest(file=payload)
        if metadata is None
        else UploadFileRequest(file=payload, metadata=metadata)
    )


FILTER = {"genre": {"$eq": "documentary"}, "year": {"$gte": 2020}}
METADATA = '{"category": "botany", "season": "spring"}'

CASES = [
    # --- control plane: https://api.pinecone.io/assistant -------------------------------------------------
    Case(
        "list_assistants",
        lambda m: m._get_kwargs(),
        "GET",
        f"{CONTROL}/assistants",
        query={"limit": "50"},  # the spec default is sent
    ),
    Case(
        "list_assistants",
        lambda m: m._get_kwargs(limit=10, pagination_token="Tm9uZSBzbyBmYXI="),
        "GET",
        f"{CONTROL}/assistants",
        query={"limit": "10", "pagination_token": "Tm9uZSBzbyBmYXI="},
    ),
    Case(
        "create_assistant",
        lambda m: m._get_kwargs(body=json_body(CreateAssistantRequest, PLUGIN_CREATE)),
        "POST",
        f"{CONTROL}/assistants",
        json=PLUGIN_CREATE,
    ),
    Case(
        "create_assistant",
        lambda m: m._get_kwargs(body=CreateAssistantRequest(name="garden-notes")),
        "POST",
        f"{CONTROL}/assistants",
        json={"name": "garden-notes", "region": "us"},
    ),
    Case("get_assistant", lambda m: m._get_kwargs("demo"), "GET", f"{CONTROL}/assistants/demo"),
    Case(
        "update_assistant",
        lambda m: m._get_kwargs(
            "demo",
            body=json_body(UpdateAssistantRequest, {"instructions": "Answer in French.", "metadata": None}),
        ),
        "PATCH",
        f"{CONTROL}/assistants/demo",
        json={"instructions": "Answer in French.", "metadata": None},
    ),
    Case("delete_assistant", lambda m: m._get_kwargs("demo"), "DELETE", f"{CONTROL}/assistants/demo"),
    # --- data plane: https://{host}/assistant -----------------------------------------------------------
    Case("list_files", lambda m: m._get_kwargs("demo"), "GET", f"{DATA}/files/demo"),
    Case(
        "list_files",
        lambda m: m._get_kwargs("demo", filter_=json.dumps(FILTER), limit=20, pagination_token="p2"),
        "GET",
        f"{DATA}/files/demo",
        query={"filter": json.dumps(FILTER), "limit": "20", "pagination_token": "p2"},
    ),
    Case(
        "upload_file",
        lambda m: m._get_kwargs("demo", body=upload("doc.txt", b"The quick brown fox.\n", METADATA)),
        "POST",
        f"{DATA}/files/demo",
        parts={
            "file": Part(b"The quick brown fox.\n", "doc.txt", "text/plain"),
            "metadata": Part(METADATA.encode(), None, "text/plain"),
        },
    ),
    Case(
        "upload_file",
        lambda m: m._get_kwargs(
            "demo", body=upload("scan.pdf", b"%PDF-1.7 fox", None), multimodal=BooleanString.TRUE
        ),
        "POST",
        f"{DATA}/files/demo",
        parts={"file": Part(b"%PDF-1.7 fox", "scan.pdf", "text/plain")},
        query={"multimodal": "true"},
    ),
    Case(
        "upsert_file",
        lambda m: m._get_kwargs(
            "demo", "handbook-2026", body=upload("handbook.md", b"# Handbook\n", METADATA)
        ),
        "PUT",
        f"{DATA}/files/demo/handbook-2026",
        parts={
            "file": Part(b"# Handbook\n", "handbook.md", "text/plain"),
            "metadata": Part(METADATA.encode(), None, "text/plain"),
        },
    ),
    Case("describe_file", lambda m: m._get_kwargs("demo", "file-1"), "GET", f"{DATA}/files/demo/file-1"),
    Case(
        "describe_file",
        lambda m: m._get_kwargs("demo", "file-1", include_url=BooleanString.TRUE),
        "GET",
        f"{DATA}/files/demo/file-1",
        query={"include_url": "true"},
    ),
    Case("delete_file", lambda m: m._get_kwargs("demo", "file-1"), "DELETE", f"{DATA}/files/demo/file-1"),
    Case(
        "list_operations",
        lambda m: m._get_kwargs(
            "demo",
            operation_type=OperationType.UPLOAD_FILE,
            status=OperationStatus.PROCESSING,
            limit=5,
            pagination_token="next-5",
        ),
        "GET",
        f"{DATA}/operations/demo",
        query={
            "operation_type": "upload_file",
            "status": "Processing",
            "limit": "5",
            "pagination_token": "next-5",
        },
    ),
    Case(
        "describe_operation",
        lambda m: m._get_kwargs("demo", "op-7f3e"),
        "GET",
        f"{DATA}/operations/demo/op-7f3e",
    ),
    Case(
        "chat_assistant",
        lambda m: m._get_kwargs("demo", body=json_body(ChatRequest, PLUGIN_CHAT)),
        "POST",
        f"{DATA}/chat/demo",
        json=PLUGIN_CHAT,
    ),
    Case(
        "chat_assistant",
        lambda m: m._get_kwargs("demo", body=json_body(ChatRequest, PLUGIN_CHAT_STREAM)),
        "POST",
        f"{DATA}/chat/demo",
        json=PLUGIN_CHAT_STREAM,
    ),
    Case(
        "chat_assistant",
        lambda m: m._get_kwargs("demo", body=json_body(ChatRequest, PINECONE10_CHAT)),
        "POST",
        f"{DATA}/chat/demo",
        json=PINECONE10_CHAT,
    ),
    Case(
        "chat_assistant",
        lambda m: m._get_kwargs("demo", body=ChatRequest.from_dict({"messages": FOX, "filter": FILTER})),
        "POST",
        f"{DATA}/chat/demo",
        json={"messages": FOX, "filter": FILTER},
    ),
    Case(
        "chat_completion_assistant",
        lambda m: m._get_kwargs("demo", body=json_body(ChatCompletionRequest, PLUGIN_COMPLETIONS)),
        "POST",
        f"{DATA}/chat/demo/chat/completions",
        json=PLUGIN_COMPLETIONS,
    ),
    Case(
        "chat_completion_assistant",
        lambda m: m._get_kwargs("demo", body=json_body(ChatCompletionRequest, PLUGIN_COMPLETIONS_STREAM)),
        "POST",
        f"{DATA}/chat/demo/chat/completions",
        json=PLUGIN_COMPLETIONS_STREAM,
    ),
    Case(
        "chat_completion_assistant",
        lambda m: m._get_kwargs("demo", body=json_body(ChatCompletionRequest, OPENAI_COMPLETIONS_STREAM)),
        "POST",
        f"{DATA}/chat/demo/chat/completions",
        json=OPENAI_COMPLETIONS_STREAM,
    ),
    Case(
        "context_assistant",
        lambda m: m._get_kwargs("demo", body=json_body(ContextRequest, PLUGIN_CONTEXT_QUERY)),
        "POST",
        f"{DATA}/chat/demo/context",
        json=PLUGIN_CONTEXT_QUERY,
    ),
    Case(
        "context_assistant",
        lambda m: m._get_kwargs("demo", body=json_body(ContextRequest, PLUGIN_CONTEXT_MESSAGES)),
        "POST",
        f"{DATA}/chat/demo/context",
        json=PLUGIN_CONTEXT_MESSAGES,
    ),
    # --- evaluation: https://prod-1-data.ke.pinecone.io/assistant ------------------------------------------
    Case(
        "metrics_alignment",
        lambda m: m._get_kwargs(
            body=AlignmentRequest(
                question="What colour is a ripe tomato?",
                answer="Red.",
                ground_truth_answer="A ripe tomato is red.",
            )
        ),
        "POST",
        f"{EVALUATION}/evaluation/metrics/alignment",
        json={
            "question": "What colour is a ripe tomato?",
            "answer": "Red.",
            "ground_truth_answer": "A ripe tomato is red.",
        },
    ),
]


def spec_operations() -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path, path item) for every operation in the spec."""
    found = {}
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                found[operation["operationId"]] = (method.upper(), path, item)
    return found


def server_url(operation_id: str) -> str:
    """The operation's server from the spec (path-level `servers` first), variables at their defaults."""
    _, _, item = spec_operations()[operation_id]
    server = (item.get("servers") or SPEC["servers"])[0]
    url = str(server["url"])
    for name, variable in server.get("variables", {}).items():
        url = url.replace("{" + name + "}", str(variable["default"]))
    return url


def endpoint_module(operation_id: str) -> ModuleType:
    for info in pkgutil.walk_packages(api.__path__, f"{api.__name__}."):
        if info.name.rsplit(".", 1)[-1] == operation_id:
            return importlib.import_module(info.name)
    raise LookupError(f"no generated module for operation {operation_id}")


def send(case: Case) -> httpx.Request:
    """Build the request with `_get_kwargs`; send it through the generated client to a recording transport."""
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        return httpx.Response(200, json={})

    client = AuthenticatedClient(
        base_url=server_url(case.operation_id),
        token=KEY,
        auth_header_name="Api-Key",
        prefix="",
        httpx_args={"transport": httpx.MockTransport(record)},
    )
    with client as open_client:
        open_client.get_httpx_client().request(**case.build(endpoint_module(case.operation_id)))
    assert len(sent) == 1
    return sent[0]


def multipart_parts(request: httpx.Request) -> dict[str, Part]:
    """Parse a multipart/form-data body with the boundary its Content-Type header announces."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.message_from_bytes(head + request.content, policy=email.policy.HTTP)
    assert message.is_multipart(), "the body is not valid multipart for its own Content-Type boundary"
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        assert isinstance(name, str)
        assert name not in parts, f"part {name!r} sent twice"
        parts[name] = Part(
            content=part.get_payload(decode=True),
            filename=part.get_filename(),
            content_type=part.get_content_type() if part.get("content-type") else None,
        )
    return parts


def case_ids() -> list[str]:
    """`chat_assistant-1`, `chat_assistant-2`, ...: the operation and the case's number for it."""
    counts: dict[str, int] = {}
    ids = []
    for case in CASES:
        counts[case.operation_id] = counts.get(case.operation_id, 0) + 1
        ids.append(f"{case.operation_id}-{counts[case.operation_id]}")
    return ids


@pytest.mark.parametrize("case", CASES, ids=case_ids())
def test_request_has_the_documented_method_url_headers_and_body(case: Case) -> None:
    request = send(case)

    assert request.method == case.method
    url = urlsplit(str(request.url))
    assert f"{url.scheme}://{url.netloc}{url.path}" == case.url
    assert dict(parse_qsl(url.query, keep_blank_values=True)) == case.query
    assert len(parse_qsl(url.query)) == len(case.query), "a query parameter is repeated"

    assert request.headers.get_list("Api-Key") == [KEY]
    assert "authorization" not in request.headers
    assert request.headers.get_list("X-Pinecone-Api-Version") == [VERSION]

    if case.json is not None:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == case.json
    elif case.parts is not None:
        assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
        assert multipart_parts(request) == case.parts
    else:
        assert request.content == b""
        assert "content-type" not in request.headers


@pytest.mark.parametrize("operation_id", sorted(spec_operations()))
def test_spec_operation_has_the_documented_method_and_path(operation_id: str) -> None:
    method, path, _ = spec_operations()[operation_id]
    documented = {c.operation_id: c for c in CASES}[operation_id]
    assert method == documented.method
    assert path.split("/")[1] != "assistant", "the prefix belongs in `servers`, not in the paths"
    assert server_url(operation_id) in {CONTROL, DATA, EVALUATION}


def test_every_spec_operation_has_a_request_shape_case() -> None:
    covered = {case.operation_id for case in CASES}
    missing = sorted(set(spec_operations()) - covered)
    assert not missing, f"operations without a request-shape case in {Path(__file__).name}: {missing}"
    assert not covered - set(spec_operations()), "a case names an operation the spec does not have"


def test_every_generated_endpoint_module_belongs_to_a_spec_operation() -> None:
    modules = {
        info.name.rsplit(".", 1)[-1]
        for info in pkgutil.walk_packages(api.__path__, f"{api.__name__}.")
        if not info.ispkg
    }
    assert modules == set(spec_operations())


def test_metadata_is_a_multipart_field_not_a_query_parameter() -> None:
    # 2026-04 rejects `metadata` in the query string with 400; it travels as a form field next to `file`.
    upload_case = next(
        c for c in CASES if c.operation_id == "upload_file" and c.parts and "metadata" in c.parts
    )
    request = send(upload_case)

    assert "metadata" not in dict(parse_qsl(urlsplit(str(request.url)).query))
    assert json.loads(multipart_parts(request)["metadata"].content) == json.loads(METADATA)


def test_list_files_filter_travels_as_one_json_encoded_query_parameter() -> None:
    filter_case = next(c for c in CASES if c.operation_id == "list_files" and "filter" in c.query)
    request = send(filter_case)

    values = [v for k, v in parse_qsl(urlsplit(str(request.url)).query) if k == "filter"]
    assert len(values) == 1
    assert json.loads(values[0]) == FILTER


def test_assistant_name_is_percent_encoded_in_the_path() -> None:
    case = Case("get_assistant", lambda m: m._get_kwargs("a/b c"), "GET", f"{CONTROL}/assistants/a%2Fb%20c")
    request = send(case)

    assert request.url.raw_path == b"/assistant/assistants/a%2Fb%20c"
