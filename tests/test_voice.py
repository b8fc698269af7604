"""Voice requests without the real speech model: audio checks, number clean-up, the service and /v1/voice."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest
from fastapi import FastAPI, Form, UploadFile  # module level: FastAPI resolves the stand-in's annotations here
from fastapi.testclient import TestClient

from agent.service import CopilotService
from copilot.errors import ConfigError
from copilot.settings import Settings
from copilot.speech import models
from copilot.speech.audio import SAMPLE_RATE, AudioRejected, load_audio
from copilot.speech.postprocess import normalise_numbers
from copilot.speech.transcriber import Prompts, Transcript, WhisperTranscriber
from integrations.http import create_app
from tests.fakes import ScriptedChatModel, tool_call

LIMITS = {"max_seconds": 120.0, "max_bytes": 25_000_000}
VOICE_DIR = Path(__file__).resolve().parents[1] / "evals" / "data" / "voice"


def wav(seconds: float, rate: int = SAMPLE_RATE, *, loud: bool = True, width: int = 2) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    signal = 0.3 * np.sin(2 * np.pi * 220 * t) if loud else np.zeros_like(t)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(width)
        out.setframerate(rate)
        if width == 1:
            out.writeframes(((signal + 1) * 127.5).astype(np.uint8).tobytes())
        else:
            out.writeframes((signal * 32767).astype("<i2").tobytes())
    return buf.getvalue()


class FakeTranscriber:
    def __init__(self, text: str, language: str = "zh") -> None:
        self.text, self.language, self.calls = text, language, 0

    def transcribe(self, samples: np.ndarray, prompts: Prompts | None = None) -> Transcript:
        self.calls += 1
        assert prompts and "华东" in prompts["zh"] and "East China" in prompts["en"]  # the domain prompt arrives
        return Transcript(self.text, self.language, len(samples) / SAMPLE_RATE, 0.1)


def test_wav_is_decoded_to_16k_mono() -> None:
    samples = load_audio(wav(2.0, rate=44_100), "note.wav", "audio/wav", **LIMITS)
    assert samples.dtype == np.float32 and abs(len(samples) - 2 * SAMPLE_RATE) < 200


def test_the_shipped_eval_clips_decode() -> None:
    clip = VOICE_DIR / "en01-clean.ogg"
    samples = load_audio(clip.read_bytes(), clip.name, "audio/ogg", **LIMITS)
    assert 4.0 < len(samples) / SAMPLE_RATE < 6.0


@pytest.mark.parametrize(("data", "name", "ctype", "words"), [
    (b"hello", "notes.txt", "text/plain", "not audio"),
    (b"", "empty.wav", "audio/wav", "empty"),
    (b"OggS" + bytes(2000), "broken.ogg", "audio/ogg", "could not decode"),
    (wav(2.0, loud=False), "quiet.wav", "audio/wav", "any speech"),
    (wav(20 * 60, rate=8000, width=1), "meeting.wav", "audio/wav", "20.0 minutes"),
])
def test_bad_audio_is_refused_with_a_clear_message(data: bytes, name: str, ctype: str, words: str) -> None:
    with pytest.raises(AudioRejected) as caught:
        load_audio(data, name, ctype, **LIMITS)
    assert words in caught.value.en and caught.value.status_code == 400


def test_oversized_upload_is_refused_before_decoding() -> None:
    with pytest.raises(AudioRejected, match="too large"):
        load_audio(wav(3.0), "x.wav", "audio/wav", max_seconds=120, max_bytes=10_000)


@pytest.mark.parametrize(("heard", "clean"), [
    ("投入八十万，每年节省三十万，三年", "投入800000，每年节省300000，3年"),
    ("请供应链确认X两百库存，四十八小时内反馈", "请供应链确认X200库存，48小时内反馈"),
    ("百分之二十的折扣", "20%的折扣"),
    ("二零二六年十月华东区的销售额", "2026年10月华东区的销售额"),
    ("帮我查一下第一季度的预测，给美的做一份方案", "帮我查一下第一季度的预测，给美的做一份方案"),
    ("万一客户统一要求打七折", "万一客户统一要求打7折"),
])
def test_numbers_are_normalised_but_words_are_not(heard: str, clean: str) -> None:
    assert normalise_numbers(heard) == clean


def test_language_detection_is_limited_to_the_configured_languages() -> None:
    class Model:
        def detect_language(self, samples: np.ndarray, vad_filter: bool) -> tuple[str, float, list[tuple[str, float]]]:
            return "ja", 0.6, [("ja", 0.6), ("zh", 0.3), ("en", 0.1)]

    whisper = WhisperTranscriber("unused", languages=("zh", "en"))
    assert whisper._language(Model(), np.zeros(10, dtype=np.float32)) == "zh"


def test_a_tampered_model_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "BASE_SHA256", "0" * 64)
    with pytest.raises(ConfigError, match="sha256"):
        models.model_dir("base", tmp_path)
    assert not list((tmp_path / "whisper-base").glob("model.bin*"))


@pytest.fixture
def voice_service(settings: Settings, fake_model: ScriptedChatModel) -> tuple[CopilotService, FakeTranscriber]:
    fake = FakeTranscriber("二零二六年十月华东区的销售额是多少")
    return CopilotService(settings, model=fake_model, transcriber=fake), fake


def test_voice_turn_goes_through_the_agent(voice_service: tuple[CopilotService, FakeTranscriber],
                                           fake_model: ScriptedChatModel) -> None:
    service, fake = voice_service
    fake_model.script = [tool_call("analytics_query", period="2026年10月")]
    reply = service.ask_voice("demo.manager", wav(2.0), "note.m4a", "audio/mp4")
    assert reply.transcript == "2026年10月华东区的销售额是多少"  # numbers cleaned before the agent saw them
    assert reply.reply.startswith("🎙 我听到：“2026年10月华东区的销售额是多少”\n\n华东 · 2026-10 销售额：¥")
    assert [c.name for c in reply.tool_calls] == ["analytics_query"]
    assert "2026年10月" in str(fake_model.prompts[0][-1].content)
    assert fake.calls == 1


def test_voice_endpoint(settings: Settings, voice_service: tuple[CopilotService, FakeTranscriber],
                        fake_model: ScriptedChatModel) -> None:
    service, fake = voice_service
    client = TestClient(create_app(settings, service), raise_server_exceptions=False)
    fake_model.script = [tool_call("analytics_query", period="2026年10月")]
    ok = client.post("/v1/voice", data={"user_id": "demo.manager"},
                     files={"file": ("note.wav", wav(2.0), "audio/wav")})
    assert ok.status_code == 200 and ok.json()["transcript"].startswith("2026年10月")
    bad_type = client.post("/v1/voice", data={"user_id": "demo.manager"},
                           files={"file": ("notes.pdf", b"%PDF-1.4", "application/pdf")})
    assert bad_type.status_code == 400 and "not audio" in bad_type.json()["error"]
    corrupt = client.post("/v1/voice", data={"user_id": "demo.manager"}, headers={"accept-language": "zh-CN"},
                          files={"file": ("n.ogg", b"OggS" + bytes(500), "audio/ogg")})
    assert corrupt.status_code == 400 and "无法解码" in corrupt.json()["error"]
    unknown = client.post("/v1/voice", data={"user_id": "nobody"}, files={"file": ("n.wav", wav(2.0), "audio/wav")})
    assert unknown.status_code == 403
    assert fake.calls == 1  # refused requests never reached the model
    fake_model.script = [tool_call("analytics_query", period="2026年10月")]
    again = client.post("/v1/voice", data={"user_id": "demo.manager"},
                        files={"file": ("note.wav", wav(2.0), "audio/wav")})
    assert again.status_code == 200  # still serving after the bad ones


def encoded(fmt: str, codec: str, seconds: float = 2.0, rate: int = 48_000) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(int(seconds * rate)) / rate)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "codec", "name", "ctype"), [
    ("mp4", "aac", "voice.m4a", "audio/mp4"),
    ("ogg", "libopus", "voice.opus", "audio/ogg"),
    ("webm", "libopus", "voice.webm", "audio/webm"),
    ("mp3", "libmp3lame", "voice.mp3", "audio/mpeg"),
    ("flac", "flac", "voice.flac", "audio/flac"),
])
def test_common_voice_note_formats_decode(fmt: str, codec: str, name: str, ctype: str) -> None:
    samples = load_audio(encoded(fmt, codec), name, ctype, **LIMITS)
    assert abs(len(samples) / SAMPLE_RATE - 2.0) < 0.1


def test_hosted_transcription_endpoint(settings: Settings) -> None:
    """COPILOT_STT_PROVIDER=openai against a local stand-in of /v1/audio/transcriptions (real openai client)."""
    import socket
    import threading
    import time

    import uvicorn

    from copilot.settings import load_settings
    from copilot.speech.transcriber import build_transcriber

    got: dict[str, object] = {}
    app = FastAPI()

    @app.post("/v1/audio/transcriptions")
    async def transcriptions(file: UploadFile, model: str = Form(...), prompt: str = Form("")) -> dict[str, str]:
        got.update(model=model, prompt=prompt, size=len(await file.read()), name=file.filename)
        return {"text": "What was revenue in South China last month?"}

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    try:
        hosted = build_transcriber(load_settings(data_dir=settings.data_dir, stt_provider="openai",
                                                 stt_base_url=f"http://127.0.0.1:{port}/v1", stt_languages="en"))
        result = hosted.transcribe(load_audio(wav(2.0), "a.wav", "audio/wav", **LIMITS), {"en": "Sales copilot."})
    finally:
        server.should_exit = True
    assert result.text == "What was revenue in South China last month?" and result.language == "en"
    assert got["model"] == "whisper-1" and got["prompt"] == "Sales copilot." and got["name"] == "voice.wav"
    assert int(got["size"]) > 2 * SAMPLE_RATE * 2  # type: ignore[call-overload]  # 16-bit PCM of 2 s
