"""Curl reproducers and redaction never show the API key."""

from __future__ import annotations

import shlex

from assistant_conformance.redact import (
    KEY_PLACEHOLDER,
    REDACTED,
    curl_command,
    redact_headers,
    redact_text,
    scrub_key_assignments,
)

KEY = "pcsk_secret_value_123456"


def test_curl_reads_the_key_from_the_environment_instead_of_printing_it():
    line = curl_command(
        "post",
        "https://h.example/assistant/chat/a",
        {"Api-Key": KEY, "Content-Type": "application/json", "Content-Length": "12"},
        b'{"messages": []}',
        secrets=[KEY],
    )
    assert KEY not in line
    assert f'-H "Api-Key: {KEY_PLACEHOLDER}"' in line
    assert "Content-Length" not in line
    assert line.startswith("curl -X POST ")
    assert line.endswith("https://h.example/assistant/chat/a")


def test_curl_line_is_valid_shell_and_keeps_the_body():
    line = curl_command("POST", "http://x/y", {"Content-Type": "application/json"}, '{"q": "it\'s"}')
    words = shlex.split(line)
    assert words[words.index("-d") + 1] == '{"q": "it\'s"}'


def test_key_echoed_in_a_body_or_url_is_redacted():
    line = curl_command("GET", f"http://x/y?k={KEY}", {}, f'{{"echo": "{KEY}"}}', secrets=[KEY])
    assert KEY not in line
    assert line.count(REDACTED) == 2


def test_binary_body_is_summarised():
    line = curl_command("POST", "http://x/files", {}, b"\xff\xfe\x00\x01" * 10)
    assert "40 bytes of binary or long body omitted" in line


def test_redact_headers_is_case_insensitive():
    assert redact_headers({"API-KEY": KEY, "Accept": "x"}) == {"API-KEY": REDACTED, "Accept": "x"}


def test_short_strings_are_not_treated_as_secrets():
    assert redact_text("abc abc", ["abc"]) == "abc abc"


def test_scrub_key_assignments_catches_unknown_keys_but_keeps_placeholders():
    text = 'headers: {"Api-Key": "zzzz-1"} and -H "Api-Key: $PINECONE_API_KEY" and api-key=qqq'
    out = scrub_key_assignments(text)
    assert "zzzz-1" not in out
    assert "qqq" not in out
    assert "$PINECONE_API_KEY" in out


def test_scrubbing_json_text_keeps_it_valid_json():
    import json

    text = json.dumps({"curl": 'curl -H "Api-Key: zzzz-secret" http://x'})
    out = scrub_key_assignments(text)
    assert "zzzz-secret" not in out
    assert json.loads(out)["curl"] == f'curl -H "Api-Key: {REDACTED}" http://x'
