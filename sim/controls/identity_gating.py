"""Identity gating: the verification tier required to open an account, and its frictions.

The provider announces the tier (``email`` when the control is off). An
applicant presents an identity at that tier:

- a legitimate applicant abandons with the tier's drop-off
  (``costs.signup_dropoff``); a genuine identity always passes;
- the operator buys identities on the black market at the tier's price
  (``costs.identity``), at most ``supply_per_day`` a day; at the document and
  organisation tiers a fake passes with ``fake_document_pass_rate`` (a failed
  one is lost); each identity opens at most ``max_accounts_per_identity``
  accounts (e.g. one organisation per document per 90 days); verification adds
  ``lead_days`` before the account is usable.

With ``reverify_existing``, existing accounts must pass the tier when the
policy starts: a legitimate user fails or abandons with
``legit_reverify_failure`` and is lost. Every verification costs the provider
``cost_per_verification_usd`` at the tier.
"""

from __future__ import annotations

import numpy as np

from ..config import TIERS, IdentityGatingConfig

DOCUMENT_TIERS = frozenset({TIERS.index("document"), TIERS.index("organisation")})


class IdentityGating:
    """Acts at sign-up only: sets the tier and verifies what applicants present."""

    name = "identity_gating"

    def __init__(self, cfg: IdentityGatingConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self.enabled = cfg.enabled
        self.tier = TIERS.index(cfg.tier) if cfg.enabled else TIERS.index("email")
        self.tier_name = TIERS[self.tier]
        self.stream = rng
        self.verifications = 0.0  # real verifications performed
        self.cost_usd = 0.0

    @property
    def lead_days(self) -> float:
        return getattr(self.cfg.lead_days, self.tier_name) if self.enabled else 0.0

    @property
    def max_accounts_per_identity(self) -> int:
        return self.cfg.max_accounts_per_identity if self.enabled else 1_000_000

    def verify(self, attempts: int, fake: bool, weight: float = 1.0) -> int:
        """Check ``attempts`` identities; return how many pass.

        ``fake`` is a property of the documents presented (the vendor's check
        responds to it), not something the provider knows about the applicant.
        ``weight`` is how many real applicants each attempt stands for.
        """
        if attempts <= 0:
            return 0
        if self.tier == 0:  # an e-mail address is not an identity check
            return attempts
        self.verifications += attempts * weight
        self.cost_usd += attempts * weight * getattr(self.cfg.cost_per_verification_usd, self.tier_name) * self.enabled
        if fake and self.tier in DOCUMENT_TIERS and self.enabled:
            return int(self.stream.binomial(attempts, self.cfg.fake_document_pass_rate))
        return attempts
