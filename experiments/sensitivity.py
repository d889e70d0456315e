"""Global sensitivity per policy: which unknowns each policy's answers hinge on.

Screens the main outputs -- campaign blocked share and attacker cost per
million exchanges, plus wrongful bans and users harmed when the runs have a
legitimate population -- against the uncertainties and attacker strategy knobs
of :data:`experiments.analysis.sensitivity.SELECTION`, each over the plausible
range declared on its config field (``docs/parameters.md``), under one or more
policies. Every policy runs the *same* sample points with the same seed (common
random numbers), so the policies' indices are comparable. Writes
``results/sensitivity/<timestamp>/``: the indices per policy (CSV + Markdown),
one heatmap comparing the policies, and a report with one sentence per policy on
what its answer hinges on.

Usage (from the repository root)::

    python experiments/sensitivity.py --policies status_quo,identity_gating,volume_cap,letter_package --jobs 1
        # screening (the default): Morris, 10 trajectories x 17 points = 170 attacker-only runs per policy
    python experiments/sensitivity.py --policy letter_package --population default     # with the population
    python experiments/sensitivity.py --method sobol --n 64 --population default      # real use: 64 x 21 runs a policy
    python experiments/sensitivity.py --n 32 -- hydra/launcher=slurm

Methods: ``morris`` (the default; SALib's elementary effects on a 4-level grid,
``n x (D + 1)`` runs; ranks the factors by mu*, the mean absolute change of the
output when one factor moves 2/3 of its range, per whole range) and ``sobol``
(Saltelli sampling, ``n x (D + 2)`` runs; first-order and total variance shares,
to about +/-0.1 at n >= 64). Morris is the default because Sobol at a
screening size (n = 8) gives intervals spanning most of [0, 1]. The default population is ``none`` (attacker only, with the
measured legitimate review load), which has no collateral outputs; give
``--population default`` for them. Each sample point is a Hydra config file under
``SWEEP_DIR/points/``; each policy's points run as one resumable multirun
(``distill-sim -m +sweep=sensitivity``). See docs/analyses.md.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import comparison, report, sweeps  # noqa: E402
from experiments.analysis import sensitivity as sa  # noqa: E402
from experiments.analysis.tables import fmt_number, to_markdown  # noqa: E402

CAMPAIGN_OUTPUTS: tuple[str, ...] = ("campaign_blocked_share", "attacker_cost_per_million_exchanges")
COLLATERAL_OUTPUTS: tuple[str, ...] = ("legit_users_wrongly_banned_expected_per_100k", comparison.HARMED)
LABELS = {"campaign_blocked_share": "the blocked share", "attacker_cost_per_million_exchanges": "the cost per million",
          "legit_users_wrongly_banned_expected_per_100k": "wrongful bans", comparison.HARMED: "users harmed"}
POINT_GROUP = "sens_point"
MARKET = ("costs.market.enabled=true", "costs.market.ready_accounts.enabled=true")
METHODS = ("morris", "sobol")
DEFAULT_N = {"morris": 10, "sobol": 8}


@dataclass
class SweepEvaluator:
    """Evaluates sample points with the simulator: one multirun of the command line, then collect.

    Attributes:
        factors: the sampled unknowns.
        sweep_dir: the sweep folder (point files go to ``points/``).
        overrides: Hydra overrides for every run (``policy=...``, ``population=...``, the market, extras).
        lists: the config lists list-item factors rewrite (:func:`config_lists`).
        jobs: parallel runs.
        outputs: the outputs read from the runs.
    """

    factors: tuple[sa.Factor, ...]
    sweep_dir: Path
    overrides: tuple[str, ...] = ()
    lists: dict[str, list] | None = None
    jobs: int | None = None
    outputs: tuple[str, ...] = CAMPAIGN_OUTPUTS
    command: sweeps.SweepCommand | None = None
    runs: pd.DataFrame | None = None

    def trees(self, points: pd.DataFrame) -> list[tuple[dict, list[str]]]:
        """Each point's config tree and defaults overrides (what its point file says)."""
        return [sa.point_config(self.factors, row, self.lists or {}) for _, row in points.iterrows()]

    def __call__(self, points: pd.DataFrame) -> pd.DataFrame:
        points_dir = self.sweep_dir / "points"
        names = [f"p{i:05d}" for i in range(len(points))]
        trees = self.trees(points)
        for name, (tree, defaults) in zip(names, trees, strict=True):
            sa.write_point_file(points_dir / POINT_GROUP / f"{name}.yaml", tree, defaults)
        search = f"hydra.searchpath=[file://{points_dir.resolve()}]"
        self._preflight(search, names[0])
        self.command = sweeps.SweepCommand("sensitivity", (search, f"+{POINT_GROUP}={','.join(names)}", *self.overrides),
                                           self.sweep_dir, self.jobs)
        sweeps.run_sweep(self.command)
        runs = comparison.add_derived(sweeps.load_runs(self.sweep_dir)).reset_index(drop=True)
        rows = sa.match_points(trees, runs)
        self.runs = runs.loc[[r for r in rows if r is not None]]
        missing = [n for n, r in zip(names, rows, strict=True) if r is None]
        if missing:
            raise sweeps.SweepError(f"{len(missing)} sample points have no result (e.g. {missing[:5]}); "
                                    f"re-run the same command to retry them")
        return runs.loc[rows, list(self.outputs)].astype(float).reset_index(drop=True)

    def _preflight(self, search: str, first: str) -> None:
        """Compose the first point (no run) so that a bad key fails now, naming it, not in every run."""
        argv = [sys.executable, "-m", "sim", "--cfg", "job", "+sweep=sensitivity", search, f"+{POINT_GROUP}={first}",
                *self.overrides]
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise sweeps.SweepError(f"the first sample point does not compose:\n{proc.stderr.strip()[-2000:]}")


