"""The demo company: schema, coverage, directory, determinism and the analytics stories it must contain."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from copilot.demo import DemoSummary, build_demo
from copilot.demo.catalog import CATEGORIES, CHANNELS, CUSTOMERS, PRODUCTS, REGIONS, USERS
from copilot.demo.events import CNY_DAYS

SEED = 20261123
N_DAYS = 1096  # 2023-11-01 .. 2026-10-31


@dataclass
class Built:
    summary: DemoSummary
    progress: list[tuple[str, float]]
    wh: duckdb.DuckDBPyConnection
    ops: sqlite3.Connection


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    data_dir = tmp_path_factory.mktemp("demo")
    steps: list[tuple[str, float]] = []
    summary = build_demo(data_dir, seed=SEED, progress=lambda label, frac: steps.append((label, frac)))
    print(f"\nbuild_demo took {summary.seconds:.2f} s for {summary.n_sales_rows:,} sales rows")
    wh = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    ops = sqlite3.connect(data_dir / "ops.sqlite")
    yield Built(summary, steps, wh, ops)
    wh.close()
    ops.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = con.execute(sql).fetchone()
    assert row is not None
    return float(row[0])


def checksums(data_dir: Path) -> dict[str, object]:
    """Order-independent fingerprints of every table's full contents."""
    out: dict[str, object] = {}
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        for t in tables:
            out[t] = con.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM {t} x").fetchone()
        out["revenue_by_region"] = con.execute(
            "SELECT region_code, round(sum(revenue), 2) FROM fact_sales GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    ops = sqlite3.connect(data_dir / "ops.sqlite")
    try:
        out["ops"] = list(ops.iterdump())
    finally:
        ops.close()
    return out


# --- build and summary ---------------------------------------------------------------------------------


def test_summary_and_build_time(built: Built) -> None:
    s = built.summary
    assert s.n_skus >= 40 and s.n_categories >= 6 and s.n_regions == 7 and s.n_channels >= 4
    assert (s.date_from, s.date_to) == (date(2023, 11, 1), date(2026, 10, 31))
    assert s.n_sales_rows == one(built.wh, "SELECT count(*) FROM fact_sales") > 1_000_000
    assert s.n_customers == one(built.wh, "SELECT count(*) FROM dim_customer") >= 25
    assert s.n_opportunities == one(built.wh, "SELECT count(*) FROM opportunities") >= 60
    assert s.n_users == built.ops.execute("SELECT count(*) FROM users").fetchone()[0]
    assert s.seconds < 60, f"build took {s.seconds:.1f} s"
    fracs = [f for _, f in built.progress]
    assert len(fracs) >= 3 and fracs == sorted(fracs) and fracs[-1] == 1.0


def test_no_temp_files_left(built: Built) -> None:
    assert sorted(p.name for p in built.summary.data_dir.iterdir()) == ["ops.sqlite", "warehouse.duckdb"]


# --- warehouse dimensions ------------------------------------------------------------------------------


def test_regions_and_channels(built: Built) -> None:
    regions = built.wh.execute("SELECT region_code, name_zh, name_en FROM dim_region ORDER BY 1").fetchall()
    assert regions == sorted([
        ("east", "华东", "East China"), ("south", "华南", "South China"), ("north", "华北", "North China"),
        ("central", "华中", "Central China"), ("southwest", "西南", "Southwest China"),
        ("northwest", "西北", "Northwest China"), ("northeast", "东北", "Northeast China")])
    channels = {c: (zh, en) for c, zh, en in built.wh.execute("SELECT * FROM dim_channel").fetchall()}
    assert channels == {
        "ecommerce": ("电商旗舰店", "E-commerce flagship"), "ka": ("商超/KA", "Supermarket/KA"),
        "distributor": ("经销商", "Distributor"), "convenience": ("便利店", "Convenience store")}
    east = next(r for r in REGIONS if r.code == "east")
    assert {"华东区", "East", "East China", "华东地区"} <= set(east.aliases)
    assert all(r.name_zh and r.name_en for r in REGIONS)
    assert all(c.name_zh and c.name_en for c in CHANNELS)
    assert all(c.name_zh and c.name_en for c in CATEGORIES)


def test_products(built: Built) -> None:
    w = built.wh
    assert one(w, "SELECT count(DISTINCT sku) FROM dim_product") == len(PRODUCTS) >= 40
    assert one(w, "SELECT count(DISTINCT category_code) FROM dim_product") >= 6
    assert one(w, "SELECT count(*) FROM dim_product WHERE NOT (unit_price > unit_cost AND unit_cost > 0)"
               ) == 0
    row = w.execute("SELECT name_zh, category_zh, category_en FROM dim_product WHERE sku = 'X200'").fetchone()
    assert row is not None and row[1] == "智能售货设备"
    cats = {r[0] for r in w.execute("SELECT category_zh FROM dim_product").fetchall()}
    assert {"洗发水", "沐浴露", "洗衣液", "护肤", "口腔护理", "家居清洁"} <= cats


def test_calendar(built: Built) -> None:
    w = built.wh
    assert one(w, "SELECT count(*) FROM dim_calendar") == N_DAYS
    assert one(w, "SELECT max(date) - min(date) + 1 FROM dim_calendar") == N_DAYS
    for cny in CNY_DAYS.values():
        row = w.execute("SELECT is_holiday, holiday_name FROM dim_calendar WHERE date = ?", [cny]).fetchone()
        assert row is not None and row[0] and "春节" in row[1]
    assert {2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17)} == CNY_DAYS
    national_days = "SELECT count(*) FROM dim_calendar WHERE month = 10 AND day(date) <= 7 AND is_holiday"
    assert one(w, national_days) == 21
    assert one(w, "SELECT count(*) FROM dim_calendar WHERE holiday_name LIKE '%618%'") >= 3 * 16
    assert one(w, "SELECT count(*) FROM dim_calendar WHERE holiday_name LIKE '%11.11%'") == 3 * 11
    row = w.execute("SELECT year, quarter, month, iso_week, weekday FROM dim_calendar "
                    "WHERE date = DATE '2025-11-11'").fetchone()
    assert row == (2025, 4, 11, 46, 2)


