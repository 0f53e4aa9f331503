"""The chaos run's sections of docs/reliability.md: one per store, the command and the figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.report import replace_section

REPORT = Path(__file__).resolve().parent.parent / "docs" / "reliability.md"

CHECKED = (
    "The check reads the simulators' own state, not Backflow's database: every return in a final "
    "state; each return anchored in commercetools (return info with its item keys), or, where two "
    "returns claim more of a line than was ordered, refused with `return_order_mismatch`; one "
    "Refund transaction per refunded return, matching ReBound's proposal within the documented "
    "rounding tolerance (1 minor unit per line: a partial refund is the line's cumulative share of "
    "what was paid, rounded once: `docs/refunds.md`), acknowledged once; every sellable item "
    "restocked once (stock levels exact, no marker twice) and nothing else; every webhook ReBound "
    "counts as delivered processed (Backflow's inbox, the only record of that); the exceptions the day "
    "calls for present and none twice (admin API); no dead letter.\n\n"
)

SQLITE_DAY = (
    "A busy day (orders checked out in the commercetools simulator, synced to ReBound, a seeded day of "
    "returns booked there and run through every hub step) while the daemon is SIGKILLed at random "
    "moments and restarted, commercetools answers 502/503, hangs past the client timeout, applies "
    "writes and drops the response, and is down for a whole outage, and ReBound answers 429/503 and "
    "duplicates, reorders and (failing deliveries while the daemon is down) delays its webhooks.\n\n"
)

REPLICAS_DAY = (
    "The same busy day and upstream faults, with the daemon as {replicas} replicas on one PostgreSQL "
    "database behind a load balancer (devtools: a random live replica per request, a refused one "
    "skipped, 502 when a replica dies while answering). Each SIGKILL hits a random replica at a random "
    "moment while work is in flight (one time in five two of them at once), and is started again "
    "after 0.2 to 2 s while the others carry on. "
    "ReBound's duplicates reach random replicas through the balancer, and webhooks Backflow already "
    "stored are re-sent, freshly signed, straight to random replicas (`webhooks_resent_to_replicas`: "
    "answers by status; 200 is a duplicate recognised, 0 or 502 a replica just killed). Half-way "
    "through, the PostgreSQL server is stopped (`immediate`: a crash, recovered from its WAL) and "
    "started again a few seconds later on the same port; while it is down a signed webhook sent to one "
    "replica must be answered 503 (never 2xx) and its `/readyz` must say the server cannot be reached "
    "(`database_restart`, with the answers seen), and afterwards every replica must be ready again by "
    "itself, none restarted.\n\n"
    "The machine is shared (2 cores, other engineers' runs beside this one): `load_average_1min` is "
    "the 1-minute load average sampled between ticks.\n\n"
)


def write_report(figures: dict[str, Any], command: str) -> None:
    """The section of this store (and replicas); a quick run's has its own, beside the full run's."""
    if figures.get("store") == "postgresql":
        replicas = figures.get("replicas", 1)
        heading = f"Chaos on PostgreSQL, {replicas} replicas"
        day = REPLICAS_DAY.format(replicas=replicas)
    else:
        heading, day = "Chaos", SQLITE_DAY
    after = "Chaos" if heading != "Chaos" else None  # each store's run beside the SQLite one
    if figures.get("profile") == "quick":
        heading, after = heading + " (quick)", heading
    section = (
        f"## {heading}\n\n"
        f"Command: `{command}`\n\n" + day + CHECKED + "```json\n" + json.dumps(figures, indent=2) + "\n```\n"
    )
    replace_section(REPORT, heading, section, "Reliability", after=after)
