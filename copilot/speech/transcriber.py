"""Speech to text: the bundled Whisper through faster-whisper (default) or a hosted OpenAI-compatible
`/audio/transcriptions` endpoint. Built once from settings in `build_transcriber`; nothing else knows which.

The local model loads lazily on first use and runs one clip at a time (it competes with the LLM for 2 cores).
Language detection is restricted to the configured languages (zh/en): Whisper's own guess over 99 languages
mislabels short accented clips. A domain prompt (regions, products, customers) biases the spelling of names.
"""

from __future__ import annotations

import io
import logging
import threading
import time
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from copilot.errors import ConfigError, CopilotError
from copilot.settings import Settings
from copilot.speech.audio import SAMPLE_RATE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    audio_seconds: float
    seconds: float  # processing time

    @property
    def rtf(self) -> float:
        return self.seconds / self.audio_seconds if self.audio_seconds else 0.0


# A domain prompt per language ("zh", "en"): names worth spelling right, in the language being transcribed.
Prompts = Mapping[str, str]


class Transcriber(Protocol):
    def transcribe(self, samples: np.ndarray, prompts: Prompts | None = None) -> Transcript: ...


class SpeechUnavailable(CopilotError):
    status_code = 503
    default_en = "Speech recognition is not available right now. Please type your request."
    default_zh = "语音识别暂不可用，请改用文字输入。"


class WhisperTranscriber:
    """faster-whisper on the CPU with a bundled or given CTranslate2 model folder."""

    def __init__(self, model_path: str, *, languages: tuple[str, ...], compute_type: str = "int8",
                 beam_size: int = 1, threads: int = 2) -> None:
        self._path = model_path
        self._languages = languages
        self._compute_type = compute_type
        self._beam_size = beam_size
        self._threads = threads
        self._model: object | None = None
        self._lock = threading.Lock()  # one clip at a time: the model is not the place for parallelism here

    def _load(self) -> object:
        if self._model is None:
            from faster_whisper import WhisperModel

            started = time.perf_counter()
            self._model = WhisperModel(self._path, device="cpu", compute_type=self._compute_type,
                                       cpu_threads=self._threads, num_workers=1)
            log.info("speech model loaded from %s in %.1fs", self._path, time.perf_counter() - started)
        return self._model

    def transcribe(self, samples: np.ndarray, prompts: Prompts | None = None) -> Transcript:
        with self._lock:
            model = self._load()
            started = time.perf_counter()
            language = self._language(model, samples)
            segments, info = model.transcribe(  # type: ignore[attr-defined]
                samples, language=language, beam_size=self._beam_size, vad_filter=True,
                vad_parameters={"min_silence_duration_ms": 500}, initial_prompt=(prompts or {}).get(language),
                condition_on_previous_text=False, without_timestamps=True)
            text = "".join(s.text for s in segments).strip()
            return Transcript(text=text, language=info.language, audio_seconds=len(samples) / SAMPLE_RATE,
                              seconds=time.perf_counter() - started)

    def _language(self, model: object, samples: np.ndarray) -> str:
        if len(self._languages) == 1:
            return self._languages[0]
        _, _, probs = model.detect_language(samples, vad_filter=True)  # type: ignore[attr-defined]
        allowed = [(lang, p) for lang, p in probs if lang in self._languages]
        return max(allowed, key=lambda lp: lp[1])[0] if allowed else self._languages[0]


class HostedTranscriber:
    """OpenAI-compatible `/audio/transcriptions` (OpenAI Whisper, Azure, a local whisper server ...)."""

    def __init__(self, settings: Settings) -> None:
        from openai import OpenAI

        base = str(settings.stt_base_url or settings.base_url or "") or None
        key = settings.stt_api_key or settings.api_key
        self._client = OpenAI(base_url=base, api_key=key.get_secret_value() if key else "none",
                              timeout=settings.llm_timeout_s, max_retries=settings.llm_max_retries)
        self._model = settings.stt_hosted_model
        self._languages = settings.stt_language_list

    def transcribe(self, samples: np.ndarray, prompts: Prompts | None = None) -> Transcript:
        started = time.perf_counter()
        language = self._languages[0] if len(self._languages) == 1 else None
        prompt = " ".join((prompts or {}).get(lang, "") for lang in self._languages).strip()
        try:
            create = self._client.audio.transcriptions.create
            if language:
                result = create(model=self._model, file=("voice.wav", to_wav(samples)), prompt=prompt or "",
                                language=language)
            else:
                result = create(model=self._model, file=("voice.wav", to_wav(samples)), prompt=prompt or "")
        except Exception as exc:
            raise SpeechUnavailable(detail=f"{type(exc).__name__}: {exc}") from exc
        text = str(getattr(result, "text", "")).strip()
        return Transcript(text=text, language=language or "", audio_seconds=len(samples) / SAMPLE_RATE,
                          seconds=time.perf_counter() - started)


def to_wav(samples: np.ndarray) -> bytes:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buf.getvalue()


def build_transcriber(settings: Settings) -> Transcriber:
    """The one place that knows which speech engine runs."""
    if settings.stt_provider == "openai":
        if settings.stt_base_url is None and settings.base_url is None:
            raise ConfigError(en="COPILOT_STT_PROVIDER=openai needs COPILOT_STT_BASE_URL (or COPILOT_BASE_URL).",
                              zh="COPILOT_STT_PROVIDER=openai 需要设置 COPILOT_STT_BASE_URL（或 COPILOT_BASE_URL）。")
        return HostedTranscriber(settings)
    if settings.stt_model_path is not None:
        path = settings.stt_model_path
    else:
        from copilot.speech.models import model_dir

        path = model_dir(settings.stt_model, settings.cache_dir)
    languages = ("en",) if settings.stt_model == "tiny.en" and settings.stt_model_path is None else \
        settings.stt_language_list
    return WhisperTranscriber(str(path), languages=languages, compute_type=settings.stt_compute_type,
                              beam_size=settings.stt_beam_size, threads=settings.stt_threads)
