"""The calibration and run branches: fitted values, and numerics that do not change results in distribution."""

from __future__ import annotations

from dataclasses import dataclass

from .fields import nonneg


@dataclass
class CalibrationConfig:
    """Values fitted by experiments/calibrate.py (see docs/calibration.md)."""

    detector_threshold: float = 4.0
    footprint: float = nonneg(1.0)


@dataclass
class RunConfig:
    """Numerical settings that do not change results in distribution."""

    # 'day': legitimate accounts advance a day at a time (principle 3);
    # 'hour': hour by hour (slower; used to test that both agree).
    legit_resolution: str = "day"
    write_daily: bool = True


