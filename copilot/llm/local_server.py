"""The embedded model served in-process by xllamacpp through an OpenAI-compatible HTTP endpoint.

Loaded lazily, once per process, so importing the copilot never loads a model; the agent talks to it with
the same `openai` client code it uses for hosted providers.
"""

from __future__ import annotations

import hashlib
import json
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
    slots_dir: Path

    @property
    def root(self) -> str:
        return self.base_url.removesuffix("/v1")


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
        params.n_cache_reuse = 32  # reuse cached chunks after the history window slides (KV shifting)
        params.verbosity = -1
        params.port = 0
        slots = cache_dir / "slots"
        slots.mkdir(parents=True, exist_ok=True)
        params.slot_save_path = str(slots) + "/"  # llama.cpp joins by concatenation
        params.endpoint_slots = True
        started = time.perf_counter()
        try:
            server = xllamacpp.Server(params)
        except Exception as exc:
            raise LLMUnavailable(detail=f"embedded server failed to start: {exc!r}") from exc
        endpoint = LocalEndpoint(
            base_url=server.listening_address.rstrip("/") + "/v1",
            model_path=path,
            load_seconds=time.perf_counter() - started,
            slots_dir=slots,
        )
        _servers[key] = (server, endpoint)
        log.info("embedded LLM ready at %s in %.1fs", endpoint.base_url, endpoint.load_seconds)
        return endpoint


_primed: set[str] = set()


def prime_prefix(endpoint: LocalEndpoint, prefix: list[dict[str, str]]) -> None:
    """Make the KV cache hold the byte-stable system prompt, restored from disk when saved before.

    On 2 CPU cores processing a ~360-token system prompt takes ~15 s; restoring its saved cache takes
    milliseconds, so a fresh `copilot ask` process pays it once per prompt version, not per run. Only the
    system prompt and a neutral warm-up message are saved, never user text. Failure only costs speed.
    """
    import httpx

    key = hashlib.sha256(json.dumps([str(endpoint.model_path), prefix], ensure_ascii=False).encode()).hexdigest()
    name = f"prefix-{key[:20]}.bin"
    with _lock:
        if name in _primed:
            return
        try:
            if (endpoint.slots_dir / name).exists():
                res = httpx.post(f"{endpoint.root}/slots/0?action=restore", json={"filename": name}, timeout=30)
                if res.status_code == 200:
                    _primed.add(name)
                    return
            warm = {"model": "local", "messages": [*prefix, {"role": "user", "content": "hi"}], "max_tokens": 1}
            httpx.post(f"{endpoint.base_url}/chat/completions", json=warm, timeout=300).raise_for_status()
            httpx.post(f"{endpoint.root}/slots/0?action=save", json={"filename": name}, timeout=30).raise_for_status()
            _primed.add(name)
        except httpx.HTTPError as exc:
            log.warning("prompt cache priming failed (only slower): %s", exc)


def compact_grammar(schema: dict[str, Any]) -> str:
    """llguidance grammar for a JSON schema with no optional whitespace: fewer tokens to generate on CPU."""
    import xllamacpp

    compact = dict(schema)
    compact["x-guidance"] = {"whitespace_flexible": False, "item_separator": ",", "key_separator": ":"}
    return str(xllamacpp.json_schema_to_grammar(json.dumps(compact, ensure_ascii=False)))
