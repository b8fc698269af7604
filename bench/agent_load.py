"""Our own overhead under load: the real service (`copilot serve`, a separate process) with the LLM replaced by a
deterministic fast stub that speaks the OpenAI chat-completions wire format (native tool calls), so everything but
the model is measured: HTTP, agent graph, memory checkpoints, tools (SQL, charts, forecasts, compliance rules).

Three loads over loopback to POST /v1/chat: one conversation alone (the pure cost of a turn); N concurrent
conversations (default 50) of T turns (default 6) pacing like people, a random think time (mean 10 s) between a reply
and the next message (target p95 < 150 ms); and the same N as a closed loop with no think time (a stress figure:
it measures queueing). Prints throughput, turn latency p50/p95, the stub's own share and the service's memory peak
(VmHWM, chart workers included), against a baseline of the same concurrency on GET /healthz (the HTTP stack
alone). Then the same messages through a second service on the embedded model (turn latency p50/p95 and its
memory peak), so one run gives every figure. Table and JSON.

    python bench/agent_load.py [--conversations 50] [--turns 6] [--think 10] [--embedded-turns 12] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.auth import admin_headers

# (message, tool the stub picks, its arguments); None = a plain reply
TURNS: tuple[tuple[str, str | None, dict[str, Any]], ...] = (
    ("上个月华东区的销售额是多少？", "analytics_query", {"metric": "revenue", "period": "上个月"}),
    ("这段话合规吗：我们是全国第一的品牌，保证节省50%成本", "check_compliance", {}),
    ("下个月华东区洗发水的销量预测?", "query_forecast", {"period": "下个月", "category": "洗发水"}),
    ("Q3 2026 gross margin in East China by channel", "analytics_query",
     {"metric": "gross_margin", "period": "Q3 2026", "by": ["channel"]}),
    ("你好，你能做什么？", None, {}),
    ("how biased were last quarter's forecasts for my region?", "query_forecast", {"kind": "bias"}),
)
STUB_CALLS: list[float] = []  # filled inside the stub's own process, read back through GET /stats


def stub_app() -> FastAPI:
    """An OpenAI-compatible chat endpoint that decides by the last user message, instantly and always the same."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> dict[str, Any]:
        started = time.perf_counter()
        body = await request.json()
        last_user = next((m.get("content") for m in reversed(body["messages"]) if m["role"] == "user"), "") or ""
        answered = body["messages"][-1]["role"] == "tool"
        pick = next(((tool, args) for text, tool, args in TURNS if text in str(last_user) and tool), None)
        message: dict[str, Any] = {"role": "assistant", "content": "我是销售助手，可以查数据、做预测和合规检查。"}
        if pick and body.get("tools") and not answered:
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": f"call_{time.time_ns()}", "type": "function",
                "function": {"name": pick[0], "arguments": json.dumps(pick[1], ensure_ascii=False)}}]}
        STUB_CALLS.append((time.perf_counter() - started) * 1000)
        return {"id": "stub", "object": "chat.completion", "created": int(time.time()), "model": "stub",
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if message.get(
                    "tool_calls") else "stop"}], "usage": {"prompt_tokens": 0, "completion_tokens": 0,
                                                            "total_tokens": 0}}

    @app.get("/stats")
    def stats() -> list[float]:
        return STUB_CALLS

    @app.delete("/stats")
    def clear() -> None:
        STUB_CALLS.clear()

    return app


def _serve_stub(port: int) -> None:
    """The stub in a process of its own: sharing the load generator's interpreter, its request handling would
    queue behind the client's and be counted as the service's latency."""
    uvicorn.run(stub_app(), host="127.0.0.1", port=port, log_level="warning")


