"""`backflow sim rebound [options]` (or `python -m devtools.rebound_sim`): serve the simulator
on 127.0.0.1 until interrupted. The API client, its secret, the webhook secret and the flow key
default to the `REBOUND_*` variables the daemon reads, so one set of exported variables serves both."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping

import anyio

from backflow.devtools.rebound_sim import SimOptions, run_simulator
from backflow.devtools.rebound_sim.tracking_format import auth_headers

PROG = "python -m devtools.rebound_sim"
DEFAULTS = SimOptions()


def build_parser(prog: str = PROG, env: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(
        prog=prog,
        description="The ReBound returns platform in one process on 127.0.0.1: OAuth token endpoint, sales "
        "orders, returns and events (/v2), signed webhooks to --webhook-url, and a control surface under "
        "/_sim/ (script, day, advance, faults, state). Point the daemon at it with REBOUND_API_URL = "
        "http://127.0.0.1:PORT.",
    )
    parser.add_argument("--port", type=int, default=8090, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--client-id",
        default=env.get("REBOUND_CLIENT_ID") or DEFAULTS.client_id,
        help="the one API client the token endpoint accepts (default: $REBOUND_CLIENT_ID, else %(default)s)",
    )
    parser.add_argument(
        "--client-secret",
        default=env.get("REBOUND_CLIENT_SECRET") or DEFAULTS.client_secret,
        help="that client's secret (default: $REBOUND_CLIENT_SECRET, else the simulator's own)",
    )
    parser.add_argument(
        "--webhook-secret",
        default=env.get("REBOUND_WEBHOOK_SECRET") or ",".join(DEFAULTS.webhook_secrets),
        help="the secret webhooks are signed with; comma-separated, several while rotating (each gets a "
        "v1 signature) (default: $REBOUND_WEBHOOK_SECRET, else the simulator's own)",
    )
    parser.add_argument(
        "--flow-key",
        default=env.get("REBOUND_FLOW_KEY") or None,
        help="when set, every API call must carry it as X-ReBound-Flow-Key (default: $REBOUND_FLOW_KEY, "
        "else none)",
    )
    parser.add_argument(
        "--webhook-url",
        default=None,
        help="where webhooks are delivered, e.g. http://127.0.0.1:8080/webhooks/rebound (default: none, "
        "nothing is delivered)",
    )
    tracking = parser.add_argument_group(
        "tracking updates",
        "each milestone (created, in transit, at hub, delivered) in ReBound's published format over "
        "every channel given here",
    )
    tracking.add_argument(
        "--tracking-url",
        default=None,
        help="post them here, e.g. http://127.0.0.1:8080/webhooks/rebound/tracking (default: none)",
    )
    tracking.add_argument(
        "--tracking-auth",
        default=env.get("REBOUND_WEBHOOK_AUTH") or DEFAULTS.tracking_auth,
        help="hmac, header:<Header-Name> or basic, as the daemon's REBOUND_WEBHOOK_AUTH (default: "
        "$REBOUND_WEBHOOK_AUTH, else %(default)s)",
    )
    tracking.add_argument(
        "--tracking-secret",
        default=None,
        help="the token (basic: user:password) (default: the first webhook secret)",
    )
    tracking.add_argument(
        "--push-url",
        default=None,
        help="push them as Google Pub/Sub does, with an OIDC token whose certificate is served at "
        "/_sim/oidc/certs, e.g. http://127.0.0.1:8080/events/rebound?token=T (default: none)",
    )
    tracking.add_argument(
        "--push-audience", default=None, help="the token's audience (default: the push URL without query)"
    )
    tracking.add_argument(
        "--push-email", default=DEFAULTS.push_email, help="the token's email (default: %(default)s)"
    )
    tracking.add_argument(
        "--sftp-dir",
        default=None,
        help="write each as a file into this folder, the drop folder an SFTP server serves (default: none)",
    )
    tracking.add_argument(
        "--sftp-serve",
        metavar="ROOT",
        default=None,
        help="run an SFTP server on 127.0.0.1 serving ROOT and write the files into ROOT/drop; its host key "
        "goes to ROOT.known_hosts (for REBOUND_SFTP_KNOWN_HOSTS); password login (default: none)",
    )
    tracking.add_argument("--sftp-port", type=int, default=0, help="its port (default: any free one)")
    tracking.add_argument("--sftp-user", default=DEFAULTS.sftp_user, help="its login (default: %(default)s)")
    tracking.add_argument(
        "--sftp-password",
        default=env.get("REBOUND_SFTP_PASSWORD") or DEFAULTS.sftp_password,
        help="its password (default: $REBOUND_SFTP_PASSWORD, else the simulator's own)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=DEFAULTS.time_scale,
        help="simulated seconds per real second; 0 moves time only through POST /_sim/advance "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULTS.seed, help="seed of the generated days (default: %(default)s)"
    )
    return parser


def main(argv: list[str] | None = None, *, prog: str = PROG, env: Mapping[str, str] | None = None) -> int:
    parser = build_parser(prog, env)
    args = parser.parse_args(argv)
    try:
        auth_headers(args.tracking_auth, "check", b"", 0)
    except ValueError as exc:
        parser.error(str(exc))
    options = SimOptions(
        seed=args.seed,
        client_id=args.client_id,
        client_secret=args.client_secret,
        flow_key=args.flow_key,
        time_scale=args.time_scale,
        webhook_url=args.webhook_url,
        webhook_secrets=tuple(part.strip() for part in args.webhook_secret.split(",") if part.strip()),
        tracking_url=args.tracking_url,
        tracking_auth=args.tracking_auth,
        tracking_secret=args.tracking_secret,
        push_url=args.push_url,
        push_audience=args.push_audience,
        push_email=args.push_email,
        sftp_dir=args.sftp_dir,
        sftp_root=args.sftp_serve,
        sftp_port=args.sftp_port,
        sftp_user=args.sftp_user,
        sftp_password=args.sftp_password,
    )
    try:
        anyio.run(run_simulator, "127.0.0.1", args.port, options)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
