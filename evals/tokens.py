"""Tokens an eval turn spent: every LLM call inside the block (decisions, forced re-decisions, translations)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import get_usage_metadata_callback


@dataclass
class Spent:
    input: int = 0
    output: int = 0


@contextmanager
def counting() -> Iterator[Spent]:
    """Sums the usage the model reports (OpenAI `usage`; the embedded server reports it too) over the block."""
    spent = Spent()
    with get_usage_metadata_callback() as usage:
        try:
            yield spent
        finally:
            for u in usage.usage_metadata.values():
                spent.input += int(u.get("input_tokens", 0))
                spent.output += int(u.get("output_tokens", 0))


def token_means(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Mean tokens per turn (input = prompt incl. history and tool results, output = the model's decisions)."""
    if not rows:
        return {}
    return {"tokens in / turn": sum(r.get("tokens_in", 0) for r in rows) / len(rows),
            "tokens out / turn": sum(r.get("tokens_out", 0) for r in rows) / len(rows)}
