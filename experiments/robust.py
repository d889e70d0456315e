"""Robust answers: what each policy blocks and costs against the two presets and the attacker's best reply, by budget.

A headline "blocked" figure is only as good as the attacker it assumes. For each policy
and each budget (the reference budget, 3x it, and a budget that never binds) this runs
the attacker's best-response search (:mod:`experiments.best_response`, the search config
``conf/search/<mode>.yaml``) and re-evaluates the strategy found beside the two presets
(``wide_slow``, ``churn``) on the same fresh seeds. Per policy and budget it reports the
blocked share and the cost multiplier (cost per million exchanges against the status
quo's for the same attacker, paired by seed; for the best response, against the best
response to the status quo) under each attacker, the **worst case** for the defender
(the attacker that does best: the strategy that reaches the target most cheaply, or
else harvests most), and the **regret** (for each attacker, how many points of blocked
share the policy gives up against the policy that blocks most against that attacker;
the worst over attackers).

Usage (from the repository root)::

    python experiments/robust.py                       # quick: 5 policies x 3 budgets, ~1-2 h on 2 cores
    python experiments/robust.py --policies status_quo,identity_gating --budgets reference,unlimited
    python experiments/robust.py --full -- hydra/launcher=slurm   # conf/search/full.yaml: cluster work

Every search is resumable and every run content-addressed (running the same command again
simulates only what is missing). Writes ``results/robust/<stamp>/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments import best_response as br  # noqa: E402
from experiments.analysis import report, sweeps  # noqa: E402
from sim.record import estimates  # noqa: E402
from experiments.analysis import search as sr  # noqa: E402
from experiments.analysis.names import policy_label  # noqa: E402
from experiments.analysis.tables import to_markdown  # noqa: E402
from experiments.budget import REFERENCE_BUDGET  # noqa: E402

POLICIES = ("status_quo", "identity_gating", "volume_cap", "cross_provider_sharing", "letter_package")
BASELINE = "status_quo"
# name -> budget in USD (None: the scenario's, $100M, which never binds)
BUDGETS = {"reference": REFERENCE_BUDGET, "3x": 3 * REFERENCE_BUDGET, "unlimited": None}
ATTACKERS = (*br.PRESETS, br.FOUND)
ATTACKER_LABEL = {"wide_slow": "wide_slow", "churn": "churn", br.FOUND: "best response"}


def budget_text(name: str) -> str:
    value = BUDGETS[name]
    return "unlimited ($100M, never binds)" if value is None else f"{name} (${value / 1e6:.2f}M)"


def cells(results: dict[tuple[str, str], br.PolicyResult]) -> pd.DataFrame:
    """One row per (budget, policy, attacker): blocked share and cost multiplier with intervals, worst case, regret."""
    rows = []
    for (budget, policy), r in results.items():
        base = results.get((budget, BASELINE))
        for attacker in ATTACKERS:
            runs = r.fresh[r.fresh["strategy"] == attacker].set_index("seed")
            if runs.empty:
                continue
            blocked = estimates.mean_ci(runs[br.BLOCKED], lo=0.0, hi=1.0)
            cost = estimates.mean_ci(runs[br.COST], lo=0.0)
            mult = estimates.Estimate(math.nan, math.nan, math.nan, 0)
            if base is not None:
                b = base.fresh[base.fresh["strategy"] == attacker].set_index("seed")
                common = runs.index.intersection(b.index)
                if len(common):
                    mult = estimates.paired_ratio_ci(runs.loc[common, br.COST], b.loc[common, br.COST])
            rows.append({"budget": budget, "policy": policy, "attacker": attacker,
                         "blocked": blocked.value, "blocked_lo": blocked.lo, "blocked_hi": blocked.hi,
                         "cost_per_m": cost.value, "multiplier": mult.value, "multiplier_lo": mult.lo,
                         "multiplier_hi": mult.hi, "seeds": blocked.n, "worst": attacker == r.worst,
                         "wrongly_banned_per_100k": float(runs["legit_users_wrongly_banned_expected_per_100k"].mean()),
                         "legit_refused_share": float(runs["legit_exchanges_refused_share"].mean())})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    best = out.groupby(["budget", "attacker"])["blocked"].transform("max")
    out["regret"] = best - out["blocked"]
    return out


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (budget, policy): the worst case and the largest regret over attackers."""
    rows = []
    for (budget, policy), g in table.groupby(["budget", "policy"], sort=False):
        worst = g[g["worst"]]
        w = worst.iloc[0] if len(worst) else g.sort_values("blocked").iloc[0]
        rows.append({"budget": budget, "policy": policy, "worst attacker": ATTACKER_LABEL[w["attacker"]],
                     "worst-case blocked": w["blocked"], "worst-case multiplier": w["multiplier"],
                     "max regret": g["regret"].max()})
    return pd.DataFrame(rows)


