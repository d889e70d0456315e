"""provider_id_gating_2026's two mechanisms: re-verification on a flag and the ownership screen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.compose import compose
from sim.config import ConfigError

from .conftest import ATTACKER_ONLY, SHORT, run_scrambled, simulate

# Document gating with enforcement pinned (not the calibrated defaults): the detector flags every day.
PINNED = ["calibration.detector_threshold=4.5", "calibration.footprint=1.0"]
GATE = ["policy=provider_id_gating_2026", "policy.identity_gating.ownership_screen.enabled=false",
        "policy.identity_gating.reverify_on_flag=false", *PINNED]
PLENTY = ["policy.identity_gating.supply_per_day.document=1e9"]  # documents never run out
REVERIFY = ["policy.identity_gating.reverify_on_flag=true"]
SCREEN = ["policy.identity_gating.ownership_screen.enabled=true", "policy.identity_gating.ownership_screen.min_tier=document"]
NEW_KEYS = {"runtime_seconds", "reverification_requests", "attacker_accounts_asked_to_reverify",
            "attacker_accounts_closed_by_reverification", "legit_users_asked_to_reverify",
            "legit_users_lost_to_flag_reverification", "attacker_reverify_documents_bought",
            "attacker_identities_refused_by_ownership_screen", "legit_signups_lost_to_ownership_screen"}


def _strip(m: dict) -> dict:
    return {k: v for k, v in m.items() if k not in NEW_KEYS}


# ---------------------------------------------------------------- re-verification on a flag


def test_flagged_attacker_accounts_fail_reverification_at_the_fake_pass_rate() -> None:
    off = simulate(*ATTACKER_ONLY, *SHORT, *GATE, *PLENTY).metrics
    on = simulate(*ATTACKER_ONLY, *SHORT, *GATE, *PLENTY, *REVERIFY, "policy.identity_gating.fake_document_pass_rate=0.5").metrics
    asked, closed = on["attacker_accounts_asked_to_reverify"], on["attacker_accounts_closed_by_reverification"]
    assert asked > 200
    assert on["attacker_reverify_documents_bought"] == asked  # supply is plentiful: a document for each
    share = closed / asked
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / asked), share
    assert on["attacker_accounts_banned"] < off["attacker_accounts_banned"]  # closed before review could ban them
    # Every document bought, for openings and re-verification, is paid for at the document price.
    assert on["attacker_spend_identity_usd"] == pytest.approx(15.0 * on["attacker_identities_bought"])


def test_a_passing_document_keeps_the_account_for_review() -> None:
    m = simulate(*ATTACKER_ONLY, *SHORT, *GATE, *PLENTY, *REVERIFY,
                 "policy.identity_gating.fake_document_pass_rate=1.0", "scenario.end_date=2026-05-01").metrics
    assert m["attacker_accounts_asked_to_reverify"] > 0
    assert m["attacker_accounts_closed_by_reverification"] == 0
    assert m["attacker_banned_by_review"] > 0  # passed, then reviewed as usual


def test_without_documents_left_a_flagged_account_is_closed() -> None:
    """The daily supply of passable documents is shared with openings: when the
    openings use it up, the day's flagged accounts have nothing to show."""
    m = simulate(*ATTACKER_ONLY, *SHORT, *GATE, *REVERIFY, "policy.identity_gating.fake_document_pass_rate=1.0",
                 "policy.identity_gating.supply_per_day.document=100", "scenario.end_date=2026-05-01").metrics
    assert m["attacker_accounts_asked_to_reverify"] > m["attacker_reverify_documents_bought"]
    assert m["attacker_accounts_closed_by_reverification"] == (
        m["attacker_accounts_asked_to_reverify"] - m["attacker_reverify_documents_bought"])


@pytest.mark.parametrize("failure", [0.0, 1.0])
def test_flagged_legitimate_users_are_lost_at_their_failure_rate(failure: float) -> None:
    m = simulate("population.sample_size=20000", *SHORT, *GATE, *REVERIFY,
                 f"policy.identity_gating.legit_reverify_failure={failure}").metrics
    assert m["legit_users_asked_to_reverify"] > 0
    assert m["legit_users_lost_to_flag_reverification"] == pytest.approx(failure * m["legit_users_asked_to_reverify"])
    assert m["legit_users_lost_to_reverification"] == pytest.approx(m["legit_users_lost_to_flag_reverification"])
    # Each asked account costs the provider a document check (and only once).
    assert m["reverification_requests"] == pytest.approx(m["legit_users_asked_to_reverify"] + m["attacker_accounts_asked_to_reverify"])


