"""The bundled Whisper base model on the shipped synthetic clips (slow: marked `model`, run in CI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copilot.settings import Settings, load_settings
from copilot.speech.audio import load_audio
from copilot.speech.postprocess import normalise_numbers
from evals.voice import DATA, error_rate

pytestmark = pytest.mark.model
ROWS = {r["id"]: r for r in map(json.loads, (DATA / "manifest.jsonl").read_text(encoding="utf-8").splitlines())}


@pytest.fixture(scope="module")
def whisper(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The transcriber with the service's domain prompts (names from the demo warehouse)."""
    from agent.service import CopilotService

    data = tmp_path_factory.mktemp("v")
    (data / "warehouse.duckdb").symlink_to(demo_dir / "warehouse.duckdb")
    (data / "ops.sqlite").symlink_to(demo_dir / "ops.sqlite")
    service = CopilotService(load_settings(data_dir=data))
    return service.transcriber(), service._speech_prompts()


def heard(whisper, clip: str):  # type: ignore[no-untyped-def]
    row = ROWS[clip]
    samples = load_audio((DATA / row["file"]).read_bytes(), row["file"], "audio/ogg", max_seconds=120,
                         max_bytes=25_000_000)
    transcriber, prompts = whisper
    return row, transcriber.transcribe(samples, prompts)


@pytest.mark.parametrize("clip", ["en01-clean", "en07-clean", "en13-clean", "en06-fast", "en04-phone"])
def test_english_clips_are_transcribed(whisper, clip: str) -> None:  # type: ignore[no-untyped-def]
    row, got = heard(whisper, clip)
    assert got.language == "en"
    assert error_rate(row["text"], got.text, "en") <= 0.25, got.text


def test_mandarin_is_detected_and_transcribed(whisper) -> None:  # type: ignore[no-untyped-def]
    # Most synthetic Mandarin clips are too robotic for Whisper base (see README); this one is clear enough.
    row, got = heard(whisper, "zh01-clean")
    assert got.language == "zh"
    assert error_rate(row["text"], normalise_numbers(got.text), "zh") <= 0.3, got.text


def test_voice_request_reaches_the_right_tool(settings: Settings) -> None:
    from agent.service import CopilotService

    real = CopilotService(load_settings(data_dir=settings.data_dir, today=settings.today))
    row = ROWS["en01-clean"]
    reply = real.ask_voice("demo.director", (DATA / row["file"]).read_bytes(), row["file"], "audio/ogg")
    assert reply.transcript and reply.reply.startswith("🎙 I heard:")
    assert [c.name for c in reply.tool_calls] == ["analytics_query"], reply
