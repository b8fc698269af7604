"""Pick the owner of a request from the department's routing table.

Most specific rule first: the product line (X-series devices go to the device planner), then the region, then
the department's national owners. Within a level, people out of office are skipped and the rest are balanced
by the tickets on their desk, each step of `priority` counting as PRIORITY_WEIGHT open tickets, so a backup
takes work only once the first choice is clearly busier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from copilot.directory import OwnerRule

PRIORITY_WEIGHT = 3


@dataclass(frozen=True)
class Route:
    owner_id: str
    level: str  # "product_line" | "region" | "department"
    skipped_away: tuple[str, ...]
    everyone_away: bool = False


def choose_owner(rules: list[OwnerRule], region: str | None, product_line: str | None,
                 open_counts: Callable[[list[str]], dict[str, int]], away: Callable[[list[str]], set[str]]) -> Route:
    if not rules:
        raise LookupError("no owners")
    levels = (
        ("product_line", [r for r in rules if product_line and r.product_line == product_line
                          and r.region_code in (None, region)]),
        ("region", [r for r in rules if region and r.region_code == region and r.product_line is None]),
        ("department", [r for r in rules if r.region_code is None and r.product_line is None]),
    )
    skipped: list[str] = []
    for level, candidates in levels:
        if not candidates:
            continue
        ids = list(dict.fromkeys(r.user_id for r in candidates))
        absent = away(ids)
        present = [r for r in candidates if r.user_id not in absent]
        skipped += [u for u in ids if u in absent and u not in skipped]
        if present:
            return Route(_least_loaded(present, open_counts), level, tuple(skipped))
    # Everyone is out: the first choice of the most specific level gets it, and the requester is told.
    first = next(c for _, cands in levels for c in cands) if any(c for _, c in levels) else rules[0]
    return Route(first.user_id, "department", tuple(skipped), everyone_away=True)


def _least_loaded(candidates: list[OwnerRule], open_counts: Callable[[list[str]], dict[str, int]]) -> str:
    counts = open_counts([r.user_id for r in candidates])
    best = min(candidates, key=lambda r: (counts.get(r.user_id, 0) + (r.priority - 1) * PRIORITY_WEIGHT,
                                          r.priority, r.user_id))
    return best.user_id
