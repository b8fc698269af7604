"""Reading a cross-department request: deadlines inside a message, understand(), and choosing the owner.

Now is Monday 2026-11-23 10:00 in Shanghai; the demo company supplies departments, SKUs and customers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from copilot.directory import Department, Directory, OwnerRule
from copilot.errors import ToolInputError
from copilot.normalize.deadlines import PastDeadline, find_deadline
from tools.routing.router import PRIORITY_WEIGHT, choose_owner
from tools.routing.understand import Request, resolve_department, understand

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday


def at(month: int, day: int, hour: int = 18, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(scope="module")
def depts(demo_dir: Path) -> list[Department]:
    return Directory(demo_dir / "ops.sqlite").departments()


@pytest.fixture(scope="module")
def warehouse(demo_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = duckdb.connect(str(demo_dir / "warehouse.duckdb"), read_only=True)
    yield conn
    conn.close()


@pytest.fixture
def read(depts: list[Department], warehouse: duckdb.DuckDBPyConnection) -> Callable[..., Request]:
    def _read(text: str, **hints: str) -> Request:
        return understand(text, NOW, depts, warehouse, **hints)
    return _read


# --- find_deadline -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "span", "expected"), [
    ("请供应链同事确认X200型号库存,需48小时内反馈", "48小时内", NOW + timedelta(hours=48)),
    ("ask legal to review the payment terms of the Midea contract by tomorrow noon", "by tomorrow noon",
     at(11, 24, 12)),
    ("请在本周五之前回复", "请在本周五之前", at(11, 27)),
    ("月底前给我报价", "月底前", at(11, 30)),
    ("12月1日前提交", "12月1日前", at(12, 1)),
    ("明天下午3点前回复", "明天下午3点前", at(11, 24, 15)),
    ("please reply within 3 days", "within 3 days", NOW + timedelta(days=3)),
    ("send it before Friday", "before Friday", at(11, 27)),
    ("请财务在下周一前确认回款", "下周一前", at(11, 30)),
])
def test_find_deadline_returns_exact_span_and_moment(text: str, span: str, expected: datetime) -> None:
    found = find_deadline(text, NOW)
    assert found == (span, expected)
    assert found is not None and span in text
    assert found[1].tzinfo is TZ


def test_find_deadline_none_when_message_has_no_deadline() -> None:
    assert find_deadline("请法务审核美的集团的合同条款", NOW) is None


def test_find_deadline_past_raises() -> None:
    with pytest.raises(PastDeadline) as exc:
        find_deadline("please finish by yesterday", NOW)
    assert "2026-11-22 18:00" in exc.value.en and "2026-11-22 18:00" in exc.value.zh


@pytest.mark.parametrize("text", ["check stock of X200", "SH-101 洗发水还有货吗", "请确认XR-801库存",
                                  "请在X200到货前通知我", "请在SH-101到货前通知我"])
def test_sku_codes_are_not_deadlines(text: str) -> None:
    assert find_deadline(text, NOW) is None


@pytest.mark.parametrize(("text", "span", "expected"), [
    ("订100台X200,周五前发货", "周五前", at(11, 27)),
    ("we need 20 units of SH-101 by Dec 1", "by Dec 1", at(12, 1)),
    ("BW-201 12月1日前发货", "12月1日前", at(12, 1)),
])
def test_deadline_found_after_sku_and_quantity(text: str, span: str, expected: datetime) -> None:
    assert find_deadline(text, NOW) == (span, expected)


# --- understand: departments ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "dept"), [
    ("请供应链同事确认X200型号库存", "supply_chain"),
    ("ask supply chain when the X300 ships", "supply_chain"),
    ("请法务审核美的合同", "legal"),
    ("ask legal to review the NDA", "legal"),
    ("请财务确认发票", "finance"),
    ("ask finance about the invoice", "finance"),
    ("请交付团队安排安装", "delivery"),
    ("please ask delivery to schedule installation", "delivery"),
    ("请售前准备方案", "presales"),
    ("ask presales for a demo", "presales"),
    ("请市场部准备物料", "marketing"),
    ("ask marketing for brochures", "marketing"),
    ("请销售经理确认折扣", "sales"),
    ("ask the sales manager to approve the discount", "sales"),
])
def test_named_department(read: Callable[..., Request], text: str, dept: str) -> None:
    r = read(text)
    assert r.departments == (dept,)
    assert r.unknown_department is None
    assert "department" not in r.missing


def test_sales_revenue_word_does_not_pick_sales(read: Callable[..., Request]) -> None:
    r = read("本月销售额是多少")
    assert r.departments == ()
    assert r.missing == ("department",)


def test_topic_fallback_to_supply_chain(read: Callable[..., Request]) -> None:
    r = read("X200库存还有多少?")
    assert r.departments == ("supply_chain",)
    assert r.missing == ()


def test_two_departments_in_order_of_appearance(read: Callable[..., Request]) -> None:
    assert read("请供应链和法务一起看美的合同").departments == ("supply_chain", "legal")
    assert read("ask legal and finance to check the Midea contract").departments == ("legal", "finance")


def test_hint_department_disambiguates_two_named(read: Callable[..., Request]) -> None:
    assert read("请供应链和法务一起看美的合同", hint_department="法务").departments == ("legal",)
    # A hint that names neither department leaves both as the message said.
    assert read("请供应链和法务一起看美的合同", hint_department="finance").departments == ("supply_chain", "legal")


def test_hint_department_used_when_none_named(read: Callable[..., Request]) -> None:
    assert read("帮我看一下这个问题", hint_department="legal").departments == ("legal",)


def test_unknown_department_is_reported_not_guessed(read: Callable[..., Request]) -> None:
    r = read("请HR部门确认年假")
    assert r.unknown_department == "HR"
    assert r.departments == ()
    assert "department" not in r.missing
    assert read("ask the procurement team to check prices").unknown_department == "procurement"


def test_nothing_named_is_missing_department(read: Callable[..., Request]) -> None:
    r = read("你好,这个怎么办")
    assert r.departments == ()
    assert r.missing == ("department",)


def test_department_without_ask_is_missing_ask(read: Callable[..., Request]) -> None:
    r = read("请供应链同事")
    assert r.departments == ("supply_chain",)
    assert r.missing == ("ask",)


@pytest.mark.parametrize(("text", "dept"), [("请市场团队准备展会物料", "marketing"),
                                            ("ask the sales team to call Midea", "sales")])
def test_existing_department_addressed_by_team_is_not_unknown(read: Callable[..., Request], text: str,
                                                             dept: str) -> None:
    r = read(text)
    assert (r.departments, r.unknown_department) == ((dept,), None)


# --- understand: object, customer, priority, escalate ---------------------------------------------------------

def test_sku_and_product_line(read: Callable[..., Request]) -> None:
    r = read("请供应链同事确认X200型号库存,需48小时内反馈")
    assert (r.sku, r.product_line, r.object) == ("X200", "dispenser", "X200")
    assert (r.deadline_text, r.deadline) == ("48小时内", NOW + timedelta(hours=48))


def test_shampoo_sku_product_line(read: Callable[..., Request]) -> None:
    r = read("请确认SH-101的库存")
    assert (r.sku, r.product_line, r.departments) == ("SH-101", "shampoo", ("supply_chain",))


def test_customer_contract_zh(read: Callable[..., Request]) -> None:
    r = read("请法务审核美的合同")
    assert r.customer is not None
    assert (r.customer.name_zh, r.customer.region_code) == ("美的集团", "south")
    assert r.object == "美的集团合同"


def test_customer_contract_en(read: Callable[..., Request]) -> None:
    r = read("ask legal to review the payment terms of the Midea contract by tomorrow noon")
    assert r.customer is not None and r.customer.region_code == "south"
    assert r.object == "Midea Group contract"
    assert r.departments == ("legal",)
    assert r.deadline == at(11, 24, 12)


def test_customer_without_contract(read: Callable[..., Request]) -> None:
    r = read("Midea wants a demo, ask presales")
    assert r.object == "Midea Group"
    assert r.departments == ("presales",)


def test_everyday_word_is_not_a_customer(read: Callable[..., Request]) -> None:
    r = read("请售前准备一个完美的方案")
    assert (r.customer, r.object) == (None, None)


@pytest.mark.parametrize(("text", "priority"), [
    ("紧急:请供应链确认X200库存", "urgent"),
    ("urgent: ask legal to review the NDA", "urgent"),
    ("尽快请财务确认发票", "high"),
    ("不急,请财务确认发票", "low"),
    ("no rush, ask finance about the invoice", "low"),
    ("请财务确认发票", "normal"),
])
def test_priority_words(read: Callable[..., Request], text: str, priority: str) -> None:
    assert read(text).priority == priority


@pytest.mark.parametrize("text", ["不紧急,请财务确认发票", "not urgent, ask finance about the invoice"])
def test_negated_urgency_is_not_urgent(read: Callable[..., Request], text: str) -> None:
    assert read(text).priority == "low"


@pytest.mark.parametrize(("text", "escalate"), [
    ("请升级给法务处理合同条款", True),
    ("please escalate to legal", True),
    ("请法务审核美的合同", False),
    ("请交付团队安排设备固件升级", False),
])
def test_escalate_flag(read: Callable[..., Request], text: str, escalate: bool) -> None:
    assert read(text).escalate is escalate


def test_past_deadline_propagates_from_understand(read: Callable[..., Request]) -> None:
    with pytest.raises(PastDeadline):
        read("ask legal to review the contract by yesterday")


# --- resolve_department ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "code"), [("legal", "legal"), ("法务", "legal"), ("supply chain", "supply_chain"),
                                            ("supply_chain", "supply_chain"), ("Supply Chain", "supply_chain"),
                                            ("销售", "sales")])
def test_resolve_department(depts: list[Department], name: str, code: str) -> None:
    assert resolve_department(name, depts) == code


def test_resolve_unknown_department_lists_departments(depts: list[Department]) -> None:
    with pytest.raises(ToolInputError) as exc:
        resolve_department("procurement", depts)
    assert exc.value.en == ("There is no department called 'procurement' in the directory. Departments: "
                            "Delivery & Engineering, Finance, Legal, Marketing, Presales, Sales, Supply Chain.")
    assert exc.value.zh == ("目录中没有“procurement”这个部门。"
                            "可选部门：交付/实施、财务、法务、市场、售前、销售、供应链。")


def test_resolve_misspelled_department_suggests_closest(depts: list[Department]) -> None:
    with pytest.raises(ToolInputError) as exc:
        resolve_department("Finanse", depts)
    assert "Did you mean Finance?" in exc.value.en
    assert "您是指财务吗？" in exc.value.zh


# --- choose_owner ---------------------------------------------------------------------------------------------

def rule(user: str, region: str | None = None, priority: int = 1, line: str | None = None) -> OwnerRule:
    return OwnerRule("supply_chain", region, user, priority, line)


def counts(table: dict[str, int] | None = None) -> Callable[[list[str]], dict[str, int]]:
    return lambda ids: {u: (table or {}).get(u, 0) for u in ids}


def away(*users: str) -> Callable[[list[str]], set[str]]:
    return lambda ids: {u for u in ids if u in users}


RULES = [rule("national", priority=1), rule("south.owner", "south"), rule("devices", line="dispenser")]


def test_product_line_beats_region() -> None:
    route = choose_owner(RULES, "south", "dispenser", counts(), away())
    assert (route.owner_id, route.level, route.skipped_away, route.everyone_away) == ("devices", "product_line",
                                                                                      (), False)


def test_region_beats_department() -> None:
    route = choose_owner(RULES, "south", "shampoo", counts({"south.owner": 50}), away())
    assert (route.owner_id, route.level) == ("south.owner", "region")
    assert choose_owner(RULES, "north", None, counts(), away()).level == "department"


def test_away_owner_is_skipped_and_reported() -> None:
    route = choose_owner(RULES, "south", "dispenser", counts(), away("devices"))
    assert (route.owner_id, route.level, route.skipped_away) == ("south.owner", "region", ("devices",))
    route = choose_owner(RULES, "south", "dispenser", counts(), away("devices", "south.owner"))
    assert (route.owner_id, route.skipped_away) == ("national", ("devices", "south.owner"))


def test_load_balancing_picks_less_loaded_of_equal_priority() -> None:
    rules = [rule("a", "south"), rule("b", "south")]
    assert choose_owner(rules, "south", None, counts({"a": 5, "b": 2}), away()).owner_id == "b"
    assert choose_owner(rules, "south", None, counts({"a": 1, "b": 2}), away()).owner_id == "a"


@pytest.mark.parametrize(("first_load", "winner"), [(PRIORITY_WEIGHT, "first"), (PRIORITY_WEIGHT + 1, "backup")])
def test_backup_wins_only_when_first_is_clearly_busier(first_load: int, winner: str) -> None:
    rules = [rule("first", priority=1), rule("backup", priority=2)]
    assert choose_owner(rules, None, None, counts({"first": first_load, "backup": 0}), away()).owner_id == winner


def test_everyone_away_falls_back_to_first_choice() -> None:
    route = choose_owner(RULES, "south", "dispenser", counts(), away("devices", "south.owner", "national"))
    assert route.everyone_away is True
    assert route.owner_id == "devices"
    assert route.skipped_away == ("devices", "south.owner", "national")


def test_no_rules_is_an_error() -> None:
    with pytest.raises(LookupError):
        choose_owner([], "south", None, counts(), away())


def test_demo_supply_chain_rules(demo_dir: Path) -> None:
    rules = Directory(demo_dir / "ops.sqlite").owner_rules("supply_chain")
    south = choose_owner(rules, "south", "shampoo", counts(), away())
    assert (south.owner_id, south.level) == ("sc.owner.south", "region")
    devices = choose_owner(rules, "south", "dispenser", counts(), away())
    assert (devices.owner_id, devices.level) == ("sc.devices", "product_line")
