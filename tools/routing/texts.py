"""What people read about tickets, in Chinese or English: chat replies and notification payloads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Literal

from copilot.context import User
from tools.routing.model import Ticket

Lang = Literal["zh", "en"]
Names = Callable[[str], User | None]

STATE_ZH = {"open": "待处理", "acknowledged": "已受理", "answered": "已答复", "closed": "已关闭",
            "rejected": "已拒绝", "escalated": "已升级"}
PRIORITY_ZH = {"low": "低", "normal": "普通", "high": "高", "urgent": "紧急"}


def when(at: datetime, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def person(user_id: str, names: Names, lang: Lang) -> str:
    user = names(user_id)
    return user.display_name(lang) if user else user_id


def summary_line(t: Ticket, dept: str, names: Names, lang: Lang, tz: tzinfo) -> str:
    owner = person(t.owner_id, names, lang)
    obj = f" · {t.object}" if t.object else ""
    if lang == "zh":
        return (f"{t.ref} {dept}{obj} · {STATE_ZH[t.state]} · 负责人 {owner} · 截止 {when(t.deadline, tz)}"
                + (f" · 答复：{t.answer}" if t.answer else ""))
    return (f"{t.ref} {dept}{obj} · {t.state} · owner {owner} · due {when(t.deadline, tz)}"
            + (f" · answer: {t.answer}" if t.answer else ""))


def created(t: Ticket, dept: str, names: Names, lang: Lang, tz: tzinfo, *, reminder: datetime | None,
            escalation_to: str | None, default_sla: bool, away: list[str], fresh: bool) -> str:
    title = person(t.owner_id, names, lang)
    esc = person(escalation_to, names, lang) if escalation_to else None
    gone = "、".join(person(u, names, lang) for u in away) if lang == "zh" else ", ".join(
        person(u, names, lang) for u in away)
    if lang == "zh":
        head = f"{'已创建' if fresh else '该消息已建过'}工单 {t.ref}：{dept}"
        lines = [head + (f" · {t.object}" if t.object else ""),
                 f"· 负责人：{title}" + (f"（{gone} 休假中，已转给备选负责人）" if away else ""),
                 f"· 截止：{when(t.deadline, tz)}" + ("（未指定截止时间，按默认 SLA）" if default_sla else "")
                 + f" · 优先级：{PRIORITY_ZH[t.priority]}"]
        if reminder:
            lines.append(f"· {when(reminder, tz)} 提醒负责人；超时未答复将升级给 {esc or '管理员'}")
        lines.append("已通知负责人。可随时问我“我的工单进展如何”。")
        return "\n".join(lines)
    lines = [f"{'Created' if fresh else 'Already created for this message:'} ticket {t.ref}: {dept}"
             + (f" · {t.object}" if t.object else ""),
             f"- Owner: {title}" + (f" ({gone} out of office, routed to the backup)" if away else ""),
             f"- Due: {when(t.deadline, tz)}" + (" (no deadline given: default SLA)" if default_sla else "")
             + f" · priority: {t.priority}"]
    if reminder:
        lines.append(f"- The owner is reminded at {when(reminder, tz)}; if unanswered by the deadline it escalates "
                     f"to {esc or 'an admin'}")
    lines.append("The owner has been notified. Ask me \"what's the status of my request?\" any time.")
    return "\n".join(lines)


ACTION_ZH = {"acknowledge": "受理", "answer": "答复", "close": "关闭", "reject": "拒绝", "reopen": "重新打开",
             "escalate": "升级"}


def planned(dept: str, obj: str | None, ask: str, owner: str, deadline: datetime, priority: str, default_sla: bool,
            escalate: bool, lang: Lang, tz: tzinfo) -> str:
    """A request about to be created, for the user to confirm: who gets it, what, by when."""
    if lang == "zh":
        return "\n".join([f"将创建工单：{dept}" + (f" · {obj}" if obj else ""),
                          f"· 事项：{ask}", f"· 负责人：{owner}",
                          f"· 截止：{when(deadline, tz)}" + ("（未指定，按默认 SLA）" if default_sla else "")
                          + f" · 优先级：{PRIORITY_ZH.get(priority, priority)}" + (" · 立即升级" if escalate else "")])
    return "\n".join([f"About to create a ticket: {dept}" + (f" · {obj}" if obj else ""),
                      f"- Ask: {ask}", f"- Owner: {owner}",
                      f"- Due: {when(deadline, tz)}" + (" (none given: default SLA)" if default_sla else "")
                      + f" · priority: {priority}" + (" · escalated at once" if escalate else "")])


def planned_action(t: Ticket, action: str, dept: str, names: Names, lang: Lang, tz: tzinfo,
                   note: str | None) -> str:
    """A change to a ticket about to be made, for the user to confirm."""
    line = summary_line(t, dept, names, lang, tz)
    if lang == "zh":
        return f"将{ACTION_ZH.get(action, action)}工单 {t.ref}：\n· {line}" + (f"\n· 内容：{note}" if note else "")
    return f"About to {action} ticket {t.ref}:\n- {line}" + (f"\n- Note: {note}" if note else "")


def notification(kind: str, t: Ticket, dept: str, names: Names, tz: tzinfo, note: str | None = None) -> dict[str, str]:
    """Payload of an outbox message: a title and text in the ticket's language, plus the ticket reference."""
    lang: Lang = t.lang
    who = person(t.requester_id, names, lang)
    owner = person(t.owner_id, names, lang)
    due = when(t.deadline, tz)
    obj = f"（{t.object}）" if lang == "zh" and t.object else (f" ({t.object})" if t.object else "")
    zh = {
        "new_request": (f"新工单 {t.ref}", f"{who} 请{dept}协助{obj}：{t.ask}\n截止 {due}"),
        "reminder": (f"提醒：工单 {t.ref} 即将到期", f"{t.ask}{obj}\n截止 {due}，请尽快答复"),
        "escalation": (f"升级：工单 {t.ref} 已超时",
                       f"{who} 的请求{obj}未在 {due} 前得到答复，负责人 {owner}。\n{t.ask}"),
        "escalated_owner": (f"工单 {t.ref} 已升级", f"已超过截止时间 {due}，已通知你的上级。"),
        "acknowledged": (f"工单 {t.ref} 已受理", f"{owner} 已受理你的请求{obj}。"),
        "answered": (f"工单 {t.ref} 已答复", f"{owner} 答复：{note or t.answer or ''}"),
        "rejected": (f"工单 {t.ref} 被拒绝", f"{owner} 拒绝了该请求：{note or ''}"),
        "reopened": (f"工单 {t.ref} 被重新打开", f"{who}：{note or '答复未解决问题'}"),
        "closed": (f"工单 {t.ref} 已关闭", t.ask),
    }
    en = {
        "new_request": (f"New request {t.ref}", f"{who} asks {dept}{obj}: {t.ask}\nDue {due}"),
        "reminder": (f"Reminder: {t.ref} is due soon", f"{t.ask}{obj}\nDue {due}; please answer"),
        "escalation": (f"Escalation: {t.ref} is overdue",
                       f"{who}'s request{obj} was not answered by {due}; owner {owner}.\n{t.ask}"),
        "escalated_owner": (f"{t.ref} escalated", f"The deadline {due} has passed; your manager has been told."),
        "acknowledged": (f"{t.ref} acknowledged", f"{owner} has picked up your request{obj}."),
        "answered": (f"{t.ref} answered", f"{owner} answered: {note or t.answer or ''}"),
        "rejected": (f"{t.ref} rejected", f"{owner} declined the request: {note or ''}"),
        "reopened": (f"{t.ref} reopened", f"{who}: {note or 'the answer did not solve it'}"),
        "closed": (f"{t.ref} closed", t.ask),
    }
    title, text = (zh if lang == "zh" else en)[kind]
    return {"title": title, "text": text, "ticket": t.ref, "lang": lang}
