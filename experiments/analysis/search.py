"""The attacker's best-response search: a strategy space derived from the declarations, searched with Optuna.

The space: each searched dimension is one leaf the configuration declares as
the attacker's *strategy* (:mod:`sim.config.roles`), over the plausible range
declared on it (or a narrower span inside it), on a linear or log scale,
integer where the leaf is a count. A switch (a ``bool`` leaf) is a choice of
both values. Nothing else is searchable: a leaf of another role, a label, a
list, or one with no usable declared range is refused with one line naming it.
The knobs are abstract strategy parameters (rates, shares, counts), as the
declarations are.

The search: Optuna's TPE sampler driven by ask/tell in batches, so that each
batch of trials is evaluated at once (by the simulator: one multirun of the
sweep machinery). The evaluation is pluggable, as in :mod:`.sensitivity`:
:func:`run_search` takes any function from a list of strategy points to their
:class:`Evaluation`; the tests search a toy function with a known optimum.

Resume: the study lives in an Optuna journal file, and the sampler of each
batch is seeded from the search seed and the number of trials already asked,
so a search is a function of its configuration and seed alone: run in one go,
or interrupted and run again, it asks the same points. Trials asked but not
told when a search stopped are evaluated first on the next invocation (the
simulator's evaluator finds their finished runs in its run store and
simulates only the missing ones).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.fields import STRATEGY
from sim.config.roles import declaration

LINEAR = "linear"
LOG = "log"
SCALES = (LINEAR, LOG)
MAXIMIZE = "maximize"
MINIMIZE = "minimize"
SPACE_ATTR = "space"  # the study's user attribute recording the space it was created with
CONSTRAINT = "constraint"  # a trial's constraint (Optuna's Trial.set_constraint): <= 0 feasible; TPE reads it
TIEBREAK_ATTR = "tiebreak"  # a trial's user attribute: among equal values, the lower wins


class SearchSpaceError(ValueError):
    """A searched leaf cannot be searched as declared; the message is one line naming it."""


@dataclass(frozen=True)
class Dimension:
    """One searched strategy leaf.

    Attributes:
        key: the config key (``attacker.pace_per_account_day``).
        lo, hi: the span searched (inside the declared plausible range); unused for a switch.
        scale: ``linear`` or ``log`` (counts and rates that span orders of magnitude).
        integer: whether the leaf takes whole numbers.
        choices: for a switch, its values (``(False, True)``).
        rest: leaves that take ``1 - value``, split in the base strategy's proportions (shares that sum to 1).
        doc: the declared description.
    """

    key: str
    lo: float = 0.0
    hi: float = 0.0
    scale: str = LINEAR
    integer: bool = False
    choices: tuple = ()
    rest: tuple[str, ...] = ()
    doc: str = ""

    def distribution(self):
        """The Optuna distribution of this dimension."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.choices:
            return CategoricalDistribution(list(self.choices))
        if self.integer:
            return IntDistribution(int(self.lo), int(self.hi), log=self.scale == LOG)
        return FloatDistribution(float(self.lo), float(self.hi), log=self.scale == LOG)

    def span_text(self) -> str:
        """The span as a report shows it (``1 - 500, log``, ``false / true``)."""
        if self.choices:
            return " / ".join(_value_text(c) for c in self.choices)
        kind = ", integer" if self.integer else ""
        return f"{self.lo:g} - {self.hi:g} ({self.scale}{kind})"


