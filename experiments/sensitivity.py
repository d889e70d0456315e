"""Global sensitivity: which unknowns of CALIBRATION.md the simulator's answers hinge on.

Sobol indices (first order and total, Saltelli sampling via SALib) of the main
outputs -- campaign blocked share, attacker cost per million exchanges,
legitimate users wrongly banned and harmed per 100k -- to the unknowns and
their ranges (:data:`experiments.analysis.sensitivity.FACTORS`: attacker
strategy, proxy mix and residential-proxy detection recall, detector noise,
review capacity, costs, legitimate demand tails and VPN share...), under one
policy. Writes ``results/sensitivity/<timestamp>/``: the indices (CSV +
Markdown), a bar chart with confidence intervals, and a report naming the
unknowns the conclusions hinge on.

Usage (from the repository root)::

    python experiments/sensitivity.py                    # screening: n=8, 8 x (17 + 2) = 152 runs
    python experiments/sensitivity.py --n 64             # for real use: 1,216 runs (a cluster, or a night)
    python experiments/sensitivity.py --policy letter_package attacker.max_pace_multiplier=3
    python experiments/sensitivity.py --n 64 -- hydra/launcher=slurm

Each sample point is a Hydra config file under ``SWEEP_DIR/points/``; all
points run as one resumable multirun (``distill-sim -m +sweep=sensitivity``).
With n=8 the intervals are wide: read it as a screening of which unknowns
matter; n >= 64 gives indices to about +/-0.1. See docs/analyses.md.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import comparison, report, sweeps  # noqa: E402
from experiments.analysis import sensitivity as sa  # noqa: E402
from experiments.analysis.tables import fmt_number, to_markdown  # noqa: E402

OUTPUTS: tuple[str, ...] = (
    "campaign_blocked_share",
    "attacker_cost_per_million_exchanges",
    "legit_users_wrongly_banned_expected_per_100k",
    comparison.HARMED,
)
POINT_GROUP = "sens_point"


@dataclass
class SweepEvaluator:
    """Evaluates sample points with the simulator: one multirun of the command line, then collect.

    Attributes:
        factors: the sampled unknowns.
        sweep_dir: the sweep folder (point files go to ``points/``).
        overrides: extra Hydra overrides for every run (e.g. ``policy=letter_package``).
        population: the population option whose segments segment-level factors rewrite.
        jobs: parallel runs.
    """

    factors: tuple[sa.Factor, ...]
    sweep_dir: Path
    overrides: tuple[str, ...] = ()
    population: str = "default"
    jobs: int | None = None
    outputs: tuple[str, ...] = OUTPUTS
    command: sweeps.SweepCommand | None = None
    runs: pd.DataFrame | None = None

    def _segments(self) -> list[dict]:
        from omegaconf import OmegaConf

        conf = OmegaConf.to_container(OmegaConf.load(sweeps.CONF / "population" / f"{self.population}.yaml"))
        return list(conf.get("segments", []))

    def __call__(self, points: pd.DataFrame) -> pd.DataFrame:
        points_dir = self.sweep_dir / "points"
        names = [f"p{i:05d}" for i in range(len(points))]
        segments = self._segments()
        trees = [sa.point_config(self.factors, row, segments) for _, row in points.iterrows()]
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
        return runs.loc[rows, list(self.outputs)].reset_index(drop=True)

    def _preflight(self, search: str, first: str) -> None:
        """Compose the first point (no run) so that a bad key fails now, naming it, not in every run."""
        argv = [sys.executable, "-m", "sim", "--cfg", "job", "+sweep=sensitivity", search, f"+{POINT_GROUP}={first}",
                *self.overrides]
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise sweeps.SweepError(f"the first sample point does not compose:\n{proc.stderr.strip()[-2000:]}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/sensitivity.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=8, help="Saltelli base sample size, a power of two; runs = n x (factors + 2) "
                   "(default: %(default)s, screening; use 64+ for real use)")
    p.add_argument("--policy", default="status_quo", help="policy preset the outputs are measured under (default: %(default)s)")
    p.add_argument("--sample-seed", type=int, default=0, help="seed of the Sobol sequence scrambling and the bootstrap")
    p.add_argument("--jobs", type=int, default=None, help="parallel runs (default: the launcher's, one per core)")
    p.add_argument("--sweep-dir", type=Path, help="where the runs go (default: results/sweeps/sensitivity-<design hash>)")
    p.add_argument("--results", type=Path, default=report.RESULTS, help="results root (default: results/)")
    p.add_argument("overrides", nargs="*", help="extra Hydra overrides for every run (e.g. population.sample_size=50000)")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def build_report(factors, points, outputs, idx, n, args, evaluator: SweepEvaluator, out_dir: Path) -> Path:
    from experiments.analysis import plots

    idx.to_csv(out_dir / "indices.csv", index=False)
    points.join(outputs).to_csv(out_dir / "samples.csv", index=False)
    display = idx.assign(
        S1=[f"{a:.2f} +/- {b:.2f}" for a, b in zip(idx["S1"], idx["S1_conf"], strict=True)],
        ST=[f"{a:.2f} +/- {b:.2f}" for a, b in zip(idx["ST"], idx["ST_conf"], strict=True)],
    )[["output", "parameter", "S1", "ST"]]
    md_idx = to_markdown(display)
    (out_dir / "indices.md").write_text(md_idx + "\n", encoding="utf-8")
    plots.sensitivity_bars(idx, f"Sobol indices under policy `{args.policy}` (n={n}, {len(points)} runs)",
                           out_dir / "sensitivity.png")
    factor_table = pd.DataFrame({
        "unknown": [f.name for f in factors],
        "range": [" / ".join(f.choices) if f.choices else f"{fmt_number(f.lo)} - {fmt_number(f.hi)}" for f in factors],
        "config key": [f"`{f.key}`" for f in factors],
        "source": [f.source for f in factors],
    })
    spread = outputs.describe().T[["mean", "min", "max"]].map(fmt_number).reset_index(names="output")
    lines = [
        "# Global sensitivity analysis",
        "",
        "## Question",
        "",
        f"Under policy `{args.policy}`, which of the unknowns in CALIBRATION.md do the main answers "
        "(campaign blocked, attacker cost, collateral) depend on, and which could be fixed at their defaults?",
        "",
        "## Result",
        "",
        f"**{sa.hinge_sentence(idx)}**",
        "",
        *([f"**Screening only: n = {n}.** With so few base samples the indices' intervals span most of [0, 1]; "
           "read the order of the leaders at most, and use n >= 32 (64 documented) before quoting an index.", ""]
          if n < 32 else []),
        "![Sobol indices](sensitivity.png)",
        "",
        md_idx,
        "",
        "Spread of the outputs over the sample:",
        "",
        to_markdown(spread),
        "",
        "## Scenario and unknowns",
        "",
        "Reference scenario `qwen_2026` (45-day window, 28.8M-exchange target), default population, one seed for every "
        f"point (seed 0), policy `{args.policy}`" + (f", overrides `{' '.join(args.overrides)}`" if args.overrides else "")
        + ". Each unknown is sampled uniformly over its range:",
        "",
        to_markdown(factor_table),
        "",
        "Special keys: `@attacker` switches the strategy config group; `@proxy_residential_share` sets the residential "
        "share of the attacker's exits (the rest split 2:1 mobile:datacenter as in the default); `@vpn_share` scales "
        "every segment's VPN share so the casual segment's equals the value; `@demand_tail_alpha` sets the Pareto index "
        "of every heavy-tailed segment (API businesses, evaluators).",
        "",
        "## Method",
        "",
        f"- Saltelli sampling on a scrambled Sobol sequence (SALib), base size n = {n}, {len(factors)} unknowns, "
        f"n x (D + 2) = {len(points)} runs; first-order (S1) and total (ST) Sobol indices with 95% bootstrap "
        "intervals (200 resamples). The strategy is sampled on [0, 2) and floored to one of its two options.",
        "- Sobol indices apportion the output's variance over these ranges: ST >= 0.1 means the unknown matters; "
        "ST close to 0 means the answer holds whatever its value in its range. Run noise (one seed per point) shows up "
        "as indices that do not sum to 1 and as the spread of small indices around 0.",
        f"- {'Screening size: the intervals are wide; use --n 64 or more before relying on the ranking.' if n < 64 else 'Use the intervals in the chart to judge the ranking.'}",
        "- The same code path is tested on the Ishigami function, whose indices are known (tests/test_sensitivity.py).",
        "",
        "Per-point inputs and outputs: `samples.csv`; indices: `indices.csv`; the points' config files: "
        f"`{evaluator.sweep_dir}/points/{POINT_GROUP}/`.",
        "",
        *report.reproduce_section(__file__, args.argv, evaluator.command, evaluator.sweep_dir,
                                  sweeps.code_versions(evaluator.runs) if evaluator.runs is not None else []),
    ]
    return report.write_report(out_dir, "\n".join(lines) + "\n", "Global sensitivity analysis")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    factors = sa.FACTORS
    overrides = (f"policy={args.policy}", *args.overrides)
    population = next((o.split("=", 1)[1] for o in overrides if o.startswith("population=")), "default")
    design = hashlib.sha256(f"{args.n} {args.sample_seed} {' '.join(sorted(overrides))} "
                            f"{[(f.name, f.key, f.bounds) for f in factors]}".encode()).hexdigest()[:8]
    sweep_dir = args.sweep_dir or sweeps.read_sweep_dir("sensitivity").with_name(f"sensitivity-{design}")
    runs = args.n * (len(factors) + 2)
    print(f"{runs} runs (n={args.n} x ({len(factors)} unknowns + 2)) into {sweep_dir}; finished runs are skipped")
    evaluator = SweepEvaluator(tuple(factors), sweep_dir, overrides, population, args.jobs)
    try:
        points, outputs, idx = sa.run_sobol(factors, evaluator, args.n, seed=args.sample_seed)
    except (sweeps.SweepError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    out_dir = report.new_results_dir("sensitivity", args.results)
    path = build_report(factors, points, outputs, idx, args.n, args, evaluator, out_dir)
    print(sa.hinge_sentence(idx))
    print(f"\nreport: {path}\n        {path.with_suffix('.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
