"""Recording a run (``run --record DIR``) and replaying it (``run --target recorded --cassettes DIR``).

A recording is a directory with ``run.json`` and one vcrpy cassette per phase: ``setup.yaml``, one
per suite, ``teardown.yaml``. ``run.json`` holds what makes the run repeat (format, seed, spec
version and its sha256, project and generator versions, example count, scratch-assistant tag, the
recorded target's kind and planes, suites, operations) and a manifest: the sha256 of every cassette
and of each of its interactions.

Generation is derandomized by the recorded seed: schemathesis runs with ``generation.deterministic``,
every hypothesis property uses the seed, multipart boundaries that urllib3 would draw at random are
derived from the seed, and the scratch assistant gets the recorded name. A replay therefore sends
the same requests in the same order.

Requests match on method, URL (scheme, host, port, path, query), body (JSON normalised, multipart
boundaries replaced), content type, the ``X-Pinecone-Api-Version`` header, and for each key header
whether it was sent and whether it held the run's key or another one. Cassettes hold that as a
marker, never the value, so a request without a key is never answered with a recording made with
one. Replay never touches the network: a request the recording does not hold is ``not_recorded``.

Before a replay starts, the recording is checked: a missing or unreadable ``run.json``, another
format, spec, project or generator version, a cassette changed or cut since it was recorded, or
anything in it that looks like a key stops the run with :class:`RecordingError` (exit 2).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from assistant_conformance.redact import REDACTED, SECRET_HEADERS, find_keylike
from assistant_conformance.targets import TargetError, kind_traits

if TYPE_CHECKING:
    from assistant_conformance.runner import RunOptions
    from assistant_conformance.targets import SessionOptions

#: Version of the recording layout; a recording of another format is refused.
FORMAT = 2
REPLAY_KEY = "replayed-without-a-key"
#: What a key header becomes in a cassette: which key was sent, never its value.
RUN_KEY = "[REDACTED:run-key]"
OTHER_KEY = "[REDACTED:other-key]"
KEY_MARKERS = frozenset({RUN_KEY, OTHER_KEY, REDACTED})
VERSION_HEADER = "x-pinecone-api-version"
#: Libraries whose version decides which requests the suites generate.
GENERATORS = ("hypothesis", "schemathesis", "hypothesis-jsonschema")
MATCH_ON = (
    "method",
    "scheme",
    "host",
    "port",
    "path",
    "query",
    "content_type",
    "api_version",
    "api_key",
    "normalised_body",
)
_BOUNDARY = re.compile(r'boundary="?([-\w.()+,/:=?]+)')


class RecordingError(TargetError):
    """A recording cannot be replayed (or written) as it is; the message names the file and why."""


# --------------------------------------------------------------------------- what a request means


def _header(request: Any, name: str) -> str | None:
    for key, value in (request.headers or {}).items():
        if key.lower() == name:
            # Recorded headers may hold lists of values; live ones hold strings.
            return str(value[0] if isinstance(value, list | tuple) and value else value)
    return None


def _content_type(request: Any) -> str:
    return (_header(request, "content-type") or "").split(";", 1)[0].strip().lower()


def normalised_body(request: Any) -> bytes:
    """The body as far as it has meaning: multipart boundaries replaced, JSON in canonical form."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    content_type = _header(request, "content-type") or ""
    match = _BOUNDARY.search(content_type)
    if match:
        body = body.replace(match.group(1).encode(), b"BOUNDARY")
    elif "json" in content_type:
        # A body that is not JSON after all (a negative case) is compared byte for byte.
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return body


def key_markers(request: Any) -> tuple[tuple[str, str], ...]:
    """(header, marker) for every key header sent, sorted; empty when no key was sent."""
    return tuple(
        sorted((k.lower(), str(v)) for k, v in (request.headers or {}).items() if k.lower() in SECRET_HEADERS)
    )


def request_meaning(request: Any) -> tuple[Any, ...]:
    """Everything two requests must share to be the same request (``request`` already scrubbed)."""
    return (
        request.method.upper(),
        request.scheme,
        request.host,
        request.port,
        request.path,
        tuple(request.query),
        _content_type(request),
        _header(request, VERSION_HEADER),
        key_markers(request),
        hashlib.sha256(normalised_body(request)).hexdigest(),
    )


