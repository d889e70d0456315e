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
answers with what it holds (a :class:`Credential`), and the gate turns that
into a chance to pass with its own parameters (a person's own document passes
unless they fail or abandon, ``legit_reverify_failure``; a bought fake passes
at ``fake_document_pass_rate``; a business's papers pass; nothing fails) and
draws the outcome. A failed account is closed and leaves the queue; a passed
one is marked at the document tier and is reviewed as usual.

Ownership screen (``ownership_screen``): at openings at ``min_tier`` or above,
the organisation behind the account is refused when found to be more than
50% owned from an unsupported region: an operator's shell organisation with
``detect_prob`` (the identity it bought is wasted), a legitimate one in error
with ``legit_false_reject`` (a sign-up lost).

What an applicant knows of the gate is its :class:`SignUpTerms`: what the
provider announces (tier, turnaround, accounts per identity, re-verification
of existing accounts) and what the identity trade tells a buyer (how many
identities good for each tier it can get a day, and the share of those bought
for this tier that end with an account opened; the model assumes buyers know
the going rate). Applicants never read the gate's configuration.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..world.accounts import ACTIVE, CLOSED, PENDING, ObservableAccounts
from ..config import TIERS, IdentityGatingConfig
from ..world.streams import Streams

EMAIL = TIERS.index("email")
DOCUMENT = TIERS.index("document")
DOCUMENT_TIERS = frozenset({DOCUMENT, TIERS.index("organisation")})
NO_LIMIT = 1_000_000  # accounts per identity with the gate off: more than any fleet opens


class Credential(enum.IntEnum):
    """What an applicant or an account's owner presents when the gate checks an identity."""

    NONE = 0  # nothing to show: fails a re-verification
    FAKE = 1  # a bought fake: passes the document tiers at ``fake_document_pass_rate``
    PERSONAL = 2  # a person's own document: a re-check fails or is abandoned with ``legit_reverify_failure``
    BUSINESS = 3  # a registered business's papers: pass


@dataclass(frozen=True)
class SignUpTerms:
    """What an applicant knows about opening accounts on one provider.

    ``tier``, ``lead_days`` (the verification turnaround), ``max_accounts_per_identity``
    and ``reverify_existing`` are what the provider announces; ``identities_per_day``
    (by tier: identities good for it a buyer can get a day) and ``open_share`` (share
    of the identities bought for ``tier`` that end with an account opened: the fakes'
    pass rate times the ownership screen's) are what the identity trade tells a buyer.
    """

    tier: int
    lead_days: float
    max_accounts_per_identity: int
    reverify_existing: bool
    identities_per_day: tuple[float, ...]
    open_share: float


class IdentityGating:
    """Acts at sign-up only: sets the tier and verifies what applicants present."""

    name = "identity_gating"

    def __init__(self, cfg: IdentityGatingConfig, rng: np.random.Generator,
                 streams: Streams | None = None, provider: int = 0) -> None:
        self.cfg = cfg
        self.enabled = cfg.enabled
        self.tier = TIERS.index(cfg.tier) if cfg.enabled else EMAIL
        self.tier_name = TIERS[self.tier]
        self.stream = rng
        self.verifications = 0.0  # real verifications performed
        self.cost_usd = 0.0
        # The ownership screen and re-verification each draw on a stream of their own, built only when on.
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
        self.reverify_asked_mass: list[np.ndarray] = []  # of each, the real accounts asked (those in review)
        self.reverify_lost_expected: list[np.ndarray] = []  # of each, the real accounts expected to fail
        self.reverify_closed: list[np.ndarray] = []  # rows closed for failing it, one array per day
        self._reverify_pass = np.zeros(len(Credential))  # chance to pass a re-check, by credential
        self._reverify_pass[Credential.FAKE] = cfg.fake_document_pass_rate
        self._reverify_pass[Credential.PERSONAL] = 1.0 - cfg.legit_reverify_failure
        self._reverify_pass[Credential.BUSINESS] = 1.0

    @property
    def lead_days(self) -> float:
        return getattr(self.cfg.lead_days, self.tier_name) if self.enabled else 0.0

    @property
    def max_accounts_per_identity(self) -> int:
        return self.cfg.max_accounts_per_identity if self.enabled else NO_LIMIT

    @property
    def terms(self) -> SignUpTerms:
        """What an applicant knows about opening accounts here (see the module docstring)."""
        fake_pass = self.cfg.fake_document_pass_rate if self.enabled and self.tier in DOCUMENT_TIERS else 1.0
        supply = self.cfg.supply_per_day
        return SignUpTerms(
            tier=self.tier,
            lead_days=self.lead_days,
            max_accounts_per_identity=self.max_accounts_per_identity,
            reverify_existing=bool(self.enabled and self.cfg.reverify_existing),
            identities_per_day=tuple(getattr(supply, t) if self.enabled else math.inf for t in TIERS),
            open_share=fake_pass * self.ownership_pass_prob,
        )

    def verify(self, attempts: int, credential: Credential, weight: float = 1.0) -> int:
        """Check ``attempts`` identities; return how many pass.

        ``credential`` is what the applicants present (the vendor's check
        responds to it), not something the provider knows about them: a fake
        passes the document tiers at the pass rate, anything else passes (a
        legitimate applicant's drop-off is the applicant's own, drawn before).
        ``weight`` is how many real applicants each attempt stands for.
        """
        if attempts <= 0:
            return 0
        if self.tier == EMAIL:  # an e-mail address is not an identity check
            return attempts
        self.verifications += attempts * weight
        self.cost_usd += attempts * weight * getattr(self.cfg.cost_per_verification_usd, self.tier_name) * self.enabled
        if credential == Credential.FAKE and self.tier in DOCUMENT_TIERS and self.enabled:
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

        ``present(rows)`` is the owners' answer: the :class:`Credential` each
        account shows. ``load`` is how many real accounts each row stands for:
        of a row's ``m``, the ``K`` waiting in review are asked (cost and counts),
        and the row (a sample of its ``m``) is closed with probability
        ``(K / m) (1 - pass)`` (for a row that is one account: when it fails).
        Closes the accounts that fail; returns their rows.
        """
        status = view.status
        rows = np.flatnonzero(view.queued & ~view.reverified & (view.provider == provider) & ((status == ACTIVE) | (status == PENDING)))
        if rows.size == 0:
            return rows
        view.reverified[rows] = True
        self.reverify_asked.append(rows)
        self.reverify_asked_mass.append(view.queued_mass[rows].copy())
        asked = view.queued_mass[rows] / np.maximum(load[rows], 1.0)
        p_pass = self._reverify_pass[present(rows)]
        passed = self.reverify_stream.random(rows.size) < np.where(asked >= 1.0, p_pass, 1.0 - asked * (1.0 - p_pass))
        self.reverify_lost_expected.append(view.queued_mass[rows] * (1.0 - p_pass))
        real = float(view.queued_mass[rows].sum())
        self.reverify_requests += real
        self.verifications += real
        self.cost_usd += real * self.cfg.cost_per_verification_usd.document
        ok = rows[passed]
        view.tier[ok] = np.maximum(view.tier[ok], DOCUMENT)
        failed = rows[~passed]
        view.status[failed] = CLOSED
        view.queued[failed] = False
        view.queued_mass[failed] = 0.0
        view.queue_full[failed] = False
        self.reverify_closed.append(failed)
        return failed
