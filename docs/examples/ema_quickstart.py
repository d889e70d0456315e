"""EMA Workbench quick start: 32 Latin-hypercube scenarios x 2 policies, then PRIM on identity gating.

Usage: ``python docs/examples/ema_quickstart.py [SCENARIOS] [OVERRIDES...]`` (default 32 scenarios
and ``population=none``: attacker-side outcomes only; EMA's default sequential evaluator runs the 64
experiments one after another, a few minutes).
"""

import sys

from ema_workbench import perform_experiments
from ema_workbench.analysis import prim

from sim.interop.ema import ema_model, presets

keys = ["policy.identity_gating.supply_per_day.document", "policy.identity_gating.fake_document_pass_rate",
        "scenario.operators[0].budget_usd", "policy.detector.noise_sd"]
model = ema_model(uncertainties=keys, outcomes=["campaign_blocked_share"], base_overrides=sys.argv[2:] or ["population=none"])
experiments, outcomes = perform_experiments(model, scenarios=int(sys.argv[1]) if len(sys.argv) > 1 else 32,
                                            policies=presets("status_quo", "identity_gating"))
gated = (experiments["policy"] == "identity_gating").to_numpy()
x = experiments.loc[gated, [u.name for u in model.uncertainties]].reset_index(drop=True)
blocked = outcomes["campaign_blocked_share"][gated] >= 0.5
if blocked.all() or not blocked.any():
    sys.exit(f"identity gating blocks >= 50% in {'every' if blocked.all() else 'no'} scenario: nothing for PRIM to bound")
box = prim.Prim(x, blocked, threshold=0.8).find_box()
print(box.peeling_trajectory.tail(1).to_string(), box.box_lim.to_string(), sep="\n")
