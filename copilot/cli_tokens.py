"""`copilot token`: personal API tokens for the HTTP API (issue, list, revoke). Only hashes are stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from copilot.apitokens import ApiTokens
    from copilot.settings import Settings

token_app = typer.Typer(help="Personal API tokens for /v1/* (Authorization: Bearer …).", no_args_is_help=True)


def _tokens() -> tuple[Settings, ApiTokens]:
    from copilot.apitokens import ApiTokens
    from copilot.cli import _settings

    settings = _settings()
    if settings.tickets_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings, ApiTokens(settings.tickets_db_url)


@token_app.command("issue")
def issue(
    user: Annotated[str, typer.Argument(help="directory user id (the token acts as this user)")],
    name: Annotated[str, typer.Option(help="what the token is for, e.g. crm-plugin")] = "api",
    days: Annotated[float, typer.Option(min=0, help="days until it expires (0 = never)")] = 90.0,
) -> None:
    """Issue a token and print it once (it cannot be shown again; only its hash is kept)."""
    from copilot.cli import _fail, out
    from copilot.directory import Directory
    from copilot.errors import CopilotError

    settings, tokens = _tokens()
    try:
        person = Directory(settings.ops_path).get(user)
    except CopilotError as exc:
        _fail(exc)
        return
    info, token = tokens.issue(person.user_id, name, days or None)
    until = f"expires {info.expires_at:%Y-%m-%d}" if info.expires_at else "never expires"
    out.print(f"Token {info.id} for {person.user_id} ({person.role}; {until}). Keep it secret; it is shown once:",
              markup=False)
    out.print(token, markup=False, highlight=False, soft_wrap=True)


@token_app.command("list")
def list_tokens(user: Annotated[str | None, typer.Option("--user", "-u", help="only this user's")] = None) -> None:
    """Tokens with their state (active, expired, revoked) and last use; never the secrets."""
    from copilot.cli import out

    _, tokens = _tokens()
    now = datetime.now(UTC)
    rows = tokens.list(user)
    for t in rows:
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
        until = f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "no expiry"
        out.print(f"{t.id}  {t.user_id:<18} {t.name:<16} {t.state(now):<8} {until:<10}  {used}", markup=False)
    if not rows:
        out.print("No tokens.")


@token_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="the token's id (first column of `copilot token list`)")],
           ) -> None:
    """Revoke a token at once (requests with it get 401 from then on)."""
    from copilot.cli import err, out

    _, tokens = _tokens()
    if tokens.revoke(token_id.removeprefix("cpt_").split("_")[0]):
        out.print(f"Token {token_id} revoked.")
    else:
        err.print(f"[red]No active token {token_id}.[/red]")
        raise typer.Exit(1)
