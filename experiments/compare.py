"""Policy comparison: which policy blocks how much of the campaign, at what cost to whom.

Runs (or reads) a sweep of policy presets x attacker strategies x seeds on the
reference scenario with common random numbers, and writes
``results/compare/<timestamp>/``: the comparison tables (CSV + Markdown), a
Pareto plot (blocked share vs users harmed), the campaign's cumulative harvest
under each policy, when the campaign was first banned and attributed
(``attribution.md``), and ``report.md`` / ``report.html``.

Usage (from the repository root)::

    python experiments/compare.py --quick          # ~40-240 runs, minutes on 2 cores (the default)
    python experiments/compare.py --full           # 30 seeds, 45 overrun days; hours on 2 cores
    python experiments/compare.py --quick --policies none,status_quo,letter_package
    python experiments/compare.py --from results/sweeps/compare_quick   # analyse existing runs only

The sweep runs through the command line (``distill-sim -m +sweep=compare_quick``)
and is resumable: re-running skips finished runs. See docs/analyses.md.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import comparison, report, sweeps  # noqa: E402
from experiments.analysis.comparison import HARMED, HARMED_LABEL  # noqa: E402
from experiments.analysis.tables import fmt_number, heading, to_markdown  # noqa: E402

MODES = {"quick": "compare_quick", "full": "compare_full"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/compare.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick",
                      help="conf/sweep/compare_quick.yaml: 10 seeds, 15 overrun days (default)")
    mode.add_argument("--full", action="store_const", dest="mode", const="full",
                      help="conf/sweep/compare_full.yaml: 30 seeds, 45 overrun days")
    mode.add_argument("--from", dest="from_dir", type=Path, metavar="SWEEP_DIR",
                      help="analyse the runs already in SWEEP_DIR (collects it first); runs nothing")
    p.add_argument("--policies", help="policy presets, comma list or glob (default: the sweep config's, all presets)")
    p.add_argument("--strategies", help="attacker strategies, comma list (default: the sweep config's)")
    p.add_argument("--seeds", type=int, help="number of seeds 0..N-1 (default: the sweep config's)")
    p.add_argument("--no-collect", action="store_true", help="with --from: read SWEEP_DIR/runs.parquet as it is")
    p.add_argument("--baseline", default="status_quo", help="policy the others are compared with (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: the launcher's, one per core)")
    p.add_argument("--sweep-dir", type=Path, help="where the runs go (default: the sweep config's hydra.sweep.dir)")
    p.add_argument("--results", type=Path, default=report.RESULTS, help="results root (default: results/)")
    p.add_argument("overrides", nargs="*", help="extra Hydra overrides for every run, e.g. population.sample_size=50000")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.mode = args.mode or ("from" if args.from_dir else "quick")
    return args


def _seed_list(spec: str) -> list[int]:
    spec = spec.strip()
    if spec.startswith("range(") and spec.endswith(")"):
        bounds = [int(v) for v in spec[6:-1].split(",")]
        return list(range(*bounds))
    return [int(v) for v in spec.split(",")]


def plan(args: argparse.Namespace) -> tuple[sweeps.SweepCommand, list[str], list[str], list[int]]:
    """The sweep command and the (policies, strategies, seeds) it covers."""
    sweep = MODES[args.mode]
    params = sweeps.read_sweep_params(sweep)
    policies = sweeps.expand_options("policy", args.policies or params["policy"])
    strategies = sweeps.expand_options("attacker", args.strategies or params["attacker"])
    seeds = list(range(args.seeds)) if args.seeds is not None else _seed_list(params["seed"])
    # The baseline first: every contrast needs it, so a sweep stopped half-way is still useful.
    policies = [args.baseline, *(p for p in policies if p != args.baseline)]
    sweep_dir = args.sweep_dir or sweeps.read_sweep_dir(sweep)
    if args.overrides and args.sweep_dir is None:
        # Runs with other overrides go to their own folder, so two variants never mix in one table.
        tag = hashlib.sha256(" ".join(sorted(args.overrides)).encode()).hexdigest()[:8]
        sweep_dir = sweep_dir.with_name(f"{sweep_dir.name}-{tag}")
    overrides = (f"policy={','.join(policies)}", f"attacker={','.join(strategies)}",
                 f"seed={','.join(map(str, seeds))}", *args.overrides)
    return sweeps.SweepCommand(sweep, overrides, sweep_dir, args.jobs), policies, strategies, seeds


def select_runs(runs: pd.DataFrame, policies, strategies, seeds) -> tuple[pd.DataFrame, int]:
    """The runs of this comparison: requested cells only, one (latest) run per cell."""
    sel = runs
    if policies is not None:
        sel = sel[sel["policy.name"].isin(policies) & sel["attacker.name"].isin(strategies) & sel["seed"].isin(seeds)]
    return sweeps.latest_per_key(sel, ["attacker.name", "policy.name", "seed"])


def policy_blurb(name: str) -> str:
    """The first comment lines of ``conf/policy/<name>.yaml``: what the preset stands for.

    ``name`` comes from a received run's config: only a name of this project's presets is
    looked up (never a path built from it), anything else gets no blurb.
    """
    if name not in sweeps.available_options("policy"):
        return "(not a preset of this project)"
    path = sweeps.CONF / "policy" / f"{name}.yaml"
    if not path.is_file():
        return "(no preset file found)"
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# ").strip())
    return " ".join(lines) or "(no description in the preset file)"


def build_report(runs: pd.DataFrame, sweep_dir: Path, out_dir: Path, baseline: str, command: sweeps.SweepCommand | None,
                 dropped: int, argv: list[str]) -> tuple[Path, str]:
    """Tables, figures and report of a comparison; returns report.md and the campaign table (Markdown)."""
    from experiments.analysis import plots  # matplotlib only here

    daily = sweeps.load_daily(sweep_dir, runs["run_identity"].tolist(),
                              list(dict.fromkeys(["attacker_harvested_cum", *comparison.WINDOW_DAILY_COLUMNS])))
    runs = comparison.restrict_to_window(runs, daily)
    table = comparison.compare(runs, baseline=baseline)
    display = comparison.markdown_tables(table, baseline)
    md_campaign = report.write_table(out_dir, "campaign", table, display["campaign"])
    md_collateral = to_markdown(display["collateral"])
    (out_dir / "collateral.md").write_text(md_collateral + "\n", encoding="utf-8")
    md_attribution = ""
    if all(c in runs.columns for c in comparison.ATTRIBUTION):
        md_attribution = to_markdown(comparison.attribution_table(runs, baseline))
        (out_dir / "attribution.md").write_text(md_attribution + "\n", encoding="utf-8")

    colors = plots.policy_colors(table["policy"])
    front = pd.Series(False, index=table.index)
    for _, idx in table.groupby("stratum").groups.items():
        sub = table.loc[idx]
        front.loc[idx] = comparison.pareto_front(sub["campaign_blocked_share"], sub[HARMED])
    table["pareto_front"] = front.to_numpy()
    table.to_csv(out_dir / "comparison.csv", index=False)
    plots.pareto(table, front.to_numpy(), HARMED, "campaign_blocked_share",
                 f"{HARMED_LABEL}\n(wrongly banned + refused at least once + sign-ups lost)",
                 heading("campaign_blocked_share"), "Policy presets: campaign blocked vs collateral\n(mean and 95% interval over seeds)", out_dir / "pareto.png", colors)

    plots.costs(table, baseline, HARMED, "Who pays: the attacker's cost and the legitimate users' harm", out_dir / "costs.png", colors)

    meta = runs[["run_identity", "attacker.name", "policy.name", "seed"]].rename(
        columns={"attacker.name": "stratum", "policy.name": "policy"})
    daily = daily.merge(meta, on="run_identity")
    window = int(runs["window_days"].max())
    target = float(runs["exchanges_target"].max())
    plots.harvest(daily, target, window, "Campaign harvest under each policy (qwen_2026 reference campaign)",
                  out_dir / "harvest.png", colors)

    scen = runs.iloc[0]
    horizon = int(comparison.horizon_days(runs).max())
    seeds = sorted(runs["seed"].unique())
    versions = sweeps.code_versions(runs)
    has_defender_cost = "defender_cost_usd" in runs.columns
    policies = sorted(runs["policy.name"].unique(), key=lambda p: (p != baseline, p))
    lines = [
        "# Policy comparison",
        "",
        "## Question",
        "",
        "How much of a distillation campaign does each policy preset block or delay, what does it cost the attacker, "
        "and what does it cost legitimate users and the defender? Every policy is compared with "
        f"`{baseline}` on the same seeds.",
        "",
        "## Results",
        "",
        *[f"- {h}" for h in comparison.headline(table, baseline)],
        "",
        "### The campaign",
        "",
        md_campaign,
        "",
        "### Collateral and defender cost",
        "",
        md_collateral,
        "",
        *(["### Attribution: when the defenders know whom they face", "",
            "Day of the first ban of an operator account and of attribution (`policy.attribution`: a linked cluster "
            "of banned accounts), restricted means over the simulated horizon; the share of the target harvested "
            "before attribution.", "", md_attribution, ""] if md_attribution else []),
        "![Pareto plot](pareto.png)",
        "",
        "![Cumulative harvest](harvest.png)",
        "",
        "![Who pays: attacker cost multiplier and legitimate users harmed](costs.png)",
        "",
        *report.few_seeds_warning(len(seeds), " (`--full` runs 30)"),
        "## Scenario",
        "",
        f"- Scenario `{scen['scenario.name']}`: window {scen['scenario.start_date']} to {scen['scenario.end_date']} "
        f"({int(scen['window_days'])} days), target {fmt_number(target)} exchanges (CALIBRATION.md, reference incidents, C); "
        f"simulated horizon up to {horizon} days (window + {horizon - int(scen['window_days'])} overrun days; "
        "past the window a run stops when the campaign reaches its target).",
        f"- Legitimate population `{scen['population.name']}` ({fmt_number(scen['population.sample_size'])} sampled accounts "
        f"weighted to {fmt_number(scen['legit_real_users'])} real users). Collateral (wrongly banned, exchanges refused, "
        f"sign-ups lost) is counted over the {int(scen['window_days'])}-day window only, from each run's daily series, so "
        "a policy that delays the campaign is not charged for the extra days it runs; *refused at least once* "
        "(distinct users) has no daily series and covers the whole run.",
        f"- Attacker strategies: {', '.join(f'`{s}`' for s in sorted(runs['attacker.name'].unique()))}; "
        f"seeds: {len(seeds)} ({seeds[0]}..{seeds[-1]}), the same seeds for every policy (common random numbers).",
        f"- Runs analysed: {len(runs)}" + (f" ({dropped} older runs of the same cells ignored)" if dropped else "") + ".",
        "",
        "Policies (from each preset's header in `conf/policy/`):",
        "",
        *[f"- `{p}`: {policy_blurb(p)}" for p in policies],
        "",
        "## Assumptions and sources",
        "",
        "- Every default traces to `CALIBRATION.md` (labels C/R/E/A) and every preset to `REGULATIONS.md` "
        "(S = stated by the source, I = our interpretation); the values used are in the runs' `config.json` "
        f"under `{report.display_path(sweep_dir)}/runs/`.",
        "- The detector threshold and the attacker's footprint are fitted per strategy (`conf/calibration/`, "
        "`experiments/calibrate.py`).",
        "- Assumption-labelled (A) values, notably residential-proxy detection recall, detector noise and costs, are "
        "not varied here: see the sensitivity analysis (`experiments/sensitivity.py`) for how much they matter.",
        "",
        "## Method",
        "",
        "- Levels: mean over seeds with a 95% Student-t interval.",
        f"- Contrasts with `{baseline}` are paired by seed: *blocked vs {baseline}* is the mean per-seed difference "
        "in percentage points (t interval); the *cost multiplier* is the geometric mean of per-seed ratios of the "
        "attacker's cost per million exchanges (t interval on the log scale).",
        "- *Days to target*: the day the attacker reached 99% of its target. Runs that never reach it within the horizon "
        "are censored: the cell gives the median when more than half of the runs reached it (otherwise `>= horizon`) "
        "and the share that did. *Delay* is the paired mean difference of days capped at the horizon (restricted mean); "
        "marked `>=` when some runs of the policy were censored (a lower bound), and flagged when the baseline itself "
        "was censored (then the difference is not a delay).",
        "- *Users harmed per 100k* (Pareto plot): wrongly banned (expected value) + refused at least once + sign-ups lost, "
        "per 100k real users; a user hit twice counts twice.",
        "",
    ]
    missing_base = sorted(set(table["stratum"]) - set(table.loc[table["policy"] == baseline, "stratum"]))
    if missing_base:
        lines += [f"**The baseline `{baseline}` has no runs for {', '.join(f'`{s}`' for s in missing_base)}**: "
                  "the contrasts there are n/a.", ""]
    if not has_defender_cost:
        lines += ["`defender_cost_usd` is not in these runs (the model did not report it yet): "
                  "human reviews done are shown as the defender's workload instead.", ""]
    lines += [
        "Full numbers (every metric, interval bounds, Pareto flag): `comparison.csv`.",
        "",
        *report.reproduce_section(__file__, argv, command, sweep_dir, versions),
    ]
    return report.write_report(out_dir, "\n".join(lines) + "\n", "Policy comparison"), md_campaign


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = None
    if args.mode == "from":
        sweep_dir = args.from_dir
        policies = strategies = seeds = None
    else:
        command, policies, strategies, seeds = plan(args)
        n = len(policies) * len(strategies) * len(seeds)
        print(f"{n} runs ({len(policies)} policies x {len(strategies)} strategies x {len(seeds)} seeds) into "
              f"{command.sweep_dir}; finished runs are skipped")
        sweeps.run_sweep(command)
        sweep_dir = command.sweep_dir
    runs = sweeps.load_runs(sweep_dir, collect_first=not args.no_collect)
    runs, dropped = select_runs(runs, policies, strategies, seeds)
    if dropped:
        warnings.warn(f"{dropped} older runs of the same (strategy, policy, seed) cells ignored; the latest are used",
                      stacklevel=1)
    if runs.empty:
        print(f"error: no runs to compare in {sweep_dir}", file=sys.stderr)
        return 1
    out_dir = report.new_results_dir("compare", args.results)
    path, md_campaign = build_report(runs, sweep_dir, out_dir, args.baseline, command, dropped, args.argv)
    print(md_campaign)
    print(f"\nreport: {path}\n        {path.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
