"""Figures of the embedded endpoint, measured over loopback against a server in its own process.

* ``embedded_chats_per_second``: non-streaming chats per second on a 1,000-file corpus, from 16
  keep-alive connections driven by a minimal raw-HTTP client (so the client costs little CPU).
* ``embedded_concurrent_streams``: streams open at the same moment that all end with message_end
  (the server paces chunks with the ``slow_chunks`` fault so the streams overlap).
* ``embedded_chat_p99_ms_under_streams``: 99th percentile latency of non-streaming chats sent one
  after another while 50 paced streams are open.
* ``embedded_pdf_100_pages_seconds``: upload of a 100-page PDF plus the first query (index build).
* ``embedded_rss_mb``: resident memory of the server process with the corpus and the PDF loaded.
* ``embedded_upload_100mb_peak_rss_mb``: in a fresh server, the peak resident memory above idle
  while a 100 MB PDF (pages of text and large images) is uploaded and processed.

The servers run with ``--file-processing-seconds 0 --assistant-ready-seconds 0``: an upload answers
once the file is processed, so the timings include processing and nothing waits for a delay.

Run alone with ``python -m benchmarks.embedded``; ``python -m benchmarks`` includes these rows.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import subprocess
import sys
import threading
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
BACKGROUND_STREAMS = 50
LATENCY_CHATS = 300
BIG_UPLOAD_MB = 100


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
        "--file-processing-seconds",
        "0",
        "--assistant-ready-seconds",
        "0",
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


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not found")


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


async def _latency_under_streams(host: str, port: int, questions: list[str]) -> tuple[list[float], int]:
    """Latencies (s) of chats sent one after another while paced streams run; streams completed."""
    extra = f"X-Assistant-Fault: slow_chunks={STREAM_DELAY}\r\n"
    path = f"/assistant/chat/{ASSISTANT}"
    stream_request = _request(
        host, port, path, {"messages": [{"role": "user", "content": questions[3]}], "stream": True}, extra
    )
    complete = 0
    stop = asyncio.Event()

    async def stream() -> None:
        nonlocal complete
        reader, writer = await asyncio.open_connection(host, port)
        while not stop.is_set():
            writer.write(stream_request)
            status, payload = await _read_response(reader)
            if status == 200 and payload.rstrip().endswith(b"}"):
                complete += 1
        writer.close()

    streams = [asyncio.create_task(stream()) for _ in range(BACKGROUND_STREAMS)]
    await asyncio.sleep(0.5)  # let every stream open
    latencies: list[float] = []
    reader, writer = await asyncio.open_connection(host, port)
    for i in range(LATENCY_CHATS):
        body = {"messages": [{"role": "user", "content": questions[i % len(questions)]}]}
        started = time.perf_counter()
        writer.write(_request(host, port, path, body))
        status, _ = await _read_response(reader)
        latencies.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"chat under streams answered {status}")
    writer.close()
    stop.set()
    await asyncio.gather(*streams)
    return latencies, complete


def _big_pdf(megabytes: int) -> bytes:
    """A PDF of about ``megabytes`` MB: pages of text, each with a large incompressible image."""
    import os

    from fpdf import FPDF
    from PIL import Image

    side = 1000
    noise = Image.frombytes("RGB", (side, side), random.Random(7).randbytes(side * side * 3))
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=95)
    jpeg = buffer.getvalue()
    pdf = FPDF()
    pdf.set_font("Helvetica", size=10)
    total = 0
    page = 0
    while total + len(jpeg) < megabytes * 1024 * 1024 - 256 * 1024:  # stay under the 100 MB PDF limit
        pdf.add_page()
        pdf.multi_cell(0, 5, f"Page {page}: the harbour master logs every boat that enters. " * 8)
        image = bytearray(jpeg)
        image[-4:-2] = os.urandom(2)  # a different image per page (fpdf2 stores equal images once)
        pdf.image(io.BytesIO(bytes(image)), x=10, y=80, w=120)
        total += len(jpeg)
        page += 1
    return bytes(pdf.output())


def _upload_peak_rss(pdf: bytes) -> dict[str, float]:
    """Peak RSS above idle of a fresh server while ``pdf`` is uploaded and processed."""
    with _server() as (url, pid), httpx.Client(base_url=url, headers={"Api-Key": KEY}, timeout=600) as client:
        client.post("/assistant/assistants", json={"name": "big"}).raise_for_status()
        client.get("/assistant/assistants/big").raise_for_status()
        time.sleep(0.5)
        idle = _rss_mb(pid)
        peak = idle
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _rss_mb(pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        try:
            uploaded = client.post(
                "/assistant/files/big", files={"file": ("big.pdf", io.BytesIO(pdf))}
            ).json()
        finally:
            done.set()
            sampler.join()
        seconds = time.perf_counter() - started
        if uploaded.get("status") != "Available":
            raise RuntimeError(f"100 MB PDF not processed: {uploaded}")
        high_water = _rss_mb(pid, "VmHWM")
    return {"idle": idle, "peak": max(peak, high_water), "seconds": seconds}


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
        latencies, background_complete = asyncio.run(_latency_under_streams(host, port, questions))
        pdf = _pdf(rng, vocabulary)
        started = time.perf_counter()
        client.post("/assistant/assistants", json={"name": "pdf"}).raise_for_status()
        uploaded = client.post("/assistant/files/pdf", files={"file": ("book.pdf", io.BytesIO(pdf))}).json()
        context = client.post("/assistant/chat/pdf/context", json={"query": questions[2]}).json()
        pdf_seconds = time.perf_counter() - started
        if uploaded.get("status") != "Available" or not context.get("snippets"):
            raise RuntimeError(f"PDF not indexed: {uploaded.get('status')} {uploaded.get('error_message')}")
        rss = _rss_mb(pid)
    big = _big_pdf(BIG_UPLOAD_MB)
    upload = _upload_peak_rss(big)
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
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
            "name": "embedded_chat_p99_ms_under_streams",
            "value": round(p99 * 1000, 1),
            "unit": "ms",
            "goal": None,
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
            "chats": len(latencies),
            "open_streams": BACKGROUND_STREAMS,
            "streams_completed_meanwhile": background_complete,
        },
        {
            "name": "embedded_pdf_100_pages_seconds",
            "value": round(pdf_seconds, 2),
            "unit": "s",
            "goal": "<= 5",
            "pdf_bytes": len(pdf),
        },
        {"name": "embedded_rss_mb", "value": round(rss, 1), "unit": "MB", "goal": None, "files": FILES + 1},
        {
            "name": "embedded_upload_100mb_peak_rss_mb",
            "value": round(upload["peak"] - upload["idle"], 1),
            "unit": "MB above idle",
            "goal": "<= 150",
            "idle_mb": round(upload["idle"], 1),
            "peak_mb": round(upload["peak"], 1),
            "pdf_mb": round(len(big) / 1024 / 1024, 1),
            "upload_and_processing_seconds": round(upload["seconds"], 2),
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(json.dumps(row))
