"""Voice eval: synthetic speech (evals/data/voice, made by evals/voice_make.py) through transcription and the agent.

Per clip: the transcript (after number clean-up) against the text read, as word error rate (English) or
character error rate (Mandarin, punctuation and spaces ignored), and whether the agent, given the transcript,
calls the tool the request needs. Also the real-time factor of transcription and end-to-end voice -> reply time.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jiwer
import numpy as np

from agent.service import CopilotService
from copilot.speech.postprocess import normalise_numbers

DATA = Path(str(resources.files("evals").joinpath("data/voice")))
THRESHOLDS = {"en tool choice": 0.90}
_WORD_NUMBERS = {"fifty percent": "50%", "five hundred thousand dollars": "$500,000", "two hundred thousand":
                 "200,000", "three years": "3 years", "48 hours": "48 hours"}


@dataclass
class VoiceScore:
    rows: list[dict[str, object]] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for lang in ("en", "zh"):
            mine = [r for r in self.rows if r["language"] == lang]
            if not mine:
                continue
            err = "wer" if lang == "en" else "cer"
            clean = [r for r in mine if r["variant"] == "clean"]
            out[f"{lang} {err} (clean)"] = float(np.mean([r["error"] for r in clean])) if clean else 0.0
            out[f"{lang} {err} (all)"] = float(np.mean([r["error"] for r in mine]))
            out[f"{lang} tool choice"] = float(np.mean([r["tool_ok"] for r in mine]))
        rtf = [float(r["rtf"]) for r in self.rows]  # type: ignore[arg-type]
        e2e = [float(r["seconds"]) for r in self.rows]  # type: ignore[arg-type]
        out["rtf p50"] = float(np.percentile(rtf, 50))
        out["voice->reply p95 s"] = float(np.percentile(e2e, 95))
        return out

    def misses(self) -> list[str]:
        return [f"{r['id']}: heard {r['heard']!r}; tool {r['tool']} want {r['want']}" for r in self.rows
                if not r["tool_ok"] or float(r["error"]) > 0.3]  # type: ignore[arg-type]


def failures(metrics: dict[str, float]) -> list[str]:
    return [f"{k} {metrics.get(k, 0.0):.3f} < {v}" for k, v in THRESHOLDS.items() if metrics.get(k, 0.0) < v]


def error_rate(reference: str, heard: str, lang: str) -> float:
    if lang == "zh":  # the reference gets the same numeral clean-up as the transcript (二零二六年 -> 2026年)
        strip = re.compile(r"[\s，。！？、：；,.!?:;“”\"']")
        return float(jiwer.cer(strip.sub("", normalise_numbers(reference)), strip.sub("", heard) or "-"))
    ref = reference.lower()
    for words, digits in _WORD_NUMBERS.items():  # Whisper writes numbers as digits; so does a careful listener
        ref = ref.replace(words, digits.lower())
    clean = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(), jiwer.RemoveMultipleSpaces(),
                           jiwer.Strip(), jiwer.ReduceToListOfListOfWords()])
    return float(jiwer.wer(ref, heard.lower() or "-", reference_transform=clean, hypothesis_transform=clean))


def run(service: CopilotService, user_id: str = "demo.director", data: Path = DATA, limit: int = 0,
        progress: Callable[[int], None] | None = None, agent: bool = True) -> VoiceScore:
    rows = [json.loads(line) for line in (data / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    score = VoiceScore()
    for i, row in enumerate(rows[: limit or None]):
        started = time.perf_counter()
        heard = service.transcribe((data / row["file"]).read_bytes(), row["file"], "audio/ogg")
        tool = ""
        if agent:
            reply = service.ask(user_id, heard.text, message_id=f"voice-eval-{row['id']}-{time.time_ns()}")
            tool = reply.tool_calls[0].name if reply.tool_calls else ""
        score.rows.append({
            "id": row["id"], "language": row["language"], "variant": row["variant"], "heard": heard.text,
            "error": error_rate(row["text"], heard.text, row["language"]), "rtf": heard.rtf, "tool": tool,
            "want": row["tool"], "tool_ok": tool == row["tool"] if agent else True,
            "seconds": time.perf_counter() - started})
        if progress:
            progress(i + 1)
    return score
