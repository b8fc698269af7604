"""Arguments are grounded in the user's words when the LLM rewords them."""

from __future__ import annotations

import pytest

from copilot.context import RequestContext, User
from copilot.errors import ToolInputError
from tests.conftest import TODAY
from tools.dims import Member
from tools.grounding import grounded_choice, grounded_member, grounded_members, grounded_period

USER = User(user_id="u", name_zh="测", name_en="T", role="manager", department="sales", regions=("*",))
REGIONS = [Member("east", "华东", "East China", ("East", "华东区")), Member("north", "华北", "North China", ("North",)),
           Member("northwest", "西北", "Northwest China", ("Northwest",)),
           Member("northeast", "东北", "Northeast China", ("Northeast",)), Member("south", "华南", "South China")]
CHANNELS = [Member("ecommerce", "电商旗舰店", "E-commerce flagship", ("电商", "online")),
            Member("ka", "商超/KA", "Supermarket/KA", ("商超", "KA"))]


def _ctx(text: str) -> RequestContext:
    return RequestContext(user=USER, lang="zh", conversation_id="c", today=TODAY, text=text)


@pytest.mark.parametrize(
    ("text", "model_value", "label"),
    [
        ("上个月华南区各品类的毛利率", "last_year", "2026-10"),  # the model's mistake is overridden
        ("What was revenue in South China for Q3 2026?", "Q3", "2026-Q3"),
        ("and by channel?", "2026-09", "2026-09"),  # no period in the message: the model carried it over
        ("East China revenue last quarter compared with last year", "last_quarter", "2026-Q3"),  # two named
    ],
)
def test_grounded_period(text: str, model_value: str, label: str) -> None:
    assert grounded_period(model_value, _ctx(text)).label == label


def test_grounded_period_still_refuses_nonsense() -> None:
    with pytest.raises(ToolInputError):
        grounded_period("whenever", _ctx("and by channel?"))


@pytest.mark.parametrize(
    ("text", "model_value", "expected"),
    [
        ("上个月华北区的销量", ["northwest"], ["north"]),
        ("Northwest China revenue", ["north"], ["northwest"]),
        ("华东和华南的对比", ["east"], ["east", "south"]),
        ("and by channel?", ["east"], ["east"]),
        ("全国的销售额", [], []),
        ("revenue in the Northeast vs the East", ["east"], ["northeast", "east"]),  # whole words only
        ("华东区上个月", [], ["east"]),
    ],
)
def test_grounded_regions(text: str, model_value: list[str], expected: list[str]) -> None:
    assert grounded_members(model_value, _ctx(text), REGIONS) == expected


@pytest.mark.parametrize(
    ("text", "model_value", "expected"),
    [
        ("华东区上个月电商渠道的销售额", None, "ecommerce"),
        ("online revenue", "ka", "ecommerce"),
        ("电商和商超的对比", "ka", "ka"),  # two named: the model decides
        ("breakfast revenue", None, None),  # "ka" is not a word inside another word
    ],
)
def test_grounded_member(text: str, model_value: str | None, expected: str | None) -> None:
    assert grounded_member(model_value, _ctx(text), CHANNELS) == expected


WORDS = {"revenue": ("销售额", "revenue"), "gross_margin": ("毛利", "gross margin"),
         "gross_margin_pct": ("毛利率", "gross margin %")}


@pytest.mark.parametrize(
    ("text", "model_value", "expected"),
    [
        ("华东区2026年第三季度的毛利率", "gross_margin", "gross_margin_pct"),  # longest keyword wins
        ("上季度的毛利", "revenue", "gross_margin"),
        ("Q3 revenue", "gross_margin", "revenue"),
        ("销售额和毛利", "gross_margin", "gross_margin"),  # two named: ambiguous, the model's pick stands
        ("and by channel?", "gross_margin_pct", "gross_margin_pct"),
    ],
)
def test_grounded_choice(text: str, model_value: str, expected: str) -> None:
    assert grounded_choice(model_value, _ctx(text), WORDS) == expected


def test_unnamed_choice_falls_back_to_the_default() -> None:
    groups = {"channel": ("by channel", "各渠道"), "month": ("trend", "趋势")}
    assert grounded_choice("month", _ctx("华东区今年以来的销量"), groups, unnamed="none") == "none"
    assert grounded_choice("none", _ctx("and by channel?"), groups, unnamed="none") == "channel"
