"""What the LLM suites share about a turn: the tokens it spent, and the cost figures of a set of turns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.callbacks import get_usage_metadata_callback


@dataclass
class Spent:
    input: int = 0
    output: int = 0


@contextmanager
def counting() -> Iterator[Spent]:
    """Sums the usage the model reports (OpenAI `usage`; the embedded server reports it too) over the block:
    every LLM call of a turn (decisions, forced re-decisions, translations)."""
    spent = Spent()
    with get_usage_metadata_callback() as usage:
        try:
            yield spent
        finally:
            for u in usage.usage_metadata.values():
                spent.input += int(u.get("input_tokens", 0))
                spent.output += int(u.get("output_tokens", 0))


def mean(values: Iterable[bool]) -> float:
    items = list(values)
    return float(np.mean(items)) if items else 0.0


def turn_costs(rows: list[dict[str, Any]], latency: str = "latency") -> dict[str, float]:
    """Latency p50/p95 (seconds) and mean tokens per turn (input = prompt incl. history and tool results, output =
    the model's decisions) of rows with `seconds`, `tokens_in` and `tokens_out`."""
    if not rows:
        return {}
    seconds = [r["seconds"] for r in rows]
    return {f"{latency} p50 s": float(np.percentile(seconds, 50)),
            f"{latency} p95 s": float(np.percentile(seconds, 95)),
            "tokens in / turn": sum(r.get("tokens_in", 0) for r in rows) / len(rows),
            "tokens out / turn": sum(r.get("tokens_out", 0) for r in rows) / len(rows)}
