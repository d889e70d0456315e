"""The presets that mirror real rules and programmes: one table, 10+ seeds.

For each row (a policy preset, on a scenario, with any extra overrides) and
each attacker strategy, runs seeds 0..n-1 (common random numbers: seed s is
the same world under every row) and reports the mean and 95% Student-t
interval of: campaign blocked share, days of delay against the row's
baseline (paired, days to target censored at the horizon by
``estimates.capped``), attacker cost per million exchanges, legitimate users
wrongly banned per 100k (expected), legitimate exchanges refused (share),
sign-ups lost. Collateral is counted within the campaign window (daily
series), as experiments/compare.py does.

Usage (from the repository root)::

    python experiments/presets_real_rules.py --seeds 10 --jobs 2
    python experiments/presets_real_rules.py --rows peer_sharing,nationality_gating population.sample_size=20000
    python experiments/presets_real_rules.py --from results/sweeps/presets_real_rules   # analyse runs that exist
    python experiments/presets_real_rules.py -- hydra/launcher=slurm                    # on a cluster

Each row is a config file under ``SWEEP_DIR/points/presets_row/``; every row x
strategy x seed runs as one resumable multirun (``distill-sim -m
+sweep=presets_real_rules``, conf/sweep/presets_real_rules.yaml), so an
interrupted table is finished by running the same command again. The table
is computed from the collected ``runs.parquet`` and the runs' daily series
and goes to ``results/presets_real_rules/table.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # a script in experiments/ (not an installed package)
    sys.path.insert(0, str(ROOT))

from experiments.analysis import comparison, sweeps  # noqa: E402
from sim.record import estimates  # noqa: E402
from sim.record.estimates import mean_ci  # noqa: E402

SWEEP = "presets_real_rules"
GROUP = "presets_row"
REVERIFICATION = "legit_lost_to_reverification_cum"
RESELLER_WORLD = ("scenario=qwen_2026_resellers", "attacker.resellers.base_share=0.5")
GATING_NEW_ONLY = ("policy.identity_gating.reverify_on_flag=false", "policy.identity_gating.ownership_screen.enabled=false")
READY_MARKET = ("costs.market.enabled=true", "costs.market.ready_accounts.enabled=true", "costs.market.price_elasticity=0",
                "costs.market.capacity_elasticity=0", "costs.market.price_noise_sd=0")


@dataclass(frozen=True)
class Row:
    """One row of the table: its runs' overrides and the row its delay is measured against.

    Attributes:
        name: the row's config file (``+presets_row=<name>``).
        label: the row as the table shows it.
        overrides: what the row changes (policy preset, scenario, any value).
        baseline: the name of the row it is compared with.
    """

    name: str
    label: str
    overrides: tuple[str, ...]
    baseline: str


# sanctions_after_attribution is the status quo inside one campaign (tests/test_sanctions.py),
# so it is the reference rows' baseline.
ROWS: tuple[Row, ...] = (
    Row("sanctions_after_attribution", "sanctions_after_attribution (= status_quo in the window)",
        ("policy=sanctions_after_attribution", "scenario=repeated_2026"), "sanctions_after_attribution"),
    Row("provider_id_gating_2026", "provider_id_gating_2026", ("policy=provider_id_gating_2026",), "sanctions_after_attribution"),
    # Decomposition: the preset before re-verification on a flag and the ownership screen (new accounts only) ...
    Row("provider_id_gating_2026_new_accounts_only", "provider_id_gating_2026, new accounts only",
        ("policy=provider_id_gating_2026", *GATING_NEW_ONLY), "sanctions_after_attribution"),
    # ... and the preset when ready-made verified accounts are for sale (identity prices held fixed, so only they change).
    Row("provider_id_gating_2026_ready_accounts", "provider_id_gating_2026 + ready-made accounts",
        ("policy=provider_id_gating_2026", *READY_MARKET), "sanctions_after_attribution"),
    Row("peer_sharing", "peer_sharing", ("policy=peer_sharing",), "sanctions_after_attribution"),
    Row("aggregate_volume_reporting", "aggregate_volume_reporting", ("policy=aggregate_volume_reporting",), "sanctions_after_attribution"),
    Row("nationality_gating", "nationality_gating", ("policy=nationality_gating",), "sanctions_after_attribution"),
    Row("status_quo_reseller_world", "status_quo, reseller world", ("policy=status_quo", *RESELLER_WORLD), "status_quo_reseller_world"),
    Row("reseller_kyc_reseller_world", "reseller_kyc, reseller world", ("policy=reseller_kyc", *RESELLER_WORLD), "status_quo_reseller_world"),
)
BY_NAME = {r.name: r for r in ROWS}


@dataclass(frozen=True)
class Plan:
    """The table's runs (rows x strategies x seeds): where they go, the command, each run's identity."""

    sweep_dir: Path
    command: sweeps.SweepCommand
    identities: dict[tuple[str, str, int], str]  # (row name, attacker, seed) -> run identity


def select_rows(spec: str) -> tuple[Row, ...]:
    """The rows whose label or name starts with one of ``spec``'s comma-separated prefixes, and their baselines.

    Raises:
        sweeps.SweepError: a prefix that matches no row.
    """
    if not spec:
        return ROWS
    wanted: set[str] = set()
    for prefix in (p.strip() for p in spec.split(",") if p.strip()):
        hits = {r.name for r in ROWS if r.label.startswith(prefix) or r.name.startswith(prefix)}
        if not hits:
            raise sweeps.SweepError(f"--rows {prefix!r} matches no row; rows: {', '.join(r.name for r in ROWS)}")
        wanted |= hits
    wanted |= {BY_NAME[n].baseline for n in wanted}  # every delay needs its baseline's runs
    return tuple(r for r in ROWS if r.name in wanted)


def run_identities(rows: Sequence[Row], attackers: Sequence[str], seeds: Sequence[int], search: str,
                   overrides: Sequence[str]) -> dict[tuple[str, str, int], str]:
    """Each run's identity, from its config composed as the sweep composes it.

    Composing every row here also checks the rows before anything is launched:
    a bad key fails now, naming the row.
    """
    from sim.config.compose import compose
    from sim.sweeps.store import run_identity

    out: dict[tuple[str, str, int], str] = {}
    for row in rows:
        for attacker in attackers:
            try:
                cfg = compose([f"+sweep={SWEEP}", search, f"+{GROUP}={row.name}", f"attacker={attacker}", *overrides])
            except Exception as err:  # Hydra's and the schema's errors alike name the key
                raise sweeps.SweepError(f"row {row.name!r} ({' '.join(row.overrides)}) with attacker={attacker} "
                                        f"does not compose: {err}") from err
            for seed in seeds:  # the seed changes nothing else in a config
                out[(row.name, attacker, seed)] = run_identity(dataclasses.replace(cfg, seed=seed))
    return out


def make_plan(rows: Sequence[Row], attackers: Sequence[str], seeds: Sequence[int], overrides: Sequence[str],
              sweep_dir: Path | None, jobs: int | None) -> Plan:
    """Write the rows' config files and compose every run; nothing runs yet."""
    config_overrides, _ = sweeps.split_overrides(overrides)
    sweep_dir = sweep_dir or sweeps.variant_dir(sweeps.read_sweep_dir(SWEEP), overrides)
    search = sweeps.write_points(sweep_dir, GROUP, {r.name: r.overrides for r in rows},
                                 "One row of the preset table (experiments/presets_real_rules.py).")
    identities = run_identities(rows, attackers, seeds, search, config_overrides)
    command = sweeps.SweepCommand(SWEEP, (search, f"+{GROUP}={','.join(r.name for r in rows)}", f"attacker={','.join(attackers)}",
                                          f"seed={','.join(map(str, seeds))}", *overrides), sweep_dir, jobs)
    return Plan(sweep_dir, command, identities)


