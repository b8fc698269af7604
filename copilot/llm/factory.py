"""The one place that knows which LLM provider is configured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel

from copilot.settings import Settings


def build_chat_model(settings: Settings) -> BaseChatModel:
    """Chat model for the agent: the embedded model, or any OpenAI-compatible endpoint, by settings."""
    import openai

    grammar_fn = None
    prefix_hook: Callable[[list[dict[str, str]]], None] | None = None
    if settings.provider == "local":
        from copilot.llm.local_server import compact_grammar, prime_prefix, start_local_server

        endpoint = start_local_server(
            settings.model_path, settings.cache_dir, settings.local_threads, settings.local_ctx
        )
        base_url, api_key, model = endpoint.base_url, "local", "local"
        grammar_fn = compact_grammar

        def _prime(prefix: list[dict[str, str]]) -> None:
            prime_prefix(endpoint, prefix)

        prefix_hook = _prime

    else:
        base_url = str(settings.base_url)
        api_key = settings.api_key.get_secret_value() if settings.api_key else "none"
        model = str(settings.model)

    if settings.tool_mode == "native":
        from langchain_openai import ChatOpenAI

        kwargs: dict[str, Any] = {
            "base_url": base_url,
            "api_key": api_key,
            "model": model,
            "temperature": settings.temperature,
            "timeout": settings.llm_timeout_s,
            "max_retries": settings.llm_max_retries,
            "max_completion_tokens": settings.max_output_tokens,
        }
        return ChatOpenAI(**kwargs)

    from copilot.llm.schema_tools import JsonSchemaToolChat

    client = openai.OpenAI(
        base_url=base_url, api_key=api_key, timeout=settings.llm_timeout_s, max_retries=settings.llm_max_retries
    )
    return JsonSchemaToolChat(
        client=client,
        model_name=model,
        temperature=settings.temperature,
        max_tokens=settings.max_output_tokens,
        grammar_fn=grammar_fn,
        prefix_hook=prefix_hook,
    )
