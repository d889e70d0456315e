"""Cross-provider sharing against an operator on all three labs: blocked share by latency.

Reads three sweeps of ``conf/sweep/peer_sharing_latency.yaml`` (the preset, its
``action=ban`` variant and the same world without sharing; commands in
docs/presets_real_rules.md), collects them and prints one row per (action,
strategy, latency): blocked share (mean, 95% Student-t interval over seeds),
its paired difference with no sharing, the operator's accounts banned through
sharing (by sharing with ``ban``; after a review sharing opened with
``review``), legitimate users banned through sharing, and wrongful bans per
100k. Analysis only: it never imports the simulator.

    python experiments/sharing_latency.py [--root results/sweeps]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))

from analysis.stats import mean_ci, paired_diff_ci  # noqa: E402
from analysis.sweeps import load_runs  # noqa: E402
from analysis.tables import fmt_estimate, to_markdown  # noqa: E402

SWEEPS = {"(no sharing)": "peer_sharing_latency_off", "review (preset)": "peer_sharing_latency", "ban": "peer_sharing_latency_ban"}
THROUGH = {"review (preset)": "attacker_banned_after_review_from_sharing", "ban": "attacker_banned_by_sharing"}
LEGIT_THROUGH = {"review (preset)": "legit_banned_after_review_from_sharing", "ban": "legit_banned_by_sharing"}


def table(root: Path) -> pd.DataFrame:
    """The latency table from the three collected sweeps under ``root``."""
    runs = {action: load_runs(root / name) for action, name in SWEEPS.items()}
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT / "results" / "sweeps", help="folder holding the three sweeps")
    args = parser.parse_args(argv)
    print(to_markdown(table(args.root)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
