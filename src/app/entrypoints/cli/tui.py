"""`backflow tui`: the operator console, connected to a running daemon through its admin API."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from backflow.app.entrypoints.cli.common import say


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tui",
        help="the operator console (connects to a running daemon)",
        description="Open the operator TUI. It reaches the daemon's admin API at BACKFLOW_HTTP_HOST:"
        "BACKFLOW_HTTP_PORT with BACKFLOW_ADMIN_TOKEN, unless --url/--token or --env-file say otherwise "
        "(flags win over the env file, which wins over the environment).",
    )
    parser.add_argument("--url", help="the daemon's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--token", help="the admin bearer token (default: BACKFLOW_ADMIN_TOKEN)")
    parser.add_argument("--env-file", type=Path, help="a file of KEY=value lines, e.g. var/demo.env")
    parser.add_argument("--actor", help="the name recorded with your actions (default: tui:<user>)")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    # Lazily: Textual and the console's 26 modules are for the operator, not for `backflow run`.
    from backflow.tui.app import make_app
    from backflow.tui.config import ConfigError, resolve_config

    try:
        config = resolve_config(
            os.environ, url=args.url, token=args.token, env_file=args.env_file, actor=args.actor
        )
    except ConfigError as exc:
        say(f"backflow tui: {exc}", error=True)
        return 2
    make_app(config).run()
    return 0
