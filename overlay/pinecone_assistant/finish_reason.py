"""Finish reasons as an open set.

:class:`FinishReason` is the generated open enum: a value the service adds later becomes a
pseudo-member (a ``str`` equal to the value, ``is_known`` False) instead of an error. Which values
are documented depends on the API version (:data:`KNOWN_FINISH_REASONS`).

``length`` and ``content_filter`` are data, not errors. Only helpers that need a complete answer
call :func:`check_complete`, which raises the typed errors.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from assistant_api.models.finish_reason import FinishReason

from ._constants import API_VERSION
from .errors import ContentFilterFinishReasonError, LengthFinishReasonError

__all__ = [
    "KNOWN_FINISH_REASONS",
    "FinishReason",
    "check_complete",
    "finish_reason_of",
    "is_known_finish_reason",
    "parse_finish_reason",
]

#: The documented finish reasons of each API version.
KNOWN_FINISH_REASONS: Final[dict[str, frozenset[str]]] = {
    "2025-10": frozenset({"stop", "length", "content_filter", "function_call"}),
    "2026-04": frozenset({"stop", "length", "content_filter", "tool_calls"}),
    "2026-07": frozenset({"stop", "length", "content_filter", "tool_calls"}),
}

T = TypeVar("T")


def parse_finish_reason(value: str | None) -> FinishReason | None:
    """``value`` as a :class:`FinishReason`; an unknown string is kept as a pseudo-member, None stays None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"finish_reason must be a string or None, got {type(value).__name__}")
    return FinishReason(value)


def is_known_finish_reason(value: str, version: str = API_VERSION) -> bool:
    """Whether ``value`` is a documented finish reason of API ``version``."""
    try:
        known = KNOWN_FINISH_REASONS[version]
    except KeyError:
        raise ValueError(
            f"unknown API version {version!r}; known versions: {', '.join(sorted(KNOWN_FINISH_REASONS))}"
        ) from None
    return str(value) in known


def finish_reason_of(answer: Any) -> str | None:
    """The finish reason of a chat answer, a chat response or a completion (its first choice)."""
    reason = getattr(answer, "finish_reason", None)
    if reason is None:
        choices = getattr(answer, "choices", None)
        if isinstance(choices, list) and choices:
            reason = getattr(choices[0], "finish_reason", None)
    return str(reason) if isinstance(reason, str) else None


def check_complete(answer: T) -> T:
    """Return ``answer`` if it is complete; raise if generation stopped early.

    Raises :class:`LengthFinishReasonError` for ``length`` and :class:`ContentFilterFinishReasonError`
    for ``content_filter``; both carry the answer. Other values (including unknown ones) pass.
    """
    reason = finish_reason_of(answer)
    if reason == "length":
        raise LengthFinishReasonError(answer=answer)
    if reason == "content_filter":
        raise ContentFilterFinishReasonError(answer=answer)
    return answer
