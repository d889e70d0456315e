"""Fit the unknown status-quo parameters to the incident figures, and report.

What is fitted (everything else is a sourced default or a labelled assumption):

1. ``detector_threshold`` (one value, the defender's): the behavioural
   detector's threshold such that legitimate accounts are flagged at the
   classifier false-positive rate of CALIBRATION.md (0.005 per account-month),
   measured on a legitimate-only world.
2. ``footprint`` (per scenario x attacker strategy): how visible the
   strategy's traffic traits are to the detector, such that the mean number of
   attacker accounts created under ``policy=status_quo`` equals the reported
   figure (25,000 for qwen_2026, 24,000 for feb_2026).

Both are one-dimensional monotone fits, solved by bisection on the mean over
``--fit-seeds`` seeds with common random numbers. The fitted values are
written to ``conf/calibration/<scenario>_<attacker>.yaml``; then every
combination is re-run over ``--seeds`` fresh seeds and the report (targets,
fitted values, achieved means with 95% intervals, pass/fail) is printed and
written to ``docs/calibration.md``.

Usage::

    python experiments/calibrate.py --jobs 2 --iters 9   # fit and validate everything (7 min on 2 cores, 2026-12-01)
    python experiments/calibrate.py --validate-only # re-run the validation with the values in conf/
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

ROOT = Path(__file__).resolve().parents[1]

# Targets from CALIBRATION.md ("The reference incidents") and the tolerance the
# issue asks the calibrated model to meet.
TARGETS = {
    "qwen_2026": {"exchanges_harvested": (28.8e6, 0.03), "attacker_accounts_created": (25_000, 0.05)},
    "feb_2026": {"exchanges_harvested": (16.0e6, 0.05), "attacker_accounts_created": (24_000, 0.10)},
}
LEGIT_FLAG_RATE = 0.005  # classifier false-positive rate per account-month (CALIBRATION.md, A)
STRATEGIES = ("wide_slow", "churn")


@dataclass
class Fit:
    scenario: str
    attacker: str
    detector_threshold: float
    footprint: float


def _metrics(overrides: list[str]) -> dict:
    from sim.config.compose import compose
    from sim.runner import run

    return run(compose(overrides)).metrics


def _mean(overrides: list[str], key: str, seeds: list[int], jobs: int) -> float:
    values = Parallel(n_jobs=jobs)(delayed(_metrics)([*overrides, f"seed={s}"]) for s in seeds)
    return float(np.mean([v[key] for v in values]))


def _bisect(f, lo: float, hi: float, target: float, increasing: bool, iters: int, log: bool) -> float:
    """Solve f(x) = target for a monotone f on [lo, hi] by bisection."""
    for _ in range(iters):
        mid = math.sqrt(lo * hi) if log else 0.5 * (lo + hi)
        value = f(mid)
        print(f"    x={mid:.5g} -> {value:.6g} (target {target:.6g})", flush=True)
        if (value < target) == increasing:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi) if log else 0.5 * (lo + hi)


def fit_threshold(seeds: list[int], jobs: int, iters: int) -> float:
    """Threshold giving the legitimate flag rate of CALIBRATION.md (legitimate-only world)."""
    base = ["policy=status_quo", "scenario.operators=[]", "calibration=qwen_2026_wide_slow"]

    def rate(threshold: float) -> float:
        return _mean([*base, f"policy.detector.threshold={threshold}"], "legit_flag_rate_per_account_month", seeds, jobs)

    print("fitting detector_threshold (legitimate flag rate per account-month = 0.005)")
    return _bisect(rate, 2.0, 14.0, LEGIT_FLAG_RATE, increasing=False, iters=iters, log=False)


def fit_footprint(scenario: str, attacker: str, threshold: float, seeds: list[int], jobs: int, iters: int) -> float:
    """Footprint giving the reported number of attacker accounts under the status quo."""
    target = TARGETS[scenario]["attacker_accounts_created"][0]
    base = [
        f"scenario={scenario}",
        f"attacker={attacker}",
        "policy=status_quo",
        f"calibration.detector_threshold={threshold}",
    ]

    def created(footprint: float) -> float:
        return _mean([*base, f"calibration.footprint={footprint}"], "attacker_accounts_created", seeds, jobs)

    print(f"fitting footprint for {scenario} x {attacker} (accounts created = {target:,})")
    return _bisect(created, 0.2, 3.0, target, increasing=True, iters=iters, log=True)


def write_fit(fit: Fit, command: str) -> Path:
    path = ROOT / "conf" / "calibration" / f"{fit.scenario}_{fit.attacker}.yaml"
    path.write_text(
        f"# Fitted by experiments/calibrate.py on {dt.date.today().isoformat()} ({command}).\n"
        "# See docs/calibration.md for the targets and the achieved values.\n"
        f"detector_threshold: {fit.detector_threshold:.4f}\n"
        f"footprint: {fit.footprint:.4f}\n"
    )
    return path


def _ci(values: np.ndarray) -> tuple[float, float, float]:
    mean = float(values.mean())
    half = 1.96 * float(values.std(ddof=1)) / math.sqrt(len(values)) if len(values) > 1 else float("nan")
    return mean, mean - half, mean + half


def validate(scenarios: list[str], seeds: list[int], jobs: int) -> tuple[str, bool]:
    """Run every calibrated combination over fresh seeds; a Markdown report and overall pass."""
    import yaml  # provided by hydra-core's dependency PyYAML

    lines = [
        "| scenario | attacker | detector_threshold | footprint | metric | target | tolerance | mean | 95% interval | pass |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    ok = True
    extra = []
    for scenario in scenarios:
        for attacker in STRATEGIES:
            fitted = yaml.safe_load((ROOT / "conf" / "calibration" / f"{scenario}_{attacker}.yaml").read_text())
            runs = Parallel(n_jobs=jobs)(
                delayed(_metrics)([f"scenario={scenario}", f"attacker={attacker}", "policy=status_quo", f"seed={s}"])
                for s in seeds
            )
            for key, (target, tol) in TARGETS[scenario].items():
                mean, lo, hi = _ci(np.array([r[key] for r in runs], dtype=float))
                passed = target * (1 - tol) <= lo and hi <= target * (1 + tol)  # the whole interval within tolerance
                ok &= passed
                lines.append(
                    f"| {scenario} | {attacker} | {fitted['detector_threshold']:.3f} | {fitted['footprint']:.3f} | {key} "
                    f"| {target:,.0f} | ±{tol:.0%} | {mean:,.0f} | [{lo:,.0f}, {hi:,.0f}] | {'yes' if passed else 'NO'} |"
                )
            for key in (
                "attacker_accounts_banned",
                "legit_flag_rate_per_account_month",
                "legit_users_wrongly_banned_expected_per_100k",
                "attacker_cost_per_million_exchanges",
                "days_to_target",
            ):
                vals = np.array([np.nan if r[key] is None else r[key] for r in runs], dtype=float)
                mean, lo, hi = _ci(vals)
                extra.append(f"| {scenario} | {attacker} | {key} | {mean:,.4g} | [{lo:,.4g}, {hi:,.4g}] |")
    report = "\n".join(lines)
    report += "\n\nOther outputs of the calibrated status quo (same runs):\n\n"
    report += "| scenario | attacker | metric | mean | 95% interval |\n|---|---|---|---|---|\n" + "\n".join(extra)
    return report, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", nargs="+", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--fit-seeds", type=int, default=4, help="seeds averaged at each bisection step")
    parser.add_argument("--seeds", type=int, default=10, help="fresh seeds in the validation")
    parser.add_argument("--iters", type=int, default=11, help="bisection steps per parameter")
    parser.add_argument("--jobs", type=int, default=-1, help="parallel processes (joblib); -1 = all cores")
    parser.add_argument("--validate-only", action="store_true")
    parser.add_argument("--threshold", type=float, default=None, help="use this detector threshold instead of fitting it")
    args = parser.parse_args(argv)
    command = "python experiments/calibrate.py " + " ".join(argv if argv is not None else sys.argv[1:])
    fit_seeds = list(range(1000, 1000 + args.fit_seeds))  # fitting seeds differ from validation seeds
    if not args.validate_only:
        threshold = args.threshold if args.threshold is not None else fit_threshold(fit_seeds, args.jobs, args.iters + 4)
        print(f"detector_threshold = {threshold:.4f}")
        for scenario in args.scenarios:
            for attacker in STRATEGIES:
                footprint = fit_footprint(scenario, attacker, threshold, fit_seeds, args.jobs, args.iters)
                path = write_fit(Fit(scenario, attacker, threshold, footprint), command.strip())
                print(f"footprint = {footprint:.4f} -> {path.relative_to(ROOT)}")
    report, ok = validate(args.scenarios, list(range(args.seeds)), args.jobs)
    header = (
        "# Calibration report\n\n"
        f"Produced by `{command.strip()}` on {dt.date.today().isoformat()}; "
        f"validation over seeds 0-{args.seeds - 1} under `policy=status_quo`, `population=default`.\n"
        "Targets: CALIBRATION.md (C), each with the tolerance in its row; a row passes when its whole 95% interval lies "
        "within the tolerance. Fitted values live in `conf/calibration/`.\n\n"
    )
    out = ROOT / "docs" / "calibration.md"
    out.write_text(header + report + "\n")
    print(header + report)
    print(f"\nreport written to {out.relative_to(ROOT)}; overall: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
