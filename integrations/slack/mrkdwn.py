"""Markdown (what the agent writes) to Slack mrkdwn (what Slack shows), as segments the block builder packs.

Slack's mrkdwn is not Markdown: *bold*, _italic_, ~strike~, <url|text> links, no headings and no tables, and
&, <, > must be escaped. Tables become aligned preformatted text (CJK characters count as two columns) because
a section cannot lay out columns. Pure functions, no Slack.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

ZWSP = "\u200b"  # lets Slack see *bold* next to CJK text or letters, where it otherwise ignores the markers

_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|!?\[(?P<label>[^\]\n]+)\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)"
    r"|<(?P<auto>(?:https?|mailto):[^>\s]+)>"
    r"|\*\*(?P<bold>.+?)\*\*|__(?P<bold2>.+?)__"
    r"|~~(?P<strike>.+?)~~"
    r"|(?<![\w*\\])\*(?![\s*])(?P<em>.+?)(?<![\s*\\])\*(?![\w*])"
)
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_BULLET = re.compile(r"^(?P<indent>\s*)[-*+]\s+(?:\[(?P<task>[ xX])\]\s+)?(?P<text>.*)$")
_NUMBERED = re.compile(r"^(?P<indent>\s*)(?P<num>\d{1,9})[.)]\s+(?P<text>.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(?P<text>.*)$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_NUMERIC = re.compile(r"^[+\-−±]?\s?[¥$€£]?\s?\d")
_SAFE_URL = re.compile(r"^(https?|mailto):", re.IGNORECASE)
_WORDLIKE = re.compile(r"[^\s!-/:-@\[-`{-~]")  # anything but whitespace and ASCII punctuation
_BLANK_CELLS = ("", "-", "—", "–", "n/a", "N/A")


@dataclass
class Segment:
    """A run of mrkdwn lines ("text"), preformatted lines ("pre", the first `head` repeated when split) or a
    divider."""

    kind: Literal["text", "pre", "divider"]
    lines: list[str] = field(default_factory=list)
    head: int = 0


def escape(text: str) -> str:
    """The three characters Slack reserves for its own markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def display_width(text: str) -> int:
    """Columns the text takes in a monospaced font: wide CJK characters count 2, combining marks 0."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or ch == ZWSP:
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def link(url: str, label: str) -> str:
    """A Slack link to url showing label (already escaped); unsafe schemes show the label only."""
    if not _SAFE_URL.match(url):  # javascript:, relative paths: show the words, link nothing
        return label
    target = escape(url).replace("|", "%7C")
    label = label.replace("|", "¦")
    return f"<{target}|{label}>" if label else f"<{target}>"


def _pad(text: str, start: int, end: int, marked: str) -> str:
    """Zero-width spaces around a marker run when it touches letters or CJK, so Slack still formats it."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return (ZWSP if _WORDLIKE.match(before) else "") + marked + (ZWSP if _WORDLIKE.match(after) else "")


