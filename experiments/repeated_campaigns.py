"""Sanctions across repeated campaigns, simulated (sim/campaigns.py) beside the closed form.

For each attacker strategy and seed, the ``repeated_2026`` scenario's
campaigns (8, one a quarter) are simulated as one run each, with the
designation of each campaign drawn on the ``sanctions`` stream and, after a
designation in force, the budget cut and the propensity cut applied; the
harvest is summed. Reports, over seeds, the mean and 95% Student-t interval
of the simulated horizon harvest and of its reduction against the
unsanctioned horizon (K x campaign 0's harvest), beside the closed form
(``sim.world.sanctions.horizon``, the ``horizon_*`` metrics of a single run).

Usage (from the repository root)::

    python experiments/repeated_campaigns.py --seeds 20 population=none
    python experiments/repeated_campaigns.py --seeds 20 --jobs 2 population=none
    python experiments/repeated_campaigns.py --seeds 20 population=none -- hydra/launcher=slurm

A path's decisions (which campaigns run, under a designation or not) come
from its seed's draws alone, never from a campaign's outcome, so the script
plans every path first (``sim.campaigns.plan_campaigns``) and runs their
campaigns as ordinary points of a resumable sweep
(``conf/sweep/repeated_campaigns.yaml``; one multirun per budget: the
campaigns' seeds are its seed axis), then combines each path from the
collected ``runs.parquet`` (``sim.campaigns.combine``). Extra arguments are
config overrides of the root world, added to every run (after the sweep's
``scenario=repeated_2026 policy=sanctions_after_attribution``). The table
goes to ``results/repeated_campaigns/table.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import sweeps  # noqa: E402
from sim.record.estimates import mean_ci  # noqa: E402
from sim.campaigns import CampaignPath, PlannedCampaign, campaign_config, campaign_overrides, combine, plan_campaigns  # noqa: E402
from sim.config import SimConfig  # noqa: E402

SWEEP = "repeated_campaigns"


@dataclass(frozen=True)
class PathPlan:
    """One path (an attacker strategy and a root seed): its root config, its campaigns, their runs' identities."""

    attacker: str
    seed: int
    cfg: SimConfig
    campaigns: list[PlannedCampaign]
    identities: list[str | None]  # per campaign; None: skipped


def plan_paths(attackers: Sequence[str], seeds: Sequence[int], overrides: Sequence[str]) -> list[PathPlan]:
    """Every path's campaigns, planned from the root configs composed as the sweep composes them."""
    from sim.config.compose import compose
    from sim.sweeps.store import run_identity

    out = []
    for attacker in attackers:
        root = compose([f"+sweep={SWEEP}", f"attacker={attacker}", *overrides])
        for seed in seeds:  # the seed changes nothing else in a config
            cfg = dataclasses.replace(root, seed=seed)
            plan = plan_campaigns(cfg)
            ids = [None if c.skipped else run_identity(campaign_config(cfg, c)) for c in plan]
            out.append(PathPlan(attacker, seed, cfg, plan, ids))
    return out


def check_overrides(paths: Sequence[PathPlan], overrides: Sequence[str]) -> None:
    """Compose one campaign per strategy and budget from its overrides, as a sweep point does.

    Raises:
        sweeps.SweepError: if such a campaign is not the run its path plans (then the
            sweep's runs would never be found).
    """
    from sim.config.compose import compose
    from sim.sweeps.store import run_identity

    seen: set[tuple[str, tuple[str, ...]]] = set()
    for p in paths:
        for c, ident in zip(p.campaigns, p.identities, strict=True):
            key = (p.attacker, tuple(campaign_overrides(p.cfg, c))) if not c.skipped else None
            if key is None or key in seen:
                continue
            seen.add(key)
            point = [f"+sweep={SWEEP}", f"attacker={p.attacker}", *overrides, *key[1], f"seed={c.seed}"]
            if run_identity(compose(point)) != ident:
                raise sweeps.SweepError(f"campaign {c.index} of seed {p.seed}: `{' '.join(point)}` does not compose to the "
                                        "campaign's config (sim.campaigns.campaign_overrides disagrees with campaign_config)")


def commands(paths: Sequence[PathPlan], overrides: Sequence[str], sweep_dir: Path, jobs: int | None) -> list[sweeps.SweepCommand]:
    """The multiruns that run every planned campaign: one per budget (and set of strategies with the same seeds)."""
    groups: dict[tuple[str, ...], dict[str, list[int]]] = {}
    for p in paths:
        for c in p.campaigns:
            if not c.skipped:
                groups.setdefault(tuple(campaign_overrides(p.cfg, c)), {}).setdefault(p.attacker, []).append(c.seed)
    out = []
    for fixed, by_attacker in groups.items():
        by_seeds: dict[tuple[int, ...], list[str]] = {}
        for attacker, seeds in by_attacker.items():
            by_seeds.setdefault(tuple(dict.fromkeys(seeds)), []).append(attacker)
        for seeds, attackers in by_seeds.items():
            out.append(sweeps.SweepCommand(SWEEP, (f"attacker={','.join(attackers)}", *overrides, *fixed,
                                                   f"seed={','.join(map(str, seeds))}"), sweep_dir, jobs))
    return out