# --- fact_sales ----------------------------------------------------------------------------------------


def test_sales_coverage(built: Built) -> None:
    w = built.wh
    assert one(w, "SELECT count(DISTINCT date) FROM fact_sales") == N_DAYS
    assert w.execute("SELECT min(date), max(date) FROM fact_sales").fetchone() == (
        date(2023, 11, 1), date(2026, 10, 31))
    # every sku x region x channel has one row per day from launch (or the range start) on
    bad = w.execute("""
        SELECT f.sku, region_code, channel_code, count(*) AS n, count(DISTINCT date) AS d,
               DATE '2026-10-31' - greatest(p.launch_date, DATE '2023-11-01') + 1 AS expected
        FROM fact_sales f JOIN dim_product p USING (sku)
        GROUP BY ALL HAVING n <> expected OR d <> expected""").fetchall()
    assert bad == []
    combos = one(w, "SELECT count(*) FROM (SELECT DISTINCT sku, region_code, channel_code FROM fact_sales)")
    assert combos == len(PRODUCTS) * 7 * len(CHANNELS)


def test_sales_arithmetic(built: Built) -> None:
    w = built.wh
    assert one(w, "SELECT count(*) FROM fact_sales WHERE units < 0 OR price <= 0") == 0
    assert one(w, "SELECT max(abs(revenue - units * price)) FROM fact_sales") < 0.006
    assert one(w, "SELECT max(abs(cost - units * p.unit_cost)) FROM fact_sales JOIN dim_product p USING (sku)"
               ) < 0.006
    assert one(w, """SELECT count(*) FROM fact_sales f JOIN dim_product p USING (sku)
                     WHERE f.promo_id IS NULL AND f.price <> p.unit_price""") == 0
    # promoted rows: the promotion applies to the row and its discount is what the price shows
    assert one(w, """SELECT count(*) FROM fact_sales f JOIN dim_product p USING (sku)
                     JOIN promotions m USING (promo_id)
                     WHERE NOT (f.date BETWEEN m.start_date AND m.end_date
                                AND coalesce(m.channel_code, f.channel_code) = f.channel_code
                                AND coalesce(m.category_code, p.category_code) = p.category_code
                                AND abs(f.price - p.unit_price * (1 - m.discount_pct / 100)) <= 0.005 + 1e-9)
                  """) == 0
    assert one(w, "SELECT count(*) FROM fact_sales WHERE promo_id IS NOT NULL") > 10_000


