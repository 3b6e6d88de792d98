"""What the sync and async clients share: configuration, hosts, the key, and building requests.

Nothing here does I/O; the flows (``_flows``) decide what to send and the clients perform it.
"""

from __future__ import annotations

import copy
import importlib
import logging
import os
import re
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

import orjson

from ._call import NOT_GIVEN, ApiCall, NotGiven, check_assistant_name
from ._constants import (
    API_KEY_ENV,
    API_VERSION,
    CONTROL_HOST,
    CONTROL_HOST_ENV,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    EVALUATION_HOST,
    EVALUATION_HOST_ENV,
    EVALUATION_HOST_EU,
    LOG_ENV,
    LOG_LEVELS,
    MAX_CONNECTIONS,
    MAX_KEEPALIVE_CONNECTIONS,
    PATH_PREFIX,
)
from .errors import APIResponseValidationError, ClientValidationError, WaitTimeoutError

if TYPE_CHECKING:
    import httpx
    from assistant_api.models.assistant import Assistant

    from . import retries as _retries
    from ._auth import KeyAuth
    from .retries import RetryPolicy

USER_AGENT = "pinecone-assistant-python"
_VERSION = re.compile(r"^\d{4}-\d{2}(\.[A-Za-z0-9]+)?$")
#: Entries kept in each request-building cache before it is emptied (paths with file ids vary).
_CACHE_LIMIT = 256

logger = logging.getLogger("pinecone_assistant")
#: Held while a client makes its httpx client (_Link.connect).
_CONNECTING = threading.Lock()


class Deferred:
    """A submodule of this package (or, with ``package=None``, a top-level module such as httpx),
    imported on first attribute access; attributes are then cached."""

    def __init__(self, name: str, package: str | None = __package__) -> None:
        self._name = name if package is None else f".{name}"
        self._package = package

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(self._name, self._package), attr)
        setattr(self, attr, value)
        return value


if not TYPE_CHECKING:
    # httpx and the retry policy load when a client makes its http client, on its first request
    # (or when ``http_client`` is read): importing the package and building a client stay cheap.
    _retries = Deferred("retries")
    httpx = Deferred("httpx", None)


class Secret:
    """A string that never shows itself in a repr."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'[REDACTED]'"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("an API key cannot be pickled")


def base_url(host: str) -> str:
    """The API base of a host: a scheme is added if missing (https), ``/assistant`` appended once."""
    value = host.strip().rstrip("/")
    if not value:
        raise ClientValidationError("A host is empty; pass a URL such as 'https://api.pinecone.io'.")
    if "://" not in value:
        value = "https://" + value
    if value.endswith(PATH_PREFIX):
        value = value[: -len(PATH_PREFIX)]
    return value + PATH_PREFIX


def read_api_key(value: str | None) -> Secret:
    """The key passed, else ``PINECONE_API_KEY``, wrapped so that it never shows."""
    if value is None:
        value = os.environ.get(API_KEY_ENV)
        if not value:
            raise ClientValidationError(
                f"No API key: pass api_key=... or set the {API_KEY_ENV} environment variable."
            )
    if not isinstance(value, str) or not value.strip():
        raise ClientValidationError(
            f"The API key must be a non-empty string; pass api_key=... or set {API_KEY_ENV}."
        )
    return Secret(value.strip())


def check_timeout(value: object) -> httpx.Timeout | NotGiven | None:
    """``timeout=``: a positive number of seconds, an ``httpx.Timeout`` or None (no limit)."""
    if isinstance(value, NotGiven) or value is None:
        return value
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ClientValidationError(
            f"timeout must be a positive number of seconds, an httpx.Timeout or None, got {value!r}."
        )
    return httpx.Timeout(float(value))


def check_max_retries(value: object) -> int:
    """``max_retries=``: a whole number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ClientValidationError(
            f"max_retries must be an int >= 0 (0 disables retries), got {value!r} ({type(value).__name__})."
        )
    if value < 0:
        raise ClientValidationError(f"max_retries must be >= 0 (0 disables retries), got {value!r}.")
    return value


def make_retry_policy(max_retries: object, policy: RetryPolicy | None) -> RetryPolicy:
    """``policy`` (default :class:`RetryPolicy`) with ``max_retries`` if one is given."""
    if policy is not None and not isinstance(policy, _retries.RetryPolicy):
        raise TypeError(f"retry_policy must be a RetryPolicy, got {type(policy).__name__}")
    base = policy if policy is not None else _retries.DEFAULT_RETRY_POLICY
    if max_retries is None or isinstance(max_retries, NotGiven):
        return base
    return base.replace(max_retries=check_max_retries(max_retries))


