"""Recorded exchanges: the documented calls of the Assistant API as vcrpy cassettes.

:func:`record_cassettes` drives the public client (``pinecone_assistant``) through the documented
exchanges against an endpoint (the embedded one, or any URL serving the API) and writes one cassette
per group of exchanges under ``<out_dir>/<spec_version>/``. The same :data:`SCENARIOS` replay them:
``run_scenarios(client, directory, "none")`` sends nothing over the network and fails on any request
that was not recorded.

Cassettes never hold the key: ``Api-Key`` and ``Authorization`` headers are dropped, the key is
replaced wherever else it might appear, and the target URL is replaced by :data:`RECORDED_HOST` so
re-recording gives stable files (the ``Host`` header is dropped for the same reason). Requests match
on method, path and query (not host, port or body: multipart boundaries are random).

A stream replays as one chunk, which is enough to check how its events are read.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

    import vcr as vcrpy
    from pinecone_assistant import AssistantClient

__all__ = [
    "ASSISTANT_NAME",
    "RECORDED_HOST",
    "RECORDING_KEY",
    "SCENARIOS",
    "add_record",
    "make_vcr",
    "record_cassettes",
    "run_scenarios",
]

#: The assistant the exchanges create and delete.
ASSISTANT_NAME = "cassette-demo"
#: What the target URL becomes in a cassette.
RECORDED_HOST = "http://assistant.recorded"
#: The key used when recording against an embedded endpoint started for the purpose.
RECORDING_KEY = "recording-key-0f3c9a71d2"
#: Headers that carry secrets; never written to a cassette.
SECRET_HEADERS = ("api-key", "authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie")
MATCH_ON = ("method", "path", "query")

FOX = (
    "Red foxes are omnivores. They eat rodents, birds, berries and insects.\n\n"
    "Foxes live in dens and are most active at dusk and dawn."
)
WOLF = "# Wolves\n\nGrey wolves hunt in packs. A wolf pack usually has six to ten members."
QUESTION = "What do foxes eat?"

State = dict[str, Any]
Scenario = Callable[["AssistantClient", State], dict[str, Any]]


def _scrub(text: str, secrets: tuple[str, ...], target: str | None) -> str:
    for secret in secrets:
        text = text.replace(secret, "[REDACTED]")
    if target:
        text = text.replace(target, RECORDED_HOST)
    return text


def make_vcr(record_mode: str, *, secrets: tuple[str, ...] = (), target_url: str | None = None) -> vcrpy.VCR:
    """A vcrpy configuration for these cassettes (``"all"`` records, ``"none"`` replays)."""
    import vcr

    target = target_url.rstrip("/") if target_url else None

    def before_request(request: Any) -> Any:
        request.uri = _scrub(request.uri, secrets, target)
        body = request.body
        if isinstance(body, bytes) and secrets:
            for secret in secrets:
                body = body.replace(secret.encode(), b"[REDACTED]")
            request.body = body
        return request

    def before_response(response: dict[str, Any]) -> dict[str, Any]:
        body = response.get("body", {}).get("string")
        if isinstance(body, bytes):
            with contextlib.suppress(UnicodeDecodeError):
                response["body"]["string"] = _scrub(body.decode("utf-8"), secrets, target).encode("utf-8")
        headers = response.get("headers", {})
        for name in list(headers):
            if name.lower() in SECRET_HEADERS:
                del headers[name]
            elif name.lower() == "location":
                headers[name] = [_scrub(v, secrets, target) for v in headers[name]]
        return response

    return vcr.VCR(
        record_mode=record_mode,
        match_on=MATCH_ON,
        filter_headers=(*SECRET_HEADERS, "host"),
        before_record_request=before_request,
        before_record_response=before_response,
        decode_compressed_response=True,
    )


# --------------------------------------------------------------------------- the exchanges


def _chat_summary(answer: Any) -> dict[str, Any]:
    return {
        "text": answer.text,
        "citations": [c.to_dict() for c in answer.citations],
        "finish_reason": str(answer.finish_reason),
        "usage": answer.usage.to_dict() if answer.usage is not None else None,
        "model": answer.model,
    }


def _assistants(client: AssistantClient, state: State) -> dict[str, Any]:
    created = client.create_assistant(
        ASSISTANT_NAME, instructions="Answer from the files only.", poll_interval=0.1
    )
    described = client.describe_assistant(ASSISTANT_NAME)
    listed = [a.name for a in client.list_assistants()]
    updated = client.update_assistant(ASSISTANT_NAME, metadata={"team": "docs"})
    return {
        "created_status": str(created.status),
        "described_status": str(described.status),
        "listed": listed,
        "updated_metadata": updated.metadata.to_dict() if updated.metadata else None,
    }


def _files(client: AssistantClient, state: State) -> dict[str, Any]:
    docs = client.assistant(ASSISTANT_NAME)
    fox = docs.upload_file(
        FOX.encode(), file_name="fox.txt", metadata={"animal": "fox", "year": 2024}, poll_interval=0.1
    )
    wolf = docs.upload_file(
        WOLF.encode(), file_name="wolves.md", metadata={"animal": "wolf", "year": 2020}, poll_interval=0.1
    )
    state["fox"], state["wolf"] = fox.id, wolf.id
    described = docs.describe_file(fox.id, include_url=True)
    result: dict[str, Any] = {
        "uploaded": {fox.name: str(fox.status), wolf.name: str(wolf.status)},
        "metadata": fox.metadata.to_dict() if fox.metadata else None,
        "listed": sorted(f.name for f in docs.list_files()),
        "filtered": [f.name for f in docs.list_files(filter={"animal": {"$eq": "wolf"}})],
        "signed_url": bool(described.signed_url),
    }
    if client.api_version >= "2026-04":
        operations = list(docs.list_operations(operation_type="upload_file"))
        result["operations"] = sorted(str(o.status) for o in operations)
        result["operation"] = str(docs.describe_operation(operations[0].id).operation_type)
    return result


def _chat(client: AssistantClient, state: State) -> dict[str, Any]:
    docs = client.assistant(ASSISTANT_NAME)
    plain = docs.chat(QUESTION, include_highlights=True, context_options={"top_k": 4, "snippet_size": 1024})
    filtered = docs.chat("How big is a wolf pack?", filter={"animal": {"$eq": "wolf"}})
    as_json = docs.chat(QUESTION, json_response=True, model="gpt-4o", temperature=0.0)
    return {
        "plain": _chat_summary(plain),
        "highlights": [r.highlight is not None for c in plain.citations for r in c.references],
        "context_snippet_count": plain.context_snippet_count,
        "filtered_files": sorted({r.file.name for c in filtered.citations for r in c.references}),
        "json": as_json.text,
    }


def _chat_stream(client: AssistantClient, state: State) -> dict[str, Any]:
    docs = client.assistant(ASSISTANT_NAME)
    plain = docs.chat(QUESTION, include_highlights=True)
    with docs.chat(QUESTION, include_highlights=True, stream=True) as stream:
        kinds = [type(chunk).__name__ for chunk in stream]
        streamed = stream.get_final_answer()
    return {"plain": _chat_summary(plain.answer()), "streamed": _chat_summary(streamed), "kinds": kinds}


def _completions(client: AssistantClient, state: State) -> dict[str, Any]:
    docs = client.assistant(ASSISTANT_NAME)
    plain = docs.chat_completions(QUESTION)
    streamed = docs.chat_completions(QUESTION, stream=True).get_final_answer()
    return {
        "plain": {"text": plain.text, "finish_reason": str(plain.finish_reason), "model": plain.model},
        "streamed": {
            "text": streamed.text,
            "finish_reason": str(streamed.finish_reason),
            "model": streamed.model,
        },
    }


def _context(client: AssistantClient, state: State) -> dict[str, Any]:
    docs = client.assistant(ASSISTANT_NAME)
    by_query = docs.context(query="fox diet", top_k=2)
    by_messages = docs.context(
        messages=[{"role": "user", "content": QUESTION}], filter={"animal": {"$eq": "fox"}}
    )
    return {
        "query_snippets": len(by_query.snippets),
        "messages_files": sorted({s.reference.file.name for s in by_messages.snippets}),
    }


def _evaluation(client: AssistantClient, state: State) -> dict[str, Any]:
    scores = client.evaluate_alignment(
        question=QUESTION,
        answer="Foxes eat rodents and berries.",
        ground_truth_answer="Foxes are omnivores: they eat rodents, birds, berries and insects.",
    )
    return {"metrics": scores.metrics.to_dict(), "facts": len(scores.reasoning.evaluated_facts)}


def _errors(client: AssistantClient, state: State) -> dict[str, Any]:
    from pinecone_assistant import APIStatusError

    seen: dict[str, Any] = {}
    calls: dict[str, Callable[[], object]] = {
        "missing_assistant": lambda: client.describe_assistant("no-such-assistant"),
        "missing_file": lambda: client.describe_file(ASSISTANT_NAME, "no-such-file"),
        "unknown_model": lambda: client.chat(ASSISTANT_NAME, QUESTION, model="no-such-model"),
    }
    for name, call in calls.items():
        try:
            call()
        except APIStatusError as error:
            seen[name] = {"status": error.status_code, "code": error.code, "class": type(error).__name__}
        else:
            seen[name] = None
    return seen


def _cleanup(client: AssistantClient, state: State) -> dict[str, Any]:
    deleted = client.delete_file(ASSISTANT_NAME, state["wolf"])
    remaining = [f.name for f in client.list_files(ASSISTANT_NAME)]
    client.delete_assistant(ASSISTANT_NAME)
    return {"delete_result": None if deleted is None else str(deleted.operation_type), "remaining": remaining}


#: The documented exchanges, in the order they run; each is recorded in ``<name>.yaml``.
SCENARIOS: list[tuple[str, Scenario]] = [
    ("assistants", _assistants),
    ("files", _files),
    ("chat", _chat),
    ("chat_stream", _chat_stream),
    ("completions", _completions),
    ("context", _context),
    ("evaluation", _evaluation),
    ("errors", _errors),
    ("cleanup", _cleanup),
]


def run_scenarios(
    client: AssistantClient,
    directory: Path,
    record_mode: str,
    *,
    secrets: tuple[str, ...] = (),
    target_url: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Run every exchange in order, each inside its cassette in ``directory``; the results by name."""
    recorder = make_vcr(record_mode, secrets=secrets, target_url=target_url)
    state: State = {}
    results: dict[str, dict[str, Any]] = {}
    for name, scenario in SCENARIOS:
        with recorder.use_cassette(str(directory / f"{name}.yaml")):
            results[name] = scenario(client, state)
    return results


