"""Figures of the embedded endpoint, measured over loopback against a server in its own process.

* ``embedded_chats_per_second``: non-streaming chats per second on a 1,000-file corpus, from 16
  keep-alive connections driven by a minimal raw-HTTP client (so the client costs little CPU).
* ``embedded_concurrent_streams``: streams open at the same moment that all end with message_end
  (the server paces chunks with the ``slow_chunks`` fault so the streams overlap).
* ``embedded_pdf_100_pages_seconds``: upload of a 100-page PDF plus the first query (index build).
* ``embedded_rss_mb``: resident memory of the server process with the corpus and the PDF loaded.

Run alone with ``python -m benchmarks.embedded``; ``python -m benchmarks`` includes these rows.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

KEY = "bench-key"
ASSISTANT = "bench"
FILES = 1_000
WORDS_PER_FILE = 200
CONNECTIONS = 16
CHAT_SECONDS = 5.0
STREAMS = 100
STREAM_DELAY = 0.05  # seconds between chunks of each stream (slow_chunks)


def _vocabulary(rng: random.Random, size: int = 3_000) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ren",
        "tu",
        "sa",
        "vel",
        "dor",
        "qui",
        "ban",
        "zo",
        "pe",
        "nak",
        "ri",
        "sol",
    ]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _text(rng: random.Random, vocabulary: list[str], words: int) -> str:
    sentences = []
    remaining = words
    while remaining > 0:
        length = min(remaining, rng.randint(8, 16))
        sentences.append(" ".join(rng.choice(vocabulary) for _ in range(length)).capitalize() + ".")
        remaining -= length
    return " ".join(sentences)


@contextmanager
def _server() -> Iterator[tuple[str, int]]:
    """The endpoint in a child process: (url, pid)."""
    command = [
        sys.executable,
        "-m",
        "assistant_conformance.cli",
        "serve",
        "--port",
        "0",
        "--faults",
        "--api-key",
        KEY,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError("the endpoint did not start")
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found")


def _load_corpus(client: httpx.Client, rng: random.Random, vocabulary: list[str]) -> None:
    assert client.post("/assistant/assistants", json={"name": ASSISTANT}).status_code == 200
    genres = ["history", "science", "farming", "travel"]
    for i in range(FILES):
        metadata = json.dumps({"genre": genres[i % 4], "year": 1990 + i % 35})
        response = client.post(
            f"/assistant/files/{ASSISTANT}",
            params={"metadata": metadata},
            files={"file": (f"doc{i}.txt", _text(rng, vocabulary, WORDS_PER_FILE).encode())},
        )
        response.raise_for_status()


def _request(host: str, port: int, path: str, body: dict[str, Any], extra: str = "") -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nApi-Key: {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n{extra}\r\n"
    )
    return head.encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    body = bytearray()
    while True:  # chunked
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return status, bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def _chat_load(host: str, port: int, questions: list[str]) -> tuple[int, int, float]:
    path = f"/assistant/chat/{ASSISTANT}"
    requests = [_request(host, port, path, {"messages": [{"role": "user", "content": q}]}) for q in questions]
    done = 0
    errors = 0
    stop = time.perf_counter() + CHAT_SECONDS

    async def worker(offset: int) -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection(host, port)
        i = offset
        while time.perf_counter() < stop:
            writer.write(requests[i % len(requests)])
            status, _ = await _read_response(reader)
            if status == 200:
                done += 1
            else:
                errors += 1
            i += CONNECTIONS
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(CONNECTIONS)))
    return done, errors, time.perf_counter() - start


async def _streams(host: str, port: int, question: str) -> tuple[int, int]:
    """(streams that ended with message_end, peak number open at once)."""
    extra = f"X-Assistant-Fault: slow_chunks={STREAM_DELAY}\r\n"
    body = {"messages": [{"role": "user", "content": question}], "stream": True}
    request = _request(host, port, f"/assistant/chat/{ASSISTANT}", body, extra)
    spans: list[tuple[float, float]] = []
    complete = 0

    async def one() -> None:
        nonlocal complete
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        status, payload = await _read_response(reader)
        finished = time.perf_counter()
        writer.close()
        events = [json.loads(line[5:]) for line in payload.decode().splitlines() if line.startswith("data:")]
        if status == 200 and events and events[-1].get("type") == "message_end":
            complete += 1
            spans.append((started, finished))

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(STREAMS)))
    points = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    peak = current = 0
    for _, step in points:
        current += step
        peak = max(peak, current)
    return complete, peak


def _pdf(rng: random.Random, vocabulary: list[str], pages: int = 100) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    for _ in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 5, _text(rng, vocabulary, 300))
    return bytes(pdf.output())


def run() -> list[dict[str, Any]]:
    """The endpoint's rows: ``{"name", "value", "unit", "goal"}`` plus details."""
    rng = random.Random(20260404)
    vocabulary = _vocabulary(rng)
    questions = [" ".join(rng.sample(vocabulary, 4)) for _ in range(256)]
    with _server() as (url, pid), httpx.Client(base_url=url, headers={"Api-Key": KEY}, timeout=120) as client:
        host, port = httpx.URL(url).host, httpx.URL(url).port or 80
        started = time.perf_counter()
        _load_corpus(client, rng, vocabulary)
        upload_seconds = time.perf_counter() - started
        client.post(
            f"/assistant/chat/{ASSISTANT}", json={"messages": [{"role": "user", "content": questions[0]}]}
        )
        done, errors, elapsed = asyncio.run(_chat_load(host, port, questions))
        complete, peak = asyncio.run(_streams(host, port, questions[1]))
        pdf = _pdf(rng, vocabulary)
        started = time.perf_counter()
        client.post("/assistant/assistants", json={"name": "pdf"}).raise_for_status()
        uploaded = client.post("/assistant/files/pdf", files={"file": ("book.pdf", io.BytesIO(pdf))}).json()
        context = client.post("/assistant/chat/pdf/context", json={"query": questions[2]}).json()
        pdf_seconds = time.perf_counter() - started
        if uploaded.get("status") != "Available" or not context.get("snippets"):
            raise RuntimeError(f"PDF not indexed: {uploaded.get('status')} {uploaded.get('error_message')}")
        rss = _rss_mb(pid)
    return [
        {
            "name": "embedded_chats_per_second",
            "value": round(done / elapsed, 1),
            "unit": "chats/s",
            "goal": ">= 200",
            "errors": errors,
            "connections": CONNECTIONS,
            "files": FILES,
            "corpus_upload_seconds": round(upload_seconds, 2),
        },
        {
            "name": "embedded_concurrent_streams",
            "value": min(complete, peak),
            "unit": "streams",
            "goal": ">= 50",
            "launched": STREAMS,
            "completed": complete,
            "peak_open": peak,
        },
        {
            "name": "embedded_pdf_100_pages_seconds",
            "value": round(pdf_seconds, 2),
            "unit": "s",
            "goal": "<= 5",
            "pdf_bytes": len(pdf),
        },
        {"name": "embedded_rss_mb", "value": round(rss, 1), "unit": "MB", "goal": None, "files": FILES + 1},
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
