"""Vectorised generator of `fact_sales`: one row per day x SKU x region x channel.

Expected units are a product of interpretable factors, so analytics questions have real answers:
SKU base volume x category trend x yearly seasonality x region size x channel mix (by category, with
channel trends and regional tilts) x weekday pattern x holiday/festival effects x promotion uplift.
Counts are negative-binomial (gamma-Poisson) around that mean; B2B dispensers are much lumpier.

Planted story for demos: from 2026-10-01 South China (华南) loses KA and distributor sell-through (a big
distributor's contract lapsed after its rep left, and 华润万家 cut shelf space), calibrated so the region's
October 2026 revenue is ~15% below September 2026.

Everything is computed on a dense (day, sku, region, channel) array in C order, so the rows come out
sorted and the same seed always gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from copilot.demo.catalog import CATEGORIES, CHANNELS, PRODUCTS, REGIONS, SALES_START
from copilot.demo.events import CNY_DAYS, HOLIDAYS, PROMOTIONS, holiday_labels, sales_days

SOUTH_DROP_TARGET = 0.85  # South China revenue, 2026-10 / 2026-09

_CH = {c.code: i for i, c in enumerate(CHANNELS)}
_CAT = {c.code: i for i, c in enumerate(CATEGORIES)}
_REG = {r.code: i for i, r in enumerate(REGIONS)}
ECOM, KA, DIST, CONV = _CH["ecommerce"], _CH["ka"], _CH["distributor"], _CH["convenience"]

REGION_WEIGHT = {"east": 0.30, "south": 0.19, "north": 0.16, "central": 0.13, "southwest": 0.11,
                 "northeast": 0.065, "northwest": 0.045}
# Channel tilt per region: coastal regions buy online, the west and north-east rely on distributors.
REGION_CHANNEL_TILT: dict[str, dict[str, float]] = {
    "ecommerce": {"east": 1.15, "south": 1.10, "north": 1.05, "central": 0.95, "southwest": 0.90,
                  "northeast": 0.85, "northwest": 0.80},
    "distributor": {"east": 0.85, "south": 0.95, "north": 1.0, "central": 1.10, "southwest": 1.20,
                    "northeast": 1.25, "northwest": 1.35},
    "convenience": {"east": 1.10, "south": 1.20, "north": 1.0, "central": 0.90, "southwest": 0.95,
                    "northeast": 0.80, "northwest": 0.70},
}
# Channel share per category, order = CHANNELS (ecommerce, ka, distributor, convenience).
CHANNEL_SHARE: dict[str, tuple[float, float, float, float]] = {
    "shampoo": (0.35, 0.30, 0.25, 0.10),
    "body_wash": (0.30, 0.35, 0.25, 0.10),
    "laundry": (0.30, 0.40, 0.25, 0.05),
    "skincare": (0.60, 0.20, 0.10, 0.10),
    "oral_care": (0.25, 0.35, 0.25, 0.15),
    "household": (0.25, 0.40, 0.30, 0.05),
    "dispenser": (0.06, 0.30, 0.62, 0.02),
}
CHANNEL_GROWTH = {"ecommerce": 0.12, "ka": -0.05, "distributor": -0.03, "convenience": 0.06}  # per year
CATEGORY_GROWTH = {"shampoo": 0.04, "body_wash": 0.06, "laundry": 0.02, "skincare": 0.16, "oral_care": 0.05,
                   "household": 0.08, "dispenser": 0.30}
# Yearly seasonality: (amplitude, peak day of year). Per-SKU overrides for obviously seasonal items.
CATEGORY_SEASON = {"shampoo": (0.08, 200), "body_wash": (0.30, 200), "laundry": (0.06, 210),
                   "skincare": (0.18, 350), "oral_care": (0.04, 20), "household": (0.10, 20),
                   "dispenser": (0.25, 345)}
SKU_SEASON = {"SK-404": (0.60, 185), "SK-407": (0.50, 10), "BW-205": (0.25, 15), "HC-604": (0.20, 30)}
WEEKLY: dict[str, tuple[float, ...]] = {  # Monday .. Sunday, normalised to mean 1 below
    "ecommerce": (1.05, 1.00, 0.98, 0.97, 0.98, 1.00, 1.02),
    "ka": (0.85, 0.85, 0.88, 0.92, 1.05, 1.30, 1.25),
    "distributor": (1.20, 1.15, 1.15, 1.15, 1.10, 0.45, 0.25),
    "convenience": (1.02, 1.02, 1.02, 1.03, 1.08, 0.95, 0.88),
}
PRICE_ELASTICITY = {"ecommerce": 2.0, "ka": 1.8, "distributor": 1.2, "convenience": 1.0}
DISPERSION = {"dispenser": 1.5}  # gamma shape; larger = closer to Poisson
DEFAULT_DISPERSION = 15.0
DAY_NOISE_SIGMA = 0.05  # shared day x region x channel shock (weather, logistics, store events)


@dataclass(frozen=True)
class SalesData:
    frame: pd.DataFrame  # fact_sales rows, sorted by date, sku, region_code, channel_code
    south_shock: float  # multiplier applied to South China KA + distributor in October 2026


def _ramp(n: int, a: float, b: float) -> np.ndarray:
    return np.linspace(a, b, n) if n > 1 else np.array([b])


def _scale(ev: np.ndarray, idx: np.ndarray, factors: dict[int, float]) -> None:
    for channel, factor in factors.items():
        ev[idx, channel] *= factor


def event_multipliers(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Festival/holiday traffic factors: (day, channel) for all goods and (day,) for cleaning goods.

    Price effects of promotions are applied separately, so these are the pure footfall/logistics effects.
    """
    n = len(days)
    ev = np.ones((n, len(CHANNELS)))
    cleaning = np.ones(n)
    pos = {d.date(): i for i, d in enumerate(days)}

    def span(a: date, b: date) -> np.ndarray:
        return np.array([pos[a + timedelta(k)] for k in range((b - a).days + 1) if a + timedelta(k) in pos],
                        dtype=np.int64)

    _, off, codes = holiday_labels(days)
    other_off = off & np.isin(codes, ["new_year", "qingming", "dragon_boat", "mid_autumn"])
    ev[other_off, DIST] *= 0.5
    ev[other_off, KA] *= 1.1
    for h in HOLIDAYS:
        if h.code == "labour_day":
            idx = span(h.start, h.end)
            _scale(ev, idx, {KA: 1.15, CONV: 1.2, DIST: 0.5})
        elif h.code == "national_day":
            idx = span(h.start, h.end)
            _scale(ev, idx, {ECOM: 0.9, KA: 1.3, CONV: 1.35, DIST: 0.35})
        elif h.code == "cny":
            cny = CNY_DAYS[h.start.year]
            for a, b, ch, lo, hi in (
                (-35, -15, DIST, 1.35, 1.35), (-14, -1, DIST, 0.95, 0.95),
                (-21, -1, KA, 1.25, 1.7), (-10, -1, ECOM, 0.65, 0.65), (-14, -1, CONV, 1.1, 1.1),
            ):
                idx = span(cny + timedelta(a), cny + timedelta(b))
                ev[idx, ch] *= _ramp(len(idx), lo, hi)[: len(idx)]
            week = span(h.start, h.end)
            _scale(ev, week, {ECOM: 0.5, KA: 0.95, DIST: 0.2, CONV: 0.7})
            after = span(h.end + timedelta(1), h.end + timedelta(10))
            ev[after, DIST] *= _ramp(len(after), 0.45, 0.95)
            ev[after[:7], ECOM] *= 0.85
            ev[after[:7], KA] *= 0.9
            cleaning[span(cny - timedelta(28), cny - timedelta(3))] *= 1.35
        elif h.code == "618":
            ramp = span(h.start, h.end - timedelta(1))
            ev[ramp, ECOM] *= _ramp(len(ramp), 1.25, 1.7)
            ev[span(h.end, h.end), ECOM] *= 4.0
            ev[span(h.end + timedelta(1), h.end + timedelta(3)), ECOM] *= 0.8
            ev[span(h.start, h.end), KA] *= 1.05
        elif h.code == "double11":
            ramp = span(h.start, h.end - timedelta(1))
            ev[ramp, ECOM] *= _ramp(len(ramp), 1.5, 2.2)
            ev[span(h.end, h.end), ECOM] *= 5.0
            ev[span(h.end + timedelta(1), h.end + timedelta(4)), ECOM] *= 0.75
            ev[span(h.start, h.end), KA] *= 0.95
            d12 = date(h.start.year, 12, 12)
            ev[span(d12 - timedelta(2), d12), ECOM] *= np.array([1.3, 1.3, 2.0])
    return ev, cleaning


