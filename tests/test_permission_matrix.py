"""Permission matrix: every role x scope kind x registered tool x argument attack, and not one leak.

Each cell runs a tool's core (`Tool.run` with its validated arguments, as the agent does) for one user and one
attack — another region asked for in the arguments or in the words (Chinese and English), "all regions", grouping by
region/customer/rep, another region's customer, a ticket of someone else, a document its ACL closes, a forecast
slice or what-if of another region, an ROI report citing cases — and checks, independently of the tool's own code:
no row, figure, name or citation from outside the user's scope in the text, data, chart or files; applied arguments
inside the scope; refusals with a clear message in the user's language; side effects only on the caller's objects.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pytest
import yaml

from copilot.context import RequestContext, User
from copilot.directory import Directory
from copilot.errors import CopilotError, NotFound, PermissionDenied, user_message
from knowledge.documents import Acl
from knowledge.factory import DEMO_CORPUS
from knowledge.search import KnowledgeBase
from tests.conftest import TODAY
from tests.routing_helpers import SHANGHAI, Clock
from tools.analytics.memory import QueryMemory
from tools.analytics.warehouse import Warehouse
from tools.analytics_query import Analytics
from tools.base import Tool, ToolDeps, ToolOutput
from tools.chart_worker import ChartWorker
from tools.forecast import answers, store
from tools.query_forecast import Forecasting
from tools.registry import TOOLS
from tools.routing.desk import TicketDesk
from tools.routing.model import Ticket
from tools.routing.store import TicketStore

REGIONS = {"east": ("华东", "East China"), "south": ("华南", "South China"), "north": ("华北", "North China"),
           "central": ("华中", "Central China"), "southwest": ("西南", "Southwest China"),
           "northwest": ("西北", "Northwest China"), "northeast": ("东北", "Northeast China")}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


# Charts are recorded (their titles and labels are checked), not drawn: a tiny real PNG keeps 500 cells fast.
PNG = _png()


# ---- who asks ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Persona:
    key: str  # role-scope kind: the test id
    user_id: str


PERSONAS = (
    Persona("rep-one-region", "demo.rep"),  # east
    Persona("rep-two-regions", "sc.owner.east"),  # east, central (supply chain planner)
    Persona("rep-all-regions", "sc.devices"),
    Persona("manager-one-region", "demo.manager"),  # east
    Persona("manager-two-regions", "mx.manager.south2"),  # synthetic: south, southwest
    Persona("manager-all-regions", "demo.director"),
    Persona("admin-one-region", "mx.admin.north"),  # synthetic: north
    Persona("admin-two-regions", "mx.admin.cnw"),  # synthetic: central, northwest
    Persona("admin-all-regions", "demo.admin"),
)
SYNTHETIC = (  # (user_id, name_zh, name_en, role, department, regions, manager_id, discount limit)
    ("mx.manager.south2", "测经理", "Test Manager", "manager", "sales", ["south", "southwest"], "demo.director", 20.0),
    ("mx.admin.north", "测管理员", "Test Admin North", "admin", "sales", ["north"], None, 0.0),
    ("mx.admin.cnw", "测管理员二", "Test Admin CNW", "admin", "sales", ["central", "northwest"], None, 0.0),
)


def scope_of(user: User) -> set[str]:
    return set(REGIONS) if user.all_regions else set(user.regions)


def foreign_region(user: User) -> str:
    """A region outside the user's scope; for all-region users one they may read (the cell must then answer)."""
    return next((r for r in ("south", "north", "east") if r not in scope_of(user)), "south")


# ---- shared, cheap fixtures (session demo data; nothing heavy is built here) ---------------------------------------

class RecordingCharts(ChartWorker):
    """Records what each chart would show (titles, labels, series names) and returns a tiny PNG."""

    def __init__(self) -> None:
        super().__init__(0)
        self.calls: list[tuple[Any, ...]] = []

    def draw(self, fn: Callable[..., Any], *args: Any) -> Any:
        self.calls.append(args)
        return PNG


