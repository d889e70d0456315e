#!/usr/bin/env bash
# A plain (non-editable) install from a built wheel carries the configs: from an empty
# directory elsewhere, `distill-sim population=none`, `python -m sim`, a smoke sweep, the
# public Python API and the EMA Workbench quick start all work.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py=${1:-python3.11}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "=== plain install from a wheel ($("$py" --version)) ==="
"$py" -m venv "$work/venv"
"$work/venv/bin/pip" install -q --upgrade pip
"$work/venv/bin/pip" wheel -q --no-deps -w "$work/wheels" "$root"
wheel=$(ls "$work"/wheels/distill_sim-*.whl)
"$work/venv/bin/python" - "$wheel" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for need in ("sim/conf/config.yaml", "sim/conf/policy/status_quo.yaml", "sim/conf/sweep/smoke.yaml",
             "hydra_plugins/distill_sim_sweeper/sweeper.py"):
    assert need in names, f"{need} missing from the wheel"
print(f"wheel carries {sum(n.startswith('sim/conf/') for n in names)} config files")
PY
"$work/venv/bin/pip" install -q "$wheel"
mkdir "$work/elsewhere"
cd "$work/elsewhere"
"$work/venv/bin/distill-sim" population=none | tail -n 3
"$work/venv/bin/python" -m sim population=none seed=1 | tail -n 1
"$work/venv/bin/distill-sim" -m +sweep=smoke | tail -n 3
"$work/venv/bin/python" -m sim.sweeps.collect results/sweeps/smoke
"$work/venv/bin/python" -c "
from sim import compose, run, DistillationModel
result = run(compose(['population=none', 'scenario.end_date=2026-05-06']))
assert result.metrics['exchanges_harvested'] > 0
print('public API ok:', result.metrics['exchanges_harvested'], 'exchanges harvested')
"
# EMA Workbench drives the installed model: the quick start, small (4 scenarios x 2 policies,
# a 3-day attacker-only window; PRIM may find nothing to bound in so few points, which it says).
"$work/venv/bin/python" "$root/docs/examples/ema_quickstart.py" 4 population=none scenario.end_date=2026-04-24 \
  > "$work/ema.out" 2> "$work/ema.err" || grep -q "nothing for PRIM to bound" "$work/ema.err"
grep -q "8/8" "$work/ema.err"
echo "EMA quick start from the plain install: ok"
echo "=== plain install: ok ==="
