"""The HTTP API needs a personal bearer token (the default), and a token acts only for its own user."""

from __future__ import annotations

import io
import wave
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage
from typer.testing import CliRunner

from agent.service import CopilotService
from copilot.apitokens import ApiTokens, Unauthorized
from copilot.settings import Settings
from integrations.http import create_app
from tests.fakes import ScriptedChatModel

# Every route that acts for a user: (method, path, JSON body or None, query or None).
ROUTES = [
    ("post", "/v1/chat", {"text": "你好"}, None),
    ("post", "/v1/tickets", {"text": "请法务审核美的合同", "message_id": "a1"}, None),
    ("get", "/v1/tickets", None, {}),
    ("get", "/v1/tickets/1", None, {}),
    ("post", "/v1/tickets/1/actions", {"action": "close"}, None),
    ("get", "/v1/metrics/collaboration", None, {}),
]


@pytest.fixture
def secured(settings: Settings, fake_model: ScriptedChatModel) -> CopilotService:
    return CopilotService(settings.model_copy(update={"api_auth": "token"}), model=fake_model)


@pytest.fixture
def client(secured: CopilotService) -> TestClient:
    return TestClient(create_app(secured.settings, secured), raise_server_exceptions=False)


def call(client: TestClient, route: tuple[str, str, dict[str, str] | None, dict[str, str] | None],
         token: str | None, user_id: str | None = None) -> int:
    method, path, body, query = route
    headers = {"authorization": f"Bearer {token}"} if token else {}
    extra = {"user_id": user_id} if user_id else {}
    if body is not None:
        res = client.request(method, path, json={**body, **extra}, headers=headers)
    else:
        res = client.request(method, path, params={**(query or {}), **extra}, headers=headers)
    return res.status_code


def wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 16000)
    return buf.getvalue()


def test_by_default_only_direct_local_callers_go_without_a_token(settings: Settings,
                                                                 fake_model: ScriptedChatModel) -> None:
    assert Settings().api_auth == "auto"
    service = CopilotService(settings.model_copy(update={"api_auth": "auto"}), model=fake_model)
    fake_model.script = [AIMessage(content="您好")]
    local = TestClient(create_app(service.settings, service), client=("127.0.0.1", 50000))
    assert local.post("/v1/chat", json={"user_id": "demo.rep", "text": "你好"}).status_code == 200  # as in the demo
    # Through a reverse proxy on the same machine, or from anywhere else, a token is needed.
    proxied = local.post("/v1/chat", json={"user_id": "demo.rep", "text": "你好"},
                         headers={"x-forwarded-for": "203.0.113.9"})
    assert proxied.status_code == 401
    remote = TestClient(create_app(service.settings, service), client=("192.0.2.10", 50000))
    assert remote.post("/v1/chat", json={"user_id": "demo.rep", "text": "你好"}).status_code == 401
    assert remote.get("/v1/tickets", params={"user_id": "demo.rep"}).status_code == 401


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_every_user_route_refuses_missing_and_bad_tokens(client: TestClient, secured: CopilotService,
                                                         route: tuple[str, str, dict[str, str] | None,
                                                                      dict[str, str] | None]) -> None:
    _, good = secured.api_tokens().issue("demo.manager", "t", days=1)
    for token in (None, "nonsense", "cpt_000000000000_" + "x" * 54, good[:-1] + ("A" if good[-1] != "A" else "B")):
        assert call(client, route, token, user_id="demo.manager") == 401, token
    # Not even a claim to be someone else gets through without a token.
    assert call(client, route, None, user_id="demo.director") == 401


def test_voice_needs_a_token_before_the_upload_is_touched(client: TestClient) -> None:
    res = client.post("/v1/voice", data={"user_id": "demo.manager"}, files={"file": ("a.wav", wav(), "audio/wav")})
    assert res.status_code == 401 and res.headers["www-authenticate"] == "Bearer"
    assert "copilot token issue" in res.json()["error"]


