"""The chat relay: answers stored chat-app messages in the background and delivers the replies in order.

Webhooks and socket listeners only `submit` (a durable insert, milliseconds), so Slack's 3-second ack never
waits for the model. Worker threads claim messages from the inbox, run the agent as the mapped directory user,
and store the rendered replies; one sender thread delivers them: a channel's replies strictly in order, paced to
the app's per-channel rate, `Retry-After` honoured, failures retried with capped exponential backoff and jitter.
After a crash, leased-but-unanswered messages are answered again when their lease runs out (a side-effect tool
sees the same message id and does not repeat itself), and stored replies are still sent. route_request's
notifications for people go out through the same outbox, as direct messages.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from agent.reply import Reply
from agent.service import CopilotService
from copilot.errors import CopilotError, Lang, RateLimited, UnknownUser, user_message
from copilot.normalize import detect_language
from copilot.pii import mask_pii
from copilot.settings import Settings
from integrations.chat.model import DeliveryFailed, Incoming, OutMessage, Platform, RetryLater
from integrations.chat.store import ChatStore, Claimed, Outgoing

log = logging.getLogger(__name__)

MAX_TURN_ATTEMPTS = 3  # a message that was being answered when the service died this often is not tried again
BACKOFF_CAP_S = 300.0
NOTES_EVERY_S = 5.0  # how often route_request's notifications are looked for
# A reply being sent is this process's for this long (a send times out well before): after a crash mid-send the
# reply goes out again once it ends (at least once; the app may then show it twice).
SEND_LEASE = timedelta(seconds=120)


def backoff(attempt: int, cap: float = BACKOFF_CAP_S) -> float:
    """Seconds before delivery attempt `attempt + 1`: 2, 4, 8 ... capped, with full jitter over the upper half."""
    base = min(cap, 2.0 ** attempt)
    return base / 2 + random.uniform(0, base / 2)


def notice(text: str, lang: Lang, incoming: Incoming) -> Reply:
    """A short message that is not an agent answer (refusal, error), in the shape every platform renders."""
    return Reply(reply=text, language=lang, conversation_id=incoming.conversation, trace_id=uuid.uuid4().hex)


class ChatRelay:
    def __init__(self, service: CopilotService, store: ChatStore, platforms: dict[str, Platform],
                 settings: Settings) -> None:
        self.service = service
        self.store = store
        self.platforms = platforms
        self.settings = settings
        self._lease = timedelta(seconds=settings.chat_lease_s)
        self._wake_turns = threading.Event()
        self._wake_sender = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._held: dict[int, Claimed] = {}  # messages being answered here, leases renewed by the keeper
        self._held_lock = threading.Lock()
        self._next_send: dict[str, float] = {}  # channel -> monotonic time its next reply may go
        self._busy: set[str] = set()  # channels with a delivery in flight
        self._busy_lock = threading.Lock()
        self._senders = ThreadPoolExecutor(max_workers=4, thread_name_prefix="chat-send")
        self._throttled: dict[str, float] = {}  # chat user -> until when they have been told to slow down

    # --- intake ---------------------------------------------------------------------------------------------
    def submit(self, incoming: Incoming) -> bool:
        """Write a received message to the inbox (before it is acknowledged); False for a duplicate delivery."""
        fresh = self.store.receive(incoming)
        if fresh:
            self._wake_turns.set()
        else:
            log.info("duplicate %s event %s dropped", incoming.platform, incoming.event_id)
        return fresh

    # --- life cycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for i in range(self.settings.chat_workers):
            self._spawn(self._turn_loop, f"chat-turn-{i}")
        self._spawn(self._send_loop, "chat-sender")
        self._spawn(self._keeper_loop, "chat-keeper")
        self._spawn(self._notes_loop, "chat-notes")

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake_turns.set()
        self._wake_sender.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()
        self._senders.shutdown(wait=False, cancel_futures=True)

    def _spawn(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    # --- answering ------------------------------------------------------------------------------------------
    def _turn_loop(self) -> None:
        while not self._stop.is_set():
            try:
                claimed = self.store.claim(self._lease)
            except Exception:
                log.exception("chat inbox unavailable")
                claimed = None
            if claimed is None:
                self._wake_turns.wait(1.0)  # also picks up messages whose lease ran out (crash recovery)
                self._wake_turns.clear()
                continue
            self.process(claimed)

    def process(self, claimed: Claimed) -> bool:
        """Answer one claimed message and queue its replies; False if it was put back for later (its voice note
        could not be fetched yet) or the lease was lost meanwhile (someone else answers it)."""
        with self._held_lock:
            self._held[claimed.id] = claimed
        try:
            incoming = claimed.incoming
            platform = self.platforms.get(incoming.platform)
            if platform is None:
                log.error("no %s integration configured; message %s left in the inbox", incoming.platform,
                          claimed.id)
                return False
            try:
                poisoned = claimed.attempts > MAX_TURN_ATTEMPTS
                reply = self._failed(incoming) if poisoned else self.answer(incoming, platform)
            except RetryLater as exc:  # the app could not hand over the voice note yet: try the message later
                wait = exc.seconds if exc.seconds is not None else backoff(claimed.attempts)
                log.warning("chat message %s deferred %.0fs: %s", claimed.id, wait, exc.reason)
                self.store.release(claimed, datetime.now(UTC) + timedelta(seconds=wait))
                return False
            replies = [] if reply is None else self._render(platform, reply, incoming)
            stored = incoming.model_copy(update={"text": mask_pii(incoming.text)})
            done = self.store.finish(claimed, replies, stored)
            if done:
                self._wake_sender.set()
            else:
                log.warning("lost the lease on chat message %s; its answer was dropped", claimed.id)
            return done
        finally:
            with self._held_lock:
                self._held.pop(claimed.id, None)

    def answer(self, incoming: Incoming, platform: Platform) -> Reply | None:
        """The agent's reply to one message, a notice in the user's language, or None (nothing to say: a flooding
        user already told to slow down).

        Raises only RetryLater (a voice note the app could not hand over yet), so the message is tried again.
        """
        lang: Lang = detect_language(incoming.text) if incoming.text.strip() else "zh"
        message_id = f"{incoming.platform}:{incoming.event_id}"
        try:
            user = self.service.admit(incoming.user_ref, incoming.text or "(voice)", incoming.platform)
            if incoming.audio is not None and not incoming.text.strip():
                data, name, content_type = platform.fetch_audio(incoming)
                return self.service.ask_voice(user.user_id, data, name, content_type, incoming.conversation,
                                              message_id, channel=incoming.platform)
            if not incoming.text.strip():
                return notice("我能读文字和语音消息，请用文字或语音提问。" if lang == "zh" else
                              "I can read text and voice messages; please ask in words or a voice note.",
                              lang, incoming)
            return self.service.ask(user.user_id, incoming.text, incoming.conversation, message_id=message_id,
                                    channel=incoming.platform)
        except RetryLater:
            raise
        except UnknownUser:
            log.info("unknown %s user refused", incoming.platform)
            return notice(self._stranger(incoming, lang), lang, incoming)
        except RateLimited as exc:
            # A flood gets one "slow down" per window, not one per message (that would flood the channel back).
            until = self._throttled.get(incoming.user_ref, 0.0)
            self._throttled[incoming.user_ref] = time.monotonic() + exc.retry_after_s
            log.info("%s user over their allowance (%s)", incoming.platform, exc.detail)
            return None if until > time.monotonic() else notice(exc.message(lang), lang, incoming)
        except CopilotError as exc:
            log.warning("chat turn failed (%s): %s", type(exc).__name__, exc.detail)
            return notice(exc.message(lang), lang, incoming)
        except Exception as exc:  # the user hears something; the relay keeps serving
            log.exception("chat turn crashed on message %s", incoming.event_id)
            return notice(user_message(exc, lang), lang, incoming)

    @staticmethod
    def _stranger(incoming: Incoming, lang: Lang) -> str:
        app = "Slack" if incoming.platform == "slack" else "DingTalk"
        if lang == "zh":
            return (f"抱歉，我还不认识您，暂时不能回答。请联系管理员把您的{app}账号（{incoming.user_ref}）加入"
                    "销售助手的用户目录并设置角色和数据权限。")
        return (f"Sorry, I don't know you yet, so I can't answer. Please ask an admin to add your {app} id "
                f"({incoming.user_ref}) to the copilot's directory with a role and data scope.")

    @staticmethod
    def _failed(incoming: Incoming) -> Reply:
        lang: Lang = detect_language(incoming.text) if incoming.text.strip() else "zh"
        return notice("抱歉，这条消息多次处理失败，我没能回答。请换个说法再试一次。" if lang == "zh" else
                      "Sorry, answering this message failed several times. Please try again in other words.",
                      lang, incoming)

    @staticmethod
    def _render(platform: Platform, reply: Reply, incoming: Incoming) -> list[OutMessage]:
        try:
            return platform.render(reply, incoming)
        except Exception:
            log.exception("rendering a %s reply failed", incoming.platform)
            text = ("抱歉，回复无法显示。" if reply.language == "zh" else "Sorry, I could not display the answer.")
            return platform.render(notice(text, reply.language, incoming), incoming)

    # --- ticket notifications -------------------------------------------------------------------------------
    def _notes_loop(self) -> None:
        while not self._stop.wait(NOTES_EVERY_S):
            try:
                self.deliver_notes()
            except Exception:
                log.exception("ticket notifications could not be queued")

    def deliver_notes(self) -> int:
        """Move route_request's notifications (new request, reminder, escalation, answer ...) into the chat
        outbox as direct messages to their recipients; returns how many were queued.

        A recipient with no linked chat account keeps the notification (`copilot tickets outbox` shows it); it is
        looked at again in an hour, in case an account was linked meanwhile.
        """
        store = self.service.tickets().store
        now = datetime.now(UTC)
        queued = 0
        for note in store.claim(now, limit=50, lease=timedelta(minutes=5)):
            target = self._direct(note.recipient_id, note.id)
            if target is None:
                store.failed(note.id, now, "no linked chat account", timedelta(hours=1))
                continue
            platform, incoming = target
            text = "\n".join(p for p in (f"**{note.payload.get('title', '')}**", note.payload.get("text", "")) if p)
            lang: Lang = detect_language(text)
            messages = self._render(platform, notice(text, lang, incoming), incoming)
            self.store.queue(platform.name, messages, key=f"ticket-note:{note.id}")
            store.delivered(note.id, now)
            queued += 1
        if queued:
            self._wake_sender.set()
        return queued

    def _direct(self, user_id: str, note_id: int) -> tuple[Platform, Incoming] | None:
        """Where a direct message to a directory user goes: Slack DM first, else DingTalk one-to-one."""
        slack_id, staff_id = self.service.directory.chat_ids(user_id)
        event = f"ticket-note-{note_id}"
        if slack_id and "slack" in self.platforms:
            return self.platforms["slack"], Incoming(
                platform="slack", event_id=event, user_ref=slack_id, conversation=f"slack:notes:{slack_id}",
                channel=slack_id, route={"channel": slack_id, "thread_ts": None, "response_url": None})
        if staff_id and "dingtalk" in self.platforms:
            return self.platforms["dingtalk"], Incoming(
                platform="dingtalk", event_id=event, user_ref=staff_id, conversation=f"dingtalk:notes:{staff_id}",
                channel=f"staff:{staff_id}", route={"session_webhook": None, "expires_ms": 0,
                                                     "conversation_type": "1", "open_conversation_id": None,
                                                     "staff_id": staff_id})
        return None

    # --- leases ---------------------------------------------------------------------------------------------
    def _keeper_loop(self) -> None:
        """Renew the leases of messages being answered here; drop old ids (retention) now and then."""
        last_purge = 0.0
        every = max(0.5, self.settings.chat_lease_s / 3)
        while not self._stop.wait(every):
            with self._held_lock:
                held = list(self._held.values())
            for claimed in held:
                try:
                    self.store.renew(claimed, self._lease)
                except Exception:
                    log.exception("could not renew the lease on chat message %s", claimed.id)
            if time.monotonic() - last_purge > 600:
                last_purge = time.monotonic()
                before = datetime.now(UTC) - timedelta(hours=self.settings.chat_retention_h)
                try:
                    self.store.purge(before)
                except Exception:
                    log.exception("chat inbox purge failed")

    # --- delivery -------------------------------------------------------------------------------------------
    def _send_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._dispatch()
                wait = self._idle_wait()
            except Exception:
                log.exception("chat outbox unavailable")
                wait = 2.0
            self._wake_sender.wait(wait)
            self._wake_sender.clear()

    def _dispatch(self) -> None:
        now = time.monotonic()
        with self._busy_lock:
            for channel in [c for c, at in self._next_send.items() if at <= now]:
                del self._next_send[channel]
            skip = set(self._busy) | set(self._next_send)
        for out in self.store.claim_heads(SEND_LEASE, skip):
            key = f"{out.platform}:{out.channel}"
            with self._busy_lock:
                self._busy.add(key)
            self._senders.submit(self._deliver, out, key)

    def _idle_wait(self) -> float:
        """Sleep until a paced channel may send again or a retry is due (at most 1 s: new replies wake us)."""
        now = time.monotonic()
        with self._busy_lock:
            pending = [at - now for at in self._next_send.values() if at > now]
        due = self.store.next_due()
        if due is not None:
            pending.append((due - datetime.now(UTC)).total_seconds())
        return max(0.01, min([1.0, *pending]))

    def _deliver(self, out: Outgoing, key: str) -> None:
        platform = self.platforms.get(out.platform)
        try:
            if platform is None:
                raise RetryLater(30.0, f"no {out.platform} integration configured")
            count, seconds = platform.rate()
            platform.deliver(out.message())
            self.store.sent(out.id)
        except RetryLater as exc:
            if out.attempts >= self.settings.chat_send_attempts:
                log.error("reply %s to %s given up after %d attempts: %s", out.id, out.platform, out.attempts,
                          exc.reason)
                self.store.dead(out.id, exc.reason or "retry limit")
            else:
                wait = exc.seconds if exc.seconds is not None else backoff(out.attempts)
                log.warning("reply %s to %s retried in %.1fs (%s)", out.id, out.platform, wait, exc.reason)
                self.store.retry(out.id, datetime.now(UTC) + timedelta(seconds=wait), exc.reason)
        except DeliveryFailed as exc:
            log.error("reply %s to %s refused: %s", out.id, out.platform, exc)
            self.store.dead(out.id, str(exc))
        except Exception as exc:
            log.exception("reply %s to %s failed", out.id, out.platform)
            self.store.retry(out.id, datetime.now(UTC) + timedelta(seconds=backoff(out.attempts)),
                             type(exc).__name__)
        else:
            with self._busy_lock:
                self._next_send[key] = time.monotonic() + seconds / max(1, count)
        finally:
            with self._busy_lock:
                self._busy.discard(key)
            self._wake_sender.set()