def _wait_ready(url: str, seconds: float = 60) -> None:
    for _ in range(int(seconds * 5)):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(data: Path) -> None:
    """The demo company and a stored forecast run (four SKUs, so this takes seconds)."""
    import duckdb

    from copilot.demo import build_demo
    from tools.forecast import store
    from tools.forecast.panel import build_panel
    from tools.forecast.source import from_warehouse

    build_demo(data)
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        hist = from_warehouse(conn)
    panel = build_panel(hist.rows[hist.rows["sku"].isin(["SH-101", "SH-102", "BW-201", "X200"])], 39, plan=hist.plan,
                        list_price=hist.list_price, unit_cost=hist.unit_cost)
    store.refresh(panel, data, windows=4, spacing=6, source="warehouse")


async def _load(url: str, headers: dict[str, str], conversations: int, turns: int, think: float = 0.0,
                by_turn: dict[str, list[float]] | None = None, name: str = "load") -> tuple[list[float], float, int]:
    """Each conversation sends its turns one after the other, pausing a random think time (exponential, mean
    `think` seconds; 0 = none) after each reply and before its first turn, as people do."""
    latencies: list[float] = []
    errors = 0
    rng = random.Random(7)
    users = ["demo.manager", "demo.director", "demo.rep", "demo.admin"]
    async with httpx.AsyncClient(base_url=url, timeout=120, headers=headers,
                                 limits=httpx.Limits(max_connections=conversations + 5)) as client:
        async def conversation(i: int) -> None:
            nonlocal errors
            for t in range(turns):
                if think:
                    await asyncio.sleep(rng.expovariate(1 / think))
                text = TURNS[(i + t) % len(TURNS)][0]
                started = time.perf_counter()
                r = await client.post("/v1/chat", json={"user_id": users[i % len(users)], "text": text,
                                                        "conversation_id": f"{name}-{i}"})
                latencies.append((time.perf_counter() - started) * 1000)
                if by_turn is not None:
                    by_turn.setdefault(text, []).append(latencies[-1])
                errors += r.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(conversation(i) for i in range(conversations)))
        return latencies, time.perf_counter() - started, errors


async def _health(url: str, n: int) -> list[float]:
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=n + 5)) as client:
        async def one() -> float:
            started = time.perf_counter()
            await client.get("/healthz")
            return (time.perf_counter() - started) * 1000
        return list(await asyncio.gather(*(one() for _ in range(n * 4))))


