"""The web console in headless Chromium (Debian's chromium driven by Playwright) against the served app.

The LLM is scripted and speech recognition faked (audio is still decoded for real); everything else is the real
service on loopback. Screenshots go to COPILOT_TEST_ARTIFACTS (default build/test-artifacts).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from agent.service import CopilotService
from copilot.settings import Settings
from integrations.console.auth import ConsoleKeys, console_secret, sign_in_link
from integrations.http import create_app
from tests.fakes import ScriptedChatModel, tool_call
from tests.test_voice import FakeTranscriber, wav

pytestmark = pytest.mark.browser

CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
# As the machine notes advise: without the background-networking flags Chromium keeps dialling out.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync",
         # A fake microphone (a tone) granted without a prompt, for the record button.
         "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
ARTIFACTS = Path(os.environ.get("COPILOT_TEST_ARTIFACTS", Path(__file__).parent.parent / "build" / "test-artifacts"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("COPILOT_TEST_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready.then(() => true)")  # the served CJK font, where the page needed it
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def console(settings: Settings, fake_model: ScriptedChatModel) -> Iterator[tuple[str, CopilotService]]:
    small = settings.model_copy(update={"max_audio_mb": 0.5})
    service = CopilotService(small, model=fake_model, transcriber=FakeTranscriber("二零二六年十月华东区的销售额是多少"))
    with served(create_app(small, service)) as base:
        yield base, service


def sign_in(page: Any, base: str, user_id: str) -> None:
    page.goto(base + "/")
    page.select_option("#user_id", user_id)
    page.click("#sign-in")
    page.wait_for_selector("#messages", state="attached")


def test_ask_see_the_reply_tool_chip_and_chart(browser: Any, console: tuple[str, CopilotService],
                                               fake_model: ScriptedChatModel) -> None:
    base, _ = console
    page = browser.new_page(locale="zh-CN")
    sign_in(page, base, "demo.manager")
    assert page.inner_text("#send") == "发送"  # the browser prefers Chinese
    fake_model.script = [tool_call("analytics_query", period="2026年10月", by=["channel"])]
    page.fill("#text", "2026年10月华东区各渠道的销售额")
    page.press("#text", "Enter")
    page.wait_for_selector(".chip.ok:has-text('analytics_query')")
    page.wait_for_selector(".msg.bot .body table")
    page.wait_for_function("() => { const i = document.querySelector('img.chart');"
                           " return i && i.complete && i.naturalWidth > 100; }")
    assert "华东" in page.inner_text(".msg.bot .body")
    # This machine has no Chinese font of its own: the page drew the text with the one the app serves.
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('15px \"Copilot CJK\"', '销售'))")
    assert "regions=[\"east\"]" in page.inner_text(".chip.ok")  # the scope as applied, shown on the chip
    shot(page, "console-chat")
    # The same conversation continues: the second turn carries the conversation id of the first.
    fake_model.script = [tool_call("analytics_query", period="2026年9月", by=["channel"])]
    page.fill("#text", "9月呢")
    page.click("#send")
    page.wait_for_function("() => document.querySelectorAll('.msg.bot img.chart').length == 2")
    page.close()


def test_upload_audio_and_bad_uploads(browser: Any, console: tuple[str, CopilotService],
                                      fake_model: ScriptedChatModel, tmp_path: Path) -> None:
    base, _ = console
    page = browser.new_page(locale="en-US")
    sign_in(page, base, "demo.manager")
    note = tmp_path / "note.wav"
    note.write_bytes(wav(2.0))
    fake_model.script = [tool_call("analytics_query", period="2026年10月")]
    page.set_input_files("#audio", str(note))
    page.wait_for_selector(".msg.bot .body:has-text('我听到')")
    assert "note.wav" in page.inner_text(".msg.user")
    shot(page, "console-voice")

    # The record button: MediaRecorder on the (fake) microphone, stopped by a second click, sent as webm/ogg.
    fake_model.script = [tool_call("analytics_query", period="2026年10月")]
    page.click("#record")
    page.wait_for_selector("#record:has-text('■')")
    page.wait_for_timeout(1500)
    page.click("#record")
    page.wait_for_function("() => document.querySelectorAll('.msg.bot .body').length == 2 && "
                           "!document.querySelectorAll('.msg.bot .body')[1].classList.contains('pending')")
    assert "recording." in page.inner_text(".msg.user >> nth=1")
    assert "我听到" in page.inner_text(".msg.bot .body >> nth=1")

    text_file = tmp_path / "notes.txt"
    text_file.write_text("not audio")
    page.set_input_files("#audio", str(text_file))
    assert "Unsupported audio type (notes.txt)" in page.inner_text("#notice")
    big = tmp_path / "long.wav"
    big.write_bytes(wav(30.0))  # ~1 MB, over the 0.5 MB limit of this service
    page.set_input_files("#audio", str(big))
    assert "too large" in page.inner_text("#notice")
    # A file that looks like audio but is not: the server's message appears inline.
    fake = tmp_path / "broken.mp3"
    fake.write_bytes(b"this is not an mp3" * 10)
    page.set_input_files("#audio", str(fake))
    page.wait_for_selector(".msg.bot .body.error")
    shot(page, "console-bad-upload")
    page.close()


def test_tickets_page(browser: Any, console: tuple[str, CopilotService]) -> None:
    base, service = console
    rep = service.directory.get("demo.rep")
    made = service.tickets().create(rep, "请供应链同事确认X200型号库存,需48小时内反馈", "zh", "browser-1")
    page = browser.new_page(locale="zh-CN")
    sign_in(page, base, "demo.rep")
    page.click("text=工单")
    page.wait_for_selector("#mine")
    row = page.inner_text("#mine")
    assert made.ticket.ref in row and "X200" in row and "剩余" in row
    shot(page, "console-tickets")
    page.close()
    boss = browser.new_page(locale="en-US")
    sign_in(boss, base, "demo.director")
    boss.click("text=Collaboration health")
    boss.wait_for_selector("#health")
    assert "Supply Chain" in boss.inner_text("#health") and "East China" in boss.inner_text("#health")
    shot(boss, "console-dashboard")
    boss.close()


def test_expired_links_and_sessions_say_so(browser: Any, settings: Settings, fake_model: ScriptedChatModel) -> None:
    strict = settings.model_copy(update={"console_login": "token"})
    service = CopilotService(strict, model=fake_model)
    stale = ConsoleKeys(console_secret(strict), clock=lambda: 0.0)
    with served(create_app(strict, service)) as base:
        page = browser.new_page(locale="en-US")
        page.goto(f"{base}/login?token={stale.issue('login', {'u': 'demo.rep'}, 1)}")
        assert "This sign-in link has expired" in page.inner_text("#login-error")
        shot(page, "console-expired-link")
        page.goto(sign_in_link(strict, "demo.rep", 1, base))
        page.click("#sign-in")  # opening a link fills the form; the click uses it up (links work once)
        page.wait_for_selector("#messages", state="attached")
        # The session runs out while the page is open: the next question says so inline, with a way back in.
        page.context.add_cookies([{"name": "copilot_session", "url": base,
                                   "value": stale.issue("session", {"u": "demo.rep"}, 1)}])
        page.fill("#text", "hello")
        page.press("#text", "Enter")
        page.wait_for_selector("#notice:not([hidden])")
        assert "session" in page.inner_text("#notice").lower()
        assert "expired" in page.inner_text(".msg.bot .body.error")
        shot(page, "console-expired-session")
        page.close()