def config_lists(overrides: Sequence[str]) -> dict[str, list]:
    """The lists factors may rewrite, as the chosen YAML files have them: the population's segments and the
    scenario's lists (operators, providers)."""
    from omegaconf import OmegaConf

    def option(group: str, default: str) -> str:
        return next((o.split("=", 1)[1] for o in overrides if o.startswith(f"{group}=")), default)

    population = OmegaConf.to_container(OmegaConf.load(sweeps.CONF / "population" / f"{option('population', 'default')}.yaml"))
    scenario = OmegaConf.to_container(OmegaConf.load(sweeps.CONF / "scenario" / f"{option('scenario', 'qwen_2026')}.yaml"))
    lists = {f"scenario.{k}": v for k, v in scenario.items() if isinstance(v, list)}
    lists["population.segments"] = list(population.get("segments", []))
    return lists


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/sensitivity.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--policies", help="comma-separated policy presets, all run on the same sample points "
                       "(e.g. status_quo,identity_gating,volume_cap,letter_package)")
    which.add_argument("--policy", default="status_quo", help="one policy preset (default: %(default)s)")
    p.add_argument("--method", choices=METHODS, default="morris", help="morris (screening, the default) or sobol "
                   "(variance shares; n >= 64 for real use)")
    p.add_argument("--n", type=int, help="Morris trajectories (runs = n x (factors + 1); default "
                   f"{DEFAULT_N['morris']}) or Sobol base size, a power of two (runs = n x (factors + 2); default "
                   f"{DEFAULT_N['sobol']}, 64 for real use)")
    p.add_argument("--population", default="none", help="population option (default: %(default)s, attacker only: no "
                   "collateral outputs; 'default' for real use)")
    p.add_argument("--no-market", dest="market", action="store_false",
                   help="leave the account market and its ready-made accounts off (their factors then do nothing)")
    p.add_argument("--sample-seed", type=int, default=0, help="seed of the design and the bootstrap")
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: the launcher's, one per core)")
    p.add_argument("--sweep-dir", type=Path, help="sweep folder prefix (default: results/sweeps/sensitivity-<design "
                   "hash>); each policy gets <prefix>-<policy>")
    p.add_argument("--results", type=Path, default=report.RESULTS, help="results root (default: results/)")
    p.add_argument("overrides", nargs="*", help="extra Hydra overrides for every run (e.g. population.sample_size=50000)")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.policies = [x.strip() for x in args.policies.split(",") if x.strip()] if args.policies else [args.policy]
    args.n = args.n or DEFAULT_N[args.method]
    return args


def plan(args: argparse.Namespace, factors: Sequence[sa.Factor]) -> dict[str, SweepEvaluator]:
    """One evaluator per policy, all with the same factors, lists and settings: only ``policy=`` differs,
    so every policy runs the same sample points (and, every point running seed 0, common random numbers)."""
    base = (f"population={args.population}", *(MARKET if args.market else ()), *args.overrides)
    lists = config_lists(base)
    outputs = CAMPAIGN_OUTPUTS + (COLLATERAL_OUTPUTS if args.population != "none" else ())
    design = hashlib.sha256(f"{args.method} {args.n} {args.sample_seed} {' '.join(sorted(base))} "
                            f"{[(f.name, f.key, f.bounds) for f in factors]}".encode()).hexdigest()[:8]
    prefix = args.sweep_dir or sweeps.read_sweep_dir("sensitivity").with_name(f"sensitivity-{design}")
    return {policy: SweepEvaluator(tuple(factors), prefix.with_name(f"{prefix.name}-{policy}"),
                                   (f"policy={policy}", *base), lists, args.jobs, outputs)
            for policy in args.policies}


