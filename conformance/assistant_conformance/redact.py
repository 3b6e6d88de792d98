"""Reproducers and redaction: the API key never reaches a report, a log line or a cassette."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping

#: Header names whose values are secrets (compared case-insensitively).
SECRET_HEADERS = frozenset({"api-key", "authorization", "proxy-authorization", "x-api-key", "cookie"})
#: What a secret header value becomes in a curl reproducer: the shell expands it from the environment.
KEY_PLACEHOLDER = "$PINECONE_API_KEY"
REDACTED = "[REDACTED]"
#: Headers that only describe the transport; leaving them out keeps reproducers short.
_NOISE_HEADERS = frozenset(
    {"content-length", "user-agent", "accept-encoding", "connection", "host", "x-schemathesis-testcaseid"}
)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (of 4 characters or more) with ``[REDACTED]``."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with every secret value replaced."""
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def curl_command(
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    *,
    secrets: Iterable[str] = (),
    max_body: int = 4000,
) -> str:
    """A copy-paste curl line for one request, with secret headers read from ``$PINECONE_API_KEY``.

    Binary or oversized bodies are replaced by a note, so the line stays readable.
    """
    parts = ["curl", "-X", method.upper()]
    for name, value in (headers or {}).items():
        lower = name.lower()
        if lower in _NOISE_HEADERS:
            continue
        if lower in SECRET_HEADERS:
            # Double quotes so that the shell expands the variable.
            parts.append(f'-H "{name}: {KEY_PLACEHOLDER}"')
            continue
        parts.append("-H " + shlex.quote(f"{name}: {value}"))
    if body:
        text: str | None
        if isinstance(body, bytes):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        else:
            text = body
        if text is None or len(text) > max_body or "\x00" in text:
            size = len(body)
            parts.append(shlex.quote(f"--data-binary=<{size} bytes of binary or long body omitted>"))
        else:
            parts.append("-d " + shlex.quote(text))
    parts.append(shlex.quote(url))
    return redact_text(" ".join(parts), secrets)


_KEYLIKE = re.compile(r"(?i)(api-key\\?[\"']?\s*[:=]\s*\\?[\"']?)([^\s\"',}\\]+)")


def scrub_key_assignments(text: str) -> str:
    """Replace values written as ``Api-Key: value`` (any quoting) with ``[REDACTED]``.

    A second line of defence for text that did not go through :func:`curl_command`.
    """

    def _sub(match: re.Match[str]) -> str:
        value = match.group(2)
        if value.startswith("$"):
            return match.group(0)
        return match.group(1) + REDACTED

    return _KEYLIKE.sub(_sub, text)


#: Shapes of real credentials: Pinecone keys (``pcsk_...``) and bearer tokens.
_KEY_SHAPES = re.compile(r"\bpcsk_[A-Za-z0-9_]{8,}|\b[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}=*")


def find_keylike(text: str) -> str | None:
    """What the first thing in ``text`` shaped like a key is (never its value), or None."""
    match = _KEY_SHAPES.search(text)
    if match is None:
        return None
    value = match.group(0)
    kind = "a Pinecone key (pcsk_...)" if value.startswith("pcsk_") else "a bearer token"
    return f"{kind} of {len(value)} characters"
