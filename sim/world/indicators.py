"""Indicator ids (network exit, payment, identity, device, prompt template).

Ids are dense integers allocated per indicator type, so "which accounts share
an indicator with this set" is a boolean lookup array indexed by id: one
gather over the account table, whatever the number of accounts.
"""

from __future__ import annotations

import numpy as np

from ..config import INDICATORS

# Ids are stored as int32 in the account table (sim/world/accounts.py).
ID_LIMIT: int = np.iinfo(np.int32).max

# Account-table column holding each indicator type.
COLUMN: dict[str, str] = {
    "network": "exit_id",
    "payment": "payment",
    "identity": "identity",
    "organisation": "organisation",
    "device": "device",
    "template": "template",
}


# Indicators a sampled row shares with every real account it stands for (a framework's prompt
# template). The others are each real account's own (its exit, card, identity, device): a
# sampled row's id stands for as many distinct ids as the row stands for accounts.
GROUP_INDICATORS: frozenset[str] = frozenset({"template"})


def spreading(kind: str, column: np.ndarray, banned: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The ids along which a ban spreads along indicator ``kind`` (``column``: its account column):
    for a group indicator ``groups``, the ids the provider found spreading today
    (:meth:`~sim.agents.provider.Provider.group_spread`); for an account's own indicator the ids of
    the banned rows, since a sampled row that lost one of its ``m`` accounts lost that account's
    own exit or card with chance ``1/m`` only (which is the row's chance of a ban)."""
    return groups if kind in GROUP_INDICATORS else column[banned]


def family_spread(family: np.ndarray, sizes: np.ndarray, carried: np.ndarray, banned: np.ndarray,
                  u: np.ndarray) -> np.ndarray:
    """Which ids of families of exchangeable group indicators spread today, from the real accounts
    banned among their carriers.

    A family is a set of ``T`` ids that users draw uniformly, one each (a segment's shared
    templates): a sampled row of ``m`` carries one of them for all its ``m`` accounts, but the
    real users it stands for would carry the family's ids independently. So the ``B_f`` real
    accounts expected banned today among the carriers of family ``f`` (``banned`` per row, of the
    rows carrying id ``carried``, each in a family) carry each of its ids with chance ``1/T``,
    and each id spreads (has at least one banned carrier) with::

        P = 1 - (1 - 1/T)^B_f

    whether those bans sit in one sampled row or in many; the sample's clumping (a day's
    reviews reaching a few rows of thousands of real accounts) no longer decides how many of
    the family's ids spread. ``family`` gives each id's family (-1: none), ``sizes`` each
    family's ``T``, ``u`` one uniform per id in a family (in id order). Returns the ids that spread.
    """
    members = np.flatnonzero(family >= 0)
    expected = np.bincount(family[carried], weights=banned, minlength=sizes.size)
    f = family[members]
    return members[u < 1.0 - np.power(1.0 - 1.0 / sizes[f], expected[f])]


class IndicatorRegistry:
    """Allocates fresh ids for each indicator type."""

    def __init__(self) -> None:
        self._next = dict.fromkeys(INDICATORS, 0)
        self._families: dict[str, list[np.ndarray]] = {kind: [] for kind in INDICATORS}

    def new(self, kind: str, count: int) -> np.ndarray:
        """``count`` fresh ids of indicator type ``kind``."""
        start = self._next[kind]
        if start + count > ID_LIMIT:
            raise OverflowError(f"indicator ids: {kind} would need {start + count:,} ids; the account table holds at most {ID_LIMIT:,}")
        self._next[kind] = start + count
        return np.arange(start, start + count, dtype=np.int64)

    def size(self, kind: str) -> int:
        """Number of ids allocated so far (lookup arrays need this length)."""
        return self._next[kind]

    def family(self, kind: str, count: int) -> np.ndarray:
        """``count`` fresh ids of ``kind`` forming one family: ids each user draws uniformly
        (a segment's shared templates), exchangeable for :func:`family_spread`."""
        ids = self.new(kind, count)
        self._families[kind].append(ids)
        return ids

    def families(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """The family of each id of ``kind`` allocated so far (-1: none) and each family's size."""
        family = np.full(self._next[kind], -1, dtype=np.int64)
        for f, ids in enumerate(self._families[kind]):
            family[ids] = f
        return family, np.array([ids.size for ids in self._families[kind]], dtype=np.float64)

    def blocks(self, kind: str, count: int, per: int) -> np.ndarray:
        """Ids for ``count`` new accounts where each id is shared by ``per`` accounts."""
        n_ids = -(-count // per)
        ids = self.new(kind, n_ids)
        return np.repeat(ids, per)[:count]


def sharing_mask(column: np.ndarray, marked_ids: np.ndarray, size: int) -> np.ndarray:
    """Rows whose indicator id is among ``marked_ids`` (ids of -1 never match)."""
    lookup = np.zeros(size + 1, dtype=bool)  # the last slot stays False: id -1 lands there
    lookup[marked_ids[marked_ids >= 0]] = True
    return lookup.take(column)  # ``take``: indexing with an int32 column is ~3x slower


def specific_mask(column: np.ndarray, marked_ids: np.ndarray, size: int, carriers: np.ndarray,
                  max_carriers: float) -> np.ndarray:
    """Rows whose indicator id is among ``marked_ids`` and specific enough to act on.

    ``carriers`` holds the real accounts each row stands for. An id whose matching
    rows stand for more than ``max_carriers`` real accounts is common, not an
    indicator of one operator (a framework's system prompt, a large VPN exit), and
    matches nothing: a provider does not review or ban tens of thousands of
    accounts on one shared value. Counting real accounts, not rows, keeps the rule
    the same whatever the sample size.
    """
    mask = sharing_mask(column, marked_ids, size)
    if not np.isfinite(max_carriers) or not mask.any():
        return mask
    hit = np.flatnonzero(mask)
    _, group = np.unique(column[hit], return_inverse=True)
    common = np.bincount(group, weights=carriers[hit])[group] > max_carriers
    mask[hit[common]] = False
    return mask
