"""`copilot console ...`: sign-in links for the web console served by `copilot serve`."""

from __future__ import annotations

from typing import Annotated

import typer

from copilot.errors import CopilotError

console_app = typer.Typer(help="The web console at / (chat, tickets, collaboration health).", no_args_is_help=True)


@console_app.command("token")
def token(
    user: Annotated[str, typer.Argument(help="directory, Slack or DingTalk user id")],
    hours: Annotated[float, typer.Option(min=0.05, max=24 * 30, help="how long the link can be used to sign in")] = 24,
    base_url: Annotated[str | None, typer.Option(help="address users open, e.g. https://copilot.example.com "
                                                      "(default http://COPILOT_HOST:COPILOT_PORT)")] = None,
) -> None:
    """Print a sign-in link for one user (COPILOT_CONSOLE_LOGIN=token); anyone holding it signs in as that user."""
    from copilot.cli import _fail, _settings, out
    from copilot.directory import Directory
    from integrations.console.auth import sign_in_link

    settings = _settings()
    try:
        known = Directory(settings.ops_path).get(user)
    except CopilotError as exc:
        _fail(exc)
        return
    link = sign_in_link(settings, known.user_id, hours, base_url)
    out.print(f"Sign-in link for {known.user_id} ({known.name_en}, {known.role}), valid {hours:g} h:")
    out.print(link, soft_wrap=True)
