"""`python -m devtools.commercetools_sim --port N`: serve the simulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from devtools.commercetools_sim.app import run_simulator
from devtools.commercetools_sim.options import SimulatorOptions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.commercetools_sim")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8989)
    parser.add_argument("--project-key", default="backflow-sim")
    parser.add_argument("--client-id", default="sim-client")
    parser.add_argument("--client-secret", default="sim-secret")
    parser.add_argument("--lenient-returns", action="store_true", help="allow Advised→Returned directly")
    parser.add_argument("--push-url", default=None)
    parser.add_argument("--push-format", choices=("Platform", "CloudEvents"), default="Platform")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    options = SimulatorOptions(
        project_key=args.project_key,
        client_id=args.client_id,
        client_secret=args.client_secret,
        strict_return_transitions=not args.lenient_returns,
        push_url=args.push_url,
        push_format=args.push_format,
        seed=args.seed,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_simulator(args.host, args.port, options))
    return 0


if __name__ == "__main__":
    sys.exit(main())
