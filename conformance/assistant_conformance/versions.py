"""``assistant-conformance versions``: which API versions a target serves.

One cheap authenticated request (``GET /assistant/assistants``, the list of assistants) per version in
``spec/``, one with a version that does not exist (``9999-99``) and one without the
``X-Pinecone-Api-Version`` header. Each answer gets a verdict:

* ``served``: a success whose body fits the version's spec;
* ``rejected``: an error status;
* ``answered as another version``: a success for a version that does not exist, a success whose
  ``X-Pinecone-Api-Version`` response header names another version, or one whose body fits another
  version's spec but not its own.

Exit 0 when every version in spec/ is served, 1 when one is not, 2 when the target cannot be asked (closed
port, a URL that does not answer as the Assistant API, a refused key).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx

from assistant_conformance import spec_versions
from assistant_conformance.redact import redact_text

UNKNOWN_VERSION = "9999-99"
NO_HEADER = "(none)"
VERSION_HEADER = "X-Pinecone-Api-Version"
LIVE_CONTROL = "https://api.pinecone.io/assistant"
API_KEY_ENV = "PINECONE_API_KEY"
PROBE_PATH = "/assistants"
SERVED = "served"
REJECTED = "rejected"
OTHER_VERSION = "answered as another version"


class ProbeError(Exception):
    """The target cannot be asked at all; the message is one line."""


@dataclass(frozen=True)
class Row:
    """One probe and its verdict."""

    version: str
    status: int
    content_type: str
    error_code: str
    verdict: str
    note: str = ""


# --- judging ------------------------------------------------------------------------------------------------


def error_code(body: Any) -> str:
    """``error.code`` of the error envelope, or ``""``."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return str(body["error"].get("code") or "")
    return ""


def error_message(body: Any) -> str:
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return str(body["error"].get("message") or "")
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return str(body["message"])
    return ""


def speaks_the_api(body: Any) -> bool:
    """Whether a body is something the Assistant API answers here: the list, or an error envelope."""
    if not isinstance(body, Mapping):
        return False
    return isinstance(body.get("assistants"), list) or bool(error_code(body)) or "message" in body


def judge(
    version: str,
    status: int,
    body: Any,
    *,
    echoed: str | None,
    fits: Callable[[str, Any], bool],
    known: Sequence[str],
) -> tuple[str, str]:
    """(verdict, note) for the answer to a probe of ``version`` (``NO_HEADER`` when none was sent)."""
    if status >= 300:
        message = error_message(body)
        return REJECTED, message
    if version == UNKNOWN_VERSION:
        named = f" ({echoed})" if echoed else ""
        return OTHER_VERSION, f"a version that does not exist was answered{named}: a silent fall-back"
    if echoed and version not in (NO_HEADER, echoed):
        return OTHER_VERSION, f"the response names {echoed}"
    if version == NO_HEADER:
        return SERVED, f"no version asked; answered as {echoed}" if echoed else "no version asked"
    if fits(version, body):
        return SERVED, ""
    others = [v for v in known if v != version and fits(v, body)]
    if others:
        return OTHER_VERSION, f"the body fits {', '.join(others)}, not {version}"
    return REJECTED, f"a {status} whose body does not fit the {version} spec"


@cache
def _list_schema(version: str) -> tuple[Any, Any]:
    """(validator class instance, schema) for the 200 body of list_assistants in ``version``."""
    import yaml
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    document = yaml.safe_load(spec_versions.spec_path(version).read_text(encoding="utf-8"))
    uri = f"urn:assistant-spec:{version}"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT202012.create_resource(document))
    operation = document["paths"][PROBE_PATH]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = {"$ref": uri + schema["$ref"]}
    return Draft202012Validator(schema, registry=registry), schema


def fits_spec(version: str, body: Any) -> bool:
    """Whether ``body`` is a valid list_assistants answer of ``version``'s spec."""
    validator, _ = _list_schema(version)
    return bool(validator.is_valid(body))


# --- probing ------------------------------------------------------------------------------------------------


