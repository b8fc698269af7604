"""The forecasting engine: base forecasts for every node of the SKU/category x region x channel hierarchy, combined
and reconciled so that children add up to parents.

Models (chosen on a rolling-origin backtest, see `copilot forecast backtest`):
- LightGBM, one global model over all series (mlforecast): lags 1-4 and 52, the week's promotion depth, calendar
  features (holidays, weeks to Chinese New Year, 618, 11.11, 12.12), per-series standardisation;
- Theta with a 52-week season (statsforecast) and seasonal naive (same week last year).
The forecast is their equal-weight mean (combinations are robust where single models are brittle), reconciled
with MinTrace (structural weights, hierarchicalforecast); negative bottom values are set to 0 and parents are the
sums of their children, so every slice is coherent by construction.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tools.forecast.panel import KEYS, SEASON, Panel

log = logging.getLogger(__name__)

MODELS = ("lgbm", "theta", "snaive")
BASELINES = ("snaive", "autotheta", "autoets")
LAGS = (1, 2, 3, 4, SEASON)
# Hierarchy levels (besides the bottom SKU x region x channel); a level whose dimensions never vary is skipped.
LEVELS: tuple[tuple[str, ...], ...] = (
    (), ("region",), ("channel",), ("category",), ("region", "channel"), ("category", "region", "channel"),
    ("sku",),
)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Hierarchy:
    ids: list[str]  # node ids, aggregates first, then the bottom series in panel order
    s: np.ndarray  # (nodes, n_bottom) summing matrix
    tags: dict[str, np.ndarray]


def hierarchy(keys: pd.DataFrame) -> Hierarchy:
    """Summing matrix over the levels that exist in this data (one region only: no region level)."""
    varying = {k for k in KEYS if keys[k].nunique() > 1}
    if keys["category"].nunique() >= keys["sku"].nunique():
        varying.discard("category")  # one SKU per category: the category level repeats the SKU level
    ids: list[str] = []
    rows: list[np.ndarray] = []
    tags: dict[str, np.ndarray] = {}
    for level in LEVELS:
        if any(d not in varying for d in level) or (level and len(level) == len(varying)):
            continue
        groups = keys[list(level)].astype(str).agg("/".join, axis=1) if level else pd.Series("", index=keys.index)
        names = sorted(groups.unique())
        node = ["total" + "".join(f"/{d}={v}" for d, v in zip(level, g.split("/"), strict=False)) if level
                else "total" for g in names]
        tags["/".join(level) or "total"] = np.array(node)
        for g, name in zip(names, node, strict=True):
            ids.append(name)
            rows.append((groups == g).to_numpy(float))
    tags["bottom"] = keys["uid"].to_numpy()
    ids += list(keys["uid"])
    s = np.vstack([*rows, np.eye(len(keys))]) if rows else np.eye(len(keys))
    return Hierarchy(ids, s, tags)


def _node_features(panel: Panel, hier: Hierarchy) -> dict[str, np.ndarray]:
    """(nodes, T + H) features: bottom values, aggregates as volume-weighted means of their children."""
    weight = panel.y.mean(axis=1) + 1e-9
    out = {}
    for name, values in {"discount": panel.discount, **panel.exog}.items():
        out[name] = (hier.s @ (values * weight[:, None])) / (hier.s @ weight)[:, None]
    return out


def long_frames(panel: Panel, hier: Hierarchy) -> tuple[pd.DataFrame, pd.DataFrame]:
    """mlforecast/statsforecast frames: history with features, and the future features."""
    t, h = len(panel.weeks), panel.horizon
    y = hier.s @ panel.y
    feats = _node_features(panel, hier)
    ds = pd.DatetimeIndex([*panel.weeks, *panel.future])
    n = len(hier.ids)
    base = {"unique_id": np.repeat(hier.ids, t + h), "ds": np.tile(ds.values, n)}
    cols = {k: v.ravel() for k, v in feats.items()}
    cal = {c: np.tile(panel.calendar[c].to_numpy(float), n) for c in panel.calendar.columns}
    frame = pd.DataFrame({**base, **cols, **cal})
    is_hist = np.tile(np.arange(t + h) < t, n)
    train = frame[is_hist].copy()
    train.insert(2, "y", y.ravel())
    return train.reset_index(drop=True), frame[~is_hist].reset_index(drop=True)


def lgbm_model(n_jobs: int = 2) -> object:
    import lightgbm as lgb  # heavy import, only when forecasting

    return lgb.LGBMRegressor(n_estimators=150, learning_rate=0.08, num_leaves=31, min_child_samples=20,
                             subsample=0.9, subsample_freq=1, colsample_bytree=0.9, verbosity=-1,
                             n_jobs=n_jobs, random_state=7)


def fit_lgbm(train: pd.DataFrame, n_jobs: int = 2) -> object:
    from mlforecast import MLForecast
    from mlforecast.target_transforms import LocalStandardScaler

    mlf = MLForecast(models={"lgbm": lgbm_model(n_jobs)}, freq="7D", lags=list(LAGS),
                     target_transforms=[LocalStandardScaler()])
    # NaN lags (the first year) are kept: LightGBM handles them, and short histories keep their rows.
    mlf.fit(train, static_features=[], dropna=False)
    return mlf


def predict_lgbm(mlf: object, future: pd.DataFrame, h: int, ids: Sequence[str] | None = None) -> pd.DataFrame:
    x = future if ids is None else future[future["unique_id"].isin(set(ids))]
    return mlf.predict(h, X_df=x, ids=list(ids) if ids is not None else None)  # type: ignore[attr-defined]


def stats_forecasts(train: pd.DataFrame, h: int, models: Sequence[str], n_jobs: int = 2) -> pd.DataFrame:
    """statsforecast models by name: theta, autotheta, autoets (seasonal only where the season allows), snaive."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, AutoTheta, SeasonalNaive, Theta

    makers = {
        "snaive": lambda: SeasonalNaive(season_length=SEASON, alias="snaive"),
        "theta": lambda: Theta(season_length=SEASON, alias="theta"),
        "autotheta": lambda: AutoTheta(season_length=SEASON, alias="autotheta"),
        # ETS seasonality is limited to short seasons (<= 24); weekly data gets the non-seasonal ETS.
        "autoets": lambda: AutoETS(season_length=1, alias="autoets"),
    }
    sf = StatsForecast(models=[makers[m]() for m in models], freq="7D", n_jobs=n_jobs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sf.forecast(df=train[["unique_id", "ds", "y"]], h=h)


@dataclass
class Forecast:
    """One run at one origin: reconciled bottom forecasts and what the what-if needs."""

    bottom: np.ndarray  # (n_bottom, H) reconciled combined forecast of units, >= 0
    models: dict[str, np.ndarray]  # (n_bottom, H) each model's bottom forecast before reconciliation
    nodes: pd.DataFrame  # every node's reconciled forecast (unique_id, ds, value): coherence checks
    lgbm: object | None = None  # the fitted global model (what-if re-prediction)
    future_x: pd.DataFrame | None = None  # its future features


def run(panel: Panel, models: Sequence[str] = MODELS, *, n_jobs: int = 2, keep_model: bool = False,
        progress: Progress | None = None) -> Forecast:
    """Fit every model on the panel's history and forecast its horizon for all hierarchy nodes."""
    step = progress or (lambda _s: None)
    hier = hierarchy(panel.keys)
    train, future = long_frames(panel, hier)
    h = panel.horizon
    active = train.groupby("unique_id", sort=False)["y"].transform("max") > 0  # all-zero series: forecast 0
    train_active = train[active.to_numpy()]
    live = set(train_active["unique_id"])
    preds = pd.DataFrame({"unique_id": np.repeat(hier.ids, h), "ds": np.tile(panel.future.values, len(hier.ids))})
    mlf = None
    if "lgbm" in models:
        step("LightGBM")
        mlf = fit_lgbm(train_active, n_jobs)
        p = predict_lgbm(mlf, future[future["unique_id"].isin(live)], h)
        preds = preds.merge(p, on=["unique_id", "ds"], how="left")
    stats = [m for m in models if m != "lgbm"]
    if stats:
        step("statsforecast " + ", ".join(stats))
        preds = preds.merge(stats_forecasts(train_active, h, stats, n_jobs), on=["unique_id", "ds"], how="left")
    preds = preds.fillna(0.0)
    preds["combined"] = preds[list(models)].mean(axis=1)
    step("reconciliation")
    nodes = reconcile(preds[["unique_id", "ds", "combined"]], hier)
    index = {u: i for i, u in enumerate(hier.ids)}
    order = np.array([index[u] for u in nodes["unique_id"].unique()])
    values = nodes["value"].to_numpy().reshape(-1, h)
    full = np.empty_like(values)
    full[order] = values
    n_b = len(panel.keys)
    bottom = np.clip(full[-n_b:], 0.0, None)
    bottom[panel.y.max(axis=1) <= 0] = 0.0  # MinTrace spreads volume into cells that never sold; they stay at 0
    per_model = {}
    for m in models:
        mat = preds[m].to_numpy().reshape(len(hier.ids), h)  # preds rows follow hier.ids order
        per_model[m] = mat[-n_b:]
    return Forecast(bottom, per_model, nodes, mlf if keep_model else None, future if keep_model else None)


def reconcile(base: pd.DataFrame, hier: Hierarchy) -> pd.DataFrame:
    """MinTrace with structural weights (needs no in-sample residuals, so it is cheap and stable)."""
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import MinTrace

    bottom_ids = list(hier.tags["bottom"])
    s_df = pd.DataFrame(hier.s, columns=bottom_ids)
    s_df.insert(0, "unique_id", hier.ids)
    rec = HierarchicalReconciliation([MinTrace(method="wls_struct")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = rec.reconcile(Y_hat_df=base, S_df=s_df, tags=hier.tags)
    col = next(c for c in out.columns if c.startswith("combined/"))
    return out[["unique_id", "ds", col]].rename(columns={col: "value"})
