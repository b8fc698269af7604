"""Precomputed forecasts: `copilot forecast refresh` fits everything once and stores arrays the tool reads in
milliseconds.

A run holds the reconciled future forecast of every bottom series, the weekly history, prices, and the forecasts
the same pipeline made at earlier origins (rolling-origin windows, refitted on the data known then): those give
the calibrated intervals and the bias/accuracy history. Runs are written to a new folder and then the `current`
pointer is replaced atomically, so a reader never sees half a run.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from copilot.errors import NotReady
from tools.forecast.engine import MODELS, predict_lgbm, run
from tools.forecast.panel import Panel, Plan

KEEP_RUNS = 3
Progress = Callable[[str, float], None]


@dataclass
class Run:
    """What the tool reads: arrays indexed by bottom series (rows of `keys`) and weeks."""

    keys: pd.DataFrame
    weeks: pd.DatetimeIndex  # history bucket starts
    future: pd.DatetimeIndex  # forecast bucket starts
    y: np.ndarray  # (n, T) actual units
    forecast: np.ndarray  # (n, H) reconciled units
    lgbm: np.ndarray  # (n, H) the global model's own forecast (what-if ratios)
    price: np.ndarray  # (n, T + H) unit price paid / planned
    discount: np.ndarray  # (n, T + H)
    list_price: np.ndarray  # (n,)
    unit_cost: np.ndarray  # (n,)
    cutoffs: np.ndarray  # (K,) index of the last history bucket each window knew
    windows: np.ndarray  # (K, n, H) reconciled forecasts made at those cutoffs
    plan: Plan
    meta: dict[str, Any]
    folder: Path
    _model: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def last_day(self) -> pd.Timestamp:
        return self.weeks[-1] + pd.Timedelta(days=6)

    @property
    def horizon_end(self) -> pd.Timestamp:
        return self.future[-1] + pd.Timedelta(days=6)

    def repredict(self, change: Callable[[pd.DataFrame], pd.DataFrame], ids: list[str]) -> pd.DataFrame:
        """The global model's forecast for `ids` with its future features changed by `change` (a copy).

        Loaded on the first what-if; one prediction at a time, as mlforecast keeps prediction state on the model.
        """
        with self._lock:
            if self._model is None:
                with (self.folder / "lgbm.pkl").open("rb") as fh:
                    model = pickle.load(fh)  # our own file, written by refresh
                self._model = (model, pd.read_parquet(self.folder / "future_x.parquet"))
            model, future_x = self._model
            return predict_lgbm(model, change(future_x.copy()), len(self.future), ids)


def refresh(panel: Panel, data_dir: Path, *, windows: int = 12, spacing: int = 4, models: Sequence[str] = MODELS,
            n_jobs: int = 2, source: str = "", progress: Progress | None = None) -> Run:
    """Fit and forecast at the latest origin and at `windows` earlier origins `spacing` weeks apart; store it all."""
    report = progress or (lambda _label, _done: None)
    started = time.perf_counter()
    t = len(panel.weeks)
    cutoffs = [t - 1 - spacing * k for k in range(windows, 0, -1) if t - 1 - spacing * k >= panel.y.shape[1] // 2]
    steps = len(cutoffs) + 1
    past = np.zeros((len(cutoffs), len(panel.keys), panel.horizon))
    for i, cut in enumerate(cutoffs):
        label = f"window {i + 1}/{len(cutoffs)} (data to {(panel.weeks[cut] + pd.Timedelta(days=6)).date()})"
        report(label, i / steps)
        past[i] = run(panel.truncated(cut), models, n_jobs=n_jobs).bottom
    report("latest origin", len(cutoffs) / steps)
    final = run(panel, models, n_jobs=n_jobs, keep_model="lgbm" in models)
    meta = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "models": list(models),
            "source": source, "horizon_weeks": panel.horizon, "spacing_weeks": spacing,
            "last_day": str(panel.last_day), "series": len(panel.keys),
            "seconds": round(time.perf_counter() - started, 1)}
    folder = _save(panel, final, np.array(cutoffs, dtype=int), past, meta, data_dir)
    report("stored", 1.0)
    return load(data_dir, folder)


def _save(panel: Panel, final: Any, cutoffs: np.ndarray, past: np.ndarray, meta: dict[str, Any],
          data_dir: Path) -> Path:
    root = data_dir / "forecast"
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"run-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    tmp = folder.with_name(folder.name + ".tmp")
    tmp.mkdir()
    lgbm = final.models.get("lgbm", final.bottom)
    np.savez(tmp / "arrays.npz", y=panel.y, forecast=final.bottom, lgbm=lgbm, price=panel.price,
             discount=panel.discount, list_price=panel.list_price, unit_cost=panel.unit_cost, cutoffs=cutoffs,
             windows=past, weeks=panel.weeks.values, future=panel.future.values)
    panel.keys.to_parquet(tmp / "keys.parquet")
    panel.plan.frame().to_parquet(tmp / "plan.parquet")
    if final.lgbm is not None:
        with (tmp / "lgbm.pkl").open("wb") as fh:
            pickle.dump(final.lgbm, fh)
        final.future_x.to_parquet(tmp / "future_x.parquet")
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
    tmp.rename(folder)
    pointer = root / "current"
    staged = root / f".current.{uuid.uuid4().hex}"
    staged.write_text(folder.name)
    os.replace(staged, pointer)
    older = sorted(p for p in root.glob("run-*") if p.is_dir() and p != folder)  # names sort by creation time
    for old in older[: max(len(older) - (KEEP_RUNS - 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def current_folder(data_dir: Path) -> Path:
    pointer = data_dir / "forecast" / "current"
    if not pointer.exists():
        raise NotReady(en="No forecasts yet: run `copilot forecast refresh` first.",
                       zh="尚无预测结果：请先运行 `copilot forecast refresh`。")
    return data_dir / "forecast" / pointer.read_text().strip()


def load(data_dir: Path, folder: Path | None = None) -> Run:
    folder = folder or current_folder(data_dir)
    arr = np.load(folder / "arrays.npz")
    plan_frame = pd.read_parquet(folder / "plan.parquet")
    plan = Plan(tuple((r.start, r.end, r.category, r.channel, float(r.discount), r.promo_id, r.name_zh, r.name_en)
                      for r in plan_frame.itertuples()))
    return Run(pd.read_parquet(folder / "keys.parquet"), pd.DatetimeIndex(arr["weeks"]),
               pd.DatetimeIndex(arr["future"]), arr["y"], arr["forecast"], arr["lgbm"], arr["price"],
               arr["discount"], arr["list_price"], arr["unit_cost"], arr["cutoffs"], arr["windows"], plan,
               json.loads((folder / "meta.json").read_text()), folder)


class RunCache:
    """The current run, loaded once per process and reloaded when a refresh replaces the pointer."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._run: Run | None = None
        self._lock = threading.Lock()

    def get(self) -> Run:
        folder = current_folder(self.data_dir)
        with self._lock:
            if self._run is None or self._run.folder != folder:
                self._run = load(self.data_dir, folder)
            return self._run
