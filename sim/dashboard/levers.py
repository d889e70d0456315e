"""The controls of the Run view: which config keys a reader may set, and how a form becomes overrides.

Each control names one config key; its range, plausible range, choices and description come
from the key's declaration (:func:`sim.config.roles.declaration`), never restated here. A
control whose mechanism a policy leaves off names the switch that turns it on: changing the
value turns the mechanism on too, so that the change has an effect (a daily cap under a policy
without volume caps would otherwise be ignored).

A form is turned into Hydra overrides (:func:`overrides`), the same list the command line
takes, and composed by :func:`sim.compose`: the page validates exactly as ``distill-sim`` does.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sim.config import roles
from sim.config.names import options
from sim.config.schema import SimConfig

GROUPS: tuple[str, ...] = ("scenario", "attacker", "policy", "population")
GROUP_LABELS = {"scenario": "scenario", "attacker": "attacker strategy", "policy": "policy",
                "population": "legitimate users (none: a fast attacker-only run)"}
DEFAULT_GROUPS = {"scenario": "qwen_2026", "attacker": "wide_slow", "policy": "status_quo", "population": "default"}


@dataclass(frozen=True)
class Lever:
    """One control of the Run view.

    Attributes:
        key: the config key as an override names it (``scenario.operators.0.budget_usd``).
        label: a short label for the page.
        switch: the boolean key that turns the lever's mechanism on, if a policy may leave it off.
    """

    key: str
    label: str
    switch: str | None = None

    @property
    def declared(self) -> roles.Parameter:
        """The key's declaration: type, range, plausible range, choices, doc."""
        return roles.declaration(re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", self.key))

    @property
    def choices(self) -> tuple[str, ...] | None:
        return self.declared.choices

    def hint(self) -> str:
        """What values the lever takes, in words: allowed range, plausible range, no-limit value."""
        d = self.declared

        def number(v: float) -> str:
            return f"{int(v):,}" if d.integer and math.isfinite(v) else f"{v:,.12g}"

        if d.choices:
            return "one of " + ", ".join(d.choices)
        parts = []
        if d.range is not None:
            lo, hi = d.range
            parts.append(f"allowed {number(lo)} to {number(hi)}" + (" (inf = no limit)" if d.no_limit else ""))
        if d.plausible is not None:
            parts.append(f"plausible {number(d.plausible[0])} to {number(d.plausible[1])}")
        return "; ".join(parts)


LEVERS: tuple[Lever, ...] = (
    Lever("policy.volume_cap.per_account_day", "daily cap per account (exchanges)", "policy.volume_cap.enabled"),
    Lever("policy.identity_gating.tier", "identity tier to open an account", "policy.identity_gating.enabled"),
    Lever("policy.detector.threshold", "detector threshold (score)", "policy.detector.enabled"),
    Lever("policy.review.capacity_per_day", "review capacity (real reviews per day per provider)"),
    Lever("policy.sharing.latency_days", "sharing latency (days)", "policy.sharing.enabled"),
    Lever("policy.sharing.coverage", "sharing coverage (probability)", "policy.sharing.enabled"),
    Lever("scenario.operators.0.budget_usd", "attacker budget (USD)"),
    Lever("seed", "seed"),
    Lever("population.sample_size", "legitimate accounts simulated (sample size)"),
)


def group_options() -> dict[str, list[str]]:
    """The options of each group the Run view offers (the YAML files of ``conf/<group>/``)."""
    return {g: options(g) for g in GROUPS}


def read(cfg: SimConfig, key: str):
    """The value of dotted ``key`` in ``cfg`` (list items by index)."""
    node = cfg
    for part in key.split("."):
        node = node[int(part)] if part.isdigit() else getattr(node, part)
    return node


def fmt_value(value) -> str:
    """A lever's value as the form shows it and an override writes it (``inf``, ``0.5``, ``250000``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.12g}"
    return str(value)


def form_values(cfg: SimConfig) -> dict[str, str]:
    """The form's starting values: each lever's value in ``cfg`` (the composed groups)."""
    return {lever.key: fmt_value(read(cfg, lever.key)) for lever in LEVERS}


def overrides(groups: Mapping[str, str], values: Mapping[str, str], base: SimConfig | None) -> list[str]:
    """The Hydra overrides of a form: the group choices, then each lever that differs from ``base``.

    ``base`` is the config of the group choices alone (the form's starting values); a lever equal
    to it is left out, so the list reads as the command a reader would type. A lever whose
    mechanism ``base`` leaves off also turns it on. With ``base`` None (the groups could not be
    composed) every lever value is passed, and composing reports what is wrong.
    """
    out = [f"{g}={groups[g]}" for g in GROUPS]
    for lever in LEVERS:
        text = values.get(lever.key, "").strip()
        if base is not None and text == fmt_value(read(base, lever.key)):
            continue
        if lever.switch and base is not None and not read(base, lever.switch):
            out.append(f"{lever.switch}=true")
        out.append(f"{lever.key}={text}")
    return out
