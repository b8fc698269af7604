"""route_request under load: N concurrent POST /v1/tickets over loopback (uvicorn), plus redelivered events.

Prints wall time, throughput, latency p50/p95, tickets written, duplicates and lost requests, against a baseline
of the same number of concurrent GET /healthz (the HTTP stack alone), for SQLite and, when
COPILOT_BENCH_POSTGRES_URL is set, PostgreSQL. Also the time to understand one request in code.

    python bench/routing_load.py [--n 200]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.service import CopilotService
from bench.auth import admin_headers
from copilot.demo import build_demo
from copilot.settings import load_settings
from integrations.http import create_app
from tools.routing.understand import understand

TEXTS = ["请供应链同事确认X200型号库存,需48小时内反馈", "ask legal to review the Midea contract by tomorrow noon",
         "请财务月底前确认美的回款", "please have delivery confirm the X300 install date within 3 days"]
USERS = ["demo.rep", "rep.south.1", "rep.north.1", "rep.central.2"]


def serve(data: Path, tickets_url: str | None) -> tuple[str, uvicorn.Server, CopilotService]:
    settings = load_settings(data_dir=data, tickets_url=tickets_url, log_level="WARNING")
    service = CopilotService(settings, model=None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, service), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, service


def fire(base: str, calls: list[tuple[str, str, dict | None]], headers: dict[str, str] | None = None,
         ) -> tuple[float, list[float], list[httpx.Response]]:
    gate = threading.Barrier(len(calls))

    def one(call: tuple[str, str, dict | None]) -> tuple[float, httpx.Response]:
        with httpx.Client(base_url=base, timeout=300, headers=headers) as http:
            gate.wait()
            t0 = time.perf_counter()
            res = http.request(call[0], call[1], json=call[2])
            return time.perf_counter() - t0, res

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        done = list(pool.map(one, calls))
    return time.perf_counter() - started, [d[0] for d in done], [d[1] for d in done]


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def run(label: str, data: Path, url: str | None, n: int) -> None:
    base, server, service = serve(data, url)
    try:
        wall0, lat0, _ = fire(base, [("GET", "/healthz", None)] * n)
        calls = [("POST", "/v1/tickets", {"user_id": USERS[i % 4], "text": TEXTS[i % 4], "message_id": f"b-{i}"})
                 for i in range(n)]
        calls += [("POST", "/v1/tickets", {"user_id": "demo.rep", "text": TEXTS[0], "message_id": "dup"})] * 4
        wall, lat, responses = fire(base, calls, admin_headers(data, url))
        ids = [r.json()["ticket"]["id"] for r in responses if r.status_code in (200, 201)]
        errors = [r.status_code for r in responses if r.status_code not in (200, 201)]
        written = service.tickets().store.count()
        print(f"{label}: {n}+4 concurrent creates in {wall:.2f} s ({(n + 4) / wall:.1f} req/s); latency p50 "
              f"{pct(lat, 50):.0f} ms, p95 {pct(lat, 95):.0f} ms | baseline /healthz x{n}: {wall0:.2f} s, p50 "
              f"{pct(lat0, 50):.0f} ms -> creates cost {wall / wall0:.1f}x the bare HTTP round trip")
        print(f"  tickets written {written} (expected {n + 1}); duplicates {len(ids[:n]) - len(set(ids[:n]))}; "
              f"lost {n - len(set(ids[:n]))}; redelivered event -> {len(set(ids[n:]))} ticket; errors {errors}")
    finally:
        server.should_exit = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        build_demo(data)
        settings = load_settings(data_dir=data)
        service = CopilotService(settings, model=None)
        depts = service.directory.departments()
        now = datetime(2026, 11, 23, 2, tzinfo=UTC)
        times = []
        for i in range(200):
            conn = service.deps.warehouse()
            t0 = time.perf_counter()
            understand(TEXTS[i % 4], now.astimezone(settings.tz), depts, conn)
            times.append(time.perf_counter() - t0)
            conn.close()
        print(f"understand one request (department, deadline, SKU, customer; no LLM): p50 {pct(times, 50):.1f} ms, "
              f"p95 {pct(times, 95):.1f} ms")
        run("SQLite", data, None, args.n)
        if pg := os.environ.get("COPILOT_BENCH_POSTGRES_URL"):
            from sqlalchemy import create_engine

            from tools.routing.model import metadata

            engine = create_engine(pg)
            metadata.drop_all(engine)
            engine.dispose()
            run("PostgreSQL", data, pg, args.n)


if __name__ == "__main__":
    main()
