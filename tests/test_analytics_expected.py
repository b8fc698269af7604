"""evals/analytics_expected.py against hand-computed numbers and plain DuckDB SQL on a tiny warehouse, and the
schema of evals/data/analytics.jsonl. The expected answers grade the analytics tool, so they must be right first.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from copilot.demo.directory import USERS
from evals.analytics_expected import (
    COMPARES,
    DIMS,
    FILTER_COLUMNS,
    METRICS,
    SORTS,
    TIME_GRAINS,
    TYPES,
    Tables,
    compare_rows,
    expected_rows,
    load_tables,
    windows,
)

DATA = Path(__file__).resolve().parents[1] / "evals" / "data" / "analytics.jsonl"

# date, sku, region, channel, units, revenue, cost. Sales end 2026-03-15, so Q1 2026 is clipped.
SALES = [
    ("2025-01-05", "A", "east", "ecommerce", 1, 100.0, 60.0),
    ("2025-03-10", "A", "east", "ka", 2, 200.0, 100.0),
    ("2025-03-20", "B", "south", "ka", 1, 50.0, 20.0),  # after 2025-03-15: outside the clipped last-year window
    ("2025-10-15", "A", "east", "ecommerce", 3, 300.0, 150.0),
    ("2025-12-10", "B", "west", "ka", 1, 80.0, 40.0),  # 'west' sells only in the comparison quarter
    ("2025-12-20", "A", "east", "ka", 1, 1000.0, 500.0),  # after 2025-12-15: outside the clipped previous quarter
    ("2026-01-01", "A", "east", "ecommerce", 2, 200.0, 120.0),  # a Thursday: week of 2025-12-29
    ("2026-01-12", "B", "south", "ecommerce", 4, 200.0, 50.0),
    ("2026-02-03", "C", "east", "ka", 5, 500.0, 400.0),
    ("2026-03-15", "C", "south", "ka", 1, 100.0, 100.0),
]
PRODUCTS = [("A", "shampoo"), ("B", "shampoo"), ("C", "laundry")]
CUSTOMERS = [("K1", "east"), ("K2", "south")]
# opp_id, customer, owner, sku, stage, amount, expected_close. Pipeline ends 2026-04-10.
OPPS = [
    ("O1", "K1", "rep1", "A", "won", 100.0, "2026-01-10"),
    ("O2", "K1", "rep1", "A", "lost", 50.0, "2026-02-10"),
    ("O3", "K2", "rep2", "C", "won", 200.0, "2026-02-20"),
    ("O4", "K2", "rep2", "C", "proposal", 300.0, "2026-03-05"),
    ("O5", "K1", "rep1", "B", "prospecting", 40.0, "2026-04-10"),
    ("O6", "K2", "rep2", "C", "lost", 70.0, "2025-11-15"),
]
Q1_2026 = {"start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE dim_product (sku VARCHAR, name_zh VARCHAR, name_en VARCHAR, category_code VARCHAR)")
    con.executemany("INSERT INTO dim_product VALUES (?, ?, ?, ?)", [(s, s, s, c) for s, c in PRODUCTS])
    con.execute("CREATE TABLE fact_sales (date DATE, sku VARCHAR, region_code VARCHAR, channel_code VARCHAR, "
                "units INTEGER, price DOUBLE, revenue DOUBLE, cost DOUBLE, promo_id VARCHAR)")
    con.executemany("INSERT INTO fact_sales VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    [(d, s, r, c, u, rev / u, rev, cost) for d, s, r, c, u, rev, cost in SALES])
    con.execute("CREATE TABLE dim_customer (customer_id VARCHAR, name_zh VARCHAR, region_code VARCHAR)")
    con.executemany("INSERT INTO dim_customer VALUES (?, ?, ?)", [(c, c, r) for c, r in CUSTOMERS])
    con.execute("CREATE TABLE opportunities (opp_id VARCHAR, customer_id VARCHAR, owner_user_id VARCHAR, "
                "sku VARCHAR, stage VARCHAR, amount DOUBLE, expected_close DATE, created_at DATE)")
    con.executemany("INSERT INTO opportunities VALUES (?, ?, ?, ?, ?, ?, ?, DATE '2025-01-01')", OPPS)
    con.close()
    return path


@pytest.fixture(scope="module")
def tables(warehouse: Path) -> Tables:
    return load_tables(warehouse)


def spec(metric: str = "revenue", by: list[str] | None = None, compare: str = "none", sort: str | None = None,
         limit: int | None = None, filters: dict[str, Any] | None = None, source: str = "sales",
         start: str = "2026-01-01", end: str = "2026-03-31") -> dict[str, Any]:
    return {"source": source, "metric": metric, "by": by or [], "filters": filters or {}, "start": start, "end": end,
            "compare": compare, "sort": sort, "limit": limit}


def sql_rows(warehouse: Path, sql: str, n_keys: int, keys: list[str]) -> list[dict[str, Any]]:
    """Rows of a plain SQL query (key columns then value) in the expected_rows shape, compare none."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        result = con.execute(sql).fetchall()
    finally:
        con.close()
    return [{"key": dict(zip(keys, r[:n_keys], strict=True)), "value": r[n_keys], "previous": None, "change": None,
             "change_pct": None} for r in result]


