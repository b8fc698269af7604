"""An LLM outage on the real service: `copilot serve` (own process) against a stub LLM (tests/stub_llm.py) that is
switched to fail every call with HTTP 500, then back.

During the outage, users keep asking a mix of questions (analytics, forecast, compliance, knowledge, small talk):
turn latency p50/p95 (target: degraded replies p95 < 2 s), how many were answered directly by a tool, how many got
the "not answering" message, and GET /healthz latency polled meanwhile (target < 1 s). Then the stub recovers:
seconds until a turn is answered by the LLM again (target: within 30 s).

    python bench/degraded.py [--turns 40] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.agent_load import _prepare  # noqa: E402
from bench.auth import admin_headers  # noqa: E402
from tests.test_chat_restart import free_port, ready, start  # noqa: E402

ASKS = [("demo.manager", "上个月华东区的销售额是多少？"), ("demo.director", "下个月华南区洗发水的销量预测?"),
        ("demo.rep", "这段话合规吗：我们是全国第一的品牌，保证节省50%成本"), ("demo.rep", "退货政策怎么规定的？"),
        ("demo.director", "Q3 2026 revenue by channel"), ("demo.admin", "hello, how are you today?")]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        print("building the demo company and a forecast run ...", flush=True)
        _prepare(data)
        stub_port, port = free_port(), free_port()
        stub = f"http://127.0.0.1:{stub_port}"
        stub_proc = start([sys.executable, "-m", "tests.stub_llm", str(stub_port)], dict(os.environ),
                          Path(tmp) / "stub.log")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}, "COPILOT_DATA_DIR": str(data),
               "COPILOT_PORT": str(port), "COPILOT_PROVIDER": "openai", "COPILOT_BASE_URL": f"{stub}/v1",
               "COPILOT_MODEL": "stub", "COPILOT_API_KEY": "stub-key", "COPILOT_CONSOLE_LOGIN": "off",
               "COPILOT_TODAY": "2026-11-23", "COPILOT_LOG_LEVEL": "WARNING", "COPILOT_USER_PER_MINUTE": "100000"}
        serve = start([sys.executable, "-m", "copilot.cli", "serve"], env, Path(tmp) / "serve.log")
        base = f"http://127.0.0.1:{port}"
        try:
            ready(f"{stub}/calls", stub_proc, 30)
            ready(f"{base}/healthz", serve)
            with httpx.Client(timeout=120, headers=admin_headers(data)) as client:
                for user, text in ASKS:  # warm: models, tools, the intent index
                    client.post(f"{base}/v1/chat", json={"user_id": user, "text": text})
                print(f"outage: the stub fails every call; {args.turns} turns ...", flush=True)
                client.post(f"{stub}/config", json={"fail": 1})
                health: list[float] = []
                stop = threading.Event()

                def poll() -> None:
                    with httpx.Client(timeout=10) as probe:
                        while not stop.is_set():
                            started = time.perf_counter()
                            probe.get(f"{base}/healthz")
                            health.append(time.perf_counter() - started)
                            time.sleep(0.2)

                poller = threading.Thread(target=poll, daemon=True)
                poller.start()
                turns: list[float] = []
                kinds: dict[str, int] = {}
                for i in range(args.turns):
                    user, text = ASKS[i % len(ASKS)]
                    started = time.perf_counter()
                    res = client.post(f"{base}/v1/chat", json={"user_id": user, "text": text})
                    turns.append(time.perf_counter() - started)
                    kind = ("direct answer" if res.status_code == 200 and res.json()["reply"].startswith("⚠️")
                            else f"{res.status_code} {res.json().get('code', '')}".strip())
                    kinds[kind] = kinds.get(kind, 0) + 1
                state = client.get(f"{base}/healthz").json()["llm"]
                stop.set()
                poller.join()
                opened = turns[5:]  # after the five failures that open the circuit
                result["outage"] = {"turns": len(turns), "outcomes": kinds, "circuit": state,
                                    "all_turns_ms": {"p50": pct(turns, 0.5), "p95": pct(turns, 0.95)},
                                    "after_open_ms": {"p50": pct(opened, 0.5), "p95": pct(opened, 0.95)},
                                    "healthz_ms": {"p50": pct(health, 0.5), "p95": pct(health, 0.95),
                                                   "max": round(max(health) * 1000, 1), "n": len(health)}}
                print("recovery: the stub answers again ...", flush=True)
                client.post(f"{stub}/config", json={"fail": 0})
                recovered = time.perf_counter()
                while time.perf_counter() - recovered < 120:
                    res = client.post(f"{base}/v1/chat", json={"user_id": "demo.admin", "text": "hello, are you back?"})
                    if res.status_code == 200 and res.json()["reply"].startswith("stub answer"):
                        break
                    time.sleep(0.5)
                result["recovery_s"] = round(time.perf_counter() - recovered, 1)
        finally:
            for proc in (serve, stub_proc):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
