"""A Reply as DingTalk robot markdown messages (pure: no I/O, tested without DingTalk).

DingTalk renders a subset of Markdown (headings, bold, italic, links, images by URL, lists, quotes) and shows
single newlines unreliably, so every line becomes its own paragraph (list items stay together) and Markdown
tables become bullet rows. Each message text stays under `MAX_TEXT` characters: DingTalk's markdown limit is
about 4000-5000 characters depending on the client, and the delivered text also carries the @-mention.

Payload of each OutMessage (JSON-serialisable; what `DingTalkPlatform.deliver` needs)::

    {
      "msgtype": "markdown",
      "markdown": {"title": str, "text": str},          # text WITHOUT the @-mention
      "at": {"atUserIds": [staffId], "isAtAll": false}, # groups only, first message of a reply only
      "route": {"session_webhook": str | None, "expires_ms": int, "conversation_type": "1" | "2",
                "open_conversation_id": str, "staff_id": str | None}
    }

`webhook_body` and `openapi_body` turn it into what the session webhook and the OpenAPI expect; the @-mention
("@staffId" in the text + at.atUserIds) exists only on the webhook, since OpenAPI `sampleMarkdown` cannot mention.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from agent.reply import Reply
from tools.base import Attachment

MAX_TEXT = 3000  # characters of markdown text per message (a safe bound under DingTalk's ~4000-5000)
MAX_TITLE = 30  # the title is what the chat list and the notification show
ROUTE_KEYS = ("session_webhook", "expires_ms", "conversation_type", "open_conversation_id", "staff_id")

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s+")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_TITLE_MARKUP = re.compile(r"^[#>\-*+\s]+|[*_`]+")


def _cells(line: str) -> list[str]:
    row = line.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(row)]


def table_rows(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table as bullet rows: DingTalk shows tables as raw pipes, and a phone is too narrow for columns."""
    if len(header) <= 2:
        caption = [f"**{' · '.join(h for h in header if h)}**"] if any(header) else []
        return caption + ["- " + ": ".join(c for c in row[:2] if c) for row in rows if any(row)]
    lines = []
    for row in rows:
        pairs = [f"{h}: {c}" if h else c for h, c in zip(header[1:], row[1:], strict=False) if c]
        head = f"**{row[0]}**" if row and row[0] else ""
        lines.append("- " + " — ".join(p for p in (head, " · ".join(pairs)) if p))
    return [line for line in lines if line != "- "]


def _blocks(text: str) -> list[str]:
    """Paragraph blocks: a table, a run of list items or a code fence stays one block; other lines stand alone."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[str] = []
    run: list[str] = []  # pending list items
    i = 0

    def flush() -> None:
        if run:
            blocks.append("\n".join(run))
            run.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        if line.lstrip().startswith("```"):
            flush()
            end = next((j for j in range(i + 1, len(lines)) if lines[j].lstrip().startswith("```")), len(lines) - 1)
            blocks.append("\n".join(lines[i:end + 1]))
            i = end + 1
        elif "|" in line and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1]):
            flush()
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                j += 1
            blocks.append("\n".join(table_rows(_cells(line), [_cells(r) for r in lines[i + 2:j]])))
            i = j
        else:
            if _LIST_ITEM.match(line):
                run.append(line)
            else:
                flush()
                if line.strip():
                    blocks.append(line)
            i += 1
    flush()
    return [b for b in blocks if b.strip()]


def _cut(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line end, else a space or CJK punctuation, else anywhere."""
    pieces = []
    while len(text) > limit:
        window = text[:limit]
        at = max(window.rfind("\n"), window.rfind(" "), *(window.rfind(p) for p in "。，；！？,;"))
        at = at + 1 if at >= limit * 0.6 else limit
        pieces.append(text[:at].rstrip())
        text = text[at:].lstrip()
    return [*pieces, text] if text else pieces


