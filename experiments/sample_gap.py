"""Locate a sample-size gap: the same world at two sample sizes, with and without a change.

Runs ``policy=status_quo`` (unless told otherwise) at two values of
``population.sample_size`` over the same seeds, with the extra overrides given, and prints
each outcome's mean ± standard error at both sizes and their absolute difference in standard
errors (:func:`experiments.analysis.invariance.compare_settings`, as the sample-size table).
A setting under which a gap closes locates the mechanism behind it (docs/analyses.md, "Does
the sample size change the answers?"). Runs in-process (no sweep folder).

    python experiments/sample_gap.py attacker=churn                                  # the gap itself
    python experiments/sample_gap.py attacker=churn policy.review.capacity_per_day=1e9
    python experiments/sample_gap.py --sizes 12500 50000 --seeds 8 attacker=churn scenario.end_date=2026-05-11
"""

from __future__ import annotations

import argparse
import sys

from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.analysis.invariance import compare_settings, display_table  # noqa: E402
from experiments.analysis.tables import to_markdown  # noqa: E402

OUTCOMES = ("attacker_accounts_created", "attacker_accounts_banned", "legit_users_wrongly_banned_expected_per_100k",
            "legit_flag_rate_per_account_month", "defender_cost_usd")


def _outcomes(overrides: list[str]) -> dict[str, float]:
    from sim.config.compose import compose
    from sim.runner import run

    metrics = run(compose(overrides)).metrics
    return {k: float(metrics[k]) for k in OUTCOMES}


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
    points = [(size, seed) for size in args.sizes for seed in range(args.seeds)]
    outcomes = Parallel(n_jobs=args.jobs)(delayed(_outcomes)([*base, f"population.sample_size={size}", f"seed={seed}"])
                                          for size, seed in points)
    runs = pd.DataFrame([{"size": size, "world": " ".join(base), **o} for (size, _), o in zip(points, outcomes, strict=True)])
    table = compare_settings(runs, "size", ["world"], OUTCOMES)
    print(f"{' '.join(base)}; {args.seeds} seeds; mean ± standard error")
    print(to_markdown(display_table(table, [], args.sizes, label=lambda v: f"{v:,}")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