def by_key(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {tuple(r["key"].values()): r for r in rows}


# --- windows -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "end", "compare", "last", "want"), [
    # month: Oct 31 shifted a month is Sep 30
    ("2026-10-01", "2026-10-31", "previous_period", "2026-10-31", ("2026-09-01", "2026-09-30")),
    # quarter clipped to the data: the clipped end moves, not the named one
    ("2026-01-01", "2026-03-31", "previous_period", "2026-03-15", ("2025-10-01", "2025-12-15")),
    ("2026-01-01", "2026-12-31", "previous_period", "2026-10-31", ("2025-01-01", "2025-10-31")),
    ("2026-11-16", "2026-11-22", "previous_period", "2027-03-26", ("2026-11-09", "2026-11-15")),
    # custom window: back by its own (clipped) length
    ("2026-01-10", "2026-01-19", "previous_period", "2026-10-31", ("2025-12-31", "2026-01-09")),
    ("2026-01-01", "2026-11-23", "previous_period", "2026-10-31", ("2025-03-03", "2025-12-31")),
    ("2026-01-01", "2026-11-23", "last_year", "2026-10-31", ("2025-01-01", "2025-10-31")),
    ("2024-02-01", "2024-02-29", "last_year", "2026-10-31", ("2023-02-01", "2023-02-28")),
])
def test_windows(start: str, end: str, compare: str, last: str, want: tuple[str, str]) -> None:
    current, previous = windows(date.fromisoformat(start), date.fromisoformat(end), compare, date.fromisoformat(last))
    assert current == (date.fromisoformat(start), min(date.fromisoformat(end), date.fromisoformat(last)))
    assert previous == (date.fromisoformat(want[0]), date.fromisoformat(want[1]))


def test_windows_none_and_reversed() -> None:
    assert windows(date(2026, 1, 1), date(2026, 12, 31), "none", date(2026, 10, 31))[1] is None
    with pytest.raises(ValueError):
        windows(date(2026, 2, 1), date(2026, 1, 1), "none", date(2026, 10, 31))


# --- sales ---------------------------------------------------------------------------------------------------------

def test_total_with_clipped_comparisons(tables: Tables, warehouse: Path) -> None:
    [prev] = expected_rows(spec(compare="previous_period"), None, tables)
    want = sql_rows(warehouse, "SELECT sum(revenue) FROM fact_sales WHERE date BETWEEN '2026-01-01' AND '2026-03-15'",
                    0, [])
    assert compare_rows([{**prev, "previous": None, "change": None, "change_pct": None}], want) is None
    assert (prev["value"], prev["previous"], prev["change"]) == (1000.0, 380.0, 620.0)  # not the 12-20 row
    assert prev["change_pct"] == pytest.approx(620 / 380)
    [yoy] = expected_rows(spec(compare="last_year"), None, tables)
    assert (yoy["value"], yoy["previous"]) == (1000.0, 300.0)  # 2025-03-20 is after the clipped 2025-03-15
    [none] = expected_rows(spec(), None, tables)
    assert none == {"key": {}, "value": 1000.0, "previous": None, "change": None, "change_pct": None}


def test_clip_uses_the_whole_source_not_the_slice(tables: Tables) -> None:
    # SKU A last sells on 2026-01-01, but the window is clipped at the source's last date, 2026-03-15
    [row] = expected_rows(spec(filters={"sku": "A"}, compare="previous_period"), None, tables)
    assert (row["value"], row["previous"]) == (200.0, 300.0)


def test_custom_window_previous_period(tables: Tables) -> None:
    [row] = expected_rows(spec(start="2026-01-10", end="2026-01-19", compare="previous_period"), None, tables)
    assert (row["value"], row["previous"]) == (200.0, 200.0)
    assert row["change"] == 0.0 and row["change_pct"] == 0.0


