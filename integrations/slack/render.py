"""A Reply as the Slack calls that show it: pure builders, tested without Slack, stored by the outbox as JSON.

`render_reply` and `render_notice` return payloads in the order they must arrive. Each payload is one call:

- ``{"method": "chat.postMessage", "args": {...}}``: args are the keyword arguments of
  ``WebClient.chat_postMessage``: channel, thread_ts (absent for DMs answered flat), text, blocks (absent for
  notices), unfurl_links/unfurl_media false.
- ``{"method": "response_url", "url": <slash-command response_url>, "body": {...}}``: body is the JSON posted
  there: response_type "ephemeral", replace_original false, text, blocks. A slash command is not seen by the
  channel, so neither is its answer (it may hold the asker's scoped data): only the asker sees it.
- ``{"method": "files_upload_v2", "args": {...}, "dm_user"?: id}``: the keyword arguments of
  ``WebClient.files_upload_v2``: channel, thread_ts, file (local path), filename, title, alt_txt (charts). For a
  slash command the files go to the asker's DM: no channel, `dm_user` names whose DM the platform opens.

`text` is the plain fallback Slack needs for notifications and screen readers; the blocks carry the reply.
Long replies are split at line ends into several sections (<= 3000 characters) and, past 50 blocks or
~12,000 characters, several messages: nothing is cut off.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePath
from typing import Any

from agent.reply import Reply, ToolCallRecord
from copilot.errors import Lang
from integrations.slack.mrkdwn import ZWSP, Segment, escape, link, segments
from tools.base import Attachment

SECTION_CHARS = 3000  # Slack's limit for a section's text
MAX_BLOCKS = 50  # Slack's limit for blocks in one message
MESSAGE_CHARS = 12_000  # kept well under Slack's undocumented total (msg_blocks_too_long)
FALLBACK_CHARS = 3000  # notifications show a line or two; the blocks hold everything
CONTEXT_CHARS = 2000  # a context element allows 3000

_WORDS: dict[str, tuple[str, str]] = {  # key: (en, zh)
    "tools": ("Tools: ", "工具："),
    "ok": ("ok", "成功"),
    "failed": ("failed", "失败"),
    "stopped": ("needs a detail", "需要补充信息"),
    "heard": ("Heard: ", "识别内容："),
}
_FENCE = "```"


def _word(key: str, lang: Lang) -> str:
    en, zh = _WORDS[key]
    return zh if lang == "zh" else en


def _split_line(line: str, limit: int) -> list[str]:
    """An overlong line in pieces, cut at a space where possible and never inside a <link> or an &entity;."""
    parts: list[str] = []
    limit = max(limit, 16)
    while len(line) > limit:
        cut = line.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        if (lt := line.rfind("<", 0, cut)) > line.rfind(">", 0, cut) and lt > 0:
            cut = lt
        if (amp := line.rfind("&", 0, cut)) > line.rfind(";", 0, cut) and cut - amp < 6 and amp > 0:
            cut = amp
        parts.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    parts.append(line)
    return parts


def _pack(lines: list[str], limit: int, head: list[str] | None = None) -> list[str]:
    """Lines joined into chunks of at most `limit` characters; `head` (a table's header) starts every chunk."""
    head = head or []
    base = sum(len(x) + 1 for x in head)
    if base > limit // 2:  # a header that big is not worth repeating
        lines, head, base = head + lines, [], 0
    chunks: list[str] = []
    cur: list[str] = []
    size = base
    for line in lines:
        for piece in _split_line(line, limit - base):
            if cur and size + len(piece) + 1 > limit:
                chunks.append("\n".join(head + cur))
                cur, size = [], base
            cur.append(piece)
            size += len(piece) + 1
    if cur or not chunks:
        chunks.append("\n".join(head + cur))
    return chunks


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    if len(text) > CONTEXT_CHARS:
        text = text[: CONTEXT_CHARS - 1] + "…"
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _blocks(segs: list[Segment]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for seg in segs:
        if seg.kind == "divider":
            blocks.append({"type": "divider"})
        elif seg.kind == "pre":
            fenced = len(_FENCE) * 2 + 2
            for chunk in _pack(seg.lines[seg.head:], SECTION_CHARS - fenced, seg.lines[: seg.head]):
                blocks.append(_section(f"{_FENCE}\n{chunk}\n{_FENCE}"))
        else:
            blocks.extend(_section(chunk) for chunk in _pack(seg.lines, SECTION_CHARS))
    return blocks


def _size(block: dict[str, Any]) -> int:
    if block["type"] == "section":
        return len(block["text"]["text"])
    return sum(len(e.get("text", "")) for e in block.get("elements", []))


def _group(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Blocks shared out over messages, each within Slack's block count and a safe total length."""
    groups: list[list[dict[str, Any]]] = [[]]
    size = 0
    for block in blocks:
        if groups[-1] and (len(groups[-1]) >= MAX_BLOCKS or size + _size(block) > MESSAGE_CHARS):
            groups.append([])
            size = 0
        groups[-1].append(block)
        size += _size(block)
    return [g for g in groups if g]


def _fallback(blocks: list[dict[str, Any]]) -> str:
    """The sections as plain text for notifications (the answer, not the tools line): no markers or fences."""
    shown = [b for b in blocks if b["type"] == "section"] or [b for b in blocks if b["type"] == "context"]
    texts = [b["text"]["text"] if b["type"] == "section" else " ".join(e["text"] for e in b["elements"])
             for b in shown]
    text = "\n".join(texts).replace(_FENCE + "\n", "").replace("\n" + _FENCE, "")
    text = re.sub(r"<([^|>]+)\|([^>]*)>", r"\2", text)
    text = re.sub(r"<([^|>]+)>", r"\1", text)
    text = re.sub(r"(?<![\w*_~])([*_~])(\S(?:[^\n]*?\S)?)\1(?![\w*_~])", r"\2", text)
    text = text.replace(ZWSP, "").strip()
    return text if len(text) <= FALLBACK_CHARS else text[: FALLBACK_CHARS - 1] + "…"


def _post(route: dict[str, Any], text: str, blocks: list[dict[str, Any]] | None,
          response_type: str = "ephemeral") -> dict[str, Any]:
    if route.get("response_url"):
        body: dict[str, Any] = {"response_type": response_type, "replace_original": False, "text": text}
        if blocks:
            body["blocks"] = blocks
        return {"method": "response_url", "url": route["response_url"], "body": body}
    if not route.get("channel"):
        raise ValueError("a Slack route needs a channel or a response_url")
    args: dict[str, Any] = {"channel": route["channel"], "text": text, "unfurl_links": False, "unfurl_media": False}
    if route.get("thread_ts"):
        args["thread_ts"] = route["thread_ts"]
    if blocks:
        args["blocks"] = blocks
    return {"method": "chat.postMessage", "args": args}


def _upload(att: Attachment, path: str, route: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {"file": path, "filename": PurePath(path).name, "title": att.title}
    if att.kind == "chart":
        args["alt_txt"] = att.title  # what screen readers say for the image
    if route.get("response_url") and route.get("dm_user"):  # a slash command's files: to the asker alone
        return {"method": "files_upload_v2", "args": args, "dm_user": route["dm_user"]}
    if not route.get("channel"):
        raise ValueError("a Slack route needs a channel to upload files")
    args["channel"] = route["channel"]
    if route.get("thread_ts"):
        args["thread_ts"] = route["thread_ts"]
    return {"method": "files_upload_v2", "args": args}


def tools_context(calls: list[ToolCallRecord], lang: Lang) -> dict[str, Any] | None:
    """A small grey line naming the tools that ran and how each ended (errors stay in the log)."""
    if not calls:
        return None
    counts = Counter((c.name, "ok" if c.ok else "failed" if c.error else "stopped") for c in calls)
    parts = [f"`{escape(name)}` {_word(status, lang)}" + (f" ×{n}" if n > 1 else "")
             for (name, status), n in counts.items()]
    return _context(_word("tools", lang) + " · ".join(parts))


CONFIRM_ACTIONS = ("copilot_confirm", "copilot_cancel")


def confirm_buttons(reply: Reply) -> dict[str, Any] | None:
    """Confirm / cancel buttons for a side effect waiting for the user's yes. A click comes back as a block action
    whose value is the message it stands for ("确认 <id>"), so it is answered like a typed yes, for this action only."""
    c = reply.confirmation
    if c is None:
        return None
    zh = reply.language == "zh"
    labels = (("✅ 确认", f"确认 {c.id}"), ("取消", f"取消 {c.id}")) if zh else (
        ("✅ Confirm", f"yes {c.id}"), ("Cancel", f"no {c.id}"))
    buttons = []
    for action_id, (label, value) in zip(CONFIRM_ACTIONS, labels, strict=True):
        button: dict[str, Any] = {"type": "button", "action_id": action_id, "value": value,
                                  "text": {"type": "plain_text", "text": label}}
        if action_id == "copilot_confirm":
            button["style"] = "primary"
        buttons.append(button)
    return {"type": "actions", "block_id": f"confirm:{c.id}", "elements": buttons}


def render_reply(reply: Reply, route: dict[str, Any]) -> list[dict[str, Any]]:
    """The reply's messages (text, tables, tools used), then one upload per chart or report file."""
    segs = segments(reply.reply)
    links = [f"📎 {link(a.url, escape(a.title))}" for a in reply.attachments if a.url and not a.path]
    if links and segs and segs[-1].kind == "text":
        segs[-1].lines += ["", *links]
    elif links:
        segs.append(Segment("text", links))
    blocks = _blocks(segs)
    if reply.transcript:
        blocks.insert(0, _context(f"🎤 {_word('heard', reply.language)}“{escape(reply.transcript)}”"))
    if (tools := tools_context(reply.tool_calls, reply.language)) is not None:
        blocks.append(tools)
    if (buttons := confirm_buttons(reply)) is not None:
        blocks.append(buttons)
    payloads = [_post(route, _fallback(group), group) for group in _group(blocks)]
    payloads += [_upload(a, a.path, route) for a in reply.attachments if a.path]
    return payloads


def render_notice(text: str, route: dict[str, Any]) -> list[dict[str, Any]]:
    """A refusal or error as plain short message(s), seen only by the asker when Slack allows (slash commands)."""
    lines = [escape(line) for line in text.strip().splitlines()]
    if not lines:
        return []
    return [_post(route, chunk, None, response_type="ephemeral") for chunk in _pack(lines, SECTION_CHARS)]
