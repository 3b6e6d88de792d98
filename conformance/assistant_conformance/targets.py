"""Targets of a conformance run and the scratch-assistant lifecycle.

* ``embedded``: starts the embedded endpoint on 127.0.0.1 (a random API key, faults optional).
* ``live``: the Pinecone service. Control plane ``https://api.pinecone.io/assistant``, data plane
  from the scratch assistant's ``host``, evaluation ``https://prod-1-data.ke.pinecone.io/assistant``.
  The key comes from ``--api-key`` or ``PINECONE_API_KEY``.
* ``url``: any endpoint speaking the API at one base URL (all three planes under it).
* ``recorded``: replays what a ``--record`` run captured (see :mod:`assistant_conformance.recording`).

Every target gets the same preparation: a scratch assistant named ``conf-<tag>``, the fixture corpus
uploaded with metadata, two spare files that the suites may delete, and a wait until all are ready.
:meth:`TargetSession.__exit__` deletes the scratch assistant and every other assistant whose name
starts with ``conf-<tag>`` (the ones the suites created), also after a failure or an interrupt;
a second Ctrl-C does not cut the clean-up short.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from assistant_conformance import spec_versions
from assistant_conformance.fixtures import CORPUS, FixtureFile

CONTROL_HOST = "https://api.pinecone.io"
EVALUATION_HOST = "https://prod-1-data.ke.pinecone.io"
PATH_PREFIX = "/assistant"
API_KEY_ENV = "PINECONE_API_KEY"
SCRATCH_PREFIX = "conf-"
VERSIONS = spec_versions.available()
#: Versions where files are put under an id of our choosing (PUT) and uploads answer 202.
UPSERT_VERSIONS = frozenset(v for v in VERSIONS if spec_versions.has_operations(v))
MULTIPART_BOUNDARY = "assistant-conformance-boundary"

KINDS = ("embedded", "live", "recorded", "url")


class TargetError(RuntimeError):
    """The target could not be prepared; the message says which step failed and why."""


@dataclass(frozen=True)
class Planes:
    """Base URLs (ending in ``/assistant``) of the three planes."""

    control: str
    data: str
    evaluation: str

    def for_operation(self, plane: str) -> str:
        return {"control": self.control, "data": self.data, "evaluation": self.evaluation}[plane]


@dataclass(frozen=True)
class FixtureState:
    """A fixture file as uploaded to the scratch assistant."""

    key: str
    id: str
    name: str
    metadata: dict[str, Any]


@dataclass
class PreparedTarget:
    """A target ready for the suites."""

    kind: str
    label: str
    planes: Planes
    api_key: str = field(repr=False)
    version: str
    assistant: str
    tag: str
    files: dict[str, FixtureState]
    spare_file_ids: list[str]
    operation_ids: list[str]
    #: Whether answers are reproducible (same question, same answer): true for the embedded endpoint.
    deterministic: bool
    #: Whether the suites may send generated names to destructive control-plane calls.
    disposable: bool
    #: Headers the suites add to every request (the selftest's fault switch).
    extra_headers: dict[str, str] = field(default_factory=dict)
    #: An assistant of the run that the schema suite may delete (the missing-header probe).
    victim_assistant: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Api-Key": self.api_key, "X-Pinecone-Api-Version": self.version, **self.extra_headers}

    @property
    def name_prefix(self) -> str:
        """Assistants with this prefix belong to the run and are deleted at the end."""
        return f"{SCRATCH_PREFIX}{self.tag}"

    def fixture_ids(self) -> dict[str, str]:
        """Fixture key -> file id."""
        return {key: state.id for key, state in self.files.items()}

    def describe(self) -> dict[str, Any]:
        """The ``target`` section of report.json (no key)."""
        return {
            "kind": self.kind,
            "base_url": self.label,
            "planes": {
                "control": self.planes.control,
                "data": self.planes.data,
                "evaluation": self.planes.evaluation,
            },
            "api_version": self.version,
            "scratch_assistant": self.assistant,
            "fixture_files": len(self.files),
            "deterministic": self.deterministic,
        }


def normalize_base(url: str) -> str:
    """``http://h:1`` and ``http://h:1/assistant/`` both become ``http://h:1/assistant``."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise TargetError(f"target URL {url!r} needs a scheme, e.g. http://127.0.0.1:8765")
    return url if url.endswith(PATH_PREFIX) else url + PATH_PREFIX