def test_units_and_gross_margin(tables: Tables) -> None:
    assert expected_rows(spec("units"), None, tables)[0]["value"] == 12.0
    assert expected_rows(spec("gross_margin"), None, tables)[0]["value"] == 330.0


def test_empty_previous_gives_no_pct(tables: Tables) -> None:
    [row] = expected_rows(spec(start="2025-10-01", end="2025-10-31", compare="previous_period"), None, tables)
    assert (row["value"], row["previous"], row["change"], row["change_pct"]) == (300.0, 0.0, 300.0, None)


def test_ratio_metric_ungrouped_and_grouped(tables: Tables, warehouse: Path) -> None:
    assert expected_rows(spec("gross_margin_pct"), None, tables)[0]["value"] == pytest.approx(0.33)
    got = expected_rows(spec("gross_margin_pct", ["region"], sort="key_asc"), None, tables)
    want = sql_rows(warehouse, "SELECT region_code, sum(revenue - cost) / sum(revenue) FROM fact_sales "
                    "WHERE date BETWEEN '2026-01-01' AND '2026-03-31' GROUP BY 1 ORDER BY 1", 1, ["region"])
    assert compare_rows(got, want) is None
    rows = by_key(expected_rows(spec("gross_margin_pct", ["region"], compare="previous_period"), None, tables))
    assert rows[("east",)]["value"] == pytest.approx(180 / 700) and rows[("east",)]["previous"] == pytest.approx(0.5)
    assert rows[("south",)]["previous"] is None and rows[("south",)]["change"] is None  # no sales before: no ratio
    assert rows[("west",)]["value"] is None and rows[("west",)]["previous"] == pytest.approx(0.5)


def test_grouped_comparison_keeps_groups_of_either_window(tables: Tables) -> None:
    rows = expected_rows(spec(by=["region"], compare="previous_period", sort="change_asc"), None, tables)
    assert [(r["key"]["region"], r["value"], r["previous"], r["change"]) for r in rows] == [
        ("west", 0.0, 80.0, -80.0), ("south", 300.0, 0.0, 300.0), ("east", 700.0, 300.0, 400.0)]
    assert [r["change_pct"] for r in rows] == [-1.0, None, pytest.approx(4 / 3)]
    pct = expected_rows(spec(by=["region"], compare="previous_period", sort="change_pct_desc"), None, tables)
    assert [r["key"]["region"] for r in pct] == ["east", "west", "south"]  # no pct ranks last


@pytest.mark.parametrize(("grain", "sql_key"), [
    ("week", "strftime(date_trunc('week', date), '%Y-%m-%d')"),
    ("quarter", "year(date) || '-Q' || quarter(date)"),
    ("month", "strftime(date, '%Y-%m')"),
    ("day", "strftime(date, '%Y-%m-%d')"),
    ("year", "CAST(year(date) AS VARCHAR)"),
])
def test_time_keys_match_sql(tables: Tables, warehouse: Path, grain: str, sql_key: str) -> None:
    got = expected_rows(spec(by=[grain], start="2025-01-01", end="2026-12-31"), None, tables)
    want = sql_rows(warehouse, f"SELECT {sql_key} AS k, sum(revenue) FROM fact_sales GROUP BY k ORDER BY k",
                    1, [grain])
    assert compare_rows(got, want) is None


def test_week_and_quarter_keys(tables: Tables) -> None:
    weeks = expected_rows(spec(by=["week"], start="2025-12-01", end="2026-01-31"), None, tables)
    assert [(r["key"]["week"], r["value"]) for r in weeks] == [
        ("2025-12-08", 80.0), ("2025-12-15", 1000.0), ("2025-12-29", 200.0), ("2026-01-12", 200.0)]
    quarters = expected_rows(spec(by=["quarter"], start="2025-01-01", end="2026-12-31"), None, tables)
    assert [(r["key"]["quarter"], r["value"]) for r in quarters] == [
        ("2025-Q1", 350.0), ("2025-Q4", 1380.0), ("2026-Q1", 1000.0)]


def test_sort_limit_and_ties_by_key(tables: Tables) -> None:
    def skus(sort: str | None, limit: int | None = None) -> list[str]:
        return [r["key"]["sku"] for r in expected_rows(spec(by=["sku"], sort=sort, limit=limit), None, tables)]

    assert skus("value_desc") == ["C", "A", "B"]  # A and B tie at 200: key ascending
    assert skus("value_desc", 2) == ["C", "A"]
    assert skus("value_asc") == ["A", "B", "C"]
    assert skus("value_asc", 1) == ["A"]
    assert skus("key_asc") == ["A", "B", "C"]
    assert skus(None) == ["C", "A", "B"]  # default without a time grain: value_desc
    months = expected_rows(spec(by=["month"]), None, tables)  # default with a time grain: key_asc
    assert [r["key"]["month"] for r in months] == ["2026-01", "2026-02", "2026-03"]


