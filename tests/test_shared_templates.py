"""Legitimate users of agent frameworks, coding tools and evaluation harnesses share prompt templates."""

from __future__ import annotations

import numpy as np

from sim.config.compose import compose
from sim.model import DistillationModel

from .conftest import SMALL_POP, SHORT


def _model(*overrides: str) -> DistillationModel:
    return DistillationModel(compose([*SMALL_POP, *SHORT, *overrides]))


def test_a_legitimate_template_is_shared_by_many_users_and_counted_at_its_real_size():
    model = _model()
    t = model.accounts
    legit = ~t.is_attacker & ~t.is_reseller
    carriers = legit & (t.template >= 0)
    w = t.weight
    # CALIBRATION: 0.15 of all users (the segments' shares weighted by their population shares).
    assert abs(w[carriers].sum() / w[legit].sum() - 0.15) < 0.01
    ids, counts = np.unique(t.template[carriers], return_counts=True)
    assert counts.min() >= 10  # every shared template is carried by many sampled users
    assert not np.isin(t.template[t.is_attacker & (t.template >= 0)], ids).any()
    # The provider counts a template's real carriers: about (sampled carriers x weight) on each provider.
    for p in range(3):
        here = carriers & (t.provider == p)
        real = np.bincount(t.template[here], weights=w[here])[ids]
        carried = np.bincount(t.template[here])[ids] > 0
        size = np.where(carried, np.bincount(t.template[here], weights=t.template_group_size[here])[ids]
                        / np.maximum(np.bincount(t.template[here])[ids], 1), 0.0)
        real = np.where(carried, real, 0.0)
        assert abs(real.sum() / size.sum() - 1) < 0.15  # a sample of 20k: a few hundred carriers on a peer
    # A framework repeats its prompt and sends on a schedule: the carriers' traits are raised.
    plain = legit & (t.template < 0)
    assert t.template_reuse[carriers].mean() > 0.55 > 0.1 > t.template_reuse[plain].mean()
    assert t.timing_regularity[carriers].mean() > t.timing_regularity[plain].mean() + 0.2


def test_without_shared_templates_no_legitimate_account_carries_one():
    off = [f"population.segments.{i}.shared_template_share=0" for i in range(4)]
    t = _model(*off).accounts
    assert not (t.template[~t.is_attacker] >= 0).any()
