"""Prompt files, rendered by one function so no long prompt strings live inside code."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template


@cache
def _load(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")


def render(name: str, **values: object) -> str:
    """Render prompts/<name>.md; `$name` placeholders must all be given (a missing one is a bug)."""
    return Template(_load(name)).substitute({k: str(v) for k, v in values.items()}).strip()
