"""Running the endpoint with uvicorn: in the foreground (:func:`serve`) or in a thread
(:func:`running_server`)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette

from .app import create_app


class ExposedWithoutKeyError(ValueError):
    """Listening beyond loopback with no ``api_keys``, and without ``allow_any_key``."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, api_keys: object, allow_any_key: bool) -> None:
    """Refuse to serve beyond loopback while any key is accepted, unless that was asked for."""
    if api_keys or allow_any_key or is_loopback(host):
        return
    raise ExposedWithoutKeyError(
        f"Refusing to listen on {host} without --api-key: anyone who can reach it could use it with any "
        "key. Pass --api-key KEY (repeatable) to accept only those keys, or --allow-any-key to serve "
        "anyone anyway (in Python: api_keys=[...] or allow_any_key=True)."
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit TCP_NODELAY: without it, uvicorn's separate header and body writes
    # meet the client's delayed ACK and every small response takes ~40 ms on loopback.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _config(app: Starlette, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        ws="none",
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    on_ready: Callable[[str], None] | None = None,
    log_level: str = "warning",
    allow_any_key: bool = False,
    **app_options: Any,
) -> None:
    """Serve until interrupted; ``on_ready`` gets the URL once the socket listens (port 0 = any free port).

    Beyond loopback, ``api_keys`` is required unless ``allow_any_key`` (:class:`ExposedWithoutKeyError`).
    """
    check_exposure(host, app_options.get("api_keys"), allow_any_key)
    sock = _bind(host, port)
    url = _url(host, sock)
    app = create_app(public_url=app_options.pop("public_url", None) or url, **app_options)
    server = uvicorn.Server(_config(app, log_level))
    if on_ready is not None:
        on_ready(url)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.state.runtime.close()


@dataclass
class RunningServer:
    """A server running in a background thread."""

    url: str
    app: Starlette

    @property
    def assistant_url(self) -> str:
        """Base URL of the API paths (``{url}/assistant``)."""
        return f"{self.url}/assistant"


@contextmanager
def running_server(
    host: str = "127.0.0.1", *, allow_any_key: bool = False, **app_options: Any
) -> Iterator[RunningServer]:
    """Start the endpoint on ``host`` at a free port in a thread; stop it on exit.

    ``app_options`` go to :func:`create_app`; beyond loopback, as for :func:`serve`.
    """
    check_exposure(host, app_options.get("api_keys"), allow_any_key)
    sock = _bind(host, 0)
    url = _url(host, sock)
    app = create_app(public_url=app_options.pop("public_url", None) or url, **app_options)
    server = uvicorn.Server(_config(app, "warning"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="assistant-endpoint", daemon=True
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the embedded endpoint failed to start")
            thread.join(0.01)
        yield RunningServer(url, app)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        app.state.runtime.close()