def combine_paths(paths: Sequence[PathPlan], runs: pd.DataFrame) -> list[tuple[PathPlan, CampaignPath]]:
    """Each path whose campaigns all have a run in ``runs``, combined; warns about the others."""
    metrics = runs.set_index("run_identity")[["exchanges_harvested", "attacker_cost_usd"]].to_dict("index")
    out, incomplete = [], 0
    for p in paths:
        found = [None if ident is None else metrics.get(ident) for ident in p.identities]
        if any(ident is not None and m is None for ident, m in zip(p.identities, found, strict=True)):
            incomplete += 1
            continue
        out.append((p, combine(p.cfg, p.campaigns, found)))
    if incomplete:
        warnings.warn(f"{incomplete} of {len(paths)} paths miss campaign runs (failed, or not run yet: run the same "
                      "command again); the table shows the complete paths", stacklevel=2)
    return out


def record(p: PathPlan, path: CampaignPath) -> dict:
    """The table's quantities for one path."""
    closed = path.closed_form
    return {
        "attacker": p.attacker,
        "seed": p.seed,
        "campaigns": len(path.campaigns),
        "campaigns_run": sum(1 for c in path.campaigns if not c.skipped),
        "campaigns_under_designation": sum(1 for c in path.campaigns if c.designation_in_force),
        "harvested": path.harvested,
        "reduction_share": path.reduction_share,
        "closed_form_expected": closed["horizon_exchanges_expected"],
        "closed_form_reduction_share": closed["horizon_reduction_share"],
    }


def _fmt(est, scale: float, digits: int) -> str:
    if not est.has_interval:
        return f"{est.value * scale:.{digits}f}"
    return f"{est.value * scale:.{digits}f} [{est.lo * scale:.{digits}f}, {est.hi * scale:.{digits}f}]"


def table(records: list[dict], attackers: Sequence[str] = ("wide_slow", "churn")) -> str:
    """The Markdown table: one line per attacker strategy, over its paths."""
    lines = ["| attacker | seeds | horizon harvest, simulated (M) | closed form (M) | reduction, simulated (%) "
             "| reduction, closed form (%) | campaigns run of K | campaigns under a designation |",
             "|" + "---|" * 8]
    for att in attackers:
        rs = [r for r in records if r["attacker"] == att]
        if not rs:
            continue
        col = lambda k: [r[k] for r in rs]  # noqa: E731
        lines.append(
            f"| {att} | {len(rs)} | {_fmt(mean_ci(col('harvested')), 1e-6, 2)} | {_fmt(mean_ci(col('closed_form_expected')), 1e-6, 2)} "
            f"| {_fmt(mean_ci(col('reduction_share')), 100, 1)} | {_fmt(mean_ci(col('closed_form_reduction_share')), 100, 1)} "
            f"| {_fmt(mean_ci(col('campaigns_run')), 1, 2)} of {rs[0]['campaigns']} | {_fmt(mean_ci(col('campaigns_under_designation')), 1, 2)} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/repeated_campaigns.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=10, help="root seeds 0..N-1, one path each (default: %(default)s)")
    p.add_argument("--attackers", help="attacker strategies, comma list (default: the sweep config's)")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "repeated_campaigns", help="where table.md goes")
    sweeps.add_sweep_arguments(p, "config overrides of the root world for every run (e.g. population=none)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    attackers = sweeps.expand_options("attacker", args.attackers or sweeps.read_sweep_params(SWEEP)["attacker"])
    config_overrides, _ = sweeps.split_overrides(args.overrides)
    sweep_dir = args.from_dir or args.sweep_dir or sweeps.variant_dir(sweeps.read_sweep_dir(SWEEP), args.overrides)
    try:
        paths = plan_paths(attackers, range(args.seeds), config_overrides)
        check_overrides(paths, config_overrides)
    except sweeps.SweepError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.from_dir is None:
        n = sum(1 for p in paths for ident in p.identities if ident is not None)
        print(f"{n} campaign runs ({len(paths)} paths: {len(attackers)} strategies x {args.seeds} seeds) into {sweep_dir}; "
              "finished runs are skipped")
        for command in commands(paths, args.overrides, sweep_dir, args.jobs):
            sweeps.run_sweep(command)
    combined = combine_paths(paths, sweeps.load_runs(sweep_dir))
    text = table([record(p, path) for p, path in combined], attackers)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.md").write_text(f"overrides: {' '.join(['scenario=repeated_2026', 'policy=sanctions_after_attribution', *args.overrides])}"
                                       f"\n\n{text}\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
