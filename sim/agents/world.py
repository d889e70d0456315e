"""What an agent may ask of the world it lives in.

An agent is built with its own slice of the configuration (an operator its
``AttackerConfig``, ``OperatorSpec`` and ``CostsConfig``; a provider its
``PolicyConfig``; ...) and with the world, seen through one of the protocols
below; it never reads the run's configuration, another agent's state or a
control's parameters. Where it needs another agent it goes through that
agent's narrow desk:

- :class:`World`, for the accounts' holders (operators, legitimate
  populations, resellers): the account table (each reads and writes its own
  rows), the clock, the indicator registry, the named random streams, the
  ledger it books its traffic into, the providers' desks (serve traffic, sign
  up, announce their terms), the account market and the resellers when the
  scenario has them, and which proxy exits are legitimate users' addresses;
- :class:`DefenderWorld`, for the providers and the sharing consortium: the
  same, plus the consortium, the owners' answer to a re-verification, and the
  review load of each account.

:class:`~sim.model.DistillationModel` is the one implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from ..controls import TrafficBatch
from ..controls.identity_gating import Credential, SignUpTerms
from ..world.accounts import AccountTable
from ..world.calendar import Clock
from ..world.indicators import IndicatorRegistry
from ..world.market import AccountMarket
from ..world.streams import Streams


class TrafficLedger(Protocol):
    """Where agents book the traffic they sent."""

    def book(self, attacker: bool, batch: TrafficBatch) -> None: ...


class ProviderDesk(Protocol):
    """What a provider offers the holders of accounts: sign-up and service."""

    @property
    def sign_up_terms(self) -> SignUpTerms: ...

    def verify_identities(self, attempts: int, credential: Credential, weight: float = 1.0) -> int: ...

    def screen_ownership(self, passed: int, shell: bool) -> int: ...

    def observe_new(self, rows: np.ndarray) -> None: ...

    def serve(self, rows: np.ndarray, demand: np.ndarray, span_hours: int = 1,
              profile: np.ndarray | None = None) -> TrafficBatch: ...


class Defender(ProviderDesk, Protocol):
    """What the sharing consortium may ask of a provider: act on the accounts that match."""

    def ban(self, rows: np.ndarray, reason: str) -> None: ...

    def enqueue(self, rows: np.ndarray, priority: np.ndarray, source: str) -> None: ...


class RoutingCustomer(Protocol):
    """What a reseller knows of an operator that routes traffic through it."""

    @property
    def traits(self) -> dict[str, float]: ...

    def credit_routed(self, requested: int, served: int, markup: float) -> None: ...


class ResellerDesk(Protocol):
    """What a reseller offers an operator: its price and room for routed traffic."""

    @property
    def price_markup(self) -> float: ...

    def can_accept(self) -> bool: ...

    def accept(self, customer: RoutingCustomer, n: int) -> bool: ...


class Consortium(Protocol):
    """Where a provider publishes the indicators of the accounts it banned."""

    def publish(self, source: int, banned_rows: np.ndarray, spread_rows: np.ndarray) -> None: ...


class World(Protocol):
    """What the holders of accounts may ask of the world."""

    @property
    def accounts(self) -> AccountTable: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def indicators(self) -> IndicatorRegistry: ...

    @property
    def streams(self) -> Streams: ...

    @property
    def ledger(self) -> TrafficLedger: ...

    @property
    def providers(self) -> Sequence[ProviderDesk]: ...

    @property
    def market(self) -> AccountMarket | None: ...

    @property
    def resellers(self) -> Sequence[ResellerDesk]: ...

    @property
    def legit_exit_overlap(self) -> np.ndarray:
        """By provider: the chance that a consumer proxy exit is a sampled legitimate user's address."""

    def legit_exits(self, providers: np.ndarray, rng: np.random.Generator) -> np.ndarray: ...


class DefenderWorld(World, Protocol):
    """What the providers and the sharing consortium may ask of the world."""

    @property
    def providers(self) -> Sequence[Defender]: ...

    @property
    def consortium(self) -> Consortium: ...

    @property
    def review_load(self) -> np.ndarray: ...

    def present_documents(self, rows: np.ndarray) -> np.ndarray: ...
