"""Import a user's own sales history (CSV or Parquet, English or Chinese ERP headers) for the forecasting engine.

Everything is read as text and checked column by column with pandas, so one message can tell a spreadsheet user
each problem by row number and by the column name they typed, instead of stopping at the first or dumping a trace.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from copilot.errors import ToolInputError

HISTORY_COLUMNS: tuple[str, ...] = ("date", "sku", "category", "region", "channel", "units", "price", "discount")
ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("date", "日期", "ds", "week"),
    "units": ("units", "销量", "quantity", "qty", "y", "sales", "value"),
    "sku": ("sku", "产品", "product", "item", "商品编码"),
    "category": ("category", "品类"),
    "region": ("region", "区域", "地区", "store"),
    "channel": ("channel", "渠道"),
    "price": ("price", "单价"),
    "discount_pct": ("discount_pct", "折扣", "discount"),
    "holiday": ("holiday", "节假日", "is_holiday"),
}
REQUIRED_ZH = {"date": "日期", "units": "销量"}
DEFAULT_KEYS = {"sku": "ALL", "region": "all", "channel": "all"}  # category defaults to the sku
DUPLICATE_KEYS = ["date", "sku", "region", "channel"]
MAX_LISTED = 5
FIRST_DATA_ROW = 2  # the header is row 1, as the user sees it in a spreadsheet
ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8 with or without BOM, then GBK/GB18030 from Chinese Excel
HOLIDAY_FLAGS = {"": 0.0, "0": 0.0, "1": 1.0, "0.0": 0.0, "1.0": 1.0, "false": 0.0, "true": 1.0,
                 "no": 0.0, "yes": 1.0, "否": 0.0, "是": 1.0}
_DATE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})[-/.](\d{1,2})|(\d{2})(\d{2}))"
                   r"(?:[ T](?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$")
_GROUPED = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"  # 1,234 or 1,234.5: thousands separators, never a decimal comma


class _Problems:
    """The first few problems of each check and how many there are in all: one message can then list them all."""

    def __init__(self) -> None:
        self.listed: list[tuple[int, str, str]] = []
        self.total = 0

    def cells(self, bad: pd.Series, column: str, text: pd.Series, en: str, zh: str) -> None:
        """Note each cell where `bad` holds; `{v}` in the messages stands for the cell as written."""
        rows = bad.index[bad.to_numpy(dtype=bool)]
        self.total += len(rows)
        for row in rows[:MAX_LISTED]:
            v = str(text[row])[:40]
            e, z = (en.replace("{v}", v), zh.replace("{v}", v)) if v else ("the cell is empty", "单元格为空")
            self.listed.append((row, f"Row {row}, column '{column}': {e}.", f"第 {row} 行“{column}”列：{z}。"))

    def raise_if_any(self, name: str) -> None:
        if not self.total:
            return
        listed = sorted(self.listed, key=lambda problem: problem[0])[:MAX_LISTED]
        en = [f"{name} cannot be imported; please fix {self.total} problem(s):", *(f"- {e}" for _, e, _ in listed)]
        zh = [f"{name} 无法导入，请先修改以下 {self.total} 处问题：", *(f"- {z}" for _, _, z in listed)]
        if more := self.total - len(listed):
            en.append(f"... and {more} more.")
            zh.append(f"……另有 {more} 处问题。")
        raise ToolInputError(en="\n".join(en), zh="\n".join(zh))


def read_history(path: Path, *, max_rows: int = 5_000_000) -> pd.DataFrame:
    """The history in HISTORY_COLUMNS order (+ `holiday`, `x_*` when given), sorted by sku, region, channel, date.

    Raises ToolInputError naming the spreadsheet row and the column of each problem (up to five at a time).
    """
    path = Path(path)
    raw = _read_raw(path, max_rows)
    columns = _map_columns(path.name, raw)
    problems = _Problems()
    out = _convert(raw, columns, problems)
    _check_duplicates(out, columns, problems)
    problems.raise_if_any(path.name)
    extras = [c for c in out.columns if c not in HISTORY_COLUMNS]
    out = out[[*HISTORY_COLUMNS, *extras]].sort_values(["sku", "region", "channel", "date"], kind="stable")
    return out.reset_index(drop=True)


def _read_raw(path: Path, max_rows: int) -> pd.DataFrame:
    """All cells as stripped text, indexed by spreadsheet row number, fully blank rows dropped."""
    if not path.is_file():
        raise ToolInputError(en=f"{path.name} was not found.", zh=f"找不到文件 {path.name}。", detail=str(path))
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ToolInputError(en=f"{path.name}: only .csv and .parquet files can be imported "
                                f"(in Excel: Save As > CSV UTF-8).",
                             zh=f"{path.name}：只能导入 .csv 或 .parquet 文件（Excel 中可“另存为 → CSV UTF-8”）。")
    raw = _read_csv(path, max_rows) if suffix == ".csv" else _read_parquet(path, max_rows)
    if len(raw) > max_rows:
        raise ToolInputError(en=f"{path.name} has more than {max_rows:,} data rows (row {max_rows + 2:,} is past the "
                                f"limit). Aggregate it (e.g. weekly) or split it by region, then import the parts.",
                             zh=f"{path.name} 的数据超过 {max_rows:,} 行（第 {max_rows + 2:,} 行已超出上限）。"
                                f"请先按周汇总或按区域拆分后再导入。")
    rows = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(raw))
    raw = pd.DataFrame({c: _by_value(raw[c].fillna(""), lambda u: u.str.strip()).to_numpy() for c in raw.columns},
                       index=rows, dtype=object)
    raw = raw[(raw != "").any(axis=1)]  # Excel leaves ",,,," lines below the data
    if raw.empty:
        raise ToolInputError(en=f"{path.name} has a header (row 1) but no data rows.",
                             zh=f"{path.name} 只有表头（第 1 行），没有数据行。")
    return raw


def _read_csv(path: Path, max_rows: int) -> pd.DataFrame:
    with path.open("rb") as f:
        binary = b"\0" in f.read(8192)  # xlsx, Parquet renamed .csv, UTF-16: pandas would only produce nonsense
    not_csv = {"en": f"{path.name} is not a readable CSV text file; save it again from Excel as CSV UTF-8.",
               "zh": f"{path.name} 不是可读取的 CSV 文本文件，请在 Excel 中重新“另存为 → CSV UTF-8”。"}
    if binary:
        raise ToolInputError(**not_csv)
    for encoding in ENCODINGS:
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False, index_col=False,
                               encoding=encoding, nrows=max_rows + 1)
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise ToolInputError(en=f"{path.name} is empty.", zh=f"{path.name} 是空文件。") from None
        except pd.errors.ParserError as exc:
            if shape := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc)):
                want, row, got = shape.groups()
                raise ToolInputError(en=f"{path.name}, row {row}: {got} cells, but the header (row 1) has {want}.",
                                     zh=f"{path.name} 第 {row} 行有 {got} 个单元格，但表头（第 1 行）只有 {want} 个。",
                                     detail=str(exc)) from None
            raise ToolInputError(**not_csv, detail=str(exc)) from None
        except (ValueError, OSError) as exc:
            raise ToolInputError(**not_csv, detail=str(exc)) from None
    raise ToolInputError(en=f"{path.name} is neither UTF-8 nor GBK text; save it again from Excel as CSV UTF-8.",
                         zh=f"{path.name} 既不是 UTF-8 也不是 GBK 编码，请在 Excel 中重新“另存为 → CSV UTF-8”。")


def _read_parquet(path: Path, max_rows: int) -> pd.DataFrame:
    """Parquet cells as the text a CSV would hold, so both formats go through one validation."""
    import pyarrow as pa  # heavy: loaded only when a Parquet file is imported
    import pyarrow.parquet as pq

    try:
        rows = pq.ParquetFile(path).metadata.num_rows
        if rows > max_rows:  # reported by the caller, without reading a huge file into memory first
            return pd.DataFrame(index=pd.RangeIndex(rows))
        frame = pq.read_table(path).to_pandas(ignore_metadata=True)  # a saved pandas index becomes a column
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ToolInputError(en=f"{path.name} is not a readable Parquet file.",
                             zh=f"{path.name} 不是可读取的 Parquet 文件。", detail=str(exc)) from None
    return pd.DataFrame({str(c): _as_text(frame[c]) for c in frame.columns})


def _as_text(column: pd.Series) -> pd.Series:
    timestamps = pd.api.types.is_datetime64_any_dtype(column)
    return (column.dt.strftime("%Y-%m-%d %H:%M:%S") if timestamps else column.astype(str)).where(column.notna(), "")


def _map_columns(name: str, raw: pd.DataFrame) -> dict[str, str]:
    """Canonical field (or lower-cased x_* name) -> the header as written in the file."""
    lookup = {alias: field for field, aliases in ALIASES.items() for alias in aliases}
    found: dict[str, list[str]] = {}
    for header in raw.columns:
        key = header.strip().lower()
        if field := lookup.get(key) or (key if key.startswith("x_") else None):
            found.setdefault(field, []).append(header)
    for field, headers in found.items():
        if len(headers) > 1:
            both = ", ".join(f"'{h}'" for h in headers)
            raise ToolInputError(en=f"{name}, row 1 (header): columns {both} all mean '{field}'; keep only one.",
                                 zh=f"{name} 第 1 行（表头）：{both} 这几列含义相同（{field}），请只保留一列。")
    if missing := [field for field in REQUIRED_ZH if field not in found]:
        have = ", ".join(f"'{h}'" for h in raw.columns)
        en = " ".join(f"Name the {f} column one of: {', '.join(ALIASES[f])} (any letter case)." for f in missing)
        zh = "".join(f"{REQUIRED_ZH[f]}列的列名可以是：{', '.join(ALIASES[f])}（不区分大小写）。" for f in missing)
        raise ToolInputError(en=f"{name}, row 1 (header): no {' or '.join(missing)} column. Found: {have}. {en}",
                             zh=f"{name} 第 1 行（表头）中没有{'、'.join(REQUIRED_ZH[f] for f in missing)}列。"
                                f"现有列：{have}。{zh}")
    return {field: headers[0] for field, headers in found.items()}


def _convert(raw: pd.DataFrame, columns: dict[str, str], problems: _Problems) -> pd.DataFrame:
    text = {field: raw[header] for field, header in columns.items()}
    out = pd.DataFrame({"date": _by_value(text["date"], _parse_dates).astype("datetime64[ns]")}, index=raw.index)
    problems.cells(out["date"].isna(), columns["date"], text["date"], "'{v}' is not a date (write it like 2026-03-01)",
                   "“{v}”不是有效日期（请写成 2026-03-01 这样的格式）")
    for key in ("sku", "region", "channel", "category"):
        if key in columns:
            problems.cells(text[key] == "", columns[key], text[key], "", "")
            out[key] = text[key]
        else:
            out[key] = DEFAULT_KEYS[key] if key in DEFAULT_KEYS else out["sku"]
    out["units"] = _numbers(text["units"], columns["units"], problems, empty=None)
    problems.cells(out["units"] < 0, columns["units"], text["units"],
                   "'{v}' is negative; units must be 0 or more", "“{v}”是负数，销量不能小于 0")
    out["price"] = _numbers(text["price"], columns["price"], problems, empty=np.nan) if "price" in columns else np.nan
    if "price" in columns:
        problems.cells(out["price"] <= 0, columns["price"], text["price"],
                       "'{v}' is not a price; it must be greater than 0", "“{v}”不是有效单价，单价必须大于 0")
    out["discount"] = 0.0
    if "discount_pct" in columns:
        percent = _by_value(text["discount_pct"], lambda u: u.str.removesuffix("%"))  # 15% as Excel shows it
        pct = _numbers(percent, columns["discount_pct"], problems, empty=0.0)
        problems.cells((pct < 0) | (pct > 100), columns["discount_pct"], text["discount_pct"],
                       "'{v}' is outside 0..100 (percent off, e.g. 15 for 15% off)",
                       "“{v}”不在 0 到 100 之间（按优惠百分比填写，例如 15 表示优惠 15%，即八五折）")
        out["discount"] = pct / 100
    if "holiday" in columns:
        out["holiday"] = _by_value(text["holiday"], lambda u: u.str.lower().map(HOLIDAY_FLAGS)).astype("float64")
        problems.cells(out["holiday"].isna(), columns["holiday"], text["holiday"],
                       "'{v}' is not a holiday flag (use 0/1, true/false, yes/no or 是/否)",
                       "“{v}”不是有效的节假日标记（请填 0/1、true/false、yes/no 或 是/否）")
    for field in (f for f in columns if f.startswith("x_")):
        out[field] = _numbers(text[field], columns[field], problems, empty=0.0)
    return out


def _numbers(text: pd.Series, column: str, problems: _Problems, *, empty: float | None) -> pd.Series:
    """Float64 from text with optional thousands separators; empty cells become `empty`, or a problem if None."""
    blank = text == ""
    values = _by_value(text, _parse_numbers).astype("float64")
    problems.cells(values.isna() & (~blank if empty is not None else True), column, text,
                   "'{v}' is not a number", "“{v}”不是有效数字")
    return values.mask(blank, np.nan if empty is None else empty)


def _check_duplicates(out: pd.DataFrame, columns: dict[str, str], problems: _Problems) -> None:
    """One row per date, sku, region and channel: a repeat is usually a double export, and summing it is a guess."""
    frame = out.loc[out["date"].notna(), DUPLICATE_KEYS]
    later = frame.duplicated(keep="first")
    if not later.any():
        return
    first = pd.Series(frame.index, index=frame.index).groupby([frame[k] for k in DUPLICATE_KEYS]).transform("min")
    rows = later.index[later.to_numpy()]
    problems.total += len(rows)
    for row in rows[:MAX_LISTED]:
        same = ", ".join(f"'{columns[k]}' = {out.at[row, k]:%Y-%m-%d}" if k == "date" else
                         f"'{columns[k]}' = {out.at[row, k]}" for k in DUPLICATE_KEYS if k in columns)
        problems.listed.append((row, f"Row {row} repeats row {first[row]} ({same}); keep one row per date, sku, "
                                     f"region and channel, or add them up first.",
                                f"第 {row} 行与第 {first[row]} 行重复（{same}）；每个日期、产品、区域、渠道只能有一行，"
                                f"请删除重复行或先合计。"))


def _by_value(text: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`parse` applied once per distinct text: a history repeats its dates, keys and prices over millions of rows."""
    codes, uniques = pd.factorize(text)
    return pd.Series(parse(pd.Series(uniques, dtype=object)).to_numpy()[codes], index=text.index)


def _parse_dates(text: pd.Series) -> pd.Series:
    """Midnight of ISO-like dates only: 03/01/2026 could be March or January."""
    found = text.str.extract(_DATE)
    ymd = pd.DataFrame({"year": found[0], "month": found[1].fillna(found[3]), "day": found[2].fillna(found[4])})
    return pd.to_datetime(ymd.astype("float64"), errors="coerce")


def _parse_numbers(text: pd.Series) -> pd.Series:
    grouped = text.str.fullmatch(_GROUPED)
    values = pd.to_numeric(text.where(~grouped, text.str.replace(",", "", regex=False)), errors="coerce")
    return values.astype("float64").where(np.isfinite(values))
