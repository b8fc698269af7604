"""Static master data of the embedded demo company 澜溪日化 (Lanxi Consumer Care).

Kept as typed constants (not only as warehouse rows) so tools and prompts can resolve bilingual names
without a database round-trip, and so the generator and the tests agree on one source of truth.
The people directory lives in :mod:`copilot.demo.directory` and is re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from copilot.demo.directory import (
    DEPARTMENT_OWNERS,
    DEPARTMENTS,
    DIRECTOR_ID,
    USERS,
    Department,
    DepartmentOwner,
    User,
    sales_reps_in,
)

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "COMPANY_EN",
    "COMPANY_ZH",
    "CUSTOMERS",
    "DEPARTMENTS",
    "DEPARTMENT_OWNERS",
    "DIRECTOR_ID",
    "INDUSTRIES",
    "PRODUCTS",
    "REGIONS",
    "SALES_END",
    "SALES_START",
    "USERS",
    "Category",
    "Channel",
    "Customer",
    "Department",
    "DepartmentOwner",
    "Industry",
    "Product",
    "Region",
    "User",
    "sales_reps_in",
]

COMPANY_ZH = "澜溪日化"
COMPANY_EN = "Lanxi Consumer Care"

# Three full years of daily sales; the demo "today" is the day after SALES_END.
SALES_START = date(2023, 11, 1)
SALES_END = date(2026, 10, 31)


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...]
    provinces_zh: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Channel:
    code: str
    name_zh: str
    name_en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    b2b: bool = False


@dataclass(frozen=True, slots=True)
class Product:
    """One SKU. `daily_units` is the national daily volume at SALES_START used by the generator."""

    sku: str
    name_zh: str
    name_en: str
    category_code: str
    unit_price: float
    unit_cost: float
    launch_date: date
    daily_units: float


@dataclass(frozen=True, slots=True)
class Industry:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    name_zh: str
    name_en: str
    industry: str
    region_code: str
    tier: str  # 'KA' | 'A' | 'B'


def _aliases(zh: str, en_short: str) -> tuple[str, ...]:
    return (zh, f"{zh}区", f"{zh}地区", f"{zh}大区", en_short, f"{en_short} China", f"{en_short} Region")


REGIONS: tuple[Region, ...] = (
    Region("east", "华东", "East China", _aliases("华东", "East"),
           ("上海", "江苏", "浙江", "安徽", "福建", "江西", "山东")),
    Region("south", "华南", "South China", _aliases("华南", "South"), ("广东", "广西", "海南")),
    Region("north", "华北", "North China", _aliases("华北", "North"),
           ("北京", "天津", "河北", "山西", "内蒙古")),
    Region("central", "华中", "Central China", _aliases("华中", "Central"), ("河南", "湖北", "湖南")),
    Region("southwest", "西南", "Southwest China", _aliases("西南", "Southwest"),
           ("重庆", "四川", "贵州", "云南", "西藏")),
    Region("northwest", "西北", "Northwest China", _aliases("西北", "Northwest"),
           ("陕西", "甘肃", "青海", "宁夏", "新疆")),
    Region("northeast", "东北", "Northeast China", _aliases("东北", "Northeast"), ("辽宁", "吉林", "黑龙江")),
)

CHANNELS: tuple[Channel, ...] = (
    Channel("ecommerce", "电商旗舰店", "E-commerce flagship",
            ("电商", "线上", "天猫", "京东", "online", "e-commerce", "ecommerce")),
    Channel("ka", "商超/KA", "Supermarket/KA",
            ("商超", "KA", "超市", "大卖场", "supermarket", "key account")),
    Channel("distributor", "经销商", "Distributor", ("经销", "分销", "批发", "dealer", "wholesale")),
    Channel("convenience", "便利店", "Convenience store", ("便利", "convenience", "CVS")),
)

CATEGORIES: tuple[Category, ...] = (
    Category("shampoo", "洗发水", "Shampoo & hair care"),
    Category("body_wash", "沐浴露", "Body wash"),
    Category("laundry", "洗衣液", "Laundry"),
    Category("skincare", "护肤", "Skincare"),
    Category("oral_care", "口腔护理", "Oral care"),
    Category("household", "家居清洁", "Household cleaning"),
    Category("dispenser", "智能售货设备", "Smart dispensers", b2b=True),
)

_OLD = date(2021, 3, 1)  # launched before the sales range


def _p(sku: str, zh: str, en: str, cat: str, price: float, cost_ratio: float, units: float,
       launch: date = _OLD) -> Product:
    return Product(sku, zh, en, cat, price, round(price * cost_ratio, 2), launch, units)


PRODUCTS: tuple[Product, ...] = (
    _p("SH-101", "控油清爽洗发水 500ml", "Oil-Control Fresh Shampoo 500ml", "shampoo", 59.9, 0.36, 2600),
    _p("SH-102", "去屑止痒洗发水 500ml", "Anti-Dandruff Shampoo 500ml", "shampoo", 62.9, 0.37, 2200),
    _p("SH-103", "氨基酸柔顺洗发水 400ml", "Amino-Acid Smooth Shampoo 400ml", "shampoo", 79.0, 0.34, 1500),
    _p("SH-104", "生姜防脱洗发水 400ml", "Ginger Anti-Hair-Loss Shampoo 400ml", "shampoo", 89.0, 0.33, 1100,
       date(2022, 9, 1)),
    _p("SH-105", "儿童温和洗发水 300ml", "Kids Gentle Shampoo 300ml", "shampoo", 45.9, 0.40, 900),
    _p("SH-106", "修护护发素 500ml", "Repair Conditioner 500ml", "shampoo", 55.9, 0.38, 1300),
    _p("SH-107", "旅行装洗发水 50ml", "Travel-Size Shampoo 50ml", "shampoo", 9.9, 0.45, 3200),
    _p("BW-201", "清爽沐浴露 750ml", "Fresh Body Wash 750ml", "body_wash", 49.9, 0.38, 2800),
    _p("BW-202", "樱花香氛沐浴露 600ml", "Sakura Fragrance Body Wash 600ml", "body_wash", 69.0, 0.35, 1600),
    _p("BW-203", "男士薄荷沐浴露 600ml", "Men's Mint Body Wash 600ml", "body_wash", 59.0, 0.37, 1400),
    _p("BW-204", "儿童泡泡沐浴露 400ml", "Kids Bubble Body Wash 400ml", "body_wash", 42.9, 0.40, 800),
    _p("BW-205", "牛奶滋润沐浴露 1L", "Milk Moisturising Body Wash 1L", "body_wash", 65.0, 0.39, 1200),
    _p("BW-206", "酒店装沐浴露 5L", "Hotel Bulk Body Wash 5L", "body_wash", 168.0, 0.42, 160),
    _p("LD-301", "深层洁净洗衣液 2kg", "Deep Clean Laundry Liquid 2kg", "laundry", 39.9, 0.50, 3600),
    _p("LD-302", "深层洁净洗衣液 3kg", "Deep Clean Laundry Liquid 3kg", "laundry", 54.9, 0.49, 2400),
    _p("LD-303", "除菌除螨洗衣液 2kg", "Antibacterial Laundry Liquid 2kg", "laundry", 49.9, 0.47, 2000),
    _p("LD-304", "内衣专用洗衣液 500ml", "Intimates Laundry Liquid 500ml", "laundry", 29.9, 0.42, 1300),
    _p("LD-305", "浓缩洗衣凝珠 52颗", "Concentrated Laundry Pods 52ct", "laundry", 69.9, 0.44, 1500),
    _p("LD-306", "婴儿洗衣液 1kg", "Baby Laundry Liquid 1kg", "laundry", 45.0, 0.45, 900),
    _p("SK-401", "玻尿酸保湿面霜 50g", "Hyaluronic Moisturising Cream 50g", "skincare", 199.0, 0.26, 700),
    _p("SK-402", "烟酰胺焕亮精华 30ml", "Niacinamide Brightening Serum 30ml", "skincare", 259.0, 0.24, 520),
    _p("SK-403", "氨基酸洁面乳 100g", "Amino-Acid Facial Cleanser 100g", "skincare", 79.0, 0.30, 1300),
    _p("SK-404", "清透防晒乳 SPF50 50ml", "Clear Sunscreen SPF50 50ml", "skincare", 129.0, 0.28, 650),
    _p("SK-405", "积雪草修护面膜 5片", "Centella Repair Sheet Mask 5pcs", "skincare", 99.0, 0.25, 900,
       date(2025, 3, 1)),
    _p("SK-406", "男士控油乳液 100ml", "Men's Oil-Control Lotion 100ml", "skincare", 119.0, 0.29, 420),
    _p("SK-407", "滋润护手霜 50g", "Nourishing Hand Cream 50g", "skincare", 39.0, 0.33, 1100),
    _p("OC-501", "亮白牙膏 120g", "Whitening Toothpaste 120g", "oral_care", 19.9, 0.38, 5200),
    _p("OC-502", "抗敏感牙膏 120g", "Sensitive Relief Toothpaste 120g", "oral_care", 26.9, 0.36, 3000),
    _p("OC-503", "儿童防蛀牙膏 60g", "Kids Cavity-Protect Toothpaste 60g", "oral_care", 16.9, 0.40, 2000),
    _p("OC-504", "软毛牙刷 4支装", "Soft-Bristle Toothbrush 4-Pack", "oral_care", 29.9, 0.35, 2300),
    _p("OC-505", "声波电动牙刷", "Sonic Electric Toothbrush", "oral_care", 299.0, 0.45, 260,
       date(2024, 9, 1)),
    _p("OC-506", "清新漱口水 500ml", "Fresh Mouthwash 500ml", "oral_care", 35.9, 0.34, 1400),
    _p("HC-601", "柠檬洗洁精 1.5kg", "Lemon Dish Soap 1.5kg", "household", 19.9, 0.48, 3600),
    _p("HC-602", "厨房重油污净 500ml", "Kitchen Degreaser 500ml", "household", 29.9, 0.45, 1600),
    _p("HC-603", "卫浴清洁剂 500ml", "Bathroom Cleaner 500ml", "household", 25.9, 0.46, 1400),
    _p("HC-604", "含氯消毒液 1L", "Chlorine Disinfectant 1L", "household", 32.9, 0.44, 1500),
    _p("HC-605", "玻璃清洁剂 500ml", "Glass Cleaner 500ml", "household", 22.9, 0.47, 900),
    _p("HC-606", "地板清洁剂 2L", "Floor Cleaner 2L", "household", 39.9, 0.49, 1100),
    _p("X50", "X50 壁挂感应皂液器", "X50 Wall-Mounted Sensor Dispenser", "dispenser", 399.0, 0.55, 60),
    _p("X100", "X100 台式智能皂液机", "X100 Tabletop Smart Soap Dispenser", "dispenser", 1280.0, 0.58, 38),
    _p("X200", "X200 智能洗护售货机", "X200 Smart Amenity Vending Kiosk", "dispenser", 12800.0, 0.62, 4.2),
    _p("X300", "X300 无人值守智能补货柜", "X300 Unattended Smart Restock Cabinet", "dispenser", 26800.0, 0.60,
       2.0, date(2025, 6, 1)),
    _p("XR-801", "X系列设备补充液 5L", "X-Series Dispenser Refill 5L", "dispenser", 188.0, 0.35, 300),
)

INDUSTRIES: tuple[Industry, ...] = (
    Industry("retail", "零售", "Retail"),
    Industry("hospitality", "酒店", "Hospitality"),
    Industry("catering", "餐饮", "Catering"),
    Industry("manufacturing", "制造", "Manufacturing"),
    Industry("logistics", "物流", "Logistics"),
    Industry("property", "物业", "Property services"),
    Industry("airline", "航空", "Airline"),
    Industry("ecommerce", "电商平台", "E-commerce platform"),
    Industry("distribution", "批发分销", "Wholesale distribution"),
    Industry("transport", "交通枢纽", "Transport hub"),
)

CUSTOMERS: tuple[Customer, ...] = (
    Customer("C001", "永辉超市", "Yonghui Superstores", "retail", "east", "KA"),
    Customer("C002", "盒马鲜生", "Freshippo (Hema)", "retail", "east", "KA"),
    Customer("C003", "大润发", "RT-Mart", "retail", "east", "KA"),
    Customer("C004", "锦江酒店", "Jin Jiang Hotels", "hospitality", "east", "KA"),
    Customer("C005", "华住集团", "H World Group", "hospitality", "east", "KA"),
    Customer("C006", "东方航空", "China Eastern Airlines", "airline", "east", "A"),
    Customer("C007", "浙东日用品批发", "Zhedong Daily Goods Wholesale", "distribution", "east", "B"),
    Customer("C008", "美的集团", "Midea Group", "manufacturing", "south", "KA"),
    Customer("C009", "华润万家", "China Resources Vanguard", "retail", "south", "KA"),
    Customer("C010", "顺丰速运", "SF Express", "logistics", "south", "A"),
    Customer("C011", "万科物业", "Vanke Service", "property", "south", "A"),
    Customer("C012", "南方航空", "China Southern Airlines", "airline", "south", "A"),
    Customer("C013", "岭南优品商贸", "Lingnan Youpin Trading", "distribution", "south", "B"),
    Customer("C014", "物美集团", "Wumart Group", "retail", "north", "KA"),
    Customer("C015", "海底捞", "Haidilao", "catering", "north", "KA"),
    Customer("C016", "首旅如家", "BTG Homeinns", "hospitality", "north", "A"),
    Customer("C017", "京东超市", "JD Supermarket", "ecommerce", "north", "KA"),
    Customer("C018", "津门连锁便利", "Jinmen Convenience Chain", "retail", "north", "B"),
    Customer("C019", "步步高集团", "Better Life Group", "retail", "central", "A"),
    Customer("C020", "中百集团", "Zhongbai Holdings", "retail", "central", "A"),
    Customer("C021", "胖东来", "Pangdonglai", "retail", "central", "KA"),
    Customer("C022", "楚天酒店管理", "Chutian Hotel Management", "hospitality", "central", "B"),
    Customer("C023", "红旗连锁", "Hongqi Chain", "retail", "southwest", "A"),
    Customer("C024", "重庆百货", "Chongqing Department Store", "retail", "southwest", "A"),
    Customer("C025", "云岭便利", "Yunling Convenience", "retail", "southwest", "B"),
    Customer("C026", "蜀都物业服务", "Shudu Property Services", "property", "southwest", "B"),
    Customer("C027", "新华百货", "Xinhua Department Store", "retail", "northwest", "A"),
    Customer("C028", "丝路优选商贸", "Silk Road Select Trading", "distribution", "northwest", "B"),
    Customer("C029", "西部机场集团", "Western Airport Group", "transport", "northwest", "A"),
    Customer("C030", "大商集团", "Dashang Group", "retail", "northeast", "KA"),
    Customer("C031", "欧亚集团", "Eurasia Group", "retail", "northeast", "A"),
    Customer("C032", "长白山酒店管理", "Changbaishan Hotel Management", "hospitality", "northeast", "B"),
)