def test_multi_dimension_keys(tables: Tables, warehouse: Path) -> None:
    got = expected_rows(spec(by=["region", "channel"], sort="key_asc"), None, tables)
    want = sql_rows(warehouse, "SELECT region_code, channel_code, sum(revenue) FROM fact_sales WHERE date BETWEEN "
                    "'2026-01-01' AND '2026-03-31' GROUP BY 1, 2 ORDER BY 1, 2", 2, ["region", "channel"])
    assert compare_rows(got, want) is None
    assert got[0]["key"] == {"region": "east", "channel": "ecommerce"}


def test_filters(tables: Tables, warehouse: Path) -> None:
    got = expected_rows(spec(filters={"channel": "ecommerce", "category": "shampoo"}), None, tables)
    assert got[0]["value"] == 400.0
    assert expected_rows(spec(filters={"sku": "C"}), None, tables)[0]["value"] == 600.0
    got = expected_rows(spec(by=["sku"], filters={"regions": ["south"]}), None, tables)
    want = sql_rows(warehouse, "SELECT sku, sum(revenue) FROM fact_sales WHERE region_code = 'south' AND date "
                    "BETWEEN '2026-01-01' AND '2026-03-31' GROUP BY 1 ORDER BY 2 DESC, 1", 1, ["sku"])
    assert compare_rows(got, want) is None


def test_scope_restricts_rows(tables: Tables) -> None:
    assert expected_rows(spec(), ["south"], tables)[0]["value"] == 300.0
    assert expected_rows(spec(), ["*"], tables)[0]["value"] == 1000.0
    rows = expected_rows(spec(by=["region"], compare="previous_period"), ["east", "south"], tables)
    assert {r["key"]["region"] for r in rows} == {"east", "south"}  # west is out of scope even as a comparison
    with pytest.raises(ValueError, match="scope"):
        expected_rows(spec(filters={"regions": ["east"]}), ["south"], tables)


