"""The account table: columnar numpy state of every account, attacker and legitimate.

Data model (one row per account, never one Python object per account):

Observable columns (what a provider can see, and all a control may read):
    provider        int8    provider index the account lives on
    status          int8    PENDING (being created), ACTIVE, BANNED, CLOSED
    created_at      int32   tick the account was opened
    active_from     int32   tick from which it can send traffic
    tier            int8    identity tier it was verified at (index into TIERS)
    exit_id         int32   network exit (address) id; shared exits share ids
    exit_type       int8    index into EXIT_TYPES (IP-intelligence class)
    exit_matched    bool    the geo/proxy filter matched this exit
    payment, identity, organisation, device, template   int32 indicator ids (-1: none)
    coding_share, template_reuse, cot_share, timing_regularity   float32 traffic traits
    demand_day, refused_day   int32 exchanges requested / refused today
    throttled_day   int32   of which refused by a volume cap (the account sees rate-limit errors)
    served_total    int64   exchanges served before today
    queued          bool    waiting in the review queue (some of the row's real accounts)
    queued_mass     float   how many of the row's real accounts wait in review
    queue_full      bool    all of them do: nothing left for the detector to flag
    queued_by       int8    which control queued it (index into QUEUE_SOURCES)
    queued_at       int32   tick it entered the queue
    banned_at       int32   tick of the ban
    ban_reason      int8    index into BAN_REASONS (review, link_analysis, sharing)
    reverified      bool    the provider asked the account to re-verify its identity (on a flag)
    evidence, evidence_score, evidence_noise, evidence_days_sq, evidence_volume   float64 the
                    provider's accumulated evidence on the account, fading over its memory
                    (sim/controls/evidence.py)
    evidence_day    int32   last day the account sent traffic (the evidence's reference day)
    template_group_size float64 accounts carrying the account's prompt template when the provider
                    counts more than the table's rows (a sampled users' shared template; 0: the rows)

Ground truth (read only by the agents that own the account and by metrics;
never handed to a control): ``is_attacker``, ``owner`` (agent index),
``weight`` (how many real users a sampled legitimate account stands for),
``is_reseller`` (held by a reseller: neither a sampled user nor an operator's),
the user's private demand traits ``rate`` and ``active_prob``, and
``ever_refused`` (metrics bookkeeping).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

PENDING, ACTIVE, BANNED, CLOSED = 0, 1, 2, 3

_OBSERVABLE: dict[str, type] = {
    "provider": np.int8,
    "status": np.int8,
    "created_at": np.int32,
    "active_from": np.int32,
    "tier": np.int8,
    "exit_id": np.int32,
    "exit_type": np.int8,
    "exit_matched": np.bool_,
    "payment": np.int32,
    "identity": np.int32,
    "organisation": np.int32,
    "device": np.int32,
    "template": np.int32,
    "coding_share": np.float32,
    "template_reuse": np.float32,
    "cot_share": np.float32,
    "timing_regularity": np.float32,
    "demand_day": np.int32,
    "refused_day": np.int32,
    "throttled_day": np.int32,
    "served_total": np.int64,
    "queued": np.bool_,
    "queued_mass": np.float64,  # real accounts of the row waiting in review (sim/controls/review.py)
    "queue_full": np.bool_,  # every real account of the row is queued (none left to flag)
    "queued_by": np.int8,
    "queued_at": np.int32,
    "banned_at": np.int32,
    "ban_reason": np.int8,
    "reverified": np.bool_,
    "evidence": np.float64,
    "evidence_score": np.float64,
    "evidence_noise": np.float64,
    "evidence_days_sq": np.float64,
    "evidence_volume": np.float64,
    "evidence_day": np.int32,
    "template_group_size": np.float64,
}
_TRUTH: dict[str, type] = {
    "is_attacker": np.bool_,
    "owner": np.int16,
    "weight": np.float64,
    "rate": np.float64,  # a legitimate user's mean exchanges per active day (private trait)
    "active_prob": np.float64,  # probability the user is active on a given day
    "ever_refused": np.bool_,  # metrics: the user had a request refused at least once
    "is_reseller": np.bool_,  # held by a reseller (mixed customers' traffic; not a sampled user)
}
OBSERVABLE_COLUMNS: frozenset[str] = frozenset(_OBSERVABLE)
TRUTH_COLUMNS: frozenset[str] = frozenset(_TRUTH)


class AccountTable:
    """Growable columnar store. Column ``c`` is read as ``table.c`` (a view of
    the first ``n`` rows; writes go through).

    The views are plain instance attributes, refreshed whenever the table grows,
    so reading a column costs one attribute lookup (the engine reads columns
    tens of thousands of times a run); so are the observable views' columns.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._cap = max(int(capacity), 16)
        self._data = {
            name: np.zeros(self._cap, dtype=dt) for name, dt in {**_OBSERVABLE, **_TRUTH}.items()
        }
        self._observers: weakref.WeakValueDictionary[int, ObservableAccounts] = weakref.WeakValueDictionary()
        self._refresh()

    def __getattr__(self, name: str) -> np.ndarray:
        raise AttributeError(name)

    def __len__(self) -> int:
        return self.n

    def _refresh(self) -> None:
        """Point every column attribute (the table's and its observable views') at the first ``n`` rows."""
        n = self.n
        views = {name: arr[:n] for name, arr in self._data.items()}
        self.__dict__.update(views)
        observable = {name: views[name] for name in OBSERVABLE_COLUMNS}
        for view in self._observers.values():
            view.__dict__.update(observable)

    def _grow(self, needed: int) -> None:
        cap = self._cap
        while cap < needed:
            cap *= 2
        if cap != self._cap:
            for name, arr in self._data.items():
                new = np.zeros(cap, dtype=arr.dtype)
                new[: self.n] = arr[: self.n]
                self._data[name] = new
            self._cap = cap

    def add(self, count: int, **columns: np.ndarray | float | int | bool) -> np.ndarray:
        """Append ``count`` accounts; unspecified columns are 0 (indicators -1).

        Returns:
            The new accounts' row indices.
        """
        unknown = set(columns) - set(self._data)
        if unknown:
            raise KeyError(f"unknown account columns: {sorted(unknown)}")
        start = self.n
        self._grow(start + count)
        self.n = start + count
        rows = slice(start, start + count)
        for name in ("payment", "identity", "organisation", "device", "template"):
            self._data[name][rows] = -1
        for name, value in columns.items():
            self._data[name][rows] = value
        self._refresh()
        return np.arange(start, start + count)

    def start_day(self) -> None:
        """Fold yesterday's traffic into the totals and zero today's counters."""
        total = self.served_total
        np.add(total, self.demand_day, out=total)
        np.subtract(total, self.refused_day, out=total)
        self.demand_day.fill(0)
        self.refused_day.fill(0)
        self.throttled_day.fill(0)

    def observable(self) -> ObservableAccounts:
        """The view a provider and its controls get: observable columns only."""
        return ObservableAccounts(self)

    def attach(self, view: ObservableAccounts) -> None:
        """Keep ``view``'s column attributes up to date while it lives."""
        self._observers[id(view)] = view
        self._refresh()


@dataclass(frozen=True)
class ObservableAccounts:
    """Read/write access to the observable columns of an :class:`AccountTable`.

    Controls receive this object and nothing else about accounts, so a control
    cannot read the ground-truth label even by accident: asking for a truth
    column raises ``AttributeError``.
    """

    _table: AccountTable

    def __post_init__(self) -> None:
        self._table.attach(self)

    def __getattr__(self, name: str) -> np.ndarray:
        # Observable columns are instance attributes (set by the table), so only other names get here.
        raise AttributeError(f"{name!r} is not an observable account column")

    @property
    def n(self) -> int:
        return self._table.n
