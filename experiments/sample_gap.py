"""Locate a sample-size gap: the same world at two sample sizes, with and without a change.

Runs ``policy=status_quo`` (unless told otherwise) at two values of
``population.sample_size`` over the same seeds, with the extra overrides given, and prints
each outcome's mean ± standard error at both sizes and their difference in standard errors.
A setting under which a gap closes locates the mechanism behind it (docs/analyses.md, "Does
the sample size change the answers?"). Runs in-process (no sweep folder).

    python experiments/sample_gap.py attacker=churn                                  # the gap itself
    python experiments/sample_gap.py attacker=churn policy.review.capacity_per_day=1e9
    python experiments/sample_gap.py --sizes 12500 50000 --seeds 8 attacker=churn scenario.end_date=2026-05-11
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from joblib import Parallel, delayed

OUTCOMES = ("attacker_accounts_created", "attacker_accounts_banned", "legit_users_wrongly_banned_expected_per_100k",
            "legit_flag_rate_per_account_month", "defender_cost_usd")


def _outcomes(overrides: list[str]) -> dict[str, float]:
    from sim.config.compose import compose
    from sim.runner import run

    metrics = run(compose(overrides)).metrics
    return {k: float(metrics[k]) for k in OUTCOMES}


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs=2, default=(25_000, 250_000), metavar=("SMALL", "LARGE"))
    parser.add_argument("--seeds", type=int, default=8, help="seeds 0..N-1 at each size (default: 8)")
    parser.add_argument("--jobs", type=int, default=1, help="parallel runs (joblib)")
    parser.add_argument("overrides", nargs="*", help="extra overrides, e.g. attacker=churn policy.review.entry_accounts=1")
    args = parser.parse_args(argv)
    if args.seeds < 2:
        parser.error(f"--seeds={args.seeds}: at least 2 (a standard error needs two runs)")
    base = ["policy=status_quo", *args.overrides]
    runs = {size: Parallel(n_jobs=args.jobs)(delayed(_outcomes)([*base, f"population.sample_size={size}", f"seed={s}"])
                                             for s in range(args.seeds))
            for size in args.sizes}
    small, large = args.sizes
    print(f"{' '.join(base)}; {args.seeds} seeds; mean ± standard error")
    print(f"| outcome | {small:,} | {large:,} | z |\n|---|---|---|---|")
    for key in OUTCOMES:
        a, b = (np.array([r[key] for r in runs[size]]) for size in args.sizes)
        se_a, se_b = a.std(ddof=1) / np.sqrt(a.size), b.std(ddof=1) / np.sqrt(b.size)
        se = np.hypot(se_a, se_b)
        z = (a.mean() - b.mean()) / se if se > 0 else 0.0
        print(f"| {key} | {_fmt(a.mean())} ± {_fmt(se_a)} | {_fmt(b.mean())} ± {_fmt(se_b)} | {z:+.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
