"""Tool routing eval: bilingual requests (evals/data/routing_*.jsonl) through the whole agent turn.

Per request: did the agent call the expected tool (or none, for chit-chat), did a vague request get a clarifying
question, and do the arguments as applied (after grounding in the user's words) equal the expected ones.
Scores per language and per category, latency p50/p95. Runs against the configured provider, so models can be
compared; side effects (tickets, report files, memory) go to a throw-away data folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from agent.service import CopilotService
from copilot.errors import CopilotError
from evals.turns import counting, mean, turn_costs

DATA = Path(str(resources.files("evals").joinpath("data")))
SETS = {"zh": DATA / "routing_zh.jsonl", "en": DATA / "routing_en.jsonl"}
THRESHOLDS = {"tool accuracy": 0.95, "argument exact match": 0.90}


@dataclass
class RoutingScore:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        out = {"tool accuracy": mean(r["tool_ok"] for r in self.rows)}
        if any(r["checked_args"] for r in self.rows):  # a set that labels no arguments has no argument score
            out["argument exact match"] = mean(r["args_ok"] for r in self.rows if r["checked_args"])
        out["clarifying questions"] = mean(r["tool_ok"] for r in self.rows if r["clarify"])
        for lang in sorted({r["lang"] for r in self.rows}):
            out[f"tool accuracy · {lang}"] = mean(r["tool_ok"] for r in self.rows if r["lang"] == lang)
        for cat in sorted({r["category"] for r in self.rows}):
            out[f"tool accuracy · {cat}"] = mean(r["tool_ok"] for r in self.rows if r["category"] == cat)
        out.update(turn_costs(self.rows))
        return out

    def misses(self) -> list[str]:
        return [f"{r['id']} {r['text'][:50]!r}: tool {r['tool'] or '-'} want {r['want'] or '-'}"
                + (f"; args {r['wrong']}" if r["wrong"] else "") for r in self.rows if not (r["tool_ok"] and
                                                                                            r["args_ok"])]


def failures(metrics: dict[str, float]) -> list[str]:
    return [f"{k} {metrics[k]:.3f} < {v}" for k, v in THRESHOLDS.items() if k in metrics and metrics[k] < v]


def load(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(service: CopilotService, rows: list[dict[str, Any]],
        progress: Callable[[int], None] | None = None) -> RoutingScore:
    score = RoutingScore()
    for i, row in enumerate(rows):
        started = time.perf_counter()
        with counting() as spent:
            try:
                reply = service.ask(row["user"], row["text"], message_id=f"eval-{row['id']}-{time.time_ns()}")
                calls, text = reply.tool_calls, reply.reply
            except CopilotError as exc:
                calls, text = [], exc.en
        tool = calls[0].name if calls else ""
        expect = dict(row.get("expect") or {})
        clarify = bool(expect.pop("clarify", False))
        # A vague request is answered by a question: from the agent, or from a tool that stopped to ask.
        asked = not any(c.ok for c in calls) and ("?" in text or "？" in text)
        tool_ok = asked if clarify else tool == row["tool"]
        wrong = {k: (calls[0].args.get(k) if calls else None, v) for k, v in expect.items()
                 if not (calls and same(calls[0].args.get(k), v))}
        score.rows.append({"id": row["id"], "lang": row["lang"], "category": row.get("category", "plain"),
                           "text": row["text"], "tool": tool, "want": row["tool"], "tool_ok": tool_ok,
                           "clarify": clarify, "checked_args": bool(expect) and tool == row["tool"],
                           "args_ok": tool_ok and not wrong, "wrong": wrong,
                           "seconds": time.perf_counter() - started, "tokens_in": spent.input,
                           "tokens_out": spent.output})
        if progress:
            progress(i + 1)
    return score


def same(got: Any, want: Any) -> bool:
    """Equal after normalising: numbers to 0.01, lists as sets, strings case-insensitively."""
    if isinstance(want, int | float) and not isinstance(want, bool):
        try:
            return abs(float(got) - float(want)) < 0.01
        except (TypeError, ValueError):
            return False
    if isinstance(want, list):
        return isinstance(got, list) and sorted(map(str, got)) == sorted(map(str, want))
    return str(got).strip().lower() == str(want).strip().lower()

