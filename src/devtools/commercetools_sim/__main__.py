"""`backflow sim commercetools [options]` (or `python -m devtools.commercetools_sim`): serve the
simulator until interrupted. The credentials and project key default to the `CTP_*` variables the
daemon reads, so one set of exported variables serves the daemon and the simulator alike."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Mapping

from backflow.devtools.commercetools_sim.app import run_simulator
from backflow.devtools.commercetools_sim.options import SimulatorOptions

PROG = "python -m devtools.commercetools_sim"
DEFAULTS = SimulatorOptions()


def build_parser(prog: str = PROG, env: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(
        prog=prog,
        description="A commercetools project in one process on 127.0.0.1: OAuth token endpoint, orders, "
        "payments, inventory, types, messages, and Pub/Sub push delivery, with a control surface under "
        "/_sim/ (seed, state, faults). Point the daemon at it with CTP_AUTH_URL and CTP_API_URL = "
        "http://HOST:PORT.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8989, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--project-key",
        default=env.get("CTP_PROJECT_KEY") or DEFAULTS.project_key,
        help="the project key in every API path (default: $CTP_PROJECT_KEY, else %(default)s)",
    )
    parser.add_argument(
        "--client-id",
        default=env.get("CTP_CLIENT_ID") or DEFAULTS.client_id,
        help="the one API client the token endpoint accepts (default: $CTP_CLIENT_ID, else %(default)s)",
    )
    parser.add_argument(
        "--client-secret",
        default=env.get("CTP_CLIENT_SECRET") or DEFAULTS.client_secret,
        help="that client's secret (default: $CTP_CLIENT_SECRET, else the simulator's own)",
    )
    parser.add_argument(
        "--lenient-returns",
        action="store_true",
        help="accept any setReturnShipmentState transition (e.g. Advised to Returned directly); by "
        "default only Returned to BackInStock/Unusable is, as commercetools enforces since July 2026",
    )
    parser.add_argument(
        "--lenient-import",
        action="store_true",
        help="let /orders/import set a line's totalPrice, taxedPrice and discountedPricePerQuantity and "
        "the order's discountOnTotalPrice (old fixtures); by default they are refused with 400 "
        "InvalidInput, as commercetools' OrderImportDraft has no such fields",
    )
    parser.add_argument(
        "--push-url",
        default=None,
        help="POST every new message here as a Google Pub/Sub push request, e.g. "
        "http://127.0.0.1:8080/events/commercetools (add ?token=... when the daemon has "
        "BACKFLOW_PUSH_TOKEN); default: no pushes",
    )
    parser.add_argument(
        "--push-format",
        choices=("Platform", "CloudEvents"),
        default="Platform",
        help="the subscription's payload format inside the push envelope (default: %(default)s)",
    )
    parser.add_argument(
        "--push-types",
        default="",
        metavar="TYPE,TYPE",
        help="push only these message types, comma-separated, like a Subscription whose messages name "
        "their types (e.g. OrderCreated,OrderImported); default: every type",
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the generated ids and faults (default: %(default)s)"
    )
    return parser


def main(argv: list[str] | None = None, *, prog: str = PROG, env: Mapping[str, str] | None = None) -> int:
    args = build_parser(prog, env).parse_args(argv)
    options = SimulatorOptions(
        project_key=args.project_key,
        client_id=args.client_id,
        client_secret=args.client_secret,
        strict_return_transitions=not args.lenient_returns,
        lenient_import=args.lenient_import,
        push_url=args.push_url,
        push_format=args.push_format,
        push_types=tuple(t.strip() for t in args.push_types.split(",") if t.strip()),
        seed=args.seed,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_simulator(args.host, args.port, options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
