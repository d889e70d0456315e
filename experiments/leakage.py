"""Leakage: a rule on the target provider only vs on every provider, and where the campaign goes.

A rule that binds its signatories only (``policy.binds``; the other providers run
``outside_policy``, the status quo here) may block the campaign where it binds and hand it to
the others. Runs ``conf/sweep/leakage.yaml`` (letter_package and identity_gating, each on every
provider and on the target only, x the operator's three stances x both strategies x the
reference budget and an unlimited one) through the sweep machinery, then writes
``results/leakage/<stamp>/``: the blocked share, the leakage share (the harvest served by the
providers the rule does not bind) and the attacker's cost per million exchanges, each a mean
with its 95% interval over seeds, and ``report.md`` / ``report.html``.

The operator's stances are sweep points (``<sweep dir>/points/leakage_operator/``): on the target
only as reported; free to spread (``spread_providers`` and ``spread_on_signups``: it moves new
accounts away from a provider that bans or throttles them, or where its sign-ups fail or cost
too much); spread over the three providers from the start.

    python experiments/leakage.py --jobs 1        # quick: attacker-only, 5 seeds, 240 runs
    python experiments/leakage.py --full          # 10 seeds with the default population, 480 runs, its own folder
    python experiments/leakage.py --from results/sweeps/leakage     # analyse runs already there

Resumable: re-running skips finished runs. Extra overrides apply to every run (a variant gets
its own folder), e.g. ``policy@outside_policy=none`` for providers with no controls at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import budget, leakage, report, sweeps  # noqa: E402
from experiments.analysis.tables import fmt_number, fmt_share  # noqa: E402

SWEEP = "leakage"
GROUP = "leakage_operator"
# The stances' point files: name -> overrides (the labels are leakage.STANCES').
POINTS = {"reported": leakage.STANCES[leakage.REPORTED], "free_to_spread": leakage.STANCES[leakage.FREE],
          "spread_start": leakage.STANCES[leakage.SPREAD]}
FULL = ("seed=range(0,10)", "population=default")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/leakage.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", action="store_true", help="10 seeds with the default population (default: the sweep "
                   "config's 5 seeds, attacker-only)")
    sweeps.add_sweep_arguments(p, "extra overrides for every run (a variant gets its own sweep folder)")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def plan(args: argparse.Namespace) -> sweeps.SweepCommand:
    """The sweep command over the stances' points: the config's grid (quick) or the full one, into its own folder."""
    base = sweeps.read_sweep_dir(SWEEP)
    grid: tuple[str, ...] = ()
    if args.full:
        grid = FULL
        base = base.with_name(f"{base.name}-full")
    sweep_dir = args.sweep_dir or sweeps.variant_dir(base, args.overrides)
    search = sweeps.write_points(sweep_dir, GROUP, POINTS, "One stance of the operator in the leakage sweep "
                                 "(experiments/leakage.py).")
    return sweeps.SweepCommand(SWEEP, (search, f"+{GROUP}={','.join(POINTS)}", *grid, *args.overrides), sweep_dir, args.jobs)


def cell(row: pd.Series, col: str, share: bool) -> str:
    """``mean [lo, hi]`` of one outcome in one row, as a share or a USD amount."""
    fmt = fmt_share if share else (lambda v: f"${fmt_number(v)}")
    value, lo, hi = row[col], row[f"{col}.lo"], row[f"{col}.hi"]
    if pd.isna(value):
        return "n/a"
    return f"{fmt(value)} [{fmt(lo)}, {fmt(hi)}]" if pd.notna(lo) else fmt(value)


def display(summary: pd.DataFrame) -> pd.DataFrame:
    """The report's table: one row per cell, the three outcomes as ``mean [95% interval]``."""
    return pd.DataFrame({
        "rule": summary[leakage.RULE],
        "binds": summary[leakage.SCOPE],
        "operator": summary[leakage.STANCE],
        "strategy": summary["attacker.name"],
        "budget": [budget.fmt_usd(b) for b in summary[leakage.BUDGET]],
        "blocked": [cell(r, "campaign_blocked_share", True) for _, r in summary.iterrows()],
        "leakage": [cell(r, "leakage_share", True) for _, r in summary.iterrows()],
        "attacker cost per M exchanges": [cell(r, "attacker_cost_per_million_exchanges", False)
                                          for _, r in summary.iterrows()],
    })


