"""The `copilot` console command."""

from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from copilot.errors import ConfigError, CopilotError, user_message
from copilot.logs import configure_logging
from copilot.settings import Settings, is_loopback, load_settings

app = typer.Typer(help="Sales Copilot: a self-hosted AI copilot for sales teams (中文 / English).",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
out = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    try:
        settings = load_settings()
    except ConfigError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(2) from None
    configure_logging(settings.log_level if settings.log_level != "INFO" else "WARNING")
    return settings


def _fail(exc: BaseException, text: str = "") -> None:
    from copilot.normalize import detect_language

    lang = detect_language(text) if text else "en"
    if not isinstance(exc, CopilotError):
        logging.getLogger("copilot").exception("unexpected error")
    err.print(f"[red]{user_message(exc, lang)}[/red]")
    code = 2 if isinstance(exc, CopilotError) and exc.status_code < 500 else 1
    raise typer.Exit(code)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="random seed of the demo company")] = 20261123,
    model: Annotated[bool, typer.Option(help="also assemble and verify the embedded model")] = True,
    forecast: Annotated[bool, typer.Option(help="also precompute the sales forecasts (about 1.5 minutes)")] = True,
) -> None:
    """Build the embedded demo company (warehouse, directory, knowledge base, forecasts) from a fixed seed."""
    from copilot.demo import build_demo

    settings = _settings()
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=out) as bar:
        task = bar.add_task("demo company", total=1.0)
        summary = build_demo(settings.data_dir, seed=seed,
                             progress=lambda label, frac: bar.update(task, completed=frac, description=label))
        bar.update(task, completed=1.0, description="demo company")
    out.print(f"Built in {summary.seconds:.1f}s at {summary.data_dir}: {summary.n_skus} SKUs in "
              f"{summary.n_categories} categories, {summary.n_regions} regions, {summary.n_channels} channels, "
              f"{summary.n_sales_rows:,} daily sales rows ({summary.date_from} .. {summary.date_to}), "
              f"{summary.n_customers} key accounts, {summary.n_opportunities} opportunities, "
              f"{summary.n_users} people.")
    from knowledge.factory import DEMO_CORPUS

    _ingest(settings, [DEMO_CORPUS], force=False, label="demo knowledge base")
    if forecast:
        from copilot.cli_forecast import refresh_forecasts

        refresh_forecasts(settings)
    if model and settings.provider == "local":
        if settings.model_path is None:
            _prepare_model(settings)
        _warm_up(settings)


def _prepare_model(settings: Settings) -> None:
    from copilot.llm.bundled import assembled_model, ensure_model

    if ready := assembled_model(settings.cache_dir):
        out.print(f"Embedded model already assembled and verified: {ready}")
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=out) as bar:
        task = bar.add_task("embedded model (assemble + sha256)", total=None)
        try:
            path = ensure_model(settings.cache_dir,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))
        except CopilotError as exc:
            _fail(exc)
    out.print(f"Embedded model verified: {path}")


def _warm_up(settings: Settings) -> None:
    from agent.service import CopilotService

    with out.status("Loading the embedded model, priming its prompt cache, embedding the intent examples..."):
        try:
            CopilotService(settings).warm_up()
        except CopilotError as exc:
            _fail(exc)
    out.print("Embedded model ready.")