def dimension(key: str, spec: Mapping[str, Any] | None = None) -> Dimension:
    """The dimension for ``key``, from its declaration and the search config's entry ``spec``.

    ``spec`` may give ``scale`` (linear, log), ``integer`` (true to search a float leaf on whole
    numbers), ``range`` (``[lo, hi]`` inside the declared plausible range) and ``rest`` (leaves
    that take ``1 - value``).

    Raises:
        SearchSpaceError: the leaf is unknown, not a strategy knob, not numeric or a switch, has
            no declared plausible range, or the spec asks for something the range does not allow.
    """
    spec = dict(spec or {})
    unknown = set(spec) - {"scale", "integer", "range", "rest"}
    if unknown:
        raise SearchSpaceError(f"search dimension {key}: unknown entries {sorted(unknown)} (scale, integer, range, rest)")
    if "[" in key:
        raise SearchSpaceError(f"search dimension {key}: a leaf inside a list is named by its dotted index "
                               f"(scenario.operators.0.provider_shares.0), as an override sets it")
    try:
        d = declaration(key)
    except KeyError as err:
        raise SearchSpaceError(f"search dimension {key}: {err.args[0]}") from None
    if d.role != STRATEGY:
        raise SearchSpaceError(f"search dimension {key}: declared role {d.role!r}, not {STRATEGY!r}: "
                               "only the attacker's strategy is searched")
    rest = tuple(spec.get("rest", ()))
    for other in rest:
        try:
            role = declaration(other).role
        except KeyError as err:
            raise SearchSpaceError(f"search dimension {key}: rest leaf {err.args[0]}") from None
        if role != STRATEGY:
            raise SearchSpaceError(f"search dimension {key}: rest leaf {other} is not a strategy leaf")
    if d.type == "bool":
        if set(spec) - {"rest"} or rest:
            raise SearchSpaceError(f"search dimension {key}: a switch takes no scale, integer, range or rest")
        return Dimension(key, choices=(False, True), doc=d.doc or "")
    if d.type not in ("int", "float"):
        raise SearchSpaceError(f"search dimension {key}: type {d.type}, not a number or a switch")
    if d.plausible is None:
        raise SearchSpaceError(f"search dimension {key}: declares no plausible range; declare one on its field "
                               "in sim/config/ before searching it")
    lo, hi = (float(v) for v in d.plausible)
    if "range" in spec:
        r_lo, r_hi = (float(v) for v in spec["range"])
        if not lo <= r_lo < r_hi <= hi:
            raise SearchSpaceError(f"search dimension {key}: range [{r_lo:g}, {r_hi:g}] is not inside the declared "
                                   f"plausible range [{lo:g}, {hi:g}]")
        lo, hi = r_lo, r_hi
    if not lo < hi:
        raise SearchSpaceError(f"search dimension {key}: declared plausible range [{lo:g}, {hi:g}] is empty")
    scale = spec.get("scale", LINEAR)
    if scale not in SCALES:
        raise SearchSpaceError(f"search dimension {key}: scale {scale!r}, one of {', '.join(SCALES)}")
    if scale == LOG and lo <= 0:
        raise SearchSpaceError(f"search dimension {key}: a log scale needs a range above 0, got [{lo:g}, {hi:g}]")
    integer = d.integer or bool(spec.get("integer", False))
    if d.integer and spec.get("integer") is False:
        raise SearchSpaceError(f"search dimension {key}: the leaf is an integer count; it cannot be searched as a float")
    if integer:
        lo, hi = math.ceil(lo), math.floor(hi)
        if not lo < hi:
            raise SearchSpaceError(f"search dimension {key}: no two whole numbers in its range")
    return Dimension(key, lo, hi, scale, integer, (), rest, d.doc or "")


def search_space(dimensions: Mapping[str, Mapping[str, Any] | None]) -> tuple[Dimension, ...]:
    """The space of a search config's ``dimensions`` (key -> spec), in its order (see :func:`dimension`)."""
    if not dimensions:
        raise SearchSpaceError("the search config names no dimensions")
    space = tuple(dimension(k, v) for k, v in dimensions.items())
    taken = [r for d in space for r in d.rest if r in dimensions]
    if taken:
        raise SearchSpaceError(f"search dimension {taken[0]}: also the rest of another dimension")
    return space


def point_overrides(space: Sequence[Dimension], point: Mapping[str, Any], base: Mapping[str, float]) -> list[str]:
    """The ``key=value`` overrides that set one strategy point on top of the base strategy.

    ``base``: the base strategy's values of the ``rest`` leaves (their proportions split ``1 - value``).
    """
    out = []
    for d in space:
        v = point[d.key]
        out.append(f"{d.key}={_value_text(v)}")
        if d.rest:
            weights = np.array([float(base.get(r, 0.0)) for r in d.rest])
            weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(d.rest), 1 / len(d.rest))
            out += [f"{r}={_value_text((1.0 - float(v)) * float(w))}" for r, w in zip(d.rest, weights, strict=True)]
    return out


def _value_text(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return repr(float(v))


def space_record(space: Sequence[Dimension]) -> str:
    """The space as a canonical JSON string (stored on the study: a folder's study must match its space)."""
    return json.dumps([[d.key, d.lo, d.hi, d.scale, d.integer, list(d.choices), list(d.rest)] for d in space])


# --------------------------------------------------------------------------- the search


@dataclass(frozen=True)
class Evaluation:
    """The result of one strategy point.

    Attributes:
        value: the objective (NaN: the point could not be evaluated; the trial is recorded as failed).
        constraint: ``<= 0`` when the point is feasible (None: no constraint).
        details: numbers the report shows beside the objective (kept on the trial).
        tiebreak: among points of exactly equal value, the lower is better (e.g. the cost, when
            the objective is capped and many points reach the cap).
    """

    value: float
    constraint: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    tiebreak: float = 0.0


Evaluator = Callable[[Sequence[Mapping[str, Any]]], Sequence[Evaluation]]


@dataclass(frozen=True)
class SearchSettings:
    """How the search runs.

    Attributes:
        trials: trials in all (a later invocation with more continues the same study).
        batch: trials asked, then evaluated together, then told.
        seed: the sampler's seed (with the number of trials already asked, it seeds each batch).
        startup_trials: TPE samples at random until this many trials are told (asked in batches: whole batches).
        direction: ``maximize`` or ``minimize``.
    """

    trials: int
    batch: int
    seed: int
    startup_trials: int
    direction: str = MAXIMIZE


def sampler(settings: SearchSettings, asked: int):
    """The TPE sampler of the batch that starts after ``asked`` trials (seeded from both).

    Multivariate (the knobs interact: a pace matters through the fleet it implies), with a
    constant liar so that the trials of one batch spread out instead of piling on one point.
    """
    import optuna

    seed = int(np.random.SeedSequence([settings.seed, asked]).generate_state(1)[0])
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=settings.startup_trials, multivariate=True,
                                      constant_liar=True)


