"""Where the sales history comes from: the warehouse (weekly sums in SQL) or a user's CSV/Parquet file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from tools.forecast.panel import Plan


@dataclass(frozen=True)
class History:
    rows: pd.DataFrame  # canonical history rows (importer.HISTORY_COLUMNS)
    plan: Plan = field(default_factory=Plan)
    list_price: dict[str, float] | None = None
    unit_cost: dict[str, float] | None = None
    source: str = ""


_WEEKLY_SQL = """
WITH last AS (SELECT max(date) AS d, min(date) AS f FROM fact_sales)
SELECT (SELECT d FROM last) - CAST(7 * floor(date_diff('day', s.date, (SELECT d FROM last)) / 7) AS INTEGER) AS date,
       s.sku, p.category_code AS category, s.region_code AS region, s.channel_code AS channel,
       sum(s.units) AS units,
       sum(s.revenue) / nullif(sum(s.units), 0) AS price,
       coalesce(sum(s.units * (1 - s.price / p.unit_price)) / nullif(sum(s.units), 0),
                avg(1 - s.price / p.unit_price)) AS discount
FROM fact_sales s JOIN dim_product p USING (sku)
-- complete weeks only: the oldest bucket would otherwise start before the data does
WHERE date_diff('day', s.date, (SELECT d FROM last))
      < 7 * floor((date_diff('day', (SELECT f FROM last), (SELECT d FROM last)) + 1) / 7)
GROUP BY ALL
"""


def from_warehouse(conn: Any) -> History:
    """Weekly history (buckets ending on the last day with data), the promotion plan and the catalogue prices."""
    rows = conn.execute(_WEEKLY_SQL).df()
    rows["date"] = pd.to_datetime(rows["date"])
    for col in ("sku", "category", "region", "channel"):
        rows[col] = rows[col].astype(str)
    rows["discount"] = rows["discount"].fillna(0.0).clip(0.0, 0.95)
    products = conn.execute("SELECT sku, unit_price, unit_cost FROM dim_product").fetchall()
    promos = conn.execute("SELECT start_date, end_date, category_code, channel_code, discount_pct, promo_id, "
                          "name_zh, name_en FROM promotions ORDER BY start_date").fetchall()
    plan = Plan(tuple((a, b, cat, ch, float(d) / 100, str(pid), str(zh), str(en))
                      for a, b, cat, ch, d, pid, zh, en in promos))
    return History(rows, plan, {s: float(p) for s, p, _ in products}, {s: float(c) for s, _, c in products},
                   source="warehouse")


def from_file(path: Path) -> History:
    from tools.forecast.importer import read_history

    return History(read_history(path), source=str(path))