def _describe_keys(request: Any) -> str:
    markers = dict(key_markers(request))
    if not markers:
        return "no key"
    return ", ".join(
        f"{name}: {'the run key' if value == RUN_KEY else 'another key'}" for name, value in markers.items()
    )


def _matcher(explain: Any, part: Any) -> Any:
    def match(r1: Any, r2: Any) -> None:
        if part(r1) != part(r2):
            raise AssertionError(explain(r1, r2))

    return match


_MATCHERS = {
    "content_type": _matcher(
        lambda a, b: f"content type {_content_type(a)!r} != {_content_type(b)!r}", _content_type
    ),
    "api_version": _matcher(
        lambda a, b: f"version header {_header(a, VERSION_HEADER)!r} != {_header(b, VERSION_HEADER)!r}",
        lambda r: _header(r, VERSION_HEADER),
    ),
    "api_key": _matcher(lambda a, b: f"{_describe_keys(a)} != {_describe_keys(b)}", key_markers),
    "normalised_body": _matcher(lambda a, b: "request bodies differ", normalised_body),
}


def _indexed_cassette_class(misses: list[str]) -> Any:
    """A vcrpy cassette class that looks requests up by meaning and notes those it cannot play."""
    from vcr.cassette import Cassette

    class IndexedCassette(Cassette):  # type: ignore[misc]
        """A cassette that finds a request's recordings by their meaning in one dict lookup.

        vcrpy compares a request with every recorded one; with thousands of interactions per
        cassette that makes a replay slower than the run it replays.
        """

        _index: dict[tuple[Any, ...], list[int]]
        _indexed = 0

        def _responses(self, request: Any) -> Iterator[tuple[int, Any]]:
            if not hasattr(self, "_index"):
                self._index = {}
            for index in range(self._indexed, len(self.data)):
                self._index.setdefault(request_meaning(self.data[index][0]), []).append(index)
            self._indexed = len(self.data)
            scrubbed = self._before_record_request(request)
            if scrubbed is None:
                return
            for index in self._index.get(request_meaning(scrubbed), []):
                yield index, self.data[index][1]

        def can_play_response_for(self, request: Any) -> bool:
            playable = bool(super().can_play_response_for(request))
            if not playable and self.write_protected:
                misses.append(f"{request.method} {request.uri}")
            return playable

    return IndexedCassette


def make_vcr(record_mode: str, secrets: list[str]) -> Any:
    """The vcrpy configuration of run recordings (``"all"`` records, ``"none"`` replays)."""
    import vcr

    usable = [s for s in secrets if s and len(s) >= 4]

    def scrub(text: str) -> str:
        for secret in usable:
            text = text.replace(secret, REDACTED)
        return text

    def marker(value: Any) -> str:
        value = str(value[0] if isinstance(value, list | tuple) and value else value)
        if value in KEY_MARKERS:
            return value
        bare = value.split(" ", 1)[1] if value.lower().startswith("bearer ") else value
        return RUN_KEY if value in usable or bare in usable else OTHER_KEY

    def before_request(request: Any) -> Any:
        request.uri = scrub(request.uri)
        headers = request.headers
        for name in list(headers):
            lower = name.lower()
            if lower in SECRET_HEADERS:
                headers[name] = marker(headers[name])
            elif lower in {"host", "x-assistant-fault", "set-cookie"}:
                del headers[name]
        request.headers = headers
        if isinstance(request.body, bytes):
            for secret in usable:
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

    from assistant_conformance.suites.requests import MOCK_HOSTS

    recorder = vcr.VCR(
        record_mode=record_mode,
        # The requests suite answers the client itself (httpx.MockTransport); its requests never reach
        # the target, so they are neither recorded nor played back.
        ignore_hosts=MOCK_HOSTS,
        match_on=list(MATCH_ON),
        before_record_request=before_request,
        before_record_response=before_response,
        decode_compressed_response=True,
    )
    for name, matcher in _MATCHERS.items():
        recorder.register_matcher(name, matcher)
    return recorder


@contextlib.contextmanager
def _read1_shim() -> Iterator[None]:
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


@contextlib.contextmanager
def seeded_boundaries(seed: int) -> Iterator[None]:
    """urllib3 draws a random multipart boundary per request; derive them from ``seed`` instead."""
    import urllib3.filepost

    original = urllib3.filepost.choose_boundary
    count = 0

    def choose_boundary() -> str:
        nonlocal count
        count += 1
        return hashlib.sha256(f"{seed}:{count}".encode()).hexdigest()[:32]

    urllib3.filepost.choose_boundary = choose_boundary
    try:
        yield
    finally:
        urllib3.filepost.choose_boundary = original


