"""The web console at `/`: sign-in, chat (streamed progress), tickets and collaboration health, served by the app.

Server-rendered pages (Jinja2) and one small script; no CDN, no front-end build. Every console request is signed
in by a session cookie and runs as that user: the browser never names the user it acts for.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from agent.reply import Reply
from copilot.context import User
from copilot.errors import CopilotError, NotFound, PermissionDenied, UnknownUser, user_message
from copilot.normalize import detect_language
from copilot.speech.audio import SUPPORTED
from integrations.console.auth import ConsoleKeys, SignInRequired, UsedLinks
from integrations.console.texts import UiLang, pick_lang, texts
from integrations.console.views import health_cells, reply_view, served_file, ticket_row
from integrations.deps import ServiceDep
from tools.analytics.chart import cjk_font_path
from tools.dims import members

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SESSION_COOKIE = "copilot_session"
LANG_COOKIE = "copilot_lang"
templates = Jinja2Templates(directory=HERE / "templates")
# Pages load nothing from elsewhere: no remote script, style, font or image (a reply cannot exfiltrate data through a
# link it makes the browser load), and no framing by other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/console/api", tags=["console"])


def ui_lang(request: Request) -> UiLang:
    return pick_lang(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def login_mode(request: Request) -> str:
    mode: str = request.app.state.console_login
    return mode


def keys_of(request: Request) -> ConsoleKeys:
    keys: ConsoleKeys = request.app.state.console_keys
    return keys


def session_user(request: Request, service: ServiceDep) -> User:
    """The signed-in user (SignInRequired when the cookie is missing, expired, forged, or the user left)."""
    request.state.lang = ui_lang(request)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired()
    claims = keys_of(request).read("session", token)
    try:
        return service.directory.get(str(claims["u"]))
    except UnknownUser as exc:
        raise SignInRequired(en=exc.en, zh=exc.zh, detail="user no longer in the directory") from None


SessionUser = Annotated[User, Depends(session_user)]


def _page(request: Request, name: str, user: User | None, **context: Any) -> HTMLResponse:
    lang = ui_lang(request)
    mode = login_mode(request)
    response = templates.TemplateResponse(request, name, {"t": texts(lang), "lang": lang, "user": user,
                                                          "login_mode": mode, **context})
    response.headers.update(SECURITY_HEADERS)
    return response


def _to_login(request: Request, exc: SignInRequired) -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    response.set_cookie("copilot_notice", exc.message(ui_lang(request)), max_age=60, httponly=True,
                        samesite="strict")
    return response


# --- sign-in --------------------------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, service: ServiceDep, token: Annotated[str | None, Query(max_length=2000)] = None,
               ) -> Response:
    """Opening a sign-in link shows the form with it filled in (pressing Sign in uses it up); otherwise the form
    (user picker in demo mode, token field otherwise)."""
    if token:
        return _sign_in_with_token(request, service, token, spend=False)
    notice = request.cookies.get("copilot_notice")
    response = _login_form(request, service, error=notice)
    response.delete_cookie("copilot_notice")
    return response


@router.post("/login", response_class=HTMLResponse)
def login_submit(request: Request, service: ServiceDep,
                 user_id: Annotated[str | None, Form(max_length=128)] = None,
                 token: Annotated[str | None, Form(max_length=2000)] = None) -> Response:
    if login_mode(request) == "picker" and user_id:
        try:
            user = service.directory.get(user_id)
        except UnknownUser as exc:
            return _login_form(request, service, error=exc.message(ui_lang(request)), status=403)
        return _signed_in(request, service, user.user_id, service.settings.console_session_hours)
    if token:
        return _sign_in_with_token(request, service, token.strip().rsplit("token=", 1)[-1])
    return _login_form(request, service, error=texts(ui_lang(request))["token_label"] + " ?", status=400)


def _sign_in_with_token(request: Request, service: ServiceDep, token: str, *, spend: bool = True) -> Response:
    """A sign-in link works once. Opening it (GET) only shows the form with the link filled in, so a chat app's
    link preview cannot use it up; pressing Sign in (POST) spends it and signs in."""
    keys = keys_of(request)
    try:
        claims = keys.read("login", token)
        user = service.directory.get(str(claims["u"]))
        if spend:
            used_links(request, service).spend(claims)
    except (SignInRequired, UnknownUser) as exc:
        log.info("console sign-in refused: %s", getattr(exc, "detail", None) or type(exc).__name__)
        return _login_form(request, service, error=exc.message(ui_lang(request)), status=401)
    if not spend:
        response = _page(request, "login.html", None, users=[], error=None, token=token,
                         ready=user.display_name(ui_lang(request)))
        return response
    return _signed_in(request, service, user.user_id, service.settings.console_session_hours)


def used_links(request: Request, service: ServiceDep) -> UsedLinks:
    """Spent sign-in links, in the operational database (opened on first use)."""
    found: UsedLinks | None = getattr(request.app.state, "console_used_links", None)
    if found is None:
        if service.settings.tickets_url is None:
            service.settings.data_dir.mkdir(parents=True, exist_ok=True)
        found = request.app.state.console_used_links = UsedLinks(service.settings.tickets_db_url)
    return found


def _signed_in(request: Request, service: ServiceDep, user_id: str, hours: float) -> Response:
    response = RedirectResponse("/", status_code=303)
    cookie = keys_of(request).issue("session", {"u": user_id}, hours)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=int(hours * 3600), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    log.info("console sign-in user=%s", user_id)
    return response


def _login_form(request: Request, service: ServiceDep, error: str | None = None, status: int = 200) -> HTMLResponse:
    picker = login_mode(request) == "picker"
    users = service.directory.list_users() if picker else []
    response = _page(request, "login.html", None, users=users, error=error)
    response.status_code = status
    return response


@router.post("/logout")
def logout() -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{lang}")
def set_lang(lang: UiLang, request: Request) -> RedirectResponse:
    back = request.headers.get("referer") or "/"
    response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/", status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


# --- pages ----------------------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request, service: ServiceDep) -> Response:
    try:
        user = session_user(request, service)
    except SignInRequired as exc:
        return _to_login(request, exc) if request.cookies.get(SESSION_COOKIE) else RedirectResponse("/login", 303)
    config = {"t": texts(ui_lang(request)), "maxAudioMb": service.settings.max_audio_mb,
              "audioTypes": list(SUPPORTED), "userId": user.user_id}
    # "<" escaped so no string in the JSON can close the <script> element it sits in.
    return _page(request, "chat.html", user, config=json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"))


@router.get("/tickets", response_class=HTMLResponse)
def tickets_page(request: Request, service: ServiceDep, user: SessionUser) -> Response:
    lang = ui_lang(request)
    desk = service.tickets()
    now = datetime.now(UTC)

    def name(user_id: str) -> str:
        other = desk.user(user_id)
        return other.display_name(lang) if other else user_id

    tickets = desk.store.list_for(user.user_id, limit=200)
    mine = [ticket_row(t, name(t.owner_id), desk.dept_name(t.department, lang), now, desk.tz, lang)
            for t in tickets if t.requester_id == user.user_id]
    assigned = [ticket_row(t, name(t.requester_id), desk.dept_name(t.department, lang), now, desk.tz, lang)
                for t in tickets if t.owner_id == user.user_id]
    return _page(request, "tickets.html", user, mine=mine, assigned=assigned)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, service: ServiceDep, user: SessionUser,
                   days: Annotated[int, Query(ge=1, le=730)] = 90) -> Response:
    lang = ui_lang(request)
    desk = service.tickets()
    try:
        _, rows = desk.health(user, days)
    except PermissionDenied:
        return _page(request, "dashboard.html", user, rows=None, days=days)
    names = {"*": texts(lang)["all_regions"]}
    try:
        with service.deps.warehouse() as conn:
            names.update({m.code: m.name(lang) for m in members(conn, "region")})
    except CopilotError:  # no warehouse: region codes are shown as they are
        log.warning("region names unavailable for the dashboard")
    table = [(desk.dept_name(r.department, lang), health_cells(r, names.get(r.region, r.region))) for r in rows]
    return _page(request, "dashboard.html", user, rows=table, days=days)


@router.get("/console/files/{token}")
def console_file(token: str, request: Request, user: SessionUser, service: ServiceDep) -> FileResponse:
    """A chart or report shown in the console: only for the user it was made for, only until the link expires."""
    claims = keys_of(request).read("file", token)
    if claims.get("u") != user.user_id:
        raise PermissionDenied(en="This file belongs to another user.", zh="该文件属于其他用户。")
    path = served_file(service.settings.data_dir, str(claims.get("p", "")))
    if path is None:
        raise NotFound(en="That file is no longer available. Ask the question again.",
                       zh="该文件已不存在，请重新提问。")
    return FileResponse(path, filename=path.name, headers={"Cache-Control": "private, max-age=3600"},
                        content_disposition_type="inline" if path.suffix == ".png" else "attachment")


@router.get("/console/fonts/cjk.otf")
def cjk_font() -> FileResponse:
    """The Chinese font for browsers without one (the page asks for it only when no local CJK face exists)."""
    try:
        path = cjk_font_path()
    except FileNotFoundError:
        raise NotFound(en="No Chinese font is installed on the server.", zh="服务器未安装中文字体。") from None
    return FileResponse(path, media_type="font/otf", headers={"Cache-Control": "public, max-age=2592000"})


# --- console API ----------------------------------------------------------------------------------------------
class ConsoleChat(BaseModel):
    text: str = Field(..., max_length=1_000_000)
    conversation_id: str | None = Field(None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    message_id: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$")


def _sse(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@api.post("/chat")
async def console_chat(body: ConsoleChat, request: Request, user: SessionUser, service: ServiceDep,
                       ) -> StreamingResponse:
    """One turn as a stream of server-sent events: `tool_start`, `tool_end`, then `reply` (or `error`)."""
    request.state.lang = detect_language(body.text[:2000])
    text = service.validate_text(body.text)  # bad input is a 400 before any stream starts
    service.admit(user.user_id, text, "console")  # so is a flood (429)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    keys, settings = keys_of(request), service.settings

    def emit(kind: str, data: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (kind, data))

    def work() -> None:
        try:
            reply = service.ask(user.user_id, text, body.conversation_id, message_id=body.message_id, on_event=emit,
                                channel="console")
            emit("reply", reply_view(reply, keys, settings.data_dir, user.user_id, settings.console_link_hours))
        except Exception as exc:
            if not isinstance(exc, CopilotError):
                log.exception("console turn failed user=%s", user.user_id)
            lang = detect_language(text)
            emit("error", {"error": user_message(exc, lang), "code": type(exc).__name__})
        finally:
            emit("end", {})

    # The same worker threads as the sync endpoints (/v1/chat): a slow turn never blocks the event loop.
    task = asyncio.create_task(anyio.to_thread.run_sync(work))

    async def events() -> AsyncIterator[str]:
        yield _sse("start", {})
        while True:
            kind, data = await queue.get()
            if kind == "end":
                break
            yield _sse(kind, data)
        await task

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@api.post("/voice")
def console_voice(request: Request, user: SessionUser, service: ServiceDep,
                  file: Annotated[UploadFile, File()],
                  conversation_id: Annotated[str | None, Form(max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")] = None,
                  ) -> dict[str, Any]:
    """A recorded or uploaded voice note, answered like /v1/voice for the signed-in user."""
    settings = service.settings
    service.admit(user.user_id, "(voice)", "console")
    data = file.file.read(int(settings.max_audio_mb * 1_000_000) + 1)
    reply: Reply = service.ask_voice(user.user_id, data, file.filename or "", file.content_type, conversation_id,
                                     channel="console")
    request.state.lang = reply.language
    return reply_view(reply, keys_of(request), settings.data_dir, user.user_id, settings.console_link_hours)


def sign_in_error(request: Request, exc: SignInRequired) -> Response:
    """API calls get 401 JSON the page shows inline; page loads go to the sign-in form with the reason."""
    if request.url.path.startswith("/console/"):
        return JSONResponse(status_code=401, content={"error": exc.message(ui_lang(request)), "code": "SignIn"})
    return _to_login(request, exc)