def share(x: float, lo: float = math.nan, hi: float = math.nan) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{100 * x:.1f}%" + (f" [{100 * lo:.1f}, {100 * hi:.1f}]" if math.isfinite(lo) else "")


def times(x: float, lo: float = math.nan, hi: float = math.nan) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.2f}x" + (f" [{lo:.2f}, {hi:.2f}]" if math.isfinite(lo) else "")


def display(table: pd.DataFrame, budgets: Sequence[str], policies: Sequence[str]) -> pd.DataFrame:
    """Policy x attacker cells (blocked share; cost multiplier), one block of rows per budget."""
    rows = []
    for budget in budgets:
        for policy in policies:
            g = table[(table["budget"] == budget) & (table["policy"] == policy)].set_index("attacker")
            if g.empty:
                continue
            row = {"budget": budget_text(budget), "policy": policy_label(policy)}
            for a in ATTACKERS:
                if a not in g.index:
                    row[ATTACKER_LABEL[a]] = "n/a"
                    continue
                c = g.loc[a]
                star = " **(worst)**" if c["worst"] else ""
                row[ATTACKER_LABEL[a]] = (f"{share(c['blocked'], c['blocked_lo'], c['blocked_hi'])}; "
                                          f"{times(c['multiplier'], c['multiplier_lo'], c['multiplier_hi'])}{star}")
            row["max regret (pp)"] = f"{100 * g['regret'].max():.1f}"
            rows.append(row)
    return pd.DataFrame(rows)


def strategies(results: dict[tuple[str, str], br.PolicyResult]) -> pd.DataFrame:
    return pd.DataFrame([{"budget": budget_text(b), "policy": policy_label(p), "strategy found": br.strategy_text(r.best),
                          "search": f"{r.seconds / 60:.1f} min, {r.simulated} runs simulated, {r.replayed} read"}
                         for (b, p), r in results.items()])


