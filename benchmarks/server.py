"""The benchmark server: a separate process on 127.0.0.1 that serves pre-framed transcripts.

Run as ``python -m benchmarks.server --events N``; it prints ``READY <url>`` once listening and
stops when its stdin closes (so it never outlives the benchmark). It answers only what the
subjects need, like the Assistant API:

* ``GET  /assistant/assistants/<name>``: the assistant, with ``host`` pointing back at this server;
* ``POST /assistant/chat/<name>``: format A when the body says ``"stream": true``, else a
  non-streaming chat answer;
* ``POST /assistant/chat/<name>/chat/completions``: format B (streamed) or one completion;
* ``POST /assistant/chat/latency/...``: a short stream whose first chunk is flushed, timestamped
  with ``time.time_ns()`` and followed by a pause; ``GET /bench/flushes`` returns those timestamps.

Streamed bodies are built once at start: HTTP/1.1 chunked encoding, one chunk per 64 KiB piece,
each written with its own ``sendall`` as a streaming server would. ``TCP_NODELAY`` is set, as
production servers do, so a small first chunk is not held back by Nagle's algorithm.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .transcripts import (
    CHAT_ID,
    MODEL,
    chat_response,
    chat_transcript,
    completion_transcript,
    frames,
)

LATENCY_NAME = "latency"
LATENCY_PAUSE = 0.02  # seconds between the first chunk and the rest


class _State:
    def __init__(self, events: int) -> None:
        self.url = ""
        self.stream_a = frames(chat_transcript(events).body())
        self.stream_b = frames(completion_transcript(events).body())
        # The latency stream: one HTTP chunk per event, so the first event can be flushed alone.
        latency = [frames(event, len(event))[0] for event in _split_events(chat_transcript(8).body())]
        self.latency_first, self.latency_rest = latency[:1], latency[1:]
        self.chat_json = _compact(chat_response())
        self.completion_json = _compact(
            {
                "id": CHAT_ID,
                "model": MODEL,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": chat_response()["message"]["content"]},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 812, "completion_tokens": 340, "total_tokens": 1152},
            }
        )
        self.flushes: list[int] = []
        self.lock = threading.Lock()


def _split_events(body: bytes) -> list[bytes]:
    return [part + b"\n\n" for part in body.split(b"\n\n") if part]


def _compact(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, body: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-pinecone-request-id", "bench")
        self.end_headers()
        self.wfile.write(body)

    def _stream_head(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("x-pinecone-request-id", "bench")
        self.end_headers()

    def _stream(self, pieces: list[bytes]) -> None:
        self._stream_head()
        write = self.connection.sendall
        for piece in pieces:
            write(piece)

    def _not_found(self) -> None:
        body = _compact({"error": {"code": "NOT_FOUND", "message": f"no route for {self.path}"}})
        self._json(body, 404)

    def do_GET(self) -> None:
        state = self.server.state
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[:2] == ["assistant", "assistants"] and len(parts) == 3:
            body = {
                "name": parts[2],
                "status": "Ready",
                "host": state.url,
                "metadata": {},
                "instructions": None,
                "region": "us",
                "created_at": "2026-04-02T10:00:00.000000000Z",
                "updated_at": "2026-04-02T10:00:05.000000000Z",
            }
            self._json(_compact(body))
        elif parts == ["bench", "flushes"]:
            with state.lock:
                flushes, state.flushes = state.flushes, []
            self._json(_compact(flushes))
        else:
            self._not_found()

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            request = json.loads(raw) if raw else {}
        except ValueError:
            self._json(_compact({"error": {"code": "INVALID_ARGUMENT", "message": "body is not JSON"}}), 400)
            return
        stream = isinstance(request, dict) and request.get("stream") is True
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[:2] != ["assistant", "chat"] or len(parts) not in (3, 5):
            self._not_found()
            return
        completions = len(parts) == 5
        if parts[2] == LATENCY_NAME and stream:
            self._latency()
        elif completions:
            self._stream(state.stream_b) if stream else self._json(state.completion_json)
        else:
            self._stream(state.stream_a) if stream else self._json(state.chat_json)

    def _latency(self) -> None:
        state = self.server.state
        self._stream_head()
        write = self.connection.sendall
        for piece in state.latency_first:
            write(piece)
        flushed = time.time_ns()
        with state.lock:
            state.flushes.append(flushed)
        time.sleep(LATENCY_PAUSE)
        for piece in state.latency_rest:
            write(piece)
        write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A reader that stops early (a failed validation, an interrupted run) resets its connection;
        # that is not the server's error. Anything else is reported as usual.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        state.url = f"http://127.0.0.1:{self.server_address[1]}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args(argv)
    server = _Server(_State(args.events))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY {server.state.url}", flush=True)
    sys.stdin.read()  # returns when the parent closes the pipe (or exits)
    server.shutdown()


if __name__ == "__main__":
    main()
