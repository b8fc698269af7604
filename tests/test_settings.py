from __future__ import annotations

from pathlib import Path

import pytest

from copilot.errors import ConfigError
from copilot.settings import load_settings


def test_defaults_are_local_and_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.provider == "local" and s.tool_mode == "json_schema"
    assert s.host == "127.0.0.1" and s.port == 8000


def test_env_prefix_and_openai_provider(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_PROVIDER", "openai")
    monkeypatch.setenv("COPILOT_BASE_URL", "https://api.example.com/v1")
    monkeypatch.setenv("COPILOT_MODEL", "deepseek-chat")
    monkeypatch.setenv("COPILOT_API_KEY", "sk-secret")
    s = load_settings()
    assert s.tool_mode == "native" and s.model == "deepseek-chat"
    assert "sk-secret" not in repr(s)


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("COPILOT_MAX_STEPS=7\n")
    assert load_settings().max_steps == 7


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"COPILOT_PROVIDER": "openai"}, "COPILOT_BASE_URL and COPILOT_MODEL"),
        ({"COPILOT_PROVIDER": "claude"}, "COPILOT_PROVIDER"),
        ({"COPILOT_BASE_URL": "not a url"}, "COPILOT_BASE_URL"),
        ({"COPILOT_PORT": "70000"}, "COPILOT_PORT"),
        ({"COPILOT_MAX_STEPS": "0"}, "COPILOT_MAX_STEPS"),
        ({"COPILOT_MODEL_PATH": "/nonexistent.gguf"}, "COPILOT_MODEL_PATH"),
    ],
)
def test_invalid_settings_give_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               env: dict[str, str], expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert expected in info.value.en
    assert info.value.en.startswith("Invalid settings")