def check_wait(wait_timeout: float | None, poll_interval: float) -> None:
    """``wait_timeout`` (seconds >= 0 or None) and ``poll_interval`` (seconds > 0)."""
    if wait_timeout is not None and (
        isinstance(wait_timeout, bool) or not isinstance(wait_timeout, int | float) or wait_timeout < 0
    ):
        raise ClientValidationError(
            f"wait_timeout must be a number of seconds >= 0 or None, got {wait_timeout!r}."
        )
    if isinstance(poll_interval, bool) or not isinstance(poll_interval, int | float) or poll_interval <= 0:
        raise ClientValidationError(
            f"poll_interval must be a positive number of seconds, got {poll_interval!r}."
        )


class Poll:
    """Deadline bookkeeping of one wait."""

    __slots__ = ("deadline", "interval", "timeout")

    def __init__(self, wait_timeout: float | None, poll_interval: float) -> None:
        check_wait(wait_timeout, poll_interval)
        self.timeout = wait_timeout
        self.interval = float(poll_interval)
        self.deadline = None if wait_timeout is None else time.monotonic() + wait_timeout

    def next_sleep(self, what: str, resource: Any) -> float:
        """Seconds to sleep before the next look, or :class:`WaitTimeoutError` if time is up."""
        left = None if self.deadline is None else max(self.deadline - time.monotonic(), 0.0)
        if left is not None and left <= 0:
            raise WaitTimeoutError(
                f"Gave up waiting for {what} after {self.timeout} s; pass a larger wait_timeout= "
                "(None waits without limit). The last state seen is on `.resource`.",
                resource=resource,
            )
        return self.interval if left is None else min(self.interval, left)


def pagination_token(page: Any, previous: str | None) -> str | None:
    """The token of the next page, None after the last; a repeated token is an error."""
    pagination = getattr(page, "pagination", None)
    token = getattr(pagination, "next_", None)
    if not isinstance(token, str) or not token:
        return None
    if token == previous:
        raise APIResponseValidationError(
            f"The service returned the same pagination token twice ({token!r}); stopping to avoid a loop."
        )
    return token


_logging_checked: list[bool] = []


def configure_logging() -> None:
    """Honour ``PINECONE_LOG`` (``info`` or ``debug``) once per process; another value only warns."""
    if _logging_checked:
        return
    _logging_checked.append(True)
    value = os.environ.get(LOG_ENV)
    if not value:
        return
    level = value.strip().lower()
    if level not in LOG_LEVELS:
        warnings.warn(
            f"{LOG_ENV}={value!r} is not one of {', '.join(LOG_LEVELS)}; request logging stays off.",
            stacklevel=3,
        )
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s %(name)s] %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


class _Link:
    """The connection side of a client, shared with its ``with_options`` copies: the httpx client
    (made on first use) and the key as an ``httpx.Auth``."""

    __slots__ = ("auth", "http", "key", "kind", "timeout", "transport")

    def __init__(self, kind: str, key: Secret, http: Any, transport: Any, timeout: Any) -> None:
        self.kind = kind
        self.key = key
        self.http = http
        self.transport = transport
        self.timeout = timeout
        self.auth: KeyAuth | None = None

    def connect(self) -> Any:
        """Make the httpx client (unless one was given) and the auth; return the httpx client.

        Once per client (and its copies), under a lock: two threads sending the first requests of
        a client at once make one httpx client between them.
        """
        from ._auth import KeyAuth

        with _CONNECTING:
            if self.http is None:
                timeout = self.timeout
                self.http = getattr(httpx, self.kind)(
                    transport=self.transport,
                    limits=httpx.Limits(
                        max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE_CONNECTIONS
                    ),
                    timeout=httpx.Timeout(DEFAULT_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)
                    if isinstance(timeout, NotGiven)
                    else timeout,
                )
            if self.auth is None:  # set last: a set auth means the http client is there (Core._http)
                self.auth = KeyAuth(self.key)
        return self.http


