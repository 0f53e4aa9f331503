"""Orders: read by id or order number, query pages, id-cursor sweeps, versioned updates."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from urllib.parse import quote

import msgspec

from backflow.adapters.commercetools.http import CommercetoolsHttp, Params
from backflow.adapters.commercetools.updates import Actions, update_body, update_versioned
from backflow.domain.order import ORDER_DECODER, Order
from backflow.ports.commerce_types import OrderPage, OrderQuery

PAYMENTS_EXPANSION = "paymentInfo.payments[*]"
MAX_LIMIT = 500
RECENT_ORDERS = 1000
"""Orders remembered as last read or written (`recent`): enough for the returns in flight, bounded."""


class _OrderPageWire(msgspec.Struct):
    results: list[Order]
    offset: int = 0
    count: int = 0
    total: int | None = None


_DECODE_PAGE = msgspec.json.Decoder(_OrderPageWire)


def _expand(expand_payments: bool) -> Params:
    return [("expand", PAYMENTS_EXPANSION)] if expand_payments else []


class Orders:
    def __init__(self, http: CommercetoolsHttp) -> None:
        self._http = http
        self._recent: OrderedDict[str, Order] = OrderedDict()

    def remember(self, order: Order) -> Order:
        self._recent[order.id] = order
        self._recent.move_to_end(order.id)
        if len(self._recent) > RECENT_ORDERS:
            self._recent.popitem(last=False)
        return order

    async def recent(self, order_id: str) -> Order:
        """The last copy this process saw; its version makes a write on stale facts a 409, not a mistake."""
        found = self._recent.get(order_id)
        return found if found is not None else await self.recent_read(order_id)

    async def recent_read(self, order_id: str) -> Order:
        """A fresh read that replaces the remembered copy (after a 409, or to plan a write)."""
        return self.remember(await self.get(order_id))

    async def get(self, order_id: str, *, expand_payments: bool = False) -> Order:
        # Not remembered: order sync reads every new order, and would push out the returns' ones.
        return ORDER_DECODER.decode(
            await self._http.get(f"/orders/{quote(order_id, safe='')}", _expand(expand_payments))
        )

    async def get_raw(self, order_id: str, *, expand_payments: bool = False) -> bytes:
        return await self._http.get(f"/orders/{quote(order_id, safe='')}", _expand(expand_payments))

    async def get_by_number(self, order_number: str, *, expand_payments: bool = False) -> Order:
        path = f"/orders/order-number={quote(order_number, safe='')}"
        return self.remember(ORDER_DECODER.decode(await self._http.get(path, _expand(expand_payments))))

    async def query(self, query: OrderQuery) -> OrderPage:
        params: list[tuple[str, str]] = [("where", w) for w in query.where]
        params += [("sort", s) for s in query.sort]
        params += [(f"var.{name}", value) for name, value in query.variables.items()]
        params += [("limit", str(min(query.limit, MAX_LIMIT))), ("offset", str(query.offset))]
        params += list(_expand(query.expand_payments))
        page = _DECODE_PAGE.decode(await self._http.get("/orders", params))
        return OrderPage(results=page.results, offset=page.offset, count=page.count, total=page.total)

    async def sweep(self, where: Sequence[str] = (), *, page_size: int = MAX_LIMIT) -> AsyncIterator[Order]:
        """Page by `id > last` (sorted by id) rather than offset, which stops at 10,000."""
        last_id: str | None = None
        while True:
            clauses = [*where]
            variables: dict[str, str] = {}
            if last_id is not None:
                clauses.append("id > :lastId")
                variables["lastId"] = last_id
            params: list[tuple[str, str]] = [("where", w) for w in clauses]
            params += [(f"var.{k}", v) for k, v in variables.items()]
            params += [("sort", "id asc"), ("limit", str(min(page_size, MAX_LIMIT))), ("withTotal", "false")]
            page = _DECODE_PAGE.decode(await self._http.get("/orders", params))
            # The cursor relies on the server honouring `sort=id asc` (the npm mock does not, see docs).
            results = page.results
            for order in results:
                yield order
            if len(results) < min(page_size, MAX_LIMIT):
                return
            last_id = results[-1].id

    async def update(
        self,
        order_id: str,
        plan: Callable[[Order], Actions | None],
        *,
        current: Order | None = None,
        reread: bool = True,
    ) -> Order:
        """`reread=False` (with `current`): one attempt, its 409 raised to the caller."""
        path = f"/orders/{quote(order_id, safe='')}"

        async def send(version: int, actions: Actions) -> Order:
            return self.remember(
                ORDER_DECODER.decode(await self._http.post(path, update_body(version, actions)))
            )

        return await update_versioned(
            lambda: self.recent_read(order_id),
            plan,
            send,
            attempts=self._http.config.conflict_attempts if reread or current is None else 1,
            current=current,
        )
