"""Bad input to `run`: one line that says what is wrong and how to fix it, exit 2, nothing left behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from assistant_conformance.cli import main


@contextmanager
def serving(body: bytes, content_type: str) -> Iterator[tuple[str, list[str]]]:
    """A server that answers 200 with ``body`` to every request; yields its URL and the requests seen."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


def _one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], *needles: str) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    for needle in needles:
        assert needle in err
    return err


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["run", "--suite", "nope"], ("invalid choice: 'nope'", "--help")),
        (["run", "--spec-version", "1999-01"], ("invalid choice: '1999-01'", "--help")),
    ],
)
def test_unknown_suite_or_spec_version_is_one_line_and_exit_2(args, needles, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert all(n in err for n in needles)


def test_a_closed_port_is_one_line_and_exit_2(capsys, tmp_path):
    _one_line_exit_2(
        capsys,
        ["run", "--target", "http://127.0.0.1:9", "--api-key", "k", "--quiet", "--report-dir", str(tmp_path)],
        "could not prepare the target",
        "ConnectError",
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"<html><body>a web page</body></html>", "text/html"), (b"{}", "application/json")],
    ids=["html-page", "200-to-everything"],
)
def test_a_target_that_is_not_the_assistant_api_is_one_line_exit_2_and_cleaned_up(
    body, content_type, capsys, tmp_path
):
    with serving(body, content_type) as (url, seen):
        _one_line_exit_2(
            capsys,
            ["run", "--target", url, "--api-key", "k", "--quiet", "--report-dir", str(tmp_path)],
            "does not answer like the Assistant API",
            "check --target",
        )
    created = [r for r in seen if r.startswith("POST /assistant/assistants")]
    assert len(created) == 1
    name = next(r for r in seen if r.startswith("GET /assistant/assistants/")).rsplit("/", 1)[1]
    assert f"DELETE /assistant/assistants/{name}" in seen  # the scratch assistant is deleted again


def test_a_key_with_non_ascii_characters_is_refused_before_any_request(capsys, tmp_path):
    with serving(b"{}", "application/json") as (url, seen):
        _one_line_exit_2(
            capsys,
            ["run", "--target", url, "--api-key", "pcsk_clé", "--quiet", "--report-dir", str(tmp_path)],
            "printable ASCII",
            "copy it again",
        )
    assert seen == []
