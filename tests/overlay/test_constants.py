"""The constants agree with the generated client they drive."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from assistant_api.api.chat import chat_assistant
from pinecone_assistant import _constants

ROOT = Path(__file__).resolve().parents[2]


def test_api_version_matches_the_version_generated_was_built_from():
    stats = (ROOT / "generated" / "stats.yml").read_text()
    match = re.search(r'^spec_version:\s*"?([^"\s]+)"?\s*$', stats, re.MULTILINE)
    assert match, "generated/stats.yml has no spec_version"
    assert match.group(1) == _constants.API_VERSION


def test_api_version_matches_the_default_header_of_the_generated_requests():
    default = inspect.signature(chat_assistant._get_kwargs).parameters["x_pinecone_api_version"].default
    assert default == _constants.API_VERSION


def test_retry_defaults_are_the_documented_ones():
    assert _constants.DEFAULT_MAX_RETRIES == 2
    assert (_constants.INITIAL_RETRY_DELAY, _constants.MAX_RETRY_DELAY, _constants.MAX_RETRY_AFTER) == (
        0.5,
        8.0,
        60.0,
    )
    assert {408, 409, 429, 500, 503, 599} <= _constants.RETRYABLE_STATUSES
    assert 499 not in _constants.RETRYABLE_STATUSES
    assert 600 not in _constants.RETRYABLE_STATUSES


def test_secret_header_names_are_lower_case_for_case_insensitive_matching():
    assert all(name == name.lower() for name in _constants.SENSITIVE_HEADERS)
    assert {"api-key", "authorization"} <= _constants.SENSITIVE_HEADERS
