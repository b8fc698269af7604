"""Key-account pipeline of the demo company: `opportunities` rows.

A handful of hand-written "story" deals come first (README and eval examples point at them: 永辉超市's X200
roll-out owned by ``demo.rep``, 美的集团's X300 deal in South China, the lost 华润万家 shelf deal behind the
South China dip); the rest are drawn from the seed. Every owner is an active sales rep of the customer's
region, which is what permission checks and routing assume.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from copilot.demo.catalog import CUSTOMERS, PRODUCTS, SALES_END, Customer, sales_reps_in

STAGES = ("prospecting", "qualification", "proposal", "negotiation", "won", "lost")
_STAGE_P = (0.17, 0.17, 0.17, 0.14, 0.22, 0.13)
N_OPPORTUNITIES = 72
PIPELINE_START = date(2025, 11, 1)

# What each kind of key account plausibly buys in bulk.
INDUSTRY_SKUS: dict[str, tuple[str, ...]] = {
    "retail": ("LD-302", "LD-305", "SH-101", "BW-201", "HC-601", "OC-501", "SK-403", "X50"),
    "hospitality": ("SH-107", "BW-206", "X100", "X200", "XR-801"),
    "catering": ("HC-601", "HC-602", "HC-604", "X50", "XR-801"),
    "manufacturing": ("X200", "X300", "X100", "HC-604"),
    "logistics": ("X200", "X300", "HC-604"),
    "property": ("X200", "X300", "X50", "XR-801"),
    "airline": ("SH-107", "SK-407", "OC-504"),
    "ecommerce": ("LD-305", "SK-402", "SH-103", "OC-505"),
    "distribution": ("LD-301", "SH-101", "BW-201", "HC-601", "OC-501"),
    "transport": ("X200", "X50", "HC-603"),
}
_TIER_DEAL = {"KA": 600_000.0, "A": 250_000.0, "B": 80_000.0}  # median deal size, CNY
_PRICE = {p.sku: p.unit_price for p in PRODUCTS}

# (opp_id, customer_id, owner, sku, stage, amount, expected_close, created_at)
STORY_DEALS: tuple[tuple[str, str, str, str, str, float, date, date], ...] = (
    ("OPP-0001", "C001", "demo.rep", "X200", "negotiation", 706_600.0, date(2026, 11, 20), date(2026, 8, 12)),
    ("OPP-0002", "C002", "demo.rep", "LD-305", "proposal", 418_000.0, date(2026, 12, 15), date(2026, 9, 22)),
    ("OPP-0003", "C004", "rep.east.2", "SH-107", "won", 356_400.0, date(2026, 9, 30), date(2026, 6, 3)),
    ("OPP-0004", "C008", "rep.south.1", "X300", "negotiation", 1_286_400.0, date(2026, 12, 10),
     date(2026, 7, 18)),
    ("OPP-0005", "C009", "rep.south.2", "LD-302", "lost", 925_000.0, date(2026, 9, 26), date(2026, 5, 9)),
    ("OPP-0006", "C015", "rep.north.1", "X50", "qualification", 239_400.0, date(2027, 1, 15),
     date(2026, 10, 9)),
)


def _random_deal(rng: np.random.Generator, n: int, customer: Customer) -> dict[str, object]:
    reps = sales_reps_in(customer.region_code)
    owner = reps[int(rng.integers(len(reps)))].user_id
    skus = INDUSTRY_SKUS[customer.industry]
    sku = skus[int(rng.integers(len(skus)))]
    target = _TIER_DEAL[customer.tier] * float(rng.lognormal(0.0, 0.6))
    qty = max(1, round(target / _PRICE[sku]))
    discount = float(rng.choice([0.0, 0.03, 0.05, 0.08, 0.10, 0.12]))
    amount = max(100.0, round(qty * _PRICE[sku] * (1 - discount) / 100) * 100.0)
    stage = str(rng.choice(STAGES, p=_STAGE_P))
    if stage in ("won", "lost"):  # closed deals: created during the last year, closed in the past
        created = PIPELINE_START + timedelta(days=int(rng.integers((SALES_END - PIPELINE_START).days - 20)))
        latest = min(150, (SALES_END - created).days)
        close = created + timedelta(days=int(rng.integers(14, latest + 1)))
    else:  # open deals: created recently, closing soon; about one in eight already slipped past its date
        created = SALES_END - timedelta(days=int(rng.integers(3, 200)))
        close = max(created + timedelta(days=21), SALES_END + timedelta(days=int(rng.integers(-25, 150))))
    return {"opp_id": f"OPP-{n:04d}", "customer_id": customer.customer_id, "owner_user_id": owner,
            "sku": sku, "stage": stage, "amount": amount, "expected_close": close, "created_at": created}


def generate_opportunities(seed: int) -> pd.DataFrame:
    """`opportunities` rows: the story deals plus seeded random deals, N_OPPORTUNITIES in total."""
    rng = np.random.default_rng([seed, 2])
    rows: list[dict[str, object]] = [
        {"opp_id": o, "customer_id": c, "owner_user_id": u, "sku": s, "stage": st, "amount": a,
         "expected_close": close, "created_at": created}
        for o, c, u, s, st, a, close, created in STORY_DEALS
    ]
    # Every customer gets at least one deal, then the rest are spread over customers by tier.
    order: list[Customer] = list(CUSTOMERS)
    weight = np.array([{"KA": 3.0, "A": 2.0, "B": 1.0}[c.tier] for c in CUSTOMERS])
    extra = N_OPPORTUNITIES - len(STORY_DEALS) - len(order)
    order += [CUSTOMERS[i] for i in rng.choice(len(CUSTOMERS), size=extra, p=weight / weight.sum())]
    for n, customer in enumerate(order, start=len(STORY_DEALS) + 1):
        rows.append(_random_deal(rng, n, customer))
    return pd.DataFrame(rows)


def customers_frame() -> pd.DataFrame:
    """`dim_customer` rows."""
    return pd.DataFrame([{"customer_id": c.customer_id, "name_zh": c.name_zh, "name_en": c.name_en,
                          "industry": c.industry, "region_code": c.region_code, "tier": c.tier}
                         for c in CUSTOMERS])
