"""Per-user allowances: a flood from one person is refused cheaply with a clear message; others are untouched."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage

from agent.service import CopilotService
from copilot.errors import ConfigError, RateLimited
from copilot.ratelimit import UserLimiter
from copilot.settings import Settings
from tests.fakes import ScriptedChatModel


def test_each_user_has_their_own_allowance(settings: Settings) -> None:
    limiter = UserLimiter(settings.model_copy(update={"user_per_minute": 3}))
    for _ in range(3):
        limiter.take("demo.rep")
    with pytest.raises(RateLimited) as caught:
        limiter.take("demo.rep")
    assert 55 <= caught.value.retry_after_s <= 60 and caught.value.status_code == 429
    assert re.search(r"try again in (5\d|60) s\.$", caught.value.message("en"))
    assert re.search(r"请在 (5\d|60) 秒后再试。$", caught.value.message("zh"))
    limiter.take("demo.manager")  # someone else is not affected


def test_the_daily_quota_is_its_own_message(settings: Settings) -> None:
    limiter = UserLimiter(settings.model_copy(update={"user_per_minute": 100, "user_per_day": 2}))
    limiter.take("demo.rep")
    limiter.take("demo.rep")
    with pytest.raises(RateLimited) as caught:
        limiter.take("demo.rep")
    assert "today's message allowance" in caught.value.message("en") and "今天的消息额度" in caught.value.message("zh")
    assert caught.value.retry_after_s > 3600 and caught.value.message("en").endswith(" h.")


def test_refused_messages_do_not_count(settings: Settings) -> None:
    limiter = UserLimiter(settings.model_copy(update={"user_per_minute": 1, "user_per_day": 2}))
    limiter.take("demo.rep")
    for _ in range(5):  # refused by the minute window: the day's allowance is not spent by them
        with pytest.raises(RateLimited):
            limiter.take("demo.rep")
    with pytest.raises(RateLimited) as caught:
        limiter.take("demo.rep")
    assert "faster than" in caught.value.message("en")


def test_an_unusable_storage_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError):
        UserLimiter(settings.model_copy(update={"rate_limit_storage": "nosuch://x"}))


def test_http_flood_gets_429_with_retry_after_in_the_users_language(settings: Settings) -> None:
    from integrations.http import create_app

    tight = settings.model_copy(update={"user_per_minute": 2})
    model = ScriptedChatModel(script=[AIMessage(content="one"), AIMessage(content="two"),
                                      AIMessage(content="three")])
    with TestClient(create_app(tight, CopilotService(tight, model=model)), raise_server_exceptions=False) as client:
        codes = [client.post("/v1/chat", json={"user_id": "demo.rep", "text": "你好"}).status_code for _ in range(2)]
        refused = client.post("/v1/chat", json={"user_id": "demo.rep", "text": "你好"})
        other = client.post("/v1/chat", json={"user_id": "demo.manager", "text": "hello"})
    assert codes == [200, 200] and refused.status_code == 429
    assert refused.json()["code"] == "RateLimited" and "消息发送过于频繁，请在 " in refused.json()["error"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert other.status_code == 200 and len(model.prompts) == 3  # the refused message never reached the model