def records(plan: Plan, runs: pd.DataFrame, daily: pd.DataFrame) -> pd.DataFrame:
    """One record per (row, attacker, seed) of the plan whose run is in ``runs``: the table's quantities.

    Collateral is counted within the window: ``daily`` is the runs' daily series, long form
    (:func:`sweeps.load_daily`) with :data:`comparison.WINDOW_DAILY_COLUMNS` and, where a run
    has it, the cumulative users lost to re-verification (else the whole-run metric is used).
    """
    runs = comparison.restrict_to_window(runs, daily)
    window = runs.set_index("run_identity")["window_days"]
    in_window = daily[daily["day"] < daily["run_identity"].map(window)]
    lost = (in_window.dropna(subset=[REVERIFICATION]).sort_values("day", kind="stable").groupby("run_identity")[REVERIFICATION].last()
            if REVERIFICATION in in_window.columns else pd.Series(dtype=float))
    keys = pd.DataFrame([(row, att, seed, ident) for (row, att, seed), ident in plan.identities.items()],
                        columns=["row", "attacker", "seed", "run_identity"])
    found = keys.merge(runs.drop(columns=[c for c in keys.columns if c != "run_identity" and c in runs.columns]),
                       on="run_identity", how="inner")  # two rows may share a run
    return pd.DataFrame({
        "row": found["row"],
        "attacker": found["attacker"],
        "seed": found["seed"],
        "campaign_blocked_share": found["campaign_blocked_share"],
        "days_to_target": found["days_to_target"],
        "horizon_days": comparison.horizon_days(found),
        "attacker_cost_per_million_exchanges": found["attacker_cost_per_million_exchanges"],
        "legit_wrongly_banned_expected_per_100k": found["legit_users_wrongly_banned_expected_per_100k"],
        "legit_exchanges_refused_share": found["legit_exchanges_refused_share"],
        "legit_signups_lost": found["legit_signups_lost"],
        "legit_lost_to_reverification": found["run_identity"].map(lost).fillna(found["legit_users_lost_to_reverification"]),
        "legit_users_cut_off_by_resellers": found["legit_users_cut_off_by_reseller_bans"] + found["legit_users_cut_off_by_reseller_kyc"]
        + found["legit_users_lost_to_reseller_kyc"],
        "horizon_reduction_share": found["horizon_reduction_share"],
    })