def inline(text: str) -> str:
    """One line of Markdown as mrkdwn: emphasis, links and code converted, everything else escaped."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(escape(text[pos:m.start()]))
        pos = m.end()
        if m["code"] is not None:
            out.append(_pad(text, m.start(), m.end(), f"`{escape(m['code'])}`"))
        elif m["url"] is not None:
            out.append(link(m["url"], escape(plain(m["label"]))))
        elif m["auto"] is not None:
            out.append(link(m["auto"], ""))
        else:
            inner = m["bold"] or m["bold2"] or m["strike"] or m["em"]
            mark = "~" if m["strike"] is not None else "_" if m["em"] is not None else "*"
            out.append(_pad(text, m.start(), m.end(), f"{mark}{inline(inner)}{mark}"))
    out.append(escape(text[pos:]))
    return "".join(out)


def plain(text: str) -> str:
    """Inline Markdown without its markers (table cells, fallback text): links keep their address."""

    def one(m: re.Match[str]) -> str:
        if m["code"] is not None:
            return m["code"]
        if m["url"] is not None:
            return f"{plain(m['label'])} ({m['url']})"
        if m["auto"] is not None:
            return m["auto"]
        return plain(m["bold"] or m["bold2"] or m["strike"] or m["em"])

    return _INLINE.sub(one, text)


def _cells(row: str) -> list[str]:
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [plain(c.strip().replace("\\|", "|")) for c in re.split(r"(?<!\\)\|", row)]


def table(rows: list[str]) -> Segment:
    """Markdown table rows (header, rule, body) as aligned monospaced lines; numbers right-aligned."""
    header, rule, body = _cells(rows[0]), _cells(rows[1]), [_cells(r) for r in rows[2:]]
    ncol = max(len(header), *(len(r) for r in body)) if body else len(header)
    grid = [r + [""] * (ncol - len(r)) for r in [header, *body]]
    widths = [max(display_width(r[i]) for r in grid) for i in range(ncol)]
    right = []
    for i in range(ncol):
        spec = rule[i] if i < len(rule) else ""
        numeric = bool(body) and all(_NUMERIC.match(r[i]) or r[i] in _BLANK_CELLS for r in grid[1:])
        right.append(False if spec.startswith(":") else spec.endswith(":") or numeric)

    def line(r: list[str]) -> str:
        parts = []
        for i, cell in enumerate(r):
            gap = " " * (widths[i] - display_width(cell))
            parts.append(gap + cell if right[i] else cell + gap)
        return "  ".join(parts).rstrip()

    lines = [line(grid[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in grid[1:]]
    return Segment("pre", [escape(x) for x in lines], head=2)


def _is_table(lines: list[str], i: int) -> bool:
    """A header row followed by a |---|---| rule (a lone --- under text is a rule, not a table)."""
    if "|" not in lines[i] or i + 1 >= len(lines):
        return False
    rule = lines[i + 1]
    return "|" in rule and "-" in rule and bool(_TABLE_RULE.match(rule))


def _line(line: str) -> str:
    if m := _HEADING.match(line):
        title = m["text"].replace("**", "").replace("__", "")
        return f"*{inline(title)}*" if title else ""
    if m := _BULLET.match(line):
        depth = len(m["indent"].expandtabs(4)) // 2
        mark = {" ": "☐", "x": "☑", "X": "☑"}.get(m["task"] or "", "•" if depth == 0 else "◦")
        return "    " * depth + f"{mark} {inline(m['text'])}"
    if m := _NUMBERED.match(line):
        depth = len(m["indent"].expandtabs(4)) // 2
        return "    " * depth + f"{m['num']}. {inline(m['text'])}"
    if m := _QUOTE.match(line):
        return f">{inline(m['text'])}" if not m["text"] else f"> {inline(m['text'])}"
    return inline(line)


def segments(markdown: str) -> list[Segment]:
    """The reply as text runs, preformatted blocks (code, tables) and dividers, in reading order."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    out: list[Segment] = []

    def text(line: str) -> None:
        if out and out[-1].kind == "text":
            out[-1].lines.append(line)
        else:
            out.append(Segment("text", [line]))

    i = 0
    while i < len(lines):
        line = lines[i]
        if fence := _FENCE.match(line):
            body, i = [], i + 1
            while i < len(lines) and not lines[i].strip().startswith(fence.group(1)):
                body.append(escape(lines[i]))
                i += 1
            out.append(Segment("pre", body or [""]))
        elif _is_table(lines, i):
            rows = [line, lines[i + 1]]
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(lines[i])
                i += 1
            out.append(table(rows))
            continue
        elif _RULE.match(line):
            out.append(Segment("divider"))
        else:
            text(_line(line))
        i += 1
    for seg in out:  # blank lines at the edges of a run would only add space around tables and dividers
        while seg.kind == "text" and seg.lines and not seg.lines[-1].strip():
            seg.lines.pop()
        while seg.kind == "text" and seg.lines and not seg.lines[0].strip():
            seg.lines.pop(0)
    return [s for s in out if s.kind != "text" or s.lines]
