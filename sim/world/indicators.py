"""Indicator ids (network exit, payment, identity, device, prompt template).

Ids are dense integers allocated per indicator type, so "which accounts share
an indicator with this set" is a boolean lookup array indexed by id: one
gather over the account table, whatever the number of accounts.
"""

from __future__ import annotations

import numpy as np

from ..config import INDICATORS

# Account-table column holding each indicator type.
COLUMN: dict[str, str] = {
    "network": "exit_id",
    "payment": "payment",
    "identity": "identity",
    "organisation": "organisation",
    "device": "device",
    "template": "template",
}


class IndicatorRegistry:
    """Allocates fresh ids for each indicator type."""

    def __init__(self) -> None:
        self._next = dict.fromkeys(INDICATORS, 0)

    def new(self, kind: str, count: int) -> np.ndarray:
        """``count`` fresh ids of indicator type ``kind``."""
        start = self._next[kind]
        self._next[kind] = start + count
        return np.arange(start, start + count, dtype=np.int64)

    def size(self, kind: str) -> int:
        """Number of ids allocated so far (lookup arrays need this length)."""
        return self._next[kind]

    def blocks(self, kind: str, count: int, per: int) -> np.ndarray:
        """Ids for ``count`` new accounts where each id is shared by ``per`` accounts."""
        n_ids = -(-count // per)
        ids = self.new(kind, n_ids)
        return np.repeat(ids, per)[:count]


def sharing_mask(column: np.ndarray, marked_ids: np.ndarray, size: int) -> np.ndarray:
    """Rows whose indicator id is among ``marked_ids`` (ids of -1 never match)."""
    lookup = np.zeros(size + 1, dtype=bool)  # the last slot stays False: id -1 lands there
    lookup[marked_ids[marked_ids >= 0]] = True
    return lookup[column]
