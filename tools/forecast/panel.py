"""Sales history as a dense weekly panel: bottom series (SKU x region x channel) by 7-day buckets, plus the
promotion, price and calendar features the models use, for the history and the forecast horizon.

Buckets are anchored on the last day with data, so the newest bucket is always a complete week and the forecast
starts the day after the data ends. A bottom series with no row in a bucket sold nothing that week (0, not missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from copilot.errors import ToolInputError
from tools.forecast.calendar import calendar_features

KEYS = ("sku", "category", "region", "channel")
SEASON = 52
MIN_WEEKS = 2 * SEASON // 3  # below ~8 months of history there is no yearly pattern to learn


@dataclass(frozen=True)
class Plan:
    """Planned promotions: (start, end inclusive, category or None, channel or None, discount fraction, names)."""

    rows: tuple[tuple[date, date, str | None, str | None, float, str, str, str], ...] = ()

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=["start", "end", "category", "channel", "discount",
                                                      "promo_id", "name_zh", "name_en"])


@dataclass
class Panel:
    keys: pd.DataFrame  # one row per bottom series, in matrix row order: uid + KEYS
    weeks: pd.DatetimeIndex  # start day of each history bucket (T)
    future: pd.DatetimeIndex  # start day of each forecast bucket (H)
    y: np.ndarray  # (n, T) units
    discount: np.ndarray  # (n, T + H) fraction of list price
    price: np.ndarray  # (n, T + H) unit price paid (NaN where unknown)
    list_price: np.ndarray  # (n,)
    unit_cost: np.ndarray  # (n,) NaN where unknown
    exog: dict[str, np.ndarray] = field(default_factory=dict)  # (n, T + H) file-given features
    calendar: pd.DataFrame = field(default_factory=pd.DataFrame)  # (T + H) rows
    plan: Plan = field(default_factory=Plan)

    @property
    def last_day(self) -> date:
        return (self.weeks[-1] + pd.Timedelta(days=6)).date()

    @property
    def horizon(self) -> int:
        return len(self.future)

    def truncated(self, t: int) -> Panel:
        """The panel as it was known at the end of history bucket `t` (0-based), with the same horizon length."""
        end = t + 1 + self.horizon
        weeks = self.weeks[: t + 1]
        future = pd.DatetimeIndex([*self.weeks, *self.future][t + 1: end])
        return Panel(self.keys, weeks, future, self.y[:, : t + 1], self.discount[:, :end], self.price[:, :end],
                     self.list_price, self.unit_cost, {k: v[:, :end] for k, v in self.exog.items()},
                     self.calendar.iloc[:end], self.plan)


def bucket_starts(dates: pd.Series, last: pd.Timestamp) -> pd.Series:
    """Start day of the 7-day bucket of each date, buckets ending on `last`."""
    back = (last - dates).dt.days // 7
    return last - pd.to_timedelta(back * 7 + 6, unit="D")


def build_panel(history: pd.DataFrame, horizon: int, *, plan: Plan = Plan(), list_price: dict[str, float] | None = None,
                unit_cost: dict[str, float] | None = None, country: str = "CN") -> Panel:
    """Weekly panel from canonical history rows (see tools.forecast.importer.HISTORY_COLUMNS)."""
    if history.empty:
        raise ToolInputError(en="There is no sales history to forecast from.", zh="没有可用于预测的销售历史。")
    last = history["date"].max()
    first = history["date"].min()
    spacing = int(pd.Series(history["date"].unique()).sort_values().diff().dt.days.median() or 1)
    frame = history.assign(ds=bucket_starts(history["date"], last))
    frame = frame[frame["ds"] >= first - pd.Timedelta(days=spacing - 1)]
    weeks = pd.date_range(frame["ds"].min(), last - pd.Timedelta(days=6), freq="7D")
    if len(weeks) < MIN_WEEKS:
        raise ToolInputError(
            en=f"Only {len(weeks)} weeks of history: forecasting needs at least {MIN_WEEKS} weeks.",
            zh=f"历史数据只有 {len(weeks)} 周，预测至少需要 {MIN_WEEKS} 周。")
    future = pd.date_range(weeks[-1] + pd.Timedelta(days=7), periods=horizon, freq="7D")
    frame["uid"] = frame["sku"] + "|" + frame["region"] + "|" + frame["channel"]
    keys = frame.drop_duplicates("uid")[["uid", *KEYS]].sort_values("uid").reset_index(drop=True)
    row = pd.Index(keys["uid"])
    col = pd.Index(weeks)
    r, c = row.get_indexer(frame["uid"]), col.get_indexer(frame["ds"])
    n, t, h = len(keys), len(weeks), horizon
    y = np.zeros((n, t))
    np.add.at(y, (r, c), frame["units"].to_numpy(float))
    sold = np.zeros((n, t))
    np.add.at(sold, (r, c), frame["units"].to_numpy(float) * frame["discount"].to_numpy(float))
    days = np.zeros((n, t))
    np.add.at(days, (r, c), 1.0)
    disc_sum = np.zeros((n, t))
    np.add.at(disc_sum, (r, c), frame["discount"].to_numpy(float))
    # Units-weighted discount of the week; a week without sales gets the plain mean of its rows.
    discount_hist = np.where(y > 0, sold / np.where(y > 0, y, 1), disc_sum / np.maximum(days, 1))
    lp = _list_prices(frame, keys, list_price)
    cost = np.array([(unit_cost or {}).get(s, np.nan) for s in keys["sku"]], dtype=float)
    discount_future = plan_discounts(plan, keys, future)
    discount = np.concatenate([discount_hist, discount_future], axis=1)
    price = lp[:, None] * (1 - discount)
    exog = {}
    for name in [c for c in history.columns if c == "holiday" or c.startswith("x_")]:
        past = np.zeros((n, t))
        np.add.at(past, (r, c), frame[name].to_numpy(float))
        past = np.where(days > 0, past / np.maximum(days, 1), 0.0)
        exog[name] = np.concatenate([past, _same_week_last_year(past, h)], axis=1)
    cal = calendar_features(pd.DatetimeIndex([*weeks, *future]), country)
    return Panel(keys, weeks, future, y, discount, price, lp, cost, exog, cal, plan)


def _list_prices(frame: pd.DataFrame, keys: pd.DataFrame, given: dict[str, float] | None) -> np.ndarray:
    """List price per series: the catalogue's, else the median of price / (1 - discount) seen in the file."""
    if given:
        return np.array([given.get(s, np.nan) for s in keys["sku"]], dtype=float)
    if "price" not in frame or frame["price"].isna().all():
        return np.full(len(keys), np.nan)
    seen = frame.assign(lp=frame["price"] / (1 - frame["discount"].clip(upper=0.95)))
    by_sku = seen.groupby("sku", observed=True)["lp"].median()
    return keys["sku"].map(by_sku).to_numpy(float)


