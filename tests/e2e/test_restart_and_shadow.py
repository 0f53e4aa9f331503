"""A busy daemon stopped mid-run (SIGTERM: exit 0 with in-flight work finished; SIGKILL: restart
loses nothing and does nothing twice), and shadow mode writing to neither simulator."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.e2e.stack import Stack, eventually, running_stack
from tests.e2e.test_flows import TO_REFUND, graded

pytestmark = pytest.mark.anyio
RETURNS = 24
# Every commercetools call answered this late while the daemon is to be stopped mid-run: its work
# stays in flight long enough to be seen leased and to be cut, however fast the machine.
IN_FLIGHT = [{"path": "^/(?!oauth)", "latency": 0.15}]


async def book(stack: Stack, prefix: str, count: int) -> tuple[list[str], int]:
    """`count` orders, each fully returned (refund, then graded sellable); their ids and the units."""
    ids, units = [], 0
    for n in range(count):
        order = await stack.order(f"{prefix}-{n:03d}")
        ids.append(await stack.script(order, [*TO_REFUND, graded(order), {"event": "processed"}]))
        units += sum(line["quantity"] for line in order["lineItems"])
    return ids, units


async def refunded(stack: Stack) -> int:
    return sum((await stack.refund_transactions()).values())


def outbox(stack: Stack) -> dict[str, int]:
    with sqlite3.connect(stack.layout.db) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())


async def all_done(stack: Stack, return_ids: list[str], units: int) -> bool:
    await stack.driver().flush_deliveries(rounds=3)  # what ReBound could not deliver while we were down
    return (
        await refunded(stack) == len(return_ids)
        and (await stack.stock_added())[0] == units
        and await stack.idle()
    )


async def test_sigterm_then_sigkill_mid_run_each_effect_exactly_once(tmp_path: Path) -> None:
    with anyio.fail_after(90):
        async with running_stack(tmp_path) as stack:
            stack.launched.ct_faults(IN_FLIGHT)
            first, units = await book(stack, "E2E-TERM", RETURNS // 2)
            await eventually(lambda: _busy(stack), within=10, every=0.05)
            assert stack.stop_daemon(signal.SIGTERM) == 0, stack.layout.log("daemon").read_text()[-3000:]
            assert outbox(stack).get("leased", 0) == 0, "in-flight work finished or released its lease"
            await stack.restart_daemon()
            second, more = await book(stack, "E2E-KILL", RETURNS // 2)
            await eventually(lambda: _some_refunded(stack, len(first) + 1), within=30, every=0.05)
            assert stack.stop_daemon(signal.SIGKILL) == -signal.SIGKILL
            left = outbox(stack)
            assert left.get("pending", 0) + left.get("leased", 0) > 0, f"killed mid-run: {left}"
            stack.launched.ct_faults([])
            await stack.restart_daemon()
            everything = first + second
            await eventually(lambda: all_done(stack, everything, units + more), within=50, every=0.5)
            per_interaction = await stack.refund_transactions()
            assert len(per_interaction) == len(everything) and set(per_interaction.values()) == {1}
            assert {i.split(":")[1] for i in per_interaction} == set(everything)
            _, markers = await stack.stock_added()
            assert set(markers.values()) == {1}, "each restock marker applied to one entry once"
            states = {(await stack.case(rid))["case"]["state"] for rid in everything}
            assert states == {"CLOSED"}


async def _busy(stack: Stack) -> bool:
    overview = await stack.admin.get("/api/overview")
    return any(q["leased"] for q in overview["queues"])


async def _some_refunded(stack: Stack, at_least: int) -> bool:
    return await refunded(stack) >= at_least


async def test_shadow_mode_reads_both_systems_and_writes_to_neither(tmp_path: Path) -> None:
    with anyio.fail_after(40):
        async with running_stack(tmp_path, "--shadow") as stack:
            before = await stack.ct_state()
            order = await stack.order("E2E-SHADOW-1")
            rid = await stack.script(order, [*TO_REFUND, graded(order), {"event": "processed"}])

            async def held_back() -> Any:
                overview = await stack.admin.get("/api/overview")
                return overview["shadow"]["writes"] >= 3 and await stack.idle()

            await eventually(held_back, within=25)
            assert await stack.rebound_sales_order("E2E-SHADOW-1") is None
            after = await stack.ct_state()
            fresh = await stack.ct_order(order["id"])
            assert fresh["returnInfo"] == [] and fresh["version"] == order["version"]
            assert await stack.refund_transactions() == {}
            assert (await stack.stock_added())[0] == 0
            assert _inventory(after) == _inventory(before)
            assert (await stack.case(rid))["case"]["return_id"] == rid, "read and processed for real"


def _inventory(state: dict[str, Any]) -> list[tuple[str, int, int]]:
    entries = state["resources"].get("inventory-entry", [])
    return sorted((e["id"], e["quantityOnStock"], e["version"]) for e in entries)
