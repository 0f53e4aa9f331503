"""`backflow run [--shadow]`: the daemon, until SIGTERM/SIGINT (exit 0 on a clean stop)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

import anyio

from backflow.app.bootstrap import bootstrap
from backflow.app.core.declarations import FlowRegistry
from backflow.app.core.settings import ConfigError, Settings
from backflow.app.core.startup_errors import EXIT_CODES, classify
from backflow.app.entrypoints.cli.common import load_settings, say
from backflow.app.runtime.registry import build_registry

log = logging.getLogger("backflow.app.run")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the daemon",
        description="Run the daemon: intake endpoints, actors, scheduled jobs and the admin API. "
        "Configuration comes from BACKFLOW_*, CTP_* and REBOUND_* variables (see the README).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--shadow",
        action="store_true",
        help="read both systems but write to neither; record what would have been written",
    )
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    settings = load_settings(shadow=args.shadow)
    if settings is None:
        return 2
    try:
        registry = build_registry(settings)
    except ConfigError as exc:  # the `[actors]` table names an unknown actor or a bad concurrency
        say(f"backflow: configuration error: {exc}", error=True)
        return 2
    return serve(settings, registry)


def serve(settings: Settings, registry: FlowRegistry) -> int:
    """Run the daemon until it is stopped; 0 after a clean stop. A failure is one line on stderr
    naming the setting to fix, with an exit code per kind (`app.core.startup_errors`); its traceback is
    logged at debug level only."""
    started: list[bool] = []  # becomes [True] once the daemon serves
    try:
        anyio.run(_run, settings, registry, started, backend="asyncio")
    except Exception as exc:
        code, line = classify(exc)
        log.debug("backflow failed", exc_info=exc, extra={"exit_code": int(code)})
        what = "stopped" if started else "cannot start"
        say(f"backflow: {what}: {line}", error=True)
        return int(code)
    return 0


async def _run(settings: Settings, registry: FlowRegistry, started: list[bool]) -> None:
    async with bootstrap(settings, registry) as daemon, anyio.create_task_group() as tg:
        await tg.start(daemon.run)
        started.append(True)
