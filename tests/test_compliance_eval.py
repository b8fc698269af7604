"""The compliance eval: thresholds on the labelled sets, and `copilot eval` exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from copilot.cli import app
from evals.compliance import DEV, DEV_B, failures, load_snippets, run
from tools.compliance.packs import load_checker


@pytest.mark.parametrize("path", [DEV, DEV_B], ids=["dev", "dev-b"])
def test_tuning_sets_meet_the_thresholds(path: Path) -> None:
    """A regression guard on the sets the packs were tuned with (the test set is scored by `copilot eval`)."""
    snippets = load_snippets(path)
    assert len(snippets) >= (300 if path == DEV else 200)
    metrics = run(load_checker(None), snippets).metrics()
    assert failures(metrics) == []


def test_a_malformed_label_is_an_error_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x1", "text": "我们最好", "labels": [{"kind": "absolute_term", "span": "最佳"}]})
                   + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1 \\(x1\\)"):
        load_snippets(bad)


def test_copilot_eval_exits_non_zero_under_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path))
    # A positive the packs cannot know about: recall 0 for absolute terms.
    data = tmp_path / "hard.jsonl"
    data.write_text(json.dumps({"id": "h1", "lang": "zh", "text": "本品效果天下无双",
                                "labels": [{"kind": "absolute_term", "span": "天下无双"}]}, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "compliance", "--data", str(data)])
    assert result.exit_code == 1 and "absolute_term recall" in result.output
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "g1", "lang": "zh", "text": "我们是全国第一的品牌",
                                "labels": [{"kind": "absolute_term", "span": "全国第一"}]}, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "compliance", "--data", str(good)])
    assert result.exit_code == 0, result.output
