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

Re-verification on a flag (``reverify_on_flag``): every live account in the
provider's review queue that has not re-verified yet must present a
government ID (the document tier) before review concludes. The provider asks
(the observable ``reverified`` column records it); each account's owner
answers with what it can present, as a pass probability (a genuine document
passes unless the user abandons; a bought fake passes at
``fake_document_pass_rate``; no document fails), and the check draws the
outcome. A failed account is closed and leaves the queue; a passed one is
marked at the document tier and is reviewed as usual.

Ownership screen (``ownership_screen``): at openings at ``min_tier`` or above,
the organisation behind the account is refused when found to be more than
50% owned from an unsupported region: an operator's shell organisation with
``detect_prob`` (the identity it bought is wasted), a legitimate one in error
with ``legit_false_reject`` (a sign-up lost).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..world.accounts import ACTIVE, CLOSED, PENDING, ObservableAccounts
from ..config import TIERS, IdentityGatingConfig
from ..world.streams import Streams

DOCUMENT_TIERS = frozenset({TIERS.index("document"), TIERS.index("organisation")})
DOCUMENT = TIERS.index("document")


class IdentityGating:
    """Acts at sign-up only: sets the tier and verifies what applicants present."""

    name = "identity_gating"

    def __init__(self, cfg: IdentityGatingConfig, rng: np.random.Generator,
                 streams: Streams | None = None, provider: int = 0) -> None:
        self.cfg = cfg
        self.enabled = cfg.enabled
        self.tier = TIERS.index(cfg.tier) if cfg.enabled else TIERS.index("email")
        self.tier_name = TIERS[self.tier]
        self.stream = rng
        self.verifications = 0.0  # real verifications performed
        self.cost_usd = 0.0
        # Issue-5 additions, each with its own stream, built only when on (draws elsewhere unchanged).
        screen = cfg.ownership_screen
        self.screens_ownership = bool(cfg.enabled and screen.enabled and self.tier >= TIERS.index(screen.min_tier))
        self.reverify_on_flag = bool(cfg.enabled and cfg.reverify_on_flag)
        if (self.screens_ownership or self.reverify_on_flag) and streams is None:
            raise ValueError("identity gating needs the run's streams for the ownership screen and re-verification")
        prefix = f"provider/{provider}/"
        self.screen_stream = streams.generator(prefix + "ownership_screen") if self.screens_ownership else None
        self.reverify_stream = streams.generator(prefix + "reverification") if self.reverify_on_flag else None
        self.reverify_requests = 0.0  # real accounts asked to re-verify on a flag
        self.reverify_asked: list[np.ndarray] = []  # rows asked, one array per day
        self.reverify_closed: list[np.ndarray] = []  # rows closed for failing it, one array per day

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

    @property
    def ownership_pass_prob(self) -> float:
        """Chance that an operator's shell organisation gets through the ownership screen."""
        return 1.0 - self.cfg.ownership_screen.detect_prob if self.screens_ownership else 1.0

    def screen_ownership(self, passed: int, shell: bool) -> int:
        """Screen the organisations behind ``passed`` verified openings; return how many are let through.

        ``shell`` is a property of the organisation presented (an operator's shell
        company or a real business), as ``fake`` is of a document.
        """
        if passed <= 0 or not self.screens_ownership:
            return passed
        screen = self.cfg.ownership_screen
        refuse = screen.detect_prob if shell else screen.legit_false_reject
        return passed - int(self.screen_stream.binomial(passed, refuse))

    def reverify_flagged(
        self,
        view: ObservableAccounts,
        provider: int,
        present: Callable[[np.ndarray], np.ndarray],
        load: np.ndarray,
    ) -> np.ndarray:
        """Ask every live queued account of ``provider`` not yet re-verified for a document.

        ``present(rows)`` is the owners' answer: the chance that what each account
        presents passes. ``load`` is how many real accounts each row stands for
        (cost and counts only). Closes the accounts that fail; returns their rows.
        """
        status = view.status
        rows = np.flatnonzero(view.queued & ~view.reverified & (view.provider == provider) & ((status == ACTIVE) | (status == PENDING)))
        if rows.size == 0:
            return rows
        view.reverified[rows] = True
        self.reverify_asked.append(rows)
        passed = self.reverify_stream.random(rows.size) < present(rows)
        real = float(load[rows].sum())
        self.reverify_requests += real
        self.verifications += real
        self.cost_usd += real * self.cfg.cost_per_verification_usd.document
        ok = rows[passed]
        view.tier[ok] = np.maximum(view.tier[ok], DOCUMENT)
        failed = rows[~passed]
        view.status[failed] = CLOSED
        view.queued[failed] = False
        self.reverify_closed.append(failed)
        return failed
