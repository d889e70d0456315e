"""Record or check bit-identical outputs across a refactor.

``python scripts/golden.py record`` runs every policy preset x both attacker
strategies x 2 seeds on the reference scenario, and the other scenarios under
``status_quo`` and ``letter_package``, and writes each run's metrics (exact
floats) and a hash of each daily column to ``tests/golden/presets.json``.
``python scripts/golden.py check`` runs the same cases with the current code
and lists every metric or daily column that differs, so that a change meant to
keep behaviour can show it did (and a change meant to alter one output shows
exactly which ones moved).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden" / "presets.json"
POLICIES = (
    "none", "status_quo", "volume_cap", "identity_gating", "cross_provider_sharing",
    "letter_package", "nationality_gating", "peer_sharing", "provider_id_gating_2026",
    "reseller_kyc", "aggregate_volume_reporting", "sanctions_after_attribution",
)
STRATEGIES = ("wide_slow", "churn")
OTHER_SCENARIOS = ("feb_2026", "qwen_2026_resellers", "repeated_2026")
VOLATILE = ("runtime_seconds",)


def cases() -> dict[str, list[str]]:
    """Case name -> overrides."""
    out = {}
    for policy in POLICIES:
        for strategy in STRATEGIES:
            for seed in (0, 1):
                out[f"{policy}__{strategy}__{seed}"] = [f"policy={policy}", f"attacker={strategy}", f"seed={seed}"]
    for scenario in OTHER_SCENARIOS:
        for policy in ("status_quo", "letter_package"):
            for strategy in STRATEGIES:
                out[f"{scenario}__{policy}__{strategy}__0"] = [f"scenario={scenario}", f"policy={policy}", f"attacker={strategy}", "seed=0"]
    return out


def column_hash(values: np.ndarray) -> str:
    """A hash of a column's values and dtype."""
    arr = np.asarray(values)
    if arr.dtype == object:
        payload = json.dumps([str(v) for v in arr]).encode()
    else:
        payload = str(arr.dtype).encode() + np.ascontiguousarray(arr).tobytes()
    return hashlib.sha256(payload).hexdigest()[:16]


def outputs(overrides: list[str]) -> dict:
    """Metrics and daily column hashes of one run."""
    from sim import compose, run

    result = run(compose(overrides))
    metrics = {k: v for k, v in result.metrics.items() if k not in VOLATILE}
    daily = {c: column_hash(result.daily[c].to_numpy()) for c in result.daily.columns}
    return {"metrics": json.loads(json.dumps(metrics)), "daily": daily}


def _run_all(names: list[str], jobs: int) -> dict[str, dict]:
    from joblib import Parallel, delayed

    table = cases()
    got = Parallel(n_jobs=jobs)(delayed(outputs)(table[n]) for n in names)
    return dict(zip(names, got))


def _equal(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


def check(recorded: dict, names: list[str], jobs: int) -> list[str]:
    """Every difference between the recorded outputs and the current code's, one line each."""
    diffs = []
    for name, now in _run_all(names, jobs).items():
        want = recorded["runs"][name]
        for key, value in want["metrics"].items():
            if key not in now["metrics"]:
                diffs.append(f"{name}: metric {key} missing")
            elif not _equal(now["metrics"][key], value):
                diffs.append(f"{name}: metric {key} {value!r} -> {now['metrics'][key]!r}")
        for col, digest in want["daily"].items():
            if col not in now["daily"]:
                diffs.append(f"{name}: daily {col} missing")
            elif now["daily"][col] != digest:
                diffs.append(f"{name}: daily {col} differs")
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated substrings: run the matching cases only")
    parser.add_argument("--ignore", default="", help="comma-separated metric/column names whose change is expected")
    args = parser.parse_args()
    names = [n for n in cases() if not args.only or any(s in n for s in args.only.split(","))]
    if args.action == "record":
        runs = _run_all(names, args.jobs)
        GOLDEN.write_text(json.dumps({"numpy": np.__version__, "runs": runs}, indent=0, sort_keys=True) + "\n")
        print(f"recorded {len(runs)} runs into {GOLDEN}")
        return 0
    recorded = json.loads(GOLDEN.read_text())
    if recorded["numpy"] != np.__version__:
        print(f"recorded with NumPy {recorded['numpy']}, this is {np.__version__}: streams may differ", file=sys.stderr)
    ignore = {s for s in args.ignore.split(",") if s}
    diffs = [d for d in check(recorded, names, args.jobs) if not any(f" {k} " in d + " " for k in ignore)]
    for line in diffs:
        print(line)
    print(f"{len(names)} runs checked, {len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    raise SystemExit(main())