def analyse(args: argparse.Namespace, factors: Sequence[sa.Factor], evaluators: dict[str, SweepEvaluator]):
    """Sample once, evaluate the same points under every policy, analyse each: (points, outputs, indices)
    with a ``policy`` column in the last two."""
    if args.method == "morris":
        raw, points = sa.morris_sample(factors, args.n, args.sample_seed)
    else:
        raw, points = sa.sample(factors, args.n, args.sample_seed)
    outs, idxs = [], []
    for policy, evaluator in evaluators.items():
        print(f"[{policy}] {len(points)} runs into {evaluator.sweep_dir}; finished runs are skipped", flush=True)
        y = evaluator(points)
        if args.method == "morris":
            idx = sa.morris_indices(factors, raw, y, args.sample_seed)
        else:
            idx = sa.indices(factors, y, args.sample_seed)
        outs.append(points.join(y).assign(policy=policy))
        idxs.append(idx.assign(policy=policy))
    return points, pd.concat(outs, ignore_index=True), pd.concat(idxs, ignore_index=True)


def display_indices(idx: pd.DataFrame) -> pd.DataFrame:
    """The indices as the report shows them: one row per (policy, output, factor), value +/- half-width."""
    col, conf = sa.measure(idx)
    cols = [(col, conf)] + ([("S1", "S1_conf")] if col == "ST" else [])
    shown = idx[["policy", "output", "parameter"]].copy()
    for c, h in cols:
        shown[c] = [f"{a:.3g} +/- {b:.2g}" if pd.notna(a) else "n/a" for a, b in zip(idx[c], idx[h], strict=True)]
    if col == "mu_star":
        shown["sigma"] = [f"{v:.3g}" if pd.notna(v) else "n/a" for v in idx["sigma"]]
    return shown


