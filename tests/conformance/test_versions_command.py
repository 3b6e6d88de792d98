"""``assistant-conformance versions``: one probe per version, the verdicts, and the exit statuses."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest
from assistant_conformance import spec_versions
from assistant_conformance import versions as probe_module
from assistant_conformance.cli import main

KNOWN = list(spec_versions.available())
FAKE = "http://fake.test"
EMPTY_LIST = {"assistants": []}


def envelope(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}, "status": status}


def fake(answer: Callable[[str | None], httpx.Response]) -> httpx.MockTransport:
    """A target whose answer depends only on the version header it gets."""
    seen: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/assistant/assistants"
        assert request.method == "GET"
        assert request.headers["Api-Key"]
        version = request.headers.get("X-Pinecone-Api-Version")
        seen.append(version)
        return answer(version)

    transport = httpx.MockTransport(handle)
    transport.seen = seen  # type: ignore[attr-defined]
    return transport


def run_against(monkeypatch: pytest.MonkeyPatch, transport: httpx.MockTransport, *args: str) -> int:
    monkeypatch.setattr(probe_module, "probe", partial(probe_module.probe, transport=transport))
    return main(["versions", "--target", FAKE, "--api-key", "test-key-0", *args])


def test_the_embedded_endpoint_serves_every_version_in_spec_and_rejects_an_unknown_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["versions", "--target", "embedded"]) == 0

    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["version", "status", "content", "type", "error", "code", "verdict"]
    for version in KNOWN:
        assert f"{version}  200" in out
        assert next(line for line in lines if line.startswith(version)).endswith("served")
    unknown = next(line for line in lines if line.startswith("9999-99"))
    assert unknown.split()[:4] == ["9999-99", "400", "application/json", "INVALID_ARGUMENT"]
    assert unknown.endswith("rejected")
    assert next(line for line in lines if line.startswith("(none)")).endswith("served")
    assert "every version in spec/ is served (" + ", ".join(KNOWN) + ")" in out


def test_one_request_per_spec_version_then_9999_99_then_none(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = fake(lambda version: httpx.Response(200, json=EMPTY_LIST))

    assert run_against(monkeypatch, transport) == 0
    assert transport.seen == [*KNOWN, "9999-99", None]  # type: ignore[attr-defined]


def test_a_version_answered_403_invalid_api_version_is_not_served_and_fails_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    newest = KNOWN[-1]

    def answer(version: str | None) -> httpx.Response:
        if version in (newest, "9999-99"):
            return httpx.Response(403, json=envelope(403, "FORBIDDEN", "Invalid API version"))
        return httpx.Response(200, json=EMPTY_LIST)

    assert run_against(monkeypatch, fake(answer)) == 1

    captured = capsys.readouterr()
    row = next(line for line in captured.out.splitlines() if line.startswith(newest))
    assert row.split()[:4] == [newest, "403", "application/json", "FORBIDDEN"]
    assert row.endswith("rejected")
    assert f"{newest}: Invalid API version" in captured.out
    assert f"not served: {newest} (rejected, 403)" in captured.err


def test_a_silent_fall_back_for_an_unknown_version_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_against(monkeypatch, fake(lambda version: httpx.Response(200, json=EMPTY_LIST))) == 0

    out = capsys.readouterr().out
    assert next(line for line in out.splitlines() if line.startswith("9999-99")).endswith(
        "answered as another version"
    )
    assert "9999-99: a version that does not exist was answered: a silent fall-back" in out


def test_a_response_naming_another_version_is_answered_as_another_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oldest = KNOWN[0]
    transport = fake(
        lambda version: httpx.Response(200, json=EMPTY_LIST, headers={"X-Pinecone-Api-Version": oldest})
    )

    rows = probe_module.probe(FAKE + "/assistant", "test-key-0", KNOWN, transport=transport)

    verdicts = {row.version: (row.verdict, row.note) for row in rows}
    assert verdicts[oldest] == ("served", "")
    for version in KNOWN[1:]:
        assert verdicts[version] == ("answered as another version", f"the response names {oldest}")
    assert verdicts["(none)"] == ("served", f"no version asked; answered as {oldest}")
    assert [r.version for r in probe_module.not_served(rows, KNOWN)] == KNOWN[1:]


def test_a_body_that_fits_only_another_versions_spec_is_answered_as_that_version() -> None:
    # region exists (with the values us and eu) from 2026-04; 2025-10 does not declare it.
    body = {"assistants": [{"name": "a", "status": "Ready", "region": "mars"}]}
    assert probe_module.fits_spec("2025-10", body)
    assert not probe_module.fits_spec("2026-07", body)

    verdict = probe_module.judge(
        "2026-07",
        200,
        body,
        echoed=None,
        fits=probe_module.fits_spec,
        known=["2025-10", "2026-04", "2026-07"],
    )

    assert verdict == ("answered as another version", "the body fits 2025-10, not 2026-07")


def test_a_success_that_fits_no_spec_is_not_served() -> None:
    verdict = probe_module.judge(
        "2026-07", 200, {"items": []}, echoed=None, fits=probe_module.fits_spec, known=KNOWN
    )

    assert verdict == ("rejected", "a 200 whose body does not fit the 2026-07 spec")


def test_a_closed_port_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    assert main(["versions", "--target", f"http://127.0.0.1:{port}", "--timeout", "5"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(
        f"assistant-conformance versions: cannot reach http://127.0.0.1:{port}/assistant:"
    )


def test_a_url_that_is_not_the_api_is_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = fake(
        lambda version: httpx.Response(404, text="<h1>Not Found</h1>", headers={"Content-Type": "text/html"})
    )

    assert run_against(monkeypatch, page) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "assistant-conformance versions: http://fake.test/assistant does not answer as the Assistant API"
        " (GET /assistants: 404 text/html)\n"
    )


def test_a_refused_key_is_exit_2_not_a_table_of_rejections(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    refuse = fake(
        lambda version: httpx.Response(401, json=envelope(401, "UNAUTHENTICATED", "Invalid API key."))
    )

    assert run_against(monkeypatch, refuse) == 2
    assert "refused the API key (401)" in capsys.readouterr().err


def test_the_key_never_appears_in_the_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "pcsk-versions-secret-0123456789"

    def echo_key(version: str | None) -> httpx.Response:
        if version == "9999-99":
            return httpx.Response(400, json=envelope(400, "INVALID_ARGUMENT", f"bad version for key {key}"))
        return httpx.Response(200, json=EMPTY_LIST)

    monkeypatch.setattr(probe_module, "probe", partial(probe_module.probe, transport=fake(echo_key)))
    for extra in ([], ["--json"]):
        main(["versions", "--target", FAKE, "--api-key", key, *extra])
        captured = capsys.readouterr()
        assert key not in captured.out + captured.err


def test_json_output_has_one_object_per_probe(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_against(monkeypatch, fake(lambda version: httpx.Response(200, json=EMPTY_LIST)), "--json") == 0

    rows = json.loads(capsys.readouterr().out)
    assert [row["version"] for row in rows] == [*KNOWN, "9999-99", "(none)"]
    assert rows[0] == {
        "version": KNOWN[0],
        "status": 200,
        "content_type": "application/json",
        "error_code": "-",
        "verdict": "served",
        "note": "",
    }


def test_live_without_a_key_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PINECONE_API_KEY", raising=False)

    assert main(["versions", "--target", "live"]) == 2
    assert "needs an API key" in capsys.readouterr().err