def build_report(results, table, budgets, policies, cfg: br.SearchConfig, argv, out_dir: Path) -> tuple[Path, str]:
    table.to_csv(out_dir / "cells.csv", index=False)
    summ = summary(table)
    summ.to_csv(out_dir / "summary.csv", index=False)
    main_md = to_markdown(display(table, budgets, policies))
    summ_display = summ.assign(
        budget=summ["budget"].map(budget_text), policy=summ["policy"].map(policy_label),
        **{"worst-case blocked": summ["worst-case blocked"].map(share),
           "worst-case multiplier": summ["worst-case multiplier"].map(times),
           "max regret": summ["max regret"].map(lambda x: f"{100 * x:.1f} pp")})
    lines = [
        "# Robust answers: each policy against the presets and the attacker's best response",
        "",
        "## Result",
        "",
        f"Each cell: campaign blocked share within the window; cost multiplier (cost per million exchanges against the "
        f"status quo's for the same attacker, paired by seed; the best response against the best response to the status "
        f"quo). Mean [95% interval] over {len(cfg.fresh_seeds)} fresh seeds, re-evaluated "
        + (f"with `{' '.join(cfg.fresh_overrides)}`" if cfg.fresh_overrides else "as searched")
        + ". **(worst)** marks the attacker that does best against the policy (reaches the target most cheaply, or "
          "else harvests most). Regret: points of blocked share the policy gives up against the policy that blocks "
          "most against the same attacker at the same budget, the largest over the three attackers.",
        "",
        main_md,
        "",
        "Worst case and regret by budget:",
        "",
        to_markdown(summ_display),
        "",
        *([f"**Quick mode.** {br.QUICK_TRADE}", ""] if cfg.name == "quick" else []),
        "## The strategies found",
        "",
        to_markdown(strategies(results)),
        "",
        "## Method",
        "",
        f"- Search: `conf/search/{cfg.name}.yaml` ({cfg.trials} Optuna TPE trials x {len(cfg.seeds)} common-random-number "
        f"seeds per policy and budget; objective: {br.OBJECTIVES[cfg.objective].label}); see the best-response report "
        "(`experiments/best_response.py`) for the space searched. The best trial is re-evaluated beside both presets on "
        "fresh seeds; only the fresh-seed numbers are quoted (the best of many noisy trials is optimistic on its own seeds).",
        "- Budgets: the reference budget is the status quo's measured spend on the reference campaign with a budget that "
        "never binds (an assumption: no budget figure is public); the operator paces its spend over the window and never "
        "exceeds it.",
        "- The status quo's row is the baseline of every multiplier (1.00x by construction).",
        "",
        "## Reproduce",
        "",
        "```",
        report.invocation(__file__, argv),
        "```",
        "",
        "Running it again resumes every search and simulates only what is missing; search folders:",
        "",
        *[f"- {budget_text(b)}, {p}: `{report.display_path(r.sweep_dir)}`" for (b, p), r in results.items()],
    ]
    md = "\n".join(lines) + "\n"
    return report.write_report(out_dir, md, "Robust answers"), main_md


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/robust.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--policies", default=",".join(POLICIES), help="comma-separated policy presets (default: %(default)s)")
    p.add_argument("--budgets", default=",".join(BUDGETS), help=f"comma-separated, of {', '.join(BUDGETS)} (default: all)")
    p.add_argument("--search", default="quick", help="the search config, conf/search/<name>.yaml (default: %(default)s)")
    p.add_argument("--full", action="store_true", help="the full search (conf/search/full.yaml): a cluster's work")
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: the launcher's, one per core)")
    p.add_argument("--results", type=Path, default=report.RESULTS, help="results root (default: results/)")
    p.add_argument("overrides", nargs="*", help="extra overrides for every run; Hydra's own too (hydra/launcher=slurm)")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.budget_names = [b.strip() for b in args.budgets.split(",") if b.strip()]
    bad = [b for b in args.budget_names if b not in BUDGETS]
    if bad:
        p.error(f"--budgets {','.join(bad)}: one of {', '.join(BUDGETS)}")
    if BASELINE not in args.policies.split(","):
        p.error(f"--policies must include {BASELINE}: it is the baseline of every cost multiplier")
    return args


def main(argv: list[str] | None = None) -> int:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    args = parse_args(argv)
    try:
        base = br.SearchConfig.load("full" if args.full else args.search)
        space = sr.search_space(base.dimensions)
        policies = sweeps.expand_options("policy", args.policies)
        extra, hydra = sweeps.split_overrides(args.overrides)
        results: dict[tuple[str, str], br.PolicyResult] = {}
        for budget in args.budget_names:
            cfg = dataclasses.replace(base, budget_usd=BUDGETS[budget])
            for policy in policies:
                print(f"[robust] budget {budget_text(budget)}, policy {policy}")
                results[(budget, policy)] = br.search_policy(policy, cfg, space, extra, hydra, args.jobs)
    except (sweeps.SweepError, sr.SearchSpaceError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    table = cells(results)
    out_dir = report.new_results_dir("robust", args.results)
    path, main_md = build_report(results, table, args.budget_names, policies, base, args.argv, out_dir)
    print(main_md)
    print(f"\nreport: {path}\n        {path.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
