"""The presets that mirror real rules and programmes (issue 5): one table, 10+ seeds.

For each row (a policy preset, on a scenario, with any extra overrides) and
each attacker strategy, runs seeds 0..n-1 (common random numbers: seed s is
the same world under every row) and reports the mean and 95% Student-t
interval of: campaign blocked share, days of delay against the row's
baseline (paired, days to target capped at the horizon), attacker cost per
million exchanges, legitimate users wrongly banned per 100k (expected),
legitimate exchanges refused (share), sign-ups lost. Collateral is counted
within the campaign window (daily series), as experiments/compare.py does.

    python experiments/presets_real_rules.py --seeds 10 --jobs 2

Runs are cached one JSON file each under results/presets_real_rules/runs/,
so an interrupted table resumes; the table goes to
results/presets_real_rules/table.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from analysis.stats import mean_ci, paired_diff_ci  # noqa: E402

OVERRUN = 15  # days simulated after the window so that delays can be measured
COMMON = [f"scenario.overrun_days={OVERRUN}"]
RESELLER_WORLD = ["scenario=qwen_2026_resellers", "attacker.resellers.base_share=0.5"]
GATING_NEW_ONLY = ["policy.identity_gating.reverify_on_flag=false", "policy.identity_gating.ownership_screen.enabled=false"]
READY_MARKET = ["costs.market.enabled=true", "costs.market.ready_accounts.enabled=true", "costs.market.price_elasticity=0",
                "costs.market.capacity_elasticity=0", "costs.market.price_noise_sd=0"]
# (label, overrides, baseline label). sanctions_after_attribution is the status quo
# inside one campaign (tests/test_sanctions.py), so it is the reference row's baseline.
ROWS: list[tuple[str, list[str], str]] = [
    ("sanctions_after_attribution (= status_quo in the window)", ["policy=sanctions_after_attribution", "scenario=repeated_2026"], "sanctions_after_attribution (= status_quo in the window)"),
    ("provider_id_gating_2026", ["policy=provider_id_gating_2026"], "sanctions_after_attribution (= status_quo in the window)"),
    # Decomposition: the preset before re-verification on a flag and the ownership screen (new accounts only) ...
    ("provider_id_gating_2026, new accounts only", ["policy=provider_id_gating_2026", *GATING_NEW_ONLY], "sanctions_after_attribution (= status_quo in the window)"),
    # ... and the preset when ready-made verified accounts are for sale (identity prices held fixed, so only they change).
    ("provider_id_gating_2026 + ready-made accounts", ["policy=provider_id_gating_2026", *READY_MARKET], "sanctions_after_attribution (= status_quo in the window)"),
    ("peer_sharing", ["policy=peer_sharing"], "sanctions_after_attribution (= status_quo in the window)"),
    ("aggregate_volume_reporting", ["policy=aggregate_volume_reporting"], "sanctions_after_attribution (= status_quo in the window)"),
    ("nationality_gating", ["policy=nationality_gating"], "sanctions_after_attribution (= status_quo in the window)"),
    ("status_quo, reseller world", ["policy=status_quo", *RESELLER_WORLD], "status_quo, reseller world"),
    ("reseller_kyc, reseller world", ["policy=reseller_kyc", *RESELLER_WORLD], "status_quo, reseller world"),
]
ATTACKERS = ("wide_slow", "churn")


def _one(label: str, overrides: list[str], attacker: str, seed: int, out: Path) -> dict:
    name = hashlib.sha256(json.dumps([label, overrides, attacker, seed]).encode()).hexdigest()[:16]
    path = out / f"{name}.json"
    key = {"label": label, "attacker": attacker, "seed": seed}
    if path.exists():
        rec = json.loads(path.read_text())
        if all(rec.get(k) == v for k, v in key.items()):
            return rec
    from sim.config.compose import compose
    from sim.runner import run

    cfg = compose([*COMMON, *overrides, f"attacker={attacker}", f"seed={seed}"])
    res = run(cfg)
    m, d = res.metrics, res.daily
    w = int(m["window_days"])
    win = d[d["day"] < w]
    real = m["legit_real_users"]
    rec = {
        **key,
        "overrides": overrides,
        "campaign_blocked_share": m["campaign_blocked_share"],
        "days_to_target": m["days_to_target"],
        "horizon_days": w + OVERRUN,
        "attacker_cost_per_million_exchanges": m["attacker_cost_per_million_exchanges"],
        "legit_wrongly_banned_expected_per_100k": float(win["legit_users_wrongly_banned_expected"].sum()) / real * 1e5 if real else 0.0,
        "legit_exchanges_refused_share": float(win["legit_refused_real"].sum() / win["legit_requested_real"].sum()),
        "legit_signups_lost": float(win["legit_signups_lost_cum"].iloc[-1]),
        # Existing users lost at re-verification (at the start, or on a flag), in the window.
        "legit_lost_to_reverification": (float(win["legit_lost_to_reverification_cum"].iloc[-1]) if "legit_lost_to_reverification_cum" in win
                                         else m["legit_users_lost_to_reverification"]),
        "legit_users_cut_off_by_resellers": m["legit_users_cut_off_by_reseller_bans"] + m["legit_users_cut_off_by_reseller_kyc"] + m["legit_users_lost_to_reseller_kyc"],
        "attacker_exchanges_via_resellers": m["attacker_exchanges_via_resellers"],
        "horizon_reduction_share": m["horizon_reduction_share"],
        "runtime_seconds": m["runtime_seconds"],
    }
    path.write_text(json.dumps(rec))
    return rec


def _fmt(est, scale: float = 1.0, digits: int = 2) -> str:
    if not math.isfinite(est.value):
        return "n/a"
    v = est.value * scale
    if not est.has_interval:
        return f"{v:.{digits}f}"
    return f"{v:.{digits}f} [{est.lo * scale:.{digits}f}, {est.hi * scale:.{digits}f}]"


def table(records: list[dict]) -> str:
    by = {}
    for r in records:
        by.setdefault((r["label"], r["attacker"]), {})[r["seed"]] = r
    head = ("| preset | attacker | blocked share (%) | delay (days) | cost per M exchanges ($k) | wrongly banned per 100k (expected) "
            "| legit exchanges refused (%) | sign-ups lost (M) | users lost to re-verification (k) | reseller customers lost (k) | horizon reduction (%) |")
    lines = [head, "|" + "---|" * 11]
    for label, _, base in ROWS:
        for att in ATTACKERS:
            runs = by.get((label, att), {})
            if not runs:
                continue
            seeds = sorted(runs)
            col = lambda k: [runs[s][k] for s in seeds]  # noqa: E731
            horizon = runs[seeds[0]]["horizon_days"]
            cap = lambda xs: [horizon + 1 if x is None else min(x, horizon + 1) for x in xs]  # noqa: E731
            base_runs = by.get((base, att), {})
            common = [s for s in seeds if s in base_runs]
            delay = paired_diff_ci(cap([runs[s]["days_to_target"] for s in common]), cap([base_runs[s]["days_to_target"] for s in common]))
            reached = sum(1 for s in seeds if runs[s]["days_to_target"] is not None)
            lines.append(
                f"| {label} | {att} | {_fmt(mean_ci(col('campaign_blocked_share')), 100, 1)} "
                f"| {_fmt(delay, 1, 1)} ({reached}/{len(seeds)} reached) "
                f"| {_fmt(mean_ci(col('attacker_cost_per_million_exchanges')), 1e-3, 1)} "
                f"| {_fmt(mean_ci(col('legit_wrongly_banned_expected_per_100k')), 1, 1)} "
                f"| {_fmt(mean_ci(col('legit_exchanges_refused_share')), 100, 2)} "
                f"| {_fmt(mean_ci(col('legit_signups_lost')), 1e-6, 2)} "
                f"| {_fmt(mean_ci([r.get('legit_lost_to_reverification', 0.0) for r in (runs[s] for s in seeds)]), 1e-3, 1)} "
                f"| {_fmt(mean_ci(col('legit_users_cut_off_by_resellers')), 1e-3, 1)} "
                f"| {_fmt(mean_ci(col('horizon_reduction_share')), 100, 1)} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "presets_real_rules")
    ap.add_argument("--rows", default="", help="comma-separated row labels (prefix match); default all")
    ap.add_argument("extra", nargs="*", help="overrides added to every run (e.g. population.sample_size=5000 for a quick look)")
    args = ap.parse_args()
    runs_dir = args.out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    wanted = [r for r in ROWS if not args.rows or any(r[0].startswith(p) for p in args.rows.split(","))]
    tasks = [(label, [*ov, *args.extra], att, s) for label, ov, _ in wanted for att in ATTACKERS for s in range(args.seeds)]
    records = Parallel(n_jobs=args.jobs, verbose=5)(delayed(_one)(label, ov, att, s, runs_dir) for label, ov, att, s in tasks)
    text = table(records)
    (args.out / "table.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
