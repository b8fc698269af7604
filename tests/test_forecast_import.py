"""read_history: exact frames from CSV (utf-8, BOM, GBK) and Parquet, and errors that name the row and the column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from copilot.errors import ToolInputError
from tools.forecast.importer import HISTORY_COLUMNS, read_history

NAN = np.nan


def write(tmp_path: Path, text: str, name: str = "sales.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def failure(path: Path, **kwargs: Any) -> ToolInputError:
    with pytest.raises(ToolInputError) as caught:
        read_history(path, **kwargs)
    return caught.value


def frame(**columns: list[Any]) -> pd.DataFrame:
    out = pd.DataFrame(columns)
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[ns]")
    return out.astype({c: "float64" for c in out.columns if c not in ("date", "sku", "category", "region", "channel")})


def test_good_csv_with_every_optional_column_gives_the_exact_frame(tmp_path: Path) -> None:
    path = write(tmp_path, (
        " Date ,SKU,Category,Region,Channel,Units,Price,Discount_pct,Holiday,X_Markdown,Temperature\n"
        '2026-03-02,B,drinks,north,online,"1,234",3.5,10,yes,,21.5\n'
        "2026/3/1,B,drinks,north,online,7,3.5,,no,2.5,20\n"
        "20260301, A ,snacks,south,store,0,12,15%,1,1,19\n"
        "2026-03-02 14:30:00,A,snacks,south,store,3.25,,0,FALSE,0,18\n"
        ",,,,,,,,,,\n"))
    expected = frame(
        date=["2026-03-01", "2026-03-02", "2026-03-01", "2026-03-02"], sku=["A", "A", "B", "B"],
        category=["snacks", "snacks", "drinks", "drinks"], region=["south", "south", "north", "north"],
        channel=["store", "store", "online", "online"], units=[0, 3.25, 7, 1234], price=[12, NAN, 3.5, 3.5],
        discount=[0.15, 0, 0, 0.10], holiday=[1, 0, 0, 1], x_markdown=[1, 0, 2.5, 0])
    out = read_history(path)
    pd.testing.assert_frame_equal(out, expected)
    assert list(out.columns[:8]) == list(HISTORY_COLUMNS)


def test_chinese_headers_in_gbk(tmp_path: Path) -> None:
    text = ("日期,商品编码,品类,地区,渠道,销量,单价,折扣,节假日\n"
            "2026-03-08,饮料-01,饮料,华东,线上,12,5,0,否\n"
            "2026-03-01,饮料-01,饮料,华东,线上,10,5,20,是\n")
    path = write(tmp_path, text, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the file really needs the GBK fallback
    expected = frame(date=["2026-03-01", "2026-03-08"], sku=["饮料-01"] * 2, category=["饮料"] * 2,
                     region=["华东"] * 2, channel=["线上"] * 2, units=[10, 12], price=[5, 5], discount=[0.2, 0],
                     holiday=[1, 0])
    pd.testing.assert_frame_equal(read_history(path), expected)


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "date,产品,区域,units\n2026-03-01,A,华南,4\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    expected = frame(date=["2026-03-01"], sku=["A"], category=["A"], region=["华南"], channel=["all"], units=[4],
                     price=[NAN], discount=[0])
    pd.testing.assert_frame_equal(read_history(path), expected)


def test_defaults_when_sku_region_and_channel_are_absent(tmp_path: Path) -> None:
    out = read_history(write(tmp_path, "ds,y\n2026-03-02,5\n2026-03-01,6\n"))
    expected = frame(date=["2026-03-01", "2026-03-02"], sku=["ALL"] * 2, category=["ALL"] * 2, region=["all"] * 2,
                     channel=["all"] * 2, units=[6, 5], price=[NAN] * 2, discount=[0, 0])
    pd.testing.assert_frame_equal(out, expected)
    assert "holiday" not in out.columns


def test_weekly_file_with_walmart_like_columns(tmp_path: Path) -> None:
    path = write(tmp_path, ("Store,Dept,WEEK,Sales,IsHoliday,Temperature\n"
                            "1,1,2010-02-12,\"46,039.49\",TRUE,38.51\n"
                            "1,1,2010-02-05,\"24,924.50\",FALSE,42.31\n"
                            "2,1,2010-02-05,\"50,605.27\",FALSE,40.19\n"))
    out = read_history(path)
    assert out["date"].dt.strftime("%Y-%m-%d").tolist() == ["2010-02-05", "2010-02-12", "2010-02-05"]
    assert out["region"].tolist() == ["1", "1", "2"]  # Store is an accepted alias of region
    assert out["units"].tolist() == [24924.50, 46039.49, 50605.27]
    assert list(out.columns) == list(HISTORY_COLUMNS)  # IsHoliday is not an alias: the caller maps it


def test_parquet_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "sales.parquet"
    pd.DataFrame({
        "date": pd.to_datetime(["2026-03-08 10:00", "2026-03-01 00:00"]), "SKU": ["A", "A"], "units": [5, 3],
        "price": [2.0, None], "discount_pct": [10.0, None], "holiday": [True, False], "x_promo": [1.5, None],
    }).to_parquet(path, index=False)
    expected = frame(date=["2026-03-01", "2026-03-08"], sku=["A"] * 2, category=["A"] * 2, region=["all"] * 2,
                     channel=["all"] * 2, units=[3, 5], price=[NAN, 2], discount=[0, 0.1], holiday=[0, 1],
                     x_promo=[0, 1.5])
    pd.testing.assert_frame_equal(read_history(path), expected)


def test_parquet_errors_use_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "sales.parquet"
    pd.DataFrame({"date": ["2026-03-01", "2026-03-02"], "units": [1.0, -2.0]}).to_parquet(path)
    assert "Row 3, column 'units': '-2.0' is negative" in failure(path).en


def test_missing_file_and_unsupported_extension(tmp_path: Path) -> None:
    assert failure(tmp_path / "nope.csv").en == "nope.csv was not found."
    error = failure(write(tmp_path, "x", name="sales.xlsx"))
    assert "only .csv and .parquet" in error.en
    assert "只能导入 .csv 或 .parquet" in error.zh


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    assert failure(write(tmp_path, "", name="empty.csv")).en == "empty.csv is empty."
    error = failure(write(tmp_path, "date,units\n\n", name="header.csv"))
    assert error.en == "header.csv has a header (row 1) but no data rows."
    assert error.zh == "header.csv 只有表头（第 1 行），没有数据行。"


def test_missing_required_column_names_it_the_columns_found_and_the_accepted_names(tmp_path: Path) -> None:
    error = failure(write(tmp_path, "Store,Weekly_Sales,Date\n1,2,2026-03-01\n"))
    assert "row 1 (header): no units column" in error.en
    assert "Found: 'Store', 'Weekly_Sales', 'Date'" in error.en
    assert "units, 销量, quantity, qty, y, sales, value" in error.en
    assert "第 1 行（表头）中没有销量列" in error.zh
    both = failure(write(tmp_path, "a,b\n1,2\n", name="ab.csv"))
    assert "no date or units column" in both.en
    assert "没有日期、销量列" in both.zh


def test_two_columns_with_the_same_meaning(tmp_path: Path) -> None:
    error = failure(write(tmp_path, "date,units,Qty\n2026-03-01,1,1\n"))
    assert "columns 'units', 'Qty' all mean 'units'" in error.en


def test_unparseable_date_names_row_and_column_in_both_languages(tmp_path: Path) -> None:
    error = failure(write(tmp_path, "Date,Units\n2026-03-01,1\n2026-13-01,1\n03/01/2026,1\n2026-03-04 25:00,1\n"))
    assert "Row 3, column 'Date': '2026-13-01' is not a date" in error.en
    assert "Row 4, column 'Date': '03/01/2026' is not a date" in error.en
    assert "Row 5, column 'Date': '2026-03-04 25:00' is not a date" in error.en
    assert "第 3 行“Date”列：“2026-13-01”不是有效日期" in error.zh
    assert "3 problem(s)" in error.en


def test_bad_units(tmp_path: Path) -> None:
    error = failure(write(tmp_path, "date,销量\n2026-03-01,abc\n2026-03-02,-3\n2026-03-03,\n2026-03-04,\"1,2\"\n"))
    assert "Row 2, column '销量': 'abc' is not a number" in error.en
    assert "Row 3, column '销量': '-3' is negative" in error.en
    assert "Row 4, column '销量': the cell is empty" in error.en
    assert "Row 5, column '销量': '1,2' is not a number" in error.en
    assert "第 3 行“销量”列：“-3”是负数，销量不能小于 0" in error.zh


def test_bad_price_discount_and_holiday(tmp_path: Path) -> None:
    error = failure(write(tmp_path, ("date,units,Price,折扣,Is_Holiday\n"
                                     "2026-03-01,1,0,5,1\n"
                                     "2026-03-02,1,free,101,0\n"
                                     "2026-03-03,1,2,-1,maybe\n")))
    assert "Row 2, column 'Price': '0' is not a price; it must be greater than 0" in error.en
    assert "Row 3, column 'Price': 'free' is not a number" in error.en
    assert "Row 3, column '折扣': '101' is outside 0..100" in error.en
    assert "Row 4, column '折扣': '-1' is outside 0..100" in error.en
    assert "Row 4, column 'Is_Holiday': 'maybe' is not a holiday flag" in error.en
    assert "5 problem(s)" in error.en


def test_empty_cell_in_a_present_key_column(tmp_path: Path) -> None:
    error = failure(write(tmp_path, "date,units,Region\n2026-03-01,1,north\n2026-03-01,1,\n"))
    assert error.en.endswith("Row 3, column 'Region': the cell is empty.")
    assert error.zh.endswith("第 3 行“Region”列：单元格为空。")


def test_duplicates_name_both_rows(tmp_path: Path) -> None:
    error = failure(write(tmp_path, ("date,sku,units\n"
                                     "2026-03-01 09:00,A,1\n"
                                     "2026-03-01,B,1\n"
                                     "2026-03-01 18:00,A,2\n")))
    assert "Row 4 repeats row 2 ('date' = 2026-03-01, 'sku' = A)" in error.en
    assert "第 4 行与第 2 行重复" in error.zh
    assert "1 problem(s)" in error.en


def test_max_rows_is_a_bounded_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "date,units\n" + "".join(f"2026-03-{d:02d},1\n" for d in range(1, 11)))
    seen: list[int] = []
    real_read_csv = pd.read_csv

    def spy(*args: Any, **kwargs: Any) -> pd.DataFrame:
        seen.append(kwargs["nrows"])
        return real_read_csv(*args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", spy)
    error = failure(path, max_rows=4)
    assert seen == [5]
    assert error.en.startswith("sales.csv has more than 4 data rows (row 6 is past the limit)")
    assert "第 6 行已超出上限" in error.zh
    assert len(read_history(path, max_rows=10)) == 10


def test_max_rows_for_parquet_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "big.parquet"
    pd.DataFrame({"date": ["2026-03-01"] * 4, "units": [1] * 4}).to_parquet(path)

    def must_not_read(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("read the rows of an over-limit file")

    monkeypatch.setattr(pq, "read_table", must_not_read)
    assert failure(path, max_rows=3).en.startswith("big.parquet has more than 3 data rows (row 5 is past the limit)")


def test_at_most_five_problems_then_and_k_more(tmp_path: Path) -> None:
    path = write(tmp_path, "date,units\n" + "".join(f"2026-03-{d:02d},x{d}\n" for d in range(1, 9)))
    error = failure(path)
    lines = error.en.splitlines()
    assert lines[0] == "sales.csv cannot be imported; please fix 8 problem(s):"
    assert lines[1:6] == [f"- Row {r}, column 'units': 'x{r - 1}' is not a number." for r in range(2, 7)]
    assert lines[6] == "... and 3 more."
    assert len(lines) == 7
    assert error.zh.splitlines()[-1] == "……另有 3 处问题。"


def test_garbage_is_a_clear_error_not_a_pandas_trace(tmp_path: Path) -> None:
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"PAR1\x00\x01\x02\xff" * 50)
    assert failure(nul).en == "nul.csv is not a readable CSV text file; save it again from Excel as CSV UTF-8."
    undecodable = tmp_path / "bytes.csv"
    undecodable.write_bytes(b"date,units\n" + b"\xff\xfe\x81" * 50)
    assert "neither UTF-8 nor GBK" in failure(undecodable).en
    parquet = tmp_path / "bad.parquet"
    parquet.write_bytes(b"date,units\n2026-03-01,1\n")
    assert failure(parquet).en == "bad.parquet is not a readable Parquet file."


def test_ragged_csv_row_is_named(tmp_path: Path) -> None:
    error = failure(write(tmp_path, "date,units\n2026-03-01,1\n2026-03-02,2,3\n"))
    assert error.en == "sales.csv, row 3: 3 cells, but the header (row 1) has 2."
