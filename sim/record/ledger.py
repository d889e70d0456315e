"""Bookkeeping of what happened: per tick and per day. Reads the ground truth.

This is the only place, with :mod:`sim.record.metrics`, that reads the label
(attacker or legitimate) and the sampling weights; agents and controls never
see it. Legitimate counts are kept both in sample units and weighted to the
real population.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from ..config import consortium_sharing
from ..world.accounts import ACTIVE, BANNED
from ..world.calendar import HOURS_PER_DAY
from ..controls import TrafficBatch
from .attribution import Attribution

if TYPE_CHECKING:
    from ..model import DistillationModel

TICK_COLUMNS: tuple[str, ...] = (
    "attacker_requested",
    "attacker_served",
    "attacker_refused",
    "legit_requested",
    "legit_served",
    "legit_refused",
)


def route_share(model: DistillationModel) -> float:
    """Share of their demand the operators route through resellers: the mean of the
    operators' shares weighted by their targets (what each plans to demand), so a small
    campaign's share counts for little. One statistic for the daily series and the metrics."""
    ops = model.operators
    total = sum(op.target for op in ops)
    return float(sum(op.target / total * op.route_share for op in ops)) if total else 0.0


def reverification_totals(model: DistillationModel) -> dict[str, float]:
    """Re-verification on a flag so far, by side: attacker accounts asked and closed,
    legitimate users asked and lost (weighted; sampled users only), real accounts asked."""
    table = model.accounts
    gates = [p.gating for p in model.providers]
    out: dict[str, float] = {"requests": float(sum(g.reverify_requests for g in gates))}
    for what in ("asked", "closed"):
        parts = [rows for g in gates for rows in getattr(g, f"reverify_{what}")]
        rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        att = table.is_attacker[rows]
        user = ~att & ~table.is_reseller[rows]
        out[f"attacker_{what}"] = int(np.count_nonzero(att))
        # Real legitimate accounts: those asked (the row's accounts in review), and those expected
        # to fail (asked x failure rate; the sampled row is closed with that share, see the gate).
        per_row = [m for g in gates for m in (g.reverify_asked_mass if what == "asked" else g.reverify_lost_expected)]
        if what == "closed":
            asked_parts = [rows for g in gates for rows in g.reverify_asked]
            asked_rows = np.concatenate(asked_parts) if asked_parts else np.zeros(0, dtype=np.int64)
            user = ~table.is_attacker[asked_rows] & ~table.is_reseller[asked_rows]
        out[f"legit_{what}"] = float(np.concatenate(per_row)[user].sum()) if per_row else 0.0
    return out