def record_cassettes(
    target_url: str,
    api_key: str,
    out_dir: str | Path,
    spec_version: str | None = None,
    *,
    evaluation_url: str | None = None,
) -> list[Path]:
    """Record the documented exchanges against ``target_url`` into ``<out_dir>/<spec_version>/``.

    Existing cassettes of that version are replaced. Returns the files written; raises
    ``RuntimeError`` if the key turns up in any of them (it never should).
    """
    from pinecone_assistant import AssistantClient
    from pinecone_assistant._constants import API_VERSION

    version = spec_version or API_VERSION
    directory = Path(out_dir) / version
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yaml"):
        old.unlink()
    target = target_url.rstrip("/")
    with AssistantClient(
        api_key,
        control_host=target,
        evaluation_host=evaluation_url or target,
        api_version=version,
        max_retries=2,
    ) as client:
        results = run_scenarios(client, directory, "all", secrets=(api_key,), target_url=target)
    (directory / "results.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    written = sorted(directory.glob("*.yaml"))
    leaked = [p.name for p in written if api_key in p.read_text(encoding="utf-8", errors="replace")]
    if leaked:
        raise RuntimeError(f"the API key appears in {', '.join(leaked)}; the cassettes were not scrubbed")
    return written


@contextlib.contextmanager
def _embedded() -> Iterator[str]:
    from assistant_conformance.embedded import running_server

    with running_server(api_keys=[RECORDING_KEY]) as server:
        yield server.url


# --------------------------------------------------------------------------- CLI


def record_command(args: argparse.Namespace) -> int:
    """``assistant-conformance record``: record cassettes against a URL, or a fresh embedded endpoint."""
    import os
    import sys

    versions = args.spec_version or [None]
    for version in versions:
        if args.target:
            key = args.api_key or os.environ.get("PINECONE_API_KEY")
            if not key:
                print(
                    "record: pass --api-key or set PINECONE_API_KEY to record against --target",
                    file=sys.stderr,
                )
                return 2
            files = record_cassettes(args.target, key, args.out, version, evaluation_url=args.evaluation_url)
        else:
            with _embedded() as url:
                files = record_cassettes(url, RECORDING_KEY, args.out, version)
        print(f"{len(files)} cassettes in {files[0].parent}" if files else "no cassettes written")
    return 0


def add_record(subparsers: Any) -> None:
    """Register the ``record`` subcommand."""
    parser = subparsers.add_parser(
        "record",
        help="record the documented exchanges as vcrpy cassettes",
        description=(
            "Drive the pinecone_assistant client through the documented exchanges and write vcrpy "
            "cassettes (keys scrubbed) to OUT/<version>/. Without --target a fresh embedded endpoint is used."
        ),
    )
    parser.add_argument(
        "--target", help="base URL of the API to record against (default: an embedded endpoint)"
    )
    parser.add_argument("--evaluation-url", help="base URL of the evaluation endpoint (default: --target)")
    parser.add_argument("--api-key", help="key for --target (default: PINECONE_API_KEY)")
    parser.add_argument(
        "--out", default="tests/overlay/cassettes", help="output folder (default: tests/overlay/cassettes)"
    )
    parser.add_argument(
        "--spec-version",
        action="append",
        help="API version to record (repeatable; default: the client's version)",
    )
    parser.set_defaults(handler=record_command)
