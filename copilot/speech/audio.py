"""Audio in: type, size and length checked before any model work, decoded to 16 kHz mono with PyAV.

PyAV (the decoder faster-whisper uses, ffmpeg built in, no system binary) reads wav, mp3, m4a/aac, ogg (opus and
vorbis), webm and flac (each tested); its build has AMR-NB/WB decoders too, untested here for want of an encoder to
make a sample. Anything else is refused with a clear message.
"""

from __future__ import annotations

import io
from pathlib import PurePath

import numpy as np

from copilot.errors import BadRequest

SAMPLE_RATE = 16_000
SUPPORTED = (".wav", ".mp3", ".m4a", ".aac", ".mp4", ".ogg", ".oga", ".opus", ".webm", ".flac", ".amr")
_TYPES = ("audio/", "video/mp4", "video/webm", "application/ogg", "application/octet-stream")
# Below this RMS (about -50 dBFS) a clip is treated as silence: nothing worth sending to the model.
SILENCE_RMS = 0.003


class AudioRejected(BadRequest):
    """Audio the copilot will not transcribe (wrong type, too big or long, unreadable, silent)."""


def load_audio(data: bytes, filename: str, content_type: str | None, *, max_seconds: float,
               max_bytes: int) -> np.ndarray:
    """Validated samples (float32, 16 kHz mono) or AudioRejected with a message for the user."""
    ext = PurePath(filename or "").suffix.lower()
    if (content_type and not content_type.lower().startswith(_TYPES)) or (ext and ext not in SUPPORTED):
        raise AudioRejected(
            en=f"That file is not audio I can read ({content_type or ext}). Send wav, mp3, m4a, ogg/opus, webm, "
               "flac or amr.", zh=f"无法识别该文件类型（{content_type or ext}），请发送 wav、mp3、m4a、ogg/opus、webm、"
                                  "flac 或 amr 音频。")
    if not data:
        raise AudioRejected(en="The audio file is empty.", zh="音频文件为空。")
    if len(data) > max_bytes:
        raise AudioRejected(en=f"The audio file is too large ({len(data) / 1e6:.1f} MB; the limit is "
                               f"{max_bytes / 1e6:.0f} MB).",
                            zh=f"音频文件过大（{len(data) / 1e6:.1f} MB，上限 {max_bytes / 1e6:.0f} MB）。")
    _check_length(data, max_seconds)
    samples = _decode(data)
    seconds = len(samples) / SAMPLE_RATE
    if seconds > max_seconds:  # containers without a duration header are measured after decoding
        raise _too_long(seconds, max_seconds)
    if seconds < 0.3 or float(np.sqrt(np.mean(np.square(samples)))) < SILENCE_RMS:
        raise AudioRejected(en="I could not hear any speech in that recording.", zh="录音中没有听到说话内容。")
    return samples


def _check_length(data: bytes, max_seconds: float) -> None:
    import av

    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            duration = container.duration
    except Exception as exc:
        raise _unreadable(exc) from None
    if duration is not None and duration / 1_000_000 > max_seconds:
        raise _too_long(duration / 1_000_000, max_seconds)


def _decode(data: bytes) -> np.ndarray:
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE)
    except Exception as exc:
        raise _unreadable(exc) from None
    return np.asarray(samples, dtype=np.float32)


def _unreadable(exc: Exception) -> AudioRejected:
    return AudioRejected(en="I could not decode that audio file; it may be damaged or in an unsupported format.",
                         zh="无法解码该音频文件，可能已损坏或格式不受支持。", detail=f"{type(exc).__name__}: {exc}")


def _too_long(seconds: float, limit: float) -> AudioRejected:
    return AudioRejected(en=f"That recording is {seconds / 60:.1f} minutes long; voice requests may last at most "
                            f"{limit:.0f} seconds.",
                         zh=f"录音时长 {seconds / 60:.1f} 分钟，语音请求最长 {limit:.0f} 秒。")