def test_a_token_acts_for_its_own_user_only(client: TestClient, secured: CopilotService,
                                            fake_model: ScriptedChatModel) -> None:
    _, rep = secured.api_tokens().issue("demo.rep", "crm", days=30)
    fake_model.script = [AIMessage(content="您好"), AIMessage(content="您好")]
    headers = {"authorization": f"Bearer {rep}"}
    assert client.post("/v1/chat", json={"text": "你好"}, headers=headers).status_code == 200  # user from the token
    assert client.post("/v1/chat", json={"user_id": "demo.rep", "text": "你好"}, headers=headers).status_code == 200
    other = client.post("/v1/chat", json={"user_id": "demo.director", "text": "你好"}, headers=headers)
    assert other.status_code == 403 and "另一" not in other.json()["error"]
    assert client.get("/v1/tickets", params={"user_id": "demo.director"}, headers=headers).status_code == 403
    # The same person by their Slack id is still themselves.
    slack_id, _ = secured.directory.chat_ids("demo.rep")
    assert slack_id and client.get("/v1/tickets", params={"user_id": slack_id}, headers=headers).status_code == 200
    turns = secured.audit().query(user_id="demo.rep")
    assert len(turns) == 2 and all(t.channel == "http" for t in turns)


def test_an_admin_token_may_act_for_anyone(client: TestClient, secured: CopilotService,
                                           fake_model: ScriptedChatModel) -> None:
    admin = next(u for u in secured.directory.list_users() if u.role == "admin")
    _, token = secured.api_tokens().issue(admin.user_id, "backend", days=1)
    fake_model.script = [AIMessage(content="好的")]
    res = client.post("/v1/chat", json={"user_id": "demo.rep", "text": "你好"},
                      headers={"authorization": f"Bearer {token}"})
    assert res.status_code == 200
    assert secured.audit().query(user_id="demo.rep")[0].role == "rep"  # the turn ran as the rep, in their scope


def test_expired_and_revoked_tokens_stop_working(client: TestClient, secured: CopilotService) -> None:
    tokens = secured.api_tokens()
    old, expired = tokens.issue("demo.rep", "old", days=1, now=datetime.now(UTC) - timedelta(days=2))
    info, revoked = tokens.issue("demo.rep", "gone", days=1)
    assert tokens.revoke(info.id) and not tokens.revoke(info.id)
    for token in (expired, revoked):
        res = client.get("/v1/tickets", headers={"authorization": f"Bearer {token}"})
        assert res.status_code == 401
    states = {t.id: t.state(datetime.now(UTC)) for t in tokens.list("demo.rep")}
    assert states == {old.id: "expired", info.id: "revoked"}


def test_only_a_hash_is_stored(tmp_path: object, secured: CopilotService) -> None:
    tokens = secured.api_tokens()
    info, token = tokens.issue("demo.rep", "t", days=None)
    secret = token.split("_", 2)[2]
    with tokens.engine.connect() as conn:
        dump = "\n".join(str(tuple(r)) for r in conn.exec_driver_sql("SELECT * FROM api_tokens").all())
    assert info.id in dump and secret not in dump
    assert tokens.verify(token).user_id == "demo.rep" and info.expires_at is None
    with pytest.raises(Unauthorized):
        ApiTokens(secured.settings.tickets_db_url).verify(token.replace(secret, secret[::-1]))


def test_health_docs_and_webhooks_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    # Webhooks prove themselves by signature, not by token (not configured here: 503, not 401).
    assert client.post("/slack/events", content=b"{}").status_code == 503


def test_token_cli_issue_list_revoke(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from copilot.cli import app

    for key, value in (("COPILOT_DATA_DIR", str(settings.data_dir)), ("COPILOT_TODAY", str(settings.today))):
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    made = runner.invoke(app, ["token", "issue", "demo.rep", "--name", "crm", "--days", "7"])
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("cpt_")
    listed = runner.invoke(app, ["token", "list"])
    assert "demo.rep" in listed.output and "active" in listed.output and token.split("_", 2)[2] not in listed.output
    token_id = token.split("_")[1]
    assert runner.invoke(app, ["token", "revoke", token_id]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["token", "list", "--user", "demo.rep"]).output
    assert runner.invoke(app, ["token", "revoke", token_id]).exit_code == 1
    unknown = runner.invoke(app, ["token", "issue", "nobody"])
    assert unknown.exit_code != 0
