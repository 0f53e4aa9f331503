"""`backflow report reconciliation|reasons`: reports from Backflow's database (read-only; no
commercetools or ReBound needed), to stdout or to `--output PATH` (the path is printed; an existing
file is refused unless `--force`; exit status 2 for that or a directory, 1 when the path cannot be written).

    backflow report reconciliation --from 2026-11-01 --to 2026-11-30 --format html --output var/recon.html
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import msgspec

from backflow.app.bootstrap import open_report_source
from backflow.app.core.settings import ConfigError, Settings
from backflow.app.entrypoints.cli.common import load_settings, say
from backflow.app.entrypoints.cli.output_file import OutputRefused, check_output, write_output
from backflow.app.reports.period import Period
from backflow.app.reports.reasons import ReasonsReport, read_returned_items, reasons_report_of
from backflow.app.reports.reconciliation import build, gather
from backflow.app.reports.render_html import render_html
from backflow.app.reports.render_text import render_csv, render_json, render_table


def register(subparsers: Any) -> None:
    report = subparsers.add_parser(
        "report", help="reports for finance and merchandising", description=__doc__
    )
    kinds = report.add_subparsers(dest="report_kind", metavar="REPORT", required=True)
    recon = kinds.add_parser(
        "reconciliation",
        help="month-end reconciliation: returns, refunds, liability, mismatches, stock, exceptions",
        description="Per currency for the period: returns opened/received/refunded/rejected/cancelled, "
        "refunds issued by original payment and store credit, the pending-credit liability at the end, "
        "mismatches and their decisions, stock restocked and written off, exceptions by owner and age.",
    )
    recon.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD (UTC)")
    recon.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD (UTC), included")
    recon.add_argument("--format", choices=("table", "csv", "json", "html"), default="table")
    recon.add_argument(
        "--output", type=Path, help="write to this file (never over an existing one) and print its path"
    )
    recon.add_argument("--force", action="store_true", help="let --output overwrite an existing file")
    recon.set_defaults(handler=reconciliation_main)
    reasons = kinds.add_parser(
        "reasons",
        help="returns by mapped reason code, product and SKU, with return rates",
        description="Returns by mapped reason code and by SKU (with its product), with the return rate "
        "where the ordered quantities are known (orders Backflow synced).",
    )
    reasons.add_argument("--from", dest="first", help="first day, YYYY-MM-DD (default: all time)")
    reasons.add_argument("--to", dest="last", help="last day, YYYY-MM-DD")
    reasons.add_argument("--format", choices=("table", "json"), default="table")
    reasons.add_argument(
        "--output", type=Path, help="write to this file (never over an existing one) and print its path"
    )
    reasons.add_argument("--force", action="store_true", help="let --output overwrite an existing file")
    reasons.set_defaults(handler=reasons_main)


def reconciliation_main(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 2
    try:
        period = Period.parse(args.first, args.last)
    except ValueError as exc:
        say(f"backflow: {exc}", error=True)
        return 2
    return _emit(
        lambda: reconciliation_text(settings, period, args.format, datetime.now(UTC)),
        args.output,
        force=args.force,
    )


async def reconciliation_text(settings: Settings, period: Period, form: str, now: datetime) -> str:
    async with open_report_source(settings) as source:
        ledgers = await gather(source, period, now)
    report = build(ledgers, period, settings, now)
    renderers = {"table": render_table, "csv": render_csv, "json": render_json, "html": render_html}
    return renderers[form](report)


def reasons_main(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings is None:
        return 2
    period = None
    if args.first or args.last:
        try:
            period = Period.parse(args.first or args.last, args.last or args.first)
        except ValueError as exc:
            say(f"backflow: {exc}", error=True)
            return 2
    return _emit(
        lambda: reasons_text(settings, period, args.format, datetime.now(UTC)), args.output, force=args.force
    )


async def reasons_text(settings: Settings, period: Period | None, form: str, now: datetime) -> str:
    async with open_report_source(settings) as source:
        items = await read_returned_items(source, period, settings)
        report = reasons_report_of(items, await source.ordered_quantities(), period, now)
    if form == "json":
        return msgspec.json.format(msgspec.json.encode(report).decode(), indent=2) + "\n"
    return _reasons_table(report)


def _reasons_table(report: ReasonsReport) -> str:
    lines = ["Returns by reason", f"{'reason':<32} {'returns':>8} {'units':>8}"]
    lines += [f"{r.reason:<32} {r.returns:>8} {r.units:>8}" for r in report.by_reason]
    lines += [
        "",
        "By SKU",
        f"{'sku':<16} {'product':<24} {'reason':<24} {'units':>6} {'ordered':>8} {'rate':>7}",
    ]
    for s in report.by_sku:
        rate = f"{s.return_rate:.1%}" if s.return_rate is not None else "-"
        ordered = str(s.units_ordered) if s.units_ordered is not None else "-"
        product, reason = (s.product or "-")[:24], s.reason[:24]
        lines.append(f"{s.sku:<16} {product:<24} {reason:<24} {s.units_returned:>6} {ordered:>8} {rate:>7}")
    return "\n".join(lines) + "\n"


def _emit(make: Any, output: Path | None, *, force: bool) -> int:
    try:
        if output is not None:
            check_output(output, force=force)  # before the work of building the report
        text = anyio.run(make, backend="asyncio")
        if output is None:
            say(text.rstrip("\n"))
            return 0
        write_output(output, text, force=force)
    except ConfigError as exc:
        say(f"backflow: {exc}", error=True)
        return 2
    except OutputRefused as refused:
        say(f"backflow: {refused}", error=True)
        return refused.code
    say(output)
    return 0
