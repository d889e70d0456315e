"""Attribution: the day the defenders can name the actor behind a campaign. Reads the ground truth.

The rule (``policy.attribution``, :class:`~sim.config.policy.AttributionConfig`): a provider
attributes a campaign when the accounts it has banned so far hold a *linked cluster* of at
least ``K = min_cluster`` accounts, a connected component of the bipartite graph

    {banned accounts} ∪ {their ids of the kinds in ``indicators``},  an edge per account and id it carries

(default payment, identity, device, prompt template: the strong indicators, which strangers
do not share by chance). The labs attributed campaigns from signals pooled over many accounts,
not from one; a cluster's size is how much evidence ties its accounts to one organiser.

Ground truth says whether the provider is right: a cluster is *the operator's* when more
than half of its members are the accounts of one operator, and the first day a cluster of at
least K accounts is an operator's is the provider's attribution day. A cluster of at least K
accounts that is no operator's (legitimate users, resellers' accounts) is a *false
attribution*, counted apart.

The consortium's view: with sharing on, a participant also sees the accounts the other
participants banned, once the sharing latency has passed since the ban, linked to the rest
only through the indicator kinds the consortium shares (``policy.sharing.indicators``: what
was published about them). Every published indicator counts: ``sharing.coverage`` governs
which live accounts a participant matches, while the analysts pool whatever was published,
so this is the consortium's best case. The consortium attributes on the first day one of
its members' views does; a provider outside the consortium counts with its own view. With
sharing off every provider sees only its own bans and the consortium's day is the earliest
provider's.

Cost: a view is recomputed at the day's close only when its banned accounts changed (a ban
that day, or a published ban whose latency passed), with one connected-components call and a
fixed number of numpy calls (one gather per indicator kind, a sort, two bincounts), whatever
the number of accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from ..config import INDICATORS
from ..config.policy import AttributionConfig, SharingConfig
from ..world.accounts import BANNED, AccountTable
from ..world.calendar import HOURS_PER_DAY
from ..world.indicators import COLUMN


@dataclass
class View:
    """What one provider knows: its own bans, and with ``peers`` those they published.

    Attributes:
        provider: the provider whose view it is.
        peers: the participants whose published bans it also sees (empty: its own only).
        banned: banned accounts in the view at its last computation.
        largest: accounts in its largest cluster that is an operator's.
        false_attributions: its clusters of at least K accounts that are no operator's.
        day: the day (from 0) it first held an operator's cluster of at least K accounts.
    """

    provider: int
    peers: tuple[int, ...] = ()
    banned: int = 0
    largest: int = 0
    false_attributions: int = 0
    day: int | None = None


def cluster_labels(table: AccountTable, rows: np.ndarray, linked: np.ndarray, kinds: Sequence[str],
                   published: Sequence[str]) -> np.ndarray:
    """The linked cluster of each of ``rows``: a component label per row.

    Rows with ``linked`` True connect through every kind in ``kinds``; the others (accounts
    another provider banned and published) only through the kinds in ``published``.
    """
    m = rows.size
    # Each row's id of each kind, in one id space for all kinds (-1: none, or not linkable).
    keys = np.full((m, len(kinds)), -1, dtype=np.int64)
    for j, kind in enumerate(kinds):
        ids = getattr(table, COLUMN[kind])[rows]
        take = ids >= 0 if kind in published else (ids >= 0) & linked
        keys[take, j] = ids[take] * len(INDICATORS) + INDICATORS.index(kind)
    carried = keys >= 0
    nodes, node = np.unique(keys[carried], return_inverse=True)  # row-major: the edges come sorted by row
    indptr = np.zeros(m + nodes.size + 1, dtype=np.int64)
    indptr[1 : m + 1] = np.cumsum(carried.sum(axis=1))
    indptr[m + 1 :] = indptr[m]
    graph = sparse.csr_matrix((np.ones(node.size, dtype=np.int8), m + node, indptr), shape=(m + nodes.size,) * 2)
    _, labels = csgraph.connected_components(graph, directed=False)
    return labels[:m]


def score(labels: np.ndarray, operator: np.ndarray, operators: int, min_cluster: int) -> tuple[int, int]:
    """The largest cluster that is an operator's, and the clusters of ``min_cluster`` or more that are not.

    ``operator``: each row's operator index, -1 for an account no operator holds. A cluster is
    an operator's when more than half of its members are that operator's accounts.
    """
    size = np.bincount(labels)
    if operators:
        mine = operator >= 0
        held = np.bincount(labels[mine] * operators + operator[mine], minlength=size.size * operators)
        theirs = 2 * held.reshape(size.size, operators).max(axis=1) > size
    else:
        theirs = np.zeros(size.size, dtype=bool)
    largest = int(size[theirs].max(initial=0))
    return largest, int(np.count_nonzero((size >= min_cluster) & ~theirs))


class Attribution:
    """Each provider's and the consortium's attribution, updated at each day's close."""

    def __init__(self, rule: AttributionConfig, sharing: SharingConfig, providers: int) -> None:
        self.min_cluster = rule.min_cluster
        self.kinds = tuple(k for k in INDICATORS if k in rule.indicators)
        self.published = tuple(k for k in self.kinds if sharing.enabled and k in sharing.indicators)
        self.lag_ticks = int(round(sharing.latency_days * HOURS_PER_DAY))  # as the consortium delivers
        # Nothing reaches the others when sharing is off, covers nothing or publishes no kind the rule links on.
        shares = sharing.enabled and sharing.coverage > 0 and bool(self.published)
        participants = sorted(set(sharing.participants)) if shares else []
        self.pooled = len(participants) > 1
        self.own = [View(p) for p in range(providers)]
        if self.pooled:
            self.consortium = [View(p, tuple(q for q in participants if q != p)) if p in participants else self.own[p]
                               for p in range(providers)]
        else:
            self.consortium = list(self.own)

    def close_day(self, table: AccountTable, operator_owners: Sequence[int], day: int, tick: int,
                  banned: np.ndarray | None = None) -> None:
        """Bring every view up to the bans known at ``tick`` (the last tick of ``day``);
        ``banned``: the banned rows, ascending, when the caller has them."""
        if banned is None:
            banned = np.flatnonzero(table.status == BANNED)
        provider = table.provider[banned]
        visible = table.banned_at[banned] + self.lag_ticks <= tick  # published and delivered by now
        owners = list(operator_owners)
        lookup = np.full(max(int(table.owner.max(initial=0)), *owners, 0) + 1, -1, dtype=np.int64)
        lookup[owners] = np.arange(len(owners))
        for view in (*self.own, *(v for v in self.consortium if v.peers)):
            own = provider == view.provider
            seen = own | (np.isin(provider, view.peers) & visible) if view.peers else own
            rows = banned[seen]
            if rows.size == view.banned:
                continue  # bans only accumulate: the same count is the same accounts
            labels = cluster_labels(table, rows, own[seen], self.kinds, self.published)
            view.banned = rows.size
            view.largest, view.false_attributions = score(labels, lookup[table.owner[rows]], len(owners), self.min_cluster)
            if view.day is None and view.largest >= self.min_cluster:
                view.day = day

    @property
    def consortium_day(self) -> int | None:
        """The first day (from 0) any view of the consortium attributed, or None."""
        days = [v.day for v in self.consortium if v.day is not None]
        return min(days) if days else None

    @property
    def consortium_largest(self) -> int:
        """Accounts in the largest operator's cluster any view of the consortium holds."""
        return max((v.largest for v in self.consortium), default=0)
