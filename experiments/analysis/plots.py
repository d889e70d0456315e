"""Every figure of the analyses (the only module that imports matplotlib).

Figures are written as PNG at 150 dpi with titles, units and labelled axes;
point labels are placed by :func:`_place_labels` so they do not overlap each
other or the markers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from .names import policy_color, policy_label  # noqa: E402

DPI = 150


LINE_STYLES: tuple = ("-", (0, (6, 3)), (0, (2, 2)), (0, (8, 2, 2, 2)), (3, (6, 3)), (2, (2, 2)))


def policy_colors(policies: Sequence[str]) -> dict[str, tuple]:
    """Each policy's fixed colour (:func:`experiments.analysis.names.policy_color`), the same in every figure."""
    return {p: policy_color(p) for p in set(policies)}


def _place_labels(ax, xs, ys, texts, styles) -> None:
    """Put each text near its point, choosing among offsets the first that overlaps nothing drawn so far.

    Points at the same place share one label (``a = b``); a label set further
    out than the nearest ring gets a thin leader line to its point, in the
    point's colour, so no label can be read as belonging to a neighbour.
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    groups: dict[tuple[float, float], list[int]] = {}
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        groups.setdefault((float(np.round(x, 9)), float(np.round(y, 9))), []).append(i)
    taken: list[Bbox] = []
    for x, y in zip(xs, ys, strict=True):
        px, py = ax.transData.transform((x, y))
        taken.append(Bbox.from_extents(px - 6, py - 6, px + 6, py + 6))
    axes_box = ax.get_window_extent(renderer)
    offsets = [(d * cx, d * cy) for d in (8, 18, 32, 50, 70) for cx, cy in
               ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1.2), (0, -1.2))]
    for members in groups.values():
        i = members[0]
        x, y, style = xs[i], ys[i], dict(styles[i])
        text = " = ".join(texts[j] for j in members)
        if len(members) > 1:  # one label for points drawn on top of each other: no single colour is right
            style["color"] = "0.15"
        best = None
        for dx, dy in offsets:
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
            leader = {"arrowstyle": "-", "color": style.get("color", "0.5"), "lw": 0.7, "shrinkA": 1, "shrinkB": 5}
            t = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                            arrowprops=leader if max(abs(dx), abs(dy)) > 10 else None, **style)
            box = t.get_window_extent(renderer).expanded(1.05, 1.1)
            inside = axes_box.contains(box.x0, box.y0) and axes_box.contains(box.x1, box.y1)
            if inside and not any(box.overlaps(b) for b in taken):
                best = (t, box)
                break
            t.remove()
        if best is None:  # everything overlaps: nearest offset, with a leader line
            t = ax.annotate(text, (x, y), xytext=(12, 12), textcoords="offset points", ha="left", va="bottom",
                            arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.6}, **style)
            best = (t, t.get_window_extent(renderer))
        taken.append(best[1])


MIN_SHARE_SPAN = 5.0  # percentage points


def pareto(table: pd.DataFrame, front: np.ndarray, x: str, y: str, x_label: str, y_label: str,
           title: str, path: Path, colors: dict[str, tuple]) -> Path:
    """Blocked share vs collateral, one panel per stratum, interval bars, non-dominated policies marked.

    ``table`` has ``stratum``, ``policy``, ``x``/``y`` with ``.lo``/``.hi``; ``front`` is a mask aligned with it.
    """
    strata = sorted(table["stratum"].unique())
    fig, axes = plt.subplots(1, len(strata), figsize=(max(6.2 * len(strata), 9.0), 5.6), squeeze=False)
    for ax, s in zip(axes[0], strata, strict=True):
        sel = (table["stratum"] == s).to_numpy()
        sub = table[sel]
        on_front = front[sel]
        xs, ys = sub[x].to_numpy(float), 100 * sub[y].to_numpy(float)
        xerr = np.abs(np.vstack([xs - sub[f"{x}.lo"].to_numpy(float), sub[f"{x}.hi"].to_numpy(float) - xs]))
        yerr = np.abs(np.vstack([ys - 100 * sub[f"{y}.lo"].to_numpy(float), 100 * sub[f"{y}.hi"].to_numpy(float) - ys]))
        xerr, yerr = np.nan_to_num(xerr), np.nan_to_num(yerr)
        order = np.argsort(xs)
        fx, fy = xs[on_front], ys[on_front]
        o = np.argsort(fx)
        ax.plot(fx[o], fy[o], "-", color="0.6", lw=1, zorder=1, label="Pareto front")
        for i in order:
            p = sub["policy"].iloc[i]
            ax.errorbar(xs[i], ys[i], xerr=xerr[:, [i]], yerr=yerr[:, [i]], fmt="o" if on_front[i] else "s",
                        ms=8 if on_front[i] else 6, color=colors[p], mfc=colors[p] if on_front[i] else "white",
                        mew=1.5, capsize=3, lw=1, zorder=3)
        styles = [{"fontsize": 9, "fontweight": "bold" if f else "normal", "color": colors[p]}
                  for f, p in zip(on_front, sub["policy"], strict=True)]
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.set_title(f"attacker strategy: {s}")
        ax.grid(True, alpha=0.3)
        pad_x = 0.08 * (np.nanmax(xs) - np.nanmin(xs) or 1.0)
        ax.set_xlim(min(0, np.nanmin(xs - xerr[0])) - pad_x, np.nanmax(xs + xerr[1]) + 3 * pad_x)
        lo_y, hi_y = np.nanmin(ys - yerr[0]), np.nanmax(ys + yerr[1])
        # A share axis spans at least MIN_SHARE_SPAN percentage points, so that seed noise of a
        # thousandth of a percent does not look like a front.
        hi_y = max(hi_y, lo_y + MIN_SHARE_SPAN)
        pad_y = 0.12 * (hi_y - lo_y or 1.0)
        ax.set_ylim(lo_y - pad_y, hi_y + 2 * pad_y)
        ax.ticklabel_format(axis="both", style="plain", useOffset=False)
        _place_labels(ax, xs, ys, [policy_label(p) for p in sub["policy"]], styles)
    handles = [plt.Line2D([], [], marker="o", color="0.3", ls="", ms=8, label="non-dominated (bold label)"),
               plt.Line2D([], [], marker="s", color="0.3", mfc="white", ls="", ms=6, label="dominated"),
               plt.Line2D([], [], color="0.6", lw=1, label="Pareto front")]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=9)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def costs(table: pd.DataFrame, baseline: str, harmed: str, title: str, path: Path, colors: dict[str, tuple]) -> Path:
    """Who pays: the attacker's cost multiplier over the baseline (paired by seed) and the
    legitimate users harmed, one bar per policy with its 95% interval; a column per stratum.

    ``table`` has ``stratum``, ``policy``, ``attacker_cost_per_million_exchanges.vs`` and
    ``harmed`` with ``.lo``/``.hi`` bounds (the comparison table).
    """
    strata = sorted(table["stratum"].unique())
    policies = sorted(table["policy"].unique(), key=lambda p: (p != baseline, p))
    fig, axes = plt.subplots(2, len(strata), figsize=(max(6.2 * len(strata), 8.0), 1.2 + 0.55 * len(policies) * 2),
                             squeeze=False, sharey=True)
    ypos = np.arange(len(policies))[::-1]
    rows = [("attacker_cost_per_million_exchanges.vs", f"attacker cost per 1M exchanges, x {baseline} (paired by seed)"),
            (harmed, "legitimate users harmed per 100k users")]
    for col_i, s in enumerate(strata):
        sub = table[table["stratum"] == s].set_index("policy")
        for row_i, (col, label) in enumerate(rows):
            ax = axes[row_i][col_i]
            for y, p in zip(ypos, policies, strict=True):
                if p not in sub.index:
                    continue
                r = sub.loc[p]
                if col.endswith(".vs") and p == baseline:
                    v, lo, hi = 1.0, 1.0, 1.0
                else:
                    v, lo, hi = (float(r.get(c, np.nan)) for c in (col, f"{col}.lo", f"{col}.hi"))
                ax.barh(y, v, color=colors[p], height=0.6)
                if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
                    ax.errorbar(v, y, xerr=[[max(v - lo, 0)], [max(hi - v, 0)]], fmt="none", ecolor="0.2", capsize=3, lw=1)
                ax.annotate(f"{v:.2f}x" if col.endswith(".vs") else f"{v:,.0f}", (max(v, hi if np.isfinite(hi) else v), y),
                            xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
            if col.endswith(".vs"):
                ax.axvline(1.0, color="0.3", ls=":", lw=1)
            ax.set_yticks(ypos, [policy_label(p) for p in policies])
            ax.set_xlabel(label)
            ax.set_xlim(0, ax.get_xlim()[1] * 1.15)
            ax.grid(True, axis="x", alpha=0.3)
            if row_i == 0:
                ax.set_title(f"attacker strategy: {s}")
    fig.suptitle(title + "\n(bars: mean; whiskers: 95% interval)", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def harvest(daily: pd.DataFrame, target: float, window_days: int, title: str, path: Path,
            colors: dict[str, tuple], band: tuple[float, float] = (0.05, 0.95)) -> Path:
    """Cumulative harvest over time: mean over seeds per policy with a percentile band, target line.

    ``daily`` has ``stratum``, ``policy``, ``seed``, ``day``, ``attacker_harvested_cum``.
    """
    strata = sorted(daily["stratum"].unique())
    # Policies that change nothing draw the same curve: a line style per policy
    # (solid, then dash patterns drawn over it) keeps every one of them visible.
    dashes = {p: LINE_STYLES[i % len(LINE_STYLES)] for i, p in enumerate(sorted(colors))}
    fig, axes = plt.subplots(1, len(strata), figsize=(max(6.2 * len(strata), 8.0), 5.0), squeeze=False, sharey=True)
    for ax, s in zip(axes[0], strata, strict=True):
        sub = daily[daily["stratum"] == s]
        for p, g in sorted(sub.groupby("policy"), key=lambda kv: str(kv[0])):
            wide = g.pivot_table(index="day", columns="seed", values="attacker_harvested_cum") / 1e6
            days = wide.index.to_numpy() + 1  # day 0 ends after one day
            ax.plot(days, wide.mean(axis=1), color=colors[p], lw=1.8, ls=dashes[p], label=policy_label(p))
            ax.fill_between(days, wide.quantile(band[0], axis=1), wide.quantile(band[1], axis=1),
                            color=colors[p], alpha=0.15, lw=0)
        ax.axhline(target / 1e6, color="black", ls="--", lw=1)
        ax.annotate(f"target {target / 1e6:.1f}M", (0.01, target / 1e6), xycoords=("axes fraction", "data"),
                    xytext=(0, 4), textcoords="offset points", fontsize=9)
        ax.axvline(window_days, color="0.4", ls=":", lw=1)
        ax.annotate("end of window", (window_days, 0.02), xycoords=("data", "axes fraction"), rotation=90,
                    xytext=(-3, 0), textcoords="offset points", ha="right", va="bottom", fontsize=8, color="0.3")
        ax.set_xlabel("days since campaign start")
        ax.set_title(f"attacker strategy: {s}")
        ax.grid(True, alpha=0.3)
        ax.set_ylim(0, 1.12 * max(target / 1e6, float(sub["attacker_harvested_cum"].max()) / 1e6))
    axes[0][0].set_ylabel("exchanges harvested, cumulative (millions)")
    by_label: dict = {}
    for ax in axes[0]:  # every policy once, even one missing from a panel
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            by_label.setdefault(lab, h)
    labels = sorted(by_label)
    handles = [by_label[lab] for lab in labels]
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), frameon=False, fontsize=9)
    fig.suptitle(title + f"\nline: mean over seeds; band: {band[0]:.0%}-{band[1]:.0%} of seeds", fontsize=11)
    nrows = math.ceil(len(labels) / 6)
    fig.tight_layout(rect=(0, 0.04 + 0.04 * nrows, 1, 0.95))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def lever_curve(summary: pd.DataFrame, lever: str, objective: tuple[str, str], budget: list[tuple[str, str, float, str]],
                chosen: float | None, title: str, path: Path, band_label: str = "95% interval of the mean",
                tick_labels: Sequence[str] | None = None) -> Path:
    """Objective and budget metrics against a lever's value, with interval bands and the chosen value.

    ``summary`` has ``value`` and ``<metric>``, ``<metric>.lo``, ``<metric>.hi`` columns;
    ``objective`` is ``(column, label)``; ``budget`` entries are ``(column, label, limit, op)``;
    ``tick_labels`` names the positions 0..n-1 of a categorical lever.
    """
    panels = [(objective[0], objective[1], None, None)] + [(c, lab, lim, op) for c, lab, lim, op in budget]
    fig, axes = plt.subplots(len(panels), 1, figsize=(7.5, 3.0 * len(panels) + 0.6), sharex=True, squeeze=False)
    x = summary["value"].to_numpy(float)
    for ax, (col, label, limit, op) in zip(axes[:, 0], panels, strict=True):
        scale = 100.0 if col.endswith("_share") else 1.0
        unit = " (%)" if scale == 100.0 else ""
        ax.plot(x, scale * summary[col], "o-", color="C0", lw=1.6, ms=4, label="mean over seeds")
        ax.fill_between(x, scale * summary[f"{col}.lo"], scale * summary[f"{col}.hi"], color="C0", alpha=0.2,
                        lw=0, label=band_label)
        if limit is not None:
            ax.axhline(scale * limit, color="C3", ls="--", lw=1.2, label=f"budget {op} {scale * limit:g}{'%' if scale == 100.0 else ''}")
        if chosen is not None:
            name = tick_labels[int(chosen)] if tick_labels is not None else f"{chosen:g}"
            ax.axvline(chosen, color="C2", ls="-", lw=1.2, label=f"chosen: {name}")
        ax.set_ylabel(label + unit, fontsize=9)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    if tick_labels is not None:
        axes[-1, 0].set_xticks(range(len(tick_labels)), tick_labels)
    axes[-1, 0].set_xlabel(lever)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def sensitivity_heatmap(indices: pd.DataFrame, value: str, outputs: Sequence[str], policies: Sequence[str],
                        title: str, path: Path) -> Path:
    """One heatmap per output, factors x policies, of an importance measure (Morris ``mu_star`` or Sobol ``ST``).

    ``indices`` has ``policy``, ``output``, ``parameter`` and ``value``. Each panel has its own colour scale
    (the outputs have their own units); factors are ordered by their largest value relative to the panel's
    largest, over the outputs and policies; each cell is labelled with its value, "n/a" where the output did not
    vary or lacked values.
    """
    from .tables import fmt_number

    outputs = list(outputs)
    factors = list(dict.fromkeys(indices["parameter"]))
    rel = []
    for out in outputs:
        sub = indices[indices["output"] == out]
        top = sub[value].max()
        rel.append(sub.groupby("parameter")[value].max() / top if top and np.isfinite(top) else
                   pd.Series(0.0, index=factors))
    order = pd.concat(rel, axis=1).max(axis=1).reindex(factors).fillna(-1).sort_values(ascending=False).index.tolist()
    fig, axes = plt.subplots(1, len(outputs), figsize=(2.2 + 1.25 * len(policies) * len(outputs) + 2.4,
                                                       0.36 * len(order) + 2.0), squeeze=False, sharey=True)
    for ax, out in zip(axes.flat, outputs, strict=True):
        grid = (indices[indices["output"] == out].pivot_table(index="parameter", columns="policy", values=value,
                                                              dropna=False)
                .reindex(index=order, columns=list(policies)))
        m = grid.to_numpy(float)
        top = np.nanmax(m) if np.isfinite(m).any() else 1.0
        im = ax.imshow(np.ma.masked_invalid(m), cmap="viridis", vmin=0, vmax=top or 1.0, aspect="auto")
        for (i, j), v in np.ndenumerate(m):
            text = "n/a" if not np.isfinite(v) else (f"{v:.2f}" if abs(top) < 10 else fmt_number(v))
            light = np.isfinite(v) and v < 0.6 * top
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if light else "black")
        ax.set_xticks(range(len(policies)), [policy_label(p) for p in policies], rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(order)), order, fontsize=8)
        ax.set_title(out, fontsize=9)
        fig.colorbar(im, ax=ax, fraction=0.05, pad=0.02).ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def daily_versions(daily: pd.DataFrame, value: str, y_label: str, title: str, path: Path) -> Path:
    """``value`` by day, one panel per attacker strategy, one line per code version.

    ``daily`` has ``strategy``, ``version``, ``day`` and ``value`` (one run per strategy and version).
    """
    strategies = sorted(daily["strategy"].unique())
    versions = list(dict.fromkeys(daily["version"]))
    colors = policy_colors(versions)
    fig, axes = plt.subplots(1, len(strategies), figsize=(6.2 * len(strategies), 4.6), squeeze=False, sharey=True)
    for ax, s in zip(axes[0], strategies, strict=True):
        for i, v in enumerate(versions):
            g = daily[(daily["strategy"] == s) & (daily["version"] == v)].sort_values("day")
            ax.plot(g["day"] + 1, g[value], color=colors[v], lw=1.6, ls=LINE_STYLES[i % len(LINE_STYLES)], label=v)
        ax.set_xlabel("days since campaign start")
        ax.set_title(f"attacker strategy: {s}")
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel(y_label)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, fontsize=9)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 0.93))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def budget_curves(curve: pd.DataFrame, target: float, reference: float, title: str, path: Path,
                  colors: dict[str, tuple]) -> Path:
    """Exchanges harvested within the window against the budget (log axis): one panel per attacker
    strategy, one curve per policy with its 95% interval as a band, the target and the reference budget marked.

    ``curve`` has ``attacker.name``, ``policy.name``, ``budget_usd`` and ``exchanges_harvested`` with
    ``.lo``/``.hi`` (:func:`experiments.analysis.budget.curves`).
    """
    strategies = sorted(curve["attacker.name"].unique())
    dashes = {p: LINE_STYLES[i % len(LINE_STYLES)] for i, p in enumerate(sorted(colors))}
    fig, axes = plt.subplots(1, len(strategies), figsize=(6.2 * len(strategies), 5.0), squeeze=False, sharey=True)
    for ax, s in zip(axes[0], strategies, strict=True):
        sub = curve[curve["attacker.name"] == s]
        for p in sorted(sub["policy.name"].unique()):
            g = sub[sub["policy.name"] == p].sort_values("budget_usd")
            x = g["budget_usd"].to_numpy(float) / 1e6
            y = g["exchanges_harvested"].to_numpy(float) / 1e6
            lo, hi = (g[f"exchanges_harvested.{end}"].to_numpy(float) / 1e6 for end in ("lo", "hi"))
            ax.plot(x, y, marker="o", ms=3.5, lw=1.6, color=colors[p], ls=dashes[p], label=p)
            ax.fill_between(x, np.where(np.isfinite(lo), lo, y), np.where(np.isfinite(hi), hi, y), color=colors[p],
                            alpha=0.15, lw=0)  # one seed: no interval, no band
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.axhline(target / 1e6, color="0.3", ls=":", lw=1)
        ax.annotate("target", (0.01, target / 1e6), xycoords=("axes fraction", "data"), xytext=(0, -3),
                    textcoords="offset points", fontsize=8, color="0.3", va="top")
        ax.axvline(reference / 1e6, color="0.5", ls="--", lw=0.8)
        ax.annotate("reference budget", (reference / 1e6, 0), xytext=(3, 3), textcoords="offset points", fontsize=8,
                    color="0.4", rotation=90, va="bottom")
        ax.set_xlabel("operator budget (million USD, log scale)")
        ax.set_title(f"attacker strategy: {s}")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_ylim(bottom=0)
    axes[0][0].set_ylabel("exchanges harvested within the window (millions)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, fontsize=9)
    fig.suptitle(title + "\n(lines: mean over seeds; bands: 95% interval)", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 0.93))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def search_traces(traces: dict[str, pd.DataFrame], references: dict[str, dict[str, tuple[float, float]]],
                  panels: Sequence[tuple[str, float, str]], path: Path) -> Path:
    """The best-response searches, one column per policy, one row per panel.

    ``traces``: per policy, :func:`experiments.analysis.search.trace` (``trial``, ``value``,
    ``feasible``, ``best`` and any detail columns). ``panels``: ``(column, scale, y label)`` per
    row; the first is the objective (each trial, the best so far), a later one a detail of the
    feasible trials (e.g. the cost by which tied trials are ranked), drawn with the value the best
    trial so far had. ``references``: per policy, the values of reference strategies (the presets
    on the search seeds), one per panel, drawn as dashed lines. Every value is multiplied by its
    panel's scale.
    """
    policies = list(traces)
    fig, axes = plt.subplots(len(panels), len(policies), figsize=(5.2 * len(policies), 3.4 * len(panels)),
                             squeeze=False, sharex="col")
    for j, policy in enumerate(policies):
        t = traces[policy]
        ok = t["feasible"].to_numpy(bool) if len(t) else np.zeros(0, bool)
        best_rows = _best_so_far_rows(t)
        for i, (column, scale, label) in enumerate(panels):
            ax = axes[i][j]
            if len(t) and column in t.columns:
                ax.scatter(t["trial"][ok], t[column][ok] * scale, s=14, color="tab:blue", label="trial")
                if (~ok).any():
                    ax.scatter(t["trial"][~ok], t[column][~ok] * scale, s=14, color="0.6", marker="x", label="infeasible")
                ax.step(t["trial"], t[column].to_numpy()[best_rows] * scale, where="post", color="tab:red",
                        label="best trial so far")
            for (name, values), style in zip(references.get(policy, {}).items(), LINE_STYLES[1:], strict=False):
                if math.isfinite(values[i]):
                    ax.axhline(values[i] * scale, color="0.3", linestyle=style, linewidth=1, label=f"{name} (same seeds)")
            if i == 0:
                ax.set_title(f"policy {policy}")
            if i == len(panels) - 1:
                ax.set_xlabel("trial")
            ax.set_ylabel(label)
            ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _best_so_far_rows(t: pd.DataFrame) -> np.ndarray:
    """For each row of a search trace, the row of the best feasible trial up to it (by ``best``: the first that reached it)."""
    rows = np.zeros(len(t), dtype=int)
    current = 0
    for k in range(len(t)):
        best = t["best"].iloc[k]
        if t["feasible"].iloc[k] and t["value"].iloc[k] == best:
            current = k
        rows[k] = current
    return rows
