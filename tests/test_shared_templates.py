"""Legitimate users of agent frameworks, coding tools and evaluation harnesses share prompt templates."""

from __future__ import annotations

import numpy as np

from sim.config.compose import compose
from sim.model import DistillationModel
from sim.world.indicators import IndicatorRegistry, family_spread

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


def test_a_segments_templates_spread_from_the_real_accounts_banned_whatever_rows_they_sit_in():
    """A segment's 20 shared templates are one family: the 30 real accounts expected banned among
    its carriers today carry each template with chance 1/20, so each spreads with
    1 - (19/20)^30 (~0.785, ~15.7 of 20 a day), whether the bans sit in one sampled row of
    thousands (a small sample) or in thirty rows (a larger one). Spreading only the banned rows'
    own templates, as before, spread at most one template from the single row and up to twenty
    from thirty rows: the number of templates shared with other providers fell with the sample."""
    registry = IndicatorRegistry()
    ids = registry.family("template", 20)
    operators = registry.new("template", 1)  # an operator's own template: in no family
    family, sizes = registry.families("template")
    assert (family[ids] == 0).all() and family[operators[0]] == -1 and sizes.tolist() == [20.0]
    rng = np.random.default_rng(5)
    days = 4000
    u = rng.random((days, ids.size))
    splits = {"one row": (ids[:1], np.array([30.0])), "thirty rows": (ids[np.arange(30) % 20], np.ones(30)),
              "three rows": (ids[[3, 3, 7]], np.array([10.0, 15.0, 5.0]))}
    spread = {name: np.array([family_spread(family, sizes, carried, banned, u[d]).size for d in range(days)])
              for name, (carried, banned) in splits.items()}
    p = 1.0 - (19 / 20) ** 30
    for counts in spread.values():
        assert np.array_equal(counts, spread["one row"])  # the same uniforms: the same ids, whatever the rows
        assert abs(counts.mean() - 20 * p) < 4 * np.sqrt(20 * p * (1 - p) / days)
    assert family_spread(family, sizes, ids[:0], np.zeros(0), u[0]).size == 0  # no bans, nothing spreads
