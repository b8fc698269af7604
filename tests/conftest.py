"""Shared fixtures: one demo company per test session, settings pointing at it, a service with a fake model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from agent.service import CopilotService
from copilot.demo import build_demo
from copilot.settings import Settings, load_settings
from knowledge.search import KnowledgeBase
from tests.fakes import FakeEmbedder, ScriptedChatModel, link_demo

# Every log record of the session is scanned for personal data and secrets at the end (tests/logscan.py).
pytest_plugins = ["tests.logscan"]

TODAY = date(2026, 11, 23)
FORECAST_SKUS = ("SH-101", "SH-102", "BW-201", "X200")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo")
    build_demo(path)
    return path


@pytest.fixture(scope="session")
def forecast_dir(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stored forecast run of the demo warehouse for four SKUs (the whole refresh takes ~10 s)."""
    import duckdb

    from tools.forecast import store
    from tools.forecast.panel import build_panel
    from tools.forecast.source import from_warehouse

    with duckdb.connect(str(demo_dir / "warehouse.duckdb"), read_only=True) as conn:
        hist = from_warehouse(conn)
    rows = hist.rows[hist.rows["sku"].isin(FORECAST_SKUS)]
    panel = build_panel(rows, 39, plan=hist.plan, list_price=hist.list_price, unit_cost=hist.unit_cost)
    folder = tmp_path_factory.mktemp("forecast-data")
    store.refresh(panel, folder, windows=4, spacing=6, source="warehouse")
    return folder


@pytest.fixture(scope="session")
def demo_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The demo knowledge base (68 documents, 12 restricted) with the fake embedder, ingested once per session."""
    from knowledge.factory import DEMO_CORPUS
    from knowledge.ingest import ingest
    from knowledge.store import ChunkStore

    embedder = FakeEmbedder()
    kb = KnowledgeBase(ChunkStore(path=tmp_path_factory.mktemp("demo_kb") / "kb", embedder_name=embedder.name),
                       embedder)
    report = ingest([DEMO_CORPUS], kb.store, kb.embedder)
    assert len(report.added) >= 60 and not report.skipped
    return kb


@pytest.fixture
def settings(demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on the shared demo, with a private conversation memory per test."""
    monkeypatch.chdir(tmp_path)  # ignore any developer .env
    data = link_demo(tmp_path / "data", demo_dir)
    # charts in-process (no worker per app); no intent index (the scripted model decides; tests that want it opt in);
    # the HTTP API trusts user_id (loopback): API tokens have their own tests (test_api_auth.py) with the default on
    return load_settings(data_dir=data, today=TODAY, chart_processes=0, intent_fallback=False, api_auth="off",
                         compliance_model=False)


@pytest.fixture
def fake_model() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
def service(settings: Settings, fake_model: ScriptedChatModel) -> Iterator[CopilotService]:
    yield CopilotService(settings, model=fake_model)
