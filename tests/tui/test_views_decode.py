"""A newer daemon still works with an older TUI: the TUI decodes the daemon's own view structs, and a
field it does not know (at any depth) is ignored rather than refused."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import msgspec
import pytest
from aiohttp import web

from backflow.tui.client import AdminClient, ExceptionFilters, _api_error
from backflow.tui.config import ClientConfig
from tests.tui.canned import DEAD_ROW, ROUTES
from tests.tui.test_snapshots import kind_of

pytestmark = pytest.mark.anyio
EXTRA = {"added_later": {"by": "a newer daemon", "values": [1, 2]}}


def with_extra_fields(info: msgspec.inspect.Type, value: Any) -> Any:
    """`value` (decoded JSON of type `info`) with an unknown field added to every struct in it."""
    if isinstance(info, msgspec.inspect.StructType):
        fields = {f.encode_name: with_extra_fields(f.type, value[f.encode_name]) for f in info.fields}
        return value | fields | EXTRA
    if isinstance(info, msgspec.inspect.ListType):
        return [with_extra_fields(info.item_type, item) for item in value]
    if isinstance(info, msgspec.inspect.UnionType) and value is not None:
        structs = [t for t in info.types if isinstance(t, msgspec.inspect.StructType)]
        return with_extra_fields(structs[0], value) if structs else value
    return value


def newer(path: str) -> bytes:
    kind = kind_of(path)
    plain = msgspec.json.decode(msgspec.json.encode(ROUTES[path]))
    return msgspec.json.encode(with_extra_fields(msgspec.inspect.type_info(kind), plain))


@pytest.fixture
async def newer_daemon() -> AsyncIterator[str]:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=newer(request.path), content_type="application/json")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    with anyio.fail_after(10):
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        with anyio.fail_after(10):
            await runner.cleanup()


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_the_extra_fields_are_really_there(path: str) -> None:
    """At the top and in nested structs alike (every answer nests at least one)."""
    assert newer(path).count(b'"added_later"') >= 2
    assert "added_later" not in {f.name for f in msgspec.structs.fields(kind_of(path))}


async def test_an_older_tui_reads_every_answer_of_a_newer_daemon(newer_daemon: str) -> None:
    client = AdminClient(ClientConfig(url=newer_daemon, token="t"))
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "/api/overview": client.overview,
        "/api/exceptions": lambda: client.exceptions(ExceptionFilters()),
        "/api/exceptions/3": lambda: client.exception(3),
        "/api/exceptions/7": lambda: client.exception(7),
        "/api/returns": lambda: client.search_returns("RB"),
        "/api/returns/RB-1042": lambda: client.return_detail("RB-1042"),
        "/api/dead-letters": client.dead_letters,
        f"/api/dead-letters/{DEAD_ROW.id}": lambda: client.dead_letter(DEAD_ROW.id),
    }
    assert set(calls) == set(ROUTES)
    try:
        with anyio.fail_after(20):
            for path, call in calls.items():
                expected = msgspec.json.decode(msgspec.json.encode(ROUTES[path]), type=kind_of(path))
                assert await call() == expected, path
    finally:
        await client.close()


def test_an_error_body_with_extra_fields_keeps_its_code_and_message() -> None:
    raw = b'{"error": {"code": "not_found", "message": "no such exception", "hint": "h"}, "trace": "x"}'
    error = _api_error(404, raw)
    assert (error.status, error.code, error.message) == (404, "not_found", "no such exception")
