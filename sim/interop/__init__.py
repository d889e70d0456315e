"""Adapters that let other tools drive the simulator: EMA Workbench (:mod:`.ema`).

Each adapter imports its tool only when called, so ``import sim`` needs none of them.
"""
