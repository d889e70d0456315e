"""Cross-provider sharing against an operator on all three labs: blocked share by latency.

Runs (or resumes) three sweeps of ``conf/sweep/peer_sharing_latency.yaml``:
the preset, its ``action=ban`` variant and the same world without sharing,
collects them and prints one row per (action, strategy, latency): blocked
share (mean, 95% Student-t interval over seeds), its paired difference with
no sharing, the operator's accounts banned through sharing (by sharing with
``ban``; after a review sharing opened with ``review``), legitimate users
banned through sharing, and wrongful bans per 100k.

Usage (from the repository root)::

    python experiments/sharing_latency.py --jobs 2                  # 60 + 20 + 60 runs
    python experiments/sharing_latency.py --from results/sweeps     # analyse the three sweeps that exist
    python experiments/sharing_latency.py -- hydra/launcher=slurm   # on a cluster
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import sweeps  # noqa: E402
from sim.record.estimates import mean_ci, paired_diff_ci  # noqa: E402
from experiments.analysis.tables import fmt_estimate, to_markdown  # noqa: E402

SWEEP = "peer_sharing_latency"
# Each variant: its sweep folder's name and what it adds to the sweep. Without sharing the
# latency does nothing; one value of it (a command-line value replaces the swept one) makes one run per seed.
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "(no sharing)": ("peer_sharing_latency_off", ("policy.sharing.enabled=false", "policy.sharing.latency_days=7")),
    "review (preset)": ("peer_sharing_latency", ()),
    "ban": ("peer_sharing_latency_ban", ("policy.sharing.action=ban",)),
}
THROUGH = {"review (preset)": "attacker_banned_after_review_from_sharing", "ban": "attacker_banned_by_sharing"}
LEGIT_THROUGH = {"review (preset)": "legit_banned_after_review_from_sharing", "ban": "legit_banned_by_sharing"}


def sweep_dirs(root: Path, overrides: list[str]) -> dict[str, Path]:
    """Each variant's sweep folder under ``root`` (its own suffix per set of extra overrides)."""
    return {action: sweeps.variant_dir(root / name, overrides) for action, (name, _) in VARIANTS.items()}


def run_all(root: Path, overrides: list[str], seeds: int | None, jobs: int | None) -> None:
    """Run (or resume) the three sweeps."""
    extra = [f"seed=range(0,{seeds})"] if seeds is not None else []
    for action, sweep_dir in sweep_dirs(root, overrides).items():
        sweeps.run_sweep(sweeps.SweepCommand(SWEEP, (*VARIANTS[action][1], *extra, *overrides), sweep_dir, jobs))


def table(dirs: dict[str, Path]) -> pd.DataFrame:
    """The latency table from the three collected sweeps."""
    runs = {action: sweeps.load_runs(path) for action, path in dirs.items()}
    rows = []
    for strategy in ("wide_slow", "churn"):
        base = runs["(no sharing)"]
        base = base[base["attacker.name"] == strategy].set_index("seed")
        rows.append({"action": "(no sharing)", "attacker": strategy, "latency (days)": "–",
                     "blocked share": fmt_estimate(mean_ci(base["campaign_blocked_share"]), "share"),
                     "vs no sharing (pp)": "(baseline)", "operator accounts banned through sharing": "0",
                     "legitimate users banned through sharing": "0",
                     "wrongly banned per 100k (expected)": fmt_estimate(mean_ci(base["legit_users_wrongly_banned_expected_per_100k"]))})
        for action in ("review (preset)", "ban"):
            sub = runs[action][runs[action]["attacker.name"] == strategy]
            for latency, g in sorted(sub.groupby("policy.sharing.latency_days")):
                g = g.set_index("seed").sort_index()
                b = base.loc[g.index]
                rows.append({"action": action, "attacker": strategy, "latency (days)": f"{latency:g}",
                             "blocked share": fmt_estimate(mean_ci(g["campaign_blocked_share"]), "share"),
                             "vs no sharing (pp)": fmt_estimate(paired_diff_ci(g["campaign_blocked_share"], b["campaign_blocked_share"]), "pp", signed=True),
                             "operator accounts banned through sharing": fmt_estimate(mean_ci(g[THROUGH[action]])),
                             "legitimate users banned through sharing": fmt_estimate(mean_ci(g[LEGIT_THROUGH[action]])),
                             "wrongly banned per 100k (expected)": fmt_estimate(mean_ci(g["legit_users_wrongly_banned_expected_per_100k"]))})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python experiments/sharing_latency.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="from_root", type=Path, metavar="ROOT",
                        help="analyse the three sweeps already under ROOT (collects them first); runs nothing")
    parser.add_argument("--root", type=Path, help="where the three sweep folders go (default: the sweep config's parent folder)")
    parser.add_argument("--seeds", type=int, help="number of seeds 0..N-1 (default: the sweep config's, 10)")
    parser.add_argument("--jobs", type=int, default=None, help="parallel runs (default: the launcher's, one per core)")
    parser.add_argument("overrides", nargs="*", help="extra Hydra overrides for every run (own sweep folders)")
    args = parser.parse_args(argv)
    root = args.from_root or args.root or sweeps.read_sweep_dir(SWEEP).parent
    if args.from_root is None:
        run_all(root, args.overrides, args.seeds, args.jobs)
    print(to_markdown(table(sweep_dirs(root, args.overrides))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
