"""Demo calendar events: Chinese public holidays, shopping festivals and the promotion plan.

Lunar-calendar holidays use their real dates for 2023-2026 (Chinese New Year 2024-02-10, 2025-01-29,
2026-02-17) so questions like "how did CNY week go?" line up with what users know; 2027-02-06 (PLANNED_CNY) dates
the planned CNY fair of the coming year.
`holiday_name` is filled for public holidays *and* shopping festivals (618, 11.11); `is_holiday` is true
only for public days off, so analysts can tell "people are off work" from "platforms run a sale".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from copilot.demo.catalog import SALES_END, SALES_START

CNY_DAYS: dict[int, date] = {2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17)}
PLANNED_CNY: dict[int, date] = {2027: date(2027, 2, 6)}  # the coming year's CNY fair is planned around it


@dataclass(frozen=True, slots=True)
class Holiday:
    code: str  # 'cny', 'national_day', '618', 'double11', ...
    name_zh: str
    name_en: str
    start: date
    end: date  # inclusive
    day_off: bool

    @property
    def label(self) -> str:
        return f"{self.name_zh} / {self.name_en}"


def _h(code: str, zh: str, en: str, spans: list[tuple[date, date]], day_off: bool = True) -> list[Holiday]:
    return [Holiday(code, zh, en, a, b, day_off) for a, b in spans]


def _d(y: int, m: int, d: int) -> date:
    return date(y, m, d)


# Listed in precedence order: the first holiday covering a day names it.
HOLIDAYS: tuple[Holiday, ...] = (
    *_h("cny", "春节", "Chinese New Year", [(_d(2024, 2, 10), _d(2024, 2, 17)),
                                            (_d(2025, 1, 28), _d(2025, 2, 4)),
                                            (_d(2026, 2, 15), _d(2026, 2, 23))]),
    *_h("national_day", "国庆节", "National Day", [(_d(y, 10, 1), _d(y, 10, 7)) for y in (2024, 2025, 2026)]),
    *_h("new_year", "元旦", "New Year's Day", [(_d(y, 1, 1), _d(y, 1, 1)) for y in (2024, 2025, 2026)]),
    *_h("qingming", "清明节", "Qingming Festival", [(_d(y, 4, 4), _d(y, 4, 6)) for y in (2024, 2025, 2026)]),
    *_h("labour_day", "劳动节", "Labour Day", [(_d(y, 5, 1), _d(y, 5, 5)) for y in (2024, 2025, 2026)]),
    *_h("dragon_boat", "端午节", "Dragon Boat Festival", [(_d(2024, 6, 8), _d(2024, 6, 10)),
                                                        (_d(2025, 5, 31), _d(2025, 6, 2)),
                                                        (_d(2026, 6, 19), _d(2026, 6, 21))]),
    *_h("mid_autumn", "中秋节", "Mid-Autumn Festival", [
        (_d(2024, 9, 15), _d(2024, 9, 17)), (_d(2026, 9, 25), _d(2026, 9, 27))]),
    *_h("618", "618购物节", "618 Shopping Festival",
        [(_d(y, 6, 1), _d(y, 6, 18)) for y in (2024, 2025, 2026)], day_off=False),
    *_h("double11", "双11购物节", "Singles' Day (11.11)",
        [(_d(y, 11, 1), _d(y, 11, 11)) for y in (2023, 2024, 2025)], day_off=False),
)


@dataclass(frozen=True, slots=True)
class Promotion:
    promo_id: str
    name_zh: str
    name_en: str
    start: date
    end: date  # inclusive
    channel_code: str | None  # None = all channels
    category_code: str | None  # None = all categories
    discount_pct: float


def _promotions() -> tuple[Promotion, ...]:
    """The promotions of the sales history, and after it the plan for the coming year (11.11 and 12.12 2026, the
    2027 CNY fair, 38, 618 and summer sales): query_forecast's what-if cancels or changes planned ones."""
    out: list[Promotion] = []

    def add(pid: str, zh: str, en: str, start: date, end: date, channel: str | None, category: str | None,
            pct: float) -> None:
        out.append(Promotion(pid, zh, en, start, end, channel, category, pct))

    for y in (2023, 2024, 2025, 2026):
        add(f"P{y}-1111", f"双11狂欢节 {y}", f"Singles' Day {y}", _d(y, 11, 1), _d(y, 11, 11),
            "ecommerce", None, 25.0)
        add(f"P{y}-1212", f"双12年终盛典 {y}", f"Double 12 {y}", _d(y, 12, 10), _d(y, 12, 12),
            "ecommerce", None, 12.0)
        add(f"P{y}-B2BQ4", f"X系列企业采购季 {y}", f"X-Series Year-End B2B Offer {y}", _d(y, 12, 1),
            _d(y, 12, 31), "distributor", "dispenser", 8.0)
    for y, cny in {**CNY_DAYS, **PLANNED_CNY}.items():
        add(f"P{y}-CNY", f"年货节 {y}", f"CNY Shopping Fair {y}", cny - timedelta(days=21),
            cny - timedelta(days=1), "ka", None, 15.0)
        add(f"P{y}-38", f"38女神节 {y}", f"Women's Day Beauty Sale {y}", _d(y, 3, 1), _d(y, 3, 8),
            "ecommerce", "skincare", 20.0)
        add(f"P{y}-618", f"618年中大促 {y}", f"618 Mid-Year Sale {y}", _d(y, 6, 1), _d(y, 6, 18),
            "ecommerce", None, 20.0)
        add(f"P{y}-SUMMER", f"夏日清爽沐浴季 {y}", f"Summer Body Wash Season {y}", _d(y, 7, 1),
            _d(y, 7, 31), None, "body_wash", 10.0)
        add(f"P{y}-NDAY", f"国庆家清焕新 {y}", f"National Day Home Cleaning Sale {y}", _d(y, 9, 25),
            _d(y, 10, 7), "ka", "household", 10.0)
    for y in (2024, 2025):
        add(f"P{y}-AW", f"秋冬护肤季 {y}", f"Autumn-Winter Skincare Week {y}", _d(y, 10, 15),
            _d(y, 10, 31), None, "skincare", 10.0)
    return tuple(sorted(out, key=lambda p: (p.start, p.promo_id)))


