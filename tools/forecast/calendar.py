"""Calendar features of weekly buckets, known for the future as well as the past.

Public holidays come from the `holidays` package (China by default: it computes the lunar Spring Festival,
Dragon Boat and Mid-Autumn dates for any year), so a refresh in 2027 needs no new table. For China the shopping
festivals that drive e-commerce (618, Singles' Day 11.11, Double 12) and the weeks around Chinese New Year (the
pre-festival stocking and the shutdown) are features of their own: they move sales more than any public holiday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

CALENDAR_FEATURES = ("holiday_days", "cny_week", "d618", "d1111", "d1212", "month", "week_of_year")


@lru_cache(maxsize=16)
def _public_holidays(country: str, years: tuple[int, ...]) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=list(years)))


@lru_cache(maxsize=16)
def _spring_festivals(years: tuple[int, ...]) -> tuple[date, ...]:
    days = holidays.country_holidays("CN", years=list(years))
    firsts: dict[int, date] = {}
    for day, name in days.items():
        if "Spring Festival" in name and "observed" not in name:
            firsts[day.year] = min(day, firsts.get(day.year, day))
    return tuple(sorted(firsts.values()))


def _festival_days(starts: np.ndarray, month: int, first: int, last: int) -> np.ndarray:
    """Days of each 7-day bucket that fall within `month`/`first`..`last` of their year."""
    out = np.zeros(len(starts))
    for k in range(7):
        day = starts + np.timedelta64(k, "D")
        dt = pd.DatetimeIndex(day)
        out += (dt.month == month) & (dt.day >= first) & (dt.day <= last)
    return out


def calendar_features(week_starts: pd.DatetimeIndex, country: str = "CN") -> pd.DataFrame:
    """One row per bucket (7 days from each start): holiday days, weeks to Chinese New Year, festival days."""
    starts = week_starts.values.astype("datetime64[D]")
    years = tuple(range(int(week_starts.min().year) - 1, int(week_starts.max().year) + 2))
    public = _public_holidays(country, years)
    days = [[d + timedelta(k) for k in range(7)] for d in pd.DatetimeIndex(starts).date]
    frame = pd.DataFrame({"holiday_days": [float(sum(d in public for d in week)) for week in days]},
                         index=week_starts)
    mid = week_starts + pd.Timedelta(days=3)
    if country.upper() == "CN":
        cny = np.array(_spring_festivals(years), dtype="datetime64[D]")
        # Weeks from the bucket's middle day to the nearest Spring Festival, clipped: the build-up runs ~5 weeks.
        gap = (cny[None, :] - mid.values.astype("datetime64[D]")[:, None]).astype(int)
        nearest = gap[np.arange(len(gap)), np.abs(gap).argmin(axis=1)]
        frame["cny_week"] = np.clip(np.floor(nearest / 7.0), -4, 6)
        frame["d618"] = _festival_days(starts, 6, 1, 18)
        frame["d1111"] = _festival_days(starts, 11, 1, 11)
        frame["d1212"] = _festival_days(starts, 12, 10, 12)
    else:
        for name in ("cny_week", "d618", "d1111", "d1212"):
            frame[name] = 0.0
    frame["month"] = mid.month.astype(float)
    frame["week_of_year"] = mid.isocalendar().week.to_numpy().astype(float)
    return frame[list(CALENDAR_FEATURES)]
