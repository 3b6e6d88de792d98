"""What every suite gets: the prepared target, the spec, the seed, and the run-wide observers."""

from __future__ import annotations

import hashlib
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
from assistant_conformance.targets import PreparedTarget


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
    #: Real responses seen during the run, for the serialization suite.
    exchanges: list[Exchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def secrets(self) -> list[str]:
        return [self.target.api_key]

    def scaled(self, fraction: float, minimum: int = 1) -> int:
        """An example count proportional to ``--max-examples``."""
        return max(minimum, round(self.max_examples * fraction))

    def observe(self, ex: Exchange) -> None:
        """Count one exchange for coverage and keep it for the serialization suite."""
        chunks = sse_payloads(ex.content) if ex.is_stream and ex.status == 200 else []
        self.coverage.record(ex.operation, ex.status, chunks)
        with self._lock:
            if len(self.exchanges) < 5000:
                self.exchanges.append(ex)

    @contextmanager
    def http(self, plane: str = "data", **kw: Any) -> Iterator[httpx.Client]:
        """An httpx client for one plane with the run's headers; use :meth:`call` to send requests."""
        client = httpx.Client(
            base_url=self.target.planes.for_operation(plane),
            headers=self.target.headers,
            timeout=httpx.Timeout(120.0, connect=10.0),
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
        )
        self.observe(ex)
        return ex
