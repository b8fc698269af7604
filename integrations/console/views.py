"""What the console shows: replies as safe HTML with signed attachment links, ticket rows with their SLA status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from agent.reply import Reply
from integrations.console.auth import ConsoleKeys
from integrations.console.texts import UiLang, texts
from tools.routing.metrics import HealthRow
from tools.routing.model import State, Ticket
from tools.routing.texts import STATE_ZH, when

# CommonMark + tables, raw HTML escaped, no images: a reply can never load a remote resource or run a script.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"]).disable("image")
SERVED_DIRS = ("charts", "reports")


def markdown_html(text: str) -> str:
    return _MD.render(text)


def attachment_url(keys: ConsoleKeys, data_dir: Path, user_id: str, path: str, hours: float) -> str | None:
    """A link to one chart or report for one user, or None when the file is not one the console may serve."""
    rel = _served_relative(data_dir, Path(path))
    if rel is None:
        return None
    return "/console/files/" + keys.issue("file", {"u": user_id, "p": rel}, hours)


def _served_relative(data_dir: Path, path: Path) -> str | None:
    try:
        rel = path.resolve().relative_to(data_dir.resolve())
    except ValueError:
        return None
    return rel.as_posix() if rel.parts and rel.parts[0] in SERVED_DIRS and len(rel.parts) > 1 else None


def served_file(data_dir: Path, rel: str) -> Path | None:
    """The file a signed link names, if it is still there and inside a served folder."""
    path = (data_dir / rel).resolve()
    if _served_relative(data_dir, path) is None or not path.is_file():
        return None
    return path


def reply_view(reply: Reply, keys: ConsoleKeys, data_dir: Path, user_id: str, hours: float) -> dict[str, Any]:
    """The Reply as the page draws it: Markdown rendered to HTML, local file paths turned into expiring links."""
    attachments = []
    for a in reply.attachments:
        url = a.url or (attachment_url(keys, data_dir, user_id, a.path, hours) if a.path else None)
        if url:
            attachments.append({"kind": a.kind, "title": a.title, "url": url,
                                "name": Path(a.path).name if a.path else a.title})
    return {
        "reply": reply.reply,
        "html": markdown_html(reply.reply),
        "language": reply.language,
        "tool_calls": [c.model_dump() for c in reply.tool_calls],
        "attachments": attachments,
        "transcript": reply.transcript,
        "conversation_id": reply.conversation_id,
        "trace_id": reply.trace_id,
        # Buttons that answer the pending side effect; each sends "确认 <id>" / "取消 <id>" like a typed message.
        "confirmation": confirm_buttons(reply),
    }


def confirm_buttons(reply: Reply) -> dict[str, str] | None:
    """Labels and the messages the confirm / cancel buttons send (the id makes an old button act on its own action)."""
    c = reply.confirmation
    if c is None:
        return None
    if reply.language == "zh":
        return {"id": c.id, "yes_label": "✅ 确认", "no_label": "取消", "yes_text": f"确认 {c.id}",
                "no_text": f"取消 {c.id}"}
    return {"id": c.id, "yes_label": "✅ Confirm", "no_label": "Cancel", "yes_text": f"yes {c.id}",
            "no_text": f"no {c.id}"}


@dataclass(frozen=True)
class TicketRow:
    ref: str
    department: str
    ask: str
    other: str  # the owner (my requests) or the requester (assigned to me)
    state: str
    deadline: str
    sla: str
    sla_class: str  # ok | due | late


def sla_status(t: Ticket, now: datetime, lang: UiLang) -> tuple[str, str]:
    """(label, css class): met / missed by 3h for answered tickets, due in 5h / overdue by 2h for waiting ones."""
    words = texts(lang)
    if t.state == State.REJECTED or (t.state == State.CLOSED and t.answered_at is None):
        return words["sla_stopped"], "ok"
    if t.answered_at is not None:
        late = t.answered_at - t.deadline
        if late <= timedelta(0):
            return words["sla_met"], "ok"
        return words["sla_missed"].format(h=_span(late, lang)), "late"
    left = t.deadline - now
    if left >= timedelta(0):
        return words["sla_due"].format(h=_span(left, lang)), "due"
    return words["sla_overdue"].format(h=_span(-left, lang)), "late"


def _span(delta: timedelta, lang: UiLang) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} 分钟" if lang == "zh" else f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} 小时" if lang == "zh" else f"{hours}h"
    return f"{hours // 24} 天" if lang == "zh" else f"{hours // 24}d"


def ticket_row(t: Ticket, other: str, dept: str, now: datetime, tz: tzinfo, lang: UiLang) -> TicketRow:
    label, css = sla_status(t, now, lang)
    state = STATE_ZH[t.state] if lang == "zh" else str(t.state)
    return TicketRow(ref=t.ref, department=dept, ask=t.ask, other=other, state=state,
                     deadline=when(t.deadline, tz), sla=label, sla_class=css)


def health_cells(row: HealthRow, region: str) -> list[str]:
    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.0%}"

    def hours(v: float | None) -> str:
        return "—" if v is None else f"{v:.1f}"

    return [region, str(row.tickets), str(row.open), hours(row.response_p50_h), hours(row.response_p90_h),
            pct(row.sla_hit_rate), pct(row.first_pass_rate), pct(row.reopen_rate)]
