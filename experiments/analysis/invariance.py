"""Whether an answer depends on a setting that should change only its precision.

For each group of runs (e.g. one policy and attacker strategy) and each outcome,
compares the mean over seeds at every value of the setting (e.g. the legitimate
sample size) with every other: the difference in standard errors,
``z = (mean_a - mean_b) / sqrt(se_a^2 + se_b^2)``. An outcome passes when every
pair is within ``limit`` standard errors (3 by default) or within ``rel_tol`` of each
other (0.1%: practically equal, for outcomes so stable that a negligible difference is
many standard errors, e.g. reviews at capacity). The same seeds are used at
every value, but the worlds differ (the sample differs), so the two means are
treated as independent.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd


def compare_settings(runs: pd.DataFrame, setting: str, groups: Sequence[str], outcomes: Sequence[str],
                     limit: float = 3.0, rel_tol: float = 1e-3) -> pd.DataFrame:
    """One row per group x outcome: the mean and standard error at each setting value, the largest
    |z| over pairs of values, and whether it is within ``limit``."""
    rows = []
    values = sorted(runs[setting].unique())
    for key, part in runs.groupby(list(groups), sort=True):
        key = key if isinstance(key, tuple) else (key,)
        for outcome in outcomes:
            stats = {}
            for v in values:
                x = pd.to_numeric(part.loc[part[setting] == v, outcome], errors="coerce").dropna().to_numpy(float)
                stats[v] = (float(x.mean()) if x.size else np.nan, float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else np.nan, x.size)
            worst, close = 0.0, True
            for a, b in combinations(values, 2):
                (ma, sa, _), (mb, sb, _) = stats[a], stats[b]
                se = np.hypot(sa, sb)
                z = 0.0 if (ma == mb) else (abs(ma - mb) / se if se > 0 else np.inf)
                worst = max(worst, z)
                close &= bool(abs(ma - mb) <= rel_tol * max(abs(ma), abs(mb)))
            row = dict(zip(groups, key))
            row.update({"outcome": outcome, "max_z": worst, "within": bool(worst <= limit or close)})
            for v, (m, s, n) in stats.items():
                row[f"mean@{v}"], row[f"se@{v}"], row[f"n@{v}"] = m, s, n
            rows.append(row)
    return pd.DataFrame(rows)


def display_table(table: pd.DataFrame, keys: Sequence[str], values: Sequence, label=str) -> pd.DataFrame:
    """The comparison as a readable table: ``keys`` columns, then ``mean ± se`` per setting value
    (headed ``label(value)``), the largest |z| and whether it is within the limit."""
    from .tables import fmt_number

    out = table[[*keys, "outcome"]].copy()
    for v in values:
        out[label(v)] = [f"{fmt_number(m)} ± {fmt_number(s)}" for m, s in zip(table[f"mean@{v}"], table[f"se@{v}"], strict=True)]
    out["max |z|"] = [f"{z:.1f}" for z in table["max_z"]]
    out["within"] = ["yes" if w else "**no**" for w in table["within"]]
    return out


def write_invariance_report(name: str, title: str, headline: str, table: pd.DataFrame, display: pd.DataFrame,
                            reproduce: list[str]) -> tuple[str, str]:
    """Write ``results/<name>/<stamp>/`` (report.md, report.html, the numbers as CSV); return the
    Markdown table and the report's path as shown to a reader."""
    from . import report
    from .tables import to_markdown

    out = report.new_results_dir(name)
    md = to_markdown(display)
    report.write_table(out, name, table)
    report.write_report(out, "\n".join([f"# {title}", "", headline, "", md, "", *reproduce]) + "\n", title)
    return md, report.display_path(out / "report.md")
