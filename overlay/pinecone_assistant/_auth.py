"""The key as an ``httpx.Auth``; loaded with a client's http client, so building a client stays cheap."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import httpx

from ._constants import API_KEY_HEADER

if TYPE_CHECKING:
    from ._core import Secret


class KeyAuth(httpx.Auth):
    """Adds the ``Api-Key`` header when a request is sent, so no stored headers ever hold the key."""

    def __init__(self, key: Secret) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "KeyAuth('[REDACTED]')"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[API_KEY_HEADER] = self._key.reveal()
        yield request
