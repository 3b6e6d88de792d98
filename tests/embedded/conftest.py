"""Fixtures for the embedded endpoint: an in-process client, a small corpus, spec validation."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import jsonschema
import pytest
import yaml
from assistant_conformance.embedded import create_app
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-key"
V25 = "2025-10"
V26 = "2026-04"


class Api:
    """A synchronous client for the ASGI app (requests run on an event loop in a portal thread)."""

    def __init__(self, app: Any, version: str = V25) -> None:
        self.app = app
        self.version = version
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        self._closed = False

    def close(self) -> None:
        """Close the client and the app's store (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._portal.call(self._client.aclose)
        self._portal_cm.__exit__(None, None, None)
        self.app.state.runtime.close()

    def request(
        self, method: str, path: str, *, key: str | None = KEY, version: str | None = "", **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if key is not None:
            headers.setdefault("Api-Key", key)
        chosen = self.version if version == "" else version
        if chosen is not None:
            headers.setdefault("X-Pinecone-Api-Version", chosen)
        url = path if path.startswith("/") else f"/assistant/{path}"
        return self._portal.call(partial(self._client.request, method, url, headers=headers, **kwargs))

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def create_assistant(self, name: str = "demo", **body: Any) -> dict[str, Any]:
        response = self.post("assistants", json={"name": name, **body})
        assert response.status_code == 200, response.text
        return response.json()

    def upload(
        self,
        assistant: str,
        filename: str,
        content: bytes | str,
        metadata: dict[str, Any] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        data = content.encode() if isinstance(content, str) else content
        version = kw.pop("version", "")
        chosen = self.version if version == "" else version
        params: dict[str, str] = {}
        form: dict[str, str] = {}
        if metadata is not None:
            if chosen >= V26:
                form["metadata"] = json.dumps(metadata)
            else:
                params["metadata"] = json.dumps(metadata)
        return self.post(
            f"files/{assistant}",
            files={"file": (filename, data)},
            data=form or None,
            params=params or None,
            version=version,
            **kw,
        )

    def uploaded_id(self, response: httpx.Response) -> str:
        assert response.status_code in {200, 202}, response.text
        body = response.json()
        return body["file_id"] if response.status_code == 202 else body["id"]

    def chat(
        self,
        assistant: str,
        question: str,
        *,
        version: str | None = "",
        headers: dict[str, str] | None = None,
        **body: Any,
    ) -> httpx.Response:
        """POST /chat/{assistant} with one user message; ``body`` adds request fields."""
        return self.post(
            f"chat/{assistant}",
            json={"messages": [{"role": "user", "content": question}], **body},
            version=version,
            headers=headers,
        )


def sse_events(text: str) -> list[Any]:
    """The JSON payloads of the ``data:`` lines of an event stream."""
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


CORPUS: dict[str, tuple[str, dict[str, Any]]] = {
    "pines.txt": (
        "Red pines grow up to 35 meters tall. Their bark is reddish and flaky. "
        "Red pine forests cover much of the Great Lakes region.",
        {"genre": "botany", "year": 2021, "reviewed": True, "tags": ["trees", "north"]},
    ),
    "otters.md": (
        "# Sea otters\n\nSea otters float on their backs while they eat. "
        "Sea otters hold hands while sleeping so they do not drift apart.",
        {"genre": "zoology", "year": 2019, "reviewed": False, "tags": ["animals", "ocean"]},
    ),
    "volcano.json": (
        json.dumps({"topic": "volcanoes", "fact": "Basalt lava flows from shield volcanoes in Hawaii."}),
        {"genre": "geology", "year": 2023},
    ),
    "comets.txt": (
        "Comets are icy bodies. A comet grows a glowing tail when it passes close to the sun.",
        {"genre": "astronomy", "year": 2020, "reviewed": True},
    ),
}


def make_pdf(pages: list[str]) -> bytes:
    """A PDF with one page per entry of ``pages`` (made with fpdf2)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@pytest.fixture
def pdf_bytes() -> Callable[[list[str]], bytes]:
    return make_pdf


@pytest.fixture
def make_api() -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(version: str = V25, **options: Any) -> Api:
        # Fast by default: assistants Ready at once, files processed before the upload answers.
        options.setdefault("assistant_ready_seconds", 0)
        options.setdefault("file_processing_seconds", 0)
        api = Api(create_app(**options), version)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


@pytest.fixture
def api26(make_api: Callable[..., Api]) -> Api:
    return make_api(V26)


def load_corpus(api: Api, assistant: str = "demo") -> dict[str, str]:
    """Create ``assistant`` with the CORPUS files; file name -> file id."""
    api.create_assistant(assistant)
    ids = {}
    for name, (text, metadata) in CORPUS.items():
        ids[name] = api.uploaded_id(api.upload(assistant, name, text, metadata))
    return ids


# --- Validation against spec/<version>/openapi.yaml -------------------------------------------------


@lru_cache
def spec(version: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "spec" / version / "openapi.yaml").read_text())


@lru_cache
def _registry(version: str) -> Registry:
    resource = Resource(contents=spec(version), specification=DRAFT202012)
    return Registry().with_resource(f"urn:spec:{version}", resource)


def _resolve(version: str, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        pointer = node["$ref"].removeprefix("#/").split("/")
        node = spec(version)
        for part in pointer:
            node = node[part]
    return node


def _operation(version: str, operation_id: str) -> dict[str, Any]:
    for item in spec(version)["paths"].values():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id and method != "servers":
                return op
    raise KeyError(f"{operation_id} is not declared in spec {version}")


def _validate(version: str, schema: Any, instance: Any) -> None:
    wrapped = {"$schema": "https://json-schema.org/draft/2020-12/schema", **_rebase(version, schema)}
    validator = jsonschema.Draft202012Validator(wrapped, registry=_registry(version))
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        details = "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])
        raise AssertionError(f"response does not match the spec {version} schema: {details}")


def _rebase(version: str, node: Any) -> Any:
    """Point local ``#/...`` references at the registered spec document."""
    if isinstance(node, dict):
        return {
            k: (
                f"urn:spec:{version}{v}"
                if k == "$ref" and isinstance(v, str) and v.startswith("#")
                else _rebase(version, v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(version, v) for v in node]
    return node


def check_response(version: str, operation_id: str, response: httpx.Response) -> None:
    """Assert that the status is declared for the operation and the body matches its schema."""
    op = _operation(version, operation_id)
    declared = op["responses"]
    status = str(response.status_code)
    assert status in declared, f"{operation_id} answered {status}, which spec {version} does not declare"
    definition = _resolve(version, declared[status])
    content = definition.get("content")
    if not content:
        assert not response.content, f"{operation_id} {status} declares no body but got {response.text[:200]}"
        return
    media = response.headers.get("content-type", "").split(";")[0].strip()
    assert media in content, f"{operation_id} {status} answered {media}, spec declares {list(content)}"
    schema = content[media]["schema"]
    if media == "text/event-stream":
        chunk_schema = schema["properties"]["data"]["contentSchema"]
        for event in sse_events(response.text):
            _validate(version, chunk_schema, event)
    else:
        _validate(version, schema, response.json())


@pytest.fixture
def conform() -> Callable[[str, str, httpx.Response], None]:
    return check_response
