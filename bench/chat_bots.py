"""The chat bots' promises, measured on real processes: `copilot serve` with Slack and DingTalk switched on, the LLM
replaced by a stub in its own process (tests/stub_llm.py: plain answers after a set delay), and local fake Slack
Web API / DingTalk servers (tests/fake_slack.py, tests/fake_dingtalk.py) receiving the replies.

1. Forged requests: N (default 500) Slack and DingTalk requests with bad, stale, future, tampered or missing
   signatures -> status codes, agent runs (stub calls) and replies they caused (must be 100% 401, 0, 0).
2. Retries: E events per app each delivered 4 times (the original and 3 retries at the same moment) -> agent runs
   and replies per event (must be exactly 1 each).
3. Burst: 50 answers to one Slack channel and one DingTalk group at the apps' real rates (Slack 1/s, DingTalk
   20/min) -> all delivered, in order, smallest gap between two sends.
4. Ack latency with the LLM taking 30 s: A events per app, 10 at a time -> HTTP ack p50 / p99 / max, beside
   GET /healthz interleaved at the same concurrency (the HTTP stack alone).

    python bench/chat_bots.py [--forged 500] [--retried 20] [--burst 50] [--acks 200] [--llm-delay 30] [--json F]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_dingtalk import FakeDingTalk, message, signed_callback  # noqa: E402
from tests.fake_slack import FakeSlack  # noqa: E402
from tests.test_chat_http import SECRET as DING_SECRET  # noqa: E402
from tests.test_chat_http import SLACK_SECRET, forged_dingtalk, forged_slack, slack_signed  # noqa: E402
from tests.test_chat_restart import free_port, ready, start  # noqa: E402

SLACK_USER, DING_USER = "U0DEMO001", "DT1001"  # demo.rep in the demo directory


def slack_event(event_id: str, text: str, channel: str) -> bytes:
    ts = f"{time.time():.6f}"
    return json.dumps({
        "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": event_id,
        "event_time": int(time.time()), "event": {"type": "message", "channel_type": "im", "user": SLACK_USER,
                                                  "text": text, "ts": ts, "channel": channel}}).encode()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def stub_calls(stub: str) -> int:
    return int(httpx.get(f"{stub}/calls").json()["calls"])


def set_delay(stub: str, seconds: float) -> None:
    httpx.post(f"{stub}/config", json={"delay": seconds})


def wait(check: Any, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


async def forged_phase(base: str, n: int) -> dict[str, int]:
    rng = random.Random(20261203)
    codes: dict[str, int] = {}
    async with httpx.AsyncClient(timeout=30) as client:
        async def one(i: int) -> int:
            if i % 2:
                body = slack_event(f"EvForged{i}", f"hello {i}", "DFORGED")
                headers, sent = forged_slack(rng, body)
                return (await client.post(f"{base}/slack/events", content=sent, headers=headers)).status_code
            _, raw = signed_callback(message(f"hello {i}", staff_id=DING_USER, msg_id=f"forged{i}"), DING_SECRET)
            return (await client.post(f"{base}/dingtalk/callback", content=raw,
                                      headers=forged_dingtalk(rng, raw))).status_code

        for status in await asyncio.gather(*(one(i) for i in range(n))):
            codes[str(status)] = codes.get(str(status), 0) + 1
    return codes


async def retried_phase(base: str, events: int, slack: FakeSlack, ding: FakeDingTalk) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        async def four(i: int) -> None:
            body = slack_event(f"EvRetry{i}", f"hello retry {i}", f"DRETRY{i}")
            raw_ding = message(f"hello retry {i}", staff_id=DING_USER, msg_id=f"retry{i}",
                               conversation_id=f"cidRetry{i}", webhook=ding.webhook(f"retry{i}"))

            async def slack_once(n: int) -> None:
                headers = slack_signed(body)
                if n:
                    headers |= {"x-slack-retry-num": str(n), "x-slack-retry-reason": "http_timeout"}
                await client.post(f"{base}/slack/events", content=body, headers=headers)

            async def ding_once() -> None:
                headers, raw = signed_callback(raw_ding, DING_SECRET)
                await client.post(f"{base}/dingtalk/callback", content=raw, headers=headers)

            await asyncio.gather(*(slack_once(n) for n in range(4)), *(ding_once() for _ in range(4)))

        await asyncio.gather(*(four(i) for i in range(events)))


async def ack_phase(base: str, n: int) -> tuple[list[float], list[float], list[float]]:
    """Ack times of both webhooks, and of GET /healthz at the same concurrency (the bare HTTP baseline)."""
    slack_acks: list[float] = []
    ding_acks: list[float] = []
    health: list[float] = []
    sem = asyncio.Semaphore(10)
    async with httpx.AsyncClient(timeout=30) as client:
        async def one(i: int) -> None:
            async with sem:
                started = time.perf_counter()
                await client.get(f"{base}/healthz")
                health.append(time.perf_counter() - started)
                body = slack_event(f"EvAck{i}", f"hello ack {i}", f"DACK{i}")
                started = time.perf_counter()
                res = await client.post(f"{base}/slack/events", content=body, headers=slack_signed(body))
                slack_acks.append(time.perf_counter() - started)
                assert res.status_code == 200, res.text
                headers, raw = signed_callback(message(f"hello ack {i}", staff_id=DING_USER, msg_id=f"ack{i}",
                                                       conversation_id=f"cidAck{i}"), DING_SECRET)
                started = time.perf_counter()
                res = await client.post(f"{base}/dingtalk/callback", content=raw, headers=headers)
                ding_acks.append(time.perf_counter() - started)
                assert res.status_code == 200, res.text

        await asyncio.gather(*(one(i) for i in range(n)))
    return slack_acks, ding_acks, health


def session(ding: FakeDingTalk, name: str) -> list[Any]:
    """Replies posted to one session webhook."""
    return [c for c in ding.calls("/robot/sendBySession") if c.query.get("session") == name]


def gaps(times: list[float]) -> float:
    return min(b - a for a, b in itertools.pairwise(times)) if len(times) > 1 else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forged", type=int, default=500)
    parser.add_argument("--retried", type=int, default=20)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--acks", type=int, default=200)
    parser.add_argument("--llm-delay", type=float, default=30.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from copilot.demo import build_demo

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, FakeSlack() as slack, FakeDingTalk(app_secret=DING_SECRET) as ding:
        data = Path(tmp) / "data"
        print("building the demo company ...", flush=True)
        build_demo(data)
        stub_port, port = free_port(), free_port()
        stub = f"http://127.0.0.1:{stub_port}"
        stub_proc = start([sys.executable, "-m", "tests.stub_llm", str(stub_port)], dict(os.environ),
                          Path(tmp) / "stub.log")
        env = {**os.environ, "COPILOT_DATA_DIR": str(data), "COPILOT_PORT": str(port), "COPILOT_PROVIDER": "openai",
               "COPILOT_BASE_URL": f"{stub}/v1", "COPILOT_MODEL": "stub", "COPILOT_API_KEY": "stub-key",
               "COPILOT_CONSOLE_LOGIN": "off", "COPILOT_INTENT_FALLBACK": "false", "COPILOT_CHART_PROCESSES": "0",
               "COPILOT_LLM_TIMEOUT_S": "120", "COPILOT_SLACK_BOT_TOKEN": slack.token,
               "COPILOT_SLACK_SIGNING_SECRET": SLACK_SECRET, "COPILOT_SLACK_API_URL": slack.base_url,
               "COPILOT_DINGTALK_APP_KEY": ding.app_key, "COPILOT_DINGTALK_APP_SECRET": DING_SECRET,
               "COPILOT_DINGTALK_API_URL": ding.url,
               "COPILOT_USER_PER_MINUTE": "100000"}  # one demo user sends everything: no allowance in the way
        serve = start([sys.executable, "-m", "copilot.cli", "serve"], env, Path(tmp) / "serve.log")
        base = f"http://127.0.0.1:{port}"
        try:
            ready(f"{stub}/calls", stub_proc, 30)
            ready(f"{base}/healthz", serve)

            if args.forged:
                print(f"1. {args.forged} forged requests ...", flush=True)
                codes = asyncio.run(forged_phase(base, args.forged))
                time.sleep(2.0)
                results["forged"] = {"status": codes, "agent_runs": stub_calls(stub),
                                     "replies": len(slack.calls_to("chat.postMessage")) + len(ding.calls())}

            if args.retried:
                print(f"2. {args.retried} events per app, each delivered 4 times ...", flush=True)
                set_delay(stub, 0.2)
                before = stub_calls(stub)
                asyncio.run(retried_phase(base, args.retried, slack, ding))
                wait(lambda: len(slack.calls_to("chat.postMessage")) >= args.retried
                     and len(ding.calls("/robot/sendBySession")) >= args.retried, 120, "the retried events' replies")
                time.sleep(3.0)
                slack_per = [sum(1 for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == f"DRETRY{i}")
                             for i in range(args.retried)]
                ding_per = [len(session(ding, f"retry{i}")) for i in range(args.retried)]
                results["retried"] = {"events": 2 * args.retried, "deliveries": 8 * args.retried,
                                      "agent_runs": stub_calls(stub) - before,
                                      "slack_replies_per_event": sorted(set(slack_per)),
                                      "dingtalk_replies_per_event": sorted(set(ding_per))}

            if args.burst:
                print(f"3. a burst of {args.burst} answers to one Slack channel and one DingTalk group ...", flush=True)
                set_delay(stub, 0.0)
                asyncio.run(burst(base, args.burst, ding))
                wait(lambda: sum(1 for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == "DBURST")
                     >= args.burst, 60 + 3 * args.burst, "the Slack burst")
                wait(lambda: len(session(ding, "burst")) >= args.burst,
                     60 + 4 * args.burst, "the DingTalk burst")
                results["burst"] = {}
                for app, calls, key in (
                        ("slack", [c for c in slack.calls_to("chat.postMessage") if c.args.get("channel") == "DBURST"],
                         lambda c: c.args.get("text", "")),
                        ("dingtalk", session(ding, "burst"),
                         lambda c: c.body["markdown"]["text"])):
                    order = [int(str(key(c)).split("burst ")[1].split()[0].strip("*_`")) for c in calls]
                    times = [c.at for c in calls]
                    results["burst"][app] = {"delivered": len(calls), "in_order": order == sorted(order),
                                             "min_gap_s": round(gaps(times), 3),
                                             "span_s": round(times[-1] - times[0], 1)}

            if args.acks:
                print(f"4. ack latency with the LLM taking {args.llm_delay:.0f} s ({args.acks} events per app) ...",
                      flush=True)
                set_delay(stub, args.llm_delay)
                slack_acks, ding_acks, health = asyncio.run(ack_phase(base, args.acks))
                results["ack_ms"] = {app: {"p50": round(pct(v, 0.5), 1), "p99": round(pct(v, 0.99), 1),
                                           "max": round(max(v) * 1000, 1), "n": len(v)}
                                     for app, v in (("slack", slack_acks), ("dingtalk", ding_acks),
                                                    ("healthz (baseline)", health))}
        finally:
            for proc in (serve, stub_proc):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


async def burst(base: str, n: int, ding: FakeDingTalk) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(n):  # sent one after another, as a chat would
            body = slack_event(f"EvBurst{i}", f"hello burst {i}", "DBURST")
            await client.post(f"{base}/slack/events", content=body, headers=slack_signed(body))
            headers, raw = signed_callback(message(f"hello burst {i}", staff_id=DING_USER, msg_id=f"burst{i}",
                                                   group=True, conversation_id="cidBurst",
                                                   webhook=ding.webhook("burst")), DING_SECRET)
            await client.post(f"{base}/dingtalk/callback", content=raw, headers=headers)


if __name__ == "__main__":
    raise SystemExit(main())
