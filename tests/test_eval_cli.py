"""`copilot eval`: every suite writes a JSON report on request; `all` runs each suite and sums up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from copilot import eval_runner
from copilot.cli import app


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path))


def test_unknown_suite_lists_the_suites() -> None:
    result = CliRunner().invoke(app, ["eval", "nonsense"])
    assert result.exit_code == 2 and "forecast, injection, all" in result.output


def test_compliance_report_is_json_with_scores_and_misses(tmp_path: Path) -> None:
    data = tmp_path / "set.jsonl"
    data.write_text(json.dumps({"id": "g1", "lang": "zh", "text": "我们是全国第一的品牌",
                                "labels": [{"kind": "absolute_term", "span": "全国第一"}]}, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    report = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["eval", "compliance", "--data", str(data), "--report", str(report)])
    assert result.exit_code == 0, result.output
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["sets"]["file"]["metrics"]["absolute_term recall"] == 1.0 and written["sets"]["file"]["misses"] == []


def test_all_runs_every_suite_and_fails_when_one_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Any]] = []

    def fake(name: str, *_a: Any, report: Path | None = None, **_k: Any) -> bool:
        calls.append((name, report))
        return name != "voice"

    monkeypatch.setattr(eval_runner, "run_suite", fake)
    result = CliRunner().invoke(app, ["eval", "all", "--report", str(tmp_path / "reports")])
    assert result.exit_code == 1
    assert [c[0] for c in calls] == list(eval_runner.SUITES)
    assert calls[0][1] == tmp_path / "reports" / "compliance.json" and (tmp_path / "reports").is_dir()
    assert "under threshold" in result.output and "copilot eval all" in result.output


def test_provider_options_pick_the_llm_under_test(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    monkeypatch.setattr(eval_runner, "run_suite", lambda name, settings, *a, **k: seen.append(settings) or True)
    monkeypatch.setenv("DEEPSEEK_KEY", "sk-test-123")
    result = CliRunner().invoke(app, ["eval", "routing", "--base-url", "https://api.deepseek.com/v1", "--model",
                                      "deepseek-chat", "--api-key-env", "DEEPSEEK_KEY"])
    assert result.exit_code == 0, result.output
    chosen = seen[0]
    assert chosen.provider == "openai" and chosen.model == "deepseek-chat"
    assert str(chosen.base_url).startswith("https://api.deepseek.com/v1")
    assert chosen.api_key.get_secret_value() == "sk-test-123"
    # An incomplete choice is refused with the setting it lacks, before anything runs.
    result = CliRunner().invoke(app, ["eval", "routing", "--provider", "openai"])
    assert result.exit_code == 2 and "COPILOT_BASE_URL" in result.output and len(seen) == 1
