"""Pinyin-keyboard slips of sales terms are repaired; real words, names and text without slips are left alone."""

from __future__ import annotations

import pytest

from agent.service import CopilotService
from copilot.normalize.homophones import repair_homophones
from tests.fakes import ScriptedChatModel, tool_call


@pytest.mark.parametrize(("typed", "meant"), [
    ("这个月的毛丽率怎么样", "这个月的毛利率怎么样"),
    ("华东的库村还有多少", "华东的库存还有多少"),
    ("经小商的返利政策", "经销商的返利政策"),
    ("今年盈收多少", "今年营收多少"),
    ("这句话和规吗", "这句话合规吗"),
    ("帮我发个保告给客户", "帮我发个报告给客户"),
    ("能把客户的手几号给代理商吗", "能把客户的手机号给代理商吗"),
    ("mixed 英文 and 消售额 Q3", "mixed 英文 and 销售额 Q3"),
])
def test_slips_are_repaired(typed: str, meant: str) -> None:
    assert repair_homophones(typed) == meant


@pytest.mark.parametrize("text", [
    "小量试用可以吗",  # 小量 is a word (xiao liang, like 销量)
    "他收集了手机号",  # 收集 is a word (shou ji, like 手机)
    "股东背景和服务口碑",  # 东背 sounds like 东北 but spans two words
    "以下对象适用更严格规定",  # 格规 spans two words
    "须销售副总裁和财务总监共同批准",
    "找下财物确认回款",  # 财物 is a word of its own: left alone, though 财务 was likely meant
    "What was revenue last quarter?",
    "",
])
def test_words_and_non_chinese_text_are_left_alone(text: str) -> None:
    assert repair_homophones(text) == text


def test_the_service_reads_the_repaired_text(service: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("analytics_query", period="2026年10月")]
    reply = service.ask("demo.manager", "2026年10月华东区的消售额是多少")
    assert reply.reply.startswith("华东 · 2026-10 销售额：¥")
    assert "销售额是多少" in str(fake_model.prompts[0][-1].content)