# --------------------------------------------------------------------------- manifest and checks


def _load_cassette(path: Path) -> list[dict[str, Any]]:
    from vcr.serializers import yamlserializer

    try:
        data = yamlserializer.deserialize(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RecordingError(f"{path}: cannot be read as a cassette ({type(exc).__name__}: {exc})") from None
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list) or not all(isinstance(i, dict) for i in interactions):
        raise RecordingError(f"{path}: not a vcrpy cassette (no list of interactions)")
    return interactions


#: A key header and its first value, as vcrpy writes them.
_SECRET_HEADER_LINE = re.compile(
    r"(?im)^\s*(" + "|".join(re.escape(h) for h in sorted(SECRET_HEADERS)) + r"):\s*\n\s*-\s*(.*)$"
)


def _suspicious(text: str) -> bool:
    """Whether the cassette text may hold a key: worth parsing to find which interaction does."""
    if find_keylike(text):
        return True
    return any(m.group(2).strip().strip("'\"") not in KEY_MARKERS for m in _SECRET_HEADER_LINE.finditer(text))


def _interaction_digest(interaction: Any) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, bytes):
            return value.hex()
        return repr(value)

    text = json.dumps(interaction, sort_keys=True, default=default)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _interaction_label(interaction: Any) -> str:
    request = interaction.get("request") if isinstance(interaction, dict) else None
    if not isinstance(request, dict):
        return "(no request)"
    return f"{request.get('method')} {request.get('uri')}"


def manifest_entry(path: Path) -> dict[str, Any]:
    """The manifest of one cassette: its sha256, and each interaction's request and digest."""
    interactions = _load_cassette(path)
    return {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "interactions": [[_interaction_label(i), _interaction_digest(i)] for i in interactions],
    }


def _keylike_in(path: Path, interactions: list[dict[str, Any]]) -> str | None:
    for number, interaction in enumerate(interactions, start=1):
        for side in ("request", "response"):
            part = interaction.get(side) or {}
            for name, raw in (part.get("headers") or {}).items():
                values = raw if isinstance(raw, list) else [raw]
                if name.lower() in SECRET_HEADERS and any(str(v) not in KEY_MARKERS for v in values):
                    return (
                        f"{path}: interaction {number} ({_interaction_label(interaction)}) holds a "
                        f"{name} header value where a key marker belongs"
                    )
        found = find_keylike(json.dumps(interaction, default=repr))
        if found:
            return (
                f"{path}: interaction {number} ({_interaction_label(interaction)}) holds what looks "
                f"like a key ({found})"
            )
    return None


def verify_cassette(path: Path, entry: dict[str, Any]) -> None:
    """Raise :class:`RecordingError` if ``path`` is not what the manifest says, or holds a key."""
    if not path.exists():
        raise RecordingError(f"{path} is listed in run.json but missing: copy the whole recording folder")
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    intact = hashlib.sha256(raw).hexdigest() == entry.get("sha256")
    if intact and not _suspicious(text):
        return
    interactions = _load_cassette(path)
    leaked = _keylike_in(path, interactions)
    if leaked:
        raise RecordingError(f"{leaked}; delete the recording and record again")
    if intact:
        return
    recorded = entry.get("interactions") or []
    hint = "; the recording was edited after it was made: record again"
    want = [digest for _, digest in recorded]
    have = [_interaction_digest(i) for i in interactions]
    for index in range(max(len(want), len(have))):
        if index < len(want) and index < len(have) and want[index] == have[index]:
            continue
        number = index + 1
        if index >= len(have) or (index + 1 < len(want) and want[index + 1] == have[index]):
            raise RecordingError(f"{path}: interaction {number} ({recorded[index][0]}) was removed{hint}")
        label = _interaction_label(interactions[index])
        if index >= len(want) or (index + 1 < len(have) and have[index + 1] == want[index]):
            raise RecordingError(f"{path}: interaction {number} ({label}) was added{hint}")
        raise RecordingError(f"{path}: interaction {number} ({recorded[index][0]}) was changed{hint}")
    raise RecordingError(f"{path}: the file differs from the one recorded{hint}")


