#!/usr/bin/env bash
# A plain (non-editable) install from a built wheel carries the configs: from an empty
# directory elsewhere, `distill-sim population=none`, `python -m sim`, a smoke sweep and the
# public Python API all work.
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
echo "=== plain install: ok ==="
