"""Slack: Block Kit rendering of replies and delivery through the Slack Web API."""
