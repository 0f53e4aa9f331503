"""SVG snapshots of every screen at 80x24 and 160x48, from the canned dataset with a frozen clock.

Update them with `pytest tests/tui/test_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from backflow.app.core.exception_actions import allowed_actions
from backflow.app.entrypoints.http import views
from backflow.ports.exceptions import ExceptionRecord
from backflow.tui.app import BackflowApp, make_app
from backflow.tui.config import ClientConfig
from tests.tui.canned import EXCEPTIONS, ROUTES
from tests.tui.canned_server import TOKEN, canned_server

FROZEN = datetime(2026, 11, 21, 14, 30, tzinfo=UTC)
SHOWN_URL = "http://127.0.0.1:8080"
SIZES = [(80, 24), (160, 48)]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with canned_server() as url:
        yield url


def app_for(url: str) -> BackflowApp:
    app = make_app(ClientConfig(url=url, token=TOKEN, actor="snap"), clock=lambda: FROZEN, live=False)
    # The server's port changes from run to run; the screen shows a fixed address instead.
    app.config = ClientConfig(url=SHOWN_URL, token=TOKEN, actor="snap")
    app.sub_title = SHOWN_URL
    for n in range(60):  # a minute of made-up, repeatable history for the sparklines
        app.history.throughput.append(float(250 + (n * 37) % 90))
        app.history.oldest_due.append(float((n * 13) % 45))
        app.history.backlog.append(float(20 + (n * 7) % 15))
    return app


async def _settle(pilot: Any, ready: Any) -> None:
    for _ in range(200):
        if ready(pilot.app):
            break
        await pilot.pause(0.02)
    assert ready(pilot.app), "the screen never showed its data"
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
class TestSnapshots:
    def test_overview(self, snap_compare: Any, server: str, size: tuple[int, int]) -> None:
        async def ready(pilot: Any) -> None:
            await _settle(pilot, lambda app: app.overview is not None)

        assert snap_compare(app_for(server), terminal_size=size, run_before=ready)

    def test_exceptions_with_a_refund_mismatch_open(
        self, snap_compare: Any, server: str, size: tuple[int, int]
    ) -> None:
        async def ready(pilot: Any) -> None:
            await pilot.press("2")
            await _settle(pilot, lambda app: app.screen.shown is not None)
            await pilot.press("enter")  # the first row: the refund mismatch
            await _settle(pilot, lambda app: app.screen.selected is not None)

        assert snap_compare(app_for(server), terminal_size=size, run_before=ready)

    def test_returns_timeline(self, snap_compare: Any, server: str, size: tuple[int, int]) -> None:
        async def ready(pilot: Any) -> None:
            await pilot.press("3", "slash", *"RB-1042", "enter")
            await _settle(pilot, lambda app: app.screen.return_id == "RB-1042")

        assert snap_compare(app_for(server), terminal_size=size, run_before=ready)

    def test_returns_ledger(self, snap_compare: Any, server: str, size: tuple[int, int]) -> None:
        async def ready(pilot: Any) -> None:
            await pilot.press("3", "slash", *"RB-1042", "enter")
            await _settle(pilot, lambda app: app.screen.return_id == "RB-1042")
            await pilot.press("escape", "g")
            await _settle(pilot, lambda app: app.screen.query_one("TabbedContent").active == "ledger")

        assert snap_compare(app_for(server), terminal_size=size, run_before=ready)

    def test_dead_letter_open(self, snap_compare: Any, server: str, size: tuple[int, int]) -> None:
        async def ready(pilot: Any) -> None:
            await pilot.press("4")
            await _settle(pilot, lambda app: app.screen.query_one("DataTable").row_count == 1)
            await pilot.press("enter")
            await _settle(pilot, lambda app: app.screen.detail is not None)

        assert snap_compare(app_for(server), terminal_size=size, run_before=ready)


def test_help_in_the_light_theme(snap_compare: Any, server: str) -> None:
    async def ready(pilot: Any) -> None:
        await _settle(pilot, lambda app: app.overview is not None)
        await pilot.press("ctrl+t", "question_mark")
        await pilot.pause()

    assert snap_compare(app_for(server), terminal_size=(80, 24), run_before=ready)


def test_money_confirmation(snap_compare: Any, server: str) -> None:
    async def ready(pilot: Any) -> None:
        await pilot.press("2")
        await _settle(pilot, lambda app: app.screen.shown is not None)
        await pilot.press("down", "down", "down", "enter")  # the failed refund
        await _settle(pilot, lambda app: app.screen.selected is not None)
        await pilot.press("y")
        await _settle(pilot, lambda app: type(app.screen).__name__ == "FormModal")

    assert snap_compare(app_for(server), terminal_size=(80, 24), run_before=ready)


KINDS: dict[str, type[msgspec.Struct]] = {
    "/api/overview": views.Overview,
    "/api/exceptions": views.ExceptionList,
    "/api/exceptions/3": views.ExceptionDetail,
    "/api/exceptions/7": views.ExceptionDetail,
    "/api/returns": views.ReturnList,
    "/api/returns/RB-1042": views.ReturnDetail,
    "/api/dead-letters": views.DeadLetterList,
}


def kind_of(path: str) -> type[msgspec.Struct]:
    return KINDS.get(path, views.DeadLetterDetail)


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_canned_matches_the_api(path: str) -> None:
    """Every canned answer is the daemon's own response struct, and what goes over the wire has exactly
    its fields, recursively, and decodes back into it."""
    kind = kind_of(path)
    assert isinstance(ROUTES[path], kind)
    wire = msgspec.json.encode(ROUTES[path])
    _conforms(msgspec.inspect.type_info(kind), msgspec.json.decode(wire), path)
    assert isinstance(msgspec.json.decode(wire, type=kind), kind)


@pytest.mark.parametrize("item", EXCEPTIONS, ids=lambda item: item.type)
def test_canned_actions_are_the_daemons(item: views.ExceptionView) -> None:
    """Each canned exception offers exactly the actions the daemon would list for its evidence."""
    fields = {f.name for f in msgspec.structs.fields(ExceptionRecord)}
    record = msgspec.convert(
        {k: v for k, v in msgspec.structs.asdict(item).items() if k in fields}
        | {"evidence": bytes(item.evidence)},
        ExceptionRecord,
    )
    assert item.actions == allowed_actions(record)


def _conforms(info: msgspec.inspect.Type, value: Any, where: str) -> None:
    if isinstance(info, msgspec.inspect.StructType):
        assert isinstance(value, dict), where
        names = {f.encode_name for f in info.fields}
        assert set(value) == names, f"{where}: {set(value) ^ names}"
        for f in info.fields:
            _conforms(f.type, value[f.encode_name], f"{where}.{f.name}")
    elif isinstance(info, msgspec.inspect.ListType):
        assert isinstance(value, list), where
        for n, item in enumerate(value):
            _conforms(info.item_type, item, f"{where}[{n}]")
    elif isinstance(info, msgspec.inspect.UnionType) and value is not None:
        structs = [t for t in info.types if isinstance(t, msgspec.inspect.StructType)]
        if structs:
            _conforms(structs[0], value, where)
