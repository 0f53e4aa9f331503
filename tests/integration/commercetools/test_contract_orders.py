"""Contract: reading orders, against the simulator and the npm mock."""

from __future__ import annotations

import anyio
import pytest

from backflow.ports.commerce_types import OrderQuery
from backflow.ports.errors import NotFoundError, UnauthorizedError

from .conftest import Server

pytestmark = pytest.mark.anyio


async def test_get_order_by_id_and_number(server: Server) -> None:
    with anyio.fail_after(20):
        created = await server.create_order([("SKU-A", 2, 1250)])
        async with server.adapter() as adapter:
            by_id = await adapter.get_order(created["id"])
            by_number = await adapter.get_order_by_number(created["orderNumber"])
        assert by_id.id == by_number.id == created["id"]
        assert by_id.lineItems[0].sku == "SKU-A"
        assert by_id.lineItems[0].quantity == 2
        assert by_id.total.minor_units == 2500


async def test_missing_order_is_not_found(server: Server) -> None:
    with anyio.fail_after(20):
        async with server.adapter() as adapter:
            with pytest.raises(NotFoundError):
                await adapter.get_order("00000000-0000-4000-8000-000000000000")
            with pytest.raises(NotFoundError):
                await adapter.get_order_by_number("no-such-order")


async def test_query_with_where_and_variables(server: Server) -> None:
    with anyio.fail_after(20):
        first = await server.create_order([("SKU-Q1", 1, 100)])
        await server.create_order([("SKU-Q2", 1, 200)])
        async with server.adapter() as adapter:
            page = await adapter.query_orders(
                OrderQuery(where=("orderNumber = :n",), variables={"n": first["orderNumber"]}, limit=10)
            )
            nested = await adapter.query_orders(OrderQuery(where=('lineItems(variant(sku="SKU-Q2"))',)))
        assert [o.id for o in page.results] == [first["id"]]
        assert [o.lineItems[0].sku for o in nested.results] == ["SKU-Q2"]


async def test_sweep_pages_by_id_cursor(server: Server) -> None:
    with anyio.fail_after(30):
        ids = {(await server.create_order([("SKU-S", 1, 100)]))["id"] for _ in range(5)}
        async with server.adapter() as adapter:
            # Real behaviour (and the simulator): `sort=id asc` holds, so pages of 2 visit every order.
            # The mock ignores `sort` (§11), which makes an id cursor skip orders across pages; there
            # one page holds everything, which still checks the `id > :lastId` predicate and paging stop.
            page_size = 2 if server.is_sim else 500
            swept = [order.id async for order in adapter.sweep_orders(page_size=page_size)]
        assert sorted(swept) == sorted(ids)
        if server.is_sim:
            assert swept == sorted(swept)


async def test_expand_payments(server: Server) -> None:
    with anyio.fail_after(20):
        order = await server.create_order([("SKU-P", 1, 999)])
        payment = await server.create_payment(order, 999)
        async with server.adapter() as adapter:
            found = await adapter.find_order_payment(order["id"])
        assert found is not None
        assert found.id == payment["id"]
        assert found.transactions[0].type == "Charge"


async def test_wrong_credentials_are_unauthorized(server: Server) -> None:
    with anyio.fail_after(20):
        async with server.adapter() as adapter:
            good = await adapter.query_orders(OrderQuery(limit=1))
        assert good.count >= 0
        server.client_secret = "wrong"
        async with server.adapter() as adapter:
            if server.is_sim:
                with pytest.raises(UnauthorizedError):
                    await adapter.query_orders(OrderQuery(limit=1))
            else:
                # The mock accepts any client id/secret at the token endpoint (§11); real commercetools
                # answers 401 invalid_client, as the simulator does above.
                await adapter.query_orders(OrderQuery(limit=1))
