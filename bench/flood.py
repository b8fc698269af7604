"""A flood from one user against everyone else's latency, on the real service (`copilot serve` in its own process,
the LLM replaced by a stub that answers after 0.3 s, tests/stub_llm.py).

Two 60-second phases over loopback to POST /v1/chat: five users each asking every 4 s (within their allowance),
alone (the baseline) and then while a sixth user sends 1,000 messages in the same 60 s. Prints the others' turn
latency p50/p95 in both phases and the ratio (target: p95 degrades < 20%), and what the flooder got: how many
were answered, how many refused (429) and the message they read.

    python bench/flood.py [--flood 1000] [--seconds 60] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.auth import admin_headers  # noqa: E402
from tests.test_chat_restart import free_port, ready, start  # noqa: E402

OTHERS = ["demo.manager", "demo.director", "demo.admin", "rep.east.2", "rep.south.1"]
FLOODER = "demo.rep"


async def others(base: str, auth: dict[str, str], seconds: float, every: float) -> list[float]:
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=60, headers=auth) as client:
        async def user(name: str, offset: float) -> None:
            await asyncio.sleep(offset)
            end = time.monotonic() + seconds - offset
            while time.monotonic() < end:
                started = time.perf_counter()
                res = await client.post(f"{base}/v1/chat", json={"user_id": name, "text": "你好，今天怎么样"})
                assert res.status_code == 200, res.text
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(max(0.0, every - (time.perf_counter() - started)))

        await asyncio.gather(*(user(n, i * every / len(OTHERS)) for i, n in enumerate(OTHERS)))
    return latencies


async def flood(base: str, auth: dict[str, str], count: int, seconds: float) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    sample: dict[str, str] = {}
    async with httpx.AsyncClient(timeout=60, headers=auth, limits=httpx.Limits(max_connections=200)) as client:
        async def one(i: int) -> None:
            await asyncio.sleep(i * seconds / count)
            res = await client.post(f"{base}/v1/chat", json={"user_id": FLOODER, "text": f"问题 {i}"},
                                    headers={"accept-language": "zh"})
            statuses[str(res.status_code)] = statuses.get(str(res.status_code), 0) + 1
            if res.status_code == 429 and not sample:
                sample.update(error=res.json()["error"], retry_after=res.headers.get("retry-after", ""))

        await asyncio.gather(*(one(i) for i in range(count)))
    return {"sent": count, "status": statuses, "refusal": sample}


def pcts(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"n": len(ordered), "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from copilot.demo import build_demo

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        print("building the demo company ...", flush=True)
        build_demo(data)
        auth = admin_headers(data)
        stub_port, port = free_port(), free_port()
        stub = f"http://127.0.0.1:{stub_port}"
        stub_proc = start([sys.executable, "-m", "tests.stub_llm", str(stub_port), "0.3"], dict(os.environ),
                          Path(tmp) / "stub.log")
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}, "COPILOT_DATA_DIR": str(data),
               "COPILOT_PORT": str(port), "COPILOT_PROVIDER": "openai", "COPILOT_BASE_URL": f"{stub}/v1",
               "COPILOT_MODEL": "stub", "COPILOT_API_KEY": "stub-key", "COPILOT_CONSOLE_LOGIN": "off",
               "COPILOT_INTENT_FALLBACK": "false", "COPILOT_LOG_LEVEL": "WARNING"}
        serve = start([sys.executable, "-m", "copilot.cli", "serve"], env, Path(tmp) / "serve.log")
        base = f"http://127.0.0.1:{port}"
        try:
            ready(f"{stub}/calls", stub_proc, 30)
            ready(f"{base}/healthz", serve)
            print(f"baseline: {len(OTHERS)} users asking every 4 s for {args.seconds:.0f} s ...", flush=True)
            baseline = asyncio.run(others(base, auth, args.seconds, 4.0))
            print(f"flood: the same, while {FLOODER} sends {args.flood} messages ...", flush=True)

            async def both() -> tuple[list[float], dict[str, Any]]:
                lat, got = await asyncio.gather(others(base, auth, args.seconds, 4.0),
                                                flood(base, auth, args.flood, args.seconds))
                return lat, got

            during, flooded = asyncio.run(both())
        finally:
            for proc in (serve, stub_proc):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    before, after = pcts(baseline), pcts(during)
    result = {"others_baseline": before, "others_during_flood": after,
              "p95_ratio": round(after["p95_ms"] / before["p95_ms"], 3), "flooder": flooded}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
