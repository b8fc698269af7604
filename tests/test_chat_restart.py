"""Crash safety with real processes: `copilot serve` is killed (SIGKILL) after it acknowledged a DingTalk
message and while the (stub) LLM is still thinking; a restarted service answers that message, exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fake_dingtalk import FakeDingTalk, message, signed_callback
from tests.fakes import link_demo
from tests.test_chat_relay import wait_for

ROOT = Path(__file__).resolve().parents[1]
SECRET = "fake-app-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def ready(url: str, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert proc.poll() is None, f"process exited with {proc.returncode}"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} not ready in {seconds:.0f} s")


@pytest.fixture
def stub(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = start([sys.executable, "-m", "tests.stub_llm", str(port), "4"], dict(os.environ), tmp_path / "stub.log")
    try:
        ready(f"http://127.0.0.1:{port}/calls", proc, 30)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def test_a_message_acknowledged_before_a_crash_is_answered_after_the_restart(
        demo_dir: Path, tmp_path: Path, stub: str) -> None:
    data = link_demo(tmp_path / "data", demo_dir)
    port = free_port()
    with FakeDingTalk(app_secret=SECRET) as dingtalk:
        env = {**os.environ, "COPILOT_DATA_DIR": str(data), "COPILOT_PORT": str(port), "COPILOT_PROVIDER": "openai",
               "COPILOT_BASE_URL": f"{stub}/v1", "COPILOT_MODEL": "stub", "COPILOT_API_KEY": "stub-key",
               "COPILOT_CONSOLE_LOGIN": "off", "COPILOT_INTENT_FALLBACK": "false", "COPILOT_CHART_PROCESSES": "0",
               "COPILOT_DINGTALK_APP_KEY": dingtalk.app_key, "COPILOT_DINGTALK_APP_SECRET": SECRET,
               "COPILOT_DINGTALK_API_URL": dingtalk.url, "COPILOT_CHAT_LEASE_S": "3", "COPILOT_TODAY": "2026-11-23"}
        serve = [sys.executable, "-m", "copilot.cli", "serve"]
        base = f"http://127.0.0.1:{port}"
        first = start(serve, env, tmp_path / "serve1.log")
        try:
            ready(f"{base}/healthz", first)
            headers, raw = signed_callback(message("你好，在吗", staff_id="DT1001", webhook=dingtalk.webhook()),
                                           SECRET)
            assert httpx.post(f"{base}/dingtalk/callback", content=raw, headers=headers).status_code == 200
            # The agent is running (the stub LLM got the call and takes 4 s): kill the service now.
            wait_for(lambda: httpx.get(f"{stub}/calls").json()["calls"] >= 1, timeout=30)
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
        assert dingtalk.calls("/robot/sendBySession") == []
        second = start(serve, env, tmp_path / "serve2.log")
        try:
            ready(f"{base}/healthz", second)
            wait_for(lambda: dingtalk.calls("/robot/sendBySession"), timeout=60)
            time.sleep(1.0)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(30)
        sent = dingtalk.calls("/robot/sendBySession")
        assert len(sent) == 1 and "stub answer to" in sent[0].body["markdown"]["text"]
        assert "你好，在吗" in sent[0].body["markdown"]["text"]
        # One run cut short by the kill, one that answered: the message was not run a third time.
        assert httpx.get(f"{stub}/calls").json()["calls"] == 2
