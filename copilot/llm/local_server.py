"""The embedded model served in-process by xllamacpp through an OpenAI-compatible HTTP endpoint.

Loaded lazily, once per process, so importing the copilot never loads a model; the agent talks to it with
the same `openai` client code it uses for hosted providers.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copilot.errors import ConfigError, LLMUnavailable
from copilot.llm.bundled import ensure_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LocalEndpoint:
    base_url: str  # ends with /v1
    model_path: Path
    load_seconds: float


_lock = threading.Lock()
_servers: dict[tuple[str, int, int], tuple[Any, LocalEndpoint]] = {}


def start_local_server(model_path: Path | None, cache_dir: Path, threads: int, ctx: int) -> LocalEndpoint:
    """Start (or reuse) the in-process llama.cpp server for this model and return its endpoint."""
    try:
        import xllamacpp
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            en="The embedded LLM runtime is not installed: pip install -e '.[local]'",
            zh="未安装内置 LLM 运行时：请运行 pip install -e '.[local]'",
        ) from exc
    path = model_path or ensure_model(cache_dir)
    key = (str(path), threads, ctx)
    with _lock:
        if key in _servers:
            return _servers[key][1]
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = ctx
        params.n_parallel = 1  # one worker: the 2 cores are shared with Whisper and embeddings
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.cache_prompt = True
        params.verbosity = -1
        params.port = 0
        started = time.perf_counter()
        try:
            server = xllamacpp.Server(params)
        except Exception as exc:
            raise LLMUnavailable(detail=f"embedded server failed to start: {exc!r}") from exc
        endpoint = LocalEndpoint(
            base_url=server.listening_address.rstrip("/") + "/v1",
            model_path=path,
            load_seconds=time.perf_counter() - started,
        )
        _servers[key] = (server, endpoint)
        log.info("embedded LLM ready at %s in %.1fs", endpoint.base_url, endpoint.load_seconds)
        return endpoint


def compact_grammar(schema: dict[str, Any]) -> str:
    """llguidance grammar for a JSON schema with no optional whitespace: fewer tokens to generate on CPU."""
    import json

    import xllamacpp

    compact = dict(schema)
    compact["x-guidance"] = {"whitespace_flexible": False, "item_separator": ",", "key_separator": ":"}
    return str(xllamacpp.json_schema_to_grammar(json.dumps(compact, ensure_ascii=False)))
