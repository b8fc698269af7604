"""check_compliance: validators, deal terms, packs, the deterministic pass, rewrites, the tool and masking."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Literal

import pytest

from agent.service import CopilotService
from copilot.errors import ConfigError, ToolInputError
from copilot.logs import MaskPersonalData
from copilot.pii import find_pii, mask_pii
from copilot.settings import Settings
from tests.fakes import ScriptedChatModel, tool_call
from tools.compliance.deals import find_discounts, payment_issues
from tools.compliance.engine import MAX_CHARS, Asker, Checker, verdict
from tools.compliance.packs import BUILTIN_DIR, load_checker, load_packs
from tools.compliance.rewrite import build_report

VALID_ID = "110101199003074514"  # GB 11643 check digit 4
REP = Asker(discount_limit_pct=10.0, approver="王经理")


@pytest.fixture(scope="module")
def checker() -> Checker:
    return load_checker(None)


def kinds(checker: Checker, text: str, asker: Asker = REP) -> list[str]:
    return [f.kind for f in checker.check(text, asker)]


# ---- personal data ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    (f"身份证{VALID_ID}", "resident_id"),
    ("身份证 11010519491231002X", "resident_id"),
    ("手机13812345678", "mobile"),
    ("call +86 138 1234 5678", "mobile"),
    ("客户电话：１３８１２３４５６７８", "mobile"),  # full-width digits
    ("card 4111 1111 1111 1111", "bank_card"),
    ("卡号6222021234567890128", "bank_card"),
    ("mail zhang.san@example.com now", "email"),
    ("护照号 E12345678", "passport"),
    ("统一社会信用代码91350100M000100Y43", "uscc"),
])
def test_validated_personal_data_is_found(text: str, kind: str) -> None:
    assert [h.kind for h in find_pii(text)] == [kind]


@pytest.mark.parametrize("text", [
    "订单号110101199003074515",          # ID pattern, wrong check digit
    "物流单号 4111 1111 1111 1112",        # Luhn fails
    "客服热线 400-800-8888",                # a company hotline is not a personal mobile
    "型号 E12345678 的库存",               # passport format without the word passport
    "统一社会信用代码91350100M000100Y44",   # wrong check character
    "版本 1.2.3.4，数量 13",
])
def test_lookalikes_are_not_personal_data(text: str) -> None:
    assert find_pii(text) == []


def test_masking_keeps_no_full_value() -> None:
    masked = mask_pii(f"ID {VALID_ID}, 手机13812345678, card 4111 1111 1111 1111, a.b@example.com")
    assert VALID_ID not in masked and "13812345678" not in masked and "4111 1111 1111 1111" not in masked
    assert "a.b@example.com" not in masked
    assert "110101" in masked and "4514" in masked and "138****5678" in masked


def test_log_records_are_masked() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user said %s", (f"my id is {VALID_ID}",), None)
    assert MaskPersonalData().filter(record)
    assert VALID_ID not in record.getMessage() and "110101********4514" in record.getMessage()


def _absolute(checker: Checker, text: str, lang: Literal["zh", "en"] = "en") -> list[str]:
    """The phrases flagged as absolute terms."""
    return [text[f.start:f.end] for f in checker.check(text, REP, lang) if f.kind == "absolute_term"]


def _script(text: str) -> Literal["zh", "en"]:
    return "en" if text.isascii() else "zh"


def _names(claim: str, found: list[str]) -> bool:
    """Some finding is the claim, inside it, or around it."""
    return any(claim.lower() in f.lower() or f.lower() in claim.lower() for f in found)

# ---- deal terms -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "off"), [
    ("打7折", 30.0), ("八五折", 15.0), ("9.5折", 5.0), ("75折", 25.0), ("让利20%", 20.0), ("优惠15个点", 15.0),
    ("30% off the list price", 30.0),
    ("a discount of 25%", 25.0),
    ("a 33% reduction on the hardware bundle", 33.0),
    ("a 10% reduction in the subscription fee", 10.0), ("a price reduction of 12%", 12.0),
])
def test_discounts_are_read_as_percent_off(text: str, off: float) -> None:
    assert [d.off_pct for d in find_discounts(text)] == [off]


@pytest.mark.parametrize("text", ["折旧按五年计算", "销售额增长30%", "折叠屏手机",
                                  "a minimum 40% reduction in unplanned downtime",
                                  "demonstrated a 27% reduction in hospitalisation"])
def test_non_discounts(text: str) -> None:
    assert find_discounts(text) == []


def test_payment_milestones_must_add_up_and_follow_delivery() -> None:
    assert [i.problem for i in payment_issues("预付30%，到货40%，验收20%")] == ["sum"]
    assert payment_issues("预付30%，到货60%，验收10%") == []
    late = payment_issues("Acceptance payment of 40% due 2026-03-01; delivery on 2026-04-15.")
    assert [i.problem for i in late] == ["order"] and "2026-03-01" in late[0].detail
    assert payment_issues("30% advance, 60% on delivery, 10% retention") == []


@pytest.mark.parametrize("text", [
    "这款制氧机氧浓度稳定在93%±3%，连续使用30天，血氧提升到95%以上。",  # 这款 is a product, not a payment
    "Output was 3% below forecast due to a cloudy spring. Site 9 had the best ratio at 84%.",  # two sentences
    "每延误一票，乙方按该票运费的20%向甲方支付违约金，单月赔付上限为当月运费总额的10%。",  # penalties
    "Per the signed order form: 20% deposit, 70% on shipment, 10% after commissioning.",
])
def test_figures_that_are_not_instalments_are_not_summed(text: str) -> None:
    assert payment_issues(text) == []


@pytest.mark.parametrize(("text", "total"), [
    ("Payment terms：首付 30%，delivery 后 50%，UAT 通过后 30%。", "110%"),  # UAT is an acceptance
    ("首期款40%，二期款40%，三期款30%", "110%"),
    ("预付30%，到货60%，质保金5%不计利息", "95%"),  # interest named beside a milestone: still an instalment
    ("30% advance, 70% on delivery, 5% retention (interest-free)", "105%"),
])
def test_instalments_named_otherwise_still_add_up(text: str, total: str) -> None:
    assert [(i.problem, i.detail) for i in payment_issues(text)] == [("sum", total)]


# ---- the deterministic pass ---------------------------------------------------------------------------------

def test_findings_have_exact_spans_citations_and_a_verdict(checker: Checker) -> None:
    text = "这段话合规吗:我们保证是全国第一的产品,承诺节省50%成本"
    findings = checker.check(text, REP, "zh")
    assert [(f.kind, text[f.start:f.end]) for f in findings] == [("absolute_term", "全国第一"),
                                                                ("guarantee", "承诺节省")]
    assert "广告法" in findings[0].reference and verdict(findings) == "block"


def test_traditional_chinese_is_read_as_simplified_and_spans_stay_on_the_original(checker: Checker) -> None:
    text = "我們是全國第一的品牌，國家級產品，無人能及，保證節省50%成本，最遲週五前簽約"
    found = [(f.kind, text[f.start:f.end]) for f in checker.check(text, REP, "zh")]
    assert found == [("absolute_term", "全國第一"), ("absolute_term", "國家級"), ("absolute_term", "無人能及"),
                     ("guarantee", "保證節省")]


def test_folding_keeps_one_character_for_one_and_leaves_simplified_alone() -> None:
    from copilot.textfold import fold, is_traditional

    assert fold("業界領先，ＮＯ．１").text == "业界领先,NO.1"
    assert fold("显著提升 著名品牌").text == "显著提升 著名品牌"  # 著 is Simplified too
    assert is_traditional("保證") and not is_traditional("保证节省 best")


def test_a_rewrite_of_traditional_text_is_written_in_traditional(checker: Checker) -> None:
    report = build_report(checker, "我們是全國第一的品牌，保證節省50%成本", REP, "zh")
    assert report.rewrite == "我們是全國知名的品牌，預計可節省50%成本（以上為預估，實際效果以客戶實際情況為準）"
    assert report.rewrite_verdict == "pass"
    simplified = build_report(checker, "我们是全国第一的品牌，保证节省50%成本", REP, "zh")
    assert simplified.rewrite == "我们是全国知名的品牌，预计可节省50%成本（以上为预估，实际效果以客户实际情况为准）"


@pytest.mark.parametrize("text", [
    "最近一次拜访是上周", "最好在周五前回复我", "第一季度回款已完成", "Best regards, Tom",
    "We will do our best to deliver on time", "We guarantee delivery by Friday", "质保期为两年",
    "把报价单发给经销商", "唯一标识是订单号", "🎉 新品上市，欢迎咨询！",
])
def test_near_misses_pass(checker: Checker, text: str) -> None:
    assert checker.check(text, REP) == []


@pytest.mark.parametrize("text", [
    "仓库搬到了No. 8 Science Ave旁边的No.1 Jinqiao Road", "Take the No. 1 metro line to the fair.",
    "Your order ships from our No. 1 warehouse.", "The Best Buy store returned the unit.",
    "The quickest way to reach support is the in-app chat.", "The best person to ask is Lin in finance.",
    "Perfect! I'll send the deck tonight.", "Our largest current project is a 40-store rollout.",
    "月底是我们最忙的时候，回复可能慢一点", "客户最担心的是数据安全，我们会给出等保报告", "这次最主要的风险是汇率",
    "这个工单优先级最高，请今天处理", "最快的办法是直接拨打400热线", "最快明天发货，具体以物流为准",
    "年度表现最突出的三家经销商将获得返点奖励",
])
def test_superlatives_that_describe_no_offer_pass(checker: Checker, text: str) -> None:
    assert _absolute(checker, text) == []


@pytest.mark.parametrize("text", [
    "没有哪款软件是完美的，我们也在迭代", "理财没有绝对安全的，请按风险等级配置", "评标办法：经评审的最低投标价中标",
    "货架最多放四层，最高承重是80kg", "叉车最高只能升到三层", "那款最贵的配置您用不上", "最乐观的估计是月底到货",
    "这已经是我能给您的最低价了", "本店本月卖得最好的是这款围巾", "The cheapest plan we offer is Basic at $9.",
    "Pro is our most popular plan with agencies.", "Here is our best price for this order: $3.10/unit.",
    "Bids are scored on price; the lowest compliant bid gets full marks.", "No software is perfect, ours included.",
])
def test_our_own_range_this_deal_a_tender_rule_or_a_spec_limit_pass(checker: Checker, text: str) -> None:
    assert _absolute(checker, text) == []


@pytest.mark.parametrize(("text", "claim"), [
    ("全网最低价99元，手慢无", "全网最"), ("该型号为今年销量第一的机型", "销量第一"),
    ("我们是全国最大的3家供应商", "全国最"),
    ("We offer the lowest prices in the industry.", "lowest prices"), ("没有第二家能做到", "没有第二家"),
])
def test_claims_next_to_those_contexts_are_still_found(checker: Checker, text: str, claim: str) -> None:
    found = _absolute(checker, text)
    assert _names(claim, found), found


# A review of the excuses found each of these excused or missed; the first group is why a claim is excused only
# when it starts inside the excuse, not when it merely overlaps it.
@pytest.mark.parametrize(("text", "claim"), [
    ("全网最快发货，下单就送", "全网最"),
    ("我们是全国最快送达的品牌", "全国最"),
    ("史上最大让利，错过再等一年", "史上最"),
    ("我们以全网最低价中标了这个项目", "全网最"),
    ("全网最期待的新品", "全网最"),
    ("没有哪家能比我们全网最低价更实惠", "全网最"),
    ("我们是行业首选方案提供商", "首选"), ("同行最低价3999元", "最低价"), ("我们是全国门店销量第一的品牌", "销量第一"),
    ("市场销量第一的是Acme", "销量第一"),
    ("不是我吹我们是全网最低价", "全网最"),
    ("降本最直接的方式就是选我们", "最直接"),
    ("我们的口号是“全网最低价”，绝不夸大。", "全网最"), ("我们就是“行业第一”，这个说法一点不夸大", "行业第一"),
    ("我们的新文案改写成“全网最低价”，请查收", "全网最"), ("已去掉极限词：我们依然是全网最低价", "全网最"),
    ("达人说得对，我们就是“全网最低价”", "全网最"),
    ("We always give you the lowest quote in the industry.", "the lowest quote"),
    ("There is no doubt ours is the best CRM on the market.", "the best"),
    ("We are the No. 1 platform for HR teams in China.", "No. 1"),
    ("We are No. 1 in the building materials market.", "No. 1"),
    ("Our app is the best way to track your sales pipeline.", "the best"),
    ("This package is the best buy on the market.", "the best"),
    ("We run the largest deployment in the world.", "largest"),
    ("Our lowest price in the entire Chinese market is $99.", "lowest"),
    ("We have the best people for the job in the industry.", "the best"),
    ("Banned words: best, #1. But honestly, we are the best CRM on the market.", "the best"),
    ('Our new slogan "the best CRM on the market" - great wording!', "the best"),
    ('Buyers say what we say: "the best CRM on the market".', "the best"),
])
def test_claims_a_review_found_excused_are_found(checker: Checker, text: str, claim: str) -> None:
    found = _absolute(checker, text, _script(text))
    assert _names(claim, found), found


# A second review, of the mend above.
@pytest.mark.parametrize(("text", "claim"), [
    ("市场占有率最高达35%，选我们没错", "最高"),
    ("同类产品价格里我们最低只要99元", "最低"),
    ("交付最快的就是我们", "最快"),
    ("上个月全国销量第一的是我们家的空调", "销量第一"),
    ("行业里服务最好的是我们团队", "最好"),
    ("本店这款全省销量第一", "销量第一"),
    ("我们的滤芯是“行业第一”，坏了免费替换", "行业第一"),
    ("“全网最低价”，如有不属实双倍退差价", "全网最"),
    ("降本最好的办法就是直接换我们的系统", "最好"),
    ("这难道不是全网最低价吗？", "全网最"),
    ("选来选去还是我们最好", "最好"),
    ("博主推荐说这是“行业天花板”，您可以看看", "天花板"),
    ("年度最大让利，错过再等一年", "最大"),
    ("We are the No. 1 road freight carrier in China.", "No. 1"),
    ("We are China's No. 1 bus maker.", "No. 1"),
    ("We run the largest deployment anywhere in China.", "the largest"),
    ("Our app is the fastest way to send money abroad.", "the fastest"),
    ("The lowest price you will find anywhere is $99 - ours.", "The lowest"),
    ("Ours is the best timesheet app on the market.", "the best"),
    ("This is the best you can buy.", "the best"),
    ("We can't promise miracles, but we're the best CRM in Asia.", "the best"),
    ('Customers call us "the No. 1 CRM in China" - try it today.', "No. 1"),
    ("Reviews call it 'the best CRM on the market'.", "the best"),
])
def test_claims_a_second_review_found_excused_are_found(checker: Checker, text: str, claim: str) -> None:
    found = _absolute(checker, text, _script(text))
    assert _names(claim, found), found


@pytest.mark.parametrize("text", [
    "我们的终极目标是帮您降低库存成本", "电池已通过针刺和碾压测试", "我们目前没有第二家供应商，只能等",
    "这个项目目前没有对手参与竞标",
    "合同原件仅此一份，请妥善保管",
    "这是我们在华东的行业标杆客户",
    "第100天然后自动续费",
    "面料成分：100%纯棉", "Please confirm the ultimate beneficial owner of the account.",
    "No worries we can match the PO number on our side.", "With the pandemic years behind us, budgets are back.",
    "You know your business better than anyone.", "There is no better time to review the contract than now.",
    "Is Tuesday your first choice for the demo?", "We plan to invest in all of our regional offices.",
    "Make sure nothing touches the production database during cutover.",
])
def test_ordinary_text_a_review_found_flagged_passes(checker: Checker, text: str) -> None:
    assert _absolute(checker, text, _script(text)) == []


@pytest.mark.parametrize("text", [
    "我们也没有第二个仓库了，只能从上海发货",
    "我实在找不出第二个方案了，您看这个行不行",
    "跟华为比我们目前还难以望其项背",
    "我们对标行业标杆，还有不少差距",
    "井盖抗碾压级别D400，可以走重车",
    "压路机需碾压所有路段三遍",
    "参与秒杀所有商品限购一件",
    "现在是装修旺季巅峰期，建议尽早下单",
    "我们的至尊会员可以享受免运费",
    "我们做装修行业天花板安装十年了",
    "Please confirm the ultimate consignee and the ultimate end-user for the export licence.",
    "We are miles ahead of schedule on the installation.",
    "Sea freight is cheaper than any other option for this volume.",
    "The client's first choice was Option B, so we went with that.",
    "The nearest service centre in all of Hebei is in Baoding.",
    "The new model outperforms all previous versions in our lab tests.",
    "Signing the DPA is the only requirement for the platform go-live.",
    "Option B ends up being the cheapest for you.",
])
def test_ordinary_text_a_second_review_found_flagged_passes(checker: Checker, text: str) -> None:
    assert _absolute(checker, text, _script(text)) == []


@pytest.mark.parametrize(("text", "claim"), [
    ("We are the No. 1 supplier on the market.", "No. 1"),
    ("Perfect for every kitchen.", "Perfect"),
    ("Our warehouse robots are the fastest in the industry.", "fastest"),
    ("我们是全网发货最快的商家", "最快"), ("这是我们最好的产品，最受欢迎", "最好"),
    ("我们的客服是业内最贴心的", "业内最"),
])
def test_the_same_words_making_a_claim_are_still_found(checker: Checker, text: str, claim: str) -> None:
    found = _absolute(checker, text)
    assert any(claim.lower() in f.lower() for f in found), found


@pytest.mark.parametrize("text", [
    "提醒下新同事：文案里不能写“最好”“第一”“顶级”“No.1”这类词",
    "运营注意：详情页“全网最低价”这种表述会被判违规，请统一改成“限时优惠价”。",
    "Draft for legal review: remove 'guaranteed returns' from the slide.",
    "Quick reminder: we can't use 'the best' or '#1' in the deck.",
    "Our competitor calls itself 'unbeatable'.",
    # someone else's words, a ban, a rejected draft
    "客户原话：“你们是我合作过最靠谱的物流商。”引用时请注明出处。",
    "竞品近期在展会上宣称“全球唯一无需校准的血糖仪”，请客观说明。",
    "客户经理发朋友圈时严禁使用“保本”“稳赚”等字眼。", "朋友圈文案审核：原稿“闭眼入，稳赚不赔”不通过。",
    "Their operations lead said 'the best onboarding we've seen', which we can quote with permission.",
    "客户对我们说“你们是最好的服务商”，这句可以放进案例吗", "删掉“最好”，保留“优质”",
    # removal or doubt after the quote, a rewrite exercise, a banned-word list, a rival's pitch, a review of us
    "海报上的“全网最低”得删，法务不会批", "把页面上的「顶级」字样替换为实测参数", "直播稿里“绝对有效”已经拿掉了",
    "对方销售说他们是“国内唯一认证厂家”，这个说法站不住", "主播说的“全网最低”不属实，已要求更正",
    "练习：把“本店是全城最好的火锅”改写成合规表达", "禁用词清单：最、第一、唯一、顶级、万能",
    "培训要点：不得使用绝对化用语",
    "The 'industry-leading' wording on the flyer was flagged by legal.",
    "A rival is pitching 'the cheapest freight in Asia' to our accounts.",
    "An online review called us 'the best florist in town'; we thanked the author.",
    "In the buyer's own words: 'this is the best onboarding we have ever had'.",
])
def test_a_claim_quoted_to_be_removed_is_a_mention_not_a_claim(checker: Checker, text: str) -> None:
    assert [f for f in checker.check(text, REP) if f.kind in ("absolute_term", "guarantee")] == []


@pytest.mark.parametrize(("text", "guarantee"), [
    ("我们给每位客户都承诺“保本保息”", "保本"),
    ("The proposal we sent the client says 'guaranteed 30% savings'.", "guaranteed"),
    ("We doubled their traffic, and our CEO said 'guaranteed ROI in 90 days'.", "guaranteed"),
])
def test_a_promise_made_to_customers_is_not_their_words(checker: Checker, text: str, guarantee: str) -> None:
    found = [text[f.start:f.end] for f in checker.check(text, REP) if f.kind == "guarantee"]
    assert any(guarantee in f for f in found), found


def test_long_runs_of_quotes_keep_every_finding(checker: Checker) -> None:
    """Quote lists are judged one by one in a window: a run with no full stop keeps each claim and each mention."""
    assert len(checker.check("“最好”" * 3000, REP)) == 3000
    assert checker.check("删掉“最好”," * 3000, REP) == []
    unit = "客户说“最好”,"
    assert checker.check(unit * 3000 + "我们就是“全网最低价”", REP)[0].start == 3000 * len(unit) + 5


@pytest.mark.parametrize(("text", "claim"), [
    ("我们的口号是“全网最低价”，欢迎下单", "全网最"),  # quoted, but nothing asks to remove or discuss it
    ("Our tagline: 'the best CRM on the market'. Sign up today.", "the best"),
    ("我们不敢说是国内最好，但在全球最好", "全球最"),  # the negation covers the first claim only
    ("“全网最低”能用吗？", "全网最"),  # a question about the phrase: the finding is the answer
    ("“全网最低”违规吗？", "全网最"),
    ("我跟客户说“我们是全网最低价”，他当场就下单了", "全网最"),  # our words, reported by us
    ("领导，客户想在宣传册上写“业内首选品牌”，这个能用吗？", "首选"),  # asking whether it may be used
    ("我们是国内增长最快的SaaS厂商", "最快"), ("这是用户评分最高的扫地机器人", "最高"),  # not internal reporting
    # a third party that is not the speaker: our words to, for or about customers
    ("客户经理对客户说“我们是全网最低价”", "全网最"), ("我们在客户报价单里写了“全网最低价”", "全网最"),
    ("我会跟老客户说“我们是全网最低价”", "全网最"), ("用户放心，我们宣称“全网最低价”", "全网最"),
    ("Our deck for customers says 'the #1 platform in China'.", "#1"),
    ("原稿保留“全网最低价”，直接发客户群", "全网最"), ("用户评价：“全网最低价”——这是我们的新口号", "全网最"),
    ("“全网最低”算不算违规，我想确认下", "全网最"),
    # a first place or a smallest deviation that is our offer, not a team's or a region's record
    ("本品全国销量第一是广大客户的共同选择", "第一"), ("这款血糖仪测量偏差最小", "最小"),
    ("同类空调中我们能耗降幅最大", "最大"),
    # the same cues with our own words: nothing is removed, doubted or reported
    ("“全网最低”就是我们的底气，放海报上", "全网最"), ("我们主播说“全网最低”，大家放心拍", "全网最"),
    ("新口号：“全网最低价”，删减版也保留这句", "全网最"),
])
def test_a_quoted_or_partly_negated_claim_is_still_a_claim(checker: Checker, text: str, claim: str) -> None:
    found = _absolute(checker, text)
    assert any(claim in f for f in found), found


@pytest.mark.parametrize("text", [
    "我们不敢说自己是最好的，但售后响应一定及时", "说实话这个价位我们不是最便宜的", "We're not the cheapest option.",
    "We can't claim to be the best.", "本产品不承诺任何投资收益", "Past performance does not guarantee future results.",
    "这款挂机空调最大制冷量3500W", "这款外墙涂料最佳施工温度为15-25℃", "Our largest container option is 40ft HC.",
    # internal reporting about people, teams and metrics, not about our offer
    "华南区本季度新签第一名是陈经理团队", "上个月全国销售排名第一的是西南大区", "其中北京片区贡献最大，占比41%",
    "健康度评分最低的是某连锁药房客户",
])
def test_negated_claims_and_spec_limits_pass(checker: Checker, text: str) -> None:
    assert [f for f in checker.check(text, REP) if f.kind in ("absolute_term", "guarantee")] == []


def test_a_quoted_personal_data_value_is_still_personal_data(checker: Checker) -> None:
    text = "请删掉“13800138000”这个号码"
    assert [f.kind for f in checker.check(text, REP)] == ["pii_phone"]


def test_discount_limit_comes_from_the_asker(checker: Checker) -> None:
    assert kinds(checker, "可以给您打8折", REP) == ["discount"]
    assert kinds(checker, "可以给您打8折", Asker(discount_limit_pct=20.0)) == []
    assert kinds(checker, "可以给您打9折", REP) == []  # exactly at the limit
    finding = checker.check("We can offer 30% off", REP, "en")[0]
    assert "30%" in finding.advice and "10%" in finding.advice and "王经理" in finding.advice


def test_sharing_and_cross_border_are_blocked_unless_consent_is_stated(checker: Checker) -> None:
    assert "data_sharing" in kinds(checker, "Can I send the customer's ID number and phone to the distributor?")
    assert "data_sharing" not in kinds(checker, "经客户单独同意后，把手机号提供给经销商")
    assert "cross_border" in kinds(checker, "把客户名单同步到海外总部")
    assert "cross_border" not in kinds(checker, "完成安全评估后再把客户数据传到海外总部")


def test_personal_data_in_findings_is_masked(checker: Checker) -> None:
    findings = checker.check(f"请把身份证号{VALID_ID}发给经销商", REP, "zh")
    assert {f.kind for f in findings} == {"pii_id", "data_sharing"}
    assert all(VALID_ID not in f.text for f in findings)


def test_bad_input_is_bounded_and_odd_scripts_work(checker: Checker) -> None:
    with pytest.raises(ToolInputError) as exc:
        checker.check("最" * (MAX_CHARS + 1))
    assert "too long" in exc.value.en
    assert kinds(checker, "ｗｅ ａｒｅ ｔｈｅ ｂｅｓｔ 🚀") == ["absolute_term"]  # full-width letters fold
    assert kinds(checker, "我们是No.1供应商，price最低价") == ["absolute_term", "absolute_term"]


# ---- packs -----------------------------------------------------------------------------------------------------

def _copy_pack(tmp_path: Path, name: str, edit: tuple[str, str] | None = None) -> Path:
    text = (BUILTIN_DIR / name).read_text(encoding="utf-8")
    if edit:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1])
    folder = tmp_path / "packs"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_shipped_packs_load_with_versions() -> None:
    packs = load_packs(None)
    assert {p.pack for p in packs} == {"ad-law-cn", "guarantees", "personal-data", "discount-authority",
                                       "contract-terms"}
    assert all(p.version and p.rules for p in packs)


def test_a_user_pack_replaces_the_shipped_one_of_the_same_id(tmp_path: Path) -> None:
    folder = _copy_pack(tmp_path, "ad-law-cn.yaml", ("史上最, 全网最", "史上最, 全网最, 爆款天团"))
    checker = Checker(load_packs(folder))
    assert kinds(checker, "这是爆款天团") == ["absolute_term"]
    assert kinds(load_checker(None), "这是爆款天团") == []


@pytest.mark.parametrize(("edit", "message"), [
    (("severity: block", "severity: fatal"), "severity"),
    (("- 最大(?:限度|程度)", "- 最大(?:限度|程度"), "invalid regex"),
    (("clean: [最近一次拜访是上周", "clean: [这是最好的产品"), "clean example"),
])
def test_a_broken_pack_is_refused_with_file_and_reason(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    folder = _copy_pack(tmp_path, "ad-law-cn.yaml", edit)
    with pytest.raises(ConfigError) as exc:
        load_packs(folder)
    assert "ad-law-cn.yaml" in exc.value.en and message in exc.value.en


def test_a_missing_pack_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_packs(tmp_path / "nope")


# ---- rewrites --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "这段话合规吗:我们保证是全国第一的产品,承诺节省50%成本",
    "Best regards, we are the best. We guarantee 30% savings!",
    "这单可以打7折，让利20%",
    "Can I send the customer's ID number and phone to the distributor?",
    "把客户名单同步到海外总部。",
    f"客户身份证{VALID_ID}",
    "我们的新品全球首创，断层领先。",
])
def test_rule_rewrites_pass_their_own_check(checker: Checker, text: str) -> None:
    report = build_report(checker, text, REP, "zh")
    assert report.verdict != "pass" and report.rewrite and report.rewrite_verdict == "pass"
    assert report.rewrite_by == "rules" and VALID_ID not in report.rewrite


@pytest.mark.parametrize(("text", "rewrite"), [
    ("We are the best CRM in China.", "We are an excellent CRM in China."),  # no "choice" before a noun
    ("We are the best.", "We are an excellent choice."),
    ("we are number one in service", "we are an established choice in service"),  # a preposition is no noun
    ("This is the ultimate phone system.", "This is an advanced phone system."),
    ("We are the No.1 CRM in Asia.", "We are an established CRM in Asia."),  # its own article, not "the an …"
    ("The No.1 CRM in Asia.", "An established CRM in Asia."),
    ("We're a leading provider of cold-chain monitoring.", "We're an established provider of cold-chain monitoring."),
    ("Honestly, we beat everyone on uptime.", "Honestly, we compete strongly on uptime."),  # a verb for a verb
    ("Nothing beats our prices this week.", "We recommend our prices this week."),  # a sentence keeps its capital
])
def test_english_rewrites_read_as_sentences(checker: Checker, text: str, rewrite: str) -> None:
    assert build_report(checker, text, REP, "en").rewrite == rewrite


@pytest.mark.parametrize(("text", "rewrite"), [
    ("这是全网最好喝的奶茶", "这是美味的奶茶"),  # 全网最 + 好喝: the pack's word for 最好喝, not 优秀好喝
    ("我们的服务全国最好", "我们的服务优质"),
    ("全网最低价，错过再等一年", "优惠价，错过再等一年"),
    ("业内最快的交付", "很快的交付"),  # no pack word for 最快: 很, and the scope goes
    ("我们的价格全行业最低", "我们的价格很低"),  # 全行业最 is found from 行业; 全 goes with it
    ("这款面膜最好用", "这款面膜很好用"),  # 最 + 好用, not 最好 + 用 (优质用)
    ("這是全網最好喝的奶茶", "這是美味的奶茶"),  # Traditional: looked up folded, written in Traditional
    ("我们是最专业的团队", "我们是专业的团队"),
])
def test_chinese_degree_rewrites_keep_the_adjective_they_grade(checker: Checker, text: str, rewrite: str) -> None:
    report = build_report(checker, text, REP, "zh")
    assert (report.rewrite, report.rewrite_verdict) == (rewrite, "pass")


@pytest.mark.parametrize(("text", "claim"), [
    ("城市巅峰之作，一席难求", "巅峰"), ("这价格全网找不到第二家！", "找不到第二家"), ("保湿力吊打一众大牌", "吊打"),
    ("我们的售后是华南最好的，没有之一", "没有之一"), ("床垫界的爱马仕，睡过就回不去了", "界的爱马仕"),
    ("这款蛋白粉卖得比谁都火", "比谁都火"), ("１００％纯天然植物萃取", "１００％纯"),
    ("This mattress is in a league of its own.", "in a league of its own"),
    ("Nothing on the market touches our noise cancellation.", "Nothing on the market touches"),
    ("The ultimate protein bar.", "The ultimate"),
    ("Cheaper than anyone in town.", "Cheaper than anyone"),
    ("You won't find a better espresso machine under $50.", "find a better"),
    ("The comfiest hoodie on the planet.", "comfiest hoodie on the planet"),
    ("Meet the last hair dryer you'll ever need.", "the last hair dryer you'll ever need"),
])
def test_the_extreme_words_of_the_usual_lists_are_claims(checker: Checker, text: str, claim: str) -> None:
    found = _absolute(checker, text)
    assert _names(claim, found), found


@pytest.mark.parametrize("text", ["王者荣耀的皮肤活动下周开始", "不敢说独一份，但服务很用心", "Goat milk soap, 100 g",
                                  "I can't honestly say we're the leading provider in the region."])
def test_extreme_words_in_names_or_negations_pass(checker: Checker, text: str) -> None:
    assert _absolute(checker, text) == []


# Written after the blind sets dev-i and dev-j (2026.12.7-2) and two review passes that probed each new pattern and
# excuse with texts of their own: leadership words, 首款/首家 of a scope, English words in Chinese sentences, "had
# better" 最好, contract 唯一, removal cues; then the idioms from dev-c .. dev-h (国产一哥, 头把交椅, 全球首创, "the
# first ever", "the cream of the crop", "Lowest fees in the industry" ...). Every case they reported is here, and
# so is every case a third pass found after dev-k (call transcripts) and dev-l (listings, social posts).
REVIEWED_CLAIMS: list[tuple[str, Literal["zh", "en"]]] = [
    ('这款面膜上个月天猫销量第一，闭眼入。', 'zh'),
    ('连续三个季度全网销量第一，品质有保障。', 'zh'),
    ('这款套组销量第一，已经卖了10万套。', 'zh'),
    ('母婴专区销量第一的就是这款奶粉。', 'zh'),
    ('Our steam mop sales No.1 on JD three years running.', 'en'),
    ('这款床垫是我们卖过最好睡的，躺上去就不想起来。', 'zh'),
    ('这是市面上最好清洗的油烟机，拆装只要一分钟。', 'zh'),
    ('我们家提供最好价格，同款比价随便比。', 'zh'),
    ('这款咖啡豆有最好口感，回购率超高。', 'zh'),
    ('这款扫地机是京东排行榜第一名，放心买。', 'zh'),
    ('荣获全国质量评比第一名，值得信赖。', 'zh'),
    ('我们在天猫类目第一名得益于老客户的口碑。', 'zh'),
    ('恭喜大家，这就是全网第一低价！', 'zh'),
    ('祝贺我司产品荣登全国销量第一！感谢每一位客户。', 'zh'),
    ('全国唯一能做到24小时上门的就是我们家。', 'zh'),
    ('在别家绝对不会在这个价位买到这么好的货。', 'zh'),
    ('同价位里性价比最高能打的就是这款。', 'zh'),
    ('我们的故障率最低远低于行业平均水平。', 'zh'),
    ('这是全场最新颖的设计，别家没有。', 'zh'),
    ('Acme CRM is the best choice for your growing team.', 'en'),
    ('Congratulations on choosing the best accounting software on the market!', 'en'),
    ('We have the cheapest plan on the market, starting at $3 a month.', 'en'),
    ('Internal tests show we are No.1 for speed in our category.', 'en'),
    ("I'm not saying this lightly: we are the No.1 supplier in China.", 'en'),
    ("Honestly, this is the best espresso we've ever had, and we've tried them all.", 'en'),
    ('同行都说“他们家是全网最低价”，这话一点不假。', 'zh'),
    ('他们家号称“全网销量第一”的扫地机，今天直播间到手价1999！', 'zh'),
    ('用户体验一句话总结：“行业天花板，全网最好用”。', 'zh'),
    ('“全网最低价”是我们今年主推的宣传话术，直播间统一口径。', 'zh'),
    ('“全网最低价”这种话只有我们敢说，买贵包退。', 'zh'),
    ('老客户都说“这就是全网最低价”，您还在等什么？', 'zh'),
    ('Reviewers called it "the No.1 robot vacuum of 2024", what are you waiting for?', 'en'),
    ('Our company proudly calls itself "the No.1 CRM in Asia" and our 5,000 customers agree.', 'en'),
    ("We cut the old slogan and went with 'the cheapest cloud storage on the market'.", 'en'),
    ('Stains removed in one wash - "the strongest detergent on the market".', 'en'),
    ("'The No.1 pizza in Brooklyn' needs to go on the new banner by Friday.", 'en'),
    ('Read our customer reviews: "the best dentist in Singapore, hands down."', 'en'),
    ('旧标题已经删掉了，新版首页文案定为：“我们是全国销量第一'
     '的净水器品牌，十年专注，服务超过五百万家庭，真正做到全网'
     '最低价，买贵包退，今天下单再送滤芯一年，欢迎到店咨询体验。”', 'zh'),
    ('敏感词都检查过了，放心发：本店是全网最低价，全国销量第一的品牌，今晚8点开抢', 'zh'),
    ('Checked for banned words, all clear: No.1 CRM in Asia, best price guaranteed, fastest setup.', 'en'),
    ('本店承诺以下说法均真实有效：全网最低价、全国销量第一、行业领先。', 'zh'),
    ("We're a leading provider of cold-chain monitoring in LATAM, mention it if they ask about scale.", 'en'),
    ('各位，下周给华润的方案里就写“国内领先的供应链协同平台”，气势要足。', 'zh'),
    ("Our tutors are the top 1% in the country, that's why parents keep coming back.", 'en'),
    ('这款轮胎是全球首款量产的石墨烯轮胎。', 'zh'),
    ('种植技术在全市排第一，院长从业20年。', 'zh'),
    ('Studio-grade sound with the deepest bass in its class — period.', 'en'),
    ('这款车的做工无可挑剔，欢迎试驾。', 'zh'),
    ('本品零误差，永不宕机。', 'zh'),
    ('国产CRM一哥，就选我们！', 'zh'),
    ('这价格还有谁？赶紧下单！', 'zh'),
    ('任何一家大牌都比不了我们！', 'zh'),
    ('我们的新品全球首创，断层领先。', 'zh'),
    ('我们在CRM领域坐头把交椅。', 'zh'),
    ('我们的咖啡豆堪称云南精品豆之首。', 'zh'),
    ('在医疗影像AI这条赛道上，我们稳坐头把交椅。', 'zh'),
    ('这批钛白粉白度和分散性都属于行业顶配。', 'zh'),
    ("It's the first ever AI-native CRM.", 'en'),
    ('Our platform crushes the competition.', 'en'),
    ('Our tutors are the cream of the crop.', 'en'),
    ('The definitive platform for retail analytics.', 'en'),
    ('Nothing beats our prices this week.', 'en'),
    ('Every other brand falls short next to our serum.', 'en'),
    ('This phone case is indestructible.', 'en'),
    ('Our vault is unhackable.', 'en'),
    ('Our joinery is unequalled in the trade.', 'en'),
    ('No competitor matches our resolution.', 'en'),
    ('Nobody in Shanghai beats our delivery times.', 'en'),
    ("There's no better CRM than ours.", 'en'),
    ("We're the only ISO-certified lab in China.", 'en'),
    ("We're the top CRM vendor in the country.", 'en'),
    ('Best coffee in the entire universe.', 'en'),
    ('Top dog in B2B freight matching.', 'en'),
    ('Lowest fees in the industry, bar none.', 'en'),
    ("The world's lightest carbon road bike frame is in stock.", 'en'),
    # 2026.12.7-3, after dev-k/dev-l: what a review pass found the new patterns and excuses got wrong, now right.
    ('我们家质量最好当天下单当天发', 'zh'),
    ('售后服务我们全城最好24小时内上门', 'zh'),
    ('这款面膜是全网效果最好冷藏后敷更舒服', 'zh'),
    ('我们的牛奶口感最好冷藏保存哦', 'zh'),
    ('客户是冲着我们全网最低价来的', 'zh'),
    ('客户为什么选我们因为我们是行业第一', 'zh'),
    ('很多客户为了我们全网最低价专门跑来', 'zh'),
    ('对方是杂牌我们是全国销量第一的品牌', 'zh'),
    ('这家客户是老朋友了我们给的是全网最低价', 'zh'),
    ('客户是上帝我们的服务全国第一', 'zh'),
    ('客户说他们在比价我们是全网最低价没问题的', 'zh'),
    ('客户提到他们预算有限我们就是全网最低价', 'zh'),
    ('客户反馈他们之前买贵了我们是行业唯一厂家直供', 'zh'),
    ('解决脱发最快的方法就是用我们的生发液', 'zh'),
    ('祛痘最简单的办法就是用我们家的精华', 'zh'),
    ('我们门店连续三年荣获全市销量第一名', 'zh'),
    ('我们的服务团队荣获全国服务第一名', 'zh'),
    ('我们的游戏冲上了App Store leaderboard第一名', 'zh'),
    ('本店招牌是全区销量冠军', 'zh'),
    ('销售：王磊 客户：华润万家 话术：我们是华东地区销量第一的品牌', 'zh'),
    ('客户：和XX比怎么样？\n销售：稍等\n客户：好\n张经理补充：我们是全国销量第一', 'zh'),
    ('顾问：李老师\n家长：孩子数学不好\n我们是全市提分最快的机构，保证提分', 'zh'),
    ('Rep: Sarah  Client: Acme Corp  Pitch: we are the #1 CRM vendor in APAC', 'en'),
    ('Dear customer: we are the No.1 water purifier brand in China. Order now!\n\nSales: Tom Li, 138-0000-1111', 'en'),
    ("Customer: how do you compare to Acme?\nRep: good question\nCustomer: ok"
     "\nRep (Tom): honestly we're the market leader, nobody beats our price", 'en'),
    ('我都说了三遍了，我们家就是“全网最低价”，不信你去比', 'zh'),
    ('看了网友评价就知道，我们是“全国销量第一”！', 'zh'),
    ('买家秀来啦～“全网销量第一”的防晒霜，姐妹们冲！', 'zh'),
    ('价格不要再出现波动了，我们要守住“全网最低价”', 'zh'),
    ('今晚8点直播，主播打出“全网最低价”，错过再等一年', 'zh'),
    ('“全市升学率第一”的学校，迟到会扣分哦，请家长配合', 'zh'),
    ('我们是“全国销量第一”的净水器，今天到货，下次注意提前预约', 'zh'),
    ("Like you said, we're 'the best in the business', and we'll prove it", 'en'),
    ("You used to pay more elsewhere, with us you get 'the lowest price in town'", 'en'),
    ('No superlatives needed: #1 in Asia, 5,000 clients', 'en'),
    ("It's the coziest café out there", 'en'),
    ('The only crêperie in Austin.', 'en'),
    ('Premier Résumé Writers in Boston', 'en'),
    ('We have the creamiest crème brûlée in the world', 'en'),
    ('Nobody in the pâtisserie business comes close', 'en'),
    ('We are the leading 供应商 in 华东', 'zh'),
    ('This is the smoothest 口感 on the market', 'zh'),
    ('Our serum blows every other 精华 out of the water', 'zh'),
    ('Nobody\xa0in\xa0the industry comes\xa0close to our uptime', 'en'),
    ("The customer said they loved it, and we're the #1 vendor in APAC", 'en'),
    ("The client said yes because we're the only certified installer in the county", 'en'),
    ('The buyer thinks our quote is high but we are the cheapest supplier', 'en'),
    ('The client is a hospital so we offer the best price in the region', 'en'),
    ('Our best-selling brand nationwide', 'en'),
    ("We're #1 on the G2 leaderboard for CRM", 'en'),
    ('We ranked #1 in the survey of 5,000 homeowners by J.D. Power', 'en'),
    ("We're #1 in the league table of UK insurers", 'en'),
    ('Our chair is the GOAT of the office furniture world', 'en'),
    ("Our app is the best way to manage your team's schedule", 'en'),
    ('Our clinic is the best person for the job', 'en'),
    ("What's the strongest glue on the market? Ours.", 'en'),
    ('We get the best before-and-after results in Austin', 'en'),
    ("I can't tell you how good our #1 rated blender is", 'en'),
    ('我们是全市出餐最快每单10分钟', 'zh'),
    ('这种事不能再出现了，我们是“行业第一”的品牌，对您负责到底', 'zh'),
    ('感谢客户好评，我们家就是“全网最低价”', 'zh'),
    ('顾客评价都说好，我们是“本地口碑第一”的店', 'zh'),
    ('客户说他们之前用的那家经常坏我们是行业唯一十年质保的', 'zh'),
    ('客户是冲着我们的best price来的', 'zh'),
    ('报价单\n客户：华润万家\n产品：净水器X5\n说明：全网最低价，行业唯一十年质保\n销售：王磊', 'zh'),
    ('经理：李娜 客户：张总 跟进记录：已告知我们是全国销量第一的品牌', 'zh'),
    ("Dear customer: We're the #1 rated roofer in Dallas. Call me: 555-0100", 'en'),
    ("Me: pitched them. Customer: interested. Next steps: tell them we're the cheapest in the market", 'en'),
    ("We're 'the cheapest in town', any lower quote, please drop it in the chat", 'en'),
    ("Our competitor comparison page says 'the #1 rated CRM in Asia'", 'en'),
    ("Our rival comparison sheet says 'cheapest in the market, only certified vendor'", 'en'),
    ('We are the\xa0best supplier in China', 'en'),
    ('We are No.\xa01 in China', 'en'),
    ('We offer world\xa0class service', 'en'),
    ('Our service is second\xa0to\xa0none', 'en'),
    ('We are the\xa0market\xa0leader in payroll', 'en'),
    ('我们是market\xa0leader', 'zh'),
    ("The customer says they need it by Friday, and we're the only supplier in Ohio who can do that", 'en'),
    ("The prospect runs a chain of gyms and we're the top supplier for gyms", 'en'),
    ("One customer said it best: we're the #1 roofer in Dallas", 'en'),
    ('Solar with SunCo is the best way to cut your power bill', 'en'),
    ("I'm the best person to handle your divorce case in Austin", 'en'),
    ("What's the safest car seat on the market? Ours.", 'en'),
    ("What's the fastest VPN in 2025? Ours, by every benchmark.", 'en'),
    ("We're #1 on the Amazon bestseller leaderboard for blenders", 'en'),
    ("Can't tell you enough: we are the best!", 'en'),
]
REVIEWED_CLEAN: list[tuple[str, Literal["zh", "en"]]] = [
    ('这套课程是专为企业领导者设计的管理培训，周三开课。', 'zh'),
    ('本产品已入选工信部能效领跑者目录，证书编号见附件。', 'zh'),
    ('我们服务过华为、美的等多家行业领军企业。', 'zh'),
    ('我们的客户多为国内领先的汽车零部件厂商。', 'zh'),
    ('想在行业领先，就得先把数据打通，这是我们能帮您的。', 'zh'),
    ('零点开抢，秒杀全场爆款，手慢无！', 'zh'),
    ('您订的国内第一批货已经发出，单号稍后发您。', 'zh'),
    ('深圳是全国首个试点城市，我们的方案已经在那边落地。', 'zh'),
    ('同行里排第一的那家报价比我们贵20%。', 'zh'),
    ('我们家最 low 的配置也有16G内存，够您用了。', 'zh'),
    ('我们只服务 Top 级客户，每位都有专属客服。', 'zh'),
    ('我整个下午都找不到更好的时间了，就定3点吧。', 'zh'),
    ('我们按行业 best practice 来设计权限，审计更方便。', 'zh'),
    ('One of our clients, a leading retailer in Germany, cut returns by 18% with the pilot.', 'en'),
    ("Our competitor is a leading vendor in Japan, but they don't support Chinese invoices.", 'en'),
    ("I'll connect you with the engineer leading the solution design for your rollout.", 'en'),
    ('Our category leader, Anna, will reach out about the Q3 listing.', 'en'),
    ('Please note this is the only authorized email address for payment instructions.', 'en'),
    ('The price is the only real difference between the two plans.', 'en'),
    ('No one on our team knows this integration better than our CTO.', 'en'),
    ('Nobody was more surprised than us when the shipment was held at customs.', 'en'),
    ("We already supply the city's biggest hospital with disinfectant.", 'en'),
    ("Europe's biggest trade fair, Hannover Messe, starts Monday; come see us at hall 7.", 'en'),
    ('This is the first and only reminder before the contract auto-renews.', 'en'),
    ('Best to meet in Shenzhen on Tuesday? I land Monday night.', 'en'),
    ("Jane was the top performer in APAC last quarter, so she'll run your onboarding.", 'en'),
    ('Your store is in the top 10% of the region for foot traffic, so a second screen makes sense.', 'en'),
    ('The slowest step in the whole process is customs clearance, about 5 days.', 'en'),
    ('最高能贷到评估价的七成，具体还要看银行审批。', 'zh'),
    ('零基础的同学最好从入门班开始，别一上来就报进阶。', 'zh'),
    ('本月冲刺赛第一名奖励iPad一台，大家冲鸭💪', 'zh'),
    ('唯一能提前交房的是3号楼，其他楼栋都要等明年六月。', 'zh'),
    ('第三条 乙方为甲方在浙江省内的唯一授权经销商，授权期限一年。', 'zh'),
    ('孩子这次模考在班级排名第一，进步主要在阅读理解部分。', 'zh'),
    ('竞品海报上印着“行业第一”，客户拿来问我们，咋回比较好？', 'zh'),
    ('我们不是 cheapest 的，但 support 是 24/7 in-house。', 'zh'),
    ('培训 slide 里有个 banned list：最佳、No.1、guaranteed、100%有效，大家自查一下。', 'zh'),
    ("Honestly I doubt we're the biggest vendor they're talking to.", 'en'),
    ('The lowest tier starts at $29/mo billed annually.', 'en'),
    ("Legal: I've cut 'unbeatable' and 'best-in-class' from the landing page copy.", 'en'),
    ("A customer told us last week, 'This is the best onboarding experience we've ever had with a vendor.'", 'en'),
    ('招生宣传审核意见：1. “保过班”名称须改为“强化班”；2. 删除“名师天花板”字样。', 'zh'),
    ('没有任何系统能做到永不宕机，我们提供99.95% SLA。', 'zh'),
    ('谈不上无可挑剔，还有改进空间。', 'zh'),
    ('我们不敢说无人能出其右，…', 'zh'),
    ("We don't claim to be unhackable; …", 'en'),
    ("It is not the first ever AI CRM, but it's a solid one.", 'en'),
    ('Our product is not indestructible…', 'en'),
    ("We don't claim to be unbeatable", 'en'),
    ("We can't promise 永不宕机; our SLA is 99.95%.", 'zh'),
    ('本项目验收要求零差错，请各位仔细核对。', 'zh'),
    ('乙方应确保数据录入零差错，否则按合同第8条扣款。', 'zh'),
    ('客户要求上线后零差错，我们评估后只能承诺差错率低于0.1%。', 'zh'),
    ('我们的目标是零误差交付…', 'zh'),
    ('这次盘点零差错，辛苦仓库同事了。', 'zh'),
    ("The customer's SOP requires 零差错 for batch records.", 'zh'),
    ('本订单之首批货物于3月1日发出…', 'zh'),
    ('导致延误的因素之首是海关查验。', 'zh'),
    ('安全生产是各项工作之首。', 'zh'),
    ('风险清单里，数据泄露位列各项风险之首。', 'zh'),
    ('客户反馈中，排在需求之首的是报表导出。', 'zh'),
    ('在四大名著之首的红楼梦里……', 'zh'),
    ('这效果还有谁没看到？会后把视频发群里。', 'zh'),
    ('贵司在本地是数一数二的大客户…', 'zh'),
    ('杭州的电商氛围在国内数一数二。', 'zh'),
    ('贵司的售后服务确实无可挑剔，我们也要向你们学习。', 'zh'),
    ('贵司这次的方案演示堪称完美…', 'zh'),
    ('张总在集团里坐的是头把交椅，签字需要他同意。', 'zh'),
    ('该客户是本地的行业一哥，请重点跟进。', 'zh'),
    ('我们IT一哥老王下午过来帮您装驱动。', 'zh'),
    ('业内公认第一的是SAP，我们定位在第二梯队', 'zh'),
    ('这是我们今年签下的头一份合同，感谢王总支持！', 'zh'),
    ('头一份报价单已经发您邮箱，第二份下午发。', 'zh'),
    ('本月内部销售榜首是李明，恭喜！', 'zh'),
    ('华南区本季度业绩位列内部排行榜榜首。', 'zh'),
    ('这是我们 team 的 KPI 榜首…', 'zh'),
    ('华东区本月业绩断层领先，其他大区加油！', 'zh'),
    ('竞品的渠道优势，我们哪方面都比不了，只能打服务。', 'zh'),
    ('论细心，组里所有人都比不了。', 'zh'),
    ('数据安全超越一切，这是公司红线。', 'zh'),
    ('金字塔尖客户由总监直接对接', 'zh'),
    ('This was the first ever outage in 4 years; root cause attached.', 'en'),
    ('Please find the RCA for the first-ever P1 incident on your account.', 'en'),
    ('Welcome to the first-ever Acme Partner Summit…', 'en'),
    ('下周和客户开 the first ever QBR', 'zh'),
    ('The agreement contains a no contest clause in section 12.', 'en'),
    ('The defendant entered a plea of no contest.', 'en'),
    ('It was no contest: the customer chose … our competitor.', 'en'),
    ('All orders, bar none, must have a PO number…', 'en'),
    ("Every invoice, bar none, needs the customer's tax ID.", 'en'),
    ('Everyone, bar none, must finish the compliance training…', 'en'),
    ('Your ticket is ranked first in the support queue…', 'en'),
    ('Price was ranked first among the evaluation criteria in your RFP.', 'en'),
    ('Your Shanghai office is the only site in China still on the legacy version.', 'en'),
    ('You are the only customer in the country using the offline license.', 'en'),
    ('Is this the only distributor in China for your brand?', 'en'),
    ('Acme is the top retailer in the country…', 'en'),
    ('They are the top distributor in the state…', 'en'),
    ('Shenzhen is the top city in the country for hardware startups…', 'en'),
    ('They hired from the top 10 universities in the country…', 'en'),
    ('Lowest temperature in the city this week is -15C…', 'en'),
    ('Lowest bid in the state wins under the tender rules…', 'en'),
    ('Lowest unemployment rate in the country - …', 'en'),
    ("Tokyo hosts the world's busiest railway station…", 'en'),
    ("Our client runs the world's oldest soy sauce brewery.", 'en'),
    ("What's the most common question out there about the new VAT rules?", 'en'),
    ('Who has the most experience anywhere with customs in Tianjin?', 'en'),
    ('Is this the most urgent ticket anywhere in the queue?', 'en'),
    ('Your store had the most footfall anywhere in the chain in May.', 'en'),
    ("He's the most senior engineer in the game…", 'en'),
    ('Nothing beats our own internal dry run before the customer demo…', 'en'),
    ("Nothing beats our team's morning stand-up…", 'en'),
    ("Nothing beats this week's weather…", 'en'),
    ('Sarah usually beats everyone to the office on Mondays.', 'en'),
    ('All other suppliers lag on delivery this month due to the typhoon.', 'en'),
    ('All other products fall short of the margin target this quarter.', 'en'),
    ("Every other vendor falls short of the RFP's ISO 27001 requirement, says the client's procurement memo.", 'en'),
    ('Nobody in our team beats our own record from last year.', 'en'),
    ('This is the industry-best practice for key rotation, per NIST.', 'en'),
    ('He is at the pinnacle of his career…', 'en'),
    ('Their Q3 numbers were the pinnacle of the year.', 'en'),
    ('Singapore is the holy grail of APAC expansion for many clients.', 'en'),
    ('The cream of the crop of our candidates will interview on Friday.', 'en'),
    ('Their CEO is the top dog in that group…', 'en'),
    ('We need to pick the definitive tool for ticket tracking before Q3', 'en'),
    ('The customer wants the definitive platform decision by Friday.', 'en'),
    ('Attached is the definitive guide to the new PIPL…', 'en'),
    ('Nothing beats a face-to-face meeting…', 'en'),
    ("There's no better time than now to renew.", 'en'),
    ('Best practice(s) in the industry …', 'en'),
    ('客户投诉原因之首是物流慢。', 'zh'),
    ('任何改动都比不上先把需求确认清楚。', 'zh'),
    ('请不要在文案里写“零误差”、“永不宕机”。', 'zh'),
    # 2026.12.7-3, after dev-k/dev-l (as above).
    ('这个月小李出勤率第一，奖励一天调休', 'zh'),
    ('本季度华东大区回款率第一，全组去团建', 'zh'),
    ('小明在班里出勤率第一，老师表扬了他', 'zh'),
    ('肺癌是我国发病率第一的癌症，建议40岁以上每年做低剂量CT', 'zh'),
    ('上季度投诉率第一的是物流环节，这周要整改', 'zh'),
    ('这款是我们店退货率第一的商品，准备下架', 'zh'),
    ('这家竞品的差评率第一，别跟他们学', 'zh'),
    ('同行都没有涨价，我们也先别涨', 'zh'),
    ('春节期间别的店都没有开门，我们初三开始营业', 'zh'),
    ('疫情期间同行也拿不到货，物流全停了，交期请您谅解', 'zh'),
    ('其他厂家都做不到这么短的交期，所以我们也需要延期一周', 'zh'),
    ('没有哪家快递能做到偏远地区当天到，请您理解', 'zh'),
    ('其他品牌都没有回复我们的询价，只能等了', 'zh'),
    ('供应商说已经是地板价了，没法再压价，这单利润很薄', 'zh'),
    ('客户说这已经是地板价了，他们不会再降', 'zh'),
    ('比特币现在已经是地板价了吗？我不太懂', 'zh'),
    ('我们今天拜访的是阀门领域的隐形冠军，他们想采购我们的系统', 'zh'),
    ('德国有很多细分行业的隐形冠军，值得我们学习', 'zh'),
    ('全国门店最多的品牌是蜜雪冰城，我们排第三', 'zh'),
    ('全市投诉最多的公司名单已公布，请大家避开', 'zh'),
    ('本地招聘岗位最多的企业都在做外卖平台', 'zh'),
    ("No one in the office comes close to Sarah's numbers this quarter", 'en'),
    ('Nobody on the team even comes close to hitting quota, we need to talk', 'en'),
    ('By far the most common question we get is about shipping times', 'en'),
    ("This is by far the most expensive option, so I'd suggest the mid tier", 'en'),
    ('Shipping cost is by far the top concern for our buyers', 'en'),
    ('Delivery delays were by far the most frequent complaint last year', 'en'),
    ('The old units, honestly, were the loudest in the building', 'en'),
    ('Your old printers, as you said, were the slowest part of the workflow', 'en'),
    ('We booked you at the Premier Inn by the airport', 'en'),
    ('The premier announced new subsidies for EV buyers, good news for our dealers', 'en'),
    ("Ontario's premier Doug Ford visited our plant today", 'en'),
    ("China's premier Li Qiang spoke at the forum", 'en'),
    ('Premier Inn in London has rooms for the offsite', 'en'),
    ('The only flight in March is fully booked, shall I try April?', 'en'),
    ('The only available date in June is the 12th', 'en'),
    ('The only hotel in Zermatt with rooms left is the Alpina, so I booked it', 'en'),
    ('The only meeting slot in Shanghai is Tuesday at 3pm', 'en'),
    ('I basically invented the category labels for the new CRM fields', 'en'),
    ('Tesla was the first company ever to sell a million EVs, we are just a dealer', 'en'),
    ('No test is 100% accurate, so we recommend a second test', 'en'),
    ("We can't promise it's 100% accurate, the OCR is around 95%", 'en'),
    ('No network is 100% reliable, which is why we offer failover', 'en'),
    ('Is it 100% safe for kids? Asking for my daughter', 'en'),
    ("Honestly Acme's new release blows every other CRM out of the water, we need a response plan", 'en'),
    ("Nobody bakes like our grandma did, that's what inspired the shop", 'en'),
    ('Other parents wish they could join the Friday session, can we stream it?', 'en'),
    ('Other teams wish they had our budget, lol', 'en'),
    ("We're recruiting top-tier engineers for the Shanghai office", 'en'),
    ('Upgrade to the top-tier subscription to unlock SSO', 'en'),
    ('Their top-tier pricing starts at $99 a month', 'en'),
    ('Always put the oldest cartons on the shelves first', 'en'),
    ('Put the freshest batch on the shelf at the back, older at the front', 'en'),
    ("The heaviest item you'll need to lift is about 20 kg", 'en'),
    ('Lowest quote in Shenzhen came from Foxlink at $2.10 per unit', 'en'),
    ('HSBC is the only lender that approved your application so far', 'en'),
    ('Acme is the only contractor who bid on the tender', 'en'),
    ('This is the only venue available on the 12th, should I hold it?', 'en'),
    ('That is the only studio free on Saturday', 'en'),
    ('请把全部lowest bid整理一下发给我', 'zh'),
    ('今年全公司的#1 priority是回款', 'zh'),
    ('全组best performer是小李，奖金翻倍', 'zh'),
    ('今年全年lowest的一个月是二月，要分析原因', 'zh'),
    ('同行leading brand都在降价，我们要不要跟', 'zh'),
    ('国内leading的几家厂商都报价了，我们报第三低', 'zh'),
    ('这双鞋在GOAT上卖多少钱？', 'zh'),
    ('我在GOAT上买的球鞋到了，帮我看看真假', 'zh'),
    ('请查收附件NO1和附件NO2', 'zh'),
    ('方案NO1和方案NO2的报价对比见表格', 'zh'),
    ('Gartner把Salesforce评为the market leader了，我们是挑战者', 'zh'),
    ('友商是the leader in CRM，我们走差异化', 'zh'),
    ('这次合作方是首创。', 'zh'),
    ('市面上投诉最多的品牌就是那几个杂牌，您可以自己查', 'zh'),
    ('我们门店上个月在公司内部转化率第一', 'zh'),
    ('我们的目标是成为the top supplier，还有很长的路', 'zh'),
    ("This was by far the best quarter in our company's history", 'en'),
    ("That's hands down the best I can do on price", 'en'),
    ('Route B is by far the cheapest option for you', 'en'),
    ('This is by far the most popular tier we offer', 'en'),
    ('Your team was hands down the best client we worked with this year', 'en'),
    ("You're the first company ever to ask us for a 10-year warranty", 'en'),
    ("We can't say it's 100% harmless, please consult your vet", 'en'),
    ('Please double-check the figures are 100% accurate before sending', 'en'),
    ('Lowest fares in December are on the 3rd, should I book?', 'en'),
    ('Your car comes with the Premier Care package for 3 years', 'en'),
    ('Your booking for the Premier Suite is confirmed', 'en'),
    ("Acme's Premier plan costs $40 more than ours", 'en'),
    ('请把全套lowest配置报价发我', 'zh'),
    ('坚持效率第一、兼顾公平的原则', 'zh'),
    ('增值税率第一档是13%，第二档是9%', 'zh'),
    ('费率第一档适用于年缴保费一万以下的保单', 'zh'),
    ('这部电影上座率第一，我们影院多排几场', 'zh'),
    ('没有哪家公司能做到百分百不出错，我们也会有失误', 'zh'),
    ('全组first个交周报的是小王', 'zh'),
    ('这件大衣是100% pure羊绒的', 'zh'),
    ('请确认the ultimate受益人是谁', 'zh'),
    ('请问the longest交期是多久？', 'zh'),
    ('我们店most popular的是拿铁', 'zh'),
]


@pytest.mark.parametrize(("text", "lang"), REVIEWED_CLAIMS)
def test_claims_the_new_patterns_find_and_the_new_excuses_keep(checker: Checker, text: str,
                                                                lang: Literal["zh", "en"]) -> None:
    assert _absolute(checker, text, lang), text


@pytest.mark.parametrize(("text", "lang"), REVIEWED_CLEAN)
def test_ordinary_text_the_new_patterns_must_not_flag(checker: Checker, text: str, lang: Literal["zh", "en"]) -> None:
    assert _absolute(checker, text, lang) == []


def test_discount_rewrite_uses_the_limit(checker: Checker) -> None:
    assert build_report(checker, "这单可以打7折", REP, "zh").rewrite == "这单可以打9折"


@pytest.mark.parametrize(("text", "rewrite"), [
    ("今天下单打7折", "今天下单按原价"), ("这单可以给您75折", "这单可以给您原价"), ("今天全场8.5折起", "今天全场原价"),
    ("本周打對折。", "本周按原價。"),
])
def test_an_asker_with_no_discount_authority_gets_the_list_price(checker: Checker, text: str, rewrite: str) -> None:
    # not "打10折", which the discount rule reads as 90% off
    report = build_report(checker, text, Asker(discount_limit_pct=0.0, approver="manager"), "zh")
    assert (report.rewrite, report.rewrite_verdict) == (rewrite, "pass")


def test_an_llm_rewrite_is_kept_only_if_it_passes(checker: Checker) -> None:
    text = "我们是全国第一的品牌"
    good = build_report(checker, text, REP, "zh", propose=lambda t, f, lang: "我们是行业内知名的品牌")
    assert (good.rewrite, good.rewrite_by, good.rewrite_verdict) == ("我们是行业内知名的品牌", "llm", "pass")
    bad = build_report(checker, text, REP, "zh", propose=lambda t, f, lang: "我们是最好的品牌")
    assert bad.rewrite_by == "rules" and bad.rewrite_verdict == "pass"

    def broken(t: str, f: object, lang: str) -> str:
        raise TimeoutError

    assert build_report(checker, text, REP, "zh", propose=broken).rewrite_by == "rules"


def test_payment_conflicts_are_not_papered_over(checker: Checker) -> None:
    report = build_report(checker, "预付30%，到货40%，验收20%", REP, "zh")
    assert report.verdict == "warn" and report.rewrite_verdict == "warn"


# ---- the tool through the agent --------------------------------------------------------------------------------

def test_tool_checks_the_users_raw_words_and_memory_keeps_them_masked(
        service: CopilotService, fake_model: ScriptedChatModel, settings: Settings) -> None:
    fake_model.script = [tool_call("check_compliance", text="把身份证号110101********4514发给经销商")]
    reply = service.ask("demo.rep", f"这样可以吗：把身份证号{VALID_ID}发给经销商", conversation_id="c1")
    assert reply.reply.startswith("⛔ 不可按原文发送") and "【《个人信息保护法》第二十三条" in reply.reply
    assert VALID_ID not in reply.reply
    # The model only ever saw the masked number, and the stored conversation holds no raw value.
    assert all(VALID_ID not in str(m.content) for m in fake_model.prompts[0])
    with sqlite3.connect(settings.memory_path) as conn:
        blobs = b"".join(bytes(r[0]) for r in conn.execute("SELECT checkpoint FROM checkpoints"))
        blobs += b"".join(bytes(r[0]) for r in conn.execute("SELECT value FROM writes"))
    assert VALID_ID.encode() not in blobs and b"110101********4514" in blobs


def test_a_plain_reply_to_a_compliance_question_becomes_a_check(
        service: CopilotService, fake_model: ScriptedChatModel) -> None:
    from langchain_core.messages import AIMessage

    fake_model.script = [AIMessage(content="Yes, you can."), tool_call("check_compliance")]
    reply = service.ask("demo.rep", "Can I tell the customer we are the No.1 brand?")
    assert [c.name for c in reply.tool_calls] == ["check_compliance"]
    assert reply.reply.startswith("⛔ Do not send as written") and "Yes, you can" not in reply.reply


def test_discount_advice_names_the_approver_from_the_directory(
        service: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("check_compliance")]
    reply = service.ask("demo.rep", "这个报价合规吗：本单给您打7折")
    assert "超出您的审批权限 10%" in reply.reply and "打9折" in reply.reply
    fake_model.script = [tool_call("check_compliance")]
    assert service.ask("demo.director", "这个报价合规吗：本单给您打7折").reply.startswith("✅")


@pytest.mark.parametrize(("text", "expected"), [
    ("这段话合规吗:我们是第一", True), ("这样说可以吗：绝对正品", True), ("能不能把客户的身份证号发给经销商？", True),
    ("Is this OK to send: we are the best", True),
    ("Can I tell the customer we are the No.1 brand?", True),
    ("可以把上个月华东的销售额发给我吗?", False), ("Can I send the Q3 report to my manager?", False),
    ("上个月华东区的销售额", False),
])
def test_compliance_triggers_do_not_hijack_data_questions(text: str, expected: bool) -> None:
    from tools.check_compliance import TOOL

    assert TOOL.triggered_by(text) is expected


@pytest.mark.parametrize("text", ["can you check this?", "帮我 check 一下", "这段话合规吗？", "Could you review it?"])
def test_a_request_with_no_text_to_check_gets_a_question_not_a_pass(
        service: CopilotService, fake_model: ScriptedChatModel, text: str) -> None:
    fake_model.script = [tool_call("check_compliance")]
    reply = service.ask("demo.rep", text)
    assert reply.tool_calls[0].ok is False and reply.tool_calls[0].error is None  # stopped to ask, not failed
    assert reply.reply.startswith(("请问要检查哪段文字？", "Which text should I check?"))
    fake_model.script = [tool_call("check_compliance")]
    assert service.ask("demo.rep", "can you check this: we are the No.1 brand").reply.startswith("⛔")


def test_the_models_echo_of_the_context_line_is_not_checked(service: CopilotService,
                                                            fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("check_compliance", text=" Chen Jing (rep), data scope: east; today: 2026-12-03")]
    reply = service.ask("demo.rep", "can you check this?")
    assert reply.reply.startswith("Which text should I check?")


@pytest.mark.parametrize(("text", "claims"), [
    ("customer: honestly you're the best rep I've talked to all week rep: thanks! about the contract", []),
    ("客户：你们是我用过最好用的排班系统了 销售：谢谢您认可", []),
    ("customer: so are you the cheapest? rep: yes, we are the cheapest in town", ["the cheapest"]),
    ("客户：还有更便宜的吗\n销售：没有了，我们是全网最低价", ["全网最"]),
    ("客户：华润集团 需求：我们是全国第一的供应商", ["全国第一"]),  # fields of a form, not a dialogue
    ("客户：好的\n销售：稍等\n客户：嗯\n张经理补充：我们是全国销量第一", ["销量第一"]),  # a speaker we cannot place
])
def test_the_other_sides_turns_in_a_dialogue_are_theirs(checker: Checker, text: str, claims: list[str]) -> None:
    found = _absolute(checker, text, "zh" if "客户" in text else "en")
    assert len(found) == len(claims) and all(claim in span for claim, span in zip(claims, found, strict=True)), found


@pytest.mark.parametrize(("text", "claim"), [
    ("我们是market leader啊", "market leader"), ("抗老界的GOAT", "GOAT"), ("SLA响应是行业top 1的", "行业top 1"),
    ("It's the coziest café out there", "the coziest café out there"),
    ("We are the best\u00a0supplier in China", "the best"),
])
def test_english_words_read_as_words_beside_chinese_accents_and_no_break_spaces(checker: Checker, text: str,
                                                                               claim: str) -> None:
    found = _absolute(checker, text, "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en")
    assert any(claim in span for span in found), found


def _findings_of_either_kind(checker: Checker, text: str, lang: Literal["zh", "en"]) -> list[str]:
    return [f.kind for f in checker.check(text, REP, lang) if f.kind in ("absolute_term", "guarantee")]


# 2026.12.7-4, after dev-m (regulated industries) and dev-n (threads, drafts, tables): what a fourth review pass found
# the new patterns, excuses and line structures (before/after drafts, quoted replies, forwards, rival tables) got
# wrong, now right: claims or promises that must be found, and ordinary texts that must not be.
REVIEWED_FOUND: list[tuple[str, Literal["zh", "en"]]] = [
    ('| 对比项 | 我们 |\n| 售后 | 最长质保 |\n| 价格 | 最低价 |', 'zh'),
    ('| 产品 | 卖点 |\n| 智能锁X1 |最低价格保证 |', 'zh'),
    ('全市价位最低的是我们家，不信您去比。', 'zh'),
    ('作为华为合作伙伴我们是国内领先的云服务商。', 'zh'),
    ('作为苹果一级供应商我们是全球最大的代工厂。', 'zh'),
    ('我是小李，来自安心锁业（国内领先的智能锁品牌），想跟您约个时间。', 'zh'),
    ('目标客户:中小企业,我们是国内领先的SaaS服务商,可以重点推。', 'zh'),
    ('客户问有没有优惠，我们已经是全网最低价了，不能再降。', 'zh'),
    ('恭喜您获得优惠券，本店销量全国第一名，欢迎选购。', 'zh'),
    ('我们不算最贵但品质行业第一。', 'zh'),
    ('并非最便宜但服务全国第一。', 'zh'),
    ('全网性价比最高：¥1999，仅此一天。', 'zh'),
    ('Our partner program is the best in the industry.', 'en'),
    ('Our service remains unmatched in the industry.', 'en'),
    ('We are the No.1 seller of solar panels in California.', 'en'),
    ("We're the number one seller on Amazon for air fryers.", 'en'),
    ('The best way to lower your energy bill is with our solar panels.', 'en'),
    ('Why are we the fastest-growing CRM in Asia? Because we listen.', 'en'),
    ('Are we the cheapest in town? You bet we are.', 'en'),
    ('v1：全网最低价，7天无理由退换\nv2：在v1基础上加一句"支持分期"，其余照发', 'zh'),
    ('Draft 1: 行业第一的品质，终身质保\nDraft 2: 加上售后电话', 'zh'),
    ('> On Monday, March 3, 2025 at 10:02 AM, I wrote:'
     '\n> We are the only certified installer in Dallas.\nJust following up on my note below.', 'en'),
    ('> 我在周一写道：\n> 我们是全市唯一有资质的机构\n王总，再跟进一下上次的方案。', 'zh'),
    ('转发：给客户的通知——本店全城最低价，今天下单立减200', 'zh'),
    ('转发 客户群：我们是全市唯一有资质的机构，欢迎咨询。', 'zh'),
    ("Fwd: to client Acme - we're the only certified installer in Dallas, see attached.", 'en'),
    ('Forwarded to customer list: The #1 rated HVAC company in Ohio - book now!', 'en'),
    ('竞品对比 | 我们 | A公司\n价格 | 全网最低 | 较高\n售后 | 行业唯一终身质保 | 一年', 'zh'),
    ('哪些说法不能用？我整理了一下，我们对外统一说：全市唯一持证机构。', 'zh'),
    ('哪些说法违规？像最好这种。我们的新口号是：本地最专业的装修公司', 'zh'),
    ('Competitor | Us | Them\nPrice | the cheapest in town | High\nSupport | the only 24/7 team in Ohio | 9-5', 'en'),
    ('竞品 | 宣传语\nA公司 | 行业第一\n我们 | 全网最低价，行业唯一', 'zh'),
    ('我：今天跟进完毕\n汇总：本店全城最低价，已告知客户', 'zh'),
    ('我：王总好，我是销售小张\n李总（我司销售总监）：王总放心，我们是全国唯一有这项资质的公司。', 'zh'),
    ('销售：这是报价\n客户：售后怎么样？\n客户成功经理：我们是行业唯一7x24小时响应的服务商。', 'zh'),
    ('销售：这是报价\n客户：售后怎么样？\n客户服务经理：放心，我们的售后全网最好。', 'zh'),
    ("Rep: here's the quote\nCustomer: how's your support?"
     "\nCustomer Success: We're the only platform with 24/7 human support in Asia.", 'en'),
    ('Rep: sending the SOW now\nClient: what about onboarding?'
     '\nClient Services: we have the fastest onboarding in the industry.', 'en'),
    ("Rep: intro call recap\nClient Partner: we're the leading agency in Singapore for fintech launches.", 'en'),
    ('我：王总，合同发您了\n副总：我们是全国唯一有这项资质的公司，请放心。', 'zh'),
    ('我：张总您好\n老总：放心，我们的价格全网最低。', 'zh'),
    ("Me: ok\nCustomer Support: we're the No.1 rated helpdesk in Europe.", 'en'),
    ('客户问价格，直接回“全网最低价，保证最便宜”。', 'zh'),
    ('客户问报价，回复他“我们是全市唯一有资质的”就行。', 'zh'),
    ('Client asked for the deck - sent it with "the leading provider in Asia" on the cover.', 'en'),
    ('Prospect asked about pricing, so the reply is "the lowest price in Texas, guaranteed".', 'en'),
    ('Owner says "best coffee in town" - come see why!', 'en'),
    ('“全网最低价”，库存不多，下周就下架了。', 'zh'),
    ('“行业第一”品质，售完即下架，抓紧。', 'zh'),
    ('我们的口号“本市唯一持证机构”，更正一下地址：人民路88号。', 'zh'),
    ('我们是“全城最低价”，别家报的价格都不准确。', 'zh'),
    ('我们“行业第一”的服务，从未被投诉过。', 'zh'),
    ('“零添加，最安全的奶粉”，不使用任何防腐剂。', 'zh'),
    ('"The fastest onboarding in the industry" - your ticket has been flagged as priority.', 'en'),
    ('Get "the best price in town" -> drop by our store today!', 'en'),
    ('竞品声称价格低，但我们才是“全网最低价”。', 'zh'),
    ('友商号称服务好，其实“行业第一”的是我们。', 'zh'),
    ('Owner says "the best coffee in town" - come see why!', 'en'),
    ('CEO Jane Doe says "we are the No.1 payroll provider in Texas" in her keynote, and we stand behind it.', 'en'),
    ('We retire the line at launch. New headline: "the best CRM for clinics".', 'en'),
    ('"the best device for home use" - this device should not be used by children under 12.', 'en'),
    ('"Number one in Texas for HVAC" - this offer should not be used with other coupons.', 'en'),
    ('“全网最低价”，下周起部分型号下架，先到先得。', 'zh'),
    ('深耕大客户十年，我们是industry-leading的服务商。', 'zh'),
    ('选我们做供应商是最明智的选择。', 'zh'),
    ('别说了，最好的就是我们家，直接下单吧。', 'zh'),
    ('客户自我介绍：做外贸的，我介绍我们是行业第一的物流商。', 'zh'),
    ('对方问有没有现货,我们全网最低价直接发。', 'zh'),
    ('我们连续三年全国销售第一名，值得信赖。', 'zh'),
    ('> On Tue, Sales Team wrote:\n> We are the No.1 licensed broker in Perth.\nResending our intro below.', 'en'),
    ('> 销售部写道：\n> 本店全城最低价，欢迎选购\n再发一次活动通知。', 'zh'),
    ('原文：我们是本市唯一的持证机构\n改为：（不变）', 'zh'),
    ('Before: "the best-rated clinic in Austin" (headline)\nAfter: same headline, new photo', 'en'),
    ('我不会骗你，打包票这次审批能过。', 'zh'),
    ("Can't say enough about this fund: you'll never lose money.", 'en'),
    ("I won't say it twice: your returns are guaranteed.", 'en'),
    ("I can't tell you how excited I am - guaranteed returns of 12% a year!", 'en'),
    ("Can't say it enough: zero risk, double your money in a year.", 'en'),
    ("I'm not going to say much - it's risk-free and you'll double your money.", 'en'),
]
REVIEWED_NOT_FOUND: list[tuple[str, Literal["zh", "en"]]] = [
    ('今天全区第一场雪，路上注意安全，安装师傅可能晚到半小时。', 'zh'),
    ('恭喜您家孩子期末考了全区第一！下学期的课程表发您了。', 'zh'),
    ('我们在全县第一家开业的是城南店，地址发您。', 'zh'),
    ('本区第一医院旁边就是我们的样板间，周六可以来看。', 'zh'),
    ('全城第一时间配送的话要加急费20元。', 'zh'),
    ('这是全省首创的"放管服"改革试点，政策文件附后供参考。', 'zh'),
    ('根据新闻，垃圾分类积分制是本市首创，我们的回收箱已接入。', 'zh'),
    ('代言人是内娱的顶流。合同已经签好了。', 'zh'),
    ('去年最受游客欢迎的城市是三亚，团期已经排好。', 'zh'),
    ('国产手机top 1是华为，这是第三方数据，和我们无关。', 'zh'),
    ('我们服务的客户都是行业top级企业，案例附后。', 'zh'),
    ('We were the only bidder to submit on time, according to the procurement portal.', 'en'),
    ('We are the only contact for billing questions on this account.', 'en'),
    ('We were the only guests in the restaurant that night.', 'en'),
    ('We were the first team to arrive at the venue, so we set up the booth.', 'en'),
    ("We're the first vendor to present tomorrow at 9am.", 'en'),
    ('这个是the only way to fix it，先重启再说。', 'zh'),
    ('目前能用的是the only option left，其他都约满了。', 'zh'),
    ('The error message says "the only service account allowed is admin".', 'en'),
    ('The log line reads "the only system process running is cron".', 'en'),
    ("Lisa's first question was about pricing for the Pro tier.", 'en'),
    ("Tom's favourite feature is the dashboard, he mentioned it twice.", 'en'),
    ("Sarah's top concern is data residency in the EU.", 'en'),
    ("Mark's first impression was positive; next call Thursday.", 'en'),
    ('Please list the earliest and latest delivery slots you can offer.', 'en'),
    ('Attached are the oldest and newest invoices for reconciliation.', 'en'),
    ('The closest thing to a guarantee I can offer is our 99.5% SLA.', 'en'),
    ('The closest thing to a standard here is ISO 9001.', 'en'),
    ('Use SELECT TOP 1 to get the latest row from the orders table.', 'en'),
    ("The model's top 1 accuracy is 87% on the holdout set.", 'en'),
    ('Only the top 1 result is shown in the preview pane.', 'en'),
    ('We have the most people on leave this week, so replies may be slow.', 'en'),
    ('We have the highest churn in the region this quarter, per the QBR deck.', 'en'),
    ("We're the smallest team in the company, so bear with us on turnaround.", 'en'),
    ('The latest release in May fixes the export bug.', 'en'),
    ('The earliest slot on Monday is 9am; shall I book it?', 'en'),
    ('Note: The most recent invoice in January was paid late.', 'en'),
    ('The nearest hotel is at Marina Bay, 10 minutes from our office.', 'en'),
    ('Rents here are the most expensive rents in the city, which is why we kept the office small.', 'en'),
    ('It is the tallest building in the city and our office is on floor 30.', 'en'),
    ('Sarah is the leading consultant on your project and will run the kickoff.', 'en'),
    ('市场有风险，没有谁能稳拿收益，请您理性配置。', 'zh'),
    ('别信那些稳拿10%的说法，理财都有波动。', 'zh'),
    ('客户要求年化至少5%，我们的产品达不到，建议换个方案。', 'zh'),
    ('房贷年化利率不低于3.1%，具体以银行审批为准。', 'zh'),
    ('每年至少2次免费上门保养，写在合同第5条。', 'zh'),
    ('这样起码省得您跑一趟，资料我直接快递过去。', 'zh'),
    ('买了也不一定就升值，要看地段和政策。', 'zh'),
    ('房子不是买了就升值的，您还是要看自住需求。', 'zh'),
    ('两年内会不会升值不好说，我不做预测。', 'zh'),
    ('运费已经包进价格里了，不用另外付。', 'zh'),
    ('这批面包进货价是3块一个。', 'zh'),
    ('红包进群就发，大家留意。', 'zh'),
    ('材料包括录取通知书和护照复印件。', 'zh'),
    ('这套系统包括客流统计功能和会员管理。', 'zh'),
    ('这事我真的不好打包票，要看审批。', 'zh'),
    ('没人敢打包票，只能说尽力。', 'zh'),
    ('这种情况公司兜底不了，需要您自己承担。', 'zh'),
    ('这个bug已经彻底消失了，您刷新一下试试。', 'zh'),
    ('这种病很难断根，只能控制。', 'zh'),
    ('我一辈子都不会忘记您的帮助。', 'zh'),
    ('体重反不反弹因人而异，我们没法保证不反弹。', 'zh'),
    ('湿疹不是一次就能治好的，需要坚持用药。', 'zh'),
    ('不是什么都能赔的，免责条款请看第7条。', 'zh'),
    ('明天铁定下雨，安装改到后天吧。', 'zh'),
    ('他铁定又迟到了，会议推迟十分钟。', 'zh'),
    ('三天内必出检测报告，出了第一时间发您。', 'zh'),
    ('一年内必出新品，路线图见附件。', 'zh'),
    ('这两天掉秤了，客户自己说的，我转达一下。', 'zh'),
    ('没人能保证100%通过。', 'zh'),
    ('本金不是100%安全的，请注意风险。', 'zh'),
    ('包装盒加厚运输不变形。', 'zh'),
    ('招生简章包含录取分数线，附件请查收。', 'zh'),
    ('这笔贷款不一定能批，要看征信。', 'zh'),
    ('寄回前一定要恢复出厂设置。', 'zh'),
    ("No fund can guarantee you'll never lose money, so please read the risk disclosure.", 'en'),
    ('Stocks never go up in a straight line, so expect volatility.', 'en'),
    ("If you unsubscribe, you'll never get these emails again.", 'en'),
    ('Unless you reset it, you will never see the password again - store it safely.', 'en'),
    ('Once deleted, the data is gone forever, so export it first.', 'en'),
    ('No results are guaranteed; outcomes vary by patient.', 'en'),
    ('Neither admission nor placement is guaranteed by the agency.', 'en'),
    ('We will restore your backup by 5pm today.', 'en'),
    ('The wipe will erase all data on the laptop, so back up first.', 'en'),
    ('The reset button restores the layout to normal.', 'en'),
    ('Every customer will receive an invoice by email on the 1st.', 'en'),
    ('Every student gets a locker and a parking pass.', 'en'),
    ("I'll send the revised quote today, I promise.", 'en'),
    ("We'll call you back within the hour, we promise.", 'en'),
    ('No ifs, no buts: the invoice is due Friday.', 'en'),
    ('GDPR guarantees all customers the right to access their data.', 'en'),
    ('We had 100% on-time delivery in Q3, per the carrier report.', 'en'),
    ("Nobody can promise you'll retire a millionaire.", 'en'),
    ('We guarantee 40+ hours of onsite training in the first month.', 'en'),
    ('Is it clinically proven to cure eczema? The customer asked.', 'en'),
    ('客户问我：“你们真的是全网最低吗？”', 'zh'),
    ('这次讨论是否用“行业第一”，结论是不用。', 'zh'),
]


# 2026.12.7-5, after dev-o (Traditional Chinese: Taiwan, Hong Kong Cantonese) and dev-p (exporters' English): each
# mechanism once, with the phrase that must be found.
@pytest.mark.parametrize(("text", "lang", "kind", "phrase"), [
    ("我哋嘅洗衣機全港價錢最平，送貨快", "zh", "absolute_term", "最平"),
    ("本店牛肉麵全台最好吃，歡迎來店", "zh", "absolute_term", "最好吃"),
    ("我們的MES在半導體產業市佔率第一", "zh", "absolute_term", "市佔率第一"),
    ("呢部機影相冇對手！", "zh", "absolute_term", "冇對手"),
    ("本廠精度領先同業，交期穩定", "zh", "absolute_term", "領先同業"),
    ("辨識準確度獨步全球", "zh", "absolute_term", "獨步全球"),
    ("Singapore's Most Trusted Moving Company since 1998", "en", "absolute_term",
     "Singapore's Most Trusted Moving Company"),
    ("As you know, we are the pioneer of solid-state lidar in China.", "en", "absolute_term", "the pioneer of"),
    ("Top Quality Valves from Ningbo - free samples", "en", "absolute_term", "Top Quality"),
    ("We are top 3 in the global market for LED drivers.", "en", "absolute_term", "top 3"),
    ("跟客户说我们是Asia top 3的manufacturer", "zh", "absolute_term", "Asia top 3"),
    ("報讀我哋嘅英文班，DSE英文包你5級！", "zh", "guarantee", "包你5級！"),
    ("經我哋做按揭一定批，利率低", "zh", "guarantee", "一定批"),
    ("呢個儲蓄計劃冇得輸㗎", "zh", "guarantee", "冇得輸"),
    ("我們的雲端主機零停機", "zh", "guarantee", "零停機"),
    ("这批钢化玻璃摔不坏，放心卖", "zh", "guarantee", "摔不坏"),
    ("路灯十年不坏，装上就不用管", "zh", "guarantee", "十年不坏"),
    ("These ceramic knives never break and never need sharpening.", "en", "guarantee", "never break"),
    ("Zero defect guaranteed. Warranty: 1 year.", "en", "guarantee", "Zero defect guaranteed"),
    ("With this rig you earn back the machine cost in 90 days.", "en", "guarantee", "earn back the machine cost in 90"),
])
def test_taiwan_hong_kong_and_exporters_wording_is_found(checker: Checker, text: str, lang: Literal["zh", "en"],
                                                         kind: str, phrase: str) -> None:
    found = [(f.kind, text[f.start:f.end]) for f in checker.check(text, REP, lang)]
    assert any(k == kind and (phrase in span or span in phrase) for k, span in found), found


@pytest.mark.parametrize(("text", "lang"), [
    ("客人WhatsApp話「你哋真係全港最抵」，好開心", "zh"),  # 話 = says: the guest's words
    ("有KOL話我哋係「全港最正拉麵」，老闆叫我哋唔好reshare", "zh"),  # us as the object of their words
    ("博主说我们是“全网最好吃的面”，老板说不要转发", "zh"),
    ("我哋唔係全港最大嘅健身中心，但器材都係新嘅", "zh"),  # Cantonese negation
    ("今年月餅冇講「全港最好食」喇，改咗寫「每日新鮮製造」", "zh"),
    ("車仔麵最平$38一碗，最多揀6款餸", "zh"),  # our cheapest menu price, with its figure
    ("冷鏈配送最低溫可達-25°C", "zh"),
    ("新一批貨最快週三到，最遲週五", "zh"),
    ("排行榜：第一名 陳美玲，第二名 張志豪，恭喜！", "zh"),
    ("恭喜本班同學全校第一名！", "zh"),
    ("客户是德国最大的五金连锁之一，大家认真对待", "zh"),
    ("依規定，基金廣告不得宣稱保本或保證收益", "zh"),
    ("簽證審批由入境處決定，我哋唔能夠保證一定批", "zh"),
    ("卖方保证于2024年8月15日前交货，逾期按日支付违约金", "zh"),
    ("Congrats to Sandy, No.1 in sales for Q1 in our team!", "en"),
    ("Our customer in Poland is the biggest DIY chain there.", "en"),
    ("Amazon Best Seller in Yoga Mats (badge shown by Amazon)", "en"),
    ("Our old slogan 'Best Quality, Lowest Price' has been removed from all catalogues.", "en"),
    ("We can't say our motors never fail, but the failure rate was 0.3%.", "en"),
    ("No. 1, Sec. 3, Zhongshan Rd., Taipei", "en"),
])
def test_taiwan_hong_kong_and_exporters_near_misses_pass(checker: Checker, text: str,
                                                        lang: Literal["zh", "en"]) -> None:
    assert _findings_of_either_kind(checker, text, lang) == [], text


# 2026.12.7-5 / 2026.12.7-4: what a fifth review pass (648 probes of the dev-o/dev-p changes) found wrong, now right.
REVIEWED_5_FOUND: list[tuple[str, Literal["zh", "en"]]] = [
    ('同行业里最敢说“全网最低价”的就是我们家', 'zh'),
    ('所有人都在说“全网最低价”就是我们', 'zh'),
    ('所有人都说我们是“行业第一”', 'zh'),
    ('新款门锁拥有人工智能芯片称得上“行业天花板”', 'zh'),
    ('这台机器拥有人性化设计号称“业内最安静”', 'zh'),
    ('有人问价就说我们是“全市最低价”', 'zh'),
    ('见到客户就说我们是“行业第一”', 'zh'),
    ('遇到客户一律讲我们是“全网最低价”', 'zh'),
    ('客户问起来就说我们是“全网最低价”', 'zh'),
    ('customer问起就说我们是“行业第一”', 'zh'),
    ('见到客人就同佢哋讲「全港最平」', 'zh'),
    ('記住同客戶講：「全港最平，冇得輸」', 'zh'),
    ('记得同客户话我哋系「全港最平」', 'zh'),
    ('网红都说好的“全网最低价”，今晚直播间见', 'zh'),
    ("Distributors can pitch it as 'the #1 pump in Asia'.", 'en'),
    ("Resellers used the slogan 'the #1 solar panel in Asia' and sales doubled, so let's put it on our "
     "homepage.", 'en'),
    ("Clients who used our platform saw 'guaranteed 30% savings'.", 'en'),
    ("Customers who used our app got 'guaranteed results in 30 days'.", 'en'),
    ("Partners describe us as 'the most reliable supplier in Asia'. We agree!", 'en'),
    ('下周安排KOL直播讲「全港最平」', 'zh'),
    ('安排网红说“全网最低价”', 'zh'),
    ('安排部落客寫「全台最好喝」的業配文', 'zh'),
    ('找KOL讲「全港最平」，预算5万', 'zh'),
    ('我们的“全网最低价”，不要转发到群里哦', 'zh'),
    ('“全网最低价”活动 NOT running in HK, only in SG', 'zh'),
    ('广告里不得宣称疗效，但我们保证三个月瘦10斤', 'zh'),
    ('唔可以包晒，不过保证你三个月见效', 'zh'),
    ('冇得包退换，但保证三个月回本', 'zh'),
    ('不准宣称治愈，但保证一个疗程见效', 'zh'),
    ('唔会承诺太多，包你一次过', 'zh'),
    ('别在别家买了 我们这里提供“全网最低价”', 'zh'),
    ('不要在网上乱比价了 我们直接提供“全国最低价”', 'zh'),
    ('别和别家比了 我们敢提“十年不坏”', 'zh'),
    ('不要跟风买杂牌 我们家提供“三个月回本”的保障', 'zh'),
    ('别对价格犹豫 我们说到做到“全网最低价”', 'zh'),
    ('我哋冇讲大话，真系「全港最平」！', 'zh'),
    ('我哋冇講大話，真係「全港最平」！', 'zh'),
    ('唔好讲咁多，我哋就系「全港最平」', 'zh'),
    ('唔好用其他牌子啦，我哋「十年不坏」', 'zh'),
    ('冇写错，我哋系「全港第一」', 'zh'),
    ("Legal removed the asterisk, so the banner now reads 'Guaranteed 8% returns'.", 'en'),
    ("Compliance cut our approval time in half - we're now 'the fastest lender in Asia'.", 'en'),
    ("Legal team rejected our old logo, but the new tagline 'the best CRM in Asia' is live.", 'en'),
    ('我们承诺“7天见效”，违反承诺全额退款', 'zh'),
    ('我们保证“三个月回本”，如有违反双倍赔偿', 'zh'),
    ('我们的价格是“全网最低价”，绝不误导消费者', 'zh'),
    ('“100%正品、全网最低价”，童叟无欺，绝无误导', 'zh'),
    ('“全国第一”这几个字，我们当之无愧', 'zh'),
    ('海报文案“全网最低价”，等领导审核后就发', 'zh'),
    ("We're 'the #1 CRM in Asia', not using fake reviews to get there.", 'en'),
    ("'Guaranteed 20% ROI' - our competitors can't prove that, we can.", 'en'),
    ('我哋「全港最平」，唔好用埋啲杂牌啦', 'zh'),
    ('内部价“全网最低”，别转发哦，只给您一个人', 'zh'),
    ('最平是我们家！', 'zh'),
    ('我们是全城最快上门的维修公司', 'zh'),
    ('市面上最快出货的工厂就是我们', 'zh'),
    ('本地最快到货的建材供应商', 'zh'),
    ('同城最快寄出的花店，认准我们', 'zh'),
    ('我们最平是因为没有中间商', 'zh'),
    ('我们是全国唯一的联络人认证机构', 'zh'),
    ('客户都知道我们是最专业的团队之一', 'zh'),
    ('客户选择我们是因为我们是最大的厂家之一', 'zh'),
    ('客户信赖的最大的国产品牌之一', 'zh'),
    ('唔系我讲我哋真系全港最平', 'zh'),
    ('唔系吹 我哋全港最平', 'zh'),
    ('Congratulations on choosing the #1 CRM in Asia!', 'en'),
    ('Congrats on your purchase of the number one rated air purifier!', 'en'),
    ("Our quote is the highest quality you'll find on the market.", 'en'),
    ('Our customers are the happiest in the industry.', 'en'),
    ('Our clients are the most satisfied in Asia.', 'en'),
    ('贵司作为上市公司更需要选择 the best ERP in China', 'zh'),
    ('包你們滿意', 'zh'),
    ('我哋唔会保证乜嘢，不过包你一个月减10磅', 'zh'),
    ('客户问能不能保证回本，我说保证三个月回本', 'zh'),
    ('客人问可唔可以包过，我话包你一次过', 'zh'),
    ('新包装保证节省30%运费', 'zh'),
    ('我们的环保包装保证减少50%破损', 'zh'),
    ('方案包括保证年化8%收益', 'zh'),
    ('套餐包含保证三个月瘦10斤的课程', 'zh'),
    ('包邮包安装保证节省50%电费', 'zh'),
    ('包邮还保证三个月回本', 'zh'),
    ('保证成团后收益翻倍', 'zh'),
    ('保证在双十一大促开始前帮你把销量翻倍', 'zh'),
    ('确保于下季度结束前ROI达到300%', 'zh'),
    ('承诺在年底前帮您节省30%成本', 'zh'),
    ("I won't say our pumps are perfect, but they will never break.", 'en'),
    ("I won't claim we're the cheapest, but our hinges will never rust.", 'en'),
    ("We can't promise the moon, but you'll lose 10kg in one month.", 'en'),
    ("Don't write the check yet - our ROI is guaranteed within 6 months.", 'en'),
]
REVIEWED_5_NOT_FOUND: list[tuple[str, Literal["zh", "en"]]] = [
    ('最好喺網上預約，唔使排隊', 'zh'),
    ('最好係先試用一個月', 'zh'),
    ('最尾嘅名額留俾你', 'zh'),
    ('我哋幫你揀最啱嘅方案', 'zh'),
    ('帮您选最合适的方案', 'zh'),
    ('最大嘅問題係交期', 'zh'),
    ('全台最後一場說明會在台中，歡迎報名', 'zh'),
    ('全港最後5個名額，額滿即止', 'zh'),
    ('全港最新門市下月開幕', 'zh'),
    ('全台第一場巡迴講座在台北舉行', 'zh'),
    ('巡迴演唱會香港第一站', 'zh'),
    ('我們在香港第一次參展，請多指教', 'zh'),
    ('台湾第一季度出货量同比增长12%', 'zh'),
    ('台湾第一银行是我们的客户', 'zh'),
    ('品牌在香港第一間分店今日開幕', 'zh'),
    ('今次投標冇對手參與，只係我哋一間', 'zh'),
    ('世界上没有完美无缺的产品，我们会持续改进', 'zh'),
    ('我们的产品不是完美无缺的，但售后一定跟上', 'zh'),
    ('邀请天王级歌手来年会表演', 'zh'),
    ('冇得比較，因為佢哋冇提供報價', 'zh'),
    ('最緊要嘅係準時交貨', 'zh'),
    ('最紧要嘅系你满意', 'zh'),
    ('我最鍾意嘅係同客人傾偈', 'zh'),
    ('双十一秒杀各大品类同步开启', 'zh'),
    ('秒杀各大节日都有，记得关注', 'zh'),
    ('我们老板是最平易近人的人', 'zh'),
    ('只有我家附近才有这家店的分店', 'zh'),
    ('只有本店会员才有这个价格', 'zh'),
    ('客户要的是交付速度第一，价格第二', 'zh'),
    ('对我们来说响应速度第一位，其他都好说', 'zh'),
    ("We're proud to support Hong Kong's largest insurer.", 'en'),
    ("Our client, Taiwan's biggest bank, renewed for 3 years.", 'en'),
    ("We supply Japan's leading car manufacturer.", 'en'),
    ("It's best to call our service desk before 5pm.", 'en'),
    ("Gartner's top vendor list doesn't include us yet.", 'en'),
    ("Amazon's Best Seller badge was removed from our listing.", 'en'),
    ('Only we have access to your data; we never share it.', 'en'),
    ('This is a decision only we can make internally.', 'en'),
    ('Our top quality concern this month is scratches on the lid.', 'en'),
    ('Top quality complaints this quarter: loose screws and scratches.', 'en'),
    ('Shanghai is the most expensive city in China for office rent.', 'en'),
    ('Hong Kong is the most competitive market in Asia for insurance.', 'en'),
    ('Q3 was the most difficult quarter in the industry for shipping.', 'en'),
    ('The most populous province in China is Guangdong.', 'en'),
    ('We ranked top 3 in the internal hackathon.', 'en'),
    ('Our rep ranked top 5 in the regional sales contest.', 'en'),
    ("We're top 3 on your shortlist, I hope?", 'en'),
    ('World top 3 tyre makers use our rubber.', 'en'),
    ("Book early - you won't find cheaper fares closer to the date.", 'en'),
    ("You won't find better weather than in May for the factory visit.", 'en'),
    ('公司2023年盈利3000万，现金流健康', 'zh'),
    ('我们成立第五年盈利，今年开始扩张', 'zh'),
    ('2022年盈利，2023年亏损，这是我们的财报', 'zh'),
    ('下次绝不再让货物破损，真的抱歉', 'zh'),
    ('红包你收到了吗？', 'zh'),
    ('这个包你喜欢吗？', 'zh'),
    ('面包你要几个？', 'zh'),
    ('样品包你签收一下', 'zh'),
    ('大礼包您可以在APP领取', 'zh'),
    ('快递包你放门口就行', 'zh'),
    ('钱包你放哪了', 'zh'),
    ('红包您记得领，祝您新年快乐', 'zh'),
    ('我保证不会再迟到了', 'zh'),
    ('我保证不会再发错货了，真的抱歉', 'zh'),
    ('保证不会泄露您的个人信息', 'zh'),
    ('我们保证批次之间颜色一致', 'zh'),
    ('保证批次一致', 'zh'),
    ('保证零添加', 'zh'),
    ('我们保证每月还款日前短信提醒您', 'zh'),
    ('保证恢复出厂设置后数据清空', 'zh'),
    ('运输中破损的，我们一定赔。', 'zh'),
    ('您寄回的样品我们一定收，放心', 'zh'),
    ('这个月的发票我们肯定会收，', 'zh'),
    ('这次竞标一定中！', 'zh'),
    ('单号发您了，明天一定查得到物流', 'zh'),
    ('导航搜我们店名，肯定找得到', 'zh'),
    ('按复位键，读数马上归零', 'zh'),
    ('库存马上归零了，要买快点', 'zh'),
    ('报价已包保险和运费', 'zh'),
    ('文件打包保存到云端', 'zh'),
    ('首年包保养，第二年起收费', 'zh'),
    ('價錢包保險費', 'zh'),
    ('这批货今天打包没问题', 'zh'),
    ('红包没问题，年会上发', 'zh'),
    ('保证质量没问题', 'zh'),
    ('生产100%过程检验，出货前全检', 'zh'),
    ('这台机器用了5年不坏，客户很满意', 'zh'),
    ('这批货周末前肯定卖完，仓库要清空', 'zh'),
    ('限量100件，肯定售罄，大家抓紧', 'zh'),
    ('记得打包 save 一份到 NAS', 'zh'),
    ('红包 double 了，今年过年发两个', 'zh'),
    ('99.9% guaranteed uptime, backed by our SLA.', 'en'),
    ('Free returns guaranteed within 30 days.', 'en'),
    ('Easy returns guaranteed - just ship it back.', 'en'),
    ('All steel is guaranteed Grade 304.', 'en'),
    ('Guaranteed grade A materials only.', 'en'),
    ('Tariffs are 100% pass-through to the buyer.', 'en'),
    ('Net weight guaranteed at 25kg per bag.', 'en'),
    ('Never break the seal before inspection.', 'en'),
    ('Please never break the cold chain during transport.', 'en'),
    ("This offer won't last forever!", 'en'),
    ("Hurry - the sale won't last forever.", 'en'),
    ("We've seen no rebound in orders since March.", 'en'),
    ('The adhesive cures in 24h to 100% bond strength.', 'en'),
    ('The dried mango can lose 3 kg in a month during storage.', 'en'),
    ('Pallets lose 2 kg in a week due to moisture.', 'en'),
    ('新機香港第一時間開賣', 'zh'),
    ('台灣第一時間上市', 'zh'),
    ('台灣第一次參展，請多指教', 'zh'),
    ('我們在全台第一季營收成長', 'zh'),
    ('全港第一期工程已完工', 'zh'),
    ('我哋唔會話自己全港最平', 'zh'),
    ('我哋冇講過全港最平', 'zh'),
]


# The same packs after a sixth review pass (398 new probes of the fifth pass's fixes), now right.
REVIEWED_6_FOUND: list[tuple[str, Literal["zh", "en"]]] = [
    ('不要跟客户客气 大胆讲“三个月回本”', 'zh'),
    ('别对价格犹豫 直接讲“全网最低价”', 'zh'),
    ('别和别家比 就提“十年不坏”', 'zh'),
    ('我们的“全网最低价”别说同行，连工厂都拿不到', 'zh'),
    ('“十年不坏”不要说是吹的，我们有检测报告', 'zh'),
    ('“三个月回本”不能说是承诺，但基本都能做到', 'zh'),
    ('“全国第一”这句话替换了旧口号，下周上线', 'zh'),
    ('“全网最低价”那个词替换掉“性价比高”，更有冲击力', 'zh'),
    ("Our new slogan 'the #1 CRM in Asia' - marketing wants it out on every channel by Monday.", 'en'),
    ("Print 'the cheapest in Hong Kong' on the banner, the client wants it out by Friday.", 'en'),
    ('“全网最低价”，绝不可能误导消费者', 'zh'),
    ('“行业第一”有第三方数据支持，不构成误导', 'zh'),
    ('我们承诺“三个月回本”，绝不违反广告法', 'zh'),
    ('“保证年化8%”，如违反合同规定双倍赔付', 'zh'),
    ('全港师奶最钟意嘅电饭煲', 'zh'),
    ('街坊最中意嘅车仔面，就系我哋', 'zh'),
    ('最啱送礼嘅月饼礼盒', 'zh'),
    ('全城最鍾意嘅火鍋店', 'zh'),
    ('我们为您提供全国最合适的价格', 'zh'),
    ('给你全网最适合的报价', 'zh'),
    ('帮你搵全港最啱嘅保险', 'zh'),
    ('为你定制行业最适合的方案', 'zh'),
    ('我們為您提供全國最合適的價格', 'zh'),
    ('全港最早引入呢项技术嘅诊所', 'zh'),
    ('台湾最早引进日本工艺的烘焙坊，就是我们', 'zh'),
    ('全港冇对手报价咁平', 'zh'),
    ('全港最少人投诉嘅搬屋公司', 'zh'),
    ('我们出货速度第一，价格全网第二低', 'zh'),
    ('讲到烧鹅，最好系我哋呢间', 'zh'),
    ('客户公认最专业的服务商之一就是我们', 'zh'),
    ('深受客户喜爱的最畅销的产品之一', 'zh'),
    ('客户心中最靠谱的供应商之一', 'zh'),
    ('冇讲笑 我哋真系全港最平', 'zh'),
    ('我唔会讲大话 全港最平就系我哋', 'zh'),
    ('唔系呃你全港最平', 'zh'),
    ('冇写错 我哋系全港第一', 'zh'),
    ('冇話過假 全港最抵', 'zh'),
    ("You won't find cheaper anywhere in Hong Kong.", 'en'),
    ("You'll never find better - anywhere.", 'en'),
    ("You won't find faster turnaround in Asia.", 'en'),
    ('You will not find lower rates in town.', 'en'),
    ("We serve Hong Kong's best milk tea, come try it.", 'en'),
    ("Our menu includes Singapore's best chilli crab.", 'en'),
    ('Congrats to all our new customers on owning the #1 robot vacuum in Asia!', 'en'),
    ('Congratulations to you for choosing the No.1 CRM in Asia.', 'en'),
    ('Only we can offer 24-hour delivery in Shenzhen.', 'en'),
    ('Only we have this patented formula.', 'en'),
    ('We rank top 3 in Asia for solar inverters.', 'en'),
    ('Ranked top 3 globally for LED displays.', 'en'),
    ('Global top 3 in LED displays.', 'en'),
    ('价格秒杀各大电商', 'zh'),
    ('性能秒杀各大厂', 'zh'),
    ('保证不会褪色', 'zh'),
    ('保证不会生锈', 'zh'),
    ('保证不会变形', 'zh'),
    ('保证不会开裂', 'zh'),
    ('保证不会起球', 'zh'),
    ('保证不会胖回来', 'zh'),
    ('保证不会被拒签', 'zh'),
    ('保证不会脱发', 'zh'),
    ('保证不会发霉', 'zh'),
    ('保證不會再長痘', 'zh'),
    ('保证你的贷款批到', 'zh'),
    ('保证三日内批出', 'zh'),
    ('保证批核', 'zh'),
    ('保证你签证批出', 'zh'),
    ('保证零甲醛', 'zh'),
    ('保证零农残', 'zh'),
    ('保证零副作用', 'zh'),
    ('有我哋跟进，出咗事一定赔', 'zh'),
    ('重疾一定赔', 'zh'),
    ('住院一定赔，唔使担心', 'zh'),
    ('你嘅作品集，美院一定收', 'zh'),
    ('呢个成绩，港大一定收', 'zh'),
    ('心脏问题一定检查得到', 'zh'),
    ('包你中意', 'zh'),
    ('包你唔会后悔', 'zh'),
    ('包你生意好', 'zh'),
    ('包你学会', 'zh'),
    ('包你唔再脱发', 'zh'),
    ('包你健康', 'zh'),
    ('包你发达', 'zh'),
    ('包你皮肤靓返', 'zh'),
    ('包你一次搞定', 'zh'),
    ('包你人气爆棚', 'zh'),
    ('包你學識游水', 'zh'),
    ('这款水龙头装了十年不漏水，放心买', 'zh'),
    ('买了一辈子不坏', 'zh'),
    ('刷了终身不褪色', 'zh'),
    ('进我们的货一定大卖', 'zh'),
    ('这款一定爆单', 'zh'),
    ('承诺于开学前让孩子成绩提高20分', 'zh'),
    ('确保在上线前把转化率提高30%', 'zh'),
    ('Driving test pass guaranteed!', 'en'),
    ('First-time pass guaranteed or retake free.', 'en'),
    ('A 30% guaranteed response rate on your email campaign.', 'en'),
    ('Lose 5 kg guaranteed.', 'en'),
    ('Never rusts. Never fades.', 'en'),
    ('Built to never break.', 'en'),
    ('Designed to never crack under pressure.', 'en'),
    ("It's tough and never breaks.", 'en'),
    ('Lightweight and never rusts.', 'en'),
    ('Guaranteed: never breaks.', 'en'),
    ('100% waterproof, never leaks.', 'en'),
    ('- never fades, even after 100 washes', 'en'),
    ('Clients lose 10 lbs in 3 weeks on our program.', 'en'),
    ('Our members lose 5kg in a month.', 'en'),
    ('Help customers lose 8kg in 6 weeks.', 'en'),
    ('贵司是否有兴趣了解 the #1 CRM in Asia', 'zh'),
    ("贵司是大企业 我们是 Hong Kong's leading CRM provider", 'zh'),
    ('贵司为上市公司理应配备 the best ERP in China', 'zh'),
    ('全城最啱嘅婚宴场地就系我哋', 'zh'),
    ('街坊最中意的车仔面，就是我们', 'zh'),
    ('师奶最钟意的电饭煲', 'zh'),
    ('保证零误差', 'zh'),
    ('保证零延迟，打机唔再卡', 'zh'),
    ('保证零事故', 'zh'),
    ('刮花修复，保证恢复原样', 'zh'),
    ('用咗我哋嘅防水涂层，永远唔会再发生漏水', 'zh'),
    ('装了我们的系统，绝不再发生数据丢失', 'zh'),
    ('债务马上归零，上岸无忧', 'zh'),
    ('用我们的方案，税务风险即刻归零', 'zh'),
]
REVIEWED_6_NOT_FOUND: list[tuple[str, Literal["zh", "en"]]] = [
    ('同一位客户上周还说“你们是全市最便宜的”，今天就去比价了', 'zh'),
    ('几家共同客户都反馈“你们的售后是业内最好的”', 'zh'),
    ('陪同参观的客户说“你们是全市最干净的工厂”', 'zh'),
    ('上次安排参观的客户说“你们是全国最大的工厂”，我们没敢接话', 'zh'),
    ('签了合同的客户要求写“保证年化8%”条款，我们没答应', 'zh'),
    ('竞品对他们的经销商承诺“三个月回本”', 'zh'),
    ('客户跟他老板说“你们是全市最便宜的”，所以拿到了预算', 'zh'),
    ('有客户同佢朋友讲「呢间全港最平」', 'zh'),
    ('網友跟她閨蜜說「這家是全網最低價」，截圖傳到我們群組', 'zh'),
    ('竞争对手跟他们的客户说“保证节省50%电费”，被市场监管局罚了', 'zh'),
    ('博主跟她的粉丝说“这是全网最低价”，但我们并没有给她这个价', 'zh'),
    ("The competitor's CEO went to the expo and said 'we are the #1 supplier in Asia'.", 'en'),
    ("The rival used to claim 'the #1 CRM in Asia' on buses.", 'en'),
    ("Competitors will claim 'guaranteed 30% savings'; don't match them.", 'en'),
    ("Their sales team will claim 'the cheapest in Asia' - be ready with our TCO numbers.", 'en'),
    ("Buyers from Dubai would describe it as 'the cheapest in China', not us.", 'en'),
    ('客户一见面就说我们是“全市最专业的”，我们只能说谢谢', 'zh'),
    ('有客户直接写我们是“全网最低价”，我们没这么宣传过', 'zh'),
    ('博主可以说我们是“全网最低价”，但我们自己不能这么说', 'zh'),
    ('客户要说我们是“行业第一”，我们也拦不住', 'zh'),
    ('客人一入门就话我哋系「全港最平」，我哋都唔敢认', 'zh'),
    ('客戶直接寫我們是「全台最好」的顧問，我們沒有這樣宣傳', 'zh'),
    ("The competitor used 'the cheapest in town' on their flyers.", 'en'),
    ("Customers used 'the best agency in town' in 40 reviews.", 'en'),
    ("Their CEO used the phrase 'guaranteed 30% ROI' on stage.", 'en'),
    ('不要跟客户说我们是“全网最低价”', 'zh'),
    ('别在直播间说我们是“全网第一”', 'zh'),
    ('不能对外讲咱们是“行业第一”', 'zh'),
    ('广告里不得宣称本品是“国内首创”', 'zh'),
    ('不得宣称我们是“全国最大”', 'zh'),
    ('唔好写我哋系「全港最平」', 'zh'),
    ('唔可以写我哋「包你一个月见效」', 'zh'),
    ('唔准講我哋係「全港第一」', 'zh'),
    ('竞品那句“全网最低价”明显误导', 'zh'),
    ('“最便宜”三个字误导性太强，改掉', 'zh'),
    ('“全国第一”这几个字，法务说不行', 'zh'),
    ('“全网最低价”那张海报不要转发，还没审', 'zh'),
    ('「全港最平」嗰张截图唔好reshare', 'zh'),
    ("'Guaranteed 20% ROI' - legal can't substantiate it, so it's out.", 'en'),
    ("The competitor says 'the #1 CRM in Asia'; we agree that's misleading.", 'en'),
    ("'Best price in Asia' is not allowed - let's use 'competitive pricing' instead.", 'en'),
    ("Remove 'guaranteed ROI' and let's put 'projected ROI' instead.", 'en'),
    ('香港最快听日到货', 'zh'),
    ('寄台湾最快下周到', 'zh'),
    ('香港最贵的区是中环，我们的办公室在观塘', 'zh'),
    ('香港最大嘅问题系租金贵', 'zh'),
    ('香港最高气温今日33度，送货师傅注意防暑', 'zh'),
    ('我们在香港第一个客户是一家茶餐厅', 'zh'),
    ('公司去年在台湾第一个项目顺利交付', 'zh'),
    ('台北101曾是台湾第一高楼', 'zh'),
    ('香港第一位女特首', 'zh'),
    ('香港第一手楼盘资讯，每日更新', 'zh'),
    ('香港第一线医护人员专享九折', 'zh'),
    ('台湾第一大城市是新北市', 'zh'),
    ('我們在台灣第一位客戶是醫院', 'zh'),
    ('团购最平可以去到八折', 'zh'),
    ('套餐最平为$88', 'zh'),
    ('机票最平几钱？', 'zh'),
    ('Congrats Team Kowloon on finishing #1 in the Q3 sales contest!', 'en'),
    ("We're top 3 in the regional sales contest this quarter.", 'en'),
    ('We are top 5 of the finalists for the tender.', 'en'),
    ('We are top 3 in the internal ranking for Q2.', 'en'),
    ('保证不会断货，旺季照样有库存', 'zh'),
    ('保证不会漏发，每单双人核对', 'zh'),
    ('我们买了运输险，货损一定赔', 'zh'),
    ('按这份合同，迟交一定赔', 'zh'),
    ('学校一定收到了你的申请', 'zh'),
    ('病历一定查得到，放心', 'zh'),
    ('这个病人的记录一定查得到', 'zh'),
    ('菠萝包你要2个定3个？', 'zh'),
    ('流沙包你拿去翻热', 'zh'),
    ('小笼包你拿几笼', 'zh'),
    ('行李包你拿走先', 'zh'),
    ('这个包你拿去退吧', 'zh'),
    ('安装包你去官网下载', 'zh'),
    ('压缩包你去邮箱拿', 'zh'),
    ('数据包你拿到了吗', 'zh'),
    ('服务包你看到报价了吗', 'zh'),
    ('包你3日内收到货', 'zh'),
    ('包你过年前收到', 'zh'),
    ('包你免费升级到新版', 'zh'),
    ('包你看到实物先付款', 'zh'),
    ('包你去到机场，唔使自己搭车', 'zh'),
    ('奶黄包你拿两个', 'zh'),
    ('保证数量没问题', 'zh'),
    ('保证尺寸没问题，按图纸生产', 'zh'),
    ('保证发票没问题', 'zh'),
    ('出厂前100%过水测试', 'zh'),
    ('每批100%过磅', 'zh'),
    ('行李100%过X光安检', 'zh'),
    ('保证在开学前装好空调 提升学习环境', 'zh'),
    ('包食宿 至少住两晚', 'zh'),
    ('包机票 至少5晚酒店', 'zh'),
    ('包安装 实现拎包入住', 'zh'),
    ('包上门测量 节省您的时间', 'zh'),
    ('Drivers must never break the speed limit.', 'en'),
    ('Staff should never break the cold chain.', 'en'),
    ("贵司作为 Hong Kong's leading logistics company，时效一定很重要", 'zh'),
    ('保证恢复供电后第一时间通知您', 'zh'),
    ('书包保护套买一送一', 'zh'),
    ('钱包保持干燥，避免发霉', 'zh'),
    ('红包保留到明天再拆', 'zh'),
    ("We can't say our e-bikes never break.", 'en'),
    ("I won't claim our anti-rust hinges never rust.", 'en'),
    ('根據台灣最高法院判決，合約有效', 'zh'),
    ('香港最快聽日到貨', 'zh'),
]


# The fourth, fifth and sixth review passes: claims and promises that must be found, ordinary texts that must pass.
@pytest.mark.parametrize(("text", "lang"), REVIEWED_FOUND + REVIEWED_5_FOUND + REVIEWED_6_FOUND)
def test_claims_and_promises_the_review_passes_found_are_found(checker: Checker, text: str,
                                                               lang: Literal["zh", "en"]) -> None:
    assert _findings_of_either_kind(checker, text, lang), text


@pytest.mark.parametrize(("text", "lang"), REVIEWED_NOT_FOUND + REVIEWED_5_NOT_FOUND + REVIEWED_6_NOT_FOUND)
def test_ordinary_texts_the_review_passes_found_pass(checker: Checker, text: str, lang: Literal["zh", "en"]) -> None:
    assert _findings_of_either_kind(checker, text, lang) == [], text
