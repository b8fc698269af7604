"""The bundled Whisper base model on the shipped synthetic clips (slow: marked `model`, run in CI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copilot.settings import Settings, load_settings
from copilot.speech.audio import load_audio
from copilot.speech.transcriber import build_transcriber
from evals.voice import DATA, error_rate

pytestmark = pytest.mark.model
ROWS = {r["id"]: r for r in map(json.loads, (DATA / "manifest.jsonl").read_text(encoding="utf-8").splitlines())}


@pytest.fixture(scope="module")
def whisper(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    settings = load_settings(cache_dir=Path.home() / ".cache" / "copilot", data_dir=tmp_path_factory.mktemp("v"))
    return build_transcriber(settings)


def heard(whisper, clip: str):  # type: ignore[no-untyped-def]
    row = ROWS[clip]
    samples = load_audio((DATA / row["file"]).read_bytes(), row["file"], "audio/ogg", max_seconds=120,
                         max_bytes=25_000_000)
    return row, whisper.transcribe(samples)


@pytest.mark.parametrize("clip", ["en01-clean", "en07-clean", "en13-clean", "en06-slow"])
def test_english_clips_are_transcribed(whisper, clip: str) -> None:  # type: ignore[no-untyped-def]
    row, got = heard(whisper, clip)
    assert got.language == "en"
    assert error_rate(row["text"], got.text, "en") <= 0.25, got.text


def test_mandarin_is_detected_as_chinese(whisper) -> None:  # type: ignore[no-untyped-def]
    _, got = heard(whisper, "zh06-clean")
    assert got.language == "zh" and any("\u4e00" <= ch <= "\u9fff" for ch in got.text), got.text


def test_voice_request_reaches_the_right_tool(settings: Settings) -> None:
    from agent.service import CopilotService

    real = CopilotService(load_settings(data_dir=settings.data_dir, today=settings.today))
    row = ROWS["en01-clean"]
    reply = real.ask_voice("demo.director", (DATA / row["file"]).read_bytes(), row["file"], "audio/ogg")
    assert reply.transcript and reply.reply.startswith("🎙 I heard:")
    assert [c.name for c in reply.tool_calls] == ["sales_summary"], reply
