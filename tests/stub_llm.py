"""A stand-in OpenAI-compatible LLM for process-level tests and benchmarks: answers every chat completion with a
plain reply after a configurable delay (or fails them all with HTTP 500), and counts the calls it got.

Run it in its own process (`python -m tests.stub_llm PORT [DELAY_S]`) so its waiting never shares an
interpreter with the code under test; `POST /config {"delay": s, "fail": 0|1}` changes the delay or starts an
outage, `GET /calls` tells how many completions were asked for (an agent run is at least one).
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from fastapi import FastAPI, HTTPException, Request

STATE: dict[str, float] = {"delay": 0.0, "calls": 0, "fail": 0}


def stub_app() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> dict[str, Any]:
        body = await request.json()
        STATE["calls"] += 1
        await asyncio.sleep(STATE["delay"])
        if STATE["fail"]:
            raise HTTPException(status_code=500, detail="stub outage")
        last = next((m.get("content") for m in reversed(body["messages"]) if m["role"] == "user"), "") or ""
        text = f"stub answer to: {str(last)[-60:]}"
        return {"id": "stub", "object": "chat.completion", "created": int(time.time()), "model": "stub",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}

    @app.post("/config")
    async def config(request: Request) -> dict[str, float]:
        for key, value in (await request.json()).items():  # delay (seconds), fail (1 = answer every call with 500)
            STATE[key] = float(value)
        return STATE

    @app.get("/calls")
    def calls() -> dict[str, float]:
        return STATE

    return app


def serve(port: int, delay: float = 0.0) -> None:
    import uvicorn

    STATE["delay"] = delay
    uvicorn.run(stub_app(), host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    serve(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
