"""Contract: the Messages API poll with a (createdAt, id) cursor."""

from __future__ import annotations

import anyio
import msgspec
import pytest

from backflow.ports.commerce_types import ReturnItemRequest
from backflow.ports.errors import NotFoundError

from .conftest import Server

pytestmark = pytest.mark.anyio
ORDER_TYPES = ("OrderCreated", "OrderImported")


async def test_poll_messages_after_a_cursor(server: Server) -> None:
    with anyio.fail_after(20):
        first = await server.create_order([("SKU-M", 1, 100)])
        async with server.adapter() as adapter:
            if not server.is_sim:
                # The mock has no Messages API (404, §11); real commercetools serves /messages.
                with pytest.raises(NotFoundError):
                    await adapter.poll_messages(None, ORDER_TYPES)
                return
            page = await adapter.poll_messages(None, ORDER_TYPES)
            assert [m.type for m in page.messages] == ["OrderImported"]
            assert page.messages[0].resource_id == first["id"]
            assert msgspec.json.decode(page.messages[0].body)["order"]["id"] == first["id"]
            empty = await adapter.poll_messages(page.cursor, ORDER_TYPES)
            assert empty.messages == [] and empty.cursor == page.cursor
            second = await server.create_order([("SKU-M", 1, 100)])
            line = second["lineItems"][0]["id"]
            await adapter.add_return_info(
                second["id"], [ReturnItemRequest(key="rb-m", quantity=1, line_item_id=line)]
            )
            later = await adapter.poll_messages(page.cursor, (*ORDER_TYPES, "ReturnInfoAdded"))
        assert [(m.type, m.resource_id) for m in later.messages] == [
            ("OrderImported", second["id"]),
            ("ReturnInfoAdded", second["id"]),
        ]
        assert [m.sequence_number for m in later.messages] == [1, 2]
        assert [m.resource_version for m in later.messages] == [1, 2]
