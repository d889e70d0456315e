"""Controls see only observable columns: never the ground-truth label."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from sim.world.accounts import OBSERVABLE_COLUMNS, TRUTH_COLUMNS, AccountTable

from .conftest import run_scrambled

CONTROL_SOURCES = sorted((Path(__file__).resolve().parents[1] / "sim" / "controls").glob("*.py"))


def test_observable_view_refuses_truth_columns():
    table = AccountTable()
    table.add(3, is_attacker=True, weight=2.0)
    view = table.observable()
    assert view.status.shape == (3,)
    for name in TRUTH_COLUMNS:
        with pytest.raises(AttributeError):
            getattr(view, name)
    assert not OBSERVABLE_COLUMNS & TRUTH_COLUMNS


@pytest.mark.parametrize("path", CONTROL_SOURCES, ids=lambda p: p.name)
def test_control_modules_never_name_a_truth_column(path):
    tree = ast.parse(path.read_text())
    names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    names |= {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not names & TRUTH_COLUMNS, names & TRUTH_COLUMNS


def test_controls_decide_the_same_whatever_the_label_says():
    """Scramble the label before every day's controls run: bans are unchanged."""
    overrides = ["population.sample_size=5000", "scenario.end_date=2026-05-01", "seed=4"]

    def bans(scramble: bool) -> np.ndarray:
        model = run_scrambled(overrides, scramble)
        return model.accounts.banned_at[model.accounts.status == 2]

    assert np.array_equal(bans(False), bans(True))
