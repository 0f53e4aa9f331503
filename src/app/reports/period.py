"""A report's period: whole UTC days from `--from` to `--to`, both included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import msgspec


class Period(msgspec.Struct, frozen=True, kw_only=True):
    first_day: date
    last_day: date

    @classmethod
    def parse(cls, first: str, last: str) -> Period:
        try:
            period = cls(first_day=date.fromisoformat(first), last_day=date.fromisoformat(last))
        except ValueError:
            raise ValueError(f"dates are YYYY-MM-DD, not {first!r} / {last!r}") from None
        if period.last_day < period.first_day:
            raise ValueError("--to is before --from")
        if (period.last_day - period.first_day).days > 366:
            raise ValueError("a report covers at most a year")
        return period

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), UTC)

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]
