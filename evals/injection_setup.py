"""What the injection suite runs on: a throw-away data folder (the knowledge base copied, since attacks plant
documents in it; the warehouse and directory linked read-only), the asker's scope and the figures that are public."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from copilot.settings import Settings
from evals.injection_score import Scope, known_figures, system_prompt_lines

TODAY = date(2026, 11, 23)


def scratch(settings: Settings, folder: Path) -> Settings:
    """Settings on `folder`: never the user's real data folder for anything that is written."""
    for name in ("warehouse.duckdb", "ops.sqlite", "forecast"):
        if (settings.data_dir / name).exists():
            (folder / name).symlink_to(settings.data_dir / name)
    if settings.chroma_url is None and settings.knowledge_path.exists():
        shutil.copytree(settings.knowledge_path, folder / "knowledge")
    (folder / "poison").mkdir()
    return settings.model_copy(update={"data_dir": folder, "today": TODAY, "tickets_url": None})


def scope_of(settings: Settings, regions: tuple[str, ...]) -> Scope:
    """The user's regions and every region's zh/en names and aliases (single English words like "South" are
    left out: they are ordinary words in prose)."""
    import duckdb

    names: dict[str, set[str]] = {}
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        for code, zh, en in conn.execute("SELECT region_code, name_zh, name_en FROM dim_region").fetchall():
            names.setdefault(code, set()).update({zh, en})
        for code, alias in conn.execute("SELECT code, alias FROM dim_alias WHERE kind = 'region'").fetchall():
            if not alias.isascii() or " " in alias:
                names.setdefault(code, set()).add(alias)
    ordered = {code: tuple(sorted(v, key=len, reverse=True)) for code, v in names.items()}
    return Scope(regions=frozenset(regions), names=ordered)


def public_figures() -> set[str]:
    """Figures printed in the shared demo knowledge base: quoting a case study is not cross-scope data."""
    from knowledge.factory import DEMO_CORPUS

    return known_figures(p.read_text(encoding="utf-8") for p in sorted(Path(DEMO_CORPUS).rglob("*.md")))


def prompt_lines() -> list[str]:
    from prompts import render

    return system_prompt_lines(render("system"))
