"""`backflow reasons reapply` and `backflow replay --since ISO`: use cases of the flows, run once.

They run on the same store and ports as the daemon (safe beside a running daemon: the store
serialises writes, and every effect is idempotent by its key), their dependencies bound by name the
way the daemon binds its flows'.
"""

from __future__ import annotations

import argparse
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import anyio

from backflow.app.bootstrap.wiring import open_wiring
from backflow.app.core.startup_errors import classify
from backflow.app.entrypoints.cli.common import load_settings, say
from backflow.app.returns.reapply_reasons import reapply_reason_codes
from backflow.app.returns.replay import replay_rebound_events

log = logging.getLogger("backflow.app.cli")


def register(subparsers: Any) -> None:
    reasons = subparsers.add_parser(
        "reasons", help="reason-code mapping tasks", description="Reason-code mapping tasks."
    )
    actions = reasons.add_subparsers(dest="reasons_command", metavar="ACTION", required=True)
    reapply = actions.add_parser(
        "reapply",
        help="apply the current [reasons] table to stored returns",
        description="Re-map every stored return's reason codes with the current [reasons] table and "
        "update commercetools where the mapped key changed.",
    )
    reapply.set_defaults(handler=reapply_main)

    replay = subparsers.add_parser(
        "replay",
        help="replay ReBound events since a moment",
        description="Fetch every ReBound event emitted since --since and process those not yet seen "
        "(repairs missed webhooks).",
    )
    replay.add_argument("--since", required=True, type=_moment, help="ISO 8601 with a timezone")
    replay.set_defaults(handler=replay_main)


def reapply_main(_: argparse.Namespace) -> int:
    return _run_use_case(reapply_reason_codes)


def replay_main(args: argparse.Namespace) -> int:
    return _run_use_case(functools.partial(replay_rebound_events, since=args.since))


def _run_use_case(use_case: Callable[..., Awaitable[object]]) -> int:
    """`use_case` names its dependencies; every other parameter is given already."""
    settings = load_settings()
    if settings is None:
        return 2

    async def run() -> object:
        async with open_wiring(settings) as composition:
            return await composition.wiring.dependencies().run(use_case)

    try:
        result = anyio.run(run, backend="asyncio")
    except Exception as exc:  # one line naming the setting, as `backflow run` says it (see startup_errors)
        code, line = classify(exc)
        log.debug("command failed", exc_info=exc, extra={"exit_code": int(code)})
        say(f"backflow: {line}", error=True)
        return int(code)
    if result is not None:
        say(result)
    return 0


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a timezone, e.g. 2026-11-28T00:00:00Z")
    return moment
