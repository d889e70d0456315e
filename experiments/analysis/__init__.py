"""Analyses of collected sweep tables: policy comparison, threshold sizing, sensitivity.

Reads ``runs.parquet`` tables written by ``python -m sim.sweeps.collect`` (and the
runs' ``daily.parquet``); never imports the simulator. Sweeps are launched as
subprocesses of the ``distill-sim`` command line (:mod:`.sweeps`). Only
:mod:`.plots` imports matplotlib.

Modules:
    stats: interval estimators (means, paired differences and ratios, censored times).
    tables: formatting and Markdown rendering of result tables.
    sweeps: launching a sweep, collecting it, loading its tables.
    comparison: the policy comparison table and Pareto front.
    selection: threshold sizing under a collateral budget.
    sensitivity: global sensitivity (Sobol / Saltelli) with a pluggable evaluator.
    search: the attacker's best-response search (Optuna, ask/tell in batches) with a pluggable evaluator.
    report: results folders, report.md and its HTML rendering.
    plots: every figure.
"""
