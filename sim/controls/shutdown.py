"""Availability shutdown: the model is switched off for everyone for ``days`` days.

The June 2026 export directive barred all foreign nationals; the provider could
not check nationality per user in real time and switched the models off for
everyone for ~14-19 days (S). From day ``start_day`` of the window, for
``days`` days, every request on the listed providers is refused (a block, not
a rate limit). The collateral is every legitimate exchange in that window; the
attacker is blocked in the same window.
"""

from __future__ import annotations

import numpy as np

from ..config import ShutdownConfig
from .base import Control, Phase, TrafficBatch


class Shutdown(Control):
    name = "shutdown"
    phases = frozenset({Phase.FILTER})

    def __init__(self, cfg: ShutdownConfig) -> None:
        self.cfg = cfg

    def is_off(self, day: int) -> bool:
        """Whether the model is switched off on ``day`` of the run."""
        return self.cfg.start_day <= day < self.cfg.start_day + self.cfg.days

    def apply(self, ctx: TrafficBatch) -> None:
        if self.is_off(ctx.clock.day):
            ctx.refuse(self.name, np.asarray(ctx.remaining))
