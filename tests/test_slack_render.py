"""Block Kit rendering of replies: pure builders, checked on the payloads themselves (no Slack)."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from agent.reply import Reply, ToolCallRecord
from integrations.slack.render import render_notice, render_reply
from tools.base import Attachment

THREAD = {"channel": "C123", "thread_ts": "1700000000.000100", "response_url": None}

ZH_REPLY = (
    "华南 · 2026-Q3 销售额：¥8,308.8万（同比 +¥935.7万 (+12.7%)）\n"
    "最高：**电商旗舰店** ¥3,788.6万（占 45.6%）\n"
    "| 渠道 | 销售额 | 上期 | 变化 |\n|---|---|---|---|\n"
    "| 电商旗舰店 | ¥3,788.6万 | ¥3,115.7万 | +¥673.0万 (+21.6%) |\n"
    "| 商超/KA | ¥2,005.6万 | ¥1,930.3万 | +¥75.3万 (+3.9%) |\n"
    "| 经销商 | ¥1,629.5万 | ¥1,550.6万 | +¥78.9万 (+5.1%) |\n"
    "| 便利店 | ¥885.1万 | ¥776.5万 | +¥108.6万 (+14.0%) |\n"
    "对比期间：2025-07-01 至 2025-09-30。"
)

EN_REPLY = (
    "## ROI summary\n"
    "The **X200 upgrade** pays back in *2.1 years* for A&B <Retail>.\n"
    "- ROI 38%, NPV ¥1.2M\n"
    "  - discounted payback 2.4 years\n"
    "- See [the ROI guide](https://wiki.example.com/roi?x=1&y=2) and ~~old numbers~~\n"
    "1. First step\n"
    "---\n"
    "> Assumes 3% inflation"
)


def _reply(text: str, lang: str = "en", **kw: Any) -> Reply:
    return Reply(reply=text, language=lang, conversation_id="conv1", trace_id="trace1", **kw)  # type: ignore[arg-type]


def _posts(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p["args"] for p in payloads if p["method"] == "chat.postMessage"]


def _sections(payloads: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for args in _posts(payloads) for b in args["blocks"] if b["type"] == "section"]


def _width(text: str) -> int:  # the test's own oracle: wide East Asian characters take two columns
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text if c != "\u200b")


def test_english_markdown_becomes_mrkdwn() -> None:
    payloads = render_reply(_reply(EN_REPLY), THREAD)
    [post] = _posts(payloads)
    assert post["channel"] == "C123" and post["thread_ts"] == "1700000000.000100"
    text = "\n".join(_sections(payloads))
    assert "*ROI summary*" in text and "##" not in text
    assert "The *X200 upgrade* pays back in _2.1 years_ for A&amp;B &lt;Retail&gt;." in text
    assert "• ROI 38%, NPV ¥1.2M" in text
    assert "    ◦ discounted payback 2.4 years" in text
    assert "<https://wiki.example.com/roi?x=1&amp;y=2|the ROI guide>" in text
    assert "~old numbers~" in text and "1. First step" in text
    assert "> Assumes 3% inflation" in text  # a quote stays a quote: its > is not escaped
    assert {"type": "divider"} in post["blocks"]
    assert "**" not in text and "[the ROI guide]" not in text
    # the plain fallback is there for notifications, without markup
    assert post["text"].startswith("ROI summary\nThe X200 upgrade pays back")
    assert "*" not in post["text"] and "wiki.example.com" not in post["text"]


def test_chinese_table_is_aligned_counting_cjk_as_two_columns() -> None:
    payloads = render_reply(_reply(ZH_REPLY, "zh"), THREAD)
    sections = _sections(payloads)
    [table] = [s for s in sections if s.startswith("```")]
    lines = table.split("\n")[1:-1]
    assert lines[0].split() == ["渠道", "销售额", "上期", "变化"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split()[:3] == ["电商旗舰店", "¥3,788.6万", "¥3,115.7万"]
    assert len(lines) == 6 and "|" not in table
    # numbers right-aligned: every line ends at the same screen column, and so does every money column
    assert len({_width(line) for line in lines}) == 1
    for row in lines[2:]:
        assert _width(row[: row.index("万") + 1]) == _width(lines[2][: lines[2].index("万") + 1])
    text = "\n".join(sections)
    assert "最高：\u200b*电商旗舰店* ¥3,788.6万" in text  # bold touching CJK gets a zero-width space
    assert "对比期间：2025-07-01 至 2025-09-30。" in text


def test_long_reply_is_split_within_slack_limits_without_losing_text() -> None:
    para = [f"Line {i}: " + "revenue grew in every region " * 5 for i in range(700)]
    rows = "\n".join(f"| Store {i} | ¥{i},000 |" for i in range(400))
    long_line = " ".join(f"w{i}" for i in range(2500))  # one line longer than a section
    text = "\n".join(para) + "\n| store | revenue |\n|---|---:|\n" + rows + "\n" + long_line
    payloads = render_reply(_reply(text, tool_calls=[ToolCallRecord(name="analytics_query", ok=True)]), THREAD)
    posts = _posts(payloads)
    assert len(posts) > 1
    for post in posts:
        assert len(post["blocks"]) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in post["blocks"] if b["type"] == "section")
        assert post["thread_ts"] == THREAD["thread_ts"] and len(post["text"]) <= 3000
    sections = _sections(payloads)
    joined = "\n".join(sections)
    assert all(joined.count(f"Line {i}: ") == 1 for i in range(700))
    tables = [s for s in sections if s.startswith("```")]
    assert len(tables) > 1 and all(t.split("\n")[1].split() == ["store", "revenue"] for t in tables)
    assert all(joined.count(f"Store {i} ") == 1 for i in range(400))
    assert " ".join(joined.split()).count(" ".join(long_line.split())[-200:]) == 1
    words = joined.split()
    assert all(words.count(f"w{i}") == 1 for i in range(0, 2500, 50))
    assert posts[-1]["blocks"][-1]["type"] == "context"  # the tools line closes the last message


def test_many_short_blocks_are_shared_out_over_messages() -> None:
    text = "\n---\n".join(f"Part {i}" for i in range(120))  # 239 small blocks (text, divider, text, ...)
    posts = _posts(render_reply(_reply(text), THREAD))
    assert [len(p["blocks"]) for p in posts] == [50, 50, 50, 50, 39]
    assert [s for p in posts for s in (b["text"]["text"] for b in p["blocks"] if b["type"] == "section")] == [
        f"Part {i}" for i in range(120)]


def test_tools_context_names_each_tool_and_how_it_ended() -> None:
    calls = [ToolCallRecord(name="analytics_query", ok=True),
             ToolCallRecord(name="analytics_query", ok=True),
             ToolCallRecord(name="query_forecast", ok=False, error="database is locked at /srv/x"),
             ToolCallRecord(name="route_request", ok=False)]
    en = render_reply(_reply("Done.", tool_calls=calls), THREAD)
    zh = render_reply(_reply("好的。", "zh", tool_calls=calls), THREAD)
    [en_post], [zh_post] = _posts(en), _posts(zh)
    assert en_post["blocks"][-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": (
        "Tools: `analytics_query` ok ×2 · `query_forecast` failed · `route_request` needs a detail")}]}
    assert zh_post["blocks"][-1]["elements"][0]["text"] == (
        "工具：`analytics_query` 成功 ×2 · `query_forecast` 失败 · `route_request` 需要补充信息")
    assert "locked" not in json.dumps(en)  # error details stay in the log
    assert render_reply(_reply("Hi"), THREAD)[0]["args"]["blocks"][-1]["type"] == "section"  # no tools, no line


def test_chart_and_report_files_become_uploads_after_the_text(tmp_path: Any) -> None:
    chart = tmp_path / "trace1-revenue.png"
    atts = [Attachment(kind="chart", path=str(chart), title="South China · 2026-Q3 · revenue by channel"),
            Attachment(kind="file", path=str(tmp_path / "roi.docx"), title="ROI report (DOCX)"),
            Attachment(kind="file", url="https://copilot.example.com/f/roi.pdf?sig=a&b", title="ROI report (PDF)")]
    payloads = render_reply(_reply("Revenue by channel:", attachments=atts), THREAD)
    assert [p["method"] for p in payloads] == ["chat.postMessage", "files_upload_v2", "files_upload_v2"]
    assert payloads[1] == {"method": "files_upload_v2", "args": {
        "channel": "C123", "thread_ts": "1700000000.000100", "file": str(chart), "filename": "trace1-revenue.png",
        "title": "South China · 2026-Q3 · revenue by channel",
        "alt_txt": "South China · 2026-Q3 · revenue by channel"}}
    assert payloads[2]["args"]["filename"] == "roi.docx" and "alt_txt" not in payloads[2]["args"]
    assert "📎 <https://copilot.example.com/f/roi.pdf?sig=a&amp;b|ROI report (PDF)>" in _sections(payloads)[-1]
    assert json.loads(json.dumps(payloads)) == payloads  # stored in the outbox as JSON


def test_response_url_route_and_direct_messages() -> None:
    route = {"channel": "D42", "thread_ts": None, "response_url": "https://hooks.slack.com/commands/T1/1/abc"}
    chart = Attachment(kind="chart", path="/data/charts/c.png", title="Chart")
    payloads = render_reply(_reply("**Q3** revenue ¥83.09M", attachments=[chart]), route)
    assert payloads[0]["method"] == "response_url"
    assert payloads[0]["url"] == "https://hooks.slack.com/commands/T1/1/abc"
    body = payloads[0]["body"]
    assert body["response_type"] == "ephemeral" and body["replace_original"] is False
    assert body["blocks"][0]["text"]["text"] == "*Q3* revenue ¥83.09M" and body["text"] == "Q3 revenue ¥83.09M"
    assert payloads[1]["args"]["channel"] == "D42" and "thread_ts" not in payloads[1]["args"]
    # A slash command's files go to the asker's DM, not to the channel the command was typed in.
    private = render_reply(_reply("Q3", attachments=[chart]), {**route, "channel": "C7", "dm_user": "U0DEMO001"})
    assert private[1]["dm_user"] == "U0DEMO001" and "channel" not in private[1]["args"]
    flat = render_reply(_reply("Hi"), {"channel": "D42", "thread_ts": None, "response_url": None})
    assert flat[0]["method"] == "chat.postMessage" and "thread_ts" not in flat[0]["args"]


def test_voice_transcript_is_shown_first() -> None:
    [post] = _posts(render_reply(_reply("华南Q3销售额¥8,308.8万", "zh", transcript="华南区第三季度销售额"), THREAD))
    assert post["blocks"][0]["elements"][0]["text"] == "🎤 识别内容：“华南区第三季度销售额”"
    assert post["text"] == "华南Q3销售额¥8,308.8万"


def test_unsafe_links_are_not_linked() -> None:
    text = "\n".join(_sections(render_reply(_reply("[click](javascript:alert(1)) <b>x</b>"), THREAD)))
    assert "<javascript" not in text and "click" in text and "&lt;b&gt;x&lt;/b&gt;" in text


def test_notice_is_a_plain_short_message() -> None:
    [notice] = render_notice("You do not have access to <East> data & forecasts.", THREAD)
    assert notice == {"method": "chat.postMessage", "args": {
        "channel": "C123", "thread_ts": "1700000000.000100", "unfurl_links": False, "unfurl_media": False,
        "text": "You do not have access to &lt;East&gt; data &amp; forecasts."}}
    [slash] = render_notice("您没有权限访问这些数据。", {"channel": "C1", "response_url": "https://hooks.slack.com/x"})
    assert slash["body"] == {"response_type": "ephemeral", "replace_original": False,
                             "text": "您没有权限访问这些数据。"}
    assert render_notice("  ", THREAD) == []
