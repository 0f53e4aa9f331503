"""A commercetools outage in the middle of the demo day, and how the daemon weathered it: the errors
it saw, the most jobs waiting to retry, and how long after the end until none was waiting."""

from __future__ import annotations

import time

from backflow.devtools.busy_day.plan import Outage
from backflow.devtools.stack.http import JsonApi

OUTAGE_ALL_503 = [{"method": "*", "path": ".*", "error_rate": 1.0, "error_status": 503}]


class OutageWatch:
    def __init__(self, ct: JsonApi, admin: JsonApi) -> None:
        self.ct, self.admin = ct, admin
        self.outage: Outage | None = None

    async def begin(self, seconds: float) -> Outage:
        """commercetools answers 503 to everything from now, for `seconds` (ended by `step`)."""
        errors, _ = await self._ct_errors()
        self.outage = Outage(seconds, started=time.monotonic(), ct_errors_before=errors)
        await self.ct.put("/_sim/faults", OUTAGE_ALL_503)
        return self.outage

    @property
    def down(self) -> bool:
        """commercetools answers 503 now (begun, not yet ended)."""
        return self.outage is not None and not self.outage.ended

    async def step(self) -> None:
        """While it lasts: the peak of retrying jobs, and its end when due; after it: the recovery."""
        outage = self.outage
        if outage is None:
            return
        if not outage.ended:
            _, retrying = await self._ct_errors()
            outage.peak_retrying = max(outage.peak_retrying, retrying)
            if time.monotonic() - outage.started >= outage.planned_seconds:
                await self.end()
        elif outage.recovered_after is None:
            _, retrying = await self._ct_errors()
            if retrying == 0:
                outage.recovered_after = time.monotonic() - outage.ended

    async def end(self) -> None:
        """commercetools answers again (if the outage is still on)."""
        outage = self.outage
        if outage is None or outage.ended:
            return
        await self.ct.put("/_sim/faults", [])
        outage.ended = time.monotonic()
        outage.ct_errors_after, _ = await self._ct_errors()

    async def _ct_errors(self) -> tuple[int, int]:
        """commercetools errors the daemon has seen, and outbox jobs waiting to retry."""
        overview = await self.admin.get("/api/overview")
        ct = next((a for a in overview["apis"] if a["name"] == "commercetools"), {"errors": 0})
        retrying = sum(q["retrying"] for q in overview["queues"])
        return int(ct["errors"]), retrying
