"""The PostgreSQL side of the chaos run (bench/chaos.py --store postgresql): the database (its own
server in a temporary directory unless a URL is given), the restart of that server in the middle of
the day with probes of one replica while it is down, and re-sends of webhooks Backflow already
stored, freshly signed, straight to random replicas (duplicates that bypass the balancer)."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from backflow.adapters.rebound import signature
from backflow.devtools.net import wait_for
from backflow.devtools.postgres_server import PostgresServer, StopMode, find_bindir
from backflow.devtools.stack.http import request
from backflow.devtools.stack.launcher import Stack

KEPT_HEADERS = ("Content-Type", "ReBound-Event-Id", "ReBound-Event-Type")
UNREACHABLE = "the PostgreSQL server cannot be reached"
"""What /readyz must say while the server is down (app/runtime/health)."""


@dataclass(frozen=True)
class Database:
    url: str
    server: PostgresServer | None
    """The server the run may restart; None for a database given by URL (not ours to restart)."""


@contextmanager
def own_database(pg_url: str | None) -> Iterator[Database]:
    """`pg_url` as given, or a fresh durable server of our own (a crash loses nothing it acknowledged)
    with an empty database, stopped and deleted afterwards."""
    if pg_url:
        yield Database(pg_url, None)
        return
    server = PostgresServer(find_bindir(), durable=True)
    try:
        server.start()
        yield Database(server.create_database("backflow"), server)
    finally:
        server.stop()


def stored_webhooks(db_url: str, count: int, rng: random.Random) -> list[tuple[bytes, dict[str, str]]]:
    """Up to `count` ReBound webhooks Backflow has stored: (body, the headers to send it again with)."""
    with psycopg.connect(db_url, connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT body, headers FROM inbox WHERE source = 'rebound' ORDER BY random() LIMIT %s", (count,)
        ).fetchall()
    found = []
    for body, headers in rows:
        folded = {str(k).casefold(): str(v) for k, v in (headers or {}).items()}
        kept = {name: folded[name.casefold()] for name in KEPT_HEADERS if name.casefold() in folded}
        found.append((bytes(body), kept))
    rng.shuffle(found)
    return found


def send_signed(stack: Stack, index: int, body: bytes, headers: dict[str, str]) -> int:
    """POST the webhook to replica `index` itself, signed now; its status (0: nothing answered)."""
    signed = headers | {
        signature.SIGNATURE_HEADER: signature.sign((stack.secrets.webhook_secret,), int(time.time()), body)
    }
    return request(
        "POST", f"{stack.replica_url(index)}/webhooks/rebound", raw=body, headers=signed, timeout=30
    )[0]


def resend_stored(stack: Stack, db_url: str, rng: random.Random, count: int) -> Counter[str]:
    """Re-send `count` stored webhooks to random live replicas: each must be a duplicate (200)."""
    answers: Counter[str] = Counter()
    live = stack.live_replicas()
    for body, headers in stored_webhooks(db_url, count, rng) if live else []:
        answers[str(send_signed(stack, rng.choice(live), body, headers))] += 1
    return answers


def restart_with_probes(
    stack: Stack, database: Database, rng: random.Random, *, down_for: float, ready_within: float = 120
) -> dict[str, Any]:
    """The server down for `down_for` s; meanwhile a signed webhook to one live replica (it must be
    refused with 503, never taken with a 2xx it could not store) and its /readyz (503 with the reason).
    Afterwards every replica must be ready again by itself: the same processes, none restarted."""
    assert database.server is not None
    mode: StopMode = "immediate" if database.server.durable else "fast"
    before = {i: stack.daemons[i].pid for i in stack.live_replicas()}
    probe = stored_webhooks(database.url, 1, rng)
    index = rng.choice(sorted(before))
    seen: dict[str, Any] = {"mode": mode, "down_seconds": down_for, "probed_replica": index}

    def probe_while_down() -> None:
        if probe:
            seen["webhook_status"] = send_signed(stack, index, *probe[0])
        status, answer = request("GET", f"{stack.replica_url(index)}/readyz", timeout=30)
        seen["readyz_status"] = status
        seen["readyz_reasons"] = answer.get("reasons") if isinstance(answer, dict) else answer

    began = time.monotonic()
    database.server.restart(mode=mode, down_for=down_for, while_down=probe_while_down)
    up = time.monotonic()

    def all_ready() -> bool:
        return all(request("GET", f"{stack.replica_url(i)}/readyz", timeout=5)[0] == 200 for i in before)

    wait_for(all_ready, ready_within, "every replica ready again after the database restart", every=0.2)
    seen["outage_seconds"] = round(up - began, 1)
    seen["ready_again_after_seconds"] = round(time.monotonic() - up, 1)
    seen["replicas_restarted"] = sorted(i for i, pid in before.items() if stack.daemons[i].pid != pid)
    if probe:
        seen["webhook_status_after"] = send_signed(stack, index, *probe[0])
    return seen


def restart_problems(seen: dict[str, Any]) -> list[str]:
    """What the probes say went wrong (empty: the restart behaved as promised)."""
    problems = []
    if seen.get("webhook_status") != 503:
        problems.append(f"webhook while the database was down: {seen.get('webhook_status')}, not 503")
    reasons = seen.get("readyz_reasons") or []
    if seen.get("readyz_status") != 503 or not any(UNREACHABLE in str(r) for r in reasons):
        problems.append(f"/readyz while the database was down: {seen.get('readyz_status')} {reasons}")
    if seen.get("replicas_restarted"):
        problems.append(f"replicas restarted to reconnect: {seen['replicas_restarted']}")
    if seen.get("webhook_status_after") not in (None, 200):
        problems.append(f"the probe's webhook sent again after the restart: {seen['webhook_status_after']}")
    return problems


def figures(
    stack: Stack, database: Database, restart: dict[str, Any] | None, resent: Counter[str]
) -> dict[str, Any]:
    """What the replicas, the balancer, the direct re-sends and the database restart did."""
    found: dict[str, Any] = {
        "replicas": stack.replicas,
        "balancer": dict(sorted(stack.balancer.counts.items())) if stack.balancer else None,
        # Each re-send of a stored webhook must be answered 200 (a duplicate); 0 or 502: the replica
        # had just been killed; 202 would be an event stored twice.
        "webhooks_resent_to_replicas": dict(sorted(resent.items())),
    }
    if database.server is None:
        found["database_restart"] = "not done: the server at --pg-url is not ours to restart"
        found["database_restart_problems"] = []
    else:
        found["database_restart"] = restart
        found["database_restart_problems"] = restart_problems(restart) if restart else ["never restarted"]
    return found


def failed(figures: dict[str, Any]) -> bool:
    """Anything lost, duplicated or wrong, or a database restart that did not behave."""
    return bool(
        figures["lost"]
        or figures["duplicates_found"]
        or figures["wrong"]
        or figures.get("database_restart_problems")
    )


@contextmanager
def chosen(store: str, pg_url: str | None, database: Database | None) -> Iterator[Database | None]:
    """None for SQLite; else `database` (the tests' server and a fresh database), or `own_database`."""
    if store == "sqlite":
        yield None
    elif database is not None:
        yield database
    else:
        with own_database(pg_url) as own:
            yield own
