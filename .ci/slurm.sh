#!/usr/bin/env bash
# CI leg: the sweep on a real SLURM cluster (tests marked `slurm`).
# Installs SLURM, munge and MariaDB from Debian 12, starts a single-node
# cluster on localhost (scripts/slurm/local_cluster.sh), runs the smoke sweep
# through the submitit launcher and checks its collected table against the
# joblib launcher's, then stops the cluster. Needs root. Called by .ci/run with
# VENV set to the test virtualenv (default: the python3 on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${VENV:+$VENV/bin/python}
py=${py:-python3}
cluster=scripts/slurm/local_cluster.sh

echo "=== SLURM: install ==="
timeout 600 apt-get update -q
timeout 600 "$cluster" install

echo "=== SLURM: start ==="
trap '"$cluster" stop || true' EXIT
if ! out=$(timeout 180 "$cluster" start); then
    echo "$out"
    tail -n 30 "${DISTILL_SLURM_DIR:-/tmp/distill-slurm}"/log/* || true
    exit 1
fi
echo "$out"
eval "$(grep '^export SLURM_CONF=' <<<"$out")"
"$cluster" status

echo "=== SLURM: pytest -m slurm ==="
DISTILL_SIM_REQUIRE_SLURM=1 timeout 900 "$py" -m pytest -q -m slurm tests/test_sweep.py
