"""Rolling-origin backtest: how the stored pipeline and the standard baselines would have done.

At each origin every model is fitted on the data known then and forecasts the next `h` weeks; errors are measured
on the bottom series (WAPE, MASE, bias). Interval coverage is measured with the production code path: for each
origin, earlier calibration windows (refitted, ending before the origin) give the intervals exactly as
`copilot forecast refresh` does for the tool, so the coverage printed is the coverage users get.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tools.forecast import answers
from tools.forecast.engine import BASELINES, MODELS, run, stats_forecasts
from tools.forecast.panel import SEASON, Panel
from tools.forecast.store import Run

COMBINED = "copilot"
Progress = Callable[[str, float], None]


@dataclass
class Scores:
    wape: dict[str, float] = field(default_factory=dict)
    mase: dict[str, float] = field(default_factory=dict)
    bias: dict[str, float] = field(default_factory=dict)
    coverage: dict[int, float] = field(default_factory=dict)
    origins: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def table(self) -> list[dict[str, object]]:
        return [{"model": m, "wape_pct": round(self.wape[m] * 100, 2), "mase": round(self.mase[m], 3),
                 "bias_pct": round(self.bias[m] * 100, 2),
                 "wape_vs_snaive_pct": round((1 - self.wape[m] / self.wape["snaive"]) * 100, 1)
                 if "snaive" in self.wape else None} for m in self.wape]


def _bottom_baselines(panel: Panel, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    ids = panel.keys["uid"].tolist()
    train = pd.DataFrame({"unique_id": np.repeat(ids, len(panel.weeks)),
                          "ds": np.tile(panel.weeks.values, len(ids)), "y": panel.y.ravel()})
    live = train.groupby("unique_id")["y"].transform("max") > 0
    out = stats_forecasts(train[live.to_numpy()], panel.horizon, names)
    full = pd.DataFrame({"unique_id": np.repeat(ids, panel.horizon), "ds": np.tile(panel.future.values, len(ids))})
    full = full.merge(out, on=["unique_id", "ds"], how="left").fillna(0.0)
    return {n: full[n].to_numpy().reshape(len(ids), panel.horizon) for n in names}


def _mase_scale(y: np.ndarray) -> np.ndarray:
    """In-sample seasonal-naive MAE per series; 0 for a series that never changed (MASE undefined, skipped)."""
    lag = SEASON if y.shape[1] > SEASON + 4 else 1
    return np.abs(y[:, lag:] - y[:, :-lag]).mean(axis=1)


def backtest(panel: Panel, *, h: int, origins: int, step: int, calibration_windows: int = 8,
             calibration_spacing: int = 2, progress: Progress | None = None) -> Scores:
    """`panel` must have horizon 0..: history only is used; origins are the last `origins` cutoffs `step` apart."""
    report = progress or (lambda _l, _f: None)
    started = time.perf_counter()
    t = len(panel.weeks)
    cuts = [t - 1 - h - step * k for k in range(origins - 1, -1, -1)]
    errs: dict[str, list[float]] = {}
    sums: dict[str, list[float]] = {}
    actual_total = 0.0
    mase_parts: dict[str, list[float]] = {}
    hits: dict[int, list[bool]] = {lv: [] for lv in answers.LEVELS}
    scores = Scores()
    for i, cut in enumerate(cuts):
        report(f"origin {i + 1}/{len(cuts)}", i / len(cuts))
        known = _at(panel, cut, h)
        actual = panel.y[:, cut + 1: cut + 1 + h]
        final = run(known, MODELS)
        preds = {**final.models, COMBINED: final.bottom, **_bottom_baselines(known, BASELINES)}
        preds.pop("theta", None)
        scale = _mase_scale(known.y)
        for name, f in preds.items():
            errs.setdefault(name, []).append(float(np.abs(actual - f).sum()))
            sums.setdefault(name, []).append(float((f - actual).sum()))
            ok = scale > 0
            mase_parts.setdefault(name, []).extend((np.abs(actual - f).mean(axis=1)[ok] / scale[ok]).tolist())
        actual_total += float(actual.sum())
        calib = _calibration_run(panel, known, final.bottom, cut, h, calibration_windows, calibration_spacing)
        for s in range(len(known.keys)):
            mask = np.zeros(len(known.keys), bool)
            mask[s] = True
            series = answers.slice_of(calib, mask)
            for lead in range(h):
                w = np.zeros(h)
                w[lead] = 1.0
                point = float(final.bottom[s, lead])
                errors, _ = answers.log_errors(series, w)
                band = answers.interval(point, errors)
                for lv, (lo, hi) in band.items():
                    hits[lv].append(bool(lo <= actual[s, lead] <= hi))
        scores.origins.append(str((panel.weeks[cut] + pd.Timedelta(days=6)).date()))
    scores.wape = {m: sum(v) / actual_total for m, v in errs.items()}
    scores.bias = {m: sum(v) / actual_total for m, v in sums.items()}
    scores.mase = {m: float(np.mean(v)) for m, v in mase_parts.items()}
    scores.coverage = {lv: float(np.mean(v)) for lv, v in hits.items()}
    scores.seconds = round(time.perf_counter() - started, 1)
    report("done", 1.0)
    return scores


def _at(panel: Panel, cut: int, h: int) -> Panel:
    """The panel known at `cut`, forecasting `h` weeks (features of those weeks as planned/known)."""
    p = panel.truncated(cut)
    keep = cut + 1 + h
    return Panel(p.keys, p.weeks, panel.weeks[cut + 1: keep], p.y, panel.discount[:, :keep], panel.price[:, :keep],
                 p.list_price,
                 p.unit_cost, {k: v[:, :keep] for k, v in panel.exog.items()}, panel.calendar.iloc[:keep], p.plan)


def _calibration_run(panel: Panel, known: Panel, forecast: np.ndarray, cut: int, h: int, windows: int,
                     spacing: int) -> Run:
    """A Run as the refresh would store it at `cut`: windows ending early enough for their errors to be known."""
    cuts = [c for c in (cut - h - spacing * k for k in range(windows - 1, -1, -1)) if c >= SEASON // 2]
    past = np.stack([run(_at(panel, c, h), MODELS).bottom for c in cuts]) if cuts else np.zeros((0, *forecast.shape))
    return Run(known.keys, known.weeks, known.future, known.y, forecast, forecast, known.price, known.discount,
               known.list_price, known.unit_cost, np.array(cuts, dtype=int), past, known.plan, {}, Path("."))
