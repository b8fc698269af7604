"""Edges of the copilot: HTTP API now; Slack and DingTalk bots plug in here. They render, tools never do."""
