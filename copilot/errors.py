"""The few named exceptions of the copilot.

Each carries a user-facing message in Chinese and English; details for operators go to the log only.
The edges (CLI, HTTP, chat integrations) translate them with :func:`user_message`.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]


class CopilotError(Exception):
    """Base error: safe to show to a user in their language."""

    status_code = 500
    default_en = "Something went wrong on our side. Please try again."
    default_zh = "系统出了点问题，请稍后再试。"

    def __init__(self, en: str | None = None, zh: str | None = None, *, detail: str | None = None) -> None:
        self.en = en or self.default_en
        self.zh = zh or self.default_zh
        self.detail = detail  # operator-only detail, never shown to users
        super().__init__(self.en)

    def message(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


class ToolInputError(CopilotError):
    """Arguments a tool cannot accept (bad money, unknown region, unparseable period, ...)."""

    status_code = 422
    default_en = "I could not understand part of that request."
    default_zh = "我没能理解请求中的部分内容。"


class NeedsInfo(ToolInputError):
    """A detail only the user can give is missing: the reply asks for it (one short question) and the tool did
    nothing; the agent records the call as stopped (ok false, no error)."""


class BadRequest(CopilotError):
    """Input rejected at the edge (empty text, too long, bad file)."""

    status_code = 400
    default_en = "That request is not valid."
    default_zh = "请求无效。"


class PermissionDenied(CopilotError):
    """The asking user's role or scope does not cover what was asked."""

    status_code = 403
    default_en = "You do not have access to that data."
    default_zh = "您没有权限访问这些数据。"


class NotFound(CopilotError):
    """No such object among those the user may see (the same answer for "missing" and "not yours")."""

    status_code = 404
    default_en = "Not found."
    default_zh = "未找到。"


class HandBack(CopilotError):
    """A tool saw that the question is not its kind (e.g. analytics_query given small talk): the agent answers it
    another way instead of ending the turn with an error."""

    status = 422
    default_en = "That is not a question this tool answers."
    default_zh = "这个问题不适合用该工具回答。"


class Redirect(HandBack):
    """A tool saw that another tool answers this (query_forecast asked about a period already over: actual sales are
    analytics_query's): the agent decides again with that tool."""

    def __init__(self, tool: str, *, detail: str | None = None) -> None:
        super().__init__(detail=detail)
        self.tool = tool


class UnknownUser(CopilotError):
    status_code = 403
    default_en = "I don't know this user. Ask an admin to add you to the directory."
    default_zh = "目录中没有找到该用户，请联系管理员添加。"


class LLMUnavailable(CopilotError):
    """The language model did not answer (down, slow, misconfigured)."""

    status_code = 503
    default_en = "The language model is not answering right now. Please try again in a minute."
    default_zh = "语言模型暂时没有响应，请稍后再试。"


class RateLimited(CopilotError):
    """One user sent more messages than their per-minute or per-day allowance."""

    status_code = 429
    default_en = "You are sending messages faster than I can take them. Please wait a moment."
    default_zh = "消息发送过于频繁，请稍候再试。"

    def __init__(self, retry_after_s: float, *, daily: bool = False) -> None:
        wait = max(1, round(retry_after_s))
        en, zh = _duration(wait)
        if daily:
            super().__init__(en=f"You have used today's message allowance. It renews in {en}.",
                             zh=f"今天的消息额度已用完，将在 {zh}后恢复。", detail=f"daily quota, retry {wait}s")
        else:
            super().__init__(en=f"You are sending messages faster than I can take them. Please try again in {en}.",
                             zh=f"消息发送过于频繁，请在 {zh}后再试。", detail=f"per-minute limit, retry {wait}s")
        self.retry_after_s = float(wait)


def _duration(seconds: int) -> tuple[str, str]:
    """A wait as people say it: seconds, minutes or hours (English, Chinese)."""
    if seconds < 120:
        return f"{seconds} s", f"{seconds} 秒"
    if seconds < 7200:
        return f"{round(seconds / 60)} min", f"{round(seconds / 60)} 分钟"
    return f"{round(seconds / 3600)} h", f"{round(seconds / 3600)} 小时"


class NotReady(CopilotError):
    """Setup step missing (for example the demo company was never built)."""

    status_code = 503
    default_en = "The copilot is not set up yet: run `copilot demo` first."
    default_zh = "系统尚未初始化：请先运行 `copilot demo`。"


class ConfigError(CopilotError):
    """Invalid settings, found at start-up."""

    status_code = 500


def user_message(exc: BaseException, lang: Lang) -> str:
    """The text a user may see for any exception; unknown exceptions get a generic message."""
    if isinstance(exc, CopilotError):
        return exc.message(lang)
    return CopilotError().message(lang)
