"""The simulation clock: one tick is one hour; the horizon comes from the scenario dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

HOURS_PER_DAY = 24


@dataclass
class Clock:
    """Hour counter over the campaign window plus any overrun days."""

    start_date: dt.date
    window_days: int
    overrun_days: int = 0
    tick: int = 0

    @property
    def horizon_days(self) -> int:
        return self.window_days + self.overrun_days

    @property
    def horizon_ticks(self) -> int:
        return self.horizon_days * HOURS_PER_DAY

    @property
    def window_end_tick(self) -> int:
        """First tick after the campaign window."""
        return self.window_days * HOURS_PER_DAY

    @property
    def day(self) -> int:
        return self.tick // HOURS_PER_DAY

    @property
    def hour(self) -> int:
        return self.tick % HOURS_PER_DAY

    @property
    def is_day_start(self) -> bool:
        return self.hour == 0

    @property
    def is_day_end(self) -> bool:
        return self.hour == HOURS_PER_DAY - 1

    @property
    def finished(self) -> bool:
        return self.tick >= self.horizon_ticks

    def date_of(self, day: int) -> dt.date:
        return self.start_date + dt.timedelta(days=day)

    def advance(self) -> None:
        self.tick += 1
