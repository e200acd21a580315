"""MetaAPI's documented REST trading API over aiohttp, with a configurable base URL.

The `metaapi-cloud-sdk` builds https URLs on fixed hosts and runs its own socket.io transport, so
it cannot be pointed at a loopback fake; this client speaks the same REST endpoints the SDK's
RPC calls map to (`/users/current/accounts/{id}/trade`, `/positions`, `/orders`,
`/account-information`, `/symbols/{symbol}/current-price`, `/history-deals/time/{from}/{to}`,
`/history-orders/time/{from}/{to}`) and the provisioning API's account creation, with the
`auth-token` header, and the tests run it against a loopback fake of those endpoints.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from core.errors import Unavailable

DEFAULT_BASE_URL = "https://mt-client-api-v1.new-york.agiliumtrade.ai"
DEFAULT_PROVISIONING_URL = "https://mt-provisioning-api-v1.agiliumtrade.ai"


class MetaApiError(Exception):
    """A MetaAPI answer that is not a success: HTTP status and MetaAPI's error body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message", f"HTTP {status}"))
        self.status, self.body = status, body


class MetaApiClient:
    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 10.0,
        provisioning_url: str | None = None,
    ) -> None:
        self._token, self._base = token, base_url.rstrip("/")
        self._provisioning = (provisioning_url or DEFAULT_PROVISIONING_URL).rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, headers={"auth-token": self._token})
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        base: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        url = f"{base or self._base}/users/current/accounts{'/' + path if path else ''}"
        try:
            async with self._http().request(method, url, json=body, headers=headers) as response:
                payload = await response.json(content_type=None)
                if response.status >= 500:
                    raise Unavailable(f"MetaAPI answered {response.status}", reason="METAAPI_UNAVAILABLE")
                if response.status >= 400:
                    raise MetaApiError(response.status, payload or {})
                return payload
        except (TimeoutError, aiohttp.ClientError) as lost:
            raise Unavailable(f"MetaAPI unreachable: {lost!r}", reason="METAAPI_UNAVAILABLE") from lost

    async def trade(self, account: str, request: dict[str, Any]) -> dict[str, Any]:
        return await self._call("POST", f"{account}/trade", request)  # type: ignore[no-any-return]

    async def positions(self, account: str) -> list[dict[str, Any]]:
        return await self._call("GET", f"{account}/positions")  # type: ignore[no-any-return]

    async def account_information(self, account: str) -> dict[str, Any]:
        return await self._call("GET", f"{account}/account-information")  # type: ignore[no-any-return]

    async def deals(self, account: str, start: str, end: str) -> list[dict[str, Any]]:
        return await self._call("GET", f"{account}/history-deals/time/{start}/{end}")  # type: ignore[no-any-return]

    async def orders(self, account: str) -> list[dict[str, Any]]:
        """The account's pending orders."""
        return await self._call("GET", f"{account}/orders")  # type: ignore[no-any-return]

    async def history_orders(self, account: str, start: str, end: str) -> list[dict[str, Any]]:
        """Orders no longer pending (filled, cancelled, expired) done between start and end."""
        return await self._call("GET", f"{account}/history-orders/time/{start}/{end}")  # type: ignore[no-any-return]

    async def current_price(self, account: str, symbol: str) -> dict[str, Any]:
        return await self._call("GET", f"{account}/symbols/{symbol}/current-price")  # type: ignore[no-any-return]

    async def create_account(self, body: dict[str, Any], transaction_id: str) -> dict[str, Any]:
        """The provisioning API's account creation; a retry with the same `transaction_id` gets
        the same account, so a crash between the call and storing its id never makes two."""
        return await self._call(  # type: ignore[no-any-return]
            "POST", "", body, base=self._provisioning, headers={"transaction-id": transaction_id}
        )
