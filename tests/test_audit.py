"""The audit log: one masked row per turn from every channel, append-only in the database itself, queryable and
purged by retention; on SQLite and (when CI provides one) PostgreSQL."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from agent.service import CopilotService
from copilot.audit import AuditLog, audit, metadata
from copilot.errors import UnknownUser
from copilot.settings import Settings
from tests.fakes import ScriptedChatModel, tool_call
from tests.routing_helpers import POSTGRES_ENV, store_urls


@pytest.fixture(params=store_urls())
def log(request: pytest.FixtureRequest, tmp_path: Path) -> AuditLog:
    if request.param == "sqlite":
        return AuditLog(f"sqlite:///{tmp_path / 'ops-audit.sqlite'}")
    url = os.environ[POSTGRES_ENV]
    fresh = AuditLog(url)
    metadata.drop_all(fresh.engine)  # every test starts from an empty table
    return AuditLog(url)


def test_a_turn_is_recorded_with_scope_tools_and_outcome(settings: Settings) -> None:
    from integrations.http import create_app

    model = ScriptedChatModel(script=[tool_call("analytics_query", period="2026年10月")])
    service = CopilotService(settings, model=model)
    with TestClient(create_app(settings, service)) as client:
        res = client.post("/v1/chat", json={"user_id": "demo.manager", "text": "2026年10月华东区的销售额是多少?"})
        assert res.status_code == 200
    [row] = service.audit().query()
    assert (row.user_id, row.role, row.scope, row.channel, row.outcome) == ("demo.manager", "manager", ["east"],
                                                                           "http", "ok")
    assert row.trace_id == res.json()["trace_id"] and row.request == "2026年10月华东区的销售额是多少?"
    assert row.tools[0]["name"] == "analytics_query" and row.tools[0]["args"]["regions"] == ["east"]
    assert row.latency_ms >= 0


def test_personal_data_never_reaches_the_audit_log(service: CopilotService, fake_model: ScriptedChatModel) -> None:
    ask = "把客户身份证 11010519491231002X 和手机 13812345678 发给经销商可以吗"
    fake_model.script = [tool_call("check_compliance", text=ask)]
    service.ask("demo.rep", ask)
    [row] = service.audit().query()
    dumped = json.dumps(row.__dict__, ensure_ascii=False, default=str)
    assert "11010519491231002X" not in dumped and "13812345678" not in dumped and "经销商" in dumped


def test_refusals_and_degraded_turns_are_recorded_too(settings: Settings) -> None:
    service = CopilotService(settings, model=ScriptedChatModel(script=[ConnectionError("down")]))
    with pytest.raises(UnknownUser):
        service.ask("U0NOBODY", "hello")
    reply = service.ask("demo.manager", "2026年10月华东区的销售额是多少?")  # the LLM is down: a direct answer
    assert reply.tool_calls[0].name == "analytics_query"
    degraded, refused = service.audit().query()
    assert (refused.user_id, refused.role, refused.outcome) == ("U0NOBODY", "-", "error:UnknownUser")
    assert degraded.outcome == "degraded" and degraded.tools[0]["ok"]
    assert [e.user_id for e in service.audit().query(outcome="error")] == ["U0NOBODY"]
    assert [e.outcome for e in service.audit().query(tool="analytics_query")] == ["degraded"]


def test_rows_cannot_be_changed(log: AuditLog) -> None:
    log.record(trace_id="t1", user_id="demo.rep", role="rep", scope=["east"], channel="cli", request="hello",
               tools=[], outcome="ok", latency_ms=5)
    with pytest.raises(DBAPIError, match="append-only"), log.engine.begin() as conn:
        conn.execute(audit.update().values(user_id="someone.else"))
    with pytest.raises(DBAPIError, match="append-only"), log.engine.begin() as conn:  # nor by hand
        conn.execute(text("UPDATE audit_log SET outcome = 'ok-ish'"))
    assert log.query()[0].user_id == "demo.rep"


def test_retention_deletes_only_old_rows(log: AuditLog) -> None:
    now = datetime.now(UTC)
    for days, trace in ((400, "old"), (10, "recent")):
        log.record(trace_id=trace, user_id="demo.rep", role="rep", scope=["east"], channel="slack", request="q",
                   tools=[], outcome="ok", latency_ms=1, at=now - timedelta(days=days))
    assert log.purge(365, now=now) == 1
    assert [e.trace_id for e in log.query(since=now - timedelta(days=1000))] == ["recent"]


def test_copilot_audit_lists_filters_and_purges(service: CopilotService, fake_model: ScriptedChatModel,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from copilot.cli import app

    fake_model.script = [AIMessage(content="Hi."), AIMessage(content="Hello.")]
    service.ask("demo.rep", "hello there", channel="console")
    service.ask("demo.manager", "hello again", channel="slack")
    monkeypatch.setenv("COPILOT_DATA_DIR", str(service.settings.data_dir))
    runner = CliRunner()
    listed = runner.invoke(app, ["audit"])
    assert listed.exit_code == 0 and "demo.rep" in listed.stdout and "demo.manager" in listed.stdout
    only = runner.invoke(app, ["audit", "--user", "demo.manager", "--json"])
    rows = [json.loads(line) for line in only.stdout.splitlines() if line.strip()]
    assert [(r["user_id"], r["channel"], r["request"]) for r in rows] == [("demo.manager", "slack", "hello again")]
    assert runner.invoke(app, ["audit", "--purge"]).exit_code == 0


def test_refusals_at_the_door_are_audited_once(settings: Settings) -> None:
    from integrations.http import create_app

    tight = settings.model_copy(update={"user_per_minute": 1})
    service = CopilotService(tight, model=ScriptedChatModel(script=[AIMessage(content="Hi.")]))
    with TestClient(create_app(tight, service), raise_server_exceptions=False) as client:
        assert client.post("/v1/chat", json={"user_id": "demo.rep", "text": "hello there"}).status_code == 200
        assert client.post("/v1/chat", json={"user_id": "demo.rep", "text": "hello again"}).status_code == 429
        assert client.post("/v1/chat", json={"user_id": "U0NOBODY", "text": "let me in"}).status_code == 403
    stranger, flood, answered = service.audit().query()
    assert (answered.user_id, answered.channel, answered.outcome) == ("demo.rep", "http", "ok")
    assert (flood.user_id, flood.request, flood.outcome) == ("demo.rep", "hello again", "error:RateLimited")
    assert (stranger.user_id, stranger.role, stranger.outcome) == ("U0NOBODY", "-", "error:UnknownUser")
