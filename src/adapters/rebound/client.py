"""`ReturnsPlatformPort` over ReBound's REST API (contract §2)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import quote

import aiohttp
import anyio
import msgspec
from opentelemetry import trace
from opentelemetry.metrics import MeterProvider

from backflow.adapters.rebound.config import ReboundConfig
from backflow.adapters.rebound.http import ReboundHttp, Sleep
from backflow.adapters.rebound.mapping import sales_order_digest, to_sales_order
from backflow.domain.order import Order
from backflow.domain.return_snapshot import ReturnEvent, ReturnSnapshot
from backflow.ports.returns_platform import (
    SALES_ORDER_DECODER,
    Acknowledgement,
    SalesOrder,
    UpsertOutcome,
    UpsertResult,
)

T = TypeVar("T")
MAX_PAGE = 200


class _ReturnPage(msgspec.Struct):
    results: list[ReturnSnapshot]
    nextCursor: str | None = None  # ReBound's field names are camelCase


class _EventPage(msgspec.Struct):
    results: list[ReturnEvent]
    nextCursor: str | None = None


_RETURN_DECODER = msgspec.json.Decoder(ReturnSnapshot)
_RETURN_PAGE_DECODER = msgspec.json.Decoder(_ReturnPage)
_EVENT_PAGE_DECODER = msgspec.json.Decoder(_EventPage)
_ENCODER = msgspec.json.Encoder()


class ReboundClient:
    """Owns one aiohttp session; use `async with ReboundClient.open(config) as client` or `aclose()`."""

    def __init__(
        self,
        config: ReboundConfig,
        session: aiohttp.ClientSession,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        sleep: Sleep = anyio.sleep,
        rng: random.Random | None = None,
        days_for_return: int | None = None,
    ) -> None:
        self.config = config
        self._session = session
        self._http = ReboundHttp(
            session,
            config,
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            sleep=sleep,
            rng=rng,
        )
        self._days_for_return = days_for_return

    @classmethod
    def open(
        cls,
        config: ReboundConfig,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        days_for_return: int | None = None,
    ) -> ReboundClient:
        """A client with its own session; must be called inside a running event loop."""
        connector = aiohttp.TCPConnector(limit=config.max_concurrency)
        session = aiohttp.ClientSession(connector=connector)
        return cls(
            config,
            session,
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            days_for_return=days_for_return,
        )

    async def aclose(self) -> None:
        await self._session.close()

    async def __aenter__(self) -> ReboundClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def token_fetches(self) -> int:
        return self._http.tokens.fetches

    # ------------------------------------------------------------------ sales orders
    async def upsert_sales_order(self, order: Order) -> UpsertResult:
        body = to_sales_order(order, days_for_return=self._days_for_return)
        response = await self._http.request(
            "PUT",
            f"/v2/sales-orders/{_segment(body.clientOrderId)}",
            what="upsert sales order",
            body=_ENCODER.encode(body),
            ok=(200, 201),
        )
        outcome = UpsertOutcome.CREATED if response.status == 201 else UpsertOutcome.UPDATED
        return UpsertResult(outcome, SALES_ORDER_DECODER.decode(response.body))

    def sales_order_digest(self, order: Order) -> str:
        return sales_order_digest(order, days_for_return=self._days_for_return)

    async def get_sales_order(self, client_order_id: str) -> SalesOrder:
        response = await self._http.request(
            "GET", f"/v2/sales-orders/{_segment(client_order_id)}", what="get sales order"
        )
        return SALES_ORDER_DECODER.decode(response.body)

    # ------------------------------------------------------------------ returns and events
    async def get_return(self, return_id: str) -> ReturnSnapshot:
        response = await self._http.request(
            "GET", f"/v2/return-orders/{_segment(return_id)}", what="get return"
        )
        return _RETURN_DECODER.decode(response.body)

    def returns_changed_since(
        self, since: datetime, *, page_size: int = MAX_PAGE
    ) -> AsyncIterator[ReturnSnapshot]:
        return self._pages(
            "/v2/return-orders",
            _return_page,
            what="list returns",
            since=("updatedSince", since),
            size=page_size,
        )

    def events_since(self, since: datetime, *, page_size: int = MAX_PAGE) -> AsyncIterator[ReturnEvent]:
        return self._pages(
            "/v2/events", _event_page, what="replay events", since=("since", since), size=page_size
        )

    async def _pages(
        self,
        path: str,
        decode: Callable[[bytes], tuple[Sequence[T], str | None]],
        *,
        what: str,
        since: tuple[str, datetime],
        size: int,
    ) -> AsyncIterator[T]:
        params = {since[0]: _iso(since[1]), "limit": str(max(1, min(size, MAX_PAGE)))}
        while True:
            response = await self._http.request("GET", path, what=what, params=params)
            results, cursor = decode(response.body)
            for result in results:
                yield result
            if cursor is None or not results:
                return
            params["cursor"] = cursor

    # ------------------------------------------------------------------ acknowledgements
    async def acknowledge(self, return_id: str, ack: Acknowledgement, *, idempotency_key: str) -> None:
        await self._http.request(
            "POST",
            f"/v2/return-orders/{_segment(return_id)}/acknowledgements",
            what="acknowledge return",
            body=_ENCODER.encode(acknowledgement_body(ack)),
            headers={"Idempotency-Key": idempotency_key},
            ok=(200, 201),
        )


def acknowledgement_body(ack: Acknowledgement) -> dict[str, object]:
    body: dict[str, object] = {
        "type": ack.type.value,
        "lines": [
            {
                "clientItemId": line.client_item_id,
                "quantity": line.quantity,
                **({"amount": line.amount.to_decimal_string()} if line.amount is not None else {}),
            }
            for line in ack.lines
        ],
    }
    if ack.amount is not None:
        body["amount"] = ack.amount.to_decimal_string()
        body["currency"] = ack.amount.currency
    if ack.reference is not None:
        body["reference"] = ack.reference
    return body


def _return_page(body: bytes) -> tuple[list[ReturnSnapshot], str | None]:
    page = _RETURN_PAGE_DECODER.decode(body)
    return page.results, page.nextCursor


def _event_page(body: bytes) -> tuple[list[ReturnEvent], str | None]:
    page = _EVENT_PAGE_DECODER.decode(body)
    return page.results, page.nextCursor


def _segment(value: str) -> str:
    return quote(value, safe="")


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
