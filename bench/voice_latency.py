"""Speech-to-text speed: real-time factor of the bundled Whisper models on a ~10 s clip (two shipped eval clips
joined), median of 5 runs each, and the share of it spent on language detection.

    python bench/voice_latency.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copilot.settings import load_settings
from copilot.speech.audio import SAMPLE_RATE, load_audio
from copilot.speech.transcriber import build_transcriber
from evals.voice import DATA


def clip() -> np.ndarray:
    parts = [load_audio((DATA / f).read_bytes(), f, "audio/ogg", max_seconds=120, max_bytes=25_000_000)
             for f in ("en01-clean.ogg", "en13-clean.ogg")]
    return np.concatenate([parts[0], np.zeros(SAMPLE_RATE // 2, dtype=np.float32), parts[1]])


def main() -> None:
    audio = clip()
    seconds = len(audio) / SAMPLE_RATE
    for model, languages in (("base", "zh,en"), ("base", "en"), ("tiny.en", "en")):
        whisper = build_transcriber(load_settings(stt_model=model, stt_languages=languages))
        whisper.transcribe(audio)  # load + warm
        times = []
        for _ in range(5):
            started = time.perf_counter()
            whisper.transcribe(audio)
            times.append(time.perf_counter() - started)
        med = statistics.median(times)
        print(f"whisper {model:<7} languages={languages:<6} {seconds:.1f}s clip: median {med:.2f}s, "
              f"real-time factor {med / seconds:.2f} (target <= 0.5)")


if __name__ == "__main__":
    main()