class Core:
    """Configuration and request building shared by the sync and async clients."""

    #: The httpx client class the twin sends with (``"Client"`` or ``"AsyncClient"``).
    _http_kind: str

    def __init__(
        self,
        api_key: str | None = None,
        *,
        control_host: str | None = None,
        evaluation_host: str | None = None,
        api_version: str = API_VERSION,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        configure_logging()
        self._key = key = read_api_key(api_key)
        self._control_base = base_url(control_host or os.environ.get(CONTROL_HOST_ENV) or CONTROL_HOST)
        self._evaluation_base = base_url(
            evaluation_host or os.environ.get(EVALUATION_HOST_ENV) or EVALUATION_HOST
        )
        if not isinstance(api_version, str) or not _VERSION.match(api_version):
            raise ClientValidationError(f"api_version must look like '2026-04', got {api_version!r}.")
        self._api_version = api_version
        self._timeout = check_timeout(timeout)
        # The default policy is taken from retries (which loads httpx) on first use: see _policy.
        self._policy_or_none: RetryPolicy | None = None
        self._max_retries = None if max_retries is None else check_max_retries(max_retries)
        if retry_policy is not None:
            self._policy_or_none = make_retry_policy(max_retries, retry_policy)
        self._headers = {"User-Agent": USER_AGENT, **dict(default_headers or {})}
        #: assistant name -> data-plane base URL (``{host}/assistant``), shared with with_options copies.
        self._hosts: dict[str, str] = {}
        #: Request building caches (see build): parsed URLs, and merged headers per kind of call.
        self._urls: dict[str, httpx.URL] = {}
        self._merged_headers: dict[tuple[Any, ...], tuple[list[tuple[bytes, bytes]], httpx.Headers]] = {}
        #: (timeout, its as_dict()) of the last request built.
        self._timeouts: tuple[httpx.Timeout | None, dict[str, float | None]] | None = None
        #: Per call (with_streaming_response): the call's response is handed over unread.
        self._hold = False
        given = self._check_http_client(http_client, transport)
        self._link = _Link(self._http_kind, key, given, transport, self._timeout)
        self._owns_http = http_client is None

    def _check_http_client(self, given: Any, transport: Any) -> Any:
        """``given`` (checked to be an ``httpx.<_http_kind>``), or None."""
        if given is None:
            return None
        import httpx  # an httpx client was given, so httpx is loaded already

        kind = getattr(httpx, self._http_kind)
        if not isinstance(given, kind):
            raise TypeError(
                f"http_client must be an httpx.{kind.__name__} (its proxies, mounts and event hooks are "
                f"kept, with this client's retries and timeouts), got {type(given).__name__}."
            )
        if transport is not None:
            raise ClientValidationError("Pass either transport= or http_client=, not both.")
        return given

    @property
    def _http(self) -> Any:
        """The httpx client, made on first use (shared with ``with_options`` copies)."""
        link = self._link
        return link.http if link.auth is not None else link.connect()

    @property
    def _auth(self) -> KeyAuth:
        """The key as an ``httpx.Auth``, applied when a request is sent."""
        link = self._link
        auth = link.auth
        if auth is None:
            link.connect()
            auth = link.auth
            assert auth is not None
        return auth

    @property
    def _policy(self) -> RetryPolicy:
        policy = self._policy_or_none
        if policy is None:
            policy = self._policy_or_none = make_retry_policy(self._max_retries, None)
        return policy

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | NotGiven | None = NOT_GIVEN,
        retry_policy: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy for some calls with another timeout, retry policy or extra headers (same connections)."""
        return self._copy(timeout, max_retries, retry_policy, headers)

    # -- public configuration

    @property
    def api_version(self) -> str:
        """The API version sent as ``X-Pinecone-Api-Version``."""
        return self._api_version

    @property
    def control_url(self) -> str:
        """Base URL of the control plane (``{host}/assistant``)."""
        return self._control_base

    @property
    def evaluation_url(self) -> str:
        """Base URL of the evaluation endpoint (``{host}/assistant``)."""
        return self._evaluation_base

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy requests of this client use."""
        return self._policy

    @property
    def http_client(self) -> Any:
        """The underlying httpx client."""
        return self._http

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(control_url={self._control_base!r}, api_version={self._api_version!r}, "
            f"max_retries={self._policy.max_retries})"
        )

    def _copy(
        self,
        timeout: object,
        max_retries: object,
        retry_policy: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy sharing connections and the host cache, with other options."""
        clone = copy.copy(self)
        clone._owns_http = False
        if not isinstance(timeout, NotGiven):
            clone._timeout = check_timeout(timeout)
        if retry_policy is None and self._policy_or_none is None:  # still the default: stays lazy
            if max_retries is not None and not isinstance(max_retries, NotGiven):
                clone._max_retries = check_max_retries(max_retries)
        elif retry_policy is not None or not isinstance(max_retries, NotGiven):
            clone._policy_or_none = make_retry_policy(
                max_retries, retry_policy if retry_policy is not None else self._policy
            )
        if headers:
            clone._headers = {**self._headers, **dict(headers)}
            clone._merged_headers = {}
        return clone

    def _for_call(self, kwargs: dict[str, Any], hold: bool = False) -> Self:
        """The client one call runs with: its ``timeout=``/``max_retries=`` are taken out of ``kwargs``."""
        if not (hold or "timeout" in kwargs or "max_retries" in kwargs):
            return self
        clone = self._copy(kwargs.pop("timeout", NOT_GIVEN), kwargs.pop("max_retries", NOT_GIVEN))
        clone._hold = hold
        return clone

    def _stream_class(self, kind: str) -> Any:
        """The stream class of ``kind`` (``chat`` or ``completion``) for this client's I/O."""
        raise NotImplementedError

    # -- hosts

    def _remember(self, assistant: Assistant) -> Assistant:
        from assistant_api.types import Unset

        host = assistant.host
        if isinstance(host, str) and host.strip():
            self._hosts[assistant.name] = base_url(host)
        else:
            # No host in the answer: the regional default data host (what the official clients use).
            region = assistant.region
            fallback = (
                EVALUATION_HOST_EU
                if not isinstance(region, Unset) and str(region) == "eu"
                else EVALUATION_HOST
            )
            self._hosts[assistant.name] = base_url(fallback)
        return assistant

    def _bind_host(self, name: str, host: str | None) -> None:
        check_assistant_name(name)
        if host is not None:
            self._hosts[name] = base_url(host)

    def _fixed_base(self, call: ApiCall[Any]) -> str | None:
        if call.plane == "control":
            return self._control_base
        if call.plane == "evaluation":
            return self._evaluation_base
        assert call.assistant is not None
        return self._hosts.get(call.assistant)

    # -- requests

    def _build(self, call: ApiCall[Any], base: str) -> httpx.Request:
        kwargs = call.kwargs
        http = self._http
        body = kwargs.get("json")
        content = orjson.dumps(body) if body is not None else None
        # The policy rides along for a RetryTransport in a user's http_client (see retries.policy_for).
        extensions: dict[str, Any] = {_retries.RETRY_POLICY_EXTENSION: self._policy}
        call_headers: dict[str, str] = kwargs.get("headers", {})
        files = kwargs.get("files")
        params = kwargs.get("params") or None
        if files is None and params is None and not http.params and not http.cookies:
            # What http.build_request would make, from a parsed URL and merged headers kept per kind
            # of call: it saves ~30 us of a ~0.9 ms loopback chat (chat_p50_vs_httpx, nox -s bench).
            extensions["timeout"] = self._timeout_extension()
            return httpx.Request(
                kwargs["method"].upper(),
                self._url(base + kwargs["url"]),
                content=content,
                headers=self._headers_for(call_headers, call.stream),
                extensions=extensions,
            )
        request: httpx.Request = http.build_request(
            kwargs["method"].upper(),
            base + kwargs["url"],
            params=params,
            content=content,
            files=files,
            headers=self._own_headers(call_headers, call.stream),
            timeout=httpx.USE_CLIENT_DEFAULT if isinstance(self._timeout, NotGiven) else self._timeout,
            extensions=extensions,
        )
        return request

    def _timeout_extension(self) -> dict[str, float | None]:
        """The request's ``timeout`` extension: this client's timeout, else its http client's (cached)."""
        source = self._timeout
        timeout = self._http.timeout if isinstance(source, NotGiven) else source
        cached = self._timeouts
        if cached is None or cached[0] is not timeout:
            as_dict = (timeout if timeout is not None else httpx.Timeout(None)).as_dict()
            cached = self._timeouts = (timeout, as_dict)
        return dict(cached[1])

    def _own_headers(self, call_headers: Mapping[str, str], stream: bool) -> dict[str, str]:
        headers = {**self._headers, **call_headers}
        headers.setdefault("Accept", "text/event-stream" if stream else "application/json")
        return headers

    def _headers_for(self, call_headers: Mapping[str, str], stream: bool) -> httpx.Headers:
        """The http client's headers updated with ours, as ``build_request`` merges them (cached)."""
        client_headers = self._http.headers.raw
        key = (stream, *call_headers.items())
        cached = self._merged_headers.get(key)
        if cached is not None and cached[0] == client_headers:
            return cached[1]  # httpx.Request copies it: the key added at send time never lands here
        merged = httpx.Headers(self._http.headers)
        merged.update(self._own_headers(call_headers, stream))
        if len(self._merged_headers) >= _CACHE_LIMIT:
            self._merged_headers.clear()
        self._merged_headers[key] = (client_headers, merged)
        return merged

    def _url(self, url: str) -> httpx.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= _CACHE_LIMIT:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
        return parsed