def open_study(path: Path, space: Sequence[Dimension], settings: SearchSettings, name: str = "best_response"):
    """The study in the journal file ``path`` (created if absent).

    Raises:
        SearchSpaceError: the file holds a study over another space (the folder belongs to another search).
    """
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    path.parent.mkdir(parents=True, exist_ok=True)
    storage = JournalStorage(JournalFileBackend(str(path)))
    study = optuna.create_study(storage=storage, study_name=name, direction=settings.direction, load_if_exists=True)
    record = space_record(space)
    have = study.user_attrs.get(SPACE_ATTR)
    if have is None:
        study.set_user_attr(SPACE_ATTR, record)
    elif have != record:
        raise SearchSpaceError(f"{path} holds a study over another strategy space; use another folder")
    if study.direction.name.lower() != settings.direction:
        raise SearchSpaceError(f"{path} holds a study that is {study.direction.name.lower()}d; this search {settings.direction}s")
    return study


def run_search(space: Sequence[Dimension], evaluate: Evaluator, settings: SearchSettings, journal: Path,
               log: Callable[[str], None] = print):
    """Search ``space`` for the best point of ``evaluate``; returns the Optuna study.

    Each batch: ask ``settings.batch`` trials (or fewer, up to ``settings.trials``), evaluate
    their points together, tell their values. Trials a previous invocation asked but did not
    tell are evaluated and told first. An evaluation's constraint is set on its trial (TPE
    models infeasible points apart; :func:`best` picks among the feasible ones).
    """
    from optuna.trial import TrialState

    study = open_study(journal, space, settings)
    distributions = {d.key: d.distribution() for d in space}
    pending = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.RUNNING]
    if pending:
        log(f"[search] {len(pending)} trials asked but not told by a previous invocation: evaluating them first")
        _tell(study, pending, evaluate([t.params for t in pending]))
    while (asked := len(study.get_trials(deepcopy=False))) < settings.trials:
        study.sampler = sampler(settings, asked)
        trials = [study.ask(distributions) for _ in range(min(settings.batch, settings.trials - asked))]
        _tell(study, trials, evaluate([t.params for t in trials]))
        done = trace(study)
        log(f"[search] {len(done)}/{settings.trials} trials; best so far {done['best'].iloc[-1]:.6g}")
    return study


def _tell(study, trials, results: Sequence[Evaluation]) -> None:
    import optuna
    from optuna.trial import TrialState

    if len(results) != len(trials):
        raise ValueError(f"the evaluator returned {len(results)} results for {len(trials)} points")
    for t, r in zip(trials, results, strict=True):
        if isinstance(t, optuna.trial.FrozenTrial):  # asked by an earlier invocation: reopen it by its storage id
            t = optuna.trial.Trial(study, t._trial_id)
        for k, v in r.details.items():
            t.set_user_attr(k, _plain(v))
        if r.constraint is not None:
            t.set_constraint(CONSTRAINT, float(r.constraint))
        t.set_user_attr(TIEBREAK_ATTR, float(r.tiebreak))
        if math.isfinite(r.value):
            study.tell(t, float(r.value))
        else:
            study.tell(t, state=TrialState.FAIL)


def _plain(v: Any) -> Any:
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        return v.item()
    return v


def trace(study) -> pd.DataFrame:
    """One row per finished trial, in order: its number, value, the best feasible value so far, params, details.

    Columns: ``trial``, ``state``, ``value``, ``feasible``, ``best``, one per parameter, one per detail,
    ``tiebreak`` and (when constrained) ``constraint``.
    """
    from optuna.trial import TrialState

    rows = []
    sign = 1.0 if study.direction.name.lower() == MAXIMIZE else -1.0
    best = -math.inf
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL)):
        feasible = t.state == TrialState.COMPLETE and all(c <= 0 for c in t.constraints.values())
        if feasible:
            best = max(best, sign * float(t.value))
        rows.append({"trial": t.number, "state": t.state.name, "value": t.value if t.value is not None else math.nan,
                     "feasible": feasible, "best": sign * best if math.isfinite(best) else math.nan,
                     **t.params, **t.user_attrs, **t.constraints})
    return pd.DataFrame(rows)


def best(study):
    """The best feasible finished trial (None if there is none).

    Among trials of exactly the best value (e.g. every trial that reaches a capped
    objective), the lowest tie-break wins, then the earliest trial.
    """
    frame = trace(study)
    frame = frame[frame["feasible"]]
    if frame.empty:
        return None
    sign = 1.0 if study.direction.name.lower() == MAXIMIZE else -1.0
    top = frame[sign * frame["value"] == (sign * frame["value"]).max()]
    tiebreak = top[TIEBREAK_ATTR] if TIEBREAK_ATTR in top.columns else pd.Series(0.0, index=top.index)
    number = int(top.loc[tiebreak.fillna(0.0).idxmin(), "trial"])
    return study.get_trials(deepcopy=False)[number]
