"""Daily bans of the operator's accounts under the status quo, before and after detection that accumulates evidence.

Runs ``conf/sweep/detection_figure.yaml`` (status quo, both strategies, seed 0, the default
population) through the sweep machinery for the code as it is, reads the same runs made by an
earlier version of the code from ``--before`` (a sweep folder), and draws both:
``docs/figures/daily_bans_detection.png``. It also prints each run's harvest, accounts created
and bans.

The earlier runs come from a checkout of the earlier commit, run with its own configs::

    git worktree add --detach /tmp/before <commit>
    cd /tmp/before && PYTHONPATH=/tmp/before python -m sim -cp /tmp/before/conf -m \\
        attacker=wide_slow,churn seed=0 hydra/callbacks=sweep hydra/sweeper=distill_sim \\
        hydra/launcher=local hydra.sweep.dir=/tmp/before_sweep 'hydra.sweep.subdir=jobs/${hydra.job.num}'
    python experiments/detection_figure.py --before /tmp/before_sweep     # ~1 min

Run folders are read directly (config, metrics and daily series), so runs of an earlier
model version need not match today's table schema.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from experiments.analysis import plots, sweeps  # noqa: E402
from experiments.analysis.tables import to_markdown  # noqa: E402
from sim.sweeps.files import CONFIG_FILE, DAILY_FILE, METRICS_FILE, RUNS_DIR  # noqa: E402

FIGURE = ROOT / "docs" / "figures" / "daily_bans_detection.png"
SWEEP = "detection_figure"
COLUMN = "attacker_accounts_banned"


def read_runs(sweep_dir: Path, version: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(daily bans in long form, one row of outcomes per run) of the status-quo runs in ``sweep_dir``."""
    daily, rows = [], []
    for run in sorted((Path(sweep_dir) / RUNS_DIR).glob("*")):
        if not (run / DAILY_FILE).is_file():
            continue
        cfg = json.loads((run / CONFIG_FILE).read_text())
        if cfg["policy"]["name"] != "status_quo" or cfg["seed"] != 0:
            continue
        strategy = cfg["attacker"]["name"]
        frame = pd.read_parquet(run / DAILY_FILE, columns=["day", COLUMN])
        daily.append(frame.assign(strategy=strategy, version=version))
        m = json.loads((run / METRICS_FILE).read_text())
        rows.append({"version": version, "strategy": strategy, "harvested (M)": m["exchanges_harvested"] / 1e6,
                     "accounts created": m["attacker_accounts_created"], "accounts banned": m["attacker_accounts_banned"],
                     "bans, days 1-5": int(frame[COLUMN].iloc[:5].sum()), "bans, last 5 days": int(frame[COLUMN].iloc[-5:].sum()),
                     "wrongful bans": m["legit_users_wrongly_banned"]})
    if not rows:
        raise sweeps.SweepError(f"no status-quo runs of seed 0 in {sweep_dir}")
    return pd.concat(daily, ignore_index=True), pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="sweep folder of the same runs by the earlier code")
    parser.add_argument("--from", dest="from_dir", type=Path, default=None,
                        help="sweep folder of this code's runs (default: run the detection_figure sweep)")
    parser.add_argument("--jobs", type=int, default=None, help="parallel runs (default: the launcher's)")
    args = parser.parse_args(argv)
    after_dir = args.from_dir
    if after_dir is None:
        after_dir = sweeps.read_sweep_dir(SWEEP)
        sweeps.run_sweep(sweeps.SweepCommand(SWEEP, (), after_dir, args.jobs))
    before_daily, before = read_runs(args.before, "before: single-day score")
    after_daily, after = read_runs(after_dir, "after: accumulated evidence, recalibrated")
    daily = pd.concat([before_daily, after_daily], ignore_index=True)
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    plots.daily_versions(daily, COLUMN, "operator accounts banned that day",
                         "Status quo, seed 0, default population: daily bans of the operator's accounts", FIGURE)
    print(to_markdown(pd.concat([before, after], ignore_index=True)))
    print(f"wrote {FIGURE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