def test_region_sizes(built: Built) -> None:
    rows = built.wh.execute(
        "SELECT region_code FROM fact_sales GROUP BY 1 ORDER BY sum(revenue) DESC").fetchall()
    assert rows[0][0] == "east" and rows[-1][0] == "northwest"


def test_double11_lifts_ecommerce(built: Built) -> None:
    ratio = one(built.wh, """
        SELECT (sum(revenue) FILTER (WHERE date BETWEEN '2025-11-01' AND '2025-11-11') / 11)
             / (sum(revenue) FILTER (WHERE date BETWEEN '2025-10-01' AND '2025-10-31') / 31)
        FROM fact_sales WHERE channel_code = 'ecommerce'""")
    assert ratio > 1.5
    peak = built.wh.execute("""SELECT date FROM fact_sales WHERE channel_code = 'ecommerce'
                               AND date BETWEEN '2025-06-01' AND '2025-06-30'
                               GROUP BY 1 ORDER BY sum(revenue) DESC LIMIT 1""").fetchone()
    assert peak == (date(2025, 6, 18),)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_cny_week_distributor_dip(built: Built, year: int) -> None:
    ratio = one(built.wh, f"""
        SELECT (sum(revenue) FILTER (WHERE c.holiday_name LIKE '春节%') / count(DISTINCT date)
                FILTER (WHERE c.holiday_name LIKE '春节%'))
             / (sum(revenue) FILTER (WHERE c.month = 1) / 31)
        FROM fact_sales f JOIN dim_calendar c USING (date)
        WHERE f.channel_code = 'distributor' AND c.year = {year}""")
    assert ratio < 0.6


def test_seasonality_and_weekly_pattern(built: Built) -> None:
    w = built.wh
    summer_winter = one(w, """
        SELECT sum(revenue) FILTER (WHERE month(date) = 8) / sum(revenue) FILTER (WHERE month(date) = 12)
        FROM fact_sales JOIN dim_product USING (sku)
        WHERE category_code = 'body_wash' AND year(date) = 2024""")
    assert summer_winter > 1.2
    weekend = one(w, """SELECT avg(units) FILTER (WHERE dayofweek(date) IN (0, 6))
                             / avg(units) FILTER (WHERE dayofweek(date) BETWEEN 1 AND 5)
                        FROM fact_sales WHERE channel_code = 'distributor'""")
    assert weekend < 0.6
    growth = one(w, """SELECT sum(revenue) FILTER (WHERE date >= '2025-11-01')
                            / sum(revenue) FILTER (WHERE date < '2024-11-01')
                       FROM fact_sales JOIN dim_product USING (sku) WHERE category_code = 'skincare'""")
    assert growth > 1.15


def test_south_china_october_2026_drop(built: Built) -> None:
    ratio = one(built.wh, """
        SELECT sum(revenue) FILTER (WHERE date BETWEEN '2026-10-01' AND '2026-10-31')
             / sum(revenue) FILTER (WHERE date BETWEEN '2026-09-01' AND '2026-09-30')
        FROM fact_sales WHERE region_code = 'south'""")
    assert 0.80 <= ratio <= 0.90, ratio
    east = one(built.wh, """
        SELECT sum(revenue) FILTER (WHERE month(date) = 10) / sum(revenue) FILTER (WHERE month(date) = 9)
        FROM fact_sales WHERE region_code = 'east' AND year(date) = 2026""")
    assert east > 0.95  # the drop is South China's story, not a national one


# --- directory and CRM ---------------------------------------------------------------------------------


def users(built: Built) -> dict[str, dict[str, object]]:
    cur = built.ops.execute("SELECT * FROM users")
    cols = [d[0] for d in cur.description]
    return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


@pytest.mark.parametrize(("user_id", "role", "regions", "limit"), [
    ("demo.rep", "rep", ["east"], 10), ("demo.manager", "manager", ["east"], 20),
    ("demo.director", "manager", ["*"], 30), ("demo.admin", "admin", ["*"], None),
])
def test_demo_users(built: Built, user_id: str, role: str, regions: list[str], limit: float | None) -> None:
    u = users(built)[user_id]
    assert (u["role"], json.loads(str(u["regions"])), u["active"]) == (role, regions, 1)
    assert str(u["slack_user_id"]).startswith("U0") and u["dingtalk_staff_id"]
    if limit is not None:
        assert u["discount_limit_pct"] == limit


