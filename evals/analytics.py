"""analytics_query eval: bilingual manager questions (evals/data/analytics.jsonl) through the whole agent turn.

Each question's expected answer is computed independently with pandas (evals/analytics_expected.py) from a
hand-written spec; the tool's result rows must equal it (same keys, same order for rankings, values within
1e-6). Multi-turn items replay the conversation and score the last turn (follow-ups). Scores per question type
and language, plus latency. Runs against the configured provider, so models can be compared.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from agent.service import CopilotService
from copilot.errors import CopilotError
from evals.analytics_expected import Tables, compare_rows, expected_rows, load_tables
from evals.turns import counting, mean, turn_costs
from tools.base import Tool

DATA = Path(str(resources.files("evals").joinpath("data")))
SET = DATA / "analytics.jsonl"
THRESHOLDS = {"exact result": 0.90}


@dataclass
class AnalyticsScore:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        out = {"exact result": mean(r["ok"] for r in self.rows),
               "tool called": mean(r["called"] for r in self.rows)}
        for lang in sorted({r["lang"] for r in self.rows}):
            out[f"exact result · {lang}"] = mean(r["ok"] for r in self.rows if r["lang"] == lang)
        for kind in sorted({r["type"] for r in self.rows}):
            out[f"exact result · {kind}"] = mean(r["ok"] for r in self.rows if r["type"] == kind)
        query_ms = [r["query_ms"] for r in self.rows if r["query_ms"] is not None]
        out.update(turn_costs(self.rows, "turn latency"))
        out["query p95 ms"] = float(np.percentile(query_ms, 95)) if query_ms else 0.0
        return out

    def misses(self) -> list[str]:
        return [f"{r['id']} [{r['type']}] {r['text'][:60]!r}: {r['why']}" for r in self.rows if not r["ok"]]


def failures(metrics: dict[str, float]) -> list[str]:
    return [f"{k} {metrics.get(k, 0.0):.3f} < {v}" for k, v in THRESHOLDS.items() if metrics.get(k, 0.0) < v]


def load(path: Path = SET) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def capturing(tools: Iterable[Tool]) -> tuple[list[Tool], list[dict[str, Any]]]:  # type: ignore[type-arg]
    """The tools with analytics_query wrapped so every result it returns is recorded (the Reply has only text)."""
    seen: list[dict[str, Any]] = []

    def wrap(tool: Tool) -> Tool:  # type: ignore[type-arg]
        def run(args: Any, ctx: Any, deps: Any) -> Any:
            out = tool.run(args, ctx, deps)
            seen.append({"trace": ctx.trace_id, **out.data})
            return out
        run.__doc__ = tool.run.__doc__
        return dataclasses.replace(tool, run=run)

    return [wrap(t) if t.name == "analytics_query" else t for t in tools], seen


def run(service: CopilotService, items: list[dict[str, Any]], seen: list[dict[str, Any]], tables: Tables,
        progress: Callable[[int], None] | None = None) -> AnalyticsScore:
    """`service` must have been built with the tools from `capturing`, whose results land in `seen`."""
    score = AnalyticsScore()
    for i, item in enumerate(items):
        user = service.directory.get(item["user"])
        scope = None if user.all_regions else list(user.regions)
        conversation = f"eval-{item['id']}-{time.time_ns()}"
        started = time.perf_counter()
        got: dict[str, Any] | None = None
        why = ""
        for turn in item["turns"]:
            seen.clear()
            started = time.perf_counter()
            with counting() as spent:  # the last turn's, like its latency
                try:
                    reply = service.ask(item["user"], turn, conversation_id=conversation)
                    why = "" if seen else f"no analytics_query result; tools {[c.name for c in reply.tool_calls]}" \
                        + "".join(f": {c.error}" for c in reply.tool_calls if c.error)
                except CopilotError as exc:
                    why = f"error: {exc.en}"
            got = seen[-1] if seen else None
        seconds = time.perf_counter() - started
        want = expected_rows(item["expect"], scope, tables)
        if got is not None:
            limit = item["expect"].get("limit")
            rows = got["rows"][:limit] if limit else got["rows"]
            # An uncompared question is not wrong for showing a comparison too: only what was asked is scored.
            fields = ("key", "value") if item["expect"].get("compare", "none") == "none" else \
                ("key", "value", "previous", "change", "change_pct")
            why = compare_rows([{k: r.get(k) for k in fields} for r in rows],
                               [{k: r.get(k) for k in fields} for r in want]) or ""
        score.rows.append({"id": item["id"], "lang": item["lang"], "type": item["type"], "text": item["turns"][-1],
                           "called": got is not None, "ok": got is not None and not why, "why": why,
                           "seconds": seconds, "query_ms": got.get("query_ms") if got else None,
                           "tokens_in": spent.input, "tokens_out": spent.output,
                           "applied": {k: v for k, v in (got or {}).items() if k not in ("rows", "total", "sql")}})
        if progress:
            progress(i + 1)
    return score



__all__ = ["load_tables"]
