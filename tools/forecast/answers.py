"""Answers from a stored run: any slice x period, calibrated intervals, bias history and what-if re-prediction.

Intervals are calibrated on the run's own past: at each earlier origin the pipeline forecast the same slice over
the same lead times, and the spread of log(actual / forecast) there sets the width now (a t-quantile over the
windows that saw those leads, so few windows give honestly wider intervals). That keeps intervals calibrated for
any aggregate, which per-series model intervals summed up would not be.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats

from copilot.errors import ToolInputError
from tools.forecast.panel import Plan, day_weights, plan_discounts
from tools.forecast.store import Run
from tools.forecast.understand import FESTIVALS

LEVELS = (80, 95)
MIN_WINDOWS = 3
UNIT_FLOOR = 1.0  # added to both sides of log(actual / forecast): a slice selling ~0 must not explode the ratio


@dataclass(frozen=True)
class Figure:
    """A forecast total with its intervals ({80: (lo, hi), 95: (lo, hi)})."""

    value: float
    intervals: dict[int, tuple[float, float]]



@dataclass(frozen=True)
class Calibration:
    windows: int  # past origins behind the interval
    shifted_weeks: int  # > 0: the leads asked for were beyond every window; nearer leads were used


def select(run: Run, filters: dict[str, str], regions: Sequence[str]) -> np.ndarray:
    """Bottom series in the slice (regions = the scope-clipped list; never empty here)."""
    mask = run.keys["region"].isin(list(regions)).to_numpy()
    for dim, code in filters.items():
        mask &= (run.keys[dim] == code).to_numpy()
    return mask


def future_weights(run: Run, start: date, end: date) -> np.ndarray:
    return day_weights(run.future, start, end)


@dataclass(frozen=True)
class Slice:
    """A slice summed over its bottom series once; every answer is then a few dot products."""

    y: np.ndarray  # (T,) actual units
    forecast: np.ndarray  # (H,) units
    revenue: np.ndarray  # (H,) forecast units x planned price (NaN when prices are unknown)
    cost: np.ndarray  # (H,) forecast units x unit cost (NaN when unknown)
    windows: np.ndarray  # (K, H) units forecast at each past origin
    cutoffs: np.ndarray  # (K,)


def slice_of(run: Run, mask: np.ndarray, units: np.ndarray | None = None, price: np.ndarray | None = None) -> Slice:
    t = run.y.shape[1]
    u = (run.forecast if units is None else units)[mask]
    p = (run.price[:, t:] if price is None else price)[mask]
    return Slice(run.y[mask].sum(axis=0), u.sum(axis=0), (u * p).sum(axis=0),
                 (u * run.unit_cost[mask][:, None]).sum(axis=0), run.windows[:, mask].sum(axis=1), run.cutoffs)


def log_errors(s: Slice, w: np.ndarray) -> tuple[np.ndarray, int]:
    """log(actual / forecast) of the slice at the same leads, one per past window that saw them all; when fewer
    than MIN_WINDOWS reach that far, the same span `shift` weeks nearer is used."""
    t = len(s.y)
    leads = np.flatnonzero(w)
    for shift in range(int(leads.min()) + 1):
        ws = np.roll(w, -shift) if shift else w
        last = int(leads.max()) - shift
        errs = [np.log((float(s.y[cut + 1: cut + 2 + last] @ ws[: last + 1]) + UNIT_FLOOR)
                       / (float(s.windows[k] @ ws) + UNIT_FLOOR))
                for k, cut in enumerate(s.cutoffs) if cut + 1 + last <= t - 1]
        if len(errs) >= MIN_WINDOWS:
            return np.array(errs), shift
    return np.array(errs), shift


def interval(point: float, errors: np.ndarray) -> dict[int, tuple[float, float]]:
    """Zero-centred t-interval on the log scale: point x exp(+-t * sqrt(1 + 1/n) * rms(errors))."""
    n = len(errors)
    if n < 2:
        return {lv: (float("nan"), float("nan")) for lv in LEVELS}
    rms = float(np.sqrt(np.mean(errors**2)))
    out = {}
    for lv in LEVELS:
        q = _t_factor(lv, n) * rms
        out[lv] = (point * float(np.exp(-q)), point * float(np.exp(q)))
    return out


@functools.lru_cache(maxsize=256)
def _t_factor(level: int, n: int) -> float:
    """t quantile with n - 1 degrees of freedom, widened for predicting one new value: t * sqrt(1 + 1/n)."""
    return float(stats.t.ppf(0.5 + level / 200, n - 1)) * float(np.sqrt(1 + 1 / n))


@dataclass(frozen=True)
class Outlook:
    units: Figure
    revenue: Figure | None
    margin: Figure | None
    calibration: Calibration


def outlook(s: Slice, w: np.ndarray) -> Outlook:
    """Units, revenue and gross margin of the slice over the weighted weeks, with intervals."""
    total = float(s.forecast @ w)
    errors, shift = log_errors(s, w)
    band = interval(1.0, errors)

    def fig(v: float) -> Figure:
        return Figure(v, {lv: (v * lo, v * hi) for lv, (lo, hi) in band.items()})

    rev = float(s.revenue @ w)
    margin = rev - float(s.cost @ w)
    return Outlook(fig(total), fig(rev) if np.isfinite(rev) else None, fig(margin) if np.isfinite(margin) else None,
                   Calibration(len(errors), shift))


def weekly_path(s: Slice, weeks: pd.DatetimeIndex, future: pd.DatetimeIndex, shown: int = 52) -> pd.DataFrame:
    """Actuals of the last `shown` weeks and the weekly forecast with intervals: the chart's data."""
    hist = pd.DataFrame({"week": weeks[-shown:], "actual": s.y[-shown:]})
    rows = []
    eye = np.eye(len(future))
    for i, week in enumerate(future):
        band = interval(float(s.forecast[i]), log_errors(s, eye[i])[0])
        rows.append({"week": week, "forecast": float(s.forecast[i]), **{f"lo{lv}": band[lv][0] for lv in LEVELS},
                     **{f"hi{lv}": band[lv][1] for lv in LEVELS}})
    return pd.concat([hist, pd.DataFrame(rows)], ignore_index=True)