def build_report(args, factors, points, outputs, idx, evaluators: dict[str, SweepEvaluator], out_dir: Path) -> Path:
    from experiments.analysis import plots

    col, _ = sa.measure(idx)
    idx.to_csv(out_dir / "indices.csv", index=False)
    outputs.to_csv(out_dir / "samples.csv", index=False)
    md_idx = to_markdown(display_indices(idx))
    (out_dir / "indices.md").write_text(md_idx + "\n", encoding="utf-8")
    shown = [o for o in CAMPAIGN_OUTPUTS if o in set(idx["output"])]
    what = "mu* (Morris: mean absolute elementary effect, the output's change over the factor's whole range)" \
        if col == "mu_star" else "total Sobol index ST (share of the output's variance)"
    plots.sensitivity_heatmap(idx, col, shown, args.policies,
                              f"{args.method.capitalize()} {'mu*' if col == 'mu_star' else 'total index'} per policy "
                              f"(n={args.n}, {len(points)} runs per policy, population={args.population})",
                              out_dir / "sensitivity_policies.png")
    runs = len(points)
    factor_table = pd.DataFrame({
        "unknown": [f.name for f in factors],
        "range": [f.describe() for f in factors],
        "config key": [f"`{f.key}`" for f in factors],
        "source": [f.source for f in factors],
    })
    spread = outputs.groupby("policy", sort=False)[[o for o in evaluators[args.policies[0]].outputs]].agg(
        ["mean", "min", "max"])
    spread.columns = [f"{a} {b}" for a, b in spread.columns]
    spread = spread.map(fmt_number).reset_index()
    sentences = [sa.policy_sentence(p, idx[idx["policy"] == p], LABELS) for p in args.policies]
    lines = [
        "# Global sensitivity per policy",
        "",
        "## Question",
        "",
        f"Under each of {', '.join(f'`{p}`' for p in args.policies)}, which unknowns (uncertainties and the "
        "attacker's strategy knobs, over their declared plausible ranges) do the main answers depend on?",
        "",
        "## Result",
        "",
        *[f"- {s}" for s in sentences],
        "",
        *([f"Total indices, `{p}`: {sa.hinge_sentence(idx[idx['policy'] == p])}" for p in args.policies] + [""]
          if col == "ST" else []),
        f"**{sa.screening_note(args.method, args.n)}**",
        "",
        *(["Attacker only (`population=none`): the runs carry the measured legitimate review load, and the "
           "collateral outputs (wrongful bans, users harmed) are not available; use `--population default` for them.",
           ""] if args.population == "none" else []),
        "![Sensitivity per policy](sensitivity_policies.png)",
        "",
        f"Cells: {what}; same sample points under every policy.",
        "",
        md_idx,
        "",
        "Spread of the outputs over the sample:",
        "",
        to_markdown(spread),
        "",
        "## Scenario and unknowns",
        "",
        f"Reference scenario `qwen_2026` (45-day window, 28.8M-exchange target), population `{args.population}`, "
        f"one seed for every point (seed 0: common random numbers across points and policies), account market "
        f"{'and its ready-made accounts on' if args.market else 'off'}"
        + (f", overrides `{' '.join(args.overrides)}`" if args.overrides else "")
        + ". Each unknown is sampled over the plausible range declared on its config field (docs/parameters.md):",
        "",
        to_markdown(factor_table),
        "",
        "Encodings: the strategy preset is sampled on [0, 2) and floored to one of its two options; a positive range "
        f"spanning a factor of {sa.LOG_SPAN:g} or more is sampled on a log scale; integers are rounded. "
        "`@attacker` switches the strategy config group (a factor set after it, e.g. the pace, overrides the "
        "preset's value); `@vpn_share` scales every segment's VPN share so the casual segment's equals the value; "
        "`@demand_tail_alpha` sets the Pareto index of every heavy-tailed segment; the account market's on/off "
        "switch is a setting (it picks the world asked about), held on (`--no-market`: off).",
        "",
        "## Method",
        "",
        *(["- Morris elementary effects (SALib): "
           f"{args.n} trajectories on a 4-level grid, {len(factors)} unknowns, n x (D + 1) = {runs} runs per policy. "
           "Each elementary effect is the output's change when one factor moves 2/3 of its sampled interval, the "
           "others held, divided by 2/3: the change over the whole range were the effect linear. mu* is their mean "
           "absolute value, in the output's units; sigma, their spread, is large where the factor acts through "
           "interactions or non-linearly. 95% bootstrap intervals (200 resamples). Morris ranks the factors; it does not "
           "apportion variance (use `--method sobol --n 64` for that)."] if col == "mu_star" else
          [f"- Saltelli sampling on a scrambled Sobol sequence (SALib), base size n = {args.n}, {len(factors)} "
           f"unknowns, n x (D + 2) = {runs} runs per policy; first-order (S1) and total (ST) Sobol indices with "
           "95% bootstrap intervals (200 resamples)."]),
        "- The sentence per policy names, for each output, the factor with the largest "
        f"{'mu*' if col == 'mu_star' else 'ST'} and any other within half of it.",
        "- One seed per point: run noise is part of each output (it shows as effects of factors that change little).",
        "- The Sobol code path is tested on the Ishigami function, whose indices are known; the Morris path on a "
        "function with a known ranking (tests/test_sensitivity.py).",
        "",
        "Per-point inputs and outputs (a `policy` column): `samples.csv`; indices: `indices.csv`.",
        "",
        "## Reproduce",
        "",
        "```",
        report.invocation(__file__, args.argv),
        "```",
        "",
        "which ran one sweep per policy:",
        "",
        "```",
        *[ev.command.shell() for ev in evaluators.values() if ev.command is not None],
        "```",
        "",
        "Code: " + ", ".join(f"`{v}`" for v in sorted({v for ev in evaluators.values() if ev.runs is not None
                                                     for v in sweeps.code_versions(ev.runs)})) + ".",
    ]
    return report.write_report(out_dir, "\n".join(lines) + "\n", "Global sensitivity per policy")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        factors = sa.declared_factors(population=args.population != "none")
        evaluators = plan(args, factors)
        per = args.n * (len(factors) + (1 if args.method == "morris" else 2))
        print(f"{args.method}: {per} runs per policy (n={args.n}, {len(factors)} unknowns) x {len(evaluators)} "
              f"policies, the same points for each")
        points, outputs, idx = analyse(args, factors, evaluators)
    except (sweeps.SweepError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    out_dir = report.new_results_dir("sensitivity", args.results)
    path = build_report(args, factors, points, outputs, idx, evaluators, out_dir)
    for policy in args.policies:
        print(sa.policy_sentence(policy, idx[idx["policy"] == policy], LABELS))
    print(sa.screening_note(args.method, args.n))
    print(f"\nreport: {path}\n        {path.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
