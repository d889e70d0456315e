"""Threshold sizing: where to set one lever so the block is largest within a collateral budget.

Sweeps one lever (``policy.detector.threshold``, ``policy.review.capacity_per_day``,
a volume cap, a gating tier, a sharing latency...) over its values x seeds,
plots the blocked share and the budget metrics against it with 95% interval
bands, and prints the value that blocks the most among those that meet the
budget -- or says clearly that none does. Writes ``results/threshold/<timestamp>/``.

Usage (from the repository root)::

    python experiments/threshold.py                                     # detector threshold, default budget
    python experiments/threshold.py --budget "legit_users_wrongly_banned_expected_per_100k<=5"
    python experiments/threshold.py --sweep threshold_review
    python experiments/threshold.py --lever policy.sharing.latency_days --values 0,1,3,7,14 \\
        policy=letter_package attacker=churn
    python experiments/threshold.py --from results/sweeps/threshold_detector --lever policy.detector.threshold

A value meets the budget when the upper end of its 95% interval does
(``--stat mean`` judges on the mean instead). See docs/analyses.md.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import report, sweeps  # noqa: E402
from experiments.analysis.selection import (  # noqa: E402
    Budget,
    budget_statistic,
    parse_budget,
    select_value,
    selection_stability,
    summarize_lever,
)
from sim.record.estimates import Estimate  # noqa: E402
from experiments.analysis.tables import fmt_estimate, fmt_number, to_markdown  # noqa: E402

DEFAULT_BUDGET = "legit_users_wrongly_banned_expected_per_100k<=10"
NOT_LEVERS = {"seed", "policy", "attacker", "scenario", "population"}
LABELS = {
    "campaign_blocked_share": "campaign blocked",
    "legit_users_wrongly_banned_expected_per_100k": "legit users wrongly banned\nper 100k (expected)",
    "legit_users_refused_per_100k": "legit users refused\nper 100k",
    "legit_exchanges_refused_share": "legit exchanges refused",
    "attacker_cost_per_million_exchanges": "attacker USD per 1M exchanges",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/threshold.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sweep", default=None, help="sweep config with the lever in its params (default: threshold_detector; "
                   "threshold_base when --lever names a lever the sweep does not vary)")
    p.add_argument("--lever", help="the swept config key (default: the one the sweep config varies)")
    p.add_argument("--values", help="the lever's values, comma list (default: the sweep config's)")
    p.add_argument("--seeds", type=int, help="number of seeds 0..N-1 (default: the sweep config's)")
    p.add_argument("--budget", action="append", help=f"METRIC<=X (or <, >=, >); repeatable (default: {DEFAULT_BUDGET})")
    p.add_argument("--objective", default="campaign_blocked_share", help="metric to maximise (default: %(default)s)")
    p.add_argument("--minimize", action="store_true", help="minimise the objective instead")
    p.add_argument("--stat", choices=("upper", "mean"), default="upper",
                   help="judge the budget on the interval's unfavourable end (default) or on the mean")
    p.add_argument("--bootstrap", type=int, default=200, help="bootstrap draws for the choice's robustness (default: %(default)s)")
    p.add_argument("--from", dest="from_dir", type=Path, metavar="SWEEP_DIR", help="analyse runs already in SWEEP_DIR")
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: the launcher's, one per core)")
    p.add_argument("--sweep-dir", type=Path, help="where the runs go (default: the sweep config's, suffixed for variants)")
    p.add_argument("--results", type=Path, default=report.RESULTS, help="results root (default: results/)")
    p.add_argument("overrides", nargs="*", help="extra Hydra overrides, e.g. attacker=churn policy=letter_package")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.from_dir and not args.lever:
        p.error("--from needs --lever (the column that was swept)")
    return args


def _lever_from_params(params: dict[str, str]) -> str | None:
    levers = [k for k in params if k not in NOT_LEVERS]
    return levers[0] if len(levers) == 1 else None


def plan(args: argparse.Namespace) -> tuple[sweeps.SweepCommand, str, list[str], list[int]]:
    """The sweep command, the lever, its values (as given) and the seeds."""
    sweep = args.sweep or "threshold_detector"
    params = sweeps.read_sweep_params(sweep)
    lever = args.lever or _lever_from_params(params)
    if args.sweep is None and args.lever and args.lever not in params:
        sweep, params = "threshold_base", sweeps.read_sweep_params("threshold_base")
    if lever is None:
        raise SystemExit(f"error: conf/sweep/{sweep}.yaml varies no single lever; pass --lever KEY --values V1,V2,...")
    values_spec = args.values or params.get(lever)
    if not values_spec:
        raise SystemExit(f"error: no values for {lever}; pass --values V1,V2,...")
    values = [v.strip() for v in values_spec.split(",") if v.strip()]
    seeds = list(range(args.seeds)) if args.seeds is not None else list(range(*map(int, params["seed"][6:-1].split(","))))
    sweep_dir = args.sweep_dir or sweeps.read_sweep_dir(sweep)
    variant = [*args.overrides, *([f"{lever}={values_spec}"] if sweep == "threshold_base" else [])]
    if variant and args.sweep_dir is None:
        tag = hashlib.sha256(" ".join(sorted(variant)).encode()).hexdigest()[:8]
        sweep_dir = sweep_dir.with_name(f"{sweep_dir.name}-{lever.split('.')[-1]}-{tag}")
    overrides = (f"{lever}={','.join(values)}", f"seed={','.join(map(str, seeds))}", *args.overrides)
    return sweeps.SweepCommand(sweep, overrides, sweep_dir, args.jobs), lever, values, seeds


def _matches(column: pd.Series, values: list[str]) -> pd.Series:
    """Rows whose lever value is one of ``values`` (given as text; numbers compared as numbers)."""
    try:
        numbers = [float(v) for v in values]
        return pd.to_numeric(column, errors="coerce").isin(numbers)
    except ValueError:
        return column.astype(str).isin(values)


def build_report(runs: pd.DataFrame, lever: str, objective: str, budgets: list[Budget], stat: str, maximize: bool,
                 out_dir: Path, sweep_dir: Path, command: sweeps.SweepCommand | None,
                 argv: list[str], n_boot: int = 200) -> tuple[Path, str]:
    """Table, figure and report; returns (report.md, the one-line answer)."""
    from experiments.analysis import plots

    metrics = list(dict.fromkeys([objective, *(b.column for b in budgets)]))
    summary = summarize_lever(runs, lever, metrics)
    sel = select_value(summary, objective, budgets, stat, maximize)
    stability = selection_stability(runs, lever, objective, budgets, stat, maximize, n_boot=n_boot)

    display = pd.DataFrame({"value": summary["value"], "seeds": summary["seeds"]})
    for m in metrics:
        kind = "share" if m.endswith("_share") else "number"
        display[m] = [fmt_estimate(_est(r, m), kind) for _, r in summary.iterrows()]
    display["meets budget"] = ["yes" if all(b.holds(budget_statistic(r, b, stat)) for b in budgets) else "no"
                               for _, r in summary.iterrows()]
    display["chosen (bootstrap share)"] = [f"{100 * stability.get(v, 0.0):.0f}%" for v in summary["value"]]
    md_table = report.write_table(out_dir, "threshold", summary, display)

    numeric = pd.api.types.is_numeric_dtype(summary["value"])
    plot_summary = summary if numeric else summary.assign(value=range(len(summary)))
    chosen_x = sel.value if (numeric or sel.value is None) else list(summary["value"]).index(sel.value)
    plots.lever_curve(plot_summary, lever, (objective, LABELS.get(objective, objective)),
                      [(b.column, LABELS.get(b.column, b.column), b.limit, b.op) for b in budgets],
                      chosen_x, f"Sizing {lever}\n(mean over seeds, band: 95% interval of the mean)",
                      out_dir / "threshold.png", tick_labels=None if numeric else [str(v) for v in summary["value"]])

    if sel.value is None:
        answer = sel.message
    else:
        obj_kind = "share" if objective.endswith("_share") else "number"
        answer = (f"{lever} = {sel.value}: {objective} {fmt_estimate(sel.objective, obj_kind)}; "
                  + "; ".join(f"{c} {fmt_estimate(e)}" for c, e in sel.budget_values.items())
                  + f" (95% intervals over {sel.objective.n} seeds). Chosen in {100 * stability.get(sel.value, 0.0):.0f}% "
                  f"of {n_boot} bootstrap resamples of the seeds.")
    if sel.value is not None and sel.indistinguishable:
        answer += (f" Not distinguishable on {objective} from {', '.join(str(v) for v in sel.indistinguishable)} "
                   "(overlapping intervals): prefer the least collateral among them, or add seeds.")
    none_share = float(stability[stability.index.isna()].sum()) if stability.index.isna().any() else 0.0
    first = runs.iloc[0]
    lines = [
        f"# Threshold sizing: `{lever}`",
        "",
        "## Question",
        "",
        f"Which value of `{lever}` {'maximises' if maximize else 'minimises'} `{objective}` while keeping "
        f"{' and '.join(f'`{b}`' for b in budgets)}?",
        "",
        "## Result",
        "",
        f"**{answer}**",
        "",
        md_table,
        "",
        "![lever curve](threshold.png)",
        "",
        *report.few_seeds_warning(int(summary["seeds"].min())),
        "## Scenario",
        "",
        f"- Scenario `{first['scenario.name']}` ({first['scenario.start_date']} to {first['scenario.end_date']}, "
        f"{int(first['window_days'])} days, target {fmt_number(first['exchanges_target'])} exchanges), "
        f"attacker `{first['attacker.name']}`, policy `{first['policy.name']}` with only `{lever}` varied, "
        f"population `{first['population.name']}`.",
        f"- {summary['value'].size} values x {int(summary['seeds'].max())} seeds ({len(runs)} runs); the same seeds at "
        "every value (common random numbers).",
        "",
        "## Assumptions and sources",
        "",
        "- Defaults trace to `CALIBRATION.md`; the policy preset to `REGULATIONS.md`; every run's full config is in its "
        f"`config.json` under `{sweep_dir}/runs/`.",
        "- Legitimate-user collateral is scaled from the weighted sample to the real population; rare bans are counted "
        "as expected values (sum of per-account ban probabilities), far more precise than sampled counts.",
        "",
        "## Method",
        "",
        f"- Per value: means over seeds with 95% Student-t intervals. A value meets a budget when "
        f"{'the unfavourable end of its interval' if stat == 'upper' else 'its mean'} does. Among those, the best mean "
        "objective wins (ties: the least collateral).",
        f"- Robustness: the seeds are resampled with replacement ({n_boot} bootstrap draws, the same seeds for every value) "
        "and the choice is made again; the share of draws choosing each value is in the table"
        + (f"; {100 * none_share:.0f}% of draws found no value within the budget." if none_share else "."),
        "",
        *report.reproduce_section(__file__, argv, command, sweep_dir, sweeps.code_versions(runs)),
    ]
    path = report.write_report(out_dir, "\n".join(lines) + "\n", f"Threshold sizing: {lever}")
    return path, answer


def _est(row: pd.Series, col: str) -> Estimate:
    return Estimate(float(row[col]), float(row[f"{col}.lo"]), float(row[f"{col}.hi"]), int(row["seeds"]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        budgets = [parse_budget(b) for b in (args.budget or [DEFAULT_BUDGET])]
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    command = None
    if args.from_dir:
        sweep_dir, lever = args.from_dir, args.lever
        values = [v.strip() for v in args.values.split(",")] if args.values else None
        seeds = list(range(args.seeds)) if args.seeds is not None else None
    else:
        command, lever, values, seeds = plan(args)
        print(f"{len(values) * len(seeds)} runs ({len(values)} values of {lever} x {len(seeds)} seeds) into "
              f"{command.sweep_dir}; finished runs are skipped")
        sweeps.run_sweep(command)
        sweep_dir = command.sweep_dir
    runs = sweeps.load_runs(sweep_dir)
    if lever not in runs.columns:
        print(f"error: {lever!r} is not a column of {sweep_dir}/runs.parquet", file=sys.stderr)
        return 2
    if values is not None:
        runs = runs[_matches(runs[lever], values)]
    if seeds is not None:
        runs = runs[runs["seed"].isin(seeds)]
    runs, dropped = sweeps.latest_per_key(runs, [lever, "seed"])
    if dropped:
        print(f"warning: {dropped} older runs of the same (value, seed) ignored", file=sys.stderr)
    missing = [b.column for b in budgets if b.column not in runs.columns] + (
        [args.objective] if args.objective not in runs.columns else [])
    if runs.empty or missing:
        print(f"error: no runs, or metrics not in the table: {missing}", file=sys.stderr)
        return 2
    out_dir = report.new_results_dir("threshold", args.results)
    path, answer = build_report(runs, lever, args.objective, budgets, args.stat, not args.minimize, out_dir,
                                sweep_dir, command, args.argv, args.bootstrap)
    print(to_markdown(pd.read_csv(out_dir / "threshold.csv")[["value", "seeds", *dict.fromkeys(
        [args.objective, *(b.column for b in budgets)])]].round(4)))
    print(f"\n{answer}\n\nreport: {path}\n        {path.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
