"""The benches call the HTTP API as a trusted back end would: one admin API token acting for each user it names."""

from __future__ import annotations

from pathlib import Path

from copilot.apitokens import ApiTokens
from copilot.directory import Directory
from copilot.settings import load_settings


def admin_headers(data_dir: Path, tickets_url: str | None = None) -> dict[str, str]:
    """An Authorization header with a fresh one-day admin token, issued into the bench service's own database."""
    settings = load_settings(data_dir=data_dir, tickets_url=tickets_url)
    admin = next(u for u in Directory(settings.ops_path).list_users() if u.role == "admin")
    _, token = ApiTokens(settings.tickets_db_url).issue(admin.user_id, "bench", days=1)
    return {"authorization": f"Bearer {token}"}