def _promotion_grid(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Best applicable discount (fraction) and promo index (-1 = none) per (day, category, channel)."""
    shape = (len(days), len(CATEGORIES), len(CHANNELS))
    disc = np.zeros(shape)
    pid = np.full(shape, -1, dtype=np.int32)
    values = days.values.astype("datetime64[D]")
    ids = [p.promo_id for p in PROMOTIONS]
    for i, p in enumerate(PROMOTIONS):
        dmask = (values >= np.datetime64(p.start)) & (values <= np.datetime64(p.end))
        kmask = np.ones(len(CATEGORIES), bool) if p.category_code is None else \
            np.arange(len(CATEGORIES)) == _CAT[p.category_code]
        cmask = np.ones(len(CHANNELS), bool) if p.channel_code is None else \
            np.arange(len(CHANNELS)) == _CH[p.channel_code]
        hit = dmask[:, None, None] & kmask[None, :, None] & cmask[None, None, :]
        better = hit & (p.discount_pct / 100 > disc)
        disc[better] = p.discount_pct / 100
        pid[better] = i
    return disc, pid, ids


def _seasonality(days: pd.DatetimeIndex) -> np.ndarray:
    doy = days.day_of_year.to_numpy()[:, None].astype(float)
    amp = np.array([SKU_SEASON.get(p.sku, CATEGORY_SEASON[p.category_code])[0] for p in PRODUCTS])
    peak = np.array([SKU_SEASON.get(p.sku, CATEGORY_SEASON[p.category_code])[1] for p in PRODUCTS])
    return 1 + amp[None, :] * np.cos(2 * np.pi * (doy - peak[None, :]) / 365.25)


def generate_sales(seed: int) -> SalesData:
    """All `fact_sales` rows for the seed; rows before a SKU's launch date are omitted."""
    rng = np.random.default_rng([seed, 1])
    days = sales_days()
    n_d, n_s, n_r, n_c = len(days), len(PRODUCTS), len(REGIONS), len(CHANNELS)
    cat = np.array([_CAT[p.category_code] for p in PRODUCTS])
    cat_codes = [c.code for c in CATEGORIES]
    ch_codes = [c.code for c in CHANNELS]
    reg_codes = [r.code for r in REGIONS]
    t = ((days - pd.Timestamp(SALES_START)).days.to_numpy() / 365.25)[:, None]  # (D, 1) years

    # (day, sku): base volume, category trend, seasonality, launch ramp, pre-CNY cleaning boost.
    day_no = (days - pd.Timestamp(SALES_START)).days.to_numpy()
    launch_no = np.array([(p.launch_date - SALES_START).days for p in PRODUCTS])
    age = day_no[:, None] - launch_no[None, :]
    alive = age >= 0
    ramp = np.clip((age + 1) / 75.0, 0.0, 1.0) ** 0.7
    growth = (1 + np.array([CATEGORY_GROWTH[c] for c in cat_codes])[cat])[None, :] ** t
    base = np.array([p.daily_units for p in PRODUCTS])[None, :]
    ev, cleaning = event_multipliers(days)
    clean = np.ones((n_d, n_s))
    clean[:, cat == _CAT["household"]] = cleaning[:, None]
    clean[:, cat == _CAT["laundry"]] = (1 + (cleaning - 1) * 0.45)[:, None]
    sku_ds = base * growth * _seasonality(days) * ramp * clean

    # (day, channel): channel trend x weekday x festivals; (region, channel): size x tilt.
    wd = days.day_of_week.to_numpy()
    weekly = np.array([np.array(WEEKLY[c]) / np.mean(WEEKLY[c]) for c in ch_codes])  # (C, 7)
    ch_growth = (1 + np.array([CHANNEL_GROWTH[c] for c in ch_codes]))[None, :] ** t
    ch_dc = ch_growth * weekly[:, wd].T * ev
    reg_rc = np.array([[REGION_WEIGHT[r] * REGION_CHANNEL_TILT.get(c, {}).get(r, 1.0) for c in ch_codes]
                       for r in reg_codes])
    share_sc = np.array([CHANNEL_SHARE[c] for c in cat_codes])[cat]  # (S, C)

    # Promotions: price cut plus elasticity-driven uplift, per (day, sku, channel).
    disc_kc, pid_kc, promo_ids = _promotion_grid(days)
    disc = disc_kc[:, cat, :]
    pid = pid_kc[:, cat, :]
    elasticity = np.array([PRICE_ELASTICITY[c] for c in ch_codes])
    uplift = (1 - disc) ** (-elasticity[None, None, :])
    unit_price = np.array([p.unit_price for p in PRODUCTS])
    price = np.round(unit_price[None, :, None] * (1 - disc), 2)  # (D, S, C)

    day_noise = rng.lognormal(-DAY_NOISE_SIGMA**2 / 2, DAY_NOISE_SIGMA, size=(n_d, 1, n_r, n_c))
    mu = (sku_ds[:, :, None, None] * share_sc[None, :, None, :] * reg_rc[None, None, :, :]
          * ch_dc[:, None, None, :] * uplift[:, :, None, :] * day_noise)
    mu *= alive[:, :, None, None]

    # Planted story: calibrate the South China October 2026 shock on expected revenue.
    south = _REG["south"]
    month = days.year.to_numpy() * 100 + days.month.to_numpy()
    sep, octo = month == 202609, month == 202610
    rev_south = (mu[:, :, south, :] * price).sum(axis=1)  # (D, C)
    hit = np.zeros(n_c, bool)
    hit[[KA, DIST]] = True
    base_sep = rev_south[sep].sum()
    keep_oct, hit_oct = rev_south[octo][:, ~hit].sum(), rev_south[octo][:, hit].sum()
    shock = float(np.clip((SOUTH_DROP_TARGET * base_sep - keep_oct) / hit_oct, 0.2, 1.0)) if hit_oct else 1.0
    for c in (KA, DIST):
        mu[octo, :, south, c] *= shock

    k = np.array([DISPERSION.get(c, DEFAULT_DISPERSION) for c in cat_codes])[cat][None, :, None, None]
    lam = mu * rng.gamma(np.broadcast_to(k, mu.shape), 1.0) / k
    units = rng.poisson(lam).astype(np.int32)

    keep = np.broadcast_to(alive[:, :, None, None], mu.shape).ravel()
    shape = (n_d, n_s, n_r, n_c)

    def column(a: np.ndarray) -> np.ndarray:
        return np.broadcast_to(a, shape).ravel()[keep]

    price_col = column(price[:, :, None, :])
    units_col = units.ravel()[keep]
    cost_col = column(np.array([p.unit_cost for p in PRODUCTS])[None, :, None, None])
    pid_col = column(pid[:, :, None, :])
    frame = pd.DataFrame({
        "date": column(days.values.astype("datetime64[D]")[:, None, None, None]),
        "sku": pd.Categorical.from_codes(column(np.arange(n_s)[None, :, None, None]),
                                         [p.sku for p in PRODUCTS]),
        "region_code": pd.Categorical.from_codes(column(np.arange(n_r)[None, None, :, None]), reg_codes),
        "channel_code": pd.Categorical.from_codes(column(np.arange(n_c)[None, None, None, :]), ch_codes),
        "units": units_col,
        "price": price_col,
        "revenue": np.round(units_col * price_col, 2),  # money is kept to the fen (cent)
        "cost": np.round(units_col * cost_col, 2),
        "promo_id": pd.Categorical.from_codes(pid_col, promo_ids),
    })
    return SalesData(frame=frame, south_shock=shock)
