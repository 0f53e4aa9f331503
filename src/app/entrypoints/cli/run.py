"""`backflow run [--shadow]`: the daemon, until SIGTERM/SIGINT (exit 0 on a clean stop)."""

from __future__ import annotations

import argparse
from typing import Any

import anyio

from app.bootstrap import bootstrap
from app.commands.common import load_settings, say
from app.core.context import FlowRegistry
from app.core.settings import ConfigError, Settings
from app.runtime.registry import build_registry


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the daemon",
        description="Run the daemon: intake endpoints, actors, scheduled jobs and the admin API. "
        "Configuration comes from BACKFLOW_*, CTP_* and REBOUND_* variables (see the README).",
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
    """Run the daemon until it is stopped; 0 after a clean stop."""
    failure: BaseException | None = None
    try:
        anyio.run(_run, settings, registry, backend="asyncio")
    except* (ConfigError, ValueError, OSError) as group:
        # Bad settings, a registry that cannot run, a port already taken: one line, not a traceback.
        failure = group.exceptions[0]
    if failure is not None:
        say(f"backflow: cannot start: {type(failure).__name__}: {failure}", error=True)
        return 1
    return 0


async def _run(settings: Settings, registry: FlowRegistry) -> None:
    async with bootstrap(settings, registry) as daemon:
        await daemon.run()
