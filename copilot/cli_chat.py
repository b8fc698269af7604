"""`copilot slack socket` and `copilot dingtalk stream`: the chat apps over their outbound connections.

For servers that cannot take inbound webhooks: Slack Socket Mode and DingTalk Stream mode open a WebSocket from
here. Messages go through the same inbox, relay and outbox as the HTTP callbacks of `copilot serve`.
"""

from __future__ import annotations

import typer

from copilot.errors import CopilotError

slack_app = typer.Typer(help="Slack bot over Socket Mode (HTTP Events API: `copilot serve`, POST /slack/events).",
                        no_args_is_help=True)
dingtalk_app = typer.Typer(help="DingTalk robot over Stream mode (HTTP callbacks: `copilot serve`, "
                                "POST /dingtalk/callback).", no_args_is_help=True)


def _relay_running(socket_mode: bool):  # type: ignore[no-untyped-def]
    from agent.service import CopilotService
    from copilot.cli import _fail, _settings
    from integrations.chat.setup import build_chat_apps

    settings = _settings()
    service = CopilotService(settings)
    try:
        apps = build_chat_apps(settings, service, socket_mode=socket_mode)
        service.start()
    except CopilotError as exc:
        _fail(exc)
        raise typer.Exit(1) from exc
    return settings, service, apps


@slack_app.command("socket")
def slack_socket() -> None:
    """Connect to Slack over Socket Mode (needs COPILOT_SLACK_BOT_TOKEN and COPILOT_SLACK_APP_TOKEN)."""
    from copilot.cli import err

    settings, service, apps = _relay_running(socket_mode=True)
    if apps is None or apps.slack is None or settings.slack_app_token is None:
        err.print("[red]Socket Mode needs COPILOT_SLACK_BOT_TOKEN (xoxb-...) and COPILOT_SLACK_APP_TOKEN "
                  "(xapp-..., an app-level token with connections:write).[/red]")
        raise typer.Exit(2)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    apps.relay.start()
    try:
        SocketModeHandler(apps.slack, settings.slack_app_token.get_secret_value()).start()
    finally:
        apps.relay.stop()
        service.close()


@dingtalk_app.command("stream")
def dingtalk_stream() -> None:
    """Connect to DingTalk over Stream mode (needs COPILOT_DINGTALK_APP_KEY and COPILOT_DINGTALK_APP_SECRET)."""
    from copilot.cli import err

    settings, service, apps = _relay_running(socket_mode=False)
    if apps is None or "dingtalk" not in apps.relay.platforms:
        err.print("[red]Stream mode needs COPILOT_DINGTALK_APP_KEY and COPILOT_DINGTALK_APP_SECRET.[/red]")
        raise typer.Exit(2)
    from integrations.dingtalk.stream import run_stream

    apps.relay.start()
    try:
        run_stream(settings, apps.relay.submit)
    finally:
        apps.relay.stop()
        service.close()
