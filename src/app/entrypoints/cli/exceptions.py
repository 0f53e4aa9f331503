"""`backflow exceptions list|show|ack|retry|resolve|decide|reanchor`: the admin API from a terminal.

It talks to the running daemon over HTTP (`BACKFLOW_ADMIN_URL`, default the daemon's own host and
port, with `BACKFLOW_ADMIN_TOKEN`), so an action runs the same use case as the TUI's, is audited
under the same actor header, and wakes the daemon's relay at once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from typing import Any

import aiohttp
import anyio

from backflow.app.entrypoints.cli.common import say

ACTIONS = ("ack", "retry", "resolve", "decide", "reanchor")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "exceptions", help="list and act on exceptions (through the daemon's admin API)", description=__doc__
    )
    parser.add_argument("--url", help="admin API base URL (default $BACKFLOW_ADMIN_URL or the daemon's)")
    parser.add_argument("--as", dest="actor", help="who acts, for the audit trail (default: $USER)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON as is")
    actions = parser.add_subparsers(dest="exceptions_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="unresolved exceptions (filters optional)")
    listing.add_argument("--owner", choices=("cx", "finance", "operations", "merchandising"))
    listing.add_argument("--type")
    listing.add_argument("--state", choices=("open", "acknowledged", "resolved", "any"))
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(handler=main, method="GET")
    show = actions.add_parser("show", help="one exception with its evidence and history")
    show.add_argument("id", type=int)
    show.set_defaults(handler=main, method="GET")
    for name, text in (
        ("ack", "acknowledge: you own it now"),
        ("retry", "queue the exception's retry now"),
        ("resolve", "resolve with a note saying what was done"),
        ("decide", "decide a refund mismatch"),
        ("reanchor", "re-anchor an orphan or mismatched return to an order number"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int)
        if name == "decide":
            action.add_argument("decision", choices=("approve_backflow", "approve_rebound", "reject"))
        if name == "reanchor":
            action.add_argument("order_number")
        action.add_argument("--note", required=name == "resolve")
        action.set_defaults(handler=main, method="POST")


def base_url(env: dict[str, str] | os._Environ[str]) -> str:
    if env.get("BACKFLOW_ADMIN_URL"):
        return env["BACKFLOW_ADMIN_URL"].rstrip("/")
    host = env.get("BACKFLOW_HTTP_HOST", "127.0.0.1")
    return (
        f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{env.get('BACKFLOW_HTTP_PORT', '8080')}"
    )


def request_of(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    command = args.exceptions_command
    if command == "list":
        query = {"owner": args.owner, "type": args.type, "state": args.state, "limit": args.limit}
        text = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
        return "GET", f"/api/exceptions?{text}", None
    if command == "show":
        return "GET", f"/api/exceptions/{args.id}", None
    body: dict[str, Any] = {"note": args.note} if args.note else {}
    if command == "decide":
        body["decision"] = args.decision
    if command == "reanchor":
        body["order_number"] = args.order_number
    if command == "resolve":
        body["note"] = args.note
    return "POST", f"/api/exceptions/{args.id}/{command}", body


def main(args: argparse.Namespace) -> int:
    env = os.environ
    method, path, body = request_of(args)
    headers = {"X-Backflow-Actor": args.actor or env.get("USER") or getpass.getuser()}
    if env.get("BACKFLOW_ADMIN_TOKEN"):
        headers["Authorization"] = f"Bearer {env['BACKFLOW_ADMIN_TOKEN']}"
    url = (args.url or base_url(env)).rstrip("/") + path

    async def call() -> tuple[int, Any]:
        timeout = aiohttp.ClientTimeout(total=30)
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.request(method, url, json=body, headers=headers) as response,
        ):
            return response.status, await response.json(content_type=None)

    try:
        status, answer = anyio.run(call, backend="asyncio")
    except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
        say(f"backflow: cannot reach the admin API at {url}: {exc}", error=True)
        return 2
    if status >= 400:
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        say(f"backflow: {error.get('code', status)}: {error.get('message', answer)}", error=True)
        return 1
    say(json.dumps(answer, indent=2) if args.json else describe(args.exceptions_command, answer))
    return 0


def describe(command: str, answer: dict[str, Any]) -> str:
    if command == "list":
        lines = [f"{'id':>6}  {'owner':<13} {'type':<24} {'state':<12} {'count':>5}  return / order"]
        for e in answer["items"]:
            subject = " / ".join(x for x in (e["return_id"], e["order_ref"]) if x)
            lines.append(
                f"{e['id']:>6}  {e['owner']:<13} {e['type']:<24} {e['state']:<12} {e['count']:>5}  {subject}"
            )
        return "\n".join(lines) + f"\n{answer['count']} exception(s)"
    e = answer.get("exception", answer)
    exception = e
    lines = [
        f"exception {e['id']}: {e['type']} ({e['severity']}) for {e['owner']}",
        f"state: {exception['state']}  seen {exception['count']}x since {exception['first_seen']}",
        f"return: {exception['return_id'] or '-'}  order: {exception['order_ref'] or '-'}",
        f"actions: {', '.join(exception['actions']) or 'none'}",
    ]
    if exception.get("changed_by"):
        lines.append(
            f"last changed by {exception['changed_by']} at {exception['changed_at']}: {exception['note']}"
        )
    if command == "show":
        lines.append("evidence: " + json.dumps(exception["evidence"], indent=2))
        lines += [
            f"  {e['at']}  {e['action']:<14} {e['actor'] or '-':<12} {e['note'] or ''}"
            for e in answer["events"]
        ]
    if command == "retry":
        lines.append(
            "retry already queued" if answer["duplicate"] else f"retry queued as {answer['outbox_id']}"
        )
    return "\n".join(lines)