def test_reverification_decides_the_same_whatever_the_label_says() -> None:
    """The provider picks whom to ask from observable columns: scrambling the label changes nothing."""
    overrides = ["population.sample_size=5000", "scenario.end_date=2026-05-01", "seed=4", *GATE, *REVERIFY]

    def closed(scramble: bool) -> np.ndarray:
        gate = run_scrambled(overrides, scramble).providers[0].gating
        assert gate.reverify_closed and np.concatenate(gate.reverify_closed).size > 0
        return np.concatenate(gate.reverify_closed)

    assert np.array_equal(closed(False), closed(True))


# ---------------------------------------------------------------- ownership screen


def test_a_screen_that_cannot_fire_changes_nothing() -> None:
    """detect_prob = legit_false_reject = 0: the screen draws on its own stream only."""
    base = ["population.sample_size=5000", *SHORT, *GATE]
    off = simulate(*base)
    on = simulate(*base, *SCREEN, "policy.identity_gating.ownership_screen.detect_prob=0",
                  "policy.identity_gating.ownership_screen.legit_false_reject=0")
    assert _strip(on.metrics) == _strip(off.metrics)
    pd.testing.assert_frame_equal(on.daily, off.daily)


def test_shell_organisations_are_refused_at_the_detection_rate() -> None:
    m = simulate(*ATTACKER_ONLY, *SHORT, *GATE, *PLENTY, *SCREEN, "policy.identity_gating.ownership_screen.detect_prob=0.5",
                 "policy.identity_gating.fake_document_pass_rate=1.0").metrics
    refused = m["attacker_identities_refused_by_ownership_screen"]
    screened = refused + m["attacker_accounts_created"]  # one account per identity in the preset
    assert abs(refused / screened - 0.5) < 4 * np.sqrt(0.25 / screened)
    assert m["attacker_spend_identity_usd"] == pytest.approx(15.0 * m["attacker_identities_bought"])  # wasted ones are paid for
    everything = simulate(*ATTACKER_ONLY, *SHORT, *GATE, *PLENTY, *SCREEN, "policy.identity_gating.ownership_screen.detect_prob=1.0").metrics
    assert everything["attacker_accounts_created"] == 0 and everything["exchanges_harvested"] == 0


def test_real_organisations_are_refused_in_error_as_lost_signups() -> None:
    m = simulate("population.sample_size=20000", *SHORT, *GATE, *SCREEN,
                 "policy.identity_gating.ownership_screen.legit_false_reject=0.5").metrics
    screen_lost = m["legit_signups_lost_to_ownership_screen"]
    tried = m["legit_signups_lost"] / m["legit_signups_lost_share"]
    past_dropoff = tried - (m["legit_signups_lost"] - screen_lost)
    assert abs(screen_lost / past_dropoff - 0.5) < 0.1
    assert m["legit_signups_lost_share"] > 0.5  # 20% drop-off, then half of the rest


def test_screen_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"policy\.identity_gating\.ownership_screen\.min_tier='organisation'.*at or below"):
        compose(["policy=provider_id_gating_2026", "policy.identity_gating.ownership_screen.min_tier=organisation"])
    with pytest.raises(ConfigError, match=r"policy\.identity_gating\.ownership_screen\.detect_prob=1\.5.*\[0\.0, 1\.0\]"):
        compose(["policy=provider_id_gating_2026", "policy.identity_gating.ownership_screen.detect_prob=1.5"])
    with pytest.raises(ConfigError, match=r"policy\.identity_gating\.reverify_on_flag=True.*enabled=true"):
        compose(["policy=none", "policy.identity_gating.reverify_on_flag=true"])


def test_the_preset_turns_both_on() -> None:
    gate = compose(["policy=provider_id_gating_2026"]).policy.identity_gating
    assert gate.reverify_on_flag and gate.ownership_screen.enabled and gate.ownership_screen.min_tier == "document"
    default = compose([]).policy.identity_gating
    assert not default.reverify_on_flag and not default.ownership_screen.enabled
