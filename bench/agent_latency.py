"""Benchmark of the embedded agent: model load, time to first token, tokens/s, and a 20-turn conversation.

Run: `make bench` (or `python bench/agent_latency.py --json out.json`). Builds the demo company into a
temporary directory, so it never touches your data. Prints a table and optionally writes JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import openai

from agent.service import CopilotService
from copilot.demo import build_demo
from copilot.llm.local_server import start_local_server
from copilot.settings import load_settings

# (text, expected tool or None for a direct reply); one conversation, as a rep and manager would talk.
TURNS: list[tuple[str, str | None]] = [
    ("你好,你能做什么?", None),
    ("2026年10月华东区的销售额是多少?", "analytics_query"),
    ("What was revenue in East China in September 2026?", "analytics_query"),
    ("上个月华东区各渠道的销售额", "analytics_query"),
    ("Q3 2026 gross margin in East China by category", "analytics_query"),
    ("thanks!", None),
    ("华东区今年以来的销量是多少?", "analytics_query"),
    ("East China revenue last quarter compared with last year", "analytics_query"),
    ("2026年9月华东区洗发水的销售额", "analytics_query"),
    ("Top SKUs by revenue in East China in October 2026", "analytics_query"),
    ("谢谢,再见", None),
    ("How many units did we sell in East China in Q2 2026?", "analytics_query"),
    ("华东区2026年第三季度的毛利率", "analytics_query"),
    ("monthly revenue trend in East China this year", "analytics_query"),
    ("Who are you?", None),
    ("华东区上个月电商渠道的销售额", "analytics_query"),
    ("East China e-commerce revenue in October 2026", "analytics_query"),
    ("华东区2026年10月的销量按品类", "analytics_query"),
    ("revenue in East China last month vs the month before", "analytics_query"),
    ("好的,明白了", None),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure_generation(base_url: str) -> dict[str, float]:
    """Time to first token and decode speed on a fixed prompt, streamed."""
    client = openai.OpenAI(base_url=base_url, api_key="local")
    started = time.perf_counter()
    first = None
    chunks = 0
    usage = None
    stream = client.chat.completions.create(
        model="local", temperature=0, max_tokens=96, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Write three sentences about selling shampoo in East China."}],
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter()
            chunks += 1
        if chunk.usage:
            usage = chunk.usage
    end = time.perf_counter()
    tokens = usage.completion_tokens if usage else chunks
    assert first is not None, "the model produced no tokens"
    return {"ttft_s": first - started, "tokens": tokens, "tokens_per_s": (tokens - 1) / max(end - first, 1e-9)}


def run(out: Path | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), today=date(2026, 11, 23))
        demo = build_demo(settings.data_dir)
        t0 = time.perf_counter()
        endpoint = start_local_server(settings.model_path, settings.cache_dir, settings.local_threads,
                                      settings.local_ctx)
        load_s = time.perf_counter() - t0
        gen = measure_generation(endpoint.base_url)
        service = CopilotService(settings)
        service.graph()
        rows = []
        conversation = None
        for text, expected in TURNS:
            started = time.perf_counter()
            reply = service.ask("demo.manager", text, conversation)
            elapsed = time.perf_counter() - started
            conversation = reply.conversation_id
            called = reply.tool_calls[0].name if reply.tool_calls else None
            rows.append({"text": text, "expected": expected, "called": called, "seconds": elapsed,
                         "ok": all(c.ok for c in reply.tool_calls), "reply": reply.reply[:120]})
    lat = [r["seconds"] for r in rows]
    tool_lat = [r["seconds"] for r in rows if r["expected"]]
    reply_lat = [r["seconds"] for r in rows if not r["expected"]]
    result = {
        "demo_build_s": demo.seconds, "model_load_s": load_s, **gen,
        "turns": len(rows), "turn_p50_s": statistics.median(lat), "turn_p95_s": percentile(lat, 0.95),
        "tool_turn_p50_s": statistics.median(tool_lat), "tool_turn_p95_s": percentile(tool_lat, 0.95),
        "reply_turn_p50_s": statistics.median(reply_lat),
        "tool_choice_correct": sum(r["expected"] == r["called"] for r in rows),
        "tool_calls_ok": sum(r["ok"] for r in rows if r["called"]),
        "rows": rows,
    }
    _print(result)
    if out:
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return result


def _print(r: dict[str, Any]) -> None:
    print(f"{'turn':<58} {'expected':<14} {'called':<14} {'s':>6}")
    for row in r["rows"]:
        print(f"{row['text'][:56]:<58} {row['expected'] or '-':<14} {row['called'] or '-':<14} {row['seconds']:6.2f}")
    print()
    for key in ("demo_build_s", "model_load_s", "ttft_s", "tokens_per_s", "turn_p50_s", "turn_p95_s",
                "tool_turn_p50_s", "tool_turn_p95_s", "reply_turn_p50_s"):
        print(f"{key:<18} {r[key]:8.2f}")
    print(f"{'tool choice':<18} {r['tool_choice_correct']}/{r['turns']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    run(parser.parse_args().json)
