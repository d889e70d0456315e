"""Sanctions across repeated campaigns, simulated (sim/campaigns.py) beside the closed form.

For each attacker strategy and seed, runs the ``repeated_2026`` scenario's
campaigns (8, one a quarter) as one simulator run each, in sequence, with the
designation of each campaign drawn on the ``sanctions`` stream and, after a
designation in force, the budget cut and the propensity cut applied; sums the
harvest. Reports, over seeds, the mean and 95% Student-t interval of the
simulated horizon harvest and of its reduction against the unsanctioned
horizon (K x campaign 0's harvest), beside the closed form
(``sim.world.sanctions.horizon``, the ``horizon_*`` metrics of a single run).

    python experiments/repeated_campaigns.py --seeds 20 population=none

Extra arguments are config overrides added to every run (after the defaults
``scenario=repeated_2026 policy=sanctions_after_attribution``). Records are
cached one JSON file per (overrides, attacker, seed) under
``results/repeated_campaigns/runs/``; the table goes to
``results/repeated_campaigns/table.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from joblib import Parallel, delayed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from analysis.stats import mean_ci  # noqa: E402

DEFAULTS = ["scenario=repeated_2026", "policy=sanctions_after_attribution"]
ATTACKERS = ("wide_slow", "churn")


def _one(overrides: list[str], attacker: str, seed: int, out: Path) -> dict:
    key = {"overrides": overrides, "attacker": attacker, "seed": seed}
    path = out / (hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16] + ".json")
    if path.exists():
        rec = json.loads(path.read_text())
        if all(rec.get(k) == v for k, v in key.items()):
            return rec
    from sim.campaigns import simulate_campaigns
    from sim.config.compose import compose

    p = simulate_campaigns(compose([*DEFAULTS, *overrides, f"attacker={attacker}", f"seed={seed}"]))
    closed = p.closed_form
    rec = {
        **key,
        "campaigns": len(p.campaigns),
        "campaigns_run": sum(1 for c in p.campaigns if not c.skipped),
        "campaigns_under_designation": sum(1 for c in p.campaigns if c.designation_in_force),
        "harvested": p.harvested,
        "reduction_share": p.reduction_share,
        "closed_form_expected": closed["horizon_exchanges_expected"],
        "closed_form_reduction_share": closed["horizon_reduction_share"],
        "no_sanctions": closed["horizon_exchanges_no_sanctions"],
        "per_campaign_harvest": [c.harvested for c in p.campaigns],
    }
    path.write_text(json.dumps(rec))
    return rec


def _fmt(est, scale: float, digits: int) -> str:
    if not est.has_interval:
        return f"{est.value * scale:.{digits}f}"
    return f"{est.value * scale:.{digits}f} [{est.lo * scale:.{digits}f}, {est.hi * scale:.{digits}f}]"


def table(records: list[dict]) -> str:
    lines = ["| attacker | seeds | horizon harvest, simulated (M) | closed form (M) | reduction, simulated (%) "
             "| reduction, closed form (%) | campaigns run of K | campaigns under a designation |",
             "|" + "---|" * 8]
    for att in ATTACKERS:
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--attackers", default=",".join(ATTACKERS))
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "repeated_campaigns")
    ap.add_argument("extra", nargs="*", help="config overrides added to every run (e.g. population=none)")
    args = ap.parse_args()
    runs_dir = args.out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    tasks = [(att, s) for att in args.attackers.split(",") for s in range(args.seeds)]
    records = Parallel(n_jobs=args.jobs, verbose=5)(delayed(_one)(args.extra, att, s, runs_dir) for att, s in tasks)
    text = table(records)
    (args.out / "table.md").write_text(f"overrides: {' '.join([*DEFAULTS, *args.extra])}\n\n{text}\n")
    print(text)


if __name__ == "__main__":
    main()
