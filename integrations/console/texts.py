"""The console's own words in Chinese and English (replies come in the language of each question)."""

from __future__ import annotations

from typing import Literal

UiLang = Literal["zh", "en"]

UI: dict[str, tuple[str, str]] = {  # key: (en, zh)
    "title": ("Sales Copilot", "销售助手"),
    "nav_chat": ("Chat", "对话"),
    "nav_tickets": ("Tickets", "工单"),
    "nav_dashboard": ("Collaboration health", "协作健康度"),
    "sign_out": ("Sign out", "退出"),
    "sign_in": ("Sign in", "登录"),
    "sign_in_as": ("Sign in as", "选择登录用户"),
    "picker_note": ("Demo mode: pick any directory user. Set COPILOT_CONSOLE_LOGIN=token for real teams.",
                    "演示模式：可选择任一目录用户。正式使用请设置 COPILOT_CONSOLE_LOGIN=token。"),
    "token_label": ("Sign-in token or link", "登录令牌或链接"),
    "link_ready": ("Sign in as {name}: press Sign in (a sign-in link works once).",
                   "将以 {name} 的身份登录：请点击“登录”（登录链接只能使用一次）。"),
    "token_note": ("Ask an admin for a sign-in link: copilot console token YOUR_ID",
                   "请联系管理员获取登录链接：copilot console token 您的ID"),
    "placeholder": ("Ask about sales, forecasts, compliance, tickets…  (Enter to send, Shift+Enter for a new line)",
                    "问销售数据、预测、合规、工单……（回车发送，Shift+回车换行）"),
    "send": ("Send", "发送"),
    "new_chat": ("New chat", "新对话"),
    "upload_audio": ("Upload audio", "上传语音"),
    "record": ("Record", "录音"),
    "stop": ("Stop", "停止"),
    "thinking": ("Thinking…", "思考中……"),
    "transcribing": ("Transcribing…", "正在识别语音……"),
    "running": ("running", "运行中"),
    "failed": ("failed", "失败"),
    "asked": ("needs a detail", "需要补充信息"),
    "you": ("You", "我"),
    "copilot": ("Copilot", "助手"),
    "too_big": ("That file is too large ({size} MB; the limit is {limit} MB).",
                "文件太大（{size} MB，上限 {limit} MB）。"),
    "bad_type": ("Unsupported audio type ({name}). Use wav, mp3, m4a, ogg/opus, webm, flac or amr.",
                 "不支持的音频类型（{name}）。请使用 wav、mp3、m4a、ogg/opus、webm、flac 或 amr。"),
    "no_mic": ("The browser gave no access to a microphone.", "浏览器未授予麦克风权限。"),
    "network": ("The copilot could not be reached. Check the service and try again.",
                "无法连接助手服务，请检查后重试。"),
    "empty": ("Please type a question.", "请输入问题。"),
    "signed_out": ("Your session ended. Sign in again to continue.", "登录已失效，请重新登录后继续。"),
    "my_requests": ("My requests", "我提交的"),
    "assigned": ("Assigned to me", "指派给我的"),
    "none": ("None yet.", "暂无。"),
    "col_ticket": ("Ticket", "工单"),
    "col_department": ("Department", "部门"),
    "col_ask": ("Request", "请求内容"),
    "col_owner": ("Owner", "负责人"),
    "col_requester": ("Requester", "提单人"),
    "col_state": ("State", "状态"),
    "col_deadline": ("Deadline", "截止时间"),
    "col_sla": ("SLA", "SLA"),
    "col_region": ("Region", "区域"),
    "col_tickets": ("Tickets", "工单数"),
    "col_open": ("Open", "未结"),
    "col_p50": ("Response p50 (h)", "响应 p50（小时）"),
    "col_p90": ("Response p90 (h)", "响应 p90（小时）"),
    "col_sla_hit": ("SLA hit", "SLA 达成率"),
    "col_first_pass": ("First pass", "一次通过率"),
    "col_reopen": ("Reopened", "重开率"),
    "days": ("Last {days} days", "最近 {days} 天"),
    "managers_only": ("Collaboration health is for managers and admins.", "协作健康度仅对经理和管理员开放。"),
    "all_regions": ("national", "全国"),
    "sla_met": ("met", "达成"),
    "sla_missed": ("missed by {h}", "超时 {h}"),
    "sla_due": ("due in {h}", "剩余 {h}"),
    "sla_overdue": ("overdue by {h}", "已超时 {h}"),
    "sla_stopped": ("—", "—"),
}


def texts(lang: UiLang) -> dict[str, str]:
    """Every UI string in one language (templates read it; the page script gets it as JSON)."""
    i = 1 if lang == "zh" else 0
    return {key: pair[i] for key, pair in UI.items()}


def pick_lang(cookie: str | None, accept_language: str | None) -> UiLang:
    """The UI language: the user's explicit choice (cookie), else the browser's first preference."""
    if cookie in ("zh", "en"):
        return "zh" if cookie == "zh" else "en"
    return "zh" if (accept_language or "").strip().lower().startswith("zh") else "en"
