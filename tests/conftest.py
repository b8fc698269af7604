"""Shared fixtures: one demo company per test session, settings pointing at it, a service with a fake model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from agent.service import CopilotService
from copilot.demo import build_demo
from copilot.settings import Settings, load_settings
from tests.fakes import ScriptedChatModel

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo")
    build_demo(path)
    return path


@pytest.fixture
def settings(demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on the shared demo, with a private conversation memory per test."""
    monkeypatch.chdir(tmp_path)  # ignore any developer .env
    data = tmp_path / "data"
    data.mkdir()
    for name in ("warehouse.duckdb", "ops.sqlite"):
        (data / name).symlink_to(demo_dir / name)
    return load_settings(data_dir=data, today=TODAY)


@pytest.fixture
def fake_model() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
def service(settings: Settings, fake_model: ScriptedChatModel) -> Iterator[CopilotService]:
    yield CopilotService(settings, model=fake_model)
