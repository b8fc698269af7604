"""Intent index eval: the nearest-example second opinion alone (no LLM), on the routing sets' labels.

The graph asks the index mostly about plain replies, so what matters most is that messages needing
no tool stay without one ("no-tool kept"), and that a tool it names is the right one ("precision when naming").
"Coverage" says how many tool requests it would catch; "top-1" how often its best tool is the labelled one at all.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.intent import IntentIndex
from evals.turns import mean

THRESHOLDS = {"no-tool kept": 0.95, "precision when naming": 0.75}


@dataclass
class IntentScore:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        tools = [r for r in self.rows if r["want"]]
        named = [r for r in self.rows if r["named"]]
        out = {"no-tool kept": mean(not r["named"] for r in self.rows if not r["want"]),
               "precision when naming": mean(r["named"] == r["want"] for r in named),
               "coverage": mean(bool(r["named"]) for r in tools),
               "top-1": mean(r["best"] == r["want"] for r in tools)}
        for lang in sorted({r["lang"] for r in self.rows}):
            out[f"top-1 · {lang}"] = mean(r["best"] == r["want"] for r in tools if r["lang"] == lang)
        out["latency p50 ms"] = statistics.median(r["ms"] for r in self.rows) if self.rows else 0.0
        return out

    def misses(self) -> list[str]:
        return [f"{r['id']} {r['text'][:50]!r}: named {r['named'] or '-'} want {r['want'] or '-'} "
                f"(best {r['best']}, margin {r['margin']:+.3f})" for r in self.rows if r["named"] != r["want"] and
                (r["named"] or not r["want"])]


def failures(metrics: dict[str, float]) -> list[str]:
    return [f"{k} {metrics[k]:.3f} < {v}" for k, v in THRESHOLDS.items() if metrics.get(k, 0.0) < v]


def run(index: IntentIndex, rows: list[dict[str, Any]], progress: Callable[[int], None] | None = None
        ) -> IntentScore:
    score = IntentScore()
    for i, row in enumerate(rows, 1):
        started = time.perf_counter()
        guess = index.guess(row["text"])
        score.rows.append({"id": row["id"], "lang": row["lang"], "text": row["text"], "want": row["tool"] or None,
                           "named": guess.tool, "best": guess.best_tool, "margin": guess.margin,
                           "ms": (time.perf_counter() - started) * 1000})
        if progress:
            progress(i)
    return score
