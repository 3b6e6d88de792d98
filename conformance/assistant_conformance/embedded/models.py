"""Chat model names the endpoint accepts and the concrete model id each one answers with."""

from __future__ import annotations

from .errors import bad_request

DEFAULT_MODEL = "gpt-4o"

# Requested name -> concrete id echoed in `model`. The accepted set is the backend's closed list;
# the two legacy Claude names are still accepted and routed to claude-sonnet-4-5.
CONCRETE: dict[str, str] = {
    "gpt-4o": "gpt-4o-2024-11-20",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "o3-mini": "o3-mini-2025-01-31",
    "o4-mini": "o4-mini-2025-04-16",
    "gpt-5": "gpt-5-2025-08-07",
    "claude-sonnet-4": "claude-sonnet-4-20250514",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-3-5-sonnet": "claude-sonnet-4-5-20250929",
    "claude-3-7-sonnet": "claude-sonnet-4-5-20250929",
    "gemini-2.5-pro": "gemini-2.5-pro",
    "gemini-2.5-flash": "gemini-2.5-flash",
}


def concrete_model(requested: object) -> str:
    """The concrete id for a requested model name; anything else is a 400 naming the valid names."""
    if requested is None:
        requested = DEFAULT_MODEL
    if not isinstance(requested, str) or requested not in CONCRETE:
        valid = ", ".join(CONCRETE)
        raise bad_request(f"Invalid model {requested!r}: valid models are {valid}.")
    return CONCRETE[requested]


def content_filter_spec(concrete: str) -> str:
    """Which provider's content-filter report a model produces (`spec` of content_filter_results)."""
    return "gemini" if concrete.startswith("gemini") else "openai"