def _fmt(est, scale: float = 1.0, digits: int = 2) -> str:
    if not math.isfinite(est.value):
        return "n/a"
    v = est.value * scale
    if not est.has_interval:
        return f"{v:.{digits}f}"
    return f"{v:.{digits}f} [{est.lo * scale:.{digits}f}, {est.hi * scale:.{digits}f}]"


def table(recs: pd.DataFrame, rows: Sequence[Row] = ROWS, attackers: Sequence[str] = ("wide_slow", "churn")) -> str:
    """The Markdown table: one line per (row, attacker) with runs, delays paired by seed with the row's baseline."""
    head = ("| preset | attacker | blocked share (%) | delay (days) | cost per M exchanges ($k) | wrongly banned per 100k (expected) "
            "| legit exchanges refused (%) | sign-ups lost (M) | users lost to re-verification (k) | reseller customers lost (k) | horizon reduction (%) |")
    lines = [head, "|" + "---|" * 11]
    for row in rows:
        for att in attackers:
            runs = recs[(recs["row"] == row.name) & (recs["attacker"] == att)].set_index("seed").sort_index()
            if runs.empty:
                continue
            base = recs[(recs["row"] == row.baseline) & (recs["attacker"] == att)].set_index("seed")
            common = runs.index.intersection(base.index)
            horizon = float(max(runs["horizon_days"].max(), base["horizon_days"].max() if len(base) else 0))
            delay = estimates.paired_delay_ci(runs.loc[common, "days_to_target"], base.loc[common, "days_to_target"], horizon)
            reached = estimates.restricted_time(runs["days_to_target"], horizon).reached
            col = lambda k: runs[k]  # noqa: E731
            lines.append(
                f"| {row.label} | {att} | {_fmt(mean_ci(col('campaign_blocked_share')), 100, 1)} "
                f"| {_fmt(delay, 1, 1)} ({reached}/{len(runs)} reached) "
                f"| {_fmt(mean_ci(col('attacker_cost_per_million_exchanges')), 1e-3, 1)} "
                f"| {_fmt(mean_ci(col('legit_wrongly_banned_expected_per_100k')), 1, 1)} "
                f"| {_fmt(mean_ci(col('legit_exchanges_refused_share')), 100, 2)} "
                f"| {_fmt(mean_ci(col('legit_signups_lost')), 1e-6, 2)} "
                f"| {_fmt(mean_ci(col('legit_lost_to_reverification')), 1e-3, 1)} "
                f"| {_fmt(mean_ci(col('legit_users_cut_off_by_resellers')), 1e-3, 1)} "
                f"| {_fmt(mean_ci(col('horizon_reduction_share')), 100, 1)} |"
            )
    return "\n".join(lines)


def load_records(plan: Plan, collect_first: bool = True) -> pd.DataFrame:
    """The plan's runs from the sweep folder (collected first), one record each; warns about missing runs."""
    runs = sweeps.load_runs(plan.sweep_dir, collect_first=collect_first)
    wanted = set(plan.identities.values())
    runs = runs[runs["run_identity"].isin(wanted)]
    missing = len(wanted) - len(runs)
    if missing:
        warnings.warn(f"{missing} of the table's {len(wanted)} runs are not in {plan.sweep_dir} "
                      "(failed, or not run yet: run the same command again); the table shows the runs that are", stacklevel=2)
    daily = sweeps.load_daily(plan.sweep_dir, runs["run_identity"].tolist(), [*comparison.WINDOW_DAILY_COLUMNS, REVERIFICATION])
    return records(plan, runs, daily)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python experiments/presets_real_rules.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, help="number of seeds 0..N-1 (default: the sweep config's, 10)")
    p.add_argument("--rows", default="", help="comma-separated row labels or names (prefix match), each with its "
                   "baseline; default all")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "presets_real_rules", help="where table.md goes")
    sweeps.add_sweep_arguments(p, "extra config overrides for every run (e.g. population.sample_size=5000 for a quick look)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    params = sweeps.read_sweep_params(SWEEP)
    attackers = tuple(sweeps.expand_options("attacker", params["attacker"]))
    seeds = tuple(range(args.seeds)) if args.seeds is not None else tuple(sweeps.seed_list(params["seed"]))
    try:
        rows = select_rows(args.rows)
        plan = make_plan(rows, attackers, seeds, args.overrides, args.from_dir or args.sweep_dir, args.jobs)
    except sweeps.SweepError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.from_dir is None:
        print(f"{len(plan.identities)} runs ({len(rows)} rows x {len(attackers)} strategies x {len(seeds)} seeds) into "
              f"{plan.sweep_dir}; finished runs are skipped")
        sweeps.run_sweep(plan.command)
    text = table(load_records(plan), rows, attackers)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
