"""`backflow inbox export --quarantined [--output FILE]`: the inbox rows kept quarantined, as JSON lines.

Bodies nobody could read and, with `BACKFLOW_CAPTURE_UNKNOWN=1`, the requests a ReBound endpoint
refused (credentials masked): the samples an implementation team builds a retailer's mapping from.
One object per line: where the row came from, why it was kept, its headers and its body (as JSON
when it is JSON, else `body_text`, or `body_base64` when it is not UTF-8).
"""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path
from typing import Any

import anyio
import msgspec

from backflow.app.bootstrap.stores import open_admin_store
from backflow.app.core.settings import ConfigError, Settings
from backflow.app.entrypoints.cli.common import load_settings, say
from backflow.app.entrypoints.cli.output_file import OutputRefused, check_output, write_output
from backflow.ports.inbox import StoredInboundEvent

PAGE = 500


def register(subparsers: Any) -> None:
    inbox = subparsers.add_parser("inbox", help="read the inbox", description=__doc__)
    actions = inbox.add_subparsers(dest="inbox_action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write inbox rows as JSON lines")
    export.add_argument("--quarantined", action="store_true", required=True, help="the quarantined rows")
    export.add_argument("--output", type=Path, help="a file to write (default: standard output)")
    export.add_argument("--force", action="store_true", help="overwrite --output if it exists")
    export.set_defaults(handler=export_main)


def export_main(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 2
    try:
        if args.output is not None:
            check_output(args.output, force=args.force)
        text = anyio.run(quarantined_lines, settings, backend="asyncio")
        if args.output is None:
            sys.stdout.write(text)
        else:
            write_output(args.output, text, force=args.force)
    except OutputRefused as refused:
        say(f"backflow: {refused}", error=True)
        return refused.code
    except ConfigError as exc:
        say(f"backflow: inbox export: {exc}", error=True)
        return 2
    return 0


async def quarantined_lines(settings: Settings) -> str:
    lines: list[str] = []
    async with open_admin_store(settings) as admin:
        after = 0
        while True:
            page = await admin.quarantined_inbox(limit=PAGE, after_seq=after)
            lines.extend(msgspec.json.encode(row_view(row)).decode() + "\n" for row in page)
            if len(page) < PAGE:
                return "".join(lines)
            after = page[-1].seq


def row_view(stored: StoredInboundEvent) -> dict[str, object]:
    event = stored.event
    view: dict[str, object] = {
        "seq": stored.seq,
        "source": event.source,
        "source_id": event.source_id,
        "kind": event.kind,
        "received_at": event.received_at,
        "status": stored.status.value,
        "reason": event.quarantine_reason,
        "headers": event.headers,
    }
    try:
        view["body"] = msgspec.json.decode(event.body)
    except msgspec.DecodeError:
        try:
            view["body_text"] = event.body.decode("utf-8")
        except UnicodeDecodeError:
            view["body_base64"] = base64.b64encode(event.body).decode("ascii")
    return view
