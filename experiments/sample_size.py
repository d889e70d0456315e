"""Sample-size invariance: the legitimate sample size changes the precision, never the answer.

Runs ``conf/sweep/sample_size.yaml`` (25k, 50k and 250k sampled users x status quo
and the letter's package x both strategies x 8 seeds) through the sweep machinery,
then tests every per-100k rate, the defender's cost and the attacker's outcomes
across sizes (:func:`experiments.analysis.invariance.compare_settings`: largest
pairwise difference in standard errors, limit 3). Writes
``results/sample_size/<stamp>/report.md`` and prints the table.

    python experiments/sample_size.py                 # runs 96 runs (~5 min on 2 cores), resumable
    python experiments/sample_size.py --from results/sweeps/sample_size
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from experiments.analysis import report, sweeps  # noqa: E402
from experiments.analysis.invariance import compare_settings, display_table, write_invariance_report  # noqa: E402

SETTING = "population.sample_size"
GROUPS = ("policy", "attacker")
OUTCOMES = (
    "exchanges_harvested", "campaign_blocked_share", "attacker_accounts_created", "attacker_accounts_banned",
    "attacker_cost_usd", "reviews_done", "defender_cost_usd",
    "legit_users_wrongly_banned_expected_per_100k", "legit_users_wrongly_banned_per_100k",
    "legit_users_refused_per_100k", "legit_exchanges_refused_share", "legit_signups_lost_share",
    "legit_flag_rate_per_account_month",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sweeps.add_sweep_arguments(parser, "extra overrides for every run (a variant gets its own sweep folder)")
    parser.add_argument("--limit", type=float, default=3.0, help="largest allowed difference in standard errors (default: 3)")
    args = parser.parse_args(argv)
    sweep_dir = args.from_dir
    command = None
    if sweep_dir is None:
        sweep_dir = args.sweep_dir or sweeps.variant_dir(sweeps.read_sweep_dir("sample_size"), args.overrides)
        command = sweeps.SweepCommand("sample_size", tuple(args.overrides), sweep_dir, args.jobs)
        sweeps.run_sweep(command)
    runs = sweeps.load_runs(sweep_dir)
    runs[SETTING] = runs[f"cfg.{SETTING}"] if f"cfg.{SETTING}" in runs.columns else runs[SETTING]
    runs, _ = sweeps.latest_per_key(runs, [SETTING, "policy.name", "attacker.name", "seed"])  # the newest run of each cell
    table = compare_settings(runs, SETTING, GROUPS, OUTCOMES, args.limit)
    sizes = sorted(runs[SETTING].unique())
    failed = int((~table["within"]).sum())
    headline = (f"**{len(table) - failed} of {len(table)}** outcome x (policy, attacker) cells agree across "
                f"{', '.join(f'{int(v):,}' for v in sizes)} sampled legitimate users within {args.limit:g} standard errors "
                f"(mean ± standard error over {int(table[f'n@{sizes[0]}'].min())} seeds).")
    reproduce = report.reproduce_section(__file__, list(sys.argv[1:] if argv is None else argv), command, Path(sweep_dir),
                                         sweeps.code_versions(runs))
    md, path = write_invariance_report("sample_size", "Sample-size invariance", headline, table,
                                       display_table(table, GROUPS, sizes, lambda v: f"{int(v):,}"), reproduce)
    print(md)
    print(f"\n{len(table) - failed} of {len(table)} cells within {args.limit:g} SE; report: {path}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