@pytest.mark.parametrize("bad", [
    {"by": ["month"], "compare": "last_year"},  # time keys never line up across windows
    {"metric": "win_rate"},
    {"filters": {"rep": "rep1"}},
    {"by": ["customer"]},
    {"sort": "change_desc"},  # no comparison to sort by
    {"sort": "biggest"},
    {"limit": 0},
])
def test_rejects_specs_outside_the_contract(tables: Tables, bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        expected_rows({**spec(), **bad}, None, tables)


# --- pipeline ------------------------------------------------------------------------------------------------------

def pipe(metric: str, **kw: Any) -> dict[str, Any]:
    return spec(metric, source="pipeline", **kw)


def test_pipeline_metrics(tables: Tables, warehouse: Path) -> None:
    def value(metric: str, **kw: Any) -> Any:
        return expected_rows(pipe(metric, **kw), None, tables)[0]["value"]

    assert value("win_rate") == pytest.approx(2 / 3)
    assert value("won_amount") == 300.0
    assert value("pipeline_amount") == 300.0
    assert value("deal_count") == 4.0
    assert value("pipeline_amount", start="2026-01-01", end="2026-12-31") == 340.0  # clipped to 2026-04-10: O5 in
    assert value("win_rate", start="2026-04-01", end="2026-04-30") is None  # nothing closed: no rate
    assert value("won_amount", start="2026-04-01", end="2026-04-30") == 0.0
    got = expected_rows(pipe("win_rate", by=["region"], sort="key_asc"), None, tables)
    want = sql_rows(warehouse, "SELECT c.region_code, avg(CASE WHEN stage = 'won' THEN 1.0 ELSE 0.0 END) "
                    "FROM opportunities o JOIN dim_customer c USING (customer_id) WHERE stage IN ('won', 'lost') "
                    "AND expected_close BETWEEN '2026-01-01' AND '2026-03-31' GROUP BY 1 ORDER BY 1", 1, ["region"])
    assert compare_rows(got, want) is None


def test_pipeline_groups_and_scope(tables: Tables) -> None:
    reps = expected_rows(pipe("win_rate", by=["rep"], compare="previous_period"), None, tables)
    assert [(r["key"]["rep"], r["value"], r["previous"], r["change"], r["change_pct"]) for r in reps] == [
        ("rep2", 1.0, 0.0, 1.0, None), ("rep1", 0.5, None, None, None)]
    # a rep with only closed deals in the window has no open pipeline row at all
    assert [r["key"] for r in expected_rows(pipe("pipeline_amount", by=["rep"]), None, tables)] == [{"rep": "rep2"}]
    assert expected_rows(pipe("win_rate"), ["east"], tables)[0]["value"] == 0.5
    cats = expected_rows(pipe("won_amount", by=["category"]), None, tables)
    assert [(r["key"]["category"], r["value"]) for r in cats] == [("laundry", 200.0), ("shampoo", 100.0)]
    by_customer = expected_rows(pipe("deal_count", by=["customer"], filters={"rep": "rep1"}), None, tables)
    assert by_customer == [{"key": {"customer": "K1"}, "value": 2.0, "previous": None, "change": None,
                            "change_pct": None}]


# --- compare_rows --------------------------------------------------------------------------------------------------

def test_compare_rows() -> None:
    want = [{"key": {"region": "east"}, "value": 100.0, "previous": 80.0, "change": 20.0, "change_pct": 0.25},
            {"key": {"region": "south"}, "value": 0.0, "previous": None, "change": None, "change_pct": None}]
    assert compare_rows(want, want) is None
    near = [{**want[0], "value": 100.00000001}, {**want[1], "value": 1e-12}]
    assert compare_rows(near, want) is None
    assert compare_rows(want[:1], want) == "1 rows, expected 2"
    assert "key" in (compare_rows(want[::-1], want) or "")
    assert "change_pct" in (compare_rows([{**want[0], "change_pct": 0.26}, want[1]], want) or "")
    assert "previous" in (compare_rows([want[0], {**want[1], "previous": 0.0}], want) or "")
    assert "value" in (compare_rows([want[0], {k: v for k, v in want[1].items() if k != "value"}], want) or "")


# --- the question set ----------------------------------------------------------------------------------------------

REGIONS = {"east", "south", "north", "central", "southwest", "northwest", "northeast"}
CODES = {"channel": {"ecommerce", "ka", "distributor", "convenience"},
         "category": {"shampoo", "body_wash", "laundry", "skincare", "oral_care", "household", "dispenser"}}
PATTERNS = {"sku": r"(SH|BW|LD|SK|OC|HC)-\d{3}|X(50|100|200|300)|XR-801", "customer": r"C\d{3}"}
SCOPES = {u.user_id: list(u.regions) for u in USERS}


def check_line(row: dict[str, Any]) -> None:
    assert set(row) == {"id", "lang", "type", "user", "turns", "expect"}
    assert re.fullmatch(r"an\d{3}", row["id"]) and row["lang"] in ("zh", "en") and row["type"] in TYPES
    assert row["user"] in SCOPES
    turns = row["turns"]
    assert isinstance(turns, list) and all(isinstance(t, str) and t.strip() for t in turns)
    assert len(turns) == (2 if row["type"] == "follow_up" else 1)
    e = row["expect"]
    assert set(e) == {"source", "metric", "by", "filters", "start", "end", "compare", "sort", "limit"}
    source = e["source"]
    assert e["metric"] in METRICS[source]
    assert isinstance(e["by"], list) and len(set(e["by"])) == len(e["by"]) and set(e["by"]) <= set(DIMS[source])
    assert set(e["filters"]) <= set(FILTER_COLUMNS[source])
    for name, value in e["filters"].items():
        if name == "regions":
            assert isinstance(value, list) and value and set(value) <= REGIONS
            assert "*" in SCOPES[row["user"]] or set(value) <= set(SCOPES[row["user"]])
        elif name == "rep":
            assert value in SCOPES
        elif name in CODES:
            assert value in CODES[name]
        else:
            assert isinstance(value, str) and re.fullmatch(PATTERNS[name], value)
    assert date.fromisoformat(e["start"]) <= date.fromisoformat(e["end"])
    assert e["compare"] in COMPARES and e["sort"] in SORTS
    assert not (e["sort"].startswith("change") and e["compare"] == "none")
    assert not (e["compare"] != "none" and set(e["by"]) & set(TIME_GRAINS))
    assert e["limit"] is None or (type(e["limit"]) is int and e["limit"] >= 1)


def test_question_set_schema() -> None:
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [json.loads(line) for line in lines]
    assert len(rows) >= 100
    for row in rows:
        try:
            check_line(row)
        except AssertionError as exc:
            raise AssertionError(f"{row.get('id')}: {exc}") from exc
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["lang"] for r in rows} == {"zh", "en"}
    assert {r["type"] for r in rows} == set(TYPES)
