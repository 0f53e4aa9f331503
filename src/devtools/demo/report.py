"""The demo day's reconciliation report, written by the same command finance runs at month-end."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import anyio

from backflow.devtools.stack.layout import Layout
from backflow.devtools.stack.processes import BACKFLOW

REPORT_SECONDS = 60.0


class ReportError(RuntimeError):
    """The report command failed; the message carries what it printed."""


async def write_reconciliation(layout: Layout, env: dict[str, str], day: datetime | None = None) -> Path:
    """`backflow report reconciliation --format html` over the demo day, into var/; `env` is the whole
    environment of the command (the stack's `child_env()`)."""
    when = (day or datetime.now(UTC)).date().isoformat()
    output = layout.var / f"demo-reconciliation-{when}.html"
    command = [*BACKFLOW, "report", "reconciliation", "--from", when, "--to", when]
    # --force: var/ is the demo's own, and a second demo on the same day rewrites that day's report.
    command += ["--format", "html", "--output", str(output), "--force"]
    with anyio.fail_after(REPORT_SECONDS):
        done = await anyio.run_process(command, env=env, check=False)
    if done.returncode != 0 or not output.exists():
        printed = (done.stderr or done.stdout).decode(errors="replace").strip()
        raise ReportError(f"the reconciliation report failed (exit {done.returncode}): {printed}")
    return output