def _vm_hwm_mb(pid: int) -> float:
    """Peak resident memory of a process and all its children (the chart workers), summed."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            total += int(line.split()[1]) / 1024
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            total += _vm_hwm_mb(int(child))
    return total


def _embedded(data: Path, turns: int) -> tuple[list[float], float]:
    """The same messages, one conversation, through `copilot serve` on the embedded model (its start-up loads the
    model and primes the prompt cache before it answers /healthz)."""
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env |= {"COPILOT_DATA_DIR": str(data), "COPILOT_TODAY": "2026-11-23", "COPILOT_LOG_LEVEL": "WARNING",
            "COPILOT_USER_PER_MINUTE": "100000"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "copilot"), "serve", "--port", str(port)], env=env,
                            cwd=str(data))
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{url}/healthz", seconds=600)
        # a conversation of its own
        # a conversation of its own
        latencies, _, errors = asyncio.run(_load(url, admin_headers(data), 1, turns, name="embedded"))
        if errors:
            raise SystemExit(f"embedded model: {errors} of {turns} turns failed")
        return latencies, _vm_hwm_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _p(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), statistics.quantiles(values, n=20)[18]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--think", type=float, default=10.0, help="mean think time between a conversation's turns "
                                                                   "in the realistic run (seconds)")
    parser.add_argument("--embedded-turns", type=int, default=12, help="turns of one conversation through a second "
                        "service on the embedded model, after the stub runs (0 = skip)")
    parser.add_argument("--json", type=Path)
    a = parser.parse_args()
    stub_port, port = _port(), _port()
    stub = multiprocessing.get_context("spawn").Process(target=_serve_stub, args=(stub_port,), daemon=True)
    stub.start()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        _prepare(data)
        auth = admin_headers(data)
        env = {**os.environ, "COPILOT_DATA_DIR": str(data), "COPILOT_PROVIDER": "openai",
               "COPILOT_BASE_URL": f"http://127.0.0.1:{stub_port}/v1", "COPILOT_API_KEY": "stub",
               "COPILOT_MODEL": "stub", "COPILOT_TODAY": "2026-11-23", "COPILOT_LOG_LEVEL": "WARNING",
               "COPILOT_USER_PER_MINUTE": "100000"}  # four demo users carry all the load: no allowance in the way
        proc = subprocess.Popen([str(Path(sys.executable).parent / "copilot"), "serve", "--port", str(port)],
                                env=env, cwd=tmp)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(f"http://127.0.0.1:{stub_port}/stats")
            _wait_ready(f"{url}/healthz")
            asyncio.run(_load(url, auth, 4, len(TURNS)))  # warm: data files, fonts, run cache, code paths
            httpx.delete(f"http://127.0.0.1:{stub_port}/stats")
            health = asyncio.run(_health(url, a.conversations))
            by_turn: dict[str, list[float]] = {}
            alone, _, _ = asyncio.run(_load(url, auth, 1, 5 * len(TURNS), by_turn=by_turn))  # one conversation alone
            paced, paced_wall, paced_errors = asyncio.run(_load(url, auth, a.conversations, a.turns, a.think))
            latencies, wall, errors = asyncio.run(_load(url, auth, a.conversations, a.turns))
            peak = _vm_hwm_mb(proc.pid)
            stub_calls = httpx.get(f"http://127.0.0.1:{stub_port}/stats").json()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            stub.terminate()
        embedded, embedded_peak = _embedded(data, a.embedded_turns) if a.embedded_turns else ([], 0.0)
    p50, p95 = _p(latencies)
    a50, a95 = _p(alone)
    t50, t95 = _p(paced)
    h50, h95 = _p(health)
    _, s95 = _p(stub_calls)
    figures = {"conversations": a.conversations, "turns": len(latencies), "errors": errors + paced_errors,
               "one_conversation_p50_ms": round(a50, 1), "one_conversation_p95_ms": round(a95, 1),
               f"paced_think_{a.think:g}s_p50_ms": round(t50, 1), f"paced_think_{a.think:g}s_p95_ms": round(t95, 1),
               "paced_turns_per_s": round(len(paced) / paced_wall, 2),
               "closed_loop_turns_per_s": round(len(latencies) / wall, 1), "closed_loop_p50_ms": round(p50, 1),
               "closed_loop_p95_ms": round(p95, 1), "stub_llm_p95_ms": round(s95, 2), "healthz_p50_ms": round(h50, 1),
               "healthz_p95_ms": round(h95, 1), "service_memory_peak_mb": round(peak)}
    if embedded:
        e50, e95 = _p(embedded)
        figures |= {"embedded_model_turns": len(embedded), "embedded_model_p50_ms": round(e50),
                    "embedded_model_p95_ms": round(e95), "embedded_service_memory_peak_mb": round(embedded_peak)}
    figures["one_conversation_by_turn_ms"] = {
        f"{tool or 'plain reply'}: {text[:24]}": {"p50": round(statistics.median(v), 1), "max": round(max(v), 1)}
        for text, tool, _ in TURNS if (v := by_turn.get(text))}
    for key, value in figures.items():
        if isinstance(value, dict):
            for name, cell in value.items():
                print(f"  {name:<44} p50 {cell['p50']:>7} ms  max {cell['max']:>7} ms")
        else:
            print(f"{key:<30} {value:>10}")
    ok = errors + paced_errors == 0 and t95 < 150
    print(f"target (p95 < 150 ms per turn, {a.conversations} conversations pacing like people, think "
          f"{a.think:g} s):", "PASS" if ok else "FAIL", f"| closed loop with no think time: p95 {p95:.0f} ms")
    if a.json:
        a.json.write_text(json.dumps({**figures, "pass": ok}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
