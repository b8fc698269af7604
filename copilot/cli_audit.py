"""`copilot audit`: who asked what, which tools ran with which arguments, in what scope, how it ended."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer


def audit(
    user: Annotated[str | None, typer.Option("--user", "-u", help="only this directory user")] = None,
    tool: Annotated[str | None, typer.Option(help="only turns that ran this tool, e.g. route_request")] = None,
    outcome: Annotated[str | None, typer.Option(help="ok, degraded, or error (any error) / error:RateLimited")] = None,
    days: Annotated[float, typer.Option(help="how far back (days)")] = 7.0,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="most rows, newest first")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
    purge: Annotated[bool, typer.Option("--purge", help="delete rows older than COPILOT_AUDIT_RETENTION_DAYS")] = False,
) -> None:
    """The audit log (append-only; personal data masked): one row per turn from every channel."""
    from copilot.audit import AuditLog
    from copilot.cli import _settings, out

    settings = _settings()
    if settings.tickets_url is None and not (settings.data_dir / "tickets.sqlite").exists():
        out.print("No audit log yet (no turn has been served).")
        return
    log = AuditLog(settings.tickets_db_url)
    if purge:
        out.print(f"Deleted {log.purge(settings.audit_retention_days)} rows older than "
                  f"{settings.audit_retention_days:g} days.")
        return
    since = datetime.now(UTC) - timedelta(days=days)
    rows = log.query(user_id=user, tool=tool, since=since, outcome=outcome, limit=limit)
    for e in rows:
        if as_json:
            out.print(json.dumps({**e.__dict__, "at": e.at.isoformat()}, ensure_ascii=False, default=str),
                      markup=False, highlight=False, soft_wrap=True)
            continue
        tools = ", ".join(f"{t.get('name')}{'' if t.get('ok') else '✗'}" for t in e.tools) or "-"
        out.print(f"{e.at:%Y-%m-%d %H:%M:%S} {e.user_id:<16} {e.role:<8} {','.join(e.scope) or '-':<14} "
                  f"{e.channel:<9} {e.outcome:<20} {e.latency_ms:>6} ms  {tools}  {e.request[:60]!r}",
                  markup=False, highlight=False)
    if not rows:
        out.print("No matching turns.")
