"""Clean a transcript before the agent reads it: Chinese numerals to digits where they are quantities.

"投入八十万，每年节省三十万，三年" -> "投入800000，每年节省300000，3年"; "百分之二十" -> "20%". Single numerals that are
part of words stay ("一下", "一份", "第一季度", "统一"): a lone numeral is converted only before a unit.
"""

from __future__ import annotations

import re

import cn2an

_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
_UNITS = ("小时", "分钟", "个月", "天", "年", "月", "日", "号", "周", "台", "件", "箱", "万", "亿", "元", "块", "倍",
          "折", "%", "个工作日", "岁", "人", "家")
_PERCENT = re.compile(rf"百分之([{_NUMERAL}]+)")
_RUN = re.compile(rf"(?<![第{_NUMERAL}])([{_NUMERAL}]+)")


def normalise_numbers(text: str) -> str:
    text = _PERCENT.sub(lambda m: f"{_to_int(m.group(1)) or m.group(1)}%" if _to_int(m.group(1)) is not None
                        else m.group(0), text)
    return _RUN.sub(lambda m: _convert(m, text), text)


def _convert(m: re.Match[str], text: str) -> str:
    run = m.group(1)
    after = text[m.end():]
    if len(run) == 1 and not after.startswith(_UNITS):
        return run
    if len(run) == 1 and run in "万亿":
        return run
    value = _to_int(run)
    return run if value is None else str(value)


def _to_int(run: str) -> int | None:
    try:
        value = cn2an.cn2an(run, "smart")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value) if float(value).is_integer() else None
