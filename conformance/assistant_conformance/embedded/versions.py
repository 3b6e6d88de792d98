"""API versions served, chosen per request by ``X-Pinecone-Api-Version``."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import bad_request

V2025_10 = "2025-10"
V2026_04 = "2026-04"
V2026_07 = "2026-07"

# Header value -> family of behaviour served. 2026-07 (sent by pinecone 10.x) has the API of 2026-04; what
# differs is checked with `requested` (the metadata query parameter's message, the ids uploads get).
# 2026-01.alpha was the 2026-04 release candidate.
SERVED: dict[str, str] = {
    V2025_10: V2025_10,
    V2026_04: V2026_04,
    V2026_07: V2026_04,
    "2026-01.alpha": V2026_04,
}

# A request without the header is served as 2025-10: the documented default is the oldest supported
# version, and the one client that omits the header (pinecone-plugin-assistant, on its streaming calls)
# speaks 2025-10 on every other call. Operations that only 2026-04 has (upsert, operations) are
# served as 2026-04 when the header is missing.
DEFAULT = V2025_10

HEADER = "x-pinecone-api-version"


def requested(headers: Mapping[str, str]) -> str | None:
    """The version a request names exactly (None without the header)."""
    value = headers.get(HEADER, "").strip()
    return value or None


def resolve(value: str | None) -> str:
    """The behaviour to serve for a header value; an unknown version is a 400 naming the served ones.

    The service's answer to an unknown version is not documented (a 403 and a silent fall-back have both
    been reported); this 400 is the embedded endpoint's own choice, see docs/embedded.md.
    """
    if value is None or value.strip() == "":
        return DEFAULT
    served = SERVED.get(value.strip())
    if served is None:
        known = ", ".join(sorted(SERVED))
        raise bad_request(
            f"Unsupported X-Pinecone-Api-Version {value.strip()!r}: send one of {known}, "
            "or omit the header to get 2025-10."
        )
    return served
