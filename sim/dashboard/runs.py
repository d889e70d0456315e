"""What the dashboard runs: one configuration, or two side by side on the same seeds.

Plain functions of overrides, independent of the page: the page calls them in a background
thread (a run of the reference config takes seconds) and passes a progress callback. Configs
are composed by :func:`sim.compose`, the composition and validation of the command line, and
a refused input comes back as the command line's one-line message (:func:`refusal`).
The runner is imported inside the functions that simulate, so opening the page never builds
a model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from sim.config import ConfigError
from sim.config.compose import compose
from sim.config.errors import one_line
from sim.config.schema import SimConfig

Progress = Callable[[float], None]  # share of the work done, 0..1

# Hydra composes through one global instance (compose() clears and re-initialises it): the page's
# sessions and background runs compose in different threads, one at a time.
_COMPOSING = threading.Lock()


class Refused(Exception):
    """Input the command line would refuse; ``str()`` is its one-line message."""


def composed(overrides: Sequence[str]) -> SimConfig:
    """The validated config of ``overrides``, exactly as ``distill-sim`` composes it.

    Raises:
        Refused: a refused value, key, option or malformed override, with the command line's
            one-line message (the text after ``distill-sim:`` on its stderr).
    """
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        with _COMPOSING:
            return compose(list(overrides))
    except (ConfigError, HydraException, OmegaConfBaseException) as err:
        raise Refused(one_line(err, list(overrides))) from None


def parse_overrides(text: str) -> list[str]:
    """Overrides typed as on the command line: separated by spaces or new lines."""
    return text.split()


def parse_seeds(text: str) -> list[int]:
    """Seeds typed as ``0 1 2``, ``0,1,2`` or a range ``0-4`` (both ends included).

    Raises:
        Refused: anything else, naming what was typed and what is allowed.
    """
    seeds: list[int] = []
    for part in text.replace(",", " ").split():
        lo, sep, hi = part.partition("-")
        if not (lo.isdigit() and (not sep or hi.isdigit())) or (sep and int(hi) < int(lo)):
            raise Refused(f"invalid seeds: {part}; allowed: non-negative integers, e.g. 0 1 2 or 0-4")
        seeds += list(range(int(lo), int(hi) + 1)) if sep else [int(lo)]
    if not seeds:
        raise Refused("invalid seeds: (none); allowed: non-negative integers, e.g. 0 1 2 or 0-4")
    return list(dict.fromkeys(seeds))


@dataclass(frozen=True)
class Single:
    """One finished run: its overrides, metrics record and daily series."""

    overrides: tuple[str, ...]
    metrics: dict
    daily: pd.DataFrame


def run_one(overrides: Sequence[str], progress: Progress | None = None) -> Single:
    """Compose and simulate ``overrides``, reporting the share of days done to ``progress``.

    Raises:
        Refused: the command line would refuse the overrides (nothing is simulated).
    """
    from sim.runner import run

    cfg = composed(overrides)
    on_day = None if progress is None else (lambda done, horizon: progress(done / horizon))
    result = run(cfg, on_day=on_day)
    return Single(tuple(overrides), result.metrics, result.daily)


@dataclass(frozen=True)
class Pair:
    """Two configurations run on the same seeds: one metrics record per (arm, seed)."""

    a: tuple[str, ...]
    b: tuple[str, ...]
    seeds: tuple[int, ...]
    runs: pd.DataFrame  # columns: arm ("A" or "B"), seed, then every metric


def run_pair(a: Sequence[str], b: Sequence[str], seeds: Sequence[int], progress: Progress | None = None) -> Pair:
    """Run A and B on each of ``seeds`` (common random numbers: seed s is the same world in both).

    A seed given in A's or B's overrides would break the pairing and is refused; both
    configurations are composed before anything runs, so a typo in B never costs A's runs.

    Raises:
        Refused: either configuration would be refused, or names a seed.
    """
    from sim.runner import run

    for name, arm in (("A", a), ("B", b)):
        if any(o.lstrip("+~").split("=", 1)[0] == "seed" for o in arm):
            raise Refused(f"invalid config {name}: seed is set by the seeds field (the same seeds for A and B)")
    configs = {(name, s): composed([*arm, f"seed={s}"]) for s in seeds for name, arm in (("A", a), ("B", b))}
    rows = []
    for i, ((name, s), cfg) in enumerate(configs.items()):
        metrics = run(cfg).metrics
        rows.append({"arm": name, "seed": s, **metrics})
        if progress is not None:
            progress((i + 1) / len(configs))
    return Pair(tuple(a), tuple(b), tuple(seeds), pd.DataFrame(rows))
