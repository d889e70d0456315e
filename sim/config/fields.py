"""How a config field declares what values it allows and what it stands for.

Every field declares once, in its ``metadata``:

- its validity range (every numeric field): what the model accepts at all;
  :func:`sim.config.validate.validate` rejects anything else before a run
  starts, naming the key, the value and the range;
- its role: an *uncertainty* (what we do not know about the world or the
  attacker's situation), a *lever* (what a policy sets), the attacker's
  *strategy* (what the operator chooses), or a run *setting* (mechanics that
  change no result in distribution, or that pick the question asked);
- for uncertainties (and levers and strategy knobs worth exploring) a
  plausible range, the span analyses sample; and a source label: C (a
  confirmed fact), R (a reported figure), E (an estimate derived from C/R),
  A (an assumption), for the world; S (a rule's stated setting) or
  I (our interpretation of a rule), for a policy's settings.

Sensitivity factors, the parameter table (``docs/parameters.md``) and the
adapters for exploratory modelling read these declarations
(:mod:`sim.config.roles`); there is no second list of ranges.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, field
from typing import Any

INF = math.inf

UNCERTAINTY = "uncertainty"
LEVER = "lever"
STRATEGY = "strategy"
SETTING = "setting"
ROLES: tuple[str, ...] = (UNCERTAINTY, LEVER, STRATEGY, SETTING)
SOURCES: tuple[str, ...] = ("C", "R", "E", "A", "S", "I")


class ConfigError(ValueError):
    """A configuration value is outside what the model allows."""


def _declaration(role: str | None, plausible: tuple[float, float] | None, source: str | None, doc: str | None) -> dict:
    if role is not None and role not in ROLES:
        raise ValueError(f"role {role!r}: one of {', '.join(ROLES)}")
    if source is not None and source not in SOURCES:
        raise ValueError(f"source {source!r}: one of {', '.join(SOURCES)}")
    return {"role": role, "plausible": plausible, "source": source, "doc": doc}


def between(
    default: Any,
    lo: float = -INF,
    hi: float = INF,
    *,
    integer: bool = False,
    role: str | None = None,
    plausible: tuple[float, float] | None = None,
    source: str | None = None,
    doc: str | None = None,
    default_factory: Any = MISSING,
) -> Any:
    """A numeric dataclass field whose value must lie in ``[lo, hi]``."""
    meta = {"range": (lo, hi), "integer": integer, **_declaration(role, plausible, source, doc)}
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


def prob(default: float, **declaration: Any) -> Any:
    """A probability or share: a value in ``[0, 1]``."""
    return between(default, 0.0, 1.0, **declaration)


def nonneg(default: float, **declaration: Any) -> Any:
    """A count, price or duration: a value ``>= 0``."""
    return between(default, 0.0, INF, **declaration)


def count(default: int, lo: int = 0, **declaration: Any) -> Any:
    """An integer count ``>= lo``."""
    return between(default, lo, INF, integer=True, **declaration)


def declared(
    default: Any = MISSING,
    *,
    role: str,
    source: str | None = None,
    doc: str | None = None,
    default_factory: Any = MISSING,
) -> Any:
    """A non-numeric field (a switch, a choice, a list) with its role declared."""
    meta = _declaration(role, None, source, doc)
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)
