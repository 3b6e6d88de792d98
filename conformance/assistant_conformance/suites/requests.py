"""Requests: what the client under test puts on the wire, operation by operation.

Each operation of the spec version is called once through the client (``pinecone_assistant``),
with an httpx transport that keeps the request and answers a well-formed 404, so nothing reaches a
service. ``<operation>.wire_request`` passes when the request has the documented method, the path
with its server prefix (``/assistant``), the host of the right plane and the
``X-Pinecone-Api-Version`` of the run.

The expected requests are written below, per version, from the API reference: they are never read
from the client. They are also compared with the spec, so a spec change that this table does not
follow shows up as a failure rather than as a silent pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from assistant_conformance.context import RunContext
from assistant_conformance.coverage import declared_operations
from assistant_conformance.results import CheckCollector, SuiteResult

SUITE = "requests"
CHECK = "wire_request"

CONTROL = "https://control.conformance.test"
DATA = "https://data.conformance.test"
EVALUATION = "https://evaluation.conformance.test"
#: The hosts above: the suite's own transport answers them, so recordings leave them out.
MOCK_HOSTS = tuple(url.split("://", 1)[1] for url in (CONTROL, DATA, EVALUATION))
ASSISTANT = "claims-assistant"
FILE_ID = "claims-file"
OPERATION_ID = "claims-operation"

_V1 = {
    "list_assistants": ("GET", CONTROL, "/assistant/assistants"),
    "create_assistant": ("POST", CONTROL, "/assistant/assistants"),
    "get_assistant": ("GET", CONTROL, "/assistant/assistants/{assistant_name}"),
    "update_assistant": ("PATCH", CONTROL, "/assistant/assistants/{assistant_name}"),
    "delete_assistant": ("DELETE", CONTROL, "/assistant/assistants/{assistant_name}"),
    "list_files": ("GET", DATA, "/assistant/files/{assistant_name}"),
    "upload_file": ("POST", DATA, "/assistant/files/{assistant_name}"),
    "describe_file": ("GET", DATA, "/assistant/files/{assistant_name}/{assistant_file_id}"),
    "delete_file": ("DELETE", DATA, "/assistant/files/{assistant_name}/{assistant_file_id}"),
    "chat_assistant": ("POST", DATA, "/assistant/chat/{assistant_name}"),
    "chat_completion_assistant": ("POST", DATA, "/assistant/chat/{assistant_name}/chat/completions"),
    "context_assistant": ("POST", DATA, "/assistant/chat/{assistant_name}/context"),
    "metrics_alignment": ("POST", EVALUATION, "/assistant/evaluation/metrics/alignment"),
}
_V2 = {
    **_V1,
    "upsert_file": ("PUT", DATA, "/assistant/files/{assistant_name}/{assistant_file_id}"),
    "list_operations": ("GET", DATA, "/assistant/operations/{assistant_name}"),
    "describe_operation": ("GET", DATA, "/assistant/operations/{assistant_name}/{operation_id}"),
}
#: version -> operationId -> (method, host, path with its server prefix). The version string sent
#: in ``X-Pinecone-Api-Version`` is the key itself.
EXPECTED: dict[str, dict[str, tuple[str, str, str]]] = {
    "2025-10": dict(_V1),
    "2026-04": dict(_V2),
    # 2026-07 added, removed and moved no operation (spec/changes/2026-04_to_2026-07.md).
    "2026-07": dict(_V2),
}

_ASK = [{"role": "user", "content": "Where is the harbour?"}]
#: operationId -> how the client is asked to perform it.
CALLS: dict[str, Callable[[Any], Any]] = {
    "list_assistants": lambda c: list(c.list_assistants()),
    "create_assistant": lambda c: c.create_assistant(ASSISTANT, wait=False),
    "get_assistant": lambda c: c.describe_assistant(ASSISTANT),
    "update_assistant": lambda c: c.update_assistant(ASSISTANT, instructions="Be brief."),
    "delete_assistant": lambda c: c.delete_assistant(ASSISTANT),
    "list_files": lambda c: list(c.list_files(ASSISTANT)),
    "upload_file": lambda c: c.upload_file(ASSISTANT, b"harbour\n", file_name="note.txt", wait=False),
    "describe_file": lambda c: c.describe_file(ASSISTANT, FILE_ID),
    "upsert_file": lambda c: c.upsert_file(
        ASSISTANT, FILE_ID, b"harbour\n", file_name="note.txt", wait=False
    ),
    "delete_file": lambda c: c.delete_file(ASSISTANT, FILE_ID),
    "list_operations": lambda c: list(c.list_operations(ASSISTANT)),
    "describe_operation": lambda c: c.describe_operation(ASSISTANT, OPERATION_ID),
    "chat_assistant": lambda c: c.chat(ASSISTANT, _ASK),
    "chat_completion_assistant": lambda c: c.chat_completions(ASSISTANT, _ASK),
    "context_assistant": lambda c: c.context(ASSISTANT, query="Where is the harbour?"),
    "metrics_alignment": lambda c: c.evaluate_alignment(question="q", answer="a", ground_truth_answer="a"),
}


def _fill(path: str) -> str:
    return (
        path.replace("{assistant_name}", ASSISTANT)
        .replace("{assistant_file_id}", FILE_ID)
        .replace("{operation_id}", OPERATION_ID)
    )


def judge(
    version: str, operation: str, request: httpx.Request | None, expected: tuple[str, str, str]
) -> str | None:
    """What is wrong with the request the client sent for ``operation`` (None: nothing)."""
    if request is None:
        return "the client sent no request"
    method, host, path = expected
    problems = []
    if request.method != method:
        problems.append(f"method {request.method}, expected {method}")
    origin = f"{request.url.scheme}://{request.url.host}"
    if origin != host:
        problems.append(f"host {origin}, expected {host}")
    if request.url.path != _fill(path):
        problems.append(f"path {request.url.path}, expected {_fill(path)}")
    sent = request.headers.get("X-Pinecone-Api-Version")
    if sent != version:
        problems.append(f"X-Pinecone-Api-Version {sent!r}, expected {version!r}")
    return "; ".join(problems) or None


def _spec_disagreement(
    spec_ops: Mapping[str, tuple[str, str]], op: str, expected: tuple[str, str, str]
) -> str | None:
    method, path = spec_ops[op]
    if method != expected[0] or "/assistant" + path != expected[2]:
        return (
            f"the spec documents {method} {path}, but this suite expects {expected[0]} {expected[2]}: "
            "update EXPECTED in assistant_conformance/suites/requests.py"
        )
    return None


def run(ctx: RunContext) -> SuiteResult:
    """Call every operation of the spec through the client and judge the request it sent."""
    from pinecone_assistant import AssistantClient

    started = time.monotonic()
    collector = CheckCollector(SUITE)
    spec_ops = {op.operation_id: (op.method, op.path) for op in declared_operations(ctx.spec)}
    table = EXPECTED.get(ctx.spec_version, {})
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        body = {"error": {"code": "NOT_FOUND", "message": "not found"}, "status": 404}
        return httpx.Response(404, json=body)

    with AssistantClient(
        api_key="claims-key",
        control_host=CONTROL,
        evaluation_host=EVALUATION,
        api_version=ctx.spec_version,
        transport=httpx.MockTransport(answer),
        max_retries=0,
    ) as client:
        client.assistant(ASSISTANT, host=DATA)
        for op in spec_ops:
            if ctx.operations and op not in ctx.operations:
                continue
            check_id = f"{op}.{CHECK}"
            expected = table.get(op)
            if expected is None:
                collector.not_exercised(
                    check_id, f"no expected request is written for {op} at {ctx.spec_version}"
                )
                continue
            disagreement = _spec_disagreement(spec_ops, op, expected)
            if disagreement:
                collector.failed(check_id, disagreement)
                continue
            call = CALLS.get(op)
            if call is None:
                collector.not_exercised(check_id, f"no client call is written for {op}")
                continue
            sent.clear()
            try:
                call(client)
            except Exception as exc:  # the 404 answer, or the client refusing before sending
                error = f"{type(exc).__name__}: {exc}"
            else:
                error = ""
            if not sent:
                collector.failed(check_id, f"the client sent nothing for {op} ({error or 'no error'})")
                continue
            problem = judge(ctx.spec_version, op, sent[0], expected)
            if problem:
                collector.failed(
                    check_id, f"{op}: {problem}", details={"url": str(sent[0].url), "method": sent[0].method}
                )
            else:
                collector.passed(check_id)
    return SuiteResult(SUITE, collector.results(), time.monotonic() - started)