def pack(blocks: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Blocks joined by blank lines into as few texts of at most `limit` characters as possible, order kept."""
    texts: list[str] = []
    current = ""
    for block in blocks:
        for piece in _cut(block, limit):
            if current and len(current) + 2 + len(piece) > limit:
                texts.append(current)
                current = ""
            current = f"{current}\n\n{piece}" if current else piece
    return [*texts, current] if current else texts


def title_of(text: str, fallback: str) -> str:
    """The first line without markup, shortened: DingTalk shows it in the chat list and the notification."""
    for line in text.splitlines():
        plain = " ".join(_TITLE_MARKUP.sub("", line).split())
        if plain and not _SEPARATOR.match(line):
            return plain if len(plain) <= MAX_TITLE else plain[:MAX_TITLE - 1] + "…"
    return fallback


def _safe(text: str) -> str:
    return text.replace("[", "(").replace("]", ")").replace("\n", " ").strip()


def attachment_line(att: Attachment, lang: str) -> str:
    """Images only show by public URL and nothing is uploaded, so local charts and files point to the web console."""
    url = att.url if att.url and att.url.startswith(("https://", "http://")) else None
    title = _safe(att.title)
    if url:
        return f"![{title}]({url})" if att.kind == "chart" else f"[📄 {title}]({url})"
    icon = "📊" if att.kind == "chart" else "📄"
    if lang == "zh":
        return f"{icon} {title}（{'图表' if att.kind == 'chart' else '文件'}可在网页控制台查看）"
    return f"{icon} {title} (open the {'chart' if att.kind == 'chart' else 'file'} in the web console)"


def tools_line(reply: Reply) -> str | None:
    names = list(dict.fromkeys(c.name for c in reply.tool_calls))
    if not names:
        return None
    return f"*{'工具' if reply.language == 'zh' else 'Tools'}: {', '.join(names)}*"


def _route(route: dict[str, Any]) -> dict[str, Any]:
    return {k: route.get(k) for k in ROUTE_KEYS}


def _messages(blocks: list[str], title: str, route: dict[str, Any]) -> list[dict[str, Any]]:
    texts = pack(blocks) or ["…"]
    staff = route.get("staff_id")
    out = []
    for n, text in enumerate(texts, 1):
        part_title = title if len(texts) == 1 else f"{title} ({n}/{len(texts)})"
        payload: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": part_title, "text": text},
                                   "route": _route(route)}
        if n == 1 and route.get("conversation_type") == "2" and staff:
            payload["at"] = {"atUserIds": [staff], "isAtAll": False}
        out.append(payload)
    return out


def confirm_links(action_id: str, lang: str) -> str:
    """Confirm / cancel links for a one-to-one chat: tapping one sends "确认 <id>" / "取消 <id>" as the user's own
    message (DingTalk's dtmd sendMessage link). In groups the robot only hears @-mentions, so the reply's own
    words ("回复“确认”…") are the way there."""
    yes, no = ("确认", "取消") if lang == "zh" else ("yes", "no")
    labels = ("✅ 确认", "取消") if lang == "zh" else ("✅ Confirm", "Cancel")

    def link(label: str, word: str) -> str:
        return f"[{label}](dtmd://dingtalkclient/sendMessage?content={quote(f'{word} {action_id}')})"

    return f"{link(labels[0], yes)}　　{link(labels[1], no)}"


def render_reply(reply: Reply, route: dict[str, Any]) -> list[dict[str, Any]]:
    """The reply as markdown payloads in delivery order: heard transcript, answer, attachments, tools that ran."""
    blocks = []
    if reply.transcript:
        heard = " ".join(reply.transcript.split())
        blocks.append(f"> 🎤 {heard[:300]}{'…' if len(heard) > 300 else ''}")
    blocks += _blocks(reply.reply)
    blocks += [attachment_line(a, reply.language) for a in reply.attachments]
    tools = tools_line(reply)
    if tools:
        blocks.append(tools)
    if reply.confirmation is not None and route.get("conversation_type") != "2":
        blocks.append(confirm_links(reply.confirmation.id, reply.language))
    title = title_of(reply.reply, "回复" if reply.language == "zh" else "Reply")
    return _messages(blocks, title, route)


def render_notice(text: str, route: dict[str, Any]) -> list[dict[str, Any]]:
    """A short system message (e.g. "I can read text and voice") in the same payload shape."""
    return _messages(_blocks(text), title_of(text, "Copilot"), route)


def webhook_body(payload: dict[str, Any]) -> dict[str, Any]:
    """What the session webhook takes: the markdown, with "@staffId" in the text when someone is mentioned."""
    at = payload.get("at") or {}
    mention = " ".join(f"@{u}" for u in at.get("atUserIds", []))
    text = payload["markdown"]["text"]
    body: dict[str, Any] = {"msgtype": "markdown",
                            "markdown": {"title": payload["markdown"]["title"],
                                         "text": f"{mention}\n\n{text}" if mention else text}}
    if at:
        body["at"] = {"atUserIds": list(at.get("atUserIds", [])), "isAtAll": False}
    return body


def openapi_body(payload: dict[str, Any], robot_code: str) -> tuple[str, dict[str, Any]]:
    """The OpenAPI path and body: one-to-one batchSend to the staff id, or a group send to the conversation."""
    param = json.dumps({"title": payload["markdown"]["title"], "text": payload["markdown"]["text"]},
                       ensure_ascii=False)
    route = payload["route"]
    base = {"robotCode": robot_code, "msgKey": "sampleMarkdown", "msgParam": param}
    if route.get("conversation_type") == "2":
        return "/v1.0/robot/groupMessages/send", {**base, "openConversationId": route["open_conversation_id"]}
    return "/v1.0/robot/oToMessages/batchSend", {**base, "userIds": [route["staff_id"]]}
