"""The finance core: cash flows, ROI, NPV, IRR, payback (simple and discounted), sensitivity and break-even.

numpy-financial does NPV and IRR; everything else is plain arithmetic on the yearly cash-flow table. Amounts are
in one currency's units (yuan or dollars); formatting belongs to the renderer.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy_financial as npf
from pydantic import BaseModel, Field, model_validator

Currency = Literal["CNY", "USD"]
ABSURD_RATIO = 100  # yearly savings above 100x the investment are almost certainly a unit mistake


class RoiInputs(BaseModel):
    customer: str = Field(..., min_length=1)
    currency: Currency = "CNY"
    investment: float = Field(..., gt=0, description="upfront cost at year 0")
    annual_savings: float = Field(..., gt=0, description="yearly savings or extra profit at full ramp-up")
    years: int = Field(..., ge=1, le=15)
    discount_rate: float = Field(0.08, ge=0, lt=1)
    maintenance: float = Field(0.0, ge=0, description="yearly running cost")
    ramp_up: list[float] = Field(default_factory=list, description="share of savings reached in years 1, 2, …")

    @model_validator(mode="after")
    def _ramp_in_range(self) -> RoiInputs:
        if any(not 0 <= r <= 1 for r in self.ramp_up):
            raise ValueError("ramp-up shares must be between 0 and 1")
        return self

    def ramp(self, year: int) -> float:
        return self.ramp_up[year - 1] if year <= len(self.ramp_up) else 1.0


class YearRow(BaseModel):
    year: int
    savings: float
    costs: float
    net: float
    cumulative: float
    discounted: float
    cumulative_discounted: float


class Scenario(BaseModel):
    name: str
    savings_factor: float
    cost_factor: float
    npv: float
    roi: float
    payback_years: float | None


class RoiResult(BaseModel):
    inputs: RoiInputs
    rows: list[YearRow]
    total_savings: float
    total_costs: float
    roi: float  # (total net benefit - investment) / investment, undiscounted over the horizon
    npv: float
    irr: float | None
    payback_years: float | None
    discounted_payback_years: float | None
    breakeven_annual_savings: float  # yearly savings at full ramp-up for NPV = 0
    sensitivity: list[Scenario]


def cash_flows(inputs: RoiInputs, savings_factor: float = 1.0, cost_factor: float = 1.0) -> list[float]:
    flows = [-inputs.investment * cost_factor]
    for year in range(1, inputs.years + 1):
        flows.append(inputs.annual_savings * savings_factor * inputs.ramp(year) - inputs.maintenance * cost_factor)
    return flows


def payback(flows: list[float]) -> float | None:
    """Years until the cumulative cash flow reaches zero, interpolated within the year; None beyond the horizon."""
    cumulative = flows[0]
    if cumulative >= 0:
        return 0.0
    for year, flow in enumerate(flows[1:], 1):
        if cumulative + flow >= 0:
            return year - 1 + (-cumulative / flow)
        cumulative += flow
    return None


def analyse(inputs: RoiInputs) -> RoiResult:
    flows = cash_flows(inputs)
    rate = inputs.discount_rate
    discounted = [f / (1 + rate) ** t for t, f in enumerate(flows)]
    rows: list[YearRow] = []
    cum = cum_d = 0.0
    for year, (flow, disc) in enumerate(zip(flows, discounted, strict=True)):
        cum += flow
        cum_d += disc
        savings = inputs.annual_savings * inputs.ramp(year) if year else 0.0
        costs = inputs.investment if year == 0 else inputs.maintenance
        rows.append(YearRow(year=year, savings=savings, costs=costs, net=flow, cumulative=cum,
                            discounted=disc, cumulative_discounted=cum_d))
    total_savings = sum(r.savings for r in rows)
    total_costs = sum(r.costs for r in rows)
    return RoiResult(
        inputs=inputs, rows=rows, total_savings=total_savings, total_costs=total_costs,
        roi=roi_of(flows, inputs.investment), npv=float(npf.npv(rate, flows)), irr=_irr(flows),
        payback_years=payback(flows), discounted_payback_years=payback(discounted),
        breakeven_annual_savings=_breakeven(inputs), sensitivity=_sensitivity(inputs),
    )


def roi_of(flows: list[float], investment: float) -> float:
    return sum(flows) / investment


def _irr(flows: list[float]) -> float | None:
    if not (any(f < 0 for f in flows) and any(f > 0 for f in flows)):
        return None
    value = float(npf.irr(flows))
    return None if math.isnan(value) else value


def _breakeven(inputs: RoiInputs) -> float:
    """NPV is linear in the yearly savings: solve -I + sum((s * ramp_t - m) / (1+d)^t) = 0 for s."""
    d = inputs.discount_rate
    weights = sum(inputs.ramp(t) / (1 + d) ** t for t in range(1, inputs.years + 1))
    costs = inputs.investment + sum(inputs.maintenance / (1 + d) ** t for t in range(1, inputs.years + 1))
    return costs / weights if weights else math.inf


def _sensitivity(inputs: RoiInputs) -> list[Scenario]:
    out = []
    for name, s_factor, c_factor in (("base", 1.0, 1.0), ("savings -20%", 0.8, 1.0), ("savings +20%", 1.2, 1.0),
                                     ("cost -20%", 1.0, 0.8), ("cost +20%", 1.0, 1.2)):
        flows = cash_flows(inputs, s_factor, c_factor)
        out.append(Scenario(name=name, savings_factor=s_factor, cost_factor=c_factor,
                            npv=float(npf.npv(inputs.discount_rate, flows)),
                            roi=roi_of(flows, inputs.investment * c_factor), payback_years=payback(flows)))
    return out
