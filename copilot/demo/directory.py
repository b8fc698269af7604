"""The demo company's people directory: departments, users and the department routing table.

Ids are fixed and documented because README examples, evals and chat integrations refer to them:
``demo.rep`` (East China rep), ``demo.manager`` (East China manager), ``demo.director`` (national sales
director, all regions) and ``demo.admin``. Everyone else follows ``rep.<region>.<n>``, ``mgr.<region>``,
``sc.owner.<area>``, ``legal.owner`` ... Slack / DingTalk ids are fake but unique, so integration tests
can map a chat sender to a directory user.

Role is about data scope, not job title: 'rep' sees only its `regions`, 'manager' sees its regions and
its team, 'admin' manages the system. Department heads covering every region (``["*"]``) are managers;
regional department owners are reps. Only the sales line has discount authority.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_REGIONS = "*"
DIRECTOR_ID = "demo.director"


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    name_zh: str
    name_en: str
    role: str  # 'rep' | 'manager' | 'admin'
    department: str
    title_zh: str
    title_en: str
    manager_id: str | None
    regions: tuple[str, ...]  # region codes, or ("*",) for all regions
    slack_user_id: str | None
    dingtalk_staff_id: str | None
    discount_limit_pct: float
    active: bool = True

    @property
    def email(self) -> str:
        """Work address from the English name, given-name first (``Chen Jing`` -> ``jing.chen@...``)."""
        family, _, given = self.name_en.partition(" ")
        return f"{given}.{family}@lanxi-demo.example".lower().replace(" ", "")


@dataclass(frozen=True, slots=True)
class DepartmentOwner:
    department: str
    region_code: str | None  # None = any region (fallback / national owner)
    user_id: str
    priority: int  # 1 = ask first
    product_line: str | None = None  # a category code: this owner handles that product line first


DEPARTMENTS: tuple[Department, ...] = (
    Department("sales", "销售", "Sales"),
    Department("supply_chain", "供应链", "Supply Chain"),
    Department("legal", "法务", "Legal"),
    Department("finance", "财务", "Finance"),
    Department("delivery", "交付/实施", "Delivery & Engineering"),
    Department("presales", "售前", "Presales"),
    Department("marketing", "市场", "Marketing"),
)

_REGION_ZH = {"east": "华东", "south": "华南", "north": "华北", "central": "华中", "southwest": "西南",
              "northwest": "西北", "northeast": "东北"}
_REGION_EN = {"east": "East China", "south": "South China", "north": "North China",
              "central": "Central China", "southwest": "Southwest China", "northwest": "Northwest China",
              "northeast": "Northeast China"}
_MANAGER_OF = {"east": "demo.manager", **{r: f"mgr.{r}" for r in _REGION_ZH if r != "east"}}

# (user_id, name_zh, name_en, region) for the 14 active sales reps, two per region.
_REPS: tuple[tuple[str, str, str, str], ...] = (
    ("demo.rep", "陈静", "Chen Jing", "east"),
    ("rep.east.2", "王磊", "Wang Lei", "east"),
    ("rep.south.1", "黄志强", "Huang Zhiqiang", "south"),
    ("rep.south.2", "林晓燕", "Lin Xiaoyan", "south"),
    ("rep.north.1", "张伟", "Zhang Wei", "north"),
    ("rep.north.2", "刘洋", "Liu Yang", "north"),
    ("rep.central.1", "周婷", "Zhou Ting", "central"),
    ("rep.central.2", "吴昊", "Wu Hao", "central"),
    ("rep.southwest.1", "杨帆", "Yang Fan", "southwest"),
    ("rep.southwest.2", "何丽", "He Li", "southwest"),
    ("rep.northwest.1", "马军", "Ma Jun", "northwest"),
    ("rep.northwest.2", "郭敏", "Guo Min", "northwest"),
    ("rep.northeast.1", "孙浩然", "Sun Haoran", "northeast"),
    ("rep.northeast.2", "赵雪", "Zhao Xue", "northeast"),
)
_MANAGERS: tuple[tuple[str, str, str], ...] = (  # (name_zh, name_en, region)
    ("李娜", "Li Na", "east"),
    ("邓国华", "Deng Guohua", "south"),
    ("高建国", "Gao Jianguo", "north"),
    ("许文博", "Xu Wenbo", "central"),
    ("罗晓峰", "Luo Xiaofeng", "southwest"),
    ("韩冰", "Han Bing", "northwest"),
    ("于海涛", "Yu Haitao", "northeast"),
)


def _ids(n: int) -> tuple[str, str]:
    return f"U0DEMO{n:03d}", f"DT{1000 + n}"


def _build_users() -> tuple[User, ...]:
    users: list[User] = []

    def add(uid: str, zh: str, en: str, role: str, dept: str, tzh: str, ten: str, mgr: str | None,
            regions: tuple[str, ...], limit: float, *, active: bool = True, chat: bool = True) -> None:
        slack, ding = _ids(len(users) + 1)
        users.append(User(uid, zh, en, role, dept, tzh, ten, mgr, regions,
                          slack if chat else None, ding if chat else None, limit, active))

    for uid, zh, en, region in _REPS:
        add(uid, zh, en, "rep", "sales", f"{_REGION_ZH[region]}区销售代表",
            f"Sales Representative, {_REGION_EN[region]}", _MANAGER_OF[region], (region,), 10.0)
    for zh, en, region in _MANAGERS:
        add(_MANAGER_OF[region], zh, en, "manager", "sales", f"{_REGION_ZH[region]}区销售经理",
            f"Regional Sales Manager, {_REGION_EN[region]}", DIRECTOR_ID, (region,), 20.0)
    add(DIRECTOR_ID, "徐明", "Xu Ming", "manager", "sales", "全国销售总监", "National Sales Director",
        None, (ALL_REGIONS,), 30.0)
    add("demo.admin", "钱程", "Qian Cheng", "admin", "sales", "销售运营与系统管理员",
        "Sales Operations & System Administrator", None, (ALL_REGIONS,), 0.0)
    add("sc.head", "龚志远", "Gong Zhiyuan", "manager", "supply_chain", "供应链总监", "Head of Supply Chain", None,
        (ALL_REGIONS,), 0.0)
    add("sc.owner.east", "蒋慧", "Jiang Hui", "rep", "supply_chain", "供应链计划经理（华东/华中）",
        "Supply Chain Planner, East & Central", "sc.head", ("east", "central"), 0.0)
    add("sc.owner.south", "谢振宇", "Xie Zhenyu", "rep", "supply_chain", "供应链计划经理（华南/西南）",
        "Supply Chain Planner, South & Southwest", "sc.head", ("south", "southwest"), 0.0)
    add("sc.owner.north", "曹磊", "Cao Lei", "rep", "supply_chain", "供应链计划经理（华北/东北/西北）",
        "Supply Chain Planner, North, Northeast & Northwest", "sc.head", ("north", "northeast", "northwest"), 0.0)
    add("sc.devices", "任思远", "Ren Siyuan", "rep", "supply_chain", "设备供应链专员（X 系列）",
        "Device Supply Planner (X series)", "sc.head", (ALL_REGIONS,), 0.0)
    add("legal.owner", "宋佳", "Song Jia", "manager", "legal", "法务经理", "Legal Manager", None,
        (ALL_REGIONS,), 0.0)
    add("legal.backup", "唐宁", "Tang Ning", "rep", "legal", "法务专员", "Legal Counsel", "legal.owner",
        (ALL_REGIONS,), 0.0)
    add("finance.owner", "沈丽华", "Shen Lihua", "manager", "finance", "销售财务经理",
        "Sales Finance Manager", None, (ALL_REGIONS,), 0.0)
    add("finance.ar", "冯涛", "Feng Tao", "rep", "finance", "应收账款专员", "Accounts Receivable Specialist",
        "finance.owner", (ALL_REGIONS,), 0.0)
    add("delivery.head", "钟毅", "Zhong Yi", "manager", "delivery", "交付总监", "Head of Delivery", None,
        (ALL_REGIONS,), 0.0)
    add("delivery.owner.east", "彭宇", "Peng Yu", "rep", "delivery", "交付实施经理（华东/华中/华北/东北）",
        "Delivery Manager, East, Central, North & Northeast", "delivery.head",
        ("east", "central", "north", "northeast"), 0.0)
    add("delivery.owner.south", "曾凡", "Zeng Fan", "rep", "delivery", "交付实施经理（华南/西南/西北）",
        "Delivery Manager, South, Southwest & Northwest", "delivery.head", ("south", "southwest", "northwest"), 0.0)
    add("presales.owner", "潘晨", "Pan Chen", "manager", "presales", "售前解决方案经理",
        "Presales Solutions Manager", None, (ALL_REGIONS,), 0.0)
    add("mkt.owner", "董雨桐", "Dong Yutong", "manager", "marketing", "市场经理", "Marketing Manager", None,
        (ALL_REGIONS,), 0.0)
    # A rep who left in September 2026: kept for history, no chat accounts, cannot log in.
    add("rep.south.former", "梁嘉豪", "Liang Jiahao", "rep", "sales", "华南区销售代表（已离职）",
        "Sales Representative, South China (left)", "mgr.south", ("south",), 10.0, active=False, chat=False)
    return tuple(users)


USERS: tuple[User, ...] = _build_users()

_REGIONAL: tuple[tuple[str, tuple[str, ...], str], ...] = (  # (department, regions, owner)
    ("supply_chain", ("east", "central"), "sc.owner.east"),
    ("supply_chain", ("south", "southwest"), "sc.owner.south"),
    ("supply_chain", ("north", "northeast", "northwest"), "sc.owner.north"),
    ("delivery", ("east", "central", "north", "northeast"), "delivery.owner.east"),
    ("delivery", ("south", "southwest", "northwest"), "delivery.owner.south"),
    *(("sales", (r,), m) for r, m in _MANAGER_OF.items()),
)

DEPARTMENT_OWNERS: tuple[DepartmentOwner, ...] = (
    *(DepartmentOwner(dept, r, uid, 1) for dept, regions, uid in _REGIONAL for r in regions),
    DepartmentOwner("sales", None, DIRECTOR_ID, 9),
    DepartmentOwner("supply_chain", None, "sc.devices", 1, "dispenser"),
    DepartmentOwner("supply_chain", None, "sc.owner.east", 9),
    DepartmentOwner("delivery", None, "delivery.owner.east", 9),
    DepartmentOwner("legal", None, "legal.owner", 1),
    DepartmentOwner("legal", None, "legal.backup", 2),
    DepartmentOwner("finance", None, "finance.owner", 1),
    DepartmentOwner("finance", None, "finance.ar", 2),
    DepartmentOwner("presales", None, "presales.owner", 1),
    DepartmentOwner("marketing", None, "mkt.owner", 1),
)


def sales_reps_in(region_code: str) -> tuple[User, ...]:
    """Active sales reps covering exactly this region: the only valid opportunity owners there."""
    return tuple(u for u in USERS if u.active and u.role == "rep" and u.department == "sales"
                 and u.regions == (region_code,))
