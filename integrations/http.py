"""The HTTP service: `/v1/chat`, `/v1/voice`, tickets, `/healthz`, OpenAPI at `/docs`, the web console at `/`."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from agent.reply import Reply
from agent.service import CopilotService
from copilot import __version__
from copilot.apitokens import Unauthorized
from copilot.errors import CopilotError, Lang, RateLimited, user_message
from copilot.normalize import detect_language
from copilot.settings import Settings
from integrations.auth import acting_user
from integrations.chat.routes import router as chat_router
from integrations.chat.setup import build_chat_apps
from integrations.console import routes as console
from integrations.console.auth import ConsoleKeys, SignInRequired, console_secret
from integrations.deps import CallerDep, ServiceDep
from integrations.tickets_api import router as tickets_router
from tools.routing.scheduler import SlaScheduler

log = logging.getLogger(__name__)


class ChatRequest(BaseModel):
    user_id: str | None = Field(None, min_length=1, max_length=128, examples=["demo.rep"],
                                description="who asks; may be left out with a token (its user), an admin's token may "
                                            "name anyone")
    # The hard cap here only protects the parser; the product limit (COPILOT_MAX_INPUT_CHARS) gives a
    # friendlier, language-aware message.
    text: str = Field(..., max_length=1_000_000, examples=["2026年10月华东区的销售额是多少?"])
    conversation_id: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    message_id: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$",
                                   description="id of this message; a retry with the same id never repeats a side "
                                               "effect (e.g. creates no second ticket)")


class ErrorBody(BaseModel):
    error: str
    code: str


class Health(BaseModel):
    status: str
    version: str
    provider: str
    demo_ready: bool
    llm: str = Field(description="the LLM circuit: closed (healthy), open (failing: answers are degraded), half-open")


def _lang(request: Request) -> Lang:
    return "zh" if getattr(request.state, "lang", "en") == "zh" else "en"


def _warm(service: CopilotService) -> None:
    try:
        service.start()
    except Exception:  # the first request will report the problem to its user
        log.exception("warm-up failed")


def create_app(settings: Settings, service: CopilotService | None = None) -> FastAPI:
    service = service or CopilotService(settings)
    chat_apps = build_chat_apps(settings, service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Start the chart workers and load the model in the background: /healthz answers at once, the first chat
        # waits for the model.
        threading.Thread(target=_warm, args=(service,), name="warm-up", daemon=True).start()
        # SLA reminders and escalations; due jobs missed while the service was down run on the first tick.
        scheduler = SlaScheduler(service.tickets(), settings.sla_tick_s)
        scheduler.start()
        # Chat-app messages received before a crash (and their unsent replies) are picked up again here.
        if chat_apps is not None:
            chat_apps.relay.start()
        try:
            yield
        finally:
            if chat_apps is not None:
                chat_apps.relay.stop()
            scheduler.stop()
            service.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Sales Copilot",
        version=__version__,
        description="Self-hosted AI copilot for sales teams (Chinese/English). Every answer is a Reply object.",
    )
    app.state.service = service
    app.state.chat = chat_apps
    app.include_router(tickets_router)
    app.include_router(chat_router)
    if settings.console_login != "off":
        app.state.console_keys = ConsoleKeys(console_secret(settings))
        app.state.console_login = settings.console_login
        app.include_router(console.router)
        app.include_router(console.api)
        app.mount("/console/static", StaticFiles(directory=console.HERE / "static"), name="console-static")

        @app.exception_handler(SignInRequired)
        async def _sign_in(request: Request, exc: SignInRequired) -> Response:
            return console.sign_in_error(request, exc)

    @app.exception_handler(CopilotError)
    async def _copilot_error(request: Request, exc: CopilotError) -> JSONResponse:
        lang = _lang(request)
        headers = {"Retry-After": str(int(exc.retry_after_s))} if isinstance(exc, RateLimited) else \
            {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse(status_code=exc.status_code, headers=headers,
                            content={"error": exc.message(lang), "code": type(exc).__name__})

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "body" for e in exc.errors())
        return JSONResponse(status_code=422,
                            content={"error": f"Invalid request: check {fields}.", "code": "InvalidRequest"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        lang = _lang(request)
        return JSONResponse(status_code=500, content={"error": user_message(exc, lang), "code": "InternalError"})

    @app.post("/v1/chat", response_model=Reply, responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody},
                                                            403: {"model": ErrorBody},
                                                            422: {"model": ErrorBody}, 429: {"model": ErrorBody},
                                                            503: {"model": ErrorBody}})
    def chat(body: ChatRequest, request: Request, service: ServiceDep, creds: CallerDep) -> Reply:
        """One chat turn for a directory user; pass `conversation_id` back to continue a conversation."""
        request.state.lang = detect_language(body.text[:2000])
        user_id = acting_user(service, creds, body.user_id)
        service.admit(user_id, body.text, "http")
        return service.ask(user_id, body.text, body.conversation_id, message_id=body.message_id, channel="http")

    @app.post("/v1/voice", response_model=Reply, responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody},
                                                             403: {"model": ErrorBody},
                                                             429: {"model": ErrorBody}, 503: {"model": ErrorBody}})
    def voice(request: Request, service: ServiceDep, creds: CallerDep,
              file: Annotated[UploadFile, File(description="wav, mp3, m4a, ogg/opus, webm, flac or amr")],
              user_id: Annotated[str | None, Form(min_length=1, max_length=128)] = None,
              conversation_id: Annotated[str | None, Form(max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")] = None,
              message_id: Annotated[str | None, Form(max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$")] = None,
              ) -> Reply:
        """A voice request: transcribed (Reply.transcript), then answered like /v1/chat."""
        accept = request.headers.get("accept-language", "")
        request.state.lang = "zh" if accept.lower().startswith("zh") else "en"
        user_id = acting_user(service, creds, user_id)
        service.admit(user_id, "(voice)", "http")  # before the upload is read or transcribed
        limit = int(service.settings.max_audio_mb * 1_000_000)
        data = file.file.read(limit + 1)  # never more than the limit in memory
        reply = service.ask_voice(user_id, data, file.filename or "", file.content_type, conversation_id,
                                  message_id, channel="http")
        request.state.lang = reply.language
        return reply

    @app.get("/healthz", response_model=Health)
    def healthz(service: ServiceDep) -> Health:
        """Liveness: answers without touching the LLM (its circuit state is reported, not probed)."""
        return Health(status="ok", version=__version__, provider=service.settings.provider,
                      demo_ready=service.settings.warehouse_path.exists() and service.settings.ops_path.exists(),
                      llm=service.llm_state())

    return app