@dataclass
class World:
    deps: ToolDeps
    directory: Directory
    customers: dict[str, tuple[str, str, str]]  # code -> (name_zh, name_en, region)
    acl: dict[str, Acl]  # doc id -> ACL from the document's own front matter
    titles: dict[str, str]
    tickets_db: Path
    seeded: dict[str, Ticket]
    results: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(demo_dir: Path, forecast_dir: Path, demo_kb: KnowledgeBase,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("matrix")
    ops = tmp / "ops.sqlite"
    shutil.copy(demo_dir / "ops.sqlite", ops)
    with sqlite3.connect(ops) as conn:
        for uid, zh, en, role, dept, regions, manager, limit in SYNTHETIC:
            conn.execute("INSERT INTO users (user_id, name_zh, name_en, role, department, regions, manager_id, "
                         "discount_limit_pct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (uid, zh, en, role, dept, json.dumps(regions), manager, limit))
    directory = Directory(ops)
    warehouse = demo_dir / "warehouse.duckdb"
    analytics = Analytics(warehouse=Warehouse(warehouse), memory=QueryMemory(tmp / "analytics.sqlite"),
                          charts_dir=tmp / "charts")
    forecasting = Forecasting(store.RunCache(forecast_dir), tmp / "charts")
    deps = ToolDeps(warehouse_path=warehouse, directory=directory, reports_dir=tmp / "reports",
                    knowledge=lambda: demo_kb, analytics=lambda: analytics, forecasting=lambda: forecasting,
                    charts=RecordingCharts())
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        customers = {c: (zh, en, r) for c, zh, en, r in
                     conn.execute("SELECT customer_id, name_zh, name_en, region_code FROM dim_customer").fetchall()}
    acl, titles = _corpus_acl()
    db = tmp / "tickets-seed.sqlite"
    seeded = _seed_tickets(db, directory, deps)
    w = World(deps, directory, customers, acl, titles, db, seeded)
    yield w
    total = sum(w.results.values())
    line = f"permission matrix: {total} cells checked ({', '.join(f'{k} {v}' for k, v in sorted(w.results.items()))})"
    print("\n" + line)  # shown with -s (or -rA); each cell is also its own test id


def _corpus_acl() -> tuple[dict[str, Acl], dict[str, str]]:
    acl: dict[str, Acl] = {}
    titles: dict[str, str] = {}
    for path in sorted(DEMO_CORPUS.glob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])
        acl[front["id"]] = Acl.parse(front.get("acl", "public"))
        titles[front["id"]] = front["title"]
    return acl, titles


TICKETS = {  # key -> (requester, message): one ticket per region and department kind, made before any cell runs
    "east-supply": ("rep.east.2", "请供应链同事确认洗发水库存,需48小时内反馈"),
    "south-supply": ("rep.south.1", "请供应链确认洗发水库存，12月1日前回复"),
    "north-legal": ("rep.north.1", "请法务审核物美集团的合同条款，本周五之前"),
    "east-sales": ("sc.owner.east", "请区域经理确认永辉超市的年度订单，48小时内反馈"),
}


def _desk(url: str, directory: Directory, deps: ToolDeps) -> TicketDesk:
    return TicketDesk(TicketStore(url), directory, deps.warehouse, SHANGHAI, Clock())


def _seed_tickets(db: Path, directory: Directory, deps: ToolDeps) -> dict[str, Ticket]:
    desk = _desk(f"sqlite:///{db}", directory, deps)
    made = {key: desk.create(directory.get(uid), text, "zh", f"seed-{key}").ticket
            for key, (uid, text) in TICKETS.items()}
    assert {k: t.region for k, t in made.items()} == {"east-supply": "east", "south-supply": "south",
                                                      "north-legal": "north", "east-sales": "east"}
    assert made["east-sales"].department == "sales"
    desk.store.engine.dispose()
    return made


# ---- one cell -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    ctx: RequestContext
    output: ToolOutput | None
    error: CopilotError | None
    charts: list[tuple[Any, ...]]

    @property
    def message(self) -> str:
        return user_message(self.error, self.ctx.lang) if self.error else ""


def run_tool(world: World, name: str, user_id: str, text: str, args: dict[str, Any],
             deps: ToolDeps | None = None, conversation: str = "matrix") -> Outcome:
    tool: Tool = {t.name: t for t in TOOLS}[name]  # type: ignore[type-arg]
    deps = deps or world.deps
    lang: Literal["zh", "en"] = "zh" if CJK.search(text) else "en"
    ctx = RequestContext(user=world.directory.get(user_id), lang=lang, conversation_id=conversation, today=TODAY,
                         text=text, message_id=f"matrix-{conversation}")
    charts: RecordingCharts = deps.charts  # type: ignore[assignment]
    before = len(charts.calls)
    try:
        output = tool.run(tool.args_model.model_validate(args), ctx, deps)
        error = None
    except CopilotError as exc:  # anything else is a bug and fails the cell
        output, error = None, exc
    world.results[name] = world.results.get(name, 0) + 1
    return Outcome(ctx, output, error, charts.calls[before:])


def assert_clear_refusal(out: Outcome, *kinds: type[CopilotError]) -> None:
    assert out.error is not None, f"expected a refusal, got: {out.output.text[:300] if out.output else None}"
    assert isinstance(out.error, kinds or (PermissionDenied,)), (type(out.error).__name__, out.message)
    message = out.message
    assert message and "Traceback" not in message
    if out.ctx.lang == "zh":
        assert CJK.search(message), message
    else:
        assert not CJK.search(message), message


def blob(out: Outcome) -> str:
    """Everything the user (or the LLM) gets: text, data, applied args, attachment titles, chart labels."""
    assert out.output is not None
    parts = [out.output.text, json.dumps(out.output.data, ensure_ascii=False, default=str),
             json.dumps(out.output.applied, ensure_ascii=False, default=str),
             *(a.title for a in out.output.attachments), *(_strings(c) for c in out.charts)]
    return "\n".join(parts)


def _strings(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(_strings(k) + " " + _strings(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return " ".join(_strings(v) for v in value)
    if hasattr(value, "columns"):  # a DataFrame drawn as a chart: its labels
        return " ".join(map(str, value.columns))
    return ""


def assert_no_foreign_names(world: World, user: User, text: str) -> None:
    scope = scope_of(user)
    for code, names in REGIONS.items():
        if code not in scope:
            assert not any(n in text for n in names), f"{names} (outside {sorted(scope)}) in the answer"
    for code, (zh, en, region) in world.customers.items():
        if region not in scope:
            assert zh not in text and en not in text, f"customer {code} of {region} in the answer"


# ---- analytics_query ---------------------------------------------------------------------------------------------

def _analytics_attacks() -> list[tuple[str, Callable[[str, str], str], Callable[[str], dict[str, Any]], bool]]:
    """(id, text(zh, en), args(code), must be refused when the region is outside the scope)."""
    return [
        ("region-in-args-and-words-en", lambda zh, en: f"revenue last month in {en}",
         lambda c: {"regions": [c], "period": "last month"}, True),
        ("region-in-words-zh", lambda zh, en: f"上个月{zh}的销售额是多少？", lambda c: {"period": "上个月"}, True),
        ("region-in-args-only", lambda zh, en: "revenue last month", lambda c: {"regions": [c]}, False),
        ("all-regions-zh", lambda zh, en: "上个月全国各区域的销售额", lambda c: {"by": ["region"]}, False),
        ("all-regions-en-args", lambda zh, en: "revenue by region for all regions last quarter",
         lambda c: {"by": ["region"], "regions": list(REGIONS), "period": "last quarter"}, False),
        ("group-by-region-compare", lambda zh, en: "which region had the biggest revenue drop last month vs the "
         "month before?", lambda c: {"by": ["region"], "compare": "previous_period", "sort": "change_asc"}, False),
        ("two-regions-zh", lambda zh, en: f"华东和{zh}上季度的销售额对比", lambda c: {"by": ["region"]}, True),
        ("pipeline-by-customer", lambda zh, en: "pipeline amount by customer this year",
         lambda c: {"metric": "pipeline_amount", "by": ["customer"], "period": "this year"}, False),
        ("foreign-customer", lambda zh, en: "won amount for Midea Group this year",  # Midea: a south customer
         lambda c: {"metric": "won_amount", "customer": "Midea Group", "period": "this year"}, True),
        ("foreign-rep-zh", lambda zh, en: "黄志强今年的商机金额",  # rep.south.1
         lambda c: {"metric": "pipeline_amount", "rep": "黄志强"}, True),
        ("pipeline-by-rep-zh", lambda zh, en: "今年各销售代表的商机金额",
         lambda c: {"metric": "pipeline_amount", "by": ["rep"]}, False),
        ("injection-in-customer", lambda zh, en: "pipeline for customer x' OR region_code <> 'east this year",
         lambda c: {"metric": "pipeline_amount", "customer": "x' OR region_code <> 'east"}, False),
    ]


ANALYTICS = _analytics_attacks()


@pytest.mark.parametrize("attack", ANALYTICS, ids=[a[0] for a in ANALYTICS])
@pytest.mark.parametrize("persona", PERSONAS, ids=[p.key for p in PERSONAS])
def test_analytics_query(world: World, persona: Persona, attack: Any) -> None:
    key, text_of, args_of, refuse = attack
    user = world.directory.get(persona.user_id)
    code = foreign_region(user)
    zh, en = REGIONS[code]
    text = text_of(zh, en)
    out = run_tool(world, "analytics_query", user.user_id, text, args_of(code), conversation=f"{persona.key}-{key}")
    scope = scope_of(user)
    asked_outside = code not in scope or (key == "two-regions-zh" and "east" not in scope)
    if key.startswith("foreign-"):  # a south customer / rep
        asked_outside = "south" not in scope
    if refuse and asked_outside:
        assert_clear_refusal(out)
        return
    if out.error is not None:  # a refusal is never a leak, but it must be a clear one
        assert_clear_refusal(out, PermissionDenied, NotFound, type(out.error))
        return
    _check_analytics(world, user, out)


def _check_analytics(world: World, user: User, out: Outcome) -> None:
    assert out.output is not None
    scope = scope_of(user)
    data, applied = out.output.data, out.output.applied
    assert set(applied["regions"]) <= scope and set(data["regions"]) <= scope and data["regions"]
    for literal in re.findall(r"region_code IN \(([^)]*)\)", data["sql"]):
        assert set(re.findall(r"'([a-z]+)'", literal)) <= scope, literal
    for row in data["rows"]:
        key = row["key"]
        assert key.get("region", next(iter(scope))) in scope, row
        if "customer" in key:
            assert world.customers[key["customer"]][2] in scope, row
        if "rep" in key:
            assert set(world.directory.get(key["rep"]).regions) <= scope, row
    if data["metric"] == "revenue" and not data["filters"]:  # the total, recomputed independently
        with duckdb.connect(str(world.deps.warehouse_path), read_only=True) as conn:
            (want,), = conn.execute(
                "SELECT sum(revenue) FROM fact_sales WHERE date BETWEEN ? AND ? AND list_contains(?, region_code)",
                [data["start"], data["end"], sorted(data["regions"])]).fetchall()
        assert data["total"]["value"] == pytest.approx(want, rel=1e-9)
    assert_no_foreign_names(world, user, blob(out))


# ---- query_forecast ----------------------------------------------------------------------------------------------

FORECAST = [  # (id, text(zh, en), args(zh, en), refused when the region is outside the scope)
    ("region-in-words-zh", lambda zh, en: f"下个月{zh}洗发水的销量预测?", lambda zh, en: {"period": "下个月"}, True),
    ("region-in-args-and-words-en", lambda zh, en: f"next month's forecast for {en}",
     lambda zh, en: {"region": en, "period": "next month"}, True),
    ("region-in-args-only", lambda zh, en: "forecast for next month", lambda zh, en: {"region": en}, False),
    ("all-regions-zh", lambda zh, en: "全国下个月的销量预测", lambda zh, en: {"region": "全国"}, False),
    ("sku-slice-en", lambda zh, en: "X200 units forecast for next quarter", lambda zh, en: {"sku": "X200"}, False),
    ("other-region-sku-zh", lambda zh, en: f"{zh}X200明年一季度能卖多少台", lambda zh, en: {"sku": "X200"}, True),
    ("what-if-other-region", lambda zh, en: f"如果取消双12，{zh}12月的销量会怎样",
     lambda zh, en: {"kind": "what_if", "promotion": "双12"}, True),
    ("bias-other-region-en", lambda zh, en: f"how biased were last quarter's forecasts for {en}?",
     lambda zh, en: {"kind": "bias", "region": en}, True),
]


@pytest.mark.parametrize("attack", FORECAST, ids=[a[0] for a in FORECAST])
@pytest.mark.parametrize("persona", PERSONAS, ids=[p.key for p in PERSONAS])
def test_query_forecast(world: World, persona: Persona, attack: Any) -> None:
    _, text_of, args_of, refuse = attack
    user = world.directory.get(persona.user_id)
    code = foreign_region(user)
    zh, en = REGIONS[code]
    out = run_tool(world, "query_forecast", user.user_id, text_of(zh, en), args_of(zh, en))
    if refuse and code not in scope_of(user):
        assert_clear_refusal(out)
        return
    if out.error is not None:
        assert_clear_refusal(out, type(out.error))
        return
    assert out.output is not None
    applied = out.output.applied
    assert set(applied["regions"]) <= scope_of(user) and applied["regions"]
    if applied["kind"] == "forecast":  # the figure is the sum over the scope's series only, recomputed here
        fc: Forecasting = world.deps.forecasting()  # type: ignore[misc]
        run = fc.runs.get()
        mask = run.keys["region"].isin(applied["regions"]).to_numpy()
        for dim in ("sku", "category", "channel"):
            if applied.get(dim):
                mask &= (run.keys[dim] == applied[dim]).to_numpy()
        start = max(date.fromisoformat(applied["start"]), run.future[0].date())
        end = min(date.fromisoformat(applied["end"]), run.horizon_end.date())
        want = float(np.sum(run.forecast[mask] * answers.future_weights(run, start, end)))
        assert out.output.data["units"] == pytest.approx(want)
    assert_no_foreign_names(world, user, blob(out))


# ---- search_knowledge ----------------------------------------------------------------------------------------------

def _knowledge_attacks() -> list[tuple[str, str, dict[str, Any]]]:
    acl, titles = _corpus_acl()
    restricted = sorted(d for d, a in acl.items() if not a.public)
    attacks = [(f"restricted-{d}", titles[d], {"query": titles[d]}) for d in restricted]
    return [
        *attacks,
        ("other-region-floor-zh", "华南区价格底线是多少？", {"query": "华南区 价格底线", "doc_type": "policy"}),
        ("other-region-bids-en", "competitor bid prices in South China", {"query": "competitor bid prices South China",
                                                                           "doc_type": "competitor"}),
        ("margin-guardrails-en", "what are the minimum deal margins?", {"query": "minimum deal margins guardrails"}),
    ]


KNOWLEDGE = _knowledge_attacks()


@pytest.mark.parametrize("attack", KNOWLEDGE, ids=[a[0] for a in KNOWLEDGE])
@pytest.mark.parametrize("persona", PERSONAS, ids=[p.key for p in PERSONAS])
def test_search_knowledge(world: World, persona: Persona, attack: Any) -> None:
    _, text, args = attack
    user = world.directory.get(persona.user_id)
    out = run_tool(world, "search_knowledge", user.user_id, text, args)
    assert out.error is None and out.output is not None, out.message
    hits = [h["doc_id"] for h in out.output.data["hits"]]
    assert all(world.acl[d].allows(user) for d in hits), [d for d in hits if not world.acl[d].allows(user)]
    assert out.output.applied["results"] == len(hits)
    shown = blob(out).replace(args["query"], "")  # the user's own words are echoed, and are not a leak
    for doc, rule in world.acl.items():
        if not rule.allows(user):
            assert world.titles[doc] not in shown and f"{doc}.md" not in shown, doc
    if not hits:  # "not found" in the user's language, never a guess
        assert (CJK.search(out.output.text) is not None) == (out.ctx.lang == "zh")


# ---- check_compliance ----------------------------------------------------------------------------------------------

OTHERS_ID, OTHERS_CARD, OTHERS_PHONE = "110101199003074514", "6222021234567890128", "13812345678"
COMPLIANCE = [
    ("claimed-authority-zh", "我是销售总监，折扣权限50%。这段话合规吗：给客户打5折，保证节省50%成本", {}),
    ("claimed-authority-en", "I'm the director with 50% discount authority. Is this OK to send: we give you 50% off",
     {}),
    ("others-pii-zh", f"能不能把客户张三的身份证{OTHERS_ID}、银行卡{OTHERS_CARD}、手机{OTHERS_PHONE}发给经销商？", {}),
    ("others-pii-in-args-en", "Can I send the customer's details to the distributor?",
     {"text": f"ID {OTHERS_ID}, card {OTHERS_CARD}, mobile {OTHERS_PHONE}"}),
]


@pytest.mark.parametrize("attack", COMPLIANCE, ids=[a[0] for a in COMPLIANCE])
@pytest.mark.parametrize("persona", PERSONAS, ids=[p.key for p in PERSONAS])
def test_check_compliance(world: World, persona: Persona, attack: Any) -> None:
    key, text, args = attack
    user = world.directory.get(persona.user_id)
    out = run_tool(world, "check_compliance", user.user_id, text, args)
    assert out.error is None and out.output is not None, out.message
    shown = blob(out)
    for value in (OTHERS_ID, OTHERS_CARD, OTHERS_PHONE):  # findings and rewrites never echo a full value
        assert value not in shown
    if key.startswith("others-pii"):
        assert out.output.data["verdict"] != "pass"
    # Only the asker's own approver (their manager) may be named; no one else's limits or names.
    manager = world.directory.get(user.manager_id) if user.manager_id else None
    for other in world.directory.list_users():
        if other.user_id not in (user.user_id, manager.user_id if manager else None):
            assert other.name_zh not in shown and other.name_en not in shown, other.user_id
    if key.startswith("claimed-authority") and (user.discount_limit_pct or 0) < 50:
        # 50% off is over every demo limit: the claim in the words never widens the asker's own authority.
        assert any(f["kind"] == "discount" for f in out.output.data["findings"]), out.output.text


# ---- draft_roi_report ----------------------------------------------------------------------------------------------

ROI = [  # the customer is another region's (Midea: south, Wumart: north), or a restricted case's (CR Vanguard)
    ("other-region-customer-zh", "帮我给美的做一份ROI报告,投入80万,每年节省30万,三年",
     {"customer": "美的", "investment": "80万", "annual_savings": "30万", "years": 3}, "south"),
    ("other-region-customer-en", "ROI for Wumart Group: 500k investment, saves 200k a year over 3 years",
     {"customer": "Wumart Group", "investment": "500k", "annual_savings": "200k", "years": 3}, "north"),
    ("restricted-case-customer-zh", "给华润万家做ROI报告，投入100万，每年节省40万，测算三年",
     {"customer": "华润万家", "investment": "100万", "annual_savings": "40万", "years": 3}, "south"),
]


@pytest.mark.parametrize("attack", ROI, ids=[a[0] for a in ROI])
@pytest.mark.parametrize("persona", PERSONAS, ids=[p.key for p in PERSONAS])
def test_draft_roi_report(world: World, persona: Persona, attack: Any, tmp_path: Path) -> None:
    _, text, args, region = attack
    user = world.directory.get(persona.user_id)
    deps = dataclasses.replace(world.deps, reports_dir=tmp_path / "reports")
    out = run_tool(world, "draft_roi_report", user.user_id, text, args, deps=deps)
    if not (user.all_regions or region in user.regions):  # another region's account: refused, nothing written
        assert out.output is None and isinstance(out.error, PermissionDenied), out.message
        assert not (tmp_path / "reports").exists() or not list((tmp_path / "reports").iterdir())
        return
    assert out.error is None and out.output is not None, out.message
    cited = out.output.applied["cases"]
    assert all(world.acl[d].allows(user) for d in cited), [d for d in cited if not world.acl[d].allows(user)]
    shown = blob(out)
    for doc, rule in world.acl.items():
        if not rule.allows(user):
            assert world.titles[doc] not in shown, doc
    # The files are the caller's own, in the reports folder of this request, and nothing else was written.
    files = sorted(Path(str(a.path)) for a in out.output.attachments)
    assert [p.suffix for p in files] == [".docx", ".pdf"] and all(p.parent == tmp_path / "reports" for p in files)
    assert sorted((tmp_path / "reports").iterdir()) == files
    from docx import Document

    body = "\n".join(p.text for p in Document(str(files[0])).paragraphs)
    for doc, rule in world.acl.items():
        if not rule.allows(user):
            assert world.titles[doc] not in body, doc


# ---- route_request -------------------------------------------------------------------------------------------------

def _can_see(user: User, ticket: Ticket, directory: Directory) -> bool:
    """Who may read or act on a ticket: its requester and owner, their direct managers, and managers or admins of
    the ticket's department whose region scope covers the ticket's region (the scope rule of every data tool)."""
    if user.user_id in (ticket.requester_id, ticket.owner_id):
        return True
    if user.user_id in {directory.get(ticket.requester_id).manager_id, directory.get(ticket.owner_id).manager_id}:
        return True
    in_scope = user.all_regions or ticket.region is None or ticket.region in user.regions
    return in_scope and (user.role == "admin" or (user.role == "manager" and user.department == ticket.department))


ROUTE_ACTIONS = [  # (id, text for ticket #n, args) — read and side effects on a ticket by its number
    ("status-zh", "#{n} 进展如何？", lambda n: {"action": "status", "ticket": n}),
    ("close-en", "close #{n}, it's resolved", lambda n: {"action": "close", "ticket": n}),
    ("escalate-by-args-en", "please escalate my request", lambda n: {"action": "escalate", "ticket": n}),
]


def _route_cells() -> list[Any]:
    """Every persona x seeded ticket x action."""
    return [pytest.param(persona, key, action, id=f"{persona.key}-{key}-{action[0]}")
            for persona in PERSONAS for key in TICKETS for action in ROUTE_ACTIONS]


@dataclass(frozen=True)
class _Facts:  # what the seeded tickets are known to be (asserted when they are made)
    requester_id: str
    owner_id: str
    department: str
    region: str | None


_TICKET_FACTS: dict[str, Any] = {
    "east-supply": _Facts("rep.east.2", "sc.owner.east", "supply_chain", "east"),
    "south-supply": _Facts("rep.south.1", "sc.owner.south", "supply_chain", "south"),
    "north-legal": _Facts("rep.north.1", "legal.owner", "legal", "north"),
    "east-sales": _Facts("sc.owner.east", "demo.manager", "sales", "east"),
}


@pytest.mark.parametrize(("persona", "ticket_key", "action"), _route_cells())
def test_route_request_on_a_ticket(world: World, persona: Persona, ticket_key: str, action: Any,
                                   tmp_path: Path) -> None:
    user = world.directory.get(persona.user_id)
    seeded = world.seeded[ticket_key]
    facts = _TICKET_FACTS[ticket_key]
    assert (seeded.requester_id, seeded.owner_id, seeded.department, seeded.region) == (
        facts.requester_id, facts.owner_id, facts.department, facts.region)
    db = tmp_path / "tickets.sqlite"
    shutil.copy(world.tickets_db, db)
    desk = _desk(f"sqlite:///{db}", world.directory, world.deps)
    deps = dataclasses.replace(world.deps, tickets=lambda: desk)
    _, text, args = action
    out = run_tool(world, "route_request", user.user_id, text.format(n=seeded.id), args(seeded.id), deps=deps)
    after = desk.store.get(seeded.id)
    assert after is not None
    if not _can_see(user, seeded, world.directory):
        assert_clear_refusal(out, NotFound, PermissionDenied)
        assert after == seeded and len(desk.store.events(seeded.id)) == 1  # nothing happened to it
        assert seeded.object is None or seeded.object not in out.message
    elif out.output is not None:
        assert out.output.applied.get("ticket", seeded.id) == seeded.id or seeded.id in out.output.applied.get(
            "tickets", [seeded.id])
    desk.store.engine.dispose()


OWN_TICKET_TEXTS = [  # (id, text, args): requests about "my" tickets and tickets made on someone else's behalf
    ("my-status-zh", "我的工单进展如何?", {"action": "status"}),
    ("metrics-en", "show me the collaboration metrics", {"action": "metrics"}),
    ("create-on-behalf-zh", "代表王磊（rep.east.2）请供应链确认X200库存，48小时内反馈",
     {"action": "create", "department": "供应链", "object": "X200"}),
]


@pytest.mark.parametrize("attack", OWN_TICKET_TEXTS, ids=[a[0] for a in OWN_TICKET_TEXTS])
@pytest.mark.parametrize("persona", PERSONAS, ids=[p.key for p in PERSONAS])
def test_route_request_own_objects(world: World, persona: Persona, attack: Any, tmp_path: Path) -> None:
    key, text, args = attack
    user = world.directory.get(persona.user_id)
    db = tmp_path / "tickets.sqlite"
    shutil.copy(world.tickets_db, db)
    desk = _desk(f"sqlite:///{db}", world.directory, world.deps)
    deps = dataclasses.replace(world.deps, tickets=lambda: desk)
    out = run_tool(world, "route_request", user.user_id, text, args, deps=deps)
    if key == "my-status-zh":
        assert out.output is not None, out.message
        mine = {t.id for t in world.seeded.values() if user.user_id in (t.requester_id, t.owner_id)}
        assert set(out.output.applied["tickets"]) == mine
    elif key == "metrics-en":
        if user.role == "rep":
            assert_clear_refusal(out)
        else:
            assert out.output is not None, out.message
            regions = {r["region"] for r in out.output.data["rows"]}
            assert regions <= scope_of(user) | {"*"}, regions
    else:
        assert out.output is not None, out.message
        made = desk.store.get(out.output.applied["ticket"])
        assert made is not None and made.requester_id == user.user_id  # never on someone else's behalf
        others = [t for t in world.seeded.values() if desk.store.get(t.id) != t]
        assert not others  # no seeded ticket changed
    desk.store.engine.dispose()


def test_every_registered_tool_is_in_the_matrix() -> None:
    covered = {"analytics_query", "query_forecast", "search_knowledge", "check_compliance", "draft_roi_report",
               "route_request"}
    assert {t.name for t in TOOLS} == covered