def _versions() -> dict[str, str]:
    out = {}
    for name in ("pinecone-assistant-kit", *GENERATORS):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# --------------------------------------------------------------------------- the recording


class Recording:
    """Cassette switching for one run; a context manager around the whole run."""

    def __init__(self, directory: Path, mode: str, meta: dict[str, Any], secrets: list[str]) -> None:
        self.directory = directory
        self.mode = mode  # "record" or "replay"
        self.meta = meta
        self.secrets = secrets
        self.seed: int = int(meta["seed"])
        self._vcr = make_vcr("all" if mode == "record" else "none", secrets)
        #: The suites and operations run (a replay may ask for more than was recorded).
        self.selection: tuple[tuple[str, ...], tuple[str, ...]] = (
            tuple(meta.get("suites") or _suite_order()),
            tuple(meta.get("operations") or ()),
        )
        #: Requests the replay could not answer, in order.
        self.misses: list[str] = []
        self._cassette_class = _indexed_cassette_class(self.misses)
        self._current: contextlib.ExitStack | None = None
        self._used: list[str] = []
        self._outer = contextlib.ExitStack()

    def use_cassette(self, name: str) -> None:
        """Close the current cassette (saving it when recording) and open ``<name>.yaml``."""
        self._close()
        stack = contextlib.ExitStack()
        path = self.directory / f"{name}.yaml"
        if self.mode == "replay" and name not in (self.meta.get("manifest") or {}):
            # Not recorded: every request of this phase is reported as not recorded.
            path = self.directory / f".missing-{name}.yaml"
        config = self._vcr.get_merged_config(path=str(path), allow_playback_repeats=False)
        stack.enter_context(self._cassette_class.use(**config))
        self._current = stack
        self._used.append(name)

    def _close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None

    def __enter__(self) -> Recording:
        self._outer.enter_context(_read1_shim())
        self._outer.enter_context(seeded_boundaries(self.seed))
        self.use_cassette("setup")
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._close()
        self._outer.close()
        # An interrupted or crashed run leaves no run.json: the folder is then refused as a recording.
        if self.mode == "record" and exc_type is None:
            self._finish_recording()

    def _finish_recording(self) -> None:
        manifest: dict[str, Any] = {}
        for name in self._used:
            path = self.directory / f"{name}.yaml"
            if not path.exists():
                continue  # vcrpy writes no file for a phase that sent nothing
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = [s for s in self.secrets if s and len(s) >= 4 and s in text]
            found = _keylike_in(path, _load_cassette(path))
            if leaked or found:
                path.unlink()
                raise RecordingError(
                    f"{found or f'{path}: the API key was not scrubbed'}; the cassette was deleted"
                )
            manifest[name] = manifest_entry(path)
        meta = {**self.meta, "cassettes": self._used, "manifest": manifest}
        (self.directory / "run.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")

    def rerecord_command(self) -> str:
        """The command that records this run again."""
        meta = self.meta
        parts = ["assistant-conformance run"]
        kind = meta.get("target_kind")
        parts.append(f"--target {'URL' if kind == 'url' else kind}")
        parts += [f"--record {self.directory}", f"--seed {self.seed}"]
        parts += [f"--spec-version {meta['spec_version']}", f"--max-examples {meta['max_examples']}"]
        suites, operations = self.selection
        if list(suites) != list(_suite_order()):
            parts += [f"--suite {s}" for s in suites]
        parts += [f"--operation {o}" for o in operations]
        return " ".join(parts)

    def notes(self) -> list[str]:
        if self.mode == "record":
            return [f"recorded into {self.directory} (seed {self.seed}, tag {self.meta.get('tag')})"]
        recorded_at = self.meta.get("recorded_at")
        notes = [f"replayed from {self.directory} (recorded {recorded_at}, seed {self.seed})"]
        if self.misses:
            notes.append(
                f"{len(self.misses)} request(s) are not in the recording (the first: {self.misses[0]}); "
                f"the checks that sent them are not_recorded. To record again: {self.rerecord_command()}"
            )
        return notes


def _suite_order() -> tuple[str, ...]:
    from assistant_conformance.runner import SUITE_ORDER

    return SUITE_ORDER