@app.command()
def ask(
    text: Annotated[str, typer.Argument(help="the question, in Chinese or English")],
    user: Annotated[str | None, typer.Option("--user", "-u", help="directory, Slack or DingTalk user id")] = None,
    conversation: Annotated[str | None, typer.Option("--conversation", "-c", help="continue a conversation")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the Reply object as JSON")] = False,
) -> None:
    """One turn: ask a question and print the answer."""
    from agent.service import CopilotService

    settings = _settings()
    service = CopilotService(settings)
    try:
        reply = service.ask(user or settings.default_user, text, conversation)
    except Exception as exc:
        _fail(exc, text)
        return
    if as_json:
        sys.stdout.write(json.dumps(reply.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")
        return
    out.print(reply.reply)
    for call in reply.tool_calls:
        status = "ok" if call.ok else f"error: {call.error}"
        out.print(f"[dim]· {call.name}({json.dumps(call.args, ensure_ascii=False)}) {status}[/dim]")
    for attachment in reply.attachments:
        out.print(f"📎 {attachment.title}: {attachment.path or attachment.url}", markup=False)
    if reply.confirmation is not None:
        word = "确认" if reply.language == "zh" else "yes"
        who = f" --user {user}" if user else ""
        out.print(f"[dim]To go ahead: copilot ask {word}{who} -c {reply.conversation_id}[/dim]")


@app.command()
def chat(
    user: Annotated[str | None, typer.Option("--user", "-u", help="directory, Slack or DingTalk user id")] = None,
) -> None:
    """Interactive terminal chat (one conversation; empty line or Ctrl-D to quit)."""
    from agent.service import CopilotService

    settings = _settings()
    service = CopilotService(settings)
    user_id = user or settings.default_user
    conversation: str | None = None
    out.print(f"Sales Copilot — user {user_id}. Empty line or Ctrl-D to quit.")
    while True:
        try:
            text = out.input("[bold]> [/bold]")
        except (EOFError, KeyboardInterrupt):
            break
        if not text.strip():
            break
        try:
            reply = service.ask(user_id, text, conversation)
        except CopilotError as exc:
            from copilot.normalize import detect_language

            err.print(f"[red]{exc.message(detect_language(text))}[/red]")
            continue
        conversation = reply.conversation_id
        out.print(reply.reply)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default COPILOT_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default COPILOT_PORT)")] = None,
) -> None:
    """Run the HTTP service (FastAPI; OpenAPI docs at /docs; the web console at /)."""
    import uvicorn

    from integrations.http import create_app

    settings = _settings()
    bind = host or settings.host
    if settings.api_auth == "off" and not is_loopback(bind):
        err.print(f"[red]COPILOT_API_AUTH=off trusts any user_id sent to /v1/*; it is for loopback only. Use "
                  f"tokens (copilot token issue USER) to serve on {bind}.[/red]")
        raise typer.Exit(2)
    if settings.console_login == "picker" and not is_loopback(bind):
        err.print(f"[red]The web console's user picker lets anyone act as any user; it is for loopback only. "
                  f"Set COPILOT_CONSOLE_LOGIN=token (sign-in links) or off to serve on {bind}.[/red]")
        raise typer.Exit(2)
    uvicorn.run(create_app(settings), host=bind, port=port or settings.port, log_level=settings.log_level.lower())


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders (md, txt, pdf, docx, html, csv)")],
    remove: Annotated[bool, typer.Option("--remove", help="remove these documents instead")] = False,
    prune: Annotated[bool, typer.Option("--prune", help="also remove documents whose file is gone")] = False,
    force: Annotated[bool, typer.Option("--force", help="re-embed unchanged files too")] = False,
) -> None:
    """Add documents to the knowledge base (changed files replace their chunks; unreadable ones are reported)."""
    settings = _settings()
    if remove:
        from knowledge.factory import build_knowledge
        from knowledge.ingest import remove as remove_docs

        removed = remove_docs(paths, build_knowledge(settings).store)
        out.print(f"Removed {len(removed)} document(s).")
        return
    _ingest(settings, paths, force=force, label="ingest", prune=prune)


def _ingest(settings: Settings, paths: list[Path], *, force: bool, label: str, prune: bool = False) -> None:
    from knowledge.factory import build_knowledge
    from knowledge.ingest import ingest as ingest_files
    from knowledge.ingest import prune_missing

    try:
        kb = build_knowledge(settings)
        with Progress(TextColumn(label), BarColumn(), TextColumn("{task.completed}/{task.total} {task.description}"),
                      TimeElapsedColumn(), console=out) as bar:
            task = bar.add_task("", total=None)
            report = ingest_files(paths, kb.store, kb.embedder, force=force,
                                  progress=functools.partial(_ingest_progress, bar, task))
        removed = prune_missing(kb.store) if prune else []
    except CopilotError as exc:
        _fail(exc)
        return
    rate = report.chunks / report.seconds if report.seconds else 0.0
    out.print(f"{label}: {len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged"
              f"{f', {len(removed)} removed' if removed else ''}; {report.chunks} chunks in {report.seconds:.1f}s "
              f"({rate:.0f} chunks/s); {kb.store.count()} chunks in the store.")
    for path, reason in report.skipped:
        err.print(f"[yellow]skipped {path}: {reason}[/yellow]")


