"""Formatting numbers with their intervals, and rendering tables as Markdown.

Labels, units and how a value is shown (a share as %) come from the outcome
declarations (:mod:`sim.record.outcomes`, which imports nothing of the
simulation). Own renderer rather than ``DataFrame.to_markdown`` (which needs
``tabulate``, not a dependency).
"""

from __future__ import annotations

import math
import re

import pandas as pd

from sim.record import outcomes

from sim.record.estimates import Estimate


def kind(column: str) -> str:
    """How :func:`fmt_estimate` shows an outcome: ``share`` (as %) for a declared share, else ``number``."""
    found = outcomes.find(column)
    return "share" if found is not None and found.unit == outcomes.SHARE else "number"


def heading(column: str) -> str:
    """A declared outcome's label with its unit, e.g. ``attacker cost (USD)``; a share's unit
    is ``%``, as :func:`fmt_estimate` and the plots show it."""
    found = outcomes.get(column)
    return f"{found.label} (%)" if found.unit == outcomes.SHARE else found.heading


def fmt_number(x: float, digits: int = 3) -> str:
    """A compact human number: thousands separators for large values, ``digits`` significant otherwise."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    x = float(x)
    if abs(x) >= 1_000:
        return f"{x:,.0f}"
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def fmt_share(x: float, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    return f"{100 * float(x):.{digits}f}%"


def fmt_estimate(est: Estimate, kind: str = "number", signed: bool = False) -> str:
    """``value [lo, hi]``; ``kind`` is ``number``, ``share`` (as %), ``pp`` (percentage points) or ``times`` (x)."""
    if est.n == 0 or not math.isfinite(est.value):
        return "n/a"

    def one(v: float) -> str:
        if kind == "share":
            return fmt_share(v)
        if kind == "pp":
            s = f"{100 * v:.1f}"
            return (f"+{s}" if v > 0 and signed else s)
        if kind == "times":
            return f"{v:.2f}x"
        s = fmt_number(v)
        return f"+{s}" if signed and v > 0 else s

    def clean(v: float) -> str:
        return re.sub(r"^[-+](0(?:\.0+)?)(%|x)?$", r"\1\2", one(v))  # no "-0.0%" for a tiny negative

    if not est.has_interval:
        return clean(est.value)
    return f"{clean(est.value)} [{clean(est.lo)}, {clean(est.hi)}]"


def _escape(cell: object) -> str:
    return str(cell).replace("|", "\\|").replace("\n", " ")


def to_markdown(frame: pd.DataFrame, index: bool = False) -> str:
    """A GitHub-flavoured Markdown table of ``frame`` (cells as they are, stringified)."""
    table = frame.reset_index() if index else frame
    header = [_escape(c) for c in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(_escape(c) for c in row) + " |")
    return "\n".join(lines)
