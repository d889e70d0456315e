"""The calibration and run branches: fitted values, and numerics that do not change results in distribution."""

from __future__ import annotations

from dataclasses import dataclass

from .domain import SCORE_LIMIT
from .fields import SETTING, between, declared


@dataclass
class CalibrationConfig:
    """Values fitted by experiments/calibrate.py (see docs/calibration.md); the policy and
    strategy configs read them, so an analysis varies the fields that read them, not these."""

    detector_threshold: float = between(
        4.0, -SCORE_LIMIT, SCORE_LIMIT, role=SETTING, source="E",
        doc="Detector threshold fitted to a legitimate flag rate of 0.005 per account-month (read by "
            "policy.detector.threshold in the status quo).")
    footprint: float = between(
        1.0, 0.0, 100.0, role=SETTING, source="E",
        doc="Scale of the attacker's traffic traits fitted per scenario x strategy to the reported number of "
            "accounts (read by attacker.footprint).")


@dataclass
class RunConfig:
    """Numerical settings that do not change results in distribution."""

    legit_resolution: str = declared(
        "day", role=SETTING, choices=("day", "hour"),
        doc="day: legitimate accounts advance a day at a time (principle 3); hour: hour by hour (slower; used to "
            "test that both agree).")
    attacker_resolution: str = declared(
        "hour", role=SETTING, choices=("hour", "day"),
        doc="hour: each operator sends hour by hour; day: a day's requests planned at the day's start and sent in "
            "one batch per provider (faster; equal in distribution, checked by a test). Days on which a plan "
            "re-made within the day matters run hour by hour: the window's last day and after, and days on which "
            "the budget can bind. Refused with resellers, with usage tiers that change within a day (a fractional "
            "min_age_days) and with hourly caps in both the usage tiers and the volume cap of a stack.")
    write_daily: bool = declared(True, role=SETTING, doc="Whether a run writes its daily series.")
    item_overrides: list[str] = declared(
        default_factory=list, role=SETTING,
        doc="Overrides of single list items (`scenario.operators.0.provider_shares.1=0.5`), applied as the command "
            "line would when the config is composed, then emptied: how a sweep point's config file sets one item "
            "of a list, which a config file cannot (Hydra merges dicts and replaces lists).")
