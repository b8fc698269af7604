"""Slack events -> inbox messages: what is answered (mentions, DMs, audio, /copilot) and what is not."""

from __future__ import annotations

from typing import Any

from integrations.slack.events import incoming_from_command, incoming_from_event

BODY = {"team_id": "T1", "event_id": "Ev01"}


def event(**fields: Any) -> dict[str, Any]:
    return {"type": "app_mention", "user": "U0DEMO001", "channel": "C1", "ts": "1700000000.000100",
            "text": "<@UBOT> 上个月华东区销售额?", **fields}


def test_a_mention_in_a_channel_is_answered_in_a_thread_of_its_own() -> None:
    msg = incoming_from_event(BODY, event())
    assert msg is not None
    assert (msg.event_id, msg.user_ref, msg.channel, msg.text) == ("Ev01", "U0DEMO001", "C1", "上个月华东区销售额?")
    assert msg.route == {"channel": "C1", "thread_ts": "1700000000.000100", "response_url": None}
    assert msg.conversation == "slack:T1:C1:1700000000.000100"


def test_a_mention_inside_a_thread_continues_that_threads_conversation() -> None:
    msg = incoming_from_event(BODY, event(ts="1700000001.000200", thread_ts="1700000000.000100"))
    assert msg is not None and msg.conversation == "slack:T1:C1:1700000000.000100"
    assert msg.route["thread_ts"] == "1700000000.000100"


def test_direct_messages_are_one_flat_conversation_per_dm() -> None:
    msg = incoming_from_event(BODY, event(type="message", channel="D9", channel_type="im", text="hello"))
    assert msg is not None and msg.conversation == "slack:T1:D9" and msg.route["thread_ts"] is None


def test_plain_channel_messages_bots_edits_and_joins_are_ignored() -> None:
    assert incoming_from_event(BODY, event(type="message", channel_type="channel")) is None
    assert incoming_from_event(BODY, event(bot_id="BBOT")) is None
    assert incoming_from_event(BODY, event(subtype="message_changed")) is None
    assert incoming_from_event(BODY, event(subtype="channel_join")) is None
    assert incoming_from_event(BODY, {k: v for k, v in event().items() if k != "user"}) is None


def test_an_audio_clip_is_passed_on_for_transcription() -> None:
    files = [{"mimetype": "image/png", "url_private_download": "https://files.slack.com/a.png", "name": "a.png"},
             {"mimetype": "audio/webm", "subtype": "slack_audio", "name": "clip.webm",
              "url_private_download": "https://files.slack.com/clip.webm"}]
    msg = incoming_from_event(BODY, event(type="message", channel_type="im", subtype="file_share", text="",
                                          files=files))
    assert msg is not None and msg.text == ""
    assert msg.audio == {"url": "https://files.slack.com/clip.webm", "name": "clip.webm", "mimetype": "audio/webm"}


def test_the_slash_command_answers_through_its_response_url() -> None:
    msg = incoming_from_command({"team_id": "T1", "channel_id": "C7", "user_id": "U0DEMO001", "text": " Q3 revenue ",
                                 "trigger_id": "13345224609.738474920.8088930838d88f008e0",
                                 "response_url": "https://hooks.slack.com/commands/1234/5678"})
    assert msg.text == "Q3 revenue" and msg.event_id.startswith("command:13345224609")
    assert msg.route["response_url"] == "https://hooks.slack.com/commands/1234/5678"
    assert msg.conversation == "slack:T1:C7:U0DEMO001"