def test_directory_structure(built: Built) -> None:
    us = users(built)
    assert us["demo.rep"]["manager_id"] == "demo.manager"
    assert us["demo.manager"]["manager_id"] == "demo.director"
    for r in REGIONS:
        reps = [u for u in us.values() if u["role"] == "rep" and u["department"] == "sales" and u["active"]
                and json.loads(str(u["regions"])) == [r.code]]
        mgrs = [u for u in us.values()
                if u["role"] == "manager" and json.loads(str(u["regions"])) == [r.code]]
        assert len(reps) == 2 and len(mgrs) == 1, r.code
    for uid in ("rep.south.1", "mgr.south", "sc.owner.east", "legal.owner"):
        assert uid in us
    assert {r[0] for r in built.ops.execute("SELECT code FROM departments")} == {
        "sales", "supply_chain", "legal", "finance", "delivery", "presales", "marketing"}
    names = [(u["name_zh"], u["name_en"], u["email"]) for u in us.values()]
    assert all(all(x) for x in names) and len({n[2] for n in names}) == len(names)
    assert len(us) == len(USERS)


def test_department_routing(built: Built) -> None:
    ops = built.ops
    assert ops.execute("SELECT count(*) FROM department_owners o LEFT JOIN users u USING (user_id) "
                       "WHERE u.user_id IS NULL").fetchone() == (0,)
    for dept in ("supply_chain", "legal", "finance", "delivery", "presales"):
        for r in REGIONS:  # every region resolves to somebody, regional owners first
            row = ops.execute("""SELECT user_id FROM department_owners WHERE department = ?
                                 AND (region_code = ? OR region_code IS NULL)
                                 ORDER BY region_code IS NULL, priority LIMIT 1""", (dept, r.code)).fetchone()
            assert row is not None, (dept, r.code)
    east = ops.execute("SELECT user_id FROM department_owners WHERE department = 'supply_chain' "
                       "AND region_code = 'east'").fetchone()
    assert east == ("sc.owner.east",)


def test_customers(built: Built) -> None:
    w = built.wh
    assert one(w, "SELECT count(*) FROM dim_customer") == len(CUSTOMERS) >= 25
    assert one(w, "SELECT count(DISTINCT region_code) FROM dim_customer") == 7
    assert one(w, "SELECT count(*) FROM dim_customer WHERE tier NOT IN ('KA', 'A', 'B')") == 0
    midea = w.execute("SELECT name_en FROM dim_customer WHERE name_zh = '美的集团'").fetchone()
    assert midea == ("Midea Group",)


def test_opportunity_owners_are_reps_of_customer_region(built: Built) -> None:
    us = users(built)
    rows = built.wh.execute("""SELECT o.opp_id, o.owner_user_id, c.region_code, o.stage, o.amount, o.sku
                               FROM opportunities o JOIN dim_customer c USING (customer_id)""").fetchall()
    assert len(rows) >= 60
    skus = {p.sku for p in PRODUCTS}
    for opp_id, owner, region, stage, amount, sku in rows:
        u = us[owner]
        assert u["role"] == "rep" and u["department"] == "sales" and u["active"], opp_id
        assert json.loads(str(u["regions"])) == [region], opp_id
        assert stage in ("prospecting", "qualification", "proposal", "negotiation", "won", "lost")
        assert amount > 0 and sku in skus
    assert one(built.wh, "SELECT count(*) FROM opportunities WHERE expected_close < created_at") == 0
    assert one(built.wh, "SELECT count(*) FROM opportunities WHERE owner_user_id = 'demo.rep'") >= 2


# --- determinism ---------------------------------------------------------------------------------------


def test_same_seed_same_data_other_seed_differs(built: Built, tmp_path: Path) -> None:
    first = checksums(built.summary.data_dir)
    again = tmp_path / "again"
    build_demo(again, seed=SEED)
    assert checksums(again) == first
    build_demo(again, seed=SEED + 1)  # rebuild in place over the existing files
    other = checksums(again)
    assert other["fact_sales"] != first["fact_sales"]
    assert other["revenue_by_region"] != first["revenue_by_region"]
    assert other["dim_product"] == first["dim_product"]  # master data does not depend on the seed
    assert sorted(p.name for p in again.iterdir()) == ["ops.sqlite", "warehouse.duckdb"]