def host_base(host: str) -> str:
    """The data-plane base URL from an assistant's ``host`` (which may lack the scheme)."""
    host = host.strip().rstrip("/")
    if not host.startswith(("http://", "https://")):
        host = "https://" + host
    return host + PATH_PREFIX


def resolve_api_key(explicit: str | None, kind: str) -> str:
    """The key for a target: ``--api-key``, else ``PINECONE_API_KEY``; the embedded one makes its own."""
    if explicit:
        return explicit
    if kind == "embedded":
        return "conformance-" + secrets.token_hex(12)
    env = os.environ.get(API_KEY_ENV, "").strip()
    if env:
        return env
    if kind == "url":
        return "conformance-key"
    raise TargetError(f"--target {kind} needs an API key: pass --api-key or set {API_KEY_ENV}")


@dataclass
class SessionOptions:
    """How to reach and prepare a target."""

    kind: str
    version: str = "2026-04"
    url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    tag: str | None = None
    faults: bool = False
    control_url: str | None = None
    evaluation_url: str | None = None
    ready_timeout: float = 300.0
    poll_interval: float = 2.0
    transport: httpx.BaseTransport | None = None
    progress: Callable[[str], None] = lambda message: None


class TargetSession:
    """Context manager: prepares the target on enter, removes everything it created on exit."""

    def __init__(self, options: SessionOptions) -> None:
        if options.kind not in KINDS:
            raise TargetError(f"unknown target {options.kind!r}; use one of {', '.join(KINDS)} or a URL")
        if options.version not in VERSIONS:
            raise TargetError(f"unknown spec version {options.version!r}; use one of {', '.join(VERSIONS)}")
        self.options = options
        self.api_key = resolve_api_key(options.api_key, options.kind)
        self.tag = options.tag or secrets.token_hex(4)
        self.prepared: PreparedTarget | None = None
        self.cleanup_errors: list[str] = []
        self._stack = contextlib.ExitStack()
        self._client: httpx.Client | None = None
        self._created: list[str] = []
        self._control = ""

    @property
    def assistant_name(self) -> str:
        return f"{SCRATCH_PREFIX}{self.tag}"

    # -- lifecycle ----------------------------------------------------------------------------------

    def __enter__(self) -> PreparedTarget:
        try:
            self.prepared = self._prepare()
        except BaseException:
            self._teardown()
            raise
        return self.prepared

    def __exit__(self, *exc: object) -> None:
        self._teardown()

    def _prepare(self) -> PreparedTarget:
        opts = self.options
        kind = opts.kind
        if kind == "embedded":
            from assistant_conformance.embedded import running_server

            server = self._stack.enter_context(
                running_server(
                    api_keys=[self.api_key],
                    faults=opts.faults,
                    assistant_ready_seconds=0,
                    file_processing_seconds=0,
                )
            )
            base = server.assistant_url
            control, evaluation, label = base, base, server.url
        elif kind == "url":
            if not opts.url:
                raise TargetError("--target URL needs the endpoint's URL")
            base = normalize_base(opts.url)
            control, evaluation, label = base, base, base
        else:
            control = normalize_base(opts.control_url or CONTROL_HOST)
            evaluation = normalize_base(opts.evaluation_url or EVALUATION_HOST)
            label = control
        self._control = control
        self._client = self._stack.enter_context(
            httpx.Client(
                headers={"Api-Key": self.api_key, "X-Pinecone-Api-Version": opts.version},
                timeout=httpx.Timeout(120.0, connect=10.0),
                transport=opts.transport,
            )
        )
        opts.progress(f"creating scratch assistant {self.assistant_name} on {label}")
        host = self._create_assistant()
        # The embedded and URL targets serve every plane under one base URL.
        data = host_base(host) if host and kind not in {"embedded", "url"} else control
        files, spares, operations = self._upload_corpus(data)
        victim = self._create_victim()
        return PreparedTarget(
            kind=kind,
            label=label,
            planes=Planes(control=control, data=data, evaluation=evaluation),
            api_key=self.api_key,
            version=opts.version,
            assistant=self.assistant_name,
            tag=self.tag,
            files=files,
            spare_file_ids=spares,
            operation_ids=operations,
            deterministic=kind == "embedded",
            disposable=kind == "embedded",
            victim_assistant=victim,
        )

    # -- HTTP helpers -------------------------------------------------------------------------------

    def _request(
        self, method: str, url: str, *, expect: tuple[int, ...], step: str, **kw: Any
    ) -> httpx.Response:
        assert self._client is not None
        try:
            response = self._client.request(method, url, **kw)
        except httpx.HTTPError as exc:
            raise TargetError(f"{step}: {method} {url} failed: {type(exc).__name__}: {exc}") from None
        except Exception as exc:
            if type(exc).__name__ == "CannotOverwriteExistingCassetteException":
                raise TargetError(f"{step}: {method} {url} is not in the recording being replayed") from None
            raise
        if response.status_code not in expect:
            raise TargetError(
                f"{step}: {method} {url} answered {response.status_code}, expected "
                f"{'/'.join(map(str, expect))}: {response.text[:300]}"
            )
        return response

    def _sleep(self) -> None:
        if self.options.poll_interval > 0:
            time.sleep(self.options.poll_interval)

    def _create_assistant(self) -> str | None:
        name = self.assistant_name
        body = {
            "name": name,
            "instructions": "Answer only from the uploaded files and cite them.",
            "metadata": {"purpose": "assistant-conformance", "tag": self.tag},
        }
        self._request(
            "POST", f"{self._control}/assistants", json=body, expect=(200, 201), step="create assistant"
        )
        self._created.append(name)
        deadline = time.monotonic() + self.options.ready_timeout
        while True:
            described = self._request(
                "GET", f"{self._control}/assistants/{name}", expect=(200,), step="wait for the assistant"
            ).json()
            status = described.get("status")
            if status == "Ready":
                host = described.get("host")
                return host if isinstance(host, str) and host else None
            if status in {"Failed", "InitializationFailed"}:
                raise TargetError(f"the scratch assistant {name} ended in status {status}")
            if time.monotonic() > deadline:
                raise TargetError(
                    f"the scratch assistant {name} was not Ready after {self.options.ready_timeout} s"
                )
            self._sleep()

    def _multipart(
        self, fixture: FixtureFile | tuple[str, bytes, str], metadata: dict[str, Any] | None
    ) -> dict[str, Any]:
        if isinstance(fixture, FixtureFile):
            name, content, ctype = fixture.name, fixture.content(), fixture.content_type
        else:
            name, content, ctype = fixture
        kw: dict[str, Any] = {
            "files": {"file": (name, content, ctype)},
            # A fixed boundary keeps request bodies byte-identical between recording and replay.
            "headers": {"Content-Type": f"multipart/form-data; boundary={MULTIPART_BOUNDARY}"},
        }
        if metadata is not None and self.options.version in UPSERT_VERSIONS:
            kw["data"] = {"metadata": json.dumps(metadata, sort_keys=True)}
        elif metadata is not None:
            kw["params"] = {"metadata": json.dumps(metadata, sort_keys=True)}
        return kw

    def _put_file(
        self,
        data: str,
        file_id: str,
        item: FixtureFile | tuple[str, bytes, str],
        metadata: dict[str, Any] | None,
    ) -> tuple[str, str | None]:
        """Upload one file; returns (file id, operation id)."""
        url_files = f"{data}/files/{self.assistant_name}"
        if self.options.version in UPSERT_VERSIONS:
            response = self._request(
                "PUT",
                f"{url_files}/{file_id}",
                expect=(200, 202),
                step=f"upload fixture {file_id}",
                **self._multipart(item, metadata),
            )
            body = response.json()
            return str(body.get("file_id") or file_id), body.get("id")
        response = self._request(
            "POST",
            url_files,
            expect=(200, 202),
            step=f"upload fixture {file_id}",
            **self._multipart(item, metadata),
        )
        body = response.json()
        return str(body["id"]), None

    def _upload_corpus(self, data: str) -> tuple[dict[str, FixtureState], list[str], list[str]]:
        files: dict[str, FixtureState] = {}
        operations: list[str] = []
        self.options.progress(f"uploading {len(CORPUS)} fixture files with metadata")
        for fixture in CORPUS:
            file_id, op = self._put_file(data, fixture.file_id(self.tag), fixture, fixture.metadata)
            files[fixture.key] = FixtureState(fixture.key, file_id, fixture.name, dict(fixture.metadata))
            if op:
                operations.append(op)
        spares: list[str] = []
        for index in (1, 2):
            content = f"Spare file {index}: the harbour crane lifts containers.".encode()
            file_id, op = self._put_file(
                data,
                f"spare-{index}-{self.tag}",
                (f"spare-{index}.txt", content, "text/plain"),
                {"spare": True},
            )
            spares.append(file_id)
            if op:
                operations.append(op)
        self._wait_available(data, [s.id for s in files.values()] + spares)
        return files, spares, operations

    def _create_victim(self) -> str:
        """An extra assistant of the run, for the schema suite to delete."""
        name = f"{self.assistant_name}-victim"
        self._request(
            "POST",
            f"{self._control}/assistants",
            json={"name": name},
            expect=(200, 201),
            step="create assistant",
        )
        self._created.append(name)
        return name

    def _wait_available(self, data: str, file_ids: list[str]) -> None:
        deadline = time.monotonic() + self.options.ready_timeout
        pending = list(file_ids)
        while pending:
            still: list[str] = []
            for file_id in pending:
                body = self._request(
                    "GET",
                    f"{data}/files/{self.assistant_name}/{file_id}",
                    expect=(200,),
                    step=f"wait for fixture {file_id}",
                ).json()
                status = body.get("status")
                if status == "ProcessingFailed":
                    raise TargetError(f"fixture {file_id} failed processing: {body.get('error_message')}")
                if status != "Available":
                    still.append(file_id)
            pending = still
            if pending:
                if time.monotonic() > deadline:
                    raise TargetError(
                        f"fixtures not Available after {self.options.ready_timeout} s: {pending}"
                    )
                self._sleep()

    # -- clean-up -----------------------------------------------------------------------------------

    def _run_assistants(self) -> list[str]:
        """Names of the assistants this run created (by prefix), across list pages."""
        names: list[str] = []
        token: str | None = None
        for _ in range(100):
            params: dict[str, Any] = {}
            if token:
                params["pagination_token"] = token
            response = self._request(
                "GET",
                f"{self._control}/assistants",
                params=params,
                expect=(200,),
                step="list assistants for clean-up",
            )
            body = response.json()
            for item in body.get("assistants") or []:
                name = item.get("name") if isinstance(item, dict) else None
                if isinstance(name, str) and name.startswith(self.assistant_name):
                    names.append(name)
            token = ((body.get("pagination") or {}) if isinstance(body.get("pagination"), dict) else {}).get(
                "next"
            )
            if not token:
                break
        return names

    def _teardown(self) -> None:
        with _interrupts_deferred():
            try:
                if self._client is not None and self._created and self.options.kind != "embedded":
                    self._delete_run_assistants()
            finally:
                self._stack.close()
                self._client = None

    def _delete_run_assistants(self) -> None:
        self.options.progress(f"deleting the scratch assistant {self.assistant_name} and its files")
        names = list(dict.fromkeys(self._created))
        try:
            names += [n for n in self._run_assistants() if n not in names]
        except Exception as exc:  # clean-up goes on whatever one request does
            self.cleanup_errors.append(f"{type(exc).__name__}: {exc}"[:500])
        for name in names:
            try:
                self._request(
                    "DELETE",
                    f"{self._control}/assistants/{name}",
                    expect=(200, 202, 204, 404),
                    step="delete assistant",
                )
            except Exception as exc:
                self.cleanup_errors.append(f"{type(exc).__name__}: {exc}"[:500])


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM while cleaning up; re-raise KeyboardInterrupt afterwards if one came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt for the duration, so ``finally`` blocks run on ``kill``."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