def build_report(runs: pd.DataFrame, sweep_dir: Path, command: sweeps.SweepCommand | None, argv: list[str]) -> Path:
    runs = leakage.label(runs)
    runs, dropped = sweeps.latest_per_key(runs, [*leakage.GROUPS, "seed"])
    summary = leakage.table(runs)
    order = {s: i for i, s in enumerate(leakage.STANCES)}
    summary = summary.sort_values([leakage.BUDGET, "attacker.name", leakage.RULE, leakage.STANCE, leakage.SCOPE],
                                  key=lambda c: c.map(order) if c.name == leakage.STANCE else c,
                                  ascending=[False, True, True, True, True], kind="stable")
    out = report.new_results_dir("leakage")
    table_md = report.write_table(out, "leakage", summary, display(summary))
    seeds = sorted(runs["seed"].unique())
    populations = sorted(runs["population.name"].unique()) if "population.name" in runs else []
    undefined = int(runs["leakage_share"].isna().sum())
    lines = [
        "# Leakage: a rule on the target provider only", "",
        f"{len(runs)} runs: {summary[leakage.RULE].nunique()} rules x {summary[leakage.SCOPE].nunique()} reaches x "
        f"{summary[leakage.STANCE].nunique()} operator stances x {summary['attacker.name'].nunique()} strategies x "
        f"{summary[leakage.BUDGET].nunique()} budgets x {len(seeds)} seeds (common random numbers: seed s is the "
        f"same world in every cell); population {', '.join(f'`{p}`' for p in populations)}"
        + (f"; {dropped} older runs of the same cells left out" if dropped else "") + ".",
        "",
        "A rule on the target only (`policy.binds=[0]`, presets `*_target_only`) leaves the other providers at "
        "`outside_policy` (the status quo). *Blocked*: `campaign_blocked_share` (1 - harvest within the window / "
        "target). *Leakage*: `leakage_share`, the share of the harvest served by the providers the rule does not "
        "bind (0 by definition when it binds all). *Attacker cost*: `attacker_cost_per_million_exchanges`. Each is "
        "the mean over seeds [95% Student-t interval]. Operator stances: *target only (as reported)*, "
        "`provider_shares=[1,0,0]`, never moves; *free to spread*, `spread_providers` and `spread_on_signups` "
        "(new accounts move away from a provider where its accounts are banned or throttled, its sign-ups fail or "
        "an account costs it more than `signup_cost_trigger_usd` in identities); *spread from the start*, "
        "`provider_shares=[0.34,0.33,0.33]`, never moves. Budgets: the reference $0.688M (the status quo's "
        "measured spend on the reference campaign) and the scenario's $100M, which does not bind."
        + (f" {undefined} runs harvested nothing under a rule that binds some providers: their leakage share is "
           "undefined and left out of the mean." if undefined else ""),
        "",
        table_md, "",
        "## Caveats", "",
        "- Attacker-only runs (`population=none`, which carries the legitimate review load measured under the "
        "status quo's detector) unless the population says otherwise above: the outcomes are the attacker's.",
        "- The operator's responses are rules of thumb, not its best response; the providers outside the rule run "
        "the status quo, not the stricter stacks a provider might adopt on its own.",
        "- Intervals are Student-t over few seeds.",
        "",
        *report.reproduce_section(__file__, argv, command, sweep_dir, sweeps.code_versions(runs)),
        "",
    ]
    return report.write_report(out, "\n".join(lines), "Leakage: a rule on the target provider only")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    runs, sweep_dir, command = sweeps.run_or_load(args.from_dir, lambda: plan(args))
    path = build_report(runs, sweep_dir, command, args.argv)
    print(path.read_text(encoding="utf-8").split("## Caveats")[0])
    print(f"report: {path} (and report.html)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
