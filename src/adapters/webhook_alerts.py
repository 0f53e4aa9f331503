"""`AlertSender` over HTTP: POST the alert as JSON to the configured webhook URL."""

from __future__ import annotations

import aiohttp
import msgspec

from backflow.ports.alerts import Alert
from backflow.ports.errors import TransientError


class WebhookAlertSender:
    def __init__(self, url: str, *, timeout_seconds: float = 10.0) -> None:
        self._url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None  # made on first use, inside the event loop

    async def send(self, alert: Alert) -> None:
        body = msgspec.json.encode(alert)
        headers = {"Content-Type": "application/json"}
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(self._url, data=body, headers=headers) as response:
                if response.status >= 300:
                    text = (await response.text())[:200]
                    raise TransientError(
                        f"alert webhook answered {response.status}: {text}", status=response.status
                    )
        except aiohttp.ClientError as error:
            raise TransientError(f"alert webhook unreachable: {error}") from error
        except TimeoutError as error:
            raise TransientError("alert webhook timed out") from error

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
