"""The chat relay's guarantees with an in-memory chat app: one answer per message however often it arrives,
nothing lost across a crash, replies in order and paced, retries honoured, strangers refused."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from agent.reply import Reply
from agent.service import CopilotService
from copilot.settings import Settings
from integrations.chat.model import DeliveryFailed, Incoming, OutMessage, RetryLater
from integrations.chat.relay import ChatRelay, backoff
from integrations.chat.store import ChatStore
from tests.fakes import ScriptedChatModel


class MemoryApp:
    """A chat app that records what it is sent; a test scripts failures per delivery."""

    name = "slack"

    def __init__(self, per: tuple[int, float] = (1000, 1.0)) -> None:
        self.per = per
        self.sent: list[tuple[float, dict[str, Any]]] = []
        self.failures: list[Exception] = []
        self.lock = threading.Lock()

    def rate(self) -> tuple[int, float]:
        return self.per

    def fetch_audio(self, incoming: Incoming) -> tuple[bytes, str, str | None]:
        raise AssertionError("no audio in these tests")

    def render(self, reply: Reply, incoming: Incoming) -> list[OutMessage]:
        return [OutMessage(channel=incoming.channel, payload={"text": reply.reply, "to": incoming.route})]

    def deliver(self, message: OutMessage) -> None:
        with self.lock:
            if self.failures:
                raise self.failures.pop(0)
            self.sent.append((time.monotonic(), message.payload))

    def texts(self) -> list[str]:
        with self.lock:
            return [p["text"] for _, p in self.sent]


def message(event_id: str = "Ev1", user: str = "U0DEMO001", text: str = "hello", channel: str = "D1") -> Incoming:
    return Incoming(platform="slack", event_id=event_id, user_ref=user, conversation=f"slack:T1:{channel}",
                    channel=channel, text=text, route={"channel": channel, "thread_ts": None})


def wait_for(check: Any, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def store(settings: Settings) -> ChatStore:
    return ChatStore(settings.tickets_db_url)


@pytest.fixture
def app() -> MemoryApp:
    return MemoryApp()


@pytest.fixture
def relay(settings: Settings, service: CopilotService, store: ChatStore, app: MemoryApp) -> Any:
    relay = ChatRelay(service, store, {"slack": app}, settings)  # type: ignore[dict-item]
    yield relay
    relay.stop()


def test_a_message_delivered_four_times_at_once_runs_the_agent_once(relay: ChatRelay, app: MemoryApp,
                                                                     fake_model: ScriptedChatModel) -> None:
    fake_model.script = [AIMessage(content="Hi Chen.")]
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        results.append(relay.submit(message()))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    relay.start()
    wait_for(lambda: app.texts())
    relay.submit(message())  # a late retry after the answer
    time.sleep(0.5)
    assert app.texts() == ["Hi Chen."] and len(fake_model.prompts) == 1
    assert relay.store.counts() == {"inbox_done": 1, "outbox_sent": 1}


def test_the_agent_runs_as_the_mapped_directory_user_in_the_thread(relay: ChatRelay, app: MemoryApp,
                                                                    fake_model: ScriptedChatModel) -> None:
    fake_model.script = [AIMessage(content="first"), AIMessage(content="second")]
    relay.start()
    relay.submit(message("E1", text="my name is Chen"))
    wait_for(lambda: len(app.texts()) == 1)
    relay.submit(message("E2", text="what is my name?"))
    wait_for(lambda: len(app.texts()) == 2)
    # Same conversation (the DM), and the per-turn context names the rep's scope (demo.rep: east).
    assert any("my name is Chen" in str(m.content) for m in fake_model.prompts[1])
    assert "data scope: east" in str(fake_model.prompts[0][-1].content)


def test_strangers_are_refused_politely_with_a_hint_for_the_admin(relay: ChatRelay, app: MemoryApp,
                                                                   fake_model: ScriptedChatModel) -> None:
    relay.start()
    relay.submit(message("E1", user="U0NOBODY", text="上个月华东区销售额"))
    wait_for(lambda: app.texts())
    assert "U0NOBODY" in app.texts()[0] and "管理员" in app.texts()[0]
    assert fake_model.prompts == []


def test_a_message_whose_worker_died_is_answered_after_its_lease(settings: Settings, service: CopilotService,
                                                                  store: ChatStore, app: MemoryApp,
                                                                  fake_model: ScriptedChatModel) -> None:
    fake_model.script = [AIMessage(content="answered after the crash")]
    store.receive(message())
    crashed = store.claim(timedelta(seconds=1))  # a worker took it, then the process died
    assert crashed is not None
    relay = ChatRelay(service, store, {"slack": app}, settings.model_copy(update={"chat_lease_s": 1.0}))
    try:
        relay.start()
        wait_for(lambda: app.texts(), timeout=8)
        assert app.texts() == ["answered after the crash"]
        # The dead worker's late finish is refused: one answer only.
        assert not store.finish(crashed, [OutMessage(channel="D1", payload={"text": "late"})], crashed.incoming)
    finally:
        relay.stop()


def test_a_message_that_keeps_killing_its_worker_gets_an_apology_not_another_run(
        settings: Settings, service: CopilotService, store: ChatStore, app: MemoryApp,
        fake_model: ScriptedChatModel) -> None:
    store.receive(message(text="do the thing"))
    start = datetime.now(UTC)
    for i in range(3):  # three crashed attempts
        assert store.claim(timedelta(seconds=1), now=start + timedelta(seconds=2 * i)) is not None
    claimed = store.claim(timedelta(seconds=1), now=start + timedelta(seconds=10))
    assert claimed is not None and claimed.attempts == 4
    relay = ChatRelay(service, store, {"slack": app}, settings)  # type: ignore[dict-item]
    assert relay.process(claimed)
    relay.start()
    try:
        wait_for(lambda: app.texts())
    finally:
        relay.stop()
    assert "failed several times" in app.texts()[0] and fake_model.prompts == []


def test_answered_messages_are_kept_with_personal_data_masked(relay: ChatRelay, app: MemoryApp,
                                                               fake_model: ScriptedChatModel) -> None:
    fake_model.script = [AIMessage(content="noted")]
    relay.start()
    relay.submit(message(text="客户电话 13812345678 可以发给经销商吗"))
    wait_for(lambda: app.texts())
    from integrations.chat.store import inbox

    with relay.store.engine.connect() as conn:
        kept = conn.execute(inbox.select()).one().payload
    assert "13812345678" not in kept["text"] and "经销商" in kept["text"]


def test_fifty_replies_to_one_channel_arrive_in_order_and_paced(
        settings: Settings, store: ChatStore, fake_model: ScriptedChatModel) -> None:
    app = MemoryApp(per=(20, 1.0))  # 20 per second: one every 50 ms
    app.failures = [RetryLater(0.3, "429"), RetryLater(None, "503")]
    fake_model.script = [AIMessage(content=f"reply {i}") for i in range(50)]
    roomy = settings.model_copy(update={"chat_workers": 1, "user_per_minute": 100})  # 50 questions from one user
    relay = ChatRelay(CopilotService(roomy, model=fake_model), store, {"slack": app}, roomy)
    try:
        for i in range(50):
            assert relay.submit(message(f"E{i}", text=f"question {i}"))
        relay.start()
        wait_for(lambda: len(app.texts()) == 50, timeout=60)
    finally:
        relay.stop()
    assert app.texts() == [f"reply {i}" for i in range(50)]
    times = [t for t, _ in app.sent]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.045  # never faster than the channel's rate
    # The first reply waited for the 429's Retry-After (0.3 s) and a backoff after the 503 before it went.


def test_a_refused_reply_is_dropped_and_the_channel_moves_on(settings: Settings, service: CopilotService,
                                                             store: ChatStore, fake_model: ScriptedChatModel) -> None:
    app = MemoryApp()
    app.failures = [DeliveryFailed("channel_not_found")]
    fake_model.script = [AIMessage(content="lost"), AIMessage(content="kept")]
    relay = ChatRelay(service, store, {"slack": app}, settings.model_copy(update={"chat_workers": 1}))
    try:
        relay.submit(message("E1"))
        relay.submit(message("E2"))
        relay.start()
        wait_for(lambda: app.texts() == ["kept"])
    finally:
        relay.stop()
    assert store.counts()["outbox_dead"] == 1


def test_delivery_gives_up_after_the_attempt_limit(settings: Settings, service: CopilotService, store: ChatStore,
                                                   fake_model: ScriptedChatModel) -> None:
    app = MemoryApp()
    app.failures = [RetryLater(0.05, "busy")] * 3
    fake_model.script = [AIMessage(content="never")]
    relay = ChatRelay(service, store, {"slack": app}, settings.model_copy(update={"chat_send_attempts": 3}))
    try:
        relay.submit(message())
        relay.start()
        wait_for(lambda: store.counts().get("outbox_dead") == 1)
    finally:
        relay.stop()
    assert app.texts() == [] and app.failures == []


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    for attempt, (low, high) in {1: (1, 2), 3: (4, 8), 20: (150, 300)}.items():
        waits = [backoff(attempt) for _ in range(200)]
        assert low <= min(waits) and max(waits) <= high and len(set(waits)) > 100


def test_old_ids_are_forgotten_only_after_the_retention(store: ChatStore) -> None:
    now = datetime.now(UTC)
    store.receive(message("E1"), now=now - timedelta(hours=2))
    claimed = store.claim(timedelta(seconds=30))
    assert claimed is not None and store.finish(claimed, [], claimed.incoming)
    assert store.purge(now - timedelta(hours=3)) == 0 and not store.receive(message("E1"))
    assert store.purge(now - timedelta(hours=1)) == 1 and store.receive(message("E1"))


def test_a_voice_note_the_app_cannot_hand_over_yet_is_tried_again(settings: Settings, store: ChatStore,
                                                                   fake_model: ScriptedChatModel) -> None:
    from tests.test_voice import FakeTranscriber, wav

    class VoiceApp(MemoryApp):
        def __init__(self) -> None:
            super().__init__()
            self.fetches = 0

        def fetch_audio(self, incoming: Incoming) -> tuple[bytes, str, str | None]:
            self.fetches += 1
            if self.fetches == 1:
                raise RetryLater(0.2, "file not ready")
            return wav(1.5), "clip.wav", "audio/wav"

    app = VoiceApp()
    fake_model.script = [AIMessage(content="heard you")]
    service = CopilotService(settings, model=fake_model, transcriber=FakeTranscriber("你好，今天怎么样"))
    relay = ChatRelay(service, store, {"slack": app}, settings)  # type: ignore[dict-item]
    voice = message(text="").model_copy(update={"audio": {"url": "https://files.slack.com/clip.wav"}})
    try:
        relay.submit(voice)
        relay.start()
        wait_for(lambda: app.texts())
    finally:
        relay.stop()
    assert app.fetches == 2 and "你好，今天怎么样" in app.texts()[0] and "heard you" in app.texts()[0]


def test_one_conversations_messages_are_answered_one_after_another_in_order(store: ChatStore) -> None:
    for i in range(3):
        store.receive(message(f"E{i}", text=f"q{i}"))
    store.receive(message("X0", text="other", channel="D2"))
    lease = timedelta(seconds=30)
    first = store.claim(lease)
    other = store.claim(lease)
    assert first is not None and first.incoming.text == "q0"
    assert other is not None and other.incoming.text == "other"
    assert store.claim(lease) is None  # q1 waits for q0's answer, though a worker is free
    assert store.finish(first, [], first.incoming)
    second = store.claim(lease)
    assert second is not None and second.incoming.text == "q1"


def test_a_flooding_user_is_told_once_and_others_are_still_answered(settings: Settings, store: ChatStore,
                                                                    fake_model: ScriptedChatModel) -> None:
    app = MemoryApp()
    tight = settings.model_copy(update={"user_per_minute": 3, "chat_workers": 1})
    fake_model.script = [AIMessage(content=f"answer {c}") for c in "ABCD"]
    relay = ChatRelay(CopilotService(tight, model=fake_model), store, {"slack": app}, tight)
    try:
        for i in range(10):  # demo.rep floods their DM
            relay.submit(message(f"F{i}", text=f"question {i}"))
        relay.submit(message("O1", user="U0DEMO002", text="hello from another rep", channel="D2"))  # rep.east.2
        relay.start()
        wait_for(lambda: store.counts().get("inbox_done") == 11)
        wait_for(lambda: len(app.texts()) == 5)
    finally:
        relay.stop()
    texts = app.texts()
    assert texts.count("answer A") + texts.count("answer B") + texts.count("answer C") == 3
    slow_down = [t for t in texts if "faster than I can take them" in t]
    assert len(slow_down) == 1 and "try again in" in slow_down[0]  # one notice for seven refused messages
    assert "answer D" in texts  # the other rep was answered