PROMOTIONS: tuple[Promotion, ...] = _promotions()


def sales_days() -> pd.DatetimeIndex:
    """Every day of the sales range, inclusive."""
    return pd.date_range(SALES_START, SALES_END, freq="D")


def holiday_labels(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per day: holiday label (or None), is-day-off flag, and holiday code (or '')."""
    n = len(days)
    labels = np.full(n, None, dtype=object)
    codes = np.full(n, "", dtype=object)
    off = np.zeros(n, dtype=bool)
    values = days.values.astype("datetime64[D]")
    for h in reversed(HOLIDAYS):  # reversed so earlier (higher precedence) entries overwrite
        mask = (values >= np.datetime64(h.start)) & (values <= np.datetime64(h.end))
        labels[mask] = h.label
        codes[mask] = h.code
        off |= mask & h.day_off
    return labels, off, codes


def calendar_frame() -> pd.DataFrame:
    """Rows of `dim_calendar`; weekday is ISO (1 = Monday ... 7 = Sunday)."""
    days = sales_days()
    labels, off, _ = holiday_labels(days)
    iso = days.isocalendar()
    return pd.DataFrame({
        "date": days.values.astype("datetime64[D]"),
        "year": days.year.astype("int32"),
        "quarter": days.quarter.astype("int32"),
        "month": days.month.astype("int32"),
        "iso_week": iso["week"].to_numpy().astype("int32"),
        "weekday": (days.day_of_week + 1).astype("int32"),
        "is_holiday": off,
        "holiday_name": labels,
    })


def promotions_frame() -> pd.DataFrame:
    """Rows of `promotions`."""
    return pd.DataFrame([{
        "promo_id": p.promo_id, "name_zh": p.name_zh, "name_en": p.name_en, "start_date": p.start,
        "end_date": p.end, "channel_code": p.channel_code, "category_code": p.category_code,
        "discount_pct": p.discount_pct,
    } for p in PROMOTIONS])