def probe(
    base: str,
    api_key: str,
    versions: Sequence[str],
    *,
    timeout: float = 15.0,
    transport: httpx.BaseTransport | None = None,
) -> list[Row]:
    """Ask ``base`` (ending in ``/assistant``) once per version, with 9999-99 and without the header."""
    rows: list[Row] = []
    answered_as_api = False
    statuses: list[int] = []
    with httpx.Client(timeout=timeout, transport=transport) as client:
        for version in [*versions, UNKNOWN_VERSION, NO_HEADER]:
            headers = {"Api-Key": api_key, "Accept": "application/json"}
            if version != NO_HEADER:
                headers[VERSION_HEADER] = version
            try:
                response = client.get(base + PROBE_PATH, headers=headers)
            except httpx.HTTPError as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ProbeError(f"cannot reach {base}: {reason}") from None
            media = response.headers.get("content-type", "").split(";")[0].strip()
            try:
                body = response.json() if media.endswith("json") else None
            except ValueError:
                body = None
            answered_as_api = answered_as_api or speaks_the_api(body)
            statuses.append(response.status_code)
            verdict, note = judge(
                version,
                response.status_code,
                body,
                echoed=response.headers.get(VERSION_HEADER),
                fits=fits_spec,
                known=versions,
            )
            note = redact_text(note, [api_key])
            rows.append(
                Row(version, response.status_code, media or "-", error_code(body) or "-", verdict, note)
            )
    if not answered_as_api:
        first = rows[0]
        raise ProbeError(
            f"{base} does not answer as the Assistant API"
            f" (GET {PROBE_PATH}: {first.status} {first.content_type})"
        )
    if all(status == 401 for status in statuses):
        raise ProbeError(f"{base} refused the API key (401); pass --api-key or set {API_KEY_ENV}")
    return rows


def render(rows: Sequence[Row], secrets: Sequence[str] = ()) -> str:
    """The table, then one line per note (the key never appears)."""
    header = ("version", "status", "content type", "error code", "verdict")
    cells = [header, *((r.version, str(r.status), r.content_type, r.error_code, r.verdict) for r in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    notes = [(r.version, r.note) for r in rows if r.note]
    if notes:
        lines.append("")
        for version, note in notes:
            text = note if len(note) <= 160 else note[:157] + "..."
            lines.append(redact_text(f"{version}: {text}", secrets))
    return "\n".join(lines)


def not_served(rows: Sequence[Row], versions: Sequence[str]) -> list[Row]:
    return [r for r in rows if r.version in versions and r.verdict != SERVED]


# --- the command --------------------------------------------------------------------------------------------


@contextmanager
def target_base(target: str, api_key: str | None) -> Iterator[tuple[str, str]]:
    """(base URL ending in /assistant, key) for ``embedded``, ``live`` or a URL."""
    if target == "embedded":
        from assistant_conformance.embedded import running_server

        key = api_key or "versions-probe"
        with running_server(api_keys=[key]) as server:
            yield server.url.rstrip("/") + "/assistant", key
        return
    if target == "live":
        key = api_key or os.environ.get(API_KEY_ENV, "").strip()
        if not key:
            raise ProbeError(f"--target live needs an API key: pass --api-key or set {API_KEY_ENV}")
        yield LIVE_CONTROL, key
        return
    url = target.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ProbeError(f"--target must be embedded, live or an http(s) URL, got {target!r}")
    base = url if url.endswith("/assistant") else url + "/assistant"
    yield base, api_key or os.environ.get(API_KEY_ENV, "").strip() or "versions-probe"


def versions_command(args: argparse.Namespace) -> int:
    known = list(spec_versions.available())
    try:
        with target_base(args.target, args.api_key) as (base, key):
            rows = probe(base, key, known, timeout=args.timeout)
    except ProbeError as exc:
        print(f"assistant-conformance versions: {exc}", file=sys.stderr)
        return 2
    secrets = [key for key in (args.api_key, os.environ.get(API_KEY_ENV)) if key]
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], indent=2))
    else:
        print(render(rows, secrets))
    missing = not_served(rows, known)
    if missing:
        listed = ", ".join(f"{r.version} ({r.verdict}, {r.status})" for r in missing)
        print(f"\nnot served: {listed}", file=sys.stderr)
        return 1
    if not args.json:
        print(f"\nevery version in spec/ is served ({', '.join(known)})")
    return 0


def add_versions(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "versions",
        help="probe which API versions a target serves",
        description=(
            "Send one GET /assistant/assistants per API version in spec/, one with 9999-99 and one without "
            "the X-Pinecone-Api-Version header, and print how each was answered. Exit 1 when a version in "
            "spec/ is not served, 2 when the target cannot be asked."
        ),
    )
    parser.add_argument(
        "--target",
        default="embedded",
        help="embedded (default: starts the embedded endpoint), live (PINECONE_API_KEY), or a URL",
    )
    parser.add_argument("--api-key", help=f"API key (default: {API_KEY_ENV})")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds per request (default: 15)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.set_defaults(handler=versions_command)
