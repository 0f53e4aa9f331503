"""The demo's database, copied to PostgreSQL, gives the same reports: issue 18's "Done when".

    .venv/bin/python -m backflow.devtools.demo.copy_round_trip --pg-url postgresql://…/empty_db
        [--var var/round-trip] [--orders 2000 --returns 600 --seed 7] [--sqlite var/demo.sqlite3]

Runs the demo's day with `--no-keep` (or takes `--sqlite`, a stopped demo database), copies it with
`backflow store copy` into the empty PostgreSQL database, then renders every report in every format
the reports offer (reconciliation: table, csv, json, html; reasons: table, json) from each store, with
one fixed `now` (the reports print when they were generated), and compares them byte for byte.
Prints the copy's row counts, each report's digest, and exits 0 only when every report is identical.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio

from backflow.app.core.settings import Settings, redact_db_url, settings_from_env
from backflow.app.entrypoints.cli.common import say
from backflow.app.entrypoints.cli.report import reasons_text, reconciliation_text
from backflow.app.reports.period import Period
from backflow.devtools.busy_day.plan import DayPlan
from backflow.devtools.demo.run import DemoOptions, run_demo
from backflow.devtools.stack.layout import Layout
from backflow.devtools.stack.processes import BACKFLOW

COPY_SECONDS = 300.0
FORMATS = {"reconciliation": ("table", "csv", "json", "html"), "reasons": ("table", "json")}


@dataclass(frozen=True)
class RoundTrip:
    copy_output: str
    """What `backflow store copy` printed: the rows of every table, counted on both sides."""
    digests: dict[str, tuple[str, str]]
    """Report and format → (sha256 from SQLite, sha256 from PostgreSQL)."""
    sizes: dict[str, int]

    @property
    def identical(self) -> bool:
        return all(lite == pg for lite, pg in self.digests.values())

    def lines(self) -> list[str]:
        lines = [self.copy_output.rstrip(), ""]
        for name, (lite, pg) in self.digests.items():
            verdict = "identical" if lite == pg else f"DIFFERS (postgresql {pg[:16]})"
            lines.append(f"{name:<32} {self.sizes[name]:>8} bytes  sha256 {lite[:16]}  {verdict}")
        lines.append("every report identical" if self.identical else "the reports differ")
        return lines


async def copy_and_compare(sqlite: Path, config: Path | None, pg_url: str, now: datetime) -> RoundTrip:
    command = [*BACKFLOW, "store", "copy", str(sqlite), pg_url]
    with anyio.fail_after(COPY_SECONDS):
        done = await anyio.run_process(command, check=False)
    output = (done.stdout or b"").decode() + (done.stderr or b"").decode()
    if done.returncode != 0:
        raise RuntimeError(f"backflow store copy failed (exit {done.returncode}): {output.strip()}")
    lite, pg = _settings(str(sqlite), config), _settings(pg_url, config)
    # The demo's records carry real times: a period of the days around `now` holds all of them.
    period = Period(first_day=(now - timedelta(days=1)).date(), last_day=(now + timedelta(days=1)).date())
    digests, sizes = {}, {}
    for kind, forms in FORMATS.items():
        for form in forms:
            if kind == "reconciliation":
                before = await reconciliation_text(lite, period, form, now)
                after = await reconciliation_text(pg, period, form, now)
            else:
                before = await reasons_text(lite, None, form, now)
                after = await reasons_text(pg, None, form, now)
            name = f"{kind} --format {form}"
            digests[name] = (_sha256(before), _sha256(after))
            sizes[name] = len(before.encode())
    return RoundTrip(output, digests, sizes)


def _settings(database: str, config: Path | None) -> Settings:
    env = {"BACKFLOW_DB": database} | ({"BACKFLOW_CONFIG": str(config)} if config else {})
    return settings_from_env(env)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def main_async(args: argparse.Namespace) -> int:
    sqlite, config = args.sqlite, None
    if sqlite is None:
        plan = DayPlan(orders=args.orders, returns=args.returns, seed=args.seed)
        options = DemoOptions(var=args.var, plan=plan, keep=False)
        result = await run_demo(options, say)
        say(result.summary)
        if not result.settled or result.disagreements:
            say("the demo day did not settle; nothing copied", error=True)
            return 1
        sqlite = Layout(args.var).db
    config = Layout(sqlite.parent, sqlite.stem).config
    say(f"copying {sqlite} to {redact_db_url(args.pg_url)}")
    trip = await copy_and_compare(sqlite, config if config.exists() else None, args.pg_url, datetime.now(UTC))
    say("\n".join(trip.lines()))
    return 0 if trip.identical else 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--var", type=Path, default=Path("var/round-trip"), help="the demo's files")
    parser.add_argument("--sqlite", type=Path, help="a stopped demo database instead of running the day")
    parser.add_argument("--orders", type=int, default=DayPlan.orders)
    parser.add_argument("--returns", type=int, default=DayPlan.returns)
    parser.add_argument("--seed", type=int, default=DayPlan.seed)
    sys.exit(anyio.run(main_async, parser.parse_args(), backend="asyncio"))


if __name__ == "__main__":
    main()
