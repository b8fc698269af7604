"""End-to-end answers: whole turns through the agent for the tools that produce figures (analytics, forecasts, ROI,
tickets), and every figure in the reply checked against the result the tool returned.

A figure counts as grounded when some number in the tool's result (its data and applied arguments) or in the
user's message equals it within the rounding the reply shows ("¥4,487.1万" = 44,871,000 ± 500; "47.1%" = 0.471 or
47.1). Dates, periods, times, SKU codes and list markers are not figures. Scores: the expected tool answered,
replies with every figure grounded, figures grounded overall; latency and tokens per turn.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from agent.service import CopilotService
from copilot.errors import CopilotError
from evals.turns import counting, mean, turn_costs
from tools.base import Tool

DATA = Path(str(resources.files("evals").joinpath("data")))
SET = DATA / "answers.jsonl"
THRESHOLDS = {"tool answered": 0.95, "replies fully grounded": 0.95}

_UNITS = {"万": 1e4, "亿": 1e8, "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "千": 1e3}
# Not figures: dates and periods, clock times, codes (X200, SH-101, #12 is checked as a ticket id), list markers.
_NOT_FIGURES = re.compile(
    r"\d{4}-\d{1,2}(?:-\d{1,2})?|\d{4}\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]"
    r"|\d{1,2}\s*月|\b[QH][1-4]\b|第?[一二三四1-4]季度|\d{1,2}:\d{2}|\b[A-Z]{1,4}-?\d+\b|^\s*\d+[.)、]\s|\bW\d{1,2}\b"
    r"|\b(?:19|20)\d{2}\b", re.MULTILINE)
_FIGURE = re.compile(r"(?<![A-Za-z0-9_.])([-+−]?\d[\d,]*(?:\.\d+)?)\s*(%|万|亿|千|[kKMB](?![a-zA-Z]))?")


@dataclass
class Figure:
    text: str
    value: float
    tolerance: float
    percent: bool


def figures(reply: str) -> list[Figure]:
    """The numbers a reply states, with the tolerance its rounding implies."""
    out = []
    for m in _FIGURE.finditer(_NOT_FIGURES.sub(" ", reply)):
        raw, unit = m.group(1).replace(",", "").replace("−", "-"), m.group(2) or ""
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        scale = _UNITS.get(unit, 1.0)
        out.append(Figure(m.group(0).strip(), float(raw) * scale, 0.5 * 10 ** -decimals * scale + 1e-9,
                          unit == "%"))
    return out


def evidence(*sources: Any) -> list[float]:
    """Every number in the tool's result and the user's message (nested data, numbers inside strings too)."""
    found: list[float] = []

    def walk(node: Any) -> None:
        if isinstance(node, bool) or node is None:
            return
        if isinstance(node, int | float):
            if np.isfinite(node):
                found.append(float(node))
        elif isinstance(node, str):
            found.extend(f.value for f in figures(node))
            found.extend(float(x) for x in re.findall(r"\d+(?:\.\d+)?", node))
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list | tuple):
            for v in node:
                walk(v)

    for source in sources:
        walk(source)
    return found


def grounded(figure: Figure, values: list[float]) -> bool:
    for v in values:
        for candidate in ((v, v * 100) if figure.percent else (v,)):
            if abs(abs(candidate) - abs(figure.value)) <= figure.tolerance:
                return True
    return False


def capturing(tools: Iterable[Tool]) -> tuple[list[Tool], list[dict[str, Any]]]:  # type: ignore[type-arg]
    """Every tool wrapped so each result it returns is recorded (the Reply carries only the rendered text)."""
    seen: list[dict[str, Any]] = []

    def wrap(tool: Tool) -> Tool:  # type: ignore[type-arg]
        def run(args: Any, ctx: Any, deps: Any) -> Any:
            out = tool.run(args, ctx, deps)
            seen.append({"tool": tool.name, "data": out.data, "applied": out.applied})
            return out
        run.__doc__ = tool.run.__doc__
        return dataclasses.replace(tool, run=run)

    return [wrap(t) for t in tools], seen


@dataclass
class AnswersScore:
    rows: list[dict[str, Any]] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        answered = [r for r in self.rows if r["answered"]]
        total = sum(r["figures"] for r in answered)
        out = {"tool answered": mean(r["answered"] for r in self.rows),
               "replies fully grounded": mean(not r["ungrounded"] for r in answered),
               "figures grounded": (total - sum(len(r["ungrounded"]) for r in answered)) / total if total else 0.0}
        for tool in sorted({r["tool"] for r in self.rows}):
            out[f"fully grounded · {tool}"] = mean(not r["ungrounded"] for r in answered if r["tool"] == tool)
        out.update(turn_costs(self.rows))
        return out

    def misses(self) -> list[str]:
        return [f"{r['id']} {r['text'][:40]!r}: " + (f"ungrounded {r['ungrounded']}" if r["answered"] else
                                                     f"not answered by {r['tool']} ({r['why']})")
                for r in self.rows if not r["answered"] or r["ungrounded"]]


def failures(metrics: dict[str, float]) -> list[str]:
    return [f"{k} {metrics.get(k, 0.0):.3f} < {v}" for k, v in THRESHOLDS.items() if metrics.get(k, 0.0) < v]


def load(path: Path = SET) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(service: CopilotService, items: list[dict[str, Any]], seen: list[dict[str, Any]],
        progress: Callable[[int], None] | None = None) -> AnswersScore:
    """`service` must have been built with the tools from `capturing`, whose results land in `seen`."""
    score = AnswersScore()
    for i, item in enumerate(items):
        seen.clear()
        started = time.perf_counter()
        why, text = "", ""
        with counting() as spent:
            try:
                reply = service.ask(item["user"], item["text"], message_id=f"eval-{item['id']}-{time.time_ns()}")
                if reply.confirmation is not None:  # a side effect waits for the user's yes: give it, as users do
                    yes = "确认" if reply.language == "zh" else "yes"
                    reply = service.ask(item["user"], yes, reply.conversation_id)
                text = reply.reply
                ok = [c for c in reply.tool_calls if c.ok]
                why = "" if any(c.name == item["tool"] for c in ok) else \
                    f"tools {[(c.name, c.error) for c in reply.tool_calls]}"
            except CopilotError as exc:
                why = f"error: {exc.en}"
        results = [s for s in seen if s["tool"] == item["tool"]]
        values = evidence(item["text"], *results)
        stated = figures(text)
        score.rows.append({"id": item["id"], "lang": item["lang"], "tool": item["tool"], "text": item["text"],
                           "answered": not why, "why": why, "figures": len(stated),
                           "ungrounded": [f.text for f in stated if not grounded(f, values)],
                           "seconds": time.perf_counter() - started, "tokens_in": spent.input,
                           "tokens_out": spent.output, "reply": text})
        if progress:
            progress(i + 1)
    return score

