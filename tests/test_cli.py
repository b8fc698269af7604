"""The console command, with the LLM factory swapped for a scripted model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage
from typer.testing import CliRunner

from copilot.cli import app
from copilot.settings import Settings
from tests.fakes import ScriptedChatModel, tool_call

runner = CliRunner()


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> ScriptedChatModel:
    monkeypatch.setenv("COPILOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("COPILOT_TODAY", "2026-11-23")
    model = ScriptedChatModel()
    monkeypatch.setattr("copilot.llm.factory.build_chat_model", lambda s: model)
    return model


def test_ask_json_prints_the_reply_object(env: ScriptedChatModel) -> None:
    env.script = [tool_call("analytics_query", period="Q3 2026", by=["channel"])]
    result = runner.invoke(app, ["ask", "Q3 2026 revenue by channel", "--user", "demo.director", "--json"])
    assert result.exit_code == 0, result.output
    reply = json.loads(result.stdout)
    assert reply["language"] == "en" and reply["tool_calls"][0]["ok"]
    assert reply["reply"].startswith("All regions · 2026-Q3 revenue: ¥")


def test_ask_plain_text_and_default_user(env: ScriptedChatModel) -> None:
    env.script = [AIMessage(content="你好！我是销售助手。")]
    result = runner.invoke(app, ["ask", "你好"])
    assert result.exit_code == 0 and "我是销售助手" in result.stdout


def test_ask_errors_are_messages_not_tracebacks(env: ScriptedChatModel) -> None:
    result = runner.invoke(app, ["ask", "hello", "--user", "ghost"])
    assert result.exit_code == 2 and "ghost" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["ask", "  "])
    assert result.exit_code == 2 and "Please type a question" in result.output


def test_invalid_settings_exit_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_PROVIDER", "openai")
    result = runner.invoke(app, ["ask", "hi"])
    assert result.exit_code == 2 and "COPILOT_BASE_URL" in result.output


def test_demo_builds_and_users_lists(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "d"))
    result = runner.invoke(app, ["demo", "--no-model", "--no-forecast"])
    assert result.exit_code == 0, result.output
    assert "7 regions" in result.stdout and (tmp_path / "d" / "warehouse.duckdb").exists()
    listed = runner.invoke(app, ["users"])
    assert "demo.director" in listed.stdout and "manager" in listed.stdout


def test_not_set_up_yet_says_run_demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "empty"))
    result = runner.invoke(app, ["ask", "hi"])
    assert result.exit_code == 1 and "copilot demo" in result.output


def test_chat_keeps_one_conversation(env: ScriptedChatModel) -> None:
    env.script = [AIMessage(content="Hello Li Na."), AIMessage(content="You are Li Na.")]
    result = runner.invoke(app, ["chat", "--user", "demo.manager"], input="I'm Li Na\nwho am I?\n\n")
    assert result.exit_code == 0, result.output
    assert "Hello Li Na." in result.stdout and "You are Li Na." in result.stdout
    assert any("I'm Li Na" in str(m.content) for m in env.prompts[1])  # the second turn saw the first


def test_link_maps_chat_accounts_to_a_directory_user(demo_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from copilot.directory import Directory

    data = tmp_path / "own"
    data.mkdir()
    shutil.copy(demo_dir / "ops.sqlite", data / "ops.sqlite")  # a private copy: this test writes to it
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(data))
    result = runner.invoke(app, ["link", "demo.manager", "--slack", "U0NEWMGR", "--dingtalk", "DT9999"])
    assert result.exit_code == 0 and "U0NEWMGR" in result.stdout and "DT9999" in result.stdout
    assert Directory(data / "ops.sqlite").get("U0NEWMGR").user_id == "demo.manager"
    # An account already linked to someone else is refused, not moved.
    taken = runner.invoke(app, ["link", "demo.director", "--slack", "U0NEWMGR"])
    assert taken.exit_code != 0 and "demo.manager" in taken.output
    assert Directory(data / "ops.sqlite").get("U0NEWMGR").user_id == "demo.manager"
    assert runner.invoke(app, ["link", "nobody.here", "--slack", "U1"]).exit_code != 0
    assert runner.invoke(app, ["link", "demo.manager"]).exit_code == 2


def test_socket_modes_say_which_settings_they_need(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr("agent.service.CopilotService.start", lambda self: None)
    slack = runner.invoke(app, ["slack", "socket"])
    assert slack.exit_code == 2 and "COPILOT_SLACK_APP_TOKEN" in slack.output
    ding = runner.invoke(app, ["dingtalk", "stream"])
    assert ding.exit_code == 2 and "COPILOT_DINGTALK_APP_SECRET" in ding.output
