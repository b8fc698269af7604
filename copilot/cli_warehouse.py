"""`copilot warehouse ...`: move the demo warehouse to an external engine for analytics_query."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

warehouse_app = typer.Typer(help="The analytics warehouse: copy it to PostgreSQL.", no_args_is_help=True)
out = Console(highlight=False)


@warehouse_app.command("copy")
def copy(
    url: Annotated[str, typer.Argument(help="target, e.g. postgresql+psycopg://user:pw@host/sales")],
    table: Annotated[list[str] | None, typer.Option("--table", help="copy only these tables (repeatable)")] = None,
) -> None:
    """Copy the DuckDB warehouse (all tables, replaced) into PostgreSQL; then set COPILOT_WAREHOUSE_URL to it,
    ideally with a read-only role."""
    import psycopg
    from sqlalchemy.engine import make_url

    from copilot.cli import _fail, _settings
    from copilot.errors import NotReady
    from tools.analytics.export import copy_to_postgres

    settings = _settings()
    if not url.startswith("postgresql"):
        raise typer.BadParameter("only postgresql:// URLs are supported", param_hint="URL")
    if not settings.warehouse_path.exists():
        _fail(NotReady(detail=str(settings.warehouse_path)))
        return
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        copied = copy_to_postgres(settings.warehouse_path, url, table or None,
                                  progress=lambda name, rows: out.print(f"  {name:<22} {rows:>10,} rows"))
    except psycopg.Error as exc:
        out.print(f"[red]Could not copy to {shown}: {str(exc).splitlines()[0]}[/red]")
        raise typer.Exit(1) from None
    out.print(f"Copied {len(copied)} tables to {shown}. Set COPILOT_WAREHOUSE_URL to use it.")
