"""The model's ``mesa.DataCollector``: model-level reporters read from the ledger at each day's end.

The ledger books the daily series (:mod:`.ledger`); the collector only reads its
last closed day, so collecting costs a few dictionary look-ups a day and nothing
in the hourly hot path. It collects at the model's start (all zeros) and at each
day's end. Mesa >= 3.5 records when each collection happened and ``mesa.batch_run``
reads sparse collections itself (``data_collection_period`` then counts collections).
Older Mesa's ``batch_run`` reads ``model_vars[name][step]`` for its ``Step`` column
(steps counted from 0, the last being ``model.steps - 1``); for it each reporter's
values also answer a step with the state at the last day end reached by the end of
that step (step 23 is the end of day 0). :meth:`DayEndCollector.at_step` gives that
answer on any Mesa version. ``get_model_vars_dataframe()`` has one row for the initial
state and one per day, indexed by the number of hourly steps done when it was taken.

Reporters (:data:`REPORTERS`), each a column of ``daily.parquet`` or its running sum:

- ``day``: the day just closed (-1 for the initial state);
- ``attacker_harvested_cum``: exchanges the campaigns have harvested so far;
- ``attacker_accounts_created_cum``, ``attacker_accounts_active``: accounts the operators
  opened so far, and those still active at the day's end;
- ``attacker_accounts_banned_cum``: operators' accounts banned so far;
- ``attacker_spend_cum_usd``: what the operators have spent so far;
- ``legit_users_wrongly_banned_cum``, ``legit_users_wrongly_banned_expected_cum``: legitimate
  users banned so far (sampled, and expected), scaled to the real population;
- ``legit_refused_real_cum``: legitimate exchanges refused so far, scaled to the real population.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import mesa
import pandas as pd

if TYPE_CHECKING:
    from ..model import DistillationModel

# Daily columns summed over the days so far (the ledger books them per day).
_SUMMED = ("attacker_accounts_banned", "legit_users_wrongly_banned", "legit_users_wrongly_banned_expected",
           "legit_refused_real")
# Daily columns that are already cumulative or a state at the day's end.
_READ = ("attacker_harvested_cum", "attacker_accounts_created_cum", "attacker_accounts_active", "attacker_spend_cum_usd")


def _last(column: str) -> Callable[[DistillationModel], float]:
    def report(model: DistillationModel) -> float:
        days = model.ledger.days
        return days[-1][column] if days else 0

    report.__name__ = column
    return report


def _summed(column: str) -> Callable[[DistillationModel], float]:
    def report(model: DistillationModel) -> float:
        return sum(day[column] for day in model.ledger.days)

    report.__name__ = f"{column}_cum"
    return report


def _day(model: DistillationModel) -> int:
    days = model.ledger.days
    return days[-1]["day"] if days else -1


REPORTERS: Mapping[str, Callable[[DistillationModel], Any]] = {
    "day": _day,
    **{c: _last(c) for c in _READ},
    **{f"{c}_cum": _summed(c) for c in _SUMMED},
}


class _ByStep(list):
    """A reporter's values (one per collection), indexed by model step as well: ``values[s]``
    is the value collected last by the end of step ``s`` (counted from 0)."""

    def __init__(self, steps: list[int]) -> None:
        super().__init__()
        self._steps = steps

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            return super().__getitem__(index)
        at = bisect.bisect_right(self._steps, index + 1) - 1  # the end of step s: s + 1 steps done
        if at < 0:
            raise IndexError(f"step {index}: nothing collected yet")
        return super().__getitem__(at)


class DayEndCollector(mesa.DataCollector):
    """A ``mesa.DataCollector`` of model reporters, collected at the model's start and at each day's end.

    Under Mesa < 3.5, ``model_vars[name]`` also answers ``[s]`` for any model step ``s``
    (from 0) with the state at the last collection by the end of that step, which is how
    that Mesa's ``batch_run`` reads it; Mesa >= 3.5 reads sparse collections itself.
    """

    def __init__(self, model_reporters: Mapping[str, Callable[[DistillationModel], Any]] = REPORTERS) -> None:
        self.collected_at: list[int] = []  # model.steps at each collection
        super().__init__(model_reporters=dict(model_reporters))
        if not hasattr(self, "_collection_steps"):  # Mesa < 3.5: batch_run indexes the values by step
            for name in self.model_vars:
                self.model_vars[name] = _ByStep(self.collected_at)

    def collect(self, model: mesa.Model) -> None:
        """Record every reporter's value now (the model's start, or a day's end)."""
        super().collect(model)
        self.collected_at.append(model.steps)

    def at_step(self, name: str, step: int) -> Any:
        """``name``'s value at the end of model step ``step`` (from 0): the last collection by then."""
        at = bisect.bisect_right(self.collected_at, step + 1) - 1
        if at < 0:
            raise IndexError(f"step {step}: nothing collected yet")
        return list.__getitem__(self.model_vars[name], at)

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One row per collection (the initial state, then each day), indexed by the hourly steps done when taken."""
        frame = pd.DataFrame({name: list(values) for name, values in self.model_vars.items()})
        frame.index = pd.Index(self.collected_at, name="steps_done")
        return frame