def _ingest_progress(bar: Progress, task: TaskID, done: int, total: int, name: str) -> None:
    bar.update(task, completed=done, total=total, description=name)


@app.command()
def transcribe(
    file: Annotated[Path, typer.Argument(help="audio file: wav, mp3, m4a, ogg/opus, webm, flac or amr")],
    as_json: Annotated[bool, typer.Option("--json", help="print text, language, duration and timing as JSON")] = False,
) -> None:
    """Speech to text with the bundled Whisper (or COPILOT_STT_PROVIDER=openai)."""
    from agent.service import CopilotService

    settings = _settings()
    if not file.is_file():
        err.print(f"[red]No such file: {file}[/red]")
        raise typer.Exit(2)
    service = CopilotService(settings)
    try:
        with out.status("Transcribing (the speech model loads on first use)..."):
            heard = service.transcribe(file.read_bytes(), file.name, None)
    except Exception as exc:
        _fail(exc)
        return
    if as_json:
        sys.stdout.write(json.dumps({"text": heard.text, "language": heard.language,
                                     "audio_seconds": round(heard.audio_seconds, 2),
                                     "seconds": round(heard.seconds, 2), "rtf": round(heard.rtf, 3)},
                                    ensure_ascii=False) + "\n")
        return
    out.print(heard.text, markup=False)
    out.print(f"[dim]{heard.language} · {heard.audio_seconds:.1f}s of audio in {heard.seconds:.1f}s "
              f"(real-time factor {heard.rtf:.2f})[/dim]")


@app.command("eval")
def eval_suite(
    suite: Annotated[str, typer.Argument(help="suite to run: compliance, knowledge, voice, routing, intent, "
                                                         "analytics, answers, forecast, injection, or all")
                     ] = "compliance",
    data: Annotated[Path | None, typer.Option(help="JSONL file of labelled cases, or for voice a folder with "
                                                   "manifest.jsonl, for forecast a history CSV (default: the "
                                                   "shipped sets)")] = None,
    rewrite: Annotated[str, typer.Option(help="compliance: who proposes rewrites, rules or llm")] = "rules",
    translate: Annotated[bool, typer.Option(help="knowledge: translate queries with the LLM")] = True,
    limit: Annotated[int, typer.Option(help="first N cases only (0 = all)")] = 0,
    show: Annotated[int, typer.Option(help="print up to N misses")] = 0,
    report: Annotated[Path | None, typer.Option(help="also write the scores and every case as JSON here (for "
                                                             "`all`: a folder, one file per suite)")] = None,
    journal: Annotated[Path | None, typer.Option(help="injection: append each finished attack to this JSONL file "
                                                      "and skip the ones it already holds, so a stopped run "
                                                      "resumes (Ctrl-C stops after the current attack)")] = None,
    provider: Annotated[str | None, typer.Option(help="LLM to evaluate: local (embedded) or openai (any "
                                                      "OpenAI-compatible endpoint; default COPILOT_PROVIDER)")] = None,
    base_url: Annotated[str | None, typer.Option(help="endpoint for --provider openai, e.g. "
                                                      "https://api.deepseek.com/v1")] = None,
    model: Annotated[str | None, typer.Option(help="model at that endpoint, e.g. deepseek-chat")] = None,
    api_key_env: Annotated[str, typer.Option(help="environment variable holding that endpoint's key (keys are "
                                                  "never taken on the command line)")] = "COPILOT_API_KEY",
) -> None:
    """Run an eval suite (or all of them), print score tables; exit code 1 when a score is under its threshold.

    Compare models by running the same suite with different --provider/--base-url/--model and --report files.
    """
    from copilot import eval_runner

    settings = _settings()
    if provider or base_url or model:
        settings = _provider_settings(settings, provider, base_url, model, api_key_env)
    if suite != "all" and suite not in eval_runner.SUITES:
        err.print(f"[red]Unknown suite {suite!r}; available: {', '.join(eval_runner.SUITES)}, all[/red]")
        raise typer.Exit(2)
    try:
        if suite == "all":
            ok = eval_runner.every_suite(settings, out, err, limit=limit, report_dir=report)
        else:
            ok = eval_runner.run_suite(suite, settings, out, err, data=data, rewrite=rewrite, translate=translate,
                                       limit=limit, show=show, report=report, journal=journal)
    except CopilotError as exc:
        _fail(exc)
        return
    if not ok:
        raise typer.Exit(1)


