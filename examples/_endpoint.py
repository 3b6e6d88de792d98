"""Where the examples send their requests.

Set ``ASSISTANT_CONTROL_HOST`` to use an endpoint that is already running: the URL printed by
``assistant-conformance serve``, or ``https://api.pinecone.io`` with ``PINECONE_API_KEY`` set for the
live API. Left unset, the examples start the embedded endpoint in a thread on 127.0.0.1 and stop it
when they finish.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST_ENV = "ASSISTANT_CONTROL_HOST"
#: The sample files the examples upload.
DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Endpoint:
    """The control host and API key to build a client with."""

    host: str
    api_key: str


@contextmanager
def endpoint() -> Iterator[Endpoint]:
    """The endpoint named by ``ASSISTANT_CONTROL_HOST``, or an embedded one for the duration of the block."""
    host = os.environ.get(HOST_ENV)
    api_key = os.environ.get("PINECONE_API_KEY") or "local-example-key"
    if host:
        yield Endpoint(host, api_key)
        return
    from assistant_conformance.embedded import running_server

    # faults=True lets errors_and_retries.py ask for a 429; no other example sends fault headers.
    with running_server(faults=True) as server:
        yield Endpoint(server.url, api_key)


def unique_name(prefix: str) -> str:
    """An assistant name that does not collide with earlier runs (names are per project on the live API)."""
    return f"{prefix}-{secrets.token_hex(3)}"