class Ledger:
    """Per-tick traffic totals and one record per day.

    Besides the ticks it keeps what the metrics need split by window: the exchanges
    served to the operators per provider (each day and within the window) and each
    operator's harvest at the window's end; and each day it brings the providers' and
    the consortium's attribution up to date (:mod:`.attribution`).
    """

    def __init__(self, model: DistillationModel) -> None:
        self.model = model
        self.ticks = np.zeros((model.clock.horizon_ticks, len(TICK_COLUMNS)), dtype=np.int64)
        self.days: list[dict] = []
        self.legit_weighted = np.zeros(3)  # requested, served, refused (real exchanges)
        self.refused_by: dict[str, dict[str, float]] = {"attacker": defaultdict(float), "legit": defaultdict(float)}
        self._day_legit_weighted = np.zeros(3)
        self.legit_banned_expected = 0.0
        self.legit_flags_expected = 0.0  # real legitimate accounts the detector sends to review, expected
        providers = model.cfg.scenario.providers
        self.provider_names: tuple[str, ...] = tuple(p.name for p in providers)
        self._day_attacker_served = np.zeros(len(providers), dtype=np.int64)  # by provider
        self.attacker_served_in_window = np.zeros(len(providers), dtype=np.int64)  # by provider
        self.harvest_at_window_end: list[int] | None = None  # by operator, once the window has closed
        self.attribution = Attribution(model.cfg.policy.attribution, consortium_sharing(model.cfg), len(providers))
        self._user = np.zeros(0, dtype=bool)  # see _sampled_users

    def _sampled_users(self) -> np.ndarray:
        """Per account: a sampled legitimate user (neither an operator's nor a reseller's account).

        The labels are fixed when an account is opened, so only new rows are classified."""
        table = self.model.accounts
        done = self._user.size
        if done < table.n:
            new = ~table.is_attacker[done:] & ~table.is_reseller[done:]
            self._user = np.concatenate([self._user, new])
        return self._user

    def book(self, attacker: bool, batch: TrafficBatch) -> None:
        """Record a served batch of requests."""
        t = self.model.clock.tick
        req = int(batch.demand.sum())
        ref = int(batch.refused.sum())
        col = 0 if attacker else 3
        self.ticks[t, col : col + 3] += (req, req - ref, ref)
        side = "attacker" if attacker else "legit"
        if ref:
            table = self.model.accounts
            refused_rows = batch.rows.compress(batch.refused > 0)
            table.ever_refused[refused_rows] = True
        if attacker:
            if req > ref:
                # A batch is one provider's (Provider.serve), so its first row names the provider.
                self._day_attacker_served[self.model.accounts.provider[batch.rows[0]]] += req - ref
            for name, n in batch.refused_by.items():
                self.refused_by[side][name] += n
            return
        w = self.model.accounts.weight[batch.rows]
        wreq = float((w * batch.demand).sum())  # not np.dot: BLAS threads stall on a busy machine
        wref = float((w * batch.refused).sum()) if ref else 0.0
        self._day_legit_weighted += (wreq, wreq - wref, wref)
        if ref:
            # Real exchanges refused per control: the batch's weighted refusals split in
            # proportion to each control's share of the (sample) refusals.
            for name, n in batch.refused_by.items():
                self.refused_by[side][name] += wref * n / ref

    def _market_columns(self) -> dict:
        """The market's price, capacity and sales (ready-made accounts included when on sale)."""
        model = self.model
        return model.market.day_record(model.providers[0].required_tier)

    def _reverification_columns(self) -> dict:
        """Re-verification on a flag, to date."""
        model = self.model
        rv = reverification_totals(model)
        return {
            "reverification_requests_cum": rv["requests"],
            "reverification_attacker_closed_cum": rv["attacker_closed"],
            "legit_lost_to_reverification_cum": rv["legit_closed"] + float(sum(p.lost_to_reverification for p in model.populations)),
        }

    def _reseller_columns(self) -> dict:
        """Resellers' mixed traffic, bans and cut-off customers to date, and the operators' routing."""
        model = self.model
        table = model.accounts
        rs = model.resellers
        return {
            "reseller_legit_requested_cum": float(sum(r.legit[0] for r in rs)),
            "reseller_legit_refused_cum": float(sum(r.legit[2] for r in rs)),
            "reseller_operator_served_cum": int(sum(r.op_served for r in rs)),
            "reseller_accounts_banned_cum": int(sum(np.count_nonzero(table.status[r.rows] == BANNED) for r in rs)),
            "legit_users_cut_off_by_reseller_bans_cum": float(sum(r.cut_off_by_bans for r in rs)),
            "attacker_route_share": route_share(model),
        }

    def close_day(self) -> None:
        """Append today's record (called at the last tick of each day)."""
        model = self.model
        table = model.accounts
        day = model.clock.day
        t0, t1 = day * HOURS_PER_DAY, (day + 1) * HOURS_PER_DAY
        traffic = self.ticks[t0:t1].sum(axis=0)
        user = self._sampled_users()
        banned = np.flatnonzero(table.status == BANNED)
        # Every ban is made at the current tick (Provider.ban), so none is later than t1.
        banned_today = banned[table.banned_at[banned] >= t0]
        legit_banned = banned_today[user[banned_today]]
        expected = 0.0
        for provider in model.providers:
            r = provider.last_review
            legit_reviewed = user[r.rows]
            expected += float((r.reviewed[legit_reviewed] * r.p_ban[legit_reviewed]).sum())
        # Bans not decided by review (link analysis, sharing) are certain given the review outcome.
        not_review = legit_banned[table.ban_reason[legit_banned] != 0]
        expected += float(table.weight[not_review].sum())
        self.legit_banned_expected += expected
        flags = 0.0
        for provider in model.providers:
            det = provider.detector
            if det is not None and det.last_rows.size:
                legit = user[det.last_rows]
                rows = det.last_rows[legit]
                open_accounts = np.maximum(table.weight[rows] - det.last_queued[legit], 0.0)
                flags += float((open_accounts * det.last_p_flag[legit]).sum())
        self.legit_flags_expected += flags
        self.legit_weighted += self._day_legit_weighted
        harvested = sum(op.harvested for op in model.operators)
        served = self._day_attacker_served
        if day < model.clock.window_days:
            self.attacker_served_in_window += served
        if day == model.clock.window_days - 1:
            self.harvest_at_window_end = [op.harvested for op in model.operators]
        attribution = self.attribution
        attribution.close_day(table, [op.owner for op in model.operators], day, model.clock.tick, banned)
        record = {
            "day": day,
            "date": model.clock.date_of(day).isoformat(),
            **{name: int(v) for name, v in zip(TICK_COLUMNS, traffic, strict=True)},
            **{f"attacker_served_from_{name}": int(n) for name, n in zip(self.provider_names, served, strict=True)},
            "attacker_harvested_cum": int(harvested),
            "attacker_accounts_created_cum": int(sum(op.accounts_created for op in model.operators)),
            "attacker_accounts_active": int(sum(np.count_nonzero(table.status[op.rows] == ACTIVE) for op in model.operators)),
            "attacker_accounts_banned": int(np.count_nonzero(table.is_attacker[banned_today])),
            "attacker_spend_cum_usd": float(sum(op.total_spend for op in model.operators)),
            "legit_requested_real": self._day_legit_weighted[0],
            "legit_served_real": self._day_legit_weighted[1],
            "legit_refused_real": self._day_legit_weighted[2],
            "legit_users_wrongly_banned": float(table.weight[legit_banned].sum()),
            "legit_users_wrongly_banned_expected": expected,
            "legit_flags_expected": flags,
            "legit_signups_lost_cum": float(sum(pop.signups_lost for pop in model.populations)),
            "reviews_done_cum": float(sum(p.queue.reviews_done for p in model.providers)),
            "review_queue_length": int(np.count_nonzero(table.queued)),
            **{f"attribution_cluster_{name}": v.largest for name, v in zip(self.provider_names, attribution.own, strict=True)},
            "consortium_attribution_cluster": attribution.consortium_largest,
        }
        # A mechanism that is off adds no column: a run without it keeps the columns it always had.
        if model.market is not None:
            record.update(self._market_columns())
        if model.providers and model.providers[0].gating.reverify_on_flag:
            record.update(self._reverification_columns())
        if model.resellers:
            record.update(self._reseller_columns())
        self.days.append(record)
        self._day_legit_weighted = np.zeros(3)
        self._day_attacker_served = np.zeros(len(self.provider_names), dtype=np.int64)
