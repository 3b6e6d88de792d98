"""Recording a run (``run --record DIR``) and replaying it (``run --target recorded --cassettes DIR``).

A recording is a directory with ``run.json`` (seed, spec version, example count, scratch-assistant
tag, plane URLs, suites) and one vcrpy cassette per phase: ``setup.yaml``, one per suite,
``teardown.yaml``. Generation is derandomized by the recorded seed (schemathesis runs with
``generation.deterministic``; every hypothesis property uses the seed), and the scratch assistant
gets the recorded name, so a replay sends the same requests in the same order.

Replay never touches the network: a request the recording does not hold makes vcrpy raise, and the
suites report the check as ``not_recorded``, never as passed.

Cassettes never hold the key: ``Api-Key`` and other secret headers are dropped, and the key is
replaced wherever else it appears. Requests match on method, URL and body, with multipart
boundaries normalised (they are random per request).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant_conformance.redact import REDACTED, SECRET_HEADERS

if TYPE_CHECKING:
    from assistant_conformance.runner import RunOptions
    from assistant_conformance.targets import SessionOptions

FORMAT = 1
REPLAY_KEY = "replayed-without-a-key"
_HEX_BOUNDARY = re.compile(rb"--[0-9a-f]{32}")
_BOUNDARY = re.compile(rb'boundary="?([-\w.()+,/:=?]+)')


def _normalised_body(request: Any) -> bytes:
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    content_type = ""
    for name, value in (request.headers or {}).items():
        if name.lower() == "content-type":
            # Recorded headers hold lists of values; live ones hold strings.
            content_type = value[0] if isinstance(value, list | tuple) and value else str(value)
    match = _BOUNDARY.search(content_type.encode())
    if match:
        body = body.replace(match.group(1), b"BOUNDARY")
    # Multipart bodies sent under another content type (negative cases) keep urllib3's random boundary.
    return _HEX_BOUNDARY.sub(b"--BOUNDARY", body)


def body_matcher(r1: Any, r2: Any) -> None:
    """vcrpy matcher: bodies equal once multipart boundaries are normalised."""
    if _normalised_body(r1) != _normalised_body(r2):
        raise AssertionError("request bodies differ")


def make_vcr(record_mode: str, secrets: list[str]) -> Any:
    """The vcrpy configuration of run recordings (``"all"`` records, ``"none"`` replays)."""
    import vcr

    def scrub(text: str) -> str:
        for secret in secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, REDACTED)
        return text

    def before_request(request: Any) -> Any:
        request.uri = scrub(request.uri)
        if isinstance(request.body, bytes):
            for secret in secrets:
                if secret and len(secret) >= 4:
                    request.body = request.body.replace(secret.encode(), REDACTED.encode())
        return request

    def before_response(response: dict[str, Any]) -> dict[str, Any]:
        body = response.get("body", {}).get("string")
        if isinstance(body, bytes):
            with contextlib.suppress(UnicodeDecodeError):
                response["body"]["string"] = scrub(body.decode("utf-8")).encode("utf-8")
        headers = response.get("headers", {})
        for name in list(headers):
            if name.lower() in SECRET_HEADERS | {"set-cookie"}:
                del headers[name]
        return response

    recorder = vcr.VCR(
        record_mode=record_mode,
        match_on=["method", "scheme", "host", "port", "path", "query", "normalised_body"],
        filter_headers=sorted(SECRET_HEADERS | {"x-assistant-fault"}),
        before_record_request=before_request,
        before_record_response=before_response,
        decode_compressed_response=True,
    )
    recorder.register_matcher("normalised_body", body_matcher)
    return recorder


@contextlib.contextmanager
def _read1_shim() -> Any:
    """vcrpy 9.4's recorded urllib3 response passes ``decode_content=`` on to ``BytesIO.read1``, which
    takes no keywords; schemathesis reads event streams with ``read1(n, decode_content=True)``.
    While a recording is open, drop the keyword (the recorded body is stored decoded already)."""
    from vcr.stubs import VCRHTTPResponse

    original = VCRHTTPResponse.read1

    def read1(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("decode_content", None)
        return original(self, *args, **kwargs)

    VCRHTTPResponse.read1 = read1
    try:
        yield
    finally:
        VCRHTTPResponse.read1 = original


class Recording:
    """Cassette switching for one run; a context manager around the whole run."""

    def __init__(self, directory: Path, mode: str, meta: dict[str, Any], secrets: list[str]) -> None:
        self.directory = directory
        self.mode = mode  # "record" or "replay"
        self.meta = meta
        self.secrets = secrets
        self.seed: int = int(meta["seed"])
        self._vcr = make_vcr("all" if mode == "record" else "none", secrets)
        self._current: contextlib.ExitStack | None = None
        self._used: list[str] = []

    def use_cassette(self, name: str) -> None:
        """Close the current cassette (saving it when recording) and open ``<name>.yaml``."""
        self._close()
        stack = contextlib.ExitStack()
        path = self.directory / f"{name}.yaml"
        if self.mode == "replay" and not path.exists():
            # An empty cassette: every request of this phase is reported as not recorded.
            path = self.directory / f".missing-{name}.yaml"
        stack.enter_context(self._vcr.use_cassette(str(path), allow_playback_repeats=False))
        self._current = stack
        self._used.append(name)

    def _close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None

    def __enter__(self) -> Recording:
        self._shim = _read1_shim()
        self._shim.__enter__()
        self.use_cassette("setup")
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()
        self._shim.__exit__(None, None, None)
        if self.mode == "record":
            meta = {**self.meta, "cassettes": self._used}
            (self.directory / "run.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    def notes(self) -> list[str]:
        if self.mode == "record":
            return [f"recorded into {self.directory} (seed {self.seed}, tag {self.meta.get('tag')})"]
        return [f"replayed from {self.directory} (recorded {self.meta.get('recorded_at')}, seed {self.seed})"]


def open_recording(options: RunOptions, session: SessionOptions, seed: int) -> Recording:
    """Prepare a recording (``--record``) or a replay (``--target recorded``); adjusts ``session``."""
    import secrets as secrets_module

    if options.target == "recorded":
        directory = options.cassettes
        if directory is None:
            raise ValueError("--target recorded needs --cassettes DIR")
        meta_path = Path(directory) / "run.json"
        if not meta_path.exists():
            raise ValueError(
                f"{meta_path} does not exist: record a run first with `run --record {directory}`"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{meta_path} has format {meta.get('format')!r}; this version reads {FORMAT}")
        if meta.get("spec_version") != options.spec_version:
            raise ValueError(
                f"the recording is for spec {meta.get('spec_version')}; "
                f"pass --spec-version {meta.get('spec_version')}"
            )
        options.max_examples = int(meta["max_examples"])
        session.kind = "live"
        session.tag = meta["tag"]
        session.control_url = meta["planes"]["control"]
        session.evaluation_url = meta["planes"]["evaluation"]
        session.api_key = REPLAY_KEY
        session.poll_interval = 0.0
        return Recording(Path(directory), "replay", meta, [REPLAY_KEY])
    directory = Path(options.record) if options.record is not None else Path("cassettes")
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.yaml"):
        stale.unlink()
    session.tag = session.tag or secrets_module.token_hex(4)
    from assistant_conformance.targets import resolve_api_key

    key = resolve_api_key(session.api_key, session.kind)
    session.api_key = key
    meta = {
        "format": FORMAT,
        "seed": seed,
        "spec_version": options.spec_version,
        "max_examples": options.max_examples,
        "tag": session.tag,
        "suites": list(options.suites),
        "target_kind": session.kind,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "planes": {"control": "", "evaluation": ""},
    }
    return Recording(directory, "record", meta, [key])
