"""What every suite gets: the prepared target, the spec, the seed, and the run-wide observers."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from assistant_conformance.checks import Exchange, sse_payloads
from assistant_conformance.coverage import CoverageTracker
from assistant_conformance.drift import DriftTracker
from assistant_conformance.targets import PreparedTarget


class _Tee(httpx.SyncByteStream):
    """Passes a response body through and observes the whole of it when the response is closed."""

    def __init__(self, inner: Any, run: RunContext, op_id: str, response: httpx.Response, body: Any) -> None:
        self.inner = inner
        self.run = run
        self.op_id = op_id
        self.response = response
        self.body = body
        self.data = bytearray()
        self.done = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.data += chunk
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self.inner, "close", None)
            if close is not None:
                close()
        finally:
            if not self.done:
                self.done = True
                content_type = self.response.headers.get("content-type", "")
                self.run.observe(
                    Exchange(
                        self.op_id,
                        self.response.status_code,
                        content_type,
                        bytes(self.data),
                        self.body,
                        headers=tuple(self.response.headers.multi_items()),
                    )
                )


class NotRecordedError(RuntimeError):
    """A replayed run sent a request the recording does not hold."""


def is_not_recorded(exc: BaseException) -> bool:
    """Whether ``exc`` (or its cause) is vcrpy's refusal to play an unrecorded request."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if (
            isinstance(seen, NotRecordedError)
            or type(seen).__name__ == "CannotOverwriteExistingCassetteException"
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def spec_path_for(version: str) -> Path:
    """``spec/<version>/openapi.yaml`` from a source checkout, else the copy packaged in the wheel."""
    here = Path(__file__).resolve()
    for candidate in (
        here.parents[2] / "spec" / version / "openapi.yaml",
        here.parent / "_spec" / version / "openapi.yaml",
    ):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no spec for version {version!r} (looked for spec/{version}/openapi.yaml)")


def load_spec(version: str) -> tuple[Path, dict[str, Any], str]:
    """(path, parsed document, sha256 of the file bytes)."""
    path = spec_path_for(version)
    raw = path.read_bytes()
    return path, yaml.safe_load(raw), hashlib.sha256(raw).hexdigest()


@dataclass
class RunContext:
    """Shared by the suites of one run."""

    target: PreparedTarget
    spec: dict[str, Any]
    spec_path: Path
    spec_version: str
    seed: int
    max_examples: int
    coverage: CoverageTracker
    progress: Callable[[str], None] = lambda message: None
    derandomize: bool = False
    replay: bool = False
    #: Limit the schema suite to these operationIds (empty: all of them).
    operations: tuple[str, ...] = ()
    #: schemathesis phases of the schema suite (empty: examples, coverage and fuzzing). Exploration
    #: keeps to the seed-dependent one, fuzzing: coverage and examples repeat for every seed.
    schema_phases: tuple[str, ...] = ()
    #: Real responses seen during the run, for the serialization suite.
    exchanges: list[Exchange] = field(default_factory=list)
    #: Walks every response against the spec for undocumented things (see :mod:`.drift`).
    drift: DriftTracker | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def secrets(self) -> list[str]:
        return [self.target.api_key]

    def operation_for(self, method: str, path: str) -> str | None:
        """The operationId serving ``method path`` (a full URL path, ``/assistant`` prefix included)."""
        if not hasattr(self, "_routes"):
            routes = []
            for template, raw_item in (self.spec.get("paths") or {}).items():
                pattern = re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template))
                for verb, operation in (raw_item or {}).items():
                    if isinstance(operation, dict) and operation.get("operationId"):
                        routes.append(
                            (
                                verb.upper(),
                                re.compile(f"^(?:.*/assistant)?{pattern}/?$"),
                                operation["operationId"],
                            )
                        )
            # Longer templates first, so /chat/{name}/context wins over /chat/{name}.
            routes.sort(key=lambda r: -len(r[1].pattern))
            self._routes = routes
        for verb, regex, op_id in self._routes:
            if verb == method.upper() and regex.match(path):
                return str(op_id)
        return None

    def observing_client(self, **kw: Any) -> httpx.Client:
        """An httpx client (for the overlay's ``http_client=``) that observes every response it reads.

        The overlay retries through any http client it is given, so this one has no retry transport.
        """
        run = self

        def on_response(response: httpx.Response) -> None:
            request = response.request
            op_id = run.operation_for(request.method, request.url.path)
            if op_id is None:
                return
            body: Any = None
            if "json" in request.headers.get("content-type", ""):
                try:
                    body = json.loads(request.content or b"null")
                except ValueError:
                    body = None
            response.stream = _Tee(response.stream, run, op_id, response, body)

        return httpx.Client(
            timeout=httpx.Timeout(120.0, connect=10.0),
            headers={"Accept-Encoding": "identity"},
            event_hooks={"response": [on_response]},
            **kw,
        )

    def scaled(self, fraction: float, minimum: int = 1) -> int:
        """An example count proportional to ``--max-examples``."""
        return max(minimum, round(self.max_examples * fraction))

    def observe(self, ex: Exchange) -> None:
        """Count one exchange for coverage and keep it for the serialization suite."""
        chunks = sse_payloads(ex.content) if ex.is_stream and ex.status == 200 else []
        self.coverage.record(ex.operation, ex.status, chunks)
        if self.drift is not None:
            self.drift.observe(ex, chunks if ex.is_stream and ex.status == 200 else None)
        with self._lock:
            if len(self.exchanges) < 5000:
                self.exchanges.append(ex)

    @contextmanager
    def http(self, plane: str = "data", **kw: Any) -> Iterator[httpx.Client]:
        """An httpx client for one plane with the run's headers; use :meth:`call` to send requests.

        Against a shared service (live, URL) it retries 429 and 5xx answers the way the client does.
        """
        from pinecone_assistant.retries import RetryTransport

        transport = RetryTransport(httpx.HTTPTransport()) if not self.target.disposable else None
        client = httpx.Client(
            base_url=self.target.planes.for_operation(plane),
            headers=self.target.headers,
            timeout=httpx.Timeout(120.0, connect=10.0),
            transport=transport,
            **kw,
        )
        try:
            yield client
        finally:
            client.close()

    def call(
        self,
        client: httpx.Client,
        operation: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Exchange:
        """Send one request, observe it, and return it as an :class:`Exchange`."""
        try:
            response = client.request(method, path, json=json_body, params=params)
        except Exception as exc:
            if is_not_recorded(exc):
                raise NotRecordedError(f"{method} {path} is not in the recording") from exc
            raise
        ex = Exchange(
            operation=operation,
            status=response.status_code,
            content_type=response.headers.get("content-type", ""),
            content=response.content,
            request_body=json_body,
            headers=tuple(response.headers.multi_items()),
        )
        self.observe(ex)
        return ex
