"""Hydra plugin shipped with distill-sim: a basic sweeper that validates a batch cheaply (see sweeper.py)."""
