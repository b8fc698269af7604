"""Files to plain text with structure kept as Markdown headings: md, txt, pdf, docx, html, csv.

Libraries: pypdf (PDF), python-docx (DOCX), BeautifulSoup (HTML), PyYAML (front matter), csv (stdlib).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import yaml

SUFFIXES = {".md", ".markdown", ".txt", ".pdf", ".docx", ".html", ".htm", ".csv"}
MAX_FILE_BYTES = 25 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


class UnreadableFile(Exception):
    """A file that cannot be ingested; the message says why (shown in the ingest report)."""


def read_file(path: Path) -> tuple[str, dict[str, Any]]:
    """(text with '#' headings, front-matter metadata) of a supported file."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFile(f"unsupported type {suffix or '(none)'}; supported: {', '.join(sorted(SUFFIXES))}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"too large ({size / 1e6:.1f} MB; limit {MAX_FILE_BYTES / 1e6:.0f} MB)")
    if size == 0:
        raise UnreadableFile("empty file")
    meta: dict[str, Any] = {}
    try:
        if suffix == ".pdf":
            text = _pdf(path)
        elif suffix == ".docx":
            text = _docx(path)
        else:
            raw = _decode(path.read_bytes())
            if suffix in (".html", ".htm"):
                text = _html(raw)
            elif suffix == ".csv":
                text = _csv(raw)
            else:
                text, meta = _front_matter(raw)
    except UnreadableFile:
        raise
    except Exception as exc:
        raise UnreadableFile(f"corrupt or unreadable {suffix[1:].upper()} ({type(exc).__name__}: {exc})") from exc
    text = text.strip()
    if not text:
        raise UnreadableFile("no text found (scanned PDF or empty document?)")
    return text[:MAX_TEXT_CHARS], meta


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("not UTF-8 or GB18030 text")


def _front_matter(raw: str) -> tuple[str, dict[str, Any]]:
    m = _FRONT.match(raw)
    if not m:
        return raw, {}
    meta = yaml.safe_load(m.group(1)) or {}
    if not isinstance(meta, dict):
        raise UnreadableFile("front matter is not a mapping")
    return raw[m.end():], meta


def _pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = []
    for number, page in enumerate(reader.pages, 1):
        text = (page.extract_text() or "").strip()
        if text:
            pages.append(f"# Page {number}\n{text}")
    return "\n\n".join(pages)


def _docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    lines = []
    for para in document.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        heading = re.match(r"Heading (\d)", style)
        level = int(heading.group(1)) if heading else 1 if style == "Title" else 0
        lines.append(f"{'#' * level} {text}" if level else text)
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


def _html(raw: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "noscript"]):
        tag.decompose()
    lines = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "th", "pre", "title"]):
        text = el.get_text(" ", strip=True)
        if not text:
            continue
        if el.name in ("h1", "h2", "h3", "h4"):
            lines.append(f"{'#' * int(el.name[1])} {text}")
        elif el.name == "title":
            lines.append(f"# {text}")
        else:
            lines.append(text)
    return "\n".join(dict.fromkeys(lines))


def _csv(raw: str) -> str:
    rows = list(csv.reader(io.StringIO(raw)))
    if not rows:
        return ""
    header, body = rows[0], rows[1:]
    return "\n".join("; ".join(f"{h}: {v}" for h, v in zip(header, row, strict=False) if v) for row in body)
