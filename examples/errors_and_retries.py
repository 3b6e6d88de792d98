"""Errors and retries: checks before sending, typed API errors, and a 429 that is retried.

The 429 is asked for with the embedded endpoint's fault headers (honoured only when it runs with
faults on, as it does here); against the live API the headers are ignored and the calls just succeed.

Run: python examples/errors_and_retries.py   (see _endpoint.py for the endpoint it talks to)
"""

from __future__ import annotations

import logging
import secrets
import sys

from _endpoint import endpoint, unique_name
from pinecone_assistant import (
    AssistantClient,
    ClientValidationError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
)


def one_rate_limit() -> dict[str, str]:
    """Headers that make the embedded endpoint answer 429 once, then serve the request."""
    return {
        "X-Assistant-Fault": "rate_limit_seconds",
        "X-Assistant-Fault-Count": "1",
        "X-Assistant-Fault-Key": secrets.token_hex(8),
    }


def main() -> None:
    # Retries are logged at INFO on the "pinecone_assistant" logger.
    log = logging.getLogger("pinecone_assistant")
    log.addHandler(logging.StreamHandler(sys.stdout))
    log.setLevel(logging.INFO)

    with endpoint() as ep, AssistantClient(api_key=ep.api_key, control_host=ep.host) as client:
        # 1. Bad input is refused before any request, with what to change.
        try:
            client.chat("any-assistant", "")
        except ClientValidationError as exc:
            print(f"ClientValidationError: {exc}")

        # 2. Error statuses become typed exceptions carrying the status, the code and the request id.
        try:
            client.describe_assistant(unique_name("no-such-assistant"))
        except NotFoundError as exc:
            print(f"NotFoundError: status={exc.status_code} code={exc.code} message={exc.message}")

        # 3. 408, 409, 429 and 5xx are retried (twice by default) after Retry-After or a backoff.
        assistants = list(client.with_options(headers=one_rate_limit()).list_assistants())
        print(f"listed {len(assistants)} assistants after a retry")

        # 4. With retries off, the 429 reaches the caller.
        try:
            list(client.with_options(max_retries=0, headers=one_rate_limit()).list_assistants())
        except RateLimitError as exc:
            print(f"RateLimitError: status={exc.status_code} retry-after={exc.headers.get('retry-after')}")

        # 5. A policy of your own, per client or per call; timeouts in seconds or as httpx.Timeout.
        patient = client.with_options(retry_policy=RetryPolicy(max_retries=5, max_delay=2.0), timeout=30)
        print(f"policy: {patient.retry_policy.max_retries} retries, client: {patient!r}")


if __name__ == "__main__":
    main()