def _same_week_last_year(past: np.ndarray, h: int) -> np.ndarray:
    """Future values of a file-given feature: the value of the same week a year earlier (0 without one)."""
    t = past.shape[1]
    out = np.zeros((past.shape[0], h))
    for k in range(h):
        src = t + k - SEASON
        if 0 <= src < t:
            out[:, k] = past[:, src]
    return out


def plan_discounts(plan: Plan, keys: pd.DataFrame, future: pd.DatetimeIndex) -> np.ndarray:
    """Mean planned discount of each future bucket per series (the deepest promotion on a day wins)."""
    n, h = len(keys), len(future)
    if not plan.rows or h == 0:
        return np.zeros((n, h))
    day0 = future[0].date()
    per_day = np.zeros((n, h * 7))
    cats, chans = keys["category"].to_numpy(), keys["channel"].to_numpy()
    for start, end, category, channel, disc, *_ in plan.rows:
        a = max((start - day0).days, 0)
        b = min((end - day0).days + 1, h * 7)
        if a >= b:
            continue
        hit = np.ones(n, bool)
        if category is not None:
            hit &= cats == category
        if channel is not None:
            hit &= chans == channel
        per_day[hit, a:b] = np.maximum(per_day[hit, a:b], disc)
    return per_day.reshape(n, h, 7).mean(axis=2)


def day_weights(weeks: pd.DatetimeIndex, start: date, end: date) -> np.ndarray:
    """Share of each bucket's 7 days inside [start, end]: sums of weekly forecasts over calendar periods."""
    starts = np.array([w.date() for w in weeks])
    out = np.zeros(len(weeks))
    for i, s in enumerate(starts):
        lo, hi = max(s, start), min(s + timedelta(days=6), end)
        out[i] = max((hi - lo).days + 1, 0) / 7.0
    return out
