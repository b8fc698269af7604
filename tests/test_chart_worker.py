"""Charts drawn in a worker process: the same PNG as in-process, and a worker that dies costs one slower chart."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from fastapi.testclient import TestClient

from agent.service import CopilotService
from copilot.settings import Settings
from integrations.http import create_app
from tests.fakes import ScriptedChatModel, tool_call
from tools.analytics.chart import render_png
from tools.chart_worker import ChartWorker

ARGS = ("bar", "华东 · 毛利率", ["直销", "KA"], {"毛利率": [0.3, 0.2]}, "毛利率", True)


def test_worker_draws_the_same_chart_elsewhere_and_a_dead_worker_costs_one_chart_drawn_here() -> None:
    here = render_png(*ARGS)
    worker = ChartWorker(1)
    assert worker.draw(render_png, *ARGS) == here  # not started: drawn in-process
    worker.start()
    try:
        assert worker.running
        pid = worker.draw(os.getpid)
        assert pid != os.getpid()
        assert worker.draw(render_png, *ARGS) == here
        os.kill(pid, signal.SIGKILL)
        assert worker.draw(render_png, *ARGS) == here  # drawn here while the worker is replaced
        for _ in range(100):
            if worker.running:
                break
            time.sleep(0.1)
        assert worker.draw(os.getpid) not in (pid, os.getpid())
    finally:
        worker.close()
    assert not worker.running


def test_no_processes_means_in_process() -> None:
    worker = ChartWorker(0)
    worker.start()
    assert not worker.running
    assert worker.draw(os.getpid) == os.getpid()


def test_the_http_service_draws_charts_in_its_worker_and_stops_it(settings: Settings) -> None:
    model = ScriptedChatModel(script=[tool_call("analytics_query", period="2026年10月", by=["channel"])])
    service = CopilotService(settings.model_copy(update={"chart_processes": 1}), model=model)
    with TestClient(create_app(service.settings, service)) as client:
        for _ in range(100):  # started in the background at start-up, like the model
            if service.deps.charts.running:
                break
            time.sleep(0.1)
        assert service.deps.charts.draw(os.getpid) != os.getpid()
        ask = {"user_id": "demo.manager", "text": "2026年10月华东区各渠道的销售额"}
        body = client.post("/v1/chat", json=ask).json()
        chart = Path(body["attachments"][0]["path"])
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not service.deps.charts.running  # stopped with the service
