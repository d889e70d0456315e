"""Identity gating: the verification tier required to open an account.

The provider announces the tier; the operator buys an identity at that tier
(price from ``costs.identity``) and a legitimate applicant abandons with the
tier's drop-off (``costs.signup_dropoff``). With the control off, the tier is
``email``. Supply limits, lead times and fake-document pass rates are levers
of the policy library.
"""

from __future__ import annotations

from ..config import TIERS, IdentityGatingConfig


class IdentityGating:
    """Acts at sign-up only: it sets the tier every new account must pass."""

    name = "identity_gating"

    def __init__(self, cfg: IdentityGatingConfig) -> None:
        self.tier = TIERS.index(cfg.tier) if cfg.enabled else TIERS.index("email")