def _provider_settings(settings: Settings, provider: str | None, base_url: str | None, model: str | None,
                       api_key_env: str) -> Settings:
    """The settings with another LLM, validated like COPILOT_* variables (a bad combination is a clear error)."""
    import os

    overrides: dict[str, object] = {"provider": provider or ("openai" if base_url else settings.provider)}
    if base_url:
        overrides["base_url"] = base_url
    if model:
        overrides["model"] = model
    if os.environ.get(api_key_env):
        overrides["api_key"] = os.environ[api_key_env]
    merged = {**settings.model_dump(exclude={"provider", "base_url", "model"}), **overrides}
    try:
        return load_settings(**merged)
    except ConfigError as exc:
        err.print(f"[red]{exc.en}[/red]")
        raise typer.Exit(2) from None


@app.command("config")
def show_config() -> None:
    """Print the effective settings (secrets hidden) and where data lives."""
    settings = _settings()
    for name, value in settings.model_dump().items():
        shown = "***" if name.endswith("api_key") and value else value
        if name.endswith("_url") and isinstance(value, str):  # database URLs carry passwords
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                shown = make_url(value).render_as_string(hide_password=True)
            except ArgumentError:
                shown = "***"
        out.print(f"COPILOT_{name.upper()}={shown}")


@app.command()
def users() -> None:
    """List the directory users (id, role, regions) to pick a --user."""
    from copilot.directory import Directory

    settings = _settings()
    try:
        people = Directory(settings.ops_path).list_users()
    except CopilotError as exc:
        _fail(exc)
        return
    for u in people:
        out.print(f"{u.user_id:<22} {u.role:<8} {','.join(u.regions):<28} {u.name_zh} / {u.name_en}")


@app.command()
def link(
    user: Annotated[str, typer.Argument(help="directory user id (see `copilot users`)")],
    slack: Annotated[str | None, typer.Option(help="their Slack member id, e.g. U0123ABCD")] = None,
    dingtalk: Annotated[str | None, typer.Option(help="their DingTalk staff id (senderStaffId / userid)")] = None,
) -> None:
    """Link a Slack or DingTalk account to a directory user: their messages then run with that role and scope."""
    from copilot.directory import Directory

    if slack is None and dingtalk is None:
        err.print("[red]Give --slack ID and/or --dingtalk ID.[/red]")
        raise typer.Exit(2)
    directory = Directory(_settings().ops_path)
    try:
        directory.link(user, slack=slack, dingtalk=dingtalk)
        ids = directory.chat_ids(user)
    except CopilotError as exc:
        _fail(exc)
        return
    out.print(f"{user}: Slack {ids[0] or '-'}, DingTalk {ids[1] or '-'}")


def _add_subcommands() -> None:
    from copilot.cli_audit import audit
    from copilot.cli_chat import dingtalk_app, slack_app
    from copilot.cli_console import console_app
    from copilot.cli_forecast import forecast_app
    from copilot.cli_tickets import tickets_app
    from copilot.cli_tokens import token_app
    from copilot.cli_warehouse import warehouse_app

    app.add_typer(tickets_app, name="tickets")
    app.add_typer(warehouse_app, name="warehouse")
    app.add_typer(forecast_app, name="forecast")
    app.add_typer(console_app, name="console")
    app.add_typer(slack_app, name="slack")
    app.command("audit")(audit)
    app.add_typer(dingtalk_app, name="dingtalk")
    app.add_typer(token_app, name="token")


_add_subcommands()


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - console entry point helper
    app(argv)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])

