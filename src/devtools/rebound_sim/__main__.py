"""`python -m devtools.rebound_sim --port N [--seed S] [--time-scale X] [--webhook-url URL]`."""

from __future__ import annotations

import argparse
import sys

import anyio

from devtools.rebound_sim import SimOptions, run_simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.rebound_sim")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-scale", type=float, default=0.0, help="simulated seconds per real second")
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument(
        "--webhook-secret", default="whsec-sim", help="comma-separated, several while rotating"
    )
    parser.add_argument("--client-secret", default="sim-client-secret", help="the API client's secret")
    args = parser.parse_args(argv)
    options = SimOptions(
        seed=args.seed,
        client_secret=args.client_secret,
        time_scale=args.time_scale,
        webhook_url=args.webhook_url,
        webhook_secrets=tuple(part for part in args.webhook_secret.split(",") if part),
    )
    try:
        anyio.run(run_simulator, "127.0.0.1", args.port, options)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
