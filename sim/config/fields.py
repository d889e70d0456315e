"""How a config field declares what values it allows and what it stands for.

Every leaf field declares once, in its ``metadata``:

- what it allows: a validity range for every numeric field (for a dict or a
  list of numbers, each value), ``choices`` for a field that names one of a
  few options; :func:`sim.config.validate.validate` rejects anything else
  (NaN included) before a run starts, naming the key, the value and what is
  allowed. An infinite upper end is declared with :func:`limit` only: there
  it means "no limit" (a cap, a supply, a capacity);
- its role: an *uncertainty* (what we do not know about the world or the
  attacker's situation), a *lever* (what a policy sets), the attacker's
  *strategy* (what the operator chooses), or a run *setting* (mechanics that
  change no result in distribution, or values that pick the question asked);
- for uncertainties (and levers and strategy knobs worth exploring) a
  plausible range, the span analyses sample (for a choice, the options they
  try; for a dict of numbers, a range per key); and a source label: C (a
  confirmed fact), R (a reported figure), E (an estimate derived from C/R),
  A (an assumption), for the world; S (a rule's stated setting) or
  I (our interpretation of a rule), for a policy's settings;
- ``doc``: what it is, in a sentence, and where its default and range come from.

Sensitivity factors, the parameter table (``docs/parameters.md``) and the
adapters for exploratory modelling read these declarations
(:mod:`sim.config.roles`); there is no second list of ranges.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, field
from typing import Any

INF = math.inf

UNCERTAINTY = "uncertainty"
LEVER = "lever"
STRATEGY = "strategy"
SETTING = "setting"
ROLES: tuple[str, ...] = (UNCERTAINTY, LEVER, STRATEGY, SETTING)
SOURCES: tuple[str, ...] = ("C", "R", "E", "A", "S", "I")
WORLD_SOURCES: tuple[str, ...] = ("C", "R", "E", "A")

# Largest integer count a field allows unless it says otherwise: far above any
# real fleet, population or target, small enough to keep the arithmetic exact.
MAX_COUNT = 10**9

Plausible = tuple[float, float] | tuple[str, ...] | Mapping[str, tuple[float, float]]
Source = str | Mapping[str, str]


class ConfigError(ValueError):
    """A configuration value is outside what the model allows."""


def _declaration(role: str | None, plausible: Plausible | None, source: Source | None, doc: str | None) -> dict:
    if role is not None and role not in ROLES:
        raise ValueError(f"role {role!r}: one of {', '.join(ROLES)}")
    for label in source.values() if isinstance(source, Mapping) else [source]:
        if label is not None and label not in SOURCES:
            raise ValueError(f"source {label!r}: one of {', '.join(SOURCES)}")
    return {"role": role, "plausible": plausible, "source": source, "doc": doc}


def _field(default: Any, default_factory: Any, meta: dict) -> Any:
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


def between(
    default: Any,
    lo: float = -INF,
    hi: float = INF,
    *,
    integer: bool = False,
    role: str | None = None,
    plausible: Plausible | None = None,
    source: Source | None = None,
    doc: str | None = None,
    default_factory: Any = MISSING,
    no_limit: bool = False,
) -> Any:
    """A numeric dataclass field whose value (each value, for a dict or a list) must lie in ``[lo, hi]``."""
    meta = {"range": (lo, hi), "integer": integer, "no_limit": no_limit, **_declaration(role, plausible, source, doc)}
    return _field(default, default_factory, meta)


def prob(default: float, **declaration: Any) -> Any:
    """A probability or share: a value in ``[0, 1]``."""
    return between(default, 0.0, 1.0, **declaration)


def nonneg(default: float, hi: float = INF, **declaration: Any) -> Any:
    """A price, rate or duration: a value in ``[0, hi]`` (give ``hi``; an unbounded one is a :func:`limit`)."""
    return between(default, 0.0, hi, **declaration)


def limit(default: float, **declaration: Any) -> Any:
    """A cap, supply or capacity: a value ``>= 0``, where ``inf`` means no limit."""
    return between(default, 0.0, INF, no_limit=True, **declaration)


def count(default: int, lo: int = 0, hi: int = MAX_COUNT, **declaration: Any) -> Any:
    """An integer count in ``[lo, hi]``."""
    return between(default, lo, hi, integer=True, **declaration)


def declared(
    default: Any = MISSING,
    *,
    role: str,
    choices: tuple[str, ...] | None = None,
    plausible: tuple[str, ...] | None = None,
    source: str | None = None,
    doc: str | None = None,
    default_factory: Any = MISSING,
) -> Any:
    """A non-numeric field (a switch, a choice, a list, a name) with its role declared.

    ``choices``: the values it allows (for a list, each element); ``plausible``:
    the options an analysis explores, when that is fewer than all.
    """
    meta = {"choices": choices, **_declaration(role, plausible, source, doc)}
    return _field(default, default_factory, meta)
