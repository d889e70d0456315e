"""The simulator as an EMA Workbench model: uncertainties, levers and outcomes from the declarations.

::

    from ema_workbench import perform_experiments
    from sim.interop.ema import ema_model, presets

    model = ema_model(base_overrides=["population=none"])
    experiments, outcomes = perform_experiments(model, scenarios=64, policies=presets("status_quo", "identity_gating"))

Nothing is listed twice: the uncertainties are the leaves declared ``uncertainty`` with a
plausible range (:mod:`sim.config.roles`), sampled over that range; the levers are the
leaves a caller names, over their plausible range (or options), plus ``preset``, the
policy config to start from (``conf/policy/*.yaml``); the outcomes are the run's declared
outcomes (:mod:`sim.record.outcomes`), MINIMIZE where lower is better for the defender,
MAXIMIZE where higher is, INFO where neither. A numeric leaf becomes a ``RealParameter``
(``IntegerParameter`` if it is an integer), a choice a ``CategoricalParameter``, a switch
a ``BooleanParameter``. EMA names must be Python identifiers, so each parameter is named
by :func:`ema_name` of its key and carries the key as its ``variable_name``: the model
function receives config keys and composes them as the command line would.

Every experiment runs :func:`run_experiment`, a module-level function (picklable, so the
``MultiprocessingEvaluator`` works as well as the ``SequentialEvaluator``), which composes
``base_overrides`` + the experiment's values and returns the run's metrics. With
``replications`` the model is a ``ReplicatorModel`` over seeds and each outcome is the mean
over them. The configs ship inside the package (``sim.conf``), so this works from a plain
install. ``ema_workbench`` is imported only when a model is built.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..config.compose import compose, config_dir, keyword_overrides
from ..config.roles import Parameter, parameters, uncertainties as declared_uncertainties
from ..record import outcomes as registry

# Leaves that validation ties to others (shares that must sum to one, a detector's benign
# traits that must score below its distillation traits): sampled one by one they make invalid
# configs, so the default uncertainties leave them out (name them to sample them jointly).
JOINT: tuple[str, ...] = (
    r"\.capability_mix\.", r"\.legit_sample_share$", r"^attacker\.proxy_mix\.", r"\.population_share$",
    r"\.sample_share$", r"^policy\.cluster_detector\.(benign|distillation)\.",
)
PRESET = "preset"  # the lever that picks the policy config (conf/policy/<preset>.yaml)
BASE = "base_overrides"  # the constant carrying the overrides every experiment starts from


def ema_name(key: str) -> str:
    """The EMA parameter name of a config key: a Python identifier (``policy.review.capacity_per_day``
    -> ``policy_review_capacity_per_day``, ``scenario.operators[0].budget_usd`` -> ``scenario_operators_0_budget_usd``)."""
    return re.sub(r"\W+", "_", key).strip("_")


def policy_presets() -> list[str]:
    """The policy configs shipped with the package (``conf/policy/*.yaml``)."""
    return sorted(p.stem for p in (Path(config_dir()) / "policy").glob("*.yaml"))


def presets(*names: str, **levers: Any) -> list:
    """EMA ``Policy`` objects, one per policy preset, named after it (``levers``: EMA lever names
    and values set in every one of them)."""
    from ema_workbench import Policy

    known = policy_presets()
    for name in names:
        if name not in known:
            raise KeyError(f"policy preset {name!r}: not in conf/policy; available: {', '.join(known)}")
    return [Policy(name, **{PRESET: name, **levers}) for name in names]


def ema_model(
    name: str = "distill",
    *,
    policy_levers: Sequence[str] = (),
    uncertainties: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    replications: int | Sequence[int] | None = None,
    base_overrides: Sequence[str] = (),
):
    """An ``ema_workbench.Model`` (a ``ReplicatorModel`` with ``replications``) of the simulator.

    Args:
        name: the model's name (EMA requires letters and digits only).
        policy_levers: config keys exposed as levers besides ``preset`` (each needs a
            plausible range or options declared on its field).
        uncertainties: config keys to sample (any role, each with a plausible range);
            default every declared uncertainty with a plausible range and a scalar value,
            except those validation ties to others (:data:`JOINT`).
        outcomes: outcome names (members of families included, e.g.
            ``exchanges_harvested_from_target``); default :func:`default_outcomes`.
        replications: a number of seeds (0, 1, ...) or the seeds themselves; each outcome is
            then the mean over the seeds. Default: one run per experiment, at the base seed.
        base_overrides: Hydra overrides every experiment starts from (e.g. ``population=none``);
            lists of the config (providers, operators) are expanded as this config has them.

    Raises:
        KeyError: a key or outcome that is not declared.
        ValueError: a key whose field declares no plausible range, or a list-valued leaf.
    """
    from ema_workbench import CategoricalParameter, Constant, Model, ReplicatorModel, ScalarOutcome

    cfg = compose(list(base_overrides))
    declared = {p.key: p for p in parameters(cfg)}
    if uncertainties is None:
        unc = [p for p in declared_uncertainties(cfg) if p.plausible is not None and _scalar(p)
               and not any(re.search(j, p.key) for j in JOINT)]
    else:
        unc = [_lookup(declared, k) for k in uncertainties]
    levers = [_lookup(declared, k) for k in policy_levers]
    names = [ema_name(p.key) for p in unc + levers] + [PRESET]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ValueError(f"keys map to the same EMA name {clash}: name fewer keys")
    outcome_names = list(outcomes) if outcomes is not None else default_outcomes()
    replicate = replications is not None
    mean = _mean if replicate else None
    model = (ReplicatorModel if replicate else Model)(name, function=run_experiment)
    model.uncertainties = [_ema_parameter(p) for p in unc]
    model.levers = [_ema_parameter(p) for p in levers] + [CategoricalParameter(PRESET, policy_presets())]
    model.outcomes = [ScalarOutcome(n, kind=_kind(registry.get(n).direction), function=mean) for n in outcome_names]
    model.constants = [Constant(BASE, tuple(base_overrides))]
    if replicate:
        seeds = range(replications) if isinstance(replications, int) else list(replications)
        model.replications = [{"seed": int(s)} for s in seeds]
    return model


def default_outcomes() -> list[str]:
    """The run's declared scalar outcomes: every non-family outcome computed by the run
    (not the settings that identify it, nor dates, names or the run time)."""
    skip = {"runtime_seconds"}
    return [o.name for m in registry.MECHANISMS for o in m.outputs
            if isinstance(o, registry.Outcome) and o.scope != registry.SETTING
            and o.unit not in (registry.DATE, registry.NO_UNIT, registry.FLAG) and o.name not in skip]


def run_experiment(base_overrides: Iterable[str] = (), **values: Any) -> dict[str, float]:
    """One experiment: compose ``base_overrides`` and the experiment's values, run, return the metrics.

    ``values`` are config keys (``preset`` picks the policy config, ``seed`` the seed);
    an override of a key ``base_overrides`` sets replaces it. Missing values (an outcome
    a run leaves undefined, e.g. days to target never reached) are NaN.
    """
    from ..runner import run

    preset = values.pop(PRESET, None)
    if preset is not None:
        values = {"policy": preset, **values}
    overrides: dict[str, str] = {}
    for text in [*base_overrides, *keyword_overrides(values)]:
        overrides[text.split("=", 1)[0].lstrip("+~")] = text
    metrics = run(compose(list(overrides.values()))).metrics
    return {k: _number(v) for k, v in metrics.items()}


def _number(v: Any) -> Any:
    if v is None:
        return math.nan
    if isinstance(v, bool):
        return float(v)
    return v


def _mean(values: Sequence[float]) -> float:
    import numpy as np

    return float(np.mean(np.asarray(values, dtype=float)))


def _kind(direction: str) -> int:
    from ema_workbench import ScalarOutcome

    return {registry.LOWER: ScalarOutcome.MINIMIZE, registry.HIGHER: ScalarOutcome.MAXIMIZE}.get(
        direction, ScalarOutcome.INFO)


def _scalar(p: Parameter) -> bool:
    return p.type in ("int", "float", "str", "bool")


def _lookup(declared: Mapping[str, Parameter], key: str) -> Parameter:
    key = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", key)
    if key not in declared:
        raise KeyError(f"{key}: not a declared leaf of the configuration (see docs/parameters.md)")
    p = declared[key]
    if not _scalar(p):
        raise ValueError(f"{key}: a {p.type} leaf; only single numbers, choices and switches can be sampled")
    if p.plausible is None and p.type not in ("bool", "str"):
        raise ValueError(f"{key}: its field declares no plausible range; declare one in sim/config/")
    if p.type == "str" and p.plausible is None and p.choices is None:
        raise ValueError(f"{key}: free text, not a choice")
    return p


def _ema_parameter(p: Parameter):
    from ema_workbench import BooleanParameter, CategoricalParameter, IntegerParameter, RealParameter

    name = ema_name(p.key)
    if p.type == "bool":
        return BooleanParameter(name, variable_name=p.key)
    if p.type == "str":
        return CategoricalParameter(name, list(p.plausible or p.choices), variable_name=p.key)
    lo, hi = p.plausible
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"{p.key}: plausible range {p.plausible} is not finite; sample a finite range")
    if p.integer:
        return IntegerParameter(name, int(lo), int(hi), variable_name=p.key)
    return RealParameter(name, float(lo), float(hi), variable_name=p.key)