@dataclass(frozen=True)
class BiasRow:
    made: date  # last day of data the forecast knew
    forecast: float
    actual: float

    @property
    def bias_pct(self) -> float:
        return (self.forecast - self.actual) / self.actual * 100 if self.actual else float("nan")


@dataclass(frozen=True)
class Bias:
    period: BiasRow | None  # the forecast made just before the period, over the whole period
    wape_pct: float | None  # weekly absolute error of that forecast over the period
    history: list[BiasRow]  # each past origin's next-4-weeks forecast vs actual


def bias(s: Slice, weeks: pd.DatetimeIndex, start: date, end: date, weeks_ahead: int = 4) -> Bias:
    t = len(s.y)
    w_hist = day_weights(weeks, start, end)
    span = np.flatnonzero(w_hist)
    rows: list[BiasRow] = []
    chosen = None
    for k, cut in enumerate(s.cutoffs):
        made = (weeks[cut] + pd.Timedelta(days=6)).date()
        n = min(weeks_ahead, t - cut - 1)
        rows.append(BiasRow(made, float(s.windows[k][:n].sum()), float(s.y[cut + 1: cut + 1 + n].sum())))
        if len(span) and cut < span.min() and span.max() <= cut + s.windows.shape[1]:
            chosen = (k, cut, made)
    period = wape = None
    if chosen is not None:
        k, cut, made = chosen
        fw = s.windows[k][span - cut - 1] * w_hist[span]
        aw = s.y[span] * w_hist[span]
        period = BiasRow(made, float(fw.sum()), float(aw.sum()))
        wape = float(np.abs(fw - aw).sum() / aw.sum() * 100) if aw.sum() else None
    return Bias(period, wape, rows)


def matching_promotions(plan: Plan, words: str, start: date, end: date, horizon: tuple[date, date]) -> Plan:
    """Planned promotions the user named that touch [start, end] (else anywhere in the horizon)."""
    pats = [p for p, _ in FESTIVALS if p.search(words)]
    low = words.strip().lower()

    def named(row: tuple) -> bool:  # type: ignore[type-arg]
        text = f"{row[5]} {row[6]} {row[7]}"
        return any(p.search(text) for p in pats) if pats else bool(low) and low in text.lower()

    planned = [r for r in plan.rows if named(r) and r[1] >= horizon[0] and r[0] <= horizon[1]]
    inside = [r for r in planned if r[1] >= start and r[0] <= end]
    return Plan(tuple(inside or planned))


@dataclass(frozen=True)
class WhatIf:
    promotions: Plan
    base: Outlook
    scenario: Outlook
    series_changed: int


def what_if(run: Run, mask: np.ndarray, base: Slice, w: np.ndarray, promos: Plan,
            discount_pct: float | None) -> WhatIf:
    """Re-predict the slice with the named promotions cancelled (or at another discount)."""
    if not promos.rows:
        raise ToolInputError(en="No such promotion is planned within the forecast horizon.",
                             zh="预测期内没有计划这个促销活动。")
    new = 0.0 if discount_pct is None else discount_pct / 100
    ids = {r[5] for r in promos.rows}
    changed = Plan(tuple((*r[:4], new, *r[5:]) if r[5] in ids else r for r in run.plan.rows))
    t = run.y.shape[1]
    base_disc = run.discount[:, t:]
    disc = plan_discounts(changed, run.keys, run.future)
    touched = mask & (np.abs(disc - base_disc).max(axis=1) > 1e-9)
    units = run.forecast.copy()
    price = run.price[:, t:].copy()
    if touched.any():
        uids = run.keys["uid"][touched].tolist()
        order = {u: i for i, u in enumerate(run.keys["uid"])}

        def with_discounts(fx: pd.DataFrame) -> pd.DataFrame:
            rows = fx["unique_id"].isin(set(uids)).to_numpy()
            idx = fx.loc[rows, "unique_id"].map(order).to_numpy()
            step = ((fx.loc[rows, "ds"] - run.future[0]).dt.days // 7).to_numpy()
            fx.loc[rows, "discount"] = disc[idx, step]
            return fx

        pred = run.repredict(with_discounts, uids)
        new_lgbm = pred.pivot(index="unique_id", columns="ds", values="lgbm").loc[uids].to_numpy()
        base_lgbm = run.lgbm[touched]
        ratio = np.where(base_lgbm > 1e-6, np.clip(new_lgbm, 0, None) / np.maximum(base_lgbm, 1e-6), 1.0)
        units[touched] = run.forecast[touched] * np.clip(ratio, 0.0, 10.0)
        price[touched] = run.list_price[touched, None] * (1 - disc[touched])
    return WhatIf(promos, outlook(base, w), outlook(slice_of(run, mask, units, price), w), int(touched.sum()))
