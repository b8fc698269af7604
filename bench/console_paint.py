"""First paint of the web console: the real service (`copilot serve`, a separate process, on the demo data) and
Debian's Chromium driven by Playwright, over loopback, no network.

For each page, N loads in a fresh browser context (cold: nothing cached) and N in one context (warm): first
contentful paint, DOMContentLoaded and fonts-ready times from the browser's own Performance API, p50/p95, against
the target FCP < 1 s. The LLM is not involved (pages render without it), so the provider is pointed at a closed
port to keep the bundled model from loading beside the measurement. Table and JSON.

    python bench/console_paint.py [--loads 20] [--json out.json]      (run `copilot demo` first)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PAGES = (("login", "/login", None), ("chat", "/", "demo.director"), ("tickets", "/tickets", "demo.director"),
         ("dashboard", "/dashboard", "demo.director"))
TIMING = """() => new Promise(done => document.fonts.ready.then(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  done({fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd, fonts: performance.now()});
}))"""


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def start_service(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "COPILOT_PROVIDER": "openai", "COPILOT_BASE_URL": "http://127.0.0.1:9/v1",
           "COPILOT_MODEL": "none", "COPILOT_CONSOLE_LOGIN": "picker", "COPILOT_LOG_LEVEL": "WARNING"}
    exe = Path(sys.executable).parent / "copilot"
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json().get("demo_ready"):
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the service did not come up (run `copilot demo` first)")


def measure(browser: Any, base: str, path: str, user: str | None, loads: int, warm: bool) -> list[dict[str, float]]:
    out = []
    context = browser.new_context(locale="zh-CN")
    for _ in range(loads):
        if not warm:
            context.close()
            context = browser.new_context(locale="zh-CN")
        if user and not context.cookies():
            context.request.post(f"{base}/login", form={"user_id": user}, max_redirects=0)
        page = context.new_page()
        page.goto(base + path, wait_until="load")
        out.append(page.evaluate(TIMING))
        page.close()
    context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--json", type=Path, default=Path("bench/results/console_paint.json"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = start_service(port)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for name, path, user in PAGES:
                for warm in (False, True):
                    got = measure(browser, base, path, user, args.loads, warm)
                    fcp = [g["fcp"] for g in got if g["fcp"] is not None]
                    rows.append({"page": name, "cache": "warm" if warm else "cold", "loads": len(got),
                                 "fcp_p50_ms": round(statistics.median(fcp), 1), "fcp_p95_ms": round(_p(fcp, 95), 1),
                                 "dcl_p50_ms": round(statistics.median(g["dcl"] for g in got), 1),
                                 "fonts_ready_p50_ms": round(statistics.median(g["fonts"] for g in got), 1)})
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"{'page':<10} {'cache':<5} {'FCP p50':>8} {'FCP p95':>8} {'DCL p50':>8} {'fonts p50':>10}  (ms; target "
          f"FCP < 1000)")
    for r in rows:
        print(f"{r['page']:<10} {r['cache']:<5} {r['fcp_p50_ms']:>8} {r['fcp_p95_ms']:>8} {r['dcl_p50_ms']:>8} "
              f"{r['fonts_ready_p50_ms']:>10}")
    worst = max(r["fcp_p95_ms"] for r in rows)
    print(f"worst FCP p95: {worst} ms -> {'met' if worst < 1000 else 'NOT met'}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": rows, "worst_fcp_p95_ms": worst}, indent=2))


if __name__ == "__main__":
    main()
