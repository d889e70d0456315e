"""Attacker-only runs against runs with the legitimate population: the attacker's outcomes agree.

A run without legitimate users (``population=none``) carries their review load instead
(``population.review_background``, measured by ``experiments/review_background.py``), so the
operator meets the review queue it would meet beside the population. Runs
``conf/sweep/attacker_only.yaml`` (both populations x both strategies x 8 seeds, status quo)
and tests the attacker's outcomes across the two within 3 standard errors
(:func:`experiments.analysis.invariance.compare_settings`). Writes
``results/attacker_only/<stamp>/report.md``.

    python experiments/attacker_only.py                    # 32 runs, ~3 min on 2 cores
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from experiments.analysis import report, sweeps  # noqa: E402
from experiments.analysis.invariance import compare_settings, display_table, write_invariance_report  # noqa: E402

SETTING = "population.name"
OUTCOMES = ("exchanges_harvested", "campaign_blocked_share", "attacker_accounts_created", "attacker_accounts_banned",
            "attacker_cost_usd", "days_to_first_ban")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sweeps.add_sweep_arguments(parser, "extra overrides for every run (a variant gets its own sweep folder)")
    parser.add_argument("--limit", type=float, default=3.0)
    args = parser.parse_args(argv)
    def plan() -> sweeps.SweepCommand:
        sweep_dir = args.sweep_dir or sweeps.variant_dir(sweeps.read_sweep_dir("attacker_only"), args.overrides)
        return sweeps.SweepCommand("attacker_only", tuple(args.overrides), sweep_dir, args.jobs)

    runs, sweep_dir, command = sweeps.run_or_load(args.from_dir, plan)
    runs, _ = sweeps.latest_per_key(runs, [SETTING, "attacker.name", "seed"])  # the newest run of each cell
    table = compare_settings(runs, SETTING, ("attacker.name",), OUTCOMES, args.limit)
    values = sorted(runs[SETTING].unique())
    failed = int((~table["within"]).sum())
    headline = (f"**{len(table) - failed} of {len(table)}** attacker outcomes agree within {args.limit:g} standard errors "
                "(mean ± standard error over seeds).")
    reproduce = report.reproduce_section(__file__, list(sys.argv[1:] if argv is None else argv), command, sweep_dir,
                                         sweeps.code_versions(runs))
    md, path = write_invariance_report("attacker_only", "Attacker-only runs against runs with the population", headline,
                                       table, display_table(table, ("attacker.name",), values), reproduce)
    print(md)
    print(f"\n{len(table) - failed} of {len(table)} within {args.limit:g} SE; report: {path}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