def _read_meta(directory: Path, options: RunOptions) -> dict[str, Any]:
    from assistant_conformance.context import load_spec

    if not directory.is_dir():
        raise RecordingError(f"{directory} is not a folder: pass the folder made by `run --record DIR`")
    meta_path = directory / "run.json"
    if not meta_path.exists():
        found = "is empty" if not any(directory.iterdir()) else "has no run.json"
        raise RecordingError(
            f"{directory} {found}: it is not a recording; make one with `run --record {directory}`"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordingError(f"{meta_path} cannot be read: {exc}; record again") from None
    if not isinstance(meta, dict):
        raise RecordingError(f"{meta_path} is not a recording description; record again")
    if meta.get("format") != FORMAT:
        raise RecordingError(
            f"{meta_path} is in recording format {meta.get('format')!r}; this version reads format "
            f"{FORMAT} only: record again with this version"
        )
    required = ("seed", "spec_version", "spec_sha256", "max_examples", "tag", "target_kind", "manifest")
    missing = [k for k in required if k not in meta]
    if missing:
        raise RecordingError(f"{meta_path} lacks {', '.join(missing)}; record again")
    if meta["spec_version"] != options.spec_version:
        raise RecordingError(
            f"{meta_path} was recorded against spec {meta['spec_version']}, not {options.spec_version}: "
            f"pass --spec-version {meta['spec_version']}"
        )
    _, _, sha = load_spec(options.spec_version)
    if meta["spec_sha256"] != sha:
        raise RecordingError(
            f"{meta_path} was recorded against another text of spec {options.spec_version} "
            f"(sha256 {str(meta['spec_sha256'])[:12]}, now {sha[:12]}): record again"
        )
    recorded, current = meta.get("versions") or {}, _versions()
    changed = [f"{n} {recorded.get(n)} (now {v})" for n, v in current.items() if recorded.get(n) != v]
    if changed:
        raise RecordingError(
            f"{meta_path} was made with {', '.join(changed)}; requests would differ: record again"
        )
    if options.seed is not None and options.seed != meta["seed"]:
        raise RecordingError(
            f"{meta_path} was recorded with seed {meta['seed']}: "
            f"leave out --seed or pass --seed {meta['seed']}"
        )
    return meta


def open_recording(options: RunOptions, session: SessionOptions, seed: int) -> Recording:
    """Prepare a recording (``--record``) or a replay (``--target recorded``); adjusts ``session``."""
    import secrets as secrets_module

    if options.target == "recorded":
        if options.cassettes is None:
            raise RecordingError("--target recorded needs --cassettes DIR")
        directory = Path(options.cassettes)
        meta = _read_meta(directory, options)
        for name, entry in meta["manifest"].items():
            verify_cassette(directory / f"{name}.yaml", entry)
        options.max_examples = int(meta["max_examples"])
        # Without an explicit selection, replay what was recorded.
        if tuple(options.suites) == _suite_order() and meta.get("suites"):
            options.suites = tuple(meta["suites"])
        if not options.operations and meta.get("operations"):
            options.operations = tuple(meta["operations"])
        session.kind = "live"
        session.replaying = str(meta["target_kind"])
        session.tag = meta["tag"]
        session.control_url = meta["planes"]["control"]
        session.evaluation_url = meta["planes"]["evaluation"]
        session.api_key = REPLAY_KEY
        session.poll_interval = 0.0
        recording = Recording(directory, "replay", meta, [REPLAY_KEY])
        recording.selection = (tuple(options.suites), tuple(options.operations))
        return recording
    from assistant_conformance.context import load_spec
    from assistant_conformance.targets import resolve_api_key

    directory = Path(options.record) if options.record is not None else Path("cassettes")
    directory.mkdir(parents=True, exist_ok=True)
    for stale in [*directory.glob("*.yaml"), directory / "run.json"]:
        stale.unlink(missing_ok=True)
    session.tag = session.tag or secrets_module.token_hex(4)
    key = resolve_api_key(session.api_key, session.kind)
    session.api_key = key
    deterministic, disposable = kind_traits(session.kind)
    meta = {
        "format": FORMAT,
        "seed": seed,
        "spec_version": options.spec_version,
        "spec_sha256": load_spec(options.spec_version)[2],
        "versions": _versions(),
        "max_examples": options.max_examples,
        "tag": session.tag,
        "suites": list(options.suites),
        "operations": list(options.operations),
        "target_kind": session.kind,
        "target_traits": {"deterministic": deterministic, "disposable": disposable},
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "planes": {"control": "", "evaluation": ""},
    }
    return Recording(directory, "record", meta, [key])
