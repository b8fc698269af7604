"""Chart images for analytics answers (matplotlib, Agg): bars for rankings, lines for time series.

Chinese labels need a CJK font; the Noto Sans CJK SC face shipped in the `mplfonts` package (SIL OFL) is
registered once, so charts look the same on every machine with no system fonts installed.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

Kind = Literal["bar", "line"]
_COLOURS = ("#4f81bd", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#2c4d75", "#772c2a")


def cjk_font_path() -> Path:
    """Noto Sans CJK SC from the `mplfonts` wheel (SIL OFL): charts use it, and the web console serves it to
    browsers that have no Chinese font of their own."""
    spec = importlib.util.find_spec("mplfonts")  # the font file only: importing the package is not needed
    if spec is None or spec.origin is None:
        raise FileNotFoundError("mplfonts")
    path = Path(spec.origin).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


@functools.cache
def font_family() -> list[str]:
    import matplotlib
    from matplotlib import font_manager

    families = ["DejaVu Sans"]
    try:
        path = cjk_font_path()
        font_manager.fontManager.addfont(str(path))
        families.insert(0, font_manager.FontProperties(fname=str(path)).get_name())
    except (FileNotFoundError, OSError):
        log.warning("no CJK font (package mplfonts); Chinese chart labels may not render")
    # Every text of a chart (ticks, legend, title) falls back glyph by glyph from the CJK face to DejaVu.
    matplotlib.rcParams["font.sans-serif"] = [*families, *matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["font.family"] = "sans-serif"
    return families


def render_png(kind: Kind, title: str, labels: Sequence[str], series: Mapping[str, Sequence[float | None]],
               value_label: str, percent: bool = False) -> bytes:
    """One chart as PNG bytes. `series` maps a legend name to values aligned with `labels`."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    family = font_family()
    fig = Figure(figsize=(7.2, 3.8), dpi=100)
    ax = fig.add_subplot()
    for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
        text.set_fontfamily(family)
    names = list(series)
    if kind == "bar":
        width = 0.8 / max(len(names), 1)
        for i, name in enumerate(names):
            xs = [x + (i - (len(names) - 1) / 2) * width for x in range(len(labels))]
            ax.bar(xs, [v or 0.0 for v in series[name]], width=width, label=name, color=_COLOURS[i % len(_COLOURS)])
        ax.set_xticks(range(len(labels)), labels, rotation=30 if len(labels) > 6 else 0, ha="right"
                      if len(labels) > 6 else "center", fontfamily=family, fontsize=8)
    else:
        for i, name in enumerate(names):
            ax.plot(range(len(labels)), [float("nan") if v is None else v for v in series[name]], label=name,
                    color=_COLOURS[i % len(_COLOURS)], marker="." if len(labels) <= 60 else None, linewidth=1.4)
        step = max(1, len(labels) // 12)
        ax.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)], rotation=30,
                      ha="right", fontfamily=family, fontsize=8)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%" if percent else _short(v)))
    ax.set_title(title, fontfamily=family, fontsize=11)
    ax.set_ylabel(value_label, fontfamily=family, fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    if len(names) > 1:
        ax.legend(prop={"family": family, "size": 8})
    # Fixed margins instead of tight_layout: the same picture for our labels, without a second full layout pass
    # (tight_layout was about half the cost of a chart, and charts are most of a turn's CPU).
    rotated = kind != "bar" or len(labels) > 6
    fig.subplots_adjust(left=0.11, right=0.98, top=0.9, bottom=0.2 if rotated else 0.12)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def save_png(png: bytes, out_dir: Path, name: str) -> Path:
    """Write a chart under `out_dir` atomically (a reader never sees half a file) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(png)
    tmp.replace(path)
    return path


def _short(v: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= limit:
            return f"{v / limit:.1f}{suffix}"
    return f"{v:.0f}"
